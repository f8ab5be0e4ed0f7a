/*
 * The vdevice_alloc selftest of tools/testing/selftests/iommu/iommufd.c
 * (Linux 6.17), with the vEVENTQ and nested-domain steps left out: allocate
 * a vdev; a second one on the same device gets EEXIST; destroy it; allocate
 * again at another virtual ID; destroy that one. The no_viommu variant
 * (viommu 0, device 0) gets ENOENT. Then the process exits.
 */
#include "harness.h"

void setup(void)
{
	setup_bound_device();
}

void thread_user(void)
{
	u32 vdev_id = 0;

	EXPECT_RET("IOMMU_VDEVICE_ALLOC(virt_id 0x99)", ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x99, &vdev_id), 0);
	EXPECT_RET("IOMMU_VDEVICE_ALLOC(virt_id 0x99) again on the same device", ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x99, NULL), -EEXIST);
	EXPECT_RET("IOMMU_DESTROY(vdev 0x99)", ioctl_destroy(ifd, vdev_id), 0);
	EXPECT_RET("IOMMU_VDEVICE_ALLOC(virt_id 0x88)", ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x88, &vdev_id), 0);
	EXPECT_RET("IOMMU_DESTROY(vdev 0x88)", ioctl_destroy(ifd, vdev_id), 0);
	EXPECT_RET("IOMMU_VDEVICE_ALLOC with no vIOMMU and no device (no_viommu variant)", ioctl_vdevice_alloc(ifd, 0, 0, 0x99, NULL), -ENOENT);
	EXPECT_RET("IOMMU_DESTROY(viommu)", ioctl_destroy(ifd, viommu_id), 0);
}

void check(void)
{
	teardown(false);
}
