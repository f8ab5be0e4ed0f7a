/*
 * Plausible mistake: the abort forgets the driver's part of the teardown
 * (vdev->destroy). What the driver's vdevice_init claimed is never given
 * back: on destroy, and when the alloc fails after vdevice_init succeeded.
 */

/* Called by IOMMU_VDEVICE_ALLOC under igroup->lock, before the vdev is published. */
void iommufd_vdevice_link(struct iommufd_vdevice *vdev, struct iommufd_device *idev)
{
	/* the alloc ioctl's lookup reference on idev becomes the vdev's */
	vdev->idev = idev;
	idev->vdev = vdev;
}

/* Undo everything the vdev holds. Called with igroup->lock held, by destroy or by a failed alloc. */
void iommufd_vdevice_abort(struct iommufd_object *obj)
{
	struct iommufd_vdevice *vdev = container_of(obj, struct iommufd_vdevice, obj);

	lockdep_assert_held(&vdev->idev->igroup->lock);

	/* a failed alloc may never have claimed virt_id: then this finds another entry, or none */
	xa_cmpxchg(&vdev->viommu->vdevs, vdev->virt_id, vdev, NULL, GFP_KERNEL);
	refcount_dec(&vdev->viommu->obj.users);
	vdev->idev->vdev = NULL;
}

/* Destroy op of a vdev: abort under the lock, then let go of the idev. */
void iommufd_vdevice_destroy(struct iommufd_object *obj)
{
	struct iommufd_vdevice *vdev = container_of(obj, struct iommufd_vdevice, obj);
	struct iommufd_device *idev = vdev->idev;
	struct iommufd_ctx *ictx = idev->ictx;

	scoped_guard(mutex, &idev->igroup->lock) {
		iommufd_vdevice_abort(obj);
	}
	/* the last use of idev: after this put the unbind may free it */
	iommufd_put_object(ictx, &idev->obj);
}

/*
 * pre_destroy of the idev: its wait_cnt did not drain, so a vdev (or an
 * ioctl) holds it. Take the vdev down, leaving a tombstone, or, when a user
 * IOMMU_DESTROY is already destroying it, return and let the caller wait
 * for that destroy's put.
 */
void iommufd_device_remove_vdev(struct iommufd_device *idev)
{
	struct iommufd_vdevice *vdev = NULL;

	scoped_guard(mutex, &idev->igroup->lock) {
		idev->destroying = true;
		if (idev->vdev) {
			/* fails if IOMMU_DESTROY has unpublished it: it will finish without us */
			vdev = iommufd_get_vdevice(idev->ictx, idev->vdev->obj.id);
			if (IS_ERR(vdev)) {
				vdev = NULL;
			} else if (WARN_ON(vdev != idev->vdev)) {
				iommufd_put_object(idev->ictx, &vdev->obj);
				vdev = NULL;
			} else {
				/*
				 * Trade the lookup reference for a plain users one: the
				 * tombstone below must hold users but not wait_cnt, and
				 * the extra users makes a racing IOMMU_DESTROY back off
				 * with EBUSY instead of destroying the vdev under us.
				 */
				refcount_inc(&vdev->obj.users);
				iommufd_put_object(idev->ictx, &vdev->obj);
			}
		}
	}
	if (vdev)
		iommufd_object_tombstone_user(idev->ictx, &vdev->obj);
}
