// SPDX-License-Identifier: GPL-2.0-only
/*
 * elf-p2m-mod: the usual notes plus INIT_P2M (0x8000000000, as Linux
 * uses) and MOD_START_PFN, booted with an initrd (this source file); it
 * also carries HV_START_LOW, L1_MFN_VALID and SUSPEND_CANCEL, which a
 * 64-bit builder only records. The builder must map the p2m list at the
 * INIT_P2M address, outside the start-of-day region, with its frames
 * (list and tables) in one pfn range given by first_p2m_pfn /
 * nr_p2m_frames, and leave the initrd unmapped: start_info.mod_start is
 * then its first pfn, with SIF_MOD_START_PFN. Checks the whole list
 * against the M2P, writes its padding entries, and maps the initrd's
 * first frame to read it.
 * @head: -DNOTES_P2M_MOD
 * @initrd: source
 */
#include "lib/mm.h"

#define INIT_P2M	0x8000000000UL

static int check_p2m(const struct start_info *si, uint64_t region_pfns)
{
	uint64_t *list = (uint64_t *)si->mfn_list, pfn;
	const uint64_t *m2p = (const uint64_t *)MACH2PHYS_VIRT_START;

	CHECK(si->mfn_list == INIT_P2M, "mfn_list is %#lx, not the INIT_P2M address",
	      (unsigned long)si->mfn_list);
	CHECK(si->nr_p2m_frames > (si->nr_pages * 8 + 4095) / 4096,
	      "nr_p2m_frames %lu leaves no room for the list's page tables",
	      (unsigned long)si->nr_p2m_frames);
	CHECK(si->first_p2m_pfn >= region_pfns &&
	      si->first_p2m_pfn + si->nr_p2m_frames <= si->nr_pages,
	      "the p2m frames %#lx+%lu are not after the region (%#lx pfns)",
	      (unsigned long)si->first_p2m_pfn, (unsigned long)si->nr_p2m_frames,
	      (unsigned long)region_pfns);
	for (pfn = 0; pfn < si->nr_pages; pfn++)
		CHECK(m2p[list[pfn]] == pfn, "p2m[%#lx] = %#lx, whose M2P entry is %#lx",
		      (unsigned long)pfn, (unsigned long)list[pfn], (unsigned long)m2p[list[pfn]]);
	/* Linux fills the rest of the last page with ~0 straight away. */
	for (pfn = si->nr_pages; pfn % 512; pfn++)
		list[pfn] = ~0UL;
	return TEST_PASS;
}

static int check_initrd(const struct start_info *si, uint64_t region_pfns)
{
	static const char head[] = "// SPDX-License-Identifier: GPL-2.0-only";
	uint64_t va = scratch_page(), pages = (si->mod_len + 4095) / 4096;
	uint64_t mfn;

	CHECK(si->flags & SIF_MOD_START_PFN, "no SIF_MOD_START_PFN (flags %#x)", si->flags);
	CHECK(si->mod_len > sizeof(head), "mod_len %lu", (unsigned long)si->mod_len);
	CHECK(si->mod_start >= region_pfns && si->mod_start + pages <= si->nr_pages,
	      "the initrd pfns %#lx+%lu are not after the region", (unsigned long)si->mod_start,
	      (unsigned long)pages);
	CHECK(si->mod_start + pages <= si->first_p2m_pfn ||
	      si->first_p2m_pfn + si->nr_p2m_frames <= si->mod_start,
	      "the initrd and the p2m frames overlap");
	mfn = ((const uint64_t *)si->mfn_list)[si->mod_start];
	CHECK(update_va_mapping(va, (mfn << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG) == 0,
	      "cannot map the initrd's first frame %#lx", (unsigned long)mfn);
	CHECK(!memcmp((const void *)va, head, sizeof(head) - 1),
	      "the initrd's first frame does not hold this source file");
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	uint64_t region_pfns;
	int rc;

	mm_init(si);
	/* The region ends at a 4 MiB boundary after the boot stack. */
	region_pfns = ((si->pt_base + (si->nr_pt_frames + 1) * 4096 + (512 << 10) +
			(4 << 20) - 1) & ~((4UL << 20) - 1)) - GUEST_VIRT_BASE;
	region_pfns >>= 12;
	printf("mfn_list %#lx, p2m frames %#lx+%lu, initrd pfn %#lx (%lu bytes), flags %#x\n",
	       (unsigned long)si->mfn_list, (unsigned long)si->first_p2m_pfn,
	       (unsigned long)si->nr_p2m_frames, (unsigned long)si->mod_start,
	       (unsigned long)si->mod_len, si->flags);
	rc = check_p2m(si, region_pfns);
	if (rc != TEST_PASS)
		return rc;
	return check_initrd(si, region_pfns);
}
