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
#include "lib/mm.h"
#include "lib/physinfo.h"
#include "lib/smp.h"
#include "lib/traps.h"

#define BASE		2048		/* pfns nothing maps: above the boot region */
#define ROUNDS		100
#define STALE_VAL	0x2ULL		/* an L1 entry not present: harmless if it lands */
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile bool started, one_cpu;
static volatile unsigned int armed, ready, pinned, checked;	/* 1 + the round */
static volatile unsigned int landed, faults_before;
static volatile long traps_rc1 = -1;
static volatile uint64_t *x;

static void __attribute__((noreturn, used)) vcpu1(unsigned long id)
{
	unsigned int r;

	(void)id;
	traps_rc1 = traps_install(false);	/* a trap table is a vCPU's own */
	started = true;
	for (r = 0; r < ROUNDS; r++) {
		smp_wait_count(&armed, r + 1, one_cpu);
		if (!store_ok(x, 0))
			faults_before++;	/* mapped writable now: must not fault */
		ready = r + 1;
		smp_wait_count(&pinned, r + 1, one_cpu);
		if (store_ok(x + 1, STALE_VAL))
			landed++;
		checked = r + 1;
	}
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

int test_main(struct start_info *si)
{
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	struct sysctl pi;
	unsigned int r;
	uint64_t f;
	long rc;

	if (vcpu_op(VCPUOP_is_up, 1, NULL) == -ENOENT)
		return skip("one vCPU only (dom0_max_vcpus=2 not honoured)");
	mm_init(si);
	CHECK(traps_install(false) == 0, "set_trap_table failed");
	CHECK(si->nr_pages > BASE, "dom0 has %lu pages", si->nr_pages);
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	one_cpu = pi.u.physinfo.nr_cpus < 2;
	f = p2m[BASE];
	x = (volatile uint64_t *)scratch_page();
	CHECK(update_va_mapping((uint64_t)x, 0, UVMF_INVLPG) == 0, "unmapping X failed");
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu);
	CHECK(rc == 0, "starting and pinning vCPU 1: %ld", rc);
	CHECK(traps_rc1 == 0, "vCPU 1's set_trap_table: %ld", traps_rc1);
	for (r = 0; r < ROUNDS; r++) {
		rc = update_va_mapping((uint64_t)x, pte_rw(f), UVMF_INVLPG);
		CHECK(rc == 0, "round %u: mapping F writable at X: %ld", r, rc);
		armed = r + 1;
		smp_wait_count(&ready, r + 1, one_cpu);
		rc = update_va_mapping((uint64_t)x, 0, 0);	/* no flush anywhere */
		CHECK(rc == 0, "round %u: clearing X: %ld", r, rc);
		rc = mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
		CHECK(rc == 0, "round %u: local flush: %ld", r, rc);
		rc = mmuext_fd(MMUEXT_PIN_L1_TABLE, f, 0, DOMID_SELF);
		CHECK(rc == 0, "round %u: pinning F as an L1: %ld", r, rc);
		pinned = r + 1;
		smp_wait_count(&checked, r + 1, one_cpu);
		rc = mmuext_fd(MMUEXT_UNPIN_TABLE, f, 0, DOMID_SELF);
		CHECK(rc == 0, "round %u: unpinning F: %ld", r, rc);
	}
	CHECK(faults_before == 0, "vCPU 1's write through X faulted in %u rounds while mapped",
	      faults_before);
	CHECK(landed == 0, "vCPU 1 wrote into F pinned as an L1 table in %u of %u rounds "
	      "(a stale writable translation: its CPU was not flushed)", landed, ROUNDS);
	printf("%u rounds: vCPU 1's write faulted once F was a table, %s\n", ROUNDS,
	       one_cpu ? "the vCPUs taking turns on one CPU" : "on the other CPU");
	CHECK(vcpu_op(VCPUOP_down, 1, NULL) == 0, "down of vCPU 1 failed");
	return TEST_PASS;
}
