/*
 * Walk-through (seed 000): a process with a live vdev exits without an
 * IOMMU_DESTROY. Exit closes its files in descriptor order: the iommufd
 * first, but VFIO still holds a reference on it (iommufd_ctx_from_fd() at
 * bind), so nothing is released yet; then the cdev: the last close runs the
 * driver's close_device, unbinds (the vdev becomes a tombstone), and puts
 * the iommufd file, whose release runs last and frees the rest.
 */
#include "harness.h"

void setup(void)
{
	setup_bound_device();
	setup_vdev();
}

void thread_exit(void)
{
	EXPECT_RET("close(iommufd)", close_fd(ifd), 0);
	EXPECT_RET("close(cdev)", close_fd(cdev0), 0);
}

void check(void)
{
	vfio_pci_remove(vfio0);
}
