// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: container, group and device open path.
 *
 * The user's view of VFIO_GROUP_GET_DEVICE_FD and friends for the test
 * device: the legacy container path (type1v2), the device info the driver
 * reports, repeated open/close, two device fds at once, and the errors the
 * VFIO core returns when the steps come in the wrong order.
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

#include "vpm_harness.h"
#include "vfio_dev.h"
#include "vpmsi_testdev.h"

#define REOPEN_LOOPS	50

FIXTURE(open) {
	struct vfio_dev vd;
};

FIXTURE_SETUP(open)
{
	const char *why = vfio_dev_env_missing();

	vfio_dev_init(&self->vd);
	if (why)
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(open)
{
	vfio_dev_close(&self->vd);
}

/* Reads the ID register through the device fd: proof that the fd works */
static int read_id(int devfd, uint32_t *id)
{
	struct vfio_region_info ri;
	uint64_t v;
	int ret;

	ret = vfio_dev_region_info(devfd, VD_REGION_REGS, &ri);
	if (ret)
		return ret;
	ret = vfio_dev_rd(devfd, &ri, VPMSI_REG_ID, 4, &v);
	if (ret)
		return ret;
	*id = (uint32_t)v;
	return 0;
}

/* Every step of the documented open sequence, checked on its own */
TEST_F(open, open_path)
{
	struct vfio_dev *vd = &self->vd;
	uint32_t flags = 0, id = 0;
	int fd;

	fd = open(VFIO_DEV_CONTAINER, O_RDWR);
	ASSERT_LE(0, fd) TH_LOG("open(%s): %s", VFIO_DEV_CONTAINER,
				vd_errno_name(errno));
	ASSERT_EQ(VFIO_API_VERSION, ioctl(fd, VFIO_GET_API_VERSION));
	ASSERT_EQ(1, ioctl(fd, VFIO_CHECK_EXTENSION, vfio_dev_iommu_type()));
	close(fd);

	VD_ASSERT_OPEN(vd, vfio_dev_open_container(vd));
	VD_ASSERT_OPEN(vd, vfio_dev_open_group(vd));

	VD_ASSERT_OK(vfio_dev_group_status(vd->group, &flags));
	ASSERT_TRUE(flags & VFIO_GROUP_FLAGS_VIABLE);
	ASSERT_FALSE(flags & VFIO_GROUP_FLAGS_CONTAINER_SET);

	VD_ASSERT_OPEN(vd, vfio_dev_attach(vd));
	VD_ASSERT_OK(vfio_dev_group_status(vd->group, &flags));
	ASSERT_TRUE(flags & VFIO_GROUP_FLAGS_VIABLE);
	ASSERT_TRUE(flags & VFIO_GROUP_FLAGS_CONTAINER_SET);

	VD_ASSERT_OPEN(vd, vfio_dev_get_device(vd));
	ASSERT_LE(0, vd->device);
	VD_ASSERT_OK(read_id(vd->device, &id));
	ASSERT_EQ(VPMSI_ID, id);
}

TEST_F(open, device_info)
{
	struct vfio_dev *vd = &self->vd;
	struct vfio_irq_info ii;
	unsigned int i;

	VD_ASSERT_OPEN(vd, vfio_dev_open(vd));

	TH_LOG("%s: flags 0x%x, %u regions, %u irq indexes", vd->name,
	       vd->info.flags, vd->info.num_regions, vd->info.num_irqs);
	ASSERT_TRUE(vd->info.flags & VFIO_DEVICE_FLAGS_PLATFORM);
	ASSERT_FALSE(vd->info.flags & (VFIO_DEVICE_FLAGS_PCI |
				       VFIO_DEVICE_FLAGS_AMBA));
	ASSERT_EQ(VD_NUM_REGIONS, vd->info.num_regions);
	/* Wired lines first; part 2 appends the MSI index after them */
	ASSERT_LE(VD_NUM_WIRED, vd->info.num_irqs);

	for (i = 0; i < VD_NUM_WIRED; i++) {
		VD_ASSERT_OK(vfio_dev_irq_info(vd->device, i, &ii));
		EXPECT_EQ(i, ii.index);
		EXPECT_EQ(1, ii.count) TH_LOG("wired index %u", i);
		EXPECT_TRUE(ii.flags & VFIO_IRQ_INFO_EVENTFD)
			TH_LOG("wired index %u flags 0x%x", i, ii.flags);
		EXPECT_FALSE(ii.flags & VFIO_IRQ_INFO_NORESIZE)
			TH_LOG("wired index %u flags 0x%x", i, ii.flags);
	}
	/* Same answer through a second GET_INFO with a larger argsz */
	{
		struct {
			struct vfio_device_info info;
			char pad[64];
		} big;

		memset(&big, 0xa5, sizeof(big));
		big.info.argsz = sizeof(big);
		ASSERT_EQ(0, ioctl(vd->device, VFIO_DEVICE_GET_INFO, &big));
		EXPECT_EQ(vd->info.flags, big.info.flags);
		EXPECT_EQ(vd->info.num_regions, big.info.num_regions);
		EXPECT_EQ(vd->info.num_irqs, big.info.num_irqs);
	}
}

/* Open and close the device fd many times within one container */
TEST_F_TIMEOUT(open, reopen_device, 300)
{
	struct vfio_dev *vd = &self->vd;
	struct vfio_device_info info;
	uint32_t id = 0;
	int i;

	VD_ASSERT_OPEN(vd, vfio_dev_open(vd));
	for (i = 0; i < REOPEN_LOOPS; i++) {
		close(vd->device);
		vd->device = -1;
		VD_ASSERT_OPEN(vd, vfio_dev_get_device(vd));
		VD_ASSERT_OK(vfio_dev_device_info(vd->device, &info));
		ASSERT_EQ(vd->info.num_irqs, info.num_irqs);
		VD_ASSERT_OK(read_id(vd->device, &id));
		ASSERT_EQ(VPMSI_ID, id) TH_LOG("round %d", i);
	}
}

/* The whole container/group/device sequence, many times */
TEST_F_TIMEOUT(open, reopen_all, 300)
{
	struct vfio_dev *vd = &self->vd;
	uint32_t id = 0;
	int i;

	for (i = 0; i < REOPEN_LOOPS; i++) {
		VD_ASSERT_OPEN(vd, vfio_dev_open(vd));
		VD_ASSERT_OK(read_id(vd->device, &id));
		ASSERT_EQ(VPMSI_ID, id) TH_LOG("round %d", i);
		vfio_dev_close(vd);
	}
}

/*
 * The group path lets the same device be opened twice; both fds share the
 * one open device, which stays open until the last fd goes.
 */
TEST_F(open, second_device_fd)
{
	struct vfio_dev *vd = &self->vd;
	uint32_t id = 0;
	uint64_t v = 0;
	int fd2, efd;

	VD_ASSERT_OPEN(vd, vfio_dev_open(vd));
	fd2 = ioctl(vd->group, VFIO_GROUP_GET_DEVICE_FD, vd->name);
	ASSERT_LE(0, fd2) TH_LOG("second GET_DEVICE_FD: %s",
				 vd_errno_name(errno));
	ASSERT_NE(vd->device, fd2);
	VD_ASSERT_OK(read_id(fd2, &id));
	ASSERT_EQ(VPMSI_ID, id);

	/* IRQ state is the device's, not the fd's */
	efd = efd_create();
	VD_ASSERT_OK(efd);
	VD_ASSERT_OK(vfio_irq_set_trigger(vd->device, VD_IRQ_EDGE, efd));
	VD_ASSERT_OK(vfio_irq_loopback(fd2, VD_IRQ_EDGE));
	VD_ASSERT_EVENT(efd, &v, "loopback through the second fd");
	ASSERT_EQ(1, v);

	/* Closing the first fd keeps the device open */
	close(vd->device);
	vd->device = -1;
	VD_ASSERT_OK(read_id(fd2, &id));
	ASSERT_EQ(VPMSI_ID, id);
	VD_ASSERT_OK(vfio_irq_loopback(fd2, VD_IRQ_EDGE));
	VD_ASSERT_EVENT(efd, &v, "loopback after closing the first fd");

	/* The last close releases the trigger: a new open starts clean */
	close(fd2);
	VD_ASSERT_OPEN(vd, vfio_dev_get_device(vd));
	VD_ASSERT_OK(vfio_irq_loopback(vd->device, VD_IRQ_EDGE));
	VD_ASSERT_QUIET(efd, "trigger of a closed device");
	close(efd);
}

/* The device fd holds the group and the container */
TEST_F(open, device_outlives_group_fd)
{
	struct vfio_dev *vd = &self->vd;
	uint32_t id = 0;

	VD_ASSERT_OPEN(vd, vfio_dev_open(vd));
	close(vd->group);
	vd->group = -1;
	close(vd->container);
	vd->container = -1;
	VD_ASSERT_OK(read_id(vd->device, &id));
	ASSERT_EQ(VPMSI_ID, id);
}

/* Steps in the wrong order: what the VFIO core returns */
TEST_F(open, order_errors)
{
	struct vfio_dev *vd = &self->vd;
	int fd;

	VD_ASSERT_OPEN(vd, vfio_dev_open_container(vd));
	/* No group in the container: no IOMMU model can be set */
	errno = 0;
	EXPECT_EQ(-1, ioctl(vd->container, VFIO_SET_IOMMU,
			    vfio_dev_iommu_type()));
	EXPECT_EQ(EINVAL, errno);

	VD_ASSERT_OPEN(vd, vfio_dev_open_group(vd));
	/* A group can be open only once */
	fd = open(vd->group_path, O_RDWR);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EBUSY, errno) TH_LOG("second open: %s",
				       vd_errno_name(errno));
	if (fd >= 0)
		close(fd);

	/* No container yet: no device */
	fd = ioctl(vd->group, VFIO_GROUP_GET_DEVICE_FD,
		   getenv(VFIO_DEV_ENV_DEVICE));
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EINVAL, errno) TH_LOG("%s", vd_errno_name(errno));
	if (fd >= 0)
		close(fd);

	ASSERT_EQ(0, ioctl(vd->group, VFIO_GROUP_SET_CONTAINER,
			   &vd->container));
	/* Twice */
	EXPECT_EQ(-1, ioctl(vd->group, VFIO_GROUP_SET_CONTAINER,
			    &vd->container));
	EXPECT_EQ(EINVAL, errno) TH_LOG("%s", vd_errno_name(errno));

	/* Container without an IOMMU model: no device */
	fd = ioctl(vd->group, VFIO_GROUP_GET_DEVICE_FD,
		   getenv(VFIO_DEV_ENV_DEVICE));
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EINVAL, errno) TH_LOG("%s", vd_errno_name(errno));
	if (fd >= 0)
		close(fd);

	ASSERT_EQ(0, ioctl(vd->container, VFIO_SET_IOMMU,
			   vfio_dev_iommu_type()));

	/* A name that is not in the group */
	fd = ioctl(vd->group, VFIO_GROUP_GET_DEVICE_FD, "no-such-device");
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(ENODEV, errno) TH_LOG("%s", vd_errno_name(errno));
	if (fd >= 0)
		close(fd);

	VD_ASSERT_OPEN(vd, vfio_dev_get_device(vd));

	/* The container cannot go while a device is open */
	EXPECT_EQ(-1, ioctl(vd->group, VFIO_GROUP_UNSET_CONTAINER));
	EXPECT_EQ(EBUSY, errno) TH_LOG("%s", vd_errno_name(errno));

	close(vd->device);
	vd->device = -1;
	EXPECT_EQ(0, ioctl(vd->group, VFIO_GROUP_UNSET_CONTAINER))
		TH_LOG("%s", vd_errno_name(errno));
}

/*
 * Viability: the group is viable iff every device in it is bound to a VFIO
 * driver or to none. The primary test device is alone in its group, so
 * the non-viable case is built in vfio_multi_test's shared group; here,
 * check the premise.
 */
TEST_F(open, group_members)
{
	struct vfio_dev *vd = &self->vd;
	const char *num = strrchr(getenv(VFIO_DEV_ENV_GROUP), '/');
	char path[PATH_MAX], link[PATH_MAX];
	struct dirent *de;
	int members = 0;
	bool found = false;
	ssize_t n;
	DIR *dir;

	num = num ? num + 1 : getenv(VFIO_DEV_ENV_GROUP);
	/* /dev/vfio/noiommu-N is iommu_group N */
	if (!strncmp(num, "noiommu-", strlen("noiommu-")))
		num += strlen("noiommu-");
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/devices",
		 num);
	dir = opendir(path);
	if (!dir)
		SKIP(return, "no sysfs iommu group %s: %s", num,
		     strerror(errno));
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		members++;
		if (!strcmp(de->d_name, getenv(VFIO_DEV_ENV_DEVICE)))
			found = true;
		snprintf(path, sizeof(path),
			 "/sys/kernel/iommu_groups/%s/devices/%s/driver", num,
			 de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = '\0';
		TH_LOG("group %s: %s bound to %s", num, de->d_name,
		       n > 0 ? strrchr(link, '/') + 1 : "(none)");
	}
	closedir(dir);
	ASSERT_TRUE(found);
	ASSERT_EQ(1, members);

	VD_ASSERT_OPEN(vd, vfio_dev_open(vd));
}

TEST_HARNESS_MAIN
