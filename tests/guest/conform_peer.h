/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Conformance rows (conform.h) run by an unprivileged peer, this guest
 * again beside dom0 (@domus: self:peer:role=peer): the peer prints only
 * the rows that differ (a domU's console page on Xen is small) and sends
 * its verdict through lib/peer_verdict.h; dom0 starts it and turns the
 * verdict into its own result.
 */
#ifndef GUEST_CONFORM_PEER_H
#define GUEST_CONFORM_PEER_H

#include "conform.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"

/* The peer's side: rows(arg), then the verdict. */
static inline void __attribute__((noreturn)) conform_peer_rows(void (*rows)(void *), void *arg)
{
	static char why[VERDICT_LEN];
	struct verdict v;

	verdict_offer_frame0(&v);
	conform_begin();
	conform_state.quiet = true;
	rows(arg);
	if (conform_state.bad)
		snprintf(why, sizeof(why), "%u of %u domU rows differ, first: %s",
			 conform_state.bad, conform_state.rows, conform_state.first_bad);
	else
		printf("peer: %u domU rows as expected\n", conform_state.rows);
	verdict_send(&v, conform_state.bad ? why : NULL);
}

/* dom0's side: starts the peer (16 MiB) and waits for its verdict. */
static inline int conform_peer_verdict(struct start_info *si)
{
	int peer_id = peer_start(si, "role=peer", 16);
	char *buf = (char *)scratch_page();

	CHECK(peer_id > 0, "the peer domain could not be started (%d)", peer_id);
	CHECK(verdict_receive((domid_t)peer_id, buf) == 0, "%s", buf);
	peer_console_flush();
	CHECK(!strcmp(buf, "ok"), "peer: %s", buf);
	return TEST_PASS;
}

/* Both: rows(arg) in dom0, then in the peer. */
static inline int conform_dom0_and_peer(struct start_info *si, void (*rows)(void *), void *arg,
					const char *area)
{
	int rc;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		conform_peer_rows(rows, arg);
	conform_begin();
	rows(arg);
	rc = conform_end(area);
	return rc == TEST_PASS ? conform_peer_verdict(si) : rc;
}

#endif
