// SPDX-License-Identifier: GPL-2.0-only
/*
 * events-fifo-limit: evtchn_fifo_max_ports= bounds a FIFO domain. With
 * 2000 ports, the event array stops at two pages (-ENOSPC for a third)
 * and binding stops at port 1999 (-ENOSPC); closing a port makes room
 * again. Without the option a FIFO domain may have 2^17 ports, as on Xen.
 * @hvargs: evtchn_fifo_max_ports=2000
 * @xen: skip evtchn_fifo_max_ports= is Lamina's own option (Xen bounds ports per domain in the toolstack's config)
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/fifo.h"

#define MAX_PORTS	2000

static struct fifo fifo;

int test_main(struct start_info *si)
{
	struct evtchn_bind_ipi bi = { 0, 0 };
	struct evtchn_close cl;
	evtchn_port_t last = 0;
	long rc;

	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(fifo_init(&fifo, 0, NULL) == 0, "init_control failed");
	CHECK(fifo_expand(&fifo) == 0 && fifo_expand(&fifo) == 0, "expand_array failed");
	rc = fifo_expand(&fifo);
	CHECK(rc == -ENOSPC, "a third array page for %u ports gave %ld", MAX_PORTS, rc);
	while ((rc = evtchn_op(EVTCHNOP_bind_ipi, &bi)) == 0)
		last = bi.port;
	CHECK(rc == -ENOSPC && last == MAX_PORTS - 1, "binding stopped at port %u with %ld",
	      last, rc);
	cl.port = 1000;
	CHECK(evtchn_op(EVTCHNOP_close, &cl) == 0, "close failed");
	CHECK(evtchn_op(EVTCHNOP_bind_ipi, &bi) == 0 && bi.port == 1000,
	      "after a close, bind gave port %u", bi.port);
	printf("FIFO domain bounded at %u ports, 2 array pages\n", MAX_PORTS);
	return TEST_PASS;
}
