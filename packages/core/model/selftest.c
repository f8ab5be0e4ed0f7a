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

/* The mock bus: its devices bind without a file reference (iommufd_selftest_is_mock_dev()). */
const char iommufd_mock_bus_name[] = "iommufd_mock";
/* The mock IOMMU instance, and the group of the model's one mock device (upstream: one group per mock device). */
static struct iommu_device mock_iommu_device = { .id = 100 };
static struct iommu_group mock_group = { .id = 100 };

/*
 * IOMMU_TEST_OP_MOCK_DOMAIN: a selftest object that owns a mock device and
 * its binding. The object comes first, then the idev, so the idev's ID is
 * the larger one. No attach: the model has no domains. Returns 0 or
 * -errno; the object's and the idev's IDs in *stdev_id and *idev_id.
 * Models iommufd_test_mock_domain() (Linux 6.17, selftest.c) with
 * mock_dev_create() reduced to a struct device.
 */
int iommufd_test_mock_domain(struct iommufd_ctx *ictx, u32 *stdev_id, u32 *idev_id)
{
	struct iommufd_device *idev;
	struct iommufd_object *obj;
	struct selftest_obj *sobj;
	struct device *mock_dev;
	int rc;

	obj = _iommufd_object_alloc(ictx, sizeof(*sobj), IOMMUFD_OBJ_SELFTEST);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	sobj = container_of(obj, struct selftest_obj, obj);

	mock_dev = kzalloc(sizeof(*mock_dev), GFP_KERNEL);
	if (!mock_dev) {
		rc = -ENOMEM;
		goto out_abort;
	}
	device_initialize(mock_dev);
	mock_dev->init_name = iommufd_mock_bus_name;
	mock_dev->iommu_dev = &mock_iommu_device;
	mock_dev->iommu_group = &mock_group;
	sobj->idev.mock_dev = mock_dev;

	idev = iommufd_device_bind(ictx, mock_dev, idev_id);
	if (IS_ERR(idev)) {
		rc = PTR_ERR(idev);
		goto out_mdev;
	}
	sobj->idev.idev = idev;

	*stdev_id = sobj->obj.id;
	iommufd_object_finalize(ictx, &sobj->obj);
	return 0;

out_mdev:
	kfree(mock_dev);
out_abort:
	iommufd_object_abort(ictx, &sobj->obj);
	return rc;
}

/*
 * Destroy of the selftest object: unbind its idev (a kernel destroy, which
 * tombstones a vdev still on it), then free the mock device. Called by
 * IOMMU_DESTROY, or by iommufd_fops_release() in the middle of its loop,
 * where the unbind erases the idev from the xarray the loop walks.
 * Models iommufd_selftest_destroy() (Linux 6.17, TYPE_IDEV, without the detach).
 */
void iommufd_selftest_destroy(struct iommufd_object *obj)
{
	struct selftest_obj *sobj = container_of(obj, struct selftest_obj, obj);

	iommufd_device_unbind(sobj->idev.idev);
	kfree(sobj->idev.mock_dev);
}
