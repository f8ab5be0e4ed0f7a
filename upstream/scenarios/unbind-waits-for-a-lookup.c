/*
 * Upstream finding wake-up-stall: an ioctl holds a lookup reference on the
 * vdev (users and wait_cnt) while the VFIO cdev is closed. The unbind
 * destroys the idev, whose pre_destroy tombstones the vdev with REMOVE_WAIT:
 * iommufd_object_dec_wait() sleeps in wait_event_timeout(), uninterruptibly,
 * until the ioctl's iommufd_put_object() drops wait_cnt to 0 and wakes
 * destroy_wait. In 6.17 that wake-up is wake_up_interruptible_all(), which
 * passes an uninterruptible sleeper by: the unbind sleeps its full 60 s.
 */
#include "harness.h"

static u32 vdev_id;

void setup(void)
{
	setup_bound_device();
	EXPECT_RET("IOMMU_VDEVICE_ALLOC", ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x99, &vdev_id), 0);
}

void thread_ioctl(void)
{
	EXPECT_RET("an ioctl using the vdev", ioctl_vdevice_use(ifd, vdev_id), 0, -ENOENT);
}

void thread_unbind(void)
{
	close_fd(cdev0);
}

void check(void)
{
	EXPECT_RET("IOMMU_DESTROY(vdev) after the unbind", ioctl_destroy(ifd, vdev_id), -ENOENT);
	teardown(true);
}
