// SPDX-License-Identifier: GPL-2.0-only
/*
 * blk-evil: a malicious block frontend, a boot-time domU for the
 * linux/blk-evil check of tests/linux/blk/run. It connects to its own
 * xvda (read-write) and xvdb (read-only) through frontend_drivers/block
 * and then sends what no honest frontend sends: grant refs it never
 * granted or granted read-only for a read, sectors past the end and
 * ranges that wrap, 0/12/255 segments, sectors backwards or past the
 * page, unknown operations, indirect requests with too many segments,
 * bad indirect pages and bad segments in them, discards past the end,
 * writes to the read-only disk, and a full ring of garbage at once. Each
 * must be answered with an error status while an honest read still
 * works; then it breaks its ring's indices and checks that the backend
 * closes this device (and only it) and lets go of its ring and port;
 * then handshakes honest but for one garbage node (ring-page-order 31,
 * 0 or 2 queues, ...) must be refused, and 16 times Connected ->
 * Initialising -> Connected must each be served and let go; last, xvdb
 * reads must be answered in time while xvda's ring is flooded, and xvda's
 * own reads while the flood goes on. xvda claims feature-persistent, so
 * a backend offering persistent grants meets every attack on that path
 * (grants it would keep mapped); xvdb does not. Results go to
 * data/blk-result.
 */
#include "guest.h"
#include "mm.h"
#include "peer.h"
#include "common/gnttab_fe.h"
#include "common/xenbus_fe.h"
#include "block/blkfront.h"
#include "be_released.h"

static _Alignas(4096) uint8_t buf[4096], ibuf[4096];
static unsigned int refused, sent;

/* The verdict for dom0 (xenbus_fe.h); an int expression for `return report(...)`. */
#define report(...)	(xbf_verdict("data/blk-result", __VA_ARGS__), 0)

static union blkif_slot rw(uint8_t op, uint64_t sector, unsigned int nseg, grant_ref_t ref)
{
	union blkif_slot s;
	unsigned int i;

	memset(&s, 0, sizeof(s));
	s.req.operation = op;
	s.req.nr_segments = (uint8_t)nseg;
	s.req.handle = 51712 & 0xffff;
	s.req.sector_number = sector;
	for (i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		s.req.seg[i] = (struct blkif_request_segment){ .gref = ref, .first_sect = 0, .last_sect = 7 };
	return s;
}

/* Sends one crafted request; it must get @want (or any error when want is 1). */
static const char *expect(struct blkfront *bf, const char *what, union blkif_slot s, int want)
{
	static char why[160];
	int st = blkfront_raw(bf, &s, 20000);

	sent++;
	if (st == -ETIMEDOUT) {
		snprintf(why, sizeof(why), "%s: no answer", what);
		return why;
	}
	if (want == 1 ? st >= 0 : st != want) {
		snprintf(why, sizeof(why), "%s: answered %d", what, st);
		return why;
	}
	refused++;
	return NULL;
}

/*
 * Handshakes that are honest but for one node: each must be refused
 * (blkback Closing or Closed, never Connected, holding nothing of ours:
 * be_released()), as Linux's xen-blkback refuses them (the queues against
 * the one queue blkback offers). Then the node goes
 * and the next one is tried. @bf is closed (Closed both sides) before and
 * after.
 */
static const struct { const char *key, *val; } garbage[] = {
	{ "ring-page-order", "31" }, { "ring-page-order", "5" }, { "ring-page-order", "-1" },
	{ "multi-queue-num-queues", "0" }, { "multi-queue-num-queues", "2" },
	{ "multi-queue-num-queues", "4096" }, { "event-channel", "99999999999999999999" },
	{ "protocol", "sparc-abi" },
};

static const char *garbage_nodes(struct blkfront *bf)
{
	static char why[200];
	char path[200], val[24];
	struct evtchn_alloc_unbound au;
	const char *released;
	grant_ref_t ref;
	unsigned int i;
	int rc;

	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		snprintf(path, sizeof(path), "%s/state", bf->be);
		xbf_switch(bf->fe, 1);
		rc = xbf_wait_state(path, 1U << 2, 20000);
		if (rc < 0) {
			snprintf(why, sizeof(why), "%s %s: xvda not offered again (state %lld)",
				 garbage[i].key, garbage[i].val, xbf_read_num(path));
			return why;
		}
		ref = (grant_ref_t)gntf_grant(bf->be_id, scratch_page(), false);
		au = (struct evtchn_alloc_unbound){ DOMID_SELF, bf->be_id, 0 };
		if (evtchn_op(EVTCHNOP_alloc_unbound, &au))
			return "EVTCHNOP_alloc_unbound failed";
#define W(key, v) (snprintf(path, sizeof(path), "%s/%s", bf->fe, key), xbf_write(path, v))
		snprintf(val, sizeof(val), "%u", ref);
		W("ring-ref", val);
		snprintf(val, sizeof(val), "%u", au.port);
		W("event-channel", val);
		W("protocol", XEN_IO_PROTO_ABI_X86_64);
		W(garbage[i].key, garbage[i].val);
		xbf_switch(bf->fe, 3);
		snprintf(path, sizeof(path), "%s/state", bf->be);
		rc = xbf_wait_state(path, (1U << 4) | (1U << 5) | (1U << 6), 20000);
		if (rc != 5 && rc != 6) {
			snprintf(why, sizeof(why), "%s %s: %s", garbage[i].key, garbage[i].val,
				 rc == 4 ? "blkback connected" : "no answer");
			return why;
		}
		released = be_released(&ref, 1, au.port);
		if (released) {
			snprintf(why, sizeof(why), "%s %s: %s", garbage[i].key, garbage[i].val, released);
			return why;
		}
		xbf_switch(bf->fe, 6);
		if (xbf_wait_state(path, 1U << 6, 20000) < 0)
			return "blkback did not close xvda after refusing it";
		snprintf(path, sizeof(path), "%s/%s", bf->fe, garbage[i].key);
		xbf_rm(path);
#undef W
	}
	return NULL;
}

/*
 * The frontend going from Connected back to Initialising, CYCLES times
 * (as a driver restarting): blkback closes, offers the device again and
 * connects once more each time, an honest write and read work, and it
 * let go of each old ring and port (be_released()): a backend that
 * leaked a mapping or a port per reconnection fails here.
 */
#define CYCLES	16
static const char *flip(struct blkfront *bf, uint8_t *page)
{
	static char why[160];
	char path[200];
	const char *released;
	unsigned int i;
	int rc;

	xbf_switch(bf->fe, 1);
	for (i = 0; i < CYCLES; i++) {
		rc = blkfront_connect_flags(bf, 51712, 20000, BLKFRONT_CLAIM_PERSISTENT);
		memset(page, (int)(0x30 + i), 4096);
		if (!rc)
			rc = blkfront_rw(bf, BLKIF_OP_WRITE, 16, page, 8);
		memset(page, 0, 4096);
		if (!rc)
			rc = blkfront_rw(bf, BLKIF_OP_READ, 16, page, 8);
		if (!rc && (page[0] != 0x30 + i || page[4095] != 0x30 + i))
			rc = -EIO;
		if (rc) {
			snprintf(why, sizeof(why), "connection %u of xvda: %d", i + 1, rc);
			return why;
		}
		xbf_switch(bf->fe, 1);	/* Connected -> Initialising */
		snprintf(path, sizeof(path), "%s/state", bf->be);
		rc = xbf_wait_state(path, 1U << 2, 20000);
		released = rc < 0 ? "blkback did not offer xvda again" :
			   be_released(&bf->ring_ref, 1, bf->port);
		if (released) {
			snprintf(why, sizeof(why), "connection %u of xvda: %s", i + 1, released);
			return why;
		}
	}
	return NULL;
}

/*
 * An event flood on xvda: its ring kept full of honest one-page reads
 * (each must be answered OKAY) and its port sent in a loop, while one read
 * at a time goes to xvdb on the same blkback: each of FLOOD_READS must be
 * answered within FLOOD_MS, the flood going on meanwhile. Raw ring work
 * (blkfront's calls wait): xvda and xvdb are used no more after it.
 * Each flooded read follows one with no flood. xvda's own reads must be
 * answered while the flood goes on too (until xvdb's last read is
 * answered), never FLOOD_MS with reads out and no answer: a flooding
 * device is still served. NULL when all went so; max_ms[0] the slowest
 * xvdb read alone, max_ms[1] during the flood.
 */
#define FLOOD_READS	10
#define FLOOD_MS	20000
static unsigned long flood_events, flood_done, flood_during;
static uint64_t flood_t0, flood_first_ms;	/* xvda's first post; its first answer after */
static uint64_t flood_own_ms;	/* the longest xvda went with reads out, none answered */

static void fl_post(struct blkfront *bf, uint64_t id, uint64_t sector, grant_ref_t ref)
{
	union blkif_slot *sl = blkif_slot(bf->ring, bf->size, bf->req_prod_pvt++);

	memset(sl, 0, sizeof(*sl));
	sl->req.operation = BLKIF_OP_READ;
	sl->req.nr_segments = 1;
	sl->req.handle = (uint16_t)bf->devid;
	sl->req.id = id;
	sl->req.sector_number = sector;
	sl->req.seg[0] = (struct blkif_request_segment){ .gref = ref, .first_sect = 0, .last_sect = 7 };
}

/* The answers published on @bf's ring: their count; *bad the ones not OKAY. */
static unsigned int fl_reap(struct blkfront *bf, unsigned int *bad)
{
	volatile struct sring_hdr *h = bf->ring;
	unsigned int n = 0;

	while (bf->rsp_cons != __atomic_load_n(&h->rsp_prod, __ATOMIC_ACQUIRE)) {
		*bad += blkif_slot(bf->ring, bf->size, bf->rsp_cons++)->rsp.status != BLKIF_RSP_OKAY;
		n++;
	}
	return n;
}

static const char *flood(struct blkfront *a, struct blkfront *b, grant_ref_t ref,
			 uint64_t *max_ms)
{
	volatile struct sring_hdr *ha = a->ring, *hb = b->ring;
	static char why[200];
	unsigned int r, bad = 0, n;
	uint64_t t0, end, seen = 0;	/* seen: xvda's last answer, or when it had none out */

	max_ms[0] = max_ms[1] = 0;
	/* even rounds: xvdb alone (the baseline, max_ms[0]); odd ones: during the flood */
	for (r = 0; r < 2 * FLOOD_READS; r++) {
		unsigned int got = 0;

		t0 = xbf_ms();
		fl_post(b, 0xf100 + r, 8, ref);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		hb->req_prod = b->req_prod_pvt;
		evtchn_send(b->port);
		while (!got) {
			if (r & 1 && !flood_t0)
				flood_t0 = xbf_ms();
			while (r & 1 && a->req_prod_pvt - a->rsp_cons < a->size)
				fl_post(a, a->req_prod_pvt, a->req_prod_pvt % 64 * 8, ref);
			__atomic_thread_fence(__ATOMIC_RELEASE);
			ha->req_prod = a->req_prod_pvt;
			if (r & 1) {
				evtchn_send(a->port);
				flood_events++;
			}
			n = fl_reap(a, &bad);
			flood_done += n;
			if (flood_done && !flood_first_ms)
				flood_first_ms = xbf_ms() - flood_t0;
			if (n || a->rsp_cons == a->req_prod_pvt || !seen)
				seen = xbf_ms();
			else if (xbf_ms() - seen > flood_own_ms)
				flood_own_ms = xbf_ms() - seen;
			got = fl_reap(b, &bad);
			if (xbf_ms() - t0 > FLOOD_MS)
				return "an xvdb read was not answered in time during xvda's flood";
			if (flood_own_ms > FLOOD_MS)
				return "xvda's reads went unanswered for too long during its flood";
		}
		if (xbf_ms() - t0 > max_ms[r & 1])
			max_ms[r & 1] = xbf_ms() - t0;
		if (bad)
			return "a read of the flood or of xvdb was not answered OKAY";
	}
	flood_during = flood_done;
	end = xbf_ms();
	/* every read of the flood answered, OKAY */
	for (t0 = xbf_ms(); a->rsp_cons != a->req_prod_pvt; xbf_nap()) {
		flood_done += fl_reap(a, &bad);
		if (flood_done && !flood_first_ms)
			flood_first_ms = xbf_ms() - flood_t0;
		if (xbf_ms() - t0 > FLOOD_MS)
			return "xvda's flood was not all answered";
	}
	if (bad)
		return "a read of the flood was not answered OKAY";
	if (!flood_done)
		return "no read of xvda's flood was answered";
	if (!flood_during) {
		snprintf(why, sizeof(why), "xvda's reads were answered only once its flood stopped "
			 "(the first %llu ms after its first request, the flood %llu ms, %lu events)",
			 (unsigned long long)flood_first_ms, (unsigned long long)(end - flood_t0),
			 flood_events);
		return why;
	}
	return NULL;
}

int test_main(struct start_info *si)
{
	/* Static: the boot stack is one page. */
	static struct blkfront a, b;
	static union blkif_slot s, batch[32];
	static int st[32];
	const char *why = NULL;
	grant_ref_t good, ro_ref, iref;
	uint64_t flood_max[2] = { 0, 0 };
	int rc, r, i;
	uint64_t end;
	char path[200];

	mm_init(si);
	console_page = NULL;
	if (xbf_init(si))
		return fail("no events or store ring");
	rc = blkfront_connect_flags(&a, 51712, 600000, BLKFRONT_CLAIM_PERSISTENT);
	if (rc)
		return report("FAIL xvda did not connect: %d", rc);
	rc = blkfront_connect(&b, 51728, 600000);
	if (rc)
		return report("FAIL xvdb did not connect: %d", rc);
	end = a.sectors;
	r = gntf_grant(a.be_id, (uint64_t)buf, false);
	good = (grant_ref_t)r;
	r = gntf_grant(a.be_id, (uint64_t)buf, true);
	ro_ref = (grant_ref_t)r;
	r = gntf_grant(a.be_id, (uint64_t)ibuf, true);
	iref = (grant_ref_t)r;

#define TRY(what, req, want) do { if (!why) why = expect(&a, what, req, want); } while (0)
	TRY("a never-granted ref", rw(BLKIF_OP_READ, 0, 1, 300), BLKIF_RSP_ERROR);
	TRY("a ref past the table", rw(BLKIF_OP_WRITE, 0, 1, 100000), BLKIF_RSP_ERROR);
	TRY("a read into a read-only grant", rw(BLKIF_OP_READ, 0, 1, ro_ref), BLKIF_RSP_ERROR);
	TRY("a read past the end", rw(BLKIF_OP_READ, end - 7, 1, good), BLKIF_RSP_ERROR);
	TRY("a write at the end", rw(BLKIF_OP_WRITE, end, 1, good), BLKIF_RSP_ERROR);
	TRY("a range that wraps", rw(BLKIF_OP_WRITE, ~0ULL - 3, 2, good), BLKIF_RSP_ERROR);
	TRY("0 segments", rw(BLKIF_OP_READ, 0, 0, good), BLKIF_RSP_ERROR);
	TRY("12 segments", rw(BLKIF_OP_READ, 0, 12, good), BLKIF_RSP_ERROR);
	TRY("255 segments", rw(BLKIF_OP_WRITE, 0, 255, good), BLKIF_RSP_ERROR);
	s = rw(BLKIF_OP_READ, 0, 1, good);
	s.req.seg[0].first_sect = 6;
	s.req.seg[0].last_sect = 2;
	TRY("sectors backwards", s, BLKIF_RSP_ERROR);
	s.req.seg[0].first_sect = 0;
	s.req.seg[0].last_sect = 8;
	TRY("a sector past the page", s, BLKIF_RSP_ERROR);
	TRY("operation 4", rw(BLKIF_OP_RESERVED_1, 0, 1, good), 1);
	TRY("operation 200", rw(200, 0, 1, good), 1);
	memset(&s, 0, sizeof(s));
	s.indirect.operation = BLKIF_OP_INDIRECT;
	s.indirect.indirect_op = BLKIF_OP_READ;
	s.indirect.nr_segments = 4000;
	s.indirect.indirect_grefs[0] = iref;
	TRY("4000 indirect segments", s, 1);
	s.indirect.nr_segments = 0;
	TRY("0 indirect segments", s, 1);
	s.indirect.nr_segments = 20;
	s.indirect.indirect_grefs[0] = 400;
	TRY("a bad indirect page", s, 1);
	s.indirect.indirect_grefs[0] = iref;
	for (i = 0; i < 20; i++)
		((struct blkif_request_segment *)ibuf)[i] =
			(struct blkif_request_segment){ .gref = good, .first_sect = 0, .last_sect = 7 };
	((struct blkif_request_segment *)ibuf)[13].last_sect = 9;
	TRY("a bad segment in the indirect page", s, 1);
	((struct blkif_request_segment *)ibuf)[13].last_sect = 7;
	((struct blkif_request_segment *)ibuf)[13].gref = 350;
	TRY("a bad ref in the indirect page", s, 1);
	s.indirect.indirect_op = BLKIF_OP_FLUSH_DISKCACHE;
	TRY("an indirect flush", s, 1);
	memset(&s, 0, sizeof(s));
	s.discard.operation = BLKIF_OP_DISCARD;
	s.discard.sector_number = end - 8;
	s.discard.nr_sectors = 16;
	TRY("a discard past the end", s, 1);
	s.discard.nr_sectors = ~0ULL;
	TRY("a discard that wraps", s, 1);
	if (!why)
		why = expect(&b, "a write to the read-only disk", rw(BLKIF_OP_WRITE, 0, 1, good), BLKIF_RSP_ERROR);
	if (!why)
		why = expect(&b, "a discard on the read-only disk", rw(BLKIF_OP_DISCARD, 0, 0, good), 1);
	if (why)
		return report("FAIL %s (%u refused before)", why, refused);
	/* A full ring of garbage at once. */
	for (i = 0; i < 32; i++) {
		uint64_t *w = (uint64_t *)&batch[i];
		unsigned int k;

		for (k = 0; k < sizeof(batch[i]) / 8; k++)
			w[k] = 0x9e3779b97f4a7c15ULL * (uint64_t)(i * 16 + k + 1);
		batch[i].req.operation = (uint8_t)(i % 8 == 6 ? 6 : i % 8);
		batch[i].req.nr_segments = (uint8_t)(i % 3 ? 12 + i : 0);
	}
	blkfront_raw_batch(&a, batch, 32, st, 20000);
	for (i = 0; i < 32; i++) {
		if (st[i] == -ETIMEDOUT)
			return report("FAIL garbage request %d got no answer", i);
		if (st[i] >= 0 && batch[i].req.nr_segments)
			return report("FAIL garbage request %d was served", i);
	}
	/* An honest request still works. */
	memset(buf, 0x5a, sizeof(buf));
	rc = blkfront_rw(&a, BLKIF_OP_WRITE, 8, buf, 8);
	memset(buf, 0, sizeof(buf));
	if (!rc)
		rc = blkfront_rw(&a, BLKIF_OP_READ, 8, buf, 8);
	if (rc || buf[0] != 0x5a || buf[4095] != 0x5a)
		return report("FAIL an honest request after the attacks: %d", rc);
	/* Last: impossible ring indices. The backend must close xvda, not xvdb. */
	blkfront_poke_req_prod(&a, a.req_prod_pvt + 1000);
	snprintf(path, sizeof(path), "%s/state", a.be);
	rc = xbf_wait_state(path, (1U << 5) | (1U << 6), 30000);
	if (rc < 0)
		return report("FAIL the backend kept serving a broken ring (state %lld)",
			      xbf_read_num(path));
	st[0] = (int)xbf_read_num(path);
	rc = blkfront_rw(&b, BLKIF_OP_READ, 8, buf, 8);
	if (rc || buf[0] != 0x5a)
		return report("FAIL xvdb stopped working with xvda's ring: %d", rc);
	/* xvda again: blkback let go of the broken ring and its port */
	why = be_released(&a.ring_ref, 1, a.port);
	if (why)
		return report("FAIL xvda's broken ring: %s", why);
	a.ring_ref = 0;
	blkfront_close(&a);
	why = garbage_nodes(&a);
	if (!why)
		why = flip(&a, buf);
	if (!why && blkfront_connect_flags(&a, 51712, 20000, BLKFRONT_CLAIM_PERSISTENT))
		why = "xvda did not connect for the flood";
	if (!why)
		why = flood(&a, &b, good, flood_max);
	if (why)
		return report("FAIL %s", why);
	return report("ok: %u of %u bad requests refused, 32 garbage requests answered, an honest "
		      "request served, the broken ring closed xvda (state %d) and was let go, xvdb "
		      "still served, %u handshakes with a garbage node refused, %u reconnections "
		      "through Initialising served and let go, %d xvdb reads during a flood of "
		      "%lu events and %lu xvda reads, the slowest %llu ms (alone: %llu ms); xvda's "
		      "first answer %llu ms after its first request, %lu answered during the flood, "
		      "at most %llu ms with none, the flood %llu ms", refused,
		      sent, st[0], (unsigned int)(sizeof(garbage) / sizeof(garbage[0])), CYCLES,
		      FLOOD_READS, flood_events, flood_done, (unsigned long long)flood_max[1],
		      (unsigned long long)flood_max[0], (unsigned long long)flood_first_ms,
		      flood_during, (unsigned long long)flood_own_ms,
		      (unsigned long long)(xbf_ms() - flood_t0));
}
