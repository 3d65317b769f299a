// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-destroy-race: two vCPUs of dom0 destroying at once. A domain's
 * end runs in steps (ports, grant mappings, page tables, frames), each
 * preempted after about 1 ms and continued; the toolstack may issue
 * destroydomain from any vCPU, for one domain twice (a retry) or for two
 * domains at once (xl destroy of two guests), and a boot-time domain's
 * end is run by the hypervisor's reaper on whatever CPU idles. Xen 4.17
 * runs every domctl under one lock (taken by trylock, a continuation
 * while another CPU holds it), so two destroys never overlap there.
 * Each domain here has memory (DOM_PAGES frames), pinned L1 tables
 * (PINS, pinned by dom0 with it as foreigndom) and ports, half of them
 * bound to dom0, so every step has work that takes more than one
 * continuation.
 *   same:  ROUNDS times, one domain, destroyed by vCPUs 0 and 1 at once;
 *   pair:  ROUNDS times, two domains, vCPU 0 destroys one and vCPU 1 the
 *          other at once (both records go at about the same time);
 *   feed:  ROUNDS times, vCPU 0 destroys a domain while vCPU 1 gives it
 *          frames (populate_physmap, one a call) until it gets none;
 *   swap:  SWAP_ROUNDS times, vCPU 0 destroys a domain while vCPU 1 exchanges
 *          its frames for new ones (XENMEM_exchange naming it, one a
 *          call) until one is not done (5 Dec, h-misc28: dom0 may name
 *          another domain since; a frame taken goes back, and a new one
 *          becomes the domain's, before the destroy's frame walk or is
 *          freed). Lamina only: Xen 4.17 crashes (see the loop);
 *   wide:  SWAP_ROUNDS times the same with 64-frame chunks, 64 frames
 *          for one extent and back (5 Dec, h-revexch28: the destroy lands
 *          inside a chunk, between two outputs becoming the domain's).
 * Each destroydomain must answer 0, or -ESRCH once the other's destroy
 * has freed the record (one of the two 0); a frame given is given before
 * the end (and goes with the domain) or refused; dom0's ports bound to
 * the domain come back unbound; the domain is gone afterwards and the
 * host's free memory is where it was before the first round (a frame
 * given, or taken and given back, after the destroy's frame walk passed
 * it would stay lost).
 * @hvargs: dom0_max_vcpus=2
 * @timeout-smp: 360
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/smp.h"
#include "lib/wait.h"
#include "lib/physinfo.h"
#include "lib/domctl.h"
#include <lamina/memory.h>
#include <lamina/mm.h>

#define STACK_SIZE	8192
#define ROUNDS		10
#define SWAP_ROUNDS	5
#define WIDE_ORDER	6		/* swap_wide's chunk: 64 frames a side */
#define DOM_PAGES	2048		/* 8 MiB each */
#define PINS		64
#define PORTS		8
#define FEED_PAGES	4096		/* what vCPU 1 may give a domain being destroyed */

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile bool started;
static volatile unsigned int go, done1;	/* round numbers: vCPU 0 starts one, vCPU 1 ends it */
static volatile domid_t target1;
enum { DESTROY, FEED, SWAP, SWAP_WIDE };
static volatile int work1;	/* what vCPU 1 does to target1: destroys, gives frames, exchanges */
static volatile long rc1;
static volatile uint64_t feeding;	/* feed's calls so far */
static bool one_cpu;
static uint64_t frames[DOM_PAGES];

struct victim {
	domid_t id;
	evtchn_port_t dom0_port[PORTS / 2];	/* bound to the victim's ports */
};

/*
 * populate_physmap for dom, a frame a call, until one gives none (it is
 * dying, or at its max_pages) or fails (gone): how many it gave, or the
 * error.
 */
static long feed(domid_t dom)
{
	uint64_t pfn = DOM_PAGES, slot;
	long rc;

	do {
		struct xen_memory_reservation r = { (uint64_t)&slot, 1, 0, 0, dom, { 0 } };

		slot = pfn++;
		rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_populate_physmap, &r);
		feeding = pfn - DOM_PAGES;
	} while (rc == 1);
	return rc < 0 ? rc : (long)(pfn - 1 - DOM_PAGES);
}

/*
 * exchange for dom, a frame a call (from frames[PINS] on, those not
 * pinned, round and round), each new frame in the old one's place, until
 * one is not done (dom dying or gone): how many were done.
 */
static long swap(domid_t dom)
{
	struct xen_memory_exchange x;
	uint64_t i = PINS, out;
	long rc, done = 0;

	do {
		memset(&x, 0, sizeof(x));
		out = i;	/* its pseudo-physical number */
		x.in.extent_start = (uint64_t)&frames[i];
		x.in.nr_extents = x.out.nr_extents = 1;
		x.in.domid = x.out.domid = dom;
		x.out.extent_start = (uint64_t)&out;
		rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_exchange, &x);
		if (rc == 0 && x.nr_exchanged == 1) {
			frames[i] = out;
			feeding = ++done;
		}
		i = i + 1 < DOM_PAGES ? i + 1 : PINS;
	} while (rc == 0 && x.nr_exchanged == 1);
	return done;
}

/*
 * The same a chunk of WIDE_ORDER at a time (5 Dec, h-revexch28), so the
 * destroy lands inside chunks: 2^WIDE_ORDER frames for one extent, then
 * that extent for 2^WIDE_ORDER frames (the domain can die between two of
 * the outputs becoming its own), from frames[PINS] on, group by group:
 * how many chunks were done.
 */
static long swap_wide(domid_t dom)
{
	struct xen_memory_exchange x;
	uint64_t i = PINS, base, list[1 << WIDE_ORDER];
	unsigned int k, many;
	long rc, done = 0;

	do {
		memset(&x, 0, sizeof(x));
		many = done % 2;	/* even calls gather a group, odd ones spread it */
		base = i;
		for (k = 0; k < (1U << WIDE_ORDER); k++)
			list[k] = i + k;	/* pseudo-physical numbers */
		x.in.extent_start = (uint64_t)&frames[i];	/* spread: the extent's base */
		x.in.nr_extents = many ? 1 : 1U << WIDE_ORDER;
		x.in.extent_order = many ? WIDE_ORDER : 0;
		x.out.extent_start = many ? (uint64_t)list : (uint64_t)&base;
		x.out.nr_extents = many ? 1U << WIDE_ORDER : 1;
		x.out.extent_order = many ? 0 : WIDE_ORDER;
		x.in.domid = x.out.domid = dom;
		rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_exchange, &x);
		if (rc != 0 || x.nr_exchanged != x.in.nr_extents)
			break;
		for (k = 0; k < (1U << WIDE_ORDER); k++)
			frames[i + k] = many ? list[k] : base + k;
		feeding = ++done;
		if (many)
			i = i + 2 * (1U << WIDE_ORDER) <= DOM_PAGES ? i + (1U << WIDE_ORDER) : PINS;
	} while (1);
	return done;
}

static void vcpu1_round(void)
{
	rc1 = work1 == SWAP_WIDE ? swap_wide(target1) : work1 == SWAP ? swap(target1) :
	      work1 == FEED ? feed(target1) : domctl_destroy(target1);
}

static void vcpu1(unsigned long id)
{
	(void)id;
	smp_serve_rounds(&started, &go, &done1, vcpu1_round);
}

/* Memory, pinned L1s and ports for a new domain; 0 or the failing step's error. */
static long furnish(struct victim *v)
{
	struct xen_memory_reservation r = { (uint64_t)frames, DOM_PAGES, 0, 0, v->id, { 0 } };
	struct domctl op;
	unsigned int i;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.max_vcpus.max = 1;
	if ((rc = domctl_call(&op, DOMCTL_max_vcpus, v->id)))
		return rc;
	op.u.max_mem.max_memkb = (DOM_PAGES + FEED_PAGES) * 4;
	if ((rc = domctl_call(&op, DOMCTL_max_mem, v->id)))
		return rc;
	for (i = 0; i < DOM_PAGES; i++)
		frames[i] = i;
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_populate_physmap, &r);
	if (rc != DOM_PAGES)
		return rc < 0 ? rc : -ENOMEM;
	for (i = 0; i < PINS; i++) {	/* fresh frames are zeroed: empty L1s */
		if ((rc = mmuext_fd(MMUEXT_PIN_L1_TABLE, frames[i], 0, v->id)))
			return rc;
	}
	for (i = 0; i < PORTS; i++) {
		struct evtchn_alloc_unbound au = { v->id, 0, 0 };
		struct evtchn_bind_interdomain bi = { .remote_dom = v->id };

		if ((rc = evtchn_op(EVTCHNOP_alloc_unbound, &au)))
			return rc;
		if (i % 2)
			continue;
		bi.remote_port = au.port;
		if ((rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi)))
			return rc;
		v->dom0_port[i / 2] = bi.local_port;
	}
	return 0;
}

static int make_victim(struct victim *v, unsigned int round)
{
	long rc;

	rc = domctl_create(&v->id, "lamina-destroyrc");
	CHECK(rc == 0, "round %u: createdomain gave %ld", round, rc);
	rc = furnish(v);
	CHECK(rc == 0, "round %u: furnishing d%u gave %ld", round, v->id, rc);
	return TEST_PASS;
}

/* dom0's ports to a destroyed domain are unbound again; closed here. */
static int ports_back(const struct victim *v, unsigned int round)
{
	unsigned int i;

	for (i = 0; i < PORTS / 2; i++) {
		struct evtchn_status st = { .dom = DOMID_SELF, .port = v->dom0_port[i] };
		struct evtchn_close cl = { v->dom0_port[i] };

		CHECK(evtchn_op(EVTCHNOP_status, &st) == 0, "round %u: status failed", round);
		CHECK(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == v->id,
		      "round %u: dom0's port %u to d%u after its end: status %u, dom %u", round,
		      v->dom0_port[i], v->id, st.status, st.u.unbound.dom);
		CHECK(evtchn_op(EVTCHNOP_close, &cl) == 0, "round %u: close failed", round);
	}
	return TEST_PASS;
}

/* getdomaininfo finds no domain of that id now (Xen: another, or none). */
static bool gone_now(domid_t id)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	return domctl_call(&op, DOMCTL_getdomaininfo, id) != 0 || op.domain != id;
}

/* Gone: gone_now within WAIT_CYCLES. */
static bool gone(domid_t id)
{
	return WAIT_UNTIL(gone_now(id));
}

/* vCPU 0 destroys a, vCPU 1 b, at once; each answer 0 or -ESRCH. */
static int race(domid_t a, domid_t b, unsigned int round, long *rc0, long *rc_1)
{
	target1 = b;
	__atomic_store_n(&go, round, __ATOMIC_SEQ_CST);
	*rc0 = domctl_destroy(a);
	while (done1 != round)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	*rc_1 = rc1;
	CHECK(*rc0 == 0 || *rc0 == -ESRCH, "round %u: vCPU 0's destroy of d%u gave %ld", round, a,
	      *rc0);
	CHECK(*rc_1 == 0 || *rc_1 == -ESRCH, "round %u: vCPU 1's destroy of d%u gave %ld", round,
	      b, *rc_1);
	return TEST_PASS;
}

/*
 * A round: vCPU 0 destroys a new domain while vCPU 1 does `work` to it
 * (gives it frames, or exchanges them), started first; the destroy must
 * answer 0 and the domain go, dom0's ports to it back. vCPU 1's answer
 * in *rc.
 */
static int destroy_while(unsigned int round, int work, long *rc)
{
	struct victim v;
	long a;

	if (make_victim(&v, round) != TEST_PASS)
		return TEST_FAIL;
	work1 = work;
	target1 = v.id;
	feeding = 0;
	__atomic_store_n(&go, round, __ATOMIC_SEQ_CST);
	while (feeding < 8)	/* the destroy starts while vCPU 1 works on the domain */
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	a = domctl_destroy(v.id);
	while (done1 != round)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	work1 = DESTROY;
	*rc = rc1;
	CHECK(a == 0, "round %u: destroying d%u while %s gave %ld", round, v.id,
	      work == FEED ? "it was given frames" : "its frames were exchanged", a);
	CHECK(gone(v.id), "round %u: d%u still there", round, v.id);
	return ports_back(&v, round);
}

int test_main(struct start_info *si)
{
	unsigned int round, second = 0;
	unsigned long fed = 0, swapped = 0, chunks = 0;
	bool wide;
	struct victim v, w;
	uint64_t before, middle, after;
	struct sysctl pi;
	long a, b;

	CHECK(events_init(si) == 0, "events_init failed");
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	shared->vcpu_info[1].evtchn_upcall_mask = 1;
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	one_cpu = pi.u.physinfo.nr_cpus < 2;
	CHECK(smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu) == 0,
	      "starting and pinning vCPU 1 failed");
	/* Two first domains, destroyed one by one: what a hypervisor sets up once is set up. */
	if (make_victim(&v, 0) != TEST_PASS || make_victim(&w, 0) != TEST_PASS)
		return TEST_FAIL;
	CHECK(domctl_destroy(v.id) == 0 && gone(v.id) && domctl_destroy(w.id) == 0 && gone(w.id),
	      "destroying two first domains failed");
	if (ports_back(&v, 0) != TEST_PASS || ports_back(&w, 0) != TEST_PASS)
		return TEST_FAIL;
	before = settled_free_pages();
	for (round = 1; round <= ROUNDS; round++) {
		if (make_victim(&v, round) != TEST_PASS)
			return TEST_FAIL;
		if (race(v.id, v.id, round, &a, &b) != TEST_PASS)
			return TEST_FAIL;
		CHECK(a == 0 || b == 0, "round %u: neither destroy of d%u answered 0", round, v.id);
		second += a == 0 && b == 0;
		CHECK(gone(v.id), "round %u: d%u still there after two destroys", round, v.id);
		if (ports_back(&v, round) != TEST_PASS)
			return TEST_FAIL;
	}
	middle = settled_free_pages();
	for (round = ROUNDS + 1; round <= 2 * ROUNDS; round++) {
		if (make_victim(&v, round) != TEST_PASS || make_victim(&w, round) != TEST_PASS)
			return TEST_FAIL;
		if (race(v.id, w.id, round, &a, &b) != TEST_PASS)
			return TEST_FAIL;
		CHECK(a == 0 && b == 0, "round %u: destroying d%u and d%u gave %ld and %ld", round,
		      v.id, w.id, a, b);
		CHECK(gone(v.id) && gone(w.id), "round %u: d%u or d%u still there", round, v.id,
		      w.id);
		if (ports_back(&v, round) != TEST_PASS || ports_back(&w, round) != TEST_PASS)
			return TEST_FAIL;
	}
	for (round = 2 * ROUNDS + 1; round <= 3 * ROUNDS; round++) {
		if (destroy_while(round, FEED, &b) != TEST_PASS)
			return TEST_FAIL;
		CHECK(b >= 0 || b == -ESRCH, "round %u: giving the domain frames gave %ld", round, b);
		fed += b > 0 ? b : 0;
	}
	/*
	 * Not on Xen 4.17: its steal_page takes a dying domain's frame off
	 * the domain's page list while relinquish_memory has moved it to
	 * another, and faults (a hypervisor crash, seen 5 Dec with 4.17.7).
	 */
	if (!on_lamina())
		printf("attack-destroy-race: no swap rounds on Xen (steal_page crashes on a "
		       "dying domain's frames)\n");
	for (round = 3 * ROUNDS + 1; on_lamina() && round <= 3 * ROUNDS + 2 * SWAP_ROUNDS; round++) {
		wide = round > 3 * ROUNDS + SWAP_ROUNDS;
		if (destroy_while(round, wide ? SWAP_WIDE : SWAP, &b) != TEST_PASS)
			return TEST_FAIL;
		*(wide ? &chunks : &swapped) += b;
	}
	after = settled_free_pages();
	CHECK(after == before, "free pages %lu before the rounds, %lu after the first, %lu at the end",
	      (unsigned long)before, (unsigned long)middle, (unsigned long)after);
	printf("attack-destroy-race: %u double destroys (%u answered 0 twice), %u pairs, %u "
	       "destroys while given frames (%lu given), %u while exchanged (%lu exchanged), "
	       "%u in %u-frame chunks (%lu chunks)\n", ROUNDS, second, ROUNDS, ROUNDS, fed,
	       SWAP_ROUNDS, swapped, SWAP_ROUNDS, 1U << WIDE_ORDER, chunks);
	return TEST_PASS;
}
