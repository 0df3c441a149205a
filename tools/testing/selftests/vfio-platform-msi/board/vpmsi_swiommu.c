// SPDX-License-Identifier: GPL-2.0
/*
 * vpmsi_swiommu: a test-only software IOMMU for the emulated board.
 *
 * QEMU's SMMUv3 translates PCI devices only, and the stock Debian kernels
 * have neither VFIO_PLATFORM nor VFIO_NOIOMMU. This driver registers an IOMMU
 * for the DT node compatible "vpmsi,sw-iommu" so that a platform device with
 * "iommus = <&swiommu ID>" gets an iommu_group and VFIO's type1 container
 * path runs exactly as on a SoC with a real SMMU.
 *
 * - The default domain is identity: the kernel's own DMA is untranslated.
 * - Paging (UNMANAGED) domains, e.g. VFIO type1's, record every iova -> phys
 *   page mapping in an xarray; map/unmap/iova_to_phys behave like a page
 *   table. Nothing translates real bus traffic: the board's devices are
 *   software models. debugfs "vpmsi_swiommu/mappings" lists the mappings.
 * - MSI doorbell addresses stay physical: no IOMMU_RESV_SW_MSI region, or
 *   on 7.x, which wants one, a window at the doorbell's own address.
 * - One iommu_group per device ID: clients whose "iommus" specifiers carry
 *   the same ID share a group, as devices behind one stream ID would.
 *
 * See Documentation/swiommu.rst.
 *
 * Kernel API differences (6.1 vs 6.12) are detected from the headers, see
 * vpmsi_swiommu.compat.
 */

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/pfn.h>
#include <linux/platform_device.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xarray.h>

/*
 * The out-of-tree build generates vpm_compat_autoconf.h and defines
 * VPM_COMPAT_AUTOCONF; in a kernel tree, assume the newest API.
 */
#ifdef VPM_COMPAT_AUTOCONF
#include <vpm_compat_autoconf.h>

#include "vpmsi_msi_parent.h"
#else
#define VPM_HAVE_SWIOMMU_OPS_IDENTITY_DOMAIN 1
#define VPM_HAVE_SWIOMMU_DOMAIN_ALLOC_PAGING 1
#define VPM_HAVE_SWIOMMU_OF_XLATE_CONST 1
#define VPM_HAVE_PLATFORM_REMOVE_VOID 1
#endif

/* Input address space of a paging domain: 48 bits, as on a typical SMMU. */
#define SWIOMMU_IOVA_BITS	48

/* One "vpmsi,sw-iommu" node. */
struct swiommu {
	struct iommu_device iommu;
	struct fwnode_handle *fwnode;	/* what client fwspecs point to */
	struct list_head node;		/* in swiommu_instances */
	struct list_head groups;	/* struct swiommu_group, by ID */
};

/*
 * The iommu_group of one device ID of an instance. It holds a reference to
 * the group while at least one client with that ID is probed; each client
 * points to it with its dev_iommu_priv (set by device_group, cleared by
 * release_device).
 */
struct swiommu_group {
	struct list_head node;		/* in swiommu::groups */
	struct iommu_group *group;	/* our reference */
	u32 id;
	unsigned int users;		/* clients pointing here */
};

/* A paging domain: iova page frame -> xa_mk_value(phys page frame). */
struct swiommu_domain {
	struct iommu_domain domain;
	struct xarray pages;	/* own lock; callers do not race on one IOVA */
	atomic_long_t nr_pages;	/* entries in @pages */
	u32 id;			/* for debugfs */
	struct list_head node;	/* in swiommu_domains */
};

/*
 * swiommu_lock protects swiommu_instances, swiommu_domains, swiommu_next_id,
 * swiommu_pinned, every swiommu::groups list and the swiommu_group entries.
 * It is the innermost lock: the IOMMU core calls us with its own locks held
 * (probe_device, device_group, release_device under the group's mutex,
 * domain free), so it must never be held across a call into the IOMMU core
 * that can call back into us (iommu_device_register/unregister, the last
 * iommu_group_put()). iommu_group_alloc() and iommu_group_ref_get() do not.
 */
static DEFINE_MUTEX(swiommu_lock);
static LIST_HEAD(swiommu_instances);
static LIST_HEAD(swiommu_domains);
static u32 swiommu_next_id;
#ifdef VPM_HAVE_SWIOMMU_BUS_IOMMU_OPS
static bool swiommu_pinned;
#endif

static struct dentry *swiommu_debugfs;

static struct swiommu_domain *to_swiommu_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct swiommu_domain, domain);
}

/* ---- identity (default) domain ---- */

/*
 * 7.x also passes attach_dev the domain the device was attached to before.
 * Attaching keeps no per-device state here, so the old domain needs
 * nothing.
 */
#ifdef VPM_HAVE_SWIOMMU_ATTACH_DEV_OLD
#define SWIOMMU_ATTACH_ARGS	struct iommu_domain *domain, struct device *dev, \
				struct iommu_domain *old
#else
#define SWIOMMU_ATTACH_ARGS	struct iommu_domain *domain, struct device *dev
#endif

static int swiommu_identity_attach(SWIOMMU_ATTACH_ARGS)
{
	dev_dbg(dev, "swiommu: identity domain attached\n");
	return 0;
}

#ifdef VPM_HAVE_SWIOMMU_OPS_IDENTITY_DOMAIN
static const struct iommu_domain_ops swiommu_identity_ops = {
	.attach_dev	= swiommu_identity_attach,
};

/* Static: the core never frees ops->identity_domain. */
static struct iommu_domain swiommu_identity_domain = {
	.type	= IOMMU_DOMAIN_IDENTITY,
	.ops	= &swiommu_identity_ops,
};
#else
static void swiommu_identity_free(struct iommu_domain *domain)
{
	kfree(domain);
}

/* iommu_domain_free() calls .free for every domain, identity included. */
static const struct iommu_domain_ops swiommu_identity_ops = {
	.attach_dev	= swiommu_identity_attach,
	.free		= swiommu_identity_free,
};

static struct iommu_domain *swiommu_identity_alloc(void)
{
	struct iommu_domain *domain;

	domain = kzalloc(sizeof(*domain), GFP_KERNEL);
	if (!domain)
		return NULL;
	domain->ops = &swiommu_identity_ops;
	return domain;
}
#endif

/* ---- paging domains ---- */

static int swiommu_paging_attach(SWIOMMU_ATTACH_ARGS)
{
	dev_dbg(dev, "swiommu: paging domain %u attached\n",
		to_swiommu_domain(domain)->id);
	return 0;
}

static int swiommu_map_pages(struct iommu_domain *domain, unsigned long iova,
			     phys_addr_t paddr, size_t pgsize, size_t pgcount,
			     int prot, gfp_t gfp, size_t *mapped)
{
	struct swiommu_domain *dom = to_swiommu_domain(domain);
	unsigned long idx = iova >> PAGE_SHIFT;
	unsigned long pfn = PHYS_PFN(paddr);
	size_t i;
	int ret;

	/* pgsize_bitmap is PAGE_SIZE: the core splits everything else. */
	if (WARN_ON_ONCE(pgsize != PAGE_SIZE ||
			 !IS_ALIGNED(iova | paddr, PAGE_SIZE)))
		return -EINVAL;
	/* The core does not check the aperture; a page table would. */
	if (iova > domain->geometry.aperture_end ||
	    pgcount > (domain->geometry.aperture_end >> PAGE_SHIFT) - idx + 1)
		return -ERANGE;

	for (i = 0; i < pgcount; i++) {
		ret = xa_insert(&dom->pages, idx + i, xa_mk_value(pfn + i), gfp);
		if (ret) {
			/* The core unmaps the *mapped bytes we report. */
			return ret == -EBUSY ? -EEXIST : ret;
		}
		atomic_long_inc(&dom->nr_pages);
		*mapped += PAGE_SIZE;
	}
	return 0;
}

/*
 * Like a page table walk: unmap from @iova on and stop at the first hole,
 * returning the number of bytes actually unmapped.
 */
static size_t swiommu_unmap_pages(struct iommu_domain *domain,
				  unsigned long iova, size_t pgsize,
				  size_t pgcount,
				  struct iommu_iotlb_gather *gather)
{
	struct swiommu_domain *dom = to_swiommu_domain(domain);
	unsigned long idx = iova >> PAGE_SHIFT;
	size_t i;

	if (WARN_ON_ONCE(pgsize != PAGE_SIZE))
		return 0;

	for (i = 0; i < pgcount; i++) {
		if (!xa_erase(&dom->pages, idx + i))
			break;
		atomic_long_dec(&dom->nr_pages);
	}
	return i * PAGE_SIZE;
}

static phys_addr_t swiommu_iova_to_phys(struct iommu_domain *domain,
					dma_addr_t iova)
{
	struct swiommu_domain *dom = to_swiommu_domain(domain);
	void *entry;

	entry = xa_load(&dom->pages, (unsigned long)(iova >> PAGE_SHIFT));
	if (!entry)
		return 0;
	return PFN_PHYS(xa_to_value(entry)) | offset_in_page(iova);
}

static void swiommu_paging_free(struct iommu_domain *domain)
{
	struct swiommu_domain *dom = to_swiommu_domain(domain);

	mutex_lock(&swiommu_lock);
	list_del(&dom->node);
	mutex_unlock(&swiommu_lock);

	/* Values are not pointers: destroying the xarray frees everything. */
	xa_destroy(&dom->pages);
	kfree(dom);
}

static const struct iommu_domain_ops swiommu_paging_ops = {
	.attach_dev	= swiommu_paging_attach,
	.map_pages	= swiommu_map_pages,
	.unmap_pages	= swiommu_unmap_pages,
	.iova_to_phys	= swiommu_iova_to_phys,
	.free		= swiommu_paging_free,
};

static struct iommu_domain *swiommu_paging_alloc(void)
{
	struct swiommu_domain *dom;

	dom = kzalloc(sizeof(*dom), GFP_KERNEL);
	if (!dom)
		return NULL;

	xa_init(&dom->pages);
	atomic_long_set(&dom->nr_pages, 0);
	dom->domain.ops = &swiommu_paging_ops;
	dom->domain.pgsize_bitmap = PAGE_SIZE;
	dom->domain.geometry.aperture_start = 0;
	dom->domain.geometry.aperture_end = DMA_BIT_MASK(SWIOMMU_IOVA_BITS);
	dom->domain.geometry.force_aperture = true;

	mutex_lock(&swiommu_lock);
	dom->id = swiommu_next_id++;
	list_add_tail(&dom->node, &swiommu_domains);
	mutex_unlock(&swiommu_lock);

	return &dom->domain;
}

#ifdef VPM_HAVE_SWIOMMU_DOMAIN_ALLOC_PAGING
static struct iommu_domain *swiommu_domain_alloc_paging(struct device *dev)
{
	return swiommu_paging_alloc() ?: ERR_PTR(-ENOMEM);
}
#endif

#if !defined(VPM_HAVE_SWIOMMU_OPS_IDENTITY_DOMAIN) || \
	!defined(VPM_HAVE_SWIOMMU_DOMAIN_ALLOC_PAGING)
/*
 * Older cores allocate every domain type here and expect NULL on failure.
 * BLOCKED and DMA are refused: for BLOCKED the core falls back to an empty
 * UNMANAGED domain, and DMA is never asked for (def_domain_type).
 */
static struct iommu_domain *swiommu_domain_alloc(unsigned int type)
{
	switch (type) {
#ifndef VPM_HAVE_SWIOMMU_OPS_IDENTITY_DOMAIN
	case IOMMU_DOMAIN_IDENTITY:
		return swiommu_identity_alloc();
#endif
#ifndef VPM_HAVE_SWIOMMU_DOMAIN_ALLOC_PAGING
	case IOMMU_DOMAIN_UNMANAGED:
		return swiommu_paging_alloc();
#endif
	default:
		return NULL;
	}
}
#endif

/* ---- client devices ---- */

static struct swiommu *swiommu_find_locked(struct fwnode_handle *fwnode)
{
	struct swiommu *sw;

	lockdep_assert_held(&swiommu_lock);

	list_for_each_entry(sw, &swiommu_instances, node)
		if (sw->fwnode == fwnode)
			return sw;
	return NULL;
}

/*
 * Called for every device on the IOMMU buses on kernels where the ops are
 * per bus: claim only those whose fwspec points to one of our instances.
 */
static struct iommu_device *swiommu_probe_device(struct device *dev)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	struct swiommu *sw;

	if (!fwspec || !fwspec->iommu_fwnode)
		return ERR_PTR(-ENODEV);

	mutex_lock(&swiommu_lock);
	sw = swiommu_find_locked(fwspec->iommu_fwnode);
	mutex_unlock(&swiommu_lock);
	if (!sw)
		return ERR_PTR(-ENODEV);

	dev_dbg(dev, "swiommu: client of %s, id %u\n",
		dev_name(sw->iommu.dev), fwspec->num_ids ? fwspec->ids[0] : 0);
	return &sw->iommu;
}

/*
 * The group of the client's device ID (its first fwspec ID): an existing
 * one with a new reference, or a new one.
 */
static struct iommu_group *swiommu_device_group(struct device *dev)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	struct swiommu_group *sg;
	struct iommu_group *group;
	struct swiommu *sw;
	u32 id;

	if (!fwspec || !fwspec->num_ids)
		return ERR_PTR(-ENODEV);
	id = fwspec->ids[0];

	mutex_lock(&swiommu_lock);
	sw = swiommu_find_locked(fwspec->iommu_fwnode);
	if (!sw) {
		group = ERR_PTR(-ENODEV);
		goto out_unlock;
	}
	list_for_each_entry(sg, &sw->groups, node) {
		if (sg->id == id) {
			group = iommu_group_ref_get(sg->group);
			goto out_found;
		}
	}

	sg = kzalloc(sizeof(*sg), GFP_KERNEL);
	if (!sg) {
		group = ERR_PTR(-ENOMEM);
		goto out_unlock;
	}
	sg->group = iommu_group_alloc();
	if (IS_ERR(sg->group)) {
		group = sg->group;
		kfree(sg);
		goto out_unlock;
	}
	sg->id = id;
	list_add_tail(&sg->node, &sw->groups);
	/* One reference for the entry, one for the caller. */
	group = iommu_group_ref_get(sg->group);
out_found:
	sg->users++;
	dev_iommu_priv_set(dev, sg);
out_unlock:
	mutex_unlock(&swiommu_lock);
	if (!IS_ERR(group))
		dev_dbg(dev, "swiommu: id %u in group %d\n", id,
			iommu_group_id(group));
	return group;
}

/*
 * Also called when probing failed before or in device_group: only a client
 * with a dev_iommu_priv holds a share of an entry. The core frees the
 * client's dev_iommu, and the priv with it, right after this (6.12 also
 * allows setting the priv only under its probe lock, not held here). The
 * put is made without the lock: it is the group's last reference only if
 * the core already dropped the client's own, after a failed probe.
 */
static void swiommu_release_device(struct device *dev)
{
	struct swiommu_group *sg;
	struct iommu_group *put = NULL;

	mutex_lock(&swiommu_lock);
	sg = dev_iommu_priv_get(dev);
	if (sg && !--sg->users) {
		list_del(&sg->node);
		put = sg->group;
		kfree(sg);
	}
	mutex_unlock(&swiommu_lock);
	if (put)
		iommu_group_put(put);
}

#ifdef VPM_HAVE_SWIOMMU_OF_XLATE_CONST
static int swiommu_of_xlate(struct device *dev,
			    const struct of_phandle_args *args)
#else
static int swiommu_of_xlate(struct device *dev, struct of_phandle_args *args)
#endif
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	u32 id;

	if (args->args_count != 1)
		return -EINVAL;
	/* One device, one swiommu instance (the core keeps a single fwnode). */
	if (!fwspec || fwspec->iommu_fwnode != of_fwnode_handle(args->np))
		return -EINVAL;

	id = args->args[0];
	return iommu_fwspec_add_ids(dev, &id, 1);
}

static bool swiommu_capable(struct device *dev, enum iommu_cap cap)
{
	/*
	 * VFIO refuses devices without CACHE_COHERENCY; the board's devices
	 * are CPU-side models and therefore coherent.
	 */
	return cap == IOMMU_CAP_CACHE_COHERENCY;
}

#ifdef VPM_HAVE_SWIOMMU_MSI_COOKIE_REQUIRED
/*
 * 7.x refuses MSIs to a device whose paging domain has no MSI cookie
 * (iommu_dma_prepare_msi(): -EOPNOTSUPP, which the MSI core reports as
 * -ENOSPC), and VFIO's type1 backend gives its domains a cookie only when
 * the IOMMU reserves an IOVA window for MSIs (IOMMU_RESV_SW_MSI). The
 * windows reserved here are the pages of the device's MSI addresses
 * (vpmsi_msi_parent.h: the ITS doorbell's page, GITS_TRANSLATER of its
 * msi-parent; the IMSIC's interrupt files), at their own physical
 * addresses: the cookie maps the doorbell at the window's first page, so
 * MSI addresses stay physical, as they are on the kernels that need no
 * cookie (where no window is reserved). A device without msi-parent gets
 * no window.
 */
static void swiommu_get_resv_regions(struct device *dev,
				     struct list_head *head)
{
	struct vpmsi_msi_window win[VPMSI_MAX_MSI_WINDOWS];
	struct iommu_resv_region *region;
	phys_addr_t start, end;
	int n, i;

	if (!dev->of_node)
		return;
	n = vpmsi_msi_parent_windows(dev->of_node, win);
	for (i = 0; i < n; i++) {
		start = round_down(win[i].pa, PAGE_SIZE);
		end = round_up(win[i].pa + win[i].size, PAGE_SIZE);
		region = iommu_alloc_resv_region(start, end - start,
						 IOMMU_WRITE | IOMMU_NOEXEC |
						 IOMMU_MMIO,
						 IOMMU_RESV_SW_MSI, GFP_KERNEL);
		if (!region)
			return;
		list_add_tail(&region->list, head);
	}
}
#endif

/* The kernel's own DMA stays untranslated; only VFIO uses paging domains. */
static int swiommu_def_domain_type(struct device *dev)
{
	return IOMMU_DOMAIN_IDENTITY;
}

static const struct iommu_ops swiommu_ops = {
	.capable		= swiommu_capable,
#ifdef VPM_HAVE_SWIOMMU_OPS_IDENTITY_DOMAIN
	.identity_domain	= &swiommu_identity_domain,
#endif
#ifdef VPM_HAVE_SWIOMMU_DOMAIN_ALLOC_PAGING
	.domain_alloc_paging	= swiommu_domain_alloc_paging,
#endif
#if !defined(VPM_HAVE_SWIOMMU_OPS_IDENTITY_DOMAIN) || \
	!defined(VPM_HAVE_SWIOMMU_DOMAIN_ALLOC_PAGING)
	.domain_alloc		= swiommu_domain_alloc,
#endif
	.probe_device		= swiommu_probe_device,
	.release_device		= swiommu_release_device,
	.device_group		= swiommu_device_group,
	.of_xlate		= swiommu_of_xlate,
	.def_domain_type	= swiommu_def_domain_type,
#ifdef VPM_HAVE_SWIOMMU_MSI_COOKIE_REQUIRED
	.get_resv_regions	= swiommu_get_resv_regions,
#endif
	.default_domain_ops	= &swiommu_paging_ops,
#ifdef VPM_HAVE_SWIOMMU_OPS_PGSIZE_BITMAP
	/* Gone in 7.x: there, each domain's own (set at allocation) counts. */
	.pgsize_bitmap		= PAGE_SIZE,
#endif
	.owner			= THIS_MODULE,
};

/* ---- debugfs ---- */

static void swiommu_show_run(struct seq_file *s, unsigned long idx,
			     unsigned long pfn, unsigned long n)
{
	seq_printf(s, "  iova 0x%llx-0x%llx -> phys 0x%llx\n",
		   (u64)idx << PAGE_SHIFT, ((u64)(idx + n) << PAGE_SHIFT) - 1,
		   (u64)pfn << PAGE_SHIFT);
}

/* One block per live paging domain, contiguous mappings merged. */
static int swiommu_mappings_show(struct seq_file *s, void *unused)
{
	struct swiommu_domain *dom;
	unsigned long idx, first_idx = 0, first_pfn = 0, n;
	void *entry;

	mutex_lock(&swiommu_lock);
	list_for_each_entry(dom, &swiommu_domains, node) {
		seq_printf(s, "domain %u type 0x%x pages %ld\n", dom->id,
			   dom->domain.type, atomic_long_read(&dom->nr_pages));
		n = 0;
		xa_for_each(&dom->pages, idx, entry) {
			unsigned long pfn = xa_to_value(entry);

			if (n && idx == first_idx + n && pfn == first_pfn + n) {
				n++;
				continue;
			}
			if (n)
				swiommu_show_run(s, first_idx, first_pfn, n);
			first_idx = idx;
			first_pfn = pfn;
			n = 1;
		}
		if (n)
			swiommu_show_run(s, first_idx, first_pfn, n);
	}
	mutex_unlock(&swiommu_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(swiommu_mappings);

/* ---- platform driver ---- */

static int swiommu_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct swiommu *sw;
	int ret;

	sw = devm_kzalloc(dev, sizeof(*sw), GFP_KERNEL);
	if (!sw)
		return -ENOMEM;
	sw->fwnode = dev_fwnode(dev);
	if (!sw->fwnode)
		return -ENODEV;
	INIT_LIST_HEAD(&sw->groups);

	ret = iommu_device_sysfs_add(&sw->iommu, dev, NULL, "%s",
				     dev_name(dev));
	if (ret)
		return ret;

	/* Visible before registration: it probes the existing clients. */
	mutex_lock(&swiommu_lock);
	list_add_tail(&sw->node, &swiommu_instances);
#ifdef VPM_HAVE_SWIOMMU_BUS_IOMMU_OPS
	/*
	 * This core stores our ops in bus_type::iommu_ops of every IOMMU bus
	 * and never clears them, not even on unregistration: unloading the
	 * module would leave dangling pointers there. Pin it for good.
	 */
	if (!swiommu_pinned) {
		__module_get(THIS_MODULE);
		swiommu_pinned = true;
	}
#endif
	mutex_unlock(&swiommu_lock);

	ret = iommu_device_register(&sw->iommu, &swiommu_ops, dev);
	if (ret) {
		dev_err(dev, "iommu_device_register: %d\n", ret);
		goto err_unlist;
	}

	platform_set_drvdata(pdev, sw);
	dev_info(dev, "software IOMMU registered (test only)\n");
	return 0;

err_unlist:
	mutex_lock(&swiommu_lock);
	list_del(&sw->node);
	mutex_unlock(&swiommu_lock);
	iommu_device_sysfs_remove(&sw->iommu);
	return ret;
}

static void swiommu_remove(struct platform_device *pdev)
{
	struct swiommu *sw = platform_get_drvdata(pdev);

	/* No new clients from here on; then release the current ones. */
	mutex_lock(&swiommu_lock);
	list_del(&sw->node);
	mutex_unlock(&swiommu_lock);

	iommu_device_unregister(&sw->iommu);
	iommu_device_sysfs_remove(&sw->iommu);

	/* Unregistering released every client, and so every group entry. */
	mutex_lock(&swiommu_lock);
	WARN_ON(!list_empty(&sw->groups));
	mutex_unlock(&swiommu_lock);
}

static const struct of_device_id swiommu_of_match[] = {
	{ .compatible = "vpmsi,sw-iommu" },
	{ }
};
MODULE_DEVICE_TABLE(of, swiommu_of_match);

static struct platform_driver swiommu_driver = {
	.probe			= swiommu_probe,
#ifdef VPM_HAVE_PLATFORM_REMOVE_VOID
	.remove			= swiommu_remove,
#else
	.remove_new		= swiommu_remove,
#endif
	.driver = {
		.name			= "vpmsi-swiommu",
		.of_match_table		= swiommu_of_match,
		/* Unbinding an IOMMU under its clients is not supported. */
		.suppress_bind_attrs	= true,
	},
};

static int __init swiommu_init(void)
{
	int ret;

	swiommu_debugfs = debugfs_create_dir("vpmsi_swiommu", NULL);
	debugfs_create_file("mappings", 0400, swiommu_debugfs, NULL,
			    &swiommu_mappings_fops);

	ret = platform_driver_register(&swiommu_driver);
	if (ret)
		debugfs_remove(swiommu_debugfs);
	return ret;
}
module_init(swiommu_init);

static void __exit swiommu_exit(void)
{
	platform_driver_unregister(&swiommu_driver);
	debugfs_remove(swiommu_debugfs);
}
module_exit(swiommu_exit);

MODULE_DESCRIPTION("Test-only software IOMMU for the vfio-platform-msi board");
MODULE_LICENSE("GPL");
