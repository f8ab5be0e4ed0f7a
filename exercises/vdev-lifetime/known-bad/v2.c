/*
 * Known-bad: v2, replayed as posted. "[PATCH v2 3/4] iommufd: Destroy
 * vdevice on idevice destroy", Xu Yilun, linux-iommu / LKML, 23 June 2025
 * (seed 002; Original-by: Nicolin Chen, Aneesh Kumar K.V).
 *
 * The functions the patch changed are copied from it, applied to the tree
 * it was made against (iommufd of June 2025, before 6.16, with patches 1/4
 * and 2/4 of the series), with cosmetic edits only. Two replace the
 * model's (exercise.json: "replaces"):
 *   iommufd_device_destroy()        device.c   calls iommufd_device_remove_vdev() first
 *   iommufd_vdevice_alloc_ioctl()   viommu.c   links the objects under igroup->lock, no reference
 * three are the exercise's hooks:
 *   iommufd_device_remove_vdev()    device.c   new: the three cases on idev destroy
 *   iommufd_vdevice_abort()         viommu.c   new: the old destroy, plus idev->vdev = NULL
 *   iommufd_vdevice_destroy()       viommu.c   lock, abort, unlock, wake the waiters
 * and a third model function, iommufd_device_pre_destroy(), is replaced by
 * an empty one: v2's tree has no pre_destroy op (it came with v6 3/8), so
 * nothing runs where 6.17 runs one. iommufd_vdevice_link() is never called
 * (the alloc ioctl links inline). The patch's other changes (the abort op
 * in the ops table, iommufd_get_vdevice(), the struct fields) are the
 * model's already.
 *
 * Cosmetic edits, to the model's names: vdev->id is vdev->virt_id;
 * iommufd_object_alloc() is _iommufd_object_alloc() with the size spelled
 * out; the wake-up goes to vdev->viommu->ictx, as Xu Yilun corrected it in
 * the thread (the model's vdevice has no ictx field); `static` is dropped
 * from iommufd_device_remove_vdev() (the exercise's hook has that name).
 * Left out: vdev->dev with get_device()/put_device() (no dev field in the
 * model's vdevice; Kevin Tian: unnecessary once the vdev cannot outlive the
 * idev). Kept, and not upstream: the model's invariant in
 * iommufd_device_destroy().
 *
 * The design: the objects point at each other "but not referencing each
 * other". The idev's destroy, which runs after the idev left the xarray,
 * handles three cases: no vdev; a live vdev (take a users reference, then
 * tombstone it); a vdev that a user IOMMU_DESTROY has unpublished but not
 * yet destroyed (case 3: wait, without the lock, up to 60 s, for
 * idev->vdev to become NULL).
 *
 * What the checker finds (destroy-races-unbind):
 *  - use-after-free and lock-misuse, with 3 preemptions (review point 3,
 *    Jason Gunthorpe: "as soon as 'idev->vdev = NULL;' happens idev is an
 *    invalid pointer"): IOMMU_DESTROY unpublishes the vdev; the unbind's
 *    lookup fails, so it is case 3; the destroy's abort clears idev->vdev
 *    with igroup->lock held; the unbind's wait finds NULL before it sleeps,
 *    carries on, and frees the igroup with the lock in it (lockdep: held
 *    lock freed) and the idev; the destroy's mutex_unlock() reads
 *    vdev->idev->igroup from the freed idev (KASAN).
 *  - data-race: the unbind's unlocked read of idev->vdev against the
 *    abort's write under the lock ("Need a WRITE_ONCE there").
 *  - stall: when the unbind does sleep in case 3, nothing wakes it:
 *    wait_event_timeout() sleeps TASK_UNINTERRUPTIBLE and the destroy wakes
 *    with wake_up_interruptible_all(), so it sleeps the full 60 s.
 *  - contract (walkthrough-refcounts): the vdev holds no reference on the
 *    idev, so the idev's counts are not 6.17's.
 * Review point 4 (Jason: the wait "doesn't have any failure mode" in his
 * alternative; v2's does): after 60 s v2 prints a pr_crit and frees the
 * idev anyway. Timeouts fire only at quiescence by default, when the
 * destroy has finished, so it takes `--timeouts anytime` to show it: the
 * wait times out while the destroy is still running, the unbind frees the
 * idev and the igroup, and the destroy's mutex_lock() lands on the freed
 * igroup, with one preemption (NOTES-ch6.md; grade-cli.test.ts).
 *
 * The functions below marked "v2" are Linux kernel code, licensed
 * SPDX-License-Identifier: GPL-2.0-only (drivers/iommu/iommufd/), copyright
 * their authors; the patch is Signed-off-by: Xu Yilun.
 */

/* Never called: v2's iommufd_vdevice_alloc_ioctl() below, which links the objects inline, replaces the model's. */
void iommufd_vdevice_link(struct iommufd_vdevice *vdev, struct iommufd_device *idev)
{
}

/* v2: drivers/iommu/iommufd/viommu.c, iommufd_vdevice_abort(). */
void iommufd_vdevice_abort(struct iommufd_object *obj)
{
	struct iommufd_vdevice *vdev =
		container_of(obj, struct iommufd_vdevice, obj);
	struct iommufd_viommu *viommu = vdev->viommu;
	struct iommufd_device *idev = vdev->idev;

	lockdep_assert_held(&idev->igroup->lock);

	/* xa_cmpxchg is okay to fail if alloc failed xa_cmpxchg previously */
	xa_cmpxchg(&viommu->vdevs, vdev->virt_id, vdev, NULL, GFP_KERNEL);
	refcount_dec(&viommu->obj.users);
	idev->vdev = NULL;
}

/* v2: drivers/iommu/iommufd/viommu.c, iommufd_vdevice_destroy(). */
void iommufd_vdevice_destroy(struct iommufd_object *obj)
{
	struct iommufd_vdevice *vdev =
		container_of(obj, struct iommufd_vdevice, obj);

	mutex_lock(&vdev->idev->igroup->lock);
	iommufd_vdevice_abort(obj);
	mutex_unlock(&vdev->idev->igroup->lock);
	wake_up_interruptible_all(&vdev->viommu->ictx->destroy_wait);
}

/* v2: drivers/iommu/iommufd/device.c, iommufd_device_remove_vdev(). */
void iommufd_device_remove_vdev(struct iommufd_device *idev)
{
	bool vdev_removing = false;

	mutex_lock(&idev->igroup->lock);
	if (idev->vdev) {
		struct iommufd_vdevice *vdev;

		vdev = iommufd_get_vdevice(idev->ictx, idev->vdev->obj.id);
		if (IS_ERR(vdev)) {
			/* vdev is removed from xarray, but is not destroyed/freed */
			vdev_removing = true;
			goto unlock;
		}

		/* Should never happen */
		if (WARN_ON(vdev != idev->vdev)) {
			idev->vdev = NULL;
			iommufd_put_object(idev->ictx, &vdev->obj);
			goto unlock;
		}

		/*
		 * vdev cannot be destroyed after refcount_inc, safe to release
		 * idev->igroup->lock and use idev->vdev afterward.
		 */
		refcount_inc(&idev->vdev->obj.users);
		iommufd_put_object(idev->ictx, &idev->vdev->obj);
	}
unlock:
	mutex_unlock(&idev->igroup->lock);

	if (vdev_removing) {
		if (!wait_event_timeout(idev->ictx->destroy_wait,
					!idev->vdev,
					msecs_to_jiffies(60000)))
			pr_crit("Time out waiting for iommufd vdevice removed\n");
	} else if (idev->vdev) {
		iommufd_object_tombstone_user(idev->ictx, &idev->vdev->obj);
	}
}

/* v2's tree has no pre_destroy op: the idev's destroy handles the vdev itself (below). */
void iommufd_device_pre_destroy(struct iommufd_object *obj)
{
}

/* v2: drivers/iommu/iommufd/device.c, iommufd_device_destroy(), with the model's invariant. */
void iommufd_device_destroy(struct iommufd_object *obj)
{
	struct iommufd_device *idev =
		container_of(obj, struct iommufd_device, obj);

	iommufd_device_remove_vdev(idev);
	/* not upstream: the model's check (model/device.c) */
	INVARIANT(data_race(idev->vdev) == NULL, "no vdev outlives its idev");
	iommu_device_release_dma_owner(idev->dev);
	iommufd_put_group(idev->igroup);
	if (!iommufd_selftest_is_mock_dev(idev->dev))
		iommufd_ctx_put(idev->ictx);
}

/* v2: drivers/iommu/iommufd/viommu.c, iommufd_vdevice_alloc_ioctl(). */
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
		rc = -EEXIST;
		goto out_unlock_igroup;
	}

	vdev = (struct iommufd_vdevice *)_iommufd_object_alloc(ucmd->ictx, sizeof(*vdev), IOMMUFD_OBJ_VDEVICE);
	if (IS_ERR(vdev)) {
		rc = PTR_ERR(vdev);
		goto out_unlock_igroup;
	}

	/* vdev can't outlive idev, vdev->idev is always valid, need no refcnt */
	vdev->idev = idev;
	vdev->virt_id = virt_id;
	vdev->viommu = viommu;
	refcount_inc(&viommu->obj.users);
	/* idev->vdev is protected by idev->igroup->lock, need no refcnt */
	idev->vdev = vdev;

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
	goto out_unlock_igroup;

out_abort:
	iommufd_object_abort_and_destroy(ucmd->ictx, &vdev->obj);
out_unlock_igroup:
	mutex_unlock(&idev->igroup->lock);
out_put_idev:
	iommufd_put_object(ucmd->ictx, &idev->obj);
out_put_viommu:
	iommufd_put_object(ucmd->ictx, &viommu->obj);
	return rc;
}
