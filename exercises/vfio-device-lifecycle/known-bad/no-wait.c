/*
 * Plausible mistake: an unregister that asks the driver for the device
 * back once and returns without waiting for the completion. remove then
 * puts the memory while a user still has a file on it: the user's close
 * touches freed memory.
 */
void mtty_release_dev(struct vfio_device *vdev)
{
	struct mdev_state *mdev_state = container_of(vdev, struct mdev_state, vdev);

	atomic_add(mdev_state->nr_ports, &mdev_avail_ports);
	kfree(mdev_state->vconfig);
	vfio_free_device(vdev);
}

void mtty_remove(struct mdev_device *mdev)
{
	struct mdev_state *mdev_state = mdev->driver_data;

	vfio_unregister_group_dev(&mdev_state->vdev);
	vfio_put_device(&mdev_state->vdev);
}

void vfio_unregister_group_dev(struct vfio_device *device)
{
	vfio_device_group_unregister(device);
	vfio_device_del(device);
	vfio_device_put_registration(device);
	if (!try_wait_for_completion(&device->comp) && device->ops->request)
		device->ops->request(device, 0);
	vfio_device_remove_group(device);
}
