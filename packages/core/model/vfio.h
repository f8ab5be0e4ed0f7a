/*
 * Teardown model of include/linux/vfio.h and drivers/vfio/vfio.h, Linux
 * 6.17: a vfio_device with its two counts (the struct device kref that owns
 * the memory, the registration refcount with its completion), its device
 * set lock, and the per-open vfio_device_file of the cdev interface.
 */
struct vfio_device_set {
	struct mutex lock;
	unsigned int device_count;
};

struct vfio_device;

struct vfio_device_ops {
	void (*release)(struct vfio_device *vdev);
	int (*bind_iommufd)(struct vfio_device *vdev, struct iommufd_ctx *ictx, u32 *out_device_id);
	void (*unbind_iommufd)(struct vfio_device *vdev);
	int (*open_device)(struct vfio_device *vdev);
	void (*close_device)(struct vfio_device *vdev);
};

struct vfio_device {
	/* the physical device */
	struct device *dev;
	const struct vfio_device_ops *ops;
	struct vfio_device_set *dev_set;
	/* the vfio device's own struct device: its kref owns this memory */
	struct device device;
	/* registration: user count on the registered device, and its completion */
	refcount_t refcount;
	struct completion comp;
	unsigned int open_count;
	struct iommufd_device *iommufd_device;
	bool iommufd_attached;
	bool cdev_opened;
	/* vfio-pci: the PCI device is enabled while open */
	bool pci_enabled;
};

/* One per open of the cdev (drivers/vfio/vfio.h) */
struct vfio_device_file {
	struct vfio_device *device;
	bool access_granted;
	struct iommufd_ctx *iommufd;
	u32 devid;
};

struct vfio_device *vfio_pci_probe(struct iommu_group *group, struct iommu_device *iommu);
void vfio_pci_remove(struct vfio_device *device);
struct file *vfio_device_cdev_open(struct vfio_device *device);
int vfio_df_ioctl_bind_iommufd(struct vfio_device_file *df, struct file *iommufd);
int vfio_device_fops_release(struct inode *inode, struct file *filep);
