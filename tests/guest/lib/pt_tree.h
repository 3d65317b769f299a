/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A big page-table tree, for tests of page-table work long enough to be
 * preempted: one L4, one L3, PT_TREE_L2S L2s and PT_TREE_L1S L1s (514
 * tables, about 262 000 entries) in the domain's last pfns, which nothing
 * maps. Every L1 entry maps one data page read-only; entry i of L2 number
 * n points at L1 (n * 7 + i) % PT_TREE_L1S, so each L1 is used many
 * times; the L3 holds the L2s and slot 0 of the L4 the L3. It is built
 * unpinned, each table written whole by one mmu_update.
 */
#ifndef GUEST_PT_TREE_H
#define GUEST_PT_TREE_H

#include "guest.h"
#include "mm.h"

#define PT_TREE_L2S	256
#define PT_TREE_L1S	256
#define PT_TREE_TABLES	(PT_TREE_L1S + PT_TREE_L2S + 2)
#define PT_TREE_UPPER	(PTE_P | PTE_RW | PTE_US | PTE_A)

struct pt_tree {
	uint64_t l4, l3, l2[PT_TREE_L2S], l1[PT_TREE_L1S], data;	/* machine frames */
};

/* The machine frame of the domain's i-th pfn from its end (0: the last). */
static inline uint64_t pt_tree_frame(const struct start_info *si, unsigned int i)
{
	return ((const uint64_t *)si->mfn_list)[si->nr_pages - 1 - i];
}

/* The tree's value for entry i of a table of this level (n: which L2). */
static inline uint64_t pt_tree_entry(const struct pt_tree *t, unsigned int level,
				     unsigned int n, unsigned int i)
{
	switch (level) {
	case 1:
		return (t->data << 12) | PTE_P | PTE_US | PTE_A;
	case 2:
		return (t->l1[(n * 7 + i) % PT_TREE_L1S] << 12) | PT_TREE_UPPER;
	case 3:
		return i < PT_TREE_L2S ? (t->l2[i] << 12) | PT_TREE_UPPER : 0;
	case 4:
		return i == 0 ? (t->l3 << 12) | PT_TREE_UPPER : 0;
	}
	return 0;
}

/* Writes all 512 entries of frame table: pt_tree_entry's, or zeros at level 0. */
static inline int pt_tree_fill(const struct pt_tree *t, uint64_t table, unsigned int level,
			       unsigned int n)
{
	static struct mmu_update u[512];
	unsigned int i;
	uint32_t done = 0;

	for (i = 0; i < 512; i++)
		u[i] = (struct mmu_update){ (table << 12) + i * 8, pt_tree_entry(t, level, n, i) };
	CHECK(hypercall5(__HYPERVISOR_mmu_update, (uint64_t)u, 512, (uint64_t)&done, DOMID_SELF,
			 0) == 0 && done == 512, "writing table %#lx failed", (unsigned long)table);
	return TEST_PASS;
}

/*
 * Takes a scratch page for the data and the PT_TREE_TABLES pfns from
 * `base` on, counted from the end (pt_tree_frame), for the tables, and
 * writes them. Returns TEST_PASS or TEST_FAIL.
 */
static inline int pt_tree_build_at(const struct start_info *si, struct pt_tree *t,
				   unsigned int base)
{
	unsigned int i;

	t->data = va_to_mfn(scratch_page());
	for (i = 0; i < PT_TREE_L1S; i++)
		t->l1[i] = pt_tree_frame(si, base + i);
	for (i = 0; i < PT_TREE_L2S; i++)
		t->l2[i] = pt_tree_frame(si, base + PT_TREE_L1S + i);
	t->l3 = pt_tree_frame(si, base + PT_TREE_L1S + PT_TREE_L2S);
	t->l4 = pt_tree_frame(si, base + PT_TREE_L1S + PT_TREE_L2S + 1);
	for (i = 0; i < PT_TREE_L1S; i++)
		if (pt_tree_fill(t, t->l1[i], 1, 0))
			return TEST_FAIL;
	for (i = 0; i < PT_TREE_L2S; i++)
		if (pt_tree_fill(t, t->l2[i], 2, i))
			return TEST_FAIL;
	return pt_tree_fill(t, t->l3, 3, 0) || pt_tree_fill(t, t->l4, 4, 0) ? TEST_FAIL : TEST_PASS;
}

/* The tree in the last PT_TREE_TABLES pfns (pt_tree_frame(si, PT_TREE_TABLES) is the first one free). */
static inline int pt_tree_build(const struct start_info *si, struct pt_tree *t)
{
	return pt_tree_build_at(si, t, 0);
}

#endif
