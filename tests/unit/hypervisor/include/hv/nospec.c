// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/include/hv/nospec.h: array_index_nospec() is
 * the index when it is below the size and 0 otherwise, for every width of
 * index and size, with sizes known at compile time (immediates) and not.
 * That no branch is taken is the asm's business; what it computes is here.
 */
#include "../../../unit.h"
#include <stdint.h>
#include <limits.h>
#include <hv/nospec.h>

/* The answer, written the obvious (branching) way. */
static unsigned long expect(unsigned long idx, unsigned long size)
{
	return idx < size ? idx : 0;
}

/* Sizes the compiler cannot see, so the asm gets them in a register. */
static volatile unsigned long sizes[] = {
	1, 2, 3, 16, 255, 256, 4096, 1UL << 20, (1UL << 31) - 1, 1UL << 31,
	1UL << 32, (1UL << 63) - 1, 1UL << 63, ULONG_MAX - 1, ULONG_MAX,
};

static void below_size_is_kept(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned long n = sizes[i];

		EXPECT_EQ(array_index_nospec(0UL, n), 0);
		EXPECT(array_index_nospec(n - 1, n) == n - 1);
		EXPECT(array_index_nospec(n / 2, n) == n / 2);
	}
}

static void at_or_past_size_is_zero(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned long n = sizes[i];

		EXPECT(array_index_nospec(n, n) == 0);
		EXPECT(array_index_nospec(ULONG_MAX, n) == 0);
		if (n < ULONG_MAX / 2) {
			EXPECT(array_index_nospec(n + 1, n) == 0);
			EXPECT(array_index_nospec(2 * n, n) == 0);
			EXPECT(array_index_nospec(n | (1UL << 63), n) == 0);
		}
	}
	EXPECT(array_index_nospec(0UL, 0UL) == 0);	/* an empty array: nothing is in range */
	EXPECT(array_index_nospec(5UL, 0UL) == 0);
}

/* The mask has every bit or none: no partial index survives. */
static void mask_is_all_or_nothing(void)
{
	EXPECT(array_index_mask_nospec(3, 4) == ~0UL);
	EXPECT(array_index_mask_nospec(4, 4) == 0);
	EXPECT(array_index_mask_nospec(0, 1) == ~0UL);
	EXPECT(array_index_mask_nospec(1UL << 63, ULONG_MAX) == ~0UL);
	EXPECT(array_index_mask_nospec(ULONG_MAX, ULONG_MAX) == 0);
}

/* Constant sizes, as in array_index_nospec(virq, NR_VIRQS): immediates. */
static void constant_sizes(void)
{
	volatile uint32_t port = 4095, past = 4096;
	volatile uint64_t mfn = (1ULL << 40) - 1;

	EXPECT_EQ(array_index_nospec(port, 4096), 4095);
	EXPECT_EQ(array_index_nospec(past, 4096), 0);
	EXPECT_EQ(array_index_nospec(past, 1), 0);
	EXPECT(array_index_nospec(mfn, 1ULL << 40) == mfn);
	EXPECT(array_index_nospec(mfn + 1, 1ULL << 40) == 0);
}

/* The index keeps its type; a negative int is out of range. */
static void type_is_kept(void)
{
	volatile int neg = -1;
	uint8_t b = 200;
	uint32_t u = 7;

	EXPECT(__builtin_types_compatible_p(__typeof__(array_index_nospec(b, 256)), uint8_t));
	EXPECT(__builtin_types_compatible_p(__typeof__(array_index_nospec(u, 8)), uint32_t));
	EXPECT_EQ(array_index_nospec(b, 256), 200);
	EXPECT_EQ(array_index_nospec(b, 200), 0);
	EXPECT_EQ(array_index_nospec(neg, 16), 0);
}

/* A deterministic sweep around the boundaries against the obvious answer. */
static void sweep(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	unsigned int i;

	for (i = 0; i < 200000; i++) {
		unsigned long size, idx;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size = x >> (x & 63);
		idx = size + (long)(int8_t)(x >> 8);	/* within 128 of the size */
		if (i & 1)
			idx = x;
		if (array_index_nospec(idx, size) != expect(idx, size)) {
			UNIT_FAIL("array_index_nospec(idx, size) != (idx < size ? idx : 0)");
			return;
		}
	}
}

UNIT_MAIN("nospec", UNIT_TEST(below_size_is_kept), UNIT_TEST(at_or_past_size_is_zero),
	  UNIT_TEST(mask_is_all_or_nothing), UNIT_TEST(constant_sizes), UNIT_TEST(type_is_kept),
	  UNIT_TEST(sweep))
