// SPDX-License-Identifier: GPL-2.0-only
/*
 * Grant host mappings in a PV domain's own page tables
 * (docs/abi-devices.md §1.4). A mapping is one L1 entry of the mapper,
 * named by a virtual address in its current page tables or, with
 * GNTMAP_contains_pte, by the entry's machine address. Either way the L1
 * must be a validated page table of the mapper. The entry is written
 * through pt_update_entry_foreign, so it holds the references any PTE
 * holds (page, and writable type when RW) and the audit sees it like any
 * other; the grant pin in common/grant_table.c is held on top of that.
 *
 * TLB: an entry that was present must be out of every CPU's TLB before
 * the grant behind it goes (its pin, the granter's in-use bits): once the
 * granter sees its entry idle it may reuse the page, and no vCPU of the
 * mapper may reach it through a stale translation (guest/attack-grant-tlb).
 * A map over a present entry flushes at once. An unmap or a replace
 * flushes this CPU's TLB here when that is enough (the entry named by
 * virtual address, the mapper never ran on another CPU), else says
 * (*flush) that a full flush of every CPU the mapper ran on is owed
 * (gnttab_flush_tlb). Never an invlpg of the one address: the entry may
 * be cached under others (an L1, L2 or L3 hooked at two slots). The
 * batch (common/grant_map.c) does that once, before it lets the grants
 * go, as Xen 4.17's unmap batches flush once before they complete. A new
 * mapping over an empty entry, the usual case, needs none.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/grant_table.h>
#include <hv/guest_access.h>
#include <hv/mm.h>
#include <lamina/grant_table.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <hv/flushtlb.h>

#define GUEST_AVAIL_BITS	7U	/* GNTMAP bits 16-18 -> PTE bits 9-11 */

/*
 * d's entry addr names changed from a present one: is a flush of every
 * CPU d ran on owed? If not (named by virtual address, d has run on no
 * other CPU), this CPU's TLB is flushed here. Not by invlpg of addr: the
 * entry may be reached through other addresses too (its L1 hooked at two
 * L2 slots, an L2 or L3 at two slots above), each cached apart
 * (guest/attack-grant-pte).
 */
static bool invalidate_local(struct domain *d, bool is_pte)
{
	cpumask_t me = 1ULL << smp_processor_id();

	if (is_pte || (__atomic_load_n(&d->dirty_cpumask, __ATOMIC_ACQUIRE) & ~me))
		return true;
	flush_tlb_local();
	return false;
}

/*
 * The machine address of the L1 entry addr names, in a validated L1 of d:
 * through the calling vCPU's kernel tables (d's own call), or vCPU 0's.
 */
static bool grant_l1e(struct domain *d, uint64_t addr, bool is_pte, paddr_t *ptr)
{
	const struct vcpu *cur = this_cpu()->current;
	const struct vcpu *v = cur->domain == d ? cur : d->vcpu[0];
	const struct page_info *pg;

	if (is_pte) {
		if (addr & 7)
			return false;
		*ptr = addr;
	} else if (!is_canonical(addr) || !guest_range_ok(addr, 1) ||
		   !guest_l1e_maddr(v->arch.guest_cr3, addr, ptr)) {
		return false;
	}
	if ((*ptr >> PAGE_SHIFT) >= frame_table_size)
		return false;
	pg = &frame_table[array_index_nospec(*ptr >> PAGE_SHIFT, frame_table_size)];
	return pg->owner == d->domid && pg->type == PGT_l1 && pg_is_table(pg);
}

bool gnttab_host_addr_ok(struct domain *d, uint64_t addr, bool is_pte)
{
	paddr_t ptr;

	return grant_l1e(d, addr, is_pte, &ptr);
}

/*
 * The L1 checked by grant_l1e stays an L1 until the entry is written: in
 * a domain of several vCPUs another one could release it in between
 * (the last type reference goes under the page-table lock), and the
 * write would land in what is now a data page. Xen 4.17 checks and
 * writes under the L1's page lock; here d's page-table lock, the one its
 * entry writes take (pt_update_entry_foreign), held around both
 * (pt_lock_if_wanted: a one-vCPU domain's tables change only by its own
 * calls).
 */

static inline __attribute__((always_inline)) int
create_host_mapping(struct domain *ld, struct domain *rd, uint64_t addr, pte_t e, bool is_pte,
		    bool *was_present)
{
	paddr_t ptr;

	if (!grant_l1e(ld, addr, is_pte, &ptr))
		return -EINVAL;
	*was_present = *(pte_t *)maddr_to_virt(ptr) & _PAGE_PRESENT;
	return pt_update_entry_foreign(ld, rd, ptr, e, false);
}

int gnttab_create_host_mapping(struct domain *ld, struct domain *rd, uint64_t addr, mfn_t mfn,
			       uint32_t flags)
{
	pte_t e = (mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX;
	bool is_pte = flags & GNTMAP_contains_pte, was_present = false, locked;
	int rc;

	if (!(flags & GNTMAP_readonly))
		e |= _PAGE_RW;
	if (flags & GNTMAP_application_map)
		e |= _PAGE_USER;
	e |= (pte_t)((flags >> _GNTMAP_guest_avail0) & GUEST_AVAIL_BITS) << 9;
	locked = pt_lock_if_wanted(ld);
	rc = create_host_mapping(ld, rd, addr, e, is_pte, &was_present);
	pt_unlock_if(ld, locked);
	if (!rc && was_present && invalidate_local(ld, is_pte))
		gnttab_flush_tlb(ld);
	return rc;
}

/*
 * Does entry e map mfn as a grant mapping made with flags (GNTMAP_*)
 * does: present, that frame, writable exactly when the mapping is, as
 * Xen's replace_grant_pv_mapping checks (conform-fuzz-diff: an unmap
 * naming a writable mapping of the frame with the handle of a read-only
 * one was GNTST_okay, Xen general_error; fixed 7 Dec).
 */
static bool maps_as_granted(pte_t e, mfn_t mfn, uint32_t flags)
{
	return (e & _PAGE_PRESENT) && pte_mfn(e) == mfn &&
	       !(e & _PAGE_RW) == !!(flags & GNTMAP_readonly);
}

static inline __attribute__((always_inline)) int
destroy_host_mapping(struct domain *d, uint64_t addr, mfn_t mfn, uint32_t flags, bool *flush)
{
	bool is_pte = flags & GNTMAP_contains_pte;
	paddr_t ptr;
	pte_t e;
	int rc;

	if (!grant_l1e(d, addr, is_pte, &ptr))
		return -EINVAL;
	e = *(pte_t *)maddr_to_virt(ptr);
	if (!maps_as_granted(e, mfn, flags))
		return -EINVAL;
	rc = pt_update_entry(d, ptr, 0, false);
	if (!rc && invalidate_local(d, is_pte))
		*flush = true;
	return rc;
}

/*
 * The grant mapping at addr is replaced by the entry at new_addr, which
 * is cleared (new_addr 0: the grant entry is just cleared, is_pte naming
 * it by its machine address); *flush as for an unmap, and set even when
 * clearing new_addr's entry fails.
 */
static int replace_host_mapping(struct domain *d, uint64_t addr, uint64_t new_addr, mfn_t mfn,
				uint32_t flags, bool *flush)
{
	paddr_t ptr, nptr;
	pte_t ne;
	int rc;

	if (!new_addr)
		return destroy_host_mapping(d, addr, mfn, flags, flush);
	if (!grant_l1e(d, new_addr, false, &nptr))
		return -EINVAL;
	ne = *(pte_t *)maddr_to_virt(nptr);
	if (!grant_l1e(d, addr, false, &ptr) || nptr == ptr ||
	    !maps_as_granted(*(pte_t *)maddr_to_virt(ptr), mfn, flags)) {
		/*
		 * Xen 4.17's replace_grant_pv_mapping takes new_addr's entry
		 * (steal_linear_address) before it looks at addr's, and puts
		 * it when the rest fails: new_addr is left empty whatever the
		 * answer (conform-fuzz-diff seed 154: a failed replace by a
		 * window mapping a frame writable left that window mapped on
		 * Lamina, empty on Xen, so the frame took an L1 pin on Xen
		 * only; fixed 7 Dec).
		 */
		pt_update_entry(d, nptr, 0, false);
		if (invalidate_local(d, false))
			*flush = true;
		return -EINVAL;
	}
	rc = pt_update_entry(d, ptr, ne, false);
	if (rc)
		return rc;
	rc = pt_update_entry(d, nptr, 0, false);
	if (invalidate_local(d, false))		/* new_addr's entry too */
		*flush = true;
	return rc;
}

static int replace_host_mapping_locked(struct domain *d, uint64_t addr, uint64_t new_addr,
				       mfn_t mfn, uint32_t flags, bool *flush)
{
	bool locked = pt_lock_if_wanted(d);
	int rc = replace_host_mapping(d, addr, new_addr, mfn, flags, flush);

	pt_unlock_if(d, locked);
	return rc;
}

/* The entry at addr must map mfn as flags made it; it is cleared (*flush: see the top). */
int gnttab_destroy_host_mapping(struct domain *d, uint64_t addr, mfn_t mfn, uint32_t flags,
				bool *flush)
{
	return replace_host_mapping_locked(d, addr, 0, mfn, flags, flush);
}

int gnttab_replace_host_mapping(struct domain *d, uint64_t addr, uint64_t new_addr, mfn_t mfn,
				uint32_t flags, bool *flush)
{
	return replace_host_mapping_locked(d, addr, new_addr, mfn, flags & ~GNTMAP_contains_pte,
					   flush);
}

void gnttab_flush_tlb(struct domain *d)
{
	flush_tlb_domain(d);	/* d is the caller's: this CPU is in its mask */
}
