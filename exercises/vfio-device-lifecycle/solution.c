/*
 * Reference solution of vfio-device-lifecycle: the sample driver's release
 * and remove as mtty has them in Linux 6.1 (the v4 series that Alex
 * Williamson applied), and the core's unregister in the order upstream has
 * had since Yi Liu's 2023 reorder (the device is unfindable before the
 * wait). Upstream code is GPL-2.0; these are the project's own renderings.
 */

/*
 * @release, the one place that frees: the ports go back to the pool and
 * the config space is freed while mdev_state is still alive, and the
 * device (which is mdev_state: vdev is its first member) goes last.
 */
void mtty_release_dev(struct vfio_device *vdev)
{
	struct mdev_state *mdev_state = container_of(vdev, struct mdev_state, vdev);

	atomic_add(mdev_state->nr_ports, &mdev_avail_ports);
	kfree(mdev_state->vconfig);
	vfio_free_device(vdev);
}

/* The driver is unbound: wait until no user is left, then drop the driver's reference on the memory. */
void mtty_remove(struct mdev_device *mdev)
{
	struct mdev_state *mdev_state = mdev->driver_data;

	vfio_unregister_group_dev(&mdev_state->vdev);
	vfio_put_device(&mdev_state->vdev);
}

/*
 * Make the device unfindable, drop the registration's own user, and wait
 * for the completion that the last user's put signals, asking the driver
 * every 10 s to get the device back from userspace.
 */
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
