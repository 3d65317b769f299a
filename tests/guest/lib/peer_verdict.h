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
#include <lamina/grant_table.h>

#ifndef VERDICT_REF
#define VERDICT_REF	3	/* a test may choose another before the #include */
#endif
#define VERDICT_LEN	200

struct verdict {
	evtchn_port_t port;
	char *page;
};

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

/* Peer: reports "ok" (why == NULL) or why, and powers off once dom0 has it. */
static inline void __attribute__((noreturn)) verdict_send(struct verdict *v, const char *why)
{
	snprintf(v->page, VERDICT_LEN, "%s", why ? why : "ok");
	printf("peer: verdict: %s\n", v->page);
	evtchn_send(v->port);
	wait_for_port(v->port);
	shutdown(SHUTDOWN_poweroff);
}

/*
 * dom0: waits for the peer's verdict (the peer's port 1 at first), copies
 * it into buf (VERDICT_LEN bytes, a page of ours) and answers. Returns 0,
 * or -1 when no verdict could be had (buf says why).
 */
static inline int verdict_receive(domid_t peer, char *buf)
{
	struct evtchn_bind_interdomain bi = { .remote_dom = peer, .remote_port = 1 };
	struct gnttab_copy c;
	unsigned int tries = 0;
	long rc;

	while ((rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi)) == -EINVAL && tries++ < 1000)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	if (rc) {
		snprintf(buf, VERDICT_LEN, "bind_interdomain to the peer gave %ld", rc);
		return -1;
	}
	port_test_and_clear(bi.local_port);	/* the bind raises it once */
	evtchn_send(bi.local_port);		/* the peer may start */
	wait_for_port(bi.local_port);
	memset(&c, 0, sizeof(c));
	c.source.u.ref = VERDICT_REF;
	c.source.domid = peer;
	c.dest.u.gmfn = va_to_mfn((uint64_t)buf);
	c.dest.domid = DOMID_SELF;
	c.len = VERDICT_LEN;
	c.flags = GNTCOPY_source_gref;
	rc = verdict_gnttab(GNTTABOP_copy, &c, 1);
	evtchn_send(bi.local_port);
	if (rc || c.status) {
		snprintf(buf, VERDICT_LEN, "copying the peer's verdict gave %ld/%d", rc, c.status);
		return -1;
	}
	buf[VERDICT_LEN - 1] = 0;
	/* Let the peer power off (and, on Lamina, be destroyed and audited). */
	for (tries = 0; tries < 200; tries++)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	return 0;
}

#endif
