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
#include <hv/time.h>
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

/*
 * 2^order frames for d, contiguous and aligned, counted against its
 * max_pages; M2P from pfn on (or invalid). None for a dying domain.
 */
static mfn_t give_extent(struct domain *d, unsigned int order, uint64_t pfn)
{
	uint64_t n = 1ULL << order, j;
	mfn_t mfn;

	if (!order)
		return d->dying ? INVALID_MFN : give_frame(d, pfn);
	if (d->dying || d->nr_pages + n > d->max_pages)
		return INVALID_MFN;
	mfn = alloc_frames_aligned(n, n);
	if (mfn == INVALID_MFN)
		return mfn;
	for (j = 0; j < n; j++) {
		frame_table[mfn + j].owner = d->domid;
		m2p[mfn + j] = pfn == INVALID_M2P ? INVALID_M2P : pfn + j;
	}
	d->nr_pages += n;
	return mfn;
}

static void take_extent(struct domain *d, mfn_t mfn, unsigned int order)
{
	uint64_t j;

	for (j = 0; j < (1ULL << order); j++)
		release_frame(d, mfn + j);
}

/* The domain a reservation is for: the caller, or any for a privileged one. */
static struct domain *reservation_target(struct domain *d, domid_t id, long *err)
{
	struct domain *t;

	if (self(id, d))
		return d;
	t = domain_by_id(id);
	if (!t)
		*err = trace_err(-ESRCH);
	else if (!d->is_privileged)
		*err = trace_err(-EPERM);
	return *err ? NULL : t;
}

/*
 * One extent at index i: given (increase, populate: its first MFN written
 * back) or taken back (decrease, order 0). False stops the list.
 */
static bool one_extent(struct domain *t, unsigned int cmd, const struct xen_memory_reservation *r,
		       uint64_t i)
{
	uint64_t p = r->extent_start + i * 8, frame;

	if (cmd != XENMEM_increase_reservation && copy_from_guest(&frame, p, 8))
		return false;
	if (cmd == XENMEM_decrease_reservation)
		return !release_frame(t, frame);
	frame = give_extent(t, r->extent_order,
			    cmd == XENMEM_populate_physmap ? frame : INVALID_M2P);
	if (frame == INVALID_MFN)
		return false;
	if (copy_to_guest(p, &frame, 8)) {
		take_extent(t, frame, r->extent_order);
		return false;
	}
	return true;
}

/*
 * Extents from `start` on (a continuation's progress); after about 1 ms
 * the call continues with the count so far in cmd's upper bits.
 */
static long reservation(struct domain *d, struct hc_args *a)
{
	unsigned int cmd = a->arg[0] & MEMOP_CMD_MASK;
	uint64_t i = a->arg[0] >> MEMOP_EXTENT_SHIFT, now = now_ns();
	struct xen_memory_reservation r;
	struct domain *t;
	long err = 0;

	if (copy_from_guest(&r, a->arg[1], sizeof(r)))
		return -EFAULT;
	t = reservation_target(d, r.domid, &err);
	if (!t)
		return err;
	if (r.extent_order > MEMOP_MAX_ORDER ||
	    (r.extent_order && cmd == XENMEM_decrease_reservation))
		return r.extent_order > MEMOP_MAX_ORDER ? (long)i : trace_err(-EINVAL);
	for (; i < r.nr_extents; i++) {
		if (i && !(i % 8) && hypercall_ran_long(now)) {
			a->arg[0] = cmd | (i << MEMOP_EXTENT_SHIFT);
			return -ERESTART;
		}
		if (!one_extent(t, cmd, &r, i))
			break;
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

/* Xen's checks, then nothing to map (memory.h): libxenguest falls back. */
static long acquire_resource(struct domain *d, uint64_t arg)
{
	struct xen_mem_acquire_resource r;
	struct domain *t;

	if (copy_from_guest(&r, arg, sizeof(r)))
		return -EFAULT;
	if (r.pad)
		return trace_err(-EINVAL);
	t = domain_by_id(r.domid);
	if (!t)
		return trace_err(-ESRCH);
	if (t == d || !d->is_privileged)
		return trace_err(-EPERM);
	return trace_err(-EOPNOTSUPP);
}

long hc_memory_op(struct vcpu *v, struct hc_args *a)
{
	struct domain *d = v->domain;
	uint64_t arg = a->arg[1];

	switch (a->arg[0] & MEMOP_CMD_MASK) {	/* these carry their progress in cmd */
	case XENMEM_increase_reservation:
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		return reservation(d, a);
	}
	switch (a->arg[0]) {
	case XENMEM_acquire_resource:
		return acquire_resource(d, arg);
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
