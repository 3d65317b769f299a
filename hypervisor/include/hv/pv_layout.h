/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The start-of-day layout of a 64-bit PV domain (docs/abi-core.md §1.5,
 * docs/toolstack.md §1.7), planned in one place for every builder: the
 * hypervisor's boot-time builder, the test guests' peer builder and
 * libvmctl in dom0. Pure arithmetic on the ELF reader's result (elf.h):
 * no allocation, no output, nothing but fixed-width types, so each of
 * them and the host unit tests compile the same pv_layout.c. It is not
 * ABI: nothing here crosses a privilege boundary.
 */
#ifndef HV_PV_LAYOUT_H
#define HV_PV_LAYOUT_H

#include <hv/elf.h>

/* What the builder is asked to build. */
struct pv_layout_request {
	const struct pv_kernel *k;	/* from elf_parse_pv_kernel() */
	uint64_t nr_pages;		/* the domain's memory (start_info.nr_pages) */
	uint64_t initrd_bytes;		/* 0: no initrd */
	bool dom0;			/* Xen's dom0 builder's rules, else libxenguest's */
	bool rings;			/* xenstore and console pages (a domU's) */
};

/* Bootstrap page-table frames per level. */
struct pv_pt_count {
	uint64_t l4, l3, l2, l1;
};

/*
 * The plan. The region [v_start, v_end) maps pfn n at v_start + n * 4096;
 * every VA below is in it except an INIT_P2M mfn_list. A VA or pfn of 0
 * means "none" (pfn 0 is never an element: the kernel comes first).
 */
struct pv_layout {
	uint64_t v_start, v_end;
	uint64_t initrd;		/* VA of a mapped initrd */
	uint64_t initrd_pfn, initrd_pages;	/* its frames, mapped or not */
	uint64_t p2m;			/* start_info.mfn_list */
	uint64_t p2m_pfn, p2m_pages;	/* the list's frames (whole pages) */
	uint64_t start_info, store, console, pt_base, stack;	/* VAs */
	struct pv_pt_count pt;		/* the region's tables: L4, L3, L2, L1s */
	uint64_t nr_pt_frames;		/* their sum, from pt_base */
	struct pv_pt_count p2m_pt;	/* INIT_P2M's tables, L3s, L2s, L1s */
	uint64_t p2m_pt_pfn;		/* their first pfn (domU: after the list) */
	uint64_t first_p2m_pfn, nr_p2m_frames;	/* INIT_P2M: list and its tables */
	uint64_t mod_start, mod_len;	/* start_info's, for an initrd */
	bool initrd_unmapped;		/* SIF_MOD_START_PFN */
	uint64_t nr_pfns;		/* the layout lies in pfns [0, nr_pfns) */
	/*
	 * dom0: the region's pfns Xen's dom0 builder writes through the new
	 * tables, so that the CPU marks their L1 entries dirty: the kernel's
	 * image, and the p2m list with start_info ([lo, hi) each).
	 */
	bool dom0;
	uint64_t written[2][2];
};

/*
 * Plans r into *l. 0 on success; -EINVAL (an address Xen or Lamina
 * refuses) or -ENOMEM (nr_pages too small, or the region past one L2)
 * with *why saying what, for the caller to print.
 */
int pv_layout_plan(const struct pv_layout_request *r, struct pv_layout *l,
		   const char **why);

/* The pfn of a VA inside the region. */
static inline uint64_t pv_layout_pfn(const struct pv_layout *l, uint64_t va)
{
	return (va - l->v_start) >> 12;
}

/* The pfn of the region's L4 (the vCPU's CR3): its first table. */
static inline uint64_t pv_layout_l4_pfn(const struct pv_layout *l)
{
	return pv_layout_pfn(l, l->pt_base);
}

/*
 * Calls fn once for every page-table entry the layout needs, table by
 * table: entry `index` of the table in pfn `table` maps pfn `target`
 * with the x86 PTE `flags` (the caller turns pfns into frames). The L4's
 * other slots, the hypervisor's included, are the caller's. Stops at the
 * first non-zero return and returns it.
 */
int pv_layout_for_each_pte(const struct pv_layout *l,
			   int (*fn)(void *ctx, uint64_t table, unsigned int index,
				     uint64_t target, uint64_t flags),
			   void *ctx);

#endif
