/*
 * Teardown model of the vfio_device life cycle in drivers/vfio/vfio_main.c,
 * Linux 6.1 (Kevin Tian's "Tidy up vfio_device life cycle", v4, applied for
 * 6.1): allocation and init, the struct device release, registration with
 * its user count and completion, the device set, and the group path that
 * opens and closes device files. Containers, IOMMU groups, KVM, modules and
 * the noiommu mode are left out; the model has one emulated-IOMMU group
 * for every device (upstream gives mtty a group per device), so there is no
 * group life cycle to model.
 *
 * The learner writes vfio_unregister_group_dev() (exercise
 * vfio-device-lifecycle); everything else here is the model's own code,
 * each function with its upstream counterpart's order of shared accesses,
 * locks, refcount operations and waits.
 */

/* Upstream: the device_ida of `static struct vfio vfio` (6.1). */
static DEFINE_IDA(vfio_device_ida);
/* Upstream: vfio_device_set_xa (6.1): one device set per set_id. */
static DEFINE_XARRAY(vfio_device_set_xa);
/* The one group of the model (see above). */
struct vfio_group vfio_emulated_group;
/* Devices between vfio_device_add() and vfio_device_del(): what sysfs shows under vfio-dev/. */
atomic_t vfio_devices_added;

/* Module init: the group's lock and list. Upstream: vfio_init() (6.1), reduced. */
int vfio_init(void)
{
	mutex_init(&vfio_emulated_group.device_lock);
	INIT_LIST_HEAD(&vfio_emulated_group.device_list);
	return 0;
}

/*
 * Put the device in the set of `set_id`, creating the set on first use;
 * -ENOMEM when it cannot be allocated. Upstream: vfio_assign_device_set()
 * (6.1), with xa_lock() and __xa_cmpxchg() as upstream has them.
 */
int vfio_assign_device_set(struct vfio_device *device, void *set_id)
{
	unsigned long idx = (unsigned long)set_id;
	struct vfio_device_set *new_dev_set;
	struct vfio_device_set *dev_set;

	if (WARN_ON(!set_id))
		return -EINVAL;

	xa_lock(&vfio_device_set_xa);
	dev_set = xa_load(&vfio_device_set_xa, idx);
	if (dev_set)
		goto found_get_ref;
	xa_unlock(&vfio_device_set_xa);

	new_dev_set = kzalloc(sizeof(*new_dev_set), GFP_KERNEL);
	if (!new_dev_set)
		return -ENOMEM;
	mutex_init(&new_dev_set->lock);
	INIT_LIST_HEAD(&new_dev_set->device_list);
	new_dev_set->set_id = set_id;

	xa_lock(&vfio_device_set_xa);
	dev_set = __xa_cmpxchg(&vfio_device_set_xa, idx, NULL, new_dev_set, GFP_KERNEL);
	if (!dev_set) {
		dev_set = new_dev_set;
		goto found_get_ref;
	}
	kfree(new_dev_set);
	if (xa_is_err(dev_set)) {
		xa_unlock(&vfio_device_set_xa);
		return xa_err(dev_set);
	}

found_get_ref:
	dev_set->device_count++;
	xa_unlock(&vfio_device_set_xa);
	mutex_lock(&dev_set->lock);
	device->dev_set = dev_set;
	list_add_tail(&device->dev_set_list, &dev_set->device_list);
	mutex_unlock(&dev_set->lock);
	return 0;
}

/* Leave the device set; the last device frees it. Upstream: vfio_release_device_set() (6.1). */
static void vfio_release_device_set(struct vfio_device *device)
{
	struct vfio_device_set *dev_set = device->dev_set;

	if (!dev_set)
		return;

	mutex_lock(&dev_set->lock);
	list_del(&device->dev_set_list);
	mutex_unlock(&dev_set->lock);

	xa_lock(&vfio_device_set_xa);
	if (!--dev_set->device_count) {
		__xa_erase(&vfio_device_set_xa, (unsigned long)dev_set->set_id);
		mutex_destroy(&dev_set->lock);
		kfree(dev_set);
	}
	xa_unlock(&vfio_device_set_xa);
}

/*
 * The struct device release: the last vfio_put_device() ends here. Leaves
 * the device set, gives the index back, then calls the driver's release.
 * Upstream: vfio_device_release() (6.1).
 */
static void vfio_device_release(struct device *dev)
{
	struct vfio_device *device = container_of(dev, struct vfio_device, device);

	vfio_release_device_set(device);
	ida_free(&vfio_device_ida, device->index);

	/*
	 * 6.1: kvfree() cannot be done here (vfio-ccw's life cycle): every
	 * driver has a @release, and it frees the device, as its last step.
	 */
	device->ops->release(device);
}

/*
 * Initialise a zeroed vfio_device: an index, the completion, the driver's
 * init; only then the struct device, so a failed init never reaches
 * @release. Upstream: vfio_init_device() (6.1).
 */
static int vfio_init_device(struct vfio_device *device, struct device *dev,
			    const struct vfio_device_ops *ops)
{
	int ret;

	ret = ida_alloc_max(&vfio_device_ida, MINORMASK, GFP_KERNEL);
	if (ret < 0)
		return ret;

	device->index = ret;
	init_completion(&device->comp);
	device->dev = dev;
	device->ops = ops;

	if (ops->init) {
		ret = ops->init(device);
		if (ret)
			goto out_uninit;
	}

	device_initialize(&device->device);
	device->device.release = vfio_device_release;
	return 0;

out_uninit:
	vfio_release_device_set(device);
	ida_free(&vfio_device_ida, device->index);
	return ret;
}

/*
 * Allocate `size` bytes (the driver's state, its vfio_device first) and
 * initialise it; the caller owns the struct device reference. ERR_PTR on
 * failure, with nothing left allocated. Upstream: _vfio_alloc_device() (6.1).
 */
struct vfio_device *_vfio_alloc_device(size_t size, struct device *dev,
				       const struct vfio_device_ops *ops)
{
	struct vfio_device *device;
	int ret;

	device = kvzalloc(size, GFP_KERNEL);
	if (!device)
		return ERR_PTR(-ENOMEM);

	ret = vfio_init_device(device, dev, ops);
	if (ret)
		goto out_free;
	return device;

out_free:
	kvfree(device);
	return ERR_PTR(ret);
}

/* What a 6.1 driver's @release calls last. Upstream: vfio_free_device() (6.1; gone in 6.2). */
void vfio_free_device(struct vfio_device *device)
{
	kvfree(device);
}

/* Drop the driver's reference on the memory. Upstream: vfio_put_device() (6.1, include/linux/vfio.h). */
void vfio_put_device(struct vfio_device *device)
{
	put_device(&device->device);
}

/*
 * device_add(&device->device): the device appears in sysfs (the fault site
 * "device_add" stands for the driver core's failures). Upstream: the
 * device_add() call of __vfio_register_dev() (6.1); vfio_device_add() from 6.6.
 */
int vfio_device_add(struct vfio_device *device)
{
	if (should_fail("device_add"))
		return -ENOMEM;
	device->added = true;
	atomic_inc(&vfio_devices_added);
	return 0;
}

/* device_del(&device->device). Upstream: the device_del() call of vfio_unregister_group_dev() (6.1). */
void vfio_device_del(struct vfio_device *device)
{
	if (WARN_ON(!device->added))
		return;
	device->added = false;
	atomic_dec(&vfio_devices_added);
}

/*
 * Make the device findable and openable: its device set (a set of its own
 * unless the driver chose one), sysfs, the registration count at 1, then
 * the group's list. Upstream: __vfio_register_dev() (6.1), without the
 * duplicate check and the group reference; as in 6.1, the return of
 * vfio_assign_device_set() is not checked.
 */
static int __vfio_register_dev(struct vfio_device *device, struct vfio_group *group)
{
	int ret;

	if (!device->dev_set)
		vfio_assign_device_set(device, device);

	device->group = group;

	ret = vfio_device_add(device);
	if (ret)
		return ret;

	/* Refcounting can't start until the driver calls register */
	refcount_set(&device->refcount, 1);

	mutex_lock(&group->device_lock);
	list_add(&device->group_next, &group->device_list);
	mutex_unlock(&group->device_lock);
	return 0;
}

/* Upstream: vfio_register_emulated_iommu_dev() (6.1); the model's one group stands for the new emulated one. */
int vfio_register_emulated_iommu_dev(struct vfio_device *device)
{
	return __vfio_register_dev(device, &vfio_emulated_group);
}

/* Drop one user of the registration; the last one completes comp. Upstream: vfio_device_put_registration() (6.1). */
void vfio_device_put_registration(struct vfio_device *device)
{
	if (refcount_dec_and_test(&device->refcount))
		complete(&device->comp);
}

/* A new user of the registration, unless it dropped to 0. Upstream: vfio_device_try_get_registration() (6.1). */
bool vfio_device_try_get_registration(struct vfio_device *device)
{
	return refcount_inc_not_zero(&device->refcount);
}

/*
 * Take the device off the group's list: VFIO_GROUP_GET_DEVICE_FD no longer
 * finds it. Upstream: the list_del() under group->device_lock in 6.1's
 * vfio_unregister_group_dev(); vfio_device_group_unregister() from 6.2.
 */
void vfio_device_group_unregister(struct vfio_device *device)
{
	struct vfio_group *group = device->group;

	mutex_lock(&group->device_lock);
	list_del(&device->group_next);
	mutex_unlock(&group->device_lock);
}

/* Balances the group set at register. Upstream: vfio_device_remove_group() (6.2, group.c); the group is static. */
void vfio_device_remove_group(struct vfio_device *device)
{
	WRITE_ONCE(device->group, NULL);
}

/*
 * Find a registered device of the group and take a user of its
 * registration, under the group's device_lock; ERR_PTR(-ENODEV) when there
 * is none. Upstream: vfio_device_get_from_name() (6.1); the model matches
 * the index (vfio%d) instead of the name.
 */
static struct vfio_device *vfio_device_get_from_name(struct vfio_group *group, unsigned int index)
{
	struct vfio_device *it, *device = ERR_PTR(-ENODEV);

	mutex_lock(&group->device_lock);
	list_for_each_entry(it, &group->device_list, group_next) {
		if (it->index == index && vfio_device_try_get_registration(it)) {
			device = it;
			break;
		}
	}
	mutex_unlock(&group->device_lock);
	return device;
}

/*
 * Open a file on a device whose registration the caller holds: the first
 * open calls the driver's open_device under the set's lock. Upstream:
 * vfio_device_open() (6.1) without containers, KVM and modules.
 */
static struct file *vfio_device_open(struct vfio_device *device)
{
	struct file *filep;
	int ret = 0;

	mutex_lock(&device->dev_set->lock);
	device->open_count++;
	if (device->open_count == 1 && device->ops->open_device) {
		ret = device->ops->open_device(device);
		if (ret)
			goto err_undo_count;
	}
	mutex_unlock(&device->dev_set->lock);

	/* anon_inode_getfile("[vfio-device]", &vfio_device_fops, device, O_RDWR) */
	filep = kzalloc(sizeof(*filep), GFP_KERNEL);
	if (!filep) {
		ret = -ENOMEM;
		goto err_close_device;
	}
	filep->private_data = device;
	return filep;

err_close_device:
	mutex_lock(&device->dev_set->lock);
	if (device->open_count == 1 && device->ops->close_device)
		device->ops->close_device(device);
err_undo_count:
	device->open_count--;
	mutex_unlock(&device->dev_set->lock);
	return ERR_PTR(ret);
}

/*
 * VFIO_GROUP_GET_DEVICE_FD: find the device, take a user of its
 * registration for the file, open it. Upstream:
 * vfio_group_get_device_fd() (6.1); the file stands for the descriptor.
 */
struct file *vfio_group_get_device_fd(struct vfio_group *group, unsigned int index)
{
	struct vfio_device *device;
	struct file *filep;

	device = vfio_device_get_from_name(group, index);
	if (IS_ERR(device))
		return ERR_CAST(device);

	filep = vfio_device_open(device);
	if (IS_ERR(filep))
		vfio_device_put_registration(device);
	return filep;
}

/*
 * The last close of a device file: the last one to close the device calls
 * close_device under the set's lock, then the file's user of the
 * registration goes. Upstream: vfio_device_fops_release() (6.1).
 */
int vfio_device_fops_release(struct file *filep)
{
	struct vfio_device *device = filep->private_data;

	mutex_lock(&device->dev_set->lock);
	WARN_ON(!device->open_count);
	if (device->open_count == 1 && device->ops->close_device)
		device->ops->close_device(device);
	device->open_count--;
	mutex_unlock(&device->dev_set->lock);

	vfio_device_put_registration(device);
	return 0;
}

/* ioctl() on a device file: the driver's. Upstream: vfio_device_fops_unl_ioctl() (6.1). */
long vfio_device_fops_unl_ioctl(struct file *filep, unsigned int cmd, void *arg)
{
	struct vfio_device *device = filep->private_data;

	if (!device->ops->ioctl)
		return -EINVAL;
	return device->ops->ioctl(device, cmd, arg);
}
