/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small VFIO user library for the vfio-platform-msi selftests.
 *
 * It does exactly what a VFIO user does: open the container, check the API
 * version and the IOMMU model's extension, open the group named by the
 * environment, check that it is viable, attach it to the container, select
 * the IOMMU model and get the device fd. The model is type1v2, or
 * VFIO_NOIOMMU_IOMMU for a no-IOMMU group (/dev/vfio/noiommu-N, which
 * has no DMA mapping at all). On top of that it has helpers for
 * regions (info, mmap, exact-width pread/pwrite), eventfds (create, wait
 * with a bounded timeout, assert quiet) and VFIO_DEVICE_SET_IRQS.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure, and never exits: the tests decide what a failure means. The
 * library does not depend on the kselftest harness; the assertion macros at
 * the end of this file are meant for harness tests only.
 */
#ifndef VFIO_DEV_H
#define VFIO_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include <linux/vfio.h>

/* Environment set by scripts/vm-run */
#define VFIO_DEV_ENV_GROUP	"VFIO_PMSI_GROUP"	/* /dev/vfio/[noiommu-]N */
#define VFIO_DEV_ENV_DEVICE	"VFIO_PMSI_DEVICE"	/* e.g. 7f000000.testdev */
#define VFIO_DEV_CONTAINER	"/dev/vfio/vfio"

/* VFIO layout of the test device: regions and wired IRQ indexes */
#define VD_REGION_REGS		0	/* 64 KiB register window */
#define VD_REGION_AUX		1	/* 0x100 bytes of RAM */
#define VD_NUM_REGIONS		2
#define VD_IRQ_LEVEL		0	/* wired line 0, level high */
#define VD_IRQ_EDGE		1	/* wired line 1, rising edge */
#define VD_NUM_WIRED		2

/* Region offsets in the device fd, as upstream vfio-platform defines them */
#define VD_REGION_SHIFT		40
#define VD_REGION_OFFSET(i)	((uint64_t)(i) << VD_REGION_SHIFT)

/*
 * Timeouts. The guest is a TCG emulation: generous upper bounds for things
 * that must happen, short windows for things that must not.
 */
#define VD_EVENT_MS		3000	/* an expected event arrives within */
#define VD_QUIET_MS		250	/* no event is expected within */
#define VD_DEV_MS		3000	/* device model mailbox round trip */

struct vfio_dev {
	int container;			/* /dev/vfio/vfio, or -1 */
	int group;			/* /dev/vfio/N, or -1 */
	int device;			/* device fd, or -1 */
	char group_path[64];
	char name[64];
	struct vfio_device_info info;	/* filled by vfio_dev_open() */
	char err[256];			/* the step that failed, for the log */
};

/* Environment: NULL if both variables are there, else why not */
const char *vfio_dev_env_missing(void);

/* Steps of the open path; each records a failure in vd->err */
void vfio_dev_init(struct vfio_dev *vd);
/* The IOMMU model the group of VFIO_PMSI_GROUP attaches to */
unsigned long vfio_dev_iommu_type(void);
int vfio_dev_open_container(struct vfio_dev *vd);
int vfio_dev_open_group(struct vfio_dev *vd);
int vfio_dev_attach(struct vfio_dev *vd);
int vfio_dev_get_device(struct vfio_dev *vd);

/*
 * The same steps for a group and a device named by the caller rather than
 * the environment (tests that bind devices themselves). The container is
 * checked for IOMMU model @type; the group must be viable.
 */
int vfio_dev_open_container_type(struct vfio_dev *vd, unsigned long type);
int vfio_dev_open_group_path(struct vfio_dev *vd, const char *path);
int vfio_dev_get_device_name(struct vfio_dev *vd, const char *name);
/* The IOMMU model of a group node: VFIO_NOIOMMU_IOMMU for noiommu-N */
unsigned long vfio_dev_iommu_type_of(const char *group_path);
/* VFIO_GROUP_GET_STATUS: 0 with *flags, or -errno */
int vfio_dev_group_status(int groupfd, uint32_t *flags);
/* All of the above plus VFIO_DEVICE_GET_INFO */
int vfio_dev_open(struct vfio_dev *vd);
/* Closes whatever is open, device first; safe to call twice */
void vfio_dev_close(struct vfio_dev *vd);

/* Info ioctls (argsz set to the full structure) */
int vfio_dev_device_info(int devfd, struct vfio_device_info *info);
int vfio_dev_region_info(int devfd, uint32_t index,
			 struct vfio_region_info *ri);
int vfio_dev_irq_info(int devfd, uint32_t index, struct vfio_irq_info *ii);
int vfio_dev_reset(int devfd);

/*
 * Regions. vfio_dev_mmap() maps len bytes at offset off of the region
 * (MAP_SHARED, read/write) and returns NULL with errno set on failure.
 * vfio_dev_read()/vfio_dev_write() do one pread/pwrite of len bytes at
 * offset off of the region and return the byte count or -errno.
 * vfio_dev_rd()/vfio_dev_wr() move one value of width 1, 2, 4 or 8 bytes
 * and fail with -EIO on a short transfer.
 */
void *vfio_dev_mmap(int devfd, const struct vfio_region_info *ri,
		    uint64_t off, size_t len);
ssize_t vfio_dev_read(int devfd, const struct vfio_region_info *ri,
		      uint64_t off, void *buf, size_t len);
ssize_t vfio_dev_write(int devfd, const struct vfio_region_info *ri,
		       uint64_t off, const void *buf, size_t len);
int vfio_dev_rd(int devfd, const struct vfio_region_info *ri, uint64_t off,
		unsigned int width, uint64_t *val);
int vfio_dev_wr(int devfd, const struct vfio_region_info *ri, uint64_t off,
		unsigned int width, uint64_t val);
/*
 * Poll a 32-bit register through the device fd until (value & mask) == want
 * or timeout_ms pass: 0, -ETIMEDOUT (last value in *last) or -errno.
 */
int vfio_dev_poll32(int devfd, const struct vfio_region_info *ri,
		    uint64_t off, uint32_t mask, uint32_t want, int timeout_ms,
		    uint32_t *last);

/*
 * Loads and stores of 1, 2, 4 or 8 bytes at byte offset off of an mmapped
 * region: one naturally aligned, single-copy-atomic access each (the
 * mapping is Device memory), which the compiler may neither elide, merge
 * nor split.
 */
static inline uint8_t vd_mmio_rd8(const void *base, size_t off)
{
	return __atomic_load_n((const uint8_t *)((const uint8_t *)base + off),
			       __ATOMIC_RELAXED);
}

static inline void vd_mmio_wr8(void *base, size_t off, uint8_t v)
{
	__atomic_store_n((uint8_t *)((uint8_t *)base + off), v,
			 __ATOMIC_RELAXED);
}

static inline uint16_t vd_mmio_rd16(const void *base, size_t off)
{
	return __atomic_load_n((const uint16_t *)((const uint8_t *)base + off),
			       __ATOMIC_RELAXED);
}

static inline void vd_mmio_wr16(void *base, size_t off, uint16_t v)
{
	__atomic_store_n((uint16_t *)((uint8_t *)base + off), v,
			 __ATOMIC_RELAXED);
}

static inline uint32_t vd_mmio_rd32(const void *base, size_t off)
{
	return __atomic_load_n((const uint32_t *)((const uint8_t *)base + off),
			       __ATOMIC_RELAXED);
}

static inline void vd_mmio_wr32(void *base, size_t off, uint32_t v)
{
	__atomic_store_n((uint32_t *)((uint8_t *)base + off), v,
			 __ATOMIC_RELAXED);
}

static inline uint64_t vd_mmio_rd64(const void *base, size_t off)
{
	return __atomic_load_n((const uint64_t *)((const uint8_t *)base + off),
			       __ATOMIC_RELAXED);
}

static inline void vd_mmio_wr64(void *base, size_t off, uint64_t v)
{
	__atomic_store_n((uint64_t *)((uint8_t *)base + off), v,
			 __ATOMIC_RELAXED);
}

/*
 * Eventfds. efd_wait() waits up to timeout_ms for the counter to become
 * non-zero, reads (and so clears) it into *val and returns 1; it returns
 * 0 on timeout and -errno on error. efd_collect() sums everything that
 * arrives within window_ms. efd_drain() clears the counter and returns its
 * value. efd_signal() adds v to the counter.
 */
int efd_create(void);
int efd_wait(int fd, int timeout_ms, uint64_t *val);
int efd_collect(int fd, int window_ms, uint64_t *total);
uint64_t efd_drain(int fd);
int efd_signal(int fd, uint64_t v);

/*
 * VFIO_DEVICE_SET_IRQS. vfio_irq_set() sends one request with data of
 * data_len bytes (argsz = header + data_len) and returns 0 or -errno.
 * vfio_irq_action() covers the usual single-IRQ cases: action is one of
 * VFIO_IRQ_SET_ACTION_{TRIGGER,MASK,UNMASK}, type one of
 * VFIO_IRQ_SET_DATA_{NONE,BOOL,EVENTFD}; value is the bool or the fd and
 * is ignored for DATA_NONE.
 */
int vfio_irq_set(int devfd, uint32_t flags, uint32_t index, uint32_t start,
		 uint32_t count, const void *data, size_t data_len);
int vfio_irq_action(int devfd, uint32_t index, uint32_t action,
		    uint32_t type, int32_t value);

static inline int vfio_irq_set_trigger(int devfd, uint32_t index, int32_t fd)
{
	return vfio_irq_action(devfd, index, VFIO_IRQ_SET_ACTION_TRIGGER,
			       VFIO_IRQ_SET_DATA_EVENTFD, fd);
}

/* TRIGGER | DATA_NONE with count 0: tear the trigger down */
static inline int vfio_irq_disable(int devfd, uint32_t index)
{
	return vfio_irq_set(devfd, VFIO_IRQ_SET_ACTION_TRIGGER |
			    VFIO_IRQ_SET_DATA_NONE, index, 0, 0, NULL, 0);
}

/* TRIGGER | DATA_NONE with count 1: software loopback */
static inline int vfio_irq_loopback(int devfd, uint32_t index)
{
	return vfio_irq_action(devfd, index, VFIO_IRQ_SET_ACTION_TRIGGER,
			       VFIO_IRQ_SET_DATA_NONE, 0);
}

static inline int vfio_irq_mask(int devfd, uint32_t index)
{
	return vfio_irq_action(devfd, index, VFIO_IRQ_SET_ACTION_MASK,
			       VFIO_IRQ_SET_DATA_NONE, 0);
}

static inline int vfio_irq_unmask(int devfd, uint32_t index)
{
	return vfio_irq_action(devfd, index, VFIO_IRQ_SET_ACTION_UNMASK,
			       VFIO_IRQ_SET_DATA_NONE, 0);
}

/* Names for log messages */
const char *vd_errno_name(int err);
const char *vd_action_name(uint32_t action);
const char *vd_data_name(uint32_t type);

/*
 * Assertions for kselftest harness tests. The expression is logged next to
 * the values, and errnos by name.
 *
 * VD_ASSERT_OK(expr): expr returns 0 (or >= 0) on success, -errno on error.
 * VD_ASSERT_OPEN(vd, expr): a vfio_dev_open*() step.
 * VD_ASSERT_ERR(err, expr): expr returns -err.
 * VD_ASSERT_SYS(expr): a system call returning -1 with errno on failure.
 */
#define VD_ASSERT_OK(expr) do {						\
	long __vd_r = (long)(expr);					\
	ASSERT_LE(0, __vd_r)						\
		TH_LOG("%s failed: %s (%ld)", #expr,			\
		       vd_errno_name((int)-__vd_r), __vd_r);		\
} while (0)

#define VD_EXPECT_OK(expr) do {						\
	long __vd_r = (long)(expr);					\
	EXPECT_LE(0, __vd_r)						\
		TH_LOG("%s failed: %s (%ld)", #expr,			\
		       vd_errno_name((int)-__vd_r), __vd_r);		\
} while (0)

/* A vfio_dev_open*() step: logs the step that failed */
#define VD_ASSERT_OPEN(vd, expr) do {					\
	long __vd_r = (long)(expr);					\
	ASSERT_EQ(0, __vd_r)						\
		TH_LOG("%s failed: %s", #expr, (vd)->err);		\
} while (0)

#define VD_ASSERT_ERR(err, expr) do {					\
	int __vd_e = (err);						\
	long __vd_r = (long)(expr);					\
	ASSERT_EQ(-(long)__vd_e, __vd_r)				\
		TH_LOG("%s: expected %s, got %s (%ld)", #expr,		\
		       vd_errno_name(__vd_e),				\
		       __vd_r ? vd_errno_name((int)-__vd_r) : "success",\
		       __vd_r);						\
} while (0)

#define VD_EXPECT_ERR(err, expr) do {					\
	int __vd_e = (err);						\
	long __vd_r = (long)(expr);					\
	EXPECT_EQ(-(long)__vd_e, __vd_r)				\
		TH_LOG("%s: expected %s, got %s (%ld)", #expr,		\
		       vd_errno_name(__vd_e),				\
		       __vd_r ? vd_errno_name((int)-__vd_r) : "success",\
		       __vd_r);						\
} while (0)

#define VD_ASSERT_SYS(expr) do {					\
	long __vd_r = (long)(expr);					\
	int __vd_e = errno;						\
	ASSERT_NE(-1, __vd_r)						\
		TH_LOG("%s failed: %s", #expr, vd_errno_name(__vd_e));	\
} while (0)

/* An event arrives within VD_EVENT_MS; its counter value goes to *val */
#define VD_ASSERT_EVENT(fd, val, what) do {				\
	int __vd_fd = (fd);						\
	int __vd_r = efd_wait(__vd_fd, VD_EVENT_MS, (val));		\
	ASSERT_EQ(1, __vd_r)						\
		TH_LOG("%s: no event on eventfd %d within %d ms%s%s",	\
		       (what), __vd_fd, VD_EVENT_MS,			\
		       __vd_r < 0 ? ": " : "",				\
		       __vd_r < 0 ? vd_errno_name(-__vd_r) : "");	\
} while (0)

/* No event arrives within VD_QUIET_MS */
#define VD_ASSERT_QUIET(fd, what) do {					\
	int __vd_fd = (fd);						\
	uint64_t __vd_v = 0;						\
	int __vd_r = efd_wait(__vd_fd, VD_QUIET_MS, &__vd_v);		\
	ASSERT_EQ(0, __vd_r)						\
		TH_LOG("%s: expected no event on eventfd %d, got %s %llu",\
		       (what), __vd_fd, __vd_r < 0 ? "error" : "count",	\
		       __vd_r < 0 ? (unsigned long long)-__vd_r :	\
		       (unsigned long long)__vd_v);			\
} while (0)

#endif /* VFIO_DEV_H */
