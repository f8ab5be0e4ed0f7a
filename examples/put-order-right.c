/*
 * The twin of put-order-wrong.c: P puts users first, then wait_cnt, as
 * iommufd_put_object() does, so K can never drain wait_cnt while P's users
 * count is still there. The wake-up is wake_up_all(), which wakes K's
 * uninterruptible sleep (upstream's wake_up_interruptible_all() does not:
 * see chapter 6), so no interleaving stalls either.
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

	refcount_dec(&x->users);
	if (refcount_dec_and_test(&x->wait_cnt))
		wake_up_all(&destroy_wait);
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
