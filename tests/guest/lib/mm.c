// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page-table helpers. The start-of-day region maps pfn n at VIRT_BASE +
 * n * 4096, so a region VA converts to a frame through the p2m list and
 * back through the M2P. Scratch pages come from the mapped padding after
 * the bootstrap stack, which nothing else uses.
 */
#include "mm.h"

#define M2P	((const uint64_t *)MACH2PHYS_VIRT_START)

static struct start_info *start;
static uint64_t next_scratch, scratch_end;

void mm_init(struct start_info *si)
{
	start = si;
	next_scratch = si->pt_base + (si->nr_pt_frames + 1) * 4096;
	scratch_end = next_scratch + (512 << 10);
}

uint64_t va_to_mfn(uint64_t va)
{
	return ((const uint64_t *)start->mfn_list)[(va - GUEST_VIRT_BASE) >> 12];
}

uint64_t mfn_to_va(uint64_t mfn)
{
	return GUEST_VIRT_BASE + (M2P[mfn] << 12);
}

uint64_t table_maddr(uint64_t va, unsigned int level)
{
	const uint64_t *t = (const uint64_t *)start->pt_base;
	unsigned int l;

	for (l = 4; l > level; l--)
		t = (const uint64_t *)mfn_to_va((t[(va >> (12 + 9 * (l - 1))) & 511] & PTE_ADDR) >> 12);
	return (va_to_mfn((uint64_t)t) << 12) + ((va >> (12 + 9 * (level - 1))) & 511) * 8;
}

uint64_t l1e_maddr(uint64_t va)
{
	return table_maddr(va, 1);
}

uint64_t scratch_page(void)
{
	uint64_t va = next_scratch;

	if (va >= scratch_end) {
		printf("ERROR out of scratch pages\n");
		shutdown(SHUTDOWN_poweroff);
	}
	next_scratch += 4096;
	memset((void *)va, 0, 4096);
	return va;
}

uint64_t table_page(uint64_t entry0)
{
	uint64_t va = scratch_page(), mfn = va_to_mfn(va);

	*(volatile uint64_t *)va = entry0;
	if (update_va_mapping(va, (mfn << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG))
		printf("ERROR read-only remap of %#lx failed\n", (unsigned long)va);
	return mfn;
}
