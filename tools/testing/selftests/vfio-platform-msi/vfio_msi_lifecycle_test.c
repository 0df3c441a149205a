// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: the MSI block's life cycle (Documentation/uapi.rst,
 * "Setting MSI interrupts": allocated on the first SET_IRQS, kept until
 * close; on close the device is stopped first, then the interrupts, the
 * block and the eventfds are freed).
 *
 *  - open and close the device OPEN_CYCLES times (VPM_OPEN_CYCLES
 *    overrides it; the debug kernel runs fewer), every MSI_EVERY-th time
 *    with a few vectors enabled and fired: afterwards no "vfio-msi"
 *    handler in /proc/interrupts, as many irq descriptors and open fds as
 *    before, and slab within a tolerance;
 *  - close while the device is firing;
 *  - a new open starts from scratch (no handler, so no message, no mask
 *    kept);
 *  - VFIO_DEVICE_RESET with vectors enabled keeps the messages;
 *  - after a reset the kernel did not see (userspace wrote the device's
 *    RESET register), enabling a vector again programs it again, masked
 *    or not, in device and irqchip msi_mode;
 *  - reopening reuses the device's MSI domain, which dev-msi keeps while
 *    the device is bound, with a smaller and then a larger block;
 *  - after the last close the device is in its reset state (MSI_EN clear,
 *    every vector masked, no message) in every msi_mode: nothing reaches
 *    it after the reset on close. Read through the device model's debugfs
 *    copy of the window: opening the device again would reset it;
 *  - generic mode needs the vector count from the user's opt-in;
 *  - an MSI that arrived while its vector was masked, and was still held
 *    when the device was closed, is not delivered in the next open: the
 *    same vector enabled again gets nothing, and a new MSI exactly once.
 *    In device and irqchip msi_mode, with the driver clearing the held
 *    event at the interrupt controller (the ITS can), and with it taking
 *    the event on the vector's CPU instead (the driver's drain_on_cpu
 *    debugfs knob: what it does where the controller cannot clear, the
 *    RISC-V IMSIC), then counted in its "drained" debugfs counter.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vpm_harness.h"
#include "msi.h"

#define OPEN_CYCLES	1000
#define MSI_EVERY	20	/* every 20th cycle enables vectors */
#define MSI_CYCLE_VECS	4
#define WARMUP_CYCLES	20
/*
 * Slab tolerance. The cycles allocate per open: the vector array (2048
 * entries), the irq descriptors and msi descriptors of the block, handler
 * names, eventfd contexts, VFIO's file and device structures. A leak of
 * any one of them per cycle is at least 64 bytes x 1000 cycles = 64 KiB,
 * and per MSI cycle (50 of them) the block alone is tens of KiB each.
 * Unrelated slab activity of the otherwise idle guest over the run stays
 * well below 1 MiB (dentries of /proc reads, kworkers), so allow 1 MiB:
 * about 1 KiB per cycle.
 */
#define SLAB_TOLERANCE_KB	1024
#define SLAB_SETTLE_READS	10	/* a second apart, see open_close_leak */
#define BURST_MSIS	2000	/* MSIs in flight when the device closes */

struct counters {
	long msi_lines;		/* "vfio-msi" lines in /proc/interrupts */
	long irq_descs;		/* entries of /sys/kernel/irq */
	long slab_kb;		/* Slab: of /proc/meminfo */
	long fds;		/* our open fds */
};

static void counters_read(struct counters *c)
{
	msi_drop_caches();
	c->msi_lines = msi_proc_interrupts_count(MSI_IRQ_NAME);
	c->irq_descs = msi_dir_entries("/sys/kernel/irq");
	c->slab_kb = msi_meminfo_kb("Slab");
	c->fds = msi_open_fds();
}

FIXTURE(life) {
	struct msi_dev md;
};

FIXTURE_SETUP(life)
{
	const char *why = vfio_dev_env_missing();
	int ret;

	memset(&self->md, 0, sizeof(self->md));
	vfio_dev_init(&self->md.vd);
	if (why)
		SKIP(return, "%s", why);
	/*
	 * Check that there is an MSI index at all, in device mode, with one
	 * vector: the whole block (2048 on the ITS) takes 13 s to allocate
	 * and free on the debug kernel, before every test.
	 */
	ret = msi_dev_open_nvec(&self->md, MSI_MODE_DEVICE, 1);
	if (ret == -ENODEV)
		SKIP(return, "%s", self->md.why);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", self->md.why, vd_errno_name(-ret));
	msi_dev_close(&self->md);
}

/* The driver's debug knobs (drivers/vfio/platform-msi/debugfs.c) */
#define DRAIN_ON_CPU	"/sys/kernel/debug/vfio-platform-msi/drain_on_cpu"
#define DRAINED		"/sys/kernel/debug/vfio-platform-msi/drained"

/* In the parent, after the test (lib/vpm_harness.h): no child resource */
FIXTURE_TEARDOWN_PARENT(life)
{
	msi_mode_restore();
	if (!access(DRAIN_ON_CPU, W_OK))
		msi_write_str(DRAIN_ON_CPU, "N");
}

/* One cycle: open, maybe enable and fire a few vectors, close */
static int cycle(struct msi_dev *md, bool with_msi, int efd, char *why,
		 size_t len)
{
	uint64_t val;
	unsigned int v;
	int ret;

	/* Only the cycles that use MSIs ask for them (and allocate the block) */
	if (with_msi) {
		ret = msi_dev_open(md, NULL);
		if (ret) {
			snprintf(why, len, "open: %s", md->why);
			return ret;
		}
	} else {
		ret = vfio_dev_open(&md->vd);
		if (ret) {
			snprintf(why, len, "open: %.150s", md->vd.err);
			return ret;
		}
	}
	for (v = 0; with_msi && v < MSI_CYCLE_VECS && !ret; v++)
		ret = msi_enable(md, v * (md->nvec / MSI_CYCLE_VECS), efd);
	if (ret) {
		snprintf(why, len, "enable: %s", vd_errno_name(-ret));
	} else if (with_msi) {
		ret = msi_fire(md, 0);
		if (!ret && efd_wait(efd, VD_EVENT_MS, &val) != 1)
			ret = -ETIMEDOUT;
		if (ret)
			snprintf(why, len, "vector 0: %s",
				 vd_errno_name(-ret));
	}
	if (!ret && with_msi &&
	    msi_proc_interrupts_count(MSI_IRQ_NAME) < MSI_CYCLE_VECS) {
		snprintf(why, len, "fewer than %d %s lines with %d vectors enabled",
			 MSI_CYCLE_VECS, MSI_IRQ_NAME, MSI_CYCLE_VECS);
		ret = -ENOENT;
	}
	msi_dev_close(md);
	return ret;
}

TEST_F_TIMEOUT(life, open_close_leak, 300)
{
	struct counters before, after;
	uint64_t t0, t1;
	const char *env = getenv("VPM_OPEN_CYCLES");
	int cycles = env ? atoi(env) : OPEN_CYCLES;
	char why[200] = "";
	int efd, i, ret = 0;

	ASSERT_LT(0, cycles) TH_LOG("VPM_OPEN_CYCLES=%s", env);
	efd = efd_create();
	VD_ASSERT_OK(efd);
	/* Mode set once: cycles open with whatever msi_mode is */
	ASSERT_TRUE(!strcmp(self->md.mode, MSI_MODE_DEVICE));
	for (i = 0; i < WARMUP_CYCLES && !ret; i++)
		ret = cycle(&self->md, i % 2, efd, why, sizeof(why));
	ASSERT_EQ(0, ret) TH_LOG("warm-up cycle %d: %s", i, why);

	counters_read(&before);
	ASSERT_EQ(0, before.msi_lines)
		TH_LOG("%ld %s lines with the device closed", before.msi_lines,
		       MSI_IRQ_NAME);
	ASSERT_LT(0, before.irq_descs);
	ASSERT_LT(0, before.slab_kb);

	t0 = td_now_ns();
	for (i = 0; i < cycles && !ret; i++)
		ret = cycle(&self->md, i % MSI_EVERY == 0, efd, why,
			    sizeof(why));
	t1 = td_now_ns();
	ASSERT_EQ(0, ret) TH_LOG("cycle %d: %s", i, why);
	efd_drain(efd);

	/*
	 * Freed memory comes back late when the machine is busy: irq
	 * descriptors and VFIO's files are freed after an RCU grace period,
	 * KASAN holds objects in quarantine. A leak never shrinks; such a
	 * backlog does. Take the smallest of a few readings a second apart,
	 * stopping as soon as one is within the tolerance.
	 */
	counters_read(&after);
	for (i = 0; i < SLAB_SETTLE_READS; i++) {
		struct counters again;

		if (after.slab_kb <= before.slab_kb + SLAB_TOLERANCE_KB)
			break;
		sleep(1);
		counters_read(&again);
		if (again.slab_kb < after.slab_kb)
			after.slab_kb = again.slab_kb;
	}
	TH_LOG("%d cycles in %llu ms", cycles,
	       (unsigned long long)(t1 - t0) / 1000000);
	TH_LOG("%s lines %ld -> %ld, irqs %ld -> %ld, slab %ld -> %ld kB, fds %ld -> %ld",
	       MSI_IRQ_NAME, before.msi_lines, after.msi_lines,
	       before.irq_descs, after.irq_descs, before.slab_kb,
	       after.slab_kb, before.fds, after.fds);
	EXPECT_EQ(0, after.msi_lines);
	EXPECT_EQ(before.irq_descs, after.irq_descs)
		TH_LOG("irq descriptors leaked");
	EXPECT_EQ(before.fds, after.fds);
	EXPECT_GE(before.slab_kb + SLAB_TOLERANCE_KB, after.slab_kb)
		TH_LOG("slab grew by %ld kB over %d cycles",
		       after.slab_kb - before.slab_kb, cycles);
	close(efd);
}

/* Close while the device is sending a burst of MSIs to enabled vectors */
TEST_F_TIMEOUT(life, close_under_fire, 60)
{
	struct msi_dev *md = &self->md;
	unsigned int v, round;
	uint64_t val;
	int efd, ret;

	efd = efd_create();
	VD_ASSERT_OK(efd);
	for (round = 0; round < 4; round++) {
		/* Alternate the modes; irqchip only if the plug-in has it */
		ret = msi_dev_open(md, round % 2 ? MSI_MODE_IRQCHIP :
					MSI_MODE_DEVICE);
		if (ret == -EOPNOTSUPP)
			ret = msi_dev_open(md, MSI_MODE_DEVICE);
		ASSERT_EQ(0, ret) TH_LOG("round %u: %s", round, md->why);
		for (v = 0; v < 8; v++)
			VD_ASSERT_OK(msi_enable(md, v, efd));
		/* Post the request, do not wait for it: close at once */
		td_wr32(md->regs, VPMSI_REG_FIRE, VPMSI_FIRE_GO |
			VPMSI_FIRE_COUNT(BURST_MSIS) | (round % 8));
		msi_dev_close(md);
		efd_drain(efd);
		ASSERT_EQ(0, msi_proc_interrupts_count(MSI_IRQ_NAME))
			TH_LOG("round %u: handlers left after close", round);
	}

	/* The device works afterwards */
	VD_ASSERT_OK(msi_dev_open(md, MSI_MODE_DEVICE));
	VD_ASSERT_OK(msi_enable(md, 0, efd));
	VD_ASSERT_OK(msi_fire(md, 0));
	VD_ASSERT_EVENT(efd, &val, "vector 0 after the closes under fire");
	ASSERT_EQ(1, val);
	msi_dev_close(md);
	close(efd);
}

/* A new open forgets everything: messages, masks, eventfds */
TEST_F(life, reopen_fresh)
{
	struct msi_dev *md = &self->md;
	uint64_t val;
	long n;
	int efd;

	efd = efd_create();
	VD_ASSERT_OK(efd);
	VD_ASSERT_OK(msi_dev_open(md, MSI_MODE_DEVICE));
	VD_ASSERT_OK(msi_enable(md, 1, efd));
	VD_ASSERT_OK(msi_mask(md, 1, true));
	msi_dev_close(md);

	VD_ASSERT_OK(msi_dev_open(md, MSI_MODE_DEVICE));
	/* No handler: no vector has a message */
	n = msi_proc_interrupts_count(MSI_IRQ_NAME);
	ASSERT_EQ(0, n) TH_LOG("%ld vectors with a handler right after open",
			       n);
	/* Not enabled: the old eventfd gets nothing */
	VD_ASSERT_OK(msi_fire(md, 1));
	VD_ASSERT_QUIET(efd, "vector 1 after reopen, not enabled");
	/* Enabled: not masked any more */
	VD_ASSERT_OK(msi_enable(md, 1, efd));
	VD_ASSERT_OK(msi_fire(md, 1));
	VD_ASSERT_EVENT(efd, &val, "vector 1 enabled after reopen");
	ASSERT_EQ(1, val);
	close(efd);
}

/*
 * dev-msi keeps the device's MSI domain from the first open until unbind
 * (on 6.12.0-6.12.34 the kernel cannot remove it); a block of another size
 * must still fit in it on every reopen. Vector 0 and the block's last
 * vector deliver each time.
 */
TEST_F(life, reopen_resize)
{
	static const unsigned int sizes[] = { 4, 0, 2, 0 };
	struct msi_dev *md = &self->md;
	unsigned int i, n = 0, saved;
	uint64_t val;
	int efd, ret;

	ret = msi_plugin_nvec_get(&saved);
	if (ret)
		SKIP(return, "no msi_nvec: %s", vd_errno_name(-ret));
	efd = efd_create();
	VD_ASSERT_OK(efd);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		VD_ASSERT_OK(msi_plugin_nvec_set(sizes[i]));
		ret = msi_dev_open(md, MSI_MODE_DEVICE);
		if (!ret && sizes[i] && md->nvec != sizes[i])
			ret = -ERANGE;
		/* vector 0, then the last one */
		for (n = 0; !ret; n = md->nvec - 1) {
			ret = msi_enable(md, n, efd);
			if (!ret)
				ret = msi_fire(md, n);
			if (!ret && efd_wait(efd, VD_EVENT_MS, &val) != 1)
				ret = -ETIMEDOUT;
			if (n == md->nvec - 1)
				break;
		}
		msi_dev_close(md);
		if (ret)
			break;
	}
	msi_plugin_nvec_set(saved);
	close(efd);
	ASSERT_EQ(0, ret) TH_LOG("open %u (msi_nvec %u), vector %u: %s", i,
				 sizes[i], n, vd_errno_name(-ret));
}

/* VFIO_DEVICE_RESET with vectors enabled: messages kept, table restored */
TEST_F(life, reset_keeps_messages)
{
	struct msi_dev *md = &self->md;
	struct vfio_platform_msi_msg *m0, *m1;
	uint32_t data;
	uint64_t addr, val;
	unsigned int v;
	int efd;

	efd = efd_create();
	VD_ASSERT_OK(efd);
	VD_ASSERT_OK(msi_dev_open(md, MSI_MODE_DEVICE));
	if (!(md->vd.info.flags & VFIO_DEVICE_FLAGS_RESET))
		SKIP(return, "the device has no reset");
	m0 = calloc(md->nvec, sizeof(*m0));
	m1 = calloc(md->nvec, sizeof(*m1));
	ASSERT_TRUE(m0 && m1);
	for (v = 0; v < 4; v++)
		VD_ASSERT_OK(msi_enable(md, v, efd));
	VD_ASSERT_OK(msi_get_msgs(md, 0, 4, m0));
	VD_ASSERT_OK(vfio_dev_reset(md->vd.device));
	VD_ASSERT_OK(msi_get_msgs(md, 0, 4, m1));
	for (v = 0; v < 4; v++)
		ASSERT_EQ(0, memcmp(&m0[v], &m1[v], sizeof(m0[v])))
			TH_LOG("vector %u: message changed by the reset", v);
	/* PROGRAMMED: the kernel programs the device again after a reset */
	for (v = 0; v < 4; v++) {
		td_get_entry(md->regs, v, &addr, &data);
		ASSERT_EQ(m1[v].address, addr) TH_LOG("vector %u", v);
		ASSERT_EQ(m1[v].data, data) TH_LOG("vector %u", v);
	}
	VD_ASSERT_OK(msi_fire(md, 2));
	VD_ASSERT_EVENT(efd, &val, "vector 2 after the reset");
	ASSERT_EQ(1, val);
	free(m0);
	free(m1);
	close(efd);
}

/*
 * Reset the device behind the kernel's back, through its RESET register in
 * the mmapped window: the message table, the masks and MSI_EN are gone.
 */
static void user_reset(struct __test_metadata *_metadata, struct msi_dev *md,
		       unsigned int v)
{
	uint64_t addr;
	uint32_t data;

	VD_ASSERT_OK(td_reset(md->regs, VD_DEV_MS));
	td_get_entry(md->regs, v, &addr, &data);
	ASSERT_EQ(0, addr) TH_LOG("the device's reset kept vector %u's message",
				  v);
	ASSERT_FALSE(td_rd32(md->regs, VPMSI_REG_CTRL) & VPMSI_CTRL_MSI_EN);
}

/*
 * Enabling a vector programs it again (Documentation/uapi.rst, "Setting
 * MSI interrupts"), as vfio-pci does: after a reset the kernel did not see,
 * disable and enable the vector, and its MSIs arrive. Enabled while masked,
 * it is held (at the device in device mode) until unmasked.
 */
static void user_reset_enable(struct __test_metadata *_metadata,
			      struct msi_dev *md, const char *mode)
{
	const unsigned int v = 1;
	struct vfio_platform_msi_msg *m;
	uint64_t val, addr;
	uint32_t data;
	int efd;

	efd = efd_create();
	VD_ASSERT_OK(efd);
	VD_ASSERT_OK(msi_dev_open(md, mode));
	m = calloc(md->nvec, sizeof(*m));
	ASSERT_NE(NULL, m);
	VD_ASSERT_OK(msi_enable(md, v, efd));
	VD_ASSERT_OK(msi_fire(md, v));
	VD_ASSERT_EVENT(efd, &val, "before the reset");

	user_reset(_metadata, md, v);
	VD_ASSERT_OK(msi_enable(md, v, -1));
	VD_ASSERT_OK(msi_enable(md, v, efd));
	VD_ASSERT_OK(msi_get_msgs(md, v, 1, &m[v]));
	td_get_entry(md->regs, v, &addr, &data);
	ASSERT_EQ(m[v].address, addr) TH_LOG("%s: not programmed on enable",
					     mode);
	ASSERT_EQ(m[v].data, data);
	VD_ASSERT_OK(msi_fire(md, v));
	VD_ASSERT_EVENT(efd, &val, "enabled again after the reset");
	ASSERT_EQ(1, val);

	/* Again, masked while enabled: programmed, and held until unmask */
	user_reset(_metadata, md, v);
	VD_ASSERT_OK(msi_mask(md, v, true));
	VD_ASSERT_OK(msi_enable(md, v, -1));
	VD_ASSERT_OK(msi_enable(md, v, efd));
	if (!strcmp(mode, MSI_MODE_DEVICE))
		ASSERT_TRUE(td_masked(md->regs, v))
			TH_LOG("masked vector %u enabled unmasked at the device",
			       v);
	VD_ASSERT_OK(msi_fire(md, v));
	VD_ASSERT_QUIET(efd, "fired while masked");
	VD_ASSERT_OK(msi_mask(md, v, false));
	VD_ASSERT_EVENT(efd, &val, "the held MSI on unmask");
	ASSERT_EQ(1, val);
	free(m);
	close(efd);
}

TEST_F(life, user_reset_enable_device)
{
	user_reset_enable(_metadata, &self->md, MSI_MODE_DEVICE);
}

TEST_F(life, user_reset_enable_irqchip)
{
	user_reset_enable(_metadata, &self->md, MSI_MODE_IRQCHIP);
}

/*
 * Generic mode: the kernel does not know how many vectors the device has,
 * the user says it when asking for the MSIs (0 is refused); the index has
 * that count.
 */
TEST_F(life, generic_needs_count)
{
	struct msi_dev *md = &self->md;
	struct vfio_platform_msi_feature_msi f;
	struct vfio_irq_info ii;

	VD_ASSERT_OK(msi_mode_set(MSI_MODE_GENERIC));
	snprintf(md->mode, sizeof(md->mode), "%s", MSI_MODE_GENERIC);
	VD_ASSERT_OPEN(&md->vd, vfio_dev_open(&md->vd));
	EXPECT_EQ(VD_NUM_WIRED, md->vd.info.num_irqs);
	VD_ASSERT_OK(msi_opt_get(md->vd.device, &f));
	EXPECT_LE(VPMSI_NUM_VECTORS, f.max_nvec);
	VD_EXPECT_ERR(EINVAL, msi_opt_in(md->vd.device, 0));
	VD_EXPECT_ERR(EINVAL, vfio_dev_irq_info(md->vd.device, VD_NUM_WIRED,
						&ii));
	VD_ASSERT_OK(msi_opt_in(md->vd.device, 8));
	VD_ASSERT_OK(vfio_dev_irq_info(md->vd.device, VD_NUM_WIRED, &ii));
	EXPECT_EQ(8, ii.count);
	vfio_dev_close(&md->vd);
}

/*
 * A copy of the register window, from the device model's debugfs file
 * (vpmsi_testdev/<window address in hex>, Documentation/testdev.rst): the
 * one view of the device that does not open, and so reset, it. The
 * address is the device node's first "reg" entry (two address cells on
 * the bench). malloc()ed, or NULL with *why set.
 */
static void *window_snapshot(char *why, size_t len)
{
	char path[256];
	uint32_t reg[2];
	size_t got = 0;
	ssize_t n;
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/of_node/reg",
		 msi_dev_name());
	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, reg, sizeof(reg)) != sizeof(reg)) {
		snprintf(why, len, "%.120s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	snprintf(path, sizeof(path), "/sys/kernel/debug/vpmsi_testdev/%llx",
		 (unsigned long long)be32toh(reg[0]) << 32 | be32toh(reg[1]));
	fd = open(path, O_RDONLY);
	p = malloc(VPMSI_WINDOW_SIZE);
	while (fd >= 0 && p && got < VPMSI_WINDOW_SIZE) {
		n = read(fd, (char *)p + got, VPMSI_WINDOW_SIZE - got);
		if (n <= 0)
			break;
		got += n;
	}
	if (got < VPMSI_WINDOW_SIZE) {
		snprintf(why, len, "%.120s: %s (%zu bytes)", path,
			 strerror(errno), got);
		free(p);
		p = NULL;
	}
	if (fd >= 0)
		close(fd);
	return p;
}

/*
 * Open in @mode, enable vectors 0 and 1 and see vector 0 arrive, close,
 * then read the device: it must be as its reset left it. In generic mode
 * the test programs the table itself, as a VMM would.
 */
static void closed_device_is_reset(struct __test_metadata *_metadata,
				   struct msi_dev *md, const char *mode)
{
	struct vfio_platform_msi_msg m[2];
	void *win;
	char why[200] = "";
	uint64_t addr, val;
	unsigned int v;
	uint32_t data;
	int efd, ret;

	efd = efd_create();
	VD_ASSERT_OK(efd);
	ret = msi_dev_open_nvec(md, mode, 2);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "%s", md->why);
	ASSERT_EQ(0, ret) TH_LOG("%s", md->why);
	for (v = 0; v < 2; v++)
		VD_ASSERT_OK(msi_enable(md, v, efd));
	if (!strcmp(mode, MSI_MODE_GENERIC)) {
		VD_ASSERT_OK(msi_get_msgs(md, 0, 2, m));
		for (v = 0; v < 2; v++) {
			ASSERT_TRUE(m[v].flags & VFIO_PLATFORM_MSI_MSG_VALID);
			td_set_entry(md->regs, v, m[v].address, m[v].data);
			td_mask(md->regs, v, 0);
		}
		td_wr32(md->regs, VPMSI_REG_CTRL, VPMSI_CTRL_MSI_EN);
	}
	VD_ASSERT_OK(msi_fire(md, 0));
	VD_ASSERT_EVENT(efd, &val, "vector 0 before the close");
	msi_dev_close(md);

	win = window_snapshot(why, sizeof(why));
	ASSERT_NE(NULL, win) TH_LOG("%s", why);
	EXPECT_EQ(0, td_rd32(win, VPMSI_REG_CTRL) & VPMSI_CTRL_MSI_EN)
		TH_LOG("%s mode: CTRL.MSI_EN set after close", mode);
	for (v = 0; v < VPMSI_NUM_VECTORS; v++) {
		td_get_entry(win, v, &addr, &data);
		if (!td_masked(win, v) || addr || data) {
			EXPECT_TRUE(0)
				TH_LOG("%s mode: vector %u after close: %s, %s %#llx, data %#x",
				       mode, v, td_masked(win, v) ? "masked" :
				       "unmasked", "address",
				       (unsigned long long)addr, data);
			break;
		}
	}
	free(win);
	close(efd);
}

TEST_F(life, closed_reset_device)
{
	closed_device_is_reset(_metadata, &self->md, MSI_MODE_DEVICE);
}

TEST_F(life, closed_reset_irqchip)
{
	closed_device_is_reset(_metadata, &self->md, MSI_MODE_IRQCHIP);
}

TEST_F(life, closed_reset_generic)
{
	closed_device_is_reset(_metadata, &self->md, MSI_MODE_GENERIC);
}

/* The driver's count of held events taken on their CPU, or -errno */
static long drained(void)
{
	char buf[32];
	int ret;

	ret = msi_read_line(DRAINED, buf, sizeof(buf));
	return ret ? ret : atol(buf);
}

/*
 * Mask vector HELD_VEC, fire it, close: the MSI is held by the device
 * (device mode: its pending bit, which the reset on close clears) or by
 * the interrupt controller (irqchip mode: the vector is masked there),
 * which the driver must drop at close. Open again, enable the same
 * vector: nothing. Fire it: one event. With @on_cpu, the driver takes
 * the held event on the vector's CPU instead of clearing it.
 */
#define HELD_VEC	5

static void held_event_dropped(struct __test_metadata *_metadata,
			       struct msi_dev *md, const char *mode,
			       bool on_cpu)
{
	const unsigned int v = HELD_VEC;
	long before = 0, after;
	uint64_t val = 0, more = 0;
	uint32_t sent;
	int efd, ret;

	if (on_cpu) {
		before = drained();
		if (before < 0)
			SKIP(return, "%s: %s", DRAINED,
			     vd_errno_name(-(int)before));
		VD_ASSERT_OK(msi_write_str(DRAIN_ON_CPU, "Y"));
	}
	efd = efd_create();
	VD_ASSERT_OK(efd);
	ret = msi_dev_open(md, mode);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "%s", md->why);
	ASSERT_EQ(0, ret) TH_LOG("%s", md->why);
	ASSERT_LT(v, md->nvec);
	VD_ASSERT_OK(msi_enable(md, v, efd));
	VD_ASSERT_OK(msi_mask(md, v, true));
	sent = td_count(md->regs, v);
	VD_ASSERT_OK(msi_fire(md, v));
	VD_ASSERT_QUIET(efd, "fired while masked");
	if (!strcmp(mode, MSI_MODE_DEVICE)) {
		ASSERT_TRUE(td_pending(md->regs, v))
			TH_LOG("device mode: the MSI is not held at the device");
	} else {
		ASSERT_EQ(sent + 1, td_count(md->regs, v))
			TH_LOG("%s mode: the device did not send the MSI", mode);
	}
	msi_dev_close(md);
	ASSERT_EQ(0, efd_drain(efd))
		TH_LOG("%s mode: an event during close", mode);
	if (on_cpu) {
		/* Held at the interrupt controller in irqchip mode only */
		after = drained();
		ASSERT_EQ(before + !!strcmp(mode, MSI_MODE_DEVICE), after)
			TH_LOG("%s mode: %ld held events taken on their CPU at close",
			       mode, after - before);
		VD_ASSERT_OK(msi_write_str(DRAIN_ON_CPU, "N"));
	}

	VD_ASSERT_OK(msi_dev_open(md, mode));
	VD_ASSERT_OK(msi_enable(md, v, efd));
	VD_ASSERT_QUIET(efd, "the same vector enabled in the next open");
	VD_ASSERT_OK(msi_fire(md, v));
	VD_ASSERT_EVENT(efd, &val, "a new MSI in the next open");
	VD_ASSERT_OK(efd_collect(efd, VD_QUIET_MS, &more));
	ASSERT_EQ(1, val + more) TH_LOG("%s mode: %llu events for one MSI",
					mode, (unsigned long long)(val + more));
	msi_dev_close(md);
	close(efd);
}

TEST_F(life, held_dropped_device)
{
	held_event_dropped(_metadata, &self->md, MSI_MODE_DEVICE, false);
}

TEST_F(life, held_dropped_irqchip)
{
	held_event_dropped(_metadata, &self->md, MSI_MODE_IRQCHIP, false);
}

TEST_F(life, held_dropped_device_on_cpu)
{
	held_event_dropped(_metadata, &self->md, MSI_MODE_DEVICE, true);
}

TEST_F(life, held_dropped_irqchip_on_cpu)
{
	held_event_dropped(_metadata, &self->md, MSI_MODE_IRQCHIP, true);
}

TEST_HARNESS_MAIN
