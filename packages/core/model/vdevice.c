/*
 * Linux 6.17's side of the vdevice and idevice life cycle that the
 * vdev-lifetime exercise gives to the learner: iommufd_vdevice_link() (the
 * model's hook for the link inside iommufd_vdevice_alloc_ioctl()),
 * iommufd_vdevice_abort(), iommufd_vdevice_destroy() (viommu.c) and
 * iommufd_device_remove_vdev() (device.c), after "iommufd: Destroy vdevice
 * on idevice destroy" (Xu Yilun, v5, 2025). Other exercises (close-order)
 * run on them; vdev-lifetime leaves them out of its prelude (its manifest's
 * `functions`, SourceFile.learnerWrites), so its learner still writes them.
 * The same code as vdev-lifetime's reference solution.
 */

/* Called by IOMMU_VDEVICE_ALLOC under igroup->lock, before the vdev is published. */
void iommufd_vdevice_link(struct iommufd_vdevice *vdev, struct iommufd_device *idev)
{
	/* the alloc ioctl's lookup reference on idev becomes the vdev's */
	vdev->idev = idev;
	idev->vdev = vdev;
}

/* Undo everything the vdev holds, igroup->lock held. Models iommufd_vdevice_abort() (Linux 6.17). */
void iommufd_vdevice_abort(struct iommufd_object *obj)
{
	struct iommufd_vdevice *vdev = container_of(obj, struct iommufd_vdevice, obj);

	lockdep_assert_held(&vdev->idev->igroup->lock);

	if (vdev->destroy)
		vdev->destroy(vdev);
	/* xa_erase() but don't erase the entry of another vdev on EEXIST */
	xa_cmpxchg(&vdev->viommu->vdevs, vdev->virt_id, vdev, NULL, GFP_KERNEL);
	refcount_dec(&vdev->viommu->obj.users);
	vdev->idev->vdev = NULL;
}

/* Abort under the lock, then put the lookup reference on the idev. Models iommufd_vdevice_destroy() (Linux 6.17). */
void iommufd_vdevice_destroy(struct iommufd_object *obj)
{
	struct iommufd_vdevice *vdev = container_of(obj, struct iommufd_vdevice, obj);
	struct iommufd_device *idev = vdev->idev;
	struct iommufd_ctx *ictx = idev->ictx;

	scoped_guard(mutex, &idev->igroup->lock) {
		iommufd_vdevice_abort(obj);
	}
	iommufd_put_object(ictx, &idev->obj);
}

/*
 * pre_destroy of the idev: no new vdev after this (idev->destroying), and a
 * live one is tombstoned, unless an IOMMU_DESTROY has already unpublished it.
 * Models iommufd_device_remove_vdev() (Linux 6.17).
 */
void iommufd_device_remove_vdev(struct iommufd_device *idev)
{
	struct iommufd_vdevice *vdev = NULL;

	scoped_guard(mutex, &idev->igroup->lock) {
		idev->destroying = true;
		if (idev->vdev) {
			vdev = iommufd_get_vdevice(idev->ictx, idev->vdev->obj.id);
			if (IS_ERR(vdev)) {
				vdev = NULL;
			} else if (WARN_ON(vdev != idev->vdev)) {
				iommufd_put_object(idev->ictx, &vdev->obj);
				vdev = NULL;
			} else {
				/* the tombstone needs users, not wait_cnt */
				refcount_inc(&vdev->obj.users);
				iommufd_put_object(idev->ictx, &vdev->obj);
			}
		}
	}
	if (vdev)
		iommufd_object_tombstone_user(idev->ictx, &vdev->obj);
}
