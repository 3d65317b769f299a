/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blkfront for the project's small PV test kernels (docs/abi-devices.md
 * §4.3-4.4, §5.2): the xenbus handshake for device/vbd/<devid>, a
 * one-page ring, and synchronous requests (direct up to 11 segments,
 * indirect beyond when the backend offers it), flush, discard, and raw
 * crafted requests for tests that misbehave on purpose. Buffers are
 * page-aligned memory of the start-of-day region (va_to_mfn works).
 */
#ifndef FE_BLKFRONT_H
#define FE_BLKFRONT_H

#include <stdbool.h>
#include <stdint.h>
#include <lamina/grant_table.h>
#include <lamina/io/blkif.h>

#define BLK_FE_MAX_SEGS	32	/* per request: 11 direct, up to 32 indirect (one page) */

struct blkfront {
	char fe[64];		/* device/vbd/<devid>, relative to our home */
	char be[128];		/* the backend's directory */
	domid_t be_id;
	unsigned int devid;
	uint64_t sectors;
	unsigned int info, sector_size, max_indirect;
	bool flush, barrier, discard;
	void *ring;
	grant_ref_t ring_ref;
	evtchn_port_t port;
	uint32_t req_prod_pvt, rsp_cons, size;
	uint64_t next_id;
	void *indirect_page;
};

/* The whole handshake; 0 once both sides are Connected. */
int blkfront_connect(struct blkfront *bf, unsigned int devid, unsigned int timeout_ms);
/*
 * The same, with BLKFRONT_CLAIM_PERSISTENT: writes feature-persistent 1, so
 * a backend offering persistent grants keeps ours mapped (a test of the
 * backend's persistent path: this frontend still ends each grant after
 * use, and grants a write's pages read-only, which such a backend must
 * cope with).
 */
#define BLKFRONT_CLAIM_PERSISTENT	1U
int blkfront_connect_flags(struct blkfront *bf, unsigned int devid, unsigned int timeout_ms,
			   unsigned int flags);
/*
 * Reads or writes @nsect 512-byte sectors at @sector to/from @buf (page
 * aligned). The backend's status (BLKIF_RSP_*), or -errno when none came.
 */
int blkfront_rw(struct blkfront *bf, int op, uint64_t sector, void *buf, unsigned int nsect);
int blkfront_flush(struct blkfront *bf);
int blkfront_discard(struct blkfront *bf, uint64_t sector, uint64_t nsect);
/* Posts @req as it is (id replaced by ours), waits up to @ms for its answer. */
int blkfront_raw(struct blkfront *bf, const union blkif_slot *req, unsigned int ms);
/* Posts @n requests at once and waits for all (answered in any order); statuses in @st. */
int blkfront_raw_batch(struct blkfront *bf, const union blkif_slot *req, unsigned int n,
		       int *st, unsigned int ms);
/* Writes the shared ring's req_prod as it is: for tests that break it. */
void blkfront_poke_req_prod(struct blkfront *bf, uint32_t value);
/* Closing then Closed, waiting for the backend to follow. */
int blkfront_close(struct blkfront *bf);

#endif
