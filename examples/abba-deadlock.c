/* Two tasks take the same two mutexes in opposite order: an ABBA deadlock. */
static DEFINE_MUTEX(a);
static DEFINE_MUTEX(b);

void thread_one(void)
{
	mutex_lock(&a);
	mutex_lock(&b);
	mutex_unlock(&b);
	mutex_unlock(&a);
}

void thread_two(void)
{
	mutex_lock(&b);
	mutex_lock(&a);
	mutex_unlock(&a);
	mutex_unlock(&b);
}
