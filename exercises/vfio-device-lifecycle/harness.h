/*
 * Scenario harness for vfio-device-lifecycle: the VFIO core and the mtty
 * sample driver loaded, and mediated devices for the driver to bind.
 * Each scenario is its own translation unit with its own copy of these.
 */
static struct mdev_device mdev0 = { .type_group_id = 0 };	/* one port */
static struct mdev_device mdev1 = { .type_group_id = 1 };	/* two ports */

/* the user's request eventfds, one per device */
static struct eventfd_ctx req0;
static struct eventfd_ctx req1;

/* module init of vfio and mtty, and the eventfds */
static void load_modules(void)
{
	vfio_init();
	mtty_dev_init();
	eventfd_ctx_init(&req0);
	eventfd_ctx_init(&req1);
}

/* the vfio_device of a probed mdev */
static struct vfio_device *vdev_of(struct mdev_device *mdev)
{
	struct mdev_state *mdev_state = mdev->driver_data;

	return &mdev_state->vdev;
}

/* probe an mdev; returns its index (what userspace opens it by) */
static unsigned int probe(struct mdev_device *mdev)
{
	EXPECT_RET("mtty_probe", mtty_probe(mdev), 0);
	return vdev_of(mdev)->index;
}

/* open a device as a VFIO user does, with the request eventfd set */
static struct file *open_with_trigger(unsigned int index, struct eventfd_ctx *req)
{
	struct file *f = vfio_user_open(index);

	if (IS_ERR(f))
		return f;
	EXPECT_RET("VFIO_DEVICE_SET_IRQS(req)", vfio_user_set_req_trigger(f, req), 0);
	return f;
}

/* everything the driver and the core took is back: ports, sysfs entries */
static void check_all_released(void)
{
	INVARIANT(atomic_read(&mdev_avail_ports) == MAX_MTTYS, "every port is back in mdev_avail_ports");
	INVARIANT(atomic_read(&vfio_devices_added) == 0, "every device_add() has its device_del()");
}
