// SPDX-License-Identifier: GPL-2.0-only
/*
 * memory_op commands a toolstack issues for the domain it builds
 * (docs/toolstack.md §1.4), as Xen 4.17 answers them:
 *
 *   set_memory_map (13): the pseudo-physical E820 the domain's own
 *     memory_map answers from then on (libxl: one RAM entry up to
 *     max_memkb). Kept in hypervisor frames of the domain's record, freed
 *     with it or by the next map.
 *   claim_pages (24): Xen's domain_set_outstanding_pages: one claim per
 *     domain, more than it has and at most its max_pages, within free
 *     memory less every other claim; 0 cancels. Lamina records the claim
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
#include <asm/page.h>
#include <lamina/memory.h>

static uint64_t outstanding_claims;	/* the sum of every domain's claim */

static uint64_t e820_frames(uint32_t n)
{
	return DIV_ROUND_UP((uint64_t)n * sizeof(struct e820_entry), PAGE_SIZE);
}

static void drop_map(struct domain *d)
{
	if (d->e820_mfn)
		free_frames(d->e820_mfn, e820_frames(d->nr_e820));
	d->e820_mfn = 0;
	d->nr_e820 = 0;
}

long memop_set_memory_map(struct domain *caller, uint64_t arg)
{
	struct xen_foreign_memory_map f;
	struct domain *d;
	mfn_t mfn = 0;

	if (copy_from_guest(&f, arg, sizeof(f)))
		return -EFAULT;
	if (f.map.nr_entries > E820MAX)
		return trace_err(-EINVAL);
	d = f.domid == DOMID_SELF ? caller : domain_by_id(f.domid);
	if (!d)
		return trace_err(-ESRCH);
	if (d != caller && !caller->is_privileged)
		return trace_err(-EPERM);
	if (f.map.nr_entries) {
		mfn = alloc_frames_contig(e820_frames(f.map.nr_entries));
		if (mfn == INVALID_MFN)
			return trace_err(-ENOMEM);
		if (copy_from_guest(mfn_to_virt(mfn), f.map.buffer,
				    (uint64_t)f.map.nr_entries * sizeof(struct e820_entry))) {
			free_frames(mfn, e820_frames(f.map.nr_entries));
			return -EFAULT;
		}
	}
	drop_map(d);
	d->e820_mfn = mfn;
	d->nr_e820 = f.map.nr_entries;
	return 0;
}

long memop_own_memory_map(struct domain *d, struct xen_memory_map *map, uint64_t arg)
{
	if (!d->nr_e820)
		return -ENOSYS;
	map->nr_entries = MIN(map->nr_entries, d->nr_e820);
	if (copy_to_guest(map->buffer, mfn_to_virt(d->e820_mfn),
			  (uint64_t)map->nr_entries * sizeof(struct e820_entry)) ||
	    copy_to_guest(arg, map, sizeof(*map)))
		return -EFAULT;
	return 0;
}

long memop_claim(struct domain *d, uint64_t pages)
{
	uint64_t avail = frame_pool_nr_free(&machine_frames);

	if (!pages) {
		outstanding_claims -= d->outstanding_pages;
		d->outstanding_pages = 0;
		return 0;
	}
	if (d->outstanding_pages || pages <= domain_tot_pages(d) || pages > d->max_pages)
		return trace_err(-EINVAL);
	avail = avail > outstanding_claims ? avail - outstanding_claims : 0;
	if (pages - domain_tot_pages(d) > avail)
		return trace_err(-ENOMEM);
	d->outstanding_pages = pages - domain_tot_pages(d);
	outstanding_claims += d->outstanding_pages;
	return 0;
}

uint64_t memop_outstanding_claims(void)
{
	return outstanding_claims;
}

void memop_toolstack_release(struct domain *d)
{
	memop_claim(d, 0);
	drop_map(d);
}
