// SPDX-License-Identifier: GPL-2.0
/*
 * dev-msi: disable_irq() masks a vector at once, also for a handler
 * requested again after free_irq() (include/linux/dev_msi.h).
 *
 * The interrupt core clears IRQ_DISABLE_UNLAZY with a vector's last
 * action; dev_msi_request_irq() sets it again. vfio-platform-msi never
 * frees a handler before close, so this cannot be seen through VFIO: the
 * test-only driver vpmsi_devmsi_check (board/vpmsi_devmsi_check.c) does
 * the kernel side on the test device and says what it saw in sysfs. Each
 * test binds the device to it (driver_override), writes "run", reads
 * "result", and binds the device back to the driver it had.
 *
 *  - disable_masks_at_once: disable_irq() leaves the vector masked, for
 *    the first handler and for the one requested after free_irq();
 *  - held_event_delivered_once: two fires while disabled give exactly one
 *    handler call after enable_irq() (lazy disable gives two: the core
 *    replays the first, the device sends the second it held).
 *
 * Each test loads the module from MOD_PATH (scripts/vm-run installs it
 * there) and unloads it at the end: it holds dev-msi, which other tests
 * unload. Needs root and the module; skips otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "vpm_harness.h"
#include "msi.h"
#include "pdev.h"

#define CHECK_DRIVER	"vpmsi_devmsi_check"
#define CHECK_MODULE	"vpmsi_devmsi_check"
#define MOD_PATH	"/lib/modules/vpm/" CHECK_MODULE ".ko"

/* What one run of the check driver saw (its "result" attribute) */
struct facts {
	long masked_first;	/* disable_irq() masked, first handler */
	long delivered;		/* handler calls, one fire while enabled */
	long masked;		/* disable_irq() masked, handler requested again */
	long held;		/* handler calls while disabled, two fires */
	long handled;		/* handler calls after enable_irq() */
	long sent;		/* MSIs the device sent for the two fires */
};

static int dev_attr_path(char *buf, size_t len, const char *attr)
{
	int n = snprintf(buf, len, PDEV_SYS_DEVS "/%s/%s", msi_dev_name(),
			 attr);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static long fact(const char *text, const char *key)
{
	size_t klen = strlen(key);
	const char *p = text;
	char *end;
	long v;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == ' ') {
			v = strtol(p + klen + 1, &end, 10);
			return *end == '\n' ? v : -1;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/* Write "run", read "result" into @text as one line: 0 or -errno */
static int check_run(struct facts *f, char *text, size_t len)
{
	char path[PATH_MAX], *p;
	ssize_t n;
	int fd, ret;

	ret = dev_attr_path(path, sizeof(path), "run");
	if (ret)
		return ret;
	ret = msi_write_str(path, "1");
	if (ret)
		return ret;
	ret = dev_attr_path(path, sizeof(path), "result");
	if (ret)
		return ret;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, text, len - 1);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	text[n] = '\0';

	f->masked_first = fact(text, "masked_first");
	f->delivered = fact(text, "delivered");
	f->masked = fact(text, "masked");
	f->held = fact(text, "held");
	f->handled = fact(text, "handled");
	f->sent = fact(text, "sent");
	/* One line, for the log: KTAP wants "# " before each */
	for (p = text; *p; p++)
		if (*p == '\n')
			*p = p[1] ? ' ' : '\0';
	if (f->masked_first < 0 || f->delivered < 0 || f->masked < 0 ||
	    f->held < 0 || f->handled < 0 || f->sent < 0)
		return -EPROTO;
	return 0;
}

/* Load the check driver's module: 0, -ENOENT without the file, or -errno */
static int check_load(void)
{
	int fd, ret = 0;

	fd = open(MOD_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, "", 0))
		ret = -errno;
	close(fd);
	return ret;
}

FIXTURE(devmsi) {
	struct pdev_state saved;
	bool loaded;		/* this test loaded the module */
	struct facts f;
	char text[256];
};

FIXTURE_SETUP(devmsi)
{
	int ret;

	self->loaded = false;
	if (geteuid())
		SKIP(return, "needs root");
	if (!msi_dev_name())
		SKIP(return, "%s is not set", VFIO_DEV_ENV_DEVICE);
	VD_ASSERT_OK(pdev_save(msi_dev_name(), &self->saved));
	/* Last: a failed setup has no teardown */
	if (!pdev_driver_exists(CHECK_DRIVER)) {
		ret = check_load();
		if (ret == -ENOENT)
			SKIP(return, "no %s", MOD_PATH);
		ASSERT_EQ(0, ret)
			TH_LOG("loading %s: %s", MOD_PATH, strerror(-ret));
		self->loaded = true;
	}
}

/* In the parent, after the test (lib/vpm_harness.h): no child resource */
FIXTURE_TEARDOWN_PARENT(devmsi)
{
	/* Back to the driver the device had, so later tests find it there */
	EXPECT_EQ(0, pdev_restore(msi_dev_name(), &self->saved))
		TH_LOG("cannot bind %s back to \"%s\"", msi_dev_name(),
		       self->saved.driver);
	if (self->loaded)
		EXPECT_EQ(0, syscall(SYS_delete_module, CHECK_MODULE,
				     O_NONBLOCK))
			TH_LOG("unloading %s: %s", CHECK_MODULE,
			       strerror(errno));
}

/*
 * Bind the device to the check driver and run it once. In the test, not
 * in the setup: the harness tears down only after a completed setup.
 */
static void bind_and_run(struct __test_metadata *_metadata,
			 FIXTURE_DATA(devmsi) *self)
{
	self->text[0] = '\0';
	VD_ASSERT_OK(pdev_bind(msi_dev_name(), CHECK_DRIVER));
	ASSERT_EQ(0, check_run(&self->f, self->text, sizeof(self->text)))
		TH_LOG("run of %s failed, result: \"%s\"", CHECK_DRIVER,
		       self->text);
	TH_LOG("%s: %s", CHECK_DRIVER, self->text);
	/* Nothing below means anything if the vector cannot deliver */
	ASSERT_EQ(1, self->f.delivered)
		TH_LOG("one fire of an enabled vector: %ld handler calls",
		       self->f.delivered);
}

TEST_F_TIMEOUT(devmsi, disable_masks_at_once, 60)
{
	bind_and_run(_metadata, self);
	EXPECT_EQ(1, self->f.masked_first)
		TH_LOG("%s: %s", "first handler",
		       "disable_irq() left the vector unmasked (lazy)");
	EXPECT_EQ(1, self->f.masked)
		TH_LOG("%s: %s", "handler requested again after free_irq()",
		       "disable_irq() left the vector unmasked (lazy)");
}

TEST_F_TIMEOUT(devmsi, held_event_delivered_once, 60)
{
	bind_and_run(_metadata, self);
	EXPECT_EQ(0, self->f.held)
		TH_LOG("the handler ran %ld times while the vector was disabled",
		       self->f.held);
	EXPECT_EQ(1, self->f.handled)
		TH_LOG("%s: %ld handler calls after enable_irq() (%s)",
		       "two fires while disabled", self->f.handled,
		       "the core replayed an event the device also held");
	EXPECT_EQ(1, self->f.sent)
		TH_LOG("%s: the device sent %ld MSIs (%s)",
		       "two fires while disabled", self->f.sent,
		       "disable_irq() did not mask at the device");
}

TEST_HARNESS_MAIN
