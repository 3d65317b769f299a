// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-vcpu-down-race: VCPUOP_down of a vCPU that is running on
 * another CPU, in the middle of long hypercalls, and VCPUOP_up of it
 * again, over and over. vCPU 1 (pinned to the second CPU) loops over a
 * multicall of 2048 xen_version calls and a set_trap_table of 256 entries
 * (both long enough to be preempted and continued), checking every
 * result; vCPU 0 takes it down (VCPUOP_is_up must say 0 at once), waits
 * until it has stopped (its round counter still for 1 ms) and checks it
 * stays still, then brings it up and waits for a round to complete.
 * A vCPU taken down inside a continuation must come back to finish the
 * same call with the same results (Xen 4.17 takes it off its CPU at the
 * next preemption point and resumes it there).
 * @hvargs: dom0_max_vcpus=2
 * @timeout-smp: 180
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/smp.h"
#include "lib/physinfo.h"
#include "lib/traps.h"
#include <lamina/callback.h>

#define ROUNDS		300
#define NR_MC		2048

static uint8_t stack1[8192] __attribute__((aligned(16)));
static volatile bool started;
static volatile unsigned long rounds1;
static volatile long bad1;		/* the first wrong result vCPU 1 saw, 0 = none */
static struct multicall_entry mc[NR_MC];
static struct trap_info table1[257];
static long version;

static void vcpu1(unsigned long id)
{
	unsigned int i;
	long rc;

	(void)id;
	started = true;
	for (;;) {
		for (i = 0; i < NR_MC; i++) {
			mc[i].op = __HYPERVISOR_xen_version;
			mc[i].result = 99;
			mc[i].args[0] = XENVER_version;
			mc[i].args[1] = 0;
		}
		rc = hypercall2(__HYPERVISOR_multicall, mc, NR_MC);
		for (i = 0; i < NR_MC && !bad1; i++)
			if (rc || (long)mc[i].result != version)
				bad1 = rc ? rc : 1000 + i;
		rc = hypercall1(__HYPERVISOR_set_trap_table, table1);
		if (rc && !bad1)
			bad1 = 2000 + rc;
		rounds1++;
	}
}

static void settle(void)
{
	uint64_t end = pvclock_ns() + 1000000;

	while (pvclock_ns() < end)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

int test_main(struct start_info *si)
{
	bool one_cpu;
	unsigned int r, i;
	unsigned long seen;
	long rc;

	CHECK(two_vcpu_start(si, &one_cpu) == 0, "events_init or physinfo failed");
	version = HYPERVISOR_xen_version(XENVER_version, NULL);
	for (i = 0; i < 256; i++) {
		table1[i].vector = (uint8_t)i;
		table1[i].cs = FLAT_KERNEL_CS;
		table1[i].address = 0xffffffff80000000ULL + i;	/* never taken: vCPU 1 traps nothing */
	}
	table1[256].address = 0;
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started,
			      one_cpu);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < (r * 37) % 2000; i++)	/* down at a different point each time */
			asm volatile("pause");
		rc = vcpu_op(VCPUOP_down, 1, NULL);
		CHECK(rc == 0, "round %u: down gave %ld", r, rc);
		rc = vcpu_op(VCPUOP_is_up, 1, NULL);
		CHECK(rc == 0, "round %u: is_up right after down gave %ld", r, rc);
		do {
			seen = rounds1;
			settle();
		} while (rounds1 != seen);
		settle();
		settle();
		CHECK(rounds1 == seen, "round %u: vCPU 1 ran while down (%lu -> %lu rounds)", r, seen,
		      rounds1);
		CHECK(!bad1, "round %u: vCPU 1 saw a wrong result: %ld", r, bad1);
		rc = vcpu_op(VCPUOP_up, 1, NULL);
		CHECK(rc == 0, "round %u: up gave %ld", r, rc);
		while (rounds1 == seen)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	CHECK(!bad1, "vCPU 1 saw a wrong result: %ld", bad1);
	printf("%u downs and ups of a running vCPU, %lu rounds of its calls, all right\n", ROUNDS,
	       rounds1);
	return TEST_PASS;
}
