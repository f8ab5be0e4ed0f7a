/* guard(mutex) releases the lock on every return path: no lock is leaked. */
static DEFINE_MUTEX(lock);
static int count;

static int add_one(int limit)
{
	guard(mutex)(&lock);
	if (count >= limit)
		return -EBUSY;
	count++;
	return 0;
}

void thread_a(void)
{
	add_one(1);
}

void thread_b(void)
{
	add_one(1);
}
