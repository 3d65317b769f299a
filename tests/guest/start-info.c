// SPDX-License-Identifier: GPL-2.0-only
/*
 * start-info: the start-of-day state of dom0 is what docs/abi-core.md §1.5-1.7
 * describes: start_info fields, the command line from the module string,
 * a p2m list that agrees with the read-only M2P, read-only page tables
 * whose L4 carries the hypervisor's slots, a mapped padding area, and the
 * VGA text console described after start_info (console.dom0).
 * @cmdline: console=hvc0 answer=42
 * @hvargs: dom0_mem=48M
 */
#include "lib/guest.h"

#define VIRT_BASE	0xffffffff80000000ULL
#define M2P		((const uint64_t *)MACH2PHYS_VIRT_START)

int test_main(struct start_info *si)
{
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	const uint64_t *l4 = (const uint64_t *)si->pt_base;
	uint64_t pfn, region_end;
	volatile const uint8_t *probe;
	const struct dom0_vga_console_info *vga;
	unsigned int i;

	CHECK(!strncmp(si->magic, "xen-3.0-x86_64", 14), "magic \"%.32s\"", si->magic);
	CHECK((si->flags & (SIF_INITDOMAIN | SIF_PRIVILEGED)) == (SIF_INITDOMAIN | SIF_PRIVILEGED),
	      "flags %#x lack SIF_INITDOMAIN|SIF_PRIVILEGED", si->flags);
	CHECK(si->nr_pages == (48ULL << 20) / 4096, "nr_pages %lu for dom0_mem=48M",
	      (unsigned long)si->nr_pages);
	CHECK(!strcmp(si->cmd_line, "console=hvc0 answer=42"),
	      "command line \"%s\"", si->cmd_line);
	CHECK(si->shared_info && !(si->shared_info & 4095), "shared_info %#lx",
	      (unsigned long)si->shared_info);
	CHECK(si->pt_base > VIRT_BASE && !(si->pt_base & 4095), "pt_base %#lx",
	      (unsigned long)si->pt_base);
	CHECK(si->mfn_list > VIRT_BASE && !(si->mfn_list & 7), "mfn_list %#lx",
	      (unsigned long)si->mfn_list);
	CHECK(si->nr_pt_frames >= 4, "nr_pt_frames %lu", (unsigned long)si->nr_pt_frames);
	CHECK(si->mod_start == 0 && si->mod_len == 0, "an initrd nobody gave");
	vga = (const struct dom0_vga_console_info *)((const char *)si + si->console.dom0.info_off);
	printf("console.dom0: info_off %#x, info_size %#x; type %#x, text mode: font %u, "
	       "cursor %u,%u, %u rows of %u columns\n", si->console.dom0.info_off,
	       si->console.dom0.info_size, vga->video_type, vga->u.text_mode_3.font_height,
	       vga->u.text_mode_3.cursor_x, vga->u.text_mode_3.cursor_y,
	       vga->u.text_mode_3.rows, vga->u.text_mode_3.columns);
	/* What Xen 4.17 gives under QEMU (4 Dec): the BIOS's 80x25 text mode. */
	CHECK(si->console.dom0.info_off == sizeof(*si) && si->console.dom0.info_size == sizeof(*vga),
	      "no console information for dom0");
	CHECK(vga->video_type == XEN_VGATYPE_TEXT_MODE_3 && vga->u.text_mode_3.font_height == 16 &&
	      vga->u.text_mode_3.rows == 25 && vga->u.text_mode_3.columns == 80,
	      "not QEMU's 80x25 text mode with a 16-line font");
	CHECK(vga->u.text_mode_3.cursor_x < 80 && vga->u.text_mode_3.cursor_y < 25,
	      "the cursor off the screen");

	/* p2m and M2P agree for every page of the domain. */
	for (pfn = 0; pfn < si->nr_pages; pfn++)
		CHECK(M2P[p2m[pfn]] == pfn, "M2P[p2m[%#lx] = %#lx] = %#lx", (unsigned long)pfn,
		      (unsigned long)p2m[pfn], (unsigned long)M2P[p2m[pfn]]);

	/* The bootstrap L4: slot 511 maps the kernel, the guest half is empty. */
	CHECK(l4[511] & 1, "L4[511] not present");
	for (i = 0; i < 256; i++)
		CHECK(!(l4[i] & 1), "L4[%u] present in the bootstrap tables", i);

	/* At least 512 KiB of mapped padding after the bootstrap stack. */
	region_end = si->pt_base + (si->nr_pt_frames + 1) * 4096 + (512 << 10);
	for (probe = (const uint8_t *)(si->pt_base + si->nr_pt_frames * 4096);
	     (uint64_t)probe < region_end; probe += 4096)
		(void)*probe;
	printf("start_info checked: %lu pages, %lu page-table frames, p2m agrees with M2P\n",
	       (unsigned long)si->nr_pages, (unsigned long)si->nr_pt_frames);
	return TEST_PASS;
}
