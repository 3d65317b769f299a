/* SPDX-License-Identifier: MIT */
/*
 * grant_table_op (20): long grant_table_op(unsigned cmd, void *args,
 * unsigned count), version 1 (docs/abi-devices.md §1).
 *  1. A domain's table is an array of 8-byte entries in frames the
 *     hypervisor owns and the domain maps writable (setup_table gives
 *     their MFNs). Entry r grants `domid` access to `frame`.
 *  2. map/unmap/copy return 0 once the batch was looked at; each element
 *     reports its own GNTST_* status. rc < 0 only for a bad call (bad cmd,
 *     unreadable array, absurd count).
 *  3. While an entry is mapped or being copied, the hypervisor keeps
 *     GTF_reading (and GTF_writing for writable use) set in its flags, so
 *     the granter cannot end access under the mapper's feet.
 *  4. transfer moves a page from the caller to another domain as Xen 4.17
 *     does: see struct gnttab_transfer.
 *     cache_flush checks its arguments and does nothing more (x86 caches
 *     are coherent with DMA): see struct gnttab_cache_flush. dump_table
 *     is gone, as in Xen 4.17 (-ENOSYS).
 *  6. A table has one frame from the start (query_size says 1 before any
 *     setup_table), as on Xen.
 *  7. The upper 20 bits of cmd carry continuation state for cache_flush
 *     only; for any other op they are -EINVAL.
 *  5. Version 2 (set_version, as Xen 4.17 offers it unless the hypervisor
 *     option gnttab_max_version=1): 16-byte entries (union grant_entry_v2)
 *     and GTF_reading/GTF_writing kept apart, in status frames of 16-bit
 *     words (get_status_frames), one per entry. See gnttab_set_version.
 */
#ifndef LAMINA_GRANT_TABLE_H
#define LAMINA_GRANT_TABLE_H

#include <lamina/types.h>

typedef uint32_t grant_ref_t;
typedef uint32_t grant_handle_t;

#define GNTTABOP_map_grant_ref		0
#define GNTTABOP_unmap_grant_ref	1
#define GNTTABOP_setup_table		2
#define GNTTABOP_dump_table		3
#define GNTTABOP_transfer		4
#define GNTTABOP_copy			5
#define GNTTABOP_query_size		6
#define GNTTABOP_unmap_and_replace	7
#define GNTTABOP_set_version		8
#define GNTTABOP_get_status_frames	9
#define GNTTABOP_get_version		10
#define GNTTABOP_swap_grant_ref		11
#define GNTTABOP_cache_flush		12
#define GNTTABOP_ARG_SHIFT		12	/* cmd's upper bits: continuation state (7.) */
#define GNTTABOP_CMD_MASK		((1U << GNTTABOP_ARG_SHIFT) - 1)

/* A v1 entry. Linux writes domid and frame, then flags. */
struct grant_entry_v1 {
	uint16_t flags;			/* GTF_* */
	domid_t domid;			/* who may use it */
	uint32_t frame;			/* the MFN granted (PV) */
};

#define GREFS_PER_FRAME		(4096 / sizeof(struct grant_entry_v1))

/* The first 4 bytes of an entry in either version: written by the granter. */
struct grant_entry_header {
	uint16_t flags;			/* GTF_* (v2: never GTF_reading/writing) */
	domid_t domid;			/* who may use it */
};

/*
 * A v2 entry: 16 bytes, its kind chosen by hdr.flags.
 *  full_page:  GTF_permit_access without GTF_sub_page (or accept_transfer):
 *              `frame` as in v1, but 64-bit.
 *  sub_page:   GTF_permit_access | GTF_sub_page: only bytes
 *              [page_off, page_off + length) of `frame`, for copy only
 *              (a map of it fails with GNTST_general_error).
 *  transitive: GTF_transitive: domid may copy through entry `gref` of
 *              trans_domid's table, which must grant this domain; copy
 *              only, and one level deep.
 */
union grant_entry_v2 {
	struct grant_entry_header hdr;
	struct {
		struct grant_entry_header hdr;
		uint32_t pad0;
		uint64_t frame;
	} full_page;
	struct {
		struct grant_entry_header hdr;
		uint16_t page_off;
		uint16_t length;
		uint64_t frame;
	} sub_page;
	struct {
		struct grant_entry_header hdr;
		domid_t trans_domid;
		uint16_t pad0;
		grant_ref_t gref;
	} transitive;
	uint32_t spacer[4];
};

/* v2: the hypervisor's GTF_reading/GTF_writing for an entry, in a status frame. */
typedef uint16_t grant_status_t;

#define GREFS_PER_FRAME_V2	(4096 / sizeof(union grant_entry_v2))
#define GRANT_STATUS_PER_FRAME	(4096 / sizeof(grant_status_t))
#define GNTTAB_NR_RESERVED_ENTRIES	8	/* a toolstack's; a guest allocates above */
#define GNTTAB_RESERVED_CONSOLE		0	/* the console ring, to dom0 */
#define GNTTAB_RESERVED_XENSTORE	1	/* the xenstore ring, to dom0 */

#define GTF_invalid		0
#define GTF_permit_access	1
#define GTF_accept_transfer	2
#define GTF_transitive		3
#define GTF_type_mask		3
#define GTF_readonly		0x0004	/* guest: read-only use only */
#define GTF_reading		0x0008	/* hypervisor: in use */
#define GTF_writing		0x0010	/* hypervisor: in writable use */
#define GTF_PWT			0x0020
#define GTF_PCD			0x0040
#define GTF_PAT			0x0080
#define GTF_sub_page		0x0100
#define GTF_transfer_committed	0x0004	/* accept_transfer: a frame is on its way */
#define GTF_transfer_completed	0x0008	/* accept_transfer: frame holds it now */

#define GNTMAP_device_map	0x01
#define GNTMAP_host_map		0x02
#define GNTMAP_readonly		0x04
#define GNTMAP_application_map	0x08
#define GNTMAP_contains_pte	0x10
#define _GNTMAP_guest_avail0	16	/* flag bits 16-18 -> PTE bits 9-11 */

#define GNTCOPY_source_gref	0x1
#define GNTCOPY_dest_gref	0x2

#define GNTST_okay		0
#define GNTST_general_error	(-1)
#define GNTST_bad_domain	(-2)
#define GNTST_bad_gntref	(-3)
#define GNTST_bad_handle	(-4)
#define GNTST_bad_virt_addr	(-5)
#define GNTST_bad_dev_addr	(-6)
#define GNTST_no_device_space	(-7)
#define GNTST_permission_denied	(-8)
#define GNTST_bad_page		(-9)
#define GNTST_bad_copy_arg	(-10)
#define GNTST_address_too_big	(-11)
#define GNTST_eagain		(-12)
#define GNTST_no_space		(-13)

struct gnttab_map_grant_ref {
	uint64_t host_addr;		/* IN: VA, or PTE machine address */
	uint32_t flags;			/* IN: GNTMAP_* */
	grant_ref_t ref;		/* IN */
	domid_t dom;			/* IN: the granting domain */
	int16_t status;			/* OUT: GNTST_* */
	grant_handle_t handle;		/* OUT */
	uint64_t dev_bus_addr;		/* OUT: machine address of the frame */
};

struct gnttab_unmap_grant_ref {
	uint64_t host_addr;		/* IN: 0 = no host mapping to remove */
	uint64_t dev_bus_addr;		/* IN: 0 = no device mapping to remove */
	grant_handle_t handle;		/* IN */
	int16_t status;			/* OUT */
	uint16_t pad;
};

struct gnttab_setup_table {
	domid_t dom;			/* IN */
	uint16_t pad;
	uint32_t nr_frames;		/* IN: frames wanted (table grows) */
	int16_t status;			/* OUT */
	uint16_t pad2[3];
	uint64_t frame_list;		/* IN: guest pointer to xen_pfn_t[nr_frames] */
};

struct gnttab_query_size {
	domid_t dom;			/* IN */
	uint16_t pad;
	uint32_t nr_frames;		/* OUT: current */
	uint32_t max_nr_frames;		/* OUT */
	int16_t status;			/* OUT */
	uint16_t pad2;
};

/*
 * set_version: switches the caller's table to version 1 or 2.
 *  1. Any other version: -EINVAL; 2 when the hypervisor offers only 1
 *     (gnttab_max_version=1): -ENOSYS; the version in force: 0, no change.
 *  2. -EBUSY while any entry from GNTTAB_NR_RESERVED_ENTRIES on is in use
 *     (mapped or being copied): the reserved ones may stay mapped.
 *  3. The switch clears every entry but the reserved ones, which are
 *     carried over (v2 -> v1: -ERANGE if one is transitive or names a
 *     frame above 32 bits; any other kind is dropped).
 *  4. v1 -> v2 adds status frames; v2 -> v1 frees them, -EBUSY while the
 *     domain still maps one.
 *  5. `version` always comes back as the version in force.
 */
struct gnttab_set_version {
	uint32_t version;		/* IN/OUT */
};

/*
 * get_status_frames (count 1): the MFNs of the first nr_frames status
 * frames of dom's table (the caller's own, or any for dom0). A v2 table
 * of n frames has DIV_ROUND_UP(n, 8) of them, a v1 table none: asking for
 * more gives GNTST_general_error.
 */
struct gnttab_get_status_frames {
	uint32_t nr_frames;		/* IN */
	domid_t dom;			/* IN */
	int16_t status;			/* OUT */
	uint64_t frame_list;		/* IN: guest pointer to uint64_t[nr_frames] */
};

struct gnttab_get_version {
	domid_t dom;			/* IN */
	uint16_t pad;
	uint32_t version;		/* OUT */
};

/* dump_table: -ENOSYS, as in Xen 4.17, which dropped it (the layout stays). */
struct gnttab_dump_table {
	domid_t dom;			/* IN: DOMID_SELF, or any for dom0 */
	int16_t status;			/* OUT */
};

/*
 * swap_grant_ref: exchanges two entries of the caller's own table;
 * GNTST_eagain while either is in use (mapped or being copied).
 */
struct gnttab_swap_grant_ref {
	grant_ref_t ref_a;		/* IN */
	grant_ref_t ref_b;		/* IN */
	int16_t status;			/* OUT */
};

struct gnttab_unmap_and_replace {
	uint64_t host_addr;		/* IN: VA of the grant mapping */
	uint64_t new_addr;		/* IN: VA whose mapping moves there, 0 = none */
	grant_handle_t handle;		/* IN */
	int16_t status;			/* OUT */
	uint16_t pad;
};

struct gnttab_copy_ptr {
	union {
		grant_ref_t ref;	/* flag set: a grant of domid */
		xen_pfn_t gmfn;		/* flag clear: a frame of the caller */
	} u;
	domid_t domid;
	uint16_t offset;		/* bytes into the frame */
	uint32_t pad;
};

struct gnttab_copy {
	struct gnttab_copy_ptr source, dest;
	uint16_t len;
	uint16_t flags;			/* GNTCOPY_* */
	int16_t status;			/* OUT */
	uint16_t pad;
};

/*
 * transfer: give frame mfn of the caller to domid through its entry ref,
 * as on Xen 4.17. A frame that is not RAM or not the caller's to give
 * (not its own, or still mapped, typed, pinned or granted) is
 * GNTST_bad_page and stays. Any other frame leaves the caller (one page
 * less in its reservation): domid's entry ref must have flags exactly
 * GTF_accept_transfer and domid the caller, and domid room below its
 * max_pages; then the entry gets GTF_transfer_committed, the frame (its
 * frame field, which held the pseudo-physical frame the receiver wants
 * it at, becomes the MFN; that frame becomes the M2P entry), then
 * GTF_transfer_completed, and the frame is domid's: GNTST_okay. Else the
 * frame is freed: a missing domain (DOMID_SELF included) GNTST_bad_domain,
 * the rest GNTST_general_error. A frame above 2^32 into a v1 table
 * GNTST_address_too_big (Xen copies it into a lower frame).
 */
struct gnttab_transfer {
	xen_pfn_t mfn;			/* IN */
	domid_t domid;			/* IN */
	uint16_t pad;
	grant_ref_t ref;		/* IN */
	int16_t status;			/* OUT */
	uint16_t pad1;
	uint32_t pad2;
};

/*
 * cache_flush: clean and/or invalidate part of a frame the caller owns or
 * has mapped by grant, at dev_bus_addr (a machine address). Xen 4.17's
 * checks and answers: offset/length past the page or an unknown op bit
 * -EINVAL (GNTTAB_CACHE_SOURCE_GREF too, which Xen leaves unimplemented);
 * length 0 or op 0 nothing (0); a frame that is not RAM -EINVAL; one with no owner or an
 * owner without a grant table -EPERM; another domain's frame not mapped
 * by the caller -EINVAL.
 */
#define GNTTAB_CACHE_CLEAN		(1U << 0)
#define GNTTAB_CACHE_INVAL		(1U << 1)
#define GNTTAB_CACHE_SOURCE_GREF	(1U << 31)
struct gnttab_cache_flush {
	union {
		uint64_t dev_bus_addr;
		grant_ref_t ref;
	} a;				/* IN */
	uint16_t offset;		/* IN */
	uint16_t length;		/* IN */
	uint32_t op;			/* IN: GNTTAB_CACHE_* */
};

_Static_assert(sizeof(struct gnttab_map_grant_ref) == 32, "map_grant_ref layout");
_Static_assert(sizeof(struct gnttab_transfer) == 24, "transfer layout");
_Static_assert(sizeof(struct gnttab_cache_flush) == 16, "cache_flush layout");
_Static_assert(sizeof(struct gnttab_unmap_grant_ref) == 24, "unmap_grant_ref layout");
_Static_assert(sizeof(struct gnttab_setup_table) == 24, "setup_table layout");
_Static_assert(sizeof(struct gnttab_query_size) == 16, "query_size layout");
_Static_assert(sizeof(struct gnttab_copy) == 40, "copy layout");
_Static_assert(sizeof(union grant_entry_v2) == 16, "grant_entry_v2 layout");
_Static_assert(sizeof(struct gnttab_get_status_frames) == 16, "get_status_frames layout");

#endif
