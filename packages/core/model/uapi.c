/*
 * The user-space side of the model: the system calls scenarios make. Each
 * returns 0 or -errno, as the selftest helpers (_test_ioctl_destroy() and
 * friends in tools/testing/selftests/iommu/iommufd_utils.h) see them, and
 * runs the task's pending task_work (a deferred __fput()) before returning
 * to user space.
 *
 * A scenario's threads are processes that share the file descriptors (as
 * after fork()): an ioctl's fdget() takes no file reference of its own, and
 * a file is released when the last process closes it.
 */

/* open("/dev/iommu", O_RDWR) */
struct file *iommufd_open(void)
{
	struct file *file = alloc_file(iommufd_fops_release);

	if (IS_ERR(file))
		return file;
	if (iommufd_fops_open(NULL, file)) {
		kfree(file);
		return ERR_PTR(-ENOMEM);
	}
	return file;
}

/* close(fd) */
void close_fd(struct file *file)
{
	fput(file);
	task_work_run();
}

/* ioctl(iommufd, IOMMU_DESTROY, { .id = id }) */
int ioctl_destroy(struct file *iommufd, u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };
	struct iommufd_ucmd ucmd = { .ictx = iommufd->private_data, .cmd = &cmd };
	int rc;

	rc = iommufd_destroy(&ucmd);
	task_work_run();
	return rc;
}

/* ioctl(iommufd, IOMMU_VIOMMU_ALLOC, { .dev_id = dev_id }) */
int ioctl_viommu_alloc(struct file *iommufd, u32 dev_id, u32 *out_viommu_id)
{
	struct iommu_viommu_alloc cmd = { .size = sizeof(cmd), .dev_id = dev_id };
	struct iommufd_ucmd ucmd = { .ictx = iommufd->private_data, .cmd = &cmd };
	int rc;

	rc = iommufd_viommu_alloc_ioctl(&ucmd);
	if (!rc && out_viommu_id)
		*out_viommu_id = cmd.out_viommu_id;
	task_work_run();
	return rc;
}

/* ioctl(iommufd, IOMMU_VDEVICE_ALLOC, { .viommu_id, .dev_id, .virt_id }) */
int ioctl_vdevice_alloc(struct file *iommufd, u32 viommu_id, u32 dev_id, u64 virt_id, u32 *out_vdev_id)
{
	struct iommu_vdevice_alloc cmd = { .size = sizeof(cmd), .viommu_id = viommu_id, .dev_id = dev_id, .virt_id = virt_id };
	struct iommufd_ucmd ucmd = { .ictx = iommufd->private_data, .cmd = &cmd };
	int rc;

	rc = iommufd_vdevice_alloc_ioctl(&ucmd);
	if (!rc && out_vdev_id)
		*out_vdev_id = cmd.out_vdevice_id;
	task_work_run();
	return rc;
}

/*
 * An ioctl that uses a vdevice by ID, as every iommufd ioctl uses its
 * objects: look it up (a users and a wait_cnt reference), use it, put it.
 * Upstream has several with this shape (on vEVENTQs, HW queues, cache
 * invalidation); the model keeps the shape.
 */
int ioctl_vdevice_use(struct file *iommufd, u32 vdev_id)
{
	struct iommufd_ctx *ictx = iommufd->private_data;
	struct iommufd_vdevice *vdev;
	u64 virt_id;

	vdev = iommufd_get_vdevice(ictx, vdev_id);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);
	virt_id = READ_ONCE(vdev->virt_id);
	(void)virt_id;
	iommufd_put_object(ictx, &vdev->obj);
	task_work_run();
	return 0;
}

/* open("/dev/vfio/devices/vfioN") */
struct file *vfio_cdev_open(struct vfio_device *device)
{
	return vfio_device_cdev_open(device);
}

/* ioctl(cdev, VFIO_DEVICE_BIND_IOMMUFD, { .iommufd = fd }) */
int ioctl_vfio_bind_iommufd(struct file *cdev, struct file *iommufd, u32 *out_dev_id)
{
	struct vfio_device_file *df = cdev->private_data;
	int rc;

	rc = vfio_df_ioctl_bind_iommufd(df, iommufd);
	if (!rc && out_dev_id)
		*out_dev_id = df->devid;
	task_work_run();
	return rc;
}
