/*
 * The user-space side of the vfio-6.1 model: the calls scenarios make, as
 * a VFIO user (QEMU, say) makes them. A device file is named by its struct
 * file pointer; opens return it or ERR_PTR(-errno), the rest 0 or -errno.
 */

/* ioctl(group, VFIO_GROUP_GET_DEVICE_FD, "vfio<index>"): a file on the device, or ERR_PTR(-ENODEV). */
struct file *vfio_user_open(unsigned int index)
{
	return vfio_group_get_device_fd(&vfio_emulated_group, index);
}

/* close(fd) of the last descriptor of a device file: its release, then the file is freed (__fput()). */
int vfio_user_close(struct file *filep)
{
	vfio_device_fops_release(filep);
	kfree(filep);
	return 0;
}

/* ioctl(fd, VFIO_DEVICE_SET_IRQS, request index, eventfd): where the driver signals its requests. */
int vfio_user_set_req_trigger(struct file *filep, struct eventfd_ctx *trigger)
{
	return vfio_device_fops_unl_ioctl(filep, VFIO_DEVICE_SET_IRQS, trigger);
}

/* read(eventfd): sleep until the driver asked for the device back; returns how many times it asked. */
int vfio_user_wait_request(struct eventfd_ctx *trigger)
{
	return eventfd_read(trigger);
}
