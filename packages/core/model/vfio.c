/*
 * Teardown model of the VFIO device life cycle and of the cdev bind and
 * close path, Linux 6.17 (drivers/vfio/vfio_main.c, device_cdev.c,
 * iommufd.c), with a vfio-pci driver reduced to what the life cycle needs.
 * Groups, KVM, PASIDs, modules and the noiommu mode are left out.
 *
 * Two counts keep a vfio_device alive: the kref of its embedded struct
 * device owns the memory (vfio_put_device()); the registration refcount,
 * one per open file plus the driver's, with a completion the driver's
 * unregister waits on.
 *
 * Last close of a cdev, in 6.17's order: the driver's close_device (vfio-pci
 * disables the device), then the iommufd unbind (which tombstones a live
 * vdev), then the put of the iommufd file, then the put of the
 * registration. Swapping the first two was proposed in the 2025 review and
 * did not land.
 *
 * The model's own code, with the upstream functions' order of shared
 * accesses, locks and refcount operations.
 */

/* struct device release of the vfio_device: the driver's release, then the memory. Upstream: vfio_device_release(). */
static void vfio_device_release(struct device *dev)
{
	struct vfio_device *device = container_of(dev, struct vfio_device, device);

	if (device->ops->release)
		device->ops->release(device);
	kfree(device);
}

/* Allocate and initialise a vfio_device. Upstream: _vfio_alloc_device() with vfio_init_device(), no index, no inode. */
static struct vfio_device *vfio_alloc_device(struct device *dev, const struct vfio_device_ops *ops)
{
	struct vfio_device *device = kzalloc(sizeof(*device), GFP_KERNEL);

	if (!device)
		return ERR_PTR(-ENOMEM);
	init_completion(&device->comp);
	device->dev = dev;
	device->ops = ops;
	device_initialize(&device->device);
	device->device.release = vfio_device_release;
	return device;
}

/* Upstream: vfio_put_device(). */
static void vfio_put_device(struct vfio_device *device)
{
	put_device(&device->device);
}

/*
 * Make the device openable: its registration count starts at 1 (the
 * driver's). Upstream: __vfio_register_dev(); the model gives every device
 * a device set of its own.
 */
static int vfio_register_device(struct vfio_device *device)
{
	struct vfio_device_set *set = kzalloc(sizeof(*set), GFP_KERNEL);

	if (!set)
		return -ENOMEM;
	mutex_init(&set->lock);
	set->device_count = 1;
	device->dev_set = set;
	refcount_set(&device->refcount, 1);
	return 0;
}

/* Upstream: vfio_device_put_registration(). */
static void vfio_device_put_registration(struct vfio_device *device)
{
	if (!refcount_dec_and_test(&device->refcount))
		return;
	complete(&device->comp);
}

/* Upstream: vfio_device_try_get_registration(). */
static bool vfio_device_try_get_registration(struct vfio_device *device)
{
	return refcount_inc_not_zero(&device->refcount);
}

/*
 * Drop the driver's registration and wait until every open file has
 * dropped its own. Upstream: vfio_unregister_group_dev(), which waits in
 * 10 s slices and asks the driver to make userspace let go (ops->request)
 * between them; the model has no request op and waits once.
 */
static void vfio_unregister_device(struct vfio_device *device)
{
	vfio_device_put_registration(device);
	wait_for_completion(&device->comp);
	kfree(device->dev_set);
}

/* Bind the physical device to the context. Upstream: vfio_iommufd_physical_bind() (no PASIDs). */
static int vfio_iommufd_physical_bind(struct vfio_device *vdev,
				      struct iommufd_ctx *ictx, u32 *out_device_id)
{
	struct iommufd_device *idev = iommufd_device_bind(ictx, vdev->dev, out_device_id);

	if (IS_ERR(idev))
		return PTR_ERR(idev);
	vdev->iommufd_device = idev;
	return 0;
}

/* Upstream: vfio_iommufd_physical_unbind() (no PASIDs; nothing is attached in the model). */
static void vfio_iommufd_physical_unbind(struct vfio_device *vdev)
{
	lockdep_assert_held(&vdev->dev_set->lock);

	if (vdev->iommufd_attached)
		vdev->iommufd_attached = false;
	/*
	 * Not upstream: the model's check of the order upstream keeps in
	 * vfio_df_device_last_close(). The unbind gives DMA ownership back to
	 * the kernel; the device must not be able to DMA by then.
	 */
	INVARIANT(!data_race(vdev->pci_enabled), "a device is disabled (close_device) before its iommufd unbind");
	iommufd_device_unbind(vdev->iommufd_device);
	vdev->iommufd_device = NULL;
}

/* Upstream: vfio_df_iommufd_bind(). */
static int vfio_df_iommufd_bind(struct vfio_device_file *df)
{
	struct vfio_device *vdev = df->device;

	lockdep_assert_held(&vdev->dev_set->lock);
	return vdev->ops->bind_iommufd(vdev, df->iommufd, &df->devid);
}

/* Upstream: vfio_df_iommufd_unbind(). */
static void vfio_df_iommufd_unbind(struct vfio_device_file *df)
{
	struct vfio_device *vdev = df->device;

	lockdep_assert_held(&vdev->dev_set->lock);
	if (vdev->ops->unbind_iommufd)
		vdev->ops->unbind_iommufd(vdev);
}

/* First open: bind to the iommufd, then open the device; undo the bind if the open fails. Upstream: vfio_df_device_first_open(). */
static int vfio_df_device_first_open(struct vfio_device_file *df)
{
	struct vfio_device *device = df->device;
	int err;

	lockdep_assert_held(&device->dev_set->lock);

	err = vfio_df_iommufd_bind(df);
	if (err)
		return err;
	if (!device->ops->open_device)
		return 0;
	err = device->ops->open_device(device);
	if (err)
		vfio_df_iommufd_unbind(df);
	return err;
}

/* Last close: close_device first, then the iommufd unbind (6.17's order). Upstream: vfio_df_device_last_close(). */
static void vfio_df_device_last_close(struct vfio_device_file *df)
{
	struct vfio_device *device = df->device;
	struct iommufd_ctx *iommufd = df->iommufd;

	lockdep_assert_held(&device->dev_set->lock);

	if (device->ops->close_device)
		device->ops->close_device(device);
	if (iommufd)
		vfio_df_iommufd_unbind(df);
}

/* Open through the cdev: only one open at a time on this path. Upstream: vfio_df_open(). */
static int vfio_df_open(struct vfio_device_file *df)
{
	struct vfio_device *device = df->device;
	int err;

	lockdep_assert_held(&device->dev_set->lock);

	if (device->open_count)
		return -EINVAL;
	device->open_count++;
	if (device->open_count != 1)
		return 0;
	err = vfio_df_device_first_open(df);
	if (err)
		device->open_count--;
	return err;
}

/* Upstream: vfio_df_close(). */
static void vfio_df_close(struct vfio_device_file *df)
{
	struct vfio_device *device = df->device;

	lockdep_assert_held(&device->dev_set->lock);

	if (WARN_ON(!device->open_count))
		return;
	if (device->open_count == 1)
		vfio_df_device_last_close(df);
	device->open_count--;
}

/*
 * VFIO_DEVICE_BIND_IOMMUFD on an open cdev: take a reference on the
 * iommufd file (kept until the cdev's release), open the device and bind it.
 * Errors: EINVAL (already bound), EBADFD (not an iommufd), or the open's.
 * Upstream: vfio_df_ioctl_bind_iommufd() (no KVM, copy_to_user never fails).
 */
int vfio_df_ioctl_bind_iommufd(struct vfio_device_file *df, struct file *iommufd)
{
	struct vfio_device *device = df->device;
	struct iommufd_ctx *ictx;
	int err;

	mutex_lock(&device->dev_set->lock);
	if (df->access_granted) {
		err = -EINVAL;
		goto unlock;
	}
	ictx = iommufd_ctx_from_fd(iommufd);
	if (IS_ERR(ictx)) {
		err = PTR_ERR(ictx);
		goto unlock;
	}
	df->iommufd = ictx;
	err = vfio_df_open(df);
	if (err) {
		iommufd_ctx_put(ictx);
		df->iommufd = NULL;
		goto unlock;
	}
	device->cdev_opened = true;
	/* ioctls on the cdev read access_granted with acquire: everything above is visible to them */
	smp_store_release(&df->access_granted, true);
unlock:
	mutex_unlock(&device->dev_set->lock);
	return err;
}

/* Undo the bind at release. Upstream: vfio_df_unbind_iommufd(). */
static void vfio_df_unbind_iommufd(struct vfio_device_file *df)
{
	struct vfio_device *device = df->device;

	/* the file is being released: nobody else can change access_granted now */
	if (!df->access_granted)
		return;

	mutex_lock(&device->dev_set->lock);
	vfio_df_close(df);
	iommufd_ctx_put(df->iommufd);
	device->cdev_opened = false;
	mutex_unlock(&device->dev_set->lock);
}

/* f_op->release of a cdev file. Upstream: vfio_device_fops_release() (cdev files only). */
int vfio_device_fops_release(struct inode *inode, struct file *filep)
{
	struct vfio_device_file *df = filep->private_data;
	struct vfio_device *device = df->device;

	vfio_df_unbind_iommufd(df);
	vfio_device_put_registration(device);
	kfree(df);
	return 0;
}

/*
 * open() of /dev/vfio/devices/vfioN: a file with a registration
 * reference. ERR_PTR(-ENODEV) once the driver has unregistered.
 * Upstream: vfio_device_fops_cdev_open().
 */
struct file *vfio_device_cdev_open(struct vfio_device *device)
{
	struct vfio_device_file *df;
	struct file *file;

	if (!vfio_device_try_get_registration(device))
		return ERR_PTR(-ENODEV);

	df = kzalloc(sizeof(*df), GFP_KERNEL);
	file = df ? alloc_file(vfio_device_fops_release) : ERR_PTR(-ENOMEM);
	if (IS_ERR(file)) {
		kfree(df);
		vfio_device_put_registration(device);
		return file;
	}
	df->device = device;
	file->private_data = df;
	return file;
}

/*
 * vfio-pci, reduced: open enables the PCI device, close disables it.
 * Upstream vfio_pci_open_device() -> vfio_pci_core_enable() ->
 * pci_enable_device() may fail: the fault site "pci_enable_device".
 */
static int vfio_pci_open_device(struct vfio_device *core_vdev)
{
	if (should_fail("pci_enable_device"))
		return -EIO;
	WRITE_ONCE(core_vdev->pci_enabled, true);
	return 0;
}

static void vfio_pci_close_device(struct vfio_device *core_vdev)
{
	WRITE_ONCE(core_vdev->pci_enabled, false);
}

static void vfio_pci_release_dev(struct vfio_device *core_vdev)
{
}

static const struct vfio_device_ops vfio_pci_ops = {
	.release = vfio_pci_release_dev,
	.bind_iommufd = vfio_iommufd_physical_bind,
	.unbind_iommufd = vfio_iommufd_physical_unbind,
	.open_device = vfio_pci_open_device,
	.close_device = vfio_pci_close_device,
};

/* A PCI device appears, in `group`, behind IOMMU `iommu`, and vfio-pci binds to it. */
struct vfio_device *vfio_pci_probe(struct iommu_group *group, struct iommu_device *iommu)
{
	struct vfio_device *device;
	struct device *pdev = kzalloc(sizeof(*pdev), GFP_KERNEL);

	device_initialize(pdev);
	pdev->iommu_group = group;
	pdev->iommu_dev = iommu;

	device = vfio_alloc_device(pdev, &vfio_pci_ops);
	if (IS_ERR(device))
		return device;
	vfio_register_device(device);
	return device;
}

/* vfio-pci lets go of the device: unregister (waits for every open file's release), then put it. */
void vfio_pci_remove(struct vfio_device *device)
{
	struct device *pdev = device->dev;

	vfio_unregister_device(device);
	vfio_put_device(device);
	kfree(pdev);
}
