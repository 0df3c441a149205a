// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: the MSI index of the test device (Documentation/uapi.rst,
 * "Setting MSI interrupts").
 *
 * The device model sends a vector's MSI when asked through its FIRE
 * mailbox: one 32-bit write of the table entry's data to its address,
 * unless the entry is masked (then the vector's pending bit is set and the
 * MSI goes out on unmask) or CTRL.MSI_EN is clear (then it is dropped and
 * counted in ERR_COUNT). The plug-in of the test device works in one of
 * three modes, chosen at open through its msi_mode parameter:
 *
 *  - device:  the kernel programs the table and masks at the device;
 *  - irqchip: the kernel programs the table, masking is at the ITS;
 *  - generic: no plug-in MSI operations: the test programs the table from
 *             the messages of the MSI_MSGS capability (fixture "generic").
 *
 * Deliveries are asynchronous: every wait is a poll with a bounded timeout,
 * every "nothing happens" a bounded quiet window. Firing is paced where
 * counts matter: one MSI, then wait for its event, so that every fire must
 * give exactly one event.
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

#define HELD_FIRES	3	/* MSIs sent while a vector is masked */
#define SMALL_BLOCK	32	/* vectors of the "32 vectors" cases */
#define DYN_VECTORS	48	/* vectors enabled while others fire */
#define DYN_STRIDE	41	/* spreads them over the block */
#define SWAP_ROUNDS	100	/* paced fire-then-swap rounds */
#define STRESS_SWAPS	200	/* swaps under continuous fire */

/* Exactly one event on @fd within VD_EVENT_MS (its counter reads 1) */
static void one_event(struct __test_metadata *_metadata, int fd,
		      const char *what)
{
	uint64_t val = 0;
	int ret = efd_wait(fd, VD_EVENT_MS, &val);

	ASSERT_EQ(1, ret)
		TH_LOG("no event within %d ms (%s): %s", VD_EVENT_MS,
		       ret < 0 ? vd_errno_name(-ret) : "timeout", what);
	ASSERT_EQ(1, val)
		TH_LOG("%llu events at once: %s", (unsigned long long)val,
		       what);
}

#define ASSERT_ONE_EVENT(fd, fmt, ...) do {				\
	char __what[160];						\
									\
	snprintf(__what, sizeof(__what), fmt, ##__VA_ARGS__);		\
	one_event(_metadata, (fd), __what);				\
} while (0)

/* Nothing more arrives on @fd within VD_QUIET_MS */
#define ASSERT_NO_MORE(fd, fmt, ...) do {				\
	uint64_t __more = 0;						\
	VD_ASSERT_OK(efd_collect((fd), VD_QUIET_MS, &__more));		\
	ASSERT_EQ(0, __more)						\
		TH_LOG("%llu extra events: " fmt,			\
		       (unsigned long long)__more, ##__VA_ARGS__);	\
} while (0)

static int cmp_msg(const void *a, const void *b)
{
	const struct vfio_platform_msi_msg *x = a, *y = b;

	if (x->address != y->address)
		return x->address < y->address ? -1 : 1;
	if (x->data != y->data)
		return x->data < y->data ? -1 : 1;
	return 0;
}

/*
 * Messages of vectors [first, first + n) in @msgs: all valid, with a
 * non-zero address, and no two vectors sharing one. Returns the first
 * duplicate's vector offset in the sorted copy, or -1.
 */
static long dup_msg(const struct vfio_platform_msi_msg *msgs, unsigned int first,
		    unsigned int n)
{
	struct vfio_platform_msi_msg *s;
	unsigned int i;
	long ret = -1;

	s = malloc(n * sizeof(*s));
	if (!s)
		return -2;
	memcpy(s, msgs + first, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_msg);
	for (i = 1; i < n; i++) {
		if (!cmp_msg(&s[i - 1], &s[i])) {
			ret = i;
			break;
		}
	}
	free(s);
	return ret;
}

/* What the kernel reports, checked against the device for [first, +n) */
static void check_msgs(struct __test_metadata *_metadata,
		       struct msi_dev *md, struct vfio_platform_msi_msg *msgs,
		       unsigned int first, unsigned int n, bool programmed)
{
	uint32_t flags = 0, data;
	unsigned int v;
	uint64_t addr;

	VD_ASSERT_OK(msi_cap_read(md, &flags, NULL, NULL));
	/* the ITS never changes a message; the IMSIC's name a hart */
	EXPECT_EQ(msi_parent_is_imsic(),
		  !!(flags & VFIO_PLATFORM_MSI_CAP_MAY_CHANGE))
		TH_LOG("MAY_CHANGE 0x%x, msi-parent %s", flags,
		       msi_parent_is_imsic() ? "an IMSIC" : "a GICv3 ITS");
	EXPECT_EQ(programmed, !!(flags & VFIO_PLATFORM_MSI_CAP_PROGRAMMED))
		TH_LOG("mode %s: capability flags 0x%x", md->mode, flags);
	VD_ASSERT_OK(msi_get_msgs(md, first, n, msgs + first));
	for (v = first; v < first + n; v++) {
		ASSERT_TRUE(msgs[v].flags & VFIO_PLATFORM_MSI_MSG_VALID)
			TH_LOG("vector %u enabled, message not valid", v);
		ASSERT_NE(0, msgs[v].address) TH_LOG("vector %u", v);
		if (!programmed)
			continue;
		td_get_entry(md->regs, v, &addr, &data);
		ASSERT_EQ(msgs[v].address, addr)
			TH_LOG("vector %u: table address 0x%llx, reported 0x%llx",
			       v, (unsigned long long)addr,
			       (unsigned long long)msgs[v].address);
		ASSERT_EQ(msgs[v].data, data)
			TH_LOG("vector %u: table data 0x%x, reported 0x%x", v,
			       data, msgs[v].data);
	}
	ASSERT_EQ(-1, dup_msg(msgs, first, n))
		TH_LOG("two vectors share one message");
}

/* ---------------------------------------------------------------------- */
/* Modes where the kernel programs the device: device and irqchip         */

FIXTURE(msi) {
	struct msi_dev md;
	int *fds;			/* eventfds of the test */
	unsigned int nfds;
	struct vfio_platform_msi_msg *msgs;	/* md.nvec entries */
};

FIXTURE_VARIANT(msi) {
	const char *mode;
	bool mask_device;		/* expected CAP_MASK_DEVICE */
};

FIXTURE_VARIANT_ADD(msi, device) {
	.mode = MSI_MODE_DEVICE,
	.mask_device = true,
};

FIXTURE_VARIANT_ADD(msi, irqchip) {
	.mode = MSI_MODE_IRQCHIP,
	.mask_device = false,
};

FIXTURE_SETUP(msi)
{
	const char *why = vfio_dev_env_missing();
	int ret;

	memset(&self->md, 0, sizeof(self->md));
	vfio_dev_init(&self->md.vd);
	self->fds = NULL;
	self->nfds = 0;
	self->msgs = NULL;
	if (why)
		SKIP(return, "%s", why);
	ret = msi_dev_open(&self->md, variant->mode);
	if (ret == -ENODEV || ret == -EOPNOTSUPP)
		SKIP(return, "%s", self->md.why);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", self->md.why, vd_errno_name(-ret));
	self->msgs = calloc(self->md.nvec + 1, sizeof(*self->msgs));
	ASSERT_NE(NULL, self->msgs)
		msi_dev_close(&self->md);
}

/* In the parent, after the test (lib/vpm_harness.h): no child resource */
FIXTURE_TEARDOWN_PARENT(msi)
{
	msi_mode_restore();
}

/* @n eventfds in self->fds; fewer if RLIMIT_NOFILE cannot be raised */
static unsigned int do_make_efds(struct __test_metadata *_metadata,
				 FIXTURE_DATA(msi) *self, unsigned int n)
{
	int got;

	self->fds = malloc(n * sizeof(*self->fds));
	ASSERT_NE(NULL, self->fds);
	memset(self->fds, 0xff, n * sizeof(*self->fds));
	got = msi_efds_create(self->fds, n);
	VD_ASSERT_OK(got);
	self->nfds = got;
	return got;
}

#define make_efds(self, n)	do_make_efds(_metadata, self, n)

static int fd_of(FIXTURE_DATA(msi) *self, unsigned int v)
{
	return self->fds[v % self->nfds];
}

/* Enable [first, first + n), vector v on fd_of(v), in one SET_IRQS */
static void do_enable_range(struct __test_metadata *_metadata,
			    FIXTURE_DATA(msi) *self, unsigned int first,
			    unsigned int n)
{
	int32_t *fds;
	unsigned int i;
	int ret;

	fds = malloc(n * sizeof(*fds));
	ASSERT_NE(NULL, fds);
	for (i = 0; i < n; i++)
		fds[i] = fd_of(self, first + i);
	ret = msi_set_fds(self->md.vd.device, self->md.index,
			  VFIO_IRQ_SET_ACTION_TRIGGER, first, n, fds);
	free(fds);
	ASSERT_EQ(0, ret) TH_LOG("enable vectors %u..%u: %s", first,
				 first + n - 1, vd_errno_name(-ret));
}

#define enable_range(self, first, n) \
	do_enable_range(_metadata, self, first, n)

/* Fire @v once, paced: exactly one event on @fd, the device counted it */
static void fire_one(struct __test_metadata *_metadata, struct msi_dev *md,
		     unsigned int v, int fd)
{
	uint32_t before = td_count(md->regs, v);

	VD_ASSERT_OK(msi_fire(md, v));
	ASSERT_ONE_EVENT(fd, "vector %u fired once", v);
	EXPECT_EQ(before + 1, td_count(md->regs, v))
		TH_LOG("vector %u: device COUNT", v);
}

TEST_F(msi, info)
{
	struct msi_dev *md = &self->md;
	struct vfio_irq_info ii;
	uint32_t flags, gen;
	long n;

	EXPECT_EQ(VD_NUM_WIRED + 1, md->vd.info.num_irqs);
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE,
		  md->info_flags)
		TH_LOG("MSI index flags 0x%x", md->info_flags);
	EXPECT_EQ(msi_plugin_nvec_expected(td_rd32(md->regs,
						   VPMSI_REG_NUM_VECTORS)),
		  md->nvec);
	VD_EXPECT_ERR(EINVAL, vfio_dev_irq_info(md->vd.device,
						md->vd.info.num_irqs, &ii));

	VD_ASSERT_OK(msi_cap_read(md, &flags, &gen, NULL));
	EXPECT_EQ(VFIO_PLATFORM_MSI_CAP_PROGRAMMED |
		  VFIO_PLATFORM_MSI_CAP_REPLAY |
		  (variant->mask_device ? VFIO_PLATFORM_MSI_CAP_MASK_DEVICE : 0) |
		  (msi_parent_is_imsic() ? VFIO_PLATFORM_MSI_CAP_MAY_CHANGE : 0),
		  flags) TH_LOG("mode %s: flags 0x%x", md->mode, flags);
	EXPECT_EQ(0, gen);

	/* No SET_IRQS yet: no handler, so no vector has a message */
	n = msi_proc_interrupts_count(MSI_IRQ_NAME);
	ASSERT_EQ(0, n) TH_LOG("%ld handlers before any SET_IRQS", n);
}

/* One vector, the first and then the last of the block */
TEST_F(msi, deliver_one)
{
	struct msi_dev *md = &self->md;
	unsigned int last = md->nvec - 1;

	make_efds(self, 2);
	ASSERT_EQ(2, self->nfds);
	enable_range(self, 0, 1);
	check_msgs(_metadata, md, self->msgs, 0, 1, true);
	EXPECT_TRUE(td_rd32(md->regs, VPMSI_REG_CTRL) & VPMSI_CTRL_MSI_EN)
		TH_LOG("the kernel did not set CTRL.MSI_EN in mode %s",
		       md->mode);
	EXPECT_FALSE(td_masked(md->regs, 0)) TH_LOG("enabled vector masked");
	VD_ASSERT_QUIET(fd_of(self, 0), "enabled, not fired");

	fire_one(_metadata, md, 0, fd_of(self, 0));
	EXPECT_EQ(0, td_rd32(md->regs, VPMSI_REG_LAST_VECTOR));
	ASSERT_NO_MORE(fd_of(self, 0), "vector 0 fired once");

	if (last) {
		enable_range(self, last, 1);
		check_msgs(_metadata, md, self->msgs, last, 1, true);
		fire_one(_metadata, md, last, fd_of(self, last));
		fire_one(_metadata, md, 0, fd_of(self, 0));
	}
	EXPECT_EQ(0, td_rd32(md->regs, VPMSI_REG_ERR_COUNT));
}

/* 32 vectors on 32 eventfds: each fire lands on its own eventfd only */
TEST_F(msi, deliver_32)
{
	struct msi_dev *md = &self->md;
	unsigned int n = md->nvec < SMALL_BLOCK ? md->nvec : SMALL_BLOCK;
	unsigned int v, w;

	ASSERT_EQ(n, make_efds(self, n));
	enable_range(self, 0, n);
	check_msgs(_metadata, md, self->msgs, 0, n, true);
	for (v = 0; v < n; v++) {
		fire_one(_metadata, md, v, fd_of(self, v));
		for (w = 0; w < n; w++)
			ASSERT_EQ(0, efd_drain(fd_of(self, w)))
				TH_LOG("vector %u fired, eventfd of %u signalled",
				       v, w);
	}
	ASSERT_NO_MORE(fd_of(self, 0), "after the 32 fires");
	EXPECT_EQ(n, td_rd32(md->regs, VPMSI_REG_MSI_TOTAL));
	EXPECT_EQ(0, td_rd32(md->regs, VPMSI_REG_ERR_COUNT));
}

/* Every vector of the block, enabled in one SET_IRQS, fired once each */
TEST_F_TIMEOUT(msi, deliver_all, 150)
{
	struct msi_dev *md = &self->md;
	uint64_t t0 = td_now_ns(), t1, t2;
	unsigned int v, nfd;

	nfd = make_efds(self, md->nvec);
	enable_range(self, 0, md->nvec);
	t1 = td_now_ns();
	check_msgs(_metadata, md, self->msgs, 0, md->nvec, true);
	for (v = 0; v < md->nvec; v++)
		fire_one(_metadata, md, v, fd_of(self, v));
	t2 = td_now_ns();
	for (v = 0; v < nfd; v++)
		ASSERT_EQ(0, efd_drain(self->fds[v])) TH_LOG("eventfd %u", v);
	ASSERT_NO_MORE(fd_of(self, 0), "after every vector fired once");
	EXPECT_EQ(md->nvec, td_rd32(md->regs, VPMSI_REG_MSI_TOTAL));
	EXPECT_EQ(0, td_rd32(md->regs, VPMSI_REG_ERR_COUNT));
	TH_LOG("%u vectors on %u eventfds: enabled in %llu ms, fired in %llu ms",
	       md->nvec, nfd, (unsigned long long)(t1 - t0) / 1000000,
	       (unsigned long long)(t2 - t1) / 1000000);
}

/* TRIGGER with DATA_NONE / DATA_BOOL signals the eventfds, not the device */
TEST_F(msi, loopback)
{
	static const uint8_t pattern[8] = { 1, 0, 1, 0, 0, 1, 0, 1 };
	struct msi_dev *md = &self->md;
	int dev = md->vd.device;
	unsigned int v;
	uint64_t val;

	ASSERT_LE(10, md->nvec);
	ASSERT_EQ(10, make_efds(self, 10));
	enable_range(self, 0, 8);

	VD_ASSERT_OK(msi_set_none(dev, md->index, VFIO_IRQ_SET_ACTION_TRIGGER,
				  0, 8));
	for (v = 0; v < 8; v++)
		ASSERT_ONE_EVENT(fd_of(self, v), "loopback of vector %u", v);

	VD_ASSERT_OK(msi_set_bools(dev, md->index, VFIO_IRQ_SET_ACTION_TRIGGER,
				   0, 8, pattern));
	for (v = 0; v < 8; v++) {
		if (pattern[v])
			ASSERT_ONE_EVENT(fd_of(self, v),
					 "DATA_BOOL loopback of vector %u", v);
	}
	for (v = 0; v < 8; v++) {
		val = efd_drain(fd_of(self, v));
		ASSERT_EQ(0, val) TH_LOG("vector %u (bool %u)", v, pattern[v]);
	}

	/* Vectors 8 and 9 have no eventfd: accepted, nothing happens */
	VD_ASSERT_OK(msi_set_none(dev, md->index, VFIO_IRQ_SET_ACTION_TRIGGER,
				  8, 2));
	VD_ASSERT_QUIET(fd_of(self, 8), "loopback of a disabled vector");

	/* Loopback never reaches the device */
	EXPECT_EQ(0, td_rd32(md->regs, VPMSI_REG_MSI_TOTAL));
	/* The last vector of the block, and with count 1 */
	VD_ASSERT_OK(msi_set_none(dev, md->index, VFIO_IRQ_SET_ACTION_TRIGGER,
				  md->nvec - 1, 1));
}

/*
 * Mask, fire HELD_FIRES times, unmask: nothing while masked, exactly one
 * event on unmask, then normal delivery. @how is the data type of the
 * MASK/UNMASK requests (for DATA_EVENTFD, signal @mfd / @ufd).
 */
static void check_held(struct __test_metadata *_metadata,
		       FIXTURE_DATA(msi) *self,
		       const FIXTURE_VARIANT(msi) *variant, unsigned int v,
		       uint32_t how, int mfd, int ufd)
{
	struct msi_dev *md = &self->md;
	int dev = md->vd.device, fd = fd_of(self, v);
	uint8_t yes = 1, no = 0;
	uint32_t count0;

	switch (how) {
	case VFIO_IRQ_SET_DATA_NONE:
		VD_ASSERT_OK(msi_mask(md, v, true));
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		VD_ASSERT_OK(msi_set_bools(dev, md->index,
					   VFIO_IRQ_SET_ACTION_MASK, v, 1,
					   &yes));
		break;
	default:
		VD_ASSERT_OK(efd_signal(mfd, 1));
		break;
	}

	count0 = td_count(md->regs, v);
	if (variant->mask_device)
		ASSERT_TRUE(td_masked(md->regs, v))
			TH_LOG("MASK_DEVICE: vector %u not masked in the table",
			       v);
	VD_ASSERT_OK(td_fire(md->regs, v, HELD_FIRES, VD_DEV_MS));
	VD_ASSERT_QUIET(fd, "fired while masked");
	if (variant->mask_device) {
		EXPECT_TRUE(td_pending(md->regs, v))
			TH_LOG("vector %u: no pending bit in the device", v);
		EXPECT_EQ(count0, td_count(md->regs, v))
			TH_LOG("vector %u: MSIs sent while masked at the device",
			       v);
	} else {
		/* Masked at the ITS: the device sends, the ITS holds */
		EXPECT_FALSE(td_masked(md->regs, v));
		EXPECT_EQ(count0 + HELD_FIRES, td_count(md->regs, v));
	}

	if (how == VFIO_IRQ_SET_DATA_BOOL) {
		VD_ASSERT_OK(msi_set_bools(dev, md->index,
					   VFIO_IRQ_SET_ACTION_UNMASK, v, 1,
					   &no));
		VD_ASSERT_QUIET(fd, "UNMASK with DATA_BOOL false");
	}

	switch (how) {
	case VFIO_IRQ_SET_DATA_NONE:
		VD_ASSERT_OK(msi_mask(md, v, false));
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		VD_ASSERT_OK(msi_set_bools(dev, md->index,
					   VFIO_IRQ_SET_ACTION_UNMASK, v, 1,
					   &yes));
		break;
	default:
		VD_ASSERT_OK(efd_signal(ufd, 1));
		break;
	}
	ASSERT_ONE_EVENT(fd, "vector %u unmasked after %d fires", v,
			 HELD_FIRES);
	ASSERT_NO_MORE(fd, "vector %u: held MSIs must coalesce into one", v);
	if (variant->mask_device) {
		EXPECT_FALSE(td_pending(md->regs, v));
		EXPECT_FALSE(td_masked(md->regs, v));
		EXPECT_EQ(count0 + 1, td_count(md->regs, v));
	}

	/* Unmasked for good */
	fire_one(_metadata, md, v, fd);
}

TEST_F(msi, mask_none)
{
	make_efds(self, 4);
	enable_range(self, 0, 4);
	fire_one(_metadata, &self->md, 2, fd_of(self, 2));
	check_held(_metadata, self, variant, 2, VFIO_IRQ_SET_DATA_NONE, -1,
		   -1);
	/* Again, on the last vector */
	enable_range(self, self->md.nvec - 1, 1);
	check_held(_metadata, self, variant, self->md.nvec - 1,
		   VFIO_IRQ_SET_DATA_NONE, -1, -1);
}

TEST_F(msi, mask_bool)
{
	struct msi_dev *md = &self->md;
	uint8_t no = 0;

	make_efds(self, 4);
	enable_range(self, 0, 4);
	/* MASK with DATA_BOOL false does not mask */
	VD_ASSERT_OK(msi_set_bools(md->vd.device, md->index,
				   VFIO_IRQ_SET_ACTION_MASK, 1, 1, &no));
	fire_one(_metadata, md, 1, fd_of(self, 1));
	check_held(_metadata, self, variant, 1, VFIO_IRQ_SET_DATA_BOOL, -1,
		   -1);
}

TEST_F(msi, mask_eventfd)
{
	struct msi_dev *md = &self->md;
	int dev = md->vd.device;
	int mfd, ufd, mfd0, v = 3;

	make_efds(self, 4);
	enable_range(self, 0, 4);
	mfd = efd_create();
	ufd = efd_create();
	mfd0 = efd_create();
	VD_ASSERT_OK(mfd);
	VD_ASSERT_OK(ufd);
	VD_ASSERT_OK(mfd0);
	VD_ASSERT_OK(msi_set_fds(dev, md->index, VFIO_IRQ_SET_ACTION_MASK,
				 v, 1, &mfd));
	VD_ASSERT_OK(msi_set_fds(dev, md->index, VFIO_IRQ_SET_ACTION_UNMASK,
				 v, 1, &ufd));
	/* A mask eventfd of vector 0 leaves vector 3 alone */
	VD_ASSERT_OK(msi_set_fds(dev, md->index, VFIO_IRQ_SET_ACTION_MASK,
				 0, 1, &mfd0));
	VD_ASSERT_OK(efd_signal(mfd0, 1));
	fire_one(_metadata, md, v, fd_of(self, v));

	check_held(_metadata, self, variant, v, VFIO_IRQ_SET_DATA_EVENTFD,
		   mfd, ufd);
	/* The eventfds stay armed */
	check_held(_metadata, self, variant, v, VFIO_IRQ_SET_DATA_EVENTFD,
		   mfd, ufd);

	/* Removed with -1: signalling them does nothing any more */
	VD_ASSERT_OK(msi_set_fds(dev, md->index, VFIO_IRQ_SET_ACTION_MASK,
				 v, 1, &(int32_t){ -1 }));
	VD_ASSERT_OK(efd_signal(mfd, 1));
	fire_one(_metadata, md, v, fd_of(self, v));
	VD_ASSERT_OK(msi_mask(md, v, true));
	VD_ASSERT_OK(msi_set_fds(dev, md->index, VFIO_IRQ_SET_ACTION_UNMASK,
				 v, 1, &(int32_t){ -1 }));
	VD_ASSERT_OK(efd_signal(ufd, 1));
	VD_ASSERT_OK(msi_fire(md, v));
	VD_ASSERT_QUIET(fd_of(self, v), "unmask eventfd removed");
	VD_ASSERT_OK(msi_mask(md, v, false));
	ASSERT_ONE_EVENT(fd_of(self, v), "unmasked by ioctl");

	/* Vector 0 was masked by its eventfd */
	VD_ASSERT_OK(msi_fire(md, 0));
	VD_ASSERT_QUIET(fd_of(self, 0), "masked by its mask eventfd");
	VD_ASSERT_OK(msi_mask(md, 0, false));
	ASSERT_ONE_EVENT(fd_of(self, 0), "vector 0 unmasked");
	close(mfd);
	close(ufd);
	close(mfd0);
}

/* Masking twice is masking once; unmasking an unmasked vector is a no-op */
TEST_F(msi, mask_idempotent)
{
	struct msi_dev *md = &self->md;

	make_efds(self, 2);
	enable_range(self, 0, 2);
	VD_ASSERT_OK(msi_mask(md, 1, false));
	VD_ASSERT_QUIET(fd_of(self, 1), "unmask of an unmasked vector");
	fire_one(_metadata, md, 1, fd_of(self, 1));

	VD_ASSERT_OK(msi_mask(md, 1, true));
	VD_ASSERT_OK(msi_mask(md, 1, true));
	VD_ASSERT_OK(msi_fire(md, 1));
	VD_ASSERT_QUIET(fd_of(self, 1), "masked twice");
	VD_ASSERT_OK(msi_mask(md, 1, false));
	ASSERT_ONE_EVENT(fd_of(self, 1), "masked twice, unmasked once");
	VD_ASSERT_OK(msi_mask(md, 1, false));
	ASSERT_NO_MORE(fd_of(self, 1), "second unmask");
	fire_one(_metadata, md, 1, fd_of(self, 1));
	/* The neighbour was never disturbed */
	fire_one(_metadata, md, 0, fd_of(self, 0));
}

/* Masking and enabling are independent */
TEST_F(msi, mask_and_enable_independent)
{
	struct msi_dev *md = &self->md;
	int efd2;

	make_efds(self, 2);
	efd2 = efd_create();
	VD_ASSERT_OK(efd2);

	/* Masked before the block exists, then enabled: still masked */
	VD_ASSERT_OK(msi_mask(md, 0, true));
	enable_range(self, 0, 2);
	VD_ASSERT_OK(msi_fire(md, 0));
	VD_ASSERT_QUIET(fd_of(self, 0), "masked before being enabled");
	fire_one(_metadata, md, 1, fd_of(self, 1));
	VD_ASSERT_OK(msi_mask(md, 0, false));
	ASSERT_ONE_EVENT(fd_of(self, 0), "held before the first unmask");

	/* Masked, disabled, enabled again: still masked */
	VD_ASSERT_OK(msi_mask(md, 0, true));
	VD_ASSERT_OK(msi_enable(md, 0, -1));
	VD_ASSERT_OK(msi_enable(md, 0, fd_of(self, 0)));
	VD_ASSERT_OK(msi_fire(md, 0));
	VD_ASSERT_QUIET(fd_of(self, 0), "masked across disable/enable");

	/* Masked while the eventfd is swapped: delivered to the new one */
	VD_ASSERT_OK(msi_enable(md, 0, efd2));
	VD_ASSERT_QUIET(efd2, "still masked after the swap");
	VD_ASSERT_OK(msi_mask(md, 0, false));
	ASSERT_ONE_EVENT(efd2, "held event after the swap");
	VD_ASSERT_QUIET(fd_of(self, 0), "replaced eventfd");
	fire_one(_metadata, md, 0, efd2);
	close(efd2);
}

/* fd -1 disables one vector; DATA_NONE with count 0 disables them all */
TEST_F(msi, disable)
{
	struct msi_dev *md = &self->md;
	struct vfio_platform_msi_msg *ref;
	unsigned int v;

	ref = calloc(md->nvec, sizeof(*ref));
	ASSERT_NE(NULL, ref);
	make_efds(self, 4);
	enable_range(self, 0, 4);
	VD_ASSERT_OK(msi_get_msgs(md, 0, 4, ref));

	VD_ASSERT_OK(msi_enable(md, 1, -1));
	VD_ASSERT_OK(msi_fire(md, 1));
	VD_ASSERT_QUIET(fd_of(self, 1), "disabled vector fired");
	fire_one(_metadata, md, 0, fd_of(self, 0));
	fire_one(_metadata, md, 2, fd_of(self, 2));
	/* Disabling a disabled vector is fine */
	VD_ASSERT_OK(msi_enable(md, 1, -1));

	VD_ASSERT_OK(msi_disable_all(md));
	for (v = 0; v < 4; v++)
		VD_ASSERT_OK(msi_fire(md, v));
	for (v = 0; v < 4; v++)
		VD_ASSERT_QUIET(fd_of(self, v), "all disabled");
	VD_ASSERT_OK(msi_disable_all(md));

	/*
	 * Enabled again: same messages. A disabled vector is masked, so
	 * what was fired while it was disabled was held and is delivered
	 * once now (Documentation/uapi.rst); then delivery works as before.
	 */
	for (v = 0; v < 4; v++)
		efd_drain(fd_of(self, v));
	enable_range(self, 0, 4);
	VD_ASSERT_OK(msi_get_msgs(md, 0, 4, self->msgs));
	for (v = 0; v < 4; v++) {
		ASSERT_EQ(0, memcmp(&ref[v], &self->msgs[v], sizeof(ref[v])))
			TH_LOG("vector %u: message changed across disable", v);
		ASSERT_ONE_EVENT(fd_of(self, v),
				 "vector %u: event held while disabled", v);
		fire_one(_metadata, md, v, fd_of(self, v));
	}
	free(ref);
}

/* ---- enabling and disabling vectors while others fire ---- */

struct firer {
	struct msi_dev *md;
	unsigned int vec[2];
	int fd[2];
	bool paced;		/* wait for each event before the next fire */
	atomic_bool stop;
	atomic_ulong fires;
	int err;		/* a fire that failed */
	bool bad;		/* a paced fire without exactly one event */
	unsigned int bad_vec;
	int bad_ret;
	uint64_t bad_val;
};

static void *firer_main(void *arg)
{
	struct firer *f = arg;
	unsigned int i = 0, k;
	uint64_t val;
	int ret;

	while (!f->stop) {
		k = i++ % 2;
		ret = msi_fire(f->md, f->vec[k]);
		if (ret) {
			f->err = ret;
			break;
		}
		f->fires++;
		if (!f->paced)
			continue;
		val = 0;
		ret = efd_wait(f->fd[k], VD_EVENT_MS, &val);
		if (ret != 1 || val != 1) {
			f->bad = true;
			f->bad_vec = f->vec[k];
			f->bad_ret = ret;
			f->bad_val = val;
			break;
		}
	}
	return NULL;
}

/* Wait (bounded) until the firer has fired @n more times */
static bool firer_progress(struct firer *f, unsigned long n)
{
	unsigned long want = f->fires + n;
	uint64_t end = td_now_ns() + (uint64_t)VD_EVENT_MS * 1000000;

	while (f->fires < want && !f->bad && !f->err) {
		if (td_now_ns() > end)
			return false;
		td_relax();
	}
	return !f->bad && !f->err;
}

/*
 * Vectors A and B fire continuously (paced: every fire must give exactly
 * one event) while DYN_VECTORS other vectors are enabled one by one and
 * some disabled again: no event of A or B is lost or doubled, and no
 * message changes.
 */
TEST_F_TIMEOUT(msi, enable_while_firing, 150)
{
	struct msi_dev *md = &self->md;
	struct vfio_platform_msi_msg *ref = NULL;
	unsigned int ks[DYN_VECTORS], a, b, i, k, v;
	bool enabled[DYN_VECTORS] = { false };
	struct firer f = { 0 };
	unsigned long fires0;
	char fail[160] = "";
	pthread_t th;
	int ret;

	if (md->nvec < DYN_VECTORS + 2)
		SKIP(return, "%u vectors, need %d", md->nvec,
		     DYN_VECTORS + 2);
	ASSERT_EQ(DYN_VECTORS + 2, make_efds(self, DYN_VECTORS + 2));
	ref = calloc(md->nvec, sizeof(*ref));
	ASSERT_NE(NULL, ref);
	a = 0;
	b = md->nvec - 1;
	for (i = 0; i < DYN_VECTORS; i++)
		ks[i] = 1 + (i * DYN_STRIDE) % (md->nvec - 2);

	VD_ASSERT_OK(msi_enable(md, a, self->fds[0]));
	VD_ASSERT_OK(msi_enable(md, b, self->fds[1]));
	VD_ASSERT_OK(msi_get_msgs(md, a, 1, &ref[a]));
	VD_ASSERT_OK(msi_get_msgs(md, b, 1, &ref[b]));

	f.md = md;
	f.vec[0] = a;
	f.vec[1] = b;
	f.fd[0] = self->fds[0];
	f.fd[1] = self->fds[1];
	f.paced = true;
	ASSERT_EQ(0, pthread_create(&th, NULL, firer_main, &f));
	fires0 = f.fires;

	for (i = 0; i < DYN_VECTORS && !*fail; i++) {
		if (!firer_progress(&f, 1)) {
			snprintf(fail, sizeof(fail), "firer stalled");
			break;
		}
		ret = msi_enable(md, ks[i], self->fds[2 + i]);
		if (ret) {
			snprintf(fail, sizeof(fail), "enable %u: %s", ks[i],
				 vd_errno_name(-ret));
			break;
		}
		enabled[i] = true;
		if (i % 3 == 2) {
			ret = msi_enable(md, ks[i - 1], -1);
			if (ret) {
				snprintf(fail, sizeof(fail), "disable %u: %s",
					 ks[i - 1], vd_errno_name(-ret));
				break;
			}
			enabled[i - 1] = false;
		}
		/* The messages of A, B and every vector enabled so far */
		for (k = 0; k < i + 3 && !*fail; k++) {
			v = k == 0 ? a : k == 1 ? b : ks[k - 2];
			ret = msi_get_msgs(md, v, 1, &self->msgs[v]);
			if (ret) {
				snprintf(fail, sizeof(fail), "messages: %s",
					 vd_errno_name(-ret));
				break;
			}
			if (!(ref[v].flags & VFIO_PLATFORM_MSI_MSG_VALID)) {
				ref[v] = self->msgs[v];
				continue;
			}
			if (memcmp(&ref[v], &self->msgs[v], sizeof(ref[v])))
				snprintf(fail, sizeof(fail),
					 "vector %u: message changed after enabling vector %u",
					 v, ks[i]);
		}
	}
	if (!*fail && !firer_progress(&f, 2))
		snprintf(fail, sizeof(fail), "firer stalled at the end");
	f.stop = true;
	pthread_join(th, NULL);

	TH_LOG("%lu paced fires of vectors %u and %u while enabling %u vectors",
	       f.fires - fires0, a, b, i);
	ASSERT_EQ(0, f.err) TH_LOG("fire: %s", vd_errno_name(-f.err));
	ASSERT_FALSE(f.bad)
		TH_LOG("vector %u: wait returned %d, counter %llu (expected one event)",
		       f.bad_vec, f.bad_ret, (unsigned long long)f.bad_val);
	ASSERT_EQ(0, fail[0]) TH_LOG("%s", fail);
	ASSERT_NO_MORE(self->fds[0], "vector %u after the paced fires", a);
	ASSERT_NO_MORE(self->fds[1], "vector %u after the paced fires", b);

	/* The vectors enabled meanwhile work; the disabled ones are quiet */
	for (i = 0; i < DYN_VECTORS; i++) {
		if (enabled[i]) {
			fire_one(_metadata, md, ks[i], self->fds[2 + i]);
		} else {
			VD_ASSERT_OK(msi_fire(md, ks[i]));
			VD_ASSERT_QUIET(self->fds[2 + i], "disabled vector");
		}
	}
	check_msgs(_metadata, md, self->msgs, a, 1, true);
	check_msgs(_metadata, md, self->msgs, b, 1, true);
	free(ref);
}

/*
 * Fire, then at once move the vector to a new eventfd: the MSI may be in
 * flight, but it is delivered exactly once, to the old or the new eventfd.
 */
TEST_F_TIMEOUT(msi, swap_paced, 120)
{
	struct msi_dev *md = &self->md;
	unsigned long delivered = 0, lost_round = 0;
	int cur, next, i;
	uint64_t val, end;

	cur = efd_create();
	VD_ASSERT_OK(cur);
	VD_ASSERT_OK(msi_enable(md, 5, cur));
	for (i = 0; i < SWAP_ROUNDS; i++) {
		next = efd_create();
		VD_ASSERT_OK(next);
		VD_ASSERT_OK(msi_fire(md, 5));
		VD_ASSERT_OK(msi_enable(md, 5, next));
		/* cur is out of the vector now: its counter is final */
		delivered += efd_drain(cur);
		close(cur);
		cur = next;
		end = td_now_ns() + (uint64_t)VD_EVENT_MS * 1000000;
		while (delivered < (unsigned long)i + 1 && td_now_ns() < end)
			if (efd_wait(cur, 10, &val) == 1)
				delivered += val;
		if (delivered < (unsigned long)i + 1) {
			lost_round = i + 1;
			break;
		}
	}
	ASSERT_EQ(0, lost_round)
		TH_LOG("round %lu: the MSI fired before the swap was lost",
		       lost_round);
	VD_ASSERT_OK(efd_collect(cur, VD_QUIET_MS, &val));
	delivered += val;
	ASSERT_EQ(SWAP_ROUNDS, delivered)
		TH_LOG("%d fires gave %lu events", SWAP_ROUNDS, delivered);
	EXPECT_EQ(SWAP_ROUNDS, td_count(md->regs, 5));
	fire_one(_metadata, md, 5, cur);
	close(cur);
}

/*
 * Swap the eventfd of a vector STRESS_SWAPS times while the device fires
 * it continuously: a replaced eventfd stops receiving, the events never
 * outnumber the MSIs, and the last eventfd works.
 */
TEST_F_TIMEOUT(msi, swap_under_fire, 150)
{
	struct msi_dev *md = &self->md;
	struct firer f = { 0 };
	unsigned long got = 0;
	int cur = -1, prev = -1, nfd, i, ret = 0;
	uint64_t val = 0;
	pthread_t th;

	cur = efd_create();
	VD_ASSERT_OK(cur);
	VD_ASSERT_OK(msi_enable(md, 7, cur));
	f.md = md;
	f.vec[0] = 7;
	f.vec[1] = 7;
	ASSERT_EQ(0, pthread_create(&th, NULL, firer_main, &f));

	for (i = 0; i < STRESS_SWAPS; i++) {
		nfd = efd_create();
		if (nfd < 0) {
			ret = nfd;
			break;
		}
		ret = msi_enable(md, 7, nfd);
		if (ret) {
			close(nfd);
			break;
		}
		if (prev >= 0) {
			got += efd_drain(prev);
			close(prev);
		}
		prev = cur;
		cur = nfd;
		/* prev is out: count it now, it must stay silent */
		got += efd_drain(prev);
		if (i % 16 == 0) {
			ret = msi_enable(md, 7, -1);
			if (!ret)
				ret = msi_enable(md, 7, cur);
			if (ret)
				break;
		}
	}
	f.stop = true;
	pthread_join(th, NULL);
	ASSERT_EQ(0, ret) TH_LOG("swap %d: %s", i, vd_errno_name(-ret));
	ASSERT_EQ(0, f.err) TH_LOG("fire: %s", vd_errno_name(-f.err));
	ASSERT_LT(0, f.fires);

	VD_ASSERT_OK(efd_collect(cur, VD_QUIET_MS, &val));
	got += val;
	ASSERT_EQ(0, efd_drain(prev)) TH_LOG("replaced eventfd signalled");
	TH_LOG("%d swaps, %lu fires, %lu events", i, f.fires, got);
	/*
	 * A swap disables the vector for a moment: masked at the device,
	 * fires coalesce in its pending bit, so the device may send fewer
	 * MSIs than asked. Never more events than MSIs sent.
	 */
	EXPECT_GE(f.fires, td_count(md->regs, 7));
	ASSERT_GE(td_count(md->regs, 7), got) TH_LOG("more events than MSIs");
	ASSERT_LT(0, got);

	fire_one(_metadata, md, 7, cur);
	VD_ASSERT_QUIET(prev, "replaced eventfd after the swaps");
	close(prev);
	close(cur);
}

/*
 * A user of upstream's <linux/vfio.h> only: it sees index W as one more
 * interrupt and uses sub-index 0 as an edge line.
 */
TEST_F(msi, legacy_consumer)
{
	struct msi_dev *md = &self->md;
	int dev = md->vd.device;
	struct vfio_irq_info ii;
	uint32_t i;
	uint64_t val;
	int efd;

	efd = efd_create();
	VD_ASSERT_OK(efd);
	for (i = 0; i < md->vd.info.num_irqs; i++) {
		VD_ASSERT_OK(vfio_dev_irq_info(dev, i, &ii));
		EXPECT_EQ(sizeof(ii), ii.argsz);
		EXPECT_EQ(i, ii.index);
		EXPECT_EQ(0, ii.flags & VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS)
			TH_LOG("index %u: FLAG_CAPS for a 16-byte argsz", i);
		EXPECT_TRUE(ii.flags & VFIO_IRQ_INFO_EVENTFD);
		EXPECT_LE(1, ii.count);
	}

	VD_ASSERT_OK(vfio_irq_set_trigger(dev, md->index, efd));
	VD_ASSERT_OK(msi_fire(md, 0));
	VD_ASSERT_EVENT(efd, &val, "sub-index 0 fired");
	ASSERT_EQ(1, val);
	VD_ASSERT_OK(vfio_irq_loopback(dev, md->index));
	VD_ASSERT_EVENT(efd, &val, "loopback on sub-index 0");
	ASSERT_EQ(1, val);
	VD_ASSERT_OK(vfio_irq_mask(dev, md->index));
	VD_ASSERT_OK(td_fire(md->regs, 0, 2, VD_DEV_MS));
	VD_ASSERT_QUIET(efd, "sub-index 0 masked");
	VD_ASSERT_OK(vfio_irq_unmask(dev, md->index));
	VD_ASSERT_EVENT(efd, &val, "sub-index 0 unmasked");
	ASSERT_NO_MORE(efd, "held MSIs of sub-index 0");
	VD_ASSERT_OK(vfio_irq_disable(dev, md->index));
	VD_ASSERT_OK(msi_fire(md, 0));
	VD_ASSERT_QUIET(efd, "index disabled");
	close(efd);
}

/* ---------------------------------------------------------------------- */
/* Generic mode: the test programs the device from the reported messages  */

FIXTURE(generic) {
	struct msi_dev md;
	int *fds;
	unsigned int nfds;
	struct vfio_platform_msi_msg *msgs;
};

FIXTURE_VARIANT(generic) {
	unsigned int nvec;
};

FIXTURE_VARIANT_ADD(generic, one) {
	.nvec = 1,
};

FIXTURE_VARIANT_ADD(generic, thirty_two) {
	.nvec = 32,
};

FIXTURE_VARIANT_ADD(generic, all) {
	.nvec = VPMSI_NUM_VECTORS,
};

/*
 * The count the user asks for: the variant's, no more than the MSI
 * controller has for one device (an IMSIC's IDs of a file)
 */
static unsigned int generic_nvec(unsigned int want)
{
	unsigned int ids = msi_parent_imsic_ids();

	return ids && ids < want ? ids : want;
}

FIXTURE_SETUP(generic)
{
	const char *why = vfio_dev_env_missing();
	uint32_t flags = 0;
	bool has_mode;
	char mode[16];
	int ret;

	memset(&self->md, 0, sizeof(self->md));
	vfio_dev_init(&self->md.vd);
	self->fds = NULL;
	self->nfds = 0;
	self->msgs = NULL;
	if (why)
		SKIP(return, "%s", why);
	/* Without msi_mode, the plug-in has no MSI operations: generic */
	has_mode = !msi_mode_get(mode, sizeof(mode));
	/* The user says how many vectors the device has */
	ret = msi_dev_open_nvec(&self->md, has_mode ? MSI_MODE_GENERIC : NULL,
				generic_nvec(variant->nvec));
	if (!ret && !has_mode &&
	    (msi_cap_read(&self->md, &flags, NULL, NULL) ||
	     (flags & VFIO_PLATFORM_MSI_CAP_PROGRAMMED)))
		ret = -EOPNOTSUPP;
	if (ret)
		msi_dev_close(&self->md);
	if (ret == -ENODEV)
		SKIP(return, "%s", self->md.why);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "no %s and the plug-in programs the messages",
		     MSI_MODE_PARAM);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", self->md.why, vd_errno_name(-ret));
	self->msgs = calloc(self->md.nvec + 1, sizeof(*self->msgs));
	ASSERT_NE(NULL, self->msgs)
		msi_dev_close(&self->md);
}

/* In the parent, after the test (lib/vpm_harness.h): no child resource */
FIXTURE_TEARDOWN_PARENT(generic)
{
	msi_mode_restore();
}

/* Enable every vector, vector v on fds[v % nfds] */
static void generic_enable_all(struct __test_metadata *_metadata,
			       FIXTURE_DATA(generic) *self)
{
	struct msi_dev *md = &self->md;
	int32_t *fds;
	unsigned int v;
	int got, ret;

	self->fds = malloc(md->nvec * sizeof(*self->fds));
	ASSERT_NE(NULL, self->fds);
	memset(self->fds, 0xff, md->nvec * sizeof(*self->fds));
	got = msi_efds_create(self->fds, md->nvec);
	VD_ASSERT_OK(got);
	self->nfds = got;
	fds = malloc(md->nvec * sizeof(*fds));
	ASSERT_NE(NULL, fds);
	for (v = 0; v < md->nvec; v++)
		fds[v] = self->fds[v % self->nfds];
	ret = msi_set_fds(md->vd.device, md->index,
			  VFIO_IRQ_SET_ACTION_TRIGGER, 0, md->nvec, fds);
	free(fds);
	ASSERT_EQ(0, ret) TH_LOG("enable %u vectors: %s", md->nvec,
				 vd_errno_name(-ret));
}

/* Program the table from the reported messages, unmask, set MSI_EN */
static void generic_program(struct msi_dev *md,
			    const struct vfio_platform_msi_msg *msgs)
{
	unsigned int v;

	for (v = 0; v < md->nvec; v++) {
		td_set_entry(md->regs, v, msgs[v].address, msgs[v].data);
		td_mask(md->regs, v, 0);
	}
	td_wr32(md->regs, VPMSI_REG_CTRL,
		td_rd32(md->regs, VPMSI_REG_CTRL) | VPMSI_CTRL_MSI_EN);
}

TEST_F(generic, info)
{
	struct msi_dev *md = &self->md;
	uint32_t flags;

	EXPECT_EQ(generic_nvec(variant->nvec), md->nvec);
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE,
		  md->info_flags);
	/* All the messages (none valid yet), masking at the ITS */
	VD_ASSERT_OK(msi_cap_read(md, &flags, NULL, self->msgs));
	EXPECT_EQ(VFIO_PLATFORM_MSI_CAP_REPLAY |
		  (msi_parent_is_imsic() ? VFIO_PLATFORM_MSI_CAP_MAY_CHANGE : 0),
		  flags)
		TH_LOG("generic mode: flags 0x%x", flags);
}

/* The test does the plug-in's job and every vector is delivered */
TEST_F_TIMEOUT(generic, program_and_fire, 150)
{
	struct msi_dev *md = &self->md;
	uint64_t addr, t0, t1;
	uint32_t err0, data;
	unsigned int v;

	generic_enable_all(_metadata, self);
	check_msgs(_metadata, md, self->msgs, 0, md->nvec, false);

	/* The kernel did not touch the device: entries empty, MSIs off */
	td_get_entry(md->regs, 0, &addr, &data);
	EXPECT_EQ(0, addr) TH_LOG("generic mode: the kernel wrote the table");
	EXPECT_FALSE(td_rd32(md->regs, VPMSI_REG_CTRL) & VPMSI_CTRL_MSI_EN);

	/* Not programmed yet: the device drops the MSI */
	err0 = td_rd32(md->regs, VPMSI_REG_ERR_COUNT);
	VD_ASSERT_OK(msi_fire(md, 0));
	VD_ASSERT_QUIET(self->fds[0], "fired before programming");
	EXPECT_EQ(err0 + 1, td_rd32(md->regs, VPMSI_REG_ERR_COUNT));

	generic_program(md, self->msgs);
	err0 = td_rd32(md->regs, VPMSI_REG_ERR_COUNT);
	t0 = td_now_ns();
	for (v = 0; v < md->nvec; v++)
		fire_one(_metadata, md, v, self->fds[v % self->nfds]);
	t1 = td_now_ns();
	ASSERT_NO_MORE(self->fds[0], "every vector fired once");
	EXPECT_EQ(err0, td_rd32(md->regs, VPMSI_REG_ERR_COUNT));
	EXPECT_EQ(md->nvec, td_rd32(md->regs, VPMSI_REG_MSI_TOTAL));
	TH_LOG("%u vectors fired in %llu ms", md->nvec,
	       (unsigned long long)(t1 - t0) / 1000000);
}

/* Masking at the ITS in generic mode: held, then delivered once */
TEST_F(generic, mask)
{
	struct msi_dev *md = &self->md;
	unsigned int v = md->nvec - 1;
	uint32_t count0;
	int fd;

	generic_enable_all(_metadata, self);
	VD_ASSERT_OK(msi_cap_read(md, NULL, NULL, self->msgs));
	generic_program(md, self->msgs);
	fd = self->fds[v % self->nfds];
	fire_one(_metadata, md, v, fd);

	VD_ASSERT_OK(msi_mask(md, v, true));
	count0 = td_count(md->regs, v);
	VD_ASSERT_OK(td_fire(md->regs, v, HELD_FIRES, VD_DEV_MS));
	VD_ASSERT_QUIET(fd, "masked at the ITS");
	EXPECT_EQ(count0 + HELD_FIRES, td_count(md->regs, v));
	VD_ASSERT_OK(msi_mask(md, v, false));
	ASSERT_ONE_EVENT(fd, "unmasked after %d fires", HELD_FIRES);
	ASSERT_NO_MORE(fd, "held MSIs must coalesce into one");
	fire_one(_metadata, md, v, fd);
}

/* The count the user asked for stays until close */
TEST_F(generic, count_busy)
{
	struct vfio_platform_msi_feature_msi f;
	struct msi_dev *md = &self->md;

	VD_ASSERT_ERR(EBUSY, msi_opt_in(md->vd.device,
					variant->nvec == 1 ? 2 : 1));
	VD_ASSERT_OK(msi_opt_in(md->vd.device, generic_nvec(variant->nvec)));
	VD_ASSERT_OK(msi_opt_get(md->vd.device, &f));
	EXPECT_EQ(generic_nvec(variant->nvec), f.nvec);
}

TEST_HARNESS_MAIN
