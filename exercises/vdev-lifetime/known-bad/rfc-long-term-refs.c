/*
 * Known-bad: the RFC (seed 001: "[RFC PATCH] iommufd: Destroy vdevice on
 * device unbind", June 2025), re-expressed against the model.
 *
 * The RFC made the objects reference each other for as long as both live:
 * the vdev took a long-term users reference on the idev ("don't allow idev
 * free without vdev free"), and an extra one on itself ("vdev lifecycle now
 * managed by idev"), and the unbind destroyed the vdev first. The RFC did
 * that destroy in iommufd_device_unbind() under a new idev->lock that
 * generic code unlocked; the model's hook for it is remove_vdev, run from
 * pre_destroy, which only runs while someone holds the idev's wait_cnt, and
 * long-term references hold users only.
 *
 * What review said (Kevin Tian, Jason Gunthorpe): no long-term references
 * on kernel-owned objects, and "There should be no extra user refs or
 * userspace can't destroy it". Expected: IOMMU_DESTROY of an idle vdev
 * fails with EBUSY (contract), and the unbind's kernel destroy of the idev
 * fails and WARNs.
 */

void iommufd_vdevice_link(struct iommufd_vdevice *vdev, struct iommufd_device *idev)
{
	/* a long-term users reference on idev instead of the ioctl's lookup reference */
	refcount_inc(&idev->obj.users);
	iommufd_put_object(idev->ictx, &idev->obj);
	vdev->idev = idev;
	idev->vdev = vdev;
	/* the idev now owns the vdev */
	refcount_inc(&vdev->obj.users);
}

void iommufd_vdevice_abort(struct iommufd_object *obj)
{
	struct iommufd_vdevice *vdev = container_of(obj, struct iommufd_vdevice, obj);
	struct iommufd_device *idev = vdev->idev;

	xa_cmpxchg(&vdev->viommu->vdevs, vdev->virt_id, vdev, NULL, GFP_KERNEL);
	refcount_dec(&vdev->viommu->obj.users);
	idev->vdev = NULL;
	refcount_dec(&idev->obj.users);
}

void iommufd_vdevice_destroy(struct iommufd_object *obj)
{
	iommufd_vdevice_abort(obj);
}

void iommufd_device_remove_vdev(struct iommufd_device *idev)
{
	mutex_lock(&idev->igroup->lock);
	if (idev->vdev)
		/* the extra reference taken at alloc is the one destroy_user consumes */
		iommufd_object_destroy_user(idev->ictx, &idev->vdev->obj);
	mutex_unlock(&idev->igroup->lock);
}
