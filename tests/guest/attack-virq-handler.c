// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-virq-handler: the references domctl set_virq_handler's table
 * holds, and a destroyed domain that something still holds named as a
 * handler (session 40's review of session 39's global VIRQ handlers,
 * Xen 4.17's global_virq_handlers).
 *
 * dom0 binds VIRQ_DOM_EXC (masked: looked at, not taken), then builds
 * peers (this guest again, lib/peer.c, "@initrd: self") that block for
 * good, or power off at once ("role=quit"):
 * 1. peer P is named for DOM_EXC twice, for CONSOLE, CON_RING and
 *    ENOMEM, and CON_RING is given back to dom0 (every call 0). P's
 *    destroy must leave it unlisted: the table gives back each
 *    reference it took, the second naming of one VIRQ holding none
 *    more (a reference left behind keeps P listed). The destroy's
 *    own VIRQ_DOM_EXC reaches dom0:
 *    P's ports were closed, and its VIRQs handed back, before it.
 * 2. peer A is built and left; peer B is built and its console page
 *    kept mapped by dom0, then destroyed: B stays listed (a frame of
 *    it held). Naming B for DOM_EXC is 0 on both; A's destroy then
 *    raises DOM_EXC at dom0 on Lamina, which does not take a domain
 *    whose ports its destroy closed, and at B on Xen 4.17, which takes
 *    it (a difference on purpose, docs/conformance.md: there the VIRQ
 *    is lost until dom0 names another handler). dom0 names itself and
 *    unmaps B's console: B leaves the list on both.
 * 3. a quit peer's end reaches dom0.
 * @initrd: self
 * @timeout: 240
 */
#include "conform.h"
#include "lib/events.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/domctl.h"

#define PEER_MIB	16

static evtchn_port_t bind_dom_exc(void)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_DOM_EXC, .vcpu = 0 };

	return evtchn_op(EVTCHNOP_bind_virq, &bv) ? 0 : bv.port;
}

static void __attribute__((noreturn)) peer(struct start_info *si)
{
	if (strstr_simple((const char *)si->cmd_line, "role=quit"))
		shutdown(SHUTDOWN_poweroff);
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

static long set_handler(domid_t dom, uint32_t virq)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.u.set_virq_handler.virq = virq;
	return domctl_call(&op, DOMCTL_set_virq_handler, dom);
}

static int build(struct start_info *si, const char *role)
{
	int id = peer_build(si, 4096, role, PEER_MIB);

	CHECK(id > 0, "peer %s could not be built (%d)", role, id);
	return id;
}

/* 1. Several VIRQs, one named twice, one given back: the destroy frees the domain. */
static int references(struct start_info *si, evtchn_port_t mine)
{
	domid_t p = (domid_t)build(si, "role=wait");

	peer_unmap_console();	/* nothing but the table holds P */
	ROW("DOM_EXC to P", set_handler(p, VIRQ_DOM_EXC), 0);
	ROW("DOM_EXC to P again", set_handler(p, VIRQ_DOM_EXC), 0);
	ROW("CONSOLE to P", set_handler(p, VIRQ_CONSOLE), 0);
	ROW("CON_RING to P", set_handler(p, VIRQ_CON_RING), 0);
	ROW("ENOMEM to P", set_handler(p, VIRQ_ENOMEM), 0);
	ROW("CON_RING back to dom0", set_handler(0, VIRQ_CON_RING), 0);
	port_test_and_clear(mine);
	ROW("P destroyed and no longer listed", peer_destroy_gone(p), 1);
	ROW("P's destroy raised DOM_EXC at dom0", port_test_and_clear(mine), 1);
	return TEST_PASS;
}

/* 2. B destroyed but held by dom0's mapping of its console page, then named. */
static int destroyed_held(struct start_info *si, evtchn_port_t mine)
{
	domid_t a, b;

	a = (domid_t)build(si, "role=wait");
	peer_unmap_console();
	b = (domid_t)build(si, "role=wait");	/* its console stays mapped */
	ROW("destroy B while dom0 maps its console", domctl_destroy(b), 0);
	ROW("B still listed", peer_listed(b), 1);
	port_test_and_clear(mine);
	ROW("DOM_EXC to the destroyed B", set_handler(b, VIRQ_DOM_EXC), 0);
	ROW("destroy A", domctl_destroy(a), 0);
	ROWL("A's destroy raised DOM_EXC at dom0", port_test_and_clear(mine), 0, 1);
	CHECK(WAIT_UNTIL(!peer_listed(a)), "A d%u still listed after its destroy", a);
	ROW("DOM_EXC back to dom0", set_handler(0, VIRQ_DOM_EXC), 0);
	peer_unmap_console();
	ROW("B no longer listed once unmapped", WAIT_UNTIL(!peer_listed(b)), 1);
	return TEST_PASS;
}

/* 3. A quit peer's end fires dom0's port. */
static int quit_reaches_dom0(struct start_info *si, evtchn_port_t mine)
{
	domid_t q;

	port_test_and_clear(mine);
	q = (domid_t)build(si, "role=quit");
	CHECK(peer_shutdown_code(q) == SHUTDOWN_poweroff, "the quit peer did not power off");
	/* The VIRQ follows the shutdown another CPU may report first. */
	ROW("a quit peer's end raised DOM_EXC at dom0", WAIT_UNTIL(port_pending(mine)), 1);
	CHECK(peer_destroy_gone(q), "the quit peer d%u not destroyed", q);
	return TEST_PASS;
}

static int dom0(struct start_info *si)
{
	evtchn_port_t mine = bind_dom_exc();

	CHECK(mine, "dom0 could not bind VIRQ_DOM_EXC");
	port_mask(mine, true);
	conform_begin();
	CHECK(references(si, mine) == TEST_PASS, "references");
	CHECK(destroyed_held(si, mine) == TEST_PASS, "a destroyed, held domain");
	CHECK(quit_reaches_dom0(si, mine) == TEST_PASS, "the quit peer");
	return conform_end("attack-virq-handler");
}

int test_main(struct start_info *si)
{
	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer(si);
	return dom0(si);
}
