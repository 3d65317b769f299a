// SPDX-License-Identifier: GPL-2.0-only
/*
 * memory_op (12): giving frames to and taking them from a PV domain, and
 * describing memory (pv-abi-core.md §2.11). A frame leaves a domain only
 * when nothing but its allocation references it: no mapping, no type, no
 * pin; so a domain cannot free a page it still uses as a page table or
 * still maps, and nothing another part of it holds can dangle.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/hypervisor.h>
#include <hv/guest_access.h>
#include <hv/mm.h>
#include <hv/page_alloc.h>
#include <asm/page.h>
#include <lamina/memory.h>
#include <lamina/xen_x86_64.h>

static bool self(domid_t id, const struct domain *d)
{
	return id == DOMID_SELF || id == d->domid;
}

static int release_frame(struct domain *d, mfn_t mfn)
{
	struct page_info *pg;

	if (mfn >= frame_table_size)
		return -EINVAL;
	pg = &frame_table[mfn];
	pt_settle(mfn);
	if (pg->owner != d->domid || pg->count != 1 || pg->type_count || (pg->flags & PGF_shared))
		return trace_err(-EBUSY);
	d->nr_pages--;
	frame_release(mfn);
	return 0;
}

static mfn_t give_frame(struct domain *d, uint64_t pfn)
{
	mfn_t mfn;

	if (d->nr_pages >= d->max_pages)
		return INVALID_MFN;
	mfn = alloc_frame();
	if (mfn == INVALID_MFN)
		return mfn;
	frame_table[mfn].owner = d->domid;
	m2p[mfn] = pfn;
	d->nr_pages++;
	return mfn;
}

static long reservation(struct domain *d, unsigned int cmd, uint64_t arg)
{
	struct xen_memory_reservation r;
	uint64_t i, frame;

	if (copy_from_guest(&r, arg, sizeof(r)))
		return -EFAULT;
	if (!self(r.domid, d))
		return trace_err(-ESRCH);
	if (r.extent_order)
		return trace_err(-EINVAL);	/* order 0 only, for now */
	for (i = 0; i < r.nr_extents; i++) {
		uint64_t p = r.extent_start + i * 8;

		if (cmd != XENMEM_increase_reservation && copy_from_guest(&frame, p, 8))
			break;
		if (cmd == XENMEM_decrease_reservation) {
			if (release_frame(d, frame))
				break;
			continue;
		}
		frame = give_frame(d, cmd == XENMEM_populate_physmap ? frame : INVALID_M2P);
		if (frame == INVALID_MFN)
			break;
		if (copy_to_guest(p, &frame, 8)) {
			release_frame(d, frame);
			break;
		}
	}
	return (long)i;
}

#define EXCHANGE_MAX_PAGES	512	/* 2 MiB per call: Linux's swiotlb asks for less */
#define EXCHANGE_MAX_OUT	64

static bool releasable(const struct domain *d, mfn_t mfn)
{
	pt_settle(mfn);
	return mfn < frame_table_size && frame_table[mfn].owner == d->domid &&
	       frame_table[mfn].count == 1 && !frame_table[mfn].type_count &&
	       !(frame_table[mfn].flags & PGF_shared);
}

/*
 * Checks that every input frame may go, taking a reference on each so a
 * frame listed twice fails its second check (count 2): freeing it twice
 * would hit free_frame's BUG_ON. Returns false, holding nothing, if one
 * may not go (-EINVAL, as Xen's steal_page failure).
 */
static bool hold_inputs(const struct domain *d, const uint64_t *in, uint64_t nr, uint64_t per)
{
	uint64_t i, j;

	for (i = 0; i < nr; i++) {
		for (j = 0; j < per; j++) {
			if (!releasable(d, in[i] + j))
				goto undo;
			frame_table[in[i] + j].count++;
		}
	}
	return true;

undo:
	while (j--)
		frame_table[in[i] + j].count--;
	while (i--)
		for (j = 0; j < per; j++)
			frame_table[in[i] + j].count--;
	return false;
}

static void drop_inputs(const uint64_t *in, uint64_t nr, uint64_t per)
{
	uint64_t i, j;

	for (i = 0; i < nr; i++)
		for (j = 0; j < per; j++)
			frame_table[in[i] + j].count--;
}

/*
 * XENMEM_exchange, all or nothing (Linux BUG()s on a partial result): the
 * extent lists are copied in once; every input frame is checked (and held,
 * so a repeated one is refused) and every output extent allocated before
 * anything changes; then the inputs are freed and the outputs handed out,
 * which cannot fail.
 */
static long exchange(struct domain *d, uint64_t arg)
{
	struct xen_memory_exchange x;
	uint64_t in[EXCHANGE_MAX_PAGES], pfn[EXCHANGE_MAX_OUT];
	uint64_t in_pages, in_per, out_per, limit, i, j;
	mfn_t out[EXCHANGE_MAX_OUT];
	uint64_t nr_out;

	if (copy_from_guest(&x, arg, sizeof(x)))
		return -EFAULT;
	if (!self(x.in.domid, d) || !self(x.out.domid, d))
		return trace_err(-ESRCH);
	if (x.in.extent_order > 9 || x.out.extent_order > 9 || x.out.nr_extents > EXCHANGE_MAX_OUT)
		return trace_err(-EINVAL);
	in_per = 1ULL << x.in.extent_order;
	out_per = 1ULL << x.out.extent_order;
	nr_out = x.out.nr_extents;
	in_pages = x.in.nr_extents * in_per;
	if (x.in.nr_extents > EXCHANGE_MAX_PAGES || in_pages != nr_out * out_per ||
	    in_pages > EXCHANGE_MAX_PAGES)
		return trace_err(-EINVAL);
	if (copy_from_guest(in, x.in.extent_start, x.in.nr_extents * 8) ||
	    copy_from_guest(pfn, x.out.extent_start, nr_out * 8))
		return -EFAULT;
	if (!hold_inputs(d, in, x.in.nr_extents, in_per))
		return trace_err(-EINVAL);
	/* Writing the results must not fail after the commit: try now. */
	x.nr_exchanged = 0;
	if (copy_to_guest(x.out.extent_start, pfn, nr_out * 8) ||
	    copy_to_guest(arg + offsetof(struct xen_memory_exchange, nr_exchanged),
			  &x.nr_exchanged, 8)) {
		drop_inputs(in, x.in.nr_extents, in_per);
		return -EFAULT;
	}
	limit = (x.out.mem_flags & 0xff) ? 1ULL << ((x.out.mem_flags & 0xff) - PAGE_SHIFT) : ~0ULL;
	for (i = 0; i < nr_out; i++) {
		out[i] = alloc_frames_aligned(out_per, out_per);	/* naturally aligned */
		if (out[i] == INVALID_MFN || out[i] + out_per > limit) {
			if (out[i] != INVALID_MFN)
				i++;
			while (i--)
				for (j = 0; j < out_per; j++)
					free_frame(out[i] + j);
			drop_inputs(in, x.in.nr_extents, in_per);
			return trace_err(-ENOMEM);
		}
	}
	/* Committed from here: nothing below fails. */
	drop_inputs(in, x.in.nr_extents, in_per);
	for (i = 0; i < x.in.nr_extents; i++) {
		for (j = 0; j < in_per; j++)
			frame_release(in[i] + j);
	}
	for (i = 0; i < nr_out; i++) {
		for (j = 0; j < out_per; j++) {
			frame_table[out[i] + j].owner = d->domid;
			m2p[out[i] + j] = pfn[i] + j;
		}
	}
	x.nr_exchanged = x.in.nr_extents;
	copy_to_guest(x.out.extent_start, out, nr_out * 8);	/* writable: tried above */
	copy_to_guest(arg + offsetof(struct xen_memory_exchange, nr_exchanged),
		      &x.nr_exchanged, 8);
	return 0;
}

static long memory_map(struct domain *d, uint64_t arg, bool machine)
{
	struct xen_memory_map map;
	struct e820_entry e;
	unsigned int i, n = 0;

	if (copy_from_guest(&map, arg, sizeof(map)))
		return -EFAULT;
	if (machine && !d->is_privileged)
		return trace_err(-EPERM);
	if (!machine) {
		e = (struct e820_entry){ 0, d->max_pages << PAGE_SHIFT, 1 };
		if (!map.nr_entries)
			return trace_err(-EINVAL);
		if (copy_to_guest(map.buffer, &e, sizeof(e)))
			return -EFAULT;
		n = 1;
	} else {
		for (i = 0; i < boot_info.nr_regions && n < map.nr_entries; i++, n++) {
			e = (struct e820_entry){ boot_info.regions[i].start,
						 boot_info.regions[i].size,
						 boot_info.regions[i].type };
			if (copy_to_guest(map.buffer + n * sizeof(e), &e, sizeof(e)))
				return -EFAULT;
		}
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

		if (copy_to_guest(l.extent_start + i * 8, &mfn, 8))
			return -EFAULT;
	}
	l.nr_extents = (uint32_t)i;
	return copy_to_guest(arg, &l, sizeof(l));
}

static long reservation_size(struct domain *d, uint64_t arg, bool max)
{
	domid_t id;

	if (copy_from_guest(&id, arg, sizeof(id)))
		return -EFAULT;
	if (!self(id, d))
		return trace_err(-ESRCH);
	return (long)(max ? d->max_pages : d->nr_pages);
}

long hc_memory_op(struct vcpu *v, struct hc_args *a)
{
	struct domain *d = v->domain;
	uint64_t arg = a->arg[1];

	switch (a->arg[0]) {
	case XENMEM_increase_reservation:
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		return reservation(d, a->arg[0], arg);
	case XENMEM_maximum_ram_page:
		return (long)(frame_table_size - 1);
	case XENMEM_current_reservation:
		return reservation_size(d, arg, false);
	case XENMEM_maximum_reservation:
		return reservation_size(d, arg, true);
	case XENMEM_machphys_mfn_list:
		return machphys_mfn_list(arg);
	case XENMEM_exchange:
		return exchange(d, arg);
	case XENMEM_memory_map:
		return memory_map(d, arg, false);
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
