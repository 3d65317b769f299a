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
 * tree below it). The entries are adjusted on the way (docs/abi-core.md §5.3:
 * U forced on because the guest kernel runs in ring 3, bit 52 marks a
 * kernel L1 mapping). When the last type reference goes, the frame is
 * devalidated: every entry's references are dropped again. The hypervisor's
 * L4 slots 256-271 are ours: skipped by validation and overwritten with our
 * entries. A descriptor page (GDT/LDT) is checked descriptor by
 * descriptor when it takes its type and holds no references. Frames owned
 * by DOMID_IO (non-RAM, the first MiB) may be mapped by a domain whose
 * MMIO list holds them (dom0's nearly all, a domU's what dom0 gave it)
 * and carry no references, except the MMIO frames the hypervisor drives
 * itself (the local APIC) and frames at or above the physical address
 * width (reserved PTE bits), which nobody maps.
 *
 * Linear page tables (Xen's pv-linear-pt=, on by default): an L2-L4
 * entry may also point at a validated table of its own level, read-only,
 * so a guest sees its page tables through its own address space. Xen's
 * rules: no RW in the entry; the table holding it (no reference taken,
 * it cannot outlive itself) or another table of the same level and domain;
 * and a table either holds such entries or is the target of such entries,
 * never both (pg->linear > 0 counts the first, < 0 the second), so links
 * never chain. Such an entry takes a count and a type reference on its
 * target like any other; the target's type (its own level, not one below)
 * tells a linear entry apart when it is dropped.
 *
 * Frames the hypervisor writes into while a guest may map them hold a
 * writable type the whole time: our own frames lent to a domain
 * (frame_share_with: shared_info, grant-table and status frames) keep one
 * type reference from sharing to freeing, and guest frames we keep a
 * pointer into (vcpu_info, FIFO event control blocks and arrays) take one
 * while registered. So none of them can be validated as a page table or
 * descriptor page, whose contents we would then change unchecked.
 *
 * A frame's last writable mapping may live on in the TLB after the entry is
 * gone, and a page table's entries in the paging-structure caches after its
 * last type reference; the frame records the flush clock then, and taking a
 * page-table or descriptor type, or a writable type after a page-table one,
 * flushes (once the type is taken) unless a CR3 load has happened since
 * (flush_stale).
 *
 * Counting across CPUs. Grants and foreign mappings take and drop
 * references on a domain's frames from other CPUs while its own vCPUs
 * work on them, so no count is ever read, changed and written back: a
 * frame's general count is changed by compare-and-exchange (get_page:
 * only from a non-zero count, the owner checked again after, since a
 * frame freed and given to another between the first check and the
 * exchange shows the same count), and everything the type rules decide on
 * -- type count, type, flags, linear count -- sits in one word
 * (`type_info`, hv/mm.h) changed only by compare-and-exchange or one
 * atomic OR/AND/ADD. Consequences:
 *
 *   - taking a reference to a type in use, or dropping one not the last,
 *     is one exchange (the fast path every PTE update takes);
 *   - the type count leaves 0 only by an exchange that claims the frame
 *     (type, count 1, and PGF_partial while descriptors or entries are
 *     still being checked), so two CPUs giving a frame two types cannot
 *     both win, and nobody uses a type before its check has ended;
 *   - the type count reaches 0 by an exchange that also sets what must
 *     hold at 0 (PGF_releasing and PGF_was_table for a page table, the
 *     type cleared otherwise); the flush stamp is written before it, so
 *     the next claim sees a stamp at least that new, and a drop not the
 *     last sets PGF_dropped, so a reference taken and dropped between
 *     that stamp and the exchange fails the exchange (drops_cleared);
 *   - a frame's type references are held only beside count references, so
 *     count 1 -> 0 by exchange (put_alloc_ref; frame_steal's 2 -> 0,
 *     its own reference and the allocation's) means nobody can type or
 *     map it any more;
 *   - the allocation reference goes with PGC_unallocated set in the same
 *     exchange (hv/mm.h), so it goes once, and the frame is freed by
 *     whoever drops the last reference after it: a frame given back
 *     (frame_give_back, Xen's guest_remove_page) or left by a dead owner
 *     while pinned, mapped or granted stays its owner's, usable as before,
 *     until then, counted in the owner's nr_held; a page table still on
 *     the release list when that happens is freed by its release.
 *
 * The rest is a domain's page-table work, under its lock
 * (d->arch.pt.lock, recursive, hv/lock_order.h): the validation walks, the
 * release list, a validated table's type count reaching 0 (PGF_releasing
 * set and the frame linked in one step, so under the lock a releasing
 * frame is always on the list, and whoever unlinks it releases it), a
 * releasing frame taken back, and every write to an entry of a table
 * (pt_update_entry_foreign: the old entry read, the new one's references
 * taken, the write, the old one's dropped, as one step, so two vCPUs
 * writing one entry cannot both drop the old one's references; a domain
 * with one vCPU writes its entries without it, see
 * pt_update_entry_foreign). Each
 * vCPU validates on a walk of its own (other domains working on the
 * tables share one), so two vCPUs' long pins both go on; a table partly
 * validated on another's walk is taken over with the work below it, never
 * dropped (see validate_tree_locked).
 */
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/page_ref.h>
#include <hv/page_alloc.h>
#include <hv/domain.h>
#include <asm/page.h>
#include <asm/desc.h>
#include <asm/x86.h>
#include <hv/hypercall.h>
#include <hv/preempt.h>
#include <hv/time.h>
#include <hv/hypervisor.h>
#include <hv/flushtlb.h>
#include <asm/percpu.h>

#define _PAGE_GUEST_KERNEL	(1ULL << 52)
#define COUNT_MAX		PG_COUNT_MAX

/* Bits an entry may carry: L2-L4 only P RW US A D, 9-11, 52-62, NX. */
#define UPPER_ALLOWED	(0x7FF0000000000E67ULL | _PAGE_NX | PTE_ADDR_MASK)
#define L1_ALLOWED	(UPPER_ALLOWED | _PAGE_GLOBAL)
#define L1_IO_BITS	(_PAGE_PWT | _PAGE_PCD | _PAGE_PSE)	/* PSE = PAT in an L1 */

struct page_info *frame_table;
uint64_t frame_table_size;
unsigned int paddr_bits = 36;	/* CPUID 0x80000008 once mm_init has run */
unsigned int gpaddr_bits = 36;	/* getdomaininfo's gpaddr_bits, set with it */

/*
 * A frame that was mapped writable may still be writable through a cached
 * translation after its last RW entry is gone; a frame that was a page
 * table may still be walked through a cached paging-structure entry after
 * its last type reference went. So a frame taking a new type flushes
 * unless a CR3 load happened since its stamp: when it becomes a page
 * table or descriptor page, and when a former table becomes writable
 * (the guest's plain writes would reach a table the MMU may still use).
 * A frame that only ever was data remaps writable without a flush. The
 * flush reaches only the CPUs that have not loaded CR3 since the stamp
 * (flush_tlb_since, hv/flushtlb.h).
 *
 * The flush comes after the exchange that took the first type reference
 * (old: the word it replaced), before the frame is used in its new type:
 * from then on no CPU can take the old type, so no new stale translation
 * can appear. Flushed before the exchange, another vCPU could map the
 * frame writable, write through it and drop the entry (the type word back
 * to what it was) in between, and keep that translation once the frame
 * is a table (XSA-401's race, 5 Dec).
 */
static void flush_stale(struct page_info *pg, unsigned int type, uint64_t old)
{
	bool was_table = TW_FLAGS(old) & PGF_was_table;

	if (type != PGT_writable || was_table)
		flush_tlb_since(tlbflush_frame_time(&pg->tlbflush_stamp));
}

static struct page_info *pg_of(mfn_t mfn)
{
	if (mfn >= frame_table_size)
		return NULL;
	return &frame_table[array_index_nospec(mfn, frame_table_size)];
}

int get_page(mfn_t mfn, const struct domain *d)
{
	return get_page_inline(mfn, d);
}

/* count from 1 (the allocation reference alone) to `to`; false if not 1. */
bool frame_count_from_one(mfn_t mfn, uint32_t to)
{
	uint32_t one = 1;

	return __atomic_compare_exchange_n(&frame_table[mfn].count, &one, to, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

void frame_count_add(mfn_t mfn, int delta)
{
	uint32_t old = __atomic_fetch_add(&frame_table[mfn].count, (uint32_t)delta, __ATOMIC_ACQ_REL);

	BUG_ON(delta < 0 && old < (uint32_t)-delta);
}

void frame_release(mfn_t mfn)
{
	m2p[mfn] = INVALID_M2P;
	free_frame(mfn);
}

static void unshare(struct page_info *pg);

/*
 * A frame without its allocation reference whose last reference went:
 * freed, and its owner holds one frame less.
 */
static void free_held(mfn_t mfn, const struct page_info *pg)
{
	struct domain *owner = domain_by_id(pg->owner);

	BUG_ON(pg->type_count || !owner || !__atomic_load_n(&owner->nr_held, __ATOMIC_ACQUIRE));
	frame_release(mfn);
	if (!__atomic_sub_fetch(&owner->nr_held, 1, __ATOMIC_ACQ_REL) && owner->destroyed)
		pr_info("d%u: the last of its frames is free\n", owner->domid);
}

/*
 * The last reference went (old: the count before, PGC_unallocated and 1;
 * anything else is our bug: an allocated frame's last reference is its
 * allocation's). A page table still on its owner's release list holds
 * its entries' references: it is freed once released (PGF_free_after,
 * set while PGF_releasing is, in one exchange, so exactly one of this
 * and release_table frees it). True when freed here. Out of line, so
 * put_page stays a leaf on the path every PTE update takes.
 */
static bool __attribute__((noinline, cold)) last_put(mfn_t mfn, struct page_info *pg,
						     uint32_t old)
{
	uint64_t w = pg_type_word(pg);

	BUG_ON(old != (PGC_unallocated | 1));
	do {
		if (!(TW_FLAGS(w) & PGF_releasing)) {
			free_held(mfn, pg);
			return true;
		}
	} while (!pg_type_cas(pg, &w, w | ((uint64_t)PGF_free_after << TW_FLAGS_SHIFT)));
	return false;
}

void __attribute__((cold)) put_page_last(mfn_t mfn, struct page_info *pg, uint32_t old)
{
	last_put(mfn, pg, old);
}

void put_page(mfn_t mfn)
{
	put_page_inline(mfn);
}

/*
 * The allocation reference goes (PGC_unallocated set, one reference
 * less, in one exchange), counted in owner->nr_held first so that the
 * last put_page finds it there; false if it was gone already. *old: the
 * count before.
 */
static bool drop_alloc_ref(struct page_info *pg, struct domain *owner, uint32_t *old)
{
	uint32_t c = __atomic_load_n(&pg->count, __ATOMIC_RELAXED);

	__atomic_add_fetch(&owner->nr_held, 1, __ATOMIC_ACQ_REL);
	do {
		if (c & PGC_unallocated) {
			__atomic_sub_fetch(&owner->nr_held, 1, __ATOMIC_ACQ_REL);
			return false;
		}
		BUG_ON(!(c & PGC_count_mask));
	} while (!__atomic_compare_exchange_n(&pg->count, &c, (c - 1) | PGC_unallocated, true,
					      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
	*old = c;
	return true;
}

/*
 * Whoever takes the count to 0 frees the frame: this call if it held the
 * last reference (an idle frame in one exchange, nr_held untouched), else
 * the last put_page.
 */
bool put_alloc_ref(mfn_t mfn)
{
	struct page_info *pg = pg_of(mfn);
	uint32_t c;

	BUG_ON(!pg || !pg_refs(pg) || (pg->count & PGC_unallocated));
	if (pg->flags & PGF_shared)
		unshare(pg);
	if (frame_count_from_one(mfn, 0)) {
		frame_release(mfn);
		return true;
	}
	BUG_ON(!drop_alloc_ref(pg, domain_by_id(pg->owner), &c));
	/* The others let go meanwhile: ours was the last after all. */
	return c == 1 && last_put(mfn, pg, c | PGC_unallocated);
}

/*
 * As Xen 4.17's relinquish_memory: a reference of our own first (get_page:
 * the frame is d's and cannot be freed under us), then the allocation
 * reference if it is still there, then ours. dom0's decrease_reservation
 * that looked at `dying` just before d's destroy set it can give the
 * frame back on another CPU at any point of this: its allocation
 * reference then goes once (drop_alloc_ref), and whoever puts the last
 * reference frees the frame. Until 5 Dec the walk looked at the frame,
 * then called put_alloc_ref, whose BUG_ON fired if the give-back came
 * in between (or used a freed frame's missing owner).
 */
bool frame_relinquish(mfn_t mfn, struct domain *d)
{
	struct page_info *pg = pg_of(mfn);
	uint32_t two = 2, c;

	/* Not d's, given back already (still held: in nr_held, freed by its last put), or lent. */
	if (!pg || pg->owner != d->domid || (pg->count & PGC_unallocated) ||
	    (pg->flags & PGF_shared) || get_page(mfn, d))
		return false;
	if (pg->flags & PGF_shared) {	/* lent to d: released with what lent it */
		put_page(mfn);
		return false;
	}
	/* Nothing else holds it: freed in one exchange, nr_held untouched. */
	if (__atomic_compare_exchange_n(&pg->count, &two, 0, false, __ATOMIC_ACQ_REL,
					__ATOMIC_RELAXED)) {
		frame_release(mfn);
		return true;
	}
	drop_alloc_ref(pg, d, &c);	/* false: given back meanwhile */
	c = __atomic_fetch_sub(&pg->count, 1, __ATOMIC_ACQ_REL);
	return (c & PGC_count_mask) == 1 && last_put(mfn, pg, c);
}

/*
 * A reference of our own first (get_page: the frame is d's and stays so),
 * as Xen's guest_remove_page, so the allocation reference is never the
 * last one dropped here and a frame given back twice at once loses it
 * once; our put_page frees it if nothing else holds it.
 */
int frame_give_back(mfn_t mfn, struct domain *d)
{
	struct page_info *pg = pg_of(mfn);
	uint32_t c;

	if (get_page(mfn, d))
		return -ENXIO;
	if (drop_alloc_ref(pg, d, &c))
		__atomic_sub_fetch(&d->nr_pages, 1, __ATOMIC_ACQ_REL);
	put_page(mfn);
	return 0;
}

/*
 * Xen's steal_page for a PV domain: the page tables that went unused on
 * another vCPU after pt_settle are the one catch. Such a table's last type
 * reference can go between our look at its type count and the exchange
 * below, its last count reference (the parent entry's) right after; it is
 * then still on d's release list with its entries' references held, and
 * must not leave. At count 0 nothing can change its type word but that
 * release (type references sit beside count references), so one look
 * after the exchange decides, and the frame gets its reference back.
 */
bool frame_steal(mfn_t mfn, const struct domain *d)
{
	struct page_info *pg = pg_of(mfn);
	uint32_t two = 2;

	if (!pg)
		return false;
	mfn = (mfn_t)(pg - frame_table);
	pt_settle(mfn);
	/*
	 * A reference of ours first, as Xen's steal_page: get_page checks the
	 * owner after its increment, and the frame cannot be freed and given
	 * to another domain while we hold it. Looking at the owner and then
	 * exchanging the count from 1 stole a frame that went back to the
	 * pool and to another domain in between (5 Dec review).
	 */
	if (get_page(mfn, d))
		return false;
	if (pg->type_count || (pg->flags & PGF_shared) ||
	    !__atomic_compare_exchange_n(&pg->count, &two, 0, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED)) {
		put_page(mfn);		/* freed here if it was given back meanwhile */
		return false;
	}
	if (TW_FLAGS(pg_type_word(pg)) & PGF_releasing) {
		frame_count_add(mfn, 1);
		return false;
	}
	return true;
}

/*
 * A frame we write into (shared_info, grant-table frames) while the guest
 * may map it: it holds a writable type for as long as it is shared, so it
 * can never be validated as a page table or descriptor page behind our
 * back (the guest maps it writable beside that reference, never typed).
 */
void frame_share_with(mfn_t mfn, struct domain *d)
{
	struct page_info *pg = &frame_table[mfn];

	BUG_ON(pg->owner != DOMID_XEN || pg->count != 1 || pg->type_count);
	/* Ours alone until the owner changes: nobody else can count it yet. */
	__atomic_store_n(&pg->type_info, (pg_type_word(pg) & ~0xFFFFFFFFFFULL) |
			 ((uint64_t)PGF_shared << TW_FLAGS_SHIFT) |
			 ((uint64_t)PGT_writable << TW_TYPE_SHIFT) | 1, __ATOMIC_RELEASE);
	pg->owner = d->domid;
	m2p[mfn] = INVALID_M2P;
}

/*
 * Host tests only: a hook run between a last type drop's stamp and its
 * exchange, where another CPU may take a reference, use the frame and
 * drop it again (drops_cleared); the test plays that CPU.
 */
#ifdef UNIT_HOST_CPU
void (*unit_after_last_stamp)(struct page_info *pg);
#define after_last_stamp(pg)	do { if (unit_after_last_stamp) unit_after_last_stamp(pg); } while (0)
#else
#define after_last_stamp(pg)	do { } while (0)
#endif

/*
 * The last type reference goes (the count is 1 in *w) with a stamp
 * (hv/flushtlb.h) that must be newer than every use of the type ended
 * before. Another CPU can take a reference, map the frame, unmap it and
 * drop the reference between our stamp and our exchange: the word is then
 * as we read it, the exchange succeeds, and that mapping ended after the
 * stamp. So every drop but the last sets PGF_dropped, and the last one
 * clears it by an exchange of its own before it stamps: a drop after that
 * makes its exchange fail, and it looks again and stamps again. False if
 * the word changed meanwhile (*w: the new word, to decide on again).
 */
static bool drops_cleared(struct page_info *pg, uint64_t *w)
{
	uint64_t n = *w & ~TW_DROPPED;

	if (!(*w & TW_DROPPED))
		return true;
	if (!pg_type_cas(pg, w, n))
		return false;
	*w = n;
	return true;
}

/* The end of sharing: the permanent writable type goes with it. */
static void unshare(struct page_info *pg)
{
	uint64_t w = pg_type_word(pg), n;

	for (;;) {
		BUG_ON(!(TW_FLAGS(w) & PGF_shared) || !TW_COUNT(w));
		if (TW_COUNT(w) != 1) {
			n = ((w - 1) & ~((uint64_t)PGF_shared << TW_FLAGS_SHIFT)) | TW_DROPPED;
		} else {
			if (!drops_cleared(pg, &w))
				continue;
			n = (w - 1) & ~(((uint64_t)PGF_shared << TW_FLAGS_SHIFT) |
					(0xFFULL << TW_TYPE_SHIFT));	/* PGT_none */
			pg->tlbflush_stamp = tlbflush_stamp_new();
			after_last_stamp(pg);
		}
		if (pg_type_cas(pg, &w, n))
			return;
	}
}

/*
 * The release list: doubly linked through the frame table, mfn + 1.
 * pt_release_lists counts the domains whose list is not empty.
 */
unsigned int pt_release_lists;

static void release_link(struct domain *d, mfn_t mfn, struct page_info *pg)
{
	uint32_t head = d->arch.pt.release_head;

	ASSERT(rspin_is_mine(&d->arch.pt.lock));
	pg->prev = 0;
	pg->next = head;
	if (head)
		frame_table[head - 1].prev = (uint32_t)mfn + 1;
	else
		pt_release_lists++;
	d->arch.pt.release_head = (uint32_t)mfn + 1;
}

static void release_unlink(struct domain *d, struct page_info *pg)
{
	ASSERT(rspin_is_mine(&d->arch.pt.lock));
	if (pg->prev)
		frame_table[pg->prev - 1].next = pg->next;
	else if (!(d->arch.pt.release_head = pg->next))
		pt_release_lists--;
	if (pg->next)
		frame_table[pg->next - 1].prev = pg->prev;
	pg->prev = pg->next = 0;
}

static int validate_tree(struct domain *d, mfn_t mfn, unsigned int level);
static void table_unused(struct domain *d, mfn_t mfn, struct page_info *pg);

/*
 * A frame being validated (PGF_partial) or waiting for release: 1 when
 * get_page_type goes on as for any frame (reading the word again).
 * Only a page table's claim is work to go on with (validate_tree); a
 * descriptor page's (its check) or a writable one's (its flush) is
 * another CPU's to end, so its taker looks again. Until 5 Dec (h-mm24)
 * both went to validate_tree, which, had the claim been undone
 * meanwhile (a descriptor check failed, on the claiming CPU), claimed
 * the frame as a "table" of that type's number and walked it as one:
 * the descriptor type on a page never checked, such as a call gate to
 * ring 0 whose halves are not present as entries
 * (unit/page_type/descriptor_check_fails_on_two_cpus).
 */
static int __attribute__((noinline)) type_in_transit(struct domain *d, mfn_t mfn,
						     struct page_info *pg, unsigned int type)
{
	uint64_t w = pg_type_word(pg);

	int rc = 1;

	if (TW_FLAGS(w) & PGF_partial) {
		if (type != TW_TYPE(w))
			return -EBUSY;
		return type >= PGT_l1 && type <= PGT_l4 ? validate_tree(d, mfn, type) : 1;
	}
	if (!(TW_FLAGS(w) & PGF_releasing))
		return 1;
	rspin_lock(&d->arch.pt.lock);
	w = pg_type_word(pg);	/* still releasing under the lock: still linked */
	if ((TW_FLAGS(w) & PGF_releasing) && TW_TYPE(w) == type) {
		/* Used again before its release: its entries are still good. */
		if (pg_type_cas(pg, &w, (w + 1) & ~((uint64_t)PGF_releasing << TW_FLAGS_SHIFT))) {
			release_unlink(d, pg);
			rc = 0;
		}
	} else if (TW_FLAGS(w) & PGF_releasing) {
		pt_settle_slow(mfn);
	}
	rspin_unlock(&d->arch.pt.lock);
	return rc;
}

/*
 * The first reference to a type (the count was 0 in snapshot w): the
 * frame is claimed by one exchange; a descriptor page is claimed
 * PGF_partial until its check ends. 1: the word changed, look again.
 */
static int __attribute__((noinline)) get_first_type(struct domain *d, mfn_t mfn,
						    struct page_info *pg, unsigned int type,
						    uint64_t w)
{
	uint64_t n;

	if (type >= PGT_l1 && type <= PGT_l4)
		return validate_tree(d, mfn, type);	/* claim flushes */
	n = (w & ~0xFFFFFFFFFFULL & ~((uint64_t)PGF_was_table << TW_FLAGS_SHIFT)) |
	    ((uint64_t)type << TW_TYPE_SHIFT) | 1;
	if (type == PGT_seg_desc) {
		uint64_t *desc = frame_va(mfn);
		unsigned int i;

		if (!pg_type_cas(pg, &w, n | ((uint64_t)PGF_partial << TW_FLAGS_SHIFT)))
			return 1;
		flush_stale(pg, type, w);
		for (i = 0; i < 512; i++) {
			if (!descriptor_check(&desc[i])) {
				/* Nobody takes a partial type: the claim is ours to undo. */
				__atomic_fetch_and(&pg->type_info,
						   ~(0xFFFFFFFFFFULL | ((uint64_t)PGF_partial << TW_FLAGS_SHIFT)),
						   __ATOMIC_ACQ_REL);
				return trace_err(-EINVAL);
			}
		}
		pg_flags_clear(pg, PGF_partial);
		return 0;
	}
	if (type == PGT_writable && !(TW_FLAGS(w) & PGF_was_table))
		return pg_type_cas(pg, &w, n) ? 0 : 1;	/* data before: no flush owed */
	/*
	 * A former table made writable (or another type that may flush):
	 * held PGF_partial through the flush, so a second reference to the
	 * type (a taker waits) cannot write the frame while a CPU may still
	 * walk it as a table, as Xen 4.17 keeps the type unvalidated then.
	 */
	if (!pg_type_cas(pg, &w, n | ((uint64_t)PGF_partial << TW_FLAGS_SHIFT)))
		return 1;
	flush_stale(pg, type, w);
	pg_flags_clear(pg, PGF_partial);
	return 0;
}

/* get_type_slow for a walk: the frame is typeless, the walk claims it. */
#define TYPE_UNCLAIMED	2

/*
 * get_page_type's way for a frame typeless or in transit, and after it
 * changed. For a walk under d's lock (walk: validate_upper_entry) never
 * a first reference, TYPE_UNCLAIMED instead: get_first_type would
 * validate the frame as a tree of its own (validate_tree), which drops
 * the walk asking (walk_abort). A walk's child goes typeless under it
 * when another CPU drops a type taken without that lock (a writable one:
 * a clear, a copy, a grant). Until 7 Dec a walk took its child's type by
 * get_page_type: a pin that met a frame writable, and typeless a few
 * instructions on, lost its own tree and answered 0 with no type held
 * (attack-pin-type-race: its unpin hit BUG_ON in put_page_type, the
 * hypervisor down). Tables are claimed under that lock, so a partial
 * frame a walk meets here is no table: -EBUSY.
 */
static inline __attribute__((always_inline)) int
get_type_slow(struct domain *d, mfn_t mfn, struct page_info *pg, unsigned int type, bool walk)
{
	uint64_t w = pg_type_word(pg);
	int rc;

	for (;;) {
		if (unlikely(TW_FLAGS(w) & (PGF_partial | PGF_releasing)))
			rc = walk && (TW_FLAGS(w) & PGF_partial) ? -EBUSY
								 : type_in_transit(d, mfn, pg, type);
		else if (!TW_COUNT(w))
			rc = walk ? TYPE_UNCLAIMED : get_first_type(d, mfn, pg, type, w);
		else if (TW_TYPE(w) != type)
			return -EBUSY;
		else if (TW_COUNT(w) >= COUNT_MAX)
			return -EOVERFLOW;
		else
			rc = pg_type_cas(pg, &w, w + 1) ? 0 : 1;
		if (rc != 1)
			return rc;
		/*
		 * Looking again may mean waiting for another CPU (a frame held
		 * PGF_partial through its flush, get_first_type): answer its
		 * calls meanwhile, as a lock's spinner does, since that flush
		 * waits for this CPU, whose interrupts are off.
		 */
		spin_relax();
		w = pg_type_word(pg);
	}
}

int __attribute__((noinline)) get_page_type_slow(struct domain *d, mfn_t mfn,
						 struct page_info *pg, unsigned int type)
{
	return get_type_slow(d, mfn, pg, type, false);
}

int get_page_type(mfn_t mfn, unsigned int type, struct domain *d)
{
	return get_page_type_inline(mfn, type, d);
}

/*
 * The last type reference goes: the stamp first, then one exchange to
 * count 0 with the type gone, or for a page table PGF_releasing and
 * PGF_was_table set (its entries are released after, or later).
 */
static void __attribute__((noinline)) put_last_table_type(struct domain *d, mfn_t mfn,
							  struct page_info *pg)
{
	uint64_t w, n;

	ASSERT(pg->owner == d->domid);
	/* Under the lock the exchange and the release list are one step. */
	rspin_lock(&d->arch.pt.lock);
	w = pg_type_word(pg);
	for (;;) {
		if (TW_COUNT(w) != 1) {
			n = (w - 1) | TW_DROPPED;
		} else {
			if (!drops_cleared(pg, &w))
				continue;
			n = (w - 1) | ((uint64_t)(PGF_releasing | PGF_was_table) << TW_FLAGS_SHIFT);
			pg->tlbflush_stamp = tlbflush_stamp_new();
			after_last_stamp(pg);
		}
		if (pg_type_cas(pg, &w, n))
			break;
	}
	if (!TW_COUNT(n))
		table_unused(d, mfn, pg);
	rspin_unlock(&d->arch.pt.lock);
}

void __attribute__((noinline)) put_page_type_last(struct domain *d, mfn_t mfn,
						  struct page_info *pg, uint64_t w)
{
	uint64_t n;

	if (TW_FLAGS(w) & PGF_validated) {	/* stays so while we hold a reference */
		put_last_table_type(d, mfn, pg);
		return;
	}
	for (;;) {
		if (TW_COUNT(w) != 1) {
			n = (w - 1) | TW_DROPPED;
		} else if (TW_TYPE(w) == PGT_writable) {
			if (!drops_cleared(pg, &w))
				continue;
			n = (w - 1) & ~(0xFFULL << TW_TYPE_SHIFT);
			pg->tlbflush_stamp = tlbflush_stamp_new();
			after_last_stamp(pg);
		} else {
			n = (w - 1) & ~(0xFFULL << TW_TYPE_SHIFT);
		}
		if (pg_type_cas(pg, &w, n))
			return;
	}
}

void put_page_type(mfn_t mfn, struct domain *d)
{
	put_page_type_inline(mfn, d);
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
 * Entry e of `table` (level 2-4) points at a table of its own level: the
 * references of a linear entry, if Xen's rules allow it (see the essay).
 */
static int get_linear(struct domain *d, mfn_t table, unsigned int level, pte_t e)
{
	mfn_t mfn = pte_mfn(e);
	struct page_info *tpg = &frame_table[table], *pg = pg_of(mfn);
	uint64_t w;
	int rc;

	if (!hv_opts.pv_linear_pt || (e & _PAGE_RW))
		return -EINVAL;
	if (mfn == table)
		return 0;
	if (!pg || tpg->linear < 0)
		return -EINVAL;
	rc = get_page(mfn, d);
	if (rc)
		return rc == -EOVERFLOW ? rc : -EINVAL;
	w = pg_type_word(pg);
	do {
		int16_t linear = (int16_t)(w >> 48);

		if ((TW_FLAGS(w) & (PGF_validated | PGF_releasing)) != PGF_validated ||
		    TW_TYPE(w) != level || !TW_COUNT(w) || linear > 0) {
			put_page(mfn);
			return -EINVAL;
		}
		if (TW_COUNT(w) >= COUNT_MAX || linear == INT16_MIN || tpg->linear == INT16_MAX) {
			put_page(mfn);
			return -EOVERFLOW;
		}
	} while (!pg_type_cas(pg, &w, w + 1 - TW_LINEAR_ONE));
	pg_linear_add(tpg, 1);
	return 0;
}

/* Drops entry e of `table` (level 2-4) if it is linear; false if not. */
static bool put_linear(struct domain *d, mfn_t table, unsigned int level, pte_t e)
{
	mfn_t mfn = pte_mfn(e);

	if (mfn == table)
		return true;
	if (frame_table[mfn].type != level)
		return false;
	pg_linear_add(&frame_table[table], -1);
	pg_linear_add(&frame_table[mfn], 1);
	put_page_and_type(mfn, d);
	return true;
}

/* An L1 entry's flags d may set: -EINVAL, as Xen's l1_disallow_mask, else 0. */
static int l1_flags_check(const struct domain *d, pte_t e)
{
	if (e & ~L1_ALLOWED & ~L1_IO_BITS)
		return trace_err(-EINVAL);
	/*
	 * Cache attributes need I/O rights, whatever the frame: as Xen's
	 * l1_disallow_mask, any port or MMIO frame of the table's owner.
	 */
	if ((e & L1_IO_BITS) && !d->is_privileged && !domain_has_io_caps(d))
		return trace_err(-EINVAL);
	return 0;
}

/*
 * A present L1 entry as the guest's tables hold it, as Xen 4.17's
 * adjust_guest_l1e stores it: a kernel entry (no _PAGE_USER) becomes
 * user and _PAGE_GUEST_KERNEL, an entry without _PAGE_GUEST_KERNEL then
 * global; a G the guest gave is kept. Guests read these bits back
 * (conform-fuzz-diff: 0x125 on both for a user entry asked 0x25). G has
 * no effect here: Lamina never sets CR4.PGE (cpu.c, features_init), so
 * every CR3 load still flushes every translation.
 */
static pte_t l1_guest_bits(pte_t e)
{
	if (!(e & _PAGE_USER))
		e |= _PAGE_GUEST_KERNEL | _PAGE_USER;
	if (!(e & _PAGE_GUEST_KERNEL))
		e |= _PAGE_GLOBAL;
	return e;
}

/*
 * The bits of a present L1 entry that Xen's mod_l1_entry compares before
 * its fast path: the frame, present, RW and the cache attributes (PAT is
 * PSE's bit in an L1). A new entry equal in these to the old one maps
 * the same frame with the same rights: Xen writes it without taking new
 * references, whoever the frame's owner named is.
 */
#define L1_SAME_MAPPING	(PTE_ADDR_MASK | _PAGE_PRESENT | _PAGE_RW | L1_IO_BITS)

/*
 * A present L1 entry new, refused a frame's references (-EBUSY) or an
 * MMIO frame (-EPERM), that maps the frame old maps with the same
 * rights: Xen's fast path writes it before any check of the frame (a
 * frame of RAM not the owner's named: another's mapped by foreigndom or
 * a grant, or any under DOMID_IO, which holds none; an MMIO frame taken
 * out of the domain's list since). Its flags passed already; an entry
 * taking references anew would give the same entry. For an MMIO frame
 * only a request Xen stores as asked: it stores a write-back,
 * write-through or write-protect one (cache bits none, PWT, PWT and PAT)
 * as uncached, so the same request again differs from what it stored.
 */
static bool l1_same_mapping(pte_t old, pte_t new)
{
	if (!(new & _PAGE_PRESENT) || ((old ^ new) & L1_SAME_MAPPING))
		return false;
	return !is_io_frame(pte_mfn(old)) || (new & _PAGE_PCD) ||
	       (new & L1_IO_BITS) == _PAGE_PSE;
}

/* An entry write whose references were refused (rc): its answer. */
static int __attribute__((noinline)) entry_refused(int rc, unsigned int level, pte_t *slot,
						   pte_t old, pte_t new)
{
	if ((rc == -EBUSY || rc == -EPERM) && level == PGT_l1 && l1_same_mapping(old, new)) {
		*slot = l1_guest_bits(new);	/* the old entry's references stay */
		return 0;
	}
	/* an upper entry naming a table with an L1 entry refused: that answer */
	return pt_entry_answer(rc);
}

/*
 * Checks entry e at `level` of a table of d and takes the references it
 * needs; adjusts *e. An L1 entry may map a frame of fd instead of d: a
 * privileged domain mapping another's memory (mmu_update's foreigndom).
 */
static int get_entry_refs_foreign(struct domain *d, struct domain *fd, mfn_t table,
				  unsigned int level, pte_t *e)
{
	mfn_t mfn = pte_mfn(*e);
	int rc;

	if (!(*e & _PAGE_PRESENT))
		return 0;
	if (level == 1) {
		rc = l1_flags_check(d, *e);
		if (rc)
			return rc;
		if (is_io_frame(mfn)) {
			/*
			 * As Xen: the all-ones frame is "no frame" (-EINVAL);
			 * other frames outside RAM must be in the MMIO lists
			 * (domctl iomem_permission) of the frame's owner named
			 * (under DOMID_IO: the table's owner) and of the
			 * table's owner. Never past the physical address
			 * width, whose upper PTE bits are reserved (a #PF with
			 * RSVD, and an L1TF-style speculative load, on use),
			 * nor the hypervisor's own: no list holds those.
			 */
			if (mfn == PTE_ADDR_MASK >> PAGE_SHIFT)
				return trace_err(-EINVAL);
			if ((mfn >> (paddr_bits - PAGE_SHIFT)) || mm_frame_is_hypervisor_mmio(mfn) ||
			    !io_caps_cover(d, IO_MEM, mfn, mfn) ||
			    (!fd->io_via_caller && fd != d && !io_caps_cover(fd, IO_MEM, mfn, mfn)))
				return trace_err(-EPERM);
			if (mm_frame_is_readonly_mmio(mfn))
				*e &= ~(pte_t)_PAGE_RW;	/* Xen: "forcing read-only access" */
		} else {
			/*
			 * A frame typed otherwise (a page table, a descriptor
			 * page) mapped writable: -EBUSY, as Xen's
			 * get_page_from_l1e; inside a validation validate_l1
			 * carries it up as -(EPT_ENTRY + EBUSY) (hv/mm.h).
			 */
			rc = (*e & _PAGE_RW) ? get_page_and_type(mfn, PGT_writable, fd)
					     : get_page(mfn, fd);
			/*
			 * Any frame of RAM it cannot reference (another's, the
			 * hypervisor's, free, typed otherwise): -EBUSY, as Xen's
			 * get_page_from_l1e ("could_not_pin").
			 */
			if (rc)
				return trace_err(-EBUSY);
			/*
			 * A page the hypervisor lends (shared_info, grant
			 * frames) is written through its own write-back
			 * mapping: another cache type here would alias it
			 * (Xen's "Attempt to change cache attributes of Xen
			 * heap page", -EACCES). Reachable by a domU since it
			 * may hold MMIO frames or ports (l1_flags_check).
			 */
			if ((*e & L1_IO_BITS) && (frame_table[mfn].flags & PGF_shared)) {
				if (*e & _PAGE_RW)
					put_page_and_type(mfn, d);
				else
					put_page(mfn);
				return trace_err(-EACCES);
			}
		}
		*e = l1_guest_bits(*e);
		return 0;
	}
	if (*e & ~UPPER_ALLOWED)
		return trace_err(-EINVAL);
	rc = get_page_and_type(mfn, level - 1, d);
	if (rc == -EBUSY)
		rc = get_linear(d, table, level, *e);
	if (rc)	/* not ours, not RAM, above the address width: -EINVAL, as Xen */
		return trace_err(rc == -EBUSY || rc == -EPERM ? -EINVAL : rc);
	*e |= _PAGE_USER | (level == 4 ? _PAGE_ACCESSED : 0);
	return 0;
}

static int get_entry_refs(struct domain *d, mfn_t table, unsigned int level, pte_t *e)
{
	return get_entry_refs_foreign(d, d, table, level, e);
}

/* Drops what get_entry_refs took; the frame's owner is found, not assumed. */
static void put_entry_refs(struct domain *d, mfn_t table, unsigned int level, pte_t e)
{
	mfn_t mfn = pte_mfn(e);

	if (!(e & _PAGE_PRESENT))
		return;
	if (level == 1) {
		if (is_io_frame(mfn))
			return;
		/*
		 * A writable entry's frame is PGT_writable while the entry
		 * holds its type reference, and dropping that type names no
		 * domain (put_page_type_last: only a validated table's last
		 * drop uses it), so a foreign frame's is dropped as a local
		 * one's. Until session 32 the frame's owner was looked up
		 * first (domain_by_id, the domain list's lock taken and
		 * dropped) for every writable entry, local ones too: at a
		 * munmap's trapped clear, an unpin's release, a remap.
		 */
		if (e & _PAGE_RW)
			put_page_and_type(mfn, d);
		else
			put_page(mfn);
		return;
	}
	if (!put_linear(d, table, level, e))
		put_page_and_type(mfn, d);
}

static bool slot_is_hypervisor(unsigned int level, unsigned int idx)
{
	return level == 4 && idx >= 256 && idx <= 271;
}

/* Every entry of an L1 table, in one go (512 at most, no descent). */
static int validate_l1(struct domain *d, mfn_t mfn)
{
	pte_t *t = frame_va(mfn);
	unsigned int i, j;
	int rc;

	for (i = 0; i < 512; i++) {
		pte_t e = t[i];

		rc = get_entry_refs(d, mfn, 1, &e);
		if (rc) {
			rc -= EPT_ENTRY;	/* the entry's answer, carried up (hv/mm.h) */
			goto undo;
		}
		t[i] = e;
	}
	return 0;

undo:
	for (j = 0; j < i; j++)
		put_entry_refs(d, mfn, 1, t[j]);
	return rc;
}

static void put_entries(struct domain *d, mfn_t mfn, unsigned int level, unsigned int n)
{
	pte_t *t = frame_va(mfn);
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!slot_is_hypervisor(level, i))
			put_entry_refs(d, mfn, level, t[i]);
}

/*
 * Releasing is deferred below the first table: a table that goes unused
 * drops its entries' references at once (512 at most), and tables that
 * this leaves unused in turn wait on the release list, so no single step
 * walks a whole tree. Until released, such a table keeps its type and
 * PGF_validated, with PGF_releasing set, and counts as typeless everywhere
 * else: any other use settles it first; the same type takes it back as it is.
 */
static void release_table(struct domain *d, mfn_t mfn, struct page_info *pg)
{
	ASSERT(rspin_is_mine(&d->arch.pt.lock));
	d->arch.pt.release_depth++;
	put_entries(d, mfn, pg->type, 512);
	d->arch.pt.release_depth--;
	/*
	 * Count 0 and PGF_releasing: nobody else changes the word meanwhile,
	 * but for last_put's PGF_free_after: then the frame is ours to free.
	 */
	if (TW_FLAGS(__atomic_fetch_and(&pg->type_info,
					~((0xFFULL << TW_TYPE_SHIFT) |
					  ((uint64_t)(PGF_validated | PGF_releasing | PGF_free_after)
					   << TW_FLAGS_SHIFT)),
					__ATOMIC_ACQ_REL)) & PGF_free_after)
		free_held(mfn, pg);
}

/* A table's last type reference went (PGF_releasing already set). */
static void table_unused(struct domain *d, mfn_t mfn, struct page_info *pg)
{
	if (d->arch.pt.release_depth) {
		release_link(d, mfn, pg);
	} else {
		release_table(d, mfn, pg);
	}
}

/*
 * A releasing frame released now: by this call if it is still on its
 * domain's list under the lock, else another CPU's release ended first.
 */
void pt_settle_slow(mfn_t mfn)
{
	struct page_info *pg = &frame_table[mfn];
	/*
	 * Referenced, as Xen 4.17's get_pg_owner / rcu_lock_domain hold the
	 * domain they look up: the owner read here can be a domain whose last
	 * frame goes on another CPU right now, and whose record the reaper
	 * would then free under us (until 5 Dec it was looked up unreferenced).
	 */
	struct domain *d = get_domain_by_id(pg->owner);

	/*
	 * The frame is any a guest names (decrease_reservation settles it
	 * before it looks whose it is): its release may have ended on
	 * another CPU and the frame been freed (owner DOMID_INVALID, no
	 * domain) or given to another since the flag was read. Only under
	 * the owner's lock, with the owner unchanged, is it that owner's
	 * releasing table (a release ends under that lock, so the frame
	 * cannot leave while it is held).
	 */
	if (!d)
		return;
	rspin_lock(&d->arch.pt.lock);
	if ((pg->flags & PGF_releasing) && pg->owner == d->domid) {
		release_unlink(d, pg);
		release_table(d, mfn, pg);
	}
	rspin_unlock(&d->arch.pt.lock);
	put_domain(d);
}

bool pt_release_some(struct domain *d, bool all)
{
	uint64_t until = hypercall_preempt_until();
	bool first = true;

	while (__atomic_load_n(&d->arch.pt.release_head, __ATOMIC_RELAXED)) {
		if (!all && !first && hypercall_preempt_now(this_cpu()->current, until))
			return false;
		first = false;
		rspin_lock(&d->arch.pt.lock);
		if (d->arch.pt.release_head)
			pt_settle_slow(d->arch.pt.release_head - 1);
		rspin_unlock(&d->arch.pt.lock);
	}
	return true;
}

/*
 * Validation of a tree from its root table, in pieces. A frame that takes
 * a page-table type for the first time is claimed (type, type count 1 and
 * a count reference of its own, PGF_partial) and pushed on the caller's
 * walk (struct pt_walk: its vCPU's for its own domain's tables, the
 * domain's `foreign` one for another domain's calls); entries are
 * validated in order, a child table that needs it is descended into, and
 * a finished table is popped (PGF_validated, its own count reference
 * dropped, its parent's entry done). Inside a preemptible call the walk
 * stops with -ERESTART and the walk as it is when hypercall_preempt_now
 * says so (before each entry but the first of this call); the same
 * request for the root continues it. Every partial frame of a page-table
 * type sits on exactly one walk of its domain (all of them change only
 * under the lock). Xen 4.17 keeps this state in each frame
 * (nr_validated_ptes, PGT_partial), and whoever asks next for a partly
 * validated table goes on with it; so here a table on another walk is
 * taken over with the frames below it (take_over), whether asked for
 * directly or met as a child, and its old parent entry is validated again
 * when that walk goes on. A request for an inner frame of the caller's own
 * walk, or for a new tree while its own is unfinished, first drops its
 * unfinished tree (walk_abort): that guest's abandoned work is lost, never
 * its frames. Dropping is cheap because releasing is deferred (above).
 */
/*
 * A typeless frame becomes partial: one exchange from a type word with
 * count 0 and no transit flag; false if another CPU typed it first.
 */
static bool claim(struct page_info *pg, unsigned int level)
{
	uint64_t w = pg_type_word(pg), n;

	do {
		if (TW_COUNT(w) || (TW_FLAGS(w) & (PGF_partial | PGF_releasing)))
			return false;
		n = (w & ~0xFFFFFFFFFFULL & ~((uint64_t)PGF_was_table << TW_FLAGS_SHIFT)) |
		    ((uint64_t)level << TW_TYPE_SHIFT) | ((uint64_t)PGF_partial << TW_FLAGS_SHIFT) | 1;
	} while (!pg_type_cas(pg, &w, n));
	frame_count_add(pg - frame_table, 1);
	flush_stale(pg, level, w);	/* before a single entry is read */
	return true;
}

/* A partial frame is ours alone: plain atomic clears undo or end it. */
static void unclaim(struct page_info *pg)
{
	__atomic_fetch_and(&pg->type_info,
			   ~(0xFFFFFFFFFFULL | ((uint64_t)PGF_partial << TW_FLAGS_SHIFT)),
			   __ATOMIC_ACQ_REL);
	frame_count_add(pg - frame_table, -1);
}

static void finish(mfn_t mfn, struct page_info *pg)
{
	if (pg->type == PGT_l4)
		pt_fill_hypervisor_slots(frame_va(mfn));
	/* Entries written before the flag: whoever sees it validated sees them. */
	__atomic_fetch_xor(&pg->type_info, (uint64_t)(PGF_partial | PGF_validated) << TW_FLAGS_SHIFT,
			   __ATOMIC_ACQ_REL);
	frame_count_add(mfn, -1);
}

/* A free frame becomes a validated L1 table, or stays free (the error); 1: typed meanwhile. */
static int claim_l1(struct domain *d, mfn_t mfn, struct page_info *pg)
{
	int rc;

	if (!claim(pg, PGT_l1))
		return 1;
	rc = validate_l1(d, mfn);
	if (rc)
		unclaim(pg);
	else
		finish(mfn, pg);
	return rc;
}

/* The walk a call on this CPU uses for d's tables: its vCPU's, or d's foreign one. */
static struct pt_walk *my_walk(struct domain *d)
{
	struct vcpu *v = this_cpu()->current;

	return v && v->domain == d ? &v->arch.pt_walk : &d->arch.pt.foreign;
}

/* The walk of d that holds the partial frame mfn, and where (*k); NULL: none. */
static struct pt_walk *walk_of(struct domain *d, mfn_t mfn, unsigned int *k)
{
	struct pt_walk *w = &d->arch.pt.foreign;
	struct vcpu *v = d->vcpu ? d->vcpu[0] : NULL;
	unsigned int i;

	ASSERT(rspin_is_mine(&d->arch.pt.lock));
	for (;;) {
		for (i = 0; i < w->depth; i++) {
			if (w->mfn[i] == mfn) {
				*k = i;
				return w;
			}
		}
		if (!v)
			return NULL;
		w = &v->arch.pt_walk;
		v = v->next_in_list;
	}
}

/* Drops one walk's unfinished tree: every claimed frame is let go. */
static void walk_abort(struct domain *d, struct pt_walk *w)
{
	ASSERT(rspin_is_mine(&d->arch.pt.lock));
	d->arch.pt.release_depth++;
	while (w->depth) {
		unsigned int k = --w->depth;
		mfn_t mfn = w->mfn[k];

		put_entries(d, mfn, w->root_level - k, w->next[k]);
		unclaim(&frame_table[mfn]);
		if (k)
			put_page(mfn);	/* the parent entry's reference */
	}
	d->arch.pt.release_depth--;
}

/*
 * Frames k.. of another walk `from` go on top of `to`: as its whole tree
 * when `to` is empty, else below its top table, whose entry for
 * from->mfn[k] holds a count reference already. `from` keeps frames
 * 0..k-1; its entry for from->mfn[k] is not done, so its count reference
 * goes, and that entry is validated again when `from` goes on. No entry
 * validated so far is lost, so vCPUs that pass one tree back and forth
 * still finish it.
 */
static void take_over(struct pt_walk *to, struct pt_walk *from, unsigned int k)
{
	mfn_t mfn = from->mfn[k];
	unsigned int i;

	if (!to->depth)
		to->root_level = from->root_level - k;
	for (i = k; i < from->depth; i++) {
		BUG_ON(to->depth >= ARRAY_SIZE(to->mfn));
		to->mfn[to->depth] = from->mfn[i];
		to->next[to->depth++] = from->next[i];
	}
	from->depth = k;
	if (k)
		put_page(mfn);	/* from's parent entry's */
}

/* Every unfinished tree of d's tables (a dying domain's): let go. */
void pt_abort(struct domain *d)
{
	struct vcpu *v;

	rspin_lock(&d->arch.pt.lock);
	walk_abort(d, &d->arch.pt.foreign);
	for_each_vcpu(d, v)
		walk_abort(d, &v->arch.pt_walk);
	rspin_unlock(&d->arch.pt.lock);
}

/* Entry i of the table at the top of the stack; 1: a child was pushed. */
static int validate_upper_entry(struct domain *d, struct pt_walk *w)
{
	unsigned int k = w->depth - 1, level = w->root_level - k, i = w->next[k];
	pte_t *slot = (pte_t *)frame_va(w->mfn[k]) + i, e = *slot;
	mfn_t child = pte_mfn(e);
	struct page_info *cpg;
	int rc;

	if (e & ~UPPER_ALLOWED)
		return trace_err(-EINVAL);
	if (child == w->mfn[k]) {
		rc = get_linear(d, child, level, e);	/* itself, read-only */
		if (rc)
			return trace_err(rc);
		goto done;
	}
	rc = get_page(child, d);
	if (rc)
		return trace_err(rc);
	cpg = &frame_table[child];
	if (cpg->flags & PGF_partial) {
		struct pt_walk *o;
		unsigned int j;

		/*
		 * Its own ancestors: a loop. A table of the right level in
		 * another walk of d's tables: that one's work below it is ours
		 * to go on with.
		 */
		o = walk_of(d, child, &j);
		if (!o || o == w || cpg->type != level - 1) {
			rc = -EINVAL;
			goto put;
		}
		take_over(w, o, j);
		return 1;
	}
	if ((cpg->flags & PGF_releasing) && cpg->type != level - 1)
		pt_settle_slow(child);
	do {
		if (!cpg->type_count && !(cpg->flags & PGF_releasing)) {
			if (level - 1 == PGT_l1) {
				rc = claim_l1(d, child, cpg);
				if (rc < 0)
					goto put;
				if (!rc)
					goto done;
			} else if (claim(cpg, level - 1)) {
				w->mfn[w->depth] = child;
				w->next[w->depth++] = 0;
				return 1;
			}
			/* Typed by another CPU meanwhile: as any typed frame. */
		}
		rc = get_type_slow(d, child, cpg, level - 1, true);
	} while (rc == TYPE_UNCLAIMED);	/* typeless again: claimed now */
	if (rc == -EBUSY) {
		put_page(child);
		rc = get_linear(d, w->mfn[k], level, e);
		if (rc)
			return trace_err(rc);
		goto done;
	}
	if (rc)
		goto put;
done:
	*slot = e | _PAGE_USER | (level == 4 ? _PAGE_ACCESSED : 0);
	return 0;
put:
	put_page(child);
	return trace_err(rc == -EBUSY ? -EINVAL : rc);
}

static int validate_run(struct domain *d, struct pt_walk *w)
{
	unsigned int work = 0;
	int rc;

	while (w->depth) {
		unsigned int k = w->depth - 1, level = w->root_level - k, i = w->next[k];
		const pte_t *t = frame_va(w->mfn[k]);

		if (i == 512) {
			finish(w->mfn[k], &frame_table[w->mfn[k]]);
			if (--w->depth) {
				unsigned int p = w->depth - 1;
				pte_t *slot = (pte_t *)frame_va(w->mfn[p]) + w->next[p]++;

				*slot |= _PAGE_USER | (level + 1 == 4 ? _PAGE_ACCESSED : 0);
			}
			continue;
		}
		if (slot_is_hypervisor(level, i) || !(t[i] & _PAGE_PRESENT)) {
			w->next[k]++;
			continue;
		}
		if (this_cpu()->pt_preemptible && work++ &&
		    hypercall_preempt_now(this_cpu()->current, this_cpu()->pt_until))
			return -ERESTART;
		rc = validate_upper_entry(d, w);
		if (rc < 0) {
			walk_abort(d, w);
			return rc;
		}
		if (!rc)
			w->next[k]++;
	}
	return 0;
}

/*
 * The type `level` for a frame that has none, or is partial in a walk:
 * validated now, or in pieces (-ERESTART). The root of this call's own
 * walk goes on; a frame of another walk is taken over with the work below
 * it (as Xen, where whoever asks for a partly validated table goes on with
 * it); a frame inside this call's own walk, or a new tree, drops this
 * call's unfinished tree first.
 */
static int validate_tree_locked(struct domain *d, mfn_t mfn, unsigned int level)
{
	struct page_info *pg = &frame_table[mfn];
	struct pt_walk *mine = my_walk(d), *w;
	unsigned int k;

	if (pg->flags & PGF_partial) {
		w = walk_of(d, mfn, &k);
		if (!w || pg->type != level)
			return 1;	/* a descriptor page being checked, or changed: look again */
		if (w == mine && !k)
			return validate_run(d, mine);
		walk_abort(d, mine);
		if (w != mine) {
			take_over(mine, w, k);
			return validate_run(d, mine);
		}
	} else if (mine->depth) {
		walk_abort(d, mine);
	}
	/*
	 * Typeless when get_page_type looked (dropping a tree only unclaims
	 * its partial frames); 1 if typed since.
	 */
	if (level == PGT_l1)
		return claim_l1(d, mfn, pg);
	if (!claim(pg, level))
		return 1;
	mine->root_level = level;
	mine->mfn[0] = mfn;
	mine->next[0] = 0;
	mine->depth = 1;
	return validate_run(d, mine);
}

static int validate_tree(struct domain *d, mfn_t mfn, unsigned int level)
{
	int rc;

	BUG_ON(level < PGT_l1 || level > PGT_l4);	/* only tables are walked */
	rspin_lock(&d->arch.pt.lock);
	/* Another CPU may have finished (or dropped) the tree meanwhile. */
	if (!(frame_table[mfn].flags & PGF_partial) && frame_table[mfn].type_count)
		rc = 1;
	else
		rc = validate_tree_locked(d, mfn, level);
	rspin_unlock(&d->arch.pt.lock);
	return rc;
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
	if (rc)	/* its own type conflicts -EINVAL, a writable mapping below -EBUSY */
		return rc == -ERESTART ? rc : trace_err(pt_refusal(rc));
	if (__atomic_fetch_or(&pg->type_info, (uint64_t)PGF_pinned << TW_FLAGS_SHIFT,
			      __ATOMIC_ACQ_REL) & ((uint64_t)PGF_pinned << TW_FLAGS_SHIFT)) {
		put_page_and_type(mfn, d);	/* pinned by another CPU meanwhile */
		return trace_err(-EINVAL);
	}
	return 0;
}

/* A dying domain's pins: every table goes on the release list. */
void pt_unpin_all(struct domain *d)
{
	mfn_t mfn;

	rspin_lock(&d->arch.pt.lock);
	d->arch.pt.release_depth++;
	for (mfn = 0; mfn < frame_table_size; mfn++) {
		struct page_info *pg = &frame_table[mfn];

		if (pg->owner == d->domid && (pg->flags & PGF_pinned)) {
			pg_flags_clear(pg, PGF_pinned);
			put_page_and_type(mfn, d);
		}
	}
	d->arch.pt.release_depth--;
	rspin_unlock(&d->arch.pt.lock);
}

/*
 * Under a reference of ours, as Xen's MMUEXT_UNPIN_TABLE (get_page_from_gfn
 * first): with the owner only read before the flag's clearing, a frame
 * freed and pinned by another domain in between lost that domain's pin,
 * its references put as d's.
 */
int pt_unpin(struct domain *d, mfn_t mfn)
{
	struct page_info *pg = pg_of(mfn);
	bool pinned;

	if (!pg || get_page(mfn, d))
		return trace_err(-EINVAL);
	pinned = __atomic_fetch_and(&pg->type_info, ~((uint64_t)PGF_pinned << TW_FLAGS_SHIFT),
				    __ATOMIC_ACQ_REL) & ((uint64_t)PGF_pinned << TW_FLAGS_SHIFT);
	if (pinned)
		put_page_and_type(mfn, d);
	put_page(mfn);
	return pinned ? 0 : trace_err(-EINVAL);
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

/* One entry write, the old entry read and its references dropped after. */
static inline __attribute__((always_inline)) int update_entry(struct domain *d,
							     struct domain *fd, paddr_t ptr,
							     uint64_t val, bool preserve_ad)
{
	mfn_t mfn = ptr >> PAGE_SHIFT;
	unsigned int idx = (ptr & (PAGE_SIZE - 1)) / 8;
	struct page_info *pg = pg_of(mfn);
	pte_t *slot, old;
	int rc;

	if (ptr & 7)
		return trace_err(-EINVAL);
	if (!pg || pg->owner != d->domid || !pg_refs(pg))	/* -EINVAL, as Xen */
		return trace_err(-EINVAL);
	slot = (pte_t *)mfn_to_virt(mfn) + idx;	/* inline: every entry passes */
	old = *slot;
	if (preserve_ad)
		val |= old & (_PAGE_ACCESSED | _PAGE_DIRTY);
	if (unlikely(pg->flags & PGF_releasing))
		pt_settle_slow(mfn);
	if (!(pg->flags & PGF_validated)) {
		/*
		 * A count reference beside the type, as Xen's mmu_update takes
		 * (get_page_from_gfn): another vCPU giving the page back could
		 * otherwise drop its last reference between the type and the
		 * store (a frame freed with a type held, the store into it).
		 */
		rc = get_page_and_type(mfn, PGT_writable, d);
		if (rc)
			return trace_err(-EINVAL);
		*slot = val;
		put_page_and_type(mfn, d);
		return 0;
	}
	if (slot_is_hypervisor(pg->type, idx))
		return trace_err(-EINVAL);
	if (fd != d && pg->type != PGT_l1)
		return trace_err(-EINVAL);	/* only L1 entries map foreign frames */
	rc = get_entry_refs_foreign(d, fd, mfn, pg->type, &val);
	if (unlikely(rc))
		return entry_refused(rc, pg->type, slot, old, val);
	*slot = val;
	put_entry_refs(d, mfn, pg->type, old);
	return 0;
}

/* This CPU + 1, for the page-table lock's inline takes on the entry-write path. */
#ifdef UNIT_HOST_CPU
extern __thread unsigned int unit_cpu;
#define pt_lock_cpu()	(unit_cpu + 1)
#else
#define pt_lock_cpu()	(this_cpu()->cpu_id + 1)
#endif

/* An entry write in a domain of several vCPUs: under its page-table lock. */
static int __attribute__((noinline)) update_entry_smp(struct domain *d, struct domain *fd,
						      paddr_t ptr, uint64_t val, bool preserve_ad)
{
	uint32_t me = pt_lock_cpu();
	int rc;

	rspin_lock_as(&d->arch.pt.lock, me);
	rc = update_entry(d, fd, ptr, val, preserve_ad);
	rspin_unlock_as(&d->arch.pt.lock, me);
	return rc;
}

/*
 * As pt_update_entry, with an L1 entry's frame belonging to fd; under
 * d's page-table lock only when pt_lock_wanted (hv/mm.h): the path every
 * PTE update takes pays one compare in a one-vCPU domain.
 */
int pt_update_entry_foreign(struct domain *d, struct domain *fd, paddr_t ptr, uint64_t val,
			    bool preserve_ad)
{
	if (pt_lock_wanted(d))
		return update_entry_smp(d, fd, ptr, val, preserve_ad);
	return update_entry(d, fd, ptr, val, preserve_ad);
}

uint64_t domain_frame_count(const struct domain *d)
{
	uint64_t mfn, n = 0;

	for (mfn = 0; mfn < frame_table_size; mfn++)
		if (frame_table[mfn].owner == d->domid && pg_refs(&frame_table[mfn]))
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
		t = mfn_to_virt(pte_mfn(e));
	}
	*pa = virt_to_maddr(&t[(va >> 12) & 511]);
	return true;
}
