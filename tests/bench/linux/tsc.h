/* SPDX-License-Identifier: GPL-2.0-only */
/* The TSC, read by the Linux-level benchmark programs: under QEMU's
 * -icount shift=0 it advances by one per instruction. */
#ifndef BENCH_LINUX_TSC_H
#define BENCH_LINUX_TSC_H
#include <stdint.h>

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}
#endif
