// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: runtime power management, VFIO_DEVICE_FEATURE_LOW_POWER_*
 * (Documentation/uapi.rst, "Runtime power management").
 *
 * The device's power state is seen from three sides: the runtime PM status
 * of the platform device (power/runtime_status in sysfs), the test device's
 * POWER register and POWER_OFFS counter (its plug-in turns it off and on),
 * read through the device model's debugfs copy of the window, which never
 * touches the device through VFIO, and what userspace gets from the device
 * fd. Suspend and resume are asynchronous: every wait is a poll with a
 * bounded timeout.
 *
 * The wake-up interrupt is the edge line (index 1): the model pulses it
 * for an external event (debugfs <address>.event) while the device is off
 * only with POWER.WAKE_EN, which the plug-in sets for an entry with
 * wake-up.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "vpm_harness.h"
#include "testdev.h"
#include "vfio_dev.h"

#define PM_MS		5000	/* a suspend or a resume happens within */
#define SCRATCH_VAL	0x5a5aa5a5u

/* One VFIO_DEVICE_FEATURE call; @len bytes of @data follow the header. */
static int feature(int devfd, uint32_t flags, const void *data, size_t len)
{
	struct {
		struct vfio_device_feature hdr;
		unsigned char data[64];
	} buf;

	memset(&buf, 0, sizeof(buf));
	if (len > sizeof(buf.data))
		return -E2BIG;
	buf.hdr.argsz = sizeof(buf.hdr) + len;
	buf.hdr.flags = flags;
	if (len)
		memcpy(buf.data, data, len);
	return ioctl(devfd, VFIO_DEVICE_FEATURE, &buf) ? -errno : 0;
}

static int pm_entry(int devfd)
{
	return feature(devfd, VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0);
}

static int pm_entry_wakeup(int devfd, int efd)
{
	struct vfio_device_low_power_entry_with_wakeup e = {
		.wakeup_eventfd = efd,
	};

	return feature(devfd, VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
		       &e, sizeof(e));
}

static int pm_exit(int devfd)
{
	return feature(devfd, VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_LOW_POWER_EXIT, NULL, 0);
}

static const char *dev_name(void)
{
	return getenv(VFIO_DEV_ENV_DEVICE);
}

/* power/runtime_status of the device: "active", "suspended", ... */
static int read_runtime_status(char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path),
		 "/sys/bus/platform/devices/%s/power/runtime_status",
		 dev_name());
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* Wait until runtime_status reads @want: 0, -ETIMEDOUT or -errno. */
static int wait_status(const char *want, int timeout_ms, char *last,
		       size_t len)
{
	uint64_t end = td_now_ns() + (uint64_t)timeout_ms * 1000000;
	int ret;

	do {
		ret = read_runtime_status(last, len);
		if (ret)
			return ret;
		if (!strcmp(last, want))
			return 0;
		usleep(2000);
	} while (td_now_ns() < end);
	return -ETIMEDOUT;
}

#define ASSERT_STATUS(want) do {					\
	const char *__want = (want);					\
	char __st[32] = "";						\
	int __r = wait_status(__want, PM_MS, __st, sizeof(__st));	\
	ASSERT_EQ(0, __r)						\
		TH_LOG("runtime status: want %s, still %s after %d ms (%s)",\
		       __want, __st, PM_MS, vd_errno_name(-__r));	\
} while (0)

/*
 * The model's debugfs files: the window copy and the event file, named by
 * the window's address (the node's first "reg" entry, two cells).
 */
static int model_path(char *buf, size_t len, const char *suffix)
{
	char path[256];
	uint32_t reg[2];
	int fd, ok;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/of_node/reg",
		 dev_name());
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	ok = read(fd, reg, sizeof(reg)) == sizeof(reg);
	close(fd);
	if (!ok)
		return -EIO;
	snprintf(buf, len, "/sys/kernel/debug/vpmsi_testdev/%llx%s",
		 (unsigned long long)be32toh(reg[0]) << 32 | be32toh(reg[1]),
		 suffix);
	return 0;
}

/* A register, as the device holds it (not through VFIO) */
static int model_reg(uint32_t off, uint32_t *val)
{
	char path[256];
	int fd, ret;

	ret = model_path(path, sizeof(path), "");
	if (ret)
		return ret;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	ret = pread(fd, val, 4, off) == 4 ? 0 : -EIO;
	close(fd);
	*val = le32toh(*val);
	return ret;
}

/* Wait until (register & mask) == want, as the device holds it */
static int model_wait(uint32_t off, uint32_t mask, uint32_t want,
		      uint32_t *last)
{
	uint64_t end = td_now_ns() + (uint64_t)PM_MS * 1000000;
	int ret;

	do {
		ret = model_reg(off, last);
		if (ret)
			return ret;
		if ((*last & mask) == want)
			return 0;
		usleep(2000);
	} while (td_now_ns() < end);
	return -ETIMEDOUT;
}

/* The outside world asks the device for service on @line */
static int model_event(unsigned int line)
{
	char path[256], buf[16];
	int fd, ret, n;

	ret = model_path(path, sizeof(path), ".event");
	if (ret)
		return ret;
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%u\n", line);
	ret = write(fd, buf, n) == n ? 0 : -errno;
	close(fd);
	return ret;
}

/*
 * Does the VFIO core give each device an inode of its own (6.10 on), so
 * that the driver can revoke mappings (Documentation/uapi.rst)? Only the
 * expectation of mmap_while_low_power depends on it; the driver probes the
 * headers it is built against.
 */
static bool kernel_revokes_mappings(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return true;
	return major > 6 || (major == 6 && minor >= 10);
}

FIXTURE(pm) {
	struct vfio_dev vd;
	struct vfio_region_info ri;
	int efd;	/* the edge line's trigger */
	int wfd;	/* the wake-up eventfd */
};

/*
 * Has the kernel runtime PM (CONFIG_PM)? Its devices have
 * power/runtime_status in sysfs.
 */
static bool kernel_has_runtime_pm(void)
{
	char path[256];

	snprintf(path, sizeof(path),
		 "/sys/bus/platform/devices/%s/power/runtime_status",
		 dev_name());
	return !access(path, F_OK);
}

FIXTURE_SETUP(pm)
{
	const char *why = vfio_dev_env_missing();
	uint32_t v, f;

	vfio_dev_init(&self->vd);
	self->efd = -1;
	self->wfd = -1;
	if (why)
		SKIP(return, "%s", why);
	VD_ASSERT_OPEN(&self->vd, vfio_dev_open(&self->vd));
	if (!kernel_has_runtime_pm()) {
		/* Not offered, and said so: the only thing to check */
		for (f = VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY;
		     f <= VFIO_DEVICE_FEATURE_LOW_POWER_EXIT; f++)
			VD_ASSERT_ERR(ENOTTY, feature(self->vd.device,
						      VFIO_DEVICE_FEATURE_PROBE |
						      VFIO_DEVICE_FEATURE_SET | f,
						      NULL, 0));
		SKIP(return, "kernel without runtime PM (CONFIG_PM): the features are not offered");
	}
	VD_ASSERT_OK(vfio_dev_region_info(self->vd.device, VD_REGION_REGS,
					  &self->ri));
	/* The open reset the device: on, ready */
	VD_ASSERT_OK(vfio_dev_poll32(self->vd.device, &self->ri,
				     VPMSI_REG_STATUS, VPMSI_STATUS_READY,
				     VPMSI_STATUS_READY, VD_DEV_MS, &v));
	ASSERT_STATUS("active");
	self->efd = efd_create();
	VD_ASSERT_OK(self->efd);
	self->wfd = efd_create();
	VD_ASSERT_OK(self->wfd);
}

FIXTURE_TEARDOWN(pm)
{
	if (self->vd.device >= 0)
		pm_exit(self->vd.device);
	vfio_dev_close(&self->vd);
	if (self->efd >= 0)
		close(self->efd);
	if (self->wfd >= 0)
		close(self->wfd);
}

/* One pulse of @line through the LINE_CMD mailbox, by read() and write() */
static int line_pulse(int devfd, const struct vfio_region_info *ri,
		      unsigned int line)
{
	uint32_t last;
	int ret;

	ret = vfio_dev_poll32(devfd, ri, VPMSI_REG_LINE_CMD, ~0u, 0,
			      VD_DEV_MS, &last);
	if (ret)
		return ret;
	ret = vfio_dev_wr(devfd, ri, VPMSI_REG_LINE_CMD, 4,
			  VPMSI_LINE_GO | VPMSI_LINE_OP(VPMSI_LINE_OP_PULSE) |
			  VPMSI_LINE_COUNT(1) | line);
	if (ret)
		return ret;
	return vfio_dev_poll32(devfd, ri, VPMSI_REG_LINE_CMD, ~0u, 0,
			       VD_DEV_MS, &last);
}

/* POWER_OFFS now */
static uint32_t power_offs(struct __test_metadata *_metadata)
{
	uint32_t v = 0;

	EXPECT_EQ(0, model_reg(VPMSI_REG_POWER_OFFS, &v));
	return v;
}

/* Every feature answers PROBE for SET, refuses GET; others are unknown */
TEST_F(pm, probe)
{
	static const uint32_t f[] = {
		VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
		VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
		VFIO_DEVICE_FEATURE_LOW_POWER_EXIT,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(f); i++) {
		VD_EXPECT_OK(feature(self->vd.device, VFIO_DEVICE_FEATURE_PROBE |
				     VFIO_DEVICE_FEATURE_SET | f[i], NULL, 0));
		VD_EXPECT_ERR(EINVAL, feature(self->vd.device,
					      VFIO_DEVICE_FEATURE_PROBE |
					      VFIO_DEVICE_FEATURE_GET | f[i],
					      NULL, 0));
	}
	/* Feature 0 is VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, for PCI only */
	VD_EXPECT_ERR(ENOTTY, feature(self->vd.device,
				      VFIO_DEVICE_FEATURE_PROBE |
				      VFIO_DEVICE_FEATURE_SET |
				      VFIO_DEVICE_FEATURE_PCI_VF_TOKEN,
				      NULL, 0));
	/* Probing is no entry */
	ASSERT_STATUS("active");
}

/* Entry: suspended, the device off; exit: active, the device on */
TEST_F(pm, entry_exit)
{
	uint32_t offs = power_offs(_metadata), v;
	uint64_t val = 0;

	VD_ASSERT_OK(vfio_dev_wr(self->vd.device, &self->ri, VPMSI_REG_SCRATCH,
				 4, SCRATCH_VAL));
	VD_ASSERT_OK(pm_entry(self->vd.device));
	ASSERT_STATUS("suspended");
	VD_ASSERT_OK(model_wait(VPMSI_REG_STATUS, VPMSI_STATUS_READY, 0, &v));
	VD_ASSERT_OK(model_reg(VPMSI_REG_POWER, &v));
	EXPECT_EQ(0, v) TH_LOG("POWER %#x: want off, no wake-up", v);
	EXPECT_EQ(offs + 1, power_offs(_metadata));

	VD_ASSERT_OK(pm_exit(self->vd.device));
	ASSERT_STATUS("active");
	VD_ASSERT_OK(model_reg(VPMSI_REG_POWER, &v));
	EXPECT_EQ(VPMSI_POWER_ON, v);
	VD_ASSERT_OK(vfio_dev_poll32(self->vd.device, &self->ri,
				     VPMSI_REG_STATUS, VPMSI_STATUS_READY,
				     VPMSI_STATUS_READY, VD_DEV_MS, &v));
	VD_ASSERT_OK(vfio_dev_rd(self->vd.device, &self->ri,
				 VPMSI_REG_SCRATCH, 4, &val));
	EXPECT_EQ(SCRATCH_VAL, val) TH_LOG("the device lost its state");
	/* Exit without entry is no error; still active */
	VD_EXPECT_OK(pm_exit(self->vd.device));
	usleep(VD_QUIET_MS * 1000);
	ASSERT_STATUS("active");
	EXPECT_EQ(offs + 1, power_offs(_metadata));
}

/* A second entry fails with EINVAL and leaves the first one in place */
TEST_F(pm, double_entry)
{
	VD_ASSERT_OK(pm_entry(self->vd.device));
	ASSERT_STATUS("suspended");
	VD_EXPECT_ERR(EINVAL, pm_entry(self->vd.device));
	VD_EXPECT_ERR(EINVAL, pm_entry_wakeup(self->vd.device, self->wfd));
	ASSERT_STATUS("suspended");
	VD_ASSERT_OK(pm_exit(self->vd.device));
	ASSERT_STATUS("active");
	/* The refused entry kept no reference to the eventfd's signal */
	VD_ASSERT_QUIET(self->wfd, "wake-up of a refused entry");
}

/* read() and write() fail with EIO while suspended and do not wake it */
TEST_F(pm, rw_while_low_power)
{
	uint32_t offs = power_offs(_metadata), v;
	uint64_t val = 0;

	VD_ASSERT_OK(vfio_dev_wr(self->vd.device, &self->ri, VPMSI_REG_SCRATCH,
				 4, SCRATCH_VAL));
	VD_ASSERT_OK(pm_entry(self->vd.device));
	ASSERT_STATUS("suspended");
	VD_EXPECT_ERR(EIO, vfio_dev_read(self->vd.device, &self->ri,
					 VPMSI_REG_SCRATCH, &val, 4));
	VD_EXPECT_ERR(EIO, vfio_dev_write(self->vd.device, &self->ri,
					  VPMSI_REG_SCRATCH, &val, 4));
	ASSERT_STATUS("suspended");
	EXPECT_EQ(offs + 1, power_offs(_metadata)) TH_LOG("read/write woke it");
	VD_ASSERT_OK(model_reg(VPMSI_REG_SCRATCH, &v));
	EXPECT_EQ(SCRATCH_VAL, v) TH_LOG("a write reached the device");

	VD_ASSERT_OK(pm_exit(self->vd.device));
	VD_ASSERT_OK(vfio_dev_rd(self->vd.device, &self->ri, VPMSI_REG_SCRATCH,
				 4, &val));
	EXPECT_EQ(SCRATCH_VAL, val);
}

/*
 * An ioctl powers the device for its duration (the VFIO core resumes it);
 * after a plain entry it suspends again: the low-power state stays.
 */
TEST_F(pm, ioctl_while_low_power)
{
	struct vfio_device_info info;
	uint32_t offs = power_offs(_metadata);

	VD_ASSERT_OK(pm_entry(self->vd.device));
	ASSERT_STATUS("suspended");
	VD_ASSERT_OK(vfio_dev_device_info(self->vd.device, &info));
	EXPECT_EQ(VD_NUM_REGIONS, info.num_regions);
	ASSERT_STATUS("suspended");
	EXPECT_EQ(offs + 2, power_offs(_metadata))
		TH_LOG("want off, on for the ioctl, off again");

	/* VFIO_DEVICE_RESET runs powered, and the device goes off again */
	VD_ASSERT_OK(vfio_dev_reset(self->vd.device));
	ASSERT_STATUS("suspended");
	EXPECT_EQ(offs + 3, power_offs(_metadata));

	VD_ASSERT_OK(pm_exit(self->vd.device));
	ASSERT_STATUS("active");
}

/* After an entry with wake-up, an ioctl is the wake-up */
TEST_F(pm, wakeup_on_ioctl)
{
	struct vfio_device_info info;
	uint64_t val = 0;

	VD_ASSERT_OK(pm_entry_wakeup(self->vd.device, self->wfd));
	ASSERT_STATUS("suspended");
	VD_ASSERT_QUIET(self->wfd, "wake-up before any wake");
	VD_ASSERT_OK(vfio_dev_device_info(self->vd.device, &info));
	VD_ASSERT_EVENT(self->wfd, &val, "wake-up eventfd");
	EXPECT_EQ(1, val);
	/* Out of low power for good: it stays active */
	usleep(VD_QUIET_MS * 1000);
	ASSERT_STATUS("active");
	VD_ASSERT_OK(vfio_dev_rd(self->vd.device, &self->ri, VPMSI_REG_ID, 4,
				 &val));
	EXPECT_EQ(VPMSI_ID, val);
	/* Exit after the wake-up: nothing to do, no second signal */
	VD_ASSERT_OK(pm_exit(self->vd.device));
	VD_ASSERT_QUIET(self->wfd, "wake-up eventfd after exit");
}

/*
 * After an entry with wake-up, an interrupt on the device's wired line:
 * the wake-up eventfd is signalled, the device is on again, and the
 * interrupt reaches its own eventfd too.
 */
TEST_F(pm, wakeup_on_interrupt)
{
	uint32_t offs = power_offs(_metadata), v;
	uint64_t val = 0;

	VD_ASSERT_OK(vfio_irq_set_trigger(self->vd.device, VD_IRQ_EDGE,
					  self->efd));
	VD_ASSERT_OK(pm_entry_wakeup(self->vd.device, self->wfd));
	ASSERT_STATUS("suspended");
	VD_ASSERT_OK(model_wait(VPMSI_REG_STATUS, VPMSI_STATUS_READY, 0, &v));
	VD_ASSERT_OK(model_reg(VPMSI_REG_POWER, &v));
	EXPECT_EQ(VPMSI_POWER_WAKE_EN, v) TH_LOG("POWER %#x", v);

	VD_ASSERT_OK(model_event(VPMSI_LINE_EDGE));
	VD_ASSERT_EVENT(self->efd, &val, "the interrupt's eventfd");
	EXPECT_EQ(1, val);
	VD_ASSERT_EVENT(self->wfd, &val, "wake-up eventfd");
	EXPECT_EQ(1, val);
	ASSERT_STATUS("active");
	VD_ASSERT_OK(model_wait(VPMSI_REG_POWER, VPMSI_POWER_ON,
				VPMSI_POWER_ON, &v));
	VD_ASSERT_OK(model_reg(VPMSI_REG_LINE_RAISED(VPMSI_LINE_EDGE), &v));
	EXPECT_EQ(1, v);
	EXPECT_EQ(offs + 1, power_offs(_metadata));
	/* Stays on, nothing more arrives */
	VD_ASSERT_QUIET(self->efd, "the interrupt's eventfd");
	VD_ASSERT_QUIET(self->wfd, "wake-up eventfd");
	ASSERT_STATUS("active");
	VD_ASSERT_OK(pm_exit(self->vd.device));
	/* The line works as before */
	VD_ASSERT_OK(line_pulse(self->vd.device, &self->ri, VPMSI_LINE_EDGE));
	VD_ASSERT_EVENT(self->efd, &val, "the interrupt's eventfd");
}

/*
 * After a plain entry the device raises no interrupt: an event waits in
 * the device until it is on again, after the exit. Nothing is lost.
 */
TEST_F(pm, event_held_without_wakeup)
{
	uint64_t val = 0;
	uint32_t v;

	VD_ASSERT_OK(vfio_irq_set_trigger(self->vd.device, VD_IRQ_EDGE,
					  self->efd));
	VD_ASSERT_OK(pm_entry(self->vd.device));
	ASSERT_STATUS("suspended");
	VD_ASSERT_OK(model_wait(VPMSI_REG_STATUS, VPMSI_STATUS_READY, 0, &v));
	VD_ASSERT_OK(model_event(VPMSI_LINE_EDGE));
	VD_ASSERT_QUIET(self->efd, "an interrupt from a device that is off");
	ASSERT_STATUS("suspended");

	VD_ASSERT_OK(pm_exit(self->vd.device));
	ASSERT_STATUS("active");
	VD_ASSERT_EVENT(self->efd, &val, "the held event after the exit");
	EXPECT_EQ(1, val);
	VD_ASSERT_QUIET(self->wfd, "wake-up eventfd of a plain entry");
}

/* Read a register of a mapping in a child: 0, or the signal that killed it */
static int child_read(const void *regs, size_t off)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		vd_mmio_rd32(regs, off);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -ECHILD;
}

/*
 * A mapping of a region: revoked from the entry to the exit (SIGBUS on
 * access; the access does not wake the device), then usable again. Where
 * the VFIO core cannot revoke mappings (no per-device inode, 6.1), the
 * entry fails with EBUSY while one exists instead; a mapping made while in
 * low power still gets SIGBUS.
 */
TEST_F(pm, mmap_while_low_power)
{
	uint32_t offs = power_offs(_metadata);
	void *regs;
	int ret;

	regs = vfio_dev_mmap(self->vd.device, &self->ri, 0, VPMSI_WINDOW_SIZE);
	ASSERT_NE(NULL, regs) TH_LOG("mmap: %s", vd_errno_name(errno));
	vd_mmio_wr32(regs, VPMSI_REG_SCRATCH, SCRATCH_VAL);
	ASSERT_EQ(VPMSI_ID, vd_mmio_rd32(regs, VPMSI_REG_ID));

	ret = pm_entry(self->vd.device);
	if (kernel_revokes_mappings()) {
		VD_ASSERT_OK(ret);
	} else {
		VD_ASSERT_ERR(EBUSY, ret);
		ASSERT_STATUS("active");
		munmap(regs, VPMSI_WINDOW_SIZE);
		VD_ASSERT_OK(pm_entry(self->vd.device));
		regs = vfio_dev_mmap(self->vd.device, &self->ri, 0,
				     VPMSI_WINDOW_SIZE);
		ASSERT_NE(NULL, regs) TH_LOG("mmap: %s", vd_errno_name(errno));
	}
	ASSERT_STATUS("suspended");
	EXPECT_EQ(SIGBUS, child_read(regs, VPMSI_REG_SCRATCH));
	ASSERT_STATUS("suspended");
	EXPECT_EQ(offs + 1, power_offs(_metadata)) TH_LOG("the fault woke it");

	VD_ASSERT_OK(pm_exit(self->vd.device));
	ASSERT_STATUS("active");
	EXPECT_EQ(0, child_read(regs, VPMSI_REG_SCRATCH));
	EXPECT_EQ(SCRATCH_VAL, vd_mmio_rd32(regs, VPMSI_REG_SCRATCH));
	munmap(regs, VPMSI_WINDOW_SIZE);
}

/* Bad input: clear errnos, and no low-power state left behind */
TEST_F(pm, bad_input)
{
	struct vfio_device_low_power_entry_with_wakeup e = { 0 };
	int pipefd[2];
	struct {
		struct vfio_device_feature hdr;
		uint32_t data[2];
	} buf;

	/* Data shorter than the structure */
	memset(&buf, 0, sizeof(buf));
	buf.hdr.argsz = sizeof(buf.hdr) + sizeof(e) - 1;
	buf.hdr.flags = VFIO_DEVICE_FEATURE_SET |
			VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP;
	buf.data[0] = self->wfd;
	EXPECT_EQ(-1, ioctl(self->vd.device, VFIO_DEVICE_FEATURE, &buf));
	EXPECT_EQ(EINVAL, errno);
	/* Header shorter than its own size (the VFIO core's check) */
	buf.hdr.argsz = sizeof(buf.hdr) - 1;
	EXPECT_EQ(-1, ioctl(self->vd.device, VFIO_DEVICE_FEATURE, &buf));
	EXPECT_EQ(EINVAL, errno);

	/* GET is not a thing; neither GET nor SET either; unknown flags */
	VD_EXPECT_ERR(EINVAL, feature(self->vd.device, VFIO_DEVICE_FEATURE_GET |
				      VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
				      NULL, 0));
	VD_EXPECT_ERR(EINVAL, feature(self->vd.device,
				      VFIO_DEVICE_FEATURE_LOW_POWER_EXIT,
				      NULL, 0));
	VD_EXPECT_ERR(EINVAL, feature(self->vd.device, VFIO_DEVICE_FEATURE_SET |
				      VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY |
				      0x00800000, NULL, 0));

	/* The eventfd: -1, a closed fd, a pipe */
	VD_EXPECT_ERR(EINVAL, pm_entry_wakeup(self->vd.device, -1));
	ASSERT_EQ(0, pipe(pipefd));
	close(pipefd[1]);
	VD_EXPECT_ERR(EBADF, pm_entry_wakeup(self->vd.device, pipefd[1]));
	VD_EXPECT_ERR(EINVAL, pm_entry_wakeup(self->vd.device, pipefd[0]));
	close(pipefd[0]);

	/* None of it entered low power */
	usleep(VD_QUIET_MS * 1000);
	ASSERT_STATUS("active");
	VD_ASSERT_OK(pm_entry(self->vd.device));
	ASSERT_STATUS("suspended");
	VD_ASSERT_OK(pm_exit(self->vd.device));
	ASSERT_STATUS("active");
}

/*
 * Closing the device in low power: no wake-up signal, the device on and
 * reset, the usage count balanced (the next open can enter and exit low
 * power again, and the closed device stays active).
 */
TEST_F(pm, close_while_low_power)
{
	uint32_t offs = power_offs(_metadata), v;
	char usage[32] = "";
	char path[256];
	int fd, n;

	VD_ASSERT_OK(vfio_irq_set_trigger(self->vd.device, VD_IRQ_EDGE,
					  self->efd));
	VD_ASSERT_OK(vfio_dev_wr(self->vd.device, &self->ri, VPMSI_REG_SCRATCH,
				 4, SCRATCH_VAL));
	VD_ASSERT_OK(pm_entry_wakeup(self->vd.device, self->wfd));
	ASSERT_STATUS("suspended");
	vfio_dev_close(&self->vd);

	ASSERT_STATUS("active");
	VD_ASSERT_OK(model_wait(VPMSI_REG_STATUS, VPMSI_STATUS_READY,
				VPMSI_STATUS_READY, &v));
	VD_ASSERT_OK(model_reg(VPMSI_REG_POWER, &v));
	EXPECT_EQ(VPMSI_POWER_ON, v);
	VD_ASSERT_OK(model_reg(VPMSI_REG_SCRATCH, &v));
	EXPECT_EQ(0, v) TH_LOG("the close did not reset the device");
	VD_ASSERT_QUIET(self->wfd, "wake-up eventfd on close");
	usleep(VD_QUIET_MS * 1000);
	ASSERT_STATUS("active");
	EXPECT_EQ(offs + 1, power_offs(_metadata));

	/* With CONFIG_PM_ADVANCED_DEBUG: the driver's count only */
	snprintf(path, sizeof(path),
		 "/sys/bus/platform/devices/%s/power/runtime_usage",
		 dev_name());
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, usage, sizeof(usage) - 1);
		close(fd);
		ASSERT_LT(0, n);
		usage[n] = 0;
		EXPECT_EQ(1, atoi(usage)) TH_LOG("runtime_usage %s", usage);
	}

	/* Open again: low power works as before */
	VD_ASSERT_OPEN(&self->vd, vfio_dev_open(&self->vd));
	VD_ASSERT_OK(pm_entry(self->vd.device));
	ASSERT_STATUS("suspended");
	EXPECT_EQ(offs + 2, power_offs(_metadata));
	VD_ASSERT_OK(pm_exit(self->vd.device));
	ASSERT_STATUS("active");
}

TEST_HARNESS_MAIN
