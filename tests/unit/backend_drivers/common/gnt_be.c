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
static unsigned int nsegs, calls, call_len[16];
static int16_t status_of[MAX_SEGS];	/* what the hypervisor answers each segment */
static unsigned int fail_call = ~0U;	/* this call fails with EFAULT */

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
	for (i = 0; i < gc->count && nsegs < MAX_SEGS; i++, nsegs++) {
		segs[nsegs] = gc->segments[i];
		gc->segments[i].status = status_of[nsegs];
	}
	return 0;
}

static struct xendev dev = { -1, 7, -1, -1 };
static char buf[MAX_SEGS][64];

static void reset(void)
{
	memset(segs, 0, sizeof(segs));
	memset(status_of, 0, sizeof(status_of));
	memset(call_len, 0, sizeof(call_len));
	nsegs = calls = 0;
	fail_call = ~0U;
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
	/* The ioctl itself failing on the second call: its -errno, no more calls. */
	reset();
	make_copies(c, 70);
	fail_call = 1;
	EXPECT_EQ(be_grant_copy(&dev, 5, c, 70, 0), -EFAULT);
	EXPECT_EQ(calls, 2);
	EXPECT_EQ(c[0].status, GNTST_okay);
	EXPECT_EQ(c[64].status, 99);
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

int main(void)
{
	unit_suite = "backend_drivers/common/gnt_be";
	RUN(copy_refuses);
	RUN(copy_in_batches);
	RUN(copy_status);
	RUN(xcopy_refuses);
	RUN(xcopy_batches);
	RUN(copy_self);
	return 0;
}
