/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checking one blkif request (docs/abi-devices.md §5.2) copied out of the
 * ring: everything in it is the frontend's and untrusted. A request that
 * passes is described by a struct blk_io the engine can run without
 * looking at the ring again; one that does not gets the status to answer
 * with. Pure code (no I/O): unit-tested and fuzzed on the host
 * (tests/unit/backend_drivers/block/).
 */
#ifndef BLK_REQ_H
#define BLK_REQ_H

#include <stdbool.h>
#include <stdint.h>
#include <lamina/io/blkif.h>

#define BLK_MAX_INDIRECT_SEGS	256	/* what we advertise */
#define BLK_MAX_SEGS		BLK_MAX_INDIRECT_SEGS

struct blk_limits {
	uint64_t sectors;		/* the disk's size in 512-byte sectors */
	bool readonly;
	bool discard;			/* feature-discard offered */
	unsigned int max_indirect;	/* feature-max-indirect-segments offered (0: none) */
};

struct blk_seg {
	uint32_t gref;
	uint16_t offset;	/* bytes in the granted page */
	uint16_t len;		/* bytes, a multiple of 512, 512..4096 */
};

enum blk_kind { BLK_READ, BLK_WRITE, BLK_FLUSH, BLK_BARRIER, BLK_DISCARD };

struct blk_io {
	uint64_t id;		/* echoed */
	uint8_t rsp_op;		/* the operation the response carries */
	enum blk_kind kind;
	uint64_t sector;	/* first sector */
	uint64_t nr_sectors;	/* 0 for a flush without data */
	unsigned int nseg;	/* data segments */
	bool indirect;		/* segments still in indirect pages */
	unsigned int nr_indirect;
	uint32_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	bool secure;		/* discard: secure erase asked */
	struct blk_seg seg[BLK_MAX_SEGS];
};

/*
 * Checks @req; BLKIF_RSP_OKAY and *io filled, or the status to answer
 * with (io->id and io->rsp_op are always set). For an indirect request
 * the segments are not known yet: io->indirect is set and the caller
 * fetches the pages and calls blk_req_segments().
 */
int blk_req_parse(const union blkif_slot *req, const struct blk_limits *lim, struct blk_io *io);
/* Checks io->nseg segments from @segs and the sector range; a status. */
int blk_req_segments(const struct blkif_request_segment *segs, const struct blk_limits *lim,
		     struct blk_io *io);

/* A vbd's stats file keys (docs/io-stats.md), in blk_stat_keys' order. */
enum blk_stat { BLK_ST_RD_REQ, BLK_ST_WR_REQ, BLK_ST_RD_BYTES, BLK_ST_WR_BYTES, BLK_ST_FLUSH,
		BLK_ST_DISCARD, BLK_ST_ERRORS, BLK_ST_INFLIGHT, BLK_ST_NR };
extern const char *const blk_stat_keys[BLK_ST_NR];
/* One answered request (@status) counted in @v; @inflight the level after it. */
void blk_req_account(uint64_t *v, const struct blk_io *io, int status, unsigned int inflight);

#endif
