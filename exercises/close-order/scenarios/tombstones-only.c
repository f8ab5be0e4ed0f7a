/*
 * A well-behaved process that closed the cdev too early: the unbind leaves
 * the vdev as a tombstone, user space destroys the vIOMMU (EBUSY while the
 * vdev still holds it), and at close the iommufd holds nothing but the
 * tombstone. xa_empty() is false, xa_for_each() finds nothing: the release
 * must end without a WARN and without leaking.
 */
#include "harness.h"

static int viommu_rc = 1;

void setup(void)
{
	setup_bound_device();
	setup_vdev();
}

void thread_close_cdev(void)
{
	EXPECT_RET("close(cdev)", close_fd(cdev0), 0);
}

void thread_destroy_viommu(void)
{
	viommu_rc = destroy_id(viommu_id);
	EXPECT_RET("IOMMU_DESTROY(viommu) racing the unbind", viommu_rc, 0, -EBUSY);
}

void check(void)
{
	if (viommu_rc)
		EXPECT_RET("IOMMU_DESTROY(viommu) after the unbind", destroy_id(viommu_id), 0);
	EXPECT_RET("IOMMU_DESTROY(tombstoned vdev)", destroy_id(vdev_id), -ENOENT);
	EXPECT_RET("close(iommufd)", close_fd(ifd), 0);
	vfio_pci_remove(vfio0);
}
