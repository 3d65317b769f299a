/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The start-of-day dump of tests/guest/conform-start-diff*.c: one line
 *
 *	D <index> <item> <value>
 *
 * per item of the state a PV kernel is given, normalized so that the same
 * state prints the same text on Lamina and on Xen 4.17: virtual addresses
 * in the start-of-day region as V+<offset from VIRT_BASE> (the kernel's
 * image) or E+<offset from the kernel's page-rounded end>, frames as pfns
 * through the M2P, never an mfn, a time or a host address. Reads first
 * (registers saved by head.S's ENTRY_SAVE, start_info, page tables, p2m,
 * the region's contents), then what needs a mapping or a trap table
 * (shared_info, FPU state, MSRs), then read-only queries.
 * tests/run/conform-diff --guest <name> compares the lines.
 */
#include "../lib/guest.h"
#include "../lib/mm.h"
#include "../lib/traps.h"
#include "../lib/peer.h"
#include "../lib/domctl.h"
#include <lamina/memory.h>
#include <lamina/mm.h>
#include <lamina/vcpu.h>
#include <lamina/grant_table.h>
#include <lamina/event_channel.h>

#define SD_VBASE	0xffffffff80000000ULL
#define SD_M2P		((const uint64_t *)MACH2PHYS_VIRT_START)

/* Filled by head.S (ENTRY_SAVE) before anything else runs. */
struct entry_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rflags, cs, ds, es, fs, gs, ss;
};
extern struct entry_regs entry_regs;
extern char _end[];

static struct start_info *sd_si;
static unsigned int sd_line;
static uint64_t sd_kend;		/* page-rounded end of the image */
static uint64_t sd_region_pages;	/* pfns surely mapped at VIRT_BASE */

static void __attribute__((format(printf, 1, 2))) D(const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("D %u %s\n", sd_line++, buf);
}

/* A virtual address, normalized (eight rotating buffers: one line's worth). */
static const char *va_name(uint64_t va)
{
	static char bufs[8][40];
	static unsigned int next;
	char *b = bufs[next++ & 7];

	if (va >= SD_VBASE && va < sd_kend)
		snprintf(b, 40, "V+%#lx", (unsigned long)(va - SD_VBASE));
	else if (va >= sd_kend && va < SD_VBASE + (1ULL << 30))
		snprintf(b, 40, "E+%#lx", (unsigned long)(va - sd_kend));
	else
		snprintf(b, 40, "%#lx", (unsigned long)va);
	return b;
}

static const uint64_t *sd_p2m(void)
{
	return (const uint64_t *)sd_si->mfn_list;
}

/* A machine frame, named by what the M2P and the p2m say of it. */
static const char *mfn_name(uint64_t mfn)
{
	static char bufs[8][48];
	static unsigned int next;
	char *b = bufs[next++ & 7];
	uint64_t pfn = SD_M2P[mfn];

	if (pfn < sd_si->nr_pages && sd_p2m()[pfn] == mfn)
		snprintf(b, 48, "pfn %#lx", (unsigned long)pfn);
	else if (pfn == ~0ULL)
		snprintf(b, 48, "mfn(m2p invalid)");
	else if (pfn < sd_si->nr_pages)
		snprintf(b, 48, "mfn(m2p %#lx, p2m disagrees)", (unsigned long)pfn);
	else
		snprintf(b, 48, "mfn(m2p beyond p2m)");
	return b;
}

/* A page-sized window in our image, to read frames outside the region. */
static uint8_t sd_window[4096] __attribute__((aligned(4096)));

/* The region's L1 entry of va (its tables are all in the region). */
static uint64_t region_l1e(uint64_t va)
{
	const uint64_t *t = (const uint64_t *)sd_si->pt_base;
	unsigned int l;

	for (l = 4; l > 1; l--)
		t = (const uint64_t *)(SD_VBASE +
				       (SD_M2P[(t[(va >> (12 + 9 * (l - 1))) & 511] & PTE_ADDR) >> 12] << 12));
	return t[(va >> 12) & 511];
}

/* Copies frame mfn into out: through the region, or the window. */
static void read_frame(uint64_t mfn, void *out)
{
	uint64_t pfn = SD_M2P[mfn], va = (uint64_t)sd_window, old;

	if (pfn < sd_region_pages && pfn < sd_si->nr_pages && sd_p2m()[pfn] == mfn) {
		memcpy(out, (const void *)(SD_VBASE + (pfn << 12)), 4096);
		return;
	}
	old = region_l1e(va);
	if (update_va_mapping(va, (mfn << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG)) {
		memset(out, 0, 4096);
		D("read_frame %s: not mappable", mfn_name(mfn));
	} else {
		memcpy(out, sd_window, 4096);
	}
	update_va_mapping(va, old, UVMF_INVLPG);
}

static bool page_zero(const void *p)
{
	const uint64_t *q = p;
	unsigned int i;

	for (i = 0; i < 512; i++)
		if (q[i])
			return false;
	return true;
}

static bool page_zero_from(const uint8_t *p, unsigned int from)
{
	unsigned int i;

	for (i = from; i < 4096; i++)
		if (p[i])
			return false;
	return true;
}

/* 1. The registers at entry. */
static void dump_regs(void)
{
	static const char *const names[] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
		"rflags", "cs", "ds", "es", "fs", "gs", "ss",
	};
	const uint64_t *r = (const uint64_t *)&entry_regs;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		uint64_t v = r[i];

		if (i == 4 && v == (uint64_t)sd_si)
			D("entry %s = start_info", names[i]);
		else if (i == 7 && v >= sd_si->pt_base)
			D("entry rsp = pt_base+%#lx (pt frames end+%#lx)",
			  (unsigned long)(v - sd_si->pt_base),
			  (unsigned long)(v - sd_si->pt_base - sd_si->nr_pt_frames * 4096));
		else if (v >= SD_VBASE)
			D("entry %s = %s", names[i], va_name(v));
		else if (i >= 17)
			D("entry %s = %#lx", names[i], (unsigned long)(v & 0xffff));
		else
			D("entry %s = %#lx", names[i], (unsigned long)v);
	}
}

/* 2. start_info, field by field, and the rest of its page. */
static void dump_start_info(void)
{
	const struct start_info *si = sd_si;
	const uint8_t *page = (const uint8_t *)si;
	unsigned int i, nonzero = 0, from = sizeof(*si);

	D("si at %s, page offset %#lx", va_name((uint64_t)si), (unsigned long)((uint64_t)si & 4095));
	D("si magic \"%.32s\"", si->magic);
	D("si nr_pages %#lx", (unsigned long)si->nr_pages);
	D("si shared_info %s, offset %#lx", mfn_name(si->shared_info >> 12),
	  (unsigned long)(si->shared_info & 4095));
	D("si flags %#x pad0 %#x", si->flags, si->pad0);
	D("si store_mfn %s store_evtchn %u pad1 %#x",
	  si->store_mfn ? mfn_name(si->store_mfn) : "0", si->store_evtchn, si->pad1);
	if (si->flags & SIF_INITDOMAIN) {
		D("si console.dom0 info_off %#x info_size %#x", si->console.dom0.info_off,
		  si->console.dom0.info_size);
		if (si->console.dom0.info_off >= sizeof(*si) && si->console.dom0.info_size &&
		    si->console.dom0.info_off + si->console.dom0.info_size <= 4096) {
			const struct dom0_vga_console_info *v =
				(const void *)(page + si->console.dom0.info_off);

			D("si vga type %#x font %u rows %u columns %u cursor on screen %d",
			  v->video_type, v->u.text_mode_3.font_height, v->u.text_mode_3.rows,
			  v->u.text_mode_3.columns,
			  v->u.text_mode_3.cursor_x < v->u.text_mode_3.columns &&
			  v->u.text_mode_3.cursor_y < v->u.text_mode_3.rows);
			from = si->console.dom0.info_off + si->console.dom0.info_size;
		}
	} else {
		D("si console.domU mfn %s evtchn %u pad2 %#x",
		  si->console.domU.mfn ? mfn_name(si->console.domU.mfn) : "0",
		  si->console.domU.evtchn, si->console.domU.pad2);
	}
	D("si pt_base %s nr_pt_frames %lu", va_name(si->pt_base), (unsigned long)si->nr_pt_frames);
	D("si mfn_list %s", va_name(si->mfn_list));
	D("si mod_start %s mod_len %#lx", si->mod_start ? va_name(si->mod_start) : "0",
	  (unsigned long)si->mod_len);
	D("si cmd_line \"%.200s\"", si->cmd_line);
	for (i = strlen(si->cmd_line); i < MAX_GUEST_CMDLINE; i++)
		nonzero += si->cmd_line[i] != 0;
	D("si cmd_line tail nonzero bytes %u", nonzero);
	D("si first_p2m_pfn %#lx nr_p2m_frames %#lx", (unsigned long)si->first_p2m_pfn,
	  (unsigned long)si->nr_p2m_frames);
	nonzero = 0;
	for (i = from; i < 4096 - ((uint64_t)si & 4095); i++)
		nonzero += page[i] != 0;
	D("si page after the struct%s: nonzero bytes %u",
	  from > sizeof(*si) ? " and console info" : "", nonzero);
}

/* 3. The bootstrap page tables, walked from pt_base. */
struct l1_run {
	uint64_t va, pfn, flags, n;
	const char *what;
};
static struct l1_run sd_run;
static unsigned int sd_tables, sd_tables_rw;
static uint64_t sd_table_mfns[64];

static void run_flush(void)
{
	if (!sd_run.n)
		return;
	D("L1 %s..%s %s n %#lx flags %#lx", va_name(sd_run.va),
	  va_name(sd_run.va + sd_run.n * 4096), sd_run.what, (unsigned long)sd_run.n,
	  (unsigned long)sd_run.flags);
	sd_run.n = 0;
}

static void run_add(uint64_t va, uint64_t e)
{
	uint64_t mfn = (e & PTE_ADDR) >> 12, flags = e & ~PTE_ADDR;
	uint64_t pfn = SD_M2P[mfn];
	bool ours = pfn < sd_si->nr_pages && sd_p2m()[pfn] == mfn;

	if (sd_run.n && ours && sd_run.what[0] == 'p' && flags == sd_run.flags &&
	    va == sd_run.va + sd_run.n * 4096 && pfn == sd_run.pfn + sd_run.n) {
		sd_run.n++;
		return;
	}
	run_flush();
	sd_run.va = va;
	sd_run.pfn = pfn;
	sd_run.flags = flags;
	sd_run.n = 1;
	sd_run.what = mfn_name(mfn);
	if (ours) {
		static char b[32];

		/* a run of ours is named by its first pfn */
		snprintf(b, sizeof(b), "pfn %#lx", (unsigned long)pfn);
		sd_run.what = b;
	}
}

static uint64_t sign_extend(uint64_t va)
{
	return va & (1ULL << 47) ? va | 0xffff000000000000ULL : va;
}

static void walk(uint64_t mfn, unsigned int level, uint64_t base)
{
	static uint64_t tables[4][512];
	uint64_t *t = tables[level - 1];
	unsigned int i;

	if (sd_tables < ARRAY_SIZE(sd_table_mfns))
		sd_table_mfns[sd_tables] = mfn;
	sd_tables++;
	read_frame(mfn, t);
	for (i = 0; i < 512; i++) {
		uint64_t e = t[i], va = sign_extend(base | ((uint64_t)i << (12 + 9 * (level - 1))));

		if (!(e & PTE_P)) {
			if (e) {
				run_flush();
				D("L%u[%u] not present, nonzero %#lx", level, i, (unsigned long)e);
			}
			continue;
		}
		if (level == 4 && i >= 256 && i < 272)
			continue;	/* the hypervisor's, one line of their own */
		if (level == 1) {
			run_add(va, e);
			continue;
		}
		run_flush();
		D("L%u[%u] at %s: %s flags %#lx", level, i, va_name(va),
		  mfn_name((e & PTE_ADDR) >> 12), (unsigned long)(e & ~PTE_ADDR));
		if (e & PTE_PSE)
			continue;
		walk((e & PTE_ADDR) >> 12, level - 1, va);
	}
	run_flush();
}

static void dump_tables(void)
{
	uint64_t l4_mfn = ((const uint64_t *)sd_si->mfn_list)[(sd_si->pt_base - SD_VBASE) >> 12];
	unsigned int i, in_range = 0;

	static uint64_t l4[512];
	char hv[400];
	unsigned int len = 0;

	D("pt L4 %s", mfn_name(l4_mfn));
	/* the hypervisor's slots 256-271: which are present, their flags, a self-map */
	read_frame(l4_mfn, l4);
	hv[0] = 0;
	for (i = 256; i < 272; i++)
		if (l4[i] & PTE_P)
			len += snprintf(hv + len, sizeof(hv) - len, " %u:%#lx%s", i,
					(unsigned long)(l4[i] & ~PTE_ADDR),
					(l4[i] & PTE_ADDR) >> 12 == l4_mfn ? "(self)" : "");
	D("L4 hypervisor slots:%s", hv);
	walk(l4_mfn, 4, 0);
	/* the tables found: in the pt_base..+nr_pt_frames range, and mapped read-only */
	for (i = 0; i < sd_tables && i < ARRAY_SIZE(sd_table_mfns); i++) {
		uint64_t pfn = SD_M2P[sd_table_mfns[i]];
		uint64_t first = (sd_si->pt_base - SD_VBASE) >> 12;

		if (pfn >= first && pfn < first + sd_si->nr_pt_frames)
			in_range++;
		if (pfn < sd_region_pages && (region_l1e(SD_VBASE + (pfn << 12)) & PTE_RW))
			sd_tables_rw++;
	}
	D("pt tables %u, in pt_base's range %u, mapped writable %u", sd_tables, in_range,
	  sd_tables_rw);
}

/* 4. The p2m list against the M2P, and what lies after the kernel. */
static void dump_p2m(void)
{
	const uint64_t *p2m = sd_p2m();
	uint64_t pfn, bad = 0, end, inv = 0, zero = 0, other = 0;

	for (pfn = 0; pfn < sd_si->nr_pages; pfn++)
		bad += SD_M2P[p2m[pfn]] != pfn;
	D("p2m entries %#lx, M2P disagrees on %lu", (unsigned long)sd_si->nr_pages,
	  (unsigned long)bad);
	end = ((uint64_t)&p2m[sd_si->nr_pages] + 4095) & ~4095ULL;
	for (pfn = sd_si->nr_pages; (uint64_t)&p2m[pfn] < end; pfn++) {
		if (p2m[pfn] == ~0ULL)
			inv++;
		else if (!p2m[pfn])
			zero++;
		else
			other++;
	}
	D("p2m tail to its page end: ~0 %lu, 0 %lu, other %lu", (unsigned long)inv,
	  (unsigned long)zero, (unsigned long)other);
}

static void dump_region(void)
{
	uint64_t va, run_va = 0, run_n = 0;
	int run_zero = -1;

	for (va = sd_kend; va < SD_VBASE + (sd_region_pages << 12); va += 4096) {
		int z = page_zero((const void *)va);

		if (z == run_zero) {
			run_n++;
			continue;
		}
		if (run_n)
			D("region %s n %#lx %s", va_name(run_va), (unsigned long)run_n,
			  run_zero ? "zero" : "nonzero");
		run_va = va;
		run_n = 1;
		run_zero = z;
	}
	if (run_n)
		D("region %s n %#lx %s", va_name(run_va), (unsigned long)run_n,
		  run_zero ? "zero" : "nonzero");
}

/* 5. shared_info and vcpu_info, through the window. */
static void bits_line(const char *what, const uint64_t *w, unsigned int nwords)
{
	char buf[300];
	unsigned int i, len = 0, n = 0;

	buf[0] = 0;
	for (i = 0; i < nwords * 64; i++) {
		if (!(w[i / 64] >> (i % 64) & 1))
			continue;
		n++;
		if (len < sizeof(buf) - 16)
			len += snprintf(buf + len, sizeof(buf) - len, " %u", i);
	}
	D("%s: %u set%s%s", what, n, n ? ":" : "", buf);
}

/*
 * A domU's store and console ports are pending at its first instruction or
 * not depending on whether xenstored and the console daemon have notified
 * it yet (timing: on Xen 4.17 with xl, and on Lamina with vmctl, both seen).
 * In the copy printed, their bits are taken out of evtchn_pending, and
 * vCPU 0's pending_sel and upcall_pending are what the other ports leave.
 */
static void drop_backend_events(struct shared_info *sh)
{
	const uint32_t ports[2] = { sd_si->store_evtchn, sd_si->console.domU.evtchn };
	struct vcpu_info *v = &sh->vcpu_info[0];
	unsigned int i, w;

	for (i = 0; i < 2; i++)
		if (ports[i] && ports[i] < 64 * 64)
			sh->evtchn_pending[ports[i] / 64] &= ~(1ULL << ports[i] % 64);
	for (w = 0; w < 64; w++)
		if (!sh->evtchn_pending[w])
			v->evtchn_pending_sel &= ~(1ULL << w);
	if (!v->evtchn_pending_sel)
		v->evtchn_upcall_pending = 0;
	D("shared evtchn_pending: the store's and the console's ports left out");
}

static void dump_shared_info(unsigned int ncpus)
{
	static uint64_t page[512];
	const struct shared_info *sh = (const void *)page;
	uint64_t masks[1] = { 0 }, pend[1] = { 0 };
	unsigned int i;

	read_frame(sd_si->shared_info >> 12, page);
	if (!(sd_si->flags & SIF_INITDOMAIN))
		drop_backend_events((struct shared_info *)page);
	for (i = 0; i < ncpus && i < XEN_LEGACY_MAX_VCPUS; i++) {
		const struct vcpu_info *v = &sh->vcpu_info[i];

		D("vcpu_info %u pending %u mask %u pending_sel %#lx cr2 %#lx time version %s flags %#x",
		  i, v->evtchn_upcall_pending, v->evtchn_upcall_mask,
		  (unsigned long)v->evtchn_pending_sel, (unsigned long)v->arch.cr2,
		  v->time.version & 1 ? "odd" : v->time.version ? "even" : "0", v->time.flags);
	}
	for (i = 0; i < XEN_LEGACY_MAX_VCPUS; i++) {
		masks[0] |= (uint64_t)!!sh->vcpu_info[i].evtchn_upcall_mask << i;
		pend[0] |= (uint64_t)!!sh->vcpu_info[i].evtchn_upcall_pending << i;
	}
	bits_line("shared vcpu_info upcall_mask", masks, 1);
	bits_line("shared vcpu_info upcall_pending", pend, 1);
	bits_line("shared evtchn_pending", sh->evtchn_pending, 64);
	bits_line("shared evtchn_mask", sh->evtchn_mask, 64);
	D("shared wc_version %s wc_sec %s", sh->wc_version & 1 ? "odd" : sh->wc_version ? "even" : "0",
	  sh->wc_sec ? "nonzero" : "0");
	D("shared arch max_pfn %#lx frame_list_list %s nmi_reason %#lx",
	  (unsigned long)sh->arch.max_pfn, sh->arch.pfn_to_mfn_frame_list_list ? "set" : "0",
	  (unsigned long)sh->arch.nmi_reason);
	D("shared arch p2m_cr3 %#lx p2m_vaddr %#lx p2m_generation %#lx",
	  (unsigned long)sh->arch.p2m_cr3, (unsigned long)sh->arch.p2m_vaddr,
	  (unsigned long)sh->arch.p2m_generation);
	D("shared_info page after the struct: %s",
	  page_zero_from((const uint8_t *)page, sizeof(*sh)) ? "zero" : "nonzero");
}

/* 6. The console and store rings (a domU's), as found before our first line. */
static uint32_t sd_ring_idx[2][4];
static bool sd_ring_seen[2];

static void snapshot_rings(void)
{
	const struct start_info *si = sd_si;
	uint64_t mfns[2] = { si->console.domU.mfn, si->store_mfn };
	unsigned int r;

	if (si->flags & SIF_INITDOMAIN)
		return;
	for (r = 0; r < 2; r++) {
		uint64_t pfn = mfns[r] ? SD_M2P[mfns[r]] : ~0ULL;
		const uint32_t *idx;

		if (pfn >= sd_region_pages)
			continue;
		/* console: in[1024] out[2048] then in_cons in_prod out_cons out_prod;
		 * store: req[1024] rsp[1024] then req_cons req_prod rsp_cons rsp_prod */
		idx = (const uint32_t *)(SD_VBASE + (pfn << 12) + (r ? 2048 : 3072));
		memcpy(sd_ring_idx[r], idx, sizeof(sd_ring_idx[r]));
		sd_ring_seen[r] = true;
	}
}

static void dump_rings(void)
{
	static const char *const names[2] = { "console", "store" };
	unsigned int r;

	if (sd_si->flags & SIF_INITDOMAIN) {
		D("rings: none (dom0)");
		return;
	}
	for (r = 0; r < 2; r++) {
		if (!sd_ring_seen[r]) {
			D("%s ring not in the region", names[r]);
			continue;
		}
		D("%s ring indexes %u %u %u %u", names[r], sd_ring_idx[r][0], sd_ring_idx[r][1],
		  sd_ring_idx[r][2], sd_ring_idx[r][3]);
	}
}

/* 7. Processor state a kernel reads at once (trap table installed first). */
static void dump_cpu(void)
{
	uint8_t env[28] __attribute__((aligned(4)));
	uint32_t mxcsr = 0, a, b, c, d;
	uint64_t cr0 = 0, cr4 = 0;
	unsigned int i, before;
	static const uint32_t msrs[3] = { 0xc0000100, 0xc0000101, 0xc0000102 };
	static const char *const msr_names[3] = { "fs_base", "gs_base", "kernel_gs_base" };

	before = traps_taken;
	EXPECT_TRAP("mov %%cr0, %0", : "+r"(cr0));
	D("cr0 %#lx%s", (unsigned long)cr0, traps_taken != before ? " (trapped)" : "");
	before = traps_taken;
	EXPECT_TRAP("mov %%cr4, %0", : "+r"(cr4));
	D("cr4 %#lx%s", (unsigned long)cr4, traps_taken != before ? " (trapped)" : "");
	before = traps_taken;
	memset(env, 0, sizeof(env));
	EXPECT_TRAP("fnstenv %0", : "=m"(env));
	if (traps_taken != before)
		D("x87 fnstenv trapped: vector %lu", (unsigned long)last_trap.vector);
	else
		D("x87 fcw %#x fsw %#x ftw %#x", *(uint16_t *)&env[0], *(uint16_t *)&env[4],
		  *(uint16_t *)&env[8]);
	before = traps_taken;
	EXPECT_TRAP("stmxcsr %0", : "=m"(mxcsr));
	D("mxcsr %#x%s", mxcsr, traps_taken != before ? " (trapped)" : "");
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (c & (1u << 27)) {
		before = traps_taken;
		a = d = 0;
		EXPECT_TRAP("xgetbv", : "=a"(a), "=d"(d) : "c"(0));
		D("osxsave 1 xcr0 %#lx%s", (unsigned long)a | (uint64_t)d << 32,
		  traps_taken != before ? " (trapped)" : "");
	} else {
		D("osxsave 0");
	}
	for (i = 0; i < 3; i++) {
		before = traps_taken;
		a = d = 0;
		EXPECT_TRAP("rdmsr", : "+a"(a), "+d"(d) : "c"(msrs[i]));
		if (traps_taken != before)
			D("msr %s trapped: vector %lu", msr_names[i], (unsigned long)last_trap.vector);
		else
			D("msr %s %#lx", msr_names[i], (unsigned long)a | (uint64_t)d << 32);
	}
	for (i = 0; i < 8; i++) {
		long v = hypercall1(__HYPERVISOR_get_debugreg, i);

		D("get_debugreg %u = %#lx", i, (unsigned long)v);
	}
}

/* 8. The read-only queries a kernel makes at start. */
static void dump_queries(unsigned int ncpus)
{
	static union {
		char s[1024];
		uint64_t q[128];
		struct e820_entry e[32];
	} buf;
	struct xen_platform_parameters pp = { 0 };
	struct xen_feature_info fi;
	domid_t self = DOMID_SELF;
	struct xen_memory_map mm;
	struct gnttab_query_size qs;
	struct gnttab_get_version gv;
	long rc, prev_rc = 0;
	unsigned int i, first = 0;

	rc = HYPERVISOR_xen_version(XENVER_version, NULL);
	D("xen_version version %ld.%ld", rc >> 16, rc & 0xffff);
	memset(&buf, 0, sizeof(buf));
	rc = HYPERVISOR_xen_version(XENVER_extraversion, buf.s);
	D("xen_version extraversion %ld \"%.16s\"", rc, buf.s);
	memset(&buf, 0, sizeof(buf));
	rc = HYPERVISOR_xen_version(XENVER_compile_info, buf.s);
	D("xen_version compile_info %ld", rc);
	memset(&buf, 0, sizeof(buf));
	rc = HYPERVISOR_xen_version(XENVER_capabilities, buf.s);
	D("xen_version capabilities %ld \"%.1000s\"", rc, buf.s);
	rc = HYPERVISOR_xen_version(XENVER_changeset, buf.s);
	D("xen_version changeset %ld", rc);
	rc = HYPERVISOR_xen_version(XENVER_platform_parameters, &pp);
	D("xen_version platform_parameters %ld virt_start %#lx", rc, (unsigned long)pp.virt_start);
	for (i = 0; i < 2; i++) {
		fi.submap_idx = i;
		fi.submap = 0;
		rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);
		D("xen_version get_features %u = %ld submap %#x", i, rc, fi.submap);
	}
	D("xen_version pagesize %ld", HYPERVISOR_xen_version(XENVER_pagesize, NULL));
	memset(&buf, 0xa5, sizeof(buf));
	rc = HYPERVISOR_xen_version(XENVER_guest_handle, buf.s);
	D("xen_version guest_handle %ld %s", rc,
	  buf.q[0] == 0 && buf.q[1] == 0 ? "zero" : buf.q[0] == 0xa5a5a5a5a5a5a5a5ULL ? "unwritten" : "nonzero");
	rc = HYPERVISOR_xen_version(XENVER_commandline, buf.s);
	D("xen_version commandline %ld", rc);
	rc = hypercall3(__HYPERVISOR_xen_version, XENVER_build_id, 0, 0);
	D("xen_version build_id (null) %ld", rc);

	D("memory_op current_reservation %#lx",
	  (unsigned long)hypercall2(__HYPERVISOR_memory_op, XENMEM_current_reservation, &self));
	D("memory_op maximum_reservation %#lx",
	  (unsigned long)hypercall2(__HYPERVISOR_memory_op, XENMEM_maximum_reservation, &self));
	D("memory_op maximum_gpfn %#lx",
	  (unsigned long)hypercall2(__HYPERVISOR_memory_op, XENMEM_maximum_gpfn, &self));
	mm.nr_entries = 32;
	mm.buffer = (uint64_t)buf.e;
	memset(&buf, 0, sizeof(buf));
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_memory_map, &mm);
	D("memory_op memory_map %ld entries %u", rc, rc ? 0 : mm.nr_entries);
	for (i = 0; !rc && i < mm.nr_entries && i < 32; i++)
		D("memory_map %u addr %#lx size %#lx type %u", i, (unsigned long)buf.e[i].addr,
		  (unsigned long)buf.e[i].size, buf.e[i].type);

	memset(&qs, 0, sizeof(qs));
	qs.dom = DOMID_SELF;
	rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, &qs, 1);
	D("grant query_size %ld nr_frames %u max_nr_frames %u status %d", rc, qs.nr_frames,
	  qs.max_nr_frames, qs.status);
	memset(&gv, 0, sizeof(gv));
	gv.dom = DOMID_SELF;
	rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_get_version, &gv, 1);
	D("grant get_version %ld version %u", rc, gv.version);

	/* vm_assist with a command neither enable nor disable: which types are known */
	for (i = 0; i <= 64; i++) {
		rc = i < 64 ? hypercall2(__HYPERVISOR_vm_assist, 2, i) : 0x7fff;
		if (i && (rc != prev_rc || i == 64)) {
			D("vm_assist cmd 2 types %u..%u = %ld", first, i - 1, prev_rc);
			first = i;
		}
		prev_rc = rc;
	}

	for (i = 0; i < ncpus + 2; i++)
		D("vcpu_op is_up %u = %ld", i, hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_is_up, i, 0));
	D("vcpu_op is_up 8192 = %ld", hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 8192, 0));
	for (i = 0; i < ncpus + 1; i++) {
		struct vcpu_runstate_info ri;

		memset(&ri, 0xff, sizeof(ri));
		rc = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, i, &ri);
		D("vcpu_op get_runstate_info %u = %ld state %d", i, rc, rc ? -1 : ri.state);
	}
	for (i = 0; i < 6; i++) {
		struct evtchn_status st;

		memset(&st, 0, sizeof(st));
		st.dom = DOMID_SELF;
		st.port = i;
		rc = hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_status, &st);
		D("evtchn status port %u = %ld status %u vcpu %u", i, rc, rc ? 0 : st.status,
		  rc ? 0 : st.vcpu);
	}
}

/*
 * 9. What dom0's domctl says of its own domain and vCPUs at start (a
 * domU: the answer only): getdomaininfo, and getvcpucontext of each vCPU
 * and one past the last (vCPU 0's registers are this call's, left out).
 */
static void dump_domctl(unsigned int ncpus)
{
	static struct vcpu_guest_context ctx;
	domid_t self = sd_si->flags & SIF_INITDOMAIN ? 0 : DOMID_SELF;
	struct domctl op;
	unsigned int i;
	long rc;

	memset(&op, 0, sizeof(op));
	rc = domctl_call(&op, DOMCTL_getdomaininfo, self);
	if (rc) {
		D("domctl getdomaininfo self = %ld", rc);
	} else {
		const struct domctl_getdomaininfo *di = &op.u.getdomaininfo;

		D("domctl getdomaininfo self: domain %u flags %#x tot_pages %#lx max_pages %#lx "
		  "outstanding %#lx shr %#lx paged %#lx", di->domain, di->flags,
		  (unsigned long)di->tot_pages, (unsigned long)di->max_pages,
		  (unsigned long)di->outstanding_pages, (unsigned long)di->shr_pages,
		  (unsigned long)di->paged_pages);
		D("domctl getdomaininfo self: shared_info %s online %u max_vcpu_id %u ssidref %#x "
		  "cpupool %u gpaddr_bits %u emulation %#x misc %#x",
		  di->shared_info_frame == sd_si->shared_info >> 12 ? "start_info's" : "other",
		  di->nr_online_vcpus, di->max_vcpu_id, di->ssidref, di->cpupool, di->gpaddr_bits,
		  di->emulation_flags, di->misc_flags);
	}
	for (i = 0; i <= ncpus; i++) {
		memset(&ctx, 0, sizeof(ctx));
		memset(&op, 0, sizeof(op));
		op.u.vcpucontext.vcpu = i;
		op.u.vcpucontext.ctxt = (uint64_t)&ctx;
		rc = domctl_call(&op, DOMCTL_getvcpucontext, self);
		if (rc) {
			D("domctl getvcpucontext %u = %ld", i, rc);
			continue;
		}
		D("vcpuctx %u flags %#lx vm_assist %#lx kernel ss %#lx sp %s ldt %#lx/%lu gdt_ents %lu",
		  i, (unsigned long)ctx.flags, (unsigned long)ctx.vm_assist,
		  (unsigned long)ctx.kernel_ss, va_name(ctx.kernel_sp), (unsigned long)ctx.ldt_base,
		  (unsigned long)ctx.ldt_ents, (unsigned long)ctx.gdt_ents);
		D("vcpuctx %u cr0 %#lx cr3 %s cr4 %#lx dr6 %#lx dr7 %#lx", i,
		  (unsigned long)ctx.ctrlreg[0],
		  ctx.ctrlreg[3] ? mfn_name(ctx.ctrlreg[3] >> 12) : "0",
		  (unsigned long)ctx.ctrlreg[4], (unsigned long)ctx.debugreg[6],
		  (unsigned long)ctx.debugreg[7]);
		D("vcpuctx %u callbacks %s %s %s bases %#lx %#lx %#lx", i,
		  va_name(ctx.event_callback_eip), va_name(ctx.failsafe_callback_eip),
		  va_name(ctx.syscall_callback_eip), (unsigned long)ctx.fs_base,
		  (unsigned long)ctx.gs_base_kernel, (unsigned long)ctx.gs_base_user);
		if (i)
			D("vcpuctx %u regs rip %s rsp %s rflags %#lx cs %#x ss %#x", i,
			  va_name(ctx.user_regs.rip), va_name(ctx.user_regs.rsp),
			  (unsigned long)ctx.user_regs.rflags, ctx.user_regs.cs, ctx.user_regs.ss);
	}
}

/* The whole dump; ncpus from the vCPUs that are up. */
static int start_diff(struct start_info *si)
{
	unsigned int ncpus;

	sd_si = si;
	sd_kend = ((uint64_t)_end + 4095) & ~4095ULL;
	sd_region_pages = (si->pt_base + (si->nr_pt_frames + 1) * 4096 + (512 << 10) - SD_VBASE) >> 12;
	snapshot_rings();
	if (console_page)	/* a domU: no line may be lost */
		console_page_domu(si->console.domU.evtchn);
	for (ncpus = 1; ncpus < 64; ncpus++)
		if (hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_is_up, ncpus, 0) < 0)
			break;
	dump_regs();
	dump_start_info();
	dump_p2m();
	dump_region();
	dump_tables();
	dump_shared_info(ncpus);
	dump_rings();
	if (traps_install(true))
		return fail("set_trap_table failed");
	dump_cpu();
	dump_queries(ncpus);
	dump_domctl(ncpus);
	printf("conform-start-diff: %u lines\n", sd_line);
	console_page_drain();
	return TEST_PASS;
}
