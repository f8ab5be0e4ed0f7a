/*
 * A refcounted object shared by two tasks. thread_reader drops its reference
 * and only then reads the object: if the other task drops the last
 * reference in between, the read is a use-after-free.
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
	int v;

	obj_put(o);
	v = o->data;		/* BUG: the reference that kept o alive is gone */
	(void)v;
}

void thread_owner(void)
{
	obj_put(shared);
}
