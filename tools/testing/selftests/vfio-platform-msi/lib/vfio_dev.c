// SPDX-License-Identifier: GPL-2.0
/*
 * A small VFIO user library for the vfio-platform-msi selftests.
 * See vfio_dev.h for the conventions.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vfio_dev.h"

static int vd_fail(struct vfio_dev *vd, int err, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vd->err, sizeof(vd->err), fmt, ap);
	va_end(ap);
	n = strlen(vd->err);
	if (err)
		snprintf(vd->err + n, sizeof(vd->err) - n, ": %s (%s)",
			 vd_errno_name(err), strerror(err));
	return err ? -err : -EINVAL;
}

const char *vfio_dev_env_missing(void)
{
	const char *group = getenv(VFIO_DEV_ENV_GROUP);
	const char *dev = getenv(VFIO_DEV_ENV_DEVICE);

	if (!group || !*group)
		return VFIO_DEV_ENV_GROUP " is not set (run under scripts/vm-run)";
	if (!dev || !*dev)
		return VFIO_DEV_ENV_DEVICE " is not set (run under scripts/vm-run)";
	return NULL;
}

/*
 * The group's device node, from the environment: "/dev/vfio/N", a bare "N",
 * or "/dev/vfio/noiommu-N". VFIO's no-IOMMU mode (CONFIG_VFIO_NOIOMMU,
 * vfio.enable_unsafe_noiommu_mode) names group N /dev/vfio/noiommu-N, so
 * "N" that only exists as noiommu-N means that one (both cannot exist:
 * they share the IOMMU group numbers). Returns false if the variable is
 * not set.
 */
static bool vd_group_path(char *buf, size_t len)
{
	const char *env = getenv(VFIO_DEV_ENV_GROUP);
	const char *p;

	if (!env || !*env)
		return false;
	for (p = env; *p && isdigit((unsigned char)*p); p++)
		;
	if (!*p)
		snprintf(buf, len, "/dev/vfio/%s", env);
	else
		snprintf(buf, len, "%s", env);

	p = strrchr(buf, '/');
	if (p && isdigit((unsigned char)p[1]) && access(buf, F_OK) &&
	    errno == ENOENT) {
		char alt[sizeof(((struct vfio_dev *)0)->group_path)];

		snprintf(alt, sizeof(alt), "%.*snoiommu-%s",
			 (int)(p + 1 - buf), buf, p + 1);
		if (!access(alt, F_OK))
			snprintf(buf, len, "%s", alt);
	}
	return true;
}

/* No-IOMMU groups only attach to a VFIO_NOIOMMU_IOMMU container. */
unsigned long vfio_dev_iommu_type_of(const char *group_path)
{
	const char *base = strrchr(group_path, '/');

	base = base ? base + 1 : group_path;
	if (!strncmp(base, "noiommu-", strlen("noiommu-")))
		return VFIO_NOIOMMU_IOMMU;
	return VFIO_TYPE1v2_IOMMU;
}

unsigned long vfio_dev_iommu_type(void)
{
	char path[sizeof(((struct vfio_dev *)0)->group_path)];

	if (!vd_group_path(path, sizeof(path)))
		return VFIO_TYPE1v2_IOMMU;
	return vfio_dev_iommu_type_of(path);
}

static const char *vd_iommu_name(unsigned long type)
{
	return type == VFIO_NOIOMMU_IOMMU ? "VFIO_NOIOMMU_IOMMU" :
	       "VFIO_TYPE1v2_IOMMU";
}

void vfio_dev_init(struct vfio_dev *vd)
{
	memset(vd, 0, sizeof(*vd));
	vd->container = -1;
	vd->group = -1;
	vd->device = -1;
}

int vfio_dev_open_container(struct vfio_dev *vd)
{
	return vfio_dev_open_container_type(vd, vfio_dev_iommu_type());
}

int vfio_dev_open_container_type(struct vfio_dev *vd, unsigned long type)
{
	int fd, ret;

	fd = open(VFIO_DEV_CONTAINER, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return vd_fail(vd, errno, "open(%s)", VFIO_DEV_CONTAINER);

	ret = ioctl(fd, VFIO_GET_API_VERSION);
	if (ret != VFIO_API_VERSION) {
		close(fd);
		return vd_fail(vd, ret < 0 ? errno : 0,
			       "VFIO_GET_API_VERSION returned %d, expected %d",
			       ret, VFIO_API_VERSION);
	}

	ret = ioctl(fd, VFIO_CHECK_EXTENSION, type);
	if (ret != 1) {
		close(fd);
		return vd_fail(vd, ret < 0 ? errno : 0,
			       "VFIO_CHECK_EXTENSION(%s) returned %d",
			       vd_iommu_name(type), ret);
	}

	vd->container = fd;
	return 0;
}

int vfio_dev_open_group(struct vfio_dev *vd)
{
	char path[sizeof(vd->group_path)];

	if (!vd_group_path(path, sizeof(path)))
		return vd_fail(vd, ENOENT, "%s", VFIO_DEV_ENV_GROUP);
	return vfio_dev_open_group_path(vd, path);
}

int vfio_dev_group_status(int groupfd, uint32_t *flags)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };

	if (ioctl(groupfd, VFIO_GROUP_GET_STATUS, &status))
		return -errno;
	*flags = status.flags;
	return 0;
}

int vfio_dev_open_group_path(struct vfio_dev *vd, const char *path)
{
	uint32_t flags = 0;
	int fd, ret;

	snprintf(vd->group_path, sizeof(vd->group_path), "%s", path);
	fd = open(vd->group_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return vd_fail(vd, errno, "open(%s)", vd->group_path);

	ret = vfio_dev_group_status(fd, &flags);
	if (ret) {
		close(fd);
		return vd_fail(vd, -ret, "VFIO_GROUP_GET_STATUS(%s)",
			       vd->group_path);
	}
	if (!(flags & VFIO_GROUP_FLAGS_VIABLE)) {
		close(fd);
		return vd_fail(vd, 0,
			       "group %s is not viable (flags 0x%x): are all its devices bound to VFIO?",
			       vd->group_path, flags);
	}

	vd->group = fd;
	return 0;
}

int vfio_dev_attach(struct vfio_dev *vd)
{
	/* The model of the group that was opened, whatever named it */
	unsigned long type = vfio_dev_iommu_type_of(vd->group_path);

	if (ioctl(vd->group, VFIO_GROUP_SET_CONTAINER, &vd->container))
		return vd_fail(vd, errno, "VFIO_GROUP_SET_CONTAINER(%s)",
			       vd->group_path);
	if (ioctl(vd->container, VFIO_SET_IOMMU, type))
		return vd_fail(vd, errno, "VFIO_SET_IOMMU(%s)",
			       vd_iommu_name(type));
	return 0;
}

int vfio_dev_get_device(struct vfio_dev *vd)
{
	const char *name = getenv(VFIO_DEV_ENV_DEVICE);

	if (!name || !*name)
		return vd_fail(vd, ENOENT, "%s", VFIO_DEV_ENV_DEVICE);
	return vfio_dev_get_device_name(vd, name);
}

int vfio_dev_get_device_name(struct vfio_dev *vd, const char *name)
{
	int fd;

	snprintf(vd->name, sizeof(vd->name), "%s", name);

	fd = ioctl(vd->group, VFIO_GROUP_GET_DEVICE_FD, vd->name);
	if (fd < 0)
		return vd_fail(vd, errno, "VFIO_GROUP_GET_DEVICE_FD(%s)",
			       vd->name);
	vd->device = fd;
	return 0;
}

int vfio_dev_open(struct vfio_dev *vd)
{
	int ret;

	vfio_dev_init(vd);
	ret = vfio_dev_open_container(vd);
	if (ret)
		goto err;
	ret = vfio_dev_open_group(vd);
	if (ret)
		goto err;
	ret = vfio_dev_attach(vd);
	if (ret)
		goto err;
	ret = vfio_dev_get_device(vd);
	if (ret)
		goto err;
	ret = vfio_dev_device_info(vd->device, &vd->info);
	if (ret) {
		vd_fail(vd, -ret, "VFIO_DEVICE_GET_INFO(%s)", vd->name);
		goto err;
	}
	return 0;

err:
	vfio_dev_close(vd);
	return ret;
}

void vfio_dev_close(struct vfio_dev *vd)
{
	if (vd->device >= 0)
		close(vd->device);
	if (vd->group >= 0)
		close(vd->group);
	if (vd->container >= 0)
		close(vd->container);
	vd->device = -1;
	vd->group = -1;
	vd->container = -1;
}

int vfio_dev_device_info(int devfd, struct vfio_device_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	return ioctl(devfd, VFIO_DEVICE_GET_INFO, info) ? -errno : 0;
}

int vfio_dev_region_info(int devfd, uint32_t index,
			 struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	return ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, ri) ? -errno : 0;
}

int vfio_dev_irq_info(int devfd, uint32_t index, struct vfio_irq_info *ii)
{
	memset(ii, 0, sizeof(*ii));
	ii->argsz = sizeof(*ii);
	ii->index = index;
	return ioctl(devfd, VFIO_DEVICE_GET_IRQ_INFO, ii) ? -errno : 0;
}

int vfio_dev_reset(int devfd)
{
	return ioctl(devfd, VFIO_DEVICE_RESET) ? -errno : 0;
}

void *vfio_dev_mmap(int devfd, const struct vfio_region_info *ri,
		    uint64_t off, size_t len)
{
	void *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, devfd,
		 (off_t)(ri->offset + off));
	return p == MAP_FAILED ? NULL : p;
}

ssize_t vfio_dev_read(int devfd, const struct vfio_region_info *ri,
		      uint64_t off, void *buf, size_t len)
{
	ssize_t n = pread(devfd, buf, len, (off_t)(ri->offset + off));

	return n < 0 ? -errno : n;
}

ssize_t vfio_dev_write(int devfd, const struct vfio_region_info *ri,
		       uint64_t off, const void *buf, size_t len)
{
	ssize_t n = pwrite(devfd, buf, len, (off_t)(ri->offset + off));

	return n < 0 ? -errno : n;
}

static int64_t vd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool vd_width_ok(unsigned int width)
{
	return width == 1 || width == 2 || width == 4 || width == 8;
}

/* Little-endian host (aarch64): the low bytes of *val are the data */
int vfio_dev_rd(int devfd, const struct vfio_region_info *ri, uint64_t off,
		unsigned int width, uint64_t *val)
{
	uint64_t v = 0;
	ssize_t n;

	if (!vd_width_ok(width))
		return -EINVAL;
	n = vfio_dev_read(devfd, ri, off, &v, width);
	if (n < 0)
		return n;
	if ((size_t)n != width)
		return -EIO;
	*val = v;
	return 0;
}

int vfio_dev_wr(int devfd, const struct vfio_region_info *ri, uint64_t off,
		unsigned int width, uint64_t val)
{
	ssize_t n;

	if (!vd_width_ok(width))
		return -EINVAL;
	n = vfio_dev_write(devfd, ri, off, &val, width);
	if (n < 0)
		return n;
	return (size_t)n == width ? 0 : -EIO;
}

int vfio_dev_poll32(int devfd, const struct vfio_region_info *ri,
		    uint64_t off, uint32_t mask, uint32_t want, int timeout_ms,
		    uint32_t *last)
{
	struct timespec ts = { .tv_nsec = 1000000 };
	int64_t deadline = vd_now_ms() + timeout_ms;
	uint64_t v;
	int ret;

	for (;;) {
		ret = vfio_dev_rd(devfd, ri, off, 4, &v);
		if (ret)
			return ret;
		if (last)
			*last = (uint32_t)v;
		if (((uint32_t)v & mask) == want)
			return 0;
		if (vd_now_ms() > deadline)
			return -ETIMEDOUT;
		nanosleep(&ts, NULL);
	}
}

int efd_create(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int efd_wait(int fd, int timeout_ms, uint64_t *val)
{
	int64_t deadline = vd_now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t v;
	int left, ret;

	for (;;) {
		left = (int)(deadline - vd_now_ms());
		if (left < 0)
			left = 0;
		ret = poll(&pfd, 1, left);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -errno;
		if (ret == 0)
			return 0;
		if (read(fd, &v, sizeof(v)) == sizeof(v))
			break;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		/* Raced with another reader: keep waiting */
	}
	if (val)
		*val = v;
	return 1;
}

int efd_collect(int fd, int window_ms, uint64_t *total)
{
	int64_t deadline = vd_now_ms() + window_ms;
	uint64_t sum = 0, v;
	int left, ret;

	for (;;) {
		left = (int)(deadline - vd_now_ms());
		if (left <= 0)
			break;
		ret = efd_wait(fd, left, &v);
		if (ret < 0)
			return ret;
		if (ret == 0)
			break;
		sum += v;
	}
	*total = sum;
	return 0;
}

uint64_t efd_drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

int efd_signal(int fd, uint64_t v)
{
	return write(fd, &v, sizeof(v)) == sizeof(v) ? 0 : -errno;
}

int vfio_irq_set(int devfd, uint32_t flags, uint32_t index, uint32_t start,
		 uint32_t count, const void *data, size_t data_len)
{
	struct vfio_irq_set *set;
	size_t argsz = sizeof(*set) + data_len;
	int ret = 0;

	set = calloc(1, argsz);
	if (!set)
		return -ENOMEM;
	set->argsz = argsz;
	set->flags = flags;
	set->index = index;
	set->start = start;
	set->count = count;
	if (data_len)
		memcpy(set->data, data, data_len);
	if (ioctl(devfd, VFIO_DEVICE_SET_IRQS, set))
		ret = -errno;
	free(set);
	return ret;
}

int vfio_irq_action(int devfd, uint32_t index, uint32_t action,
		    uint32_t type, int32_t value)
{
	uint8_t b = !!value;

	switch (type) {
	case VFIO_IRQ_SET_DATA_NONE:
		return vfio_irq_set(devfd, action | type, index, 0, 1, NULL, 0);
	case VFIO_IRQ_SET_DATA_BOOL:
		return vfio_irq_set(devfd, action | type, index, 0, 1,
				    &b, sizeof(b));
	case VFIO_IRQ_SET_DATA_EVENTFD:
		return vfio_irq_set(devfd, action | type, index, 0, 1,
				    &value, sizeof(value));
	}
	return -EINVAL;
}

struct vd_name {
	unsigned int val;
	const char *name;
};

#define VD_NAME(x)	{ x, #x }

static const struct vd_name vd_errnos[] = {
	VD_NAME(EPERM), VD_NAME(ENOENT), VD_NAME(EINTR), VD_NAME(EIO),
	VD_NAME(ENXIO), VD_NAME(EBADF), VD_NAME(EAGAIN), VD_NAME(ENOMEM),
	VD_NAME(EACCES), VD_NAME(EFAULT), VD_NAME(EBUSY), VD_NAME(EEXIST),
	VD_NAME(ENODEV), VD_NAME(EINVAL), VD_NAME(ENOTTY), VD_NAME(ENOSPC),
	VD_NAME(ERANGE), VD_NAME(EOPNOTSUPP), VD_NAME(ETIMEDOUT),
	VD_NAME(EOVERFLOW), { 0, NULL }
};

static const struct vd_name vd_actions[] = {
	VD_NAME(VFIO_IRQ_SET_ACTION_MASK),
	VD_NAME(VFIO_IRQ_SET_ACTION_UNMASK),
	VD_NAME(VFIO_IRQ_SET_ACTION_TRIGGER),
	{ 0, NULL }
};

static const struct vd_name vd_types[] = {
	VD_NAME(VFIO_IRQ_SET_DATA_NONE),
	VD_NAME(VFIO_IRQ_SET_DATA_BOOL),
	VD_NAME(VFIO_IRQ_SET_DATA_EVENTFD),
	{ 0, NULL }
};

static const char *vd_lookup(const struct vd_name *table, unsigned int val,
			     size_t skip, const char *dflt)
{
	for (; table->name; table++)
		if (table->val == val)
			return table->name + skip;
	return dflt;
}

const char *vd_errno_name(int err)
{
	if (!err)
		return "0";
	return vd_lookup(vd_errnos, (unsigned int)err, 0, strerror(err));
}

const char *vd_action_name(uint32_t action)
{
	return vd_lookup(vd_actions, action, strlen("VFIO_IRQ_SET_ACTION_"),
			 "?");
}

const char *vd_data_name(uint32_t type)
{
	return vd_lookup(vd_types, type, strlen("VFIO_IRQ_SET_DATA_"), "?");
}
