// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp-ap-slice: two spinning vCPUs pinned to the last CPU (an AP when
 * there are two) take turns by the slice timer. dom0's vCPUs 0 and 1
 * are both pinned there and never block; for RUN_NS vCPU 0 reads the
 * clock in a loop (the longest gap between two reads is how long vCPU 1
 * held the CPU) and counts the turns vCPU 1 had (its counter moved).
 * Only the slice timer of that CPU's run queue ends a turn: one that
 * fired on another CPU (a timer initialised on CPU 0 for an AP's queue,
 * the suspect of session 35, not found) would leave one of them running
 * for good, the other starved. A gap is a slice (10 ms on Lamina);
 * bound 25 ms, and vCPU 1 must have had a turn every 50 ms at least.
 * Under -icount the CPUs take turns in one QEMU thread and the clock
 * counts instructions: host load cannot stretch a gap.
 * @hvargs: dom0_max_vcpus=2
 * @qemu: -icount shift=0,sleep=off
 * @timeout: 300
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/physinfo.h"
#include "lib/smp.h"

#define RUN_NS		300000000ULL	/* 30 slices */
#define GAP_MAX_NS	25000000ULL
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile bool started;
static volatile uint64_t count1;	/* vCPU 1's loops */

static void __attribute__((noreturn, used)) vcpu1(unsigned long id)
{
	(void)id;
	started = true;
	for (;;)
		count1++;
}

int test_main(struct start_info *si)
{
	unsigned int cpu, turns = 0;
	uint64_t now, end, gap = 0, seen;
	struct sysctl pi;
	long rc;

	if (!(si->flags & SIF_INITDOMAIN))
		return skip("dom0 only (pins its vCPUs)");
	if (vcpu_op(VCPUOP_is_up, 1, NULL) == -ENOENT)
		return skip("one vCPU only (dom0_max_vcpus=2 not honoured)");
	CHECK(events_init(si) == 0, "events_init failed");
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	shared->vcpu_info[1].evtchn_upcall_mask = 1;
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	cpu = pi.u.physinfo.nr_cpus - 1;
	if (cpu > 7)
		cpu = 7;
	CHECK(smp_start_vcpu(si, 1, vcpu1, stack1, sizeof(stack1)) == 0, "starting vCPU 1 failed");
	while (!started)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	CHECK((rc = smp_pin_vcpu(1, cpu)) == 0, "pinning vCPU 1 to CPU %u: %ld", cpu, rc);
	CHECK((rc = smp_pin_vcpu(0, cpu)) == 0, "pinning vCPU 0 to CPU %u: %ld", cpu, rc);
	seen = count1;
	now = pvclock_ns();
	end = now + RUN_NS;
	while (now < end) {
		uint64_t t = pvclock_ns(), c = count1;

		if (t - now > gap)
			gap = t - now;
		if (c != seen) {	/* vCPU 1 ran since the last look: a turn */
			turns++;
			seen = c;
		}
		now = t;
	}
	printf("CPU %u, %llu ms: vCPU 1 had %u turns, vCPU 0 waited %llu us at most (bound %llu us)\n",
	       cpu, (unsigned long long)(RUN_NS / 1000000), turns,
	       (unsigned long long)(gap / 1000), (unsigned long long)(GAP_MAX_NS / 1000));
	CHECK(turns >= RUN_NS / 50000000, "vCPU 1 had %u turns in %llu ms on CPU %u: "
	      "vCPU 0 not preempted at its slice end", turns,
	      (unsigned long long)(RUN_NS / 1000000), cpu);
	CHECK(gap < GAP_MAX_NS, "vCPU 0 waited %llu us on CPU %u: vCPU 1 not preempted "
	      "at its slice end", (unsigned long long)(gap / 1000), cpu);
	CHECK(vcpu_op(VCPUOP_down, 1, NULL) == 0, "down of vCPU 1 failed");
	return TEST_PASS;
}
