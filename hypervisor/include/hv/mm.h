/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The frame table: one struct page_info per machine frame of RAM. See the
 * essay at the top of arch/x86/page_type.c for the rules.
 */
#ifndef HV_MM_H
#define HV_MM_H

#include <hv/types.h>
#include <hv/nospec.h>
#include <lamina/errno.h>
#include <hv/domain.h>		/* max_vcpus and the page-table lock (pt_lock_wanted) */

struct domain;
struct vcpu;

/*
 * Two words carry every count and may be changed by any CPU at any time,
 * only atomically (the rules: the essay of arch/x86/page_type.c):
 * `count`, and the type word `type_info`, which holds the type count, the
 * type, the flags and the linear count together so that one
 * compare-and-exchange checks and changes them as one (as Xen's
 * count_info/type_info). Read the named fields for a glance; decide on a
 * snapshot (pg_type_word) and write through the pg_type_* helpers.
 */
struct page_info {
	uint32_t count;		/* general references: allocation, mappings, pins; PGC_* */
	domid_t owner;		/* a domain, DOMID_XEN, DOMID_IO or DOMID_INVALID (free) */
	/*
	 * The flush stamp (hv/flushtlb.h) of the end of its last writable or
	 * page-table use or of its owner: TLB_STAMP_SET and the clock's low
	 * 15 bits, or 0 when no CPU can hold a guest's translation of it.
	 * 16 bits keep the entry at 24 bytes.
	 */
	uint16_t tlbflush_stamp;
	union {
		uint64_t type_info;	/* the type word: the four fields below */
		struct {
			uint32_t type_count;	/* references to the current type */
			uint8_t type;		/* PGT_* */
			uint8_t flags;		/* PGF_* */
			int16_t linear;		/* page tables: > 0 linear entries held, < 0 linear uses */
		};
	};
	/*
	 * mfn + 1 on the owner's release list, 0 = none; `next` also lists
	 * the extents an exchange chunk holds (memory_op.c).
	 */
	uint32_t prev, next;
};
_Static_assert(sizeof(struct page_info) == 24, "frame table entry");

/*
 * count's top bit: the frame has no allocation reference any more (its
 * owner gave it back, memory_op decrease_reservation, or died) and is freed
 * by its last reference; until then it is still its owner's (counted in
 * owner->nr_held, and in its tot_pages), may still be mapped and pinned as
 * before, but never gets its allocation back. Xen's PGC_allocated,
 * inverted, so that an allocated frame's count reads as its references.
 * It changes only together with the count, in one exchange.
 */
#define PGC_unallocated	0x80000000U
#define PGC_count_mask	0x7FFFFFFFU

/* The references a frame holds (0: free, or being freed). */
static inline uint32_t pg_refs(const struct page_info *pg)
{
	return __atomic_load_n(&pg->count, __ATOMIC_RELAXED) & PGC_count_mask;
}

/* The type word's fields (little-endian: type_count in the low half). */
#define TW_COUNT(w)	((uint32_t)(w))
#define TW_TYPE(w)	((unsigned int)((w) >> 32) & 0xFF)
#define TW_FLAGS(w)	((unsigned int)((w) >> 40) & 0xFF)
#define TW_TYPE_SHIFT	32
#define TW_FLAGS_SHIFT	40
#define TW_LINEAR_ONE	(1ULL << 48)

static inline uint64_t pg_type_word(const struct page_info *pg)
{
	return __atomic_load_n(&pg->type_info, __ATOMIC_ACQUIRE);
}

/* The type word from *old to new; false (and *old the word now) if it changed. */
static inline bool pg_type_cas(struct page_info *pg, uint64_t *old, uint64_t new)
{
	return __atomic_compare_exchange_n(&pg->type_info, old, new, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

static inline void pg_flags_set(struct page_info *pg, unsigned int f)
{
	__atomic_fetch_or(&pg->type_info, (uint64_t)f << TW_FLAGS_SHIFT, __ATOMIC_ACQ_REL);
}

static inline void pg_flags_clear(struct page_info *pg, unsigned int f)
{
	__atomic_fetch_and(&pg->type_info, ~((uint64_t)f << TW_FLAGS_SHIFT), __ATOMIC_ACQ_REL);
}

/* linear += delta (the top 16 bits; a carry out of them is lost, never a borrow below). */
static inline void pg_linear_add(struct page_info *pg, int delta)
{
	__atomic_fetch_add(&pg->type_info, (uint64_t)(int64_t)delta * TW_LINEAR_ONE, __ATOMIC_ACQ_REL);
}

enum {
	PGT_none, PGT_l1, PGT_l2, PGT_l3, PGT_l4, PGT_seg_desc, PGT_writable,
};

#define PGF_validated	0x01	/* a page table whose entries hold references */
#define PGF_pinned	0x02	/* held by a PIN_Ln */
#define PGF_shared	0x04	/* ours, lent to the owner to map (shared_info, grant table); typed writable */
#define PGF_partial	0x08	/* a page table being validated (its domain's stack) */
#define PGF_releasing	0x10	/* an unused page table still holding its entries' refs */
#define PGF_was_table	0x20	/* the stamp is from its last page-table use */
#define PGF_free_after	0x40	/* releasing, its last reference gone: freed when released */
#define PGF_dropped	0x80	/* a type reference not the last went since (page_type.c) */
#define TW_DROPPED	((uint64_t)PGF_dropped << TW_FLAGS_SHIFT)

/* A validated page table in use (not being validated, not being released). */
static inline bool pg_is_table(const struct page_info *pg)
{
	return (pg->flags & (PGF_validated | PGF_releasing)) == PGF_validated;
}

extern struct page_info *frame_table;
extern uint64_t frame_table_size;	/* frames covered */
extern unsigned int paddr_bits;		/* the machine's physical address width */
extern unsigned int gpaddr_bits;	/* the guest-physical width domctl reports */

#define INVALID_M2P	(~0ULL)
extern uint64_t *m2p;			/* RW view of the machine-to-phys table */

void *frame_va(mfn_t mfn);		/* the hypervisor's mapping of a frame */

int get_page(mfn_t mfn, const struct domain *d);
/* count from 1 (the allocation reference alone) to `to`, atomically; false if it was not 1. */
bool frame_count_from_one(mfn_t mfn, uint32_t to);
/* count += delta, atomically, for references the caller knows about. */
void frame_count_add(mfn_t mfn, int delta);
void put_page(mfn_t mfn);
int get_page_type(mfn_t mfn, unsigned int type, struct domain *d);
void put_page_type(mfn_t mfn, struct domain *d);
int get_page_and_type(mfn_t mfn, unsigned int type, struct domain *d);
void put_page_and_type(mfn_t mfn, struct domain *d);

/*
 * Drops the allocation reference (or, for a shared frame, ours): the frame
 * is freed now if nothing else holds it (true), else by the last put_page.
 */
bool put_alloc_ref(mfn_t mfn);
/*
 * d gives back a frame it owns (memory_op decrease_reservation, as Xen's
 * guest_remove_page): its allocation reference goes, and it is freed now
 * or by its last reference (a pin, a mapping, a grant). 0 also for one
 * given back already and still held; -ENXIO if it is not d's.
 */
int frame_give_back(mfn_t mfn, struct domain *d);
/*
 * d's destroy (domain_destroy.c), once d is dying and its tables are
 * released: a frame of d's still allocated loses its allocation
 * reference; true if freed here. Any other frame, or one given back on
 * another CPU meanwhile, is left as it is.
 */
bool frame_relinquish(mfn_t mfn, struct domain *d);
/*
 * d's frame, held by nothing but its allocation (no type, not shared),
 * loses that reference in one exchange (count 1 -> 0) to leave d (memory
 * exchange, grant transfer): nobody can take a reference to it after.
 * False, the frame as it was, if not (a page table still on d's release
 * list too). The caller frees it or gives it on (frame_release, or the
 * count back to 1).
 */
bool frame_steal(mfn_t mfn, const struct domain *d);
/* A frame leaves its owner for good: M2P entry cleared, back to the pool. */
void frame_release(mfn_t mfn);
/*
 * A frame of ours (alloc_frame) the domain may map, writable too; it
 * holds a writable type until put_alloc_ref, so it never becomes a table.
 */
void frame_share_with(mfn_t mfn, struct domain *d);

/*
 * Long page-table work in pieces (page_type.c). Inside a call that can
 * take a continuation (this CPU's pt_preemptible, set by mmu_update,
 * mmuext_op and pt_preemptible_begin), validation returns -ERESTART
 * when hypercall_preempt_now says so (the call's pt_until), to be
 * resumed when the call runs again.
 * pt_settle finishes releasing one unused table now; pt_release_some
 * releases queued tables for about 1 ms (all when `all`): no hypercall
 * returns its result before its domain's list is empty (arch/x86/pv.c).
 * pt_abort drops every unfinished validation of d's tables (a dying
 * domain's), each vCPU's and other domains'.
 */
extern unsigned int pt_release_lists;	/* domains with tables to release */
void pt_settle_slow(mfn_t mfn);		/* a frame with PGF_releasing */
static inline void pt_settle(mfn_t mfn)
{
	if (mfn < frame_table_size &&
	    (frame_table[array_index_nospec(mfn, frame_table_size)].flags & PGF_releasing))
		pt_settle_slow(mfn);
}
bool pt_release_some(struct domain *d, bool all);	/* true: none left */
void pt_abort(struct domain *d);
/*
 * Another call whose validation may take a continuation (the guest's
 * emulated mov to %cr3, VCPUOP_initialise): pt_preemptible on, its
 * pt_until from now, and off again after.
 */
void pt_preemptible_begin(void);
void pt_preemptible_end(void);

/*
 * Validating a table met an L1 entry it refuses: Xen's get_page_from_l1e
 * answer (-EBUSY a typed frame mapped writable or RAM not the owner's,
 * -EPERM an MMIO frame outside the lists, -EACCES a lent page with cache
 * attributes, -EINVAL bad flags) is what every level's validation passes
 * up to the pin, base pointer, upper entry or vCPU context that asked.
 * Inside page_type.c -EBUSY and -EPERM from get_page_type already mean
 * something of the table itself (its own type conflicts, not the
 * domain's: Xen's -EINVAL), so validation carries an entry's answer as
 * -(EPT_ENTRY + errno) and pt_refusal turns it back. Never seen by a guest.
 */
#define EPT_ENTRY	4096

/* rc with an L1 entry's answer carried up turned back into it. */
static inline int pt_entry_answer(int rc)
{
	return rc < -EPT_ENTRY ? rc + EPT_ENTRY : rc;
}

/* A table type refused by get_page_type: the answer a guest gets, as Xen's. */
static inline int pt_refusal(int rc)
{
	return rc == -ERESTART || rc < -EPT_ENTRY ? pt_entry_answer(rc) : -EINVAL;
}

int pt_pin(struct domain *d, mfn_t mfn, unsigned int level);
/* MMUEXT_NEW_BASEPTR / NEW_USER_BASEPTR, and a PV kernel's mov to %cr3. */
int new_baseptr(struct vcpu *v, mfn_t mfn, bool user);
int pt_unpin(struct domain *d, mfn_t mfn);
void pt_unpin_all(struct domain *d);
int pt_update_entry(struct domain *d, paddr_t ptr, uint64_t val, bool preserve_ad);
int pt_update_entry_foreign(struct domain *d, struct domain *fd, paddr_t ptr, uint64_t val,
			    bool preserve_ad);

/*
 * Whether d's page-table work must take its page-table lock
 * (d->arch.pt.lock, hv/lock_order.h): only in a domain of several vCPUs.
 * A one-vCPU domain's tables change only by its own vCPU's calls (grant
 * maps and foreign updates write the caller's tables; dom0 unpinning such
 * a domain's tables while it runs, a foreign MMUEXT_UNPIN, is trusted),
 * so its entry writes, emulated PTE writes and grant PTE checks take no
 * lock: the single-vCPU paths pay one compare. The one rule for the
 * three (page_type.c, ptwr.c, grant_pte.c).
 */
static inline __attribute__((always_inline)) bool pt_lock_wanted(const struct domain *d)
{
	return unlikely(d->max_vcpus > 1);
}

/* d's page-table lock if pt_lock_wanted; returns whether it was taken, for pt_unlock_if. */
static inline __attribute__((always_inline)) bool pt_lock_if_wanted(struct domain *d)
{
	if (!pt_lock_wanted(d))
		return false;
	rspin_lock(&d->arch.pt.lock);
	return true;
}

static inline __attribute__((always_inline)) void pt_unlock_if(struct domain *d, bool locked)
{
	if (locked)
		rspin_unlock(&d->arch.pt.lock);
}

/* Frames in use by a domain (allocation references held), for accounting. */
uint64_t domain_frame_count(const struct domain *d);

/* Recount the references of d's frames; prints and returns the verdict. */
bool mm_audit(const struct domain *d);

/* An MMIO frame the hypervisor drives (the local APIC, the MSI range): never mapped by a guest. */
bool mm_frame_is_hypervisor_mmio(mfn_t mfn);
bool mm_frame_is_readonly_mmio(mfn_t mfn);
/*
 * The MMIO frame ranges machine_memory_map reports as reserved in the
 * map's holes (at most MM_DOM0_RESERVED_MMIO, in address order).
 */
#define MM_DOM0_RESERVED_MMIO	4
unsigned int mm_dom0_reserved_mmio(uint64_t range[MM_DOM0_RESERVED_MMIO][2]);
struct domain;
/* A privileged domain's MMIO frame list, as Xen 4.17's dom0_setup_permissions. */
void mm_dom0_iomem_init(struct domain *d);

/* Arch hook: the hypervisor's L4 slots, written into every validated L4. */
void pt_fill_hypervisor_slots(uint64_t *l4);
/* The read-only M2P's slot of validated L4 l4: filled (a kernel base) or empty. */
void mm_m2p_slot(mfn_t l4, bool present);

#endif
