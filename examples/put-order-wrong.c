/*
 * The order of the two puts of an iommufd lookup (chapter 2). P has looked
 * X up (a users and a wait_cnt reference) and puts them in the wrong order:
 * wait_cnt first. K destroys X the kernel way: drain wait_cnt (sleeping if
 * a lookup holds it), then require users to be the slot's alone.
 *
 * One preemption, between P's two decrements, lets K drain wait_cnt to zero
 * without sleeping and find P's users still there: -EBUSY, and the WARN a
 * kernel destroy gives when it fails.
 *   npx teardown check examples/put-order-wrong.c --strategy bounded --preemptions 1
 */
struct obj {
	refcount_t users;
	refcount_t wait_cnt;
};

static struct obj *x;
static DEFINE_SPINLOCK(slot_lock);	/* stands for the objects xarray's xa_lock */
static DECLARE_WAIT_QUEUE_HEAD(destroy_wait);
static int destroy_rc = 1;

void setup(void)
{
	x = kzalloc(sizeof(*x), GFP_KERNEL);
	refcount_set(&x->users, 2);	/* the slot's and K's */
	refcount_set(&x->wait_cnt, 1);	/* the slot's */
}

/* P: an ioctl: look X up under the slot lock, use it, put it */
void thread_p(void)
{
	bool got;

	spin_lock(&slot_lock);
	got = refcount_inc_not_zero(&x->users);
	if (got && !refcount_inc_not_zero(&x->wait_cnt)) {
		refcount_dec(&x->users);
		got = false;
	}
	spin_unlock(&slot_lock);
	if (!got)
		return;

	/* BUG: wait_cnt first lets a waiting destroyer see our users count */
	if (refcount_dec_and_test(&x->wait_cnt))
		wake_up_all(&destroy_wait);
	refcount_dec(&x->users);
}

/* K: a kernel destroy, REMOVE_WAIT style */
void thread_k(void)
{
	if (!refcount_dec_and_test(&x->wait_cnt) &&
	    !wait_event_timeout(destroy_wait, refcount_read(&x->wait_cnt) == 0, msecs_to_jiffies(60000))) {
		refcount_inc(&x->wait_cnt);
		destroy_rc = -EBUSY;
		return;
	}
	spin_lock(&slot_lock);
	refcount_dec(&x->users);	/* K's own reference */
	destroy_rc = refcount_dec_if_one(&x->users) ? 0 : -EBUSY;
	spin_unlock(&slot_lock);
}

void check(void)
{
	WARN_ON(destroy_rc);
	kfree(x);
}
