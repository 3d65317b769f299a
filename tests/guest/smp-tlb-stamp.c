// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp-tlb-stamp: a frame that becomes a page table is flushed from the
 * TLB of every CPU that has not loaded CR3 since its last writable
 * mapping went, even when the CPU making it a table has (hv/flushtlb.h:
 * each CPU's flush time against the frame's stamp, 6 Dec).
 *
 * dom0's vCPUs 0 and 1 (pinned to CPUs 0 and 1 when there are two) share
 * one address space. Each round vCPU 0 maps frame F (nothing else maps
 * it) writable at X; vCPU 1 writes X (its CPU now caches the writable
 * translation) and spins without a hypercall. vCPU 0 then clears X's
 * entry with no flush at all (update_va_mapping flags 0: F's writable
 * type goes, the stamp is taken), flushes its own TLB
 * (MMUEXT_TLB_FLUSH_LOCAL: this CPU's time is now past the stamp) and
 * pins F as an L1 table. vCPU 1 then writes X again: it must fault. A
 * write that lands went into a validated page table through a stale
 * translation (a non-present value here, harmless). A flush that took
 * one CPU's load for all CPUs' (one clock time for every CPU) would skip
 * vCPU 1's CPU: such a build failed every round at --smp 2 (6 Dec). With
 * one CPU the vCPUs take turns (each switch loads CR3).
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/tlb_race.h"

#define BASE		2048		/* pfns nothing maps: above the boot region */
#define ROUNDS		100

/* vCPU 1's second write: an L1 entry not present in slot 1, harmless if it lands. */
static struct tlb_race t = { .rounds = ROUNDS, .stale_slot = 1, .first_val = 0, .stale_val = 0x2 };

int test_main(struct start_info *si)
{
	unsigned int r;
	long rc;

	if ((rc = tlb_race_start(si, &t, BASE)) != TEST_PASS)
		return (int)rc;
	for (r = 0; r < ROUNDS; r++) {
		rc = update_va_mapping((uint64_t)t.x, pte_rw(t.f), UVMF_INVLPG);
		CHECK(rc == 0, "round %u: mapping F writable at X: %ld", r, rc);
		tlb_race_armed(&t, r);
		rc = update_va_mapping((uint64_t)t.x, 0, 0);	/* no flush anywhere */
		CHECK(rc == 0, "round %u: clearing X: %ld", r, rc);
		rc = mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
		CHECK(rc == 0, "round %u: local flush: %ld", r, rc);
		rc = mmuext_fd(MMUEXT_PIN_L1_TABLE, t.f, 0, DOMID_SELF);
		CHECK(rc == 0, "round %u: pinning F as an L1: %ld", r, rc);
		tlb_race_verdict(&t, r, true);
		rc = mmuext_fd(MMUEXT_UNPIN_TABLE, t.f, 0, DOMID_SELF);
		CHECK(rc == 0, "round %u: unpinning F: %ld", r, rc);
	}
	CHECK(tlb_race_mapped_ok(&t) == TEST_PASS, "the writes while mapped");
	CHECK(t.landed == 0, "vCPU 1 wrote into F pinned as an L1 table in %u of %u rounds "
	      "(a stale writable translation: its CPU was not flushed)", t.landed, ROUNDS);
	printf("%u rounds: vCPU 1's write faulted once F was a table, %s\n", ROUNDS,
	       t.one_cpu ? "the vCPUs taking turns on one CPU" : "on the other CPU");
	CHECK(vcpu_op(VCPUOP_down, 1, NULL) == 0, "down of vCPU 1 failed");
	return TEST_PASS;
}
