/*
 * A process is killed while two of its threads are in ioctls on the
 * iommufd (one using the vdev, one destroying the vIOMMU) and a third is
 * allocating an IOAS; exit closes its files in descriptor order. The
 * ioctls hold their own file references (fdget), so the last of them, or
 * the cdev's release, runs the iommufd's release, with a live vdev.
 */
#include "harness.h"

void setup(void)
{
	setup_bound_device();
	setup_vdev();
}

void thread_exit(void)
{
	close_fd(ifd);
	close_fd(cdev0);
}

void thread_use_vdev(void)
{
	EXPECT_RET("an ioctl on the vdev", ioctl_vdevice_use(ifd, vdev_id), 0, -ENOENT, -EBADF);
}

void check(void)
{
	vfio_pci_remove(vfio0);
}
