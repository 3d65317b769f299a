// SPDX-License-Identifier: GPL-2.0-only
/*
 * Grant tables, version 1 (pv-abi-devices.md §1): how one domain lets
 * another map or copy one of its pages, and takes the permission back.
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
	uint32_t mfn;			/* the frame pinned (v1 frames are 32-bit) */
	uint16_t ro, rw;		/* uses: read-only, writable */
	domid_t mapper;			/* whose uses they are */
	uint16_t pad[3];
};
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

struct grant_table {
	unsigned int nr_frames;
	unsigned int nr_mt_frames;
	uint32_t mt_free;		/* first free maptrack entry */
	uint32_t nr_pinned;		/* entries of this table in use */
	uint32_t nr_maps;		/* maptrack entries in use */
	bool destroyed;			/* owner dead: free with the last pin */
	mfn_t frames[GNTTAB_FRAMES_LIMIT];
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
	for (i = 0; i < gt->nr_mt_frames; i++)
		free_frame(virt_to_maddr(gt->mt[i]) >> PAGE_SHIFT);
	free_frames(virt_to_maddr(gt) >> PAGE_SHIFT, GT_PAGES);
	d->grant = NULL;
}

static unsigned int nr_entries(const struct domain *d)
{
	return d->grant ? d->grant->nr_frames * GREFS_PER_FRAME : 0;
}

static struct grant_entry_v1 *entry_of(struct grant_table *gt, grant_ref_t ref)
{
	return (struct grant_entry_v1 *)frame_va(gt->frames[ref / GREFS_PER_FRAME]) +
	       ref % GREFS_PER_FRAME;
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

/*
 * Marks entry e in use by ld, writable or not, after checking it grants
 * that: one 32-bit cmpxchg over flags and domid, so a granter rewriting
 * the entry meanwhile makes us look again, not act on what it was.
 */
static int16_t mark_in_use(struct grant_entry_v1 *e, domid_t ld, bool writable)
{
	uint32_t *word = (uint32_t *)e;
	unsigned int tries;

	for (tries = 0; tries < PIN_TRIES; tries++) {
		uint32_t old = __atomic_load_n(word, __ATOMIC_ACQUIRE);
		uint16_t flags = (uint16_t)old;
		uint32_t new;

		if ((flags & GTF_type_mask) != GTF_permit_access || (old >> 16) != ld ||
		    (flags & GTF_sub_page) || (writable && (flags & GTF_readonly)))
			return GNTST_general_error;
		new = old | GTF_reading | (writable ? GTF_writing : 0);
		if (new == old ||
		    __atomic_compare_exchange_n(word, &old, new, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return GNTST_okay;
	}
	return GNTST_general_error;
}

static void clear_flag(struct grant_entry_v1 *e, uint16_t flag)
{
	__atomic_fetch_and(&e->flags, (uint16_t)~flag, __ATOMIC_RELEASE);
}

/*
 * One more use of rd's entry ref by ld. The first use reads the frame and
 * takes a reference on it; the first writable use takes a writable-type
 * reference too. Returns a GNTST_ code and the frame.
 */
static int16_t pin(struct domain *rd, grant_ref_t ref, struct domain *ld, bool writable,
		   mfn_t *mfn)
{
	struct grant_table *gt = rd->grant;
	struct active_grant *act;
	struct grant_entry_v1 *e;
	int16_t st;

	if (ref >= nr_entries(rd))
		return GNTST_bad_gntref;
	act = active_of(gt, ref);
	e = entry_of(gt, ref);
	if (act->ro || act->rw) {
		if (act->mapper != ld->domid || (writable ? act->rw : act->ro) == PIN_MAX)
			return GNTST_general_error;
		if (writable && !act->rw) {
			st = mark_in_use(e, ld->domid, true);
			if (st)
				return st;
			if (get_page_type(act->mfn, PGT_writable, rd)) {
				clear_flag(e, GTF_writing);
				return GNTST_general_error;
			}
		}
	} else {
		st = mark_in_use(e, ld->domid, writable);
		if (st)
			return st;
		act->mfn = __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);
		if (writable ? get_page_and_type(act->mfn, PGT_writable, rd) :
			       get_page(act->mfn, rd)) {
			clear_flag(e, GTF_reading | GTF_writing);
			return GNTST_general_error;
		}
		act->mapper = ld->domid;
		gt->nr_pinned++;
	}
	if (writable)
		act->rw++;
	else
		act->ro++;
	*mfn = act->mfn;
	return GNTST_okay;
}

static void unpin(struct domain *rd, grant_ref_t ref, bool writable)
{
	struct grant_table *gt = rd->grant;
	struct active_grant *act = active_of(gt, ref);
	struct grant_entry_v1 *e = entry_of(gt, ref);
	mfn_t mfn = act->mfn;

	if (writable) {
		BUG_ON(!act->rw);
		if (!--act->rw) {
			clear_flag(e, GTF_writing);
			put_page_type(mfn, rd);
		}
	} else {
		BUG_ON(!act->ro);
		act->ro--;
	}
	if (act->ro || act->rw)
		return;
	clear_flag(e, GTF_reading);
	gt->nr_pinned--;
	if (gt->destroyed && !gt->nr_pinned)
		gt_free(rd);		/* the last mapper of a dead granter is gone */
	put_page(mfn);			/* may free a dead granter's frame */
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
	st = pin(rd, op->ref, ld, writable, &mfn);
	if (!st && dev && host) {
		st = pin(rd, op->ref, ld, writable, &mfn);
		if (st)
			unpin(rd, op->ref, writable);
	}
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
	mfn_t mfn;
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
		b->mfn = p->u.gmfn;
		if (get_page(b->mfn, ld))
			return GNTST_bad_page;
		if (dest && get_page_type(b->mfn, PGT_writable, ld)) {
			put_page(b->mfn);
			return GNTST_general_error;
		}
		return GNTST_okay;
	}
	b->rd = grant_domain(ld, p->domid);
	if (!b->rd)
		return GNTST_bad_domain;
	b->ref = p->u.ref;
	st = pin(b->rd, b->ref, ld, dest, &b->mfn);
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
			put_page_type(b->mfn, ld);
		put_page(b->mfn);
	}
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
		memmove((uint8_t *)frame_va(dst.mfn) + op->dest.offset,
			(uint8_t *)frame_va(src.mfn) + op->source.offset, op->len);
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
	if (gt_grow(d, op->nr_frames))
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

	if (op->ref_a >= nr_entries(ld) || op->ref_b >= nr_entries(ld))
		return GNTST_bad_gntref;
	if (op->ref_a == op->ref_b)
		return GNTST_okay;
	if (active_of(gt, op->ref_a)->ro || active_of(gt, op->ref_a)->rw ||
	    active_of(gt, op->ref_b)->ro || active_of(gt, op->ref_b)->rw)
		return GNTST_eagain;
	/* The guest may write its entries meanwhile: each is moved whole. */
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
		pr_info("  ref %u: frame %#x used by d%u, %u read-only, %u writable\n", ref,
			act->mfn, act->mapper, act->ro, act->rw);
	}
	return GNTST_okay;
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
	case GNTTABOP_set_version: {
		struct gnttab_set_version sv;

		if (count != 1)
			return trace_err(-EINVAL);
		if (copy_from_guest(&sv, args, sizeof(sv)))
			return -EFAULT;
		rc = sv.version == 1 ? 0 : trace_err(-EINVAL);
		sv.version = 1;
		return copy_to_guest(args, &sv, sizeof(sv)) ? -EFAULT : rc;
	}
	case GNTTABOP_get_version: {
		struct gnttab_get_version gv;
		struct domain *t;

		if (count != 1)
			return trace_err(-EINVAL);
		if (copy_from_guest(&gv, args, sizeof(gv)))
			return -EFAULT;
		t = grant_domain(d, gv.dom);
		if (!t)
			return trace_err(-ESRCH);
		if (t != d && !d->is_privileged)
			return trace_err(-EPERM);
		gv.version = 1;
		return copy_to_guest(args, &gv, sizeof(gv)) ? -EFAULT : 0;
	}
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
	if (gt_grow(d, 1))
		return -ENOMEM;
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
