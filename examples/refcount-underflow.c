/*
 * One reference, two puts: each task believes it owns a reference. The
 * second refcount_dec_and_test() finds the count at 0: "underflow;
 * use-after-free".
 */
struct obj {
	refcount_t ref;
	int dead;
};

static struct obj *o;

void setup(void)
{
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	refcount_set(&o->ref, 1);
}

static void put(void)
{
	if (refcount_dec_and_test(&o->ref))
		WRITE_ONCE(o->dead, 1);
}

void thread_a(void)
{
	put();
}

void thread_b(void)
{
	put();
}

void check(void)
{
	kfree(o);
}
