/*
 * Scenario harness for domain-sharing: two instances of the toy IOMMU
 * driver, four iommu_groups and their devices, and one type1 container.
 * Each scenario is its own translation unit with its own copy of these.
 *
 *   iommu0: group_a = { dev_a }, group_b = { dev_b }, group_c = { dev_c0, dev_c1 }
 *   iommu1: group_d = { dev_d }
 */
#define IOVA1 0x1000
#define IOVA2 0x2000

static struct mock_iommu iommu0;
static struct mock_iommu iommu1;
static struct iommu_group group_a;
static struct iommu_group group_b;
static struct iommu_group group_c;
static struct iommu_group group_d;
static struct device *dev_a;
static struct device *dev_b;
static struct device *dev_c0;
static struct device *dev_c1;
static struct device *dev_d;
/* the container every group is set to (VFIO_GROUP_SET_CONTAINER) */
static struct vfio_iommu *container;

/* Boot: the IOMMUs, their groups and devices, and an open container. */
static void boot(void)
{
	mock_iommu_init(&iommu0, 0);
	mock_iommu_init(&iommu1, 1);
	iommu_group_init(&group_a, 1);
	iommu_group_init(&group_b, 2);
	iommu_group_init(&group_c, 3);
	iommu_group_init(&group_d, 4);
	dev_a = mock_device_add(&iommu0, &group_a);
	dev_b = mock_device_add(&iommu0, &group_b);
	dev_c0 = mock_device_add(&iommu0, &group_c);
	dev_c1 = mock_device_add(&iommu0, &group_c);
	dev_d = mock_device_add(&iommu1, &group_d);
	container = vfio_iommu_type1_open();
}

/* VFIO_GROUP_SET_CONTAINER: the group joins the container. */
static void set_container(struct iommu_group *group)
{
	EXPECT_RET("VFIO_GROUP_SET_CONTAINER", vfio_iommu_type1_attach_group(container, group), 0);
}

/* The group's fd is closed (VFIO_GROUP_UNSET_CONTAINER): the group leaves the container. */
static void unset_container(struct iommu_group *group)
{
	vfio_iommu_type1_detach_group(container, group);
}

/* Hot-unplug a device (once). */
static void unplug(struct device **dev)
{
	mock_device_unplug(*dev);
	*dev = NULL;
}

/*
 * The device does DMA to iova: the IOMMU walks the page table of the domain
 * its group is on. Returns what the walk reaches (0: a blocked or unmapped
 * iova).
 */
static unsigned long device_dma(struct device *dev, unsigned long iova)
{
	struct iommu_group *group = dev->iommu_group;
	unsigned long phys;

	mutex_lock(&group->mutex);
	phys = iommu_iova_to_phys(group->domain, iova);
	mutex_unlock(&group->mutex);
	return phys;
}

/* The group blocks DMA: it is on no paging domain. */
static bool group_blocked(struct iommu_group *group)
{
	return group->domain->type == IOMMU_DOMAIN_BLOCKED;
}

/* The container is closed, the devices go away, and nothing may be left: domains, pins, groups on a domain. */
static void release_all(void)
{
	vfio_iommu_type1_release(container);
	INVARIANT(group_blocked(&group_a) && group_blocked(&group_b) && group_blocked(&group_c) &&
			  group_blocked(&group_d),
		  "after the container's release every group blocks DMA");
	INVARIANT(iommu0.nr_domains == 0 && iommu1.nr_domains == 0, "every domain allocated was freed");
	INVARIANT(atomic_read(&vfio_pinned_pages) == 0, "every pinned page was unpinned");
	if (dev_a)
		unplug(&dev_a);
	unplug(&dev_b);
	unplug(&dev_c0);
	unplug(&dev_c1);
	unplug(&dev_d);
}
