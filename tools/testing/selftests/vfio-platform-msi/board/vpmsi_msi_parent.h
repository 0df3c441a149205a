/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MSI addresses of a board device's msi-parent, for the test device's
 * model (where it may write an MSI) and the software IOMMU (what it
 * reserves for MSIs). Test-only; the only architecture-specific part of
 * either module's MSI side, one small function per kind of MSI controller,
 * chosen by the controller node's compatible:
 *
 *  - "arm,gic-v3-its": the ITS's doorbell, GITS_TRANSLATER, 4 bytes;
 *  - "riscv,imsics": every interrupt file of the IMSIC, the whole of each
 *    of its reg ranges. The message of a vector names the interrupt file
 *    of the hart it targets, and changes when its affinity moves: any
 *    address inside the ranges is a valid MSI address.
 */
#ifndef VPMSI_MSI_PARENT_H
#define VPMSI_MSI_PARENT_H

#include <linux/errno.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/printk.h>
#include <linux/types.h>

/*
 * GITS_TRANSLATER of <linux/irqchip/arm-gic-v3.h>, which includes an
 * arm64-only header: said again here so that the board builds everywhere.
 */
#define VPMSI_GITS_TRANSLATER	0x10040

#define VPMSI_MAX_MSI_WINDOWS	4

/* A range of physical addresses where an MSI write lands. */
struct vpmsi_msi_window {
	phys_addr_t pa;
	resource_size_t size;
};

static inline int vpmsi_its_windows(struct device_node *its,
				    struct vpmsi_msi_window *win)
{
	struct resource res;
	int ret;

	ret = of_address_to_resource(its, 0, &res);
	if (ret)
		return ret;
	if (resource_size(&res) < VPMSI_GITS_TRANSLATER + 4)
		return -EINVAL;
	win[0].pa = res.start + VPMSI_GITS_TRANSLATER;
	win[0].size = 4;
	return 1;
}

static inline int vpmsi_imsic_windows(struct device_node *imsic,
				      struct vpmsi_msi_window *win)
{
	struct resource res;
	int n;

	for (n = 0; n < VPMSI_MAX_MSI_WINDOWS; n++) {
		if (of_address_to_resource(imsic, n, &res))
			break;
		win[n].pa = res.start;
		win[n].size = resource_size(&res);
	}
	return n ? n : -EINVAL;
}

/*
 * The MSI windows of @np's msi-parent, in @win (VPMSI_MAX_MSI_WINDOWS of
 * them): their number, 0 for a node without msi-parent, or a negative
 * errno (an msi-parent of an unknown kind among them).
 */
static inline int vpmsi_msi_parent_windows(struct device_node *np,
					   struct vpmsi_msi_window *win)
{
	struct device_node *parent;
	int ret;

	if (!of_property_present(np, "msi-parent"))
		return 0;
	/* the phandle only: the IMSIC has no #msi-cells, the ITS one */
	parent = of_parse_phandle(np, "msi-parent", 0);
	if (!parent)
		return -ENODEV;
	if (of_device_is_compatible(parent, "arm,gic-v3-its")) {
		ret = vpmsi_its_windows(parent, win);
	} else if (of_device_is_compatible(parent, "riscv,imsics")) {
		ret = vpmsi_imsic_windows(parent, win);
	} else {
		pr_err("%pOF: msi-parent %pOF is neither a GICv3 ITS nor an IMSIC\n",
		       np, parent);
		ret = -ENODEV;
	}
	of_node_put(parent);
	return ret;
}

/*
 * How many vectors a device should ask of its msi-parent at most, by
 * default: 0 for no limit of the parent's own (the ITS: its LPIs are
 * plenty), the IDs of one interrupt file counting ID 0 for an IMSIC
 * (riscv,num-ids + 1: 256 on the board, whose 2 harts have 508 free in
 * all, some taken by the UART, the RTC and the IPIs).
 */
static inline unsigned int vpmsi_msi_parent_nvec(struct device_node *np)
{
	struct device_node *parent;
	u32 ids = 0;

	parent = of_parse_phandle(np, "msi-parent", 0);
	if (!parent)
		return 0;
	if (of_device_is_compatible(parent, "riscv,imsics") &&
	    !of_property_read_u32(parent, "riscv,num-ids", &ids))
		ids++;
	else
		ids = 0;
	of_node_put(parent);
	return ids;
}

#endif /* VPMSI_MSI_PARENT_H */
