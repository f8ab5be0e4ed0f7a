/*
 * IOMMU_VDEVICE_ALLOC races the unbind (walk-through E). The allocation may
 * win (then the unbind tombstones the new vdev), or fail with ENOENT (the
 * idev is gone, or being destroyed). A vdev created after pre_destroy would
 * pin the idev and make the unbind wait forever.
 */
#include "harness.h"

static u32 vdev_id;
static int alloc_rc = 1;

void setup(void)
{
	setup_bound_device();
}

void thread_alloc(void)
{
	int rc = ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x99, &vdev_id);

	EXPECT_RET("IOMMU_VDEVICE_ALLOC racing unbind", rc, 0, -ENOENT);
	alloc_rc = rc;
}

void thread_unbind(void)
{
	close_fd(cdev0);
}

void check(void)
{
	if (alloc_rc == 0)
		EXPECT_RET("IOMMU_DESTROY(vdev allocated before the unbind)", ioctl_destroy(ifd, vdev_id), -ENOENT);
	teardown(true);
}
