// SPDX-License-Identifier: GPL-2.0-only
/*
 * elf-base4k: VIRT_BASE 0xffffffff80003000, page aligned but not on a
 * 2 MiB boundary (Lamina refused such a base before; Xen takes any). The
 * region starts there, pfn n at VIRT_BASE + n * 4096, its first L1 table
 * mapping from the middle, and ends 4 MiB aligned. Checks pages on both
 * sides of the 2 MiB boundary and that nothing below VIRT_BASE is mapped.
 * @head: -DNOTES_LINK_BASE
 * @ldflags: --defsym=VIRT_BASE=0xffffffff80003000
 */
#include "elf_layout.h"

#define VBASE	0xffffffff80003000UL

extern char _start[];

int test_main(struct start_info *si)
{
	uint64_t end = si->pt_base + si->nr_pt_frames * 4096 + 4096;

	printf("start_info %#lx, mfn_list %#lx, pt_base %#lx (%lu frames), entry %#lx\n",
	       (unsigned long)si, (unsigned long)si->mfn_list, (unsigned long)si->pt_base,
	       (unsigned long)si->nr_pt_frames, (unsigned long)_start);
	CHECK((uint64_t)_start == VBASE + 0x100000, "linked at %#lx", (unsigned long)_start);
	CHECK(layout_maps(si, VBASE, VBASE), "VIRT_BASE does not map pfn 0");
	CHECK(layout_maps(si, VBASE, (uint64_t)_start), "the kernel is not at pfn 0x100");
	CHECK(layout_maps(si, VBASE, (uint64_t)si), "start_info is not where its pfn says");
	CHECK(layout_maps(si, VBASE, end - 4096), "the boot stack page is not mapped");
	CHECK(layout_maps(si, VBASE, 0xffffffff801ff000UL) &&
	      layout_maps(si, VBASE, 0xffffffff80200000UL),
	      "the pages around the 2 MiB boundary are not mapped in order");
	CHECK(layout_maps(si, VBASE, 0xffffffff803ff000UL), "the region does not reach 4 MiB");
	CHECK(!(layout_pte(si, VBASE, VBASE - 4096) & PTE_PRESENT),
	      "the page below VIRT_BASE is mapped");
	return TEST_PASS;
}
