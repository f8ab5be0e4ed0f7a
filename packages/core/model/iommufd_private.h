/*
 * Teardown model of the iommufd object header and the objects the vdevice
 * exercise touches, after drivers/iommu/iommufd/iommufd_private.h and
 * include/linux/iommufd.h of Linux 6.17.
 *
 * Struct and field names are the kernel's, so that learner code written
 * against upstream compiles unchanged; fields nothing in the model reads are
 * left out. The inline helpers at the end are the model's own code with the
 * behaviour of the upstream helpers of the same name.
 */

/*
 * What every object reachable by a userspace ID starts with.
 *
 * users: how many parties keep the object alive. The xarray slot owns one;
 *   each lookup takes one for the length of an ioctl; a parent object takes
 *   one per child that depends on it. An object can be destroyed only when
 *   the xarray's is the last.
 * wait_cnt: the part of those references a kernel destroy waits out instead
 *   of failing on. Starts at 1 (the xarray's bias); a lookup takes one with
 *   its users reference. A destroyer drops the bias and sleeps until it
 *   reaches 0.
 */
struct iommufd_object {
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

struct iommufd_sw_msi_map {
	struct list_head sw_msi_item;
	unsigned long sw_msi_start;
};

/* One open of /dev/iommu. */
struct iommufd_ctx {
	struct file *file;
	/* ID -> object; XA_ZERO_ENTRY marks a reserved ID or a tombstone */
	struct xarray objects;
	/* iommu_group id -> iommufd_group */
	struct xarray groups;
	/* kernel destroys sleep here until an object's wait_cnt drains */
	wait_queue_head_t destroy_wait;
	struct mutex sw_msi_lock;
	struct list_head sw_msi_list;
	struct iommufd_ioas *vfio_ioas;
};

/* An ioctl's context and its copied-in argument block. */
struct iommufd_ucmd {
	struct iommufd_ctx *ictx;
	/* the userspace buffer the command came from (not modelled: copy_to_user() only may fail) */
	void *ubuffer;
	void *cmd;
};

/* Argument blocks of the ioctls the model has (include/uapi/linux/iommufd.h). */
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

/*
 * The devices of one iommu_group bound to one context share this. Its lock
 * is the one that protects idev->vdev and idev->destroying.
 */
struct iommufd_group {
	struct kref ref;
	struct mutex lock;
	struct iommufd_ctx *ictx;
	struct iommu_group *group;
};

/* A device bound to the context (by VFIO, on VFIO_DEVICE_BIND_IOMMUFD). */
struct iommufd_device {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct iommufd_group *igroup;
	struct list_head group_item;
	/* the physical device */
	struct device *dev;
	bool enforce_cache_coherency;
	/* the vdevice on this device, if any: one at most */
	struct iommufd_vdevice *vdev;
	/* set when the unbind has started; no vdevice may be created after it */
	bool destroying;
};

/*
 * Driver hooks of a vIOMMU (include/linux/iommufd.h, Linux 6.17), those the
 * vdevice life cycle uses: the size of the driver's vdevice structure (the
 * core's struct iommufd_vdevice first in it) and its initialiser, which may
 * set vdev->destroy. The model's one IOMMU driver is selftest.c's mock.
 */
struct iommufd_viommu_ops {
	size_t vdevice_size;
	int (*vdevice_init)(struct iommufd_vdevice *vdev);
};

/* The IOMMU driver's ops (include/linux/iommu.h), reduced to the vIOMMU initialiser. */
struct iommu_ops {
	int (*viommu_init)(struct iommufd_viommu *viommu);
};

struct iommufd_viommu {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct iommu_device *iommu_dev;
	/* virt_id -> vdevice */
	struct xarray vdevs;
	const struct iommufd_viommu_ops *ops; struct iommufd_hwpt_paging *hwpt; /* hwpt: NULL without one */
};

/* The guest's view of a device behind a vIOMMU: created by IOMMU_VDEVICE_ALLOC. */
struct iommufd_vdevice {
	struct iommufd_object obj;
	struct iommufd_viommu *viommu;
	struct iommufd_device *idev;
	/* the device's ID as the guest's IOMMU sees it (a vSID, vRID, ...) */
	u64 virt_id;
	/* driver part of the teardown, run first by the abort */
	void (*destroy)(struct iommufd_vdevice *vdev);
};

struct iommufd_object_ops {
	void (*pre_destroy)(struct iommufd_object *obj);
	void (*destroy)(struct iommufd_object *obj);
	void (*abort)(struct iommufd_object *obj);
};

/* Flags of iommufd_object_remove(). */
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
struct iommufd_ctx *iommufd_ctx_from_fd(struct file *file);
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
const struct iommu_ops *dev_iommu_ops(struct device *dev);

/* viommu.c */
int iommufd_viommu_alloc_ioctl(struct iommufd_ucmd *ucmd);
void iommufd_viommu_destroy(struct iommufd_object *obj);
int iommufd_vdevice_alloc_ioctl(struct iommufd_ucmd *ucmd);
void iommufd_vdevice_abort(struct iommufd_object *obj);
void iommufd_vdevice_destroy(struct iommufd_object *obj);

/*
 * The exercise's hook: where 6.17 links the new vdev and its idev inside
 * iommufd_vdevice_alloc_ioctl() (under igroup->lock, before the vdev is
 * published), the model calls this learner function instead.
 */
void iommufd_vdevice_link(struct iommufd_vdevice *vdev, struct iommufd_device *idev);

/*
 * Take a lookup reference: one users and one wait_cnt. Fails once either
 * count is 0 (a destroyer has drained wait_cnt). Without a users reference
 * of its own the caller must hold xa_lock, so the object cannot be freed
 * under it. Models iommufd_lock_obj() (Linux 6.17).
 */
static inline bool iommufd_lock_obj(struct iommufd_object *obj)
{
	if (!refcount_inc_not_zero(&obj->users))
		return false;
	if (refcount_inc_not_zero(&obj->wait_cnt))
		return true;
	/* undo: users cannot reach 0 here, the xarray (or the caller) holds one */
	refcount_dec(&obj->users);
	return false;
}

/*
 * Drop a lookup reference, and wake the destroyers when it was the last
 * wait_cnt. users goes first: a destroyer woken by wait_cnt reaching 0 must
 * find users already down. The wake-up is the interruptible variant, as
 * upstream has it. Models iommufd_put_object() (Linux 6.17).
 */
static inline void iommufd_put_object(struct iommufd_ctx *ictx,
				      struct iommufd_object *obj)
{
	refcount_dec(&obj->users);
	if (!refcount_dec_and_test(&obj->wait_cnt))
		return;
	wake_up_interruptible_all(&ictx->destroy_wait);
}

/*
 * A kernel-side destroy: the caller holds a users reference (and no
 * wait_cnt). Waits out lookups instead of failing; a failure is a kernel
 * bug, warned about, and leaves the object to iommufd_fops_release().
 * Models iommufd_object_destroy_user() (Linux 6.17).
 */
static inline void iommufd_object_destroy_user(struct iommufd_ctx *ictx,
					       struct iommufd_object *obj)
{
	WARN_ON(iommufd_object_remove(ictx, obj, obj->id, REMOVE_WAIT));
}

/*
 * As iommufd_object_destroy_user(), but the ID stays taken: its slot keeps
 * XA_ZERO_ENTRY until the iommufd is closed, so userspace can neither reach
 * the object again nor see the ID handed to something else.
 * Models iommufd_object_tombstone_user() (Linux 6.17).
 */
static inline void iommufd_object_tombstone_user(struct iommufd_ctx *ictx,
						 struct iommufd_object *obj)
{
	unsigned int how = REMOVE_WAIT | REMOVE_OBJ_TOMBSTONE;

	WARN_ON(iommufd_object_remove(ictx, obj, obj->id, how));
}

/* Typed lookups by ID: ERR_PTR(-ENOENT) when absent. Model iommufd_get_device() and friends. */
static inline struct iommufd_device *
iommufd_get_device(struct iommufd_ucmd *ucmd, u32 id)
{
	struct iommufd_object *obj = iommufd_get_object(ucmd->ictx, id, IOMMUFD_OBJ_DEVICE);

	return container_of(obj, struct iommufd_device, obj);
}

static inline struct iommufd_viommu *
iommufd_get_viommu(struct iommufd_ucmd *ucmd, u32 id)
{
	struct iommufd_object *obj = iommufd_get_object(ucmd->ictx, id, IOMMUFD_OBJ_VIOMMU);

	return container_of(obj, struct iommufd_viommu, obj);
}

static inline struct iommufd_vdevice *
iommufd_get_vdevice(struct iommufd_ctx *ictx, u32 id)
{
	struct iommufd_object *obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_VDEVICE);

	return container_of(obj, struct iommufd_vdevice, obj);
}

/* The close-order additions (exercise close-order, seed 000): what a process leaves behind at exit. */

/* A paging HWPT on an IOAS, which it holds a users reference on (hw_pagetable.c, Linux 6.17; no domain). */
struct iommufd_hw_pagetable {
	struct iommufd_object obj;
};

struct iommufd_hwpt_paging {
	struct iommufd_hw_pagetable common;
	struct iommufd_ioas *ioas;
	bool nest_parent;
};

/* IOMMU_IOAS_ALLOC and IOMMU_HWPT_ALLOC, reduced to the IDs (include/uapi/linux/iommufd.h). */
struct iommu_ioas_alloc {
	u32 size;
	u32 flags;
	u32 out_ioas_id;
};

struct iommu_hwpt_alloc {
	u32 size;
	u32 flags;
	u32 dev_id;
	u32 pt_id;
	u32 out_hwpt_id;
};

/* The selftest's mock device object (selftest.c, IOMMU_TEST_OP_MOCK_DOMAIN): destroying it unbinds its idev. */
struct selftest_obj {
	struct iommufd_object obj;
	struct {
		struct iommufd_device *idev;
		struct device *mock_dev;
	} idev;
};

/* ioas.c (the model's hwpt.c) */
int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd);
void iommufd_ioas_destroy(struct iommufd_object *obj);
int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd);
void iommufd_hwpt_paging_destroy(struct iommufd_object *obj);

/* selftest.c */
extern const char iommufd_mock_bus_name[];
int iommufd_test_mock_domain(struct iommufd_ctx *ictx, u32 *stdev_id, u32 *idev_id);
void iommufd_selftest_destroy(struct iommufd_object *obj);
