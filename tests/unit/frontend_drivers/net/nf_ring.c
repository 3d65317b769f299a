// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for frontend_drivers/net/nf_ring.c: our netfront's rings on
 * two host pages, with this file playing the backend (honest, then
 * hostile) and a fake grant table that can say a page is still in use.
 * Good frames come through whole; a response with a bad id, status,
 * offset or size, or spread over slots, is dropped and the next good one
 * still arrives; indices past our requests, answers for packets not in
 * flight and held grants break the rings for good. A fuzzer writes random
 * responses under ASan/UBSan: no read outside a page, no frame longer
 * than asked, and broken stays broken.
 */
#include <stdint.h>
#include <stdlib.h>
#include <lamina/errno.h>
#include "../../unit.h"
#include "../../../../frontend_drivers/net/nf_ring.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static union { struct sring_hdr h; uint8_t b[4096]; } txp, rxp;
static uint8_t txpages[NF_TX_BUFS][4096], rxpages[NF_RX_BUFS][4096];
static struct nf_ring r;
static uint8_t granted[512], frame[NF_FRAME_MAX], buf[2048];
static int next_ref;
static bool hold;		/* the fake backend keeps every grant in use */

static int fake_grant(void *ctx, void *page, bool ro)
{
	int ref = 8 + next_ref++ % 500;

	granted[ref] = 1;
	return ref;
}

static bool fake_end(void *ctx, grant_ref_t ref)
{
	if (hold)
		return false;
	granted[ref] = 0;
	return true;
}

static void setup(void)
{
	unsigned int i;

	memset(&r, 0, sizeof(r));
	memset(granted, 0, sizeof(granted));
	next_ref = 0;
	hold = false;
	for (i = 0; i < NF_TX_BUFS; i++)
		r.tx_page[i] = txpages[i];
	for (i = 0; i < NF_RX_BUFS; i++)
		r.rx_page[i] = rxpages[i];
	r.grant = fake_grant;
	r.end = fake_end;
	nf_ring_init(&r, &txp, &rxp);
	nf_rx_refill(&r);
}

static struct netif_rx_request *rxq(uint32_t i)
{
	return (struct netif_rx_request *)(rxp.b + 64) + (i & 255);
}

static struct netif_tx_request *txq(uint32_t i)
{
	return (struct netif_tx_request *)(txp.b + 64) + (i & 255);
}

/* The backend answers rx slot @i (it consumed the request there). */
static void rx_answer(uint32_t i, uint16_t id, uint16_t off, int16_t status, uint16_t flags)
{
	struct netif_rx_response *s = (struct netif_rx_response *)rxq(i);

	/* The request there (maybe overwritten already) was for page i % NF_RX_BUFS. */
	if (status > 0 && off + status <= 4096)
		memset(rxpages[i % NF_RX_BUFS] + off, (uint8_t)i, (size_t)status);
	s->id = id;
	s->offset = off;
	s->status = status;
	s->flags = flags;
}

static void rx_good(uint32_t i, int16_t len)
{
	rx_answer(i, rxq(i)->id, 0, len, 0);
}

static void tx_answer(uint32_t i, uint16_t id, int16_t status)
{
	struct netif_tx_response *s = (struct netif_tx_response *)txq(i);

	s->id = id;
	s->status = status;
}

static void rx_refill_posts_all(void)
{
	unsigned int i;

	EXPECT_EQ(rxp.h.req_prod, NF_RX_BUFS);
	for (i = 0; i < NF_RX_BUFS; i++) {
		EXPECT_EQ(rxq(i)->id, i);
		EXPECT(granted[rxq(i)->gref]);
	}
}

static void rx_good_frames(void)
{
	unsigned int i;

	for (i = 0; i < 200; i++) {		/* round the ring and back */
		rx_good(i, (int16_t)(60 + i));
		rxp.h.rsp_prod = i + 1;
		EXPECT_EQ(nf_rx_next(&r, buf, sizeof(buf)), 60 + i);
		EXPECT_EQ(buf[59 + i], (uint8_t)i);
		EXPECT_EQ(nf_rx_next(&r, buf, sizeof(buf)), 0);
		EXPECT_EQ(nf_rx_refill(&r) >= 0, 1);
	}
	EXPECT_EQ(rxp.h.req_prod, 200 + NF_RX_BUFS);
	EXPECT_EQ(r.rx_dropped, 0);
	EXPECT(!r.broken);
}

/* Each bad response is dropped, its page goes back, the next frame arrives. */
static void rx_bad_responses_dropped(void)
{
	struct { uint16_t off; int16_t status; uint16_t flags; int id_delta; } bad[] = {
		{ 4000, 200, 0, 0 },			/* past the page */
		{ 0, 2000, 0, 0 },			/* longer than the caller's buffer */
		{ 0, 0, 0, 0 },				/* empty */
		{ 0, NETIF_RSP_ERROR, 0, 0 },
		{ 0, -32768, 0, 0 },
		{ 0, 100, 0, 1 },			/* another request's id */
		{ 0, 100, 0, 300 },			/* an id we never used */
		{ 65535, 100, 0, 0 },
	};
	uint32_t i = 0;
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(bad); k++) {
		rx_answer(i, (uint16_t)(rxq(i)->id + bad[k].id_delta), bad[k].off, bad[k].status,
			  bad[k].flags);
		rx_good(i + 1, 100);
		rxp.h.rsp_prod = i + 2;
		EXPECT_EQ(nf_rx_next(&r, buf, 1514), -EAGAIN);
		EXPECT_EQ(nf_rx_next(&r, buf, 1514), 100);
		nf_rx_refill(&r);
		i += 2;
	}
	EXPECT_EQ(r.rx_dropped, ARRAY_SIZE(bad));
	EXPECT_EQ(rxp.h.req_prod, i + NF_RX_BUFS);
	EXPECT(!r.broken);
}

/* A packet over three slots (no scatter-gather was offered): all three dropped. */
static void rx_multislot_dropped(void)
{
	rx_good(0, 100);
	rx_answer(0, 0, 0, 4096, NETRXF_more_data);
	rx_answer(1, 1, 0, 4096, NETRXF_more_data);
	rx_answer(2, 2, 0, 10, 0);
	rx_good(3, 70);
	rxp.h.rsp_prod = 4;
	EXPECT_EQ(nf_rx_next(&r, buf, sizeof(buf)), -EAGAIN);
	EXPECT_EQ(nf_rx_next(&r, buf, sizeof(buf)), 70);
	EXPECT_EQ(r.rx_cons, 4);
}

/* Extra-info slots are skipped (chained ones too); the frame is kept. */
static void rx_extras_skipped(void)
{
	struct netif_extra_info *e;

	rx_answer(0, 0, 0, 80, NETRXF_extra_info);
	e = (struct netif_extra_info *)rxq(1);
	e->type = XEN_NETIF_EXTRA_TYPE_HASH;
	e->flags = XEN_NETIF_EXTRA_FLAG_MORE;
	e = (struct netif_extra_info *)rxq(2);
	e->type = XEN_NETIF_EXTRA_TYPE_GSO;
	e->flags = 0;
	rx_good(3, 90);
	rxp.h.rsp_prod = 4;
	EXPECT_EQ(nf_rx_next(&r, buf, sizeof(buf)), 80);
	EXPECT_EQ(nf_rx_next(&r, buf, sizeof(buf)), 90);
	/* A chain that never ends stops at the producer. */
	rx_answer(4, 4, 0, 80, NETRXF_extra_info);
	memset(rxq(5), 0xff, 8);
	rxp.h.rsp_prod = 6;
	EXPECT_EQ(nf_rx_next(&r, buf, sizeof(buf)), 80);
	EXPECT_EQ(r.rx_cons, 6);
}

static void rx_index_garbage_breaks(void)
{
	rxp.h.rsp_prod = NF_RX_BUFS + 1;	/* more than we asked */
	EXPECT_EQ(nf_rx_next(&r, buf, sizeof(buf)), -EIO);
	EXPECT(r.broken != NULL);
	rxp.h.rsp_prod = 1;
	EXPECT_EQ(nf_rx_next(&r, buf, sizeof(buf)), -EIO);	/* for good */
	EXPECT_EQ(nf_rx_refill(&r), -EIO);
	EXPECT_EQ(nf_tx_send(&r, frame, 60), -EIO);
}

static void rx_held_grant_breaks(void)
{
	rx_good(0, 100);
	rxp.h.rsp_prod = 1;
	hold = true;
	EXPECT_EQ(nf_rx_next(&r, buf, sizeof(buf)), -EIO);
	EXPECT(r.broken != NULL);
}

static void tx_round_trip(void)
{
	unsigned int i;

	for (i = 0; i < 300; i++) {
		memset(frame, (int)i, 42);
		EXPECT(nf_tx_send(&r, frame, 42) >= 0);
		EXPECT_EQ(txq(i)->size, NF_FRAME_MIN);		/* padded */
		EXPECT_EQ(txq(i)->flags, 0);
		EXPECT_EQ(txpages[txq(i)->id][41], (uint8_t)i);
		EXPECT_EQ(txpages[txq(i)->id][42], 0);
		EXPECT(granted[txq(i)->gref]);
		tx_answer(i, txq(i)->id, i % 7 ? NETIF_RSP_OKAY : NETIF_RSP_ERROR);
		txp.h.rsp_prod = i + 1;
		EXPECT_EQ(nf_tx_reap(&r), 1);
	}
	EXPECT_EQ(r.tx_errors, 43);
	EXPECT(!r.broken);
	EXPECT_EQ(nf_tx_send(&r, frame, 13), -EINVAL);
	EXPECT_EQ(nf_tx_send(&r, frame, NF_FRAME_MAX + 1), -EINVAL);
}

static void tx_full_then_free(void)
{
	unsigned int i;

	for (i = 0; i < NF_TX_BUFS; i++)
		EXPECT(nf_tx_send(&r, frame, 100) >= 0);
	EXPECT_EQ(nf_tx_send(&r, frame, 100), -EAGAIN);
	tx_answer(0, txq(5)->id, NETIF_RSP_OKAY);	/* answers in any order */
	txp.h.rsp_prod = 1;
	EXPECT_EQ(nf_tx_reap(&r), 1);
	EXPECT(nf_tx_send(&r, frame, 100) >= 0);
	EXPECT_EQ(txq(NF_TX_BUFS)->id, txq(5)->id);
}

static void tx_bad_answers_break(void)
{
	static const struct { uint16_t id; int16_t status; uint32_t prod; bool hold; } bad[] = {
		{ NF_TX_BUFS, 0, 1, false },	/* an id we have no page for */
		{ 60000, 0, 1, false },
		{ 3, 0, 1, false },		/* not in flight */
		{ 0, NETIF_RSP_NULL, 1, false },	/* we sent no extras */
		{ 0, 0, 2, false },		/* more answers than requests */
		{ 0, 0, 0x80000000u, false },
		{ 0, 0, 1, true },		/* the page still held */
	};
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(bad); k++) {
		setup();
		EXPECT(nf_tx_send(&r, frame, 60) >= 0);
		tx_answer(0, bad[k].id, bad[k].status);
		hold = bad[k].hold;
		txp.h.rsp_prod = bad[k].prod;
		EXPECT_EQ(nf_tx_reap(&r), -EIO);
		EXPECT(r.broken != NULL);
	}
	/* The same answer twice: the second is for a packet no longer in flight. */
	setup();
	EXPECT(nf_tx_send(&r, frame, 60) >= 0);
	EXPECT(nf_tx_send(&r, frame, 60) >= 0);
	tx_answer(0, 0, 0);
	tx_answer(1, 0, 0);
	txp.h.rsp_prod = 2;
	EXPECT_EQ(nf_tx_reap(&r), -EIO);
}

/* Random responses and indices: every result within bounds, broken stays broken. */
static void fuzz_rx_tx(void)
{
	unsigned int round, k;

	srand(19);
	for (round = 0; round < 3000; round++) {
		bool was_broken;
		int n;

		if (!(round % 300))
			setup();
		for (k = 0; k < 8; k++) {
			uint32_t i = r.rx_cons + (uint32_t)(rand() % 4);

			rx_answer(i, (uint16_t)(rand() % 3 ? rxq(i)->id : rand()),
				  (uint16_t)(rand() % 3 ? 0 : rand()), (int16_t)(rand() % 5000 - 100),
				  (uint16_t)(rand() % 4 ? 0 : rand() & 15));
		}
		rxp.h.rsp_prod = r.rx_cons + (uint32_t)(rand() % 50 ? rand() % 5 : rand());
		was_broken = r.broken != NULL;
		while ((n = nf_rx_next(&r, buf, 1514)) != 0 && n != -EIO)
			EXPECT(n == -EAGAIN || (n > 0 && n <= 1514));
		if (was_broken)
			EXPECT_EQ(n, -EIO);
		nf_rx_refill(&r);
		if (nf_tx_send(&r, frame, 60 + (size_t)(rand() % 1400)) >= 0 && rand() % 2) {
			tx_answer(r.tx_cons, (uint16_t)(rand() % 3 ? txq(r.tx_cons)->id : rand()),
				  (int16_t)(rand() % 4 - 2));
			txp.h.rsp_prod = r.tx_cons + (uint32_t)(rand() % 20 ? 1 : rand());
			nf_tx_reap(&r);
		}
	}
	EXPECT(1);
}

static void run_all(void)
{
	unit_setup = setup;
	RUN(rx_refill_posts_all);
	RUN(rx_good_frames);
	RUN(rx_bad_responses_dropped);
	RUN(rx_multislot_dropped);
	RUN(rx_extras_skipped);
	RUN(rx_index_garbage_breaks);
	RUN(rx_held_grant_breaks);
	RUN(tx_round_trip);
	RUN(tx_full_then_free);
	RUN(tx_bad_answers_break);
	RUN(fuzz_rx_tx);
}

int main(void)
{
	unit_suite = "frontend_drivers/net/nf_ring";
	run_all();
	return 0;
}
