// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: wired interrupt lines.
 *
 * Each line of the device (its n-th "interrupts" entry) is one VFIO IRQ
 * index with count 1. Level lines are EVENTFD | MASKABLE | AUTOMASKED, edge
 * lines EVENTFD | MASKABLE.
 *
 * The handler is requested once, at open_device, disabled (IRQF_NO_AUTOEN),
 * and stays installed until close_device. Two independent reasons keep the
 * line disabled, each counted at most once in the irq's disable depth:
 *
 *  - no trigger: the line is disabled while @trigger is NULL. The trigger
 *    only changes with the index lock held and the irq disabled
 *    synchronously (disable_irq() waits for a running handler), so neither
 *    the handler nor a loopback trigger (which runs under the index lock)
 *    can see it change under their feet.
 *  - masked: by the user (MASK), by the handler of a level line (automask)
 *    or by a mask virqfd. @masked, under @lock, makes mask and unmask
 *    idempotent, so user, virqfd and handler can race without unbalancing
 *    the disable depth.
 *
 * Disabling is not lazy (IRQ_DISABLE_UNLAZY, set once the handler is
 * installed; the irq core clears it when the last handler is freed, and
 * ours stays until close, so nothing has to restore it): a disabled line
 * is masked at the interrupt controller at once, so an edge
 * that arrives meanwhile is latched there, not in the irq core. An edge
 * latched while the line was masked is delivered once on unmask; one
 * latched while there was no trigger (before the first one, after the
 * previous open) is stale and dropped when a trigger is installed.
 *
 * A line that could not be requested at open (e.g. another driver holds
 * it) does not fail the open: the regions stay usable, and SET_IRQS on the
 * line returns the request's error.
 */

#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/lockdep.h>
#include <linux/platform_device.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vfio.h>

#include "compat.h"
#include "vfio_platform_msi.h"

/**
 * struct vpm_wired_irq - one wired line
 * @idx: the VFIO IRQ index (idx.lock is the index lock)
 * @virq: Linux irq number, fixed at probe
 * @level: level-triggered line (automasked), fixed at probe
 * @name: handler name, fixed at probe
 * @requested: the handler is installed (index lock)
 * @request_err: why it is not, from open to close (index lock)
 * @trigger: eventfd signalled on each interrupt. Written with the index
 *	lock held and the irq disabled; read by the handler and, under the
 *	index lock, by loopback triggers.
 * @mask_fd: virqfd masking the line when signalled (index lock)
 * @unmask_fd: virqfd unmasking the line when signalled (index lock)
 * @mask_fd_attached: a mask virqfd was attached since the last removal,
 *	even if virqfd has cleared @mask_fd since (index lock)
 * @unmask_fd_attached: the same for @unmask_fd (index lock)
 * @lock: protects @masked. Taken in the hard irq handler, in virqfd
 *	callbacks (atomic, eventfd wakeup) and in process context: always
 *	with interrupts disabled, never held across anything that sleeps.
 * @masked: the line is masked (counted once in the irq's disable depth)
 */
struct vpm_wired_irq {
	struct vpm_irq_index idx;
	unsigned int virq;
	bool level;
	char *name;

	bool requested;
	int request_err;
	struct eventfd_ctx *trigger;
	struct virqfd *mask_fd;
	struct virqfd *unmask_fd;
	bool mask_fd_attached;
	bool unmask_fd_attached;

	spinlock_t lock;	/* protects @masked; any context, irqsave */
	bool masked;
};

static struct vpm_wired_irq *to_wired(struct vpm_irq_index *idx)
{
	return container_of(idx, struct vpm_wired_irq, idx);
}

/*
 * Any context. enable_irq() only sleeps on irqchips behind a slow bus
 * (irq_bus_lock); as with upstream vfio-platform, such lines are not
 * supported with virqfd unmasking.
 */
static void vpm_wired_unmask(struct vpm_wired_irq *w)
{
	unsigned long flags;

	spin_lock_irqsave(&w->lock, flags);
	if (w->masked) {
		enable_irq(w->virq);
		w->masked = false;
	}
	spin_unlock_irqrestore(&w->lock, flags);
}

/* Any context. True if the line was not masked yet. */
static bool vpm_wired_mask(struct vpm_wired_irq *w)
{
	unsigned long flags;
	bool masked = false;

	spin_lock_irqsave(&w->lock, flags);
	if (!w->masked) {
		disable_irq_nosync(w->virq);
		w->masked = true;
		masked = true;
	}
	spin_unlock_irqrestore(&w->lock, flags);
	return masked;
}

/*
 * An event on the line: from the hard irq handler, or from a loopback
 * trigger with the index lock held. Never sleeps.
 */
static void vpm_wired_event(struct vpm_wired_irq *w)
{
	struct eventfd_ctx *trigger;

	/*
	 * Automask. A level line that is masked already has its event
	 * outstanding: as upstream vfio-platform, one event per unmask.
	 */
	if (w->level && !vpm_wired_mask(w))
		return;

	trigger = READ_ONCE(w->trigger);
	if (trigger)
		vpm_eventfd_signal(trigger);
}

static irqreturn_t vpm_wired_handler(int irq, void *arg)
{
	vpm_wired_event(arg);
	return IRQ_HANDLED;
}

/* virqfd callbacks: eventfd wakeup context (atomic). No thread needed. */
static int vpm_wired_mask_fd(void *opaque, void *unused)
{
	vpm_wired_mask(opaque);
	return 0;
}

static int vpm_wired_unmask_fd(void *opaque, void *unused)
{
	vpm_wired_unmask(opaque);
	return 0;
}

/*
 * Drop the edges that arrived while nobody listened (no trigger), so they
 * do not look like new ones to the next trigger. They are latched in the
 * interrupt controller (the line was masked there): clear that, best
 * effort, not every irqchip can. One may also be latched in the irq core
 * (IRQS_PENDING: it was taken just as the line was being disabled);
 * enable_irq() replays that into the handler, which has no trigger to
 * signal, then clear what the replay left in the controller. The replay
 * needs the line really enabled, so a user mask, which holds it disabled
 * too, is lifted for that moment, under @lock so that no mask or unmask
 * virqfd sees it. Best effort again where the irqchip cannot retrigger
 * and the core replays from a tasklet, later. Level lines need none of
 * this: the core never replays them, and a line still asserted stays
 * pending anyway. Called and returns with the line disabled for want of
 * a trigger, and masked as it was.
 */
static void vpm_wired_drop_stale(struct vpm_wired_irq *w)
{
	unsigned long flags;

	lockdep_assert_held(&w->idx.lock);

	irq_set_irqchip_state(w->virq, IRQCHIP_STATE_PENDING, false);
	spin_lock_irqsave(&w->lock, flags);
	if (w->masked)
		enable_irq(w->virq);
	enable_irq(w->virq);
	disable_irq_nosync(w->virq);
	if (w->masked)
		disable_irq_nosync(w->virq);
	spin_unlock_irqrestore(&w->lock, flags);
	/* A replay may run on another CPU: let it finish. */
	synchronize_irq(w->virq);
	irq_set_irqchip_state(w->virq, IRQCHIP_STATE_PENDING, false);
}

/*
 * Replace the trigger with @trigger (NULL: none). Takes over the caller's
 * reference to @trigger.
 */
static void vpm_wired_swap_trigger(struct vpm_wired_irq *w,
				   struct eventfd_ctx *trigger)
{
	struct eventfd_ctx *old = w->trigger;

	lockdep_assert_held(&w->idx.lock);

	if (old) {
		/* Waits for a running handler: it cannot see @old go away. */
		disable_irq(w->virq);
		WRITE_ONCE(w->trigger, NULL);
		eventfd_ctx_put(old);
	}
	if (trigger) {
		if (!old && !w->level)
			vpm_wired_drop_stale(w);
		WRITE_ONCE(w->trigger, trigger);
		enable_irq(w->virq);
	}
}

static int vpm_wired_set_trigger_fd(struct vpm_wired_irq *w, s32 fd)
{
	struct eventfd_ctx *trigger = NULL;

	lockdep_assert_held(&w->idx.lock);

	/* A bad fd leaves the current trigger in place. */
	if (fd >= 0) {
		trigger = eventfd_ctx_fdget(fd);
		if (IS_ERR(trigger))
			return PTR_ERR(trigger);
	}
	vpm_wired_swap_trigger(w, trigger);
	return 0;
}

/*
 * Remove the virqfd at @pvirqfd, if one was attached since it was last
 * removed (@attached). vfio_virqfd_disable() flushes the global virqfd
 * cleanup workqueue even when there is no virqfd; skip it when none was
 * ever attached. When one was, call it even if the pointer is NULL by now
 * (the eventfd was closed and virqfd let go of it): the flush waits for
 * virqfd's shutdown of it, after which it can no longer call our handler.
 */
static void vpm_wired_virqfd_disable(struct virqfd **pvirqfd, bool *attached)
{
	if (*attached)
		vfio_virqfd_disable(pvirqfd);
	*attached = false;
}

/*
 * Attach a virqfd running @handler to eventfd @fd; fd < 0 removes it. As
 * upstream, -EBUSY if one is attached already: remove it first.
 */
static int vpm_wired_set_virqfd(struct vpm_wired_irq *w,
				int (*handler)(void *, void *),
				struct virqfd **pvirqfd, bool *attached, s32 fd)
{
	int ret;

	lockdep_assert_held(&w->idx.lock);

	if (fd < 0) {
		vpm_wired_virqfd_disable(pvirqfd, attached);
		return 0;
	}
	ret = vfio_virqfd_enable(w, handler, NULL, NULL, pvirqfd, fd);
	if (!ret)
		*attached = true;
	return ret;
}

static int vpm_wired_do_mask(struct vpm_wired_irq *w, u32 type, void *data)
{
	switch (type) {
	case VFIO_IRQ_SET_DATA_NONE:
		vpm_wired_mask(w);
		return 0;
	case VFIO_IRQ_SET_DATA_BOOL:
		if (*(u8 *)data)
			vpm_wired_mask(w);
		return 0;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		return vpm_wired_set_virqfd(w, vpm_wired_mask_fd, &w->mask_fd,
					    &w->mask_fd_attached,
					    *(s32 *)data);
	}
	return -EINVAL;
}

static int vpm_wired_do_unmask(struct vpm_wired_irq *w, u32 type, void *data)
{
	switch (type) {
	case VFIO_IRQ_SET_DATA_NONE:
		vpm_wired_unmask(w);
		return 0;
	case VFIO_IRQ_SET_DATA_BOOL:
		if (*(u8 *)data)
			vpm_wired_unmask(w);
		return 0;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		return vpm_wired_set_virqfd(w, vpm_wired_unmask_fd,
					    &w->unmask_fd, &w->unmask_fd_attached,
					    *(s32 *)data);
	}
	return -EINVAL;
}

static int vpm_wired_do_trigger(struct vpm_wired_irq *w, u32 type, void *data)
{
	switch (type) {
	case VFIO_IRQ_SET_DATA_NONE:
		vpm_wired_event(w);
		return 0;
	case VFIO_IRQ_SET_DATA_BOOL:
		if (*(u8 *)data)
			vpm_wired_event(w);
		return 0;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		return vpm_wired_set_trigger_fd(w, *(s32 *)data);
	}
	return -EINVAL;
}

static int vpm_wired_set_irqs(struct vpm_irq_index *idx, u32 flags,
			      unsigned int start, unsigned int count,
			      void *data)
{
	struct vpm_wired_irq *w = to_wired(idx);
	u32 action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	u32 type = flags & VFIO_IRQ_SET_DATA_TYPE_MASK;

	lockdep_assert_held(&idx->lock);

	if (!w->requested)
		return w->request_err;

	/* TRIGGER, DATA_NONE, count 0: tear the trigger down. */
	if (action == VFIO_IRQ_SET_ACTION_TRIGGER &&
	    type == VFIO_IRQ_SET_DATA_NONE && count == 0) {
		vpm_wired_swap_trigger(w, NULL);
		return 0;
	}
	if (start != 0 || count != 1)
		return -EINVAL;

	switch (action) {
	case VFIO_IRQ_SET_ACTION_MASK:
		return vpm_wired_do_mask(w, type, data);
	case VFIO_IRQ_SET_ACTION_UNMASK:
		return vpm_wired_do_unmask(w, type, data);
	case VFIO_IRQ_SET_ACTION_TRIGGER:
		return vpm_wired_do_trigger(w, type, data);
	}
	return -EINVAL;
}

static int vpm_wired_get_info(struct vpm_irq_index *idx,
			      struct vfio_irq_info *info,
			      struct vfio_info_cap *caps)
{
	struct vpm_wired_irq *w = to_wired(idx);

	info->flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE;
	if (w->level)
		info->flags |= VFIO_IRQ_INFO_AUTOMASKED;
	info->count = 1;
	if (!caps)
		return 0;

	/*
	 * Masking disables the line at the interrupt controller at once
	 * (IRQ_DISABLE_UNLAZY): an edge arriving meanwhile stays pending
	 * there, and a level line still asserted fires again on unmask.
	 */
	return vpm_irq_add_type_cap(caps, VFIO_IRQ_TYPE_WIRED,
				    w->level ? VFIO_IRQ_TRIGGER_LEVEL :
					       VFIO_IRQ_TRIGGER_EDGE,
				    VFIO_IRQ_MASK_IRQCHIP,
				    VFIO_IRQ_CAP_TYPE_REPLAY |
				    (w->level ? VFIO_IRQ_CAP_TYPE_AUTOMASKED : 0));
}

static int vpm_wired_open(struct vpm_irq_index *idx)
{
	struct vpm_wired_irq *w = to_wired(idx);
	int ret;

	lockdep_assert_held(&idx->lock);

	w->masked = false;
	w->trigger = NULL;
	ret = request_irq(w->virq, vpm_wired_handler, IRQF_NO_AUTOEN,
			  w->name, w);
	if (ret) {
		dev_warn(&idx->vdev->pdev->dev,
			 "IRQ index %u: cannot request irq %u: %d\n",
			 idx->index, w->virq, ret);
		w->request_err = ret;
		return 0;
	}
	/*
	 * Make disabling the line mask it at once (see the top of this
	 * file). Nothing disabled it lazily yet: it was never enabled. The
	 * irq core clears the flag again in free_irq(), when the last handler
	 * goes, so it lasts exactly as long as our handler: a line we could
	 * not request (another driver holds it) is left alone.
	 */
	irq_set_status_flags(w->virq, IRQ_DISABLE_UNLAZY);
	w->requested = true;
	return 0;
}

static void vpm_wired_quiesce(struct vpm_irq_index *idx)
{
	struct vpm_wired_irq *w = to_wired(idx);

	lockdep_assert_held(&idx->lock);

	if (!w->requested)
		return;
	/* No mask/unmask may run once the line is being torn down. */
	vpm_wired_virqfd_disable(&w->mask_fd, &w->mask_fd_attached);
	vpm_wired_virqfd_disable(&w->unmask_fd, &w->unmask_fd_attached);
	/* Leaves the line disabled: the handler cannot run any more. */
	vpm_wired_swap_trigger(w, NULL);
}

static void vpm_wired_close(struct vpm_irq_index *idx)
{
	struct vpm_wired_irq *w = to_wired(idx);

	lockdep_assert_held(&idx->lock);

	/* Also clears IRQ_DISABLE_UNLAZY: ours was the only handler. */
	if (w->requested)
		free_irq(w->virq, w);
	w->requested = false;
	w->request_err = 0;
	w->masked = false;
}

static void vpm_wired_release(struct vpm_irq_index *idx)
{
	struct vpm_wired_irq *w = to_wired(idx);

	vpm_irq_index_destroy(idx);
	kfree(w->name);
	kfree(w);
}

static void vpm_wired_debug_show(struct vpm_irq_index *idx,
				 struct seq_file *m)
{
	struct vpm_wired_irq *w = to_wired(idx);

	lockdep_assert_held(&idx->lock);
	seq_printf(m, " wired %s handler %d trigger %d mask_fd %d unmask_fd %d masked %d",
		   w->level ? "level" : "edge", w->requested, !!w->trigger,
		   !!w->mask_fd, !!w->unmask_fd, READ_ONCE(w->masked));
}

static const struct vpm_irq_ops vpm_wired_ops = {
	.get_info = vpm_wired_get_info,
	.set_irqs = vpm_wired_set_irqs,
	.open = vpm_wired_open,
	.quiesce = vpm_wired_quiesce,
	.close = vpm_wired_close,
	.debug_show = vpm_wired_debug_show,
	.release = vpm_wired_release,
};

/* Number of wired lines of the device, or a negative errno. */
int vpm_wired_count(struct vpm_device *vdev)
{
	return platform_irq_count(vdev->pdev);
}

struct vpm_irq_index *vpm_wired_create(struct vpm_device *vdev,
				       unsigned int index, unsigned int line)
{
	struct platform_device *pdev = vdev->pdev;
	struct vpm_wired_irq *w;
	int virq;

	virq = platform_get_irq_optional(pdev, line);
	if (virq < 0)
		return ERR_PTR(dev_err_probe(&pdev->dev, virq,
					     "cannot get irq %u\n", line));
	if (!virq)
		return ERR_PTR(-EINVAL);

	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		return ERR_PTR(-ENOMEM);

	w->name = kasprintf(GFP_KERNEL_ACCOUNT, "vfio-pmsi-irq[%d](%s)",
			    virq, dev_name(&pdev->dev));
	if (!w->name) {
		kfree(w);
		return ERR_PTR(-ENOMEM);
	}
	w->virq = virq;
	w->level = irq_get_trigger_type(virq) & IRQ_TYPE_LEVEL_MASK;
	spin_lock_init(&w->lock);
	vpm_irq_index_init(&w->idx, vdev, &vpm_wired_ops, index, 1);
	return &w->idx;
}
