// SPDX-License-Identifier: GPL-2.0-only
/*
 * memory_op (12): giving frames to and taking them from a PV domain, and
 * describing memory (docs/abi-core.md §2.11). A frame given back
 * (decrease_reservation) loses its allocation reference at once, as on
 * Xen, but is freed only with its last reference: while it is still a
 * pinned page table, mapped, or granted, it stays the domain's (and in its
 * tot_pages), so nothing that holds it can dangle; an exchange takes only
 * frames nothing but their allocation holds.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/memop_toolstack.h>
#include <hv/hypercall.h>
#include <hv/preempt.h>
#include <hv/hypervisor.h>
#include <hv/guest_access.h>
#include <hv/grant_table.h>
#include <hv/mm.h>
#include <hv/page_alloc.h>
#include <hv/time.h>
#include <asm/page.h>
#include <lamina/memory.h>
#include <lamina/xen_x86_64.h>

static bool self(domid_t id, const struct domain *d)
{
	return id == DOMID_SELF || id == d->domid;
}

/*
 * One frame given back, as Xen's guest_remove_page for a PV domain: beyond
 * RAM -EINVAL, not d's -ENXIO (both stop the list), else done, whatever
 * still holds it (hv/mm.h, frame_give_back), given back before too. Our
 * own frames lent to d (shared_info, grant frames) are done and stay as
 * they are: Xen drops only their allocation reference, and its pages
 * stay the domain's shared_info and grant table. Those lent to another
 * domain are not d's (until 5 Dec they were "done" for anyone, so a domU
 * could find other domains' shared frames by the answer). A frame stays
 * lent to its domain until that domain's end, so its owner is stable.
 */
static int release_frame(struct domain *d, mfn_t mfn)
{
	if (mfn >= frame_table_size)
		return trace_err(-EINVAL);
	mfn = array_index_nospec(mfn, frame_table_size);
	pt_settle(mfn);
	if ((frame_table[mfn].flags & PGF_shared) && frame_table[mfn].owner == d->domid)
		return 0;
	return frame_give_back(mfn, d);
}

/* What a reservation's mem_flags ask of its frames. */
struct memop_flags {
	uint64_t limit;		/* frames below this only (address bits), ~0 = any */
	bool off_node;		/* an exact node other than our one (node 0): none there */
};

static mfn_t give_extent_locked(struct domain *d, unsigned int order, const uint64_t *pfn,
				const struct memop_flags *f)
{
	uint64_t n = 1ULL << order, j, *m, first = pfn ? *pfn : INVALID_M2P;
	domid_t owner = d->domid;
	struct page_info *pg;
	mfn_t mfn;

	if (d->dying || f->off_node || domain_tot_pages(d) + n > d->max_pages)
		return INVALID_MFN;
	/*
	 * Under an address limit the lowest free run below it (until session
	 * 33 the lowest anywhere, given back if above: it failed while an idle
	 * CPU zeroed the frames below); alloc_frame searches on from its last.
	 */
	mfn = order || f->limit != ~0ULL ? alloc_frames_below(n, n, f->limit) : alloc_frame();
	if (mfn == INVALID_MFN)
		return mfn;
	pg = &frame_table[mfn];
	m = &m2p[mfn];
	for (j = 0; j < n; j++) {
		pg[j].owner = owner;
		m[j] = pfn ? first + j : INVALID_M2P;
	}
	__atomic_add_fetch(&d->nr_pages, n, __ATOMIC_ACQ_REL);
	return mfn;
}

/*
 * 2^order frames for d, contiguous and aligned, counted against its
 * max_pages, within f; M2P from *pfn on, whatever the number (~0 too,
 * as Xen's set_gpfn_from_mfn), or invalid without one. None for a dying
 * domain: dying is looked at, and the frames given, under d's grant lock,
 * which d's destroy takes once after it set dying and before its frame
 * walk (grant_release_mappings, as for a grant transfer to d), so a frame
 * given by another domain (dom0's populate_physmap for d) is either
 * refused or found by that walk, never left to the dead domain's id.
 */
static mfn_t give_extent(struct domain *d, unsigned int order, const uint64_t *pfn,
			 const struct memop_flags *f)
{
	mfn_t mfn;

	spin_lock(&d->grant_lock);
	mfn = give_extent_locked(d, order, pfn, f);
	spin_unlock(&d->grant_lock);
	return mfn;
}

/*
 * The domain a call names: the caller, or any for a privileged one. NULL
 * with -ESRCH (none) or -EPERM (not the caller's to name), as Xen's
 * XSM_TARGET rule.
 */
static struct domain *target_domain(struct domain *d, domid_t id, long *err)
{
	struct domain *t;

	if (self(id, d))
		return d;
	t = get_domain_by_id(id);	/* another: referenced till target_put */
	if (!t) {
		*err = trace_err(-ESRCH);
	} else if (!d->is_privileged) {
		*err = trace_err(-EPERM);
		put_domain(t);
	}
	return *err ? NULL : t;
}

static void target_put(struct domain *d, struct domain *t)
{
	if (t != d)
		put_domain(t);
}

/*
 * One extent at index i: given (increase, populate: its first MFN written
 * back) or taken back (decrease, frame by frame). False stops the list.
 * As Xen: an increase_reservation without a list gives the frames without
 * saying which; an extent given whose MFN cannot be written back stays
 * the domain's, uncounted; a decrease stops at the first frame it cannot
 * give back, those before it in the extent given back, uncounted.
 */
static bool one_extent(struct domain *t, unsigned int cmd, const struct xen_memory_reservation *r,
		       uint64_t i, const struct memop_flags *f)
{
	uint64_t p = r->extent_start + i * 8, frame, j;

	if (cmd != XENMEM_increase_reservation && copy_from_guest(&frame, p, 8))
		return false;
	if (cmd == XENMEM_decrease_reservation) {
		for (j = 0; j < (1ULL << r->extent_order); j++)
			if (t->dying || release_frame(t, frame + j))
				return false;
		return true;
	}
	frame = give_extent(t, r->extent_order, cmd == XENMEM_populate_physmap ? &frame : NULL, f);
	if (frame == INVALID_MFN)
		return false;
	return (cmd == XENMEM_increase_reservation && !r->extent_start) || !copy_to_guest(p, &frame, 8);
}

/*
 * Extents from `start` on (a continuation's progress); when
 * hypercall_preempt_now says so (looked at before each extent but the
 * first, as Xen's populate_physmap and decrease_reservation) the call
 * continues with the count so far in cmd's upper bits. As on
 * Xen, a call that cannot start (bad argument pointer, no such domain or
 * not the caller's, order above the limit, a count too large to continue)
 * is no error: it reports the extents done so far.
 */
static long extents(struct domain *t, unsigned int cmd, const struct xen_memory_reservation *r,
		    uint64_t i, struct hc_args *a, const struct memop_flags *f)
{
	uint64_t until = hypercall_preempt_until(), first = i;

	for (; i < r->nr_extents; i++) {
		if (i != first && hypercall_preempt_now(current_vcpu(), until)) {
			a->arg[0] = cmd | (i << MEMOP_EXTENT_SHIFT);
			return hypercall_continue();
		}
		if (!one_extent(t, cmd, r, i, f))
			break;
	}
	return (long)i;
}

/* The largest extent order the caller may ask for, as Xen's max_order(). */
static unsigned int max_order(const struct domain *d)
{
	return d->is_privileged ? MEMOP_MAX_ORDER_PRIV : MEMOP_MAX_ORDER;
}

/*
 * mem_flags' NUMA node as Xen's propagate_node (Lamina has one, node 0):
 * none named is any; past Xen's limit, or an exact one from an
 * unprivileged caller, refuses the call (false); an exact node other
 * than 0 from a privileged one finds no memory.
 */
static bool memop_node(const struct domain *d, uint32_t mf, struct memop_flags *f)
{
	unsigned int node = XENMEMF_get_node(mf);

	if (node == XENMEMF_NO_NODE)
		return true;
	if (!d->is_privileged)
		return !(mf & XENMEMF_exact_node_request);
	if (node >= XENMEMF_MAX_NODES)
		return false;
	f->off_node = node && (mf & XENMEMF_exact_node_request);
	return true;
}

/*
 * mem_flags, as Xen's construct_memop_from_reservation: address bits
 * below a page's refuse the call, those that cover all RAM are ignored;
 * a NUMA node (Lamina has one, node 0) past Xen's limit or an exact one
 * from an unprivileged caller refuse it, an exact other node finds no
 * memory, a virtual node (no vNUMA here) is ignored. False: refused.
 */
static bool memop_flags(const struct domain *d, uint32_t mf, struct memop_flags *f)
{
	unsigned int bits = XENMEMF_get_address_bits(mf), ram_bits = PAGE_SHIFT;

	while ((1ULL << (ram_bits - PAGE_SHIFT)) < frame_table_size)
		ram_bits++;
	*f = (struct memop_flags){ ~0ULL, false };
	if (bits && bits < ram_bits) {
		if (bits <= PAGE_SHIFT)
			return false;
		f->limit = 1ULL << (bits - PAGE_SHIFT);
	}
	return (mf & XENMEMF_vnode) || memop_node(d, mf, f);
}

/* The checks Xen makes before the first extent: false ends the call at once. */
static bool reservation_ok(struct domain *d, struct domain *t, unsigned int cmd,
			   const struct xen_memory_reservation *r, uint64_t i, struct memop_flags *f)
{
	if (!memop_flags(d, r->mem_flags, f))
		return false;
	/* On Xen, populate-on-demand for a PV domain: never on oneself. */
	if (cmd == XENMEM_populate_physmap && (r->mem_flags & XENMEMF_populate_on_demand) && t == d)
		return false;
	/*
	 * Where the list goes on from: only its start, as Xen's
	 * guest_handle_subrange_okay; an extent past the guest's memory
	 * (into the non-canonical hole) ends the call there (one_extent).
	 */
	if ((cmd != XENMEM_increase_reservation || r->extent_start) &&
	    !guest_start_ok(r->extent_start + i * 8))
		return false;
	return r->extent_order <= max_order(d);
}

static long reservation(struct domain *d, struct hc_args *a)
{
	unsigned int cmd = a->arg[0] & MEMOP_CMD_MASK;
	uint64_t i = a->arg[0] >> MEMOP_EXTENT_SHIFT;
	struct xen_memory_reservation r;
	struct memop_flags f;
	struct domain *t;
	long err = 0;

	if (copy_from_guest(&r, a->arg[1], sizeof(r)) ||
	    r.nr_extents > (UINT32_MAX >> MEMOP_EXTENT_SHIFT) || i >= r.nr_extents)
		return (long)i;
	t = target_domain(d, r.domid, &err);
	if (!t)
		return (long)i;
	err = reservation_ok(d, t, cmd, &r, i, &f) ? extents(t, cmd, &r, i, a, &f) : (long)i;
	target_put(d, t);
	return err;
}

/*
 * One chunk of an exchange, as Xen 4.17's memory_exchange cuts it: 2^in_co
 * input extents for one output extent, or one input extent for 2^out_co
 * output ones (up to 2^18 on a side for dom0). A chunk is taken whole or
 * not at all; the chunks before a failing one stay done. Its extents are
 * listed through their first frames' own records, as Xen's page lists:
 * `next` (mfn + 1, 0 ends) is the release list's link, and a frame the
 * chunk holds is on no release list (an input has count 0 and no type,
 * frame_steal refuses a releasing table; an output is ours, just
 * allocated), so the link is the chunk's until it lets go of the frame.
 * Until 5 Dec (h-misc28) the extents sat in an array on the stack, and a
 * side of more than 512 was refused (-EINVAL) where Xen exchanges it.
 */
struct exchange_chunk {
	uint64_t in_per, out_per;	/* frames per input, output extent */
	uint64_t n_in, n_out;		/* extents per chunk */
	struct memop_flags f;		/* where the output may lie */
	uint32_t in_head, out_head;	/* the extents taken, allocated: mfn + 1 */
	bool dead;			/* the domain died before the chunk committed */
};

static void chunk_push(uint32_t *head, mfn_t mfn)
{
	frame_table[mfn].next = *head;
	*head = (uint32_t)mfn + 1;
}

/* The extent listed first, off the list (its link 0 again), or INVALID_MFN. */
static mfn_t chunk_pop(uint32_t *head)
{
	mfn_t mfn;

	if (!*head)
		return INVALID_MFN;
	mfn = *head - 1;
	*head = frame_table[mfn].next;
	frame_table[mfn].next = 0;
	return mfn;
}

/* nr_exchanged written back, as Xen's __copy_field_to_guest: rc, or -EFAULT if it faults. */
static long exchange_put(uint64_t arg, uint64_t done, long rc)
{
	if (copy_to_guest(arg + offsetof(struct xen_memory_exchange, nr_exchanged), &done, 8))
		return -EFAULT;
	return rc;
}

/*
 * out.mem_flags as Xen's exchange reads them: the NUMA node as its
 * propagate_node (false: -EINVAL; a virtual node is taken as a machine
 * one), the address bits as its zone limit (bits below 14 leave frames 0
 * and 1 only, which are never free).
 */
static bool exchange_flags(const struct domain *d, uint32_t mf, struct memop_flags *f)
{
	unsigned int bits = XENMEMF_get_address_bits(mf);

	*f = (struct memop_flags){ ~0ULL, false };
	if (bits && bits < 64 + PAGE_SHIFT)
		f->limit = 1ULL << (bits <= PAGE_SHIFT + 1 ? 1 : bits - PAGE_SHIFT);
	return memop_node(d, mf, f);
}

/*
 * n frames taken from t go back to it (count 1 again), as Xen's
 * assign_pages on failure: under t's grant lock, which t's destroy takes
 * once after it set dying and before its frame walk, so a frame is either
 * back before that walk (which frees it) or, t dying, freed here.
 */
static void frames_back(struct domain *t, mfn_t mfn, uint64_t n)
{
	uint64_t k;

	spin_lock(&t->grant_lock);
	for (k = 0; k < n; k++) {
		if (t->dying)
			frame_release(mfn + k);
		else
			frame_count_add(mfn + k, 1);
	}
	spin_unlock(&t->grant_lock);
}

/*
 * Chunk i's input frames taken from t (frame_steal: its allocation
 * reference under one of ours, count 2 -> 0, so a frame listed twice
 * fails its second take; only t's frames go, whoever asks) and its output
 * extents allocated. 0, or as it was with -EFAULT (an input entry
 * unreadable), -EINVAL (a frame past RAM, or not one t may give: Xen's
 * steal_page) or -ENOMEM.
 */
static long chunk_take(struct domain *t, const struct xen_memory_exchange *x,
		       struct exchange_chunk *c, uint64_t i)
{
	uint64_t j, k, mfn;
	long rc;

	c->in_head = c->out_head = 0;
	for (j = 0; j < c->n_in; j++) {
		if (copy_from_guest(&mfn, x->in.extent_start + (i * c->n_in + j) * 8, 8)) {
			rc = -EFAULT;
			goto give_back;
		}
		for (k = 0; k < c->in_per; k++) {
			if (!frame_steal(mfn + k, t)) {
				if (k)
					frames_back(t, mfn, k);
				rc = trace_err(-EINVAL);
				goto give_back;
			}
		}
		chunk_push(&c->in_head, mfn);	/* mfn < frame_table_size: stolen */
	}
	for (k = 0; k < c->n_out; k++) {
		mfn = c->f.off_node ? INVALID_MFN :
		      alloc_frames_below(c->out_per, c->out_per, c->f.limit);
		if (mfn != INVALID_MFN) {
			chunk_push(&c->out_head, mfn);
			continue;
		}
		while ((mfn = chunk_pop(&c->out_head)) != INVALID_MFN)
			free_frames(mfn, c->out_per);
		rc = trace_err(-ENOMEM);
		goto give_back;
	}
	return 0;

give_back:			/* the input extents listed were taken whole */
	while ((mfn = chunk_pop(&c->in_head)) != INVALID_MFN)
		frames_back(t, mfn, c->in_per);
	return rc;
}

/*
 * Chunk i committed: its inputs freed, its outputs t's, each output's MFN
 * written over its entry of the caller's list, as Xen: an entry that
 * cannot be read leaves its extent t's without an M2P entry, one that
 * cannot be written leaves it unreported; both -EFAULT, the chunk not
 * counted done. Whatever number an entry holds is its extent's M2P base,
 * ~0 too, as Xen's set_gpfn_from_mfn (until 5 Dec an entry of ~0 was
 * taken for one that could not be read: -EFAULT, its MFN not written,
 * where Xen gives 0). An output becomes t's under t's grant lock, as
 * give_extent: t found dying (another domain's exchange for it), that
 * output and the rest are freed and the chunk is not done (c->dead), as
 * Xen's assign_page failing for a dying domain; the inputs went anyway
 * (its frame walk skips a frame without references).
 */
static long chunk_give(struct domain *t, const struct xen_memory_exchange *x,
		       struct exchange_chunk *c, uint64_t i)
{
	uint64_t j, k, pfn, at;
	long rc = 0;
	mfn_t mfn;
	bool read;

	while ((mfn = chunk_pop(&c->in_head)) != INVALID_MFN)
		for (k = 0; k < c->in_per; k++)
			frame_release(mfn + k);
	for (j = 0; (mfn = chunk_pop(&c->out_head)) != INVALID_MFN; j++) {
		if (c->dead) {
			free_frames(mfn, c->out_per);
			continue;
		}
		at = x->out.extent_start + (i * c->n_out + j) * 8;
		read = !copy_from_guest(&pfn, at, 8);
		spin_lock(&t->grant_lock);
		c->dead = t->dying;
		for (k = 0; k < c->out_per && !c->dead; k++) {
			frame_table[mfn + k].owner = t->domid;
			m2p[mfn + k] = read ? pfn + k : INVALID_M2P;
		}
		spin_unlock(&t->grant_lock);
		if (c->dead)
			free_frames(mfn, c->out_per);
		else if (!read || copy_to_guest(at, &mfn, 8))
			rc = -EFAULT;
	}
	return rc;
}

/*
 * The chunks from `first` on, for t: between chunks the call may continue
 * (nr_exchanged written as its progress, which the next entry reads back).
 */
static long exchange_chunks(struct domain *t, uint64_t arg, struct xen_memory_exchange *x,
			    struct exchange_chunk *c, uint64_t first, unsigned int in_co)
{
	uint64_t until = hypercall_preempt_until(), i;
	long rc;

	for (i = first; i < x->in.nr_extents >> in_co; i++) {
		if (i != first && hypercall_preempt_now(current_vcpu(), until)) {
			if (exchange_put(arg, i << in_co, 0))
				return -EFAULT;
			return hypercall_continue();
		}
		rc = chunk_take(t, x, c, i);
		if (!rc)
			rc = chunk_give(t, x, c, i);
		if (rc || c->dead)
			return exchange_put(arg, i << in_co, rc);
	}
	return exchange_put(arg, x->nr_exchanged = x->in.nr_extents, 0);
}

/*
 * XENMEM_exchange, chunk by chunk as Xen 4.17's memory_exchange: each
 * chunk's inputs are taken and its outputs allocated before anything of
 * it changes, then it commits and its output entries are written; a
 * failure ends the call with nr_exchanged counting the chunks done
 * before it. Every answer but "nothing left" and a struct that cannot be
 * read writes nr_exchanged. The domain named is the caller or, for a
 * privileged one, any (Xen's XSM_TARGET; until 5 Dec, h-misc28, only the
 * caller): its frames are taken and its new ones given, its tot_pages as
 * it was; the lists and nr_exchanged are the caller's.
 */
static long exchange(struct domain *d, uint64_t arg)
{
	struct xen_memory_exchange x;
	struct exchange_chunk c = { 0 };
	unsigned int in_co, out_co;
	uint64_t first, out_first;
	struct domain *t;
	long rc = 0;

	if (copy_from_guest(&x, arg, sizeof(x)))
		return -EFAULT;
	if (MAX(x.in.extent_order, x.out.extent_order) > max_order(d))
		return exchange_put(arg, x.nr_exchanged, trace_err(-EPERM));
	if (x.in.domid != x.out.domid || x.nr_exchanged > x.in.nr_extents ||
	    (~0ULL >> x.in.extent_order) < x.in.nr_extents ||
	    (~0ULL >> x.out.extent_order) < x.out.nr_extents ||
	    x.in.nr_extents << x.in.extent_order != x.out.nr_extents << x.out.extent_order)
		return exchange_put(arg, x.nr_exchanged, trace_err(-EINVAL));
	if (x.nr_exchanged == x.in.nr_extents)
		return 0;
	in_co = x.in.extent_order <= x.out.extent_order ? x.out.extent_order - x.in.extent_order : 0;
	out_co = x.in.extent_order > x.out.extent_order ? x.in.extent_order - x.out.extent_order : 0;
	first = x.nr_exchanged >> in_co;
	out_first = first << out_co;
	/* Where the lists go on from, as Xen's guest_handle_subrange_okay. */
	if (x.in.nr_extents - x.nr_exchanged >= ~0ULL / 8 ||
	    !guest_start_ok(x.in.extent_start + x.nr_exchanged * 8) ||
	    x.out.nr_extents - out_first >= ~0ULL / 8 ||
	    !guest_start_ok(x.out.extent_start + out_first * 8))
		return exchange_put(arg, x.nr_exchanged, -EFAULT);
	if (!exchange_flags(d, x.out.mem_flags, &c.f))
		return exchange_put(arg, x.nr_exchanged, trace_err(-EINVAL));
	t = target_domain(d, x.in.domid, &rc);	/* -ESRCH, then -EPERM, as Xen */
	if (!t)
		return exchange_put(arg, x.nr_exchanged, rc);
	c.in_per = 1ULL << x.in.extent_order;
	c.out_per = 1ULL << x.out.extent_order;
	c.n_in = 1ULL << in_co;
	c.n_out = 1ULL << out_co;
	rc = exchange_chunks(t, arg, &x, &c, first, in_co);
	target_put(d, t);
	return rc;
}

#define E820_RESERVED	2

/*
 * One entry of machine_memory_map at index n, with Xen's room checks: a
 * reserved entry filling a hole needs a slot after it, a boot map entry
 * room for the map entries still to come (left: this one and those after).
 */
static long machine_map_put(struct xen_memory_map *map, unsigned int n, unsigned int left,
			    const struct e820_entry *e)
{
	if (!map->buffer)
		return 0;
	if (left ? map->nr_entries <= n + left : n + 1 >= map->nr_entries)
		return trace_err(-EINVAL);
	return copy_to_guest(map->buffer + n * sizeof(*e), e, sizeof(*e)) ? -EFAULT : 0;
}

/*
 * dom0's machine_memory_map, as Xen 4.17's: the boot loader's map, and in
 * its holes (below the first entry, between entries, after the last) a
 * reserved entry for each piece of MMIO dom0 may not map or must leave
 * alone (mm_dom0_reserved_mmio: the IO-APIC's page, the MSI range, AMD's
 * HyperTransport window below the address width's top). Linux
 * keeps those ranges out of its PCI windows. The boot map is taken in
 * the boot loader's order (QEMU's and GRUB's are in address order; Xen
 * sorts its own). A NULL buffer counts the entries.
 */
static long machine_map(struct xen_memory_map *map, uint64_t arg)
{
	uint64_t mmio[MM_DOM0_RESERVED_MMIO][2], from = 0, to, lo, hi;
	unsigned int nr_mmio = mm_dom0_reserved_mmio(mmio), i, j, n = 0;
	struct e820_entry e;
	long rc;

	for (i = 0; i <= boot_info.nr_regions; i++) {
		/* The hole [from, to) before entry i; after the last, up to the top. */
		to = i < boot_info.nr_regions ? boot_info.regions[i].start >> PAGE_SHIFT : ~0ULL;
		for (j = 0; j < nr_mmio && (i < boot_info.nr_regions || from); j++) {
			lo = MAX(mmio[j][0], from);
			hi = MIN(mmio[j][1] + 1, to);
			/*
			 * Xen reports a gap in dom0's permissions only where
			 * one follows below the address width: the
			 * HyperTransport window ending at 2^40 with 40-bit
			 * addresses is not reported.
			 */
			if (lo >= hi || mmio[j][1] + 1 >= 1ULL << (paddr_bits - PAGE_SHIFT))
				continue;
			e = (struct e820_entry){ lo << PAGE_SHIFT, (hi - lo) << PAGE_SHIFT, E820_RESERVED };
			if ((rc = machine_map_put(map, n++, 0, &e)))
				return rc;
		}
		if (i == boot_info.nr_regions)
			break;
		e = (struct e820_entry){ boot_info.regions[i].start, boot_info.regions[i].size,
					 boot_info.regions[i].type };
		if ((rc = machine_map_put(map, n++, boot_info.nr_regions - i, &e)))
			return rc;
		from = DIV_ROUND_UP(e.addr + e.size, PAGE_SIZE);
	}
	map->nr_entries = n;
	return copy_to_guest(arg, map, sizeof(*map));
}

static long memory_map(struct domain *d, uint64_t arg, bool machine)
{
	struct xen_memory_map map;
	struct e820_entry e;
	unsigned int n = 0;

	if (machine && !d->is_privileged)
		return trace_err(-EPERM);
	if (copy_from_guest(&map, arg, sizeof(map)))
		return -EFAULT;
	if (!machine) {			/* the toolstack's (set_memory_map), if any */
		long rc = memop_own_memory_map(d, &map, arg);

		if (rc != -ENOSYS)
			return rc;
	}
	/*
	 * dom0 has no pseudo-physical map, as on Xen (whose dom0 builder sets
	 * none): Linux's dom0 asks for machine_memory_map instead. Nor has a
	 * domain the toolstack made (createdomain, which clears
	 * reap_on_shutdown) until it sets one, as on Xen 4.17, whose
	 * memory_map answers -ENOSYS without a toolstack map. A boot-time
	 * domU, which no toolstack builds, gets one RAM entry (on purpose).
	 */
	if (!machine && (d->is_privileged || !d->reap_on_shutdown))
		return trace_err(-ENOSYS);
	if (!machine) {
		e = (struct e820_entry){ 0, d->max_pages << PAGE_SHIFT, 1 };
		if (!map.nr_entries)
			return trace_err(-EINVAL);
		if (copy_to_guest(map.buffer, &e, sizeof(e)))
			return -EFAULT;
		n = 1;
	} else {
		/* As Xen: a buffer needs room for one entry more than the map. */
		if (map.buffer && map.nr_entries < boot_info.nr_regions + 1)
			return trace_err(-EINVAL);
		/* Xen's guest_handle_okay: the start alone. */
		if (map.buffer && !guest_start_ok(map.buffer))
			return -EFAULT;
		return machine_map(&map, arg);
	}
	map.nr_entries = n;
	return copy_to_guest(arg, &map, sizeof(map));
}

static long machphys_mfn_list(uint64_t arg)
{
	struct xen_machphys_mfn_list l;
	uint64_t i, pages = DIV_ROUND_UP(frame_table_size * 8, PAGE_SIZE);
	mfn_t base = virt_to_maddr(m2p) >> PAGE_SHIFT;

	if (copy_from_guest(&l, arg, sizeof(l)))
		return -EFAULT;
	for (i = 0; i < l.max_extents && i * 512 < pages; i++) {
		uint64_t mfn = base + i * 512;	/* one per 2 MiB of M2P */

		if (copy_to_guest_bytes(l.extent_start + i * 8, &mfn, 8))
			return -EFAULT;
	}
	l.nr_extents = (uint32_t)i;
	return copy_to_guest(arg, &l, sizeof(l));
}

/*
 * current_reservation, maximum_reservation, maximum_gpfn of a domain. A
 * PV guest states its own highest PFN + 1 in shared_info (arch.max_pfn);
 * maximum_gpfn answers one less, 0 while it says nothing, as Xen.
 */
static long domain_memory(struct domain *d, uint64_t arg, unsigned int op)
{
	struct domain *t;
	long err = 0;
	uint64_t max_pfn;
	domid_t id;

	if (copy_from_guest(&id, arg, sizeof(id)))
		return -EFAULT;
	t = target_domain(d, id, &err);
	if (!t)
		return err;
	switch (op) {
	case XENMEM_current_reservation:
		err = (long)domain_tot_pages(t);
		break;
	case XENMEM_maximum_reservation:
		err = (long)t->max_pages;
		break;
	default:
		max_pfn = t->shared_info && !t->shared_info_released ?
			  t->shared_info->arch.max_pfn : 0;
		err = (long)((max_pfn ? max_pfn : 1) - 1);
	}
	target_put(d, t);
	return err;
}

/* The most frames a resource of t can have: 0 none; an unknown type's -EOPNOTSUPP as Xen's count. */
static unsigned int resource_max(const struct domain *t, unsigned int type, unsigned int id)
{
	switch (type) {
	case XENMEM_resource_grant_table:
		return grant_resource_max(t, id);
	case XENMEM_resource_ioreq_server:	/* HVM only */
	case XENMEM_resource_vmtrace_buf:	/* no vmtrace buffers */
		return 0;
	}
	return (unsigned int)-EOPNOTSUPP;
}

/*
 * The frames of another domain's resource (memory.h), in Xen 4.17's order
 * of checks; from frame `start` of the list on (a continuation's progress),
 * 32 at a time, continuing when hypercall_preempt_now says so.
 */
static long acquire_resource(struct domain *d, struct hc_args *a)
{
	uint64_t start = a->arg[0] >> MEMOP_EXTENT_SHIFT, until = hypercall_preempt_until(), mfns[32];
	struct xen_mem_acquire_resource r;
	struct domain *t;
	unsigned int max, n;
	long rc = 0;

	if (copy_from_guest(&r, a->arg[1], sizeof(r)))
		return -EFAULT;
	if (r.pad || (r.frame >> 32) || ((r.frame + r.nr_frames) >> 32))
		return trace_err(-EINVAL);
	t = get_domain_by_id(r.domid);
	if (!t)
		return trace_err(-ESRCH);
	max = resource_max(t, r.type, r.id);
	if (t == d || !d->is_privileged)
		rc = trace_err(-EPERM);
	else if (!max)
		rc = trace_err(-EINVAL);
	else if (!r.frame_list && (r.nr_frames || start))
		rc = trace_err(-EINVAL);
	else if (!r.frame_list)		/* a size query */
		rc = copy_to_guest(a->arg[1] + offsetof(struct xen_mem_acquire_resource, nr_frames),
				   &max, sizeof(max));
	else if (start >= r.nr_frames || r.nr_frames > (UINT32_MAX >> MEMOP_EXTENT_SHIFT))
		rc = trace_err(-EINVAL);
	else if (r.type != XENMEM_resource_grant_table)
		rc = trace_err(-EOPNOTSUPP);
	while (!rc && r.frame_list && start < r.nr_frames) {
		n = (unsigned int)MIN(ARRAY_SIZE(mfns), r.nr_frames - start);
		rc = grant_resource_frames(t, r.id, (unsigned int)(r.frame + start), n, mfns);
		if (rc < 0)
			break;
		rc = copy_to_guest(r.frame_list + start * 8, mfns, n * 8);
		start += n;
		if (!rc && start < r.nr_frames && hypercall_preempt_now(current_vcpu(), until)) {
			a->arg[0] = XENMEM_acquire_resource | (start << MEMOP_EXTENT_SHIFT);
			rc = hypercall_continue();
		}
	}
	put_domain(t);
	return rc;
}

/* A domain any id names (DOMID_SELF too); -ESRCH if none. */
static struct domain *any_domain(struct domain *d, domid_t id, long *err)
{
	struct domain *t = self(id, d) ? d : domain_by_id(id);

	if (!t)
		*err = trace_err(-ESRCH);
	return t;
}

/* add_to_physmap, its batch and remove_from_physmap: PV has no P2M. */
static long physmap_op(struct domain *d, unsigned int op, uint64_t start, uint64_t arg)
{
	union {
		struct xen_add_to_physmap one;
		struct xen_add_to_physmap_batch batch;
		struct xen_remove_from_physmap rm;
	} u;
	size_t size = op == XENMEM_add_to_physmap ? sizeof(u.one) :
		      op == XENMEM_add_to_physmap_batch ? sizeof(u.batch) : sizeof(u.rm);
	long err = 0;

	if (op != XENMEM_remove_from_physmap && start > 0xffff)
		return trace_err(-EDOM);
	if (copy_from_guest(&u, arg, size))
		return -EFAULT;
	if (op == XENMEM_add_to_physmap && u.one.space == XENMAPSPACE_gmfn_foreign)
		return trace_err(-ENOSYS);
	if (op == XENMEM_add_to_physmap_batch && u.batch.space == XENMAPSPACE_gmfn_range)
		return trace_err(-EOPNOTSUPP);
	if (!any_domain(d, u.one.domid, &err))	/* domid first in all three */
		return err;
	return trace_err(-EACCES);
}

/* set/get_pod_target, access_op: HVM only. */
static long hvm_memory_op(struct domain *d, unsigned int op, uint64_t arg)
{
	struct xen_mem_access_op ao;
	struct xen_pod_target pod;
	struct domain *t;
	long err = 0;

	if (op == XENMEM_access_op) {
		if (copy_from_guest(&ao, arg, sizeof(ao)))
			return -EFAULT;
		t = domain_by_id(ao.domid);	/* a live domain other than the caller */
		if (!t)
			return trace_err(-ESRCH);
		return trace_err(t == d ? -EPERM : -EINVAL);
	}
	if (copy_from_guest(&pod, arg, sizeof(pod)))
		return -EFAULT;
	return any_domain(d, pod.domid, &err) ? trace_err(-EINVAL) : err;
}

/* claim_pages: the checks here, the claim in memory_op_toolstack.c. */
static long claim_pages(struct domain *d, uint64_t arg)
{
	struct xen_memory_reservation r;
	struct domain *t;
	long rc;

	if (copy_from_guest(&r, arg, sizeof(r)))
		return -EFAULT;
	if (r.extent_start || r.extent_order || r.mem_flags)
		return trace_err(-EINVAL);
	/* Referenced: another vCPU's destroy may end the domain meanwhile. */
	t = get_domain_by_id(r.domid);
	if (!t)
		return trace_err(-EINVAL);
	rc = d->is_privileged ? memop_claim(t, r.nr_extents) : trace_err(-EPERM);
	put_domain(t);
	return rc;
}

static long get_vnumainfo(struct domain *d, uint64_t arg)
{
	struct xen_vnuma_topology_info ti;
	struct domain *t;
	long err = 0;

	if (copy_from_guest(&ti, arg, sizeof(ti)))
		return -EFAULT;
	if (ti.pad)
		return trace_err(-EINVAL);
	t = target_domain(d, ti.domid, &err);
	if (!t)
		return err;
	target_put(d, t);
	return trace_err(-EOPNOTSUPP);
}

/*
 * No IOMMU, no reserved device memory: zero entries. The buffer is checked
 * by its start alone, as Xen 4.17's guest_handle_okay, before the flags;
 * nothing is ever written there.
 */
static long reserved_device_memory_map(uint64_t arg)
{
	struct xen_reserved_device_memory_map m;

	if (copy_from_guest(&m, arg, sizeof(m)) || !guest_start_ok(m.buffer))
		return -EFAULT;
	if (m.flags & ~XENMEM_RDM_ALL)
		return trace_err(-EINVAL);
	m.nr_entries = 0;
	return copy_to_guest(arg, &m, sizeof(m));
}

/* The commands Xen decodes with the start extent masked off; -ENOSYS: not one. */
static long memory_op_masked(struct domain *d, unsigned int op, uint64_t start, uint64_t arg)
{
	switch (op) {
	case XENMEM_add_to_physmap:
	case XENMEM_add_to_physmap_batch:
	case XENMEM_remove_from_physmap:
		if (op == XENMEM_remove_from_physmap && start)
			return trace_err(-EINVAL);
		return physmap_op(d, op, start, arg);
	case XENMEM_access_op:
		return hvm_memory_op(d, op, arg);
	}
	if (start && (op == XENMEM_exchange || op == XENMEM_maximum_ram_page ||
		      op == XENMEM_current_reservation || op == XENMEM_maximum_reservation ||
		      op == XENMEM_maximum_gpfn || op == XENMEM_claim_pages ||
		      op == XENMEM_get_vnumainfo || op == XENMEM_reserved_device_memory_map))
		return trace_err(-EINVAL);
	switch (op) {
	case XENMEM_exchange:
		return exchange(d, arg);
	case XENMEM_maximum_ram_page:	/* Xen's max_page: one past the last RAM frame */
		return (long)frame_table_size;
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
	case XENMEM_maximum_gpfn:
		return domain_memory(d, arg, op);
	case XENMEM_claim_pages:
		return claim_pages(d, arg);
	case XENMEM_get_vnumainfo:
		return get_vnumainfo(d, arg);
	case XENMEM_reserved_device_memory_map:
		return reserved_device_memory_map(arg);
	}
	return -ENOSYS;
}

long hc_memory_op(struct vcpu *v, struct hc_args *a)
{
	struct domain *d = v->domain;
	uint64_t arg = a->arg[1];
	unsigned int op = a->arg[0] & MEMOP_CMD_MASK;
	long rc;

	switch (op) {	/* these carry their progress in cmd */
	case XENMEM_increase_reservation:
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		return reservation(d, a);
	case XENMEM_acquire_resource:
		return acquire_resource(d, a);
	}
	rc = memory_op_masked(d, op, a->arg[0] >> MEMOP_EXTENT_SHIFT, arg);
	if (rc != -ENOSYS)
		return rc;
	switch (a->arg[0]) {	/* the rest with the whole cmd, as Xen's arch code */
	case XENMEM_set_pod_target:
	case XENMEM_get_pod_target:
		return hvm_memory_op(d, op, arg);
	case XENMEM_get_sharing_freed_pages:
	case XENMEM_get_sharing_shared_pages:
		return 0;
	case XENMEM_machphys_compat_mfn_list:
		return trace_err(-EOPNOTSUPP);
	case XENMEM_machphys_mfn_list:
		return machphys_mfn_list(arg);
	case XENMEM_memory_map:
		return memory_map(d, arg, false);
	case XENMEM_set_memory_map:
		return memop_set_memory_map(d, arg);
	case XENMEM_machine_memory_map:
		return memory_map(d, arg, true);
	case XENMEM_machphys_mapping: {
		struct xen_machphys_mapping m = {
			MACH2PHYS_VIRT_START,
			MACH2PHYS_VIRT_START + ALIGN_UP(frame_table_size * 8, 2ULL << 20),
			frame_table_size - 1,
		};

		return copy_to_guest(arg, &m, sizeof(m));
	}
	default:
		return trace_err(-ENOSYS);
	}
}
