/* SPDX-License-Identifier: MIT */
/*
 * memory_op (12): long memory_op(unsigned cmd, void *arg)
 * (docs/abi-core.md §2.11). For PV guests a GFN is an MFN.
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
 *  4. extent_order 0 to 9 for increase and populate (2^order contiguous,
 *     aligned frames; the first MFN written back), 0 for decrease; a
 *     larger order does nothing (0 extents), as Xen above its limit.
 *  5. domid: DOMID_SELF, or any domain for dom0 (the toolstack filling a
 *     new domain). As Xen, a call that cannot start (a bad pointer to the
 *     struct, no such domain, a domain not the caller's, an order above
 *     the limit) is no error: it returns the extents done so far (0).
 *  6. A long list continues: the extents done so far ride in the upper
 *     bits of cmd (cmd = op | done << MEMOP_EXTENT_SHIFT), as on Xen.
 */
#define MEMOP_EXTENT_SHIFT		6
#define MEMOP_CMD_MASK			((1U << MEMOP_EXTENT_SHIFT) - 1)
#define MEMOP_MAX_ORDER			9	/* an unprivileged caller's */
#define MEMOP_MAX_ORDER_PRIV		18	/* dom0's (Xen's hardware/control domain) */
/* mem_flags (Xen's XENMEMF_*): address bits, a NUMA node + 1, and flags. */
#define XENMEMF_address_bits(x)		(x)
#define XENMEMF_get_address_bits(x)	((x) & 0xffU)
#define XENMEMF_node(n)			(((n) + 1) << 8)
#define XENMEMF_get_node(x)		((((x) >> 8) - 1) & 0xffU)
#define XENMEMF_NO_NODE			0xffU
#define XENMEMF_MAX_NODES		64	/* Xen's MAX_NUMNODES */
#define XENMEMF_populate_on_demand	(1U << 16)
#define XENMEMF_exact_node_request	(1U << 17)
#define XENMEMF_vnode			(1U << 18)
#define XENMEM_increase_reservation	0
#define XENMEM_decrease_reservation	1
#define XENMEM_populate_physmap		6
struct xen_memory_reservation {
	uint64_t extent_start;	/* IN/OUT: guest pointer to u64 frames */
	xen_ulong_t nr_extents;	/* IN */
	uint32_t extent_order;	/* IN: 0 .. MEMOP_MAX_ORDER(_PRIV) (4.) */
	uint32_t mem_flags;	/* IN: XENMEMF_*: low 8 bits = address bits, 0 = any */
	domid_t domid;		/* IN: DOMID_SELF, or another for dom0 */
	uint16_t pad0[3];
};

/*
 * acquire_resource: the frames of another domain's resource, for a
 * privileged caller to map (a PV caller gets machine frames, which it maps
 * with mmu_update naming that domain). Lamina has one kind: type 1, a
 * grant table, id 0 its shared frames and id 1 (table version 2 only)
 * its status frames; the table grows to the frames asked for, up to the
 * domain's max_grant_frames. As on Xen 4.17: a NULL frame_list with
 * nr_frames 0 is a size query (the most frames the resource can have; an
 * unknown type answers its -EOPNOTSUPP as that unsigned count), the caller
 * itself is -EPERM and so is an unprivileged caller, a missing domain
 * (DOMID_SELF included) -ESRCH, a non-zero pad or a range past 2^32
 * -EINVAL, a resource of no frames (ioreq servers and vmtrace buffers of
 * a PV domain, an unknown id) -EINVAL, frames past its maximum -EINVAL,
 * an unknown type with a list -EOPNOTSUPP. Progress goes in cmd's upper
 * bits (MEMOP_EXTENT_SHIFT) as for the reservation commands.
 */
#define XENMEM_acquire_resource		28
struct xen_mem_acquire_resource {
	domid_t domid;
	uint16_t type;		/* 0 ioreq server, 1 grant table, 2 vmtrace buffer */
	uint32_t id;
	uint32_t nr_frames;	/* IN/OUT */
	uint32_t pad;
	uint64_t frame;		/* the first frame of the resource */
	uint64_t frame_list;	/* guest pointer to u64 frames, NULL = a size query */
};
#define XENMEM_resource_ioreq_server		0
#define XENMEM_resource_grant_table		1
#define XENMEM_resource_vmtrace_buf		2
#define XENMEM_resource_grant_table_id_shared	0
#define XENMEM_resource_grant_table_id_status	1

#define XENMEM_maximum_ram_page		2	/* returns one past the last RAM frame (max_page) */
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
 * set_memory_map (13), toolstack: the pseudo-physical map domid's own
 * memory_map answers from now on (libxl sets one RAM entry up to
 * max_memkb). At most E820MAX entries (-EINVAL), no such domain -ESRCH,
 * another domain for an unprivileged caller -EPERM, an unreadable list
 * -EFAULT. memory_map then gives min(its capacity, the map's size)
 * entries; a map of 0 entries is none (a domU then gets Lamina's own
 * single RAM entry, where Xen answers -ENOSYS).
 */
#define XENMEM_set_memory_map		13
#define E820MAX				1024
struct xen_foreign_memory_map {
	domid_t domid;		/* IN */
	uint16_t pad[3];
	struct xen_memory_map map;	/* IN: nr_entries, buffer */
};

/*
 * exchange: give up in.nr_extents extents of 2^in.extent_order frames
 * (in.extent_start: MFNs) for out.nr_extents extents of 2^out.extent_order
 * machine-contiguous frames below 2^(out.mem_flags & 0xff) (0 = anywhere);
 * out.extent_start holds PFNs in (M2P[new] = pfn + i), MFNs out.
 *  1. All or nothing: either rc 0 and nr_exchanged == in.nr_extents, or
 *     rc < 0, nr_exchanged unchanged and the input frames still the
 *     caller's.
 *  2. nr_exchanged going in is progress, as Xen's continuations use it:
 *     that many input extents (whole chunks) count as done already; more
 *     than in.nr_extents is -EINVAL, all of them answers 0 at once.
 *  3. in.domid must equal out.domid (-EINVAL) and name the caller.
 */
#define XENMEM_exchange			11
struct xen_memory_exchange {
	struct xen_memory_reservation in;	/* IN */
	struct xen_memory_reservation out;	/* IN/OUT */
	xen_ulong_t nr_exchanged;		/* IN/OUT (2.) */
};

/*
 * The HVM, paging, sharing and toolstack commands. Lamina runs PV domains
 * only and answers each as Xen 4.17 answers for a PV target, after the
 * checks Xen makes first (bad pointer -EFAULT, no such domain -ESRCH, a
 * domain not the caller's -EPERM):
 *  1. add_to_physmap(_batch), remove_from_physmap: -EACCES (no P2M);
 *     gmfn_foreign in add_to_physmap -ENOSYS, gmfn_range in the batch
 *     -EOPNOTSUPP; a start extent above 0xffff -EDOM.
 *  2. set/get_pod_target: -EINVAL; access_op: -EINVAL, the caller itself
 *     -EPERM; get_vnumainfo: -EOPNOTSUPP (no vNUMA).
 *  3. get_sharing_freed/shared_pages: 0; machphys_compat_mfn_list:
 *     -EOPNOTSUPP (no 32-bit guests); reserved_device_memory_map: no
 *     entries (no IOMMU).
 *  4. claim_pages: dom0 only; cancelling (0 pages) answers 0, a real claim
 *     -EOPNOTSUPP (Lamina keeps no claims).
 *  5. The commands that take no continuation refuse a start extent in
 *     cmd's upper bits with -EINVAL.
 */
#define XENMEM_add_to_physmap		7
#define XENMAPSPACE_shared_info		0
#define XENMAPSPACE_grant_table		1
#define XENMAPSPACE_gmfn		2
#define XENMAPSPACE_gmfn_range		3	/* add_to_physmap only (was 2 here: wrong) */
#define XENMAPSPACE_gmfn_foreign	4	/* add_to_physmap_batch only */
#define XENMAPSPACE_dev_mmio		5
struct xen_add_to_physmap {
	domid_t domid;
	uint16_t size;
	uint32_t space;
	xen_ulong_t idx;
	uint64_t gpfn;
};
#define XENMEM_maximum_gpfn		14	/* IN domid_t *; highest PFN */
#define XENMEM_remove_from_physmap	15
struct xen_remove_from_physmap {
	domid_t domid;
	uint16_t pad0[3];
	uint64_t gpfn;
};
#define XENMEM_set_pod_target		16
#define XENMEM_get_pod_target		17
struct xen_pod_target {
	uint64_t target_pages, tot_pages, pod_cache_pages, pod_entries;
	domid_t domid;
	uint16_t pad0[3];
};
#define XENMEM_get_sharing_freed_pages	18
#define XENMEM_get_sharing_shared_pages	19
#define XENMEM_access_op		21
struct xen_mem_access_op {
	uint8_t op, access;
	domid_t domid;
	uint32_t nr;
	uint64_t pfn, pfn_list, access_list;
};
#define XENMEM_add_to_physmap_batch	23
struct xen_add_to_physmap_batch {
	domid_t domid;
	uint16_t space;
	uint16_t size;
	domid_t foreign_domid;
	uint64_t idxs, gpfns, errs;	/* guest pointers */
};
#define XENMEM_claim_pages		24	/* struct xen_memory_reservation */
#define XENMEM_machphys_compat_mfn_list	25
#define XENMEM_get_vnumainfo		26
struct xen_vnuma_topology_info {
	domid_t domid;
	uint16_t pad;
	uint32_t nr_vnodes, nr_vcpus, nr_vmemranges;
	uint64_t vdistance, vcpu_to_vnode, vmemrange;	/* guest pointers */
};
#define XENMEM_reserved_device_memory_map 27
#define XENMEM_RDM_ALL			1
struct xen_reserved_device_memory_map {
	uint32_t flags;		/* IN */
	uint32_t nr_entries;	/* IN: capacity; OUT: entries */
	uint64_t buffer;	/* IN: guest pointer to { u64 start_pfn, nr_pages } */
	uint16_t seg;		/* IN: a PCI device, without XENMEM_RDM_ALL */
	uint8_t bus, devfn;
	uint32_t pad0;
};

/* machphys_mapping: where the read-only M2P is and how long. */
#define XENMEM_machphys_mapping		12
struct xen_machphys_mapping {
	xen_ulong_t v_start, v_end;	/* OUT */
	xen_ulong_t max_mfn;		/* OUT */
};

#endif
