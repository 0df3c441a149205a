// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: an interrupt line behind an eventfd.
 *
 * What a wired line (irq_wired.c) and an MSI vector (irq_msi.c) have in
 * common: the irq, its handler installed once, disabled (IRQF_NO_AUTOEN),
 * and then only moved through its disable depth; the trigger eventfd; the
 * user's mask, idempotent and usable from any context; the mask and unmask
 * virqfds. The locking is in struct vpm_irq_line. What differs stays with
 * the kind: how the irq is found and requested, a level line's automask,
 * a wired edge line's stale events, where an MSI vector is masked.
 *
 * The irq cores of the lines used here never sleep in enable_irq() (it
 * only does on irqchips behind a slow bus, irq_bus_lock; as with upstream
 * vfio-platform, such lines are not supported with virqfd unmasking), so
 * masking and unmasking work in any context.
 */

#include <linux/bottom_half.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/lockdep.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/vfio.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "vfio_platform_msi.h"

/* @virq may be invalid (< 0) until the handler is installed. */
void vpm_irq_line_init(struct vpm_irq_line *line, struct mutex *igate,
		       int virq)
{
	line->igate = igate;
	line->virq = virq;
	spin_lock_init(&line->lock);
}

/*
 * The kind installed the line's handler, with IRQF_NO_AUTOEN (the one
 * disable for "no trigger") and the line as dev_id: count a mask the user
 * set before in the disable depth too.
 */
void vpm_irq_line_requested(struct vpm_irq_line *line)
{
	unsigned long flags;

	lockdep_assert_held(line->igate);
	spin_lock_irqsave(&line->lock, flags);
	line->requested = true;
	if (line->masked)
		disable_irq_nosync(line->virq);
	spin_unlock_irqrestore(&line->lock, flags);
}

/*
 * Free the handler, if installed, once the trigger and the virqfds are
 * gone, and forget the mask: the next handler starts unmasked.
 */
void vpm_irq_line_free(struct vpm_irq_line *line)
{
	unsigned long flags;

	lockdep_assert_held(line->igate);
	WARN_ON_ONCE(line->trigger);
	if (line->requested)
		free_irq(line->virq, line);
	spin_lock_irqsave(&line->lock, flags);
	line->requested = false;
	line->masked = false;
	spin_unlock_irqrestore(&line->lock, flags);
}

/*
 * Dropping what the interrupt controller holds for a disabled line.
 *
 * A line disabled with IRQ_DISABLE_UNLAZY is masked at the controller, and
 * an event arriving meanwhile stays there, pending: the ITS keeps the
 * LPI's pending bit, the GIC an edge SPI's, the RISC-V IMSIC the pending
 * bit of the vector's identity in the CPU's interrupt file, which it does
 * not clear when the vector is freed either. Such an event is stale once
 * nobody listens (no trigger): delivered on the next enable, or to the
 * next owner of the vector, it would look like a new one.
 *
 * Where the controller can clear the pending state, that is done:
 * irq_set_irqchip_state() asks the first level of the irq's hierarchy
 * that implements it (dev-msi's level forwards it the same way), and
 * fails with -EINVAL when none does; any failure means "not done".
 * Elsewhere the event is taken instead: the line is enabled for a moment
 * on the CPU it targets, from a work item bound to that CPU, with
 * interrupts on, so that the controller, whose enable bit may be synced
 * per CPU (the IMSIC), delivers what it holds there and then, to a
 * handler that has no trigger to signal; a replay the irq core scheduled
 * (IRQS_PENDING, from an event taken just as the line was disabled) runs
 * in the bottom half flushed meanwhile. The line is then disabled again.
 *
 * Waiting for the work item needs nothing the work or the handler takes:
 * the work takes the line's spinlock and the irq descriptor's lock, the
 * handlers (vpm_irq_line_handler(), the wired lines') take no lock of the
 * driver's but the line's spinlock of a level line, and level lines are
 * never drained. The caller holds the index lock (a mutex) and, at close,
 * the VFIO core's locks of the device set; neither the work nor a
 * handler takes them.
 */

/*
 * Debug knobs (debugfs.c; not an ABI): take held events on the line's CPU
 * even where the controller could clear them, so that the path is
 * exercised on the ITS too; and how many events were taken that way.
 */
bool vpm_drain_on_cpu;
atomic_t vpm_drained = ATOMIC_INIT(0);

/*
 * The CPU the line's interrupt goes to: the first online CPU of its
 * effective affinity, or of its affinity where the irqchip keeps no
 * effective one. CPU hotplug lock held (not asserted:
 * lockdep_assert_cpus_held() is not exported).
 */
static int vpm_irq_line_cpu(struct vpm_irq_line *line)
{
	struct irq_data *d = irq_get_irq_data(line->virq);
	unsigned int cpu;

	if (!d)
		return -EINVAL;
	cpu = cpumask_first_and(irq_data_get_effective_affinity_mask(d),
				cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first_and(irq_data_get_affinity_mask(d),
					cpu_online_mask);
	return cpu < nr_cpu_ids ? cpu : -ENODEV;
}

/* The line's interrupt does not go to this CPU (any more) */
static bool vpm_irq_line_moved(const struct cpumask *m)
{
	return !cpumask_empty(m) && !cpumask_test_cpu(smp_processor_id(), m);
}

/*
 * The work item, on the line's CPU: enable the line, take what the
 * controller held, disable it again. -EAGAIN if the line's interrupt moved
 * to another CPU before, or while it was enabled (the first enable of a
 * line that was never started chooses its CPU): the caller tries again,
 * there.
 */
static long vpm_irq_line_take_held(void *arg)
{
	struct vpm_irq_line *line = arg;
	const struct cpumask *m;
	unsigned long flags;
	bool moved;

	m = irq_data_get_effective_affinity_mask(irq_get_irq_data(line->virq));
	if (vpm_irq_line_moved(m))
		return -EAGAIN;

	/* Disabled for want of a trigger, and once more if masked */
	spin_lock_irqsave(&line->lock, flags);
	WRITE_ONCE(line->draining, true);
	if (line->masked)
		enable_irq(line->virq);
	enable_irq(line->virq);
	spin_unlock_irqrestore(&line->lock, flags);

	/* Interrupts on: the held event is taken here; then any replay */
	local_bh_disable();
	local_bh_enable();
	moved = vpm_irq_line_moved(m);

	spin_lock_irqsave(&line->lock, flags);
	disable_irq_nosync(line->virq);
	if (line->masked)
		disable_irq_nosync(line->virq);
	WRITE_ONCE(line->draining, false);
	spin_unlock_irqrestore(&line->lock, flags);
	return moved ? -EAGAIN : 0;
}

#define VPM_DRAIN_TRIES	3

/**
 * vpm_irq_line_drop_held - drop an event the controller holds for a line
 * @line: a line whose handler is installed and which has no trigger (so
 *	is disabled); an edge line or an MSI vector
 *
 * Process context, index lock held; may wait for a work item on another
 * CPU (see above).
 *
 * Return: 0, or a negative errno when neither way was possible (the line
 * has no online CPU, or its interrupt kept moving).
 */
int vpm_irq_line_drop_held(struct vpm_irq_line *line)
{
	unsigned int tries;
	long ret;
	int cpu;

	might_sleep();
	lockdep_assert_held(line->igate);
	if (WARN_ON_ONCE(!line->requested || line->trigger))
		return -EINVAL;

	if (!READ_ONCE(vpm_drain_on_cpu) &&
	    !irq_set_irqchip_state(line->virq, IRQCHIP_STATE_PENDING, false))
		return 0;

	for (tries = 0; tries < VPM_DRAIN_TRIES; tries++) {
		/*
		 * Keeps the CPU online. The interrupt can still be moved
		 * (smp_affinity): the work finds out, and we try again.
		 */
		cpus_read_lock();
		cpu = vpm_irq_line_cpu(line);
		ret = cpu < 0 ? cpu : work_on_cpu(cpu, vpm_irq_line_take_held,
						  line);
		cpus_read_unlock();
		if (ret != -EAGAIN)
			break;
	}
	return ret;
}

/*
 * An event on the line: from its hard irq handler, or from a loopback
 * trigger with @igate held. Never sleeps.
 */
void vpm_irq_line_signal(struct vpm_irq_line *line)
{
	struct eventfd_ctx *trigger = READ_ONCE(line->trigger);

	if (trigger)
		vpm_eventfd_signal(trigger);
	else if (READ_ONCE(line->draining))
		atomic_inc(&vpm_drained);
}

irqreturn_t vpm_irq_line_handler(int irq, void *line)
{
	vpm_irq_line_signal(line);
	return IRQ_HANDLED;
}

/* Any context. True if the line was not masked yet. */
bool vpm_irq_line_mask(struct vpm_irq_line *line)
{
	unsigned long flags;
	bool masked = false;

	spin_lock_irqsave(&line->lock, flags);
	if (!line->masked) {
		line->masked = true;
		if (line->requested && !line->draining)
			disable_irq_nosync(line->virq);
		masked = true;
	}
	spin_unlock_irqrestore(&line->lock, flags);
	return masked;
}

/* Any context. */
void vpm_irq_line_unmask(struct vpm_irq_line *line)
{
	unsigned long flags;

	spin_lock_irqsave(&line->lock, flags);
	if (line->masked) {
		line->masked = false;
		if (line->requested && !line->draining)
			enable_irq(line->virq);
	}
	spin_unlock_irqrestore(&line->lock, flags);
}

/*
 * Point the line at @trigger (NULL: none, the line is disabled). Takes
 * over the caller's reference to @trigger. The handler must be installed
 * when the line has or gets a trigger.
 */
void vpm_irq_line_set_trigger(struct vpm_irq_line *line,
			      struct eventfd_ctx *trigger)
{
	struct eventfd_ctx *old = line->trigger;

	lockdep_assert_held(line->igate);
	if (old == trigger) {
		if (trigger)
			eventfd_ctx_put(trigger);
		return;
	}
	/* Waits for a running handler: nobody reads @old after this. */
	if (old)
		disable_irq(line->virq);
	WRITE_ONCE(line->trigger, trigger);
	if (trigger)
		enable_irq(line->virq);
	if (old)
		eventfd_ctx_put(old);
}

/* virqfd callbacks: eventfd wakeup context (atomic). No thread needed. */
static int vpm_irq_line_mask_fd(void *line, void *unused)
{
	vpm_irq_line_mask(line);
	return 0;
}

static int vpm_irq_line_unmask_fd(void *line, void *unused)
{
	vpm_irq_line_unmask(line);
	return 0;
}

/* True if a mask (@mask) or unmask virqfd is attached: attaching fails */
bool vpm_irq_line_has_virqfd(struct vpm_irq_line *line, bool mask)
{
	lockdep_assert_held(line->igate);
	return READ_ONCE(*(mask ? &line->mask_fd : &line->unmask_fd));
}

/* Wait until every virqfd shutdown queued so far has run. */
void vpm_irq_line_flush_virqfds(void)
{
	struct virqfd *none = NULL;

	vfio_virqfd_disable(&none);
}

/*
 * Remove a virqfd attached since it was last removed (@attached).
 * vfio_virqfd_disable() flushes the global virqfd cleanup workqueue even
 * when there is no virqfd: call it only for a virqfd that is still there.
 * One that virqfd let go of itself (its eventfd was closed) may still be
 * shutting down and call our callback if something signals the eventfd:
 * return true then, the caller flushes (vpm_irq_line_flush_virqfds()).
 */
static bool vpm_irq_line_stop_virqfd(struct virqfd **pvirqfd, bool *attached)
{
	if (!*attached)
		return false;
	*attached = false;
	/* Flushes even if virqfd clears the pointer meanwhile */
	if (READ_ONCE(*pvirqfd)) {
		vfio_virqfd_disable(pvirqfd);
		return false;
	}
	return true;
}

/*
 * Attach a mask (@mask) or unmask virqfd to eventfd @fd; fd < 0 removes
 * it. As upstream, -EBUSY if one is attached already: remove it first.
 */
int vpm_irq_line_set_virqfd(struct vpm_irq_line *line, bool mask, s32 fd)
{
	struct virqfd **pvirqfd = mask ? &line->mask_fd : &line->unmask_fd;
	bool *attached = mask ? &line->mask_fd_attached :
				&line->unmask_fd_attached;
	int ret;

	lockdep_assert_held(line->igate);
	if (fd < 0) {
		if (vpm_irq_line_stop_virqfd(pvirqfd, attached))
			vpm_irq_line_flush_virqfds();
		return 0;
	}
	ret = vfio_virqfd_enable(line, mask ? vpm_irq_line_mask_fd :
					      vpm_irq_line_unmask_fd,
				 NULL, NULL, pvirqfd, fd);
	if (!ret)
		*attached = true;
	return ret;
}

/*
 * Remove the line's virqfds, for a close. True if one may still be shutting
 * down: the caller then calls vpm_irq_line_flush_virqfds() once, after all
 * its lines, before anything the virqfd callbacks touch goes away.
 */
bool vpm_irq_line_stop_virqfds(struct vpm_irq_line *line)
{
	bool flush;

	lockdep_assert_held(line->igate);
	flush = vpm_irq_line_stop_virqfd(&line->mask_fd,
					 &line->mask_fd_attached);
	if (vpm_irq_line_stop_virqfd(&line->unmask_fd,
				     &line->unmask_fd_attached))
		flush = true;
	return flush;
}
