/*
 * elf-ptnotes: a kernel with its Xen notes in two PT_NOTE segments, ENTRY
 * alone in the second, and e_entry a stub that says it ran. Xen 4.17's
 * libelf reads every PT_NOTE (but one at file offset 0), so the entry is
 * the ENTRY note's. Checks that it was, and that the notes of the first
 * segment were read too (VIRT_BASE: the kernel at pfn 0x100 of a region
 * at 0xffffffff80000000).
 * @head: -DNOTES_SEGMENTS
 * @lds: ptnotes.lds
 */
#include "elf_layout.h"

#define VBASE	0xffffffff80000000UL

extern char _start[];

/* Set by the e_entry stub in lib/head.S. */
int entered_at_e_entry;

int test_main(struct start_info *si)
{
	CHECK(!entered_at_e_entry, "entered at e_entry: the ENTRY note of the second PT_NOTE "
	      "was not read");
	CHECK(layout_maps(si, VBASE, (uint64_t)_start), "the kernel is not at its pfn");
	CHECK(layout_maps(si, VBASE, VBASE), "the region does not start at VIRT_BASE");
	printf("entered at the ENTRY note (%#lx); the region starts at %#lx\n",
	       (unsigned long)_start, VBASE);
	return TEST_PASS;
}
