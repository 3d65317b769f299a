/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TLB flushes: one helper for every flush the hypervisor makes
 * (arch/x86/flushtlb.c). A mask names CPUs (hv/smp.h); this CPU flushes
 * by a CR3 load, the others by IPI (smp_call_function_mask), and the call
 * returns once all have. A domain's dirty mask holds every CPU one of its
 * vCPUs was loaded on (set on each context switch, never cleared:
 * flushing one CPU too many is only slower).
 *
 * The flush clock (tlbflush_clock, bumped by each CR3 load on a CPU in
 * guest_cpus) lets a frame skip a flush when a CR3 load came after its
 * stamp. That holds only while guests have run on one CPU: then that
 * CPU's loads are every TLB that matters, and loads on the others (idle,
 * scrubbing, answering flush IPIs) must not move the clock. tlb_clock_trusted() says so; once guests ran on two CPUs
 * the stamp rules flush every CPU each time instead.
 *
 * A CPU on its idle vCPU since a CR3 load of the hypervisor's own page
 * tables (tlb_clean_cpus) holds no guest translation, so flushes skip it
 * rather than wake it by IPI: with guests spread over two CPUs (the stamp
 * then untrusted) every allocation and every idle scrub batch flushed
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

extern cpumask_t guest_cpus;	/* CPUs that ever loaded a guest vCPU */
extern cpumask_t tlb_clean_cpus;	/* on idle_l4, no guest loaded since (pv.c) */

static inline bool tlb_clock_trusted(void)
{
	cpumask_t m = __atomic_load_n(&guest_cpus, __ATOMIC_RELAXED);

	return !(m & (m - 1));
}

void flush_tlb_local(void);
void flush_tlb_mask(cpumask_t mask);
void flush_tlb_all(void);
void flush_tlb_domain(struct domain *d);
void flush_tlb_note_slow(struct domain *d, cpumask_t me);

/* d's vCPU is loaded on this CPU: it joins d's dirty mask (pv.c's context switch). */
static inline void flush_tlb_note_cpu(struct domain *d, uint64_t *dirty, unsigned int cpu)
{
	if (unlikely(!(__atomic_load_n(dirty, __ATOMIC_RELAXED) & (1ULL << cpu))))
		flush_tlb_note_slow(d, 1ULL << cpu);
}

#endif
