/*
 * The selftest's mock device binds without a reference on the iommufd
 * file, so the release can run while it is bound. Left behind: the mock
 * device object, its idev, an IOAS, a nesting-parent HWPT on it, a vIOMMU
 * on the HWPT and a vdev. IDs in that order, so the release must go round
 * several times: destroying the mock object unbinds the idev in the middle
 * of the walk (erasing it, and tombstoning the vdev), then the vIOMMU, the
 * HWPT and the IOAS become leaves one pass after another. Meanwhile another
 * thread destroys the vdev by ID.
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
	EXPECT_RET("IOMMU_DESTROY(vdev) racing close", destroy_id(vdev_id), 0, -EBADF);
}
