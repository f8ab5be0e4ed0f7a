/*
 * Known-bad: "[PATCH v2 3/4] iommufd: Destroy vdevice on idevice destroy"
 * (Xu Yilun, seed 002, June 2025), re-expressed against the model.
 *
 * v2 linked the objects "pointing each other, but not referencing each
 * other": the vdev held no reference on the idev, only the pointer, kept
 * valid by the rule that the idev is not freed while idev->vdev is set.
 * The idev's destroy waited (wait_event_timeout, 60 s, no lock) for
 * idev->vdev to become NULL when a user IOMMU_DESTROY was already tearing
 * the vdev down, and the vdev's destroy cleared idev->vdev under the lock,
 * unlocked through vdev->idev, and woke the waiters.
 *
 * The model's alloc ioctl leaves the vdev a reference on the idev; v2's
 * rule ("as soon as idev->vdev = NULL happens idev is an invalid pointer",
 * Jason Gunthorpe) is expressed by giving it up exactly where the pointer
 * is cleared. Expected: a use-after-free of the idev, when the unbind frees
 * it between the abort and the mutex_unlock() of the vdev's destroy.
 */

void iommufd_vdevice_link(struct iommufd_vdevice *vdev, struct iommufd_device *idev)
{
	/* vdev can't outlive idev: the pointer needs no reference */
	vdev->idev = idev;
	idev->vdev = vdev;
}

void iommufd_vdevice_abort(struct iommufd_object *obj)
{
	struct iommufd_vdevice *vdev = container_of(obj, struct iommufd_vdevice, obj);
	struct iommufd_device *idev = vdev->idev;

	lockdep_assert_held(&idev->igroup->lock);

	xa_cmpxchg(&vdev->viommu->vdevs, vdev->virt_id, vdev, NULL, GFP_KERNEL);
	refcount_dec(&vdev->viommu->obj.users);
	idev->vdev = NULL;
	/* from here on the idev may be freed */
	iommufd_put_object(idev->ictx, &idev->obj);
}

void iommufd_vdevice_destroy(struct iommufd_object *obj)
{
	struct iommufd_vdevice *vdev = container_of(obj, struct iommufd_vdevice, obj);

	mutex_lock(&vdev->idev->igroup->lock);
	iommufd_vdevice_abort(obj);
	mutex_unlock(&vdev->idev->igroup->lock);
	wake_up_interruptible_all(&vdev->viommu->ictx->destroy_wait);
}

void iommufd_device_remove_vdev(struct iommufd_device *idev)
{
	struct iommufd_vdevice *vdev;
	bool vdev_removing = false;

	mutex_lock(&idev->igroup->lock);
	if (idev->vdev) {
		vdev = iommufd_get_vdevice(idev->ictx, idev->vdev->obj.id);
		if (IS_ERR(vdev)) {
			/* removed from the xarray, not yet destroyed */
			vdev_removing = true;
		} else if (WARN_ON(vdev != idev->vdev)) {
			idev->vdev = NULL;
			iommufd_put_object(idev->ictx, &vdev->obj);
		} else {
			refcount_inc(&idev->vdev->obj.users);
			iommufd_put_object(idev->ictx, &idev->vdev->obj);
		}
	}
	mutex_unlock(&idev->igroup->lock);

	if (vdev_removing) {
		if (!wait_event_timeout(idev->ictx->destroy_wait, !idev->vdev,
					msecs_to_jiffies(60000)))
			pr_crit("Time out waiting for iommufd vdevice removed\n");
	} else if (idev->vdev) {
		iommufd_object_tombstone_user(idev->ictx, &idev->vdev->obj);
	}
}
