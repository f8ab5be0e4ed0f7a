/*
 * An ioctl holding the vdev (a lookup: users and wait_cnt references) races
 * the unbind. The unbind must wait for the ioctl to put its reference, and
 * must not free anything the ioctl still uses.
 */
#include "harness.h"

static u32 vdev_id;

void setup(void)
{
	setup_bound_device();
	EXPECT_RET("IOMMU_VDEVICE_ALLOC", ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x99, &vdev_id), 0);
}

void thread_use(void)
{
	EXPECT_RET("an ioctl using the vdev", ioctl_vdevice_use(ifd, vdev_id), 0, -ENOENT);
}

void thread_unbind(void)
{
	close_fd(cdev0);
}

void check(void)
{
	EXPECT_RET("IOMMU_DESTROY(vdev) after the unbind", ioctl_destroy(ifd, vdev_id), -ENOENT);
	teardown(true);
}
