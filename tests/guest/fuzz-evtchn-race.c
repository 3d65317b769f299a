// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz-evtchn-race: the vCPUs of one domain fuzz the event channel code
 * (event_channel.c, evtchn_fifo.c, sched.c's poll) on one small set of
 * ports at the same time, as fuzz-race does for page types.
 *
 * 2-4 vCPUs (one a CPU, at most 4) each loop over random actions with a
 * generator of their own, on ports 1 .. NPORTS (half the ports drawn
 * among the first HOT):
 *
 *   alloc_unbound for the domain itself or for dom0; bind_interdomain to
 *   one of the domain's own ports (loopback), now and then to dom0's;
 *   bind_ipi, bind_virq (VIRQ_TIMER and VIRQ_DEBUG on any vCPU, the
 *   global VIRQ_CONSOLE and VIRQ_DOM_EXC on vCPU 0, or wrongly), bind_vcpu,
 *   close, send, unmask, status, set_priority; a one-shot timer of the
 *   vCPU's own (its VIRQ_TIMER port fires); SCHEDOP_poll on one to three
 *   ports with a timeout (past or 10-90 us ahead); EVTCHNOP_reset of the
 *   domain itself, rarely; VCPUOP_register_vcpu_info of a vCPU but 0 for
 *   itself, on a page of its own (once takes, later ones are refused);
 *   multicalls of 2-4 of the port calls; bursts, one action on one port
 *   8-32 times running (in FIFO rounds a third of them expand_array, or a
 *   reset and init_control, over and over). In FIFO rounds also
 *   init_control (any vCPU's
 *   block, mostly on its own page), expand_array with one of the shared
 *   array pages, and raw writes of the guest's own event words and
 *   control blocks (MASKED, PENDING, LINKED with a random LINK, a random
 *   HEAD or READY): the hypervisor must cope with what the guest writes.
 *   Rounds alternate: even ones stay in the 2-level ABI, odd ones start
 *   with vCPU 0 moving the domain to FIFO (a reset in them goes back to
 *   2-level until an init_control moves it again).
 *
 * No answer is checked against a model (they depend on the interleaving),
 * only what holds whatever it is:
 *
 *  1. every answer is 0 or an error Xen gives (fuzz_answer_ok: no positive
 *     value, no internal code); a port answered is 1 .. MAX_PORT;
 *  2. no vCPU takes a fault (the library fails the test on any trap; the
 *     vCPUs keep their events masked, SCHEDOP_poll does not need them);
 *  3. at each round's end, all vCPUs at a barrier, vCPU 0 asks
 *     EVTCHNOP_status of every port up to the highest handed out: each
 *     answers, its state is one this guest can make, its vCPU is one the
 *     domain has, an unbound port waits for the domain or dom0, an
 *     interdomain port's peer is one of ours bound back to it, and no two
 *     ports hold one VIRQ of one vCPU;
 *  4. then vCPU 0 resets the domain: every such port is closed, in a
 *     2-level round no pending bit of the 2-level array is left, and a new
 *     IPI port is port 1, not pending until a send, and not pending
 *     after its close. (In a FIFO round the guest clears the 2-level array
 *     itself after the reset: Xen 4.17 copies 2-level pending bits into
 *     the FIFO words at init_control and leaves them set, and a close
 *     clears only the FIFO word, so bits from before the switch are
 *     still there when the reset goes back to 2-level.)
 *
 * The bursts of FIFO churn are what makes it find a race of that kind:
 * with expand_array's look at the FIFO state put back before the lock
 * (XSA-505, attack-evtchn-reset) it passed 4 of 4 runs at --smp 2
 * without them; with them the hypervisor took a #PF in
 * evtchn_fifo_expand_array in 3 of 4, each within its first seconds.
 *
 * The frame audit runs when each domain ends (the runner fails a test
 * whose audit failed). dom0 runs the rounds, then an unprivileged domU of
 * four vCPUs (as many used as there are CPUs, at least two; lib/peer_smp.h)
 * runs them on its own ports: that is the attacker that matters. Its
 * resets close every port it has, so it offers its verdict port only
 * after its rounds (verdict_test_smp_after). `seed=` (the peer's is
 * seed + 1000), `rounds=` rounds of STEPS actions a vCPU, `stats=1`.
 * @hvargs: dom0_max_vcpus=4
 * @initrd: self
 * @cmdline: seed=1 rounds=10
 * @expect-log: mm audit d0: ok
 * @timeout-smp: 300
 */
#define PEER_SMP_VCPUS	4
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/events.h"
#include "lib/fifo.h"
#include "lib/fuzz.h"
#include "lib/peer_smp.h"
#include <lamina/sched.h>

#define NV_MAX		4	/* vCPUs at most (the domain has NV_MAX) */
#define NPORTS		40	/* ports the actions name: 1 .. NPORTS */
#define HOT		6	/* of which the first HOT drawn half the time */
#define MAX_PORT	4095	/* the highest port an answer may name (2-level) */
#define ARRAY_PAGES	3	/* event array pages, shared */
#define STEPS		150	/* actions a vCPU a round */
#define MC_MAX		4	/* multicall entries */
#define STACK_SIZE	8192

union evtchn_arg {
	struct evtchn_alloc_unbound au;
	struct evtchn_bind_interdomain bi;
	struct evtchn_bind_virq bv;
	struct evtchn_bind_ipi ipi;
	struct evtchn_bind_vcpu bvc;
	struct evtchn_close cl;
	struct evtchn_send sd;
	struct evtchn_unmask um;
	struct evtchn_status st;
	struct evtchn_set_priority sp;
	struct evtchn_reset rs;
	struct evtchn_init_control ic;
	struct evtchn_expand_array ea;
};

struct vcpu_state {
	uint64_t rng;
	uint64_t cb_va;			/* its FIFO control block page */
	uint64_t vi_va;			/* its vcpu_info page (vCPUs but 0) */
	union evtchn_arg arg[MC_MAX];
	int cmd[MC_MAX];
	struct multicall_entry mc[MC_MAX];
	evtchn_port_t poll_ports[3];
	struct fuzz_tally t;		/* its answers */
	volatile bool started;
};

static uint8_t stacks[NV_MAX][STACK_SIZE] __attribute__((aligned(16)));
static struct vcpu_state vs[NV_MAX];
static uint64_t array_va[ARRAY_PAGES];
static unsigned int nv, rounds;
static bool one_cpu, fifo_round;
static domid_t self_id;
static volatile bool stop;
static volatile unsigned int bar_count, bar_gen;
static volatile evtchn_port_t top;	/* the highest port handed out this round */
static unsigned long seed;

/* ------------------------------------------------------------ checks */

static void bad(struct vcpu_state *v, const char *what, long rc)
{
	fuzz_bad(&v->t, what, rc);
	stop = true;
}

/* `stats=1`: calls and zero answers by action, printed at the end. */
static struct fuzz_stat stats[40];
static bool want_stats;

static long answer(struct vcpu_state *v, const char *what, long rc)
{
	if (want_stats)
		fuzz_stat_count(stats, ARRAY_SIZE(stats), what, rc);
	if (!fuzz_count(&v->t, what, rc, false))
		stop = true;
	return rc;
}

/* A port handed out by an answer 0: in range, and counted for the round's end. */
static void port_out(struct vcpu_state *v, const char *what, evtchn_port_t p)
{
	evtchn_port_t t = top;

	if (p < 1 || p > MAX_PORT) {
		bad(v, what, (long)p);
		return;
	}
	while (p > t && !__atomic_compare_exchange_n(&top, &t, p, false, __ATOMIC_ACQ_REL,
						     __ATOMIC_RELAXED))
		;
}

/* ------------------------------------------------------------ helpers */

static uint64_t rnd(struct vcpu_state *v)
{
	return fuzz_next(&v->rng);
}

static unsigned int below(struct vcpu_state *v, unsigned int n)
{
	return (unsigned int)(rnd(v) % n);
}

/* A port: half the time one of the first HOT; now and then 0 or past the set. */
static evtchn_port_t pick(struct vcpu_state *v)
{
	unsigned int r = below(v, 64);

	if (r == 0)
		return 0;
	if (r == 1)
		return NPORTS + 1 + below(v, 200);
	return 1 + below(v, below(v, 2) ? HOT : NPORTS);
}

/* A vCPU id: mostly one running, now and then one the domain lacks. */
static uint32_t pick_vcpu(struct vcpu_state *v)
{
	return below(v, 16) ? below(v, nv) : below(v, 2 * NV_MAX);
}

static void barrier(void)
{
	fuzz_barrier(&bar_count, &bar_gen, nv);
}

/* ------------------------------------------------------------ port calls */

enum { OP_ALLOC, OP_BIND_LOOP, OP_IPI, OP_VIRQ, OP_BIND_VCPU, OP_CLOSE, OP_SEND, OP_UNMASK,
       OP_STATUS, OP_PRIORITY, NR_PORT_OPS };
static const char *const op_name[NR_PORT_OPS] = {
	"alloc_unbound", "bind_interdomain", "bind_ipi", "bind_virq", "bind_vcpu", "close",
	"send", "unmask", "status", "set_priority",
};

/* Fills *a for port call op on random ports; the EVTCHNOP_ command. */
static int fill(struct vcpu_state *v, unsigned int op, union evtchn_arg *a, evtchn_port_t p)
{
	static const uint32_t virqs[] = { VIRQ_TIMER, VIRQ_TIMER, VIRQ_DEBUG, VIRQ_CONSOLE,
					  VIRQ_DOM_EXC };

	memset(a, 0, sizeof(*a));
	switch (op) {
	case OP_ALLOC:
		a->au.dom = DOMID_SELF;
		a->au.remote_dom = below(v, 3) ? DOMID_SELF : below(v, 2) ? self_id : 0;
		return EVTCHNOP_alloc_unbound;
	case OP_BIND_LOOP:
		a->bi.remote_dom = below(v, 12) ? (below(v, 2) ? DOMID_SELF : self_id) : 0;
		a->bi.remote_port = p;
		return EVTCHNOP_bind_interdomain;
	case OP_IPI:
		a->ipi.vcpu = pick_vcpu(v);
		return EVTCHNOP_bind_ipi;
	case OP_VIRQ:
		a->bv.virq = virqs[below(v, ARRAY_SIZE(virqs))];
		a->bv.vcpu = a->bv.virq >= VIRQ_CONSOLE && below(v, 4) ? 0 : pick_vcpu(v);
		return EVTCHNOP_bind_virq;
	case OP_BIND_VCPU:
		a->bvc.port = p;
		a->bvc.vcpu = pick_vcpu(v);
		return EVTCHNOP_bind_vcpu;
	case OP_CLOSE:
	case OP_SEND:
	case OP_UNMASK:		/* each argument is the port alone */
		a->cl.port = p;
		return op == OP_CLOSE ? EVTCHNOP_close : op == OP_SEND ? EVTCHNOP_send :
		       EVTCHNOP_unmask;
	case OP_STATUS:
		a->st.dom = DOMID_SELF;
		a->st.port = p;
		return EVTCHNOP_status;
	default:
		a->sp.port = p;
		a->sp.priority = below(v, 17);		/* 16: out of range */
		return EVTCHNOP_set_priority;
	}
}

/* The port a call answered 0 hands out, or 0 for a call that hands none. */
static evtchn_port_t port_of(unsigned int op, const union evtchn_arg *a)
{
	switch (op) {
	case OP_ALLOC:
		return a->au.port;
	case OP_BIND_LOOP:
		return a->bi.local_port;
	case OP_IPI:
		return a->ipi.port;
	case OP_VIRQ:
		return a->bv.port;
	}
	return 0;
}

static void port_call(struct vcpu_state *v, unsigned int op, evtchn_port_t p)
{
	union evtchn_arg *a = &v->arg[0];
	int cmd = fill(v, op, a, p);

	if (!answer(v, op_name[op], evtchn_op(cmd, a)) && port_of(op, a))
		port_out(v, op_name[op], port_of(op, a));
}

/* Two to four port calls in one multicall. */
static void act_multicall(struct vcpu_state *v)
{
	unsigned int n = 2 + below(v, MC_MAX - 1), i, op[MC_MAX];
	long rc;

	memset(v->mc, 0, sizeof(v->mc));
	for (i = 0; i < n; i++) {
		op[i] = below(v, NR_PORT_OPS);
		v->mc[i].op = __HYPERVISOR_event_channel_op;
		v->mc[i].args[0] = (uint64_t)fill(v, op[i], &v->arg[i], pick(v));
		v->mc[i].args[1] = (uint64_t)&v->arg[i];
	}
	rc = hypercall2(__HYPERVISOR_multicall, v->mc, n);
	v->t.calls++;
	if (rc)
		bad(v, "multicall", rc);
	for (i = 0; i < n; i++)
		if (!answer(v, "multicall entry", (long)v->mc[i].result) && port_of(op[i], &v->arg[i]))
			port_out(v, "multicall entry's port", port_of(op[i], &v->arg[i]));
}

/* SCHEDOP_poll on one to three ports, the timeout past or 10-90 us ahead. */
static void act_poll(struct vcpu_state *v)
{
	struct sched_poll sp = { (uint64_t)v->poll_ports, 1 + below(v, 3), 0, 1 };
	unsigned int i;

	for (i = 0; i < sp.nr_ports; i++)
		v->poll_ports[i] = pick(v);
	if (below(v, 2))
		sp.timeout = pvclock_ns() + 10000 * (1 + below(v, 9));
	answer(v, "poll", HYPERVISOR_sched_op(SCHEDOP_poll, &sp));
}

/* A one-shot timer of the vCPU's own, now or soon: its VIRQ_TIMER port fires. */
static void act_timer(struct vcpu_state *v, unsigned int me)
{
	struct vcpu_set_singleshot_timer t = { pvclock_ns() + 5000 * below(v, 20), 0, 0 };

	answer(v, "set_singleshot_timer", vcpu_op(VCPUOP_set_singleshot_timer, me, &t));
}

static void act_reset(struct vcpu_state *v)
{
	struct evtchn_reset r = { below(v, 2) ? DOMID_SELF : self_id };

	answer(v, "reset", evtchn_op(EVTCHNOP_reset, &r));
}

/* register_vcpu_info for the vCPU itself (not 0, whose time the guest reads). */
static void act_vcpu_info(struct vcpu_state *v, unsigned int me)
{
	struct vcpu_register_vcpu_info ri = { va_to_mfn(v->vi_va), 64 * below(v, 4), 0 };

	if (me)
		answer(v, "register_vcpu_info", vcpu_op(VCPUOP_register_vcpu_info, me, &ri));
}

/* ------------------------------------------------------------ FIFO */

static void act_init_control(struct vcpu_state *v, unsigned int me)
{
	uint32_t vcpu = below(v, 4) ? me : pick_vcpu(v);
	uint64_t va = below(v, 8) ? vs[vcpu < nv ? vcpu : me].cb_va : array_va[below(v, ARRAY_PAGES)];
	struct evtchn_init_control ic = { va_to_mfn(va), below(v, 8) ? 0 : 8 * below(v, 520),
					  vcpu, 0, { 0 } };

	answer(v, "init_control", evtchn_op(EVTCHNOP_init_control, &ic));
}

static void act_expand(struct vcpu_state *v)
{
	struct evtchn_expand_array ea = { va_to_mfn(array_va[below(v, ARRAY_PAGES)]) };

	answer(v, "expand_array", evtchn_op(EVTCHNOP_expand_array, &ea));
}

/* The guest's own FIFO words and blocks, written as a careless guest might. */
static void act_words(struct vcpu_state *v)
{
	volatile event_word_t *w = (volatile event_word_t *)array_va[below(v, ARRAY_PAGES)];
	volatile struct evtchn_fifo_control_block *cb;
	evtchn_port_t p = pick(v) % EVTCHN_FIFO_WORDS_PER_PAGE;

	switch (below(v, 6)) {
	case 0:
		__atomic_fetch_or(&w[p], FIFO_MASKED, __ATOMIC_SEQ_CST);
		break;
	case 1:
		__atomic_fetch_and(&w[p], ~FIFO_MASKED, __ATOMIC_SEQ_CST);
		break;
	case 2:
		__atomic_fetch_and(&w[p], ~(FIFO_PENDING | FIFO_LINKED), __ATOMIC_SEQ_CST);
		break;
	case 3:
		w[p] = FIFO_PENDING | FIFO_LINKED | pick(v);
		break;
	case 4:
		w[p] = (event_word_t)rnd(v);
		break;
	default:
		cb = (volatile struct evtchn_fifo_control_block *)vs[below(v, nv)].cb_va;
		if (below(v, 2))
			cb->head[below(v, EVTCHN_FIFO_MAX_QUEUES)] = below(v, 2) ? pick(v) :
								     (uint32_t)rnd(v);
		else
			cb->ready = (uint32_t)rnd(v);
	}
}

/*
 * One action on one port, 8-32 times running; in a FIFO round a third of
 * the bursts are the FIFO state's own churn instead: expand_array over
 * and over, or the domain reset and this vCPU's block set up again, so
 * that a reset meets another vCPU's FIFO call far more often.
 */
static void act_burst(struct vcpu_state *v, unsigned int me)
{
	unsigned int n = 8 + below(v, 25), op = below(v, NR_PORT_OPS), how = below(v, 6), i;
	evtchn_port_t p = pick(v);

	for (i = 0; i < n && !stop; i++) {
		if (!fifo_round || how > 1) {
			port_call(v, op, p);
		} else if (how == 0) {
			act_expand(v);
		} else {
			act_reset(v);
			act_init_control(v, me);
		}
	}
}

/* ------------------------------------------------------------ a step */

static void step(struct vcpu_state *v, unsigned int me)
{
	unsigned int r = below(v, 110);

	if (r < 80) {
		port_call(v, r / 8 < NR_PORT_OPS ? r / 8 : OP_SEND, pick(v));
	} else if (r < 86) {
		act_multicall(v);
	} else if (r < 90) {
		act_burst(v, me);
	} else if (r < 93) {
		act_poll(v);
	} else if (r < 95) {
		act_timer(v, me);
	} else if (r == 95) {
		if (!below(v, 3))
			act_reset(v);
	} else if (r == 96) {
		if (!below(v, 4))
			act_vcpu_info(v, me);
	} else if (!fifo_round) {
		port_call(v, r & 1 ? OP_SEND : OP_CLOSE, pick(v));
	} else if (r < 100) {
		act_init_control(v, me);
	} else if (r < 103) {
		act_expand(v);
	} else {
		act_words(v);
	}
}

/* ------------------------------------------------------------ quiescent points */

static char why[VERDICT_LEN];

static long status_of(evtchn_port_t p, struct evtchn_status *st)
{
	memset(st, 0, sizeof(*st));
	st->dom = DOMID_SELF;
	st->port = p;
	return evtchn_op(EVTCHNOP_status, st);
}

/* Invariant 3: every port up to top, all vCPUs at the barrier. */
static const char *check_ports(void)
{
	struct evtchn_status st, peer;
	evtchn_port_t p, virq_port[4][NV_MAX] = { { 0 } };
	unsigned int idx;
	long rc;

	for (p = 1; p <= top; p++) {
		rc = status_of(p, &st);
		BODY_CHECK(rc == 0, "status of port %u, handed out this round, gave %ld", p, rc);
		BODY_CHECK(st.vcpu < NV_MAX, "port %u: status %u on vCPU %u, past the domain's %u",
			   p, st.status, st.vcpu, NV_MAX);
		switch (st.status) {
		case EVTCHNSTAT_closed:
		case EVTCHNSTAT_ipi:
			break;
		case EVTCHNSTAT_unbound:
			BODY_CHECK(st.u.unbound.dom == self_id || st.u.unbound.dom == 0,
				   "port %u unbound for domain %u, neither us (%u) nor dom0", p,
				   st.u.unbound.dom, self_id);
			break;
		case EVTCHNSTAT_interdomain:
			BODY_CHECK(st.u.interdomain.dom == self_id, "port %u bound to domain %u's port %u",
				   p, st.u.interdomain.dom, st.u.interdomain.port);
			rc = status_of(st.u.interdomain.port, &peer);
			BODY_CHECK(rc == 0 && peer.status == EVTCHNSTAT_interdomain &&
				   peer.u.interdomain.dom == self_id && peer.u.interdomain.port == p,
				   "port %u bound to our port %u, which is (%ld) status %u to %u:%u", p,
				   st.u.interdomain.port, rc, peer.status, peer.u.interdomain.dom,
				   peer.u.interdomain.port);
			break;
		case EVTCHNSTAT_virq:
			idx = st.u.virq == VIRQ_TIMER ? 0 : st.u.virq == VIRQ_DEBUG ? 1 :
			      st.u.virq == VIRQ_CONSOLE ? 2 : st.u.virq == VIRQ_DOM_EXC ? 3 : 4;
			BODY_CHECK(idx < 4, "port %u bound to VIRQ %u, never asked for", p, st.u.virq);
			/* a global VIRQ is vCPU 0's whichever vCPU bind_vcpu gave it */
			BODY_CHECK(!virq_port[idx][idx < 2 ? st.vcpu : 0],
				   "ports %u and %u both bound to VIRQ %u of vCPU %u",
				   virq_port[idx][idx < 2 ? st.vcpu : 0], p, st.u.virq, st.vcpu);
			virq_port[idx][idx < 2 ? st.vcpu : 0] = p;
			break;
		default:
			BODY_CHECK(0, "port %u in status %u, one this guest never makes", p, st.status);
		}
	}
	return NULL;
}

static bool any_pending_2l(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(shared->evtchn_pending); i++)
		if (__atomic_load_n(&shared->evtchn_pending[i], __ATOMIC_SEQ_CST))
			return true;
	return false;
}

/* Invariant 4: after a reset every port is closed, and a new one fires only when sent to. */
static const char *reset_and_check(void)
{
	struct evtchn_reset r = { DOMID_SELF };
	struct evtchn_bind_ipi ipi = { 0, 0 };
	struct evtchn_close cl;
	struct evtchn_status st;
	evtchn_port_t p;
	long rc;

	BODY_CHECK((rc = evtchn_op(EVTCHNOP_reset, &r)) == 0, "the round's last reset gave %ld", rc);
	for (p = 1; p <= top; p++) {
		rc = status_of(p, &st);
		BODY_CHECK(rc == 0 && st.status == EVTCHNSTAT_closed,
			   "port %u after the reset: status %u (%ld), not closed", p, st.status, rc);
	}
	if (fifo_round)		/* bits from before init_control (see the top) */
		memset((void *)shared->evtchn_pending, 0, sizeof(shared->evtchn_pending));
	BODY_CHECK(!any_pending_2l(), "pending bits left after the reset of a 2-level round");
	BODY_CHECK((rc = evtchn_op(EVTCHNOP_bind_ipi, &ipi)) == 0 && ipi.port == 1,
		   "bind_ipi after the reset gave %ld, port %u (not 1)", rc, ipi.port);
	BODY_CHECK(!port_pending(1), "port 1, just bound, is pending");
	BODY_CHECK(evtchn_send(1) == 0 && port_pending(1), "port 1 not pending after a send");
	cl.port = 1;
	BODY_CHECK((rc = evtchn_op(EVTCHNOP_close, &cl)) == 0, "closing port 1 gave %ld", rc);
	BODY_CHECK(!any_pending_2l(), "port 1's pending bit outlived its close");
	top = 0;
	return NULL;
}

/* The round's start in FIFO: vCPU 0's block and one array page (the domain is 2-level). */
static const char *fifo_start(void)
{
	struct evtchn_init_control ic = { va_to_mfn(vs[0].cb_va), 0, 0, 0, { 0 } };
	struct evtchn_expand_array ea = { va_to_mfn(array_va[0]) };
	unsigned int i, k;
	long rc;

	for (i = 0; i < ARRAY_PAGES; i++)
		for (k = 0; k < EVTCHN_FIFO_WORDS_PER_PAGE; k++)
			((volatile event_word_t *)array_va[i])[k] = FIFO_MASKED;
	for (i = 0; i < nv; i++)
		memset((void *)vs[i].cb_va, 0, 4096);
	BODY_CHECK((rc = evtchn_op(EVTCHNOP_init_control, &ic)) == 0,
		   "init_control after a reset gave %ld", rc);
	BODY_CHECK((rc = evtchn_op(EVTCHNOP_expand_array, &ea)) == 0,
		   "expand_array after init_control gave %ld", rc);
	return NULL;
}

static const char *vcpu_rounds(unsigned int me)
{
	struct vcpu_state *v = &vs[me];
	const char *fail = NULL;
	unsigned int r, s;

	for (r = 0; r < rounds; r++) {
		if (me == 0) {
			fifo_round = r & 1;
			if (fifo_round && !fail && (fail = fifo_start()))
				stop = true;
		}
		barrier();
		for (s = 0; s < STEPS && !stop; s++)
			step(v, me);
		barrier();
		if (me == 0 && !fail && (fail = check_ports()))
			stop = true;
		if (me == 0 && !fail && (fail = reset_and_check()))
			stop = true;
		barrier();
	}
	return fail;
}

static void vcpu_entry(unsigned long id)
{
	shared->vcpu_info[id].evtchn_upcall_mask = 1;
	vs[id].started = true;
	vcpu_rounds((unsigned int)id);
	/*
	 * Down, not SCHEDOP_block: blocking unmasks events, and the upcall
	 * (event_entry) would clear vCPU 0's upcall_pending while vCPU 0
	 * waits for the peer's verdict.
	 */
	vcpu_op(VCPUOP_down, (unsigned int)id, NULL);
	for (;;)
		asm volatile("pause");
}

/* ------------------------------------------------------------ setup */

static unsigned int cpus_of(struct start_info *si)
{
	struct sysctl pi;

	if (!(si->flags & SIF_INITDOMAIN))
		return (unsigned int)cmdline_number((const char *)si->cmd_line, "cpus=", 1);
	return physinfo(&pi) == 0 ? pi.u.physinfo.nr_cpus : 1;
}

/* The pages, each vCPU's generator, and a domain with no port bound. */
static const char *setup(void)
{
	struct evtchn_reset r = { DOMID_SELF };
	unsigned int i;
	long id;

	id = evtchn_own_domid();
	BODY_CHECK(id >= 0, "no domain id of our own (%ld)", id);
	self_id = (domid_t)id;
	for (i = 0; i < ARRAY_PAGES; i++)
		array_va[i] = array_va[i] ? array_va[i] : scratch_page();
	for (i = 0; i < nv; i++) {
		vs[i].rng = (seed + 1) * 0x9e3779b97f4a7c15ULL + i * 0x5851f42d4c957f2dULL + 1;
		vs[i].cb_va = vs[i].cb_va ? vs[i].cb_va : scratch_page();
		vs[i].vi_va = vs[i].vi_va ? vs[i].vi_va : scratch_page();
	}
	BODY_CHECK(evtchn_op(EVTCHNOP_reset, &r) == 0, "the first reset failed");
	memset((void *)shared->evtchn_pending, 0, sizeof(shared->evtchn_pending));
	top = 0;
	return NULL;
}

static const char *body(struct start_info *si, bool one)
{
	unsigned int cpus = cpus_of(si), i;
	unsigned long calls = 0, zero = 0;
	uint8_t mask0 = shared->vcpu_info[0].evtchn_upcall_mask;
	const char *fail;
	long rc;

	one_cpu = one;
	nv = cpus < 2 ? 2 : cpus > NV_MAX ? NV_MAX : cpus;
	seed = cmdline_number((const char *)si->cmd_line, "seed=", 1);
	rounds = (unsigned int)cmdline_number((const char *)si->cmd_line, "rounds=", 10);
	want_stats = cmdline_number((const char *)si->cmd_line, "stats=", 0);
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	if ((fail = setup()))
		return fail;
	for (i = 1; i < nv; i++) {
		rc = smp_start_vcpu(si, i, vcpu_entry, stacks[i], STACK_SIZE);
		BODY_CHECK(rc == 0, "starting vCPU %u gave %ld", i, rc);
		while (!vs[i].started)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		BODY_CHECK(one || !(si->flags & SIF_INITDOMAIN) || smp_pin_vcpu(i, i % cpus) == 0,
			   "pinning vCPU %u failed", i);
	}
	BODY_CHECK(one || !(si->flags & SIF_INITDOMAIN) || smp_pin_vcpu(0, 0) == 0,
		   "pinning vCPU 0 failed");
	fail = vcpu_rounds(0);
	/* A failed round skips its reset: the domain back to 2-level, no port left (the verdict's) */
	evtchn_op(EVTCHNOP_reset, &(struct evtchn_reset){ DOMID_SELF });
	memset((void *)shared->evtchn_pending, 0, sizeof(shared->evtchn_pending));
	shared->vcpu_info[0].evtchn_upcall_mask = mask0;
	for (i = 0; i < nv; i++) {
		calls += vs[i].t.calls;
		zero += vs[i].t.zero;
		BODY_CHECK(!vs[i].t.bad_what, "seed=%lu vCPU %u call %lu (%s) answered %ld", seed, i,
			   vs[i].t.bad_call, vs[i].t.bad_what, vs[i].t.bad_rc);
	}
	if (fail)
		return fail;
	if (want_stats)
		fuzz_stats_print("fuzz-evtchn-race", stats, ARRAY_SIZE(stats));
	printf("fuzz-evtchn-race: seed=%lu, %u vCPUs, %u rounds of %u steps: %lu calls (%lu answered 0), invariants held\n",
	       seed, nv, rounds, STEPS, calls, zero);
	return NULL;
}

int test_main(struct start_info *si)
{
	static char args[40];

	snprintf(args, sizeof(args), "seed=%lu rounds=%lu",
		 cmdline_number((const char *)si->cmd_line, "seed=", 1) + 1000,
		 cmdline_number((const char *)si->cmd_line, "rounds=", 10));
	peer_smp_args = args;
	peer_smp_offer_granted = true;	/* its ports for dom0 are no offer */
	return verdict_test_smp_after(si, body);
}
