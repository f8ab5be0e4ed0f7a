/*
 * [PATCH v3 06/15] vfio/mtty: Use the new device life cycle helpers (Yi Liu,
 * Kevin Tian's "Tidy up vfio_device life cycle" v3, Sept 2022): release
 * frees the device, then reads mdev_state->nr_ports, which lives in the
 * memory just freed (vdev is mdev_state's first member). Alex Williamson
 * found it in review; v4 moved the free last. mtty_release_dev() as posted
 * in v3 (GPL-2.0); the other two functions are the reference's.
 */
void mtty_release_dev(struct vfio_device *vdev)
{
	struct mdev_state *mdev_state = container_of(vdev, struct mdev_state, vdev);

	kfree(mdev_state->vconfig);
	vfio_free_device(vdev);
	atomic_add(mdev_state->nr_ports, &mdev_avail_ports);
}

void mtty_remove(struct mdev_device *mdev)
{
	struct mdev_state *mdev_state = mdev->driver_data;

	vfio_unregister_group_dev(&mdev_state->vdev);
	vfio_put_device(&mdev_state->vdev);
}

/* the reference unregister */
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
