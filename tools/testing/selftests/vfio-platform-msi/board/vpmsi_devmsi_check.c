// SPDX-License-Identifier: GPL-2.0
/*
 * vpmsi_devmsi_check: test-only driver that checks dev-msi's promise that
 * disable_irq() on a vector masks at once, for a handler installed again
 * after free_irq() (include/linux/dev_msi.h).
 *
 * The interrupt core clears IRQ_DISABLE_UNLAZY when it frees a vector's
 * last handler; dev_msi_request_irq() sets it again. This is not visible
 * through vfio-platform-msi from userspace, so this driver does it on the
 * test device with the kernel API and reports what it saw in sysfs:
 *
 *   echo 1 >/sys/bus/platform/devices/<dev>/run
 *   cat /sys/bus/platform/devices/<dev>/result
 *
 * A run allocates one vector with device mask/unmask operations, requests
 * it with dev_msi_request_irq(), checks that disable_irq() masks it,
 * fires it once enabled, frees the handler, requests it again, disables
 * it, checks that it is masked at once, fires it twice while disabled and
 * counts the handler's calls after enable_irq(): the device holds one
 * event, so the handler runs once. With lazy disable the first fire
 * reaches the core, which masks and replays it on enable, and the second,
 * held by the device, is sent on unmask as well: two calls.
 *
 * A run frees everything it allocated before it returns, so unbind has
 * nothing to undo (sysfs removal waits for a run in progress). It has no ID
 * table: it binds only through driver_override.
 */

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/dev_msi.h>
#include <linux/device.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/sysfs.h>

#include "vpmsi_testdev.h"

#define DRV_NAME		"vpmsi_devmsi_check"
#define CK_VECTOR		0
#define CK_MAILBOX_MS		2000	/* a mailbox request, at most */
#define CK_SETTLE_MS		100	/* for MSIs in flight to arrive */

/**
 * struct vpmsi_ck - one bound test device
 * @dev:	the device
 * @regs:	its register window
 * @handled:	calls of the handler since the last reset of the counter
 * @lock:	serialises runs and readers of @result
 * @result:	what the last run saw, as text; empty before the first one
 */
struct vpmsi_ck {
	struct device *dev;
	void __iomem *regs;
	atomic_t handled;
	struct mutex lock;	/* runs, @result */
	char result[256];
};

static u32 ck_rd(struct vpmsi_ck *ck, u32 off)
{
	return readl(ck->regs + off);
}

static void ck_wr(struct vpmsi_ck *ck, u32 off, u32 val)
{
	writel(val, ck->regs + off);
}

static void ck_entry_mask(struct vpmsi_ck *ck, unsigned int v, bool mask)
{
	u32 off = VPMSI_TABLE_ENTRY(v) + VPMSI_ENTRY_CTRL;
	u32 ctrl = ck_rd(ck, off);

	if (mask)
		ctrl |= VPMSI_ENTRY_CTRL_MASKED;
	else
		ctrl &= ~VPMSI_ENTRY_CTRL_MASKED;
	ck_wr(ck, off, ctrl);
}

/* dev-msi operations: atomic context, plain register writes */
static void ck_write_msg(void *data, unsigned int index,
			 const struct msi_msg *msg)
{
	struct vpmsi_ck *ck = data;
	u32 base = VPMSI_TABLE_ENTRY(index);

	ck_wr(ck, base + VPMSI_ENTRY_ADDR_LO, msg->address_lo);
	ck_wr(ck, base + VPMSI_ENTRY_ADDR_HI, msg->address_hi);
	ck_wr(ck, base + VPMSI_ENTRY_DATA, msg->data);
}

static void ck_mask(void *data, unsigned int index)
{
	ck_entry_mask(data, index, true);
}

static void ck_unmask(void *data, unsigned int index)
{
	ck_entry_mask(data, index, false);
}

static const struct dev_msi_ops ck_ops = {
	.write_msg	= ck_write_msg,
	.mask		= ck_mask,
	.unmask		= ck_unmask,
};

static irqreturn_t ck_handler(int irq, void *arg)
{
	struct vpmsi_ck *ck = arg;

	atomic_inc(&ck->handled);
	return IRQ_HANDLED;
}

/* Wait until register @off reads @val: 0 or -ETIMEDOUT */
static int ck_wait(struct vpmsi_ck *ck, u32 off, u32 mask, u32 val)
{
	unsigned int ms;

	for (ms = 0; ms < CK_MAILBOX_MS; ms++) {
		if ((ck_rd(ck, off) & mask) == val)
			return 0;
		usleep_range(1000, 2000);
	}
	return -ETIMEDOUT;
}

/* The device powered, running and reset: every entry masked, MSI_EN clear */
static int ck_device_reset(struct vpmsi_ck *ck)
{
	int ret;

	ck_wr(ck, VPMSI_REG_POWER, VPMSI_POWER_ON);
	ret = ck_wait(ck, VPMSI_REG_STATUS, VPMSI_STATUS_READY,
		      VPMSI_STATUS_READY);
	if (ret)
		return ret;
	ck_wr(ck, VPMSI_REG_RESET, VPMSI_RESET_GO);
	return ck_wait(ck, VPMSI_REG_RESET, ~0u, 0);
}

/* One FIRE request for vector @v, complete once this returns 0 */
static int ck_fire(struct vpmsi_ck *ck, unsigned int v)
{
	int ret;

	ret = ck_wait(ck, VPMSI_REG_FIRE, ~0u, 0);
	if (ret)
		return ret;
	ck_wr(ck, VPMSI_REG_FIRE, VPMSI_FIRE_GO | VPMSI_FIRE_COUNT(1) | v);
	return ck_wait(ck, VPMSI_REG_FIRE, ~0u, 0);
}

static bool ck_masked(unsigned int virq)
{
	return irqd_irq_masked(irq_get_irq_data(virq));
}

/* What a run saw; each field is written by the step that measures it */
struct ck_facts {
	bool masked_first;	/* masked by disable_irq(), first handler */
	int delivered;		/* calls for one fire while enabled */
	bool masked;		/* masked by disable_irq(), handler requested again */
	int held;		/* calls while disabled, two fires */
	int handled;		/* calls after enable_irq() */
	u32 sent;		/* MSIs the device sent for the two fires */
};

/* Fire once while enabled: the delivery path works at all */
static int ck_deliver(struct vpmsi_ck *ck, struct ck_facts *f)
{
	int ret;

	atomic_set(&ck->handled, 0);
	ret = ck_fire(ck, CK_VECTOR);
	if (ret)
		return ret;
	msleep(CK_SETTLE_MS);
	f->delivered = atomic_read(&ck->handled);
	return 0;
}

/* Two fires while disabled, then enable_irq(): how many handler calls */
static int ck_held(struct vpmsi_ck *ck, unsigned int virq, struct ck_facts *f)
{
	u32 before = ck_rd(ck, VPMSI_COUNT_REG(CK_VECTOR));
	int ret;

	atomic_set(&ck->handled, 0);
	ret = ck_fire(ck, CK_VECTOR);
	if (!ret) {
		/* Lazily disabled, the core takes this one and masks */
		msleep(CK_SETTLE_MS);
		ret = ck_fire(ck, CK_VECTOR);
	}
	msleep(CK_SETTLE_MS);
	f->held = atomic_read(&ck->handled);
	enable_irq(virq);
	msleep(CK_SETTLE_MS);
	f->handled = atomic_read(&ck->handled) - f->held;
	f->sent = ck_rd(ck, VPMSI_COUNT_REG(CK_VECTOR)) - before;
	return ret;
}

/* The device stops sending before the vector's handler is freed */
static void ck_quiesce(struct vpmsi_ck *ck)
{
	ck_wr(ck, VPMSI_REG_CTRL,
	      ck_rd(ck, VPMSI_REG_CTRL) & ~VPMSI_CTRL_MSI_EN);
	ck_entry_mask(ck, CK_VECTOR, true);
}

static int ck_run_locked(struct vpmsi_ck *ck, struct ck_facts *f)
{
	struct dev_msi *dm;
	int virq, ret;

	lockdep_assert_held(&ck->lock);

	ret = ck_device_reset(ck);
	if (ret)
		return ret;
	dm = dev_msi_alloc(ck->dev, 1, &ck_ops, ck);
	if (IS_ERR(dm))
		return PTR_ERR(dm);
	virq = dev_msi_virq(dm, CK_VECTOR);
	if (virq < 0) {
		ret = virq;
		goto err_free;
	}

	ret = dev_msi_request_irq(dm, CK_VECTOR, ck_handler, 0, DRV_NAME, ck);
	if (ret)
		goto err_free;
	ck_wr(ck, VPMSI_REG_CTRL, ck_rd(ck, VPMSI_REG_CTRL) | VPMSI_CTRL_MSI_EN);
	disable_irq(virq);
	f->masked_first = ck_masked(virq);
	enable_irq(virq);
	ret = ck_deliver(ck, f);
	ck_quiesce(ck);
	free_irq(virq, ck);
	if (ret)
		goto err_free;

	/* The vector's last action is gone: the core cleared UNLAZY */
	ret = dev_msi_request_irq(dm, CK_VECTOR, ck_handler, 0, DRV_NAME, ck);
	if (ret)
		goto err_free;
	ck_wr(ck, VPMSI_REG_CTRL, ck_rd(ck, VPMSI_REG_CTRL) | VPMSI_CTRL_MSI_EN);
	disable_irq(virq);
	f->masked = ck_masked(virq);
	ret = ck_held(ck, virq, f);
	ck_quiesce(ck);
	free_irq(virq, ck);

err_free:
	dev_msi_free(dm);
	return ret;
}

static ssize_t run_store(struct device *dev, struct device_attribute *attr,
			 const char *buf, size_t count)
{
	struct vpmsi_ck *ck = dev_get_drvdata(dev);
	struct ck_facts f = { };
	bool go;
	int ret;

	ret = kstrtobool(buf, &go);
	if (ret)
		return ret;
	if (!go)
		return -EINVAL;

	mutex_lock(&ck->lock);
	ck->result[0] = '\0';
	ret = ck_run_locked(ck, &f);
	if (!ret)
		scnprintf(ck->result, sizeof(ck->result),
			  "masked_first %d\ndelivered %d\nmasked %d\nheld %d\nhandled %d\nsent %u\n",
			  f.masked_first, f.delivered, f.masked, f.held,
			  f.handled, f.sent);
	mutex_unlock(&ck->lock);
	return ret ?: count;
}
static DEVICE_ATTR_WO(run);

static ssize_t result_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct vpmsi_ck *ck = dev_get_drvdata(dev);
	ssize_t len;

	mutex_lock(&ck->lock);
	len = sysfs_emit(buf, "%s", ck->result);
	mutex_unlock(&ck->lock);
	return len;
}
static DEVICE_ATTR_RO(result);

static struct attribute *ck_attrs[] = {
	&dev_attr_run.attr,
	&dev_attr_result.attr,
	NULL
};
ATTRIBUTE_GROUPS(ck);

static int ck_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct resource *res;
	struct vpmsi_ck *ck;

	if (!dev_msi_capable(dev))
		return -ENODEV;
	res = platform_get_resource(pdev, IORESOURCE_MEM, 0);
	if (!res)
		return -ENODEV;
	ck = devm_kzalloc(dev, sizeof(*ck), GFP_KERNEL);
	if (!ck)
		return -ENOMEM;
	ck->dev = dev;
	mutex_init(&ck->lock);
	/* No request_mem_region(): the device model maps the window too */
	ck->regs = devm_ioremap(dev, res->start, resource_size(res));
	if (!ck->regs)
		return -ENOMEM;
	platform_set_drvdata(pdev, ck);
	return 0;
}

/* No ID table and no remove: bound through driver_override, runs free all */
static struct platform_driver ck_driver = {
	.driver = {
		.name = DRV_NAME,
		.dev_groups = ck_groups,
	},
	.probe = ck_probe,
};
module_platform_driver(ck_driver);

MODULE_DESCRIPTION("vfio-platform-msi test-only check of dev-msi's unlazy disable");
MODULE_LICENSE("GPL");
