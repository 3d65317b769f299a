// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-memop: memory_op's reservations that move frames, and the
 * values of its queries, from dom0, against the results Xen 4.17 gives
 * (conform.h; docs/conformance.md, memory_op): DOMID_SELF and the own id,
 * extent orders (dom0's limit is Xen's 18, a domU's 9), decrease of
 * higher orders, mem_flags (address bits, NUMA nodes, populate on
 * demand), a NULL list, an extent list that ends mid-array, a count too
 * large to continue and a start extent past the count, maximum_ram_page
 * and machphys_mapping against the machine's memory map, the
 * machphys_mfn_list size, add_to_physmap(_batch) for every space of a PV
 * domain, acquire_resource's frame range. It makes room first by giving
 * back frames of its own that nothing maps (the end of its memory), and
 * gives back what it takes, so values are differences, not machine sizes.
 */
#include "conform.h"
#include "lib/mm.h"
#include <lamina/memory.h>
#include <lamina/mm.h>

#define MEM(cmd, arg)	hypercall2(__HYPERVISOR_memory_op, (uint64_t)(cmd), (uint64_t)(arg))
#define SPARE		1100	/* frames given back for room: more than an order-10 extent */

static struct start_info *si;
static uint64_t list[SPARE];
static struct e820_entry map[128];

static long memop(unsigned int cmd, uint64_t *frames, uint64_t n, unsigned int order,
		  uint32_t flags, domid_t dom)
{
	struct xen_memory_reservation r = { (uint64_t)frames, n, order, flags, dom, { 0 } };

	return MEM(cmd, &r);
}

static long tot(void)
{
	domid_t self = DOMID_SELF;

	return MEM(XENMEM_current_reservation, &self);
}

/* One extent of 2^order frames under flags; given back at once if it came. */
static long one(unsigned int order, uint32_t flags)
{
	uint64_t f = 0;
	long rc = memop(XENMEM_increase_reservation, &f, 1, order, flags, DOMID_SELF);

	if (rc == 1 && memop(XENMEM_decrease_reservation, &f, 1, order, 0, DOMID_SELF) != 1)
		printf("ERROR giving back an order-%u extent failed\n", order);
	return rc;
}

/* The end of the machine's highest RAM region, in frames. */
static uint64_t ram_top(void)
{
	struct xen_memory_map mm = { 128, 0, (uint64_t)map };
	uint64_t top = 0;
	unsigned int i;

	if (MEM(XENMEM_machine_memory_map, &mm))
		return 0;
	for (i = 0; i < mm.nr_entries; i++)
		if (map[i].type == 1 && map[i].addr + map[i].size > top)
			top = map[i].addr + map[i].size;
	return top >> 12;
}

static void room_rows(void)
{
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	long before = tot();
	unsigned int i;

	for (i = 0; i < SPARE; i++)
		list[i] = p2m[si->nr_pages - 1 - i];
	ROW("give back frames nothing maps", memop(XENMEM_decrease_reservation, list, SPARE, 0, 0,
						 DOMID_SELF), SPARE);
	ROW("current_reservation less by as many", tot() - before, -SPARE);
}

static void domain_rows(void)
{
	domid_t self = DOMID_SELF, own = 0;
	uint64_t f = 0;

	ROW("current_reservation: own id as DOMID_SELF",
	    MEM(XENMEM_current_reservation, &own) - MEM(XENMEM_current_reservation, &self), 0);
	ROW("maximum_reservation: own id as DOMID_SELF",
	    MEM(XENMEM_maximum_reservation, &own) - MEM(XENMEM_maximum_reservation, &self), 0);
	ROW("maximum_gpfn: own id as DOMID_SELF", MEM(XENMEM_maximum_gpfn, &own) -
	    MEM(XENMEM_maximum_gpfn, &self), 0);
	ROW("increase_reservation naming the own id", memop(XENMEM_increase_reservation, &f, 1, 0, 0,
							   0), 1);
	ROW("decrease_reservation naming the own id", memop(XENMEM_decrease_reservation, &f, 1, 0, 0,
							   0), 1);
}

/*
 * The shared_info frame, the hypervisor's page lent to the guest: Xen
 * drops its allocation reference and reports it done, the page staying
 * the guest's shared_info, still mapped. Again: done again.
 */
static void shared_info_rows(void)
{
	uint64_t f = si->shared_info >> 12;	/* PV: a machine address */
	long before = tot();
	uint64_t va = scratch_page();
	uint32_t wc;
	volatile struct shared_info *s = (struct shared_info *)va;

	ROW("map the shared_info frame", update_va_mapping(va, si->shared_info | PTE_DATA,
							   UVMF_INVLPG), 0);
	wc = s->wc_sec;
	ROW("decrease_reservation of the shared_info frame",
	    memop(XENMEM_decrease_reservation, &f, 1, 0, 0, DOMID_SELF), 1);
	ROW("decrease_reservation of the shared_info frame again",
	    memop(XENMEM_decrease_reservation, &f, 1, 0, 0, DOMID_SELF), 1);
	ROW("shared_info given back: current_reservation the same", tot() - before, 0);
	ROW("shared_info given back: the same wallclock through the mapping",
	    s->wc_sec == wc && wc != 0, 1);
}

static void order_rows(void)
{
	uint64_t hv = (((const uint64_t *)si->pt_base)[256] & PTE_ADDR) >> 12;
	struct xen_memory_exchange x = { { (uint64_t)list, 0, 19, 0, DOMID_SELF, { 0 } },
					 { (uint64_t)list, 0, 0, 0, DOMID_SELF, { 0 } }, 0 };
	uint64_t f;

	ROW("increase_reservation order 10 (dom0 may)", one(10, 0), 1);
	ROW("increase_reservation order 19 (above dom0's 18)", one(19, 0), 0);
	ROW("increase_reservation order 9", one(9, 0), 1);
	f = 0;
	ROW("increase_reservation order 1", memop(XENMEM_increase_reservation, &f, 1, 1, 0,
						  DOMID_SELF), 1);
	ROW("decrease_reservation order 1 of that pair", memop(XENMEM_decrease_reservation, &f, 1, 1,
							       0, DOMID_SELF), 1);
	/* populate_physmap's number is the M2P base, ~0 too: Xen's frames map to ~0 and 0. */
	f = ~0ULL;
	ROW("populate_physmap order 1 at ~0", memop(XENMEM_populate_physmap, &f, 1, 1, 0,
						    DOMID_SELF), 1);
	ROW("populate_physmap order 1 at ~0: M2P ~0 then 0",
	    f != ~0ULL && ((const uint64_t *)MACH2PHYS_VIRT_START)[f] == ~0ULL &&
	    ((const uint64_t *)MACH2PHYS_VIRT_START)[f + 1] == 0, 1);
	if (f != ~0ULL && memop(XENMEM_decrease_reservation, &f, 1, 1, 0, DOMID_SELF) != 1)
		printf("ERROR giving back the populated pair\n");
	f = hv & ~1ULL;
	ROW("decrease_reservation order 1 of hypervisor frames",
	    memop(XENMEM_decrease_reservation, &f, 1, 1, 0, DOMID_SELF), 0);
	f = hv & ~((1ULL << 18) - 1);
	ROW("decrease_reservation order 18 of hypervisor frames",
	    memop(XENMEM_decrease_reservation, &f, 1, 18, 0, DOMID_SELF), 0);
	ROW("decrease_reservation order 19", memop(XENMEM_decrease_reservation, &f, 1, 19, 0,
						  DOMID_SELF), 0);
	ROW("populate_physmap order 19", memop(XENMEM_populate_physmap, &f, 1, 19, 0, DOMID_SELF), 0);
	ROW("exchange of order 19", MEM(XENMEM_exchange, &x), -EPERM);
	x.in.extent_order = 10;
	x.out.extent_order = 10;
	ROW("exchange of order 10, nothing to exchange", MEM(XENMEM_exchange, &x), 0);
	x.in.nr_extents = 1;
	ROW("exchange of order 10, unbalanced", MEM(XENMEM_exchange, &x), -EINVAL);
}

static void flag_rows(void)
{
	ROW("address bits 12", one(0, XENMEMF_address_bits(12)), 0);
	ROW("address bits 1", one(0, XENMEMF_address_bits(1)), 0);
	ROW("address bits 13 (below 8 KiB)", one(0, XENMEMF_address_bits(13)), 0);
	ROW("address bits 20 (below 1 MiB)", one(0, XENMEMF_address_bits(20)), 0);
	ROW("address bits 32", one(0, XENMEMF_address_bits(32)), 1);
	ROW("address bits 32, order 9", one(9, XENMEMF_address_bits(32)), 1);
	ROW("address bits 255 (all RAM)", one(0, XENMEMF_address_bits(255)), 1);
	ROW("node 0 exact", one(0, XENMEMF_node(0) | XENMEMF_exact_node_request), 1);
	ROW("node 1", one(0, XENMEMF_node(1)), 1);
	ROW("node 1 exact", one(0, XENMEMF_node(1) | XENMEMF_exact_node_request), 0);
	ROW("node 63", one(0, XENMEMF_node(63)), 1);
	ROW("node 64", one(0, XENMEMF_node(64)), 0);
	ROW("vnode 200 exact (no vNUMA)", one(0, XENMEMF_node(200) | XENMEMF_vnode |
					  XENMEMF_exact_node_request), 1);
	ROW("populate on demand, on itself",
	    memop(XENMEM_populate_physmap, list, 1, 0, XENMEMF_populate_on_demand, DOMID_SELF), 0);
}

/* Lists that end early: no list, a list running into an unmapped page. */
static void list_rows(void)
{
	uint64_t a = scratch_page(), b = scratch_page(), *edge = (uint64_t *)(b - 8);
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	long before = tot();

	ROW("unmap the page after a list's first element", update_va_mapping(b, 0, UVMF_INVLPG), 0);
	(void)a;
	ROW("increase_reservation without a list", memop(XENMEM_increase_reservation, NULL, 2, 0, 0,
							DOMID_SELF), 2);
	ROW("its frames are the domain's", tot() - before, 2);
	before = tot();
	ROW("increase_reservation into a list ending mid-array",
	    memop(XENMEM_increase_reservation, edge, 2, 0, 0, DOMID_SELF), 1);
	ROW("the extent it could not report stays the domain's", tot() - before, 2);
	ROW("give back the extent it reported", memop(XENMEM_decrease_reservation, edge, 1, 0, 0,
						      DOMID_SELF), 1);
	edge[0] = p2m[si->nr_pages - SPARE - 1];	/* unmapped, ours */
	ROW("decrease_reservation of a list ending mid-array",
	    memop(XENMEM_decrease_reservation, edge, 2, 0, 0, DOMID_SELF), 1);
	edge[0] = si->nr_pages - 1;
	ROW("populate_physmap of a list ending mid-array",
	    memop(XENMEM_populate_physmap, edge, 2, 0, 0, DOMID_SELF), 1);
	ROW("give back the frame it populated", memop(XENMEM_decrease_reservation, edge, 1, 0, 0,
						      DOMID_SELF), 1);
}

static void continuation_rows(void)
{
	struct xen_memory_reservation r = { (uint64_t)list, 0x4000000, 0, 0, DOMID_SELF, { 0 } };

	ROW("increase_reservation of 2^26 extents (too many to continue)",
	    MEM(XENMEM_increase_reservation, &r), 0);
	r.nr_extents = 0x3ffffff;
	ROW("decrease_reservation of 2^26 - 1 extents, a bad one first",
	    (list[0] = ~0ULL >> 12, MEM(XENMEM_decrease_reservation, &r)), 0);
	r.nr_extents = 2;
	ROW("increase_reservation, start extent 3 of 2", MEM(3 << 6 | XENMEM_increase_reservation, &r),
	    3);
	ROW("decrease_reservation, start extent 2 of 2", MEM(2 << 6 | XENMEM_decrease_reservation, &r),
	    2);
	list[1] = 0;
	ROW("increase_reservation, start extent 1 of 2", MEM(1 << 6 | XENMEM_increase_reservation, &r),
	    2);
	ROW("give back the one it gave", memop(XENMEM_decrease_reservation, &list[1], 1, 0, 0,
					       DOMID_SELF), 1);
}

static void query_rows(void)
{
	struct xen_machphys_mapping mp;
	struct xen_machphys_mfn_list ml = { 64, 0, (uint64_t)list, 0, 0 };
	long max = MEM(XENMEM_maximum_ram_page, NULL);

	ROW("maximum_ram_page is the top of RAM in frames", max - (long)ram_top(), 0);
	ROW("machphys_mapping", MEM(XENMEM_machphys_mapping, &mp), 0);
	ROW("machphys_mapping max_mfn (dom0)", (long)mp.max_mfn - (max - 1), 0);
	ROW("machphys_mapping v_start", mp.v_start == MACH2PHYS_VIRT_START, 1);
	/* Xen: its whole M2P area (256 GiB); Lamina: the part over RAM (docs/conformance.md). */
	ROWL("machphys_mapping v_end: the whole M2P area", mp.v_end - mp.v_start == 1ULL << 38, 1, 0);
	ROW("machphys_mfn_list", MEM(XENMEM_machphys_mfn_list, &ml), 0);
	ROW("machphys_mfn_list: a frame per 2 MiB of M2P",
	    (long)ml.nr_extents - (long)((max * 8 + (2 << 20) - 1) >> 21), 0);
	ml.max_extents = 1;
	ROW("machphys_mfn_list, room for one", MEM(XENMEM_machphys_mfn_list, &ml), 0);
	ROW("machphys_mfn_list, one given", ml.nr_extents, 1);
}

static void physmap_rows(void)
{
	struct xen_add_to_physmap one = { DOMID_SELF, 1, 0, 0, 0 };
	struct xen_add_to_physmap_batch b = { DOMID_SELF, 0, 1, 0, (uint64_t)list, (uint64_t)list,
					      (uint64_t)list };
	char name[64];
	unsigned int space;

	for (space = 0; space <= 6; space++) {
		one.space = space;
		b.space = (uint16_t)space;
		snprintf(name, sizeof(name), "add_to_physmap space %u", space);
		ROW(name, MEM(XENMEM_add_to_physmap, &one), space == 4 ? -ENOSYS : -EACCES);
		snprintf(name, sizeof(name), "add_to_physmap_batch space %u", space);
		ROW(name, MEM(XENMEM_add_to_physmap_batch, &b), space == XENMAPSPACE_gmfn_range ? -EOPNOTSUPP :
		    -EACCES);
	}
	one.domid = 0;
	one.space = 0;
	ROW("add_to_physmap naming the own id", MEM(XENMEM_add_to_physmap, &one), -EACCES);
	ROW("add_to_physmap, start extent 0xffff", MEM(0xffffULL << 6 | XENMEM_add_to_physmap, &one),
	    -EACCES);
	ROW("add_to_physmap_batch, start extent 0x10000",
	    MEM(0x10000ULL << 6 | XENMEM_add_to_physmap_batch, &b), -EDOM);
}

static void resource_rows(void)
{
	struct xen_mem_acquire_resource r = { 0x7ff0, 1, 0, 0, 0, 0, 0 };

	ROW("acquire_resource, no such domain", MEM(XENMEM_acquire_resource, &r), -ESRCH);
	r.domid = DOMID_SELF;
	ROW("acquire_resource, DOMID_SELF", MEM(XENMEM_acquire_resource, &r), -ESRCH);
	r.domid = 0;
	ROW("acquire_resource, own id", MEM(XENMEM_acquire_resource, &r), -EPERM);
	ROW("acquire_resource, own id, start extent 1",
	    MEM(1ULL << 6 | XENMEM_acquire_resource, &r), -EPERM);
	r.frame = 1ULL << 32;
	ROW("acquire_resource, frame 2^32", MEM(XENMEM_acquire_resource, &r), -EINVAL);
	r.frame = 0xffffffffULL;
	r.nr_frames = 1;
	ROW("acquire_resource, frame + count past 2^32", MEM(XENMEM_acquire_resource, &r), -EINVAL);
	r.frame = 0;
	r.pad = 1;
	ROW("acquire_resource, pad set", MEM(XENMEM_acquire_resource, &r), -EINVAL);
}

int test_main(struct start_info *start)
{
	si = start;
	mm_init(si);
	conform_begin();
	room_rows();
	domain_rows();
	shared_info_rows();
	order_rows();
	flag_rows();
	list_rows();
	continuation_rows();
	query_rows();
	physmap_rows();
	resource_rows();
	return conform_end("memory_op");
}
