// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-info (tools/vfio-platform-info, its manual in
 * Documentation/vfio-platform-info.rst) against the test device: the
 * program runs as an administrator would run it, and its text and its
 * JSON must say what the device is (Documentation/testdev.rst: a 64 KiB
 * register window and a 256-byte block, a level and an edge line, 2048
 * MSI vectors behind the plug-in "vpmsi,testdev"), in each msi_mode of
 * the plug-in; each exit status is provoked: no such device, a device on
 * no driver or on a driver that is not VFIO's, a group another VFIO user
 * (this test) holds, a user without the right to open the group, a group
 * that is not viable, bad options.
 *
 * The program is built with the suite (vfio-platform-info next to this
 * one; VPM_INFO_TOOL names another). By hand:
 *
 *   scripts/vm-run --kernel 6.12 --include out/selftests/vfio-platform-info \
 *	--exec out/selftests/vfio_info_test
 *
 * The test needs root: it binds devices, and switches to an unprivileged
 * user for the permission case.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "vpm_harness.h"
#include "json.h"
#include "msi.h"
#include "pdev.h"
#include "vfio_dev.h"
#include "vpmsi_testdev.h"

#define TOOL_NAME	"vfio-platform-info"
#define OUR_MODULE	"vfio_platform_msi"
#define HOST_DRIVER	"vpmsi_testhost"
#define PLUGIN_COMPAT	VPMSI_COMPATIBLE
#define NOBODY		65534
#define OUT_MAX		(64 * 1024)
#define TEST_SECS	120

/* The tool's exit codes (Documentation/vfio-platform-info.rst) */
#define INFO_OK		0
#define INFO_USAGE		2
#define INFO_NODEV		3
#define INFO_NOTVFIO	4
#define INFO_PERM		5
#define INFO_BUSY		6
#define INFO_NOTVIABLE	7

/* The wired-only devices of the board, one IOMMU group of their own */
/*
 * The vectors the plug-in offers (fewer than the device's on the riscv64
 * board, lib/msi.h), and whether the MSI controller may change a message
 * (the riscv64 board's IMSIC; not the arm64 board's ITS)
 */
#define NVEC_OFFERED	msi_plugin_nvec_expected(VPMSI_NUM_VECTORS)
#define MAY_CHANGE	msi_parent_is_imsic()

/* the board's wired-only devices (lib/pdev.h: 1 and 2) */
#define extra_names(i)	pdev_board_device((i) + 1)

#define NEXTRA		2

struct run {
	int status;		/* exit status, or -1 if killed */
	char out[OUT_MAX];	/* standard output */
	size_t len;
};

FIXTURE(info) {
	const char *dev;
	const char *group;
	char tool[PATH_MAX];
	struct pdev_state saved;
	bool saved_ok;
	struct pdev_state extra_saved[NEXTRA];
	bool extra_saved_ok[NEXTRA];
	char mode[16];
	bool mode_saved;
	struct vfio_dev vd;
	struct run r;
	struct json_val *json;
};

/* The tool: $VPM_INFO_TOOL, else next to this program */
static int find_tool(char *buf, size_t len)
{
	const char *env = getenv("VPM_INFO_TOOL");
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return access(buf, X_OK) ? -errno : 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	if (snprintf(buf, len, "%s/%s", self, TOOL_NAME) >= (int)len)
		return -ENAMETOOLONG;
	return access(buf, X_OK) ? -errno : 0;
}

/*
 * Run the tool with the arguments that follow (NULL-terminated), as @uid
 * (0: as root). 0 or -errno; the status and output are in @r.
 */
static int run_tool(struct run *r, const char *tool, uid_t uid, ...)
{
	const char *argv[16];
	int pfd[2], st, i = 0;
	va_list ap;
	ssize_t n;
	pid_t pid;

	argv[i++] = tool;
	va_start(ap, uid);
	while (i < 15 && (argv[i] = va_arg(ap, const char *)))
		i++;
	va_end(ap);
	argv[i] = NULL;

	memset(r, 0, sizeof(*r));
	if (pipe(pfd))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (!pid) {
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		if (uid && (setgroups(0, NULL) || setgid(uid) || setuid(uid)))
			_exit(126);
		execv(tool, (char * const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	while (r->len < sizeof(r->out) - 1) {
		n = read(pfd[0], r->out + r->len, sizeof(r->out) - 1 - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		r->len += n;
	}
	r->out[r->len] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &st, 0) != pid)
		return -errno;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return 0;
}

/* Is @dev bound to vfio-platform-msi (by its module, whatever its name)? */
static bool bound_to_ours(const char *dev)
{
	char p[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(p, sizeof(p), PDEV_SYS_DEVS "/%s/driver/module", dev);
	n = readlink(p, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(strrchr(target, '/') ? strrchr(target, '/') + 1 :
		       target, OUR_MODULE);
}

FIXTURE_SETUP(info)
{
	const char *why = vfio_dev_env_missing();
	char drv[PDEV_NAME_LEN] = "";
	int ret;

	vfio_dev_init(&self->vd);
	if (why)
		SKIP(return, "%s", why);
	if (geteuid())
		SKIP(return, "needs root (binds devices, changes user)");
	self->dev = getenv(VFIO_DEV_ENV_DEVICE);
	self->group = getenv(VFIO_DEV_ENV_GROUP);
	ret = find_tool(self->tool, sizeof(self->tool));
	ASSERT_EQ(0, ret) TH_LOG("%s: %s (built with the suite)", self->tool,
				 vd_errno_name(-ret));
	pdev_driver(self->dev, drv, sizeof(drv));
	if (!bound_to_ours(self->dev))
		SKIP(return, "%s is bound to \"%s\", not to vfio-platform-msi",
		     self->dev, drv);
	ASSERT_EQ(0, pdev_save(self->dev, &self->saved));
	self->saved_ok = true;
}

/* In the parent, after the test (lib/vpm_harness.h): no child resource */
FIXTURE_TEARDOWN_PARENT(info)
{
	unsigned int i;

	if (self->mode_saved)
		msi_mode_set(self->mode);
	for (i = 0; i < NEXTRA; i++)
		if (self->extra_saved_ok[i])
			pdev_restore(extra_names(i), &self->extra_saved[i]);
	if (self->saved_ok)
		EXPECT_EQ(0, pdev_restore(self->dev, &self->saved))
			TH_LOG("%s could not be bound again", self->dev);
}

/* The tool's output in the log, as KTAP diagnostics */
static void log_output(const struct run *r)
{
	const char *p = r->out, *nl;

	while (*p) {
		nl = strchrnul(p, '\n');
		fprintf(stderr, "#   %.*s\n", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

/*
 * Checks of the output that say what they missed: true, or false with
 * the reason (and the output) in the log.
 */
static bool has_text(const struct run *r, const char *s)
{
	if (strstr(r->out, s))
		return true;
	fprintf(stderr, "# no \"%s\" in the output:\n", s);
	log_output(r);
	return false;
}

static bool lacks_text(const struct run *r, const char *s)
{
	if (!strstr(r->out, s))
		return true;
	fprintf(stderr, "# \"%s\" in the output:\n", s);
	log_output(r);
	return false;
}

static bool j_int(const struct json_val *j, const char *path,
		  long long want)
{
	long long v = 0;
	int ret = json_get_int(j, path, &v);

	if (!ret && v == want)
		return true;
	if (ret)
		fprintf(stderr, "# %s: %s\n", path,
			ret == -ENOENT ? "absent" : "not an integer");
	else
		fprintf(stderr, "# %s: %lld, expected %lld\n", path, v, want);
	return false;
}

static bool j_str(const struct json_val *j, const char *path,
		  const char *want)
{
	const char *v = json_get_str(j, path);

	if (v && !strcmp(v, want))
		return true;
	fprintf(stderr, "# %s: \"%s\", expected \"%s\"\n", path,
		v ? v : "(absent, or not a string)", want);
	return false;
}

static bool j_bool(const struct json_val *j, const char *path, bool want)
{
	bool v = false;
	int ret = json_get_bool(j, path, &v);

	if (!ret && v == want)
		return true;
	fprintf(stderr, "# %s: %s, expected %s\n", path,
		ret ? "absent, or not a bool" : v ? "true" : "false",
		want ? "true" : "false");
	return false;
}

static bool j_null(const struct json_val *j, const char *path)
{
	if (json_is_null(j, path))
		return true;
	fprintf(stderr, "# %s: not null\n", path);
	return false;
}

static bool j_none(const struct json_val *j, const char *path)
{
	if (!json_get(j, path))
		return true;
	fprintf(stderr, "# %s: present\n", path);
	return false;
}

static bool j_has(const struct json_val *j, const char *path, const char *s)
{
	if (json_array_has_str(j, path, s))
		return true;
	fprintf(stderr, "# %s: no \"%s\"\n", path, s);
	return false;
}

/* The run's output as JSON (format 1), or NULL with the reason logged */
static struct json_val *parse_json(const struct run *r)
{
	struct json_val *j;
	char err[128];

	j = json_parse(r->out, err, sizeof(err));
	if (!j) {
		fprintf(stderr, "# not JSON: %s:\n", err);
		log_output(r);
		return NULL;
	}
	if (!j_int(j, "format", 1)) {
		json_free(j);
		return NULL;
	}
	return j;
}

#define PARSE_JSON() do {						\
	json_free(self->json);						\
	self->json = parse_json(&self->r);				\
	ASSERT_TRUE(!!self->json);					\
} while (0)

static int group_number(const char *group_path)
{
	const char *s = strrchr(group_path, '/');
	const char *dash = strrchr(group_path, '-');

	if (dash && (!s || dash > s))
		s = dash;
	return s ? atoi(s + 1) : -1;
}

/* What a fresh open shows of the test device: the wired lines only */
TEST_F_TIMEOUT(info, text, TEST_SECS)
{
	struct run *r = &self->r;
	char line[256];

	ASSERT_EQ(0, run_tool(r, self->tool, 0, self->dev, NULL));
	ASSERT_EQ(INFO_OK, r->status) TH_LOG("status %d", r->status);
	/* What the program printed, for the record */
	log_output(r);

	snprintf(line, sizeof(line),
		 "%s: platform device, compatible \"" PLUGIN_COMPAT "\"",
		 self->dev);
	EXPECT_TRUE(has_text(r, line));
	snprintf(line, sizeof(line), "Driver: %s (module " OUR_MODULE
		 "), vfio-platform-msi", self->saved.driver);
	EXPECT_TRUE(has_text(r, line));
	snprintf(line, sizeof(line), "IOMMU group %d: %s",
		 group_number(self->group), self->group);
	EXPECT_TRUE(has_text(r, line));
	snprintf(line, sizeof(line), "\t\t%s: driver %s\n", self->dev,
		 self->saved.driver);
	EXPECT_TRUE(has_text(r, line));
	EXPECT_TRUE(has_text(r, "Plug-in: " PLUGIN_COMPAT "\n"));
	EXPECT_TRUE(has_text(r, "Reset: plugin (the plug-in's reset)"));
	snprintf(line, sizeof(line),
		 "VFIO device: flags %s, %u regions, %u IRQ indexes at open\n",
		 "RESET PLATFORM", VD_NUM_REGIONS, VD_NUM_WIRED);
	EXPECT_TRUE(has_text(r, line));
	snprintf(line, sizeof(line),
		 "Region 0: size 0x%x (64 KiB), offset 0x0, flags %s; mmap: yes\n",
		 VPMSI_WINDOW_SIZE, "READ WRITE MMAP");
	EXPECT_TRUE(has_text(r, line));
	snprintf(line, sizeof(line),
		 "Region 1: size 0x%x (256 bytes), offset 0x%llx, flags %s; %s\n",
		 VPMSI_AUX_SIZE, (unsigned long long)VD_REGION_OFFSET(1),
		 "READ WRITE", "mmap: no (read and write only)");
	EXPECT_TRUE(has_text(r, line));
	snprintf(line, sizeof(line), "IRQ 0: wired, count 1, flags %s (level)\n",
		 "EVENTFD MASKABLE AUTOMASKED");
	EXPECT_TRUE(has_text(r, line));
	EXPECT_TRUE(has_text(r, "IRQ 1: wired, count 1, flags EVENTFD MASKABLE (edge)\n"));
	snprintf(line, sizeof(line),
		 "MSI: up to %u vectors, IRQ index %u once a user asks for them\n",
		 NVEC_OFFERED, VD_NUM_WIRED);
	EXPECT_TRUE(has_text(r, line));
	snprintf(line, sizeof(line),
		 "IRQ %u: MSI, count %u, flags EVENTFD MASKABLE\n",
		 VD_NUM_WIRED, NVEC_OFFERED);
	EXPECT_TRUE(has_text(r, line));
	snprintf(line, sizeof(line), "Capability: MSI (id 1, version 1), flags %s\n",
		 MAY_CHANGE ? "PROGRAMMED MASK_DEVICE REPLAY MAY_CHANGE" :
			      "PROGRAMMED MASK_DEVICE REPLAY");
	EXPECT_TRUE(has_text(r, line));
	EXPECT_TRUE(has_text(r, "Programming: by the kernel"));
	EXPECT_TRUE(has_text(r, "Masking: in the device"));
	EXPECT_TRUE(has_text(r, "Replay: yes"));
	EXPECT_TRUE(has_text(r, MAY_CHANGE ? "May change: yes" : "May change: no"));
	EXPECT_TRUE(has_text(r, "Generation: 0\n"));
	EXPECT_TRUE(has_text(r, "Messages: none reported\n"));
	EXPECT_TRUE(lacks_text(r, "not opened"));
	EXPECT_TRUE(lacks_text(r, "IRQ 3"));
}

/*
 * The JSON, checked value by value against the datasheet and sysfs, then
 * a fresh open by the test: the tool's request for the MSIs ended with
 * its close, a new user sees upstream's view again.
 */
TEST_F_TIMEOUT(info, json, TEST_SECS)
{
	struct vfio_platform_msi_feature_msi f = { 0 };
	struct json_val *j;
	char path[64];
	int i, n, found = 0;

	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "--json", self->dev,
			      NULL));
	ASSERT_EQ(INFO_OK, self->r.status) TH_LOG("status %d", self->r.status);
	PARSE_JSON();
	j = self->json;

	EXPECT_TRUE(j_str(j, "status", "ok"));
	EXPECT_TRUE(j_null(j, "error"));
	EXPECT_TRUE(j_str(j, "device", self->dev));
	EXPECT_TRUE(j_has(j, "compatible", PLUGIN_COMPAT));
	EXPECT_TRUE(j_str(j, "driver", self->saved.driver));
	EXPECT_TRUE(j_str(j, "driver_module", OUR_MODULE));
	EXPECT_TRUE(j_bool(j, "vfio_driver", true));
	EXPECT_TRUE(j_bool(j, "ours", true));
	EXPECT_TRUE(j_int(j, "iommu_group.id", group_number(self->group)));
	EXPECT_TRUE(j_str(j, "iommu_group.node", self->group));
	EXPECT_TRUE(j_bool(j, "iommu_group.noiommu", !!strstr(self->group, "noiommu")));
	n = json_count(j, "iommu_group.members");
	EXPECT_LE(1, n);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "iommu_group.members.%d.device", i);
		if (json_get_str(j, path) &&
		    !strcmp(json_get_str(j, path), self->dev)) {
			snprintf(path, sizeof(path),
				 "iommu_group.members.%d.driver", i);
			EXPECT_TRUE(j_str(j, path, self->saved.driver));
			found++;
		}
	}
	EXPECT_EQ(1, found) TH_LOG("%s among the group's members", self->dev);
	EXPECT_TRUE(j_str(j, "plugin", PLUGIN_COMPAT));
	EXPECT_TRUE(j_str(j, "reset_method", "plugin"));
	EXPECT_TRUE(j_bool(j, "opened", true));

	EXPECT_TRUE(j_has(j, "device_info.flags", "PLATFORM"));
	EXPECT_TRUE(j_has(j, "device_info.flags", "RESET"));
	EXPECT_TRUE(j_int(j, "device_info.num_regions", VD_NUM_REGIONS));
	EXPECT_TRUE(j_int(j, "device_info.num_irqs", VD_NUM_WIRED));

	EXPECT_EQ(VD_NUM_REGIONS, json_count(j, "regions"));
	EXPECT_TRUE(j_int(j, "regions.0.index", 0));
	EXPECT_TRUE(j_int(j, "regions.0.size", VPMSI_WINDOW_SIZE));
	EXPECT_TRUE(j_int(j, "regions.0.offset", VD_REGION_OFFSET(0)));
	EXPECT_TRUE(j_bool(j, "regions.0.mmap", true));
	EXPECT_TRUE(j_has(j, "regions.0.flags", "MMAP"));
	EXPECT_TRUE(j_null(j, "regions.0.sparse_mmap"));
	EXPECT_TRUE(j_int(j, "regions.1.size", VPMSI_AUX_SIZE));
	EXPECT_TRUE(j_int(j, "regions.1.offset", VD_REGION_OFFSET(1)));
	EXPECT_TRUE(j_bool(j, "regions.1.mmap", false));
	EXPECT_TRUE(j_has(j, "regions.1.flags", "READ"));
	EXPECT_TRUE(j_has(j, "regions.1.flags", "WRITE"));
	EXPECT_EQ(2, json_count(j, "regions.1.flags"));

	EXPECT_EQ(VD_NUM_WIRED, json_count(j, "irqs"));
	EXPECT_TRUE(j_int(j, "irqs.0.count", 1));
	EXPECT_TRUE(j_str(j, "irqs.0.kind", "wired"));
	EXPECT_TRUE(j_str(j, "irqs.0.trigger", "level"));
	EXPECT_TRUE(j_has(j, "irqs.0.flags", "AUTOMASKED"));
	EXPECT_TRUE(j_int(j, "irqs.1.count", 1));
	EXPECT_TRUE(j_str(j, "irqs.1.trigger", "edge"));
	EXPECT_EQ(2, json_count(j, "irqs.1.flags"));

	EXPECT_TRUE(j_int(j, "msi.max_nvec", NVEC_OFFERED));
	EXPECT_TRUE(j_int(j, "msi.index", VD_NUM_WIRED));
	EXPECT_TRUE(j_bool(j, "msi.enabled_at_open", false));
	EXPECT_TRUE(j_bool(j, "msi.asked", true));
	EXPECT_TRUE(j_null(j, "msi.error"));
	EXPECT_TRUE(j_int(j, "msi.nvec", NVEC_OFFERED));
	EXPECT_TRUE(j_int(j, "msi.irq.index", VD_NUM_WIRED));
	EXPECT_TRUE(j_str(j, "msi.irq.kind", "msi"));
	EXPECT_TRUE(j_int(j, "msi.irq.count", NVEC_OFFERED));
	EXPECT_TRUE(j_has(j, "msi.irq.flags", "EVENTFD"));
	EXPECT_TRUE(j_has(j, "msi.irq.flags", "MASKABLE"));
	EXPECT_EQ(2, json_count(j, "msi.irq.flags"));
	EXPECT_TRUE(j_int(j, "msi.cap.id", VFIO_PLATFORM_MSI_IRQ_INFO_CAP_MSI));
	EXPECT_TRUE(j_int(j, "msi.cap.version", 1));
	EXPECT_EQ(3 + MAY_CHANGE, json_count(j, "msi.cap.flags"));
	EXPECT_TRUE(j_has(j, "msi.cap.flags", "PROGRAMMED"));
	EXPECT_TRUE(j_has(j, "msi.cap.flags", "MASK_DEVICE"));
	EXPECT_TRUE(j_has(j, "msi.cap.flags", "REPLAY"));
	EXPECT_TRUE(j_bool(j, "msi.cap.programmed", true));
	EXPECT_TRUE(j_str(j, "msi.cap.mask", "device"));
	EXPECT_TRUE(j_bool(j, "msi.cap.replay", true));
	EXPECT_TRUE(j_bool(j, "msi.cap.may_change", MAY_CHANGE));
	EXPECT_TRUE(j_int(j, "msi.cap.generation", 0));
	EXPECT_TRUE(j_int(j, "msi.cap.nr", 0));
	EXPECT_EQ(0, json_count(j, "msi.cap.msgs"));

	/* A fresh open: no MSI index until asked, none asked yet */
	VD_ASSERT_OPEN(&self->vd, vfio_dev_open(&self->vd));
	EXPECT_EQ(VD_NUM_WIRED, self->vd.info.num_irqs);
	ASSERT_EQ(0, msi_opt_get(self->vd.device, &f));
	EXPECT_EQ(0, f.flags & VFIO_PLATFORM_MSI_ENABLE);
	EXPECT_EQ(0, f.nvec);
	EXPECT_EQ(NVEC_OFFERED, f.max_nvec);
}

/* The plug-in's other modes, as the capability says them */
TEST_F_TIMEOUT(info, json_irqchip, TEST_SECS)
{
	struct json_val *j;
	int ret;

	ret = msi_mode_get(self->mode, sizeof(self->mode));
	if (ret == -ENOENT)
		SKIP(return, "the plug-in has no msi_mode");
	ASSERT_EQ(0, ret);
	self->mode_saved = true;
	ASSERT_EQ(0, msi_mode_set(MSI_MODE_IRQCHIP));

	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "--json", self->dev,
			      NULL));
	ASSERT_EQ(INFO_OK, self->r.status) TH_LOG("status %d", self->r.status);
	PARSE_JSON();
	j = self->json;
	EXPECT_TRUE(j_int(j, "msi.nvec", NVEC_OFFERED));
	EXPECT_EQ(2 + MAY_CHANGE, json_count(j, "msi.cap.flags"));
	EXPECT_TRUE(j_has(j, "msi.cap.flags", "PROGRAMMED"));
	EXPECT_TRUE(j_has(j, "msi.cap.flags", "REPLAY"));
	EXPECT_TRUE(j_bool(j, "msi.cap.programmed", true));
	EXPECT_TRUE(j_str(j, "msi.cap.mask", "irqchip"));
	EXPECT_TRUE(j_int(j, "msi.cap.nr", 0));

	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, self->dev, NULL));
	ASSERT_EQ(INFO_OK, self->r.status);
	EXPECT_TRUE(has_text(&self->r, MAY_CHANGE ?
			     "flags PROGRAMMED REPLAY MAY_CHANGE\n" :
			     "flags PROGRAMMED REPLAY\n"));
	EXPECT_TRUE(has_text(&self->r, "Masking: at the interrupt controller"));
}

/*
 * Generic mode: the user says how many vectors; the capability then
 * reports a message per vector, none valid in a block just asked for.
 */
TEST_F_TIMEOUT(info, json_generic, TEST_SECS)
{
	struct json_val *j;
	char path[64];
	int ret, i;

	ret = msi_mode_get(self->mode, sizeof(self->mode));
	if (ret == -ENOENT)
		SKIP(return, "the plug-in has no msi_mode");
	ASSERT_EQ(0, ret);
	self->mode_saved = true;
	ASSERT_EQ(0, msi_mode_set(MSI_MODE_GENERIC));

	/* The default: one vector */
	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "--json", self->dev,
			      NULL));
	ASSERT_EQ(INFO_OK, self->r.status) TH_LOG("status %d", self->r.status);
	PARSE_JSON();
	j = self->json;
	EXPECT_TRUE(j_int(j, "msi.max_nvec", 2048));
	EXPECT_TRUE(j_int(j, "msi.nvec", 1));
	EXPECT_TRUE(j_int(j, "msi.irq.count", 1));
	EXPECT_EQ(1 + MAY_CHANGE, json_count(j, "msi.cap.flags"));
	EXPECT_TRUE(j_has(j, "msi.cap.flags", "REPLAY"));
	EXPECT_TRUE(j_bool(j, "msi.cap.programmed", false));
	EXPECT_TRUE(j_str(j, "msi.cap.mask", "irqchip"));
	EXPECT_TRUE(j_int(j, "msi.cap.nr", 1));
	EXPECT_EQ(1, json_count(j, "msi.cap.msgs"));

	/* --msi-vectors */
	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "--json",
			      "--msi-vectors", "4", self->dev, NULL));
	ASSERT_EQ(INFO_OK, self->r.status) TH_LOG("status %d", self->r.status);
	PARSE_JSON();
	j = self->json;
	EXPECT_TRUE(j_int(j, "msi.nvec", 4));
	EXPECT_TRUE(j_int(j, "msi.cap.nr", 4));
	ASSERT_EQ(4, json_count(j, "msi.cap.msgs"));
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "msi.cap.msgs.%d.vector", i);
		EXPECT_TRUE(j_int(j, path, i));
		snprintf(path, sizeof(path), "msi.cap.msgs.%d.valid", i);
		EXPECT_TRUE(j_bool(j, path, false));
		snprintf(path, sizeof(path), "msi.cap.msgs.%d.address", i);
		EXPECT_TRUE(j_null(j, path));
	}

	/* More than the device can have: shown, not a failure of the tool */
	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "--json",
			      "--msi-vectors", "4096", self->dev, NULL));
	ASSERT_EQ(INFO_OK, self->r.status) TH_LOG("status %d", self->r.status);
	PARSE_JSON();
	EXPECT_TRUE(j_str(self->json, "msi.error", strerror(EINVAL)));
	EXPECT_TRUE(j_none(self->json, "msi.irq"));

	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "--msi-vectors", "2",
			      self->dev, NULL));
	ASSERT_EQ(INFO_OK, self->r.status);
	EXPECT_TRUE(has_text(&self->r, "Programming: by the user"));
	EXPECT_TRUE(has_text(&self->r, "Messages: 2 reported, 0 valid\n"));
	EXPECT_TRUE(has_text(&self->r, "vector 1: none yet\n"));
}

/* --no-open: sysfs only; --no-msi: the fresh open's view only */
TEST_F_TIMEOUT(info, no_open_no_msi, TEST_SECS)
{
	struct json_val *j;

	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "--json", "--no-open",
			      self->dev, NULL));
	ASSERT_EQ(INFO_OK, self->r.status) TH_LOG("status %d", self->r.status);
	PARSE_JSON();
	j = self->json;
	EXPECT_TRUE(j_str(j, "status", "ok"));
	EXPECT_TRUE(j_bool(j, "opened", false));
	EXPECT_TRUE(j_str(j, "plugin", PLUGIN_COMPAT));
	EXPECT_TRUE(j_none(j, "regions"));
	EXPECT_TRUE(j_none(j, "msi"));

	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "-n", self->dev, NULL));
	ASSERT_EQ(INFO_OK, self->r.status);
	EXPECT_TRUE(has_text(&self->r, "VFIO: not opened: --no-open\n"));
	EXPECT_TRUE(lacks_text(&self->r, "Region 0"));

	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "--json", "--no-msi",
			      self->dev, NULL));
	ASSERT_EQ(INFO_OK, self->r.status) TH_LOG("status %d", self->r.status);
	PARSE_JSON();
	j = self->json;
	EXPECT_TRUE(j_bool(j, "opened", true));
	EXPECT_TRUE(j_int(j, "regions.0.size", VPMSI_WINDOW_SIZE));
	EXPECT_TRUE(j_int(j, "msi.max_nvec", NVEC_OFFERED));
	EXPECT_TRUE(j_bool(j, "msi.asked", false));
	EXPECT_TRUE(j_none(j, "msi.irq"));
	EXPECT_TRUE(j_none(j, "msi.cap"));
}

TEST_F_TIMEOUT(info, exit_usage, TEST_SECS)
{
	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, NULL));
	EXPECT_EQ(INFO_USAGE, self->r.status);
	EXPECT_EQ(0, self->r.len) TH_LOG("stdout: %s", self->r.out);
	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "--bogus", self->dev,
			      NULL));
	EXPECT_EQ(INFO_USAGE, self->r.status);
	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "--msi-vectors", "0",
			      self->dev, NULL));
	EXPECT_EQ(INFO_USAGE, self->r.status);
	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, self->dev, self->dev,
			      NULL));
	EXPECT_EQ(INFO_USAGE, self->r.status);
}

TEST_F_TIMEOUT(info, exit_no_device, TEST_SECS)
{
	char p[PATH_MAX];

	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "ffff0000.nonesuch",
			      NULL));
	EXPECT_EQ(INFO_NODEV, self->r.status);
	EXPECT_EQ(0, self->r.len) TH_LOG("stdout: %s", self->r.out);

	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "--json",
			      "ffff0000.nonesuch", NULL));
	EXPECT_EQ(INFO_NODEV, self->r.status);
	PARSE_JSON();
	EXPECT_TRUE(j_str(self->json, "status", "no_device"));
	EXPECT_TRUE(j_bool(self->json, "opened", false));

	/* A device in sysfs, but not a platform device */
	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0,
			      "/sys/devices/system/cpu/cpu0", NULL));
	EXPECT_EQ(INFO_NODEV, self->r.status);

	/* The same device by its sysfs path: found */
	snprintf(p, sizeof(p), PDEV_SYS_DEVS "/%s", self->dev);
	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "--no-open", p, NULL));
	EXPECT_EQ(INFO_OK, self->r.status) TH_LOG("status %d", self->r.status);
}

/* On no driver, then on a kernel driver: not VFIO's, sysfs facts only */
TEST_F_TIMEOUT(info, exit_not_vfio, TEST_SECS)
{
	char line[128];

	ASSERT_EQ(0, pdev_unbind(self->dev));
	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, self->dev, NULL));
	EXPECT_EQ(INFO_NOTVFIO, self->r.status) TH_LOG("status %d", self->r.status);
	EXPECT_TRUE(has_text(&self->r, "Driver: none\n"));
	EXPECT_TRUE(has_text(&self->r, "VFIO: not opened: not bound to any driver\n"));
	EXPECT_TRUE(lacks_text(&self->r, "Plug-in:"));

	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "--json", self->dev,
			      NULL));
	EXPECT_EQ(INFO_NOTVFIO, self->r.status);
	PARSE_JSON();
	EXPECT_TRUE(j_str(self->json, "status", "not_vfio"));
	EXPECT_TRUE(j_null(self->json, "driver"));
	EXPECT_TRUE(j_bool(self->json, "vfio_driver", false));
	EXPECT_TRUE(j_none(self->json, "regions"));

	if (!pdev_driver_exists(HOST_DRIVER))
		SKIP(return, HOST_DRIVER " is not loaded (the unbound case passed)");
	ASSERT_EQ(0, pdev_bind(self->dev, HOST_DRIVER));
	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, self->dev, NULL));
	EXPECT_EQ(INFO_NOTVFIO, self->r.status) TH_LOG("status %d", self->r.status);
	snprintf(line, sizeof(line), "Driver: %s (module %s), not a VFIO driver\n",
		 HOST_DRIVER, HOST_DRIVER);
	EXPECT_TRUE(has_text(&self->r, line));
	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "--json", self->dev,
			      NULL));
	EXPECT_EQ(INFO_NOTVFIO, self->r.status);
	PARSE_JSON();
	EXPECT_TRUE(j_str(self->json, "driver", HOST_DRIVER));
	EXPECT_TRUE(j_bool(self->json, "vfio_driver", false));
	EXPECT_TRUE(j_bool(self->json, "ours", false));
}

/*
 * The test holds the device open: the tool must not open (nor reset) it,
 * and says what sysfs tells with the busy status. The test's own device
 * fd keeps working, and the device's registers are untouched.
 */
TEST_F_TIMEOUT(info, exit_busy, TEST_SECS)
{
	struct vfio_region_info ri;
	struct vfio_device_info di;
	uint64_t v = 0;

	VD_ASSERT_OPEN(&self->vd, vfio_dev_open(&self->vd));
	VD_ASSERT_OK(vfio_dev_region_info(self->vd.device, VD_REGION_REGS,
					  &ri));
	/* Storage that a reset clears (Documentation/testdev.rst) */
	VD_ASSERT_OK(vfio_dev_wr(self->vd.device, &ri, VPMSI_REG_SCRATCH, 4,
				 0x5a5a1234));

	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, self->dev, NULL));
	EXPECT_EQ(INFO_BUSY, self->r.status) TH_LOG("status %d", self->r.status);
	EXPECT_TRUE(has_text(&self->r, "Plug-in: " PLUGIN_COMPAT "\n"));
	EXPECT_TRUE(has_text(&self->r, "VFIO: not opened: open "));
	EXPECT_TRUE(has_text(&self->r, "another VFIO user has the group"));
	EXPECT_TRUE(lacks_text(&self->r, "Region 0"));

	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "--json", self->dev,
			      NULL));
	EXPECT_EQ(INFO_BUSY, self->r.status);
	PARSE_JSON();
	EXPECT_TRUE(j_str(self->json, "status", "busy"));
	EXPECT_TRUE(j_bool(self->json, "opened", false));
	EXPECT_TRUE(j_str(self->json, "driver", self->saved.driver));
	EXPECT_TRUE(j_str(self->json, "reset_method", "plugin"));
	EXPECT_TRUE(j_int(self->json, "iommu_group.id", group_number(self->group)));
	EXPECT_TRUE(j_none(self->json, "regions"));

	di.argsz = sizeof(di);
	VD_ASSERT_OK(vfio_dev_device_info(self->vd.device, &di));
	VD_ASSERT_OK(vfio_dev_rd(self->vd.device, &ri, VPMSI_REG_SCRATCH, 4,
				 &v));
	EXPECT_EQ(0x5a5a1234, v) TH_LOG("the device was reset under its user");
	/* ... which this check would have seen */
	VD_ASSERT_OK(vfio_dev_reset(self->vd.device));
	VD_ASSERT_OK(vfio_dev_rd(self->vd.device, &ri, VPMSI_REG_SCRATCH, 4,
				 &v));
	EXPECT_EQ(0, v) TH_LOG("SCRATCH after VFIO_DEVICE_RESET");
}

/* An unprivileged user: the group's node is root's */
TEST_F_TIMEOUT(info, exit_permission, TEST_SECS)
{
	struct stat st;

	ASSERT_EQ(0, stat(self->group, &st));
	if (st.st_mode & 0006)
		SKIP(return, "%s is open to every user (mode %o)", self->group,
		     st.st_mode & 0777);
	if (st.st_uid == NOBODY || st.st_gid == NOBODY)
		SKIP(return, "%s belongs to uid/gid %d", self->group, NOBODY);

	ASSERT_EQ(0, run_tool(&self->r, self->tool, NOBODY, self->dev, NULL));
	ASSERT_NE(126, self->r.status) TH_LOG("cannot become uid %d", NOBODY);
	ASSERT_NE(127, self->r.status) TH_LOG("uid %d cannot run %s", NOBODY,
					      self->tool);
	EXPECT_EQ(INFO_PERM, self->r.status) TH_LOG("status %d", self->r.status);
	EXPECT_TRUE(has_text(&self->r, "Permission denied"));
	EXPECT_TRUE(has_text(&self->r, "Reset: plugin"));

	ASSERT_EQ(0, run_tool(&self->r, self->tool, NOBODY, "--json",
			      self->dev, NULL));
	EXPECT_EQ(INFO_PERM, self->r.status);
	PARSE_JSON();
	EXPECT_TRUE(j_str(self->json, "status", "permission"));
	EXPECT_TRUE(j_bool(self->json, "opened", false));
}

/*
 * The wired-only devices share a group: one on vfio-platform-msi and the
 * other on a kernel driver that uses the DMA API make it not viable.
 */
TEST_F_TIMEOUT(info, exit_not_viable, TEST_SECS)
{
	const char *a = extra_names(0), *b = extra_names(1);
	char line[128], path[64];
	int i, n;

	for (i = 0; i < NEXTRA; i++)
		if (!pdev_exists(extra_names(i)))
			SKIP(return, "no %s (board without the extra test devices)",
			     extra_names(i));
	if (!pdev_driver_exists(HOST_DRIVER))
		SKIP(return, HOST_DRIVER " is not loaded");
	if (strstr(self->group, "noiommu"))
		SKIP(return, "VFIO no-IOMMU mode: every device has a group of its own");
	for (i = 0; i < NEXTRA; i++) {
		ASSERT_EQ(0, pdev_save(extra_names(i), &self->extra_saved[i]));
		self->extra_saved_ok[i] = true;
	}
	ASSERT_EQ(0, pdev_bind(a, self->saved.driver));
	ASSERT_EQ(0, pdev_bind(b, HOST_DRIVER));

	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, a, NULL));
	EXPECT_EQ(INFO_NOTVIABLE, self->r.status) TH_LOG("status %d", self->r.status);
	EXPECT_TRUE(has_text(&self->r, "is not viable"));
	snprintf(line, sizeof(line), "\t\t%s: driver %s\n", b, HOST_DRIVER);
	EXPECT_TRUE(has_text(&self->r, line));
	snprintf(line, sizeof(line), "\t\t%s: driver %s\n", a,
		 self->saved.driver);
	EXPECT_TRUE(has_text(&self->r, line));

	ASSERT_EQ(0, run_tool(&self->r, self->tool, 0, "--json", a, NULL));
	EXPECT_EQ(INFO_NOTVIABLE, self->r.status);
	PARSE_JSON();
	EXPECT_TRUE(j_str(self->json, "status", "not_viable"));
	n = json_count(self->json, "iommu_group.members");
	ASSERT_EQ(2, n);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "iommu_group.members.%d.device", i);
		EXPECT_TRUE(j_str(self->json, path, extra_names(i)));
	}
	EXPECT_TRUE(j_str(self->json, "iommu_group.members.1.driver", HOST_DRIVER));
	/* Plug-in and reset: the extra devices use the same plug-in */
	EXPECT_TRUE(j_str(self->json, "plugin", PLUGIN_COMPAT));
}

TEST_HARNESS_MAIN
