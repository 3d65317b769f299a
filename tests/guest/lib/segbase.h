/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Segment bases for test guests: rdmsr (of FS_BASE, GS_BASE, ... emulated
 * for a PV kernel) and set_segment_base.
 */
#ifndef GUEST_SEGBASE_H
#define GUEST_SEGBASE_H

#include "guest.h"
#include <lamina/callback.h>

#define MSR_FS_BASE		0xC0000100
#define MSR_GS_BASE		0xC0000101

static inline uint64_t msr_read(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline long set_segment_base(unsigned int which, uint64_t base)
{
	return hypercall2(__HYPERVISOR_set_segment_base, which, base);
}

#endif
