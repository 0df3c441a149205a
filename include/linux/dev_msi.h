/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dev-msi: message-signalled interrupts of a device, allocated through the
 * platform-MSI domain its firmware topology gives it (msi-parent, IORT),
 * with optional masking at the source.
 *
 * A user (a bus driver such as vfio-platform-msi, or any device driver)
 * allocates a device's whole block of vectors once with dev_msi_alloc(),
 * requests the Linux interrupts it needs with dev_msi_request_irq(), and
 * frees the block with dev_msi_free() once every interrupt has been freed
 * (free_irq() on dev_msi_virq()). Vectors
 * are enabled and disabled one by one with enable_irq()/disable_irq() on
 * their Linux interrupts: the messages of the other vectors never change.
 *
 * disable_irq() masks at once (never lazily): at the device when the
 * caller supplied mask/unmask operations, otherwise at the interrupt
 * controller. Either way an event that arrives while masked is held by the
 * hardware and delivered once on unmask. This holds for every handler
 * installed with dev_msi_request_irq(). The vectors are marked
 * IRQ_DISABLE_UNLAZY at allocation, but the interrupt core clears that
 * flag when it frees a vector's last handler: plain request_irq() is only
 * unlazy for a vector's first handler.
 */
#ifndef _LINUX_DEV_MSI_H
#define _LINUX_DEV_MSI_H

#include <linux/interrupt.h>
#include <linux/types.h>

struct device;
struct msi_msg;
struct dev_msi;

/**
 * struct dev_msi_ops - device-specific operations
 * @write_msg:	store the message of vector @index in the device (optional:
 *		without it, whoever drives the device programs it from
 *		dev_msi_get_msgs()). Atomic context: no sleeping.
 * @mask:	mask vector @index at the device. Atomic context.
 * @unmask:	unmask vector @index at the device. Atomic context.
 * @msg_changed: vector @index's valid message was replaced by another one
 *		(the interrupt controller moved it): whoever programmed the
 *		old one must program the new one. Optional. Atomic context,
 *		under a raw spinlock: no sleeping, no spinlock_t (queue work).
 *
 * @mask and @unmask come together or not at all. @data is the pointer
 * given to dev_msi_alloc().
 *
 * @write_msg is only ever called with a valid message: when the vector's
 * interrupt is requested (activated), when the interrupt controller moves
 * it, and when the block's user asks for it again (dev_msi_rewrite_msg()).
 * It is never called with the all-zero message the MSI core
 * writes when it deactivates a vector (free_irq() of its last handler):
 * freeing an interrupt leaves the device alone, and dev_msi_get_msgs() then
 * gives zeroes for it. Whoever frees a vector's interrupt must first make
 * the device stop sending it (mask it in the device, or reset the device);
 * after that, nothing dev-msi does writes the vector's message again, so a
 * device reset before free_irq() stays a reset.
 */
struct dev_msi_ops {
	void (*write_msg)(void *data, unsigned int index,
			  const struct msi_msg *msg);
	void (*mask)(void *data, unsigned int index);
	void (*unmask)(void *data, unsigned int index);
	void (*msg_changed)(void *data, unsigned int index);
};

#define DEV_MSI_MAX_VECTORS	2048

bool dev_msi_capable(struct device *dev);
struct dev_msi *dev_msi_alloc(struct device *dev, unsigned int nvec,
			      const struct dev_msi_ops *ops, void *data);
void dev_msi_free(struct dev_msi *dm);
int dev_msi_virq(const struct dev_msi *dm, unsigned int index);
int dev_msi_request_irq(struct dev_msi *dm, unsigned int index,
			irq_handler_t handler, unsigned long flags,
			const char *name, void *dev_id);
int dev_msi_rewrite_msg(const struct dev_msi *dm, unsigned int index);
int dev_msi_get_msgs(const struct dev_msi *dm, unsigned int first,
		     unsigned int nr, struct msi_msg *msgs, u32 *generation);
bool dev_msi_msgs_stable(struct device *dev);

#endif /* _LINUX_DEV_MSI_H */
