// SPDX-License-Identifier: GPL-2.0-only
/*
 * Part of fuzz-state: the actions on grants. Publishing frames to the
 * other side, our table's entries, frames and version, and the other
 * side's refs mapped, unmapped, copied and swapped.
 */
#include "fuzz.h"

void publish_frame(uint64_t mfn)
{
	unsigned int i, n;

	if (!box || mfn == NO_MFN)
		return;		/* dom0, before it has mapped the mailbox */
	n = box->npub[me];
	for (i = 0; i < n && i < NPUB; i++)
		if (box->pub[me][i] == mfn)
			return;
	box->pub[me][n % NPUB] = mfn;
	__atomic_store_n(&box->npub[me], n + 1, __ATOMIC_RELEASE);
}

void publish(void)
{
	unsigned int i;

	if (!box)
		return;		/* dom0, before it has mapped the mailbox */
	for (i = 0; i < NPOOL + NSHARE; i++)
		publish_frame(pool[i].mfn);
	publish_frame(shinfo_mfn);
	if (si->console.domU.mfn && me)
		publish_frame(si->console.domU.mfn);
	if (me)
		publish_frame(va_to_mfn((uint64_t)box));
	for (i = 0; i < gnt_frames; i++)
		publish_frame(gnt_mfn[i]);
	for (i = 0; i < status_frames; i++)
		publish_frame(status_mfn[i]);
}

/* Maps our table's frames (after setup_table or a version switch). */
long grant_frames(unsigned int want)
{
	uint64_t frames[NGNT];
	struct gnttab_setup_table st = { DOMID_SELF, 0, want, 0, { 0 }, (uint64_t)frames };
	unsigned int i;
	long rc;

	rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &st, 1);
	if (rc || st.status)
		return rc ? rc : st.status;
	for (i = 0; i < want; i++)
		if (update_va_mapping(gnt_va[i], (frames[i] << 12) | PTE_DATA, UVMF_INVLPG))
			return -EFAULT;
	memcpy(gnt_mfn, frames, want * sizeof(frames[0]));
	gnt_frames = want;
	for (i = 0; i < want; i++)
		freed_forget(frames[i]);	/* one we gave back may come back so */
	status_frames = 0;
	if (gnt_version == 2) {		/* v2 keeps the in-use bits in frames of their own */
		struct gnttab_get_status_frames gs = { (want * 256 * 2 + 4095) / 4096, DOMID_SELF,
						       0, (uint64_t)status_mfn };

		if (!hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_get_status_frames, &gs, 1) &&
		    !gs.status)
			status_frames = gs.nr_frames;
		for (i = 0; i < status_frames; i++)
			freed_forget(status_mfn[i]);
	}
	publish();
	return 0;
}

void grant_write(grant_ref_t ref, domid_t dom, uint64_t frame, uint16_t flags)
{
	if (ref >= gnt_capacity())
		return;
	if (gnt_version == 2) {
		struct fz_grant_v2 *e = (struct fz_grant_v2 *)gnt_va[ref / 256] + ref % 256;

		e->domid = dom;
		e->frame = frame;
		__atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
	} else {
		struct grant_entry_v1 *e = (struct grant_entry_v1 *)gnt_va[ref / 512] + ref % 512;

		e->domid = dom;
		e->frame = (uint32_t)frame;
		__atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
	}
}

/*
 * A frame for a grant entry: one we published (our pool's may be tables
 * by now), or one we may not grant: given back, the other side's, the
 * hypervisor's. Never an unpublished one of ours, which would be legal.
 */
static uint64_t pick_grant_frame(void)
{
	struct pool_page *p = any_pool();

	switch (chance(60) ? 0 : pick(6)) {
	case 0: return pool[NPOOL + pick(NSHARE)].mfn;
	case 1: return p->mfn != NO_MFN ? p->mfn : p->old_mfn;
	case 2: return p->old_mfn != NO_MFN ? p->old_mfn : foreign_frame();
	case 3: return other_frame();
	case 4: return chance(50) ? shinfo_mfn : gnt_mfn[pick(gnt_frames)];
	default: return foreign_frame();
	}
}

/* The frame our own entry `ref` names (NO_MFN past the table). */
static uint64_t grant_frame_of(grant_ref_t ref)
{
	if (ref >= gnt_capacity())
		return NO_MFN;
	if (gnt_version == 2)
		return ((struct fz_grant_v2 *)gnt_va[ref / 256] + ref % 256)->frame;
	return ((struct grant_entry_v1 *)gnt_va[ref / 512] + ref % 512)->frame;
}

bool named_in_grant(uint64_t mfn)
{
	unsigned int r;

	for (r = 0; r < gnt_capacity(); r++)
		if (grant_frame_of(r) == mfn)
			return true;
	return false;
}

void act_grant_entry(void)
{
	grant_ref_t ref = chance(70) ? REF_SHARE + pick(NSHARE) : pick_ref();
	uint64_t frame = pick_grant_frame();
	uint16_t flags = GTF_permit_access | (chance(30) ? GTF_readonly : 0);

	action = "grant entry";
	if (ref == REF_MAILBOX && me)
		return;
	if (chance(10))
		flags = (uint16_t)rnd() & ~(GTF_reading | GTF_writing);
	if (chance(10))
		flags = 0;		/* ended, as a granter would */
	if (is_own(frame) || hypervisor_says_ours(frame))
		publish_frame(frame);	/* ours to grant, maybe fallen out of the ring */
	grant_write(ref, chance(85) ? other : pick_dom(), frame, flags);
	freed_written(frame);	/* the other side may write it through the grant */
	calls++;		/* a step, not a hypercall: count it anyway */
}

void act_setup_table(void)
{
	uint64_t frames[NGNT + 1];
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1 + pick(gnt_frames + 1), 0, { 0 },
					 (uint64_t)frames };

	action = "setup_table";
	if (chance(10))
		st.nr_frames = chance(50) ? 0 : 1000;
	if (chance(5))
		st.dom = pick_dom();
	if (chance(5))
		st.frame_list = MACH2PHYS_VIRT_START;
	if (!gnttab(GNTTABOP_setup_table, &st, 1) && !st.status && st.nr_frames <= NGNT &&
	    st.nr_frames > gnt_frames && st.frame_list == (uint64_t)frames)
		grant_frames(st.nr_frames);
}

void act_set_version(void)
{
	struct gnttab_set_version sv = { chance(80) ? 1 + pick(2) : pick(4) };
	uint32_t want = sv.version;

	action = "set_version";
	if (!gnttab(GNTTABOP_set_version, &sv, 1) && (want == 1 || want == 2) && want != gnt_version) {
		gnt_version = want;
		if (gnt_frames < 2)
			gnt_frames = 2;
		grant_frames(gnt_frames);	/* the frames may have moved */
	}
}

static struct handle *free_handle(void)
{
	unsigned int i;

	for (i = 0; i < NHANDLES; i++)
		if (!handles[i].used)
			return &handles[i];
	return NULL;
}

void act_map_grant(void)
{
	static const uint32_t fl[] = {
		GNTMAP_host_map, GNTMAP_host_map | GNTMAP_readonly, GNTMAP_device_map,
		GNTMAP_host_map | GNTMAP_device_map, GNTMAP_host_map | GNTMAP_contains_pte,
		GNTMAP_device_map | GNTMAP_readonly, GNTMAP_host_map | GNTMAP_application_map,
	};
	struct win *w = &win[pick(NWIN)];
	struct gnttab_map_grant_ref op = { w->va, fl[pick(ARRAY_SIZE(fl))], pick_ref(), pick_dom(),
					   0, 0, 0 };
	struct handle *h = free_handle();
	uint64_t mfn;

	action = "map_grant_ref";
	if (!h)
		return;
	if (op.flags & GNTMAP_contains_pte)
		op.host_addr = pte_maddr(w->va);
	if (chance(5))
		op.host_addr = chance(50) ? w->va + 1 : pool[pick(NPOOL)].va;
	if (gnttab(GNTTABOP_map_grant_ref, &op, 1) || op.status)
		return;
	*h = (struct handle){ op.host_addr, op.dev_bus_addr, op.handle, true };
	mfn = op.dev_bus_addr >> 12;
	if (op.dom == other ? !offered_by_other(mfn) :
	    !published_by_other(mfn) && !is_own(mfn) && !is_special(mfn))
		violation("map_grant_ref of d%u's ref %u gave frame %#lx, which it never offered",
			  op.dom, op.ref, (unsigned long)mfn);
	else if (op.dom == other || published_by_other(mfn))
		reached_add(mfn);
	if (op.flags & GNTMAP_host_map)
		w->last_mfn = mfn;
	/* Scribble forged PTEs into what we got writable, past the mailbox. */
	if ((op.flags & (GNTMAP_host_map | GNTMAP_readonly | GNTMAP_contains_pte)) ==
	    GNTMAP_host_map && chance(50) && (pte_of(w->va) & PTE_RW))
		((volatile uint64_t *)w->va)[SCRIBBLE / 8 + pick((4096 - SCRIBBLE) / 8)] =
			(0x200ULL << 12) | PTE_DATA;
}

void act_unmap_grant(void)
{
	struct handle *h = &handles[pick(NHANDLES)];
	struct gnttab_unmap_grant_ref op = { h->addr, h->bus, h->h, 0, 0 };

	action = "unmap_grant_ref";
	if (!h->used && chance(80))
		return;
	if (chance(15))
		op.handle += chance(50) ? 1 : -1;
	if (chance(10))
		op.host_addr = win[pick(NWIN)].va;
	if (chance(10))
		op.dev_bus_addr = 0;
	if (!gnttab(GNTTABOP_unmap_grant_ref, &op, 1) && !op.status && op.handle == h->h)
		h->used = false;
}

static void copy_ptr(struct gnttab_copy_ptr *c, uint16_t *flags, uint16_t flag, bool dest)
{
	if (chance(50)) {
		*flags |= flag;
		c->u.ref = pick_ref();
		c->domid = pick_dom();
	} else {
		/* our own frame: as a destination only pool ones, never the kernel */
		c->u.gmfn = dest ? (chance(80) ? pool[pick(NPOOL + NSHARE)].mfn : pick_frame())
				 : pick_frame();
		if (dest && c->u.gmfn == va_to_mfn((uint64_t)box))
			c->u.gmfn = pool[NPOOL].mfn;
		c->domid = chance(90) ? DOMID_SELF : pick_dom();
	}
}

void act_copy(void)
{
	static const uint16_t offs[] = { 0, 1, 2048, 4000, 4095, 4096 };
	struct gnttab_copy c[3];
	unsigned int n = 1 + pick(3), i;

	action = "copy";
	for (i = 0; i < n; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		copy_ptr(&c[i].source, &c[i].flags, GNTCOPY_source_gref, false);
		copy_ptr(&c[i].dest, &c[i].flags, GNTCOPY_dest_gref, true);
		c[i].source.offset = chance(50) ? pick(4096) : offs[pick(ARRAY_SIZE(offs))];
		c[i].dest.offset = chance(50) ? pick(4096) : offs[pick(ARRAY_SIZE(offs))];
		c[i].len = chance(50) ? pick(97) : (uint16_t)(4096 - c[i].dest.offset + pick(3));
		if (c[i].dest.offset < SCRIBBLE && (c[i].flags & GNTCOPY_dest_gref) &&
		    c[i].dest.u.ref == REF_MAILBOX)
			c[i].dest.offset = SCRIBBLE;	/* the mailbox itself stays intact */
	}
	if (chance(5))
		c[1] = c[0];
	for (i = 0; i < n; i++)
		freed_written(c[i].flags & GNTCOPY_dest_gref ? grant_frame_of(c[i].dest.u.ref) :
			      c[i].dest.u.gmfn);
	if (gnttab(GNTTABOP_copy, c, n))
		return;
	for (i = 0; i < n; i++)
		if (c[i].status == GNTST_okay && !(c[i].flags & GNTCOPY_source_gref) &&
		    !still_ours(c[i].source.u.gmfn) && !hypervisor_says_ours(c[i].source.u.gmfn))
			violation("GNTTABOP_copy read frame %#lx, which is not ours",
				  (unsigned long)c[i].source.u.gmfn);
}

void act_swap(void)
{
	struct gnttab_swap_grant_ref s = { pick_ref(), pick_ref(), 0 };

	action = "swap_grant_ref";
	if (me && (s.ref_a == REF_MAILBOX || s.ref_b == REF_MAILBOX))
		return;
	if (chance(20))
		s.ref_b = s.ref_a + (chance(50) ? 1 : -1);
	gnttab(GNTTABOP_swap_grant_ref, &s, 1);
}
