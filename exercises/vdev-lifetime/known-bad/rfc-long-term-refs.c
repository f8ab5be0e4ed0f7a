/*
 * Known-bad: the RFC, replayed as posted. "[RFC PATCH] iommufd: Destroy
 * vdevice on device unbind", Aneesh Kumar K.V (Arm), linux-iommu / LKML,
 * 10 June 2025 (seed 001).
 *
 * The functions the RFC changed are copied from the patch, applied to the
 * tree it was made against (iommufd of early June 2025, before 6.16), with
 * cosmetic edits only. Three replace the model's (exercise.json:
 * "replaces"):
 *   iommufd_device_unbind()         device.c   locks, destroys the vdev, then the idev
 *   iommufd_object_remove()         main.c     unlocks the idev's lock when it removes a device
 *   iommufd_vdevice_alloc_ioctl()   viommu.c   locks, EINVAL on a second vdev, long-term references
 * and one is an exercise hook:
 *   iommufd_vdevice_destroy()       viommu.c   asserts the lock, clears idev->vdev, puts the idev
 * The other hooks are what the RFC's tree does at those points: it had no
 * vdevice abort op (iommufd_object_abort_and_destroy() called destroy), no
 * pre_destroy op, and the alloc ioctl links the objects inline. Not
 * replayed: the bind's two initialisations (idev->vdev = NULL, the
 * mutex_init()), which the model's kzalloc and igroup already give.
 *
 * Cosmetic edits, to the model's names: idev->lock, the new mutex the RFC
 * added to struct iommufd_device, is idev->igroup->lock (the model's
 * iommufd_device has no mutex of its own; the lock v2 and 6.17 use for
 * the same field, taken at the same points); shortterm_users and
 * REMOVE_WAIT_SHORTTERM are wait_cnt and REMOVE_WAIT; vdev->id is
 * vdev->virt_id; iommufd_object_alloc() is _iommufd_object_alloc() with
 * the size spelled out. Left out: vdev->dev with its get_device() and
 * put_device() (the model's vdevice has no dev field; the idev holds the
 * device for longer than the vdev does).
 *
 * The design: the vdev takes a long-term users reference on its idev ("don't
 * allow idev free without vdev free") and the idev one on the vdev ("vdev
 * lifecycle now managed by idev"); the unbind destroys the vdev first, with
 * the lock held across both destroys and released by the generic remove.
 *
 * What the checker finds:
 *  - contract: IOMMU_DESTROY of an idle vdev fails with EBUSY (users is 2,
 *    the xarray's and the idev's), so userspace can never destroy it, and
 *    the device can never get another one; a second IOMMU_VDEVICE_ALLOC on
 *    the device gets EINVAL, not EEXIST. Jason Gunthorpe: "There should be
 *    no extra user refs or userspace can't destroy it"; Kevin Tian: no
 *    long-term references on kernel-owned objects.
 *  - invariant: the unbind destroys the vdev behind userspace's back and
 *    frees its ID, which the next object gets (Jason: "the object ID can be
 *    reallocated for something else"; "tombstone the vdevice in the xarray
 *    so the ID is still there"); and of two IOMMU_DESTROYs, neither works.
 *  - stall, warn, lock-misuse, deadlock (alloc-races-unbind, 1 preemption):
 *    an IOMMU_VDEVICE_ALLOC holds its lookup reference on the idev and waits
 *    for the lock; the unbind holds the lock and waits, in its destroy of
 *    the idev, for that reference. The wait times out (stall), the kernel
 *    destroy fails with EBUSY (WARN in iommufd_object_destroy_user()), the
 *    error path skips the generic remove's unlock, so the unbind returns to
 *    userspace holding the lock (lockdep), and the alloc never gets it (hung
 *    task).
 *  - null-deref (duplicate-virt-id, alloc-fails-races-unbind): an alloc that
 *    fails after iommufd_object_alloc() (a taken virt_id, a faulting copy to
 *    userspace) destroys a vdev whose idev pointer is set only after
 *    finalize; the RFC's destroy dereferences it. Not raised in review.
 *
 * The functions below marked "RFC" are Linux kernel code, licensed
 * SPDX-License-Identifier: GPL-2.0-only (drivers/iommu/iommufd/), copyright
 * their authors; the patch is Signed-off-by: Aneesh Kumar K.V (Arm).
 */

/* Never called: the RFC's iommufd_vdevice_alloc_ioctl() below, which links the objects inline, replaces the model's. */
void iommufd_vdevice_link(struct iommufd_vdevice *vdev, struct iommufd_device *idev)
{
}

/* The RFC's tree had no abort op: iommufd_object_abort_and_destroy() called the destroy op. */
void iommufd_vdevice_abort(struct iommufd_object *obj)
{
	iommufd_vdevice_destroy(obj);
}

/* The RFC's tree had no pre_destroy op (it came with v6 of the series that landed): nothing to do here. */
void iommufd_device_remove_vdev(struct iommufd_device *idev)
{
}

/* RFC: drivers/iommu/iommufd/viommu.c, iommufd_vdevice_destroy(). */
/* This will be called from iommufd_device_unbind */
void iommufd_vdevice_destroy(struct iommufd_object *obj)
{
	struct iommufd_vdevice *vdev =
		container_of(obj, struct iommufd_vdevice, obj);
	struct iommufd_viommu *viommu = vdev->viommu;
	struct iommufd_device *idev = vdev->idev;

	/*
	 * since we have an refcount on idev, it can't be freed.
	 */
	lockdep_assert_held(&idev->igroup->lock);

	/* xa_cmpxchg is okay to fail if alloc failed xa_cmpxchg previously */
	xa_cmpxchg(&viommu->vdevs, vdev->virt_id, vdev, NULL, GFP_KERNEL);
	refcount_dec(&viommu->obj.users);
	idev->vdev = NULL;
	refcount_dec(&idev->obj.users);
}

/* RFC: drivers/iommu/iommufd/viommu.c, iommufd_vdevice_alloc_ioctl(). */
int iommufd_vdevice_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_vdevice_alloc *cmd = ucmd->cmd;
	struct iommufd_vdevice *vdev, *curr;
	struct iommufd_viommu *viommu;
	struct iommufd_device *idev;
	u64 virt_id = cmd->virt_id;
	int rc = 0;

	/* virt_id indexes an xarray */
	if (virt_id > ULONG_MAX)
		return -EINVAL;

	viommu = iommufd_get_viommu(ucmd, cmd->viommu_id);
	if (IS_ERR(viommu))
		return PTR_ERR(viommu);

	idev = iommufd_get_device(ucmd, cmd->dev_id);
	if (IS_ERR(idev)) {
		rc = PTR_ERR(idev);
		goto out_put_viommu;
	}

	if (viommu->iommu_dev != __iommu_get_iommu_dev(idev->dev)) {
		rc = -EINVAL;
		goto out_put_idev;
	}

	mutex_lock(&idev->igroup->lock);
	if (idev->vdev) {
		rc = -EINVAL;
		goto out_put_idev_unlock;
	}
	vdev = (struct iommufd_vdevice *)_iommufd_object_alloc(ucmd->ictx, sizeof(*vdev), IOMMUFD_OBJ_VDEVICE);
	if (IS_ERR(vdev)) {
		rc = PTR_ERR(vdev);
		goto out_put_idev_unlock;
	}

	vdev->virt_id = virt_id;
	vdev->viommu = viommu;
	refcount_inc(&viommu->obj.users);

	curr = xa_cmpxchg(&viommu->vdevs, virt_id, NULL, vdev, GFP_KERNEL);
	if (curr) {
		rc = xa_err(curr) ?: -EEXIST;
		goto out_abort;
	}

	cmd->out_vdevice_id = vdev->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_abort;
	iommufd_object_finalize(ucmd->ictx, &vdev->obj);
	/* don't allow idev free without vdev free */
	refcount_inc(&idev->obj.users);
	vdev->idev = idev;
	/* vdev lifecycle now managed by idev */
	idev->vdev = vdev;
	refcount_inc(&vdev->obj.users);
	goto out_put_idev_unlock;

out_abort:
	iommufd_object_abort_and_destroy(ucmd->ictx, &vdev->obj);
out_put_idev_unlock:
	mutex_unlock(&idev->igroup->lock);
out_put_idev:
	iommufd_put_object(ucmd->ictx, &idev->obj);
out_put_viommu:
	iommufd_put_object(ucmd->ictx, &viommu->obj);
	return rc;
}

/* RFC: drivers/iommu/iommufd/device.c, iommufd_device_unbind(). */
void iommufd_device_unbind(struct iommufd_device *idev)
{
	/* this will be unlocked while destroying the idev obj */
	mutex_lock(&idev->igroup->lock);

	if (idev->vdev)
		/* extra refcount taken during vdevice alloc */
		iommufd_object_destroy_user(idev->ictx, &idev->vdev->obj);
	iommufd_object_destroy_user(idev->ictx, &idev->obj);
}

/* RFC: drivers/iommu/iommufd/main.c, iommufd_object_remove() (the RFC's tree: no tombstones yet). */
int iommufd_object_remove(struct iommufd_ctx *ictx,
			  struct iommufd_object *to_destroy, u32 id,
			  unsigned int flags)
{
	struct iommufd_object *obj;
	XA_STATE(xas, &ictx->objects, id);
	bool zerod_wait_cnt = false;
	int ret;

	/*
	 * The purpose of the wait_cnt is to ensure deterministic
	 * destruction of objects used by external drivers and destroyed by this
	 * function. Any temporary increment of the refcount must increment
	 * wait_cnt, such as during ioctl execution.
	 */
	if (flags & REMOVE_WAIT) {
		ret = iommufd_object_dec_wait(ictx, to_destroy);
		if (ret) {
			/*
			 * We have a bug. Put back the callers reference and
			 * defer cleaning this object until close.
			 */
			refcount_dec(&to_destroy->users);
			return ret;
		}
		zerod_wait_cnt = true;
	}

	xa_lock(&ictx->objects);
	obj = xas_load(&xas);
	if (to_destroy) {
		/*
		 * If the caller is holding a ref on obj we put it here under
		 * the spinlock.
		 */
		refcount_dec(&obj->users);

		if (WARN_ON(obj != to_destroy)) {
			ret = -ENOENT;
			goto err_xa;
		}
	} else if (xa_is_zero(obj) || !obj) {
		ret = -ENOENT;
		goto err_xa;
	}

	if (!refcount_dec_if_one(&obj->users)) {
		ret = -EBUSY;
		goto err_xa;
	}

	xas_store(&xas, NULL);
	if (ictx->vfio_ioas == container_of(obj, struct iommufd_ioas, obj))
		ictx->vfio_ioas = NULL;
	xa_unlock(&ictx->objects);

	if (obj->type == IOMMUFD_OBJ_DEVICE) {
		/* idevice should be freed with lock held */
		struct iommufd_device *idev = container_of(obj, struct iommufd_device, obj);

		mutex_unlock(&idev->igroup->lock);
	}
	/*
	 * Since users is zero any positive wait_cnt must be racing
	 * iommufd_put_object(), or we have a bug.
	 */
	if (!zerod_wait_cnt) {
		ret = iommufd_object_dec_wait(ictx, obj);
		if (WARN_ON(ret))
			return ret;
	}

	iommufd_object_ops[obj->type].destroy(obj);
	kfree(obj);
	return 0;

err_xa:
	if (zerod_wait_cnt) {
		/* Restore the xarray owned reference */
		refcount_set(&obj->wait_cnt, 1);
	}
	xa_unlock(&ictx->objects);

	/* The returned object reference count is zero */
	return ret;
}
