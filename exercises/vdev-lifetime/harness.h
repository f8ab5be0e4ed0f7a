/*
 * Scenario harness for vdev-lifetime: a process with an iommufd, one VFIO
 * PCI device bound to it through its cdev, and a vIOMMU for that device,
 * as the iommufd_viommu selftest fixture sets up. Each scenario is its own
 * translation unit with its own copy of these variables.
 */
static struct iommu_group group0 = { .id = 0 };
static struct iommu_group group1 = { .id = 1 };
static struct iommu_device smmu = { .id = 0 };

static struct file *ifd;		/* the iommufd */
static struct vfio_device *vfio0;	/* a vfio-pci device */
static struct file *cdev0;		/* its cdev, bound to ifd */
static u32 dev_id, viommu_id;

static struct vfio_device *vfio1;	/* a second device, when a scenario adds one */
static struct file *cdev1;
static u32 dev1_id;
static bool cdev1_closed;

/* open /dev/iommu, open the device's cdev, bind it, allocate a vIOMMU */
static void setup_bound_device(void)
{
	ifd = iommufd_open();
	vfio0 = vfio_pci_probe(&group0, &smmu);
	cdev0 = vfio_cdev_open(vfio0);
	EXPECT_RET("VFIO_DEVICE_BIND_IOMMUFD", ioctl_vfio_bind_iommufd(cdev0, ifd, &dev_id), 0);
	EXPECT_RET("IOMMU_VIOMMU_ALLOC", ioctl_viommu_alloc(ifd, dev_id, &viommu_id), 0);
}

/*
 * A second vfio-pci device behind the same IOMMU instance, in `group`, bound
 * to the same iommufd: in group0 it shares the first device's igroup (and
 * igroup->lock), in group1 it has its own.
 */
static void setup_second_device(struct iommu_group *group)
{
	vfio1 = vfio_pci_probe(group, &smmu);
	cdev1 = vfio_cdev_open(vfio1);
	EXPECT_RET("VFIO_DEVICE_BIND_IOMMUFD(second device)", ioctl_vfio_bind_iommufd(cdev1, ifd, &dev1_id), 0);
}

/* The vIOMMU object with this ID, looked at without a reference (for refcount checks). */
static struct iommufd_viommu *viommu_by_id(u32 id)
{
	struct iommufd_ctx *ictx = ifd->private_data;

	return container_of(xa_load(&ictx->objects, id), struct iommufd_viommu, obj);
}

/* The vdevice at `virt_id` on the vIOMMU's xarray, looked at without a reference, or NULL. */
static struct iommufd_vdevice *vdev_at(u32 id, u64 virt_id)
{
	return xa_load(&viommu_by_id(id)->vdevs, virt_id);
}

/* The process exits: its files are closed (those not closed yet), and the device goes away. */
static void teardown(bool cdev_closed)
{
	if (!cdev_closed)
		close_fd(cdev0);
	if (vfio1 && !cdev1_closed)
		close_fd(cdev1);
	close_fd(ifd);
	vfio_pci_remove(vfio0);
	if (vfio1)
		vfio_pci_remove(vfio1);
}
