/*
 * Known-bad (close-order), plausible mistake: one pass over the objects,
 * destroying the leaves. Whatever became a leaf during the pass (a vIOMMU
 * after its vdev, a HWPT after its vIOMMU) is left behind.
 */
int iommufd_fops_release(struct inode *inode, struct file *filp)
{
	struct iommufd_ctx *ictx = filp->private_data;
	struct iommufd_sw_msi_map *next;
	struct iommufd_sw_msi_map *cur;
	struct iommufd_object *obj;
	unsigned long index;

	xa_for_each(&ictx->objects, index, obj) {
		if (!refcount_dec_if_one(&obj->users))
			continue;
		xa_erase(&ictx->objects, index);
		iommufd_object_ops[obj->type].destroy(obj);
		kfree(obj);
	}

	xa_destroy(&ictx->objects);

	WARN_ON(!xa_empty(&ictx->groups));
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
