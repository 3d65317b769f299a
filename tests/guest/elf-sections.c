/*
 * elf-sections: a kernel shaped as Unikraft's Xen PV image is (run here
 * on 4 Dec): no PT_NOTE, its Xen notes only in SHT_NOTE sections that no
 * segment holds, here split over two (the second holds ENTRY alone), and
 * several PT_LOADs: the code, the entry code after a 64 KiB gap, an empty
 * one (ld gives it p_paddr 0, so the span starts at pfn 0: Xen counts
 * empty loadable segments too), then the data and the bss (p_memsz >
 * p_filesz) after a 12 KiB gap.
 * Xen 4.17's libelf reads every SHT_NOTE section when no PT_NOTE has
 * notes (Lamina stopped after the first), takes the kernel as the span of
 * the PT_LOADs, and loads each at its p_paddr, its tail past p_filesz
 * zeroed. Checks that the ENTRY note was taken (e_entry is a stub that
 * says it ran), that every page of the span, gaps included, holds its pfn,
 * that the data arrived, and that the bss and the gaps are zero.
 * @head: -DNOTES_SECTIONS
 * @lds: sections.lds
 */
#include "elf_layout.h"

#define VBASE	0xffffffff80000000UL

extern char _start[], __text_end[], __head_end[], __data_start[], _end[];

/* Set by the e_entry stub in lib/head.S. */
int entered_at_e_entry;

/* File bytes of the last segment, read back at both ends. */
static volatile uint64_t pattern[600] = {
	[0] = 0x5ec7105e5ec7105eUL, [1] = 0x1234, [599] = 0xa5a5a5a5c3c3c3c3UL,
};
/* Memory past p_filesz: three pages of it. */
static volatile uint8_t zeros[3 * 4096];

int test_main(struct start_info *si)
{
	uint64_t va, first = VBASE + 0x100000, last = ((uint64_t)_end + 4095) & ~4095UL;
	unsigned int i, bad = 0;

	printf("code %#lx-%#lx, entry %#lx-%#lx, data %#lx-%#lx\n", first,
	       (unsigned long)__text_end, (unsigned long)_start, (unsigned long)__head_end,
	       (unsigned long)__data_start, (unsigned long)_end);
	CHECK(!entered_at_e_entry, "entered at e_entry: the ENTRY note of the second "
	      "SHT_NOTE section was not read");
	CHECK((uint64_t)_start >= (uint64_t)__text_end + 0x10000,
	      "the entry code is not after the gap (link error)");
	for (va = first; va < last; va += 4096)
		if (!layout_maps(si, VBASE, va))
			bad++;
	CHECK(!bad, "%u of the %lu pages from %#lx to %#lx do not hold their pfn", bad,
	      (last - first) / 4096, first, last);
	CHECK(layout_maps(si, VBASE, (uint64_t)si), "start_info is not where its pfn says");
	CHECK((uint64_t)si >= last, "start_info %#lx is inside the kernel's span",
	      (unsigned long)si);
	CHECK(pattern[0] == 0x5ec7105e5ec7105eUL && pattern[1] == 0x1234 && !pattern[2] &&
	      pattern[599] == 0xa5a5a5a5c3c3c3c3UL, "the data segment's bytes are wrong");
	for (i = 0; i < sizeof(zeros); i++)
		if (zeros[i])
			bad++;
	CHECK(!bad, "%u bytes of the bss are not zero", bad);
	/*
	 * The gaps hold no segment's bytes, and nothing else either: Lamina
	 * zeroes the region's frames before it loads, Xen's toolstack gives
	 * a domU fresh frames, and Xen 4.17's dom0 read zero here too.
	 */
	for (va = ((uint64_t)__text_end + 4095) & ~4095UL; va < (uint64_t)_start; va += 8)
		if (*(volatile uint64_t *)va)
			bad++;
	for (va = ((uint64_t)__head_end + 4095) & ~4095UL; va < (uint64_t)__data_start; va += 8)
		if (*(volatile uint64_t *)va)
			bad++;
	CHECK(!bad, "%u words of the gaps between the segments are not zero", bad);
	printf("%lu pages, gaps included, hold their pfns; entered at the ENTRY note\n",
	       (last - first) / 4096);
	return TEST_PASS;
}
