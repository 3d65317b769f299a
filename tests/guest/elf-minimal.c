// SPDX-License-Identifier: GPL-2.0-only
/*
 * elf-minimal: a kernel with only the mandatory notes, LOADER "generic"
 * and XEN_VERSION "xen-3.0": no VIRT_BASE, PADDR_OFFSET, ENTRY or
 * features. Xen's builder defaults VIRT_BASE and PADDR_OFFSET to 0 and
 * enters at e_entry, so the kernel is linked at virtual = physical 1 MiB
 * and its start-of-day region begins at VA 0. Checks that layout (pfn n
 * at VA n * 4096 from VA 0 up, start_info, page tables and stack inside
 * the region) and that it is dom0 without declaring dom0 support.
 * @head: -DNOTES_MINIMAL
 * @ldflags: --defsym=VIRT_BASE=0
 */
#include "elf_layout.h"

extern char _start[];

/* VA 0 is an ordinary mapped page here: read it without a C null dereference. */
static uint64_t read_va0(void)
{
	uint64_t v;

	asm volatile("movq (%1), %0" : "=r"(v) : "r"(0UL) : "memory");
	return v;
}

int test_main(struct start_info *si)
{
	uint64_t rsp = (uint64_t)__builtin_frame_address(0);
	uint64_t end = si->pt_base + si->nr_pt_frames * 4096 + 4096;

	printf("start_info %#lx, mfn_list %#lx, pt_base %#lx (%lu frames), entry %#lx\n",
	       (unsigned long)si, (unsigned long)si->mfn_list, (unsigned long)si->pt_base,
	       (unsigned long)si->nr_pt_frames, (unsigned long)_start);
	CHECK(si->flags & SIF_INITDOMAIN, "not booted as dom0 (flags %#x)", si->flags);
	CHECK((uint64_t)_start == 0x100000, "linked at %#lx, not 1 MiB", (unsigned long)_start);
	CHECK((uint64_t)si < (1UL << 30) && si->mfn_list < (1UL << 30) && si->pt_base < (1UL << 30),
	      "the start-of-day region is not at VIRT_BASE 0");
	CHECK(si->mfn_list >= 0x100000 && (uint64_t)si > si->mfn_list && si->pt_base > (uint64_t)si,
	      "the elements are not in the order kernel, p2m, start_info, page tables");
	CHECK(rsp < (1UL << 30), "the stack %#lx is not in the region", (unsigned long)rsp);
	CHECK(layout_maps(si, 0, (uint64_t)_start), "the kernel is not at pfn 0x100");
	CHECK(layout_maps(si, 0, (uint64_t)si), "start_info is not where its pfn says");
	CHECK(layout_maps(si, 0, si->pt_base), "the L4 is not where its pfn says");
	CHECK(layout_maps(si, 0, 0), "VA 0 does not map pfn 0");
	CHECK(layout_maps(si, 0, end - 4096), "the boot stack page is not mapped");
	(void)read_va0();
	printf("pfn 0 is mapped at VA 0; the region runs past %#lx\n", (unsigned long)end);
	return TEST_PASS;
}
