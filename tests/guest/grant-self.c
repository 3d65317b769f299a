// SPDX-License-Identifier: GPL-2.0-only
/*
 * grant-self: grant tables within one domain, so the same checks run on
 * Xen 4.17. dom0 grants pages to itself (a map names it d0: DOMID_SELF is
 * refused), maps and copies them, watches the in-use bits come and go in
 * its own table, and grows the table. A copy batch long enough to be
 * preempted comes back whole, and mapping until the maptrack is full
 * (gnttab_max_maptrack_frames=1 on both hypervisors) ends in
 * GNTST_no_space, with room again after unmapping. The same long batch
 * inside a multicall comes back whole too. swap_grant_ref exchanges two
 * idle entries and refuses one in use; dump_table is gone (-ENOSYS) and
 * an empty transfer batch answers 0, on both hypervisors. A page
 * transferred to ourselves through an entry set to accept it arrives
 * (the entry's frame and the M2P updated); one given with a bad entry, to
 * DOMID_SELF or to no domain is gone from our reservation.
 * @hvargs: gnttab_max_maptrack_frames=1
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/gnt_self.h"
#include <lamina/grant_table.h>
#include <lamina/memory.h>

#define NR_LIMIT_REFS	490	/* refs 10..499: more than one maptrack frame holds */
#define LONG_BATCH	2048	/* copies: long enough to be preempted midway */

static struct grant_entry_v1 *table;
static grant_handle_t handles[NR_LIMIT_REFS];
static struct gnttab_copy batch[LONG_BATCH];

/* A batch that runs for milliseconds comes back whole, every status set. */
static int long_batch(uint64_t dst_page, bool in_multicall)
{
	struct multicall_entry mc[2] = {
		{ __HYPERVISOR_grant_table_op, 99, { GNTTABOP_copy, (uint64_t)batch, LONG_BATCH } },
		{ __HYPERVISOR_xen_version, 99, { XENVER_version, 0 } },
	};
	unsigned int i;

	for (i = 0; i < LONG_BATCH; i++) {
		memset(&batch[i], 0, sizeof(batch[i]));
		batch[i].source.u.ref = 9;
		batch[i].source.domid = DOMID_SELF;
		batch[i].dest.u.gmfn = va_to_mfn(dst_page);
		batch[i].dest.domid = DOMID_SELF;
		batch[i].len = i == LONG_BATCH - 1 ? 4097 : 4096;	/* the last one is bad */
		batch[i].flags = GNTCOPY_source_gref;
		batch[i].status = 99;
	}
	if (in_multicall) {
		CHECK(hypercall2(__HYPERVISOR_multicall, mc, 2) == 0 && mc[0].result == 0 &&
		      (long)mc[1].result > 0, "the multicall gave %ld and %ld", (long)mc[0].result,
		      (long)mc[1].result);
	} else {
		CHECK(gnttab(GNTTABOP_copy, batch, LONG_BATCH) == 0, "the long batch failed as a call");
	}
	for (i = 0; i < LONG_BATCH - 1; i++)
		CHECK(batch[i].status == 0, "long batch entry %u: status %d", i, batch[i].status);
	CHECK(batch[i].status == GNTST_bad_copy_arg, "last entry: status %d", batch[i].status);
	CHECK(table[9].flags == (GTF_permit_access | GTF_readonly), "long batch left %#x",
	      table[9].flags);
	return TEST_PASS;
}

static void grant(grant_ref_t ref, uint64_t va, bool ro)
{
	table[ref].domid = 0;
	table[ref].frame = (uint32_t)va_to_mfn(va);
	asm volatile("" ::: "memory");
	table[ref].flags = GTF_permit_access | (ro ? GTF_readonly : 0);
}

static int maptrack_limit(uint64_t page)
{
	uint64_t bus = va_to_mfn(page) << 12;
	unsigned int i, n;
	int16_t st = 0;

	for (i = 0; i < NR_LIMIT_REFS; i++)
		grant(10 + i, page, true);
	for (n = 0; n < NR_LIMIT_REFS; n++) {
		st = gnt_map(10 + n, 0, GNTMAP_device_map | GNTMAP_readonly, &handles[n]);
		if (st)
			break;
	}
	CHECK(st == GNTST_no_space && n >= 200, "after %u maps: status %d", n, st);
	printf("maptrack full after %u mappings\n", n);
	for (i = 0; i < n; i++)
		CHECK(gnt_unmap(0, bus, handles[i]) == 0, "unmap %u failed", i);
	CHECK(gnt_map(10, 0, GNTMAP_device_map | GNTMAP_readonly, &handles[0]) == 0,
	      "no room after unmapping everything");
	CHECK(gnt_unmap(0, bus, handles[0]) == 0, "last unmap failed");
	for (i = 0; i < NR_LIMIT_REFS; i++)
		CHECK(table[10 + i].flags == (GTF_permit_access | GTF_readonly),
		      "ref %u left with flags %#x", 10 + i, table[10 + i].flags);
	return TEST_PASS;
}

static int16_t swap(grant_ref_t a, grant_ref_t b)
{
	struct gnttab_swap_grant_ref op = { a, b, 99 };

	return gnttab(GNTTABOP_swap_grant_ref, &op, 1) ? -100 : op.status;
}

/* Entries 20 and 21 trade places; in use, far or foreign, they cannot. */
static int swap_and_dump(uint64_t p, uint64_t q)
{
	struct gnttab_dump_table dt[2] = { { DOMID_SELF, 99 }, { 7, 99 } };
	uint64_t va = scratch_page();
	grant_handle_t h;
	int16_t s;
	long rc;

	grant(20, p, false);
	grant(21, q, true);
	CHECK(swap(20, 21) == GNTST_okay, "swap gave %d", swap(20, 21));
	CHECK(table[20].frame == va_to_mfn(q) && table[20].flags == (GTF_permit_access |
	      GTF_readonly) && table[21].frame == va_to_mfn(p) &&
	      table[21].flags == GTF_permit_access, "swapped entries: %#x/%#x %#x/%#x",
	      table[20].frame, table[20].flags, table[21].frame, table[21].flags);
	CHECK(swap(21, 21) == GNTST_okay && table[21].frame == va_to_mfn(p),
	      "swapping an entry with itself");
	CHECK(swap(20, 1U << 20) == GNTST_bad_gntref && swap(1U << 20, 20) == GNTST_bad_gntref,
	      "a swap with a ref past the table");
	CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "cannot clear the map target");
	s = gnt_map(21, va, GNTMAP_host_map, &h);
	CHECK(s == 0, "mapping ref 21 gave %d", s);
	CHECK(swap(20, 21) == GNTST_eagain, "swapping a mapped entry gave %d", swap(20, 21));
	CHECK(table[21].frame == va_to_mfn(p), "a refused swap moved the entry");
	CHECK(gnt_unmap(va, 0, h) == 0, "unmapping ref 21 failed");
	table[20].flags = 0;
	table[21].flags = 0;

	/* Xen 4.17 dropped dump_table; Lamina too (docs/conformance.md). */
	rc = gnttab(GNTTABOP_dump_table, &dt[0], 1);
	CHECK(rc == -ENOSYS && dt[0].status == 99, "dump_table of our own table gave %ld, %d",
	      rc, dt[0].status);
	CHECK(gnttab(GNTTABOP_transfer, dt, 0) == 0, "an empty transfer batch");
	return TEST_PASS;
}

static long reservation(void)
{
	domid_t self = DOMID_SELF;

	return hypercall2(__HYPERVISOR_memory_op, XENMEM_current_reservation, (uint64_t)&self);
}

/* A page of ours, unmapped so nothing but its allocation holds it: its MFN. */
static uint64_t page_to_give(const char *text)
{
	uint64_t va = scratch_page(), mfn = va_to_mfn(va);

	strlcpy((char *)va, text, 64);
	return update_va_mapping(va, 0, UVMF_INVLPG) ? 0 : mfn;
}

static int16_t transfer(uint64_t mfn, domid_t to, grant_ref_t ref)
{
	struct gnttab_transfer t = { mfn, to, 0, ref, 99, 0, 0 };

	return gnttab(GNTTABOP_transfer, &t, 1) ? 99 : t.status;
}

/*
 * transfer to ourselves: entry 30 accepts a page from d0 at pseudo-physical
 * frame 0x12345; the page arrives there (the entry's frame its MFN, the
 * M2P entry 0x12345, flags committed and completed, its bytes kept, our
 * reservation the same); a mapped page stays ours (bad_page); a bad
 * entry (wrong flags, another domid), DOMID_SELF and a missing domain
 * cost the page: one frame less each.
 */
static int transfer_self(void)
{
	uint64_t mfn = page_to_give("transferred page"), va = scratch_page(), pfn, gone[4];
	long before = reservation();
	int16_t s;
	int i;

	CHECK(mfn && before > 0, "a page to give: %#lx, reservation %ld", (unsigned long)mfn,
	      before);
	pfn = ((const uint64_t *)MACH2PHYS_VIRT_START)[mfn];
	CHECK(transfer(va_to_mfn(va), 0, 30) == GNTST_bad_page, "a mapped page");
	table[30] = (struct grant_entry_v1){ GTF_accept_transfer, 0, 0x12345 };
	s = transfer(mfn, 0, 30);
	CHECK(s == GNTST_okay, "transfer to ourselves gave %d", s);
	CHECK(table[30].flags == (GTF_accept_transfer | GTF_transfer_committed |
				  GTF_transfer_completed) && table[30].frame == mfn,
	      "entry 30 after it: flags %#x, frame %#x", table[30].flags, table[30].frame);
	CHECK(((const uint64_t *)MACH2PHYS_VIRT_START)[mfn] == 0x12345, "M2P %#lx",
	      (unsigned long)((const uint64_t *)MACH2PHYS_VIRT_START)[mfn]);
	CHECK(reservation() == before, "reservation %ld, was %ld", reservation(), before);
	CHECK(mmu_update1((mfn << 12) | MMU_MACHPHYS_UPDATE, pfn) == 0, "M2P back");
	CHECK(update_va_mapping(va, (mfn << 12) | PTE_DATA, UVMF_INVLPG) == 0 &&
	      !strcmp((char *)va, "transferred page"), "the page arrived without its bytes");
	s = transfer(mfn, 0, 30);
	CHECK(s == GNTST_bad_page, "a transferred page, mapped again: %d", s);
	table[30].flags = 0;
	for (i = 0; i < 4; i++)
		CHECK((gone[i] = page_to_give("a page to lose")), "page %d", i);
	table[31] = (struct grant_entry_v1){ GTF_permit_access, 0, 0 };
	table[32] = (struct grant_entry_v1){ GTF_accept_transfer, 7, 0 };
	CHECK((s = transfer(gone[0], 0, 31)) == GNTST_general_error, "into a permit entry: %d", s);
	CHECK((s = transfer(gone[1], 0, 32)) == GNTST_general_error, "another's entry: %d", s);
	CHECK((s = transfer(gone[2], DOMID_SELF, 30)) == GNTST_bad_domain, "DOMID_SELF: %d", s);
	CHECK((s = transfer(gone[3], 0x7ff0, 30)) == GNTST_bad_domain, "no domain: %d", s);
	CHECK(table[31].flags == GTF_permit_access && table[32].flags == GTF_accept_transfer,
	      "refused entries changed: %#x %#x", table[31].flags, table[32].flags);
	CHECK(reservation() == before - 4, "after 4 failed transfers: %ld, was %ld",
	      reservation(), before);
	table[31].flags = table[32].flags = 0;
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	uint64_t frames[2] = { 0, 0 }, tva, p, q, va = 0, own, first;
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)frames };
	struct gnttab_copy c;
	grant_handle_t h, h2;
	int16_t s;

	mm_init(si);
	tva = scratch_page();
	p = scratch_page();
	q = scratch_page();
	own = scratch_page();
	va = scratch_page();
	CHECK(gnttab(GNTTABOP_setup_table, &st, 1) == 0 && st.status == 0, "setup_table");
	CHECK(update_va_mapping(tva, (frames[0] << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "cannot map our grant table writable");
	table = (struct grant_entry_v1 *)tva;
	strlcpy((char *)p, "granted page P", 64);
	strlcpy((char *)q, "granted page Q", 64);
	grant(8, p, false);
	grant(9, q, true);
	/* Map onto an empty PTE, as Linux does: no stale TLB entry to mind. */
	CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "cannot clear the map target");

	{
		struct gnttab_map_grant_ref op = { va, GNTMAP_host_map, 8, DOMID_SELF, 99, 0, 0 };

		gnttab(GNTTABOP_map_grant_ref, &op, 1);
		CHECK(op.status == GNTST_bad_domain, "a map naming DOMID_SELF gave %d", op.status);
	}
	s = gnt_map(8, va, GNTMAP_host_map, &h);
	CHECK(s == 0 && !strcmp((char *)va, "granted page P"), "self map gave %d", s);
	CHECK(table[8].flags == (GTF_permit_access | GTF_reading | GTF_writing),
	      "mapped entry flags %#x", table[8].flags);
	s = gnt_map(8, 0, GNTMAP_device_map | GNTMAP_readonly, &h2);
	CHECK(s == 0, "a second, read-only use gave %d", s);
	CHECK(gnt_unmap(va, 0, h) == 0, "unmap failed");
	CHECK(table[8].flags == (GTF_permit_access | GTF_reading), "one RO use left: flags %#x",
	      table[8].flags);
	CHECK(gnt_unmap(0, va_to_mfn(p) << 12, h2) == 0, "device unmap failed");
	CHECK(table[8].flags == GTF_permit_access, "flags %#x after the last unmap", table[8].flags);
	s = gnt_map(9, va, GNTMAP_host_map, &h);
	CHECK(s == GNTST_general_error, "a writable map of a read-only grant gave %d", s);
	CHECK(table[9].flags == (GTF_permit_access | GTF_readonly), "refused map left %#x",
	      table[9].flags);

	/* A copy from one grant of ours to another, offsets on both sides. */
	c = (struct gnttab_copy){ { { 9 }, DOMID_SELF, 8, 0 }, { { 8 }, DOMID_SELF, 100, 0 }, 6,
				  GNTCOPY_source_gref | GNTCOPY_dest_gref, 99, 0 };
	CHECK(gnttab(GNTTABOP_copy, &c, 1) == 0 && c.status == 0, "gref-to-gref copy gave %d",
	      c.status);
	CHECK(!memcmp((char *)p + 100, "page Q", 6), "copy brought the wrong bytes");
	CHECK(table[8].flags == GTF_permit_access && table[9].flags == (GTF_permit_access |
	      GTF_readonly), "copy left flags %#x %#x", table[8].flags, table[9].flags);
	c = (struct gnttab_copy){ { { 8 }, DOMID_SELF, 0, 0 }, { { 9 }, DOMID_SELF, 0, 0 }, 6,
				  GNTCOPY_source_gref | GNTCOPY_dest_gref, 99, 0 };
	gnttab(GNTTABOP_copy, &c, 1);
	CHECK(c.status == GNTST_general_error, "copy into a read-only grant gave %d", c.status);
	memset(&c, 0, sizeof(c));
	c.source.u.gmfn = va_to_mfn(q);
	c.source.domid = DOMID_SELF;
	c.dest.u.gmfn = va_to_mfn(own);
	c.dest.domid = DOMID_SELF;
	c.len = 14;
	CHECK(gnttab(GNTTABOP_copy, &c, 1) == 0 && c.status == 0 && !strcmp((char *)own,
	      "granted page Q"), "frame-to-frame copy gave %d", c.status);

	/* Growing keeps what is there. */
	first = frames[0];
	st.nr_frames = 2;
	CHECK(gnttab(GNTTABOP_setup_table, &st, 1) == 0 && st.status == 0 && frames[1] &&
	      frames[0] == first, "growing the table failed");
	CHECK(table[9].frame == va_to_mfn(q), "growing lost an entry");

	CHECK(long_batch(own, false) == TEST_PASS, "long batch");
	CHECK(long_batch(own, true) == TEST_PASS, "long batch in a multicall");
	CHECK(swap_and_dump(p, q) == TEST_PASS, "swap and dump");
	CHECK(!strcmp((char *)own, "granted page Q"), "long batch copied the wrong page");
	CHECK(maptrack_limit(q) == TEST_PASS, "maptrack limit");
	CHECK(transfer_self() == TEST_PASS, "transfer");
	{
		/*
		 * shared_info (unmapped here) is the hypervisor's, lent to us:
		 * giving it back is "done" (1) and changes nothing, as on Xen 4.17,
		 * which drops the allocation reference while its own keeps the page.
		 */
		uint64_t f = si->shared_info >> 12;
		struct xen_memory_reservation r = { (uint64_t)&f, 1, 0, 0, DOMID_SELF, { 0 } };
		long rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, &r);

		CHECK(rc == 1, "decrease_reservation of shared_info gave %ld", rc);
	}
	printf("self grants: map, copy, flags, growth and the maptrack limit checked\n");
	return TEST_PASS;
}
