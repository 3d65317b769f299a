// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp-steal-preempted: a vCPU preempted on a busy CPU runs on an idle
 * one at once, not a slice later. dom0's vCPU 1 spins, pinned to CPU 0;
 * vCPU 0, allowed everywhere, is brought onto CPU 0 (pinned there, then
 * unpinned) ROUNDS times and then spins RUN_NS reading the clock: the
 * longest gap between two reads is the time it waited off the CPU. When
 * its slice on CPU 0 ends, vCPU 1 runs there and vCPU 0 waits on CPU 0's
 * queue while CPU 1 idles: CPU 1 is to take it (steal) within far less
 * than a slice (10 ms on Lamina): schedule() on CPU 0 kicks it, and so
 * does switched_out once vCPU 0's state is saved (common/sched.c). Until
 * 6 Dec only the first kick was made: a CPU 1 that looked before the
 * save skipped vCPU 0 as still held and halted again, and vCPU 0 waited
 * for vCPU 1's slice. Under -icount that order does not come up (the
 * build before the fix passes too: its longest wait was 29 us, as with
 * the fix), so this guards the steal of a preempted vCPU, not that
 * window. With one CPU there is nothing to steal: skipped.
 * Under -icount the two CPUs take turns in one QEMU thread and the clock
 * counts instructions: host load cannot stretch a gap (without it, gaps
 * of 3 ms came from the host's load on either build).
 * @hvargs: dom0_max_vcpus=2
 * @qemu: -icount shift=0,sleep=off
 * @timeout: 300
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/physinfo.h"
#include "lib/smp.h"

#define ROUNDS		10
#define RUN_NS		30000000ULL	/* vCPU 0's spin each round: three slices */
#define GAP_MAX_NS	3000000ULL	/* a wait this long: not taken by the idle CPU */
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile bool started;

/* vCPU 1: spins on CPU 0 for good (never blocks: CPU 0 is never free). */
static void __attribute__((noreturn, used)) vcpu1(unsigned long id)
{
	(void)id;
	started = true;
	for (;;)
		asm volatile("pause");
}

/* dom0's vCPU 0 may run on CPUs 0 to n - 1 (hard affinity): 0 or the error. */
static long unpin_vcpu0(unsigned int n)
{
	uint8_t hard = (uint8_t)((1U << n) - 1);
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.cmd = DOMCTL_setvcpuaffinity;
	op.interface_version = DOMCTL_INTERFACE_VERSION;
	op.domain = 0;
	op.u.vcpuaffinity.vcpu = 0;
	op.u.vcpuaffinity.flags = VCPUAFFINITY_HARD;
	op.u.vcpuaffinity.cpumap_hard.bitmap = (uint64_t)&hard;
	op.u.vcpuaffinity.cpumap_hard.nr_bits = 8;
	return hypercall1(__HYPERVISOR_domctl, &op);
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
	unsigned int i, cpus, bad = 0;
	uint64_t gap, worst = 0;
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
	cpus = pi.u.physinfo.nr_cpus;
	if (cpus < 2)
		return skip("one CPU: nothing to steal");
	if (cpus > 8)
		cpus = 8;
	CHECK(smp_start_vcpu(si, 1, vcpu1, stack1, sizeof(stack1)) == 0, "starting vCPU 1 failed");
	while (!started)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	CHECK((rc = smp_pin_vcpu(1, 0)) == 0, "pinning vCPU 1 to CPU 0: %ld", rc);
	for (i = 0; i < ROUNDS; i++) {
		CHECK((rc = smp_pin_vcpu(0, 0)) == 0, "pinning vCPU 0 to CPU 0: %ld", rc);
		CHECK((rc = unpin_vcpu0(cpus)) == 0, "unpinning vCPU 0: %ld", rc);
		gap = spin_gap(RUN_NS);
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
	CHECK(vcpu_op(VCPUOP_down, 1, NULL) == 0, "down of vCPU 1 failed");
	return TEST_PASS;
}
