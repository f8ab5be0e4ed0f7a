/*
 * Teardown model of the IOAS and the paging HWPT, reduced to their place in
 * the users graph that iommufd_fops_release() takes apart (exercise
 * close-order, seed 000): drivers/iommu/iommufd/ioas.c and hw_pagetable.c,
 * Linux 6.17. An IOAS depends on nothing; a paging HWPT holds a users
 * reference on its IOAS; a vIOMMU (viommu.c) one on its nesting-parent HWPT;
 * a vdevice one on its vIOMMU. No page tables, no domain, no attach: the
 * model has no DMA, only the references.
 *
 * The model's own code, with the upstream functions' order of shared
 * accesses, locks and refcount operations, less what the reduction drops
 * (the io_pagetable, ioas->mutex, the iommu domain).
 */

/*
 * IOMMU_IOAS_ALLOC: a new, empty IOAS. Models iommufd_ioas_alloc_ioctl()
 * (Linux 6.17) without ioas_creation_lock (no VFIO compat IOAS here).
 */
int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iommufd_object *obj;
	int rc;

	obj = _iommufd_object_alloc(ucmd->ictx, sizeof(struct iommufd_ioas), IOMMUFD_OBJ_IOAS);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	cmd->out_ioas_id = obj->id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iommufd_object_abort_and_destroy(ucmd->ictx, obj);
		return rc;
	}
	iommufd_object_finalize(ucmd->ictx, obj);
	return 0;
}

/* Models iommufd_ioas_destroy() (Linux 6.17): the io_pagetable goes with it; nothing to put. */
void iommufd_ioas_destroy(struct iommufd_object *obj)
{
}

/*
 * IOMMU_HWPT_ALLOC of a paging HWPT on the IOAS `pt_id`, for device
 * `dev_id`, as a nesting parent (the flag a vIOMMU needs). The HWPT keeps a
 * users reference on the IOAS until its destroy; the device and IOAS lookups
 * are put before returning. Errors: ENOENT (a lookup fails), EINVAL (pt_id
 * is not an IOAS), ENOMEM, EFAULT. Models iommufd_hwpt_alloc() with
 * iommufd_hwpt_paging_alloc() (Linux 6.17) without the domain, the auto
 * domain and ioas->mutex.
 */
int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt_paging;
	struct iommufd_object *pt_obj;
	struct iommufd_object *obj;
	struct iommufd_device *idev;
	struct iommufd_ioas *ioas;
	int rc;

	idev = iommufd_get_device(ucmd, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);

	pt_obj = iommufd_get_object(ucmd->ictx, cmd->pt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt_obj)) {
		rc = -EINVAL;
		goto out_put_idev;
	}
	if (pt_obj->type != IOMMUFD_OBJ_IOAS) {
		rc = -EINVAL;
		goto out_put_pt;
	}
	ioas = container_of(pt_obj, struct iommufd_ioas, obj);

	obj = _iommufd_object_alloc(ucmd->ictx, sizeof(*hwpt_paging), IOMMUFD_OBJ_HWPT_PAGING);
	if (IS_ERR(obj)) {
		rc = PTR_ERR(obj);
		goto out_put_pt;
	}
	hwpt_paging = container_of(obj, struct iommufd_hwpt_paging, common.obj);
	/* Pairs with iommufd_hwpt_paging_destroy() */
	refcount_inc(&ioas->obj.users);
	hwpt_paging->ioas = ioas;
	hwpt_paging->nest_parent = true;

	cmd->out_hwpt_id = obj->id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iommufd_object_abort_and_destroy(ucmd->ictx, obj);
		goto out_put_pt;
	}
	iommufd_object_finalize(ucmd->ictx, obj);
out_put_pt:
	iommufd_put_object(ucmd->ictx, pt_obj);
out_put_idev:
	iommufd_put_object(ucmd->ictx, &idev->obj);
	return rc;
}

/* Models iommufd_hwpt_paging_destroy() (Linux 6.17): give back the IOAS. */
void iommufd_hwpt_paging_destroy(struct iommufd_object *obj)
{
	struct iommufd_hwpt_paging *hwpt_paging = container_of(obj, struct iommufd_hwpt_paging, common.obj);

	refcount_dec(&hwpt_paging->ioas->obj.users);
}
