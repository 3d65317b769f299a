/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For the malicious frontends (net-evil, blk-evil): once their backend
 * has disconnected them (state Closing or Closed), did it let go of what
 * it held of theirs? Each grant ref must end (no mapping of it left:
 * gntf_end() refuses a ref the peer still maps) and the event channel
 * must be back to unbound (the backend's end closed). A backend that
 * leaked a mapping or a port on every reconnection would fail here.
 */
#ifndef BE_RELEASED_H
#define BE_RELEASED_H

#include "events.h"
#include "common/gnttab_fe.h"

/* NULL when @refs (@n of them) all ended and @port is unbound; else what was kept. */
static inline const char *be_released(const grant_ref_t *refs, unsigned int n, evtchn_port_t port)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!gntf_end(refs[i]))
			return "a grant the backend mapped is still mapped after it disconnected";
	if (evtchn_op(EVTCHNOP_status, &st))
		return "EVTCHNOP_status of our port failed";
	if (st.status != EVTCHNSTAT_unbound)
		return "our port is still bound by the backend after it disconnected";
	return NULL;
}

#endif
