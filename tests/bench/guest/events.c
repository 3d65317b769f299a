// SPDX-License-Identifier: GPL-2.0-only
/*
 * events: the cost of the asynchronous paths within one domain, per
 * operation, median over BLOCKS blocks of PER_BLOCK:
 *   evtchn_send_upcall   send on an IPI port bound to ourselves, take the
 *                        upcall, return from it by iret
 *   timer_virq           arm a one-shot timer already due, take the
 *                        VIRQ_TIMER upcall
 *   yield_alone          SCHEDOP_yield with nobody else to run
 * (Round trips between two domains: interdomain.c.)
 * Output: BENCH <name> <median> <min> <max> <operations>
 */
#include "../../guest/lib/guest.h"
#include "../../guest/lib/events.h"
#include "../../guest/lib/bench.h"

#define BLOCKS		200
#define PER_BLOCK	50

static uint64_t samples[BLOCKS];

#define MEASURE(name, body) BENCH_MEASURE(name, samples, BLOCKS, PER_BLOCK, body)

int test_main(struct start_info *si)
{
	struct evtchn_bind_ipi ipi = { 0, 0 };
	struct evtchn_bind_virq bv = { VIRQ_TIMER, 0, 0 };
	struct vcpu_set_singleshot_timer t = { 0, 0, 0 };

	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(evtchn_op(EVTCHNOP_bind_ipi, &ipi) == 0, "bind_ipi failed");
	CHECK(evtchn_op(EVTCHNOP_bind_virq, &bv) == 0, "bind_virq failed");
	hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0);
	shared->vcpu_info[0].evtchn_upcall_mask = 0;		/* events on */
	MEASURE("evtchn_send_upcall", ({ evtchn_send(ipi.port); port_test_and_clear(ipi.port); }));
	MEASURE("timer_virq", ({
		t.timeout_abs_ns = 1;		/* long past: fires at once */
		hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, &t);
		port_test_and_clear(bv.port); }));
	MEASURE("yield_alone", hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0));
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	return TEST_PASS;
}
