// SPDX-License-Identifier: GPL-2.0-only
/*
 * The start-of-day layout of a 64-bit PV domain, as Xen 4.17 plans it.
 *
 * The region at VIRT_BASE maps pfns 0 upwards, one page each, and holds,
 * page aligned and in this order (docs/abi-core.md §1.5):
 *
 *   kernel | initrd | p2m list | start_info | [xenstore | console] |
 *   page tables | boot stack | padding (>= 512 KiB, to a 4 MiB boundary)
 *
 * MOD_START_PFN moves the initrd out of the mapping and INIT_P2M the p2m
 * list (mapped at that address by its own L3, L2s and L1s, in one pfn
 * range with the list: after it for a domU, before it for dom0). The number of page-table frames depends on
 * the region's size and the size on that number; both Xen builders search
 * upwards from a small count until the tables fit, and so do we.
 *
 * Xen has two builders, which differ after the region; the request's
 * dom0 flag picks one. Xen's dom0 builder (xen/arch/x86/pv/dom0_build.c)
 * takes the region's frames as one power-of-two chunk, so what follows
 * it (an unmapped initrd, then INIT_P2M's frames) starts past the chunk's
 * spare frames. libxenguest, for a domU (tools/libs/guest/xg_dom_x86.c,
 * xg_dom_core.c), puts the unmapped initrd right after the region, with
 * mod_len rounded to whole pages, then the INIT_P2M frames; and it
 * ignores an INIT_P2M at or above VIRT_BASE or not page aligned.
 * Both count tables per level as Xen's NR(): every 512 GiB, 1 GiB and
 * 2 MiB block the region touches takes an L3, an L2 and an L1, plus the
 * L4. libxenguest allocates them L4, L3, L2, L1s; Xen's dom0 builder
 * allocates each table when its first entry is needed, L4, then the first
 * L1, its L2, the L3, then the other L1s; each builder's order is kept
 * (which pfn holds which table is what a kernel that walks from pt_base
 * meets, tests/guest/conform-start-diff).
 *
 * Lamina's limits, refused with a reason: the region must fit in one L2
 * (the one Linux copies) and stay out of the hypervisor's L4 slots
 * 256-271; the p2m list is mapped with 4 KiB pages only (Xen's dom0 uses
 * 2 MiB pages for a list of 2 MiB or more, so a dom0 of 1 GiB or more
 * reports fewer nr_p2m_frames on Xen), page aligned, in an L4 slot of its
 * own.
 */
#include <hv/pv_layout.h>
#include <lamina/errno.h>

#define PAGE		4096ULL
#define PADDING		(512ULL << 10)
#define CHUNK		(4ULL << 20)

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_US		(1ULL << 2)
#define PTE_A		(1ULL << 5)
#define PTE_D		(1ULL << 6)
#define PTE_GUEST_KERNEL (1ULL << 52)	/* a kernel mapping, as validation marks it */
/*
 * The flags both Xen builders give (their tables show them, as
 * tests/guest/conform-start-diff prints): L4, L3 and L2 entries
 * present, writable, user, accessed and dirty; L1 entries present,
 * user, accessed and bit 52 (validation's marks of a kernel mapping),
 * writable but for the tables, dirty only where Xen's dom0 builder
 * wrote the page through them (see written[]), never for libxenguest,
 * which writes through mappings of its own.
 */
#define PTE_TABLE	(PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D)
#define PTE_PAGE	(PTE_P | PTE_US | PTE_A | PTE_GUEST_KERNEL)

#define FAIL(rc, msg)	do { *why = (msg); return (rc); } while (0)

static uint64_t to_pages(uint64_t bytes)
{
	return (bytes + PAGE - 1) / PAGE;
}

static uint64_t slot(uint64_t va)
{
	return (va >> 39) & 511;
}

/* Xen's NR(): the 2^shift-aligned blocks [lo, hi) touches (hi > lo). */
static uint64_t nr_blocks(uint64_t lo, uint64_t hi, unsigned int shift)
{
	return ((hi - 1) >> shift) - (lo >> shift) + 1;
}

static uint64_t pt_sum(const struct pv_pt_count *c)
{
	return c->l4 + c->l3 + c->l2 + c->l1;
}

/* The tables that map [lo, hi), with or without the L4. */
static void count_tables(uint64_t lo, uint64_t hi, bool l4, struct pv_pt_count *c)
{
	c->l4 = l4;
	c->l3 = nr_blocks(lo, hi, 39);
	c->l2 = nr_blocks(lo, hi, 30);
	c->l1 = nr_blocks(lo, hi, 21);
}

/*
 * The smallest table count whose tables map the region it implies, the
 * region ending at the 4 MiB boundary that leaves the boot stack at least
 * 512 KiB of padding (Xen's dom0 builder's search; libxenguest's, which
 * starts from a guess without tables, lands on the same end).
 */
static void size_region(struct pv_layout *l)
{
	uint64_t n, stack_end;

	for (n = 2;; n++) {
		stack_end = l->pt_base + (n + 1) * PAGE;
		l->v_end = (stack_end + PADDING + CHUNK - 1) & ~(CHUNK - 1);
		if (l->v_end <= l->v_start)
			return;		/* wrapped: check_addresses() refuses it */
		count_tables(l->v_start, l->v_end, true, &l->pt);
		if (pt_sum(&l->pt) <= n)
			return;
	}
}

/* Whether the p2m list goes to the INIT_P2M address (else into the region). */
static bool wants_init_p2m(const struct pv_layout_request *r)
{
	uint64_t base = r->k->p2m_base;

	if (base == PV_UNSET)
		return false;
	if (!r->dom0 && (base >= r->k->virt_base || (base & (PAGE - 1))))
		return false;	/* libxenguest's rule */
	return true;
}

static void plan_region(const struct pv_layout_request *r, struct pv_layout *l, bool init_p2m)
{
	uint64_t cur = (r->k->kend + PAGE - 1) & ~(PAGE - 1);

	l->v_start = r->k->virt_base;
	if (r->initrd_bytes && !l->initrd_unmapped) {
		l->initrd = cur;
		l->initrd_pfn = pv_layout_pfn(l, cur);
		cur += l->initrd_pages * PAGE;
	}
	if (!init_p2m) {
		l->p2m = cur;
		l->p2m_pfn = pv_layout_pfn(l, cur);
		cur += l->p2m_pages * PAGE;
	}
	l->start_info = cur;
	cur += PAGE;
	if (r->rings) {
		l->store = cur;
		l->console = cur + PAGE;
		cur += 2 * PAGE;
	}
	l->pt_base = cur;
	if (r->dom0) {
		l->written[0][0] = pv_layout_pfn(l, r->k->kstart);
		l->written[0][1] = pv_layout_pfn(l, (r->k->kend + PAGE - 1) & ~(PAGE - 1));
		l->written[1][0] = pv_layout_pfn(l, init_p2m ? l->start_info : l->p2m);
		l->written[1][1] = pv_layout_pfn(l, l->start_info) + 1;
	}
	size_region(l);
	l->nr_pt_frames = pt_sum(&l->pt);
	l->stack = l->pt_base + l->nr_pt_frames * PAGE;
}

/* The smallest power of two >= n (n > 0). */
static uint64_t pow2_up(uint64_t n)
{
	uint64_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/*
 * The pfns after the region: an unmapped initrd, then the INIT_P2M list
 * and its tables. Returns the first pfn past them.
 */
static uint64_t plan_after_region(const struct pv_layout_request *r, struct pv_layout *l,
				  bool init_p2m)
{
	uint64_t region = pv_layout_pfn(l, l->v_end), next = region;
	uint64_t mapped = l->initrd_unmapped ? 0 : l->initrd_pages;

	if (r->dom0)		/* the region's chunk, the initrd's frames after it */
		next = pow2_up(region - mapped) + l->initrd_pages;
	if (l->initrd_unmapped) {
		l->initrd_pfn = r->dom0 ? pow2_up(region) : region;
		if (!r->dom0)
			next += l->initrd_pages;
	}
	/*
	 * Xen's dom0 builder reports the pfns it has placed so far as
	 * first_p2m_pfn, INIT_P2M or not (nr_p2m_frames 0 then);
	 * libxenguest only with INIT_P2M.
	 */
	if (r->dom0)
		l->first_p2m_pfn = next;
	if (init_p2m) {
		count_tables(l->p2m, l->p2m + l->p2m_pages * PAGE, false, &l->p2m_pt);
		/*
		 * Xen's dom0 builder allocates each table as it maps the list's
		 * first page under it: L3, L2, L1, then the list (one L1 as
		 * long as the list is under 2 MiB, where Xen's dom0 starts
		 * using 2 MiB pages); libxenguest the list, then its tables.
		 */
		l->first_p2m_pfn = next;
		l->p2m_pt_pfn = r->dom0 ? next : next + l->p2m_pages;
		l->p2m_pfn = r->dom0 ? next + pt_sum(&l->p2m_pt) : next;
		l->nr_p2m_frames = l->p2m_pages + pt_sum(&l->p2m_pt);
		next += l->nr_p2m_frames;
	}
	return next;
}

static bool is_canonical(uint64_t va)
{
	return va < (1ULL << 47) || va >= 0xffff800000000000ULL;
}

static bool is_hypervisor_slot(uint64_t va)
{
	return slot(va) >= 256 && slot(va) < 272;
}

/* Where Xen refuses, and where Lamina's builders cannot go. */
static int check_addresses(const struct pv_layout_request *r, const struct pv_layout *l,
			   bool init_p2m, const char **why)
{
	uint64_t hc = r->k->hypercall_page, p2m_last = l->p2m + l->p2m_pages * PAGE - 1;

	if (l->v_end <= l->v_start || !is_canonical(l->v_start) || !is_canonical(l->v_end - 1) ||
	    is_hypervisor_slot(l->v_start) || is_hypervisor_slot(l->v_end - 1))
		FAIL(-EINVAL, "the start-of-day region overlaps the hypervisor's area");
	if (l->pt.l2 > 1)
		FAIL(-ENOMEM, "the start-of-day region does not fit in one L2 table (1 GiB)");
	if (hc != PV_UNSET && (hc < l->v_start || hc >= l->v_end))
		FAIL(-EINVAL, "the HYPERCALL_PAGE note lies outside the start-of-day region");
	if (init_p2m &&
	    ((l->p2m & (PAGE - 1)) || !is_canonical(l->p2m) || !is_canonical(p2m_last) ||
	     p2m_last < l->p2m || slot(p2m_last) != slot(l->p2m) ||
	     slot(l->p2m) == slot(l->v_start) || is_hypervisor_slot(l->p2m)))
		FAIL(-EINVAL, "INIT_P2M: Lamina maps the p2m list page aligned, in one L4 slot of its own");
	return 0;
}

int pv_layout_plan(const struct pv_layout_request *r, struct pv_layout *l, const char **why)
{
	bool init_p2m = wants_init_p2m(r);
	uint64_t region, chunk;
	int rc;

	*l = (struct pv_layout){ 0 };
	l->dom0 = r->dom0;
	l->initrd_pages = to_pages(r->initrd_bytes);
	l->initrd_unmapped = r->initrd_bytes && r->k->mod_start_pfn;
	l->p2m_pages = to_pages(r->nr_pages * 8);
	if (init_p2m)
		l->p2m = r->k->p2m_base;
	plan_region(r, l, init_p2m);
	rc = check_addresses(r, l, init_p2m, why);
	if (rc)
		return rc;
	region = pv_layout_pfn(l, l->v_end);
	chunk = r->dom0 ? pow2_up(region - (l->initrd_unmapped ? 0 : l->initrd_pages)) : region;
	if (chunk + (r->dom0 ? l->initrd_pages : 0) > r->nr_pages)
		FAIL(-ENOMEM, "too little memory for the kernel and its start-of-day region");
	l->nr_pfns = plan_after_region(r, l, init_p2m);
	if (l->nr_pfns > r->nr_pages)
		FAIL(-ENOMEM, "too little memory for the start-of-day region and the p2m list");
	if (r->initrd_bytes) {
		l->mod_start = l->initrd_unmapped ? l->initrd_pfn : l->initrd;
		l->mod_len = l->initrd_unmapped && !r->dom0 ? l->initrd_pages * PAGE
							    : r->initrd_bytes;
	}
	return 0;
}

typedef int (*pte_fn)(void *ctx, uint64_t table, unsigned int index, uint64_t target,
		      uint64_t flags);

/* Whether Xen's builder wrote region pfn through the tables (dirty). */
static bool written(const struct pv_layout *l, uint64_t pfn)
{
	unsigned int i;

	for (i = 0; i < 2; i++)
		if (pfn >= l->written[i][0] && pfn < l->written[i][1])
			return true;
	return false;
}

/*
 * Maps pages pfn.. at [va, va + len) through the tables whose counts are
 * in c, from pfn first (L3s, then L2s, then L1s), all under one L4 slot
 * and one L3. ro_lo/ro_hi: the pfns to map read-only; all_written: every
 * page dirty (Xen's dom0 INIT_P2M list), else those written[] names.
 * xen_dom0: the tables in Xen's dom0 order (first L1, L2, L3, other L1s;
 * one L3 and one L2 only, as check_addresses() makes the region's),
 * else libxenguest's (L3s, L2s, L1s).
 */
static int map_range(const struct pv_layout *l, uint64_t l4, const struct pv_pt_count *c,
		     uint64_t first, uint64_t start, uint64_t len, uint64_t pfn, uint64_t ro_lo,
		     uint64_t ro_hi, bool all_written, bool xen_dom0, pte_fn fn, void *ctx)
{
	uint64_t l3 = first, l2 = first + c->l3, l1 = l2 + c->l2, i, va;
	int rc;

	if (xen_dom0) {
		l2 = first + 1;
		l3 = first + 2;
		l1 = first + 2;		/* L1 n > 0 at l1 + n; L1 0 at first */
	}
	rc = fn(ctx, l4, slot(start), l3, PTE_TABLE);
	for (i = 0; !rc && i < c->l2; i++)
		rc = fn(ctx, l3, ((start >> 30) + i) & 511, l2 + i, PTE_TABLE);
	for (i = 0; !rc && i < c->l1; i++) {
		uint64_t block = (start >> 21) + i;	/* the 2 MiB the L1 maps */

		rc = fn(ctx, l2 + (block >> 9) - (start >> 30), block & 511,
			xen_dom0 && !i ? first : l1 + i, PTE_TABLE);
	}
	for (va = start; !rc && va < start + len; va += PAGE, pfn++) {
		uint64_t n = (va >> 21) - (start >> 21);	/* which L1 */
		uint64_t flags = PTE_PAGE | (pfn >= ro_lo && pfn < ro_hi ? 0 : PTE_RW) |
				 (all_written || written(l, pfn) ? PTE_D : 0);

		rc = fn(ctx, xen_dom0 && !n ? first : l1 + n, (va >> 12) & 511, pfn, flags);
	}
	return rc;
}

int pv_layout_for_each_pte(const struct pv_layout *l, pte_fn fn, void *ctx)
{
	uint64_t l4 = pv_layout_l4_pfn(l);
	int rc;

	rc = map_range(l, l4, &l->pt, l4 + 1, l->v_start, l->v_end - l->v_start, 0, l4,
		       l4 + l->nr_pt_frames, false, l->dom0 && l->pt.l3 == 1 && l->pt.l2 == 1, fn, ctx);
	if (rc || !l->nr_p2m_frames)
		return rc;
	return map_range(l, l4, &l->p2m_pt, l->p2m_pt_pfn, l->p2m, l->p2m_pages * PAGE, l->p2m_pfn,
			 0, 0, l->dom0, false, fn, ctx);
}
