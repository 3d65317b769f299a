// SPDX-License-Identifier: GPL-2.0-only
/* Grant helpers for dom0 backends: see gnt_be.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <lamina/grant_table.h>	/* grant_ref_t and domid_t for <xen/gntdev.h> */
#include <xen/gntdev.h>
#include "gnt_be.h"

#define PAGE_BYTES	4096UL
#define COPY_BATCH	64

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
 * One gntdev copy ioctl of @k segments, each one's status to @st[i]
 * (@st_stride bytes apart): 0, 1 when one failed, or -errno.
 */
static int copy_ioctl(struct xendev *x, struct gntdev_grant_copy_segment *seg, unsigned int k,
		      int16_t *st, size_t st_stride)
{
	struct ioctl_gntdev_grant_copy gc = { .count = k, .segments = seg };
	unsigned int i;
	int bad = 0;

	if (ioctl(x->gntdev_fd, IOCTL_GNTDEV_GRANT_COPY, &gc))
		return -errno;
	for (i = 0; i < k; i++) {
		*(int16_t *)((char *)st + i * st_stride) = seg[i].status;
		bad |= seg[i].status != GNTST_okay;
	}
	return bad;
}

int be_grant_copy(struct xendev *x, unsigned int domid, struct be_copy *c, unsigned int n,
		  int to_guest)
{
	struct gntdev_grant_copy_segment seg[COPY_BATCH];
	unsigned int done = 0, i, k;
	int bad = 0, rc;

	if (domid >= DOMID_FIRST_RESERVED || (n && !c))
		return -EINVAL;
	if (x->gntdev_fd < 0)
		return -EBADF;
	for (i = 0; i < n; i++)
		if (!c[i].len || (unsigned int)c[i].offset + c[i].len > PAGE_BYTES)
			return -EINVAL;
	while (done < n) {
		k = n - done < COPY_BATCH ? n - done : COPY_BATCH;
		memset(seg, 0, sizeof(seg[0]) * k);
		for (i = 0; i < k; i++) {
			struct be_copy *p = &c[done + i];

			seg[i].len = p->len;
			if (to_guest) {
				seg[i].source.virt = p->local;
				seg[i].dest.foreign.ref = p->gref;
				seg[i].dest.foreign.offset = p->offset;
				seg[i].dest.foreign.domid = (uint16_t)domid;
				seg[i].flags = GNTCOPY_dest_gref;
			} else {
				seg[i].source.foreign.ref = p->gref;
				seg[i].source.foreign.offset = p->offset;
				seg[i].source.foreign.domid = (uint16_t)domid;
				seg[i].dest.virt = p->local;
				seg[i].flags = GNTCOPY_source_gref;
			}
		}
		rc = copy_ioctl(x, seg, k, &c[done].status, sizeof(c[0]));
		if (rc < 0)
			return rc;
		bad |= rc;
		done += k;
	}
	return bad ? -EIO : 0;
}

int be_grant_xcopy(struct xendev *x, struct be_xcopy *c, unsigned int n)
{
	struct gntdev_grant_copy_segment seg[COPY_BATCH];
	unsigned int done = 0, i, k;
	int bad = 0, rc;

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
	while (done < n) {
		k = n - done < COPY_BATCH ? n - done : COPY_BATCH;
		memset(seg, 0, sizeof(seg[0]) * k);
		for (i = 0; i < k; i++) {
			struct be_xcopy *p = &c[done + i];

			seg[i].len = p->len;
			seg[i].dest.foreign.ref = p->dref;
			seg[i].dest.foreign.offset = p->doff;
			seg[i].dest.foreign.domid = p->ddom;
			seg[i].flags = GNTCOPY_dest_gref;
			if (p->local) {
				seg[i].source.virt = (void *)(uintptr_t)p->local;
				continue;
			}
			seg[i].source.foreign.ref = p->sref;
			seg[i].source.foreign.offset = p->soff;
			seg[i].source.foreign.domid = p->sdom;
			seg[i].flags |= GNTCOPY_source_gref;
		}
		rc = copy_ioctl(x, seg, k, &c[done].status, sizeof(c[0]));
		if (rc < 0)
			return rc;
		bad |= rc;
		done += k;
	}
	return bad ? -EIO : 0;
}
