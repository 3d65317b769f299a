// SPDX-License-Identifier: GPL-2.0-only
/*
 * interdomain: dom0 and a peer domain (this guest again, unprivileged:
 * booted with dom0 on Lamina, built and started by dom0 on Xen 4.17, see
 * lib/peer.h), one interdomain event channel between them. Per operation,
 * median over BLOCKS blocks of PER_BLOCK, after WARMUP unmeasured ones:
 *   evtchn_rtt_block   dom0 sends and blocks (SCHEDOP_block); the peer,
 *                      blocked the same way, wakes, takes the upcall and
 *                      sends back: 2 sends, 2 blocks, 2 upcalls and 2
 *                      switches between the domains
 *   evtchn_rtt_poll    the same with events masked, both sides waiting in
 *                      SCHEDOP_poll on the port (no upcalls)
 *   evtchn_rtt_yield   the same with events masked, both sides waiting by
 *                      SCHEDOP_yield until the port is pending: the switch
 *                      between the domains without blocking or waking
 *                      (a NOTE line says how many times dom0 yielded per
 *                      round trip: a scheduler may run the yielder again)
 * A plain ping-pong of yields cannot be checked from dom0 alone (Xen's
 * credit2 does not switch on every yield), so the event is the token.
 * Under -icount the TSC counts instructions of both domains and the
 * hypervisor. Output: BENCH <name> <median> <min> <max> <operations>
 */
#include "../../guest/lib/guest.h"
#include "../../guest/lib/events.h"
#include "../../guest/lib/bench.h"
#include "../../guest/lib/peer.h"

#define BLOCKS		200
#define PER_BLOCK	50
#define WARMUP		100
#define ROUNDS		(WARMUP + BLOCKS * PER_BLOCK)

static uint64_t samples[BLOCKS];

/* Sleeps in SCHEDOP_poll (events masked) until p is pending; consumes it. */
static void poll_port(evtchn_port_t p)
{
	struct sched_poll sp = { .ports = (uint64_t)&p, .nr_ports = 1 };

	while (!port_test_and_clear(p))
		HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
}

static unsigned long yields;

static void yield(void)
{
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	yields++;
}

/* Spins in SCHEDOP_yield (events masked) until p is pending; consumes it. */
static void yield_until(evtchn_port_t p)
{
	while (!port_test_and_clear(p))
		yield();
}

static int peer(void)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };
	unsigned int i;

	CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0, "alloc_unbound failed");
	for (i = 0; i < ROUNDS; i++) {
		wait_for_port(au.port);
		evtchn_send(au.port);
	}
	for (i = 0; i < ROUNDS; i++) {
		poll_port(au.port);
		evtchn_send(au.port);
	}
	for (i = 0; i < ROUNDS; i++) {
		yield_until(au.port);
		evtchn_send(au.port);
	}
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	return TEST_ERROR;
}

int test_main(struct start_info *si)
{
	struct evtchn_bind_interdomain bi = { .remote_port = 1 };
	unsigned int tries = 0, i;
	evtchn_port_t port;
	int id;
	long rc;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		return peer();
	id = peer_start(si, "role=peer", 16);
	CHECK(id > 0, "the peer domain could not be started (%d)", id);
	hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0);
	bi.remote_dom = (domid_t)id;
	while ((rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi)) == -EINVAL && tries++ < 1000)
		yield();
	CHECK(rc == 0, "bind_interdomain to d%d port 1 gave %ld", id, rc);
	port = bi.local_port;
	port_test_and_clear(port);

	BENCH_ROUND_TRIPS("evtchn_rtt_block", samples, BLOCKS, PER_BLOCK, WARMUP, port,
			  wait_for_port);
	BENCH_ROUND_TRIPS("evtchn_rtt_poll", samples, BLOCKS, PER_BLOCK, WARMUP, port, poll_port);
	for (i = 0; i < WARMUP; i++) {
		evtchn_send(port);
		yield_until(port);
	}
	yields = 0;
	BENCH_MEASURE("evtchn_rtt_yield", samples, BLOCKS, PER_BLOCK,
		      ({ evtchn_send(port); yield_until(port); }));
	printf("NOTE evtchn_rtt_yield: dom0 yielded %lu times in %u round trips\n", yields,
	       BLOCKS * PER_BLOCK);
	return TEST_PASS;
}
