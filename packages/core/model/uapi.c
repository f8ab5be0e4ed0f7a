/*
 * The user-space side of the model: the system calls scenarios make. Each
 * returns 0 or -errno, as the selftest helpers (_test_ioctl_destroy() and
 * friends in tools/testing/selftests/iommu/iommufd_utils.h) see them, and
 * runs the task's pending task_work (a deferred __fput()) before returning
 * to user space.
 *
 * A scenario is one process: setup and check run on its main task, the
 * thread bodies on its threads, and all of them share one file descriptor
 * table (fs.c). A scenario names a descriptor by its struct file pointer.
 * An ioctl looks its descriptor up with fdget(), which takes a file
 * reference of its own while the table is shared (while the threads run), so
 * a thread that closes the descriptor meanwhile only drops the table's
 * reference; the last put, wherever it happens, releases the file.
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
	if (fd_install(file) < 0) {
		fput(file);
		task_work_run();
		return ERR_PTR(-EMFILE);
	}
	return file;
}

/*
 * close(fd): take the descriptor out of the table, then drop the table's
 * reference (filp_close()). Upstream: close_fd() (fs/file.c, Linux 6.17).
 * 0, or -EBADF if it is not open.
 */
int close_fd(struct file *file)
{
	file = file_close_fd(file);
	if (!file)
		return -EBADF;
	fput(file);
	task_work_run();
	return 0;
}

/* ioctl(iommufd, IOMMU_DESTROY, { .id = id }) */
int ioctl_destroy(struct file *iommufd, u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };
	struct iommufd_ucmd ucmd = { .cmd = &cmd };
	struct fd f;
	int rc;

	fdget(&f, iommufd);
	if (!f.file)
		return -EBADF;
	ucmd.ictx = f.file->private_data;
	rc = iommufd_destroy(&ucmd);
	fdput(&f);
	task_work_run();
	return rc;
}

/* ioctl(iommufd, IOMMU_VIOMMU_ALLOC, { .dev_id = dev_id }) */
int ioctl_viommu_alloc(struct file *iommufd, u32 dev_id, u32 *out_viommu_id)
{
	struct iommu_viommu_alloc cmd = { .size = sizeof(cmd), .dev_id = dev_id };
	struct iommufd_ucmd ucmd = { .cmd = &cmd };
	struct fd f;
	int rc;

	fdget(&f, iommufd);
	if (!f.file)
		return -EBADF;
	ucmd.ictx = f.file->private_data;
	rc = iommufd_viommu_alloc_ioctl(&ucmd);
	if (!rc && out_viommu_id)
		*out_viommu_id = cmd.out_viommu_id;
	fdput(&f);
	task_work_run();
	return rc;
}

/* ioctl(iommufd, IOMMU_VDEVICE_ALLOC, { .viommu_id, .dev_id, .virt_id }) */
int ioctl_vdevice_alloc(struct file *iommufd, u32 viommu_id, u32 dev_id, u64 virt_id, u32 *out_vdev_id)
{
	struct iommu_vdevice_alloc cmd = { .size = sizeof(cmd), .viommu_id = viommu_id, .dev_id = dev_id, .virt_id = virt_id };
	struct iommufd_ucmd ucmd = { .cmd = &cmd };
	struct fd f;
	int rc;

	fdget(&f, iommufd);
	if (!f.file)
		return -EBADF;
	ucmd.ictx = f.file->private_data;
	rc = iommufd_vdevice_alloc_ioctl(&ucmd);
	if (!rc && out_vdev_id)
		*out_vdev_id = cmd.out_vdevice_id;
	fdput(&f);
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
	struct iommufd_ctx *ictx;
	struct iommufd_vdevice *vdev;
	struct fd f;
	u64 virt_id;
	int rc = 0;

	fdget(&f, iommufd);
	if (!f.file)
		return -EBADF;
	ictx = f.file->private_data;
	vdev = iommufd_get_vdevice(ictx, vdev_id);
	if (IS_ERR(vdev)) {
		rc = PTR_ERR(vdev);
	} else {
		virt_id = READ_ONCE(vdev->virt_id);
		(void)virt_id;
		iommufd_put_object(ictx, &vdev->obj);
	}
	fdput(&f);
	task_work_run();
	return rc;
}

/* open("/dev/vfio/devices/vfioN") */
struct file *vfio_cdev_open(struct vfio_device *device)
{
	struct file *file = vfio_device_cdev_open(device);

	if (IS_ERR(file))
		return file;
	if (fd_install(file) < 0) {
		fput(file);
		task_work_run();
		return ERR_PTR(-EMFILE);
	}
	return file;
}

/* ioctl(cdev, VFIO_DEVICE_BIND_IOMMUFD, { .iommufd = fd }) */
int ioctl_vfio_bind_iommufd(struct file *cdev, struct file *iommufd, u32 *out_dev_id)
{
	struct vfio_device_file *df;
	struct fd f;
	int rc;

	fdget(&f, cdev);
	if (!f.file)
		return -EBADF;
	df = f.file->private_data;
	rc = vfio_df_ioctl_bind_iommufd(df, iommufd);
	if (!rc && out_dev_id)
		*out_dev_id = df->devid;
	fdput(&f);
	task_work_run();
	return rc;
}

/* ioctl(iommufd, IOMMU_IOAS_ALLOC) */
int ioctl_ioas_alloc(struct file *iommufd, u32 *out_ioas_id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	struct iommufd_ucmd ucmd = { .cmd = &cmd };
	struct fd f;
	int rc;

	fdget(&f, iommufd);
	if (!f.file)
		return -EBADF;
	ucmd.ictx = f.file->private_data;
	rc = iommufd_ioas_alloc_ioctl(&ucmd);
	if (!rc && out_ioas_id)
		*out_ioas_id = cmd.out_ioas_id;
	fdput(&f);
	task_work_run();
	return rc;
}

/* ioctl(iommufd, IOMMU_HWPT_ALLOC, { .dev_id, .pt_id = ioas_id, .flags = IOMMU_HWPT_ALLOC_NEST_PARENT }) */
int ioctl_hwpt_alloc(struct file *iommufd, u32 dev_id, u32 ioas_id, u32 *out_hwpt_id)
{
	struct iommu_hwpt_alloc cmd = { .size = sizeof(cmd), .dev_id = dev_id, .pt_id = ioas_id };
	struct iommufd_ucmd ucmd = { .cmd = &cmd };
	struct fd f;
	int rc;

	fdget(&f, iommufd);
	if (!f.file)
		return -EBADF;
	ucmd.ictx = f.file->private_data;
	rc = iommufd_hwpt_alloc(&ucmd);
	if (!rc && out_hwpt_id)
		*out_hwpt_id = cmd.out_hwpt_id;
	fdput(&f);
	task_work_run();
	return rc;
}

/* ioctl(iommufd, IOMMU_VIOMMU_ALLOC, { .dev_id, .hwpt_id }): a vIOMMU on a nesting-parent HWPT */
int ioctl_viommu_alloc_on(struct file *iommufd, u32 dev_id, u32 hwpt_id, u32 *out_viommu_id)
{
	struct iommu_viommu_alloc cmd = { .size = sizeof(cmd), .dev_id = dev_id, .hwpt_id = hwpt_id };
	struct iommufd_ucmd ucmd = { .cmd = &cmd };
	struct fd f;
	int rc;

	fdget(&f, iommufd);
	if (!f.file)
		return -EBADF;
	ucmd.ictx = f.file->private_data;
	rc = iommufd_viommu_alloc_ioctl(&ucmd);
	if (!rc && out_viommu_id)
		*out_viommu_id = cmd.out_viommu_id;
	fdput(&f);
	task_work_run();
	return rc;
}

/* ioctl(iommufd, IOMMU_TEST_CMD, { .op = IOMMU_TEST_OP_MOCK_DOMAIN }): a mock device bound to the iommufd */
int ioctl_test_mock_domain(struct file *iommufd, u32 *out_stdev_id, u32 *out_idev_id)
{
	struct fd f;
	u32 stdev_id, idev_id;
	int rc;

	fdget(&f, iommufd);
	if (!f.file)
		return -EBADF;
	rc = iommufd_test_mock_domain(f.file->private_data, &stdev_id, &idev_id);
	if (!rc) {
		*out_stdev_id = stdev_id;
		*out_idev_id = idev_id;
	}
	fdput(&f);
	task_work_run();
	return rc;
}
