/*
 * vfio-device-lifecycle: write the sample driver's @release and remove, and
 * the VFIO core's unregister. The model is Linux 6.1's VFIO core
 * (model/vfio-6.1/vfio_main.c) and an mtty-like sample driver
 * (model/vfio-6.1/mtty.c); read both before you start. This starter
 * compiles and is wrong.
 */

/*
 * @release of the sample driver: called by the core's
 * vfio_device_release() when the last reference on the device's struct
 * device goes. Give back what mtty_init_dev() took, and (Linux 6.1) free
 * the device.
 */
void mtty_release_dev(struct vfio_device *vdev)
{
	struct mdev_state *mdev_state = container_of(vdev, struct mdev_state, vdev);

	/* TODO */
}

/* The mediated device goes away: the driver lets go of its vfio_device. */
void mtty_remove(struct mdev_device *mdev)
{
	struct mdev_state *mdev_state = mdev->driver_data;

	/* TODO */
	vfio_unregister_group_dev(&mdev_state->vdev);
}

/*
 * Unregister a device: when this returns, no user may have it open and
 * none may open it again.
 */
void vfio_unregister_group_dev(struct vfio_device *device)
{
	/* TODO */
	vfio_device_put_registration(device);
}
