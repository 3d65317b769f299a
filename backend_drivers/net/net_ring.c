// SPDX-License-Identifier: GPL-2.0-only
/* The netif data path of one vif: see net_ring.h. */
#include <errno.h>
#include <string.h>
#include "net_ring.h"

void nb_vif_init(struct nb_vif *v, void *tx_page, void *rx_page, nb_copy_fn copy, void *ctx)
{
	memset(v, 0, sizeof(*v));
	be_ring_init(&v->tx, tx_page, NETIF_TX_RING_SIZE);
	be_ring_init(&v->rx, rx_page, NETIF_RX_RING_SIZE);
	v->copy = copy;
	v->copy_ctx = ctx;
	v->fatal_slots = NB_FATAL_SLOTS;
}

/* The first @n bytes of tx request slot req_cons + @i, copied out of the shared page. */
static void peek(const struct be_ring *r, uint32_t i, void *dst, unsigned int n)
{
	const volatile char *src = (const volatile char *)r->sring + SRING_HDR_SIZE +
		(size_t)((r->req_cons + i) & (r->size - 1)) * NETIF_TX_SLOT;
	char *d = dst;
	unsigned int k;

	for (k = 0; k < n && k < NETIF_TX_SLOT; k++)
		d[k] = src[k];
}

static int broken(struct nb_vif *v, const char *why)
{
	v->broken = true;
	v->why = why;
	return -1;
}

/* ---- checksums ---- */

static unsigned int be16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

int nb_csum_hdr(const uint8_t *f, size_t len, struct virtio_net_hdr *vh, int *ipver, int *l4proto,
		unsigned int *l4hlen)
{
	size_t off = NB_ETH_HLEN, l4;
	unsigned int type, proto, hops = 0;

	if (len < NB_ETH_HLEN)
		return -1;
	type = be16(f + 12);
	if (type == 0x8100 || type == 0x88a8) {
		if (len < NB_ETH_HLEN + 4)
			return -1;
		type = be16(f + 16);
		off += 4;
	}
	if (type == 0x0800) {
		unsigned int ihl;

		if (len < off + 20 || (f[off] >> 4) != 4)
			return -1;
		ihl = (f[off] & 15U) * 4;
		/* A fragment carries no whole L4 header to complete. */
		if (ihl < 20 || len < off + ihl || (be16(f + off + 6) & 0x3fff))
			return -1;
		proto = f[off + 9];
		l4 = off + ihl;
		*ipver = 4;
	} else if (type == 0x86dd) {
		if (len < off + 40 || (f[off] >> 4) != 6)
			return -1;
		proto = f[off + 6];
		l4 = off + 40;
		/* hop-by-hop, routing, destination options: skip them */
		while (proto == 0 || proto == 43 || proto == 60) {
			if (++hops > 8 || len < l4 + 8)
				return -1;
			proto = f[l4];
			l4 += ((size_t)f[l4 + 1] + 1) * 8;
		}
		*ipver = 6;
	} else {
		return -1;
	}
	if (proto == 6) {
		if (len < l4 + 20)
			return -1;
		*l4hlen = (f[l4 + 12] >> 4) * 4U;
		if (*l4hlen < 20 || len < l4 + *l4hlen)
			return -1;
		vh->csum_offset = 16;
	} else if (proto == 17) {
		if (len < l4 + 8)
			return -1;
		*l4hlen = 8;
		vh->csum_offset = 6;
	} else {
		return -1;
	}
	if (l4 > 0xffff)
		return -1;
	*l4proto = (int)proto;
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->csum_start = (uint16_t)l4;
	return 0;
}

/* ---- tx: guest -> us ---- */

/* Answers the @n slots from tx_id[@slot0] with @status (NULL for extras). */
static void tx_answer_n(struct nb_vif *v, unsigned int slot0, unsigned int n, int16_t status)
{
	unsigned int i;

	for (i = slot0; i < slot0 + n; i++) {
		struct netif_tx_response *rsp = be_ring_rsp_slot(&v->tx, NETIF_TX_SLOT);

		rsp->id = v->tx_id[i];
		rsp->status = v->tx_extra[i] ? NETIF_RSP_NULL : status;
	}
}

void nb_tx_answer_pkt(struct nb_vif *v, struct nb_tx_pkt *p, int16_t status)
{
	tx_answer_n(v, p->slot0, p->nslots, status);
	p->nslots = 0;
}

void nb_tx_answer(struct nb_vif *v, int16_t status)
{
	if (v->txb_n)
		nb_tx_answer_pkt(v, &v->txb[0], status);
	v->txb_n = 0;
}

bool nb_tx_push(struct nb_vif *v)
{
	if (v->tx.rsp_prod_pvt == v->tx.sring->rsp_prod)
		return false;
	return be_ring_push(&v->tx);
}

static int tx_bad(struct nb_vif *v, struct nb_tx_pkt *p, const char *why)
{
	nb_tx_answer_pkt(v, p, NETIF_RSP_ERROR);
	p->good = false;
	v->tx_bad++;
	v->last_bad = why;
	return 2;
}

/*
 * The pieces moved down into one at the packet's buffer, in order: each
 * piece's new place ends at or before the next piece's old start, so no
 * piece is overwritten before it moves.
 */
static void tx_flatten(struct nb_tx_pkt *p)
{
	size_t at = 0;
	unsigned int i;

	for (i = 0; i < p->niov; i++) {
		memmove(p->buf + at, p->iov[i].iov_base, p->iov[i].iov_len);
		at += p->iov[i].iov_len;
	}
	p->iov[0] = (struct iovec){ p->buf, at };
	p->niov = 1;
}

/*
 * Reads the packet at the head of the ring into @p (its slot ids from
 * tx_id[@slot0]) and lists its copies at @c (*nc of them): 1 listed, 2
 * refused (answered), 0 nothing complete, -1 the ring is broken.
 */
static int tx_parse(struct nb_vif *v, struct nb_tx_pkt *p, unsigned int slot0, struct be_copy *c,
		    unsigned int *nc)
{
	struct netif_tx_request first, d, data[NB_MAX_SLOTS];
	struct netif_extra_info ex;
	unsigned int n = 1, ndata = 1, nextra = 0, i, gso_type = 0, gso_size = 0;
	uint16_t *id = v->tx_id + slot0;
	bool *extra = v->tx_extra + slot0;
	const char *bad = NULL;
	uint32_t rest = 0, own;
	bool more;
	int64_t avail;

	*nc = 0;
	if (v->broken)
		return -1;
	avail = be_ring_avail(&v->tx);
	if (avail < 0)
		return broken(v, "tx req_prod more than a ring ahead");
	v->tx_seen = v->tx.req_cons + (uint32_t)avail;
	if (avail == 0)
		return 0;
	/* avail counts only slots not yet taken and unanswered: slot0 + avail <= the ring */
	peek(&v->tx, 0, &first, NETIF_TX_SLOT);
	id[0] = first.id;
	extra[0] = false;
	data[0] = first;
	/* extras follow the first slot, chained by FLAG_MORE */
	more = first.flags & NETTXF_extra_info;
	while (more) {
		if (n >= avail)
			goto incomplete;
		peek(&v->tx, n, &ex, sizeof(ex));	/* 8 bytes of the 12-byte slot */
		id[n] = 0;
		extra[n++] = true;
		more = ex.flags & XEN_NETIF_EXTRA_FLAG_MORE;
		if (++nextra > NB_MAX_EXTRAS) {
			bad = bad ? bad : "too many extra-info slots";
			continue;
		}
		if (ex.type == XEN_NETIF_EXTRA_TYPE_NONE || ex.type >= XEN_NETIF_EXTRA_TYPE_MAX) {
			bad = bad ? bad : "unknown extra-info type";
		} else if (ex.type == XEN_NETIF_EXTRA_TYPE_GSO) {
			if (!v->tx_gso)
				bad = bad ? bad : "GSO extra without feature-gso";
			else if (gso_type)
				bad = bad ? bad : "two GSO extras";
			else if ((ex.u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 &&
				  ex.u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6) || !ex.u.gso.size)
				bad = bad ? bad : "bad GSO type or size";
			else
				gso_type = ex.u.gso.type, gso_size = ex.u.gso.size;
		}
		/* multicast and hash extras: nothing to do for a tap */
	}
	/* data slots, chained by more_data */
	more = first.flags & NETTXF_more_data;
	while (more) {
		/* ndata - 1 slots after the first so far, and another follows */
		if (ndata - 1 >= v->fatal_slots)
			return broken(v, "a tx packet of more slots than fatal_skb_slots");
		if (n >= avail)
			goto incomplete;
		peek(&v->tx, n, &d, NETIF_TX_SLOT);
		id[n] = d.id;
		extra[n++] = false;
		more = d.flags & NETTXF_more_data;
		if ((uint32_t)d.offset + d.size > NETIF_PAGE)
			return broken(v, "a tx slot after the first crosses its page");
		if (++ndata > NB_MAX_SLOTS) {
			bad = bad ? bad : "too many slots";
			continue;
		}
		data[ndata - 1] = d;
		rest += d.size;
	}
	v->tx.req_cons += n;
	p->slot0 = slot0;
	p->nslots = n;
	if (bad)
		return tx_bad(v, p, bad);
	if (first.size < NB_ETH_HLEN)
		return tx_bad(v, p, first.size ? "runt packet" : "zero-length packet");
	if (rest > first.size)
		return tx_bad(v, p, "slots larger than the packet");
	own = first.size - rest;
	if ((uint32_t)first.offset + own > NETIF_PAGE)
		return tx_bad(v, p, "first slot crosses its page");
	/*
	 * The data, by copy, slot i to page i at the slot's own offset (within
	 * its page, checked above); zero-length slots carry nothing. Pieces
	 * that meet (one ends its page, the next starts the next) are one.
	 */
	data[0].size = (uint16_t)own;
	p->niov = 0;
	for (i = 0; i < ndata; i++) {
		uint8_t *at = p->buf + (size_t)i * NETIF_PAGE + data[i].offset;
		struct iovec *last = p->niov ? &p->iov[p->niov - 1] : NULL;

		if (!data[i].size)
			continue;
		c[(*nc)++] = (struct be_copy){ .local = at, .gref = data[i].gref,
					       .offset = data[i].offset, .len = data[i].size };
		if (last && (uint8_t *)last->iov_base + last->iov_len == at)
			last->iov_len += data[i].size;
		else
			p->iov[p->niov++] = (struct iovec){ at, data[i].size };
	}
	p->len = first.size;
	p->flags = first.flags;
	p->gso_type = (uint8_t)gso_type;
	p->gso_size = (uint16_t)gso_size;
	return 1;

incomplete:
	/* The packet goes on in slots not yet published: wait for them. */
	if (avail >= v->tx.size)
		return broken(v, "a tx packet longer than the ring");
	return 0;
}

/*
 * The virtio-net header of packet @p from its first @hlen bytes at @hdr:
 * NULL, or why the packet is refused.
 */
static const char *tx_vh(const struct nb_tx_pkt *p, const uint8_t *hdr, size_t hlen,
			 struct virtio_net_hdr *vh)
{
	memset(vh, 0, sizeof(*vh));
	if (p->flags & NETTXF_csum_blank) {
		int ipver, proto;
		unsigned int l4hlen;

		if (nb_csum_hdr(hdr, hlen, vh, &ipver, &proto, &l4hlen))
			return "partial checksum without a TCP/UDP header";
		if (p->gso_type) {
			if (proto != 6 || ipver != (p->gso_type == XEN_NETIF_GSO_TYPE_TCPV4 ? 4 : 6))
				return "GSO type does not match the packet";
			vh->gso_type = p->gso_type == XEN_NETIF_GSO_TYPE_TCPV4 ? VIRTIO_NET_HDR_GSO_TCPV4
									       : VIRTIO_NET_HDR_GSO_TCPV6;
			vh->gso_size = p->gso_size;
			vh->hdr_len = (uint16_t)(vh->csum_start + l4hlen);
		}
	} else if (p->gso_type) {
		return "GSO packet without a partial checksum";
	} else if (p->flags & NETTXF_data_validated) {
		vh->flags = VIRTIO_NET_HDR_F_DATA_VALID;
	}
	return NULL;
}

/*
 * After the batch's copy (@rc its result): the packet's pieces copied, its
 * virtio-net header made. 1 good, 2 refused (answered).
 */
static int tx_finish(struct nb_vif *v, struct nb_tx_pkt *p, int rc)
{
	struct virtio_net_hdr *vh = &p->vh;
	const char *why;
	unsigned int i;

	if (rc == -EIO) {
		for (i = p->copy0; i < p->copy0 + p->ncopy; i++)
			if (v->tx_copy[i].status)
				return tx_bad(v, p, "a grant copy failed");
	} else if (rc) {
		return tx_bad(v, p, "the grant copy was refused");
	}
	if (p->flags & NETTXF_csum_blank) {
		int ipver, proto;
		unsigned int l4hlen;

		/* Headers beyond the first piece: the packet made contiguous, then read. */
		if (nb_csum_hdr(p->iov[0].iov_base, p->iov[0].iov_len, vh, &ipver, &proto, &l4hlen) &&
		    p->niov > 1)
			tx_flatten(p);
	}
	why = tx_vh(p, p->iov[0].iov_base, p->iov[0].iov_len, vh);
	if (why)
		return tx_bad(v, p, why);
	p->good = true;
	v->tx_pkts++;
	return 1;
}

static void tx_switch(struct nb_vif *v);

int nb_tx_batch(struct nb_vif *v, uint8_t *bufs, unsigned int max)
{
	unsigned int nc = 0, slots = 0, k, taken = 0, i;
	int rc = 0;

	v->txb_n = 0;
	if (max > NB_TX_BATCH)
		max = NB_TX_BATCH;
	while (taken < max) {
		struct nb_tx_pkt *p = &v->txb[v->txb_n];

		p->buf = bufs + (size_t)v->txb_n * NB_TX_BUF;
		rc = tx_parse(v, p, slots, v->tx_copy + nc, &k);
		if (rc <= 0)
			break;
		taken++;
		if (rc == 1) {
			p->copy0 = nc;
			p->ncopy = k;
			nc += k;
			slots += p->nslots;
			v->txb_n++;
		}
	}
	/* A broken ring after good packets: they go, the next call says -1. */
	if (rc < 0 && !taken)
		return -1;
	if (!v->txb_n)
		return (int)taken;
	if (v->route && v->xcopy) {
		tx_switch(v);
		/*
		 * The rest's pieces moved down to one run, less a first piece
		 * the switch's read took whole (a small packet, a ping: then
		 * no second copy call at all).
		 */
		for (nc = 0, i = 0; i < v->txb_n; i++) {
			struct nb_tx_pkt *p = &v->txb[i];
			unsigned int read = p->ncopy && p->hlen == v->tx_copy[p->copy0].len;

			if (p->to)
				continue;
			memmove(v->tx_copy + nc, v->tx_copy + p->copy0 + read,
				(p->ncopy - read) * sizeof(v->tx_copy[0]));
			p->copy0 = nc;
			p->ncopy -= read;
			nc += p->ncopy;
		}
	} else {
		for (i = 0; i < v->txb_n; i++)
			v->txb[i].to = NULL;
	}
	rc = nc ? v->copy(v->copy_ctx, v->tx_copy, nc, 0) : 0;
	for (i = 0; i < v->txb_n; i++)
		if (!v->txb[i].to)
			tx_finish(v, &v->txb[i], rc);
	return (int)taken;
}

int nb_tx_take(struct nb_vif *v, uint8_t *buf, size_t *len, struct virtio_net_hdr *vh)
{
	int rc = nb_tx_batch(v, buf, 1);
	struct nb_tx_pkt *p = &v->txb[0];

	if (rc <= 0)
		return rc;
	if (!v->txb_n || !p->good) {
		v->txb_n = 0;
		return 2;
	}
	*len = p->len;
	*vh = p->vh;
	memcpy(v->tx_iov, p->iov, p->niov * sizeof(p->iov[0]));
	v->tx_niov = p->niov;
	return 1;
}

bool nb_tx_final_check(struct nb_vif *v)
{
	uint32_t seen = v->tx_seen;

	if (v->broken)
		return false;
	if (v->tx.sring->req_prod != seen)
		return true;
	v->tx.sring->req_event = seen + 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return v->tx.sring->req_prod != seen;
}

bool nb_tx_more(const struct nb_vif *v)
{
	return !v->broken && __atomic_load_n(&v->tx.sring->req_prod, __ATOMIC_ACQUIRE) != v->tx_seen;
}

/* ---- rx: us -> guest ---- */

static int gso_of(const struct virtio_net_hdr *vh)
{
	switch (vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE: return XEN_NETIF_GSO_TYPE_NONE;
	case VIRTIO_NET_HDR_GSO_TCPV4: return XEN_NETIF_GSO_TYPE_TCPV4;
	case VIRTIO_NET_HDR_GSO_TCPV6: return XEN_NETIF_GSO_TYPE_TCPV6;
	default: return -1;
	}
}

unsigned int nb_rx_slots(const struct nb_vif *v, size_t len, const struct virtio_net_hdr *vh)
{
	int gso = gso_of(vh);
	unsigned int n;

	if (!len || len > NB_FRAME_MAX || gso < 0 ||
	    (gso && (!(v->rx_gso & NB_GSO_BIT(gso)) || !vh->gso_size)) ||
	    (v->rx_no_csum && (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)))
		return 0;
	n = (unsigned int)((len + NETIF_PAGE - 1) / NETIF_PAGE) + (gso ? 1 : 0);
	return n > NB_RX_SLOTS_MAX ? 0 : n;
}

bool nb_rx_batch_full(const struct nb_vif *v)
{
	return v->rx_npkt >= NB_RX_BATCH;
}

static unsigned int csum_flags(const struct virtio_net_hdr *vh)
{
	if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return NETRXF_csum_blank | NETRXF_data_validated;
	if (vh->flags & VIRTIO_NET_HDR_F_DATA_VALID)
		return NETRXF_data_validated;
	return 0;
}

/*
 * Takes rx request @i of a frame of @len bytes (@at of them in the slots
 * before) and makes its response: the GSO extra (NULL back) or a data
 * slot's (its bytes in status, its grant in *gref).
 */
static struct nb_rx_rsp *rx_take(struct nb_vif *v, unsigned int i, int gso,
				 const struct virtio_net_hdr *vh, size_t len, size_t at, uint32_t *gref)
{
	struct nb_rx_rsp *r = &v->rx_rsp[v->rx_nrsp++];
	struct netif_rx_request req;

	be_ring_take(&v->rx, &req, NETIF_RX_SLOT);
	memset(r, 0, sizeof(*r));
	r->id = req.id;
	r->piece = -1;
	if (gso && i == 1) {
		r->extra = true;
		r->gso_type = (uint8_t)gso;
		r->gso_size = vh->gso_size;
		return NULL;
	}
	r->status = (int16_t)(len - at < NETIF_PAGE ? len - at : NETIF_PAGE);
	if (i == 0)
		r->flags = (uint16_t)(csum_flags(vh) | (gso ? NETRXF_extra_info : 0));
	if (at + (size_t)r->status < len)
		r->flags |= NETRXF_more_data;
	*gref = req.gref;
	return r;
}

int nb_rx_put(struct nb_vif *v, const uint8_t *frame, size_t len, const struct virtio_net_hdr *vh)
{
	unsigned int need = nb_rx_slots(v, len, vh), i;
	size_t at = 0;
	int64_t avail;
	int gso;

	if (v->broken)
		return -1;
	if (!need) {
		v->rx_drop++;
		return 2;
	}
	if (nb_rx_batch_full(v))
		return 0;
	avail = be_ring_avail(&v->rx);
	if (avail < 0)
		return broken(v, "rx req_prod more than a ring ahead");
	if (avail < need)
		return 0;
	gso = gso_of(vh);
	for (i = 0; i < need; i++) {
		uint32_t gref;
		struct nb_rx_rsp *r = rx_take(v, i, gso, vh, len, at, &gref);

		if (!r)
			continue;
		r->piece = (int)v->rx_ncopy;
		v->rx_copy[v->rx_ncopy++] = (struct be_copy){ .local = (void *)(frame + at),
			.gref = gref, .offset = 0, .len = (uint16_t)r->status };
		at += (size_t)r->status;
	}
	v->rx_npkt++;
	v->rx_pkts++;
	return 1;
}

bool nb_rx_flush(struct nb_vif *v)
{
	unsigned int i;
	int rc = 0;

	if (!v->rx_nrsp)
		return false;
	if (v->rx_ncopy)
		rc = v->copy(v->copy_ctx, v->rx_copy, v->rx_ncopy, 1);
	for (i = 0; i < v->rx_nrsp; i++) {
		struct nb_rx_rsp *r = &v->rx_rsp[i];
		void *slot = be_ring_rsp_slot(&v->rx, NETIF_RX_SLOT);

		if (r->extra) {
			struct netif_extra_info ex = { .type = XEN_NETIF_EXTRA_TYPE_GSO };

			ex.u.gso.size = r->gso_size;
			ex.u.gso.type = r->gso_type;
			memcpy(slot, &ex, sizeof(ex));
		} else {
			struct netif_rx_response rsp = { .id = r->id, .offset = 0, .flags = r->flags,
							 .status = r->status };

			if (rc && (rc != -EIO || v->rx_copy[r->piece].status != 0))
				rsp.status = NETIF_RSP_ERROR;
			memcpy(slot, &rsp, sizeof(rsp));
		}
	}
	v->rx_nrsp = v->rx_ncopy = v->rx_npkt = 0;
	return be_ring_push(&v->rx);
}

bool nb_rx_final_check(struct nb_vif *v, unsigned int need)
{
	uint32_t cons = v->rx.req_cons;

	if (v->broken)
		return false;
	if (need < 1)
		need = 1;
	if ((uint32_t)(v->rx.sring->req_prod - cons) >= need)
		return true;
	v->rx.sring->req_event = cons + need;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return (uint32_t)(v->rx.sring->req_prod - cons) >= need;
}

/* ---- the switch: guest -> guest ---- */

/*
 * Can packet @p (its first p->hlen bytes read) go straight to @to? Its
 * header into @vh. The tap's way judges every packet this refuses.
 */
static unsigned int sw_check(struct nb_vif *v, struct nb_tx_pkt *p, struct nb_vif *to,
			     struct virtio_net_hdr *vh)
{
	const uint8_t *hdr = p->iov[0].iov_base;
	unsigned int need;
	int64_t avail;

	if (!to || to == v || to->broken || to->rx_backlog || !to->xcopy)
		return 0;
	if (tx_vh(p, hdr, p->hlen, vh))
		return 0;
	/* What the bridge would forward to a tap of MTU NB_SW_MTU (VLAN tag allowed) */
	if (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE
		    ? p->len > NB_ETH_HLEN + 4 + NB_SW_MTU
		    : (size_t)vh->hdr_len + vh->gso_size > NB_ETH_HLEN + 4 + NB_SW_MTU)
		return 0;
	need = nb_rx_slots(to, p->len, vh);
	if (!need || nb_rx_batch_full(to) ||
	    to->rx_nrsp + need > sizeof(to->rx_rsp) / sizeof(to->rx_rsp[0]))
		return 0;
	avail = be_ring_avail(&to->rx);
	if (avail < 0)
		return 0;	/* its owner finds it broken */
	if (avail < need) {
		to->rx_backlog = true;
		return 0;
	}
	return need;
}

/*
 * Packet @p into @to's rx buffers (@need requests): its responses made,
 * its pieces listed at v->tx_xcopy[*nx ..]: the first p->hlen bytes from
 * the copy read (what was checked is what arrives), the rest from the
 * sender's grants.
 */
static void sw_place(struct nb_vif *v, struct nb_tx_pkt *p, struct nb_vif *to, unsigned int need,
		     const struct virtio_net_hdr *vh, unsigned int *nx)
{
	int gso = gso_of(vh);
	unsigned int i, src = p->copy0;
	size_t at = 0, soff = 0;	/* in the frame; in the source piece */

	p->to = to;
	p->rsp0 = to->rx_nrsp;
	p->nrsp = need;
	p->x0 = *nx;
	for (i = 0; i < need; i++) {
		uint32_t dref;
		struct nb_rx_rsp *r = rx_take(to, i, gso, vh, p->len, at, &dref);

		if (!r)
			continue;
		/* this page's bytes: the read part, then source pieces, split where either ends */
		for (size_t doff = 0; doff < (size_t)r->status;) {
			struct be_xcopy *x = &v->tx_xcopy[*nx];
			size_t n = (size_t)r->status - doff;

			*x = (struct be_xcopy){ .ddom = to->domid, .dref = dref,
						.doff = (uint16_t)doff };
			if (at < p->hlen) {
				n = n < p->hlen - at ? n : p->hlen - at;
				x->local = (const uint8_t *)p->iov[0].iov_base + at;
			} else {
				const struct be_copy *c;

				/* the read part is the head of the first piece */
				if (src == p->copy0 && soff < p->hlen)
					soff = p->hlen;
				while (soff >= v->tx_copy[src].len)
					soff -= v->tx_copy[src].len, src++;
				c = &v->tx_copy[src];
				n = n < c->len - soff ? n : c->len - soff;
				x->sdom = v->domid;
				x->sref = c->gref;
				x->soff = (uint16_t)(c->offset + soff);
				soff += n;
			}
			x->len = (uint16_t)n;
			v->tx_xrsp[(*nx)++] = (uint16_t)(p->rsp0 + i);
			doff += n;
			at += n;
		}
	}
	p->nx = *nx - p->x0;
	to->rx_npkt++;
}

/* Switches what it can of the batch (nb_tx_batch()). */
static void tx_switch(struct nb_vif *v)
{
	struct be_copy hc[NB_TX_BATCH];
	unsigned int hp[NB_TX_BATCH], nh = 0, nx = 0, i, k;
	int rc;

	for (i = 0; i < v->txb_n; i++) {
		struct nb_tx_pkt *p = &v->txb[i];

		p->to = NULL;
		p->hlen = 0;
		if (!p->ncopy || v->tx_copy[p->copy0].len < NB_ETH_HLEN)
			continue;
		hc[nh] = v->tx_copy[p->copy0];
		if (hc[nh].len > NB_PEEK)
			hc[nh].len = NB_PEEK;
		hp[nh++] = i;
	}
	/* The first bytes of each: one copy call. */
	rc = nh ? v->copy(v->copy_ctx, hc, nh, 0) : -1;
	if (rc && rc != -EIO)
		return;
	for (k = 0; k < nh; k++) {
		struct nb_tx_pkt *p = &v->txb[hp[k]];
		struct virtio_net_hdr vh;
		struct nb_vif *to;
		unsigned int need;

		if (hc[k].status)
			continue;	/* the tap's way says why */
		p->hlen = hc[k].len;
		to = v->route(v->route_ctx, p->iov[0].iov_base, p->hlen);
		need = sw_check(v, p, to, &vh);
		if (need)
			sw_place(v, p, to, need, &vh, &nx);
	}
	if (!nx)
		return;
	rc = v->xcopy(v->copy_ctx, v->tx_xcopy, nx);
	for (i = 0; i < v->txb_n; i++) {
		struct nb_tx_pkt *p = &v->txb[i];
		struct nb_vif *to = p->to;
		bool bad = false;

		if (!to)
			continue;
		for (k = p->x0; k < p->x0 + p->nx; k++) {
			if (rc && (rc != -EIO || v->tx_xcopy[k].status)) {
				to->rx_rsp[v->tx_xrsp[k]].status = NETIF_RSP_ERROR;
				bad = true;
			}
		}
		/*
		 * A piece refused: the sender's grants or the receiver's? The
		 * sender's read again into our buffer says; the sender's fault
		 * fails the packet both ways, the receiver's only its slots.
		 */
		if (bad && v->copy(v->copy_ctx, v->tx_copy + p->copy0, p->ncopy, 0)) {
			unsigned int j;

			for (j = p->rsp0; j < p->rsp0 + p->nrsp; j++)
				if (!to->rx_rsp[j].extra)
					to->rx_rsp[j].status = NETIF_RSP_ERROR;
			tx_bad(v, p, "a grant copy failed");
			to->rx_drop++;
			continue;
		}
		p->good = false;
		nb_tx_answer_pkt(v, p, NETIF_RSP_OKAY);
		v->tx_pkts++;
		v->tx_switched++;
		v->tx_sw_bytes += p->len;
		to->rx_pkts++;
		to->rx_switched++;
		to->rx_sw_bytes += bad ? 0 : p->len;
	}
	/* Each receiver's responses published. */
	for (i = 0; i < v->txb_n; i++) {
		struct nb_vif *to = v->txb[i].to;

		if (to && to->rx_nrsp && nb_rx_flush(to))
			to->rx_notify = true;
	}
}
