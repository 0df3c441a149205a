// SPDX-License-Identifier: GPL-2.0
/*
 * MSI helpers for the vfio-platform-msi selftests. See msi.h.
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
#include <sys/resource.h>

#include "msi.h"

/* Longest chain we walk before calling it a loop */
#define MSI_MAX_CAPS	64

const char *msi_dev_name(void)
{
	const char *name = getenv(VFIO_DEV_ENV_DEVICE);

	return name && *name ? name : NULL;
}

int msi_read_line(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int msi_write_str(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

int msi_mode_get(char *buf, size_t len)
{
	return msi_read_line(MSI_MODE_PARAM, buf, len);
}

int msi_mode_set(const char *mode)
{
	return msi_write_str(MSI_MODE_PARAM, mode);
}

void msi_mode_restore(void)
{
	char cur[16];

	if (!msi_mode_get(cur, sizeof(cur)) && strcmp(cur, MSI_MODE_DEFAULT))
		msi_mode_set(MSI_MODE_DEFAULT);
}

static int msi_read_uint(const char *path, unsigned int *n)
{
	char buf[32], *end;
	unsigned long v;
	int ret;

	ret = msi_read_line(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	v = strtoul(buf, &end, 0);
	if (errno || end == buf || *end || v > UINT32_MAX)
		return -EINVAL;
	*n = v;
	return 0;
}

static int msi_write_uint(const char *path, unsigned int n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%u\n", n);
	return msi_write_str(path, buf);
}

int msi_plugin_nvec_get(unsigned int *n)
{
	return msi_read_uint(MSI_NVEC_PARAM, n);
}

int msi_plugin_nvec_set(unsigned int n)
{
	return msi_write_uint(MSI_NVEC_PARAM, n);
}

unsigned int msi_plugin_nvec_expected(unsigned int num_vectors)
{
	unsigned int n;

	if (!msi_plugin_nvec_get(&n) && n)
		return n < num_vectors ? n : num_vectors;
	/* the plug-in's default: no more than an IMSIC's IDs of a file */
	n = msi_parent_imsic_ids();
	return n && n < num_vectors ? n : num_vectors;
}

/* Read a whole small DT property; its length, or -1 */
static ssize_t msi_dt_prop(const char *path, void *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len);
	close(fd);
	return n;
}

/* Depth-first under @dir for the node whose phandle is @ph: its path */
static bool msi_dt_find_phandle(const char *dir, uint32_t ph, int depth,
				char *out, size_t len)
{
	char path[PATH_MAX];
	unsigned char be[4];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "%s/phandle", dir);
	if (msi_dt_prop(path, be, sizeof(be)) == 4 &&
	    ((uint32_t)be[0] << 24 | be[1] << 16 | be[2] << 8 | be[3]) == ph) {
		snprintf(out, len, "%s", dir);
		return true;
	}
	if (depth == 0)
		return false;
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		found = msi_dt_find_phandle(path, ph, depth - 1, out, len);
	}
	closedir(d);
	return found;
}

/* The DT path of the device under test's msi-parent node */
static bool msi_parent_node(char *node, size_t len)
{
	const char *dev = msi_dev_name();
	char path[PATH_MAX];
	unsigned char be[4];

	if (!dev)
		return false;
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/of_node/msi-parent",
		 dev);
	return msi_dt_prop(path, be, sizeof(be)) == 4 &&
	       msi_dt_find_phandle("/sys/firmware/devicetree/base",
				   (uint32_t)be[0] << 24 | be[1] << 16 |
				   be[2] << 8 | be[3], 3, node, len);
}

bool msi_parent_is_imsic(void)
{
	static const char imsic[] = "riscv,imsics";
	char path[PATH_MAX], node[PATH_MAX - 32], compat[256];
	ssize_t n, i;

	if (!msi_parent_node(node, sizeof(node)))
		return false;
	snprintf(path, sizeof(path), "%s/compatible", node);
	n = msi_dt_prop(path, compat, sizeof(compat) - 1);
	if (n <= 0)
		return false;
	compat[n] = '\0';
	/* a list of NUL-terminated strings */
	for (i = 0; i < n; i += strlen(compat + i) + 1)
		if (!strcmp(compat + i, imsic))
			return true;
	return false;
}

unsigned int msi_parent_imsic_ids(void)
{
	char path[PATH_MAX], node[PATH_MAX - 32];
	unsigned char be[4];

	if (!msi_parent_is_imsic() || !msi_parent_node(node, sizeof(node)))
		return 0;
	snprintf(path, sizeof(path), "%s/riscv,num-ids", node);
	if (msi_dt_prop(path, be, sizeof(be)) != 4)
		return 0;
	return ((uint32_t)be[0] << 24 | be[1] << 16 | be[2] << 8 | be[3]) + 1;
}

int msi_parent_reg(uint64_t *base, uint64_t *size)
{
	char path[PATH_MAX], node[PATH_MAX - 32];
	unsigned char be[16];
	int i;

	if (!msi_parent_node(node, sizeof(node)))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/reg", node);
	/* the boards' controllers: 2 address and 2 size cells */
	if (msi_dt_prop(path, be, sizeof(be)) != sizeof(be))
		return -EINVAL;
	*base = 0;
	*size = 0;
	for (i = 0; i < 8; i++) {
		*base = *base << 8 | be[i];
		*size = *size << 8 | be[8 + i];
	}
	return 0;
}

static int msi_why(struct msi_dev *md, int err, const char *fmt, const char *s)
{
	snprintf(md->why, sizeof(md->why), fmt, s);
	return err;
}

int msi_feature(int devfd, uint32_t feature, uint32_t flags, void *data,
		size_t size)
{
	struct vfio_device_feature *f;
	int ret;

	f = calloc(1, sizeof(*f) + size);
	if (!f)
		return -ENOMEM;
	f->argsz = sizeof(*f) + size;
	f->flags = feature | flags;
	if (size)
		memcpy(f->data, data, size);
	ret = ioctl(devfd, VFIO_DEVICE_FEATURE, f) ? -errno : 0;
	if (!ret && size)
		memcpy(data, f->data, size);
	free(f);
	return ret;
}

int msi_opt_get(int devfd, struct vfio_platform_msi_feature_msi *f)
{
	memset(f, 0, sizeof(*f));
	return msi_feature(devfd, VFIO_PLATFORM_MSI_FEATURE_MSI,
			   VFIO_DEVICE_FEATURE_GET, f, sizeof(*f));
}

int msi_opt_in(int devfd, uint32_t nvec)
{
	struct vfio_platform_msi_feature_msi f = {
		.flags = VFIO_PLATFORM_MSI_ENABLE,
		.nvec = nvec,
	};

	return msi_feature(devfd, VFIO_PLATFORM_MSI_FEATURE_MSI,
			   VFIO_DEVICE_FEATURE_SET, &f, sizeof(f));
}

int msi_opt_out(int devfd)
{
	struct vfio_platform_msi_feature_msi f = { 0 };

	return msi_feature(devfd, VFIO_PLATFORM_MSI_FEATURE_MSI,
			   VFIO_DEVICE_FEATURE_SET, &f, sizeof(f));
}

int msi_read_msgs(int devfd, uint32_t first, uint32_t nr,
		  struct vfio_platform_msi_msg *msgs, uint32_t *gen)
{
	struct vfio_platform_msi_feature_msi_msgs *m;
	size_t size = sizeof(*m) + (size_t)nr * sizeof(m->msgs[0]);
	int ret;

	m = calloc(1, size);
	if (!m)
		return -ENOMEM;
	m->first = first;
	m->nr = nr;
	ret = msi_feature(devfd, VFIO_PLATFORM_MSI_FEATURE_MSI_MSGS,
			  VFIO_DEVICE_FEATURE_GET, m, size);
	if (!ret) {
		memcpy(msgs, m->msgs, (size_t)nr * sizeof(m->msgs[0]));
		if (gen)
			*gen = m->generation;
	}
	free(m);
	return ret;
}

int msi_notify_set(int devfd, int32_t fd)
{
	struct vfio_platform_msi_feature_msi_notify n = { .fd = fd };

	return msi_feature(devfd, VFIO_PLATFORM_MSI_FEATURE_MSI_NOTIFY,
			   VFIO_DEVICE_FEATURE_SET, &n, sizeof(n));
}

int msi_dev_open_legacy(struct msi_dev *md, const char *mode)
{
	struct vfio_region_info ri;
	char cur[16] = "";
	int ret;

	memset(md, 0, sizeof(*md));
	vfio_dev_init(&md->vd);

	ret = msi_mode_get(cur, sizeof(cur));
	if (ret && ret != -ENOENT)
		return msi_why(md, ret, "cannot read %s", MSI_MODE_PARAM);
	if (mode && ret) {
		/* No knob: the plug-in can only be in its default mode */
		if (strcmp(mode, MSI_MODE_DEFAULT))
			return msi_why(md, -EOPNOTSUPP,
				       "no %s: cannot select this mode",
				       MSI_MODE_PARAM);
	} else if (mode && strcmp(mode, cur)) {
		ret = msi_mode_set(mode);
		if (ret)
			return msi_why(md, ret, "cannot write %s",
				       MSI_MODE_PARAM);
		snprintf(md->saved_mode, sizeof(md->saved_mode), "%s",
			 MSI_MODE_DEFAULT);
	}
	snprintf(md->mode, sizeof(md->mode), "%s",
		 mode ? mode : (*cur ? cur : MSI_MODE_DEFAULT));

	ret = vfio_dev_open(&md->vd);
	if (ret) {
		msi_why(md, ret, "%.150s", md->vd.err);
		goto err;
	}
	ret = vfio_dev_region_info(md->vd.device, VD_REGION_REGS, &ri);
	if (ret) {
		msi_why(md, ret, "%s", "GET_REGION_INFO(0)");
		goto err;
	}
	md->regs = vfio_dev_mmap(md->vd.device, &ri, 0, VPMSI_WINDOW_SIZE);
	if (!md->regs) {
		ret = -errno;
		msi_why(md, ret, "%s", "mmap of region 0");
		goto err;
	}
	/* Upstream's view until the MSIs are asked for */
	if (md->vd.info.num_irqs != VD_NUM_WIRED) {
		ret = -EPROTO;
		snprintf(md->why, sizeof(md->why),
			 "num_irqs %u before asking for the MSIs",
			 md->vd.info.num_irqs);
		goto err;
	}
	md->index = VD_NUM_WIRED;
	return 0;

err:
	msi_dev_close(md);
	return ret;
}

int msi_dev_opt_in(struct msi_dev *md, unsigned int nvec)
{
	struct vfio_platform_msi_feature_msi f;
	struct vfio_irq_info ii;
	int ret;

	ret = msi_opt_get(md->vd.device, &f);
	if (ret) {
		if (ret == -ENOTTY)
			ret = -ENODEV;
		msi_why(md, ret, "%s", "no MSI feature (GET)");
		return ret;
	}
	if (!nvec && !strcmp(md->mode, MSI_MODE_GENERIC))
		nvec = MSI_GENERIC_NVEC;
	ret = msi_opt_in(md->vd.device, nvec);
	if (ret) {
		msi_why(md, ret, "%s", "asking for the MSIs (FEATURE_MSI SET)");
		return ret;
	}
	ret = vfio_dev_device_info(md->vd.device, &md->vd.info);
	if (ret) {
		msi_why(md, ret, "%s", "GET_INFO after the opt-in");
		return ret;
	}
	if (md->vd.info.num_irqs != f.index + 1) {
		ret = -EPROTO;
		snprintf(md->why, sizeof(md->why),
			 "num_irqs %u after the opt-in, MSI index %u",
			 md->vd.info.num_irqs, f.index);
		return ret;
	}
	md->index = f.index;
	ret = vfio_dev_irq_info(md->vd.device, md->index, &ii);
	if (ret) {
		msi_why(md, ret, "%s", "GET_IRQ_INFO(MSI index)");
		return ret;
	}
	md->nvec = ii.count;
	md->info_flags = ii.flags;
	return 0;
}

int msi_dev_open_nvec(struct msi_dev *md, const char *mode, unsigned int nvec)
{
	int ret;

	ret = msi_dev_open_legacy(md, mode);
	if (!ret) {
		ret = msi_dev_opt_in(md, nvec);
		if (ret)
			msi_dev_close(md);
	}
	return ret;
}

void msi_dev_close(struct msi_dev *md)
{
	if (md->regs) {
		munmap(md->regs, VPMSI_WINDOW_SIZE);
		md->regs = NULL;
	}
	vfio_dev_close(&md->vd);
	if (md->saved_mode[0]) {
		msi_mode_set(md->saved_mode);
		md->saved_mode[0] = '\0';
	}
}

int msi_irq_info_raw(int devfd, uint32_t index, void *buf, size_t len,
		     uint32_t argsz)
{
	struct vfio_irq_info *ii = buf;

	if (len < MSI_INFO_V1_SIZE)
		return -EINVAL;
	memset(buf, 0, len);
	ii->argsz = argsz;
	ii->index = index;
	return ioctl(devfd, VFIO_DEVICE_GET_IRQ_INFO, buf) ? -errno : 0;
}

int msi_irq_info(int devfd, uint32_t index, struct vfio_platform_msi_irq_info **info,
		 size_t *len)
{
	struct vfio_platform_msi_irq_info probe;
	struct vfio_platform_msi_irq_info *buf;
	size_t need;
	int ret;

	ret = msi_irq_info_raw(devfd, index, &probe, sizeof(probe),
			       sizeof(probe));
	if (ret)
		return ret;
	need = probe.argsz > sizeof(probe) ? probe.argsz : sizeof(probe);
	buf = calloc(1, need);
	if (!buf)
		return -ENOMEM;
	if (need == sizeof(probe)) {
		memcpy(buf, &probe, sizeof(probe));
	} else {
		ret = msi_irq_info_raw(devfd, index, buf, need, need);
		if (!ret && buf->argsz > need)
			ret = -EOVERFLOW;	/* the chain grew meanwhile */
		if (ret) {
			free(buf);
			return ret;
		}
	}
	*info = buf;
	*len = need;
	return 0;
}

const char *msi_chain_check(const struct vfio_platform_msi_irq_info *info, size_t len)
{
	const struct vfio_info_cap_header *hdr;
	uint32_t off, prev = 0;
	int n;

	if (!(info->flags & VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS))
		return info->cap_offset ? "cap_offset set without FLAG_CAPS" :
					  NULL;
	for (off = info->cap_offset, n = 0; off; off = hdr->next, n++) {
		if (n >= MSI_MAX_CAPS)
			return "too many capabilities (a loop?)";
		if (off < MSI_INFO_EXT_SIZE)
			return "capability inside struct vfio_platform_msi_irq_info";
		if (off % 8)
			return "capability not 8-byte aligned";
		if (off <= prev)
			return "capability not after the previous one";
		if ((size_t)off + sizeof(*hdr) > len)
			return "capability header past the end of the reply";
		hdr = (const void *)((const uint8_t *)info + off);
		if (!hdr->version)
			return "capability version 0";
		prev = off;
	}
	return NULL;
}

const struct vfio_info_cap_header *
msi_cap_find(const struct vfio_platform_msi_irq_info *info, size_t len, uint16_t id,
	     size_t *caplen)
{
	const struct vfio_info_cap_header *hdr;
	uint32_t off;

	if (msi_chain_check(info, len) ||
	    !(info->flags & VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS))
		return NULL;
	for (off = info->cap_offset; off; off = hdr->next) {
		hdr = (const void *)((const uint8_t *)info + off);
		if (hdr->id != id)
			continue;
		if (caplen)
			*caplen = (hdr->next ? hdr->next : len) - off;
		return hdr;
	}
	return NULL;
}

const struct vfio_platform_msi_irq_info_cap_msi *
msi_cap_msi(const struct vfio_platform_msi_irq_info *info, size_t len)
{
	const struct vfio_platform_msi_irq_info_cap_msi *cap;
	const struct vfio_info_cap_header *hdr;
	size_t room;

	hdr = msi_cap_find(info, len, VFIO_PLATFORM_MSI_IRQ_INFO_CAP_MSI,
			   &room);
	if (!hdr || room < sizeof(*cap))
		return NULL;
	cap = (const void *)hdr;
	if ((room - sizeof(*cap)) / sizeof(cap->msgs[0]) < cap->nr)
		return NULL;
	return cap;
}

int msi_cap_read(struct msi_dev *md, uint32_t *flags, uint32_t *gen,
		 struct vfio_platform_msi_msg *msgs)
{
	const struct vfio_platform_msi_irq_info_cap_msi *cap;
	struct vfio_platform_msi_irq_info *info;
	size_t len;
	int ret;

	ret = msi_irq_info(md->vd.device, md->index, &info, &len);
	if (ret)
		return ret;
	cap = msi_cap_msi(info, len);
	if (!cap) {
		ret = -ENOENT;
	} else if (msgs && cap->nr != md->nvec) {
		ret = -ERANGE;
	} else {
		if (msgs)
			memcpy(msgs, cap->msgs, md->nvec * sizeof(*msgs));
		if (flags)
			*flags = cap->flags;
		if (gen)
			*gen = cap->generation;
	}
	free(info);
	return ret;
}

int msi_set_fds(int devfd, uint32_t index, uint32_t action, uint32_t start,
		uint32_t count, const int32_t *fds)
{
	return vfio_irq_set(devfd, action | VFIO_IRQ_SET_DATA_EVENTFD, index,
			    start, count, fds, count * sizeof(*fds));
}

int msi_set_bools(int devfd, uint32_t index, uint32_t action, uint32_t start,
		  uint32_t count, const uint8_t *vals)
{
	return vfio_irq_set(devfd, action | VFIO_IRQ_SET_DATA_BOOL, index,
			    start, count, vals, count);
}

int msi_set_none(int devfd, uint32_t index, uint32_t action, uint32_t start,
		 uint32_t count)
{
	return vfio_irq_set(devfd, action | VFIO_IRQ_SET_DATA_NONE, index,
			    start, count, NULL, 0);
}

/* Make room for @more open files beyond those already open */
static void msi_raise_nofile(unsigned int more)
{
	struct rlimit rl;
	long open_now = msi_open_fds();
	rlim_t want;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	want = (rlim_t)more + (open_now > 0 ? open_now : 0) + 64;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= want)
		return;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want) {
		rl.rlim_cur = want;
	} else {
		/* Root may raise the hard limit too; else take what there is */
		struct rlimit hard = { .rlim_cur = want, .rlim_max = want };

		if (!setrlimit(RLIMIT_NOFILE, &hard))
			return;
		rl.rlim_cur = rl.rlim_max;
	}
	setrlimit(RLIMIT_NOFILE, &rl);
}

int msi_efds_create(int *fds, unsigned int n)
{
	unsigned int i;
	int fd;

	msi_raise_nofile(n);
	for (i = 0; i < n; i++) {
		fd = efd_create();
		if (fd < 0) {
			if (!i)
				return fd;
			break;
		}
		fds[i] = fd;
	}
	return i;
}

void msi_efds_close(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int msi_vector_virq(unsigned int v)
{
	char line[1024], name[128];
	int virq = -ENOENT;
	FILE *f;

	if (!msi_dev_name())
		return -EINVAL;
	snprintf(name, sizeof(name), "%s[%u](%s)", MSI_IRQ_NAME, v,
		 msi_dev_name());
	f = fopen("/proc/interrupts", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, name) && sscanf(line, " %d:", &virq) == 1)
			break;
	fclose(f);
	return virq;
}

long msi_proc_interrupts_count(const char *name)
{
	char line[1024];
	long n = 0;
	FILE *f;

	f = fopen("/proc/interrupts", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, name))
			n++;
	fclose(f);
	return n;
}

long msi_meminfo_kb(const char *key)
{
	size_t klen = strlen(key);
	char line[256];
	long val = -ENOENT;
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			val = strtol(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

long msi_dir_entries(const char *path)
{
	struct dirent *de;
	long n = 0;
	DIR *d;

	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

long msi_open_fds(void)
{
	long n = msi_dir_entries("/proc/self/fd");

	/* Not counting the directory's own fd */
	return n > 0 ? n - 1 : n;
}

/*
 * Drop what the kernel keeps but could free: page cache, dentries and
 * inodes, then every slab cache's empty slabs. Shrinking a cache also
 * frees KASAN's quarantine of its objects: freed objects that KASAN holds
 * back (up to 1/32 of memory) still count as unreclaimable slab.
 */
void msi_drop_caches(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;

	sync();
	msi_write_str("/proc/sys/vm/drop_caches", "3");
	dir = opendir("/sys/kernel/slab");
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 de->d_name);
		msi_write_str(path, "1");
	}
	closedir(dir);
}
