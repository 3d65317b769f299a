// SPDX-License-Identifier: GPL-2.0-only
/*
 * domu-wait: dom0 yields until the boot-time domain d1 has gone (Lamina
 * destroys a boot-time domain that shuts down), then powers off: the
 * machine lives as long as its domU. When d1 has a console ring, dom0 is
 * its console backend meanwhile, as xenconsoled would be: it maps the
 * ring through d1's reserved console grant, binds its port and consumes
 * what d1 writes (counted, not printed: a domU's console_io output is on
 * Lamina's console already), so a domU that waits for its ring to drain
 * goes on. tests/run/xtf --domu boots an XTF test as d1 beside it; here
 * d1 is hello, with rings.
 * @domus: hello:d1::rings=on
 * @xen: skip Xen 4.17 builds no domain but dom0 from boot modules
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include <lamina/domctl.h>
#include <lamina/grant_table.h>
#include <lamina/hvm_op.h>

#define DOMU		1

/* d1's DOMINF_* flags, or -1 once it is gone. */
static long domu_flags(void)
{
	return domain_info_flags(DOMU);
}

static grant_handle_t ring_handle;
static int unmap_status;	/* of the unmap after a failed bind */

/* Maps d1's console ring and binds its port; NULL if it has no ring. */
static struct peer_console *console_ring(evtchn_port_t *port)
{
	struct xen_hvm_param p = { .domid = DOMU, .index = HVM_PARAM_CONSOLE_EVTCHN };
	struct evtchn_bind_interdomain bind = { DOMU, 0, 0, 0 };
	uint64_t va = scratch_page();
	struct gnttab_map_grant_ref map = { va, GNTMAP_host_map, GNTTAB_RESERVED_CONSOLE,
					    DOMU, 0, ~0U, 0 };

	if (hypercall2(__HYPERVISOR_hvm_op, HVMOP_get_param, &p))
		return NULL;
	if (hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, &map, 1) ||
	    map.status != GNTST_okay)
		return NULL;
	ring_handle = map.handle;
	bind.remote_port = (evtchn_port_t)p.value;
	if (evtchn_op(EVTCHNOP_bind_interdomain, &bind)) {
		/*
		 * d1 ran to its end before we bound (its ports closed by its
		 * destroy): our mapping must not outlive this, or it keeps d1's
		 * page and d1 never goes.
		 */
		struct gnttab_unmap_grant_ref unmap = { va, 0, ring_handle, 0, 0 };

		if (hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref,
			       &unmap, 1) || unmap.status != GNTST_okay)
			unmap_status = unmap.status ? unmap.status : -1;
		printf("domu-wait: d1's console port could not be bound (d1 ended first)\n");
		return NULL;
	}
	*port = bind.local_port;
	return (struct peer_console *)va;
}

int test_main(struct start_info *si)
{
	struct peer_console *ring;
	unsigned long yields = 0, bytes = 0;
	evtchn_port_t port = 0;
	bool mapped = false;
	long flags;

	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(domu_flags() >= 0, "no boot-time domain d1 beside dom0");
	ring = console_ring(&port);
	CHECK(!unmap_status, "unmapping d1's console ring after a failed bind: %d", unmap_status);
	if (ring)
		mapped = true;
	while ((flags = domu_flags()) >= 0) {
		if (mapped && ring->out_cons != ring->out_prod) {
			bytes += ring->out_prod - ring->out_cons;
			ring->out_cons = ring->out_prod;
			evtchn_send(port);	/* room again */
		}
		if (mapped && (flags & (DOMINF_shutdown | DOMINF_dying))) {
			/* Our mapping must not keep its page: let it go. */
			struct gnttab_unmap_grant_ref unmap = { (uint64_t)ring, 0, ring_handle,
								0, 0 };
			struct evtchn_close close = { port };

			CHECK(hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref,
					 &unmap, 1) == 0 && unmap.status == GNTST_okay,
			      "unmapping d1's console ring: %d", unmap.status);
			evtchn_op(EVTCHNOP_close, &close);
			mapped = false;
		}
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		yields++;
	}
	printf("domu-wait: d1 is gone (%lu yields; %s, %lu bytes)\n", yields,
	       ring ? "its console ring drained" : "no console ring", bytes);
	return TEST_PASS;
}
