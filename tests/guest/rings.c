// SPDX-License-Identifier: GPL-2.0-only
/*
 * rings: a boot-time domU's xenstore and console rings, and what dom0
 * finds of them (hvm_op.h, domctl.h). The peer is built with rings: its
 * start_info names a store page and a console page, each with a port that
 * dom0 may bind, and its reserved grant entries 0 and 1 give dom0 those
 * pages. dom0 lists the domains (domctl getdomaininfo), reads the rings'
 * frames and ports (hvm_op get_param), maps both pages through the
 * grants, binds both ports, and then acts as the peer's backends: it
 * reads the peer's console output from the console ring, and trades a
 * message with it through the store page and port. Every wrong way of
 * asking (not dom0, a bad index, a domain without rings, none at all, a
 * bad pointer, a wrong interface version, ungranted refs) gets its error.
 * @domus: self:peer:role=peer:rings=on
 * @expect-log: d1: xenstore ring mfn 0x[0-9a-f]+ port 1, console ring mfn 0x[0-9a-f]+ port 2
 * @xen: skip Xen 4.17 builds no boot-time domains on x86 and answers hvm_op get_param for none
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include <lamina/grant_table.h>
#include <lamina/hvm_op.h>
#include <lamina/domctl.h>

#define PEER		1
#define MARKER		"peer: the console ring works"

/* What dom0 and the peer trade through the store page (not the xenstore
 * ring layout: this only shows the page and port reach the other side). */
struct exchange {
	char ping[32];
	char pong[32];
};

static long hvm_param(domid_t dom, uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = { .domid = dom, .index = index };
	long rc = hypercall2(__HYPERVISOR_hvm_op, HVMOP_get_param, &p);

	*value = p.value;
	return rc;
}

static long domctl(struct domctl *op, uint32_t cmd, uint32_t version)
{
	op->cmd = cmd;
	op->interface_version = version;
	return hypercall1(__HYPERVISOR_domctl, op);
}

static long gnttab(unsigned int cmd, void *arg)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, arg, 1);
}

static long port_status(evtchn_port_t port, struct evtchn_status *st)
{
	*st = (struct evtchn_status){ .dom = DOMID_SELF, .port = port };
	return evtchn_op(EVTCHNOP_status, st);
}

/* A ring port: unbound for dom0, or already bound by dom0 (it may run first). */
static bool offered_to_dom0(evtchn_port_t port, struct evtchn_status *st)
{
	if (port_status(port, st))
		return false;
	return (st->status == EVTCHNSTAT_unbound && st->u.unbound.dom == 0) ||
	       (st->status == EVTCHNSTAT_interdomain && st->u.interdomain.dom == 0);
}

static int peer(struct start_info *si)
{
	struct exchange *x = (struct exchange *)mfn_to_va(si->store_mfn);
	struct evtchn_status st;
	struct domctl op = { .domain = 0 };
	uint64_t value;
	long rc;

	CHECK(si->store_mfn && si->store_evtchn && si->console.domU.mfn && si->console.domU.evtchn,
	      "start_info: store %#lx/%u console %#lx/%u", (unsigned long)si->store_mfn,
	      si->store_evtchn, (unsigned long)si->console.domU.mfn, si->console.domU.evtchn);
	CHECK(mfn_to_va(si->store_mfn) && mfn_to_va(si->console.domU.mfn),
	      "the ring pages are not in the start-of-day region");
	CHECK(offered_to_dom0(si->store_evtchn, &st), "store port: status %u", st.status);
	CHECK(offered_to_dom0(si->console.domU.evtchn, &st), "console port: status %u", st.status);
	rc = hvm_param(PEER, HVM_PARAM_STORE_PFN, &value);	/* Xen: PV, -EINVAL */
	CHECK(rc == -EINVAL, "a domU's hvm_op get_param gave %ld", rc);
	rc = domctl(&op, DOMCTL_getdomaininfo, DOMCTL_INTERFACE_VERSION);
	CHECK(rc == -EPERM, "a domU's domctl gave %ld", rc);

	/* This goes to the console ring (lib.c writes there when it has one). */
	printf("%s\n", MARKER);
	wait_for_port(si->store_evtchn);
	CHECK(!strcmp(x->ping, "ping from dom0"), "the store page says %.31s", x->ping);
	strlcpy(x->pong, "pong from the peer", sizeof(x->pong));
	evtchn_send(si->store_evtchn);
	for (;;)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
}

/* dom0's side of the domain list and the parameters, wrong ways first. */
static int dom0_lookups(uint64_t *store_mfn, uint64_t *store_port, uint64_t *cons_mfn,
			uint64_t *cons_port)
{
	struct domctl op = { .domain = 0 };
	uint64_t v;
	long rc;

	rc = domctl(&op, DOMCTL_getdomaininfo, DOMCTL_INTERFACE_VERSION);
	CHECK(rc == 0 && op.domain == 0 && op.u.getdomaininfo.domain == 0 &&
	      (op.u.getdomaininfo.flags & DOMINF_running),
	      "getdomaininfo(0): %ld, d%u flags %#x", rc, op.domain, op.u.getdomaininfo.flags);
	op.domain = 1;
	rc = domctl(&op, DOMCTL_getdomaininfo, DOMCTL_INTERFACE_VERSION);
	CHECK(rc == 0 && op.domain == PEER && op.u.getdomaininfo.tot_pages == 16 * 256 &&
	      op.u.getdomaininfo.max_pages == 16 * 256 &&
	      !(op.u.getdomaininfo.flags & (DOMINF_dying | DOMINF_shutdown)),
	      "getdomaininfo(1): %ld, d%u %lu pages flags %#x", rc, op.domain,
	      (unsigned long)op.u.getdomaininfo.tot_pages, op.u.getdomaininfo.flags);
	op.domain = 2;
	rc = domctl(&op, DOMCTL_getdomaininfo, DOMCTL_INTERFACE_VERSION);
	CHECK(rc == -ESRCH, "getdomaininfo past the last domain gave %ld", rc);
	op.domain = DOMID_SELF;
	rc = domctl(&op, DOMCTL_getdomaininfo, DOMCTL_INTERFACE_VERSION);
	CHECK(rc == -EINVAL, "getdomaininfo(DOMID_SELF) gave %ld", rc);
	op.domain = 0;
	rc = domctl(&op, DOMCTL_getdomaininfo, DOMCTL_INTERFACE_VERSION - 1);
	CHECK(rc == -EACCES, "a wrong domctl interface version gave %ld", rc);
	rc = domctl(&op, DOMCTL_createdomain, DOMCTL_INTERFACE_VERSION);
	CHECK(rc == -EINVAL, "domctl createdomain of a domain without vCPUs gave %ld", rc);
	rc = hypercall1(__HYPERVISOR_domctl, 16);
	CHECK(rc == -EFAULT, "domctl with a bad pointer gave %ld", rc);

	rc = hvm_param(PEER, 3, &v);
	CHECK(rc == -EINVAL, "get_param of index 3 gave %ld", rc);
	rc = hvm_param(0, HVM_PARAM_STORE_PFN, &v);	/* itself: Xen's -EINVAL for PV */
	CHECK(rc == -EINVAL, "dom0's own store page param gave %ld", rc);
	rc = hvm_param(7, HVM_PARAM_STORE_PFN, &v);
	CHECK(rc == -ESRCH, "a missing domain's param gave %ld", rc);
	rc = hypercall2(__HYPERVISOR_hvm_op, HVMOP_get_param, 16);
	CHECK(rc == -EFAULT, "get_param with a bad pointer gave %ld", rc);
	rc = hypercall2(__HYPERVISOR_hvm_op, HVMOP_set_param, 16);	/* Xen copies first */
	CHECK(rc == -EFAULT, "set_param with a bad pointer gave %ld", rc);

	CHECK(hvm_param(PEER, HVM_PARAM_STORE_PFN, store_mfn) == 0 &&
	      hvm_param(PEER, HVM_PARAM_STORE_EVTCHN, store_port) == 0 &&
	      hvm_param(PEER, HVM_PARAM_CONSOLE_PFN, cons_mfn) == 0 &&
	      hvm_param(PEER, HVM_PARAM_CONSOLE_EVTCHN, cons_port) == 0,
	      "the peer's ring parameters could not be read");
	CHECK(*store_mfn && *cons_mfn && *store_mfn != *cons_mfn && *store_port && *cons_port &&
	      *store_port != *cons_port, "ring parameters: store %#lx/%lu console %#lx/%lu",
	      (unsigned long)*store_mfn, (unsigned long)*store_port, (unsigned long)*cons_mfn,
	      (unsigned long)*cons_port);
	printf("dom0: d1 store ring mfn %#lx port %lu, console ring mfn %#lx port %lu\n",
	       (unsigned long)*store_mfn, (unsigned long)*store_port, (unsigned long)*cons_mfn,
	       (unsigned long)*cons_port);
	return TEST_PASS;
}

/* Maps ref of the peer at va; the grant status, the frame through *bus. */
static int16_t map_ref(grant_ref_t ref, uint64_t va, grant_handle_t *h, uint64_t *bus)
{
	struct gnttab_map_grant_ref op = { va, GNTMAP_host_map, ref, PEER, 99, ~0U, 0 };

	if (gnttab(GNTTABOP_map_grant_ref, &op))
		return -100;
	*h = op.handle;
	*bus = op.dev_bus_addr;
	return op.status;
}

/* Copies what the console ring holds to our console; true once the marker came. */
static bool drain(struct peer_console *c, evtchn_port_t port)
{
	static char line[128];
	static unsigned int n;
	bool marker = false;

	while (c->out_cons != c->out_prod) {
		char ch = c->out[c->out_cons % sizeof(c->out)];

		c->out_cons++;
		if (ch != '\n' && n + 1 < sizeof(line)) {
			line[n++] = ch;
			continue;
		}
		line[n] = '\0';
		n = 0;
		printf("(d1 console ring) %s\n", line);
		marker |= !strcmp(line, MARKER);
	}
	evtchn_send(port);	/* room again, as a console backend says */
	return marker;
}

static int dom0_side(void)
{
	uint64_t store_mfn = 0, store_port = 0, cons_mfn = 0, cons_port = 0, bus = 0;
	uint64_t store_va = scratch_page(), cons_va = scratch_page(), spare = scratch_page();
	struct evtchn_bind_interdomain bs = { PEER, 0, 0, 0 }, bc = { PEER, 0, 0, 0 };
	struct exchange *x = (struct exchange *)store_va;
	grant_handle_t hs, hc, h;
	unsigned int tries;
	bool marker = false;
	int16_t st;

	if (dom0_lookups(&store_mfn, &store_port, &cons_mfn, &cons_port) != TEST_PASS)
		return TEST_FAIL;
	st = map_ref(GNTTAB_RESERVED_XENSTORE, store_va, &hs, &bus);
	CHECK(st == GNTST_okay && bus == store_mfn << 12,
	      "mapping the peer's xenstore grant: %d, frame %#lx", st, (unsigned long)bus);
	st = map_ref(GNTTAB_RESERVED_CONSOLE, cons_va, &hc, &bus);
	CHECK(st == GNTST_okay && bus == cons_mfn << 12,
	      "mapping the peer's console grant: %d, frame %#lx", st, (unsigned long)bus);
	st = map_ref(2, spare, &h, &bus);
	CHECK(st != GNTST_okay, "the peer's reserved ref 2 (never granted) mapped");

	bs.remote_port = (evtchn_port_t)store_port;
	bc.remote_port = (evtchn_port_t)cons_port;
	CHECK(evtchn_op(EVTCHNOP_bind_interdomain, &bs) == 0 &&
	      evtchn_op(EVTCHNOP_bind_interdomain, &bc) == 0, "binding the ring ports failed");
	CHECK(evtchn_op(EVTCHNOP_bind_interdomain, &bs) == -EINVAL,
	      "the store port bound a second time");
	port_test_and_clear(bs.local_port);
	port_test_and_clear(bc.local_port);

	/* The console: the peer's output arrives through the ring. */
	for (tries = 0; !marker && peer_wait_more(&tries, 1000);) {
		marker = drain((struct peer_console *)cons_va, bc.local_port);
		if (!marker)
			hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	}
	CHECK(marker, "the peer's console ring never said \"%s\"", MARKER);

	/* The store page and port: a message each way. */
	strlcpy(x->ping, "ping from dom0", sizeof(x->ping));
	evtchn_send(bs.local_port);
	wait_for_port(bs.local_port);
	CHECK(!strcmp(x->pong, "pong from the peer"), "the store page came back with %.31s",
	      x->pong);
	drain((struct peer_console *)cons_va, bc.local_port);
	printf("dom0: traded a message with d1 through its store page and port\n");
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		return peer(si);
	return dom0_side();
}
