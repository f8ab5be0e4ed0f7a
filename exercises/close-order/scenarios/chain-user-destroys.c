/*
 * The same chain on a mock device (IOAS, HWPT, vIOMMU, vdev), and a process
 * that starts taking it apart in the right order from three threads (the
 * vdev, the vIOMMU, the HWPT by ID) while a fourth closes the iommufd. Each
 * IOMMU_DESTROY may succeed, find the object still in use (EBUSY), find it
 * gone (ENOENT) or the descriptor closed (EBADF); the release, run by the
 * last file reference, frees what is left.
 */
#include "harness.h"

static u32 stdev_id, mock_idev_id, ioas_id, hwpt_id;

void setup(void)
{
	ifd = iommufd_open();
	EXPECT_RET("IOMMU_TEST_OP_MOCK_DOMAIN", ioctl_test_mock_domain(ifd, &stdev_id, &mock_idev_id), 0);
	EXPECT_RET("IOMMU_IOAS_ALLOC", ioctl_ioas_alloc(ifd, &ioas_id), 0);
	EXPECT_RET("IOMMU_HWPT_ALLOC", ioctl_hwpt_alloc(ifd, mock_idev_id, ioas_id, &hwpt_id), 0);
	EXPECT_RET("IOMMU_VIOMMU_ALLOC", ioctl_viommu_alloc_on(ifd, mock_idev_id, hwpt_id, &viommu_id), 0);
	EXPECT_RET("IOMMU_VDEVICE_ALLOC", ioctl_vdevice_alloc(ifd, viommu_id, mock_idev_id, 0x99, &vdev_id), 0);
}

void thread_close_iommufd(void)
{
	EXPECT_RET("close(iommufd)", close_fd(ifd), 0);
}

void thread_destroy_vdev(void)
{
	EXPECT_RET("IOMMU_DESTROY(vdev)", destroy_id(vdev_id), 0, -EBADF);
}

void thread_destroy_viommu(void)
{
	EXPECT_RET("IOMMU_DESTROY(viommu)", destroy_id(viommu_id), 0, -EBUSY, -EBADF);
}

void thread_destroy_hwpt(void)
{
	EXPECT_RET("IOMMU_DESTROY(hwpt)", destroy_id(hwpt_id), 0, -EBUSY, -EBADF);
}
