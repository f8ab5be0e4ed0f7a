/*
 * Upstream finding wake-up-stall: an ioctl that looked up the idevice
 * (IOMMU_VIOMMU_ALLOC here; IOMMU_VDEVICE_ALLOC, IOMMU_HWPT_ALLOC and
 * IOMMU_GET_HW_INFO take the same lookup reference: users and wait_cnt)
 * races the close of the VFIO cdev. The unbind destroys the idev with
 * REMOVE_WAIT: iommufd_object_dec_wait() sleeps in wait_event_timeout(),
 * uninterruptibly, until the ioctl's iommufd_put_object() drops wait_cnt to 0
 * and wakes destroy_wait. In 6.17 that wake-up is
 * wake_up_interruptible_all(), which passes an uninterruptible sleeper by:
 * the unbind sleeps its full 60 s.
 */
#include "harness.h"

static u32 viommu2_id;

void setup(void)
{
	setup_bound_device();
}

void thread_ioctl(void)
{
	EXPECT_RET("IOMMU_VIOMMU_ALLOC for the device", ioctl_viommu_alloc(ifd, dev_id, &viommu2_id), 0, -ENOENT);
}

void thread_unbind(void)
{
	close_fd(cdev0);
}

void check(void)
{
	teardown(true);
}
