/*
 * The same ABBA order as abba-deadlock.c, but both tasks first take a gate
 * mutex, so the two orders can never run at the same time. No execution
 * deadlocks, yet lockdep's class graph has the cycle a -> b -> a: a
 * lock-order finding without a deadlock.
 */
static DEFINE_MUTEX(gate);
static DEFINE_MUTEX(a);
static DEFINE_MUTEX(b);

void thread_one(void)
{
	mutex_lock(&gate);
	mutex_lock(&a);
	mutex_lock(&b);
	mutex_unlock(&b);
	mutex_unlock(&a);
	mutex_unlock(&gate);
}

void thread_two(void)
{
	mutex_lock(&gate);
	mutex_lock(&b);
	mutex_lock(&a);
	mutex_unlock(&a);
	mutex_unlock(&b);
	mutex_unlock(&gate);
}
