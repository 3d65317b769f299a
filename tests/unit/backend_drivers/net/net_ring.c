// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests and a ring fuzzer for backend_drivers/net/net_ring.c: the
 * netif data path on two host pages standing for the guest's rings, with
 * a fake grant table (gref < NGREF are granted pages; others fail as a
 * bad grant does). Good packets come through whole; every malformed one
 * is answered ERROR on each slot (NULL for extras) and the next good
 * packet still goes; impossible indices break the vif and nothing else.
 * The fuzzer writes random slots and indices for many rounds under
 * ASan/UBSan and checks the responses always match the requests taken.
 * The switch (guest to guest, no tap) runs against a second vif, w, of
 * another domain with grant pages of its own: what arrives is what was
 * sent, its first bytes what was checked, each refusal falls to the tap's
 * way, a bad grant fails only its owner's side, and no copy ever names a
 * domain other than the sender (source) and the receiver (destination).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include "../../unit.h"
#include "../../../../backend_drivers/net/net_ring.h"

#define NGREF 64
static uint8_t pages[NGREF][4096];
static union { struct sring_hdr h; uint8_t b[4096]; } txp, rxp;
static struct nb_vif v;
static uint8_t buf[NB_TX_BATCH * NB_TX_BUF] __attribute__((aligned(4096)));
static uint8_t pkt[NB_TX_BUF];	/* the taken packet's pieces, gathered */
static unsigned long copies_refused, tx_pieces_split, copy_calls;
static unsigned long copies_past_page;	/* pieces be_grant_copy would refuse as malformed */

/* The receiver of the switch tests: domain W_DOM, its grants pages_w[]. */
#define V_DOM	1
#define W_DOM	2
static uint8_t pages_w[NGREF][4096];
static union { struct sring_hdr h; uint8_t b[4096]; } txw, rxw;
static struct nb_vif w;
static const uint8_t w_mac[6] = { 0x00, 0x16, 0x3e, 0, 0, 2 };
static unsigned long xcopy_calls, xcopy_foreign, xcopy_wrong_dom;
static void (*xcopy_race)(void);	/* the sender's guest, writing while we copy */

static int fake_copy(void *ctx, struct be_copy *c, unsigned int n, int to_guest)
{
	int bad = 0;
	unsigned int i;

	(void)ctx;
	copy_calls++;
	for (i = 0; i < n; i++) {
		if (!c[i].len || c[i].offset + c[i].len > 4096) {
			copies_past_page++;
			return -EINVAL;	/* as be_grant_copy refuses them */
		}
		if (c[i].gref >= NGREF) {
			c[i].status = -4;	/* GNTST_bad_gntref */
			bad = 1;
			copies_refused++;
			continue;
		}
		c[i].status = 0;
		/* a tx slot lands within one page of buf: one op each in gntdev */
		if (!to_guest && ((uintptr_t)c[i].local & 4095) + c[i].len > 4096)
			tx_pieces_split++;
		if (to_guest)
			memcpy(pages[c[i].gref] + c[i].offset, c[i].local, c[i].len);
		else
			memcpy(c[i].local, pages[c[i].gref] + c[i].offset, c[i].len);
	}
	return bad ? -EIO : 0;
}

/*
 * be_grant_xcopy on the fake: sources in V_DOM's pages (or local), the
 * destination in W_DOM's; any other domain is a grant we must never touch.
 */
static int fake_xcopy(void *ctx, struct be_xcopy *c, unsigned int n)
{
	int bad = 0;
	unsigned int i;

	(void)ctx;
	xcopy_calls++;
	if (xcopy_race)
		xcopy_race();
	for (i = 0; i < n; i++) {
		const uint8_t *src;

		if (!c[i].len || c[i].doff + c[i].len > 4096 ||
		    (!c[i].local && c[i].soff + c[i].len > 4096))
			return -EINVAL;
		if ((!c[i].local && c[i].sdom != V_DOM) || c[i].ddom != W_DOM) {
			xcopy_wrong_dom++;
			c[i].status = -2;	/* GNTST_bad_domain */
			bad = 1;
			continue;
		}
		if ((!c[i].local && c[i].sref >= NGREF) || c[i].dref >= NGREF) {
			c[i].status = -4;
			bad = 1;
			copies_refused++;
			continue;
		}
		xcopy_foreign += !c[i].local;
		src = c[i].local ? c[i].local : pages[c[i].sref] + c[i].soff;
		memcpy(pages_w[c[i].dref] + c[i].doff, src, c[i].len);
		c[i].status = 0;
	}
	return bad ? -EIO : 0;
}

/* The pieces @iov (in buffer @k of buf), in order, into pkt; their total. */
static size_t gather_iov(const struct iovec *iov, unsigned int niov, unsigned int k)
{
	const uint8_t *lo = buf + (size_t)k * NB_TX_BUF, *hi = lo + NB_TX_BUF;
	size_t at = 0;
	unsigned int i;

	for (i = 0; i < niov; i++) {
		const uint8_t *b = iov[i].iov_base;

		EXPECT(b >= lo && b + iov[i].iov_len <= hi);
		if (b < lo || b + iov[i].iov_len > hi || at + iov[i].iov_len > sizeof(pkt))
			return 0;
		memcpy(pkt + at, b, iov[i].iov_len);
		at += iov[i].iov_len;
	}
	return at;
}

/* The pieces of the packet nb_tx_take() took, in order, into pkt; their total. */
static size_t gather(void)
{
	return gather_iov(v.tx_iov, v.tx_niov, 0);
}

static void setup(void)
{
	memset(&txp, 0, sizeof(txp));
	memset(&rxp, 0, sizeof(rxp));
	txp.h.req_event = txp.h.rsp_event = 1;
	rxp.h.req_event = rxp.h.rsp_event = 1;
	nb_vif_init(&v, &txp, &rxp, fake_copy, NULL);
}

static struct netif_tx_request *txs(uint32_t i)
{
	return (struct netif_tx_request *)(txp.b + 64) + (i & 255);
}

static struct netif_tx_response *txr(uint32_t i)
{
	return (struct netif_tx_response *)(txp.b + 64 + 12 * (i & 255));
}

static void put_tx(uint32_t gref, uint16_t off, uint16_t flags, uint16_t id, uint16_t size)
{
	*txs(txp.h.req_prod++) = (struct netif_tx_request){ gref, off, flags, id, size };
}

/* A UDP/IPv4 frame of @len bytes in page @g at @off. */
static void udp_frame(unsigned int g, unsigned int off, unsigned int len)
{
	uint8_t *f = pages[g] + off;

	memset(f, 0, len);
	f[12] = 0x08;
	f[14] = 0x45;
	f[23] = 17;
	for (unsigned int i = 42; i < len; i++)
		f[i] = (uint8_t)i;
}

static void tx_good_single(void)
{
	struct virtio_net_hdr vh;
	size_t len = 0;

	udp_frame(3, 100, 60);
	put_tx(3, 100, NETTXF_csum_blank, 7, 60);
	EXPECT_EQ(nb_tx_take(&v, buf, &len, &vh), 1);
	EXPECT_EQ(len, 60);
	EXPECT_EQ(gather(), 60);
	EXPECT(!memcmp(pkt, pages[3] + 100, 60));
	EXPECT_EQ(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	EXPECT_EQ(vh.csum_start, 34);
	EXPECT_EQ(vh.csum_offset, 6);
	nb_tx_answer(&v, NETIF_RSP_OKAY);
	EXPECT(nb_tx_push(&v));
	EXPECT_EQ(txp.h.rsp_prod, 1);
	EXPECT_EQ(txr(0)->id, 7);
	EXPECT_EQ(txr(0)->status, NETIF_RSP_OKAY);
	EXPECT_EQ(nb_tx_take(&v, buf, &len, &vh), 0);
}

/* Three slots (first's size is the total) and an extra that is ignored. */
static void tx_good_multi(void)
{
	struct virtio_net_hdr vh;
	size_t len = 0;

	udp_frame(1, 4000, 96);
	memset(pages[2], 0xaa, 4096);
	memset(pages[4], 0xbb, 100);
	put_tx(1, 4000, NETTXF_more_data | NETTXF_extra_info, 1, 96 + 4096 + 100);
	put_tx(0, 0, 0, 99, 0);
	((struct netif_extra_info *)txs(1))->type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD;
	put_tx(2, 0, NETTXF_more_data, 2, 4096);
	put_tx(4, 0, 0, 3, 100);
	EXPECT_EQ(nb_tx_take(&v, buf, &len, &vh), 1);
	if (v.last_bad)
		printf("    last_bad: %s\n", v.last_bad);
	EXPECT_EQ(len, 96 + 4096 + 100);
	EXPECT_EQ(gather(), len);
	EXPECT(!memcmp(pkt, pages[1] + 4000, 96));
	EXPECT_EQ(pkt[96], 0xaa);
	EXPECT_EQ(pkt[96 + 4096 + 99], 0xbb);
	EXPECT_EQ(v.tx_niov, 1);	/* slots that meet at page ends: one piece */
	EXPECT_EQ(tx_pieces_split, 0);
	nb_tx_answer(&v, NETIF_RSP_OKAY);
	nb_tx_push(&v);
	EXPECT_EQ(txp.h.rsp_prod, 4);
	EXPECT_EQ(txr(0)->id, 1);
	EXPECT_EQ(txr(1)->status, NETIF_RSP_NULL);
	EXPECT_EQ(txr(2)->id, 2);
	EXPECT_EQ(txr(3)->id, 3);
	EXPECT_EQ(txr(3)->status, 0);
}

/* Each bad packet: rc 2, every slot answered ERROR, then a good one goes. */
static void expect_refused(unsigned int slots)
{
	struct virtio_net_hdr vh;
	size_t len;
	uint32_t from = v.tx.rsp_prod_pvt, i;

	EXPECT_EQ(nb_tx_take(&v, buf, &len, &vh), 2);
	EXPECT_EQ(v.tx.rsp_prod_pvt - from, slots);
	for (i = from; i < v.tx.rsp_prod_pvt; i++)
		EXPECT(txr(i)->status == NETIF_RSP_ERROR || txr(i)->status == NETIF_RSP_NULL);
	nb_tx_push(&v);
	udp_frame(5, 0, 64);
	put_tx(5, 0, 0, 77, 64);
	EXPECT_EQ(nb_tx_take(&v, buf, &len, &vh), 1);
	nb_tx_answer(&v, NETIF_RSP_OKAY);
	EXPECT(!v.broken);
}

static void tx_bad_packets(void)
{
	unsigned int i;

	put_tx(1, 0, 0, 1, 0);			/* zero length */
	expect_refused(1);
	put_tx(1, 0, 0, 1, 10);			/* runt */
	expect_refused(1);
	put_tx(1, 4090, 0, 1, 60);		/* crosses its page */
	expect_refused(1);
	put_tx(1, 0, NETTXF_more_data, 1, 60);	/* rest larger than the packet */
	put_tx(2, 0, 0, 2, 100);
	expect_refused(2);
	put_tx(NGREF + 5, 0, 0, 1, 60);		/* a grant the hypervisor refuses */
	expect_refused(1);
	put_tx(1, 0, NETTXF_more_data, 1, 21 * 10);	/* 21 slots: dropped, as by Linux */
	for (i = 1; i < 21; i++)
		put_tx(1, 0, i < 20 ? NETTXF_more_data : 0, (uint16_t)i, 10);
	expect_refused(21);
	put_tx(1, 0, NETTXF_extra_info, 1, 60);	/* unknown extra type */
	put_tx(0, 0, 0, 0, 0);
	((struct netif_extra_info *)txs(txp.h.req_prod - 1))->type = 9;
	expect_refused(2);
	put_tx(1, 0, NETTXF_extra_info, 1, 60);	/* GSO extra, not offered */
	put_tx(0, 0, 0, 0, 0);
	((struct netif_extra_info *)txs(txp.h.req_prod - 1))->type = XEN_NETIF_EXTRA_TYPE_GSO;
	expect_refused(2);
	udp_frame(1, 0, 60);
	((uint8_t *)pages[1])[23] = 1;		/* ICMP with a "partial checksum" */
	put_tx(1, 0, NETTXF_csum_blank, 1, 60);
	expect_refused(1);
	EXPECT_EQ(v.tx_bad, 9);
}

/* A packet whose slots are not all published waits, then goes. */
/*
 * A partial checksum whose headers the first slot does not hold (20 bytes
 * at offset 100, the rest at offset 8 of another page): taken, the packet
 * whole and in order, its checksum described as for a contiguous one.
 */
static void tx_headers_split(void)
{
	struct virtio_net_hdr vh;
	size_t len = 0;

	udp_frame(6, 0, 80);
	memcpy(pages[3] + 100, pages[6], 20);
	memcpy(pages[7] + 8, pages[6] + 20, 60);
	put_tx(3, 100, NETTXF_csum_blank | NETTXF_more_data, 5, 80);
	put_tx(7, 8, 0, 6, 60);
	EXPECT_EQ(nb_tx_take(&v, buf, &len, &vh), 1);
	EXPECT_EQ(len, 80);
	EXPECT_EQ(gather(), 80);
	EXPECT(!memcmp(pkt, pages[6], 80));
	EXPECT_EQ(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	EXPECT_EQ(vh.csum_start, 34);
	EXPECT_EQ(vh.csum_offset, 6);
	nb_tx_answer(&v, NETIF_RSP_OKAY);
	nb_tx_push(&v);
	EXPECT_EQ(txr(0)->status, NETIF_RSP_OKAY);
	EXPECT_EQ(txr(1)->status, NETIF_RSP_OKAY);
	/* the same, no partial checksum: two pieces, no header read */
	put_tx(3, 100, NETTXF_more_data, 5, 80);
	put_tx(7, 8, 0, 6, 60);
	EXPECT_EQ(nb_tx_take(&v, buf, &len, &vh), 1);
	EXPECT_EQ(v.tx_niov, 2);
	EXPECT_EQ(gather(), 80);
	EXPECT(!memcmp(pkt, pages[6], 80));
	nb_tx_answer(&v, NETIF_RSP_OKAY);
	EXPECT_EQ(tx_pieces_split, 0);
}

static void tx_incomplete(void)
{
	struct virtio_net_hdr vh;
	size_t len;

	udp_frame(1, 0, 60);
	put_tx(1, 0, NETTXF_more_data, 1, 160);
	EXPECT_EQ(nb_tx_take(&v, buf, &len, &vh), 0);
	EXPECT_EQ(v.tx.req_cons, 0);
	EXPECT(!nb_tx_final_check(&v));
	EXPECT(!nb_tx_more(&v));
	EXPECT_EQ(txp.h.req_event, 2);	/* wake me when the next slot comes */
	put_tx(2, 0, 0, 2, 100);
	EXPECT(nb_tx_more(&v));
	EXPECT(nb_tx_final_check(&v));
	EXPECT_EQ(nb_tx_take(&v, buf, &len, &vh), 1);
	EXPECT_EQ(len, 160);
}

static void tx_broken_indices(void)
{
	struct virtio_net_hdr vh;
	size_t len;
	unsigned int i;

	txp.h.req_prod = 1000;
	EXPECT(nb_tx_more(&v));		/* a hint: the take checks it */
	EXPECT_EQ(nb_tx_take(&v, buf, &len, &vh), -1);
	EXPECT(v.broken);
	EXPECT(!nb_tx_more(&v));	/* a broken ring is not served again */
	setup();
	for (i = 0; i < 256; i++)		/* a chain that never ends */
		put_tx(1, 0, NETTXF_more_data, (uint16_t)i, 60);
	EXPECT_EQ(nb_tx_take(&v, buf, &len, &vh), -1);
	EXPECT(v.broken);
}

/*
 * A batch: a good packet, one refused while its slots are read (answered
 * at once, not in the batch), one whose grant the copy refuses, a good
 * one of two slots: one copy call for all, each packet its own buffer and
 * answers, the refused ones ERROR.
 */
static void tx_batch(void)
{
	unsigned long calls;
	uint32_t i;

	udp_frame(3, 0, 60);
	udp_frame(8, 4000, 96);
	memset(pages[9], 0xcc, 200);
	put_tx(3, 0, 0, 10, 60);
	put_tx(3, 0, 0, 11, 0);				/* zero length */
	put_tx(NGREF + 1, 0, 0, 12, 60);		/* refused by the copy */
	put_tx(8, 4000, NETTXF_more_data, 13, 296);
	put_tx(9, 0, 0, 14, 200);
	calls = copy_calls;
	EXPECT_EQ(nb_tx_batch(&v, buf, NB_TX_BATCH), 4);
	EXPECT_EQ(copy_calls - calls, 1);
	EXPECT_EQ(v.txb_n, 3);
	EXPECT(v.txb[0].good && !v.txb[1].good && v.txb[2].good);
	EXPECT_EQ(v.txb[0].len, 60);
	EXPECT_EQ(gather_iov(v.txb[0].iov, v.txb[0].niov, 0), 60);
	EXPECT(!memcmp(pkt, pages[3], 60));
	EXPECT_EQ(v.txb[2].len, 296);
	EXPECT_EQ(gather_iov(v.txb[2].iov, v.txb[2].niov, 2), 296);
	EXPECT(!memcmp(pkt, pages[8] + 4000, 96));
	EXPECT_EQ(pkt[96], 0xcc);
	EXPECT_EQ(v.tx.rsp_prod_pvt, 2);		/* the two refused, so far */
	nb_tx_answer_pkt(&v, &v.txb[2], NETIF_RSP_OKAY);
	nb_tx_answer_pkt(&v, &v.txb[0], NETIF_RSP_OKAY);
	nb_tx_push(&v);
	EXPECT_EQ(txp.h.rsp_prod, 5);
	for (i = 0; i < 5; i++) {
		int16_t want = txr(i)->id == 11 || txr(i)->id == 12 ? NETIF_RSP_ERROR : NETIF_RSP_OKAY;

		EXPECT(txr(i)->id >= 10 && txr(i)->id <= 14);
		EXPECT_EQ(txr(i)->status, want);
	}
	EXPECT_EQ(v.tx_bad, 2);
	EXPECT_EQ(nb_tx_batch(&v, buf, NB_TX_BATCH), 0);
	EXPECT_EQ(tx_pieces_split, 0);
}

/*
 * XSA-448 class (Linux netback's zero-length tx fragments) and slots
 * overlapping in one page: zero-length slots after the first are taken
 * as nothing, wherever they point in their page (past its end: refused,
 * as Linux's offset + size check); two slots naming the same bytes give
 * them twice. Twenty slots of which nineteen are empty: taken.
 */
static void tx_zero_and_overlapping(void)
{
	struct virtio_net_hdr vh;
	size_t len = 0;
	unsigned int i;

	udp_frame(1, 0, 60);
	memset(pages[4], 0x44, 64);
	put_tx(1, 0, NETTXF_more_data, 1, 100);
	put_tx(2, 0, NETTXF_more_data, 2, 0);
	put_tx(2, 4096, NETTXF_more_data, 3, 0);
	put_tx(4, 10, NETTXF_more_data, 4, 20);
	put_tx(4, 10, 0, 5, 20);
	EXPECT_EQ(nb_tx_take(&v, buf, &len, &vh), 1);
	EXPECT_EQ(len, 100);
	EXPECT_EQ(gather(), 100);
	EXPECT(!memcmp(pkt, pages[1], 60));
	EXPECT(pkt[60] == 0x44 && pkt[99] == 0x44);
	nb_tx_answer(&v, NETIF_RSP_OKAY);
	nb_tx_push(&v);
	put_tx(1, 0, NETTXF_more_data, 1, 60);
	for (i = 1; i < NB_MAX_SLOTS; i++)
		put_tx(2, 0, i + 1 < NB_MAX_SLOTS ? NETTXF_more_data : 0, (uint16_t)i, 0);
	EXPECT_EQ(nb_tx_take(&v, buf, &len, &vh), 1);
	EXPECT_EQ(len, 60);
	EXPECT_EQ(gather(), 60);
	nb_tx_answer(&v, NETIF_RSP_OKAY);
	nb_tx_push(&v);
	EXPECT(!v.broken);
	put_tx(1, 0, NETTXF_more_data, 1, 60);
	put_tx(2, 5000, 0, 2, 0);			/* past its page: as Linux, fatal */
	EXPECT_EQ(nb_tx_take(&v, buf, &len, &vh), -1);
	EXPECT(v.broken);
}

/*
 * A packet of @n data slots (the first 60 bytes + 10 * (n - 1), the others
 * 10), slot @cross at offset 4090.
 */
static void put_slots(unsigned int n, unsigned int cross)
{
	unsigned int i;

	udp_frame(1, 0, 60);
	put_tx(1, 0, n > 1 ? NETTXF_more_data : 0, 1, (uint16_t)(60 + 10 * (n - 1)));
	for (i = 1; i < n; i++)
		put_tx(2, i == cross ? 4090 : 0, i + 1 < n ? NETTXF_more_data : 0, (uint16_t)i, 10);
}

/*
 * Linux 6.1 netback's slot limits (xenvif_count_requests): 19 data slots
 * taken, 20 and 21 answered ERROR with the vif going on, 22 close the vif
 * (fatal_skb_slots 20); with fatal_slots 18, 20 close it, with 25, 26 are
 * dropped and 27 close it. A slot after the first crossing its page closes
 * it, in a packet being dropped too; a packet of more than fatal_slots
 * whose rest is not published yet closes it without waiting.
 */
static void tx_slot_limits(void)
{
	static const struct { unsigned int fatal, n, cross; int rc; } c[] = {
		{ 20, 19, 0, 1 }, { 20, 20, 0, 2 }, { 20, 21, 0, 2 }, { 20, 22, 0, -1 },
		{ 20, 40, 0, -1 }, { 18, 19, 0, 1 }, { 18, 20, 0, -1 }, { 25, 26, 0, 2 },
		{ 25, 27, 0, -1 }, { 20, 5, 3, -1 }, { 20, 21, 20, -1 }, { 20, 19, 18, -1 },
	};
	struct virtio_net_hdr vh;
	size_t len;
	unsigned int k;

	for (k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		uint32_t from;
		int rc;

		setup();
		v.fatal_slots = c[k].fatal;
		put_slots(c[k].n, c[k].cross);
		from = v.tx.rsp_prod_pvt;
		rc = nb_tx_take(&v, buf, &len, &vh);
		if (rc != c[k].rc)
			printf("    fatal_slots %u, %u slots, slot %u crossing: %d\n", c[k].fatal,
			       c[k].n, c[k].cross, rc);
		EXPECT_EQ(rc, c[k].rc);
		EXPECT_EQ(v.broken, c[k].rc < 0);
		if (rc == 1) {
			EXPECT_EQ(len, 60 + 10 * (c[k].n - 1));
			EXPECT_EQ(gather(), len);
			nb_tx_answer(&v, NETIF_RSP_OKAY);
		}
		if (rc > 0) {
			EXPECT_EQ(v.tx.rsp_prod_pvt - from, c[k].n);
			EXPECT_EQ(txr(from + c[k].n - 1)->status,
				  rc == 1 ? NETIF_RSP_OKAY : NETIF_RSP_ERROR);
		} else {
			EXPECT_EQ(v.tx.rsp_prod_pvt, from);	/* a broken vif answers nothing */
		}
	}
	/* 21 slots published with more to come: fatal at once */
	setup();
	put_slots(22, 0);
	txp.h.req_prod--;
	EXPECT_EQ(nb_tx_take(&v, buf, &len, &vh), -1);
	/* 20 published, more to come: it waits (Linux: fatal, see docs/security.md) */
	setup();
	put_slots(22, 0);
	txp.h.req_prod -= 2;
	EXPECT_EQ(nb_tx_take(&v, buf, &len, &vh), 0);
	EXPECT(!v.broken);
}

/*
 * The slot rules against a model of Linux 6.1's xenvif_count_requests:
 * random packets (1 to 30 data slots, a random fatal_slots from 18, now
 * and then a slot crossing its page or slots larger than the packet) in a
 * row; each one's verdict (taken, answered ERROR, vif broken) must be the
 * model's.
 */
static void fuzz_slot_limits(void)
{
	unsigned int seed = 2024, round, counts[3] = { 0, 0, 0 };
	struct virtio_net_hdr vh;
	size_t len;

	setup();
	for (round = 0; round < 20000; round++) {
		unsigned int n = 1 + rand_r(&seed) % 30, i, extra, want;
		uint32_t total = 60, size[30], off[30];
		bool drop = false, fatal = false;
		int rc;

		if (v.broken || round % 64 == 0) {
			setup();
			v.fatal_slots = 18 + rand_r(&seed) % 8;
		}
		for (i = 1; i < n; i++) {
			size[i] = rand_r(&seed) % 200;
			off[i] = rand_r(&seed) % 60 == 0 ? 4000 : rand_r(&seed) % 3000;
			total += size[i];
		}
		if (rand_r(&seed) % 10 == 0)
			total -= 1 + rand_r(&seed) % 60;	/* slots larger than the packet */
		/* the model: Linux's loop over the slots after the first */
		for (extra = 0; extra + 1 < n; extra++) {
			if (extra >= v.fatal_slots) {
				fatal = true;
				break;
			}
			if (extra >= NB_LEGACY_SLOTS)
				drop = true;
			if (off[extra + 1] + size[extra + 1] > 4096) {
				fatal = true;
				break;
			}
		}
		want = drop ? 2 : 1;
		if (!drop) {
			uint32_t rest = 0;

			for (i = 1; i < n; i++)
				rest += size[i];
			if (rest > total || total < NB_ETH_HLEN)
				want = 2;
		}
		udp_frame(1, 0, 60);
		put_tx(1, 0, n > 1 ? NETTXF_more_data : 0, 1, (uint16_t)total);
		for (i = 1; i < n; i++)
			put_tx(2, (uint16_t)off[i], i + 1 < n ? NETTXF_more_data : 0, (uint16_t)i,
			       (uint16_t)size[i]);
		rc = nb_tx_take(&v, buf, &len, &vh);
		if (rc == 1)
			nb_tx_answer(&v, NETIF_RSP_OKAY);
		nb_tx_push(&v);
		EXPECT_EQ(rc, fatal ? -1 : (int)want);
		if (rc != (fatal ? -1 : (int)want)) {
			printf("    round %u: %u slots, fatal_slots %u: %d\n", round, n, v.fatal_slots, rc);
			return;
		}
		counts[fatal ? 0 : want]++;
	}
	EXPECT(counts[0] > 100 && counts[1] > 100 && counts[2] > 100);
	printf("    slot limits: %u taken, %u refused, %u vifs broken, as the model\n", counts[1],
	       counts[2], counts[0]);
}

static struct netif_rx_response *rxr(uint32_t i)
{
	return (struct netif_rx_response *)(rxp.b + 64) + (i & 255);
}

static void post_rx(unsigned int n, uint32_t gref)
{
	while (n--) {
		struct netif_rx_request *r = (struct netif_rx_request *)(rxp.b + 64) + (rxp.h.req_prod & 255);

		r->id = (uint16_t)(rxp.h.req_prod & 255);
		r->gref = gref + (rxp.h.req_prod & 7);
		rxp.h.req_prod++;
	}
}

static void rx_frames(void)
{
	struct virtio_net_hdr vh = { 0 };
	static uint8_t f[9000];
	unsigned int i;

	for (i = 0; i < sizeof(f); i++)
		f[i] = (uint8_t)(i * 7);
	EXPECT_EQ(nb_rx_put(&v, f, 100, &vh), 0);	/* nothing posted */
	EXPECT(!nb_rx_final_check(&v, 1));
	EXPECT_EQ(rxp.h.req_event, 1);
	post_rx(8, 10);
	EXPECT_EQ(nb_rx_put(&v, f, 100, &vh), 1);
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	EXPECT_EQ(nb_rx_put(&v, f, 9000, &vh), 1);	/* 3 slots */
	EXPECT_EQ(nb_rx_put(&v, f, 9000, &vh), 1);
	EXPECT_EQ(nb_rx_put(&v, f, 9000, &vh), 0);	/* 1 left, 3 needed */
	nb_rx_flush(&v);
	EXPECT_EQ(rxp.h.rsp_prod, 7);
	EXPECT_EQ(rxr(0)->status, 100);
	EXPECT_EQ(rxr(0)->flags, 0);
	EXPECT_EQ(rxr(1)->status, 4096);
	EXPECT_EQ(rxr(1)->flags, NETRXF_csum_blank | NETRXF_data_validated | NETRXF_more_data);
	EXPECT_EQ(rxr(2)->flags, NETRXF_more_data);
	EXPECT_EQ(rxr(3)->status, 9000 - 8192);
	EXPECT_EQ(rxr(3)->flags, 0);
	EXPECT(!memcmp(pages[11], f, 4096));
	EXPECT(!memcmp(pages[13], f + 8192, 9000 - 8192));
	/* GSO: an extra slot after the first */
	post_rx(8, 10);
	v.rx_gso = NB_GSO_BIT(XEN_NETIF_GSO_TYPE_TCPV4);
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	vh.gso_size = 1448;
	EXPECT_EQ(nb_rx_put(&v, f, 9000, &vh), 2);	/* TCPv6 GSO not taken */
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	EXPECT_EQ(nb_rx_put(&v, f, 9000, &vh), 1);
	nb_rx_flush(&v);
	EXPECT_EQ(rxr(7)->flags & NETRXF_extra_info, NETRXF_extra_info);
	EXPECT_EQ(((struct netif_extra_info *)rxr(8))->type, XEN_NETIF_EXTRA_TYPE_GSO);
	EXPECT_EQ(((struct netif_extra_info *)rxr(8))->u.gso.size, 1448);
	EXPECT_EQ(rxr(9)->status, 4096);
	/* too big, or unknown GSO: dropped */
	vh.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	EXPECT_EQ(nb_rx_put(&v, f, 9000, &vh), 2);
	/* a partial checksum to a frontend that takes none: dropped */
	memset(&vh, 0, sizeof(vh));
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	v.rx_no_csum = true;
	EXPECT_EQ(nb_rx_put(&v, f, 100, &vh), 2);
	v.rx_no_csum = false;
	/* a bad rx grant: that slot is ERROR, the vif goes on */
	memset(&vh, 0, sizeof(vh));
	post_rx(1, NGREF + 100);
	while (rxp.h.req_prod - v.rx.req_cons > 1)
		EXPECT_EQ(nb_rx_put(&v, f, 64, &vh), 1);
	EXPECT_EQ(nb_rx_put(&v, f, 64, &vh), 1);
	nb_rx_flush(&v);
	EXPECT_EQ(rxr(rxp.h.rsp_prod - 1)->status, NETIF_RSP_ERROR);
	rxp.h.req_prod += 5000;
	EXPECT_EQ(nb_rx_put(&v, f, 64, &vh), -1);
	EXPECT(v.broken);
}

/* ---- the switch ---- */

static struct nb_vif *route_w(void *ctx, const uint8_t *hdr, size_t len)
{
	(void)ctx;
	EXPECT(len >= NB_ETH_HLEN && len <= NB_PEEK);
	return !memcmp(hdr, w_mac, 6) ? &w : NULL;
}

static void setup_w(void)
{
	memset(&txw, 0, sizeof(txw));
	memset(&rxw, 0, sizeof(rxw));
	txw.h.req_event = txw.h.rsp_event = 1;
	rxw.h.req_event = rxw.h.rsp_event = 1;
	nb_vif_init(&w, &txw, &rxw, fake_copy, NULL);
	w.xcopy = fake_xcopy;
	w.domid = W_DOM;
	w.route = route_w;
	v.domid = V_DOM;
	v.xcopy = fake_xcopy;
	v.route = route_w;
	xcopy_race = NULL;
}

static struct netif_rx_response *rxwr(uint32_t i)
{
	return (struct netif_rx_response *)(rxw.b + 64) + (i & 255);
}

/* The grant of each rx request posted on w, by id - 100 (a response overwrites its request). */
static uint32_t w_gref[256];

/* @n rx requests on w, grants @gref, @gref + 1, ... */
static void post_w(unsigned int n, uint32_t gref)
{
	while (n--) {
		struct netif_rx_request *r = (struct netif_rx_request *)(rxw.b + 64) + (rxw.h.req_prod & 255);

		r->id = (uint16_t)(100 + (rxw.h.req_prod & 255));
		r->gref = gref;
		w_gref[rxw.h.req_prod & 255] = gref++;
		rxw.h.req_prod++;
	}
}

/* A TCP/IPv4 frame to w of @len bytes in page @g at @off (headers 54 bytes). */
static void tcp_frame_w(unsigned int g, unsigned int off, unsigned int len, uint8_t seed)
{
	uint8_t *f = pages[g] + off;

	memset(f, 0, len < 54 ? len : 54);
	memcpy(f, w_mac, 6);
	f[11] = 1;
	f[12] = 0x08;
	f[14] = 0x45;
	f[23] = 6;
	f[46] = 0x50;	/* data offset: 20 bytes */
	for (unsigned int i = 54; i < len && off + i < 4096; i++)
		f[i] = (uint8_t)(i * 13 + seed);
}

/* The rx responses w has from @at: the frame gathered into pkt; its length, -1 on ERROR. */
static long w_frame(uint32_t at, uint16_t *flags)
{
	long len = 0;

	*flags = rxwr(at)->flags;
	for (;;) {
		struct netif_rx_response *r = rxwr(at);

		if (r->status < 0)
			return -1;
		EXPECT_EQ(r->id, 100 + (at & 255));
		if (r->id < 100 || r->id > 355 || w_gref[r->id - 100] >= NGREF ||
		    len + r->status > (long)sizeof(pkt))
			return -1;
		memcpy(pkt + len, pages_w[w_gref[r->id - 100]], (size_t)r->status);
		len += r->status;
		if (r->flags & NETRXF_extra_info)
			at++;
		if (!(r->flags & NETRXF_more_data))
			return len;
		at++;
	}
}

/*
 * A frame of three slots from v's guest to w: one header copy and one
 * xcopy for the batch, w's responses carry the bytes and flags, v's
 * answers OKAY, nothing for the tap.
 */
static void sw_basic(void)
{
	unsigned long calls = copy_calls, xcalls = xcopy_calls;
	uint16_t flags;
	uint8_t want[6000];

	setup_w();
	tcp_frame_w(5, 3000, 1096, 1);
	memset(pages[6], 0x5a, 4096);
	memset(pages[7], 0xa5, 808);
	memcpy(want, pages[5] + 3000, 1096);
	memcpy(want + 1096, pages[6], 4096);
	memcpy(want + 1096 + 4096, pages[7], 808);
	put_tx(5, 3000, NETTXF_more_data | NETTXF_csum_blank, 40, 6000);
	put_tx(6, 0, NETTXF_more_data, 41, 4096);
	put_tx(7, 0, 0, 42, 808);
	post_w(4, 20);
	w.rx_gso = 0;
	EXPECT_EQ(nb_tx_batch(&v, buf, NB_TX_BATCH), 1);	/* over the MTU: the tap's */
	EXPECT(v.txb[0].good && !v.txb[0].to);
	nb_tx_answer_pkt(&v, &v.txb[0], NETIF_RSP_OKAY);
	/* as GSO (TCPv4, 1448) it may go */
	v.tx_gso = true;
	w.rx_gso = NB_GSO_BIT(XEN_NETIF_GSO_TYPE_TCPV4);
	put_tx(5, 3000, NETTXF_more_data | NETTXF_csum_blank | NETTXF_extra_info, 40, 6000);
	put_tx(0, 0, 0, 0, 0);
	((struct netif_extra_info *)txs(txp.h.req_prod - 1))->type = XEN_NETIF_EXTRA_TYPE_GSO;
	((struct netif_extra_info *)txs(txp.h.req_prod - 1))->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
	((struct netif_extra_info *)txs(txp.h.req_prod - 1))->u.gso.size = 1448;
	put_tx(6, 0, NETTXF_more_data, 41, 4096);
	put_tx(7, 0, 0, 42, 808);
	calls = copy_calls;
	EXPECT_EQ(nb_tx_batch(&v, buf, NB_TX_BATCH), 1);
	EXPECT_EQ(copy_calls - calls, 1);		/* the first bytes only */
	EXPECT_EQ(xcopy_calls - xcalls, 1);
	EXPECT_EQ(v.txb_n, 1);
	EXPECT(v.txb[0].to == &w && !v.txb[0].good);
	EXPECT(w.rx_notify);
	nb_tx_push(&v);
	EXPECT_EQ(txp.h.rsp_prod, 7);
	EXPECT_EQ(txr(3)->status, NETIF_RSP_OKAY);
	EXPECT_EQ(txr(4)->status, NETIF_RSP_NULL);
	EXPECT_EQ(txr(6)->id, 42);
	EXPECT_EQ(txr(6)->status, NETIF_RSP_OKAY);
	EXPECT_EQ(rxw.h.rsp_prod, 3);		/* 2 pages and the GSO extra */
	EXPECT_EQ(w_frame(0, &flags), 6000);
	EXPECT(!memcmp(pkt, want, 6000));
	EXPECT_EQ(flags, NETRXF_csum_blank | NETRXF_data_validated | NETRXF_more_data |
			 NETRXF_extra_info);
	EXPECT_EQ(((struct netif_extra_info *)rxwr(1))->type, XEN_NETIF_EXTRA_TYPE_GSO);
	EXPECT_EQ(((struct netif_extra_info *)rxwr(1))->u.gso.size, 1448);
	EXPECT_EQ(((struct netif_extra_info *)rxwr(1))->u.gso.type, XEN_NETIF_GSO_TYPE_TCPV4);
	EXPECT_EQ(w.rx.req_cons, w.rx.rsp_prod_pvt);
	EXPECT_EQ(v.tx_switched, 1);
	EXPECT_EQ(w.rx_switched, 1);
	EXPECT_EQ(w.rx_sw_bytes, 6000);
	EXPECT(xcopy_foreign > 0);
	EXPECT_EQ(xcopy_wrong_dom, 0);
	EXPECT_EQ(tx_pieces_split, 0);
}

/* The sender rewrites its headers during the copy: w gets the ones checked. */
static void race_rewrite(void)
{
	memset(pages[5], 0xff, 64);	/* broadcast, no IP */
}

static void sw_race(void)
{
	uint16_t flags;

	setup_w();
	tcp_frame_w(5, 0, 300, 2);
	put_tx(5, 0, NETTXF_data_validated, 1, 300);
	post_w(1, 30);
	xcopy_race = race_rewrite;
	EXPECT_EQ(nb_tx_batch(&v, buf, NB_TX_BATCH), 1);
	EXPECT(v.txb[0].to == &w);
	EXPECT_EQ(w_frame(0, &flags), 300);
	EXPECT(!memcmp(pkt, w_mac, 6));
	EXPECT_EQ(pkt[12], 0x08);
	EXPECT_EQ(pkt[23], 6);
	EXPECT_EQ(flags, NETRXF_data_validated);
}

/* What the switch leaves to the tap, and the receiver's backlog. */
static void sw_fallbacks(void)
{
	unsigned long calls;
	uint16_t flags;

	setup_w();
	/* not to w: the tap */
	tcp_frame_w(5, 0, 200, 3);
	pages[5][5] = 9;
	put_tx(5, 0, 0, 1, 200);
	EXPECT_EQ(nb_tx_batch(&v, buf, NB_TX_BATCH), 1);
	EXPECT(v.txb[0].good && !v.txb[0].to);
	nb_tx_answer_pkt(&v, &v.txb[0], NETIF_RSP_OKAY);
	/* to w, no rx requests: the tap, and w's backlog set */
	tcp_frame_w(5, 0, 200, 3);
	put_tx(5, 0, 0, 2, 200);
	EXPECT_EQ(nb_tx_batch(&v, buf, NB_TX_BATCH), 1);
	EXPECT(v.txb[0].good && !v.txb[0].to);
	nb_tx_answer_pkt(&v, &v.txb[0], NETIF_RSP_OKAY);
	EXPECT(w.rx_backlog);
	/* requests posted but the backlog stands: still the tap (keeps the order) */
	post_w(4, 10);
	put_tx(5, 0, 0, 3, 200);
	EXPECT_EQ(nb_tx_batch(&v, buf, NB_TX_BATCH), 1);
	EXPECT(v.txb[0].good && !v.txb[0].to);
	nb_tx_answer_pkt(&v, &v.txb[0], NETIF_RSP_OKAY);
	w.rx_backlog = false;
	/* a partial checksum to a receiver that takes none: the tap completes it */
	w.rx_no_csum = true;
	put_tx(5, 0, NETTXF_csum_blank, 4, 200);
	EXPECT_EQ(nb_tx_batch(&v, buf, NB_TX_BATCH), 1);
	EXPECT(v.txb[0].good && !v.txb[0].to);
	nb_tx_answer_pkt(&v, &v.txb[0], NETIF_RSP_OKAY);
	w.rx_no_csum = false;
	/* a partial checksum without a TCP header in the first bytes: the tap refuses it */
	pages[5][23] = 1;
	put_tx(5, 0, NETTXF_csum_blank, 5, 200);
	EXPECT_EQ(nb_tx_batch(&v, buf, NB_TX_BATCH), 1);
	EXPECT(!v.txb[0].good && !v.txb[0].to);
	pages[5][23] = 6;
	/* GSO of a type w does not take: the tap segments it */
	v.tx_gso = true;
	w.rx_gso = NB_GSO_BIT(XEN_NETIF_GSO_TYPE_TCPV6);
	put_tx(5, 0, NETTXF_csum_blank | NETTXF_extra_info, 6, 200);
	put_tx(0, 0, 0, 0, 0);
	((struct netif_extra_info *)txs(txp.h.req_prod - 1))->type = XEN_NETIF_EXTRA_TYPE_GSO;
	((struct netif_extra_info *)txs(txp.h.req_prod - 1))->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
	((struct netif_extra_info *)txs(txp.h.req_prod - 1))->u.gso.size = 100;
	EXPECT_EQ(nb_tx_batch(&v, buf, NB_TX_BATCH), 1);
	EXPECT(v.txb[0].good && !v.txb[0].to);
	nb_tx_answer_pkt(&v, &v.txb[0], NETIF_RSP_OKAY);
	/* a frame shorter than its first read (60 bytes): all from the checked copy */
	tcp_frame_w(5, 0, 60, 4);
	put_tx(5, 0, NETTXF_csum_blank, 7, 60);
	EXPECT_EQ(nb_tx_batch(&v, buf, NB_TX_BATCH), 1);
	EXPECT(v.txb[0].to == &w);
	EXPECT_EQ(w_frame(0, &flags), 60);
	EXPECT(!memcmp(pkt, pages[5], 60));
	EXPECT_EQ(flags, NETRXF_csum_blank | NETRXF_data_validated);
	nb_tx_push(&v);
	EXPECT_EQ(txr(txp.h.rsp_prod - 1)->status, NETIF_RSP_OKAY);
	EXPECT_EQ(v.tx.req_cons, v.tx.rsp_prod_pvt);
	EXPECT_EQ(v.tx_switched, 1);
	/* w broken: the tap; a frame the first read took whole is not copied again */
	w.broken = true;
	put_tx(5, 0, 0, 8, 60);
	calls = copy_calls;
	EXPECT_EQ(nb_tx_batch(&v, buf, NB_TX_BATCH), 1);
	EXPECT(v.txb[0].good && !v.txb[0].to);
	EXPECT_EQ(copy_calls - calls, 1);
	EXPECT_EQ(v.txb[0].len, 60);
	EXPECT(v.txb[0].niov == 1 && v.txb[0].iov[0].iov_len == 60);
	EXPECT(!memcmp(v.txb[0].iov[0].iov_base, pages[5], 60));
	nb_tx_answer_pkt(&v, &v.txb[0], NETIF_RSP_OKAY);
	/* a longer one: the rest of its first piece read too, all of it in the buffer */
	tcp_frame_w(5, 0, 300, 6);
	pages[5][5] = 9;	/* not w's MAC */
	put_tx(5, 0, 0, 9, 300);
	calls = copy_calls;
	EXPECT_EQ(nb_tx_batch(&v, buf, NB_TX_BATCH), 1);
	EXPECT(v.txb[0].good && !v.txb[0].to);
	EXPECT_EQ(copy_calls - calls, 2);
	EXPECT(v.txb[0].niov == 1 && v.txb[0].iov[0].iov_len == 300);
	EXPECT(!memcmp(v.txb[0].iov[0].iov_base, pages[5], 300));
	EXPECT_EQ(xcopy_wrong_dom, 0);
}

/* Bad grants: the receiver's fail its slots only, the sender's both sides. */
static void sw_bad_grants(void)
{
	uint16_t flags;

	setup_w();
	tcp_frame_w(5, 0, 1000, 5);
	memset(pages[6], 0x11, 400);
	/* the receiver's grant is bad: its slot ERROR, the sender OKAY */
	post_w(1, NGREF + 7);
	put_tx(5, 0, NETTXF_more_data, 1, 1400);
	put_tx(6, 0, 0, 2, 400);
	EXPECT_EQ(nb_tx_batch(&v, buf, NB_TX_BATCH), 1);
	EXPECT(v.txb[0].to == &w);
	nb_tx_push(&v);
	EXPECT_EQ(txr(0)->status, NETIF_RSP_OKAY);
	EXPECT_EQ(txr(1)->status, NETIF_RSP_OKAY);
	EXPECT_EQ(rxwr(0)->status, NETIF_RSP_ERROR);
	/* the sender's second grant is bad: both sides ERROR */
	post_w(1, 3);
	put_tx(5, 0, NETTXF_more_data, 3, 1400);
	put_tx(NGREF + 9, 0, 0, 4, 400);
	EXPECT_EQ(nb_tx_batch(&v, buf, NB_TX_BATCH), 1);
	nb_tx_push(&v);
	EXPECT_EQ(txr(2)->status, NETIF_RSP_ERROR);
	EXPECT_EQ(txr(3)->status, NETIF_RSP_ERROR);
	EXPECT_EQ(rxwr(1)->status, NETIF_RSP_ERROR);
	EXPECT_EQ(v.tx_bad, 1);
	/* and the next goes */
	post_w(1, 4);
	put_tx(5, 0, NETTXF_more_data, 5, 1400);
	put_tx(6, 0, 0, 6, 400);
	EXPECT_EQ(nb_tx_batch(&v, buf, NB_TX_BATCH), 1);
	EXPECT_EQ(w_frame(2, &flags), 1400);
	EXPECT(!memcmp(pkt, pages[5], 1000));
	EXPECT_EQ(pkt[1399], 0x11);
	EXPECT_EQ(w.rx.req_cons, w.rx.rsp_prod_pvt);
	EXPECT_EQ(xcopy_wrong_dom, 0);
}

/* Random slots and indices; the invariants hold and nothing crashes. */
static void fuzz(void)
{
	static uint8_t f[NB_FRAME_MAX];
	unsigned long round, taken = 0, bad = 0, broke = 0, switched = 0;
	unsigned int seed = 12345;

	for (round = 0; round < 20000; round++) {
		struct virtio_net_hdr vh;
		size_t len;
		unsigned int k, n;
		int rc;

		if (v.broken || round % 500 == 0) {
			broke += v.broken;
			setup();
			setup_w();
			/* the switch in half the runs, w taking a random choice of offloads */
			if (rand_r(&seed) & 1)
				v.route = NULL;
			w.rx_gso = (uint8_t)(rand_r(&seed) & 6);
			w.rx_no_csum = rand_r(&seed) % 4 == 0;
			v.tx_gso = rand_r(&seed) & 1;
		}
		if (v.route && !w.broken) {
			/* w's guest posts (grants good and bad) and sometimes breaks its ring */
			post_w(rand_r(&seed) % 12, rand_r(&seed) % 6 ? rand_r(&seed) % (NGREF - 20)
								 : NGREF - 3);
			if (rand_r(&seed) % 200 == 0)
				rxw.h.req_prod += 300 + rand_r(&seed) % 600;
			w.rx_backlog = rand_r(&seed) % 8 == 0;
		}
		n = rand_r(&seed) % 24;
		for (k = 0; k < n && txp.h.req_prod - v.tx.req_cons < 256; k++) {
			struct netif_tx_request r;
			uint8_t *p = (uint8_t *)&r;

			for (unsigned int b = 0; b < sizeof(r); b++)
				p[b] = (uint8_t)rand_r(&seed);
			if (rand_r(&seed) % 4)
				r.gref %= NGREF + 2;
			if (rand_r(&seed) % 3)
				r.offset %= 4096;
			if (rand_r(&seed) % 2)
				r.size %= 3000;
			if (rand_r(&seed) % 3)
				r.flags &= NETTXF_more_data | NETTXF_csum_blank;
			/* mostly within its page: a later slot crossing it breaks the vif */
			if (rand_r(&seed) % 8 && r.offset < 4096 && r.offset + r.size > 4096)
				r.size = (uint16_t)(4096 - r.offset);
			*txs(txp.h.req_prod++) = r;
			/* often a frame to w, headers and all, in the slot's page */
			if (v.route && r.gref < NGREF && r.offset < 4096 - 60 && rand_r(&seed) % 2)
				tcp_frame_w(r.gref, r.offset, 60, (uint8_t)round);
		}
		if (rand_r(&seed) % 97 == 0)
			txp.h.req_prod += rand_r(&seed);
		/* every other round the batch: its good packets answered, the rest were */
		while (round & 1 && (rc = nb_tx_batch(&v, buf, 1 + rand_r(&seed) % NB_TX_BATCH)) > 0) {
			unsigned int good = 0;

			for (k = 0; k < v.txb_n; k++) {
				struct nb_tx_pkt *p = &v.txb[k];

				if (!p->good)
					continue;
				EXPECT(p->len >= NB_ETH_HLEN && p->len <= 0xffff);
				EXPECT_EQ(gather_iov(p->iov, p->niov, k), p->len);
				nb_tx_answer_pkt(&v, p, NETIF_RSP_OKAY);
				good++;
			}
			for (k = 0; k < v.txb_n; k++)
				switched += v.txb[k].to != NULL;
			taken += good;
			bad += (unsigned int)rc - good;
			EXPECT_EQ(v.tx.req_cons, v.tx.rsp_prod_pvt);
			/* w: every request taken answered, none beyond what it posted */
			if (!w.broken) {
				EXPECT_EQ(w.rx.req_cons, w.rx.rsp_prod_pvt);
				EXPECT_EQ(rxw.h.rsp_prod, w.rx.rsp_prod_pvt);
				EXPECT((uint32_t)(rxw.h.req_prod - w.rx.req_cons) <= 0x7fffffff);
			}
		}
		while (!(round & 1) && (rc = nb_tx_take(&v, buf, &len, &vh)) > 0) {
			if (rc == 1) {
				EXPECT(len >= NB_ETH_HLEN && len <= 0xffff);
				EXPECT_EQ(gather(), len);
				nb_tx_answer(&v, NETIF_RSP_OKAY);
				taken++;
			} else {
				bad++;
			}
			EXPECT_EQ(v.tx.req_cons, v.tx.rsp_prod_pvt);
		}
		nb_tx_push(&v);
		nb_tx_final_check(&v);
		/* rx: random posts (grefs good and bad), random frames */
		if (!v.broken) {
			post_rx(rand_r(&seed) % 20, rand_r(&seed) % 8 ? 0 : NGREF - 3);
			if (rand_r(&seed) % 50 == 0)
				rxp.h.req_prod += rand_r(&seed) % 600;
			for (k = rand_r(&seed) % 6; k > 0; k--) {
				memset(&vh, 0, sizeof(vh));
				vh.gso_type = (uint8_t)(rand_r(&seed) % 8 == 0 ? rand_r(&seed) % 6 : 0);
				vh.gso_size = (uint16_t)rand_r(&seed);
				vh.flags = (uint8_t)(rand_r(&seed) & 3);
				v.rx_gso = (uint8_t)(rand_r(&seed) & 6);
				v.rx_no_csum = rand_r(&seed) % 4 == 0;
				len = rand_r(&seed) % (sizeof(f) + 100);
				if (nb_rx_put(&v, f, len, &vh) < 0)
					break;
			}
			nb_rx_flush(&v);
			EXPECT(v.broken || v.rx.req_cons == v.rx.rsp_prod_pvt);
			for (uint32_t i = rxp.h.rsp_prod - 4; !v.broken && i != rxp.h.rsp_prod; i++)
				EXPECT(rxr(i)->status <= 4096);
		}
	}
	EXPECT(taken > 100 && bad > 100 && broke > 0 && switched > 100);
	EXPECT_EQ(tx_pieces_split, 0);
	EXPECT_EQ(xcopy_wrong_dom, 0);
	printf("    fuzz: %lu packets through, %lu switched, %lu refused, %lu vifs broken, %lu "
	       "copies refused\n", taken, switched, bad, broke, copies_refused);
}

/*
 * ---- a frontend rewriting its tx slots while they are taken (session 34 review) ----
 *
 * A second thread stands for the frontend on another CPU: it rewrites
 * every tx slot over and over with a good two-slot packet (96 bytes at
 * the end of page 1, 100 at the start of page 4), one field of one slot
 * spoilt each time: an offset that crosses the page, a size of 60000, a
 * bad grant ref, extra-info or more_data set or cleared. Each slot is
 * read once (peek()) and everything after works on that copy, so
 * whatever mix a packet is taken as, no copy may leave its grant's page
 * or its slot's page of the buffer, a packet passed must be as long as
 * its pieces, and every slot taken is answered; a vif broken (a later
 * slot crossing its page) is set up again and the run goes on.
 */
static volatile int txf_stop;
static volatile unsigned long txf_writes;

static void *tx_flipper(void *arg)
{
	unsigned long long x = 0x9e3779b97f4a7c15ULL;
	unsigned int i;

	(void)arg;
	while (!txf_stop) {
		for (i = 0; i < NETIF_TX_RING_SIZE; i++) {
			volatile struct netif_tx_request *r =
				(volatile struct netif_tx_request *)(txp.b + 64) + i;
			bool first = !(i & 1);

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			r->gref = first ? 1 : 4;
			r->offset = first ? 4000 : 0;
			r->flags = first ? NETTXF_more_data : 0;
			r->id = (uint16_t)i;
			r->size = first ? 196 : 100;
			switch (x % 12) {
			case 0: r->offset = 4090; break;
			case 1: r->size = 60000; break;
			case 2: r->gref = 200; break;
			case 3: r->flags ^= NETTXF_extra_info; break;
			case 4: r->flags ^= NETTXF_more_data; break;
			case 5: r->size = 4; break;
			default: break;	/* mostly good */
			}
		}
		txf_writes++;
	}
	return NULL;
}

static void tx_flipped_while_taken(void)
{
	unsigned long k, n = 200000, good = 0, refused = 0, broke = 0;
	unsigned long answered_short = 0;
	pthread_t t;

	for (unsigned int g = 0; g < NGREF; g++)
		memset(pages[g], (int)g, 4096);
	copies_past_page = tx_pieces_split = 0;
	txf_stop = 0;
	txf_writes = 0;
	if (pthread_create(&t, NULL, tx_flipper, NULL)) {
		UNIT_FAIL("pthread_create");
		return;
	}
	while (!txf_writes)
		;
	for (k = 0; k < n && !unit_failure[0]; k++) {
		unsigned long bad0 = v.tx_bad;
		int rc;

		__atomic_store_n(&txp.h.req_prod, v.tx.req_cons + 2 * (1 + (uint32_t)(k % 4)),
				 __ATOMIC_RELEASE);
		rc = nb_tx_batch(&v, buf, NB_TX_BATCH);
		if (rc < 0 || v.broken) {
			broke++;
			txp.h.req_prod = txp.h.rsp_prod = 0;	/* a new connection */
			nb_vif_init(&v, &txp, &rxp, fake_copy, NULL);
			continue;
		}
		refused += v.tx_bad - bad0;
		for (unsigned int i = 0; i < v.txb_n; i++) {
			struct nb_tx_pkt *p = &v.txb[i];

			if (!p->good)
				continue;
			good++;
			if (gather_iov(p->iov, p->niov, i) != p->len)
				UNIT_FAIL("a packet passed is not as long as its pieces");
			nb_tx_answer_pkt(&v, p, NETIF_RSP_OKAY);
		}
		nb_tx_push(&v);
		/* every slot taken answered (an incomplete packet is not taken) */
		if (v.tx.rsp_prod_pvt != v.tx.req_cons)
			answered_short++;
	}
	txf_stop = 1;
	pthread_join(t, NULL);
	printf("    tx flipped while taken: %lu batches, %lu packets passed, %lu refused, %lu vifs "
	       "broken; the frontend rewrote the ring %lu times\n", k, good, refused, broke, txf_writes);
	EXPECT_EQ(copies_past_page, 0);
	EXPECT_EQ(tx_pieces_split, 0);
	EXPECT_EQ(answered_short, 0);
	EXPECT(good > 0 && refused > 0);
}

int main(void)
{
	unit_suite = "backend_drivers/net/net_ring";
	unit_setup = setup;
	RUN(tx_good_single);
	RUN(tx_good_multi);
	RUN(tx_bad_packets);
	RUN(tx_headers_split);
	RUN(tx_incomplete);
	RUN(tx_broken_indices);
	RUN(tx_batch);
	RUN(tx_zero_and_overlapping);
	RUN(tx_slot_limits);
	RUN(fuzz_slot_limits);
	RUN(rx_frames);
	RUN(sw_basic);
	RUN(sw_race);
	RUN(sw_fallbacks);
	RUN(sw_bad_grants);
	RUN(fuzz);
	RUN(tx_flipped_while_taken);
	return 0;
}
