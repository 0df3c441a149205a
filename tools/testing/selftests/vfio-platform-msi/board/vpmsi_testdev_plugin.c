// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi plug-in for the test device ("vpmsi,testdev").
 * Test-only: the board's device model plays the hardware.
 *
 * Reset: write VPMSI_RESET_GO to the RESET register of the register window
 * (region 0) and wait until the device clears it.
 *
 * MSIs: the kernel stores each vector's message in the device's table and
 * masks vectors with the table's per-vector mask bit. The module parameter
 * msi_mode, read each time the device is opened, lets tests choose how
 * much the kernel does:
 *   device   messages programmed and vectors masked by the kernel, at the
 *            device (the default)
 *   irqchip  messages programmed by the kernel, vectors masked at the
 *            interrupt controller
 *   generic  nothing: the vector count comes from the device's
 *            msi_vectors attribute and userspace programs the table
 */

#include <linux/device.h>
#include <linux/iopoll.h>
#include <linux/moduleparam.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/string.h>
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

static char *msi_mode = "device";
module_param(msi_mode, charp, 0644);
MODULE_PARM_DESC(msi_mode, "device (default), irqchip or generic: see the source");

static unsigned int msi_nvec;
module_param(msi_nvec, uint, 0644);
MODULE_PARM_DESC(msi_nvec,
		 "MSIs offered from the next open on (default 0: all the device implements)");

static void __iomem *vpmsi_entry(const struct vfio_platform_msi_dev_info *info,
				 unsigned int vector)
{
	return info->regions[0].base + VPMSI_TABLE_ENTRY(vector);
}

/* Atomic context: the caller holds the interrupt's descriptor lock. */
static void vpmsi_write_msg(const struct vfio_platform_msi_dev_info *info,
			    unsigned int vector, const struct msi_msg *msg)
{
	void __iomem *entry = vpmsi_entry(info, vector);
	void __iomem *ctrl = info->regions[0].base + VPMSI_REG_CTRL;

	writel(msg->address_lo, entry + VPMSI_ENTRY_ADDR_LO);
	writel(msg->address_hi, entry + VPMSI_ENTRY_ADDR_HI);
	writel(msg->data, entry + VPMSI_ENTRY_DATA);
	/* The device sends nothing until MSI_EN is set; reset clears it. */
	if (!(readl(ctrl) & VPMSI_CTRL_MSI_EN))
		writel(readl(ctrl) | VPMSI_CTRL_MSI_EN, ctrl);
}

/*
 * Masking at the interrupt controller: the kernel never masks in the
 * device, so a vector is unmasked there once it has its message.
 */
static void vpmsi_write_msg_unmasked(const struct vfio_platform_msi_dev_info *info,
				     unsigned int vector,
				     const struct msi_msg *msg)
{
	vpmsi_write_msg(info, vector, msg);
	writel(0, vpmsi_entry(info, vector) + VPMSI_ENTRY_CTRL);
}

static void vpmsi_mask(const struct vfio_platform_msi_dev_info *info,
		       unsigned int vector)
{
	writel(VPMSI_ENTRY_CTRL_MASKED,
	       vpmsi_entry(info, vector) + VPMSI_ENTRY_CTRL);
}

static void vpmsi_unmask(const struct vfio_platform_msi_dev_info *info,
			 unsigned int vector)
{
	writel(0, vpmsi_entry(info, vector) + VPMSI_ENTRY_CTRL);
}

static int vpmsi_msi_init(const struct vfio_platform_msi_dev_info *info,
			  struct vfio_platform_msi_msi_ops *ops)
{
	unsigned int limit;
	bool generic, at_device;

	if (info->num_regions < 1 || info->regions[0].size < VPMSI_WINDOW_SIZE)
		return -ENODEV;

	kernel_param_lock(THIS_MODULE);
	generic = sysfs_streq(msi_mode, "generic");
	at_device = sysfs_streq(msi_mode, "device");
	if (!generic && !at_device && !sysfs_streq(msi_mode, "irqchip")) {
		kernel_param_unlock(THIS_MODULE);
		dev_err(info->dev, "unknown msi_mode\n");
		return -EINVAL;
	}
	limit = msi_nvec ? min_t(u32, msi_nvec, VPMSI_NUM_VECTORS) :
			   VPMSI_NUM_VECTORS;
	kernel_param_unlock(THIS_MODULE);
	if (generic)
		return 0;

	ops->nvec = min_t(u32, readl(info->regions[0].base +
				     VPMSI_REG_NUM_VECTORS), limit);
	if (at_device) {
		ops->write_msg = vpmsi_write_msg;
		ops->mask = vpmsi_mask;
		ops->unmask = vpmsi_unmask;
	} else {
		ops->write_msg = vpmsi_write_msg_unmasked;
	}
	return 0;
}

static struct vfio_platform_msi_plugin vpmsi_testdev_plugin = {
	.compat = VPMSI_COMPATIBLE,
	.owner = THIS_MODULE,
	.reset = vpmsi_testdev_reset,
	.msi_init = vpmsi_msi_init,
};
module_vfio_platform_msi_plugin(vpmsi_testdev_plugin);

MODULE_ALIAS_VFIO_PLATFORM_MSI_PLUGIN(VPMSI_COMPATIBLE);
MODULE_DESCRIPTION("vfio-platform-msi plug-in for the test device (test-only)");
MODULE_LICENSE("GPL");
