// SPDX-License-Identifier: GPL-2.0-only
/*
 * memory_op commands a toolstack issues for the domain it builds
 * (docs/toolstack.md §1.4), as Xen 4.17 answers them:
 *
 *   set_memory_map (13): the pseudo-physical E820 the domain's own
 *     memory_map answers from then on (libxl: one RAM entry up to
 *     max_memkb). Kept in hypervisor frames of the domain's record, freed
 *     with it or by the next map. Any domain may set its own, so two of
 *     its vCPUs may set and read it at once: the map is swapped and read
 *     under d->e820_lock, and the old one freed once it is out (until 5
 *     Dec two sets freed the old frames twice, a hypervisor panic, and a
 *     read could copy from frames freed under it).
 *   claim_pages (24): Xen's domain_set_outstanding_pages: one claim per
 *     domain, more than it has and at most its max_pages, within free
 *     memory less every other claim; 0 cancels. Staked and cancelled
 *     under claim_lock, as Xen under its heap lock (until session 34
 *     under none: two of dom0's vCPUs claiming for one domain at once
 *     could both stake it, and the cancel took one off the sum, the
 *     other left in it for good). A claim for a dying domain answers 0
 *     and is not kept (its destroy's release may have run). Lamina records the claim
 *     and reports it (physinfo outstanding_pages), but its allocations do
 *     not consume it and other domains' are not held back by it: a claim
 *     is a check at claim time (libxenguest cancels its claim once the
 *     domain is populated, and the domain's destruction cancels it too).
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/memop_toolstack.h>
#include <hv/page_alloc.h>
#include <hv/spinlock.h>
#include <asm/page.h>
#include <lamina/memory.h>

static uint64_t outstanding_claims;	/* the sum of every domain's claim */
static spinlock_t claim_lock = SPINLOCK_INIT;	/* it and every d->outstanding_pages */

static uint64_t e820_frames(uint32_t n)
{
	return DIV_ROUND_UP((uint64_t)n * sizeof(struct e820_entry), PAGE_SIZE);
}

/*
 * d's map becomes mfn's n entries (0, 0: none), unless d is dying (its
 * release has run or will: nothing kept); the one left out is freed.
 */
static void swap_map(struct domain *d, mfn_t mfn, uint32_t n)
{
	mfn_t old;
	uint32_t old_n;

	spin_lock(&d->e820_lock);
	if (d->dying && mfn) {
		old = mfn;
		old_n = n;
	} else {
		old = d->e820_mfn;
		old_n = d->nr_e820;
		d->e820_mfn = mfn;
		d->nr_e820 = n;
	}
	spin_unlock(&d->e820_lock);
	if (old)
		free_frames(old, e820_frames(old_n));
}

long memop_set_memory_map(struct domain *caller, uint64_t arg)
{
	struct xen_foreign_memory_map f;
	struct domain *d;
	mfn_t mfn = 0;
	long rc = 0;

	if (copy_from_guest(&f, arg, sizeof(f)))
		return -EFAULT;
	if (f.map.nr_entries > E820MAX)
		return trace_err(-EINVAL);
	d = f.domid == DOMID_SELF ? caller : get_domain_by_id(f.domid);
	if (!d)
		return trace_err(-ESRCH);
	if (d != caller && !caller->is_privileged)
		rc = trace_err(-EPERM);
	if (!rc && f.map.nr_entries) {
		mfn = alloc_frames_contig(e820_frames(f.map.nr_entries));
		if (mfn == INVALID_MFN) {
			rc = trace_err(-ENOMEM);
		} else if (copy_from_guest(mfn_to_virt(mfn), f.map.buffer,
					   (uint64_t)f.map.nr_entries * sizeof(struct e820_entry))) {
			free_frames(mfn, e820_frames(f.map.nr_entries));
			rc = -EFAULT;
		}
	}
	if (!rc)
		swap_map(d, mfn, f.map.nr_entries);
	if (d != caller)
		put_domain(d);
	return rc;
}

long memop_own_memory_map(struct domain *d, struct xen_memory_map *map, uint64_t arg)
{
	long rc = 0;

	spin_lock(&d->e820_lock);
	if (!d->nr_e820) {
		rc = -ENOSYS;
	} else {
		map->nr_entries = MIN(map->nr_entries, d->nr_e820);
		if (copy_to_guest(map->buffer, mfn_to_virt(d->e820_mfn),
				  (uint64_t)map->nr_entries * sizeof(struct e820_entry)))
			rc = -EFAULT;
	}
	spin_unlock(&d->e820_lock);
	if (!rc && copy_to_guest(arg, map, sizeof(*map)))
		rc = -EFAULT;
	return rc;
}

static long claim_locked(struct domain *d, uint64_t pages)
{
	uint64_t avail = frame_pool_nr_free(&machine_frames), tot = domain_tot_pages(d);

	if (!pages) {
		outstanding_claims -= d->outstanding_pages;
		d->outstanding_pages = 0;
		return 0;
	}
	if (d->outstanding_pages || pages <= tot || pages > d->max_pages)
		return trace_err(-EINVAL);
	avail = avail > outstanding_claims ? avail - outstanding_claims : 0;
	if (pages - tot > avail)
		return trace_err(-ENOMEM);
	if (d->dying)
		return 0;	/* nothing kept for a domain going */
	d->outstanding_pages = pages - tot;
	outstanding_claims += d->outstanding_pages;
	return 0;
}

long memop_claim(struct domain *d, uint64_t pages)
{
	long rc;

	spin_lock(&claim_lock);
	rc = claim_locked(d, pages);
	spin_unlock(&claim_lock);
	return rc;
}

uint64_t memop_outstanding_claims(void)
{
	return __atomic_load_n(&outstanding_claims, __ATOMIC_RELAXED);
}

void memop_toolstack_release(struct domain *d)
{
	memop_claim(d, 0);
	swap_map(d, 0, 0);
}
