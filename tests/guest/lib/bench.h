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

/*
 * Prints "BENCH <name> <median> <min> <max> <operations>" for nblocks block
 * timings of per_block operations each (sorts the array).
 */
void bench_report(const char *name, uint64_t *blocks, unsigned int nblocks,
		  unsigned int per_block);

/* Times `body` in nblocks blocks of per_block runs into blocks[], then reports. */
#define BENCH_MEASURE(name, blocks, nblocks, per_block, body)		\
	do {								\
		unsigned int b_, i_;					\
		for (b_ = 0; b_ < (nblocks); b_++) {			\
			uint64_t t0_ = tsc();				\
			for (i_ = 0; i_ < (per_block); i_++) {		\
				body;					\
			}						\
			(blocks)[b_] = tsc() - t0_;			\
		}							\
		bench_report(name, blocks, nblocks, per_block);		\
	} while (0)

/*
 * Event round trips: `warmup` unmeasured ones, then BENCH_MEASURE of
 * `evtchn_send(port); wait(port)` (wait: a function that takes the answer).
 */
#define BENCH_ROUND_TRIPS(name, blocks, nblocks, per_block, warmup, port, wait)	\
	do {								\
		unsigned int w_;					\
		for (w_ = 0; w_ < (warmup); w_++) {			\
			evtchn_send(port);				\
			wait(port);					\
		}							\
		BENCH_MEASURE(name, blocks, nblocks, per_block,		\
			      ({ evtchn_send(port); wait(port); }));	\
	} while (0)

#endif
