// SPDX-License-Identifier: GPL-2.0-only
/*
 * xs-client: a boot-time domU that talks to xenstored in Linux dom0 over
 * its own store ring (start_info store_mfn/store_evtchn), the way a PV
 * kernel's xenbus does, for the linux/domu-xenstore check of make
 * test-linux (tests/linux/dom0/run).
 *
 * It waits until dom0 introduces it (its first request sits in the ring;
 * xenstored finds it when it binds the port, whose first event the
 * hypervisor raises then; at every tenth wake-up without a reply it
 * notifies the port again), then writes
 * data/hello = world under its own /local/domain/<id> (a relative path),
 * reads it back, reads the name the toolstack gave it, is refused a read
 * of a dom0 node, and writes what it saw to data/result, which dom0 reads.
 * It prints nothing (its console would mix with dom0's shell on the
 * serial line) unless something fails, and then waits for ever. The ring
 * protocol, the waits for dom0 and the naps are frontend_drivers/common's
 * xenbus_fe (the same client the project's blkfront and netfront domUs use).
 */
#include "../../guest/lib/guest.h"
#include "../../guest/lib/mm.h"
#include "../../guest/lib/peer.h"
#include "common/xenbus_fe.h"

int test_main(struct start_info *si)
{
	char val[256], name[64], result[400];
	int rc;

	mm_init(si);
	console_page = NULL;	/* print with console_io: dom0 reads no console ring here */
	rc = xbf_init(si);
	if (rc == -ENOENT)
		return fail("no xenstore ring in start_info (built with rings=off?)");
	if (rc)
		return fail("no events or timer: %d", rc);
	/* The first request waits in the ring until dom0 introduces us. */
	rc = xbf_write("data/hello", "world");
	if (rc)
		return fail("write data/hello: %d", rc);
	rc = xbf_read("data/hello", val, sizeof(val));
	if (rc || strcmp(val, "world"))
		return fail("read data/hello: %d '%s'", rc, rc ? "" : val);
	rc = xbf_read("name", name, sizeof(name));
	if (rc)
		return fail("read name: %d", rc);
	/* Refused: val then holds the error's name (EACCES). */
	rc = xbf_read("/local/domain/0/control/feature-poweroff", val, sizeof(val));
	if (rc >= 0)
		return fail("a dom0 node was readable: '%s'", val);
	if (rc == -EIO || rc == -E2BIG)
		return fail("read of a dom0 node: no usable reply: %d", rc);
	snprintf(result, sizeof(result), "hello=world name=%s dom0-node=%s", name, val);
	rc = xbf_write("data/result", result);
	if (rc)
		return fail("write data/result: %d", rc);
	for (;;)	/* no periodic tick (xbf_init): asleep until dom0 destroys us */
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
}
