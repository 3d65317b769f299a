// SPDX-License-Identifier: GPL-2.0-only
/*
 * boot-gzip: dom0's kernel module is this guest's ELF gzipped, and so is
 * the boot-module domU's (hv/decompress.h: the hypervisor decodes both
 * into frames of its own, gives them back after the load). The two swap
 * an event each way, so both must have been built and run. Xen 4.17
 * takes a gzipped dom0 too (bzimage_parse); it builds no domains from
 * boot modules, so there the runner passes the peer's module as it is
 * and dom0 builds the peer from it as its initrd (lib/peer.h): only the
 * dom0 half is what is tested there.
 * @kernel: gzip
 * @domus: self.gz:peer:role=peer
 * @expect-log: d0: kernel module: gzip, \d+ bytes decoded(.|\n)*d1: kernel module: gzip, \d+ bytes decoded
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/peer.h"

static int peer(void)
{
	struct evtchn_alloc_unbound go = { DOMID_SELF, 0, 0 };

	CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &go) == 0, "alloc_unbound failed");
	wait_for_port(go.port);			/* dom0 is bound and asks */
	evtchn_send(go.port);
	for (;;)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
}

static int dom0_side(struct start_info *si)
{
	int peer_id = peer_start(si, "role=peer", 16);
	evtchn_port_t port;
	long rc;

	CHECK(peer_id > 0, "the peer domain could not be started (%d)", peer_id);
	rc = peer_bind((domid_t)peer_id, 1, &port);
	CHECK(rc == 0, "binding the peer's port: %ld", rc);
	CHECK(evtchn_send(port) == 0, "send to the peer failed");
	wait_for_port(port);			/* the peer answered */
	peer_console_flush();
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	return peer_or_dom0(si, peer, dom0_side);
}
