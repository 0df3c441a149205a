// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-info: what an administrator checks first about a platform
 * device handed to VFIO, as lspci -vv does for PCI: the bound driver, the
 * IOMMU group and its members, the plug-in and reset method
 * (vfio-platform-msi's sysfs attributes), then, through a VFIO open of the
 * device, its regions, its IRQ indexes and the MSI capability of
 * vfio-platform-msi. --json prints the same for scripts.
 *
 * Opening a VFIO device resets it (and closing it again): the tool says so
 * in its manual, Documentation/vfio-platform-info.rst, which is also the
 * reference of the output and of the exit codes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <linux/types.h>
#include <linux/vfio.h>
#include <linux/vfio_platform_msi.h>

#define TOOL		"vfio-platform-info"
#define JSON_FORMAT	1
#define OUR_MODULE	"vfio_platform_msi"
#define PLATFORM_DEVS	"/sys/bus/platform/devices"
#define MAX_MSGS_TEXT	16	/* messages listed in the text form */
#define MAX_CAPS	64	/* capabilities followed in one chain */

/* Exit codes (Documentation/vfio-platform-info.rst, "EXIT STATUS") */
enum {
	EXIT_OK		= 0,
	EXIT_ERROR	= 1,
	EXIT_USAGE	= 2,
	EXIT_NODEV	= 3,
	EXIT_NOTVFIO	= 4,
	EXIT_PERM	= 5,
	EXIT_BUSY	= 6,
	EXIT_NOTVIABLE	= 7,
};

/* Why the device was not opened; "status" in the JSON form */
static const char *const status_names[] = {
	[EXIT_OK]		= "ok",
	[EXIT_ERROR]		= "error",
	[EXIT_USAGE]		= "usage",
	[EXIT_NODEV]		= "no_device",
	[EXIT_NOTVFIO]		= "not_vfio",
	[EXIT_PERM]		= "permission",
	[EXIT_BUSY]		= "busy",
	[EXIT_NOTVIABLE]	= "not_viable",
};

struct member {
	char name[NAME_MAX + 1];
	char driver[NAME_MAX + 1];	/* "" when unbound */
};

struct region {
	struct vfio_region_info info;
	unsigned int nr_areas;		/* sparse mmap areas, if any */
	bool sparse;
	struct vfio_region_sparse_mmap_area *areas;
};

struct msi {
	bool supported;			/* FEATURE_MSI answers */
	struct vfio_platform_msi_feature_msi get;	/* at open */
	bool asked;			/* the tool asked for the MSIs */
	__u32 nvec_asked;
	int error;			/* errno of the request, or 0 */
	struct vfio_irq_info irq;	/* the MSI index once asked */
	bool have_cap;
	struct vfio_platform_msi_irq_info_cap_msi cap;
	struct vfio_platform_msi_msg *msgs;	/* cap.nr entries */
};

struct info {
	/* sysfs */
	char name[NAME_MAX + 1];
	char path[PATH_MAX];		/* /sys/devices/... */
	char compat[4][128];
	unsigned int nr_compat;
	char driver[NAME_MAX + 1];	/* "" when unbound */
	char module[NAME_MAX + 1];	/* the driver's module, or "" */
	bool ours;			/* vfio-platform-msi */
	bool vfio;			/* any VFIO driver */
	int group;			/* IOMMU group number, or -1 */
	char group_node[64];		/* /dev/vfio/[noiommu-]N */
	bool noiommu;
	struct member *members;
	unsigned int nr_members;
	bool have_plugin;		/* the attributes exist */
	char plugin[256];
	bool have_reset;
	char reset_method[32];

	/* VFIO */
	int status;			/* EXIT_*: why not opened */
	char why[512];			/* and the details */
	bool opened;
	struct vfio_device_info dinfo;
	struct region *regions;
	struct vfio_irq_info *irqs;
	struct msi msi;
};

static const char *const dev_flag_names[] = {
	"RESET", "PCI", "PLATFORM", "AMBA", "CCW", "AP", "FSL_MC", "CAPS",
	"CDX",
};

static const char *const region_flag_names[] = {
	"READ", "WRITE", "MMAP", "CAPS",
};

static const char *const irq_flag_names[] = {
	"EVENTFD", "MASKABLE", "AUTOMASKED", "NORESIZE",
};

static const char *const cap_flag_names[] = {
	"PROGRAMMED", "MASK_DEVICE", "REPLAY", "MAY_CHANGE",
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static void warn(const char *fmt, ...)
{
	va_list ap;

	fputs(TOOL ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		warn("out of memory");
		exit(EXIT_ERROR);
	}
	return p;
}

/* snprintf for paths and names: a longer one is cut short */
static void fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, size, f, ap);
	va_end(ap);
}

/* The first line of a sysfs file, without its newline; false if none */
static bool read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, size, f);
	fclose(f);
	if (!ok) {
		buf[0] = '\0';
		return true;	/* an empty attribute */
	}
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

/* The last component of a symlink's target, or "" */
static void link_name(const char *path, char *buf, size_t size)
{
	char target[PATH_MAX];
	ssize_t n;
	char *base;

	buf[0] = '\0';
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	fmt(buf, size, "%s", base ? base + 1 : target);
}

static void devattr(const struct info *in, const char *attr, char *buf,
		    size_t size)
{
	fmt(buf, size, "%s/%s", in->path, attr);
}

/*
 * DEVICE: a platform device's name, or a path to it in sysfs. Fills
 * in->name and in->path; EXIT_NODEV with a message otherwise.
 */
static int find_device(struct info *in, const char *arg)
{
	char p[PATH_MAX], subsys[NAME_MAX + 1];
	const char *base;

	if (strchr(arg, '/'))
		fmt(p, sizeof(p), "%s", arg);
	else
		fmt(p, sizeof(p), PLATFORM_DEVS "/%s", arg);
	if (!*arg || !realpath(p, in->path)) {
		in->path[0] = '\0';
		warn("%s: no such device", arg);
		return EXIT_NODEV;
	}
	fmt(p, sizeof(p), "%s/subsystem", in->path);
	link_name(p, subsys, sizeof(subsys));
	if (strcmp(subsys, "platform")) {
		in->path[0] = '\0';
		warn("%s: not a platform device", arg);
		return EXIT_NODEV;
	}
	base = strrchr(in->path, '/');
	fmt(in->name, sizeof(in->name), "%s", base + 1);
	return EXIT_OK;
}

static void read_compatible(struct info *in)
{
	char p[PATH_MAX], buf[512];
	size_t n, off = 0;
	FILE *f;

	devattr(in, "of_node/compatible", p, sizeof(p));
	f = fopen(p, "r");
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* NUL-separated strings */
	while (off < n && in->nr_compat < ARRAY_SIZE(in->compat)) {
		fmt(in->compat[in->nr_compat++], sizeof(in->compat[0]), "%s",
		    buf + off);
		off += strlen(buf + off) + 1;
	}
}

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static void read_group(struct info *in)
{
	char p[PATH_MAX], g[NAME_MAX + 1];
	struct dirent *de;
	struct stat st;
	DIR *d;

	in->group = -1;
	devattr(in, "iommu_group", p, sizeof(p));
	link_name(p, g, sizeof(g));
	if (!*g)
		return;
	in->group = atoi(g);
	fmt(in->group_node, sizeof(in->group_node), "/dev/vfio/%s", g);
	/* VFIO's no-IOMMU mode names its groups differently */
	fmt(p, sizeof(p), "/dev/vfio/noiommu-%s", g);
	if (!stat(p, &st)) {
		in->noiommu = true;
		fmt(in->group_node, sizeof(in->group_node), "%s", p);
	}

	fmt(p, sizeof(p), "/sys/kernel/iommu_groups/%s/devices", g);
	d = opendir(p);
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct member *m;
		char lp[PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		in->members = realloc(in->members, (in->nr_members + 1) *
				      sizeof(*in->members));
		if (!in->members) {
			warn("out of memory");
			exit(EXIT_ERROR);
		}
		m = &in->members[in->nr_members++];
		fmt(m->name, sizeof(m->name), "%s", de->d_name);
		fmt(lp, sizeof(lp), "%s/%s/driver", p, de->d_name);
		link_name(lp, m->driver, sizeof(m->driver));
	}
	closedir(d);
	qsort(in->members, in->nr_members, sizeof(*in->members), member_cmp);
}

/* What sysfs alone says */
static void read_sysfs(struct info *in)
{
	char p[PATH_MAX];

	read_compatible(in);
	devattr(in, "driver", p, sizeof(p));
	link_name(p, in->driver, sizeof(in->driver));
	if (*in->driver) {
		devattr(in, "driver/module", p, sizeof(p));
		link_name(p, in->module, sizeof(in->module));
	}
	in->ours = !strcmp(in->module, OUR_MODULE);
	in->vfio = in->ours || !strncmp(in->module, "vfio", 4) ||
		   !strncmp(in->driver, "vfio", 4);
	read_group(in);
	if (in->ours) {
		devattr(in, "plugin", p, sizeof(p));
		in->have_plugin = read_line(p, in->plugin,
					    sizeof(in->plugin));
		devattr(in, "reset_method", p, sizeof(p));
		in->have_reset = read_line(p, in->reset_method,
					   sizeof(in->reset_method));
	}
}

/* --- VFIO --- */

/* Records why the device is not opened; returns the exit code */
static int not_opened(struct info *in, int status, const char *f, ...)
{
	va_list ap;

	in->status = status;
	va_start(ap, f);
	vsnprintf(in->why, sizeof(in->why), f, ap);
	va_end(ap);
	return status;
}

/* The exit code an errno of the open path stands for */
static int errno_status(int err)
{
	switch (err) {
	case EACCES:
	case EPERM:
		return EXIT_PERM;
	case EBUSY:
		return EXIT_BUSY;
	case ENOENT:
	case ENODEV:
		return EXIT_NODEV;
	}
	return EXIT_ERROR;
}

static int open_group(struct info *in, int *container, int *group)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	unsigned long model = in->noiommu ? VFIO_NOIOMMU_IOMMU :
					    VFIO_TYPE1v2_IOMMU;
	int err;

	*container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (*container < 0) {
		err = errno;
		return not_opened(in, errno_status(err),
				  "open /dev/vfio/vfio: %s", strerror(err));
	}
	if (ioctl(*container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return not_opened(in, EXIT_ERROR, "unknown VFIO API version");
	if (ioctl(*container, VFIO_CHECK_EXTENSION, model) != 1)
		return not_opened(in, EXIT_ERROR,
				  "the container has no %s IOMMU model",
				  in->noiommu ? "no-IOMMU" : "type1v2");

	*group = open(in->group_node, O_RDWR | O_CLOEXEC);
	if (*group < 0) {
		err = errno;
		if (err == EBUSY)
			return not_opened(in, EXIT_BUSY,
					  "open %s: %s: another VFIO user has the group",
					  in->group_node, strerror(err));
		return not_opened(in, errno_status(err), "open %s: %s",
				  in->group_node, strerror(err));
	}
	if (ioctl(*group, VFIO_GROUP_GET_STATUS, &status)) {
		err = errno;
		return not_opened(in, errno_status(err),
				  "VFIO_GROUP_GET_STATUS: %s", strerror(err));
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return not_opened(in, EXIT_NOTVIABLE,
				  "group %d is not viable: every device of the group must be bound to a VFIO driver or to none",
				  in->group);
	if (ioctl(*group, VFIO_GROUP_SET_CONTAINER, container)) {
		err = errno;
		return not_opened(in, errno_status(err),
				  "VFIO_GROUP_SET_CONTAINER: %s",
				  strerror(err));
	}
	if (ioctl(*container, VFIO_SET_IOMMU, model)) {
		err = errno;
		/* type1's refusal of a group without interrupt remapping */
		if (err == EPERM)
			return not_opened(in, EXIT_ERROR,
					  "VFIO_SET_IOMMU: %s: no interrupt remapping for the group (the kernel log says; see vfio_iommu_type1.allow_unsafe_interrupts)",
					  strerror(err));
		return not_opened(in, errno_status(err), "VFIO_SET_IOMMU: %s",
				  strerror(err));
	}
	return EXIT_OK;
}

static void read_region(int dev, struct region *r, __u32 index)
{
	struct vfio_region_info *ri;
	struct vfio_info_cap_header *h;
	__u32 size = sizeof(*ri), off;
	unsigned int hops = 0;

	for (;;) {
		ri = xcalloc(1, size);
		ri->argsz = size;
		ri->index = index;
		if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, ri)) {
			warn("VFIO_DEVICE_GET_REGION_INFO(%u): %s", index,
			     strerror(errno));
			exit(EXIT_ERROR);
		}
		if (ri->argsz <= size)
			break;
		size = ri->argsz;
		free(ri);
	}
	r->info = *ri;
	off = (ri->flags & VFIO_REGION_INFO_FLAG_CAPS) ? ri->cap_offset : 0;
	while (off && off + sizeof(*h) <= size && hops++ < MAX_CAPS) {
		h = (void *)((char *)ri + off);
		if (h->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP &&
		    off + sizeof(struct vfio_region_info_cap_sparse_mmap) <= size) {
			struct vfio_region_info_cap_sparse_mmap *s = (void *)h;
			size_t room = (size - off - sizeof(*s)) /
				      sizeof(s->areas[0]);

			r->sparse = true;
			r->nr_areas = s->nr_areas < room ? s->nr_areas : room;
			r->areas = xcalloc(r->nr_areas, sizeof(*r->areas));
			memcpy(r->areas, s->areas,
			       r->nr_areas * sizeof(*r->areas));
		}
		off = h->next;
	}
	free(ri);
}

/* VFIO_DEVICE_FEATURE: 0 or an errno */
static int feature(int dev, __u32 flags, void *data, size_t size)
{
	struct vfio_device_feature *f = xcalloc(1, sizeof(*f) + size);
	int ret;

	f->argsz = sizeof(*f) + size;
	f->flags = flags;
	memcpy(f->data, data, size);
	ret = ioctl(dev, VFIO_DEVICE_FEATURE, f) ? errno : 0;
	memcpy(data, f->data, size);
	free(f);
	return ret;
}

/* The MSI index's info with its capability chain */
static void read_msi_index(int dev, struct msi *m)
{
	struct vfio_platform_msi_irq_info *ii;
	struct vfio_info_cap_header *h;
	__u32 size = sizeof(*ii), off;
	unsigned int hops = 0;

	for (;;) {
		ii = xcalloc(1, size);
		ii->argsz = size;
		ii->index = m->get.index;
		if (ioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, ii)) {
			m->error = errno;
			free(ii);
			return;
		}
		if (ii->argsz <= size)
			break;
		size = ii->argsz;
		free(ii);
	}
	m->irq.argsz = sizeof(m->irq);
	m->irq.flags = ii->flags;
	m->irq.index = ii->index;
	m->irq.count = ii->count;
	off = (ii->flags & VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS) ?
	      ii->cap_offset : 0;
	while (off && off + sizeof(m->cap) <= size && hops++ < MAX_CAPS) {
		h = (void *)((char *)ii + off);
		if (h->id == VFIO_PLATFORM_MSI_IRQ_INFO_CAP_MSI) {
			struct vfio_platform_msi_irq_info_cap_msi *c = (void *)h;
			size_t room = (size - off - sizeof(*c)) /
				      sizeof(c->msgs[0]);

			m->have_cap = true;
			m->cap = *c;
			if (m->cap.nr > room)
				m->cap.nr = room;
			m->msgs = xcalloc(m->cap.nr, sizeof(*m->msgs));
			memcpy(m->msgs, c->msgs, m->cap.nr * sizeof(*m->msgs));
		}
		off = h->next;
	}
	free(ii);
}

/*
 * Ask for the MSIs, to show the index and its capability: all the
 * plug-in has, or, in generic mode (where the user says how many),
 * @nvec (default 1). Closing the device gives them back.
 */
static void read_msi(int dev, struct msi *m, __u32 nvec, bool ask)
{
	struct vfio_platform_msi_feature_msi f = { 0 };

	if (feature(dev, VFIO_DEVICE_FEATURE_GET |
		    VFIO_PLATFORM_MSI_FEATURE_MSI, &m->get, sizeof(m->get)))
		return;
	m->supported = true;
	if (!ask)
		return;
	m->asked = true;
	f.flags = VFIO_PLATFORM_MSI_ENABLE;
	f.nvec = nvec;
	m->error = feature(dev, VFIO_DEVICE_FEATURE_SET |
			   VFIO_PLATFORM_MSI_FEATURE_MSI, &f, sizeof(f));
	if (m->error == EINVAL && !nvec) {
		/* Generic mode: the kernel does not know the count */
		f.nvec = 1;
		m->error = feature(dev, VFIO_DEVICE_FEATURE_SET |
				   VFIO_PLATFORM_MSI_FEATURE_MSI, &f,
				   sizeof(f));
	}
	if (m->error)
		return;
	memset(&f, 0, sizeof(f));
	m->error = feature(dev, VFIO_DEVICE_FEATURE_GET |
			   VFIO_PLATFORM_MSI_FEATURE_MSI, &f, sizeof(f));
	if (m->error)
		return;
	m->nvec_asked = f.nvec;
	read_msi_index(dev, m);
}

static int read_vfio(struct info *in, __u32 nvec, bool ask_msi)
{
	int container = -1, group = -1, dev = -1, ret, err;
	unsigned int i;

	ret = open_group(in, &container, &group);
	if (ret)
		goto out;
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, in->name);
	if (dev < 0) {
		err = errno;
		ret = not_opened(in, errno_status(err),
				 "VFIO_GROUP_GET_DEVICE_FD(%s): %s%s", in->name,
				 strerror(err), err == EBUSY ?
				 ": another VFIO user has the device" : "");
		goto out;
	}
	in->opened = true;
	in->dinfo.argsz = sizeof(in->dinfo);
	if (ioctl(dev, VFIO_DEVICE_GET_INFO, &in->dinfo)) {
		err = errno;
		ret = not_opened(in, EXIT_ERROR, "VFIO_DEVICE_GET_INFO: %s",
				 strerror(err));
		goto out;
	}
	in->regions = xcalloc(in->dinfo.num_regions, sizeof(*in->regions));
	for (i = 0; i < in->dinfo.num_regions; i++)
		read_region(dev, &in->regions[i], i);
	in->irqs = xcalloc(in->dinfo.num_irqs, sizeof(*in->irqs));
	for (i = 0; i < in->dinfo.num_irqs; i++) {
		in->irqs[i].argsz = sizeof(in->irqs[i]);
		in->irqs[i].index = i;
		if (ioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, &in->irqs[i])) {
			err = errno;
			ret = not_opened(in, EXIT_ERROR,
					 "VFIO_DEVICE_GET_IRQ_INFO(%u): %s", i,
					 strerror(err));
			goto out;
		}
	}
	read_msi(dev, &in->msi, nvec, ask_msi);
	ret = EXIT_OK;
out:
	if (dev >= 0)
		close(dev);
	if (group >= 0)
		close(group);
	if (container >= 0)
		close(container);
	return ret;
}

/* --- text output --- */

static void print_flags(__u32 flags, const char *const *names,
			unsigned int n)
{
	bool any = false;
	unsigned int i;

	for (i = 0; i < 32; i++) {
		if (!(flags & (1u << i)))
			continue;
		if (i < n)
			printf(" %s", names[i]);
		else
			printf(" bit%u", i);
		any = true;
	}
	if (!any)
		printf(" none");
}

static const char *human_size(__u64 size, char *buf, size_t len)
{
	if (size >= (1ull << 30) && !(size & ((1ull << 30) - 1)))
		fmt(buf, len, "%llu GiB", size >> 30);
	else if (size >= (1ull << 20) && !(size & ((1ull << 20) - 1)))
		fmt(buf, len, "%llu MiB", size >> 20);
	else if (size >= (1ull << 10) && !(size & ((1ull << 10) - 1)))
		fmt(buf, len, "%llu KiB", size >> 10);
	else
		fmt(buf, len, "%llu bytes", size);
	return buf;
}

static void print_sysfs(const struct info *in)
{
	unsigned int i;

	printf("%s: platform device", in->name);
	for (i = 0; i < in->nr_compat; i++)
		printf("%s \"%s\"", i ? "," : ", compatible", in->compat[i]);
	printf("\n\tSysfs: %s\n", in->path);
	if (*in->driver)
		printf("\tDriver: %s (module %s)%s\n", in->driver,
		       *in->module ? in->module : "built in",
		       in->ours ? ", vfio-platform-msi" :
		       in->vfio ? ", a VFIO driver" : ", not a VFIO driver");
	else
		printf("\tDriver: none\n");
	if (in->group < 0) {
		printf("\tIOMMU group: none\n");
	} else {
		printf("\tIOMMU group %d: %s%s, %u device%s\n", in->group,
		       in->group_node, in->noiommu ? " (no-IOMMU mode)" : "",
		       in->nr_members, in->nr_members == 1 ? "" : "s");
		for (i = 0; i < in->nr_members; i++)
			printf("\t\t%s: driver %s\n", in->members[i].name,
			       *in->members[i].driver ?
			       in->members[i].driver : "none");
	}
	if (!in->ours)
		return;
	if (in->have_plugin)
		printf("\tPlug-in: %s\n", *in->plugin ? in->plugin : "none");
	else
		printf("\tPlug-in: unknown (the driver has no plugin attribute)\n");
	if (in->have_reset)
		printf("\tReset: %s\n",
		       !strcmp(in->reset_method, "plugin") ?
		       "plugin (the plug-in's reset), on open, close and VFIO_DEVICE_RESET" :
		       !strcmp(in->reset_method, "acpi") ?
		       "acpi (ACPI _RST), on open, close and VFIO_DEVICE_RESET" :
		       !strcmp(in->reset_method, "none") ?
		       "none (never reset: reset_required=0)" :
		       in->reset_method);
	else
		printf("\tReset: unknown (the driver has no reset_method attribute)\n");
}

static void print_region(__u32 i, const struct region *r)
{
	char hs[32];
	unsigned int a;

	printf("\tRegion %u: size 0x%llx (%s), offset 0x%llx, flags", i,
	       (unsigned long long)r->info.size,
	       human_size(r->info.size, hs, sizeof(hs)),
	       (unsigned long long)r->info.offset);
	print_flags(r->info.flags, region_flag_names,
		    ARRAY_SIZE(region_flag_names));
	if (!(r->info.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		printf("; mmap: no (read and write only)\n");
		return;
	}
	if (!r->sparse) {
		printf("; mmap: yes\n");
		return;
	}
	printf("; mmap: only %u area%s:", r->nr_areas,
	       r->nr_areas == 1 ? "" : "s");
	for (a = 0; a < r->nr_areas; a++)
		printf(" 0x%llx+0x%llx", (unsigned long long)r->areas[a].offset,
		       (unsigned long long)r->areas[a].size);
	printf("\n");
}

static void print_irq(const struct vfio_irq_info *ii, bool msi)
{
	printf("\tIRQ %u: %s, count %u, flags", ii->index,
	       msi ? "MSI" : "wired", ii->count);
	print_flags(ii->flags & ~VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS,
		    irq_flag_names, ARRAY_SIZE(irq_flag_names));
	if (!msi)
		printf(" (%s)", ii->flags & VFIO_IRQ_INFO_AUTOMASKED ?
		       "level" : "edge");
	printf("\n");
}

static void print_cap(const struct msi *m)
{
	const struct vfio_platform_msi_irq_info_cap_msi *c = &m->cap;
	unsigned int i, valid = 0;

	printf("\t\tCapability: MSI (id %u, version %u), flags",
	       c->header.id, c->header.version);
	print_flags(c->flags, cap_flag_names, ARRAY_SIZE(cap_flag_names));
	printf("\n\t\t\tProgramming: %s\n",
	       c->flags & VFIO_PLATFORM_MSI_CAP_PROGRAMMED ?
	       "by the kernel, into the device" :
	       "by the user, with the messages (generic mode)");
	printf("\t\t\tMasking: %s\n",
	       c->flags & VFIO_PLATFORM_MSI_CAP_MASK_DEVICE ?
	       "in the device, which holds the event" :
	       "at the interrupt controller, the device keeps writing");
	printf("\t\t\tReplay: %s\n",
	       c->flags & VFIO_PLATFORM_MSI_CAP_REPLAY ?
	       "yes, an MSI while masked or disabled is delivered once on unmask or enable" :
	       "no, an MSI while masked or disabled is lost");
	printf("\t\t\tMay change: %s\n",
	       c->flags & VFIO_PLATFORM_MSI_CAP_MAY_CHANGE ?
	       "yes, watch the generation (FEATURE_MSI_NOTIFY)" :
	       "no, a valid message stays until close");
	printf("\t\t\tGeneration: %u\n", c->generation);
	for (i = 0; i < c->nr; i++)
		valid += !!(m->msgs[i].flags & VFIO_PLATFORM_MSI_MSG_VALID);
	if (c->nr)
		printf("\t\t\tMessages: %u reported, %u valid\n", c->nr,
		       valid);
	else
		printf("\t\t\tMessages: none reported\n");
	for (i = 0; i < c->nr && i < MAX_MSGS_TEXT; i++) {
		if (m->msgs[i].flags & VFIO_PLATFORM_MSI_MSG_VALID)
			printf("\t\t\t\tvector %u: address 0x%llx data 0x%x\n",
			       i, (unsigned long long)m->msgs[i].address,
			       m->msgs[i].data);
		else
			printf("\t\t\t\tvector %u: none yet\n", i);
	}
	if (c->nr > MAX_MSGS_TEXT)
		printf("\t\t\t\t... %u more (--json lists them all)\n",
		       c->nr - MAX_MSGS_TEXT);
}

static void print_msi(const struct msi *m)
{
	if (!m->supported) {
		printf("\tMSI: none (VFIO_PLATFORM_MSI_FEATURE_MSI not offered)\n");
		return;
	}
	printf("\tMSI: up to %u vectors, IRQ index %u once a user asks for them%s\n",
	       m->get.max_nvec, m->get.index,
	       m->get.flags & VFIO_PLATFORM_MSI_ENABLE ?
	       " (asked at open)" : "");
	if (!m->asked)
		return;
	if (m->error) {
		printf("\tMSI: asking for them failed: %s\n",
		       strerror(m->error));
		return;
	}
	print_irq(&m->irq, true);
	if (m->have_cap)
		print_cap(m);
	else
		printf("\t\tCapability: none\n");
}

static void print_text(const struct info *in)
{
	unsigned int i;

	print_sysfs(in);
	if (!in->opened || in->status) {
		printf("\tVFIO: not opened: %s\n",
		       *in->why ? in->why : "--no-open");
		return;
	}
	printf("\tVFIO device: flags");
	print_flags(in->dinfo.flags, dev_flag_names,
		    ARRAY_SIZE(dev_flag_names));
	printf(", %u regions, %u IRQ indexes at open\n",
	       in->dinfo.num_regions, in->dinfo.num_irqs);
	for (i = 0; i < in->dinfo.num_regions; i++)
		print_region(i, &in->regions[i]);
	for (i = 0; i < in->dinfo.num_irqs; i++)
		print_irq(&in->irqs[i], false);
	print_msi(&in->msi);
}

/* --- JSON output --- */

struct json {
	int depth;
	bool first;
};

static void json_indent(const struct json *j)
{
	int i;

	for (i = 0; i < j->depth; i++)
		fputs("  ", stdout);
}

/* Start a member (with @key) or an array element (key NULL) */
static void json_key(struct json *j, const char *key)
{
	if (j->depth) {
		printf("%s\n", j->first ? "" : ",");
		json_indent(j);
	}
	j->first = false;
	if (key)
		printf("\"%s\": ", key);
}

static void json_string_body(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	if (s)
		json_string_body(s);
	else
		fputs("null", stdout);
}

static void json_u64(struct json *j, const char *key, __u64 v)
{
	json_key(j, key);
	printf("%llu", (unsigned long long)v);
}

static void json_int(struct json *j, const char *key, int v)
{
	json_key(j, key);
	printf("%d", v);
}

static void json_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	fputs(v ? "true" : "false", stdout);
}

static void json_open(struct json *j, const char *key, char c)
{
	json_key(j, key);
	putchar(c);
	j->depth++;
	j->first = true;
}

static void json_close(struct json *j, char c)
{
	j->depth--;
	if (!j->first) {
		putchar('\n');
		json_indent(j);
	}
	putchar(c);
	j->first = false;
}

static void json_flags(struct json *j, const char *key, __u32 flags,
		       const char *const *names, unsigned int n)
{
	char bit[16];
	unsigned int i;

	json_open(j, key, '[');
	for (i = 0; i < 32; i++) {
		if (!(flags & (1u << i)))
			continue;
		fmt(bit, sizeof(bit), "bit%u", i);
		json_str(j, NULL, i < n ? names[i] : bit);
	}
	json_close(j, ']');
}

static void json_irq(struct json *j, const char *key,
		     const struct vfio_irq_info *ii, bool msi)
{
	json_open(j, key, '{');
	json_u64(j, "index", ii->index);
	json_str(j, "kind", msi ? "msi" : "wired");
	json_u64(j, "count", ii->count);
	json_flags(j, "flags",
		   ii->flags & ~VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS,
		   irq_flag_names, ARRAY_SIZE(irq_flag_names));
	if (!msi)
		json_str(j, "trigger", ii->flags & VFIO_IRQ_INFO_AUTOMASKED ?
			 "level" : "edge");
	json_close(j, '}');
}

static void json_cap(struct json *j, const struct msi *m)
{
	const struct vfio_platform_msi_irq_info_cap_msi *c = &m->cap;
	char addr[32];
	unsigned int i;

	json_open(j, "cap", '{');
	json_u64(j, "id", c->header.id);
	json_u64(j, "version", c->header.version);
	json_flags(j, "flags", c->flags, cap_flag_names,
		   ARRAY_SIZE(cap_flag_names));
	json_bool(j, "programmed",
		  c->flags & VFIO_PLATFORM_MSI_CAP_PROGRAMMED);
	json_str(j, "mask", c->flags & VFIO_PLATFORM_MSI_CAP_MASK_DEVICE ?
		 "device" : "irqchip");
	json_bool(j, "replay", c->flags & VFIO_PLATFORM_MSI_CAP_REPLAY);
	json_bool(j, "may_change",
		  c->flags & VFIO_PLATFORM_MSI_CAP_MAY_CHANGE);
	json_u64(j, "generation", c->generation);
	json_u64(j, "nr", c->nr);
	json_open(j, "msgs", '[');
	for (i = 0; i < c->nr; i++) {
		bool valid = m->msgs[i].flags & VFIO_PLATFORM_MSI_MSG_VALID;

		json_open(j, NULL, '{');
		json_u64(j, "vector", i);
		json_bool(j, "valid", valid);
		fmt(addr, sizeof(addr), "0x%llx",
		    (unsigned long long)m->msgs[i].address);
		json_str(j, "address", valid ? addr : NULL);
		json_key(j, "data");
		if (valid)
			printf("%u", m->msgs[i].data);
		else
			fputs("null", stdout);
		json_close(j, '}');
	}
	json_close(j, ']');
	json_close(j, '}');
}

static void json_msi(struct json *j, const struct msi *m)
{
	if (!m->supported) {
		json_str(j, "msi", NULL);
		return;
	}
	json_open(j, "msi", '{');
	json_u64(j, "max_nvec", m->get.max_nvec);
	json_u64(j, "index", m->get.index);
	json_bool(j, "enabled_at_open", m->get.flags & VFIO_PLATFORM_MSI_ENABLE);
	json_bool(j, "asked", m->asked);
	json_str(j, "error", m->error ? strerror(m->error) : NULL);
	if (m->asked && !m->error) {
		json_u64(j, "nvec", m->nvec_asked);
		json_irq(j, "irq", &m->irq, true);
		if (m->have_cap)
			json_cap(j, m);
		else
			json_str(j, "cap", NULL);
	}
	json_close(j, '}');
}

static void json_region(struct json *j, __u32 i, const struct region *r)
{
	unsigned int a;

	json_open(j, NULL, '{');
	json_u64(j, "index", i);
	json_u64(j, "size", r->info.size);
	json_u64(j, "offset", r->info.offset);
	json_flags(j, "flags", r->info.flags, region_flag_names,
		   ARRAY_SIZE(region_flag_names));
	json_bool(j, "mmap", r->info.flags & VFIO_REGION_INFO_FLAG_MMAP);
	if (r->sparse) {
		json_open(j, "sparse_mmap", '[');
		for (a = 0; a < r->nr_areas; a++) {
			json_open(j, NULL, '{');
			json_u64(j, "offset", r->areas[a].offset);
			json_u64(j, "size", r->areas[a].size);
			json_close(j, '}');
		}
		json_close(j, ']');
	} else {
		json_str(j, "sparse_mmap", NULL);
	}
	json_close(j, '}');
}

static void print_json(const struct info *in, int status)
{
	struct json j = { 0 };
	unsigned int i;

	json_open(&j, NULL, '{');
	json_int(&j, "format", JSON_FORMAT);
	json_str(&j, "status", status_names[status]);
	json_str(&j, "error", *in->why ? in->why : NULL);
	json_str(&j, "device", in->name);
	json_str(&j, "sysfs", *in->path ? in->path : NULL);
	json_open(&j, "compatible", '[');
	for (i = 0; i < in->nr_compat; i++)
		json_str(&j, NULL, in->compat[i]);
	json_close(&j, ']');
	json_str(&j, "driver", *in->driver ? in->driver : NULL);
	json_str(&j, "driver_module", *in->module ? in->module : NULL);
	json_bool(&j, "vfio_driver", in->vfio);
	json_bool(&j, "ours", in->ours);
	if (in->group < 0) {
		json_str(&j, "iommu_group", NULL);
	} else {
		json_open(&j, "iommu_group", '{');
		json_int(&j, "id", in->group);
		json_str(&j, "node", in->group_node);
		json_bool(&j, "noiommu", in->noiommu);
		json_open(&j, "members", '[');
		for (i = 0; i < in->nr_members; i++) {
			json_open(&j, NULL, '{');
			json_str(&j, "device", in->members[i].name);
			json_str(&j, "driver", *in->members[i].driver ?
				 in->members[i].driver : NULL);
			json_close(&j, '}');
		}
		json_close(&j, ']');
		json_close(&j, '}');
	}
	json_str(&j, "plugin", in->have_plugin && *in->plugin ?
		 in->plugin : NULL);
	json_str(&j, "reset_method", in->have_reset ? in->reset_method : NULL);
	json_bool(&j, "opened", in->opened);
	if (in->opened && status == EXIT_OK) {
		json_open(&j, "device_info", '{');
		json_flags(&j, "flags", in->dinfo.flags, dev_flag_names,
			   ARRAY_SIZE(dev_flag_names));
		json_u64(&j, "num_regions", in->dinfo.num_regions);
		json_u64(&j, "num_irqs", in->dinfo.num_irqs);
		json_close(&j, '}');
		json_open(&j, "regions", '[');
		for (i = 0; i < in->dinfo.num_regions; i++)
			json_region(&j, i, &in->regions[i]);
		json_close(&j, ']');
		json_open(&j, "irqs", '[');
		for (i = 0; i < in->dinfo.num_irqs; i++)
			json_irq(&j, NULL, &in->irqs[i], false);
		json_close(&j, ']');
		json_msi(&j, &in->msi);
	}
	json_close(&j, '}');
	putchar('\n');
}

/* --- main --- */

static void show_usage(FILE *f)
{
	fprintf(f,
		"usage: " TOOL " [--json] [--no-open | --no-msi] [--msi-vectors N] DEVICE\n"
		"\n"
		"DEVICE: a platform device's name (7f000000.testdev) or its sysfs path.\n"
		"Opens the device through VFIO, which resets it; --no-open reads sysfs only.\n"
		"\n"
		"  -j, --json           JSON for scripts\n"
		"  -n, --no-open        sysfs only: do not open the device\n"
		"  -M, --no-msi         do not ask for the MSIs (no MSI index, no capability)\n"
		"  -v, --msi-vectors N  ask for N vectors (default: all, or 1 in generic mode)\n"
		"  -h, --help           this text\n"
		"\n"
		"Exit status: 0 ok, 1 error, 2 usage, 3 no such device, 4 not bound to a\n"
		"VFIO driver, 5 permission denied, 6 busy (another VFIO user has it),\n"
		"7 IOMMU group not viable. See vfio-platform-info(8).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "no-open", no_argument, NULL, 'n' },
		{ "no-msi", no_argument, NULL, 'M' },
		{ "msi-vectors", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, open_dev = true, ask_msi = true;
	unsigned long nvec = 0;
	struct info in = { .group = -1 };
	char *end;
	int c, ret;

	while ((c = getopt_long(argc, argv, "jnMv:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'n':
			open_dev = false;
			break;
		case 'M':
			ask_msi = false;
			break;
		case 'v':
			errno = 0;
			nvec = strtoul(optarg, &end, 0);
			if (errno || *end || !nvec || nvec > UINT_MAX) {
				warn("--msi-vectors: not a vector count: %s",
				     optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			show_usage(stdout);
			return EXIT_OK;
		default:
			show_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		show_usage(stderr);
		return EXIT_USAGE;
	}

	ret = find_device(&in, argv[optind]);
	if (ret) {
		fmt(in.name, sizeof(in.name), "%s", argv[optind]);
		fmt(in.why, sizeof(in.why), "no such platform device");
		if (json)
			print_json(&in, ret);
		return ret;
	}
	read_sysfs(&in);
	if (!in.vfio)
		ret = not_opened(&in, EXIT_NOTVFIO, "%s",
				 *in.driver ? "not bound to a VFIO driver" :
				 "not bound to any driver");
	else if (in.group < 0)
		ret = not_opened(&in, EXIT_ERROR, "no IOMMU group");
	else if (open_dev)
		ret = read_vfio(&in, nvec, ask_msi);

	if (json)
		print_json(&in, ret);
	else
		print_text(&in);
	return ret;
}
