/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ioctl interface of vpmsi_bench.ko, the test-only peer of `make bench`
 * (scripts/bench): the fastest MSI -> userspace path a kernel driver has on
 * the emulated board, and a floor with no device at all.
 *
 * The peer: a platform driver with no ID table (bound to the test device
 * through driver_override only, as the selftests bind theirs) that
 * allocates the device's platform MSIs at probe with the kernel's
 * platform-MSI API, programs the vector table from the write_msg callback,
 * unmasks every entry, sets CTRL.MSI_EN, and signals a vector's eventfd
 * from its hard interrupt handler: what a kernel driver that hands its
 * interrupts to userspace does, with nothing else on the way.
 *
 * The floor: a kernel thread, bound to a CPU, that takes CLOCK_MONOTONIC
 * and signals an eventfd, on request. No device, no interrupt controller.
 *
 * Both are reached through /dev/vpmsi_bench (registered at module load;
 * the device part answers -ENODEV until a device is bound). All structures
 * are fixed size; flags and reserved fields must be zero.
 */
#ifndef VPMSI_BENCH_H
#define VPMSI_BENCH_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VPMSI_BENCH_DEVNAME	"vpmsi_bench"
#define VPMSI_BENCH_DRVNAME	"vpmsi_bench"
#define VPMSI_BENCH_MAGIC	0xe8

/* VPMSI_BENCH_INFO: is a device bound, and with how many vectors */
struct vpmsi_bench_info {
	__u32 bound;		/* out: 1 if a device is bound */
	__u32 nvec;		/* out: its vectors (module parameter nvec) */
};

/*
 * VPMSI_BENCH_SET_TRIGGER: vector's eventfd (fd -1: none). The handler
 * signals it once per interrupt, and counts every interrupt either way.
 */
struct vpmsi_bench_trigger {
	__u32 vector;		/* in */
	__s32 fd;		/* in */
};

/* VPMSI_BENCH_VEC: one vector's interrupt number and handler count */
struct vpmsi_bench_vec {
	__u32 vector;		/* in */
	__u32 virq;		/* out */
	__u64 count;		/* out: interrupts handled since the bind */
};

/*
 * VPMSI_BENCH_FIRE: post a FIRE request (count 1..32767 fires of vector)
 * once the device's mailbox is free, without waiting for the model to
 * consume it. -ETIMEDOUT if the mailbox stays busy for a second.
 */
struct vpmsi_bench_fire {
	__u32 vector;		/* in */
	__u32 count;		/* in */
};

/* VPMSI_BENCH_LAST: the latest stamps (0 where there is none) */
struct vpmsi_bench_last {
	__u64 dev_ns;		/* out: the device's LAST_MSI_NS */
	__u32 dev_vector;	/* out: its LAST_VECTOR */
	__u32 dev_total;	/* out: its MSI_TOTAL */
	__u64 floor_ns;		/* out: CLOCK_MONOTONIC ns of the floor's latest signal */
	__u64 floor_total;	/* out: the floor's signals since it started */
};

/*
 * VPMSI_BENCH_FLOOR_SET: start the floor thread on cpu, signalling fd
 * (fd -1: stop it). Replaces a running one.
 */
struct vpmsi_bench_floor {
	__s32 fd;		/* in */
	__u32 cpu;		/* in */
};

/*
 * VPMSI_BENCH_FLOOR_FIRE: ask the floor thread for count signals; it
 * sleeps delay_us (as the device model's poll does before it acts), then
 * for each: stamp, eventfd_signal(). -EBUSY while a request is in flight.
 */
struct vpmsi_bench_floor_fire {
	__u32 count;		/* in: 1..32767 */
	__u32 delay_us;		/* in: 0..100000 */
};

#define VPMSI_BENCH_INFO	_IOR(VPMSI_BENCH_MAGIC, 0x10, struct vpmsi_bench_info)
#define VPMSI_BENCH_SET_TRIGGER	_IOW(VPMSI_BENCH_MAGIC, 0x11, struct vpmsi_bench_trigger)
#define VPMSI_BENCH_VEC		_IOWR(VPMSI_BENCH_MAGIC, 0x12, struct vpmsi_bench_vec)
#define VPMSI_BENCH_FIRE	_IOW(VPMSI_BENCH_MAGIC, 0x13, struct vpmsi_bench_fire)
#define VPMSI_BENCH_LAST	_IOR(VPMSI_BENCH_MAGIC, 0x14, struct vpmsi_bench_last)
#define VPMSI_BENCH_FLOOR_SET	_IOW(VPMSI_BENCH_MAGIC, 0x15, struct vpmsi_bench_floor)
#define VPMSI_BENCH_FLOOR_FIRE	_IOW(VPMSI_BENCH_MAGIC, 0x16, struct vpmsi_bench_floor_fire)

#endif /* VPMSI_BENCH_H */
