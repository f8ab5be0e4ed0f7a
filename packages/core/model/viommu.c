/*
 * Teardown model of drivers/iommu/iommufd/viommu.c, Linux 6.17: the vIOMMU
 * (reduced) and IOMMU_VDEVICE_ALLOC. The learner writes
 * iommufd_vdevice_link(), iommufd_vdevice_abort() and
 * iommufd_vdevice_destroy().
 *
 * The model's own code, with the upstream functions' order of shared
 * accesses, locks and refcount operations.
 */

/*
 * IOMMU_VIOMMU_ALLOC, reduced to what the vdevice life cycle depends on: an
 * object tied to the IOMMU instance behind `dev_id`, with an xarray of
 * vdevices by virtual ID, initialised by the device's IOMMU driver (which
 * sets viommu->ops). Upstream iommufd_viommu_alloc_ioctl() (Linux 6.17)
 * also asks the driver for the structure's size, requires a nesting-parent
 * HWPT (the vIOMMU holds a users reference on it; the model makes it
 * optional: hwpt_id 0, as vdev-lifetime's scenarios allocate) and allocates
 * with _iommufd_object_alloc_ucmd(); the model finalizes itself, after the
 * response is copied, as the ucmd allocator would.
 */
int iommufd_viommu_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_viommu_alloc *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt_paging = NULL;
	struct iommufd_viommu *viommu;
	struct iommufd_device *idev;
	const struct iommu_ops *ops;
	struct iommufd_object *obj;
	int rc;

	idev = iommufd_get_device(ucmd, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);

	ops = dev_iommu_ops(idev->dev);
	if (!ops->viommu_init) {
		rc = -EOPNOTSUPP;
		goto out_put_idev;
	}

	/* the model's reduction: hwpt_id 0 means no HWPT (upstream requires a nesting parent) */
	if (cmd->hwpt_id) {
		obj = iommufd_get_object(ucmd->ictx, cmd->hwpt_id, IOMMUFD_OBJ_HWPT_PAGING);
		if (IS_ERR(obj)) {
			rc = PTR_ERR(obj);
			goto out_put_idev;
		}
		hwpt_paging = container_of(obj, struct iommufd_hwpt_paging, common.obj);
		if (!hwpt_paging->nest_parent) {
			rc = -EINVAL;
			goto out_put_hwpt;
		}
	}

	obj = _iommufd_object_alloc(ucmd->ictx, sizeof(*viommu), IOMMUFD_OBJ_VIOMMU);
	if (IS_ERR(obj)) {
		rc = PTR_ERR(obj);
		goto out_put_hwpt;
	}
	viommu = container_of(obj, struct iommufd_viommu, obj);
	viommu->ictx = ucmd->ictx;
	if (hwpt_paging) {
		viommu->hwpt = hwpt_paging;
		refcount_inc(&viommu->hwpt->common.obj.users);
	}
	xa_init(&viommu->vdevs);
	viommu->iommu_dev = __iommu_get_iommu_dev(idev->dev);
	rc = ops->viommu_init(viommu);
	if (rc)
		goto out_abort;
	/* it is a driver bug if viommu->ops isn't filled */
	if (WARN_ON_ONCE(!viommu->ops)) {
		rc = -EOPNOTSUPP;
		goto out_abort;
	}

	cmd->out_viommu_id = viommu->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_abort;
	iommufd_object_finalize(ucmd->ictx, &viommu->obj);
	goto out_put_hwpt;

out_abort:
	iommufd_object_abort_and_destroy(ucmd->ictx, &viommu->obj);
out_put_hwpt:
	if (hwpt_paging)
		iommufd_put_object(ucmd->ictx, &hwpt_paging->common.obj);
out_put_idev:
	/* the vIOMMU keeps no reference on the device it was created for */
	iommufd_put_object(ucmd->ictx, &idev->obj);
	return rc;
}

/* Models iommufd_viommu_destroy() (Linux 6.17) without the driver op; the HWPT put only when there is one. */
void iommufd_viommu_destroy(struct iommufd_object *obj)
{
	struct iommufd_viommu *viommu = container_of(obj, struct iommufd_viommu, obj);

	if (viommu->hwpt)
		refcount_dec(&viommu->hwpt->common.obj.users);
	xa_destroy(&viommu->vdevs);
}

/*
 * IOMMU_VDEVICE_ALLOC: a vdevice for device `dev_id` behind vIOMMU
 * `viommu_id` at virtual ID `virt_id`. Errnos as upstream: EINVAL (virt_id
 * too large, or the device is behind another IOMMU), ENOENT (a lookup
 * fails, or the idev's unbind has begun: idev->destroying), EEXIST (the idev
 * already has a vdev, or virt_id is taken on this vIOMMU), EOPNOTSUPP (a
 * driver bug), and the errors of the driver's vdevice_init and of copying
 * the response (EFAULT).
 *
 * Models iommufd_vdevice_alloc_ioctl() (Linux 6.17, torvalds/linux
 * 06449e9f) statement for statement, with one difference: where upstream
 * sets vdev->idev and idev->vdev, the learner's iommufd_vdevice_link() is
 * called, at the same point (igroup->lock held, the vdev not yet
 * published). Every failure after the link goes to out_abort, where the
 * vdevice's abort op (the learner's iommufd_vdevice_abort()) runs with
 * igroup->lock held, before the lock is dropped.
 *
 * The driver-bug check on vdevice_size jumps to out_put_idev with
 * igroup->lock still held, as upstream 6.17 does; the model's driver
 * (selftest.c) never takes that path.
 *
 * References: the lookup reference on the vIOMMU is put at the end; the
 * vdev has a users reference of its own on it. The lookup reference on the
 * idev (users and wait_cnt) is kept on success: it becomes the vdev's
 * reference on its idev, put by iommufd_vdevice_destroy(). On failure it is
 * put here.
 */
int iommufd_vdevice_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_vdevice_alloc *cmd = ucmd->cmd;
	struct iommufd_vdevice *vdev, *curr;
	size_t vdev_size = sizeof(*vdev);
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
	if (idev->destroying) {
		rc = -ENOENT;
		goto out_unlock_igroup;
	}

	if (idev->vdev) {
		rc = -EEXIST;
		goto out_unlock_igroup;
	}

	if (viommu->ops && viommu->ops->vdevice_size) {
		/*
		 * A driver bug: vdevice_size smaller than the core structure,
		 * or no vdevice_init to pair with it.
		 */
		if (WARN_ON_ONCE(viommu->ops->vdevice_size < vdev_size ||
				 !viommu->ops->vdevice_init)) {
			rc = -EOPNOTSUPP;
			goto out_put_idev;
		}
		vdev_size = viommu->ops->vdevice_size;
	}

	vdev = (struct iommufd_vdevice *)_iommufd_object_alloc(ucmd->ictx, vdev_size, IOMMUFD_OBJ_VDEVICE);
	if (IS_ERR(vdev)) {
		rc = PTR_ERR(vdev);
		goto out_unlock_igroup;
	}

	vdev->virt_id = virt_id;
	vdev->viommu = viommu;
	refcount_inc(&viommu->obj.users);
	/* upstream: vdev->idev = idev; idev->vdev = vdev; */
	iommufd_vdevice_link(vdev, idev);

	curr = xa_cmpxchg(&viommu->vdevs, virt_id, NULL, vdev, GFP_KERNEL);
	if (curr) {
		rc = xa_err(curr) ?: -EEXIST;
		goto out_abort;
	}

	if (viommu->ops && viommu->ops->vdevice_init) {
		rc = viommu->ops->vdevice_init(vdev);
		if (rc)
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
	if (rc)
		iommufd_put_object(ucmd->ictx, &idev->obj);
out_put_viommu:
	iommufd_put_object(ucmd->ictx, &viommu->obj);
	return rc;
}
