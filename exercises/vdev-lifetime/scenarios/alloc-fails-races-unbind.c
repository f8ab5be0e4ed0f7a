/*
 * IOMMU_VDEVICE_ALLOC fails after the link while the device is unbound:
 * the driver's vdevice_init refuses the virtual ID (before it set
 * vdev->destroy), or copying the response to userspace faults (after it
 * did). Each failure is injected in turn, at every point of every
 * interleaving with the unbind. The vdevice's abort then runs with
 * igroup->lock held and must undo exactly what the half-built vdev holds;
 * the unbind must not see a vdev that is gone.
 */
#include "harness.h"

static const char *fault_sites[] = { "vdevice_init", "copy_to_user" };

static u32 vdev_id;
static int alloc_rc = 1;

void setup(void)
{
	setup_bound_device();
}

void thread_alloc(void)
{
	alloc_rc = ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x99, &vdev_id);
	EXPECT_RET("IOMMU_VDEVICE_ALLOC(may fail)", alloc_rc, 0, -ENOENT, -EINVAL, -EFAULT);
}

void thread_unbind(void)
{
	close_fd(cdev0);
}

void check(void)
{
	if (alloc_rc)
		INVARIANT(vdev_at(viommu_id, 0x99) == NULL, "a failed alloc leaves no vdev on the vIOMMU");
	EXPECT_RET("IOMMU_DESTROY(viommu)", ioctl_destroy(ifd, viommu_id), 0);
	teardown(true);
}
