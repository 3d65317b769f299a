/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shared part of the stale-TLB guests (smp-tlb-stamp, smp-tlb-realloc):
 * dom0's vCPUs 0 and 1 (pinned to CPUs 0 and 1 when there are two) share
 * one address space and a scratch page X, unmapped at the start, and the
 * frame F at pfn base. Each round vCPU 0 maps F writable at X and sets
 * armed; vCPU 1 writes X (its CPU caches the translation; it must not
 * fault) and sets ready, then spins without a hypercall until vCPU 0,
 * having done its part, sets verdict; if vCPU 0 set check, vCPU 1 writes
 * X again (slot stale_slot, value stale_val), which must fault: a write
 * that lands is counted in landed. Then it sets checked.
 */
#ifndef GUEST_TLB_RACE_H
#define GUEST_TLB_RACE_H

#include "guest.h"
#include "mm.h"
#include "physinfo.h"
#include "smp.h"
#include "traps.h"

struct tlb_race {
	unsigned int rounds, stale_slot;
	uint64_t first_val, stale_val;		/* vCPU 1's writes: while mapped, after */
	volatile uint64_t *x;
	uint64_t f;
	bool one_cpu;
	volatile bool started, check;
	volatile unsigned int armed, ready, verdict, checked;	/* 1 + the round */
	volatile unsigned int landed, faults_before;
	volatile long traps_rc1;
};

static struct tlb_race *tlb_race_now;
static uint8_t tlb_race_stack[8192] __attribute__((aligned(16)));

static void __attribute__((noreturn, used)) tlb_race_vcpu1(unsigned long id)
{
	struct tlb_race *t = tlb_race_now;
	unsigned int r;

	(void)id;
	t->traps_rc1 = traps_install(false);	/* a trap table is a vCPU's own */
	t->started = true;
	for (r = 0; r < t->rounds; r++) {
		smp_wait_count(&t->armed, r + 1, t->one_cpu);
		if (!store_ok(t->x, t->first_val))
			t->faults_before++;	/* mapped writable now: must not fault */
		t->ready = r + 1;
		smp_wait_count(&t->verdict, r + 1, t->one_cpu);
		if (t->check && store_ok(t->x + t->stale_slot, t->stale_val))
			t->landed++;
		t->checked = r + 1;
	}
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/*
 * The start: a skip with one vCPU; mm and traps, X unmapped, t->f the
 * frame at pfn base, vCPU 1 started and pinned on tlb_race_vcpu1.
 * TEST_PASS, or the test's result (skip or failure).
 */
static inline int tlb_race_start(struct start_info *si, struct tlb_race *t, uint64_t base)
{
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	struct sysctl pi;
	long rc;

	if (vcpu_op(VCPUOP_is_up, 1, NULL) == -ENOENT)
		return skip("one vCPU only (dom0_max_vcpus=2 not honoured)");
	mm_init(si);
	CHECK(traps_install(false) == 0, "set_trap_table failed");
	CHECK(si->nr_pages > base, "dom0 has %lu pages", si->nr_pages);
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	t->one_cpu = pi.u.physinfo.nr_cpus < 2;
	t->f = p2m[base];
	t->x = (volatile uint64_t *)scratch_page();
	t->traps_rc1 = -1;
	CHECK(update_va_mapping((uint64_t)t->x, 0, UVMF_INVLPG) == 0, "unmapping X failed");
	tlb_race_now = t;
	rc = smp_start_pinned(si, tlb_race_vcpu1, tlb_race_stack, sizeof(tlb_race_stack),
			      &t->started, t->one_cpu);
	CHECK(rc == 0, "starting and pinning vCPU 1: %ld", rc);
	CHECK(t->traps_rc1 == 0, "vCPU 1's set_trap_table: %ld", t->traps_rc1);
	return TEST_PASS;
}

/* Round r: vCPU 0 has mapped F at X; waits for vCPU 1's first write. */
static inline void tlb_race_armed(struct tlb_race *t, unsigned int r)
{
	t->armed = r + 1;
	smp_wait_count(&t->ready, r + 1, t->one_cpu);
}

/* Round r: vCPU 1 writes X again if check; waits for that write. */
static inline void tlb_race_verdict(struct tlb_race *t, unsigned int r, bool check)
{
	t->check = check;
	t->verdict = r + 1;
	smp_wait_count(&t->checked, r + 1, t->one_cpu);
}

/* After the rounds: vCPU 1 never faulted while X was mapped. */
static inline int tlb_race_mapped_ok(const struct tlb_race *t)
{
	CHECK(t->faults_before == 0, "vCPU 1's write through X faulted in %u rounds while mapped",
	      t->faults_before);
	return TEST_PASS;
}

#endif
