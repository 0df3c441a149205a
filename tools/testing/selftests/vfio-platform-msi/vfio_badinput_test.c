// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: bad input to every device ioctl and to read/write.
 *
 * The expected errnos are those of upstream VFIO (vfio_platform_common.c,
 * vfio_platform_irq.c, vfio_set_irqs_validate_and_prepare(), virqfd.c and
 * eventfd_ctx_fdget()):
 *  - argsz below the fixed part, bad index, start/count other than 0/1,
 *    unknown flag bits, zero or several data types, missing data: EINVAL;
 *  - zero or several actions: ENOTTY (no handler for that action);
 *  - unreadable or unwritable user memory: EFAULT;
 *  - an fd that is not open: EBADF; an open fd that is not an eventfd:
 *    EINVAL; a negative fd: accepted, it tears the eventfd down;
 *  - a second irqfd on the same mask/unmask slot: EBUSY;
 *  - unknown ioctls: ENOTTY;
 *  - read/write at or beyond the end of a region, or in no region: EINVAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vpm_harness.h"
#include "vfio_dev.h"
#include "vpmsi_testdev.h"

#define IDX_NUM_IRQS	0xfffffff0u	/* stands for info.num_irqs */

FIXTURE(bad) {
	struct vfio_dev vd;
	int efd;		/* a real eventfd */
	int nullfd;		/* an open fd that is no eventfd */
	int closedfd;		/* a number that is no open fd */
	uint8_t *guard;		/* page 0: read/write, page 1: PROT_NONE */
	uint8_t *rdonly;	/* a read-only page */
	void *unmapped;		/* an address with nothing mapped */
	long page;
};

FIXTURE_SETUP(bad)
{
	const char *why = vfio_dev_env_missing();
	struct vfio_dev *vd = &self->vd;

	vfio_dev_init(vd);
	self->efd = -1;
	self->nullfd = -1;
	self->guard = MAP_FAILED;
	self->rdonly = MAP_FAILED;
	self->page = sysconf(_SC_PAGESIZE);
	self->unmapped = (void *)16;
	if (why)
		SKIP(return, "%s", why);
	VD_ASSERT_OPEN(vd, vfio_dev_open(vd));

	self->efd = efd_create();
	VD_ASSERT_OK(self->efd);
	self->nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	VD_ASSERT_SYS(self->nullfd);
	self->closedfd = dup(self->nullfd);
	VD_ASSERT_SYS(self->closedfd);
	close(self->closedfd);

	self->guard = mmap(NULL, 2 * self->page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->guard);
	VD_ASSERT_SYS(mprotect(self->guard + self->page, self->page,
			       PROT_NONE));
	self->rdonly = mmap(NULL, self->page, PROT_READ,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->rdonly);
}

FIXTURE_TEARDOWN(bad)
{
	if (self->guard != MAP_FAILED)
		munmap(self->guard, 2 * self->page);
	if (self->rdonly != MAP_FAILED)
		munmap(self->rdonly, self->page);
	if (self->efd >= 0)
		close(self->efd);
	if (self->nullfd >= 0)
		close(self->nullfd);
	vfio_dev_close(&self->vd);
}

/* ioctl() as 0 or the errno */
static int ioctl_err(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? errno : 0;
}

/* Both a failure and an unexpected success are logged with names */
#define EXPECT_IOCTL_ERR(want, got, what) do {				\
	int __w = (want), __g = (got);					\
	EXPECT_EQ(__w, __g)						\
		TH_LOG("%s: expected %s, got %s", (what),		\
		       __w ? vd_errno_name(__w) : "success",		\
		       __g ? vd_errno_name(__g) : "success");		\
} while (0)

/* --- GET_INFO, GET_REGION_INFO, GET_IRQ_INFO --- */

struct info_case {
	const char *name;
	unsigned long req;
	uint32_t argsz;
	uint32_t index;
	int want;
};

/* The fixed parts: up to num_irqs, offset and count */
#define DEV_MIN		offsetof(struct vfio_device_info, cap_offset)
#define REG_MIN		sizeof(struct vfio_region_info)
#define IRQ_MIN		sizeof(struct vfio_irq_info)

static const struct info_case info_cases[] = {
	{ "GET_INFO argsz 0", VFIO_DEVICE_GET_INFO, 0, 0, EINVAL },
	{ "GET_INFO argsz min-1", VFIO_DEVICE_GET_INFO, DEV_MIN - 1, 0,
	  EINVAL },
	{ "GET_INFO argsz min", VFIO_DEVICE_GET_INFO, DEV_MIN, 0, 0 },
	{ "GET_REGION_INFO argsz 0", VFIO_DEVICE_GET_REGION_INFO, 0, 0,
	  EINVAL },
	{ "GET_REGION_INFO argsz min-1", VFIO_DEVICE_GET_REGION_INFO,
	  REG_MIN - 1, 0, EINVAL },
	{ "GET_REGION_INFO argsz min", VFIO_DEVICE_GET_REGION_INFO, REG_MIN,
	  1, 0 },
	{ "GET_REGION_INFO index 2", VFIO_DEVICE_GET_REGION_INFO, REG_MIN,
	  VD_NUM_REGIONS, EINVAL },
	{ "GET_REGION_INFO index 2^31", VFIO_DEVICE_GET_REGION_INFO, REG_MIN,
	  0x80000000u, EINVAL },
	{ "GET_REGION_INFO index U32_MAX", VFIO_DEVICE_GET_REGION_INFO,
	  REG_MIN, 0xffffffffu, EINVAL },
	{ "GET_IRQ_INFO argsz 0", VFIO_DEVICE_GET_IRQ_INFO, 0, 0, EINVAL },
	{ "GET_IRQ_INFO argsz min-1", VFIO_DEVICE_GET_IRQ_INFO, IRQ_MIN - 1, 0,
	  EINVAL },
	{ "GET_IRQ_INFO argsz min", VFIO_DEVICE_GET_IRQ_INFO, IRQ_MIN, 1, 0 },
	{ "GET_IRQ_INFO index num_irqs", VFIO_DEVICE_GET_IRQ_INFO, IRQ_MIN,
	  IDX_NUM_IRQS, EINVAL },
	{ "GET_IRQ_INFO index 2^31", VFIO_DEVICE_GET_IRQ_INFO, IRQ_MIN,
	  0x80000000u, EINVAL },
	{ "GET_IRQ_INFO index U32_MAX", VFIO_DEVICE_GET_IRQ_INFO, IRQ_MIN,
	  0xffffffffu, EINVAL },
};

TEST_F(bad, info_table)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(info_cases); i++) {
		const struct info_case *c = &info_cases[i];
		union {
			struct vfio_device_info dev;
			struct vfio_region_info reg;
			struct vfio_irq_info irq;
			uint32_t hdr[2];	/* argsz, flags */
		} u;
		uint32_t index = c->index == IDX_NUM_IRQS ?
				 self->vd.info.num_irqs : c->index;

		memset(&u, 0, sizeof(u));
		u.hdr[0] = c->argsz;
		if (c->req == VFIO_DEVICE_GET_REGION_INFO)
			u.reg.index = index;
		else if (c->req == VFIO_DEVICE_GET_IRQ_INFO)
			u.irq.index = index;
		EXPECT_IOCTL_ERR(c->want, ioctl_err(self->vd.device, c->req,
						    &u), c->name);
	}
}

static const unsigned long info_reqs[] = {
	VFIO_DEVICE_GET_INFO, VFIO_DEVICE_GET_REGION_INFO,
	VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_SET_IRQS,
};

/* Unreadable or unwritable argument memory: EFAULT */
TEST_F(bad, info_pointers)
{
	int fd = self->vd.device;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(info_reqs); i++) {
		unsigned long req = info_reqs[i];
		uint8_t *edge = self->guard + self->page - 4;

		EXPECT_IOCTL_ERR(EFAULT, ioctl_err(fd, req, NULL), "NULL");
		EXPECT_IOCTL_ERR(EFAULT, ioctl_err(fd, req, (void *)8),
				 "address 8");
		EXPECT_IOCTL_ERR(EFAULT,
				 ioctl_err(fd, req, self->guard + self->page),
				 "PROT_NONE page");
		/* argsz readable, the rest of the fixed part is not */
		memset(edge, 0, 4);
		*(uint32_t *)edge = 32;
		EXPECT_IOCTL_ERR(EFAULT, ioctl_err(fd, req, edge),
				 "struct across a PROT_NONE page");
	}

	/* Readable but not writable: the answer cannot be copied out */
	{
		struct vfio_device_info dev = { .argsz = sizeof(dev) };
		struct vfio_region_info reg = { .argsz = sizeof(reg) };
		struct vfio_irq_info irq = { .argsz = sizeof(irq) };

		/* Put valid requests in the read-only page */
		VD_ASSERT_SYS(mprotect(self->rdonly, self->page,
				       PROT_READ | PROT_WRITE));
		memcpy(self->rdonly, &dev, sizeof(dev));
		memcpy(self->rdonly + 256, &reg, sizeof(reg));
		memcpy(self->rdonly + 512, &irq, sizeof(irq));
		VD_ASSERT_SYS(mprotect(self->rdonly, self->page, PROT_READ));
		EXPECT_IOCTL_ERR(EFAULT, ioctl_err(fd, VFIO_DEVICE_GET_INFO,
						   self->rdonly),
				 "GET_INFO into a read-only page");
		EXPECT_IOCTL_ERR(EFAULT,
				 ioctl_err(fd, VFIO_DEVICE_GET_REGION_INFO,
					   self->rdonly + 256),
				 "GET_REGION_INFO into a read-only page");
		EXPECT_IOCTL_ERR(EFAULT,
				 ioctl_err(fd, VFIO_DEVICE_GET_IRQ_INFO,
					   self->rdonly + 512),
				 "GET_IRQ_INFO into a read-only page");
	}
}

/* --- SET_IRQS --- */

enum data_kind {
	D_NONE,		/* no payload */
	D_BOOL,		/* one byte, 1 */
	D_EFD,		/* the fixture's eventfd */
	D_NULLFD,	/* /dev/null */
	D_CLOSEDFD,	/* not open */
	D_NEG2,		/* -2 */
};

struct set_case {
	const char *name;
	uint32_t flags;
	uint32_t index;
	uint32_t start;
	uint32_t count;
	enum data_kind data;
	int argsz_adj;		/* added to header + payload size */
	int want;
};

#define TRIG		VFIO_IRQ_SET_ACTION_TRIGGER
#define MASK		VFIO_IRQ_SET_ACTION_MASK
#define UNMASK		VFIO_IRQ_SET_ACTION_UNMASK
#define DNONE		VFIO_IRQ_SET_DATA_NONE
#define DBOOL		VFIO_IRQ_SET_DATA_BOOL
#define DEFD		VFIO_IRQ_SET_DATA_EVENTFD
#define HDR		((int)sizeof(struct vfio_irq_set))

static const struct set_case set_cases[] = {
	/* Good requests first: the table can also fail the other way */
	{ "trigger eventfd", TRIG | DEFD, 0, 0, 1, D_EFD, 0, 0 },
	{ "trigger eventfd, edge", TRIG | DEFD, 1, 0, 1, D_EFD, 0, 0 },
	{ "mask none", MASK | DNONE, 0, 0, 1, D_NONE, 0, 0 },
	{ "unmask bool", UNMASK | DBOOL, 0, 0, 1, D_BOOL, 0, 0 },
	{ "disable", TRIG | DNONE, 0, 0, 0, D_NONE, 0, 0 },
	{ "argsz larger than needed", TRIG | DEFD, 0, 0, 1, D_EFD, 64, 0 },

	{ "argsz 0", TRIG | DNONE, 0, 0, 1, D_NONE, -HDR, EINVAL },
	{ "argsz header-1", TRIG | DNONE, 0, 0, 1, D_NONE, -1, EINVAL },
	{ "unknown flag bit 6", TRIG | DNONE | (1u << 6), 0, 0, 1, D_NONE, 0,
	  EINVAL },
	{ "unknown flag bit 31", TRIG | DNONE | (1u << 31), 0, 0, 1, D_NONE,
	  0, EINVAL },
	{ "data NONE|BOOL", TRIG | DNONE | DBOOL, 0, 0, 1, D_BOOL, 0, EINVAL },
	{ "data BOOL|EVENTFD", TRIG | DBOOL | DEFD, 0, 0, 1, D_EFD, 0,
	  EINVAL },
	{ "data NONE|EVENTFD", TRIG | DNONE | DEFD, 0, 0, 1, D_EFD, 0,
	  EINVAL },
	{ "all data types", TRIG | DNONE | DBOOL | DEFD, 0, 0, 1, D_EFD, 0,
	  EINVAL },
	{ "no data type", TRIG, 0, 0, 1, D_NONE, 0, EINVAL },
	{ "actions MASK|UNMASK", MASK | UNMASK | DNONE, 0, 0, 1, D_NONE, 0,
	  ENOTTY },
	{ "actions MASK|TRIGGER", MASK | TRIG | DNONE, 0, 0, 1, D_NONE, 0,
	  ENOTTY },
	{ "all actions", MASK | UNMASK | TRIG | DNONE, 0, 0, 1, D_NONE, 0,
	  ENOTTY },
	{ "no action", DNONE, 0, 0, 1, D_NONE, 0, ENOTTY },
	{ "index num_irqs", TRIG | DNONE, IDX_NUM_IRQS, 0, 1, D_NONE, 0,
	  EINVAL },
	{ "index 2^31", TRIG | DNONE, 0x80000000u, 0, 1, D_NONE, 0, EINVAL },
	{ "index U32_MAX", TRIG | DNONE, 0xffffffffu, 0, 1, D_NONE, 0,
	  EINVAL },
	{ "start 1 count 1", TRIG | DNONE, 0, 1, 1, D_NONE, 0, EINVAL },
	{ "start 1 count 1, edge", TRIG | DEFD, 1, 1, 1, D_EFD, 0, EINVAL },
	{ "start 0 count 2", TRIG | DNONE, 0, 0, 2, D_NONE, 0, EINVAL },
	{ "start U32_MAX count 1", TRIG | DNONE, 0, 0xffffffffu, 1, D_NONE, 0,
	  EINVAL },
	{ "start 1 count U32_MAX (wraps)", TRIG | DNONE, 0, 1, 0xffffffffu,
	  D_NONE, 0, EINVAL },
	{ "start 0 count U32_MAX", TRIG | DNONE, 0, 0, 0xffffffffu, D_NONE, 0,
	  EINVAL },
	{ "count 0 with EVENTFD", TRIG | DEFD, 0, 0, 0, D_EFD, 0, EINVAL },
	{ "count 0 with BOOL", TRIG | DBOOL, 0, 0, 0, D_BOOL, 0, EINVAL },
	{ "count 0 MASK", MASK | DNONE, 0, 0, 0, D_NONE, 0, EINVAL },
	{ "count 0 UNMASK", UNMASK | DNONE, 0, 0, 0, D_NONE, 0, EINVAL },
	{ "count 2 MASK EVENTFD", MASK | DEFD, 0, 0, 2, D_EFD, 4, EINVAL },
	{ "eventfd payload 3 bytes short", TRIG | DEFD, 0, 0, 1, D_EFD, -3,
	  EINVAL },
	{ "eventfd payload missing", TRIG | DEFD, 0, 0, 1, D_EFD, -4,
	  EINVAL },
	{ "bool payload missing", TRIG | DBOOL, 0, 0, 1, D_BOOL, -1, EINVAL },
	{ "trigger fd not an eventfd", TRIG | DEFD, 0, 0, 1, D_NULLFD, 0,
	  EINVAL },
	{ "trigger fd not open", TRIG | DEFD, 0, 0, 1, D_CLOSEDFD, 0, EBADF },
	{ "mask fd not an eventfd", MASK | DEFD, 0, 0, 1, D_NULLFD, 0,
	  EINVAL },
	{ "mask fd not open", MASK | DEFD, 0, 0, 1, D_CLOSEDFD, 0, EBADF },
	{ "unmask fd not an eventfd", UNMASK | DEFD, 0, 0, 1, D_NULLFD, 0,
	  EINVAL },
	{ "unmask fd not open", UNMASK | DEFD, 0, 0, 1, D_CLOSEDFD, 0, EBADF },
	{ "edge: trigger fd not an eventfd", TRIG | DEFD, 1, 0, 1, D_NULLFD,
	  0, EINVAL },
	{ "edge: unmask fd not open", UNMASK | DEFD, 1, 0, 1, D_CLOSEDFD, 0,
	  EBADF },
	/* Upstream treats every negative fd as "tear down" */
	{ "trigger fd -2", TRIG | DEFD, 0, 0, 1, D_NEG2, 0, 0 },
	{ "mask fd -2", MASK | DEFD, 0, 0, 1, D_NEG2, 0, 0 },
	{ "unmask fd -2", UNMASK | DEFD, 0, 0, 1, D_NEG2, 0, 0 },
};

struct set_env {
	int devfd, efd, nullfd, closedfd;
	uint32_t num_irqs;
};

static int run_set_case(const struct set_env *env, const struct set_case *c)
{
	struct {
		struct vfio_irq_set hdr;
		uint8_t data[128];
	} req;
	size_t payload = 0;
	int32_t fd = -1;

	memset(&req, 0, sizeof(req));
	switch (c->data) {
	case D_NONE:
		break;
	case D_BOOL:
		req.data[0] = 1;
		payload = 1;
		break;
	case D_EFD:
		fd = env->efd;
		break;
	case D_NULLFD:
		fd = env->nullfd;
		break;
	case D_CLOSEDFD:
		fd = env->closedfd;
		break;
	case D_NEG2:
		fd = -2;
		break;
	}
	if (c->data >= D_EFD) {
		memcpy(req.data, &fd, sizeof(fd));
		memcpy(req.data + 4, &fd, sizeof(fd));	/* for count 2 */
		payload = sizeof(fd);
	}
	req.hdr.argsz = (uint32_t)(HDR + (int)payload + c->argsz_adj);
	req.hdr.flags = c->flags;
	req.hdr.index = c->index == IDX_NUM_IRQS ? env->num_irqs :
			c->index;
	req.hdr.start = c->start;
	req.hdr.count = c->count;
	return ioctl_err(env->devfd, VFIO_DEVICE_SET_IRQS, &req);
}

TEST_F(bad, set_irqs_table)
{
	const struct set_env env = {
		.devfd = self->vd.device,
		.efd = self->efd,
		.nullfd = self->nullfd,
		.closedfd = self->closedfd,
		.num_irqs = self->vd.info.num_irqs,
	};
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(set_cases); i++) {
		const struct set_case *c = &set_cases[i];

		EXPECT_IOCTL_ERR(c->want, run_set_case(&env, c), c->name);
	}

	/* The device is still in working order */
	VD_ASSERT_OK(vfio_irq_unmask(self->vd.device, VD_IRQ_LEVEL));
	VD_ASSERT_OK(vfio_irq_set_trigger(self->vd.device, VD_IRQ_EDGE,
					  self->efd));
	efd_drain(self->efd);
	VD_ASSERT_OK(vfio_irq_loopback(self->vd.device, VD_IRQ_EDGE));
	VD_ASSERT_EVENT(self->efd, &v, "loopback after the bad requests");
	EXPECT_EQ(1, v);
}

/* A rejected request leaves the current trigger in place */
TEST_F(bad, rejected_keeps_trigger)
{
	int fd = self->vd.device;
	uint64_t v = 0;

	VD_ASSERT_OK(vfio_irq_set_trigger(fd, VD_IRQ_EDGE, self->efd));
	VD_EXPECT_ERR(EINVAL, vfio_irq_set(fd, TRIG | DEFD, VD_IRQ_EDGE, 1, 1,
					   &self->efd, 4));
	VD_EXPECT_ERR(EINVAL, vfio_irq_set(fd, TRIG | DNONE | DBOOL,
					   VD_IRQ_EDGE, 0, 1, "\1", 1));
	VD_ASSERT_OK(vfio_irq_loopback(fd, VD_IRQ_EDGE));
	VD_ASSERT_EVENT(self->efd, &v, "trigger after rejected requests");
	EXPECT_EQ(1, v);
}

/* Payload not readable: EFAULT */
TEST_F(bad, set_irqs_pointers)
{
	struct vfio_irq_set *set;
	int fd = self->vd.device;

	/* Header at the end of the readable page, payload in PROT_NONE */
	set = (struct vfio_irq_set *)(self->guard + self->page - sizeof(*set));
	memset(set, 0, sizeof(*set));
	set->argsz = sizeof(*set) + sizeof(int32_t);
	set->flags = TRIG | DEFD;
	set->index = VD_IRQ_EDGE;
	set->count = 1;
	EXPECT_IOCTL_ERR(EFAULT, ioctl_err(fd, VFIO_DEVICE_SET_IRQS, set),
			 "eventfd payload in a PROT_NONE page");
	set->flags = TRIG | DBOOL;
	set->argsz = sizeof(*set) + 1;
	EXPECT_IOCTL_ERR(EFAULT, ioctl_err(fd, VFIO_DEVICE_SET_IRQS, set),
			 "bool payload in a PROT_NONE page");
	/* DATA_NONE needs no payload: fine at the end of the page */
	set->flags = TRIG | DNONE;
	set->argsz = sizeof(*set);
	EXPECT_IOCTL_ERR(0, ioctl_err(fd, VFIO_DEVICE_SET_IRQS, set),
			 "DATA_NONE at the end of a page");
}

/* One irqfd per mask/unmask slot (vfio_virqfd_enable: EBUSY) */
TEST_F(bad, irqfd_busy)
{
	int fd = self->vd.device;
	uint32_t action;
	int efd2;

	efd2 = efd_create();
	VD_ASSERT_OK(efd2);
	for (action = MASK; action <= UNMASK; action <<= 1) {
		VD_ASSERT_OK(vfio_irq_action(fd, VD_IRQ_LEVEL, action, DEFD,
					     self->efd));
		VD_EXPECT_ERR(EBUSY, vfio_irq_action(fd, VD_IRQ_LEVEL, action,
						     DEFD, efd2));
		VD_EXPECT_ERR(EBUSY, vfio_irq_action(fd, VD_IRQ_LEVEL, action,
						     DEFD, self->efd));
		VD_ASSERT_OK(vfio_irq_action(fd, VD_IRQ_LEVEL, action, DEFD,
					     -1));
		VD_ASSERT_OK(vfio_irq_action(fd, VD_IRQ_LEVEL, action, DEFD,
					     efd2));
		VD_ASSERT_OK(vfio_irq_action(fd, VD_IRQ_LEVEL, action, DEFD,
					     -1));
	}
	close(efd2);
}

/* --- Unknown ioctls --- */

TEST_F(bad, unknown_ioctls)
{
	static const struct {
		const char *name;
		unsigned long req;
	} reqs[] = {
		{ "VFIO_BASE + 60", _IO(VFIO_TYPE, VFIO_BASE + 60) },
		{ "VFIO_BASE + 255", _IO(VFIO_TYPE, VFIO_BASE + 255) },
		{ "GET_PCI_HOT_RESET_INFO", VFIO_DEVICE_GET_PCI_HOT_RESET_INFO },
		{ "PCI_HOT_RESET", VFIO_DEVICE_PCI_HOT_RESET },
		{ "IOEVENTFD", VFIO_DEVICE_IOEVENTFD },
		{ "GET_API_VERSION on a device", VFIO_GET_API_VERSION },
		{ "SET_IOMMU on a device", VFIO_SET_IOMMU },
		{ "GROUP_GET_STATUS on a device", VFIO_GROUP_GET_STATUS },
		{ "TCGETS", 0x5401 },
		{ "other type", _IO('X', 1) },
	};
	uint8_t buf[256];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(reqs); i++) {
		memset(buf, 0, sizeof(buf));
		*(uint32_t *)buf = sizeof(buf);
		EXPECT_IOCTL_ERR(ENOTTY, ioctl_err(self->vd.device,
						   reqs[i].req, buf),
				 reqs[i].name);
	}
}

/* --- read/write --- */

TEST_F(bad, rw_offsets)
{
	static const struct {
		const char *name;
		uint64_t off;
	} offs[] = {
		{ "region 2", VD_REGION_OFFSET(2) },
		{ "region 2 + 4", VD_REGION_OFFSET(2) + 4 },
		{ "region 255", VD_REGION_OFFSET(255) },
		{ "region 2^22", VD_REGION_OFFSET(1u << 22) },
		{ "region 0 at its size", VD_REGION_OFFSET(0) + VPMSI_WINDOW_SIZE },
		{ "region 0 far beyond", VD_REGION_OFFSET(0) + (1ull << 32) },
		{ "region 0 last offset", VD_REGION_OFFSET(1) - 4 },
		{ "region 1 at its size", VD_REGION_OFFSET(1) + VPMSI_AUX_SIZE },
		{ "region 1 + page", VD_REGION_OFFSET(1) + 0x1000 },
	};
	int fd = self->vd.device;
	uint32_t v = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		ssize_t n;

		errno = 0;
		n = pread(fd, &v, sizeof(v), (off_t)offs[i].off);
		EXPECT_IOCTL_ERR(EINVAL, n < 0 ? errno : 0, offs[i].name);
		errno = 0;
		n = pwrite(fd, &v, sizeof(v), (off_t)offs[i].off);
		EXPECT_IOCTL_ERR(EINVAL, n < 0 ? errno : 0, offs[i].name);
	}
}

TEST_F(bad, rw_buffers)
{
	int fd = self->vd.device;
	ssize_t n;

	n = pread(fd, self->unmapped, 4, VPMSI_REG_SCRATCH);
	EXPECT_IOCTL_ERR(EFAULT, n < 0 ? errno : 0, "pread into an unmapped address");
	n = pwrite(fd, self->unmapped, 4, VPMSI_REG_SCRATCH);
	EXPECT_IOCTL_ERR(EFAULT, n < 0 ? errno : 0, "pwrite from an unmapped address");
	n = pread(fd, self->rdonly, 4, VPMSI_REG_SCRATCH);
	EXPECT_IOCTL_ERR(EFAULT, n < 0 ? errno : 0,
			 "pread into a read-only page");
	n = pwrite(fd, self->guard + self->page, 4, VPMSI_REG_SCRATCH);
	EXPECT_IOCTL_ERR(EFAULT, n < 0 ? errno : 0,
			 "pwrite from a PROT_NONE page");
	n = pread(fd, self->guard + self->page, 4,
		  VD_REGION_OFFSET(VD_REGION_AUX));
	EXPECT_IOCTL_ERR(EFAULT, n < 0 ? errno : 0,
			 "pread of region 1 into a PROT_NONE page");
}

TEST_HARNESS_MAIN
