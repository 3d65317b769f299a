// SPDX-License-Identifier: GPL-2.0-only
/*
 * cpustate: the small per-vCPU CPU state of a PV guest. fpu_taskswitch(1)
 * makes the next SSE instruction raise #NM, clts clears it; debug
 * registers refuse hypervisor addresses, GD and reserved bits, and a data
 * breakpoint on a guest variable reaches the #DB handler with B0 in the
 * virtual DR6; port I/O, cli and sti raise #GP until set_iopl gives the
 * kernel IOPL 1 (then cli/sti are no-ops), and the hypervisor's own console
 * port reads as all ones. xsetbv raises #UD until the kernel sets
 * CR4.OSXSAVE (which reads back), though CPUID shows OSXSAVE all along,
 * as on Xen 4.17. FSGSBASE is offered when the CPU has it (the guest's
 * CPUID bit is the native one), as Xen 4.17 offers it: CR4.FSGSBASE is
 * clear at first (rdfsbase #UD: XSA-293), the kernel sets it (it reads
 * back), then wrfsbase and wrgsbase values are what rdmsr of FS_BASE and
 * GS_BASE read, and survive a hypercall and a yield; cleared again,
 * rdfsbase is #UD again. Without the CPU's FSGSBASE the CR4 bit is not
 * taken.
 */
#include "lib/guest.h"
#include "lib/traps.h"
#include <lamina/physdev.h>

static volatile uint64_t watched;

static long set_iopl(uint32_t level)
{
	struct physdev_set_iopl op = { level };

	return hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &op);
}

static int fpu(void)
{
	CHECK(hypercall1(__HYPERVISOR_fpu_taskswitch, 1) == 0, "fpu_taskswitch(1) failed");
	traps_taken = 0;
	EXPECT_TRAP("pxor %%xmm0, %%xmm0", : : : "memory");
	CHECK(traps_taken == 1 && last_trap.vector == 7, "SSE with TS set: %u traps, vector %lu",
	      traps_taken, (unsigned long)last_trap.vector);
	asm volatile("clts");
	traps_taken = 0;
	asm volatile("pxor %%xmm0, %%xmm0" : : : "memory");
	CHECK(traps_taken == 0, "SSE after clts trapped");
	CHECK(hypercall1(__HYPERVISOR_fpu_taskswitch, 1) == 0 &&
	      hypercall1(__HYPERVISOR_fpu_taskswitch, 0) == 0, "fpu_taskswitch(0) failed");
	asm volatile("pxor %%xmm0, %%xmm0" : : : "memory");
	CHECK(traps_taken == 0, "SSE after fpu_taskswitch(0) trapped");
	return TEST_PASS;
}

/*
 * DR0 at the edges of what may be watched: its start alone is checked, as
 * Xen 4.17 checks it (270fe0e; session 33's review). An 8-byte breakpoint
 * covers the aligned 8 bytes around its address, so one starting below
 * 2^47, or at the hypervisor's end (0xFFFF880000000000) or above, covers
 * no hypervisor byte. Each one taken is armed (read/write, 8 bytes) over
 * hypercalls that copy to and from this guest; nothing may trap.
 */
static int debugreg_edges(void)
{
	static const struct {
		uint64_t addr;
		long rc;
	} edges[] = {
		{ 0x00007FFFFFFFFFFFULL, 0 },		/* covers 2^47 - 8 .. 2^47 - 1 */
		{ 0x0000800000000000ULL, -EPERM },
		{ 0xFFFF800000000000ULL, -EPERM },	/* the hypervisor's range */
		{ 0xFFFF87FFFFFFFFFFULL, -EPERM },
		{ 0xFFFF880000000000ULL, 0 },
		{ ~0ULL, 0 },				/* covers ~0 - 7 .. ~0 */
	};
	char buf[16];
	unsigned int i;
	long rc;

	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		rc = hypercall2(__HYPERVISOR_set_debugreg, 0, edges[i].addr);
		CHECK(rc == edges[i].rc, "DR0 %#lx gave %ld, not %ld",
		      (unsigned long)edges[i].addr, rc, edges[i].rc);
		if (rc)
			continue;
		traps_taken = 0;
		CHECK(hypercall2(__HYPERVISOR_set_debugreg, 7, 1 | (3 << 16) | (2 << 18)) == 0,
		      "DR7 (8-byte read/write on DR0 %#lx) refused", (unsigned long)edges[i].addr);
		CHECK(hypercall2(__HYPERVISOR_xen_version, XENVER_extraversion, (uint64_t)buf) == 0,
		      "xen_version with DR0 %#lx armed failed", (unsigned long)edges[i].addr);
		CHECK((uint64_t)hypercall1(__HYPERVISOR_get_debugreg, 0) == edges[i].addr,
		      "DR0 reads back %#lx", (unsigned long)hypercall1(__HYPERVISOR_get_debugreg, 0));
		CHECK(hypercall2(__HYPERVISOR_set_debugreg, 7, 0) == 0, "clearing DR7 failed");
		CHECK(traps_taken == 0, "DR0 %#lx: %u traps", (unsigned long)edges[i].addr,
		      traps_taken);
	}
	CHECK(hypercall2(__HYPERVISOR_set_debugreg, 0, 0) == 0, "DR0 0 refused");
	return TEST_PASS;
}

static int debugregs(void)
{
	long rc;

	rc = hypercall2(__HYPERVISOR_set_debugreg, 0, 0xFFFF830000000000ULL);
	CHECK(rc == -EPERM, "breakpoint on a hypervisor address gave %ld", rc);
	rc = hypercall2(__HYPERVISOR_set_debugreg, 7, 0x400 | (1 << 13));
	CHECK(rc == -EPERM, "DR7.GD gave %ld", rc);
	rc = hypercall2(__HYPERVISOR_set_debugreg, 7, 1ULL << 32);
	CHECK(rc == -EINVAL, "DR7 bit 32 gave %ld", rc);
	rc = hypercall2(__HYPERVISOR_set_debugreg, 9, 0);
	CHECK(rc == -ENODEV, "debug register 9 gave %ld", rc);	/* Xen 4.17's answer */

	/* A write breakpoint, 8 bytes, on `watched`. */
	CHECK(hypercall2(__HYPERVISOR_set_debugreg, 0, (uint64_t)&watched) == 0, "DR0 refused");
	CHECK(hypercall2(__HYPERVISOR_set_debugreg, 6, 0xFFFF0FF0) == 0, "DR6 refused");
	CHECK(hypercall2(__HYPERVISOR_set_debugreg, 7, 1 | (1 << 16) | (3 << 18)) == 0,
	      "DR7 refused");
	CHECK((uint64_t)hypercall1(__HYPERVISOR_get_debugreg, 0) == (uint64_t)&watched,
	      "DR0 reads back %#lx", (unsigned long)hypercall1(__HYPERVISOR_get_debugreg, 0));
	traps_taken = 0;
	EXPECT_TRAP("movq $1, (%0)", : : "r"(&watched) : "memory");
	CHECK(traps_taken == 1 && last_trap.vector == 1, "data breakpoint: %u traps, vector %lu",
	      traps_taken, (unsigned long)last_trap.vector);
	CHECK(hypercall1(__HYPERVISOR_get_debugreg, 6) & 1, "B0 not set in DR6: %#lx",
	      (unsigned long)hypercall1(__HYPERVISOR_get_debugreg, 6));
	CHECK(hypercall2(__HYPERVISOR_set_debugreg, 7, 0) == 0, "clearing DR7 failed");
	watched = 2;
	CHECK(traps_taken == 1, "breakpoint still armed");
	return debugreg_edges();
}

static int ports(void)
{
	uint8_t v = 0;

	traps_taken = 0;
	EXPECT_TRAP("inb $0x80, %%al", : "=a"(v) : : "memory");
	CHECK(traps_taken == 1 && last_trap.vector == 13 && last_trap.error == 0,
	      "in without I/O privilege: %u traps, vector %lu", traps_taken,
	      (unsigned long)last_trap.vector);
	traps_taken = 0;
	EXPECT_TRAP("cli", : : : "memory");
	CHECK(traps_taken == 1 && last_trap.vector == 13, "cli without I/O privilege: %u traps",
	      traps_taken);
	CHECK(set_iopl(4) == -EINVAL, "set_iopl(4) accepted");
	CHECK(set_iopl(1) == 0, "set_iopl(1) failed");
	traps_taken = 0;
	asm volatile("inb $0x80, %%al" : "=a"(v) : : "memory");
	asm volatile("inb %%dx, %%al" : "=a"(v) : "d"(0x3fd) : "memory");
	asm volatile("pushfq; cli; sti; popfq" ::: "memory");	/* no-ops with IOPL 1 */
	CHECK(traps_taken == 0, "in, cli or sti with IOPL 1 trapped");
	CHECK(v == 0xff, "the hypervisor's console port read %#x, expected all ones", v);
	CHECK(set_iopl(0) == 0, "set_iopl(0) failed");
	return TEST_PASS;
}

static bool cpuid_osxsave(void)
{
	uint32_t a, b, c, d;

	asm volatile("ud2; .ascii \"xen\"; cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(1), "c"(0));
	return c & (1U << 27);
}

static int osxsave(void)
{
	uint32_t a, b, c, d;
	uint64_t cr4;

	asm volatile("ud2; .ascii \"xen\"; cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(1), "c"(0));
	if (!(c & (1U << 26))) {
		printf("cpustate: no XSAVE offered; the OSXSAVE checks are skipped\n");
		return TEST_PASS;
	}
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	/* CPUID shows OSXSAVE all along: Linux's PV boot wants it there. */
	CHECK(!(cr4 & (1U << 18)) && cpuid_osxsave(),
	      "before the kernel set OSXSAVE: CR4 %#lx, CPUID OSXSAVE %d", (unsigned long)cr4,
	      cpuid_osxsave());
	traps_taken = 0;
	EXPECT_TRAP("xsetbv", : : "c"(0), "a"(3), "d"(0) : "memory");
	CHECK(traps_taken == 1 && last_trap.vector == 6, "xsetbv without CR4.OSXSAVE: %u traps, "
	      "vector %lu", traps_taken, (unsigned long)last_trap.vector);
	asm volatile("mov %0, %%cr4" : : "r"(cr4 | (1U << 18)));
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	CHECK((cr4 & (1U << 18)) && cpuid_osxsave(), "OSXSAVE after setting it: CR4 %#lx",
	      (unsigned long)cr4);
	traps_taken = 0;
	asm volatile("xsetbv" : : "c"(0), "a"(3), "d"(0) : "memory");
	CHECK(traps_taken == 0, "xsetbv with CR4.OSXSAVE trapped (vector %lu)",
	      (unsigned long)last_trap.vector);
	return TEST_PASS;
}

#define CR4_FSGSBASE	(1UL << 16)

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static uint64_t read_cr4(void)
{
	uint64_t cr4;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	return cr4;
}

/* rdfsbase, which must raise #UD: true if it did. */
static bool rdfsbase_ud(void)
{
	uint64_t v = 0;

	traps_taken = 0;
	EXPECT_TRAP("rdfsbase %0", : "+r"(v) : : "memory");
	return traps_taken == 1 && last_trap.vector == 6;
}

static int fsgsbase(void)
{
	uint32_t a, b, c, d, native;
	uint64_t fs, gs, gs0;

	asm volatile("cpuid" : "=a"(a), "=b"(native), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	asm volatile("ud2; .ascii \"xen\"; cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(7), "c"(0));
	CHECK((b & 1) == (native & 1), "FSGSBASE: the CPU's %u, offered %u", native & 1, b & 1);
	CHECK(!(read_cr4() & CR4_FSGSBASE), "CR4.FSGSBASE set at start: %#lx",
	      (unsigned long)read_cr4());
	CHECK(rdfsbase_ud(), "rdfsbase without CR4.FSGSBASE: %u traps, vector %lu", traps_taken,
	      (unsigned long)last_trap.vector);
	asm volatile("mov %0, %%cr4" : : "r"(read_cr4() | CR4_FSGSBASE));
	if (!(b & 1)) {
		CHECK(!(read_cr4() & CR4_FSGSBASE), "CR4.FSGSBASE taken without the feature");
		printf("cpustate: no FSGSBASE on this CPU; the bit is not taken\n");
		return TEST_PASS;
	}
	CHECK(read_cr4() & CR4_FSGSBASE, "CR4.FSGSBASE does not read back: %#lx",
	      (unsigned long)read_cr4());
	traps_taken = 0;
	asm volatile("rdgsbase %0" : "=r"(gs0));
	asm volatile("wrfsbase %0" : : "r"(0x123450000ULL));
	asm volatile("wrgsbase %0" : : "r"(0x543210000ULL));
	CHECK(traps_taken == 0, "an FSGSBASE instruction trapped (vector %lu)",
	      (unsigned long)last_trap.vector);
	CHECK(rdmsr(0xc0000100) == 0x123450000ULL && rdmsr(0xc0000101) == 0x543210000ULL,
	      "after wrfsbase/wrgsbase: FS_BASE %#lx, GS_BASE %#lx",
	      (unsigned long)rdmsr(0xc0000100), (unsigned long)rdmsr(0xc0000101));
	HYPERVISOR_xen_version(0, NULL);
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	asm volatile("rdfsbase %0; rdgsbase %1" : "=r"(fs), "=r"(gs));
	CHECK(fs == 0x123450000ULL && gs == 0x543210000ULL,
	      "after a hypercall and a yield: FS base %#lx, GS base %#lx", (unsigned long)fs,
	      (unsigned long)gs);
	asm volatile("wrfsbase %0; wrgsbase %1" : : "r"(0ULL), "r"(gs0));
	asm volatile("mov %0, %%cr4" : : "r"(read_cr4() & ~CR4_FSGSBASE));
	CHECK(!(read_cr4() & CR4_FSGSBASE), "CR4.FSGSBASE still set after clearing it");
	CHECK(rdfsbase_ud(), "rdfsbase after clearing CR4.FSGSBASE: %u traps, vector %lu",
	      traps_taken, (unsigned long)last_trap.vector);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	if (fpu() || debugregs() || ports() || osxsave() || fsgsbase())
		return TEST_FAIL;
	printf("cpustate: virtual TS, debug registers, port I/O, OSXSAVE and FSGSBASE behave\n");
	return TEST_PASS;
}
