/* An error path jumps past the unlock and returns to user space holding the mutex. */
static DEFINE_MUTEX(lock);
static int count;

static int add_one(int limit)
{
	int ret = 0;

	mutex_lock(&lock);
	if (count >= limit) {
		ret = -EBUSY;
		goto out;		/* BUG: out is after the unlock */
	}
	count++;
	mutex_unlock(&lock);
out:
	return ret;
}

void thread_a(void)
{
	add_one(1);
}

void thread_b(void)
{
	add_one(1);
}
