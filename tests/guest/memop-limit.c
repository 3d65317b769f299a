// SPDX-License-Identifier: GPL-2.0-only
/*
 * memop-limit: reservations under an address limit that applies
 * (XENMEMF_address_bits one bit below the RAM's width: its lower half),
 * from dom0, against Xen 4.17 (conform.h): populate_physmap of 16
 * order-0 extents, increase_reservation of one order-9 extent, and an
 * exchange of 4 frames for one order-2 extent under out.mem_flags'
 * limit. Every frame given lies below the limit, each extent naturally
 * aligned, and is ours to map writable. Since session 33 Lamina searches
 * only below the limit (frame_pool_alloc_below) where it took the lowest
 * run anywhere and gave it back when it lay above; conform-memop has the
 * limits that cover all RAM or nothing. Room first: dom0 gives back
 * frames at the end of its memory, which nothing maps.
 */
#include "conform.h"
#include "lib/mm.h"
#include <lamina/memory.h>

#define MEM(cmd, arg)	hypercall2(__HYPERVISOR_memory_op, (uint64_t)(cmd), (uint64_t)(arg))
#define ROOM		600	/* frames given back first: an order-9 extent and the rest */
#define SMALL		16

static struct start_info *si;
static uint64_t list[ROOM];
static uint64_t probe;			/* a scratch VA to try mappings at */
static uint64_t limit;			/* in frames */
static unsigned int bits;

static long memop(unsigned int cmd, uint64_t *frames, uint64_t n, unsigned int order,
		  uint32_t flags)
{
	struct xen_memory_reservation r = { (uint64_t)frames, n, order, flags, DOMID_SELF, { 0 } };

	return MEM(cmd, &r);
}

/* May mfn be mapped writable by us (ours, not a table). */
static bool ours(uint64_t mfn)
{
	bool ok = update_va_mapping(probe, pte_rw(mfn), UVMF_INVLPG) == 0;

	update_va_mapping(probe, 0, UVMF_INVLPG);
	return ok;
}

/* n extents of 2^order frames from list[]: how many lie below the limit, aligned and ours. */
static long good(uint64_t n, unsigned int order)
{
	uint64_t i, j;
	long k = 0;

	for (i = 0; i < n; i++) {
		bool ok = list[i] + (1ULL << order) <= limit && !(list[i] & ((1ULL << order) - 1));

		for (j = 0; ok && j < (1ULL << order); j++)
			ok = ours(list[i] + j);
		k += ok;
	}
	return k;
}

static void room_rows(void)
{
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	uint64_t max = MEM(XENMEM_maximum_ram_page, NULL), i;

	for (bits = 13; (1ULL << (bits - 12)) < max; bits++)
		;
	bits--;			/* the lower half of RAM's span */
	limit = 1ULL << (bits - 12);
	printf("maximum_ram_page %lu: address bits %u, below frame %lu\n", (unsigned long)max, bits,
	       (unsigned long)limit);
	for (i = 0; i < ROOM; i++)
		list[i] = p2m[si->nr_pages - 1 - i];
	ROW("give back frames nothing maps", memop(XENMEM_decrease_reservation, list, ROOM, 0, 0),
	    ROOM);
}

static void reservation_rows(void)
{
	uint64_t i;

	for (i = 0; i < SMALL; i++)
		list[i] = 0x100000 + i;	/* pseudo-physical numbers, ignored by a PV dom0 */
	ROW("populate_physmap, 16 order-0 extents under the limit",
	    memop(XENMEM_populate_physmap, list, SMALL, 0, XENMEMF_address_bits(bits)), SMALL);
	ROW("populate_physmap under the limit: frames below it, ours", good(SMALL, 0), SMALL);
	ROW("populate_physmap under the limit: given back",
	    memop(XENMEM_decrease_reservation, list, SMALL, 0, 0), SMALL);

	list[0] = 0;
	ROW("increase_reservation, an order-9 extent under the limit",
	    memop(XENMEM_increase_reservation, list, 1, 9, XENMEMF_address_bits(bits)), 1);
	ROW("increase_reservation under the limit: below it, aligned, ours", good(1, 9), 1);
	ROW("increase_reservation under the limit: given back",
	    memop(XENMEM_decrease_reservation, list, 1, 9, 0), 1);
}

static void exchange_rows(void)
{
	struct xen_memory_exchange x;
	uint64_t in[4] = { 0 }, out = 0x200;

	ROW("increase_reservation: 4 frames to exchange",
	    memop(XENMEM_increase_reservation, in, 4, 0, 0), 4);
	memset(&x, 0, sizeof(x));
	x.in = (struct xen_memory_reservation){ (uint64_t)in, 4, 0, 0, DOMID_SELF, { 0 } };
	x.out = (struct xen_memory_reservation){ (uint64_t)&out, 1, 2, XENMEMF_address_bits(bits),
						 DOMID_SELF, { 0 } };
	ROW("exchange 4 frames for an order-2 extent under the limit", MEM(XENMEM_exchange, &x), 0);
	ROW("exchange under the limit: nr_exchanged (input extents)", x.nr_exchanged, 4);
	list[0] = out;
	ROW("exchange under the limit: below it, aligned, ours", good(1, 2), 1);
	ROW("exchange under the limit: the inputs gone", ours(in[0]) + ours(in[3]), 0);
	ROW("exchange under the limit: the output given back",
	    memop(XENMEM_decrease_reservation, list, 1, 2, 0), 1);
}

int test_main(struct start_info *start)
{
	si = start;
	mm_init(si);
	probe = scratch_page();
	conform_begin();
	room_rows();
	reservation_rows();
	exchange_rows();
	return conform_end("address-limited memory_op");
}
