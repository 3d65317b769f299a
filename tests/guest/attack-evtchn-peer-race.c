// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-evtchn-peer-race: interdomain channels bound, sent on and closed
 * by two domains at once, each end by another CPU (XSA-343's class: the
 * two ends of a channel change under two domains' locks). Port numbers
 * are handed out lowest first, so each side can guess the other's:
 *   - the peer, PEER_ROUNDS times: offers dom0 two ports (alloc_unbound),
 *     binds dom0's ports 1 to NR_GUESS, sends on every port it has,
 *     closes them all;
 *   - dom0's vCPU 0 (pinned to CPU 0), meanwhile: binds the peer's ports
 *     1 to NR_GUESS, sends on what it got, closes every other one;
 *   - dom0's vCPU 1 (pinned to CPU 1): offers the peer ports of its own
 *     (alloc_unbound), up to KEEP at a time, sends on and closes the
 *     oldest.
 * Every answer must be one Xen 4.17 gives there: bind 0 or -EINVAL (the
 * port was not, or no longer, offered to us; -ESRCH once the peer is
 * gone), send and close of our own
 * ports 0 (an end the other side closed is unbound, not gone). While the
 * race runs and once the peer has ended (Lamina destroys it, Xen leaves
 * it shut down), every dom0 port bound to the peer must be bound back
 * (EVTCHNOP_status of the peer's end names dom0's port), or unbound once
 * the peer's end was closed. The peer checks its own answers and prints
 * its count; a wrong one crashes it.
 * @hvargs: dom0_max_vcpus=2
 * @domus: self:peer:role=peer
 * @expect-log: peer: 1500 rounds, answers as expected
 * @timeout-smp: 300
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/peer.h"
#include "lib/smp.h"
#include "lib/physinfo.h"
#include "lib/peer_verdict.h"

#define PEER_ROUNDS	1500
#define NR_GUESS	8	/* ports 1 .. NR_GUESS of the other side are tried */
#define KEEP		4	/* dom0's vCPU 1 keeps this many offers open */
#define MAX_PORT	64	/* dom0's ports looked at in the checks */
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile bool started, stop, stopped;
static volatile long bad1;		/* vCPU 1's first wrong answer, 1 = none */
static volatile unsigned long offers1;
static domid_t peer;

static long status_of(domid_t dom, evtchn_port_t p, struct evtchn_status *s)
{
	*s = (struct evtchn_status){ .dom = dom, .port = p };
	return evtchn_op(EVTCHNOP_status, s);
}

static long close_port(evtchn_port_t p)
{
	struct evtchn_close c = { p };

	return evtchn_op(EVTCHNOP_close, &c);
}

/* The peer's part: its own answers checked; a wrong one crashes it. */
static int peer_part(void)
{
	evtchn_port_t mine[2 + NR_GUESS];
	unsigned int r, i, n;
	long rc;

	for (r = 0; r < PEER_ROUNDS; r++) {
		n = 0;
		for (i = 0; i < 2; i++) {
			struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };

			if ((rc = evtchn_op(EVTCHNOP_alloc_unbound, &au))) {
				printf("peer: round %u: alloc_unbound gave %ld\n", r, rc);
				shutdown(SHUTDOWN_crash);
			}
			mine[n++] = au.port;
		}
		for (i = 1; i <= NR_GUESS; i++) {
			struct evtchn_bind_interdomain bi = { .remote_dom = 0, .remote_port = i };

			rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi);
			if (rc == 0)
				mine[n++] = bi.local_port;
			else if (rc != -EINVAL) {
				printf("peer: round %u: binding dom0's port %u gave %ld\n", r, i, rc);
				shutdown(SHUTDOWN_crash);
			}
		}
		for (i = 0; i < n; i++)
			if ((rc = evtchn_send(mine[i]))) {
				printf("peer: round %u: send on port %u gave %ld\n", r, mine[i], rc);
				shutdown(SHUTDOWN_crash);
			}
		for (i = 0; i < n; i++)
			if ((rc = close_port(mine[i]))) {
				printf("peer: round %u: closing port %u gave %ld\n", r, mine[i], rc);
				shutdown(SHUTDOWN_crash);
			}
		if (r % 64 == 0)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	printf("peer: %u rounds, answers as expected\n", PEER_ROUNDS);
	shutdown(SHUTDOWN_poweroff);
	return TEST_PASS;
}

/* dom0's vCPU 1: offers, sends on and closes ports of its own. */
static void vcpu1(unsigned long id)
{
	evtchn_port_t ring[KEEP] = { 0 };
	unsigned int k = 0;
	long rc;

	(void)id;
	started = true;
	while (!stop) {
		struct evtchn_alloc_unbound au = { DOMID_SELF, peer, 0 };

		if (ring[k]) {
			if ((rc = evtchn_send(ring[k])) || (rc = close_port(ring[k]))) {
				if (bad1 == 1)
					bad1 = rc;
			}
			ring[k] = 0;
		}
		if ((rc = evtchn_op(EVTCHNOP_alloc_unbound, &au)) == 0) {
			ring[k] = au.port;
			offers1++;
		} else if (bad1 == 1) {
			bad1 = rc;
		}
		k = (k + 1) % KEEP;
	}
	for (k = 0; k < KEEP; k++)
		if (ring[k])
			close_port(ring[k]);
	stopped = true;
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/*
 * Every dom0 port below MAX_PORT bound to the peer, with the peer paused
 * or gone: the peer's end names this port back (vCPU 1 may close one of
 * its ports meanwhile: such a port is looked at again), and none is
 * bound to a peer Lamina destroyed. Returns the count bound, or -1 after
 * printing the first broken pair.
 */
static long check_pairs(bool peer_gone)
{
	struct evtchn_status s, t, again;
	evtchn_port_t p;
	long bound = 0;

	for (p = 1; p < MAX_PORT; p++) {
		if (status_of(DOMID_SELF, p, &s) || s.status != EVTCHNSTAT_interdomain)
			continue;
		if (s.u.interdomain.dom != peer || (peer_gone && on_lamina())) {
			printf("port %u is bound to d%u's port %u\n", p, s.u.interdomain.dom,
			       s.u.interdomain.port);
			return -1;
		}
		if (!status_of(peer, s.u.interdomain.port, &t) &&
		    t.status == EVTCHNSTAT_interdomain && t.u.interdomain.dom == 0 &&
		    t.u.interdomain.port == p) {
			bound++;
			continue;
		}
		if (!status_of(DOMID_SELF, p, &again) && again.status == EVTCHNSTAT_interdomain &&
		    again.u.interdomain.port == s.u.interdomain.port) {
			printf("port %u names the peer's port %u, which is in state %u (to %u)\n", p,
			       s.u.interdomain.port, t.status, t.u.interdomain.port);
			return -1;
		}
	}
	return bound;
}

/* The peer paused (while it still runs), its pairs checked, and let go. */
static long check_paused(void)
{
	struct domctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.interface_version = DOMCTL_INTERFACE_VERSION;
	op.cmd = DOMCTL_pausedomain;
	op.domain = peer;
	if (hypercall1(__HYPERVISOR_domctl, &op))
		return 0;		/* gone meanwhile: checked at the end */
	rc = check_pairs(false);
	op.cmd = DOMCTL_unpausedomain;
	op.domain = peer;
	if (hypercall1(__HYPERVISOR_domctl, &op) && !verdict_peer_done(peer)) {
		printf("unpausing the peer failed\n");
		return -1;	/* not when it ended meanwhile (Lamina reaps it paused) */
	}
	return rc;
}

static int dom0_part(struct start_info *si)
{
	evtchn_port_t got[NR_GUESS];
	unsigned long rounds = 0, binds = 0, checks = 0;
	unsigned int i, n, left = 0, tries = 0;
	struct sysctl pi;
	int id;
	long rc;

	bad1 = 1;
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	id = peer_start(si, "role=peer", 16);
	CHECK(id > 0, "the peer domain could not be started (%d)", id);
	peer = (domid_t)id;
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started,
			      pi.u.physinfo.nr_cpus < 2);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	while (!verdict_peer_done(peer) && peer_wait_more(&tries, 100)) {
		/* Last round's ports that were left bound go first. */
		for (i = 0; i < left; i++)
			CHECK((rc = close_port(got[i])) == 0, "closing port %u gave %ld", got[i], rc);
		n = 0;
		for (i = 1; i <= NR_GUESS; i++) {
			struct evtchn_bind_interdomain bi = { .remote_dom = peer, .remote_port = i };

			rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi);
			/* -ESRCH: the peer has just gone (Lamina destroys it). */
			CHECK(rc == 0 || rc == -EINVAL || rc == -ESRCH,
			      "binding the peer's port %u gave %ld", i, rc);
			if (rc == 0)
				got[n++] = bi.local_port;
		}
		binds += n;
		for (i = 0; i < n; i++)
			CHECK((rc = evtchn_send(got[i])) == 0, "send on port %u gave %ld", got[i], rc);
		/* Every other one now, the rest at the next round: some stay bound a while. */
		for (i = left = 0; i < n; i++)
			if (i % 2)
				got[left++] = got[i];
			else
				CHECK((rc = close_port(got[i])) == 0, "closing port %u gave %ld",
				      got[i], rc);
		if (++rounds % 16 == 0) {
			CHECK(check_paused() >= 0, "a channel's ends disagree with the peer paused");
			checks++;
		}
	}
	CHECK(verdict_peer_done(peer), "the peer did not end in 20 s (%lu rounds)", rounds);
	stop = true;
	while (!stopped)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	CHECK(bad1 == 1, "vCPU 1: a send, close or alloc_unbound of its own gave %ld", (long)bad1);
	rc = check_pairs(true);
	CHECK(rc >= 0, "a channel's ends disagree after the peer ended");
	peer_console_flush();
	printf("attack-evtchn-peer-race: %lu rounds of dom0, %lu binds, %lu offers of vCPU 1, "
	       "%lu checks while racing, %ld ports bound at the end\n", rounds, binds, offers1,
	       checks, rc);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	return peer_or_dom0(si, peer_part, dom0_part);
}
