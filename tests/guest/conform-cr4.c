// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-cr4: the CR4 bits a PV guest controls besides FSGSBASE and
 * OSXSAVE, TSD and DE, against Xen 4.17 (its pv_fixup_guest_cr4 keeps
 * TSD | DE | FSGSBASE | OSXSAVE as the guest writes them).
 *   - TSD: mov to CR4 reads back with it; rdtsc and rdtscp from guest
 *     user mode are then a #GP(0), while the kernel's (ring 3 too) are
 *     emulated: a value, rising, rdtscp's ecx the TSC_AUX MSR it wrote. Cleared,
 *     user mode reads the TSC again.
 *   - DE: mov to CR4 reads back with it; mov from/to %dr4/%dr5 is then a
 *     #UD (and the hypercall's -ENODEV); an I/O breakpoint in an active
 *     DR7 is accepted and reads back; the kernel's emulated `in` (at
 *     virtual IOPL 1) from its port raises #DB (trap-like, rip past the in) with the
 *     breakpoint's B bit in DR6, another port none; so do outb, outw
 *     and outl whose bytes meet a 2-byte breakpoint, outsb and rep outsb
 *     (after the transfer that hit). Without DE the same DR7 is -EPERM.
 *   - Per vCPU: vCPU 1 started with ctrlreg[4] holding TSD, DE and (with
 *     XSAVE offered) OSXSAVE and an I/O breakpoint in DR7
 *     (VCPUOP_initialise) reads CR4 back, xgetbv and xsetbv work at once
 *     and CPUID shows OSXSAVE; a DR1 set_debugreg refuses (the
 *     hypervisor's range) does not fail the call, it is left 0 (Xen
 *     ignores set_debugreg's errors there); getvcpucontext shows CR4 and
 *     DR0-2/DR7, and it reads the TSC in kernel mode while vCPU 0 (no
 *     TSD), on the same CPU, switching with it, reads the TSC from user
 *     mode without a #GP.
 * Before the fixes Lamina ignored TSD and DE, then dropped ctrlreg[4]'s
 * OSXSAVE and answered -EINVAL for the refused DR1.
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/user.h"
#include "lib/smp.h"
#include "lib/domctl.h"
#include <lamina/physdev.h>

#define CR4_TSD		(1ULL << 2)
#define CR4_DE		(1ULL << 3)
#define CR4_OSXSAVE	(1ULL << 18)
#define HV_ADDR		0xFFFF800000000000ULL	/* the hypervisor's range: no breakpoint */
#define DR2_ADDR	0x123458ULL
#define MSR_TSC_AUX	0xC0000103
#define IO_PORT		0x8000
#define GP		(13 << 16)

extern const uint8_t cr4_prog[], cr4_prog_end[];
extern const uint64_t cr4_tab[4];

asm(".pushsection .rodata\n"
    ".globl cr4_prog, cr4_prog_end, cr4_tab\n"
    "cr4_prog:\n"
    "ui_0: rdtsc\n"
    "uie_0: nop\n"
    "ui_1: rdtscp\n"
    "uie_1: nop\n"
    USER_PROG_EXIT
    "cr4_prog_end: nop\n"
    "	.balign 8\n"
    "cr4_tab:\n"
    "	.quad ui_0 - cr4_prog, uie_0 - cr4_prog, ui_1 - cr4_prog, uie_1 - cr4_prog\n"
    ".popsection\n");

static long seen[2];
static unsigned int strays;

static bool user_trap(struct trap_frame *f)
{
	unsigned int n;

	if (!(f->cs & 3))
		return false;
	for (n = 0; n < 2; n++) {
		if (f->rip != USER_BASE + cr4_tab[2 * n])
			continue;
		if (!seen[n])
			seen[n] = (long)(f->vector << 16 | (f->error & 0xFFFF));
		f->rip = USER_BASE + cr4_tab[2 * n + 1];
		return true;
	}
	strays++;
	return false;
}

/* rdtsc and rdtscp from user mode: each one's vector << 16 | error, 0 if none. */
static long user_run(void)
{
	long rc;

	memset(seen, 0, sizeof(seen));
	trap_hook = user_trap;
	rc = enter_user(USER_BASE, USER_DATA + 4096);
	trap_hook = NULL;
	return rc;
}

static uint64_t cr4_read(void)
{
	uint64_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void cr4_write(uint64_t v)
{
	asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* The kernel's rdtsc: the value; *traps the traps it took (none expected). */
static uint64_t k_rdtsc(unsigned int *traps)
{
	uint32_t lo = 0, hi = 0;

	traps_taken = 0;
	EXPECT_TRAP("rdtsc", : "+a"(lo), "+d"(hi) : : "memory");
	*traps = traps_taken;
	return (uint64_t)hi << 32 | lo;
}

static uint64_t k_rdtscp(unsigned int *traps, uint32_t *aux)
{
	uint32_t lo = 0, hi = 0, c = 0xDEAD;

	traps_taken = 0;
	EXPECT_TRAP("rdtscp", : "+a"(lo), "+d"(hi), "+c"(c) : : "memory");
	*traps = traps_taken;
	*aux = c;
	return (uint64_t)hi << 32 | lo;
}

static uint64_t k_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static bool has_rdtscp(void)
{
	uint32_t a = 0x80000001, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return d & (1U << 27);
}

static int tsd(void)
{
	uint64_t cr4 = cr4_read(), t0, t1, t2;
	unsigned int tr0, tr1, tr2;
	uint32_t aux;
	bool rdtscp = has_rdtscp();

	printf("CR4 at start %#lx, RDTSCP %d\n", (unsigned long)cr4, rdtscp);
	CHECK(!(cr4 & (CR4_TSD | CR4_DE)), "CR4 at start has TSD or DE: %#lx", (unsigned long)cr4);
	CHECK(user_run() == 60 && seen[0] == 0 && seen[1] == (rdtscp ? 0 : 6 << 16),
	      "user rdtsc/rdtscp without TSD: %#lx %#lx", seen[0], seen[1]);
	cr4_write(cr4 | CR4_TSD);
	printf("CR4 after setting TSD %#lx\n", (unsigned long)cr4_read());
	CHECK(cr4_read() == (cr4 | CR4_TSD), "CR4 after setting TSD: %#lx", (unsigned long)cr4_read());
	CHECK(user_run() == 60, "user mode did not exit");
	printf("user rdtsc with TSD: %#lx, rdtscp: %#lx\n", seen[0], seen[1]);
	CHECK(seen[0] == GP, "user rdtsc with TSD: %#lx, not #GP(0)", seen[0]);
	CHECK(seen[1] == (rdtscp ? GP : 6 << 16), "user rdtscp with TSD: %#lx", seen[1]);
	t0 = k_rdtsc(&tr0);
	t1 = k_rdtsc(&tr1);
	printf("kernel rdtsc with TSD: traps %u %u, %#lx then %#lx\n", tr0, tr1,
	       (unsigned long)t0, (unsigned long)t1);
	CHECK(tr0 == 0 && tr1 == 0 && t0 && t1 > t0, "kernel rdtsc with TSD: traps %u %u, %#lx %#lx",
	      tr0, tr1, (unsigned long)t0, (unsigned long)t1);
	if (rdtscp) {
		asm volatile("wrmsr" : : "c"(MSR_TSC_AUX), "a"(0x2a), "d"(0) : "memory");
		t2 = k_rdtscp(&tr2, &aux);
		printf("kernel rdtscp with TSD: traps %u, %#lx, ecx %#x (TSC_AUX %#lx)\n", tr2,
		       (unsigned long)t2, aux, (unsigned long)k_rdmsr(MSR_TSC_AUX));
		CHECK(tr2 == 0 && t2 > t1 && aux == 0x2a && k_rdmsr(MSR_TSC_AUX) == 0x2a,
		      "kernel rdtscp with TSD: traps %u, %#lx, ecx %#x", tr2, (unsigned long)t2, aux);
	}
	cr4_write(cr4);
	CHECK(cr4_read() == cr4, "CR4 after clearing TSD: %#lx", (unsigned long)cr4_read());
	CHECK(user_run() == 60 && seen[0] == 0 && seen[1] == (rdtscp ? 0 : 6 << 16),
	      "user rdtsc/rdtscp after clearing TSD: %#lx %#lx", seen[0], seen[1]);
	CHECK(strays == 0, "%u user traps elsewhere", strays);
	return TEST_PASS;
}

/* mov to/from %drN: the vector of its trap, -1 if none. */
#define MOV_DR(insn, ...)						\
	({								\
		traps_taken = 0;					\
		EXPECT_TRAP(insn, __VA_ARGS__);				\
		traps_taken ? (long)last_trap.vector : -1L;		\
	})

static long get_dr(unsigned int n)
{
	return hypercall1(__HYPERVISOR_get_debugreg, n);
}

static long set_dr(unsigned int n, uint64_t val)
{
	return hypercall2(__HYPERVISOR_set_debugreg, n, val);
}

/* The virtual IOPL (PHYSDEVOP_set_iopl): 1 lets the kernel's in/out be emulated. */
static long set_iopl(uint32_t level)
{
	struct physdev_set_iopl op = { level };

	return hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &op);
}

/* DR7: L0, R/W0 = I/O, LEN0 = 1 byte, and the reserved bit 10. */
#define DR7_IO0		(0x400 | 1 | (2 << 16))
/* DR7: L1, R/W1 = I/O, LEN1 = 2 bytes. */
#define DR7_IO1_W2	(0x400 | 4 | (2 << 20) | (1 << 22))

/* How many traps one kernel-mode out of size bytes to port took; its vector in last_trap. */
static unsigned int out_traps(uint16_t port, unsigned int size)
{
	traps_taken = 0;
	if (size == 1)
		EXPECT_TRAP("outb %%al, %%dx", : : "a"(0), "d"(port) : "memory");
	else if (size == 2)
		EXPECT_TRAP("outw %%ax, %%dx", : : "a"(0), "d"(port) : "memory");
	else
		EXPECT_TRAP("outl %%eax, %%dx", : : "a"(0), "d"(port) : "memory");
	return traps_taken;
}

/* One out of size bytes to port: hits the 2-byte DR1 breakpoint (B1) or not at all. */
static int out_row(uint16_t port, unsigned int size, bool hits)
{
	unsigned int n = out_traps(port, size);
	uint64_t dr6 = (uint64_t)get_dr(6);

	printf("DE: out%c to %#x: %u traps, vector %lu, DR6 %#lx\n", "bw?l"[size - 1], port, n,
	       (unsigned long)last_trap.vector, (unsigned long)dr6);
	CHECK(hits ? n == 1 && last_trap.vector == 1 && (dr6 & 0xF) == 2 : n == 0,
	      "%u-byte out to %#x: %u traps, vector %lu, DR6 %#lx", size, port, n,
	      (unsigned long)last_trap.vector, (unsigned long)dr6);
	CHECK(set_dr(6, 0xFFFF0FF0) == 0, "clearing DR6 refused");
	return TEST_PASS;
}

/*
 * outs on the 2-byte DR1 breakpoint: outsb from IO_PORT hits it (rsi one
 * on), and a rep outsb of two bytes to IO_PORT + 1 hits after its first
 * transfer, as rep insb does (rcx 1, rsi one on).
 */
static int outs_rows(void)
{
	static const uint8_t buf[4] = { 1, 2, 3, 4 };
	uint64_t rcx = 2, rsi = (uint64_t)buf;

	traps_taken = 0;
	EXPECT_TRAP("outsb", : "+S"(rsi) : "d"(IO_PORT) : "memory");
	printf("DE: outsb on the breakpoint: %u traps, vector %lu, rsi +%lu, DR6 %#lx\n",
	       traps_taken, (unsigned long)last_trap.vector, (unsigned long)(rsi - (uint64_t)buf),
	       (unsigned long)get_dr(6));
	CHECK(traps_taken == 1 && last_trap.vector == 1 && rsi == (uint64_t)buf + 1 &&
	      (get_dr(6) & 0xF) == 2, "outsb on a 2-byte I/O breakpoint: %u traps", traps_taken);
	CHECK(set_dr(6, 0xFFFF0FF0) == 0, "clearing DR6 refused");
	rsi = (uint64_t)buf;
	traps_taken = 0;
	EXPECT_TRAP("rep outsb", : "+c"(rcx), "+S"(rsi) : "d"(IO_PORT + 1) : "memory");
	printf("DE: rep outsb x2 on the breakpoint: %u traps, vector %lu, rcx %lu, rsi +%lu, DR6 %#lx\n",
	       traps_taken, (unsigned long)last_trap.vector, (unsigned long)rcx,
	       (unsigned long)(rsi - (uint64_t)buf), (unsigned long)get_dr(6));
	CHECK(traps_taken == 1 && last_trap.vector == 1 && rcx == 1 &&
	      rsi == (uint64_t)buf + 1 && (get_dr(6) & 0xF) == 2,
	      "rep outsb on a 2-byte I/O breakpoint: %u traps, rcx %lu", traps_taken,
	      (unsigned long)rcx);
	CHECK(set_dr(6, 0xFFFF0FF0) == 0, "clearing DR6 refused");
	rsi = (uint64_t)buf;
	traps_taken = 0;
	EXPECT_TRAP("outsb", : "+S"(rsi) : "d"(IO_PORT + 2) : "memory");
	CHECK(traps_taken == 0, "outsb past a 2-byte I/O breakpoint: %u traps", traps_taken);
	return TEST_PASS;
}

/*
 * A 2-byte I/O breakpoint (DR1) given the odd port IO_PORT + 1 covers
 * IO_PORT and IO_PORT + 1, its address masked to its width as the
 * hardware does (measured on Xen 4.17 as Debian ships it): inb of IO_PORT
 * and outb of IO_PORT + 1 hit it (B1), inb of IO_PORT + 2 misses it, and
 * a rep insb of two bytes from IO_PORT + 1 hits it after its first
 * transfer (rcx 1, rdi one on: the #DB is taken at the rep's boundary).
 */
static int io_widths(void)
{
	static uint8_t buf[4];
	uint64_t rcx = 2, rdi = (uint64_t)buf;
	unsigned int n;

	CHECK(set_dr(1, IO_PORT + 1) == 0 && set_dr(7, DR7_IO1_W2) == 0, "DR1 I/O breakpoint refused");
	CHECK((n = in_traps(IO_PORT + 2, 1)) == 0,
	      "inb past a 2-byte I/O breakpoint: %u traps, vector %lu, DR6 %#lx, DR7 %#lx", n,
	      (unsigned long)last_trap.vector, (unsigned long)get_dr(6), (unsigned long)get_dr(7));
	CHECK((n = in_traps(IO_PORT, 1)) == 1 && last_trap.vector == 1 && (get_dr(6) & 0xF) == 2,
	      "inb of a 2-byte I/O breakpoint's aligned port: %u traps, vector %lu, DR6 %#lx", n,
	      (unsigned long)last_trap.vector, (unsigned long)get_dr(6));
	CHECK(set_dr(6, 0xFFFF0FF0) == 0, "clearing DR6 refused");
	if (out_row(IO_PORT + 1, 1, true) || out_row(IO_PORT + 2, 2, false) ||
	    out_row(IO_PORT - 1, 2, true) || out_row(IO_PORT - 3, 4, true) ||
	    out_row(IO_PORT - 4, 4, false) || out_row(IO_PORT + 2, 4, false) || outs_rows())
		return TEST_FAIL;
	traps_taken = 0;
	EXPECT_TRAP("rep insb", : "+c"(rcx), "+D"(rdi) : "d"(IO_PORT + 1) : "memory");
	printf("DE: rep insb x2 on the breakpoint: %u traps, vector %lu, rcx %lu, DR6 %#lx\n",
	       traps_taken, (unsigned long)last_trap.vector, (unsigned long)rcx,
	       (unsigned long)get_dr(6));
	CHECK(traps_taken == 1 && last_trap.vector == 1 && rcx == 1 &&
	      rdi == (uint64_t)buf + 1 && (get_dr(6) & 0xF) == 2,
	      "rep insb on a 2-byte I/O breakpoint: %u traps, rcx %lu", traps_taken,
	      (unsigned long)rcx);
	CHECK(set_dr(6, 0xFFFF0FF0) == 0 && set_dr(7, 0x400) == 0, "clearing DR6/DR7 refused");
	return TEST_PASS;
}

static int de(void)
{
	uint64_t cr4 = cr4_read(), v = 0;
	long rc, vec;

	CHECK(set_dr(7, DR7_IO0) == -EPERM, "I/O breakpoint without DE: %ld", set_dr(7, DR7_IO0));
	CHECK(MOV_DR("mov %%db4, %0", : "+r"(v) : : "memory") == -1, "mov from DR4 without DE trapped");
	cr4_write(cr4 | CR4_DE);
	printf("CR4 after setting DE %#lx\n", (unsigned long)cr4_read());
	CHECK(cr4_read() == (cr4 | CR4_DE), "CR4 after setting DE: %#lx", (unsigned long)cr4_read());
	vec = MOV_DR("mov %%db4, %0", : "+r"(v) : : "memory");
	printf("DE: mov from DR4 %ld, to DR5 %ld, get_debugreg(4) %ld, set_debugreg(5) %ld\n",
	       vec, MOV_DR("mov %0, %%db5", : : "r"(0x400UL) : "memory"), get_dr(4), set_dr(5, 0x400));
	CHECK(vec == 6, "mov from DR4 with DE: vector %ld", vec);
	CHECK(MOV_DR("mov %%db5, %0", : "+r"(v) : : "memory") == 6, "mov from DR5 with DE: no #UD");
	CHECK(MOV_DR("mov %0, %%db4", : : "r"(0xFFFF0FF0UL) : "memory") == 6, "mov to DR4 with DE: no #UD");
	CHECK(MOV_DR("mov %0, %%db5", : : "r"(0x400UL) : "memory") == 6, "mov to DR5 with DE: no #UD");
	CHECK((rc = get_dr(4)) == -ENODEV && get_dr(5) == -ENODEV, "get_debugreg(4) with DE: %ld",
	      rc);
	CHECK((rc = set_dr(4, 0xFFFF0FF0)) == -ENODEV && set_dr(5, 0x400) == -ENODEV,
	      "set_debugreg(4) with DE: %ld", rc);

	CHECK(set_dr(0, IO_PORT) == 0 && set_dr(6, 0xFFFF0FF0) == 0, "DR0/DR6 refused");
	rc = set_dr(7, DR7_IO0);
	printf("DE: I/O breakpoint in DR7: %ld, reads %#lx\n", rc, (unsigned long)get_dr(7));
	CHECK(rc == 0 && get_dr(7) == DR7_IO0, "I/O breakpoint with DE: %ld, DR7 %#lx", rc,
	      (unsigned long)get_dr(7));
	CHECK(MOV_DR("mov %%db7, %0", : "+r"(v) : : "memory") == -1 && v == DR7_IO0, "DR7 by mov %#lx",
	      (unsigned long)v);
	CHECK(set_iopl(1) == 0, "set_iopl(1) refused");
	CHECK(in_traps(IO_PORT + 4, 1) == 0, "in from another port trapped (vector %lu)",
	      (unsigned long)last_trap.vector);
	rc = in_traps(IO_PORT, 1);
	printf("DE: in from the port: %ld traps, vector %lu, DR6 %#lx\n", rc,
	       (unsigned long)last_trap.vector, (unsigned long)get_dr(6));
	CHECK(rc == 1 && last_trap.vector == 1 && (get_dr(6) & 0xF) == 1,
	      "in from the breakpoint's port: %ld traps, vector %lu, DR6 %#lx", rc,
	      (unsigned long)last_trap.vector, (unsigned long)get_dr(6));
	CHECK(set_dr(6, 0xFFFF0FF0) == 0 && set_dr(7, 0x400) == 0, "clearing DR6/DR7 refused");
	CHECK(in_traps(IO_PORT, 1) == 0, "in trapped after DR7 was cleared");
	if (io_widths())
		return TEST_FAIL;
	CHECK(set_iopl(0) == 0, "set_iopl(0) refused");
	cr4_write(cr4);
	CHECK(cr4_read() == cr4, "CR4 after clearing DE: %#lx", (unsigned long)cr4_read());
	CHECK(set_dr(7, DR7_IO0) == -EPERM, "I/O breakpoint after clearing DE: %ld",
	      set_dr(7, DR7_IO0));
	CHECK(MOV_DR("mov %%db4, %0", : "+r"(v) : : "memory") == -1, "mov from DR4 after clearing DE trapped");
	return TEST_PASS;
}

/* vCPU 1: started with CR4.TSD; reads the TSC in kernel mode, yielding, until told to stop. */
static uint8_t stack1[16384] __attribute__((aligned(16)));
static volatile bool started1, stop1;
static volatile uint64_t cr4_1, rounds1, bad1;
/* vCPU 1 at start: xgetbv's and xsetbv's trap vectors (-1 none), CPUID.1 ECX. */
static volatile long xgetbv1 = -2, xsetbv1 = -2;
static volatile uint32_t cpuid1_c;

static bool has_xsave(void)
{
	uint32_t a = 1, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return c & (1U << 26);
}

/* xgetbv(0), then xsetbv(0) of what it read: each one's trap vector, -1 if none. */
static void xcr0_probe(void)
{
	uint32_t lo = 0, hi = 0, a = 1, b, d, c = 0;

	traps_taken = 0;
	EXPECT_TRAP("xgetbv", : "+a"(lo), "+d"(hi) : "c"(0) : "memory");
	xgetbv1 = traps_taken ? (long)last_trap.vector : -1L;
	if (!lo)
		lo = 3;		/* x87 | SSE when xgetbv gave nothing */
	traps_taken = 0;
	EXPECT_TRAP("xsetbv", : : "a"(lo), "d"(hi), "c"(0) : "memory");
	xsetbv1 = traps_taken ? (long)last_trap.vector : -1L;
	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	cpuid1_c = c;
}

static void vcpu1(unsigned long id)
{
	uint64_t last = 0, t;
	unsigned int traps;

	(void)id;
	cr4_1 = cr4_read();
	if (cr4_1 & CR4_OSXSAVE)
		xcr0_probe();
	started1 = true;
	while (!stop1) {
		t = k_rdtsc(&traps);
		if (traps || t <= last || !(cr4_read() & CR4_TSD))
			bad1++;
		last = t;
		rounds1++;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

static int per_vcpu(const struct start_info *si)
{
	static struct vcpu_guest_context ctx, got;
	uint64_t cr4 = 0x660 | CR4_TSD | CR4_DE | (has_xsave() ? CR4_OSXSAVE : 0);
	struct domctl op;
	unsigned int i, faults = 0;
	long rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.flags = VGCF_in_kernel;
	ctx.user_regs.rip = (uint64_t)vcpu1;
	ctx.user_regs.rsp = (uint64_t)stack1 + sizeof(stack1) - 8;
	ctx.user_regs.cs = FLAT_KERNEL_CS;
	ctx.user_regs.ss = FLAT_KERNEL_SS;
	ctx.kernel_ss = FLAT_KERNEL_SS;
	ctx.kernel_sp = (uint64_t)stack1 + sizeof(stack1);
	ctx.ctrlreg[3] = va_to_mfn(si->pt_base) << 12;
	ctx.ctrlreg[4] = cr4;
	ctx.debugreg[0] = IO_PORT;
	ctx.debugreg[1] = HV_ADDR;	/* set_debugreg's -EPERM: left 0, no error */
	ctx.debugreg[2] = DR2_ADDR;
	ctx.debugreg[7] = DR7_IO0;	/* taken: the context's CR4 has DE */
	CHECK((rc = vcpu_op(VCPUOP_initialise, 1, &ctx)) == 0, "VCPUOP_initialise: %ld", rc);
	/* Both on CPU 0, so they take turns there (Lamina's default too). */
	CHECK((rc = smp_pin_vcpu(0, 0)) == 0 && (rc = smp_pin_vcpu(1, 0)) == 0, "pinning: %ld", rc);
	CHECK((rc = vcpu_op(VCPUOP_up, 1, NULL)) == 0, "VCPUOP_up: %ld", rc);
	while (!started1)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	printf("vCPU 1 started with CR4 %#lx; xgetbv %ld, xsetbv %ld (vector, -1 none), CPUID.1 ECX %#x\n",
	       (unsigned long)cr4_1, xgetbv1, xsetbv1, cpuid1_c);
	CHECK(cr4_1 == cr4, "vCPU 1's CR4 at start: %#lx", (unsigned long)cr4_1);
	CHECK(!(cr4 & CR4_OSXSAVE) || (xgetbv1 == -1 && xsetbv1 == -1 && (cpuid1_c & (1U << 27))),
	      "vCPU 1 started with OSXSAVE: xgetbv %ld, xsetbv %ld, CPUID.1 ECX %#x", xgetbv1,
	      xsetbv1, cpuid1_c);
	CHECK(!(cr4_read() & CR4_TSD), "vCPU 0's CR4 has TSD: %#lx", (unsigned long)cr4_read());
	for (i = 0; i < 50; i++) {
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		CHECK(user_run() == 60, "user mode did not exit");
		faults += seen[0] != 0;
	}
	stop1 = true;
	printf("vCPU 0: %u user rdtsc faults of 50; vCPU 1: %lu rounds, %lu bad\n", faults,
	       (unsigned long)rounds1, (unsigned long)bad1);
	CHECK(faults == 0 && rounds1 > 0 && bad1 == 0,
	      "vCPU 0 user rdtsc faults %u; vCPU 1 rounds %lu, bad %lu", faults,
	      (unsigned long)rounds1, (unsigned long)bad1);
	memset(&op, 0, sizeof(op));
	op.u.vcpucontext.vcpu = 1;
	op.u.vcpucontext.ctxt = (uint64_t)&got;
	CHECK((rc = domctl_call(&op, DOMCTL_getvcpucontext, 0)) == 0, "getvcpucontext: %ld", rc);
	printf("getvcpucontext: vCPU 1's CR4 %#lx, DR0-2 %#lx %#lx %#lx, DR7 %#lx\n",
	       (unsigned long)got.ctrlreg[4], (unsigned long)got.debugreg[0],
	       (unsigned long)got.debugreg[1], (unsigned long)got.debugreg[2],
	       (unsigned long)got.debugreg[7]);
	CHECK(got.ctrlreg[4] == cr4 && got.debugreg[0] == IO_PORT && got.debugreg[1] == 0 &&
	      got.debugreg[2] == DR2_ADDR && got.debugreg[7] == DR7_IO0,
	      "getvcpucontext: vCPU 1's CR4 %#lx, DR1 %#lx, DR2 %#lx, DR7 %#lx",
	      (unsigned long)got.ctrlreg[4], (unsigned long)got.debugreg[1],
	      (unsigned long)got.debugreg[2], (unsigned long)got.debugreg[7]);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	CHECK(user_setup(cr4_prog, cr4_prog_end - cr4_prog, 1) == 0, "user_setup failed");
	if (tsd() || de() || per_vcpu(si))
		return TEST_FAIL;
	printf("conform-cr4: CR4.TSD and CR4.DE as Xen 4.17\n");
	return TEST_PASS;
}
