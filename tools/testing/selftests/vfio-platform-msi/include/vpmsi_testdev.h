/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Register map of the vfio-platform-msi test device ("vpmsi,testdev").
 *
 * This is the device's datasheet in C form; the prose version, with the
 * behaviour of every register, is Documentation/testdev.rst. The device is
 * played by a kernel module (board/vpmsi_testdev.c, vpmsi_testdev.ko) on the
 * emulated board; everything here is what a driver or a test may rely on.
 *
 * Shared by the test-only kernel modules and the userspace selftests, so it
 * uses nothing but plain integer constants. All registers are little-endian
 * and 32 bits wide unless noted; 64-bit registers must be read with a single
 * naturally aligned 64-bit access.
 */
#ifndef VPMSI_TESTDEV_H
#define VPMSI_TESTDEV_H

#define VPMSI_COMPATIBLE		"vpmsi,testdev"

/* Register window (VFIO region 0) */
#define VPMSI_WINDOW_SIZE		0x10000

#define VPMSI_REG_ID			0x0000	/* RO: VPMSI_ID */
#define VPMSI_ID			0x564d5349	/* "VMSI" */
#define VPMSI_REG_VERSION		0x0004	/* RO: VPMSI_VERSION */
#define VPMSI_VERSION			1
#define VPMSI_REG_NUM_VECTORS		0x0008	/* RO: number of MSI vectors */
#define VPMSI_NUM_VECTORS		2048
#define VPMSI_REG_NUM_LINES		0x000c	/* RO: number of wired lines */

#define VPMSI_REG_CTRL			0x0010	/* RW */
#define VPMSI_CTRL_MSI_EN		0x1u	/* MSIs may be sent */

#define VPMSI_REG_STATUS		0x0014	/* RO */
#define VPMSI_STATUS_READY		0x1u	/* the model runs */

#define VPMSI_REG_RESET			0x0018	/* write VPMSI_RESET_GO */
#define VPMSI_RESET_GO			0x1	/* reads 0 once done */

#define VPMSI_REG_HEARTBEAT		0x001c	/* RO: +1 per model cycle, not reset */

/*
 * FIRE mailbox: software waits until the register reads 0, then writes
 * VPMSI_FIRE_GO | VPMSI_FIRE_COUNT(k) | vector. The model clears it to 0
 * once it has performed the request (k MSIs, subject to mask and pending).
 */
#define VPMSI_REG_FIRE			0x0020
#define VPMSI_FIRE_GO			0x80000000u
#define VPMSI_FIRE_VECTOR_MASK		0xffffu
#define VPMSI_FIRE_COUNT_SHIFT		16
#define VPMSI_FIRE_COUNT_MAX		0x7fffu	/* 0 means 1 */
#define VPMSI_FIRE_COUNT(k)		(((k) & VPMSI_FIRE_COUNT_MAX) << VPMSI_FIRE_COUNT_SHIFT)

/*
 * LINE_CMD mailbox for the wired lines, same protocol as FIRE:
 * VPMSI_LINE_GO | VPMSI_LINE_OP(op) | VPMSI_LINE_COUNT(k) | line.
 */
#define VPMSI_REG_LINE_CMD		0x0024
#define VPMSI_LINE_GO			0x80000000u
#define VPMSI_LINE_NUM_MASK		0xffu
#define VPMSI_LINE_OP_SHIFT		8
#define VPMSI_LINE_OP(op)		(((op) & 0xfu) << VPMSI_LINE_OP_SHIFT)
#define VPMSI_LINE_OP_ASSERT		1	/* level: drive the line high */
#define VPMSI_LINE_OP_DEASSERT		2	/* level: drive the line low */
#define VPMSI_LINE_OP_PULSE		3	/* edge: k pulses */
#define VPMSI_LINE_COUNT_SHIFT		16
#define VPMSI_LINE_COUNT_MAX		0x7fffu	/* 0 means 1 */
#define VPMSI_LINE_COUNT(k)		(((k) & VPMSI_LINE_COUNT_MAX) << VPMSI_LINE_COUNT_SHIFT)

#define VPMSI_REG_LINE_STATE		0x0028	/* RO: bit n = line n asserted */
#define VPMSI_REG_ERR_COUNT		0x002c	/* RO: bad requests + MSIs dropped */
#define VPMSI_REG_LAST_MSI_NS		0x0030	/* RO 64-bit: CLOCK_MONOTONIC ns */
#define VPMSI_REG_LAST_VECTOR		0x0038	/* RO: vector of that MSI */
#define VPMSI_REG_MSI_TOTAL		0x003c	/* RO: MSIs sent, all vectors */
/* RO, n < 8: times the model set line n pending at the interrupt controller */
#define VPMSI_REG_LINE_RAISED(n)	(0x0040 + 4 * (n))
#define VPMSI_MAX_LINES			8

/*
 * POWER: the device's power state, written by its driver (the plug-in).
 * Off, the device does nothing: STATUS.READY reads 0, the heartbeat stops,
 * the mailboxes (FIRE, LINE_CMD, RESET) are left as written until it is on
 * again, and it raises no interrupt, except the wake-up: with WAKE_EN set,
 * an external event (Documentation/testdev.rst) pulses its line even while
 * off. RESET leaves the device on, WAKE_EN clear.
 */
#define VPMSI_REG_POWER			0x0060	/* RW */
#define VPMSI_POWER_ON			0x1u	/* the device is powered */
#define VPMSI_POWER_WAKE_EN		0x2u	/* off: external events wake */
#define VPMSI_REG_POWER_OFFS		0x0064	/* RO: times turned off, not reset */

/*
 * The latest time a wired line went high (ASSERT of a low line, each pulse;
 * not a level line's re-assertion while held high): CLOCK_MONOTONIC ns
 * taken immediately before its interrupt was made pending, and that line.
 */
#define VPMSI_REG_LAST_LINE_NS		0x0068	/* RO 64-bit */
#define VPMSI_REG_LAST_LINE		0x0070	/* RO */

#define VPMSI_REG_SCRATCH		0x0080	/* RW: 128 bytes of storage */
#define VPMSI_SCRATCH_SIZE		0x80

/* MSI-X-like vector table: 16 bytes per vector */
#define VPMSI_TABLE			0x1000
#define VPMSI_TABLE_ENTRY(v)		(VPMSI_TABLE + 16 * (v))
#define VPMSI_ENTRY_ADDR_LO		0x0
#define VPMSI_ENTRY_ADDR_HI		0x4
#define VPMSI_ENTRY_DATA		0x8
#define VPMSI_ENTRY_CTRL		0xc
#define VPMSI_ENTRY_CTRL_MASKED		0x1u

/* Pending-bit array: bit (v % 32) of the 32-bit word at VPMSI_PBA_WORD(v) */
#define VPMSI_PBA			0x9000
#define VPMSI_PBA_WORD(v)		(VPMSI_PBA + 4 * ((v) / 32))
#define VPMSI_PBA_BIT(v)		(1u << ((v) % 32))

/* Per-vector counters of MSIs sent (32 bits, wrapping) */
#define VPMSI_COUNT			0xa000
#define VPMSI_COUNT_REG(v)		(VPMSI_COUNT + 4 * (v))

/* Wired lines of the test device, in the order of its DT "interrupts" */
#define VPMSI_LINE_LEVEL		0	/* level-high SPI */
#define VPMSI_LINE_EDGE			1	/* rising-edge SPI */

/* A second, small register block (VFIO region 1): not page sized */
#define VPMSI_AUX_SIZE			0x100

#endif /* VPMSI_TESTDEV_H */
