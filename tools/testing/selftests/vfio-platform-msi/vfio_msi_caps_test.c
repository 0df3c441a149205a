// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: uAPI v2 as a user meets it (Documentation/uapi.rst):
 *
 * The opt-in (VFIO_PLATFORM_MSI_FEATURE_MSI): before it the device is
 * upstream vfio-platform's (num_irqs = wired lines, each count 1, no MSI
 * index); after it the MSI index is there, for this open only; its rules
 * (counts, twice, opting out, bad input).
 *
 * The capability chain of VFIO_DEVICE_GET_IRQ_INFO, on every index and
 * with every kind of argsz:
 *
 *  - argsz < 16: EINVAL, nothing written;
 *  - 16 <= argsz < 24: upstream's answer, 16 bytes written, no FLAG_CAPS;
 *  - a wired index with argsz >= 24: no chain, argsz unchanged, cap_offset 0;
 *  - the MSI index, 24 <= argsz < 24 + chain: FLAG_CAPS, argsz = size
 *    needed, cap_offset 0, no capability copied;
 *  - the MSI index, argsz >= 24 + chain: the chain at cap_offset 24, sound,
 *    with VFIO_PLATFORM_MSI_IRQ_INFO_CAP_MSI and the flags of the mode.
 *
 * The messages in generic mode: none valid until a vector is enabled or
 * read (VFIO_PLATFORM_MSI_FEATURE_MSI_MSGS), one vector read alone, bad
 * ranges; the notify eventfd's bad input.
 *
 * Every reply lands in a buffer filled with a canary, so that a write past
 * what the rules allow shows.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "vpm_harness.h"
#include "msi.h"

#define CANARY		0xa5
#define SLACK		4096	/* extra room of the "larger" buffers */

FIXTURE(caps) {
	struct msi_dev md;
	uint8_t *buf;
	size_t size;
};

FIXTURE_SETUP(caps)
{
	const char *why = vfio_dev_env_missing();
	int ret;

	memset(&self->md, 0, sizeof(self->md));
	vfio_dev_init(&self->md.vd);
	self->buf = NULL;
	if (why)
		SKIP(return, "%s", why);
	ret = msi_dev_open(&self->md, MSI_MODE_DEVICE);
	if (ret == -ENODEV)
		SKIP(return, "%s", self->md.why);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", self->md.why, vd_errno_name(-ret));
	/* Room for the largest chain and then some */
	self->size = 1 << 20;
	self->buf = malloc(self->size);
	ASSERT_NE(NULL, self->buf)
		msi_dev_close(&self->md);
}

/* In the parent, after the test (lib/vpm_harness.h): no child resource */
FIXTURE_TEARDOWN_PARENT(caps)
{
	msi_mode_restore();
}

/* GET_IRQ_INFO with @argsz into the canary-filled buffer: 0 or -errno */
static int info_call(FIXTURE_DATA(caps) *self, uint32_t index,
		     uint32_t argsz)
{
	struct vfio_irq_info *ii = (void *)self->buf;

	memset(self->buf, CANARY, self->size);
	ii->argsz = argsz;
	ii->index = index;
	return ioctl(self->md.vd.device, VFIO_DEVICE_GET_IRQ_INFO, ii) ?
	       -errno : 0;
}

/* First byte from @from on that is not the canary, or -1 */
static long canary_broken(FIXTURE_DATA(caps) *self, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (self->buf[i] != CANARY)
			return i;
	return -1;
}

/*
 * The size the reply of @index needs, from an argsz = 24 call: 24 for a
 * wired index (no chain), more for the MSI index
 */
static uint32_t needed(struct __test_metadata *_metadata,
		       FIXTURE_DATA(caps) *self, uint32_t index)
{
	struct vfio_platform_msi_irq_info *ext = (void *)self->buf;

	VD_ASSERT_OK(info_call(self, index, MSI_INFO_EXT_SIZE));
	if (index != self->md.index) {
		EXPECT_EQ(0, ext->flags & VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS)
			TH_LOG("wired index %u has a chain", index);
		EXPECT_EQ(MSI_INFO_EXT_SIZE, ext->argsz);
		EXPECT_EQ(0, ext->cap_offset);
		return MSI_INFO_EXT_SIZE;
	}
	ASSERT_TRUE(ext->flags & VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS)
		TH_LOG("index %u: no FLAG_CAPS with argsz 24", index);
	ASSERT_LT(MSI_INFO_EXT_SIZE, ext->argsz)
		TH_LOG("index %u: FLAG_CAPS but argsz %u", index, ext->argsz);
	return ext->argsz;
}

/* What GET_IRQ_INFO must say of @index, the caps aside */
static void check_upstream(struct __test_metadata *_metadata,
			   FIXTURE_DATA(caps) *self, uint32_t index)
{
	struct vfio_irq_info *ii = (void *)self->buf;
	uint32_t want = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE;

	if (index == VD_IRQ_LEVEL)
		want |= VFIO_IRQ_INFO_AUTOMASKED;
	EXPECT_EQ(index, ii->index);
	EXPECT_EQ(want, ii->flags & ~VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS)
		TH_LOG("index %u: flags 0x%x", index, ii->flags);
	EXPECT_EQ(index == self->md.index ? self->md.nvec : 1, ii->count);
}

/* Check the chain of a complete reply of @len bytes for @index */
static void check_chain(struct __test_metadata *_metadata,
			FIXTURE_DATA(caps) *self, uint32_t index, size_t len)
{
	const struct vfio_platform_msi_irq_info *ext = (const void *)self->buf;
	const struct vfio_platform_msi_irq_info_cap_msi *cap;
	const char *bad;

	EXPECT_EQ(0, ext->pad);
	if (index != self->md.index) {
		EXPECT_EQ(0, ext->flags & VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS);
		EXPECT_EQ(0, ext->cap_offset) TH_LOG("wired index %u", index);
		return;
	}
	ASSERT_TRUE(ext->flags & VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS);
	ASSERT_EQ(MSI_INFO_EXT_SIZE, ext->cap_offset)
		TH_LOG("index %u: cap_offset %u", index, ext->cap_offset);
	bad = msi_chain_check(ext, len);
	ASSERT_EQ(NULL, bad) TH_LOG("index %u: %s", index, bad);

	cap = msi_cap_msi(ext, len);
	ASSERT_NE(NULL, cap) TH_LOG("no MSI capability that fits");
	EXPECT_LE(VFIO_PLATFORM_MSI_IRQ_INFO_CAP_MSI_VERSION,
		  cap->header.version);
	EXPECT_EQ(0, cap->header.next) TH_LOG("more than one capability");
	/* Device mode: programmed, masked in the device; an IMSIC's may change */
	EXPECT_EQ(VFIO_PLATFORM_MSI_CAP_PROGRAMMED |
		  VFIO_PLATFORM_MSI_CAP_MASK_DEVICE |
		  VFIO_PLATFORM_MSI_CAP_REPLAY |
		  (msi_parent_is_imsic() ? VFIO_PLATFORM_MSI_CAP_MAY_CHANGE : 0),
		  cap->flags)
		TH_LOG("device mode: flags 0x%x", cap->flags);
	EXPECT_EQ(0, cap->nr) TH_LOG("PROGRAMMED, yet messages given");
	EXPECT_EQ(0, cap->pad);
	EXPECT_EQ(0, cap->generation);
}

/* argsz below struct vfio_irq_info: EINVAL and nothing written */
TEST_F(caps, argsz_too_small)
{
	static const uint32_t sizes[] = { 0, 1, 8, 12, 15 };
	uint32_t index, i;

	for (index = 0; index < self->md.vd.info.num_irqs; index++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			VD_ASSERT_ERR(EINVAL, info_call(self, index, sizes[i]));
			/* argsz and index are ours, the rest must be canary */
			ASSERT_TRUE(canary_broken(self, 4, 8) == -1 &&
				    canary_broken(self, 12, 64) == -1)
				TH_LOG("index %u argsz %u: failed call wrote",
				       index, sizes[i]);
		}
	}
}

/* Upstream's 16 bytes (and up to 23): upstream's answer, nothing more */
TEST_F(caps, argsz_old)
{
	static const uint32_t sizes[] = { 16, 20, 23 };
	struct vfio_irq_info *ii = (void *)self->buf;
	uint32_t index, i;

	for (index = 0; index < self->md.vd.info.num_irqs; index++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			VD_ASSERT_OK(info_call(self, index, sizes[i]));
			EXPECT_EQ(sizes[i], ii->argsz);
			EXPECT_EQ(0, ii->flags & VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS)
				TH_LOG("index %u argsz %u: FLAG_CAPS", index,
				       sizes[i]);
			check_upstream(_metadata, self, index);
			ASSERT_EQ(-1, canary_broken(self, MSI_INFO_V1_SIZE,
						    256))
				TH_LOG("index %u argsz %u: wrote past 16 bytes",
				       index, sizes[i]);
		}
	}
}

/*
 * argsz from 24 up to one short of the chain: FLAG_CAPS, argsz = needed,
 * cap_offset 0, and only the 24-byte structure written.
 */
TEST_F(caps, argsz_short)
{
	struct vfio_platform_msi_irq_info *ext = (void *)self->buf;
	uint32_t index, need, sizes[4], i;

	for (index = 0; index < self->md.vd.info.num_irqs; index++) {
		need = needed(_metadata, self, index);
		sizes[0] = MSI_INFO_EXT_SIZE;
		sizes[1] = MSI_INFO_EXT_SIZE + 8;
		sizes[2] = (MSI_INFO_EXT_SIZE + need) / 2;
		sizes[3] = need - 1;
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			if (sizes[i] < MSI_INFO_EXT_SIZE || sizes[i] >= need)
				continue;
			VD_ASSERT_OK(info_call(self, index, sizes[i]));
			EXPECT_EQ(need, ext->argsz)
				TH_LOG("index %u argsz %u", index, sizes[i]);
			EXPECT_TRUE(ext->flags & VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS);
			EXPECT_EQ(0, ext->cap_offset)
				TH_LOG("index %u argsz %u: chain did not fit",
				       index, sizes[i]);
			EXPECT_EQ(0, ext->pad);
			check_upstream(_metadata, self, index);
			ASSERT_EQ(-1, canary_broken(self, MSI_INFO_EXT_SIZE,
						    need + 64))
				TH_LOG("index %u argsz %u: capability copied",
				       index, sizes[i]);
		}
	}
}

/* argsz exactly what was asked for: the whole chain, nothing past it */
TEST_F(caps, argsz_exact)
{
	struct vfio_platform_msi_irq_info *ext = (void *)self->buf;
	uint32_t index, need;

	for (index = 0; index < self->md.vd.info.num_irqs; index++) {
		need = needed(_metadata, self, index);
		VD_ASSERT_OK(info_call(self, index, need));
		EXPECT_EQ(need, ext->argsz);
		check_upstream(_metadata, self, index);
		check_chain(_metadata, self, index, need);
		ASSERT_EQ(-1, canary_broken(self, need, need + 256))
			TH_LOG("index %u: wrote past argsz %u", index, need);
	}
}

/* A larger argsz: the same chain, byte for byte */
TEST_F(caps, argsz_larger)
{
	struct vfio_platform_msi_irq_info *ext = (void *)self->buf;
	uint32_t index, need, i, sizes[3];
	uint8_t *exact;

	for (index = 0; index < self->md.vd.info.num_irqs; index++) {
		need = needed(_metadata, self, index);
		VD_ASSERT_OK(info_call(self, index, need));
		exact = malloc(need);
		ASSERT_NE(NULL, exact);
		memcpy(exact, self->buf, need);
		sizes[0] = need + 8;
		sizes[1] = need + SLACK;
		sizes[2] = self->size;
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			VD_ASSERT_OK(info_call(self, index, sizes[i]));
			EXPECT_LE(need, ext->argsz);
			EXPECT_GE(sizes[i], ext->argsz);
			check_upstream(_metadata, self, index);
			check_chain(_metadata, self, index, sizes[i]);
			ASSERT_EQ(0, memcmp(exact + 4, self->buf + 4,
					    need - 4)) {
				free(exact);
				TH_LOG("index %u argsz %u: not the exact chain",
				       index, sizes[i]);
			}
		}
		free(exact);
	}
}

/* The negotiation as a user writes it, and a stable answer */
TEST_F(caps, negotiate_stable)
{
	struct vfio_platform_msi_irq_info *a, *b;
	size_t alen, blen;
	uint32_t index;

	for (index = 0; index < self->md.vd.info.num_irqs; index++) {
		VD_ASSERT_OK(msi_irq_info(self->md.vd.device, index, &a,
					  &alen));
		VD_ASSERT_OK(msi_irq_info(self->md.vd.device, index, &b,
					  &blen));
		EXPECT_EQ(alen, blen);
		EXPECT_EQ(0, memcmp(a, b, alen < blen ? alen : blen))
			TH_LOG("index %u: two answers differ", index);
		EXPECT_EQ(NULL, msi_chain_check(a, alen));
		free(a);
		free(b);
	}
}

/* Input values of the output-only fields are ignored */
TEST_F(caps, output_fields_ignored)
{
	struct vfio_platform_msi_irq_info *ext = (void *)self->buf;
	uint32_t index = self->md.index, need;

	need = needed(_metadata, self, index);
	memset(self->buf, CANARY, self->size);
	ext->argsz = need;
	ext->index = index;
	ext->flags = ~0u;
	ext->count = ~0u;
	ext->cap_offset = 0xdeadbeef;
	ext->pad = ~0u;
	VD_ASSERT_OK(ioctl(self->md.vd.device, VFIO_DEVICE_GET_IRQ_INFO, ext) ?
		     -errno : 0);
	check_upstream(_metadata, self, index);
	check_chain(_metadata, self, index, need);

	memset(self->buf, CANARY, self->size);
	ext->argsz = MSI_INFO_EXT_SIZE;
	ext->index = index;
	ext->cap_offset = 0xdeadbeef;
	ext->pad = ~0u;
	VD_ASSERT_OK(ioctl(self->md.vd.device, VFIO_DEVICE_GET_IRQ_INFO, ext) ?
		     -errno : 0);
	EXPECT_EQ(0, ext->cap_offset);
	EXPECT_EQ(0, ext->pad);
}

/*
 * Before the opt-in the device is upstream vfio-platform's: num_irqs =
 * wired lines, each count 1 (crosvm's rule), no MSI index; the feature
 * says where the MSIs would be. After it the index is there; a new open
 * starts without it.
 */
TEST(legacy_until_opt_in)
{
	struct vfio_platform_msi_feature_msi f;
	struct vfio_device_info info;
	struct vfio_irq_info ii;
	struct vfio_dev vd;
	int32_t fd = -1;
	unsigned int i, round;

	if (vfio_dev_env_missing())
		SKIP(return, "%s", vfio_dev_env_missing());
	for (round = 0; round < 2; round++) {
		vfio_dev_init(&vd);
		VD_ASSERT_OPEN(&vd, vfio_dev_open(&vd));
		VD_ASSERT_OK(vfio_dev_device_info(vd.device, &info));
		ASSERT_EQ(VD_NUM_WIRED, info.num_irqs)
			TH_LOG("open %u: MSI index without the opt-in", round);
		for (i = 0; i < info.num_irqs; i++) {
			VD_ASSERT_OK(vfio_dev_irq_info(vd.device, i, &ii));
			EXPECT_EQ(1, ii.count) TH_LOG("index %u", i);
		}
		VD_EXPECT_ERR(EINVAL, vfio_dev_irq_info(vd.device,
							VD_NUM_WIRED, &ii));
		VD_EXPECT_ERR(EINVAL, msi_set_fds(vd.device, VD_NUM_WIRED,
						  VFIO_IRQ_SET_ACTION_TRIGGER,
						  0, 1, &fd));

		VD_ASSERT_OK(msi_feature(vd.device,
					 VFIO_PLATFORM_MSI_FEATURE_MSI,
					 VFIO_DEVICE_FEATURE_PROBE |
					 VFIO_DEVICE_FEATURE_GET |
					 VFIO_DEVICE_FEATURE_SET, NULL, 0));
		VD_ASSERT_OK(msi_opt_get(vd.device, &f));
		EXPECT_EQ(0, f.flags);
		EXPECT_EQ(0, f.nvec);
		EXPECT_EQ(VD_NUM_WIRED, f.index);
		ASSERT_LE(1, f.max_nvec);

		VD_ASSERT_OK(msi_opt_in(vd.device, 0));
		VD_ASSERT_OK(vfio_dev_device_info(vd.device, &info));
		EXPECT_EQ(VD_NUM_WIRED + 1, info.num_irqs);
		VD_ASSERT_OK(vfio_dev_irq_info(vd.device, VD_NUM_WIRED, &ii));
		EXPECT_EQ(f.max_nvec, ii.count);
		EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE,
			  ii.flags) TH_LOG("flags 0x%x (NORESIZE?)", ii.flags);
		VD_ASSERT_OK(msi_opt_get(vd.device, &f));
		EXPECT_EQ(VFIO_PLATFORM_MSI_ENABLE, f.flags);
		EXPECT_EQ(ii.count, f.nvec);
		vfio_dev_close(&vd);
	}
}

/* The opt-in's rules: counts, twice, opting out, bad input */
TEST(opt_in_rules)
{
	struct vfio_platform_msi_feature_msi f, bad;
	struct vfio_device_info info;
	struct vfio_dev vd;
	int efd;

	if (vfio_dev_env_missing())
		SKIP(return, "%s", vfio_dev_env_missing());
	vfio_dev_init(&vd);
	VD_ASSERT_OPEN(&vd, vfio_dev_open(&vd));
	VD_ASSERT_OK(msi_opt_get(vd.device, &f));
	ASSERT_LE(2, f.max_nvec);

	VD_EXPECT_ERR(EINVAL, msi_opt_in(vd.device, f.max_nvec + 1));
	VD_EXPECT_ERR(EINVAL, msi_opt_in(vd.device, ~0u));
	memset(&bad, 0, sizeof(bad));
	bad.flags = VFIO_PLATFORM_MSI_ENABLE | 2;
	VD_EXPECT_ERR(EINVAL, msi_feature(vd.device,
					  VFIO_PLATFORM_MSI_FEATURE_MSI,
					  VFIO_DEVICE_FEATURE_SET, &bad,
					  sizeof(bad)));
	/* argsz short of the structure */
	VD_EXPECT_ERR(EINVAL, msi_feature(vd.device,
					  VFIO_PLATFORM_MSI_FEATURE_MSI,
					  VFIO_DEVICE_FEATURE_SET, &bad, 12));
	/* GET and SET at once */
	VD_EXPECT_ERR(EINVAL, msi_feature(vd.device,
					  VFIO_PLATFORM_MSI_FEATURE_MSI,
					  VFIO_DEVICE_FEATURE_SET |
					  VFIO_DEVICE_FEATURE_GET, &bad,
					  sizeof(bad)));
	VD_ASSERT_OK(vfio_dev_device_info(vd.device, &info));
	EXPECT_EQ(VD_NUM_WIRED, info.num_irqs) TH_LOG("a failed opt-in stayed");

	/* Fewer vectors; again with the same count; another count: EBUSY */
	VD_ASSERT_OK(msi_opt_in(vd.device, 2));
	VD_ASSERT_OK(msi_opt_in(vd.device, 2));
	VD_EXPECT_ERR(EBUSY, msi_opt_in(vd.device, 1));
	VD_ASSERT_OK(msi_opt_get(vd.device, &f));
	EXPECT_EQ(2, f.nvec);
	/* Nothing used yet: opting out works, and in with another count */
	VD_ASSERT_OK(msi_opt_out(vd.device));
	VD_ASSERT_OK(vfio_dev_device_info(vd.device, &info));
	EXPECT_EQ(VD_NUM_WIRED, info.num_irqs);
	VD_ASSERT_OK(msi_opt_out(vd.device));
	VD_ASSERT_OK(msi_opt_in(vd.device, 1));
	/* Once a vector was enabled the block stays until close */
	efd = efd_create();
	VD_ASSERT_OK(efd);
	VD_ASSERT_OK(msi_set_fds(vd.device, VD_NUM_WIRED,
				 VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &efd));
	VD_ASSERT_OK(msi_set_fds(vd.device, VD_NUM_WIRED,
				 VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1,
				 &(int32_t){ -1 }));
	VD_EXPECT_ERR(EBUSY, msi_opt_out(vd.device));
	VD_ASSERT_OK(vfio_dev_device_info(vd.device, &info));
	EXPECT_EQ(VD_NUM_WIRED + 1, info.num_irqs);
	close(efd);
	vfio_dev_close(&vd);
}

/* Generic mode: the user programs the device from the messages */
FIXTURE(gen) {
	struct msi_dev md;
};

FIXTURE_SETUP(gen)
{
	const char *why = vfio_dev_env_missing();
	int ret;

	memset(&self->md, 0, sizeof(self->md));
	vfio_dev_init(&self->md.vd);
	if (why)
		SKIP(return, "%s", why);
	ret = msi_dev_open_nvec(&self->md, MSI_MODE_GENERIC, 16);
	if (ret == -ENODEV || ret == -EOPNOTSUPP)
		SKIP(return, "%s", self->md.why);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", self->md.why, vd_errno_name(-ret));
	ASSERT_EQ(16, self->md.nvec);
}

/* In the parent, after the test (lib/vpm_harness.h): no child resource */
FIXTURE_TEARDOWN_PARENT(gen)
{
	msi_mode_restore();
}

static unsigned int count_valid(const struct vfio_platform_msi_msg *m,
				unsigned int n)
{
	unsigned int v, valid = 0;

	for (v = 0; v < n; v++)
		valid += !!(m[v].flags & VFIO_PLATFORM_MSI_MSG_VALID);
	return valid;
}

/*
 * The capability gives every message: none valid at first. Reading one
 * vector gives it (and only it) a message without enabling it; enabling
 * another gives that one its message; valid messages do not change.
 */
TEST_F(gen, messages)
{
	struct msi_dev *md = &self->md;
	struct vfio_platform_msi_msg *m0, *m1, one;
	uint32_t flags, gen;
	int efd;

	m0 = calloc(md->nvec, sizeof(*m0));
	m1 = calloc(md->nvec, sizeof(*m1));
	ASSERT_TRUE(m0 && m1);
	VD_ASSERT_OK(msi_cap_read(md, &flags, &gen, m0));
	EXPECT_EQ(VFIO_PLATFORM_MSI_CAP_REPLAY |
		  (msi_parent_is_imsic() ? VFIO_PLATFORM_MSI_CAP_MAY_CHANGE : 0),
		  flags) TH_LOG("generic mode: flags 0x%x", flags);
	EXPECT_EQ(0, gen);
	EXPECT_EQ(0, count_valid(m0, md->nvec));

	VD_ASSERT_OK(msi_read_msgs(md->vd.device, 5, 1, &one, &gen));
	ASSERT_TRUE(one.flags & VFIO_PLATFORM_MSI_MSG_VALID);
	EXPECT_NE(0, one.address);
	EXPECT_EQ(0, gen);
	EXPECT_EQ(0, one.flags & ~VFIO_PLATFORM_MSI_MSG_VALID);
	EXPECT_EQ(0, msi_proc_interrupts_count(MSI_IRQ_NAME) == 1 ? 0 : 1)
		TH_LOG("reading vector 5 did not give it exactly one handler");

	efd = efd_create();
	VD_ASSERT_OK(efd);
	VD_ASSERT_OK(msi_enable(md, 9, efd));
	VD_ASSERT_OK(msi_cap_read(md, NULL, NULL, m1));
	EXPECT_EQ(2, count_valid(m1, md->nvec));
	EXPECT_EQ(0, memcmp(&one, &m1[5], sizeof(one)))
		TH_LOG("vector 5's message changed");
	ASSERT_TRUE(m1[9].flags & VFIO_PLATFORM_MSI_MSG_VALID);
	EXPECT_NE(0, memcmp(&m1[5], &m1[9], sizeof(one)))
		TH_LOG("two vectors, one message");

	/* All of them at once: the same ones, now all valid */
	VD_ASSERT_OK(msi_read_msgs(md->vd.device, 0, md->nvec, m0, NULL));
	EXPECT_EQ(md->nvec, count_valid(m0, md->nvec));
	EXPECT_EQ(0, memcmp(&m0[5], &m1[5], sizeof(one)));
	EXPECT_EQ(0, memcmp(&m0[9], &m1[9], sizeof(one)));
	close(efd);
	free(m0);
	free(m1);
}

/* MSI_MSGS and MSI_NOTIFY: bad input, clear errnos */
TEST_F(gen, bad_input)
{
	struct msi_dev *md = &self->md;
	struct vfio_platform_msi_feature_msi_notify n = { 0 };
	struct {
		struct vfio_platform_msi_feature_msi_msgs hdr;
		struct vfio_platform_msi_msg msgs[2];
	} r;
	int dev = md->vd.device, efd;
	const struct {
		uint32_t first, nr;
		size_t size;
	} tc[] = {
		{ 0, 0, sizeof(r) },			/* no vector */
		{ md->nvec, 1, sizeof(r) },		/* past the end */
		{ md->nvec - 1, 2, sizeof(r) },		/* runs past it */
		{ 1, 0xffffffffu, sizeof(r) },		/* overflow */
		{ 0, 2, sizeof(r.hdr) + sizeof(r.msgs[0]) },	/* no room */
		{ 0, 1, sizeof(r.hdr) - 4 },		/* short header */
	};
	unsigned int c;

	for (c = 0; c < ARRAY_SIZE(tc); c++) {
		int ret;

		memset(&r, 0, sizeof(r));
		r.hdr.first = tc[c].first;
		r.hdr.nr = tc[c].nr;
		ret = msi_feature(dev, VFIO_PLATFORM_MSI_FEATURE_MSI_MSGS,
				  VFIO_DEVICE_FEATURE_GET, &r, tc[c].size);
		EXPECT_EQ(-EINVAL, ret)
			TH_LOG("case %u: %s", c, vd_errno_name(-ret));
	}
	/* Read-only: no SET */
	VD_EXPECT_ERR(EINVAL, msi_feature(dev,
					  VFIO_PLATFORM_MSI_FEATURE_MSI_MSGS,
					  VFIO_DEVICE_FEATURE_SET, &r,
					  sizeof(r)));
	EXPECT_EQ(0, msi_proc_interrupts_count(MSI_IRQ_NAME))
		TH_LOG("a failed read gave vectors a handler");

	/* The notify eventfd: set, replace, remove; not an eventfd; pad */
	efd = efd_create();
	VD_ASSERT_OK(efd);
	VD_ASSERT_OK(msi_notify_set(dev, efd));
	VD_ASSERT_OK(msi_notify_set(dev, efd));
	VD_ASSERT_OK(msi_notify_set(dev, -1));
	VD_ASSERT_OK(msi_notify_set(dev, -7));
	VD_EXPECT_ERR(EBADF, msi_notify_set(dev, 4000));
	VD_EXPECT_ERR(EINVAL, msi_notify_set(dev, md->vd.device));
	n.fd = efd;
	n.pad = 1;
	VD_EXPECT_ERR(EINVAL, msi_feature(dev,
					  VFIO_PLATFORM_MSI_FEATURE_MSI_NOTIFY,
					  VFIO_DEVICE_FEATURE_SET, &n,
					  sizeof(n)));
	VD_EXPECT_ERR(EINVAL, msi_feature(dev,
					  VFIO_PLATFORM_MSI_FEATURE_MSI_NOTIFY,
					  VFIO_DEVICE_FEATURE_GET, &n,
					  sizeof(n)));
	close(efd);
	/* Unknown features of ours are unknown */
	VD_EXPECT_ERR(ENOTTY, msi_feature(dev, 0xff7f,
					  VFIO_DEVICE_FEATURE_PROBE, NULL, 0));
}

#define MOVE_MSG_PARAM "/sys/module/vpmsi_testdev_plugin/parameters/move_msg"

/* The board's hook: hand interrupt @virq the message @m */
static int move_msg(int virq, const struct vfio_platform_msi_msg *m)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%d %llx %x", virq,
		 (unsigned long long)m->address, m->data);
	return msi_write_str(MOVE_MSG_PARAM, buf);
}

/*
 * A message that changes (the board's hook plays an interrupt controller
 * that moves a vector): the generation grows, the notify eventfd is
 * signalled, a read gives the new message; the same message again is no
 * change. The ITS itself never moves one, so MAY_CHANGE stays clear
 * there; the riscv64 board's IMSIC may move one, and says so.
 */
TEST_F(gen, message_change_notifies)
{
	struct msi_dev *md = &self->md;
	struct vfio_platform_msi_msg m0, moved, m;
	uint32_t gen, flags;
	uint64_t val;
	int efd, virq;

	if (access(MOVE_MSG_PARAM, W_OK))
		SKIP(return, "no %s", MOVE_MSG_PARAM);
	efd = efd_create();
	VD_ASSERT_OK(efd);
	VD_ASSERT_OK(msi_notify_set(md->vd.device, efd));
	VD_ASSERT_OK(msi_read_msgs(md->vd.device, 5, 1, &m0, &gen));
	ASSERT_EQ(0, gen);
	virq = msi_vector_virq(5);
	ASSERT_LT(0, virq) TH_LOG("vector 5 has no interrupt: %s",
				  vd_errno_name(-virq));

	moved = m0;
	moved.data ^= 0x1;
	VD_ASSERT_OK(move_msg(virq, &moved));
	VD_ASSERT_EVENT(efd, &val, "the notify eventfd after a move");
	ASSERT_EQ(1, val);
	VD_ASSERT_OK(msi_read_msgs(md->vd.device, 5, 1, &m, &gen));
	EXPECT_EQ(1, gen);
	EXPECT_EQ(moved.address, m.address);
	EXPECT_EQ(moved.data, m.data);
	VD_ASSERT_OK(msi_cap_read(md, &flags, &gen, NULL));
	EXPECT_EQ(1, gen) TH_LOG("the capability's generation");
	EXPECT_EQ(msi_parent_is_imsic(),
		  !!(flags & VFIO_PLATFORM_MSI_CAP_MAY_CHANGE));

	/* The same message again is no change */
	VD_ASSERT_OK(move_msg(virq, &moved));
	VD_ASSERT_QUIET(efd, "no change, yet notified");

	/* Back: a change again; then the notify eventfd removed */
	VD_ASSERT_OK(move_msg(virq, &m0));
	VD_ASSERT_EVENT(efd, &val, "the notify eventfd after moving back");
	VD_ASSERT_OK(msi_read_msgs(md->vd.device, 5, 1, &m, &gen));
	EXPECT_EQ(2, gen);
	EXPECT_EQ(0, memcmp(&m, &m0, sizeof(m)));
	VD_ASSERT_OK(msi_notify_set(md->vd.device, -1));
	VD_ASSERT_OK(move_msg(virq, &moved));
	VD_ASSERT_QUIET(efd, "notified after the eventfd was removed");
	VD_ASSERT_OK(move_msg(virq, &m0));
	VD_ASSERT_OK(msi_read_msgs(md->vd.device, 5, 1, &m, &gen));
	EXPECT_EQ(4, gen);
	close(efd);
}

TEST_HARNESS_MAIN
