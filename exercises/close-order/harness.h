/*
 * Scenario harness for close-order: a process with an iommufd and one
 * vfio-pci device whose cdev is bound to it, and helpers for the objects a
 * process may leave behind when it exits (seed 000): a vIOMMU, a vdevice,
 * an IOAS with a nesting-parent HWPT, the selftest's mock device. Each
 * scenario is its own translation unit with its own copy of these.
 */
static struct iommu_group group0 = { .id = 0 };
static struct iommu_device smmu = { .id = 0 };

static struct file *ifd;		/* the iommufd */
static struct vfio_device *vfio0;	/* a vfio-pci device */
static struct file *cdev0;		/* its cdev */
static u32 dev_id, viommu_id, vdev_id;

/* open /dev/iommu, probe the device and open its cdev (not bound yet) */
static void setup_open_device(void)
{
	ifd = iommufd_open();
	vfio0 = vfio_pci_probe(&group0, &smmu);
	cdev0 = vfio_cdev_open(vfio0);
}

/* ... and bind the cdev to the iommufd (VFIO takes a reference on the iommufd file) */
static void setup_bound_device(void)
{
	setup_open_device();
	EXPECT_RET("VFIO_DEVICE_BIND_IOMMUFD", ioctl_vfio_bind_iommufd(cdev0, ifd, &dev_id), 0);
}

/* a vIOMMU (on no HWPT) and a vdevice for the bound device at virtual ID 0x99 */
static void setup_vdev(void)
{
	EXPECT_RET("IOMMU_VIOMMU_ALLOC", ioctl_viommu_alloc(ifd, dev_id, &viommu_id), 0);
	EXPECT_RET("IOMMU_VDEVICE_ALLOC", ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x99, &vdev_id), 0);
}

/* The IOMMU_DESTROY a well-behaved process makes before it closes anything; 0 or the errno. */
static int destroy_id(u32 id)
{
	return ioctl_destroy(ifd, id);
}
