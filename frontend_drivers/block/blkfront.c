// SPDX-License-Identifier: GPL-2.0-only
/* blkfront for the small PV test kernels: see blkfront.h. */
#include "guest.h"
#include "events.h"
#include "mm.h"
#include "../common/gnttab_fe.h"
#include "../common/xenbus_fe.h"
#include "blkfront.h"

#define WAIT_MS		20000

static int rd(struct blkfront *bf, bool be, const char *key, char *val, unsigned int size)
{
	char path[200];

	snprintf(path, sizeof(path), "%s/%s", be ? bf->be : bf->fe, key);
	return xbf_read(path, val, size);
}

static long long rdnum(struct blkfront *bf, bool be, const char *key, long long dflt)
{
	char path[200];
	long long v;

	snprintf(path, sizeof(path), "%s/%s", be ? bf->be : bf->fe, key);
	v = xbf_read_num(path);
	return v == -ENOENT ? dflt : v;
}

static int wr(struct blkfront *bf, const char *key, const char *fmt, unsigned long long v)
{
	char path[200], val[32];

	snprintf(path, sizeof(path), "%s/%s", bf->fe, key);
	snprintf(val, sizeof(val), fmt, v);
	return xbf_write(path, val);
}

int blkfront_connect(struct blkfront *bf, unsigned int devid, unsigned int timeout_ms)
{
	return blkfront_connect_flags(bf, devid, timeout_ms, 0);
}

int blkfront_connect_flags(struct blkfront *bf, unsigned int devid, unsigned int timeout_ms,
			   unsigned int flags)
{
	struct evtchn_alloc_unbound au;
	char path[200];
	long long id;
	int rc, s;

	memset(bf, 0, sizeof(*bf));
	bf->devid = devid;
	snprintf(bf->fe, sizeof(bf->fe), "device/vbd/%u", devid);
	snprintf(path, sizeof(path), "%s/state", bf->fe);
	/* The toolstack writes our directory, state 1 last. */
	rc = xbf_wait_state(path, 1U << 1, timeout_ms);
	if (rc < 0)
		return rc;
	id = rdnum(bf, false, "backend-id", -ENOENT);
	if (id < 0 || id >= DOMID_FIRST_RESERVED || rd(bf, false, "backend", bf->be, sizeof(bf->be)))
		return -EINVAL;
	bf->be_id = (domid_t)id;
	snprintf(path, sizeof(path), "%s/state", bf->be);
	s = xbf_wait_state(path, 1U << 2, timeout_ms);
	if (s < 0)
		return s;
	rc = gntf_init();
	if (rc)
		return rc;
	bf->ring = (void *)scratch_page();
	bf->indirect_page = (void *)scratch_page();
	bf->size = blkif_ring_size(1);
	((struct sring_hdr *)bf->ring)->req_event = 1;
	((struct sring_hdr *)bf->ring)->rsp_event = 1;
	rc = gntf_grant(bf->be_id, (uint64_t)bf->ring, false);
	if (rc < 0)
		return rc;
	bf->ring_ref = (grant_ref_t)rc;
	au = (struct evtchn_alloc_unbound){ DOMID_SELF, bf->be_id, 0 };
	if (evtchn_op(EVTCHNOP_alloc_unbound, &au))
		return -EIO;
	bf->port = au.port;
	bf->max_indirect = (unsigned int)rdnum(bf, true, "feature-max-indirect-segments", 0);
	if (wr(bf, "ring-ref", "%llu", bf->ring_ref) || wr(bf, "event-channel", "%llu", bf->port))
		return -EIO;
	if ((flags & BLKFRONT_CLAIM_PERSISTENT) && wr(bf, "feature-persistent", "%llu", 1ULL))
		return -EIO;
	snprintf(path, sizeof(path), "%s/protocol", bf->fe);
	if (xbf_write(path, XEN_IO_PROTO_ABI_X86_64) || xbf_switch(bf->fe, 3))
		return -EIO;
	snprintf(path, sizeof(path), "%s/state", bf->be);
	s = xbf_wait_state(path, (1U << 4) | (1U << 5) | (1U << 6), timeout_ms);
	if (s != 4)
		return s < 0 ? s : -ECONNREFUSED;
	bf->sectors = (uint64_t)rdnum(bf, true, "sectors", 0);
	bf->info = (unsigned int)rdnum(bf, true, "info", 0);
	bf->sector_size = (unsigned int)rdnum(bf, true, "sector-size", 512);
	bf->flush = rdnum(bf, true, "feature-flush-cache", 0) == 1;
	bf->barrier = rdnum(bf, true, "feature-barrier", 0) == 1;
	bf->discard = rdnum(bf, true, "feature-discard", 0) == 1;
	if (!bf->sectors || bf->sector_size != 512)
		return -EINVAL;
	return xbf_switch(bf->fe, 4);
}

static union blkif_slot *slot(struct blkfront *bf, uint32_t idx)
{
	return blkif_slot(bf->ring, bf->size, idx);
}

static void post(struct blkfront *bf)
{
	struct sring_hdr *h = bf->ring;
	uint32_t old = h->req_prod, new = bf->req_prod_pvt;

	__atomic_thread_fence(__ATOMIC_RELEASE);
	h->req_prod = new;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if ((uint32_t)(new - h->req_event) < (uint32_t)(new - old))
		evtchn_send(bf->port);
}

/*
 * Collects the responses to ids first..first+n-1 (in any order: a backend
 * may answer out of order) into st[] and their operations into op[] (if
 * given); answers to other ids are dropped. 0, or -ETIMEDOUT with the
 * missing ones left at -ETIMEDOUT.
 */
static int wait_many(struct blkfront *bf, uint64_t first, unsigned int n, int *st, uint8_t *op,
		     unsigned int ms)
{
	volatile struct sring_hdr *h = bf->ring;
	uint64_t end = xbf_ms() + ms;
	unsigned int left = n, i;

	for (i = 0; i < n; i++)
		st[i] = -ETIMEDOUT;
	for (;;) {
		while (bf->rsp_cons != __atomic_load_n(&h->rsp_prod, __ATOMIC_ACQUIRE)) {
			struct blkif_response r = slot(bf, bf->rsp_cons)->rsp;

			bf->rsp_cons++;
			if (r.id - first < n && st[r.id - first] == -ETIMEDOUT) {
				st[r.id - first] = r.status;
				if (op)
					op[r.id - first] = r.operation;
				left--;
			}
		}
		if (!left)
			return 0;
		h->rsp_event = bf->rsp_cons + 1;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (bf->rsp_cons != h->rsp_prod)
			continue;
		if (xbf_ms() >= end)
			return -ETIMEDOUT;
		port_test_and_clear(bf->port);
		xbf_nap();
	}
}

static int wait_rsp(struct blkfront *bf, uint64_t id, unsigned int ms, uint8_t *op)
{
	int st;

	wait_many(bf, id, 1, &st, op, ms);
	return st;
}

int blkfront_rw(struct blkfront *bf, int op, uint64_t sector, void *buf, unsigned int nsect)
{
	unsigned int npages = (nsect + 7) / 8, i;
	grant_ref_t refs[BLK_FE_MAX_SEGS];
	struct blkif_request_segment *segs;
	union blkif_slot *s;
	grant_ref_t iref = 0;
	bool indirect = npages > BLKIF_MAX_SEGMENTS_PER_REQUEST;
	uint64_t id = ++bf->next_id;
	uint8_t rop = 0;
	int st, r;

	if (!nsect || npages > BLK_FE_MAX_SEGS || (indirect && npages > bf->max_indirect))
		return -EINVAL;
	s = slot(bf, bf->req_prod_pvt);
	memset(s, 0, sizeof(*s));
	segs = indirect ? bf->indirect_page : s->req.seg;
	for (i = 0; i < npages; i++) {
		r = gntf_grant(bf->be_id, (uint64_t)buf + i * 4096UL, op == BLKIF_OP_WRITE);
		if (r < 0) {
			while (i--)
				gntf_end(refs[i]);
			return r;
		}
		refs[i] = (grant_ref_t)r;
		segs[i] = (struct blkif_request_segment){ .gref = refs[i], .first_sect = 0,
			.last_sect = (uint8_t)(i == npages - 1 ? (nsect - 1) % 8 : 7) };
	}
	if (indirect) {
		r = gntf_grant(bf->be_id, (uint64_t)bf->indirect_page, true);
		if (r < 0)
			return r;
		iref = (grant_ref_t)r;
		s->indirect.operation = BLKIF_OP_INDIRECT;
		s->indirect.indirect_op = (uint8_t)op;
		s->indirect.nr_segments = (uint16_t)npages;
		s->indirect.id = id;
		s->indirect.sector_number = sector;
		s->indirect.handle = (uint16_t)bf->devid;
		s->indirect.indirect_grefs[0] = iref;
	} else {
		s->req.operation = (uint8_t)op;
		s->req.nr_segments = (uint8_t)npages;
		s->req.handle = (uint16_t)bf->devid;
		s->req.id = id;
		s->req.sector_number = sector;
	}
	bf->req_prod_pvt++;
	post(bf);
	st = wait_rsp(bf, id, WAIT_MS, &rop);
	for (i = 0; i < npages; i++)
		gntf_end(refs[i]);
	if (indirect)
		gntf_end(iref);
	if (st >= -2 && rop != op)
		return -EPROTO;		/* the response must carry the (indirect) op */
	return st;
}

static int simple(struct blkfront *bf, uint8_t op, uint64_t sector, uint64_t n)
{
	union blkif_slot *s = slot(bf, bf->req_prod_pvt);
	uint64_t id = ++bf->next_id;

	memset(s, 0, sizeof(*s));
	s->req.operation = op;
	s->req.handle = (uint16_t)bf->devid;
	s->req.id = id;
	s->req.sector_number = sector;
	if (op == BLKIF_OP_DISCARD)
		s->discard.nr_sectors = n;
	bf->req_prod_pvt++;
	post(bf);
	return wait_rsp(bf, id, WAIT_MS, NULL);
}

int blkfront_flush(struct blkfront *bf)
{
	return simple(bf, bf->flush ? BLKIF_OP_FLUSH_DISKCACHE : BLKIF_OP_WRITE_BARRIER, 0, 0);
}

int blkfront_discard(struct blkfront *bf, uint64_t sector, uint64_t nsect)
{
	return simple(bf, BLKIF_OP_DISCARD, sector, nsect);
}

int blkfront_raw_batch(struct blkfront *bf, const union blkif_slot *req, unsigned int n,
		       int *st, unsigned int ms)
{
	uint64_t first = bf->next_id + 1;
	unsigned int i;

	if (n > bf->size)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		union blkif_slot *s = slot(bf, bf->req_prod_pvt++);

		*s = req[i];
		s->req.id = ++bf->next_id;	/* same offset in every layout */
	}
	post(bf);
	return wait_many(bf, first, n, st, NULL, ms);
}

int blkfront_raw(struct blkfront *bf, const union blkif_slot *req, unsigned int ms)
{
	int st;

	blkfront_raw_batch(bf, req, 1, &st, ms);
	return st;
}

void blkfront_poke_req_prod(struct blkfront *bf, uint32_t value)
{
	((volatile struct sring_hdr *)bf->ring)->req_prod = value;
	evtchn_send(bf->port);
}

int blkfront_close(struct blkfront *bf)
{
	int rc = xbf_close(bf->fe, bf->be, WAIT_MS);

	if (bf->ring_ref)
		gntf_end(bf->ring_ref);
	return rc;
}
