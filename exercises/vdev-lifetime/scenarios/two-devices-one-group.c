/*
 * Two devices in one iommu_group share one igroup and so one igroup->lock.
 * One device is unbound (its vdev is tombstoned) while the other allocates
 * a vdev of its own: each must find its own idev->vdev under the shared
 * lock, and the unbind must touch only its own device's vdev.
 */
#include "harness.h"

static u32 vdev0_id, vdev1_id;
static int alloc_rc = 1;

void setup(void)
{
	setup_bound_device();
	setup_second_device(&group0);
	EXPECT_RET("IOMMU_VDEVICE_ALLOC(dev0)", ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x10, &vdev0_id), 0);
}

void thread_alloc1(void)
{
	alloc_rc = ioctl_vdevice_alloc(ifd, viommu_id, dev1_id, 0x11, &vdev1_id);
	EXPECT_RET("IOMMU_VDEVICE_ALLOC(dev1)", alloc_rc, 0);
}

void thread_unbind0(void)
{
	close_fd(cdev0);
}

void check(void)
{
	EXPECT_RET("IOMMU_DESTROY(dev0's vdev, tombstoned)", ioctl_destroy(ifd, vdev0_id), -ENOENT);
	INVARIANT(vdev_at(viommu_id, 0x11) != NULL, "the other device's vdev survives the unbind");
	EXPECT_RET("IOMMU_DESTROY(dev1's vdev)", ioctl_destroy(ifd, vdev1_id), 0);
	teardown(true);
}
