/*
 * Two groups share domain_A. Group A leaves and device A is hot-unplugged
 * while group B maps, does DMA and unmaps: every op of domain_A that runs
 * after the unplug must find what it needs in the domain.
 */
#include "harness.h"

void setup(void)
{
	boot();
	set_container(&group_a);
	set_container(&group_b);
	EXPECT_RET("VFIO_IOMMU_MAP_DMA", vfio_dma_do_map(container, IOVA1, 1), 0);
}

void thread_a(void)
{
	unset_container(&group_a);
	unplug(&dev_a);
}

void thread_b(void)
{
	EXPECT_RET("VFIO_IOMMU_MAP_DMA", vfio_dma_do_map(container, IOVA2, 1), 0);
	INVARIANT(device_dma(dev_b, IOVA2) == IOVA2, "device B reaches its new mapping");
	EXPECT_RET("VFIO_IOMMU_UNMAP_DMA (pages)", vfio_dma_do_unmap(container, IOVA2), 1);
	EXPECT_RET("VFIO_IOMMU_UNMAP_DMA (pages)", vfio_dma_do_unmap(container, IOVA1), 1);
}

void check(void)
{
	INVARIANT(iommu0.nr_domains == 1 && !group_blocked(&group_b), "domain_A outlives device A, attached to group B");
	unset_container(&group_b);
	release_all();
}
