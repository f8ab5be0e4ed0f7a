/*
 * The driver is removed while a user has the device open. The unregister
 * drops the registration's own user and finds the file's still there, so
 * it asks the driver to get the device back (ops->request); the driver
 * signals the user's request eventfd, and the user closes. Only then may
 * the unregister return and the driver put the memory.
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
