/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TLB flushes: one helper for every flush the hypervisor makes
 * (arch/x86/flushtlb.c). A mask names CPUs (hv/smp.h); this CPU flushes
 * by a CR3 load, the others by IPI (smp_call_function_mask), and the call
 * returns once all have. A domain's dirty mask holds every CPU one of its
 * vCPUs was loaded on (set on each context switch, never cleared:
 * flushing one CPU too many is only slower).
 *
 * The flush clock (Xen 4.17's tlbflush_clock and per-CPU tlbflush_time,
 * with the roles of stamp and flush turned round). tlbflush_clock (64
 * bits, asm/x86.h) counts frame stamps: a frame whose last use a TLB may
 * still hold ends (its last writable or page-table type reference goes,
 * or it is freed) takes the next value by a locked increment, made after
 * that use ended (the PTE write, the type drop), so whoever reads the
 * new value or a later one also sees the use gone. Every CR3 load
 * flushes every guest translation (CR4.PGE is off, no PCIDs: asm/x86.h)
 * and records the clock it read before the load as its CPU's flush time
 * (struct percpu's tlbflush_time, written after the load). A CPU whose
 * time is at least a frame's stamp loaded CR3 after the use ended and
 * holds nothing of it: a flush for that frame leaves it out
 * (tlbflush_filter, flush_tlb_since). Xen moves its clock at each flush
 * instead, a locked increment on every CR3 load; here the guest-crossing
 * path only reads it and the locked operation goes with the rarer stamp.
 *
 * Races: a reader that sees a CPU's time just before the CPU writes a
 * newer one flushes that CPU once more than it had to; a flush IPI whose
 * CR3 load comes between another load's clock read and its time write
 * leaves the older time, still followed by a load: older only flushes
 * more. A frame's last type reference and a reference another CPU takes
 * and drops between that drop's stamp and its exchange: page_type.c's
 * drops_cleared (PGF_dropped). The clock and the times are 64 bits and do not wrap. A frame
 * keeps 16 bits (struct page_info stays 24 bytes): TLB_STAMP_SET and the
 * stamp's low 15 bits; no TLB_STAMP_SET is "nothing to flush" (never a
 * guest's, or the hypervisor's own since its last flush). The full stamp
 * is taken as the latest value with those low bits not above the clock
 * now (tlbflush_stamp_time): the true stamp, or for one more than 32768
 * stamps old a later value, which only flushes more. Before 6 Dec the
 * clock counted CR3 loads and a stamp was only trusted while guests had
 * run on one CPU: with guests on two, every such flush reached every busy
 * CPU by IPI.
 *
 * A CPU on its idle vCPU since a CR3 load of the hypervisor's own page
 * tables, or not yet given its first guest (tlb_clean_cpus, smp.c's
 * ap_start), holds no guest translation, so flushes skip it
 * rather than wake it by IPI: with guests spread over two CPUs (before
 * the per-CPU times) every allocation and every idle scrub batch flushed
 * all CPUs, and an IPI to a halted QEMU vCPU thread takes up to
 * milliseconds (guest/attack-scrub ran for minutes with sched_spread=1).
 * The CPU leaves the mask before it loads a guest's tables, with a fence
 * (a locked instruction) between, and a flusher looks at the mask after
 * a fence that follows its page-table writes: a CPU it skips loads its
 * next guest tables after those writes.
 */
#ifndef HV_FLUSHTLB_H
#define HV_FLUSHTLB_H

#include <hv/smp.h>

struct domain;

extern cpumask_t tlb_clean_cpus;	/* on idle_l4, no guest loaded since (pv.c) */

#define TLB_STAMP_SET	0x8000	/* a frame's tlbflush_stamp holds a stamp */
#define TLB_STAMP_LOW	0x7FFF	/* ... and these bits of it */

extern uint64_t tlbflush_clock;
/* Each CPU's tlbflush_time (struct percpu), by CPU number; set before it starts. */
extern uint64_t *tlbflush_time_of[MAX_CPUS];

/* A new stamp, for a frame whose use ended before this (the increment is locked). */
static inline uint16_t tlbflush_stamp_new(void)
{
	return TLB_STAMP_SET | (__atomic_add_fetch(&tlbflush_clock, 1, __ATOMIC_SEQ_CST) &
				TLB_STAMP_LOW);
}

/*
 * The clock value a frame's stamp stands for, given the clock now (read
 * after the stamp): the latest with its low bits not above now, 0 for
 * none.
 */
static inline uint64_t tlbflush_stamp_time(uint16_t stamp, uint64_t now)
{
	if (!(stamp & TLB_STAMP_SET))
		return 0;
	return now - ((now - stamp) & TLB_STAMP_LOW);
}

/* That for the stamp at *stamp (a frame's tlbflush_stamp). */
static inline uint64_t tlbflush_frame_time(const uint16_t *stamp)
{
	uint16_t s = __atomic_load_n(stamp, __ATOMIC_ACQUIRE);

	return tlbflush_stamp_time(s, __atomic_load_n(&tlbflush_clock, __ATOMIC_ACQUIRE));
}

/* May a CPU whose last CR3 load read the clock at time hold a use stamped when? */
static inline bool tlbflush_needed(uint64_t time, uint64_t when)
{
	return time < when;
}

/* mask without the CPUs that loaded CR3 since when (a CPU not started yet stays). */
static inline cpumask_t tlbflush_filter(cpumask_t mask, uint64_t when)
{
	cpumask_t m = mask;

	while (m) {
		unsigned int cpu = __builtin_ctzll(m);
		const uint64_t *t = tlbflush_time_of[cpu];

		m &= m - 1;
		if (t && !tlbflush_needed(__atomic_load_n(t, __ATOMIC_ACQUIRE), when))
			mask &= ~(1ULL << cpu);
	}
	return mask;
}

void flush_tlb_local(void);
void flush_tlb_mask(cpumask_t mask);
void flush_tlb_all(void);
void flush_tlb_domain(struct domain *d);
/* Every online CPU that may hold a use stamped when (tlbflush_frame_time; 0: none). */
void flush_tlb_since(uint64_t when);
void flush_tlb_note_slow(struct domain *d, cpumask_t me);

/* d's vCPU is loaded on this CPU: it joins d's dirty mask (pv.c's context switch). */
static inline void flush_tlb_note_cpu(struct domain *d, uint64_t *dirty, unsigned int cpu)
{
	if (unlikely(!(__atomic_load_n(dirty, __ATOMIC_RELAXED) & (1ULL << cpu))))
		flush_tlb_note_slow(d, 1ULL << cpu);
}

#endif
