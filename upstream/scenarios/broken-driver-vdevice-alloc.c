/*
 * Upstream finding vdevice-size-lock-leak: an IOMMU driver whose vIOMMU ops
 * declare vdevice_size but no vdevice_init, a driver bug that
 * iommufd_vdevice_alloc_ioctl() checks with WARN_ON_ONCE(). In 6.17 that
 * check runs with igroup->lock held and jumps to out_put_idev, past the
 * unlock: IOMMU_VDEVICE_ALLOC returns -EOPNOTSUPP to user space with the
 * lock held. The lock belongs to the device's igroup: whatever takes it
 * next waits forever, here a second IOMMU_VDEVICE_ALLOC for the device (in
 * the kernel also an attach or detach on the group).
 */
#include "harness.h"

/* the buggy driver's ops: a driver-sized vdevice without the init that must pair with it */
static const struct iommufd_viommu_ops broken_viommu_ops = {
	.vdevice_size = sizeof(struct iommufd_vdevice) + 8,
};

static u32 vdev_id, vdev2_id;

void setup(void)
{
	setup_bound_device();
	viommu_by_id(viommu_id)->ops = &broken_viommu_ops;
}

void thread_alloc(void)
{
	EXPECT_RET("IOMMU_VDEVICE_ALLOC with a broken driver",
		   ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x99, &vdev_id), -EOPNOTSUPP);
}

void thread_again(void)
{
	EXPECT_RET("IOMMU_VDEVICE_ALLOC again",
		   ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x9a, &vdev2_id), -EOPNOTSUPP);
}

void check(void)
{
	teardown(false);
}
