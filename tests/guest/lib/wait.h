/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Waits for something another vCPU or another domain does, bounded by
 * time (the TSC, about 25 s), never by a count of yields, spins or
 * wake-ups: with the vCPUs spread over the CPUs, this vCPU's yield
 * returns at once when it is alone on its CPU, and the other CPU (a QEMU
 * thread) may not run for a long while on a loaded host. The bound only
 * turns a wait that never ends into a failure: the caller still checks
 * the condition itself. Needs no shared_info (unlike pvclock_ns).
 */
#ifndef GUEST_WAIT_H
#define GUEST_WAIT_H

#include "guest.h"

#define WAIT_CYCLES	(1ULL << 36)	/* about 25 s at 2.7 GHz: at least the 20 s of pvclock waits */

static inline uint64_t wait_tsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* For a loop of its own: start = wait_tsc() before it, then go on while this holds. */
static inline bool wait_time_left(uint64_t start)
{
	return wait_tsc() - start < WAIT_CYCLES;
}

/*
 * Yields until cond holds (evaluated before every yield) or WAIT_CYCLES
 * have gone; the value is cond's last value.
 */
#define WAIT_UNTIL(cond)						\
	({								\
		uint64_t _wait_start = wait_tsc();			\
		bool _wait_ok;						\
									\
		while (!(_wait_ok = (cond)) && wait_time_left(_wait_start)) \
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);	\
		_wait_ok;						\
	})

#endif
