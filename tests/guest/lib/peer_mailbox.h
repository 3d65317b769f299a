/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A peer's verdict in a mailbox: a page of the peer's that dom0 has
 * mapped through a grant, with the verdict at MAILBOX_OFF. The peer
 * writes why the first check failed and sets done to 2, or sets done to
 * 1 when all went well; dom0 polls done.
 */
#ifndef GUEST_PEER_MAILBOX_H
#define GUEST_PEER_MAILBOX_H

#include "guest.h"

#define MAILBOX_OFF	2048

struct mailbox {
	volatile uint32_t done;		/* 1 = all good, 2 = see why */
	char why[200];
};

/*
 * Peer: when cond does not hold and nothing failed before, says why in
 * the test's `static struct mailbox *box` and marks it failed.
 */
#define MAILBOX_CHECK(cond, ...)					\
	do {								\
		if (!(cond) && box->done != 2) {			\
			snprintf(box->why, sizeof(box->why), __VA_ARGS__);	\
			box->done = 2;					\
		}							\
	} while (0)

#endif
