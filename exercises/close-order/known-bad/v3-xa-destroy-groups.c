/*
 * Known-bad (close-order): iommufd_fops_release() as Xu Yilun posted it in
 * [PATCH v3 1/5] iommufd: Add iommufd_object_tombstone_user() helper
 * (27 June 2025), the loop and the lines after it as posted (GPL-2.0):
 * the `empty` flag ends the loop, but the tombstones left in
 * ictx->objects are never dropped (xa_destroy() is called on ictx->groups
 * instead, which also loses the WARN on a group still there). v4: "Fix the
 * mistake trying to xa_destroy ictx->groups on iommufd_fops_release()".
 */
int iommufd_fops_release(struct inode *inode, struct file *filp)
{
	struct iommufd_ctx *ictx = filp->private_data;
	struct iommufd_sw_msi_map *next;
	struct iommufd_sw_msi_map *cur;
	struct iommufd_object *obj;
	bool empty;

	for (;;) {
		unsigned int destroyed = 0;
		unsigned long index;

		empty = true;
		xa_for_each(&ictx->objects, index, obj) {
			empty = false;
			if (!refcount_dec_if_one(&obj->users))
				continue;

			destroyed++;
			xa_erase(&ictx->objects, index);
			iommufd_object_ops[obj->type].destroy(obj);
			kfree(obj);
		}

		if (empty)
			break;

		/* Bug related to users refcount */
		if (WARN_ON(!destroyed))
			break;
	}

	/*
	 * There may be some tombstones left over from
	 * iommufd_object_tombstone_user()
	 */
	xa_destroy(&ictx->groups);

	mutex_destroy(&ictx->sw_msi_lock);
	list_for_each_entry_safe(cur, next, &ictx->sw_msi_list, sw_msi_item)
		kfree(cur);

	kfree(ictx);
	return 0;
}

/* Bind, then open; a failed open gives the binding back before returning. */
int vfio_df_device_first_open(struct vfio_device_file *df)
{
	struct vfio_device *device = df->device;
	int err;

	lockdep_assert_held(&device->dev_set->lock);

	err = vfio_df_iommufd_bind(df);
	if (err)
		return err;
	if (device->ops->open_device) {
		err = device->ops->open_device(device);
		if (err)
			goto err_unbind;
	}
	return 0;

err_unbind:
	vfio_df_iommufd_unbind(df);
	return err;
}

/* The driver stops the device first, then the binding goes (and with it a live vdev, as a tombstone). */
void vfio_df_device_last_close(struct vfio_device_file *df)
{
	struct vfio_device *device = df->device;

	lockdep_assert_held(&device->dev_set->lock);

	if (device->ops->close_device)
		device->ops->close_device(device);
	if (df->iommufd)
		vfio_df_iommufd_unbind(df);
}
