/*
 * domain-sharing: write the toy IOMMU driver's domain ops and the type1
 * container's attach and detach. The model is Linux 6.12's IOMMU core
 * (model/vfio-type1-6.12/iommu.c), the rest of the driver
 * (mock_iommu.c) and the rest of type1 (vfio_iommu_type1.c); the structures
 * are in iommu.h. Read them before you start. This starter compiles and is
 * wrong.
 */

/*
 * @domain_alloc_paging: a paging domain on the IOMMU instance `dev` sits
 * behind (mock_iommu_of(dev)). Count it in the instance's nr_domains,
 * under the instance's lock. ERR_PTR(-ENOMEM) when the allocation fails.
 */
struct iommu_domain *mock_domain_alloc_paging(struct device *dev)
{
	/* TODO */
	return ERR_PTR(-ENOMEM);
}

/*
 * @attach_dev: point the device's context entry (its master's domain) at
 * `domain`; -EINVAL for a domain this device's instance cannot use.
 */
int mock_domain_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	/* TODO */
	return -EINVAL;
}

/* @flush_iotlb_all: count one IOTLB invalidation on the domain's instance (nr_flushes, under its lock). */
void mock_domain_flush_iotlb_all(struct iommu_domain *domain)
{
	/* TODO */
}

/* @free: the domain's last user let go: uncount it and free it. */
void mock_domain_free(struct iommu_domain *domain)
{
	/* TODO */
	kfree(to_mock_domain(domain));
}

/*
 * VFIO_GROUP_SET_CONTAINER: the group joins the container, on a domain of
 * its own or, when the driver lets it, on a domain the container already
 * has. 0, or an error with nothing left behind.
 */
int vfio_iommu_type1_attach_group(struct vfio_iommu *iommu, struct iommu_group *iommu_group)
{
	/* TODO */
	return -ENODEV;
}

/* The group leaves the container. */
void vfio_iommu_type1_detach_group(struct vfio_iommu *iommu, struct iommu_group *iommu_group)
{
	/* TODO */
}
