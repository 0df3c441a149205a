// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: the real VFIO platform clients' discovery and use
 * rules, followed as those programs follow them (their sources as read in
 * 2026, see the comments of each test). They find the driver by its name,
 * "vfio-platform", which vfio-platform-msi registers on a kernel without
 * upstream vfio-platform (module parameter driver_name).
 *
 *  - names.*: the name in effect belongs to vfio-platform-msi, the name
 *    "vfio-platform" to it or to upstream's module, and every driver of
 *    the two names binds the test device and opens as a platform device.
 *  - clients.android: Android's virtualization service: driver directory,
 *    driver_override + drivers_probe, the driver link canonicalized,
 *    iommu_group, the legacy container/group open.
 *  - clients.dpdk: DPDK's platform bus scan (driver link basename strcmp),
 *    VFIO_DEVICE_FLAGS_PLATFORM, every region mmapped at its full size
 *    whatever its MMAP flag.
 *  - clients.crosvm_irqs, clients.crosvm_regions: crosvm's get_irqs()
 *    (every index has count 1; AUTOMASKED: level, trigger + unmask
 *    eventfds, else edge, trigger only) and its region handling (mmap the
 *    MMAP ones, pread/pwrite of the access size for the others).
 *
 * The "vfio-platform" tests use whichever driver carries that name: ours
 * on the stock kernels (and on the debug kernel loaded with
 * driver_name=vfio-platform), upstream's on the debug kernel by default.
 * The test device is bound back to its driver afterwards.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* The name the clients hard-code */
#define CLIENT_DRIVER	"vfio-platform"
#define CLIENT_DRV_DIR	PDEV_SYS_DRIVERS "/" CLIENT_DRIVER
#define GROUP_WAIT_MS	2000	/* for devtmpfs to create /dev/vfio/N */
#define VPM_MODULE	"vfio_platform_msi"
#define UPSTREAM_MODULE	"vfio_platform"

FIXTURE(clients) {
	char dev[PDEV_NAME_LEN];
	struct pdev_state saved;
	bool saved_ok;
	char group_path[PATH_MAX];
	int container, group, device;
	struct vfio_device_info info;
};

/* The module a platform driver belongs to, "" if none (built in) */
static void driver_module(const char *drv, char *buf, size_t len)
{
	char path[PATH_MAX], real[PATH_MAX];
	const char *base;

	buf[0] = '\0';
	snprintf(path, sizeof(path), PDEV_SYS_DRIVERS "/%s/module", drv);
	if (!realpath(path, real))
		return;
	base = strrchr(real, '/');
	base = base ? base + 1 : real;
	if (strlen(base) < len)
		memcpy(buf, base, strlen(base) + 1);
}

/*
 * What every client does once the device is bound: the legacy container
 * and group (crosvm and Android have no iommufd path, DPDK's platform bus
 * uses rte_vfio_setup_device()), then the device fd and its info.
 */
static void client_open(struct __test_metadata *_metadata,
			FIXTURE_DATA(clients) *self)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	unsigned long type;
	int ret;

	ret = pdev_vfio_group(self->dev, self->group_path,
			      sizeof(self->group_path), GROUP_WAIT_MS);
	ASSERT_EQ(0, ret) TH_LOG("no VFIO group for %s: %s", self->dev,
				 vd_errno_name(-ret));
	type = vfio_dev_iommu_type_of(self->group_path);

	self->container = open(VFIO_DEV_CONTAINER, O_RDWR | O_CLOEXEC);
	VD_ASSERT_SYS(self->container);
	ASSERT_EQ(VFIO_API_VERSION,
		  ioctl(self->container, VFIO_GET_API_VERSION));
	ASSERT_LT(0, ioctl(self->container, VFIO_CHECK_EXTENSION, type));

	self->group = open(self->group_path, O_RDWR | O_CLOEXEC);
	VD_ASSERT_SYS(self->group);
	VD_ASSERT_SYS(ioctl(self->group, VFIO_GROUP_GET_STATUS, &st));
	ASSERT_TRUE(st.flags & VFIO_GROUP_FLAGS_VIABLE);
	VD_ASSERT_SYS(ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			    &self->container));
	VD_ASSERT_SYS(ioctl(self->container, VFIO_SET_IOMMU, type));

	self->device = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, self->dev);
	VD_ASSERT_SYS(self->device);
	VD_ASSERT_OK(vfio_dev_device_info(self->device, &self->info));
	/* crosvm and DPDK take the device type from here */
	ASSERT_TRUE(self->info.flags & VFIO_DEVICE_FLAGS_PLATFORM)
		TH_LOG("flags 0x%x", self->info.flags);
}

static void client_close(FIXTURE_DATA(clients) *self)
{
	if (self->device >= 0)
		close(self->device);
	if (self->group >= 0)
		close(self->group);
	if (self->container >= 0)
		close(self->container);
	self->device = -1;
	self->group = -1;
	self->container = -1;
}

FIXTURE_SETUP(clients)
{
	const char *name = msi_dev_name();

	self->container = -1;
	self->group = -1;
	self->device = -1;
	if (geteuid())
		SKIP(return, "needs root (binds the test device)");
	if (!name)
		SKIP(return, "no %s in the environment", VFIO_DEV_ENV_DEVICE);
	snprintf(self->dev, sizeof(self->dev), "%s", name);
	ASSERT_TRUE(pdev_exists(self->dev));
	VD_ASSERT_OK(pdev_save(self->dev, &self->saved));
	self->saved_ok = true;
	/* vfio-platform-msi's name is always there, vfio-platform may not be */
	ASSERT_TRUE(pdev_driver_exists(pdev_vpm_driver()))
		TH_LOG("vfio-platform-msi (%s) is not loaded", pdev_vpm_driver());
	if (!pdev_driver_exists(CLIENT_DRIVER))
		SKIP(return, "vfio-platform-msi is %s and upstream %s is not loaded",
		     pdev_vpm_driver(), CLIENT_DRIVER);
}

/* In the parent, after the test (lib/vpm_harness.h): no child resource */
FIXTURE_TEARDOWN_PARENT(clients)
{
	if (self->saved_ok)
		EXPECT_EQ(0, pdev_restore(self->dev, &self->saved));
}

/*
 * The name in effect is vfio-platform-msi's, and "vfio-platform" is
 * either that name or upstream's module. Then every driver of the two
 * names binds the device and serves it as a platform device: on the debug
 * kernel by default, ours as vfio-platform-msi next to upstream's.
 */
TEST_F(clients, names)
{
	const char *names[2] = { pdev_vpm_driver(), CLIENT_DRIVER };
	char mod[64];
	int i, n = 1;

	driver_module(pdev_vpm_driver(), mod, sizeof(mod));
	ASSERT_STREQ(VPM_MODULE, mod)
		TH_LOG("%s belongs to \"%s\"", pdev_vpm_driver(), mod);
	if (strcmp(pdev_vpm_driver(), CLIENT_DRIVER)) {
		ASSERT_STREQ("vfio-platform-msi", pdev_vpm_driver());
		driver_module(CLIENT_DRIVER, mod, sizeof(mod));
		ASSERT_STREQ(UPSTREAM_MODULE, mod)
			TH_LOG(CLIENT_DRIVER " belongs to \"%s\"", mod);
		n = 2;
	}
	TH_LOG("vfio-platform-msi is %s%s", pdev_vpm_driver(),
	       n == 2 ? ", upstream's is vfio-platform" : "");

	for (i = 0; i < n; i++) {
		VD_ASSERT_OK(pdev_bind(self->dev, names[i]));
		ASSERT_TRUE(pdev_bound_to(self->dev, names[i]));
		client_open(_metadata, self);
		client_close(self);
	}
}

/*
 * Android's virtualization service (virtualizationservice/vfio_handler,
 * virtualizationmanager): /dev/vfio/vfio and the driver directory must
 * exist; "vfio-platform" goes to driver_override and the device's name to
 * drivers_probe; the driver link must canonicalize to exactly the driver
 * directory, the device must have an iommu_group. crosvm then opens it.
 */
TEST_F(clients, android)
{
	char path[PATH_MAX], real[PATH_MAX], mod[64];

	ASSERT_EQ(0, access(VFIO_DEV_CONTAINER, F_OK));
	ASSERT_EQ(0, access(CLIENT_DRV_DIR, F_OK));

	/* The device is handed over unbound */
	VD_ASSERT_OK(pdev_unbind(self->dev));
	snprintf(path, sizeof(path), PDEV_SYS_DEVS "/%s/driver_override",
		 self->dev);
	VD_ASSERT_OK(msi_write_str(path, CLIENT_DRIVER));
	VD_ASSERT_OK(msi_write_str(PDEV_SYS_BUS "/drivers_probe", self->dev));

	snprintf(path, sizeof(path), PDEV_SYS_DEVS "/%s/driver", self->dev);
	ASSERT_NE(NULL, realpath(path, real))
		TH_LOG("%s: %s", path, vd_errno_name(errno));
	ASSERT_STREQ(CLIENT_DRV_DIR, real);
	snprintf(path, sizeof(path), PDEV_SYS_DEVS "/%s/iommu_group",
		 self->dev);
	ASSERT_EQ(0, access(path, F_OK));

	client_open(_metadata, self);
	driver_module(CLIENT_DRIVER, mod, sizeof(mod));
	TH_LOG("%s served by module %s", CLIENT_DRIVER, mod);
}

/*
 * DPDK's platform bus (drivers/bus/platform): scan
 * /sys/bus/platform/devices, keep a device if its driver link's last
 * component is exactly "vfio-platform" (driver_override is not read),
 * open it through rte_vfio_setup_device(), require
 * VFIO_DEVICE_FLAGS_PLATFORM and mmap every region at its full size
 * without looking at the MMAP flag: any failure fails the probe.
 *
 * The test device's aux region is 0x100 bytes, smaller than a page: it
 * has no MMAP flag and its mmap fails with EINVAL (as with upstream
 * vfio-platform), so DPDK's probe of this device fails
 * (Documentation/uapi.rst). The register window maps.
 */
TEST_F(clients, dpdk)
{
	long page = sysconf(_SC_PAGESIZE);
	struct vfio_region_info ri;
	unsigned int i, mapped = 0, refused = 0;
	struct dirent *de;
	bool found = false;
	char drv[PDEV_NAME_LEN];
	DIR *d;
	void *p;

	VD_ASSERT_OK(pdev_bind(self->dev, CLIENT_DRIVER));

	d = opendir(PDEV_SYS_DEVS);
	ASSERT_NE(NULL, d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (pdev_driver(de->d_name, drv, sizeof(drv)) ||
		    strcmp(drv, CLIENT_DRIVER))
			continue;
		if (!strcmp(de->d_name, self->dev))
			found = true;
	}
	closedir(d);
	ASSERT_TRUE(found) TH_LOG("%s not found by the scan", self->dev);

	client_open(_metadata, self);
	ASSERT_EQ(VD_NUM_REGIONS, self->info.num_regions);
	for (i = 0; i < self->info.num_regions; i++) {
		VD_ASSERT_OK(vfio_dev_region_info(self->device, i, &ri));
		p = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->device, ri.offset);
		if (ri.flags & VFIO_REGION_INFO_FLAG_MMAP) {
			ASSERT_NE(MAP_FAILED, p)
				TH_LOG("region %u (0x%llx bytes): %s", i,
				       (unsigned long long)ri.size,
				       vd_errno_name(errno));
			if (i == VD_REGION_REGS)
				ASSERT_EQ(VPMSI_ID, vd_mmio_rd32(p, VPMSI_REG_ID));
			munmap(p, ri.size);
			mapped++;
			continue;
		}
		/* Only a region that is not page aligned goes without MMAP */
		ASSERT_TRUE(ri.size % page || ri.offset % page);
		ASSERT_EQ(MAP_FAILED, p);
		ASSERT_EQ(EINVAL, errno);
		TH_LOG("region %u (0x%llx bytes, no MMAP flag): mmap: EINVAL, DPDK's probe fails",
		       i, (unsigned long long)ri.size);
		refused++;
	}
	/* The test device: the register window maps, the aux region not */
	ASSERT_EQ(1, mapped);
	ASSERT_EQ(1, refused);
}

/*
 * crosvm's VfioDevice::get_irqs() (devices/src/vfio.rs): every IRQ index
 * must have count == 1, else the device is refused. An AUTOMASKED index
 * becomes a level interrupt with a trigger and an unmask (resample)
 * eventfd, any other an edge interrupt with a trigger. The events are
 * checked on the test device's lines: one per assertion of the level line
 * until the unmask eventfd is signalled, one per edge pulse.
 */
TEST_F(clients, crosvm_irqs)
{
	int trig[8], unmask[8], levels = 0, edges = 0;
	struct vfio_irq_info ii;
	struct vfio_region_info ri;
	uint64_t val;
	unsigned int i;
	void *regs;

	VD_ASSERT_OK(pdev_bind(self->dev, CLIENT_DRIVER));
	client_open(_metadata, self);
	/*
	 * The device has MSIs (2048 vectors), and nobody asked for them:
	 * crosvm sees the wired lines only, with no administrator step.
	 * Upstream's vfio-platform, which has the name on the debug kernel
	 * by default, offers no MSIs at all.
	 */
	if (!strcmp(pdev_vpm_driver(), CLIENT_DRIVER))
		ASSERT_EQ(0, msi_feature(self->device,
					 VFIO_PLATFORM_MSI_FEATURE_MSI,
					 VFIO_DEVICE_FEATURE_PROBE |
					 VFIO_DEVICE_FEATURE_GET, NULL, 0))
			TH_LOG("the test device should have MSIs");
	ASSERT_GE(8, self->info.num_irqs);
	VD_ASSERT_OK(vfio_dev_region_info(self->device, VD_REGION_REGS, &ri));
	regs = vfio_dev_mmap(self->device, &ri, 0, VPMSI_WINDOW_SIZE);
	ASSERT_NE(NULL, regs) TH_LOG("mmap: %s", vd_errno_name(errno));
	VD_ASSERT_OK(td_reset(regs, VD_DEV_MS));

	for (i = 0; i < self->info.num_irqs; i++) {
		VD_ASSERT_OK(vfio_dev_irq_info(self->device, i, &ii));
		ASSERT_EQ(1, ii.count)
			TH_LOG("crosvm refuses the device: index %u has count %u",
			       i, ii.count);
		ASSERT_TRUE(ii.flags & VFIO_IRQ_INFO_EVENTFD);
		trig[i] = efd_create();
		VD_ASSERT_OK(trig[i]);
		unmask[i] = -1;
		VD_ASSERT_OK(vfio_irq_set_trigger(self->device, i, trig[i]));
		if (!(ii.flags & VFIO_IRQ_INFO_AUTOMASKED)) {
			edges++;
			continue;
		}
		levels++;
		unmask[i] = efd_create();
		VD_ASSERT_OK(unmask[i]);
		VD_ASSERT_OK(vfio_irq_action(self->device, i,
					     VFIO_IRQ_SET_ACTION_UNMASK,
					     VFIO_IRQ_SET_DATA_EVENTFD,
					     unmask[i]));
	}
	/* The test device: index 0 its level line, index 1 its edge line */
	ASSERT_EQ(VD_NUM_WIRED, self->info.num_irqs);
	ASSERT_EQ(1, levels);
	ASSERT_EQ(1, edges);
	ASSERT_LE(0, unmask[VD_IRQ_LEVEL]);

	/* Level: one event, then masked until the resample eventfd */
	VD_ASSERT_OK(td_line(regs, VPMSI_LINE_LEVEL, VPMSI_LINE_OP_ASSERT, 1,
			     VD_DEV_MS));
	VD_ASSERT_EVENT(trig[VD_IRQ_LEVEL], &val, "level line asserted");
	ASSERT_EQ(0, efd_wait(trig[VD_IRQ_LEVEL], VD_QUIET_MS, &val))
		TH_LOG("a second event while automasked");
	VD_ASSERT_OK(td_line(regs, VPMSI_LINE_LEVEL, VPMSI_LINE_OP_DEASSERT, 1,
			     VD_DEV_MS));
	VD_ASSERT_OK(efd_signal(unmask[VD_IRQ_LEVEL], 1));
	ASSERT_EQ(0, efd_wait(trig[VD_IRQ_LEVEL], VD_QUIET_MS, &val))
		TH_LOG("an event with the line low");
	VD_ASSERT_OK(td_line(regs, VPMSI_LINE_LEVEL, VPMSI_LINE_OP_ASSERT, 1,
			     VD_DEV_MS));
	VD_ASSERT_EVENT(trig[VD_IRQ_LEVEL], &val, "level line asserted again");
	VD_ASSERT_OK(td_line(regs, VPMSI_LINE_LEVEL, VPMSI_LINE_OP_DEASSERT, 1,
			     VD_DEV_MS));

	/* Edge: one event per pulse */
	VD_ASSERT_OK(td_line(regs, VPMSI_LINE_EDGE, VPMSI_LINE_OP_PULSE, 1,
			     VD_DEV_MS));
	VD_ASSERT_EVENT(trig[VD_IRQ_EDGE], &val, "edge pulse");

	for (i = 0; i < self->info.num_irqs; i++) {
		VD_EXPECT_OK(vfio_irq_disable(self->device, i));
		close(trig[i]);
		if (unmask[i] >= 0)
			close(unmask[i]);
	}
	munmap(regs, VPMSI_WINDOW_SIZE);
}

/*
 * crosvm's regions (devices/src/platform/vfio_platform.rs): those with
 * the MMAP flag are mapped into the guest, the others trapped and served
 * with a pread or pwrite of the guest's access size (1, 2, 4 or 8 bytes).
 */
TEST_F(clients, crosvm_regions)
{
	unsigned int i, w, mapped = 0, trapped = 0;
	struct vfio_region_info ri;
	uint64_t val, want;
	void *p;

	VD_ASSERT_OK(pdev_bind(self->dev, CLIENT_DRIVER));
	client_open(_metadata, self);
	for (i = 0; i < self->info.num_regions; i++) {
		VD_ASSERT_OK(vfio_dev_region_info(self->device, i, &ri));
		if (ri.flags & VFIO_REGION_INFO_FLAG_MMAP) {
			p = vfio_dev_mmap(self->device, &ri, 0, ri.size);
			ASSERT_NE(NULL, p)
				TH_LOG("region %u: %s", i, vd_errno_name(errno));
			if (i == VD_REGION_REGS)
				ASSERT_EQ(VPMSI_ID, vd_mmio_rd32(p, VPMSI_REG_ID));
			munmap(p, ri.size);
			mapped++;
			continue;
		}
		/* The aux region is RAM: what is written reads back */
		ASSERT_EQ(VD_REGION_AUX, i);
		ASSERT_EQ(VPMSI_AUX_SIZE, ri.size);
		for (w = 1; w <= 8; w <<= 1) {
			want = (0x8877665544332211ULL >> (64 - 8 * w)) ^ w;
			VD_ASSERT_OK(vfio_dev_wr(self->device, &ri, 8 * w, w,
						 want));
			VD_ASSERT_OK(vfio_dev_rd(self->device, &ri, 8 * w, w,
						 &val));
			ASSERT_EQ(want, val) TH_LOG("%u-byte access", w);
		}
		trapped++;
	}
	/* The register window maps; the aux region is trapped */
	ASSERT_EQ(1, mapped);
	ASSERT_EQ(1, trapped);
	/* Trapped accesses of the register window work too */
	VD_ASSERT_OK(vfio_dev_region_info(self->device, VD_REGION_REGS, &ri));
	VD_ASSERT_OK(vfio_dev_rd(self->device, &ri, VPMSI_REG_ID, 4, &val));
	ASSERT_EQ(VPMSI_ID, val);
}

TEST_HARNESS_MAIN
