/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A peer's verdict, for tests whose attacking code runs in the
 * unprivileged peer while only dom0's result line counts.
 *
 * The peer grants dom0 one page of its own through entry VERDICT_REF of
 * its grant table (whatever else the test does with the table) and offers
 * dom0 an unbound event channel. When done it writes "ok" or why it
 * failed into the page, sends an event, waits for dom0's answer and
 * powers off (on Lamina that destroys it, and the frame audit runs). dom0
 * binds the port, waits, copies the page with GNTTABOP_copy (which works
 * on Xen 4.17 as on Lamina), answers and turns the text into its result.
 */
#ifndef GUEST_PEER_VERDICT_H
#define GUEST_PEER_VERDICT_H

#include "guest.h"
#include "events.h"
#include "mm.h"
#include "peer.h"
#include "wait.h"
#include "domctl.h"
#include <lamina/grant_table.h>
#include <lamina/domctl.h>

#ifndef VERDICT_REF
#define VERDICT_REF	3	/* a test may choose another before the #include */
#endif
#define VERDICT_LEN	200

struct verdict {
	evtchn_port_t port;
	char *page;
};

/*
 * A check in a body that runs in dom0 and the peer alike (verdict_test,
 * verdict_test_both): fills in the test's own `static char
 * why[VERDICT_LEN]` and returns it when cond does not hold.
 */
#define BODY_CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(why, sizeof(why), __VA_ARGS__);	\
			return why;					\
		}							\
	} while (0)

/*
 * Peer side of a check: fills in the test's own `static char
 * why[VERDICT_LEN]` and returns -1 when cond does not hold.
 */
#define PEER_CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(why, sizeof(why), __VA_ARGS__);	\
			return -1;					\
		}							\
	} while (0)

static inline long verdict_gnttab(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

/*
 * Peer: grants page (a scratch page) to dom0 through table[VERDICT_REF],
 * and waits until dom0 has bound the port.
 */
static inline int verdict_offer(struct verdict *v, struct grant_entry_v1 *table, char *page)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };

	v->page = page;
	table[VERDICT_REF].frame = (uint32_t)va_to_mfn((uint64_t)page);
	table[VERDICT_REF].domid = 0;
	__atomic_store_n(&table[VERDICT_REF].flags, GTF_permit_access, __ATOMIC_RELEASE);
	if (evtchn_op(EVTCHNOP_alloc_unbound, &au))
		return -1;
	v->port = au.port;
	wait_for_port(v->port);		/* dom0 is there: an event sent now arrives */
	return 0;
}

/*
 * Peer: sets up grant-table frame 0, maps it on a scratch page and offers
 * the verdict through it (verdict_offer); crashes when it cannot.
 */
static inline void verdict_offer_frame0(struct verdict *v)
{
	uint64_t frame = 0, t0 = scratch_page();
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)&frame };

	if (verdict_gnttab(GNTTABOP_setup_table, &st, 1) || st.status ||
	    update_va_mapping(t0, (frame << 12) | PTE_DATA, UVMF_INVLPG) ||
	    verdict_offer(v, (struct grant_entry_v1 *)t0, (char *)scratch_page())) {
		printf("peer: no grant table or port\n");
		shutdown(SHUTDOWN_crash);
	}
}

/*
 * A wait that keeps this CPU quiet: SCHEDOP_poll of no port with a
 * timeout 1 ms ahead (it sleeps until then, or an event), not a
 * SCHEDOP_yield loop, which returns at once on a CPU with nobody else
 * queued. Under -icount QEMU runs the CPUs in turns on one instruction
 * clock, so a loop spinning on one CPU is counted in what the other
 * times.
 */
static inline void verdict_nap(void)
{
	evtchn_port_t none = 0;
	struct sched_poll p = { (uint64_t)&none, 0, 0, pvclock_ns() + 1000000 };

	hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, &p);
}

/*
 * A boot-time peer (Lamina's "@domus") starts beside dom0, on the other
 * CPU once there are two. One whose timed rows must not run while dom0
 * times its own waits for dom0's go first (dom0 sends it after its rows;
 * on Xen dom0 builds the peer only then, and sends it at once).
 *
 * Peer: offers dom0 a port (the first free one: port 1 in a fresh
 * domain), waits blocked for dom0's event on it and closes it again, so
 * that port 1 is free for the verdict's.
 */
static inline void verdict_wait_go(void)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };

	if (evtchn_op(EVTCHNOP_alloc_unbound, &au)) {
		printf("peer: no port for dom0's go\n");
		shutdown(SHUTDOWN_crash);
	}
	wait_for_port(au.port);
	evtchn_op(EVTCHNOP_close, &(struct evtchn_close){ au.port });
}

/*
 * dom0, before timing its own rows: waits (verdict_nap) until a boot-time
 * peer waits for the go (its port 1 offered to us), so that its start
 * does not run beside them. 0, or -1 after 20 s.
 */
static inline int verdict_peer_parked(domid_t peer)
{
	struct evtchn_status st;
	unsigned int tries = 0;

	do {
		st = (struct evtchn_status){ .dom = peer, .port = 1 };
		if (evtchn_op(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_unbound &&
		    st.u.unbound.dom == 0)
			return 0;
		verdict_nap();
	} while (peer_wait_more(&tries, 100));
	return -1;
}

/*
 * dom0, once its rows are over: binds the peer's port 1 and sends the go
 * on it. Its local end is left open: closed before the peer closes its
 * own, port 1 would be offered to dom0 again, and verdict_receive could
 * bind that instead of the verdict's. 0, or the bind's error.
 */
static inline long verdict_go(domid_t peer)
{
	evtchn_port_t local;
	long rc = peer_bind(peer, 1, &local);

	return rc ? rc : evtchn_send(local);
}

/* Peer: reports "ok" (why == NULL) or why, and powers off once dom0 has it. */
static inline void __attribute__((noreturn)) verdict_send(struct verdict *v, const char *why)
{
	snprintf(v->page, VERDICT_LEN, "%s", why ? why : "ok");
	printf("peer: verdict: %s\n", v->page);
	evtchn_send(v->port);
	wait_for_port(v->port);
	shutdown(SHUTDOWN_poweroff);
}

/* A domain's DOMINF_* flags (getdomaininfo), or -1 once it is gone. */
static inline long domain_info_flags(domid_t d)
{
	struct domctl_getdomaininfo info;

	return domctl_info_of(d, &info) ? -1 : (long)info.flags;
}

/*
 * dom0: has the peer gone (Lamina destroys a boot-time domain that shuts
 * down), or, on Xen, shut down?
 */
static inline bool verdict_peer_done(domid_t peer)
{
	long flags = domain_info_flags(peer);

	return flags < 0 || (!on_lamina() && (flags & DOMINF_shutdown));
}

/*
 * dom0: copies VERDICT_LEN bytes of the page the peer granted it through
 * ref into buf (a page of ours) with GNTTABOP_copy; the call's error, else
 * the copy's status (0: copied).
 */
static inline long verdict_copy(domid_t peer, uint32_t ref, char *buf)
{
	struct gnttab_copy c;
	long rc;

	memset(&c, 0, sizeof(c));
	c.source.u.ref = ref;
	c.source.domid = peer;
	c.dest.u.gmfn = va_to_mfn((uint64_t)buf);
	c.dest.domid = DOMID_SELF;
	c.len = VERDICT_LEN;
	c.flags = GNTCOPY_source_gref;
	rc = verdict_gnttab(GNTTABOP_copy, &c, 1);
	return rc ? rc : c.status;
}

/*
 * dom0: waits for the peer's verdict (the peer's port 1 at first), copies
 * it into buf (VERDICT_LEN bytes, a page of ours) and answers. Returns 0,
 * or -1 when no verdict could be had (buf says why).
 */
static inline int verdict_receive(domid_t peer, char *buf)
{
	struct evtchn_bind_interdomain bi = { .remote_dom = peer, .remote_port = 1 };
	unsigned int tries = 0;
	long rc;

	while ((rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi)) == -EINVAL &&
	       peer_wait_more(&tries, 1000))
		verdict_nap();
	if (rc) {
		snprintf(buf, VERDICT_LEN, "bind_interdomain to the peer gave %ld", rc);
		return -1;
	}
	port_test_and_clear(bi.local_port);	/* the bind raises it once */
	evtchn_send(bi.local_port);		/* the peer may start */
	wait_for_port(bi.local_port);
	rc = verdict_copy(peer, VERDICT_REF, buf);
	evtchn_send(bi.local_port);
	if (rc) {
		snprintf(buf, VERDICT_LEN, "copying the peer's verdict gave %ld", rc);
		return -1;
	}
	buf[VERDICT_LEN - 1] = 0;
	/* Let the peer power off (and, on Lamina, be destroyed and audited). */
	for (tries = 0; !verdict_peer_done(peer) && peer_wait_more(&tries, 200);)
		verdict_nap();
	return 0;
}

/*
 * dom0: turns the verdict of peer id (started or built) into the test's
 * result: TEST_PASS for "ok", else a failure.
 */
static inline int verdict_result(domid_t id)
{
	char *buf = (char *)scratch_page();

	CHECK(verdict_receive(id, buf) == 0, "%s", buf);
	peer_console_flush();
	CHECK(!strcmp(buf, "ok"), "peer: %s", buf);
	return TEST_PASS;
}

/*
 * dom0: starts the peer (command line "role=peer", 16 MiB), sends it the
 * go when @go (a peer that waits in verdict_wait_go); its verdict is the
 * result.
 */
static inline int verdict_await_peer_go(struct start_info *si, bool go)
{
	int peer_id = peer_start(si, "role=peer", 16);
	long rc;

	CHECK(peer_id > 0, "the peer domain could not be started (%d)", peer_id);
	if (go)
		CHECK((rc = verdict_go((domid_t)peer_id)) == 0, "sending the peer its go: %ld", rc);
	return verdict_result((domid_t)peer_id);
}

static inline int verdict_await_peer(struct start_info *si)
{
	return verdict_await_peer_go(si, false);
}

/* dom0: getdomaininfo of id into *op (the next domain up when id is gone, as Xen answers). */
static inline long peer_info(domid_t id, struct domctl *op)
{
	memset(op, 0, sizeof(*op));
	return domctl_call(op, DOMCTL_getdomaininfo, id);
}

/* dom0: is id still listed (live, or destroyed and still held)? */
static inline bool peer_listed(domid_t id)
{
	struct domctl_getdomaininfo info;

	return !domctl_info_of(id, &info);
}

/*
 * dom0: waits, yielding, until getdomaininfo of id fails, answers for
 * another domain or says it has shut down. Returns the last call's result,
 * with its answer in *op.
 */
static inline long peer_wait_shutdown(domid_t id, struct domctl *op)
{
	uint64_t start = wait_tsc();
	long rc;

	for (;;) {
		rc = peer_info(id, op);
		if (rc || op->domain != id || (op->u.getdomaininfo.flags & DOMINF_shutdown) ||
		    !wait_time_left(start))
			return rc;
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	}
}

/* dom0: id's shutdown code once it has one (-1: none within the wait). */
static inline long peer_shutdown_code(domid_t id)
{
	struct domctl op;

	if (peer_wait_shutdown(id, &op) || op.domain != id ||
	    !(op.u.getdomaininfo.flags & DOMINF_shutdown))
		return -1;
	return (op.u.getdomaininfo.flags >> DOMINF_SHUTDOWN_SHIFT) & DOMINF_SHUTDOWN_MASK;
}

/*
 * dom0, for a peer it built (peer_build): destroys it, gives back its
 * console page and waits until it is no longer listed. False (after
 * printing why) if the destroy failed or it stayed listed.
 */
static inline bool peer_destroy_gone(domid_t id)
{
	long rc = domctl_destroy(id);

	if (rc) {
		printf("destroying d%u: %ld\n", id, rc);
		return false;
	}
	peer_unmap_console();
	if (WAIT_UNTIL(!peer_listed(id)))
		return true;
	printf("d%u still listed after its destroy\n", id);
	return false;
}

/*
 * dom0, for a peer it built (peer_build): waits, yielding, until the peer
 * has shut down, then destroys it and gives back its console page.
 */
static inline int peer_wait_destroy(domid_t id)
{
	struct domctl op;
	long rc = peer_wait_shutdown(id, &op);

	CHECK(rc == 0 && op.domain == id && (op.u.getdomaininfo.flags & DOMINF_shutdown),
	      "the peer did not shut down: %ld", rc);
	CHECK((rc = domctl_destroy(id)) == 0, "destroying it: %ld", rc);
	peer_unmap_console();
	return TEST_PASS;
}

/*
 * The whole of a test whose work is all the peer's: the peer offers its
 * verdict through grant frame 0, runs body (which returns NULL, or why it
 * failed) and sends the verdict; dom0 waits for it.
 */
static inline int verdict_test(struct start_info *si, const char *(*body)(struct start_info *si))
{
	struct verdict v;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN)) {
		verdict_offer_frame0(&v);
		verdict_send(&v, body(si));
	}
	return verdict_await_peer(si);
}

/*
 * A test whose body runs in both, dom0 and the peer: the peer sends its
 * verdict as verdict_test's; dom0 runs body, then waits for the peer's.
 */
static inline int verdict_test_both(struct start_info *si,
				    const char *(*body)(struct start_info *si))
{
	struct verdict v;
	const char *why;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN)) {
		verdict_offer_frame0(&v);
		verdict_send(&v, body(si));
	}
	why = body(si);
	CHECK(!why, "%s", why);
	return verdict_await_peer(si);
}

#endif
