// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: MSI vectors whose affinity moves while they fire
 * (Documentation/uapi.rst, "Interrupt controllers").
 *
 * A mover thread writes /proc/irq/N/smp_affinity of AFF_VECTORS vectors,
 * taking every online CPU in turn, while the test fires the vectors from
 * the device model and counts what arrives on their eventfds. Firing is
 * paced per vector (fire every vector once, then wait for each one's
 * event), so that each fire must give exactly one event: the device model
 * and the interrupt controller coalesce only what is pending at once.
 * Nothing may be lost or doubled: for each vector, events = fires = the
 * device's COUNT, and the kernel handled each one once, on the CPU the
 * vector was moved to (/proc/interrupts), on every online CPU in turn.
 *
 * In each mode of the test device's plug-in:
 *
 *  - device, irqchip: the kernel programs the messages. A move needs no
 *    action from the user: the vectors keep delivering.
 *  - generic: the test programs the device from the messages it reads
 *    (VFIO_PLATFORM_MSI_FEATURE_MSI_MSGS), and watches the notify eventfd
 *    (VFIO_PLATFORM_MSI_FEATURE_MSI_NOTIFY).
 *
 * What a move does to the messages depends on the interrupt controller,
 * and the test asks the MSI capability, never the architecture:
 *
 *  - MAY_CHANGE clear (the GICv3 ITS: a move retargets the event's
 *    collection, the message stays): the generation does not move, the
 *    notify eventfd stays quiet, the messages are those of the start.
 *  - MAY_CHANGE set (the RISC-V IMSIC: the message names the target
 *    hart's interrupt file and an identity in it): every move to another
 *    CPU changes the message once, so the generation grows by the number
 *    of moves and the notify eventfd fires. In the programmed modes the
 *    device's table follows by itself; in generic mode the test does what
 *    a generic driver must: on the notification, read the messages and
 *    reprogram each vector whose message changed (masked in the device
 *    while its entry is rewritten), and the deliveries go on with the new
 *    messages. Generic mode moves in lockstep with the firing there: a
 *    move is made while the round's MSIs are in flight, and no new MSI is
 *    sent until the test has reprogrammed the device. The MSIs in flight
 *    are the kernel's to deliver (the IMSIC re-triggers what the old
 *    identity holds on the new one), and they are counted as strictly as
 *    the others. An MSI the device sends to the old message once the old
 *    hart has retired it, before the user reprogrammed the device, is not
 *    delivered; userspace cannot always reprogram in time, and
 *    Documentation/uapi.rst says what a generic driver does about it. The
 *    test sends none in that window.
 *
 * VPM_AFFINITY_LAPS (default AFF_LAPS) sets how many times the vectors
 * are taken through every online CPU; VPM_AFFINITY_LOCKSTEP=1 moves in
 * lockstep in every mode (to try that path where nothing changes).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vpm_harness.h"
#include "msi.h"

#define AFF_VECTORS	4	/* vectors moved and fired */
#define AFF_OPEN_NVEC	32	/* vectors asked for: fits any controller */
#define AFF_LAPS	8	/* times every vector visits every CPU */
#define AFF_ROUNDS_PER_STEP 2	/* paced rounds on each CPU, at least */
#define AFF_MAX_CPUS	64	/* CPUs taken part (the first ones online) */
#define AFF_BUSY_MS	1000	/* retrying a move the controller refuses */

/* The online CPUs, from /sys/devices/system/cpu/online ("0-1,4") */
static int online_cpus(unsigned int *cpus, unsigned int max)
{
	char buf[256], *p, *end;
	unsigned long a, b;
	unsigned int n = 0;
	int ret;

	ret = msi_read_line("/sys/devices/system/cpu/online", buf, sizeof(buf));
	if (ret)
		return ret;
	for (p = buf; *p; p = end + (*end == ',')) {
		a = strtoul(p, &end, 10);
		if (end == p)
			return -EINVAL;
		b = a;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p || b < a)
				return -EINVAL;
		}
		for (; a <= b && n < max; a++)
			cpus[n++] = a;
	}
	return n;
}

/* Write a one-CPU mask to /proc/irq/@virq/smp_affinity: 0 or -errno */
static int set_affinity(int virq, unsigned int cpu)
{
	char path[64], mask[AFF_MAX_CPUS / 4 + AFF_MAX_CPUS / 32 + 2];
	unsigned int words = cpu / 32 + 1, w;
	size_t len = 0;

	/* 32-bit words in hex, the most significant first, comma-separated */
	for (w = words; w-- > 0;)
		len += snprintf(mask + len, sizeof(mask) - len, "%s%08x",
				w == words - 1 ? "" : ",",
				w == cpu / 32 ? 1u << (cpu % 32) : 0);
	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity", virq);
	return msi_write_str(path, mask);
}

/* The CPU in /proc/irq/@virq/effective_affinity_list, or -errno */
static int effective_cpu(int virq)
{
	char path[80], buf[64], *end;
	long cpu;
	int ret;

	snprintf(path, sizeof(path), "/proc/irq/%d/effective_affinity_list",
		 virq);
	ret = msi_read_line(path, buf, sizeof(buf));
	if (ret)
		return ret;
	cpu = strtol(buf, &end, 10);
	return end == buf || *end ? -EINVAL : (int)cpu;
}

/*
 * The per-CPU counts of @virq in /proc/interrupts, into @counts indexed
 * like @cpus (the online CPUs, which are its columns): 0 or -errno
 */
static int irq_counts(int virq, const unsigned int *cpus, unsigned int ncpu,
		      unsigned long long *counts)
{
	unsigned int col[AFF_MAX_CPUS], ncol = 0, i, c;
	char line[4096], *p, *end;
	int ret = -ENOENT, n, pos;
	FILE *f;

	f = fopen("/proc/interrupts", "re");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -EIO;
	}
	for (p = line; (p = strstr(p, "CPU")) && ncol < AFF_MAX_CPUS; p += 3)
		col[ncol++] = strtoul(p + 3, NULL, 10);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %d:%n", &n, &pos) != 1 || n != virq)
			continue;
		memset(counts, 0, ncpu * sizeof(*counts));
		for (p = line + pos, c = 0; c < ncol; c++, p = end) {
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			for (i = 0; i < ncpu; i++)
				if (cpus[i] == col[c])
					counts[i] = v;
		}
		ret = c == ncol ? 0 : -EINVAL;
		break;
	}
	fclose(f);
	return ret;
}

FIXTURE(aff) {
	struct msi_dev md;
	unsigned int vec[AFF_VECTORS];
	int fds[AFF_VECTORS];
	int virq[AFF_VECTORS];
	int notify;
};

FIXTURE_VARIANT(aff) {
	const char *mode;
	bool generic;
};

FIXTURE_VARIANT_ADD(aff, device) {
	.mode = MSI_MODE_DEVICE,
};

FIXTURE_VARIANT_ADD(aff, irqchip) {
	.mode = MSI_MODE_IRQCHIP,
};

FIXTURE_VARIANT_ADD(aff, generic) {
	.mode = MSI_MODE_GENERIC,
	.generic = true,
};

FIXTURE_SETUP(aff)
{
	const char *why = vfio_dev_env_missing();
	unsigned int i;
	int ret;

	memset(&self->md, 0, sizeof(self->md));
	vfio_dev_init(&self->md.vd);
	for (i = 0; i < AFF_VECTORS; i++)
		self->fds[i] = -1;
	self->notify = -1;
	if (why)
		SKIP(return, "%s", why);
	ret = msi_dev_open_nvec(&self->md, variant->mode,
				variant->generic ? AFF_VECTORS : AFF_OPEN_NVEC);
	if (ret == -ENODEV || ret == -EOPNOTSUPP)
		SKIP(return, "%s", self->md.why);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", self->md.why, vd_errno_name(-ret));
	ASSERT_LE(AFF_VECTORS, self->md.nvec)
		msi_dev_close(&self->md);
	/* Spread over the block: its first and last vectors among them */
	for (i = 0; i < AFF_VECTORS; i++)
		self->vec[i] = i * (self->md.nvec - 1) / (AFF_VECTORS - 1);
}

/* In the parent, after the test (lib/vpm_harness.h): no child resource */
FIXTURE_TEARDOWN_PARENT(aff)
{
	msi_mode_restore();
}

struct aff_run {
	struct msi_dev *md;
	const unsigned int *vec;
	const int *virq;
	unsigned int cpus[AFF_MAX_CPUS];
	unsigned int ncpu;
	unsigned int laps;
	bool lockstep;		/* move only between a round's fire and wait */

	atomic_bool stop;	/* the firer failed: the mover stops */
	atomic_bool done;	/* the mover is done */
	atomic_ulong rounds;	/* paced rounds completed */
	/* Lockstep: 1 = the firer fired, a step may be made; 2 = made */
	atomic_int gate;

	/* Results of the mover */
	int where[AFF_VECTORS];	/* the CPU each vector was moved to, or -1 */
	atomic_ulong moves;	/* writes that moved a vector to another CPU */
	unsigned long busy;	/* moves the controller refused for a while */
	char err[200];
};

/* Wait until @cond or @r->stop, at most @ms: the condition's value */
#define AFF_WAIT(r, cond, ms) ({					\
	uint64_t __end = td_now_ns() + (uint64_t)(ms) * 1000000;	\
	bool __ok;							\
									\
	while (!(__ok = (cond)) && !(r)->stop &&			\
	       td_now_ns() < __end)					\
		td_relax();						\
	__ok;								\
})

/* Move vector @i to @cpu and check it got there; false on a failure */
static bool move_one(struct aff_run *r, unsigned int i, unsigned int cpu)
{
	uint64_t end = td_now_ns() + (uint64_t)AFF_BUSY_MS * 1000000;
	int before, ret, eff;

	before = effective_cpu(r->virq[i]);
	if (before < 0)
		before = r->where[i];
	for (;;) {
		ret = set_affinity(r->virq[i], cpu);
		/* The IMSIC refuses a move while the previous one is in flight */
		if (ret != -EBUSY || td_now_ns() > end)
			break;
		r->busy++;
		usleep(1000);
	}
	if (ret) {
		snprintf(r->err, sizeof(r->err),
			 "vector %u (irq %d) to CPU %u: %s", r->vec[i],
			 r->virq[i], cpu, vd_errno_name(-ret));
		return false;
	}
	eff = effective_cpu(r->virq[i]);
	if (eff >= 0 && eff != (int)cpu) {
		snprintf(r->err, sizeof(r->err),
			 "vector %u (irq %d) to CPU %u: effective affinity %d",
			 r->vec[i], r->virq[i], cpu, eff);
		return false;
	}
	if (eff < 0 && eff != -ENOENT) {
		snprintf(r->err, sizeof(r->err), "irq %d: effective affinity: %s",
			 r->virq[i], vd_errno_name(-eff));
		return false;
	}
	if (before != (int)cpu)
		r->moves++;
	r->where[i] = cpu;
	return true;
}

/*
 * Every lap takes all the vectors to each online CPU in turn (a step),
 * then lets the firer make AFF_ROUNDS_PER_STEP rounds there (lockstep: one
 * round, and the step is made while its MSIs are in flight).
 */
static void *mover_main(void *arg)
{
	struct aff_run *r = arg;
	unsigned int lap, c, i;
	unsigned long from;

	for (lap = 0; lap < r->laps && !r->stop; lap++) {
		for (c = 0; c < r->ncpu && !r->stop; c++) {
			if (r->lockstep &&
			    !AFF_WAIT(r, r->gate == 1, 4 * VD_EVENT_MS)) {
				if (!r->stop)
					snprintf(r->err, sizeof(r->err),
						 "lockstep: no round fired");
				goto out;
			}
			for (i = 0; i < AFF_VECTORS; i++)
				if (!move_one(r, i, r->cpus[c]))
					goto out;
			if (r->lockstep) {
				r->gate = 2;
				continue;
			}
			from = r->rounds;
			if (!AFF_WAIT(r, r->rounds >= from + AFF_ROUNDS_PER_STEP,
				      4 * VD_EVENT_MS)) {
				if (!r->stop)
					snprintf(r->err, sizeof(r->err),
						 "the firer stalled");
				goto out;
			}
		}
	}
	/* Lockstep: a round fired on the last CPU too */
	if (r->lockstep && !r->stop &&
	    !AFF_WAIT(r, r->gate == 1, 4 * VD_EVENT_MS) && !r->stop)
		snprintf(r->err, sizeof(r->err), "lockstep: no last round");
out:
	r->done = true;
	return NULL;
}

/* Generic mode: give vector @v message @m, masked in the device meanwhile */
static void program_entry(struct msi_dev *md, unsigned int v,
			  const struct vfio_platform_msi_msg *m)
{
	td_mask(md->regs, v, 1);
	td_set_entry(md->regs, v, m->address, m->data);
	td_mask(md->regs, v, 0);
}

TEST_F_TIMEOUT(aff, move_while_firing, 120)
{
	struct vfio_platform_msi_msg start[AFF_VECTORS], cur[AFF_VECTORS], m;
	unsigned long long c0[AFF_VECTORS][AFF_MAX_CPUS], c1[AFF_MAX_CPUS];
	unsigned long fires[AFF_VECTORS] = { 0 }, events[AFF_VECTORS] = { 0 };
	unsigned long notified = 0, reprogrammed = 0, total = 0, seen = 0;
	unsigned long moves;
	uint32_t count0[AFF_VECTORS], err0, flags = 0, gen0 = 0, gen = 0, g;
	struct msi_dev *md = &self->md;
	bool may_change, programmed;
	char fail[200] = "";
	struct aff_run *r;
	unsigned int i, k;
	const char *env;
	uint64_t t0, t1, val;
	pthread_t th;
	int ret;

	r = calloc(1, sizeof(*r));
	ASSERT_NE(NULL, r);
	ret = online_cpus(r->cpus, AFF_MAX_CPUS);
	VD_ASSERT_OK(ret);
	r->ncpu = ret;
	if (r->ncpu < 2)
		SKIP(return, "%u online CPU: nothing to move to", r->ncpu);
	env = getenv("VPM_AFFINITY_LAPS");
	r->laps = env && atoi(env) > 0 ? atoi(env) : AFF_LAPS;

	VD_ASSERT_OK(msi_cap_read(md, &flags, &gen0, NULL));
	may_change = flags & VFIO_PLATFORM_MSI_CAP_MAY_CHANGE;
	programmed = flags & VFIO_PLATFORM_MSI_CAP_PROGRAMMED;
	ASSERT_EQ(!variant->generic, programmed)
		TH_LOG("mode %s: capability flags 0x%x", md->mode, flags);

	self->notify = efd_create();
	VD_ASSERT_OK(self->notify);
	VD_ASSERT_OK(msi_notify_set(md->vd.device, self->notify));
	ASSERT_EQ(AFF_VECTORS, msi_efds_create(self->fds, AFF_VECTORS));

	/*
	 * Each vector's message (reading gives it one and its handler),
	 * programmed into the device in generic mode, then the vectors
	 * enabled.
	 */
	for (i = 0; i < AFF_VECTORS; i++) {
		VD_ASSERT_OK(msi_read_msgs(md->vd.device, self->vec[i], 1,
					   &start[i], &g));
		ASSERT_TRUE(start[i].flags & VFIO_PLATFORM_MSI_MSG_VALID);
		cur[i] = start[i];
		if (variant->generic)
			program_entry(md, self->vec[i], &start[i]);
	}
	if (variant->generic)
		td_wr32(md->regs, VPMSI_REG_CTRL,
			td_rd32(md->regs, VPMSI_REG_CTRL) | VPMSI_CTRL_MSI_EN);
	for (i = 0; i < AFF_VECTORS; i++) {
		VD_ASSERT_OK(msi_enable(md, self->vec[i], self->fds[i]));
		self->virq[i] = msi_vector_virq(self->vec[i]);
		ASSERT_LT(0, self->virq[i])
			TH_LOG("vector %u: no interrupt in /proc/interrupts: %s",
			       self->vec[i], vd_errno_name(-self->virq[i]));
	}
	/* Nothing may have changed yet: the generation read with the messages */
	ASSERT_EQ(gen0, g);

	/*
	 * Every vector on the last CPU first, so that each step of the mover
	 * (the first one takes them to the first CPU) moves every vector;
	 * in generic mode, the device then gets what that changed.
	 */
	r->md = md;
	r->vec = self->vec;
	r->virq = self->virq;
	for (i = 0; i < AFF_VECTORS; i++) {
		r->where[i] = -1;
		ASSERT_TRUE(move_one(r, i, r->cpus[r->ncpu - 1]))
			TH_LOG("%s", r->err);
	}
	r->moves = 0;
	r->busy = 0;
	for (i = 0; i < AFF_VECTORS && variant->generic; i++) {
		VD_ASSERT_OK(msi_read_msgs(md->vd.device, self->vec[i], 1,
					   &cur[i], NULL));
		program_entry(md, self->vec[i], &cur[i]);
	}
	VD_ASSERT_OK(msi_cap_read(md, NULL, &gen0, NULL));
	if (gen0 != g)		/* the placement changed messages: told */
		VD_ASSERT_EVENT(self->notify, &val, "notify after the placement");
	efd_drain(self->notify);
	for (i = 0; i < AFF_VECTORS; i++) {
		VD_ASSERT_OK(irq_counts(self->virq[i], r->cpus, r->ncpu, c0[i]));
		VD_ASSERT_OK(msi_read_msgs(md->vd.device, self->vec[i], 1,
					   &start[i], NULL));
		count0[i] = td_count(md->regs, self->vec[i]);
	}
	err0 = td_rd32(md->regs, VPMSI_REG_ERR_COUNT);

	env = getenv("VPM_AFFINITY_LOCKSTEP");
	r->lockstep = (variant->generic && may_change) ||
		      (env && !strcmp(env, "1"));
	ASSERT_EQ(0, pthread_create(&th, NULL, mover_main, r));
	t0 = td_now_ns();

	/* The firer: paced rounds until the mover is done */
	while (!*fail && !r->done) {
		for (i = 0; i < AFF_VECTORS && !*fail; i++) {
			ret = msi_fire(md, self->vec[i]);
			if (ret)
				snprintf(fail, sizeof(fail), "fire vector %u: %s",
					 self->vec[i], vd_errno_name(-ret));
			fires[i]++;
		}
		if (r->lockstep && !*fail)
			r->gate = 1;
		for (i = 0; i < AFF_VECTORS && !*fail; i++) {
			val = 0;
			ret = efd_wait(self->fds[i], VD_EVENT_MS, &val);
			if (ret == 1)
				events[i] += val;
			if (ret != 1 || val != 1)
				snprintf(fail, sizeof(fail),
					 "round %lu, vector %u (irq %d): %s %llu, after %lu moves",
					 r->rounds, self->vec[i], self->virq[i],
					 ret == 1 ? "one fire gave" :
					 "no event within the wait; counter",
					 (unsigned long long)val,
					 (unsigned long)r->moves);
		}
		if (r->lockstep && !*fail) {
			/* The step was made while the MSIs were in flight */
			if (!AFF_WAIT(r, r->gate == 2 || r->done,
				      4 * VD_EVENT_MS)) {
				snprintf(fail, sizeof(fail), "lockstep: no step");
				break;
			}
			/* A step that moved a vector changed its message */
			val = 0;
			if (may_change && r->gate == 2 && r->moves != seen) {
				ret = efd_wait(self->notify, VD_EVENT_MS, &val);
				if (ret != 1) {
					snprintf(fail, sizeof(fail),
						 "MAY_CHANGE: no notification after a move (%d)",
						 ret);
					break;
				}
				seen = r->moves;
			}
		} else {
			val = efd_drain(self->notify);
		}
		notified += val;
		/* What a generic driver does when told: reprogram what changed */
		if (variant->generic && val && !*fail) {
			for (i = 0; i < AFF_VECTORS && !*fail; i++) {
				ret = msi_read_msgs(md->vd.device, self->vec[i],
						    1, &m, &gen);
				if (ret) {
					snprintf(fail, sizeof(fail),
						 "read message of vector %u: %s",
						 self->vec[i],
						 vd_errno_name(-ret));
					break;
				}
				if (!memcmp(&m, &cur[i], sizeof(m)))
					continue;
				program_entry(md, self->vec[i], &m);
				cur[i] = m;
				reprogrammed++;
			}
		}
		if (r->lockstep)
			r->gate = 0;
		r->rounds++;
	}
	r->stop = true;
	pthread_join(th, NULL);
	t1 = td_now_ns();
	moves = r->moves;

	ASSERT_EQ(0, fail[0]) TH_LOG("mode %s: %s", md->mode, fail);
	ASSERT_EQ(0, r->err[0]) TH_LOG("mode %s: moving: %s", md->mode, r->err);
	/* Every step moved every vector */
	ASSERT_EQ(r->ncpu * r->laps * AFF_VECTORS, moves);

	/* Nothing more arrives; every fire is one MSI sent, one event */
	for (i = 0; i < AFF_VECTORS; i++) {
		unsigned long long handled = 0;

		VD_ASSERT_OK(efd_collect(self->fds[i], VD_QUIET_MS, &val));
		events[i] += val;
		EXPECT_EQ(fires[i], events[i])
			TH_LOG("vector %u: %lu fires, %lu events", self->vec[i],
			       fires[i], events[i]);
		EXPECT_EQ(fires[i], td_count(md->regs, self->vec[i]) - count0[i])
			TH_LOG("vector %u: the device's COUNT", self->vec[i]);
		VD_ASSERT_OK(irq_counts(self->virq[i], r->cpus, r->ncpu, c1));
		for (k = 0; k < r->ncpu; k++) {
			handled += c1[k] - c0[i][k];
			EXPECT_LT(0, c1[k] - c0[i][k])
				TH_LOG("vector %u never delivered on CPU %u",
				       self->vec[i], r->cpus[k]);
		}
		EXPECT_EQ(events[i], handled)
			TH_LOG("vector %u: %lu events, the kernel handled %llu",
			       self->vec[i], events[i], handled);
		total += events[i];
	}
	EXPECT_EQ(err0, td_rd32(md->regs, VPMSI_REG_ERR_COUNT))
		TH_LOG("the device dropped MSIs (a message it could not use)");

	/* What the moves did to the messages, as the capability says */
	VD_ASSERT_OK(msi_cap_read(md, NULL, &gen, NULL));
	for (i = 0; i < AFF_VECTORS; i++) {
		uint64_t addr;
		uint32_t data;

		VD_ASSERT_OK(msi_read_msgs(md->vd.device, self->vec[i], 1, &m,
					   NULL));
		td_get_entry(md->regs, self->vec[i], &addr, &data);
		EXPECT_TRUE(addr == m.address && data == m.data)
			TH_LOG("vector %u: the device has 0x%llx/0x%x, the message is 0x%llx/0x%x",
			       self->vec[i], (unsigned long long)addr, data,
			       (unsigned long long)m.address, m.data);
		if (!may_change)
			EXPECT_EQ(0, memcmp(&m, &start[i], sizeof(m)))
				TH_LOG("vector %u: the message changed without MAY_CHANGE",
				       self->vec[i]);
	}
	notified += efd_drain(self->notify);
	if (may_change) {
		/* Each move to another CPU gives the vector a new message */
		EXPECT_EQ(moves, gen - gen0)
			TH_LOG("%lu moves, generation %u -> %u", moves, gen0,
			       gen);
		EXPECT_LT(0, notified) TH_LOG("no notification");
		if (variant->generic)
			EXPECT_LT(0, reprogrammed);
	} else {
		EXPECT_EQ(gen0, gen) TH_LOG("the generation moved without MAY_CHANGE");
		EXPECT_EQ(0, notified) TH_LOG("notified without MAY_CHANGE");
	}

	/* The figures, in the KTAP output */
	TH_LOG("mode %s%s%s: %u vectors, %u CPUs, %lu rounds in %llu ms",
	       md->mode, may_change ? " (MAY_CHANGE)" : "",
	       r->lockstep ? ", lockstep" : "", AFF_VECTORS, r->ncpu, r->rounds,
	       (unsigned long long)(t1 - t0) / 1000000);
	TH_LOG("moves %lu (refused for a while: %lu), deliveries %lu, none lost or doubled",
	       moves, r->busy, total);
	TH_LOG("generation %u -> %u, notifications %lu, entries reprogrammed %lu",
	       gen0, gen, notified, reprogrammed);
	msi_efds_close(self->fds, AFF_VECTORS);
	close(self->notify);
	free(r);
}

TEST_HARNESS_MAIN
