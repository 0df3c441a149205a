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
 *   generic  nothing: the user says how many vectors when it asks for
 *            the MSIs, and programs the table itself
 *
 * Power: power_off writes POWER (WAKE_EN when userspace asked to be woken
 * up) and waits until the device reports it is off (STATUS.READY clear);
 * power_on turns it on again and waits for READY. The device keeps its
 * registers while off, so nothing needs restoring. The reset turns the
 * device on first: an off device leaves its RESET mailbox alone.
 *
 * Regions: the register window (region 0) takes 64-bit accesses at every
 * doubleword (it has a 64-bit register, LAST_MSI_NS), so read() and write()
 * may use them there; the aux block (region 1) is left at the default.
 * With the module parameter nommap_table set (read at open), the vector
 * table is kept out of mmap in device and irqchip modes, where the kernel
 * programs it; generic mode leaves it mappable, userspace programs it. Off
 * by default: the MSI tests map the whole window.
 *
 * Bus watch: the device is RAM and cannot see how wide the CPU's accesses
 * to it are, so the plug-in lets tests count them. With watch_region set
 * to a region n (not -1), the reset at the next open arms a hardware
 * watchpoint on the 8 bytes at watch_offset (8-byte aligned) of the
 * driver's own kernel mapping of region n, on every CPU. watch_hits then
 * reads the number of loads and stores the CPUs made that touched those
 * bytes: one for a 64-bit access, two for two 32-bit accesses. Writing
 * watch_region or watch_offset disarms the watchpoint; so does unloading
 * the module. Disarm it once the device is closed: the mapping is gone,
 * and the watchpoint would count whatever reuses the address.
 */

#include <linux/device.h>
#include <linux/hw_breakpoint.h>
#include <linux/iopoll.h>
#include <linux/irq.h>
#include <linux/moduleparam.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/perf_event.h>
#include <linux/string.h>
#include <linux/vfio_platform_msi.h>

#include "vpmsi_msi_parent.h"
#include "vpmsi_testdev.h"

/*
 * The model polls its window every 50 us, 1 ms when idle, from a kthread
 * of the guest: under TCG, with KASAN and other guests on the host's
 * cores, that kthread has been seen not to run for 500 ms (a reset on
 * open failed with -ETIMEDOUT). A real device's plug-in waits as long as
 * its datasheet says; this one waits long enough for the bench.
 */
#define VPMSI_RESET_POLL_US	20
#define VPMSI_RESET_TIMEOUT_US	(5 * USEC_PER_SEC)

/*
 * The bus watch (see the top of this file). Its parameters and the
 * watchpoint are protected by the module's parameter lock
 * (kernel_param_lock()), which sysfs holds around the set and get
 * operations below.
 */
#ifdef CONFIG_HAVE_HW_BREAKPOINT
static struct perf_event * __percpu *watch_bp;
static void __iomem *watch_addr;

static void vpmsi_watch_disarm(void)
{
	if (watch_bp)
		unregister_wide_hw_breakpoint(watch_bp);
	watch_bp = NULL;
	watch_addr = NULL;
}

static int vpmsi_watch_set(const char *val, const struct kernel_param *kp)
{
	vpmsi_watch_disarm();
	return param_set_int(val, kp);
}

static int vpmsi_watch_hits(char *buf, const struct kernel_param *kp)
{
	u64 hits = 0, enabled, running;
	int cpu;

	if (!watch_bp)
		return -ENODATA;
	cpus_read_lock();
	for_each_online_cpu(cpu)
		hits += perf_event_read_value(per_cpu(*watch_bp, cpu),
					      &enabled, &running);
	cpus_read_unlock();
	return sysfs_emit(buf, "%llu\n", hits);
}

#else
/* A kernel without hardware breakpoints: nothing to count with. */
static void vpmsi_watch_disarm(void)
{
}

static int vpmsi_watch_set(const char *val, const struct kernel_param *kp)
{
	return param_set_int(val, kp);
}

static int vpmsi_watch_hits(char *buf, const struct kernel_param *kp)
{
	return -EOPNOTSUPP;
}
#endif

static const struct kernel_param_ops vpmsi_watch_ops = {
	.set = vpmsi_watch_set,
	.get = param_get_int,
};

static const struct kernel_param_ops vpmsi_watch_hits_ops = {
	.get = vpmsi_watch_hits,
};

static int watch_region = -1;
module_param_cb(watch_region, &vpmsi_watch_ops, &watch_region, 0644);
MODULE_PARM_DESC(watch_region, "count accesses to this region from the next open (-1: off): see the source");

static int watch_offset;
module_param_cb(watch_offset, &vpmsi_watch_ops, &watch_offset, 0644);
MODULE_PARM_DESC(watch_offset, "8-byte aligned offset of the doubleword to watch");

module_param_cb(watch_hits, &vpmsi_watch_hits_ops, NULL, 0444);
MODULE_PARM_DESC(watch_hits, "accesses to the watched doubleword since the open");

/*
 * move_msg: a test hook that plays an interrupt controller moving a
 * vector to another message, which the GICv3 ITS never does. Writing
 * "VIRQ ADDRESS DATA" hands that message to the MSI layer of interrupt
 * VIRQ (the level whose chip writes messages to the device), as a
 * controller does when it retargets a vector: dev-msi records it, the
 * kernel's plug-in (if any) writes it into the device, and the VFIO user
 * is told. Only the device's copy changes, not the controller: the test
 * moves the vector back before it fires it.
 */
static int vpmsi_move_msg_set(const char *val, const struct kernel_param *kp)
{
	struct msi_msg msg = { };
	struct irq_data *d;
	unsigned int virq;
	u64 addr;
	u32 data;

	if (sscanf(val, "%u %llx %x", &virq, &addr, &data) != 3)
		return -EINVAL;
	d = irq_get_irq_data(virq);
	while (d && !(d->chip && d->chip->irq_write_msi_msg))
		d = d->parent_data;
	if (!d)
		return -ENOENT;
	msg.address_lo = lower_32_bits(addr);
	msg.address_hi = upper_32_bits(addr);
	msg.data = data;
	d->chip->irq_write_msi_msg(d, &msg);
	return 0;
}

static const struct kernel_param_ops vpmsi_move_msg_ops = {
	.set = vpmsi_move_msg_set,
};

module_param_cb(move_msg, &vpmsi_move_msg_ops, NULL, 0200);
MODULE_PARM_DESC(move_msg, "test hook: \"VIRQ ADDRESS DATA\" moves an MSI to that message (see the source)");

#ifdef CONFIG_HAVE_HW_BREAKPOINT
/* With the regions mapped (any callback): arm the watch if asked for. */
static void vpmsi_watch_arm(const struct vfio_platform_msi_dev_info *info)
{
	struct perf_event * __percpu *bp;
	struct perf_event_attr attr;
	void __iomem *addr;

	kernel_param_lock(THIS_MODULE);
	if (watch_region < 0 || watch_region >= info->num_regions ||
	    watch_offset < 0 || !IS_ALIGNED(watch_offset, 8) ||
	    watch_offset + 8 > info->regions[watch_region].size)
		goto out;
	addr = info->regions[watch_region].base + watch_offset;
	if (watch_bp && addr == watch_addr)
		goto out;
	vpmsi_watch_disarm();

	hw_breakpoint_init(&attr);
	attr.bp_addr = (unsigned long)addr;
	attr.bp_len = HW_BREAKPOINT_LEN_8;
	attr.bp_type = HW_BREAKPOINT_R | HW_BREAKPOINT_W;
	bp = register_wide_hw_breakpoint(&attr, NULL, NULL);
	if (IS_ERR(bp)) {
		dev_err(info->dev, "cannot arm the bus watch: %ld\n",
			PTR_ERR(bp));
		goto out;
	}
	watch_bp = bp;
	watch_addr = addr;
out:
	kernel_param_unlock(THIS_MODULE);
}
#else
static void vpmsi_watch_arm(const struct vfio_platform_msi_dev_info *info)
{
}
#endif

static int vpmsi_testdev_reset(const struct vfio_platform_msi_dev_info *info)
{
	const struct vfio_platform_msi_region *win = &info->regions[0];
	u32 val;
	int ret;

	if (info->num_regions < 1 || win->size < VPMSI_WINDOW_SIZE)
		return -ENODEV;

	/* Not part of the reset: the first callback of an open (see top). */
	vpmsi_watch_arm(info);

	writel(VPMSI_POWER_ON, win->base + VPMSI_REG_POWER);
	writel(VPMSI_RESET_GO, win->base + VPMSI_REG_RESET);
	ret = readl_poll_timeout(win->base + VPMSI_REG_RESET, val, !val,
				 VPMSI_RESET_POLL_US, VPMSI_RESET_TIMEOUT_US);
	if (ret)
		dev_err(info->dev, "reset did not complete (RESET = %#x)\n",
			val);
	return ret;
}

/* Write POWER and wait until STATUS.READY says the device followed. */
static int vpmsi_power(const struct vfio_platform_msi_dev_info *info,
		       u32 power)
{
	void __iomem *base = info->regions[0].base;
	u32 ready = power & VPMSI_POWER_ON ? VPMSI_STATUS_READY : 0;
	u32 val;
	int ret;

	if (info->num_regions < 1 ||
	    info->regions[0].size < VPMSI_WINDOW_SIZE)
		return -ENODEV;
	writel(power, base + VPMSI_REG_POWER);
	ret = readl_poll_timeout(base + VPMSI_REG_STATUS, val,
				 (val & VPMSI_STATUS_READY) == ready,
				 VPMSI_RESET_POLL_US, VPMSI_RESET_TIMEOUT_US);
	if (ret)
		dev_err(info->dev, "power %#x not reached (STATUS = %#x)\n",
			power, val);
	return ret;
}

static int vpmsi_power_off(const struct vfio_platform_msi_dev_info *info,
			   bool wake)
{
	return vpmsi_power(info, wake ? VPMSI_POWER_WAKE_EN : 0);
}

static int vpmsi_power_on(const struct vfio_platform_msi_dev_info *info)
{
	return vpmsi_power(info, VPMSI_POWER_ON);
}

static char *msi_mode = "device";
module_param(msi_mode, charp, 0644);
MODULE_PARM_DESC(msi_mode, "device (default), irqchip or generic: see the source");

static unsigned int msi_nvec;
module_param(msi_nvec, uint, 0644);
MODULE_PARM_DESC(msi_nvec,
		 "MSIs offered from the next open on (default 0: all the device implements, or what the MSI controller has for one device if fewer: 256 on an IMSIC)");

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
	limit = msi_nvec ? min_t(u32, msi_nvec, VPMSI_NUM_VECTORS) : 0;
	kernel_param_unlock(THIS_MODULE);
	/* by default, no more than the MSI controller has for one device */
	if (!limit) {
		limit = vpmsi_msi_parent_nvec(info->dev->of_node);
		limit = limit ? min_t(u32, limit, VPMSI_NUM_VECTORS) :
				VPMSI_NUM_VECTORS;
	}
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

static bool nommap_table;
module_param(nommap_table, bool, 0644);
MODULE_PARM_DESC(nommap_table,
		 "keep the vector table out of mmap when the kernel programs it (default N)");

static int vpmsi_region_access(const struct vfio_platform_msi_dev_info *info,
			       unsigned int index,
			       struct vfio_platform_msi_region_access *access)
{
	bool nommap;

	if (index != 0)
		return 0;
	access->io64 = true;

	kernel_param_lock(THIS_MODULE);
	nommap = nommap_table && !sysfs_streq(msi_mode, "generic");
	kernel_param_unlock(THIS_MODULE);
	if (nommap) {
		access->nommap[0].offset = VPMSI_TABLE;
		access->nommap[0].size = VPMSI_PBA - VPMSI_TABLE;
		access->nr_nommap = 1;
	}
	return 0;
}

static struct vfio_platform_msi_plugin vpmsi_testdev_plugin = {
	.compat = VPMSI_COMPATIBLE,
	.owner = THIS_MODULE,
	.reset = vpmsi_testdev_reset,
	.msi_init = vpmsi_msi_init,
	.region_access = vpmsi_region_access,
	.power_off = vpmsi_power_off,
	.power_on = vpmsi_power_on,
};

static int __init vpmsi_testdev_plugin_init(void)
{
	return vfio_platform_msi_register_plugin(&vpmsi_testdev_plugin);
}
module_init(vpmsi_testdev_plugin_init);

static void __exit vpmsi_testdev_plugin_exit(void)
{
	vfio_platform_msi_unregister_plugin(&vpmsi_testdev_plugin);
	kernel_param_lock(THIS_MODULE);
	vpmsi_watch_disarm();
	kernel_param_unlock(THIS_MODULE);
}
module_exit(vpmsi_testdev_plugin_exit);

MODULE_ALIAS_VFIO_PLATFORM_MSI_PLUGIN(VPMSI_COMPATIBLE);
MODULE_DESCRIPTION("vfio-platform-msi plug-in for the test device (test-only)");
MODULE_LICENSE("GPL");
