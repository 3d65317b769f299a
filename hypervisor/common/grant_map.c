// SPDX-License-Identifier: GPL-2.0-only
/*
 * Uses of grant entries: maps, unmaps and copies (grant_table.c has the
 * tables themselves, their versions and the hypercall).
 *
 * The granter writes its entries; we only ever set and clear GTF_reading
 * and GTF_writing, with atomic operations, because the granter may be
 * ending access at the same moment. Whoever wins that race decides: if we
 * set GTF_reading first, the granter sees the entry in use and keeps the
 * page; if the granter cleared the entry first, our pin fails. In v1 the
 * bits are in the entry's flags and one cmpxchg over flags and domid both
 * checks and marks. In v2 they are in the entry's status word, which the
 * granter only reads: we set them, then look at the entry again (a
 * granter ending access meanwhile sees our bits or we see its change).
 *
 * Behind each entry is an active entry, ours alone: the frame pinned, the
 * mapper, and the number of read-only and writable uses. The first use
 * takes a reference on the granter's frame (and a writable-type reference
 * for writable use), so the frame outlives the granter's change of mind
 * and even the granter itself; the last use drops them. v2's sub-page
 * and transitive entries serve copies only: the active entry keeps the
 * byte range a copy may touch, and each use of a transitive entry is
 * also a use, by the granter, of the entry behind it, which holds the
 * frame (one level only, never through the granter's own table).
 *
 * Each mapping a domain holds is a maptrack entry of the mapper, found by
 * the handle we return: granter, ref, the frame and how it was mapped,
 * since unmap does not repeat the flags. A host mapping is a PTE in the
 * mapper's own page tables (arch/x86/grant_pte.c writes it, with the
 * usual references a PTE holds); a device mapping is just a pin.
 *
 * An unmap clears the mapping first and lets the grant go (the pin, the
 * frame references, the maptrack entry) only once no CPU's TLB can hold
 * the mapping: at once when the unmapping CPU's invlpg was enough, else
 * after the batch's one flush of every CPU the mapper ran on (struct
 * unmap_batch), as Xen 4.17's unmap_common and unmap_common_complete.
 *
 * Copies pin, copy and unpin inside the call: nothing remains set after.
 *
 * Each element runs with the tables it touches locked (grant_internal.h):
 * the mapper's for its maptrack, the granter's for its entry, the table
 * behind a transitive entry. Only the in-use bits are shared with someone
 * not holding the lock, the granter's own guest: hence the atomics.
 */
#include <hv/hypercall.h>
#include <hv/preempt.h>
#include <hv/hypervisor.h>
#include <hv/grant_table.h>
#include <hv/page_alloc.h>
#include <hv/page_ref.h>
#include <asm/copy_wide.h>
#include "grant_internal.h"

#define PIN_MAX			0xFFFFU
#define PIN_TRIES		5	/* cmpxchg attempts against a busy granter */

/* Does entry header word hdr let domain ld use it this way (first use)? */
static bool grants_to(uint32_t hdr, domid_t ld, unsigned int how)
{
	uint16_t flags = (uint16_t)hdr;

	if ((hdr >> 16) != ld || ((how & USE_WRITE) && (flags & GTF_readonly)))
		return false;
	switch (flags & GTF_type_mask) {
	case GTF_permit_access:
		return (how & USE_COPY) || !(flags & GTF_sub_page);
	case GTF_transitive:
		return how & USE_COPY;
	default:
		return false;
	}
}

/*
 * v1: marks the entry at word (its flags and domid) in use by ld after
 * checking it grants that: one 32-bit cmpxchg over flags and domid, so a
 * granter rewriting the entry meanwhile makes us look again, not act on
 * what it was. In v1 a GTF_transitive entry grants nothing. For an entry
 * already in use (first false: a first writable use) only GTF_readonly
 * counts, as Xen.
 */
static inline __attribute__((always_inline)) int16_t
mark_in_use_v1(uint32_t *word, domid_t ld, unsigned int how, bool first, uint16_t *flags)
{
	unsigned int tries;

	for (tries = 0; tries < PIN_TRIES; tries++) {
		uint32_t old = __atomic_load_n(word, __ATOMIC_ACQUIRE);
		uint32_t new;

		/* grants_to, for the one type v1 can use: the hot path of every use. */
		if (first ? (old >> 16) != ld || (old & GTF_type_mask) != GTF_permit_access ||
				    ((old & GTF_sub_page) && !(how & USE_COPY)) ||
				    ((how & USE_WRITE) && (old & GTF_readonly)) :
			    (old & GTF_readonly) != 0)
			return GNTST_general_error;
		new = old | GTF_reading | ((how & USE_WRITE) ? GTF_writing : 0);
		*flags = (uint16_t)old;
		if (new == old ||
		    __atomic_compare_exchange_n(word, &old, new, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return GNTST_okay;
	}
	return GNTST_general_error;
}

static void clear_bits(grant_status_t *status, uint16_t bits)
{
	__atomic_fetch_and(status, (uint16_t)~bits, __ATOMIC_RELEASE);
}

/*
 * v2: sets the in-use bits in the entry's status word, then reads the
 * entry (word: its header) again; if the granter changed it meanwhile
 * the bits come off and the use fails. For an entry already in use
 * (first false) only a new writable use gets here, and only GTF_readonly
 * is looked at, as Xen does.
 */
static int16_t mark_in_use_v2(uint32_t *word, grant_status_t *status, domid_t ld,
			      unsigned int how, bool first, uint16_t *flags)
{
	uint16_t bits = GTF_reading | ((how & USE_WRITE) ? GTF_writing : 0);
	uint32_t hdr = __atomic_load_n(word, __ATOMIC_ACQUIRE);

	if (first ? !grants_to(hdr, ld, how) : (hdr & GTF_readonly) != 0)
		return GNTST_general_error;
	__atomic_fetch_or(status, bits, __ATOMIC_SEQ_CST);
	hdr = __atomic_load_n(word, __ATOMIC_SEQ_CST);
	if (first ? !grants_to(hdr, ld, how) : (hdr & GTF_readonly) != 0) {
		clear_bits(status, first ? bits : GTF_writing);
		return GNTST_general_error;
	}
	*flags = (uint16_t)hdr;
	return GNTST_okay;
}

static void unpin(struct domain *rd, grant_ref_t ref, bool writable);

/*
 * The first use of transitive entry e of rd: a use of the entry behind
 * it, by rd, which must grant rd the same access (only one level deep,
 * never rd's own table). Failures are Xen's: GNTST_general_error for a
 * bad entry or domain, else whatever the entry behind gives.
 */
static int16_t __attribute__((noinline))
first_use_transitive(struct domain *rd, union grant_entry_v2 *e, unsigned int how,
		     struct active_grant *act, struct grant_locks *gl)
{
	domid_t tid = __atomic_load_n(&e->transitive.trans_domid, __ATOMIC_RELAXED);
	grant_ref_t tref = __atomic_load_n(&e->transitive.gref, __ATOMIC_RELAXED);
	struct domain *td;
	struct grant_use tu;
	int16_t st;

	if (!(how & USE_TRANSITIVE) || tid == rd->domid)
		return GNTST_general_error;
	td = grant_lock_more(gl, tid);
	if (!td || td->dying)
		return GNTST_general_error;
	st = grant_pin(td, tref, rd, (how & USE_WRITE) | USE_COPY, &tu, gl);
	if (st)
		return st;
	act->mfn = tu.mfn;
	act->start = tu.sub_page ? tu.start : 0;
	act->length = tu.sub_page ? tu.length : PAGE_SIZE;
	act->trans_dom = tid;
	act->trans_ref = tref;
	act->transitive = true;
	act->sub_page = true;	/* never mapped */
	return GNTST_okay;
}

/* v2: the frame, and the bytes of it, a permit_access entry grants. */
static uint64_t v2_frame(union grant_entry_v2 *e, uint16_t flags, struct active_grant *act)
{
	act->sub_page = flags & GTF_sub_page;
	if (act->sub_page) {
		act->start = __atomic_load_n(&e->sub_page.page_off, __ATOMIC_RELAXED);
		act->length = __atomic_load_n(&e->sub_page.length, __ATOMIC_RELAXED);
	}
	return __atomic_load_n(&e->full_page.frame, __ATOMIC_ACQUIRE);
}

/*
 * The first use of the entry at e (marked in use, its checked flags
 * given): reads the frame and takes a reference on it, and a
 * writable-type reference for writable use. A frame that is not the
 * granter's is GNTST_bad_page, one that cannot be written
 * GNTST_general_error, as Xen.
 */
static inline __attribute__((always_inline)) int16_t
first_use(struct domain *rd, void *e, bool v2, unsigned int how, uint16_t flags,
	  struct active_grant *act, struct grant_locks *gl)
{
	struct page_info *pg;
	uint64_t frame;

	act->sub_page = act->transitive = false;	/* start, length: sub-page only */
	if (!v2)
		frame = __atomic_load_n(&((struct grant_entry_v1 *)e)->frame, __ATOMIC_ACQUIRE);
	else if ((flags & GTF_type_mask) == GTF_transitive)
		return first_use_transitive(rd, e, how, act, gl);
	else
		frame = v2_frame(e, flags, act);
	if (frame >= frame_table_size)
		return GNTST_bad_page;		/* get_page's -EPERM */
	pg = frame_entry(frame);		/* looked up once for both references */
	if (page_get(pg, frame, rd->domid))
		return GNTST_bad_page;
	if ((how & USE_WRITE) && page_get_type(pg, frame, PGT_writable, rd)) {
		put_page(frame);
		return GNTST_general_error;
	}
	act->mfn = frame;
	return GNTST_okay;
}

/*
 * A copy's first writable use of an entry already in use read-only: the
 * entry (at e) must still name the frame in use and, for a sub-page one,
 * the same bytes, else GNTST_general_error (a frame no longer rd's
 * GNTST_bad_page), as Xen 4.17.7's acquire_grant_for_copy ("check values
 * against active entry when copying an already-pinned one"); Lamina took
 * the frame in use whatever the entry named now until 7 Dec
 * (conform-fuzz-diff: an entry rewritten to accept_transfer of another
 * frame while mapped read-only, then a copy into it, was GNTST_okay).
 */
static int16_t __attribute__((noinline))
copy_recheck(struct domain *rd, void *e, bool v2, const struct active_grant *act)
{
	union grant_entry_v2 *e2 = e;
	uint16_t start = 0, length = PAGE_SIZE;
	bool sub = false;
	uint64_t frame;

	if (!v2) {
		frame = __atomic_load_n(&((struct grant_entry_v1 *)e)->frame, __ATOMIC_ACQUIRE);
	} else if (__atomic_load_n(&e2->hdr.flags, __ATOMIC_ACQUIRE) & GTF_sub_page) {
		frame = __atomic_load_n(&e2->sub_page.frame, __ATOMIC_RELAXED);
		start = __atomic_load_n(&e2->sub_page.page_off, __ATOMIC_RELAXED);
		length = __atomic_load_n(&e2->sub_page.length, __ATOMIC_RELAXED);
		sub = true;
	} else {
		frame = __atomic_load_n(&e2->full_page.frame, __ATOMIC_RELAXED);
	}
	if (frame >= frame_table_size || page_get(frame_entry(frame), frame, rd->domid))
		return GNTST_bad_page;
	put_page(frame);
	if (frame != act->mfn ||
	    (act->sub_page && (!sub || start != act->start || length != act->length)))
		return GNTST_general_error;
	return GNTST_okay;
}

/* Another use of an entry in use: the entry behind, or the writable type. */
static int16_t more_use(struct domain *rd, unsigned int how, struct active_grant *act,
			struct grant_locks *gl)
{
	struct grant_use tu;

	if (act->transitive) {
		struct domain *td = grant_lock_more(gl, act->trans_dom);

		return td ? grant_pin(td, act->trans_ref, rd, (how & USE_WRITE) | USE_COPY, &tu, gl) :
			    GNTST_general_error;
	}
	if ((how & USE_WRITE) && !act->rw && get_page_type(act->mfn, PGT_writable, rd))
		return GNTST_general_error;
	return GNTST_okay;
}

/*
 * One more use of rd's entry ref by ld (how: USE_*). The first use marks
 * the entry in use and takes the frame (first_use); a first writable use
 * marks it writable. Returns a GNTST_ code, and what the use reaches.
 * Inline in a copy, whose `how` is a constant (grant_pin elsewhere).
 */
static inline __attribute__((always_inline)) int16_t
pin(struct domain *rd, grant_ref_t ref, struct domain *ld, unsigned int how,
    struct grant_use *u, struct grant_locks *gl)
{
	struct grant_table *gt = rd->grant;
	bool writable = how & USE_WRITE, first, mark, v2;
	struct active_grant *act;
	grant_status_t *status;
	uint32_t *word;
	uint16_t flags = 0;
	int16_t st;

	ASSERT_GRANT_LOCKED(rd);
	/*
	 * A table never used has its first frame too (Xen: from creation);
	 * a dying domain's is gone for good.
	 */
	if (unlikely(!gt) && (rd->dying || !(gt = grant_table_get(rd))))
		return GNTST_bad_gntref;
	if (ref >= nr_entries(rd))
		return GNTST_bad_gntref;
	ref = array_index_nospec(ref, nr_entries(rd));
	act = active_of(gt, ref);
	first = !act->ro && !act->rw;
	if (!first && (act->mapper != ld->domid || (writable ? act->rw : act->ro) == PIN_MAX ||
		       (act->sub_page && !(how & USE_COPY)) ||
		       (act->transitive && !(how & USE_TRANSITIVE))))
		return GNTST_general_error;
	v2 = gt->version == 2;		/* read once: the atomics below reload memory */
	/* v1: flags, where the in-use bits are, are the header's first half. */
	if (v2) {
		word = (uint32_t *)&entry_v2_of(gt, ref)->hdr;
		status = status_of(gt, ref);
	} else {
		word = (uint32_t *)entry_of(gt, ref);
		status = (grant_status_t *)word;
	}
	mark = first || (writable && !act->rw);
	if (mark) {
		st = v2 ? mark_in_use_v2(word, status, ld->domid, how, first, &flags) :
			  mark_in_use_v1(word, ld->domid, how, first, &flags);
		if (st)
			return st;
	}
	if (first) {
		st = first_use(rd, word, v2, how, flags, act, gl);
	} else {
		st = GNTST_okay;
		if (mark && (how & USE_COPY) && !act->transitive)
			st = copy_recheck(rd, v2 ? (void *)entry_v2_of(gt, ref) : (void *)word, v2,
					  act);
		if (!st)
			st = more_use(rd, how, act, gl);
	}
	if (st) {
		if (mark)
			clear_bits(status, first ? GTF_reading | GTF_writing : GTF_writing);
		return st;
	}
	if (first) {
		act->mapper = ld->domid;
		gt->nr_pinned++;
	}
	if (writable)
		act->rw++;
	else
		act->ro++;
	u->mfn = act->mfn;
	u->act = act;
	u->status = status;
	u->sub_page = act->sub_page;
	u->start = act->start;		/* meaningful for a sub-page use only */
	u->length = act->length;
	return GNTST_okay;
}

int16_t grant_pin(struct domain *rd, grant_ref_t ref, struct domain *ld, unsigned int how,
		  struct grant_use *u, struct grant_locks *gl)
{
	return pin(rd, ref, ld, how, u, gl);
}

/*
 * Counts one use of an entry off, its in-use bits following: bit 0 of
 * the result says the last writable use went, bit 1 the last use.
 */
static inline __attribute__((always_inline)) unsigned int
count_down(struct active_grant *act, grant_status_t *status, bool writable)
{
	unsigned int gone = 0;

	if (writable) {
		BUG_ON(!act->rw);
		if (!--act->rw) {
			clear_bits(status, GTF_writing);
			gone = 1;
		}
	} else {
		BUG_ON(!act->ro);
		act->ro--;
	}
	if (act->ro || act->rw)
		return gone;
	clear_bits(status, GTF_reading);
	return gone | 2;
}

/*
 * One use less of rd's entry whose active entry and in-use bits are at
 * act and status (what pin found: a copy keeps them from its pin to its
 * unpin, rd's lock held all along); the last gives the frame back.
 */
static inline __attribute__((always_inline)) void
unpin_active(struct domain *rd, struct active_grant *act, grant_status_t *status, bool writable)
{
	struct grant_table *gt = rd->grant;
	bool transitive = act->transitive;	/* then the entry behind holds the refs */
	mfn_t mfn = act->mfn;
	unsigned int gone;

	ASSERT_GRANT_LOCKED(rd);
	if (transitive)		/* pinned in this element, a copy: locked by it too */
		unpin(domain_by_id(act->trans_dom), act->trans_ref, writable);
	gone = count_down(act, status, writable);
	if ((gone & 1) && !transitive)
		put_page_type_inline(mfn, rd);
	if (!(gone & 2))
		return;
	gt->nr_pinned--;
	if (gt->destroyed && !gt->nr_pinned)
		grant_table_free(rd);		/* the last mapper of a dead granter is gone */
	if (!transitive)
		put_page_inline(mfn);		/* may free a dead granter's frame */
}

/* One use of rd's entry ref less (unpin_active). */
static inline __attribute__((always_inline)) void
unpin_inline(struct domain *rd, grant_ref_t ref, bool writable)
{
	unpin_active(rd, active_of(rd->grant, ref), status_of(rd->grant, ref), writable);
}

static void __attribute__((noinline)) unpin(struct domain *rd, grant_ref_t ref, bool writable)
{
	unpin_inline(rd, ref, writable);
}

/* ---------------------------------------------------------- maptrack */

static struct maptrack *mt_entry(struct grant_table *gt, uint32_t h)
{
	return &gt->mt[h / MAPTRACK_PER_FRAME][h % MAPTRACK_PER_FRAME];
}

static uint32_t mt_get(struct domain *d)
{
	struct grant_table *gt = grant_table_get(d);
	uint32_t h, i;

	if (!gt)
		return MT_NONE;
	if (gt->mt_free == MT_NONE) {
		mfn_t f;

		if (gt->nr_mt_frames >= d->max_maptrack_frames)
			return MT_NONE;
		f = alloc_frame();
		if (f == INVALID_MFN)
			return MT_NONE;
		gt->mt[gt->nr_mt_frames] = mfn_to_virt(f);
		for (i = MAPTRACK_PER_FRAME; i--;) {
			h = gt->nr_mt_frames * MAPTRACK_PER_FRAME + i;
			mt_entry(gt, h)->next_free = gt->mt_free;
			gt->mt_free = h;
		}
		gt->nr_mt_frames++;
	}
	h = gt->mt_free;
	gt->mt_free = mt_entry(gt, h)->next_free;
	gt->nr_maps++;
	return h;
}

static void mt_put(struct domain *d, uint32_t h)
{
	struct maptrack *m = mt_entry(d->grant, h);

	m->flags = 0;
	m->held = 0;
	m->next_free = d->grant->mt_free;
	d->grant->mt_free = h;
	d->grant->nr_maps--;
}

/*
 * The live maptrack entry of handle h, or NULL (d locked). One whose last
 * use an unmap batch holds is gone already: it has neither kind left.
 */
static struct maptrack *mt_lookup(struct domain *d, grant_handle_t h)
{
	unsigned int n = d->grant ? d->grant->nr_mt_frames * MAPTRACK_PER_FRAME : 0;
	struct maptrack *m;

	ASSERT_GRANT_LOCKED(d);
	if (h >= n)
		return NULL;
	m = mt_entry(d->grant, array_index_nospec(h, n));
	return m->flags & (GNTMAP_host_map | GNTMAP_device_map) ? m : NULL;
}

/*
 * The live maptrack entry of ld's handle h with ld's table and its
 * granter's (*rd, referenced unless ld) locked, or NULL with neither.
 * The granter is known only from the entry, read under ld's lock: one
 * above ld is taken at once, one below only tried; when the try fails
 * both are taken in order and the handle looked up again (another vCPU
 * of ld may have unmapped it, or mapped another grant under it, while
 * ld's lock was let go). The record of a granter whose entry we pin
 * stays (domain_gone waits for its table), so it can be referenced.
 */
static struct maptrack *__attribute__((noinline))
mt_lock_granter(struct domain *ld, grant_handle_t h, struct maptrack *m, struct domain **rd)
{
	struct domain *g;
	domid_t id;

	for (;;) {
		if (!m || m->dom == ld->domid) {
			*rd = ld;
			if (!m)
				spin_unlock(&ld->grant_lock);
			return m;
		}
		id = m->dom;
		g = get_domain_by_id(id);
		BUG_ON(!g);
		*rd = g;
		if (id > ld->domid) {
			spin_lock_nested(&g->grant_lock);
			return m;
		}
		if (spin_trylock_nested(&g->grant_lock))
			return m;
		spin_unlock(&ld->grant_lock);
		grant_lock_retried();
		spin_lock(&g->grant_lock);
		spin_lock_nested(&ld->grant_lock);
		m = mt_lookup(ld, h);
		if (m && m->dom == id)
			return m;
		spin_unlock(&g->grant_lock);
		put_domain(g);		/* ld's lock kept: look again */
		m = mt_lookup(ld, h);
	}
}

/* One lock inline for a handle of ld's own grant; a granter's table out of line. */
static inline struct maptrack *mt_lock(struct domain *ld, grant_handle_t h, struct domain **rd)
{
	struct maptrack *m;

	spin_lock(&ld->grant_lock);
	m = mt_lookup(ld, h);
	if (likely(m && m->dom == ld->domid)) {
		*rd = ld;
		return m;
	}
	return mt_lock_granter(ld, h, m, rd);
}

/* What mt_lock took. */
static void mt_unlock(struct domain *ld, struct domain *rd)
{
	grant_unlock_two(ld, rd);
	grant_put(ld, rd);
}

/* ---------------------------------------------------------- map, unmap */

/* map, ld's and rd's tables locked. */
static int16_t map_locked(struct domain *ld, struct domain *rd, struct gnttab_map_grant_ref *op)
{
	uint32_t flags = op->flags;
	bool writable = !(flags & GNTMAP_readonly);
	bool host = flags & GNTMAP_host_map, dev = flags & GNTMAP_device_map;
	unsigned int how = writable ? USE_WRITE : 0;
	struct grant_use u;
	struct maptrack *m;
	uint32_t h;
	mfn_t mfn;
	int16_t st;

	if (rd->dying)
		return GNTST_bad_domain;
	/*
	 * A granter that never used its table has one frame of empty entries,
	 * as on Xen: a ref there is GNTST_general_error (not granted), not
	 * GNTST_bad_gntref (conform-domu, XTF xsa-316 as a domU).
	 */
	if (!rd->grant)
		grant_table_get(rd);
	if (op->ref >= nr_entries(rd))
		return GNTST_bad_gntref;
	if (host && !gnttab_host_addr_ok(ld, op->host_addr, flags & GNTMAP_contains_pte))
		return GNTST_general_error;
	h = mt_get(ld);
	if (h == MT_NONE)
		return GNTST_no_space;
	st = grant_pin(rd, op->ref, ld, how, &u, NULL);
	if (!st && dev && host) {
		st = grant_pin(rd, op->ref, ld, how, &u, NULL);
		if (st)
			unpin(rd, op->ref, writable);
	}
	mfn = u.mfn;
	if (st) {
		mt_put(ld, h);
		return st;
	}
	if (host && gnttab_create_host_mapping(ld, rd, op->host_addr, mfn, flags)) {
		unpin(rd, op->ref, writable);
		if (dev)
			unpin(rd, op->ref, writable);
		mt_put(ld, h);
		return GNTST_general_error;
	}
	m = mt_entry(ld->grant, h);
	m->ref = op->ref;
	m->dom = rd->domid;
	m->mfn = (uint32_t)mfn;
	m->flags = (uint8_t)(flags & (GNTMAP_device_map | GNTMAP_host_map | GNTMAP_readonly |
				      GNTMAP_application_map | GNTMAP_contains_pte));
	op->handle = h;
	op->dev_bus_addr = mfn << PAGE_SHIFT;
	return GNTST_okay;
}

int16_t grant_map_one(struct domain *ld, void *arg)
{
	struct gnttab_map_grant_ref *op = arg;
	struct domain *rd;
	int16_t st;

	if (!(op->flags & (GNTMAP_host_map | GNTMAP_device_map)))
		return GNTST_bad_gntref;
	/* A map names the granter by number: DOMID_SELF is refused, as by Xen. */
	rd = op->dom == DOMID_SELF ? NULL : grant_get(ld, op->dom);
	if (!rd)
		return GNTST_bad_domain;
	grant_lock_two(ld, rd);		/* its maptrack, the granter's entry */
	st = map_locked(ld, rd, op);
	grant_unlock_two(ld, rd);
	grant_put(ld, rd);
	return st;
}

/*
 * Drops one kind of use (host or device) of mapping h of rd's; frees it
 * after the last, unless an unmap batch still holds a use of it.
 */
static void drop_use(struct domain *ld, uint32_t h, struct domain *rd, uint8_t kind)
{
	struct maptrack *m = mt_entry(ld->grant, h);

	BUG_ON(rd->domid != m->dom || !(m->flags & kind));
	unpin(rd, m->ref, !(m->flags & GNTMAP_readonly));
	m->flags &= ~kind;
	if (!(m->flags & (GNTMAP_host_map | GNTMAP_device_map)) && !m->held)
		mt_put(ld, h);
}

/*
 * The uses `kinds` of mapping h of rd's, their host mapping cleared: let
 * go now if no TLB can hold it (flush false), else held for the batch's
 * flush (grant_unmap_finish), the maptrack entry no longer showing them.
 */
static inline void drop_or_hold(struct domain *ld, uint32_t h, struct domain *rd, uint8_t kinds,
			 bool flush, struct unmap_batch *ub)
{
	struct maptrack *m = mt_entry(ld->grant, h);
	struct unmap_held *u;

	if (likely(!flush)) {
		if (kinds & GNTMAP_host_map)
			drop_use(ld, h, rd, GNTMAP_host_map);
		if (kinds & GNTMAP_device_map)
			drop_use(ld, h, rd, GNTMAP_device_map);
		return;
	}
	ub->flush = true;
	u = &ub->held[ub->n++];
	u->rd = rd;
	if (rd != ld)
		get_domain(rd);		/* the batch's own, put by grant_unmap_finish */
	u->handle = h;
	u->kinds = kinds;
	m->flags &= ~kinds;
	m->held++;
}

void grant_unmap_finish(struct domain *ld, struct unmap_batch *ub)
{
	unsigned int i, k;

	if (ub->flush)
		gnttab_flush_tlb(ld);	/* then no CPU can reach a held use's frame */
	for (i = 0; i < ub->n; i++) {
		struct unmap_held *u = &ub->held[i];
		struct maptrack *m;

		grant_lock_two(ld, u->rd);
		m = mt_entry(ld->grant, u->handle);
		BUG_ON(!m->held || m->dom != u->rd->domid);
		for (k = 0; k < 2; k++)		/* one pin a kind held */
			if (u->kinds & (k ? GNTMAP_device_map : GNTMAP_host_map))
				unpin(u->rd, m->ref, !(m->flags & GNTMAP_readonly));
		if (!--m->held && !(m->flags & (GNTMAP_host_map | GNTMAP_device_map)))
			mt_put(ld, u->handle);
		grant_unlock_two(ld, u->rd);
		grant_put(ld, u->rd);
	}
	ub->n = 0;
	ub->flush = false;
}

static int16_t unmap_locked(struct domain *ld, struct domain *rd, struct maptrack *m,
			    const struct gnttab_unmap_grant_ref *op, struct unmap_batch *ub)
{
	uint8_t kinds = 0;
	bool flush = false;

	/* As Xen 4.17: the bus address is checked only against a device mapping. */
	if (op->dev_bus_addr && (m->flags & GNTMAP_device_map) &&
	    op->dev_bus_addr != (uint64_t)m->mfn << PAGE_SHIFT)
		return GNTST_bad_dev_addr;
	if (op->host_addr && (m->flags & GNTMAP_host_map)) {
		if (gnttab_destroy_host_mapping(ld, op->host_addr, m->mfn, m->flags, &flush))
			return GNTST_general_error;
		kinds = GNTMAP_host_map;
	}
	if (op->dev_bus_addr && (m->flags & GNTMAP_device_map))
		kinds |= GNTMAP_device_map;
	if (kinds)
		drop_or_hold(ld, op->handle, rd, kinds, flush, ub);
	return GNTST_okay;
}

int16_t grant_unmap_one(struct domain *ld, void *arg, struct unmap_batch *ub)
{
	struct gnttab_unmap_grant_ref *op = arg;
	struct domain *rd;
	struct maptrack *m = mt_lock(ld, op->handle, &rd);
	int16_t st;

	if (!m)
		return GNTST_bad_handle;
	st = unmap_locked(ld, rd, m, op, ub);
	mt_unlock(ld, rd);
	return st;
}

int16_t grant_unmap_and_replace_one(struct domain *ld, void *arg, struct unmap_batch *ub)
{
	struct gnttab_unmap_and_replace *op = arg;
	struct domain *rd;
	struct maptrack *m = mt_lock(ld, op->handle, &rd);
	int16_t st = GNTST_general_error;
	bool flush = false;

	if (!m)
		return GNTST_bad_handle;
	if ((m->flags & GNTMAP_host_map) && !(m->flags & GNTMAP_contains_pte)) {
		if (!gnttab_replace_host_mapping(ld, op->host_addr, op->new_addr, m->mfn, m->flags,
						 &flush)) {
			drop_or_hold(ld, op->handle, rd, GNTMAP_host_map, flush, ub);
			st = GNTST_okay;
		} else if (flush) {
			ub->flush = true;	/* the mapping went, though the call failed */
		}
	}
	mt_unlock(ld, rd);
	return st;
}

/* ---------------------------------------------------------- copy */

struct copy_buf {
	struct domain *rd;		/* the granter, or NULL for a frame of ours */
	grant_ref_t ref;
	bool writable;
	struct grant_use use;		/* the frame, and the bytes we may touch */
};

/* The granter a grant ref names is gl's a (source) or b (dest), locked; NULL: none. */
static inline __attribute__((always_inline)) int16_t
claim(struct grant_locks *gl, const struct gnttab_copy_ptr *p, bool gref, bool dest,
      struct copy_buf *b)
{
	struct domain *ld = gl->self, *rd = dest ? gl->b : gl->a;
	struct page_info *pg;
	int16_t st;

	b->writable = dest;
	b->rd = NULL;
	b->ref = p->u.ref;		/* a grant's (for a frame: unused) */
	if (!gref) {
		/* A plain frame: the caller's own (copy_domain_ok) */
		b->use.mfn = p->u.gmfn;
		b->use.act = NULL;		/* no entry */
		b->use.status = NULL;
		b->use.sub_page = false;
		b->use.start = 0;
		b->use.length = PAGE_SIZE;
		if (b->use.mfn >= frame_table_size)
			return GNTST_bad_page;		/* get_page's -EPERM */
		pg = frame_entry(b->use.mfn);		/* looked up once for both references */
		if (page_get(pg, b->use.mfn, ld->domid))
			return GNTST_bad_page;
		if (dest && page_get_type(pg, b->use.mfn, PGT_writable, ld)) {
			put_page(b->use.mfn);
			return GNTST_general_error;
		}
		return GNTST_okay;
	}
	st = pin(rd, p->u.ref, ld, USE_COPY | USE_TRANSITIVE | (dest ? USE_WRITE : 0), &b->use, gl);
	if (!st)
		b->rd = rd;
	return st;
}

static inline __attribute__((always_inline)) void release(struct domain *ld, struct copy_buf *b)
{
	if (b->rd) {
		unpin_active(b->rd, b->use.act, b->use.status, b->writable);
	} else {
		struct page_info *pg;

		BUG_ON(b->use.mfn >= frame_table_size);
		pg = frame_entry(b->use.mfn);
		if (b->writable)
			page_put_type(pg, b->use.mfn, ld);
		page_put(pg, b->use.mfn);
	}
}

/* Do off and len stay inside what the buffer's grant allows (v2 sub-page)? */
static bool in_bounds(const struct copy_buf *b, uint16_t off, uint16_t len)
{
	return !b->use.sub_page ||
	       (off >= b->use.start && off + len <= b->use.start + b->use.length);
}

/*
 * The bytes of a copy: a forward copy of COPY_WIDE_MIN bytes or more by
 * AVX when the vCPU's FPU allows it (asm/copy_wide.h), else as before.
 */
static inline __attribute__((always_inline)) void copy_bytes(uint8_t *d, const uint8_t *s,
							      uint16_t len)
{
	if (len >= COPY_WIDE_MIN && (d <= s || d >= s + len) && copy_wide(d, s, len))
		return;
	/*
	 * Forward even within one page with dst above src, overlapping: 8
	 * bytes then the rest, so bytes copied early are read again further
	 * on. The guest sees that result, and it is Xen 4.17's (its memcpy
	 * is the same two string moves); Lamina copied as memmove until
	 * 7 Dec (attack-copy-fpu).
	 */
	memcpy_inline(d, s, len);
}

/*
 * A side's domain found: a grant's granter alive, a plain frame's domain
 * any that exists (DOMID_SELF the caller). A plain frame named by any
 * other name than DOMID_SELF is refused later (copy_claim).
 */
static inline __attribute__((always_inline)) int16_t
copy_domain_ok(const struct domain *rd, const struct gnttab_copy_ptr *p, bool gref)
{
	if (!gref)
		return p->domid == DOMID_SELF || domain_by_id(p->domid) ? GNTST_okay :
		       GNTST_bad_domain;
	return !rd || rd->dying ? GNTST_bad_domain : GNTST_okay;
}

/*
 * One side claimed; a plain frame named by anything but DOMID_SELF (the
 * caller's own id included) permission_denied, in the side's turn: after
 * both sides' domains were found and the source was claimed, as Xen
 * 4.17's Debian build answers (conform-diff-domu: no such domain
 * bad_domain, another that exists permission_denied; conform-fuzz-diff
 * from dom0: a frame named by dom0's own id with a bad grant on the
 * other side gets that grant's status, or bad_domain for a granter that
 * does not exist, and permission_denied only when the rest is good).
 * Its source reads the refusal first (gnttab_copy_lock_domain), which
 * is not what that build answers; Lamina refused first until 7 Dec.
 */
static inline __attribute__((always_inline)) int16_t
copy_claim(struct grant_locks *gl, const struct gnttab_copy_ptr *p, bool gref, bool dest,
	   struct copy_buf *b)
{
	if (!gref && p->domid != DOMID_SELF)
		return GNTST_permission_denied;
	return claim(gl, p, gref, dest, b);
}

/*
 * One copy, the granters' tables locked (gl), in Xen 4.17's order of
 * checks: both sides' domains, the source's buffer, the destination's,
 * then the page bounds (conform-diff: a copy with a bad domain and bad
 * bounds was -10, bad_copy_arg, where Xen answers bad_domain).
 */
static inline __attribute__((always_inline)) int16_t
copy_locked(struct gnttab_copy *op, struct grant_locks *gl)
{
	struct domain *ld = gl->self;
	struct copy_buf src, dst;
	int16_t st;

	st = copy_domain_ok(gl->a, &op->source, op->flags & GNTCOPY_source_gref);
	if (!st)
		st = copy_domain_ok(gl->b, &op->dest, op->flags & GNTCOPY_dest_gref);
	if (st)
		return st;
	st = copy_claim(gl, &op->source, op->flags & GNTCOPY_source_gref, false, &src);
	if (st)
		return st;
	st = copy_claim(gl, &op->dest, op->flags & GNTCOPY_dest_gref, true, &dst);
	if (!st) {
		if (op->source.offset + op->len > PAGE_SIZE || op->dest.offset + op->len > PAGE_SIZE)
			st = GNTST_bad_copy_arg;
		else if ((src.use.sub_page | dst.use.sub_page) &&
		    (!in_bounds(&src, op->source.offset, op->len) ||
		     !in_bounds(&dst, op->dest.offset, op->len)))
			st = GNTST_general_error;
		else
			copy_bytes((uint8_t *)mfn_to_virt(dst.use.mfn) + op->dest.offset,
				   (uint8_t *)mfn_to_virt(src.use.mfn) + op->source.offset,
				   op->len);
		release(ld, &dst);
	}
	release(ld, &src);
	return st;
}

/*
 * A run again: the granters' tables and those a run before could only
 * try (gl->first), all taken lower domid first.
 */
static void copy_lock_all(struct grant_locks *gl)
{
	struct domain *l[4];
	unsigned int n = 0, i, j;

	for (i = 0; i < 2 + gl->nr_first; i++) {
		struct domain *d = i == 0 ? gl->a : i == 1 ? gl->b : gl->first[i - 2];

		if (!d || (i == 1 && d == gl->a))
			continue;
		for (j = n; j && l[j - 1]->domid > d->domid; j--)
			l[j] = l[j - 1];
		l[j] = d;
		n++;
	}
	for (i = 0; i < n; i++) {
		if (i)
			spin_lock_nested(&l[i]->grant_lock);
		else
			spin_lock(&l[i]->grant_lock);
	}
	for (i = 0; i < gl->nr_first; i++) {
		gl->more[i] = gl->first[i];
		if (gl->more[i] != gl->self)
			get_domain(gl->more[i]);	/* more[]'s own, put by copy_unlock */
	}
	gl->n = gl->nr_first;
}

static void copy_unlock(struct grant_locks *gl)
{
	grant_unlock_two(gl->a, gl->b);
	while (gl->n) {
		struct domain *d = gl->more[--gl->n];

		spin_unlock(&d->grant_lock);
		grant_put(gl->self, d);
	}
}

#define COPY_RUNS	4	/* each run can learn of one more table to take first */

/*
 * A copy that went through a transitive entry (gl->n) or must run again
 * (gl->again): everything let go, and the runs again. Returns the last
 * run's status.
 */
static int16_t __attribute__((noinline)) copy_again(struct gnttab_copy *op,
						    struct grant_locks *gl, int16_t st)
{
	unsigned int runs = 1;

	copy_unlock(gl);
	while (gl->again && runs++ < COPY_RUNS) {
		gl->again = false;
		copy_lock_all(gl);
		st = copy_locked(op, gl);
		copy_unlock(gl);
	}
	while (gl->nr_first)
		grant_put(gl->self, gl->first[--gl->nr_first]);
	return st;
}

/*
 * One copy of a batch (struct copy_batch, grant_internal.h): the granters
 * the op names, referenced and locked, are kept from the element before
 * when it named the same ones; else what was kept goes and these are
 * looked up and taken. Every element counts towards COPY_HOLD, one
 * refused before any lock too, and the COPY_HOLD-th lets the locks go as
 * it ends, so they are free while the batch reads the next element and
 * writes this one's status, as they were after every element before:
 * a test-and-set lock let go and taken again at once is no turn for a
 * CPU spinning on it. Everything else (the pins, checks, bounds) is per
 * element as before.
 */
static inline __attribute__((always_inline)) void copy_batch_count(struct copy_batch *cb)
{
	if (cb->held && cb->held++ >= COPY_HOLD) {
		grant_unlock_two(cb->a, cb->b);		/* others' turn */
		cb->held = 0;
	}
}

int16_t grant_copy_batch_one(struct domain *ld, void *arg, struct copy_batch *cb)
{
	struct gnttab_copy *op = arg;
	uint32_t ida = op->flags & GNTCOPY_source_gref ? op->source.domid : COPY_NO_GRANTER;
	uint32_t idb = op->flags & GNTCOPY_dest_gref ? op->dest.domid : COPY_NO_GRANTER;
	struct grant_locks gl;
	int16_t st;

	if (unlikely(ida != cb->ida || idb != cb->idb || !cb->held)) {
		if (ida != cb->ida || idb != cb->idb) {
			if (cb->a || cb->b)
				grant_copy_batch_end(ld, cb);
			cb->ida = ida;
			cb->idb = idb;
			cb->a = ida == COPY_NO_GRANTER ? NULL : grant_get(ld, (domid_t)ida);
			cb->b = idb == COPY_NO_GRANTER ? NULL : grant_get(ld, (domid_t)idb);
			/* none found: looked up again next element, as each element did */
			if ((ida != COPY_NO_GRANTER && !cb->a) || (idb != COPY_NO_GRANTER && !cb->b))
				cb->ida = cb->idb = COPY_LOOK_AGAIN;
		}
		grant_lock_two(cb->a, cb->b);
		cb->held = 1;
	}
	gl.self = ld;
	gl.a = cb->a;
	gl.b = cb->b;
	gl.n = gl.nr_first = 0;
	gl.again = false;
	st = copy_locked(op, &gl);
	if (unlikely(gl.n || gl.again)) {
		st = copy_again(op, &gl, st);	/* lets every lock go */
		cb->held = 0;
	} else {
		copy_batch_count(cb);
	}
	return st;
}

/* ---------------------------------------------------------- teardown */

bool grant_release_mappings(struct domain *d, uint64_t *cursor, uint64_t until)
{
	struct grant_table *gt = d->grant;
	uint32_t h, end = gt ? gt->nr_mt_frames * MAPTRACK_PER_FRAME : 0;

	/*
	 * d is dying. A transfer to d that saw it alive still holds d's table
	 * lock, and gives d the frame before letting go: once we have had the
	 * lock, every such frame is d's, and the frame walk ahead finds it.
	 */
	if (!*cursor) {
		spin_lock(&d->grant_lock);
		spin_unlock(&d->grant_lock);
	}
	for (h = *cursor; h < end; h++) {
		struct domain *rd;
		struct maptrack *m;

		if (h != *cursor && hypercall_preempt_now(this_cpu()->current, until)) {
			*cursor = h;
			return false;
		}
		/* The PTEs go with d's page tables; the pins go now. */
		m = mt_lock(d, h, &rd);
		if (!m)
			continue;
		if (m->flags & GNTMAP_host_map)
			drop_use(d, h, rd, GNTMAP_host_map);
		if (m->flags & GNTMAP_device_map)
			drop_use(d, h, rd, GNTMAP_device_map);
		mt_unlock(d, rd);
	}
	*cursor = 0;
	return true;
}

void grant_for_each_pin(const struct domain *d, void (*fn)(mfn_t mfn, bool writable, void *arg),
			void *arg)
{
	spinlock_t *lock = (spinlock_t *)&d->grant_lock;
	const struct grant_table *gt;
	unsigned int f, i;

	spin_lock(lock);
	gt = d->grant;
	for (f = 0; gt && f < gt->nr_frames; f++) {
		for (i = 0; i < ACTIVE_PER_FRAME; i++) {
			const struct active_grant *act = &gt->active[f][i];

			/* A transitive entry's references are the entry's behind it. */
			if ((act->ro || act->rw) && !act->transitive)
				fn(act->mfn, act->rw, arg);
		}
	}
	spin_unlock(lock);
}

