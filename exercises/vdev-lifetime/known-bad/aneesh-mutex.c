/*
 * Known-bad: the mutex version, replayed as posted. Aneesh Kumar K.V's
 * "latest version", a diff in his reply to "[PATCH v2 3/4] iommufd: Destroy
 * vdevice on idevice destroy", linux-iommu / LKML, 25 June 2025 (seed 002):
 * "I am using a mutex lock to block parallel vdevice destroy."
 *
 * The functions it changed are copied from the diff, applied to the tree it
 * was made against (iommufd of June 2025, before 6.16, and vfio-pci), with
 * cosmetic edits only. Four replace the model's (exercise.json: "replaces"):
 *   iommufd_get_object()            main.c     xas_load() and xa_is_zero() instead of xa_load()
 *   iommufd_destroy()               main.c     IOMMU_DESTROY takes the idev's lock for a vdevice
 *   iommufd_vdevice_alloc_ioctl()   viommu.c   locks, EINVAL on a second vdev, long-term idev reference
 *   vfio_pci_close_device()         vfio-pci   tombstones the vdev before disabling the device
 * one is new:
 *   iommufd_device_tombstone_vdevice()  device.c
 * and one is an exercise hook:
 *   iommufd_vdevice_destroy()       viommu.c   asserts the lock, clears idev->vdev, puts the idev
 * The other hooks are what its tree does at those points: no vdevice abort
 * op (iommufd_object_abort_and_destroy() called destroy), no pre_destroy
 * op, and the alloc ioctl links the objects inline.
 *
 * Also in the diff and not replayed: iommufd_object_remove()'s tombstone
 * store (the model's 6.17 function has the same one), the bind's two
 * initialisations (the model's kzalloc and igroup already give them), a
 * whitespace change to iommufd_object_destroy_user(), and
 * iommufd_fops_release()'s loop that erases tombstones with xas_for_each()
 * (the model's kernel-C has no xas_for_each(); the model's 6.17 release
 * skips tombstones and xa_destroy() frees them: the same outcome).
 *
 * Cosmetic edits, to the model's names: idev->lock, the mutex the version
 * added to struct iommufd_device, is idev->igroup->lock (the model's
 * iommufd_device has no mutex of its own; Xu Yilun: "I don't find reason to
 * add a new lock rather than reuse the idev->igroup->lock"); shortterm_users
 * and REMOVE_WAIT_SHORTTERM are wait_cnt and REMOVE_WAIT; vdev->id is
 * vdev->virt_id; iommufd_object_alloc() is _iommufd_object_alloc() with the
 * size spelled out; vfio_pci_core_close_device() is the model's
 * vfio_pci_close_device(), whose vfio_pci_core_disable() is
 * WRITE_ONCE(pci_enabled, false); `static` is dropped from
 * iommufd_destroy(). Left out: vdev->dev with get_device()
 * and put_device() (no dev field in the model's vdevice).
 *
 * What review said (Xu Yilun): no idev/vdev special case in the generic
 * IOMMU_DESTROY; no long-term reference on a kernel-created object ("you
 * actually disallow nothing"); the tombstone belongs in the idev's destroy,
 * not in the VFIO PCI driver. What the checker finds:
 *  - warn, leak, contract (alloc-races-unbind, 1 preemption): an
 *    IOMMU_VDEVICE_ALLOC that holds the idev while close_device finds no
 *    vdev to tombstone creates one before the unbind's destroy of the idev
 *    (nothing stops it: there is no idev->destroying). Its long-term
 *    reference makes that kernel destroy fail with EBUSY (WARN in
 *    iommufd_object_destroy_user()); the idev stays, holding the iommufd
 *    file, so closing the iommufd never releases anything (kmemleak), and
 *    the new vdev is not a tombstone (IOMMU_DESTROY of it works).
 *  - stall, use-after-free, lock-misuse (destroy-races-unbind, 3
 *    preemptions): IOMMU_DESTROY holds its lookup reference on the vdev
 *    while it waits for the lock; the tombstone holds the lock while it
 *    waits for that reference, and gives up after 60 s (stall), ignoring
 *    the EBUSY. IOMMU_DESTROY then destroys the vdev, whose destroy drops
 *    the vdev's reference on the idev while the lock is held; the unbind
 *    frees the idev and the igroup with the lock in it (lockdep: held lock
 *    freed), and IOMMU_DESTROY's mutex_unlock() reads idev->igroup from the
 *    freed idev ("since vdev have an refcount on idev, this is safe").
 *  - contract, leak: the special-cased IOMMU_DESTROY looks up every object
 *    but puts the lookup reference only for a vdevice: IOMMU_DESTROY of the
 *    vIOMMU fails with EBUSY and its references leak. A second
 *    IOMMU_VDEVICE_ALLOC on the device gets EINVAL, not EEXIST.
 *  - null-deref (duplicate-virt-id, alloc-fails-races-unbind): an alloc that
 *    fails after iommufd_object_alloc() destroys a vdev whose idev pointer is
 *    set only after finalize; the destroy dereferences it.
 * The last three were not raised in review.
 *
 * The functions below marked "Aneesh" are Linux kernel code, licensed
 * SPDX-License-Identifier: GPL-2.0-only (drivers/iommu/iommufd/,
 * drivers/vfio/pci/), copyright their authors; posted by Aneesh Kumar K.V.
 */

/* Never called: the iommufd_vdevice_alloc_ioctl() below, which links the objects inline, replaces the model's. */
void iommufd_vdevice_link(struct iommufd_vdevice *vdev, struct iommufd_device *idev)
{
}

/* The version's tree had no abort op: iommufd_object_abort_and_destroy() called the destroy op. */
void iommufd_vdevice_abort(struct iommufd_object *obj)
{
	iommufd_vdevice_destroy(obj);
}

/* The version's tree had no pre_destroy op: the vdev is tombstoned from close_device (below). */
void iommufd_device_remove_vdev(struct iommufd_device *idev)
{
}

/* Aneesh: drivers/iommu/iommufd/device.c, iommufd_device_tombstone_vdevice() (new). */
void iommufd_device_tombstone_vdevice(struct iommufd_device *idev)
{
	guard(mutex)(&idev->igroup->lock);

	if (idev->vdev) {
		struct iommufd_vdevice *vdev = idev->vdev;
		/*
		 * We want to wait for shortterm users, so we need
		 * to pass the obj which requires an elevated refcount.
		 */
		refcount_inc(&vdev->obj.users);
		iommufd_object_remove(idev->ictx, &vdev->obj, vdev->obj.id,
				      REMOVE_OBJ_TOMBSTONE | REMOVE_WAIT);
	}
}

/* Aneesh: drivers/vfio/pci/vfio_pci_core.c, vfio_pci_core_close_device(), reduced as the model's is. */
void vfio_pci_close_device(struct vfio_device *core_vdev)
{
	/* destroy vdevice which involves tsm unbind before we disable pci disable */
	if (core_vdev->iommufd_device)
		iommufd_device_tombstone_vdevice(core_vdev->iommufd_device);

	/* tsm unbind should happen before this */
	WRITE_ONCE(core_vdev->pci_enabled, false);
}

/* Aneesh: drivers/iommu/iommufd/main.c, iommufd_get_object(). */
struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, u32 id,
					  enum iommufd_object_type type)
{
	XA_STATE(xas, &ictx->objects, id);
	struct iommufd_object *obj;

	if (iommufd_should_fail())
		return ERR_PTR(-ENOENT);

	xa_lock(&ictx->objects);
	obj = xas_load(&xas);
	if (!obj || xa_is_zero(obj) ||
	    (type != IOMMUFD_OBJ_ANY && obj->type != type) ||
	    !iommufd_lock_obj(obj))
		obj = ERR_PTR(-ENOENT);
	xa_unlock(&ictx->objects);
	return obj;
}

/* Aneesh: drivers/iommu/iommufd/main.c, iommufd_destroy(). */
int iommufd_destroy(struct iommufd_ucmd *ucmd)
{
	int ret;
	struct iommu_destroy *cmd = ucmd->cmd;
	struct iommufd_object *obj;
	struct iommufd_device *idev = NULL;

	obj = iommufd_get_object(ucmd->ictx, cmd->id, IOMMUFD_OBJ_ANY);
	/* Destroying vdevice requires an idevice lock */
	if (!IS_ERR(obj) && obj->type == IOMMUFD_OBJ_VDEVICE) {
		struct iommufd_vdevice *vdev =
			container_of(obj, struct iommufd_vdevice, obj);
		/*
		 * since vdev have an refcount on idev, this is safe.
		 */
		idev = vdev->idev;
		mutex_lock(&idev->igroup->lock);
		/* drop the additonal reference taken above */
		iommufd_put_object(ucmd->ictx, obj);
	}

	ret = iommufd_object_remove(ucmd->ictx, NULL, cmd->id, 0);
	if (idev)
		mutex_unlock(&idev->igroup->lock);

	return ret;
}

/* Aneesh: drivers/iommu/iommufd/viommu.c, iommufd_vdevice_destroy(). */
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

/* Aneesh: drivers/iommu/iommufd/viommu.c, iommufd_vdevice_alloc_ioctl(). */
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
