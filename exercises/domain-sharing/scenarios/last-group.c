/*
 * Group A and group C (two devices) share one domain with a mapping, and
 * both leave at once. Whichever leaves last frees the domain, and since it
 * was the container's last domain, every mapping is unmapped and unpinned
 * with it, before the container is closed.
 */
#include "harness.h"

void setup(void)
{
	boot();
	set_container(&group_a);
	set_container(&group_c);
	EXPECT_RET("VFIO_IOMMU_MAP_DMA", vfio_dma_do_map(container, IOVA1, 1), 0);
}

void thread_a(void)
{
	unset_container(&group_a);
}

void thread_c(void)
{
	unset_container(&group_c);
}

void check(void)
{
	INVARIANT(group_blocked(&group_a) && group_blocked(&group_c), "both groups left");
	INVARIANT(iommu0.nr_domains == 0, "the last group's leaving freed the domain");
	INVARIANT(atomic_read(&vfio_pinned_pages) == 0 && list_empty(&container->dma_list),
		  "the container's last domain took every mapping with it");
	release_all();
}
