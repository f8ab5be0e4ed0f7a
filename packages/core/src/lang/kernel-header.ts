/**
 * The model's own `linux/kernel.h`: kernel helpers written in kernel-C over
 * the native primitives, compiled into every program as prelude code (so
 * their memory accesses are explored like any other).
 *
 * Behaviour follows include/linux/list.h, include/linux/kref.h and
 * drivers/base/core.c (get_device/put_device) of Linux 6.17, in the model's
 * own code. LIST_POISON1/2 are NULL here, so a use after list_del() is a
 * NULL dereference instead of a poison-address fault.
 */
/** The file name diagnostics and traces give the model's kernel header. */
export const KERNEL_HEADER_NAME = 'linux/kernel.h';

/** The text of the model's kernel header. */
export const KERNEL_HEADER = `/* Teardown model: kernel helpers in kernel-C (Linux 6.17 semantics) */
struct list_head {
	struct list_head *next, *prev;
};

struct kref {
	refcount_t refcount;
};

struct iommu_group {
	int id; /* vfio-type1-6.12: */ struct mutex mutex; struct list_head devices; struct iommu_domain *domain;
};

struct iommu_device {
	int id; const struct iommu_ops *ops; /* vfio-type1-6.12 */
};

struct device {
	struct kref kref;
	void (*release)(struct device *dev);
	const char *init_name;
	/* the model keeps dev->iommu_group and dev->iommu->iommu_dev here */
	struct iommu_group *iommu_group;
	struct iommu_device *iommu_dev; void *iommu_priv; /* dev->iommu->priv (vfio-type1-6.12) */
};

static inline void INIT_LIST_HEAD(struct list_head *list)
{
	WRITE_ONCE(list->next, list);
	WRITE_ONCE(list->prev, list);
}

static inline void __list_add(struct list_head *new, struct list_head *prev, struct list_head *next)
{
	next->prev = new;
	new->next = next;
	new->prev = prev;
	WRITE_ONCE(prev->next, new);
}

static inline void list_add(struct list_head *new, struct list_head *head)
{
	__list_add(new, head, head->next);
}

static inline void list_add_tail(struct list_head *new, struct list_head *head)
{
	__list_add(new, head->prev, head);
}

static inline void __list_del(struct list_head *prev, struct list_head *next)
{
	next->prev = prev;
	WRITE_ONCE(prev->next, next);
}

static inline void list_del(struct list_head *entry)
{
	__list_del(entry->prev, entry->next);
	entry->next = NULL;
	entry->prev = NULL;
}

static inline void list_del_init(struct list_head *entry)
{
	__list_del(entry->prev, entry->next);
	INIT_LIST_HEAD(entry);
}

static inline int list_empty(const struct list_head *head)
{
	return READ_ONCE(head->next) == head;
}

static inline void kref_init(struct kref *kref)
{
	refcount_set(&kref->refcount, 1);
}

static inline unsigned int kref_read(const struct kref *kref)
{
	return refcount_read(&kref->refcount);
}

static inline void kref_get(struct kref *kref)
{
	refcount_inc(&kref->refcount);
}

static inline int kref_get_unless_zero(struct kref *kref)
{
	return refcount_inc_not_zero(&kref->refcount);
}

static inline int kref_put(struct kref *kref, void (*release)(struct kref *kref))
{
	if (refcount_dec_and_test(&kref->refcount)) {
		release(kref);
		return 1;
	}
	return 0;
}

static inline bool refcount_dec_and_mutex_lock(refcount_t *r, struct mutex *lock)
{
	if (refcount_dec_not_one(r))
		return false;
	mutex_lock(lock);
	if (!refcount_dec_and_test(r)) {
		mutex_unlock(lock);
		return false;
	}
	return true;
}

static void device_release(struct kref *kref)
{
	struct device *dev = container_of(kref, struct device, kref);

	if (dev->release)
		dev->release(dev);
}

static inline void device_initialize(struct device *dev)
{
	kref_init(&dev->kref);
}

static inline struct device *get_device(struct device *dev)
{
	if (dev)
		kref_get(&dev->kref);
	return dev;
}

static inline void put_device(struct device *dev)
{
	if (dev)
		kref_put(&dev->kref, device_release);
}
`;
