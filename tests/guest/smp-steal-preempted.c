// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp-steal-preempted: a vCPU that gives up a busy CPU runs on an idle
 * one at once, not a slice later. dom0's vCPUs 1 and 2 spin, pinned to
 * CPU 0; vCPU 0, allowed everywhere, is brought onto CPU 0 (pinned
 * there, then unpinned) ROUNDS times, yields there (the time until it
 * runs again is a gap) and then spins RUN_NS reading the clock (the
 * longest gap between two reads is the time it waited off the CPU, e.g.
 * after its slice ended). Each time it waits on CPU 0's queue behind a
 * vCPU pinned there while CPU 1 idles: CPU 1 is to take it (steal)
 * within 0.5 ms (a slice is 10 ms on Lamina).
 * Until 6 Dec nothing kicked CPU 1 (common/sched.c): schedule() on CPU 0
 * kicked an idle CPU only for the queue's first vCPU, pinned there, and
 * switched_out none once vCPU 0's state was saved. With the APs' timer
 * divider set, a52ce49 FAILs 9 rounds of 10 (waits up to 998 us: the
 * idle CPU woke only for the frame scrubber's 1 ms timer, or a slice);
 * with its AP timer firing 8 times early (the divider left at reset) it
 * passes (61 us): the masking session 35 looked for. Since: 3-20 us.
 * With one CPU there is nothing to steal: skipped.
 * Under -icount the two CPUs take turns in one QEMU thread and the clock
 * counts instructions: host load cannot stretch a gap (without it, gaps
 * of 3 ms came from the host's load on either build).
 * @hvargs: dom0_max_vcpus=3
 * @qemu: -icount shift=0,sleep=off
 * @timeout: 300
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/physinfo.h"
#include "lib/smp.h"

#define ROUNDS		10
#define RUN_NS		30000000ULL	/* vCPU 0's spin each round: three slices */
#define GAP_MAX_NS	500000ULL	/* a wait this long: not taken by the idle CPU */
#define STACK_SIZE	8192

static uint8_t stacks[2][STACK_SIZE] __attribute__((aligned(16)));
static volatile bool started[3];

/* vCPUs 1 and 2: spin on CPU 0 for good (never block: CPU 0 is never free). */
static void __attribute__((noreturn, used)) spinner(unsigned long id)
{
	started[id] = true;
	for (;;)
		asm volatile("pause");
}

/* vCPU 0 yields: the time until it runs again. */
static uint64_t yield_gap(void)
{
	uint64_t t = pvclock_ns();

	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	return pvclock_ns() - t;
}

/* vCPU 0 spins ns: the longest gap between two clock reads. */
static uint64_t spin_gap(uint64_t ns)
{
	uint64_t now = pvclock_ns(), end = now + ns, gap = 0;

	while (now < end) {
		uint64_t t = pvclock_ns();

		if (t - now > gap)
			gap = t - now;
		now = t;
	}
	return gap;
}

int test_main(struct start_info *si)
{
	unsigned int i, id, cpus, bad = 0;
	uint64_t gap, spun, worst = 0;
	struct sysctl pi;
	long rc;

	if (!(si->flags & SIF_INITDOMAIN))
		return skip("dom0 only (pins its vCPUs)");
	if (vcpu_op(VCPUOP_is_up, 2, NULL) == -ENOENT)
		return skip("fewer than 3 vCPUs (dom0_max_vcpus=3 not honoured)");
	CHECK(events_init(si) == 0, "events_init failed");
	for (id = 0; id < 3; id++)
		shared->vcpu_info[id].evtchn_upcall_mask = 1;
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	cpus = pi.u.physinfo.nr_cpus;
	if (cpus < 2)
		return skip("one CPU: nothing to steal");
	if (cpus > 8)
		cpus = 8;
	for (id = 1; id < 3; id++) {
		CHECK(smp_start_vcpu(si, id, spinner, stacks[id - 1], STACK_SIZE) == 0,
		      "starting vCPU %u failed", id);
		while (!started[id])
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		CHECK((rc = smp_pin_vcpu(id, 0)) == 0, "pinning vCPU %u to CPU 0: %ld", id, rc);
	}
	for (i = 0; i < ROUNDS; i++) {
		CHECK((rc = smp_pin_vcpu(0, 0)) == 0, "pinning vCPU 0 to CPU 0: %ld", rc);
		rc = smp_affinity_dom_vcpu(0, 0, (uint8_t)((1U << cpus) - 1));	/* all */
		CHECK(rc == 0, "unpinning vCPU 0: %ld", rc);
		gap = yield_gap();
		spun = spin_gap(RUN_NS);
		if (spun > gap)
			gap = spun;
		if (gap > worst)
			worst = gap;
		if (gap >= GAP_MAX_NS) {
			printf("round %u: vCPU 0 waited %llu us off the CPUs with CPU %s idle\n", i,
			       (unsigned long long)(gap / 1000), cpus > 2 ? "1 or more" : "1");
			bad++;
		}
	}
	printf("%u rounds of %llu ms: vCPU 0's longest wait %llu us (bound %llu us)\n", ROUNDS,
	       (unsigned long long)(RUN_NS / 1000000), (unsigned long long)(worst / 1000),
	       (unsigned long long)(GAP_MAX_NS / 1000));
	CHECK(!bad, "%u of %u rounds: a preempted vCPU waited for a slice on its busy CPU "
	      "while another CPU idled (no steal)", bad, ROUNDS);
	for (id = 1; id < 3; id++)
		CHECK(vcpu_op(VCPUOP_down, id, NULL) == 0, "down of vCPU %u failed", id);
	return TEST_PASS;
}
