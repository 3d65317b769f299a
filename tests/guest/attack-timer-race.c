// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-timer-race: a vCPU's timers stopped while they fall due, from
 * the other CPU and from the vCPU itself. vCPU 1 of dom0 is pinned to
 * CPU 1 (with two CPUs), its events masked; vCPU 0 binds VIRQ_TIMER for
 * vCPU 1 and watches that port's pending bit.
 *   periodic: PERIODIC_ROUNDS times, vCPU 0 (CPU 0) sets vCPU 1's
 *     periodic timer to 1 ms, waits 0-1.8 ms (so that a tick often falls
 *     due, and its handler runs on CPU 1, as the stop comes) and stops
 *     it. Both calls must answer 0, some rounds must have seen a tick,
 *     and once the last stop is 5 ms old no tick may come in 30 ms: a
 *     handler that re-armed the timer under the stop must not leave it
 *     ticking.
 *   singleshot: with its periodic timer stopped, SINGLE_ROUNDS times,
 *     vCPU 1 sets its one-shot timer 0-19 us ahead and stops it at once; an event pending after the stop
 *     returned must have been pending when it returned (the stop won
 *     or the timer had fired), never raised later.
 * Xen 4.17 takes VCPUOP_set/stop_periodic_timer for any vCPU of the
 * caller's domain and the one-shot calls for the caller only, as Lamina.
 * kill_timer (a vCPU's timers and a domain's watchdogs, when the memory
 * goes) waits for a handler running on another CPU: attack-destroy-race
 * and the destroy paths cover that it is called.
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/smp.h"
#include "lib/physinfo.h"

#define STACK_SIZE	8192
#define PERIODIC_ROUNDS	600
#define SINGLE_ROUNDS	20000
#define MS		1000000ULL

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile bool started1;
static volatile unsigned int phase, single_done;
static volatile unsigned int fired_before, raised_after;
static volatile long single_rc;
static evtchn_port_t tick1;	/* VIRQ_TIMER of vCPU 1 */

static void spin_until(uint64_t t)
{
	while (pvclock_ns() < t)
		asm volatile("pause");
}

/* vCPU 1's one-shot rounds: the stop against its own expiry. */
static void single_rounds(void)
{
	struct vcpu_set_singleshot_timer t = { 0, 0, 0 };
	unsigned int r;
	bool before;
	long rc;

	for (r = 0; r < SINGLE_ROUNDS; r++) {
		port_test_and_clear(tick1);
		t.timeout_abs_ns = pvclock_ns() + (r % 20) * 1000;
		rc = vcpu_op(VCPUOP_set_singleshot_timer, 1, &t);
		if (!rc)
			rc = vcpu_op(VCPUOP_stop_singleshot_timer, 1, NULL);
		if (rc) {
			single_rc = rc;
			return;
		}
		before = port_pending(tick1);
		spin_until(pvclock_ns() + 30000);
		fired_before += before;
		raised_after += !before && port_pending(tick1);
	}
}

static void vcpu1(unsigned long id)
{
	(void)id;
	shared->vcpu_info[1].evtchn_upcall_mask = 1;
	started1 = true;
	while (phase == 0)
		asm volatile("pause");		/* running: its periodic timer ticks */
	single_rounds();
	__atomic_store_n(&single_done, 1, __ATOMIC_RELEASE);
	/* Not SCHEDOP_block: it unmasks events, and vCPU 1 has no callback. */
	vcpu_op(VCPUOP_down, 1, NULL);
	for (;;)
		asm volatile("pause");
}

static int periodic_rounds(void)
{
	struct vcpu_set_periodic_timer p = { MS };
	unsigned int r, ticked = 0;
	long rc;

	for (r = 0; r < PERIODIC_ROUNDS; r++) {
		port_test_and_clear(tick1);
		rc = vcpu_op(VCPUOP_set_periodic_timer, 1, &p);
		CHECK(rc == 0, "round %u: set_periodic_timer for vCPU 1 gave %ld", r, rc);
		spin_until(pvclock_ns() + (r % 7) * 300000);
		rc = vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL);
		CHECK(rc == 0, "round %u: stop_periodic_timer for vCPU 1 gave %ld", r, rc);
		ticked += port_pending(tick1);
	}
	spin_until(pvclock_ns() + 5 * MS);
	port_test_and_clear(tick1);
	spin_until(pvclock_ns() + 30 * MS);
	printf("periodic: %u rounds, a tick in %u of them\n", r, ticked);
	CHECK(!port_pending(tick1), "vCPU 1 ticked 5-35 ms after its periodic timer was stopped");
	CHECK(ticked, "no round saw a tick: the stop never met a due timer");
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	struct evtchn_bind_virq bv = { VIRQ_TIMER, 1, 0 };
	struct sysctl pi;
	bool one_cpu;

	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	one_cpu = pi.u.physinfo.nr_cpus < 2;
	CHECK(smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started1, one_cpu) == 0,
	      "starting and pinning vCPU 1 failed");
	CHECK(evtchn_op(EVTCHNOP_bind_virq, &bv) == 0, "binding vCPU 1's VIRQ_TIMER failed");
	tick1 = bv.port;
	if (one_cpu) {
		printf("one CPU: the periodic rounds need vCPU 1 running on another\n");
	} else if (periodic_rounds()) {
		return TEST_FAIL;
	}
	/* Its default 10 ms periodic timer (Xen's too) would raise the port. */
	CHECK(vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL) == 0,
	      "stop_periodic_timer for vCPU 1 failed");
	spin_until(pvclock_ns() + 5 * MS);
	phase = 1;
	while (!__atomic_load_n(&single_done, __ATOMIC_ACQUIRE))
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	CHECK(single_rc == 0, "vCPU 1's one-shot set or stop gave %ld", single_rc);
	printf("singleshot: %u rounds, fired before the stop in %u, raised after it in %u\n",
	       SINGLE_ROUNDS, fired_before, raised_after);
	CHECK(raised_after == 0, "vCPU 1's one-shot timer fired after its stop returned (%u times)",
	      raised_after);
	CHECK(fired_before, "no one-shot fired before its stop: the race was never run");
	return TEST_PASS;
}
