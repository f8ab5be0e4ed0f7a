/*
 * Teardown model of the IOMMU driver behind every device: a mock vIOMMU
 * driver in the manner of drivers/iommu/iommufd/selftest.c (Linux 6.17),
 * whose mock_viommu_init() sets viommu->ops. Its vdevice ops follow the
 * shape of the 6.17 drivers that have them (tegra241-cmdqv's
 * tegra241_vintf_init_vsid(), the AMD vIOMMU's): the driver's vdevice
 * structure embeds the core's first, vdevice_init claims a per-vdevice
 * hardware entry and sets vdev->destroy, which gives it back.
 *
 * What a learner's abort and destroy must get right shows here: a missed
 * vdev->destroy leaks the entry (kmemleak), a second one frees it twice
 * (KASAN), and a call through vdev->destroy when vdevice_init failed before
 * setting it is a NULL-pointer call.
 *
 * Fault site: "vdevice_init" (the hardware refuses the virtual ID), for
 * scenarios that arm it; the entry's allocation is the "kmalloc" site.
 */

/* The driver's per-vdevice hardware state (a stream-table entry, a vSID slot). */
struct mock_vdev_entry {
	u64 virt_id;
};

struct mock_vdevice {
	struct iommufd_vdevice core;	/* first: VDEVICE_STRUCT_SIZE() requires it */
	struct mock_vdev_entry *entry;
};

/* vdev->destroy: give the hardware entry back. Runs from the vdevice's abort, igroup->lock held. */
static void mock_vdevice_destroy(struct iommufd_vdevice *vdev)
{
	struct mock_vdevice *mvdev = container_of(vdev, struct mock_vdevice, core);

	kfree(mvdev->entry);
	mvdev->entry = NULL;
}

/* viommu->ops->vdevice_init: claim the entry for vdev->virt_id; on success, vdev->destroy undoes it. */
static int mock_vdevice_init(struct iommufd_vdevice *vdev)
{
	struct mock_vdevice *mvdev = container_of(vdev, struct mock_vdevice, core);

	/* the hardware refuses the virtual ID */
	if (should_fail("vdevice_init"))
		return -EINVAL;
	mvdev->entry = kzalloc(sizeof(*mvdev->entry), GFP_KERNEL);
	if (!mvdev->entry)
		return -ENOMEM;
	mvdev->entry->virt_id = vdev->virt_id;
	vdev->destroy = mock_vdevice_destroy;
	return 0;
}

static const struct iommufd_viommu_ops mock_viommu_ops = {
	.vdevice_size = sizeof(struct mock_vdevice),
	.vdevice_init = mock_vdevice_init,
};

/* iommu_ops->viommu_init: the driver's part of IOMMU_VIOMMU_ALLOC. Models mock_viommu_init() (Linux 6.17). */
static int mock_viommu_init(struct iommufd_viommu *viommu)
{
	viommu->ops = &mock_viommu_ops;
	return 0;
}

static const struct iommu_ops mock_iommu_ops = {
	.viommu_init = mock_viommu_init,
};

/* The IOMMU driver of `dev`: the mock, for every device. Upstream: dev_iommu_ops() (include/linux/iommu.h). */
const struct iommu_ops *dev_iommu_ops(struct device *dev)
{
	return &mock_iommu_ops;
}
