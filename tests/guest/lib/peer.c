// SPDX-License-Identifier: GPL-2.0-only
/*
 * Starting the peer domain of a two-domain test (see peer.h). On Xen 4.17
 * dom0 builds it from its initrd module:
 *
 *   1. createdomain (PV, peer_max_vcpus vCPUs), max_vcpus (which allocates it), max_mem, populate_physmap for it: its
 *      pfn -> mfn list (a PV domain sees machine frames);
 *   2. through one window page of dom0's own start-of-day region, remapped
 *      by mmu_update with the peer as foreigndom, each page of the peer's
 *      start-of-day region is zeroed and written: the ELF segments, the
 *      p2m list, start_info, the xenstore and console pages, the bootstrap
 *      page tables (read-only in their own mapping), the stack, and its
 *      shared_info, zeroed with every vCPU's upcalls masked (libxenguest's);
 *   3. the window goes back to dom0's frame, the peer's L4 is pinned
 *      (mmuext_op, foreigndom), vCPU 0 gets the entry state of
 *      docs/abi-core.md §1.6 (setvcpucontext), and the domain is unpaused.
 *
 * The layout is the one libxenguest gives a domU, planned by the
 * hypervisor's common/pv_layout.c (as for every Lamina builder):
 *
 *   kernel | p2m list | start_info | xenstore | console | page tables |
 *   stack | padding
 *
 * ending 4 MiB aligned after at least 512 KiB of padding. The xenstore
 * page is there as libxenguest makes it; no one serves it.
 */
#include "peer.h"
#include "mm.h"
#include <lamina/domctl.h>
#include <lamina/memory.h>
#include <hv/elf.h>
#include <hv/pv_layout.h>

#define PAGE		4096ULL
#define PEER_MAX_PAGES	(32U << 8)		/* 32 MiB */

static domid_t peer_dom;
unsigned int peer_max_vcpus = 1;
unsigned int peer_grant_version = 1;
static uint64_t peer_mfn[PEER_MAX_PAGES];	/* pfn -> mfn */
static struct pv_layout lay;
static uint64_t peer_pages;
static uint64_t window, window_pfn = ~0ULL;	/* dom0 VA, peer pfn it shows */
static long map_error;
static struct peer_console *peer_cons;		/* dom0's mapping of it */
static struct vcpu_guest_context ctx;
void (*peer_context_hook)(struct vcpu_guest_context *c);

domid_t peer_building(void)
{
	return peer_dom;
}

static long domctl(struct domctl *op, uint32_t cmd)
{
	op->cmd = cmd;
	op->interface_version = DOMCTL_INTERFACE_VERSION;
	return hypercall1(__HYPERVISOR_domctl, op);
}

/* Points dom0's PTE for va at frame mfn of domain dom (or our own). */
static long remap(uint64_t va, uint64_t mfn, domid_t dom)
{
	struct mmu_update u = { l1e_maddr(va), (mfn << 12) | PTE_DATA };
	long rc = hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, dom, 0);

	return rc ? rc : mmuext1(MMUEXT_INVLPG_LOCAL, va);
}

static void *peer_page(uint64_t pfn)
{
	if (pfn != window_pfn) {
		long rc = remap(window, peer_mfn[pfn], peer_dom);

		if (rc && !map_error) {
			printf("peer: mapping its pfn %#lx gave %ld\n", (unsigned long)pfn, rc);
			map_error = rc;
		}
		window_pfn = pfn;
	}
	return (void *)window;
}

static void *peer_at(uint64_t va)
{
	return (uint8_t *)peer_page((va - lay.v_start) / PAGE) + (va & (PAGE - 1));
}

static uint64_t mfn_at(uint64_t va)
{
	return peer_mfn[(va - lay.v_start) / PAGE];
}

static int copy_segment(void *unused, uint64_t va, const void *src, uint64_t filesz,
			uint64_t memsz)
{
	const uint8_t *s = src;

	while (filesz) {
		uint64_t n = PAGE - (va & (PAGE - 1));

		if (n > filesz)
			n = filesz;
		memcpy(peer_at(va), s, n);
		va += n;
		s += n;
		filesz -= n;
	}
	return 0;		/* memsz - filesz: the region is zeroed first */
}

/* Places the bootstrap elements after the kernel (pv_layout.c). */
static int plan(const struct pv_kernel *k, uint64_t nr_pages)
{
	struct pv_layout_request r = { .k = k, .nr_pages = nr_pages, .rings = true };
	const char *why;

	peer_pages = nr_pages;
	if (pv_layout_plan(&r, &lay, &why)) {
		printf("peer: %s\n", why);
		return -ENOMEM;
	}
	return 0;
}

/* The p2m list by its pfns: an INIT_P2M list is outside the region. */
static void write_p2m_list(void)
{
	uint64_t pfn;

	for (pfn = 0; pfn < ((peer_pages + 511) & ~511ULL); pfn++) {
		uint64_t *list = peer_page(lay.p2m_pfn + pfn / 512);

		list[pfn % 512] = pfn < peer_pages ? peer_mfn[pfn] : ~0ULL;
	}
}

static void write_start_info(uint64_t shared_info_mfn, const char *cmdline)
{
	struct start_info *s = peer_at(lay.start_info);

	strlcpy(s->magic, START_INFO_MAGIC, sizeof(s->magic));
	s->nr_pages = peer_pages;
	s->shared_info = shared_info_mfn << 12;
	s->flags = 0;
	s->store_mfn = mfn_at(lay.store);
	s->console.domU.mfn = mfn_at(lay.console);
	s->pt_base = lay.pt_base;
	s->nr_pt_frames = lay.nr_pt_frames;
	s->mfn_list = lay.p2m;
	s->first_p2m_pfn = lay.first_p2m_pfn;
	s->nr_p2m_frames = lay.nr_p2m_frames;
	strlcpy(s->cmd_line, cmdline, sizeof(s->cmd_line));
}

/*
 * The peer's shared_info as libxenguest leaves it: zeroed, every legacy
 * vCPU slot's upcalls masked (createdomain leaves them unmasked on Xen
 * 4.17 and on Lamina). Through the window, which then shows no pfn.
 */
static void mask_upcalls(uint64_t shared_info_mfn)
{
	struct shared_info *s = (struct shared_info *)window;
	long rc = remap(window, shared_info_mfn, peer_dom);
	unsigned int i;

	window_pfn = ~0ULL;
	if (rc) {
		if (!map_error) {
			printf("peer: mapping its shared_info gave %ld\n", rc);
			map_error = rc;
		}
		return;
	}
	memset(s, 0, PAGE);
	for (i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
		s->vcpu_info[i].evtchn_upcall_mask = 1;
}

static int write_pte(void *unused, uint64_t table, unsigned int index, uint64_t target,
		     uint64_t flags)
{
	((uint64_t *)peer_page(table))[index] = (peer_mfn[target] << 12) | flags;
	return 0;
}

/* Dom0 side of the console page: copies whole lines out, prefixed. */
static void drain_console(void)
{
	static char line[160];
	static unsigned int len;
	uint32_t prod = __atomic_load_n(&peer_cons->out_prod, __ATOMIC_ACQUIRE);
	uint32_t cons = peer_cons->out_cons;

	while (cons != prod) {
		char c = peer_cons->out[cons++ % sizeof(peer_cons->out)];

		if (!len)
			len = snprintf(line, sizeof(line), "(d%u) ", peer_dom);
		line[len++] = c;
		if (c == '\n' || len == sizeof(line)) {
			HYPERVISOR_console_io(CONSOLEIO_write, (int)len, line);
			len = 0;
		}
	}
	__atomic_store_n(&peer_cons->out_cons, cons, __ATOMIC_RELEASE);
}

void peer_console_flush(void)
{
	if (peer_cons)
		drain_console();
}

static long create_domain(uint64_t nr_pages)
{
	struct domctl op = { .domain = 0 };	/* 0: the hypervisor picks the id */
	struct xen_memory_reservation r = { (uint64_t)peer_mfn, nr_pages, 0, 0, 0, { 0 } };
	long rc;
	uint64_t pfn;

	op.u.createdomain.max_vcpus = peer_max_vcpus;
	op.u.createdomain.max_evtchn_port = 1023;
	op.u.createdomain.max_grant_frames = -1;
	op.u.createdomain.max_maptrack_frames = -1;
	op.u.createdomain.grant_opts = peer_grant_version;
	memcpy(op.u.createdomain.handle, "lamina-test-peer", 16);
	rc = domctl(&op, DOMCTL_createdomain);
	if (rc) {
		printf("peer: createdomain gave %ld\n", rc);
		return rc;
	}
	peer_dom = op.domain;
	op.u.max_vcpus.max = peer_max_vcpus;
	rc = domctl(&op, DOMCTL_max_vcpus);
	if (rc) {
		printf("peer: max_vcpus for d%u gave %ld\n", peer_dom, rc);
		return rc;
	}
	op.u.max_mem.max_memkb = nr_pages * 4;
	rc = domctl(&op, DOMCTL_max_mem);
	if (rc) {
		printf("peer: max_mem for d%u gave %ld\n", peer_dom, rc);
		return rc;
	}
	for (pfn = 0; pfn < nr_pages; pfn++)
		peer_mfn[pfn] = pfn;
	r.domid = peer_dom;
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_populate_physmap, &r);
	if (rc != (long)nr_pages) {
		printf("peer: populate_physmap for d%u gave %ld of %lu pages\n", peer_dom, rc,
		       (unsigned long)nr_pages);
		return rc < 0 ? rc : -ENOMEM;
	}
	/* A PV domain's new frames come with their M2P entries; check, mend if not. */
	for (pfn = 0; pfn < nr_pages; pfn++) {
		struct mmu_update u = { (peer_mfn[pfn] << 12) | MMU_MACHPHYS_UPDATE, pfn };

		if (((const uint64_t *)MACH2PHYS_VIRT_START)[peer_mfn[pfn]] == pfn)
			continue;
		rc = hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, peer_dom, 0);
		if (rc) {
			printf("peer: MMU_MACHPHYS_UPDATE for d%u gave %ld\n", peer_dom, rc);
			return rc;
		}
	}
	return 0;
}

static long start_vcpu(const struct pv_kernel *k)
{
	struct mmuext_op pin = { MMUEXT_PIN_L4_TABLE, 0, { mfn_at(lay.pt_base) }, { 0 } };
	struct domctl op = { .domain = peer_dom };
	long rc;

	rc = hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)&pin, 1, 0, peer_dom, 0);
	if (rc) {
		printf("peer: pinning d%u's L4 gave %ld\n", peer_dom, rc);
		return rc;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.flags = VGCF_in_kernel | VGCF_online;
	ctx.user_regs.rip = k->entry;
	ctx.user_regs.rsp = lay.stack + PAGE;
	ctx.user_regs.rsi = lay.start_info;
	ctx.user_regs.cs = FLAT_KERNEL_CS;
	ctx.user_regs.ss = FLAT_KERNEL_SS;
	ctx.user_regs.rflags = 0x200;
	ctx.kernel_ss = FLAT_KERNEL_SS;
	ctx.kernel_sp = ctx.user_regs.rsp;
	ctx.ctrlreg[3] = mfn_at(lay.pt_base) << 12;
	ctx.debugreg[6] = 0xffff0ff0;
	ctx.debugreg[7] = 0x400;
	if (peer_context_hook)
		peer_context_hook(&ctx);
	op.u.vcpucontext.vcpu = 0;
	op.u.vcpucontext.ctxt = (uint64_t)&ctx;
	rc = domctl(&op, DOMCTL_setvcpucontext);
	if (rc) {
		printf("peer: setvcpucontext for d%u gave %ld\n", peer_dom, rc);
		return rc;
	}
	op = (struct domctl){ .domain = peer_dom };
	rc = domctl(&op, DOMCTL_unpausedomain);
	if (rc)
		printf("peer: unpausedomain d%u gave %ld\n", peer_dom, rc);
	return rc;
}

/* dom0's initrd from byte `skip` on: the peer's ELF image. */
static long build_at_run_time(struct start_info *si, uint64_t skip, const char *cmdline,
			      unsigned int mem_mib)
{
	struct pv_kernel k;
	struct domctl info;
	const char *why;
	uint64_t pfn, nr_pages = (uint64_t)mem_mib << 8;
	long rc;

	if (!si->mod_start || si->mod_len <= skip || (si->flags & SIF_MOD_START_PFN)) {
		printf("peer: dom0 has no mapped initrd to build it from (the runner passes the "
		       "peer's ELF as the module after dom0's)\n");
		return -ENOENT;
	}
	if (elf_parse_pv_kernel((const void *)(si->mod_start + skip), si->mod_len - skip, &k,
				&why)) {
		printf("peer: its module is not a PV kernel: %s\n", why);
		return -ENOEXEC;
	}
	if (nr_pages > PEER_MAX_PAGES || plan(&k, nr_pages))
		return -ENOMEM;
	rc = create_domain(nr_pages);
	if (rc)
		return rc;
	info = (struct domctl){ .domain = peer_dom };
	rc = domctl(&info, DOMCTL_getdomaininfo);
	if (rc) {
		printf("peer: getdomaininfo for d%u gave %ld\n", peer_dom, rc);
		return rc;
	}

	window = scratch_page();
	for (pfn = 0; pfn < lay.nr_pfns; pfn++)
		memset(peer_page(pfn), 0, PAGE);
	elf_for_each_load(&k, copy_segment, NULL);
	write_p2m_list();
	write_start_info(info.u.getdomaininfo.shared_info_frame, cmdline);
	pv_layout_for_each_pte(&lay, write_pte, NULL);
	mask_upcalls(info.u.getdomaininfo.shared_info_frame);
	rc = remap(window, va_to_mfn(window), DOMID_SELF);
	window_pfn = ~0ULL;
	if (map_error || rc) {
		printf("peer: writing d%u's memory failed (%ld, %ld)\n", peer_dom, map_error, rc);
		return map_error ? map_error : rc;
	}
	rc = start_vcpu(&k);
	if (rc)
		return rc;

	peer_cons = (struct peer_console *)scratch_page();
	rc = remap((uint64_t)peer_cons, mfn_at(lay.console), peer_dom);
	if (rc) {
		printf("peer: mapping d%u's console page gave %ld\n", peer_dom, rc);
		peer_cons = NULL;
		return rc;
	}
	console_flush_hook = peer_console_flush;
	return 0;
}

int peer_start(struct start_info *si, const char *cmdline, unsigned int mem_mib)
{
	if (on_lamina())
		return 1;	/* the runner's @domus module became d1 at boot */
	return peer_build(si, 0, cmdline, mem_mib);
}

int peer_build(struct start_info *si, uint64_t skip, const char *cmdline, unsigned int mem_mib)
{
	long rc = build_at_run_time(si, skip, cmdline, mem_mib);

	if (rc)
		return (int)rc;
	printf("peer: built d%u (%u MiB, region %#lx-%#lx, %lu page-table frames) and started it\n",
	       peer_dom, mem_mib, (unsigned long)lay.v_start, (unsigned long)lay.v_end,
	       (unsigned long)lay.nr_pt_frames);
	return peer_dom;
}

void peer_unmap_console(void)
{
	uint64_t va = (uint64_t)peer_cons;

	if (!peer_cons)
		return;
	peer_console_flush();
	console_flush_hook = NULL;
	peer_cons = NULL;
	remap(va, va_to_mfn(va), DOMID_SELF);
}
