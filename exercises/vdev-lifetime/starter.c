/*
 * vdev-lifetime: tie a vdevice's life to its idevice.
 *
 * Write the four functions below. The model around them is Linux 6.17's
 * iommufd: read the statement (README.md) and chapters 4 to 6 first.
 * Everything here compiles as it is, and is wrong: Run shows you how.
 *
 * Useful model functions: iommufd_get_vdevice(), iommufd_put_object(),
 * iommufd_object_tombstone_user(), refcount_inc(), refcount_dec(),
 * xa_cmpxchg(), mutex_lock()/mutex_unlock(), guard(mutex)(...),
 * scoped_guard(mutex, ...) { ... }, lockdep_assert_held(), WARN_ON().
 */

/*
 * IOMMU_VDEVICE_ALLOC calls this with idev->igroup->lock held, after it
 * checked that idev has no vdev and is not being destroyed, and before the
 * vdev is published. The ioctl's lookup reference on idev (users and
 * wait_cnt) is not put on success: it is yours to keep or give back.
 */
void iommufd_vdevice_link(struct iommufd_vdevice *vdev, struct iommufd_device *idev)
{
	/* TODO: make the two objects point at each other */
}

/*
 * Undo what the vdev holds: the driver's destroy hook (vdev->destroy, when
 * set), its slot in viommu->vdevs, its users reference on the vIOMMU, and
 * the idev's pointer to it. Called by iommufd_vdevice_destroy(), and by the
 * alloc ioctl when it fails after linking (igroup->lock held then).
 */
void iommufd_vdevice_abort(struct iommufd_object *obj)
{
	struct iommufd_vdevice *vdev = container_of(obj, struct iommufd_vdevice, obj);

	xa_cmpxchg(&vdev->viommu->vdevs, vdev->virt_id, vdev, NULL, GFP_KERNEL);
	/* TODO: what else does the vdev hold? Which lock must be held here? */
}

/*
 * The vdev's destroy op: IOMMU_DESTROY, the unbind's tombstone, and the
 * iommufd's release all end here. The memory is freed by the caller.
 */
void iommufd_vdevice_destroy(struct iommufd_object *obj)
{
	iommufd_vdevice_abort(obj);
	/* TODO: locking, and what happens to the reference on the idev? */
}

/*
 * pre_destroy of the idev, run by its unbind when someone still holds the
 * idev's wait_cnt. After it returns, the unbind waits (up to 60 s) for
 * wait_cnt to drain, then frees the idev: no vdev may outlive it, no new
 * vdev may appear, and a vdev's ID must never be handed out again.
 */
void iommufd_device_remove_vdev(struct iommufd_device *idev)
{
	/* TODO */
}
