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
 * works; last, it breaks its ring's indices and checks that the backend
 * closes this device (and only it). xvda claims feature-persistent, so
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

int test_main(struct start_info *si)
{
	/* Static: the boot stack is one page. */
	static struct blkfront a, b;
	static union blkif_slot s, batch[32];
	static int st[32];
	const char *why = NULL;
	grant_ref_t good, ro_ref, iref;
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
	rc = blkfront_rw(&b, BLKIF_OP_READ, 8, buf, 8);
	if (rc || buf[0] != 0x5a)
		return report("FAIL xvdb stopped working with xvda's ring: %d", rc);
	return report("ok: %u of %u bad requests refused, 32 garbage requests answered, an honest "
		      "request served, the broken ring closed xvda (state %d), xvdb still served",
		      refused, sent, rc >= 0 ? (int)xbf_read_num(path) : rc);
}
