// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/arch/x86/copy_wide.S, the AVX copy of
 * GNTTABOP_copy (asm/copy_wide.h decides when it runs; that part needs
 * ring 0 and is the guest attack-copy-fpu's): every length of 1 to 40
 * blocks of 128 bytes, the whole page unrolled and the loop, at every
 * alignment of source and destination, copies exactly those bytes and
 * nothing around them; a copy with dst below src overlapping gives what
 * memmove gives; ymm0-15 hold, bit for bit, what they held before; the
 * CPU's XINUSE (what XSAVE writes as XSTATE_BV) is as it was: AVX in its
 * initial state stays so, SSE in its initial state is not copied
 * through at all. The host needs AVX and XGETBV 1: without them every
 * test says so and passes nothing else.
 */
#include "../../../unit.h"
#include <stdint.h>
#include <stdlib.h>
#include <stdbool.h>
#include <cpuid.h>

bool copy_wide_blocks(void *dst, const void *src, unsigned long blocks);

#define MAXB	40
#define GUARD	64

static uint8_t src[2 * MAXB * 128 + 2 * GUARD], dst[2 * MAXB * 128 + 2 * GUARD];
static uint8_t want[2 * MAXB * 128 + 2 * GUARD];	/* room for an overlap 4000 bytes apart */

static int no_avx(void)
{
	unsigned int a, b, c, d;

	if (__builtin_cpu_supports("avx") && __get_cpuid_count(0xD, 1, &a, &b, &c, &d) &&
	    (a & (1U << 2))) {
		asm volatile("pcmpeqd %%xmm15, %%xmm15" ::: "xmm15");	/* SSE in use */
		return 0;
	}
	printf("unit/copy_wide: this host has no AVX or no XGETBV 1, nothing run\n");
	return 1;
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 151 + seed * 29 + (i >> 8));
}

static void every_length(void)
{
	unsigned long b;

	if (no_avx())
		return;
	for (b = 1; b <= MAXB; b++) {
		fill(src, sizeof(src), (unsigned int)b);
		fill(dst, sizeof(dst), (unsigned int)b + 1000);
		memcpy(want, dst, sizeof(want));
		memcpy(want + GUARD, src + GUARD, b * 128);
		if (!copy_wide_blocks(dst + GUARD, src + GUARD, b) || memcmp(dst, want, sizeof(dst))) {
			UNIT_FAIL("a copy of b blocks is not those b * 128 bytes and nothing else");
			return;
		}
	}
}

static void every_alignment(void)
{
	unsigned int so, d;
	static const unsigned long blocks[] = { 1, 4, 31, 32 };

	if (no_avx())
		return;
	for (so = 0; so < 64; so++)
		for (d = 0; d < 64; d++) {
			unsigned long b = blocks[(so + d) % 4];

			fill(src, sizeof(src), so * 64 + d);
			fill(dst, sizeof(dst), so + d * 3 + 7);
			memcpy(want, dst, sizeof(want));
			memcpy(want + d, src + so, b * 128);
			if (!copy_wide_blocks(dst + d, src + so, b) || memcmp(dst, want, sizeof(dst))) {
				UNIT_FAIL("an unaligned copy differs from memcpy's");
				return;
			}
		}
}

/* dst below src, overlapping: as memmove (the only overlap the caller sends). */
static void overlap_dst_below_src(void)
{
	static const unsigned int gap[] = { 1, 8, 31, 32, 33, 100, 127, 128, 129, 1000, 4000 };
	unsigned int g;

	if (no_avx())
		return;
	for (g = 0; g < sizeof(gap) / sizeof(gap[0]); g++) {
		unsigned long b;

		for (b = 1; b <= 32; b += 31) {
			fill(dst, sizeof(dst), g);
			memcpy(want, dst, sizeof(want));
			memmove(want + GUARD, want + GUARD + gap[g], b * 128);
			if (!copy_wide_blocks(dst + GUARD, dst + GUARD + gap[g], b) ||
			    memcmp(dst, want, sizeof(dst))) {
				UNIT_FAIL("an overlapping copy (dst below src) differs from memmove's");
				return;
			}
		}
	}
}

#define LD(n)	"vmovdqu " #n "*32(%[in]), %%ymm" #n "\n\t"
#define ST(n)	"vmovdqu %%ymm" #n ", " #n "*32(%[out])\n\t"
#define ALL(m)	m(0) m(1) m(2) m(3) m(4) m(5) m(6) m(7) m(8) m(9) m(10) m(11) m(12) m(13) m(14) m(15)

/* ymm0-15 loaded from in, a copy of b blocks, ymm0-15 stored to out. */
static void around_copy(const uint8_t *in, uint8_t *out, void *d, const void *s, unsigned long b)
{
	asm volatile(ALL(LD)
		     "sub $128, %%rsp\n\t"		/* the host's red zone */
		     "call copy_wide_blocks\n\t"
		     "add $128, %%rsp\n\t"
		     ALL(ST)
		     : "+D"(d), "+S"(s), "+d"(b)
		     : [in] "b"(in), [out] "r"(out)
		     : "rax", "rcx", "r8", "r9", "r10", "r11", "memory", "cc",
		       "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
		       "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

static void registers_kept(void)
{
	static uint8_t in[16 * 32], out[16 * 32];
	unsigned long b;

	if (no_avx())
		return;
	for (b = 1; b <= 33; b += 16) {
		fill(in, sizeof(in), (unsigned int)b + 77);
		fill(src, sizeof(src), (unsigned int)b + 5);
		memset(out, 0, sizeof(out));
		around_copy(in, out, dst + GUARD, src + GUARD, b);
		EXPECT(!memcmp(in, out, sizeof(in)));
		EXPECT(!memcmp(dst + GUARD, src + GUARD, b * 128));
	}
}

/* XCR0 & XINUSE, as XGETBV 1 reads it. */
#define XINUSE_READ	"mov $1, %%ecx\n\txgetbv\n\t"
#define CALL_COPY	"lea %[d], %%rdi\n\tlea %[s], %%rsi\n\tmov $32, %%edx\n\t" \
			"sub $128, %%rsp\n\tcall copy_wide_blocks\n\tadd $128, %%rsp\n\t"
#define COPY_CLOBBERS	"rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", \
			"cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
			"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

/*
 * AVX in its initial state (vzeroupper; SSE in use): a page copied, and
 * XINUSE[2] still clear after, as XSAVE would show it (XSTATE_BV bit 2).
 */
static void avx_initial_kept(void)
{
	uint32_t before, after, ok;

	if (no_avx())
		return;
	fill(src, sizeof(src), 3);
	fill(dst, sizeof(dst), 4);
	asm volatile("pcmpeqd %%xmm15, %%xmm15\n\tvzeroupper\n\t"
		     XINUSE_READ "mov %%eax, %[before]\n\t"
		     CALL_COPY "movzbl %%al, %[ok]\n\t"
		     XINUSE_READ "mov %%eax, %[after]"
		     : [before] "=&r"(before), [after] "=&r"(after), [ok] "=&r"(ok)
		     : [d] "m"(dst[GUARD]), [s] "m"(src[GUARD])
		     : COPY_CLOBBERS);
	if (before & 4) {
		printf("unit/copy_wide: vzeroupper leaves XINUSE[2] set here, not checked\n");
		return;
	}
	EXPECT(!(after & 4));		/* 0x..2 -> 0x..6 before the fix */
	EXPECT(ok == 1);
	EXPECT(!memcmp(dst + GUARD, src + GUARD, 32 * 128));
}

/*
 * SSE and AVX in their initial state (an XRSTOR of an image whose
 * XSTATE_BV has neither): nothing copied, the answer false, XINUSE[1]
 * and [2] still clear.
 */
static void sse_initial_untouched(void)
{
	static uint8_t area[8192] __attribute__((aligned(64)));
	uint32_t before, after, ok;
	uint64_t bv;

	if (no_avx())
		return;
	fill(src, sizeof(src), 5);
	fill(dst, sizeof(dst), 6);
	memcpy(want, dst, sizeof(want));
	memset(area, 0, sizeof(area));
	asm volatile("xsave64 %0" : "+m"(area) : "a"(-1), "d"(-1));
	memcpy(&bv, area + 512, sizeof(bv));
	bv &= ~6ULL;
	memcpy(area + 512, &bv, sizeof(bv));
	asm volatile("mov $6, %%eax\n\txor %%edx, %%edx\n\txrstor64 %[area]\n\t"
		     XINUSE_READ "mov %%eax, %[before]\n\t"
		     CALL_COPY "movzbl %%al, %[ok]\n\t"
		     XINUSE_READ "mov %%eax, %[after]"
		     : [before] "=&r"(before), [after] "=&r"(after), [ok] "=&r"(ok)
		     : [d] "m"(dst[GUARD]), [s] "m"(src[GUARD]), [area] "m"(area)
		     : COPY_CLOBBERS);
	if (before & 6) {
		printf("unit/copy_wide: XRSTOR leaves XINUSE[1..2] set here, not checked\n");
		return;
	}
	EXPECT(!(after & 6));		/* 0x..0 -> 0x..6 before the fix */
	EXPECT(!memcmp(dst, want, sizeof(dst)));
	EXPECT(ok == 0);
}

UNIT_MAIN("copy_wide", UNIT_TEST(every_length), UNIT_TEST(every_alignment),
	  UNIT_TEST(overlap_dst_below_src), UNIT_TEST(registers_kept),
	  UNIT_TEST(avx_initial_kept), UNIT_TEST(sse_initial_untouched))
