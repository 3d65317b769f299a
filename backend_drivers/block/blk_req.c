// SPDX-License-Identifier: GPL-2.0-only
/* Checking blkif requests: see blk_req.h. */
#include <string.h>
#include "blk_req.h"

/* sector + count within the disk, without overflow. */
static bool in_disk(const struct blk_limits *lim, uint64_t sector, uint64_t count)
{
	return sector <= lim->sectors && count <= lim->sectors - sector;
}

int blk_req_segments(const struct blkif_request_segment *segs, const struct blk_limits *lim,
		     struct blk_io *io)
{
	uint64_t total = 0;
	unsigned int i;

	if (io->nseg > BLK_MAX_SEGS)
		return BLKIF_RSP_ERROR;
	for (i = 0; i < io->nseg; i++) {
		struct blkif_request_segment s = segs[i];	/* one read of each field */

		if (s.first_sect > s.last_sect || s.last_sect >= 8)
			return BLKIF_RSP_ERROR;
		io->seg[i].gref = s.gref;
		io->seg[i].offset = (uint16_t)(s.first_sect * 512);
		io->seg[i].len = (uint16_t)((s.last_sect - s.first_sect + 1) * 512);
		total += (uint64_t)(s.last_sect - s.first_sect + 1);
	}
	io->nr_sectors = total;
	io->indirect = false;
	if (!in_disk(lim, io->sector, total))
		return BLKIF_RSP_ERROR;
	return BLKIF_RSP_OKAY;
}

int blk_req_parse(const union blkif_slot *slot, const struct blk_limits *lim, struct blk_io *io)
{
	union blkif_slot r;
	unsigned int i, n;

	memcpy(&r, slot, sizeof(r));	/* the caller's copy may still be shared: copy again */
	io->id = r.req.id;
	io->rsp_op = r.req.operation;
	io->sector = r.req.sector_number;
	io->nr_sectors = 0;
	io->nseg = 0;
	io->indirect = false;
	io->nr_indirect = 0;
	io->secure = false;

	switch (r.req.operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		io->kind = r.req.operation == BLKIF_OP_READ ? BLK_READ : BLK_WRITE;
		n = r.req.nr_segments;
		if (n == 0 || n > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			return BLKIF_RSP_ERROR;
		break;
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_FLUSH_DISKCACHE:
		io->kind = r.req.operation == BLKIF_OP_FLUSH_DISKCACHE ? BLK_FLUSH : BLK_BARRIER;
		n = r.req.nr_segments;
		if (n > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			return BLKIF_RSP_ERROR;
		break;
	case BLKIF_OP_DISCARD:
		io->kind = BLK_DISCARD;
		if (!lim->discard)
			return BLKIF_RSP_EOPNOTSUPP;
		if (lim->readonly)
			return BLKIF_RSP_ERROR;
		io->secure = r.discard.flag & BLKIF_DISCARD_SECURE;
		if (io->secure)
			return BLKIF_RSP_EOPNOTSUPP;	/* discard-secure is 0 */
		io->nr_sectors = r.discard.nr_sectors;
		return in_disk(lim, io->sector, io->nr_sectors) ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR;
	case BLKIF_OP_INDIRECT:
		io->rsp_op = r.indirect.indirect_op;
		io->sector = r.indirect.sector_number;
		if (!lim->max_indirect)
			return BLKIF_RSP_EOPNOTSUPP;
		if (r.indirect.indirect_op != BLKIF_OP_READ && r.indirect.indirect_op != BLKIF_OP_WRITE)
			return BLKIF_RSP_ERROR;
		io->kind = r.indirect.indirect_op == BLKIF_OP_READ ? BLK_READ : BLK_WRITE;
		n = r.indirect.nr_segments;
		if (n == 0 || n > lim->max_indirect || n > BLK_MAX_SEGS)
			return BLKIF_RSP_ERROR;
		if (io->kind == BLK_WRITE && lim->readonly)
			return BLKIF_RSP_ERROR;
		io->nseg = n;
		io->nr_indirect = (n + BLKIF_SEGS_PER_INDIRECT_FRAME - 1) / BLKIF_SEGS_PER_INDIRECT_FRAME;
		if (io->nr_indirect > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST)
			return BLKIF_RSP_ERROR;
		for (i = 0; i < io->nr_indirect; i++)
			io->indirect_grefs[i] = r.indirect.indirect_grefs[i];
		io->indirect = true;
		/* The range is checked once the segments are known. */
		return io->sector < lim->sectors ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR;
	default:
		return BLKIF_RSP_EOPNOTSUPP;
	}
	if (lim->readonly && io->kind != BLK_READ && n > 0)
		return BLKIF_RSP_ERROR;
	if (lim->readonly && io->kind == BLK_BARRIER)
		return BLKIF_RSP_ERROR;
	io->nseg = n;
	if (!n)
		return BLKIF_RSP_OKAY;	/* a flush alone: its sector means nothing */
	return blk_req_segments(r.req.seg, lim, io);
}

const char *const blk_stat_keys[BLK_ST_NR] = {
	"rd_req", "wr_req", "rd_bytes", "wr_bytes", "flush_req", "discard_req", "errors", "inflight",
};

void blk_req_account(uint64_t *v, const struct blk_io *io, int status, unsigned int inflight)
{
	uint64_t bytes = io->nr_sectors * 512;

	v[BLK_ST_INFLIGHT] = inflight;
	if (status != BLKIF_RSP_OKAY) {
		v[BLK_ST_ERRORS]++;	/* io may be half filled: nothing else is read */
		return;
	}
	switch (io->kind) {
	case BLK_READ:
		v[BLK_ST_RD_REQ]++;
		v[BLK_ST_RD_BYTES] += bytes;
		break;
	case BLK_WRITE:
		v[BLK_ST_WR_REQ]++;
		v[BLK_ST_WR_BYTES] += bytes;
		break;
	case BLK_FLUSH:
	case BLK_BARRIER:
		v[BLK_ST_FLUSH]++;
		v[BLK_ST_WR_BYTES] += bytes;	/* data a flush or barrier carries */
		break;
	case BLK_DISCARD:
		v[BLK_ST_DISCARD]++;
		break;
	}
}
