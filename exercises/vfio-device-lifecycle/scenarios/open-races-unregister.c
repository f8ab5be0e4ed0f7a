/*
 * A user opens the device while the driver is removed. The open either
 * comes first (and the unregister waits for its close) or finds the device
 * gone (-ENODEV); it never gets a file on a device whose memory is about to
 * go.
 */
#include "harness.h"

static unsigned int idx0;

void setup(void)
{
	load_modules();
	idx0 = probe(&mdev0);
}

void thread_open(void)
{
	struct file *f = vfio_user_open(idx0);

	EXPECT_RET("VFIO_GROUP_GET_DEVICE_FD", PTR_ERR_OR_ZERO(f), 0, -ENODEV);
	if (!IS_ERR(f))
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
