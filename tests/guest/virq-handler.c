// SPDX-License-Identifier: GPL-2.0-only
/*
 * virq-handler: domctl set_virq_handler gives a global VIRQ to another
 * domain, and the VIRQ comes back to dom0 when that domain is
 * destroyed, as Xen 4.17's global_virq_handlers (until session 39
 * Lamina answered -ENOSYS for any domain but dom0).
 *
 * dom0 binds VIRQ_DOM_EXC, then builds peers (this guest again, lib/peer.c,
 * "@initrd: self"), each told its part on its command line:
 *   handler  binds VIRQ_DOM_EXC itself, blocks until it fires, then shuts
 *            down with reason 42 ("I had it");
 *   quit     powers off at once, which raises VIRQ_DOM_EXC.
 * 1. handler A is built; once its vCPU blocks (bound), dom0 names it
 *    the handler of VIRQ_DOM_EXC (0; TIMER, a per-vCPU one, -EINVAL);
 * 2. quit B is built: A shuts down with 42, and dom0's port has not
 *    fired (B's end and A's went to A);
 * 3. dom0 destroys B and A, and clears its port once both are gone;
 * 4. quit C is built: dom0's port fires (A's destroy gave it back);
 * 5. dom0 names a handler D again and then itself: a quit E then
 *    fires dom0's port, and D has not shut down;
 * 6. D destroyed, naming it is -ESRCH, and a quit F fires dom0's port.
 * @initrd: self
 * @timeout: 240
 */
#include "conform.h"
#include "lib/events.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/domctl.h"

#define PEER_MIB	16
#define SAW_IT		42	/* the handler's shutdown reason */

static evtchn_port_t bind_dom_exc(void)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_DOM_EXC, .vcpu = 0 };

	return evtchn_op(EVTCHNOP_bind_virq, &bv) ? 0 : bv.port;
}

static void __attribute__((noreturn)) peer(struct start_info *si)
{
	evtchn_port_t p;

	if (strstr_simple((const char *)si->cmd_line, "role=handler")) {
		p = bind_dom_exc();
		if (p) {
			wait_for_port(p);
			shutdown(SAW_IT);
		}
		shutdown(SHUTDOWN_crash);
	}
	shutdown(SHUTDOWN_poweroff);
}

static long set_handler(domid_t dom, uint32_t virq)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.u.set_virq_handler.virq = virq;
	return domctl_call(&op, DOMCTL_set_virq_handler, dom);
}

static bool vcpu0_blocked(domid_t dom)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	return !domctl_call(&op, DOMCTL_getvcpuinfo, dom) && op.u.getvcpuinfo.blocked;
}

static bool still_up(domid_t dom)
{
	struct domctl_getdomaininfo i;

	return !domctl_info_of(dom, &i) && !(i.flags & DOMINF_shutdown);
}

static int build(struct start_info *si, const char *role)
{
	int id = peer_build(si, 4096, role, PEER_MIB);

	CHECK(id > 0, "peer %s could not be built (%d)", role, id);
	return id;
}

/* A quit peer's end fires dom0's port (dom0 handles VIRQ_DOM_EXC). */
static int quit_reaches_dom0(struct start_info *si, evtchn_port_t mine, const char *row)
{
	domid_t q = (domid_t)build(si, "role=quit");

	CHECK(peer_shutdown_code(q) == SHUTDOWN_poweroff, "%s: the quit peer did not power off", row);
	/* The VIRQ follows the shutdown another CPU may report first. */
	ROW(row, WAIT_UNTIL(port_pending(mine)), 1);
	CHECK(peer_destroy_gone(q), "%s: the quit peer not destroyed", row);
	return TEST_PASS;
}

/*
 * 6. dom0 destroys D (its console page unmapped, so nothing holds it):
 *    naming it then is -ESRCH on both, and a quit peer fires dom0's port.
 */
static int named_after_destroy(struct start_info *si, evtchn_port_t mine, domid_t d)
{
	CHECK(peer_destroy_gone(d), "the second handler not destroyed");
	ROW("set_virq_handler DOM_EXC to a destroyed peer", set_handler(d, VIRQ_DOM_EXC), -ESRCH);
	port_test_and_clear(mine);
	CHECK(quit_reaches_dom0(si, mine, "dom0's port after naming a destroyed peer") == TEST_PASS,
	      "after naming a destroyed peer");
	return conform_end("virq-handler");
}

static int dom0(struct start_info *si)
{
	evtchn_port_t mine = bind_dom_exc();
	domid_t a, b, d;

	CHECK(mine, "dom0 could not bind VIRQ_DOM_EXC");
	port_mask(mine, true);		/* looked at, not taken */
	conform_begin();

	a = (domid_t)build(si, "role=handler");
	CHECK(WAIT_UNTIL(vcpu0_blocked(a)), "handler d%u never blocked on its port", a);
	peer_unmap_console();	/* one peer console mapped at a time (lib/peer.c) */
	ROW("set_virq_handler TIMER to the peer", set_handler(a, VIRQ_TIMER), -EINVAL);
	ROW("set_virq_handler DOM_EXC to the peer", set_handler(a, VIRQ_DOM_EXC), 0);
	port_test_and_clear(mine);

	b = (domid_t)build(si, "role=quit");
	ROW("the handler saw the quit peer's end", peer_shutdown_code(a), SAW_IT);
	CHECK(peer_shutdown_code(b) == SHUTDOWN_poweroff, "the quit peer did not power off");
	ROW("dom0's port while the peer handles DOM_EXC", port_pending(mine), 0);
	CHECK(peer_destroy_gone(b), "the quit peer d%u not destroyed", b);
	CHECK(peer_destroy_gone(a), "the handler d%u not destroyed", a);
	port_test_and_clear(mine);
	CHECK(quit_reaches_dom0(si, mine, "dom0's port after the handler's destroy") == TEST_PASS,
	      "after the handler's destroy");

	d = (domid_t)build(si, "role=handler");
	CHECK(WAIT_UNTIL(vcpu0_blocked(d)), "handler d%u never blocked on its port", d);
	peer_unmap_console();
	ROW("set_virq_handler DOM_EXC to the second peer", set_handler(d, VIRQ_DOM_EXC), 0);
	ROW("set_virq_handler DOM_EXC back to dom0", set_handler(0, VIRQ_DOM_EXC), 0);
	port_test_and_clear(mine);
	CHECK(quit_reaches_dom0(si, mine, "dom0's port once it handles DOM_EXC again") == TEST_PASS,
	      "after the handler went back to dom0");
	ROW("the second peer, no longer the handler, not shut down", still_up(d), 1);
	return named_after_destroy(si, mine, d);
}

int test_main(struct start_info *si)
{
	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer(si);
	return dom0(si);
}
