// SPDX-License-Identifier: GPL-2.0-only
/*
 * Part of fuzz-state: the actions on page tables (pin, unpin,
 * mmu_update, window and foreign mappings, M2P updates) and on memory
 * (decrease and increase reservation, exchange, the reuse shape).
 */
#include "fuzz.h"

static void set_region(struct pool_page *p, bool rw)
{
	uint64_t flags = rw ? PTE_DATA : PTE_P | PTE_US | PTE_A;

	hypercall3(__HYPERVISOR_update_va_mapping, p->va, (p->mfn << 12) | flags, UVMF_INVLPG);
}

/* What a successful mmuext op did to a pool frame's pin. */
void note_mmuext(const struct mmuext_op *op)
{
	unsigned int i;

	for (i = 0; i < NPOOL; i++) {
		if (pool[i].mfn != op->arg1.mfn || pool[i].mfn == NO_MFN)
			continue;
		if (op->cmd <= MMUEXT_PIN_L4_TABLE)
			pool[i].pinned = op->cmd - MMUEXT_PIN_L1_TABLE + 1;
		else if (op->cmd == MMUEXT_UNPIN_TABLE)
			pool[i].pinned = 0;
	}
}

void act_pin(void)
{
	struct pool_page *p = live_pool();
	unsigned int level = 1 + pick(4);
	struct mmuext_op op = { MMUEXT_PIN_L1_TABLE + level - 1, 0, { 0 }, { 0 } };

	action = "pin";
	if (!p)
		return;
	if (chance(60) && !p->pinned && (pte_of(p->va) & PTE_RW))
		memset((void *)p->va, 0, 4096);
	if (chance(90))
		set_region(p, false);
	op.arg1.mfn = chance(90) ? p->mfn : pick_frame();
	if (!hc(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF))
		note_mmuext(&op);
}

void act_unpin(void)
{
	struct pool_page *p = live_pool();
	struct mmuext_op op = { MMUEXT_UNPIN_TABLE, 0, { 0 }, { 0 } };

	action = "unpin";
	if (!p)
		return;
	op.arg1.mfn = chance(85) ? p->mfn : pick_frame();
	if (!hc(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF))
		note_mmuext(&op);
	if (!p->pinned && chance(70))
		set_region(p, true);		/* fails while still a table: fine */
}

/* One entry of a pool frame (a table or not), or of our L4's slots 1-3. */
void act_pt_entry(void)
{
	static const unsigned int edge[] = { 0, 1, 255, 256, 271, 272, 511 };
	struct pool_page *p = live_pool(), *q = any_pool();
	struct mmu_update u[3];
	unsigned int idx = chance(50) ? edge[pick(ARRAY_SIZE(edge))] : pick(512), n = 1, i;
	uint64_t frame = chance(60) && q->mfn != NO_MFN ? q->mfn : pick_frame();
	domid_t fd = DOMID_SELF;
	long rc;

	action = "mmu_update";
	if (!p)
		return;
	u[0].ptr = (p->mfn << 12) + idx * 8;
	if (chance(15))
		u[0].ptr = (l4_mfn << 12) + (1 + pick(3)) * 8;	/* hook a tree */
	else if (chance(5))
		u[0].ptr += 2 + pick(3);	/* PRESERVE_AD, NO_TRANSLATE, half an entry */
	u[0].val = (frame << 12) | (chance(50) ? PTE_P | PTE_RW | PTE_US | PTE_A : pick_flags());
	if (chance(10))
		u[0].val = 0;
	if (chance(10)) {
		n = 2 + pick(2);				/* repeats, aliases */
		for (i = 1; i < n; i++)
			u[i] = chance(50) ? u[0] : (struct mmu_update){ u[0].ptr + 8, u[0].val };
	}
	if (!me && chance(15))
		fd = other;
	else if (chance(5))
		fd = pick_dom();
	rc = hc(__HYPERVISOR_mmu_update, (uint64_t)u, n, 0, fd);
	for (i = 0; i < n; i++)
		freed_written(u[i].ptr >> 12);
	/*
	 * dom0 mapped, with the peer as foreigndom, a frame the hypervisor
	 * found to be the peer's: reached, as in act_foreign (it may be one
	 * dom0 gave back that the peer got since; its marker is gone then).
	 * Of several updates some may have been made before one failed.
	 */
	if (!me && fd == other && (u[0].val & PTE_P) &&
	    (rc == 0 || (n > 1 && hypervisor_says_owner(frame, other))))
		reached_add(frame);
}

/*
 * MMU_MACHPHYS_UPDATE of frames that may not be ours (the other side's,
 * one we gave back, the hypervisor's): whatever it answers, what it
 * changed of ours is put back at once. Asserted only for Lamina's image
 * at 2 MiB: frames migrate between domains faster than the guest can
 * tell, and a given-back frame stays ours while anything holds it.
 */
void act_machphys(void)
{
	struct pool_page *p = any_pool();
	uint64_t frame, was = ~0ULL;
	struct mmu_update u;

	action = "machphys_update";
	switch (pick(4)) {
	case 0: frame = other_frame(); break;
	case 1: frame = p->old_mfn != NO_MFN ? p->old_mfn : foreign_frame(); break;
	case 2: frame = foreign_frame(); break;
	default: frame = p->mfn != NO_MFN ? p->mfn : foreign_frame();
	}
	if (frame >= (1ULL << 36))
		return;
	probe_read(MACH2PHYS_VIRT_START + frame * 8, &was);
	u = (struct mmu_update){ (frame << 12) | MMU_MACHPHYS_UPDATE, chance(50) ? p->pfn : rnd() };
	if (hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, DOMID_SELF))
		return;
	if (frame == 0x200 && on_lamina_cached)
		violation("MMU_MACHPHYS_UPDATE rewrote the M2P entry of frame 0x200, "
			  "the hypervisor's image");
	u.val = was;
	hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, DOMID_SELF, 0);
}

/* A window VA remapped: own frames, tables, others' frames, nothing. */
void act_map_window(void)
{
	struct win *w = &win[pick(NWIN)];
	uint64_t frame = pick_frame(), val = (frame << 12) | pick_flags();

	action = "update_va_mapping";
	if (chance(20))
		val = 0;
	if (!hc(__HYPERVISOR_update_va_mapping, w->va, val, pick_flush(), 0) && (val & PTE_P))
		w->last_mfn = frame;
}

/*
 * dom0 maps the peer's frames; the peer tries to map dom0's. A present
 * entry dom0 made with the peer as foreigndom maps a frame the hypervisor
 * found to be the peer's at that moment: reached, like one it published,
 * even if it is a frame dom0 gave back earlier that the peer got since
 * (its marker is gone legitimately: it is the peer's page now).
 */
void act_foreign(void)
{
	struct win *w = &win[pick(NWIN)];
	uint64_t frame = chance(70) ? other_frame() : pick_frame();
	uint64_t val = (frame << 12) | (chance(50) ? PTE_DATA : pick_flags());
	bool by_mmu_update = chance(50);
	domid_t fd = chance(85) ? other : pick_dom();

	action = "foreign map";
	if (by_mmu_update) {
		struct mmu_update u = { pte_maddr(w->va), val };

		if (hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, fd))
			return;
	} else if (hc(__HYPERVISOR_update_va_mapping_otherdomain, w->va, val, pick_flush(), fd)) {
		return;
	}
	w->last_mfn = frame;
	if ((val & PTE_P) && (published_by_other(frame) || (!me && fd == other)))
		reached_add(frame);
}

/* ------------------------------------------------------------ memory */

/* Fills a pool page with its marker, if we can write it; true if we did. */
static bool mark(struct pool_page *p)
{
	uint64_t *v = (uint64_t *)p->va, pte = pte_of(p->va);
	unsigned int i;

	if ((pte & (PTE_P | PTE_RW)) != (PTE_P | PTE_RW) || ((pte & PTE_ADDR) >> 12) != p->mfn)
		return false;
	for (i = 0; i < 512; i++)
		v[i] = MARK ^ p->mfn;
	return true;
}

static void given_back(struct pool_page *p, bool marked)
{
	freed_add(p->mfn, marked && !named_in_grant(p->mfn));
	p->old_mfn = p->mfn;
	p->mfn = NO_MFN;
	p->pinned = 0;
	p2m[p->pfn] = NO_MFN;
}

/* For the extra entries of a reservation list: never a frame we live on. */
static uint64_t pick_loose_frame(void)
{
	struct pool_page *p = any_pool();

	switch (pick(4)) {
	case 0: return p->mfn != NO_MFN ? p->mfn : p->old_mfn;
	case 1: return p->old_mfn != NO_MFN ? p->old_mfn : foreign_frame();
	case 2: return other_frame();
	default: return foreign_frame();
	}
}

/* A frame the hypervisor took back: a pool page's, or one of a mutation's. */
static void took_back(uint64_t mfn, struct pool_page *p, bool marked)
{
	unsigned int i;

	for (i = 0; i < NPOOL; i++)
		if (pool[i].mfn == mfn && pool[i].mfn != NO_MFN) {
			given_back(&pool[i], &pool[i] == p && marked);
			return;
		}
	freed_add(mfn, false);
}

void act_decrease(void)
{
	struct pool_page *p = live_pool();
	uint64_t list[3];
	struct xen_memory_reservation r = { (uint64_t)list, 1, 0, 0, DOMID_SELF, { 0 } };
	unsigned int j;
	bool marked;
	long rc;

	action = "decrease_reservation";
	if (!p || p->pinned > 1)
		return;		/* keep trees simple to give back: L1s only */
	marked = mark(p);
	if (chance(85))		/* unmapped first, maybe without a flush */
		hypercall3(__HYPERVISOR_update_va_mapping, p->va, 0,
			   mutation("noflush", 50) ? UVMF_NONE : UVMF_INVLPG);
	list[0] = p->mfn;
	if (chance(15)) {
		r.nr_extents = 2 + pick(2);
		list[1] = chance(50) ? p->mfn : pick_loose_frame();
		list[2] = pick_loose_frame();
	}
	if (chance(3)) {	/* a large extent of frames that are not ours */
		list[0] = chance(50) ? other_frame() : foreign_frame();
		r.nr_extents = 1;
		r.extent_order = 1 + pick(9);
	}
	rc = hc(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, (uint64_t)&r, 0, 0);
	for (j = 0; rc > 0 && j < rc && j < r.nr_extents; j++)
		took_back(list[j], p, marked);
	if (p->mfn != NO_MFN && !(pte_of(p->va) & PTE_P))
		set_region(p, !p->pinned);	/* still ours: map it again */
}

/* Gives a new frame to a pool page that gave its own back. */
static bool refill(struct pool_page *p, uint64_t mfn)
{
	struct mmu_update u = { (mfn << 12) | MMU_MACHPHYS_UPDATE, p->pfn };

	if (hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, DOMID_SELF, 0))
		return false;
	freed_forget(mfn);
	p->mfn = mfn;
	p2m[p->pfn] = mfn;
	p->pinned = 0;
	publish_frame(mfn);
	set_region(p, true);
	return true;
}

static void drop_frame(uint64_t mfn);

/*
 * Frames we got, published before anything else: a grant entry we wrote
 * earlier may name one (offered_by_other), even one we keep only for a
 * moment (an extent of a higher order, an extra frame we drop).
 */
static void publish_got(const uint64_t *list, long got, uint64_t asked, unsigned int order)
{
	uint64_t i, j;

	for (i = 0; got > 0 && i < (uint64_t)got && i < asked && i < 2; i++)
		for (j = 0; j < (1ULL << order); j++)
			publish_frame(list[i] + j);
}

void act_increase(void)
{
	unsigned int i, start = pick(NPOOL);
	struct pool_page *p = NULL;
	uint64_t list[2] = { 0, 0 };
	struct xen_memory_reservation r = { (uint64_t)list, 1, 0, 0, DOMID_SELF, { 0 } };
	long rc;

	action = "increase_reservation";
	for (i = 0; i < NPOOL && !p; i++)
		if (pool[(start + i) % NPOOL].mfn == NO_MFN)
			p = &pool[(start + i) % NPOOL];
	if (!p)
		return;
	if (chance(10))
		r.nr_extents = pick(3);
	if (chance(5))
		r.extent_order = 1 + pick(3);
	if (chance(5))
		r.mem_flags = 20 + pick(12);		/* address bits */
	if (chance(3))
		r.domid = pick_dom();
	rc = hc(__HYPERVISOR_memory_op, XENMEM_increase_reservation, (uint64_t)&r, 0, 0);
	if (trace)
		printf("fuzz: increase %lu order %u dom %u gave %ld: %#lx %#lx\n",
		       (unsigned long)r.nr_extents, r.extent_order, r.domid, rc,
		       (unsigned long)list[0], (unsigned long)list[1]);
	if (r.domid == self_id)
		r.domid = DOMID_SELF;		/* our own id: the same, frames for us */
	if (r.domid == DOMID_SELF)
		publish_got(list, rc, r.nr_extents, r.extent_order);
	if (rc >= 1 && r.domid == other && r.extent_order == 0)
		for (i = 0; i < (unsigned int)rc && i < 2; i++)
			reached_add(list[i]);	/* dom0 gave the peer frames: may map them */
	if (rc >= 1 && r.extent_order == 0 && r.domid == DOMID_SELF)
		refill(p, list[0]);
	if (rc >= 1 && r.extent_order && r.domid == DOMID_SELF) {	/* not for the pool */
		struct xen_memory_reservation d = r;

		d.nr_extents = rc;
		if (hypercall2(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, &d) != rc && trace)
			printf("fuzz: could not drop the extents\n");
		return;
	}
	if (rc >= 2 && r.extent_order == 0 && r.domid == DOMID_SELF)
		drop_frame(list[1]);		/* the extra one goes back */
}

/* Frames we do not keep: straight back to the hypervisor. */
static void drop_frame(uint64_t mfn)
{
	struct xen_memory_reservation d = { (uint64_t)&mfn, 1, 0, 0, DOMID_SELF, { 0 } };

	if (hypercall2(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, &d) == 1)
		freed_add(mfn, false);
	else if (trace)
		printf("fuzz: could not drop frame %#lx\n", (unsigned long)mfn);
}

/* One input frame of an exchange went, `got` came: the pool page's own, or a mutation's. */
static void exchanged(struct pool_page *p, uint64_t gave, uint64_t got, bool marked)
{
	if (p && p->mfn == gave) {
		given_back(p, marked);
		refill(p, got);
		return;
	}
	took_back(gave, NULL, false);
	drop_frame(got);
}

/*
 * The exploit shape of issue 16 A.2 as one action: touch a page, unmap it
 * without a flush, give its frame back, then make the hypervisor allocate
 * for itself (a bigger grant table, its active entries, an event bucket).
 * If it hands out the frame before flushing, our stale translation shows
 * its data instead of our marker (checked right after).
 */
void act_reuse(void)
{
	unsigned int first = pick(NPOOL - 3), n = 1 + pick(4), i;
	uint64_t list[4], frames[NGNT], v;
	struct xen_memory_reservation r = { (uint64_t)list, 0, 0, 0, DOMID_SELF, { 0 } };
	struct gnttab_setup_table st = { DOMID_SELF, 0, 0, 0, { 0 }, (uint64_t)frames };
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };
	bool marked[4];
	long rc;

	action = "reuse";
	if (!mutation("noflush", 100))
		return;
	for (i = 0; i < n; i++) {	/* neighbours: the hypervisor may want them together */
		struct pool_page *p = &pool[first + i];

		if (p->mfn == NO_MFN || p->pinned || (i && p->mfn != list[i - 1] + 1))
			break;
		marked[i] = mark(p);
		if (!marked[i] || !probe_read(p->va, &v))
			break;		/* its translation is in the TLB now */
		list[i] = p->mfn;
	}
	if (!(n = i))
		return;
	for (i = 0; i < n; i++)
		hc(__HYPERVISOR_update_va_mapping, pool[first + i].va, 0, UVMF_NONE, 0);
	r.nr_extents = n;
	rc = hc(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, (uint64_t)&r, 0, 0);
	for (i = 0; i < n; i++) {
		if ((long)i < rc)
			given_back(&pool[first + i], marked[i]);
		else
			set_region(&pool[first + i], true);
	}
	st.nr_frames = gnt_frames < NGNT ? gnt_frames + 1 : gnt_frames;
	if (!gnttab(GNTTABOP_setup_table, &st, 1) && !st.status)
		grant_frames(st.nr_frames);
	hc(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (uint64_t)&au, 0, 0);
}

void act_exchange(void)
{
	struct pool_page *in[2];
	uint64_t ilist[3], olist[3], gave[3];
	struct xen_memory_exchange x;
	unsigned int n = 1 + pick(2), i;
	const uint64_t *outl;
	bool marked[2];

	action = "exchange";
	for (i = 0; i < n; i++) {
		in[i] = live_pool();
		if (!in[i] || in[i]->pinned)
			return;
	}
	if (n == 2 && in[0] == in[1] && (chance(50) || !mutation("exchange-dup", 100)))
		n = 1;
	for (i = 0; i < n; i++) {
		marked[i] = in[i] != in[0] || !i ? mark(in[i]) : marked[0];
		hypercall3(__HYPERVISOR_update_va_mapping, in[i]->va, 0,
			   mutation("noflush", 50) ? UVMF_NONE : UVMF_INVLPG);
		ilist[i] = in[i]->mfn;
		olist[i] = in[i]->pfn;
	}
	memset(&x, 0, sizeof(x));
	x.in = (struct xen_memory_reservation){ (uint64_t)ilist, n, 0, 0, DOMID_SELF, { 0 } };
	x.out = (struct xen_memory_reservation){ (uint64_t)olist, n, 0, 0, DOMID_SELF, { 0 } };
	if (mutation("exchange-dup", 15)) {		/* one input frame twice */
		ilist[n] = ilist[0];
		olist[n] = olist[0];
		x.in.nr_extents = x.out.nr_extents = n + 1;
	} else if (chance(15)) {
		i = pick(n);
		ilist[i] = pick_loose_frame();
		if (n == 2 && ilist[0] == ilist[1] && !mutation("exchange-dup", 100))
			ilist[i] = foreign_frame();
	} else if (chance(5)) {
		x.out.extent_order = 1;
	} else if (chance(5)) {
		x.out.extent_start = (uint64_t)ilist;		/* one list for both */
	}
	if (trace)
		printf("fuzz: exchange in %lu: %#lx %#lx %#lx, out %lu (order %u) at %s\n",
		       (unsigned long)x.in.nr_extents, (unsigned long)ilist[0],
		       (unsigned long)ilist[1], (unsigned long)ilist[2],
		       (unsigned long)x.out.nr_extents, x.out.extent_order,
		       x.out.extent_start == (uint64_t)ilist ? "the in list" : "its own list");
	memcpy(gave, ilist, sizeof(gave));	/* the out list may be the in list */
	hc(__HYPERVISOR_memory_op, XENMEM_exchange, (uint64_t)&x, 0, 0);
	outl = (const uint64_t *)x.out.extent_start;
	if (trace)
		printf("fuzz: exchanged %lu: %#lx %#lx\n", (unsigned long)x.nr_exchanged,
		       (unsigned long)outl[0], (unsigned long)outl[1]);
	/* Xen commits chunk by chunk: nr_exchanged counts even when rc < 0. */
	for (i = 0; i < x.nr_exchanged && i < x.in.nr_extents && i < 3; i++)
		if (x.out.extent_order == 0)
			publish_frame(outl[i]);		/* publish_got's reason */
	for (i = 0; i < x.nr_exchanged && i < x.in.nr_extents && i < 3; i++)
		if (x.out.extent_order == 0)
			exchanged(i < n ? in[i] : NULL, gave[i], outl[i], i < n && marked[i]);
	for (i = 0; i < n; i++)
		if (in[i]->mfn != NO_MFN)
			set_region(in[i], true);
}
