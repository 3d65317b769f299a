// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-evtchn-close-race: EVTCHNOP_close of one end of an interdomain
 * channel while another vCPU sends on the other end, and the closed
 * port's number given straight to a new channel. dom0 connects two of
 * its own ports (alloc_unbound for DOMID_SELF, bind_interdomain to it);
 * vCPU 1, on the second CPU, sends on the first end without pause while
 * vCPU 0, each round:
 *   A. waits until the far end B is pending (the sends arrive), closes
 *      B, binds an IPI port (the lowest free number: B's again, most
 *      often) and clears its pending bit; then, for a while, the IPI port
 *      must stay idle: a send through the channel's old end reaching the
 *      port that took B's number is an event raised in a channel the
 *      sender no longer has (Xen 4.17 raises the peer under the sender's
 *      lock, which the close takes).
 *   B. the same with the sending end closed under vCPU 1: the far end,
 *      left unbound, must stay idle once the close returned, and the
 *      sends fail (-EINVAL, a free port) or reach an IPI port of ours
 *      that took the number (answer 0), nothing else.
 *   C. vCPU 1 binds to an unbound port of ours while vCPU 0 closes it
 *      and gives its number to an IPI port: the bind came first (its port
 *      is left unbound by the close) or fails (-EINVAL); the IPI port is
 *      an IPI port (EVTCHNOP_status), never the end of a channel.
 * Then, after the rounds, RAISE_ROUNDS times INNER (D) and VIRQ_ROUNDS
 * times INNER (E):
 *   D. vCPU 1 sends on an IPI port of ours while vCPU 0 closes it and
 *      gives its number to an unbound port: the unbound port must stay
 *      idle (sends on it are dropped). Xen 4.17 raises an IPI under the
 *      port's lock, which the close takes, so a send that found the port
 *      open raises it before the close clears its pending bit. Lamina
 *      raised it after dropping the lock: a close in between left the
 *      freed number pending, and the next port given it started so
 *      (dom0 at --smp 2 failed in its 5th round of the first version).
 *   E. the same with vCPU 1's VIRQ_TIMER port (bound by vCPU 0), raised
 *      by vCPU 1's set_timer_op with a deadline in the past, over and
 *      over: Xen 4.17 raises a VIRQ under the vCPU's virq_lock, which
 *      the close takes; Lamina read the port, then raised it with no
 *      lock (its window is too narrow for this guest to hit under TCG:
 *      unit/event_channel/raise_never_outlives_close shows it).
 * Each closed port's pending bit is cleared by its close (Xen's
 * evtchn_free), so a new port never starts pending. Also
 * bind_vcpu to a vCPU that is down and to one past the domain's
 * (-ENOENT), and unmask, close, status and send of ports past the limit
 * (-EINVAL), as Xen. All of it runs in dom0, then in an unprivileged
 * domU of two vCPUs dom0 builds (lib/peer_smp.h), reporting through its
 * verdict port (port 1, kept open through the rounds).
 * @hvargs: dom0_max_vcpus=2
 * @initrd: self
 * @timeout: 240
 * @timeout-smp: 600
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/peer_smp.h"

#define STACK_SIZE	8192
#define ROUNDS		600
#define WATCH		3000	/* reads of the new port's bit after the close */

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile evtchn_port_t send_port;	/* vCPU 1 sends here while non-zero */
static volatile evtchn_port_t bind_to;		/* ... or binds to it (phase C) */
static volatile unsigned int bind_round, bound_round;
static volatile evtchn_port_t bound_port;	/* the port vCPU 1's bind gave, 0 = none */
static volatile long bind_other;		/* a bind answer other than 0 and -EINVAL */
static volatile bool started, finished;	/* finished: vCPU 1 goes down */
static volatile bool timer_on;			/* vCPU 1 raises its VIRQ_TIMER (phase E) */
static volatile unsigned long idle1;		/* vCPU 1's looks at send_port == 0 */
static volatile unsigned long sends, sends_ok, sends_inval, sends_other;
static volatile long other_rc;
static bool one_cpu;
static unsigned int binds_won;
static char why[VERDICT_LEN];
static domid_t self_id;		/* our domain id: an unbound port left by a close names it */

/* Phase C, vCPU 1: bind to bind_to until it works or the round ends. */
static void vcpu1_bind(void)
{
	unsigned int r = bind_round;
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
	long rc;
	unsigned int i;

	bound_port = 0;
	for (i = 0; i < (r * 13) % 600; i++)	/* sweep the crossing with vCPU 0's delay */
		asm volatile("pause");
	while (bind_to) {
		bi.remote_port = bind_to;
		rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi);
		if (rc == 0) {
			bound_port = bi.local_port;
			break;
		}
		if (rc != -EINVAL)
			bind_other = rc;
	}
	while (bind_to)
		;
	bound_round = r;
}

static void vcpu1(unsigned long id)
{
	(void)id;
	started = true;
	for (;;) {
		evtchn_port_t p = send_port;
		long rc;

		if (finished) {
			/*
			 * Down, not SCHEDOP_block: blocking unmasks events,
			 * and the upcall taken (a fresh vcpu_info starts with
			 * one pending) runs event_entry, which clears vCPU
			 * 0's upcall_pending and selector while vCPU 0 waits
			 * for the peer's verdict.
			 */
			vcpu_op(VCPUOP_down, 1, NULL);
			for (;;)
				asm volatile("pause");
		}
		if (bind_round != bound_round) {
			vcpu1_bind();
			continue;
		}
		if (timer_on) {
			hypercall1(__HYPERVISOR_set_timer_op, 1);	/* due: VIRQ_TIMER */
			if (one_cpu)
				HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			continue;
		}
		if (!p) {
			idle1++;
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			continue;
		}
		rc = evtchn_send(p);
		sends++;
		if (rc == 0)
			sends_ok++;
		else if (rc == -EINVAL)
			sends_inval++;
		else {
			sends_other++;
			other_rc = rc;
		}
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

static long ev_close(evtchn_port_t p)
{
	struct evtchn_close c = { p };

	return evtchn_op(EVTCHNOP_close, &c);
}

/* Two of our ports joined: *u the unbound end, *b the end bound to it. */
static int connect(evtchn_port_t *u, evtchn_port_t *b)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };

	PEER_CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0, "alloc_unbound failed");
	bi.remote_port = au.port;
	PEER_CHECK(evtchn_op(EVTCHNOP_bind_interdomain, &bi) == 0, "bind_interdomain failed");
	*u = au.port;
	*b = bi.local_port;
	return 0;
}

/* Until p is pending (a send of vCPU 1's went through): false after 10 s. */
static bool until_pending(evtchn_port_t p)
{
	uint64_t end = pvclock_ns() + 10000000000ULL;

	while (!port_pending(p)) {
		if (pvclock_ns() > end)
			return false;
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	return true;
}

/* p stays idle for WATCH looks, vCPU 1 sending all along: how many times it was not. */
static unsigned int stray(evtchn_port_t p)
{
	unsigned int i, n = 0;

	for (i = 0; i < WATCH; i++) {
		if (port_test_and_clear(p))
			n++;
		if (one_cpu && !(i % 100))
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	return n;
}

static evtchn_port_t bind_ipi(void)
{
	struct evtchn_bind_ipi bi = { 0, 0 };

	return evtchn_op(EVTCHNOP_bind_ipi, &bi) ? 0 : bi.port;
}

/* Stops vCPU 1's sends and waits until its last one is over. */
static void quiesce(void)
{
	unsigned long seen;

	send_port = 0;
	seen = idle1;
	while (idle1 < seen + 2)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

/* A channel u -> b with vCPU 1 sending on u, and its sends arriving. */
static int sending(unsigned int round, evtchn_port_t *u, evtchn_port_t *b)
{
	if (connect(u, b))
		return -1;
	send_port = *u;
	PEER_CHECK(until_pending(*b), "round %u: no send reached port %u", round, *b);
	return 0;
}

static int close_far_end(unsigned int round)
{
	evtchn_port_t u, b, ipi;
	unsigned int n;

	if (sending(round, &u, &b))
		return -1;
	PEER_CHECK(ev_close(b) == 0, "round %u: close of the far end failed", round);
	PEER_CHECK((ipi = bind_ipi()), "round %u: bind_ipi failed", round);
	PEER_CHECK(!port_test_and_clear(ipi), "round %u: new IPI port %u (closed far end %u) started "
		   "pending", round, ipi, b);
	n = stray(ipi);
	quiesce();
	PEER_CHECK(n == 0, "round %u: IPI port %u (took far end %u's place) raised %u times by sends "
		   "on the old end %u after its close", round, ipi, b, n, u);
	PEER_CHECK(ev_close(ipi) == 0 && ev_close(u) == 0, "round %u: closing failed", round);
	return 0;
}

static int close_sending_end(unsigned int round)
{
	evtchn_port_t u, b, ipi;
	unsigned int n;

	if (sending(round, &u, &b))
		return -1;
	PEER_CHECK(ev_close(u) == 0, "round %u: close of the sending end failed", round);
	port_test_and_clear(b);
	n = stray(b);
	PEER_CHECK(n == 0, "round %u: far end %u raised %u times after the sending end %u closed",
		   round, b, n, u);
	/* The number taken again by an IPI port: vCPU 1's sends now go there (0). */
	PEER_CHECK((ipi = bind_ipi()), "round %u: bind_ipi failed", round);
	PEER_CHECK(!port_test_and_clear(b), "round %u: far end %u pending after bind_ipi", round, b);
	quiesce();
	PEER_CHECK(ev_close(ipi) == 0 && ev_close(b) == 0, "round %u: closing failed", round);
	port_test_and_clear(ipi);
	return 0;
}

static long status_of(evtchn_port_t p, struct evtchn_status *st)
{
	memset(st, 0, sizeof(*st));
	st->dom = DOMID_SELF;
	st->port = p;
	return evtchn_op(EVTCHNOP_status, st);
}

/*
 * Phase C: vCPU 1 binds to our unbound port U while we close U and give
 * its number to an IPI port at once. Its bind either came first (its
 * port is then unbound, left by U's close) or fails (-EINVAL): never a
 * channel to the IPI port or to nothing.
 */
static int bind_against_close(unsigned int round)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_status st;
	evtchn_port_t ipi, l;
	unsigned int i, delay = (round * 7) % 400;

	PEER_CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0, "round %u: alloc_unbound failed", round);
	bind_to = au.port;
	bind_round = round + 1;
	for (i = 0; i < delay; i++)
		asm volatile("pause");
	if (one_cpu && (round & 1))
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	PEER_CHECK(ev_close(au.port) == 0, "round %u: close of U failed", round);
	PEER_CHECK((ipi = bind_ipi()), "round %u: bind_ipi failed", round);
	bind_to = 0;
	while (bound_round != round + 1)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	PEER_CHECK(bind_other == 0, "round %u: a bind gave %ld", round, bind_other);
	PEER_CHECK(status_of(ipi, &st) == 0 && st.status == EVTCHNSTAT_ipi, "round %u: port %u is "
		   "%u, not the IPI port it was bound as", round, ipi, st.status);
	l = bound_port;
	if (l) {
		binds_won++;
		PEER_CHECK(status_of(l, &st) == 0 && st.status == EVTCHNSTAT_unbound &&
			   st.u.unbound.dom == self_id, "round %u: vCPU 1's port %u (bound to U=%u, then "
			   "closed) is %u (dom %u port %u)", round, l, au.port, st.status,
			   st.u.interdomain.dom, st.u.interdomain.port);
		PEER_CHECK(ev_close(l) == 0, "round %u: closing vCPU 1's port failed", round);
	}
	PEER_CHECK(ev_close(ipi) == 0, "round %u: closing the IPI port failed", round);
	return 0;
}

/*
 * Phases D and E: INNER times, a port of vCPU 1's raising (bind() gives
 * it: an IPI port it sends on, or its VIRQ_TIMER it keeps due) closed
 * under it, its number given to an unbound port, which must stay idle;
 * a few looks each (a raise that missed the close lands within them).
 */
#define RAISE_ROUNDS	64
#define VIRQ_ROUNDS	16	/* each a timer raised: slower */
#define INNER		32
#define LOOKS		64

static int close_raising(unsigned int round, const char *what, evtchn_port_t (*bind)(void))
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	evtchn_port_t p;
	unsigned int i, j, n;

	for (i = 0; i < INNER; i++) {
		PEER_CHECK((p = bind()), "round %u: binding the %s port failed", round, what);
		PEER_CHECK(until_pending(p), "round %u: %s port %u not raised", round, what, p);
		PEER_CHECK(ev_close(p) == 0, "round %u: close of the %s port failed", round, what);
		PEER_CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0,
			   "round %u: alloc_unbound failed", round);
		for (j = n = 0; j < LOOKS; j++)
			n += port_test_and_clear(au.port);
		PEER_CHECK(n == 0, "round %u: unbound port %u (after %s port %u's close) raised %u "
			   "times", round, au.port, what, p, n);
		PEER_CHECK(ev_close(au.port) == 0, "round %u: closing failed", round);
	}
	return 0;
}

/* Phase D: an IPI port vCPU 1 sends on. */
static evtchn_port_t ipi_sent(void)
{
	evtchn_port_t p = bind_ipi();

	send_port = p;
	return p;
}

/*
 * Phase E: vCPU 1's VIRQ_TIMER, due over and over. vCPU 1 has no event
 * callback (smp_start_vcpu): its upcalls stay masked, or Xen 4.17 crashes
 * the domU bouncing one to address 0 (a domU's vCPU 1 ran unmasked there).
 */
static evtchn_port_t virq_due(void)
{
	struct evtchn_bind_virq bv = { VIRQ_TIMER, 1, 0 };

	shared->vcpu_info[1].evtchn_upcall_mask = 1;

	if (evtchn_op(EVTCHNOP_bind_virq, &bv))
		return 0;
	timer_on = true;
	return bv.port;
}

static int close_ipi(unsigned int round)
{
	int rc = close_raising(round, "IPI", ipi_sent);

	quiesce();
	return rc;
}

static int close_virq(unsigned int round)
{
	int rc = close_raising(round, "VIRQ", virq_due);

	timer_on = false;
	quiesce();
	return rc;
}

static int limit_rows(void)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_vcpu bv;
	struct evtchn_unmask um;
	struct evtchn_status st = { .dom = DOMID_SELF };
	static const evtchn_port_t past[] = { 4096, 65536, 1U << 17, 0xffffffffU };
	unsigned int i;
	long rc;

	PEER_CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0, "alloc_unbound failed");
	bv.port = au.port;
	bv.vcpu = 1;
	rc = evtchn_op(EVTCHNOP_bind_vcpu, &bv);
	PEER_CHECK(rc == 0, "bind_vcpu to vCPU 1 (down) gave %ld", rc);
	bv.vcpu = 2;
	rc = evtchn_op(EVTCHNOP_bind_vcpu, &bv);
	PEER_CHECK(rc == -ENOENT, "bind_vcpu to vCPU 2 (none) gave %ld", rc);
	bv.vcpu = 0xffffffffU;
	rc = evtchn_op(EVTCHNOP_bind_vcpu, &bv);
	PEER_CHECK(rc == -ENOENT, "bind_vcpu to vCPU 2^32-1 gave %ld", rc);
	PEER_CHECK(ev_close(au.port) == 0, "close failed");
	for (i = 0; i < ARRAY_SIZE(past); i++) {
		um.port = past[i];
		rc = evtchn_op(EVTCHNOP_unmask, &um);
		PEER_CHECK(rc == -EINVAL, "unmask of port %#x gave %ld", past[i], rc);
		rc = ev_close(past[i]);
		PEER_CHECK(rc == -EINVAL, "close of port %#x gave %ld", past[i], rc);
		st.port = past[i];
		rc = evtchn_op(EVTCHNOP_status, &st);
		PEER_CHECK(rc == -EINVAL, "status of port %#x gave %ld", past[i], rc);
		rc = evtchn_send(past[i]);
		PEER_CHECK(rc == -EINVAL, "send on port %#x gave %ld", past[i], rc);
	}
	return 0;
}

static const char *body(struct start_info *si, bool one)
{
	uint64_t t, t_ipi, t_virq;
	unsigned int r;
	long rc;

	one_cpu = one;
	rc = evtchn_own_domid();
	BODY_CHECK(rc >= 0, "finding our domain id gave %ld", rc);
	self_id = (domid_t)rc;
	if (limit_rows())
		return why;
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu);
	BODY_CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (r = 0; r < ROUNDS; r++) {
		if (close_far_end(r) || close_sending_end(r) || bind_against_close(r))
			return why;
	}
	t = pvclock_ns();
	for (r = 0; r < RAISE_ROUNDS; r++)
		if (close_ipi(r))
			return why;
	t_ipi = pvclock_ns() - t;
	for (r = 0; r < VIRQ_ROUNDS; r++)
		if (close_virq(r))
			return why;
	t_virq = pvclock_ns() - t - t_ipi;
	send_port = 0;
	finished = true;
	BODY_CHECK(sends_other == 0, "%lu sends gave neither 0 nor -EINVAL (last %ld)",
		   sends_other, other_rc);
	printf("%s: %u rounds, %lu sends by vCPU 1: %lu answered 0, %lu -EINVAL; %u binds came "
	       "before the close; %u IPI and %u VIRQ ports closed raising (%lu, %lu ms)\n",
	       si->flags & SIF_INITDOMAIN ? "dom0" : "domU", ROUNDS, sends, sends_ok, sends_inval,
	       binds_won, RAISE_ROUNDS * INNER, VIRQ_ROUNDS * INNER,
	       (unsigned long)(t_ipi / 1000000), (unsigned long)(t_virq / 1000000));
	return NULL;
}

int test_main(struct start_info *si)
{
	return verdict_test_smp(si, body);
}
