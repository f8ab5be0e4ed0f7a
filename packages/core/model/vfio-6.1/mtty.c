/*
 * Teardown model of samples/vfio-mdev/mtty.c, Linux 6.1 (patch 06/15 of
 * "Tidy up vfio_device life cycle" v4, Yi Liu): a mediated serial device
 * whose ports come from a global pool. init takes the ports and allocates
 * the config space, release gives both back; probe allocates through the
 * core and registers, remove unregisters and puts.
 *
 * Not upstream: the request callback. 6.1's mtty has none; the model's is
 * vfio-pci's (vfio_pci_core_request()), so that the unregister's wait can
 * ask the user to close, and the eventfd it signals is registered and
 * cleared as vfio-pci's req_trigger is (VFIO_DEVICE_SET_IRQS, close).
 *
 * The learner writes mtty_release_dev() and mtty_remove() (exercise
 * vfio-device-lifecycle).
 */

/* Upstream: MAX_MTTYS (24); the model's pool is smaller. */
#define MAX_MTTYS 4
/* Upstream: MTTY_CONFIG_SPACE_SIZE. */
#define MTTY_CONFIG_SPACE_SIZE 0xff

/* Ports not given to any device. Upstream: mdev_avail_ports (6.1). */
atomic_t mdev_avail_ports;

/* The driver's state; the core's vfio_device first, so one allocation holds both. Upstream: struct mdev_state (6.1). */
struct mdev_state {
	struct vfio_device vdev;
	struct mdev_device *mdev;
	int nr_ports;
	u8 *vconfig;
	struct mutex ops_lock;
	/* vfio-pci's req_trigger: the eventfd the request callback signals, under ops_lock */
	struct eventfd_ctx *req_trigger;
};

void mtty_release_dev(struct vfio_device *vdev);

/* Module init: every port is available. Upstream: the atomic_set() of mtty_dev_init() (6.1). */
int mtty_dev_init(void)
{
	atomic_set(&mdev_avail_ports, MAX_MTTYS);
	return 0;
}

/*
 * @init: take nr_ports from the pool (a compare-and-exchange loop), then
 * allocate the config space; on failure the ports go back. -ENOSPC when the
 * pool is short. Upstream: mtty_init_dev() (6.1), with atomic_cmpxchg()
 * for atomic_try_cmpxchg(); a device with a set_id joins that device set.
 */
static int mtty_init_dev(struct vfio_device *vdev)
{
	struct mdev_state *mdev_state = container_of(vdev, struct mdev_state, vdev);
	struct mdev_device *mdev = container_of(vdev->dev, struct mdev_device, dev);
	int nr_ports = mdev->type_group_id + 1;
	int avail_ports = atomic_read(&mdev_avail_ports);
	int old;
	int ret;

	for (;;) {
		if (avail_ports < nr_ports)
			return -ENOSPC;
		old = atomic_cmpxchg(&mdev_avail_ports, avail_ports, avail_ports - nr_ports);
		if (old == avail_ports)
			break;
		avail_ports = old;
	}

	mdev_state->nr_ports = nr_ports;
	mdev_state->vconfig = kzalloc(MTTY_CONFIG_SPACE_SIZE, GFP_KERNEL);
	if (!mdev_state->vconfig) {
		ret = -ENOMEM;
		goto err_nr_ports;
	}
	if (mdev->set_id) {
		ret = vfio_assign_device_set(vdev, mdev->set_id);
		if (ret)
			goto err_vconfig;
	}
	mutex_init(&mdev_state->ops_lock);
	mdev_state->mdev = mdev;
	return 0;

err_vconfig:
	kfree(mdev_state->vconfig);
err_nr_ports:
	atomic_add(nr_ports, &mdev_avail_ports);
	return ret;
}

/* @close_device: the last close drops the request eventfd. Upstream: vfio_pci_core_close_device()'s (6.1). */
static void mtty_close_device(struct vfio_device *vdev)
{
	struct mdev_state *mdev_state = container_of(vdev, struct mdev_state, vdev);

	mutex_lock(&mdev_state->ops_lock);
	mdev_state->req_trigger = NULL;
	mutex_unlock(&mdev_state->ops_lock);
}

/* @ioctl: VFIO_DEVICE_SET_IRQS on the request index. Upstream: vfio_pci_set_req_trigger() (6.1), reduced. */
static long mtty_ioctl(struct vfio_device *vdev, unsigned int cmd, void *arg)
{
	struct mdev_state *mdev_state = container_of(vdev, struct mdev_state, vdev);

	if (cmd != VFIO_DEVICE_SET_IRQS)
		return -EINVAL;
	mutex_lock(&mdev_state->ops_lock);
	mdev_state->req_trigger = arg;
	mutex_unlock(&mdev_state->ops_lock);
	return 0;
}

/*
 * @request: the unregister asks for the device back (count: how many times
 * it asked before). Signals the user's eventfd if one is set, else says
 * once that it cannot. Upstream: vfio_pci_core_request() (6.1).
 */
static void mtty_request(struct vfio_device *vdev, unsigned int count)
{
	struct mdev_state *mdev_state = container_of(vdev, struct mdev_state, vdev);

	mutex_lock(&mdev_state->ops_lock);
	if (mdev_state->req_trigger) {
		if (!(count % 10))
			dev_info(vdev->dev, "Relaying device request to user (#%u)\n", count);
		eventfd_signal(mdev_state->req_trigger, 1);
	} else if (count == 0) {
		dev_warn(vdev->dev, "No device request channel registered, blocked until released by user\n");
	}
	mutex_unlock(&mdev_state->ops_lock);
}

/* Upstream: mtty_dev_ops (6.1), the callbacks the life cycle uses, plus the request of the model. */
static const struct vfio_device_ops mtty_dev_ops = {
	.init = mtty_init_dev,
	.release = mtty_release_dev,
	.close_device = mtty_close_device,
	.ioctl = mtty_ioctl,
	.request = mtty_request,
};

/*
 * A mediated device is created: allocate the state with the core (which
 * calls init), register it; on a failed register, the put releases
 * everything init took. Upstream: mtty_probe() (6.1).
 */
int mtty_probe(struct mdev_device *mdev)
{
	struct mdev_state *mdev_state;
	int ret;

	mdev_state = container_of(_vfio_alloc_device(sizeof(struct mdev_state), &mdev->dev, &mtty_dev_ops),
				  struct mdev_state, vdev);
	if (IS_ERR(mdev_state))
		return PTR_ERR(mdev_state);

	ret = vfio_register_emulated_iommu_dev(&mdev_state->vdev);
	if (ret)
		goto err_put_vdev;
	mdev->driver_data = mdev_state;
	return 0;

err_put_vdev:
	vfio_put_device(&mdev_state->vdev);
	return ret;
}
