// SPDX-License-Identifier: GPL-2.0-only
/* Grant helpers for dom0 backends: see gnt_be.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <lamina/grant_table.h>	/* grant_ref_t and domid_t for <xen/gntdev.h> */
#include <lamina/hypercall.h>
#include <xen/gntdev.h>
#include "gnt_be.h"

#define PAGE_BYTES	4096UL
/* gnt_be.h's GNT_BE_COPY_BATCH (the unit test sets a smaller one to check the batching). */
#ifndef COPY_BATCH
#define COPY_BATCH	GNT_BE_COPY_BATCH
#endif

void *be_map_refs(struct xendev *x, unsigned int domid, const uint32_t *refs, unsigned int n,
		  uint64_t *handle)
{
	struct ioctl_gntdev_map_grant_ref *m;
	struct ioctl_gntdev_unmap_grant_ref u = { .count = n };
	unsigned int i;
	void *p = NULL;
	int err;

	if (!refs || !handle || !n || n > GNT_BE_MAX_MAP || domid >= DOMID_FIRST_RESERVED) {
		errno = EINVAL;
		return NULL;
	}
	if (x->gntdev_fd < 0) {
		errno = EBADF;
		return NULL;
	}
	/* The ioctl's argument ends in a flexible array of n refs. */
	m = calloc(1, sizeof(*m) + (n - 1) * sizeof(m->refs[0]));
	if (!m)
		return NULL;
	m->count = n;
	for (i = 0; i < n; i++) {
		m->refs[i].domid = domid;
		m->refs[i].ref = refs[i];
	}
	if (ioctl(x->gntdev_fd, IOCTL_GNTDEV_MAP_GRANT_REF, m))
		goto out;
	p = mmap(NULL, n * PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, x->gntdev_fd,
		 (off_t)m->index);
	if (p == MAP_FAILED) {
		err = errno;
		u.index = m->index;
		ioctl(x->gntdev_fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
		errno = err;
		p = NULL;
		goto out;
	}
	*handle = m->index;
out:
	err = errno;
	free(m);
	errno = err;
	return p;
}

int be_unmap_refs(struct xendev *x, void *addr, unsigned int n, uint64_t handle)
{
	struct ioctl_gntdev_unmap_grant_ref u = { .index = handle, .count = n };

	if (!addr || !n || n > GNT_BE_MAX_MAP || ((uintptr_t)addr & (PAGE_BYTES - 1)))
		return -EINVAL;
	if (x->gntdev_fd < 0)
		return -EBADF;
	if (munmap(addr, n * PAGE_BYTES))
		return -errno;
	return ioctl(x->gntdev_fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u) ? -errno : 0;
}

/*
 * A copy's pieces as gntdev segments: fill sets seg[0..k) (zeroed) from
 * pieces first..first+k of the caller's array, arg its other arguments.
 */
typedef void seg_fill(struct gntdev_grant_copy_segment *seg, unsigned int first,
		      unsigned int k, const void *arg);

#define BOTH_REFS	(GNTCOPY_source_gref | GNTCOPY_dest_gref)
/* The op array of a batch, in whole pages of privcmd-buf. */
#define HCALL_PAGES	((COPY_BATCH * sizeof(struct gnttab_copy) + PAGE_BYTES - 1) / PAGE_BYTES)

int be_copy_hcall_init(struct xendev *x)
{
	int rc;

	if (x->hcall_buf)
		return x->privcmd_fd >= 0 && x->hcall_pages >= HCALL_PAGES ? 0 : -EINVAL;
	rc = xendev_open(x, XENDEV_PRIVCMD);
	if (rc)
		return rc;
	return xendev_hcall_alloc(x, HCALL_PAGES) ? 0 : -errno;
}

bool be_copy_by_hcall(const struct xendev *x)
{
	return x->hcall_buf && x->privcmd_fd >= 0 && x->hcall_pages >= HCALL_PAGES;
}

/*
 * The first @k ops in x's privcmd-buf as one GNTTABOP_copy: 1 when done
 * (each op's status set), 0 when the hypercall could not read them
 * (-EFAULT: privcmd-buf given up, gntdev to do the batch), else the
 * hypercall's -errno, -EPROTO for a positive answer (never -EIO: no
 * status was set).
 */
static int copy_ops(struct xendev *x, unsigned int k)
{
	long rc = xendev_hypercall(x, __HYPERVISOR_grant_table_op, GNTTABOP_copy,
				   (uintptr_t)x->hcall_buf, k);

	if (rc == -EFAULT) {
		xendev_hcall_free(x);
		return 0;
	}
	if (rc)
		return rc < 0 ? (int)rc : -EPROTO;
	return 1;
}

/*
 * A batch whose every segment names both sides by ref as one
 * GNTTABOP_copy through privcmd, its ops in x's privcmd-buf pages: the
 * hypervisor checks every grant itself, gntdev would add nothing but its
 * per-segment work. 1 when done (each segment's status set), 0 when
 * gntdev is to do it (a segment by address, no privcmd-buf, or the
 * hypercall could not read the ops: -EFAULT, the batch left to gntdev and
 * privcmd-buf given up), else the hypercall's -errno.
 */
static int copy_by_hcall(struct xendev *x, struct gntdev_grant_copy_segment *seg, unsigned int k)
{
	struct gnttab_copy *op = x->hcall_buf;
	unsigned int i;
	int rc;

	if (!be_copy_by_hcall(x))
		return 0;
	for (i = 0; i < k; i++)
		if ((seg[i].flags & BOTH_REFS) != BOTH_REFS)
			return 0;
	for (i = 0; i < k; i++) {
		const struct gntdev_grant_copy_segment *s = &seg[i];

		op[i] = (struct gnttab_copy){
			.source = { .u.ref = s->source.foreign.ref, .domid = s->source.foreign.domid,
				    .offset = s->source.foreign.offset },
			.dest = { .u.ref = s->dest.foreign.ref, .domid = s->dest.foreign.domid,
				  .offset = s->dest.foreign.offset },
			.len = s->len, .flags = s->flags, .status = GNTST_general_error };
	}
	rc = copy_ops(x, k);
	if (rc != 1)
		return rc;
	for (i = 0; i < k; i++)
		seg[i].status = op[i].status;
	return 1;
}

/*
 * The batching both copies share: n pieces, COPY_BATCH a gntdev copy
 * ioctl or a GNTTABOP_copy (copy_by_hcall), each piece's status to @st
 * (@st_stride bytes apart, the pieces' own field). 0, -EIO when a piece
 * failed (later batches still done), or the -errno of a failed ioctl or
 * hypercall (ending the copy; every piece of that batch and the later
 * ones GNTST_general_error then, so that none passes for copied whatever
 * the caller made of the answer).
 */
static int copy_batches(struct xendev *x, unsigned int n, seg_fill *fill, const void *arg,
			int16_t *st, size_t st_stride)
{
	struct gntdev_grant_copy_segment seg[COPY_BATCH];
	struct ioctl_gntdev_grant_copy gc = { .segments = seg };
	unsigned int done, i, k;
	int bad = 0, rc;

	for (done = 0; done < n; done += k) {
		k = n - done < COPY_BATCH ? n - done : COPY_BATCH;
		memset(seg, 0, sizeof(seg[0]) * k);
		fill(seg, done, k, arg);
		rc = copy_by_hcall(x, seg, k);
		gc.count = k;
		if (!rc && ioctl(x->gntdev_fd, IOCTL_GNTDEV_GRANT_COPY, &gc))
			rc = -errno;
		if (rc < 0) {
			for (i = done; i < n; i++)
				*(int16_t *)((char *)st + i * st_stride) = GNTST_general_error;
			return rc;
		}
		for (i = 0; i < k; i++) {
			*(int16_t *)((char *)st + (done + i) * st_stride) = seg[i].status;
			bad |= seg[i].status != GNTST_okay;
		}
	}
	return bad ? -EIO : 0;
}

struct copy_arg {
	const struct be_copy *c;
	uint16_t domid;
	int to_guest;
};

static void fill_copy(struct gntdev_grant_copy_segment *seg, unsigned int first,
		      unsigned int k, const void *arg)
{
	const struct copy_arg *a = arg;
	unsigned int i;

	for (i = 0; i < k; i++) {
		const struct be_copy *p = &a->c[first + i];

		seg[i].len = p->len;
		if (a->to_guest) {
			seg[i].source.virt = p->local;
			seg[i].dest.foreign.ref = p->gref;
			seg[i].dest.foreign.offset = p->offset;
			seg[i].dest.foreign.domid = a->domid;
			seg[i].flags = GNTCOPY_dest_gref;
		} else {
			seg[i].source.foreign.ref = p->gref;
			seg[i].source.foreign.offset = p->offset;
			seg[i].source.foreign.domid = a->domid;
			seg[i].dest.virt = p->local;
			seg[i].flags = GNTCOPY_source_gref;
		}
	}
}

int be_grant_copy(struct xendev *x, unsigned int domid, struct be_copy *c, unsigned int n,
		  int to_guest)
{
	struct copy_arg a = { c, (uint16_t)domid, to_guest };
	unsigned int i;

	if (domid >= DOMID_FIRST_RESERVED || (n && !c))
		return -EINVAL;
	if (x->gntdev_fd < 0)
		return -EBADF;
	for (i = 0; i < n; i++)
		if (!c[i].len || (unsigned int)c[i].offset + c[i].len > PAGE_BYTES)
			return -EINVAL;
	return n ? copy_batches(x, n, fill_copy, &a, &c[0].status, sizeof(c[0])) : 0;
}

struct xcopy_arg {
	const struct be_xcopy *c;
	const struct be_selfbuf *b;	/* local sources in it go by ref; may be NULL */
};

/* Does [p, p + len) lie in one page of @b? Its ref and offset then. */
static bool in_selfbuf(const struct be_selfbuf *b, const void *p, size_t len, uint32_t *ref,
		       uint16_t *off)
{
	const uint8_t *l = p;
	size_t at = (size_t)(l - (b ? b->addr : l));

	if (!b || !b->addr || l < b->addr || at >= (size_t)b->pages * PAGE_BYTES ||
	    at % PAGE_BYTES + len > PAGE_BYTES)
		return false;
	*ref = b->refs[at / PAGE_BYTES];
	*off = (uint16_t)(at % PAGE_BYTES);
	return true;
}

static void fill_xcopy(struct gntdev_grant_copy_segment *seg, unsigned int first,
		       unsigned int k, const void *arg)
{
	const struct xcopy_arg *a = arg;
	unsigned int i;

	for (i = 0; i < k; i++) {
		const struct be_xcopy *p = &a->c[first + i];
		uint32_t ref;
		uint16_t off;

		seg[i].len = p->len;
		seg[i].dest.foreign.ref = p->dref;
		seg[i].dest.foreign.offset = p->doff;
		seg[i].dest.foreign.domid = p->ddom;
		seg[i].flags = GNTCOPY_dest_gref;
		if (p->local && in_selfbuf(a->b, p->local, p->len, &ref, &off)) {
			seg[i].source.foreign.ref = ref;
			seg[i].source.foreign.offset = off;
			seg[i].source.foreign.domid = a->b->self;
			seg[i].flags |= GNTCOPY_source_gref;
			continue;
		}
		if (p->local) {
			seg[i].source.virt = (void *)(uintptr_t)p->local;
			continue;
		}
		seg[i].source.foreign.ref = p->sref;
		seg[i].source.foreign.offset = p->soff;
		seg[i].source.foreign.domid = p->sdom;
		seg[i].flags |= GNTCOPY_source_gref;
	}
}

int be_grant_xcopy(struct xendev *x, struct be_xcopy *c, unsigned int n)
{
	return be_grant_xcopy_self(x, NULL, c, n);
}

int be_grant_xcopy_self(struct xendev *x, const struct be_selfbuf *b, struct be_xcopy *c,
			unsigned int n)
{
	struct xcopy_arg a = { c, b };
	unsigned int i;

	if (n && !c)
		return -EINVAL;
	if (x->gntdev_fd < 0)
		return -EBADF;
	for (i = 0; i < n; i++)
		if (!c[i].len || (unsigned int)c[i].soff + c[i].len > PAGE_BYTES ||
		    (unsigned int)c[i].doff + c[i].len > PAGE_BYTES ||
		    (!c[i].local && c[i].sdom >= DOMID_FIRST_RESERVED) ||
		    c[i].ddom >= DOMID_FIRST_RESERVED)
			return -EINVAL;
	return n ? copy_batches(x, n, fill_xcopy, &a, &c[0].status, sizeof(c[0])) : 0;
}

int be_selfbuf_alloc(struct xendev *x, struct be_selfbuf *b, unsigned int pages, unsigned int self)
{
	memset(b, 0, sizeof(*b));
	if (!pages || pages > XENDEV_GRANT_MAX || self >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	b->refs = calloc(pages, sizeof(b->refs[0]));
	if (!b->refs)
		return -ENOMEM;
	b->addr = xendev_grant(x, self, pages, b->refs, &b->handle);
	if (!b->addr) {
		int rc = -errno;

		free(b->refs);
		b->refs = NULL;
		return rc;
	}
	b->pages = pages;
	b->self = (uint16_t)self;
	return 0;
}

void be_selfbuf_free(struct xendev *x, struct be_selfbuf *b)
{
	if (b->addr)
		xendev_ungrant(x, b->addr, b->pages, b->handle);
	free(b->refs);
	memset(b, 0, sizeof(*b));
}

struct self_arg {
	const struct be_copy *c;
	const struct be_selfbuf *b;
	uint16_t domid;
	int to_guest;
};

/* Our side of a piece in the self buffer: its page's ref and the offset in it. */
static void self_ref(const struct self_arg *a, const struct be_copy *p, uint32_t *ref,
		     uint16_t *off)
{
	size_t at = (size_t)((const uint8_t *)p->local - a->b->addr);

	*ref = a->b->refs[at / PAGE_BYTES];
	*off = (uint16_t)(at % PAGE_BYTES);
}

static void fill_self(struct gntdev_grant_copy_segment *seg, unsigned int first, unsigned int k,
		      const void *arg)
{
	const struct self_arg *a = arg;
	unsigned int i;

	for (i = 0; i < k; i++) {
		const struct be_copy *p = &a->c[first + i];
		struct gntdev_grant_copy_segment *s = &seg[i];
		uint32_t ref;
		uint16_t off;

		self_ref(a, p, &ref, &off);

		s->len = p->len;
		s->flags = GNTCOPY_source_gref | GNTCOPY_dest_gref;
		if (a->to_guest) {
			s->source.foreign.ref = ref;
			s->source.foreign.offset = off;
			s->source.foreign.domid = a->b->self;
			s->dest.foreign.ref = p->gref;
			s->dest.foreign.offset = p->offset;
			s->dest.foreign.domid = a->domid;
		} else {
			s->source.foreign.ref = p->gref;
			s->source.foreign.offset = p->offset;
			s->source.foreign.domid = a->domid;
			s->dest.foreign.ref = ref;
			s->dest.foreign.offset = off;
			s->dest.foreign.domid = a->b->self;
		}
	}
}

/*
 * be_grant_copy_self's batches written straight into privcmd-buf's op
 * array, with no gntdev segments in between: zeroing those (`rep stosb`,
 * one instruction a byte under TCG), filling them, turning them into ops
 * and copying each status back twice was about 120 instructions a piece
 * under -icount, the op written here about 25. *done: the pieces copied
 * (or failed); the rest are gntdev's, because the path is off or a
 * hypercall answered -EFAULT (given up then, as copy_by_hcall). 0, -EIO
 * when a piece failed, else the hypercall's -errno (-EPROTO for a
 * positive answer), with every piece not copied GNTST_general_error.
 */
static int self_by_hcall(struct xendev *x, const struct self_arg *a, struct be_copy *c,
			 unsigned int n, unsigned int *done)
{
	unsigned int i, k;
	int bad = 0;
	int rc;

	for (*done = 0; *done < n && be_copy_by_hcall(x); *done += k) {
		struct gnttab_copy *op = x->hcall_buf;
		struct be_copy *p = c + *done;

		k = n - *done < COPY_BATCH ? n - *done : COPY_BATCH;
		for (i = 0; i < k; i++) {
			struct gnttab_copy_ptr mine = { .domid = a->b->self };
			struct gnttab_copy_ptr theirs = { .u.ref = p[i].gref, .domid = a->domid,
							  .offset = p[i].offset };

			self_ref(a, &p[i], &mine.u.ref, &mine.offset);
			op[i].source = a->to_guest ? mine : theirs;
			op[i].dest = a->to_guest ? theirs : mine;
			op[i].len = p[i].len;
			op[i].flags = BOTH_REFS;
			op[i].status = GNTST_general_error;
			op[i].pad = 0;
		}
		rc = copy_ops(x, k);
		if (!rc)
			break;		/* -EFAULT: the rest is gntdev's */
		if (rc < 0) {
			/* Nothing is known copied: no piece of the rest may pass for done. */
			for (i = *done; i < n; i++)
				c[i].status = GNTST_general_error;
			*done = n;
			return rc;
		}
		for (i = 0; i < k; i++) {
			p[i].status = op[i].status;
			bad |= op[i].status != GNTST_okay;
		}
	}
	return bad ? -EIO : 0;
}

int be_grant_copy_self(struct xendev *x, unsigned int domid, const struct be_selfbuf *b,
		       struct be_copy *c, unsigned int n, int to_guest)
{
	struct self_arg a = { c, b, (uint16_t)domid, to_guest };
	unsigned int i, done;
	int rc, rest;

	if (domid >= DOMID_FIRST_RESERVED || (n && !c) || !b->addr)
		return -EINVAL;
	if (x->gntdev_fd < 0)
		return -EBADF;
	for (i = 0; i < n; i++) {
		const uint8_t *l = c[i].local;
		size_t at = (size_t)(l - b->addr);

		if (!c[i].len || (unsigned int)c[i].offset + c[i].len > PAGE_BYTES ||
		    l < b->addr || at >= (size_t)b->pages * PAGE_BYTES ||
		    at % PAGE_BYTES + c[i].len > PAGE_BYTES)
			return -EINVAL;
	}
	if (!n)
		return 0;
	rc = self_by_hcall(x, &a, c, n, &done);
	if (done == n || (rc && rc != -EIO))
		return rc;
	a.c = c + done;
	rest = copy_batches(x, n - done, fill_self, &a, &c[done].status, sizeof(c[0]));
	return rest ? rest : rc;
}
