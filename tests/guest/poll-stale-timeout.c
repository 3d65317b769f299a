// SPDX-License-Identifier: GPL-2.0-only
/*
 * poll-stale-timeout: a SCHEDOP_poll's timeout wakes the vCPU only while
 * that poll lasts (Xen 4.17's poll_timer_fn wakes only a vCPU whose
 * poll_mask bit is still set). ROUNDS times: a poll on the one-shot timer
 * port with a timeout 100 ms away ends early by that port (its timer set
 * 20 ms away); then a SCHEDOP_block waits for the next one-shot timer,
 * 400 ms away. The stale poll timeout, due meanwhile, must not end the
 * block: the block returns with the timer port pending. Then the same
 * with the poll ended by an upcall instead (events unmasked, the poll on
 * an unbound port that never fires, the one-shot timer's port not in its
 * list): the poll is over all the same, and its timeout must not end
 * the block either. The hypervisor's own timers fire in deadline order,
 * so host load changes no outcome.
 */
#include "lib/guest.h"
#include "lib/events.h"

#define ROUNDS	3
#define MS	1000000ULL

static long set_timer(uint64_t deadline)
{
	return hypercall1(__HYPERVISOR_set_timer_op, deadline);
}

/*
 * With nothing else pending (no upcall left to end it), a SCHEDOP_block
 * waits for the one-shot timer set 400 ms after t0: it must be that
 * timer that ends it, not the earlier poll's stale timeout.
 */
static int block_for_timer(struct vcpu_info *vi, evtchn_port_t tp, uint64_t t0,
			   const char *what, unsigned int round)
{
	__atomic_store_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
	CHECK(set_timer(t0 + 400 * MS) == 0, "set_timer_op failed");
	HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	vi->evtchn_upcall_mask = 1;
	CHECK(port_pending(tp),
	      "%s %u: a block ended %llu ms after the poll began, before its timer (400 ms): the stale poll timeout woke it",
	      what, round, (unsigned long long)((pvclock_ns() - t0) / MS));
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
	struct vcpu_info *vi;
	evtchn_port_t tp;
	unsigned int i;

	if (events_init(si))
		return fail("events_init failed");
	tp = oneshot_timer_port();
	if (!tp)
		return fail("binding VIRQ_TIMER failed");
	vi = &shared->vcpu_info[0];
	for (i = 0; i < ROUNDS; i++) {
		uint64_t t0 = pvclock_ns();
		struct sched_poll poll = { (uint64_t)&tp, 1, 0, t0 + 100 * MS };
		long rc;

		vi->evtchn_upcall_mask = 1;
		port_test_and_clear(tp);
		CHECK(set_timer(t0 + 20 * MS) == 0, "set_timer_op failed");
		rc = HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
		CHECK(rc == 0, "poll: %ld", rc);
		CHECK(port_test_and_clear(tp), "round %u: the poll ended without its port pending", i);
		if (block_for_timer(vi, tp, t0, "round", i) != TEST_PASS)
			return TEST_FAIL;
	}
	CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0, "alloc_unbound failed");
	for (i = 0; i < ROUNDS; i++) {
		uint64_t t0 = pvclock_ns();
		struct sched_poll poll = { (uint64_t)&au.port, 1, 0, t0 + 100 * MS };
		long rc;

		vi->evtchn_upcall_mask = 1;
		port_test_and_clear(tp);
		__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
		CHECK(set_timer(t0 + 20 * MS) == 0, "set_timer_op failed");
		vi->evtchn_upcall_mask = 0;	/* the timer's upcall may end the poll */
		rc = HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
		vi->evtchn_upcall_mask = 1;
		CHECK(rc == 0, "poll: %ld", rc);
		CHECK(!port_pending(au.port), "the unbound port fired");
		port_test_and_clear(tp);
		if (block_for_timer(vi, tp, t0, "upcall round", i) != TEST_PASS)
			return TEST_FAIL;
	}
	printf("poll-stale-timeout: %u + %u rounds, no block ended by a finished poll's timeout\n",
	       ROUNDS, ROUNDS);
	return TEST_PASS;
}
