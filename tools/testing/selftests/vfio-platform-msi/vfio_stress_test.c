// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: concurrency stress of the MSI index and the wired
 * lines, for VPM_STRESS_SECONDS (default STRESS_SECONDS) per variant.
 *
 * Threads, each on its own vectors:
 *  - churn:   on CHURN vectors, enables, disables, swaps between two
 *             eventfds, masks and unmasks (ioctl, DATA_BOOL ranges and
 *             mask/unmask virqfds), enables never-used vectors for the
 *             first time, masks and unmasks the edge line;
 *  - fire:    the device model fires CHURN vectors at full rate;
 *  - paced:   fires PACED vectors one at a time and waits for each event;
 *  - loop:    loopback triggers (DATA_NONE and DATA_BOOL) on LOOP vectors;
 *  - lines:   edge pulses at full rate, and paced level cycles (assert,
 *             event, deassert, unmask);
 *  - reader:  collects every event of the CHURN, LOOP and edge eventfds.
 *
 * MSIs coalesce (a vector fired while its interrupt is pending or masked
 * is delivered once), so the accounting is:
 *  - CHURN: deliveries <= MSIs the device sent (its COUNT) <= fires, and
 *    once the churn stops, with every vector enabled and unmasked, one
 *    fire gives exactly one event (no lost wakeup, nothing stuck);
 *  - PACED and level: exactly one event per fire or assert, always;
 *  - LOOP: deliveries == loopbacks exactly, and the device sent nothing;
 *  - edge: deliveries <= pulses, then one pulse gives one event.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vpm_harness.h"
#include "msi.h"

#define STRESS_SECONDS	10	/* default per variant */
#define MAX_SECONDS	150	/* within the harness timeout below */
#define NCHURN		16
#define CHURN0		0
#define NPACED		8
#define PACED0		(CHURN0 + NCHURN)
#define NLOOP		8
#define LOOP0		(PACED0 + NPACED)
#define NVIRQFD		4	/* CHURN vectors with mask/unmask virqfds */
#define FRESH0		64	/* first of the never-used vectors */
#define NFRESH		512	/* at most; as many as the device has */
#define MIN_FRESH	64	/* at least */
#define NVEC_NEEDED	(FRESH0 + NFRESH)
#define SETTLE_MS	500	/* held events arrive after the final unmask */
#define PULSE_US	"20000"
#define PULSE_PARAM	"/sys/module/vpmsi_testdev/parameters/pulse_timeout_us"

struct stress {
	struct msi_dev md;
	int dev;
	uint32_t index;
	int stop;		/* __atomic */
	pthread_mutex_t fire_lock;	/* the FIRE mailbox */
	pthread_mutex_t line_lock;	/* the LINE_CMD mailbox */

	int a[NCHURN], b[NCHURN];	/* CHURN eventfds */
	int mfd[NVIRQFD], ufd[NVIRQFD];	/* mask / unmask virqfd eventfds */
	int paced[NPACED], loop[NLOOP];
	int edge, level, fresh;
	unsigned int nfresh;	/* never-used vectors, from FRESH0 */

	/* Written by one thread each, read at the end */
	uint64_t fires[NCHURN], got[NCHURN];
	uint64_t loops[NLOOP], lgot[NLOOP];
	uint64_t pulses, egot, level_cycles, paced_fires, churn_ops;
	uint32_t count0[NVEC_NEEDED];	/* device COUNT at the start */
	uint32_t err0;

	/* First failure of a thread, for the log */
	pthread_mutex_t err_lock;
	char err[256];
};

static void stress_fail(struct stress *s, const char *fmt, ...) __printf(2, 3);

static void stress_fail(struct stress *s, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&s->err_lock);
	if (!s->err[0]) {
		va_start(ap, fmt);
		vsnprintf(s->err, sizeof(s->err), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&s->err_lock);
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
}

static bool stopped(struct stress *s)
{
	return __atomic_load_n(&s->stop, __ATOMIC_RELAXED);
}

static uint64_t xs_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static int fire(struct stress *s, unsigned int v, unsigned int k)
{
	int ret;

	pthread_mutex_lock(&s->fire_lock);
	ret = td_fire(s->md.regs, v, k, VD_DEV_MS);
	pthread_mutex_unlock(&s->fire_lock);
	return ret;
}

static int line(struct stress *s, unsigned int n, unsigned int op)
{
	int ret;

	pthread_mutex_lock(&s->line_lock);
	ret = td_line(s->md.regs, n, op, 1, VD_DEV_MS);
	pthread_mutex_unlock(&s->line_lock);
	return ret;
}

static int set_fds(struct stress *s, uint32_t action, uint32_t start,
		   uint32_t count, const int32_t *fds)
{
	return msi_set_fds(s->dev, s->index, action, start, count, fds);
}

/* ------------------------------------------------------------ threads */

static void *churn_thread(void *arg)
{
	struct stress *s = arg;
	uint64_t x = 0x1234567 ^ (uint64_t)time(NULL);
	bool on_b[NCHURN] = { 0 }, off[NCHURN] = { 0 }, edge_masked = false;
	unsigned int fresh = 0, v, i;
	int32_t fd, fds[NCHURN];
	uint8_t bools[NCHURN];
	int ret = 0;

	while (!stopped(s)) {
		v = xs_next(&x) % NCHURN;
		switch (xs_next(&x) % 10) {
		case 0:		/* swap to the other eventfd */
			on_b[v] = !on_b[v];
			off[v] = false;
			fd = on_b[v] ? s->b[v] : s->a[v];
			ret = set_fds(s, VFIO_IRQ_SET_ACTION_TRIGGER,
				      CHURN0 + v, 1, &fd);
			break;
		case 1:		/* disable */
			fd = -1;
			off[v] = true;
			ret = set_fds(s, VFIO_IRQ_SET_ACTION_TRIGGER,
				      CHURN0 + v, 1, &fd);
			break;
		case 2:		/* the whole range, some disabled */
			for (i = 0; i < NCHURN; i++) {
				off[i] = !(xs_next(&x) % 4);
				fds[i] = off[i] ? -1 : on_b[i] ? s->b[i] : s->a[i];
			}
			ret = set_fds(s, VFIO_IRQ_SET_ACTION_TRIGGER, CHURN0,
				      NCHURN, fds);
			break;
		case 3:
			ret = msi_set_none(s->dev, s->index,
					   VFIO_IRQ_SET_ACTION_MASK,
					   CHURN0 + v, 1);
			break;
		case 4:
			ret = msi_set_none(s->dev, s->index,
					   VFIO_IRQ_SET_ACTION_UNMASK,
					   CHURN0 + v, 1);
			break;
		case 5:		/* DATA_BOOL mask or unmask of a subset */
			for (i = 0; i < NCHURN; i++)
				bools[i] = xs_next(&x) & 1;
			ret = msi_set_bools(s->dev, s->index,
					    xs_next(&x) & 1 ?
					    VFIO_IRQ_SET_ACTION_MASK :
					    VFIO_IRQ_SET_ACTION_UNMASK,
					    CHURN0, NCHURN, bools);
			break;
		case 6:		/* through the virqfds */
			v %= NVIRQFD;
			ret = efd_signal(xs_next(&x) & 1 ? s->mfd[v] : s->ufd[v],
					 1);
			break;
		case 7:		/* first enable of a fresh vector, and off */
			fd = s->fresh;
			ret = set_fds(s, VFIO_IRQ_SET_ACTION_TRIGGER,
				      FRESH0 + fresh, 1, &fd);
			if (!ret && xs_next(&x) % 2) {
				fd = -1;
				ret = set_fds(s, VFIO_IRQ_SET_ACTION_TRIGGER,
					      FRESH0 + fresh, 1, &fd);
			}
			fresh = (fresh + 1) % s->nfresh;
			break;
		case 8:
			edge_masked = !edge_masked;
			ret = vfio_irq_action(s->dev, VD_IRQ_EDGE,
					      edge_masked ?
					      VFIO_IRQ_SET_ACTION_MASK :
					      VFIO_IRQ_SET_ACTION_UNMASK,
					      VFIO_IRQ_SET_DATA_NONE, 0);
			break;
		default:	/* re-enable a disabled one */
			if (!off[v])
				break;
			off[v] = false;
			fd = on_b[v] ? s->b[v] : s->a[v];
			ret = set_fds(s, VFIO_IRQ_SET_ACTION_TRIGGER,
				      CHURN0 + v, 1, &fd);
			break;
		}
		if (ret) {
			stress_fail(s, "churn: %s", vd_errno_name(-ret));
			break;
		}
		s->churn_ops++;
	}
	return NULL;
}

static void *fire_thread(void *arg)
{
	struct stress *s = arg;
	uint64_t x = 0x9876543;
	unsigned int v, k;
	int ret;

	while (!stopped(s)) {
		v = xs_next(&x) % NCHURN;
		k = 1 + xs_next(&x) % 8;
		ret = fire(s, CHURN0 + v, k);
		if (ret) {
			stress_fail(s, "fire vector %u: %s", CHURN0 + v,
				    vd_errno_name(-ret));
			break;
		}
		__atomic_add_fetch(&s->fires[v], k, __ATOMIC_RELAXED);
		sched_yield();		/* let the paced thread in */
	}
	return NULL;
}

static void *paced_thread(void *arg)
{
	struct stress *s = arg;
	unsigned int i = 0, v;
	uint64_t val;
	int ret;

	while (!stopped(s)) {
		v = i++ % NPACED;
		ret = fire(s, PACED0 + v, 1);
		if (ret) {
			stress_fail(s, "paced fire: %s", vd_errno_name(-ret));
			break;
		}
		ret = efd_wait(s->paced[v], VD_EVENT_MS, &val);
		if (ret != 1 || val != 1) {
			stress_fail(s, "paced vector %u, fire %llu: %s %llu",
				    PACED0 + v,
				    (unsigned long long)s->paced_fires,
				    ret == 1 ? "events" : "no event, ret",
				    ret == 1 ? (unsigned long long)val :
					       (unsigned long long)ret);
			break;
		}
		s->paced_fires++;
	}
	return NULL;
}

static void *loop_thread(void *arg)
{
	struct stress *s = arg;
	uint64_t x = 0x5555;
	uint8_t bools[NLOOP];
	unsigned int i, v;
	int ret;

	while (!stopped(s)) {
		if (xs_next(&x) & 1) {
			v = xs_next(&x) % NLOOP;
			ret = msi_set_none(s->dev, s->index,
					   VFIO_IRQ_SET_ACTION_TRIGGER,
					   LOOP0 + v, 1);
			if (!ret)
				__atomic_add_fetch(&s->loops[v], 1,
						   __ATOMIC_RELAXED);
		} else {
			for (i = 0; i < NLOOP; i++)
				bools[i] = xs_next(&x) & 1;
			ret = msi_set_bools(s->dev, s->index,
					    VFIO_IRQ_SET_ACTION_TRIGGER,
					    LOOP0, NLOOP, bools);
			for (i = 0; !ret && i < NLOOP; i++)
				if (bools[i])
					__atomic_add_fetch(&s->loops[i], 1,
							   __ATOMIC_RELAXED);
		}
		if (ret) {
			stress_fail(s, "loopback: %s", vd_errno_name(-ret));
			break;
		}
	}
	return NULL;
}

static void *lines_thread(void *arg)
{
	struct stress *s = arg;
	unsigned int i = 0;
	uint64_t val;
	int ret;

	while (!stopped(s)) {
		if (i++ % 8) {
			ret = line(s, VPMSI_LINE_EDGE, VPMSI_LINE_OP_PULSE);
			if (ret) {
				stress_fail(s, "pulse: %s", vd_errno_name(-ret));
				break;
			}
			__atomic_add_fetch(&s->pulses, 1, __ATOMIC_RELAXED);
			continue;
		}
		/* A paced level cycle: one event, automasked */
		ret = line(s, VPMSI_LINE_LEVEL, VPMSI_LINE_OP_ASSERT);
		if (!ret) {
			ret = efd_wait(s->level, VD_EVENT_MS, &val);
			if (ret != 1 || val != 1) {
				stress_fail(s, "level cycle %llu: %s %llu",
					    (unsigned long long)s->level_cycles,
					    ret == 1 ? "events" : "no event, ret",
					    ret == 1 ? (unsigned long long)val :
						       (unsigned long long)ret);
				break;
			}
			ret = line(s, VPMSI_LINE_LEVEL, VPMSI_LINE_OP_DEASSERT);
		}
		if (!ret)
			ret = vfio_irq_unmask(s->dev, VD_IRQ_LEVEL);
		if (ret) {
			stress_fail(s, "level: %s", vd_errno_name(-ret));
			break;
		}
		s->level_cycles++;
	}
	return NULL;
}

/* Add what arrived on the CHURN, LOOP and edge eventfds */
static void collect(struct stress *s, int timeout_ms)
{
	struct pollfd pfd[2 * NCHURN + NLOOP + 1];
	unsigned int i, n = 0;
	uint64_t *where[2 * NCHURN + NLOOP + 1];

	for (i = 0; i < NCHURN; i++) {
		pfd[n].fd = s->a[i];
		where[n++] = &s->got[i];
		pfd[n].fd = s->b[i];
		where[n++] = &s->got[i];
	}
	for (i = 0; i < NLOOP; i++) {
		pfd[n].fd = s->loop[i];
		where[n++] = &s->lgot[i];
	}
	pfd[n].fd = s->edge;
	where[n++] = &s->egot;
	for (i = 0; i < n; i++)
		pfd[i].events = POLLIN;
	if (poll(pfd, n, timeout_ms) <= 0)
		return;
	for (i = 0; i < n; i++)
		if (pfd[i].revents & POLLIN)
			__atomic_add_fetch(where[i], efd_drain(pfd[i].fd),
					   __ATOMIC_RELAXED);
}

static void *reader_thread(void *arg)
{
	struct stress *s = arg;

	while (!stopped(s))
		collect(s, 50);
	return NULL;
}

/* ------------------------------------------------------------ fixture */

FIXTURE(stress) {
	struct stress *s;
	char pulse_saved[32];
};

FIXTURE_VARIANT(stress) {
	const char *mode;
};

FIXTURE_VARIANT_ADD(stress, device) {
	.mode = MSI_MODE_DEVICE,
};

FIXTURE_VARIANT_ADD(stress, irqchip) {
	.mode = MSI_MODE_IRQCHIP,
};

static int **all_fds(struct stress *s, unsigned int *n)
{
	static int *fds[2 * NCHURN + 2 * NVIRQFD + NPACED + NLOOP + 3];
	unsigned int i, k = 0;

	for (i = 0; i < NCHURN; i++) {
		fds[k++] = &s->a[i];
		fds[k++] = &s->b[i];
	}
	for (i = 0; i < NVIRQFD; i++) {
		fds[k++] = &s->mfd[i];
		fds[k++] = &s->ufd[i];
	}
	for (i = 0; i < NPACED; i++)
		fds[k++] = &s->paced[i];
	for (i = 0; i < NLOOP; i++)
		fds[k++] = &s->loop[i];
	fds[k++] = &s->edge;
	fds[k++] = &s->level;
	fds[k++] = &s->fresh;
	*n = k;
	return fds;
}

FIXTURE_SETUP(stress)
{
	const char *why = vfio_dev_env_missing();
	struct stress *s;
	int **fds, ret;
	unsigned int i, n;
	int32_t v[NCHURN];

	self->s = NULL;
	self->pulse_saved[0] = '\0';
	if (why)
		SKIP(return, "%s", why);
	s = calloc(1, sizeof(*s));
	ASSERT_NE(NULL, s);
	self->s = s;
	pthread_mutex_init(&s->fire_lock, NULL);
	pthread_mutex_init(&s->line_lock, NULL);
	pthread_mutex_init(&s->err_lock, NULL);
	fds = all_fds(s, &n);
	for (i = 0; i < n; i++)
		*fds[i] = -1;

	ret = msi_dev_open(&s->md, variant->mode);
	if (ret == -ENODEV || ret == -EOPNOTSUPP)
		SKIP(return, "%s", s->md.why);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", s->md.why, vd_errno_name(-ret));
	/* 2048 on the ITS board, 256 on the IMSIC's (its interrupt file) */
	if (s->md.nvec < FRESH0 + MIN_FRESH)
		SKIP(return, "%u vectors, %u needed", s->md.nvec,
		     FRESH0 + MIN_FRESH);
	s->nfresh = s->md.nvec - FRESH0 < NFRESH ? s->md.nvec - FRESH0 : NFRESH;
	s->dev = s->md.vd.device;
	s->index = s->md.index;
	for (i = 0; i < n; i++) {
		*fds[i] = efd_create();
		VD_ASSERT_OK(*fds[i]);
	}

	for (i = 0; i < NCHURN; i++)
		v[i] = s->a[i];
	VD_ASSERT_OK(set_fds(s, VFIO_IRQ_SET_ACTION_TRIGGER, CHURN0, NCHURN,
			     v));
	VD_ASSERT_OK(set_fds(s, VFIO_IRQ_SET_ACTION_TRIGGER, PACED0, NPACED,
			     s->paced));
	VD_ASSERT_OK(set_fds(s, VFIO_IRQ_SET_ACTION_TRIGGER, LOOP0, NLOOP,
			     s->loop));
	VD_ASSERT_OK(set_fds(s, VFIO_IRQ_SET_ACTION_MASK, CHURN0, NVIRQFD,
			     s->mfd));
	VD_ASSERT_OK(set_fds(s, VFIO_IRQ_SET_ACTION_UNMASK, CHURN0, NVIRQFD,
			     s->ufd));
	VD_ASSERT_OK(vfio_irq_set_trigger(s->dev, VD_IRQ_EDGE, s->edge));
	VD_ASSERT_OK(vfio_irq_set_trigger(s->dev, VD_IRQ_LEVEL, s->level));

	for (i = 0; i < NVEC_NEEDED; i++)
		s->count0[i] = td_count(s->md.regs, i);
	s->err0 = td_rd32(s->md.regs, VPMSI_REG_ERR_COUNT);

	{
		int fd = open(PULSE_PARAM, O_RDONLY | O_CLOEXEC);
		ssize_t r = -1;

		if (fd >= 0) {
			r = read(fd, self->pulse_saved,
				 sizeof(self->pulse_saved) - 1);
			close(fd);
		}
		self->pulse_saved[r > 0 ? r : 0] = '\0';
		fd = open(PULSE_PARAM, O_WRONLY | O_CLOEXEC);
		if (fd >= 0 && self->pulse_saved[0]) {
			if (write(fd, PULSE_US, strlen(PULSE_US)) < 0)
				self->pulse_saved[0] = '\0';
		}
		if (fd >= 0)
			close(fd);
	}
}

/* In the parent, after the test (lib/vpm_harness.h): no child resource */
FIXTURE_TEARDOWN_PARENT(stress)
{
	msi_mode_restore();
	if (self->pulse_saved[0] &&
	    msi_write_str(PULSE_PARAM, self->pulse_saved))
		TH_LOG("cannot restore %s", PULSE_PARAM);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned int stress_seconds(void)
{
	const char *e = getenv("VPM_STRESS_SECONDS");
	long v = e ? strtol(e, NULL, 0) : 0;

	if (v <= 0)
		return STRESS_SECONDS;
	return v > MAX_SECONDS ? MAX_SECONDS : v;
}

TEST_F_TIMEOUT(stress, run, MAX_SECONDS + 60)
{
	static void *(*const fns[])(void *) = {
		churn_thread, fire_thread, paced_thread, loop_thread,
		lines_thread, reader_thread,
	};
	const unsigned int nthreads = ARRAY_SIZE(fns);
	struct stress *s = self->s;
	unsigned int secs = stress_seconds(), i;
	pthread_t th[ARRAY_SIZE(fns)];
	uint64_t t0, t1, fires = 0, got = 0, loops = 0, sent, val;
	int32_t fds[NCHURN];

	t0 = now_ms();
	for (i = 0; i < nthreads; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, fns[i], s));
	while (!stopped(s) && now_ms() - t0 < secs * 1000ull)
		usleep(100000);
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	t1 = now_ms();
	ASSERT_EQ(0, s->err[0]) TH_LOG("%s", s->err);

	/* Everything enabled on its first eventfd and unmasked */
	for (i = 0; i < NCHURN; i++)
		fds[i] = s->a[i];
	VD_ASSERT_OK(set_fds(s, VFIO_IRQ_SET_ACTION_TRIGGER, CHURN0, NCHURN,
			     fds));
	VD_ASSERT_OK(msi_set_none(s->dev, s->index, VFIO_IRQ_SET_ACTION_UNMASK,
				  CHURN0, NCHURN));
	VD_ASSERT_OK(vfio_irq_unmask(s->dev, VD_IRQ_EDGE));
	for (i = 0; i < SETTLE_MS / 50; i++)
		collect(s, 50);

	for (i = 0; i < NCHURN; i++) {
		sent = (uint32_t)(td_count(s->md.regs, CHURN0 + i) -
				  s->count0[CHURN0 + i]);
		EXPECT_GE(sent, s->got[i])
			TH_LOG("vector %u: %llu deliveries, the device sent %llu MSIs",
			       CHURN0 + i, (unsigned long long)s->got[i],
			       (unsigned long long)sent);
		EXPECT_GE(s->fires[i], sent)
			TH_LOG("vector %u: the device sent %llu MSIs for %llu fires",
			       CHURN0 + i, (unsigned long long)sent,
			       (unsigned long long)s->fires[i]);
		EXPECT_TRUE(!s->fires[i] || s->got[i])
			TH_LOG("vector %u: %llu fires, no delivery at all",
			       CHURN0 + i, (unsigned long long)s->fires[i]);
		fires += s->fires[i];
		got += s->got[i];
	}
	for (i = 0; i < NLOOP; i++) {
		EXPECT_EQ(s->loops[i], s->lgot[i])
			TH_LOG("loopback vector %u", LOOP0 + i);
		EXPECT_EQ(s->count0[LOOP0 + i], td_count(s->md.regs, LOOP0 + i))
			TH_LOG("the device fired loopback vector %u", LOOP0 + i);
		loops += s->loops[i];
	}
	EXPECT_GE(s->pulses, s->egot);
	EXPECT_EQ(s->err0, td_rd32(s->md.regs, VPMSI_REG_ERR_COUNT))
		TH_LOG("the device dropped MSIs or requests");

	ksft_print_msg("%s: %llu ms, %llu churn ops (%llu/s)\n", variant->mode,
		       (unsigned long long)(t1 - t0),
		       (unsigned long long)s->churn_ops,
		       (unsigned long long)(s->churn_ops * 1000 / (t1 - t0)));
	ksft_print_msg("%s: churn: %llu fires (%llu/s), %llu deliveries (%llu/s)\n",
		       variant->mode, (unsigned long long)fires,
		       (unsigned long long)(fires * 1000 / (t1 - t0)),
		       (unsigned long long)got,
		       (unsigned long long)(got * 1000 / (t1 - t0)));
	ksft_print_msg("%s: paced: %llu fire/event round trips (%llu/s); loopback: %llu (%llu/s)\n",
		       variant->mode, (unsigned long long)s->paced_fires,
		       (unsigned long long)(s->paced_fires * 1000 / (t1 - t0)),
		       (unsigned long long)loops,
		       (unsigned long long)(loops * 1000 / (t1 - t0)));
	ksft_print_msg("%s: edge: %llu pulses, %llu deliveries; level: %llu cycles\n",
		       variant->mode, (unsigned long long)s->pulses,
		       (unsigned long long)s->egot,
		       (unsigned long long)s->level_cycles);

	/* No lost wakeup: one fire, one event, on the eventfd in place */
	for (i = 0; i < NCHURN; i++) {
		efd_drain(s->a[i]);
		efd_drain(s->b[i]);
		VD_ASSERT_OK(fire(s, CHURN0 + i, 1));
		VD_ASSERT_EVENT(s->a[i], &val, "final fire");
		ASSERT_EQ(1, val) TH_LOG("vector %u", CHURN0 + i);
		ASSERT_EQ(0, efd_drain(s->b[i]));
	}
	efd_drain(s->edge);
	VD_ASSERT_OK(line(s, VPMSI_LINE_EDGE, VPMSI_LINE_OP_PULSE));
	VD_ASSERT_EVENT(s->edge, &val, "final pulse");
	ASSERT_EQ(1, val);
	VD_ASSERT_QUIET(s->a[0], "after the final fires");
}

TEST_HARNESS_MAIN
