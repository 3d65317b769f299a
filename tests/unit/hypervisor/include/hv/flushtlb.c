// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/include/hv/flushtlb.h's flush clock: a frame's
 * 16-bit stamp read back as a clock value (tlbflush_stamp_time), across
 * the 15-bit wrap of what a frame keeps, and the filter that drops from a
 * flush mask every CPU whose last CR3 load read the clock at or after a
 * stamp (tlbflush_filter). The clock and the CPUs' times are this file's.
 */
#include "../../../unit.h"
#include <stdint.h>
#include <stdbool.h>
#include <hv/flushtlb.h>

uint64_t tlbflush_clock;
uint64_t *tlbflush_time_of[MAX_CPUS];
static uint64_t times[MAX_CPUS];

/* A CPU's CR3 load as write_cr3 makes it: the clock read before, kept after. */
static void cr3_load(unsigned int cpu)
{
	times[cpu] = tlbflush_clock;
}

static void reset(void)
{
	unsigned int i;

	tlbflush_clock = 0;
	for (i = 0; i < MAX_CPUS; i++) {
		times[i] = 0;
		tlbflush_time_of[i] = &times[i];
	}
}

/* No TLB_STAMP_SET: never anything to flush, whatever the clock. */
static void no_stamp_is_zero(void)
{
	reset();
	EXPECT_EQ(tlbflush_stamp_time(0, 0), 0);
	EXPECT_EQ(tlbflush_stamp_time(0, 123456789), 0);
	EXPECT_EQ(tlbflush_stamp_time(TLB_STAMP_LOW, 5), 0);
	EXPECT_EQ(tlbflush_filter(0xF, 0), 0);
}

/* A stamp fewer than 32768 stamps old reads back exactly, across every wrap of 15 bits. */
static void recent_stamp_exact(void)
{
	static const uint64_t bases[] = { 1, 100, 32767, 32768, 32769, 65535, 65536,
					  0x7FFFFFFF, 0x100000000ULL, 0xFFFFFFFFFFFF8000ULL };
	static const uint64_t ages[] = { 0, 1, 2, 1000, 32766, 32767 };
	unsigned int i, j;

	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		for (j = 0; j < sizeof(ages) / sizeof(ages[0]); j++) {
			uint64_t s = bases[i], now = s + ages[j];
			uint16_t st = TLB_STAMP_SET | (s & TLB_STAMP_LOW);

			if (tlbflush_stamp_time(st, now) != s) {
				UNIT_FAIL("a stamp under 32768 old reads back as itself");
				return;
			}
		}
}

/*
 * An older one reads back as a later value with the same low bits, never
 * above the clock and never below the true stamp: such a frame is
 * flushed on every CPU that loaded CR3 before that later value, a
 * superset of those that loaded before the true one.
 */
static void old_stamp_conservative(void)
{
	uint64_t x = 0x2545F4914F6CDD1DULL;
	unsigned int i;

	for (i = 0; i < 200000; i++) {
		uint64_t s, age, now, t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		s = (x >> 3) & 0xFFFFFFFFFFULL;
		age = i & 1 ? x % 40000 : x % 10000000;
		now = s + age;
		t = tlbflush_stamp_time(TLB_STAMP_SET | (s & TLB_STAMP_LOW), now);
		if (t < s || t > now || (t & TLB_STAMP_LOW) != (s & TLB_STAMP_LOW) ||
		    now - t > TLB_STAMP_LOW || (age <= TLB_STAMP_LOW && t != s)) {
			UNIT_FAIL("stamp read back below the true one, above now, or not the latest fit");
			return;
		}
	}
	/* The edges: exactly 32768 and 65536 stamps old read back as now. */
	EXPECT_EQ(tlbflush_stamp_time(TLB_STAMP_SET | 5, 5 + 32768), 5 + 32768);
	EXPECT_EQ(tlbflush_stamp_time(TLB_STAMP_SET | 5, 5 + 65536), 5 + 65536);
	EXPECT_EQ(tlbflush_stamp_time(TLB_STAMP_SET | 5, 5 + 32769), 5 + 32768);
}

/* tlbflush_stamp_new moves the clock, and its stamp reads back as the new value. */
static void new_stamp_moves_clock(void)
{
	uint16_t st;

	reset();
	tlbflush_clock = 0x12345FFFFULL;
	st = tlbflush_stamp_new();
	EXPECT_EQ(tlbflush_clock, 0x123460000ULL);
	EXPECT_EQ(st, TLB_STAMP_SET | 0);
	EXPECT_EQ(tlbflush_frame_time(&st), 0x123460000ULL);
	st = tlbflush_stamp_new();
	EXPECT_EQ(tlbflush_frame_time(&st), 0x123460001ULL);
}

/*
 * The filter: a CPU whose last load read the clock before the stamp's
 * increment may hold the use and stays; one that read it at or after is
 * dropped; a CPU not started (no time yet) stays.
 */
static void filter_drops_flushed_since(void)
{
	uint16_t st;
	uint64_t when;

	reset();
	cr3_load(0);
	cr3_load(1);
	cr3_load(2);
	st = tlbflush_stamp_new();	/* clock 1: every CPU read 0 */
	when = tlbflush_frame_time(&st);
	EXPECT_EQ(when, 1);
	EXPECT_EQ(tlbflush_filter(0x7, when), 0x7);
	cr3_load(1);			/* read 1: after the stamp */
	EXPECT_EQ(tlbflush_filter(0x7, when), 0x5);
	tlbflush_stamp_new();		/* another frame: not this one's business */
	cr3_load(2);
	EXPECT_EQ(tlbflush_filter(0x7, when), 0x1);
	EXPECT_EQ(tlbflush_filter(0x6, when), 0);
	tlbflush_time_of[3] = NULL;	/* not started: stays */
	EXPECT_EQ(tlbflush_filter(0xF, when), 0x9);
	/* A newer stamp: CPU 1 (read 1) is before it again, CPU 2 (read 2) not. */
	st = tlbflush_stamp_new();	/* 3 */
	EXPECT_EQ(tlbflush_filter(0x7, tlbflush_frame_time(&st)), 0x7);
	cr3_load(0);
	EXPECT_EQ(tlbflush_filter(0x7, tlbflush_frame_time(&st)), 0x6);
}

/*
 * After the frame's 15 bits wrapped: the CPU that loaded CR3 before the
 * stamp is still flushed, one that loaded between the stamp and the later
 * value it reads as is flushed once too often, one that loaded since not.
 */
static void filter_across_wrap(void)
{
	uint16_t st;
	uint64_t when;

	reset();
	tlbflush_clock = 32767;
	cr3_load(0);			/* 32767 */
	st = tlbflush_stamp_new();	/* 32768: low bits 0 */
	cr3_load(1);			/* 32768 */
	tlbflush_clock += 40000;	/* 40000 more stamps: the frame's bits wrapped */
	when = tlbflush_frame_time(&st);
	EXPECT(when >= 32768);		/* never below the true stamp */
	EXPECT_EQ(when & TLB_STAMP_LOW, 0);
	/* CPU 0 loaded before the stamp: flushed whatever it reads as. */
	EXPECT(tlbflush_filter(0x1, when) == 0x1);
	/* CPU 1 loaded at the stamp but before the later value: flushed once too often. */
	EXPECT(tlbflush_filter(0x2, when) == 0x2);
	cr3_load(1);
	EXPECT_EQ(tlbflush_filter(0x3, when), 0x1);
}

UNIT_MAIN("flushtlb", UNIT_TEST(no_stamp_is_zero), UNIT_TEST(recent_stamp_exact),
	  UNIT_TEST(old_stamp_conservative), UNIT_TEST(new_stamp_moves_clock),
	  UNIT_TEST(filter_drops_flushed_since), UNIT_TEST(filter_across_wrap))
