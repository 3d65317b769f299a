// SPDX-License-Identifier: GPL-2.0-only
/*
 * iomem-grant: dom0's DOMCTL_iomem_permission for a PV domU, and the
 * domU's mappings of MMIO frames with it, against Xen 4.17 (iomem_caps,
 * get_page_from_l1e's MMIO path and l1_disallow_mask in mm.c).
 *   Before it binds the peer's verdict port, which the peer waits for,
 *   dom0 gives the peer the VGA text frame 0xb8 and the frame 0xb0, takes
 *   0xb0 back, and gives it every frame from the first MiB to the last
 *   RAM frame (maximum_ram_page): RAM that is dom0's, the hypervisor's,
 *   free or the peer's own. It is refused a zeroed payload (frames 0 to
 *   2^64 - 1: -EPERM), a wrapping range (-EINVAL), 2^40 frames (past
 *   the address width: -EPERM) and the local APIC (-EPERM).
 *   The peer: 0xa0 (never given) and 0xb0 (taken back) -EPERM by
 *   mmu_update and update_va_mapping; 0xb8 mapped (0), with the cache
 *   bits (PCD PWT: allowed once it holds frames), read through the
 *   mapping, and under DOMID_IO (its own rights: 0xb8 0, 0xa0 -EPERM);
 *   each 256th RAM frame not its own -EBUSY (the range grants no RAM:
 *   the frames keep their owner's rules); it keeps 0xb8 mapped uncached.
 *   The peer waits for dom0's go (verdict_wait_go) before that, and again
 *   after, while dom0 takes 0xb8 back: then the mapping made before
 *   stays, the same entry written again is 0 (Xen's fast path in
 *   mod_l1_entry, before any permission check), a write-back request
 *   there and a new mapping -EPERM.
 *   Then dom0 gives a second domain it makes 33 ranges apart (Lamina's
 *   list holds 32: -ENOMEM for the 33rd; Xen 0) and destroys it.
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/domctl.h"
#include <lamina/memory.h>

#define VGA_MFN		0xb8ULL
#define TAKEN_MFN	0xb0ULL
#define NEVER_MFN	0xa0ULL
#define LAPIC_MFN	0xfee00ULL
#define IO_PTE		(PTE_P | PTE_RW | PTE_A | PTE_D)
#define UC		0x18ULL		/* PWT PCD */

static char why[VERDICT_LEN];
static struct start_info *start;

static long max_ram_page(void)
{
	return hypercall2(__HYPERVISOR_memory_op, XENMEM_maximum_ram_page, 0);
}

static bool own_frame(uint64_t mfn)
{
	const uint64_t *p2m = (const uint64_t *)start->mfn_list;
	uint64_t i;

	for (i = 0; i < start->nr_pages; i++)
		if (p2m[i] == mfn)
			return true;
	return false;
}

static uint64_t kept;		/* 0xb8 mapped uncached here through both phases */

/* With 0xb8 given and 0xb0 taken back, before dom0's second go. */
static int peer_given(void)
{
	uint64_t va = scratch_page(), mfn, top;
	unsigned int tried = 0;
	volatile uint8_t b;
	long rc;

	PEER_CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping a scratch page failed");
	rc = try_map(va, NEVER_MFN, IO_PTE, DOMID_SELF);
	PEER_CHECK(rc == -EPERM, "mapping frame 0xa0 (never given) gave %ld", rc);
	rc = try_map(va, TAKEN_MFN, IO_PTE, DOMID_SELF);
	PEER_CHECK(rc == -EPERM, "mapping frame 0xb0 (taken back) gave %ld", rc);
	rc = update_va_mapping(va, (TAKEN_MFN << 12) | IO_PTE, UVMF_INVLPG);
	PEER_CHECK(rc == -EPERM, "update_va_mapping of frame 0xb0 (taken back) gave %ld", rc);
	rc = try_map(va, VGA_MFN, IO_PTE, DOMID_SELF);
	PEER_CHECK(rc == 0, "mapping frame 0xb8 (given) gave %ld", rc);
	rc = update_va_mapping(va, (VGA_MFN << 12) | IO_PTE | UC, UVMF_INVLPG);
	PEER_CHECK(rc == 0, "update_va_mapping of frame 0xb8 uncached gave %ld", rc);
	b = *(volatile uint8_t *)va;
	(void)b;
	PEER_CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping 0xb8 failed");
	rc = try_map(va, VGA_MFN, IO_PTE | UC, DOMID_IO);
	PEER_CHECK(rc == 0, "mapping frame 0xb8 under DOMID_IO gave %ld", rc);
	rc = try_map(va, NEVER_MFN, IO_PTE, DOMID_IO);
	PEER_CHECK(rc == -EPERM, "mapping frame 0xa0 under DOMID_IO gave %ld", rc);
	top = (uint64_t)max_ram_page();
	PEER_CHECK((long)top > 0x1000, "maximum_ram_page gave %ld", (long)top);
	for (mfn = 0x100; mfn + 0x100 < top; mfn += 0x100) {
		if (own_frame(mfn))
			continue;
		tried++;
		rc = try_map(va, mfn, IO_PTE, DOMID_SELF);
		PEER_CHECK(rc == -EBUSY, "mapping RAM frame %#llx (in the given range) gave %ld",
			   (unsigned long long)mfn, rc);
		rc = try_map(va, mfn, PTE_P | PTE_A, DOMID_IO);
		PEER_CHECK(rc == -EBUSY, "mapping RAM frame %#llx read-only under DOMID_IO gave %ld",
			   (unsigned long long)mfn, rc);
	}
	PEER_CHECK(tried >= 8, "only %u RAM frames not the peer's below %#llx", tried,
		   (unsigned long long)top);
	kept = scratch_page();
	PEER_CHECK(update_va_mapping(kept, (VGA_MFN << 12) | IO_PTE | UC, UVMF_INVLPG) == 0,
		   "mapping 0xb8 to keep failed");
	printf("peer: 0xa0 and 0xb0 -EPERM, 0xb8 mapped (also uncached, under DOMID_IO), "
	       "%u RAM frames of others -EBUSY\n", tried);
	return 0;
}

/*
 * After dom0 took 0xb8 back: the mapping made before stays (read through
 * it, its entry unchanged), the same entry written again is 0 (Xen's fast
 * path for an entry as stored), a write-back request for it and a new
 * mapping elsewhere -EPERM.
 */
static int peer_taken_back(void)
{
	uint64_t va = scratch_page(), pte = l1e_of(kept);
	volatile uint8_t b;
	long rc;

	PEER_CHECK((pte & 1) && (pte >> 12 & 0xffffffffffULL) == VGA_MFN,
		   "the mapping of 0xb8 made before is gone: %#llx", (unsigned long long)pte);
	b = *(volatile uint8_t *)kept;
	(void)b;
	rc = update_va_mapping(kept, (VGA_MFN << 12) | IO_PTE | UC, UVMF_INVLPG);
	PEER_CHECK(rc == 0, "the same uncached entry of 0xb8 again gave %ld", rc);
	rc = update_va_mapping(kept, (VGA_MFN << 12) | IO_PTE, UVMF_INVLPG);
	PEER_CHECK(rc == -EPERM, "0xb8 write-back where it was mapped gave %ld", rc);
	PEER_CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping a scratch page failed");
	rc = try_map(va, VGA_MFN, IO_PTE | UC, DOMID_SELF);
	PEER_CHECK(rc == -EPERM, "a new mapping of 0xb8 (taken back) gave %ld", rc);
	PEER_CHECK(update_va_mapping(kept, 0, UVMF_INVLPG) == 0, "unmapping 0xb8 failed");
	printf("peer: 0xb8 taken back: the mapping made before stays, the same entry 0, "
	       "new ones -EPERM\n");
	return 0;
}

static void __attribute__((noreturn)) peer(void)
{
	struct verdict v;
	int rc;

	verdict_wait_go();	/* the frames given */
	rc = peer_given();
	verdict_wait_go();	/* 0xb8 taken back */
	if (!rc)
		rc = peer_taken_back();
	verdict_offer_frame0(&v);
	verdict_send(&v, rc ? why : NULL);
}

/* A second domain of dom0's: 32 ranges apart fit, the 33rd is Lamina's -ENOMEM. */
static int ranges_limit(void)
{
	unsigned int i;
	domid_t id;
	long rc = 0;

	CHECK(domctl_create(&id, "lamina-iomem-32") == 0, "createdomain failed");
	for (i = 0; i < 33 && !rc; i++)
		rc = domctl_iomem(id, 0xc0 + 2 * i, 1, 1);
	printf("33 ranges apart: the %uth answered %ld\n", i, rc);
	CHECK(on_lamina() ? (i == 33 && rc == -ENOMEM) : rc == 0,
	      "33 ranges apart: the %uth answered %ld", i, rc);
	CHECK((rc = domctl_iomem(id, 0xc0, 0x42, 1)) == 0, "a range over them gave %ld", rc);
	CHECK((rc = domctl_iomem(id, 0xd0, 1, 0)) == 0, "a hole in it gave %ld", rc);
	CHECK(domctl_destroy(id) == 0, "destroying it failed");
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	int peer_id;
	long rc, top;

	start = si;
	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer();
	peer_id = peer_start(si, "role=peer", 16);
	CHECK(peer_id > 0, "the peer domain could not be started (%d)", peer_id);
	CHECK((rc = domctl_iomem(peer_id, VGA_MFN, 1, 1)) == 0, "giving 0xb8 gave %ld", rc);
	CHECK((rc = domctl_iomem(peer_id, TAKEN_MFN, 1, 1)) == 0, "giving 0xb0 gave %ld", rc);
	CHECK((rc = domctl_iomem(peer_id, TAKEN_MFN, 1, 0)) == 0, "taking 0xb0 back gave %ld", rc);
	top = max_ram_page();
	CHECK(top > 0x1000, "maximum_ram_page gave %ld", top);
	CHECK((rc = domctl_iomem(peer_id, 0x100, top - 0x100, 1)) == 0,
	      "giving frames 0x100 to %#lx (RAM) gave %ld", top - 1, rc);
	CHECK((rc = domctl_iomem(peer_id, 0, 0, 1)) == -EPERM, "a zeroed range (0 to 2^64 - 1) gave %ld",
	      rc);
	CHECK((rc = domctl_iomem(peer_id, 0x10, ~0ULL, 1)) == -EINVAL, "a wrapping range gave %ld", rc);
	CHECK((rc = domctl_iomem(peer_id, 0x100, 1ULL << 40, 1)) == -EPERM, "2^40 frames gave %ld", rc);
	CHECK((rc = domctl_iomem(peer_id, LAPIC_MFN, 1, 1)) == -EPERM, "the local APIC gave %ld", rc);
	printf("d%d: 0xb8 and RAM's frames given, 0xb0 taken back; zeroed, wrapping, 2^40 "
	       "frames and the local APIC refused\n", peer_id);
	CHECK(verdict_peer_parked((domid_t)peer_id) == 0, "the peer did not wait for the go");
	CHECK((rc = verdict_go((domid_t)peer_id)) == 0, "the go gave %ld", rc);
	CHECK(verdict_peer_parked((domid_t)peer_id) == 0, "the peer did not wait for the second go");
	CHECK((rc = domctl_iomem(peer_id, VGA_MFN, 1, 0)) == 0, "taking 0xb8 back gave %ld", rc);
	CHECK((rc = verdict_go((domid_t)peer_id)) == 0, "the second go gave %ld", rc);
	CHECK(verdict_result((domid_t)peer_id) == TEST_PASS, "the peer's verdict");
	CHECK(ranges_limit() == TEST_PASS, "the list's bound");
	return TEST_PASS;
}
