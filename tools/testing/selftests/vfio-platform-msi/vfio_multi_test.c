// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: several devices in one IOMMU group, several groups in
 * one container.
 *
 * Besides the primary test device (VFIO_PMSI_DEVICE, bound by the runner),
 * the board has two wired-only test devices, 7f100000.testdev and
 * 7f200000.testdev, that share one IOMMU group (iommus = <&swiommu 1>) and
 * that the bench binds to nothing. This program binds them itself and puts
 * back what it found (driver and driver_override) in every teardown.
 *
 *  - multi.shared_group: both extra devices bound to vfio-platform-msi are
 *    the only members of one group, not the primary's;
 *  - multi.viability: the shared group is viable with both devices on
 *    vfio-platform-msi or without driver, not while one of them is bound to
 *    a kernel driver that uses the DMA API (vpmsi_testhost): then
 *    VFIO_GROUP_GET_STATUS has no VIABLE flag and VFIO_GROUP_SET_CONTAINER
 *    fails with EPERM (the kernel owns the group's DMA); and while
 *    userspace holds the group, such a driver cannot bind;
 *  - multi.two_devices: both device fds come from the one group fd, each
 *    device works on its own (a line fired on one device's model is
 *    delivered on that device's eventfd only), closing one leaves the
 *    other working, the closed one can be opened again, and the group
 *    cannot leave its container while a device is open;
 *  - container.*: the primary's group and the shared group in one type1
 *    container (VFIO_SET_IOMMU once); MSIs on the primary while the wired
 *    lines of both extra devices fire, from three threads at once; then
 *    one group leaves the container (VFIO_GROUP_UNSET_CONTAINER, refused
 *    while one of its devices is open) and the other keeps working.
 *
 * In VFIO no-IOMMU mode every device gets a group of its own: the group
 * tests (shared_group, viability) skip; two_devices and the container
 * tests run with a no-IOMMU group per device, all in one
 * VFIO_NOIOMMU_IOMMU container.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vpm_harness.h"
#include "msi.h"
#include "pdev.h"
#include "testdev.h"
#include "vfio_dev.h"

/* vfio-platform-msi's driver, by the name in effect (driver_name) */
#define DRIVER		pdev_vpm_driver()
#define HOST_DRIVER	"vpmsi_testhost"
#define NEXTRA		2
#define NDEV		(NEXTRA + 1)	/* the primary is devs[0] */
#define PRIMARY		0
#define GROUP_WAIT_MS	2000
#define ROUNDS		50		/* per device in the concurrent test */
#define TEST_SECS	300		/* the debug kernel under TCG is slow */
#define DMA_IOVA	0x100000ull
#define UNSAFE_PARAM	"/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"

/* the board's wired-only devices (lib/pdev.h: 1 and 2) */
#define extra_names(i)	pdev_board_device((i) + 1)

struct tdev {
	const char *name;
	char group_path[64];
	int group;		/* index in grp[], or -1 */
	int fd;			/* device fd, or -1 */
	void *regs;		/* region 0, or NULL */
	int efd[VD_NUM_WIRED];	/* one per wired line, or -1 */
	int msi_efd;		/* the primary's vector 0, or -1 */
	struct vfio_device_info info;
};

struct tgroup {
	char path[64];
	int fd;
};

/* Why the extra devices cannot be used here, or NULL */
static const char *board_missing(void)
{
	static char why[128];
	unsigned int i;

	if (geteuid())
		return "needs root (binds devices)";
	for (i = 0; i < NEXTRA; i++) {
		if (!pdev_exists(extra_names(i))) {
			snprintf(why, sizeof(why),
				 "no platform device %s (board without the extra test devices)",
				 extra_names(i));
			return why;
		}
	}
	if (!pdev_driver_exists(DRIVER)) {
		snprintf(why, sizeof(why), "%s is not loaded", DRIVER);
		return why;
	}
	return NULL;
}

static void tdev_init(struct tdev *d, const char *name)
{
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->name = name;
	d->group = -1;
	d->fd = -1;
	d->msi_efd = -1;
	for (i = 0; i < VD_NUM_WIRED; i++)
		d->efd[i] = -1;
}

static void tdev_close(struct tdev *d)
{
	unsigned int i;

	if (d->regs) {
		/* leave no level line asserted behind */
		td_line(d->regs, VPMSI_LINE_LEVEL, VPMSI_LINE_OP_DEASSERT, 1,
			VD_DEV_MS);
		munmap(d->regs, VPMSI_WINDOW_SIZE);
		d->regs = NULL;
	}
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	for (i = 0; i < VD_NUM_WIRED; i++) {
		if (d->efd[i] >= 0)
			close(d->efd[i]);
		d->efd[i] = -1;
	}
	if (d->msi_efd >= 0)
		close(d->msi_efd);
	d->msi_efd = -1;
}

static bool is_noiommu(const char *group_path)
{
	return vfio_dev_iommu_type_of(group_path) == VFIO_NOIOMMU_IOMMU;
}

static int group_flags(int groupfd)
{
	uint32_t flags = 0;
	int ret = vfio_dev_group_status(groupfd, &flags);

	return ret ? ret : (int)flags;
}

FIXTURE(multi) {
	struct pdev_state saved[NEXTRA];
	bool saved_ok[NEXTRA];
	struct tdev devs[NDEV];
	struct tgroup grp[NDEV];
	unsigned int ngrp;
	int container;
	bool noiommu;
	bool have_primary;
	char unsafe_saved[8];	/* allow_unsafe_interrupts to restore, or "" */
};

/*
 * Setup: what can be checked without changing anything, and the state to
 * put back. Returns why the test cannot run, or NULL. Nothing that needs
 * undoing happens here: the harness runs no teardown after a failed or
 * skipped setup.
 */
static const char *extras_prepare(FIXTURE_DATA(multi) *self)
{
	const char *why = board_missing();
	unsigned int i;

	self->container = -1;
	for (i = 0; i < NDEV; i++) {
		tdev_init(&self->devs[i], i == PRIMARY ? msi_dev_name() :
			  extra_names(i - 1));
		self->grp[i].fd = -1;
	}
	if (why)
		return why;
	for (i = 0; i < NEXTRA; i++) {
		if (pdev_save(extra_names(i), &self->saved[i]))
			return "cannot read the extra devices' binding";
		self->saved_ok[i] = true;
	}
	return NULL;
}

/*
 * First thing in every test: bind the extra devices to vfio-platform-msi
 * and find every device's group. The primary is used if the runner bound
 * it to vfio-platform-msi.
 */
static void bind_extras(struct __test_metadata *_metadata,
			FIXTURE_DATA(multi) *self)
{
	unsigned int i;

	for (i = 0; i < NEXTRA; i++) {
		struct tdev *d = &self->devs[i + 1];

		VD_ASSERT_OK(pdev_bind(d->name, DRIVER));
		VD_ASSERT_OK(pdev_vfio_group(d->name, d->group_path,
					     sizeof(d->group_path),
					     GROUP_WAIT_MS));
	}
	self->noiommu = is_noiommu(self->devs[1].group_path);

	self->have_primary = self->devs[PRIMARY].name &&
			     pdev_bound_to(self->devs[PRIMARY].name, DRIVER);
	if (self->have_primary) {
		struct tdev *p = &self->devs[PRIMARY];

		VD_ASSERT_OK(pdev_vfio_group(p->name, p->group_path,
					     sizeof(p->group_path),
					     GROUP_WAIT_MS));
	}
}

/*
 * The teardown runs in the harness's parent process (a test that timed out
 * was killed, and still has to be undone): the test's fds were closed when
 * it exited, and unbinding waits until the kernel released them.
 */
static void extras_restore(struct __test_metadata *_metadata,
			   FIXTURE_DATA(multi) *self)
{
	unsigned int i;

	if (self->unsafe_saved[0])
		EXPECT_EQ(0, msi_write_str(UNSAFE_PARAM, self->unsafe_saved));
	for (i = 0; i < NEXTRA; i++) {
		if (!self->saved_ok[i])
			continue;
		EXPECT_EQ(0, pdev_restore(extra_names(i), &self->saved[i]))
			TH_LOG("cannot restore %s to \"%s\"", extra_names(i),
			       self->saved[i].driver);
	}
}

FIXTURE_SETUP(multi)
{
	const char *why = extras_prepare(self);

	if (why)
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN_PARENT(multi)
{
	extras_restore(_metadata, self);
}

/* Open the device fd of @d from its group, map its window, reset it */
static void dev_open(struct __test_metadata *_metadata,
		     FIXTURE_DATA(multi) *self, struct tdev *d)
{
	struct vfio_region_info ri;
	unsigned int i;
	int fd;

	ASSERT_LE(0, d->group);
	fd = ioctl(self->grp[d->group].fd, VFIO_GROUP_GET_DEVICE_FD, d->name);
	ASSERT_LE(0, fd) TH_LOG("VFIO_GROUP_GET_DEVICE_FD(%s): %s", d->name,
				vd_errno_name(errno));
	d->fd = fd;
	VD_ASSERT_OK(vfio_dev_device_info(fd, &d->info));
	ASSERT_TRUE(d->info.flags & VFIO_DEVICE_FLAGS_PLATFORM);
	ASSERT_LE(VD_NUM_WIRED, d->info.num_irqs);
	VD_ASSERT_OK(vfio_dev_region_info(fd, VD_REGION_REGS, &ri));
	d->regs = vfio_dev_mmap(fd, &ri, 0, VPMSI_WINDOW_SIZE);
	ASSERT_NE(NULL, d->regs) TH_LOG("mmap of %s: %s", d->name,
					vd_errno_name(errno));
	VD_ASSERT_OK(td_reset(d->regs, VD_DEV_MS));
	for (i = 0; i < VD_NUM_WIRED; i++) {
		d->efd[i] = efd_create();
		VD_ASSERT_OK(d->efd[i]);
		VD_ASSERT_OK(vfio_irq_set_trigger(fd, i, d->efd[i]));
	}
}

/*
 * VFIO's type1 backend takes a group only if its devices cannot forge MSIs.
 * On 6.12 that is checked per device, and the extra devices, which have no
 * MSI parent, fail it: the backend refuses them with EPERM unless
 * vfio_iommu_type1.allow_unsafe_interrupts is set (admin-guide.rst,
 * "Requirements"; 6.1 checks the system's MSI controllers instead and
 * accepts them). After such a refusal, switch the parameter on (the
 * teardown puts it back) and return true: the caller tries once more.
 */
static bool allow_unsafe(struct __test_metadata *_metadata,
			 FIXTURE_DATA(multi) *self, int err, const char *what)
{
	char cur[8];

	if (self->noiommu || err != EPERM || self->unsafe_saved[0])
		return false;
	if (msi_read_line(UNSAFE_PARAM, cur, sizeof(cur)) ||
	    strcmp(cur, "N"))
		return false;
	TH_LOG("%s: EPERM (no isolated MSI for wired-only devices): %s",
	       what, "setting allow_unsafe_interrupts");
	if (msi_write_str(UNSAFE_PARAM, "1"))
		return false;
	snprintf(self->unsafe_saved, sizeof(self->unsafe_saved), "0");
	return true;
}

/* VFIO_GROUP_SET_CONTAINER, see allow_unsafe(): 0 or -errno */
static int join(struct __test_metadata *_metadata, FIXTURE_DATA(multi) *self,
		int groupfd)
{
	int err;

	if (!ioctl(groupfd, VFIO_GROUP_SET_CONTAINER, &self->container))
		return 0;
	err = errno;
	if (!allow_unsafe(_metadata, self, err, "VFIO_GROUP_SET_CONTAINER"))
		return -err;
	return ioctl(groupfd, VFIO_GROUP_SET_CONTAINER, &self->container) ?
	       -errno : 0;
}

/* VFIO_SET_IOMMU, see allow_unsafe(): 0 or -errno */
static int set_iommu(struct __test_metadata *_metadata,
		     FIXTURE_DATA(multi) *self, unsigned long type)
{
	int err;

	if (!ioctl(self->container, VFIO_SET_IOMMU, type))
		return 0;
	err = errno;
	if (!allow_unsafe(_metadata, self, err, "VFIO_SET_IOMMU"))
		return -err;
	return ioctl(self->container, VFIO_SET_IOMMU, type) ? -errno : 0;
}

/*
 * Open the container and attach the groups of devs[first..NDEV), each
 * group once; VFIO_SET_IOMMU after the first. Fills devs[].group.
 */
static void attach_all(struct __test_metadata *_metadata,
		       FIXTURE_DATA(multi) *self, unsigned int first)
{
	struct vfio_dev vd;
	unsigned long type;
	unsigned int i, g;
	int flags;

	type = vfio_dev_iommu_type_of(self->devs[first].group_path);
	vfio_dev_init(&vd);
	VD_ASSERT_OPEN(&vd, vfio_dev_open_container_type(&vd, type));
	self->container = vd.container;

	for (i = first; i < NDEV; i++) {
		struct tdev *d = &self->devs[i];

		for (g = 0; g < self->ngrp; g++)
			if (!strcmp(self->grp[g].path, d->group_path))
				break;
		d->group = g;
		if (g < self->ngrp)
			continue;

		vfio_dev_init(&vd);
		VD_ASSERT_OPEN(&vd, vfio_dev_open_group_path(&vd,
							     d->group_path));
		self->grp[g].fd = vd.group;
		snprintf(self->grp[g].path, sizeof(self->grp[g].path), "%s",
			 d->group_path);
		self->ngrp++;
		VD_ASSERT_OK(join(_metadata, self, vd.group));
		flags = group_flags(vd.group);
		ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE |
			  VFIO_GROUP_FLAGS_CONTAINER_SET, flags)
			TH_LOG("%s after SET_CONTAINER", d->group_path);
		if (g == 0)
			VD_ASSERT_OK(set_iommu(_metadata, self, type));
	}
	/* One IOMMU model per container: a second one is refused */
	ASSERT_EQ(-1, ioctl(self->container, VFIO_SET_IOMMU, type));
	ASSERT_EQ(EINVAL, errno) TH_LOG("second VFIO_SET_IOMMU: %s",
					vd_errno_name(errno));
}

/* Fire @line of @d once and see it on its eventfd, and nowhere else */
static void line_once(struct __test_metadata *_metadata,
		      FIXTURE_DATA(multi) *self, struct tdev *d,
		      unsigned int line)
{
	bool level = line == VPMSI_LINE_LEVEL;
	char what[128];
	uint64_t v = 0;
	unsigned int i, l;

	snprintf(what, sizeof(what), "%s line %u", d->name, line);
	VD_ASSERT_OK(td_line(d->regs, line, level ? VPMSI_LINE_OP_ASSERT :
			     VPMSI_LINE_OP_PULSE, 1, VD_DEV_MS));
	VD_ASSERT_EVENT(d->efd[line], &v, what);
	ASSERT_EQ(1, v) TH_LOG("%s", what);
	if (level) {
		VD_ASSERT_OK(td_line(d->regs, line, VPMSI_LINE_OP_DEASSERT, 1,
				     VD_DEV_MS));
		VD_ASSERT_OK(vfio_irq_unmask(d->fd, line));
	}
	/* then nothing, on any line of any open device, for a while */
	usleep(VD_QUIET_MS * 1000);
	for (i = 0; i < NDEV; i++) {
		for (l = 0; l < VD_NUM_WIRED; l++) {
			struct tdev *o = &self->devs[i];

			if (o->efd[l] < 0)
				continue;
			v = efd_drain(o->efd[l]);
			ASSERT_EQ(0, v) TH_LOG("%s line %u: %llu events after %s line %u fired",
					       o->name, l, (unsigned long long)v,
					       d->name, line);
		}
	}
}

TEST_F_TIMEOUT(multi, shared_group, TEST_SECS)
{
	struct tdev *a = &self->devs[1], *b = &self->devs[2];
	char path[128];
	int ga, gb;

	bind_extras(_metadata, self);
	if (self->noiommu)
		SKIP(return, "VFIO no-IOMMU mode: every device has a group of its own");
	ga = pdev_iommu_group(a->name);
	gb = pdev_iommu_group(b->name);
	ASSERT_LE(0, ga);
	ASSERT_EQ(ga, gb) TH_LOG("%s in group %d, %s in group %d", a->name,
				 ga, b->name, gb);
	if (self->have_primary)
		ASSERT_NE(ga, pdev_iommu_group(self->devs[PRIMARY].name))
			TH_LOG("the primary shares group %d", ga);
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/devices", ga);
	ASSERT_EQ(NEXTRA, msi_dir_entries(path));
	ASSERT_STREQ(a->group_path, b->group_path);
}

TEST_F_TIMEOUT(multi, viability, TEST_SECS)
{
	struct tdev *a = &self->devs[1], *b = &self->devs[2];
	int container, gfd, fd, flags;
	struct vfio_dev vd;
	char drv[PDEV_NAME_LEN];

	bind_extras(_metadata, self);
	if (self->noiommu)
		SKIP(return, "VFIO no-IOMMU mode: every device has a group of its own");
	if (!pdev_driver_exists(HOST_DRIVER))
		SKIP(return, HOST_DRIVER " is not loaded");
	if (self->devs[PRIMARY].name &&
	    pdev_bound_to(self->devs[PRIMARY].name, HOST_DRIVER))
		SKIP(return, HOST_DRIVER " (one device only) holds the primary");

	/* Both on vfio-platform-msi */
	gfd = open(a->group_path, O_RDWR | O_CLOEXEC);
	VD_ASSERT_SYS(gfd);
	self->grp[0].fd = gfd;
	flags = group_flags(gfd);
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE, flags) TH_LOG("both on %s", DRIVER);
	close(gfd);
	self->grp[0].fd = -1;

	/* One on a kernel driver with DMA API: not viable */
	VD_ASSERT_OK(pdev_bind(b->name, HOST_DRIVER));
	gfd = open(a->group_path, O_RDWR | O_CLOEXEC);
	VD_ASSERT_SYS(gfd);
	self->grp[0].fd = gfd;
	flags = group_flags(gfd);
	ASSERT_LE(0, flags);
	ASSERT_EQ(0, flags & VFIO_GROUP_FLAGS_VIABLE)
		TH_LOG("%s on %s: flags 0x%x", b->name, HOST_DRIVER, flags);
	vfio_dev_init(&vd);
	VD_ASSERT_OPEN(&vd, vfio_dev_open_container_type(&vd,
							 VFIO_TYPE1v2_IOMMU));
	container = vd.container;
	self->container = container;
	ASSERT_EQ(-1, ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &container));
	ASSERT_EQ(EPERM, errno) TH_LOG("SET_CONTAINER of a non-viable group: %s",
				       vd_errno_name(errno));
	ASSERT_EQ(-1, ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, a->name));

	/* The other one without driver: viable again */
	VD_ASSERT_OK(pdev_unbind(b->name));
	flags = group_flags(gfd);
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE, flags)
		TH_LOG("%s without driver", b->name);
	VD_ASSERT_OK(join(_metadata, self, gfd));
	VD_ASSERT_OK(set_iommu(_metadata, self, VFIO_TYPE1v2_IOMMU));

	/* Userspace holds the group: a DMA API driver cannot bind */
	ASSERT_NE(0, pdev_bind(b->name, HOST_DRIVER))
		TH_LOG("%s bound to %s while the group is in a container",
		       b->name, HOST_DRIVER);
	VD_ASSERT_OK(pdev_driver(b->name, drv, sizeof(drv)));
	ASSERT_STREQ("", drv);
	flags = group_flags(gfd);
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET,
		  flags);

	/* A's device works; B is no VFIO device now */
	fd = ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, a->name);
	ASSERT_LE(0, fd) TH_LOG("GET_DEVICE_FD(%s): %s", a->name,
				vd_errno_name(errno));
	a->fd = fd;
	ASSERT_EQ(-1, ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, b->name));
	tdev_close(a);
	VD_ASSERT_SYS(ioctl(gfd, VFIO_GROUP_UNSET_CONTAINER));
	close(gfd);
	self->grp[0].fd = -1;

	/* And back on vfio-platform-msi: viable */
	VD_ASSERT_OK(pdev_bind(b->name, DRIVER));
	gfd = open(a->group_path, O_RDWR | O_CLOEXEC);
	VD_ASSERT_SYS(gfd);
	self->grp[0].fd = gfd;
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE, group_flags(gfd));
}

TEST_F_TIMEOUT(multi, two_devices, TEST_SECS)
{
	struct tdev *a = &self->devs[1], *b = &self->devs[2];
	uint64_t v = 0;
	unsigned int i, l;

	bind_extras(_metadata, self);
	attach_all(_metadata, self, 1);
	/* no-IOMMU mode: a group per device, both in the one container */
	ASSERT_EQ(self->noiommu ? NEXTRA : 1, self->ngrp);
	dev_open(_metadata, self, a);
	dev_open(_metadata, self, b);
	ASSERT_NE(a->fd, b->fd);

	for (i = 1; i < NDEV; i++) {
		struct tdev *d = &self->devs[i];

		/* no msi-parent: the wired lines only */
		ASSERT_EQ(VD_NUM_WIRED, d->info.num_irqs) TH_LOG("%s", d->name);
		ASSERT_EQ(VD_NUM_REGIONS, d->info.num_regions);
		ASSERT_EQ(VPMSI_ID, td_rd32(d->regs, VPMSI_REG_ID));
	}
	/* Two windows: what is written to one is not in the other */
	td_wr32(a->regs, VPMSI_REG_SCRATCH, 0xa11ce);
	td_wr32(b->regs, VPMSI_REG_SCRATCH, 0xb0b);
	ASSERT_EQ(0xa11ce, td_rd32(a->regs, VPMSI_REG_SCRATCH));
	ASSERT_EQ(0xb0b, td_rd32(b->regs, VPMSI_REG_SCRATCH));

	for (i = 1; i < NDEV; i++)
		for (l = 0; l < VD_NUM_WIRED; l++)
			line_once(_metadata, self, &self->devs[i], l);
	ASSERT_EQ(1, td_rd32(a->regs, VPMSI_REG_LINE_RAISED(VPMSI_LINE_EDGE)));
	ASSERT_EQ(1, td_rd32(b->regs, VPMSI_REG_LINE_RAISED(VPMSI_LINE_EDGE)));

	/* Closing A leaves B alone */
	tdev_close(a);
	for (l = 0; l < VD_NUM_WIRED; l++)
		line_once(_metadata, self, b, l);

	/* A again, from the same group fd, while B is open */
	dev_open(_metadata, self, a);
	for (l = 0; l < VD_NUM_WIRED; l++) {
		line_once(_metadata, self, a, l);
		line_once(_metadata, self, b, l);
	}

	/* The group cannot leave its container while a device is open */
	ASSERT_EQ(-1, ioctl(self->grp[a->group].fd,
			    VFIO_GROUP_UNSET_CONTAINER));
	ASSERT_EQ(EBUSY, errno) TH_LOG("UNSET_CONTAINER: %s",
				       vd_errno_name(errno));
	VD_ASSERT_OK(td_line(b->regs, VPMSI_LINE_EDGE, VPMSI_LINE_OP_PULSE, 1,
			     VD_DEV_MS));
	VD_ASSERT_EVENT(b->efd[VPMSI_LINE_EDGE], &v, "B after a failed unset");
}

/* One device's share of the concurrent rounds */
struct worker {
	pthread_t thread;
	struct tdev *d;
	bool msi;		/* vector 0, else the edge line */
	unsigned int rounds;
	unsigned int events;	/* eventfd counts seen */
	int err;		/* first error, -errno */
	char why[96];
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	int efd = w->msi ? w->d->msi_efd : w->d->efd[VPMSI_LINE_EDGE];
	unsigned int i;
	uint64_t v;
	int ret;

	for (i = 0; i < w->rounds; i++) {
		if (w->msi)
			ret = td_fire(w->d->regs, 0, 1, VD_DEV_MS);
		else
			ret = td_line(w->d->regs, VPMSI_LINE_EDGE,
				      VPMSI_LINE_OP_PULSE, 1, VD_DEV_MS);
		if (ret) {
			snprintf(w->why, sizeof(w->why), "round %u: request", i);
			w->err = ret;
			break;
		}
		v = 0;
		ret = efd_wait(efd, VD_EVENT_MS, &v);
		if (ret != 1) {
			snprintf(w->why, sizeof(w->why),
				 "round %u: no event within %d ms", i,
				 VD_EVENT_MS);
			w->err = ret < 0 ? ret : -ETIMEDOUT;
			break;
		}
		w->events += v;
	}
	return NULL;
}

/* The primary's vector 0 on its own eventfd */
static void primary_msi(struct __test_metadata *_metadata,
			struct tdev *p)
{
	uint32_t index = VD_NUM_WIRED;
	int32_t fd;

	/* Ask for one MSI; the index then follows the wired lines */
	VD_ASSERT_OK(msi_opt_in(p->fd, 1));
	VD_ASSERT_OK(vfio_dev_device_info(p->fd, &p->info));
	ASSERT_LT(VD_NUM_WIRED, p->info.num_irqs)
		TH_LOG("%s has no MSI index", p->name);
	p->msi_efd = efd_create();
	VD_ASSERT_OK(p->msi_efd);
	fd = p->msi_efd;
	VD_ASSERT_OK(msi_set_fds(p->fd, index, VFIO_IRQ_SET_ACTION_TRIGGER,
				 0, 1, &fd));
}

/* DMA mapping through the container: it has a working IOMMU model */
static void dma_map_unmap(struct __test_metadata *_metadata,
			  FIXTURE_DATA(multi) *self)
{
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	size_t len = (size_t)sysconf(_SC_PAGESIZE);
	void *buf;

	if (self->noiommu)
		return;	/* no DMA mapping in no-IOMMU mode */
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = (uintptr_t)buf;
	map.iova = DMA_IOVA;
	map.size = len;
	unmap.iova = DMA_IOVA;
	unmap.size = len;
	EXPECT_EQ(0, ioctl(self->container, VFIO_IOMMU_MAP_DMA, &map))
		TH_LOG("MAP_DMA: %s", vd_errno_name(errno));
	EXPECT_EQ(0, ioctl(self->container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		TH_LOG("UNMAP_DMA: %s", vd_errno_name(errno));
	EXPECT_EQ(len, unmap.size);
	munmap(buf, len);
}

FIXTURE(container) {
	FIXTURE_DATA(multi) m;
};

FIXTURE_VARIANT(container) {
	bool drop_primary;	/* else the extra devices' group(s) leave */
};

FIXTURE_VARIANT_ADD(container, drop_shared) {
	.drop_primary = false,
};

FIXTURE_VARIANT_ADD(container, drop_primary) {
	.drop_primary = true,
};

FIXTURE_SETUP(container)
{
	const char *why = extras_prepare(&self->m);

	if (!why)
		why = vfio_dev_env_missing();
	if (why)
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN_PARENT(container)
{
	extras_restore(_metadata, &self->m);
}

TEST_F_TIMEOUT(container, three_devices, TEST_SECS)
{
	FIXTURE_DATA(multi) *m = &self->m;
	struct tdev *p = &m->devs[PRIMARY];
	struct worker w[NDEV];
	unsigned int i, g;
	uint64_t v = 0;
	int flags;

	bind_extras(_metadata, m);
	if (!m->have_primary)
		SKIP(return, "%s is not bound to %s", msi_dev_name(), DRIVER);
	attach_all(_metadata, m, PRIMARY);
	ASSERT_EQ(m->noiommu ? NDEV : 2, m->ngrp);
	for (i = 0; i < NDEV; i++)
		dev_open(_metadata, m, &m->devs[i]);
	primary_msi(_metadata, p);
	dma_map_unmap(_metadata, m);

	/* MSIs on the primary, edges on the others, all at once */
	memset(w, 0, sizeof(w));
	for (i = 0; i < NDEV; i++) {
		w[i].d = &m->devs[i];
		w[i].msi = i == PRIMARY;
		w[i].rounds = ROUNDS;
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, worker_fn,
					    &w[i]));
	}
	for (i = 0; i < NDEV; i++)
		pthread_join(w[i].thread, NULL);
	for (i = 0; i < NDEV; i++) {
		EXPECT_EQ(0, w[i].err) TH_LOG("%s: %s: %s", w[i].d->name,
					      w[i].why,
					      vd_errno_name(-w[i].err));
		EXPECT_EQ(ROUNDS, w[i].events) TH_LOG("%s", w[i].d->name);
	}
	ASSERT_EQ(0, _metadata->exit_code);
	EXPECT_EQ(ROUNDS, td_count(p->regs, 0));
	for (i = 1; i < NDEV; i++)
		EXPECT_EQ(ROUNDS, td_rd32(m->devs[i].regs,
					  VPMSI_REG_LINE_RAISED(VPMSI_LINE_EDGE)));
	for (i = 0; i < NDEV; i++) {
		VD_ASSERT_QUIET(m->devs[i].efd[VPMSI_LINE_EDGE], "after the rounds");
		VD_ASSERT_QUIET(m->devs[i].efd[VPMSI_LINE_LEVEL], "after the rounds");
	}
	VD_ASSERT_QUIET(p->msi_efd, "after the rounds");

	/* One group leaves: first refused while one of its devices is open */
	if (variant->drop_primary) {
		ASSERT_EQ(-1, ioctl(m->grp[p->group].fd,
				    VFIO_GROUP_UNSET_CONTAINER));
		ASSERT_EQ(EBUSY, errno);
		tdev_close(p);
		VD_ASSERT_SYS(ioctl(m->grp[p->group].fd,
				    VFIO_GROUP_UNSET_CONTAINER));
		flags = group_flags(m->grp[p->group].fd);
		ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE, flags);
		for (i = 1; i < NDEV; i++)
			for (g = 0; g < VD_NUM_WIRED; g++)
				line_once(_metadata, m, &m->devs[i], g);
	} else {
		struct tdev *a = &m->devs[1];

		ASSERT_EQ(-1, ioctl(m->grp[a->group].fd,
				    VFIO_GROUP_UNSET_CONTAINER));
		ASSERT_EQ(EBUSY, errno);
		for (i = 1; i < NDEV; i++)
			tdev_close(&m->devs[i]);
		for (g = 0; g < m->ngrp; g++) {
			if (g == p->group)
				continue;
			VD_ASSERT_SYS(ioctl(m->grp[g].fd,
					    VFIO_GROUP_UNSET_CONTAINER));
			ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE,
				  group_flags(m->grp[g].fd));
		}
		for (i = 0; i < 8; i++) {
			VD_ASSERT_OK(td_fire(p->regs, 0, 1, VD_DEV_MS));
			VD_ASSERT_EVENT(p->msi_efd, &v, "primary MSI");
			ASSERT_EQ(1, v);
		}
		for (g = 0; g < VD_NUM_WIRED; g++)
			line_once(_metadata, m, p, g);
	}
	dma_map_unmap(_metadata, m);
}

TEST_HARNESS_MAIN
