/*
 * Teardown model of include/linux/iommu.h and the type1 container's
 * structures in drivers/vfio/vfio_iommu_type1.c, in the shape Linux has had
 * since 6.11 (Lu Baolu's "vfio/type1: Use iommu_paging_domain_alloc()":
 * a domain is allocated through a device), read at 6.12: iommu groups and
 * their devices, domains with their ops and owner, a toy IOMMU driver's
 * instance and per-device data, and the container (a vfio_iommu with its
 * domain_list, each vfio_domain with its group_list).
 *
 * The rule this model is built to teach (Robin Murphy, seed 003, April
 * 2022): the device a domain is allocated through only selects the IOMMU
 * ops and instance; the domain may outlive that device, so everything a
 * domain op needs belongs to the domain, and per-device data is looked at
 * only in attach, where the device is known to be valid.
 *
 * struct iommu_group and struct device are the model's linux/kernel.h ones
 * (group: mutex, devices, domain; device: iommu_group, iommu_dev for
 * dev->iommu->iommu_dev, iommu_priv for dev->iommu->priv).
 */
struct iommu_domain;
struct iommu_ops;

/* Upstream: IOMMU_DOMAIN_BLOCKED, IOMMU_DOMAIN_UNMANAGED (the type bits reduced to values). */
#define IOMMU_DOMAIN_BLOCKED 0
#define IOMMU_DOMAIN_UNMANAGED 3

/*
 * The domain ops this model's driver has. Upstream: struct iommu_domain_ops
 * (6.12); map_pages and unmap_pages reduced to an iova and a page count,
 * and iotlb_sync to flush_iotlb_all (the model has no gather).
 */
struct iommu_domain_ops {
	int (*attach_dev)(struct iommu_domain *domain, struct device *dev);
	int (*map_pages)(struct iommu_domain *domain, unsigned long iova, size_t pgcount);
	size_t (*unmap_pages)(struct iommu_domain *domain, unsigned long iova, size_t pgcount);
	void (*flush_iotlb_all)(struct iommu_domain *domain);
	unsigned long (*iova_to_phys)(struct iommu_domain *domain, unsigned long iova);
	void (*free)(struct iommu_domain *domain);
};

/* The driver's ops. Upstream: struct iommu_ops (6.12), reduced. */
struct iommu_ops {
	struct iommu_device *(*probe_device)(struct device *dev);
	void (*release_device)(struct device *dev);
	struct iommu_domain *(*domain_alloc_paging)(struct device *dev);
	struct iommu_domain *blocked_domain;
	const struct iommu_domain_ops *default_domain_ops;
};

/*
 * A translation context. Upstream: struct iommu_domain (6.12): owner is
 * "who allocated this domain" (the driver's ops, since Robin Murphy's 2022
 * change), never a device.
 */
struct iommu_domain {
	unsigned int type;
	const struct iommu_ops *owner;
	const struct iommu_domain_ops *ops;
};

/* A device's membership of its group. Upstream: struct group_device (drivers/iommu/iommu.c). */
struct group_device {
	struct list_head list;
	struct device *dev;
};

/* iommu.c */
void iommu_group_init(struct iommu_group *group, int id);
int iommu_probe_device(struct device *dev, struct iommu_device *iommu_dev, struct iommu_group *group);
void iommu_release_device(struct device *dev);
int iommu_group_for_each_dev(struct iommu_group *group, void *data, int (*fn)(struct device *, void *));
struct iommu_domain *iommu_paging_domain_alloc(struct device *dev);
void iommu_domain_free(struct iommu_domain *domain);
int iommu_attach_group(struct iommu_domain *domain, struct iommu_group *group);
void iommu_detach_group(struct iommu_domain *domain, struct iommu_group *group);
int iommu_attach_device(struct iommu_domain *domain, struct device *dev);
void iommu_detach_device(struct iommu_domain *domain, struct device *dev);
int iommu_map(struct iommu_domain *domain, unsigned long iova, size_t npages);
size_t iommu_unmap(struct iommu_domain *domain, unsigned long iova, size_t npages);
unsigned long iommu_iova_to_phys(struct iommu_domain *domain, unsigned long iova);

/*
 * One instance of the toy IOMMU driver (one IOMMU in the system): its
 * lock, and what the hardware counts. Upstream: a driver's instance
 * structure (arm_smmu_device, intel_iommu, ...) around its iommu_device.
 */
struct mock_iommu {
	struct iommu_device iommu;
	struct mutex lock;
	/* paging domains allocated on this instance and not yet freed */
	int nr_domains;
	/* IOTLB invalidations the instance has executed */
	int nr_flushes;
};

/* The driver's per-device data: dev->iommu->priv. Upstream: arm_smmu_master and the like. */
struct mock_iommu_master {
	struct mock_iommu *iommu;
	struct device *dev;
	/* the domain the device's context entry points at; NULL when blocked */
	struct iommu_domain *domain;
};

/* The driver's paging domain, the core's domain first. Upstream: a driver's domain structure. */
struct mock_domain {
	struct iommu_domain domain;
	/* the instance the domain was allocated on: what its ops need */
	struct mock_iommu *iommu;
	/* pages mapped in the domain's page table */
	unsigned long nr_mapped;
	/* the exercise's known-bad versions keep the allocating device here */
	struct device *dev;
};

/* mock_iommu.c: the parts of the driver the model provides */
extern const struct iommu_ops mock_iommu_ops;
void mock_iommu_init(struct mock_iommu *iommu, int id);
struct device *mock_device_add(struct mock_iommu *iommu, struct iommu_group *group);
void mock_device_unplug(struct device *dev);
struct mock_domain *to_mock_domain(struct iommu_domain *domain);
struct mock_iommu_master *dev_iommu_priv_get(struct device *dev);
struct mock_iommu *mock_iommu_of(struct device *dev);
/* the learner's (exercise domain-sharing) */
struct iommu_domain *mock_domain_alloc_paging(struct device *dev);
int mock_domain_attach_dev(struct iommu_domain *domain, struct device *dev);
void mock_domain_flush_iotlb_all(struct iommu_domain *domain);
void mock_domain_free(struct iommu_domain *domain);

/* The container's record of a group. Upstream: struct vfio_iommu_group (6.12), reduced. */
struct vfio_iommu_group {
	struct iommu_group *iommu_group;
	struct list_head next;
};

/* One iommu_domain of a container and the groups attached to it. Upstream: struct vfio_domain (6.12), reduced. */
struct vfio_domain {
	struct iommu_domain *domain;
	struct list_head next;
	struct list_head group_list;
};

/* One user mapping (pinned pages at an iova). Upstream: struct vfio_dma (6.12); the model keeps a list, not an rb-tree. */
struct vfio_dma {
	struct list_head next;
	unsigned long iova;
	size_t npages;
};

/* A type1 container. Upstream: struct vfio_iommu (6.12), reduced. */
struct vfio_iommu {
	struct list_head domain_list;
	struct list_head dma_list;
	struct mutex lock;
};

/* Pages pinned for user mappings, over every container (the mm's pinned_vm, reduced). */
extern atomic_t vfio_pinned_pages;

/* vfio_iommu_type1.c: the model's */
int list_is_singular(const struct list_head *head);
struct vfio_iommu *vfio_iommu_type1_open(void);
void vfio_iommu_type1_release(struct vfio_iommu *iommu);
int vfio_dma_do_map(struct vfio_iommu *iommu, unsigned long iova, size_t npages);
int vfio_dma_do_unmap(struct vfio_iommu *iommu, unsigned long iova);
int vfio_iommu_domain_alloc(struct device *dev, void *data);
struct vfio_iommu_group *vfio_iommu_find_iommu_group(struct vfio_iommu *iommu, struct iommu_group *iommu_group);
struct vfio_iommu_group *find_iommu_group(struct vfio_domain *domain, struct iommu_group *iommu_group);
int vfio_iommu_replay(struct vfio_iommu *iommu, struct vfio_domain *domain);
void vfio_iommu_unmap_unpin_all(struct vfio_iommu *iommu);
/* the learner's (exercise domain-sharing) */
int vfio_iommu_type1_attach_group(struct vfio_iommu *iommu, struct iommu_group *iommu_group);
void vfio_iommu_type1_detach_group(struct vfio_iommu *iommu, struct iommu_group *iommu_group);
