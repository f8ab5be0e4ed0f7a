/*
 * Known-bad (close-order): a release that rests on the comment of the mutex
 * version Aneesh Kumar K.V posted in the v2 thread (seed 002):
 * "iommufd_fops_release() can only be called after the idevice has been
 * unbound. The idevice bind operation takes a reference to the iommufd
 * descriptor, preventing early release." So nothing is bound and nothing
 * pins anything but its creator: destroy from the highest ID down, each
 * object after the ones created on top of it, in one walk, without looking
 * at users. True for VFIO's cdev; false for a device bound without a file
 * reference (the selftest's mock device), whose idev this destroys while it
 * is bound, before its owner unbinds it.
 */
int iommufd_fops_release(struct inode *inode, struct file *filp)
{
	struct iommufd_ctx *ictx = filp->private_data;
	struct iommufd_sw_msi_map *next;
	struct iommufd_sw_msi_map *cur;
	struct iommufd_object *obj;
	unsigned long index, top = 0;

	xa_for_each(&ictx->objects, index, obj)
		top = index;
	for (index = top; index > 0; index--) {
		obj = xa_load(&ictx->objects, index);
		if (!obj)
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
