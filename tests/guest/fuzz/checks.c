// SPDX-License-Identifier: GPL-2.0-only
/*
 * Part of fuzz-state: the invariants checked after every step (the
 * essay's 1-3): every mapping walked from our tables, the hypervisor's
 * range unreadable, the markers in frames given back intact.
 */
#include "fuzz.h"

static bool violated;

int violation(const char *fmt, ...)
{
	va_list ap;

	if (violated)
		return -1;	/* the first one is the one to replay */
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	violated = true;
	return -1;
}

/* A page of a table we can read: its region VA if mapped there, else a peek. */
static const uint64_t *table_view(uint64_t mfn)
{
	uint64_t va = 0, v;

	if (mfn < (1ULL << 36) && probe_read(MACH2PHYS_VIRT_START + mfn * 8, &va))
		va = GUEST_VIRT_BASE + (va << 12);	/* mfn_to_va(), but no fault */
	if (va - GUEST_VIRT_BASE < ((uint64_t)si->nr_pages << 12) && probe_read(va, &v) &&
	    (pte_of(va) & (PTE_ADDR | PTE_P)) == ((mfn << 12) | PTE_P))
		return (const uint64_t *)va;
	if (update_va_mapping(peek_va, (mfn << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG))
		return NULL;
	return (const uint64_t *)peek_va;
}

/* The tables we found: frame, level, and the VA its entry 0 maps (or NO_MFN). */
/*
 * The tables we found: frame, level, the VA its entry 0 maps (or NO_MFN),
 * and whether the path to it was writable all the way (a read-only entry
 * above makes everything below read-only, as the MMU combines them). A
 * table reached both ways is listed twice.
 */
#define MAX_TABLES	512
static struct { uint64_t mfn, va; int level; bool rw; } tables[MAX_TABLES];
static unsigned int ntables;

static bool seen_table(uint64_t mfn, int level, bool rw)
{
	unsigned int i;

	for (i = 0; i < ntables; i++)
		if (tables[i].mfn == mfn && tables[i].level == level && tables[i].rw == rw)
			return true;
	return false;
}

/*
 * An L4 of ours (the one we run on, or a pool page pinned as one). Xen 4.17
 * lets an entry reference a table of its own level (linear page tables,
 * pv-linear-pt): such an L4 met one level down is walked as its own root,
 * not as an L3 whose slots 256-271 would be the hypervisor's.
 */
#define HV_SLOT		262	/* a hypervisor L4 slot every L4 shares (direct map) */
static uint64_t hv_slot;

static bool known_l4(uint64_t mfn)
{
	unsigned int i;

	if (mfn == l4_mfn)
		return true;
	for (i = 0; i < NPOOL; i++)
		if (pool[i].mfn == mfn && pool[i].pinned == 4)
			return true;
	return false;
}

static bool is_table(uint64_t mfn)
{
	unsigned int i;

	for (i = 0; i < ntables; i++)
		if (tables[i].mfn == mfn)
			return true;
	return false;
}

static uint64_t canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16);
}

/* Adds a table frame (level 1-4) and, above L1, the tables it references. */
static uint64_t parent_table;	/* for the report: the table that referenced it */
static int walk_root = -1;	/* for the report: -1 our L4, else the pinned pool page */

static int add_table(uint64_t mfn, int level, uint64_t va, bool rw)
{
	static uint64_t copies[5][512];		/* the boot stack is one page */
	uint64_t *entries = copies[level];
	const uint64_t *t;
	unsigned int i;

	if (seen_table(mfn, level, rw) || (level < 4 && known_l4(mfn)))
		return 0;
	if (!is_own(mfn) && freed_index(mfn) < 0 && !hypervisor_says_ours(mfn)) {
		uint64_t m2p = ~0ULL;

		probe_read(MACH2PHYS_VIRT_START + mfn * 8, &m2p);
		return violation("an L%d table in use is frame %#lx, not ours (M2P %#lx, p2m "
				 "there %#lx; referenced by %#lx, under %s %d)", level,
				 (unsigned long)mfn, (unsigned long)m2p,
				 (unsigned long)(m2p < si->nr_pages ? p2m[m2p] : ~0ULL),
				 (unsigned long)parent_table, walk_root < 0 ? "our L4" : "pool page",
				 walk_root < 0 ? 4 : walk_root);
	}
	if (ntables == MAX_TABLES)
		return 0;
	tables[ntables].mfn = mfn;
	tables[ntables].va = va;
	tables[ntables].rw = rw;
	tables[ntables++].level = level;
	if (level == 1)
		return 0;
	t = table_view(mfn);
	if (!t)
		return violation("cannot map our L%d table %#lx read-only", level,
				 (unsigned long)mfn);
	memcpy(entries, t, sizeof(copies[0]));	/* the peek page is reused below */
	if (level == 4)
		hv_slot = entries[HV_SLOT];
	else if ((hv_slot & PTE_P) && entries[HV_SLOT] == hv_slot)
		return 0;	/* an L4 (it has the hypervisor's slots) met linearly */
	for (i = 0; i < 512; i++) {
		uint64_t sub = va == NO_MFN ? NO_MFN :
			       canonical(va + ((uint64_t)i << (12 + 9 * (level - 1))));

		if (level == 4 && i >= 256 && i < 272)
			continue;		/* the hypervisor's slots */
		if (!(entries[i] & PTE_P))
			continue;
		if (entries[i] & PTE_PSE)
			return violation("L%d %#lx entry %u is a superpage (%#lx)", level,
					 (unsigned long)mfn, i, (unsigned long)entries[i]);
		parent_table = mfn;
		if (add_table((entries[i] & PTE_ADDR) >> 12, level - 1, sub,
			      rw && (entries[i] & PTE_RW)))
			return -1;
	}
	return 0;
}

/* Invariant 3 for one VA: what it reaches of a frame we gave back is our marker. */
static int check_marker(uint64_t va, uint64_t last_mfn, bool mapped)
{
	static const unsigned int offs[] = { 0, 1024, 2048, SCRIBBLE - 8 };
	unsigned int i;
	uint64_t v;

	if (!mapped) {			/* a region VA: look at its PTE */
		uint64_t pte = pte_of(va);

		mapped = pte & PTE_P;
		if (mapped)
			last_mfn = (pte & PTE_ADDR) >> 12;	/* what it maps now */
	}
	if (mapped && (is_own(last_mfn) || is_special(last_mfn) || was_reached(last_mfn)))
		return 0;		/* the other side's (or ours) again, legitimately */
	if (!freed_marked(last_mfn))
		return 0;
	/*
	 * Mapped, and the hypervisor calls it ours: it came back to us in a way
	 * we did not follow (Lamina never releases a mapped frame), or on Xen
	 * it is still ours while mapped, where only our own writes change it.
	 */
	if (mapped && hypervisor_says_ours(last_mfn))
		return 0;
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		if (!probe_read(va + offs[i], &v))
			return 0;	/* no translation left: fine */
		/* A stale entry may still show an older frame of ours: any marker will do. */
		if (v != (MARK ^ last_mfn) && !((v ^ MARK) < (1ULL << 36) && freed_marked(v ^ MARK)))
			return violation("frame %#lx, given back, was reused while %#lx still "
					 "reaches it (%s; reads %#lx at +%u)", (unsigned long)last_mfn,
					 (unsigned long)va, mapped ? "mapped" : "stale TLB",
					 (unsigned long)v, offs[i]);
	}
	return 0;
}

static int check_leaf(uint64_t l1, unsigned int i, uint64_t e, uint64_t va, bool rw)
{
	uint64_t mfn = (e & PTE_ADDR) >> 12, m2p = ~0ULL;

	if (is_own(mfn)) {
		if (rw && (e & PTE_RW) && is_table(mfn))
			return violation("L1 %#lx entry %u maps our table %#lx writable",
					 (unsigned long)l1, i, (unsigned long)mfn);
		return 0;
	}
	if (is_special(mfn) || was_reached(mfn) || dom0_io_frame(mfn))
		return 0;
	/* Xen 4.17 lets dom0 read the IOAPIC and HPET (mmio_ro_ranges), never the LAPIC */
	if (hypervisor_driven(mfn) && (mfn == 0xFEE00 || (rw && (e & PTE_RW))))
		return violation("L1 %#lx entry %u (%#lx) maps frame %#lx, an interrupt "
				 "controller the hypervisor drives", (unsigned long)l1, i,
				 (unsigned long)e, (unsigned long)mfn);
	if (hypervisor_driven(mfn) && !me)
		return 0;
	if (freed_index(mfn) >= 0)	/* ours while we map it, if it kept the marker */
		return va == NO_MFN ? 0 : check_marker(va, mfn, true);
	if (hypervisor_says_ours(mfn))
		return 0;
	if (!me && hypervisor_says_owner(mfn, other))
		return 0;	/* dom0 may map any frame of the peer's */
	probe_read(MACH2PHYS_VIRT_START + mfn * 8, &m2p);
	return violation("L1 %#lx entry %u (%#lx) maps frame %#lx, which is not ours "
			 "(M2P %#lx)", (unsigned long)l1, i, (unsigned long)e, (unsigned long)mfn,
			 (unsigned long)m2p);
}

/*
 * A pool page we believe pinned, checked: one that maps writable is no
 * table (some call we could not follow unpinned it), so its contents are
 * plain data and not to be walked.
 */
static bool still_typed(struct pool_page *p)
{
	if (!is_own(p->mfn)) {
		if (trace)
			printf("fuzz: pool frame %#lx is not ours\n", (unsigned long)p->mfn);
		return false;
	}
	if (update_va_mapping(peek_va, (p->mfn << 12) | PTE_DATA, UVMF_INVLPG))
		return true;
	update_va_mapping(peek_va, 0, UVMF_INVLPG);
	p->pinned = 0;
	return false;
}

/* Invariant 1: walks every table reachable from our L4 and from pinned ones. */
static int check_mappings(void)
{
	static uint64_t entries[512];
	unsigned int i, j;

	ntables = 0;
	walk_root = -1;
	if (add_table(l4_mfn, 4, 0, true))
		return -1;
	for (i = 0; i < NPOOL; i++) {
		parent_table = NO_MFN;
		walk_root = (int)i;
		if (pool[i].pinned && pool[i].mfn != NO_MFN && still_typed(&pool[i]) &&
		    add_table(pool[i].mfn, pool[i].pinned, NO_MFN, true))
			return -1;
	}
	for (i = 0; i < ntables; i++) {
		const uint64_t *t;
		uint64_t base = tables[i].va;

		if (tables[i].level != 1)
			continue;
		t = table_view(tables[i].mfn);
		if (!t)
			return violation("cannot map our L1 %#lx", (unsigned long)tables[i].mfn);
		memcpy(entries, t, sizeof(entries));
		for (j = 0; j < 512; j++)
			if ((entries[j] & PTE_P) &&
			    check_leaf(tables[i].mfn, j, entries[j],
				       base == NO_MFN ? NO_MFN : base + j * 4096ULL, tables[i].rw))
				return -1;
	}
	return 0;
}

/* Invariant 2: the hypervisor's range, outside the read-only M2P. */
static int check_hypervisor_range(void)
{
	static const uint64_t fixed[] = {
		0xFFFF830000000000ULL + 0x200000,	/* a direct map's 2 MiB */
		0xFFFF82D040200000ULL,			/* Xen's text */
		0xFFFF810000000000ULL,			/* a linear-map slot */
	};
	uint64_t span = HYPERVISOR_VIRT_END - MACH2PHYS_VIRT_END, v;
	uint64_t addr = MACH2PHYS_VIRT_END + (pick(span) & ~7ULL);

	if (chance(50))
		addr = fixed[pick(ARRAY_SIZE(fixed))];
	if (probe_read(addr, &v))
		return violation("hypervisor address %#lx is readable (%#lx)",
				 (unsigned long)addr, (unsigned long)v);
	return 0;
}

static int check_markers(void)
{
	unsigned int i;

	for (i = 0; i < NPOOL; i++)
		if (check_marker(pool[i].va, pool[i].mfn == NO_MFN ? pool[i].old_mfn : NO_MFN, false))
			return -1;
	for (i = 0; i < NWIN; i++)
		if (check_marker(win[i].va, win[i].last_mfn, false))
			return -1;
	return 0;
}

int check_all(void)
{
	if (violated || check_hypervisor_range() || check_markers() || check_mappings())
		return -1;
	return 0;
}
