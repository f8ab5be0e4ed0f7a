/*
 * A second device asks for a virtual ID that the first device's vdev holds
 * on the same vIOMMU, while an ioctl uses that vdev. The allocation fails
 * with EEXIST after its vdev was linked to its idev, so the vdevice's abort
 * runs, igroup->lock held, on a vdev that never owned the virt_id slot: it
 * must give back what the vdev holds and leave the other vdev's slot alone.
 */
#include "harness.h"

static u32 vdev0_id;

void setup(void)
{
	setup_bound_device();
	setup_second_device(&group1);
	EXPECT_RET("IOMMU_VDEVICE_ALLOC(dev0, 0x99)", ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x99, &vdev0_id), 0);
}

void thread_dev1(void)
{
	EXPECT_RET("IOMMU_VDEVICE_ALLOC(dev1, 0x99: taken)", ioctl_vdevice_alloc(ifd, viommu_id, dev1_id, 0x99, NULL),
		   -EEXIST);
}

void thread_use0(void)
{
	EXPECT_RET("an ioctl on dev0's vdev", ioctl_vdevice_use(ifd, vdev0_id), 0);
}

void check(void)
{
	struct iommufd_vdevice *vdev = vdev_at(viommu_id, 0x99);

	INVARIANT(vdev && vdev->obj.id == vdev0_id, "a failed alloc leaves the other vdev's virt_id slot alone");
	/* the failed alloc left dev1 without a vdev: it may take another ID */
	EXPECT_RET("IOMMU_VDEVICE_ALLOC(dev1, 0x77)", ioctl_vdevice_alloc(ifd, viommu_id, dev1_id, 0x77, NULL), 0);
	EXPECT_RET("IOMMU_DESTROY(dev0's vdev)", ioctl_destroy(ifd, vdev0_id), 0);
	teardown(false);
}
