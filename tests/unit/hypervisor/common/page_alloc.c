// SPDX-License-Identifier: GPL-2.0-only
/* Host tests of hypervisor/common/page_alloc.c. */
#include "../../unit.h"
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <hv/page_alloc.h>

#define FRAMES	1000

static uint64_t bitmap[(FRAMES + 63) / 64];
static struct frame_pool pool;
static uint64_t dirty_map[(FRAMES + 63) / 64];
static uint64_t contents[FRAMES];	/* one word stands for each frame's data */

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

/* Pools with dirty tracking (issue 17's scrub-on-free). */
static void fresh_tracked(void)
{
	frame_pool_init(&pool, bitmap, FRAMES);
	frame_pool_track_dirty(&pool, dirty_map);
	frame_pool_add(&pool, 0, FRAMES);
}

static bool is_dirty(mfn_t mfn)
{
	return dirty_map[mfn / 64] >> (mfn % 64) & 1;
}

static uint64_t count_free_dirty(void)
{
	uint64_t i, n = 0;

	for (i = 0; i < FRAMES; i++)
		n += frame_pool_is_free(&pool, i) && is_dirty(i);
	return n;
}

/* What an idle CPU does: claim, zero without the lock, release. */
static unsigned int scrub(mfn_t *list, unsigned int max)
{
	unsigned int i, n = frame_pool_claim_dirty(&pool, list, max);

	for (i = 0; i < n; i++)
		contents[list[i]] = 0;
	frame_pool_release_zeroed(&pool, list, n);
	return n;
}

static void untracked_all_dirty(void)
{
	mfn_t m, list[4];

	fresh();
	m = frame_pool_alloc(&pool);
	EXPECT(frame_pool_take_dirty(&pool, m));
	EXPECT(frame_pool_take_dirty(&pool, m));
	EXPECT_EQ(frame_pool_claim_dirty(&pool, list, 4), 0);
}

static void added_frames_dirty_once(void)
{
	mfn_t m;

	fresh_tracked();
	EXPECT_EQ(pool.nr_dirty, FRAMES);
	m = frame_pool_alloc(&pool);
	EXPECT_EQ(pool.nr_dirty, FRAMES - 1);
	EXPECT(frame_pool_take_dirty(&pool, m));	/* the caller zeroes it */
	EXPECT(!frame_pool_take_dirty(&pool, m));	/* once */
	EXPECT_EQ(frame_pool_free(&pool, m), 0);	/* freed: dirty again */
	EXPECT_EQ(pool.nr_dirty, FRAMES);
	EXPECT_EQ(count_free_dirty(), FRAMES);
}

static void scrubbed_not_rezeroed(void)
{
	mfn_t list[8], m;
	unsigned int i;

	fresh_tracked();
	EXPECT_EQ(scrub(list, 8), 8);
	EXPECT_EQ(pool.nr_dirty, FRAMES - 8);
	EXPECT_EQ(pool.nr_free, FRAMES);
	EXPECT_EQ(pool.nr_scrubbing, 0);
	/* The clean frames come back without zeroing; the next one is dirty. */
	m = frame_pool_alloc_contig(&pool, 9, 1);
	EXPECT_EQ(m, list[0]);
	for (i = 0; i < 8; i++)
		EXPECT(!frame_pool_take_dirty(&pool, m + i));
	EXPECT(frame_pool_take_dirty(&pool, m + 8));
	EXPECT_EQ(count_free_dirty(), pool.nr_dirty);
	/* Freed again, a scrubbed frame is dirty again. */
	EXPECT_EQ(frame_pool_free(&pool, m), 0);
	EXPECT(is_dirty(m));
	EXPECT(frame_pool_take_dirty(&pool, frame_pool_alloc_contig(&pool, 1, 1)));
}

/* Claimed frames are nobody else's until released, and still count as free. */
static void claimed_not_handed_out(void)
{
	mfn_t list[FRAMES], m;
	unsigned int n, i;

	fresh_tracked();
	n = frame_pool_claim_dirty(&pool, list, 16);
	EXPECT_EQ(n, 16);
	EXPECT_EQ(pool.nr_scrubbing, 16);
	EXPECT_EQ(frame_pool_nr_free(&pool), FRAMES);
	for (i = 0; i < n; i++)
		EXPECT(!frame_pool_is_free(&pool, list[i]));
	m = frame_pool_alloc(&pool);
	EXPECT(m >= 16);
	EXPECT_EQ(frame_pool_alloc_contig(&pool, FRAMES - 16, 1), INVALID_MFN);
	frame_pool_release_zeroed(&pool, list, n);
	EXPECT_EQ(pool.nr_scrubbing, 0);
	EXPECT_EQ(pool.scrub_releases, 1);
	EXPECT_EQ(frame_pool_alloc_contig(&pool, 16, 1), 0);
	EXPECT_EQ(frame_pool_nr_free(&pool), FRAMES - 17);
	/* With everything clean nothing more is claimed. */
	while (scrub(list, FRAMES))
		;
	EXPECT_EQ(pool.nr_dirty, 0);
	EXPECT_EQ(frame_pool_claim_dirty(&pool, list, 4), 0);
}

/*
 * A destroy's list (frame_pool_claim_listed): only the named frames that
 * are still free and dirty are claimed, in order; one allocated again,
 * one already clean, one named twice and one out of range are left out.
 */
static void listed_only_free_dirty(void)
{
	mfn_t list[8], clean[1], m;
	unsigned int i;

	fresh_tracked();
	m = frame_pool_alloc_contig(&pool, 8, 1);	/* a domain's 0..7 */
	EXPECT_EQ(m, 0);
	for (i = 0; i < 8; i++)
		EXPECT(frame_pool_take_dirty(&pool, i));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(frame_pool_free(&pool, i), 0);	/* freed: dirty */
	EXPECT_EQ(frame_pool_alloc_contig(&pool, 2, 1), 0);	/* 0, 1 taken again */
	EXPECT(frame_pool_take_dirty(&pool, 0) && frame_pool_take_dirty(&pool, 1));
	EXPECT_EQ(scrub(clean, 1), 1);			/* 2 zeroed by an idle CPU */
	EXPECT_EQ(clean[0], 2);
	list[0] = 0; list[1] = 3; list[2] = 2; list[3] = 4;
	list[4] = 4; list[5] = FRAMES; list[6] = 7; list[7] = 1;
	EXPECT_EQ(frame_pool_claim_listed(&pool, list, 8), 3);
	EXPECT_EQ(list[0], 3);
	EXPECT_EQ(list[1], 4);
	EXPECT_EQ(list[2], 7);
	EXPECT_EQ(pool.nr_scrubbing, 3);
	EXPECT_EQ(frame_pool_nr_free(&pool), FRAMES - 2);
	EXPECT_EQ(count_free_dirty(), pool.nr_dirty);
	for (i = 0; i < 3; i++)
		EXPECT(!frame_pool_is_free(&pool, list[i]));	/* nobody else gets them */
	EXPECT_EQ(frame_pool_alloc_contig(&pool, 4, 1), 8);	/* not 3..7 */
	frame_pool_release_zeroed(&pool, list, 3);
	EXPECT_EQ(pool.nr_scrubbing, 0);
	EXPECT(!is_dirty(3) && !is_dirty(4) && !is_dirty(7));
	EXPECT(is_dirty(5) && is_dirty(6));		/* not named: still dirty */
	EXPECT_EQ(count_free_dirty(), pool.nr_dirty);
	EXPECT_EQ(frame_pool_alloc_contig(&pool, 3, 1), 2);
	for (i = 2; i < 5; i++)
		EXPECT(!frame_pool_take_dirty(&pool, i));	/* handed out clean */
	/* Untracked pool: nothing is claimed. */
	fresh();
	list[0] = 1;
	EXPECT_EQ(frame_pool_claim_listed(&pool, list, 1), 0);
}

/*
 * Random allocations, frees and scrubs with contents: every frame a user
 * gets reads zero once the user has zeroed what take_dirty reported.
 */
static void random_never_leaks(void)
{
	static mfn_t held[FRAMES];
	unsigned int n = 0, i, j, step, k;
	mfn_t list[16];

	fresh_tracked();
	for (i = 0; i < FRAMES; i++)
		contents[i] = 0xdead0000 + i;	/* boot RAM: anything */
	srand(2);
	for (step = 0; step < 30000; step++) {
		int op = rand() % 4;

		if (op == 0 && n) {
			i = rand() % n;
			contents[held[i]] = 0xbad00000 + step;	/* the user's secret */
			EXPECT_EQ(frame_pool_free(&pool, held[i]), 0);
			if (rand() % 3 == 0) {	/* a destroy zeroes what it freed */
				list[0] = held[i];
				if (frame_pool_claim_listed(&pool, list, 1)) {
					contents[list[0]] = 0;
					frame_pool_release_zeroed(&pool, list, 1);
				}
			}
			held[i] = held[--n];
		} else if (op == 1) {
			k = frame_pool_claim_dirty(&pool, list, 1 + rand() % 16);
			if (k && (rand() & 1)) {	/* an allocation slips in between */
				mfn_t m = frame_pool_alloc_contig(&pool, 1, 1);

				if (m != INVALID_MFN) {
					for (j = 0; j < k; j++)
						EXPECT(m != list[j]);
					if (frame_pool_take_dirty(&pool, m))
						contents[m] = 0;
					EXPECT_EQ(contents[m], 0);
					held[n++] = m;
				}
			}
			for (j = 0; j < k; j++)
				contents[list[j]] = 0;
			frame_pool_release_zeroed(&pool, list, k);
		} else {
			uint64_t cnt = 1 + rand() % 4;
			mfn_t m = frame_pool_alloc_contig(&pool, cnt, 1);

			if (m == INVALID_MFN)
				continue;
			for (j = 0; j < cnt; j++) {
				if (frame_pool_take_dirty(&pool, m + j))
					contents[m + j] = 0;
				EXPECT_EQ(contents[m + j], 0);
				held[n++] = m + j;
			}
		}
		if (step % 1000 == 0)
			EXPECT_EQ(count_free_dirty(), pool.nr_dirty);
		/* Available: every frame not held by a user (free or being zeroed). */
		EXPECT_EQ(frame_pool_nr_free(&pool), pool.nr_free + pool.nr_scrubbing);
		EXPECT_EQ(frame_pool_nr_free(&pool), FRAMES - n);
	}
	EXPECT_EQ(count_free_dirty(), pool.nr_dirty);
	EXPECT_EQ(pool.nr_free + n, FRAMES);
}

/*
 * The free count read from another CPU while this one claims and
 * releases batches to zero: no frame is held by a user, so every read
 * must say FRAMES (it read short by the frames a claim had taken so far
 * when the count was nr_free + nr_scrubbing read apart).
 */
static volatile int reading = 1;
static volatile uint64_t short_reads, reads;

static void *read_count(void *arg)
{
	(void)arg;
	while (__atomic_load_n(&reading, __ATOMIC_ACQUIRE)) {
		if (frame_pool_nr_free(&pool) != FRAMES)
			short_reads++;
		reads++;
	}
	return NULL;
}

static void count_steady_while_claimed(void)
{
	pthread_t t;
	mfn_t list[16], m;
	unsigned int round, k;
	uint64_t first;

	fresh_tracked();
	EXPECT_EQ(pthread_create(&t, NULL, read_count, NULL), 0);
	/*
	 * On a loaded host the reader may not run at all during a fixed
	 * number of rounds: wait for its first read, and go on past 2000
	 * rounds until it has made 10000 reads beside them (bounded).
	 */
	while (!reads)
		sched_yield();
	first = reads;
	for (round = 0; round < 2000 || (reads - first < 10000 && round < 2000000); round++) {
		while ((k = frame_pool_claim_dirty(&pool, list, 16)))
			frame_pool_release_zeroed(&pool, list, k);
		/* Dirty again without the count moving: the pool's own add. */
		m = (mfn_t)(round % (FRAMES / 100)) * 100;
		spin_lock(&pool.lock);
		for (k = 0; k < 100; k++)
			dirty_map[(m + k) / 64] |= 1ULL << ((m + k) % 64);
		pool.nr_dirty += 100;
		spin_unlock(&pool.lock);
	}
	__atomic_store_n(&reading, 0, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	printf("page_alloc: %lu reads beside the claims, %lu short\n",
	       (unsigned long)reads, (unsigned long)short_reads);
	EXPECT(reads > first);
	EXPECT_EQ(short_reads, 0);
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
	RUN(untracked_all_dirty);
	RUN(added_frames_dirty_once);
	RUN(scrubbed_not_rezeroed);
	RUN(claimed_not_handed_out);
	RUN(listed_only_free_dirty);
	RUN(random_never_leaks);
	RUN(count_steady_while_claimed);
	return 0;
}
