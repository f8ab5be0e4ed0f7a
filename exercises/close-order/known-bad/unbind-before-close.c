/*
 * Known-bad (close-order): the last close unbinds from iommufd before the
 * driver's close_device. Proposed by Xu Yilun in the v2 thread (seed 002)
 * so that a vdevice's TSM unbind would run before vfio-pci disables the
 * device; it did not land, and 6.17 still closes first: the unbind gives
 * DMA ownership back to the kernel while the device can still DMA.
 */
int iommufd_fops_release(struct inode *inode, struct file *filp)
{
	struct iommufd_ctx *ictx = filp->private_data;
	struct iommufd_sw_msi_map *next;
	struct iommufd_sw_msi_map *cur;
	struct iommufd_object *obj;

	while (!xa_empty(&ictx->objects)) {
		unsigned int destroyed = 0;
		unsigned long index;
		bool empty = true;

		xa_for_each(&ictx->objects, index, obj) {
			empty = false;
			if (!refcount_dec_if_one(&obj->users))
				continue;
			destroyed++;
			/* unpublish first: a destroy may walk the xarray too (an unbind inside it) */
			xa_erase(&ictx->objects, index);
			iommufd_object_ops[obj->type].destroy(obj);
			kfree(obj);
		}
		if (empty)
			break;
		/* a bug related to the users refcount */
		if (WARN_ON(!destroyed))
			break;
	}
	/* the tombstones go all at once */
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

	if (df->iommufd)
		vfio_df_iommufd_unbind(df);
	if (device->ops->close_device)
		device->ops->close_device(device);
}
