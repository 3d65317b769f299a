// SPDX-License-Identifier: GPL-2.0-only
/*
 * Grant tables, versions 1 and 2 (pv-abi-devices.md §1): how one domain
 * lets another map or copy one of its pages, and takes the permission
 * back. This file has the tables, their versions and the hypercall;
 * grant_map.c has what a use of an entry does (pins, maps, copies).
 *
 * A domain's table lives in frames we allocate and the domain maps
 * writable; entry r says "domain `domid` may use my frame `frame`". The
 * granter writes entries; we only mark them in use (see grant_map.c).
 *
 * Version 2 (set_version) changes where things are, not how they work:
 * entries are 16 bytes with a 64-bit frame, and the in-use bits move out
 * of the entry into a status word per entry, in status frames the domain
 * maps too. v2 adds two kinds of grant, both for copy only: a sub-page
 * grant (a byte range of the frame) and a transitive one, which passes
 * on an entry another domain granted to the granter. Entries 0-7 (the
 * toolstack's) survive a change of version, and only they may be in use
 * during one.
 *
 * When a domain dies its mappings of others' pages are undone; its own
 * table stays until no entry of it is pinned, and the frames others still
 * map stay allocated until they are unmapped (page_type.c frees a dead
 * domain's frame on its last reference).
 *
 * Each table has its own lock (d->grant_lock); an element of an
 * operation holds the locks of the tables it touches, lower domid first
 * (grant_internal.h, hv/lock_order.h).
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/hypervisor.h>
#include <hv/guest_access.h>
#include <hv/grant_table.h>
#include <hv/mm.h>
#include <hv/flushtlb.h>
#include <hv/page_alloc.h>
#include <hv/time.h>
#include <hv/preempt.h>
#include <lamina/grant_table.h>
#include <lamina/memory.h>
#include <asm/page.h>
#include <asm/pv.h>
#include "grant_internal.h"

#define BATCH_MAX		0x7fffffffU	/* Xen: a count negative as an int is -EINVAL */

static int gt_grow(struct domain *d, unsigned int n);

unsigned long grant_lock_retries;

/* d (referenced unless the caller) to be taken with the others when the copy runs again. */
static void want_first(struct grant_locks *gl, struct domain *d)
{
	if (gl->nr_first < ARRAY_SIZE(gl->first))
		gl->first[gl->nr_first++] = d;
	else
		grant_put(gl->self, d);		/* a guest racing its own entries: the copy fails */
	gl->again = true;
}

struct domain *grant_lock_more(struct grant_locks *gl, domid_t id)
{
	struct domain *d;
	unsigned int i;
	bool above = true;

	for (i = 0; i < 2 + gl->n; i++) {
		d = i == 0 ? gl->a : i == 1 ? gl->b : gl->more[i - 2];
		if (!d)
			continue;
		if (d->domid == id)
			return d;
		above &= d->domid < id;
	}
	if (gl->n == ARRAY_SIZE(gl->more))
		return NULL;		/* one transitive entry each side at most */
	d = grant_get(gl->self, id);
	if (!d)
		return NULL;
	if (above) {
		spin_lock_nested(&d->grant_lock);
	} else if (!spin_trylock_nested(&d->grant_lock)) {
		want_first(gl, d);
		grant_lock_retried();
		return NULL;
	}
	gl->more[gl->n++] = d;
	return d;
}

struct grant_table *grant_table_get(struct domain *d)
{
	mfn_t mfn;

	ASSERT_GRANT_LOCKED(d);
	if (d->grant)
		return d->grant;
	mfn = alloc_frames_contig(GT_PAGES);
	if (mfn == INVALID_MFN)
		return NULL;
	d->grant = mfn_to_virt(mfn);
	d->grant->mt_free = MT_NONE;
	d->grant->version = 1;
	if (!gt_grow(d, 1))	/* one frame from the start, as Xen */
		grant_count_entries(d->grant);
	return d->grant;
}

/* One more frame of gt and its active entries, not shared yet; -ENOMEM if none. */
static int new_frame(struct grant_table *gt)
{
	unsigned int i = gt->nr_alloc;
	mfn_t f = alloc_frame(), a = alloc_frames_contig(ACTIVE_PAGES);

	if (f == INVALID_MFN || a == INVALID_MFN) {
		if (f != INVALID_MFN)
			free_frame(f);
		if (a != INVALID_MFN)
			free_frames(a, ACTIVE_PAGES);
		return -ENOMEM;
	}
	gt->frames[i] = f;
	gt->active[i] = mfn_to_virt(a);
	gt->nr_alloc++;
	return 0;
}

/* Grows d's table to n frames; existing entries stay. */
static int gt_grow(struct domain *d, unsigned int n)
{
	struct grant_table *gt = grant_table_get(d);

	if (!gt)
		return -ENOMEM;
	while (gt->nr_frames < n) {
		if (gt->nr_frames == gt->nr_alloc && new_frame(gt))
			return -ENOMEM;
		frame_share_with(gt->frames[gt->nr_frames], d);
		gt->nr_frames++;
	}
	return 0;
}

void grant_table_free(struct domain *d)
{
	struct grant_table *gt = d->grant;
	unsigned int i;

	for (i = 0; i < gt->nr_alloc; i++) {
		if (i < gt->nr_frames)
			put_alloc_ref(gt->frames[i]);
		else
			free_frame(gt->frames[i]);
		free_frames(virt_to_maddr(gt->active[i]) >> PAGE_SHIFT, ACTIVE_PAGES);
	}
	for (i = 0; i < gt->nr_status; i++)
		put_alloc_ref(gt->status[i]);
	for (i = 0; i < gt->nr_mt_frames; i++)
		free_frame(virt_to_maddr(gt->mt[i]) >> PAGE_SHIFT);
	free_frames(virt_to_maddr(gt) >> PAGE_SHIFT, GT_PAGES);
	d->grant = NULL;
}

/* v2: status frames for every entry of the table's frames. */
static int status_grow(struct domain *d)
{
	struct grant_table *gt = d->grant;
	unsigned int want = DIV_ROUND_UP(gt->nr_frames * GREFS_PER_FRAME_V2,
					 GRANT_STATUS_PER_FRAME);

	while (gt->nr_status < want) {
		mfn_t f = alloc_frame();

		if (f == INVALID_MFN)
			return -ENOMEM;
		frame_share_with(f, d);
		gt->status_idle_count = frame_table[f].count;
		gt->status[gt->nr_status++] = f;
	}
	return 0;
}

/*
 * v2 -> v1: gives the status frames back, all or none: -EBUSY while the
 * domain still maps one (as Xen, which will not take a frame back from
 * under a PV domain's mapping).
 */
static int status_free(struct domain *d)
{
	struct grant_table *gt = d->grant;
	unsigned int i;

	for (i = 0; i < gt->nr_status; i++)
		if (frame_table[gt->status[i]].count != gt->status_idle_count)
			return trace_err(-EBUSY);
	for (i = 0; i < gt->nr_status; i++)
		put_alloc_ref(gt->status[i]);
	gt->nr_status = 0;
	return 0;
}

/*
 * Sets gt->nr_entries for the table's version and frames. In v2 only
 * entries with a status word count: a table that grew while its status
 * frames could not is no bigger for it.
 */
void grant_count_entries(struct grant_table *gt)
{
	if (gt->version == 1)
		gt->nr_entries = gt->nr_frames * GREFS_PER_FRAME;
	else
		gt->nr_entries = MIN(gt->nr_frames * GREFS_PER_FRAME_V2,
				     gt->nr_status * GRANT_STATUS_PER_FRAME);
}

/* Grows d's table to n frames, and its status frames with them in v2. */
static int table_grow(struct domain *d, unsigned int n)
{
	int rc = gt_grow(d, n) ? -ENOMEM : 0;

	if (!rc && d->grant->version == 2)
		rc = status_grow(d);
	if (d->grant)
		grant_count_entries(d->grant);
	return rc;
}

/* ---------------------------------------------------------- the table */

/*
 * An element on one table, domain id's: ld's own or, for a privileged
 * caller, another live domain's; fn runs with that table locked.
 */
static int16_t on_table(struct domain *ld, domid_t id, void *op,
			int16_t (*fn)(struct domain *d, void *op))
{
	struct domain *d = grant_get(ld, id);
	int16_t st;

	if (!d)
		return GNTST_bad_domain;
	spin_lock(&d->grant_lock);
	if (d->dying)
		st = GNTST_bad_domain;
	else if (d != ld && !ld->is_privileged)
		st = GNTST_permission_denied;
	else
		st = fn(d, op);
	spin_unlock(&d->grant_lock);
	grant_put(ld, d);
	return st;
}

static int16_t setup_table_locked(struct domain *d, void *arg)
{
	struct gnttab_setup_table *op = arg;
	int16_t st = GNTST_okay;
	unsigned int i;

	if (op->nr_frames > d->max_grant_frames)
		return GNTST_general_error;
	if (table_grow(d, op->nr_frames))
		return GNTST_general_error;
	/* As Xen: every element tried, a fault one's bad_virt_addr. */
	for (i = 0; i < op->nr_frames; i++) {
		xen_pfn_t f = d->grant->frames[array_index_nospec(i, d->grant->nr_frames)];

		if (copy_to_guest(op->frame_list + i * sizeof(f), &f, sizeof(f)))
			st = GNTST_bad_virt_addr;
	}
	return st;
}

static int16_t setup_table(struct domain *ld, void *arg)
{
	return on_table(ld, ((struct gnttab_setup_table *)arg)->dom, arg, setup_table_locked);
}

unsigned int grant_resource_max(const struct domain *d, unsigned int id)
{
	switch (id) {
	case XENMEM_resource_grant_table_id_shared:
		return d->max_grant_frames;
	case XENMEM_resource_grant_table_id_status:
		return DIV_ROUND_UP(d->max_grant_frames * GREFS_PER_FRAME_V2,
				    GRANT_STATUS_PER_FRAME);
	}
	return 0;
}

/* Frames [first, last] of id's list, once the table has grown to hold them; false: it cannot. */
static bool resource_list(struct domain *d, unsigned int id, unsigned int last, mfn_t **list)
{
	struct grant_table *gt = grant_table_get(d);
	unsigned int need = last + 1;

	if (!gt)
		return false;
	if (id == XENMEM_resource_grant_table_id_shared) {
		if (last >= gt->nr_frames && need <= d->max_grant_frames)
			table_grow(d, need);	/* as Xen: a failure is a frame not there */
		*list = gt->frames;
		return last < gt->nr_frames;
	}
	if (id != XENMEM_resource_grant_table_id_status || gt->version != 2)
		return false;
	/* The table frames whose entries status frame `last` covers. */
	need = (unsigned int)DIV_ROUND_UP((uint64_t)need * GRANT_STATUS_PER_FRAME,
					  GREFS_PER_FRAME_V2);
	if (last >= gt->nr_status && need <= d->max_grant_frames)
		table_grow(d, need);
	*list = gt->status;
	return last < gt->nr_status;
}

long grant_resource_frames(struct domain *d, unsigned int id, unsigned int first,
			   unsigned int n, uint64_t *mfns)
{
	mfn_t *list;
	unsigned int i;
	long rc = -EINVAL;

	spin_lock(&d->grant_lock);
	/* A dying domain's table goes with it: nothing to hand out (Xen: its frames). */
	if (n && !d->dying && resource_list(d, id, first + n - 1, &list)) {
		for (i = 0; i < n; i++)
			mfns[i] = list[first + i];
		rc = n;
	}
	spin_unlock(&d->grant_lock);
	return rc < 0 ? trace_err(rc) : rc;
}

static int16_t query_size_locked(struct domain *d, void *arg)
{
	struct gnttab_query_size *op = arg;

	grant_table_get(d);	/* a domain that never used its table has one frame too */
	op->nr_frames = d->grant ? d->grant->nr_frames : 0;
	op->max_nr_frames = d->max_grant_frames;
	return GNTST_okay;
}

static int16_t query_size(struct domain *ld, void *arg)
{
	return on_table(ld, ((struct gnttab_query_size *)arg)->dom, arg, query_size_locked);
}

static int16_t swap_refs_locked(struct domain *ld, void *arg)
{
	struct gnttab_swap_grant_ref *op = arg;
	struct grant_table *gt = ld->grant;
	struct grant_entry_v1 *a, *b, t;
	union grant_entry_v2 *a2, *b2, t2;
	grant_status_t *sa, *sb, ts;

	if (op->ref_a >= nr_entries(ld) || op->ref_b >= nr_entries(ld))
		return GNTST_bad_gntref;
	op->ref_a = array_index_nospec(op->ref_a, nr_entries(ld));
	op->ref_b = array_index_nospec(op->ref_b, nr_entries(ld));
	if (op->ref_a == op->ref_b)
		return GNTST_okay;
	if (active_of(gt, op->ref_a)->ro || active_of(gt, op->ref_a)->rw ||
	    active_of(gt, op->ref_b)->ro || active_of(gt, op->ref_b)->rw)
		return GNTST_eagain;
	/* The guest may write its entries meanwhile: each is moved whole. */
	if (gt->version == 2) {
		a2 = entry_v2_of(gt, op->ref_a);
		b2 = entry_v2_of(gt, op->ref_b);
		sa = status_of(gt, op->ref_a);
		sb = status_of(gt, op->ref_b);
		t2 = *a2;
		ts = *sa;
		*a2 = *b2;
		*sa = *sb;
		*b2 = t2;
		*sb = ts;
		return GNTST_okay;
	}
	a = entry_of(gt, op->ref_a);
	b = entry_of(gt, op->ref_b);
	t = *a;
	*a = *b;
	*b = t;
	return GNTST_okay;
}

static int16_t swap_refs(struct domain *ld, void *arg)
{
	int16_t st;

	spin_lock(&ld->grant_lock);
	st = swap_refs_locked(ld, arg);
	spin_unlock(&ld->grant_lock);
	return st;
}

/* ---------------------------------------------------------- versions */

/* Is any entry past the reserved ones in use? Then the version stays. */
static bool entries_in_use(struct domain *d)
{
	grant_ref_t ref;

	for (ref = GNTTAB_NR_RESERVED_ENTRIES; ref < nr_entries(d); ref++)
		if (active_of(d->grant, ref)->ro || active_of(d->grant, ref)->rw)
			return true;
	return false;
}

/*
 * The reserved entries of a table as v1 entries, the in-use bits back
 * in the flags; -ERANGE for a v2 one v1 cannot say (transitive, or a
 * frame above 32 bits); kinds v1 has no use for are dropped (as Xen).
 */
static int save_reserved(struct grant_table *gt, struct grant_entry_v1 *keep)
{
	grant_ref_t i;

	for (i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
		union grant_entry_v2 *e;

		if (gt->version == 1) {
			keep[i] = *entry_of(gt, i);
			continue;
		}
		e = entry_v2_of(gt, i);
		memset(&keep[i], 0, sizeof(keep[i]));
		switch (e->hdr.flags & GTF_type_mask) {
		case GTF_transitive:
			return trace_err(-ERANGE);
		case GTF_permit_access:
			if (e->full_page.frame >> 32)
				return trace_err(-ERANGE);
			keep[i].flags = e->hdr.flags | *status_of(gt, i);
			keep[i].domid = e->hdr.domid;
			keep[i].frame = (uint32_t)e->full_page.frame;
			break;
		}
	}
	return 0;
}

/* Writes the saved reserved entries back, in the table's (new) version. */
static void restore_reserved(struct grant_table *gt, const struct grant_entry_v1 *keep)
{
	const uint16_t busy = GTF_reading | GTF_writing;
	grant_ref_t i;

	for (i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
		union grant_entry_v2 *e;

		if (gt->version == 1) {
			*entry_of(gt, i) = keep[i];
			continue;
		}
		e = entry_v2_of(gt, i);
		*status_of(gt, i) = keep[i].flags & busy;
		e->hdr.flags = keep[i].flags & ~busy;
		e->hdr.domid = keep[i].domid;
		e->full_page.frame = keep[i].frame;
	}
}

/*
 * set_version (Xen's rules, lamina/grant_table.h): validate (version
 * offered, nothing in use, reserved entries representable, status frames
 * had or given back), then commit: clear the frames, carry the reserved
 * entries over.
 */
static long switch_version(struct domain *d, uint32_t version)
{
	struct grant_entry_v1 keep[GNTTAB_NR_RESERVED_ENTRIES];
	struct grant_table *gt;
	unsigned int i;
	int rc;

	if (version != 1 && version != 2)
		return trace_err(-EINVAL);
	/* Xen's gt->max_version: the domain's own (createdomain), not only the host's. */
	if (version == 2 && d->max_grant_version < 2)
		return trace_err(-ENOSYS);
	if ((d->grant ? d->grant->version : 1) == version)
		return 0;
	gt = grant_table_get(d);
	if (!gt)
		return -ENOMEM;
	if (entries_in_use(d))
		return trace_err(-EBUSY);
	if (version == 2) {
		rc = status_grow(d);	/* left for next time if it fails */
		if (rc)
			return rc;
	}
	if (gt->nr_frames) {
		rc = save_reserved(gt, keep);
		if (rc)
			return rc;
	}
	if (version == 1) {
		rc = status_free(d);
		if (rc)
			return rc;
	}
	for (i = 0; i < gt->nr_frames; i++)
		memset(frame_va(gt->frames[i]), 0, PAGE_SIZE);
	for (i = 0; i < gt->nr_status; i++)
		memset(frame_va(gt->status[i]), 0, PAGE_SIZE);
	gt->version = version;
	grant_count_entries(gt);
	if (gt->nr_frames)
		restore_reserved(gt, keep);
	return 0;
}

static long set_version(struct domain *d, uint64_t args)
{
	struct gnttab_set_version sv;
	long rc;

	if (copy_from_guest(&sv, args, sizeof(sv)))
		return -EFAULT;
	spin_lock(&d->grant_lock);
	rc = switch_version(d, sv.version);
	sv.version = d->grant ? d->grant->version : 1;
	spin_unlock(&d->grant_lock);
	return copy_to_guest(args, &sv, sizeof(sv)) ? -EFAULT : rc;
}

static long get_version(struct domain *d, uint64_t args)
{
	struct gnttab_get_version gv;
	struct domain *t;
	bool dying = false;

	if (copy_from_guest(&gv, args, sizeof(gv)))
		return -EFAULT;
	t = grant_get(d, gv.dom);
	if (t) {
		spin_lock(&t->grant_lock);
		gv.version = t->grant ? t->grant->version : 1;
		dying = t->dying;
		spin_unlock(&t->grant_lock);
		grant_put(d, t);
	}
	if (!t || dying)
		return trace_err(-ESRCH);
	if (t != d && !d->is_privileged)
		return trace_err(-EPERM);
	return copy_to_guest(args, &gv, sizeof(gv)) ? -EFAULT : 0;
}

static int16_t get_status_frames_locked(struct domain *d, void *arg)
{
	struct gnttab_get_status_frames *op = arg;
	int16_t st = GNTST_okay;
	unsigned int have, i;

	have = d->grant && d->grant->version == 2 ? d->grant->nr_status : 0;
	if (op->nr_frames > have)
		return GNTST_general_error;
	for (i = 0; i < op->nr_frames; i++) {
		uint64_t f = d->grant->status[array_index_nospec(i, have)];

		if (copy_to_guest(op->frame_list + i * sizeof(f), &f, sizeof(f)))
			st = GNTST_bad_virt_addr;
	}
	return st;
}

static int16_t get_status_frames(struct domain *ld, void *arg)
{
	return on_table(ld, ((struct gnttab_get_status_frames *)arg)->dom, arg,
			get_status_frames_locked);
}


/* ---------------------------------------------------------- transfer, cache_flush */

/*
 * e's entry ref takes a transfer from ld, as Xen's
 * gnttab_prepare_for_transfer: its flags exactly GTF_accept_transfer and
 * its domid ld's, then GTF_transfer_committed set in one exchange (the
 * guest may write the entry meanwhile: four tries). e's table locked.
 */
static bool transfer_commit(struct domain *e, domid_t ld, grant_ref_t ref)
{
	uint32_t *hdr, old, seen;
	unsigned int tries;

	if (ref >= nr_entries(e))
		return false;
	hdr = header_of(e->grant, array_index_nospec(ref, nr_entries(e)));
	old = __atomic_load_n(hdr, __ATOMIC_RELAXED);
	for (tries = 0; tries < 5; tries++) {
		if ((old & 0xffff) != GTF_accept_transfer || old >> 16 != ld)
			return false;
		seen = old;
		if (__atomic_compare_exchange_n(hdr, &seen, old | GTF_transfer_committed, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			return true;
		old = seen;
	}
	return false;
}

/* The frame is e's now: its entry ref says which (v1: 32 bits), M2P its frame field. */
static void transfer_complete(struct domain *e, grant_ref_t ref, mfn_t mfn)
{
	struct grant_table *gt = e->grant;
	uint32_t *hdr = header_of(gt, ref);

	frame_table[mfn].owner = e->domid;
	__atomic_add_fetch(&e->nr_pages, 1, __ATOMIC_ACQ_REL);
	if (gt->version == 2) {
		m2p[mfn] = entry_v2_of(gt, ref)->full_page.frame;
		entry_v2_of(gt, ref)->full_page.frame = mfn;
	} else {
		m2p[mfn] = entry_of(gt, ref)->frame;
		entry_of(gt, ref)->frame = (uint32_t)mfn;
	}
	frame_count_add(mfn, 1);		/* its allocation reference, e's now */
	__atomic_fetch_or(hdr, GTF_transfer_completed, __ATOMIC_RELEASE);
}

/*
 * transfer, as Xen 4.17's: the caller's frame, held by nothing but its
 * allocation (what decrease_reservation could free at once; else
 * GNTST_bad_page), leaves it at once (frame_steal: the count to 0 in one
 * exchange, so nobody can take a reference; its TLBs flushed). Then it goes to domain
 * op->domid through entry op->ref, which that domain set to
 * GTF_accept_transfer for the caller, within its max_pages; any failure
 * from here (no such domain GNTST_bad_domain, a dying one, no headroom, a
 * bad entry GNTST_general_error) frees the frame, as Xen does.
 */
static int16_t transfer_one(struct domain *ld, void *arg)
{
	const struct gnttab_transfer *op = arg;
	struct domain *e = NULL;
	mfn_t mfn = op->mfn;
	int16_t st = GNTST_general_error;

	if (mfn >= frame_table_size)
		return GNTST_bad_page;
	mfn = array_index_nospec(mfn, frame_table_size);
	if (!frame_steal(mfn, ld))	/* a page table on ld's release list too */
		return GNTST_bad_page;
	__atomic_sub_fetch(&ld->nr_pages, 1, __ATOMIC_ACQ_REL);
	flush_tlb_domain(ld);			/* no cached translation outlives it */
	if (op->domid != DOMID_SELF)
		e = grant_get(ld, op->domid);
	if (!e) {
		st = GNTST_bad_domain;
	} else if ((mfn >> 32) && (!e->grant || e->grant->version == 1)) {
		st = GNTST_address_too_big;	/* v1's 32-bit frame (Xen copies it lower) */
	} else {
		spin_lock(&e->grant_lock);
		if (!e->dying && domain_tot_pages(e) < e->max_pages && grant_table_get(e) &&
		    transfer_commit(e, ld->domid, op->ref)) {
			transfer_complete(e, array_index_nospec(op->ref, nr_entries(e)), mfn);
			st = GNTST_okay;
		}
		spin_unlock(&e->grant_lock);
	}
	grant_put(ld, e);
	if (st != GNTST_okay)
		frame_release(mfn);
	return st;
}

/*
 * Whether d has a grant of owner's mapped onto mfn, as Xen's
 * grant_map_exists: the entries from *cur on, at most 1 << GNTTABOP_ARG_SHIFT
 * of them a time (the owner's lock held for no longer); 1: none of those,
 * go on from *cur (which the caller may carry in cmd's upper bits across a
 * continuation, as Xen's opaque), -EINVAL: none in the table.
 */
static long cache_flush_mapped(const struct domain *d, struct domain *owner, mfn_t mfn,
			       uint32_t *cur)
{
	uint32_t ref, end;

	if (!owner->grant)
		return trace_err(-EPERM);
	if (owner == d)
		return 0;
	end = MIN(*cur + (1U << GNTTABOP_ARG_SHIFT), nr_entries(owner));
	for (ref = *cur; ref < end; ref++) {
		const struct active_grant *act =
			active_of(owner->grant, array_index_nospec(ref, nr_entries(owner)));

		if ((act->ro || act->rw) && act->mapper == d->domid && act->mfn == mfn)
			return 0;
	}
	if (ref < nr_entries(owner)) {
		*cur = ref;
		return 1;
	}
	return trace_err(-EINVAL);
}

/*
 * One cache_flush element: Xen's checks (grant_table.h); nothing to flush
 * on x86. 1: not decided yet (cache_flush_mapped). An element with
 * nothing to flush is 0, or -EILSEQ when a scan is under way (*cur not 0:
 * a forged continuation), as Xen.
 */
static long cache_flush_one(struct domain *d, const struct gnttab_cache_flush *op,
			    uint32_t *cur)
{
	mfn_t mfn = op->a.dev_bus_addr >> PAGE_SHIFT;
	struct domain *owner;
	long rc;

	if (op->offset >= PAGE_SIZE || op->length > PAGE_SIZE ||
	    op->offset + op->length > PAGE_SIZE ||
	    (op->op & ~(GNTTAB_CACHE_INVAL | GNTTAB_CACHE_CLEAN)))
		return trace_err(-EINVAL);
	if (!op->length || !op->op)
		return *cur ? trace_err(-EILSEQ) : 0;
	if (mfn >= frame_table_size)
		return trace_err(-EINVAL);
	mfn = array_index_nospec(mfn, frame_table_size);
	owner = pg_refs(&frame_table[mfn]) ? grant_get(d, frame_table[mfn].owner) : NULL;
	if (!owner)
		return trace_err(-EPERM);
	spin_lock(&owner->grant_lock);
	rc = cache_flush_mapped(d, owner, mfn, cur);
	spin_unlock(&owner->grant_lock);
	grant_put(d, owner);
	return rc;
}

/*
 * cache_flush, the one op whose cmd carries continuation state: the entry
 * its scan of another domain's table goes on from (cmd's upper bits, Xen's
 * opaque). A long batch, or a long scan, gives the CPU back as the others
 * do (before every element but the first, and between the pieces of a
 * scan), with the array, count and that entry advanced.
 */
static long cache_flush(struct vcpu *v, struct hc_args *a)
{
	uint64_t args = a->arg[1], until = hypercall_preempt_until();
	uint32_t count = (uint32_t)a->arg[2], cur = (uint32_t)a->arg[0] >> GNTTABOP_ARG_SHIFT, i;
	struct gnttab_cache_flush op;
	long rc;

	if (!guest_start_ok(args))	/* as batch() */
		return -EFAULT;
	for (i = 0; i < count; i++) {
		if (i && hypercall_preempt_now(v, until))
			goto continuation;
		if (copy_from_guest(&op, args + (uint64_t)i * sizeof(op), sizeof(op)))
			return -EFAULT;
		while ((rc = cache_flush_one(v->domain, &op, &cur)) == 1)
			if (hypercall_preempt_now(v, until))
				goto continuation;
		if (rc)
			return rc;
		cur = 0;
	}
	return 0;

continuation:
	a->arg[0] = GNTTABOP_cache_flush | (uint64_t)cur << GNTTABOP_ARG_SHIFT;
	a->arg[1] = args + (uint64_t)i * sizeof(op);
	a->arg[2] = count - i;
	return hypercall_continue();
}

/* ---------------------------------------------------------- dispatch */

/*
 * setup_table and get_status_frames come one at a time (count 1), and a
 * frame list starting outside guest memory is -EFAULT before anything,
 * as Xen's guest_handle_okay (the start alone: a list running into the
 * non-canonical hole has its elements below it written). Checked on the
 * element batch() read, the one its fn uses: until session 34 the
 * struct was read once for this check and again for the work, so
 * another vCPU could pass the check with one list and have the frames
 * written through another (each copy still checked: the element's
 * status GNTST_bad_virt_addr, where Xen 4.17 answers -EFAULT).
 */
static bool frame_list_ok(const uint8_t *list_field)
{
	uint64_t list;

	__builtin_memcpy(&list, list_field, sizeof(list));
	return guest_start_ok(list);
}

/*
 * Runs fn on each of count elements of `size` bytes at args, writing each
 * back with its status (setup_table and query_size are batches of one):
 * the whole element (map, query_size), or with status_only its status
 * field alone, as Xen 4.17's __copy_field_to_guest for unmap,
 * unmap_and_replace, copy, transfer, swap_grant_ref, setup_table and
 * get_status_frames (the rest of such an element may be read-only).
 * A long batch gives the CPU back as a continuation (args and count
 * advanced) when hypercall_preempt_now says so, looked at before every
 * element but the first as Xen's; inside a multicall, the multicall
 * resumes there.
 *
 * A count above INT32_MAX is -EINVAL, as Xen's do_grant_table_op; an
 * array whose start is not a guest address is -EFAULT before any
 * element, even an empty one (Xen's guest_handle_okay, which looks at
 * the start only). An element that cannot be read, or written back (one
 * past the end of guest memory too, in the non-canonical hole), ends
 * the batch with -EFAULT, the elements before it done and their results
 * written, as on Xen 4.17. Each element (its status) is written back
 * unchanged before fn commits anything, so a read-only one fails with
 * nothing done (docs/style.md §4; Xen does that element and then fails
 * its copy-out, a mapping's handle lost). Only fn itself can make the
 * element unwritable after the probe (a grant mapped read-only over the
 * array): then -EFAULT with that element done, as on Xen.
 *
 * An unmap batch (ub) has its elements run by `one`, which may hold
 * some uses for one flush: grant_unmap_finish lets them go every
 * UNMAP_HOLD elements and whenever the batch returns (done, preempted
 * or failing), so every element done before a failure is flushed and
 * let go all the same (Xen 4.17's gnttab_unmap_grant_ref). A copy batch
 * (cb) keeps its granters' locks from one element to the next
 * (grant_copy_batch_one), let go by grant_copy_batch_end whenever the
 * batch returns; the element reads and status writes between two
 * elements touch no grant table, and a fault on them is only fixed up.
 * list_off (not 0): where the element holds a frame list, checked by
 * frame_list_ok on the copy fn is given (-EFAULT, nothing written).
 * Each element is read from the guest once; fn sees only that copy.
 */
static inline __attribute__((always_inline)) long
batch(struct vcpu *v, struct hc_args *a, size_t size, int16_t (*fn)(struct domain *ld, void *op),
      size_t status_off, bool status_only, size_t list_off, struct unmap_batch *ub,
      int16_t (*one)(struct domain *ld, void *op, struct unmap_batch *ub), struct copy_batch *cb)
{
	uint64_t args = a->arg[1];
	uint32_t count = (uint32_t)a->arg[2];
	uint8_t op[40];
	uint64_t until = hypercall_preempt_until();
	uint32_t i;
	long rc = 0;

	if (!guest_start_ok(args))	/* count: hc_grant_table_op checked it */
		return -EFAULT;
	for (i = 0; i < count; i++) {
		uint64_t p = args + (uint64_t)i * size;
		int16_t st;

		if (i && hypercall_preempt_now(v, until)) {	/* every op, as Xen */
			a->arg[1] = p;
			a->arg[2] = count - i;
			rc = hypercall_continue();
			break;
		}
		if (copy_from_guest(op, p, size) ||
		    (list_off && !frame_list_ok(op + list_off)) ||
		    (status_only ? copy_to_guest(p + status_off, op + status_off, sizeof(st)) :
		     copy_to_guest(p, op, size))) {
			rc = -EFAULT;
			break;
		}
		/* fn locks the tables it touches */
		st = ub ? one(v->domain, op, ub) :
		     cb ? grant_copy_batch_one(v->domain, op, cb) : fn(v->domain, op);
		__builtin_memcpy(op + status_off, &st, sizeof(st));
		if (status_only ? copy_to_guest(p + status_off, &st, sizeof(st)) :
		    copy_to_guest(p, op, size)) {
			rc = -EFAULT;
			break;
		}
		if (ub && ub->n == UNMAP_HOLD)
			grant_unmap_finish(v->domain, ub);
	}
	if (ub && (ub->n || ub->flush))
		grant_unmap_finish(v->domain, ub);
	if (cb && (cb->a || cb->b))
		grant_copy_batch_end(v->domain, cb);
	return rc;
}

/*
 * The same, for setup_table and get_status_frames: the element's frame
 * list must start in guest memory (from the element as read, before
 * anything is done or written), else -EFAULT.
 */
#define BATCH_LIST(type, fn)	\
	batch(v, a, sizeof(type), fn, offsetof(type, status), true, offsetof(type, frame_list), \
	      NULL, NULL, NULL)

/* A batch of `type` elements, each with its status where the type says, written back whole. */
#define BATCH(type, fn)	\
	batch(v, a, sizeof(type), fn, offsetof(type, status), false, 0, NULL, NULL, NULL)
/* The same, only the status written back. */
#define BATCH_STATUS(type, fn)	\
	batch(v, a, sizeof(type), fn, offsetof(type, status), true, 0, NULL, NULL, NULL)

/* A batch of unmaps, `one` each (grant_map.c), their uses let go after one flush. */
static long __attribute__((noinline))
unmap_batch(struct vcpu *v, struct hc_args *a, size_t size, size_t status_off,
	    int16_t (*one)(struct domain *ld, void *op, struct unmap_batch *ub))
{
	struct unmap_batch ub;

	ub.flush = false;
	ub.n = 0;
	return batch(v, a, size, NULL, status_off, true, 0, &ub, one, NULL);
}

#define UNMAP_BATCH(type, one)	unmap_batch(v, a, sizeof(type), offsetof(type, status), one)

/* A batch of copies, their granters kept from one element to the next. */
static long copy_batch(struct vcpu *v, struct hc_args *a)
{
	struct copy_batch cb = {
		.ida = COPY_LOOK_AGAIN, .idb = COPY_LOOK_AGAIN,
	};

	return batch(v, a, sizeof(struct gnttab_copy), NULL, offsetof(struct gnttab_copy, status),
		     true, 0, NULL, NULL, &cb);
}

long hc_grant_table_op(struct vcpu *v, struct hc_args *a)
{
	struct domain *d = v->domain;
	uint64_t args = a->arg[1];
	uint32_t count = (uint32_t)a->arg[2];

	if (count > BATCH_MAX)		/* any op, as Xen: a count negative as an int */
		return trace_err(-EINVAL);
	/* cmd's upper bits are continuation state, which only cache_flush has */
	if ((uint32_t)a->arg[0] >> GNTTABOP_ARG_SHIFT &&
	    ((uint32_t)a->arg[0] & GNTTABOP_CMD_MASK) != GNTTABOP_cache_flush)
		return trace_err(-EINVAL);
	switch ((uint32_t)a->arg[0] & GNTTABOP_CMD_MASK) {
	case GNTTABOP_map_grant_ref:
		return BATCH(struct gnttab_map_grant_ref, grant_map_one);
	case GNTTABOP_unmap_grant_ref:
		return UNMAP_BATCH(struct gnttab_unmap_grant_ref, grant_unmap_one);
	case GNTTABOP_unmap_and_replace:
		return UNMAP_BATCH(struct gnttab_unmap_and_replace, grant_unmap_and_replace_one);
	case GNTTABOP_copy:
		return copy_batch(v, a);
	case GNTTABOP_setup_table:
		if (count != 1)
			return trace_err(-EINVAL);
		return BATCH_LIST(struct gnttab_setup_table, setup_table);
	case GNTTABOP_query_size:
		if (count != 1)
			return trace_err(-EINVAL);
		return BATCH(struct gnttab_query_size, query_size);
	case GNTTABOP_swap_grant_ref:
		return BATCH_STATUS(struct gnttab_swap_grant_ref, swap_refs);
	case GNTTABOP_transfer:
		return BATCH_STATUS(struct gnttab_transfer, transfer_one);
	case GNTTABOP_cache_flush:
		return cache_flush(v, a);
	case GNTTABOP_set_version:
		return set_version(d, args);
	case GNTTABOP_get_version:
		return get_version(d, args);
	case GNTTABOP_get_status_frames:
		if (count != 1)
			return trace_err(-EINVAL);
		return BATCH_LIST(struct gnttab_get_status_frames, get_status_frames);
	default:
		return trace_err(-ENOSYS);
	}
}

/* A reserved entry granting mfn to `to` (boot: the store and console pages). */
static void seed(struct domain *d, uint32_t ref, domid_t to, mfn_t mfn)
{
	struct grant_entry_v1 *e;

	if (d->grant->version == 2) {
		union grant_entry_v2 *e2 = entry_v2_of(d->grant, ref);

		e2->hdr.domid = to;
		e2->full_page.frame = mfn;
		__atomic_store_n(&e2->hdr.flags, GTF_permit_access, __ATOMIC_RELEASE);
		return;
	}
	e = entry_of(d->grant, ref);
	e->domid = to;
	e->frame = mfn;
	e->flags = GTF_permit_access;
}

/*
 * The frames of every size dom0's table may grow to, and their active
 * entries, allocated now and shared with it as it grows. dom0 is the
 * backends' domain: its table grows with the buffers they grant to
 * themselves and, as Xen's, never shrinks, so growing it from the free
 * frames would leave the first domU with a vif or a disk a lasting mark
 * on the free memory the toolstack reports after that domU is gone
 * (five frames a table frame). Up to 64 frames by default: 1.25 MiB.
 */
static int keep_frames(struct domain *d)
{
	struct grant_table *gt = d->grant;

	while (gt->nr_alloc < d->max_grant_frames)
		if (new_frame(gt))
			return -ENOMEM;
	return 0;
}

/*
 * A new domain's table, one frame of version 1, as Xen 4.17's
 * grant_table_init makes it with the domain: a guest finds it there at
 * its first grant operation, whoever it is (dom0 too), and no operation
 * pays for it.
 */
int grant_table_init(struct domain *d)
{
	int rc;

	spin_lock(&d->grant_lock);
	rc = table_grow(d, 1);
	if (!rc && d->is_privileged)
		rc = keep_frames(d);
	spin_unlock(&d->grant_lock);
	return rc;
}

int grant_seed(struct domain *d, uint32_t ref, domid_t to, mfn_t mfn)
{
	int rc = 0;

	if (ref >= GNTTAB_NR_RESERVED_ENTRIES)
		return -EINVAL;
	spin_lock(&d->grant_lock);
	if (table_grow(d, 1))
		rc = -ENOMEM;
	else
		seed(d, ref, to, mfn);
	spin_unlock(&d->grant_lock);
	return rc;
}

/* ---------------------------------------------------------- teardown */

void grant_table_destroy(struct domain *d)
{
	spin_lock(&d->grant_lock);
	if (d->grant && d->grant->nr_pinned)
		d->grant->destroyed = true;
	else if (d->grant)
		grant_table_free(d);
	spin_unlock(&d->grant_lock);
}

void grant_dump(const struct domain *d)
{
	const struct grant_table *gt = d->grant;

	if (!gt)
		return;
	printk(LOG_ERR, "  grants: %u of %u frames, %u entries in use, %u mappings held\n",
	       gt->nr_frames, hv_opts.gnttab_max_frames, gt->nr_pinned, gt->nr_maps);
}
