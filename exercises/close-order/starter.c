/*
 * close-order: write the release of the iommufd file and the two ends of
 * VFIO's open path. Read the statement (README.md) and chapter 10 first.
 */

/*
 * f_op->release of /dev/iommu: the last reference to the file is gone
 * (close(), process exit, or VFIO's iommufd_ctx_put()). Destroy every
 * object left in ictx->objects, in an order their users references allow,
 * then free the context.
 */
int iommufd_fops_release(struct inode *inode, struct file *filp)
{
	struct iommufd_ctx *ictx = filp->private_data;
	struct iommufd_sw_msi_map *next;
	struct iommufd_sw_msi_map *cur;
	struct iommufd_object *obj;
	unsigned long index;

	/* TODO: destroy the objects; this frees each one as it comes, whatever depends on it */
	xa_for_each(&ictx->objects, index, obj) {
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

/*
 * The first open of a device through a cdev, dev_set->lock held: bind it
 * to df->iommufd (vfio_df_iommufd_bind()), then let the driver open it
 * (device->ops->open_device). On failure, leave nothing behind.
 */
int vfio_df_device_first_open(struct vfio_device_file *df)
{
	struct vfio_device *device = df->device;
	int err;

	lockdep_assert_held(&device->dev_set->lock);

	err = vfio_df_iommufd_bind(df);
	if (err)
		return err;
	/* TODO: the driver's open may fail */
	device->ops->open_device(device);
	return 0;
}

/*
 * The last close of a device opened through a cdev, dev_set->lock held:
 * the driver's close (device->ops->close_device) and the iommufd unbind
 * (vfio_df_iommufd_unbind()).
 */
void vfio_df_device_last_close(struct vfio_device_file *df)
{
	struct vfio_device *device = df->device;

	lockdep_assert_held(&device->dev_set->lock);

	/* TODO */
	vfio_df_iommufd_unbind(df);
}
