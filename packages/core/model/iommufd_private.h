/*
 * Teardown model of drivers/iommu/iommufd/iommufd_private.h and
 * include/linux/iommufd.h, Linux 6.17: the object header with its two
 * counters, the objects the vdevice exercise needs (ctx, device, group,
 * viommu, vdevice, ioas), the object ops table and the inline helpers.
 * Fields the model does not use are left out; the ones it keeps have the
 * upstream names and meaning.
 */

/* Base struct for all objects with a userspace ID handle. */
struct iommufd_object {
	/*
	 * Destroy will sleep and wait for wait_cnt to go to zero. This allows
	 * concurrent users of the ID to reliably avoid causing a spurious
	 * destroy failure. Incrementing this count should either be short
	 * lived or be revoked and blocked during pre_destroy().
	 */
	refcount_t wait_cnt;
	refcount_t users;
	enum iommufd_object_type type;
	unsigned int id;
};

enum iommufd_object_type {
	IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_ANY = IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_DEVICE,
	IOMMUFD_OBJ_HWPT_PAGING,
	IOMMUFD_OBJ_HWPT_NESTED,
	IOMMUFD_OBJ_IOAS,
	IOMMUFD_OBJ_ACCESS,
	IOMMUFD_OBJ_FAULT,
	IOMMUFD_OBJ_VIOMMU,
	IOMMUFD_OBJ_VDEVICE,
	IOMMUFD_OBJ_VEVENTQ,
	IOMMUFD_OBJ_HW_QUEUE,
	IOMMUFD_OBJ_SELFTEST,
	IOMMUFD_OBJ_MAX,
};

/* The file an iommufd context or a VFIO cdev hangs off. f_count is the file refcount. */
struct file {
	atomic_t f_count;
	void *private_data;
	/* task that must run __fput() when it returns to user space (model of task_work) */
	int release_task;
	int (*release)(struct inode *inode, struct file *filp);
};

struct iommufd_sw_msi_map {
	struct list_head sw_msi_item;
	unsigned long sw_msi_start;
};

struct iommufd_ctx {
	struct file *file;
	struct xarray objects;
	struct xarray groups;
	wait_queue_head_t destroy_wait;
	struct mutex sw_msi_lock;
	struct list_head sw_msi_list;
	struct iommufd_ioas *vfio_ioas;
};

/* Argument block of an ioctl, as iommufd_fops_ioctl() hands it over. */
struct iommufd_ucmd {
	struct iommufd_ctx *ictx;
	void *cmd;
};

struct iommu_destroy {
	u32 size;
	u32 id;
};

struct iommu_vdevice_alloc {
	u32 size;
	u32 viommu_id;
	u32 dev_id;
	u32 out_vdevice_id;
	u64 virt_id;
};

struct iommu_viommu_alloc {
	u32 size;
	u32 flags;
	u32 type;
	u32 dev_id;
	u32 hwpt_id;
	u32 out_viommu_id;
};

struct iommufd_ioas {
	struct iommufd_object obj;
};

/* One per iommu_group bound to the context; its lock serialises the devices of the group. */
struct iommufd_group {
	struct kref ref;
	struct mutex lock;
	struct iommufd_ctx *ictx;
	struct iommu_group *group;
};

struct iommufd_device {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct iommufd_group *igroup;
	struct list_head group_item;
	/* always the physical device */
	struct device *dev;
	bool enforce_cache_coherency;
	struct iommufd_vdevice *vdev;
	bool destroying;
};

struct iommufd_viommu_ops {
	size_t vdevice_size;
	int (*vdevice_init)(struct iommufd_vdevice *vdev);
};

struct iommufd_viommu {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct iommu_device *iommu_dev;
	struct xarray vdevs;
	const struct iommufd_viommu_ops *ops;
};

struct iommufd_vdevice {
	struct iommufd_object obj;
	struct iommufd_viommu *viommu;
	struct iommufd_device *idev;
	/*
	 * Virtual device ID per vIOMMU, e.g. vSID of ARM SMMUv3, vDeviceID of
	 * AMD IOMMU, and vRID of Intel VT-d
	 */
	u64 virt_id;

	/* Clean up all driver-specific parts of an iommufd_vdevice */
	void (*destroy)(struct iommufd_vdevice *vdev);
};

struct iommufd_object_ops {
	void (*pre_destroy)(struct iommufd_object *obj);
	void (*destroy)(struct iommufd_object *obj);
	void (*abort)(struct iommufd_object *obj);
};

enum {
	REMOVE_WAIT = BIT(0),
	REMOVE_OBJ_TOMBSTONE = BIT(1),
};

/* main.c */
struct iommufd_object *_iommufd_object_alloc(struct iommufd_ctx *ictx, size_t size, enum iommufd_object_type type);
void iommufd_object_finalize(struct iommufd_ctx *ictx, struct iommufd_object *obj);
void iommufd_object_abort(struct iommufd_ctx *ictx, struct iommufd_object *obj);
void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx, struct iommufd_object *obj);
struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, u32 id, enum iommufd_object_type type);
int iommufd_object_remove(struct iommufd_ctx *ictx, struct iommufd_object *to_destroy, u32 id, unsigned int flags);
int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t cmd_len);
bool iommufd_should_fail(void);
void iommufd_ctx_get(struct iommufd_ctx *ictx);
void iommufd_ctx_put(struct iommufd_ctx *ictx);
int iommufd_fops_open(struct inode *inode, struct file *filp);
int iommufd_fops_release(struct inode *inode, struct file *filp);
int iommufd_destroy(struct iommufd_ucmd *ucmd);

extern const struct iommufd_object_ops iommufd_object_ops[];

/* device.c */
struct iommufd_device *iommufd_device_bind(struct iommufd_ctx *ictx, struct device *dev, u32 *id);
void iommufd_device_unbind(struct iommufd_device *idev);
void iommufd_device_remove_vdev(struct iommufd_device *idev);
void iommufd_device_pre_destroy(struct iommufd_object *obj);
void iommufd_device_destroy(struct iommufd_object *obj);
void iommufd_put_group(struct iommufd_group *group);
void iommu_device_release_dma_owner(struct device *dev);
bool iommufd_selftest_is_mock_dev(struct device *dev);
struct iommu_device *__iommu_get_iommu_dev(struct device *dev);

/* viommu.c */
int iommufd_viommu_alloc_ioctl(struct iommufd_ucmd *ucmd);
void iommufd_viommu_destroy(struct iommufd_object *obj);
int iommufd_vdevice_alloc_ioctl(struct iommufd_ucmd *ucmd);
void iommufd_vdevice_abort(struct iommufd_object *obj);
void iommufd_vdevice_destroy(struct iommufd_object *obj);

static inline bool iommufd_lock_obj(struct iommufd_object *obj)
{
	if (!refcount_inc_not_zero(&obj->users))
		return false;
	if (!refcount_inc_not_zero(&obj->wait_cnt)) {
		/*
		 * If the caller doesn't already have a ref on obj this must be
		 * called under the xa_lock. Otherwise the caller is holding a
		 * ref on users. Thus it cannot be one before this decrement.
		 */
		refcount_dec(&obj->users);
		return false;
	}
	return true;
}

static inline void iommufd_put_object(struct iommufd_ctx *ictx,
				      struct iommufd_object *obj)
{
	/*
	 * Users first, then wait_cnt so that REMOVE_WAIT never sees a spurious
	 * !0 users with a 0 wait_cnt.
	 */
	refcount_dec(&obj->users);
	if (refcount_dec_and_test(&obj->wait_cnt))
		wake_up_interruptible_all(&ictx->destroy_wait);
}

/*
 * The caller holds a users refcount and wants to destroy the object. At this
 * point the caller has no wait_cnt reference and at least the xarray will be
 * holding one.
 */
static inline void iommufd_object_destroy_user(struct iommufd_ctx *ictx,
					       struct iommufd_object *obj)
{
	int ret;

	ret = iommufd_object_remove(ictx, obj, obj->id, REMOVE_WAIT);

	/*
	 * If there is a bug and we couldn't destroy the object then we did put
	 * back the caller's users refcount and will eventually try to free it
	 * again during close.
	 */
	WARN_ON(ret);
}

/*
 * Similar to iommufd_object_destroy_user(), except that the object ID is left
 * reserved/tombstoned.
 */
static inline void iommufd_object_tombstone_user(struct iommufd_ctx *ictx,
						 struct iommufd_object *obj)
{
	int ret;

	ret = iommufd_object_remove(ictx, obj, obj->id,
				    REMOVE_WAIT | REMOVE_OBJ_TOMBSTONE);

	/*
	 * If there is a bug and we couldn't destroy the object then we did put
	 * back the caller's users refcount and will eventually try to free it
	 * again during close.
	 */
	WARN_ON(ret);
}

static inline struct iommufd_device *
iommufd_get_device(struct iommufd_ucmd *ucmd, u32 id)
{
	return container_of(iommufd_get_object(ucmd->ictx, id,
					       IOMMUFD_OBJ_DEVICE),
			    struct iommufd_device, obj);
}

static inline struct iommufd_viommu *
iommufd_get_viommu(struct iommufd_ucmd *ucmd, u32 id)
{
	return container_of(iommufd_get_object(ucmd->ictx, id,
					       IOMMUFD_OBJ_VIOMMU),
			    struct iommufd_viommu, obj);
}

static inline struct iommufd_vdevice *
iommufd_get_vdevice(struct iommufd_ctx *ictx, u32 id)
{
	return container_of(iommufd_get_object(ictx, id,
					       IOMMUFD_OBJ_VDEVICE),
			    struct iommufd_vdevice, obj);
}
