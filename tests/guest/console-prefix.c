// SPDX-License-Identifier: GPL-2.0-only
/*
 * console-prefix: a domU's console_io line gets its "(dN) " prefix when it
 * comes while dom0's output is in the middle of a line. dom0 writes half a
 * line, the peer then writes a whole one, dom0 ends its line. Before, one
 * line-start flag served every writer, so the peer's line came out bare
 * inside dom0's, and a reader of the serial console that takes the
 * "(dN) ..." lines out of dom0's output (tests/linux/dom0/run, typing at
 * dom0's shell while Mini-OS printed) lost the echo of its command. Xen
 * 4.17's debug build prints a domU's lines whole with their prefix; its
 * release build refuses the write (-EPERM), which Lamina does not (a debug
 * aid, docs/abi-core.md §2.24), so on Xen only the exchange is checked.
 * @domus: self:peer:role=peer
 * @expect-log: dom0: half a line, then \(d1\) console-prefix: the peer's whole line\n
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/peer.h"

static const char half[] = "dom0: half a line, then ";
static const char whole[] = "console-prefix: the peer's whole line\n";

static long write_raw(const char *s, unsigned long n)
{
	return hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, n, s);
}

static int peer(void)
{
	struct evtchn_alloc_unbound go = { DOMID_SELF, 0, 0 };
	long rc;

	CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &go) == 0, "alloc_unbound failed");
	wait_for_port(go.port);			/* dom0's half line is out */
	rc = write_raw(whole, sizeof(whole) - 1);
	evtchn_send(go.port);
	printf("peer: the write returned %ld\n", rc);
	for (;;)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
}

static int dom0_side(struct start_info *si)
{
	struct evtchn_bind_interdomain bi = { .remote_port = 1 };
	int peer_id = peer_start(si, "role=peer", 16);
	unsigned int tries = 0;
	long rc;

	CHECK(peer_id > 0, "the peer domain could not be started (%d)", peer_id);
	bi.remote_dom = (domid_t)peer_id;
	/* The peer may not have run yet: yield until its port exists. */
	while ((rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi)) == -EINVAL &&
	       peer_wait_more(&tries, 1000))
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	CHECK(rc == 0, "binding the peer's port: %ld", rc);
	port_test_and_clear(bi.local_port);	/* the bind raises it once */
	CHECK(write_raw(half, sizeof(half) - 1) == 0, "dom0's write failed");
	CHECK(evtchn_send(bi.local_port) == 0, "send to the peer failed");
	wait_for_port(bi.local_port);		/* the peer has written */
	write_raw("(dom0's line ends)\n", 19);
	peer_console_flush();
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	return peer_or_dom0(si, peer, dom0_side);
}
