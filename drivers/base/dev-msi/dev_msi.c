// SPDX-License-Identifier: GPL-2.0
/*
 * dev-msi: a device's message-signalled interrupts through the platform-MSI
 * domain of its own firmware topology, with optional masking at the source.
 *
 * The vectors come from the kernel's platform-MSI layer, whose parent is the
 * MSI controller the device's firmware node names (msi-parent, or IORT):
 * there is no default domain to fall back to. On kernels with per-device
 * MSI domains (platform_device_msi_init_and_alloc_irqs()) the device gets a
 * domain of its own; older kernels allocate from the global platform-MSI
 * domain of the controller (platform_msi_domain_alloc_irqs()).
 *
 * When the user supplies mask/unmask operations, a one-level irq domain is
 * pushed on top of each vector: its irq_chip masks at the device and
 * forwards everything else to the levels below. The Linux interrupt then
 * masks where the message is produced, the way PCI MSI-X masks in the
 * function, and the interrupt controller never sees a masked vector.
 *
 * Every vector is marked IRQ_DISABLE_UNLAZY so that disable_irq() masks at
 * once instead of on the next interrupt (at allocation, and again by each
 * dev_msi_request_irq(): the interrupt core clears the flag when it frees
 * a vector's last handler): the held event then stays in the
 * hardware (the device's pending bit, or the LPI pending bit of a GICv3
 * ITS) and is delivered exactly once on enable_irq(), instead of being
 * replayed by the core in addition to the hardware's own pending state.
 */
#define pr_fmt(fmt) "dev-msi: " fmt

#include <linux/device.h>
#include <linux/dev_msi.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/of.h>
#include <linux/of_irq.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#ifdef VPM_COMPAT_AUTOCONF
#include <vpm_compat_autoconf.h>
#else
#define VPM_HAVE_PLATFORM_DEVICE_MSI 1
#endif

/**
 * struct dev_msi - the MSI block of one device
 * @dev:	the device
 * @nvec:	number of vectors
 * @ops:	device-specific operations, may be NULL
 * @data:	argument of @ops
 * @top:	the pushed per-vector domain, NULL without mask/unmask ops
 * @fwnode:	@top's firmware node
 * @pushed:	number of vectors (from 0) with @top pushed on them
 * @node:	entry in dev_msi_list
 * @generation: how many times a valid message was replaced by another
 *		(dev_msi_lock)
 * @msgs:	the message each vector was last given (dev_msi_lock); the
 *		platform-MSI layer keeps no copy of its own
 */
struct dev_msi {
	struct device *dev;
	unsigned int nvec;
	const struct dev_msi_ops *ops;
	void *data;
	struct irq_domain *top;
	struct fwnode_handle *fwnode;
	unsigned int pushed;
	struct list_head node;
	u32 generation;
	struct msi_msg msgs[] __counted_by(nvec);
};

/*
 * Every allocated block is on dev_msi_list, so that the platform-MSI layer's
 * write_msg callback, which only gets the msi_desc, can find it.
 * dev_msi_lock protects the list and the blocks' @msgs; it is a raw
 * spinlock because write_msg runs with the interrupt descriptor's raw lock
 * held. Nothing else is ever taken under it but the device's own write_msg
 * operation.
 */
static LIST_HEAD(dev_msi_list);
static DEFINE_RAW_SPINLOCK(dev_msi_lock);

static struct dev_msi *dev_msi_find_locked(struct device *dev)
{
	struct dev_msi *dm;

	lockdep_assert_held(&dev_msi_lock);
	list_for_each_entry(dm, &dev_msi_list, node)
		if (dm->dev == dev)
			return dm;
	return NULL;
}

/*
 * The MSI core writes an all-zero message when it deactivates a vector
 * (free_irq() of its last handler, or freeing the block). That is not a
 * message the device can send: it would be a DMA write to address 0. Such a
 * message is only recorded (the vector has no message any more), never
 * forwarded to the device; see struct dev_msi_ops.
 */
static bool dev_msi_msg_valid(const struct msi_msg *msg)
{
	return msg->address_lo || msg->address_hi;
}

static void dev_msi_write_msg(struct msi_desc *desc, struct msi_msg *msg)
{
	struct dev_msi *dm;
	unsigned long flags;

	struct msi_msg *old;
	bool moved;

	raw_spin_lock_irqsave(&dev_msi_lock, flags);
	dm = dev_msi_find_locked(msi_desc_to_dev(desc));
	if (dm && desc->msi_index < dm->nvec) {
		old = &dm->msgs[desc->msi_index];
		/* A valid message replaced by another: not a (de)activation */
		moved = dev_msi_msg_valid(old) && dev_msi_msg_valid(msg) &&
			memcmp(old, msg, sizeof(*msg));
		*old = *msg;
		if (moved)
			dm->generation++;
		if (dm->ops && dm->ops->write_msg && dev_msi_msg_valid(msg))
			dm->ops->write_msg(dm->data, desc->msi_index, msg);
		if (moved && dm->ops && dm->ops->msg_changed)
			dm->ops->msg_changed(dm->data, desc->msi_index);
	}
	raw_spin_unlock_irqrestore(&dev_msi_lock, flags);
}

/*
 * The irq_chip of the pushed level: mask at the device first, then below
 * (an MSI already on its way is held by the interrupt controller); unmask
 * below first, then at the device, which then sends what it held.
 */
static void dev_msi_chip_mask(struct irq_data *d)
{
	struct dev_msi *dm = irq_data_get_irq_chip_data(d);

	dm->ops->mask(dm->data, irqd_to_hwirq(d));
	irq_chip_mask_parent(d);
}

static void dev_msi_chip_unmask(struct irq_data *d)
{
	struct dev_msi *dm = irq_data_get_irq_chip_data(d);

	irq_chip_unmask_parent(d);
	dm->ops->unmask(dm->data, irqd_to_hwirq(d));
}

static void dev_msi_chip_ack(struct irq_data *d)
{
	struct irq_data *p = d->parent_data;

	if (p->chip->irq_ack)
		p->chip->irq_ack(p);
}

static void dev_msi_chip_eoi(struct irq_data *d)
{
	struct irq_data *p = d->parent_data;

	if (p->chip->irq_eoi)
		p->chip->irq_eoi(p);
}

/*
 * A parent that retargets a vector by giving it another message (the RISC-V
 * IMSIC, on an affinity move) writes that message through the outermost
 * level of the interrupt, which is this one: pass it to the platform-MSI
 * level below, which hands it to the device (dev_msi_write_msg()).
 */
static void dev_msi_chip_write_msg(struct irq_data *d, struct msi_msg *msg)
{
	struct irq_data *p = d->parent_data;

	if (p->chip->irq_write_msi_msg)
		p->chip->irq_write_msi_msg(p, msg);
}

/*
 * The interrupt controller's state of the vector (pending, ...), from the
 * first level below that implements it, as irq_set_irqchip_state() looks
 * for one from the top: -EINVAL when none does.
 * irq_chip_{get,set}_parent_state() only ask the level right below, and
 * report success when it does not implement it (the platform-MSI level
 * below ours need not): a caller would believe a pending event dropped
 * that nobody dropped.
 */
static struct irq_data *dev_msi_state_level(struct irq_data *d, bool set)
{
	for (d = d->parent_data; d; d = d->parent_data) {
		if (set ? !!d->chip->irq_set_irqchip_state :
			  !!d->chip->irq_get_irqchip_state)
			return d;
	}
	return NULL;
}

static int dev_msi_chip_get_state(struct irq_data *d,
				  enum irqchip_irq_state which, bool *state)
{
	struct irq_data *p = dev_msi_state_level(d, false);

	return p ? p->chip->irq_get_irqchip_state(p, which, state) : -EINVAL;
}

static int dev_msi_chip_set_state(struct irq_data *d,
				  enum irqchip_irq_state which, bool val)
{
	struct irq_data *p = dev_msi_state_level(d, true);

	return p ? p->chip->irq_set_irqchip_state(p, which, val) : -EINVAL;
}

static struct irq_chip dev_msi_chip = {
	.name			= "dev-msi",
	.irq_mask		= dev_msi_chip_mask,
	.irq_unmask		= dev_msi_chip_unmask,
	.irq_ack		= dev_msi_chip_ack,
	.irq_eoi		= dev_msi_chip_eoi,
	.irq_set_affinity	= irq_chip_set_affinity_parent,
	.irq_retrigger		= irq_chip_retrigger_hierarchy,
	.irq_get_irqchip_state	= dev_msi_chip_get_state,
	.irq_set_irqchip_state	= dev_msi_chip_set_state,
	.irq_write_msi_msg	= dev_msi_chip_write_msg,
	.flags			= IRQCHIP_SKIP_SET_WAKE,
};

static int dev_msi_domain_alloc(struct irq_domain *domain, unsigned int virq,
				unsigned int nr_irqs, void *arg)
{
	unsigned int index = *(unsigned int *)arg;

	if (nr_irqs != 1)
		return -EINVAL;
	return irq_domain_set_hwirq_and_chip(domain, virq, index, &dev_msi_chip,
					     domain->host_data);
}

static void dev_msi_domain_free(struct irq_domain *domain, unsigned int virq,
				unsigned int nr_irqs)
{
	unsigned int i;

	for (i = 0; i < nr_irqs; i++)
		irq_domain_reset_irq_data(irq_domain_get_irq_data(domain,
								  virq + i));
}

static const struct irq_domain_ops dev_msi_domain_ops = {
	.alloc	= dev_msi_domain_alloc,
	.free	= dev_msi_domain_free,
};

#ifdef VPM_HAVE_PLATFORM_DEVICE_MSI
/*
 * The device's own MSI domain (MSI_DEFAULT_DOMAIN) is created by the first
 * allocation and then kept until the device's driver is unbound: the MSI
 * core's devres removes it then. Closing frees the vectors only
 * (msi_domain_free_irqs_all()), never the domain, because a module cannot
 * remove it on every 6.12.y: platform_device_msi_free_irqs_all() removes it
 * only from 6.12.35 on, msi_remove_device_irq_domain() is not exported, and
 * creating a second domain while one is left WARNs and fails with -ENODEV.
 * Keeping it makes every kernel behave like 6.12.0-6.12.34 does, on
 * purpose: each allocation after the first one reuses the domain.
 *
 * The domain is created DEV_MSI_MAX_VECTORS wide (its size is fixed at
 * creation), so that a later, larger block fits: the first allocation
 * allocates that many vectors, and if fewer are wanted frees them all and
 * allocates @nvec.
 *
 * A devres marker, released at unbind together with the MSI core's data,
 * says that the domain exists; the MSI core has no exported way to ask.
 */
static void dev_msi_domain_kept_release(struct device *dev, void *res)
{
}

static bool dev_msi_domain_kept(struct device *dev)
{
	return devres_find(dev, dev_msi_domain_kept_release, NULL, NULL);
}

/*
 * Create the domain. Return: 1 with all DEV_MSI_MAX_VECTORS vectors
 * allocated (@nvec is that many), 0 with the domain recorded and no vector
 * allocated, or a negative errno with no domain.
 */
static int dev_msi_domain_create(struct device *dev, unsigned int nvec)
{
	void *kept;
	int ret;

	/* The one cause of a failed creation that is not a lack of memory */
	if (!irq_domain_is_msi_parent(dev_get_msi_domain(dev)))
		return -ENODEV;
	kept = devres_alloc(dev_msi_domain_kept_release, 0, GFP_KERNEL);
	if (!kept)
		return -ENOMEM;
	ret = platform_device_msi_init_and_alloc_irqs(dev, DEV_MSI_MAX_VECTORS,
						      dev_msi_write_msg);
	/*
	 * Without the MSI core's device data nothing was created. Otherwise
	 * the domain exists, even after a failure: -ENODEV can come from the
	 * allocation too (no IORT or msi-parent mapping for the device), and
	 * a failed allocation frees what it got but not the domain. Record
	 * it, so that the next try reuses it instead of creating another.
	 * (A creation that failed for lack of memory after the device data
	 * was set up is taken for a created domain: later tries fail.)
	 */
	if (!dev->msi.data) {
		devres_free(kept);
		return ret ? ret : -ENODEV;
	}
	devres_add(dev, kept);
	if (ret)
		return 0;
	if (nvec == DEV_MSI_MAX_VECTORS)
		return 1;
	msi_domain_free_irqs_all(dev, MSI_DEFAULT_DOMAIN);
	return 0;
}

static int dev_msi_platform_alloc(struct device *dev, unsigned int nvec)
{
	int ret;

	if (!dev_msi_domain_kept(dev)) {
		ret = dev_msi_domain_create(dev, nvec);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	/* Frees what it got on failure; the domain stays */
	return msi_domain_alloc_irqs_range(dev, MSI_DEFAULT_DOMAIN, 0, nvec - 1);
}

static void dev_msi_platform_free(struct device *dev)
{
	msi_domain_free_irqs_all(dev, MSI_DEFAULT_DOMAIN);
}
#else
static int dev_msi_platform_alloc(struct device *dev, unsigned int nvec)
{
	return platform_msi_domain_alloc_irqs(dev, nvec, dev_msi_write_msg);
}

static void dev_msi_platform_free(struct device *dev)
{
	platform_msi_domain_free_irqs(dev);
}
#endif

/**
 * dev_msi_capable - can the device's topology deliver its MSIs?
 * @dev: the device
 *
 * True when the firmware gave the device an MSI parent domain. A DT
 * device gets its MSI domain when it is created, from the domains that
 * exist then; an MSI controller whose domain is made later, by its own
 * platform driver (the RISC-V IMSIC), leaves it without one. The domain
 * is then looked up again here, as the IMSIC's APLIC does for itself.
 */
bool dev_msi_capable(struct device *dev)
{
	if (!dev_get_msi_domain(dev) && dev->of_node)
		of_msi_configure(dev, dev->of_node);
	return dev_get_msi_domain(dev);
}
EXPORT_SYMBOL_GPL(dev_msi_capable);

static int dev_msi_push(struct dev_msi *dm)
{
	struct irq_data *d;
	unsigned int i;
	int virq, ret;

	virq = dev_msi_virq(dm, 0);
	if (virq < 0)
		return virq;
	d = irq_get_irq_data(virq);
	dm->fwnode = irq_domain_alloc_named_fwnode(dev_name(dm->dev));
	if (!dm->fwnode)
		return -ENOMEM;
	dm->top = irq_domain_create_hierarchy(d->domain, 0, 0, dm->fwnode,
					      &dev_msi_domain_ops, dm);
	if (!dm->top) {
		ret = -ENOMEM;
		goto err_free_fwnode;
	}
	for (i = 0; i < dm->nvec; i++) {
		virq = dev_msi_virq(dm, i);
		if (virq < 0) {
			ret = virq;
			goto err_pop;
		}
		ret = irq_domain_push_irq(dm->top, virq, &i);
		if (ret)
			goto err_pop;
		dm->pushed++;
	}
	return 0;

err_pop:
	while (dm->pushed)
		irq_domain_pop_irq(dm->top, dev_msi_virq(dm, --dm->pushed));
	irq_domain_remove(dm->top);
	dm->top = NULL;
err_free_fwnode:
	irq_domain_free_fwnode(dm->fwnode);
	dm->fwnode = NULL;
	return ret;
}

static void dev_msi_pop(struct dev_msi *dm)
{
	if (!dm->top)
		return;
	while (dm->pushed)
		irq_domain_pop_irq(dm->top, dev_msi_virq(dm, --dm->pushed));
	irq_domain_remove(dm->top);
	irq_domain_free_fwnode(dm->fwnode);
	dm->top = NULL;
	dm->fwnode = NULL;
}

/**
 * dev_msi_alloc - allocate a device's block of MSI vectors
 * @dev:	the device; its firmware node must name an MSI parent
 * @nvec:	number of vectors, 1..DEV_MSI_MAX_VECTORS
 * @ops:	device-specific operations, or NULL
 * @data:	argument passed to @ops
 *
 * Allocates the Linux interrupts of all @nvec vectors. They are neither
 * requested nor activated: a vector's message exists, and @ops->write_msg is
 * called for it, when its interrupt is requested. A device has one block at
 * a time. Process context.
 *
 * On kernels with per-device MSI domains the device's domain is created by
 * the first allocation and kept, across dev_msi_free(), until the device's
 * driver is unbound: the caller must be the device's driver.
 *
 * Return: the block, or an ERR_PTR: -EINVAL for a bad argument, -ENODEV
 * without an MSI parent, -EBUSY if the device already has a block.
 */
struct dev_msi *dev_msi_alloc(struct device *dev, unsigned int nvec,
			      const struct dev_msi_ops *ops, void *data)
{
	struct dev_msi *dm;
	unsigned int i;
	int ret;

	might_sleep();
	if (!nvec || nvec > DEV_MSI_MAX_VECTORS)
		return ERR_PTR(-EINVAL);
	if (ops && !ops->mask != !ops->unmask)
		return ERR_PTR(-EINVAL);
	if (!dev_msi_capable(dev))
		return ERR_PTR(-ENODEV);

	/* Up to 24.6 KiB, and allocated on behalf of userspace */
	dm = kvzalloc(struct_size(dm, msgs, nvec), GFP_KERNEL_ACCOUNT);
	if (!dm)
		return ERR_PTR(-ENOMEM);
	dm->nvec = nvec;
	dm->dev = dev;
	dm->ops = ops;
	dm->data = data;

	raw_spin_lock_irq(&dev_msi_lock);
	if (dev_msi_find_locked(dev)) {
		raw_spin_unlock_irq(&dev_msi_lock);
		ret = -EBUSY;
		goto err_free;
	}
	list_add(&dm->node, &dev_msi_list);
	raw_spin_unlock_irq(&dev_msi_lock);

	ret = dev_msi_platform_alloc(dev, nvec);
	if (ret)
		goto err_unlist;

	if (ops && ops->mask) {
		ret = dev_msi_push(dm);
		if (ret)
			goto err_platform_free;
	}
	for (i = 0; i < nvec; i++)
		irq_set_status_flags(dev_msi_virq(dm, i), IRQ_DISABLE_UNLAZY);
	return dm;

err_platform_free:
	dev_msi_platform_free(dev);
err_unlist:
	raw_spin_lock_irq(&dev_msi_lock);
	list_del(&dm->node);
	raw_spin_unlock_irq(&dev_msi_lock);
err_free:
	kvfree(dm);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(dev_msi_alloc);

/**
 * dev_msi_free - free a block allocated by dev_msi_alloc()
 * @dm: the block, or NULL
 *
 * Every interrupt of the block must have been freed (free_irq()) and the
 * device must no longer send its MSIs. The device is not written to: no
 * @dm->ops operation is called. Process context.
 */
void dev_msi_free(struct dev_msi *dm)
{
	unsigned int i;

	if (!dm)
		return;
	might_sleep();
	for (i = 0; i < dm->nvec; i++)
		irq_clear_status_flags(dev_msi_virq(dm, i), IRQ_DISABLE_UNLAZY);
	dev_msi_pop(dm);
	dev_msi_platform_free(dm->dev);
	raw_spin_lock_irq(&dev_msi_lock);
	list_del(&dm->node);
	raw_spin_unlock_irq(&dev_msi_lock);
	kvfree(dm);
}
EXPORT_SYMBOL_GPL(dev_msi_free);

/**
 * dev_msi_virq - Linux interrupt number of a vector
 * @dm:		the block
 * @index:	the vector
 *
 * Return: the interrupt number, -EINVAL for a bad index, -ENOENT if the
 * vector has no interrupt.
 */
int dev_msi_virq(const struct dev_msi *dm, unsigned int index)
{
	unsigned int virq;

	if (index >= dm->nvec)
		return -EINVAL;
	virq = msi_get_virq(dm->dev, index);
	return virq ? virq : -ENOENT;
}
EXPORT_SYMBOL_GPL(dev_msi_virq);

/**
 * dev_msi_request_irq - install a handler on a vector
 * @dm:		the block
 * @index:	the vector
 * @handler:	as for request_irq()
 * @flags:	as for request_irq()
 * @name:	as for request_irq()
 * @dev_id:	as for request_irq()
 *
 * request_irq() on the vector's interrupt, which is first marked
 * IRQ_DISABLE_UNLAZY again: free_irq() of a vector's last handler clears
 * the flag, so a handler installed with plain request_irq() after one was
 * freed would be disabled lazily. Free it with free_irq(). Process context.
 *
 * Return: 0, -EINVAL for a bad index, -ENOENT if the vector has no
 * interrupt, or request_irq()'s error.
 */
int dev_msi_request_irq(struct dev_msi *dm, unsigned int index,
			irq_handler_t handler, unsigned long flags,
			const char *name, void *dev_id)
{
	int virq = dev_msi_virq(dm, index);

	might_sleep();
	if (virq < 0)
		return virq;
	irq_set_status_flags(virq, IRQ_DISABLE_UNLAZY);
	return request_irq(virq, handler, flags, name, dev_id);
}
EXPORT_SYMBOL_GPL(dev_msi_request_irq);

/**
 * dev_msi_rewrite_msg - give a vector's message to the device again
 * @dm:		the block
 * @index:	the vector
 *
 * Calls the block's @write_msg with the message the vector currently uses,
 * for a device that may have forgotten it (a reset the caller did not do
 * itself). Serialized with the writes of the interrupt controller, so a
 * message it is moving to is never overwritten by the one before.
 *
 * Return: 0, -EINVAL for a bad index, -EOPNOTSUPP if the block has no
 * @write_msg, -ENOENT if the vector has no message (nothing is written).
 */
int dev_msi_rewrite_msg(const struct dev_msi *dm, unsigned int index)
{
	unsigned long flags;
	int ret = -ENOENT;

	if (index >= dm->nvec)
		return -EINVAL;
	if (!dm->ops || !dm->ops->write_msg)
		return -EOPNOTSUPP;
	raw_spin_lock_irqsave(&dev_msi_lock, flags);
	if (dev_msi_msg_valid(&dm->msgs[index])) {
		dm->ops->write_msg(dm->data, index, &dm->msgs[index]);
		ret = 0;
	}
	raw_spin_unlock_irqrestore(&dev_msi_lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(dev_msi_rewrite_msg);

/**
 * dev_msi_get_msgs - the messages of a range of vectors, all at one time
 * @dm:		the block
 * @first:	the first vector
 * @nr:		how many
 * @msgs:	where to store them; a vector without a message gets zeroes
 * @generation:	where to store the number of message changes so far (the
 *		messages are those of that generation), or NULL
 *
 * Return: 0, -EINVAL for a range outside the block.
 */
int dev_msi_get_msgs(const struct dev_msi *dm, unsigned int first,
		     unsigned int nr, struct msi_msg *msgs, u32 *generation)
{
	unsigned long flags;
	unsigned int i;

	if (first > dm->nvec || nr > dm->nvec - first)
		return -EINVAL;
	raw_spin_lock_irqsave(&dev_msi_lock, flags);
	for (i = 0; i < nr; i++) {
		msgs[i] = dm->msgs[first + i];
		if (!dev_msi_msg_valid(&msgs[i]))
			memset(&msgs[i], 0, sizeof(msgs[i]));
	}
	if (generation)
		*generation = dm->generation;
	raw_spin_unlock_irqrestore(&dev_msi_lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(dev_msi_get_msgs);

/**
 * dev_msi_msgs_stable - do the device's messages stay as they are?
 * @dev: the device
 *
 * True when the device's MSI parent is known to keep a vector's message
 * while the vector lives: the GICv3 ITS, whose messages name the device
 * and the event, never a CPU. False for any other parent, whose messages
 * may follow the vector's affinity (dev_msi_ops.msg_changed then tells).
 * Known from the parent's firmware node: a parent described by ACPI is
 * reported as not stable.
 */
bool dev_msi_msgs_stable(struct device *dev)
{
	struct irq_domain *parent = dev_get_msi_domain(dev);
	struct device_node *np;

	if (!parent)
		return false;
	np = to_of_node(parent->fwnode);
	return np && of_device_is_compatible(np, "arm,gic-v3-its");
}
EXPORT_SYMBOL_GPL(dev_msi_msgs_stable);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Device MSIs through the platform-MSI domain of the device's topology");
