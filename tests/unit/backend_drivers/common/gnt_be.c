// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the batched grant copies of backend_drivers/common/gnt_be.c
 * (be_grant_copy, be_grant_xcopy), compiled in here with gntdev's ioctl
 * replaced by a recorder: every IOCTL_GNTDEV_GRANT_COPY call's segments
 * are kept, and each segment's status is set from a table the test fills.
 * Checked: bad arguments refused before any ioctl, at most 64 segments a
 * call and in order, each segment's fields and flags as gntdev takes them,
 * each piece's status written back, -EIO when one failed (the later
 * batches still done), and a failed ioctl ending the copy with its -errno.
 * be_grant_copy_self (both sides by ref, ours in pages granted to
 * ourselves) likewise, with be_selfbuf_alloc/free on a fake gntalloc.
 * With be_copy_hcall_init's privcmd-buf (fake privcmd): batches naming
 * both sides by ref as GNTTABOP_copy hypercalls, the others by gntdev,
 * and the fall back to gntdev when the hypercall gives -EFAULT.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include "../../unit.h"

static int unit_ioctl(int fd, unsigned long req, ...);
#define ioctl unit_ioctl
#define COPY_BATCH 64	/* gnt_be.c's is 512: the batching checked with fewer segments */
#include "../../../../backend_drivers/common/gnt_be.c"
#undef ioctl

#define MAX_SEGS	256

/* gntalloc (dom0_tools/lib/xendev.c): pages of plain memory, refs 500 + i. */
static unsigned int granted_to, granted_n, ungrants;
static bool grant_fails;

void *xendev_grant(struct xendev *x, unsigned int domid, unsigned int n, uint32_t *refs,
		   uint64_t *handle)
{
	unsigned int i;
	void *p;

	(void)x;
	if (grant_fails) {
		errno = ENOSPC;
		return NULL;
	}
	p = aligned_alloc(4096, (size_t)n * 4096);
	for (i = 0; p && i < n; i++)
		refs[i] = 500 + i;
	granted_to = domid;
	granted_n = n;
	*handle = 0x1234;
	return p;
}

int xendev_ungrant(struct xendev *x, void *addr, unsigned int n, uint64_t handle)
{
	(void)x;
	if (n == granted_n && handle == 0x1234)
		ungrants++;
	free(addr);
	return 0;
}

static struct gntdev_grant_copy_segment segs[MAX_SEGS];	/* every call's, in order */
static unsigned int calls, call_len[16];
static int16_t status_of[MAX_SEGS];	/* what the hypervisor answers each piece, in order */
static unsigned int fail_call = ~0U;	/* this call fails with EFAULT */

/*
 * privcmd and privcmd-buf (dom0_tools/lib/xendev.c): privcmd opens as fd 9
 * unless privcmd_fails; the buffer is plain memory unless hbuf_fails.
 * The hypercall (GNTTABOP_copy only) keeps its ops in hops, sets each
 * status from status_of as the ioctl does, and fails with hcall_err on
 * call hcall_fail (nothing recorded then).
 */
static int privcmd_fails, hbuf_fails;
static struct gnttab_copy hops[MAX_SEGS];
static unsigned int nhops, hcalls, hcall_len[16], hcall_fail = ~0U, hbufs_live;
static long hcall_err;
static unsigned int nsegs;

int xendev_open(struct xendev *x, unsigned int want)
{
	if (want != XENDEV_PRIVCMD)
		return -EINVAL;
	if (privcmd_fails)
		return privcmd_fails;
	x->privcmd_fd = 9;
	return 0;
}

void *xendev_hcall_alloc(struct xendev *x, unsigned int pages)
{
	if (hbuf_fails) {
		errno = hbuf_fails;
		return NULL;
	}
	x->hcall_buf = aligned_alloc(4096, (size_t)pages * 4096);
	x->hcall_pages = pages;
	hbufs_live++;
	return x->hcall_buf;
}

void xendev_hcall_free(struct xendev *x)
{
	if (x->hcall_buf)
		hbufs_live--;
	free(x->hcall_buf);
	x->hcall_buf = NULL;
	x->hcall_pages = 0;
}

long xendev_hypercall(struct xendev *x, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct gnttab_copy *ops = (struct gnttab_copy *)(uintptr_t)a1;
	unsigned int i;

	if (x->privcmd_fd != 9 || op != __HYPERVISOR_grant_table_op || a0 != GNTTABOP_copy ||
	    ops != x->hcall_buf || !a2 || a2 * sizeof(*ops) > x->hcall_pages * 4096UL)
		return -ENOSYS;		/* the ops in the buffer, no more than it holds */
	if (hcalls == hcall_fail) {
		hcalls++;
		return hcall_err;
	}
	if (hcalls < 16)
		hcall_len[hcalls] = (unsigned int)a2;
	hcalls++;
	for (i = 0; i < a2 && nsegs + nhops < MAX_SEGS; i++, nhops++) {
		hops[nhops] = ops[i];
		ops[i].status = status_of[nsegs + nhops];
	}
	return 0;
}

static int unit_ioctl(int fd, unsigned long req, ...)
{
	struct ioctl_gntdev_grant_copy *gc;
	unsigned int i;
	va_list ap;

	va_start(ap, req);
	gc = va_arg(ap, struct ioctl_gntdev_grant_copy *);
	va_end(ap);
	if (fd != 7 || req != IOCTL_GNTDEV_GRANT_COPY) {
		errno = ENOTTY;
		return -1;
	}
	if (calls == fail_call) {
		calls++;
		errno = EFAULT;
		return -1;
	}
	if (calls < 16)
		call_len[calls] = gc->count;
	calls++;
	for (i = 0; i < gc->count && nsegs + nhops < MAX_SEGS; i++, nsegs++) {
		segs[nsegs] = gc->segments[i];
		gc->segments[i].status = status_of[nsegs + nhops];
	}
	return 0;
}

static struct xendev dev = { -1, 7, -1, -1, NULL, 0 };
static char buf[MAX_SEGS][64];

static void reset(void)
{
	memset(segs, 0, sizeof(segs));
	memset(status_of, 0, sizeof(status_of));
	memset(call_len, 0, sizeof(call_len));
	memset(hops, 0, sizeof(hops));
	memset(hcall_len, 0, sizeof(hcall_len));
	nsegs = calls = nhops = hcalls = 0;
	fail_call = hcall_fail = ~0U;
}

static void make_copies(struct be_copy *c, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		c[i] = (struct be_copy){ .local = buf[i], .gref = 100 + i, .offset = i % 4000,
					 .len = 1 + i % 64, .status = 99 };
}

/* Refused before any ioctl: a zero or page-crossing piece, a bad domain, no fd. */
static void copy_refuses(void)
{
	struct be_copy c[2];
	struct xendev none = XENDEV_INIT;

	reset();
	make_copies(c, 2);
	c[1].len = 0;
	EXPECT_EQ(be_grant_copy(&dev, 3, c, 2, 1), -EINVAL);
	make_copies(c, 2);
	c[1].offset = 4000;
	c[1].len = 97;
	EXPECT_EQ(be_grant_copy(&dev, 3, c, 2, 0), -EINVAL);
	make_copies(c, 2);
	EXPECT_EQ(be_grant_copy(&dev, DOMID_FIRST_RESERVED, c, 2, 0), -EINVAL);
	EXPECT_EQ(be_grant_copy(&dev, 3, NULL, 2, 0), -EINVAL);
	EXPECT_EQ(be_grant_copy(&none, 3, c, 2, 0), -EBADF);
	EXPECT_EQ(be_grant_copy(&dev, 3, NULL, 0, 0), 0);
	EXPECT_EQ(calls, 0);
	EXPECT_EQ(c[0].status, 99);
}

/* 130 pieces: calls of 64, 64, 2; each segment as gntdev takes it, both ways. */
static void copy_in_batches(void)
{
	static struct be_copy c[130];
	unsigned int i, dir;

	for (dir = 0; dir < 2; dir++) {
		reset();
		make_copies(c, 130);
		EXPECT_EQ(be_grant_copy(&dev, 5, c, 130, dir), 0);
		EXPECT_EQ(calls, 3);
		EXPECT_EQ(call_len[0], 64);
		EXPECT_EQ(call_len[1], 64);
		EXPECT_EQ(call_len[2], 2);
		EXPECT_EQ(nsegs, 130);
		for (i = 0; i < 130; i++) {
			const struct gntdev_grant_copy_segment *s = &segs[i];

			EXPECT_EQ(s->len, c[i].len);
			EXPECT_EQ(c[i].status, GNTST_okay);
			if (dir) {
				EXPECT_EQ(s->flags, GNTCOPY_dest_gref);
				EXPECT(s->source.virt == buf[i]);
				EXPECT_EQ(s->dest.foreign.ref, 100 + i);
				EXPECT_EQ(s->dest.foreign.offset, c[i].offset);
				EXPECT_EQ(s->dest.foreign.domid, 5);
			} else {
				EXPECT_EQ(s->flags, GNTCOPY_source_gref);
				EXPECT(s->dest.virt == buf[i]);
				EXPECT_EQ(s->source.foreign.ref, 100 + i);
				EXPECT_EQ(s->source.foreign.offset, c[i].offset);
				EXPECT_EQ(s->source.foreign.domid, 5);
			}
		}
	}
}

/* A bad status in the first batch: -EIO, the second batch done, statuses back. */
static void copy_status(void)
{
	static struct be_copy c[70];
	unsigned int i;

	reset();
	make_copies(c, 70);
	status_of[3] = GNTST_bad_gntref;
	status_of[66] = GNTST_permission_denied;
	EXPECT_EQ(be_grant_copy(&dev, 5, c, 70, 1), -EIO);
	EXPECT_EQ(calls, 2);
	for (i = 0; i < 70; i++)
		EXPECT_EQ(c[i].status, status_of[i]);
	/*
	 * The ioctl itself failing on the second call: its -errno, no more
	 * calls, its pieces an error (not left as the caller set them).
	 */
	reset();
	make_copies(c, 70);
	fail_call = 1;
	EXPECT_EQ(be_grant_copy(&dev, 5, c, 70, 0), -EFAULT);
	EXPECT_EQ(calls, 2);
	EXPECT_EQ(c[0].status, GNTST_okay);
	EXPECT_EQ(c[64].status, GNTST_general_error);
}

static void make_xcopies(struct be_xcopy *c, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		c[i] = (struct be_xcopy){ .local = i % 3 ? NULL : buf[i], .sdom = 1 + i % 4,
					  .ddom = 2 + i % 5, .sref = 200 + i, .dref = 300 + i,
					  .soff = i, .doff = 2 * i, .len = 10 + i % 7, .status = 99 };
}

static void xcopy_refuses(void)
{
	struct be_xcopy c[2];
	struct xendev none = XENDEV_INIT;

	reset();
	make_xcopies(c, 2);
	c[1].len = 0;
	EXPECT_EQ(be_grant_xcopy(&dev, c, 2), -EINVAL);
	make_xcopies(c, 2);
	c[1].soff = 4090;
	EXPECT_EQ(be_grant_xcopy(&dev, c, 2), -EINVAL);
	make_xcopies(c, 2);
	c[1].doff = 4090;
	EXPECT_EQ(be_grant_xcopy(&dev, c, 2), -EINVAL);
	make_xcopies(c, 2);
	c[1].sdom = DOMID_FIRST_RESERVED;	/* a grant source from no domain */
	EXPECT_EQ(be_grant_xcopy(&dev, c, 2), -EINVAL);
	make_xcopies(c, 2);
	c[0].sdom = DOMID_FIRST_RESERVED;	/* unused: c[0] is local */
	c[1].ddom = DOMID_FIRST_RESERVED;
	EXPECT_EQ(be_grant_xcopy(&dev, c, 2), -EINVAL);
	EXPECT_EQ(be_grant_xcopy(&dev, NULL, 2), -EINVAL);
	EXPECT_EQ(be_grant_xcopy(&none, c, 2), -EBADF);
	EXPECT_EQ(calls, 0);
	make_xcopies(c, 2);
	c[0].sdom = DOMID_FIRST_RESERVED;
	EXPECT_EQ(be_grant_xcopy(&dev, c, 1), 0);
	EXPECT_EQ(calls, 1);
}

static void xcopy_batches(void)
{
	static struct be_xcopy c[129];
	unsigned int i;

	reset();
	make_xcopies(c, 129);
	status_of[128] = GNTST_general_error;
	EXPECT_EQ(be_grant_xcopy(&dev, c, 129), -EIO);
	EXPECT_EQ(calls, 3);
	EXPECT_EQ(call_len[0], 64);
	EXPECT_EQ(call_len[1], 64);
	EXPECT_EQ(call_len[2], 1);
	for (i = 0; i < 129; i++) {
		const struct gntdev_grant_copy_segment *s = &segs[i];

		EXPECT_EQ(s->len, c[i].len);
		EXPECT_EQ(s->dest.foreign.ref, 300 + i);
		EXPECT_EQ(s->dest.foreign.offset, 2 * i);
		EXPECT_EQ(s->dest.foreign.domid, 2 + i % 5);
		EXPECT_EQ(c[i].status, status_of[i]);
		if (c[i].local) {
			EXPECT_EQ(s->flags, GNTCOPY_dest_gref);
			EXPECT(s->source.virt == buf[i]);
		} else {
			EXPECT_EQ(s->flags, GNTCOPY_dest_gref | GNTCOPY_source_gref);
			EXPECT_EQ(s->source.foreign.ref, 200 + i);
			EXPECT_EQ(s->source.foreign.offset, i);
			EXPECT_EQ(s->source.foreign.domid, 1 + i % 4);
		}
	}
}

/* Both sides by ref: ours the page's ref at the piece's offset in it, granted by self. */
static void copy_self(void)
{
	struct be_selfbuf b;
	static struct be_copy c[70];
	unsigned int i, dir;

	EXPECT_EQ(be_selfbuf_alloc(&dev, &b, 0, 0), -EINVAL);
	EXPECT_EQ(be_selfbuf_alloc(&dev, &b, 1, DOMID_FIRST_RESERVED), -EINVAL);
	grant_fails = true;
	EXPECT_EQ(be_selfbuf_alloc(&dev, &b, 4, 0), -ENOSPC);
	EXPECT(!b.addr && !b.refs);
	grant_fails = false;
	EXPECT_EQ(be_selfbuf_alloc(&dev, &b, 4, 0), 0);
	EXPECT_EQ(granted_to, 0);
	EXPECT_EQ(b.pages, 4);
	for (dir = 0; dir < 2; dir++) {
		reset();
		for (i = 0; i < 70; i++)
			c[i] = (struct be_copy){ .local = b.addr + (i % 4) * 4096 + i * 7, .gref = 100 + i,
						 .offset = (uint16_t)i, .len = (uint16_t)(1 + i),
						 .status = 99 };
		status_of[69] = GNTST_bad_gntref;
		EXPECT_EQ(be_grant_copy_self(&dev, 3, &b, c, 70, (int)dir), -EIO);
		EXPECT_EQ(calls, 2);
		EXPECT_EQ(call_len[0], 64);
		EXPECT_EQ(call_len[1], 6);
		for (i = 0; i < 70; i++) {
			const struct gntdev_grant_copy_segment *s = &segs[i];
			const typeof(s->source.foreign) *ours = dir ? &s->source.foreign : &s->dest.foreign;
			const typeof(s->source.foreign) *theirs = dir ? &s->dest.foreign : &s->source.foreign;

			EXPECT_EQ(s->flags, GNTCOPY_source_gref | GNTCOPY_dest_gref);
			EXPECT_EQ(s->len, 1 + i);
			EXPECT_EQ(ours->ref, 500 + i % 4);
			EXPECT_EQ(ours->offset, i * 7);
			EXPECT_EQ(ours->domid, 0);
			EXPECT_EQ(theirs->ref, 100 + i);
			EXPECT_EQ(theirs->offset, i);
			EXPECT_EQ(theirs->domid, 3);
			EXPECT_EQ(c[i].status, status_of[i]);
		}
	}
	/* A piece outside the buffer or across two of its pages: nothing copied. */
	reset();
	c[0] = (struct be_copy){ .local = b.addr + 4096 - 8, .gref = 1, .len = 16 };
	EXPECT_EQ(be_grant_copy_self(&dev, 3, &b, c, 1, 0), -EINVAL);
	c[0] = (struct be_copy){ .local = b.addr + 4 * 4096, .gref = 1, .len = 16 };
	EXPECT_EQ(be_grant_copy_self(&dev, 3, &b, c, 1, 1), -EINVAL);
	c[0] = (struct be_copy){ .local = buf[0], .gref = 1, .len = 16 };
	EXPECT_EQ(be_grant_copy_self(&dev, 3, &b, c, 1, 1), -EINVAL);
	c[0] = (struct be_copy){ .local = b.addr, .gref = 1, .offset = 4090, .len = 16 };
	EXPECT_EQ(be_grant_copy_self(&dev, 3, &b, c, 1, 1), -EINVAL);
	c[0] = (struct be_copy){ .local = b.addr, .gref = 1, .len = 16 };
	EXPECT_EQ(be_grant_copy_self(&dev, DOMID_FIRST_RESERVED, &b, c, 1, 1), -EINVAL);
	EXPECT_EQ(calls, 0);
	/* Guest to guest: a local source in the buffer goes by ref, others as they were. */
	reset();
	{
		struct be_xcopy x[3] = {
			{ .local = b.addr + 4096 + 10, .ddom = 2, .dref = 7, .doff = 1, .len = 100 },
			{ .local = buf[1], .ddom = 2, .dref = 8, .len = 20 },
			{ .local = b.addr + 4096 - 10, .ddom = 2, .dref = 9, .len = 20 },
		};

		EXPECT_EQ(be_grant_xcopy_self(&dev, &b, x, 3), 0);
		EXPECT_EQ(calls, 1);
		EXPECT_EQ(segs[0].flags, GNTCOPY_source_gref | GNTCOPY_dest_gref);
		EXPECT_EQ(segs[0].source.foreign.ref, 501);
		EXPECT_EQ(segs[0].source.foreign.offset, 10);
		EXPECT_EQ(segs[0].source.foreign.domid, 0);
		EXPECT_EQ(segs[0].dest.foreign.ref, 7);
		EXPECT_EQ(segs[1].flags, GNTCOPY_dest_gref);	/* not ours: by address */
		EXPECT(segs[1].source.virt == buf[1]);
		EXPECT_EQ(segs[2].flags, GNTCOPY_dest_gref);	/* across two pages: by address */
		EXPECT(segs[2].source.virt == b.addr + 4096 - 10);
	}
	be_selfbuf_free(&dev, &b);
	EXPECT_EQ(ungrants, 1);
	EXPECT(!b.addr && !b.refs);
	EXPECT_EQ(be_grant_copy_self(&dev, 3, &b, c, 1, 1), -EINVAL);	/* freed */
}

/* privcmd or its buffer missing: -errno, copies stay with gntdev; else one page for 64 ops. */
static void hcall_init(void)
{
	struct xendev h = { -1, 7, -1, -1, NULL, 0 };

	privcmd_fails = -ENOENT;
	EXPECT_EQ(be_copy_hcall_init(&h), -ENOENT);
	EXPECT(!be_copy_by_hcall(&h));
	privcmd_fails = 0;
	hbuf_fails = ENOENT;
	EXPECT_EQ(be_copy_hcall_init(&h), -ENOENT);
	EXPECT(!be_copy_by_hcall(&h) && !h.hcall_buf);
	hbuf_fails = 0;
	EXPECT_EQ(be_copy_hcall_init(&h), 0);
	EXPECT(be_copy_by_hcall(&h));
	EXPECT_EQ(h.hcall_pages, 1);		/* 64 ops of 40 bytes */
	EXPECT_EQ(be_copy_hcall_init(&h), 0);	/* again: the same buffer */
	EXPECT_EQ(hbufs_live, 1);
	xendev_hcall_free(&h);
	EXPECT(!be_copy_by_hcall(&h));
	EXPECT_EQ(hbufs_live, 0);
}

/*
 * Both sides by ref with privcmd-buf: one GNTTABOP_copy a batch, no gntdev
 * ioctl, each op as the hypervisor takes it; statuses back as by gntdev.
 * A copy with our side by address (be_grant_copy) still goes by gntdev.
 */
static void hcall_copy_self(void)
{
	struct xendev h = { -1, 7, -1, -1, NULL, 0 };
	struct be_selfbuf b;
	static struct be_copy c[70];
	unsigned int i, dir;

	EXPECT_EQ(be_copy_hcall_init(&h), 0);
	EXPECT_EQ(be_selfbuf_alloc(&h, &b, 4, 0), 0);
	for (dir = 0; dir < 2; dir++) {
		reset();
		for (i = 0; i < 70; i++)
			c[i] = (struct be_copy){ .local = b.addr + (i % 4) * 4096 + i * 7, .gref = 100 + i,
						 .offset = (uint16_t)i, .len = (uint16_t)(1 + i),
						 .status = 99 };
		status_of[2] = GNTST_bad_gntref;
		status_of[68] = GNTST_permission_denied;
		EXPECT_EQ(be_grant_copy_self(&h, 3, &b, c, 70, (int)dir), -EIO);
		EXPECT_EQ(calls, 0);
		EXPECT_EQ(hcalls, 2);
		EXPECT_EQ(hcall_len[0], 64);
		EXPECT_EQ(hcall_len[1], 6);
		EXPECT_EQ(nhops, 70);
		for (i = 0; i < 70; i++) {
			const struct gnttab_copy *o = &hops[i];
			const struct gnttab_copy_ptr *ours = dir ? &o->source : &o->dest;
			const struct gnttab_copy_ptr *theirs = dir ? &o->dest : &o->source;

			EXPECT_EQ(o->flags, GNTCOPY_source_gref | GNTCOPY_dest_gref);
			EXPECT_EQ(o->len, 1 + i);
			EXPECT_EQ(ours->u.ref, 500 + i % 4);
			EXPECT_EQ(ours->offset, i * 7);
			EXPECT_EQ(ours->domid, 0);
			EXPECT_EQ(theirs->u.ref, 100 + i);
			EXPECT_EQ(theirs->offset, i);
			EXPECT_EQ(theirs->domid, 3);
			EXPECT_EQ(c[i].status, status_of[i]);
		}
	}
	/* Refused pieces still refused before any call. */
	reset();
	c[0] = (struct be_copy){ .local = b.addr + 4096 - 8, .gref = 1, .len = 16 };
	EXPECT_EQ(be_grant_copy_self(&h, 3, &b, c, 1, 0), -EINVAL);
	EXPECT_EQ(hcalls + calls, 0);
	/* Our side by address: gntdev. */
	make_copies(c, 3);
	EXPECT_EQ(be_grant_copy(&h, 3, c, 3, 1), 0);
	EXPECT_EQ(calls, 1);
	EXPECT_EQ(hcalls, 0);
	be_selfbuf_free(&h, &b);
	xendev_hcall_free(&h);
}

/* 130 pieces guest 1 to guest 2, both by ref: refs 200 + i to 300 + i, offsets i and 2i. */
static struct be_xcopy *ref_xcopies(void)
{
	static struct be_xcopy c[130];
	unsigned int i;

	for (i = 0; i < 130; i++)
		c[i] = (struct be_xcopy){ .sdom = 1, .ddom = 2, .sref = 200 + i, .dref = 300 + i,
					  .soff = (uint16_t)i, .doff = (uint16_t)(2 * i), .len = 10,
					  .status = 99 };
	return c;
}

/* Guest to guest: a batch with one piece by address goes by gntdev, the others by hypercall. */
static void hcall_xcopy(void)
{
	struct xendev h = { -1, 7, -1, -1, NULL, 0 };
	struct be_xcopy *c;
	unsigned int i;

	EXPECT_EQ(be_copy_hcall_init(&h), 0);
	reset();
	c = ref_xcopies();
	c[70].local = buf[0];
	status_of[100] = GNTST_bad_domain;
	EXPECT_EQ(be_grant_xcopy(&h, c, 130), -EIO);
	EXPECT_EQ(hcalls, 2);
	EXPECT_EQ(hcall_len[0], 64);
	EXPECT_EQ(hcall_len[1], 2);
	EXPECT_EQ(calls, 1);
	EXPECT_EQ(call_len[0], 64);
	EXPECT_EQ(hops[0].source.u.ref, 200);
	EXPECT_EQ(hops[0].source.domid, 1);
	EXPECT_EQ(hops[0].dest.u.ref, 300);
	EXPECT_EQ(hops[0].dest.domid, 2);
	EXPECT_EQ(hops[0].dest.offset, 0);
	EXPECT_EQ(hops[64].source.u.ref, 328);	/* the third batch */
	EXPECT_EQ(hops[65].dest.offset, 2 * 129);
	EXPECT(segs[6].source.virt == buf[0]);	/* the second batch: gntdev */
	for (i = 0; i < 130; i++)
		EXPECT_EQ(c[i].status, status_of[i]);
	xendev_hcall_free(&h);
}

/*
 * The hypercall cannot read its ops (-EFAULT): that batch and every later
 * one by gntdev, the buffer given up. Another error ends the copy.
 */
static void hcall_fallback(void)
{
	struct xendev h = { -1, 7, -1, -1, NULL, 0 };
	struct be_xcopy *c;
	unsigned int i;

	EXPECT_EQ(be_copy_hcall_init(&h), 0);
	reset();
	c = ref_xcopies();
	hcall_fail = 1;
	hcall_err = -EFAULT;
	EXPECT_EQ(be_grant_xcopy(&h, c, 130), 0);
	EXPECT_EQ(hcalls, 2);
	EXPECT_EQ(nhops, 64);
	EXPECT_EQ(calls, 2);
	EXPECT_EQ(call_len[0], 64);
	EXPECT_EQ(call_len[1], 2);
	EXPECT_EQ(segs[0].source.foreign.ref, 264);
	EXPECT(!be_copy_by_hcall(&h));
	EXPECT_EQ(hbufs_live, 0);
	for (i = 0; i < 130; i++)
		EXPECT_EQ(c[i].status, GNTST_okay);
	/* -EINVAL (say): returned, no more batches, no gntdev retry, every piece an error. */
	EXPECT_EQ(be_copy_hcall_init(&h), 0);
	reset();
	for (i = 0; i < 130; i++)
		c[i].status = 99;
	hcall_fail = 0;
	hcall_err = -EINVAL;
	EXPECT_EQ(be_grant_xcopy(&h, c, 130), -EINVAL);
	EXPECT_EQ(hcalls, 1);
	EXPECT_EQ(calls, 0);
	for (i = 0; i < 130; i++)
		EXPECT_EQ(c[i].status, GNTST_general_error);
	EXPECT(be_copy_by_hcall(&h));
	xendev_hcall_free(&h);
}

/*
 * The self copy's own op path: a batch refused with -EFAULT after one went
 * through leaves the rest to gntdev (by ref both sides, from the piece it
 * stopped at); another error ends the copy, every piece not copied an
 * error, none retried by gntdev.
 */
static void hcall_self_fallback(void)
{
	struct xendev h = { -1, 7, -1, -1, NULL, 0 };
	struct be_selfbuf b;
	static struct be_copy c[130];
	unsigned int i;

	EXPECT_EQ(be_copy_hcall_init(&h), 0);
	EXPECT_EQ(be_selfbuf_alloc(&h, &b, 4, 0), 0);
	reset();
	for (i = 0; i < 130; i++)
		c[i] = (struct be_copy){ .local = b.addr + (i % 4) * 4096, .gref = 100 + i,
					 .len = 512, .status = 99 };
	status_of[70] = GNTST_bad_gntref;	/* the gntdev batches' piece 6 */
	hcall_fail = 1;
	hcall_err = -EFAULT;
	EXPECT_EQ(be_grant_copy_self(&h, 3, &b, c, 130, 1), -EIO);
	EXPECT_EQ(hcalls, 2);
	EXPECT_EQ(nhops, 64);
	EXPECT_EQ(calls, 2);
	EXPECT_EQ(call_len[0], 64);
	EXPECT_EQ(call_len[1], 2);
	EXPECT_EQ(segs[0].dest.foreign.ref, 164);
	EXPECT_EQ(segs[0].source.foreign.ref, 500);
	EXPECT_EQ(segs[0].flags, GNTCOPY_source_gref | GNTCOPY_dest_gref);
	EXPECT(!be_copy_by_hcall(&h));
	EXPECT_EQ(hbufs_live, 0);
	for (i = 0; i < 130; i++)
		EXPECT_EQ(c[i].status, i == 70 ? GNTST_bad_gntref : GNTST_okay);
	/* -EINVAL on the second batch: returned, the rest failed, no gntdev. */
	EXPECT_EQ(be_copy_hcall_init(&h), 0);
	reset();
	for (i = 0; i < 130; i++)
		c[i].status = 99;
	hcall_fail = 1;
	hcall_err = -EINVAL;
	EXPECT_EQ(be_grant_copy_self(&h, 3, &b, c, 130, 0), -EINVAL);
	EXPECT_EQ(hcalls, 2);
	EXPECT_EQ(calls, 0);
	for (i = 0; i < 130; i++)
		EXPECT_EQ(c[i].status, i < 64 ? GNTST_okay : GNTST_general_error);
	/* A positive answer is no success either. */
	reset();
	hcall_fail = 0;
	hcall_err = 1;
	EXPECT_EQ(be_grant_copy_self(&h, 3, &b, c, 130, 0), -EPROTO);
	EXPECT_EQ(calls, 0);
	for (i = 0; i < 130; i++)
		EXPECT_EQ(c[i].status, GNTST_general_error);
	EXPECT(be_copy_by_hcall(&h));
	xendev_hcall_free(&h);
	be_selfbuf_free(&h, &b);
}

/*
 * A failed copy call leaves no piece looking copied: a hypercall's
 * positive answer (no hypervisor should give one) is no -EIO, which
 * callers (netback's tx_xcopy) read as "look at each status", and every
 * piece the failed call or a later one held carries an error, whatever
 * its caller put there (a calloc'd array: GNTST_okay). So too when
 * gntdev's ioctl fails.
 */
static void failed_call_statuses(void)
{
	struct xendev h = { -1, 7, -1, -1, NULL, 0 };
	static struct be_copy cc[130];
	struct be_xcopy *c;
	unsigned int i;

	EXPECT_EQ(be_copy_hcall_init(&h), 0);
	reset();
	c = ref_xcopies();
	for (i = 0; i < 130; i++)
		c[i].status = GNTST_okay;
	hcall_fail = 1;
	hcall_err = 1;
	EXPECT_EQ(be_grant_xcopy(&h, c, 130), -EPROTO);
	EXPECT_EQ(hcalls, 2);
	EXPECT_EQ(calls, 0);
	for (i = 0; i < 130; i++)
		EXPECT_EQ(c[i].status, i < 64 ? GNTST_okay : GNTST_general_error);
	xendev_hcall_free(&h);
	/* gntdev's ioctl fails on the second call: its pieces and the third's. */
	reset();
	make_copies(cc, 130);
	for (i = 0; i < 130; i++)
		cc[i].status = GNTST_okay;
	fail_call = 1;
	EXPECT_EQ(be_grant_copy(&dev, 5, cc, 130, 1), -EFAULT);
	EXPECT_EQ(calls, 2);
	for (i = 0; i < 130; i++)
		EXPECT_EQ(cc[i].status, i < 64 ? GNTST_okay : GNTST_general_error);
}

int main(void)
{
	unit_suite = "backend_drivers/common/gnt_be";
	RUN(copy_refuses);
	RUN(copy_in_batches);
	RUN(copy_status);
	RUN(xcopy_refuses);
	RUN(xcopy_batches);
	RUN(copy_self);
	RUN(hcall_init);
	RUN(hcall_copy_self);
	RUN(hcall_xcopy);
	RUN(hcall_fallback);
	RUN(hcall_self_fallback);
	RUN(failed_call_statuses);
	return 0;
}
