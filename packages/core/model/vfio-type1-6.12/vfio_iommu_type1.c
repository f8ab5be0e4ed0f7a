/*
 * Teardown model of the type1 container, drivers/vfio/vfio_iommu_type1.c,
 * Linux 6.12: open and release of a container, VFIO_IOMMU_MAP_DMA and
 * VFIO_IOMMU_UNMAP_DMA over every domain of the container, the replay of
 * existing mappings into a new domain, and the helpers attach and detach
 * use. Each function keeps its upstream counterpart's order of locks,
 * list operations, allocations and frees.
 *
 * The learner writes vfio_iommu_type1_attach_group() (allocate a domain
 * through the group's first device, attach, then try to share an existing
 * domain of the container) and vfio_iommu_type1_detach_group() (exercise
 * domain-sharing).
 *
 * Left out: emulated (mdev) groups, the iova list and reserved regions,
 * MSI cookies, cache coherency, dirty tracking, vaddr updates, locked-memory
 * accounting, the rb-trees (lists here). The model pins a mapping's pages
 * when it is mapped, even while the container has no domain yet (upstream
 * pins those in the replay).
 */

/* Pages pinned for user mappings (the pins vfio_pin_pages_remote() takes). */
atomic_t vfio_pinned_pages;

/* Upstream: list_is_singular() (include/linux/list.h). */
int list_is_singular(const struct list_head *head)
{
	return !list_empty(head) && head->next == head->prev;
}

/* A new, empty container. Upstream: vfio_iommu_type1_open() (6.12), VFIO_TYPE1v2_IOMMU. */
struct vfio_iommu *vfio_iommu_type1_open(void)
{
	struct vfio_iommu *iommu;

	iommu = kzalloc(sizeof(*iommu), GFP_KERNEL);
	if (!iommu)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&iommu->domain_list);
	INIT_LIST_HEAD(&iommu->dma_list);
	mutex_init(&iommu->lock);
	return iommu;
}

/* The group's record in one domain, or NULL. Upstream: find_iommu_group() (6.12). */
struct vfio_iommu_group *find_iommu_group(struct vfio_domain *domain, struct iommu_group *iommu_group)
{
	struct vfio_iommu_group *g;

	list_for_each_entry(g, &domain->group_list, next) {
		if (g->iommu_group == iommu_group)
			return g;
	}
	return NULL;
}

/* The group's record in the container, or NULL; iommu->lock held. Upstream: vfio_iommu_find_iommu_group() (6.12). */
struct vfio_iommu_group *vfio_iommu_find_iommu_group(struct vfio_iommu *iommu, struct iommu_group *iommu_group)
{
	struct vfio_domain *domain;
	struct vfio_iommu_group *group;

	list_for_each_entry(domain, &iommu->domain_list, next) {
		group = find_iommu_group(domain, iommu_group);
		if (group)
			return group;
	}
	return NULL;
}

/*
 * iommu_group_for_each_dev() callback: allocate a paging domain through the
 * first device and stop. `data` is a struct iommu_domain ** that receives
 * the domain or an ERR_PTR. Upstream: vfio_iommu_domain_alloc() (6.12).
 */
int vfio_iommu_domain_alloc(struct device *dev, void *data)
{
	struct iommu_domain **domain = data;

	*domain = iommu_paging_domain_alloc(dev);
	return 1; /* Don't iterate */
}

/* Upstream: vfio_find_dma() (6.12), an exact iova here. */
static struct vfio_dma *vfio_find_dma(struct vfio_iommu *iommu, unsigned long iova)
{
	struct vfio_dma *dma;

	list_for_each_entry(dma, &iommu->dma_list, next) {
		if (dma->iova == iova)
			return dma;
	}
	return NULL;
}

/*
 * Unmap a mapping from every domain, then unpin its pages. Upstream:
 * vfio_unmap_unpin() (6.12): the other domains first, then the first one.
 */
static void vfio_unmap_unpin(struct vfio_iommu *iommu, struct vfio_dma *dma)
{
	struct vfio_domain *domain, *d;

	if (list_empty(&iommu->domain_list))
		goto unpin;
	domain = d = list_first_entry(&iommu->domain_list, struct vfio_domain, next);
	list_for_each_entry(d, &iommu->domain_list, next) {
		if (d != domain)
			iommu_unmap(d->domain, dma->iova, dma->npages);
	}
	iommu_unmap(domain->domain, dma->iova, dma->npages);
unpin:
	atomic_sub(dma->npages, &vfio_pinned_pages);
}

/* Upstream: vfio_remove_dma() (6.12). */
static void vfio_remove_dma(struct vfio_iommu *iommu, struct vfio_dma *dma)
{
	vfio_unmap_unpin(iommu, dma);
	list_del(&dma->next);
	kfree(dma);
}

/*
 * Map into every domain of the container; on an error, unmap from the
 * domains already done. Upstream: vfio_iommu_map() (6.12).
 */
static int vfio_iommu_map(struct vfio_iommu *iommu, unsigned long iova, size_t npages)
{
	struct vfio_domain *d, *e;
	int ret;

	list_for_each_entry(d, &iommu->domain_list, next) {
		ret = iommu_map(d->domain, iova, npages);
		if (ret)
			goto unwind;
	}
	return 0;

unwind:
	list_for_each_entry(e, &iommu->domain_list, next) {
		if (e == d)
			break;
		iommu_unmap(e->domain, iova, npages);
	}
	return ret;
}

/*
 * VFIO_IOMMU_MAP_DMA: pin npages and map them at iova in every domain.
 * 0, -EEXIST, -ENOMEM or a driver's error. Upstream: vfio_dma_do_map() and
 * vfio_pin_map_dma() (6.12).
 */
int vfio_dma_do_map(struct vfio_iommu *iommu, unsigned long iova, size_t npages)
{
	struct vfio_dma *dma;
	int ret = 0;

	mutex_lock(&iommu->lock);
	if (vfio_find_dma(iommu, iova)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	dma = kzalloc(sizeof(*dma), GFP_KERNEL);
	if (!dma) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	dma->iova = iova;
	dma->npages = npages;
	list_add_tail(&dma->next, &iommu->dma_list);

	atomic_add(npages, &vfio_pinned_pages);
	ret = vfio_iommu_map(iommu, iova, npages);
	if (ret) {
		atomic_sub(npages, &vfio_pinned_pages);
		list_del(&dma->next);
		kfree(dma);
	}
out_unlock:
	mutex_unlock(&iommu->lock);
	return ret;
}

/*
 * VFIO_IOMMU_UNMAP_DMA of the mapping at iova: returns the pages unmapped
 * (0 when nothing is mapped there, as upstream reports a size of 0).
 * Upstream: vfio_dma_do_unmap() (6.12), reduced.
 */
int vfio_dma_do_unmap(struct vfio_iommu *iommu, unsigned long iova)
{
	struct vfio_dma *dma;
	int unmapped = 0;

	mutex_lock(&iommu->lock);
	dma = vfio_find_dma(iommu, iova);
	if (dma) {
		unmapped = dma->npages;
		vfio_remove_dma(iommu, dma);
	}
	mutex_unlock(&iommu->lock);
	return unmapped;
}

/*
 * Map every existing mapping into a new domain; on an error, unmap the ones
 * done. iommu->lock held. Upstream: vfio_iommu_replay() (6.12), without the
 * pinning (done at map time here).
 */
int vfio_iommu_replay(struct vfio_iommu *iommu, struct vfio_domain *domain)
{
	struct vfio_dma *dma, *e;
	int ret;

	list_for_each_entry(dma, &iommu->dma_list, next) {
		ret = iommu_map(domain->domain, dma->iova, dma->npages);
		if (ret)
			goto unwind;
	}
	return 0;

unwind:
	list_for_each_entry(e, &iommu->dma_list, next) {
		if (e == dma)
			break;
		iommu_unmap(domain->domain, e->iova, e->npages);
	}
	return ret;
}

/* Remove every mapping. iommu->lock held (or the last reference). Upstream: vfio_iommu_unmap_unpin_all() (6.12). */
void vfio_iommu_unmap_unpin_all(struct vfio_iommu *iommu)
{
	while (!list_empty(&iommu->dma_list))
		vfio_remove_dma(iommu, list_first_entry(&iommu->dma_list, struct vfio_dma, next));
}

/* Detach every group of a domain, then free it. Upstream: vfio_release_domain() (6.12). */
static void vfio_release_domain(struct vfio_domain *domain)
{
	struct vfio_iommu_group *group, *group_tmp;

	list_for_each_entry_safe(group, group_tmp, &domain->group_list, next) {
		iommu_detach_group(domain->domain, group->iommu_group);
		list_del(&group->next);
		kfree(group);
	}
	iommu_domain_free(domain->domain);
}

/*
 * The container's last file reference is gone: every mapping, then every
 * domain with its groups. No lock: nobody else can reach the container.
 * Upstream: vfio_iommu_type1_release() (6.12).
 */
void vfio_iommu_type1_release(struct vfio_iommu *iommu)
{
	struct vfio_domain *domain, *domain_tmp;

	vfio_iommu_unmap_unpin_all(iommu);

	list_for_each_entry_safe(domain, domain_tmp, &iommu->domain_list, next) {
		vfio_release_domain(domain);
		list_del(&domain->next);
		kfree(domain);
	}
	kfree(iommu);
}
