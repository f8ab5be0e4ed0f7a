/*
 * The process closes its iommufd while the VFIO cdev is being closed, with
 * the vdev still alive (seed 000: the file references decide the order).
 * VFIO holds a reference on the iommufd file until the unbind is done, so
 * iommufd_fops_release() runs last, whichever close comes first, and frees
 * everything, tombstones included.
 */
#include "harness.h"

static u32 vdev_id;

void setup(void)
{
	setup_bound_device();
	EXPECT_RET("IOMMU_VDEVICE_ALLOC", ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x99, &vdev_id), 0);
}

void thread_close_iommufd(void)
{
	close_fd(ifd);
}

void thread_close_cdev(void)
{
	close_fd(cdev0);
}

void check(void)
{
	vfio_pci_remove(vfio0);
}
