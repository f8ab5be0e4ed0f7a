/*
 * Group B joins the container while group A, the only group of domain_A,
 * leaves it. Either B shares domain_A before A leaves (and domain_A stays),
 * or A's leaving frees domain_A first (and B gets a domain of its own):
 * B must never attach to a domain that is being freed.
 */
#include "harness.h"

void setup(void)
{
	boot();
	set_container(&group_a);
	EXPECT_RET("VFIO_IOMMU_MAP_DMA", vfio_dma_do_map(container, IOVA1, 1), 0);
}

void thread_b(void)
{
	set_container(&group_b);
}

void thread_a(void)
{
	unset_container(&group_a);
}

void check(void)
{
	INVARIANT(group_blocked(&group_a), "group A left");
	INVARIANT(!group_blocked(&group_b) && iommu0.nr_domains == 1, "group B is on one live domain");
	unset_container(&group_b);
	release_all();
}
