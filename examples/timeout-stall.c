/*
 * The waiter sleeps uninterruptibly in wait_event_timeout(); the waker sets
 * the condition and calls wake_up_interruptible(), which only wakes
 * TASK_INTERRUPTIBLE sleepers. The wait ends only through its timeout.
 */
static DECLARE_WAIT_QUEUE_HEAD(wq);
static int done;

void thread_waiter(void)
{
	long left = wait_event_timeout(wq, READ_ONCE(done), msecs_to_jiffies(1000));

	assert(left > 0);
}

void thread_waker(void)
{
	WRITE_ONCE(done, 1);
	wake_up_interruptible(&wq);
}
