// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-fpu-ptrs: the x87 last instruction and operand pointers (FIP,
 * FDP) and opcode (FOP) across a switch between domains (the class of
 * Xen's XSA-52 and XSA-172). AMD CPUs without RSTR_FP_ERR_PTRS save and
 * restore them only while an unmasked x87 exception is pending, so a
 * plain restore keeps the last domain's: the next reads them with
 * fxsave. dom0 loads a double from a known variable at a known address
 * (`fldl x87_secret` at x87_secret_rip) and yields, over and over; the
 * peer, on the same CPU (--smp 1), yields, then reads its own pointers
 * with fxsave64 without running any x87 instruction of its own: FIP and
 * FDP must never be dom0's. Both kernels are the same image at the same
 * addresses, so the peer knows what dom0's would be. QEMU's TCG restores
 * the pointers whatever the vendor, so there the leak cannot show; on an
 * affected AMD host it did before the fix (pv.c fpu_forget_ptrs).
 * And the registers a new domain starts with (XSA-165's and XSA-220's
 * class): before starting the peer dom0 fills ST0-7 (one value loaded
 * eight times), XMM0-15 and, where AVX is offered, the upper halves of
 * YMM0-15 with a pattern; the peer's first look (fxsave64, then with
 * AVX enabled by its own xsetbv the upper halves) finds none of it.
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"

#define ROUNDS	200

static char why[VERDICT_LEN];

static volatile uint64_t x87_secret = 0x400921fb54442d18ULL;	/* pi */
extern const uint8_t x87_secret_rip[];

static void touch_x87(void)
{
	asm volatile(".globl x87_secret_rip\n"
		     "x87_secret_rip: fldl %0\n"
		     "	fstp %%st(0)"
		     : : "m"(x87_secret) : "memory");
}

static void yield(void)
{
	hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
}

static uint8_t area[512] __attribute__((aligned(64)));

#define PATTERN	0xdec7e75ec7e75ec7ULL	/* bit 63 set: an x87 significand as it is */

/* CPUID.1 ECX (forced emulation): XSAVE bit 26, AVX bit 28. */
static uint32_t cpuid1_ecx(void)
{
	uint32_t a, b, c, d;

	asm volatile("ud2; .ascii \"xen\"; cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(1), "c"(0));
	return c;
}

/* CR4.OSXSAVE, then XCR0 = x87|SSE|AVX: true when AVX is offered. */
static bool avx_on(void)
{
	uint32_t c = cpuid1_ecx();

	if (!(c & (1U << 26)) || !(c & (1U << 28)))
		return false;
	asm volatile("mov %%cr4, %%rax; or $(1 << 18), %%rax; mov %%rax, %%cr4" : : : "rax");
	asm volatile("xsetbv" : : "c"(0), "a"(7), "d"(0));
	return true;
}

#define XMM_LOAD(n)	"movq %%rax, %%xmm" #n "\n\tpunpcklqdq %%xmm" #n ", %%xmm" #n "\n\t"
#define YMM_LOAD(n)	"vinsertf128 $1, %%xmm" #n ", %%ymm" #n ", %%ymm" #n "\n\t"
#define YMM_HIGH(n)	"vextractf128 $1, %%ymm" #n ", " #n "*16(%0)\n\t"

/* dom0: the pattern in ST0-7, XMM0-15 and (with AVX) YMM0-15's upper halves. */
static void fill_registers(void)
{
	static const uint64_t pat = PATTERN;
	static const uint16_t ext[5] = { (uint16_t)PATTERN, (uint16_t)(PATTERN >> 16),
					 (uint16_t)(PATTERN >> 32), (uint16_t)(PATTERN >> 48),
					 0x3fff };	/* significand PATTERN, exponent 0 */
	unsigned int i;

	asm volatile("fninit");		/* an empty stack, whatever the start state */
	for (i = 0; i < 8; i++)
		asm volatile("fldt %0" : : "m"(ext));
	asm volatile(XMM_LOAD(0) XMM_LOAD(1) XMM_LOAD(2) XMM_LOAD(3) XMM_LOAD(4) XMM_LOAD(5)
		     XMM_LOAD(6) XMM_LOAD(7) XMM_LOAD(8) XMM_LOAD(9) XMM_LOAD(10) XMM_LOAD(11)
		     XMM_LOAD(12) XMM_LOAD(13) XMM_LOAD(14) XMM_LOAD(15) : : "a"(pat));
	if (avx_on())
		asm volatile(YMM_LOAD(0) YMM_LOAD(1) YMM_LOAD(2) YMM_LOAD(3) YMM_LOAD(4)
			     YMM_LOAD(5) YMM_LOAD(6) YMM_LOAD(7) YMM_LOAD(8) YMM_LOAD(9)
			     YMM_LOAD(10) YMM_LOAD(11) YMM_LOAD(12) YMM_LOAD(13) YMM_LOAD(14)
			     YMM_LOAD(15) ::: "memory");
}

/* Whether the 8-byte pattern is anywhere in n bytes at p (any alignment of 8). */
static bool has_pattern(const uint8_t *p, unsigned int n)
{
	unsigned int i;
	uint64_t w;

	for (i = 0; i + 8 <= n; i++) {
		memcpy(&w, p + i, 8);
		if (w == PATTERN)
			return true;
	}
	return false;
}

/*
 * dom0: the fill took (else the peer's check would prove nothing): XMM0
 * and, with AVX, YMM0's upper half. ST0 is printed: on Debian's Xen 4.17
 * under TCG it reads back 0xdfc0000000000000 (the loads did not stay),
 * so there the x87 part of the peer's check proves nothing.
 */
static bool filled(void)
{
	static uint8_t high[16] __attribute__((aligned(16)));
	bool avx = cpuid1_ecx() & (1U << 28);

	asm volatile("fxsave64 %0" : "=m"(area) : : "memory");
	if (avx)
		asm volatile("vextractf128 $1, %%ymm0, (%0)" : : "r"(high) : "memory");
	printf("dom0: ST0 %s, XMM0 %s, YMM0's upper half %s\n",
	       has_pattern(area + 32, 8) ? "filled" : "not filled",
	       has_pattern(area + 160, 8) ? "filled" : "not filled",
	       !avx ? "absent" : has_pattern(high, 16) ? "filled" : "not filled");
	return has_pattern(area + 160, 8) && (!avx || has_pattern(high, 16));
}

/* The peer's first look at its registers: none of dom0's pattern. */
static const char *fresh_registers(void)
{
	static uint8_t high[16 * 16] __attribute__((aligned(16)));
	bool avx;

	asm volatile("fxsave64 %0" : "=m"(area) : : "memory");
	/* ST0-7 (their significands) and XMM0-15. */
	if (has_pattern(area + 32, 512 - 32)) {
		snprintf(why, sizeof(why), "the peer's first x87/SSE registers hold dom0's pattern");
		return why;
	}
	avx = avx_on();
	if (avx) {
		asm volatile(YMM_HIGH(0) YMM_HIGH(1) YMM_HIGH(2) YMM_HIGH(3) YMM_HIGH(4)
			     YMM_HIGH(5) YMM_HIGH(6) YMM_HIGH(7) YMM_HIGH(8) YMM_HIGH(9)
			     YMM_HIGH(10) YMM_HIGH(11) YMM_HIGH(12) YMM_HIGH(13) YMM_HIGH(14)
			     YMM_HIGH(15) : : "r"(high) : "memory");
		if (has_pattern(high, sizeof(high))) {
			snprintf(why, sizeof(why), "the peer's YMM upper halves hold dom0's pattern");
			return why;
		}
	}
	printf("peer: fresh x87, SSE%s registers: none of dom0's values\n", avx ? ", AVX" : "");
	return NULL;
}

/* The peer: ROUNDS yields, each followed by a look at its x87 pointers. */
static const char *peer_body(void)
{
	uint64_t fip = 0, fdp = 0;
	unsigned int i, seen_zero = 0;

	for (i = 0; i < ROUNDS; i++) {
		yield();
		asm volatile("fxsave64 %0" : "=m"(area) : : "memory");
		memcpy(&fip, area + 8, sizeof(fip));
		memcpy(&fdp, area + 16, sizeof(fdp));
		if (!fip && !fdp)
			seen_zero++;
		if (fip == (uint64_t)x87_secret_rip || fdp == (uint64_t)&x87_secret) {
			snprintf(why, sizeof(why), "round %u: the peer's FIP %#lx FDP %#lx are dom0's "
				 "(its fldl at %#lx of %#lx)", i, (unsigned long)fip,
				 (unsigned long)fdp, (unsigned long)x87_secret_rip,
				 (unsigned long)&x87_secret);
			return why;
		}
	}
	printf("peer: %u rounds, FIP/FDP never dom0's (0 in %u; the last %#lx/%#lx)\n", ROUNDS,
	       seen_zero, (unsigned long)fip, (unsigned long)fdp);
	return NULL;
}

int test_main(struct start_info *si)
{
	struct verdict v;
	unsigned int i;
	int peer_id, rc;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN)) {
		const char *bad = fresh_registers();

		if (!bad)
			bad = peer_body();

		verdict_offer_frame0(&v);
		verdict_send(&v, bad);
	}
	fill_registers();
	CHECK(filled(), "dom0's XMM0 or YMM0 lacks the pattern it loaded");
	peer_id = peer_start(si, "role=peer", 16);
	CHECK(peer_id > 0, "the peer domain could not be started (%d)", peer_id);
	/* The peer's rounds run between these (one CPU): dom0's x87 use before each. */
	for (i = 0; i < 4 * ROUNDS; i++) {
		touch_x87();
		yield();
	}
	rc = verdict_result((domid_t)peer_id);
	if (rc == TEST_PASS)
		printf("attack-fpu-ptrs: the peer never read dom0's x87 pointers\n");
	return rc;
}
