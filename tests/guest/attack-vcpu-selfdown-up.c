// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-vcpu-selfdown-up: a vCPU that takes itself down (VCPUOP_down
 * of its own id, as a PV kernel's CPU hot-unplug does) and is brought
 * up again by vCPU 0 at once, while the CPU that ran it may still be
 * switching it out, over and over; vCPU 0 reads its runstate
 * (VCPUOP_get_runstate_info) after every up. Until 7 Dec the up wrote
 * the runstate under the queue lock while the switching CPU wrote it
 * with no lock: the two increments of its sequence count could cross
 * and leave it odd, and the next reader spun in the hypervisor for ever
 * with interrupts off (a host CPU lost; seen as a hang of `vcpus` at
 * --smp 3). The assertions: every down and up 0, each runstate read
 * (a known state), vCPU 1 running again after each up, and the guest
 * ending within its bound (a reader that spins never ends).
 * @hvargs: dom0_max_vcpus=2
 * @timeout-smp: 240
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/smp.h"
#include "lib/physinfo.h"

#define ROUNDS		20000

static uint8_t stack1[8192] __attribute__((aligned(16)));
static volatile bool started;
static volatile unsigned long ups1;	/* vCPU 1's returns from its own down */

static void vcpu1(unsigned long id)
{
	(void)id;
	started = true;
	for (;;) {
		if (vcpu_op(VCPUOP_down, 1, NULL) != 0)
			for (;;)
				asm volatile("pause");	/* vCPU 0 sees ups1 stop */
		ups1++;
	}
}

int test_main(struct start_info *si)
{
	struct vcpu_runstate_info rs;
	unsigned long seen, spins;
	bool one_cpu;
	unsigned int r;
	long rc;

	CHECK(two_vcpu_start(si, &one_cpu) == 0, "events_init or physinfo failed");
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (r = 0; r < ROUNDS; r++) {
		seen = ups1;
		/* As soon as it has asked to go down: the switch-out may be under way. */
		for (spins = 0; vcpu_op(VCPUOP_is_up, 1, NULL) != 0; spins++) {
			CHECK(spins < 10000000UL, "round %u: vCPU 1 never went down", r);
			if (one_cpu)
				HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		}
		rc = vcpu_op(VCPUOP_up, 1, NULL);
		CHECK(rc == 0, "round %u: up gave %ld", r, rc);
		rc = vcpu_op(VCPUOP_get_runstate_info, 1, &rs);
		CHECK(rc == 0, "round %u: get_runstate_info gave %ld", r, rc);
		CHECK(rs.state <= RUNSTATE_offline, "round %u: runstate %d", r, rs.state);
		while (ups1 == seen)
			if (one_cpu)
				HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			else
				asm volatile("pause");
	}
	rc = vcpu_op(VCPUOP_get_runstate_info, 1, &rs);
	CHECK(rc == 0, "get_runstate_info gave %ld", rc);
	printf("%u self-downs of vCPU 1 brought up at once; its runstate read each time\n", ROUNDS);
	return TEST_PASS;
}
