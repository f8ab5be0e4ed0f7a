/*
 * A driver written for 6.1 on a 6.2 core. "vfio: Remove vfio_free_device"
 * (6.2) made the core free the device after @release
 * (vfio_device_release(): release, then kvfree()). A driver whose @release
 * still frees the device (here with kvfree(), as vfio_free_device() did)
 * frees it twice. The 6.2 core release is replayed as posted (GPL-2.0):
 * the model's is replaced by it.
 */
static void vfio_device_release(struct device *dev)
{
	struct vfio_device *device = container_of(dev, struct vfio_device, device);

	vfio_release_device_set(device);
	ida_free(&vfio_device_ida, device->index);

	if (device->ops->release)
		device->ops->release(device);

	kvfree(device);
}

void mtty_release_dev(struct vfio_device *vdev)
{
	struct mdev_state *mdev_state = container_of(vdev, struct mdev_state, vdev);

	atomic_add(mdev_state->nr_ports, &mdev_avail_ports);
	kfree(mdev_state->vconfig);
	kvfree(vdev);
}

void mtty_remove(struct mdev_device *mdev)
{
	struct mdev_state *mdev_state = mdev->driver_data;

	vfio_unregister_group_dev(&mdev_state->vdev);
	vfio_put_device(&mdev_state->vdev);
}

void vfio_unregister_group_dev(struct vfio_device *device)
{
	unsigned int i = 0;
	bool interrupted = false;
	long rc;

	/* no new open through VFIO_GROUP_GET_DEVICE_FD */
	vfio_device_group_unregister(device);
	/* balances the device_add() of the register path */
	vfio_device_del(device);

	vfio_device_put_registration(device);
	rc = try_wait_for_completion(&device->comp);
	while (rc <= 0) {
		if (device->ops->request)
			device->ops->request(device, i++);

		if (interrupted) {
			rc = wait_for_completion_timeout(&device->comp, HZ * 10);
		} else {
			rc = wait_for_completion_interruptible_timeout(&device->comp, HZ * 10);
			if (rc < 0) {
				interrupted = true;
				dev_warn(device->dev, "Device is currently in use, blocked until device is released");
			}
		}
	}

	vfio_device_remove_group(device);
}
