// SPDX-License-Identifier: GPL-2.0-only
/*
 * linear-pt: linear page tables, as Xen 4.17 allows them by default
 * (pv-linear-pt=): an L2-L4 entry may point at a validated table of its own
 * level, read-only. dom0 edits its own tables:
 *
 *   - an L2 entry to its own L2 table: refused writable, accepted
 *     read-only, and the L1 tables then read through it as pages;
 *   - the same for an L3 and an L4 entry;
 *   - an L2 entry to another pinned L2 table T: accepted read-only; then T
 *     (a target) may hold no linear entry of its own but one to itself, and
 *     our L2 (holding one) may not be another table's target;
 *   - an L2 entry to an L3 table: refused.
 *
 * Every refusal is -EINVAL, as on Xen. With @hvargs pv-linear-pt=0 (the
 * guest's command line says "off") every linear entry is refused.
 */
#include "lib/guest.h"
#include "lib/mm.h"

#define L2_SLOT		500	/* empty slots of dom0's tables */
#define L3_SLOT		0
#define L4_SLOT		300
#define LINEAR_VA	(GUEST_VIRT_BASE + L2_SLOT * (2ULL << 20))
#define RO		(PTE_P | PTE_US | PTE_A)

static bool off;

/* Expects `want`, or -EINVAL for a linear entry when they are off. */
static long want_linear(long want)
{
	return off ? -EINVAL : want;
}

/* Writes entry ptr = val, expecting rc, and clears it again after a success. */
static int try_entry(uint64_t ptr, uint64_t val, long want, const char *what)
{
	long rc = mmu_update1(ptr, val);

	if (rc == 0) {
		mmu_update1(ptr, 0);
		mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
	}
	CHECK(rc == want, "%s gave %ld, expected %ld", what, rc, want);
	return TEST_PASS;
}

/* Our L2 mapped into itself: the L1 tables become readable pages. */
static int self_l2(uint64_t l2e, uint64_t l2)
{
	uint64_t l1 = l1e_maddr(GUEST_VIRT_BASE) >> 12;
	const volatile uint64_t *seen = (const volatile uint64_t *)LINEAR_VA;
	const uint64_t *real = (const uint64_t *)mfn_to_va(l1);
	unsigned int i;
	long rc;

	if (try_entry(l2e, (l2 << 12) | RO | PTE_RW, -EINVAL, "a writable linear L2 entry"))
		return TEST_FAIL;
	rc = mmu_update1(l2e, (l2 << 12) | RO);
	CHECK(rc == want_linear(0), "a read-only linear L2 entry gave %ld", rc);
	if (rc)
		return TEST_PASS;
	for (i = 0; i < 16; i++)
		CHECK((seen[i] & PTE_ADDR) == (real[i] & PTE_ADDR),
		      "L1 entry %u reads %#llx through the linear map, %#llx directly", i,
		      (unsigned long long)seen[i], (unsigned long long)real[i]);
	CHECK(mmu_update1(l2e, 0) == 0, "clearing the linear L2 entry failed");
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
	return TEST_PASS;
}

/* A linear entry to another L2 table t, and the chains Xen refuses. */
static int other_l2(uint64_t l2e, uint64_t l2, uint64_t t)
{
	long rc = mmu_update1(l2e, (t << 12) | RO);

	CHECK(rc == want_linear(0), "a linear entry to another L2 gave %ld", rc);
	if (rc)
		return TEST_PASS;
	if (try_entry(t << 12, (l2 << 12) | RO, -EINVAL, "a linear entry in a linear target") ||
	    try_entry((t << 12) + 8, (t << 12) | RO, 0, "a linear target's entry to itself"))
		return TEST_FAIL;
	CHECK(mmuext1(MMUEXT_UNPIN_TABLE, t) == 0, "unpinning the target failed");
	CHECK(mmuext1(MMUEXT_PIN_L2_TABLE, t) == 0, "pinning the target again failed");
	/* Our L2 now holds a linear entry: it may not be a target in turn. */
	if (try_entry(t << 12, (l2 << 12) | RO, -EINVAL, "a linear entry to a table holding one"))
		return TEST_FAIL;
	CHECK(mmu_update1(l2e, 0) == 0, "clearing the linear entry failed");
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
	return TEST_PASS;
}

/* A fresh L2 table, pinned: a zeroed scratch page, unmapped first. */
static uint64_t new_l2(void)
{
	uint64_t va = scratch_page(), mfn = va_to_mfn(va);

	if (update_va_mapping(va, 0, UVMF_INVLPG) || mmuext1(MMUEXT_PIN_L2_TABLE, mfn))
		return 0;
	return mfn;
}

int test_main(struct start_info *si)
{
	uint64_t l2e, l2, l3, l4, l3slot, l4slot, t;

	mm_init(si);
	l2e = table_maddr(LINEAR_VA, 2);
	l2 = l2e >> 12;
	l3 = table_maddr(GUEST_VIRT_BASE, 3) >> 12;
	l4 = va_to_mfn(si->pt_base);
	l3slot = (l3 << 12) + L3_SLOT * 8;
	l4slot = (l4 << 12) + L4_SLOT * 8;
	off = !strncmp((const char *)si->cmd_line, "off", 3);
	CHECK(!(*(const uint64_t *)(mfn_to_va(l2) + (l2e & 4095)) & PTE_P), "L2 slot in use");
	if (self_l2(l2e, l2) ||
	    try_entry(l3slot, (l3 << 12) | RO | PTE_RW, -EINVAL, "a writable linear L3 entry") ||
	    try_entry(l3slot, (l3 << 12) | RO, want_linear(0), "a read-only linear L3 entry") ||
	    try_entry(l4slot, (l4 << 12) | RO | PTE_RW, -EINVAL, "a writable linear L4 entry") ||
	    try_entry(l4slot, (l4 << 12) | RO, want_linear(0), "a read-only linear L4 entry") ||
	    try_entry(l2e, (l3 << 12) | RO, -EINVAL, "an L2 entry to an L3 table"))
		return TEST_FAIL;
	t = new_l2();
	CHECK(t, "no second L2 table");
	if (other_l2(l2e, l2, t))
		return TEST_FAIL;
	CHECK(mmuext1(MMUEXT_UNPIN_TABLE, t) == 0, "unpinning the second L2 failed");
	printf("linear page tables %s\n", off ? "refused (off)" : "as Xen's rules say");
	return TEST_PASS;
}
