// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers that drive the test device through its mapped register window.
 * See testdev.h.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>

#include "testdev.h"

uint32_t td_rd32(volatile void *base, uint32_t off)
{
	return *(volatile uint32_t *)((volatile uint8_t *)base + off);
}

void td_wr32(volatile void *base, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)((volatile uint8_t *)base + off) = v;
}

uint64_t td_rd64(volatile void *base, uint32_t off)
{
	return *(volatile uint64_t *)((volatile uint8_t *)base + off);
}

uint64_t td_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void td_relax(void)
{
	struct timespec ts = { .tv_nsec = 20 * 1000 };

	nanosleep(&ts, NULL);
}

/* Poll until (reg & mask) == want; 0 or -ETIMEDOUT. */
static int td_poll(volatile void *base, uint32_t off, uint32_t mask,
		   uint32_t want, int timeout_ms)
{
	uint64_t end = td_now_ns() + (uint64_t)timeout_ms * 1000000ull;

	for (;;) {
		if ((td_rd32(base, off) & mask) == want)
			return 0;
		if (td_now_ns() > end)
			break;
		td_relax();
	}
	/* One last look: we may have been descheduled past the deadline. */
	return (td_rd32(base, off) & mask) == want ? 0 : -ETIMEDOUT;
}

int td_wait_ready(volatile void *base, int timeout_ms)
{
	if (td_rd32(base, VPMSI_REG_ID) != VPMSI_ID)
		return -ENODEV;
	return td_poll(base, VPMSI_REG_STATUS, VPMSI_STATUS_READY,
		       VPMSI_STATUS_READY, timeout_ms);
}

int td_reset(volatile void *base, int timeout_ms)
{
	int ret;

	td_wr32(base, VPMSI_REG_RESET, VPMSI_RESET_GO);
	ret = td_poll(base, VPMSI_REG_RESET, ~0u, 0, timeout_ms);
	if (ret)
		return ret;
	return td_wait_ready(base, timeout_ms);
}

/* The FIRE / LINE_CMD mailbox protocol: free, post, consumed. */
static int td_mailbox(volatile void *base, uint32_t off, uint32_t cmd,
		      int timeout_ms)
{
	int ret;

	ret = td_poll(base, off, ~0u, 0, timeout_ms);
	if (ret)
		return ret;
	td_wr32(base, off, cmd);
	return td_poll(base, off, ~0u, 0, timeout_ms);
}

int td_fire(volatile void *base, unsigned int vector, unsigned int count,
	    int timeout_ms)
{
	if (vector > VPMSI_FIRE_VECTOR_MASK || !count ||
	    count > VPMSI_FIRE_COUNT_MAX)
		return -EINVAL;
	return td_mailbox(base, VPMSI_REG_FIRE,
			  VPMSI_FIRE_GO | VPMSI_FIRE_COUNT(count) | vector,
			  timeout_ms);
}

int td_line(volatile void *base, unsigned int line, unsigned int op,
	    unsigned int count, int timeout_ms)
{
	if (line > VPMSI_LINE_NUM_MASK || !op || op > 0xf || !count ||
	    count > VPMSI_LINE_COUNT_MAX)
		return -EINVAL;
	return td_mailbox(base, VPMSI_REG_LINE_CMD,
			  VPMSI_LINE_GO | VPMSI_LINE_OP(op) |
			  VPMSI_LINE_COUNT(count) | line, timeout_ms);
}

uint32_t td_count(volatile void *base, unsigned int vector)
{
	return td_rd32(base, VPMSI_COUNT_REG(vector));
}

void td_set_entry(volatile void *base, unsigned int vector, uint64_t addr,
		  uint32_t data)
{
	uint32_t e = VPMSI_TABLE_ENTRY(vector);

	td_wr32(base, e + VPMSI_ENTRY_ADDR_LO, (uint32_t)addr);
	td_wr32(base, e + VPMSI_ENTRY_ADDR_HI, (uint32_t)(addr >> 32));
	td_wr32(base, e + VPMSI_ENTRY_DATA, data);
}

void td_get_entry(volatile void *base, unsigned int vector, uint64_t *addr,
		  uint32_t *data)
{
	uint32_t e = VPMSI_TABLE_ENTRY(vector);

	*addr = (uint64_t)td_rd32(base, e + VPMSI_ENTRY_ADDR_HI) << 32 |
		td_rd32(base, e + VPMSI_ENTRY_ADDR_LO);
	*data = td_rd32(base, e + VPMSI_ENTRY_DATA);
}

void td_mask(volatile void *base, unsigned int vector, int masked)
{
	uint32_t off = VPMSI_TABLE_ENTRY(vector) + VPMSI_ENTRY_CTRL;
	uint32_t ctrl = td_rd32(base, off);

	if (masked)
		ctrl |= VPMSI_ENTRY_CTRL_MASKED;
	else
		ctrl &= ~VPMSI_ENTRY_CTRL_MASKED;
	td_wr32(base, off, ctrl);
}

int td_masked(volatile void *base, unsigned int vector)
{
	return !!(td_rd32(base, VPMSI_TABLE_ENTRY(vector) + VPMSI_ENTRY_CTRL) &
		  VPMSI_ENTRY_CTRL_MASKED);
}

int td_pending(volatile void *base, unsigned int vector)
{
	return !!(td_rd32(base, VPMSI_PBA_WORD(vector)) & VPMSI_PBA_BIT(vector));
}

uint64_t td_last_msi_ns(volatile void *base)
{
	return td_rd64(base, VPMSI_REG_LAST_MSI_NS);
}
