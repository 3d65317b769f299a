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
 *  1. every answer is 0 or one of the errors Xen 4.17 can give that
 *     call (op_errs[] for the port calls, E_RESET ... for the others,
 *     each error with the Xen function that returns it); a wrong one
 *     fails the test with the call, its arguments and the answer; a port
 *     answered is 1 .. MAX_PORT;
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
 *  5. every call returns: no 30 s pass without an answer to any vCPU
 *     while one waits at a barrier (or, with a spare vCPU, at all;
 *     lib/fuzz.h's watchdog), else the test fails naming the vCPUs that
 *     did not come and what each was doing (`hang=` stops one on
 *     purpose, docs/testing.md).
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
	struct fuzz_vcpu f;		/* generator, tally (its answers), the run */
	uint64_t cb_va;			/* its FIFO control block page */
	uint64_t vi_va;			/* its vcpu_info page (vCPUs but 0) */
	union evtchn_arg arg[MC_MAX];
	int cmd[MC_MAX];
	struct multicall_entry mc[MC_MAX];
	evtchn_port_t poll_ports[3];
};

static uint8_t stacks[NV_MAX][STACK_SIZE] __attribute__((aligned(16)));
static struct vcpu_state vs[NV_MAX];
static uint64_t array_va[ARRAY_PAGES];
static unsigned int nv, rounds;
static bool fifo_round;
static domid_t self_id;
static volatile uint32_t stop;
static volatile unsigned int bar_count, bar_gen;
static volatile evtchn_port_t top;	/* the highest port handed out this round */
static unsigned long seed;

enum { OP_ALLOC, OP_BIND_LOOP, OP_IPI, OP_VIRQ, OP_BIND_VCPU, OP_CLOSE, OP_SEND, OP_UNMASK,
       OP_STATUS, OP_PRIORITY, NR_PORT_OPS };
static const char *const op_name[NR_PORT_OPS] = {
	"alloc_unbound", "bind_interdomain", "bind_ipi", "bind_virq", "bind_vcpu", "close",
	"send", "unmask", "status", "set_priority",
};

/* ------------------------------------------------------------ answers */

/*
 * The answers each call may give besides 0 on Xen 4.17 for what this
 * guest passes (xen/common/event_channel.c unless said otherwise; ports
 * drawn from 0 .. NPORTS + 200, vCPU ids from 0 .. 2 * NV_MAX - 1, both
 * domains named alive, no XSM policy refusing):
 *
 *  alloc_unbound      -ENOSPC (get_free_port: none free), -ENOMEM
 *                     (evtchn_allocate_port: a new bucket not allocated)
 *  bind_interdomain   -EINVAL (the remote port not there, not unbound or
 *                     not for us), and as alloc_unbound
 *  bind_ipi           -ENOENT (domain_vcpu: no such vCPU), as alloc_unbound
 *  bind_virq          -EINVAL (a global VIRQ on a vCPU but 0), -ENOENT,
 *                     -EEXIST (that vCPU's VIRQ bound already), as
 *                     alloc_unbound
 *  bind_vcpu          -ENOENT, -EINVAL (no such port, or not of a kind
 *                     bind_vcpu moves)
 *  close, send, unmask, status   -EINVAL (no such port, or one in no
 *                     state the op serves)
 *  set_priority       -EINVAL (no such port; fifo: priority 16),
 *                     -ENOSYS (2-level: no set_priority op, event_channel.h
 *                     evtchn_port_set_priority), -EACCES (a port not usable)
 *  reset              -EBUSY (another vCPU's reset under way), -EAGAIN
 *                     (a port bound again meanwhile: active > xen_evtchns)
 *  init_control       event_fifo.c: -ENOENT (no such vCPU), -EINVAL (an
 *                     offset off the page or unaligned, the vCPU's block
 *                     there already, map_guest_page: a frame not writable
 *                     by us), -ENOMEM (setup_control_block,
 *                     setup_event_array, map_guest_page)
 *  expand_array       event_fifo.c: -EOPNOTSUPP (2-level), -ENOSPC (the
 *                     array's pages all there), -EINVAL and -ENOMEM
 *                     (map_guest_page)
 *  poll               sched/core.c do_poll: -EINVAL (evtchn_port_poll: no
 *                     such port)
 *  set_singleshot_timer   none: the vCPU's own, no flags (domain.c)
 *  register_vcpu_info -EINVAL (domain.c map_vcpu_info: registered already,
 *                     a frame not writable), -ENOMEM (no global mapping);
 *                     the offsets 0-192 fit the page: no -ENXIO
 */
#define E_NEW_PORT	(FZ(ENOSPC) | FZ(ENOMEM))

static const fuzz_set op_errs[] = {
	[OP_ALLOC] = E_NEW_PORT,
	[OP_BIND_LOOP] = FZ(EINVAL) | E_NEW_PORT,
	[OP_IPI] = FZ(ENOENT) | E_NEW_PORT,
	[OP_VIRQ] = FZ(EINVAL) | FZ(ENOENT) | FZ(EEXIST) | E_NEW_PORT,
	[OP_BIND_VCPU] = FZ(ENOENT) | FZ(EINVAL),
	[OP_CLOSE] = FZ(EINVAL),
	[OP_SEND] = FZ(EINVAL),
	[OP_UNMASK] = FZ(EINVAL),
	[OP_STATUS] = FZ(EINVAL),
	[OP_PRIORITY] = FZ(EINVAL) | FZ(ENOSYS) | FZ(EACCES),
};
#define E_RESET		(FZ(EBUSY) | FZ(EAGAIN))
#define E_INIT_CONTROL	(FZ(ENOENT) | FZ(EINVAL) | FZ(ENOMEM))
#define E_EXPAND	(FZ(EOPNOTSUPP) | FZ(ENOSPC) | FZ(EINVAL) | FZ(ENOMEM))
#define E_POLL		FZ(EINVAL)
#define E_VCPU_INFO	(FZ(EINVAL) | FZ(ENOMEM))

/* `stats=1`: calls and zero answers by action, printed at the end. */
static struct fuzz_stat stats[40];
static struct fuzz_run run = { .stop = &stop, .table = stats, .nstats = ARRAY_SIZE(stats),
				.name = "fuzz-evtchn-race" };

/* A port handed out by an answer 0: in range, and counted for the round's end. */
static void port_out(struct vcpu_state *v, const char *what, evtchn_port_t p)
{
	evtchn_port_t t = top;

	if (p < 1 || p > MAX_PORT) {
		fuzz_fail(&v->f, what, (long)p, "a port past 1 .. %u", MAX_PORT);
		return;
	}
	while (p > t && !__atomic_compare_exchange_n(&top, &t, p, false, __ATOMIC_ACQ_REL,
						     __ATOMIC_RELAXED))
		;
}

/* ------------------------------------------------------------ helpers */

/* A port: half the time one of the first HOT; now and then 0 or past the set. */
static evtchn_port_t pick(struct vcpu_state *v)
{
	unsigned int r = fuzz_below(&v->f, 64);

	if (r == 0)
		return 0;
	if (r == 1)
		return NPORTS + 1 + fuzz_below(&v->f, 200);
	return 1 + fuzz_below(&v->f, fuzz_below(&v->f, 2) ? HOT : NPORTS);
}

/* A vCPU id: mostly one running, now and then one the domain lacks. */
static uint32_t pick_vcpu(struct vcpu_state *v)
{
	return fuzz_below(&v->f, 16) ? fuzz_below(&v->f, nv) : fuzz_below(&v->f, 2 * NV_MAX);
}

static const char *barrier(struct vcpu_state *v)
{
	return fuzz_barrier(&v->f, &bar_count, &bar_gen, nv);
}

/* ------------------------------------------------------------ port calls */

/* Fills *a for port call op on random ports; the EVTCHNOP_ command. */
static int fill(struct vcpu_state *v, unsigned int op, union evtchn_arg *a, evtchn_port_t p)
{
	static const uint32_t virqs[] = { VIRQ_TIMER, VIRQ_TIMER, VIRQ_DEBUG, VIRQ_CONSOLE,
					  VIRQ_DOM_EXC };

	memset(a, 0, sizeof(*a));
	switch (op) {
	case OP_ALLOC:
		a->au.dom = DOMID_SELF;
		a->au.remote_dom = fuzz_below(&v->f, 3) ? DOMID_SELF : fuzz_below(&v->f, 2) ? self_id : 0;
		return EVTCHNOP_alloc_unbound;
	case OP_BIND_LOOP:
		a->bi.remote_dom = fuzz_below(&v->f, 12) ? (fuzz_below(&v->f, 2) ? DOMID_SELF : self_id) : 0;
		a->bi.remote_port = p;
		return EVTCHNOP_bind_interdomain;
	case OP_IPI:
		a->ipi.vcpu = pick_vcpu(v);
		return EVTCHNOP_bind_ipi;
	case OP_VIRQ:
		a->bv.virq = virqs[fuzz_below(&v->f, ARRAY_SIZE(virqs))];
		a->bv.vcpu = a->bv.virq >= VIRQ_CONSOLE && fuzz_below(&v->f, 4) ? 0 : pick_vcpu(v);
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
		a->sp.priority = fuzz_below(&v->f, 17);		/* 16: out of range */
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

/* A port call's answer, against its op's set; its argument's words printed if wrong. */
static long port_answer(struct vcpu_state *v, const char *what, long rc, unsigned int op,
			const union evtchn_arg *a)
{
	const uint32_t *w = (const uint32_t *)a;

	return fuzz_answer(&v->f, what, rc, op_errs[op], "%s: %#x %#x %#x %#x", op_name[op], w[0],
			   w[1], w[2], w[3]);
}

static void port_call(struct vcpu_state *v, unsigned int op, evtchn_port_t p)
{
	union evtchn_arg *a = &v->arg[0];
	int cmd = fill(v, op, a, p);

	snprintf(v->f.at->call, sizeof(v->f.at->call), "%s of port %u", op_name[op], p);
	if (!port_answer(v, op_name[op], evtchn_op(cmd, a), op, a) && port_of(op, a))
		port_out(v, op_name[op], port_of(op, a));
}

/* Two to four port calls in one multicall. */
static void act_multicall(struct vcpu_state *v)
{
	unsigned int n = 2 + fuzz_below(&v->f, MC_MAX - 1), i, op[MC_MAX];

	memset(v->mc, 0, sizeof(v->mc));
	for (i = 0; i < n; i++) {
		op[i] = fuzz_below(&v->f, NR_PORT_OPS);
		v->mc[i].op = __HYPERVISOR_event_channel_op;
		v->mc[i].args[0] = (uint64_t)fill(v, op[i], &v->arg[i], pick(v));
		v->mc[i].args[1] = (uint64_t)&v->arg[i];
	}
	/* the multicall itself answers 0 (multicall.c: -EFAULT only for an unreadable list) */
	if (fuzz_answer(&v->f, "multicall", hypercall2(__HYPERVISOR_multicall, v->mc, n), 0,
			"%u entries", n))
		return;
	for (i = 0; i < n; i++)
		if (!port_answer(v, "multicall entry", (long)v->mc[i].result, op[i], &v->arg[i]) &&
		    port_of(op[i], &v->arg[i]))
			port_out(v, "multicall entry's port", port_of(op[i], &v->arg[i]));
}

/* SCHEDOP_poll on one to three ports, the timeout past or 10-90 us ahead. */
static void act_poll(struct vcpu_state *v)
{
	struct sched_poll sp = { (uint64_t)v->poll_ports, 1 + fuzz_below(&v->f, 3), 0, 1 };
	unsigned int i;

	for (i = 0; i < sp.nr_ports; i++)
		v->poll_ports[i] = pick(v);
	if (fuzz_below(&v->f, 2))
		sp.timeout = pvclock_ns() + 10000 * (1 + fuzz_below(&v->f, 9));
	fuzz_answer(&v->f, "poll", HYPERVISOR_sched_op(SCHEDOP_poll, &sp), E_POLL,
		    "%u ports %u %u %u, timeout %lu", sp.nr_ports, v->poll_ports[0],
		    sp.nr_ports > 1 ? v->poll_ports[1] : 0, sp.nr_ports > 2 ? v->poll_ports[2] : 0,
		    (unsigned long)sp.timeout);
}

/* A one-shot timer of the vCPU's own, now or soon: its VIRQ_TIMER port fires. */
static void act_timer(struct vcpu_state *v, unsigned int me)
{
	struct vcpu_set_singleshot_timer t = { pvclock_ns() + 5000 * fuzz_below(&v->f, 20), 0, 0 };

	fuzz_answer(&v->f, "set_singleshot_timer", vcpu_op(VCPUOP_set_singleshot_timer, me, &t), 0,
		    "vCPU %u, %lu ns", me, (unsigned long)t.timeout_abs_ns);
}

static void act_reset(struct vcpu_state *v)
{
	struct evtchn_reset r = { fuzz_below(&v->f, 2) ? DOMID_SELF : self_id };

	fuzz_answer(&v->f, "reset", evtchn_op(EVTCHNOP_reset, &r), E_RESET, "d%#x", r.dom);
}

/* register_vcpu_info for the vCPU itself (not 0, whose time the guest reads). */
static void act_vcpu_info(struct vcpu_state *v, unsigned int me)
{
	struct vcpu_register_vcpu_info ri = { va_to_mfn(v->vi_va), 64 * fuzz_below(&v->f, 4), 0 };

	if (me)
		fuzz_answer(&v->f, "register_vcpu_info", vcpu_op(VCPUOP_register_vcpu_info, me, &ri),
			    E_VCPU_INFO, "vCPU %u, mfn %#lx, offset %u", me, (unsigned long)ri.mfn,
			    ri.offset);
}

/* ------------------------------------------------------------ FIFO */

static void act_init_control(struct vcpu_state *v, unsigned int me)
{
	uint32_t vcpu = fuzz_below(&v->f, 4) ? me : pick_vcpu(v);
	uint64_t va = fuzz_below(&v->f, 8) ? vs[vcpu < nv ? vcpu : me].cb_va :
		      array_va[fuzz_below(&v->f, ARRAY_PAGES)];
	struct evtchn_init_control ic = { va_to_mfn(va),
					  fuzz_below(&v->f, 8) ? 0 : 8 * fuzz_below(&v->f, 520),
					  vcpu, 0, { 0 } };

	fuzz_answer(&v->f, "init_control", evtchn_op(EVTCHNOP_init_control, &ic), E_INIT_CONTROL,
		    "vCPU %u, gfn %#lx, offset %u", vcpu, (unsigned long)ic.control_gfn, ic.offset);
}

static void act_expand(struct vcpu_state *v)
{
	struct evtchn_expand_array ea = { va_to_mfn(array_va[fuzz_below(&v->f, ARRAY_PAGES)]) };

	fuzz_answer(&v->f, "expand_array", evtchn_op(EVTCHNOP_expand_array, &ea), E_EXPAND,
		    "gfn %#lx", (unsigned long)ea.array_gfn);
}

/* The guest's own FIFO words and blocks, written as a careless guest might. */
static void act_words(struct vcpu_state *v)
{
	volatile event_word_t *w = (volatile event_word_t *)array_va[fuzz_below(&v->f, ARRAY_PAGES)];
	volatile struct evtchn_fifo_control_block *cb;
	evtchn_port_t p = pick(v) % EVTCHN_FIFO_WORDS_PER_PAGE;

	switch (fuzz_below(&v->f, 6)) {
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
		w[p] = (event_word_t)fuzz_rnd(&v->f);
		break;
	default:
		cb = (volatile struct evtchn_fifo_control_block *)vs[fuzz_below(&v->f, nv)].cb_va;
		if (fuzz_below(&v->f, 2))
			cb->head[fuzz_below(&v->f, EVTCHN_FIFO_MAX_QUEUES)] = fuzz_below(&v->f, 2) ? pick(v) :
								     (uint32_t)fuzz_rnd(&v->f);
		else
			cb->ready = (uint32_t)fuzz_rnd(&v->f);
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
	unsigned int n = 8 + fuzz_below(&v->f, 25), op = fuzz_below(&v->f, NR_PORT_OPS), i;
	unsigned int how = fuzz_below(&v->f, 6);
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
	unsigned int r = fuzz_below(&v->f, 110);

	if (r < 80) {
		fuzz_doing(&v->f, "a port call");
		port_call(v, r / 8 < NR_PORT_OPS ? r / 8 : OP_SEND, pick(v));
	} else if (r < 86) {
		fuzz_doing(&v->f, "a multicall");
		act_multicall(v);
	} else if (r < 90) {
		fuzz_doing(&v->f, "a burst");
		act_burst(v, me);
	} else if (r < 93) {
		fuzz_doing(&v->f, "SCHEDOP_poll");
		act_poll(v);
	} else if (r < 95) {
		fuzz_doing(&v->f, "a one-shot timer");
		act_timer(v, me);
	} else if (r == 95) {
		fuzz_doing(&v->f, "EVTCHNOP_reset");
		if (!fuzz_below(&v->f, 3))
			act_reset(v);
	} else if (r == 96) {
		fuzz_doing(&v->f, "register_vcpu_info");
		if (!fuzz_below(&v->f, 4))
			act_vcpu_info(v, me);
	} else if (!fifo_round) {
		fuzz_doing(&v->f, "a port call");
		port_call(v, r & 1 ? OP_SEND : OP_CLOSE, pick(v));
	} else if (r < 100) {
		fuzz_doing(&v->f, "init_control");
		act_init_control(v, me);
	} else if (r < 103) {
		fuzz_doing(&v->f, "expand_array");
		act_expand(v);
	} else {
		fuzz_doing(&v->f, "FIFO words written");
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

/* The rounds of vCPU me: NULL, or why they failed (a check's, or a stall's: the barrier's). */
static const char *vcpu_rounds(unsigned int me)
{
	struct vcpu_state *v = &vs[me];
	const char *fail = NULL, *err;
	unsigned int r, s;

#define MEET()	do { if ((err = barrier(v))) return fail ? fail : err; } while (0)
	for (r = 0; r < rounds; r++) {
		v->f.at->round = r;
		v->f.at->step = 0;
		fuzz_doing(&v->f, "the round's start");
		if (me == 0) {
			fifo_round = r & 1;
			if (fifo_round && !fail && (fail = fifo_start()))
				stop = 1;
		}
		MEET();
		for (s = 0; s < STEPS && !stop; s++, v->f.at->step++)
			step(v, me);
		MEET();
		fuzz_doing(&v->f, "check_ports, reset_and_check");
		if (me == 0 && !fail && (fail = check_ports()))
			stop = 1;
		if (me == 0 && !fail && (fail = reset_and_check()))
			stop = 1;
		MEET();
	}
#undef MEET
	return fail;
}

static void vcpu_entry(unsigned long id)
{
	shared->vcpu_info[id].evtchn_upcall_mask = 1;
	fuzz_vcpu_started(&vs[id].f);
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
		fuzz_vcpu_init(&vs[i].f, &run, seed, i);
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
	unsigned int cpus = fuzz_cpus(si);
	uint8_t mask0 = shared->vcpu_info[0].evtchn_upcall_mask;
	const char *fail;

	fuzz_args(&run, si, cpus, NV_MAX, 10);
	nv = run.nv;
	seed = run.seed;
	rounds = run.rounds;
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	if ((fail = setup()))
		return fail;
	if ((fail = fuzz_start_vcpus(si, &vs[0].f, sizeof(vs[0]), nv, cpus,
				     !one && (si->flags & SIF_INITDOMAIN), vcpu_entry, &stacks[0][0],
				     STACK_SIZE, why, sizeof(why))))
		return fail;
	fuzz_watch_on(si, &run);
	fail = vcpu_rounds(0);
	fuzz_watch_off(&run);
	/* A failed round skips its reset: the domain back to 2-level, no port left (the verdict's) */
	evtchn_op(EVTCHNOP_reset, &(struct evtchn_reset){ DOMID_SELF });
	memset((void *)shared->evtchn_pending, 0, sizeof(shared->evtchn_pending));
	shared->vcpu_info[0].evtchn_upcall_mask = mask0;
	return fuzz_report(&run, &vs[0].f, sizeof(vs[0]), self_id, STEPS, fail, why, sizeof(why));
}

int test_main(struct start_info *si)
{
	peer_smp_args = fuzz_peer_args(si, 10);
	peer_smp_offer_granted = true;	/* its ports for dom0 are no offer */
	return verdict_test_smp_after(si, body);
}
