// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpu: FPU state is per domain. dom0 and a peer domain each fill
 * xmm0-xmm15, MXCSR and (where the CPU has AVX, enabled through an
 * emulated xsetbv) the upper halves of ymm0-1 with their own values and
 * yield to each other many times; dom0's values must come back untouched
 * every time, so the hypervisor saves and restores FPU state on each
 * switch and nothing of one domain leaks into the other.
 * The peer is booted beside dom0 on Lamina and built by dom0 on Xen 4.17
 * (lib/peer.h).
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/xsave.h"

#define XMM_SET(n)  "movq %%rax, %%xmm" #n "\n\tinc %%rax\n\t"
#define XMM_SUM(n)  "movq %%xmm" #n ", %%rdx\n\tadd %%rdx, %%rcx\n\t"

/* xmm_i = base + i; MXCSR = mxcsr. */
static void fill(uint64_t base, uint32_t mxcsr)
{
	asm volatile(XMM_SET(0) XMM_SET(1) XMM_SET(2) XMM_SET(3) XMM_SET(4) XMM_SET(5)
		     XMM_SET(6) XMM_SET(7) XMM_SET(8) XMM_SET(9) XMM_SET(10) XMM_SET(11)
		     XMM_SET(12) XMM_SET(13) XMM_SET(14) XMM_SET(15)
		     "ldmxcsr %1"
		     : "+a"(base) : "m"(mxcsr) : "memory");
}

/* Sum of xmm0-15's low quadwords, and MXCSR. */
static uint64_t sum(uint32_t *mxcsr)
{
	uint64_t s = 0;

	asm volatile(XMM_SUM(0) XMM_SUM(1) XMM_SUM(2) XMM_SUM(3) XMM_SUM(4) XMM_SUM(5)
		     XMM_SUM(6) XMM_SUM(7) XMM_SUM(8) XMM_SUM(9) XMM_SUM(10) XMM_SUM(11)
		     XMM_SUM(12) XMM_SUM(13) XMM_SUM(14) XMM_SUM(15)
		     "stmxcsr %1"
		     : "+c"(s), "=m"(*mxcsr) : : "rdx", "memory");
	return s;
}

static bool avx_on(void)
{
	return fpu_xsave_avx_on() & FPU_AVX;
}

/* ymm0's and ymm1's upper 128 bits: two quadwords each = v. */
static void fill_upper(uint64_t v)
{
	uint64_t q[4] = { 0, 0, v, v };

	asm volatile("vmovdqu %0, %%ymm0; vmovdqu %0, %%ymm1" : : "m"(q));
}

static uint64_t upper_sum(void)
{
	uint64_t q0[4], q1[4];

	asm volatile("vmovdqu %%ymm0, %0; vmovdqu %%ymm1, %1" : "=m"(q0), "=m"(q1));
	return q0[2] + q0[3] + q1[2] + q1[3];
}

static void yield(void)
{
	hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
}

int test_main(struct start_info *si)
{
	const uint64_t base = 0x1000000000ULL;
	const uint64_t want = 16 * base + 120;		/* sum of base + 0..15 */
	uint32_t mxcsr;
	unsigned int i;
	bool avx = avx_on();
	int id;

	if (!(si->flags & SIF_INITDOMAIN)) {
		for (i = 0;; i++) {			/* the peer: scribble, yield */
			if (avx)
				fill_upper(0x7777000000000000ULL + i);
			fill(0x5555000000000000ULL + i, 0x1F80 | (3 << 13));
			yield();
		}
	}
	mm_init(si);
	id = peer_start(si, "role=peer", 16);
	CHECK(id > 0, "the peer domain could not be started (%d)", id);
	if (avx)
		fill_upper(0x1234);
	fill(base, 0x1F80 | (1 << 13));			/* round down */
	for (i = 0; i < 100; i++) {
		yield();
		CHECK(sum(&mxcsr) == want, "xmm registers changed after yield %u", i);
		CHECK(mxcsr == (0x1F80 | (1 << 13)), "MXCSR %#x after yield %u", mxcsr, i);
		CHECK(!avx || upper_sum() == 4 * 0x1234, "ymm upper halves changed after yield %u", i);
	}
	printf("fpu: SSE%s registers and MXCSR intact across 100 switches\n", avx ? ", AVX" : "");
	return TEST_PASS;
}
