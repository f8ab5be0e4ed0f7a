/*
 * The refcounts of walk-throughs A and B, step by step, on one task.
 * I is the idev, V the vdev; u is users, w is wait_cnt.
 *
 *  bound, no vdev:            I{u=2,w=1}   (the xarray's, the driver's)
 *  after IOMMU_VDEVICE_ALLOC: I{u=3,w=2}   V{u=1,w=1}, vIOMMU u=2
 *  after IOMMU_DESTROY(V):    I{u=2,w=1}   vIOMMU u=1            (case A)
 *  a new V, then the unbind:  V's ID is a tombstone (ENOENT), vIOMMU u=1 (case B)
 */
#include "harness.h"

static void expect_counts(const char *what, struct iommufd_object *obj, int users, int wait_cnt)
{
	EXPECT_RET(what, refcount_read(&obj->users), users);
	EXPECT_RET(what, refcount_read(&obj->wait_cnt), wait_cnt);
}

void setup(void)
{
	setup_bound_device();
}

void thread_user(void)
{
	struct iommufd_device *idev = vfio0->iommufd_device;
	struct iommufd_viommu *viommu = viommu_by_id(viommu_id);
	u32 vdev_id = 0;

	expect_counts("idev refcounts when bound (users, then wait_cnt)", &idev->obj, 2, 1);
	EXPECT_RET("vIOMMU users with no vdev", refcount_read(&viommu->obj.users), 1);

	EXPECT_RET("IOMMU_VDEVICE_ALLOC", ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x99, &vdev_id), 0);
	expect_counts("idev refcounts with a vdev (users, then wait_cnt)", &idev->obj, 3, 2);
	/* a submission whose link does not set idev->vdev fails here, not with a NULL dereference in this file */
	INVARIANT(READ_ONCE(idev->vdev) != NULL, "idev->vdev points at the vdev once IOMMU_VDEVICE_ALLOC returned");
	if (READ_ONCE(idev->vdev))
		expect_counts("vdev refcounts when idle (users, then wait_cnt)", &idev->vdev->obj, 1, 1);
	EXPECT_RET("vIOMMU users with a vdev", refcount_read(&viommu->obj.users), 2);

	EXPECT_RET("IOMMU_DESTROY(vdev)", ioctl_destroy(ifd, vdev_id), 0);
	expect_counts("idev refcounts after the vdev is destroyed (users, then wait_cnt)", &idev->obj, 2, 1);
	EXPECT_RET("vIOMMU users after the vdev is destroyed", refcount_read(&viommu->obj.users), 1);
	INVARIANT(READ_ONCE(idev->vdev) == NULL, "idev->vdev is NULL once its vdev is destroyed");

	EXPECT_RET("IOMMU_VDEVICE_ALLOC again", ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x88, &vdev_id), 0);
	close_fd(cdev0);
	EXPECT_RET("IOMMU_DESTROY(vdev) after the unbind", ioctl_destroy(ifd, vdev_id), -ENOENT);
	EXPECT_RET("vIOMMU users after the unbind", refcount_read(&viommu->obj.users), 1);
}

void check(void)
{
	teardown(true);
}
