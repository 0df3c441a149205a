/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Platform devices in sysfs, for selftests that bind devices themselves:
 * which driver a device is bound to, binding through driver_override and
 * drivers_probe, unbinding, and the VFIO group node of a device.
 *
 * Functions return 0 or a negative errno and never exit, like vfio_dev.h.
 * A device is named as in /sys/bus/platform/devices, e.g.
 * "7f100000.testdev".
 */
#ifndef VPMSI_LIB_PDEV_H
#define VPMSI_LIB_PDEV_H

#include <stdbool.h>
#include <stddef.h>

#define PDEV_SYS_BUS		"/sys/bus/platform"
#define PDEV_SYS_DEVS		PDEV_SYS_BUS "/devices"
#define PDEV_SYS_DRIVERS	PDEV_SYS_BUS "/drivers"
#define PDEV_NAME_LEN		64

/* Saved binding state of a device, see pdev_save() */
struct pdev_state {
	char driver[PDEV_NAME_LEN];	/* bound driver, or "" */
	char override[PDEV_NAME_LEN];	/* driver_override, or "" */
};

/* Where vfio-platform-msi says the name its driver registered */
#define PDEV_VPM_NAME_PARAM	"/sys/module/vfio_platform_msi/parameters/driver_name"
/* The name vfio-platform-msi registers without driver_name on most kernels */
#define PDEV_VPM_NAME_DEFAULT	"vfio-platform"

/*
 * The name of the board's test device @n (scripts/gen-dtb): 0 is the one
 * under test, VFIO_PMSI_DEVICE ("7f000000.testdev" on the arm64 board,
 * "9f000000.testdev" on the riscv64 one), 1 and 2 the wired-only devices
 * of one IOMMU group, 1 MB and 2 MB above it (above 7f000000 if
 * VFIO_PMSI_DEVICE is not a test device's name). NULL for @n >= 3.
 */
#define PDEV_BOARD_DEVICES	3
#define PDEV_BOARD_DEFAULT	"7f000000.testdev"
const char *pdev_board_device(unsigned int n);

/*
 * The name of vfio-platform-msi's platform driver in effect: its module
 * parameter driver_name (vfio-platform, or vfio-platform-msi next to
 * upstream vfio-platform), read the first time the module is loaded and
 * remembered (a test may unload it); PDEV_VPM_NAME_DEFAULT until then.
 */
const char *pdev_vpm_driver(void);

bool pdev_exists(const char *dev);
/* Is @drv a registered platform driver? */
bool pdev_driver_exists(const char *drv);
/* The driver @dev is bound to, "" if none: 0 or -errno */
int pdev_driver(const char *dev, char *buf, size_t len);
/* Bound to @drv right now? */
bool pdev_bound_to(const char *dev, const char *drv);

/* Unbind @dev from its driver, if any */
int pdev_unbind(const char *dev);
/*
 * Bind @dev to @drv: unbind it from another driver, set driver_override,
 * ask the bus to probe. 0 once bound to @drv; else the probe's error, or
 * -ENODEV if the probe did not report one. driver_override stays @drv.
 */
int pdev_bind(const char *dev, const char *drv);
/* Set (NULL or "": clear) driver_override */
int pdev_set_override(const char *dev, const char *drv);

/* Remember the driver and driver_override of @dev ... */
int pdev_save(const char *dev, struct pdev_state *st);
/* ... and put them back (best effort: the first error is returned) */
int pdev_restore(const char *dev, const struct pdev_state *st);

/* The number of the IOMMU group of @dev: >= 0 or -errno (-ENOENT: none) */
int pdev_iommu_group(const char *dev);
/*
 * The VFIO group node of @dev: /dev/vfio/N, or /dev/vfio/noiommu-N in VFIO
 * no-IOMMU mode. Waits up to @timeout_ms for devtmpfs to create it.
 */
int pdev_vfio_group(const char *dev, char *buf, size_t len, int timeout_ms);

#endif /* VPMSI_LIB_PDEV_H */
