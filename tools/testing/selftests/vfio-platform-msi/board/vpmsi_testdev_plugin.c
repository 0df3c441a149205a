// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi plug-in for the test device ("vpmsi,testdev").
 * Test-only: the board's device model plays the hardware.
 *
 * Reset: write VPMSI_RESET_GO to the RESET register of the register window
 * (region 0) and wait until the device clears it.
 */

#include <linux/device.h>
#include <linux/iopoll.h>
#include <linux/module.h>
#include <linux/vfio_platform_msi.h>

#include "vpmsi_testdev.h"

/* The model polls its window every 50 us, 1 ms when idle; be generous. */
#define VPMSI_RESET_POLL_US	20
#define VPMSI_RESET_TIMEOUT_US	(500 * USEC_PER_MSEC)

static int vpmsi_testdev_reset(const struct vfio_platform_msi_dev_info *info)
{
	const struct vfio_platform_msi_region *win = &info->regions[0];
	u32 val;
	int ret;

	if (info->num_regions < 1 || win->size < VPMSI_WINDOW_SIZE)
		return -ENODEV;

	writel(VPMSI_RESET_GO, win->base + VPMSI_REG_RESET);
	ret = readl_poll_timeout(win->base + VPMSI_REG_RESET, val, !val,
				 VPMSI_RESET_POLL_US, VPMSI_RESET_TIMEOUT_US);
	if (ret)
		dev_err(info->dev, "reset did not complete (RESET = %#x)\n",
			val);
	return ret;
}

static struct vfio_platform_msi_plugin vpmsi_testdev_plugin = {
	.compat = VPMSI_COMPATIBLE,
	.owner = THIS_MODULE,
	.reset = vpmsi_testdev_reset,
};
module_vfio_platform_msi_plugin(vpmsi_testdev_plugin);

MODULE_ALIAS_VFIO_PLATFORM_MSI_PLUGIN(VPMSI_COMPATIBLE);
MODULE_DESCRIPTION("vfio-platform-msi plug-in for the test device (test-only)");
MODULE_LICENSE("GPL");
