// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: the capability chain of VFIO_DEVICE_GET_IRQ_INFO
 * (Documentation/uapi.rst, "Capability chain in VFIO_DEVICE_GET_IRQ_INFO"),
 * on every index and with every kind of argsz:
 *
 *  - argsz < 16: EINVAL, nothing written;
 *  - 16 <= argsz < 24: upstream's answer, 16 bytes written, no FLAG_CAPS;
 *  - 24 <= argsz < 24 + chain: FLAG_CAPS, argsz = size needed,
 *    cap_offset 0, no capability copied;
 *  - argsz >= 24 + chain: the chain at cap_offset 24, sound, with
 *    VFIO_IRQ_INFO_CAP_TYPE on every index and VFIO_IRQ_INFO_CAP_MSI_MSGS
 *    on the MSI index.
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

FIXTURE_TEARDOWN(caps)
{
	msi_dev_close(&self->md);
	free(self->buf);
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

/* The size the chain of @index needs, from an argsz = 24 call */
static uint32_t needed(struct __test_metadata *_metadata,
		       FIXTURE_DATA(caps) *self, uint32_t index)
{
	struct vfio_irq_info_ext *ext = (void *)self->buf;

	VD_ASSERT_OK(info_call(self, index, MSI_INFO_EXT_SIZE));
	ASSERT_TRUE(ext->flags & VFIO_IRQ_INFO_FLAG_CAPS)
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
	EXPECT_EQ(want, ii->flags & ~VFIO_IRQ_INFO_FLAG_CAPS)
		TH_LOG("index %u: flags 0x%x", index, ii->flags);
	EXPECT_EQ(index == self->md.index ? self->md.nvec : 1, ii->count);
}

/* Check the chain of a complete reply of @len bytes for @index */
static void check_chain(struct __test_metadata *_metadata,
			FIXTURE_DATA(caps) *self, uint32_t index, size_t len)
{
	const struct vfio_irq_info_ext *ext = (const void *)self->buf;
	const struct vfio_irq_info_cap_msi_msgs *msgs;
	const struct vfio_irq_info_cap_type *type;
	const struct vfio_info_cap_header *hdr;
	const char *bad;
	uint32_t v;

	ASSERT_TRUE(ext->flags & VFIO_IRQ_INFO_FLAG_CAPS);
	ASSERT_EQ(MSI_INFO_EXT_SIZE, ext->cap_offset)
		TH_LOG("index %u: cap_offset %u", index, ext->cap_offset);
	EXPECT_EQ(0, ext->pad);
	bad = msi_chain_check(ext, len);
	ASSERT_EQ(NULL, bad) TH_LOG("index %u: %s", index, bad);

	type = msi_cap_type(ext, len);
	ASSERT_NE(NULL, type) TH_LOG("index %u: no CAP_TYPE", index);
	EXPECT_LE(VFIO_IRQ_INFO_CAP_TYPE_VERSION, type->header.version);
	msgs = msi_cap_msgs(ext, len);
	hdr = msi_cap_find(ext, len, VFIO_IRQ_INFO_CAP_MSI_MSGS, NULL);

	if (index < VD_NUM_WIRED) {
		EXPECT_EQ(VFIO_IRQ_TYPE_WIRED, type->type);
		EXPECT_EQ(index == VD_IRQ_LEVEL ? VFIO_IRQ_TRIGGER_LEVEL :
						  VFIO_IRQ_TRIGGER_EDGE,
			  type->trigger) TH_LOG("index %u", index);
		EXPECT_EQ(VFIO_IRQ_MASK_IRQCHIP, type->mask)
			TH_LOG("index %u", index);
		EXPECT_EQ(index == VD_IRQ_LEVEL,
			  !!(type->flags & VFIO_IRQ_CAP_TYPE_AUTOMASKED))
			TH_LOG("index %u: flags 0x%x", index, type->flags);
		EXPECT_EQ(NULL, hdr) TH_LOG("MSI_MSGS on wired index %u",
					    index);
		return;
	}

	EXPECT_EQ(VFIO_IRQ_TYPE_MSI, type->type);
	EXPECT_EQ(VFIO_IRQ_TRIGGER_EDGE, type->trigger);
	EXPECT_EQ(VFIO_IRQ_MASK_DEVICE, type->mask);
	EXPECT_EQ(VFIO_IRQ_CAP_TYPE_REPLAY | VFIO_IRQ_CAP_TYPE_DYNAMIC,
		  type->flags);
	ASSERT_NE(NULL, hdr) TH_LOG("no MSI_MSGS on the MSI index");
	ASSERT_NE(NULL, msgs) TH_LOG("MSI_MSGS does not fit in the reply");
	EXPECT_LE(VFIO_IRQ_INFO_CAP_MSI_MSGS_VERSION, msgs->header.version);
	EXPECT_EQ(self->md.nvec, msgs->nr);
	EXPECT_EQ(0, msgs->pad);
	EXPECT_EQ(VFIO_IRQ_MSI_MSGS_PROGRAMMED, msgs->flags)
		TH_LOG("device mode: MSI_MSGS flags 0x%x", msgs->flags);
	EXPECT_EQ(0, msgs->generation);
	for (v = 0; v < msgs->nr; v++)
		ASSERT_EQ(0, msgs->msgs[v].flags & ~VFIO_IRQ_MSI_MSG_VALID)
			TH_LOG("vector %u: unknown message flags 0x%x", v,
			       msgs->msgs[v].flags);
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
			EXPECT_EQ(0, ii->flags & VFIO_IRQ_INFO_FLAG_CAPS)
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
	struct vfio_irq_info_ext *ext = (void *)self->buf;
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
			EXPECT_TRUE(ext->flags & VFIO_IRQ_INFO_FLAG_CAPS);
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
	struct vfio_irq_info_ext *ext = (void *)self->buf;
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
	struct vfio_irq_info_ext *ext = (void *)self->buf;
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
	struct vfio_irq_info_ext *a, *b;
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
	struct vfio_irq_info_ext *ext = (void *)self->buf;
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
 * Messages: none valid before the first SET_IRQS; an enabled vector's
 * message valid, and unchanged from then on.
 */
TEST_F(caps, msgs_validity)
{
	struct msi_dev *md = &self->md;
	struct vfio_irq_msi_msg *m0, *m1;
	unsigned int v;
	int efd;

	m0 = calloc(md->nvec, sizeof(*m0));
	m1 = calloc(md->nvec, sizeof(*m1));
	ASSERT_TRUE(m0 && m1);
	VD_ASSERT_OK(msi_get_msgs(md, m0, NULL));
	for (v = 0; v < md->nvec; v++)
		ASSERT_EQ(0, m0[v].flags & VFIO_IRQ_MSI_MSG_VALID)
			TH_LOG("vector %u valid before SET_IRQS", v);

	efd = efd_create();
	VD_ASSERT_OK(efd);
	VD_ASSERT_OK(msi_enable(md, 3, efd));
	VD_ASSERT_OK(msi_get_msgs(md, m0, NULL));
	ASSERT_TRUE(m0[3].flags & VFIO_IRQ_MSI_MSG_VALID);
	VD_ASSERT_OK(msi_enable(md, 3, -1));
	VD_ASSERT_OK(msi_enable(md, md->nvec - 1, efd));
	VD_ASSERT_OK(msi_mask(md, 3, true));
	VD_ASSERT_OK(msi_get_msgs(md, m1, NULL));
	for (v = 0; v < md->nvec; v++) {
		if (!(m0[v].flags & VFIO_IRQ_MSI_MSG_VALID))
			continue;
		ASSERT_EQ(0, memcmp(&m0[v], &m1[v], sizeof(m0[v])))
			TH_LOG("vector %u: valid message changed", v);
	}
	ASSERT_TRUE(m1[md->nvec - 1].flags & VFIO_IRQ_MSI_MSG_VALID);
	close(efd);
	free(m0);
	free(m1);
}

/*
 * Documentation/uapi.rst: "Messages are valid once the MSI block is
 * allocated, which the first VFIO_DEVICE_SET_IRQS on the MSI index does".
 * So after enabling one vector, every vector's message is valid.
 */
/*
 * Enabling one vector gives it a valid message and no other vector one:
 * messages become valid on a vector's first enable (Documentation/uapi.rst).
 */
TEST_F(caps, msgs_valid_on_first_enable)
{
	struct msi_dev *md = &self->md;
	struct vfio_irq_msi_msg *m;
	unsigned int v, valid = 0;
	int efd;

	m = calloc(md->nvec, sizeof(*m));
	ASSERT_NE(NULL, m);
	efd = efd_create();
	VD_ASSERT_OK(efd);
	VD_ASSERT_OK(msi_enable(md, md->nvec - 1, efd));
	VD_ASSERT_OK(msi_get_msgs(md, m, NULL));
	for (v = 0; v < md->nvec; v++)
		if (m[v].flags & VFIO_IRQ_MSI_MSG_VALID)
			valid++;
	EXPECT_NE(0, m[md->nvec - 1].flags & VFIO_IRQ_MSI_MSG_VALID);
	EXPECT_EQ(1, valid)
		TH_LOG("%u of %u messages valid after enabling one vector",
		       valid, md->nvec);
	close(efd);
	free(m);
}

/*
 * The msi_index attribute hides the MSI index from VMMs that refuse an
 * index whose count is not 1 (crosvm): with it at 0 the device looks like
 * an upstream vfio-platform device; it cannot change while the device is
 * open.
 */
TEST(msi_index_hidden)
{
	const char *name = msi_dev_name();
	struct vfio_device_info info;
	struct vfio_irq_info ii;
	struct vfio_dev vd;
	char path[256];
	unsigned int i;

	if (!name || vfio_dev_env_missing())
		SKIP(return, "VFIO_PMSI_DEVICE/VFIO_PMSI_GROUP not set");
	snprintf(path, sizeof(path),
		 "/sys/bus/platform/devices/%s/msi_index", name);
	if (access(path, W_OK))
		SKIP(return, "no msi_index attribute (no MSI parent?)");

	ASSERT_EQ(0, msi_write_str(path, "0"));
	vfio_dev_init(&vd);
	VD_ASSERT_OK(vfio_dev_open(&vd));
	VD_ASSERT_OK(vfio_dev_device_info(vd.device, &info));
	EXPECT_EQ(2, info.num_irqs);
	for (i = 0; i < info.num_irqs; i++) {
		VD_ASSERT_OK(vfio_dev_irq_info(vd.device, i, &ii));
		EXPECT_EQ(1, ii.count)
			TH_LOG("index %u has count %u", i, ii.count);
	}
	EXPECT_EQ(-EBUSY, msi_write_str(path, "1"));
	vfio_dev_close(&vd);

	ASSERT_EQ(0, msi_write_str(path, "1"));
	vfio_dev_init(&vd);
	VD_ASSERT_OK(vfio_dev_open(&vd));
	VD_ASSERT_OK(vfio_dev_device_info(vd.device, &info));
	EXPECT_EQ(3, info.num_irqs);
	vfio_dev_close(&vd);
}

TEST_HARNESS_MAIN
