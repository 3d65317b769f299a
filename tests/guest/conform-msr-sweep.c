// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-msr-sweep: every MSR index in 0-0x1fff, 0x40000000-0x400001ff,
 * 0xc0000000-0xc0001fff and 0xc0010000-0xc0011fff read with rdmsr from a
 * PV kernel, dom0 and an unprivileged domU (the peer); each that reads is
 * written back with the value read, then with 0 and all ones (not the
 * segment bases nor the hypercall-page MSR, which change the guest), and
 * put back; each that is #GP is written 0 (write-only MSRs). Then every
 * CPUID leaf through the forced-emulation prefix (the PV CPUID policy):
 * basic 0..max, 0x40000000-0x400001ff, extended 0x80000000..max, with
 * subleaves where a leaf has them.
 *
 * dom0 prints runs of indices with the same answer as one line. Each answer is checked
 * against Xen 4.17's for a PV guest (pv/emul-priv-op.c read_msr and
 * write_msr, msr.c guest_rdmsr and guest_wrmsr, cpu/mcheck/vmce.c, as
 * measured under QEMU's TCG `-cpu max`, an AMD-like model, and read for
 * Intel): expect_msr() below. Values Xen takes from the host are
 * checked for their form only: TSC (moves forward), UCODE_REV (the
 * host's, read twice alike), MISC_ENABLE (the host's with Xen's fixed
 * bits: BTS and PEBS unavailable, xTPR disabled, no perfmon or
 * MONITOR), the segment bases (the guest's own), EFER (the host's LME,
 * LMA, NXE, SCE). Each CPUID answer is checked against Xen's PV policy
 * as derived from the native CPUID (expect_cpuid), a domU's vTSC words
 * apart (vtsc_row; docs/conformance.md, Open differences).
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/user.h"

static char why[VERDICT_LEN];
static const char *who = "dom0";
static unsigned int bad;
static bool print_all;

#define GP	1	/* an answer: #GP */
#define OK	0
#define ANY	2	/* expect: either, not checked */

static int msr_read(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;

	traps_taken = 0;
	EXPECT_TRAP("rdmsr", : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*val = (uint64_t)hi << 32 | lo;
	if (traps_taken && last_trap.vector != 13)
		return 0x100 | last_trap.vector;
	return traps_taken ? GP : OK;
}

static int msr_write(uint32_t msr, uint64_t v)
{
	traps_taken = 0;
	EXPECT_TRAP("wrmsr", : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
	if (traps_taken && last_trap.vector != 13)
		return 0x100 | last_trap.vector;
	return traps_taken ? GP : OK;
}

static void fail_line(const char *line)
{
	if (bad < 60)
		printf("%s: %s MISMATCH\n", who, line);
	if (!bad++)
		snprintf(why, sizeof(why), "%s: %s", who, line);
}

#define FAIL(...)							\
	do {								\
		char line_[160];					\
		snprintf(line_, sizeof(line_), __VA_ARGS__);		\
		fail_line(line_);					\
	} while (0)

/* One MSR's answers: the read (OK/GP), its value, the writes of it, 0, ~0. */
struct answer {
	int rd, wb, w0, w1;
	uint64_t val;
};

/* What the CPU is, from the PV CPUID policy. */
static bool amd;
static uint32_t max_basic, max_ext;
static bool has_rdtscp, has_rdpid, has_ibrs, has_ibpb, has_ssbd_virt, has_dbext, has_l1d_flush;

static void xen_cpuid(uint32_t leaf, uint32_t sub, uint32_t *r)
{
	asm volatile("ud2; .ascii \"xen\"; cpuid"
		     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static void cpu_kind(void)
{
	uint32_t r[4];

	xen_cpuid(0, 0, r);
	max_basic = r[0];
	amd = r[1] == 0x68747541 || r[1] == 0x6f677948;	/* AuthenticAMD, HygonGenuine */
	xen_cpuid(0x80000000, 0, r);
	max_ext = r[0];
	if (max_basic >= 7) {
		xen_cpuid(7, 0, r);
		has_rdpid = r[2] & (1U << 22);
		has_ibrs = has_ibpb = r[3] & (1U << 26);	/* IBRSB */
		has_l1d_flush = r[3] & (1U << 28);
	}
	if (max_ext >= 0x80000001) {
		xen_cpuid(0x80000001, 0, r);
		has_rdtscp = r[3] & (1U << 27);
		has_dbext = r[2] & (1U << 26);
	}
	if (max_ext >= 0x80000008) {
		xen_cpuid(0x80000008, 0, r);
		has_ibpb = has_ibpb || (r[1] & (1U << 12));
		has_ibrs = has_ibrs || (r[1] & (1U << 14));
		has_ssbd_virt = r[1] & (1U << 25);
	}
}

/*
 * Xen 4.17's answer to a PV kernel for msr, as want's rd/wb/w0/w1 (ANY
 * where it depends on the host or the guest's state; then check_msr
 * checks what it can) and val (the value, when rd is OK and it is fixed).
 * False: the value is not fixed.
 */
static bool expect_msr(uint32_t msr, struct answer *w)
{
	*w = (struct answer){ GP, GP, GP, GP, 0 };

	switch (msr) {
	case 0x0: case 0x1:			/* P5_MC_ADDR/TYPE: vMCE's, 0, not written */
		w->rd = OK;
		return true;
	case 0x10:				/* TSC: rdtsc's, not writable */
		w->rd = OK;
		return false;
	case 0x1b:				/* APIC_BASE: enabled, BSP on vCPU 0 */
		w->rd = OK;
		w->val = 0xfee00900;
		return true;
	case 0x17:				/* PLATFORM_ID: Intel's, the host's */
		if (amd)
			return true;
		w->rd = OK;
		return false;
	case 0x10a:				/* ARCH_CAPABILITIES: Intel's, Xen's view */
		if (amd)
			return true;
		w->rd = OK;
		return false;
	case 0x19a: case 0x1b0:			/* THERM_CONTROL, ENERGY_PERF_BIAS: dropped */
		if (!amd)
			w->w0 = OK;
		return true;
	case 0xc1 ... 0xc8:			/* Intel's vPMU counters: off, 0 */
	case 0x186 ... 0x189:
	case 0x309 ... 0x30b:
	case 0x38d ... 0x390:
		if (amd)
			return true;
		*w = (struct answer){ OK, OK, OK, OK, 0 };
		return true;
	case 0x3a:				/* FEATURE_CONTROL: Intel's, locked */
		if (amd)
			return true;
		w->rd = OK;
		w->val = 1;
		return true;
	case 0x48:				/* SPEC_CTRL */
		if (!has_ibrs)
			return true;
		w->rd = OK;
		w->wb = w->w0 = OK;
		return false;
	case 0x49:				/* PRED_CMD: write-only */
		if (has_ibpb)
			w->w0 = OK;
		return true;
	case 0x10b:				/* FLUSH_CMD: write-only */
		if (has_l1d_flush)
			w->w0 = OK;
		return true;
	case 0x8b:				/* UCODE_REV: the host's; Intel takes a write of 0 */
		w->rd = OK;
		if (!amd)
			w->w0 = OK;
		return false;
	case 0xce:				/* PLATFORM_INFO: no CPUID faulting offered */
		w->rd = OK;
		return true;
	case 0x140:				/* MISC_FEATURES_ENABLES */
		*w = (struct answer){ OK, OK, OK, GP, 0 };
		return true;
	case 0x179:				/* MCG_CAP: two banks (Intel: SER, TES, CMCI) */
		*w = (struct answer){ OK, OK, OK, OK, amd ? 2 : 0x1000c02 };
		return true;
	case 0x17a:				/* MCG_STATUS: the vCPU's */
	case 0x17b:				/* MCG_CTL: no MCG_CTL_P, 0, writes dropped */
		*w = (struct answer){ OK, OK, OK, OK, 0 };
		return true;
	case 0x198: case 0x199:			/* PERF_STATUS/CTL: Intel's, read as 0 */
		if (amd)
			return true;
		*w = (struct answer){ OK, GP, GP, GP, 0 };
		if (msr == 0x199)
			w->wb = w->w0 = w->w1 = OK;
		return true;
	case 0x19c:				/* THERM_STATUS: Intel's, 0 */
		if (amd)
			return true;
		w->rd = OK;
		return true;
	case 0x1a0:				/* MISC_ENABLE: the host's, Xen's bits */
		*w = (struct answer){ OK, OK, OK, OK, 0 };
		return false;
	case 0x277:				/* PAT: Xen's own, not writable */
		w->rd = OK;
		w->val = 0x0000050100070406ULL;
		return true;
	case 0x345:				/* PERF_CAPABILITIES: 0 */
		w->rd = OK;
		return true;
	case 0x280 ... 0x29f:			/* MCi_CTL2: 0, Intel keeps banks 0-1's */
		*w = (struct answer){ OK, OK, OK, OK, 0 };
		return true;
	case 0x400 ... 0x407:			/* the two banks */
		if ((msr & 3) == 0)		/* CTL: all ones, writes dropped */
			*w = (struct answer){ OK, OK, OK, OK, ~0ULL };
		else				/* STATUS, ADDR, MISC: only 0 written */
			*w = (struct answer){ OK, OK, OK, GP, 0 };
		return true;
	case 0x408 ... 0x47f:			/* banks past MCG_CAP's: 0, writes dropped */
		*w = (struct answer){ OK, OK, OK, OK, 0 };
		return true;
	case 0x40000000:			/* the hypercall page: reads 0 */
		*w = (struct answer){ OK, GP, ANY, ANY, 0 };
		return true;
	case 0xc0000080:			/* EFER: the host's, only itself written */
		w->rd = OK;
		w->wb = OK;
		return false;
	case 0xc0000100: case 0xc0000101: case 0xc0000102:
		*w = (struct answer){ OK, OK, ANY, ANY, 0 };
		return false;
	case 0xc0000103:			/* TSC_AUX: 32 bits, the guest's */
		if (!has_rdtscp && !has_rdpid)
			return true;
		*w = (struct answer){ OK, OK, OK, GP, 0 };
		return false;
	case 0xc0010000 ... 0xc0010007:		/* K7 perf counters: vPMU off, 0 */
	case 0xc0010200 ... 0xc001020b:		/* fam15h ones */
		if (!amd)
			return true;
		*w = (struct answer){ OK, OK, OK, OK, 0 };
		return true;
	case 0xc0010015:			/* HWCR: AMD's, 0, writes dropped */
		if (!amd)
			return true;
		*w = (struct answer){ OK, OK, OK, OK, 0 };
		return true;
	case 0xc0010061 ... 0xc001006b:		/* P-state MSRs: AMD's, 0, writes dropped */
	case 0xc0010041: case 0xc0010042:	/* K7 FID/VID: the same */
		if (!amd)
			return true;
		*w = (struct answer){ OK, OK, OK, OK, 0 };
		return true;
	case 0xc0010010:			/* SYSCFG, IORRs, TOP_MEM(2), TSEG: */
	case 0xc0010016 ... 0xc001001a:		/* AMD's, dom0 reads the host's */
	case 0xc001001d:
	case 0xc0010112: case 0xc0010113:
		if (!amd || strcmp(who, "dom0"))
			return true;
		w->rd = OK;
		return false;
	case 0xc001001f:			/* NB_CFG: AMD's, 0 unless pinned hwdom */
		*w = (struct answer){ OK, OK, OK, OK, 0 };
		return true;
	case 0xc001011f:			/* VIRT_SPEC_CTRL */
		if (!has_ssbd_virt)
			return true;
		*w = (struct answer){ OK, OK, OK, OK, 0 };
		return false;
	case 0xc0011029:			/* DE_CFG: LFENCE serialising, writes dropped */
		if (!amd)
			return true;
		*w = (struct answer){ OK, OK, OK, OK, 2 };
		return true;
	case 0xc0011027: case 0xc0011019 ... 0xc001101b:	/* DR address masks */
		if (!has_dbext)
			return true;
		*w = (struct answer){ OK, OK, OK, GP, 0 };
		return true;
	case 0xe7: case 0xe8:			/* MPERF/APERF: writes dropped, reads #GP */
		w->w0 = OK;
		return true;
	}
	return true;
}

static const char *ans(int a)
{
	return a == OK ? "ok" : a == GP ? "GP" : "??";
}

/* The MSRs written only with their own value (the rest would change the guest). */
static bool keep_state(uint32_t msr)
{
	return (msr >= 0xc0000100 && msr <= 0xc0000102) || (msr >> 16) == 0x4000;
}

static void one_msr(uint32_t msr, struct answer *a)
{
	uint64_t v2;

	a->wb = a->w0 = a->w1 = GP;
	a->rd = msr_read(msr, &a->val);
	if (a->rd != OK) {
		a->val = 0;
		a->w0 = msr_write(msr, 0);
		return;
	}
	a->wb = msr_write(msr, a->val);
	if (keep_state(msr)) {
		a->w0 = a->w1 = ANY;
		return;
	}
	a->w0 = msr_write(msr, 0);
	a->w1 = msr_write(msr, ~0ULL);
	msr_write(msr, a->val);
	if (msr == 0x17a || (msr >= 0x400 && msr < 0x480 && (msr & 3)))
		msr_write(msr, 0);		/* what was read may be from ~0 */
	if (msr_read(msr, &v2) != OK)
		FAIL("rdmsr %#x after the writes: #GP", msr);
}

static bool same(const struct answer *a, const struct answer *b)
{
	return a->rd == b->rd && a->wb == b->wb && a->w0 == b->w0 && a->w1 == b->w1 &&
	       a->val == b->val;
}

/* Checks one MSR's answers against Xen's; the host-dependent ones by form. */
static void check_msr(uint32_t msr, const struct answer *a)
{
	struct answer w;
	bool fixed = expect_msr(msr, &w);
	uint64_t v2 = 0;

	if (a->rd != w.rd || (w.wb != ANY && a->wb != w.wb) ||
	    (w.w0 != ANY && a->w0 != w.w0) || (w.w1 != ANY && a->w1 != w.w1)) {
		char line[120];

		snprintf(line, sizeof(line), "msr %#x: rd %s wb %s w0 %s w1 %s, Xen: %s %s %s %s",
			 msr, ans(a->rd), ans(a->wb), ans(a->w0), ans(a->w1), ans(w.rd),
			 ans(w.wb), ans(w.w0), ans(w.w1));
		fail_line(line);
		return;
	}
	if (a->rd != OK)
		return;
	if (fixed) {
		if (a->val != w.val)
			FAIL("msr %#x reads %#lx, Xen %#lx", msr, a->val, w.val);
		return;
	}
	switch (msr) {
	case 0x10:
		if (msr_read(msr, &v2) || v2 <= a->val)
			FAIL("msr %#x (TSC) %#lx then %#lx", msr, a->val, v2);
		break;
	case 0x8b:
		if (msr_read(msr, &v2) || v2 != a->val)
			FAIL("msr %#x (UCODE_REV) %#lx then %#lx", msr, a->val, v2);
		break;
	case 0x1a0:	/* bits 11, 12, 23 set; 7 (perfmon) and 18 (MONITOR) clear */
		if ((a->val & 0x841880) != 0x801800)
			FAIL("msr %#x (MISC_ENABLE) %#lx", msr, a->val);
		break;
	case 0xc0000080:	/* SCE, LME, LMA, NXE */
		if ((a->val & 0xd01) != 0xd01)
			FAIL("msr %#x (EFER) %#lx", msr, a->val);
		break;
	case 0xc0000103:
		if (a->val >> 32)
			FAIL("msr %#x (TSC_AUX) %#lx", msr, a->val);
		break;
	}
}

static void print_run(uint32_t first, uint32_t last, const struct answer *a)
{
	if (!print_all)
		return;
	if (a->rd != OK)
		printf("msr %#x-%#x: GP w0 %s\n", first, last, ans(a->w0));
	else
		printf("msr %#x-%#x: %#lx wb %s w0 %s w1 %s\n", first, last, a->val,
		       ans(a->wb), ans(a->w0), ans(a->w1));
}

static void msr_range(uint32_t first, uint32_t last)
{
	struct answer run, a;
	uint32_t start = first, msr;

	one_msr(first, &run);
	check_msr(first, &run);
	for (msr = first + 1; msr <= last; msr++) {
		one_msr(msr, &a);
		check_msr(msr, &a);
		if (!same(&a, &run)) {
			print_run(start, msr - 1, &run);
			run = a;
			start = msr;
		}
	}
	print_run(start, last, &run);
}

/* TSC_AUX as rdtscp and rdpid give it, after a write. */
static void tsc_aux(void)
{
	uint32_t aux = 0, lo, hi;
	uint64_t pid = 0;

	if (!has_rdtscp && !has_rdpid)
		return;
	if (msr_write(0xc0000103, 0x1234567) != OK)
		FAIL("wrmsr TSC_AUX %#x", 0x1234567);
	if (has_rdtscp) {
		asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
		if (aux != 0x1234567)
			FAIL("rdtscp's aux %#x after wrmsr", aux);
	}
	if (has_rdpid) {
		asm volatile("rdpid %0" : "=r"(pid));
		if (pid != 0x1234567)
			FAIL("rdpid %#x after wrmsr", (uint32_t)pid);
	}
	msr_write(0xc0000103, 0);
}

static void msrs(void)
{
	msr_range(0, 0x1fff);
	msr_range(0x40000000, 0x400001ff);
	msr_range(0xc0000000, 0xc0001fff);
	msr_range(0xc0010000, 0xc0011fff);
	tsc_aux();
}

static void native_cpuid(uint32_t leaf, uint32_t sub, uint32_t *r)
{
	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

/*
 * The XSAVE components Xen 4.17 offers a PV guest where the host has them:
 * x87, SSE, AVX and AVX-512's three.
 */
#define XEN_PV_XCR0	0xE7U
/* Leaf 1's feature bits AMD repeats in 0x80000001 EDX. */
#define COMMON_1D	0x0183F3FFU

static uint32_t xsave_size(uint32_t mask)
{
	uint32_t size = 576, r[4], i;

	for (i = 2; i < 32; i++) {
		if (mask & (1U << i)) {
			native_cpuid(0xd, i, r);
			size = size > r[0] + r[1] ? size : r[0] + r[1];
		}
	}
	return size;
}

/*
 * Xen's GDS mitigation (Intel family 6): AVX kept from guests exactly
 * where it does not tell them GDS_NO in ARCH_CAPABILITIES.
 */
static bool gds_no_avx(void)
{
	uint32_t r[4];
	uint64_t caps;

	if (amd)
		return false;
	native_cpuid(1, 0, r);
	if (((r[0] >> 8) & 0xf) != 6 || msr_read(0x10a, &caps) != OK)
		return false;
	return !(caps & (1ULL << 26));
}

/* LFENCE dispatch-serialising: AMD's families 0xF and 0x11, else as the hypervisor made it. */
static bool lfence_dispatch(void)
{
	uint32_t r[4], family;

	if (!amd)
		return false;
	native_cpuid(1, 0, r);
	family = (r[0] >> 8) & 0xf;
	if (family == 0xf)
		family += (r[0] >> 20) & 0xff;
	if (family == 0xf || family == 0x11)
		return true;
	xen_cpuid(0x80000021, 0, r);
	return r[0] & 4;
}

/*
 * What Xen 4.17's PV policy gives for leaf.sub, from the native CPUID
 * (QEMU's: neither hypervisor fakes it without CPUID faulting) as its
 * cpu-policy.c and cpuid.c derive it; care: the bits checked (those
 * that depend on the moment, e.g. OSXSAVE, the XSAVE size of the XCR0
 * in use, the TSC's kHz, or on features Xen filters by name, are not).
 */
static void expect_cpuid(uint32_t leaf, uint32_t sub, uint32_t *w, uint32_t *care)
{
	uint32_t n[4] = { 0 }, l1[4], c1[4], max, nmax;
	bool ext = leaf >= 0x80000000, hv = (leaf >> 16) == 0x4000;
	bool dom0 = !strcmp(who, "dom0");

	memset(w, 0, 16);
	memset(care, 0xff, 16);
	if (hv) {
		switch (leaf) {
		case 0x40000000:
			w[0] = 0x40000005;
			w[1] = 0x566e6558;	/* "XenVMMXenVMM" */
			w[2] = 0x65584d4d;
			w[3] = 0x4d4d566e;
			break;
		case 0x40000001:
			w[0] = 0x00040011;	/* 4.17 */
			break;
		case 0x40000002:
			w[0] = 1;
			w[1] = 0x40000000;
			w[2] = 1;		/* MMU_PT_UPDATE_PRESERVE_AD */
			break;
		case 0x40000003:	/* RDTSCP on the host; TSC safe and its kHz: the host's */
			if (sub == 0) {
				native_cpuid(0x80000001, 0, n);
				w[0] = n[3] & (1U << 27) ? 4 : 0;
				care[0] = ~2U;
			} else if (sub == 2) {
				care[0] = 0;
			}
			/*
			 * Xen 4.17 emulates rdtsc for a domU (vTSC, bit 0, its
			 * kHz, incarnation and scale) where the host's TSC is not
			 * known safe (bit 1 clear); Lamina does not (conformance.md,
			 * Open differences): those words are checked apart (vtsc_row).
			 */
			if (!dom0 && sub < 2) {
				care[0] &= ~1U;
				care[2] = care[3] = 0;
			}
			break;
		case 0x40000005:	/* the machine address width: the host's */
			if (sub == 0)
				care[1] = 0;
			break;
		}
		return;
	}
	native_cpuid(leaf & 0x80000000, 0, n);
	nmax = n[0];
	max = ext ? (lfence_dispatch() && nmax < 0x80000021 ? 0x80000021 : nmax) : nmax;
	if (leaf > (ext ? (max < 0x80000021 ? max : 0x80000021) : (max < 0xd ? max : 0xd)))
		return;
	memset(n, 0, sizeof(n));
	if (leaf <= nmax)
		native_cpuid(leaf, sub, n);
	memcpy(w, n, sizeof(n));
	switch (leaf) {
	case 0:
		w[0] = n[0] < 0xd ? n[0] : 0xd;
		break;
	case 1:
		w[1] = n[1] & 0xffffff;			/* no APIC ID */
		w[2] = (n[2] & ~0x0126C1FCU) | (1U << 31);
		care[2] = ~(1U << 27);			/* OSXSAVE: the guest's CR4 */
		if (gds_no_avx())
			w[2] &= ~0x30001000U;		/* FMA, AVX, F16C */
		if (dom0)
			w[2] |= n[2] & (1U << 7);	/* EIST, dom0's kernel */
		w[3] = n[3] & ~0xA022300AU;
		if (dom0)
			w[3] |= n[3] & (1U << 12);	/* MTRR, dom0's kernel */
		if (amd)
			w[3] &= ~(1U << 11);		/* SEP */
		break;
	case 2: case 3: case 4: case 9: case 0xa:
		if (amd || leaf == 3 || leaf == 9 || leaf == 0xa)
			memset(w, 0, 16);		/* AMD's; PSN, DCA, no vPMU */
		else if (leaf == 2)
			w[0] = (n[0] & ~0xffU) | 1;
		break;
	case 5: case 6: case 8: case 0xc:
		memset(w, 0, 16);
		break;
	case 7:
		if (sub) {
			memset(w, 0, 16);
			break;
		}
		w[0] = 0;
		w[1] = n[1] & ~0xDE73D486U;
		w[2] = n[2] & ~0xA001009CU;
		w[3] = n[3] & ~((1U << 20) | (1U << 29));
		if (!amd)
			w[3] |= 1U << 29;		/* ARCH_CAPS: Intel's, always */
		if (gds_no_avx()) {
			w[1] &= ~(1U << 5);		/* AVX2 */
			w[2] &= ~0x600U;		/* VAES, VPCLMULQDQ */
		}
		break;
	case 0xb:				/* no x2APIC: empty (measured, both vendors) */
		memset(w, 0, 16);
		break;
	case 0xd:
		native_cpuid(0xd, 0, c1);
		c1[0] &= XEN_PV_XCR0 & (gds_no_avx() ? ~0xe4U : ~0U);	/* GDS: no YMM, no AVX-512 */
		if (sub == 0) {
			w[0] = c1[0];
			w[2] = xsave_size(c1[0]);
			w[3] = 0;
			care[1] = 0;			/* the size for the XCR0 in use */
		} else if (sub == 1) {
			w[0] = n[0] & 5;		/* XSAVEOPT, XGETBV1 */
			w[1] = w[2] = w[3] = 0;
		} else if (sub >= 32 || !(c1[0] & (1U << sub))) {
			memset(w, 0, 16);
		}
		break;
	case 0x80000000:
		w[0] = max < 0x80000021 ? max : 0x80000021;
		if (!amd)
			w[1] = w[2] = w[3] = 0;
		break;
	case 0x80000001:
		w[3] = n[3] & ~(1U << 26);		/* 1 GiB pages */
		w[2] = n[2] & ~0x2048B61CU;
		if (on_lamina())
			w[2] &= ~(1U << 26);		/* DBEXT: hidden on purpose */
		if (amd) {
			expect_cpuid(1, 0, l1, c1);
			w[3] = (w[3] & ~COMMON_1D) | (l1[3] & COMMON_1D);
			w[1] = n[1] & 0xff00ffff;
		} else {
			w[0] = w[1] = 0;
			native_cpuid(1, 0, l1);
			if (dom0)
				w[3] |= l1[3] & (1U << 12);	/* MTRR, dom0's kernel */
		}
		break;
	case 0x80000005:
		if (!amd)
			memset(w, 0, 16);
		break;
	case 0x80000006:
		if (!amd)
			w[0] = w[1] = w[3] = 0;
		break;
	case 0x80000007:
		w[0] = w[1] = w[2] = 0;
		w[3] = n[3] & ~(1U << 8);		/* invariant TSC */
		break;
	case 0x80000008:	/* 48-bit linear addresses; EBX: features filtered by name */
		w[0] = (n[0] & 0xff) | (((n[0] >> 8) & 0xff) < 48 ? n[0] & 0xff00 : 48 << 8);
		care[1] = 0;
		w[2] = amd ? n[2] & 0x3f0ff : 0;
		w[3] = 0;
		break;
	case 0x80000021:
		w[1] = w[3] = 0;
		if (lfence_dispatch())
			w[0] |= 4;
		break;
	default:
		if (amd && leaf >= 0x80000009 && leaf <= 0x80000020 && leaf != 0x80000019 &&
		    leaf != 0x8000001a)
			memset(w, 0, 16);
		break;
	}
}

/*
 * A domU's vTSC words of 0x40000003: on Xen 4.17, vTSC (bit 0) exactly
 * where the host's TSC is not known safe (bit 1), then with its kHz in
 * subleaf 0 ECX and a scale in subleaf 1; on Lamina never.
 */
static void vtsc_row(uint32_t sub, const uint32_t *r)
{
	bool vtsc = r[0] & 1, safe = r[0] & 2;

	if (sub == 0 && on_lamina() && (vtsc || r[2] || r[3]))
		FAIL("cpuid 0x40000003.0: %08x %08x %08x %08x: a vTSC", r[0], r[1], r[2], r[3]);
	if (sub == 0 && !on_lamina() && (vtsc == safe || (vtsc && !r[2])))
		FAIL("cpuid 0x40000003.0: %08x %08x %08x %08x: vTSC not as Xen's", r[0], r[1],
		     r[2], r[3]);
}

static void check_cpuid(uint32_t leaf, uint32_t sub, const uint32_t *r)
{
	uint32_t w[4], care[4], i;

	expect_cpuid(leaf, sub, w, care);
	if (leaf == 0x40000003 && strcmp(who, "dom0"))
		vtsc_row(sub, r);
	for (i = 0; i < 4; i++) {
		if ((r[i] & care[i]) != (w[i] & care[i])) {
			FAIL("cpuid %#x.%u: %08x %08x %08x %08x, Xen's policy %08x %08x %08x %08x",
			     leaf, sub, r[0], r[1], r[2], r[3], w[0], w[1], w[2], w[3]);
			return;
		}
	}
}

/* CPUID: leaves with subleaves, and how many are printed. */
static uint32_t subleaves(uint32_t leaf)
{
	switch (leaf) {
	case 4: case 0xb: case 0xf: case 0x10: case 0x12: case 0x14: case 0x17: case 0x18:
	case 0x1d: case 0x1f: case 0x20: case 0x8000001d: case 0x80000020: case 0x80000026:
		return 8;
	case 7:
		return 4;
	case 0x40000003:	/* Xen's time leaf: subleaves 0-2 */
		return 3;
	case 0xd:
		return 64;
	}
	return 1;
}

static void cpuid_range(uint32_t first, uint32_t last)
{
	uint32_t leaf, sub, r[4], p[4] = { 0 }, pl = 0, ps = 0;
	bool have = false;

	for (leaf = first; leaf <= last; leaf++) {
		for (sub = 0; sub < subleaves(leaf); sub++) {
			xen_cpuid(leaf, sub, r);
			check_cpuid(leaf, sub, r);
			if (have && !memcmp(r, p, sizeof(r)))
				continue;
			if (print_all)
				printf("cpuid %#x.%u: %08x %08x %08x %08x\n", leaf, sub,
				       r[0], r[1], r[2], r[3]);
			memcpy(p, r, sizeof(r));
			pl = leaf;
			ps = sub;
			have = true;
		}
	}
	(void)pl;
	(void)ps;
}

/* Guest user mode's forced CPUID leaf 1: ECX and EDX into the data page. */
extern const uint8_t ucpuid_prog[], ucpuid_prog_end[];
asm(".pushsection .rodata\n"
    ".globl ucpuid_prog, ucpuid_prog_end\n"
    "ucpuid_prog:\n"
    "	mov $1, %eax\n"
    "	xor %ecx, %ecx\n"
    "	ud2; .ascii \"xen\"; cpuid\n"
    "	mov %ecx, 0x401000\n"
    "	mov %edx, 0x401004\n"
    USER_PROG_EXIT
    "ucpuid_prog_end:\n"
    ".popsection");

/*
 * Leaf 1 from guest user mode, with the guest's CR4.OSXSAVE clear and
 * then set: Xen gives OSXSAVE there only as that bit, and dom0's MTRR
 * and EIST only to its kernel; the rest as the kernel's.
 */
static void user_leaf1(void)
{
	uint32_t k[4], *u, want_c, want_d;
	uint64_t cr4;
	unsigned int pass;
	bool dom0 = !strcmp(who, "dom0");

	if (user_setup(ucpuid_prog, ucpuid_prog_end - ucpuid_prog, 1)) {
		FAIL("user_setup failed");
		return;
	}
	u = (uint32_t *)user_data_kva;
	xen_cpuid(1, 0, k);
	for (pass = 0; pass < 2; pass++) {
		asm volatile("mov %%cr4, %0" : "=r"(cr4));
		want_c = (k[2] & ~(1U << 27) & ~(dom0 ? 1U << 7 : 0)) |
			 (cr4 & (1ULL << 18) ? 1U << 27 : 0);
		want_d = k[3] & ~(dom0 ? 1U << 12 : 0);
		u[0] = u[1] = 0xdeadbeef;
		if (enter_user(USER_BASE, USER_DATA + 4096) != 60)
			FAIL("user mode did not exit (CR4 %#lx)", cr4);
		else if (u[0] != want_c || u[1] != want_d)
			FAIL("user-mode cpuid 1 (CR4 %#lx): ecx %08x edx %08x, Xen's %08x %08x",
			     cr4, u[0], u[1], want_c, want_d);
		asm volatile("mov %0, %%cr4" : : "r"(cr4 | (1ULL << 18)) : "memory");
	}
}

static void cpuids(void)
{
	user_leaf1();
	cpuid_range(0, max_basic);
	cpuid_range(0x40000000, 0x400001ff);
	cpuid_range(0x80000000, max_ext);
}

/*
 * Before any trap table: a refused read of an MSR the host has (STAR,
 * #GP for a PV guest) reads 0, Xen 4.17's last resort for early boot;
 * a #GP here would kill the guest (no handler).
 */
static void no_handler_read(void)
{
	uint32_t lo = 1, hi = 1;

	asm volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(0xc0000081) : "memory");
	if (lo || hi)
		FAIL("rdmsr STAR without a #GP handler: %#x:%#x", hi, lo);
}

static const char *body(struct start_info *si)
{
	if (!(si->flags & SIF_INITDOMAIN))
		who = "domU";
	no_handler_read();
	if (traps_install(true))
		return "set_trap_table failed";
	print_all = !strcmp(who, "dom0");
	cpu_kind();
	printf("%s: %s model, max leaves %#x %#x\n", who, amd ? "AMD" : "Intel", max_basic,
	       max_ext);
	msrs();
	cpuids();
	return bad ? why : NULL;
}

int test_main(struct start_info *si)
{
	return verdict_test_both(si, body);
}
