// SPDX-License-Identifier: GPL-2.0-only
/*
 * Emulation of the privileged instructions a ring-3 PV kernel still
 * executes (docs/abi-core.md §4): they raise #GP (or #UD for the forced
 * CPUID prefix) and are decoded here. Guest user mode gets only int n,
 * and port I/O and cli/sti at a virtual IOPL of 3; anything not listed
 * sees the fault the hardware raised.
 *
 * The decoder knows the few encodings involved, after any prefixes as
 * the CPU reads them (asm/x86_prefixes.h): port I/O (in, out, ins, outs;
 * string operands honour the segment's base and, in compatibility mode,
 * its limit and type; 67 makes them 32-bit in 64-bit code, 16-bit in
 * 32-bit compatibility mode; in 16-bit code, D=0, operands and addresses
 * are 16-bit and 66/67 make them 32), cli/sti, CD nn (int n, for the
 * trap table's DPL rule; QEMU's TCG puts a wrong vector in that #GP's
 * error code, so the instruction is decoded rather than trusted),
 * and 0F 30 wrmsr, 0F 32 rdmsr, 0F 09 wbinvd, 0F 06 clts,
 * 0F 01 D1 xsetbv, 0F 20/22 mov from/to a control register and 0F 21/23
 * mov from/to a debug register (REX.R: register 8-15). Lock before port
 * I/O or a 0F instruction is #UD, as Xen 4.17 answers. 0F 08 invd is
 * not emulated: a #GP, as Xen 4.17's privileged-op emulator lists
 * wbinvd and not invd.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/domctl.h>
#include <hv/mm.h>
#include <hv/guest_access.h>
#include <hv/hypervisor.h>
#include <asm/acpi.h>
#include <asm/irq.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <asm/x86_prefixes.h>
#include <lamina/callback.h>
#include <lamina/version.h>
#include <lamina/mm.h>
#include <lamina/xen_x86_64.h>

extern uint64_t xcr0_max;

/*
 * The CR4 a PV kernel sees: PAE, MCE, OSFXSR, OSXMMEXCPT (Xen's value),
 * and OSXSAVE once it set that bit (with XSAVE offered); xsetbv is #UD
 * until then. FSGSBASE (with the host's FSGSBASE), TSD and DE are the
 * guest's to set and clear, as Xen 4.17's pv_fixup_guest_cr4 keeps them:
 * the real FSGSBASE and TSD follow them while the vCPU runs (pv_make_cr4;
 * with TSD, user-mode rdtsc/rdtscp is a #GP(0) and the kernel's are
 * emulated), DE is virtual (pv_misc.c: DR4/DR5 #UD, I/O breakpoints,
 * which emulate_io raises). Every x86-64 CPU has TSC and DE. Other bits it
 * writes are ignored. CPUID shows OSXSAVE
 * whenever XSAVE is offered, as Xen's does: Linux's PV boot takes XSAVE
 * without OSXSAVE as XSAVE switched off (xen_check_xsave()).
 */
#define GUEST_CR4		0x660
#define CR4_OSXSAVE		(1ULL << 18)

/* CR0 and CR4 as the guest reads them: mov from %cr0/%cr4, getvcpucontext. */
uint64_t pv_guest_cr0(const struct vcpu *v)
{
	return (read_cr0() & ~(1ULL << 3)) | ((uint64_t)v->arch.fpu_ts << 3);
}

uint64_t pv_guest_cr4(const struct vcpu *v)
{
	return GUEST_CR4 | (v->arch.cr4_osxsave ? CR4_OSXSAVE : 0) | v->arch.cr4_real |
	       (v->arch.cr4_de ? X86_CR4_DE : 0);
}

/*
 * FSGSBASE, TSD, DE and OSXSAVE (with XSAVE offered) from a CR4 the guest
 * gives: mov to %cr4, and setvcpucontext's ctrlreg[4], as Xen 4.17's
 * arch_set_info_guest runs pv_fixup_guest_cr4 on it.
 */
void pv_set_guest_cr4(struct vcpu *v, uint64_t cr4)
{
	v->arch.cr4_osxsave = (cr4 & CR4_OSXSAVE) && xcr0_max;
	v->arch.cr4_real = (cr4 & X86_CR4_TSD) |
			   (cpu_has_fsgsbase ? cr4 & X86_CR4_FSGSBASE : 0);
	v->arch.cr4_de = cr4 & X86_CR4_DE;
}

/*
 * The segment-base MSRs, a kernel's most used (Linux's first trapping
 * instruction writes GS_BASE): here, before msr.c's others. The guest's
 * GS base sits in KERNEL_GS_BASE while it runs in kernel mode.
 */
static bool read_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case MSR_FS_BASE:		*val = rdmsr(MSR_FS_BASE); return true;	/* wrfsbase */
	case MSR_GS_BASE:		*val = rdmsr(MSR_KERNEL_GS_BASE); return true;
	case MSR_KERNEL_GS_BASE:	*val = v->arch.user_gs_base; return true;
	default:			return pv_read_msr(v, msr, val);
	}
}

static bool write_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (msr < MSR_FS_BASE || msr > MSR_KERNEL_GS_BASE)
		return pv_write_msr(v, msr, val);
	if (!is_canonical(val))
		return false;
	if (msr == MSR_FS_BASE) {
		v->arch.fs_base = val;
		wrmsr(MSR_FS_BASE, val);
	} else if (msr == MSR_GS_BASE) {
		v->arch.kernel_gs_base = val;
		wrmsr(MSR_KERNEL_GS_BASE, val);
	} else {
		v->arch.user_gs_base = val;
	}
	return true;
}

/*
 * mov to %cr3: the base switch of MMUEXT_NEW_BASEPTR, to the frame in
 * bits 12-63 (the low twelve, PCID or PWT/PCD, are ignored; bits above
 * the frame numbers name no frame), as Xen 4.17's write_cr. 1 when done,
 * 0 for the #GP(0) of a refused frame, -1 for a preempted validation:
 * the instruction runs again, rip kept, as Xen's X86EMUL_RETRY. Until 5
 * Dec nothing let the validation stop (pt_preemptible was off here), so
 * a new L4 over a tree of the guest's whole memory held the CPU until
 * every entry was checked.
 */
static int emulate_mov_to_cr3(struct vcpu *v, uint64_t val)
{
	int rc;

	pt_preemptible_begin();
	rc = new_baseptr(v, val >> PAGE_SHIFT, false);
	pt_preemptible_end();

	return rc == -ERESTART ? -1 : !rc;
}

/*
 * The operand of mov to/from a control or debug register: 64 bits in
 * 64-bit code, else 32 (the source's low half; a result zero-extended),
 * as the CPU and Xen 4.17's emulator (op_bytes 4) take it. Until 7 Dec
 * Lamina took the whole register in 32-bit code too: a kernel's `mov
 * %eax, %dr7` refused (#GP) for an upper half left from 64-bit code,
 * `mov %cr2, %ecx` gave 64 bits (tests/guest/conform-compat-crdr).
 */
static inline uint64_t op_mask(bool is64)
{
	return is64 ? ~0ULL : 0xFFFFFFFFULL;
}

/* 1 done, 0 a #GP, -1 to run the instruction again (emulate_mov_to_cr3). */
static int emulate_mov_cr(struct vcpu *v, struct cpu_regs *r, uint8_t modrm,
			  uint8_t rex, bool to_cr, bool is64)
{
	unsigned int cr = ((modrm >> 3) & 7) | ((rex & 4) << 1);
	uint64_t *reg = regs_gpr(r, (modrm & 7) | ((rex & 1) << 3));
	uint64_t val = *reg & op_mask(is64);

	/* The mod bits are ignored, as the hardware does: the operand is a register. */
	if (to_cr && cr == 0) {
		/* Only TS may change (§4.1): it acts like fpu_taskswitch. */
		if ((val ^ read_cr0()) & ~(1ULL << 3))
			return false;
		vcpu_set_ts(v, val & (1ULL << 3));
		return true;
	}
	if (to_cr && cr == 4) {
		pv_set_guest_cr4(v, val);
		cr4_guest_load(v->arch.cr4_real);
		return true;
	}
	if (to_cr && cr == 3)
		return emulate_mov_to_cr3(v, val);
	if (to_cr && cr == 2) {
		/* What the next mov from %cr2 reads, as Xen 4.17's write_cr. */
		v->vcpu_info->arch.cr2 = val;
		return true;
	}
	if (to_cr)
		return false;
	switch (cr) {
	case 0:	val = pv_guest_cr0(v); break;
	case 2:	val = v->vcpu_info->arch.cr2; break;
	case 3:	val = vcpu_cr3(v); break;
	case 4:	val = pv_guest_cr4(v); break;
	default: return false;
	}
	*reg = val & op_mask(is64);
	return true;
}

/*
 * mov %drN, reg / mov reg, %drN (0F 21 / 0F 23): the set_debugreg and
 * get_debugreg rules (pv_misc.c), on op_mask's operand. The ModRM mod
 * bits are ignored, as the hardware does: the operand is always a
 * register. As in Xen 4.17, a refused write is a #GP(0), and DR8-15
 * (REX.R) or -ENODEV a #UD.
 */
static int emulate_mov_dr(struct vcpu *v, struct cpu_regs *r, uint8_t modrm,
			  uint8_t rex, bool to_dr, bool is64)
{
	unsigned int dr = ((modrm >> 3) & 7) | ((rex & 4) << 1);
	uint64_t *reg = regs_gpr(r, (modrm & 7) | ((rex & 1) << 3)), val;
	int rc;

	if (to_dr)
		return vcpu_set_debugreg(v, dr, *reg & op_mask(is64));
	rc = vcpu_get_debugreg(v, dr, &val);
	if (!rc)
		*reg = val & op_mask(is64);
	return rc;
}

/* int n from the guest: the trap table's DPL decides (§2.3). */
static bool emulate_int(struct vcpu *v, struct cpu_regs *r, uint8_t n)
{
	const struct trap_entry *t = &v->arch.traps[n];
	unsigned int dpl = t->flags & TI_DPL_MASK;

	if (!t->address || dpl < (v->arch.kernel_mode ? 1U : 3U)) {
		pv_inject_trap(v, r, 13, ((uint64_t)n << 3) | 2);
		return true;
	}
	r->rip += 2;
	pv_bounce(v, r, t->address, t->flags & TI_MASK_EVENTS, false, 0);
	return true;
}

/*
 * The virtual IOPL (§4.4), as in Xen 4.17: guest kernel mode counts as
 * CPL 1, or CPL 0 with VMASST_TYPE_architectural_iopl (whose IOPL the
 * guest sets by iret, pv_traps.c), and user mode as CPL 3. in/out and
 * cli/sti are allowed when the IOPL reaches the CPL, else the #GP stands.
 */
static bool iopl_ok(const struct vcpu *v)
{
	unsigned int cpl = 3;

	if (v->arch.kernel_mode)
		cpl = (v->domain->vm_assist & (1ULL << VMASST_TYPE_architectural_iopl)) ? 0 : 1;
	return v->arch.iopl >= cpl;
}

/*
 * The guest's I/O bitmap (physdev_op set_iobitmap), as Xen 4.17's
 * guest_io_okay reads it: ports below its limit are allowed when their
 * bits are clear. The port's two bytes are read as one, so either one
 * unreadable refuses the port, and through the guest kernel's page
 * tables, for a user-mode access too (Xen's toggle_guest_pt): the
 * kernel's address for the bitmap, Linux's ioperm() one, is mapped
 * there only.
 */
static bool iobmp_ok(const struct vcpu *v, unsigned int port, unsigned int size)
{
	uint64_t cr3;
	uint8_t b[2];
	bool toggle;
	int fault;

	if (port + size > v->arch.iobmp_limit)
		return false;
	cr3 = read_cr3();
	toggle = !v->arch.kernel_mode && cr3 != v->arch.guest_cr3;
	if (toggle)
		write_cr3(v->arch.guest_cr3);
	fault = copy_from_guest(b, v->arch.iobmp + (port >> 3), 2);
	if (toggle)
		write_cr3(cr3);	/* the user tables back */
	return !fault && !((b[0] | (b[1] << 8)) & (((1U << size) - 1) << (port & 7)));
}

/*
 * in/out: a privileged domain reaches the real ports but the
 * hypervisor's own (console UART, PIC, PIT, the test-exit port) and the
 * ACPI PM timer's four, which Xen 4.17 also keeps from dom0
 * (dom0_setup_permissions); any
 * other domain those dom0 gave it (domctl ioport_permission), and from
 * the others reads all ones and its writes vanish (port_reached).
 */
bool port_is_hypervisors(uint16_t port, unsigned int size)
{
	static const struct { uint16_t first, last; } own[] = {
		{ 0x20, 0x21 }, { 0xA0, 0xA1 }, { 0x40, 0x43 },
	};
	uint16_t end = port + size - 1, pmtmr = acpi_pm_timer_port();
	unsigned int i;

	if (port <= hv_opts.com1_port + 7 && end >= hv_opts.com1_port)
		return true;
	if (pmtmr && port <= pmtmr + 3 && end >= pmtmr)
		return true;
	if (hv_opts.testexit_port && port <= hv_opts.testexit_port + 3 &&
	    end >= hv_opts.testexit_port)
		return true;
	for (i = 0; i < ARRAY_SIZE(own); i++)
		if (port <= own[i].last && end >= own[i].first)
			return true;
	return false;
}

/*
 * PCI configuration mechanism #1 for dom0, as Xen 4.17 emulates it: a
 * 32-bit write of port 0xCF8 is kept in the domain, an access inside
 * 0xCFC-0xCFF goes to the function it names (a write through
 * dom0_pci_conf_write, which guards MSI: irq.c, msi.c); any other access
 * touching 0xCF8-0xCFF goes in pieces (port_bytes): the data ports' part
 * to the function, bytes and words of 0xCF8-0xCFB to the machine (Xen's
 * dom0_setup_permissions denies dom0 0xCFC-0xCFF only: 0xCF9 is the
 * chipset's reset control), the ports past 0xCFF to theirs.
 */
static bool pci_port(uint16_t port, unsigned int size)
{
	return port <= 0xCFF && port + size - 1 >= 0xCF8;
}

static bool pci_data_port(uint16_t port, unsigned int size)
{
	return port >= 0xCFC && port + size - 1 <= 0xCFF;
}

/* dom0: any port but the hypervisor's; a domU: those dom0 gave it (not PCI's). */
static bool port_reached(const struct vcpu *v, uint16_t port, unsigned int size)
{
	if (port_is_hypervisors(port, size))
		return false;
	return v->domain->is_privileged ||
	       (!pci_port(port, size) && io_caps_cover(v->domain, IO_PORTS, port, port + size - 1U));
}

/*
 * The RTC's ports, as Xen 4.17's rtc_guest_read/write give every PV
 * domain: the index written to 0x70 is latched in the domain (the byte
 * whole, NMI-mask bit 7 too) and reads back from there; a 0x71 access,
 * for a domain holding both ports (dom0, or a domU dom0 gave them),
 * writes the latched index with bit 7 clear to the real 0x70 and then
 * reaches 0x71, the two under rtc_lock, so no domain can mask the host's
 * NMIs or race another's index; without the ports 0x71 reads all ones
 * and its writes vanish. The hypervisor's own CMOS reads (time.c) are
 * done at boot, before any domain runs.
 */
#define RTC_INDEX_PORT	0x70
#define RTC_DATA_PORT	0x71

static spinlock_t rtc_lock = SPINLOCK_INIT_LEVEL(LOCK_LEVEL_RTC);

static bool rtc_port(uint16_t port, unsigned int size)
{
	return port <= RTC_DATA_PORT && port + size - 1 >= RTC_INDEX_PORT;
}

/*
 * Port 0x61 (NMI status and control) for dom0, as Xen 4.17's
 * hwdom_pit_access: read as it is, written in its two speaker bits only
 * (timer 2's gate, speaker data), the rest kept as the port has them, so
 * that dom0 cannot switch the host's NMI sources (bits 2-3) off. A domU
 * dom0 gave the port reaches it whole, as on Xen.
 */
#define NMI_SC_PORT	0x61

/*
 * PIT timer 2 for dom0, as Xen 4.17's hwdom_pit_access when its platform
 * timer is not the PIT (Lamina uses timer 2 only to calibrate at boot):
 * port 0x42 reaches the machine, and so do 0x43's commands for counter 2,
 * a mode write selecting it and a read-back naming it (the other
 * counters' bits cleared); counters 0 and 1 stay the hypervisor's (Xen
 * emulates them for dom0 where dom0 cannot read them back: dropped here),
 * and 0x43 reads 0, as from Xen's emulated PIT. Written when val is
 * non-NULL, else read.
 */
#define PIT_CH2_PORT	0x42
#define PIT_MODE_PORT	0x43

static uint8_t pit_byte(uint16_t port, const uint8_t *val)
{
	if (port == PIT_CH2_PORT) {
		if (val)
			outb(port, *val);
		return val ? 0xFF : inb(port);
	}
	if (val && (*val & 0xC0) == 0x80)
		outb(port, *val);
	else if (val && (*val & 0xC0) == 0xC0 && (*val & 0x08))
		outb(port, *val & 0xF8);
	return val ? 0xFF : 0;
}

static bool split_port(const struct vcpu *v, uint16_t port, unsigned int size)
{
	return rtc_port(port, size) ||
	       (v->domain->is_privileged && port <= NMI_SC_PORT && port + size - 1 >= NMI_SC_PORT);
}

/* One byte of 0x70/0x71 (rtc_port): written when val is non-NULL, else read. */
static uint8_t rtc_byte(const struct vcpu *v, uint16_t port, const uint8_t *val)
{
	struct domain *d = v->domain;
	uint8_t byte = 0xFF;

	if (port == RTC_INDEX_PORT) {
		if (val)
			d->arch.cmos_idx = *val;
		return d->arch.cmos_idx;
	}
	if (!d->is_privileged && !io_caps_cover(d, IO_PORTS, RTC_INDEX_PORT, RTC_DATA_PORT))
		return byte;
	spin_lock(&rtc_lock);
	outb(RTC_INDEX_PORT, d->arch.cmos_idx & 0x7F);
	if (val)
		outb(RTC_DATA_PORT, *val);
	else
		byte = inb(RTC_DATA_PORT);
	spin_unlock(&rtc_lock);
	return byte;
}

/* A port port_bytes reaches as it is: no RTC, dom0's 0x61 or data port; PCI's for dom0 only. */
static bool plain_port(const struct vcpu *v, uint16_t p)
{
	bool priv = v->domain->is_privileged;

	return !rtc_port(p, 1) && !(priv && (p == NMI_SC_PORT || pci_data_port(p, 1))) &&
	       (priv || !pci_port(p, 1)) && port_reached(v, p, 1);
}

/*
 * An access not wholly given, or touching the RTC's ports (or dom0's 0x61
 * or PCI ports), goes in pieces, as Xen 4.17's guest_io_read/write:
 * 0x70/0x71 as rtc_byte, dom0's 0x42-0x43 as pit_byte, its 0x61 as above,
 * its part of the PCI data ports to the function its latch names, a byte
 * the domain holds to its port (two at an even port as a word), the
 * others all ones (writes to them vanish). Read when val is NULL.
 */
static uint32_t port_bytes(const struct vcpu *v, uint16_t port, unsigned int size,
			   const uint32_t *val)
{
	uint32_t cf8 = v->domain->arch.pci_cf8, got = 0xFFFFFFFF, piece, mask;
	bool priv = v->domain->is_privileged;
	unsigned int i, n;

	for (i = 0; i < size; i += n) {
		uint16_t p = (uint16_t)(port + i);
		uint32_t in = val ? *val >> (8 * i) : 0;
		uint8_t b = (uint8_t)in;

		n = 1;
		if (rtc_port(p, 1)) {
			piece = rtc_byte(v, p, val ? &b : NULL);
		} else if (priv && (p == PIT_CH2_PORT || p == PIT_MODE_PORT)) {
			piece = pit_byte(p, val ? &b : NULL);
		} else if (priv && p == NMI_SC_PORT) {
			if (val)
				outb(p, (inb(p) & ~3) | (b & 3));
			piece = val ? 0xFF : inb(p);
		} else if (priv && pci_data_port(p, 1)) {
			/* As Xen: up to the data ports' end, 3 bytes as 2. */
			n = MIN(size - i, 4 - (p & 3U));
			n = n == 3 ? 2 : n;
			mask = n == 4 ? 0xFFFFFFFF : (1U << (8 * n)) - 1;
			if (val)
				dom0_pci_conf_write(cf8, p & 3, n, in & mask);
			piece = val ? mask : pci_conf_read(cf8, p & 3, n);
		} else if (plain_port(v, p)) {
			/* Two bytes at an even port both reached: one word, as Xen. */
			if (i + 1 < size && !(p & 1) && plain_port(v, p + 1))
				n = 2;
			if (val && n == 2)
				outw(p, (uint16_t)in);
			else if (val)
				outb(p, b);
			piece = val ? 0xFFFF : n == 2 ? inw(p) : inb(p);
		} else {
			continue;
		}
		mask = n == 4 ? 0xFFFFFFFF : (1U << (8 * n)) - 1;
		got = (got & ~(mask << (8 * i))) | (piece & mask) << (8 * i);
	}
	return got;
}

/*
 * The access port_read and port_write make to the port itself (not the
 * 0xCF8 latch, the RTC's or dom0's 0x61 pieces, nor PCI's ports): Xen
 * 4.17's admin_io_okay, whose accesses its emulator makes through a stub
 * that answers X86EMUL_DONE.
 */
static bool port_direct(const struct vcpu *v, uint16_t port, unsigned int size)
{
	return !(port == 0xCF8 && size == 4) && !split_port(v, port, size) &&
	       port_reached(v, port, size) && !pci_port(port, size);
}

static uint32_t port_read(const struct vcpu *v, uint16_t port, unsigned int size)
{
	/* A 32-bit 0xCF8 is latched for every domain, as Xen 4.17's guest_io_read. */
	if (port == 0xCF8 && size == 4)
		return v->domain->arch.pci_cf8;
	if (split_port(v, port, size) || !port_reached(v, port, size))
		return port_bytes(v, port, size, NULL);
	if (pci_port(port, size)) {
		if (pci_data_port(port, size))
			return pci_conf_read(v->domain->arch.pci_cf8, port & 3, size);
		return port_bytes(v, port, size, NULL);
	}
	return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

static void port_write(const struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
	if (port == 0xCF8 && size == 4) {
		v->domain->arch.pci_cf8 = val;
		return;
	}
	if (split_port(v, port, size) || !port_reached(v, port, size)) {
		port_bytes(v, port, size, &val);
		return;
	}
	if (pci_port(port, size)) {
		if (pci_data_port(port, size))
			dom0_pci_conf_write(v->domain->arch.pci_cf8, port & 3, size, val);
		else
			port_bytes(v, port, size, &val);
		return;
	}
	if (size == 1)
		outb(port, (uint8_t)val);
	else if (size == 2)
		outw(port, (uint16_t)val);
	else
		outl(port, val);
}

/* One port I/O instruction: in/out (E4-E7, EC-EF) or ins/outs (6C-6F). */
struct io_insn {
	unsigned int len;	/* prefixes, opcode and any imm8 */
	unsigned int size;	/* bytes a transfer */
	unsigned int seg;	/* outs' source segment (DS or an override) */
	bool rep;
	bool addr32;		/* rcx and rsi/rdi 32-bit (64-bit code), 16-bit (compat) */
	uint8_t op;
	uint16_t port;
};

/*
 * The prefixes as scan_prefixes reads them (REX does not widen port I/O,
 * rep and repne both repeat; an address-size prefix narrows only the
 * string forms' registers).
 */
static bool decode_io(const struct cpu_regs *r, const uint8_t *b, unsigned int avail,
		      const struct x86_prefixes *p, bool is64, struct io_insn *io)
{
	unsigned int i = p->len;

	if (i >= avail)
		return false;
	io->rep = p->rep;
	io->seg = p->seg;
	io->addr32 = p->addrsize;
	io->op = b[i];
	io->port = (uint16_t)r->rdx;
	io->len = i + 1;
	if (io->op >= 0xE4 && io->op <= 0xE7) {
		if (i + 1 >= avail)
			return false;
		io->port = b[i + 1];
		io->len = i + 2;
	} else if (!(io->op >= 0xEC && io->op <= 0xEF) && !(io->op >= 0x6C && io->op <= 0x6F)) {
		return false;
	}
	io->size = (io->op & 1) ? (p->opsize ? 2 : 4) : 1;
	return true;
}

/*
 * Where a string instruction's memory operand is: the segment's base and
 * limit. In 64-bit code only FS and GS have a base (the guest's, live in
 * the MSRs: its GS base sits in KERNEL_GS_BASE while we run) and there is
 * no limit; in compatibility mode the selector's descriptor gives both
 * (FS and GS keep the base their MSR holds), read only within the GDT or
 * LDT limit, and its type must allow the access: ins a writable data
 * segment, outs data or readable code (Xen 4.17's rep_ins/rep_outs).
 * False: the selector names nothing usable (#GP).
 */
static bool io_segment(const struct vcpu *v, const struct cpu_regs *r, unsigned int seg,
		       bool is64, bool write, uint64_t *base, uint64_t *limit)
{
	uint16_t sel;
	unsigned int bits;
	int type;

	if (!is64) {
		switch (seg) {
		case SEG_ES: asm volatile("mov %%es, %0" : "=r"(sel)); break;
		case SEG_CS: sel = r->cs; break;
		case SEG_SS: sel = r->ss; break;
		case SEG_DS: asm volatile("mov %%ds, %0" : "=r"(sel)); break;
		case SEG_FS: asm volatile("mov %%fs, %0" : "=r"(sel)); break;
		default:     asm volatile("mov %%gs, %0" : "=r"(sel)); break;
		}
		type = guest_segment_type(v, sel);
		if (type < 0 || (write ? (type & 0xA) != 0x2 : (type & 0xA) == 0x8) ||
		    !guest_segment(v, sel, base, limit, &bits))
			return false;
	} else {
		*base = 0;
		*limit = ~0ULL;
	}
	if (seg == SEG_FS)
		*base = rdmsr(MSR_FS_BASE);
	else if (seg == SEG_GS)
		*base = rdmsr(MSR_KERNEL_GS_BASE);
	return true;
}

/*
 * One transfer's guest access, in two parts when it crosses a page
 * boundary: false when a part cannot be reached, *fault then being its
 * first byte (the #PF's cr2, as Xen 4.17 reports it).
 */
static bool io_access(uint64_t addr, uint32_t *val, unsigned int size, bool write,
		      uint64_t *fault)
{
	unsigned int done = 0, n = MIN(size, PAGE_SIZE - (addr & (PAGE_SIZE - 1)));
	uint8_t *p = (uint8_t *)val;

	for (; done < size; done += n, n = size - done) {
		if (write ? copy_to_guest(addr + done, p + done, n) :
			    copy_from_guest(p + done, addr + done, n)) {
			*fault = addr + done;
			return false;
		}
	}
	return true;
}

/* A failed access to guest memory at addr: the #PF the hardware would raise. */
static void io_page_fault(struct vcpu *v, struct cpu_regs *r, uint64_t addr, bool write)
{
	v->vcpu_info->arch.cr2 = addr;
	pv_inject_trap(v, r, 14, (write ? 2 : 0) | (v->arch.kernel_mode ? 0 : 4));
}

/*
 * rip past an emulated instruction of len bytes: outside 64-bit code it
 * keeps 32 bits, as Xen 4.17's emulator leaves it (an instruction ending
 * at eip 0xffffffff continues at 0; 16-bit code does not wrap at 64 KiB
 * there either). The class of Xen's XSA-186.
 */
static inline void advance_rip(struct cpu_regs *r, unsigned int len, bool is64)
{
	r->rip += len;
	if (unlikely(!is64))
		r->rip = (uint32_t)r->rip;
}

/* At most this many transfers of a rep ins/outs per trap: it re-traps for more. */
#define IO_REPS_PER_TRAP	256

/*
 * ins writes ES:rDI (no override), outs reads DS:rSI or the override's
 * segment; each transfer steps the pointer by the size, backwards with
 * DF. With an address-size prefix in 64-bit code rcx and the pointer are
 * 32 bits wide, zero-extended as their writes are (Xen 4.17's result); in
 * compatibility mode cx and si/di are 16 bits wide, their upper bits kept,
 * as Xen 4.17's emulator takes them. An operand outside its segment's
 * limit (compatibility mode) or outside the guest's half of the address
 * space is a #GP(0) (#SS(0) for SS), an unmapped one a #PF; either stops
 * with the registers showing the transfers done, as on hardware. A long
 * rep gives the CPU back every IO_REPS_PER_TRAP transfers, its rip still
 * on the instruction (after max transfers: 1 for an I/O breakpoint's
 * #DB after each, as Xen 4.17's emulator stops). The transfers made, -1
 * when it faulted.
 */
static int emulate_string_io(struct vcpu *v, struct cpu_regs *r, const struct io_insn *io,
			     bool is64, unsigned int max)
{
	bool in = !(io->op & 2);
	unsigned int seg = in ? SEG_ES : io->seg, n;
	uint64_t *ptr = in ? &r->rdi : &r->rsi, base, limit, off, addr, step, fault;
	uint64_t mask = is64 ? (io->addr32 ? 0xFFFFFFFFULL : ~0ULL) :
			       (io->addr32 ? 0xFFFFULL : 0xFFFFFFFFULL);
	uint64_t count = io->rep ? r->rcx & mask : 1;
	uint32_t val;

	if (!io_segment(v, r, seg, is64, in, &base, &limit)) {
		pv_inject_trap(v, r, 13, 0);
		return -1;
	}
	if (is64 && io->addr32) {
		*ptr &= mask;
		if (io->rep)
			r->rcx &= mask;
	}
	step = (r->rflags & X86_EFLAGS_DF) ? -(uint64_t)io->size : io->size;
	for (n = 0; count && n < max; n++, count--) {
		off = *ptr & mask;
		addr = is64 ? base + off : (uint32_t)(base + off);
		if ((!is64 && (off > limit || limit - off < io->size - 1)) ||
		    !is_canonical(addr) || !guest_range_ok(addr, io->size)) {
			pv_inject_trap(v, r, seg == SEG_SS ? 12 : 13, 0);
			return -1;
		}
		if (in) {
			val = port_read(v, io->port, io->size);
			if (!io_access(addr, &val, io->size, true, &fault)) {
				io_page_fault(v, r, fault, true);
				return -1;
			}
		} else {
			if (!io_access(addr, &val, io->size, false, &fault)) {
				io_page_fault(v, r, fault, false);
				return -1;
			}
			port_write(v, io->port, io->size, val);
		}
		*ptr = (*ptr & ~mask) | ((off + step) & mask);
		if (io->rep)
			r->rcx = (r->rcx & ~mask) | ((r->rcx - 1) & mask);
	}
	if (!count)
		advance_rip(r, io->len, is64);
	return n;
}

/*
 * The single step an emulated instruction owes with TF set (the CPU's
 * would have come after it, but the instruction faulted instead): DR6_BS,
 * for vcpu_raise_db, as Xen 4.17's emulator (retire.singlestep) and its
 * forced-cpuid path raise it. The class of Xen's XSA-204.
 */
static unsigned int step_bits(const struct cpu_regs *r)
{
	return (r->rflags & X86_EFLAGS_TF) ? DR6_BS : 0;
}

/* An emulated instruction of len bytes done: rip past it, then any #DB it owes. */
static inline void insn_done(struct vcpu *v, struct cpu_regs *r, unsigned int len,
			     bool is64, unsigned int dr6)
{
	advance_rip(r, len, is64);
	dr6 |= step_bits(r);
	if (unlikely(dr6))
		vcpu_raise_db(v, r, dr6);
}

/*
 * Port I/O, when the virtual IOPL allows it (else the #GP stands); with a
 * lock prefix #UD, as the hardware and Xen 4.17 raise. With TF a rep
 * string instruction makes one transfer a trap, each followed by the
 * step's #DB, as Xen 4.17's emulator limits it.
 */
static bool emulate_io(struct vcpu *v, struct cpu_regs *r, const uint8_t *insn,
		       unsigned int avail, const struct x86_prefixes *p, bool is64)
{
	struct io_insn io;
	uint64_t mask;
	uint32_t val;
	unsigned int hit = 0, step = step_bits(r);
	int n;

	if (!decode_io(r, insn, avail, p, is64, &io))
		return false;
	if (p->lock) {
		pv_inject_trap(v, r, 6, 0);
		return true;
	}
	if (!(iopl_ok(v) || iobmp_ok(v, io.port, io.size)))
		return false;
	if (unlikely(v->arch.dr7_emul))
		hit = vcpu_io_breakpoints(v, io.port, io.size);
	if ((io.op & 0xF0) == 0x60) {
		n = emulate_string_io(v, r, &io, is64, (hit | step) ? 1 : IO_REPS_PER_TRAP);
		if (n >= 0 && ((n ? hit : 0) | step))
			vcpu_raise_db(v, r, (n ? hit : 0) | step);
		return true;
	}
	if (!(io.op & 2)) {
		mask = io.size == 4 ? 0xFFFFFFFFULL : (1ULL << (io.size * 8)) - 1;
		val = port_read(v, io.port, io.size);
		r->rax = io.size == 4 ? val : (r->rax & ~mask) | (val & mask);
	} else {
		port_write(v, io.port, io.size, (uint32_t)r->rax);
	}
	/*
	 * An in or out made to the port itself owes no single step: Xen
	 * 4.17's emulator raises it only for X86EMUL_OKAY, not the stub's
	 * X86EMUL_DONE, so the CPU's own step traps after the next
	 * instruction (as for cli/sti below). An I/O breakpoint's #DB stays.
	 */
	if (port_direct(v, io.port, io.size) && (r->rflags & X86_EFLAGS_TF)) {
		advance_rip(r, io.len, is64);
		if (unlikely(hit))
			vcpu_raise_db(v, r, hit);
		return true;
	}
	insn_done(v, r, io.len, is64, hit);
	return true;
}

/* Up to n bytes at addr, fewer when the page after it is not mapped; 0: none. */
static unsigned int fetch_bytes(uint8_t *b, uint64_t addr, unsigned int n)
{
	if (copy_from_guest(b, addr, n)) {
		n = MIN(n, PAGE_SIZE - (addr & (PAGE_SIZE - 1)));
		if (copy_from_guest(b, addr, n))
			return 0;
	}
	return n;
}

/* A prefix (REX too): only after one may the decoder need byte 5 on. */
static bool prefix_byte(uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xF0: case 0xF2: case 0xF3:
		return true;
	}
	return (b & 0xF0) == 0x40;
}

/*
 * The instruction at cs:rip, up to 15 bytes, fewer when the page after
 * it is not mapped; 0 when nothing can be read. *bits: the code segment's
 * width (guest_segment: 64, 32 or 16). In compatibility mode the
 * code segment's base applies and rip must be within its limit. Without
 * a prefix every instruction decoded here fits in 4 bytes (0F 22 ModRM
 * the longest), so 4 are read first and the rest only after a prefix;
 * and the flat 64-bit code selector the guest kernel and user mode run
 * on needs no descriptor.
 */
static unsigned int fetch_insn(const struct vcpu *v, const struct cpu_regs *r, uint8_t *b,
			       unsigned int *bits)
{
	uint64_t base, limit, addr;
	unsigned int n = 15, got;
	bool is64;

	if ((r->cs | 3) == FLAT_RING3_CS64) {
		*bits = 64;
		addr = r->rip;
	} else {
		if (!guest_segment(v, r->cs, &base, &limit, bits))
			return 0;
		is64 = *bits == 64;
		addr = is64 ? r->rip : (uint32_t)(base + r->rip);
		if (!is64 && r->rip > limit)
			return 0;
		if (!is64 && limit - r->rip < n - 1)
			n = limit - r->rip + 1;
	}
	got = fetch_bytes(b, addr, MIN(n, 4));
	if (got == 4 && n > 4 && prefix_byte(b[0]))
		got = fetch_bytes(b, addr, n);
	return got;
}

/*
 * The bytes the decoder needs for the instruction whose prefixes end at
 * b[i] (avail read): its opcode, a 0F instruction's second byte and the
 * ModRM of those taking one, in/out's imm8. An instruction not emulated
 * needs its opcode only.
 */
static unsigned int insn_needs(const uint8_t *b, unsigned int i, unsigned int avail)
{
	if (i >= avail)
		return i + 1;
	if (b[i] >= 0xE4 && b[i] <= 0xE7)
		return i + 2;
	if (b[i] != 0x0F)
		return i + 1;
	if (i + 1 >= avail)
		return i + 2;
	switch (b[i + 1]) {
	case 0x01: case 0x20: case 0x21: case 0x22: case 0x23:
		return i + 3;
	}
	return i + 2;
}

/*
 * The CPU decoded the whole instruction before its #GP, so its bytes were
 * all there, but another vCPU may unmap a page of them before the fetch:
 * when the decoder needs a byte past the avail read, which did not stop
 * at 15 bytes or the code segment's limit, that byte faults as in Xen
 * 4.17's emulator fetch: a #PF of error code 0 (no instruction-fetch
 * bit), cr2 the byte, where Lamina used to leave the #GP. A byte outside
 * the guest's half (past the canonical end) keeps the #GP(0), the answer
 * of Xen's address check there. True when the #PF was injected; only on
 * the paths that end in the #GP.
 */
static bool __attribute__((noinline, cold)) fetch_fault(struct vcpu *v, struct cpu_regs *r,
							const uint8_t *insn, unsigned int i,
							unsigned int avail)
{
	uint64_t base = 0, limit = ~0ULL, addr;
	unsigned int bits = 64;
	bool is64;

	if (r->error_code || avail >= 15 || insn_needs(insn, i, avail) <= avail)
		return false;
	if ((r->cs | 3) != FLAT_RING3_CS64 && !guest_segment(v, r->cs, &base, &limit, &bits))
		return false;
	is64 = bits == 64;
	if (!is64 && (r->rip > limit || limit - r->rip < avail))
		return false;		/* the fetch stopped at the limit */
	addr = is64 ? r->rip + avail : (uint32_t)(base + r->rip + avail);
	if (!is_canonical(addr) || !guest_range_ok(addr, 1))
		return false;
	io_page_fault(v, r, addr, false);
	return true;
}

/* A 64-bit result in edx:eax, as rdmsr and rdtsc leave it. */
static inline void set_edx_eax(struct cpu_regs *r, uint64_t val)
{
	r->rax = (uint32_t)val;
	r->rdx = val >> 32;
}

/*
 * The 0F instructions a PV kernel may run (any legacy prefixes before
 * them are ignored, as Xen 4.17 does; REX.R picks CR8-15 or DR8-15);
 * b points at the 0F, n bytes on; is64: 64-bit code (op_mask). Returns
 * their length, 0 for a #GP, or -1 when an exception was injected instead.
 */
static int emulate_0f(struct vcpu *v, struct cpu_regs *r, const uint8_t *b, unsigned int n,
		      uint8_t rex, bool is64)
{
	uint64_t val;
	int rc;

	if (n < 2)
		return 0;
	switch (b[1]) {
	case 0x30:	/* wrmsr */
		return write_msr(v, r->rcx, (r->rdx << 32) | (uint32_t)r->rax) ? 2 : 0;
	case 0x32:	/* rdmsr */
		if (!read_msr(v, r->rcx, &val))
			return 0;
		set_edx_eax(r, val);
		return 2;
	case 0x09:	/* wbinvd: only a domain with hardware access needs it */
		if (v->domain->is_privileged)
			asm volatile("wbinvd" ::: "memory");
		return 2;
	case 0x31:	/* rdtsc: the kernel's #GP under its CR4.TSD (no TSC offset) */
		val = rdtsc();
		set_edx_eax(r, val);
		return 2;
	case 0x01:	/* 0F 01 F9: rdtscp; 0F 01 D1: xsetbv (#UD without CR4.OSXSAVE: pv_emulate_gp) */
		if (n >= 3 && b[2] == 0xF9 && host_has_rdtscp) {
			/* rdtscp under CR4.TSD: ecx its TSC_AUX (msr.c) */
			val = rdtsc();
			set_edx_eax(r, val);
			r->rcx = v->arch.tsc_aux;
			return 3;
		}
		if (n < 3 || b[2] != 0xD1)
			return 0;
		return vcpu_set_xcr0(v, (uint32_t)r->rcx, (r->rdx << 32) | (uint32_t)r->rax) ? 3 : 0;
	case 0x06:	/* clts */
		vcpu_set_ts(v, false);
		return 2;
	case 0x21:
	case 0x23:
		if (n < 3)
			return 0;
		rc = emulate_mov_dr(v, r, b[2], rex, b[1] == 0x23, is64);
		if (rc) {
			pv_inject_trap(v, r, rc == -ENODEV ? 6 : 13, 0);
			return -1;
		}
		return 3;
	case 0x20:
	case 0x22:
		if (n < 3)
			return 0;
		rc = emulate_mov_cr(v, r, b[2], rex, b[1] == 0x22, is64);
		return rc > 0 ? 3 : rc;
	}
	return 0;
}

/* The 0F instructions emulate_0f knows, for the lock prefix's #UD. */
static bool known_0f(const uint8_t *b, unsigned int n)
{
	if (n < 2)
		return false;
	switch (b[1]) {
	case 0x30: case 0x32: case 0x09: case 0x06:
	case 0x20: case 0x21: case 0x22: case 0x23:
		return true;
	case 0x01:
		return n >= 3 && b[2] == 0xD1;
	}
	return false;
}

bool pv_emulate_gp(struct vcpu *v, struct cpu_regs *r)
{
	uint8_t insn[15] = { 0 };
	struct x86_prefixes p;
	unsigned int i, avail, bits;
	bool is64;
	int len;

	/* Fewer bytes than the decoder needs: see fetch_fault. */
	avail = fetch_insn(v, r, insn, &bits);
	if (!avail)
		return fetch_fault(v, r, insn, 0, 0);
	is64 = bits == 64;
	if (insn[0] == 0xCD && avail >= 2)
		return emulate_int(v, r, insn[1]);
	if (insn[0] == 0x0F) {	/* rdmsr and the like, no prefix: the fast path */
		p = (struct x86_prefixes){ .seg = SEG_DS };
	} else {
		x86_scan_prefixes(insn, avail, is64, &p);
		/*
		 * 16-bit code (D=0, as Xen 4.17's emulator reads it from CS):
		 * operand and address size default to 16 bits and 66/67 make
		 * them 32, so the prefixes' meaning for the decoder (16-bit
		 * operands; in compatibility mode 16-bit addresses) is the
		 * other way round. The 0F instructions here use neither.
		 */
		if (unlikely(bits == 16)) {
			p.opsize = !p.opsize;
			p.addrsize = !p.addrsize;
		}
	}
	i = p.len;
	if (i >= avail)		/* 15 bytes of prefixes: the #GP of a too-long instruction */
		return fetch_fault(v, r, insn, i, avail);
	/* 0F is neither a prefix nor port I/O: skip the decoder for MSRs and CRs. */
	if (!r->error_code && insn[i] != 0x0F && emulate_io(v, r, insn, avail, &p, is64))
		return true;
	if (p.lock && !r->error_code && insn[i] == 0x0F && known_0f(insn + i, avail - i)) {
		pv_inject_trap(v, r, 6, 0);
		return true;
	}
	/*
	 * cli/sti: no-ops, in either guest mode, with the virtual IOPL for it
	 * (Xen's rule, §4.1; prefixes, lock too, are ignored, as by Xen
	 * 4.17); Linux's pushf/cli/popf sequences (cmpxchg16b emulation)
	 * need it. With TF they owe no #DB: Xen 4.17 skips them past its
	 * emulator's single step (measured: the #DB comes after the next
	 * instruction, as the CPU's own step), and so does Lamina.
	 */
	if ((insn[i] == 0xFA || insn[i] == 0xFB) && !r->error_code && iopl_ok(v)) {
		advance_rip(r, i + 1, is64);
		return true;
	}
	/*
	 * xsetbv without the guest's CR4.OSXSAVE is #UD in either mode: the
	 * #UD comes before the CPL check's #GP, as in Xen 4.17's emulator.
	 */
	if (!r->error_code && avail - i >= 3 && insn[i] == 0x0F && insn[i + 1] == 0x01 &&
	    insn[i + 2] == 0xD1 && !v->arch.cr4_osxsave) {
		pv_inject_trap(v, r, 6, 0);
		return true;
	}
	if (!v->arch.kernel_mode || r->error_code || insn[i] != 0x0F)
		return fetch_fault(v, r, insn, i, avail);
	len = emulate_0f(v, r, insn + i, avail - i, p.rex, is64);
	if (len > 0)
		insn_done(v, r, i + len, is64, 0);
	return len != 0 || fetch_fault(v, r, insn, i, avail);
}

/*
 * Xen's leaves (its cpuid_hypervisor_leaves for a PV guest): 3 the time
 * leaf (subleaf 0: RDTSCP on the host, tsc_mode 0, no vTSC; 1: no offset
 * or scale; 2: the TSC's kHz), 5 the machine address width (the highest
 * frame's bit + 12), 4 (HVM's) empty.
 */
static void cpuid_hypervisor_leaf(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
				  uint32_t *c, uint32_t *d)
{
	*a = *b = *c = *d = 0;
	switch (leaf) {
	case 0x40000000:
		*a = 0x40000005;
		*b = XEN_CPUID_SIGNATURE_EBX;
		*c = XEN_CPUID_SIGNATURE_ECX;
		*d = XEN_CPUID_SIGNATURE_EDX;
		break;
	case 0x40000001:
		*a = (LAMINA_ABI_MAJOR << 16) | LAMINA_ABI_MINOR;
		break;
	case 0x40000002:
		*a = 1;
		*b = 0x40000000;
		*c = XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD;
		break;
	case 0x40000003:
		if (sub == 0)
			*a = host_has_rdtscp ? 4 : 0;
		else if (sub == 2)
			*a = (uint32_t)tsc_khz();
		break;
	case 0x40000005:
		if (sub == 0)
			*b = 64 - __builtin_clzll(frame_table_size - 1) + PAGE_SHIFT;
		break;
	}
}

/* The highest leaves Xen 4.17's policy holds (CPUID_GUEST_NR_BASIC/EXTD). */
#define CPUID_MAX_BASIC		0xD
#define XSTATE_YMM		(1ULL << 2)
#define CPUID_MAX_EXTD		0x80000021

/* XSAVE's area for every component in mask (0xD.0 ECX as Xen computes it). */
static uint32_t xsave_size(uint64_t mask)
{
	uint32_t size = 576, a, b, c, d, i;

	for (i = 2; i < 63; i++) {
		if (!(mask & (1ULL << i)))
			continue;
		cpuid(0xD, i, &a, &b, &c, &d);
		size = MAX(size, a + b);
	}
	return size;
}

/* Leaf 1's feature bits that AMD repeats in 0x80000001 EDX. */
#define CPUID_COMMON_1D		0x0183F3FFU

/*
 * Host values minus what a ring-3 PV kernel cannot use (§4.2), laid out
 * as Xen 4.17's PV policy: leaves past its last read as zero, and the
 * vendor's own leaves (its recalculate_misc) emptied.
 */
static void cpuid_policy(unsigned int view, uint32_t leaf, uint32_t sub, uint32_t *a,
			 uint32_t *b, uint32_t *c, uint32_t *d)
{
	bool dom0_kernel = view & PV_CPUID_DOM0_KERNEL;

	uint32_t max, host_max, x;
	bool amd = host_vendor == VENDOR_AMD;

	if ((leaf & 0xFFFF0000) == 0x40000000) {
		cpuid_hypervisor_leaf(leaf, sub, a, b, c, d);
		return;
	}
	*a = *b = *c = *d = 0;
	cpuid(leaf & 0x80000000, 0, &host_max, &x, &x, &x);
	max = host_max;
	if (leaf & 0x80000000) {
		if (amd && lfence_dispatch)
			max = MAX(max, 0x80000021U);	/* the leaf saying so */
		if (leaf > MIN(max, CPUID_MAX_EXTD))
			return;
		if (leaf <= host_max)
			cpuid(leaf, sub, a, b, c, d);
	} else {
		if (leaf > MIN(max, CPUID_MAX_BASIC))
			return;
		cpuid(leaf, sub, a, b, c, d);
	}
	switch (leaf) {
	case 0:
		*a = MIN(*a, CPUID_MAX_BASIC);
		break;
	case 1:
		/* DTES64 MONITOR DSCPL VMX SMX EIST TM2 FMA XTPR PDCM PCID DCA
		 * X2APIC TSC_DEADLINE XSAVE OSXSAVE AVX F16C: hidden, the last
		 * five kept when the hypervisor switches XSAVE state. */
		x = *c & (1U << 7);
		*c &= ~(xcr0_max ? 0x0126C1FCU : 0x3D26D1FCU);
		if (!(xcr0_max & XSTATE_YMM))
			*c &= ~0x30001000U;		/* FMA AVX F16C: no YMM (GDS) */
		/* Xen's: EIST for dom0's kernel; OSXSAVE in user mode as its CR4 has it */
		if (dom0_kernel)
			*c |= x;
		if (view & PV_CPUID_NO_OSXSAVE)
			*c &= ~(1U << 27);
		*c |= 1U << 31;				/* hypervisor */
		/*
		 * VME PSE MTRR PGE PSE36 DS TM1 PBE; SEP on AMD (no
		 * SYSENTER in long mode). MTRR for dom0's kernel where the host
		 * has it, as Xen (its memtype hypercalls). APIC stays, for
		 * domUs too, as Xen 4.17 shows it (measured).
		 */
		x = *d & (1U << 12);
		*d &= ~0xA022300AU;
		if (dom0_kernel)
			*d |= x;
		if (amd)
			*d &= ~(1U << 11);
		*b &= 0x00FFFFFF;	/* no APIC ID; HTT and the count: the host's, as Xen */
		break;
	case 2:
	case 3:
	case 4:
	case 9:
	case 0xA:	/* AMD: empty; Intel: PSN, DCA, the PMU (no vPMU) empty */
		if (amd || leaf == 3 || leaf == 9 || leaf == 0xA)
			*a = *b = *c = *d = 0;
		else if (leaf == 2)
			*a = (*a & ~0xFFU) | 1;		/* one query */
		break;
	case 7:
		if (sub == 0) {
			*a = 0;				/* subleaf 0 only */
			if (!(xcr0_max & XSTATE_YMM)) {
				*b &= ~(1U << 5);		/* AVX2, */
				*c &= ~((1U << 9) | (1U << 10));	/* VAES, VPCLMULQDQ */
			}
			/* ARCH_CAPABILITIES: Intel's, always offered (msr.c), as Xen */
			if (amd)
				*d &= ~(1U << 29);
			else if (host_vendor == VENDOR_INTEL)
				*d |= 1U << 29;
			/* FSGSBASE (bit 0) stays: the guest's CR4 bit (emulate_mov_cr).
			 * Bit 22 of EBX and PKS (ECX 31) are unknown to Xen 4.17. */
			*b &= ~((1U << 1) | (1U << 2) | (1U << 7) |
				(1U << 10) | (1U << 12) | (1U << 14) | (1U << 15) |
				(1U << 16) | (1U << 17) | (1U << 20) | (1U << 21) | (1U << 22) |
				(1U << 25) | (1U << 26) | (1U << 27) | (1U << 28) |
				(1U << 30) | (1U << 31));
			*c &= ~((1U << 2) | (1U << 3) | (1U << 4) | (1U << 7) | (1U << 16) |
				(1U << 29) | (1U << 31));
			*d &= ~(1U << 20);
		} else {
			*a = *b = *c = *d = 0;
		}
		break;
	case 0xB:	/* topology: empty, no x2APIC (measured on both vendors) */
		*a = *b = *c = *d = 0;
		break;
	case 0xD:
		if (!xcr0_max || (sub >= 2 && (sub > 62 || !(xcr0_max & (1ULL << sub))))) {
			*a = *b = *c = *d = 0;
		} else if (sub == 0) {
			*a &= (uint32_t)xcr0_max;
			*c = xsave_size(xcr0_max);	/* what the offered features need */
			*d = 0;
		} else if (sub == 1) {
			*a &= 5;			/* XSAVEOPT, XGETBV1 */
			*b = *c = *d = 0;
		}
		break;
	case 0x80000000:
		*a = MIN(max, CPUID_MAX_EXTD);
		if (!amd)
			*b = *c = *d = 0;
		break;
	case 0x80000001:
		/*
		 * 1 GiB pages: hidden; RDTSCP with the host's (TSC_AUX, msr.c).
		 * DBEXT (ECX 26, AMD's breakpoint address masks) hidden too,
		 * unlike Xen: Lamina keeps no mask MSRs for a guest (they #GP),
		 * so no mask can widen a breakpoint (XSA-444's class).
		 */
		*d &= ~(1U << 26);
		*c &= ~((1U << 2) | (1U << 3) | (1U << 4) | (1U << 9) | (1U << 10) |
			(1U << 12) | (1U << 13) | (1U << 15) | (1U << 19) | (1U << 22) |
			(1U << 26) | (1U << 29));
		if (amd) {
			uint32_t l1[4];

			cpuid_policy(view, 1, 0, &l1[0], &l1[1], &l1[2], &l1[3]);
			*d = (*d & ~CPUID_COMMON_1D) | (l1[3] & CPUID_COMMON_1D);
			*b &= 0xFF00FFFF;
		} else {
			*a = *b = 0;
			/* MTRR for dom0's kernel, as in leaf 1 (Xen's leaf-1 adjustments) */
			cpuid(1, 0, &x, &x, &x, &host_max);
			if (dom0_kernel)
				*d |= host_max & (1U << 12);
		}
		break;
	case 5:		/* MONITOR/MWAIT, */
	case 6:		/* thermal and power, */
	case 8:
	case 0xC:	/* reserved: empty, as Xen 4.17 gives PV guests */
		*a = *b = *c = *d = 0;
		break;
	case 0x80000005:
		if (!amd)
			*a = *b = *c = *d = 0;
		break;
	case 0x80000006:
		if (!amd)
			*a = *b = *d = 0;
		break;
	case 0x80000007:
		*a = *b = *c = 0;			/* power and RAS: hidden, as Xen */
		*d &= ~(1U << 8);			/* invariant TSC: not promised */
		break;
	case 0x80000008:
		/* 48-bit linear addresses (4-level paging), no guest physical size. */
		*a = (*a & 0xFF) | (MIN((*a >> 8) & 0xFF, 48U) << 8);
		*c &= amd ? 0x0003F0FF : 0;
		*d = 0;
		break;
	case 0x80000021:
		*b = *d = 0;
		if (amd && lfence_dispatch)
			*a |= 1U << 2;			/* LFENCE dispatch-serialising */
		break;
	default:	/* AMD's 0x80000009-0x80000020 but TLB (0x19) and perf hints (0x1A) */
		if (leaf >= 0x80000009 && leaf <= 0x80000020 && leaf != 0x80000019 &&
		    leaf != 0x8000001A)
			*a = *b = *c = *d = 0;
		break;
	}
}

/* A vCPU's view of CPUID: dom0's kernel's, user mode's before OSXSAVE. */
static unsigned int cpuid_view(const struct vcpu *v)
{
	return (v->domain->is_privileged && v->arch.kernel_mode ? PV_CPUID_DOM0_KERNEL : 0) |
	       (!v->arch.kernel_mode && !v->arch.cr4_osxsave ? PV_CPUID_NO_OSXSAVE : 0);
}

/* CPUID as a PV guest in view sees it (cpu_policy.c's policies). */
void pv_cpuid(unsigned int view, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	cpuid_policy(view, leaf, sub, &r[0], &r[1], &r[2], &r[3]);
}

/*
 * n bytes at addr for the #UD path, read as Xen 4.17's forced-emulation
 * check reads them: at rip, whatever the code segment's base. False when
 * one cannot be read, after injecting the #PF of the first such byte
 * (error code 0, U in user mode), Xen's answer there even for a #UD that
 * is no forced cpuid (a ud2 whose next bytes are in an unmapped page);
 * Lamina used to leave the #UD.
 */
static bool ud_fetch(struct vcpu *v, struct cpu_regs *r, uint8_t *b, uint64_t addr,
		     unsigned int n)
{
	unsigned int got = fetch_bytes(b, addr, n);

	if (got == n)
		return true;
	io_page_fault(v, r, addr + got, false);
	return false;
}

/*
 * #UD at `ud2; .ascii "xen"; cpuid`: the guest's CPUID (§4.1). True when
 * done or a #PF was injected instead (ud_fetch), false to leave the #UD.
 */
bool pv_emulate_forced_cpuid(struct vcpu *v, struct cpu_regs *r)
{
	static const uint8_t prefix[] = XEN_CPUID_PREFIX_BYTES;
	uint8_t insn[7];
	uint32_t q[4];

	if (!ud_fetch(v, r, insn, r->rip, sizeof(prefix)))
		return true;
	if (memcmp(insn, prefix, sizeof(prefix)))
		return false;
	if (!ud_fetch(v, r, insn + 5, r->rip + 5, 2))
		return true;
	if (insn[5] != 0x0F || insn[6] != 0xA2)
		return false;
	/* The view, then the domain's set_cpu_policy over it (cpu_policy.c) */
	cpuid_policy(cpuid_view(v), r->rax, r->rcx, &q[0], &q[1], &q[2], &q[3]);
	cpu_policy_apply(v->domain, r->rax, r->rcx, q);
	r->rax = q[0];
	r->rbx = q[1];
	r->rcx = q[2];
	r->rdx = q[3];
	insn_done(v, r, sizeof(insn), true, 0);	/* Xen's forced cpuid: rip not cut */
	return true;
}
