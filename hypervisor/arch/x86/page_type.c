// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page types and references: how a guest may edit the page tables the MMU
 * walks without ever reaching memory it does not own.
 *
 * Every RAM frame has an owner and two counts. `count` holds general
 * references: the owner's allocation reference, every validated entry that
 * maps the frame, every pin and base pointer. `type_count` holds references
 * to the frame's current type, one of: L1, L2, L3, L4 (a page table of
 * that level), segment descriptor, or writable (plain data mapped RW).
 * A frame has one type at a time; it can take a new type only when its
 * type_count is 0. Hence:
 *
 *   - a page table is never mapped writable: a RW L1 entry takes a
 *     writable-type reference, which a page-table frame cannot give;
 *   - a frame mapped writable anywhere cannot become a page table.
 *
 * A frame becomes a page table when its type count goes from 0 to 1 as a
 * page-table type: every present entry in it is then validated, which
 * takes the references its targets need (an L2 entry takes an L1-type
 * reference on its target, and so on, so validating an L4 validates the
 * tree below it). The entries are adjusted on the way (pv-abi-core.md §5.3:
 * U forced on because the guest kernel runs in ring 3, bit 52 marks a
 * kernel L1 mapping). When the last type reference goes, the frame is
 * devalidated: every entry's references are dropped again. The hypervisor's
 * L4 slots 256-271 are ours: skipped by validation and overwritten with our
 * entries. A descriptor page (GDT/LDT) is checked descriptor by
 * descriptor when it takes its type and holds no references. Frames owned
 * by DOMID_IO (non-RAM, the first MiB) may be mapped
 * by privileged domains and carry no references.
 *
 * A frame's last writable mapping may live on in the TLB after the entry is
 * gone; the frame records the flush clock then, and taking a page-table or
 * descriptor type flushes first unless a CR3 load has happened since.
 *
 * One CPU for now; SMP needs a lock per domain around updates and
 * flushes on every CPU the domain ran on.
 */
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/page_alloc.h>
#include <hv/domain.h>
#include <asm/page.h>
#include <asm/desc.h>
#include <asm/x86.h>

#define _PAGE_GUEST_KERNEL	(1ULL << 52)
#define COUNT_MAX		0xFFFFFF00U

/* Bits an entry may carry: L2-L4 only P RW US A D, 9-11, 52-62, NX. */
#define UPPER_ALLOWED	(0x7FF0000000000E67ULL | _PAGE_NX | PTE_ADDR_MASK)
#define L1_ALLOWED	(UPPER_ALLOWED | _PAGE_GLOBAL)
#define L1_IO_BITS	(_PAGE_PWT | _PAGE_PCD | _PAGE_PSE)	/* PSE = PAT in an L1 */

struct page_info *frame_table;
uint64_t frame_table_size;
uint32_t tlbflush_clock = 1;

/*
 * A frame that was mapped writable may still be writable through a cached
 * translation after its last RW entry is gone. Before such a frame becomes
 * a page table or descriptor page, flush unless a CR3 load happened since.
 */
static void flush_stale_writable(struct page_info *pg)
{
	if (pg->tlbflush_stamp == tlbflush_clock)
		write_cr3(read_cr3());
}

static struct page_info *pg_of(mfn_t mfn)
{
	return mfn < frame_table_size ? &frame_table[mfn] : NULL;
}

int get_page(mfn_t mfn, const struct domain *d)
{
	struct page_info *pg = pg_of(mfn);

	if (!pg || pg->owner != d->domid || !pg->count)
		return -EPERM;
	if (pg->count >= COUNT_MAX)
		return -EOVERFLOW;
	pg->count++;
	return 0;
}

void frame_release(mfn_t mfn)
{
	m2p[mfn] = INVALID_M2P;
	free_frame(mfn);
}

/*
 * The last reference went: only a dead domain's frames lose their
 * allocation reference first. Out of line, so put_page stays a leaf on
 * the path every PTE update takes.
 */
static void __attribute__((noinline, cold)) last_put(mfn_t mfn, const struct page_info *pg)
{
	struct domain *owner = domain_by_id(pg->owner);

	BUG_ON(pg->type_count || !owner || !owner->dying || !owner->nr_held);
	frame_release(mfn);
	if (!--owner->nr_held)
		pr_info("d%u: the last of its frames is free\n", owner->domid);
}

void put_page(mfn_t mfn)
{
	struct page_info *pg = pg_of(mfn);

	BUG_ON(!pg || !pg->count);
	if (!--pg->count)
		last_put(mfn, pg);
}

bool put_alloc_ref(mfn_t mfn)
{
	struct page_info *pg = pg_of(mfn);

	BUG_ON(!pg || !pg->count);
	if (pg->count == 1) {
		frame_release(mfn);
		return true;
	}
	pg->count--;
	domain_by_id(pg->owner)->nr_held++;	/* put_page frees it later */
	return false;
}

void frame_share_with(mfn_t mfn, struct domain *d)
{
	frame_table[mfn].owner = d->domid;
	frame_table[mfn].flags |= PGF_shared;
	m2p[mfn] = INVALID_M2P;
}

static int validate_table(struct domain *d, mfn_t mfn, unsigned int level);
static void devalidate_table(struct domain *d, mfn_t mfn, unsigned int level);

int get_page_type(mfn_t mfn, unsigned int type, struct domain *d)
{
	struct page_info *pg = pg_of(mfn);
	int rc;

	if (!pg || pg->owner != d->domid)
		return -EPERM;
	if (pg->type_count) {
		if (pg->type != type)
			return -EBUSY;
		if (pg->type_count >= COUNT_MAX)
			return -EOVERFLOW;
		pg->type_count++;
		return 0;
	}
	if (type != PGT_writable)
		flush_stale_writable(pg);
	if (type >= PGT_l1 && type <= PGT_l4) {
		/* Claim the type first: a table that maps itself fails below. */
		pg->type = type;
		pg->type_count = 1;
		rc = validate_table(d, mfn, type);
		if (rc) {
			pg->type = PGT_none;
			pg->type_count = 0;
			return rc;
		}
		pg->flags |= PGF_validated;
		return 0;
	}
	if (type == PGT_seg_desc) {
		uint64_t *desc = frame_va(mfn);
		unsigned int i;

		for (i = 0; i < 512; i++)
			if (!descriptor_check(&desc[i]))
				return trace_err(-EINVAL);
	}
	pg->type = type;
	pg->type_count = 1;
	return 0;
}

void put_page_type(mfn_t mfn, struct domain *d)
{
	struct page_info *pg = pg_of(mfn);

	BUG_ON(!pg || !pg->type_count);
	if (--pg->type_count)
		return;
	if (pg->type == PGT_writable)
		pg->tlbflush_stamp = tlbflush_clock;
	if (pg->flags & PGF_validated) {
		pg->flags &= ~PGF_validated;
		devalidate_table(d, mfn, pg->type);
	}
	pg->type = PGT_none;
}

int get_page_and_type(mfn_t mfn, unsigned int type, struct domain *d)
{
	int rc = get_page(mfn, d);

	if (rc)
		return rc;
	rc = get_page_type(mfn, type, d);
	if (rc)
		put_page(mfn);
	return rc;
}

void put_page_and_type(mfn_t mfn, struct domain *d)
{
	put_page_type(mfn, d);
	put_page(mfn);
}

static bool is_io_frame(mfn_t mfn)
{
	struct page_info *pg = pg_of(mfn);

	return !pg || pg->owner == DOMID_IO;
}

/*
 * Checks entry e at `level` of a table of d and takes the references it
 * needs; adjusts *e. An L1 entry may map a frame of fd instead of d: a
 * privileged domain mapping another's memory (mmu_update's foreigndom).
 */
static int get_entry_refs_foreign(struct domain *d, struct domain *fd, unsigned int level,
				  pte_t *e)
{
	mfn_t mfn = pte_mfn(*e);
	int rc;

	if (!(*e & _PAGE_PRESENT))
		return 0;
	if (level == 1) {
		if (*e & ~L1_ALLOWED & ~L1_IO_BITS)
			return trace_err(-EINVAL);
		if (is_io_frame(mfn)) {
			if (!d->is_privileged || mfn >= (1ULL << 40))
				return trace_err(-EPERM);
		} else {
			if ((*e & L1_IO_BITS) && !d->is_privileged)
				return trace_err(-EINVAL);
			rc = (*e & _PAGE_RW) ? get_page_and_type(mfn, PGT_writable, fd)
					     : get_page(mfn, fd);
			if (rc)
				return trace_err(rc == -EBUSY ? -EINVAL : rc);
		}
		if (!(*e & _PAGE_USER))
			*e |= _PAGE_GUEST_KERNEL;
		*e = (*e | _PAGE_USER) & ~_PAGE_GLOBAL;
		return 0;
	}
	if (*e & ~UPPER_ALLOWED)
		return trace_err(-EINVAL);
	rc = get_page_and_type(mfn, level - 1, d);
	if (rc)
		return trace_err(rc == -EBUSY ? -EINVAL : rc);
	*e |= _PAGE_USER | (level == 4 ? _PAGE_ACCESSED : 0);
	return 0;
}

static int get_entry_refs(struct domain *d, unsigned int level, pte_t *e)
{
	return get_entry_refs_foreign(d, d, level, e);
}

/* Drops what get_entry_refs took; the frame's owner is found, not assumed. */
static void put_entry_refs(struct domain *d, unsigned int level, pte_t e)
{
	mfn_t mfn = pte_mfn(e);

	if (!(e & _PAGE_PRESENT))
		return;
	if (level == 1) {
		if (is_io_frame(mfn))
			return;
		if (e & _PAGE_RW) {
			struct domain *owner = domain_by_id(frame_table[mfn].owner);

			put_page_and_type(mfn, owner ? owner : d);
		} else {
			put_page(mfn);
		}
		return;
	}
	put_page_and_type(mfn, d);
}

static bool slot_is_hypervisor(unsigned int level, unsigned int idx)
{
	return level == 4 && idx >= 256 && idx <= 271;
}

static int validate_table(struct domain *d, mfn_t mfn, unsigned int level)
{
	pte_t *t = frame_va(mfn);
	unsigned int i, j;
	int rc;

	for (i = 0; i < 512; i++) {
		pte_t e = t[i];

		if (slot_is_hypervisor(level, i))
			continue;
		rc = get_entry_refs(d, level, &e);
		if (rc)
			goto undo;
		t[i] = e;
	}
	if (level == 4)
		pt_fill_hypervisor_slots(t);
	return 0;

undo:
	for (j = 0; j < i; j++)
		if (!slot_is_hypervisor(level, j))
			put_entry_refs(d, level, t[j]);
	return rc;
}

static void devalidate_table(struct domain *d, mfn_t mfn, unsigned int level)
{
	pte_t *t = frame_va(mfn);
	unsigned int i;

	for (i = 0; i < 512; i++)
		if (!slot_is_hypervisor(level, i))
			put_entry_refs(d, level, t[i]);
}

int pt_pin(struct domain *d, mfn_t mfn, unsigned int level)
{
	struct page_info *pg = pg_of(mfn);
	int rc;

	if (level < 1 || level > 4 || !pg || pg->owner != d->domid)
		return trace_err(-EINVAL);
	if (pg->flags & PGF_pinned)
		return trace_err(-EINVAL);
	rc = get_page_and_type(mfn, level, d);
	if (rc)
		return trace_err(-EINVAL);
	pg->flags |= PGF_pinned;
	return 0;
}

int pt_unpin(struct domain *d, mfn_t mfn)
{
	struct page_info *pg = pg_of(mfn);

	if (!pg || pg->owner != d->domid || !(pg->flags & PGF_pinned))
		return trace_err(-EINVAL);
	pg->flags &= ~PGF_pinned;
	put_page_and_type(mfn, d);
	return 0;
}

/*
 * One mmu_update entry write at machine address ptr. In a validated table
 * the new entry is checked at that level (references taken first, the old
 * entry's dropped after the write); elsewhere it is a plain write to a
 * page the domain may write.
 */
int pt_update_entry(struct domain *d, paddr_t ptr, uint64_t val, bool preserve_ad)
{
	return pt_update_entry_foreign(d, d, ptr, val, preserve_ad);
}

/* As pt_update_entry, with an L1 entry's frame belonging to fd. */
int pt_update_entry_foreign(struct domain *d, struct domain *fd, paddr_t ptr, uint64_t val,
			    bool preserve_ad)
{
	mfn_t mfn = ptr >> PAGE_SHIFT;
	unsigned int idx = (ptr & (PAGE_SIZE - 1)) / 8;
	struct page_info *pg = pg_of(mfn);
	pte_t *slot, old;
	int rc;

	if (ptr & 7)
		return trace_err(-EINVAL);
	if (!pg || pg->owner != d->domid)
		return trace_err(-EPERM);
	slot = (pte_t *)frame_va(mfn) + idx;
	old = *slot;
	if (preserve_ad)
		val |= old & (_PAGE_ACCESSED | _PAGE_DIRTY);
	if (!(pg->flags & PGF_validated)) {
		rc = get_page_type(mfn, PGT_writable, d);
		if (rc)
			return trace_err(-EINVAL);
		*slot = val;
		put_page_type(mfn, d);
		return 0;
	}
	if (slot_is_hypervisor(pg->type, idx))
		return trace_err(-EINVAL);
	if (fd != d && pg->type != PGT_l1)
		return trace_err(-EINVAL);	/* only L1 entries map foreign frames */
	rc = get_entry_refs_foreign(d, fd, pg->type, &val);
	if (rc)
		return rc;
	*slot = val;
	put_entry_refs(d, pg->type, old);
	return 0;
}

uint64_t domain_frame_count(const struct domain *d)
{
	uint64_t mfn, n = 0;

	for (mfn = 0; mfn < frame_table_size; mfn++)
		if (frame_table[mfn].owner == d->domid && frame_table[mfn].count)
			n++;
	return n;
}

/*
 * The machine address of the L1 entry that maps va in the page tables
 * rooted at the L4 at machine address cr3; false when a level is missing,
 * is a superpage, or leaves RAM. The one walk update_va_mapping, the
 * writable-page-table path and lazy LDT mapping share.
 */
bool guest_l1e_maddr(uint64_t cr3, uint64_t va, paddr_t *pa)
{
	const pte_t *t = maddr_to_virt(cr3);
	unsigned int shift;

	for (shift = 39; shift > 12; shift -= 9) {
		pte_t e = t[(va >> shift) & 511];

		if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE) || pte_mfn(e) >= frame_table_size)
			return false;
		t = frame_va(pte_mfn(e));
	}
	*pa = virt_to_maddr(&t[(va >> 12) & 511]);
	return true;
}
