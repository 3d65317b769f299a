// SPDX-License-Identifier: GPL-2.0-only
/*
 * xcr0: a guest may lower its XCR0 as on hardware. The peer (a domU)
 * enables x87|SSE|AVX with xsetbv, fills the AVX state, lowers XCR0 to 1
 * (x87 only) and keeps yielding while it uses SSE: the hypervisor must
 * save and restore its state under every component it ever enabled
 * (XRSTOR of an image holding SSE or AVX state under XCR0 = 1 raised #GP
 * in the hypervisor, which crashed). dom0 checks that xsetbv refuses what
 * the CPU refuses with #GP(0) (no x87, AVX without SSE, XCR1, an unknown
 * component), then lowers its own XCR0 across many switches with the peer:
 * its SSE registers, its XCR0 (xgetbv) and, once XCR0 enables AVX again,
 * the AVX state it had before lowering all come back. Its MXCSR (round
 * to zero) stays as it set it across its first xsetbv enabling AVX (on
 * hardware XRSTOR of AVX alone loads MXCSR too; QEMU's TCG does not).
 * The peer is booted beside dom0 on Lamina and built by dom0 on Xen 4.17
 * (lib/peer.h).
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/traps.h"

#define XMM_SET(n)  "movq %%rax, %%xmm" #n "\n\tinc %%rax\n\t"
#define XMM_SUM(n)  "movq %%xmm" #n ", %%rdx\n\tadd %%rdx, %%rcx\n\t"

static void cpuid1(uint32_t *c)
{
	uint32_t a, b, d;

	asm volatile("ud2; .ascii \"xen\"; cpuid" : "=a"(a), "=b"(b), "=c"(*c), "=d"(d)
		     : "a"(1), "c"(0));
}

/* CR4.OSXSAVE by an emulated CR4 write, as Linux does; false without XSAVE. */
static bool xsave_on(bool *avx)
{
	uint32_t c;

	cpuid1(&c);
	if (!(c & (1U << 26)))
		return false;
	*avx = c & (1U << 28);
	asm volatile("mov %%cr4, %%rax; or $(1 << 18), %%rax; mov %%rax, %%cr4" : : : "rax");
	return true;
}

static void xsetbv(uint32_t reg, uint64_t val)
{
	asm volatile("xsetbv" : : "c"(reg), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
}

static uint64_t xgetbv0(void)
{
	uint32_t a, d;

	asm volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	return ((uint64_t)d << 32) | a;
}

/* xmm_i = base + i. */
static void fill(uint64_t base)
{
	asm volatile(XMM_SET(0) XMM_SET(1) XMM_SET(2) XMM_SET(3) XMM_SET(4) XMM_SET(5)
		     XMM_SET(6) XMM_SET(7) XMM_SET(8) XMM_SET(9) XMM_SET(10) XMM_SET(11)
		     XMM_SET(12) XMM_SET(13) XMM_SET(14) XMM_SET(15)
		     : "+a"(base) : : "memory");
}

static uint64_t sum(void)
{
	uint64_t s = 0;

	asm volatile(XMM_SUM(0) XMM_SUM(1) XMM_SUM(2) XMM_SUM(3) XMM_SUM(4) XMM_SUM(5)
		     XMM_SUM(6) XMM_SUM(7) XMM_SUM(8) XMM_SUM(9) XMM_SUM(10) XMM_SUM(11)
		     XMM_SUM(12) XMM_SUM(13) XMM_SUM(14) XMM_SUM(15)
		     : "+c"(s) : : "rdx", "memory");
	return s;
}

/* ymm0's upper 128 bits: two quadwords = v. */
static void fill_upper(uint64_t v)
{
	uint64_t q[4] = { 0, 0, v, v };

	asm volatile("vmovdqu %0, %%ymm0" : : "m"(q));
}

static uint64_t upper_sum(void)
{
	uint64_t q[4];

	asm volatile("vmovdqu %%ymm0, %0" : "=m"(q));
	return q[2] + q[3];
}

/* x87: push v, add it to itself, pop it back: 2v. */
static uint64_t x87_double(uint64_t v)
{
	uint64_t out;

	asm volatile("fildq %1; fadd %%st(0), %%st(0); fistpq %0" : "=m"(out) : "m"(v));
	return out;
}

static void yield(void)
{
	hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
}

/* The attacker: AVX state in the image, then XCR0 = 1, and switch a lot. */
static void __attribute__((noreturn)) peer_main(void)
{
	bool avx = false;
	unsigned int i;

	if (xsave_on(&avx) && avx) {
		xsetbv(0, 7);
		fill_upper(0x7777);
	}
	yield();			/* saved under XCR0 = 7: AVX in XSTATE_BV */
	if (avx || xgetbv0())
		xsetbv(0, 1);
	for (i = 0;; i++) {
		fill(0x5555000000000000ULL + i);
		(void)x87_double(i);
		yield();
	}
}

/* Each value the CPU refuses: #GP(0) at the xsetbv, XCR0 unchanged. */
static int check_refused(bool avx)
{
	const struct { uint32_t reg; uint64_t val; } bad[] = {
		{ 0, 0 }, { 0, 2 }, { 0, 6 }, { 0, 3 | (1ULL << 62) }, { 1, 3 }, { 0, avx ? 5 : 4 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		unsigned int before = traps_taken;

		EXPECT_TRAP("xsetbv", : : "c"(bad[i].reg), "a"((uint32_t)bad[i].val),
			    "d"((uint32_t)(bad[i].val >> 32)) : "memory");
		CHECK(traps_taken == before + 1 && last_trap.vector == 13 && last_trap.error == 0,
		      "xsetbv XCR%u = %#lx: %u traps, vector %lu error %#lx (expected #GP(0))",
		      bad[i].reg, (unsigned long)bad[i].val, traps_taken - before,
		      (unsigned long)last_trap.vector, (unsigned long)last_trap.error);
		CHECK(xgetbv0() == 3, "XCR0 %#lx after a refused xsetbv", (unsigned long)xgetbv0());
	}
	return TEST_PASS;
}

/* Switch n times; dom0's SSE registers, x87 and XCR0 must come back. */
static int switch_and_check(unsigned int n, uint64_t base, uint64_t xcr0)
{
	const uint64_t want = 16 * base + 120;
	unsigned int i;

	fill(base);
	for (i = 0; i < n; i++) {
		yield();
		CHECK(sum() == want, "xmm registers changed after yield %u (XCR0 %#lx)", i,
		      (unsigned long)xcr0);
		CHECK(xgetbv0() == xcr0, "XCR0 %#lx after yield %u, expected %#lx",
		      (unsigned long)xgetbv0(), i, (unsigned long)xcr0);
		CHECK(x87_double(i + 1) == 2 * (i + 1), "x87 arithmetic wrong after yield %u", i);
	}
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	const uint32_t mxcsr_set = 0x7f80, mxcsr_default = 0x1f80;	/* round to zero; default */
	uint32_t mxcsr = 0;
	bool avx = false;
	int id, rc;

	if (!(si->flags & SIF_INITDOMAIN))
		peer_main();
	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	if (!xsave_on(&avx))
		return skip("no XSAVE on this CPU");
	CHECK(xgetbv0() == 3, "XCR0 %#lx at start, expected x87|SSE", (unsigned long)xgetbv0());
	rc = check_refused(avx);
	if (rc != TEST_PASS)
		return rc;
	id = peer_start(si, "role=peer", 16);
	CHECK(id > 0, "the peer domain could not be started (%d)", id);

	if (avx) {
		/* MXCSR across the first xsetbv enabling AVX: the guest's own */
		asm volatile("ldmxcsr %0" : : "m"(mxcsr_set));
		xsetbv(0, 7);
		asm volatile("stmxcsr %0" : "=m"(mxcsr));
		CHECK(mxcsr == mxcsr_set, "MXCSR %#x after the first xsetbv enabling AVX, %#x "
		      "before", mxcsr, mxcsr_set);
		asm volatile("ldmxcsr %0" : : "m"(mxcsr_default));
		fill_upper(0x1234);
		rc = switch_and_check(20, 0x1000000000ULL, 7);
		if (rc != TEST_PASS)
			return rc;
	}
	xsetbv(0, 1);				/* x87 only: SSE still runs (CR4.OSFXSR) */
	rc = switch_and_check(50, 0x2000000000ULL, 1);
	if (rc != TEST_PASS)
		return rc;
	if (avx) {
		xsetbv(0, 7);
		CHECK(upper_sum() == 2 * 0x1234, "AVX state %#lx after XCR0 1 and back to 7",
		      (unsigned long)upper_sum());
	}
	xsetbv(0, 3);
	rc = switch_and_check(20, 0x3000000000ULL, 3);
	if (rc != TEST_PASS)
		return rc;
	printf("xcr0: refused values #GP; XCR0 1%s across 50 switches with a peer at XCR0 1\n",
	       avx ? ", 7 and back (AVX state kept)" : "");
	return TEST_PASS;
}
