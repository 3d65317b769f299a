// SPDX-License-Identifier: GPL-2.0-only
/* The TLB flush helper (hv/flushtlb.h). */
#include <hv/lib.h>
#include <hv/flushtlb.h>
#include <hv/domain.h>
#include <asm/x86.h>
#include <asm/percpu.h>

cpumask_t tlb_clean_cpus;
uint64_t tlbflush_clock;
uint64_t *tlbflush_time_of[MAX_CPUS] = { &cpu0_percpu.tlbflush_time };	/* APs: smp.c */

void flush_tlb_local(void)
{
	write_cr3(read_cr3());
}

void flush_tlb_mask(cpumask_t mask)
{
	cpumask_t me = 1ULL << smp_processor_id();

	mask &= smp_online_mask() | me;
	if (mask & ~me) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* our PTE writes, then the look */
		mask &= ~__atomic_load_n(&tlb_clean_cpus, __ATOMIC_RELAXED) | me;
	}
	if (mask & ~me)
		smp_flush_tlb_others(mask & ~me);	/* smp.c: IPIs, and waits */
	if (mask & me)
		flush_tlb_local();
}

void flush_tlb_all(void)
{
	flush_tlb_mask(smp_online_mask());
}

void flush_tlb_domain(struct domain *d)
{
	flush_tlb_mask(__atomic_load_n(&d->dirty_cpumask, __ATOMIC_ACQUIRE));
}

void flush_tlb_since(uint64_t when)
{
	if (when)
		flush_tlb_mask(tlbflush_filter(smp_online_mask() | this_cpu()->cpu_bit, when));
}

void flush_tlb_note_slow(struct domain *d, cpumask_t me)
{
	__atomic_fetch_or(&d->dirty_cpumask, me, __ATOMIC_ACQ_REL);
}
