/*
 * VFIO_DEVICE_BIND_IOMMUFD's first open fails after the bind: the driver
 * cannot enable the device (injected at pci_enable_device). The open must
 * give back what it took (the idev, and with it the idev's reference on
 * the iommufd file), while the process closes its iommufd.
 */
#include "harness.h"

static const char *fault_sites[] = { "pci_enable_device" };

static int bind_rc = 1;

void setup(void)
{
	setup_open_device();
}

void thread_bind(void)
{
	bind_rc = ioctl_vfio_bind_iommufd(cdev0, ifd, &dev_id);
	EXPECT_RET("VFIO_DEVICE_BIND_IOMMUFD(may fail)", bind_rc, 0, -EIO, -EBADF);
}

void thread_close_iommufd(void)
{
	EXPECT_RET("close(iommufd)", close_fd(ifd), 0);
}

void check(void)
{
	EXPECT_RET("close(cdev)", close_fd(cdev0), 0);
	vfio_pci_remove(vfio0);
}
