// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-msr: rdmsr and wrmsr of every class of MSR index from a PV
 * kernel, dom0 and an unprivileged domU (the peer), against Xen 4.17's
 * answers (pv/emul-priv-op.c read_msr/write_msr, guest_rdmsr/guest_wrmsr):
 * architectural and model ones (MSR 0, TSC, APIC_BASE, FEATURE_CONTROL,
 * the speculation controls SPEC_CTRL, PRED_CMD, FLUSH_CMD and
 * ARCH_CAPABILITIES, MTRRs, PAT, DEBUGCTL, machine check banks, the x2APIC
 * range with an INIT to every other CPU through ICR, TSC_DEADLINE), the
 * long-mode ones (EFER with bits changed, the FS, GS and KERNEL_GS bases
 * non-canonical, TSC_AUX), AMD's, and the hypervisor range at 0x40000000.
 * Each answer (a value or #GP) is a row; a write must never reach the
 * host: after the sweep the CPUs still run (timer events arrive, the
 * other vCPU answers), and what was written reads back as Xen's.
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"

static char why[VERDICT_LEN];
static const char *who = "dom0";
static unsigned int bad;

/* 0 and the value, or vector << 16 | error code. */
static long msr_read(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;

	traps_taken = 0;
	EXPECT_TRAP("rdmsr", : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*val = (uint64_t)hi << 32 | lo;
	return traps_taken ? (long)(last_trap.vector << 16 | (last_trap.error & 0xffff)) : 0;
}

static long msr_write(uint32_t msr, uint64_t v)
{
	traps_taken = 0;
	EXPECT_TRAP("wrmsr", : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
	return traps_taken ? (long)(last_trap.vector << 16 | (last_trap.error & 0xffff)) : 0;
}

#define GP	(13 << 16)

static void row(const char *what, long got, long want)
{
	if (!strcmp(who, "dom0") || got != want)
		printf("%s: %s: %#lx%s\n", who, what, got, got == want ? "" : " MISMATCH");
	if (got != want && !bad++)
		snprintf(why, sizeof(why), "%s: %s gave %#lx, not %#lx", who, what, got, want);
}

struct rd { uint32_t msr; const char *name; long want; };

/*
 * The reads. Xen 4.17's answers under QEMU's TCG (an AMD CPU model):
 * P5_MC_*, the MC banks (vMCE with two), TSC_AUX and AMD's HWCR and
 * DE_CFG are Xen's by vendor and CPUID policy (conform-msr-sweep reads
 * every index).
 */
static const struct rd reads[] = {
	{ 0x0, "P5_MC_ADDR", 0 }, { 0x1, "P5_MC_TYPE", 0 }, { 0x10, "TSC", 0 },
	{ 0x1b, "APIC_BASE", 0 }, { 0x3a, "FEATURE_CONTROL", GP },
	{ 0x48, "SPEC_CTRL", GP }, { 0x49, "PRED_CMD", GP },
	{ 0x8b, "UCODE_REV", 0 }, { 0xe7, "MPERF", GP }, { 0xe8, "APERF", GP },
	{ 0xfe, "MTRRCAP", GP }, { 0x10a, "ARCH_CAPABILITIES", GP },
	{ 0x10b, "FLUSH_CMD", GP }, { 0x179, "MCG_CAP", 0 }, { 0x17a, "MCG_STATUS", 0 },
	{ 0x1a0, "MISC_ENABLE", 0 }, { 0x1d9, "DEBUGCTL", GP },
	{ 0x200, "MTRR_PHYSBASE0", GP }, { 0x277, "PAT", 0 },
	{ 0x2ff, "MTRR_DEF_TYPE", GP }, { 0x400, "MC0_CTL", 0 },
	{ 0x401, "MC0_STATUS", 0 }, { 0x6e0, "TSC_DEADLINE", GP },
	{ 0x800, "x2APIC 0x800", GP }, { 0x802, "x2APIC ID", GP },
	{ 0x808, "x2APIC TPR", GP }, { 0x830, "x2APIC ICR", GP },
	{ 0x8ff, "x2APIC 0x8ff", GP }, { 0xc0000080, "EFER", 0 },
	{ 0xc0000103, "TSC_AUX", 0 }, { 0x40000000, "hypercall page MSR", 0 },
	{ 0x40000001, "0x40000001", GP }, { 0x40000100, "0x40000100", GP },
	{ 0x40000200, "0x40000200", GP }, { 0x4b564d00, "KVM 0x4b564d00", GP },
	{ 0xc0010015, "AMD HWCR", 0 }, { 0xc0011029, "AMD DE_CFG", 0 },
	{ 0xc0010114, "AMD VM_CR", GP }, { 0xc0010117, "AMD VM_HSAVE_PA", GP },
	{ 0xffffffff, "0xffffffff", GP },
};

static void sweep(void)
{
	uint64_t v, t0, efer = 0, pat = 0, misc = 0, apic = 0, efer2 = 0, pat2 = 0;
	char name[80];
	unsigned int i;

	for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		snprintf(name, sizeof(name), "rdmsr %s (%#x)", reads[i].name, reads[i].msr);
		row(name, msr_read(reads[i].msr, &v), reads[i].want);
	}
	row("rdmsr APIC_BASE value", msr_read(0x1b, &apic) ? -1 : (long)apic, 0xfee00900);
	row("rdmsr EFER: LME and LMA", msr_read(0xc0000080, &efer) ? -1 : (long)(efer & 0x500),
	    0x500);
	row("rdmsr hypercall page MSR value", msr_read(0x40000000, &v) ? -1 : (long)v, 0);
	asm volatile("rdtsc; shl $32, %%rdx; or %%rdx, %%rax" : "=a"(t0) : : "rdx");
	row("rdmsr TSC at or after rdtsc", !msr_read(0x10, &v) && v >= t0, 1);
	msr_read(0x277, &pat);
	msr_read(0x1a0, &misc);

	row("wrmsr TSC 0", msr_write(0x10, 0), GP);
	row("wrmsr APIC_BASE same", msr_write(0x1b, apic), GP);
	row("wrmsr APIC_BASE 0 (disable)", msr_write(0x1b, 0), GP);
	row("wrmsr SPEC_CTRL 0", msr_write(0x48, 0), GP);
	row("wrmsr SPEC_CTRL 1 (IBRS)", msr_write(0x48, 1), GP);
	row("wrmsr PRED_CMD 1 (IBPB)", msr_write(0x49, 1), GP);
	row("wrmsr FLUSH_CMD 1 (L1D)", msr_write(0x10b, 1), GP);
	row("wrmsr DEBUGCTL 0", msr_write(0x1d9, 0), GP);
	row("wrmsr DEBUGCTL 1 (LBR)", msr_write(0x1d9, 1), GP);
	row("wrmsr DEBUGCTL 2 (BTF)", msr_write(0x1d9, 2), GP);
	/* PAT is Xen's own and not the guest's to write. */
	row("wrmsr PAT same", msr_write(0x277, pat), GP);
	row("wrmsr PAT all UC", msr_write(0x277, 0), GP);
	row("rdmsr PAT after", !msr_read(0x277, &pat2) && pat2 == pat, 1);
	row("wrmsr MTRR_DEF_TYPE 0", msr_write(0x2ff, 0), GP);
	row("wrmsr MISC_ENABLE same", msr_write(0x1a0, misc), 0);
	row("wrmsr MISC_ENABLE bit 22 flipped", msr_write(0x1a0, misc ^ (1ULL << 22)), 0);
	row("wrmsr MCG_STATUS 0", msr_write(0x17a, 0), 0);
	row("wrmsr MC0_STATUS 0", msr_write(0x401, 0), 0);
	row("wrmsr UCODE_REV 0", msr_write(0x8b, 0), GP);
	row("wrmsr TSC_DEADLINE 1", msr_write(0x6e0, 1), GP);
	row("wrmsr x2APIC TPR 0xff", msr_write(0x808, 0xff), GP);
	row("wrmsr x2APIC EOI", msr_write(0x80b, 0), GP);
	row("wrmsr x2APIC ICR, INIT to all but self", msr_write(0x830, 0xc4500), GP);
	row("wrmsr EFER same", msr_write(0xc0000080, efer), 0);
	row("wrmsr EFER without NXE", msr_write(0xc0000080, efer & ~(1ULL << 11)), GP);
	row("wrmsr EFER without SCE", msr_write(0xc0000080, efer & ~1ULL), GP);
	row("wrmsr EFER with SVME", msr_write(0xc0000080, efer | (1ULL << 12)), GP);
	row("wrmsr EFER with LMSLE", msr_write(0xc0000080, efer | (1ULL << 13)), GP);
	row("wrmsr EFER bit 63", msr_write(0xc0000080, efer | (1ULL << 63)), GP);
	row("rdmsr EFER after", !msr_read(0xc0000080, &efer2) && efer2 == efer, 1);
	row("wrmsr FS_BASE non-canonical", msr_write(0xc0000100, 0x8000000000000000ULL), GP);
	row("wrmsr GS_BASE non-canonical", msr_write(0xc0000101, 0x0000800000000000ULL), GP);
	row("wrmsr KERNEL_GS_BASE non-canonical", msr_write(0xc0000102, 0xfff0000000000000ULL),
	    GP);
	row("wrmsr FS_BASE, a hypervisor address", msr_write(0xc0000100, 0xffff800000000000ULL),
	    0);
	row("rdmsr FS_BASE after", !msr_read(0xc0000100, &v) && v == 0xffff800000000000ULL, 1);
	msr_write(0xc0000100, 0);
	row("wrmsr TSC_AUX 5", msr_write(0xc0000103, 5), 0);
	row("wrmsr AMD HWCR 0", msr_write(0xc0010015, 0), 0);
	row("wrmsr AMD VM_HSAVE_PA 0", msr_write(0xc0010117, 0), GP);
	row("wrmsr 0x40000001 0", msr_write(0x40000001, 0), GP);
	row("wrmsr 0xffffffff 0", msr_write(0xffffffff, 0), GP);
}

/* The hypercall-page MSR (CPUID 0x40000002 ebx) on frames of each kind. */
static void hcpage(void)
{
	uint64_t page = scratch_page(), l1 = l1e_maddr(page) & PTE_ADDR;
	uint64_t own = va_to_mfn(page) << 12, want;
	uint8_t *b = (uint8_t *)page;
	uint64_t *q = (uint64_t *)page;

	row("wrmsr hypercall page, a data page", msr_write(0x40000000, own), 0);
	/* Slot 1: push rcx, push r11, mov $1, %eax; slot 23 (iret): push rax too. */
	want = 0x00000001b8534151ULL;
	row("its slot 1", q[HYPERCALL_PAGE_SLOT_SIZE / 8] == want, 1);
	row("its slot 23 (iret)", b[23 * HYPERCALL_PAGE_SLOT_SIZE + 3] == 0x50 &&
	    b[23 * HYPERCALL_PAGE_SLOT_SIZE + 5] == 23, 1);
	memset(b, 0, 4096);
	row("wrmsr hypercall page, page index 1", msr_write(0x40000000, own | 1), GP);
	row("wrmsr hypercall page, bit 11 set", msr_write(0x40000000, own | 0x800), GP);
	row("... wrote nothing", q[HYPERCALL_PAGE_SLOT_SIZE / 8], 0);
	row("wrmsr hypercall page, an L1 page table", msr_write(0x40000000, l1), GP);
	row("wrmsr hypercall page, frame 0", msr_write(0x40000000, 0), GP);
	row("wrmsr hypercall page, past RAM", msr_write(0x40000000, 0xffffff000ULL << 12), GP);
	row("wrmsr hypercall page, bit 63", msr_write(0x40000000, own | (1ULL << 63)), GP);
	row("wrmsr 0x40000001, a data page", msr_write(0x40000001, own), GP);
	row("wrmsr 0x40000200, a data page", msr_write(0x40000200, own), GP);
	row("... wrote nothing", q[HYPERCALL_PAGE_SLOT_SIZE / 8], 0);
	row("hypercalls still work", hypercall2(__HYPERVISOR_xen_version, 0, 0) > 0, 1);
}

static const char *body(struct start_info *si)
{
	if (!(si->flags & SIF_INITDOMAIN))
		who = "domU";
	if (traps_install(true))
		return "set_trap_table failed";
	sweep();
	hcpage();
	return bad ? why : NULL;
}

int test_main(struct start_info *si)
{
	return verdict_test_both(si, body);
}
