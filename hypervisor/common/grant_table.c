// SPDX-License-Identifier: GPL-2.0-only
/*
 * Grant tables, versions 1 and 2 (pv-abi-devices.md §1): how one domain
 * lets another map or copy one of its pages, and takes the permission back.
 *
 * A domain's table lives in frames we allocate and the domain maps
 * writable; entry r says "domain `domid` may use my frame `frame`". The
 * granter writes entries, we only ever set and clear GTF_reading and
 * GTF_writing in them, with atomic operations, because the granter may be
 * ending access at the same moment. Whoever wins that race decides: if we
 * set GTF_reading first, the granter sees the entry in use and keeps the
 * page; if the granter cleared the entry first, our pin fails.
 *
 * Behind each entry is an active entry, ours alone: the frame pinned, the
 * mapper, and the number of read-only and writable uses. The first use
 * takes a reference on the granter's frame (and a writable-type reference
 * for writable use), so the frame outlives the granter's change of mind
 * and even the granter itself; the last use drops them.
 *
 * Each mapping a domain holds is a maptrack entry of the mapper, found by
 * the handle we return: granter, ref, the frame and how it was mapped,
 * since unmap does not repeat the flags. A host mapping is a PTE in the
 * mapper's own page tables (arch/x86/grant_pte.c writes it, with the
 * usual references a PTE holds); a device mapping is just a pin.
 *
 * Copies pin, copy and unpin inside the call: nothing remains set after.
 *
 * Version 2 (set_version) changes where things are, not how they work:
 * entries are 16 bytes with a 64-bit frame, and the in-use bits move out
 * of the entry into a status word per entry, in status frames the domain
 * maps too. The granter then never shares a word with us, so marking an
 * entry in use is: set the status bits, then look at the entry again
 * (a granter ending access meanwhile sees our bits or we see its change).
 * v2 adds two kinds of grant, both for copy only: a sub-page grant (a
 * byte range of the frame) and a transitive one, which passes on an
 * entry another domain granted to the granter. Each use of a transitive
 * entry is also a use of the entry behind it, by the granter, and that
 * inner use holds the frame. Entries 0-7 (the toolstack's) survive a
 * change of version, and only they may be in use during one.
 *
 * When a domain dies its mappings of others' pages are undone; its own
 * table stays until no entry of it is pinned, and the frames others still
 * map stay allocated until they are unmapped (page_type.c frees a dead
 * domain's frame on its last reference).
 *
 * One CPU for now: nothing else runs during a hypercall. SMP needs a lock
 * per table, taken in domid order when two are involved.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/hypervisor.h>
#include <hv/guest_access.h>
#include <hv/grant_table.h>
#include <hv/mm.h>
#include <hv/page_alloc.h>
#include <hv/time.h>
#include <lamina/grant_table.h>
#include <asm/page.h>
#include <asm/pv.h>

#define MAPTRACK_PER_FRAME	(PAGE_SIZE / sizeof(struct maptrack))
#define MT_NONE			(~0U)
#define PIN_MAX			0xFFFFU
#define PIN_TRIES		5	/* cmpxchg attempts against a busy granter */
#define BATCH_MAX		(1U << 20)
#define DUMP_MAX		16	/* dump_table: entries in use shown */

struct active_grant {
	mfn_t mfn;			/* the frame pinned */
	uint16_t ro, rw;		/* uses: read-only, writable */
	domid_t mapper;			/* whose uses they are */
	uint16_t start, length;		/* the bytes granted (all but for v2 sub-page) */
	domid_t trans_dom;		/* transitive: the table behind this entry */
	grant_ref_t trans_ref;		/* transitive: the entry there */
	bool sub_page;			/* copy only: a sub-page or transitive grant */
	bool transitive;
	uint8_t pad[2];
};
/* One per v1 entry of a frame: enough for the v2 entries too (half as many). */
#define ACTIVE_PER_FRAME	GREFS_PER_FRAME
#define ACTIVE_PAGES		(ACTIVE_PER_FRAME * sizeof(struct active_grant) / PAGE_SIZE)

struct maptrack {
	grant_ref_t ref;
	domid_t dom;			/* the granter */
	uint8_t flags;			/* GNTMAP_* still in force; 0 = free */
	uint8_t pad;
	uint32_t mfn;
	uint32_t next_free;
};

#define STATUS_FRAMES_LIMIT \
	DIV_ROUND_UP(GNTTAB_FRAMES_LIMIT * GREFS_PER_FRAME_V2, GRANT_STATUS_PER_FRAME)

struct grant_table {
	unsigned int version;		/* 1 or 2 */
	unsigned int nr_frames;
	unsigned int nr_status;		/* status frames (kept but unused in v1) */
	uint32_t status_idle_count;	/* a status frame's count when unmapped */
	unsigned int nr_mt_frames;
	uint32_t mt_free;		/* first free maptrack entry */
	uint32_t nr_pinned;		/* entries of this table in use */
	uint32_t nr_maps;		/* maptrack entries in use */
	bool destroyed;			/* owner dead: free with the last pin */
	mfn_t frames[GNTTAB_FRAMES_LIMIT];
	mfn_t status[STATUS_FRAMES_LIMIT];
	struct active_grant *active[GNTTAB_FRAMES_LIMIT];
	struct maptrack *mt[MAPTRACK_FRAMES_LIMIT];
};
#define GT_PAGES	DIV_ROUND_UP(sizeof(struct grant_table), PAGE_SIZE)

static struct grant_table *gt_alloc(struct domain *d)
{
	mfn_t mfn;

	if (d->grant)
		return d->grant;
	mfn = alloc_frames_contig(GT_PAGES);
	if (mfn == INVALID_MFN)
		return NULL;
	d->grant = mfn_to_virt(mfn);
	d->grant->mt_free = MT_NONE;
	d->grant->version = 1;
	return d->grant;
}

/* Grows d's table to n frames; existing entries stay. */
static int gt_grow(struct domain *d, unsigned int n)
{
	struct grant_table *gt = gt_alloc(d);

	if (!gt)
		return -ENOMEM;
	while (gt->nr_frames < n) {
		mfn_t f = alloc_frame(), a = alloc_frames_contig(ACTIVE_PAGES);

		if (f == INVALID_MFN || a == INVALID_MFN) {
			if (f != INVALID_MFN)
				free_frame(f);
			if (a != INVALID_MFN)
				free_frames(a, ACTIVE_PAGES);
			return -ENOMEM;
		}
		frame_share_with(f, d);
		gt->frames[gt->nr_frames] = f;
		gt->active[gt->nr_frames] = mfn_to_virt(a);
		gt->nr_frames++;
	}
	return 0;
}

static void gt_free(struct domain *d)
{
	struct grant_table *gt = d->grant;
	unsigned int i;

	for (i = 0; i < gt->nr_frames; i++) {
		put_alloc_ref(gt->frames[i]);
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

/* Grows d's table to n frames, and its status frames with them in v2. */
static int table_grow(struct domain *d, unsigned int n)
{
	if (gt_grow(d, n))
		return -ENOMEM;
	return d->grant->version == 2 ? status_grow(d) : 0;
}

static unsigned int nr_entries(const struct domain *d)
{
	if (!d->grant)
		return 0;
	return d->grant->nr_frames *
	       (d->grant->version == 2 ? GREFS_PER_FRAME_V2 : GREFS_PER_FRAME);
}

static struct grant_entry_v1 *entry_of(struct grant_table *gt, grant_ref_t ref)
{
	return (struct grant_entry_v1 *)frame_va(gt->frames[ref / GREFS_PER_FRAME]) +
	       ref % GREFS_PER_FRAME;
}

static union grant_entry_v2 *entry_v2_of(struct grant_table *gt, grant_ref_t ref)
{
	return (union grant_entry_v2 *)frame_va(gt->frames[ref / GREFS_PER_FRAME_V2]) +
	       ref % GREFS_PER_FRAME_V2;
}

/* flags and domid, where both versions keep them: the entry's first word. */
static uint32_t *header_of(struct grant_table *gt, grant_ref_t ref)
{
	if (gt->version == 2)
		return (uint32_t *)&entry_v2_of(gt, ref)->hdr;
	return (uint32_t *)entry_of(gt, ref);
}

/* Where GTF_reading/GTF_writing live: the v1 entry's flags, or a v2 status word. */
static grant_status_t *status_of(struct grant_table *gt, grant_ref_t ref)
{
	if (gt->version == 2)
		return (grant_status_t *)frame_va(gt->status[ref / GRANT_STATUS_PER_FRAME]) +
		       ref % GRANT_STATUS_PER_FRAME;
	return &entry_of(gt, ref)->flags;
}

static struct active_grant *active_of(struct grant_table *gt, grant_ref_t ref)
{
	return &gt->active[ref / ACTIVE_PER_FRAME][ref % ACTIVE_PER_FRAME];
}

/* DOMID_SELF or a live domain; NULL for none or a dying one. */
static struct domain *grant_domain(struct domain *self, domid_t id)
{
	struct domain *d = id == DOMID_SELF ? self : domain_by_id(id);

	return d && !d->dying ? d : NULL;
}

/* How an entry is used: what pin() checks and what it takes. */
#define USE_WRITE	0x1	/* writable */
#define USE_COPY	0x2	/* a copy: sub-page and transitive entries serve */
#define USE_TRANSITIVE	0x4	/* may go through a transitive entry (not from one) */

/* What one use reaches: a frame and the bytes of it granted. */
struct grant_use {
	mfn_t mfn;
	uint16_t start, length;
};

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
 * v1: marks entry ref in use by ld after checking it grants that: one
 * 32-bit cmpxchg over flags and domid, so a granter rewriting the entry
 * meanwhile makes us look again, not act on what it was. v1 has no
 * transitive entries (grants_to lets only v2 callers see one).
 */
static int16_t mark_in_use_v1(struct grant_table *gt, grant_ref_t ref, domid_t ld,
			      unsigned int how, uint16_t *flags)
{
	uint32_t *word = header_of(gt, ref);
	unsigned int tries;

	for (tries = 0; tries < PIN_TRIES; tries++) {
		uint32_t old = __atomic_load_n(word, __ATOMIC_ACQUIRE);
		uint32_t new;

		if (!grants_to(old, ld, how) || (old & GTF_type_mask) != GTF_permit_access)
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

static void clear_status(struct grant_table *gt, grant_ref_t ref, uint16_t flag)
{
	__atomic_fetch_and(status_of(gt, ref), (uint16_t)~flag, __ATOMIC_RELEASE);
}

/*
 * v2: sets the in-use bits in the status word, then reads the entry
 * again; if the granter changed it meanwhile the bits come off and the
 * use fails. For an entry already in use (first false) only a new
 * writable use gets here, and only GTF_readonly is looked at, as Xen does.
 */
static int16_t mark_in_use_v2(struct grant_table *gt, grant_ref_t ref, domid_t ld,
			      unsigned int how, bool first, uint16_t *flags)
{
	uint32_t *word = header_of(gt, ref);
	uint16_t bits = GTF_reading | ((how & USE_WRITE) ? GTF_writing : 0);
	uint32_t hdr = __atomic_load_n(word, __ATOMIC_ACQUIRE);

	if (first ? !grants_to(hdr, ld, how) : (hdr & GTF_readonly) != 0)
		return GNTST_general_error;
	__atomic_fetch_or(status_of(gt, ref), bits, __ATOMIC_SEQ_CST);
	hdr = __atomic_load_n(word, __ATOMIC_SEQ_CST);
	if (first ? !grants_to(hdr, ld, how) : (hdr & GTF_readonly) != 0) {
		clear_status(gt, ref, first ? bits : GTF_writing);
		return GNTST_general_error;
	}
	*flags = (uint16_t)hdr;
	return GNTST_okay;
}

static int16_t pin(struct domain *rd, grant_ref_t ref, struct domain *ld, unsigned int how,
		   struct grant_use *u);
static void unpin(struct domain *rd, grant_ref_t ref, bool writable);

/*
 * The first use of a transitive entry: a use of the entry behind it, by
 * rd, which must grant rd the same access (only one level deep, never rd's
 * own table). Failures are Xen's: GNTST_general_error for a bad entry or
 * domain, else whatever the entry behind gives.
 */
static int16_t first_use_transitive(struct domain *rd, grant_ref_t ref, unsigned int how,
				    struct active_grant *act)
{
	union grant_entry_v2 *e = entry_v2_of(rd->grant, ref);
	domid_t tid = __atomic_load_n(&e->transitive.trans_domid, __ATOMIC_RELAXED);
	grant_ref_t tref = __atomic_load_n(&e->transitive.gref, __ATOMIC_RELAXED);
	struct domain *td;
	struct grant_use tu;
	int16_t st;

	if (!(how & USE_TRANSITIVE) || tid == rd->domid)
		return GNTST_general_error;
	td = domain_by_id(tid);
	if (!td || td->dying)
		return GNTST_general_error;
	st = pin(td, tref, rd, (how & USE_WRITE) | USE_COPY, &tu);
	if (st)
		return st;
	act->mfn = tu.mfn;
	act->start = tu.start;
	act->length = tu.length;
	act->trans_dom = tid;
	act->trans_ref = tref;
	act->transitive = true;
	act->sub_page = true;	/* never mapped */
	return GNTST_okay;
}

/*
 * The first use of an entry (marked in use, its checked flags given):
 * reads the frame and takes a reference on it, and a writable-type
 * reference for writable use. A frame that is not the granter's is
 * GNTST_bad_page, one that cannot be written GNTST_general_error, as Xen.
 */
static int16_t first_use(struct domain *rd, grant_ref_t ref, unsigned int how, uint16_t flags,
			 struct active_grant *act)
{
	struct grant_table *gt = rd->grant;
	uint16_t start = 0, length = PAGE_SIZE;
	uint64_t frame;

	if (gt->version == 1) {
		frame = __atomic_load_n(&entry_of(gt, ref)->frame, __ATOMIC_ACQUIRE);
	} else {
		union grant_entry_v2 *e = entry_v2_of(gt, ref);

		if ((flags & GTF_type_mask) == GTF_transitive)
			return first_use_transitive(rd, ref, how, act);
		frame = __atomic_load_n(&e->full_page.frame, __ATOMIC_ACQUIRE);
		if (flags & GTF_sub_page) {
			start = __atomic_load_n(&e->sub_page.page_off, __ATOMIC_RELAXED);
			length = __atomic_load_n(&e->sub_page.length, __ATOMIC_RELAXED);
		}
	}
	if (get_page(frame, rd))
		return GNTST_bad_page;
	if ((how & USE_WRITE) && get_page_type(frame, PGT_writable, rd)) {
		put_page(frame);
		return GNTST_general_error;
	}
	act->mfn = frame;
	act->start = start;
	act->length = length;
	act->sub_page = gt->version == 2 && (flags & GTF_sub_page);
	act->transitive = false;
	return GNTST_okay;
}

/* Another use of an entry in use: the entry behind, or the writable type. */
static int16_t more_use(struct domain *rd, unsigned int how, struct active_grant *act)
{
	struct grant_use tu;

	if (act->transitive) {
		struct domain *td = domain_by_id(act->trans_dom);

		return td ? pin(td, act->trans_ref, rd, (how & USE_WRITE) | USE_COPY, &tu) :
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
 */
static int16_t pin(struct domain *rd, grant_ref_t ref, struct domain *ld, unsigned int how,
		   struct grant_use *u)
{
	struct grant_table *gt = rd->grant;
	bool writable = how & USE_WRITE, first, mark;
	struct active_grant *act;
	uint16_t flags = 0;
	int16_t st;

	if (ref >= nr_entries(rd))
		return GNTST_bad_gntref;
	act = active_of(gt, ref);
	first = !act->ro && !act->rw;
	if (!first && (act->mapper != ld->domid || (writable ? act->rw : act->ro) == PIN_MAX ||
		       (act->sub_page && !(how & USE_COPY)) ||
		       (act->transitive && !(how & USE_TRANSITIVE))))
		return GNTST_general_error;
	mark = first || (writable && !act->rw);
	if (mark) {
		st = gt->version == 2 ? mark_in_use_v2(gt, ref, ld->domid, how, first, &flags) :
					mark_in_use_v1(gt, ref, ld->domid, how, &flags);
		if (st)
			return st;
	}
	st = first ? first_use(rd, ref, how, flags, act) : more_use(rd, how, act);
	if (st) {
		if (mark)
			clear_status(gt, ref, first ? GTF_reading | GTF_writing : GTF_writing);
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
	u->start = act->start;
	u->length = act->length;
	return GNTST_okay;
}

static void unpin(struct domain *rd, grant_ref_t ref, bool writable)
{
	struct grant_table *gt = rd->grant;
	struct active_grant *act = active_of(gt, ref);
	bool own_refs = !act->transitive;	/* else the entry behind holds them */
	mfn_t mfn = act->mfn;

	if (act->transitive)
		unpin(domain_by_id(act->trans_dom), act->trans_ref, writable);
	if (writable) {
		BUG_ON(!act->rw);
		if (!--act->rw) {
			clear_status(gt, ref, GTF_writing);
			if (own_refs)
				put_page_type(mfn, rd);
		}
	} else {
		BUG_ON(!act->ro);
		act->ro--;
	}
	if (act->ro || act->rw)
		return;
	clear_status(gt, ref, GTF_reading);
	act->transitive = act->sub_page = false;
	gt->nr_pinned--;
	if (gt->destroyed && !gt->nr_pinned)
		gt_free(rd);		/* the last mapper of a dead granter is gone */
	if (own_refs)
		put_page(mfn);		/* may free a dead granter's frame */
}

/* ---------------------------------------------------------- maptrack */

static struct maptrack *mt_entry(struct grant_table *gt, uint32_t h)
{
	return &gt->mt[h / MAPTRACK_PER_FRAME][h % MAPTRACK_PER_FRAME];
}

static uint32_t mt_get(struct domain *d)
{
	struct grant_table *gt = gt_alloc(d);
	uint32_t h, i;

	if (!gt)
		return MT_NONE;
	if (gt->mt_free == MT_NONE) {
		mfn_t f;

		if (gt->nr_mt_frames >= hv_opts.gnttab_max_maptrack)
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
	m->next_free = d->grant->mt_free;
	d->grant->mt_free = h;
	d->grant->nr_maps--;
}

/* The live maptrack entry of handle h, or NULL. */
static struct maptrack *mt_lookup(struct domain *d, grant_handle_t h)
{
	struct maptrack *m;

	if (!d->grant || h >= d->grant->nr_mt_frames * MAPTRACK_PER_FRAME)
		return NULL;
	m = mt_entry(d->grant, h);
	return m->flags ? m : NULL;
}

/* ---------------------------------------------------------- map, unmap */

static int16_t map_one(struct domain *ld, void *arg)
{
	struct gnttab_map_grant_ref *op = arg;
	uint32_t flags = op->flags;
	bool writable = !(flags & GNTMAP_readonly);
	bool host = flags & GNTMAP_host_map, dev = flags & GNTMAP_device_map;
	unsigned int how = writable ? USE_WRITE : 0;
	struct grant_use u;
	struct domain *rd;
	struct maptrack *m;
	uint32_t h;
	mfn_t mfn;
	int16_t st;

	if (!host && !dev)
		return GNTST_bad_gntref;
	/* A map names the granter by number: DOMID_SELF is refused, as by Xen. */
	rd = op->dom == DOMID_SELF ? NULL : grant_domain(ld, op->dom);
	if (!rd)
		return GNTST_bad_domain;
	if (op->ref >= nr_entries(rd))
		return GNTST_bad_gntref;
	if (host && !gnttab_host_addr_ok(ld, op->host_addr, flags & GNTMAP_contains_pte))
		return GNTST_general_error;
	h = mt_get(ld);
	if (h == MT_NONE)
		return GNTST_no_space;
	st = pin(rd, op->ref, ld, how, &u);
	if (!st && dev && host) {
		st = pin(rd, op->ref, ld, how, &u);
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

/* Drops one kind of use (host or device) of mapping h; frees it after the last. */
static void drop_use(struct domain *ld, uint32_t h, uint8_t kind)
{
	struct maptrack *m = mt_entry(ld->grant, h);
	struct domain *rd = domain_by_id(m->dom);

	BUG_ON(!rd || !(m->flags & kind));
	unpin(rd, m->ref, !(m->flags & GNTMAP_readonly));
	m->flags &= ~kind;
	if (!(m->flags & (GNTMAP_host_map | GNTMAP_device_map)))
		mt_put(ld, h);
}

static int16_t unmap_one(struct domain *ld, void *arg)
{
	struct gnttab_unmap_grant_ref *op = arg;
	struct maptrack *m = mt_lookup(ld, op->handle);

	if (!m)
		return GNTST_bad_handle;
	if (op->dev_bus_addr && op->dev_bus_addr != (uint64_t)m->mfn << PAGE_SHIFT)
		return GNTST_bad_dev_addr;
	if (op->host_addr && (m->flags & GNTMAP_host_map)) {
		if (gnttab_destroy_host_mapping(ld, op->host_addr, m->mfn,
						m->flags & GNTMAP_contains_pte))
			return GNTST_general_error;
		drop_use(ld, op->handle, GNTMAP_host_map);
	}
	if (op->dev_bus_addr && (m->flags & GNTMAP_device_map))
		drop_use(ld, op->handle, GNTMAP_device_map);
	return GNTST_okay;
}

static int16_t unmap_and_replace_one(struct domain *ld, void *arg)
{
	struct gnttab_unmap_and_replace *op = arg;
	struct maptrack *m = mt_lookup(ld, op->handle);

	if (!m)
		return GNTST_bad_handle;
	if (!(m->flags & GNTMAP_host_map) || (m->flags & GNTMAP_contains_pte))
		return GNTST_general_error;
	if (gnttab_replace_host_mapping(ld, op->host_addr, op->new_addr, m->mfn))
		return GNTST_general_error;
	drop_use(ld, op->handle, GNTMAP_host_map);
	return GNTST_okay;
}

/* ---------------------------------------------------------- copy */

struct copy_buf {
	struct domain *rd;		/* the granter, or NULL for a frame of ours */
	grant_ref_t ref;
	bool writable;
	struct grant_use use;		/* the frame, and the bytes we may touch */
};

static int16_t claim(struct domain *ld, const struct gnttab_copy_ptr *p, bool gref, bool dest,
		     struct copy_buf *b)
{
	int16_t st;

	b->writable = dest;
	b->rd = NULL;
	if (!gref) {
		/* A plain frame: only the caller's own. */
		if (p->domid != DOMID_SELF && p->domid != ld->domid)
			return GNTST_permission_denied;
		b->use = (struct grant_use){ p->u.gmfn, 0, PAGE_SIZE };
		if (get_page(b->use.mfn, ld))
			return GNTST_bad_page;
		if (dest && get_page_type(b->use.mfn, PGT_writable, ld)) {
			put_page(b->use.mfn);
			return GNTST_general_error;
		}
		return GNTST_okay;
	}
	b->rd = grant_domain(ld, p->domid);
	if (!b->rd)
		return GNTST_bad_domain;
	b->ref = p->u.ref;
	st = pin(b->rd, b->ref, ld, USE_COPY | USE_TRANSITIVE | (dest ? USE_WRITE : 0), &b->use);
	if (st)
		b->rd = NULL;
	return st;
}

static void release(struct domain *ld, struct copy_buf *b)
{
	if (b->rd) {
		unpin(b->rd, b->ref, b->writable);
	} else {
		if (b->writable)
			put_page_type(b->use.mfn, ld);
		put_page(b->use.mfn);
	}
}

/* Do off and len stay inside what the buffer's grant allows (v2 sub-page)? */
static bool in_bounds(const struct copy_buf *b, uint16_t off, uint16_t len)
{
	return off >= b->use.start && off + len <= b->use.start + b->use.length;
}

static int16_t copy_one(struct domain *ld, void *arg)
{
	struct gnttab_copy *op = arg;
	struct copy_buf src, dst;
	int16_t st;

	if (op->source.offset + op->len > PAGE_SIZE || op->dest.offset + op->len > PAGE_SIZE)
		return GNTST_bad_copy_arg;
	st = claim(ld, &op->source, op->flags & GNTCOPY_source_gref, false, &src);
	if (st)
		return st;
	st = claim(ld, &op->dest, op->flags & GNTCOPY_dest_gref, true, &dst);
	if (!st) {
		if (!in_bounds(&src, op->source.offset, op->len) ||
		    !in_bounds(&dst, op->dest.offset, op->len))
			st = GNTST_general_error;
		else
			memmove((uint8_t *)frame_va(dst.use.mfn) + op->dest.offset,
				(uint8_t *)frame_va(src.use.mfn) + op->source.offset, op->len);
		release(ld, &dst);
	}
	release(ld, &src);
	return st;
}

/* ---------------------------------------------------------- the table */

static int16_t setup_table(struct domain *ld, void *arg)
{
	struct gnttab_setup_table *op = arg;
	struct domain *d = grant_domain(ld, op->dom);
	unsigned int i;

	if (!d)
		return GNTST_bad_domain;
	if (d != ld && !ld->is_privileged)
		return GNTST_permission_denied;
	if (op->nr_frames > hv_opts.gnttab_max_frames)
		return GNTST_general_error;
	if (table_grow(d, op->nr_frames))
		return GNTST_general_error;
	for (i = 0; i < op->nr_frames; i++) {
		xen_pfn_t f = d->grant->frames[i];

		if (copy_to_guest(op->frame_list + i * sizeof(f), &f, sizeof(f)))
			return GNTST_bad_virt_addr;
	}
	return GNTST_okay;
}

static int16_t query_size(struct domain *ld, void *arg)
{
	struct gnttab_query_size *op = arg;
	struct domain *d = grant_domain(ld, op->dom);

	if (!d)
		return GNTST_bad_domain;
	if (d != ld && !ld->is_privileged)
		return GNTST_permission_denied;
	op->nr_frames = d->grant ? d->grant->nr_frames : 0;
	op->max_nr_frames = hv_opts.gnttab_max_frames;
	return GNTST_okay;
}

static int16_t swap_refs(struct domain *ld, void *arg)
{
	struct gnttab_swap_grant_ref *op = arg;
	struct grant_table *gt = ld->grant;
	struct grant_entry_v1 *a, *b, t;
	union grant_entry_v2 *a2, *b2, t2;
	grant_status_t *sa, *sb, ts;

	if (op->ref_a >= nr_entries(ld) || op->ref_b >= nr_entries(ld))
		return GNTST_bad_gntref;
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

static int16_t dump_table(struct domain *ld, void *arg)
{
	struct gnttab_dump_table *op = arg;
	struct domain *d = grant_domain(ld, op->dom);
	struct grant_table *gt;
	unsigned int shown = 0;
	grant_ref_t ref;

	if (!d)
		return GNTST_bad_domain;
	if (d != ld && !ld->is_privileged)
		return GNTST_permission_denied;
	gt = d->grant;
	pr_info("d%u grant table: %u frames, %u entries in use, %u mappings held\n", d->domid,
		gt ? gt->nr_frames : 0, gt ? gt->nr_pinned : 0, gt ? gt->nr_maps : 0);
	for (ref = 0; ref < nr_entries(d); ref++) {
		const struct active_grant *act = active_of(gt, ref);

		if (!act->ro && !act->rw)
			continue;
		if (shown++ == DUMP_MAX) {
			pr_info("  (the other entries in use are not shown)\n");
			break;
		}
		pr_info("  ref %u: frame %#lx used by d%u, %u read-only, %u writable\n", ref,
			(unsigned long)act->mfn, act->mapper, act->ro, act->rw);
	}
	return GNTST_okay;
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
	if (version == 2 && hv_opts.gnttab_max_version < 2)
		return trace_err(-ENOSYS);
	if ((d->grant ? d->grant->version : 1) == version)
		return 0;
	gt = gt_alloc(d);
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
	rc = switch_version(d, sv.version);
	sv.version = d->grant ? d->grant->version : 1;
	return copy_to_guest(args, &sv, sizeof(sv)) ? -EFAULT : rc;
}

static long get_version(struct domain *d, uint64_t args)
{
	struct gnttab_get_version gv;
	struct domain *t;

	if (copy_from_guest(&gv, args, sizeof(gv)))
		return -EFAULT;
	t = grant_domain(d, gv.dom);
	if (!t)
		return trace_err(-ESRCH);
	if (t != d && !d->is_privileged)
		return trace_err(-EPERM);
	gv.version = t->grant ? t->grant->version : 1;
	return copy_to_guest(args, &gv, sizeof(gv)) ? -EFAULT : 0;
}

static int16_t get_status_frames(struct domain *ld, void *arg)
{
	struct gnttab_get_status_frames *op = arg;
	struct domain *d = grant_domain(ld, op->dom);
	int16_t st = GNTST_okay;
	unsigned int have, i;

	if (!d)
		return GNTST_bad_domain;
	if (d != ld && !ld->is_privileged)
		return GNTST_permission_denied;
	have = d->grant && d->grant->version == 2 ? d->grant->nr_status : 0;
	if (op->nr_frames > have)
		return GNTST_general_error;
	for (i = 0; i < op->nr_frames; i++) {
		uint64_t f = d->grant->status[i];

		if (copy_to_guest(op->frame_list + i * sizeof(f), &f, sizeof(f)))
			st = GNTST_bad_virt_addr;
	}
	return st;
}

/* get_status_frames: -EFAULT up front for a list outside guest memory, as Xen. */
static long status_frames_list_ok(uint64_t args)
{
	struct gnttab_get_status_frames op;

	if (copy_from_guest(&op, args, sizeof(op)))
		return -EFAULT;
	return guest_range_ok(op.frame_list, (uint64_t)op.nr_frames * sizeof(uint64_t)) ?
		       0 : -EFAULT;
}

/* ---------------------------------------------------------- dispatch */

/*
 * Runs fn on each of count elements of `size` bytes at args, writing each
 * back with its status (setup_table and query_size are batches of one).
 * A long batch gives the CPU back after about 1 ms as a continuation (args
 * and count advanced); inside a multicall, the multicall resumes there.
 */
static long batch(struct vcpu *v, struct hc_args *a, size_t size,
		  int16_t (*fn)(struct domain *ld, void *op), size_t status_off)
{
	uint64_t args = a->arg[1];
	uint32_t count = (uint32_t)a->arg[2];
	uint8_t op[40];
	uint64_t start = now_ns();
	uint32_t i;

	if (count > BATCH_MAX)
		return trace_err(-EINVAL);
	for (i = 0; i < count; i++) {
		uint64_t p = args + (uint64_t)i * size;
		int16_t st;

		if (hypercall_preempt_due(start, i)) {
			a->arg[1] = p;
			a->arg[2] = count - i;
			return -ERESTART;
		}
		if (copy_from_guest(op, p, size))
			return -EFAULT;
		st = fn(v->domain, op);
		memcpy(op + status_off, &st, sizeof(st));
		if (copy_to_guest(p, op, size))
			return -EFAULT;
	}
	return 0;
}

long hc_grant_table_op(struct vcpu *v, struct hc_args *a)
{
	struct domain *d = v->domain;
	uint64_t args = a->arg[1];
	uint32_t count = (uint32_t)a->arg[2];
	long rc;

	switch (a->arg[0]) {
	case GNTTABOP_map_grant_ref:
		rc = batch(v, a, sizeof(struct gnttab_map_grant_ref), map_one,
			   offsetof(struct gnttab_map_grant_ref, status));
		break;
	case GNTTABOP_unmap_grant_ref:
		rc = batch(v, a, sizeof(struct gnttab_unmap_grant_ref), unmap_one,
			   offsetof(struct gnttab_unmap_grant_ref, status));
		break;
	case GNTTABOP_unmap_and_replace:
		rc = batch(v, a, sizeof(struct gnttab_unmap_and_replace),
			   unmap_and_replace_one, offsetof(struct gnttab_unmap_and_replace, status));
		break;
	case GNTTABOP_copy:
		return batch(v, a, sizeof(struct gnttab_copy), copy_one,
			     offsetof(struct gnttab_copy, status));
	case GNTTABOP_setup_table:
		if (count != 1)
			return trace_err(-EINVAL);
		return batch(v, a, sizeof(struct gnttab_setup_table), setup_table,
			     offsetof(struct gnttab_setup_table, status));
	case GNTTABOP_query_size:
		if (count != 1)
			return trace_err(-EINVAL);
		return batch(v, a, sizeof(struct gnttab_query_size), query_size,
			     offsetof(struct gnttab_query_size, status));
	case GNTTABOP_swap_grant_ref:
		return batch(v, a, sizeof(struct gnttab_swap_grant_ref), swap_refs,
			     offsetof(struct gnttab_swap_grant_ref, status));
	case GNTTABOP_dump_table:
		if (count != 1)
			return trace_err(-EINVAL);
		return batch(v, a, sizeof(struct gnttab_dump_table), dump_table,
			     offsetof(struct gnttab_dump_table, status));
	case GNTTABOP_set_version:
		return set_version(d, args);
	case GNTTABOP_get_version:
		return get_version(d, args);
	case GNTTABOP_get_status_frames:
		if (count != 1)
			return trace_err(-EINVAL);
		rc = status_frames_list_ok(args);
		if (rc)
			return rc;
		return batch(v, a, sizeof(struct gnttab_get_status_frames), get_status_frames,
			     offsetof(struct gnttab_get_status_frames, status));
	default:
		return trace_err(-ENOSYS);
	}
	gnttab_flush_tlb();	/* what map/unmap left pending, if anything */
	return rc;
}

int grant_seed(struct domain *d, uint32_t ref, domid_t to, mfn_t mfn)
{
	struct grant_entry_v1 *e;

	if (ref >= GNTTAB_NR_RESERVED_ENTRIES)
		return -EINVAL;
	if (table_grow(d, 1))
		return -ENOMEM;
	if (d->grant->version == 2) {
		union grant_entry_v2 *e2 = entry_v2_of(d->grant, ref);

		e2->hdr.domid = to;
		e2->full_page.frame = mfn;
		__atomic_store_n(&e2->hdr.flags, GTF_permit_access, __ATOMIC_RELEASE);
		return 0;
	}
	e = entry_of(d->grant, ref);
	e->domid = to;
	e->frame = mfn;
	e->flags = GTF_permit_access;
	return 0;
}

/* ---------------------------------------------------------- teardown */

bool grant_release_mappings(struct domain *d, uint64_t *cursor, uint64_t start)
{
	struct grant_table *gt = d->grant;
	uint32_t h, end = gt ? gt->nr_mt_frames * MAPTRACK_PER_FRAME : 0;

	for (h = *cursor; h < end; h++) {
		struct maptrack *m = mt_entry(gt, h);

		if (hypercall_preempt_due(start, h - *cursor)) {
			*cursor = h;
			return false;
		}
		/* The PTEs go with d's page tables; the pins go now. */
		if (m->flags & GNTMAP_host_map)
			drop_use(d, h, GNTMAP_host_map);
		if (m->flags & GNTMAP_device_map)
			drop_use(d, h, GNTMAP_device_map);
	}
	*cursor = 0;
	return true;
}

void grant_table_destroy(struct domain *d)
{
	if (!d->grant)
		return;
	if (d->grant->nr_pinned)
		d->grant->destroyed = true;
	else
		gt_free(d);
}

void grant_for_each_pin(const struct domain *d, void (*fn)(mfn_t mfn, bool writable, void *arg),
			void *arg)
{
	const struct grant_table *gt = d->grant;
	unsigned int f, i;

	for (f = 0; gt && f < gt->nr_frames; f++) {
		for (i = 0; i < ACTIVE_PER_FRAME; i++) {
			const struct active_grant *act = &gt->active[f][i];

			if (act->ro || act->rw)
				fn(act->mfn, act->rw, arg);
		}
	}
}

void grant_dump(const struct domain *d)
{
	const struct grant_table *gt = d->grant;

	if (!gt)
		return;
	printk(LOG_ERR, "  grants: %u of %u frames, %u entries in use, %u mappings held\n",
	       gt->nr_frames, hv_opts.gnttab_max_frames, gt->nr_pinned, gt->nr_maps);
}
