/*
 * The vdevice_tombstone selftest (Linux 6.17), plus the property its commit
 * message states and the selftest leaves untested: the device is unbound
 * (its VFIO cdev closed) while its vdev is alive. The vdev is destroyed and
 * its ID tombstoned: IOMMU_DESTROY of that ID gives ENOENT, the ID is not
 * handed to the next object, and closing the iommufd frees everything.
 */
#include "harness.h"

void setup(void)
{
	setup_bound_device();
	/* a second device, bound only after the unbind (harness.h's vfio1 and cdev1) */
	vfio1 = vfio_pci_probe(&group1, &smmu);
	cdev1 = vfio_cdev_open(vfio1);
}

void thread_user(void)
{
	u32 vdev_id = 0, viommu1_id = 0;

	EXPECT_RET("IOMMU_VDEVICE_ALLOC(virt_id 0x99)", ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x99, &vdev_id), 0);
	close_fd(cdev0);
	EXPECT_RET("IOMMU_DESTROY(vdev) after the unbind", ioctl_destroy(ifd, vdev_id), -ENOENT);
	/* IDs are allocated lowest first: the idev's freed ID goes first, then the vdev's if it was freed */
	EXPECT_RET("VFIO_DEVICE_BIND_IOMMUFD(second device)", ioctl_vfio_bind_iommufd(cdev1, ifd, &dev1_id), 0);
	EXPECT_RET("IOMMU_VIOMMU_ALLOC(second device)", ioctl_viommu_alloc(ifd, dev1_id, &viommu1_id), 0);
	INVARIANT(dev1_id != vdev_id && viommu1_id != vdev_id, "a tombstoned ID is never handed out again");
	close_fd(cdev1);
	cdev1_closed = true;
}

void check(void)
{
	teardown(true);
}
