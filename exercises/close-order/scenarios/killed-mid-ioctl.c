/*
 * A process is killed while another of its threads is in an ioctl using
 * the vdev; exit closes its files in descriptor order. The ioctl holds its
 * own file reference (fdget), so its fdput, or the cdev's release, may be
 * the one that runs the iommufd's release, with a live vdev. (Versions with
 * a racing IOMMU_DESTROY of the vIOMMU and an IOMMU_IOAS_ALLOC as well are
 * measured in this exercise's README, "Performance".)
 */
#include "harness.h"

void setup(void)
{
	setup_bound_device();
	setup_vdev();
}

void thread_exit(void)
{
	close_fd(ifd);
	close_fd(cdev0);
}

void thread_use_vdev(void)
{
	EXPECT_RET("an ioctl on the vdev", ioctl_vdevice_use(ifd, vdev_id), 0, -ENOENT, -EBADF);
}

void check(void)
{
	vfio_pci_remove(vfio0);
}
