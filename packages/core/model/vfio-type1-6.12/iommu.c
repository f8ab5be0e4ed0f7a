/*
 * Teardown model of the IOMMU core, drivers/iommu/iommu.c, Linux 6.12: a
 * group's devices under group->mutex, probe and release of a device, a
 * paging domain allocated through a device (the owner is the driver's ops),
 * attach and detach of a whole group, map, unmap and iova_to_phys.
 *
 * Left out: default domains, PASIDs, DMA cookies, reserved regions, the
 * group's sysfs and its kref, DMA ownership claims. A group that VFIO holds
 * sits on its driver's blocked domain (what iommu_group_claim_dma_owner()
 * leaves it on), and detach puts it back there, as
 * __iommu_group_set_core_domain() does for an owned group.
 */

/* Upstream: list_count_nodes() (include/linux/list.h). */
static size_t list_count_nodes(struct list_head *head)
{
	struct list_head *pos;
	size_t count = 0;

	for (pos = head->next; pos != head; pos = pos->next)
		count++;
	return count;
}

/* The ops of the IOMMU a device sits behind. Upstream: dev_iommu_ops() (6.12). */
static const struct iommu_ops *dev_iommu_ops(struct device *dev)
{
	return dev->iommu_dev->ops;
}

/* An empty group, on no domain yet. Upstream: the initialisation part of iommu_group_alloc() (6.12). */
void iommu_group_init(struct iommu_group *group, int id)
{
	group->id = id;
	mutex_init(&group->mutex);
	INIT_LIST_HEAD(&group->devices);
}

/* Upstream: iommu_group_first_dev() (6.12): the caller holds group->mutex. */
static struct device *iommu_group_first_dev(struct iommu_group *group)
{
	lockdep_assert_held(&group->mutex);
	return list_first_entry(&group->devices, struct group_device, list)->dev;
}

/*
 * A device appears behind `iommu_dev`, in `group`: the driver's
 * probe_device sets up its per-device data, then the device joins the
 * group, on the group's current domain. Upstream: __iommu_probe_device()
 * and iommu_group_add_device() (6.12), reduced; -ENOMEM.
 */
int iommu_probe_device(struct device *dev, struct iommu_device *iommu_dev, struct iommu_group *group)
{
	struct group_device *gdev;
	struct iommu_device *probed;

	dev->iommu_dev = iommu_dev;
	probed = dev_iommu_ops(dev)->probe_device(dev);
	if (IS_ERR(probed))
		return PTR_ERR(probed);

	gdev = kzalloc(sizeof(*gdev), GFP_KERNEL);
	if (!gdev)
		return -ENOMEM;
	gdev->dev = dev;

	mutex_lock(&group->mutex);
	dev->iommu_group = group;
	if (!group->domain)
		group->domain = dev_iommu_ops(dev)->blocked_domain;
	WARN_ON(group->domain->ops->attach_dev(group->domain, dev));
	list_add_tail(&gdev->list, &group->devices);
	mutex_unlock(&group->mutex);
	return 0;
}

/*
 * The device goes away (device_del() of a hot-unplug): it leaves its group,
 * and the driver's release_device frees its per-device data. Upstream:
 * iommu_release_device() -> __iommu_group_remove_device() ->
 * iommu_deinit_device() (6.12), reduced.
 */
void iommu_release_device(struct device *dev)
{
	struct iommu_group *group = dev->iommu_group;
	struct group_device *gdev;

	mutex_lock(&group->mutex);
	list_for_each_entry(gdev, &group->devices, list) {
		if (gdev->dev == dev)
			break;
	}
	list_del(&gdev->list);
	kfree(gdev);
	dev_iommu_ops(dev)->release_device(dev);
	dev->iommu_group = NULL;
	mutex_unlock(&group->mutex);
}

/*
 * Call fn(dev, data) for each device of the group, under group->mutex,
 * until one returns non-zero (returned). Upstream:
 * iommu_group_for_each_dev() (6.12).
 */
int iommu_group_for_each_dev(struct iommu_group *group, void *data, int (*fn)(struct device *, void *))
{
	struct group_device *device;
	int ret = 0;

	mutex_lock(&group->mutex);
	list_for_each_entry(device, &group->devices, list) {
		ret = fn(device->dev, data);
		if (ret)
			break;
	}
	mutex_unlock(&group->mutex);
	return ret;
}

/*
 * A paging domain from the IOMMU `dev` sits behind. The device only picks
 * the driver and its instance: the core records the driver's ops as the
 * owner, never the device. ERR_PTR(-ENOMEM) when the driver returns NULL.
 * Upstream: iommu_paging_domain_alloc() and __iommu_domain_alloc() (6.12).
 */
struct iommu_domain *iommu_paging_domain_alloc(struct device *dev)
{
	const struct iommu_ops *ops = dev_iommu_ops(dev);
	struct iommu_domain *domain;

	domain = ops->domain_alloc_paging(dev);
	if (IS_ERR(domain))
		return domain;
	if (!domain)
		return ERR_PTR(-ENOMEM);

	domain->type = IOMMU_DOMAIN_UNMANAGED;
	domain->owner = ops;
	if (!domain->ops)
		domain->ops = ops->default_domain_ops;
	return domain;
}

/* The driver frees the domain. Upstream: iommu_domain_free() (6.12), without the cookies. */
void iommu_domain_free(struct iommu_domain *domain)
{
	if (domain->ops->free)
		domain->ops->free(domain);
}

/*
 * Point every device of the group at new_domain, in list order; when one
 * refuses, point the ones already moved back at the group's domain and
 * return its error. Upstream: __iommu_group_set_domain_internal() and
 * __iommu_attach_device() (6.12). The fault site "attach_dev" stands for
 * the driver refusing (an entry it cannot allocate).
 */
static int __iommu_group_set_domain(struct iommu_group *group, struct iommu_domain *new_domain)
{
	struct group_device *gdev, *last_gdev;
	int ret = 0;

	if (group->domain == new_domain)
		return 0;

	list_for_each_entry(gdev, &group->devices, list) {
		if (new_domain->type != IOMMU_DOMAIN_BLOCKED && should_fail("attach_dev"))
			ret = -ENOMEM;
		else
			ret = new_domain->ops->attach_dev(new_domain, gdev->dev);
		if (ret)
			goto err_revert;
	}
	group->domain = new_domain;
	return 0;

err_revert:
	last_gdev = gdev;
	list_for_each_entry(gdev, &group->devices, list) {
		if (gdev == last_gdev)
			break;
		WARN_ON(group->domain->ops->attach_dev(group->domain, gdev->dev));
	}
	return ret;
}

/*
 * The caller holds group->mutex. -EBUSY when the group is on another
 * (non-blocked) domain already, -EINVAL when the domain's owner is not
 * the group's driver. Upstream: __iommu_attach_group() (6.12).
 */
static int __iommu_attach_group(struct iommu_domain *domain, struct iommu_group *group)
{
	struct device *dev;

	if (group->domain && group->domain->type != IOMMU_DOMAIN_BLOCKED)
		return -EBUSY;

	dev = iommu_group_first_dev(group);
	if (dev_iommu_ops(dev) != domain->owner)
		return -EINVAL;

	return __iommu_group_set_domain(group, domain);
}

/* Attach a whole group to a domain; 0, -EBUSY, -EINVAL or the driver's error. Upstream: iommu_attach_group() (6.12). */
int iommu_attach_group(struct iommu_domain *domain, struct iommu_group *group)
{
	int ret;

	mutex_lock(&group->mutex);
	ret = __iommu_attach_group(domain, group);
	mutex_unlock(&group->mutex);
	return ret;
}

/* Upstream: __iommu_group_set_core_domain() (6.12) for an owned group: back to the blocked domain; cannot fail. */
static void __iommu_group_set_core_domain(struct iommu_group *group)
{
	struct iommu_domain *blocked = dev_iommu_ops(iommu_group_first_dev(group))->blocked_domain;

	WARN_ON(__iommu_group_set_domain(group, blocked));
}

/* Detach a group from its domain: the group goes back to blocking DMA. Upstream: iommu_detach_group() (6.12). */
void iommu_detach_group(struct iommu_domain *domain, struct iommu_group *group)
{
	mutex_lock(&group->mutex);
	__iommu_group_set_core_domain(group);
	mutex_unlock(&group->mutex);
}

/*
 * Attach one device: only a device alone in its group may be attached on
 * its own (-EINVAL otherwise: the group is the unit of isolation).
 * Upstream: iommu_attach_device() (6.12).
 */
int iommu_attach_device(struct iommu_domain *domain, struct device *dev)
{
	struct iommu_group *group = dev->iommu_group;
	int ret;

	if (!group)
		return -ENODEV;

	mutex_lock(&group->mutex);
	ret = -EINVAL;
	if (list_count_nodes(&group->devices) != 1)
		goto out_unlock;
	ret = __iommu_attach_group(domain, group);
out_unlock:
	mutex_unlock(&group->mutex);
	return ret;
}

/* Upstream: iommu_detach_device() (6.12). */
void iommu_detach_device(struct iommu_domain *domain, struct device *dev)
{
	struct iommu_group *group = dev->iommu_group;

	if (!group)
		return;

	mutex_lock(&group->mutex);
	if (WARN_ON(domain != group->domain) || WARN_ON(list_count_nodes(&group->devices) != 1))
		goto out_unlock;
	__iommu_group_set_core_domain(group);
out_unlock:
	mutex_unlock(&group->mutex);
}

/* Map npages at iova; 0 or the driver's error. Upstream: iommu_map() (6.12), one map_pages call. */
int iommu_map(struct iommu_domain *domain, unsigned long iova, size_t npages)
{
	return domain->ops->map_pages(domain, iova, npages);
}

/*
 * Unmap npages at iova, then flush the IOTLB; returns the pages unmapped.
 * Upstream: iommu_unmap() (6.12): __iommu_unmap() then iommu_iotlb_sync(),
 * whose driver op the model's flush_iotlb_all stands for.
 */
size_t iommu_unmap(struct iommu_domain *domain, unsigned long iova, size_t npages)
{
	size_t unmapped = domain->ops->unmap_pages(domain, iova, npages);

	domain->ops->flush_iotlb_all(domain);
	return unmapped;
}

/* What a device's DMA to iova reaches through the domain (0: a fault). Upstream: iommu_iova_to_phys() (6.12). */
unsigned long iommu_iova_to_phys(struct iommu_domain *domain, unsigned long iova)
{
	if (domain->type == IOMMU_DOMAIN_BLOCKED)
		return 0;
	return domain->ops->iova_to_phys(domain, iova);
}
