/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netfront's two rings (docs/abi-devices.md §5.3), the part without
 * hypercalls, so that the host unit tests can play a backend against it
 * (tests/unit/frontend_drivers/net/nf_ring.c).
 *
 * tx: one slot per packet (no scatter-gather, no extras): the frame is
 * copied into one of NF_TX_BUFS pages, granted read-only, and the page
 * waits for the response carrying its id. rx: NF_RX_BUFS pages granted
 * writable, one per request; the id of the request in ring slot i is
 * i % NF_RX_BUFS (at most NF_RX_BUFS are outstanding, so it is unique),
 * and the backend answers in the slot of the request (Linux's rule).
 *
 * Everything the backend writes is untrusted: a producer index more than
 * our outstanding requests ahead, a tx response for an id that is not in
 * flight, a grant it still holds when it answers, break the rings for
 * good (`broken` says why; nothing more is sent or taken). An rx response
 * with a wrong id, an error status, an offset + size past the page, or a
 * packet spread over several slots (we offered no scatter-gather) is
 * dropped and counted; its page goes back to the ring.
 */
#ifndef FE_NF_RING_H
#define FE_NF_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lamina/grant_table.h>
#include <lamina/io/blkif.h>			/* struct sring_hdr */
#include <lamina/io/netif.h>

#define NF_TX_BUFS	32	/* packets in flight to the backend (power of two) */
#define NF_RX_BUFS	64	/* receive pages posted (power of two, <= 256) */
#define NF_FRAME_MAX	1514	/* an Ethernet frame without FCS, MTU 1500 */
#define NF_FRAME_MIN	60	/* shorter frames are padded with zeros */

struct nf_ring {
	volatile struct sring_hdr *tx, *rx;	/* the shared pages */
	uint32_t tx_prod, tx_cons, rx_prod, rx_cons;	/* ours, never read back */
	uint8_t *tx_page[NF_TX_BUFS], *rx_page[NF_RX_BUFS];
	grant_ref_t tx_ref[NF_TX_BUFS], rx_ref[NF_RX_BUFS];
	bool tx_busy[NF_TX_BUFS];
	const char *broken;	/* why the backend's rings were given up, or NULL */
	unsigned long rx_dropped, tx_errors;
	/* Grants @page to the backend: a ref, or < 0. */
	int (*grant)(void *ctx, void *page, bool ro);
	/* Ends a grant; false while the backend still has the page in use. */
	bool (*end)(void *ctx, grant_ref_t ref);
	void *ctx;
};

/* Zeroes both ring pages and sets their event indices; pages must be set. */
void nf_ring_init(struct nf_ring *r, void *tx_ring, void *rx_ring);
/*
 * Copies @frame (14..NF_FRAME_MAX bytes) to a free tx page, grants it and
 * posts it. 1 if the backend must be notified, 0 if not, -EAGAIN when all
 * pages are in flight, -EINVAL for a bad length, -EIO once broken.
 */
int nf_tx_send(struct nf_ring *r, const void *frame, size_t len);
/* Takes the tx responses there are: how many, or -EIO once broken. */
int nf_tx_reap(struct nf_ring *r);
/* Grants and posts rx pages until NF_RX_BUFS are out: 1 if the backend must be notified. */
int nf_rx_refill(struct nf_ring *r);
/*
 * The next received frame copied to @buf: its length, 0 when there is
 * none, -EAGAIN when one was dropped (call again), -EIO once broken.
 */
int nf_rx_next(struct nf_ring *r, void *buf, size_t size);
/* Asks for an event on the next response on either ring; true if one came meanwhile. */
bool nf_arm(struct nf_ring *r);

#endif
