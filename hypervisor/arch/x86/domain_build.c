// SPDX-License-Identifier: GPL-2.0-only
/*
 * Building a boot-time PV domain from a boot module (pv-abi-core.md
 * §1.5-1.7): dom0 from the first, unprivileged domains from the others.
 *
 * The layout (the region at VIRT_BASE that maps pfns 0 upwards, and
 * what MOD_START_PFN and INIT_P2M move out of it) is planned by
 * common/pv_layout.c, which every builder shares: dom0 gets the layout
 * Xen's dom0 builder makes, a domU libxenguest's. Frames are allocated
 * and zeroed first, then the kernel is copied in, then the tables are
 * written, so a failure part-way leaves nothing to undo but the frames:
 * the half-built domain is then destroyed as any other (build_failed),
 * which gives back its frames, its record, its slot and its id.
 *
 * A domU also gets its xenstore and console ring pages, each with a port
 * dom0 may bind and a reserved grant entry for dom0, which dom0 finds
 * through hvm_op (hvm_op.h): what a toolstack would set up.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/elf.h>
#include <hv/decompress.h>
#include <hv/pv_layout.h>
#include <hv/hypervisor.h>
#include <hv/page_alloc.h>
#include <hv/mm.h>
#include <hv/event.h>
#include <hv/grant_table.h>
#include <asm/page.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <lamina/start_info.h>
#include <lamina/grant_table.h>
#include <lamina/xen_x86_64.h>
#include <lamina/hypercall.h>
#include <lamina/version.h>
#include <lamina/domctl.h>

struct builder {
	struct domain *d;
	struct pv_kernel k;
	const struct boot_module *initrd;
	bool rings;			/* a domU with xenstore and console rings */
	struct pv_layout l;
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

static int plan_layout(struct builder *b)
{
	struct pv_layout_request r = {
		.k = &b->k,
		.nr_pages = b->d->nr_pages,
		.initrd_bytes = b->initrd ? b->initrd->size : 0,
		.dom0 = b->d->is_privileged,
		.rings = b->rings,
	};
	const char *why;
	int rc = pv_layout_plan(&r, &b->l, &why);

	if (rc)
		pr_err("d%u: %s\n", b->d->domid, why);
	return rc;
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

static int write_pte(void *ctx, uint64_t table, unsigned int index, uint64_t target,
		     uint64_t flags)
{
	struct builder *b = ctx;
	pte_t *t = pa_ptr(b, table << PAGE_SHIFT);

	t[index] = mk_pte(b->d->p2m[target], flags);
	return 0;
}

static void build_page_tables(struct builder *b)
{
	mm_copy_hypervisor_slots(pa_ptr(b, pv_layout_l4_pfn(&b->l) << PAGE_SHIFT));
	pv_layout_for_each_pte(&b->l, write_pte, b);
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

/*
 * Writes the hypercall stubs into frame mfn of d's, which must take the
 * writable type (not a page table, descriptor page or hypervisor-shared
 * frame): DOMCTL_hypercall_init and the guest's write of the
 * hypercall-page MSR 0x40000000 (emul_priv.c), as Xen 4.17's
 * init_hypercall_page callers.
 */
long pv_init_hypercall_page(struct domain *d, uint64_t mfn)
{
	if (mfn >= frame_table_size || get_page(mfn, d))
		return trace_err(-EINVAL);
	if (get_page_type(mfn, PGT_writable, d)) {
		put_page(mfn);
		return trace_err(-EPERM);
	}
	pv_fill_hypercall_page(frame_va(mfn));
	put_page_and_type(mfn, d);
	return 0;
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

/*
 * dom0's console after its start_info (docs/abi-core.md §1.7), as Xen 4.17
 * gives it: the colour text mode the BIOS left, read from its data area
 * (mode 0x449, columns 0x44A, cursor 0x450, last row 0x484, character
 * height 0x485; the first MiB is never handed out), or video type 0 when
 * the area shows none. Xen offers the 40 bytes either way.
 */
static void fill_dom0_console(struct start_info *si)
{
	struct dom0_vga_console_info *ci = (struct dom0_vga_console_info *)(si + 1);
	const uint8_t *bda = maddr_to_virt(0x400);
	unsigned int cols = bda[0x4A] | bda[0x4B] << 8, rows = bda[0x84] + 1U;
	unsigned int font = bda[0x85] | bda[0x86] << 8;

	memset(ci, 0, sizeof(*ci));
	si->console.dom0.info_off = sizeof(*si);
	si->console.dom0.info_size = sizeof(*ci);
	if (bda[0x49] != 3 || cols < 40 || cols > 255 || rows < 2 || font < 1 || font > 32)
		return;
	ci->video_type = XEN_VGATYPE_TEXT_MODE_3;
	ci->u.text_mode_3.font_height = (uint16_t)font;
	ci->u.text_mode_3.columns = (uint16_t)cols;
	ci->u.text_mode_3.rows = (uint16_t)rows;
	if (bda[0x50] < cols && bda[0x51] < rows) {
		ci->u.text_mode_3.cursor_x = bda[0x50];
		ci->u.text_mode_3.cursor_y = bda[0x51];
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
	si->pt_base = b->l.pt_base;
	si->nr_pt_frames = b->l.nr_pt_frames;
	si->mfn_list = b->l.p2m;
	si->first_p2m_pfn = b->l.first_p2m_pfn;
	si->nr_p2m_frames = b->l.nr_p2m_frames;
	si->mod_start = b->l.mod_start;
	si->mod_len = b->l.mod_len;
	if (b->l.initrd_unmapped)
		si->flags |= SIF_MOD_START_PFN;
	strlcpy(si->cmd_line, cmdline, sizeof(si->cmd_line));
	si->store_mfn = d->store_mfn;
	si->store_evtchn = d->store_port;
	si->console.domU.mfn = d->console_mfn;
	si->console.domU.evtchn = d->console_port;
	if (d->is_privileged)
		fill_dom0_console(si);
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

/*
 * dom0's vCPUs as Xen 4.17 counts them: one per pCPU (one here), raised
 * to dom0_max_vcpus='s minimum, lowered to its maximum, at most
 * CONFIG_MAX_VCPUS (Xen's cap is MAX_VIRT_CPUS); a domU built at boot
 * has one.
 */
static unsigned int boot_vcpus(bool privileged)
{
	unsigned int n = 1;

	if (!privileged)
		return 1;
	if (hv_opts.dom0_vcpus_min > n)
		n = hv_opts.dom0_vcpus_min;
	if (hv_opts.dom0_vcpus_max < n)
		n = hv_opts.dom0_vcpus_max;
	return MIN(n, CONFIG_MAX_VCPUS);
}

/* Every vCPU (down, but vCPU 0, which init_vcpu gives its context). */
static int create_vcpus(struct domain *d, unsigned int n)
{
	unsigned int i;

	if (domain_vcpus_alloc(d, n))
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (!vcpu_create(d, i))
			return -ENOMEM;
	return 0;
}

static void init_vcpu(struct builder *b)
{
	struct vcpu *v = b->d->vcpu[0];
	struct cpu_regs *r = &v->arch.regs;

	memset(r, 0, sizeof(*r));
	r->rip = b->k.entry;
	r->cs = FLAT_KERNEL_CS;
	r->rflags = X86_EFLAGS_IF;
	r->rsp = b->l.stack + PAGE_SIZE;
	r->ss = FLAT_KERNEL_SS;
	r->rsi = b->l.start_info;
	v->arch.kernel_mode = true;
	v->arch.kernel_ss = FLAT_KERNEL_SS;
	v->arch.kernel_sp = r->rsp;
	v->arch.guest_cr3 = mfn_at(b, b->l.pt_base) << PAGE_SHIFT;
	v->vcpu_info = &b->d->shared_info->vcpu_info[0];
	v->initialised = true;
	vcpu_fpu_init(v);
}

/*
 * A zeroed shared_info: every vCPU's upcall mask 0, as Xen 4.17's
 * domain_create leaves it (createdomain). The builder masks them, as Xen's
 * dom0 builder and libxenguest do: build() below, vmctl's, the test
 * guests' (tests/guest/lib/peer.c). Until 5 Dec they were masked here,
 * and a domain made by createdomain saw 1 where Xen's sees 0 (vcpu-block-down).
 */
int domain_shared_info_init(struct domain *d)
{
	d->shared_info_mfn = alloc_frame();
	if (d->shared_info_mfn == INVALID_MFN)
		return -ENOMEM;
	d->shared_info = mfn_to_virt(d->shared_info_mfn);
	frame_share_with(d->shared_info_mfn, d);	/* the guest maps it RW */
	return 0;
}

/* The builder's: every legacy vCPU slot's upcalls masked until its kernel unmasks them. */
static void mask_upcalls(struct domain *d)
{
	unsigned int i;

	for (i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
		d->shared_info->vcpu_info[i].evtchn_upcall_mask = 1;
}

static void print_layout(const struct builder *b)
{
	const struct pv_layout *l = &b->l;

	pr_info("d%u (%s): %llu MiB, kernel %#llx-%#llx, entry %#llx%s\n", b->d->domid,
		b->d->name, (unsigned long long)(b->d->nr_pages >> 8), (unsigned long long)b->k.kstart,
		(unsigned long long)b->k.kend, (unsigned long long)b->k.entry,
		b->k.hypercall_page != PV_UNSET ? ", hypercall page" : "");
	pr_info("d%u: start %#llx, p2m %#llx, start_info %#llx, page tables %#llx (%llu), stack %#llx, end %#llx\n",
		b->d->domid, (unsigned long long)l->v_start, (unsigned long long)l->p2m,
		(unsigned long long)l->start_info,
		(unsigned long long)l->pt_base, (unsigned long long)l->nr_pt_frames,
		(unsigned long long)l->stack, (unsigned long long)l->v_end);
	if (l->nr_p2m_frames)
		pr_info("d%u: p2m list mapped at INIT_P2M, pfns %#llx-%#llx with its tables\n",
			b->d->domid, (unsigned long long)l->first_p2m_pfn,
			(unsigned long long)(l->first_p2m_pfn + l->nr_p2m_frames - 1));
	if (l->initrd_unmapped)
		pr_info("d%u: initrd not mapped (MOD_START_PFN), from pfn %#llx\n",
			b->d->domid, (unsigned long long)l->initrd_pfn);
	if (b->rings)
		pr_info("d%u: xenstore ring mfn %#llx port %u, console ring mfn %#llx port %u\n",
			b->d->domid, (unsigned long long)b->d->store_mfn, b->d->store_port,
			(unsigned long long)b->d->console_mfn, b->d->console_port);
}

/*
 * A build that stopped part-way: the domain goes the way a destroyed one
 * goes. Its base pointer was never referenced (that is the last step),
 * so the vCPU has none to let go of; a pinned L4 is unpinned there.
 */
static struct domain *build_failed(struct domain *d)
{
	if (d->vcpu && d->vcpu[0])
		d->vcpu[0]->arch.guest_cr3 = 0;
	domain_kill_all(d);
	return NULL;
}

/* The kernel's ELF image, decoded if the module is a bzImage or compressed. */
struct kernel_elf {
	const void *image;
	size_t size;
	mfn_t buf;		/* frames holding the decoded image, or INVALID_MFN */
	uint64_t buf_pages;
};

/* TSC cycles spent decoding kernel modules (setup.c prints them once time is known). */
static uint64_t decode_cycles;

uint64_t domain_build_decode_cycles(void)
{
	return decode_cycles;
}

/*
 * A decoder's work area (hv/decompress.h): contiguous frames, as the
 * output's, for the one call. Not a static: bunzip2's 3.6 MB would stay
 * in the image for ever for a few hundred ms of boot.
 */
void *decomp_work_alloc(size_t bytes)
{
	mfn_t m = alloc_frames_contig(DIV_ROUND_UP(bytes, PAGE_SIZE));

	return m == INVALID_MFN ? NULL : mfn_to_virt(m);
}

void decomp_work_free(void *p, size_t bytes)
{
	free_frames(virt_to_maddr(p) >> PAGE_SHIFT, DIV_ROUND_UP(bytes, PAGE_SIZE));
}

static int decode_into(domid_t domid, const struct kimage *k, uint64_t size,
		       struct kernel_elf *e, const char **why)
{
	uint64_t t0;
	long n;

	e->buf_pages = DIV_ROUND_UP(size, PAGE_SIZE);
	e->buf = alloc_frames_contig(e->buf_pages);
	if (e->buf == INVALID_MFN) {
		pr_err("d%u: no room to decode the %s kernel: %llu MiB needed\n", domid,
		       kimage_format_name(k->format), (unsigned long long)(size >> 20) + 1);
		return -ENOMEM;
	}
	t0 = rdtsc();
	n = kimage_decode(k, mfn_to_virt(e->buf), e->buf_pages << PAGE_SHIFT, why);
	decode_cycles += rdtsc() - t0;
	if (n < 0) {
		if (n == -ENOMEM)	/* kernel_elf_get says nothing of it */
			pr_err("d%u: cannot use the %s kernel module: %s\n", domid,
			       kimage_format_name(k->format), *why);
		free_frames(e->buf, e->buf_pages);
		e->buf = INVALID_MFN;
		return (int)n;
	}
	e->image = mfn_to_virt(e->buf);
	e->size = (size_t)n;
	return 0;
}

/*
 * The ELF inside a kernel module (hv/decompress.h): the module itself, a
 * bzImage's payload, or the decoded image in frames of the hypervisor's
 * (given back by kernel_elf_put once the kernel is loaded). A module that
 * is none of these goes to the ELF reader as it is, which says why not.
 */
static int kernel_elf_get(domid_t domid, const struct boot_module *m, struct kernel_elf *e)
{
	struct kimage k;
	const char *why = NULL;
	uint64_t size;
	int rc;

	e->image = maddr_to_virt(m->start);
	e->size = m->size;
	e->buf = INVALID_MFN;
	if (kimage_locate(e->image, e->size, &k, &why)) {
		pr_err("d%u: cannot use the kernel module: %s\n", domid, why);
		return -EINVAL;
	}
	if (k.format == KIMAGE_ELF) {
		e->image = k.data;
		e->size = k.len;
		return 0;
	}
	if (k.format == KIMAGE_UNKNOWN)
		return 0;	/* the ELF reader says why not */
	/* Every other format is one Xen decodes, and so does kimage_decode. */
	size = k.out_len;
	if (!size && k.format == KIMAGE_LZ4) {	/* a bare lz4 module: counted */
		long n = unlz4_legacy(k.data, k.len, NULL, KIMAGE_MAX_OUT);

		size = n > 0 ? (uint64_t)n : 0;
		if (n <= 0) {
			pr_err("d%u: cannot use the lz4 kernel module: %s\n", domid,
			       n == -ENOSPC ? "it decodes to more than 1 GiB" :
			       "the compressed data is corrupt or truncated");
			return -EINVAL;
		}
	}
	if (size) {
		if (size > KIMAGE_MAX_OUT) {
			pr_err("d%u: cannot use the kernel module: it says it decodes to %llu MiB "
			       "(at most %llu)\n", domid, (unsigned long long)(size >> 20),
			       KIMAGE_MAX_OUT >> 20);
			return -EINVAL;
		}
		rc = decode_into(domid, &k, size, e, &why);
	} else {
		/*
		 * A bare xz or zstd module does not say its size: a guess (for
		 * zstd, at least unzstd_size_hint's), doubled while too small.
		 */
		size = MAX(4 * (uint64_t)k.len, 16ULL << 20);
		if (k.format == KIMAGE_ZSTD)
			size = MAX(size, unzstd_size_hint(k.data, k.len));
		for (;;) {
			size = MIN(size, KIMAGE_MAX_OUT);
			rc = decode_into(domid, &k, size, e, &why);
			if (rc != -ENOSPC || size == KIMAGE_MAX_OUT)
				break;
			size *= 2;
		}
	}
	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		pr_err("d%u: cannot use the %s%s kernel module: %s\n", domid,
		       kimage_format_name(k.format), k.bzimage ? " bzImage" : "", why);
		return rc;
	}
	pr_info("d%u: kernel module: %s%s, %llu bytes decoded\n", domid,
		kimage_format_name(k.format), k.bzimage ? " bzImage" : "",
		(unsigned long long)e->size);
	return 0;
}

static void kernel_elf_put(struct kernel_elf *e)
{
	if (e->buf != INVALID_MFN)
		free_frames(e->buf, e->buf_pages);
	e->buf = INVALID_MFN;
}

static struct domain *build(domid_t domid, const char *name, const struct kernel_elf *kernel,
			    const struct boot_module *initrd, const char *cmdline,
			    uint64_t mem_bytes, bool rings);

/*
 * Builds domain `domid` from a kernel module (and an initrd module, or
 * NULL); dom0 is the privileged one, a domU has rings if asked. Returns the domain, or NULL after
 * printing why it could not be built. A decoded kernel's frames go back
 * to the pool before it returns.
 */
struct domain *domain_build(domid_t domid, const char *name, const struct boot_module *kernel,
			    const struct boot_module *initrd, const char *cmdline,
			    uint64_t mem_bytes, bool rings)
{
	struct kernel_elf e;
	struct domain *d;

	if (kernel_elf_get(domid, kernel, &e))
		return NULL;
	d = build(domid, name, &e, initrd, cmdline, mem_bytes, rings);
	kernel_elf_put(&e);
	return d;
}

static struct domain *build(domid_t domid, const char *name, const struct kernel_elf *kernel,
			    const struct boot_module *initrd, const char *cmdline,
			    uint64_t mem_bytes, bool rings)
{
	struct builder b = { .initrd = initrd, .rings = rings && domid != 0 };
	bool privileged = domid == 0;
	const char *why;
	int rc;

	rc = elf_parse_pv_kernel(kernel->image, kernel->size, &b.k, &why);
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
	/*
	 * dom0 without a limit, as Xen 4.17's builder without dom0_mem=max:
	 * (UINT_MAX); Linux sizes its balloon space from it. A domU at its size.
	 */
	b.d->max_pages = privileged ? 0xffffffffULL : b.d->nr_pages;
	/* Xen 4.17 adds the PIT's flag for a PV hardware domain (getdomaininfo shows it). */
	b.d->emulation_flags = privileged ? X86_EMU_PIT : 0;
	if (plan_layout(&b))
		return build_failed(b.d);
	if (alloc_memory(&b) || domain_shared_info_init(b.d) ||
	    create_vcpus(b.d, boot_vcpus(privileged)) || (b.rings && setup_rings(&b))) {
		pr_err("d%u: not enough free memory for %llu MiB\n", domid,
		       (unsigned long long)(mem_bytes >> 20));
		return build_failed(b.d);
	}
	mask_upcalls(b.d);
	elf_for_each_load(&b.k, load_segment, &b);
	if (initrd)	/* mapped or not, it has its pfns */
		copy_pa(&b, b.l.initrd_pfn << PAGE_SHIFT, maddr_to_virt(initrd->start), initrd->size);
	if (b.k.hypercall_page != PV_UNSET)
		pv_fill_hypercall_page(va_ptr(&b, b.k.hypercall_page));
	fill_p2m_list(&b);
	fill_start_info(&b, cmdline);
	build_page_tables(&b);
	init_vcpu(&b);
	/* The bootstrap L4 starts pinned and as the base pointer (§1.5.1). */
	if (pt_pin(b.d, b.d->vcpu[0]->arch.guest_cr3 >> PAGE_SHIFT, 4) ||
	    get_page_and_type(b.d->vcpu[0]->arch.guest_cr3 >> PAGE_SHIFT, PGT_l4, b.d)) {
		pr_err("d%u: the bootstrap page tables do not validate\n", domid);
		return build_failed(b.d);
	}
	mm_m2p_slot(b.d->vcpu[0]->arch.guest_cr3 >> PAGE_SHIFT, true);	/* a kernel base */
	print_layout(&b);
	if (b.d->max_vcpus > 1)
		pr_info("d%u: %u vCPUs, vCPU 0 up\n", domid, b.d->max_vcpus);
	return b.d;
}
