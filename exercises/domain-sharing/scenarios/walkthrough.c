/*
 * The seed's walk-through, step by step (Jason Gunthorpe, April 2022):
 * group A joins the container and domain_A is allocated through device A;
 * group B joins and shares domain_A (the domain allocated for B is freed);
 * group A leaves and device A is hot-unplugged; domain_A lives on, and
 * group B maps, reaches its mapping and unmaps through it; B's leaving
 * frees domain_A.
 */
#include "harness.h"

void setup(void)
{
	boot();
}

void thread_user(void)
{
	struct iommu_domain *domain_a;

	set_container(&group_a);
	domain_a = group_a.domain;
	INVARIANT(iommu0.nr_domains == 1 && !group_blocked(&group_a), "group A is on domain_A, allocated through device A");
	set_container(&group_b);
	INVARIANT(group_b.domain == domain_a, "group B shares domain_A");
	INVARIANT(iommu0.nr_domains == 1, "the domain allocated for group B was freed");
	EXPECT_RET("VFIO_IOMMU_MAP_DMA", vfio_dma_do_map(container, IOVA1, 1), 0);

	unset_container(&group_a);
	INVARIANT(group_blocked(&group_a), "group A blocks DMA once it left the container");
	unplug(&dev_a);
	INVARIANT(iommu0.nr_domains == 1, "domain_A outlives device A: group B still uses it");

	INVARIANT(device_dma(dev_b, IOVA1) == IOVA1, "device B reaches its mapping through domain_A");
	EXPECT_RET("VFIO_IOMMU_UNMAP_DMA (pages)", vfio_dma_do_unmap(container, IOVA1), 1);
	INVARIANT(iommu0.nr_flushes == 1, "the unmap flushed the IOTLB of the instance domain_A was allocated on");

	unset_container(&group_b);
	INVARIANT(iommu0.nr_domains == 0, "the last group's leaving freed domain_A");
}

void check(void)
{
	release_all();
}
