/*
 * A user that answers every request by opening the device again before it
 * closes the file it has (twice, then it gives up and closes). The
 * unregister must still finish without waiting out its 10 s: once it has
 * started, the device must not be findable, so the reopen fails with
 * -ENODEV and the close is the last put. Were the device findable during
 * the wait, each reopen would take a new user of the registration before
 * the old one is put, and the count would never reach 0 in time.
 */
#include "harness.h"

static unsigned int idx0;
static struct file *f;

void setup(void)
{
	load_modules();
	idx0 = probe(&mdev0);
	f = open_with_trigger(idx0, &req0);
}

void thread_user(void)
{
	struct file *nf;
	int i;

	for (i = 0; i < 2; i++) {
		vfio_user_wait_request(&req0);
		nf = vfio_user_open(idx0);
		EXPECT_RET("VFIO_GROUP_GET_DEVICE_FD(reopen)", PTR_ERR_OR_ZERO(nf), 0, -ENODEV);
		vfio_user_close(f);
		if (IS_ERR(nf))
			return;
		f = nf;
	}
	vfio_user_wait_request(&req0);
	vfio_user_close(f);
}

void thread_remove(void)
{
	mtty_remove(&mdev0);
}

void check(void)
{
	check_all_released();
}
