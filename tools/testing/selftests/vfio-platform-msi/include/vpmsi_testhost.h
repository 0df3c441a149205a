/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ioctl interface of vpmsi_testhost.ko, the test-only reference host driver
 * for the vfio-platform-msi test device (include/vpmsi_testdev.h).
 *
 * The driver binds to the test device only through driver_override and
 * exposes /dev/vpmsi_testhost. It allocates the device's platform MSIs with
 * the kernel's platform-MSI API, programs the device's vector table from the
 * write_msg callback (as a real driver does), and counts what the interrupt
 * controller delivers, so that selftests can check the device model through
 * the real ITS before the VFIO driver's MSI support exists.
 *
 * The device file can be opened once at a time; closing it tears down the
 * MSIs. mmap() of offset 0 maps the register window (uncached).
 *
 * All structures are fixed size and padded to 64 bits; reserved fields and
 * flags must be zero. Vectors are MSI indexes 0..nvec-1, lines are the
 * device's wired interrupts in DT order (VPMSI_LINE_LEVEL, VPMSI_LINE_EDGE).
 */
#ifndef VPMSI_TESTHOST_H
#define VPMSI_TESTHOST_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VPMSI_TH_DEVNAME	"vpmsi_testhost"
#define VPMSI_TH_MAX_VECTORS	2048
#define VPMSI_TH_NUM_LINES	2

#define VPMSI_TH_MAGIC		0xe7

/* VPMSI_TH_GET_INFO: static facts and the current state */
struct vpmsi_th_info {
	__u64 window_phys;	/* out: physical address of the register window */
	__u64 window_size;	/* out: its size; mmap() at most this (page aligned) */
	__u32 nvec;		/* out: vectors set up, 0 if none */
	__u32 num_lines;	/* out: wired lines requested (VPMSI_TH_NUM_LINES) */
	__u32 max_vectors;	/* out: VPMSI_TH_MAX_VECTORS */
	__u32 reserved;
};

/*
 * VPMSI_TH_SETUP: allocate nvec (1..VPMSI_TH_MAX_VECTORS) platform MSIs,
 * request every vector (the write_msg callback stores address/data into
 * the device's table entry), zero the delivery counters, unmask entries
 * 0..nvec-1 at the device and set CTRL.MSI_EN. -EBUSY if already set up.
 * Vectors are disabled at the irqchip unlazily (IRQ_DISABLE_UNLAZY), so
 * VPMSI_TH_MASK masks the LPI at the ITS at once.
 */
struct vpmsi_th_setup {
	__u32 nvec;		/* in */
	__u32 flags;		/* in: must be 0 */
};

/*
 * VPMSI_TH_GET_COUNTS: copy the delivery counters of vectors
 * first..first+n-1 to the __u64 array at counts_ptr.
 */
struct vpmsi_th_counts {
	__u32 first;		/* in */
	__u32 n;		/* in: 1..nvec - first */
	__u64 counts_ptr;	/* in: user pointer to __u64[n] */
};

/* VPMSI_TH_GET_MSG: what the kernel programmed for one vector */
struct vpmsi_th_msg {
	__u32 vector;		/* in */
	__u32 virq;		/* out: Linux interrupt number */
	__u64 address;		/* out: MSI address (doorbell) */
	__u32 data;		/* out: MSI data (ITS EventID) */
	__u32 masked;		/* out: 1 if masked at the irqchip (VPMSI_TH_MASK) */
	__u64 count;		/* out: deliveries so far */
	__u64 last_ns;		/* out: CLOCK_MONOTONIC ns of the latest, 0 if none */
};

/*
 * VPMSI_TH_MASK / VPMSI_TH_UNMASK: disable_irq()/enable_irq() of a vector
 * (mask at the interrupt controller, not at the device). Idempotent.
 * VPMSI_TH_LINE_UNMASK: re-enable the level line after its handler masked
 * it (the handler does disable_irq_nosync(), like VFIO's automask); a no-op
 * if it is not masked; -EINVAL for the edge line.
 */
struct vpmsi_th_index {
	__u32 index;		/* in: vector or line */
	__u32 flags;		/* in: must be 0 */
};

/* VPMSI_TH_GET_LINE: state of a wired line */
struct vpmsi_th_line {
	__u32 line;		/* in */
	__u32 irq;		/* out: Linux interrupt number */
	__u64 count;		/* out: interrupts handled so far */
	__u64 last_ns;		/* out: CLOCK_MONOTONIC ns of the latest, 0 if none */
	__u32 masked;		/* out: level line masked by its handler */
	__u32 reserved;
};

#define VPMSI_TH_GET_INFO	_IOWR(VPMSI_TH_MAGIC, 0x10, struct vpmsi_th_info)
#define VPMSI_TH_SETUP		_IOWR(VPMSI_TH_MAGIC, 0x11, struct vpmsi_th_setup)
#define VPMSI_TH_TEARDOWN	_IO(VPMSI_TH_MAGIC, 0x12)
#define VPMSI_TH_GET_COUNTS	_IOWR(VPMSI_TH_MAGIC, 0x13, struct vpmsi_th_counts)
#define VPMSI_TH_GET_MSG	_IOWR(VPMSI_TH_MAGIC, 0x14, struct vpmsi_th_msg)
#define VPMSI_TH_MASK		_IOWR(VPMSI_TH_MAGIC, 0x15, struct vpmsi_th_index)
#define VPMSI_TH_UNMASK		_IOWR(VPMSI_TH_MAGIC, 0x16, struct vpmsi_th_index)
#define VPMSI_TH_GET_LINE	_IOWR(VPMSI_TH_MAGIC, 0x17, struct vpmsi_th_line)
#define VPMSI_TH_LINE_UNMASK	_IOWR(VPMSI_TH_MAGIC, 0x18, struct vpmsi_th_index)

#endif /* VPMSI_TESTHOST_H */
