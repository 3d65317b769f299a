// SPDX-License-Identifier: GPL-2.0-only
/*
 * Each CPU's descriptor tables and system-call MSRs; the boot CPU's in
 * this file's static tables, each AP's in pages cpu_percpu_alloc takes
 * (its reserved descriptor page, TSS, stacks and struct percpu). The IDT
 * is one table every CPU loads.
 *
 * GDT: see asm/desc.h. The reserved page (byte 0xE000) holds, at the
 * offsets Xen uses and Linux hard-codes: 0xE008 ring-0 64-bit code,
 * 0xE010 ring-0 data, 0xE023 ring-3 32-bit code, 0xE02B ring-3 flat data,
 * 0xE033 ring-3 64-bit code, 0xE040 the TSS. STAR is chosen so that
 * syscall enters on 0xE008/0xE010 and sysret would return on
 * 0xE033/0xE02B.
 *
 * IDT: all gates DPL 0 but #BP and #OF, so a guest's `int n` raises #GP
 * and the hypervisor decides (emul_priv.c). #DF and NMI run on their own stacks (IST), so a broken stack
 * still gives a crash dump.
 */
#include <hv/lib.h>
#include <asm/x86.h>
#include <asm/desc.h>
#include <asm/layout.h>
#include <asm/percpu.h>
#include <asm/page.h>
#include <asm/irq.h>
#include <asm/apic.h>
#include <asm/pv.h>
#include <hv/domain.h>
#include <hv/page_alloc.h>
#include <hv/smp.h>
#include <asm/pv.h>
#include <lamina/xen_x86_64.h>

struct tss {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3;
	uint16_t iomap_base;
} __packed;

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, rsvd;
} __packed;

BUILD_BUG_ON(sizeof(struct tss) != 104);
BUILD_BUG_ON(sizeof(struct idt_gate) != 16);

struct percpu cpu0_percpu;
static uint64_t gdt[GDT_PAGES * 512] __aligned(4096);
static struct idt_gate idt[256] __aligned(4096);
static struct tss tss __aligned(64);
static uint8_t ist_stacks[NR_IST_STACKS][IST_STACK_SIZE] __aligned(4096);
bool cpu_has_smap;
bool cpu_has_fsgsbase;
uint64_t xcr0_max;		/* XSAVE features guests may enable; 0 = no XSAVE */
bool copy_wide_ok;		/* GNTTABOP_copy may use AVX (asm/copy_wide.h) */

/* x87, SSE and AVX: the state components guests may use (XCR0 bits 0-2). */
#define XSTATE_GUEST	0x7ULL

static void xsave_init(bool boot)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1U << 26)))
		return;
	write_cr4(read_cr4() | (1UL << 18));		/* OSXSAVE */
	cpuid(0xD, 0, &a, &b, &c, &d);
	xcr0_max = (((uint64_t)d << 32) | a) & XSTATE_GUEST & ~xstate_hidden;
	cpuid(0xD, 1, &a, &b, &c, &d);
	copy_wide_ok = (xcr0_max & 4) && (a & (1U << 2));	/* AVX, and XGETBV 1 (XINUSE) */
	cpuid(0xD, 0, &a, &b, &c, &d);
	asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)xcr0_max), "d"((uint32_t)(xcr0_max >> 32)));
	cpuid(0xD, 0, &a, &b, &c, &d);
	if (b > 1024)
		panic("cpu: XSAVE area of %u bytes is too big", b);
	if (boot)
		pr_info("cpu: XSAVE on, guest XCR0 up to %#llx (%u bytes), grant copies by AVX %s\n",
		(unsigned long long)xcr0_max, b, copy_wide_ok ? "on" : "off");
}

extern const uint64_t exception_stubs[32];
extern void irq_spurious(void);
extern void irq_timer(void);
extern void irq_ipi_call(void);
extern void irq_ipi_stop(void);
extern void irq_ipi_event(void);
extern void irq_ipi_timer(void);
extern void irq_ipi_hold(void);
extern const uint64_t irq_stubs[IRQ_VECTORS];
extern void syscall_entry(void);
extern void cstar_entry(void);
extern void sysenter_entry(void);

#define GDT_IDX(sel)	(((sel) & ~7) / 8)

/*
 * The reserved page's descriptors; gdt is the table's base, so index
 * GDT_IDX(sel) lands in the reserved page, the only one written here.
 */
static void gdt_init(uint64_t *gdt, const struct tss *t_ss)
{
	uint64_t base = (uint64_t)t_ss;
	unsigned int t = GDT_IDX(HV_TSS_SEL);

	gdt[GDT_IDX(HV_CS)] = 0x00af9b000000ffffULL;		/* ring-0 64-bit code */
	gdt[GDT_IDX(HV_DS)] = 0x00cf93000000ffffULL;		/* ring-0 data */
	gdt[GDT_IDX(FLAT_RING3_CS32)] = 0x00cffb000000ffffULL;	/* ring-3 32-bit code */
	gdt[GDT_IDX(FLAT_RING3_DS32)] = 0x00cff3000000ffffULL;	/* ring-3 data */
	gdt[GDT_IDX(FLAT_RING3_CS64)] = 0x00affb000000ffffULL;	/* ring-3 64-bit code */
	/* 64-bit available TSS, 16 bytes. */
	gdt[t] = (sizeof(*t_ss) - 1) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		 (((base >> 24) & 0xff) << 56);
	gdt[t + 1] = base >> 32;
}

static void load_tables(const uint64_t *gdt)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed gdtr = { GDT_LIMIT, (uint64_t)gdt }, idtr = { sizeof(idt) - 1, (uint64_t)idt };

	asm volatile("lgdt %0" : : "m"(gdtr));
	/* Reload CS with a far return, then the data segments. */
	asm volatile("pushq %0\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "mov %1, %%ss\n\t"
		     "mov %2, %%ds\n\t"
		     "mov %2, %%es\n\t"
		     "mov %2, %%fs\n\t"
		     "mov %2, %%gs"
		     : : "i"(HV_CS), "r"(HV_DS), "r"(0) : "rax", "memory");
	asm volatile("ltr %w0" : : "r"(HV_TSS_SEL));
	asm volatile("lidt %0" : : "m"(idtr));
}

static void set_gate(unsigned int vec, uint64_t handler, unsigned int ist, unsigned int dpl)
{
	struct idt_gate *g = &idt[vec];

	g->off_lo = handler & 0xffff;
	g->sel = HV_CS;
	g->ist = ist;
	g->type = 0x8e | (dpl << 5);	/* present, 64-bit interrupt gate */
	g->off_mid = (handler >> 16) & 0xffff;
	g->off_hi = handler >> 32;
	g->rsvd = 0;
}

void idt_init(void)
{
	unsigned int v;

	for (v = 0; v < 256; v++)
		set_gate(v, (uint64_t)irq_spurious, 0, 0);
	for (v = 0; v < 32; v++)
		set_gate(v, exception_stubs[v], 0, 0);
	set_gate(8, exception_stubs[8], IST_DF, 0);
	set_gate(2, exception_stubs[2], IST_NMI, 0);
	set_gate(1, exception_stubs[1], IST_DB, 0);
	set_gate(18, exception_stubs[18], IST_MC, 0);
	/* int3 and into reach a guest's handlers from any guest mode (§2.3). */
	set_gate(3, exception_stubs[3], 0, 3);
	set_gate(4, exception_stubs[4], 0, 3);
	set_gate(TIMER_VECTOR, (uint64_t)irq_timer, 0, 0);
	set_gate(IPI_CALL_VECTOR, (uint64_t)irq_ipi_call, 0, 0);
	set_gate(IPI_STOP_VECTOR, (uint64_t)irq_ipi_stop, 0, 0);
	set_gate(IPI_EVENT_VECTOR, (uint64_t)irq_ipi_event, 0, 0);
	set_gate(IPI_TIMER_VECTOR, (uint64_t)irq_ipi_timer, 0, 0);
	set_gate(IPI_HOLD_VECTOR, (uint64_t)irq_ipi_hold, 0, 0);
	for (v = 0; v < IRQ_VECTORS; v++)
		set_gate(IRQ_VECTOR_FIRST + v, irq_stubs[v], 0, 0);
}

/* Mask both legacy PICs after moving them off the exception vectors. */
static void pic_disable(void)
{
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, 0x20);
	outb(0xa1, 0x28);
	outb(0x21, 0x04);
	outb(0xa1, 0x02);
	outb(0x21, 0x01);
	outb(0xa1, 0x01);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

/*
 * sysenter works in long mode on Intel-style CPUs only; AMD and Hygon
 * raise #UD there, and Xen leaves the MSRs alone on them (SYSENTER_CS 0:
 * an emulator that runs sysenter anyway raises #GP(0)). We do the same.
 */
static bool cpu_sysenter_in_long_mode(void)
{
	uint32_t a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	return b != 0x68747541 && b != 0x6f677948;	/* "Auth"enticAMD, "Hygo"nGenuine */
}

void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, ((uint64_t)FLAT_RING3_CS32 << 48) | ((uint64_t)HV_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_CSTAR, (uint64_t)cstar_entry);
	if (cpu_sysenter_in_long_mode()) {
		/* sysenter from ring 3 enters on HV_CS/HV_DS at the stack top. */
		wrmsr(MSR_SYSENTER_CS, HV_CS);
		wrmsr(MSR_SYSENTER_ESP, this_cpu()->stack_top);
		wrmsr(MSR_SYSENTER_EIP, (uint64_t)sysenter_entry);
	}
	wrmsr(MSR_FMASK, X86_EFLAGS_IF | X86_EFLAGS_TF | X86_EFLAGS_DF |
			 X86_EFLAGS_AC | X86_EFLAGS_NT);
}

static void features_init(bool boot)
{
	uint32_t a, b, c, d;
	/*
	 * FSGSBASE and TSD only ever while a vCPU that set them runs
	 * (cr4_guest_load). PGE never: each CR3 load must flush every
	 * translation, the flush clock's rule (hv/flushtlb.h); and guests'
	 * user L1 entries carry G, as Xen stores them (page_type.c,
	 * l1_guest_bits), which PGE would keep across address spaces.
	 */
	uint64_t cr4 = (read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT) &
		       ~(CR4_GUEST_REAL | X86_CR4_PGE);

	cpuid(0, 0, &a, &b, &c, &d);
	if (boot)	/* "AuthenticAMD", "HygonGenuine" */
		cpu_amd_like = (b == 0x68747541 && d == 0x69746E65 && c == 0x444D4163) ||
			       (b == 0x6F677948 && d == 0x6E65476E && c == 0x656E6975);
	if (a >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		if (b & (1U << 7))
			cr4 |= X86_CR4_SMEP;
		if (boot)
			cpu_has_fsgsbase = b & 1;
		if (b & (1U << 20)) {
			cr4 |= X86_CR4_SMAP;
			cpu_has_smap = true;
		}
	}
	write_cr4(cr4);
	xsave_init(boot);
	if (boot)
		pr_info("cpu: SMEP %s, SMAP %s\n", cr4 & X86_CR4_SMEP ? "on" : "absent",
			cpu_has_smap ? "on" : "absent");
}

/*
 * The GDT as a CPU sees it while vCPUs run: its GDT area (asm/desc.h,
 * GDT_AREA_OF) maps 15 pages, 0-13 the running vCPU's set_gdt frames (an
 * empty page where it has none), 14 the CPU's reserved page; then its
 * LDT pages. One L1 a CPU, in one L2 every L4 shares. The mapping is
 * supervisor-only; guests change their frames through update_descriptor.
 */
static uint64_t *gdt_l2;
static mfn_t gdt_zero_mfn;

/* cpu's GDT area, its reserved page `reserved` (a direct-map address); false: no memory. */
static bool gdt_area_add(struct percpu *pc, const uint64_t *reserved)
{
	mfn_t m = alloc_frame();
	pte_t *l1;
	unsigned int i;

	if (m == INVALID_MFN)
		return false;
	l1 = mfn_to_virt(m);
	for (i = 0; i < GDT_PAGES - 1; i++)
		l1[i] = mk_pte(gdt_zero_mfn, _PAGE_PRESENT | _PAGE_NX);
	l1[GDT_PAGES - 1] = virt_to_maddr(reserved) | _PAGE_PRESENT | _PAGE_RW | _PAGE_NX;
	pc->gdt_l1 = l1;
	pc->gdt_hi = GDT_PAGES - 1;	/* the first load writes them all */
	pc->ldt_hi = 16;
	gdt_l2[L2_INDEX(HV_GDT_AREA) + pc->cpu_id] = virt_to_maddr(l1) | _PAGE_PRESENT | _PAGE_RW;
	return true;
}

static void gdt_area_load(const struct percpu *pc)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed gdtr = { GDT_LIMIT, GDT_AREA_OF(pc->cpu_id) };

	asm volatile("lgdt %0" : : "m"(gdtr));
}

void gdt_area_init(void)
{
	pte_t *l3;
	unsigned int i;
	mfn_t m[3];

	BUILD_BUG_ON(L2_INDEX(HV_GDT_AREA) + MAX_CPUS > 512);
	for (i = 0; i < 3; i++) {
		m[i] = alloc_frame();
		if (m[i] == INVALID_MFN)
			panic("no memory for the GDT area");
	}
	l3 = mfn_to_virt(m[0]);
	gdt_l2 = mfn_to_virt(m[1]);
	gdt_zero_mfn = m[2];
	idle_l4[L4_INDEX(HV_GDT_AREA)] = virt_to_maddr(l3) | _PAGE_PRESENT | _PAGE_RW;
	l3[L3_INDEX(HV_GDT_AREA)] = virt_to_maddr(gdt_l2) | _PAGE_PRESENT | _PAGE_RW;
	if (!gdt_area_add(&cpu0_percpu, &gdt[(GDT_PAGES - 1) * 512]))
		panic("no memory for the GDT area");
	gdt_area_load(&cpu0_percpu);
}

/*
 * The LDT the CPU sees is its LDT_AREA, pages mapped one by one as the
 * guest first uses them (pv_ldt_fault); the descriptor at HV_LDT_SEL in
 * its reserved GDT page points there with the guest's entry count.
 */
static inline void ldt_map_at(pte_t *l1, uint64_t base, unsigned int page, mfn_t mfn)
{
	l1[32 + page] = mfn ? mk_pte(mfn, _PAGE_PRESENT | _PAGE_RW | _PAGE_NX) : 0;
	invlpg(base + page * PAGE_SIZE);
}

void ldt_map_frame(unsigned int page, mfn_t mfn)
{
	__seg_gs struct percpu *pc = this_cpu();

	ldt_map_at(pc->gdt_l1, LDT_AREA, page, mfn);
	if (pc->ldt_hi <= page)
		pc->ldt_hi = page + 1;
}

/*
 * A vCPU switch rewrites (and flushes) only the GDT and LDT pages either
 * vCPU may have: this CPU's pages from gdt_hi and ldt_hi on are already
 * the empty GDT page and unmapped (no TLB entry of another frame left,
 * each change having had its invlpg), and a vCPU's LDT frames lie below
 * its ldt_ents' pages (pv_ldt_fault maps no others; every change of
 * ldt_ents releases them first). Most switches, a Linux process's or a
 * test guest's, then write one GDT page and no LDT page instead of 30.
 */
void ldt_load_vcpu(const struct vcpu *v)
{
	uint64_t base = LDT_AREA, limit = v->arch.ldt_ents * 8 - 1;
	__seg_gs struct percpu *pc = this_cpu();
	unsigned int i, t = GDT_IDX(HV_LDT_SEL), hi = DIV_ROUND_UP(v->arch.ldt_ents, 512);
	unsigned int n;
	uint64_t *res = pc->gdt;	/* its reserved page */
	pte_t *l1 = pc->gdt_l1;

	if (hi > ARRAY_SIZE(v->arch.ldt_frames))	/* ldt_ents is at most 8192 */
		hi = ARRAY_SIZE(v->arch.ldt_frames);
	n = hi > pc->ldt_hi ? hi : pc->ldt_hi;
	for (i = 0; i < n; i++)
		ldt_map_at(l1, base, i, v->arch.ldt_frames[i]);
	pc->ldt_hi = hi;
	if (!v->arch.ldt_ents) {
		asm volatile("lldt %w0" : : "r"(0));
		return;
	}
	res[t - (GDT_PAGES - 1) * 512] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x82ULL << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	res[t + 1 - (GDT_PAGES - 1) * 512] = base >> 32;
	asm volatile("lldt %w0" : : "r"(HV_LDT_SEL));
}

/*
 * Xen 4.17's rule for 64-bit PV guests (pv_make_cr4): CR4.FSGSBASE is
 * never set behind a guest kernel's back (XSA-293), and CR4.TSD is set
 * only for a vCPU that asked for it (no vTSC here); each only while a
 * vCPU runs whose virtual CR4 has it. The CPU's bits are remembered, so
 * a context switch between vCPUs that agree costs no CR4 write.
 */
void cr4_guest_load(uint32_t bits)
{
	if (likely(this_cpu()->cr4_real == bits))
		return;
	this_cpu()->cr4_real = bits;
	write_cr4((read_cr4() & ~CR4_GUEST_REAL) | bits);
}

/* CPU 0's area: its pages 16-18 map the local APIC, IO-APIC and MSI-X windows. */
pte_t *gdt_area_l1(void)
{
	return cpu0_percpu.gdt_l1;
}

void gdt_load_vcpu(const struct vcpu *v)
{
	__seg_gs struct percpu *pc = this_cpu();
	pte_t *l1 = pc->gdt_l1;
	uint64_t area = GDT_AREA_OF(pc->cpu_id);
	unsigned int i, n = v->arch.nr_gdt_frames > pc->gdt_hi ? v->arch.nr_gdt_frames : pc->gdt_hi;

	pc->gdt_hi = v->arch.nr_gdt_frames;
	for (i = 0; i < n; i++) {
		mfn_t mfn = i < v->arch.nr_gdt_frames ? v->arch.gdt_frames[i] : gdt_zero_mfn;

		l1[i] = mk_pte(mfn, _PAGE_PRESENT | _PAGE_RW | _PAGE_NX);
		invlpg(area + i * PAGE_SIZE);
	}
}

/*
 * Boot-time check of what the IST protects: #DB, NMI, #DF and #MC each on
 * its own stack, none shared with another vector or with the per-CPU
 * stack. The log line is what tests/guest/movss looks for.
 */
static void ist_self_check(void)
{
	static const struct { unsigned int vec, ist; const char *name; } want[] = {
		{ 1, IST_DB, "#DB" }, { 2, IST_NMI, "NMI" }, { 8, IST_DF, "#DF" },
		{ 18, IST_MC, "#MC" },
	};
	unsigned int i, v;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		unsigned int ist = idt[want[i].vec].ist;

		if (ist != want[i].ist ||
		    tss.ist[ist - 1] != (uint64_t)ist_stacks[ist - 1] + IST_STACK_SIZE - IST_TOP_RESERVE ||
		    *(uint64_t *)tss.ist[ist - 1] != (uint64_t)&cpu0_percpu)
			panic("cpu: %s is not on IST%u", want[i].name, want[i].ist);
		for (v = 0; v < 256; v++)
			if (v != want[i].vec && idt[v].ist == ist)
				panic("cpu: vector %u shares %s's IST%u", v, want[i].name, ist);
	}
	pr_info("cpu: IST stacks: #DB %u, NMI %u, #DF %u, #MC %u\n", idt[1].ist, idt[2].ist,
		idt[8].ist, idt[18].ist);
}

static void tss_init(struct tss *t, const struct percpu *pc)
{
	unsigned int i;

	t->rsp[0] = pc->stack_top;
	for (i = 0; i < NR_IST_STACKS; i++) {
		t->ist[i] = pc->ist_lo + (i + 1) * IST_STACK_SIZE - IST_TOP_RESERVE;
		*(const struct percpu **)t->ist[i] = pc;	/* ist_common's GS check */
	}
	t->iomap_base = sizeof(*t);	/* no I/O bitmap: all ports #GP in ring 3 */
}

/* What every CPU does with its own tables and MSRs, the boot CPU first. */
static void cpu_init_common(struct percpu *pc, bool boot)
{
	tss_init(pc->tss, pc);
	gdt_init(pc->gdt - (GDT_PAGES - 1) * 512, pc->tss);
	load_tables(pc->gdt - (GDT_PAGES - 1) * 512);
	/* Hypervisor GS base = per-CPU; the guest's sits in KERNEL_GS_BASE. */
	wrmsr(MSR_GS_BASE, (uint64_t)pc);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	syscall_init();
	msr_init(boot);		/* first: xsave_init leaves out what it hides */
	features_init(boot);
	/*
	 * Xen's PAT (msr.c), so that guests' entries mean what they mean on
	 * Xen 4.17 and rdmsr of PAT reads what the CPU uses. Entries 0-3,
	 * the only ones the hypervisor's own mappings use, are the power-on
	 * WB, WT, UC-, UC; 4 and 5 become WC and WP.
	 */
	wrmsr(MSR_IA32_PAT, hv_pat);
	pc->tsc_aux = 0;		/* guests' TSC_AUX (msr.c), 0 until one sets it */
	if (host_has_rdtscp)
		wrmsr(MSR_TSC_AUX, 0);
}

void cpu_init(void)
{
	struct percpu *pc = &cpu0_percpu;

	pc->self = pc;
	pc->stack_lo = (uint64_t)cpu0_stack;
	pc->stack_top = pc->stack_lo + STACK_SIZE;
	pc->ist_lo = (uint64_t)ist_stacks;
	pc->cpu_id = 0;
	pc->cpu_bit = 1;
	pc->gdt = &gdt[(GDT_PAGES - 1) * 512];
	pc->tss = &tss;
	idt_init();
	pic_disable();
	cpu_init_common(pc, true);
	ist_self_check();
}

/*
 * An AP's pages, contiguous: its reserved descriptor page (until it loads
 * its GDT area the GDT's base is GDT_PAGES - 1 pages below it, and only
 * this page is read), a page with its struct percpu and
 * TSS, the IST stacks, the hypervisor stack. NULL when out of memory.
 */
#define AP_PAGES	(2 + NR_IST_STACKS + STACK_SIZE / PAGE_SIZE)

struct ap_area {
	struct percpu pc;
	struct tss tss __aligned(64);
};
BUILD_BUG_ON(sizeof(struct ap_area) > PAGE_SIZE);

struct percpu *cpu_percpu_alloc(unsigned int cpu, uint32_t apic_id)
{
	mfn_t m = alloc_frames_contig(AP_PAGES);
	uint8_t *p;
	struct ap_area *a;

	if (m == INVALID_MFN)
		return NULL;
	p = mfn_to_virt(m);
	a = (struct ap_area *)(p + PAGE_SIZE);
	a->pc.self = &a->pc;
	a->pc.cpu_id = cpu;
	a->pc.cpu_bit = 1ULL << cpu;
	a->pc.apic_id = apic_id;
	a->pc.cr4_real = 0;		/* features_init clears the bits */
	a->pc.gdt = (uint64_t *)p;
	a->pc.tss = &a->tss;
	a->pc.ist_lo = (uint64_t)p + 2 * PAGE_SIZE;
	a->pc.stack_lo = a->pc.ist_lo + NR_IST_STACKS * IST_STACK_SIZE;
	a->pc.stack_top = a->pc.stack_lo + STACK_SIZE;
	if (!gdt_area_add(&a->pc, a->pc.gdt))
		return NULL;	/* its pages stay (boot, out of memory: no more CPUs) */
	return &a->pc;
}

/* On the AP itself, on its own stack, interrupts off. */
void cpu_init_secondary(struct percpu *pc, uint64_t pat)
{
	cpu_init_common(pc, false);
	gdt_area_load(pc);
	wrmsr(MSR_IA32_PAT, pat);
}
