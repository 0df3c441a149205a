// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: wired interrupts (IRQ indexes 0 and 1).
 *
 * The device model raises the lines when asked through its LINE_CMD
 * mailbox: index 0 is a level line (VFIO automasks it: one event per
 * assertion until the user unmasks), index 1 an edge line (one event per
 * pulse). Deliveries are asynchronous: every wait is a poll with a bounded
 * timeout, every "nothing happens" a bounded quiet window.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "vpm_harness.h"
#include "testdev.h"
#include "vfio_dev.h"

#define EDGE_PULSES	16
#define SWAP_ROUNDS	200

/*
 * Three fixtures with the same set-up: "wired" runs its tests on each line
 * (its variants), "level_line" and "edge_line" hold the tests that only
 * mean something for one kind of line.
 */
FIXTURE(wired) {
	struct vfio_dev vd;
	void *regs;
	int efd;
};

FIXTURE(level_line) {
	struct vfio_dev vd;
	void *regs;
	int efd;
};

FIXTURE(edge_line) {
	struct vfio_dev vd;
	void *regs;
	int efd;
};

FIXTURE_VARIANT(wired) {
	unsigned int index;	/* VFIO IRQ index = device line */
	bool level;
};

FIXTURE_VARIANT_ADD(wired, level) {
	.index = VD_IRQ_LEVEL,
	.level = true,
};

FIXTURE_VARIANT_ADD(wired, edge) {
	.index = VD_IRQ_EDGE,
	.level = false,
};

/* Open the device, map its registers, reset it, create an eventfd */
static void line_dev_open(struct __test_metadata *_metadata,
			  struct vfio_dev *vd, void **regs, int *efd)
{
	const char *why = vfio_dev_env_missing();
	struct vfio_region_info ri;

	vfio_dev_init(vd);
	*regs = NULL;
	*efd = -1;
	if (why)
		SKIP(return, "%s", why);
	VD_ASSERT_OPEN(vd, vfio_dev_open(vd));
	ASSERT_LE(VD_NUM_WIRED, vd->info.num_irqs);
	VD_ASSERT_OK(vfio_dev_region_info(vd->device, VD_REGION_REGS, &ri));
	*regs = vfio_dev_mmap(vd->device, &ri, 0, VPMSI_WINDOW_SIZE);
	ASSERT_NE(NULL, *regs) TH_LOG("mmap: %s", vd_errno_name(errno));
	/* A known state: lines low, counters zero */
	VD_ASSERT_OK(td_reset(*regs, VD_DEV_MS));
	*efd = efd_create();
	VD_ASSERT_OK(*efd);
}

static void line_dev_close(struct vfio_dev *vd, void *regs, int efd)
{
	if (regs) {
		td_line(regs, VPMSI_LINE_LEVEL, VPMSI_LINE_OP_DEASSERT, 1,
			VD_DEV_MS);
		munmap(regs, VPMSI_WINDOW_SIZE);
	}
	if (efd >= 0)
		close(efd);
	vfio_dev_close(vd);
}

/* The driver's debug knobs (drivers/vfio/platform-msi/debugfs.c) */
#define DRAIN_ON_CPU	"/sys/kernel/debug/vfio-platform-msi/drain_on_cpu"
#define DRAINED		"/sys/kernel/debug/vfio-platform-msi/drained"

/* A one-line debugfs file: its number, or -errno */
static long read_num(const char *path)
{
	char buf[32] = "";
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n < 0 ? -EIO : atol(buf);
}

static int write_str(const char *path, const char *val)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -EIO : 0;
}

FIXTURE_SETUP(wired)
{
	line_dev_open(_metadata, &self->vd, &self->regs, &self->efd);
}

FIXTURE_TEARDOWN(wired)
{
	line_dev_close(&self->vd, self->regs, self->efd);
}

FIXTURE_SETUP(level_line)
{
	line_dev_open(_metadata, &self->vd, &self->regs, &self->efd);
}

FIXTURE_TEARDOWN(level_line)
{
	line_dev_close(&self->vd, self->regs, self->efd);
}

FIXTURE_SETUP(edge_line)
{
	line_dev_open(_metadata, &self->vd, &self->regs, &self->efd);
}

FIXTURE_TEARDOWN(edge_line)
{
	line_dev_close(&self->vd, self->regs, self->efd);
	/* held_edge_dropped_on_cpu's knob, if it failed with it set */
	if (!access(DRAIN_ON_CPU, W_OK))
		write_str(DRAIN_ON_CPU, "N");
}

/* Make the line signal once: assert the level line, pulse the edge line */
static int line_fire(void *regs, unsigned int line, bool level)
{
	return td_line(regs, line,
		       level ? VPMSI_LINE_OP_ASSERT : VPMSI_LINE_OP_PULSE, 1,
		       VD_DEV_MS);
}

/* Undo line_fire(): drop the level line and re-arm it after the automask */
static int line_quiet(void *regs, int devfd, unsigned int line,
		      bool level)
{
	int ret;

	if (!level)
		return 0;
	ret = td_line(regs, line, VPMSI_LINE_OP_DEASSERT, 1, VD_DEV_MS);
	if (ret)
		return ret;
	return vfio_irq_unmask(devfd, line);
}

TEST_F(wired, info)
{
	struct vfio_irq_info ii;
	uint32_t want = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE;

	if (variant->level)
		want |= VFIO_IRQ_INFO_AUTOMASKED;
	VD_ASSERT_OK(vfio_dev_irq_info(self->vd.device, variant->index, &ii));
	EXPECT_EQ(variant->index, ii.index);
	EXPECT_EQ(1, ii.count);
	EXPECT_EQ(want, ii.flags) TH_LOG("index %u flags 0x%x, expected 0x%x",
					 variant->index, ii.flags, want);
	EXPECT_LE(VD_NUM_WIRED, td_rd32(self->regs, VPMSI_REG_NUM_LINES));
}

/* One event per firing, and nothing before */
TEST_F(wired, fire)
{
	int fd = self->vd.device;
	unsigned int n = variant->index;
	uint64_t v = 0;
	int i;

	VD_ASSERT_OK(vfio_irq_set_trigger(fd, n, self->efd));
	VD_ASSERT_QUIET(self->efd, "trigger just set, line idle");
	for (i = 0; i < 4; i++) {
		VD_ASSERT_OK(line_fire(self->regs, n, variant->level));
		VD_ASSERT_EVENT(self->efd, &v, "line fired");
		ASSERT_EQ(1, v) TH_LOG("round %d", i);
		VD_ASSERT_OK(line_quiet(self->regs, fd, n, variant->level));
		VD_ASSERT_QUIET(self->efd, "line quiet again");
	}
}

/*
 * Level line and automask: one event per assertion; unmasking while the
 * line is still high fires again; once low, unmasking is quiet.
 */
TEST_F(level_line, automask)
{
	int fd = self->vd.device;
	uint64_t v = 0;

	VD_ASSERT_OK(vfio_irq_set_trigger(fd, VD_IRQ_LEVEL, self->efd));

	VD_ASSERT_OK(td_line(self->regs, VPMSI_LINE_LEVEL,
			     VPMSI_LINE_OP_ASSERT, 1, VD_DEV_MS));
	ASSERT_TRUE(td_rd32(self->regs, VPMSI_REG_LINE_STATE) &
		    1u << VPMSI_LINE_LEVEL);
	VD_ASSERT_EVENT(self->efd, &v, "level asserted");
	ASSERT_EQ(1, v);
	VD_ASSERT_QUIET(self->efd, "automasked, line still high");

	/* Unmask while asserted: fires again, and is automasked again */
	VD_ASSERT_OK(vfio_irq_unmask(fd, VD_IRQ_LEVEL));
	VD_ASSERT_EVENT(self->efd, &v, "unmasked while asserted");
	ASSERT_EQ(1, v);
	VD_ASSERT_QUIET(self->efd, "automasked again");

	VD_ASSERT_OK(td_line(self->regs, VPMSI_LINE_LEVEL,
			     VPMSI_LINE_OP_DEASSERT, 1, VD_DEV_MS));
	ASSERT_FALSE(td_rd32(self->regs, VPMSI_REG_LINE_STATE) &
		     1u << VPMSI_LINE_LEVEL);
	VD_ASSERT_OK(vfio_irq_unmask(fd, VD_IRQ_LEVEL));
	VD_ASSERT_QUIET(self->efd, "deasserted and unmasked");

	/* Unmasking an unmasked line is harmless */
	VD_ASSERT_OK(vfio_irq_unmask(fd, VD_IRQ_LEVEL));
	VD_ASSERT_QUIET(self->efd, "second unmask");

	/* And the cycle works again */
	VD_ASSERT_OK(td_line(self->regs, VPMSI_LINE_LEVEL,
			     VPMSI_LINE_OP_ASSERT, 1, VD_DEV_MS));
	VD_ASSERT_EVENT(self->efd, &v, "asserted again");
	ASSERT_EQ(1, v);
}

/* Edge line: k pulses, k events, each read before the next pulse */
TEST_F_TIMEOUT(edge_line, pulses, 120)
{
	int fd = self->vd.device;
	uint64_t v = 0, total;
	int i;

	VD_ASSERT_OK(vfio_irq_set_trigger(fd, VD_IRQ_EDGE, self->efd));
	for (i = 0; i < EDGE_PULSES; i++) {
		VD_ASSERT_OK(td_line(self->regs, VPMSI_LINE_EDGE,
				     VPMSI_LINE_OP_PULSE, 1, VD_DEV_MS));
		VD_ASSERT_EVENT(self->efd, &v, "edge pulse");
		ASSERT_EQ(1, v) TH_LOG("pulse %d", i);
	}
	VD_ASSERT_QUIET(self->efd, "after the last pulse");
	EXPECT_EQ(EDGE_PULSES,
		  td_rd32(self->regs, VPMSI_REG_LINE_RAISED(VPMSI_LINE_EDGE)));

	/* A burst of pulses from one command: the model paces them */
	VD_ASSERT_OK(td_line(self->regs, VPMSI_LINE_EDGE, VPMSI_LINE_OP_PULSE,
			     4, VD_DEV_MS));
	for (total = 0; total < 4; total += v)
		VD_ASSERT_EVENT(self->efd, &v, "burst of 4 pulses");
	EXPECT_EQ(4, total);
	VD_ASSERT_QUIET(self->efd, "after the burst");
}

/*
 * Loopback (TRIGGER with DATA_NONE / DATA_BOOL) runs the interrupt handler:
 * on the level line that includes the automask, as upstream does.
 */
TEST_F(wired, loopback)
{
	int fd = self->vd.device;
	unsigned int n = variant->index;
	uint64_t v = 0;

	VD_ASSERT_OK(vfio_irq_set_trigger(fd, n, self->efd));

	VD_ASSERT_OK(vfio_irq_loopback(fd, n));
	VD_ASSERT_EVENT(self->efd, &v, "loopback DATA_NONE");
	ASSERT_EQ(1, v);
	if (variant->level) {
		/* Automasked by the loopback: a second one is dropped */
		VD_ASSERT_OK(vfio_irq_loopback(fd, n));
		VD_ASSERT_QUIET(self->efd, "loopback while automasked");
		VD_ASSERT_OK(vfio_irq_unmask(fd, n));
		VD_ASSERT_QUIET(self->efd, "unmask, line low");
	}

	VD_ASSERT_OK(vfio_irq_action(fd, n, VFIO_IRQ_SET_ACTION_TRIGGER,
				     VFIO_IRQ_SET_DATA_BOOL, 1));
	VD_ASSERT_EVENT(self->efd, &v, "loopback DATA_BOOL true");
	ASSERT_EQ(1, v);
	if (variant->level)
		VD_ASSERT_OK(vfio_irq_unmask(fd, n));

	VD_ASSERT_OK(vfio_irq_action(fd, n, VFIO_IRQ_SET_ACTION_TRIGGER,
				     VFIO_IRQ_SET_DATA_BOOL, 0));
	VD_ASSERT_QUIET(self->efd, "loopback DATA_BOOL false");

	/* Back to back on the edge line: every one counts */
	if (!variant->level) {
		VD_ASSERT_OK(vfio_irq_loopback(fd, n));
		VD_ASSERT_OK(vfio_irq_loopback(fd, n));
		VD_ASSERT_OK(vfio_irq_loopback(fd, n));
		VD_ASSERT_EVENT(self->efd, &v, "three loopbacks");
		if (v < 3) {
			uint64_t more = 0;

			VD_ASSERT_OK(efd_collect(self->efd, VD_QUIET_MS,
						 &more));
			v += more;
		}
		ASSERT_EQ(3, v);
	}
}

/* Without a trigger, loopback and mask/unmask are accepted and harmless */
TEST_F(wired, no_trigger)
{
	int fd = self->vd.device;
	unsigned int n = variant->index;

	VD_ASSERT_OK(vfio_irq_loopback(fd, n));
	VD_ASSERT_OK(vfio_irq_action(fd, n, VFIO_IRQ_SET_ACTION_TRIGGER,
				     VFIO_IRQ_SET_DATA_BOOL, 1));
	VD_ASSERT_OK(vfio_irq_mask(fd, n));
	VD_ASSERT_OK(vfio_irq_unmask(fd, n));
	VD_ASSERT_OK(vfio_irq_disable(fd, n));
	VD_ASSERT_OK(line_fire(self->regs, n, variant->level));
	VD_ASSERT_OK(line_quiet(self->regs, fd, n, variant->level));
	VD_ASSERT_OK(vfio_irq_set_trigger(fd, n, -1));
}

/*
 * Edges from while nobody listened (no trigger, or the previous open) are
 * stale: installing a trigger does not deliver them (the driver clears
 * them; upstream vfio-platform would deliver one).
 */
TEST_F(edge_line, stale_edge_dropped)
{
	struct vfio_dev *vd = &self->vd;
	uint64_t v = 0;
	int i;

	for (i = 0; i < 2; i++)
		VD_ASSERT_OK(td_line(self->regs, VPMSI_LINE_EDGE,
				     VPMSI_LINE_OP_PULSE, 1, VD_DEV_MS));
	VD_ASSERT_OK(vfio_irq_set_trigger(vd->device, VD_IRQ_EDGE, self->efd));
	VD_ASSERT_QUIET(self->efd, "trigger installed after pulses without one");

	/* Pulses at the end of one open are not seen by the next */
	VD_ASSERT_OK(vfio_irq_set_trigger(vd->device, VD_IRQ_EDGE, -1));
	VD_ASSERT_OK(td_line(self->regs, VPMSI_LINE_EDGE, VPMSI_LINE_OP_PULSE,
			     1, VD_DEV_MS));
	munmap(self->regs, VPMSI_WINDOW_SIZE);
	self->regs = NULL;
	close(vd->device);
	vd->device = -1;
	VD_ASSERT_OPEN(vd, vfio_dev_get_device(vd));
	VD_ASSERT_OK(vfio_irq_set_trigger(vd->device, VD_IRQ_EDGE, self->efd));
	VD_ASSERT_QUIET(self->efd, "trigger installed in a new open");

	/* And the line works */
	{
		struct vfio_region_info ri;

		VD_ASSERT_OK(vfio_dev_region_info(vd->device, VD_REGION_REGS,
						  &ri));
		self->regs = vfio_dev_mmap(vd->device, &ri, 0,
					   VPMSI_WINDOW_SIZE);
		ASSERT_NE(NULL, self->regs);
	}
	VD_ASSERT_OK(td_line(self->regs, VPMSI_LINE_EDGE, VPMSI_LINE_OP_PULSE,
			     1, VD_DEV_MS));
	VD_ASSERT_EVENT(self->efd, &v, "pulse after the new trigger");
	ASSERT_EQ(1, v);
}

/*
 * An edge held while the line was masked, at the interrupt controller,
 * when the device is closed: the driver drops it at close, before it
 * frees the handler (whoever requests the line next would get it), and
 * again when the next open installs a trigger. The next open sees
 * nothing, then one event per new pulse. With @on_cpu (the driver's
 * drain_on_cpu debugfs knob), the driver takes the edge on the line's
 * CPU instead of clearing it at the GIC: what it does where the
 * controller cannot clear a pending edge. It counts it in "drained".
 */
static void held_edge_dropped(struct __test_metadata *_metadata,
			      struct vfio_dev *vd, void **regs, int efd,
			      bool on_cpu)
{
	struct vfio_region_info ri;
	long before = 0, after;
	uint64_t v = 0, more = 0;

	if (on_cpu) {
		before = read_num(DRAINED);
		if (before < 0)
			SKIP(return, "%s: %s", DRAINED,
			     vd_errno_name(-(int)before));
		VD_ASSERT_OK(write_str(DRAIN_ON_CPU, "Y"));
	}
	VD_ASSERT_OK(vfio_irq_set_trigger(vd->device, VD_IRQ_EDGE, efd));
	VD_ASSERT_OK(vfio_irq_mask(vd->device, VD_IRQ_EDGE));
	VD_ASSERT_OK(td_line(*regs, VPMSI_LINE_EDGE, VPMSI_LINE_OP_PULSE, 1,
			     VD_DEV_MS));
	VD_ASSERT_QUIET(efd, "pulse while masked");

	/* Close the device with the edge held, open it again */
	munmap(*regs, VPMSI_WINDOW_SIZE);
	*regs = NULL;
	close(vd->device);
	vd->device = -1;
	ASSERT_EQ(0, efd_drain(efd)) TH_LOG("an event during close");
	if (on_cpu) {
		after = read_num(DRAINED);
		write_str(DRAIN_ON_CPU, "N");
		ASSERT_EQ(before + 1, after)
			TH_LOG("%ld held edges taken on the line's CPU at close",
			       after - before);
	}
	VD_ASSERT_OPEN(vd, vfio_dev_get_device(vd));
	VD_ASSERT_OK(vfio_dev_region_info(vd->device, VD_REGION_REGS, &ri));
	*regs = vfio_dev_mmap(vd->device, &ri, 0, VPMSI_WINDOW_SIZE);
	ASSERT_NE(NULL, *regs);
	VD_ASSERT_OK(vfio_irq_set_trigger(vd->device, VD_IRQ_EDGE, efd));
	VD_ASSERT_QUIET(efd, "trigger installed in the next open");

	VD_ASSERT_OK(td_line(*regs, VPMSI_LINE_EDGE, VPMSI_LINE_OP_PULSE, 1,
			     VD_DEV_MS));
	VD_ASSERT_EVENT(efd, &v, "a new pulse in the next open");
	VD_ASSERT_OK(efd_collect(efd, VD_QUIET_MS, &more));
	ASSERT_EQ(1, v + more);
}

TEST_F(edge_line, held_edge_dropped_at_close)
{
	held_edge_dropped(_metadata, &self->vd, &self->regs, self->efd,
			  false);
}

TEST_F(edge_line, held_edge_dropped_on_cpu)
{
	held_edge_dropped(_metadata, &self->vd, &self->regs, self->efd, true);
}

/*
 * The same when the line is masked while the trigger is installed: the
 * stale edges are not delivered on unmask either.
 */
TEST_F(edge_line, stale_edge_dropped_masked)
{
	struct vfio_dev *vd = &self->vd;
	uint64_t v = 0;
	int i;

	VD_ASSERT_OK(vfio_irq_mask(vd->device, VD_IRQ_EDGE));
	for (i = 0; i < 2; i++)
		VD_ASSERT_OK(td_line(self->regs, VPMSI_LINE_EDGE,
				     VPMSI_LINE_OP_PULSE, 1, VD_DEV_MS));
	VD_ASSERT_OK(vfio_irq_set_trigger(vd->device, VD_IRQ_EDGE, self->efd));
	VD_ASSERT_QUIET(self->efd, "masked trigger installed after pulses");
	VD_ASSERT_OK(vfio_irq_unmask(vd->device, VD_IRQ_EDGE));
	VD_ASSERT_QUIET(self->efd, "unmask after pulses without a trigger");

	VD_ASSERT_OK(td_line(self->regs, VPMSI_LINE_EDGE, VPMSI_LINE_OP_PULSE,
			     1, VD_DEV_MS));
	VD_ASSERT_EVENT(self->efd, &v, "pulse after the unmask");
	ASSERT_EQ(1, v);
}

/* Held while masked: one event, not lost, once unmasked */
struct line_ctx {
	void *regs;
	int devfd;
	int efd;		/* trigger */
	unsigned int n;		/* index = line */
	bool level;
};

static struct line_ctx line_ctx(void *regs, int devfd, int efd,
				unsigned int n, bool level)
{
	struct line_ctx l = {
		.regs = regs, .devfd = devfd, .efd = efd, .n = n,
		.level = level,
	};

	return l;
}

#define LINE_CTX() line_ctx(self->regs, self->vd.device, self->efd,	\
			    variant->index, variant->level)

static void check_masked(struct __test_metadata *_metadata,
			 const struct line_ctx *l, uint32_t type, int mfd,
			 int ufd)
{
	unsigned int n = l->n;
	bool level = l->level;
	int fd = l->devfd;
	uint64_t v = 0, more = 0;
	int i;

	/* Mask */
	if (type == VFIO_IRQ_SET_DATA_EVENTFD)
		VD_ASSERT_OK(efd_signal(mfd, 1));
	else
		VD_ASSERT_OK(vfio_irq_action(fd, n, VFIO_IRQ_SET_ACTION_MASK,
					     type, 1));

	if (level) {
		VD_ASSERT_OK(td_line(l->regs, n, VPMSI_LINE_OP_ASSERT, 1,
				     VD_DEV_MS));
	} else {
		for (i = 0; i < 3; i++)
			VD_ASSERT_OK(td_line(l->regs, n,
					     VPMSI_LINE_OP_PULSE, 1,
					     VD_DEV_MS));
	}
	VD_ASSERT_QUIET(l->efd, "masked");

	/* DATA_BOOL false does not unmask */
	if (type == VFIO_IRQ_SET_DATA_BOOL) {
		VD_ASSERT_OK(vfio_irq_action(fd, n,
					     VFIO_IRQ_SET_ACTION_UNMASK,
					     type, 0));
		VD_ASSERT_QUIET(l->efd, "UNMASK with DATA_BOOL false");
	}

	/* Unmask */
	if (type == VFIO_IRQ_SET_DATA_EVENTFD)
		VD_ASSERT_OK(efd_signal(ufd, 1));
	else
		VD_ASSERT_OK(vfio_irq_action(fd, n,
					     VFIO_IRQ_SET_ACTION_UNMASK,
					     type, 1));
	VD_ASSERT_EVENT(l->efd, &v, "held while masked, then unmasked");
	VD_ASSERT_OK(efd_collect(l->efd, VD_QUIET_MS, &more));
	v += more;
	/*
	 * Level: exactly one (automasked). Edge: the pulses while masked are
	 * held as pending, not counted: at least one, never more than sent.
	 */
	if (level) {
		ASSERT_EQ(1, v);
	} else {
		ASSERT_TRUE(v >= 1 && v <= 3)
			TH_LOG("%llu events for 3 held pulses",
			       (unsigned long long)v);
	}
	VD_ASSERT_OK(line_quiet(l->regs, fd, n, level));
	VD_ASSERT_QUIET(l->efd, "after the held event");

	/* Unmasked for good: the next firing is delivered */
	VD_ASSERT_OK(line_fire(l->regs, n, level));
	VD_ASSERT_EVENT(l->efd, &v, "unmasked line fired");
	ASSERT_EQ(1, v);
	VD_ASSERT_OK(line_quiet(l->regs, fd, n, level));
}

TEST_F(wired, mask_none)
{
	struct line_ctx l = LINE_CTX();

	VD_ASSERT_OK(vfio_irq_set_trigger(l.devfd, l.n, l.efd));
	check_masked(_metadata, &l, VFIO_IRQ_SET_DATA_NONE, -1, -1);
}

TEST_F(wired, mask_bool)
{
	struct line_ctx l = LINE_CTX();
	int fd = self->vd.device;
	unsigned int n = variant->index;
	uint64_t v = 0;

	VD_ASSERT_OK(vfio_irq_set_trigger(fd, n, self->efd));
	/* MASK with DATA_BOOL false does not mask */
	VD_ASSERT_OK(vfio_irq_action(fd, n, VFIO_IRQ_SET_ACTION_MASK,
				     VFIO_IRQ_SET_DATA_BOOL, 0));
	VD_ASSERT_OK(line_fire(self->regs, n, variant->level));
	VD_ASSERT_EVENT(self->efd, &v, "MASK with DATA_BOOL false");
	VD_ASSERT_OK(line_quiet(self->regs, fd, n, variant->level));

	check_masked(_metadata, &l, VFIO_IRQ_SET_DATA_BOOL, -1, -1);
}

TEST_F(wired, mask_eventfd)
{
	struct line_ctx l = LINE_CTX();
	int fd = self->vd.device;
	unsigned int n = variant->index;
	int mfd, ufd;

	mfd = efd_create();
	ufd = efd_create();
	VD_ASSERT_OK(mfd);
	VD_ASSERT_OK(ufd);
	VD_ASSERT_OK(vfio_irq_set_trigger(fd, n, self->efd));
	VD_ASSERT_OK(vfio_irq_action(fd, n, VFIO_IRQ_SET_ACTION_MASK,
				     VFIO_IRQ_SET_DATA_EVENTFD, mfd));
	VD_ASSERT_OK(vfio_irq_action(fd, n, VFIO_IRQ_SET_ACTION_UNMASK,
				     VFIO_IRQ_SET_DATA_EVENTFD, ufd));
	check_masked(_metadata, &l, VFIO_IRQ_SET_DATA_EVENTFD, mfd, ufd);
	/* Twice, to see that the irqfds stay armed */
	check_masked(_metadata, &l, VFIO_IRQ_SET_DATA_EVENTFD, mfd, ufd);
	/* Tear the irqfds down with fd -1 */
	VD_ASSERT_OK(vfio_irq_action(fd, n, VFIO_IRQ_SET_ACTION_MASK,
				     VFIO_IRQ_SET_DATA_EVENTFD, -1));
	VD_ASSERT_OK(vfio_irq_action(fd, n, VFIO_IRQ_SET_ACTION_UNMASK,
				     VFIO_IRQ_SET_DATA_EVENTFD, -1));
	close(mfd);
	close(ufd);
}

/*
 * The irqfd use case: a level line re-enabled by writing the unmask
 * eventfd, the way a hypervisor's EOI path does.
 */
TEST_F(level_line, unmask_eventfd)
{
	int fd = self->vd.device;
	uint64_t v = 0;
	int ufd;

	ufd = efd_create();
	VD_ASSERT_OK(ufd);
	VD_ASSERT_OK(vfio_irq_set_trigger(fd, VD_IRQ_LEVEL, self->efd));
	VD_ASSERT_OK(vfio_irq_action(fd, VD_IRQ_LEVEL,
				     VFIO_IRQ_SET_ACTION_UNMASK,
				     VFIO_IRQ_SET_DATA_EVENTFD, ufd));

	VD_ASSERT_OK(td_line(self->regs, VPMSI_LINE_LEVEL,
			     VPMSI_LINE_OP_ASSERT, 1, VD_DEV_MS));
	VD_ASSERT_EVENT(self->efd, &v, "asserted");
	VD_ASSERT_QUIET(self->efd, "automasked");
	VD_ASSERT_OK(efd_signal(ufd, 1));
	VD_ASSERT_EVENT(self->efd, &v, "unmask eventfd while asserted");
	ASSERT_EQ(1, v);

	VD_ASSERT_OK(td_line(self->regs, VPMSI_LINE_LEVEL,
			     VPMSI_LINE_OP_DEASSERT, 1, VD_DEV_MS));
	VD_ASSERT_OK(efd_signal(ufd, 1));
	VD_ASSERT_QUIET(self->efd, "unmask eventfd, line low");

	VD_ASSERT_OK(td_line(self->regs, VPMSI_LINE_LEVEL,
			     VPMSI_LINE_OP_ASSERT, 1, VD_DEV_MS));
	VD_ASSERT_EVENT(self->efd, &v, "asserted after the irqfd unmask");

	/* Torn down: the eventfd no longer unmasks, the ioctl still does */
	VD_ASSERT_OK(vfio_irq_action(fd, VD_IRQ_LEVEL,
				     VFIO_IRQ_SET_ACTION_UNMASK,
				     VFIO_IRQ_SET_DATA_EVENTFD, -1));
	VD_ASSERT_OK(efd_signal(ufd, 1));
	VD_ASSERT_QUIET(self->efd, "unmask eventfd after teardown");
	VD_ASSERT_OK(vfio_irq_unmask(fd, VD_IRQ_LEVEL));
	VD_ASSERT_EVENT(self->efd, &v, "unmask ioctl after teardown");
	close(ufd);
}

/* Masked state is independent of the trigger (upstream nests them) */
TEST_F(wired, mask_survives_trigger_change)
{
	int fd = self->vd.device;
	unsigned int n = variant->index;
	uint64_t v = 0;
	int efd2;

	efd2 = efd_create();
	VD_ASSERT_OK(efd2);
	VD_ASSERT_OK(vfio_irq_mask(fd, n));
	VD_ASSERT_OK(vfio_irq_set_trigger(fd, n, self->efd));
	VD_ASSERT_OK(line_fire(self->regs, n, variant->level));
	VD_ASSERT_QUIET(self->efd, "masked before the trigger was set");
	VD_ASSERT_OK(vfio_irq_set_trigger(fd, n, efd2));
	VD_ASSERT_QUIET(efd2, "still masked after the swap");
	VD_ASSERT_OK(vfio_irq_unmask(fd, n));
	VD_ASSERT_EVENT(efd2, &v, "unmasked after the swap");
	VD_ASSERT_QUIET(self->efd, "old eventfd after the swap");
	VD_ASSERT_OK(line_quiet(self->regs, fd, n, variant->level));
	close(efd2);
}

/* TRIGGER with fd -1 or count 0 / DATA_NONE turns the index off */
TEST_F(wired, disable)
{
	int fd = self->vd.device;
	unsigned int n = variant->index;
	uint64_t v = 0;
	int i;

	for (i = 0; i < 3; i++) {
		VD_ASSERT_OK(vfio_irq_set_trigger(fd, n, self->efd));
		VD_ASSERT_OK(line_fire(self->regs, n, variant->level));
		VD_ASSERT_EVENT(self->efd, &v, "enabled");
		VD_ASSERT_OK(line_quiet(self->regs, fd, n, variant->level));

		switch (i) {
		case 0:
			VD_ASSERT_OK(vfio_irq_set_trigger(fd, n, -1));
			break;
		case 1:
			VD_ASSERT_OK(vfio_irq_disable(fd, n));
			break;
		default:
			/* Upstream: any negative fd disables */
			VD_ASSERT_OK(vfio_irq_set_trigger(fd, n, -2));
			break;
		}
		VD_ASSERT_OK(line_fire(self->regs, n, variant->level));
		if (!variant->level)
			VD_ASSERT_OK(line_fire(self->regs, n, false));
		VD_ASSERT_QUIET(self->efd, "disabled");
		VD_ASSERT_OK(vfio_irq_loopback(fd, n));
		VD_ASSERT_QUIET(self->efd, "loopback while disabled");

		if (variant->level) {
			/* The loopback ran the automasking handler */
			VD_ASSERT_OK(vfio_irq_unmask(fd, n));
			/* Still asserted: a new trigger fires at once */
			VD_ASSERT_OK(vfio_irq_set_trigger(fd, n, self->efd));
			VD_ASSERT_EVENT(self->efd, &v,
					"trigger set while asserted");
			ASSERT_EQ(1, v);
			VD_ASSERT_OK(line_quiet(self->regs, fd, n, true));
			VD_ASSERT_OK(vfio_irq_disable(fd, n));
		}
	}
	/* Disabling twice is fine */
	VD_ASSERT_OK(vfio_irq_disable(fd, n));
	VD_ASSERT_OK(vfio_irq_set_trigger(fd, n, -1));
}

struct pulser {
	void *regs;
	int devfd;
	bool stop;		/* __atomic accesses */
	unsigned long pulses, loopbacks;
	int err;
};

static void *pulse_thread(void *arg)
{
	struct pulser *p = arg;
	int ret;

	while (!__atomic_load_n(&p->stop, __ATOMIC_RELAXED)) {
		ret = td_line(p->regs, VPMSI_LINE_EDGE, VPMSI_LINE_OP_PULSE, 1,
			      VD_DEV_MS);
		if (ret) {
			p->err = ret;
			break;
		}
		p->pulses++;
	}
	return NULL;
}

static void *loopback_thread(void *arg)
{
	struct pulser *p = arg;
	int ret;

	while (!__atomic_load_n(&p->stop, __ATOMIC_RELAXED)) {
		ret = vfio_irq_loopback(p->devfd, VD_IRQ_EDGE);
		if (ret) {
			p->err = ret;
			break;
		}
		p->loopbacks++;
	}
	return NULL;
}

/*
 * Swap the trigger eventfd many times while the edge line fires from the
 * device and from loopback: nothing crashes, an eventfd stops receiving
 * once replaced, and the last one keeps working.
 */
TEST_F_TIMEOUT(edge_line, swap_under_fire, 300)
{
	struct pulser hw = { 0 }, sw = { 0 };
	int fd = self->vd.device;
	pthread_t th_hw, th_sw;
	int cur = -1, prev = -1, nfd = -1, i;
	uint64_t v = 0, got = 0;

	hw.regs = self->regs;
	sw.devfd = fd;
	ASSERT_EQ(0, pthread_create(&th_hw, NULL, pulse_thread, &hw));
	ASSERT_EQ(0, pthread_create(&th_sw, NULL, loopback_thread, &sw)) {
		__atomic_store_n(&hw.stop, true, __ATOMIC_RELAXED);
		pthread_join(th_hw, NULL);
	}

	for (i = 0; i < SWAP_ROUNDS; i++) {
		nfd = efd_create();
		if (nfd < 0)
			break;
		if (vfio_irq_set_trigger(fd, VD_IRQ_EDGE, nfd)) {
			close(nfd);
			nfd = -1;
			break;
		}
		/* Replaced: nothing may arrive on prev from now on */
		if (prev >= 0)
			close(prev);
		prev = cur;
		cur = nfd;
		if (prev >= 0)
			got += efd_drain(prev);
		/* Now and then, off and on again */
		if (i % 16 == 0 && (vfio_irq_disable(fd, VD_IRQ_EDGE) ||
				    vfio_irq_set_trigger(fd, VD_IRQ_EDGE, cur)))
			break;
	}
	__atomic_store_n(&hw.stop, true, __ATOMIC_RELAXED);
	__atomic_store_n(&sw.stop, true, __ATOMIC_RELAXED);
	pthread_join(th_hw, NULL);
	pthread_join(th_sw, NULL);

	TH_LOG("%d swaps, %lu pulses, %lu loopbacks, %llu events on replaced eventfds",
	       i, hw.pulses, sw.loopbacks, (unsigned long long)got);
	ASSERT_EQ(SWAP_ROUNDS, i);
	ASSERT_EQ(0, hw.err) TH_LOG("pulse thread: %s", vd_errno_name(-hw.err));
	ASSERT_EQ(0, sw.err) TH_LOG("loopback thread: %s",
				    vd_errno_name(-sw.err));
	ASSERT_LT(0, hw.pulses);
	ASSERT_LT(0, sw.loopbacks);

	/* The replaced eventfd stays silent, the current one works */
	efd_drain(prev);
	efd_drain(cur);
	VD_ASSERT_OK(td_line(self->regs, VPMSI_LINE_EDGE, VPMSI_LINE_OP_PULSE,
			     1, VD_DEV_MS));
	VD_ASSERT_EVENT(cur, &v, "last eventfd after the swaps");
	ASSERT_EQ(1, v);
	VD_ASSERT_OK(vfio_irq_loopback(fd, VD_IRQ_EDGE));
	VD_ASSERT_EVENT(cur, &v, "loopback on the last eventfd");
	VD_ASSERT_QUIET(prev, "replaced eventfd");
	close(prev);
	close(cur);
}

TEST_HARNESS_MAIN
