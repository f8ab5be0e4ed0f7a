/*
 * Correct reference counting: each task holds its own reference, and the
 * last put frees. No finding in any interleaving.
 */
struct obj {
	refcount_t ref;
	int data;
};

static struct obj *shared;

static void obj_put(struct obj *o)
{
	if (refcount_dec_and_test(&o->ref))
		kfree(o);
}

void setup(void)
{
	shared = kzalloc(sizeof(*shared), GFP_KERNEL);
	refcount_set(&shared->ref, 2);
	shared->data = 42;
}

void thread_reader(void)
{
	struct obj *o = shared;
	int v = READ_ONCE(o->data);

	obj_put(o);
	(void)v;
}

void thread_owner(void)
{
	obj_put(shared);
}
