// SPDX-License-Identifier: GPL-2.0
/*
 * Platform devices in sysfs. See pdev.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "msi.h"
#include "pdev.h"

const char *pdev_vpm_driver(void)
{
	static char name[PDEV_NAME_LEN];

	if (!name[0] && msi_read_line(PDEV_VPM_NAME_PARAM, name, sizeof(name)))
		name[0] = '\0';
	return name[0] ? name : PDEV_VPM_NAME_DEFAULT;
}

const char *pdev_board_device(unsigned int n)
{
	static char names[PDEV_BOARD_DEVICES][PDEV_NAME_LEN];
	const char *dev = getenv("VFIO_PMSI_DEVICE");
	unsigned long base;
	char *end;

	if (n >= PDEV_BOARD_DEVICES)
		return NULL;
	if (!dev || !*dev)
		dev = PDEV_BOARD_DEFAULT;
	if (n == 0)
		return dev;
	base = strtoul(dev, &end, 16);
	if (strcmp(end, ".testdev"))
		base = strtoul(PDEV_BOARD_DEFAULT, NULL, 16);
	snprintf(names[n], sizeof(names[n]), "%lx.testdev",
		 base + n * 0x100000ul);
	return names[n];
}

bool pdev_exists(const char *dev)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PDEV_SYS_DEVS "/%s", dev);
	return !access(path, F_OK);
}

bool pdev_driver_exists(const char *drv)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PDEV_SYS_DRIVERS "/%s", drv);
	return !access(path, F_OK);
}

/* The last component of the symbolic link @path, "" if there is none */
static int pdev_link_name(const char *path, char *buf, size_t len)
{
	char link[PATH_MAX];
	const char *base;
	ssize_t n;

	buf[0] = '\0';
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	link[n] = '\0';
	base = strrchr(link, '/');
	snprintf(buf, len, "%s", base ? base + 1 : link);
	return 0;
}

int pdev_driver(const char *dev, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PDEV_SYS_DEVS "/%s/driver", dev);
	return pdev_link_name(path, buf, len);
}

bool pdev_bound_to(const char *dev, const char *drv)
{
	char cur[PDEV_NAME_LEN];

	return !pdev_driver(dev, cur, sizeof(cur)) && !strcmp(cur, drv);
}

int pdev_unbind(const char *dev)
{
	char path[PATH_MAX], cur[PDEV_NAME_LEN];
	int ret;

	ret = pdev_driver(dev, cur, sizeof(cur));
	if (ret || !cur[0])
		return ret;
	snprintf(path, sizeof(path), PDEV_SYS_DEVS "/%s/driver/unbind", dev);
	return msi_write_str(path, dev);
}

int pdev_set_override(const char *dev, const char *drv)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PDEV_SYS_DEVS "/%s/driver_override",
		 dev);
	return msi_write_str(path, drv && *drv ? drv : "\n");
}

int pdev_bind(const char *dev, const char *drv)
{
	int ret;

	if (pdev_bound_to(dev, drv))
		return 0;
	ret = pdev_unbind(dev);
	if (ret)
		return ret;
	ret = pdev_set_override(dev, drv);
	if (ret)
		return ret;
	/* drivers_probe reports a failed probe as its write's error */
	ret = msi_write_str(PDEV_SYS_BUS "/drivers_probe", dev);
	if (pdev_bound_to(dev, drv))
		return 0;
	return ret ? ret : -ENODEV;
}

int pdev_save(const char *dev, struct pdev_state *st)
{
	char path[PATH_MAX];
	int ret;

	memset(st, 0, sizeof(*st));
	ret = pdev_driver(dev, st->driver, sizeof(st->driver));
	if (ret)
		return ret;
	snprintf(path, sizeof(path), PDEV_SYS_DEVS "/%s/driver_override",
		 dev);
	ret = msi_read_line(path, st->override, sizeof(st->override));
	if (ret)
		return ret;
	if (!strcmp(st->override, "(null)"))
		st->override[0] = '\0';
	return 0;
}

int pdev_restore(const char *dev, const struct pdev_state *st)
{
	int ret, err;

	if (st->driver[0] && pdev_bound_to(dev, st->driver))
		return pdev_set_override(dev, st->override);
	ret = pdev_unbind(dev);
	if (st->driver[0]) {
		err = pdev_bind(dev, st->driver);
		if (!ret)
			ret = err;
	}
	err = pdev_set_override(dev, st->override);
	return ret ? ret : err;
}

int pdev_iommu_group(const char *dev)
{
	char path[PATH_MAX], name[32], *end;
	long n;
	int ret;

	snprintf(path, sizeof(path), PDEV_SYS_DEVS "/%s/iommu_group", dev);
	ret = pdev_link_name(path, name, sizeof(name));
	if (ret)
		return ret;
	if (!name[0])
		return -ENOENT;
	n = strtol(name, &end, 10);
	if (*end || n < 0 || n > INT_MAX)
		return -EINVAL;
	return (int)n;
}

static void pdev_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int pdev_vfio_group(const char *dev, char *buf, size_t len, int timeout_ms)
{
	int group = pdev_iommu_group(dev);
	int waited = 0;

	if (group < 0)
		return group;
	for (;;) {
		/* no-IOMMU mode: /dev/vfio/noiommu-N, never both */
		snprintf(buf, len, "/dev/vfio/noiommu-%d", group);
		if (!access(buf, F_OK))
			return 0;
		snprintf(buf, len, "/dev/vfio/%d", group);
		if (!access(buf, F_OK))
			return 0;
		if (waited >= timeout_ms)
			return -ENOENT;
		pdev_sleep_ms(5);
		waited += 5;
	}
}
