/*
 * Teardown model of include/linux/vfio.h, include/linux/mdev.h and
 * include/linux/eventfd.h, Linux 6.1: the vfio_device with its two counts,
 * the device set, the group that makes a registered device findable, the
 * mediated device the sample driver binds to, and the eventfd a driver
 * signals to ask userspace for the device back.
 *
 * Two counts, two jobs (the 6.1 comments in include/linux/vfio.h):
 * device.kref "covers object life circle" (the memory, owned by the driver
 * from vfio_alloc_device() to its vfio_put_device()); refcount is the "user
 * count on registered device" (1 for the registration itself, one more per
 * open file), and comp completes when it drops to 0.
 */
struct vfio_device;

/* Devices that must be opened and reset together share a set and its lock. Upstream: struct vfio_device_set. */
struct vfio_device_set {
	void *set_id;
	struct mutex lock;
	struct list_head device_list;
	unsigned int device_count;
};

/* The driver's callbacks (the ones the life cycle uses). Upstream: struct vfio_device_ops (6.1). */
struct vfio_device_ops {
	int (*init)(struct vfio_device *vdev);
	void (*release)(struct vfio_device *vdev);
	int (*open_device)(struct vfio_device *vdev);
	void (*close_device)(struct vfio_device *vdev);
	/* the model passes an ioctl's argument as a pointer */
	long (*ioctl)(struct vfio_device *vdev, unsigned int cmd, void *arg);
	void (*request)(struct vfio_device *vdev, unsigned int count);
};

/* Where VFIO_GROUP_GET_DEVICE_FD finds registered devices. Upstream: struct vfio_group (6.1), reduced. */
struct vfio_group {
	struct mutex device_lock;
	struct list_head device_list;
};

struct vfio_device {
	struct device *dev;
	const struct vfio_device_ops *ops;
	struct vfio_group *group;
	struct vfio_device_set *dev_set;
	struct list_head dev_set_list;
	/* Members below here are private, not for driver use */
	unsigned int index;
	/* device.kref covers object life circle */
	struct device device;
	/* user count on registered device */
	refcount_t refcount;
	unsigned int open_count;
	struct completion comp;
	struct list_head group_next;
	/* the model's stand-in for the sysfs presence device_add() gives and device_del() takes away */
	bool added;
};

/* A device file's private data is the device itself (6.1's anon inode file). */
struct file {
	struct vfio_device *private_data;
};

/* A mediated device: what the sample driver's probe gets. Upstream: struct mdev_device (6.1), reduced. */
struct mdev_device {
	struct device dev;
	/* mdev_get_type_group_id(): the type picks the number of ports */
	int type_group_id;
	/* dev_get_drvdata(&mdev->dev) */
	void *driver_data;
	/* the device set to join, or NULL for a set of its own (vfio-pci joins its slot's or bus's) */
	void *set_id;
};

/* Upstream: struct eventfd_ctx (fs/eventfd.c, 6.1), reduced to its count and wait queue. */
struct eventfd_ctx {
	wait_queue_head_t wqh;
	atomic_t count;
};

#define VFIO_DEVICE_SET_IRQS 110

/* vfio_main.c */
int vfio_init(void);
struct vfio_device *_vfio_alloc_device(size_t size, struct device *dev, const struct vfio_device_ops *ops);
void vfio_free_device(struct vfio_device *device);
void vfio_put_device(struct vfio_device *device);
int vfio_assign_device_set(struct vfio_device *device, void *set_id);
int vfio_register_emulated_iommu_dev(struct vfio_device *device);
void vfio_unregister_group_dev(struct vfio_device *device);
void vfio_device_put_registration(struct vfio_device *device);
bool vfio_device_try_get_registration(struct vfio_device *device);
void vfio_device_group_unregister(struct vfio_device *device);
int vfio_device_add(struct vfio_device *device);
void vfio_device_del(struct vfio_device *device);
void vfio_device_remove_group(struct vfio_device *device);
struct file *vfio_group_get_device_fd(struct vfio_group *group, unsigned int index);
int vfio_device_fops_release(struct file *filep);
long vfio_device_fops_unl_ioctl(struct file *filep, unsigned int cmd, void *arg);

/* eventfd.c */
void eventfd_ctx_init(struct eventfd_ctx *ctx);
void eventfd_signal(struct eventfd_ctx *ctx, int n);
int eventfd_read(struct eventfd_ctx *ctx);

/* mtty.c */
int mtty_dev_init(void);
int mtty_probe(struct mdev_device *mdev);
void mtty_remove(struct mdev_device *mdev);
