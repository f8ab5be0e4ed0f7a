/*
 * close(iommufd) races close(cdev) while a third thread destroys the vdev
 * by ID: either close may come first, and the IOMMU_DESTROY may win, find a
 * tombstone, or find the descriptor gone. Whichever file reference is the
 * last, the release runs once, after the unbind, and frees everything.
 */
#include "harness.h"

void setup(void)
{
	setup_bound_device();
	setup_vdev();
}

void thread_close_iommufd(void)
{
	EXPECT_RET("close(iommufd)", close_fd(ifd), 0);
}

void thread_close_cdev(void)
{
	EXPECT_RET("close(cdev)", close_fd(cdev0), 0);
}

void thread_destroy_vdev(void)
{
	EXPECT_RET("IOMMU_DESTROY(vdev) racing both closes (EBUSY: the unbind holds it for a moment)", destroy_id(vdev_id), 0, -EBUSY, -ENOENT, -EBADF);
}

void check(void)
{
	vfio_pci_remove(vfio0);
}
