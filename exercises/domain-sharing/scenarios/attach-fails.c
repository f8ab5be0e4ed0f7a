/*
 * Group D (behind the second IOMMU) joins a container whose domain_A is on
 * the first: D cannot share domain_A (the driver refuses another
 * instance's domain), so it keeps a domain of its own, into which the
 * existing mapping is replayed, while group A unmaps. Any allocation, the
 * driver's attach or the replay's page table may fail (injected): a failed
 * join leaves nothing behind and group D blocking DMA.
 */
#include "harness.h"

static const char *fault_sites[] = { "kmalloc", "attach_dev", "map_pages" };

static int attach_rc = 1;

void setup(void)
{
	boot();
	set_container(&group_a);
	EXPECT_RET("VFIO_IOMMU_MAP_DMA", vfio_dma_do_map(container, IOVA1, 1), 0);
}

void thread_d(void)
{
	attach_rc = vfio_iommu_type1_attach_group(container, &group_d);
	EXPECT_RET("VFIO_GROUP_SET_CONTAINER(may fail)", attach_rc, 0, -ENOMEM);
}

void thread_a(void)
{
	EXPECT_RET("VFIO_IOMMU_UNMAP_DMA (pages)", vfio_dma_do_unmap(container, IOVA1), 1);
}

void check(void)
{
	if (attach_rc) {
		INVARIANT(group_blocked(&group_d), "a group whose join failed blocks DMA");
		INVARIANT(iommu1.nr_domains == 0, "a failed join frees the domain it allocated");
	} else {
		INVARIANT(!group_blocked(&group_d) && iommu1.nr_domains == 1, "group D is on a domain of its own IOMMU");
		unset_container(&group_d);
	}
	release_all();
}
