/*
 * The unregister as Linux 6.1 has it (drivers/vfio/vfio_main.c, v6.1): the
 * device leaves the group's list, and sysfs, only after the wait. Meanwhile
 * VFIO_GROUP_GET_DEVICE_FD still finds it, so a user that opens again
 * before closing keeps the registration count above 0, and the wait ends
 * only by its 10 s timeout, again and again. Yi Liu moved
 * vfio_device_group_unregister() and device_del() before the wait in 2023
 * (commits 291872a533a2 and 38c24544e10a, Linux 6.6).
 * The order of v6.1's function (GPL-2.0); the rest is the reference's.
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
	unsigned int i = 0;
	bool interrupted = false;
	long rc;

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

	vfio_device_group_unregister(device);
	/* Balances device_add in register path */
	vfio_device_del(device);
	vfio_device_remove_group(device);
}
