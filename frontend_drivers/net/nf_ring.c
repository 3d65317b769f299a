// SPDX-License-Identifier: GPL-2.0-only
/* netfront's rings, without hypercalls: see nf_ring.h. */
#include <lamina/errno.h>
#include <hv/string.h>
#include "nf_ring.h"

#define TX_SLOTS	NETIF_TX_RING_SIZE
#define RX_SLOTS	NETIF_RX_RING_SIZE

_Static_assert(NF_RX_BUFS <= RX_SLOTS && !(NF_RX_BUFS & (NF_RX_BUFS - 1)), "rx pages");
_Static_assert(NF_TX_BUFS <= TX_SLOTS && !(NF_TX_BUFS & (NF_TX_BUFS - 1)), "tx pages");

static volatile void *slot(volatile struct sring_hdr *h, uint32_t idx, uint32_t n, size_t size)
{
	return (volatile uint8_t *)h + SRING_HDR_SIZE + (idx & (n - 1)) * size;
}

static int give_up(struct nf_ring *r, const char *why)
{
	if (!r->broken)
		r->broken = why;
	return -EIO;
}

void nf_ring_init(struct nf_ring *r, void *tx_ring, void *rx_ring)
{
	memset(tx_ring, 0, NETIF_PAGE);
	memset(rx_ring, 0, NETIF_PAGE);
	r->tx = tx_ring;
	r->rx = rx_ring;
	r->tx->req_event = r->tx->rsp_event = 1;
	r->rx->req_event = r->rx->rsp_event = 1;
	r->tx_prod = r->tx_cons = r->rx_prod = r->rx_cons = 0;
	memset(r->tx_busy, 0, sizeof(r->tx_busy));
	r->broken = NULL;
}

/* Publishes our producer index; true if the backend asked to be told (req_event). */
static bool push(volatile struct sring_hdr *h, uint32_t prod)
{
	uint32_t old = h->req_prod;

	__atomic_thread_fence(__ATOMIC_RELEASE);
	h->req_prod = prod;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return (uint32_t)(prod - h->req_event) < (uint32_t)(prod - old);
}

/*
 * The backend's producer index, once checked: it may not have answered
 * more than we asked (prod - cons outstanding); -1 if it claims to.
 */
static int64_t produced(volatile struct sring_hdr *h, uint32_t cons, uint32_t prod)
{
	uint32_t rp = __atomic_load_n(&h->rsp_prod, __ATOMIC_ACQUIRE);

	return (uint32_t)(rp - cons) > (uint32_t)(prod - cons) ? -1 : (int64_t)rp;
}

int nf_tx_send(struct nf_ring *r, const void *frame, size_t len)
{
	volatile struct netif_tx_request *q;
	unsigned int id;
	int ref;

	if (r->broken)
		return -EIO;
	if (len < 14 || len > NF_FRAME_MAX)
		return -EINVAL;
	for (id = 0; id < NF_TX_BUFS && r->tx_busy[id]; id++)
		;
	if (id == NF_TX_BUFS)
		return -EAGAIN;
	memcpy(r->tx_page[id], frame, len);
	if (len < NF_FRAME_MIN) {
		memset(r->tx_page[id] + len, 0, NF_FRAME_MIN - len);
		len = NF_FRAME_MIN;
	}
	ref = r->grant(r->ctx, r->tx_page[id], true);
	if (ref < 0)
		return -EAGAIN;
	r->tx_ref[id] = (grant_ref_t)ref;
	r->tx_busy[id] = true;
	q = slot(r->tx, r->tx_prod++, TX_SLOTS, NETIF_TX_SLOT);
	q->gref = (uint32_t)ref;
	q->offset = 0;
	q->flags = 0;		/* checksums complete, one slot, no extras */
	q->id = (uint16_t)id;
	q->size = (uint16_t)len;
	return push(r->tx, r->tx_prod);
}

int nf_tx_reap(struct nf_ring *r)
{
	int n = 0;

	for (;;) {
		int64_t rp = r->broken ? -1 : produced(r->tx, r->tx_cons, r->tx_prod);

		if (rp < 0)
			return give_up(r, "tx: the backend answered more than we sent");
		while (r->tx_cons != (uint32_t)rp) {
			volatile struct netif_tx_response *s = slot(r->tx, r->tx_cons++, TX_SLOTS,
								    NETIF_TX_SLOT);
			uint16_t id = s->id;
			int16_t status = s->status;

			/* We send no extras: a NULL answer is as wrong as a foreign id. */
			if (id >= NF_TX_BUFS || !r->tx_busy[id] || status == NETIF_RSP_NULL)
				return give_up(r, "tx: an answer for a packet not in flight");
			if (!r->end(r->ctx, r->tx_ref[id]))
				return give_up(r, "tx: the backend still holds an answered page");
			r->tx_busy[id] = false;
			if (status != NETIF_RSP_OKAY)
				r->tx_errors++;
			n++;
		}
		r->tx->rsp_event = r->tx_cons + 1;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (r->tx_cons == __atomic_load_n(&r->tx->rsp_prod, __ATOMIC_ACQUIRE))
			return n;
	}
}

int nf_rx_refill(struct nf_ring *r)
{
	bool any = false;

	if (r->broken)
		return -EIO;
	while (r->rx_prod - r->rx_cons < NF_RX_BUFS) {
		unsigned int id = r->rx_prod & (NF_RX_BUFS - 1);
		volatile struct netif_rx_request *q;
		int ref = r->grant(r->ctx, r->rx_page[id], false);

		if (ref < 0)
			break;
		r->rx_ref[id] = (grant_ref_t)ref;
		q = slot(r->rx, r->rx_prod++, RX_SLOTS, NETIF_RX_SLOT);
		q->id = (uint16_t)id;
		q->gref = (uint32_t)ref;
		any = true;
	}
	return any && push(r->rx, r->rx_prod);
}

/*
 * Takes the response in the next rx slot, ending its page's grant; the
 * page is @id's (slot % NF_RX_BUFS). -EIO if the grant is still in use.
 */
static int rx_take(struct nf_ring *r, struct netif_rx_response *out, unsigned int *id)
{
	volatile struct netif_rx_response *s = slot(r->rx, r->rx_cons, RX_SLOTS, NETIF_RX_SLOT);

	*id = r->rx_cons++ & (NF_RX_BUFS - 1);
	out->id = s->id;
	out->offset = s->offset;
	out->flags = s->flags;
	out->status = s->status;
	if (!r->end(r->ctx, r->rx_ref[*id]))
		return give_up(r, "rx: the backend still holds an answered page");
	return 0;
}

int nf_rx_next(struct nf_ring *r, void *buf, size_t size)
{
	struct netif_rx_response rsp, more;
	unsigned int id, other;
	int64_t rp = r->broken ? -1 : produced(r->rx, r->rx_cons, r->rx_prod);
	bool bad;

	if (rp < 0)
		return r->broken ? -EIO : give_up(r, "rx: the backend answered more than we asked");
	if (r->rx_cons == (uint32_t)rp)
		return 0;
	if (rx_take(r, &rsp, &id))
		return -EIO;
	bad = rsp.id != id || rsp.status <= 0 || (uint32_t)rsp.offset + (uint32_t)rsp.status >
		NETIF_PAGE || (size_t)rsp.status > size || (rsp.flags & NETRXF_more_data);
	/* Extra-info slots (none asked for) and further data slots: taken, dropped. */
	if (rsp.flags & NETRXF_extra_info) {
		do {
			if (r->rx_cons == (uint32_t)rp)
				break;
			if (rx_take(r, &more, &other))
				return -EIO;
			/* An extra's flags byte is where a response's id has its high byte. */
		} while ((more.id >> 8) & XEN_NETIF_EXTRA_FLAG_MORE);
	}
	while (rsp.flags & NETRXF_more_data && r->rx_cons != (uint32_t)rp) {
		if (rx_take(r, &rsp, &other))
			return -EIO;
	}
	if (bad) {
		r->rx_dropped++;
		return -EAGAIN;
	}
	memcpy(buf, r->rx_page[id] + rsp.offset, (size_t)rsp.status);
	return rsp.status;
}

bool nf_arm(struct nf_ring *r)
{
	r->tx->rsp_event = r->tx_cons + 1;
	r->rx->rsp_event = r->rx_cons + 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return r->tx_cons != r->tx->rsp_prod || r->rx_cons != r->rx->rsp_prod;
}
