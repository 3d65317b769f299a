/* SPDX-License-Identifier: GPL-2.0-only */
/* Timing helpers for benchmark guests (tests/bench/guest/). */
#ifndef GUEST_BENCH_H
#define GUEST_BENCH_H

#include <stdint.h>

/* The TSC, after earlier instructions completed. */
static inline uint64_t tsc(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* Sorts a small array in place (insertion sort: n is ~1000 at most). */
void sort_u64(uint64_t *a, unsigned int n);

#endif
