// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only driver for the test device ("vpmsi,testdev") as a nested guest
 * sees it when QEMU passes it through with -device vfio-platform: register
 * window at the platform bus, IRQ index i at platform-bus SPI 112 + i.
 *
 * It checks the device's identity registers at probe and counts the
 * interrupts of the two IRQ indexes that QEMU wires: line 0 (level) and
 * line 1 (edge). QEMU does not ask for the device's MSIs, so it has no MSI
 * index. Every interrupt is reported on the console, so that the outer
 * guest, which drives the device model, can follow.
 *
 * QEMU's vfio-platform takes the first MMIO access to the device after an
 * interrupt as its end of interrupt: it lowers the guest's line and, for a
 * level index, unmasks the host interrupt. The level handler therefore
 * first looks at LINE_STATE, then drives the line low through the device
 * as a real driver would clear its interrupt status. The unmask that QEMU
 * does on that first access can deliver the still asserted line once more;
 * such an interrupt finds the line low and is counted apart, as spurious.
 */

#include <linux/atomic.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/platform_device.h>

#include "vpmsi_testdev.h"

/* The IRQ indexes QEMU wires for the test device, in platform-bus order. */
enum {
	VPMSI_NESTED_LEVEL,	/* index 0: wired line 0 */
	VPMSI_NESTED_EDGE,	/* index 1: wired line 1 */
	VPMSI_NESTED_NR_IRQS,
};

/* Every access traps to QEMU while an interrupt is active: poll gently. */
#define VPMSI_NESTED_POLL_US		100
#define VPMSI_NESTED_TIMEOUT_US		(2 * USEC_PER_SEC)

struct vpmsi_nested {
	struct device *dev;
	void __iomem *regs;
	atomic_t level;		/* level interrupts that found the line high */
	atomic_t spurious;	/* level interrupts that found it low */
	atomic_t edge;
};

static irqreturn_t vpmsi_nested_level(int irq, void *data)
{
	struct vpmsi_nested *nd = data;
	u32 state, cmd;
	int ret;

	state = readl(nd->regs + VPMSI_REG_LINE_STATE);
	if (!(state & BIT(VPMSI_LINE_LEVEL))) {
		dev_info(nd->dev, "level spurious=%d\n",
			 atomic_inc_return(&nd->spurious));
		return IRQ_NONE;
	}

	ret = readl_poll_timeout_atomic(nd->regs + VPMSI_REG_LINE_CMD, cmd,
					!cmd, VPMSI_NESTED_POLL_US,
					VPMSI_NESTED_TIMEOUT_US);
	if (!ret) {
		writel(VPMSI_LINE_GO | VPMSI_LINE_OP(VPMSI_LINE_OP_DEASSERT) |
		       VPMSI_LINE_LEVEL, nd->regs + VPMSI_REG_LINE_CMD);
		ret = readl_poll_timeout_atomic(nd->regs + VPMSI_REG_LINE_CMD,
						cmd, !cmd, VPMSI_NESTED_POLL_US,
						VPMSI_NESTED_TIMEOUT_US);
	}
	if (ret)
		dev_err(nd->dev, "level: LINE_CMD stays busy (%#x)\n", cmd);
	dev_info(nd->dev, "level count=%d\n", atomic_inc_return(&nd->level));
	return IRQ_HANDLED;
}

static irqreturn_t vpmsi_nested_edge(int irq, void *data)
{
	struct vpmsi_nested *nd = data;
	u32 raised = readl(nd->regs + VPMSI_REG_LINE_RAISED(VPMSI_LINE_EDGE));

	dev_info(nd->dev, "edge count=%d raised=%u\n",
		 atomic_inc_return(&nd->edge), raised);
	return IRQ_HANDLED;
}

static const struct {
	irq_handler_t handler;
	const char *name;
} vpmsi_nested_irqs[VPMSI_NESTED_NR_IRQS] = {
	[VPMSI_NESTED_LEVEL] = { vpmsi_nested_level, "vpmsi-nested-level" },
	[VPMSI_NESTED_EDGE] = { vpmsi_nested_edge, "vpmsi-nested-edge" },
};

static int vpmsi_nested_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct vpmsi_nested *nd;
	struct resource *res;
	u32 id, version;
	int i, irq, ret;

	nd = devm_kzalloc(dev, sizeof(*nd), GFP_KERNEL);
	if (!nd)
		return -ENOMEM;
	nd->dev = dev;

	nd->regs = devm_platform_get_and_ioremap_resource(pdev, 0, &res);
	if (IS_ERR(nd->regs))
		return PTR_ERR(nd->regs);
	if (resource_size(res) < VPMSI_WINDOW_SIZE)
		return dev_err_probe(dev, -EINVAL, "register window too small\n");

	id = readl(nd->regs + VPMSI_REG_ID);
	version = readl(nd->regs + VPMSI_REG_VERSION);
	if (id != VPMSI_ID || version != VPMSI_VERSION)
		return dev_err_probe(dev, -ENODEV,
				     "ID %#x version %u: not the test device\n",
				     id, version);

	for (i = 0; i < VPMSI_NESTED_NR_IRQS; i++) {
		irq = platform_get_irq(pdev, i);
		if (irq < 0)
			return irq;
		ret = devm_request_irq(dev, irq, vpmsi_nested_irqs[i].handler,
				       0, vpmsi_nested_irqs[i].name, nd);
		if (ret)
			return dev_err_probe(dev, ret, "IRQ index %d\n", i);
	}

	platform_set_drvdata(pdev, nd);
	dev_info(dev, "ready: ID %#x version %u at %pR, lines %u, vectors %u\n",
		 id, version, res, readl(nd->regs + VPMSI_REG_NUM_LINES),
		 readl(nd->regs + VPMSI_REG_NUM_VECTORS));
	return 0;
}

static const struct of_device_id vpmsi_nested_of_match[] = {
	{ .compatible = VPMSI_COMPATIBLE },
	{ }
};
MODULE_DEVICE_TABLE(of, vpmsi_nested_of_match);

static struct platform_driver vpmsi_nested_driver = {
	.probe = vpmsi_nested_probe,
	.driver = {
		.name = "vpmsi_nested",
		.of_match_table = vpmsi_nested_of_match,
	},
};
module_platform_driver(vpmsi_nested_driver);

MODULE_DESCRIPTION("Test-only driver for the vfio-platform-msi test device in a QEMU nested guest");
MODULE_LICENSE("GPL");
