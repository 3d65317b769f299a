// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-virq-handler-race: dom0's vCPU 1 names a domain the handler of
 * VIRQ_DOM_EXC (domctl set_virq_handler), again and again, while vCPU 0
 * destroys it (session 40's review of session 39's global VIRQ
 * handlers). Lamina's table takes a domain only while its destroy has
 * not closed its ports (virq_handler_closed, under virq_handler_lock,
 * with the hand-back of its VIRQs), so whenever the naming lands, the
 * destroy leaves no reference behind and its own VIRQ_DOM_EXC, sent
 * after the ports are closed, reaches dom0.
 *   Each round dom0 builds a peer that blocks for good (PEER_MIB MiB,
 *   lib/peer.c) and lets its console go; vCPU 1 starts naming it as
 *   vCPU 0 starts the destroy and stops once the destroy has returned
 *   or a naming answers other than 0. Checked on both: the destroy 0,
 *   every naming 0 or -ESRCH (gone), and once dom0 names itself the
 *   peer gone within the wait. Checked on Lamina, printed on Xen 4.17:
 *   the peer gone before dom0 names itself, and the destroy's
 *   VIRQ_DOM_EXC at dom0's port. Xen 4.17 takes a domain whose ports
 *   are closed, so a naming between its clear_global_virq_handlers and
 *   the end of its destroy holds the domain (until dom0 names another
 *   handler) and takes the destroy's VIRQ_DOM_EXC from dom0
 *   (docs/conformance.md).
 * @initrd: self
 * @hvargs: dom0_max_vcpus=2
 * @timeout: 300
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/smp.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/domctl.h"
#include "lib/physinfo.h"

#define ROUNDS		8
#define PEER_MIB	4
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile bool started, stop;
static volatile unsigned int go, done1;
static volatile domid_t target;
static volatile long rc1;		/* vCPU 1's last answer */
static volatile unsigned long named;	/* its namings answered 0 this round */

static long set_handler(domid_t dom, uint32_t virq)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.u.set_virq_handler.virq = virq;
	return domctl_call(&op, DOMCTL_set_virq_handler, dom);
}

static void vcpu1_round(void)
{
	named = 0;
	for (;;) {
		rc1 = set_handler(target, VIRQ_DOM_EXC);
		if (rc1 || stop)
			return;
		named++;
	}
}

static void vcpu1(unsigned long id)
{
	(void)id;
	smp_serve_rounds(&started, &go, &done1, vcpu1_round);
}

static evtchn_port_t bind_dom_exc(void)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_DOM_EXC, .vcpu = 0 };

	return evtchn_op(EVTCHNOP_bind_virq, &bv) ? 0 : bv.port;
}

/* Whether dom left the list within 2 s (Xen's held domain stays: no 25 s wait each round). */
static bool gone_soon(domid_t dom)
{
	uint64_t end = pvclock_ns() + 2000000000ULL;

	do {
		if (!peer_listed(dom))
			return true;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	} while (pvclock_ns() < end);
	return false;
}

struct tally {
	unsigned int held, lost;	/* rounds: gone only once dom0 named itself; DOM_EXC not at dom0 */
};

static int round(struct start_info *si, evtchn_port_t mine, unsigned int t, struct tally *y)
{
	bool gone_first, raised;
	int id;
	long rc;

	id = peer_build(si, 4096, "role=wait", PEER_MIB);
	CHECK(id > 0, "round %u: the peer could not be built (%d)", t, id);
	peer_unmap_console();		/* nothing but the table may hold it */
	port_test_and_clear(mine);
	target = (domid_t)id;
	stop = false;
	go = t;
	rc = domctl_destroy((domid_t)id);
	raised = port_test_and_clear(mine);
	stop = true;
	while (done1 != t)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	gone_first = gone_soon((domid_t)id);
	printf("round %u: destroy of d%d %ld; vCPU 1 named it %lu times, then %ld; "
	       "gone %s; DOM_EXC %s dom0\n", t, id, rc, named, rc1,
	       gone_first ? "at once" : "only once dom0 named itself",
	       raised ? "at" : "not at");
	CHECK(rc == 0, "round %u: destroying d%d gave %ld", t, id, rc);
	CHECK(rc1 == 0 || rc1 == -ESRCH, "round %u: naming d%d gave %ld", t, id, rc1);
	CHECK((rc = set_handler(0, VIRQ_DOM_EXC)) == 0, "round %u: naming dom0 gave %ld", t, rc);
	CHECK(gone_first || WAIT_UNTIL(!peer_listed((domid_t)id)),
	      "round %u: d%d still listed after dom0 named itself", t, id);
	y->held += !gone_first;
	y->lost += !raised;
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	evtchn_port_t mine;
	struct tally y = { 0, 0 };
	struct sysctl pi;
	unsigned int t;
	long rc;

	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		for (;;)
			HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	mine = bind_dom_exc();
	CHECK(mine, "dom0 could not bind VIRQ_DOM_EXC");
	port_mask(mine, true);		/* looked at, not taken */
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started,
			      pi.u.physinfo.nr_cpus < 2);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (t = 1; t <= ROUNDS; t++)
		if (round(si, mine, t, &y) != TEST_PASS)
			return TEST_FAIL;
	printf("%u rounds: %u held until dom0 named itself, %u with the destroy's DOM_EXC "
	       "not at dom0\n", ROUNDS, y.held, y.lost);
	CHECK((!y.held && !y.lost) || !on_lamina(),
	      "a domain named as it was destroyed kept a reference or the destroy's VIRQ");
	printf("attack-virq-handler-race: %u destroys while vCPU 1 named the domain: every "
	       "domain gone, every DOM_EXC at dom0\n", ROUNDS);
	return TEST_PASS;
}
