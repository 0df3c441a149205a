// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_pmsi_demo: a minimal userspace driver for the vfio-platform-msi test
 * device, written against nothing but <linux/vfio.h> and the device's
 * datasheet header.
 *
 * It opens the device the way any VFIO user does (container, group, device
 * fd), maps its registers, connects an eventfd to each wired interrupt
 * line, asks the device to raise the lines and prints the interrupts it
 * receives. When the device has MSIs (vfio-platform-msi's addition,
 * <linux/vfio_platform_msi.h>), it asks for them, checks in the MSI
 * index's capability that the kernel programs them, enables a few vectors
 * with an eventfd each, makes the device send them and shows masking at
 * work. What VFIO reports about the device (regions, interrupt indexes,
 * the capability decoded) is vfio-platform-info's to print: 'make run'
 * runs it first (samples/vfio-platform-msi/demo.sh).
 *
 * Environment: VFIO_PMSI_GROUP=/dev/vfio/N, VFIO_PMSI_DEVICE=<device name>
 * (scripts/vm-run sets both). Exit status 0 on success.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/vfio.h>
#include <linux/vfio_platform_msi.h>

#include "vpmsi_testdev.h"

#define TIMEOUT_MS	3000	/* for anything the device or kernel must do */
#define QUIET_MS	200	/* to show that nothing more arrives */
#define EDGE_PULSES	5
#define MSI_DEMO_VECS	4
#define MSI_HELD_FIRES	3

struct demo {
	int container, group, device;
	const char *group_path, *name;
	struct vfio_device_info info;
	__u8 *regs;
	int efd[2];		/* one eventfd per wired line */
};

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("demo: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * The device's registers: Device memory, so exactly one aligned 32-bit
 * load or store per access, which the compiler must neither drop, merge
 * nor split.
 */
static __u32 rd32(struct demo *d, __u32 off)
{
	return __atomic_load_n((__u32 *)(d->regs + off), __ATOMIC_RELAXED);
}

static void wr32(struct demo *d, __u32 off, __u32 v)
{
	__atomic_store_n((__u32 *)(d->regs + off), v, __ATOMIC_RELAXED);
}

static bool wait_reg(struct demo *d, __u32 off, __u32 mask,
		     __u32 want)
{
	__u64 end = now_ns() + TIMEOUT_MS * 1000000ull;
	struct timespec pause = { .tv_nsec = 100000 };

	while ((rd32(d, off) & mask) != want) {
		if (now_ns() > end)
			return false;
		nanosleep(&pause, NULL);
	}
	return true;
}

/* The LINE_CMD mailbox: wait until free, post, wait until consumed */
static void line_cmd(struct demo *d, unsigned int line, unsigned int op,
		     unsigned int count)
{
	if (!wait_reg(d, VPMSI_REG_LINE_CMD, ~0u, 0))
		die("the device's LINE_CMD mailbox stays busy");
	wr32(d, VPMSI_REG_LINE_CMD, VPMSI_LINE_GO | VPMSI_LINE_OP(op) |
	     VPMSI_LINE_COUNT(count) | line);
	if (!wait_reg(d, VPMSI_REG_LINE_CMD, ~0u, 0))
		die("the device did not take the LINE_CMD request");
}

/* --- VFIO --- */

static void open_device(struct demo *d)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };

	d->group_path = getenv("VFIO_PMSI_GROUP");
	d->name = getenv("VFIO_PMSI_DEVICE");
	if (!d->group_path || !d->name) {
		fprintf(stderr,
			"usage: VFIO_PMSI_GROUP=/dev/vfio/N VFIO_PMSI_DEVICE=<name> vfio_pmsi_demo\n"
			"(scripts/vm-run sets both)\n");
		exit(2);
	}

	d->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (d->container < 0)
		die("open /dev/vfio/vfio: %s", strerror(errno));
	if (ioctl(d->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		die("unknown VFIO API version");
	if (ioctl(d->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1)
		die("the container does not support the type1v2 IOMMU");

	d->group = open(d->group_path, O_RDWR | O_CLOEXEC);
	if (d->group < 0)
		die("open %s: %s", d->group_path, strerror(errno));
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &status))
		die("VFIO_GROUP_GET_STATUS: %s", strerror(errno));
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		die("group %s is not viable: bind all its devices to VFIO",
		    d->group_path);
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container))
		die("VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
	if (ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU: %s", strerror(errno));

	d->device = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->name);
	if (d->device < 0)
		die("VFIO_GROUP_GET_DEVICE_FD(%s): %s", d->name,
		    strerror(errno));
	d->info.argsz = sizeof(d->info);
	if (ioctl(d->device, VFIO_DEVICE_GET_INFO, &d->info))
		die("VFIO_DEVICE_GET_INFO: %s", strerror(errno));
}

static void map_registers(struct demo *d)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = 0 };
	void *p;

	if (ioctl(d->device, VFIO_DEVICE_GET_REGION_INFO, &ri))
		die("VFIO_DEVICE_GET_REGION_INFO(0): %s", strerror(errno));
	if (!(ri.flags & VFIO_REGION_INFO_FLAG_MMAP) ||
	    ri.size < VPMSI_WINDOW_SIZE)
		die("region 0 cannot be mapped");
	p = mmap(NULL, VPMSI_WINDOW_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 d->device, (off_t)ri.offset);
	if (p == MAP_FAILED)
		die("mmap of region 0: %s", strerror(errno));
	d->regs = p;

	if (rd32(d, VPMSI_REG_ID) != VPMSI_ID)
		die("unexpected device ID 0x%08x", rd32(d, VPMSI_REG_ID));
	if (!wait_reg(d, VPMSI_REG_STATUS, VPMSI_STATUS_READY,
		      VPMSI_STATUS_READY))
		die("the device does not become ready");
	printf("registers mapped: ID \"VMSI\", version %u, %u wired lines, %u MSI vectors\n",
	       rd32(d, VPMSI_REG_VERSION), rd32(d, VPMSI_REG_NUM_LINES),
	       rd32(d, VPMSI_REG_NUM_VECTORS));
}

static void set_irq_at(struct demo *d, __u32 action, __u32 index,
		       __u32 start, __s32 fd)
{
	struct {
		struct vfio_irq_set set;
		__s32 fd;
	} req = {
		.set = {
			.argsz = sizeof(req),
			.flags = action | VFIO_IRQ_SET_DATA_EVENTFD,
			.index = index,
			.start = start,
			.count = 1,
		},
		.fd = fd,
	};

	if (ioctl(d->device, VFIO_DEVICE_SET_IRQS, &req))
		die("VFIO_DEVICE_SET_IRQS(index %u.%u, fd %d): %s", index,
		    start, fd, strerror(errno));
}

static void set_irq(struct demo *d, __u32 action, __u32 index, __s32 fd)
{
	set_irq_at(d, action, index, 0, fd);
}

/* MASK or UNMASK one vector of an index */
static void mask_at(struct demo *d, __u32 action, __u32 index, __u32 start)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = action | VFIO_IRQ_SET_DATA_NONE,
		.index = index,
		.start = start,
		.count = 1,
	};

	if (ioctl(d->device, VFIO_DEVICE_SET_IRQS, &set))
		die("VFIO_DEVICE_SET_IRQS(index %u.%u): %s", index, start,
		    strerror(errno));
}

static void unmask(struct demo *d, __u32 index)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_DATA_NONE,
		.index = index,
		.start = 0,
		.count = 1,
	};

	if (ioctl(d->device, VFIO_DEVICE_SET_IRQS, &set))
		die("VFIO_DEVICE_SET_IRQS(UNMASK, index %u): %s", index,
		    strerror(errno));
}

/* Wait up to ms for the eventfd; returns its count (0: nothing came) */
static __u64 wait_event(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	__u64 v;

	if (poll(&pfd, 1, ms) != 1 || read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static void demo_level(struct demo *d)
{
	__u64 t0, n;

	printf("\nlevel line (irq 0):\n");
	t0 = now_ns();
	line_cmd(d, VPMSI_LINE_LEVEL, VPMSI_LINE_OP_ASSERT, 1);
	n = wait_event(d->efd[0], TIMEOUT_MS);
	if (!n)
		die("no interrupt from the level line within %d ms", TIMEOUT_MS);
	printf("  device asserts the line      -> interrupt (eventfd count %llu) after %.1f ms\n",
	       (unsigned long long)n, (now_ns() - t0) / 1e6);

	n = wait_event(d->efd[0], QUIET_MS);
	if (n)
		die("the level line fired again while masked");
	printf("  line still high              -> nothing more: VFIO masked it for us\n");

	unmask(d, 0);
	n = wait_event(d->efd[0], TIMEOUT_MS);
	if (!n)
		die("no interrupt after unmasking the still-asserted line");
	printf("  unmask while still high      -> interrupt again\n");

	line_cmd(d, VPMSI_LINE_LEVEL, VPMSI_LINE_OP_DEASSERT, 1);
	unmask(d, 0);
	n = wait_event(d->efd[0], QUIET_MS);
	if (n)
		die("interrupt from a deasserted line");
	printf("  device drops it, unmask      -> quiet\n");
}

static void demo_edge(struct demo *d)
{
	unsigned int i;
	__u64 t0, n, total = 0;

	printf("\nedge line (irq 1):\n");
	for (i = 1; i <= EDGE_PULSES; i++) {
		t0 = now_ns();
		line_cmd(d, VPMSI_LINE_EDGE, VPMSI_LINE_OP_PULSE, 1);
		n = wait_event(d->efd[1], TIMEOUT_MS);
		if (!n)
			die("no interrupt for edge pulse %u", i);
		total += n;
		printf("  pulse %u                      -> interrupt after %.1f ms\n",
		       i, (now_ns() - t0) / 1e6);
	}
	if (wait_event(d->efd[1], QUIET_MS))
		die("more interrupts than pulses");
	printf("  %u pulses, %llu interrupts\n", EDGE_PULSES,
	       (unsigned long long)total);
	if (total != EDGE_PULSES)
		die("expected %u interrupts", EDGE_PULSES);
}

/*
 * VFIO_DEVICE_GET_IRQ_INFO with the capability chain: ask with the
 * extended structure, learn the size from argsz, ask again. Returns a
 * malloc'd buffer (struct vfio_platform_msi_irq_info and the chain).
 */
static struct vfio_platform_msi_irq_info *irq_info_caps(struct demo *d,
							__u32 index)
{
	struct vfio_platform_msi_irq_info *info, probe = {
		.argsz = sizeof(probe),
		.index = index,
	};

	if (ioctl(d->device, VFIO_DEVICE_GET_IRQ_INFO, &probe))
		die("VFIO_DEVICE_GET_IRQ_INFO(%u): %s", index, strerror(errno));
	if (!(probe.flags & VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS))
		die("irq %u has no capability chain", index);
	info = calloc(1, probe.argsz);
	if (!info)
		die("out of memory");
	info->argsz = probe.argsz;
	info->index = index;
	if (ioctl(d->device, VFIO_DEVICE_GET_IRQ_INFO, info))
		die("VFIO_DEVICE_GET_IRQ_INFO(%u): %s", index, strerror(errno));
	return info;
}

static void *find_cap(struct vfio_platform_msi_irq_info *info, __u16 id)
{
	__u32 off = info->cap_offset;

	while (off) {
		struct vfio_info_cap_header *h = (void *)((char *)info + off);

		if (h->id == id)
			return h;
		off = h->next;
	}
	return NULL;
}

/* VFIO_DEVICE_FEATURE of this driver: 0 or -errno */
static int feature(struct demo *d, __u32 which, __u32 flags, void *data,
		   size_t size)
{
	struct vfio_device_feature *f = calloc(1, sizeof(*f) + size);
	int ret;

	if (!f)
		die("out of memory");
	f->argsz = sizeof(*f) + size;
	f->flags = which | flags;
	memcpy(f->data, data, size);
	ret = ioctl(d->device, VFIO_DEVICE_FEATURE, f) ? -errno : 0;
	memcpy(data, f->data, size);
	free(f);
	return ret;
}

/*
 * Ask for the device's MSIs, all it has: the MSI index appears. Returns
 * its number, or -1 when the device has no MSIs.
 */
static int ask_for_msis(struct demo *d)
{
	struct vfio_platform_msi_feature_msi f = { 0 };
	int ret;

	ret = feature(d, VFIO_PLATFORM_MSI_FEATURE_MSI,
		      VFIO_DEVICE_FEATURE_GET, &f, sizeof(f));
	if (ret == -ENOTTY)
		return -1;
	if (ret)
		die("FEATURE_MSI GET: %s", strerror(-ret));
	printf("\nasking for the device's MSIs (up to %u)\n", f.max_nvec);
	f.flags = VFIO_PLATFORM_MSI_ENABLE;
	f.nvec = 0;
	ret = feature(d, VFIO_PLATFORM_MSI_FEATURE_MSI,
		      VFIO_DEVICE_FEATURE_SET, &f, sizeof(f));
	if (ret)
		die("FEATURE_MSI SET: %s", strerror(-ret));
	return f.index;
}

static void fire(struct demo *d, unsigned int vector, unsigned int count)
{
	if (!wait_reg(d, VPMSI_REG_FIRE, ~0u, 0))
		die("the device's FIRE mailbox stays busy");
	wr32(d, VPMSI_REG_FIRE, VPMSI_FIRE_GO | VPMSI_FIRE_COUNT(count) |
	     vector);
	if (!wait_reg(d, VPMSI_REG_FIRE, ~0u, 0))
		die("the device did not take the FIRE request");
}

static void demo_msi(struct demo *d, __u32 index)
{
	const unsigned int vecs[MSI_DEMO_VECS] = { 0, 1, 2, 2047 };
	struct vfio_platform_msi_irq_info_cap_msi *cap;
	struct vfio_platform_msi_irq_info *info;
	struct {
		struct vfio_platform_msi_feature_msi_msgs hdr;
		struct vfio_platform_msi_msg msg;
	} m;
	int efd[MSI_DEMO_VECS];
	unsigned int i, v;
	__u64 n, stamp;

	printf("\nMSIs (irq %u):\n", index);
	for (i = 0; i < MSI_DEMO_VECS; i++) {
		efd[i] = eventfd(0, EFD_CLOEXEC);
		if (efd[i] < 0)
			die("eventfd: %s", strerror(errno));
		set_irq_at(d, VFIO_IRQ_SET_ACTION_TRIGGER, index, vecs[i],
			   efd[i]);
	}

	/*
	 * This driver leaves the device's vector table to the kernel, and
	 * counts on a masked MSI being held: what the capability says.
	 */
	info = irq_info_caps(d, index);
	cap = find_cap(info, VFIO_PLATFORM_MSI_IRQ_INFO_CAP_MSI);
	if (!cap)
		die("the MSI index has no MSI capability");
	if (!(cap->flags & VFIO_PLATFORM_MSI_CAP_PROGRAMMED))
		die("generic mode: this demo does not program the device's MSIs");
	if (!(cap->flags & VFIO_PLATFORM_MSI_CAP_REPLAY))
		die("the kernel does not hold a masked MSI");
	printf("  %u vectors; the kernel programmed their messages:\n",
	       info->count);
	free(info);
	for (i = 0; i < MSI_DEMO_VECS; i++) {
		v = vecs[i];
		memset(&m, 0, sizeof(m));
		m.hdr.first = v;
		m.hdr.nr = 1;
		if (feature(d, VFIO_PLATFORM_MSI_FEATURE_MSI_MSGS,
			    VFIO_DEVICE_FEATURE_GET, &m, sizeof(m)))
			die("reading vector %u's message", v);
		printf("    vector %4u: address 0x%llx data 0x%x%s\n", v,
		       (unsigned long long)m.msg.address, m.msg.data,
		       m.msg.flags & VFIO_PLATFORM_MSI_MSG_VALID ? "" :
		       " (not valid)");
	}

	for (i = 0; i < MSI_DEMO_VECS; i++) {
		fire(d, vecs[i], 1);
		n = wait_event(efd[i], TIMEOUT_MS);
		if (n != 1)
			die("vector %u: %llu events for one MSI", vecs[i],
			    (unsigned long long)n);
		stamp = (__u64)rd32(d, VPMSI_REG_LAST_MSI_NS) |
			(__u64)rd32(d, VPMSI_REG_LAST_MSI_NS + 4) << 32;
		printf("  device sends vector %4u     -> eventfd %u, %.0f us after the MSI write\n",
		       vecs[i], i, (now_ns() - stamp) / 1e3);
	}

	mask_at(d, VFIO_IRQ_SET_ACTION_MASK, index, 0);
	fire(d, 0, MSI_HELD_FIRES);
	if (wait_event(efd[0], QUIET_MS))
		die("a masked vector fired");
	printf("  vector 0 masked, sent %u times -> nothing\n",
	       MSI_HELD_FIRES);
	mask_at(d, VFIO_IRQ_SET_ACTION_UNMASK, index, 0);
	n = wait_event(efd[0], TIMEOUT_MS);
	if (n != 1 || wait_event(efd[0], QUIET_MS))
		die("unmask did not deliver the held MSI exactly once");
	printf("  unmask                       -> the held MSI, once\n");

	for (i = 0; i < MSI_DEMO_VECS; i++) {
		set_irq_at(d, VFIO_IRQ_SET_ACTION_TRIGGER, index, vecs[i], -1);
		close(efd[i]);
	}
}

int main(void)
{
	struct demo d = { .container = -1, .group = -1, .device = -1 };
	unsigned int i;
	int msi_index;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("vfio-platform-msi demo: a userspace driver for the test device\n\n");
	open_device(&d);
	printf("device %s opened through %s: %u regions, %u interrupt indexes\n",
	       d.name, d.group_path, d.info.num_regions, d.info.num_irqs);
	if (d.info.num_regions < 1 || d.info.num_irqs < 2)
		die("expected a register region and two wired interrupts");
	map_registers(&d);

	for (i = 0; i < 2; i++) {
		d.efd[i] = eventfd(0, EFD_CLOEXEC);
		if (d.efd[i] < 0)
			die("eventfd: %s", strerror(errno));
		set_irq(&d, VFIO_IRQ_SET_ACTION_TRIGGER, i, d.efd[i]);
	}
	printf("eventfds connected to irq 0 and irq 1\n");

	demo_level(&d);
	demo_edge(&d);
	msi_index = ask_for_msis(&d);
	if (msi_index >= 0)
		demo_msi(&d, msi_index);
	else
		printf("\nthe device has no MSIs\n");

	for (i = 0; i < 2; i++) {
		set_irq(&d, VFIO_IRQ_SET_ACTION_TRIGGER, i, -1);
		close(d.efd[i]);
	}
	munmap(d.regs, VPMSI_WINDOW_SIZE);
	close(d.device);
	close(d.group);
	close(d.container);
	printf("\ndemo: OK\n");
	return 0;
}
