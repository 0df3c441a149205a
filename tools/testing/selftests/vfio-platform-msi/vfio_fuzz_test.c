// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: a seeded, reproducible fuzzer of the device fd.
 *
 * Every iteration draws one operation from a private PRNG (xorshift64*):
 * VFIO_DEVICE_GET_INFO, GET_REGION_INFO, GET_IRQ_INFO, SET_IRQS, RESET,
 * unknown ioctls, pread/pwrite, mmap/munmap, the device model firing MSIs
 * and driving its lines, and now and then a close and reopen of the device.
 * Arguments are drawn from interesting values: argsz around the structure
 * sizes and huge, indexes and ranges around the limits, every flag
 * combination, user buffers that end in a guard page, kernel and NULL
 * pointers, and for the fds of SET_IRQS eventfds, -1, other negative
 * numbers, closed fds, O_PATH fds and open files that are no eventfd.
 *
 * Each call's result is predicted, not merely bounded: the fuzzer models
 * what Documentation/uapi.rst and upstream VFIO say (including which bytes
 * the kernel must read and write, the precedence of the checks and the
 * virqfds attached to each vector) and fails on the first call whose
 * return value differs, printing the seed and the iteration. A run is
 * reproduced with the same VPM_FUZZ_SEED and VPM_FUZZ_ITERS; interrupts are
 * asynchronous, so only the calls are replayed exactly, not the timing.
 *
 * Environment:
 *   VPM_FUZZ_SEED   PRNG seed (default FUZZ_SEED, so that make check is
 *                   reproducible; scripts/fuzz-soak picks new ones)
 *   VPM_FUZZ_ITERS  iterations over all variants (default FUZZ_ITERS)
 *   VPM_FUZZ_SECONDS  wall-clock cap of the whole run (default FUZZ_SECONDS)
 *
 * The kernel log is checked for splats by scripts/vm-run. After the run,
 * the device is reopened and must still deliver an MSI and an edge.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vpm_harness.h"
#include "msi.h"

#define FUZZ_SEED	0x5eed2026ull	/* default seed: make check is reproducible */
#define FUZZ_ITERS	60000	/* default budget, all variants together */
#define FUZZ_SECONDS	150	/* default wall-clock cap */
#define AREA_PAGES	16	/* user buffer before the guard page */
#define POOL		6	/* eventfds handed to the kernel */
#define NMAPS		8	/* fuzz mappings kept alive at once */
#define MAX_VEC		2048
#define SET_HDR		((uint32_t)offsetof(struct vfio_irq_set, data))
#define PULSE_US	"2000"	/* model's pulse timeout during the run */
#define PULSE_PARAM	"/sys/module/vpmsi_testdev/parameters/pulse_timeout_us"
/*
 * Control registers a pwrite must leave alone: CTRL .. LINE_CMD, and
 * POWER (its driver's, the plug-in's: a device turned off behind the
 * driver's back runs no mailbox)
 */
#define CTRL_LO		VPMSI_REG_CTRL
#define CTRL_HI		(VPMSI_REG_LINE_CMD + 4)

static bool kept_reg(uint64_t r)
{
	return (r >= CTRL_LO && r < CTRL_HI) ||
	       (r >= VPMSI_REG_POWER && r < VPMSI_REG_POWER + 4);
}

#define GEN_VECTORS	64	/* vectors asked for in generic mode */

/* What an fd in SET_IRQS data is, for the prediction */
enum fd_kind {
	FK_EVENTFD,	/* an eventfd of the pool */
	FK_NONE,	/* -1 */
	FK_NEG,		/* another negative number */
	FK_BADF,	/* no open file, or an O_PATH one */
	FK_OTHER,	/* an open file that is not an eventfd */
};

enum op {
	OP_INFO, OP_REGION, OP_IRQ_INFO, OP_SET_IRQS, OP_RESET, OP_UNKNOWN,
	OP_READ, OP_WRITE, OP_MMAP, OP_FIRE, OP_LINE, OP_REOPEN, NR_OPS
};

static const char * const op_names[NR_OPS] = {
	"GET_INFO", "GET_REGION_INFO", "GET_IRQ_INFO", "SET_IRQS", "RESET",
	"unknown ioctl", "pread", "pwrite", "mmap", "fire", "line", "reopen",
};

/* Per mille of the iterations */
static const unsigned int op_weight[NR_OPS] = {
	60, 60, 130, 390, 15, 60, 80, 70, 50, 50, 33, 2,
};

struct fz_map {
	void *p;
	size_t len;
};

struct fz {
	struct msi_dev md;
	const char *mode;
	uint64_t seed;
	uint64_t rng;
	unsigned long iter;
	unsigned long iters;
	uint64_t deadline_ns;
	long page;
	uint8_t *area;		/* AREA_PAGES pages, then a guard page */
	uint8_t *area_end;	/* the guard page */
	int pool[POOL];
	int nullfd, pipefd[2], pathfd, closedfd;
	uint32_t nirqs;		/* visible IRQ indexes */
	uint32_t nvec;
	uint32_t full[VD_NUM_WIRED + 1];	/* GET_IRQ_INFO size with chain */
	bool vmask[MAX_VEC], vunmask[MAX_VEC];	/* MSI virqfds attached */
	bool wmask[VD_NUM_WIRED], wunmask[VD_NUM_WIRED];
	struct fz_map maps[NMAPS];
	bool good;		/* this call is well formed */
	unsigned int op;	/* the operation running */
	unsigned long calls[NR_OPS], ok[NR_OPS];
	unsigned long efault, einval, enotty, ebadf, ebusy;
	char msg[512];
};

/* ---------------------------------------------------------------- PRNG */

static uint64_t rnd(struct fz *f)
{
	uint64_t x = f->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	f->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static uint64_t below(struct fz *f, uint64_t n)
{
	return n ? rnd(f) % n : 0;
}

static bool chance(struct fz *f, unsigned int percent)
{
	return below(f, 100) < percent;
}

/* A 32-bit value near a boundary of interest, or anything */
static uint32_t pick_u32(struct fz *f, uint32_t hint)
{
	static const uint32_t vals[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 19, 20, 23, 24, 25, 31, 32,
		33, 47, 48, 63, 64, 255, 256, 4095, 4096, 0x7fffffff,
		0x80000000u, 0xfffffffeu, 0xffffffffu,
	};

	switch (below(f, 4)) {
	case 0:
		return vals[below(f, ARRAY_SIZE(vals))];
	case 1:
		return hint + (uint32_t)below(f, 5) - 2;
	case 2:
		return (uint32_t)rnd(f);
	default:
		return (uint32_t)below(f, hint + 8);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static const char *res(long r)
{
	static char buf[32];

	if (r >= 0) {
		snprintf(buf, sizeof(buf), "%ld", r);
		return buf;
	}
	return vd_errno_name((int)-r);
}

static bool fail(struct fz *f, const char *fmt, ...) __printf(2, 3);

static bool fail(struct fz *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(f->msg, sizeof(f->msg),
		     "seed 0x%llx iteration %lu (mode %s): ",
		     (unsigned long long)f->seed, f->iter, f->mode);
	va_start(ap, fmt);
	vsnprintf(f->msg + n, sizeof(f->msg) - n, fmt, ap);
	va_end(ap);
	return false;
}

/* Compare a result with the prediction; count errnos */
static bool expect(struct fz *f, long want, long got, const char *what)
{
	switch (-got) {
	case EFAULT:
		f->efault++;
		break;
	case EINVAL:
		f->einval++;
		break;
	case ENOTTY:
		f->enotty++;
		break;
	case EBADF:
		f->ebadf++;
		break;
	case EBUSY:
		f->ebusy++;
		break;
	}
	if (got >= 0)
		f->ok[f->op]++;
	if (want == got)
		return true;
	char w[32];

	snprintf(w, sizeof(w), "%s", res(want));
	return fail(f, "%s: expected %s, got %s", what, w, res(got));
}

/* --------------------------------------------------------- user memory */

/*
 * Where to put an argument the kernel may touch @len bytes of. Returns the
 * pointer and in *avail how many bytes from it are accessible: all of
 * them, a cut-off prefix (the rest is in the guard page), none (NULL, the
 * guard page, a kernel address).
 */
static uint8_t *place(struct fz *f, size_t len, size_t *avail)
{
	size_t room = f->area_end - f->area;
	uint8_t *p;

	switch (f->good ? 19 : below(f, 20)) {
	case 0:
		*avail = 0;
		return NULL;
	case 1:
		*avail = 0;
		return (uint8_t *)0xffff000000001000ull;	/* kernel */
	case 2:
		*avail = 0;
		return f->area_end + below(f, f->page);
	case 3: case 4: case 5:
		/* cut short by the guard page */
		*avail = below(f, len < room ? len : room);
		return f->area_end - *avail;
	default:
		if (len + 64 > room)
			p = f->area;
		else
			p = f->area_end - len - below(f, 64);
		*avail = f->area_end - p;
		return p;
	}
}

/* Copy @len bytes of @src to @dst, but no more than @avail */
static void put(uint8_t *dst, size_t avail, const void *src, size_t len)
{
	if (dst && avail)
		memcpy(dst, src, len < avail ? len : avail);
}

#define SENTINEL	0xa5

/* The accessible bytes from @p + @from to @p + @to still hold SENTINEL */
static bool untouched(const uint8_t *p, size_t avail, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to && i < avail; i++)
		if (p[i] != SENTINEL)
			return false;
	return true;
}

/* ------------------------------------------------------------- ioctls */

static bool op_info(struct fz *f)
{
	struct vfio_device_info in = { 0 }, *out;
	const size_t minsz = 16;
	size_t avail;
	uint8_t *p;
	long want, got;

	in.argsz = pick_u32(f, sizeof(in));
	p = place(f, sizeof(in) + 16, &avail);
	if (avail)
		memset(p, SENTINEL, avail < 64 ? avail : 64);
	put(p, avail, &in, sizeof(in.argsz));

	want = avail < minsz ? -EFAULT : in.argsz < minsz ? -EINVAL : 0;
	got = ioctl(f->md.vd.device, VFIO_DEVICE_GET_INFO, p) ? -errno : 0;
	if (!expect(f, want, got, "GET_INFO"))
		return false;
	if (got)
		return true;
	out = (void *)p;
	if (out->flags != (VFIO_DEVICE_FLAGS_PLATFORM | VFIO_DEVICE_FLAGS_RESET) ||
	    out->num_regions != VD_NUM_REGIONS || out->num_irqs != f->nirqs)
		return fail(f, "GET_INFO: flags 0x%x, %u regions, %u irqs",
			    out->flags, out->num_regions, out->num_irqs);
	if (out->argsz != in.argsz || !untouched(p, avail, minsz, 40))
		return fail(f, "GET_INFO: argsz %u -> %u, or wrote past 16 bytes",
			    in.argsz, out->argsz);
	return true;
}

static bool op_region(struct fz *f)
{
	static const uint64_t sizes[VD_NUM_REGIONS] = {
		VPMSI_WINDOW_SIZE, VPMSI_AUX_SIZE,
	};
	struct vfio_region_info in = { 0 }, *out;
	const size_t minsz = 32;
	uint32_t flags;
	size_t avail;
	uint8_t *p;
	long want, got;

	in.argsz = pick_u32(f, sizeof(in));
	in.index = chance(f, 70) ? below(f, 3) : pick_u32(f, 2);
	p = place(f, sizeof(in) + 16, &avail);
	if (avail)
		memset(p, SENTINEL, avail < 64 ? avail : 64);
	put(p, avail, &in, sizeof(in));

	want = avail < minsz ? -EFAULT :
	       in.argsz < minsz || in.index >= VD_NUM_REGIONS ? -EINVAL : 0;
	got = ioctl(f->md.vd.device, VFIO_DEVICE_GET_REGION_INFO, p) ?
	      -errno : 0;
	if (!expect(f, want, got, "GET_REGION_INFO"))
		return false;
	if (got)
		return true;
	out = (void *)p;
	flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		(in.index == VD_REGION_REGS ? VFIO_REGION_INFO_FLAG_MMAP : 0);
	if (out->offset != VD_REGION_OFFSET(in.index) ||
	    out->size != sizes[in.index] || out->flags != flags ||
	    !untouched(p, avail, minsz, 48))
		return fail(f, "GET_REGION_INFO(%u): offset 0x%llx size 0x%llx flags 0x%x",
			    in.index, (unsigned long long)out->offset,
			    (unsigned long long)out->size, out->flags);
	return true;
}

static bool op_irq_info(struct fz *f)
{
	struct vfio_platform_msi_irq_info in = { 0 }, *out;
	uint32_t full, flags, count, written;
	size_t avail, span;
	uint8_t *p;
	long want, got;
	const char *why;
	bool chain;

	in.index = chance(f, 80) ? below(f, f->nirqs + 1) : pick_u32(f, 3);
	/* Only the MSI index has a capability */
	chain = in.index == VD_NUM_WIRED;
	full = in.index < f->nirqs ? f->full[in.index] : 64;
	switch (below(f, 6)) {
	case 0:
		in.argsz = 16 + below(f, 9);	/* 16..24 */
		break;
	case 1:
		in.argsz = full + below(f, 5) - 2;
		break;
	case 2:
		in.argsz = full + below(f, 64);
		break;
	default:
		in.argsz = pick_u32(f, 24);
		break;
	}
	span = in.argsz < full + 64 ? in.argsz : full + 64;
	p = place(f, span, &avail);
	if (avail)
		memset(p, SENTINEL, avail < full + 64 ? avail : full + 64);
	put(p, avail, &in, MSI_INFO_V1_SIZE);	/* what the kernel reads */

	/* Bytes the kernel reads (16), then writes back */
	if (in.argsz < 24)
		written = 16;
	else if (in.argsz < full)
		written = 24;
	else
		written = full;
	if (avail < 16)
		want = -EFAULT;
	else if (in.argsz < 16 || in.index >= f->nirqs)
		want = -EINVAL;
	else if (avail < written)
		want = -EFAULT;
	else
		want = 0;
	got = ioctl(f->md.vd.device, VFIO_DEVICE_GET_IRQ_INFO, p) ? -errno : 0;
	if (!expect(f, want, got, "GET_IRQ_INFO"))
		return false;
	if (got)
		return true;

	out = (void *)p;
	if (in.index < VD_NUM_WIRED) {
		flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			(in.index == VD_IRQ_LEVEL ? VFIO_IRQ_INFO_AUTOMASKED : 0);
		count = 1;
	} else {
		flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE;
		count = f->nvec;
	}
	if (in.argsz >= 24 && chain)
		flags |= VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS;
	if (out->flags != flags || out->count != count ||
	    out->index != in.index)
		return fail(f, "GET_IRQ_INFO(%u) argsz %u: flags 0x%x count %u",
			    in.index, in.argsz, out->flags, out->count);
	if (!untouched(p, avail, written, written + 64))
		return fail(f, "GET_IRQ_INFO(%u) argsz %u: wrote past %u bytes",
			    in.index, in.argsz, written);
	if (in.argsz < 24 || !chain)
		return out->argsz == in.argsz &&
		       (in.argsz < 24 || !out->cap_offset) ? true :
		       fail(f, "GET_IRQ_INFO(%u) argsz %u changed to %u, cap %u",
			    in.index, in.argsz, out->argsz,
			    in.argsz < 24 ? 0 : out->cap_offset);
	if (in.argsz < full) {
		if (out->argsz != full || out->cap_offset)
			return fail(f, "GET_IRQ_INFO(%u) argsz %u: argsz %u (not %u), cap %u",
				    in.index, in.argsz, out->argsz, full,
				    out->cap_offset);
		return true;
	}
	if (out->argsz != in.argsz || out->cap_offset != 24)
		return fail(f, "GET_IRQ_INFO(%u) argsz %u: argsz %u, cap_offset %u",
			    in.index, in.argsz, out->argsz, out->cap_offset);
	why = msi_chain_check(out, full);
	if (why)
		return fail(f, "GET_IRQ_INFO(%u): chain: %s", in.index, why);
	if (!msi_cap_msi(out, full))
		return fail(f, "GET_IRQ_INFO(%u): capability missing", in.index);
	return true;
}

/* An fd for SET_IRQS data, and what it is */
static int32_t pick_fd(struct fz *f, enum fd_kind *kind, bool clean)
{
	unsigned int r = below(f, 100);

	if (clean || r < 55) {
		if (clean ? chance(f, 25) : r < 15) {
			*kind = FK_NONE;
			return -1;
		}
		*kind = FK_EVENTFD;
		return f->pool[below(f, POOL)];
	}
	switch (r % 9) {
	case 0:
		*kind = FK_NEG;
		return chance(f, 50) ? -2 : INT_MIN + (int32_t)below(f, 3);
	case 1:
		*kind = FK_BADF;
		return f->closedfd;
	case 2:
		*kind = FK_BADF;
		return f->pathfd;
	case 3:
		*kind = FK_BADF;
		return 0x100000 + (int32_t)below(f, 1000);
	case 4:
		*kind = FK_OTHER;
		return f->nullfd;
	case 5:
		*kind = FK_OTHER;
		return f->pipefd[below(f, 2)];
	case 6:
		*kind = FK_OTHER;
		return f->md.vd.device;
	case 7:
		*kind = FK_OTHER;
		return f->md.vd.group;
	default:
		*kind = FK_OTHER;
		return f->md.vd.container;
	}
}

static long kind_err(enum fd_kind k)
{
	switch (k) {
	case FK_NEG:
	case FK_OTHER:
		return -EINVAL;
	case FK_BADF:
		return -EBADF;
	default:
		return 0;
	}
}

/* The index's own answer to a request that passed the common checks */
static long predict_msi(struct fz *f, uint32_t action, uint32_t type,
			uint32_t start, uint32_t count, const int32_t *fds,
			const enum fd_kind *kinds, bool commit)
{
	bool mask = action == VFIO_IRQ_SET_ACTION_MASK;
	bool *att = mask ? f->vmask : f->vunmask;
	uint32_t i;
	long e;

	if (type != VFIO_IRQ_SET_DATA_EVENTFD)
		return 0;
	/* Any negative fd disables, as on the wired lines */
	for (i = 0; i < count; i++) {
		if (kinds[i] == FK_NONE || kinds[i] == FK_NEG)
			continue;
		if (action != VFIO_IRQ_SET_ACTION_TRIGGER && att[start + i])
			return -EBUSY;
		e = kind_err(kinds[i]);
		if (e)
			return e;
	}
	if (commit && action != VFIO_IRQ_SET_ACTION_TRIGGER)
		for (i = 0; i < count; i++)
			att[start + i] = kinds[i] != FK_NONE &&
					 kinds[i] != FK_NEG;
	return 0;
}

static long predict_wired(struct fz *f, uint32_t index, uint32_t action,
			  uint32_t type, uint32_t start, uint32_t count,
			  enum fd_kind kind, bool commit)
{
	bool *att = action == VFIO_IRQ_SET_ACTION_MASK ? &f->wmask[index] :
		    &f->wunmask[index];
	long e;

	if (action == VFIO_IRQ_SET_ACTION_TRIGGER &&
	    type == VFIO_IRQ_SET_DATA_NONE && !count)
		return 0;
	if (start || count != 1)
		return -EINVAL;
	if (type != VFIO_IRQ_SET_DATA_EVENTFD)
		return 0;
	if (kind == FK_NONE || kind == FK_NEG) {
		if (commit && action != VFIO_IRQ_SET_ACTION_TRIGGER)
			*att = false;
		return 0;
	}
	e = kind_err(kind);
	if (e)
		return e;
	if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
		return 0;
	if (*att)
		return -EBUSY;
	if (commit)
		*att = true;
	return 0;
}

static bool op_set_irqs(struct fz *f)
{
	static int32_t fds[MAX_VEC + 64];
	static enum fd_kind kinds[MAX_VEC + 64];
	static uint8_t buf[SET_HDR + 4 * (MAX_VEC + 64)];
	struct vfio_irq_set hdr = { 0 };
	uint32_t action, type, n, size, dlen, dn, i;
	size_t avail, total;
	bool clean = chance(f, 70);
	long want, got;
	uint8_t *p;

	/* Half of the requests pass the common checks */
	f->good = chance(f, 50);
	/* Index, then a range mostly inside it */
	hdr.index = f->good || chance(f, 90) ? below(f, f->nirqs) :
		    pick_u32(f, f->nirqs);
	n = hdr.index < VD_NUM_WIRED ? 1 :
	    hdr.index == VD_NUM_WIRED ? f->nvec : 0;
	switch (f->good ? 4 : below(f, 5)) {
	case 0:
		hdr.start = pick_u32(f, n);
		hdr.count = pick_u32(f, n);
		break;
	case 1:
		hdr.start = 0;
		hdr.count = 0;
		break;
	case 2:
		hdr.start = n ? below(f, n) : 0;
		hdr.count = n - hdr.start + below(f, 3);
		break;
	default:
		hdr.start = n ? below(f, n) : 0;
		hdr.count = below(f, 9);
		if (hdr.start + hdr.count > n)
			hdr.start = n > hdr.count ? n - hdr.count : 0;
		break;
	}

	/* One action and one data type, mostly */
	action = f->good || chance(f, 90) ?
		 VFIO_IRQ_SET_ACTION_MASK << below(f, 3) :
		 (uint32_t)below(f, 8) << 3;
	type = f->good || chance(f, 90) ? 1u << below(f, 3) :
	       (uint32_t)below(f, 8);
	hdr.flags = action | type;
	if (!f->good && chance(f, 3))
		hdr.flags |= 1u << (6 + below(f, 26));

	size = type == VFIO_IRQ_SET_DATA_BOOL ? 1 :
	       type == VFIO_IRQ_SET_DATA_EVENTFD ? 4 : 0;
	/*
	 * The data: dn entries, the count or fewer (a short argsz). The
	 * kernel reads count * size bytes when argsz allows it; entries we
	 * do not declare in argsz are still written, as -1 (0xff bytes), so
	 * that what the kernel reads is always known.
	 */
	dn = hdr.count <= MAX_VEC ? hdr.count : 0;
	dlen = dn * size;
	if (!f->good && chance(f, 5))
		dlen = below(f, dlen + 16);
	hdr.argsz = f->good || chance(f, 80) ? SET_HDR + dlen :
		    pick_u32(f, SET_HDR + dlen);
	if (dlen > dn * size)
		dn = (dlen + size - 1) / (size ? size : 1);

	memset(buf + SET_HDR, 0xff, dn * size);
	for (i = 0; i < dn; i++)
		kinds[i] = FK_NONE;
	if (type == VFIO_IRQ_SET_DATA_EVENTFD) {
		for (i = 0; i < dlen / 4; i++)
			fds[i] = pick_fd(f, &kinds[i], clean || dn > 16);
		if (dn > 16 && !clean && dlen >= 4) {
			i = below(f, dlen / 4);
			fds[i] = pick_fd(f, &kinds[i], false);
		}
		memcpy(buf + SET_HDR, fds, dlen / 4 * 4);
	} else if (type == VFIO_IRQ_SET_DATA_BOOL) {
		for (i = 0; i < dlen; i++)
			buf[SET_HDR + i] = chance(f, 50) ? 0 : (uint8_t)rnd(f);
	}
	for (i = dlen / 4; i < dn; i++)
		fds[i] = -1;
	memcpy(buf, &hdr, SET_HDR);
	total = SET_HDR + (size_t)dn * size;
	p = place(f, total, &avail);
	put(p, avail, buf, total);

	/* The common checks (core.c and vfio_set_irqs_validate_and_prepare) */
	if (avail < SET_HDR)
		want = -EFAULT;
	else if (hdr.argsz < SET_HDR || hdr.index >= f->nirqs ||
		 hdr.count >= UINT32_MAX - hdr.start ||
		 (hdr.flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
				VFIO_IRQ_SET_ACTION_TYPE_MASK)) ||
		 hdr.start >= n || hdr.start + hdr.count > n ||
		 __builtin_popcount(type) != 1 ||
		 (uint64_t)(hdr.argsz - SET_HDR) < (uint64_t)hdr.count * size)
		want = -EINVAL;
	else if (__builtin_popcount(action) != 1)
		want = -ENOTTY;
	else if (avail < SET_HDR + (uint64_t)hdr.count * size)
		want = -EFAULT;
	else if (hdr.index < VD_NUM_WIRED)
		want = predict_wired(f, hdr.index, action, type, hdr.start,
				     hdr.count, kinds[0], false);
	else
		want = predict_msi(f, action, type, hdr.start, hdr.count,
				   fds, kinds, false);
	got = ioctl(f->md.vd.device, VFIO_DEVICE_SET_IRQS, p) ? -errno : 0;
	if (!expect(f, want, got, "SET_IRQS"))
		return fail(f, "SET_IRQS %u/0x%x/%u+%u argsz %u (%zu/%zu): expected %s, got %s",
			    hdr.index, hdr.flags, hdr.start, hdr.count,
			    hdr.argsz, avail, total, res(want), res(got));
	if (!got && hdr.index < VD_NUM_WIRED)
		predict_wired(f, hdr.index, action, type, hdr.start,
			      hdr.count, kinds[0], true);
	else if (!got)
		predict_msi(f, action, type, hdr.start, hdr.count, fds, kinds,
			    true);
	return true;
}

static bool op_reset(struct fz *f)
{
	long got;

	got = ioctl(f->md.vd.device, VFIO_DEVICE_RESET, (unsigned long)rnd(f)) ?
	      -errno : 0;
	return expect(f, 0, got, "RESET");
}

/* Is @cmd one the device fd, the VFIO core or the VFS acts on? */
static bool known_cmd(unsigned int cmd)
{
	unsigned int type = _IOC_TYPE(cmd), nr = _IOC_NR(cmd);

	/* VFS ioctls on every file: FIO*, FS_IOC_*, FIFREEZE, FIGETBSZ... */
	if (type == 'T' || type == 'X' || type == 'f' || type == 0 ||
	    type == 0x15 || type == 0x94 || type == 'v')
		return true;
	if (type != VFIO_TYPE || _IOC_DIR(cmd) || _IOC_SIZE(cmd))
		return false;
	/* Device ioctls, DEVICE_FEATURE and the cdev/iommufd ones */
	return (nr >= VFIO_BASE + 7 && nr <= VFIO_BASE + 11) ||
	       (nr >= VFIO_BASE + 17 && nr <= VFIO_BASE + 20);
}

static bool op_unknown(struct fz *f)
{
	unsigned int cmd;
	size_t avail;
	uint8_t *p;
	long got;
	char what[64];

	do {
		switch (below(f, 3)) {
		case 0:		/* VFIO type, plain _IO */
			cmd = _IO(VFIO_TYPE, below(f, 256));
			break;
		case 1:		/* VFIO type, any direction and size */
			cmd = _IOC(below(f, 4), VFIO_TYPE, below(f, 256),
				   below(f, 1 << _IOC_SIZEBITS));
			break;
		default:
			cmd = (unsigned int)rnd(f);
			break;
		}
	} while (known_cmd(cmd));
	p = place(f, 64, &avail);
	got = ioctl(f->md.vd.device, cmd, p) ? -errno : 0;
	snprintf(what, sizeof(what), "ioctl 0x%08x", cmd);
	return expect(f, -ENOTTY, got, what);
}

/*
 * Width of the device access at offset @off of region @idx with @left to
 * go: 64-bit accesses only where the plug-in allows them (the test
 * plug-in: region 0), else split at 4 bytes.
 */
static unsigned int io_width(uint64_t idx, uint64_t off, uint64_t left)
{
	if (idx == VD_REGION_REGS && left >= 8 && !(off % 8))
		return 8;
	if (left >= 4 && !(off % 4))
		return 4;
	if (left >= 2 && !(off % 2))
		return 2;
	return 1;
}

/*
 * pread/pwrite of @len bytes at region @idx offset @off, with @avail bytes
 * of the user buffer accessible: the driver clamps to the region and
 * copies access by access, stopping at the first that faults.
 */
static long predict_rw(uint64_t pos, uint64_t len, size_t avail,
		       bool kernel_ptr)
{
	static const uint64_t sizes[VD_NUM_REGIONS] = {
		VPMSI_WINDOW_SIZE, VPMSI_AUX_SIZE,
	};
	uint64_t idx = pos >> VD_REGION_SHIFT, done = 0, w;
	uint64_t off = pos & ((1ull << VD_REGION_SHIFT) - 1);

	if ((int64_t)pos < 0)
		return -EINVAL;
	if (kernel_ptr)
		return -EFAULT;		/* access_ok() */
	if ((int64_t)(pos + len) < 0)
		return -EINVAL;		/* rw_verify_area() */
	if (idx >= VD_NUM_REGIONS || off >= sizes[idx])
		return -EINVAL;
	if (len > sizes[idx] - off)
		len = sizes[idx] - off;
	while (done < len) {
		w = io_width(idx, off + done, len - done);
		if (done + w > avail)
			return done ? (long)done : -EFAULT;
		done += w;
	}
	return done;
}

static void pick_rw(struct fz *f, uint64_t *idx, uint64_t *off, uint64_t *len)
{
	uint64_t size;

	switch (below(f, 10)) {
	case 0:
		*idx = pick_u32(f, 2);
		break;
	case 1:
		*idx = (1ull << 23) - 1;	/* the last before the sign bit */
		break;
	default:
		*idx = below(f, 2);
		break;
	}
	size = *idx ? VPMSI_AUX_SIZE : VPMSI_WINDOW_SIZE;
	switch (below(f, 6)) {
	case 0:
		*off = size - below(f, 9);
		break;
	case 1:
		*off = size + below(f, 9);
		break;
	case 2:
		*off = rnd(f) & ((1ull << VD_REGION_SHIFT) - 1);
		break;
	default:
		*off = below(f, size);
		break;
	}
	switch (below(f, 4)) {
	case 0:
		*len = below(f, 17);
		break;
	case 1:
		*len = below(f, 3 * f->page);
		break;
	case 2:
		*len = 1u << below(f, 17);
		break;
	default:
		*len = below(f, 64);
		break;
	}
}

static bool op_rw(struct fz *f, bool write)
{
	uint64_t idx, off, len, pos, i;
	size_t avail;
	uint8_t *p;
	long want, got;
	char what[96];

	pick_rw(f, &idx, &off, &len);
	/* The offset as the kernel sees it (a big index wraps) */
	pos = (idx << VD_REGION_SHIFT) + off;
	idx = pos >> VD_REGION_SHIFT;
	off = pos & ((1ull << VD_REGION_SHIFT) - 1);
	p = place(f, len, &avail);
	want = predict_rw(pos, len, avail,
			  (uintptr_t)p >= 0xffff000000000000ull);
	if (write && avail) {
		for (i = 0; i < avail && i < len; i++)
			p[i] = (uint8_t)rnd(f);
		/* Keep the control registers: no reset, fire, MSI_EN or power off */
		for (i = 0; i < avail && i < len && !idx; i++) {
			uint64_t r = off + i;

			if (kept_reg(r))
				p[i] = (uint8_t)(td_rd32(f->md.regs, r & ~3ull) >>
						 (8 * (r & 3)));
		}
	}
	if (write)
		got = pwrite(f->md.vd.device, p, len, (off_t)pos);
	else
		got = pread(f->md.vd.device, p, len, (off_t)pos);
	if (got < 0)
		got = -errno;
	snprintf(what, sizeof(what), "%s region %llu offset 0x%llx len %llu (%zu readable)",
		 write ? "pwrite" : "pread", (unsigned long long)idx,
		 (unsigned long long)off, (unsigned long long)len, avail);
	if (!expect(f, want, got, what))
		return false;
	if (!write && got >= 8 && !idx && off == 0 &&
	    *(uint32_t *)p != VPMSI_ID)
		return fail(f, "pread of ID: 0x%x", *(uint32_t *)p);
	return true;
}

static void unmap_all(struct fz *f)
{
	unsigned int i;

	for (i = 0; i < NMAPS; i++) {
		if (f->maps[i].p)
			munmap(f->maps[i].p, f->maps[i].len);
		f->maps[i].p = NULL;
	}
}

static bool op_mmap(struct fz *f)
{
	static const int prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ, PROT_WRITE, PROT_NONE,
	};
	uint64_t idx, pgoff, len, off;
	uint64_t npages = VPMSI_WINDOW_SIZE / f->page;
	int prot = prots[below(f, 4)];
	int flags = chance(f, 90) ? MAP_SHARED : MAP_PRIVATE;
	unsigned int slot;
	long want, got;
	char what[96];
	void *m;

	idx = chance(f, 80) ? 0 : chance(f, 50) ? 1 : pick_u32(f, 2) & 0x7fffff;
	pgoff = chance(f, 70) ? below(f, npages + 2) : pick_u32(f, npages);
	switch (below(f, 4)) {
	case 0:
		len = f->page * below(f, npages + 3);
		break;
	case 1:
		len = below(f, VPMSI_WINDOW_SIZE + 2 * f->page);
		break;
	case 2:
		len = (pgoff < npages ? npages - pgoff : 1) * f->page;
		break;
	default:
		len = f->page * (1 + below(f, 4));
		break;
	}
	off = (idx << VD_REGION_SHIFT) + pgoff * f->page;
	if (chance(f, 3))
		off += 1 + below(f, f->page - 1);	/* not page aligned */

	/* do_mmap(), then the driver */
	if (!len || off % f->page)
		want = -EINVAL;
	else if (flags != MAP_SHARED || idx != VD_REGION_REGS)
		want = -EINVAL;
	else if (pgoff >= npages ||
		 (len + f->page - 1) / f->page > npages - pgoff)
		want = -EINVAL;
	else
		want = 0;
	m = mmap(NULL, len, prot, flags, f->md.vd.device, (off_t)off);
	got = m == MAP_FAILED ? -errno : 0;
	snprintf(what, sizeof(what), "mmap region %llu page %llu len 0x%llx prot %d flags %d",
		 (unsigned long long)idx, (unsigned long long)pgoff,
		 (unsigned long long)len, prot, flags);
	/*
	 * An offset with bit 63 set is negative as an off_t. Where mmap()
	 * shifts it as one (riscv64's), do_mmap() gets a page offset past
	 * what a device file allows (file_mmap_ok()) and refuses it with
	 * EOVERFLOW before the driver is asked; where it is shifted
	 * unsigned (arm64's), the driver answers.
	 */
	if (want == -EINVAL && len && !(off % f->page) && (off >> 63) &&
	    got == -EOVERFLOW)
		want = -EOVERFLOW;
	if (!expect(f, want, got, what))
		return false;
	if (got)
		return true;
	if ((prot & PROT_READ) && !pgoff && vd_mmio_rd32(m, 0) != VPMSI_ID)
		return fail(f, "%s: ID reads 0x%x", what, vd_mmio_rd32(m, 0));

	slot = below(f, NMAPS);
	if (f->maps[slot].p)
		munmap(f->maps[slot].p, f->maps[slot].len);
	f->maps[slot].p = m;
	f->maps[slot].len = len;
	/* Sometimes punch a hole in it: the VMA is split */
	if (len >= 3 * (uint64_t)f->page && chance(f, 30))
		munmap((uint8_t *)m + f->page, f->page);
	return true;
}

/* The device model: MSIs, pulses and level changes */
static bool op_fire(struct fz *f)
{
	unsigned int v = chance(f, 95) ? below(f, f->nvec) :
			 below(f, VPMSI_FIRE_VECTOR_MASK + 1);
	int ret;

	ret = td_fire(f->md.regs, v, 1 + below(f, 4), VD_DEV_MS);
	if (ret)
		return fail(f, "fire vector %u: %s", v, vd_errno_name(-ret));
	f->ok[f->op]++;
	return true;
}

static bool op_line(struct fz *f)
{
	unsigned int line, op;
	int ret;

	switch (below(f, 4)) {
	case 0:
		line = VPMSI_LINE_LEVEL;
		op = VPMSI_LINE_OP_ASSERT;
		break;
	case 1:
		line = VPMSI_LINE_LEVEL;
		op = VPMSI_LINE_OP_DEASSERT;
		break;
	case 2:
		line = VPMSI_LINE_EDGE;
		op = VPMSI_LINE_OP_PULSE;
		break;
	default:
		line = below(f, VPMSI_MAX_LINES);
		op = 1 + below(f, 4);
		break;
	}
	ret = td_line(f->md.regs, line, op, 1, VD_DEV_MS);
	if (ret)
		return fail(f, "line %u op %u: %s", line, op,
			    vd_errno_name(-ret));
	f->ok[f->op]++;
	return true;
}

/* Map the register window of the current device fd */
static int map_regs(struct fz *f)
{
	struct vfio_region_info ri;
	int ret;

	ret = vfio_dev_region_info(f->md.vd.device, VD_REGION_REGS, &ri);
	if (ret)
		return ret;
	f->md.regs = vfio_dev_mmap(f->md.vd.device, &ri, 0, VPMSI_WINDOW_SIZE);
	return f->md.regs ? 0 : -errno;
}

/* Close the device with whatever state it has, open it again */
static bool op_reopen(struct fz *f)
{
	int ret;

	unmap_all(f);
	munmap(f->md.regs, VPMSI_WINDOW_SIZE);
	f->md.regs = NULL;
	close(f->md.vd.device);
	f->md.vd.device = -1;
	memset(f->vmask, 0, sizeof(f->vmask));
	memset(f->vunmask, 0, sizeof(f->vunmask));
	memset(f->wmask, 0, sizeof(f->wmask));
	memset(f->wunmask, 0, sizeof(f->wunmask));

	ret = vfio_dev_get_device(&f->md.vd);
	if (ret)
		return fail(f, "reopen: %s", f->md.vd.err);
	/* A new open: the MSIs must be asked for again */
	ret = msi_opt_in(f->md.vd.device, f->nvec);
	if (ret)
		return fail(f, "reopen: asking for %u MSIs: %s", f->nvec,
			    vd_errno_name(-ret));
	ret = map_regs(f);
	if (ret)
		return fail(f, "reopen: map: %s", vd_errno_name(-ret));
	f->ok[f->op]++;
	return true;
}

static bool step(struct fz *f)
{
	unsigned int r = below(f, 1000), op;

	for (op = 0; op < NR_OPS - 1 && r >= op_weight[op]; op++)
		r -= op_weight[op];
	f->calls[op]++;
	f->op = op;
	f->good = false;
	switch (op) {
	case OP_INFO:
		return op_info(f);
	case OP_REGION:
		return op_region(f);
	case OP_IRQ_INFO:
		return op_irq_info(f);
	case OP_SET_IRQS:
		return op_set_irqs(f);
	case OP_RESET:
		return op_reset(f);
	case OP_UNKNOWN:
		return op_unknown(f);
	case OP_READ:
		return op_rw(f, false);
	case OP_WRITE:
		return op_rw(f, true);
	case OP_MMAP:
		return op_mmap(f);
	case OP_FIRE:
		return op_fire(f);
	case OP_LINE:
		return op_line(f);
	default:
		return op_reopen(f);
	}
}

/* ------------------------------------------------------------ fixture */

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);
	char *end;
	uint64_t v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtoull(s, &end, 0);
	return errno || *end ? def : v;
}

/* Read a sysfs parameter into @buf ("" if absent) */
static void param_get(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
}

FIXTURE(fuzz) {
	struct fz *f;
	char pulse_saved[32];
};

FIXTURE_VARIANT(fuzz) {
	const char *mode;
	unsigned int share;	/* of the iteration budget, in percent */
};

FIXTURE_VARIANT_ADD(fuzz, device) {
	.mode = MSI_MODE_DEVICE,
	.share = 50,
};

FIXTURE_VARIANT_ADD(fuzz, irqchip) {
	.mode = MSI_MODE_IRQCHIP,
	.share = 30,
};

FIXTURE_VARIANT_ADD(fuzz, generic) {
	.mode = MSI_MODE_GENERIC,
	.share = 20,
};

FIXTURE_SETUP(fuzz)
{
	const char *why = vfio_dev_env_missing();
	uint64_t seed, iters, secs;
	struct vfio_platform_msi_irq_info probe;
	struct fz *f;
	uint32_t i;
	int ret;

	self->f = NULL;
	self->pulse_saved[0] = '\0';
	if (why)
		SKIP(return, "%s", why);

	f = calloc(1, sizeof(*f));
	ASSERT_NE(NULL, f);
	self->f = f;
	f->nullfd = -1;
	f->pathfd = -1;
	f->pipefd[0] = -1;
	f->pipefd[1] = -1;
	for (i = 0; i < POOL; i++)
		f->pool[i] = -1;
	f->mode = variant->mode;
	f->page = sysconf(_SC_PAGESIZE);

	seed = env_u64("VPM_FUZZ_SEED", FUZZ_SEED);
	iters = env_u64("VPM_FUZZ_ITERS", FUZZ_ITERS);
	secs = env_u64("VPM_FUZZ_SECONDS", FUZZ_SECONDS);
	/* Each variant gets its own stream of the same seed */
	f->seed = seed;
	f->rng = seed ^ (0x9e3779b97f4a7c15ull * (variant->share + 1));
	if (!f->rng)
		f->rng = 1;
	f->iters = iters * variant->share / 100;
	f->deadline_ns = now_ns() + secs * 1000000000ull * variant->share / 100;

	ret = msi_dev_open_nvec(&f->md, variant->mode,
				!strcmp(variant->mode, MSI_MODE_GENERIC) ?
				GEN_VECTORS : 0);
	if (ret == -ENODEV || ret == -EOPNOTSUPP)
		SKIP(return, "%s", f->md.why);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", f->md.why, vd_errno_name(-ret));
	f->nirqs = f->md.vd.info.num_irqs;
	f->nvec = f->md.nvec;
	ASSERT_EQ(VD_NUM_WIRED + 1, f->nirqs);
	ASSERT_GE(MAX_VEC, f->nvec);

	/* The full GET_IRQ_INFO size of each index, chain included */
	for (i = 0; i < f->nirqs; i++) {
		VD_ASSERT_OK(msi_irq_info_raw(f->md.vd.device, i, &probe,
					      sizeof(probe), sizeof(probe)));
		f->full[i] = probe.argsz;
		ASSERT_GE(AREA_PAGES * f->page - 128, f->full[i]);
	}

	f->area = mmap(NULL, (AREA_PAGES + 1) * f->page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, f->area);
	f->area_end = f->area + AREA_PAGES * f->page;
	VD_ASSERT_SYS(mprotect(f->area_end, f->page, PROT_NONE));

	for (i = 0; i < POOL; i++) {
		f->pool[i] = efd_create();
		VD_ASSERT_OK(f->pool[i]);
	}
	f->nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	VD_ASSERT_SYS(f->nullfd);
	VD_ASSERT_SYS(pipe2(f->pipefd, O_CLOEXEC | O_NONBLOCK));
	f->pathfd = open("/", O_PATH | O_CLOEXEC);
	VD_ASSERT_SYS(f->pathfd);
	/* A number no file will get: far above the lowest free fd */
	f->closedfd = 4000;
	ASSERT_EQ(-1, fcntl(f->closedfd, F_GETFD));

	/* Pulses of a masked edge line must not stall the model for long */
	param_get(PULSE_PARAM, self->pulse_saved, sizeof(self->pulse_saved));
	if (self->pulse_saved[0])
		msi_write_str(PULSE_PARAM, PULSE_US);
}

/* In the parent, after the test (lib/vpm_harness.h): no child resource */
FIXTURE_TEARDOWN_PARENT(fuzz)
{
	msi_mode_restore();
	if (self->pulse_saved[0])
		msi_write_str(PULSE_PARAM, self->pulse_saved);
}

/* After the run: a fresh open still delivers an MSI and an edge */
static void health_check(struct __test_metadata *_metadata, struct fz *f)
{
	uint64_t val;
	int efd;

	efd = f->pool[0];
	ASSERT_TRUE(op_reopen(f)) TH_LOG("%s", f->msg);
	efd_drain(efd);
	VD_ASSERT_OK(vfio_irq_set_trigger(f->md.vd.device, VD_IRQ_EDGE, efd));
	VD_ASSERT_OK(td_line(f->md.regs, VPMSI_LINE_EDGE, VPMSI_LINE_OP_PULSE,
			     1, VD_DEV_MS));
	VD_ASSERT_EVENT(efd, &val, "edge after the fuzz run");
	VD_ASSERT_OK(vfio_irq_disable(f->md.vd.device, VD_IRQ_EDGE));
	if (!strcmp(f->mode, MSI_MODE_GENERIC))
		return;		/* nobody programs the table */
	efd_drain(efd);
	VD_ASSERT_OK(msi_enable(&f->md, 0, efd));
	VD_ASSERT_OK(msi_fire(&f->md, 0));
	VD_ASSERT_EVENT(efd, &val, "MSI after the fuzz run");
	ASSERT_EQ(1, val);
}

TEST_F_TIMEOUT(fuzz, run, 400)
{
	struct fz *f = self->f;
	uint64_t t0 = now_ns(), dt;
	unsigned long done;
	unsigned int op;
	bool ok = true;

	ksft_print_msg("fuzz %s: VPM_FUZZ_SEED=0x%llx VPM_FUZZ_ITERS=%lu (this variant %lu)\n",
		       f->mode, (unsigned long long)f->seed,
		       env_u64("VPM_FUZZ_ITERS", FUZZ_ITERS), f->iters);
	for (f->iter = 0; f->iter < f->iters && ok; f->iter++) {
		ok = step(f);
		if (!(f->iter % 64)) {
			unsigned int i;

			for (i = 0; i < POOL; i++)
				efd_drain(f->pool[i]);
			if (now_ns() > f->deadline_ns)
				break;
		}
	}
	done = f->iter;
	dt = (now_ns() - t0) / 1000000;
	ASSERT_TRUE(ok) TH_LOG("%s", f->msg);
	for (op = 0; op < NR_OPS; op++)
		ksft_print_msg("  %-16s %6lu calls, %6lu succeeded\n",
			       op_names[op], f->calls[op], f->ok[op]);
	ksft_print_msg("fuzz %s: %lu iterations in %llu ms%s\n", f->mode, done,
		       (unsigned long long)dt,
		       done < f->iters ? " (time cap)" : "");
	ksft_print_msg("fuzz %s: EINVAL %lu EFAULT %lu ENOTTY %lu EBADF %lu EBUSY %lu\n",
		       f->mode, f->einval, f->efault, f->enotty, f->ebadf,
		       f->ebusy);
	health_check(_metadata, f);
}

TEST_HARNESS_MAIN
