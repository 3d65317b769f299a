// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/arch/x86/copy_wide.S, the AVX copy of
 * GNTTABOP_copy (asm/copy_wide.h decides when it runs; that part needs
 * ring 0 and is the guest attack-copy-fpu's): every length of 1 to 40
 * blocks of 128 bytes, the whole page unrolled and the loop, at every
 * alignment of source and destination, copies exactly those bytes and
 * nothing around them; a copy with dst below src overlapping gives what
 * memmove gives; ymm0-15 hold, bit for bit, what they held before. The
 * host needs AVX: without it every test says so and passes nothing else.
 */
#include "../../../unit.h"
#include <stdint.h>
#include <stdlib.h>

void copy_wide_blocks(void *dst, const void *src, unsigned long blocks);

#define MAXB	40
#define GUARD	64

static uint8_t src[2 * MAXB * 128 + 2 * GUARD], dst[2 * MAXB * 128 + 2 * GUARD];
static uint8_t want[2 * MAXB * 128 + 2 * GUARD];	/* room for an overlap 4000 bytes apart */

static int no_avx(void)
{
	if (__builtin_cpu_supports("avx"))
		return 0;
	printf("unit/copy_wide: this host has no AVX, nothing run\n");
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
		copy_wide_blocks(dst + GUARD, src + GUARD, b);
		if (memcmp(dst, want, sizeof(dst))) {
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
			copy_wide_blocks(dst + d, src + so, b);
			if (memcmp(dst, want, sizeof(dst))) {
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
			copy_wide_blocks(dst + GUARD, dst + GUARD + gap[g], b);
			if (memcmp(dst, want, sizeof(dst))) {
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

UNIT_MAIN("copy_wide", UNIT_TEST(every_length), UNIT_TEST(every_alignment),
	  UNIT_TEST(overlap_dst_below_src), UNIT_TEST(registers_kept))
