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
 * vdevices by virtual ID. Upstream iommufd_viommu_alloc_ioctl() (Linux
 * 6.17) also takes a nesting-parent HWPT, on which the vIOMMU holds a users
 * reference, and lets the IOMMU driver size and initialise the object; the
 * model has no HWPT and no driver ops.
 */
int iommufd_viommu_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_viommu_alloc *cmd = ucmd->cmd;
	struct iommufd_viommu *viommu;
	struct iommufd_device *idev;
	struct iommufd_object *obj;
	int err;

	idev = iommufd_get_device(ucmd, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);

	obj = _iommufd_object_alloc(ucmd->ictx, sizeof(*viommu), IOMMUFD_OBJ_VIOMMU);
	err = PTR_ERR_OR_ZERO(obj);
	if (!err) {
		viommu = container_of(obj, struct iommufd_viommu, obj);
		viommu->ictx = ucmd->ictx;
		viommu->iommu_dev = __iommu_get_iommu_dev(idev->dev);
		xa_init(&viommu->vdevs);
		cmd->out_viommu_id = viommu->obj.id;
		err = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
		if (err)
			iommufd_object_abort_and_destroy(ucmd->ictx, &viommu->obj);
		else
			iommufd_object_finalize(ucmd->ictx, &viommu->obj);
	}
	/* the vIOMMU keeps no reference on the device it was created for */
	iommufd_put_object(ucmd->ictx, &idev->obj);
	return err;
}

/* Models iommufd_viommu_destroy() (Linux 6.17) without the driver op and the HWPT put. */
void iommufd_viommu_destroy(struct iommufd_object *obj)
{
	struct iommufd_viommu *viommu = container_of(obj, struct iommufd_viommu, obj);

	xa_destroy(&viommu->vdevs);
}

/*
 * The locked part of IOMMU_VDEVICE_ALLOC: under idev->igroup->lock, refuse
 * when the unbind has begun (ENOENT) or the idev has a vdev (EEXIST), build
 * the vdev, link it (the learner's iommufd_vdevice_link()), claim virt_id
 * on the vIOMMU (EEXIST if taken) and publish it. A failure after the link
 * is undone by the vdevice's abort op, still under the lock.
 */
static int iommufd_vdevice_create(struct iommufd_ucmd *ucmd, struct iommufd_viommu *viommu,
				  struct iommufd_device *idev, u64 virt_id)
{
	struct iommu_vdevice_alloc *cmd = ucmd->cmd;
	struct iommufd_vdevice *vdev, *prev;
	struct iommufd_object *obj;
	int err;

	guard(mutex)(&idev->igroup->lock);

	if (idev->destroying)
		return -ENOENT;
	if (idev->vdev)
		return -EEXIST;

	obj = _iommufd_object_alloc(ucmd->ictx, sizeof(*vdev), IOMMUFD_OBJ_VDEVICE);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	vdev = container_of(obj, struct iommufd_vdevice, obj);
	vdev->virt_id = virt_id;
	vdev->viommu = viommu;
	refcount_inc(&viommu->obj.users);
	iommufd_vdevice_link(vdev, idev);

	prev = xa_cmpxchg(&viommu->vdevs, virt_id, NULL, vdev, GFP_KERNEL);
	err = prev ? (xa_err(prev) ?: -EEXIST) : 0;
	if (!err) {
		cmd->out_vdevice_id = vdev->obj.id;
		err = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	}
	if (err)
		iommufd_object_abort_and_destroy(ucmd->ictx, &vdev->obj);
	else
		iommufd_object_finalize(ucmd->ictx, &vdev->obj);
	return err;
}

/*
 * IOMMU_VDEVICE_ALLOC: a vdevice for device `dev_id` behind vIOMMU
 * `viommu_id` at virtual ID `virt_id`. Errnos as upstream: EINVAL (virt_id
 * too large, or the device is behind another IOMMU), ENOENT (a lookup
 * fails, or the idev's unbind has begun: idev->destroying), EEXIST (the idev
 * already has a vdev, or virt_id is taken on this vIOMMU).
 *
 * Models iommufd_vdevice_alloc_ioctl() (Linux 6.17), split in two here,
 * with the same sequence of steps and two differences: where upstream sets
 * vdev->idev and idev->vdev, the learner's iommufd_vdevice_link() is
 * called, at the same point (igroup->lock held, the vdev not yet
 * published); and the driver hooks (vdevice_size, vdevice_init) are absent,
 * as the model's vIOMMU has no ops.
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
	struct iommufd_viommu *viommu;
	struct iommufd_device *idev;
	u64 virt_id = cmd->virt_id;
	int err;

	/* virt_id is an xarray index */
	if (virt_id > ULONG_MAX)
		return -EINVAL;

	viommu = iommufd_get_viommu(ucmd, cmd->viommu_id);
	if (IS_ERR(viommu))
		return PTR_ERR(viommu);
	idev = iommufd_get_device(ucmd, cmd->dev_id);
	err = PTR_ERR_OR_ZERO(idev);
	if (!err) {
		/* a vdev lives behind the IOMMU instance of its device */
		if (__iommu_get_iommu_dev(idev->dev) == viommu->iommu_dev)
			err = iommufd_vdevice_create(ucmd, viommu, idev, virt_id);
		else
			err = -EINVAL;
		if (err)
			iommufd_put_object(ucmd->ictx, &idev->obj);
	}
	iommufd_put_object(ucmd->ictx, &viommu->obj);
	return err;
}
