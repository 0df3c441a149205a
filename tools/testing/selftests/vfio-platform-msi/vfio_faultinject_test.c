// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi under allocation failures (failslab, fail_page_alloc).
 *
 * Three paths, each for both fault types (the fixture's variants):
 *
 *  - open: the whole open path (container, group, IOMMU, GET_DEVICE_FD,
 *    GET_INFO);
 *  - wired: VFIO_DEVICE_SET_IRQS on the wired lines (trigger eventfd on
 *    both lines, unmask eventfd on the level line);
 *  - msi: asking for the MSIs (VFIO_PLATFORM_MSI_FEATURE_MSI), which
 *    allocates the whole block, then the first TRIGGER | EVENTFD on the
 *    MSI index, with a few vectors. The plug-in offers a block of
 *    FI_MSI_BLOCK vectors meanwhile (its msi_nvec): every vector takes the
 *    same allocations, and a 2048-vector block makes each injection point
 *    cost seconds under KASAN.
 *
 * Every failure must give a clean result: success, or an errno from
 * msi_errno_ok(). A splat or a kmemleak report fails the run (vm-run).
 * After every failure the device must still work: the same request
 * without injection succeeds and its interrupt arrives; every few failures
 * and at the end of each test, a fresh open, enable vector 0, fire it from
 * the device model, receive the event, close, and no "vfio-msi" line is
 * left in /proc/interrupts.
 *
 * Injection is confined to this task and to the call under test:
 * task-filter=Y, and /proc/self/make-it-fail is 1 only around the call.
 * Two ways to pick the failing allocation:
 *
 *  - "nth": /proc/thread-self/fail-nth = N fails exactly the Nth
 *    allocation that the fault type's filters let through. A first pass
 *    with a huge N counts the allocations of the path (T); then N runs
 *    over 1..NTH_DENSE and NTH_SPREAD points spread up to T + 1.
 *    The other fault type is filtered out meanwhile (failslab
 *    cache-filter=Y, or fail_page_alloc min-order above any order).
 *  - "classic": probability=100, times=1, and "space" skipping a few
 *    bytes (failslab) or pages (fail_page_alloc) first.
 *
 * Every knob is saved in the setup and restored in the teardown. Without
 * the fault-injection debugfs (stock kernels) the tests SKIP.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vpm_harness.h"
#include "msi.h"

#define FI_DEBUGFS		"/sys/kernel/debug"
#define FI_SLAB			"failslab"
#define FI_PAGE			"fail_page_alloc"
#define FI_MAKE_IT_FAIL		"/proc/self/make-it-fail"
#define FI_FAIL_NTH		"/proc/thread-self/fail-nth"

#define FI_COUNT_NTH		100000000u	/* "never": counts the path */
#define NTH_DENSE		12	/* every allocation up to this one */
#define NTH_SPREAD		12	/* then this many points up to T */
#define VERIFY_EVERY		8	/* full check every n-th failure */
#define MSI_NVEC		4	/* vectors enabled by the MSI path */
#define FI_MSI_BLOCK		32	/* vectors the plug-in offers meanwhile */
#define FI_MIN_ORDER_OFF	"64"	/* above any page order */
#define FI_TEST_SECS		900

/* The knobs we touch, saved and restored; "" = not present */
static const char * const fi_knobs[] = {
	"probability", "interval", "times", "space", "verbose", "task-filter",
	"ignore-gfp-wait", "cache-filter", "min-order",
};

#define FI_NKNOBS	ARRAY_SIZE(fi_knobs)

struct fi_attr {
	const char *dir;
	char saved[FI_NKNOBS][32];
	bool have[FI_NKNOBS];
};

enum fi_how { FI_NTH, FI_CLASSIC };

FIXTURE(fi) {
	struct fi_attr attr[2];		/* [0] failslab, [1] fail_page_alloc */
	int target;			/* index into attr */
	unsigned int saved_nvec;	/* the plug-in's msi_nvec */
	bool nvec_set;			/* ... to restore */
	int mif_fd;			/* /proc/self/make-it-fail */
	int nth_fd;			/* /proc/thread-self/fail-nth, or -1 */
	bool armed_knobs;		/* knobs changed: restore them */
	int efd[MSI_NVEC];
	unsigned int runs, injected, absorbed, failures;
	unsigned int errs[256];		/* errno histogram */
};

FIXTURE_VARIANT(fi) {
	int target;
};

FIXTURE_VARIANT_ADD(fi, failslab) {
	.target = 0,
};

FIXTURE_VARIANT_ADD(fi, fail_page_alloc) {
	.target = 1,
};

static int fi_path(char *buf, size_t len, const struct fi_attr *a,
		   const char *knob)
{
	int n = snprintf(buf, len, "%s/%s/%s", FI_DEBUGFS, a->dir, knob);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int fi_set(struct fi_attr *a, const char *knob, const char *val)
{
	char path[128];
	int ret;

	ret = fi_path(path, sizeof(path), a, knob);
	if (ret)
		return ret;
	return msi_write_str(path, val);
}

static int fi_get_long(struct fi_attr *a, const char *knob, long *val)
{
	char path[128], buf[32], *end;
	int ret;

	ret = fi_path(path, sizeof(path), a, knob);
	if (!ret)
		ret = msi_read_line(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*val = strtol(buf, &end, 0);
	return errno || end == buf ? -EINVAL : 0;
}

/* Write a number to a pre-opened proc file (no allocation on our side) */
static int fi_put_fd(int fd, unsigned long val)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%lu", val);

	if (pwrite(fd, buf, n, 0) != n)
		return -errno;
	return 0;
}

static long fi_get_fd(int fd)
{
	char buf[24];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* The global knobs back as they were: any process may do it */
static void fi_restore_knobs(FIXTURE_DATA(fi) *self)
{
	unsigned int i, k;

	if (!self->armed_knobs)
		return;
	for (i = 0; i < 2; i++)
		for (k = 0; k < FI_NKNOBS; k++)
			if (self->attr[i].have[k])
				fi_set(&self->attr[i], fi_knobs[k],
				       self->attr[i].saved[k]);
	self->armed_knobs = false;
}

/* ... and this task's own (make-it-fail, fail-nth) */
static void fi_restore(FIXTURE_DATA(fi) *self)
{
	if (self->mif_fd >= 0)
		fi_put_fd(self->mif_fd, 0);
	if (self->nth_fd >= 0)
		fi_put_fd(self->nth_fd, 0);
	fi_restore_knobs(self);
}

/*
 * Base configuration: nothing fails by itself (probability 0), only this
 * task can fail, and the target type sees sleeping allocations of any
 * order while the other type sees none at all (so fail-nth counts only
 * the target's allocations).
 */
static int fi_configure(FIXTURE_DATA(fi) *self)
{
	struct fi_attr *slab = &self->attr[0], *page = &self->attr[1];
	bool on_slab = self->target == 0;
	int ret = 0;
	int i;

	self->armed_knobs = true;
	for (i = 0; i < 2 && !ret; i++) {
		struct fi_attr *a = &self->attr[i];

		ret = fi_set(a, "probability", "0") ?:
		      fi_set(a, "interval", "1") ?:
		      fi_set(a, "times", "1") ?:
		      fi_set(a, "space", "0") ?:
		      fi_set(a, "verbose", "1") ?:
		      fi_set(a, "task-filter", "Y") ?:
		      fi_set(a, "ignore-gfp-wait", "N");
	}
	if (ret)
		return ret;
	return fi_set(slab, "cache-filter", on_slab ? "N" : "Y") ?:
	       fi_set(page, "min-order", on_slab ? FI_MIN_ORDER_OFF : "0");
}

FIXTURE_SETUP(fi)
{
	const char *why = vfio_dev_env_missing();
	char path[128];
	unsigned int i, k;
	int ret;

	memset(self, 0, sizeof(*self));
	self->mif_fd = -1;
	self->nth_fd = -1;
	for (i = 0; i < MSI_NVEC; i++)
		self->efd[i] = -1;
	self->target = variant->target;
	self->attr[0].dir = FI_SLAB;
	self->attr[1].dir = FI_PAGE;
	if (why)
		SKIP(return, "%s", why);

	for (i = 0; i < 2; i++) {
		struct fi_attr *a = &self->attr[i];

		for (k = 0; k < FI_NKNOBS; k++) {
			ASSERT_EQ(0, fi_path(path, sizeof(path), a,
					     fi_knobs[k]));
			a->have[k] = !msi_read_line(path, a->saved[k],
					      sizeof(a->saved[k]));
		}
		/* probability, ..., ignore-gfp-wait are common to both */
		for (k = 0; k <= 6; k++)
			if (!a->have[k])
				SKIP(return,
				     "no %s/%s/%s: kernel without FAULT_INJECTION_DEBUG_FS or %s",
				     FI_DEBUGFS, a->dir, fi_knobs[k],
				     i ? "FAIL_PAGE_ALLOC" : "FAILSLAB");
	}
	if (!self->attr[0].have[7] || !self->attr[1].have[8])
		SKIP(return, "no failslab/cache-filter or fail_page_alloc/min-order");

	self->mif_fd = open(FI_MAKE_IT_FAIL, O_RDWR | O_CLOEXEC);
	if (self->mif_fd < 0)
		SKIP(return, "no %s: %s", FI_MAKE_IT_FAIL,
		     vd_errno_name(errno));
	self->nth_fd = open(FI_FAIL_NTH, O_RDWR | O_CLOEXEC);

	ret = msi_plugin_nvec_get(&self->saved_nvec);
	if (ret == -ENOENT)
		SKIP(return, "no %s: plug-in not loaded", MSI_NVEC_PARAM);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", MSI_NVEC_PARAM, vd_errno_name(-ret));
	ASSERT_EQ(0, msi_plugin_nvec_set(FI_MSI_BLOCK));
	self->nvec_set = true;

	/* The MSI index in device mode must be there */
	{
		struct msi_dev md;

		ret = msi_dev_open(&md, MSI_MODE_DEVICE);
		if (ret == -ENODEV || ret == -EOPNOTSUPP)
			SKIP(return, "%s", md.why);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", md.why, vd_errno_name(-ret));
		msi_dev_close(&md);
	}
	ASSERT_EQ(MSI_NVEC, msi_efds_create(self->efd, MSI_NVEC));
	ASSERT_EQ(0, fi_configure(self));
}

/*
 * In the parent, after the test (lib/vpm_harness.h): fault injection left
 * armed would fail whatever runs next. make-it-fail and fail-nth were the
 * test's task's, gone with it.
 */
FIXTURE_TEARDOWN_PARENT(fi)
{
	fi_restore_knobs(self);
	msi_mode_restore();
	if (self->nvec_set)
		msi_plugin_nvec_set(self->saved_nvec);
}

/*
 * Arm: N-th allocation (FI_NTH) or "skip @n bytes/pages, then fail the
 * next one" (FI_CLASSIC). The call under test runs between fi_arm() and
 * fi_disarm(), which returns 1 if a failure was injected, 0 if not, the
 * number of allocations seen for FI_COUNT_NTH, or -errno.
 */
static int fi_arm(FIXTURE_DATA(fi) *self, enum fi_how how, unsigned long n)
{
	struct fi_attr *a = &self->attr[self->target];
	char buf[24];
	int ret;

	if (how == FI_CLASSIC) {
		snprintf(buf, sizeof(buf), "%lu", n);
		ret = fi_set(a, "space", buf) ?:
		      fi_set(a, "times", "1") ?:
		      fi_set(a, "probability", "100");
		if (ret)
			return ret;
	}
	ret = fi_put_fd(self->mif_fd, 1);
	if (!ret && how == FI_NTH)
		ret = fi_put_fd(self->nth_fd, n);
	return ret;
}

static long fi_disarm(FIXTURE_DATA(fi) *self, enum fi_how how,
		      unsigned long n)
{
	struct fi_attr *a = &self->attr[self->target];
	long left = 0;
	int ret;

	if (how == FI_NTH) {
		left = fi_get_fd(self->nth_fd);
		ret = fi_put_fd(self->nth_fd, 0);
		if (!ret)
			ret = fi_put_fd(self->mif_fd, 0);
		if (ret || left < 0)
			return ret ?: left;
		if (n == FI_COUNT_NTH)
			return (long)(n - left);
		return left == 0;
	}
	/* make-it-fail off first: reading debugfs allocates */
	ret = fi_put_fd(self->mif_fd, 0) ?:
	      fi_set(a, "probability", "0");
	if (!ret)
		ret = fi_get_long(a, "times", &left);
	if (!ret)
		ret = fi_set(a, "space", "0") ?: fi_set(a, "times", "1");
	return ret ?: left == 0;
}

/* The errnos an allocation failure may turn into */
static bool msi_errno_ok(int err)
{
	switch (err) {
	case ENOMEM: case EFAULT: case EINVAL: case ENOSPC: case EIO:
	case EBUSY: case ENODEV: case ENXIO: case ENOENT: case EAGAIN:
	case EMFILE: case ENFILE:
		return true;
	}
	return false;
}

/* Fresh open, vector 0 enabled and fired, event, close, no leftover */
static int fi_verify_full(struct __test_metadata *_metadata,
			  FIXTURE_DATA(fi) *self)
{
	struct msi_dev md;
	uint64_t v = 0;
	int ret;

	ret = msi_dev_open(&md, MSI_MODE_DEVICE);
	EXPECT_EQ(0, ret) TH_LOG("open after injection: %s: %s", md.why,
				 vd_errno_name(-ret));
	if (ret)
		return ret;
	efd_drain(self->efd[0]);
	ret = msi_enable(&md, 0, self->efd[0]);
	EXPECT_EQ(0, ret) TH_LOG("enable vector 0: %s", vd_errno_name(-ret));
	if (!ret) {
		ret = msi_fire(&md, 0);
		EXPECT_EQ(0, ret) TH_LOG("td_fire: %s", vd_errno_name(-ret));
	}
	if (!ret) {
		ret = efd_wait(self->efd[0], VD_EVENT_MS, &v);
		EXPECT_EQ(1, ret) TH_LOG("no MSI event after injection");
		ret = ret == 1 ? 0 : -ETIMEDOUT;
	}
	msi_dev_close(&md);
	EXPECT_EQ(0, msi_proc_interrupts_count(MSI_IRQ_NAME))
		TH_LOG("\"%s\" left in /proc/interrupts", MSI_IRQ_NAME);
	return ret;
}

/* Account one run; false if its result is not clean */
static bool fi_account(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fi) *self, const char *what,
		       unsigned long n, long injected, int ret)
{
	self->runs++;
	if (!injected) {
		EXPECT_EQ(0, ret) TH_LOG("%s, no fault injected (n=%lu): %s",
					 what, n, vd_errno_name(-ret));
		return !ret;
	}
	self->injected++;
	if (!ret) {
		self->absorbed++;
		return true;
	}
	self->errs[-ret & 0xff]++;
	EXPECT_TRUE(msi_errno_ok(-ret))
		TH_LOG("%s, fault %lu: unexpected %s", what, n,
		       vd_errno_name(-ret));
	return msi_errno_ok(-ret);
}

static void fi_summary(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fi) *self, const char *what)
{
	char buf[512];
	size_t off = 0;
	unsigned int e;

	buf[0] = '\0';
	for (e = 1; e < ARRAY_SIZE(self->errs); e++)
		if (self->errs[e] && off < sizeof(buf))
			off += snprintf(buf + off, sizeof(buf) - off, " %s:%u",
					vd_errno_name(e), self->errs[e]);
	TH_LOG("%s/%s: %u runs, %u faults injected, %u absorbed (success), errors:%s",
	       what, self->attr[self->target].dir, self->runs, self->injected,
	       self->absorbed, off ? buf : " none");
}

/* One operation under test, in three steps */
struct fi_op {
	const char *name;
	/* before arming: open what the call needs (no injection) */
	int (*prepare)(FIXTURE_DATA(fi) *self, struct msi_dev *md);
	/* the call under test */
	int (*call)(FIXTURE_DATA(fi) *self, struct msi_dev *md);
	/* after disarming: the device works; closes what prepare opened */
	int (*check)(struct __test_metadata *_metadata,
		     FIXTURE_DATA(fi) *self, struct msi_dev *md, int ret);
};

/*
 * Run @op with the fault picked by @how and @n. Returns the result of
 * fi_disarm() (1: a fault was injected), or -1 if something was not
 * clean (already reported).
 */
static long fi_run(struct __test_metadata *_metadata, FIXTURE_DATA(fi) *self,
		   const struct fi_op *op, enum fi_how how, unsigned long n)
{
	struct msi_dev md;
	long injected;
	bool clean;
	int ret;

	memset(&md, 0, sizeof(md));
	vfio_dev_init(&md.vd);
	ret = op->prepare(self, &md);
	EXPECT_EQ(0, ret) TH_LOG("%s: prepare: %s", op->name,
				 vd_errno_name(-ret));
	if (ret)
		return -1;
	ret = fi_arm(self, how, n);
	if (!ret)
		ret = op->call(self, &md);
	injected = fi_disarm(self, how, n);
	EXPECT_LE(0, injected) TH_LOG("cannot disarm: %s",
				      vd_errno_name((int)-injected));
	if (injected < 0) {
		op->check(_metadata, self, &md, -EIO);
		return -1;
	}
	if (how == FI_NTH && n == FI_COUNT_NTH) {
		EXPECT_EQ(0, ret) TH_LOG("%s: counting run: %s", op->name,
					 vd_errno_name(-ret));
		clean = !ret;
	} else {
		clean = fi_account(_metadata, self, op->name, n,
				   injected, ret);
	}
	if (op->check(_metadata, self, &md, ret))
		clean = false;
	if (!clean)
		return -1;
	if (injected == 1 && ret && !(self->failures++ % VERIFY_EVERY) &&
	    fi_verify_full(_metadata, self))
		return -1;
	return injected;
}

static void fi_sweep(struct __test_metadata *_metadata, FIXTURE_DATA(fi) *self,
		     const struct fi_op *op)
{
	static const unsigned long space_slab[] = { 0, 64, 512, 4096 };
	static const unsigned long space_page[] = { 0, 1, 2, 8 };
	const unsigned long *space = self->target ? space_page : space_slab;
	unsigned long total, n, last = 0;
	unsigned int i;
	long r;

	/* Classic knobs: probability 100, times 1, after "space" */
	for (i = 0; i < ARRAY_SIZE(space_slab); i++)
		if (fi_run(_metadata, self, op, FI_CLASSIC, space[i]) < 0)
			goto out;

	if (self->nth_fd < 0) {
		TH_LOG("no %s: classic knobs only", FI_FAIL_NTH);
		goto out;
	}
	r = fi_run(_metadata, self, op, FI_NTH, FI_COUNT_NTH);
	if (r < 0)
		goto out;
	total = r;
	TH_LOG("%s: %lu %s allocations on the path", op->name, total,
	       self->attr[self->target].dir);
	for (i = 1; ; i++) {
		if (i <= NTH_DENSE)
			n = i;
		else
			n = NTH_DENSE + (total + 1 - NTH_DENSE) *
			    (i - NTH_DENSE) / NTH_SPREAD;
		if (n > total + 1 || i > NTH_DENSE + NTH_SPREAD)
			break;
		if (n == last)
			continue;
		last = n;
		r = fi_run(_metadata, self, op, FI_NTH, n);
		if (r < 0)
			goto out;
	}
out:
	fi_summary(_metadata, self, op->name);
	fi_restore(self);
	EXPECT_EQ(0, fi_verify_full(_metadata, self));
	/* A path that never allocates this way has nothing to test */
	if (!self->injected && !_metadata->exit_code)
		SKIP(return, "no %s allocation on the %s path",
		     self->attr[self->target].dir, op->name);
}

/* ---- open: the whole open path ---- */

static int open_prepare(FIXTURE_DATA(fi) *self, struct msi_dev *md)
{
	return 0;
}

static int open_call(FIXTURE_DATA(fi) *self, struct msi_dev *md)
{
	return vfio_dev_open(&md->vd);
}

static int open_check(struct __test_metadata *_metadata,
		      FIXTURE_DATA(fi) *self, struct msi_dev *md, int ret)
{
	vfio_dev_close(&md->vd);
	return 0;
}

static const struct fi_op op_open = {
	.name = "open", .prepare = open_prepare, .call = open_call,
	.check = open_check,
};

/* ---- wired: SET_IRQS on the wired lines ---- */

static int wired_prepare(FIXTURE_DATA(fi) *self, struct msi_dev *md)
{
	int ret = msi_dev_open(md, MSI_MODE_DEVICE);

	efd_drain(self->efd[0]);
	efd_drain(self->efd[1]);
	return ret;
}

static int wired_call(FIXTURE_DATA(fi) *self, struct msi_dev *md)
{
	int fd = md->vd.device;

	return vfio_irq_set_trigger(fd, VD_IRQ_EDGE, self->efd[0]) ?:
	       vfio_irq_set_trigger(fd, VD_IRQ_LEVEL, self->efd[1]) ?:
	       vfio_irq_action(fd, VD_IRQ_LEVEL, VFIO_IRQ_SET_ACTION_UNMASK,
			       VFIO_IRQ_SET_DATA_EVENTFD, self->efd[2]);
}

/* The same requests again, then both lines deliver */
static int wired_check(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fi) *self, struct msi_dev *md, int ret)
{
	int fd = md->vd.device;
	uint64_t v = 0;

	/* a second unmask eventfd is EBUSY: remove the one set, if any */
	vfio_irq_action(fd, VD_IRQ_LEVEL, VFIO_IRQ_SET_ACTION_UNMASK,
			VFIO_IRQ_SET_DATA_EVENTFD, -1);
	ret = wired_call(self, md);
	EXPECT_EQ(0, ret) TH_LOG("wired SET_IRQS after injection: %s",
				 vd_errno_name(-ret));
	if (!ret) {
		ret = td_line(md->regs, VPMSI_LINE_EDGE, VPMSI_LINE_OP_PULSE, 1,
			      VD_DEV_MS);
		EXPECT_EQ(0, ret) TH_LOG("pulse: %s", vd_errno_name(-ret));
	}
	if (!ret) {
		ret = efd_wait(self->efd[0], VD_EVENT_MS, &v) == 1 ? 0 :
		      -ETIMEDOUT;
		EXPECT_EQ(0, ret) TH_LOG("no edge event after injection");
	}
	if (!ret) {
		ret = vfio_irq_loopback(fd, VD_IRQ_LEVEL);
		EXPECT_EQ(0, ret) TH_LOG("loopback: %s", vd_errno_name(-ret));
	}
	if (!ret) {
		ret = efd_wait(self->efd[1], VD_EVENT_MS, &v) == 1 ? 0 :
		      -ETIMEDOUT;
		EXPECT_EQ(0, ret) TH_LOG("no level loopback event");
	}
	vfio_irq_disable(fd, VD_IRQ_EDGE);
	vfio_irq_disable(fd, VD_IRQ_LEVEL);
	msi_dev_close(md);
	return ret;
}

static const struct fi_op op_wired = {
	.name = "wired", .prepare = wired_prepare, .call = wired_call,
	.check = wired_check,
};

/* ---- msi: asking for the MSIs allocates the block, then enable ---- */

static int msi_prepare(FIXTURE_DATA(fi) *self, struct msi_dev *md)
{
	unsigned int i;

	for (i = 0; i < MSI_NVEC; i++)
		efd_drain(self->efd[i]);
	return msi_dev_open_legacy(md, MSI_MODE_DEVICE);
}

/* Asking again for the same count is a no-op once it succeeded */
static int msi_call(FIXTURE_DATA(fi) *self, struct msi_dev *md)
{
	return msi_dev_opt_in(md, 0) ?:
	       msi_set_fds(md->vd.device, md->index,
			   VFIO_IRQ_SET_ACTION_TRIGGER, 0, MSI_NVEC, self->efd);
}

/* Enable again (after a failure), fire the last vector, close, no leak */
static int msi_check(struct __test_metadata *_metadata,
		     FIXTURE_DATA(fi) *self, struct msi_dev *md, int ret)
{
	uint64_t v = 0;
	long lines;

	if (ret) {
		ret = msi_call(self, md);
		EXPECT_EQ(0, ret) TH_LOG("MSI enable after injection: %s",
					 vd_errno_name(-ret));
	}
	if (!ret) {
		ret = msi_fire(md, MSI_NVEC - 1);
		EXPECT_EQ(0, ret) TH_LOG("td_fire: %s", vd_errno_name(-ret));
	}
	if (!ret) {
		ret = efd_wait(self->efd[MSI_NVEC - 1], VD_EVENT_MS, &v) == 1 ?
		      0 : -ETIMEDOUT;
		EXPECT_EQ(0, ret) TH_LOG("no MSI event after injection");
	}
	msi_dev_close(md);
	lines = msi_proc_interrupts_count(MSI_IRQ_NAME);
	EXPECT_EQ(0, lines) TH_LOG("%ld \"%s\" lines left after close",
				   lines, MSI_IRQ_NAME);
	return ret ?: (lines ? -EBUSY : 0);
}

static const struct fi_op op_msi = {
	.name = "msi", .prepare = msi_prepare, .call = msi_call,
	.check = msi_check,
};

TEST_F_TIMEOUT(fi, open, FI_TEST_SECS)
{
	fi_sweep(_metadata, self, &op_open);
}

TEST_F_TIMEOUT(fi, wired_set_irqs, FI_TEST_SECS)
{
	fi_sweep(_metadata, self, &op_wired);
}

TEST_F_TIMEOUT(fi, msi_alloc, FI_TEST_SECS)
{
	fi_sweep(_metadata, self, &op_msi);
}

TEST_HARNESS_MAIN
