// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/common/pv_layout.c against the layouts Xen 4.17
 * produces. The dom0 numbers are Xen's own, from its "VIRTUAL MEMORY
 * ARRANGEMENT" lines: Debian's Linux 6.1 as dom0 with dom0_mem=512M (the
 * dom0_tools boot test), and the elf-* and start-info test kernels run
 * with --xen. The domU numbers follow libxenguest's code
 * (xg_dom_x86.c, xg_dom_core.c; docs/toolstack.md §1.7), which has no log here.
 */
#include "../../unit.h"
#include <stdlib.h>
#include <hv/pv_layout.h>
#include <lamina/errno.h>

#define VBASE	0xffffffff80000000ULL
#define INIT_P2M 0x8000000000ULL
#define MIB	(1ULL << 20)
#define PFN(e)	(((e) & 0x000ffffffffff000ULL) >> 12)

static struct pv_kernel k;
static struct pv_layout l;
static const char *why;

/* A kernel at VBASE + kstart_off .. VBASE + kend_off, no optional notes. */
static void kernel(uint64_t base, uint64_t kstart_off, uint64_t kend_off)
{
	memset(&k, 0, sizeof(k));
	k.virt_base = base;
	k.kstart = base + kstart_off;
	k.kend = base + kend_off;
	k.entry = k.kstart;
	k.hypercall_page = PV_UNSET;
	k.p2m_base = PV_UNSET;
	k.hv_start_low = PV_UNSET;
}

/* Debian's 6.1.0 amd64 kernel: 16 MiB to 74 MiB, INIT_P2M and MOD_START_PFN. */
static void linux61(void)
{
	kernel(VBASE, 0x1000000, 0x4a00000);
	k.p2m_base = INIT_P2M;
	k.mod_start_pfn = true;
}

static int plan(uint64_t mib, uint64_t initrd, bool dom0, bool rings)
{
	struct pv_layout_request r = { &k, mib << 8, initrd, dom0, rings };

	why = NULL;
	return pv_layout_plan(&r, &l, &why);
}

static void expect_pt(const struct pv_pt_count *c, uint64_t l4, uint64_t l3, uint64_t l2,
		      uint64_t l1)
{
	EXPECT_EQ(c->l4, l4);
	EXPECT_EQ(c->l3, l3);
	EXPECT_EQ(c->l2, l2);
	EXPECT_EQ(c->l1, l1);
}

/*
 * Xen 4.17, dom0_mem=512M, a 3458085-byte initramfs:
 *   Dom0 alloc.:   0x30000000->0x38000000 (97459 pages to be allocated)
 *   Phys-Mach map: 0000008000000000->0000008000100000
 *   Start info:    ffffffff84a00000->ffffffff84a004b8
 *   Page tables:   ffffffff84a01000->ffffffff84a2a000
 *   Boot stack:    ffffffff84a2a000->ffffffff84a2b000
 *   TOTAL:         ffffffff80000000->ffffffff84c00000
 * The region (76 MiB) takes a 128 MiB chunk: the initrd's 845 pages
 * follow it at pfn 0x8000, then the p2m's 256 pages and 3 tables.
 */
static void linux61_dom0(void)
{
	linux61();
	EXPECT_EQ(plan(512, 3458085, true, false), 0);
	EXPECT_EQ(l.v_start, VBASE);
	EXPECT_EQ(l.v_end, 0xffffffff84c00000ULL);
	EXPECT_EQ(l.start_info, 0xffffffff84a00000ULL);
	EXPECT_EQ(l.store, 0);
	EXPECT_EQ(l.pt_base, 0xffffffff84a01000ULL);
	EXPECT_EQ(l.nr_pt_frames, 0x29);
	expect_pt(&l.pt, 1, 1, 1, 38);
	EXPECT_EQ(l.stack, 0xffffffff84a2a000ULL);
	EXPECT_EQ(l.p2m, INIT_P2M);
	EXPECT_EQ(l.p2m_pages, 0x100);
	EXPECT(l.initrd_unmapped);
	EXPECT_EQ(l.initrd, 0);
	EXPECT_EQ(l.initrd_pfn, 0x8000);
	EXPECT_EQ(l.mod_start, 0x8000);
	EXPECT_EQ(l.mod_len, 3458085);
	EXPECT_EQ(l.first_p2m_pfn, 0x8000 + 845);
	/* Xen's dom0 order (conform-start-diff-p2m): L3, L2, L1, then the list */
	EXPECT_EQ(l.p2m_pt_pfn, l.first_p2m_pfn);
	EXPECT_EQ(l.p2m_pfn, l.first_p2m_pfn + 3);
	expect_pt(&l.p2m_pt, 0, 1, 1, 1);
	EXPECT_EQ(l.nr_p2m_frames, 259);
	EXPECT_EQ(l.nr_pfns, 0x8000 + 845 + 259);
}

/* libxenguest, memory=512: xenstore and console pages, all packed after the region. */
static void linux61_domu(void)
{
	linux61();
	EXPECT_EQ(plan(512, 3458085, false, true), 0);
	EXPECT_EQ(l.start_info, 0xffffffff84a00000ULL);
	EXPECT_EQ(l.store, 0xffffffff84a01000ULL);
	EXPECT_EQ(l.console, 0xffffffff84a02000ULL);
	EXPECT_EQ(l.pt_base, 0xffffffff84a03000ULL);
	EXPECT_EQ(l.nr_pt_frames, 41);
	EXPECT_EQ(l.stack, 0xffffffff84a2c000ULL);
	EXPECT_EQ(l.v_end, 0xffffffff84c00000ULL);
	EXPECT_EQ(l.initrd_pfn, 0x4c00);
	EXPECT_EQ(l.mod_start, 0x4c00);
	EXPECT_EQ(l.mod_len, 845 * 4096);
	EXPECT_EQ(l.first_p2m_pfn, 0x4c00 + 845);
	EXPECT_EQ(l.p2m_pfn, l.first_p2m_pfn);	/* libxenguest: the list, then its tables */
	EXPECT_EQ(l.p2m_pt_pfn, l.p2m_pfn + l.p2m_pages);
	EXPECT_EQ(l.nr_p2m_frames, 259);
	EXPECT_EQ(l.nr_pfns, 0x4c00 + 845 + 259);
}

/* elf-legacy on Xen (dom0_mem=32M): the p2m list in the region. */
static void no_notes_dom0(void)
{
	kernel(VBASE, 0x100000, 0x11d942);
	EXPECT_EQ(plan(32, 0, true, false), 0);
	EXPECT_EQ(l.p2m, 0xffffffff8011e000ULL);
	EXPECT_EQ(l.p2m_pfn, 0x11e);
	EXPECT_EQ(l.p2m_pages, 16);
	EXPECT_EQ(l.start_info, 0xffffffff8012e000ULL);
	EXPECT_EQ(l.pt_base, 0xffffffff8012f000ULL);
	expect_pt(&l.pt, 1, 1, 1, 2);
	EXPECT_EQ(l.stack, 0xffffffff80134000ULL);
	EXPECT_EQ(l.v_end, 0xffffffff80400000ULL);
	/* Xen's dom0 builder: its chunk's size, though nr_p2m_frames is 0 */
	EXPECT_EQ(l.first_p2m_pfn, 0x400);
	EXPECT_EQ(l.nr_p2m_frames, 0);
	EXPECT_EQ(l.nr_pfns, 0x400);
	/* start-info on Xen, dom0_mem=48M: Phys-Mach map ...8011e000->...80136000. */
	EXPECT_EQ(plan(48, 0, true, false), 0);
	EXPECT_EQ(l.start_info, 0xffffffff80136000ULL);
	EXPECT_EQ(l.pt_base, 0xffffffff80137000ULL);
	EXPECT_EQ(l.nr_pt_frames, 5);
}

/* elf-minimal (VIRT_BASE 0) and elf-base4k (VIRT_BASE ...80003000) on Xen. */
static void other_bases(void)
{
	kernel(0, 0x100000, 0x11d942);
	EXPECT_EQ(plan(32, 0, true, false), 0);
	EXPECT_EQ(l.start_info, 0x12e000);
	EXPECT_EQ(l.pt_base, 0x12f000);
	EXPECT_EQ(l.stack, 0x134000);
	EXPECT_EQ(l.v_end, 0x400000);
	kernel(VBASE + 0x3000, 0x100000, 0x11d942);
	EXPECT_EQ(plan(32, 0, true, false), 0);
	EXPECT_EQ(l.p2m, 0xffffffff80121000ULL);
	EXPECT_EQ(l.start_info, 0xffffffff80131000ULL);
	EXPECT_EQ(l.pt_base, 0xffffffff80132000ULL);
	expect_pt(&l.pt, 1, 1, 1, 2);
	EXPECT_EQ(l.v_end, 0xffffffff80400000ULL);
	EXPECT_EQ(l.nr_pfns, 0x400);	/* "Dom0 alloc.": the 0x3fd pages' 4 MiB chunk */
}

/* twodom's dom0 on Xen: a mapped 132144-byte initrd before the p2m list. */
static void mapped_initrd(void)
{
	kernel(VBASE, 0x100000, 0x11d942);
	EXPECT_EQ(plan(32, 132144, true, false), 0);
	EXPECT(!l.initrd_unmapped);
	EXPECT_EQ(l.initrd, 0xffffffff8011e000ULL);
	EXPECT_EQ(l.initrd_pfn, 0x11e);
	EXPECT_EQ(l.mod_start, 0xffffffff8011e000ULL);
	EXPECT_EQ(l.mod_len, 132144);
	EXPECT_EQ(l.p2m, 0xffffffff8013f000ULL);
	EXPECT_EQ(l.start_info, 0xffffffff8014f000ULL);
	EXPECT_EQ(l.pt_base, 0xffffffff80150000ULL);
	EXPECT_EQ(l.stack, 0xffffffff80155000ULL);
	EXPECT_EQ(l.v_end, 0xffffffff80400000ULL);
	/* MOD_START_PFN without INIT_P2M: the p2m list stays in the region. */
	k.mod_start_pfn = true;
	EXPECT_EQ(plan(32, 132144, false, true), 0);
	EXPECT_EQ(l.p2m, 0xffffffff8011e000ULL);
	EXPECT_EQ(l.initrd_pfn, 0x400);
	EXPECT_EQ(l.nr_pfns, 0x400 + 33);
}

/*
 * elf-p2m-mod on Xen (dom0_mem=32M, a 3746-byte initrd): "mfn_list
 * 0x8000000000, p2m frames 0x401+19, initrd pfn 0x400"; Start info
 * ...8011e000, Page tables ...8011f000->...80124000.
 */
static void p2m_mod_dom0(void)
{
	kernel(VBASE, 0x100000, 0x11d942);
	k.p2m_base = INIT_P2M;
	k.mod_start_pfn = true;
	EXPECT_EQ(plan(32, 3746, true, false), 0);
	EXPECT_EQ(l.start_info, 0xffffffff8011e000ULL);
	EXPECT_EQ(l.pt_base, 0xffffffff8011f000ULL);
	EXPECT_EQ(l.stack, 0xffffffff80124000ULL);
	EXPECT_EQ(l.v_end, 0xffffffff80400000ULL);
	EXPECT_EQ(l.initrd_pfn, 0x400);
	EXPECT_EQ(l.first_p2m_pfn, 0x401);
	EXPECT_EQ(l.nr_p2m_frames, 19);
	expect_pt(&l.p2m_pt, 0, 1, 1, 1);
	EXPECT_EQ(l.p2m_pt_pfn, 0x401);
	EXPECT_EQ(l.p2m_pfn, 0x404);
}

/* The same kernel as dom0 and as a domU: only what follows the region moves. */
static void dom0_vs_domu(void)
{
	kernel(VBASE, 0x100000, 0x900000);	/* region 12 MiB: a 16 MiB chunk for dom0 */
	k.p2m_base = INIT_P2M;
	k.mod_start_pfn = true;
	EXPECT_EQ(plan(64, 5000, true, false), 0);
	EXPECT_EQ(l.v_end, VBASE + 12 * MIB);
	EXPECT_EQ(l.initrd_pfn, 0x1000);
	EXPECT_EQ(l.mod_len, 5000);
	EXPECT_EQ(l.first_p2m_pfn, 0x1002);
	EXPECT_EQ(l.nr_p2m_frames, 32 + 3);
	EXPECT_EQ(plan(64, 5000, false, true), 0);
	EXPECT_EQ(l.store, 0xffffffff80901000ULL);
	EXPECT_EQ(l.pt_base, 0xffffffff80903000ULL);
	EXPECT_EQ(l.v_end, VBASE + 12 * MIB);
	EXPECT_EQ(l.initrd_pfn, 0xc00);
	EXPECT_EQ(l.mod_len, 8192);
	EXPECT_EQ(l.first_p2m_pfn, 0xc02);
	/* A domU with rings=off has neither ring page. */
	EXPECT_EQ(plan(64, 0, false, false), 0);
	EXPECT_EQ(l.store, 0);
	EXPECT_EQ(l.console, 0);
	EXPECT_EQ(l.pt_base, 0xffffffff80901000ULL);
	EXPECT_EQ(l.first_p2m_pfn, 0xc00);
	/* libxenguest maps INIT_P2M only below VIRT_BASE and page aligned; Xen's dom0 refuses neither. */
	k.p2m_base = INIT_P2M + 8;
	EXPECT_EQ(plan(64, 0, false, false), 0);
	EXPECT_EQ(l.p2m, 0xffffffff80900000ULL);
	EXPECT_EQ(l.nr_p2m_frames, 0);
	EXPECT_EQ(plan(64, 0, true, false), -EINVAL);
	EXPECT(why != NULL);
}

/*
 * The 4 MiB rounding: a kernel ending at 0x369000 leaves exactly 512 KiB
 * after the boot stack (p2m 16 pages, start_info, 5 tables, stack end at
 * 0x380000); one page more and the region grows to 8 MiB with 7 tables.
 */
static void limit_4mib(void)
{
	kernel(VBASE, 0x100000, 0x369000);
	EXPECT_EQ(plan(32, 0, true, false), 0);
	EXPECT_EQ(l.stack, VBASE + 0x37f000);
	EXPECT_EQ(l.v_end, VBASE + 4 * MIB);
	expect_pt(&l.pt, 1, 1, 1, 2);
	EXPECT_EQ(plan(32, 0, false, false), 0);
	EXPECT_EQ(l.v_end, VBASE + 4 * MIB);
	kernel(VBASE, 0x100000, 0x36a000);
	EXPECT_EQ(plan(32, 0, true, false), 0);
	EXPECT_EQ(l.v_end, VBASE + 8 * MIB);
	expect_pt(&l.pt, 1, 1, 1, 4);
	EXPECT_EQ(l.stack, VBASE + 0x382000);
	/* A region of 4 MiB needs 4 MiB of memory, with the p2m list after it. */
	kernel(VBASE, 0x100000, 0x200000);
	k.p2m_base = INIT_P2M;
	EXPECT_EQ(plan(4, 0, false, false), -ENOMEM);
	EXPECT(why != NULL);
	EXPECT_EQ(plan(5, 0, false, false), 0);
	EXPECT_EQ(l.nr_pfns, 0x400 + 3 + 3);
}

/*
 * One L2: a region of exactly 1 GiB (515 tables: L4, L3, L2 and 512 L1s)
 * fits; one page more of kernel needs a second L2 and is refused.
 */
static void limit_1gib(void)
{
	uint64_t kend = (1ULL << 30) - (512 << 10) - (1 + 515 + 1) * 4096ULL;

	kernel(VBASE, 0x1000000, kend);
	k.p2m_base = INIT_P2M;
	EXPECT_EQ(plan(2048, 0, true, false), 0);
	EXPECT_EQ(l.v_end, 0xffffffffc0000000ULL);
	expect_pt(&l.pt, 1, 1, 1, 512);
	EXPECT_EQ(l.nr_pt_frames, 515);
	EXPECT_EQ(l.first_p2m_pfn, 0x40000);
	expect_pt(&l.p2m_pt, 0, 1, 1, 2);
	EXPECT_EQ(l.nr_p2m_frames, 1024 + 4);
	/* dom0 needs the region's power-of-two chunk, a domU only the region. */
	EXPECT_EQ(plan(1024, 0, true, false), -ENOMEM);
	EXPECT_EQ(plan(1024 + 5, 0, false, false), 0);
	kernel(VBASE, 0x1000000, kend + 4096);
	k.p2m_base = INIT_P2M;
	EXPECT_EQ(plan(2048, 0, true, false), -ENOMEM);
	EXPECT(why && strstr(why, "one L2"));
	/* Crossing a 1 GiB boundary anywhere is the same refusal. */
	kernel(VBASE - 2 * MIB, 0, 0x300000);
	EXPECT_EQ(plan(32, 0, false, false), -ENOMEM);
}

/* Addresses Xen or Lamina refuse. */
static void refusals(void)
{
	kernel(0xffff800000000000ULL, 0x100000, 0x200000);	/* L4 slot 256 */
	EXPECT_EQ(plan(32, 0, true, false), -EINVAL);
	kernel(VBASE, 0x100000, 0x200000);
	k.hypercall_page = VBASE + 0x400000;			/* past the region */
	EXPECT_EQ(plan(32, 0, true, false), -EINVAL);
	k.hypercall_page = VBASE + 0x101000;
	EXPECT_EQ(plan(32, 0, true, false), 0);
	kernel(VBASE, 0x100000, 0x200000);
	k.p2m_base = 0xffffff8000000000ULL;			/* the region's L4 slot */
	EXPECT_EQ(plan(32, 0, true, false), -EINVAL);
	k.p2m_base = 0x7ffffffff000ULL;				/* runs past canonical */
	EXPECT_EQ(plan(32, 0, true, false), -EINVAL);
	k.p2m_base = 0xffff830000000000ULL;			/* the hypervisor's slots */
	EXPECT_EQ(plan(32, 0, true, false), -EINVAL);
	kernel(VBASE, 0x100000, 0x200000);
	k.mod_start_pfn = true;
	EXPECT_EQ(plan(4, 4096, true, false), -ENOMEM);		/* no pfn left for the initrd */
	EXPECT_EQ(plan(4, 4096, false, false), -ENOMEM);
}

/* The tables pv_layout_for_each_pte() writes, kept per table pfn. */
struct table {
	uint64_t pfn;
	uint64_t e[512];
};
static struct table tables[64];
static unsigned int nr_tables;
static int duplicate;

static struct table *table_at(uint64_t pfn)
{
	unsigned int i;

	for (i = 0; i < nr_tables; i++)
		if (tables[i].pfn == pfn)
			return &tables[i];
	if (nr_tables == 64)
		abort();
	tables[nr_tables].pfn = pfn;
	memset(tables[nr_tables].e, 0, sizeof(tables[0].e));
	return &tables[nr_tables++];
}

static int record(void *ctx, uint64_t table, unsigned int index, uint64_t target, uint64_t flags)
{
	struct table *t = table_at(table);

	if (index > 511 || t->e[index])
		duplicate++;
	else
		t->e[index] = target << 12 | flags;
	return 0;
}

/* Walks the recorded tables from the L4: the PTE mapping va, or 0. */
static uint64_t walk(uint64_t va)
{
	uint64_t pfn = pv_layout_l4_pfn(&l), e = 0;
	int level;

	for (level = 3; level >= 0; level--) {
		e = table_at(pfn)->e[(va >> (12 + 9 * level)) & 511];
		if (!(e & 1))
			return 0;
		pfn = PFN(e);
	}
	return e;
}

/* The entry of table pfn at index, as recorded. */
static uint64_t entry(uint64_t pfn, unsigned int index)
{
	return table_at(pfn)->e[index];
}

/*
 * conform-start-diff's kernel (1 MiB to 0x129000) with dom0_mem=48M, as
 * Xen 4.17 builds it: dom0's tables L4, first L1, L2, L3, second L1;
 * L2-L4 entries 0x67; L1 entries 0x27 plus bit 52, read-only (0x25) for
 * the tables, dirty where the builder wrote (kernel, p2m, start_info).
 * libxenguest: L4, L3, L2, L1s, no L1 entry dirty.
 */
static void pte_flags(void)
{
	const uint64_t kernel_pte = 0x27ULL | 1ULL << 52, dirty = 0x40;
	uint64_t p;

	kernel(VBASE, 0x100000, 0x128800);
	EXPECT_EQ(plan(48, 0, true, false), 0);
	nr_tables = duplicate = 0;
	EXPECT_EQ(pv_layout_for_each_pte(&l, record, NULL), 0);
	EXPECT_EQ(duplicate, 0);
	p = pv_layout_l4_pfn(&l);
	EXPECT_EQ(p, 0x142);
	expect_pt(&l.pt, 1, 1, 1, 2);
	EXPECT_EQ(entry(p, 511), (p + 3) << 12 | 0x67);
	EXPECT_EQ(entry(p + 3, 510), (p + 2) << 12 | 0x67);
	EXPECT_EQ(entry(p + 2, 0), (p + 1) << 12 | 0x67);
	EXPECT_EQ(entry(p + 2, 1), (p + 4) << 12 | 0x67);
	EXPECT_EQ(walk(VBASE) & ~0x000ffffffffff000ULL, kernel_pte);
	EXPECT_EQ(walk(VBASE + 0xff000) & ~0x000ffffffffff000ULL, kernel_pte);
	EXPECT_EQ(walk(VBASE + 0x100000) & ~0x000ffffffffff000ULL, kernel_pte | dirty);
	EXPECT_EQ(walk(VBASE + 0x128000) & ~0x000ffffffffff000ULL, kernel_pte | dirty);
	EXPECT_EQ(walk(l.p2m) & ~0x000ffffffffff000ULL, kernel_pte | dirty);
	EXPECT_EQ(walk(l.start_info) & ~0x000ffffffffff000ULL, kernel_pte | dirty);
	EXPECT_EQ(walk(l.pt_base) & ~0x000ffffffffff000ULL, kernel_pte & ~2ULL);
	EXPECT_EQ(walk(l.stack) & ~0x000ffffffffff000ULL, kernel_pte);
	EXPECT_EQ(walk(l.v_end - 4096) & ~0x000ffffffffff000ULL, kernel_pte);
	EXPECT_EQ(l.first_p2m_pfn, 0x400);
	EXPECT_EQ(l.nr_p2m_frames, 0);

	EXPECT_EQ(plan(48, 0, false, true), 0);
	nr_tables = duplicate = 0;
	EXPECT_EQ(pv_layout_for_each_pte(&l, record, NULL), 0);
	EXPECT_EQ(duplicate, 0);
	p = pv_layout_l4_pfn(&l);
	EXPECT_EQ(entry(p, 511), (p + 1) << 12 | 0x67);
	EXPECT_EQ(entry(p + 1, 510), (p + 2) << 12 | 0x67);
	EXPECT_EQ(entry(p + 2, 0), (p + 3) << 12 | 0x67);
	EXPECT_EQ(walk(VBASE + 0x100000) & ~0x000ffffffffff000ULL, kernel_pte);
	EXPECT_EQ(walk(l.start_info) & ~0x000ffffffffff000ULL, kernel_pte);
	EXPECT_EQ(walk(l.console) & ~0x000ffffffffff000ULL, kernel_pte);
	EXPECT_EQ(walk(l.pt_base) & ~0x000ffffffffff000ULL, kernel_pte & ~2ULL);
	EXPECT_EQ(l.first_p2m_pfn, 0);
}

static void page_tables(void)
{
	uint64_t va, ro = 0, i;

	kernel(VBASE + 0x3000, 0x100000, 0x300000);
	k.p2m_base = INIT_P2M;
	EXPECT_EQ(plan(64, 0, false, true), 0);
	nr_tables = duplicate = 0;
	EXPECT_EQ(pv_layout_for_each_pte(&l, record, NULL), 0);
	EXPECT_EQ(duplicate, 0);
	EXPECT_EQ(nr_tables, l.nr_pt_frames + l.nr_p2m_frames - l.p2m_pages);
	for (va = l.v_start; va < l.v_end; va += 4096) {
		uint64_t e = walk(va);

		EXPECT_EQ(PFN(e), (va - l.v_start) >> 12);
		if (!(e & 2))
			ro++;
	}
	EXPECT_EQ(ro, l.nr_pt_frames);
	EXPECT(!(walk(l.pt_base) & 2));
	EXPECT(walk(l.stack) & 2);
	for (i = 0; i < l.p2m_pages; i++)
		EXPECT_EQ(PFN(walk(INIT_P2M + i * 4096)), l.p2m_pfn + i);
	EXPECT(walk(INIT_P2M) & 2);
	EXPECT_EQ(walk(INIT_P2M + l.p2m_pages * 4096), 0);
	EXPECT_EQ(walk(l.v_end), 0);
	EXPECT_EQ(walk(l.v_start - 4096), 0);
}

int main(void)
{
	unit_suite = "pv_layout";
	RUN(linux61_dom0);
	RUN(linux61_domu);
	RUN(no_notes_dom0);
	RUN(other_bases);
	RUN(mapped_initrd);
	RUN(p2m_mod_dom0);
	RUN(dom0_vs_domu);
	RUN(limit_4mib);
	RUN(limit_1gib);
	RUN(refusals);
	RUN(page_tables);
	RUN(pte_flags);
	return 0;
}
