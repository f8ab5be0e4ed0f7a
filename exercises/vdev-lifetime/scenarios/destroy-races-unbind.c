/*
 * IOMMU_DESTROY of the vdev races the unbind (case 3 of the v2 commit
 * message, walk-throughs C and D). The destroy may succeed, find a
 * tombstone (ENOENT), or see the unbind's temporary users reference: a
 * transient EBUSY, which upstream accepts. The kernel side must not fail.
 */
#include "harness.h"

static u32 vdev_id;
static int destroy_rc = 1;

void setup(void)
{
	setup_bound_device();
	EXPECT_RET("IOMMU_VDEVICE_ALLOC", ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x99, &vdev_id), 0);
}

void thread_destroy(void)
{
	destroy_rc = ioctl_destroy(ifd, vdev_id);
	EXPECT_RET("IOMMU_DESTROY(vdev) racing unbind", destroy_rc, 0, -ENOENT, -EBUSY);
}

void thread_unbind(void)
{
	close_fd(cdev0);
}

void check(void)
{
	EXPECT_RET("IOMMU_DESTROY(vdev) after both", ioctl_destroy(ifd, vdev_id), -ENOENT);
	teardown(true);
}
