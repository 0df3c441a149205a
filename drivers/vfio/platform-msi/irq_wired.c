// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: wired interrupt lines.
 *
 * Each line of the device (its n-th "interrupts" entry) is one VFIO IRQ
 * index with count 1. Level lines are EVENTFD | MASKABLE | AUTOMASKED, edge
 * lines EVENTFD | MASKABLE.
 *
 * The handler is requested once, at open_device, disabled (IRQF_NO_AUTOEN),
 * and stays installed until close_device. The line is a struct
 * vpm_irq_line (irq_line.c): disabled while it has no trigger, and while
 * masked, by the user (MASK), by a mask virqfd, or by the handler of a
 * level line (automask); user, virqfd and handler can race without
 * unbalancing the disable depth.
 *
 * Disabling is not lazy (IRQ_DISABLE_UNLAZY, set once the handler is
 * installed; the irq core clears it when the last handler is freed, and
 * ours stays until close, so nothing has to restore it): a disabled line
 * is masked at the interrupt controller at once, so an edge
 * that arrives meanwhile is latched there, not in the irq core. An edge
 * latched while the line was masked is delivered once on unmask; one
 * latched while there was no trigger (before the first one, after the
 * previous open) is stale and dropped when a trigger is installed, and at
 * close, before the handler is freed, so that whoever requests the line
 * next does not get it either.
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
 * @line: the line; line.igate is idx.lock, line.virq fixed at probe
 * @level: level-triggered line (automasked), fixed at probe
 * @name: handler name, fixed at probe
 * @request_err: why the handler is not installed, from open to close
 *	(index lock)
 */
struct vpm_wired_irq {
	struct vpm_irq_index idx;
	struct vpm_irq_line line;
	bool level;
	char *name;
	int request_err;
};

static struct vpm_wired_irq *to_wired(struct vpm_irq_index *idx)
{
	return container_of(idx, struct vpm_wired_irq, idx);
}

/*
 * An event on the line: from the hard irq handler, or from a loopback
 * trigger with the index lock held. Never sleeps.
 */
static void vpm_wired_event(struct vpm_wired_irq *w)
{
	/*
	 * Automask. A level line that is masked already has its event
	 * outstanding: as upstream vfio-platform, one event per unmask.
	 */
	if (w->level && !vpm_irq_line_mask(&w->line))
		return;
	vpm_irq_line_signal(&w->line);
}

static irqreturn_t vpm_wired_handler(int irq, void *line)
{
	struct vpm_wired_irq *w = container_of(line, struct vpm_wired_irq, line);

	vpm_wired_event(w);
	/* A wake-up source while the device is in low power (pm.c) */
	vpm_pm_irq_event(w->idx.vdev);
	return IRQ_HANDLED;
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
 * too, is lifted for that moment, under line.lock so that no mask or
 * unmask virqfd sees it. Best effort again where the irqchip cannot
 * retrigger and the core replays from a tasklet, later. Where the
 * controller cannot clear a pending edge at all, the line is instead
 * enabled for a moment on its CPU, and what it held taken there
 * (vpm_irq_line_drop_held()). Level lines need none of this: the core
 * never replays them, and a line still asserted stays pending anyway.
 * Called and returns with the line disabled for want of a trigger, and
 * masked as it was.
 */
static void vpm_wired_drop_stale(struct vpm_wired_irq *w)
{
	struct vpm_irq_line *line = &w->line;
	unsigned long flags;
	int ret;

	lockdep_assert_held(&w->idx.lock);

	if (READ_ONCE(vpm_drain_on_cpu) ||
	    irq_set_irqchip_state(line->virq, IRQCHIP_STATE_PENDING, false)) {
		ret = vpm_irq_line_drop_held(line);
		if (ret)
			dev_warn_ratelimited(&w->idx.vdev->pdev->dev,
					     "IRQ index %u: cannot drop a held edge: %d\n",
					     w->idx.index, ret);
		return;
	}
	spin_lock_irqsave(&line->lock, flags);
	if (line->masked)
		enable_irq(line->virq);
	enable_irq(line->virq);
	disable_irq_nosync(line->virq);
	if (line->masked)
		disable_irq_nosync(line->virq);
	spin_unlock_irqrestore(&line->lock, flags);
	/* A replay may run on another CPU: let it finish. */
	synchronize_irq(line->virq);
	irq_set_irqchip_state(line->virq, IRQCHIP_STATE_PENDING, false);
}

/*
 * Replace the trigger with @trigger (NULL: none). Takes over the caller's
 * reference to @trigger.
 */
static void vpm_wired_swap_trigger(struct vpm_wired_irq *w,
				   struct eventfd_ctx *trigger)
{
	lockdep_assert_held(&w->idx.lock);

	/* An edge line that had no trigger: disabled for want of one. */
	if (trigger && !w->line.trigger && !w->level)
		vpm_wired_drop_stale(w);
	vpm_irq_line_set_trigger(&w->line, trigger);
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

/* MASK (@mask) or UNMASK */
static int vpm_wired_do_mask(struct vpm_wired_irq *w, bool mask, u32 type,
			     void *data)
{
	switch (type) {
	case VFIO_IRQ_SET_DATA_NONE:
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		if (!*(u8 *)data)
			return 0;
		break;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		return vpm_irq_line_set_virqfd(&w->line, mask, *(s32 *)data);
	default:
		return -EINVAL;
	}
	if (mask)
		vpm_irq_line_mask(&w->line);
	else
		vpm_irq_line_unmask(&w->line);
	return 0;
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

	if (!w->line.requested)
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
	case VFIO_IRQ_SET_ACTION_UNMASK:
		return vpm_wired_do_mask(w, action == VFIO_IRQ_SET_ACTION_MASK,
					 type, data);
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
	/* No capability: the flags say all (AUTOMASKED: level) */
	return 0;
}

static int vpm_wired_open(struct vpm_irq_index *idx)
{
	struct vpm_wired_irq *w = to_wired(idx);
	int ret;

	lockdep_assert_held(&idx->lock);

	ret = request_irq(w->line.virq, vpm_wired_handler, IRQF_NO_AUTOEN,
			  w->name, &w->line);
	if (ret) {
		dev_warn(&idx->vdev->pdev->dev,
			 "IRQ index %u: cannot request irq %d: %d\n",
			 idx->index, w->line.virq, ret);
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
	irq_set_status_flags(w->line.virq, IRQ_DISABLE_UNLAZY);
	vpm_irq_line_requested(&w->line);
	return 0;
}

static void vpm_wired_quiesce(struct vpm_irq_index *idx)
{
	struct vpm_wired_irq *w = to_wired(idx);

	lockdep_assert_held(&idx->lock);

	if (!w->line.requested)
		return;
	/* No mask/unmask may run once the line is being torn down. */
	if (vpm_irq_line_stop_virqfds(&w->line))
		vpm_irq_line_flush_virqfds();
	/* Leaves the line disabled: the handler cannot run any more. */
	vpm_irq_line_set_trigger(&w->line, NULL);
}

static void vpm_wired_close(struct vpm_irq_index *idx)
{
	struct vpm_wired_irq *w = to_wired(idx);

	lockdep_assert_held(&idx->lock);

	/* An edge held now would reach the line's next owner */
	if (w->line.requested && !w->level)
		vpm_wired_drop_stale(w);
	/* Also clears IRQ_DISABLE_UNLAZY: ours was the only handler. */
	vpm_irq_line_free(&w->line);
	w->request_err = 0;
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
		   w->level ? "level" : "edge", w->line.requested,
		   !!w->line.trigger, !!w->line.mask_fd, !!w->line.unmask_fd,
		   READ_ONCE(w->line.masked));
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
	w->level = irq_get_trigger_type(virq) & IRQ_TYPE_LEVEL_MASK;
	vpm_irq_index_init(&w->idx, vdev, &vpm_wired_ops, index, 1);
	vpm_irq_line_init(&w->line, &w->idx.lock, virq);
	return &w->idx;
}
