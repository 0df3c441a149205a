// SPDX-License-Identifier: GPL-2.0
/*
 * vpmsi_testdev: the hardware of the vfio-platform-msi test device.
 *
 * The emulated board describes a "vpmsi,testdev" whose register window is
 * plain RAM (a no-map reserved-memory carve-out). This module is the silicon
 * behind it: one kthread per device node polls the window and does what the
 * datasheet (Documentation/testdev.rst; register map in vpmsi_testdev.h)
 * says: MSIs from an MSI-X-like table with per-vector mask and pending bits,
 * wired lines driven at the interrupt controller, counters, a timestamp of the
 * latest MSI, a reset, and a power state with external events that wake it.
 *
 * It is not the device's driver. It binds nothing, so the platform device
 * stays free for VFIO: the window, the wired lines and the MSI doorbell are
 * found through the device-tree node. The window is not claimed with
 * request_mem_region() because the device's driver maps the same window.
 *
 * Test-only code: the driver never includes or calls anything here.
 *
 * Concurrency: there is no lock. All model state of an instance (the shadow
 * registers, the pending bitmap, the line state) is owned by its kthread,
 * except @ext_events, a bitmap of atomic bits set by the debugfs event file
 * and cleared by the kthread.
 * vpmsi_model_create() writes it before the kthread is started and
 * vpmsi_model_destroy() touches it only after kthread_stop() has returned.
 * The register window is shared with whoever drives the device; the model
 * accesses it only with readl()/writel() and friends, trusts nothing it reads
 * from it, and never derives its own state from read-only registers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/of_irq.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "vpmsi_msi_parent.h"
#include "vpmsi_testdev.h"

#define VPMSI_FIRE_BATCH	32	/* MSIs between two cond_resched() */
#define VPMSI_SCRUB_COUNTS	64	/* COUNT registers restored per cycle */
#define VPMSI_SCRUB_CHUNKS	(VPMSI_NUM_VECTORS / VPMSI_SCRUB_COUNTS)
#define VPMSI_IDLE_CYCLES	1000	/* quiet cycles before the slow poll */
#define VPMSI_POLL_MAX_US	100000

static unsigned int poll_us = 50;
module_param(poll_us, uint, 0644);
MODULE_PARM_DESC(poll_us, "poll period of the register window while active, in us (default 50)");

static unsigned int idle_poll_us = 1000;
module_param(idle_poll_us, uint, 0644);
MODULE_PARM_DESC(idle_poll_us,
		 "poll period after 1000 quiet cycles, in us (default 1000; <= poll_us: never slow down)");

static unsigned int pulse_timeout_us = 1000000;
module_param(pulse_timeout_us, uint, 0644);
MODULE_PARM_DESC(pulse_timeout_us,
		 "longest wait for the interrupt controller to take a pulse, in us (default 1000000)");

static int cpu = -1;
module_param(cpu, int, 0444);
MODULE_PARM_DESC(cpu, "CPU the model's kthreads run on (default -1: any)");

struct vpmsi_line;

/*
 * How the model drives a line at its interrupt controller, by the kind of
 * controller: the line's interrupt pending or not there, and what is
 * pending or masked. Most controllers (the GIC) let the kernel's
 * irq_{get,set}_irqchip_state() do it; the RISC-V APLIC has no such
 * callbacks and is driven through its registers.
 */
struct vpmsi_line_ops {
	bool (*get_state)(struct vpmsi_line *l, enum irqchip_irq_state which);
	void (*set_pending)(struct vpmsi_line *l, bool on);
	void (*poll)(struct vpmsi_line *l);	/* every cycle, or NULL */
};

struct vpmsi_line {
	int virq;		/* Linux interrupt of the line at its controller */
	const struct vpmsi_line_ops *ops;
	void __iomem *ctrl;	/* the controller's registers (APLIC), or NULL */
	u32 source;		/* the line's number there (APLIC source) */
	bool aplic_pend;	/* APLIC level: its MSI is due */
	bool aplic_held;	/* ... sent, and not taken since */
	unsigned int aplic_count;	/* the interrupt's count when sent */
	bool level;		/* level-sensitive (else rising edge) */
	bool asserted;		/* held high by LINE_OP_ASSERT */
	bool pulse_out;		/* a pulse was raised and not yet taken */
	u64 pulse_deadline;	/* ktime ns: the pulse ends by then anyway */
	u32 raised;		/* LINE_RAISED(n) */
};

struct vpmsi_model {
	struct list_head list;		/* in vpmsi_models */
	struct device_node *np;
	void __iomem *regs;		/* the register window */
	/* where an MSI may be written (vpmsi_msi_parent.h); none: no MSIs */
	struct vpmsi_msi_window msi_win[VPMSI_MAX_MSI_WINDOWS];
	void __iomem *msi_va[VPMSI_MAX_MSI_WINDOWS];
	unsigned int nr_msi_win;
	struct task_struct *task;
	unsigned int nr_lines;
	struct vpmsi_line line[VPMSI_MAX_LINES];

	/* Owned by the kthread once it runs (see the top of the file). */
	bool ready;
	bool powered;			/* POWER.ON as last seen */
	u32 power_offs;			/* POWER_OFFS */
	unsigned long ext_events;	/* lines with an external event due */
	u32 heartbeat;
	u32 err_count;
	u32 msi_total;
	u32 last_vector;
	u64 last_msi_ns;
	u32 last_line;
	u64 last_line_ns;
	unsigned int pulse_line;	/* line of the PULSE command in progress */
	u32 pulses_left;		/* its pulses still to raise; 0: none */
	unsigned int scrub;		/* next chunk of COUNT/PBA to restore */
	unsigned int idle;		/* consecutive cycles with nothing to do */
	DECLARE_BITMAP(pending, VPMSI_NUM_VECTORS);
	u32 count[VPMSI_NUM_VECTORS];
};

static LIST_HEAD(vpmsi_models);	/* written by module init and exit only */
static struct dentry *vpmsi_debugfs;	/* module init and exit only */

static inline void vpmsi_wr(struct vpmsi_model *m, u32 reg, u32 val)
{
	writel_relaxed(val, m->regs + reg);
}

static inline u32 vpmsi_rd(struct vpmsi_model *m, u32 reg)
{
	return readl(m->regs + reg);
}

static u32 vpmsi_line_state(struct vpmsi_model *m)
{
	u32 state = 0;
	unsigned int n;

	for (n = 0; n < m->nr_lines; n++) {
		struct vpmsi_line *l = &m->line[n];

		if (l->asserted || (l->level && l->pulse_out))
			state |= 1u << n;
	}
	return state;
}

/* Restore every read-only register of the control block from model state. */
static void vpmsi_publish(struct vpmsi_model *m)
{
	unsigned int n;

	vpmsi_wr(m, VPMSI_REG_ID, VPMSI_ID);
	vpmsi_wr(m, VPMSI_REG_VERSION, VPMSI_VERSION);
	vpmsi_wr(m, VPMSI_REG_NUM_VECTORS, VPMSI_NUM_VECTORS);
	vpmsi_wr(m, VPMSI_REG_NUM_LINES, m->nr_lines);
	vpmsi_wr(m, VPMSI_REG_STATUS,
		 m->ready && m->powered ? VPMSI_STATUS_READY : 0);
	vpmsi_wr(m, VPMSI_REG_POWER_OFFS, m->power_offs);
	vpmsi_wr(m, VPMSI_REG_LINE_STATE, vpmsi_line_state(m));
	vpmsi_wr(m, VPMSI_REG_ERR_COUNT, m->err_count);
	writeq_relaxed(m->last_msi_ns, m->regs + VPMSI_REG_LAST_MSI_NS);
	vpmsi_wr(m, VPMSI_REG_LAST_VECTOR, m->last_vector);
	vpmsi_wr(m, VPMSI_REG_MSI_TOTAL, m->msi_total);
	writeq_relaxed(m->last_line_ns, m->regs + VPMSI_REG_LAST_LINE_NS);
	vpmsi_wr(m, VPMSI_REG_LAST_LINE, m->last_line);
	for (n = 0; n < VPMSI_MAX_LINES; n++)
		vpmsi_wr(m, VPMSI_REG_LINE_RAISED(n),
			 n < m->nr_lines ? m->line[n].raised : 0);
	/* non-relaxed: everything above is visible before the heartbeat */
	writel(m->heartbeat, m->regs + VPMSI_REG_HEARTBEAT);
}

/* The 32-bit PBA word @w, from the pending bitmap. */
static u32 vpmsi_pba_word(struct vpmsi_model *m, unsigned int w)
{
	unsigned int bit = w * 32;

	return lower_32_bits(m->pending[BIT_WORD(bit)] >> (bit % BITS_PER_LONG));
}

/*
 * Restore one chunk of the per-vector COUNT registers and the PBA words that
 * cover the same vectors; the whole of both every VPMSI_SCRUB_CHUNKS cycles.
 */
static void vpmsi_scrub(struct vpmsi_model *m)
{
	unsigned int first = m->scrub * VPMSI_SCRUB_COUNTS;
	unsigned int v, w;

	for (v = first; v < first + VPMSI_SCRUB_COUNTS; v++)
		vpmsi_wr(m, VPMSI_COUNT_REG(v), m->count[v]);
	for (w = first / 32; w < (first + VPMSI_SCRUB_COUNTS) / 32; w++)
		vpmsi_wr(m, VPMSI_PBA + 4 * w, vpmsi_pba_word(m, w));
	m->scrub = (m->scrub + 1) % VPMSI_SCRUB_CHUNKS;
}

static void vpmsi_error(struct vpmsi_model *m)
{
	m->err_count++;
	vpmsi_wr(m, VPMSI_REG_ERR_COUNT, m->err_count);
}

static void vpmsi_set_pending(struct vpmsi_model *m, unsigned int v, bool on)
{
	if (on)
		__set_bit(v, m->pending);
	else
		__clear_bit(v, m->pending);
	vpmsi_wr(m, VPMSI_PBA_WORD(v), vpmsi_pba_word(m, v / 32));
}

/*
 * The mapping of the 32-bit word at MSI address @addr, if it lies in one
 * of the msi-parent's windows (the ITS doorbell; an IMSIC interrupt file),
 * else NULL. Without an msi-parent the device has no MSI address at all.
 */
static void __iomem *vpmsi_msi_target(struct vpmsi_model *m, u64 addr)
{
	unsigned int i;

	if (!IS_ALIGNED(addr, 4))
		return NULL;
	for (i = 0; i < m->nr_msi_win; i++) {
		struct vpmsi_msi_window *w = &m->msi_win[i];

		if (addr >= w->pa && addr - w->pa <= w->size - 4)
			return m->msi_va[i] + (addr - w->pa);
	}
	return NULL;
}

/*
 * Send the MSI of vector @v as the hardware does: one 32-bit write of the
 * entry's data to the entry's address. Only an address of the msi-parent
 * is valid; anything else is dropped and counted, so whoever can write the
 * table cannot make the model write anywhere else.
 */
static void vpmsi_send(struct vpmsi_model *m, unsigned int v)
{
	void __iomem *entry = m->regs + VPMSI_TABLE_ENTRY(v);
	void __iomem *target;
	u64 addr;
	u32 data;

	addr = readl(entry + VPMSI_ENTRY_ADDR_LO) |
	       (u64)readl(entry + VPMSI_ENTRY_ADDR_HI) << 32;
	data = readl(entry + VPMSI_ENTRY_DATA);
	target = vpmsi_msi_target(m, addr);
	if (!target) {
		vpmsi_error(m);
		return;
	}

	/* The bookkeeping of an MSI is visible before the MSI itself. */
	m->count[v]++;
	m->msi_total++;
	m->last_vector = v;
	vpmsi_wr(m, VPMSI_COUNT_REG(v), m->count[v]);
	vpmsi_wr(m, VPMSI_REG_MSI_TOTAL, m->msi_total);
	vpmsi_wr(m, VPMSI_REG_LAST_VECTOR, v);
	m->last_msi_ns = ktime_get_ns();
	writeq_relaxed(m->last_msi_ns, m->regs + VPMSI_REG_LAST_MSI_NS);
	/* writel() orders all of the above before the MSI write */
	writel(data, target);
}

/* One of the k MSIs of a FIRE request. */
static void vpmsi_fire_one(struct vpmsi_model *m, unsigned int v)
{
	if (!(vpmsi_rd(m, VPMSI_REG_CTRL) & VPMSI_CTRL_MSI_EN)) {
		vpmsi_error(m);
		return;
	}
	if (vpmsi_rd(m, VPMSI_TABLE_ENTRY(v) + VPMSI_ENTRY_CTRL) &
	    VPMSI_ENTRY_CTRL_MASKED) {
		vpmsi_set_pending(m, v, true);	/* one bit: k fires coalesce */
		return;
	}
	vpmsi_send(m, v);
}

/* Send every pending vector that is no longer masked. */
static void vpmsi_scan_pending(struct vpmsi_model *m)
{
	unsigned int v;

	if (bitmap_empty(m->pending, VPMSI_NUM_VECTORS) ||
	    !(vpmsi_rd(m, VPMSI_REG_CTRL) & VPMSI_CTRL_MSI_EN))
		return;
	for_each_set_bit(v, m->pending, VPMSI_NUM_VECTORS) {
		if (vpmsi_rd(m, VPMSI_TABLE_ENTRY(v) + VPMSI_ENTRY_CTRL) &
		    VPMSI_ENTRY_CTRL_MASKED)
			continue;
		vpmsi_set_pending(m, v, false);
		vpmsi_send(m, v);
	}
}

/* The FIRE mailbox; true if it held a request. */
static bool vpmsi_do_fire(struct vpmsi_model *m)
{
	u32 cmd = vpmsi_rd(m, VPMSI_REG_FIRE);
	unsigned int v, k, i;

	if (!cmd)
		return false;
	v = cmd & VPMSI_FIRE_VECTOR_MASK;
	k = (cmd >> VPMSI_FIRE_COUNT_SHIFT) & VPMSI_FIRE_COUNT_MAX;
	if (!k)
		k = 1;
	if (!(cmd & VPMSI_FIRE_GO) || v >= VPMSI_NUM_VECTORS) {
		vpmsi_error(m);
	} else {
		for (i = 0; i < k; i++) {
			vpmsi_fire_one(m, v);
			if (i % VPMSI_FIRE_BATCH == VPMSI_FIRE_BATCH - 1)
				cond_resched();
		}
	}
	writel(0, m->regs + VPMSI_REG_FIRE);	/* done, after its effects */
	return true;
}

/* The GIC: through the kernel's irqchip state of the line's interrupt. */
static bool vpmsi_irqchip_get_state(struct vpmsi_line *l,
				    enum irqchip_irq_state which)
{
	bool state = false;

	/* cannot fail: checked when the line was set up */
	irq_get_irqchip_state(l->virq, which, &state);
	return state;
}

static void vpmsi_irqchip_set_pending(struct vpmsi_line *l, bool on)
{
	irq_set_irqchip_state(l->virq, IRQCHIP_STATE_PENDING, on);
}

static const struct vpmsi_line_ops vpmsi_irqchip_line_ops = {
	.get_state	= vpmsi_irqchip_get_state,
	.set_pending	= vpmsi_irqchip_set_pending,
};

/*
 * The RISC-V APLIC (in MSI delivery mode, as Linux runs it under an
 * IMSIC), through its registers: a source's pending and enable bits are
 * read in setip and setie, set and cleared by number in setipnum and
 * clripnum. An edge source made pending is forwarded as its MSI at once
 * if enabled. A level source's pending bit follows its input wire, which
 * the board does not have (QEMU ignores setipnum for it): the model plays
 * that pending bit itself and sends the source's MSI through genmsi, to
 * the hart and with the identity the source's target register names. As
 * the APLIC in MSI mode does (AIA, "special consideration for
 * level-sensitive interrupt sources"), it sends one MSI when the line
 * rises, held while the source is disabled, and another only once the
 * line is pending again: Linux's EOI and unmask write setipnum, which
 * pends a source whose input is high. The model cannot see those writes
 * (write-only, and QEMU drops them); it counts the MSI taken once the
 * kernel handled the interrupt (its descriptor's count grew and the
 * handler is done) or disabled the source, and then sends again while
 * the line is held high and the source enabled.
 */
#define VPMSI_APLIC_SETIP	0x1c00
#define VPMSI_APLIC_SETIPNUM	0x1cdc
#define VPMSI_APLIC_CLRIPNUM	0x1ddc
#define VPMSI_APLIC_SETIE	0x1e00
#define VPMSI_APLIC_GENMSI	0x3000
#define VPMSI_APLIC_GENMSI_BUSY	BIT(12)
#define VPMSI_APLIC_TARGET(i)	(0x3004 + 4 * ((i) - 1))
#define VPMSI_APLIC_TARGET_MSI	(GENMASK(31, 18) | GENMASK(10, 0))
#define VPMSI_APLIC_SIZE	0x4000	/* up to the last target register */

static bool vpmsi_aplic_bit(struct vpmsi_line *l, u32 reg)
{
	return readl(l->ctrl + reg + 4 * (l->source / 32)) &
	       BIT(l->source % 32);
}

static bool vpmsi_aplic_get_state(struct vpmsi_line *l,
				  enum irqchip_irq_state which)
{
	if (which == IRQCHIP_STATE_MASKED)
		return !vpmsi_aplic_bit(l, VPMSI_APLIC_SETIE);
	/*
	 * A line sent and not yet taken counts as pending: the IMSIC would
	 * merge a second MSI with it (the GIC holds the first pending).
	 */
	if (l->level)
		return l->aplic_pend || l->aplic_held;
	return l->aplic_held || vpmsi_aplic_bit(l, VPMSI_APLIC_SETIP);
}

/* A level source's MSI, through genmsi */
static void vpmsi_aplic_genmsi(struct vpmsi_line *l)
{
	unsigned int spin;
	u32 target;

	target = readl(l->ctrl + VPMSI_APLIC_TARGET(l->source));
	for (spin = 0; spin < 100; spin++) {
		if (!(readl(l->ctrl + VPMSI_APLIC_GENMSI) &
		      VPMSI_APLIC_GENMSI_BUSY))
			break;
		udelay(1);
	}
	writel(target & VPMSI_APLIC_TARGET_MSI, l->ctrl + VPMSI_APLIC_GENMSI);
}

/*
 * How many times the kernel handled the line's interrupt. Racy by nature:
 * only a change is looked for, and the next cycle looks again.
 */
static unsigned int vpmsi_irq_count(struct vpmsi_line *l)
{
	struct irq_data *d = irq_get_irq_data(l->virq);

	/* the kernel updates it under the descriptor's lock, not held here */
	return d ? data_race(irq_data_to_desc(d)->tot_count) : 0;
}

/*
 * A level source: its MSI sent once due and enabled, taken once handled
 * or disabled.
 *
 * Disabled counts whether the APLIC's source is (masked) or only the
 * kernel's interrupt is: a lazy disable_irq_nosync(), as a handler that
 * masks its level line does, leaves the source enabled, and an MSI sent
 * then is taken with the interrupt disabled (masked, not replayed for a
 * level). The APLIC sends that level line's MSI again when Linux's unmask
 * writes setipnum, which the model cannot see: it holds the MSI while the
 * interrupt is disabled and sends it once enabled. A missed short disable
 * could otherwise leave the MSI taken and never sent again.
 */
static void vpmsi_aplic_poll(struct vpmsi_line *l)
{
	struct irq_data *d = irq_get_irq_data(l->virq);
	bool handled;

	/* handled: once its handler is done, which may disable the source */
	handled = vpmsi_irq_count(l) != l->aplic_count &&
		  !irqd_irq_inprogress(d);
	/* the handler's disable is seen if its end is */
	smp_rmb();
	if (!vpmsi_aplic_bit(l, VPMSI_APLIC_SETIE) || irqd_irq_disabled(d)) {
		l->aplic_held = false;
		return;
	}
	if (l->aplic_held && handled)
		l->aplic_held = false;
	if (l->level && l->aplic_pend) {
		l->aplic_count = vpmsi_irq_count(l);
		vpmsi_aplic_genmsi(l);
		l->aplic_pend = false;
		l->aplic_held = true;
	}
}

static void vpmsi_aplic_set_pending(struct vpmsi_line *l, bool on)
{
	if (!l->level) {
		/* an edge: forwarded at once if enabled, then taken as above */
		if (on) {
			l->aplic_count = vpmsi_irq_count(l);
			l->aplic_held = vpmsi_aplic_bit(l, VPMSI_APLIC_SETIE);
		} else {
			l->aplic_held = false;
		}
		writel(l->source, l->ctrl + (on ? VPMSI_APLIC_SETIPNUM :
						  VPMSI_APLIC_CLRIPNUM));
		return;
	}
	l->aplic_pend = on;
	if (!on)
		l->aplic_held = false;
	vpmsi_aplic_poll(l);
}

static const struct vpmsi_line_ops vpmsi_aplic_line_ops = {
	.get_state	= vpmsi_aplic_get_state,
	.set_pending	= vpmsi_aplic_set_pending,
	.poll		= vpmsi_aplic_poll,
};

static bool vpmsi_line_irq_state(struct vpmsi_line *l,
				 enum irqchip_irq_state which)
{
	return l->ops->get_state(l, which);
}

static void vpmsi_line_set_pending(struct vpmsi_line *l, bool on)
{
	l->ops->set_pending(l, on);
}

/*
 * Drive the line's interrupt pending at its controller (an edge, a level).
 * @rising: the wire goes high (not a level held high made pending again):
 * stamp LAST_LINE_NS first, as an MSI stamps LAST_MSI_NS.
 */
static void vpmsi_raise(struct vpmsi_model *m, unsigned int n, bool rising)
{
	struct vpmsi_line *l = &m->line[n];

	if (rising) {
		m->last_line = n;
		m->last_line_ns = ktime_get_ns();
		vpmsi_wr(m, VPMSI_REG_LAST_LINE, n);
		writeq_relaxed(m->last_line_ns, m->regs + VPMSI_REG_LAST_LINE_NS);
		wmb();	/* the stamp is visible before the interrupt */
	}
	vpmsi_line_set_pending(l, true);
	l->raised++;
	vpmsi_wr(m, VPMSI_REG_LINE_RAISED(n), l->raised);
}

static void vpmsi_pulse(struct vpmsi_model *m, unsigned int n, u64 now)
{
	struct vpmsi_line *l = &m->line[n];

	vpmsi_raise(m, n, true);
	l->pulse_out = true;
	l->pulse_deadline = now + (u64)READ_ONCE(pulse_timeout_us) * NSEC_PER_USEC;
}

/*
 * Advance the wired lines: end the pulses the interrupt controller took,
 * keep asserted level lines pending, raise the next pulse of a PULSE
 * command. True if a line needs the model's attention next cycle.
 */
static bool vpmsi_lines_step(struct vpmsi_model *m, u64 now)
{
	bool active = false;
	unsigned int n;

	for (n = 0; n < m->nr_lines; n++) {
		struct vpmsi_line *l = &m->line[n];
		bool pending;

		if (l->ops->poll)
			l->ops->poll(l);
		if (l->pulse_out) {
			pending = vpmsi_line_irq_state(l, IRQCHIP_STATE_PENDING);
			/*
			 * The pulse ends once the controller took it, at once
			 * if the line is masked there (another edge would
			 * only coalesce, a level pulse cannot be taken), or
			 * at its deadline.
			 */
			if (!pending || now >= l->pulse_deadline ||
			    vpmsi_line_irq_state(l, IRQCHIP_STATE_MASKED)) {
				l->pulse_out = false;
				/* a level pulse not taken in time is gone */
				if (l->level && pending && !l->asserted)
					vpmsi_line_set_pending(l, false);
			}
		}
		/* a level line held high: pending again once taken */
		if (l->level && l->asserted &&
		    !vpmsi_line_irq_state(l, IRQCHIP_STATE_PENDING))
			vpmsi_raise(m, n, false);
		if (l->pulse_out || (l->level && l->asserted))
			active = true;
	}

	if (m->pulses_left && !m->line[m->pulse_line].pulse_out) {
		vpmsi_pulse(m, m->pulse_line, now);
		m->pulses_left--;
		vpmsi_wr(m, VPMSI_REG_LINE_STATE, vpmsi_line_state(m));
		if (!m->pulses_left)
			writel(0, m->regs + VPMSI_REG_LINE_CMD);
		return true;
	}
	vpmsi_wr(m, VPMSI_REG_LINE_STATE, vpmsi_line_state(m));
	return active || m->pulses_left;
}

/* The LINE_CMD mailbox; true if it held a request. */
static bool vpmsi_do_line_cmd(struct vpmsi_model *m, u64 now)
{
	struct vpmsi_line *l;
	u32 cmd;
	unsigned int n, op, k;

	if (m->pulses_left)
		return true;	/* busy with the pulses of the last command */
	cmd = vpmsi_rd(m, VPMSI_REG_LINE_CMD);
	if (!cmd)
		return false;
	n = cmd & VPMSI_LINE_NUM_MASK;
	op = (cmd >> VPMSI_LINE_OP_SHIFT) & 0xf;
	k = (cmd >> VPMSI_LINE_COUNT_SHIFT) & VPMSI_LINE_COUNT_MAX;
	if (!k)
		k = 1;
	if (!(cmd & VPMSI_LINE_GO) || n >= m->nr_lines) {
		vpmsi_error(m);
		goto done;
	}

	l = &m->line[n];
	switch (op) {
	case VPMSI_LINE_OP_ASSERT:
		if (l->level) {
			if (!vpmsi_line_irq_state(l, IRQCHIP_STATE_PENDING))
				vpmsi_raise(m, n, !l->asserted);
		} else if (!l->asserted) {
			vpmsi_pulse(m, n, now);	/* the rising edge */
		}
		l->asserted = true;
		break;
	case VPMSI_LINE_OP_DEASSERT:
		l->asserted = false;
		if (l->level) {
			l->pulse_out = false;
			vpmsi_line_set_pending(l, false);
		}
		break;
	case VPMSI_LINE_OP_PULSE:
		/* an edge line held high goes low before each pulse */
		if (!l->level)
			l->asserted = false;
		m->pulse_line = n;
		m->pulses_left = k;
		return true;	/* cleared when the last pulse is raised */
	default:
		vpmsi_error(m);
		break;
	}
done:
	vpmsi_wr(m, VPMSI_REG_LINE_STATE, vpmsi_line_state(m));
	writel(0, m->regs + VPMSI_REG_LINE_CMD);	/* after its effects */
	return true;
}

/*
 * Reset state: the whole window but the RESET register cleared, every
 * vector masked, no pending bit, counters zero, lines low. The heartbeat
 * keeps counting. The caller completes the reset by clearing RESET.
 */
static void vpmsi_reset(struct vpmsi_model *m)
{
	unsigned int n, v;

	for (n = 0; n < m->nr_lines; n++) {
		struct vpmsi_line *l = &m->line[n];

		/* a level line going low withdraws its interrupt */
		if (l->level && (l->asserted || l->pulse_out))
			vpmsi_line_set_pending(l, false);
		l->asserted = false;
		l->pulse_out = false;
		l->raised = 0;
	}
	m->pulses_left = 0;
	m->err_count = 0;
	m->msi_total = 0;
	m->last_vector = 0;
	m->last_msi_ns = 0;
	m->last_line = 0;
	m->last_line_ns = 0;
	bitmap_zero(m->pending, VPMSI_NUM_VECTORS);
	memset(m->count, 0, sizeof(m->count));

	memset_io(m->regs, 0, VPMSI_REG_RESET);
	memset_io(m->regs + VPMSI_REG_RESET + 4, 0,
		  VPMSI_WINDOW_SIZE - VPMSI_REG_RESET - 4);
	for (v = 0; v < VPMSI_NUM_VECTORS; v++)
		vpmsi_wr(m, VPMSI_TABLE_ENTRY(v) + VPMSI_ENTRY_CTRL,
			 VPMSI_ENTRY_CTRL_MASKED);
	vpmsi_wr(m, VPMSI_REG_POWER, VPMSI_POWER_ON);	/* on, no wake-up */
	vpmsi_publish(m);
}

/* The RESET register; true if it held a request. */
static bool vpmsi_do_reset(struct vpmsi_model *m)
{
	u32 cmd = vpmsi_rd(m, VPMSI_REG_RESET);

	if (!cmd)
		return false;
	if (cmd == VPMSI_RESET_GO)
		vpmsi_reset(m);
	else
		vpmsi_error(m);
	writel(0, m->regs + VPMSI_REG_RESET);	/* after the reset state */
	return true;
}

/*
 * The external events due: a pulse on each line, while on or, with
 * WAKE_EN, off (the wake-up); held while off without it, and while a line
 * still has a pulse out. True if one is still held.
 */
static bool vpmsi_ext_events(struct vpmsi_model *m, u32 power, u64 now)
{
	unsigned int n;
	bool held = false;

	if (!READ_ONCE(m->ext_events))
		return false;
	if (!m->powered && !(power & VPMSI_POWER_WAKE_EN))
		return true;
	for (n = 0; n < m->nr_lines; n++) {
		if (!test_bit(n, &m->ext_events))
			continue;
		if (m->line[n].pulse_out ||
		    (m->pulses_left && m->pulse_line == n)) {
			held = true;
			continue;
		}
		clear_bit(n, &m->ext_events);
		vpmsi_pulse(m, n, now);
	}
	return held;
}

/* One model cycle; true if there was or still is something to do. */
static bool vpmsi_cycle(struct vpmsi_model *m)
{
	u32 power = vpmsi_rd(m, VPMSI_REG_POWER);
	u64 now = ktime_get_ns();
	bool busy = false;

	if (!!(power & VPMSI_POWER_ON) != m->powered) {
		m->powered = power & VPMSI_POWER_ON;
		if (!m->powered)
			m->power_offs++;
		busy = true;
	}
	/* Off: the mailboxes wait, nothing is sent, no heartbeat. */
	if (m->powered) {
		busy |= vpmsi_do_reset(m);
		busy |= vpmsi_do_fire(m);
		busy |= vpmsi_do_line_cmd(m, now);
	}
	busy |= vpmsi_ext_events(m, power, now);
	busy |= vpmsi_lines_step(m, now);
	if (m->powered) {
		vpmsi_scan_pending(m);
		busy |= !bitmap_empty(m->pending, VPMSI_NUM_VECTORS);
		vpmsi_scrub(m);
		m->heartbeat++;
	}
	vpmsi_publish(m);
	return busy;
}

static int vpmsi_thread(void *data)
{
	struct vpmsi_model *m = data;

	m->ready = true;
	while (!kthread_should_stop()) {
		unsigned int us;

		if (vpmsi_cycle(m))
			m->idle = 0;
		else if (m->idle < VPMSI_IDLE_CYCLES)
			m->idle++;
		us = READ_ONCE(poll_us);
		if (m->idle >= VPMSI_IDLE_CYCLES)
			us = max(us, READ_ONCE(idle_poll_us));
		us = clamp(us, 1u, (unsigned int)VPMSI_POLL_MAX_US);
		usleep_range(us, us + us / 4);
	}
	return 0;
}

/*
 * The MSI windows of the msi-parent, mapped. A node without msi-parent is
 * a wired-only device: no window, every MSI dropped.
 */
static int vpmsi_find_msi_windows(struct vpmsi_model *m)
{
	int n, i;

	n = vpmsi_msi_parent_windows(m->np, m->msi_win);
	if (n < 0) {
		pr_err("%pOF: no usable msi-parent: %d\n", m->np, n);
		return n;
	}
	for (i = 0; i < n; i++) {
		m->msi_va[i] = ioremap(m->msi_win[i].pa, m->msi_win[i].size);
		if (!m->msi_va[i])
			return -ENOMEM;
		m->nr_msi_win = i + 1;
	}
	return 0;
}

/* How many interrupts the node has (of_irq_count() is not exported). */
static unsigned int vpmsi_count_lines(struct device_node *np)
{
	struct of_phandle_args oirq;
	unsigned int n;

	for (n = 0; n < VPMSI_MAX_LINES; n++) {
		if (of_irq_parse_one(np, n, &oirq))
			break;
		of_node_put(oirq.np);
	}
	return n;
}

/*
 * How line @l (interrupt specifier @oirq) is driven: through the APLIC's
 * registers when its controller is one, else through the irqchip state.
 */
static int vpmsi_line_setup(struct vpmsi_line *l, struct of_phandle_args *oirq)
{
	struct resource res;
	int ret;

	if (!of_device_is_compatible(oirq->np, "riscv,aplic")) {
		l->ops = &vpmsi_irqchip_line_ops;
		return 0;
	}
	ret = of_address_to_resource(oirq->np, 0, &res);
	if (ret)
		return ret;
	if (resource_size(&res) < VPMSI_APLIC_SIZE || oirq->args_count < 1 ||
	    !oirq->args[0] || oirq->args[0] >= 1024)
		return -EINVAL;
	/* the APLIC's driver has claimed it: no request_mem_region() */
	l->ctrl = ioremap(res.start, VPMSI_APLIC_SIZE);
	if (!l->ctrl)
		return -ENOMEM;
	l->source = oirq->args[0];
	l->ops = &vpmsi_aplic_line_ops;
	return 0;
}

/* The wired lines, in the order of the node's interrupts. */
static int vpmsi_get_lines(struct vpmsi_model *m)
{
	unsigned int n, nr = vpmsi_count_lines(m->np);

	for (n = 0; n < nr; n++) {
		struct vpmsi_line *l = &m->line[n];
		struct of_phandle_args oirq;
		bool state;
		int virq, ret;

		virq = of_irq_get(m->np, n);
		if (virq <= 0) {
			pr_err("%pOF: line %u: %d\n", m->np, n, virq);
			return virq ? virq : -ENXIO;
		}
		ret = of_irq_parse_one(m->np, n, &oirq);
		if (ret)
			return ret;
		ret = vpmsi_line_setup(l, &oirq);
		of_node_put(oirq.np);
		if (ret) {
			pr_err("%pOF: line %u: controller not usable: %d\n",
			       m->np, n, ret);
			return ret;
		}
		if (l->ops != &vpmsi_irqchip_line_ops)
			goto ok;
		/* the model drives the line through its pending state */
		ret = irq_get_irqchip_state(virq, IRQCHIP_STATE_PENDING, &state);
		if (!ret)
			ret = irq_get_irqchip_state(virq, IRQCHIP_STATE_MASKED,
						    &state);
		if (ret) {
			pr_err("%pOF: line %u: pending state not accessible: %d\n",
			       m->np, n, ret);
			return ret;
		}
ok:
		l->virq = virq;
		l->level = irq_get_trigger_type(virq) & IRQ_TYPE_LEVEL_MASK;
		m->nr_lines = n + 1;
	}
	return 0;
}

/*
 * debugfs vpmsi_testdev/<window address>: a read-only copy of the register
 * window, for tests that must see the device without opening it (an open
 * through VFIO resets it). Reads race with the model and the driver like
 * any other reader of the window.
 */
static ssize_t vpmsi_window_read(struct file *file, char __user *buf,
				 size_t len, loff_t *ppos)
{
	struct vpmsi_model *m = file->private_data;
	ssize_t ret;
	void *copy;

	copy = kvmalloc(VPMSI_WINDOW_SIZE, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	memcpy_fromio(copy, m->regs, VPMSI_WINDOW_SIZE);
	ret = simple_read_from_buffer(buf, len, ppos, copy, VPMSI_WINDOW_SIZE);
	kvfree(copy);
	return ret;
}

static const struct file_operations vpmsi_window_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= vpmsi_window_read,
	.llseek	= default_llseek,
};

/*
 * debugfs vpmsi_testdev/<window address>.event: write a line number to
 * make the outside world ask the device for service on that line (an
 * external event: one pulse of the line, see VPMSI_REG_POWER).
 */
static ssize_t vpmsi_event_write(struct file *file, const char __user *buf,
				 size_t len, loff_t *ppos)
{
	struct vpmsi_model *m = file->private_data;
	unsigned int n;
	int ret;

	ret = kstrtouint_from_user(buf, len, 0, &n);
	if (ret)
		return ret;
	if (n >= m->nr_lines)
		return -EINVAL;
	set_bit(n, &m->ext_events);
	return len;
}

static const struct file_operations vpmsi_event_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= vpmsi_event_write,
};

static void vpmsi_model_destroy(struct vpmsi_model *m)
{
	unsigned int n;

	if (m->task)
		kthread_stop(m->task);
	/* the model is gone: its level lines drop */
	for (n = 0; n < m->nr_lines; n++) {
		struct vpmsi_line *l = &m->line[n];

		if (l->level && (l->asserted || l->pulse_out))
			vpmsi_line_set_pending(l, false);
	}
	if (m->regs) {
		m->ready = false;
		vpmsi_wr(m, VPMSI_REG_STATUS, 0);
		iounmap(m->regs);
	}
	for (n = 0; n < m->nr_msi_win; n++)
		iounmap(m->msi_va[n]);
	for (n = 0; n < VPMSI_MAX_LINES; n++)
		if (m->line[n].ctrl)
			iounmap(m->line[n].ctrl);
	of_node_put(m->np);
	kfree(m);
}

static int vpmsi_model_create(struct device_node *np, unsigned int idx)
{
	struct vpmsi_model *m;
	struct resource res;
	char name[32];
	int ret;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->np = of_node_get(np);

	ret = of_address_to_resource(np, 0, &res);
	if (ret)
		goto err;
	if (resource_size(&res) < VPMSI_WINDOW_SIZE) {
		pr_err("%pOF: register window %pR too small\n", np, &res);
		ret = -EINVAL;
		goto err;
	}
	/* no request_mem_region(): the device's driver maps it too */
	m->regs = ioremap(res.start, VPMSI_WINDOW_SIZE);
	if (!m->regs) {
		ret = -ENOMEM;
		goto err;
	}
	ret = vpmsi_find_msi_windows(m);
	if (ret)
		goto err;
	ret = vpmsi_get_lines(m);
	if (ret)
		goto err;

	m->powered = true;
	vpmsi_reset(m);
	writel(0, m->regs + VPMSI_REG_RESET);

	m->task = kthread_create(vpmsi_thread, m, "vpmsi-model%u", idx);
	if (IS_ERR(m->task)) {
		ret = PTR_ERR(m->task);
		m->task = NULL;
		goto err;
	}
	if (cpu >= 0)
		kthread_bind(m->task, cpu);
	wake_up_process(m->task);

	list_add_tail(&m->list, &vpmsi_models);
	snprintf(name, sizeof(name), "%llx", (unsigned long long)res.start);
	debugfs_create_file(name, 0400, vpmsi_debugfs, m, &vpmsi_window_fops);
	strlcat(name, ".event", sizeof(name));
	debugfs_create_file(name, 0200, vpmsi_debugfs, m, &vpmsi_event_fops);
	if (m->nr_msi_win)
		pr_info("%pOF: model up: window %pR, %u lines, MSI addresses %pa+%pa\n",
			np, &res, m->nr_lines, &m->msi_win[0].pa,
			&m->msi_win[0].size);
	else
		pr_info("%pOF: model up: window %pR, %u lines, no MSI parent\n",
			np, &res, m->nr_lines);
	return 0;

err:
	vpmsi_model_destroy(m);
	return ret;
}

static void vpmsi_destroy_all(void)
{
	struct vpmsi_model *m, *tmp;

	list_for_each_entry_safe_reverse(m, tmp, &vpmsi_models, list) {
		list_del(&m->list);
		vpmsi_model_destroy(m);
	}
}

static int __init vpmsi_testdev_init(void)
{
	struct device_node *np;
	unsigned int idx = 0;
	int ret;

	if (cpu >= 0 && (cpu >= nr_cpu_ids || !cpu_online(cpu))) {
		pr_err("cpu=%d is not an online CPU\n", cpu);
		return -EINVAL;
	}

	vpmsi_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	for_each_compatible_node(np, NULL, VPMSI_COMPATIBLE) {
		if (!of_device_is_available(np))
			continue;
		ret = vpmsi_model_create(np, idx++);
		if (ret) {
			pr_err("%pOF: model not started: %d\n", np, ret);
			of_node_put(np);
			debugfs_remove(vpmsi_debugfs);
			vpmsi_destroy_all();
			return ret;
		}
	}
	if (list_empty(&vpmsi_models)) {
		debugfs_remove(vpmsi_debugfs);
		pr_err("no \"%s\" node in the device tree\n", VPMSI_COMPATIBLE);
		return -ENODEV;
	}
	return 0;
}
module_init(vpmsi_testdev_init);

static void __exit vpmsi_testdev_exit(void)
{
	debugfs_remove(vpmsi_debugfs);	/* waits for its readers */
	vpmsi_destroy_all();
}
module_exit(vpmsi_testdev_exit);

MODULE_DESCRIPTION("vfio-platform-msi test device model (test-only hardware)");
MODULE_LICENSE("GPL");
