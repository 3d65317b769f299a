// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-grant-edges: grant operations on the edges a granter or a mapper
 * chooses, within one domain so that every row runs on Xen 4.17 too
 * (dom0 grants pages to itself, as grant-self). Each row expects Xen
 * 4.17's answer (conform.h):
 *  - handles: an unmap by a handle that was unmapped and given to
 *    another mapping since (host address of the old one, of none),
 *    a device mapping unmapped by a host address or a wrong bus address,
 *    unmap_and_replace with a host address the grant does not map; the
 *    mapping the handle names must stay and work.
 *  - grants of frames that are not plain pages: our own page tables
 *    (an L1 in use, a pinned L1), a GDT page, our grant-table frame and
 *    shared_info, each mapped writable and copied into by reference (a
 *    page table must never become writable through a grant: Xen refuses
 *    the writable type), and read.
 *  - pins (XSA-230): copies into, out of and refused with ref 8 while a
 *    device mapping of it (writable, then read-only) holds it: its
 *    GTF_reading and GTF_writing stay as the mapping needs them.
 *  - moved (XSA-500): the frame of ref 8 rewritten while a device
 *    mapping holds it: a copy still reaches the first frame; once idle,
 *    the new one.
 *  - copies into our own frames by GMFN: a page table, our grant-table
 *    frame, shared_info; offsets and lengths at the page's end; a copy
 *    from a grant to the same grant (same bytes, overlapping: the status
 *    only, Xen's memcpy and Lamina's memmove leave different bytes).
 *  - frame numbers no frame has (~0, 2^40, 2^31 - 1, 2^32 - 1), named
 *    by GMFN and by a grant's frame, copied both ways and mapped: the
 *    bound checks in front of the copy's inline frame references.
 * Lamina's exit audit must be clean after it all.
 * @expect-log: mm audit d0: ok
 */
#include "conform.h"
#include "lib/mm.h"
#include "lib/gnt_self.h"
#include "lib/events.h"
#include <lamina/grant_table.h>
#include <lamina/mm.h>

static struct start_info *si;
static struct grant_entry_v1 *table;
static uint64_t table_mfn;

static void grant_mfn(grant_ref_t ref, uint64_t mfn, bool ro)
{
	table[ref].domid = 0;
	table[ref].frame = (uint32_t)mfn;
	__atomic_store_n(&table[ref].flags, GTF_permit_access | (ro ? GTF_readonly : 0),
			 __ATOMIC_RELEASE);
}

static long replace(uint64_t host, uint64_t new_addr, grant_handle_t h)
{
	struct gnttab_unmap_and_replace op = { host, new_addr, h, 99, 0 };

	return gnttab(GNTTABOP_unmap_and_replace, &op, 1) ? -100 : op.status;
}

static long copy(struct gnttab_copy_ptr src, struct gnttab_copy_ptr dst, uint16_t len,
		 uint16_t flags)
{
	struct gnttab_copy c = { src, dst, len, flags, 99, 0 };

	return gnttab(GNTTABOP_copy, &c, 1) ? -100 : c.status;
}

static struct gnttab_copy_ptr gref(grant_ref_t ref, uint16_t offset)
{
	return (struct gnttab_copy_ptr){ .u.ref = ref, .domid = DOMID_SELF, .offset = offset };
}

static struct gnttab_copy_ptr gmfn(uint64_t mfn, uint16_t offset)
{
	return (struct gnttab_copy_ptr){ .u.gmfn = mfn, .domid = DOMID_SELF, .offset = offset };
}

#define HANDLE_MARK	"mapping by handle"

/*
 * XSA-230: a copy's pin, let go (or refused), must leave the in-use bits
 * of a device mapping of the same grant as they were: GTF_writing while
 * a writable device mapping holds it, GTF_reading while any does.
 */
static void moved_rows(uint64_t pbus);

static void pin_rows(uint64_t pbus)
{
	uint64_t buf = scratch_page();
	grant_handle_t hd = 0;
	uint16_t both = GTF_permit_access | GTF_reading | GTF_writing;

	ROW("pins: device map of ref 8, writable", gnt_map(8, 0, GNTMAP_device_map, &hd), 0);
	ROW("pins: copy into ref 8", copy(gmfn(va_to_mfn(buf), 0), gref(8, 0), 8, GNTCOPY_dest_gref),
	    0);
	ROW("pins: ref 8 still in use both ways after it", table[8].flags, both);
	ROW("pins: copy out of ref 8", copy(gref(8, 0), gmfn(va_to_mfn(buf), 0), 8,
					    GNTCOPY_source_gref), 0);
	ROW("pins: ref 8 still in use both ways after that", table[8].flags, both);
	ROW("pins: copy into ref 8 past its end (refused)",
	    copy(gmfn(va_to_mfn(buf), 0), gref(8, 4095), 2, GNTCOPY_dest_gref), GNTST_bad_copy_arg);
	ROW("pins: copy from ref 8 into ref 40 (never granted)",
	    copy(gref(8, 0), gref(40, 0), 8, GNTCOPY_source_gref | GNTCOPY_dest_gref),
	    GNTST_general_error);
	ROW("pins: ref 8 still in use both ways after the refusals", table[8].flags, both);
	ROW("pins: device unmap", gnt_unmap(0, pbus, hd), 0);
	ROW("pins: ref 8 idle", table[8].flags, GTF_permit_access);
	ROW("pins: device map of ref 8, read-only",
	    gnt_map(8, 0, GNTMAP_device_map | GNTMAP_readonly, &hd), 0);
	ROW("pins: copy into ref 8 while mapped read-only",
	    copy(gmfn(va_to_mfn(buf), 0), gref(8, 0), 8, GNTCOPY_dest_gref), 0);
	ROW("pins: ref 8 read only in use after it", table[8].flags,
	    GTF_permit_access | GTF_reading);
	ROW("pins: device unmap of the read-only one", gnt_unmap(0, pbus, hd), 0);
	ROW("pins: ref 8 idle again", table[8].flags, GTF_permit_access);
	moved_rows(pbus);
}

/*
 * XSA-500: the granter rewrites the frame of an entry in use. Further
 * uses (copies) reach the frame the first use took, until the last use
 * goes; the next first use takes the new one.
 */
static void moved_rows(uint64_t pbus)
{
	uint64_t p = mfn_to_va(pbus >> 12), other = scratch_page();
	uint64_t buf = scratch_page();
	grant_handle_t hd = 0;

	strlcpy((char *)p, "the first frame", 32);
	strlcpy((char *)other, "the other frame", 32);
	ROW("moved: device map of ref 8", gnt_map(8, 0, GNTMAP_device_map, &hd), 0);
	table[8].frame = (uint32_t)va_to_mfn(other);
	ROW("moved: copy out of ref 8 after its frame changed",
	    copy(gref(8, 0), gmfn(va_to_mfn(buf), 0), 16, GNTCOPY_source_gref), 0);
	ROW("moved: ... reached the frame the map took", !strcmp((char *)buf, "the first frame"), 1);
	ROW("moved: device unmap by the first frame's address", gnt_unmap(0, pbus, hd), 0);
	ROW("moved: copy out of ref 8 once idle",
	    copy(gref(8, 0), gmfn(va_to_mfn(buf), 0), 16, GNTCOPY_source_gref), 0);
	ROW("moved: ... reached the new frame", !strcmp((char *)buf, "the other frame"), 1);
	ROW("moved: ref 8 idle", table[8].flags, GTF_permit_access);
	table[8].frame = (uint32_t)(pbus >> 12);
}

static void handle_rows(uint64_t p, uint64_t q)
{
	uint64_t va1 = scratch_page(), va2 = scratch_page(), va4 = scratch_page();
	uint64_t pbus = va_to_mfn(p) << 12;
	grant_handle_t h = 0, h2 = 0, hd = 0;

	update_va_mapping(va1, 0, UVMF_INVLPG);
	update_va_mapping(va2, 0, UVMF_INVLPG);
	strlcpy((char *)q, HANDLE_MARK, 32);
	strlcpy((char *)va4, "our own page", 32);
	grant_mfn(8, va_to_mfn(p), false);
	grant_mfn(9, va_to_mfn(q), true);
	ROW("handle: map ref 8 at va1", gnt_map(8, va1, GNTMAP_host_map, &h), 0);
	ROW("handle: unmap it", gnt_unmap(va1, 0, h), 0);
	ROW("handle: map ref 9 read-only at va2", gnt_map(9, va2, GNTMAP_host_map | GNTMAP_readonly,
						      &h2), 0);
	/*
	 * The freed handle: Lamina gives it to the next map (this one, at
	 * va2), Xen 4.17 only after the rest of its free list (a bad
	 * handle, -4). Either way an unmap by it at another address fails
	 * and leaves the mapping at va2 alone.
	 */
	ROW("handle: unmap by the freed handle at va1 (now empty) fails", gnt_unmap(va1, 0, h) < 0, 1);
	ROW("handle: unmap by it at va4 (a page of ours) fails", gnt_unmap(va4, 0, h) < 0, 1);
	ROW("handle: our page at va4 untouched", !strcmp((char *)va4, "our own page"), 1);
	ROW("handle: unmap_and_replace by the live handle at va4", replace(va4, 0, h2), -1);
	ROW("handle: our page at va4 still there", !strcmp((char *)va4, "our own page"), 1);
	ROW("handle: the mapping at va2 still reads", !strcmp((char *)va2, HANDLE_MARK), 1);
	ROW("handle: ref 9 still in use", table[9].flags,
	    GTF_permit_access | GTF_readonly | GTF_reading);
	/* A host-only mapping: the bus address is not looked at (Xen 4.17's unmap_common). */
	ROW("handle: unmap at va2 with a wrong bus address", gnt_unmap(va2, pbus, h2), 0);
	ROW("handle: va2 unmapped", gnt_unmap(va2, 0, h2), -4);
	ROW("handle: ref 9 idle", table[9].flags, GTF_permit_access | GTF_readonly);
	ROW("handle: device map of ref 8", gnt_map(8, 0, GNTMAP_device_map, &hd), 0);
	/* A device-only mapping: the host address is not looked at, nothing is done. */
	ROW("handle: unmap it by a host address", gnt_unmap(va1, 0, hd), 0);
	ROW("handle: ref 8 still in use", table[8].flags,
	    GTF_permit_access | GTF_reading | GTF_writing);
	ROW("handle: unmap it by a wrong bus address", gnt_unmap(0, pbus + 4096, hd), -6);
	ROW("handle: unmap it by its bus address", gnt_unmap(0, pbus, hd), 0);
	ROW("handle: ref 8 idle", table[8].flags, GTF_permit_access);
	ROW("handle: unmap by it once more", gnt_unmap(0, pbus, hd), -4);
	pin_rows(pbus);
}

/* A grant of a frame that is not a plain page: mapped, copied into, read. */
static void odd_frame_rows(const char *what, uint64_t mfn, long map_rw, long copy_in)
{
	uint64_t va = scratch_page(), dst = scratch_page();
	grant_handle_t h = 0;
	char name[96];
	long rc;

	update_va_mapping(va, 0, UVMF_INVLPG);
	grant_mfn(12, mfn, false);
	snprintf(name, sizeof(name), "%s: map its grant writable", what);
	rc = gnt_map(12, va, GNTMAP_host_map, &h);
	ROW(name, rc, map_rw);
	if (!rc)
		gnt_unmap(va, 0, h);
	snprintf(name, sizeof(name), "%s: device-map its grant writable", what);
	rc = gnt_map(12, 0, GNTMAP_device_map, &h);
	ROW(name, rc, map_rw);
	if (!rc)
		gnt_unmap(0, mfn << 12, h);
	snprintf(name, sizeof(name), "%s: copy into its grant", what);
	/* Xen takes the writable type before it looks at the length. */
	ROW(name, copy(gmfn(va_to_mfn(dst), 0), gref(12, 4088), 0, GNTCOPY_dest_gref), copy_in);
	ROW(name, copy(gmfn(va_to_mfn(dst), 0), gref(12, 4088), 8, GNTCOPY_dest_gref), copy_in);
	snprintf(name, sizeof(name), "%s: copy out of its grant", what);
	ROW(name, copy(gref(12, 0), gmfn(va_to_mfn(dst), 0), 64, GNTCOPY_source_gref), 0);
	snprintf(name, sizeof(name), "%s: map its grant read-only", what);
	rc = gnt_map(12, va, GNTMAP_host_map | GNTMAP_readonly, &h);
	ROW(name, rc, 0);
	if (!rc)
		ROW(name, gnt_unmap(va, 0, h), 0);
	snprintf(name, sizeof(name), "%s: its entry idle after", what);
	ROW(name, table[12].flags, GTF_permit_access);
	table[12].flags = 0;
}

static void frame_rows(void)
{
	uint64_t l1 = table_page(0), pinned = table_page(0), gdt = table_page(0);
	uint64_t cur_l1 = l1e_maddr((uint64_t)table) >> 12, none = 0;

	update_va_mapping(mfn_to_va(l1), 0, UVMF_INVLPG);
	update_va_mapping(mfn_to_va(pinned), 0, UVMF_INVLPG);
	update_va_mapping(mfn_to_va(gdt), 0, UVMF_INVLPG);
	ROW("frames: pin an L1", mmuext_fd(MMUEXT_PIN_L1_TABLE, pinned, 0, DOMID_SELF), 0);
	ROW("frames: set_gdt", hypercall2(__HYPERVISOR_set_gdt, (uint64_t)&gdt, 512), 0);
	odd_frame_rows("an L1 in use", cur_l1, -1, -1);
	odd_frame_rows("a pinned L1", pinned, -1, -1);
	odd_frame_rows("our L4", va_to_mfn(si->pt_base), -1, -1);
	odd_frame_rows("a GDT page", gdt, -1, -1);
	odd_frame_rows("a page never typed", l1, 0, 0);
	odd_frame_rows("our grant-table frame", table_mfn, 0, 0);
	odd_frame_rows("shared_info", si->shared_info >> 12, 0, 0);
	ROW("frames: set_gdt to none", hypercall2(__HYPERVISOR_set_gdt, (uint64_t)&none, 0), 0);
	ROW("frames: unpin", mmuext_fd(MMUEXT_UNPIN_TABLE, pinned, 0, DOMID_SELF), 0);
}

static void copy_rows(uint64_t p)
{
	uint64_t src = scratch_page(), pin = table_page(0);
	uint64_t l1 = l1e_maddr(src) >> 12;
	unsigned int i;

	update_va_mapping(mfn_to_va(pin), 0, UVMF_INVLPG);
	mmuext_fd(MMUEXT_PIN_L1_TABLE, pin, 0, DOMID_SELF);
	ROW("copy: into an L1 in use by GMFN", copy(gmfn(va_to_mfn(src), 0), gmfn(l1, 0), 8, 0),
	    -1);
	ROW("copy: into a pinned L1 by GMFN", copy(gmfn(va_to_mfn(src), 0), gmfn(pin, 0), 8, 0),
	    -1);
	ROW("copy: out of an L1 by GMFN", copy(gmfn(l1, 0), gmfn(va_to_mfn(src), 0), 8, 0), 0);
	ROW("copy: into our grant-table frame by GMFN",
	    copy(gmfn(va_to_mfn(src), 0), gmfn(table_mfn, 4088), 8, 0), 0);
	ROW("copy: into shared_info by GMFN",
	    copy(gmfn(va_to_mfn(src), 0), gmfn(si->shared_info >> 12, 4088), 8, 0), 0);
	mmuext_fd(MMUEXT_UNPIN_TABLE, pin, 0, DOMID_SELF);
	grant_mfn(8, va_to_mfn(p), false);
	for (i = 0; i < 256; i++)
		((uint8_t *)p)[i] = (uint8_t)i;
	ROW("copy: a grant onto itself, the same bytes",
	    copy(gref(8, 16), gref(8, 16), 64, GNTCOPY_source_gref | GNTCOPY_dest_gref), 0);
	ROW("copy: a grant onto itself, 8 bytes on",
	    copy(gref(8, 0), gref(8, 8), 64, GNTCOPY_source_gref | GNTCOPY_dest_gref), 0);
	ROW("copy: ref 8 idle after", table[8].flags, GTF_permit_access);
	ROW("copy: to the page's last byte", copy(gmfn(va_to_mfn(src), 0), gref(8, 4095), 1,
						  GNTCOPY_dest_gref), 0);
	ROW("copy: one past it", copy(gmfn(va_to_mfn(src), 0), gref(8, 4095), 2,
				      GNTCOPY_dest_gref), -10);
	ROW("copy: from offset 4096", copy(gref(8, 4096), gmfn(va_to_mfn(src), 0), 1,
					   GNTCOPY_source_gref), -10);
	ROW("copy: length 0 at offset 4096", copy(gref(8, 4096), gmfn(va_to_mfn(src), 0), 0,
						  GNTCOPY_source_gref), 0);
	ROW("copy: a ref never granted", copy(gref(40, 0), gmfn(va_to_mfn(src), 0), 8,
					      GNTCOPY_source_gref), -1);
	ROW("copy: a ref past the table", copy(gref(100000, 0), gmfn(va_to_mfn(src), 0), 8,
					       GNTCOPY_source_gref), -3);
}

/* Frame numbers past every frame: by GMFN, and as a grant's frame (ref 13). */
static void huge_frame_rows(void)
{
	static const uint64_t bad[] = { ~0ULL, 1ULL << 40, 0x7FFFFFFFULL, 0xFFFFFFFFULL };
	uint64_t mine = va_to_mfn(scratch_page()), va = scratch_page();
	grant_handle_t h = 0;
	unsigned int i;
	char name[96];
	long rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "huge: copy from GMFN %#lx", (unsigned long)bad[i]);
		ROW(name, copy(gmfn(bad[i], 0), gmfn(mine, 0), 8, 0), -9);
		snprintf(name, sizeof(name), "huge: copy into GMFN %#lx", (unsigned long)bad[i]);
		ROW(name, copy(gmfn(mine, 0), gmfn(bad[i], 0), 8, 0), -9);
		if (bad[i] >> 32)
			continue;		/* a v1 entry's frame is 32 bits */
		grant_mfn(13, bad[i], false);
		snprintf(name, sizeof(name), "huge: copy from a grant of %#lx", (unsigned long)bad[i]);
		ROW(name, copy(gref(13, 0), gmfn(mine, 0), 8, GNTCOPY_source_gref), -9);
		snprintf(name, sizeof(name), "huge: copy into a grant of %#lx", (unsigned long)bad[i]);
		ROW(name, copy(gmfn(mine, 0), gref(13, 0), 8, GNTCOPY_dest_gref), -9);
		snprintf(name, sizeof(name), "huge: map a grant of %#lx", (unsigned long)bad[i]);
		update_va_mapping(va, 0, UVMF_INVLPG);
		rc = gnt_map(13, va, GNTMAP_host_map, &h);
		ROW(name, rc, -9);
		if (!rc)
			gnt_unmap(va, 0, h);
		snprintf(name, sizeof(name), "huge: ref 13 idle after %#lx", (unsigned long)bad[i]);
		ROW(name, table[13].flags, GTF_permit_access);
		table[13].flags = 0;
	}
}

int test_main(struct start_info *start)
{
	uint64_t frames[1] = { 0 };
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)frames };
	uint64_t tva, p, q;

	si = start;
	CHECK(events_init(si) == 0, "events_init failed");
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	conform_begin();
	tva = scratch_page();
	p = scratch_page();
	q = scratch_page();
	CHECK(gnttab(GNTTABOP_setup_table, &st, 1) == 0 && st.status == 0, "setup_table");
	CHECK(update_va_mapping(tva, (frames[0] << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "cannot map our grant table writable");
	table = (struct grant_entry_v1 *)tva;
	table_mfn = frames[0];
	handle_rows(p, q);
	frame_rows();
	copy_rows(p);
	huge_frame_rows();
	return conform_end("grant edge");
}
