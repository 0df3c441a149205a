// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: bad input to what the MSI additions bring
 * (Documentation/uapi.rst, "Errors"): the MSI index of SET_IRQS, the
 * extended GET_IRQ_INFO and its capability chain.
 *
 * "EINVAL for a bad argsz, flags, index, start or count, or an fd that is
 * not an eventfd; EBADF for a closed fd; EFAULT for a bad pointer; ENOTTY
 * for an unknown ioctl. A bad request changes nothing." Every case below
 * checks the errno and then that nothing changed: no vector enabled, no
 * eventfd armed, no message allocated, the working vectors still working.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vpm_harness.h"
#include "msi.h"

#define SET_HDR		((uint32_t)offsetof(struct vfio_irq_set, data))

FIXTURE(bad) {
	struct msi_dev md;
	int efd[4];		/* real eventfds */
	int nullfd;		/* an open fd that is no eventfd */
	int closedfd;		/* a number that is no open fd */
	uint8_t *guard;		/* page 0: read/write, page 1: PROT_NONE */
	long page;
};

FIXTURE_SETUP(bad)
{
	const char *why = vfio_dev_env_missing();
	int i, ret;

	memset(&self->md, 0, sizeof(self->md));
	vfio_dev_init(&self->md.vd);
	for (i = 0; i < 4; i++)
		self->efd[i] = -1;
	self->nullfd = -1;
	self->guard = MAP_FAILED;
	self->page = sysconf(_SC_PAGESIZE);
	if (why)
		SKIP(return, "%s", why);
	ret = msi_dev_open(&self->md, MSI_MODE_DEVICE);
	if (ret == -ENODEV)
		SKIP(return, "%s", self->md.why);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", self->md.why, vd_errno_name(-ret));

	for (i = 0; i < 4; i++) {
		self->efd[i] = efd_create();
		VD_ASSERT_OK(self->efd[i]);
	}
	self->nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	VD_ASSERT_SYS(self->nullfd);
	self->closedfd = dup(self->nullfd);
	VD_ASSERT_SYS(self->closedfd);
	close(self->closedfd);
	self->guard = mmap(NULL, 2 * self->page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->guard);
	VD_ASSERT_SYS(mprotect(self->guard + self->page, self->page,
			       PROT_NONE));
}

/* In the parent, after the test (lib/vpm_harness.h): no child resource */
FIXTURE_TEARDOWN_PARENT(bad)
{
	msi_mode_restore();
}

/* SET_IRQS from a raw header and @data_len bytes of data, argsz given */
static int set_raw(int dev, uint32_t argsz, uint32_t flags, uint32_t index,
		   uint32_t start, uint32_t count, const void *data,
		   size_t data_len)
{
	struct vfio_irq_set *set;
	size_t len = SET_HDR + data_len;
	int ret = 0;

	set = calloc(1, len < sizeof(*set) ? sizeof(*set) : len);
	if (!set)
		return -ENOMEM;
	set->argsz = argsz;
	set->flags = flags;
	set->index = index;
	set->start = start;
	set->count = count;
	if (data_len)
		memcpy(set->data, data, data_len);
	if (ioctl(dev, VFIO_DEVICE_SET_IRQS, set))
		ret = -errno;
	free(set);
	return ret;
}

/* An ioctl's result for the log */
static const char *res(int ret)
{
	return ret ? vd_errno_name(-ret) : "success";
}

/* No vector got a handler (and so a message): nothing was enabled */
static void assert_unallocated(struct __test_metadata *_metadata,
			       struct msi_dev *md, const char *after)
{
	long n = msi_proc_interrupts_count(MSI_IRQ_NAME);

	ASSERT_EQ(0, n)
		TH_LOG("after %s: %ld vectors have a handler", after, n);
}

/* @v is enabled on @fd: one fire, one event, on @fd only */
static void assert_live(struct __test_metadata *_metadata,
			FIXTURE_DATA(bad) *self, unsigned int v, int fd,
			const char *after)
{
	uint64_t val = 0;
	int i;

	for (i = 0; i < 4; i++)
		efd_drain(self->efd[i]);
	VD_ASSERT_OK(msi_fire(&self->md, v));
	ASSERT_EQ(1, efd_wait(fd, VD_EVENT_MS, &val))
		TH_LOG("after %s: vector %u not delivered", after, v);
	ASSERT_EQ(1, val);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, efd_drain(self->efd[i]))
			TH_LOG("after %s: vector %u also signalled eventfd %d",
			       after, v, i);
}

/* @v does not deliver to any of our eventfds */
static void assert_dead(struct __test_metadata *_metadata,
			FIXTURE_DATA(bad) *self, unsigned int v,
			const char *after)
{
	uint64_t val = 0;
	int i;

	VD_ASSERT_OK(msi_fire(&self->md, v));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, efd_wait(self->efd[i], i ? 0 : VD_QUIET_MS, &val))
			TH_LOG("after %s: vector %u delivered to eventfd %d",
			       after, v, i);
	}
}

/* Index, start and count out of range, for every action and data type */
TEST_F(bad, range)
{
	static const uint32_t actions[] = {
		VFIO_IRQ_SET_ACTION_MASK, VFIO_IRQ_SET_ACTION_UNMASK,
		VFIO_IRQ_SET_ACTION_TRIGGER,
	};
	static const uint32_t types[] = {
		VFIO_IRQ_SET_DATA_NONE, VFIO_IRQ_SET_DATA_BOOL,
		VFIO_IRQ_SET_DATA_EVENTFD,
	};
	struct msi_dev *md = &self->md;
	uint32_t n = md->nvec, a, t, c;
	int32_t data[4] = { -1, -1, -1, -1 };
	const struct {
		uint32_t index, start, count;
	} tc[] = {
		{ md->index, n, 1 },			/* start past the end */
		{ md->index, n - 1, 2 },		/* runs past the end */
		{ md->index, 0, n + 1 },		/* count too big */
		{ md->index, 1, 0xffffffffu },		/* start + count wraps */
		{ md->index, 0xffffffffu, 1 },
		{ md->index, 0xfffffffeu, 2 },		/* wraps to 0 */
		{ md->vd.info.num_irqs, 0, 1 },		/* no such index */
		{ 0xffffffffu, 0, 1 },
	};
	size_t dlen;

	for (a = 0; a < ARRAY_SIZE(actions); a++) {
		for (t = 0; t < ARRAY_SIZE(types); t++) {
			for (c = 0; c < ARRAY_SIZE(tc); c++) {
				int ret;

				/* Data for up to 4 entries; argsz covers it */
				dlen = types[t] == VFIO_IRQ_SET_DATA_NONE ? 0 :
				       sizeof(data);
				ret = set_raw(md->vd.device, SET_HDR + dlen,
					      actions[a] | types[t],
					      tc[c].index, tc[c].start,
					      tc[c].count, data, dlen);
				EXPECT_EQ(-EINVAL, ret)
					TH_LOG("%s|%s index %u start %u count %u: %s",
					       vd_action_name(actions[a]),
					       vd_data_name(types[t]),
					       tc[c].index, tc[c].start,
					       tc[c].count, res(ret));
			}
		}
	}
	assert_unallocated(_metadata, md, "out-of-range requests");
}

/* Flags: unknown bits, no or several actions, no or several data types */
TEST_F(bad, flags)
{
	struct msi_dev *md = &self->md;
	int32_t fd = self->efd[0];
	/*
	 * Bad data types and unknown bits are EINVAL; no action or several
	 * actions are ENOTTY, as upstream VFIO answers them
	 * (Documentation/uapi.rst, Errors).
	 */
	const struct {
		uint32_t flags;
		int err;
	} cases[] = {
		{ VFIO_IRQ_SET_ACTION_TRIGGER, -EINVAL },	/* no data */
		{ VFIO_IRQ_SET_DATA_EVENTFD, -ENOTTY },		/* no action */
		{ VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD |
			VFIO_IRQ_SET_DATA_BOOL, -EINVAL },
		{ VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD |
			VFIO_IRQ_SET_DATA_NONE, -EINVAL },
		{ VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_ACTION_MASK |
			VFIO_IRQ_SET_DATA_EVENTFD, -ENOTTY },
		{ VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_ACTION_MASK |
			VFIO_IRQ_SET_DATA_EVENTFD, -ENOTTY },
		{ VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD |
			(1u << 6), -EINVAL },
		{ VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD |
			(1u << 31), -EINVAL },
	};
	unsigned int c;
	int ret;

	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		ret = set_raw(md->vd.device, SET_HDR + sizeof(fd),
			      cases[c].flags, md->index, 0, 1, &fd,
			      sizeof(fd));
		EXPECT_EQ(cases[c].err, ret)
			TH_LOG("flags 0x%x: %s", cases[c].flags, res(ret));
	}
	assert_unallocated(_metadata, md, "bad flags");
	assert_dead(_metadata, self, 0, "bad flags");
}

/* argsz: below the header, or too short for count entries of data */
TEST_F(bad, argsz)
{
	struct msi_dev *md = &self->md;
	int32_t fds[4] = { self->efd[0], self->efd[1], self->efd[2],
			   self->efd[3] };
	uint8_t bools[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	int dev = md->vd.device;

	VD_EXPECT_ERR(EINVAL, set_raw(dev, 0, VFIO_IRQ_SET_ACTION_TRIGGER |
				      VFIO_IRQ_SET_DATA_NONE, md->index, 0, 1,
				      NULL, 0));
	VD_EXPECT_ERR(EINVAL, set_raw(dev, SET_HDR - 1,
				      VFIO_IRQ_SET_ACTION_TRIGGER |
				      VFIO_IRQ_SET_DATA_NONE, md->index, 0, 1,
				      NULL, 0));
	VD_EXPECT_ERR(EINVAL, set_raw(dev, SET_HDR + 3 * sizeof(int32_t),
				      VFIO_IRQ_SET_ACTION_TRIGGER |
				      VFIO_IRQ_SET_DATA_EVENTFD, md->index, 0,
				      4, fds, sizeof(fds)));
	VD_EXPECT_ERR(EINVAL, set_raw(dev, SET_HDR + 7,
				      VFIO_IRQ_SET_ACTION_MASK |
				      VFIO_IRQ_SET_DATA_BOOL, md->index, 0, 8,
				      bools, sizeof(bools)));
	VD_EXPECT_ERR(EINVAL, set_raw(dev, SET_HDR,
				      VFIO_IRQ_SET_ACTION_UNMASK |
				      VFIO_IRQ_SET_DATA_EVENTFD, md->index, 0,
				      1, fds, sizeof(fds[0])));
	assert_unallocated(_metadata, md, "short argsz");
	assert_dead(_metadata, self, 0, "short argsz");
}

/*
 * TRIGGER with one bad fd among good ones: the errno, and none of the
 * vectors of the request enabled or moved.
 */
TEST_F(bad, trigger_fds)
{
	struct msi_dev *md = &self->md;
	const struct {
		int32_t fd;
		int err;
		const char *what;
	} bad[] = {
		{ self->nullfd, EINVAL, "/dev/null" },
		{ self->closedfd, EBADF, "a closed fd" },
	};
	int32_t fds[4];
	unsigned int b, v;
	char what[64];

	for (b = 0; b < ARRAY_SIZE(bad); b++) {
		fds[0] = self->efd[0];
		fds[1] = self->efd[1];
		fds[2] = bad[b].fd;
		fds[3] = self->efd[3];
		VD_EXPECT_ERR(bad[b].err,
			      msi_set_fds(md->vd.device, md->index,
					  VFIO_IRQ_SET_ACTION_TRIGGER, 0, 4,
					  fds));
	}
	/* First SET_IRQS failed: nothing allocated, nothing enabled */
	assert_unallocated(_metadata, md, "bad first TRIGGER");
	assert_dead(_metadata, self, 0, "bad first TRIGGER");

	/* Vectors live on efd[0]: a bad swap leaves them there */
	for (v = 0; v < 4; v++)
		VD_ASSERT_OK(msi_enable(md, v, self->efd[0]));
	for (b = 0; b < ARRAY_SIZE(bad); b++) {
		fds[0] = self->efd[1];
		fds[1] = -1;
		fds[2] = bad[b].fd;
		fds[3] = self->efd[3];
		VD_EXPECT_ERR(bad[b].err,
			      msi_set_fds(md->vd.device, md->index,
					  VFIO_IRQ_SET_ACTION_TRIGGER, 0, 4,
					  fds));
		snprintf(what, sizeof(what), "a TRIGGER with %s", bad[b].what);
		for (v = 0; v < 4; v++)
			assert_live(_metadata, self, v, self->efd[0], what);
	}
}

/*
 * MASK / UNMASK with DATA_EVENTFD and one bad fd: the errno, and no
 * eventfd of the request armed (signalling it masks nothing).
 */
TEST_F(bad, mask_fds)
{
	static const uint32_t actions[] = {
		VFIO_IRQ_SET_ACTION_MASK, VFIO_IRQ_SET_ACTION_UNMASK,
	};
	struct msi_dev *md = &self->md;
	const struct {
		int32_t fd;
		int err;
	} bad[] = {
		{ self->nullfd, EINVAL },
		{ self->closedfd, EBADF },
	};
	int32_t fds[2];
	unsigned int a, b;

	VD_ASSERT_OK(msi_enable(md, 0, self->efd[0]));
	VD_ASSERT_OK(msi_enable(md, 1, self->efd[1]));
	for (a = 0; a < ARRAY_SIZE(actions); a++) {
		for (b = 0; b < ARRAY_SIZE(bad); b++) {
			fds[0] = self->efd[2];
			fds[1] = bad[b].fd;
			VD_EXPECT_ERR(bad[b].err,
				      msi_set_fds(md->vd.device, md->index,
						  actions[a], 0, 2, fds));
		}
	}
	/* Had efd[2] been armed as vector 0's mask eventfd, this masks it */
	VD_ASSERT_OK(efd_signal(self->efd[2], 1));
	assert_live(_metadata, self, 0, self->efd[0],
		    "a failed MASK|EVENTFD request");
	assert_live(_metadata, self, 1, self->efd[1],
		    "a failed MASK|EVENTFD request");
	/* The slot is free: arming it now works */
	fds[0] = self->efd[2];
	VD_ASSERT_OK(msi_set_fds(md->vd.device, md->index,
				 VFIO_IRQ_SET_ACTION_MASK, 0, 1, fds));
	VD_ASSERT_OK(efd_signal(self->efd[2], 1));
	assert_dead(_metadata, self, 0, "its mask eventfd signalled");
}

/*
 * Any negative fd disables, as on the wired lines and in vfio-pci: a
 * TRIGGER with -2 and INT32_MIN disables the vectors, a MASK with -5
 * removes the mask eventfd.
 */
TEST_F(bad, negative_fds)
{
	struct msi_dev *md = &self->md;
	int32_t fds[2] = { -2, INT32_MIN };

	VD_ASSERT_OK(msi_enable(md, 0, self->efd[0]));
	VD_ASSERT_OK(msi_enable(md, 1, self->efd[0]));
	VD_ASSERT_OK(msi_set_fds(md->vd.device, md->index,
				 VFIO_IRQ_SET_ACTION_TRIGGER, 0, 2, fds));
	assert_dead(_metadata, self, 0, "TRIGGER with fd -2");
	assert_dead(_metadata, self, 1, "TRIGGER with fd INT32_MIN");

	/* Vector 2: 0 and 1 hold the events fired while they were off */
	VD_ASSERT_OK(msi_enable(md, 2, self->efd[0]));
	fds[0] = self->efd[2];
	VD_ASSERT_OK(msi_set_fds(md->vd.device, md->index,
				 VFIO_IRQ_SET_ACTION_MASK, 2, 1, fds));
	fds[0] = -5;
	VD_ASSERT_OK(msi_set_fds(md->vd.device, md->index,
				 VFIO_IRQ_SET_ACTION_MASK, 2, 1, fds));
	VD_ASSERT_OK(efd_signal(self->efd[2], 1));
	assert_live(_metadata, self, 2, self->efd[0],
		    "its mask eventfd removed with fd -5 and signalled");
}

/*
 * TRIGGER | EVENTFD with count 0 names no vector: it succeeds and
 * allocates nothing (no irq descriptor appears in /sys/kernel/irq).
 */
TEST_F(bad, trigger_count0)
{
	struct msi_dev *md = &self->md;
	long before, after;
	int ret;

	before = msi_dir_entries("/sys/kernel/irq");
	ASSERT_LT(0, before);
	ret = set_raw(md->vd.device, SET_HDR, VFIO_IRQ_SET_ACTION_TRIGGER |
		      VFIO_IRQ_SET_DATA_EVENTFD, md->index, 0, 0, NULL, 0);
	EXPECT_EQ(0, ret) TH_LOG("%s", res(ret));
	after = msi_dir_entries("/sys/kernel/irq");
	EXPECT_EQ(before, after)
		TH_LOG("%ld irq descriptors allocated by a request for no vector",
		       after - before);
}

/* User memory that cannot be read or written: EFAULT, nothing changed */
TEST_F(bad, efault)
{
	struct msi_dev *md = &self->md;
	struct vfio_irq_set *set;
	struct vfio_platform_msi_irq_info *ext;
	uint8_t *end = self->guard + self->page;
	int dev = md->vd.device;

	/* SET_IRQS whose data runs into the PROT_NONE page */
	set = (void *)(end - SET_HDR - sizeof(int32_t));
	set->argsz = SET_HDR + 4 * sizeof(int32_t);
	set->flags = VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD;
	set->index = md->index;
	set->start = 0;
	set->count = 4;
	*(int32_t *)set->data = self->efd[0];
	VD_EXPECT_ERR(EFAULT, ioctl(dev, VFIO_DEVICE_SET_IRQS, set) ?
		      -errno : 0);
	/* The header itself unreadable */
	VD_EXPECT_ERR(EFAULT, ioctl(dev, VFIO_DEVICE_SET_IRQS,
				    end - 8) ? -errno : 0);
	assert_unallocated(_metadata, md, "EFAULT on SET_IRQS");

	/* GET_IRQ_INFO: argsz says the chain fits, the memory ends first */
	ext = (void *)(end - MSI_INFO_EXT_SIZE - 8);
	memset(ext, 0, sizeof(*ext));
	ext->argsz = 1 << 20;
	ext->index = md->index;
	VD_EXPECT_ERR(EFAULT, ioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, ext) ?
		      -errno : 0);
	VD_EXPECT_ERR(EFAULT, ioctl(dev, VFIO_DEVICE_GET_IRQ_INFO,
				    end - 8) ? -errno : 0);
	assert_dead(_metadata, self, 0, "EFAULT requests");
}

/* GET_IRQ_INFO: bad argsz and index with the extended structure */
TEST_F(bad, irq_info)
{
	struct msi_dev *md = &self->md;
	struct vfio_platform_msi_irq_info ext;
	const struct {
		uint32_t argsz, index;
	} tc[] = {
		{ 0, md->index },
		{ MSI_INFO_V1_SIZE - 1, md->index },
		{ MSI_INFO_EXT_SIZE, md->vd.info.num_irqs },
		{ MSI_INFO_EXT_SIZE, 0xffffffffu },
		{ MSI_INFO_V1_SIZE, md->vd.info.num_irqs },
	};
	unsigned int c;

	for (c = 0; c < ARRAY_SIZE(tc); c++) {
		memset(&ext, 0x5a, sizeof(ext));
		ext.argsz = tc[c].argsz;
		ext.index = tc[c].index;
		VD_EXPECT_ERR(EINVAL,
			      ioctl(md->vd.device, VFIO_DEVICE_GET_IRQ_INFO,
				    &ext) ? -errno : 0);
		EXPECT_EQ(0x5a5a5a5au, ext.cap_offset) TH_LOG("case %u", c);
	}
}

/* Unknown ioctls on the device fd */
TEST_F(bad, unknown_ioctl)
{
	int dev = self->md.vd.device;

	VD_EXPECT_ERR(ENOTTY, ioctl(dev, _IO(VFIO_TYPE, VFIO_BASE + 60)) ?
		      -errno : 0);
	VD_EXPECT_ERR(ENOTTY, ioctl(dev, _IO(VFIO_TYPE + 1, VFIO_BASE + 8)) ?
		      -errno : 0);
}

TEST_HARNESS_MAIN
