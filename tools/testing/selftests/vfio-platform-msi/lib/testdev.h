/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace helpers that drive the test device (include/vpmsi_testdev.h)
 * through its register window, mapped uncached (VFIO region 0 or
 * /dev/vpmsi_testhost). Every access is a single naturally aligned 32-bit
 * (or, for 64-bit registers, 64-bit) volatile load or store: the mapping is
 * Device memory, where wider, narrower or unaligned accesses are not valid.
 *
 * Functions that wait take a timeout in milliseconds, measured on
 * CLOCK_MONOTONIC, and return 0 or a negative errno.
 */
#ifndef VPMSI_LIB_TESTDEV_H
#define VPMSI_LIB_TESTDEV_H

#include <stdint.h>

#include "vpmsi_testdev.h"

uint32_t td_rd32(volatile void *base, uint32_t off);
void td_wr32(volatile void *base, uint32_t off, uint32_t v);
uint64_t td_rd64(volatile void *base, uint32_t off);

/* ID matches and STATUS.READY is set: 0, -ENODEV (bad ID), -ETIMEDOUT. */
int td_wait_ready(volatile void *base, int timeout_ms);
/* Write RESET_GO and wait until RESET reads 0 and the device is ready. */
int td_reset(volatile void *base, int timeout_ms);
/*
 * Ask for count (1..VPMSI_FIRE_COUNT_MAX) MSIs on vector: wait until the
 * FIRE mailbox is free, post the request, wait until the model consumed
 * it. -EINVAL for a bad count or vector field, -ETIMEDOUT.
 */
int td_fire(volatile void *base, unsigned int vector, unsigned int count,
	    int timeout_ms);
/* Same protocol on LINE_CMD: op is VPMSI_LINE_OP_*, count for PULSE. */
int td_line(volatile void *base, unsigned int line, unsigned int op,
	    unsigned int count, int timeout_ms);

uint32_t td_count(volatile void *base, unsigned int vector);	/* MSIs sent */
void td_set_entry(volatile void *base, unsigned int vector, uint64_t addr,
		  uint32_t data);
void td_get_entry(volatile void *base, unsigned int vector, uint64_t *addr,
		  uint32_t *data);
void td_mask(volatile void *base, unsigned int vector, int masked);
int td_masked(volatile void *base, unsigned int vector);
int td_pending(volatile void *base, unsigned int vector);
uint64_t td_last_msi_ns(volatile void *base);

/* CLOCK_MONOTONIC in ns, the clock of LAST_MSI_NS. */
uint64_t td_now_ns(void);
/* A short pause between polls (yields the CPU to the model). */
void td_relax(void);

#endif /* VPMSI_LIB_TESTDEV_H */
