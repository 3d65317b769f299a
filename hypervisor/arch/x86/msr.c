// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MSRs a PV kernel reads and writes with rdmsr/wrmsr (emulated from
 * their #GP, emul_priv.c), answered as Xen 4.17 answers a PV guest: its
 * pv/emul-priv-op.c read_msr/write_msr, msr.c guest_rdmsr/guest_wrmsr and
 * the virtual machine check of cpu/mcheck/vmce.c (docs/abi-core.md §4.3).
 * Where Xen's answer depends on the vendor, so does this one; where it
 * comes from the host (UCODE_REV, MISC_ENABLE, AMD's memory-map MSRs for
 * dom0), it is read from the host here too. Anything not listed is #GP,
 * but for a read while the guest has no #GP handler (pv_read_msr).
 * The segment bases (FS_BASE, GS_BASE, KERNEL_GS_BASE), the ones a
 * kernel uses most, are emul_priv.c's, before these.
 *
 * The virtual MCE: MCG_CAP offers two banks (with SER, TES and CMCI on
 * Intel), MCi_CTL read all ones, MCi_STATUS/ADDR/MISC 0 and written only
 * with 0, MCG_STATUS the vCPU's own, MCG_CTL 0 (no MCG_CTL_P); banks past
 * the two, and MCi_CTL2, read 0 and drop writes (Intel keeps CTL2 of
 * the two banks). Lamina injects no machine checks, so STATUS/ADDR/MISC
 * stay 0.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/mm.h>
#include <asm/pv.h>
#include <asm/percpu.h>
#include <asm/x86.h>

#define MSR_P5_MC_ADDR		0x0
#define MSR_P5_MC_TYPE		0x1
#define MSR_IA32_TSC		0x10
#define MSR_IA32_PLATFORM_ID	0x17
#define MSR_IA32_APIC_BASE	0x1B
#define MSR_FEATURE_CONTROL	0x3A
#define MSR_PRED_CMD		0x49	/* bit 0 IBPB, bit 7 SBPB */
#define MSR_IA32_UCODE_REV	0x8B
#define MSR_PLATFORM_INFO	0xCE	/* bit 31: CPUID faulting available */
#define MSR_MPERF		0xE7
#define MSR_APERF		0xE8
#define MSR_MISC_FEATURES	0x140	/* MISC_FEATURES_ENABLES, bit 0: CPUID faulting */
#define MSR_IA32_MCG_CAP	0x179
#define MSR_IA32_MCG_STATUS	0x17A
#define MSR_IA32_MCG_CTL	0x17B
#define MSR_PERF_STATUS		0x198
#define MSR_PERF_CTL		0x199
#define MSR_THERM_CONTROL	0x19A
#define MSR_THERM_STATUS	0x19C
#define MSR_IA32_MISC_ENABLE	0x1A0
#define MSR_ENERGY_PERF_BIAS	0x1B0
#define MSR_MC0_CTL2		0x280	/* .. 0x29F */
#define MSR_ARCH_CAPS		0x10A
#define MSR_FLUSH_CMD		0x10B	/* bit 0 L1D flush */
#define MSR_MCU_OPT_CTRL	0x123
#define MSR_PERF_CAPABILITIES	0x345
#define MSR_MC0_CTL		0x400	/* .. 0x47F: CTL, STATUS, ADDR, MISC each bank */
/* The hypercall-page MSR, CPUID 0x40000002 ebx: page address | page index (0 only). */
#define MSR_XEN_HYPERCALL_PAGE	0x40000000
#define MSR_K8_HWCR		0xC0010015
#define MSR_K8_SYSCFG		0xC0010010
#define MSR_AMD_NB_CFG		0xC001001F
#define MSR_AMD_DE_CFG		0xC0011029
#define AMD_DE_CFG_LFENCE_SERIALISE	(1ULL << 1)

#define GUEST_MC_BANKS		2
#define MCG_CAP_INTEL		((1ULL << 24) | (1ULL << 11) | (1ULL << 10))	/* SER, TES, CMCI */

/* MISC_ENABLE as Xen shows it: no perfmon or MONITOR; BTS, PEBS unavailable, xTPR off. */
#define MISC_ENABLE_HIDDEN	((1ULL << 7) | (1ULL << 18))
#define MISC_ENABLE_SHOWN	((1ULL << 11) | (1ULL << 12) | (1ULL << 23))

/* Xen's PAT, every CPU's (cpu.c): WB, WT, UC-, UC, WC, WP, UC, UC. */
const uint64_t hv_pat = 0x0000050100070406ULL;

enum cpu_vendor host_vendor;
bool host_has_rdtscp;
bool lfence_dispatch;
bool fpu_ptrs_leak;
/* The host's command MSRs' features, which CPUID shows guests as they are. */
static bool host_ibpb, host_sbpb, host_l1d_flush;
uint64_t xstate_hidden;
static uint64_t guest_arch_caps;

/*
 * ARCH_CAPABILITIES bits Xen 4.17 passes to guests (RDCL_NO, EIBRS,
 * SSB_NO, MDS_NO, IF_PSCHANGE_MC_NO, TAA_NO, SBDR_SSDP_NO, FBSDP_NO,
 * PSDP_NO, FB_CLEAR, BHI_NO, PBRSB_NO, GDS_NO, RFDS_NO, RFDS_CLEAR,
 * ITS_NO); RSBA and RRSBA it sets itself.
 */
#define ARCH_CAPS_GUEST		(0x1D12E173ULL | (1ULL << 62))
#define ARCH_CAPS_EIBRS		(1ULL << 1)
#define ARCH_CAPS_RSBA		(1ULL << 2)
#define ARCH_CAPS_RRSBA		(1ULL << 19)
#define ARCH_CAPS_GDS_CTRL	(1ULL << 25)
#define ARCH_CAPS_GDS_NO	(1ULL << 26)

/*
 * rdmsr/wrmsr that report the #GP of an MSR the host lacks instead of
 * taking it: the fault's fixup (__ex_table) sets [f].
 */
#define MSR_INSN_SAFE(insn, ...)					\
	asm volatile("1: " insn "\n   jmp 3f\n2: movl $1, %[f]\n3:\n"	\
		     ".pushsection __ex_table, \"a\"\n.balign 8\n"	\
		     ".quad 1b, 2b\n.popsection" __VA_ARGS__)

static bool rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;
	int faulted = 0;

	MSR_INSN_SAFE("rdmsr", : "+a"(lo), "+d"(hi), [f] "+r"(faulted) : "c"(msr));
	*val = (uint64_t)hi << 32 | lo;
	return !faulted;
}

static bool wrmsr_safe(uint32_t msr, uint64_t val)
{
	int faulted = 0;

	MSR_INSN_SAFE("wrmsr", : [f] "+r"(faulted)
		      : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
	return !faulted;
}

/* Gather Data Sampling's Intel models (Skylake to Rocket Lake). */
static bool gds_model(uint32_t model)
{
	static const uint8_t models[] = { 0x55, 0x6a, 0x6c, 0x7e, 0x8c, 0x8d, 0x8e, 0x9e,
					  0xa5, 0xa6, 0xa7 };
	unsigned int i;

	for (i = 0; i < sizeof(models); i++)
		if (models[i] == model)
			return true;
	return false;
}

/*
 * Intel's ARCH_CAPABILITIES for guests and Xen 4.17's GDS mitigation: on
 * family 6, a CPU that may suffer GDS (one of its models, or any model
 * under a hypervisor) without GDS_NO, and without the microcode's
 * mitigation on (MCU_OPT_CTRL GDS_MIT_DIS clear), loses AVX for guests
 * (XCR0.YMM refused, AVX and what needs it hidden in CPUID); otherwise
 * guests are told GDS_NO.
 */
static void intel_caps_init(void)
{
	uint32_t a, b, c, d, family, model;
	uint64_t host = 0, opt = 0;
	bool avx, bug, mitigated = false;

	cpuid(1, 0, &a, &b, &c, &d);
	avx = c & (1U << 28);
	family = (a >> 8) & 0xF;
	model = ((a >> 4) & 0xF) | (family == 6 || family == 0xF ? (a >> 12) & 0xF0 : 0);
	if (c & (1U << 31) || gds_model(model))
		bug = avx;
	else
		bug = false;
	cpuid(7, 0, &a, &b, &c, &d);
	if (d & (1U << 29))
		rdmsr_safe(MSR_ARCH_CAPS, &host);
	if (host & ARCH_CAPS_GDS_NO) {
		bug = false;
	} else if (host & ARCH_CAPS_GDS_CTRL) {
		bug = true;
		mitigated = rdmsr_safe(MSR_MCU_OPT_CTRL, &opt) && !(opt & (1ULL << 4));
	}
	guest_arch_caps = host & ARCH_CAPS_GUEST;
	if (host & (ARCH_CAPS_RSBA | ARCH_CAPS_RRSBA))
		guest_arch_caps |= host & ARCH_CAPS_EIBRS ? ARCH_CAPS_RRSBA : ARCH_CAPS_RSBA;
	if (family != 6)
		return;		/* Xen's GDS reckoning is for family 6 only */
	if (!bug || mitigated)
		guest_arch_caps |= ARCH_CAPS_GDS_NO;
	else
		xstate_hidden = 1ULL << 2;	/* YMM */
}

/*
 * LFENCE is dispatch-serialising on AMD's families 0xF and 0x11; on the
 * others Xen makes it so (DE_CFG bit 1, where the MSR takes it), and
 * says so in CPUID 0x80000021 EAX bit 2. So does Lamina, on every CPU
 * (the boot CPU decides what guests are told).
 */
static void lfence_init(bool boot)
{
	uint32_t a, b, c, d, family;
	uint64_t val;
	bool on;

	if (host_vendor != VENDOR_AMD)
		return;
	cpuid(1, 0, &a, &b, &c, &d);
	family = (a >> 8) & 0xF;
	if (family == 0xF)
		family += (a >> 20) & 0xFF;
	on = family == 0xF || family == 0x11;
	if (!on && rdmsr_safe(MSR_AMD_DE_CFG, &val)) {
		if (!(val & AMD_DE_CFG_LFENCE_SERIALISE))
			wrmsr_safe(MSR_AMD_DE_CFG, val | AMD_DE_CFG_LFENCE_SERIALISE);
		on = rdmsr_safe(MSR_AMD_DE_CFG, &val) && (val & AMD_DE_CFG_LFENCE_SERIALISE);
	}
	if (boot)
		lfence_dispatch = on;
}

void msr_init(bool boot)
{
	uint32_t a, b, c, d, max_ext;

	if (!boot) {
		lfence_init(false);
		return;
	}
	cpuid(0, 0, &a, &b, &c, &d);
	if (b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e)		/* GenuineIntel */
		host_vendor = VENDOR_INTEL;
	else if ((b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163) ||	/* AuthenticAMD */
		 (b == 0x6f677948 && d == 0x6e65476e && c == 0x656e6975))	/* HygonGenuine */
		host_vendor = VENDOR_AMD;
	if (a >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		host_ibpb = d & (1U << 26);		/* IBRSB */
		host_l1d_flush = d & (1U << 28);
	}
	cpuid(0x80000000, 0, &max_ext, &b, &c, &d);
	if (max_ext >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		host_has_rdtscp = d & (1U << 27);
	}
	/* AMD's x87 pointers without RSTR_FP_ERR_PTRS (0x80000008 EBX bit 2): pv.c. */
	fpu_ptrs_leak = host_vendor == VENDOR_AMD;
	if (max_ext >= 0x80000008) {
		cpuid(0x80000008, 0, &a, &b, &c, &d);
		host_ibpb |= b & (1U << 12);		/* IBPB */
		if (b & (1U << 2))
			fpu_ptrs_leak = false;
	}
	if (max_ext >= 0x80000021) {
		cpuid(0x80000021, 0, &a, &b, &c, &d);
		host_sbpb = a & (1U << 27);
	}
	if (host_vendor == VENDOR_INTEL)
		intel_caps_init();
	lfence_init(boot);
}

static bool is_amd(void)
{
	return host_vendor == VENDOR_AMD;
}

static bool is_intel(void)
{
	return host_vendor == VENDOR_INTEL;
}

/* The MSRs of Xen's vMCE (0x179-0x17B, 0x280-0x29F, 0x400-0x47F, and P5's). */
static bool vmce_msr(uint32_t msr)
{
	return msr <= MSR_P5_MC_TYPE || (msr >= MSR_IA32_MCG_CAP && msr <= MSR_IA32_MCG_CTL) ||
	       (msr >= MSR_MC0_CTL2 && msr < MSR_MC0_CTL2 + 32) ||
	       (msr >= MSR_MC0_CTL && msr < MSR_MC0_CTL + 4 * 32);
}

static bool vmce_read(const struct vcpu *v, uint32_t msr, uint64_t *val)
{
	*val = 0;
	switch (msr) {
	case MSR_IA32_MCG_CAP:
		*val = GUEST_MC_BANKS | (is_intel() ? MCG_CAP_INTEL : 0);
		return true;
	case MSR_IA32_MCG_STATUS:
		*val = v->arch.mcg_status;
		return true;
	case MSR_P5_MC_ADDR:	/* Intel: bank 1's ADDR and STATUS, 0 here */
	case MSR_P5_MC_TYPE:
	case MSR_IA32_MCG_CTL:	/* no MCG_CTL_P */
		return true;
	}
	if (msr >= MSR_MC0_CTL2 && msr < MSR_MC0_CTL2 + GUEST_MC_BANKS && is_intel())
		*val = v->arch.mci_ctl2[msr - MSR_MC0_CTL2];
	else if (msr >= MSR_MC0_CTL && msr < MSR_MC0_CTL + 4 * GUEST_MC_BANKS && !(msr & 3))
		*val = ~0ULL;
	return true;
}

static bool vmce_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (msr <= MSR_P5_MC_TYPE)
		return false;
	if (msr == MSR_IA32_MCG_STATUS)
		v->arch.mcg_status = val;
	else if (msr >= MSR_MC0_CTL2 && msr < MSR_MC0_CTL2 + GUEST_MC_BANKS && is_intel())
		v->arch.mci_ctl2[msr - MSR_MC0_CTL2] = val;
	else if (msr >= MSR_MC0_CTL && msr < MSR_MC0_CTL + 4 * GUEST_MC_BANKS && (msr & 3))
		return !val;	/* STATUS, ADDR, MISC: only cleared */
	return true;		/* the rest: dropped */
}

/* The vPMU's counters (off, as Xen 4.17's default): read 0, writes dropped. */
static bool vpmu_msr(uint32_t msr)
{
	if (is_amd())
		return (msr >= 0xC0010000 && msr <= 0xC0010007) ||
		       (msr >= 0xC0010200 && msr <= 0xC001020B);
	if (is_intel())
		return (msr >= 0xC1 && msr <= 0xC8) || (msr >= 0x186 && msr <= 0x189) ||
		       (msr >= 0x309 && msr <= 0x30B) || (msr >= 0x38D && msr <= 0x390);
	return false;
}

/* AMD's P-state and FID/VID MSRs: read 0, writes dropped (no cpufreq dom0). */
static bool amd_pstate_msr(uint32_t msr)
{
	return msr == 0xC0010041 || msr == 0xC0010042 || (msr >= 0xC0010061 && msr <= 0xC001006B);
}

/* AMD's memory-map MSRs: dom0 reads the host's (SYSCFG's MTRR bits only). */
static bool amd_memmap_msr(uint32_t msr)
{
	return msr == MSR_K8_SYSCFG || (msr >= 0xC0010016 && msr <= 0xC001001A) ||
	       msr == 0xC001001D || msr == 0xC0010112 || msr == 0xC0010113;
}

/* The ranges pv_read_msr's switch leaves: the vMCE, vPMU and AMD's. */
static bool read_msr_ranges(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	if (vmce_msr(msr))
		return vmce_read(v, msr, val);
	if (vpmu_msr(msr) || (is_amd() && amd_pstate_msr(msr))) {
		*val = 0;
		return true;
	}
	if (!is_amd() || !amd_memmap_msr(msr) || !v->domain->is_privileged ||
	    !rdmsr_safe(msr, val))
		return false;
	if (msr == MSR_K8_SYSCFG)	/* its MTRR bits only */
		*val &= (1ULL << 22) | (1ULL << 21) | (1ULL << 20) | (1ULL << 19);
	return true;
}

static bool read_msr_known(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case MSR_EFER:			*val = rdmsr(MSR_EFER); return true;
	case MSR_IA32_PAT:		*val = hv_pat; return true;
	case MSR_IA32_APIC_BASE:	/* enabled, the BSP flag on vCPU 0 */
		*val = 0xFEE00800 | (v->vcpu_id ? 0 : 0x100);
		return true;
	case MSR_IA32_TSC:		*val = rdtsc(); return true;	/* what rdtsc gives it */
	case MSR_XEN_HYPERCALL_PAGE:	*val = 0; return true;		/* write-only, as Xen */
	case MSR_IA32_UCODE_REV:	/* the host's, on Intel and AMD */
		return (is_intel() || is_amd()) && rdmsr_safe(msr, val);
	case MSR_IA32_PLATFORM_ID:
		return is_intel() && rdmsr_safe(msr, val);
	case MSR_ARCH_CAPS:		/* Intel's, offered whatever the host (CPUID) */
		*val = guest_arch_caps;
		return is_intel();
	case MSR_FEATURE_CONTROL:	/* Intel's, locked, no VMX */
		*val = 1;
		return is_intel();
	case MSR_PERF_STATUS:
	case MSR_PERF_CTL:
	case MSR_THERM_STATUS:		/* Intel's, read as 0 */
		*val = 0;
		return is_intel();
	case MSR_IA32_MISC_ENABLE:	/* the host's, with Xen's changes */
		if (!rdmsr_safe(msr, val))
			return false;
		*val = (*val & ~MISC_ENABLE_HIDDEN) | MISC_ENABLE_SHOWN;
		return true;
	case MSR_PERF_CAPABILITIES:	/* no capabilities */
	case MSR_AMD_NB_CFG:		/* 0: no vCPU is pinned */
	/*
	 * Xen 4.17 answers these two on any vendor; no CPUID faulting is
	 * offered (Xen offers it where the host has it: docs/conformance.md).
	 */
	case MSR_PLATFORM_INFO:
	case MSR_MISC_FEATURES:
		*val = 0;
		return true;
	case MSR_TSC_AUX:		/* with RDTSCP, offered as the host has it */
		*val = v->arch.tsc_aux;
		return host_has_rdtscp;
	case MSR_K8_HWCR:
		*val = 0;
		return is_amd();
	case MSR_AMD_DE_CFG:
		*val = AMD_DE_CFG_LFENCE_SERIALISE;
		return is_amd();
	default:
		return read_msr_ranges(v, msr, val);
	}
}

/* ARCH_CAPABILITIES as a PV guest reads it, 0 where it cannot (cpu_policy.c). */
uint64_t pv_arch_caps(void)
{
	return is_intel() ? guest_arch_caps : 0;
}

/*
 * Xen 4.17's last resort for a refused read: while the guest has no #GP
 * handler (early boot), an MSR the host has, outside the hypervisor
 * range, reads 0 rather than the #GP that would kill it.
 */
bool pv_read_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	uint64_t host;

	if (read_msr_known(v, msr, val))
		return true;
	if (v->arch.traps[13].address || (msr >> 16) == 0x4000 || !rdmsr_safe(msr, &host))
		return false;
	*val = 0;
	return true;
}

bool pv_write_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_EFER:
		return val == rdmsr(MSR_EFER);
	case MSR_MISC_FEATURES:
		return val == 0;	/* every bit reserved without CPUID faulting */
	case MSR_XEN_HYPERCALL_PAGE:	/* stubs into the frame named, as Xen 4.17 */
		return !(val & (PAGE_SIZE - 1)) &&
		       !pv_init_hypercall_page(v->domain, val >> PAGE_SHIFT);
	case MSR_IA32_UCODE_REV:	/* Intel's "write 0 before CPUID": dropped */
		return is_intel() && !val;
	case MSR_IA32_MISC_ENABLE:	/* dropped, whatever the value */
		return true;
	case MSR_AMD_NB_CFG:
		return true;
	case MSR_MPERF:
	case MSR_APERF:
		return is_intel() || is_amd();
	case MSR_PRED_CMD:		/* a barrier: to the CPU, as Xen */
		if (!host_ibpb || (val & ~(1ULL | (host_sbpb ? 1ULL << 7 : 0))))
			return false;
		wrmsr(MSR_PRED_CMD, val);
		return true;
	case MSR_FLUSH_CMD:
		if (!host_l1d_flush || (val & ~1ULL))
			return false;
		wrmsr(MSR_FLUSH_CMD, val);
		return true;
	case MSR_PERF_CTL:
	case MSR_THERM_CONTROL:
	case MSR_ENERGY_PERF_BIAS:
		return is_intel();
	case MSR_TSC_AUX:
		if (!host_has_rdtscp || val >> 32)
			return false;
		v->arch.tsc_aux = (uint32_t)val;
		tsc_aux_load(v);
		return true;
	case MSR_K8_HWCR:
	case MSR_AMD_DE_CFG:		/* dropped */
		return is_amd();
	default:	/* PAT, the syscall and sysenter MSRs too: #GP, as Xen 4.17 */
		if (vmce_msr(msr))
			return vmce_write(v, msr, val);
		return vpmu_msr(msr) || (is_amd() && amd_pstate_msr(msr));
	}
}

/* The vCPU's TSC_AUX into the CPU, when it differs from what is there (pv.c). */
void tsc_aux_load(const struct vcpu *v)
{
	if (unlikely(this_cpu()->tsc_aux != v->arch.tsc_aux)) {
		this_cpu()->tsc_aux = v->arch.tsc_aux;
		wrmsr(MSR_TSC_AUX, v->arch.tsc_aux);
	}
}
