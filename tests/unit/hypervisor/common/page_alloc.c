// SPDX-License-Identifier: GPL-2.0-only
/* Host tests of hypervisor/common/page_alloc.c. */
#include "../../unit.h"
#include <stdlib.h>
#include <hv/page_alloc.h>

#define FRAMES	1000

static uint64_t bitmap[(FRAMES + 63) / 64];
static struct frame_pool pool;

static void fresh(void)
{
	frame_pool_init(&pool, bitmap, FRAMES);
	frame_pool_add(&pool, 0, FRAMES);
}

static void starts_empty(void)
{
	frame_pool_init(&pool, bitmap, FRAMES);
	EXPECT_EQ(pool.nr_free, 0);
	EXPECT_EQ(frame_pool_alloc(&pool), INVALID_MFN);
}

static void add_reserve_count(void)
{
	fresh();
	EXPECT_EQ(pool.nr_free, FRAMES);
	frame_pool_reserve(&pool, 10, 20);
	EXPECT_EQ(pool.nr_free, FRAMES - 20);
	frame_pool_reserve(&pool, 25, 10);	/* overlapping: counted once */
	EXPECT_EQ(pool.nr_free, FRAMES - 25);
	frame_pool_add(&pool, 10, 5);
	EXPECT_EQ(pool.nr_free, FRAMES - 20);
	frame_pool_add(&pool, 990, 100);	/* clipped at the end */
	EXPECT_EQ(pool.nr_free, FRAMES - 20);
	EXPECT(!frame_pool_is_free(&pool, 20));
	EXPECT(frame_pool_is_free(&pool, 12));
	EXPECT(!frame_pool_is_free(&pool, FRAMES));
}

/* Every frame is handed out once, then the pool is empty. */
static void alloc_all_unique(void)
{
	static char seen[FRAMES];
	unsigned int i;

	fresh();
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < FRAMES; i++) {
		mfn_t m = frame_pool_alloc(&pool);

		EXPECT(m < FRAMES);
		if (m < FRAMES) {
			EXPECT(!seen[m]);
			seen[m] = 1;
		}
	}
	EXPECT_EQ(pool.nr_free, 0);
	EXPECT_EQ(frame_pool_alloc(&pool), INVALID_MFN);
}

static void free_rules(void)
{
	mfn_t m;

	fresh();
	m = frame_pool_alloc(&pool);
	EXPECT_EQ(frame_pool_free(&pool, m), 0);
	EXPECT_EQ(frame_pool_free(&pool, m), -1);		/* double free */
	EXPECT_EQ(frame_pool_free(&pool, FRAMES + 5), -1);	/* not a frame */
	EXPECT_EQ(pool.nr_free, FRAMES);
}

static void contiguous(void)
{
	mfn_t m;

	fresh();
	frame_pool_reserve(&pool, 0, 3);
	frame_pool_reserve(&pool, 9, 1);
	m = frame_pool_alloc_contig(&pool, 6, 1);
	EXPECT_EQ(m, 3);
	m = frame_pool_alloc_contig(&pool, 8, 8);
	EXPECT_EQ(m, 16);
	EXPECT(!frame_pool_is_free(&pool, 23));
	EXPECT(frame_pool_is_free(&pool, 24));
	EXPECT_EQ(frame_pool_alloc_contig(&pool, FRAMES, 1), INVALID_MFN);
	EXPECT_EQ(frame_pool_alloc_contig(&pool, 0, 1), INVALID_MFN);
	EXPECT_EQ(pool.nr_free, FRAMES - 4 - 6 - 8);
}

/* Random alloc/free keeps nr_free equal to the clear bits. */
static void random_invariant(void)
{
	static mfn_t held[FRAMES];
	unsigned int n = 0, i, step, clear;

	fresh();
	srand(1);
	for (step = 0; step < 20000; step++) {
		if (n && (rand() & 1)) {
			i = rand() % n;
			EXPECT_EQ(frame_pool_free(&pool, held[i]), 0);
			held[i] = held[--n];
		} else {
			mfn_t m = frame_pool_alloc(&pool);

			if (m != INVALID_MFN)
				held[n++] = m;
		}
	}
	for (clear = 0, i = 0; i < FRAMES; i++)
		clear += frame_pool_is_free(&pool, i);
	EXPECT_EQ(clear, pool.nr_free);
	EXPECT_EQ(pool.nr_free + n, FRAMES);
}

int main(void)
{
	unit_suite = "page_alloc";
	RUN(starts_empty);
	RUN(add_reserve_count);
	RUN(alloc_all_unique);
	RUN(free_rules);
	RUN(contiguous);
	RUN(random_invariant);
	return 0;
}
