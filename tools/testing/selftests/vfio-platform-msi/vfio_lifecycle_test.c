// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: the driver's life cycle against a hostile or unlucky
 * user.
 *
 *  - close_in_flight: the device fd is closed while the device sends a
 *    burst of MSIs and an edge storm, and while another thread is in the
 *    middle of ioctls on the same fd (its last ioctl must end with EBADF,
 *    the release must wait for it);
 *  - unbind_while_open: unbinding the device blocks while userspace holds
 *    it and completes once the device fd is closed (from a child process,
 *    under a timeout); the device is bound again afterwards;
 *  - rmmod_in_use: unloading vfio-platform-msi, its plug-in or dev-msi is
 *    refused while the device is open, and the device keeps working;
 *  - load_cycles: unbind, unload (plug-in, vfio-platform-msi, dev-msi),
 *    load, bind, open, fire, close, VPM_LIFECYCLE_CYCLES (LOAD_CYCLES)
 *    times; afterwards no handler in /proc/interrupts, as many irq
 *    descriptors as before and slab within a tolerance;
 *  - autoload.plugin_on_demand: with the plug-in not loaded, one write to
 *    drivers_probe binds the device, the kernel loading the plug-in
 *    through request_module() and the guest's modprobe (as on a real
 *    system, Documentation/admin-guide.rst); the write runs in a child
 *    under a timeout, so that a probe deadlocked on the plug-in's
 *    registration is a failure, not a hung suite. The guest must have a
 *    working modprobe that knows the plug-in's alias: the test fails, not
 *    skips, without one.
 *  - autoload.override_before_load: the device names the driver in
 *    driver_override before vfio-platform-msi is loaded (driverctl at
 *    boot, a udev rule), the plug-in is not loaded: loading the module
 *    returns at once and the device ends up bound, with the plug-in
 *    loaded on demand (the plug-in links against the module being
 *    loaded: a probe from the module's own init cannot wait for it).
 *
 * The module tests need root and the modules in MOD_DIR (the guest
 * initramfs of scripts/vm-run); they skip otherwise. They leave the
 * device bound to vfio-platform-msi; its VFIO group may have a new number,
 * so every test looks it up in sysfs rather than trusting the environment.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "vpm_harness.h"
#include "msi.h"
#include "pdev.h"

/* vfio-platform-msi's driver, by the name in effect (driver_name) */
#define DRIVER		pdev_vpm_driver()
#define MOD_DIR		"/lib/modules/vpm"
#define LOAD_CYCLES	200
#define IN_FLIGHT_ROUNDS 10
#define BURST		4000	/* MSIs posted just before a close */
#define UNBIND_WAIT_MS	1000	/* the unbind must still block after this */
#define UNBIND_DONE_MS	10000	/* and finish within this after the close */
#define GROUP_WAIT_MS	2000	/* for devtmpfs to create /dev/vfio/N */
/*
 * Slab tolerance of the load cycles (unreclaimable slab, measured after the
 * caches were dropped and a second's settling). Each cycle creates and
 * frees two modules (their sysfs/kernfs nodes, notifiers and symbol tables
 * are slab), the platform driver and its sysfs nodes, a VFIO device with
 * its cdev and group registration, the MSI block (2048 irq and MSI
 * descriptors, about 1 KiB each, ~2.5 MiB) and the vector array. A leak of
 * the block is megabytes per cycle. What the kernel frees late (RCU,
 * per-CPU partial slabs) has been seen to leave up to ~3 MiB of drift over
 * 100 cycles on a loaded host, so this is a bound for gross leaks only:
 * the exact irq descriptor count and kmemleak on the debug kernel catch
 * the small ones.
 */
#define SLAB_TOLERANCE_KB 4096

/*
 * The name in effect, read once before any test forks, while the module is
 * loaded: a test that unloads it would otherwise take the default name
 * when it loads the module again, and so would a teardown (below, run in
 * the parent).
 */
static void __attribute__((constructor)) read_driver_name(void)
{
	pdev_vpm_driver();
}

/* The modules, in load order */
static const char * const mods[] = {
	"dev-msi", "vfio-platform-msi", "vpmsi_testdev_plugin",
};

#define NMODS	ARRAY_SIZE(mods)

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* "vfio-platform-msi" -> "vfio_platform_msi" */
static void mod_name(const char *file, char *name, size_t len)
{
	size_t i;

	snprintf(name, len, "%s", file);
	for (i = 0; name[i]; i++)
		if (name[i] == '-')
			name[i] = '_';
}

static bool mod_loaded(const char *file)
{
	char name[64], path[128];
	struct stat st;

	mod_name(file, name, sizeof(name));
	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return !stat(path, &st);
}

static int mod_unload(const char *file)
{
	char name[64];

	mod_name(file, name, sizeof(name));
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

/* vfio-platform-msi comes back under the name it had (driver_name) */
static int mod_load(const char *file)
{
	char path[128], args[96] = "";
	int fd, ret = 0;

	if (!strcmp(file, "vfio-platform-msi"))
		snprintf(args, sizeof(args), "driver_name=%s", DRIVER);
	snprintf(path, sizeof(path), "%s/%s.ko", MOD_DIR, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, args, 0))
		ret = -errno;
	close(fd);
	return ret;
}

/* The driver the device is bound to, or "" */
static void bound_to(char *buf, size_t len)
{
	if (pdev_driver(msi_dev_name(), buf, len))
		buf[0] = '\0';
}

/* VFIO_PMSI_GROUP from sysfs: the group may change across binds */
static int refresh_group(void)
{
	char path[PATH_MAX];
	int ret;

	ret = pdev_vfio_group(msi_dev_name(), path, sizeof(path),
			      GROUP_WAIT_MS);
	if (ret)
		return ret;
	return setenv(VFIO_DEV_ENV_GROUP, path, 1) ? -errno : 0;
}

/* driver_override + drivers_probe; then wait for /dev/vfio/N */
static int bind(void)
{
	return pdev_bind(msi_dev_name(), DRIVER) ?: refresh_group();
}

/* Why the module tests cannot run here, or NULL */
static const char *modules_missing(void)
{
	static char why[160];
	char path[128];
	unsigned int i;
	struct stat st;

	if (geteuid())
		return "needs root";
	for (i = 0; i < NMODS; i++) {
		snprintf(path, sizeof(path), "%s/%s.ko", MOD_DIR, mods[i]);
		if (stat(path, &st)) {
			snprintf(why, sizeof(why), "no %s", path);
			return why;
		}
		if (!mod_loaded(mods[i])) {
			snprintf(why, sizeof(why), "%s is not loaded", mods[i]);
			return why;
		}
	}
	return NULL;
}

/* Open, enable vector 0 and the edge line, one MSI and one edge */
static void check_works(struct __test_metadata *_metadata, const char *when)
{
	struct msi_dev md;
	uint64_t val;
	int efd;

	efd = efd_create();
	VD_ASSERT_OK(efd);
	ASSERT_EQ(0, msi_dev_open(&md, MSI_MODE_DEVICE))
		TH_LOG("%s: %s", when, md.why);
	VD_ASSERT_OK(msi_enable(&md, 0, efd));
	VD_ASSERT_OK(msi_fire(&md, 0));
	VD_ASSERT_EVENT(efd, &val, when);
	EXPECT_EQ(1, val) TH_LOG("%s", when);
	VD_ASSERT_OK(vfio_irq_set_trigger(md.vd.device, VD_IRQ_EDGE, efd));
	VD_ASSERT_OK(td_line(md.regs, VPMSI_LINE_EDGE, VPMSI_LINE_OP_PULSE, 1,
			     VD_DEV_MS));
	VD_ASSERT_EVENT(efd, &val, when);
	msi_dev_close(&md);
	close(efd);
}

/*
 * Put back what a test that failed midway took away, for the tests and
 * programs after it: the modules loaded, the device bound to us. A test
 * that passed left it so already.
 * The fixtures' teardowns run in the parent (lib/vpm_harness.h).
 */
static void restore(struct __test_metadata *_metadata)
{
	char drv[64];
	unsigned int i;

	for (i = 0; i < NMODS; i++)
		if (!mod_loaded(mods[i]) && mod_load(mods[i]))
			TH_LOG("teardown: cannot load %s again", mods[i]);
	bound_to(drv, sizeof(drv));
	if (!strcmp(drv, DRIVER))
		return;
	TH_LOG("teardown: %s bound to \"%s\", binding it to %s again",
	       msi_dev_name(), drv, DRIVER);
	if (drv[0])
		pdev_unbind(msi_dev_name());
	if (bind())
		TH_LOG("teardown: cannot bind %s to %s", msi_dev_name(),
		       DRIVER);
}

FIXTURE(life) {
	bool restore;	/* the setup passed: the test may unload, unbind */
};

FIXTURE_SETUP(life)
{
	const char *why = vfio_dev_env_missing();
	char drv[64];

	if (why)
		SKIP(return, "%s", why);
	bound_to(drv, sizeof(drv));
	if (strcmp(drv, DRIVER))
		SKIP(return, "%s is bound to \"%s\", not %s", msi_dev_name(),
		     drv, DRIVER);
	VD_ASSERT_OK(refresh_group());
	self->restore = true;
}

FIXTURE_TEARDOWN_PARENT(life)
{
	if (self->restore)
		restore(_metadata);
}

/* ------------------------------------------------- close with traffic */

struct in_flight {
	int dev;
	uint32_t index;
	int efd;
	long calls;
	int last_err;
};

/* ioctls on the device fd until it is gone */
static void *ioctl_thread(void *arg)
{
	struct in_flight *t = arg;
	struct vfio_irq_info ii;
	int32_t fd;
	int ret;

	for (;;) {
		switch (t->calls % 4) {
		case 0:
			ret = msi_set_none(t->dev, t->index,
					   VFIO_IRQ_SET_ACTION_TRIGGER, 0, 8);
			break;
		case 1:
			fd = t->calls % 8 ? t->efd : -1;
			ret = msi_set_fds(t->dev, t->index,
					  VFIO_IRQ_SET_ACTION_TRIGGER,
					  t->calls % 8, 1, &fd);
			break;
		case 2:
			ret = vfio_dev_irq_info(t->dev, t->index, &ii);
			break;
		default:
			ret = msi_set_none(t->dev, t->index,
					   t->calls % 2 ?
					   VFIO_IRQ_SET_ACTION_MASK :
					   VFIO_IRQ_SET_ACTION_UNMASK, 0, 8);
			break;
		}
		t->calls++;
		if (ret) {
			t->last_err = ret;
			break;
		}
	}
	return NULL;
}

TEST_F_TIMEOUT(life, close_in_flight, 120)
{
	struct in_flight t;
	struct msi_dev md;
	unsigned int round, v;
	pthread_t th;
	uint64_t val;
	int efd;

	efd = efd_create();
	VD_ASSERT_OK(efd);
	for (round = 0; round < IN_FLIGHT_ROUNDS; round++) {
		ASSERT_EQ(0, msi_dev_open(&md, round % 2 ? MSI_MODE_IRQCHIP :
					  MSI_MODE_DEVICE))
			TH_LOG("round %u: %s", round, md.why);
		for (v = 0; v < 8; v++)
			VD_ASSERT_OK(msi_enable(&md, v, efd));
		VD_ASSERT_OK(vfio_irq_set_trigger(md.vd.device, VD_IRQ_EDGE,
						  efd));

		memset(&t, 0, sizeof(t));
		t.dev = md.vd.device;
		t.index = md.index;
		t.efd = efd;
		ASSERT_EQ(0, pthread_create(&th, NULL, ioctl_thread, &t));
		/* Let it run, then post a burst and an edge storm, close */
		sleep_ms(round * 3);
		td_wr32(md.regs, VPMSI_REG_FIRE, VPMSI_FIRE_GO |
			VPMSI_FIRE_COUNT(BURST) | (round % 8));
		td_wr32(md.regs, VPMSI_REG_LINE_CMD, VPMSI_LINE_GO |
			VPMSI_LINE_OP(VPMSI_LINE_OP_PULSE) |
			VPMSI_LINE_COUNT(BURST) | VPMSI_LINE_EDGE);
		munmap(md.regs, VPMSI_WINDOW_SIZE);
		md.regs = NULL;
		/* The fd number stays unused until the thread is gone */
		close(md.vd.device);
		pthread_join(th, NULL);
		md.vd.device = -1;
		msi_dev_close(&md);

		ASSERT_TRUE(t.calls > 0);
		ASSERT_EQ(-EBADF, t.last_err)
			TH_LOG("round %u: the ioctl thread ended with %s after %ld calls",
			       round, vd_errno_name(-t.last_err), t.calls);
		ASSERT_EQ(0, msi_proc_interrupts_count(MSI_IRQ_NAME))
			TH_LOG("round %u: handlers left after close", round);
		efd_drain(efd);
	}
	/* Nothing arrives on the eventfd once the device is closed */
	VD_ASSERT_QUIET(efd, "after the last close");
	check_works(_metadata, "after the closes in flight");
	(void)val;
	close(efd);
}

/* ----------------------------------------------- unbind while open */

TEST_F_TIMEOUT(life, unbind_while_open, 60)
{
	struct msi_dev md;
	char drv[64];
	/* Slower kernels (VPM_TIMEOUT_SCALE) get longer to finish the unbind */
	int done_ms = UNBIND_DONE_MS * vpm_timeout_scale();
	uint64_t end;
	pid_t pid;
	int status, efd, ret;

	if (geteuid())
		SKIP(return, "needs root");
	efd = efd_create();
	VD_ASSERT_OK(efd);
	ASSERT_EQ(0, msi_dev_open(&md, MSI_MODE_DEVICE)) TH_LOG("%s", md.why);
	VD_ASSERT_OK(msi_enable(&md, 0, efd));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char cmd[256];
		int fd;

		/* Hold nothing of the device: no fd, no mapping (exec) */
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		snprintf(cmd, sizeof(cmd), "echo %s > " PDEV_SYS_DEVS "/%s/driver/unbind",
			 msi_dev_name(), msi_dev_name());
		alarm(UNBIND_WAIT_MS / 1000 + done_ms / 1000 + 10);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	/* The unbind waits for us */
	sleep_ms(UNBIND_WAIT_MS);
	ret = waitpid(pid, &status, WNOHANG);
	EXPECT_EQ(0, ret) TH_LOG("unbind returned while the device is open");
	VD_EXPECT_OK(msi_fire(&md, 0));
	msi_dev_close(&md);

	for (end = now_ms() + done_ms; !ret && now_ms() < end;
	     sleep_ms(10))
		ret = waitpid(pid, &status, WNOHANG);
	if (!ret) {
		kill(pid, SIGKILL);
		for (end = now_ms() + 5000; now_ms() < end; sleep_ms(10))
			if (waitpid(pid, &status, WNOHANG))
				break;
	}
	ASSERT_EQ(pid, ret) TH_LOG("unbind still blocked %d ms after close",
				   done_ms);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("unbind failed (status 0x%x)", status);
	bound_to(drv, sizeof(drv));
	ASSERT_STREQ("", drv);

	VD_ASSERT_OK(bind());
	check_works(_metadata, "after unbind and bind");
	close(efd);
}

/* ------------------------------------------------ rmmod while in use */

TEST_F_TIMEOUT(life, rmmod_in_use, 60)
{
	const char *why = modules_missing();
	struct msi_dev md;
	unsigned int i;
	uint64_t val;
	int efd, ret;

	if (why)
		SKIP(return, "%s", why);
	efd = efd_create();
	VD_ASSERT_OK(efd);
	ASSERT_EQ(0, msi_dev_open(&md, MSI_MODE_DEVICE)) TH_LOG("%s", md.why);
	VD_ASSERT_OK(msi_enable(&md, 0, efd));

	/* Unload order: plug-in first; each is in use */
	for (i = NMODS; i-- > 0;) {
		ret = mod_unload(mods[i]);
		EXPECT_TRUE(ret == -EBUSY || ret == -EAGAIN)
			TH_LOG("rmmod %s with the device open: %s", mods[i],
			       ret ? vd_errno_name(-ret) : "success");
		EXPECT_TRUE(mod_loaded(mods[i])) TH_LOG("%s is gone", mods[i]);
	}
	/* Nothing changed for the user */
	VD_ASSERT_OK(msi_fire(&md, 0));
	VD_ASSERT_EVENT(efd, &val, "after the refused rmmods");
	EXPECT_EQ(1, val);
	msi_dev_close(&md);
	close(efd);
}

/* ---------------------------------------------------- load cycles */

struct counters {
	long msi_lines, wired_lines, irq_descs, slab_kb;
};

static void counters_read(struct counters *c)
{
	msi_drop_caches();
	sleep(1);
	msi_drop_caches();
	c->msi_lines = msi_proc_interrupts_count(MSI_IRQ_NAME);
	c->wired_lines = msi_proc_interrupts_count("vfio-pmsi");
	c->irq_descs = msi_dir_entries("/sys/kernel/irq");
	c->slab_kb = msi_meminfo_kb("SUnreclaim");
}

/* One cycle; returns NULL or the step that failed */
static const char *load_cycle(int *err)
{
	struct msi_dev md;
	unsigned int i;
	uint64_t val;
	int efd;

	*err = pdev_unbind(msi_dev_name());
	if (*err)
		return "unbind";
	/*
	 * No driver_override while the modules come back: the driver would
	 * probe the device before its plug-in is there, and fail.
	 */
	*err = pdev_set_override(msi_dev_name(), NULL);
	if (*err)
		return "driver_override";
	for (i = NMODS; i-- > 0;) {
		*err = mod_unload(mods[i]);
		if (*err)
			return mods[i];
	}
	for (i = 0; i < NMODS; i++) {
		*err = mod_load(mods[i]);
		if (*err)
			return mods[i];
	}
	*err = bind();
	if (*err)
		return "bind";

	efd = efd_create();
	*err = msi_dev_open(&md, NULL);
	if (*err) {
		static char step[sizeof(md.why) + 8];

		close(efd);
		snprintf(step, sizeof(step), "open (%s)", md.why);
		return step;
	}
	*err = msi_enable(&md, 0, efd);
	if (!*err)
		*err = msi_fire(&md, 0);
	if (!*err && efd_wait(efd, VD_EVENT_MS, &val) != 1)
		*err = -ETIMEDOUT;
	msi_dev_close(&md);
	close(efd);
	return *err ? "enable, fire, event" : NULL;
}

TEST_F_TIMEOUT(life, load_cycles, 600)
{
	const char *why = modules_missing(), *step;
	const char *env = getenv("VPM_LIFECYCLE_CYCLES");
	unsigned int cycles = env ? strtoul(env, NULL, 0) : LOAD_CYCLES;
	struct counters before, after;
	unsigned int i;
	uint64_t t0;
	int err = 0;

	if (why)
		SKIP(return, "%s", why);
	/* A first cycle warms the caches the others reuse */
	step = load_cycle(&err);
	ASSERT_EQ(NULL, step) TH_LOG("warm-up cycle: %s: %s", step,
				     vd_errno_name(-err));
	counters_read(&before);
	t0 = now_ms();
	for (i = 0; i < cycles; i++) {
		step = load_cycle(&err);
		ASSERT_EQ(NULL, step) TH_LOG("cycle %u: %s: %s", i, step,
					     vd_errno_name(-err));
	}
	counters_read(&after);
	ksft_print_msg("%u load cycles in %llu ms\n", cycles,
		       (unsigned long long)(now_ms() - t0));
	ksft_print_msg("vfio-msi %ld->%ld wired %ld->%ld irqs %ld->%ld slab %ld->%ld kB\n",
		       before.msi_lines, after.msi_lines, before.wired_lines,
		       after.wired_lines, before.irq_descs, after.irq_descs,
		       before.slab_kb, after.slab_kb);
	EXPECT_EQ(0, after.msi_lines);
	EXPECT_EQ(0, after.wired_lines);
	EXPECT_EQ(before.irq_descs, after.irq_descs)
		TH_LOG("irq descriptors leaked");
	EXPECT_GE(before.slab_kb + SLAB_TOLERANCE_KB, after.slab_kb)
		TH_LOG("slab grew by %ld kB over %u cycles",
		       after.slab_kb - before.slab_kb, cycles);
	check_works(_metadata, "after the load cycles");
}

/* ---------------------------------------- plug-in loaded on demand */

#define PLUGIN		"vpmsi_testdev_plugin"
#define PLUGIN_ALIAS	"vfio-platform-msi-plugin:vpmsi,testdev"
#define AUTOLOAD_MS	30000	/* drivers_probe with modprobe, before scaling */

/* Why the guest's request_module() cannot load the plug-in, or NULL */
static const char *modprobe_broken(void)
{
	static char why[PATH_MAX + 64];
	char helper[PATH_MAX], path[PATH_MAX], line[256];
	struct utsname u;
	bool found = false;
	FILE *f;

	if (msi_read_line("/proc/sys/kernel/modprobe", helper, sizeof(helper)))
		return "no /proc/sys/kernel/modprobe";
	if (!helper[0] || access(helper, X_OK)) {
		snprintf(why, sizeof(why), "modprobe helper \"%s\" is not executable",
			 helper);
		return why;
	}
	uname(&u);
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", u.release);
	if (access(path, R_OK)) {
		snprintf(why, sizeof(why), "no %s", path);
		return why;
	}
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.alias", u.release);
	f = fopen(path, "re");
	if (!f) {
		snprintf(why, sizeof(why), "no %s", path);
		return why;
	}
	while (!found && fgets(line, sizeof(line), f))
		found = !strcmp(line, "alias " PLUGIN_ALIAS " " PLUGIN "\n");
	fclose(f);
	if (!found) {
		snprintf(why, sizeof(why), "%s has no alias " PLUGIN_ALIAS, path);
		return why;
	}
	return NULL;
}

/* /sys/module/NAME/initstate ("live", "coming", ...), or "" */
static void mod_state(const char *file, char *buf, size_t len)
{
	char name[64], path[128];

	mod_name(file, name, sizeof(name));
	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	if (msi_read_line(path, buf, len))
		buf[0] = '\0';
}

/* Log where @pid sleeps (its kernel stack where the kernel shows it) */
static void log_stack(struct __test_metadata *_metadata, pid_t pid,
		      const char *who)
{
	char path[64], buf[2048];

	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	if (msi_read_line(path, buf, sizeof(buf))) {
		snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
		if (msi_read_line(path, buf, sizeof(buf)))
			snprintf(buf, sizeof(buf), "?");
	}
	TH_LOG("%s (pid %d) sleeps in:\n%s", who, pid, buf);
}

/* ... and every modprobe and insmod still running */
static void log_helpers(struct __test_metadata *_metadata)
{
	char path[64], comm[32], *end;
	struct dirent *de;
	long pid;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return;
	while ((de = readdir(d))) {
		pid = strtol(de->d_name, &end, 10);
		if (pid <= 0 || *end)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		if (msi_read_line(path, comm, sizeof(comm)))
			continue;
		if (!strcmp(comm, "modprobe") || !strcmp(comm, "insmod"))
			log_stack(_metadata, pid, comm);
	}
	closedir(d);
}

/*
 * Wait up to @wait_ms for the child @pid (@who), which may be blocked in
 * the kernel for good; if it is, log where it and every modprobe sleep,
 * and kill it (waiting for modprobe in request_module() is killable: the
 * probe then fails and the device lock is released). Returns waitpid()'s
 * result: @pid once the child is reaped, 0 if it never was.
 */
static pid_t wait_child(struct __test_metadata *_metadata, pid_t pid,
			unsigned int wait_ms, const char *who, int *status)
{
	char state[32];
	uint64_t end;
	pid_t ret = 0;

	for (end = now_ms() + wait_ms; !ret && now_ms() < end; sleep_ms(10))
		ret = waitpid(pid, status, WNOHANG);
	if (ret)
		return ret;
	mod_state(PLUGIN, state, sizeof(state));
	TH_LOG("%s still blocked after %u ms; " PLUGIN " is \"%s\"",
	       who, wait_ms, state);
	log_stack(_metadata, pid, who);
	log_helpers(_metadata);
	kill(pid, SIGKILL);
	for (end = now_ms() + 5000; now_ms() < end; sleep_ms(10))
		if (waitpid(pid, status, WNOHANG))
			break;
	return 0;
}

/*
 * Bound by a probe in the background, and that probe over, within
 * @wait_ms. Neither the driver link nor the VFIO group tells: the link
 * exists while the probe runs, and /dev/vfio/N appears before VFIO has
 * registered the device in it (the open then fails with ENODEV). The
 * driver's attributes (reset_method) are created once the probe
 * succeeded, as Documentation/admin-guide.rst tells users to wait for.
 */
static bool bound_within(unsigned int wait_ms)
{
	char drv[64], path[PATH_MAX];
	uint64_t end;

	snprintf(path, sizeof(path), PDEV_SYS_DEVS "/%s/reset_method",
		 msi_dev_name());
	for (end = now_ms() + wait_ms; now_ms() < end; sleep_ms(10)) {
		bound_to(drv, sizeof(drv));
		if (!strcmp(drv, DRIVER) && !access(path, F_OK))
			return true;
	}
	return false;
}

/*
 * The plug-in gone, the rest loaded, the device unbound but handed to us
 * (driver_override)
 */
static void unbind_unload_plugin(struct __test_metadata *_metadata)
{
	int i;

	VD_ASSERT_OK(pdev_unbind(msi_dev_name()));
	VD_ASSERT_OK(pdev_set_override(msi_dev_name(), NULL));
	if (mod_loaded(PLUGIN))
		VD_ASSERT_OK(mod_unload(PLUGIN));
	ASSERT_FALSE(mod_loaded(PLUGIN));
	for (i = 0; i < (int)NMODS; i++) {
		if (!strcmp(mods[i], PLUGIN) || mod_loaded(mods[i]))
			continue;
		VD_ASSERT_OK(mod_load(mods[i]));
	}
	VD_ASSERT_OK(pdev_set_override(msi_dev_name(), DRIVER));
}

FIXTURE(autoload) {
	bool restore;	/* as life's */
	/* The modprobe helper a test replaced, to put back; "" if none */
	char saved_modprobe[PATH_MAX];
};

FIXTURE_SETUP(autoload)
{
	const char *drv = getenv("VPM_VFIO_DRIVER");
	char path[128];

	if (geteuid())
		SKIP(return, "needs root");
	if (drv && *drv && strcmp(drv, DRIVER))
		SKIP(return, "the suite tests %s", drv);
	/* Not the bench's guest: nothing to load the modules from */
	snprintf(path, sizeof(path), "%s/%s.ko", MOD_DIR, PLUGIN);
	if (access(path, R_OK))
		SKIP(return, "no %s", path);
	self->restore = true;
}

static void modprobe_restore(FIXTURE_DATA(autoload) *self)
{
	if (!self->saved_modprobe[0])
		return;
	msi_write_str("/proc/sys/kernel/modprobe", self->saved_modprobe);
	self->saved_modprobe[0] = '\0';
}

FIXTURE_TEARDOWN_PARENT(autoload)
{
	modprobe_restore(self);
	if (self->restore)
		restore(_metadata);
}

TEST_F_TIMEOUT(autoload, plugin_on_demand, 120)
{
	unsigned int wait_ms = AUTOLOAD_MS * vpm_timeout_scale();
	const char *why = modprobe_broken();
	char drv[64], state[32];
	pid_t pid;
	int status, ret;

	ASSERT_EQ(NULL, why)
		TH_LOG("the guest cannot load a plug-in on demand: %s", why);

	unbind_unload_plugin(_metadata);

	/* One write, as the admin guide says; a child, it may never return */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		alarm(wait_ms / 1000 + 10);
		_exit(msi_write_str(PDEV_SYS_BUS "/drivers_probe",
				    msi_dev_name()) ? 1 : 0);
	}
	ret = wait_child(_metadata, pid, wait_ms, "the drivers_probe writer",
			 &status);
	ASSERT_EQ(pid, ret) TH_LOG("probe deadlocked loading the plug-in");
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("drivers_probe failed (status 0x%x)", status);

	bound_to(drv, sizeof(drv));
	ASSERT_STREQ(DRIVER, drv) TH_LOG("not bound after drivers_probe");
	mod_state(PLUGIN, state, sizeof(state));
	ASSERT_STREQ("live", state) TH_LOG(PLUGIN " not loaded by the probe");
	/* The device uses it: it pins the plug-in */
	ret = mod_unload(PLUGIN);
	EXPECT_TRUE(ret == -EBUSY || ret == -EAGAIN)
		TH_LOG("rmmod " PLUGIN " with the device bound: %s",
		       ret ? vd_errno_name(-ret) : "success");
	VD_ASSERT_OK(refresh_group());
	check_works(_metadata, "after binding with the plug-in loaded on demand");
}

TEST_F_TIMEOUT(autoload, override_before_load, 300)
{
	unsigned int wait_ms = AUTOLOAD_MS * vpm_timeout_scale();
	const char *why = modprobe_broken();
	char state[32];
	pid_t pid;
	int status, ret;

	ASSERT_EQ(NULL, why)
		TH_LOG("the guest cannot load a plug-in on demand: %s", why);

	/* The device unbound, the driver and the plug-in gone */
	VD_ASSERT_OK(pdev_unbind(msi_dev_name()));
	VD_ASSERT_OK(pdev_set_override(msi_dev_name(), NULL));
	if (mod_loaded(PLUGIN))
		VD_ASSERT_OK(mod_unload(PLUGIN));
	if (mod_loaded("vfio-platform-msi"))
		VD_ASSERT_OK(mod_unload("vfio-platform-msi"));
	ASSERT_FALSE(mod_loaded("vfio-platform-msi"));
	if (!mod_loaded("dev-msi"))
		VD_ASSERT_OK(mod_load("dev-msi"));
	/* Handed to a driver that does not exist yet */
	VD_ASSERT_OK(pdev_set_override(msi_dev_name(), DRIVER));

	/* The load, in a child: it may never return */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		alarm(wait_ms / 1000 + 10);
		_exit(mod_load("vfio-platform-msi") ? 1 : 0);
	}
	ret = wait_child(_metadata, pid, wait_ms, "the module loader", &status);
	ASSERT_EQ(pid, ret)
		TH_LOG("the module's init waited for the plug-in it loads");
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("loading vfio-platform-msi failed (status 0x%x)", status);

	/* Bound once the module is live, with no further command */
	ASSERT_TRUE(bound_within(wait_ms))
		TH_LOG("not bound %u ms after the module loaded", wait_ms);
	mod_state(PLUGIN, state, sizeof(state));
	ASSERT_STREQ("live", state) TH_LOG(PLUGIN " not loaded by the probe");
	VD_ASSERT_OK(refresh_group());
	check_works(_metadata, "after binding at the driver's load");
}

/*
 * A device that could not bind for want of its plug-in binds by itself
 * when the plug-in arrives.
 */
TEST_F_TIMEOUT(autoload, late_plugin_binds_waiting, 120)
{
	unsigned int wait_ms = AUTOLOAD_MS * vpm_timeout_scale();
	char drv[64];

	unbind_unload_plugin(_metadata);
	/* The probe cannot load the plug-in: it fails, "no reset" */
	ASSERT_EQ(0, msi_read_line("/proc/sys/kernel/modprobe",
				   self->saved_modprobe,
				   sizeof(self->saved_modprobe)));
	VD_ASSERT_OK(msi_write_str("/proc/sys/kernel/modprobe",
				   "/nonexistent/modprobe"));
	msi_write_str(PDEV_SYS_BUS "/drivers_probe", msi_dev_name());
	modprobe_restore(self);
	bound_to(drv, sizeof(drv));
	ASSERT_STREQ("", drv) TH_LOG("bound with no plug-in and no reset");

	VD_ASSERT_OK(mod_load(PLUGIN));
	ASSERT_TRUE(bound_within(wait_ms))
		TH_LOG("still not bound %u ms after its plug-in loaded",
		       wait_ms);
	VD_ASSERT_OK(refresh_group());
	check_works(_metadata, "after binding when the plug-in arrived");
}

/*
 * A plug-in's arrival probes only the devices waiting for one. A device
 * the user unbound stays unbound; and a user who loads the plug-in, then
 * binds (driver_override, drivers_probe) and opens right away, is not
 * raced by a probe from the driver's work item: drivers_probe returns at
 * once for a device another context is probing, the driver link and
 * /dev/vfio/N appear before VFIO registers the device, and the open then
 * failed with ENODEV (load_cycles, about once in 300 cycles).
 */
TEST_F_TIMEOUT(autoload, plugin_leaves_others_alone, 120)
{
	unsigned int wait_ms = 2000 * vpm_timeout_scale();
	char drv[64];

	unbind_unload_plugin(_metadata);
	VD_ASSERT_OK(mod_load(PLUGIN));
	sleep_ms(wait_ms);
	bound_to(drv, sizeof(drv));
	EXPECT_STREQ("", drv)
		TH_LOG("bound to %s %u ms after the plug-in loaded, by no command",
		       drv, wait_ms);
	VD_ASSERT_OK(bind());
	check_works(_metadata, "after the bind");
}

TEST_HARNESS_MAIN
