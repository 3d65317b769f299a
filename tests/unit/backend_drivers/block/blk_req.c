// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of backend_drivers/block/blk_req.c (checking one blkif
 * request) and backend_drivers/common/ring_be.h (the backend's ring
 * indices), then a fuzzer: millions of random and mutated requests, and
 * rings whose frontend writes random indices, checking that nothing a
 * frontend writes gets a request past the disk's end, a segment outside
 * its page, a write onto a read-only disk, or the consumer outside the
 * ring. Run under AddressSanitizer and UBSan (tests/unit/build.mk).
 * BLK_FUZZ_ITERS in the environment sets the fuzzer's rounds.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include "../../unit.h"
#include "../../../../backend_drivers/block/blk_req.h"
#include "../../../../backend_drivers/common/ring_be.h"

#define DISK	(64ULL * 2048)	/* 64 MiB */

static const struct blk_limits rw = { .sectors = DISK, .discard = true, .max_indirect = 256 };
static const struct blk_limits ro = { .sectors = DISK, .readonly = true, .max_indirect = 256 };
static struct blk_io io;

static union blkif_slot rwreq(uint8_t op, uint64_t sector, unsigned int nseg)
{
	union blkif_slot s;
	unsigned int i;

	memset(&s, 0, sizeof(s));
	s.req.operation = op;
	s.req.nr_segments = (uint8_t)nseg;
	s.req.id = 0x1234;
	s.req.sector_number = sector;
	for (i = 0; i < nseg && i < 11; i++)
		s.req.seg[i] = (struct blkif_request_segment){ .gref = 100 + i, .first_sect = 0, .last_sect = 7 };
	return s;
}

static void read_write_ok(void)
{
	union blkif_slot s = rwreq(BLKIF_OP_READ, 8, 11);

	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_OKAY);
	EXPECT_EQ(io.kind, BLK_READ);
	EXPECT_EQ(io.nseg, 11);
	EXPECT_EQ(io.nr_sectors, 88);
	EXPECT_EQ(io.id, 0x1234);
	EXPECT_EQ(io.rsp_op, BLKIF_OP_READ);
	EXPECT_EQ(io.seg[10].gref, 110);
	s = rwreq(BLKIF_OP_WRITE, DISK - 8, 1);
	s.req.seg[0].first_sect = 2;
	s.req.seg[0].last_sect = 4;
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_OKAY);
	EXPECT_EQ(io.seg[0].offset, 1024);
	EXPECT_EQ(io.seg[0].len, 1536);
	EXPECT_EQ(io.nr_sectors, 3);
}

static void bad_segments(void)
{
	union blkif_slot s = rwreq(BLKIF_OP_READ, 0, 0);

	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_ERROR);	/* no segment */
	s = rwreq(BLKIF_OP_READ, 0, 12);
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_ERROR);	/* more than 11 */
	s = rwreq(BLKIF_OP_WRITE, 0, 255);
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_ERROR);
	s = rwreq(BLKIF_OP_READ, 0, 2);
	s.req.seg[1].last_sect = 8;
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_ERROR);	/* past the page */
	s = rwreq(BLKIF_OP_READ, 0, 2);
	s.req.seg[1].first_sect = 5;
	s.req.seg[1].last_sect = 4;
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_ERROR);	/* backwards */
}

static void bad_ranges(void)
{
	union blkif_slot s = rwreq(BLKIF_OP_READ, DISK - 7, 1);

	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_ERROR);	/* one sector past */
	s = rwreq(BLKIF_OP_READ, DISK, 1);
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_ERROR);
	s = rwreq(BLKIF_OP_WRITE, UINT64_MAX - 3, 1);
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_ERROR);	/* wraps */
	s.discard.operation = BLKIF_OP_DISCARD;
	s.discard.flag = 0;
	s.discard.sector_number = 8;
	s.discard.nr_sectors = UINT64_MAX - 4;
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_ERROR);
	s.discard.nr_sectors = DISK - 8;
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_OKAY);
	EXPECT_EQ(io.kind, BLK_DISCARD);
}

static void read_only(void)
{
	union blkif_slot s = rwreq(BLKIF_OP_WRITE, 0, 1);

	EXPECT_EQ(blk_req_parse(&s, &ro, &io), BLKIF_RSP_ERROR);
	s.req.operation = BLKIF_OP_WRITE_BARRIER;
	EXPECT_EQ(blk_req_parse(&s, &ro, &io), BLKIF_RSP_ERROR);
	s.req.operation = BLKIF_OP_FLUSH_DISKCACHE;
	EXPECT_EQ(blk_req_parse(&s, &ro, &io), BLKIF_RSP_ERROR);	/* a flush with data */
	s.req.nr_segments = 0;
	EXPECT_EQ(blk_req_parse(&s, &ro, &io), BLKIF_RSP_OKAY);	/* a flush alone */
	s.req.operation = BLKIF_OP_READ;
	s.req.nr_segments = 1;
	EXPECT_EQ(blk_req_parse(&s, &ro, &io), BLKIF_RSP_OKAY);
	s.discard.operation = BLKIF_OP_DISCARD;
	s.discard.nr_sectors = 8;
	EXPECT_EQ(blk_req_parse(&s, &ro, &io), BLKIF_RSP_EOPNOTSUPP);	/* not offered */
	s.indirect.operation = BLKIF_OP_INDIRECT;
	s.indirect.indirect_op = BLKIF_OP_WRITE;
	s.indirect.nr_segments = 20;
	EXPECT_EQ(blk_req_parse(&s, &ro, &io), BLKIF_RSP_ERROR);
}

static void flush_and_ops(void)
{
	union blkif_slot s = rwreq(BLKIF_OP_FLUSH_DISKCACHE, 0xffffffffffffULL, 0);

	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_OKAY);	/* its sector is ignored */
	EXPECT_EQ(io.kind, BLK_FLUSH);
	EXPECT_EQ(io.nr_sectors, 0);
	s = rwreq(BLKIF_OP_WRITE_BARRIER, 16, 3);
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_OKAY);
	EXPECT_EQ(io.kind, BLK_BARRIER);
	EXPECT_EQ(io.nr_sectors, 24);
	s = rwreq(BLKIF_OP_RESERVED_1, 0, 1);
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_EOPNOTSUPP);
	EXPECT_EQ(io.rsp_op, BLKIF_OP_RESERVED_1);
	s = rwreq(200, 0, 1);
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_EOPNOTSUPP);
	s.discard.operation = BLKIF_OP_DISCARD;
	s.discard.flag = BLKIF_DISCARD_SECURE;
	s.discard.nr_sectors = 8;
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_EOPNOTSUPP);
}

static void indirect(void)
{
	union blkif_slot s;
	struct blkif_request_segment segs[600];
	unsigned int i;

	memset(&s, 0, sizeof(s));
	s.indirect.operation = BLKIF_OP_INDIRECT;
	s.indirect.indirect_op = BLKIF_OP_READ;
	s.indirect.nr_segments = 32;
	s.indirect.id = 77;
	s.indirect.sector_number = 1024;
	s.indirect.indirect_grefs[0] = 55;
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_OKAY);
	EXPECT(io.indirect);
	EXPECT_EQ(io.nr_indirect, 1);
	EXPECT_EQ(io.indirect_grefs[0], 55);
	EXPECT_EQ(io.rsp_op, BLKIF_OP_READ);	/* the response carries indirect_op */
	EXPECT_EQ(io.id, 77);
	for (i = 0; i < 600; i++)
		segs[i] = (struct blkif_request_segment){ .gref = i, .first_sect = 0, .last_sect = 7 };
	EXPECT_EQ(blk_req_segments(segs, &rw, &io), BLKIF_RSP_OKAY);
	EXPECT_EQ(io.nr_sectors, 256);
	segs[31].last_sect = 9;
	EXPECT_EQ(blk_req_segments(segs, &rw, &io), BLKIF_RSP_ERROR);
	s.indirect.nr_segments = 257;			/* above what we offer */
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_ERROR);
	s.indirect.nr_segments = 0;
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_ERROR);
	s.indirect.nr_segments = 256;
	s.indirect.indirect_op = BLKIF_OP_FLUSH_DISKCACHE;
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_ERROR);
	s.indirect.indirect_op = BLKIF_OP_WRITE;
	s.indirect.sector_number = DISK - 100;	/* 256 pages from there pass the end */
	EXPECT_EQ(blk_req_parse(&s, &rw, &io), BLKIF_RSP_OKAY);
	segs[31].last_sect = 7;
	EXPECT_EQ(blk_req_segments(segs, &rw, &io), BLKIF_RSP_ERROR);
	struct blk_limits none = rw;
	none.max_indirect = 0;
	EXPECT_EQ(blk_req_parse(&s, &none, &io), BLKIF_RSP_EOPNOTSUPP);
}

static void ring_sizes(void)
{
	EXPECT_EQ(blkif_ring_size(1), 32);
	EXPECT_EQ(blkif_ring_size(2), 64);
	EXPECT_EQ(blkif_ring_size(4), 128);
	EXPECT_EQ(blkif_ring_size(16), 512);
}

static _Alignas(4096) char page[4096];

static void ring_indices(void)
{
	struct be_ring r;
	struct sring_hdr *h = (struct sring_hdr *)page;
	union blkif_slot s;

	memset(page, 0, sizeof(page));
	be_ring_init(&r, page, 32);
	EXPECT_EQ(be_ring_avail(&r), 0);
	h->req_prod = 5;
	EXPECT_EQ(be_ring_avail(&r), 5);
	be_ring_take(&r, &s, BLKIF_SLOT_SIZE);
	EXPECT_EQ(r.req_cons, 1);
	h->req_prod = 33;				/* 32 ahead of 1: a full ring */
	EXPECT_EQ(be_ring_avail(&r), 32 - 1);		/* one response still owed */
	h->req_prod = 34;				/* 33 ahead: impossible */
	EXPECT_EQ(be_ring_avail(&r), -1);
	h->req_prod = 0;				/* behind the consumer: impossible too */
	EXPECT_EQ(be_ring_avail(&r), -1);
	/* Responses and the event rule, across the 2^32 wrap. */
	be_ring_init(&r, page, 32);
	r.req_cons = r.rsp_prod_pvt = UINT32_MAX - 1;
	h->rsp_prod = UINT32_MAX - 1;
	h->req_prod = 2;				/* 4 requests, across the wrap */
	EXPECT_EQ(be_ring_avail(&r), 4);
	h->rsp_event = UINT32_MAX;			/* the frontend waits for the first */
	be_ring_rsp_slot(&r, BLKIF_SLOT_SIZE);
	be_ring_rsp_slot(&r, BLKIF_SLOT_SIZE);
	EXPECT(be_ring_push(&r));
	EXPECT_EQ(h->rsp_prod, 0);
	h->rsp_event = 5;				/* not yet */
	be_ring_rsp_slot(&r, BLKIF_SLOT_SIZE);
	EXPECT(!be_ring_push(&r));
	/* The final check asks for an event at the next request. */
	r.req_cons = h->req_prod;
	EXPECT(!be_ring_final_check(&r));
	EXPECT_EQ(h->req_event, r.req_cons + 1);
}

/* ---- the fuzzer ---- */

#define rnd()	((uint64_t)unit_rnd())

/* What must hold for whatever a request said. */
static void check_verdict(const union blkif_slot *s, const struct blk_limits *lim, int st)
{
	unsigned int i;
	uint64_t total = 0;

	if (st != BLKIF_RSP_OKAY && st != BLKIF_RSP_ERROR && st != BLKIF_RSP_EOPNOTSUPP)
		UNIT_FAIL("a status outside OKAY/ERROR/EOPNOTSUPP");
	if (s->req.operation == BLKIF_OP_INDIRECT ? io.rsp_op != s->indirect.indirect_op
						   : io.rsp_op != s->req.operation)
		UNIT_FAIL("the response's operation is not the request's");
	if (io.id != s->req.id)
		UNIT_FAIL("the response's id is not the request's");
	if (st != BLKIF_RSP_OKAY)
		return;
	if (lim->readonly && io.kind != BLK_READ && (io.nseg || io.kind == BLK_DISCARD ||
						     io.kind == BLK_BARRIER || io.indirect))
		UNIT_FAIL("a write on a read-only disk passed");
	if (io.indirect) {
		if (io.nseg == 0 || io.nseg > lim->max_indirect || io.nr_indirect > 8 ||
		    io.nr_indirect * 512 < io.nseg)
			UNIT_FAIL("an indirect request with bad counts passed");
		return;
	}
	if (io.kind == BLK_DISCARD) {
		if (io.sector > lim->sectors || io.nr_sectors > lim->sectors - io.sector)
			UNIT_FAIL("a discard past the end passed");
		return;
	}
	if (io.nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		UNIT_FAIL("more than 11 direct segments passed");
	for (i = 0; i < io.nseg; i++) {
		if (io.seg[i].len == 0 || io.seg[i].len % 512 || io.seg[i].offset % 512 ||
		    io.seg[i].offset + io.seg[i].len > 4096)
			UNIT_FAIL("a segment outside its page passed");
		total += io.seg[i].len / 512;
	}
	if (total != io.nr_sectors)
		UNIT_FAIL("nr_sectors is not the segments' sum");
	if (io.nseg && (io.sector > lim->sectors || io.nr_sectors > lim->sectors - io.sector))
		UNIT_FAIL("a transfer past the disk's end passed");
}

static void fuzz_requests(void)
{
	const char *env = getenv("BLK_FUZZ_ITERS");
	unsigned long n = env ? strtoul(env, NULL, 0) : 1000000, k;
	struct blkif_request_segment segs[BLK_MAX_SEGS];
	union blkif_slot s;
	unsigned int i;

	for (k = 0; k < n && !unit_failure[0]; k++) {
		const struct blk_limits *lim = (k & 1) ? &ro : &rw;
		int st;

		if (k % 3 == 0) {		/* pure noise */
			for (i = 0; i < sizeof(s) / 8; i++)
				((uint64_t *)&s)[i] = rnd();
		} else {			/* a valid request, a few bytes changed */
			s = rwreq((uint8_t)(rnd() % 8), rnd() % (DISK + 64), 1 + rnd() % 11);
			if (s.req.operation == BLKIF_OP_INDIRECT) {
				s.indirect.indirect_op = (uint8_t)(rnd() % 3);
				s.indirect.nr_segments = (uint16_t)(rnd() % 300);
			}
			for (i = rnd() % 4; i > 0; i--)
				((uint8_t *)&s)[rnd() % sizeof(s)] = (uint8_t)rnd();
		}
		st = blk_req_parse(&s, lim, &io);
		check_verdict(&s, lim, st);
		if (st == BLKIF_RSP_OKAY && io.indirect) {
			for (i = 0; i < io.nseg; i++) {
				uint64_t r = rnd();

				segs[i] = (struct blkif_request_segment){ .gref = (uint32_t)r,
					.first_sect = (uint8_t)((r >> 32) % 9), .last_sect = (uint8_t)((r >> 40) % 9) };
			}
			st = blk_req_segments(segs, lim, &io);
			if (st == BLKIF_RSP_OKAY) {
				uint64_t total = 0;

				for (i = 0; i < io.nseg; i++) {
					if (io.seg[i].offset + io.seg[i].len > 4096 || !io.seg[i].len)
						UNIT_FAIL("an indirect segment outside its page passed");
					total += io.seg[i].len / 512;
				}
				if (total != io.nr_sectors || io.sector > DISK ||
				    io.nr_sectors > DISK - io.sector)
					UNIT_FAIL("an indirect transfer past the end passed");
			}
		}
	}
}

/*
 * A frontend writing random indices while the backend consumes and
 * answers: the backend never takes more than a ring's worth, never takes a
 * slot whose response is still owed, and a broken ring is seen as broken.
 */
static void fuzz_ring(void)
{
	static _Alignas(4096) char area[16 * 4096];
	struct sring_hdr *h = (struct sring_hdr *)area;
	unsigned int round, step;

	for (round = 0; round < 2000 && !unit_failure[0]; round++) {
		uint32_t size = blkif_ring_size(1U << (round % 5)), start = (uint32_t)rnd();
		struct be_ring r;
		uint32_t owed = 0;

		memset(area, 0, sizeof(area));
		be_ring_init(&r, area, size);
		r.req_cons = r.rsp_prod_pvt = start;
		h->req_prod = h->rsp_prod = start;
		for (step = 0; step < 200; step++) {
			int64_t n;

			switch (rnd() % 4) {
			case 0:	h->req_prod = (uint32_t)rnd(); break;		/* garbage */
			case 1:	h->req_prod = r.req_cons + (uint32_t)(rnd() % (size + 2)); break;
			default: h->req_prod = r.rsp_prod_pvt + (uint32_t)(rnd() % (size + 1)); break;
			}
			n = be_ring_avail(&r);
			if (n < 0) {
				if ((uint32_t)(h->req_prod - r.req_cons) <= size)
					UNIT_FAIL("a sane ring seen as broken");
				continue;
			}
			if (n > size || (uint32_t)(h->req_prod - r.req_cons) > size)
				UNIT_FAIL("an impossible producer accepted");
			while (n-- > 0) {
				union blkif_slot s;

				be_ring_take(&r, &s, BLKIF_SLOT_SIZE);
				owed++;
				if (r.req_cons - r.rsp_prod_pvt > size)
					UNIT_FAIL("took a slot whose response is owed");
			}
			while (owed && (rnd() & 1)) {
				struct blkif_response *rsp = be_ring_rsp_slot(&r, BLKIF_SLOT_SIZE);

				if ((char *)rsp < area + 64 || (char *)(rsp + 1) > area + 64 + size * 112UL)
					UNIT_FAIL("a response outside the ring");
				owed--;
			}
			be_ring_push(&r);
		}
	}
}

/*
 * ---- a frontend rewriting its slots while they are taken (session 34 review) ----
 *
 * A second thread stands for the frontend on another CPU: it writes, 8
 * bytes at a time, each slot of a 32-slot ring over and over with one of
 * a good READ of 11 whole pages at sector 0 in which one 8-byte word (a
 * different one each time) is a bad request's, whose every field is past
 * its limit (255 segments, last_sect 255, a sector past the disk, at
 * times an operation of another kind). A taken copy may be any mix of
 * these versions: whatever
 * blk_req_parse() makes of it, a request it passes must hold together
 * (its segments within their pages, its sectors their sum, its range in
 * the disk). Run two ways: on the copy be_ring_take() makes, and on the
 * shared slot itself (blk_req_parse() says it copies its argument once,
 * so that a caller handing it shared memory is safe too). A check on one
 * read and a use of another would let a mix through with a length past
 * its page.
 */
#define FLIP_SLOTS	32
static uint8_t flip_ring[SRING_HDR_SIZE + FLIP_SLOTS * BLKIF_SLOT_SIZE] __attribute__((aligned(64)));
static volatile int flip_stop;
static volatile unsigned long flip_writes;

static void *slot_flipper(void *arg)
{
	union blkif_slot good = rwreq(BLKIF_OP_READ, 0, 11), bad;
	unsigned long long x = 0x2545f4914f6cdd1dULL;
	unsigned int i, w;

	(void)arg;
	memset(&bad, 0xff, sizeof(bad));
	bad.req.nr_segments = 255;
	bad.req.sector_number = DISK + 8;
	for (i = 0; i < 11; i++)
		bad.req.seg[i] = (struct blkif_request_segment){ .gref = 9, .first_sect = 0, .last_sect = 255 };
	while (!flip_stop) {
		for (i = 0; i < FLIP_SLOTS; i++) {
			volatile uint64_t *d = (volatile uint64_t *)(flip_ring + SRING_HDR_SIZE +
								     i * BLKIF_SLOT_SIZE);

			unsigned int spoilt;

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			spoilt = (unsigned int)(x % (BLKIF_SLOT_SIZE / 8));	/* the bad word */
			for (w = 0; w < BLKIF_SLOT_SIZE / 8; w++) {
				const union blkif_slot *src = w == spoilt ? &bad : &good;

				if (w == 0 && w == spoilt && (x & 0x300) == 0x300)	/* another kind */
					d[w] = (((const uint64_t *)src)[0] & ~0xffULL) |
					       (uint8_t)((x >> 10) % 8);
				else
					d[w] = ((const uint64_t *)src)[w];
			}
		}
		flip_writes++;
	}
	return NULL;
}

/* A request blk_req_parse() passed: does it hold together? */
static bool io_sane(const struct blk_io *o, const struct blk_limits *lim)
{
	uint64_t sectors = 0;
	unsigned int i;

	if (o->sector > lim->sectors || o->nr_sectors > lim->sectors - o->sector)
		return false;
	if (o->kind == BLK_DISCARD || o->indirect)
		return o->nseg == 0 || o->indirect;
	if (o->nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		return false;
	for (i = 0; i < o->nseg; i++) {
		if (o->seg[i].len < 512 || o->seg[i].len % 512 || o->seg[i].offset % 512 ||
		    o->seg[i].offset + o->seg[i].len > 4096)
			return false;
		sectors += o->seg[i].len / 512;
	}
	return sectors == o->nr_sectors;
}

static void flipped_while_taken(void)
{
	const char *env = getenv("BLK_FUZZ_ITERS");
	unsigned long n = env ? strtoul(env, NULL, 0) : 1000000, k, ok = 0;
	struct be_ring r;
	pthread_t t;

	memset(flip_ring, 0, sizeof(flip_ring));
	be_ring_init(&r, flip_ring, FLIP_SLOTS);
	flip_stop = 0;
	if (pthread_create(&t, NULL, slot_flipper, NULL)) {
		UNIT_FAIL("pthread_create");
		return;
	}
	while (!flip_writes)
		;	/* the frontend is writing */
	for (k = 0; k < n && !unit_failure[0]; k++) {
		union blkif_slot slot;
		const union blkif_slot *shared = blkif_slot(flip_ring, FLIP_SLOTS, r.req_cons);
		int st;

		r.sring->req_prod = r.req_cons + 1;
		if (k & 1) {
			be_ring_take(&r, &slot, BLKIF_SLOT_SIZE);
			st = blk_req_parse(&slot, &rw, &io);
		} else {
			st = blk_req_parse(shared, &rw, &io);
			r.req_cons++;
		}
		r.rsp_prod_pvt = r.req_cons;	/* answered */
		if (st != BLKIF_RSP_OKAY)
			continue;
		ok++;
		if (!io_sane(&io, &rw))
			UNIT_FAIL("a request taken while its frontend rewrote it passed, not holding together");
	}
	flip_stop = 1;
	pthread_join(t, NULL);
	printf("blk_req flipped while taken: %lu taken, %lu passed, the frontend rewrote the ring "
	       "%lu times\n", k, ok, flip_writes);
	EXPECT(ok > 0);
}

int main(void)
{
	unit_suite = "backend_drivers/block/blk_req";
	RUN(read_write_ok);
	RUN(bad_segments);
	RUN(bad_ranges);
	RUN(read_only);
	RUN(flush_and_ops);
	RUN(indirect);
	RUN(ring_sizes);
	RUN(ring_indices);
	RUN(fuzz_requests);
	RUN(fuzz_ring);
	RUN(flipped_while_taken);
	return 0;
}
