/*
 * Two IOMMU_DESTROYs of the same vdev: one succeeds, the other finds the
 * ID gone (ENOENT). Each checks users and unpublishes the slot inside one
 * xa_lock section, so neither can see the other's reference (no EBUSY);
 * the kernel destroys the vdev once.
 */
#include "harness.h"

static u32 vdev_id;
static int rc_a = 1, rc_b = 1;

void setup(void)
{
	setup_bound_device();
	EXPECT_RET("IOMMU_VDEVICE_ALLOC", ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x99, &vdev_id), 0);
}

void thread_a(void)
{
	rc_a = ioctl_destroy(ifd, vdev_id);
	EXPECT_RET("IOMMU_DESTROY(vdev)", rc_a, 0, -ENOENT);
}

void thread_b(void)
{
	rc_b = ioctl_destroy(ifd, vdev_id);
	EXPECT_RET("IOMMU_DESTROY(vdev)", rc_b, 0, -ENOENT);
}

void check(void)
{
	INVARIANT((rc_a == 0) + (rc_b == 0) == 1, "the vdev is destroyed exactly once");
	teardown(false);
}
