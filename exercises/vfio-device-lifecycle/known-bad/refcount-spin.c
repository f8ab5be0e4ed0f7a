/*
 * Plausible mistake: the unregister polls the registration count instead of
 * waiting on the completion. The last user's put is two steps,
 * refcount_dec_and_test() and then complete(&device->comp): the poll can see
 * 0 between them, remove frees the device, and the user's complete() writes
 * freed memory. A completion makes the waiter wait for the complete()
 * itself, the last thing the user does to the device.
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

	/* no new open through VFIO_GROUP_GET_DEVICE_FD */
	vfio_device_group_unregister(device);
	/* balances the device_add() of the register path */
	vfio_device_del(device);

	vfio_device_put_registration(device);
	if (refcount_read(&device->refcount) && device->ops->request)
		device->ops->request(device, i++);
	while (refcount_read(&device->refcount))
		msleep(10);

	vfio_device_remove_group(device);
}
