// SPDX-License-Identifier: GPL-2.0
/*
 * The test device model does what its datasheet (include/vpmsi_testdev.h)
 * says, checked through the real interrupt controller: the reference host
 * driver vpmsi_testhost.ko allocates the device's platform MSIs from the
 * GICv3 ITS, programs the vector table from its write_msg callback and
 * counts what the ITS delivers; this program drives the device through the
 * register window the host driver maps, and compares the device's own
 * bookkeeping with the deliveries.
 *
 * Needs the test device bound to vpmsi_testhost. Run alone (as
 * run_kselftest.sh runs it, with the device bound to the VFIO driver at
 * boot), the program hands the device to vpmsi_testhost itself for its run
 * and gives it back at exit; without /dev/vpmsi_testhost every test is
 * skipped.
 *
 * Deliveries are asynchronous: positive checks poll with a bounded timeout.
 * A check that something did NOT happen cannot be proven by polling; those
 * first make sure the device has done its part (its mailbox is consumed,
 * its counters are final), then give the interrupt controller QUIET_MS to
 * deliver anything it still would: deliveries take 0-200 us on this bench,
 * so QUIET_MS is a margin of more than two orders of magnitude.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vpm_harness.h"
#include "msi.h"
#include "pdev.h"
#include "testdev.h"
#include "vpmsi_testdev.h"
#include "vpmsi_testhost.h"

#define TH_PATH		"/dev/" VPMSI_TH_DEVNAME
#define TH_DRIVER	"vpmsi_testhost"	/* the host driver's name */
#define NVEC		32		/* vectors of the "host" fixture */
#define TMO_MS		2000		/* device mailboxes and deliveries */
#define QUIET_MS	50		/* see the top of the file */
#define K_FIRES		10

/*
 * Register reads as int64_t, so that they compare cleanly with the int
 * constants of the datasheet in EXPECT_*().
 */
static int64_t rd(void *r, uint32_t off)
{
	return td_rd32(r, off);
}

static int64_t dcount(void *r, unsigned int v)
{
	return td_count(r, v);
}

/* ---- the device's binding for the program's run ------------------------ */

static struct pdev_state th_saved;
static pid_t th_pid;

/* At the program's exit (tests end with _exit()): the device back */
static void th_restore_device(void)
{
	const char *dev = msi_dev_name();

	if (getpid() == th_pid && pdev_restore(dev, &th_saved))
		fprintf(stderr, "# cannot bind %s back to \"%s\"\n", dev,
			th_saved.driver);
}

/*
 * Before the tests: the device to the host driver, if it is elsewhere and
 * the host driver is loaded. A failed bind is left to the fixtures, which
 * skip without /dev/vpmsi_testhost. The restore is an atexit() handler
 * registered after vpm_harness.h's, so that it runs before that one, which
 * may end the program with _exit().
 */
static void __attribute__((constructor)) th_bind_device(void)
{
	const char *dev = msi_dev_name();

	if (!dev || !pdev_exists(dev) || !pdev_driver_exists(TH_DRIVER) ||
	    pdev_bound_to(dev, TH_DRIVER) || pdev_save(dev, &th_saved))
		return;
	th_pid = getpid();
	atexit(th_restore_device);
	if (pdev_bind(dev, TH_DRIVER))
		fprintf(stderr, "# cannot bind %s to %s\n", dev, TH_DRIVER);
}

/* ---- host driver helpers ------------------------------------------------ */

static int th_get_msg(int fd, unsigned int v, struct vpmsi_th_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->vector = v;
	return ioctl(fd, VPMSI_TH_GET_MSG, m) ? -errno : 0;
}

/* Deliveries of vector v so far; -1 if the host cannot tell. */
static int64_t th_count(int fd, unsigned int v)
{
	struct vpmsi_th_msg m;

	return th_get_msg(fd, v, &m) ? -1 : (int64_t)m.count;
}

static int th_counts(int fd, unsigned int first, unsigned int n, uint64_t *c)
{
	struct vpmsi_th_counts arg = {
		.first = first,
		.n = n,
		.counts_ptr = (uintptr_t)c,
	};

	return ioctl(fd, VPMSI_TH_GET_COUNTS, &arg) ? -errno : 0;
}

static int th_index_ioctl(int fd, unsigned long cmd, unsigned int index)
{
	struct vpmsi_th_index x = { .index = index };

	return ioctl(fd, cmd, &x) ? -errno : 0;
}

static int th_setup(int fd, unsigned int nvec)
{
	struct vpmsi_th_setup s = { .nvec = nvec };

	return ioctl(fd, VPMSI_TH_SETUP, &s) ? -errno : 0;
}

static int th_get_line(int fd, unsigned int line, struct vpmsi_th_line *l)
{
	memset(l, 0, sizeof(*l));
	l->line = line;
	return ioctl(fd, VPMSI_TH_GET_LINE, l) ? -errno : 0;
}

static int64_t th_line_count(int fd, unsigned int line)
{
	struct vpmsi_th_line l;

	return th_get_line(fd, line, &l) ? -1 : (int64_t)l.count;
}

/*
 * Poll until the host has seen at least @want deliveries of vector @v, or
 * TMO_MS passed; return what it has seen.
 */
static int64_t wait_msi(int fd, unsigned int v, int64_t want)
{
	uint64_t end = td_now_ns() + TMO_MS * 1000000ull;
	int64_t c;

	for (;;) {
		c = th_count(fd, v);
		if (c < 0 || c >= want || td_now_ns() > end)
			return c;
		td_relax();
	}
}

/* The same for a wired line. */
static int64_t wait_line(int fd, unsigned int line, int64_t want)
{
	uint64_t end = td_now_ns() + TMO_MS * 1000000ull;
	int64_t c;

	for (;;) {
		c = th_line_count(fd, line);
		if (c < 0 || c >= want || td_now_ns() > end)
			return c;
		td_relax();
	}
}

/*
 * Wait until the model has run two whole cycles (HEARTBEAT counts at the
 * end of each): it has then seen every register written before the call.
 * One request completed is not enough: the model takes requests before it
 * scans the pending bits in a cycle.
 */
static int model_cycles(void *r)
{
	uint64_t end = td_now_ns() + TMO_MS * 1000000ull;
	uint32_t hb = td_rd32(r, VPMSI_REG_HEARTBEAT);

	while (td_rd32(r, VPMSI_REG_HEARTBEAT) - hb < 2) {
		if (td_now_ns() > end)
			return -ETIMEDOUT;
		td_relax();
	}
	return 0;
}

static void quiet(void)
{
	usleep(QUIET_MS * 1000);
}

/* Rewrite a table entry masked, as the datasheet asks (like MSI-X). */
static void set_entry(void *r, unsigned int v, uint64_t addr, uint32_t data)
{
	int masked = td_masked(r, v);

	td_mask(r, v, 1);
	td_set_entry(r, v, addr, data);
	td_mask(r, v, masked);
}

/* ---- fixture: host driver open, device reset, vectors set up ------------ */

struct th_ctx {
	int fd;
	void *regs;
	size_t len;
	unsigned int nvec;
	uint64_t doorbell;
};

/*
 * Open the host driver, map the window, reset the device and set up nvec
 * vectors. Returns NULL on success, else why not; *skip tells whether that
 * is a reason to skip (no host driver) rather than a failure.
 */
static const char *th_ctx_init(struct th_ctx *c, unsigned int nvec, int *skip)
{
	static char why[128];
	struct vpmsi_th_info info;
	struct vpmsi_th_msg m;
	int ret;

	*skip = 0;
	c->fd = -1;
	c->regs = MAP_FAILED;
	c->fd = open(TH_PATH, O_RDWR | O_CLOEXEC);
	if (c->fd < 0) {
		*skip = errno == ENOENT;
		snprintf(why, sizeof(why), "%s: %s%s", TH_PATH, strerror(errno),
			 *skip ? " (vpmsi_testhost not bound to the test device)" : "");
		return why;
	}
	if (ioctl(c->fd, VPMSI_TH_GET_INFO, &info))
		return "VPMSI_TH_GET_INFO failed";
	if (info.window_size < VPMSI_WINDOW_SIZE)
		return "register window smaller than the datasheet's";
	c->len = VPMSI_WINDOW_SIZE;
	c->regs = mmap(NULL, c->len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       c->fd, 0);
	if (c->regs == MAP_FAILED)
		return "mmap of the register window failed";
	ret = td_wait_ready(c->regs, TMO_MS);
	if (ret)
		return ret == -ENODEV ? "bad ID register: no device model?" :
					"device model not ready";
	if (td_reset(c->regs, TMO_MS))
		return "device reset did not complete";
	/* the reset dropped the level line; re-arm it if a test left it masked */
	if (th_index_ioctl(c->fd, VPMSI_TH_LINE_UNMASK, VPMSI_LINE_LEVEL))
		return "VPMSI_TH_LINE_UNMASK failed";
	ret = th_setup(c->fd, nvec);
	if (ret) {
		snprintf(why, sizeof(why), "VPMSI_TH_SETUP(%u): %s", nvec,
			 strerror(-ret));
		return why;
	}
	c->nvec = nvec;
	if (th_get_msg(c->fd, 0, &m))
		return "VPMSI_TH_GET_MSG(0) failed";
	c->doorbell = m.address;
	return NULL;
}

static void th_ctx_fini(struct th_ctx *c)
{
	if (c->fd >= 0 && c->nvec)
		ioctl(c->fd, VPMSI_TH_TEARDOWN);
	if (c->regs != MAP_FAILED)
		munmap(c->regs, c->len);
	if (c->fd >= 0)
		close(c->fd);
}

FIXTURE(host) {
	struct th_ctx c;
};

FIXTURE_SETUP(host)
{
	const char *why;
	int skip;

	why = th_ctx_init(&self->c, NVEC, &skip);
	if (why && skip)
		SKIP(return, "%s", why);
	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
}

FIXTURE_TEARDOWN(host)
{
	th_ctx_fini(&self->c);
}

/* Read-only identification registers, and the model is alive. */
TEST_F(host, identification)
{
	void *r = self->c.regs;

	EXPECT_EQ(VPMSI_ID, rd(r, VPMSI_REG_ID));
	EXPECT_EQ(VPMSI_VERSION, rd(r, VPMSI_REG_VERSION));
	EXPECT_EQ(VPMSI_NUM_VECTORS, rd(r, VPMSI_REG_NUM_VECTORS));
	/* the board's DT gives the device two lines: level and edge */
	EXPECT_EQ(2, rd(r, VPMSI_REG_NUM_LINES));
	EXPECT_EQ(VPMSI_STATUS_READY,
		  rd(r, VPMSI_REG_STATUS) & VPMSI_STATUS_READY);

	/*
	 * The model runs (HEARTBEAT counts), and a read-only register is
	 * restored within two HEARTBEAT increments of a write to it.
	 */
	td_wr32(r, VPMSI_REG_NUM_VECTORS, 5);
	EXPECT_EQ(0, model_cycles(r));
	EXPECT_EQ(VPMSI_NUM_VECTORS, rd(r, VPMSI_REG_NUM_VECTORS));
}

/* SCRATCH is 128 bytes of storage that does not alias anything. */
TEST_F(host, scratch)
{
	void *r = self->c.regs;
	unsigned int i, n = VPMSI_SCRATCH_SIZE / 4;

	for (i = 0; i < n; i++)
		td_wr32(r, VPMSI_REG_SCRATCH + 4 * i, 0xa5000000u | i * 0x01010101u);
	for (i = 0; i < n; i++)
		EXPECT_EQ(0xa5000000u | i * 0x01010101u,
			  rd(r, VPMSI_REG_SCRATCH + 4 * i));
	for (i = 0; i < n; i++)
		td_wr32(r, VPMSI_REG_SCRATCH + 4 * i, ~(0xa5000000u | i));
	for (i = 0; i < n; i++)
		EXPECT_EQ(~(0xa5000000u | i), rd(r, VPMSI_REG_SCRATCH + 4 * i));
	EXPECT_EQ(VPMSI_ID, rd(r, VPMSI_REG_ID));
	EXPECT_EQ(0, rd(r, VPMSI_REG_ERR_COUNT));
}

/*
 * SETUP programmed every vector's table entry from the kernel's MSI message
 * (write_msg), unmasked it and enabled MSIs; the rest stays in reset state.
 */
TEST_F(host, setup_programs_table)
{
	void *r = self->c.regs;
	bool imsic = msi_parent_is_imsic();
	uint64_t addrs[NVEC], addr;
	uint32_t datas[NVEC], data;
	struct vpmsi_th_msg m;
	unsigned int v, w;

	EXPECT_NE(0ull, self->c.doorbell);
	for (v = 0; v < NVEC; v++) {
		ASSERT_EQ(0, th_get_msg(self->c.fd, v, &m));
		EXPECT_NE(0u, m.virq);
		EXPECT_EQ(0u, m.masked);
		EXPECT_EQ(0ull, m.count);
		/*
		 * One ITS: every vector has the same doorbell. An IMSIC: the
		 * interrupt file (a page) of the vector's hart, where the
		 * data (the interrupt's number) is unique.
		 */
		EXPECT_EQ(imsic ? m.address & ~0xfffull : self->c.doorbell,
			  m.address);
		td_get_entry(r, v, &addr, &data);
		EXPECT_EQ(m.address, addr) TH_LOG("vector %u", v);
		EXPECT_EQ(m.data, data) TH_LOG("vector %u", v);
		EXPECT_EQ(0, td_masked(r, v)) TH_LOG("vector %u", v);
		addrs[v] = m.address;
		datas[v] = m.data;
		for (w = 0; w < v; w++)
			EXPECT_FALSE(addrs[w] == m.address && datas[w] == m.data)
				TH_LOG("vectors %u and %u", w, v);
	}
	EXPECT_EQ(VPMSI_CTRL_MSI_EN, rd(r, VPMSI_REG_CTRL) & VPMSI_CTRL_MSI_EN);
	/* beyond nvec: as reset left it, masked and empty */
	td_get_entry(r, NVEC, &addr, &data);
	EXPECT_EQ(0ull, addr);
	EXPECT_EQ(0u, data);
	EXPECT_EQ(1, td_masked(r, NVEC));
}

/* K separate fires of one vector: K MSIs sent, K deliveries, nothing else. */
TEST_F(host, fire_k_times)
{
	void *r = self->c.regs;
	uint64_t counts[NVEC];
	const unsigned int v = 3;
	unsigned int i;

	for (i = 1; i <= K_FIRES; i++) {
		ASSERT_EQ(0, td_fire(r, v, 1, TMO_MS));
		EXPECT_EQ(i, dcount(r, v));
		/* waiting for each delivery: no two MSIs can coalesce */
		ASSERT_EQ(i, wait_msi(self->c.fd, v, i));
	}
	quiet();
	ASSERT_EQ(0, th_counts(self->c.fd, 0, NVEC, counts));
	for (i = 0; i < NVEC; i++) {
		EXPECT_EQ(i == v ? K_FIRES : 0, (int64_t)counts[i]) TH_LOG("vector %u", i);
		EXPECT_EQ(i == v ? K_FIRES : 0, dcount(r, i)) TH_LOG("vector %u", i);
	}
	EXPECT_EQ(K_FIRES, rd(r, VPMSI_REG_MSI_TOTAL));
	EXPECT_EQ(v, rd(r, VPMSI_REG_LAST_VECTOR));
	EXPECT_EQ(0, rd(r, VPMSI_REG_ERR_COUNT));
}

/*
 * One FIRE request for K MSIs: the device sends exactly K. The host sees
 * between 1 and K: the MSIs are edges into one LPI, and an LPI that is
 * still pending when the next one arrives absorbs it (GICv3 semantics,
 * not a device property), so only the bounds are guaranteed.
 */
TEST_F(host, fire_burst)
{
	void *r = self->c.regs;
	const unsigned int v = 5;
	int64_t got;

	ASSERT_EQ(0, td_fire(r, v, K_FIRES, TMO_MS));
	EXPECT_EQ(K_FIRES, dcount(r, v));
	EXPECT_EQ(K_FIRES, rd(r, VPMSI_REG_MSI_TOTAL));
	EXPECT_LE(1, wait_msi(self->c.fd, v, 1));
	quiet();
	got = th_count(self->c.fd, v);
	EXPECT_LE(1, got);
	EXPECT_GE(K_FIRES, got);
	TH_LOG("%u MSIs in one request: %llu deliveries", K_FIRES,
	       (unsigned long long)got);
}

/*
 * Masked at the device: fires are held in the PBA, nothing is sent or
 * delivered; unmasking sends exactly one MSI, however many were held.
 */
TEST_F(host, masked_at_device)
{
	void *r = self->c.regs;
	const unsigned int v = 7;

	td_mask(r, v, 1);
	ASSERT_EQ(1, td_masked(r, v));
	ASSERT_EQ(0, td_fire(r, v, 1, TMO_MS));
	ASSERT_EQ(0, td_fire(r, v, 2, TMO_MS));
	EXPECT_EQ(1, td_pending(r, v));
	EXPECT_EQ(0, dcount(r, v));
	EXPECT_EQ(0, rd(r, VPMSI_REG_MSI_TOTAL));
	EXPECT_EQ(0, rd(r, VPMSI_REG_ERR_COUNT));
	/* the neighbours' pending bits are untouched */
	EXPECT_EQ(0, td_pending(r, v - 1));
	EXPECT_EQ(0, td_pending(r, v + 1));
	quiet();
	EXPECT_EQ(0, th_count(self->c.fd, v));
	EXPECT_EQ(1, td_pending(r, v));

	td_mask(r, v, 0);
	EXPECT_EQ(1, wait_msi(self->c.fd, v, 1));
	quiet();
	EXPECT_EQ(1, th_count(self->c.fd, v));
	EXPECT_EQ(1, dcount(r, v));
	EXPECT_EQ(0, td_pending(r, v));
	EXPECT_EQ(1, rd(r, VPMSI_REG_MSI_TOTAL));
}

/*
 * Masked at the interrupt controller (disable_irq() of the vector): the
 * device sends, the ITS holds the LPI pending, and enable_irq() delivers
 * it once. Exactly once: the host sets IRQ_DISABLE_UNLAZY on its vectors,
 * so the LPI is masked at the ITS before the MSIs arrive and the core's
 * lazy-disable replay never runs; the LPI's single pending bit coalesces
 * the two MSIs (with a lazy disable, a replay on top of the pending bit
 * can give two deliveries, see test-bench-facts.md).
 */
TEST_F(host, masked_at_irqchip)
{
	void *r = self->c.regs;
	const unsigned int v = 9;
	struct vpmsi_th_msg m;

	ASSERT_EQ(0, th_index_ioctl(self->c.fd, VPMSI_TH_MASK, v));
	ASSERT_EQ(0, th_get_msg(self->c.fd, v, &m));
	EXPECT_EQ(1u, m.masked);
	ASSERT_EQ(0, td_fire(r, v, 1, TMO_MS));
	ASSERT_EQ(0, td_fire(r, v, 1, TMO_MS));
	/* the device did send both: the ITS holds them */
	EXPECT_EQ(2, dcount(r, v));
	EXPECT_EQ(0, td_pending(r, v));
	quiet();
	EXPECT_EQ(0, th_count(self->c.fd, v));

	ASSERT_EQ(0, th_index_ioctl(self->c.fd, VPMSI_TH_UNMASK, v));
	EXPECT_EQ(1, wait_msi(self->c.fd, v, 1));
	quiet();
	EXPECT_EQ(1, th_count(self->c.fd, v));

	/* and the vector works normally again */
	ASSERT_EQ(0, td_fire(r, v, 1, TMO_MS));
	EXPECT_EQ(2, wait_msi(self->c.fd, v, 2));
}

/*
 * LAST_MSI_NS is the CLOCK_MONOTONIC time of the latest MSI: after we
 * asked for it, before the host saw it, and increasing.
 */
TEST_F(host, timestamp)
{
	void *r = self->c.regs;
	uint64_t t0, t1, ns, prev = 0;
	struct vpmsi_th_msg m;
	unsigned int i, v;

	EXPECT_EQ(0ull, td_last_msi_ns(r));	/* reset value */
	for (i = 0; i < 5; i++) {
		v = 11 + i;
		t0 = td_now_ns();
		ASSERT_EQ(0, td_fire(r, v, 1, TMO_MS));
		ASSERT_EQ(1, wait_msi(self->c.fd, v, 1));
		t1 = td_now_ns();
		ns = td_last_msi_ns(r);
		EXPECT_LE(t0, ns);
		EXPECT_GE(t1, ns);
		EXPECT_LT(prev, ns);
		EXPECT_EQ(v, rd(r, VPMSI_REG_LAST_VECTOR));
		/* the host took it after the device sent it */
		ASSERT_EQ(0, th_get_msg(self->c.fd, v, &m));
		EXPECT_LE(ns, m.last_ns);
		EXPECT_GE(t1, m.last_ns);
		prev = ns;
	}
}

/* With CTRL.MSI_EN clear a fire is dropped and counted as an error. */
TEST_F(host, msi_disabled_drops)
{
	void *r = self->c.regs;
	const unsigned int v = 2;
	uint32_t ctrl = rd(r, VPMSI_REG_CTRL);

	td_wr32(r, VPMSI_REG_CTRL, ctrl & ~VPMSI_CTRL_MSI_EN);
	ASSERT_EQ(0, td_fire(r, v, 1, TMO_MS));
	EXPECT_EQ(1, rd(r, VPMSI_REG_ERR_COUNT));
	EXPECT_EQ(0, dcount(r, v));
	EXPECT_EQ(0, rd(r, VPMSI_REG_MSI_TOTAL));
	EXPECT_EQ(0, td_pending(r, v));		/* dropped, not held */
	quiet();
	EXPECT_EQ(0, th_count(self->c.fd, v));

	/* enabling again does not replay the dropped one */
	td_wr32(r, VPMSI_REG_CTRL, ctrl | VPMSI_CTRL_MSI_EN);
	quiet();
	EXPECT_EQ(0, th_count(self->c.fd, v));
	ASSERT_EQ(0, td_fire(r, v, 1, TMO_MS));
	EXPECT_EQ(1, wait_msi(self->c.fd, v, 1));
	EXPECT_EQ(1, dcount(r, v));
	EXPECT_EQ(1, rd(r, VPMSI_REG_ERR_COUNT));
}

/*
 * A vector pending while MSI_EN is clear stays pending across its unmask
 * and is sent once MSI_EN is set again.
 */
TEST_F(host, msi_disabled_holds_pending)
{
	void *r = self->c.regs;
	const unsigned int v = 8;
	uint32_t ctrl = td_rd32(r, VPMSI_REG_CTRL);

	td_mask(r, v, 1);
	ASSERT_EQ(0, td_fire(r, v, 1, TMO_MS));
	ASSERT_EQ(1, td_pending(r, v));
	td_wr32(r, VPMSI_REG_CTRL, ctrl & ~VPMSI_CTRL_MSI_EN);
	td_mask(r, v, 0);
	quiet();
	EXPECT_EQ(1, td_pending(r, v));
	EXPECT_EQ(0, dcount(r, v));
	EXPECT_EQ(0, th_count(self->c.fd, v));

	td_wr32(r, VPMSI_REG_CTRL, ctrl | VPMSI_CTRL_MSI_EN);
	EXPECT_EQ(1, wait_msi(self->c.fd, v, 1));
	EXPECT_EQ(0, td_pending(r, v));
	EXPECT_EQ(1, dcount(r, v));
	EXPECT_EQ(0, rd(r, VPMSI_REG_ERR_COUNT));
	quiet();
	EXPECT_EQ(1, th_count(self->c.fd, v));
}

/*
 * A table entry whose address is not the ITS doorbell (an IMSIC: is
 * outside the IMSIC's interrupt files): the MSI is dropped and counted,
 * never written anywhere.
 */
TEST_F(host, bad_address_drops)
{
	void *r = self->c.regs;
	const unsigned int v = 4;
	uint64_t bad[] = { 0, self->c.doorbell + 4, self->c.doorbell - 0x40,
			   self->c.doorbell | 1ull << 32 };
	uint64_t base, size;
	struct vpmsi_th_msg m;
	unsigned int i;

	if (msi_parent_is_imsic()) {
		/* every address of an interrupt file is an MSI address */
		ASSERT_EQ(0, msi_parent_reg(&base, &size));
		bad[1] = base + size;
		bad[2] = base - 0x40;
		bad[3] = base | 1ull << 32;
	}
	ASSERT_EQ(0, th_get_msg(self->c.fd, v, &m));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		set_entry(r, v, bad[i], m.data);
		ASSERT_EQ(0, td_fire(r, v, 1, TMO_MS));
		EXPECT_EQ(i + 1, rd(r, VPMSI_REG_ERR_COUNT))
			TH_LOG("address 0x%llx", (unsigned long long)bad[i]);
		EXPECT_EQ(0, dcount(r, v));
	}
	EXPECT_EQ(0, rd(r, VPMSI_REG_MSI_TOTAL));

	/* a held MSI whose address went bad is dropped at unmask */
	td_mask(r, v, 1);
	ASSERT_EQ(0, td_fire(r, v, 1, TMO_MS));
	ASSERT_EQ(1, td_pending(r, v));
	td_set_entry(r, v, bad[1], m.data);
	td_mask(r, v, 0);
	ASSERT_EQ(0, model_cycles(r));
	EXPECT_EQ(0, td_pending(r, v));
	EXPECT_EQ(i + 1, rd(r, VPMSI_REG_ERR_COUNT));
	EXPECT_EQ(0, dcount(r, v));
	quiet();
	EXPECT_EQ(0, th_count(self->c.fd, v));

	set_entry(r, v, m.address, m.data);
	ASSERT_EQ(0, td_fire(r, v, 1, TMO_MS));
	EXPECT_EQ(1, wait_msi(self->c.fd, v, 1));
	EXPECT_EQ(1, dcount(r, v));
}

/* Write a raw mailbox request and wait until the model cleared it. */
static int mailbox_raw(void *r, uint32_t off, uint32_t cmd)
{
	uint64_t end = td_now_ns() + TMO_MS * 1000000ull;

	td_wr32(r, off, cmd);
	while (td_rd32(r, off)) {
		if (td_now_ns() > end)
			return -ETIMEDOUT;
		td_relax();
	}
	return 0;
}

/*
 * Malformed requests are rejected as a whole, counted once each in
 * ERR_COUNT, and have no other effect.
 */
TEST_F(host, malformed_requests)
{
	void *r = self->c.regs;
	int64_t e0 = th_line_count(self->c.fd, VPMSI_LINE_EDGE);

	ASSERT_LE(0, e0);
	/* a vector the device does not have */
	ASSERT_EQ(0, td_fire(r, VPMSI_NUM_VECTORS, 1, TMO_MS));
	EXPECT_EQ(1, rd(r, VPMSI_REG_ERR_COUNT));
	/* GO clear */
	ASSERT_EQ(0, mailbox_raw(r, VPMSI_REG_FIRE, VPMSI_FIRE_COUNT(3) | 1));
	EXPECT_EQ(2, rd(r, VPMSI_REG_ERR_COUNT));
	ASSERT_EQ(0, mailbox_raw(r, VPMSI_REG_LINE_CMD,
				 VPMSI_LINE_OP(VPMSI_LINE_OP_PULSE) | VPMSI_LINE_EDGE));
	EXPECT_EQ(3, rd(r, VPMSI_REG_ERR_COUNT));
	/* a line the device does not have, an unknown operation */
	ASSERT_EQ(0, td_line(r, 2, VPMSI_LINE_OP_ASSERT, 1, TMO_MS));
	EXPECT_EQ(4, rd(r, VPMSI_REG_ERR_COUNT));
	ASSERT_EQ(0, td_line(r, VPMSI_LINE_EDGE, 4, 1, TMO_MS));
	EXPECT_EQ(5, rd(r, VPMSI_REG_ERR_COUNT));
	/* a RESET value other than GO: no reset */
	td_wr32(r, VPMSI_REG_SCRATCH, 0x5a5a5a5a);
	ASSERT_EQ(0, mailbox_raw(r, VPMSI_REG_RESET, 2));
	EXPECT_EQ(6, rd(r, VPMSI_REG_ERR_COUNT));
	EXPECT_EQ(0x5a5a5a5a, rd(r, VPMSI_REG_SCRATCH));

	EXPECT_EQ(0, rd(r, VPMSI_REG_MSI_TOTAL));
	EXPECT_EQ(0, dcount(r, 1));
	EXPECT_EQ(0, rd(r, VPMSI_REG_LINE_STATE));
	EXPECT_EQ(0, rd(r, VPMSI_REG_LINE_RAISED(VPMSI_LINE_EDGE)));
	quiet();
	EXPECT_EQ(0, th_count(self->c.fd, 1));
	EXPECT_EQ(e0, th_line_count(self->c.fd, VPMSI_LINE_EDGE));
}

/*
 * RESET clears the table (entries masked and empty), the counters, the
 * pending bits, the timestamp, CTRL and SCRATCH; a held MSI is discarded.
 */
TEST_F(host, reset_clears)
{
	void *r = self->c.regs;
	uint64_t addr;
	uint32_t data;
	int v;

	ASSERT_EQ(0, td_fire(r, 1, 1, TMO_MS));
	ASSERT_EQ(1, wait_msi(self->c.fd, 1, 1));
	td_mask(r, 6, 1);
	ASSERT_EQ(0, td_fire(r, 6, 1, TMO_MS));
	ASSERT_EQ(1, td_pending(r, 6));
	ASSERT_EQ(0, td_fire(r, VPMSI_NUM_VECTORS, 1, TMO_MS));	/* an error */
	td_wr32(r, VPMSI_REG_SCRATCH, 0x12345678);
	ASSERT_NE(0ull, td_last_msi_ns(r));
	ASSERT_NE(0, rd(r, VPMSI_REG_ERR_COUNT));

	ASSERT_EQ(0, td_reset(r, TMO_MS));
	EXPECT_EQ(VPMSI_ID, rd(r, VPMSI_REG_ID));
	EXPECT_EQ(0, rd(r, VPMSI_REG_CTRL));
	EXPECT_EQ(0, rd(r, VPMSI_REG_ERR_COUNT));
	EXPECT_EQ(0, rd(r, VPMSI_REG_MSI_TOTAL));
	EXPECT_EQ(0, rd(r, VPMSI_REG_LAST_VECTOR));
	EXPECT_EQ(0ull, td_last_msi_ns(r));
	EXPECT_EQ(0, rd(r, VPMSI_REG_SCRATCH));
	EXPECT_EQ(0, rd(r, VPMSI_REG_FIRE));
	for (v = 0; v < VPMSI_NUM_VECTORS; v++) {
		td_get_entry(r, v, &addr, &data);
		if (addr || data || !td_masked(r, v) || td_pending(r, v) ||
		    dcount(r, v))
			break;
	}
	EXPECT_EQ(VPMSI_NUM_VECTORS, v) TH_LOG("vector %d not reset", v);
	/* the held MSI of vector 6 was discarded, not sent */
	quiet();
	EXPECT_EQ(0, th_count(self->c.fd, 6));

	/* a host driver can set the device up again */
	ASSERT_EQ(0, ioctl(self->c.fd, VPMSI_TH_TEARDOWN));
	self->c.nvec = 0;
	ASSERT_EQ(0, th_setup(self->c.fd, NVEC));
	self->c.nvec = NVEC;
	ASSERT_EQ(0, td_fire(r, 6, 1, TMO_MS));
	EXPECT_EQ(1, wait_msi(self->c.fd, 6, 1));
	EXPECT_EQ(1, dcount(r, 6));
}

/*
 * The level line: asserting it raises one interrupt (the host's handler
 * masks the line, as VFIO's automask does); unmasking while it is still
 * asserted raises exactly one more; after deassert an unmask raises none.
 */
TEST_F(host, level_line)
{
	void *r = self->c.regs;
	const unsigned int n = VPMSI_LINE_LEVEL;
	struct vpmsi_th_line l;
	int64_t c0;

	ASSERT_EQ(0, th_get_line(self->c.fd, n, &l));
	ASSERT_EQ(0u, l.masked);
	ASSERT_EQ(0, rd(r, VPMSI_REG_LINE_STATE) & 1u << n);
	c0 = (int64_t)l.count;

	ASSERT_EQ(0, td_line(r, n, VPMSI_LINE_OP_ASSERT, 1, TMO_MS));
	EXPECT_EQ(1u << n, rd(r, VPMSI_REG_LINE_STATE) & 1u << n);
	EXPECT_EQ(c0 + 1, wait_line(self->c.fd, n, c0 + 1));
	quiet();
	ASSERT_EQ(0, th_get_line(self->c.fd, n, &l));
	EXPECT_EQ(c0 + 1, (int64_t)l.count);	/* masked: no interrupt storm */
	EXPECT_EQ(1u, l.masked);

	ASSERT_EQ(0, th_index_ioctl(self->c.fd, VPMSI_TH_LINE_UNMASK, n));
	EXPECT_EQ(c0 + 2, wait_line(self->c.fd, n, c0 + 2));
	quiet();
	ASSERT_EQ(0, th_get_line(self->c.fd, n, &l));
	EXPECT_EQ(c0 + 2, (int64_t)l.count);
	EXPECT_EQ(1u, l.masked);

	ASSERT_EQ(0, td_line(r, n, VPMSI_LINE_OP_DEASSERT, 1, TMO_MS));
	EXPECT_EQ(0, rd(r, VPMSI_REG_LINE_STATE) & 1u << n);
	ASSERT_EQ(0, th_index_ioctl(self->c.fd, VPMSI_TH_LINE_UNMASK, n));
	quiet();
	ASSERT_EQ(0, th_get_line(self->c.fd, n, &l));
	EXPECT_EQ(c0 + 2, (int64_t)l.count);
	EXPECT_EQ(0u, l.masked);
	EXPECT_EQ(0, rd(r, VPMSI_REG_ERR_COUNT));
}

/* The edge line: k pulses, k interrupts. */
TEST_F(host, edge_line)
{
	void *r = self->c.regs;
	const unsigned int n = VPMSI_LINE_EDGE, k = 5;
	int64_t c0;

	c0 = th_line_count(self->c.fd, n);
	ASSERT_LE(0, c0);
	ASSERT_EQ(0, rd(r, VPMSI_REG_LINE_RAISED(n)));

	ASSERT_EQ(0, td_line(r, n, VPMSI_LINE_OP_PULSE, k, TMO_MS));
	EXPECT_EQ(c0 + k, wait_line(self->c.fd, n, c0 + k));
	quiet();
	EXPECT_EQ(c0 + k, th_line_count(self->c.fd, n));
	EXPECT_EQ(k, rd(r, VPMSI_REG_LINE_RAISED(n)));
	EXPECT_EQ(0, rd(r, VPMSI_REG_LINE_STATE) & 1u << n);

	/* ASSERT is a rising edge only if the line was low */
	ASSERT_EQ(0, td_line(r, n, VPMSI_LINE_OP_ASSERT, 1, TMO_MS));
	EXPECT_EQ(1u << n, rd(r, VPMSI_REG_LINE_STATE) & 1u << n);
	EXPECT_EQ(c0 + k + 1, wait_line(self->c.fd, n, c0 + k + 1));
	ASSERT_EQ(0, td_line(r, n, VPMSI_LINE_OP_ASSERT, 1, TMO_MS));
	ASSERT_EQ(0, td_line(r, n, VPMSI_LINE_OP_DEASSERT, 1, TMO_MS));
	EXPECT_EQ(0, rd(r, VPMSI_REG_LINE_STATE) & 1u << n);
	quiet();
	EXPECT_EQ(c0 + k + 1, th_line_count(self->c.fd, n));
	EXPECT_EQ(k + 1, rd(r, VPMSI_REG_LINE_RAISED(n)));
	EXPECT_EQ(0, rd(r, VPMSI_REG_ERR_COUNT));
}

/*
 * LAST_LINE_NS and LAST_LINE stamp a line's rise: a pulse, an ASSERT of a
 * low line; not a level line held high and made pending again after its
 * interrupt was taken (unmask while asserted). A reset clears them.
 */
TEST_F(host, line_timestamp)
{
	void *r = self->c.regs;
	uint64_t t0, t1, ns, edge_ns;
	int64_t c0;

	EXPECT_EQ(0ull, td_rd64(r, VPMSI_REG_LAST_LINE_NS));	/* reset value */

	c0 = th_line_count(self->c.fd, VPMSI_LINE_EDGE);
	ASSERT_LE(0, c0);
	t0 = td_now_ns();
	ASSERT_EQ(0, td_line(r, VPMSI_LINE_EDGE, VPMSI_LINE_OP_PULSE, 1, TMO_MS));
	ASSERT_EQ(c0 + 1, wait_line(self->c.fd, VPMSI_LINE_EDGE, c0 + 1));
	t1 = td_now_ns();
	edge_ns = td_rd64(r, VPMSI_REG_LAST_LINE_NS);
	EXPECT_LE(t0, edge_ns);
	EXPECT_GE(t1, edge_ns);
	EXPECT_EQ(VPMSI_LINE_EDGE, rd(r, VPMSI_REG_LAST_LINE));

	c0 = th_line_count(self->c.fd, VPMSI_LINE_LEVEL);
	ASSERT_LE(0, c0);
	t0 = td_now_ns();
	ASSERT_EQ(0, td_line(r, VPMSI_LINE_LEVEL, VPMSI_LINE_OP_ASSERT, 1, TMO_MS));
	ASSERT_EQ(c0 + 1, wait_line(self->c.fd, VPMSI_LINE_LEVEL, c0 + 1));
	t1 = td_now_ns();
	ns = td_rd64(r, VPMSI_REG_LAST_LINE_NS);
	EXPECT_LE(t0, ns);
	EXPECT_GE(t1, ns);
	EXPECT_LT(edge_ns, ns);
	EXPECT_EQ(VPMSI_LINE_LEVEL, rd(r, VPMSI_REG_LAST_LINE));
	/* held high, delivered again on unmask: the same rise */
	ASSERT_EQ(0, th_index_ioctl(self->c.fd, VPMSI_TH_LINE_UNMASK,
				    VPMSI_LINE_LEVEL));
	ASSERT_EQ(c0 + 2, wait_line(self->c.fd, VPMSI_LINE_LEVEL, c0 + 2));
	EXPECT_EQ(ns, td_rd64(r, VPMSI_REG_LAST_LINE_NS));
	ASSERT_EQ(0, td_line(r, VPMSI_LINE_LEVEL, VPMSI_LINE_OP_DEASSERT, 1, TMO_MS));
	ASSERT_EQ(0, th_index_ioctl(self->c.fd, VPMSI_TH_LINE_UNMASK,
				    VPMSI_LINE_LEVEL));

	ASSERT_EQ(0, td_reset(r, TMO_MS));
	EXPECT_EQ(0ull, td_rd64(r, VPMSI_REG_LAST_LINE_NS));
	EXPECT_EQ(0, rd(r, VPMSI_REG_LAST_LINE));
	/* the host driver sets the device up again, as after reset_clears */
	ASSERT_EQ(0, ioctl(self->c.fd, VPMSI_TH_TEARDOWN));
	self->c.nvec = 0;
	ASSERT_EQ(0, th_setup(self->c.fd, NVEC));
	self->c.nvec = NVEC;
}

/* The host driver's own interface: errors are clean errnos. */
TEST_F(host, host_errors)
{
	uint64_t c[2];
	void *p;
	int fd2;

	EXPECT_EQ(-EBUSY, th_setup(self->c.fd, 1));
	EXPECT_EQ(-EINVAL, th_index_ioctl(self->c.fd, VPMSI_TH_MASK, NVEC));
	EXPECT_EQ(-EINVAL, th_index_ioctl(self->c.fd, VPMSI_TH_LINE_UNMASK,
					  VPMSI_LINE_EDGE));
	EXPECT_EQ(-EINVAL, th_counts(self->c.fd, NVEC - 1, 2, c));
	EXPECT_EQ(-EINVAL, th_counts(self->c.fd, 0, 0, c));
	EXPECT_EQ(-EFAULT, th_counts(self->c.fd, 0, 2, (uint64_t *)8));
	EXPECT_EQ(-1, th_count(self->c.fd, NVEC));
	EXPECT_EQ(-ENOTTY, ioctl(self->c.fd, _IO(VPMSI_TH_MAGIC, 0x7f)) ? -errno : 0);

	/* one opener at a time */
	fd2 = open(TH_PATH, O_RDWR);
	EXPECT_EQ(-1, fd2);
	EXPECT_EQ(EBUSY, errno);
	if (fd2 >= 0)
		close(fd2);

	/* mmap: shared, offset 0, at most the window */
	p = mmap(NULL, VPMSI_WINDOW_SIZE + 4096, PROT_READ, MAP_SHARED,
		 self->c.fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->c.fd, 4096);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, self->c.fd, 0);
	EXPECT_EQ(MAP_FAILED, p);

	ASSERT_EQ(0, ioctl(self->c.fd, VPMSI_TH_TEARDOWN));
	self->c.nvec = 0;
	EXPECT_EQ(-1, ioctl(self->c.fd, VPMSI_TH_TEARDOWN));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, th_setup(self->c.fd, 0));
	EXPECT_EQ(-EINVAL, th_setup(self->c.fd, VPMSI_TH_MAX_VECTORS + 1));
	/* after a teardown the device sends nothing */
	EXPECT_EQ(0, rd(self->c.regs, VPMSI_REG_CTRL) & VPMSI_CTRL_MSI_EN);
	EXPECT_EQ(1, td_masked(self->c.regs, 0));
}

/* ---- every vector fires, for 1, 32 and all 2048 vectors ----------------- */

FIXTURE(vectors) {
	struct th_ctx c;
};

FIXTURE_VARIANT(vectors) {
	unsigned int nvec;
};

FIXTURE_VARIANT_ADD(vectors, one) { .nvec = 1 };
FIXTURE_VARIANT_ADD(vectors, thirty_two) { .nvec = 32 };
FIXTURE_VARIANT_ADD(vectors, all) { .nvec = VPMSI_NUM_VECTORS };

FIXTURE_SETUP(vectors)
{
	unsigned int nvec;
	const char *why;
	int skip;

	/* no more than the MSI controller has for one device (an IMSIC) */
	nvec = variant->nvec;
	if (msi_parent_imsic_ids() && msi_parent_imsic_ids() < nvec)
		nvec = msi_parent_imsic_ids();
	why = th_ctx_init(&self->c, nvec, &skip);
	if (why && skip)
		SKIP(return, "%s", why);
	ASSERT_EQ(NULL, why) TH_LOG("%s", why);
}

FIXTURE_TEARDOWN(vectors)
{
	th_ctx_fini(&self->c);
}

/* Every vector fires once and is counted by the device and by the host. */
TEST_F_TIMEOUT(vectors, every_vector_fires, 300)
{
	void *r = self->c.regs;
	unsigned int n = self->c.nvec, v, missing = 0;
	uint64_t *c, end;

	c = calloc(n, sizeof(*c));
	ASSERT_NE(NULL, c);
	for (v = 0; v < n; v++) {
		ASSERT_EQ(0, td_fire(r, v, 1, TMO_MS)) TH_LOG("vector %u", v);
		ASSERT_EQ(1, dcount(r, v)) TH_LOG("vector %u", v);
	}
	EXPECT_EQ(n, rd(r, VPMSI_REG_MSI_TOTAL));
	EXPECT_EQ(0, rd(r, VPMSI_REG_ERR_COUNT));

	end = td_now_ns() + TMO_MS * 1000000ull;
	do {
		ASSERT_EQ(0, th_counts(self->c.fd, 0, n, c));
		for (missing = 0, v = 0; v < n; v++)
			missing += !c[v];
		if (missing)
			td_relax();
	} while (missing && td_now_ns() < end);
	EXPECT_EQ(0u, missing);

	quiet();
	ASSERT_EQ(0, th_counts(self->c.fd, 0, n, c));
	for (v = 0; v < n; v++) {
		if (c[v] != 1) {
			EXPECT_EQ(1, (int64_t)c[v]) TH_LOG("vector %u", v);
			break;
		}
	}
	free(c);
}

TEST_HARNESS_MAIN
