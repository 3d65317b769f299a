// SPDX-License-Identifier: GPL-2.0-only
/*
 * Building a boot-time PV domain from a boot module (pv-abi-core.md
 * §1.5-1.7): dom0 from the first, unprivileged domains from the others.
 *
 * The guest starts inside one virtual region at VIRT_BASE that maps
 * pseudo-physical memory from pfn 0 upwards, one 4 KiB page per pfn:
 *
 *   kernel | initrd | p2m list | start_info | [xenstore | console] |
 *   page tables | stack | padding
 *
 * ending 4 MiB aligned with at least 512 KiB of padding. The region is
 * reached through L4 -> L3 -> one L2, which Linux requires; every page is
 * writable except the page-table pages. Frames are allocated and zeroed
 * first, then the kernel is copied in, then the tables are written, so a
 * failure part-way leaves nothing to undo but the frames.
 *
 * A domU also gets its xenstore and console ring pages, each with a port
 * dom0 may bind and a reserved grant entry for dom0, which dom0 finds
 * through hvm_op (hvm_op.h): what a toolstack would set up.
 *
 * Two notes move things out of the region, as Xen's builders do: with
 * MOD_START_PFN the initrd is not mapped but placed in the pfns right
 * after the region (start_info.mod_start is then its first pfn, with
 * SIF_MOD_START_PFN); with INIT_P2M the p2m list is mapped at that
 * address instead, by its own L3/L2/L1 tables, its pages and tables
 * forming one pfn range after the region (and the initrd), reported in
 * first_p2m_pfn / nr_p2m_frames. Lamina's limits: the INIT_P2M mapping
 * is page aligned and inside one L4 slot the region does not use.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/elf.h>
#include <hv/hypervisor.h>
#include <hv/page_alloc.h>
#include <hv/mm.h>
#include <hv/event.h>
#include <hv/grant_table.h>
#include <asm/page.h>
#include <asm/pv.h>
#include <lamina/start_info.h>
#include <lamina/grant_table.h>
#include <lamina/xen_x86_64.h>
#include <lamina/hypercall.h>
#include <lamina/version.h>

struct layout {
	uint64_t v_start, v_end;
	uint64_t initrd, p2m, start_info, store, console, pt, stack;	/* VAs */
	uint64_t nr_pt;
	uint64_t initrd_pfn;		/* MOD_START_PFN: the unmapped initrd */
	uint64_t p2m_pfn;		/* first page of the p2m list */
	uint64_t first_p2m_pfn, nr_p2m_frames;	/* INIT_P2M: list and its tables */
};

struct builder {
	struct domain *d;
	struct pv_kernel k;
	const struct boot_module *initrd;
	bool rings;			/* a domU with xenstore and console rings */
	struct layout l;
};

/* The hypervisor's pointer to pseudo-physical byte address pa of the domain. */
static void *pa_ptr(struct builder *b, uint64_t pa)
{
	uint64_t pfn = pa >> PAGE_SHIFT;

	ASSERT(pfn < b->d->nr_pages);
	return (uint8_t *)mfn_to_virt(b->d->p2m[pfn]) + (pa & (PAGE_SIZE - 1));
}

static void *va_ptr(struct builder *b, uint64_t va)
{
	return pa_ptr(b, va - b->l.v_start);
}

static mfn_t mfn_at(struct builder *b, uint64_t va)
{
	return b->d->p2m[(va - b->l.v_start) >> PAGE_SHIFT];
}

/* Copies len bytes to pseudo-physical address pa, page by page (frames need not be contiguous). */
static void copy_pa(struct builder *b, uint64_t pa, const void *src, uint64_t len)
{
	const uint8_t *s = src;

	while (len) {
		uint64_t n = MIN(len, PAGE_SIZE - (pa & (PAGE_SIZE - 1)));

		memcpy(pa_ptr(b, pa), s, n);
		pa += n;
		s += n;
		len -= n;
	}
}

static void copy_in(struct builder *b, uint64_t va, const void *src, uint64_t len)
{
	copy_pa(b, va - b->l.v_start, src, len);
}

static int load_segment(void *ctx, uint64_t va, const void *src, uint64_t filesz,
			uint64_t memsz)
{
	(void)memsz;	/* the rest is already zero: frames come zeroed */
	copy_in(ctx, va, src, filesz);
	return 0;
}

/* Pages of tables that map [va, va + len) below one L3: L3, L2s and L1s. */
static uint64_t nr_tables_for(uint64_t va, uint64_t len)
{
	uint64_t last = va + len - 1;

	return 1 + ((last >> 30) - (va >> 30) + 1) + ((last >> 21) - (va >> 21) + 1);
}

/* The L1 tables that map the region: one per 2 MiB it touches. */
static uint64_t nr_l1_tables(const struct layout *l)
{
	return ((l->v_end - 1) >> 21) - (l->v_start >> 21) + 1;
}

/* The region's virtual layout (§1.5), sized until its page tables fit. */
static void plan_region(struct builder *b)
{
	struct layout *l = &b->l;
	uint64_t cur, needed;

	l->v_start = b->k.virt_base;
	l->nr_pt = 4;
	for (;;) {
		cur = ALIGN_UP(b->k.kend, PAGE_SIZE);
		l->initrd = cur;
		if (b->initrd && !b->k.mod_start_pfn)
			cur += ALIGN_UP(b->initrd->size, PAGE_SIZE);
		l->p2m = cur;
		if (b->k.p2m_base == PV_UNSET)
			cur += ALIGN_UP(b->d->nr_pages * 8, PAGE_SIZE);
		l->start_info = cur;
		cur += PAGE_SIZE;
		if (b->rings) {
			l->store = cur;
			l->console = cur + PAGE_SIZE;
			cur += 2 * PAGE_SIZE;
		}
		l->pt = cur;
		cur += l->nr_pt * PAGE_SIZE;
		l->stack = cur;
		cur += PAGE_SIZE;
		l->v_end = ALIGN_UP(cur + (512ULL << 10), 4ULL << 20);
		needed = 3 + nr_l1_tables(l);
		if (needed <= l->nr_pt)
			break;
		l->nr_pt = needed;
	}
	l->p2m_pfn = (l->p2m - l->v_start) >> PAGE_SHIFT;
}

/* The pfns after the region: an unmapped initrd, then an INIT_P2M list and its tables. */
static uint64_t plan_after_region(struct builder *b)
{
	struct layout *l = &b->l;
	uint64_t pfn = (l->v_end - l->v_start) >> PAGE_SHIFT;
	uint64_t p2m_bytes = ALIGN_UP(b->d->nr_pages * 8, PAGE_SIZE);

	if (b->initrd && b->k.mod_start_pfn) {
		l->initrd_pfn = pfn;
		pfn += DIV_ROUND_UP(b->initrd->size, PAGE_SIZE);
	}
	if (b->k.p2m_base != PV_UNSET) {
		l->first_p2m_pfn = l->p2m_pfn = pfn;
		l->nr_p2m_frames = p2m_bytes / PAGE_SIZE + nr_tables_for(b->k.p2m_base, p2m_bytes);
		l->p2m = b->k.p2m_base;
		pfn += l->nr_p2m_frames;
	}
	return pfn;
}

static bool va_is_canonical(uint64_t va)
{
	return va < (1ULL << 47) || va >= 0xffff800000000000ULL;
}

/* Where Xen refuses (the hypervisor's area) and where Lamina's builder cannot go. */
static int check_addresses(struct builder *b)
{
	const struct layout *l = &b->l;
	uint64_t p2m_last = b->k.p2m_base + ALIGN_UP(b->d->nr_pages * 8, PAGE_SIZE) - 1;
	unsigned int slot = L4_INDEX(l->v_start);

	if (!va_is_canonical(l->v_start) || (slot >= 256 && slot < 272)) {
		pr_err("d%u: the start-of-day region overlaps the hypervisor's area\n", b->d->domid);
		return -EINVAL;
	}
	if (L2_INDEX(l->v_start) + nr_l1_tables(l) > 512) {
		pr_err("d%u: the start-of-day region does not fit in one L2 table (1 GiB)\n",
		       b->d->domid);
		return -ENOMEM;
	}
	if (b->k.hypercall_page != PV_UNSET && b->k.hypercall_page >= l->v_end) {
		pr_err("d%u: the HYPERCALL_PAGE note lies outside the start-of-day region\n",
		       b->d->domid);
		return -EINVAL;
	}
	if (b->k.p2m_base != PV_UNSET &&
	    ((b->k.p2m_base & (PAGE_SIZE - 1)) || !va_is_canonical(b->k.p2m_base) ||
	     !va_is_canonical(p2m_last) || L4_INDEX(p2m_last) != L4_INDEX(b->k.p2m_base) ||
	     L4_INDEX(b->k.p2m_base) == slot ||
	     (L4_INDEX(b->k.p2m_base) >= 256 && L4_INDEX(b->k.p2m_base) < 272))) {
		pr_err("d%u: INIT_P2M %#llx: Lamina maps the p2m list page aligned, in one L4 slot of its own\n",
		       b->d->domid, (unsigned long long)b->k.p2m_base);
		return -EINVAL;
	}
	return 0;
}

static int plan_layout(struct builder *b)
{
	uint64_t pages;
	int rc;

	plan_region(b);
	pages = plan_after_region(b);
	rc = check_addresses(b);
	if (rc)
		return rc;
	if (pages > b->d->nr_pages) {
		pr_err("d%u: too little memory: the kernel and its boot data need %llu MiB\n",
		       b->d->domid, (unsigned long long)(pages >> 8) + 1);
		return -ENOMEM;
	}
	return 0;
}

static int alloc_memory(struct builder *b)
{
	struct domain *d = b->d;
	uint64_t pfn, p2m_pages = DIV_ROUND_UP(d->nr_pages * 8, PAGE_SIZE);
	mfn_t p2m_mfn = alloc_frames_contig(p2m_pages);

	if (p2m_mfn == INVALID_MFN)
		return -ENOMEM;
	d->p2m = mfn_to_virt(p2m_mfn);
	d->p2m_frames = p2m_pages;		/* freed with the domain */
	for (pfn = 0; pfn < d->nr_pages; pfn++) {
		mfn_t mfn = alloc_frame();

		if (mfn == INVALID_MFN) {
			pr_err("d%u: out of memory after %llu of %llu pages\n", d->domid,
			       (unsigned long long)pfn, (unsigned long long)d->nr_pages);
			return -ENOMEM;
		}
		d->p2m[pfn] = mfn;
		m2p[mfn] = pfn;
		frame_table[mfn].owner = d->domid;	/* the allocation reference */
	}
	return 0;
}

#define PT_FLAGS	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)

static pte_t *pfn_table(struct builder *b, uint64_t pfn)
{
	return pa_ptr(b, pfn << PAGE_SHIFT);
}

/*
 * INIT_P2M: maps the p2m list's pages at p2m_base through their own L3,
 * L2s and L1s, which follow the list in its pfn range and are mapped
 * nowhere (so they can be validated as tables).
 */
static void map_init_p2m(struct builder *b, pte_t *l4)
{
	const struct layout *l = &b->l;
	uint64_t pages = DIV_ROUND_UP(b->d->nr_pages * 8, PAGE_SIZE);
	uint64_t base = b->k.p2m_base, va, i;
	uint64_t l3_pfn = l->p2m_pfn + pages, l2_pfn = l3_pfn + 1, l1_pfn;
	uint64_t nr_l2 = ((base + pages * PAGE_SIZE - 1) >> 30) - (base >> 30) + 1;
	pte_t *l3 = pfn_table(b, l3_pfn);

	l1_pfn = l2_pfn + nr_l2;
	l4[L4_INDEX(base)] = mk_pte(b->d->p2m[l3_pfn], PT_FLAGS);
	for (i = 0; i < pages; i++) {
		uint64_t l2i = ((base + i * PAGE_SIZE) >> 30) - (base >> 30);
		uint64_t l1i = ((base + i * PAGE_SIZE) >> 21) - (base >> 21);
		pte_t *l2 = pfn_table(b, l2_pfn + l2i);
		pte_t *l1 = pfn_table(b, l1_pfn + l1i);

		va = base + i * PAGE_SIZE;
		l3[L3_INDEX(va)] = mk_pte(b->d->p2m[l2_pfn + l2i], PT_FLAGS);
		l2[L2_INDEX(va)] = mk_pte(b->d->p2m[l1_pfn + l1i], PT_FLAGS);
		l1[L1_INDEX(va)] = mk_pte(b->d->p2m[l->p2m_pfn + i], PT_FLAGS | _PAGE_DIRTY);
	}
}

static void build_page_tables(struct builder *b)
{
	struct layout *l = &b->l;
	pte_t *l4 = va_ptr(b, l->pt);
	pte_t *l3 = va_ptr(b, l->pt + PAGE_SIZE);
	pte_t *l2 = va_ptr(b, l->pt + 2 * PAGE_SIZE);
	uint64_t va, pt_end = l->pt + l->nr_pt * PAGE_SIZE;
	uint64_t first_l2 = L2_INDEX(l->v_start);

	mm_copy_hypervisor_slots(l4);
	l4[L4_INDEX(l->v_start)] = mk_pte(mfn_at(b, l->pt + PAGE_SIZE), PT_FLAGS);
	l3[L3_INDEX(l->v_start)] = mk_pte(mfn_at(b, l->pt + 2 * PAGE_SIZE), PT_FLAGS);
	for (va = l->v_start; va < l->v_end; va += PAGE_SIZE) {
		uint64_t i = (va >> 21) - (l->v_start >> 21);	/* v_start: page aligned */
		uint64_t l1_va = l->pt + (3 + i) * PAGE_SIZE;
		pte_t *l1 = va_ptr(b, l1_va);
		uint64_t flags = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;

		l2[first_l2 + i] = mk_pte(mfn_at(b, l1_va), PT_FLAGS);
		if (va < l->pt || va >= pt_end)
			flags |= _PAGE_RW;	/* page-table pages stay read-only */
		l1[L1_INDEX(va)] = mk_pte(mfn_at(b, va), flags);
	}
	if (b->k.p2m_base != PV_UNSET)
		map_init_p2m(b, l4);
}

/* Fills the legacy hypercall page (§1.4): syscall stubs, iret at slot 23. */
void pv_fill_hypercall_page(uint8_t *p)
{
	static const uint8_t iret[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 23, 0, 0, 0, 0x0f, 0x05 };
	unsigned int i;

	memset(p, 0xcc, PAGE_SIZE);
	for (i = 0; i < HYPERCALL_PAGE_SLOTS; i++) {
		uint8_t *s = p + i * HYPERCALL_PAGE_SLOT_SIZE;
		const uint8_t stub[] = { 0x51, 0x41, 0x53, 0xb8, (uint8_t)i, 0, 0, 0,
					 0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3 };

		if (i == __HYPERVISOR_iret)
			memcpy(s, iret, sizeof(iret));
		else
			memcpy(s, stub, sizeof(stub));
	}
}

/* The guest's p2m list, padded to whole pages with invalid entries. */
static void fill_p2m_list(struct builder *b)
{
	uint64_t pfn, *list = NULL;

	for (pfn = 0; pfn < ALIGN_UP(b->d->nr_pages, 512); pfn++) {
		if (!(pfn % 512))
			list = pa_ptr(b, (b->l.p2m_pfn << PAGE_SHIFT) + pfn * 8);
		list[pfn % 512] = pfn < b->d->nr_pages ? b->d->p2m[pfn] : ~0ULL;
	}
}

static void fill_start_info(struct builder *b, const char *cmdline)
{
	struct start_info *si = va_ptr(b, b->l.start_info);
	struct domain *d = b->d;

	memset(si, 0, sizeof(*si));
	strlcpy(si->magic, START_INFO_MAGIC, sizeof(si->magic));
	si->nr_pages = d->nr_pages;
	si->shared_info = d->shared_info_mfn << PAGE_SHIFT;
	si->flags = d->is_privileged ? SIF_PRIVILEGED | SIF_INITDOMAIN : 0;
	si->pt_base = b->l.pt;
	si->nr_pt_frames = b->l.nr_pt;
	si->mfn_list = b->l.p2m;
	si->first_p2m_pfn = b->l.first_p2m_pfn;
	si->nr_p2m_frames = b->l.nr_p2m_frames;
	if (b->initrd) {
		si->mod_start = b->k.mod_start_pfn ? b->l.initrd_pfn : b->l.initrd;
		si->mod_len = b->initrd->size;
		if (b->k.mod_start_pfn)
			si->flags |= SIF_MOD_START_PFN;
	}
	strlcpy(si->cmd_line, cmdline, sizeof(si->cmd_line));
	si->store_mfn = d->store_mfn;
	si->store_evtchn = d->store_port;
	si->console.domU.mfn = d->console_mfn;
	si->console.domU.evtchn = d->console_port;
}

/* A domU's xenstore and console rings, offered to dom0 (hvm_op.h). */
static int setup_rings(struct builder *b)
{
	struct domain *d = b->d;
	int store = evtchn_alloc_unbound(d, 0), console = evtchn_alloc_unbound(d, 0);

	if (store < 0 || console < 0)
		return -ENOSPC;
	d->store_mfn = mfn_at(b, b->l.store);
	d->console_mfn = mfn_at(b, b->l.console);
	d->store_port = store;
	d->console_port = console;
	if (grant_seed(d, GNTTAB_RESERVED_XENSTORE, 0, d->store_mfn) ||
	    grant_seed(d, GNTTAB_RESERVED_CONSOLE, 0, d->console_mfn))
		return -ENOMEM;
	return 0;
}

static void init_vcpu(struct builder *b)
{
	struct vcpu *v = &b->d->vcpu0;
	struct cpu_regs *r = &v->arch.regs;

	memset(r, 0, sizeof(*r));
	r->rip = b->k.entry;
	r->cs = FLAT_KERNEL_CS;
	r->rflags = 0x200;
	r->rsp = b->l.stack + PAGE_SIZE;
	r->ss = FLAT_KERNEL_SS;
	r->rsi = b->l.start_info;
	v->arch.kernel_mode = true;
	v->arch.kernel_ss = FLAT_KERNEL_SS;
	v->arch.kernel_sp = r->rsp;
	v->arch.guest_cr3 = mfn_at(b, b->l.pt) << PAGE_SHIFT;
	v->vcpu_info = &b->d->shared_info->vcpu_info[0];
	vcpu_fpu_init(v);
}

int domain_shared_info_init(struct domain *d)
{
	unsigned int i;

	d->shared_info_mfn = alloc_frame();
	if (d->shared_info_mfn == INVALID_MFN)
		return -ENOMEM;
	d->shared_info = mfn_to_virt(d->shared_info_mfn);
	frame_share_with(d->shared_info_mfn, d);	/* the guest maps it RW */
	for (i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
		d->shared_info->vcpu_info[i].evtchn_upcall_mask = 1;
	return 0;
}

static void print_layout(const struct builder *b)
{
	const struct layout *l = &b->l;

	pr_info("d%u (%s): %llu MiB, kernel %#llx-%#llx, entry %#llx%s\n", b->d->domid,
		b->d->name, (unsigned long long)(b->d->nr_pages >> 8), (unsigned long long)b->k.kstart,
		(unsigned long long)b->k.kend, (unsigned long long)b->k.entry,
		b->k.hypercall_page != PV_UNSET ? ", hypercall page" : "");
	pr_info("d%u: start %#llx, p2m %#llx, start_info %#llx, page tables %#llx (%llu), stack %#llx, end %#llx\n",
		b->d->domid, (unsigned long long)l->v_start, (unsigned long long)l->p2m,
		(unsigned long long)l->start_info,
		(unsigned long long)l->pt, (unsigned long long)l->nr_pt,
		(unsigned long long)l->stack, (unsigned long long)l->v_end);
	if (b->k.p2m_base != PV_UNSET)
		pr_info("d%u: p2m list mapped at INIT_P2M, pfns %#llx-%#llx with its tables\n",
			b->d->domid, (unsigned long long)l->first_p2m_pfn,
			(unsigned long long)(l->first_p2m_pfn + l->nr_p2m_frames - 1));
	if (b->initrd && b->k.mod_start_pfn)
		pr_info("d%u: initrd not mapped (MOD_START_PFN), from pfn %#llx\n",
			b->d->domid, (unsigned long long)l->initrd_pfn);
	if (b->rings)
		pr_info("d%u: xenstore ring mfn %#llx port %u, console ring mfn %#llx port %u\n",
			b->d->domid, (unsigned long long)b->d->store_mfn, b->d->store_port,
			(unsigned long long)b->d->console_mfn, b->d->console_port);
}

/*
 * Builds domain `domid` from a kernel module (and an initrd module, or
 * NULL); dom0 is the privileged one, a domU has rings if asked. Returns the domain, or NULL after
 * printing why it could not be built.
 */
struct domain *domain_build(domid_t domid, const char *name, const struct boot_module *kernel,
			    const struct boot_module *initrd, const char *cmdline,
			    uint64_t mem_bytes, bool rings)
{
	struct builder b = { .initrd = initrd, .rings = rings && domid != 0 };
	bool privileged = domid == 0;
	const char *why;
	int rc;

	rc = elf_parse_pv_kernel(maddr_to_virt(kernel->start), kernel->size, &b.k, &why);
	if (rc) {
		pr_err("d%u: cannot use the kernel module: %s\n", domid, why);
		return NULL;
	}
	if (privileged && elf_dom0_refusal(&b.k)) {
		pr_err("d0: %s\n", elf_dom0_refusal(&b.k));
		return NULL;
	}
	b.d = domain_alloc(domid, name, privileged);
	if (!b.d)
		return NULL;
	b.d->nr_pages = mem_bytes >> PAGE_SHIFT;
	b.d->max_pages = b.d->nr_pages;
	if (plan_layout(&b))
		return NULL;
	if (alloc_memory(&b) || domain_shared_info_init(b.d) || (b.rings && setup_rings(&b))) {
		pr_err("d%u: not enough free memory for %llu MiB\n", domid,
		       (unsigned long long)(mem_bytes >> 20));
		return NULL;
	}
	elf_for_each_load(&b.k, load_segment, &b);
	if (initrd && b.k.mod_start_pfn)
		copy_pa(&b, b.l.initrd_pfn << PAGE_SHIFT, maddr_to_virt(initrd->start), initrd->size);
	else if (initrd)
		copy_in(&b, b.l.initrd, maddr_to_virt(initrd->start), initrd->size);
	if (b.k.hypercall_page != PV_UNSET)
		pv_fill_hypercall_page(va_ptr(&b, b.k.hypercall_page));
	fill_p2m_list(&b);
	fill_start_info(&b, cmdline);
	build_page_tables(&b);
	init_vcpu(&b);
	/* The bootstrap L4 starts pinned and as the base pointer (§1.5.1). */
	if (pt_pin(b.d, b.d->vcpu0.arch.guest_cr3 >> PAGE_SHIFT, 4) ||
	    get_page_and_type(b.d->vcpu0.arch.guest_cr3 >> PAGE_SHIFT, PGT_l4, b.d)) {
		pr_err("d%u: the bootstrap page tables do not validate\n", domid);
		return NULL;
	}
	print_layout(&b);
	return b.d;
}
