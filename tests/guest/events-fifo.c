// SPDX-License-Identifier: GPL-2.0-only
/*
 * events-fifo: the FIFO event channel ABI, dom0 beside a peer domain.
 * dom0 binds a port on the 2-level ABI and raises it, then moves to FIFO
 * (init_control with the block at an offset): the port moves over and its
 * event reaches the event word once the array page is added, masked (as
 * the page came), and is linked by the unmask hypercall. Four IPI ports
 * on priorities 12, 7, 3 and 7 come out highest priority first, FIFO
 * within a queue; a masked port stays pending unlinked (SCHEDOP_poll sees
 * it) until unmasked, and unmask of a port not in use leaves its word
 * alone; set_priority refuses as Xen does. Ports past 4096
 * work (the 2-level limit), and an event raised before its array page
 * existed arrives when the page comes. The peer moves to FIFO too and
 * plays ping-pong with dom0 over an interdomain port on its priority 2.
 * Last, reset closes everything and brings dom0 back to 2-level, from
 * where init_control works again.
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/fifo.h"
#include "lib/peer.h"

#define ROUNDS		100
#define MANY_PORTS	4100	/* bind IPIs until a port reaches this */

static struct fifo fifo;

static long bind_ipi(evtchn_port_t *port)
{
	struct evtchn_bind_ipi bi = { 0, 0 };
	long rc = evtchn_op(EVTCHNOP_bind_ipi, &bi);

	*port = bi.port;
	return rc;
}

static long set_priority(evtchn_port_t port, uint32_t prio)
{
	struct evtchn_set_priority sp = { port, prio };

	return evtchn_op(EVTCHNOP_set_priority, &sp);
}

static long evtchn_close(evtchn_port_t port)
{
	struct evtchn_close c = { port };

	return evtchn_op(EVTCHNOP_close, &c);
}

static long expand_array(uint64_t mfn)
{
	struct evtchn_expand_array ea = { mfn };

	return evtchn_op(EVTCHNOP_expand_array, &ea);
}

/* Consumes exactly the n events want[], in that order. */
static int expect_events(const evtchn_port_t *want, unsigned int n)
{
	evtchn_port_t got[8];
	unsigned int i, k = fifo_consume(&fifo, got, ARRAY_SIZE(got));

	CHECK(k == n, "consumed %u events, expected %u (first %u)", k, n, k ? got[0] : 0);
	for (i = 0; i < n; i++)
		CHECK(got[i] == want[i], "event %u was port %u, expected %u", i, got[i], want[i]);
	return TEST_PASS;
}

static int peer(void)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };
	unsigned int i;

	CHECK(fifo_init(&fifo, 0, NULL) == 0, "peer: init_control failed");
	CHECK(fifo_expand(&fifo) == 0, "peer: expand_array failed");
	CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0, "peer: alloc_unbound failed");
	CHECK(set_priority(au.port, 2) == 0, "peer: set_priority failed");
	CHECK(fifo_unmask(&fifo, au.port) == 0, "peer: unmask failed");
	printf("peer: on FIFO, port %u waits for dom0\n", au.port);
	for (i = 0; i < ROUNDS; i++) {
		CHECK(fifo_wait(&fifo, au.port), "peer: round %u never came", i);
		CHECK(evtchn_send(au.port) == 0, "peer: send failed");
	}
	printf("peer: %u rounds done\n", ROUNDS);
	for (;;)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
}

/* A port bound and raised on 2-level moves over to FIFO. */
static int switch_to_fifo(evtchn_port_t *moved)
{
	struct evtchn_expand_array ea = { 0 };
	uint8_t link_bits = 0;
	long rc;

	CHECK(bind_ipi(moved) == 0, "bind_ipi failed");
	CHECK(set_priority(*moved, 3) == -ENOSYS, "set_priority on 2-level gave %ld",
	      set_priority(*moved, 3));
	rc = evtchn_op(EVTCHNOP_expand_array, &ea);
	CHECK(rc == -EOPNOTSUPP, "expand_array on 2-level gave %ld", rc);
	CHECK(evtchn_send(*moved) == 0 && port_pending(*moved), "2-level send failed");

	rc = fifo_init(&fifo, 64, &link_bits);
	CHECK(rc == 0, "init_control gave %ld", rc);
	CHECK(link_bits == EVTCHN_FIFO_LINK_BITS, "link_bits %u", link_bits);
	{
		struct evtchn_init_control again = { fifo.cb_mfn, 128, 0, 0, { 0 } };

		rc = evtchn_op(EVTCHNOP_init_control, &again);
		CHECK(rc == -EINVAL, "a second init_control for vCPU 0 gave %ld", rc);
	}
	CHECK(fifo_expand(&fifo) == 0, "expand_array failed");
	CHECK(fifo_peek(&fifo, *moved) == (FIFO_PENDING | FIFO_MASKED),
	      "the moved port's word is %#x, expected pending and masked",
	      fifo_peek(&fifo, *moved));
	shared->vcpu_info[0].evtchn_upcall_pending = 0;
	CHECK(fifo_unmask(&fifo, *moved) == 0, "unmask failed");
	CHECK(fifo.cb->head[EVTCHN_FIFO_PRIORITY_DEFAULT] == *moved && fifo.cb->ready ==
	      FIFO_BIT(EVTCHN_FIFO_PRIORITY_DEFAULT), "head %u ready %#x after the unmask",
	      fifo.cb->head[EVTCHN_FIFO_PRIORITY_DEFAULT], fifo.cb->ready);
	CHECK(fifo_peek(&fifo, *moved) & FIFO_LINKED, "unmask did not link the event");
	CHECK(shared->vcpu_info[0].evtchn_upcall_pending, "no upcall_pending");
	printf("dom0: on FIFO; port %u moved over, raised, linked on unmask\n", *moved);
	return expect_events(moved, 1);
}

/* Four ports on three queues: highest priority first, FIFO within one. */
static int priorities(void)
{
	static const uint32_t prio[4] = { 12, 7, 3, EVTCHN_FIFO_PRIORITY_DEFAULT };
	evtchn_port_t p[5], want[4];
	unsigned int i;
	int r;

	for (i = 0; i < 5; i++)
		CHECK(bind_ipi(&p[i]) == 0, "bind_ipi failed");
	for (i = 0; i < 3; i++)
		CHECK(set_priority(p[i], prio[i]) == 0, "set_priority(%u, %u) failed", p[i], prio[i]);
	CHECK(set_priority(p[0], 16) == -EINVAL, "priority 16 gave %ld", set_priority(p[0], 16));
	CHECK(evtchn_close(p[4]) == 0, "close failed");
	CHECK(set_priority(p[4], 1) == -EACCES, "set_priority on a closed port gave %ld",
	      set_priority(p[4], 1));
	CHECK(set_priority(0, 1) == -EACCES, "set_priority on port 0 gave %ld",
	      set_priority(0, 1));
	CHECK(set_priority(200000, 1) == -EINVAL, "set_priority on port 200000 gave %ld",
	      set_priority(200000, 1));
	for (i = 0; i < 4; i++) {
		CHECK(fifo_unmask(&fifo, p[i]) == 0, "unmask failed");
		CHECK(evtchn_send(p[i]) == 0, "send failed");
	}
	CHECK(fifo.cb->ready == (FIFO_BIT(3) | FIFO_BIT(7) | FIFO_BIT(12)), "ready %#x",
	      fifo.cb->ready);
	CHECK(fifo.cb->head[7] == p[1] && (fifo_peek(&fifo, p[1]) & EVTCHN_FIFO_LINK_MASK) == p[3],
	      "queue 7: head %u, link %u", fifo.cb->head[7],
	      fifo_peek(&fifo, p[1]) & EVTCHN_FIFO_LINK_MASK);
	want[0] = p[2], want[1] = p[1], want[2] = p[3], want[3] = p[0];
	r = expect_events(want, 4);
	if (r != TEST_PASS)
		return r;
	printf("dom0: priorities 3, 7, 7, 12 delivered in order\n");
	return TEST_PASS;
}

/* A masked event stays pending and unlinked; poll sees it; unmask links it. */
static int masked(void)
{
	struct sched_poll sp = { 0, 1, 0, 0 };
	evtchn_port_t p, free_port, unused[2] = { 0, 0 };
	struct evtchn_unmask um;
	unsigned int i;
	long rc;

	CHECK(bind_ipi(&p) == 0, "bind_ipi failed");
	CHECK(evtchn_send(p) == 0, "send failed");
	CHECK(fifo_peek(&fifo, p) == (FIFO_PENDING | FIFO_MASKED) && !fifo.cb->ready,
	      "masked port: word %#x ready %#x", fifo_peek(&fifo, p), fifo.cb->ready);
	sp.ports = (uint64_t)&p;
	sp.timeout = pvclock_ns() + 5000000000ULL;
	CHECK(hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, &sp) == 0 && pvclock_ns() <
	      sp.timeout, "poll on a pending masked port did not return at once");
	CHECK(bind_ipi(&free_port) == 0 && evtchn_close(free_port) == 0, "bind/close failed");
	/*
	 * A port not in use (closed, below the valid bound; port 0, reserved)
	 * whose word the guest set PENDING|MASKED: unmask gives 0 and leaves
	 * the word and the READY bits alone (Xen 4.17 acts on a port in use
	 * only). The words are put back to MASKED after.
	 */
	unused[0] = free_port;
	for (i = 0; i < 2; i++) {
		*fifo_word(&fifo, unused[i]) = FIFO_PENDING | FIFO_MASKED;
		um.port = unused[i];
		rc = evtchn_op(EVTCHNOP_unmask, &um);
		CHECK(rc == 0, "unmask of unused port %u gave %ld", unused[i], rc);
		CHECK(fifo_peek(&fifo, unused[i]) == (FIFO_PENDING | FIFO_MASKED) &&
		      !fifo.cb->ready, "unused port %u after unmask: word %#x ready %#x",
		      unused[i], fifo_peek(&fifo, unused[i]), fifo.cb->ready);
		*fifo_word(&fifo, unused[i]) = FIFO_MASKED;
	}
	CHECK(fifo_unmask(&fifo, p) == 0, "unmask failed");
	return expect_events(&p, 1);
}

/* Past the 2-level limit; an event raised before its word existed arrives. */
static int many_ports(void)
{
	evtchn_port_t p = 0;
	unsigned int n = 0;

	while (p < MANY_PORTS) {
		long rc = bind_ipi(&p);

		CHECK(rc == 0, "bind_ipi number %u gave %ld", n, rc);
		n++;
	}
	CHECK(fifo_word(&fifo, p) == NULL, "port %u already has a word", p);
	CHECK(evtchn_send(p) == 0, "send to port %u failed", p);
	while (fifo_word(&fifo, p) == NULL)
		CHECK(fifo_expand(&fifo) == 0, "expand_array to page %u failed", fifo.nr_pages);
	CHECK(fifo_peek(&fifo, p) == (FIFO_PENDING | FIFO_MASKED),
	      "port %u: word %#x once its page came", p, fifo_peek(&fifo, p));
	CHECK(fifo_unmask(&fifo, p) == 0, "unmask failed");
	printf("dom0: %u more ports, up to %u; its early event arrived with page %u\n", n, p,
	       fifo.nr_pages);
	return expect_events(&p, 1);
}

static int ping_pong(int peer_id)
{
	struct evtchn_bind_interdomain bi = { (domid_t)peer_id, 0, 1, 0 };
	unsigned int i, tries = 0;
	long rc;

	/* The peer's port 1, once it has moved to FIFO and allocated it. */
	while ((rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi)) == -EINVAL &&
	       peer_wait_more(&tries, 5000))
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	CHECK(rc == 0, "bind_interdomain to d%d gave %ld", peer_id, rc);
	CHECK(fifo_unmask(&fifo, bi.local_port) == 0, "unmask failed");
	CHECK(fifo_wait(&fifo, bi.local_port), "the bind's own event never came");
	for (i = 0; i < ROUNDS; i++) {
		CHECK(evtchn_send(bi.local_port) == 0, "send failed in round %u", i);
		CHECK(fifo_wait(&fifo, bi.local_port), "no answer in round %u", i);
	}
	printf("dom0: %u FIFO round trips with d%d (its port %u)\n", ROUNDS, peer_id,
	       bi.remote_port);
	return TEST_PASS;
}

/* reset: every port closed, 2-level again; init_control works again. */
static int reset(void)
{
	struct evtchn_reset r = { DOMID_SELF };
	evtchn_port_t p;
	long rc;

	CHECK(evtchn_op(EVTCHNOP_reset, &r) == 0, "reset failed");
	rc = expand_array(fifo.page_mfn[0]);
	CHECK(rc == -EOPNOTSUPP, "expand_array after reset gave %ld", rc);
	CHECK(bind_ipi(&p) == 0 && p == 1, "after reset the first port is %u", p);
	port_test_and_clear(p);
	CHECK(evtchn_send(p) == 0 && port_pending(p), "2-level send after reset failed");
	rc = fifo_init(&fifo, 0, NULL);
	CHECK(rc == 0, "init_control after reset gave %ld", rc);
	CHECK(fifo_expand(&fifo) == 0, "expand_array failed");
	printf("dom0: reset to 2-level and back to FIFO\n");
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	evtchn_port_t moved;
	int peer_id, r;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		return peer();
	peer_id = peer_start(si, "role=peer", 16);
	CHECK(peer_id > 0, "the peer domain could not be started (%d)", peer_id);
	if ((r = switch_to_fifo(&moved)) != TEST_PASS || (r = priorities()) != TEST_PASS ||
	    (r = masked()) != TEST_PASS || (r = ping_pong(peer_id)) != TEST_PASS ||
	    (r = many_ports()) != TEST_PASS)
		return r;
	return reset();
}
