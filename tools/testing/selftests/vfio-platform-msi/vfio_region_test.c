// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: regions.
 *
 * Region info, pread/pwrite of every width at aligned and unaligned
 * offsets, transfers that cross the end of a region (upstream vfio-platform
 * semantics: a transfer starting inside a region is clamped to its end, one
 * starting at or beyond the end fails with EINVAL), mmap and its coherence
 * with pread/pwrite, the mmaps that must be refused, and device reset.
 *
 * The access widths the device sees for pread/pwrite, counted by the test
 * plug-in's bus watch (a hardware watchpoint on the driver's mapping: see
 * board/vpmsi_testdev_plugin.c and Documentation/testdev.rst).
 *
 * A part of a region kept out of mmap by the plug-in: the sparse mmap
 * capability in VFIO_DEVICE_GET_REGION_INFO, and the mmaps refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vpm_harness.h"
#include "msi.h"
#include "pdev.h"
#include "vfio_dev.h"
#include "vpmsi_testdev.h"

static const unsigned int widths[] = { 1, 2, 4, 8 };

FIXTURE(region) {
	struct vfio_dev vd;
	struct vfio_region_info ri[VD_NUM_REGIONS];
	uint8_t *regs;			/* region 0, mmapped */
};

FIXTURE_SETUP(region)
{
	const char *why = vfio_dev_env_missing();
	struct vfio_dev *vd = &self->vd;
	unsigned int i;

	vfio_dev_init(vd);
	self->regs = NULL;
	if (why)
		SKIP(return, "%s", why);
	VD_ASSERT_OPEN(vd, vfio_dev_open(vd));
	ASSERT_LE(VD_NUM_REGIONS, vd->info.num_regions);
	for (i = 0; i < VD_NUM_REGIONS; i++)
		VD_ASSERT_OK(vfio_dev_region_info(vd->device, i,
						  &self->ri[i]));
	self->regs = vfio_dev_mmap(vd->device, &self->ri[VD_REGION_REGS], 0,
				   VPMSI_WINDOW_SIZE);
	ASSERT_NE(NULL, self->regs) TH_LOG("mmap of region 0: %s",
					   vd_errno_name(errno));
}

FIXTURE_TEARDOWN(region)
{
	if (self->regs)
		munmap(self->regs, VPMSI_WINDOW_SIZE);
	vfio_dev_close(&self->vd);
}

static uint64_t width_mask(unsigned int width)
{
	return width == 8 ? ~0ull : (1ull << (8 * width)) - 1;
}

/* A value whose bytes differ from each other and from the fill pattern */
static uint64_t pattern(uint64_t off, unsigned int width)
{
	return (0x8877665544332211ull ^ (off * 0x0101010101010101ull)) &
		width_mask(width);
}

static void fill(uint8_t *buf, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + 3 * i);
}

static void dump_diff(struct __test_metadata *_metadata, const uint8_t *want,
		      const uint8_t *got, size_t len, uint64_t base)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (want[i] != got[i])
			TH_LOG("  at 0x%llx: expected 0x%02x, read 0x%02x",
			       (unsigned long long)(base + i), want[i], got[i]);
}

/*
 * Write one value of every width at each offset of an area through the
 * device fd, read it back with the same width, and check that the bytes
 * around it are untouched.
 */
static void check_widths(struct __test_metadata *_metadata, int devfd,
			 const struct vfio_region_info *ri, uint64_t area,
			 size_t len, const uint64_t *offs, size_t noffs)
{
	uint8_t want[256], got[256];
	unsigned int w, i;
	uint64_t val;

	ASSERT_GE(sizeof(want), len);
	for (w = 0; w < ARRAY_SIZE(widths); w++) {
		for (i = 0; i < noffs; i++) {
			unsigned int width = widths[w];
			uint64_t off = offs[i];
			uint64_t v = pattern(off, width);

			if (off + width > len)
				continue;
			fill(want, len, (uint8_t)(w * 16 + i));
			ASSERT_EQ((ssize_t)len,
				  vfio_dev_write(devfd, ri, area, want, len));
			VD_ASSERT_OK(vfio_dev_wr(devfd, ri, area + off,
						 width, v));
			memcpy(want + off, &v, width);

			VD_ASSERT_OK(vfio_dev_rd(devfd, ri, area + off, width,
						 &val));
			ASSERT_EQ(v, val) TH_LOG("width %u at 0x%llx", width,
						 (unsigned long long)(area + off));
			ASSERT_EQ((ssize_t)len,
				  vfio_dev_read(devfd, ri, area, got, len));
			ASSERT_EQ(0, memcmp(want, got, len)) {
				TH_LOG("width %u at 0x%llx disturbed its neighbours:",
				       width, (unsigned long long)(area + off));
				dump_diff(_metadata, want, got, len, area);
			}
		}
	}
}

TEST_F(region, info)
{
	const struct vfio_region_info *r0 = &self->ri[VD_REGION_REGS];
	const struct vfio_region_info *r1 = &self->ri[VD_REGION_AUX];
	struct vfio_region_info ri;
	unsigned int i;

	for (i = 0; i < VD_NUM_REGIONS; i++)
		TH_LOG("region %u: size 0x%llx offset 0x%llx flags 0x%x", i,
		       (unsigned long long)self->ri[i].size,
		       (unsigned long long)self->ri[i].offset,
		       self->ri[i].flags);

	EXPECT_EQ(VD_REGION_REGS, r0->index);
	EXPECT_EQ(VPMSI_WINDOW_SIZE, r0->size);
	EXPECT_EQ(VD_REGION_OFFSET(0), r0->offset);
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		  VFIO_REGION_INFO_FLAG_MMAP, r0->flags);

	EXPECT_EQ(VD_REGION_AUX, r1->index);
	EXPECT_EQ(VPMSI_AUX_SIZE, r1->size);
	EXPECT_EQ(VD_REGION_OFFSET(1), r1->offset);
	/* Not page sized: no mmap, as upstream */
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
		  r1->flags);

	/* A larger argsz changes nothing for regions without capabilities */
	{
		struct {
			struct vfio_region_info info;
			char pad[64];
		} big;

		memset(&big, 0, sizeof(big));
		big.info.argsz = sizeof(big);
		big.info.index = VD_REGION_AUX;
		ASSERT_EQ(0, ioctl(self->vd.device,
				   VFIO_DEVICE_GET_REGION_INFO, &big));
		EXPECT_EQ(r1->size, big.info.size);
		EXPECT_EQ(r1->offset, big.info.offset);
		EXPECT_EQ(r1->flags & ~VFIO_REGION_INFO_FLAG_CAPS,
			  big.info.flags);
	}
	/* Stable across calls */
	VD_ASSERT_OK(vfio_dev_region_info(self->vd.device, 0, &ri));
	EXPECT_EQ(0, memcmp(&ri, r0, sizeof(ri)));
}

TEST_F(region, id_registers)
{
	const struct vfio_region_info *r0 = &self->ri[VD_REGION_REGS];
	int fd = self->vd.device;
	uint64_t v;

	VD_ASSERT_OK(vfio_dev_rd(fd, r0, VPMSI_REG_ID, 4, &v));
	ASSERT_EQ(VPMSI_ID, v);
	VD_ASSERT_OK(vfio_dev_rd(fd, r0, VPMSI_REG_VERSION, 4, &v));
	EXPECT_EQ(VPMSI_VERSION, v);
	VD_ASSERT_OK(vfio_dev_rd(fd, r0, VPMSI_REG_NUM_VECTORS, 4, &v));
	EXPECT_EQ(VPMSI_NUM_VECTORS, v);
	VD_ASSERT_OK(vfio_dev_rd(fd, r0, VPMSI_REG_NUM_LINES, 4, &v));
	EXPECT_LE(VD_NUM_WIRED, v);
	EXPECT_GE(VPMSI_MAX_LINES, v);
	VD_ASSERT_OK(vfio_dev_rd(fd, r0, VPMSI_REG_STATUS, 4, &v));
	EXPECT_TRUE(v & VPMSI_STATUS_READY) TH_LOG("STATUS 0x%llx",
						   (unsigned long long)v);

	/* Byte and halfword reads of the ID: "VMSI" little-endian */
	VD_ASSERT_OK(vfio_dev_rd(fd, r0, VPMSI_REG_ID, 1, &v));
	EXPECT_EQ(VPMSI_ID & 0xff, v);
	VD_ASSERT_OK(vfio_dev_rd(fd, r0, VPMSI_REG_ID + 3, 1, &v));
	EXPECT_EQ(VPMSI_ID >> 24, v);
	VD_ASSERT_OK(vfio_dev_rd(fd, r0, VPMSI_REG_ID + 2, 2, &v));
	EXPECT_EQ(VPMSI_ID >> 16, v);
	/* ID and VERSION in one 8-byte read */
	VD_ASSERT_OK(vfio_dev_rd(fd, r0, VPMSI_REG_ID, 8, &v));
	EXPECT_EQ(VPMSI_ID | (uint64_t)VPMSI_VERSION << 32, v);

	/* Through the mapping */
	EXPECT_EQ(VPMSI_ID, vd_mmio_rd32(self->regs, VPMSI_REG_ID));
	EXPECT_EQ(VPMSI_VERSION,
		  vd_mmio_rd32(self->regs, VPMSI_REG_VERSION));
}

TEST_F(region, scratch_widths)
{
	static const uint64_t offs[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x23, 0x3d, 0x40, 0x77,
		0x78, 0x7a, 0x7c, 0x7e, 0x7f,
	};

	check_widths(_metadata, self->vd.device, &self->ri[VD_REGION_REGS],
		     VPMSI_REG_SCRATCH, VPMSI_SCRATCH_SIZE, offs,
		     ARRAY_SIZE(offs));
}

TEST_F(region, aux_widths)
{
	static const uint64_t offs[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 0x13, 0x80, 0x81, 0xf0, 0xf3,
		0xf7, 0xf8, 0xfa, 0xfc, 0xfd, 0xfe, 0xff,
	};

	check_widths(_metadata, self->vd.device, &self->ri[VD_REGION_AUX], 0,
		     VPMSI_AUX_SIZE, offs, ARRAY_SIZE(offs));
}

/* Odd lengths at odd offsets, and whole-region transfers */
TEST_F(region, bulk)
{
	const struct vfio_region_info *r1 = &self->ri[VD_REGION_AUX];
	uint8_t want[VPMSI_AUX_SIZE], got[VPMSI_AUX_SIZE];
	int fd = self->vd.device;
	size_t off, len;

	fill(want, sizeof(want), 0x5a);
	ASSERT_EQ(VPMSI_AUX_SIZE, vfio_dev_write(fd, r1, 0, want,
						 sizeof(want)));
	memset(got, 0, sizeof(got));
	ASSERT_EQ(VPMSI_AUX_SIZE, vfio_dev_read(fd, r1, 0, got, sizeof(got)));
	ASSERT_EQ(0, memcmp(want, got, sizeof(want)));

	for (off = 1, len = 7; off + len <= VPMSI_AUX_SIZE;
	     off += 13, len += 2) {
		fill(want + off, len, (uint8_t)off);
		ASSERT_EQ((ssize_t)len, vfio_dev_write(fd, r1, off, want + off,
						       len));
		ASSERT_EQ(VPMSI_AUX_SIZE, vfio_dev_read(fd, r1, 0, got,
							sizeof(got)));
		ASSERT_EQ(0, memcmp(want, got, sizeof(want))) {
			TH_LOG("%zu bytes at 0x%zx:", len, off);
			dump_diff(_metadata, want, got, sizeof(want), 0);
		}
	}
}

/*
 * Upstream vfio-platform: a transfer that starts inside the region is cut
 * at its end (short count); one that starts at or after the end is EINVAL.
 */
TEST_F(region, beyond_end)
{
	uint8_t buf[16] = { 0 };
	int fd = self->vd.device;
	unsigned int i;

	for (i = 0; i < VD_NUM_REGIONS; i++) {
		const struct vfio_region_info *ri = &self->ri[i];
		uint64_t size = ri->size;

		EXPECT_EQ(4, vfio_dev_read(fd, ri, size - 4, buf, 8))
			TH_LOG("region %u: 8-byte read 4 bytes before the end", i);
		EXPECT_EQ(1, vfio_dev_read(fd, ri, size - 1, buf, 16))
			TH_LOG("region %u: read at the last byte", i);
		EXPECT_EQ(-EINVAL, vfio_dev_read(fd, ri, size, buf, 4))
			TH_LOG("region %u: read at the end", i);
		EXPECT_EQ(-EINVAL, vfio_dev_read(fd, ri, size + 4, buf, 4))
			TH_LOG("region %u: read after the end", i);
		EXPECT_EQ(-EINVAL, vfio_dev_read(fd, ri, 1ull << 39, buf, 4))
			TH_LOG("region %u: read far after the end", i);

		EXPECT_EQ(4, vfio_dev_write(fd, ri, size - 4, buf, 8))
			TH_LOG("region %u: 8-byte write 4 bytes before the end", i);
		EXPECT_EQ(-EINVAL, vfio_dev_write(fd, ri, size, buf, 4))
			TH_LOG("region %u: write at the end", i);
		EXPECT_EQ(-EINVAL, vfio_dev_write(fd, ri, size + 4, buf, 4))
			TH_LOG("region %u: write after the end", i);
	}
	/* A read across the end returns the bytes that are there */
	{
		const struct vfio_region_info *r1 = &self->ri[VD_REGION_AUX];
		uint8_t tail[4] = { 0xde, 0xad, 0xbe, 0xef };

		ASSERT_EQ(4, vfio_dev_write(fd, r1, VPMSI_AUX_SIZE - 4, tail,
					    4));
		memset(buf, 0, sizeof(buf));
		ASSERT_EQ(4, vfio_dev_read(fd, r1, VPMSI_AUX_SIZE - 4, buf,
					   sizeof(buf)));
		EXPECT_EQ(0, memcmp(tail, buf, 4));
	}
}

TEST_F(region, mmap_coherent)
{
	const struct vfio_region_info *r0 = &self->ri[VD_REGION_REGS];
	uint8_t *scratch = self->regs + VPMSI_REG_SCRATCH;
	int fd = self->vd.device;
	uint8_t *page;
	uint64_t v;
	unsigned int i;

	/* mmap store -> pread */
	for (i = 0; i < VPMSI_SCRATCH_SIZE; i += 8) {
		vd_mmio_wr64(scratch, i, pattern(i, 8));
		VD_ASSERT_OK(vfio_dev_rd(fd, r0, VPMSI_REG_SCRATCH + i, 8,
					 &v));
		ASSERT_EQ(pattern(i, 8), v) TH_LOG("scratch + 0x%x", i);
	}
	vd_mmio_wr32(scratch, 4, 0xcafef00d);
	VD_ASSERT_OK(vfio_dev_rd(fd, r0, VPMSI_REG_SCRATCH + 4, 4, &v));
	EXPECT_EQ(0xcafef00d, v);
	vd_mmio_wr8(scratch, 9, 0x42);
	VD_ASSERT_OK(vfio_dev_rd(fd, r0, VPMSI_REG_SCRATCH + 9, 1, &v));
	EXPECT_EQ(0x42, v);

	/* pwrite -> mmap load, including unaligned pwrites */
	for (i = 0; i < VPMSI_SCRATCH_SIZE; i += 8) {
		VD_ASSERT_OK(vfio_dev_wr(fd, r0, VPMSI_REG_SCRATCH + i, 8,
					 ~pattern(i, 8)));
		ASSERT_EQ(~pattern(i, 8), vd_mmio_rd64(scratch, i))
			TH_LOG("scratch + 0x%x", i);
	}
	VD_ASSERT_OK(vfio_dev_wr(fd, r0, VPMSI_REG_SCRATCH + 3, 4,
				 0x44332211));
	EXPECT_EQ(0x11, vd_mmio_rd8(scratch, 3));
	EXPECT_EQ(0x22, vd_mmio_rd8(scratch, 4));
	EXPECT_EQ(0x33, vd_mmio_rd8(scratch, 5));
	EXPECT_EQ(0x44, vd_mmio_rd8(scratch, 6));

	/* A mapping of one page in the middle sees the same registers */
	page = vfio_dev_mmap(fd, r0, VPMSI_TABLE, 0x1000);
	ASSERT_NE(NULL, page) TH_LOG("mmap at 0x%x: %s", VPMSI_TABLE,
				     vd_errno_name(errno));
	VD_ASSERT_OK(vfio_dev_rd(fd, r0, VPMSI_TABLE_ENTRY(1), 8, &v));
	EXPECT_EQ(v, vd_mmio_rd64(page, 16));
	EXPECT_EQ(v, vd_mmio_rd64(self->regs, VPMSI_TABLE_ENTRY(1)));
	munmap(page, 0x1000);

	/* A read-only mapping is allowed on a read/write region */
	page = mmap(NULL, 0x1000, PROT_READ, MAP_SHARED, fd, r0->offset);
	ASSERT_NE(MAP_FAILED, page) TH_LOG("read-only mmap: %s",
					   vd_errno_name(errno));
	EXPECT_EQ(VPMSI_ID, vd_mmio_rd32(page, 0));
	munmap(page, 0x1000);
}

static int mmap_errno(int fd, size_t len, int prot, int flags, uint64_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, (off_t)off);

	if (p != MAP_FAILED) {
		munmap(p, len);
		return 0;
	}
	return errno;
}

TEST_F(region, mmap_refused)
{
	const struct vfio_region_info *r0 = &self->ri[VD_REGION_REGS];
	const struct vfio_region_info *r1 = &self->ri[VD_REGION_AUX];
	int rw = PROT_READ | PROT_WRITE;
	int fd = self->vd.device;
	long page = sysconf(_SC_PAGESIZE);

	/* Region 1 is not page sized */
	EXPECT_EQ(EINVAL, mmap_errno(fd, page, rw, MAP_SHARED, r1->offset));
	EXPECT_EQ(EINVAL, mmap_errno(fd, page, PROT_READ, MAP_SHARED,
				     r1->offset));
	/* Beyond the size of region 0 */
	EXPECT_EQ(EINVAL, mmap_errno(fd, 2 * VPMSI_WINDOW_SIZE, rw,
				     MAP_SHARED, r0->offset));
	EXPECT_EQ(EINVAL, mmap_errno(fd, page, rw, MAP_SHARED,
				     r0->offset + VPMSI_WINDOW_SIZE));
	EXPECT_EQ(EINVAL, mmap_errno(fd, 2 * page, rw, MAP_SHARED,
				     r0->offset + VPMSI_WINDOW_SIZE - page));
	/* Private mappings of device memory */
	EXPECT_EQ(EINVAL, mmap_errno(fd, page, rw, MAP_PRIVATE, r0->offset));
	/* No such region */
	EXPECT_EQ(EINVAL, mmap_errno(fd, page, rw, MAP_SHARED,
				     VD_REGION_OFFSET(VD_NUM_REGIONS)));
	/* The whole region and its last page are fine */
	EXPECT_EQ(0, mmap_errno(fd, VPMSI_WINDOW_SIZE, rw, MAP_SHARED,
				r0->offset));
	EXPECT_EQ(0, mmap_errno(fd, page, rw, MAP_SHARED,
				r0->offset + VPMSI_WINDOW_SIZE - page));
}

TEST_F(region, reset)
{
	const struct vfio_region_info *r0 = &self->ri[VD_REGION_REGS];
	int fd = self->vd.device;
	uint32_t last;
	uint64_t v;
	int i;

	if (!(self->vd.info.flags & VFIO_DEVICE_FLAGS_RESET)) {
		/* Upstream: no reset function -> EINVAL */
		VD_EXPECT_ERR(EINVAL, vfio_dev_reset(fd));
		SKIP(return, "device has no reset (VFIO_DEVICE_FLAGS_RESET clear)");
	}
	for (i = 0; i < 3; i++) {
		VD_ASSERT_OK(vfio_dev_reset(fd));
		/* The reset completes: RESET reads 0, the model runs */
		EXPECT_EQ(0, vfio_dev_poll32(fd, r0, VPMSI_REG_RESET, ~0u, 0,
					     VD_DEV_MS, &last))
			TH_LOG("RESET register stuck at 0x%x", last);
		EXPECT_EQ(0, vfio_dev_poll32(fd, r0, VPMSI_REG_STATUS,
					     VPMSI_STATUS_READY,
					     VPMSI_STATUS_READY, VD_DEV_MS,
					     &last))
			TH_LOG("STATUS not READY after reset: 0x%x", last);
		VD_ASSERT_OK(vfio_dev_rd(fd, r0, VPMSI_REG_ID, 4, &v));
		EXPECT_EQ(VPMSI_ID, v);
	}
	/* The mapping survives a reset */
	EXPECT_EQ(VPMSI_ID, vd_mmio_rd32(self->regs, VPMSI_REG_ID));
}

#define PLUGIN_PARAM(p)	"/sys/module/vpmsi_testdev_plugin/parameters/" p

/*
 * The test plug-in's bus watch: arm it on the doubleword at @off of
 * region @region from the next open, and read how many CPU accesses
 * touched it since.
 */
static int watch_set(int region, unsigned int off)
{
	char val[16];
	int ret;

	snprintf(val, sizeof(val), "%u", off);
	ret = msi_write_str(PLUGIN_PARAM("watch_offset"), val);
	if (ret)
		return ret;
	snprintf(val, sizeof(val), "%d", region);
	return msi_write_str(PLUGIN_PARAM("watch_region"), val);
}

static int watch_hits(uint64_t *hits)
{
	char buf[32];
	int ret;

	ret = msi_read_line(PLUGIN_PARAM("watch_hits"), buf, sizeof(buf));
	if (ret)
		return ret;
	*hits = strtoull(buf, NULL, 10);
	return 0;
}

FIXTURE(watch) {
	struct vfio_dev vd;
	struct vfio_region_info ri;
	bool armed;
};

/* The doubleword watched, and whether the plug-in allows 64-bit there */
FIXTURE_VARIANT(watch) {
	int region;
	unsigned int off;
	bool io64;
};

/* Region 1 (aux): plain RAM, no 64-bit accesses */
FIXTURE_VARIANT_ADD(watch, aux) {
	.region = VD_REGION_AUX,
	.off = 0x10,
	.io64 = false,
};

/* Region 0 (window): the test plug-in allows 64-bit accesses there */
FIXTURE_VARIANT_ADD(watch, regs) {
	.region = VD_REGION_REGS,
	.off = VPMSI_REG_SCRATCH + 0x10,
	.io64 = true,
};

FIXTURE_SETUP(watch)
{
	const char *why = vfio_dev_env_missing();
	struct vfio_dev *vd = &self->vd;
	uint64_t hits;
	int ret;

	vfio_dev_init(vd);
	self->armed = false;
	if (why)
		SKIP(return, "%s", why);
	/* Upstream vfio-platform has no plug-ins: nothing to count with */
	if (!pdev_bound_to(msi_dev_name(), pdev_vpm_driver()))
		SKIP(return, "device not bound to vfio-platform-msi's driver (%s)",
		     pdev_vpm_driver());
	VD_ASSERT_OK(watch_set(variant->region, variant->off));
	self->armed = true;
	VD_ASSERT_OPEN(vd, vfio_dev_open(vd));
	VD_ASSERT_OK(vfio_dev_region_info(vd->device, variant->region,
					  &self->ri));
	/* Armed by the open */
	ret = watch_hits(&hits);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "the kernel has no hardware breakpoints to count accesses with");
	VD_ASSERT_OK(ret);
}

/* In the parent, after the test (lib/vpm_harness.h): no child resource */
FIXTURE_TEARDOWN_PARENT(watch)
{
	/* The driver's mapping is gone (the test's process closed it): disarm */
	if (self->armed)
		watch_set(-1, 0);
}

#define WATCH_REPS	5

/*
 * The fewest device accesses to the watched doubleword that one pread
 * (@write false) or pwrite of @len bytes at @off made, over WATCH_REPS
 * tries. The watch can count an access twice (a debug exception taken
 * again on the emulated board, about once in 60 accesses) but never
 * misses one.
 */
static int accesses(int fd, const struct vfio_region_info *ri, uint64_t off,
		    void *buf, size_t len, bool write, uint64_t *n)
{
	uint64_t h0, h1;
	ssize_t done;
	int i, ret;

	*n = UINT64_MAX;
	for (i = 0; i < WATCH_REPS; i++) {
		ret = watch_hits(&h0);
		if (ret)
			return ret;
		done = write ? vfio_dev_write(fd, ri, off, buf, len) :
			       vfio_dev_read(fd, ri, off, buf, len);
		if (done < 0)
			return done;
		if ((size_t)done != len)
			return -EIO;
		ret = watch_hits(&h1);
		if (ret)
			return ret;
		if (h1 - h0 < *n)
			*n = h1 - h0;
	}
	return 0;
}

/*
 * An aligned 8-byte pread/pwrite reaches the device as two 32-bit
 * accesses, as with upstream vfio-platform, unless the plug-in allows
 * 64-bit accesses in the region: then as one.
 */
TEST_F(watch, widths)
{
	const struct vfio_region_info *ri = &self->ri;
	uint64_t lo = 0x44332211, hi = 0x88776655, v = 0, n, want;
	uint64_t off = variant->off;
	int fd = self->vd.device;
	uint8_t buf[16];

	want = variant->io64 ? 1 : 2;

	/* The watch sees the accesses at all: one each */
	VD_ASSERT_OK(accesses(fd, ri, off, &lo, 4, true, &n));
	ASSERT_EQ(1, n) TH_LOG("4-byte pwrite: %llu accesses",
			       (unsigned long long)n);
	VD_ASSERT_OK(accesses(fd, ri, off + 4, &hi, 4, true, &n));
	ASSERT_EQ(1, n) TH_LOG("4-byte pwrite: %llu accesses",
			       (unsigned long long)n);
	VD_ASSERT_OK(accesses(fd, ri, off + 1, &v, 1, false, &n));
	ASSERT_EQ(1, n) TH_LOG("1-byte pread: %llu accesses",
			       (unsigned long long)n);
	EXPECT_EQ(0x22, v);

	VD_ASSERT_OK(accesses(fd, ri, off, &v, 8, false, &n));
	EXPECT_EQ(0x8877665544332211ull, v);
	EXPECT_EQ(want, n) TH_LOG("aligned 8-byte pread: the device saw %llu accesses, want %llu",
				  (unsigned long long)n,
				  (unsigned long long)want);
	v = 0x0123456789abcdefull;
	VD_ASSERT_OK(accesses(fd, ri, off, &v, 8, true, &n));
	EXPECT_EQ(want, n) TH_LOG("aligned 8-byte pwrite: the device saw %llu accesses, want %llu",
				  (unsigned long long)n,
				  (unsigned long long)want);
	VD_ASSERT_OK(accesses(fd, ri, off - 8, buf, 16, false, &n));
	EXPECT_EQ(want, n) TH_LOG("16-byte pread: the doubleword saw %llu accesses, want %llu",
				  (unsigned long long)n,
				  (unsigned long long)want);
	memcpy(&v, buf + 8, 8);
	EXPECT_EQ(0x0123456789abcdefull, v);
}

/*
 * The test plug-in keeps the vector table (0x1000-0x8fff of region 0) out
 * of mmap with nommap_table set, where the kernel programs it.
 */
FIXTURE(sparse) {
	struct vfio_dev vd;
	char mode[32];
	bool set;
};

FIXTURE_VARIANT(sparse) {
	const char *mode;
	bool nommap;
};

FIXTURE_VARIANT_ADD(sparse, device) {
	.mode = "device",
	.nommap = true,
};

FIXTURE_VARIANT_ADD(sparse, irqchip) {
	.mode = "irqchip",
	.nommap = true,
};

/* Userspace programs the table: it stays mappable */
FIXTURE_VARIANT_ADD(sparse, generic) {
	.mode = "generic",
	.nommap = false,
};

FIXTURE_SETUP(sparse)
{
	const char *why = vfio_dev_env_missing();

	vfio_dev_init(&self->vd);
	self->set = false;
	if (why)
		SKIP(return, "%s", why);
	/* Upstream vfio-platform has no plug-ins */
	if (!pdev_bound_to(msi_dev_name(), pdev_vpm_driver()))
		SKIP(return, "device not bound to vfio-platform-msi's driver (%s)",
		     pdev_vpm_driver());
	VD_ASSERT_OK(msi_mode_get(self->mode, sizeof(self->mode)));
	self->set = true;
	VD_ASSERT_OK(msi_mode_set(variant->mode));
	VD_ASSERT_OK(msi_write_str(PLUGIN_PARAM("nommap_table"), "Y"));
	VD_ASSERT_OPEN(&self->vd, vfio_dev_open(&self->vd));
}

/* In the parent, after the test (lib/vpm_harness.h): no child resource */
FIXTURE_TEARDOWN_PARENT(sparse)
{
	if (self->set) {
		msi_write_str(PLUGIN_PARAM("nommap_table"), "N");
		msi_mode_set(self->mode);
	}
}

TEST_F(sparse, region_info_and_mmap)
{
	struct vfio_region_info ri = {
		.argsz = sizeof(ri), .index = VD_REGION_REGS,
	};
	struct vfio_region_info_cap_sparse_mmap *sp;
	struct vfio_region_sparse_mmap_area want[2];
	long page = sysconf(_SC_PAGESIZE);
	int rw = PROT_READ | PROT_WRITE;
	int fd = self->vd.device;
	struct vfio_region_info *full;
	uint64_t table_start, table_end, v;
	unsigned int i, nwant = 0;
	uint8_t buf[256];
	size_t argsz;

	full = (struct vfio_region_info *)buf;
	VD_ASSERT_SYS(ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &ri));
	ASSERT_TRUE(ri.flags & VFIO_REGION_INFO_FLAG_MMAP);
	if (!variant->nommap) {
		EXPECT_EQ(0, ri.flags & VFIO_REGION_INFO_FLAG_CAPS);
		EXPECT_EQ(sizeof(ri), ri.argsz);
		EXPECT_EQ(0, mmap_errno(fd, VPMSI_WINDOW_SIZE, rw, MAP_SHARED,
					ri.offset));
		return;
	}

	/* The table, widened to pages: what stays mappable */
	table_start = VPMSI_TABLE / page * page;
	table_end = (VPMSI_PBA + page - 1) / page * page;
	if (table_start)
		want[nwant++] = (struct vfio_region_sparse_mmap_area) {
			.offset = 0, .size = table_start,
		};
	if (table_end < VPMSI_WINDOW_SIZE)
		want[nwant++] = (struct vfio_region_sparse_mmap_area) {
			.offset = table_end,
			.size = VPMSI_WINDOW_SIZE - table_end,
		};
	argsz = sizeof(ri) + sizeof(*sp) + nwant * sizeof(want[0]);

	/* argsz too small: the size needed, nothing else written */
	ASSERT_TRUE(ri.flags & VFIO_REGION_INFO_FLAG_CAPS);
	EXPECT_EQ(0, ri.cap_offset);
	ASSERT_EQ(argsz, ri.argsz);
	memset(buf, 0xa5, sizeof(buf));
	*full = (struct vfio_region_info) {
		.argsz = argsz - 1, .index = VD_REGION_REGS,
	};
	VD_ASSERT_SYS(ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, full));
	EXPECT_EQ(argsz, full->argsz);
	EXPECT_EQ(0, full->cap_offset);
	for (i = sizeof(ri); i < sizeof(buf); i++)
		ASSERT_EQ(0xa5, buf[i]) TH_LOG("byte %u written", i);

	/* Enough room: the chain, one sparse mmap capability */
	*full = (struct vfio_region_info) {
		.argsz = argsz, .index = VD_REGION_REGS,
	};
	VD_ASSERT_SYS(ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, full));
	EXPECT_TRUE(full->flags & VFIO_REGION_INFO_FLAG_CAPS);
	ASSERT_EQ(sizeof(ri), full->cap_offset);
	EXPECT_EQ(ri.size, full->size);
	EXPECT_EQ(ri.offset, full->offset);
	sp = (struct vfio_region_info_cap_sparse_mmap *)(buf + sizeof(ri));
	EXPECT_EQ(VFIO_REGION_INFO_CAP_SPARSE_MMAP, sp->header.id);
	EXPECT_EQ(1, sp->header.version);
	EXPECT_EQ(0, sp->header.next);
	ASSERT_EQ(nwant, sp->nr_areas);
	for (i = 0; i < nwant; i++) {
		EXPECT_EQ(want[i].offset, sp->areas[i].offset);
		EXPECT_EQ(want[i].size, sp->areas[i].size);
	}

	/* No mmap touches the table; the areas map */
	EXPECT_EQ(EINVAL, mmap_errno(fd, VPMSI_WINDOW_SIZE, rw, MAP_SHARED,
				     ri.offset));
	EXPECT_EQ(EINVAL, mmap_errno(fd, page, PROT_READ, MAP_SHARED,
				     ri.offset + table_start));
	EXPECT_EQ(EINVAL, mmap_errno(fd, page, rw, MAP_SHARED,
				     ri.offset + table_end - page));
	for (i = 0; i < nwant; i++) {
		EXPECT_EQ(0, mmap_errno(fd, want[i].size, rw, MAP_SHARED,
					ri.offset + want[i].offset));
		if (want[i].size > page)
			EXPECT_EQ(EINVAL,
				  mmap_errno(fd, want[i].size + page, rw,
					     MAP_SHARED, ri.offset +
					     want[i].offset - (i ? page : 0)));
	}
	/* pread still reaches it */
	VD_ASSERT_OK(vfio_dev_rd(fd, &ri, VPMSI_TABLE_ENTRY(0) +
				 VPMSI_ENTRY_CTRL, 4, &v));
	EXPECT_EQ(VPMSI_ENTRY_CTRL_MASKED, v & VPMSI_ENTRY_CTRL_MASKED);

	/* Region 1 cannot be mmapped: no capability */
	ri = (struct vfio_region_info) {
		.argsz = sizeof(ri), .index = VD_REGION_AUX,
	};
	VD_ASSERT_SYS(ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &ri));
	EXPECT_EQ(0, ri.flags & VFIO_REGION_INFO_FLAG_CAPS);
	EXPECT_EQ(sizeof(ri), ri.argsz);
}

TEST_HARNESS_MAIN
