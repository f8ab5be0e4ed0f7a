/*
 * The two counts step by step, on one device and one user, as the chapter
 * draws them: probe leaves the memory's kref and the registration's user
 * count at 1 each (both the driver's); an open adds a user of the
 * registration but no kref; the close takes it away; remove drops the
 * registration to 0 (completing comp) and then the kref to 0 (release).
 */
#include "harness.h"

static unsigned int idx0;

void setup(void)
{
	load_modules();
	idx0 = probe(&mdev0);
}

void thread_walkthrough(void)
{
	struct vfio_device *vdev = vdev_of(&mdev0);
	struct file *f;

	EXPECT_RET("kref after probe", kref_read(&vdev->device.kref), 1);
	EXPECT_RET("registration after probe", refcount_read(&vdev->refcount), 1);
	EXPECT_RET("ports left after probe", atomic_read(&mdev_avail_ports), MAX_MTTYS - 1);

	f = vfio_user_open(idx0);
	EXPECT_RET("VFIO_GROUP_GET_DEVICE_FD", PTR_ERR_OR_ZERO(f), 0);
	EXPECT_RET("registration while open", refcount_read(&vdev->refcount), 2);
	EXPECT_RET("kref while open", kref_read(&vdev->device.kref), 1);
	EXPECT_RET("open_count while open", vdev->open_count, 1);

	vfio_user_close(f);
	EXPECT_RET("registration after close", refcount_read(&vdev->refcount), 1);

	mtty_remove(&mdev0);
	EXPECT_RET("VFIO_GROUP_GET_DEVICE_FD after remove", PTR_ERR_OR_ZERO(vfio_user_open(idx0)), -ENODEV);
}

void check(void)
{
	check_all_released();
}
