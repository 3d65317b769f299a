// SPDX-License-Identifier: GPL-2.0-only
/*
 * elf-legacy: a kernel without Xen notes that describes itself in the
 * legacy "__xen_guest" section instead ("GUEST_OS=...,XEN_VER=xen-3.0,
 * VIRT_BASE=0xffffffff80000000,LOADER=generic,FEATURES=..."), linked as
 * such old kernels were, with p_paddr = p_vaddr. Without an
 * ELF_PADDR_OFFSET entry, Xen takes PADDR_OFFSET = VIRT_BASE for this
 * form, so the kernel still lands at pfn 0x100 of a region at VIRT_BASE;
 * its entry is e_entry (no VIRT_ENTRY). Checks that layout.
 * @head: -DNOTES_LEGACY
 * @ldflags: --defsym=LOAD_OFFSET=0
 */
#include "elf_layout.h"

#define VBASE	0xffffffff80000000UL

extern char _start[];

int test_main(struct start_info *si)
{
	uint64_t end = si->pt_base + si->nr_pt_frames * 4096 + 4096;

	printf("start_info %#lx, mfn_list %#lx, pt_base %#lx, entry %#lx\n", (unsigned long)si,
	       (unsigned long)si->mfn_list, (unsigned long)si->pt_base, (unsigned long)_start);
	CHECK(si->flags & SIF_INITDOMAIN, "not booted as dom0 (flags %#x)", si->flags);
	CHECK((uint64_t)_start == VBASE + 0x100000, "linked at %#lx", (unsigned long)_start);
	CHECK(si->mfn_list > (uint64_t)_start && (uint64_t)si > si->mfn_list &&
	      si->pt_base > (uint64_t)si, "the elements are not after the kernel, in order");
	CHECK(layout_maps(si, VBASE, (uint64_t)_start), "the kernel is not at pfn 0x100");
	CHECK(layout_maps(si, VBASE, (uint64_t)si), "start_info is not where its pfn says");
	CHECK(layout_maps(si, VBASE, VBASE), "VIRT_BASE does not map pfn 0");
	CHECK(layout_maps(si, VBASE, end - 4096), "the boot stack page is not mapped");
	return TEST_PASS;
}
