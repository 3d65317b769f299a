/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Start-of-day layout checks shared by the elf-* test kernels, which are
 * linked at other virtual bases than the framework's: in the region that
 * starts at `base`, pfn n is mapped at base + n * 4096 (docs/abi-core.md
 * §1.5), so a table's VA follows from its frame through the M2P.
 */
#ifndef ELF_LAYOUT_H
#define ELF_LAYOUT_H

#include "lib/guest.h"

#define M2P		((const uint64_t *)MACH2PHYS_VIRT_START)
#define PTE_PRESENT	1ULL
#define PTE_FRAME	0x000ffffffffff000ULL

/* The L1 entry that maps va, walking from the bootstrap L4; 0 if none. */
static inline uint64_t layout_pte(const struct start_info *si, uint64_t base, uint64_t va)
{
	const uint64_t *t = (const uint64_t *)si->pt_base;
	unsigned int level;

	for (level = 4; level > 1; level--) {
		uint64_t e = t[(va >> (12 + 9 * (level - 1))) & 511];

		if (!(e & PTE_PRESENT))
			return 0;
		t = (const uint64_t *)(base + (M2P[(e & PTE_FRAME) >> 12] << 12));
	}
	return t[(va >> 12) & 511];
}

/*
 * Checks that region VA va holds pfn (va - base) / 4096: the page tables
 * map it to the frame the p2m list gives for that pfn, and the M2P agrees.
 */
static inline bool layout_maps(const struct start_info *si, uint64_t base, uint64_t va)
{
	uint64_t pfn = (va - base) >> 12, mfn = ((const uint64_t *)si->mfn_list)[pfn];
	uint64_t pte = layout_pte(si, base, va);

	if (!(pte & PTE_PRESENT) || ((pte & PTE_FRAME) >> 12) != mfn || M2P[mfn] != pfn) {
		printf("va %#lx: pte %#lx, p2m[%#lx] = %#lx, m2p %#lx\n", (unsigned long)va,
		       (unsigned long)pte, (unsigned long)pfn, (unsigned long)mfn,
		       (unsigned long)M2P[mfn]);
		return false;
	}
	return true;
}

#endif
