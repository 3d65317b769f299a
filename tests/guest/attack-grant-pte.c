// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-grant-pte: a PV guest's grant host mapping is one PTE of its own
 * page tables, and the guest may try to get rid of that PTE, or of the
 * table holding it, in other ways than GNTTABOP_unmap_grant_ref. The
 * grant's pin, the frame's references and the TLBs must stay in step:
 * the granter sees its entry idle only once no translation of the
 * mapping is left anywhere, and every reference comes back when the
 * mapper ends (the hypervisor's frame audit when dom0 shuts down).
 *
 * dom0 grants itself pages (refs 9 to 16) and:
 *  1. alias: maps x's L1 at a second L2 slot too, so one grant PTE is
 *     reached through two addresses (x and y); maps ref 9 at x, reads it
 *     through y, unmaps by x (or unmap_and_replace) and writes page R's
 *     frame into the entry with no flush: a read through y must give R,
 *     not the granted page (the entry is idle, the granter may reuse it);
 *  2. implicit unmap: clears the grant PTE by mmu_update,
 *     update_va_mapping and a trapped direct write (ptwr): the unmap by
 *     that address is then GNTST_general_error and the entry stays in
 *     use (its pin kept until dom0 dies), as Xen 4.17's release build;
 *  3. map over a present entry (another grant, an ordinary page): the
 *     old grant stays in use, the new one unmaps;
 *  4. an L1 holding a grant PTE unhooked and unpinned: the unmap by PTE
 *     address is refused, the entry stays in use; the old table is
 *     written as data and pinned again; another such L1 (pinned) given
 *     back by decrease_reservation, then unpinned and unmapped: freed;
 *  5. unmap_and_replace whose new address holds another grant mapping
 *     (it moves, and unmaps by its new address) or nothing.
 * @hvargs: dom0_max_vcpus=1
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/grant_end.h"
#include <lamina/grant_table.h>
#include <lamina/memory.h>

#define ROUNDS		50
#define TAG(n)		(0x0101010101010101ULL * (n))
#define NR_REFS		8
#define REF0		9

static struct grant_entry_v1 *table;
static uint64_t page_va[NR_REFS];		/* ref REF0 + i grants page_va[i] */

static long gnttab(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

static bool in_use(unsigned int ref)
{
	return table[ref].flags & (GTF_reading | GTF_writing);
}

/* Map ref at addr (a PTE's machine address with is_pte): its status. */
static int16_t map(unsigned int ref, uint64_t addr, bool is_pte, grant_handle_t *h)
{
	struct gnttab_map_grant_ref m = { addr, GNTMAP_host_map |
					  (is_pte ? GNTMAP_contains_pte : 0), ref, 0, 0, ~0U, 0 };

	if (gnttab(GNTTABOP_map_grant_ref, &m, 1))
		return -99;
	*h = (grant_handle_t)m.handle;
	return m.status;
}

static int16_t unmap(grant_handle_t h, uint64_t addr)
{
	struct gnttab_unmap_grant_ref u = { addr, 0, h, 0, 0 };

	return gnttab(GNTTABOP_unmap_grant_ref, &u, 1) ? -99 : u.status;
}

static int16_t replace(grant_handle_t h, uint64_t addr, uint64_t new_addr)
{
	struct gnttab_unmap_and_replace u = { addr, new_addr, h, 0, 0 };

	return gnttab(GNTTABOP_unmap_and_replace, &u, 1) ? -99 : u.status;
}

/* An empty slot of the L2 table that maps va, after va's: its entry's address and VA. */
static bool free_l2_slot(uint64_t va, uint64_t after, uint64_t *l2e, uint64_t *slot_va)
{
	uint64_t e = table_maddr(va, 2);
	const uint64_t *t = (const uint64_t *)mfn_to_va(e >> 12);
	unsigned int i = (e & 0xfff) / 8, j;

	for (j = i + 1 + after; j < 512; j++) {
		if (!t[j]) {
			*l2e = (e & ~0xfffULL) + j * 8;
			*slot_va = (va & ~((1ULL << 21) - 1)) + (uint64_t)(j - i) * (1ULL << 21);
			return true;
		}
	}
	return false;
}

/* 1: one grant PTE reached through two addresses. */
static int alias(uint64_t x, uint64_t r_mfn)
{
	uint64_t l2e, y, l1 = l1e_maddr(x) >> 12;
	unsigned int way, i, stale[2] = { 0, 0 };
	static const char *const name[2] = { "unmap by address", "unmap_and_replace" };
	volatile uint64_t *py;

	CHECK(free_l2_slot(x, 0, &l2e, &y), "no free L2 slot");
	CHECK(mmu_update1(l2e, (l1 << 12) | PTE_P | PTE_RW | PTE_US | PTE_A) == 0,
	      "hooking x's L1 at a second L2 slot failed");
	py = (volatile uint64_t *)(y + (x & ((1ULL << 21) - 1)));
	for (way = 0; way < 2; way++) {
		for (i = 0; i < ROUNDS; i++) {
			grant_handle_t h;
			int16_t st;
			uint64_t v;

			CHECK(map(REF0, x, false, &h) == GNTST_okay, "alias: map failed");
			v = *py;
			CHECK(v == TAG(1), "alias: y read %#lx, not the granted page", v);
			st = way ? replace(h, x, 0) : unmap(h, x);
			CHECK(st == GNTST_okay, "alias: %s gave %d", name[way], st);
			CHECK(!in_use(REF0), "alias: entry in use after %s", name[way]);
			CHECK(update_va_mapping(x, (r_mfn << 12) | PTE_DATA, UVMF_NONE) == 0,
			      "alias: mapping R at x failed");
			v = *py;
			if (v == TAG(1))
				stale[way]++;
			else
				CHECK(v == TAG(0x52), "alias: y read %#lx", v);
			/* A full local flush: y's translation goes too. */
			CHECK(update_va_mapping(x, 0, UVMF_TLB_FLUSH) == 0, "clearing x");
		}
		printf("attack-grant-pte: %s: %u of %u reads through the second address "
		       "reached the page after its grant was idle\n", name[way], stale[way], ROUNDS);
	}
	CHECK(mmu_update1(l2e, 0) == 0, "unhooking the alias");
	CHECK(!stale[0] && !stale[1], "a grant unmap left the mapping reachable through "
	      "another address of the same PTE (%u, %u of %u)", stale[0], stale[1], ROUNDS);
	return TEST_PASS;
}

/* 2: the grant PTE cleared by other means; the entry stays in use. */
static int implicit_unmap(uint64_t x)
{
	static const char *const name[3] = { "mmu_update", "update_va_mapping", "ptwr" };
	uint64_t pte = l1e_maddr(x);
	volatile uint64_t *ro = (volatile uint64_t *)(mfn_to_va(pte >> 12) + (pte & 0xfff));
	unsigned int way;

	for (way = 0; way < 3; way++) {
		unsigned int ref = REF0 + 1 + way;
		grant_handle_t h, h2;
		int16_t st;

		CHECK(map(ref, x, false, &h) == GNTST_okay, "%s: map failed", name[way]);
		CHECK(*(volatile uint64_t *)x == TAG(2 + way), "%s: wrong page", name[way]);
		if (way == 0)
			CHECK(mmu_update1(pte, 0) == 0, "mmu_update clearing the grant PTE");
		else if (way == 1)
			CHECK(update_va_mapping(x, 0, UVMF_INVLPG) == 0, "update_va_mapping clearing");
		else
			*ro = 0;	/* trapped, emulated */
		CHECK(*ro == 0, "%s: the grant PTE is still %#lx", name[way], *ro);
		st = unmap(h, x);
		printf("attack-grant-pte: grant PTE cleared by %s: unmap by address %d, "
		       "entry %s\n", name[way], st, in_use(ref) ? "in use" : "idle");
		CHECK(st == GNTST_general_error, "%s: unmap of the cleared PTE gave %d",
		      name[way], st);
		CHECK(in_use(ref) && !grant_end_access(&table[ref]),
		      "%s: the granter could end access to a still-pinned entry", name[way]);
		/* Mapped again, the unmap of either handle takes the PTE; one pin stays. */
		CHECK(map(ref, x, false, &h2) == GNTST_okay, "%s: map again failed", name[way]);
		CHECK(unmap(h, x) == GNTST_okay, "%s: unmap of the first handle", name[way]);
		CHECK(unmap(h2, x) == GNTST_general_error, "%s: second unmap", name[way]);
		CHECK(in_use(ref), "%s: entry idle with one pin left", name[way]);
	}
	return TEST_PASS;
}

/* 3: a map over a present entry: a grant's, an ordinary page's. */
static int map_over_present(uint64_t x, uint64_t r_mfn)
{
	grant_handle_t ha, hb;
	int16_t st;

	CHECK(map(REF0 + 4, x, false, &ha) == GNTST_okay, "over: first map failed");
	st = map(REF0 + 5, x, false, &hb);
	printf("attack-grant-pte: map over a present grant PTE: %d\n", st);
	CHECK(st == GNTST_okay, "over: map over a grant PTE gave %d", st);
	CHECK(*(volatile uint64_t *)x == TAG(6), "over: x does not show the new grant");
	CHECK(unmap(ha, x) == GNTST_general_error, "over: unmap of the overwritten grant");
	CHECK(in_use(REF0 + 4), "over: the overwritten grant went idle");
	CHECK(unmap(hb, x) == GNTST_okay && !in_use(REF0 + 5), "over: unmap of the new grant");
	CHECK(update_va_mapping(x, (r_mfn << 12) | PTE_DATA, UVMF_INVLPG) == 0, "over: R at x");
	CHECK(map(REF0 + 5, x, false, &hb) == GNTST_okay, "over: map over a data page failed");
	CHECK(*(volatile uint64_t *)x == TAG(6), "over: x does not show the grant");
	CHECK(unmap(hb, x) == GNTST_okay && !in_use(REF0 + 5), "over: unmap over a data page");
	return TEST_PASS;
}

/* 4: the L1 holding a grant PTE unhooked and unpinned. */
static int release_l1(uint64_t x)
{
	uint64_t mfn = table_page(0), va = mfn_to_va(mfn), l2e, w;
	unsigned int ref = REF0 + 6;
	grant_handle_t h;
	int16_t st;
	long rc;

	CHECK(free_l2_slot(x, 8, &l2e, &w), "no free L2 slot");
	CHECK(mmuext1(MMUEXT_PIN_L1_TABLE, mfn) == 0, "pinning the new L1");
	CHECK(mmu_update1(l2e, (mfn << 12) | PTE_P | PTE_RW | PTE_US | PTE_A) == 0, "hooking it");
	CHECK(map(ref, mfn << 12, true, &h) == GNTST_okay, "release: map by PTE failed");
	CHECK(*(volatile uint64_t *)w == TAG(7), "release: the mapping shows the wrong page");
	CHECK(mmu_update1(l2e, 0) == 0, "unhooking the L1");
	rc = mmuext1(MMUEXT_UNPIN_TABLE, mfn);
	CHECK(rc == 0, "unpinning the L1 gave %ld", rc);
	st = unmap(h, mfn << 12);
	printf("attack-grant-pte: L1 released: unmap by PTE %d, entry %s\n", st,
	       in_use(ref) ? "in use" : "idle");
	CHECK(st == GNTST_general_error, "release: unmap in a released table gave %d", st);
	CHECK(in_use(ref), "release: entry idle though never unmapped");
	/* The old table is data now: written, then a table again. */
	CHECK(update_va_mapping(va, (mfn << 12) | PTE_DATA, UVMF_INVLPG) == 0, "release: RW");
	CHECK(*(volatile uint64_t *)va & PTE_P, "release: the grant PTE is gone from the frame");
	*(volatile uint64_t *)va = 0;
	CHECK(update_va_mapping(va, (mfn << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG) == 0,
	      "release: RO");
	CHECK(mmuext1(MMUEXT_PIN_L1_TABLE, mfn) == 0, "release: pinning again");
	CHECK(mmuext1(MMUEXT_UNPIN_TABLE, mfn) == 0, "release: unpinning again");
	return TEST_PASS;
}

/* 4b: a pinned L1 holding a grant PTE given back, then let go. */
static int give_back_l1(void)
{
	uint64_t mfn = table_page(0), va = mfn_to_va(mfn);
	struct xen_memory_reservation r = { .extent_start = (uint64_t)&mfn, .nr_extents = 1,
					    .domid = DOMID_SELF };
	unsigned int ref = REF0 + 7;
	grant_handle_t h;
	int16_t st;
	long rc;

	CHECK(mmuext1(MMUEXT_PIN_L1_TABLE, mfn) == 0, "give back: pinning the new L1");
	CHECK(map(ref, mfn << 12, true, &h) == GNTST_okay, "give back: map by PTE failed");
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, (uint64_t)&r);
	CHECK(rc == 1, "give back: decrease_reservation of the L1 gave %ld", rc);
	st = unmap(h, mfn << 12);
	printf("attack-grant-pte: L1 given back, still pinned: unmap by PTE %d, entry %s\n", st,
	       in_use(ref) ? "in use" : "idle");
	CHECK(st == GNTST_okay && !in_use(ref), "give back: unmap by PTE gave %d", st);
	CHECK(map(ref, mfn << 12, true, &h) == GNTST_okay, "give back: map again failed");
	rc = mmuext1(MMUEXT_UNPIN_TABLE, mfn);
	CHECK(rc == 0, "give back: unpinning gave %ld", rc);
	CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "give back: dropping the last mapping");
	st = unmap(h, mfn << 12);
	printf("attack-grant-pte: L1 given back and freed: unmap by PTE %d, entry %s\n", st,
	       in_use(ref) ? "in use" : "idle");
	CHECK(st == GNTST_general_error && in_use(ref), "give back: unmap in a freed L1 gave %d",
	      st);
	rc = mmuext1(MMUEXT_PIN_L1_TABLE, mfn);
	CHECK(rc == -EINVAL, "give back: pinning the freed frame gave %ld", rc);
	return TEST_PASS;
}

/* 5: unmap_and_replace whose new address holds a grant mapping, or nothing. */
static int replace_cases(uint64_t x, uint64_t z)
{
	grant_handle_t ha, hb;
	int16_t st;

	CHECK(map(REF0, x, false, &ha) == GNTST_okay, "replace: map A");
	CHECK(map(REF0 + 5, z, false, &hb) == GNTST_okay, "replace: map B");
	st = replace(ha, x, z);
	printf("attack-grant-pte: unmap_and_replace with a grant at the new address: %d\n", st);
	CHECK(st == GNTST_okay, "replace: gave %d", st);
	CHECK(!in_use(REF0) && in_use(REF0 + 5), "replace: A %s, B %s", in_use(REF0) ? "in use" : "idle",
	      in_use(REF0 + 5) ? "in use" : "idle");
	CHECK(*(volatile uint64_t *)x == TAG(6), "replace: x does not show B");
	CHECK(unmap(hb, z) == GNTST_general_error, "replace: B unmapped at its old address");
	CHECK(unmap(hb, x) == GNTST_okay && !in_use(REF0 + 5), "replace: B at its new address");
	CHECK(map(REF0, x, false, &ha) == GNTST_okay, "replace: map A again");
	st = replace(ha, x, z);
	printf("attack-grant-pte: unmap_and_replace with nothing at the new address: %d\n", st);
	CHECK(st == GNTST_okay && !in_use(REF0), "replace over nothing gave %d", st);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	uint64_t frames[1] = { 0 }, tva, r, x, z;
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)frames };
	unsigned int i;

	mm_init(si);
	CHECK(hypercall2(__HYPERVISOR_vm_assist, VMASST_CMD_enable,
			 VMASST_TYPE_writable_pagetables) == 0, "vm_assist failed");
	tva = scratch_page();
	CHECK(gnttab(GNTTABOP_setup_table, &st, 1) == 0 && st.status == 0, "setup_table");
	CHECK(update_va_mapping(tva, (frames[0] << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "cannot map our grant table writable");
	table = (struct grant_entry_v1 *)tva;
	for (i = 0; i < NR_REFS; i++) {
		page_va[i] = scratch_page();
		*(uint64_t *)page_va[i] = TAG(1 + i);
		table[REF0 + i].domid = 0;
		table[REF0 + i].frame = (uint32_t)va_to_mfn(page_va[i]);
		asm volatile("" ::: "memory");
		table[REF0 + i].flags = GTF_permit_access;
	}
	r = scratch_page();
	*(uint64_t *)r = TAG(0x52);
	r = va_to_mfn(r);
	x = scratch_page();
	z = scratch_page();
	CHECK(update_va_mapping(x, 0, UVMF_INVLPG) == 0, "cannot clear x");
	CHECK(update_va_mapping(z, 0, UVMF_INVLPG) == 0, "cannot clear z");
	if (alias(x, r) != TEST_PASS || implicit_unmap(x) != TEST_PASS ||
	    map_over_present(x, r) != TEST_PASS || release_l1(x) != TEST_PASS ||
	    give_back_l1() != TEST_PASS)
		return TEST_FAIL;
	CHECK(update_va_mapping(x, 0, UVMF_INVLPG) == 0, "clearing x");
	return replace_cases(x, z);
}
