/*
 * Teardown model of drivers/iommu/iommufd/device.c, Linux 6.17: the
 * iommufd_group that the devices of one iommu_group share, device bind and
 * unbind, and the idevice's pre_destroy and destroy. The learner writes
 * iommufd_device_remove_vdev(), which pre_destroy calls.
 *
 * The model's own code, with the upstream functions' order of shared
 * accesses, locks and refcount operations.
 */

/* The iommu core, reduced to what iommufd asks of it. */
static struct iommu_group *iommu_group_get(struct device *dev)
{
	return dev->iommu_group;
}

static void iommu_group_put(struct iommu_group *group)
{
}

static int iommu_group_id(struct iommu_group *group)
{
	return group->id;
}

/* DMA ownership always succeeds: the model has no other driver to conflict with. */
static int iommu_device_claim_dma_owner(struct device *dev, void *owner)
{
	return 0;
}

void iommu_device_release_dma_owner(struct device *dev)
{
}

struct iommu_device *__iommu_get_iommu_dev(struct device *dev)
{
	return dev->iommu_dev;
}

/*
 * Is `dev` one of the selftest's mock devices (selftest.c)? Those bind
 * without a reference on the iommufd file. Upstream compares dev->bus with
 * the mock bus; the model's struct device has no bus, so the mock bus's
 * name stands in (a pointer set once, before the device is shared).
 * Models iommufd_selftest_is_mock_dev() (Linux 6.17, selftest.c).
 */
bool iommufd_selftest_is_mock_dev(struct device *dev)
{
	return dev->init_name == iommufd_mock_bus_name;
}

/*
 * kref release of an igroup: clear its slot in ictx->groups if it is still
 * the one there (a newer igroup for the same group may have replaced it).
 * Models iommufd_group_release() (Linux 6.17).
 */
static void iommufd_group_release(struct kref *kref)
{
	struct iommufd_group *igroup = container_of(kref, struct iommufd_group, ref);
	struct iommufd_ctx *ictx = igroup->ictx;

	xa_cmpxchg(&ictx->groups, iommu_group_id(igroup->group), igroup, NULL,
		   GFP_KERNEL);
	iommu_group_put(igroup->group);
	mutex_destroy(&igroup->lock);
	kfree(igroup);
}

/* Models iommufd_put_group() (Linux 6.17). */
void iommufd_put_group(struct iommufd_group *group)
{
	kref_put(&group->ref, iommufd_group_release);
}

/*
 * A reference on `igroup` if it is live; under xa_lock of ictx->groups the
 * memory cannot go away, but its kref may already be 0 (being released).
 * Models iommufd_group_try_get() (Linux 6.17).
 */
static bool iommufd_group_try_get(struct iommufd_group *igroup,
				  struct iommu_group *group)
{
	if (!igroup)
		return false;
	/* the slot is indexed by the group's id, which is not reused while the group lives */
	if (WARN_ON(igroup->group != group))
		return false;
	return kref_get_unless_zero(&igroup->ref);
}

/*
 * The igroup of dev's iommu_group in this context, with a reference:
 * the live one if there is one, else a new one installed with cmpxchg
 * (retrying over a dying one, and yielding to a live one a racing bind
 * installed first). Models iommufd_get_group() (Linux 6.17) without the
 * PASID attach xarray and the software-MSI state.
 */
static struct iommufd_group *iommufd_get_group(struct iommufd_ctx *ictx,
					       struct device *dev)
{
	struct iommufd_group *new_igroup, *found, *expected;
	struct iommu_group *group;
	unsigned int id;

	group = iommu_group_get(dev);
	if (!group)
		return ERR_PTR(-ENODEV);
	id = iommu_group_id(group);

	xa_lock(&ictx->groups);
	found = xa_load(&ictx->groups, id);
	if (iommufd_group_try_get(found, group)) {
		xa_unlock(&ictx->groups);
		iommu_group_put(group);
		return found;
	}
	xa_unlock(&ictx->groups);

	new_igroup = kzalloc(sizeof(*new_igroup), GFP_KERNEL);
	if (!new_igroup) {
		iommu_group_put(group);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&new_igroup->ref);
	mutex_init(&new_igroup->lock);
	new_igroup->group = group;
	/* not a counted reference: whatever holds the igroup puts it before the ictx can go */
	new_igroup->ictx = ictx;

	expected = NULL;
	xa_lock(&ictx->groups);
	for (;;) {
		found = __xa_cmpxchg(&ictx->groups, id, expected, new_igroup, GFP_KERNEL);
		if (xa_is_err(found)) {
			xa_unlock(&ictx->groups);
			iommufd_put_group(new_igroup);
			return ERR_PTR(xa_err(found));
		}
		if (found == expected)
			break;
		if (iommufd_group_try_get(found, group)) {
			xa_unlock(&ictx->groups);
			iommufd_put_group(new_igroup);
			return found;
		}
		/* a dying igroup: replace it on the next try */
		expected = found;
	}
	xa_unlock(&ictx->groups);
	return new_igroup;
}

/*
 * Bind a physical device to the context: an IOMMUFD_OBJ_DEVICE object with
 * two users references (the xarray's and the binding driver's, which
 * iommufd_device_unbind() gives back) and a reference on the iommufd file.
 * *id receives the object ID. Returns the idev or an ERR_PTR.
 * Models iommufd_device_bind() (Linux 6.17) without the cache-coherency and
 * isolated-MSI checks.
 */
struct iommufd_device *iommufd_device_bind(struct iommufd_ctx *ictx,
					   struct device *dev, u32 *id)
{
	struct iommufd_object *obj;
	struct iommufd_device *idev;
	struct iommufd_group *igroup;
	int err;

	igroup = iommufd_get_group(ictx, dev);
	if (IS_ERR(igroup))
		return ERR_CAST(igroup);

	err = iommu_device_claim_dma_owner(dev, ictx);
	if (err) {
		iommufd_put_group(igroup);
		return ERR_PTR(err);
	}

	obj = _iommufd_object_alloc(ictx, sizeof(*idev), IOMMUFD_OBJ_DEVICE);
	if (IS_ERR(obj)) {
		iommu_device_release_dma_owner(dev);
		iommufd_put_group(igroup);
		return ERR_CAST(obj);
	}
	idev = container_of(obj, struct iommufd_device, obj);
	idev->ictx = ictx;
	if (!iommufd_selftest_is_mock_dev(dev))
		iommufd_ctx_get(ictx);
	idev->dev = dev;
	/* the driver's reference, held until unbind */
	refcount_inc(&idev->obj.users);
	/* our igroup reference becomes the idev's */
	idev->igroup = igroup;

	iommufd_object_finalize(ictx, &idev->obj);
	*id = idev->obj.id;
	return idev;
}

/*
 * Called by a REMOVE_WAIT destroy of the idev when wait_cnt did not drop to
 * 0 at once: revoke what it can (the vdev's reference) so the wait ends.
 * Models iommufd_device_pre_destroy() (Linux 6.17).
 */
void iommufd_device_pre_destroy(struct iommufd_object *obj)
{
	iommufd_device_remove_vdev(container_of(obj, struct iommufd_device, obj));
}

/*
 * Final teardown of an idev (its memory is freed by the caller). Models
 * iommufd_device_destroy() (Linux 6.17), plus the exercise's invariant.
 */
void iommufd_device_destroy(struct iommufd_object *obj)
{
	struct iommufd_device *idev = container_of(obj, struct iommufd_device, obj);

	/*
	 * Not upstream: the model's check that a vdev never outlives its idev.
	 * data_race(): the check is the model's, not an access for KCSAN to judge.
	 */
	INVARIANT(data_race(idev->vdev) == NULL, "no vdev outlives its idev");

	iommu_device_release_dma_owner(idev->dev);
	iommufd_put_group(idev->igroup);
	if (!iommufd_selftest_is_mock_dev(idev->dev))
		iommufd_ctx_put(idev->ictx);
}

/*
 * The driver is done with the device: give back its users reference by
 * destroying the idev, which must not fail (a kernel destroy: REMOVE_WAIT).
 * Models iommufd_device_unbind() (Linux 6.17).
 */
void iommufd_device_unbind(struct iommufd_device *idev)
{
	iommufd_object_destroy_user(idev->ictx, &idev->obj);
}
