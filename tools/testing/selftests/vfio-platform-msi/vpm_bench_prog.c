// SPDX-License-Identifier: GPL-2.0
/*
 * vpm_bench_prog: the measuring side of `make bench` (scripts/bench). Not a
 * test: it asserts nothing about speed and is not in tests.list.
 *
 *   vpm_bench_prog latency [-n SAMPLES] [-c CHUNK] [-w WARMUP] [-g GAP_US]
 *                          [-C CONSUMER_CPU] [-P PRODUCER_CPU] [-p PATHS]
 *   vpm_bench_prog throughput [-v NVECS] [-d MS] [-f FIRES] [-p PATHS]
 *   vpm_bench_prog scaling [-v NVECS] [-r REPS] [-p MODES]
 *   vpm_bench_prog wired [-n SAMPLES] [-c CHUNK] [-w WARMUP] [-g GAP_US]
 *                        [-C CONSUMER_CPU] [-P PRODUCER_CPU] [-p PATHS]
 *                        [-u UPSTREAM_DRIVER]
 *
 * Latency of one interrupt, from the test device's doorbell write (its
 * LAST_MSI_NS register stamps it, include/vpmsi_testdev.h) to the return
 * of userspace's read() of the eventfd, on four paths of the same device
 * in the same boot:
 *
 *   device   vfio-platform-msi, uAPI v2, the plug-in's msi_mode "device"
 *            (masking in the device: dev-msi's pushed irq domain level)
 *   irqchip  the same in msi_mode "irqchip" (masking at the ITS)
 *   peer     vpmsi_bench.ko bound to the device: a kernel driver's MSI,
 *            its hard irq handler signals the eventfd
 *   floor    vpmsi_bench.ko's kernel thread: stamp, eventfd_signal();
 *            no device, no interrupt controller
 *
 * Method: paced (the next fire only once the previous event was read,
 * plus GAP_US), consumer (this program) and producer (the device model's
 * kthreads, the floor thread, the vector's interrupt) pinned to two CPUs,
 * paths interleaved in chunks of CHUNK samples (the order rotated every
 * round, the device rebound between the VFIO driver and the peer as
 * needed), the first WARMUP samples of every chunk dropped. Every sample
 * is checked: one event on the eventfd, a new stamp, the right vector.
 *
 * Output (the console; scripts/bench parses the BENCH-* lines):
 *   BENCH-PARAM key value
 *   BENCH-STAT path samples min p50 p90 p99 p99.9 max mean   (us)
 *   BENCH-RATIO path stat chunks median min p10 p90 max below
 *       per-round ratio of the path's chunk statistic to the peer's chunk
 *       of the same round; below: rounds where the path was faster
 *   BENCH-POOLED path p50 p90 p99 p99.9   ratios of the pooled percentiles
 *   BENCH-CDF path fraction us
 *
 * throughput: closed loop (each vector fired again once its event was
 * read, every vector in flight) for MS milliseconds, and flood (FIRES
 * MSIs in all, back to back, spread over the vectors), on 1, 8 and 64
 * vectors (NVECS) of each path but the floor, the path order rotated for
 * each vector count; accounting from the device
 * (MSI_TOTAL), the handlers (/proc/interrupts) and the eventfds:
 *   BENCH-TPUT path kind nvec events ms events/s sent handled efd_total
 *              min_events_per_vector verdict
 * where verdict is "ok" when every handled interrupt reached its eventfd
 * and every vector's last MSI was delivered (MSIs of one vector that
 * coalesce in the interrupt controller are not lost), "LOSS" otherwise.
 *
 * wired: the latency of the wired lines, from the test device's stamp of
 * a line's rise (LAST_LINE_NS) to the return of read(), with the method
 * of latency, on four paths of the same device in the same boot:
 *
 *   edge            vfio-platform-msi, IRQ index 1 (the edge line), one
 *                   PULSE per sample
 *   edge-upstream   the same through upstream vfio-platform (driver
 *                   UPSTREAM_DRIVER, default "vfio-platform"), the device
 *                   rebound between the two drivers
 *   level           vfio-platform-msi, IRQ index 0 (the level line,
 *                   automasked): ASSERT, read, then what userspace must
 *                   do: DEASSERT through the device and VFIO_DEVICE_SET_IRQS
 *                   UNMASK (the ioctl; irqfd unmask needs KVM)
 *   level-upstream  the same through upstream vfio-platform
 *
 * Output: BENCH-WIRED-STAT, -ANOMALIES, -CDF, -RATIO (edge and level over
 * their upstream path of the same round; "below": rounds where ours was
 * faster) and -POOLED as latency's, and
 *   BENCH-WIRED-UNMASK path samples p50 p90 p99 mean   (us)
 * the UNMASK ioctl's own time on the level paths.
 *
 * scaling: for N in NVECS (1, 8, 64, 512, 2048): ask for N MSIs, enable
 * all N in one SET_IRQS, disable the last one and enable it again with
 * N - 1 live, close with N live; REPS times, in each msi_mode of MODES:
 *   BENCH-SCALE mode N rep optin_us enable_all_us disable_one_us
 *               enable_one_us close_us slab_kb
 * slab_kb: /proc/meminfo's Slab after enabling, less before asking.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "msi.h"
#include "pdev.h"
#include "testdev.h"
#include "vpmsi_bench.h"

#define BENCH_DEV		"/dev/" VPMSI_BENCH_DEVNAME
#define BENCH_MODEL_POLL	"/sys/module/vpmsi_testdev/parameters/poll_us"
#define BENCH_EVENT_TIMEOUT_S	3

enum bench_path {
	P_DEVICE, P_IRQCHIP, P_PEER, P_FLOOR,			/* latency */
	P_EDGE, P_EDGE_UP, P_LEVEL, P_LEVEL_UP,			/* wired */
	P_NUM
};

static const char *const path_name[P_NUM] = {
	[P_DEVICE] = "device", [P_IRQCHIP] = "irqchip",
	[P_PEER] = "peer", [P_FLOOR] = "floor",
	[P_EDGE] = "edge", [P_EDGE_UP] = "edge-upstream",
	[P_LEVEL] = "level", [P_LEVEL_UP] = "level-upstream",
};

/* The path each one's ratios are taken against */
static const enum bench_path path_ref[P_NUM] = {
	[P_DEVICE] = P_PEER, [P_IRQCHIP] = P_PEER,
	[P_PEER] = P_PEER, [P_FLOOR] = P_PEER,
	[P_EDGE] = P_EDGE_UP, [P_EDGE_UP] = P_EDGE_UP,
	[P_LEVEL] = P_LEVEL_UP, [P_LEVEL_UP] = P_LEVEL_UP,
};

#define UPSTREAM_DRIVER		"vfio-platform"
#define UPSTREAM_IRQ_NAME	"vfio-irq"	/* vfio_platform_irq.c */
#define OUR_IRQ_NAME		"vfio-pmsi-irq"

struct bench_opts {
	unsigned int samples;	/* kept samples per path */
	unsigned int chunk;	/* kept samples per chunk */
	unsigned int warmup;	/* dropped at the start of every chunk */
	unsigned int gap_us;
	int cpu_consumer;
	int cpu_producer;
	bool use[P_NUM];
};

struct bench_series {
	uint64_t *ns;		/* all kept samples, in order */
	unsigned int n;
	double *chunk_p50;	/* per round */
	double *chunk_p90;
	unsigned int anomalies;	/* events with a count > 1 */
	uint64_t *unmask_ns;	/* level paths: the UNMASK ioctl */
	unsigned int n_unmask;
};

static struct bench_opts opt = {
	.samples = 20000, .chunk = 1000, .warmup = 50, .gap_us = 200,
	.cpu_consumer = 1, .cpu_producer = 0,
};

static struct bench_series series[P_NUM];
static const char *devname;
static char vfio_drv[PDEV_NAME_LEN];
static const char *upstream_drv = UPSTREAM_DRIVER;
static const char *out_prefix = "BENCH";	/* BENCH-WIRED for wired */
static int bench_fd = -1;
static unsigned int floor_delay_us = 50;

static __noreturn __printf(1, 2) void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vpm_bench_prog: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void common_setup(void);

static void on_alarm(int sig)
{
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array, in us */
static double pct(const uint64_t *s, unsigned int n, double p)
{
	double x = p / 100.0 * n;
	unsigned int i = (unsigned int)x;

	if (!n)
		return 0;
	if (i < x)	/* the rank is ceil(p% of n) */
		i++;
	if (i)
		i--;
	if (i >= n)
		i = n - 1;
	return s[i] / 1000.0;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("cannot pin to CPU %d: %s", cpu, strerror(errno));
}

/* Pin every kthread whose name starts with @prefix to @cpu: how many */
static int pin_threads(const char *prefix, int cpu)
{
	char path[64], comm[32];
	struct dirent *de;
	cpu_set_t set;
	DIR *d;
	int n = 0;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		if (msi_read_line(path, comm, sizeof(comm)))
			continue;
		if (strncmp(comm, prefix, strlen(prefix)))
			continue;
		if (!sched_setaffinity(pid, sizeof(set), &set))
			n++;
	}
	closedir(d);
	return n;
}

/* The Linux irq whose /proc/interrupts line names @action: > 0 or -errno */
static int find_irq(const char *action)
{
	char line[1024];
	FILE *f = fopen("/proc/interrupts", "r");
	int irq = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, action)) {
			irq = atoi(line);
			break;
		}
	}
	fclose(f);
	return irq;
}

/*
 * The Linux irq of a wired line of the device, requested as
 * "@prefix[<irq>](<device>)" (both drivers name it after the irq, not the
 * index): the one whose trigger /proc/interrupts shows as Level or Edge.
 */
static int find_line_irq(const char *prefix, bool level)
{
	char line[1024], head[32], tail[96];
	FILE *f = fopen("/proc/interrupts", "r");
	int irq = -ENOENT;

	if (!f)
		return -errno;
	snprintf(head, sizeof(head), "%s[", prefix);
	snprintf(tail, sizeof(tail), "](%s)", devname);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, head) && strstr(line, tail) &&
		    strstr(line, level ? " Level " : " Edge ")) {
			irq = atoi(line);
			break;
		}
	}
	fclose(f);
	return irq;
}

static void pin_irq(int irq, int cpu)
{
	char path[64], val[16];
	int ret;

	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq);
	snprintf(val, sizeof(val), "%d", cpu);
	ret = msi_write_str(path, val);
	if (ret)
		die("cannot pin irq %d to CPU %d: %s", irq, cpu, strerror(-ret));
}

static int new_eventfd(void)
{
	int fd = eventfd(0, EFD_CLOEXEC);	/* blocking: read() is measured */

	if (fd < 0)
		die("eventfd: %s", strerror(errno));
	return fd;
}

/*
 * Wait for one event on blocking @efd: CLOCK_MONOTONIC when read()
 * returned. A lost event (no read within BENCH_EVENT_TIMEOUT_S) is fatal.
 */
static uint64_t wait_event(int efd, enum bench_path p)
{
	uint64_t v, t;
	ssize_t r;

	r = read(efd, &v, sizeof(v));
	t = td_now_ns();
	alarm(0);
	if (r != sizeof(v))
		die("%s: no event within %d s (%s): lost", path_name[p],
		    BENCH_EVENT_TIMEOUT_S, r < 0 ? strerror(errno) : "short read");
	if (v != 1)
		series[p].anomalies++;
	return t;
}

static void gap(void)
{
	struct timespec ts = { .tv_nsec = (long)opt.gap_us * 1000 };

	if (opt.gap_us)
		nanosleep(&ts, NULL);
}

/* Record sample @i of a chunk (warm-up dropped); @stamp must be new */
static void record(enum bench_path p, unsigned int i, uint64_t t,
		   uint64_t stamp, uint64_t *prev)
{
	struct bench_series *s = &series[p];

	if (stamp <= *prev || t < stamp)
		die("%s: stale or future stamp (stamp %llu, previous %llu, read at %llu)",
		    path_name[p], (unsigned long long)stamp,
		    (unsigned long long)*prev, (unsigned long long)t);
	*prev = stamp;
	if (i >= opt.warmup)
		s->ns[s->n++] = t - stamp;
}

static void bind_to(const char *drv)
{
	int ret = pdev_bind(devname, drv);

	if (ret)
		die("cannot bind %s to %s: %s", devname, drv, strerror(-ret));
}

/* The previous request consumed (it is, nearly always, by now) */
static void wait_fire_free(void *regs, enum bench_path p)
{
	uint64_t end = td_now_ns() + (uint64_t)VD_DEV_MS * 1000000;

	while (td_rd32(regs, VPMSI_REG_FIRE)) {
		if (td_now_ns() > end)
			die("%s: FIRE mailbox stuck", path_name[p]);
		td_relax();
	}
}

/* Ours, in msi_mode @mode: one chunk through VFIO's MSI index, vector 0 */
static void chunk_ours(enum bench_path p, const char *mode)
{
	unsigned int i, total = opt.warmup + opt.chunk;
	char group[64], name[80];
	struct msi_dev md;
	uint64_t prev = 0, t;
	int efd, irq, ret;

	bind_to(vfio_drv);
	ret = pdev_vfio_group(devname, group, sizeof(group), 5000);
	if (ret)
		die("no VFIO group for %s: %s", devname, strerror(-ret));
	setenv(VFIO_DEV_ENV_GROUP, group, 1);
	ret = msi_dev_open_nvec(&md, mode, 1);
	if (ret)
		die("%s: cannot open the device: %s", path_name[p], md.why);
	efd = new_eventfd();
	ret = msi_enable(&md, 0, efd);
	if (ret)
		die("%s: SET_IRQS enabling vector 0: %s", path_name[p], strerror(-ret));
	snprintf(name, sizeof(name), "%s[0](%s)", MSI_IRQ_NAME, devname);
	irq = find_irq(name);
	if (irq <= 0)
		die("%s: no irq named %s", path_name[p], name);
	pin_irq(irq, opt.cpu_producer);

	for (i = 0; i < total; i++) {
		wait_fire_free(md.regs, p);
		alarm(BENCH_EVENT_TIMEOUT_S);
		td_wr32(md.regs, VPMSI_REG_FIRE, VPMSI_FIRE_GO | VPMSI_FIRE_COUNT(1));
		t = wait_event(efd, p);
		if (td_rd32(md.regs, VPMSI_REG_LAST_VECTOR) != 0)
			die("%s: LAST_VECTOR is not 0", path_name[p]);
		record(p, i, t, td_last_msi_ns(md.regs), &prev);
		gap();
	}
	msi_disable_all(&md);
	close(efd);
	msi_dev_close(&md);
}

static void bench_ioctl(unsigned long req, void *arg, const char *what)
{
	if (ioctl(bench_fd, req, arg))
		die("%s: %s", what, strerror(errno));
}

static void chunk_peer(void)
{
	struct vpmsi_bench_trigger trig = { .vector = 0 };
	struct vpmsi_bench_fire fire = { .vector = 0, .count = 1 };
	struct vpmsi_bench_vec vec = { .vector = 0 };
	unsigned int i, total = opt.warmup + opt.chunk;
	struct vpmsi_bench_last last;
	uint64_t prev = 0, t;
	int efd;

	bind_to(VPMSI_BENCH_DRVNAME);
	efd = new_eventfd();
	trig.fd = efd;
	bench_ioctl(VPMSI_BENCH_SET_TRIGGER, &trig, "peer: SET_TRIGGER");
	bench_ioctl(VPMSI_BENCH_VEC, &vec, "peer: VEC");
	pin_irq(vec.virq, opt.cpu_producer);

	for (i = 0; i < total; i++) {
		alarm(BENCH_EVENT_TIMEOUT_S);
		bench_ioctl(VPMSI_BENCH_FIRE, &fire, "peer: FIRE");
		t = wait_event(efd, P_PEER);
		bench_ioctl(VPMSI_BENCH_LAST, &last, "peer: LAST");
		if (last.dev_vector != 0)
			die("peer: LAST_VECTOR is not 0");
		record(P_PEER, i, t, last.dev_ns, &prev);
		gap();
	}
	trig.fd = -1;
	bench_ioctl(VPMSI_BENCH_SET_TRIGGER, &trig, "peer: SET_TRIGGER off");
	close(efd);
}

static void chunk_floor(void)
{
	struct vpmsi_bench_floor_fire ff = { .count = 1, .delay_us = floor_delay_us };
	struct vpmsi_bench_floor fl = { .cpu = (uint32_t)opt.cpu_producer };
	unsigned int i, total = opt.warmup + opt.chunk;
	struct vpmsi_bench_last last;
	uint64_t prev = 0, t;
	int efd;

	efd = new_eventfd();
	fl.fd = efd;
	bench_ioctl(VPMSI_BENCH_FLOOR_SET, &fl, "floor: FLOOR_SET");
	for (i = 0; i < total; i++) {
		alarm(BENCH_EVENT_TIMEOUT_S);
		bench_ioctl(VPMSI_BENCH_FLOOR_FIRE, &ff, "floor: FLOOR_FIRE");
		t = wait_event(efd, P_FLOOR);
		bench_ioctl(VPMSI_BENCH_LAST, &last, "floor: LAST");
		record(P_FLOOR, i, t, last.floor_ns, &prev);
		gap();
	}
	fl.fd = -1;
	bench_ioctl(VPMSI_BENCH_FLOOR_SET, &fl, "floor: FLOOR_SET off");
	close(efd);
}

/* The mailbox at @off free (the model consumed the previous request) */
static void wait_mailbox_free(void *regs, uint32_t off, enum bench_path p)
{
	uint64_t end = td_now_ns() + (uint64_t)VD_DEV_MS * 1000000;

	while (td_rd32(regs, off)) {
		if (td_now_ns() > end)
			die("%s: mailbox 0x%x stuck", path_name[p], off);
		td_relax();
	}
}

/*
 * A wired line through ours or upstream's driver: one chunk. Edge: one
 * PULSE per sample. Level: ASSERT; after the read, DEASSERT (the device's
 * condition cleared) and the UNMASK ioctl, timed on its own.
 */
static void chunk_wired(enum bench_path p)
{
	bool up = p == P_EDGE_UP || p == P_LEVEL_UP;
	bool level = p == P_LEVEL || p == P_LEVEL_UP;
	unsigned int line = level ? VPMSI_LINE_LEVEL : VPMSI_LINE_EDGE;
	unsigned int i, total = opt.warmup + opt.chunk;
	struct bench_series *s = &series[p];
	struct vfio_region_info ri;
	uint64_t prev = 0, t, t0;
	char group[64];
	struct vfio_dev vd;
	void *regs;
	int efd, irq, ret;

	bind_to(up ? upstream_drv : vfio_drv);
	ret = pdev_vfio_group(devname, group, sizeof(group), 5000);
	if (ret)
		die("no VFIO group for %s: %s", devname, strerror(-ret));
	setenv(VFIO_DEV_ENV_GROUP, group, 1);
	ret = vfio_dev_open(&vd);
	if (ret)
		die("%s: cannot open the device: %s", path_name[p], strerror(-ret));
	if (vd.info.num_irqs <= line)
		die("%s: %u IRQ indexes, no line %u", path_name[p],
		    vd.info.num_irqs, line);
	ret = vfio_dev_region_info(vd.device, VD_REGION_REGS, &ri);
	if (ret)
		die("%s: region 0: %s", path_name[p], strerror(-ret));
	regs = vfio_dev_mmap(vd.device, &ri, 0, VPMSI_WINDOW_SIZE);
	if (!regs)
		die("%s: mmap: %s", path_name[p], strerror(errno));
	/* Upstream's open does not reset the device (reset_required=0) */
	ret = td_line(regs, line, VPMSI_LINE_OP_DEASSERT, 1, VD_DEV_MS);
	if (ret)
		die("%s: DEASSERT: %s", path_name[p], strerror(-ret));
	efd = new_eventfd();
	ret = vfio_irq_set_trigger(vd.device, line, efd);
	if (ret)
		die("%s: SET_IRQS trigger of index %u: %s", path_name[p], line,
		    strerror(-ret));
	irq = find_line_irq(up ? UPSTREAM_IRQ_NAME : OUR_IRQ_NAME, level);
	if (irq <= 0)
		die("%s: no %s irq of %s in /proc/interrupts", path_name[p],
		    up ? UPSTREAM_IRQ_NAME : OUR_IRQ_NAME, devname);
	pin_irq(irq, opt.cpu_producer);

	for (i = 0; i < total; i++) {
		wait_mailbox_free(regs, VPMSI_REG_LINE_CMD, p);
		alarm(BENCH_EVENT_TIMEOUT_S);
		td_wr32(regs, VPMSI_REG_LINE_CMD, VPMSI_LINE_GO | line |
			VPMSI_LINE_OP(level ? VPMSI_LINE_OP_ASSERT :
				      VPMSI_LINE_OP_PULSE));
		t = wait_event(efd, p);
		if (td_rd32(regs, VPMSI_REG_LAST_LINE) != line)
			die("%s: LAST_LINE is not %u", path_name[p], line);
		record(p, i, t, td_rd64(regs, VPMSI_REG_LAST_LINE_NS), &prev);
		if (level) {
			ret = td_line(regs, line, VPMSI_LINE_OP_DEASSERT, 1,
				      VD_DEV_MS);
			if (ret)
				die("%s: DEASSERT: %s", path_name[p], strerror(-ret));
			t0 = td_now_ns();
			ret = vfio_irq_unmask(vd.device, line);
			t = td_now_ns();
			if (ret)
				die("%s: SET_IRQS UNMASK: %s", path_name[p],
				    strerror(-ret));
			if (i >= opt.warmup)
				s->unmask_ns[s->n_unmask++] = t - t0;
		}
		gap();
	}
	ret = vfio_irq_disable(vd.device, line);
	if (ret)
		die("%s: SET_IRQS disabling index %u: %s", path_name[p], line,
		    strerror(-ret));
	close(efd);
	munmap(regs, VPMSI_WINDOW_SIZE);
	vfio_dev_close(&vd);
}

static void run_chunk(enum bench_path p)
{
	switch (p) {
	case P_DEVICE:
		chunk_ours(p, MSI_MODE_DEVICE);
		break;
	case P_IRQCHIP:
		chunk_ours(p, MSI_MODE_IRQCHIP);
		break;
	case P_PEER:
		chunk_peer();
		break;
	case P_FLOOR:
		chunk_floor();
		break;
	case P_EDGE:
	case P_EDGE_UP:
	case P_LEVEL:
	case P_LEVEL_UP:
		chunk_wired(p);
		break;
	default:
		break;
	}
}

static void chunk_stats(enum bench_path p, unsigned int round, unsigned int from)
{
	struct bench_series *s = &series[p];
	unsigned int n = s->n - from;
	uint64_t *tmp = malloc(n * sizeof(*tmp));

	if (!tmp)
		die("out of memory");
	memcpy(tmp, s->ns + from, n * sizeof(*tmp));
	qsort(tmp, n, sizeof(*tmp), cmp_u64);
	s->chunk_p50[round] = pct(tmp, n, 50);
	s->chunk_p90[round] = pct(tmp, n, 90);
	free(tmp);
}

static void print_ratio(const char *name, const char *stat, const double *mine,
			const double *peer, unsigned int rounds)
{
	double *r = malloc(rounds * sizeof(*r));
	unsigned int i, below = 0;

	if (!r)
		die("out of memory");
	for (i = 0; i < rounds; i++) {
		r[i] = mine[i] / peer[i];
		below += mine[i] < peer[i];
	}
	qsort(r, rounds, sizeof(*r), cmp_dbl);
	printf("%s-RATIO %s %s %u %.4f %.4f %.4f %.4f %.4f %u\n", out_prefix, name,
	       stat, rounds, r[rounds / 2], r[0], r[rounds / 10],
	       r[rounds - 1 - rounds / 10], r[rounds - 1], below);
	free(r);
}

/* The UNMASK ioctl's times of a level path */
static void report_unmask(enum bench_path p)
{
	struct bench_series *s = &series[p];
	double sum = 0;
	unsigned int i;

	if (!s->n_unmask)
		return;
	qsort(s->unmask_ns, s->n_unmask, sizeof(*s->unmask_ns), cmp_u64);
	for (i = 0; i < s->n_unmask; i++)
		sum += s->unmask_ns[i];
	printf("%s-UNMASK %s %u %.2f %.2f %.2f %.2f\n", out_prefix, path_name[p],
	       s->n_unmask, pct(s->unmask_ns, s->n_unmask, 50),
	       pct(s->unmask_ns, s->n_unmask, 90),
	       pct(s->unmask_ns, s->n_unmask, 99), sum / s->n_unmask / 1000.0);
}

static void report(unsigned int rounds)
{
	static const double cdf_tail[] = { 99.5, 99.9, 99.95, 99.99, 100 };
	static const double pooled[] = { 50, 90, 99, 99.9 };
	const char *pf = out_prefix;
	unsigned int i, j;
	int p;

	for (p = 0; p < P_NUM; p++) {
		struct bench_series *s = &series[p];
		double sum = 0;

		if (!opt.use[p])
			continue;
		qsort(s->ns, s->n, sizeof(*s->ns), cmp_u64);
		for (i = 0; i < s->n; i++)
			sum += s->ns[i];
		printf("%s-STAT %s %u %.2f %.2f %.2f %.2f %.2f %.2f %.2f\n", pf,
		       path_name[p], s->n, pct(s->ns, s->n, 0), pct(s->ns, s->n, 50),
		       pct(s->ns, s->n, 90), pct(s->ns, s->n, 99),
		       pct(s->ns, s->n, 99.9), s->ns[s->n - 1] / 1000.0,
		       sum / s->n / 1000.0);
		printf("%s-ANOMALIES %s %u\n", pf, path_name[p], s->anomalies);
		for (j = 0; j < 200; j++)
			printf("%s-CDF %s %.4f %.3f\n", pf, path_name[p], j / 200.0,
			       pct(s->ns, s->n, j / 2.0));
		for (j = 0; j < ARRAY_SIZE(cdf_tail); j++)
			printf("%s-CDF %s %.4f %.3f\n", pf, path_name[p],
			       cdf_tail[j] / 100, pct(s->ns, s->n, cdf_tail[j]));
		report_unmask(p);
	}
	/* The masking modes against each other: the pushed domain level */
	if (opt.use[P_DEVICE] && opt.use[P_IRQCHIP]) {
		print_ratio("device/irqchip", "p50", series[P_DEVICE].chunk_p50,
			    series[P_IRQCHIP].chunk_p50, rounds);
		print_ratio("device/irqchip", "p90", series[P_DEVICE].chunk_p90,
			    series[P_IRQCHIP].chunk_p90, rounds);
	}
	/* Every path against its reference: the peer, or upstream's path */
	for (p = 0; p < P_NUM; p++) {
		struct bench_series *s = &series[p], *r = &series[path_ref[p]];

		if (!opt.use[p] || path_ref[p] == p || !opt.use[path_ref[p]])
			continue;
		print_ratio(path_name[p], "p50", s->chunk_p50, r->chunk_p50, rounds);
		print_ratio(path_name[p], "p90", s->chunk_p90, r->chunk_p90, rounds);
		printf("%s-POOLED %s", pf, path_name[p]);
		for (j = 0; j < ARRAY_SIZE(pooled); j++)
			printf(" %.4f", pct(s->ns, s->n, pooled[j]) /
			       pct(r->ns, r->n, pooled[j]));
		printf("\n");
	}
}

static void parse_paths(const char *list)
{
	char *dup = strdup(list), *tok, *save = NULL;
	int p;

	if (!dup)
		die("out of memory");
	memset(opt.use, 0, sizeof(opt.use));
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (p = 0; p < P_NUM; p++)
			if (!strcmp(tok, path_name[p]))
				break;
		if (p == P_NUM)
			die("unknown path %s (device, irqchip, peer, floor; %s)",
			    tok, "edge, edge-upstream, level, level-upstream");
		opt.use[p] = true;
	}
	free(dup);
}

static unsigned int num_arg(const char *s, unsigned int min, unsigned int max)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*end || v < min || v > max)
		die("bad number %s (%u..%u)", s, min, max);
	return (unsigned int)v;
}

/* latency (the MSI paths) and wired (the lines): the same method */
static int latency(int argc, char **argv, bool wired)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	const char *pf = wired ? "BENCH-WIRED" : "BENCH";
	struct pdev_state saved;
	unsigned int rounds, r, k, from;
	enum bench_path order[P_NUM];
	unsigned int norder = 0;
	int c, p;

	parse_paths(wired ? "edge,edge-upstream,level,level-upstream" :
		    "device,irqchip,peer,floor");
	while ((c = getopt(argc, argv, "n:c:w:g:C:P:p:u:")) != -1) {
		switch (c) {
		case 'n':
			opt.samples = num_arg(optarg, 1, 10000000);
			break;
		case 'c':
			opt.chunk = num_arg(optarg, 1, 1000000);
			break;
		case 'w':
			opt.warmup = num_arg(optarg, 0, 100000);
			break;
		case 'g':
			opt.gap_us = num_arg(optarg, 0, 999999);
			break;
		case 'C':
			opt.cpu_consumer = (int)num_arg(optarg, 0, 1023);
			break;
		case 'P':
			opt.cpu_producer = (int)num_arg(optarg, 0, 1023);
			break;
		case 'p':
			parse_paths(optarg);
			break;
		case 'u':
			upstream_drv = optarg;
			break;
		default:
			die("usage: %s [-n samples] [-c chunk] [-w warmup] [-g gap_us] %s",
			    argv[0], "[-C cpu] [-P cpu] [-p paths] [-u upstream_driver]");
		}
	}
	for (p = wired ? 0 : P_EDGE; p < (wired ? P_EDGE : P_NUM); p++)
		if (opt.use[p])
			die("%s: no path %s", argv[0], path_name[p]);
	out_prefix = pf;
	if (opt.chunk > opt.samples)
		opt.chunk = opt.samples;
	rounds = (opt.samples + opt.chunk - 1) / opt.chunk;
	opt.samples = rounds * opt.chunk;
	if (opt.cpu_consumer == opt.cpu_producer)
		die("the consumer and the producer need two CPUs");

	common_setup();
	if (pdev_save(devname, &saved))
		die("cannot read %s's binding", devname);
	sigaction(SIGALRM, &sa, NULL);

	for (p = 0; p < P_NUM; p++) {
		if (!opt.use[p])
			continue;
		order[norder++] = p;
		series[p].ns = calloc(opt.samples, sizeof(uint64_t));
		series[p].chunk_p50 = calloc(rounds, sizeof(double));
		series[p].chunk_p90 = calloc(rounds, sizeof(double));
		series[p].unmask_ns = calloc(opt.samples, sizeof(uint64_t));
		if (!series[p].ns || !series[p].chunk_p50 || !series[p].chunk_p90 ||
		    !series[p].unmask_ns)
			die("out of memory");
	}

	printf("%s-PARAM samples_per_path %u\n", pf, opt.samples);
	printf("%s-PARAM chunk %u\n%s-PARAM rounds %u\n", pf, opt.chunk, pf, rounds);
	printf("%s-PARAM warmup_per_chunk %u\n%s-PARAM gap_us %u\n",
	       pf, opt.warmup, pf, opt.gap_us);
	printf("%s-PARAM cpu_consumer %d\n%s-PARAM cpu_producer %d\n",
	       pf, opt.cpu_consumer, pf, opt.cpu_producer);
	printf("%s-PARAM floor_delay_us %u\n%s-PARAM vfio_driver %s\n",
	       pf, floor_delay_us, pf, vfio_drv);
	if (wired)
		printf("%s-PARAM upstream_driver %s\n", pf, upstream_drv);
	fflush(stdout);

	for (r = 0; r < rounds; r++) {
		for (k = 0; k < norder; k++) {
			p = order[(k + r) % norder];
			from = series[p].n;
			run_chunk(p);
			chunk_stats(p, r, from);
		}
		fprintf(stderr, "# round %u/%u done\n", r + 1, rounds);
	}

	if (bench_fd >= 0)
		close(bench_fd);
	if (pdev_restore(devname, &saved))
		fprintf(stderr, "vpm_bench_prog: could not restore %s's binding\n", devname);
	report(rounds);
	return 0;
}

/* Sum of the per-CPU counts of @irq in /proc/interrupts */
static uint64_t irq_count(int irq)
{
	char line[4096], *p, *end;
	FILE *f = fopen("/proc/interrupts", "r");
	uint64_t n = 0;

	if (!f)
		die("/proc/interrupts: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (atoi(line) != irq || !strchr(line, ':'))
			continue;
		p = strchr(line, ':') + 1;
		for (;;) {
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			n += v;
			p = end;
		}
		break;
	}
	fclose(f);
	return n;
}

#define TPUT_MAX_VEC	64

/* One path's device set up with nv vectors, each on its own eventfd */
struct tput_target {
	enum bench_path p;
	struct msi_dev md;	/* ours */
	unsigned int nv;
	int efd[TPUT_MAX_VEC];
	int irq[TPUT_MAX_VEC];
	uint64_t got[TPUT_MAX_VEC];	/* read from the eventfds, this run */
	uint32_t sent0[TPUT_MAX_VEC];	/* the device's COUNT(v) at its start */
	uint64_t handled0[TPUT_MAX_VEC];	/* /proc/interrupts at its start */
};

static void tput_setup(struct tput_target *t, enum bench_path p, unsigned int nv)
{
	char group[64], name[80];
	unsigned int v;
	int ret;

	memset(t, 0, sizeof(*t));
	t->p = p;
	t->nv = nv;
	for (v = 0; v < nv; v++) {
		t->efd[v] = efd_create();
		if (t->efd[v] < 0)
			die("eventfd: %s", strerror(-t->efd[v]));
	}
	if (p == P_PEER) {
		struct vpmsi_bench_info info;

		bind_to(VPMSI_BENCH_DRVNAME);
		bench_ioctl(VPMSI_BENCH_INFO, &info, "peer: INFO");
		if (info.nvec < nv)
			die("peer: %u vectors, %u needed (module parameter nvec)",
			    info.nvec, nv);
		for (v = 0; v < nv; v++) {
			struct vpmsi_bench_trigger trig = { .vector = v, .fd = t->efd[v] };
			struct vpmsi_bench_vec vec = { .vector = v };

			bench_ioctl(VPMSI_BENCH_SET_TRIGGER, &trig, "peer: SET_TRIGGER");
			bench_ioctl(VPMSI_BENCH_VEC, &vec, "peer: VEC");
			t->irq[v] = (int)vec.virq;
		}
	} else {
		bind_to(vfio_drv);
		ret = pdev_vfio_group(devname, group, sizeof(group), 5000);
		if (ret)
			die("no VFIO group for %s: %s", devname, strerror(-ret));
		setenv(VFIO_DEV_ENV_GROUP, group, 1);
		ret = msi_dev_open_nvec(&t->md, p == P_DEVICE ? MSI_MODE_DEVICE :
					MSI_MODE_IRQCHIP, nv);
		if (ret)
			die("%s: cannot open the device: %s", path_name[p], t->md.why);
		ret = msi_set_fds(t->md.vd.device, t->md.index,
				  VFIO_IRQ_SET_ACTION_TRIGGER, 0, nv, t->efd);
		if (ret)
			die("%s: SET_IRQS enabling %u vectors: %s", path_name[p],
			    nv, strerror(-ret));
		for (v = 0; v < nv; v++) {
			snprintf(name, sizeof(name), "%s[%u](%s)", MSI_IRQ_NAME, v,
				 devname);
			t->irq[v] = find_irq(name);
			if (t->irq[v] <= 0)
				die("%s: no irq named %s", path_name[p], name);
		}
	}
	for (v = 0; v < nv; v++)
		pin_irq(t->irq[v], opt.cpu_producer);
}

static void tput_teardown(struct tput_target *t)
{
	unsigned int v;

	if (t->p == P_PEER) {
		for (v = 0; v < t->nv; v++) {
			struct vpmsi_bench_trigger trig = { .vector = v, .fd = -1 };

			bench_ioctl(VPMSI_BENCH_SET_TRIGGER, &trig, "peer: SET_TRIGGER off");
		}
	} else {
		msi_disable_all(&t->md);
		msi_dev_close(&t->md);
	}
	msi_efds_close(t->efd, t->nv);
}

/* A request in the FIRE mailbox? (The peer's cannot be seen: no.) */
static bool tput_mailbox_busy(struct tput_target *t)
{
	return t->p != P_PEER && td_rd32(t->md.regs, VPMSI_REG_FIRE);
}

static void tput_post(struct tput_target *t, unsigned int v, unsigned int count)
{
	if (t->p == P_PEER) {
		struct vpmsi_bench_fire fire = { .vector = v, .count = count };

		bench_ioctl(VPMSI_BENCH_FIRE, &fire, "peer: FIRE");
		return;
	}
	wait_fire_free(t->md.regs, t->p);
	td_wr32(t->md.regs, VPMSI_REG_FIRE,
		VPMSI_FIRE_GO | VPMSI_FIRE_COUNT(count) | v);
}

static uint32_t tput_sent(struct tput_target *t)
{
	struct vpmsi_bench_last last;

	if (t->p != P_PEER)
		return td_rd32(t->md.regs, VPMSI_REG_MSI_TOTAL);
	bench_ioctl(VPMSI_BENCH_LAST, &last, "peer: LAST");
	return last.dev_total;
}

/*
 * Read what is there (waiting up to @timeout_ms for something): the
 * vectors that had events go to @ready (if not NULL). Returns the events'
 * total and sets *last to the time of the last one.
 */
static uint64_t tput_collect(struct tput_target *t, int epfd, int timeout_ms,
			     unsigned int *ready, unsigned int *nready,
			     uint64_t *last)
{
	struct epoll_event ev[TPUT_MAX_VEC];
	uint64_t total = 0, val;
	int i, n;

	n = epoll_wait(epfd, ev, TPUT_MAX_VEC, timeout_ms);
	if (n < 0 && errno != EINTR)
		die("epoll_wait: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		unsigned int v = ev[i].data.u32;

		if (read(t->efd[v], &val, sizeof(val)) != sizeof(val))
			continue;
		t->got[v] += val;
		total += val;
		*last = td_now_ns();
		if (ready)
			ready[(*nready)++] = v;
	}
	return total;
}

static int tput_epoll(struct tput_target *t)
{
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned int v;
	int epfd = epoll_create1(EPOLL_CLOEXEC);

	if (epfd < 0)
		die("epoll_create1: %s", strerror(errno));
	for (v = 0; v < t->nv; v++) {
		ev.data.u32 = v;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, t->efd[v], &ev))
			die("epoll_ctl: %s", strerror(errno));
	}
	return epfd;
}

/* What the device, the handlers and the eventfds say of each vector */
static void tput_diag(struct tput_target *t, const char *kind)
{
	unsigned int v;

	for (v = 0; v < t->nv; v++) {
		printf("BENCH-DIAG %s %s vector %u handled %llu eventfd %llu",
		       path_name[t->p], kind, v,
		       (unsigned long long)(irq_count(t->irq[v]) - t->handled0[v]),
		       (unsigned long long)t->got[v]);
		if (t->p == P_PEER) {
			printf("\n");
			continue;
		}
		printf(" sent %u pending %d masked %d err %u\n",
		       td_count(t->md.regs, v) - t->sent0[v],
		       td_pending(t->md.regs, v), td_masked(t->md.regs, v),
		       td_rd32(t->md.regs, VPMSI_REG_ERR_COUNT));
	}
}

/*
 * Drain what an earlier run left in the eventfds, then take the start
 * counts of this one.
 */
static void tput_begin(struct tput_target *t, uint32_t *sent0)
{
	unsigned int v;

	for (v = 0; v < t->nv; v++) {
		efd_drain(t->efd[v]);
		t->got[v] = 0;
		t->handled0[v] = irq_count(t->irq[v]);
		if (t->p != P_PEER)
			t->sent0[v] = td_count(t->md.regs, v);
	}
	*sent0 = tput_sent(t);
}

/*
 * Events that arrive after the run's end (a closed loop that waited
 * BENCH_EVENT_TIMEOUT_S for one): counted as late, not lost, if they come
 * within another second.
 */
static uint64_t tput_late(struct tput_target *t, int epfd)
{
	uint64_t late = 0, got, last, end = td_now_ns() + 1000000000ull;

	while (td_now_ns() < end) {
		got = tput_collect(t, epfd, 100, NULL, NULL, &last);
		late += got;
	}
	return late;
}

static void tput_report(struct tput_target *t, const char *kind, uint64_t events,
			uint64_t ns, uint32_t sent0, uint64_t late)
{
	uint64_t handled = 0, min = UINT64_MAX;
	uint32_t sent = tput_sent(t) - sent0;
	const char *verdict;
	unsigned int v;

	for (v = 0; v < t->nv; v++) {
		handled += irq_count(t->irq[v]) - t->handled0[v];
		if (t->got[v] < min)
			min = t->got[v];
	}
	if (handled != events + late || !min)
		verdict = "LOSS";
	else
		verdict = late ? "late" : "ok";
	printf("BENCH-TPUT %s %s %u %llu %.1f %.0f %u %llu %llu %llu %s\n",
	       path_name[t->p], kind, t->nv, (unsigned long long)events,
	       ns / 1e6, ns ? events * 1e9 / ns : 0.0, sent,
	       (unsigned long long)handled, (unsigned long long)(events + late),
	       (unsigned long long)min, verdict);
	if (strcmp(verdict, "ok"))
		tput_diag(t, kind);
}

static void tput_closed(struct tput_target *t, unsigned int ms)
{
	unsigned int queue[TPUT_MAX_VEC], head = 0, nq, v, inflight = 0;
	uint64_t t0, last, events = 0, late = 0, deadline;
	int epfd = tput_epoll(t);
	uint32_t sent0;

	tput_begin(t, &sent0);
	for (v = 0; v < t->nv; v++)
		queue[v] = v;
	nq = t->nv;
	t0 = td_now_ns();
	last = t0;
	deadline = t0 + ms * 1000000ull;
	while (td_now_ns() < deadline || inflight) {
		unsigned int ready[TPUT_MAX_VEC], nready = 0, i;
		bool posting = nq && td_now_ns() < deadline;
		uint64_t got;

		if (posting) {
			tput_post(t, queue[head], 1);
			head = (head + 1) % TPUT_MAX_VEC;
			nq--;
			inflight++;
		}
		got = tput_collect(t, epfd, posting ? 0 : BENCH_EVENT_TIMEOUT_S * 1000,
				   ready, &nready, &last);
		if (!nready && !posting && inflight) {
			fprintf(stderr, "vpm_bench_prog: %s: closed loop on %u vectors: %s\n",
				path_name[t->p], t->nv, "events missing");
			fprintf(stderr, "vpm_bench_prog: %u of them after %d s\n",
				inflight, BENCH_EVENT_TIMEOUT_S);
			late = tput_late(t, epfd);
			break;
		}
		events += got;
		for (i = 0; i < nready; i++) {
			queue[(head + nq) % TPUT_MAX_VEC] = ready[i];
			nq++;
			inflight--;
		}
	}
	close(epfd);
	tput_report(t, "closed", events, last - t0, sent0, late);
}

static void tput_flood(struct tput_target *t, unsigned int fires)
{
	unsigned int per = fires / t->nv, v;
	uint64_t t0, last, events = 0, quiet;
	int epfd = tput_epoll(t);
	uint32_t sent0;

	if (!per)
		per = 1;
	if (per > VPMSI_FIRE_COUNT_MAX)
		per = VPMSI_FIRE_COUNT_MAX;
	tput_begin(t, &sent0);
	t0 = td_now_ns();
	last = t0;
	for (v = 0; v < t->nv; v++) {
		tput_post(t, v, per);
		events += tput_collect(t, epfd, 0, NULL, NULL, &last);
	}
	/* Until nothing arrives for 300 ms after the last request is done */
	for (quiet = td_now_ns(); td_now_ns() - quiet < 300000000ull; ) {
		uint64_t got = tput_collect(t, epfd, 50, NULL, NULL, &last);

		if (got || tput_mailbox_busy(t))
			quiet = td_now_ns();
		events += got;
	}
	close(epfd);
	tput_report(t, "flood", events, last - t0, sent0, 0);
}

static unsigned int parse_list(const char *s, unsigned int *out, unsigned int max,
			       unsigned int lo, unsigned int hi)
{
	char *dup = strdup(s), *tok, *save = NULL;
	unsigned int n = 0;

	if (!dup)
		die("out of memory");
	for (tok = strtok_r(dup, ",", &save); tok && n < max;
	     tok = strtok_r(NULL, ",", &save))
		out[n++] = num_arg(tok, lo, hi);
	free(dup);
	return n;
}

static void common_setup(void)
{
	char buf[32];

	devname = msi_dev_name();
	if (!devname)
		die("%s is not set", VFIO_DEV_ENV_DEVICE);
	snprintf(vfio_drv, sizeof(vfio_drv), "%s", pdev_vpm_driver());
	if (opt.use[P_PEER] || opt.use[P_FLOOR]) {
		bench_fd = open(BENCH_DEV, O_RDWR | O_CLOEXEC);
		if (bench_fd < 0)
			die("%s: %s (is vpmsi_bench.ko loaded?)", BENCH_DEV,
			    strerror(errno));
	}
	if (!msi_read_line(BENCH_MODEL_POLL, buf, sizeof(buf)))
		floor_delay_us = (unsigned int)atoi(buf);
	pin_self(opt.cpu_consumer);
	if (pin_threads("vpmsi-model", opt.cpu_producer) <= 0)
		die("cannot pin the device model's kthreads");
}

static int throughput(int argc, char **argv)
{
	unsigned int nvecs[8] = { 1, 8, 64 }, nn = 3, ms = 2000, fires = 20000, i, k;
	enum bench_path order[P_NUM];
	unsigned int norder = 0;
	struct pdev_state saved;
	struct tput_target t;
	int c, p;

	parse_paths("device,irqchip,peer");
	while ((c = getopt(argc, argv, "v:d:f:p:")) != -1) {
		switch (c) {
		case 'v':
			nn = parse_list(optarg, nvecs, 8, 1, TPUT_MAX_VEC);
			break;
		case 'd':
			ms = num_arg(optarg, 1, 600000);
			break;
		case 'f':
			fires = num_arg(optarg, 1, 10000000);
			break;
		case 'p':
			parse_paths(optarg);
			break;
		default:
			die("usage: %s [-v nvecs] [-d ms] [-f fires] [-p paths]", argv[0]);
		}
	}
	if (opt.use[P_FLOOR])
		die("%s: the floor has no device", argv[0]);
	for (p = P_EDGE; p < P_NUM; p++)
		if (opt.use[p])
			die("%s: MSI paths only", argv[0]);
	common_setup();
	if (pdev_save(devname, &saved))
		die("cannot read %s's binding", devname);
	printf("BENCH-PARAM tput_closed_ms %u\nBENCH-PARAM tput_flood_fires %u\n",
	       ms, fires);
	for (p = 0; p < P_NUM; p++)
		if (opt.use[p])
			order[norder++] = p;
	/* The path order rotated for each vector count, as latency's rounds */
	for (i = 0; i < nn; i++) {
		for (k = 0; k < norder; k++) {
			p = order[(k + i) % norder];
			tput_setup(&t, p, nvecs[i]);
			tput_closed(&t, ms);
			tput_flood(&t, fires);
			tput_teardown(&t);
		}
	}
	if (bench_fd >= 0)
		close(bench_fd);
	if (pdev_restore(devname, &saved))
		fprintf(stderr, "vpm_bench_prog: could not restore %s's binding\n", devname);
	return 0;
}

static uint64_t us_since(uint64_t t0)
{
	return (td_now_ns() - t0 + 500) / 1000;
}

static void scale_one(const char *mode, unsigned int n, unsigned int rep, int *fds)
{
	uint64_t t0, optin, all, dis, en, cls;
	char group[64];
	struct msi_dev md;
	long slab0, slab1;
	int ret, off = -1;

	ret = pdev_vfio_group(devname, group, sizeof(group), 5000);
	if (ret)
		die("no VFIO group for %s: %s", devname, strerror(-ret));
	setenv(VFIO_DEV_ENV_GROUP, group, 1);
	msi_drop_caches();
	slab0 = msi_meminfo_kb("Slab");
	ret = msi_dev_open_legacy(&md, mode);
	if (ret)
		die("scaling: cannot open the device: %s", md.why);
	t0 = td_now_ns();
	ret = msi_dev_opt_in(&md, n);
	optin = us_since(t0);
	if (ret)
		die("scaling: asking for %u MSIs: %s", n, md.why);
	t0 = td_now_ns();
	ret = msi_set_fds(md.vd.device, md.index, VFIO_IRQ_SET_ACTION_TRIGGER,
			  0, n, fds);
	all = us_since(t0);
	if (ret)
		die("scaling: enabling %u vectors: %s", n, strerror(-ret));
	slab1 = msi_meminfo_kb("Slab");
	t0 = td_now_ns();
	ret = msi_set_fds(md.vd.device, md.index, VFIO_IRQ_SET_ACTION_TRIGGER,
			  n - 1, 1, &off);
	dis = us_since(t0);
	if (ret)
		die("scaling: disabling vector %u: %s", n - 1, strerror(-ret));
	t0 = td_now_ns();
	ret = msi_set_fds(md.vd.device, md.index, VFIO_IRQ_SET_ACTION_TRIGGER,
			  n - 1, 1, &fds[n - 1]);
	en = us_since(t0);
	if (ret)
		die("scaling: enabling vector %u: %s", n - 1, strerror(-ret));
	/* The mapping holds the file: only the close of the last reference counts */
	munmap(md.regs, VPMSI_WINDOW_SIZE);
	md.regs = NULL;
	t0 = td_now_ns();
	close(md.vd.device);
	cls = us_since(t0);
	md.vd.device = -1;
	msi_dev_close(&md);
	printf("BENCH-SCALE %s %u %u %llu %llu %llu %llu %llu %ld\n", mode, n, rep,
	       (unsigned long long)optin, (unsigned long long)all,
	       (unsigned long long)dis, (unsigned long long)en,
	       (unsigned long long)cls, slab1 - slab0);
}

static int scaling(int argc, char **argv)
{
	unsigned int nvecs[8] = { 1, 8, 64, 512, 2048 }, nn = 5, reps = 3, i, r, max = 0;
	struct pdev_state saved;
	int c, p, *fds, got;

	parse_paths("device");
	while ((c = getopt(argc, argv, "v:r:p:")) != -1) {
		switch (c) {
		case 'v':
			nn = parse_list(optarg, nvecs, 8, 1, VPMSI_NUM_VECTORS);
			break;
		case 'r':
			reps = num_arg(optarg, 1, 1000);
			break;
		case 'p':
			parse_paths(optarg);
			break;
		default:
			die("usage: %s [-v nvecs] [-r reps] [-p modes]", argv[0]);
		}
	}
	for (p = P_PEER; p < P_NUM; p++)
		if (opt.use[p])
			die("%s: device and irqchip only", argv[0]);
	common_setup();
	if (pdev_save(devname, &saved))
		die("cannot read %s's binding", devname);
	bind_to(vfio_drv);
	for (i = 0; i < nn; i++)
		if (nvecs[i] > max)
			max = nvecs[i];
	fds = calloc(max, sizeof(*fds));
	if (!fds)
		die("out of memory");
	got = msi_efds_create(fds, max);
	if (got < (int)max)
		die("%s: %d eventfds, %u needed", argv[0], got, max);
	printf("BENCH-PARAM scale_reps %u\n", reps);
	for (r = 0; r < reps; r++)
		for (i = 0; i < nn; i++)
			for (p = 0; p < P_NUM; p++)
				if (opt.use[p])
					scale_one(path_name[p], nvecs[i], r, fds);
	msi_efds_close(fds, max);
	free(fds);
	if (pdev_restore(devname, &saved))
		fprintf(stderr, "vpm_bench_prog: could not restore %s's binding\n", devname);
	return 0;
}

/*
 * vfio-pci on QEMU PCI devices behind the emulated SMMUv3, for scale (a
 * boot of its own: the machine with iommu=smmuv3, an edu device and a
 * virtio-rng-pci device with many MSI-X vectors, both bound to vfio-pci).
 */
#define EDU_REG_ID		0x00	/* 0xRRrr00ed */
#define EDU_REG_INTR_RAISE	0x60	/* write: raise the interrupt */
#define EDU_REG_INTR_ACK	0x64	/* write: acknowledge it */
#define PCI_BAR_MAP		4096
#define PCI_CFG_COMMAND		0x04	/* 16 bits */
#define PCI_CFG_COMMAND_MASTER	0x4	/* bus master: QEMU drops MSIs without */

/* Set bus mastering in the command register: an MSI is a DMA write */
static void pci_bus_master(struct vfio_dev *vd, const char *bdf)
{
	struct vfio_region_info ri;
	uint64_t cmd;
	int ret;

	ret = vfio_dev_region_info(vd->device, VFIO_PCI_CONFIG_REGION_INDEX, &ri);
	if (!ret)
		ret = vfio_dev_rd(vd->device, &ri, PCI_CFG_COMMAND, 2, &cmd);
	if (!ret)
		ret = vfio_dev_wr(vd->device, &ri, PCI_CFG_COMMAND, 2,
				  cmd | PCI_CFG_COMMAND_MASTER);
	if (ret)
		die("%s: config space command register: %s", bdf, strerror(-ret));
}

/* Open the vfio-pci device @bdf through its IOMMU group */
static void pci_open(struct vfio_dev *vd, const char *bdf)
{
	char link[PATH_MAX], path[PATH_MAX], group[64];
	ssize_t n;
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		die("%s: %s (no IOMMU group: no SMMUv3?)", path, strerror(errno));
	link[n] = '\0';
	snprintf(group, sizeof(group), "/dev/vfio/%s", strrchr(link, '/') + 1);
	setenv(VFIO_DEV_ENV_GROUP, group, 1);
	setenv(VFIO_DEV_ENV_DEVICE, bdf, 1);
	ret = vfio_dev_open(vd);
	if (ret)
		die("%s: cannot open through vfio-pci (%s): %s", bdf, group,
		    strerror(-ret));
	if (!(vd->info.flags & VFIO_DEVICE_FLAGS_PCI))
		die("%s: not a vfio-pci device", bdf);
}

/* The producer: stamp, then raise edu's interrupt, once per request */
struct pci_producer {
	void *regs;		/* BAR0 (td_rd32(), td_wr32(): uncached) */
	int cpu;
	int req_efd;		/* a request: one raise (EFD_SEMAPHORE) */
	bool stop;		/* set before the last request: end, no raise */
	uint64_t stamp;		/* written before the raise */
};

static void *pci_producer_fn(void *arg)
{
	struct pci_producer *pp = arg;
	uint64_t v;

	pin_self(pp->cpu);
	/*
	 * A semaphore eventfd's read() returns 1 whatever was written: the
	 * stop is a flag, set before the request that wakes us up to see it
	 */
	while (read(pp->req_efd, &v, sizeof(v)) == sizeof(v)) {
		if (__atomic_load_n(&pp->stop, __ATOMIC_ACQUIRE))
			break;
		__atomic_store_n(&pp->stamp, td_now_ns(), __ATOMIC_RELAXED);
		__sync_synchronize();	/* the stamp before the raise */
		td_wr32(pp->regs, EDU_REG_INTR_RAISE, 1);
	}
	return NULL;
}

/* No MSI from edu: what the device and the host say, before giving up */
static __noreturn void pci_msi_lost(struct vfio_dev *vd, void *regs, int irq,
				    const char *bdf)
{
	struct vfio_region_info ri;
	uint64_t v;
	unsigned int off;

	printf("BENCH-PCI-DIAG %s irq %d handled %llu edu_intr_status 0x%x\n",
	       bdf, irq, (unsigned long long)irq_count(irq),
	       td_rd32(regs, 0x24));
	if (!vfio_dev_region_info(vd->device, VFIO_PCI_CONFIG_REGION_INDEX, &ri)) {
		printf("BENCH-PCI-DIAG %s config", bdf);
		for (off = 0; off < 0x80; off += 4)
			if (!vfio_dev_rd(vd->device, &ri, off, 4, &v))
				printf("%s%08llx", off % 32 ? " " : "\nBENCH-PCI-DIAG ",
				       (unsigned long long)v);
		printf("\n");
	}
	die("%s: edu's MSI did not arrive within %d s", bdf, BENCH_EVENT_TIMEOUT_S);
}

/*
 * pci-msi -d BDF [-n SAMPLES] [-w WARMUP] [-g GAP_US] [-C CPU] [-P CPU]:
 * edu's MSI through vfio-pci: from the producer thread's stamp just
 * before its MMIO write to the interrupt raise register (TCG performs the
 * write, and sends the MSI, within that store) to the return of read().
 */
static int pci_msi(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	unsigned int n = 5000, warmup = 100, gap_us = 200, i;
	struct bench_series s = { 0 };
	struct pci_producer pp = { 0 };
	struct vfio_region_info ri;
	struct vfio_irq_info ii;
	const char *bdf = NULL;
	uint64_t t, one = 1, prev = 0, sum = 0, handled0, handled;
	struct vfio_dev vd;
	sigset_t alrm;
	pthread_t thr;
	char name[96];
	int c, efd, irq, ret;

	while ((c = getopt(argc, argv, "d:n:w:g:C:P:")) != -1) {
		switch (c) {
		case 'd':
			bdf = optarg;
			break;
		case 'n':
			n = num_arg(optarg, 1, 10000000);
			break;
		case 'w':
			warmup = num_arg(optarg, 0, 100000);
			break;
		case 'g':
			gap_us = num_arg(optarg, 0, 999999);
			break;
		case 'C':
			opt.cpu_consumer = (int)num_arg(optarg, 0, 1023);
			break;
		case 'P':
			opt.cpu_producer = (int)num_arg(optarg, 0, 1023);
			break;
		default:
			die("usage: %s -d bdf [-n samples] [-w warmup] [-g gap_us] %s",
			    argv[0], "[-C cpu] [-P cpu]");
		}
	}
	if (!bdf)
		die("%s: -d BDF of the edu device", argv[0]);
	opt.gap_us = gap_us;
	pin_self(opt.cpu_consumer);
	sigaction(SIGALRM, &sa, NULL);
	pci_open(&vd, bdf);
	ret = vfio_dev_region_info(vd.device, VFIO_PCI_BAR0_REGION_INDEX, &ri);
	if (ret)
		die("%s: BAR0: %s", bdf, strerror(-ret));
	pp.regs = vfio_dev_mmap(vd.device, &ri, 0, PCI_BAR_MAP);
	if (!pp.regs)
		die("%s: mmap of BAR0: %s", bdf, strerror(errno));
	if ((td_rd32(pp.regs, EDU_REG_ID) & 0xff) != 0xed)
		die("%s: not an edu device (ID 0x%08x)", bdf,
		    td_rd32(pp.regs, EDU_REG_ID));
	ret = vfio_dev_irq_info(vd.device, VFIO_PCI_MSI_IRQ_INDEX, &ii);
	if (ret || ii.count < 1)
		die("%s: no MSI (%s)", bdf, strerror(-ret));
	pci_bus_master(&vd, bdf);
	efd = new_eventfd();
	ret = msi_set_fds(vd.device, VFIO_PCI_MSI_IRQ_INDEX,
			  VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &efd);
	if (ret)
		die("%s: SET_IRQS MSI: %s", bdf, strerror(-ret));
	snprintf(name, sizeof(name), "vfio-msi[0](%s)", bdf);
	irq = find_irq(name);
	if (irq <= 0)
		die("%s: no irq named %s", bdf, name);
	pin_irq(irq, opt.cpu_producer);
	handled0 = irq_count(irq);

	s.ns = calloc(n, sizeof(*s.ns));
	if (!s.ns)
		die("out of memory");
	pp.cpu = opt.cpu_producer;
	pp.req_efd = eventfd(0, EFD_CLOEXEC | EFD_SEMAPHORE);
	/* The alarm is for the consumer's read(): the producer blocks it */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, NULL);
	if (pp.req_efd < 0 || pthread_create(&thr, NULL, pci_producer_fn, &pp))
		die("cannot start the producer thread");
	pthread_sigmask(SIG_UNBLOCK, &alrm, NULL);
	/* One raise first: does edu's MSI reach us at all? */
	td_wr32(pp.regs, EDU_REG_INTR_RAISE, 1);
	ret = efd_wait(efd, BENCH_EVENT_TIMEOUT_S * 1000, &t);
	if (ret <= 0)
		pci_msi_lost(&vd, pp.regs, irq, bdf);
	td_wr32(pp.regs, EDU_REG_INTR_ACK, 1);
	printf("BENCH-PCI-PARAM samples %u\nBENCH-PCI-PARAM warmup %u\n", n, warmup);
	printf("BENCH-PCI-PARAM gap_us %u\nBENCH-PCI-PARAM msi_flags 0x%x\n",
	       gap_us, ii.flags);
	for (i = 0; i < n + warmup; i++) {
		uint64_t stamp;

		alarm(BENCH_EVENT_TIMEOUT_S);
		if (write(pp.req_efd, &one, sizeof(one)) != sizeof(one))
			die("producer request: %s", strerror(errno));
		t = wait_event(efd, P_DEVICE);	/* counts into series[P_DEVICE] */
		stamp = __atomic_load_n(&pp.stamp, __ATOMIC_RELAXED);
		if (stamp <= prev || t < stamp)
			die("edu: stale or future stamp");
		prev = stamp;
		td_wr32(pp.regs, EDU_REG_INTR_ACK, 1);
		if (i >= warmup) {
			s.ns[s.n++] = t - stamp;
			sum += t - stamp;
		}
		gap();
	}
	__atomic_store_n(&pp.stop, true, __ATOMIC_RELEASE);
	if (write(pp.req_efd, &one, sizeof(one)) != sizeof(one))
		die("producer stop: %s", strerror(errno));
	pthread_join(thr, NULL);
	/* Paced: every raise handled once, none more (a storm is an error) */
	handled = irq_count(irq) - handled0;
	printf("BENCH-PCI-ACCOUNT edu-msi raises %u handled %llu\n",
	       1 + n + warmup, (unsigned long long)handled);
	if (handled != 1 + n + warmup)
		die("edu: %llu MSIs handled for %u raises",
		    (unsigned long long)handled, 1 + n + warmup);
	qsort(s.ns, s.n, sizeof(*s.ns), cmp_u64);
	printf("BENCH-PCI-STAT edu-msi %u %.2f %.2f %.2f %.2f %.2f %.2f %.2f\n",
	       s.n, pct(s.ns, s.n, 0), pct(s.ns, s.n, 50), pct(s.ns, s.n, 90),
	       pct(s.ns, s.n, 99), pct(s.ns, s.n, 99.9), s.ns[s.n - 1] / 1000.0,
	       sum / (double)s.n / 1000.0);
	printf("BENCH-PCI-ANOMALIES edu-msi %u\n", series[P_DEVICE].anomalies);
	for (i = 0; i < 200; i++)
		printf("BENCH-PCI-CDF edu-msi %.4f %.3f\n", i / 200.0,
		       pct(s.ns, s.n, i / 2.0));
	msi_set_none(vd.device, VFIO_PCI_MSI_IRQ_INDEX,
		     VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0);
	close(efd);
	close(pp.req_efd);
	free(s.ns);
	vfio_dev_close(&vd);
	return 0;
}

/*
 * pci-msix -d BDF [-v NVECS] [-r REPS]: vfio-pci's MSI-X on a device with
 * a large table: for each N, enable N vectors at once, grow to N + 1 (with
 * NORESIZE, as arm64 reports, that is disable all and enable N + 1), and
 * close the device with N + 1 live:
 *   BENCH-PCI-SCALE N rep enable_all_us grow_us close_us
 */
static int pci_msix(int argc, char **argv)
{
	unsigned int nvecs[8] = { 1, 8, 64, 512, 2047 }, nn = 5, reps = 3, i, r;
	const char *bdf = NULL;
	struct vfio_irq_info ii;
	struct vfio_dev vd;
	int c, ret, *fds, got;
	uint64_t t0, all, grow, cls;

	while ((c = getopt(argc, argv, "d:v:r:")) != -1) {
		switch (c) {
		case 'd':
			bdf = optarg;
			break;
		case 'v':
			nn = parse_list(optarg, nvecs, 8, 1, 2047);
			break;
		case 'r':
			reps = num_arg(optarg, 1, 1000);
			break;
		default:
			die("usage: %s -d bdf [-v nvecs] [-r reps]", argv[0]);
		}
	}
	if (!bdf)
		die("%s: -d BDF of a device with MSI-X", argv[0]);
	pci_open(&vd, bdf);
	ret = vfio_dev_irq_info(vd.device, VFIO_PCI_MSIX_IRQ_INDEX, &ii);
	if (ret || !ii.count)
		die("%s: no MSI-X (%s)", bdf, strerror(-ret));
	vfio_dev_close(&vd);
	printf("BENCH-PCI-PARAM msix_vectors %u\nBENCH-PCI-PARAM msix_flags 0x%x\n",
	       ii.count, ii.flags);
	printf("BENCH-PCI-PARAM msix_noresize %d\nBENCH-PCI-PARAM scale_reps %u\n",
	       !!(ii.flags & VFIO_IRQ_INFO_NORESIZE), reps);
	fds = calloc(ii.count, sizeof(*fds));
	if (!fds)
		die("out of memory");
	got = msi_efds_create(fds, ii.count);
	if (got < (int)ii.count)
		die("%d eventfds, %u needed", got, ii.count);
	for (r = 0; r < reps; r++) {
		for (i = 0; i < nn; i++) {
			unsigned int n = nvecs[i];

			if (n + 1 > ii.count)
				continue;
			pci_open(&vd, bdf);
			t0 = td_now_ns();
			ret = msi_set_fds(vd.device, VFIO_PCI_MSIX_IRQ_INDEX,
					  VFIO_IRQ_SET_ACTION_TRIGGER, 0, n, fds);
			all = us_since(t0);
			if (ret)
				die("%s: enabling %u MSI-X vectors: %s", bdf, n,
				    strerror(-ret));
			t0 = td_now_ns();
			ret = msi_set_none(vd.device, VFIO_PCI_MSIX_IRQ_INDEX,
					   VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0);
			if (!ret)
				ret = msi_set_fds(vd.device, VFIO_PCI_MSIX_IRQ_INDEX,
						  VFIO_IRQ_SET_ACTION_TRIGGER, 0,
						  n + 1, fds);
			grow = us_since(t0);
			if (ret)
				die("%s: growing to %u MSI-X vectors: %s", bdf,
				    n + 1, strerror(-ret));
			t0 = td_now_ns();
			close(vd.device);
			cls = us_since(t0);
			vd.device = -1;
			vfio_dev_close(&vd);
			printf("BENCH-PCI-SCALE %u %u %llu %llu %llu\n", n, r,
			       (unsigned long long)all, (unsigned long long)grow,
			       (unsigned long long)cls);
		}
	}
	msi_efds_close(fds, ii.count);
	free(fds);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "latency"))
		return latency(argc - 1, argv + 1, false);
	if (argc > 1 && !strcmp(argv[1], "wired"))
		return latency(argc - 1, argv + 1, true);
	if (argc > 1 && !strcmp(argv[1], "pci-msi"))
		return pci_msi(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "pci-msix"))
		return pci_msix(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "throughput"))
		return throughput(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "scaling"))
		return scaling(argc - 1, argv + 1);
	fprintf(stderr, "usage: %s {latency|wired|throughput|scaling|pci-msi|pci-msix} %s\n",
		argv[0], "[options]");
	return 2;
}
