/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef HV_PREEMPT_H
#define HV_PREEMPT_H

/*
 * The one preemption check of every long loop: a hypercall's batch (a
 * multicall, mmu_update and mmuext_op lists, grant batches, set_trap_table,
 * memory_op extents, console writes), a tree validated in pieces, and a
 * dying domain's steps. Xen 4.17 calls hypercall_preempt_check() after each
 * element; this is cheap enough to do the same (about 15 instructions):
 *
 *	uint64_t until = hypercall_preempt_until();
 *	for (i = 0; i < n; i++) {
 *		if (i && hypercall_preempt_now(v, until))
 *			... continuation from element i ...
 *
 * True once the TSC is past `until` (about 1 ms after the loop began), once
 * this CPU's timer is due (the TSC arch_timer_program noted in the per-CPU
 * timer_due_tsc, 0 when none: a vCPU's event, the scheduler's slice, as
 * Xen's pending softirq), or once v has an unmasked event pending (Xen's
 * local_events_need_delivery; another CPU's send sets it without telling
 * this one, interrupts being off, so both bits are read afresh each time).
 * v may be an idle vCPU (its dummy vcpu_info) but not NULL.
 *
 * A loop that does not always make progress must let its first element
 * run unchecked (`i &&` above), or it could continue for ever.
 */
#include <hv/types.h>

struct vcpu;

#ifdef UNIT_HOST_ARCH_H
/* Host unit tests: fake_machine.c answers (fake_preempt, fake_preempt_in). */
uint64_t hypercall_preempt_until(void);
bool hypercall_preempt_now(const struct vcpu *v, uint64_t until);
#else
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/time.h>
#include <asm/percpu.h>
#include <asm/x86.h>

static inline uint64_t hypercall_preempt_until(void)
{
	return rdtsc() + tsc_khz();	/* tsc_khz: TSC ticks a ms */
}

static inline bool hypercall_preempt_now(const struct vcpu *v, uint64_t until)
{
	uint64_t tsc = rdtsc(), due = this_cpu()->timer_due_tsc;	/* only this CPU writes it */

	return tsc >= until || (due && tsc >= due) || vcpu_info_events_deliverable(v->vcpu_info);
}
#endif

#endif
