/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MSI helpers for the vfio-platform-msi selftests, on top of vfio_dev.h and
 * testdev.h:
 *
 *  - the device with its MSI index: open (optionally in a given msi_mode of
 *    the test device's plug-in), map the register window, ask for the
 *    MSIs (VFIO_PLATFORM_MSI_FEATURE_MSI) and find the index;
 *  - the driver's VFIO_DEVICE_FEATUREs: the MSI opt-in, message reads, the
 *    notify eventfd;
 *  - VFIO_DEVICE_GET_IRQ_INFO with capabilities: argsz negotiation, a
 *    checked walk of the chain, lookup of the MSI capability;
 *  - VFIO_DEVICE_SET_IRQS over a range of vectors;
 *  - the plug-in's knobs (msi_mode, msi_nvec) and system counters for
 *    leak checks (/proc/interrupts, /proc/meminfo, /sys/kernel/irq).
 *
 * Same conventions as vfio_dev.h: 0 (or a count) or a negative errno, never
 * exit; the tests decide what a failure means.
 */
#ifndef VPMSI_LIB_MSI_H
#define VPMSI_LIB_MSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/vfio.h>
#include <linux/vfio_platform_msi.h>

#include "testdev.h"
#include "vfio_dev.h"

/* The test device's plug-in and its knobs */
#define MSI_MODE_PARAM	"/sys/module/vpmsi_testdev_plugin/parameters/msi_mode"
#define MSI_NVEC_PARAM	"/sys/module/vpmsi_testdev_plugin/parameters/msi_nvec"
#define MSI_MODE_DEVICE		"device"
#define MSI_MODE_IRQCHIP	"irqchip"
#define MSI_MODE_GENERIC	"generic"
#define MSI_MODE_DEFAULT	MSI_MODE_DEVICE
/* Vectors msi_dev_open() asks for in generic mode (the user says how many) */
#define MSI_GENERIC_NVEC	8

/* The name of a vector's handler in /proc/interrupts */
#define MSI_IRQ_NAME		"vfio-msi"

/* Size of struct vfio_irq_info (upstream) and of the extended structure */
#define MSI_INFO_V1_SIZE	((uint32_t)sizeof(struct vfio_irq_info))
#define MSI_INFO_EXT_SIZE	((uint32_t)sizeof(struct vfio_platform_msi_irq_info))

struct msi_dev {
	struct vfio_dev vd;
	void *regs;			/* register window (region 0), or NULL */
	uint32_t index;			/* the MSI index (= wired lines) */
	uint32_t nvec;			/* its count */
	uint32_t info_flags;		/* its VFIO_IRQ_INFO_* flags */
	char mode[16];			/* the mode the device was opened in */
	char saved_mode[16];		/* msi_mode to restore, or "" */
	char why[160];			/* why msi_dev_open() failed */
};

/* Name of the test device, from the environment (NULL if unset) */
const char *msi_dev_name(void);

/*
 * Open the device. With a @mode, set the plug-in's msi_mode first (and
 * remember the old one for msi_dev_close()); -EOPNOTSUPP if the plug-in
 * has no such parameter. Maps the register window, asks for @nvec MSIs
 * (0: all the plug-in has, MSI_GENERIC_NVEC in generic mode) and reads the
 * device info again. -ENODEV if the device has no MSI feature. md->why
 * says what failed.
 */
int msi_dev_open_nvec(struct msi_dev *md, const char *mode, unsigned int nvec);
/* The same in two steps: open without asking for MSIs (upstream's view) */
int msi_dev_open_legacy(struct msi_dev *md, const char *mode);
/* ... then ask for @nvec of them: 0 or -errno (md->why), nothing closed */
int msi_dev_opt_in(struct msi_dev *md, unsigned int nvec);
static inline int msi_dev_open(struct msi_dev *md, const char *mode)
{
	return msi_dev_open_nvec(md, mode, 0);
}

/* Close what is open and restore msi_mode; safe to call twice */
void msi_dev_close(struct msi_dev *md);

/* Read a one-line sysfs or debugfs file without its newline: 0 or -errno */
int msi_read_line(const char *path, char *buf, size_t len);
/* Write @val to a sysfs or procfs file: 0 or -errno */
int msi_write_str(const char *path, const char *val);

/* Plug-in knobs: 0 or -errno (-ENOENT: no such knob) */
int msi_mode_get(char *buf, size_t len);
int msi_mode_set(const char *mode);
/*
 * The default mode back, as msi_dev_close() leaves it: for a teardown in
 * the parent, which cannot close the test's msi_dev (lib/vpm_harness.h)
 */
void msi_mode_restore(void);
/* The plug-in's msi_nvec: vectors offered from the next open (0: all) */
int msi_plugin_nvec_get(unsigned int *n);
int msi_plugin_nvec_set(unsigned int n);

/*
 * The vectors an open offers: the device's @num_vectors, or fewer when the
 * plug-in's msi_nvec says so, or by default the IDs of an IMSIC's
 * interrupt file (the riscv64 board: 256; board/vpmsi_msi_parent.h).
 */
unsigned int msi_plugin_nvec_expected(unsigned int num_vectors);

/*
 * Whether the device under test's msi-parent in the device tree is a
 * RISC-V IMSIC ("riscv,imsics"), whose vector messages name the target
 * hart's interrupt file and change when an affinity moves; false for a
 * GICv3 ITS (one doorbell, messages that never change) or when unknown.
 */
bool msi_parent_is_imsic(void);
/* An IMSIC msi-parent's IDs per interrupt file, counting ID 0; else 0 */
unsigned int msi_parent_imsic_ids(void);
/* The first reg range of that msi-parent: 0 or -errno */
int msi_parent_reg(uint64_t *base, uint64_t *size);

/*
 * VFIO_DEVICE_FEATURE @feature with @flags (GET, SET or PROBE) and @size
 * bytes of @data (copied in and back): 0 or -errno.
 */
int msi_feature(int devfd, uint32_t feature, uint32_t flags, void *data,
		size_t size);
/* VFIO_PLATFORM_MSI_FEATURE_MSI: GET into *f; SET ENABLE with @nvec / off */
int msi_opt_get(int devfd, struct vfio_platform_msi_feature_msi *f);
int msi_opt_in(int devfd, uint32_t nvec);
int msi_opt_out(int devfd);
/*
 * VFIO_PLATFORM_MSI_FEATURE_MSI_MSGS: the messages of [first, first + nr)
 * into @msgs, the generation into *gen (if not NULL). Gives each vector a
 * message. 0 or -errno.
 */
int msi_read_msgs(int devfd, uint32_t first, uint32_t nr,
		  struct vfio_platform_msi_msg *msgs, uint32_t *gen);
/* VFIO_PLATFORM_MSI_FEATURE_MSI_NOTIFY: @fd (-1: none) */
int msi_notify_set(int devfd, int32_t fd);

/*
 * One VFIO_DEVICE_GET_IRQ_INFO with argsz @argsz on a zeroed buffer of
 * @len >= max(argsz, 16) bytes: 0 or -errno.
 */
int msi_irq_info_raw(int devfd, uint32_t index, void *buf, size_t len,
		     uint32_t argsz);
/*
 * GET_IRQ_INFO the way a user does it: ask with the extended structure,
 * learn the size from argsz, ask again with a buffer that big. On success
 * *info is malloc()ed (free() it) and *len is the buffer's size.
 */
int msi_irq_info(int devfd, uint32_t index, struct vfio_platform_msi_irq_info **info,
		 size_t *len);
/*
 * Check the chain of a reply of @len bytes: offsets in bounds, 8-byte
 * aligned, each past the previous capability, headers that fit. NULL if
 * sound, else what is wrong (a static string).
 */
const char *msi_chain_check(const struct vfio_platform_msi_irq_info *info, size_t len);
/* The capability @id of a checked chain, or NULL; *caplen its room */
const struct vfio_info_cap_header *
msi_cap_find(const struct vfio_platform_msi_irq_info *info, size_t len, uint16_t id,
	     size_t *caplen);
/* The MSI capability, if it and its @nr entries fit in the reply */
const struct vfio_platform_msi_irq_info_cap_msi *
msi_cap_msi(const struct vfio_platform_msi_irq_info *info, size_t len);

/*
 * The MSI capability of the index: *flags its flags, *gen its generation
 * (each if not NULL), and, when @msgs is not NULL, its md->nvec messages
 * (-ERANGE if it has another number: PROGRAMMED has none). 0 or -errno
 * (-ENOENT: no MSI capability).
 */
int msi_cap_read(struct msi_dev *md, uint32_t *flags, uint32_t *gen,
		 struct vfio_platform_msi_msg *msgs);
/* Messages of [first, first + nr) through msi_read_msgs() */
static inline int msi_get_msgs(struct msi_dev *md, uint32_t first,
			       uint32_t nr, struct vfio_platform_msi_msg *msgs)
{
	return msi_read_msgs(md->vd.device, first, nr, msgs, NULL);
}

/* SET_IRQS on [start, start + count) of the MSI index */
int msi_set_fds(int devfd, uint32_t index, uint32_t action, uint32_t start,
		uint32_t count, const int32_t *fds);
int msi_set_bools(int devfd, uint32_t index, uint32_t action, uint32_t start,
		  uint32_t count, const uint8_t *vals);
int msi_set_none(int devfd, uint32_t index, uint32_t action, uint32_t start,
		 uint32_t count);

/* Enable @vector on @fd (-1: disable it) */
static inline int msi_enable(struct msi_dev *md, uint32_t vector, int32_t fd)
{
	return msi_set_fds(md->vd.device, md->index,
			   VFIO_IRQ_SET_ACTION_TRIGGER, vector, 1, &fd);
}

static inline int msi_mask(struct msi_dev *md, uint32_t vector, bool mask)
{
	return msi_set_none(md->vd.device, md->index,
			    mask ? VFIO_IRQ_SET_ACTION_MASK :
				   VFIO_IRQ_SET_ACTION_UNMASK, vector, 1);
}

/* Disable every vector (TRIGGER | DATA_NONE, count 0) */
static inline int msi_disable_all(struct msi_dev *md)
{
	return msi_set_none(md->vd.device, md->index,
			    VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0);
}

/* Fire @vector once from the device model */
static inline int msi_fire(struct msi_dev *md, uint32_t vector)
{
	return td_fire(md->regs, vector, 1, VD_DEV_MS);
}

/*
 * Create @n eventfds in @fds, raising RLIMIT_NOFILE as far as needed and
 * allowed. Returns how many were created (>= 1), or -errno; the caller
 * shares them between vectors when fewer than @n.
 */
int msi_efds_create(int *fds, unsigned int n);
void msi_efds_close(int *fds, unsigned int n);

/*
 * The Linux interrupt number of vector @v of the device named by the
 * environment, from its handler's name in /proc/interrupts
 * (MSI_IRQ_NAME "[v](device)"): > 0, -ENOENT while the vector has no
 * handler, or -errno.
 */
int msi_vector_virq(unsigned int v);

/* Leak counters: a count >= 0 or -errno */
long msi_proc_interrupts_count(const char *name);
long msi_meminfo_kb(const char *key);
long msi_dir_entries(const char *path);
long msi_open_fds(void);
/* drop_caches and shrink every slab cache (best effort, stable counters) */
void msi_drop_caches(void);

#endif /* VPMSI_LIB_MSI_H */
