/*
 * Two devices in one device set (as vfio-pci puts the functions of one
 * slot), removed at once while a user has the first open. The set, its
 * lock and its list are shared; the last device's release frees the set.
 */
#include "harness.h"

static int slot;
static unsigned int idx0;
static struct file *f;

void setup(void)
{
	load_modules();
	mdev0.set_id = &slot;
	mdev1.set_id = &slot;
	idx0 = probe(&mdev0);
	probe(&mdev1);
	f = open_with_trigger(idx0, &req0);
}

void thread_user(void)
{
	vfio_user_wait_request(&req0);
	vfio_user_close(f);
}

void thread_remove0(void)
{
	mtty_remove(&mdev0);
}

void thread_remove1(void)
{
	mtty_remove(&mdev1);
}

void check(void)
{
	check_all_released();
}
