/* SPDX-License-Identifier: MIT */
/*
 * memory_op (12): long memory_op(unsigned cmd, void *arg)
 * (pv-abi-core.md §2.11). For PV guests a GFN is an MFN.
 */
#ifndef LAMINA_MEMORY_H
#define LAMINA_MEMORY_H

#include <lamina/types.h>

/*
 * increase_reservation, decrease_reservation, populate_physmap.
 *  1. Return the number of extents done (may be fewer than asked).
 *  2. decrease: extent_start[i] are MFNs to give back; a frame still
 *     mapped or used as a page table is not released and stops the list.
 *  3. populate: extent_start[i] are PFNs in, MFNs out; M2P[mfn] = pfn.
 */
#define XENMEM_increase_reservation	0
#define XENMEM_decrease_reservation	1
#define XENMEM_populate_physmap		6
struct xen_memory_reservation {
	uint64_t extent_start;	/* IN/OUT: guest pointer to u64 frames */
	xen_ulong_t nr_extents;	/* IN */
	uint32_t extent_order;	/* IN: only 0 is supported */
	uint32_t mem_flags;	/* IN: low 8 bits = address bits, 0 = any */
	domid_t domid;		/* IN: DOMID_SELF */
	uint16_t pad0[3];
};

#define XENMEM_maximum_ram_page		2	/* returns the highest MFN */
#define XENMEM_current_reservation	3	/* IN domid_t *; returns pages */
#define XENMEM_maximum_reservation	4	/* IN domid_t *; returns pages */

/* machphys_mfn_list: the MFNs holding the M2P, 2 MiB apart. */
#define XENMEM_machphys_mfn_list	5
struct xen_machphys_mfn_list {
	uint32_t max_extents;	/* IN */
	uint32_t pad0;
	uint64_t extent_start;	/* IN: guest pointer to u64 */
	uint32_t nr_extents;	/* OUT */
	uint32_t pad1;
};

/*
 * memory_map (the caller's pseudo-physical E820) and machine_memory_map
 * (the host's, privileged domains only): entries are packed 20-byte E820
 * records { u64 addr; u64 size; u32 type }.
 */
#define XENMEM_memory_map		9
#define XENMEM_machine_memory_map	10
struct xen_memory_map {
	uint32_t nr_entries;	/* IN: capacity; OUT: entries written */
	uint32_t pad0;
	uint64_t buffer;	/* IN: guest pointer */
};
struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

/*
 * exchange: give up in.nr_extents extents of 2^in.extent_order frames
 * (in.extent_start: MFNs) for out.nr_extents extents of 2^out.extent_order
 * machine-contiguous frames below 2^(out.mem_flags & 0xff) (0 = anywhere);
 * out.extent_start holds PFNs in (M2P[new] = pfn + i), MFNs out.
 *  1. All or nothing: either rc 0 and nr_exchanged == in.nr_extents, or
 *     rc < 0, nr_exchanged 0 and the input frames still the caller's.
 */
#define XENMEM_exchange			11
struct xen_memory_exchange {
	struct xen_memory_reservation in;	/* IN */
	struct xen_memory_reservation out;	/* IN/OUT */
	xen_ulong_t nr_exchanged;		/* OUT */
};

/* machphys_mapping: where the read-only M2P is and how long. */
#define XENMEM_machphys_mapping		12
struct xen_machphys_mapping {
	xen_ulong_t v_start, v_end;	/* OUT */
	xen_ulong_t max_mfn;		/* OUT */
};

#endif
