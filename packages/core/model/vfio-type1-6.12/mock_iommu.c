/*
 * A toy IOMMU driver, in the manner of the iommufd selftest's mock
 * (drivers/iommu/iommufd/selftest.c, 6.12) and of the real drivers'
 * instance/master/domain split (arm-smmu-v3, intel): each instance has a
 * lock and counters the hardware would keep, each device a master (its
 * per-device data, dev->iommu->priv), each paging domain a page table.
 *
 * The learner writes the domain ops that decide what a domain remembers:
 * mock_domain_alloc_paging(), mock_domain_attach_dev(),
 * mock_domain_flush_iotlb_all() and mock_domain_free() (exercise
 * domain-sharing). The model gives probe and release of a device, the
 * blocked domain, map_pages, unmap_pages and iova_to_phys (which touch only
 * the domain's own page table), and the devices' hot-unplug.
 */

/* Initialise an instance. Upstream: a driver's probe of its IOMMU, reduced to iommu_device_register()'s ops. */
void mock_iommu_init(struct mock_iommu *iommu, int id)
{
	iommu->iommu.id = id;
	iommu->iommu.ops = &mock_iommu_ops;
	spin_lock_init(&iommu->lock);
}

/* Upstream: dev_iommu_priv_get() (include/linux/iommu.h). */
struct mock_iommu_master *dev_iommu_priv_get(struct device *dev)
{
	return dev->iommu_priv;
}

/* The instance a device sits behind. Upstream: iommu_get_iommu_dev(dev, struct mock_iommu, iommu) (6.12). */
struct mock_iommu *mock_iommu_of(struct device *dev)
{
	return container_of(dev->iommu_dev, struct mock_iommu, iommu);
}

/* Upstream: the drivers' to_<driver>_domain() container_of helpers. */
struct mock_domain *to_mock_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct mock_domain, domain);
}

/* @probe_device: allocate the device's master. Upstream: a driver's probe_device (arm_smmu_probe_device, reduced). */
static struct iommu_device *mock_probe_device(struct device *dev)
{
	struct mock_iommu_master *master;

	master = kzalloc(sizeof(*master), GFP_KERNEL);
	if (!master)
		return ERR_PTR(-ENOMEM);
	master->iommu = mock_iommu_of(dev);
	master->dev = dev;
	dev->iommu_priv = master;
	return &master->iommu->iommu;
}

/* @release_device: the device is going away; its master goes with it. Upstream: arm_smmu_release_device (reduced). */
static void mock_release_device(struct device *dev)
{
	struct mock_iommu_master *master = dev_iommu_priv_get(dev);

	dev->iommu_priv = NULL;
	kfree(master);
}

/* The blocked domain's attach: the device's context entry blocks all DMA. Upstream: a driver's blocked_domain attach_dev. */
static int mock_blocked_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct mock_iommu_master *master = dev_iommu_priv_get(dev);

	master->domain = NULL;
	return 0;
}

static const struct iommu_domain_ops mock_blocked_ops = {
	.attach_dev = mock_blocked_attach_dev,
};

/* One static blocked domain for every instance. Upstream: a driver's static blocked_domain. */
static struct iommu_domain mock_blocked_domain = {
	.type = IOMMU_DOMAIN_BLOCKED,
	.ops = &mock_blocked_ops,
};

/* @map_pages: fill the page table; the fault site "map_pages" is a page-table allocation that fails. */
static int mock_domain_map_pages(struct iommu_domain *domain, unsigned long iova, size_t pgcount)
{
	struct mock_domain *mdom = to_mock_domain(domain);

	if (should_fail("map_pages"))
		return -ENOMEM;
	mdom->nr_mapped += pgcount;
	return 0;
}

/* @unmap_pages: clear the page table (the flush comes after, from the core). */
static size_t mock_domain_unmap_pages(struct iommu_domain *domain, unsigned long iova, size_t pgcount)
{
	struct mock_domain *mdom = to_mock_domain(domain);

	mdom->nr_mapped -= pgcount;
	return pgcount;
}

/* @iova_to_phys: the hardware's walk of the domain's page table (identity-mapped when anything is). */
static unsigned long mock_domain_iova_to_phys(struct iommu_domain *domain, unsigned long iova)
{
	struct mock_domain *mdom = to_mock_domain(domain);

	return mdom->nr_mapped ? iova : 0;
}

static const struct iommu_domain_ops mock_domain_ops = {
	.attach_dev = mock_domain_attach_dev,
	.map_pages = mock_domain_map_pages,
	.unmap_pages = mock_domain_unmap_pages,
	.flush_iotlb_all = mock_domain_flush_iotlb_all,
	.iova_to_phys = mock_domain_iova_to_phys,
	.free = mock_domain_free,
};

/* The driver's ops, the same for every instance (which is why type1 may share a domain across instances' groups). */
const struct iommu_ops mock_iommu_ops = {
	.probe_device = mock_probe_device,
	.release_device = mock_release_device,
	.domain_alloc_paging = mock_domain_alloc_paging,
	.blocked_domain = &mock_blocked_domain,
	.default_domain_ops = &mock_domain_ops,
};

/* The struct device release: the last put_device() frees the device. */
static void mock_dev_release(struct device *dev)
{
	kfree(dev);
}

/* A device appears behind `iommu` in `group` (a PCI hotplug add, reduced). Returns the device, with one reference. */
struct device *mock_device_add(struct mock_iommu *iommu, struct iommu_group *group)
{
	struct device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);

	device_initialize(dev);
	dev->release = mock_dev_release;
	WARN_ON(iommu_probe_device(dev, &iommu->iommu, group));
	return dev;
}

/*
 * The device is hot-unplugged: device_del() takes it out of its group and
 * the driver frees its master, then the bus drops its reference and the
 * device is freed. Upstream: pci_stop_and_remove_bus_device() -> device_del()
 * -> iommu_release_device(), then put_device() (6.12), reduced.
 */
void mock_device_unplug(struct device *dev)
{
	iommu_release_device(dev);
	put_device(dev);
}
