/*
 * A lookup takes a reference with refcount_inc() instead of
 * refcount_inc_not_zero(): racing with the final put, it revives a dead
 * object ("addition on 0; use-after-free").
 */
struct obj {
	refcount_t ref;
};

static struct obj *o;
static DEFINE_MUTEX(lock);

void setup(void)
{
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	refcount_set(&o->ref, 1);
}

void thread_lookup(void)
{
	mutex_lock(&lock);
	refcount_inc(&o->ref);		/* should be refcount_inc_not_zero() */
	mutex_unlock(&lock);
}

void thread_put(void)
{
	mutex_lock(&lock);
	refcount_dec_and_test(&o->ref);
	mutex_unlock(&lock);
}

void check(void)
{
	kfree(o);
}
