/*
 * Two IOMMU_VDEVICE_ALLOCs on one device at once: at most one vdev per idev,
 * so exactly one succeeds and the other gets EEXIST.
 */
#include "harness.h"

static int rc_a = 1, rc_b = 1;
static u32 id_a, id_b;

void setup(void)
{
	setup_bound_device();
}

void thread_a(void)
{
	rc_a = ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x11, &id_a);
	EXPECT_RET("IOMMU_VDEVICE_ALLOC(0x11)", rc_a, 0, -EEXIST);
}

void thread_b(void)
{
	rc_b = ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x22, &id_b);
	EXPECT_RET("IOMMU_VDEVICE_ALLOC(0x22)", rc_b, 0, -EEXIST);
}

void check(void)
{
	INVARIANT((rc_a == 0) + (rc_b == 0) == 1, "exactly one vdev per idev");
	EXPECT_RET("IOMMU_DESTROY(vdev)", ioctl_destroy(ifd, rc_a == 0 ? id_a : id_b), 0);
	teardown(false);
}
