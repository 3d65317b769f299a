// SPDX-License-Identifier: GPL-2.0-only
/* Host tests of hypervisor/common/page_alloc.c. */
#include "../../unit.h"
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
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

/* One frame's frame_pool_take_dirty: true if it must be zeroed. */
static bool take_dirty1(mfn_t mfn)
{
	uint64_t out;

	return frame_pool_take_dirty(&pool, mfn, 1, &out) == 1 && out == 1;
}

/*
 * The first fit alloc_contig must find, bit by bit from a copy of the
 * map, the run ending at or below frame limit.
 */
static mfn_t first_fit(const uint64_t *map, uint64_t count, uint64_t align, uint64_t limit)
{
	uint64_t start, n;

	for (start = 0; start + count <= FRAMES && start + count <= limit; start += align) {
		for (n = 0; n < count; n++)
			if (map[(start + n) / 64] >> ((start + n) % 64) & 1)
				break;
		if (n == count)
			return start;
	}
	return INVALID_MFN;
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
	EXPECT(take_dirty1(m));
	EXPECT(take_dirty1(m));
	EXPECT_EQ(frame_pool_claim_dirty(&pool, list, 4), 0);
}

static void added_frames_dirty_once(void)
{
	mfn_t m;

	fresh_tracked();
	EXPECT_EQ(pool.nr_dirty, FRAMES);
	m = frame_pool_alloc(&pool);
	EXPECT_EQ(pool.nr_dirty, FRAMES - 1);
	EXPECT(take_dirty1(m));	/* the caller zeroes it */
	EXPECT(!take_dirty1(m));	/* once */
	EXPECT_EQ(frame_pool_free(&pool, m), 0);	/* freed: dirty again */
	EXPECT_EQ(pool.nr_dirty, FRAMES);
	EXPECT_EQ(count_free_dirty(), FRAMES);
}

/*
 * Session 32's word-at-a-time search and take, from the pool's low mark:
 * random runs of any count and alignment (word boundaries crossed or
 * not), between frees and scrubs, land where the bit-by-bit first fit
 * from frame 0 puts them, and the counts stay exact. One in three asks
 * for a run below a random frame limit (session 33's
 * frame_pool_alloc_below), half of these with the dirty bits taken.
 */
static void contig_words_as_bits(void)
{
	static const uint64_t aligns[] = { 1, 2, 4, 8, 64, 128, 512 };	/* powers of two (ALIGN_DOWN) */
	static mfn_t start[FRAMES], len[FRAMES];
	uint64_t shadow[(FRAMES + 63) / 64], clear;
	unsigned int n = 0, step, i;
	mfn_t list[8];

	fresh_tracked();
	frame_pool_reserve(&pool, 3, 70);
	srand(7);
	for (step = 0; step < 4000; step++) {
		if (rand() % 5 == 0) {
			scrub(list, 8);	/* claimed and released: free again, low or not */
		} else if (n && rand() % 3 == 0) {
			i = rand() % n;
			while (len[i]--)
				EXPECT_EQ(frame_pool_free(&pool, start[i] + len[i]), 0);
			start[i] = start[--n];
			len[i] = len[n];
		} else {
			uint64_t count = 1 + rand() % (rand() & 1 ? 8 : 200);
			uint64_t align = aligns[rand() % 7];
			uint64_t free_before = pool.nr_free, dirty_before = pool.nr_dirty, d = 0, k;
			uint64_t limit = rand() % 3 ? ~0ULL : (uint64_t)(rand() % (FRAMES + 100));
			uint64_t out[(200 + 63) / 64], was[(200 + 63) / 64] = { 0 };
			bool with_dirty = limit != ~0ULL && rand() % 2;
			mfn_t m, want;

			memcpy(shadow, bitmap, sizeof(shadow));
			want = count > pool.nr_free ? INVALID_MFN : first_fit(shadow, count, align, limit);
			for (k = 0; want != INVALID_MFN && k < count; k++) {
				d += is_dirty(want + k);
				was[k / 64] |= (uint64_t)is_dirty(want + k) << (k % 64);
			}
			m = limit == ~0ULL ? frame_pool_alloc_contig(&pool, count, align) :
			    frame_pool_alloc_below(&pool, count, align, limit,
						   with_dirty ? out : NULL, 0);
			EXPECT_EQ(m, want);
			if (m == INVALID_MFN)
				continue;
			EXPECT_EQ(pool.nr_free, free_before - count);
			EXPECT_EQ(pool.nr_dirty, dirty_before - d);
			if (with_dirty) {
				EXPECT_EQ(memcmp(out, was, DIV_ROUND_UP(count, 64) * 8), 0);
				for (k = 0; k < count; k++)
					EXPECT(!is_dirty(m + k));
			}
			for (k = 0; k < count; k++)
				EXPECT(!frame_pool_is_free(&pool, m + k));
			start[n] = m;
			len[n++] = count;
		}
	}
	for (clear = 0, i = 0; i < FRAMES; i++)
		clear += frame_pool_is_free(&pool, i);
	EXPECT_EQ(clear, pool.nr_free);
	EXPECT_EQ(count_free_dirty(), pool.nr_dirty);
}

/*
 * frame_pool_take_dirty over a run: out's bit i is frame first + i's dirty
 * bit, wherever the run starts in a word and however long (one word, two,
 * many), and the run's bits are clear after; frames outside it untouched.
 */
static void take_dirty_run_bits(void)
{
	static const uint64_t firsts[] = { 64, 100, 127, 191, 300 };
	static const uint64_t counts[] = { 1, 5, 28, 64, 65, 130, 512 };
	uint64_t out[9], want[(FRAMES + 63) / 64], a, b, k, nr;
	mfn_t list[40];

	for (a = 0; a < 5; a++) {
		for (b = 0; b < 7; b++) {
			uint64_t first = firsts[a], count = counts[b];

			if (first + count > FRAMES)
				continue;
			fresh_tracked();
			/* A pattern: all scrubbed, taken, some freed (dirty) again. */
			while (scrub(list, 40))
				;
			frame_pool_reserve(&pool, 0, FRAMES);
			for (k = 0; k < FRAMES; k++)
				if (k % 3 == 0 || k % 7 == 1)
					EXPECT_EQ(frame_pool_free(&pool, k), 0);
			memcpy(want, dirty_map, sizeof(want));
			frame_pool_reserve(&pool, first, count);
			memset(out, 0xa5, sizeof(out));
			nr = frame_pool_take_dirty(&pool, first, count, out);
			for (k = 0; k < count; k++) {
				EXPECT_EQ(out[k / 64] >> (k % 64) & 1,
					  want[(first + k) / 64] >> ((first + k) % 64) & 1);
				EXPECT(!is_dirty(first + k));
				nr -= want[(first + k) / 64] >> ((first + k) % 64) & 1;
			}
			EXPECT_EQ(nr, 0);
			for (k = count; k % 64; k++)	/* out's unused bits clear */
				EXPECT_EQ(out[k / 64] >> (k % 64) & 1, 0);
			EXPECT_EQ(is_dirty(first - 1), want[(first - 1) / 64] >> ((first - 1) % 64) & 1);
			if (first + count < FRAMES)
				EXPECT_EQ(is_dirty(first + count),
					  want[(first + count) / 64] >> ((first + count) % 64) & 1);
		}
	}
}

/*
 * The allocations that read the dirty bits under their own lock hold
 * report what frame_pool_take_dirty would: each frame's bit as it was,
 * cleared after; every frame dirty without tracking.
 */
static void alloc_dirty_as_take(void)
{
	uint64_t want[(FRAMES + 63) / 64], out[8], k, d, before;
	mfn_t list[40], m;

	fresh_tracked();
	while (scrub(list, 40))
		;
	frame_pool_reserve(&pool, 0, FRAMES);
	for (k = 0; k < FRAMES; k++)
		if (k % 3 == 0 || k % 7 == 1 || (k >= 128 && k < 160))
			EXPECT_EQ(frame_pool_free(&pool, k), 0);
	for (k = 0; k < FRAMES; k += 5) {	/* some free ones scrubbed again */
		if (!frame_pool_is_free(&pool, k) || !(k % 2))
			continue;
		list[0] = k;
		EXPECT_EQ(frame_pool_claim_listed(&pool, list, 1), 1);
		frame_pool_release_zeroed(&pool, list, 1);
	}
	memcpy(want, dirty_map, sizeof(want));
	before = pool.nr_dirty;
	m = frame_pool_alloc_contig_dirty(&pool, 32, 32, out);	/* 128..159: all free */
	EXPECT_EQ(m, 128);
	for (k = d = 0; k < 32; k++) {
		EXPECT_EQ(out[0] >> k & 1, want[(128 + k) / 64] >> ((128 + k) % 64) & 1);
		EXPECT(!is_dirty(128 + k));
		d += out[0] >> k & 1;
	}
	EXPECT_EQ(out[0] >> 32, 0);
	EXPECT_EQ(pool.nr_dirty, before - d);
	EXPECT_EQ(count_free_dirty(), pool.nr_dirty);
	for (k = 0; k < 50; k++) {
		uint64_t one = 7;

		m = frame_pool_alloc_dirty(&pool, &one, 0);
		EXPECT(m < FRAMES);
		EXPECT_EQ(one, want[m / 64] >> (m % 64) & 1);
		EXPECT(!is_dirty(m));
	}
	EXPECT_EQ(count_free_dirty(), pool.nr_dirty);
	EXPECT_EQ(frame_pool_alloc_contig_dirty(&pool, FRAME_POOL_DIRTY_MAX + 1, 1, out), INVALID_MFN);
	fresh();	/* untracked */
	m = frame_pool_alloc_contig_dirty(&pool, 70, 1, out);
	EXPECT(m < FRAMES && out[0] == ~0ULL && out[1] == 0x3f);
	out[0] = 0;
	EXPECT(frame_pool_alloc_dirty(&pool, out, 0) < FRAMES && out[0] == 1);
}

/*
 * Session 32 review: the word scans at the ends of pools of every shape.
 * For pools of 1 to FRAMES frames (one word, a full last word, one frame
 * over a word, ...), random allocations of either kind (first fit of any
 * count and alignment up to beyond the pool, dirty bits read with it or
 * not, one frame at a time), frees, reservations, and idle-CPU claims
 * held across the other steps (the low mark passes a claimed frame, whose
 * release must bring it back down), checked against a model bitmap: the first fit found bit by bit from frame 0
 * (alignments above the pool too), no frame handed out twice or past
 * nr_frames, the bits past nr_frames never free, no free frame below the
 * low mark, the dirty bits reported being the frames' own, and every
 * count exact after each step. The last frame and the last word's last
 * bit are asked for by name: freed alone, the first fit and alloc_one
 * must find it there. Fails with the low mark not lowered by
 * frame_pool_release_zeroed or by freed(), or with frame_pool_init
 * leaving a last partial word's tail bits clear.
 */
static uint64_t nr_model;
static uint64_t model[(FRAMES + 63) / 64];	/* 1 = taken, as the pool's bitmap */

static bool model_used(uint64_t n)
{
	return model[n / 64] >> (n % 64) & 1;
}

static mfn_t model_fit(uint64_t count, uint64_t align)
{
	uint64_t start, n;

	for (start = 0; start + count <= nr_model; start += align) {
		for (n = 0; n < count && !model_used(start + n); n++)
			;
		if (n == count)
			return start;
	}
	return INVALID_MFN;
}

static void model_check(void)
{
	uint64_t i, nfree = 0, ndirty = 0;

	for (i = 0; i < nr_model; i++) {
		EXPECT_EQ(frame_pool_is_free(&pool, i), !model_used(i));
		nfree += !model_used(i);
		ndirty += !model_used(i) && is_dirty(i);
		if (i < pool.low)
			EXPECT(model_used(i));
	}
	for (; i < (nr_model + 63) / 64 * 64; i++)
		EXPECT(bitmap[i / 64] >> (i % 64) & 1);	/* past the end: never free */
	EXPECT_EQ(pool.nr_free, nfree);
	EXPECT_EQ(frame_pool_nr_free(&pool), nfree + pool.nr_scrubbing);	/* claimed ones count */
	EXPECT_EQ(pool.nr_dirty, ndirty);
}

static void model_take(mfn_t m, uint64_t count, const uint64_t *dirty, const uint64_t *was)
{
	uint64_t k;

	for (k = 0; k < count; k++) {
		EXPECT(m + k < nr_model && !model_used(m + k));
		if (m + k >= nr_model)
			return;
		model[(m + k) / 64] |= 1ULL << ((m + k) % 64);
		if (dirty)
			EXPECT_EQ(dirty[k / 64] >> (k % 64) & 1, was[(m + k) / 64] >> ((m + k) % 64) & 1);
	}
}

static bool is_held(const mfn_t *list, unsigned int held, uint64_t n)
{
	unsigned int i;

	for (i = 0; i < held; i++)
		if (list[i] == n)
			return true;
	return false;
}

static void ends_of_pools(void)
{
	static const uint64_t sizes[] = { 1, 2, 63, 64, 65, 127, 128, 129, 575, 576, 640, FRAMES };
	static const uint64_t aligns[] = { 1, 2, 64, 128, 512, 1024, 2048 };
	uint64_t s, step, k, was[(FRAMES + 63) / 64], out[FRAME_POOL_DIRTY_MAX / 64];
	mfn_t m, list[8];
	unsigned int held;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint64_t nr = sizes[s];

		nr_model = nr;
		memset(bitmap, 0, sizeof(bitmap));	/* frame_pool_init must set the tail */
		memset(dirty_map, 0, sizeof(dirty_map));
		frame_pool_init(&pool, bitmap, nr);
		frame_pool_track_dirty(&pool, dirty_map);
		frame_pool_add(&pool, 0, nr + 100);	/* clipped at nr */
		memset(model, 0, sizeof(model));
		model_check();
		/* All of it in one run, then its last frame alone. */
		memcpy(was, dirty_map, sizeof(was));
		m = frame_pool_alloc_contig(&pool, nr, 1);
		EXPECT_EQ(m, 0);
		model_take(m, nr, NULL, was);
		EXPECT_EQ(frame_pool_alloc_contig(&pool, 1, 1), INVALID_MFN);
		EXPECT_EQ(frame_pool_alloc(&pool), INVALID_MFN);
		EXPECT_EQ(frame_pool_free(&pool, nr - 1), 0);
		model[(nr - 1) / 64] &= ~(1ULL << ((nr - 1) % 64));
		EXPECT(pool.low <= nr - 1);	/* a bound, raised by the next search */
		model_check();
		EXPECT_EQ(frame_pool_alloc_contig(&pool, 2, 1), INVALID_MFN);
		EXPECT_EQ(frame_pool_alloc_contig(&pool, 1, 2), nr % 2 ? nr - 1 : INVALID_MFN);
		if (nr % 2)
			EXPECT_EQ(frame_pool_free(&pool, nr - 1), 0);
		EXPECT_EQ(frame_pool_alloc_dirty(&pool, out, 0), nr - 1);
		EXPECT_EQ(out[0], 1);
		EXPECT_EQ(frame_pool_free(&pool, nr - 1), 0);
		EXPECT_EQ(frame_pool_free(&pool, nr), -1);	/* past the end */
		EXPECT_EQ(frame_pool_free(&pool, (nr + 63) / 64 * 64 - 1), -1);	/* the last word's last bit */
		EXPECT_EQ(frame_pool_alloc(&pool), nr - 1);
		EXPECT_EQ(frame_pool_nr_free(&pool), 0);
		for (k = 0; k < nr; k++)	/* back to empty-handed */
			EXPECT_EQ(frame_pool_free(&pool, k), 0);
		memset(model, 0, sizeof(model));
		model_check();
		srand(32 + nr);
		held = 0;
		for (step = 0; step < 3000; step++) {
			unsigned int op = rand() % 10;

			if (op == 0 && held) {	/* the claimed frames back, zeroed */
				frame_pool_release_zeroed(&pool, list, held);
				while (held--)
					model[list[held] / 64] &= ~(1ULL << (list[held] % 64));
				held = 0;
			} else if (op == 0) {	/* claimed, held over the next steps */
				unsigned int i;

				held = frame_pool_claim_dirty(&pool, list, 1 + rand() % 8);
				for (i = 0; i < held; i++) {
					EXPECT(list[i] < nr && !model_used(list[i]));
					model[list[i] / 64] |= 1ULL << (list[i] % 64);
					contents[list[i]] = 0;
				}
			} else if (op <= 3) {	/* free some taken frames */
				uint64_t first = rand() % nr, count = 1 + rand() % 70;

				for (k = first; k < first + count && k < nr; k++) {
					if (is_held(list, held, k))
						continue;
					EXPECT_EQ(frame_pool_free(&pool, k), model_used(k) ? 0 : -1);
					model[k / 64] &= ~(1ULL << (k % 64));
				}
			} else if (op == 4) {
				uint64_t first = rand() % nr, count = 1 + rand() % 40;

				for (k = first; k < first + count && k < nr; k++)
					if (is_held(list, held, k))	/* boot's reservations: no claims then */
						count = k - first;
				frame_pool_reserve(&pool, first, count);
				for (k = first; k < first + count && k < nr; k++)
					model[k / 64] |= 1ULL << (k % 64);
			} else if (op == 5) {
				memcpy(was, dirty_map, sizeof(was));
				m = frame_pool_alloc_dirty(&pool, out, 0);
				EXPECT_EQ(m == INVALID_MFN, model_fit(1, 1) == INVALID_MFN);
				if (m != INVALID_MFN)
					model_take(m, 1, out, was);
			} else {
				uint64_t count = 1 + rand() % (rand() & 1 ? 4 : MIN(nr, 600));
				uint64_t align = aligns[rand() % 7];
				bool with_dirty = count <= FRAME_POOL_DIRTY_MAX && rand() % 2;
				mfn_t want = model_fit(count, align);

				memcpy(was, dirty_map, sizeof(was));
				m = with_dirty ? frame_pool_alloc_contig_dirty(&pool, count, align, out)
					       : frame_pool_alloc_contig(&pool, count, align);
				EXPECT_EQ(m, want);
				if (m != INVALID_MFN)
					model_take(m, count, with_dirty ? out : NULL, was);
			}
			model_check();
			if (unit_failure[0])
				break;
		}
		frame_pool_release_zeroed(&pool, list, held);
	}
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
		EXPECT(!take_dirty1(m + i));
	EXPECT(take_dirty1(m + 8));
	EXPECT_EQ(count_free_dirty(), pool.nr_dirty);
	/* Freed again, a scrubbed frame is dirty again. */
	EXPECT_EQ(frame_pool_free(&pool, m), 0);
	EXPECT(is_dirty(m));
	EXPECT(take_dirty1(frame_pool_alloc_contig(&pool, 1, 1)));
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
		EXPECT(take_dirty1(i));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(frame_pool_free(&pool, i), 0);	/* freed: dirty */
	EXPECT_EQ(frame_pool_alloc_contig(&pool, 2, 1), 0);	/* 0, 1 taken again */
	EXPECT(take_dirty1(0) && take_dirty1(1));
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
		EXPECT(!take_dirty1(i));	/* handed out clean */
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
					if (take_dirty1(m))
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
				if (take_dirty1(m + j))
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

/*
 * Session 33: an address-limited request (frame_pool_alloc_below) while
 * an idle CPU holds the only frames below the limit claimed for zeroing,
 * with free frames above it. Without waiting it finds nothing (the
 * frames are the zeroing CPU's); allowed to wait, it gets them once the
 * other thread releases them, zeroed, below the limit. Until session 33
 * the request took the lowest run anywhere (here above the limit) and
 * gave it back: it failed where Xen 4.17 gives the frames. With nothing
 * claimed and nothing free below the limit it fails at once, whatever
 * it may wait for.
 */
static mfn_t held[64];

/*
 * The other CPU's part: held[0..n) zeroed and released after ms
 * milliseconds, or as soon as *until is set.
 */
struct release_plan {
	unsigned int n, ms;
	volatile int *until;
};

extern __thread unsigned int unit_cpu;

static void *release_held(void *arg)
{
	const struct release_plan *r = arg;
	unsigned int i;

	/*
	 * Another CPU to the lock checks: as CPU 0 (the thread's default),
	 * its pool lock taken while the test's thread held it read as CPU 0
	 * nesting its own level (a lock-order panic, 1 run in 40).
	 */
	unit_cpu = 1;
	for (i = 0; i < r->ms && !(r->until && __atomic_load_n(r->until, __ATOMIC_ACQUIRE)); i++)
		usleep(1000);
	for (i = 0; i < r->n; i++)
		contents[held[i]] = 0;
	frame_pool_release_zeroed(&pool, held, r->n);
	return NULL;
}

static void limited_waits_for_claims(void)
{
	struct release_plan plan = { 64, 20, NULL };
	uint64_t out[1], i;
	pthread_t t;
	mfn_t m;

	fresh_tracked();
	for (i = 0; i < FRAMES; i++)
		contents[i] = 0xdead;
	EXPECT_EQ(frame_pool_claim_dirty(&pool, held, 64), 64);
	EXPECT_EQ(held[0], 0);
	EXPECT_EQ(held[63], 63);
	/* Free frames from 64 on; none below 64 but the claimed ones. */
	EXPECT_EQ(frame_pool_alloc_below(&pool, 1, 1, 64, out, 0), INVALID_MFN);
	EXPECT_EQ(frame_pool_alloc_below(&pool, 8, 8, 64, NULL, 0), INVALID_MFN);
	EXPECT_EQ(frame_pool_alloc_below(&pool, 1, 1, 65, out, 0), 64);	/* the limit is an end */
	EXPECT_EQ(out[0], 1);
	EXPECT_EQ(pool.nr_free, FRAMES - 64 - 1);

	EXPECT_EQ(pthread_create(&t, NULL, release_held, &plan), 0);
	m = frame_pool_alloc_below(&pool, 8, 8, 64, out, 4);
	pthread_join(t, NULL);
	EXPECT_EQ(m, 0);
	if (m == INVALID_MFN)
		return;
	EXPECT_EQ(out[0], 0);	/* zeroed by the releasing thread: nothing left to zero */
	for (i = 0; i < 8; i++)
		EXPECT_EQ(contents[m + i], 0);
	EXPECT_EQ(pool.scrub_releases, 1);
	EXPECT_EQ(pool.nr_scrubbing, 0);
	EXPECT_EQ(frame_pool_nr_free(&pool), FRAMES - 1 - 8);

	/* Nothing free below 64 and nothing claimed: no wait, no frame. */
	EXPECT_EQ(frame_pool_alloc_below(&pool, 56, 1, 64, NULL, 0), 8);
	EXPECT_EQ(frame_pool_alloc_below(&pool, 1, 1, 64, out, 1000), INVALID_MFN);
	EXPECT_EQ(frame_pool_alloc_dirty(&pool, out, 1000), 65);	/* anywhere: the cursor's next */
}

/*
 * Frames claimed only above the limit, nothing free below it: their
 * release cannot help, so the request fails at once, not after waiting
 * (a guest asking under a limit nothing fits below would otherwise wait
 * out every idle CPU's batch, extent after extent). The other thread
 * releases them as soon as the call has returned, or after 2 s if it
 * does not (then the release count says it waited).
 */
static volatile int returned;

static void limited_no_wait_above(void)
{
	struct release_plan plan = { 16, 2000, &returned };
	uint64_t out[1], releases;
	pthread_t t;
	mfn_t m;

	fresh_tracked();
	EXPECT_EQ(frame_pool_alloc_contig(&pool, 64, 1), 0);	/* 0..63 used */
	EXPECT_EQ(frame_pool_claim_dirty(&pool, held, 16), 16);
	EXPECT_EQ(held[0], 64);	/* 64..79 claimed, 80.. free */
	returned = 0;
	EXPECT_EQ(pthread_create(&t, NULL, release_held, &plan), 0);
	m = frame_pool_alloc_below(&pool, 1, 1, 64, out, 1000);
	releases = pool.scrub_releases;
	__atomic_store_n(&returned, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	EXPECT_EQ(m, INVALID_MFN);
	EXPECT_EQ(releases, 0);
	EXPECT_EQ(pool.claim_low, ~0ULL);	/* all back */
	/* The next claim (80..95) is what claim_low tells; 64 is free again, clean. */
	EXPECT_EQ(frame_pool_claim_dirty(&pool, held, 16), 16);
	EXPECT_EQ(pool.claim_low, 80);
	EXPECT_EQ(frame_pool_alloc_below(&pool, 1, 1, 80, out, 0), 64);	/* released: clean */
	EXPECT_EQ(out[0], 0);
}

/* frame_pool_nr_free_in (sysctl availheap) against frame_pool_is_free, frame by frame. */
static uint64_t free_counted(mfn_t first, mfn_t end)
{
	uint64_t n = 0;

	for (; first < end; first++)
		n += frame_pool_is_free(&pool, first);
	return n;
}

static void free_in_ranges(void)
{
	unsigned int i;

	fresh();
	frame_pool_reserve(&pool, 10, 20);
	frame_pool_reserve(&pool, 100, 64);
	EXPECT_EQ(frame_pool_nr_free_in(&pool, 0, FRAMES), frame_pool_nr_free(&pool));
	EXPECT_EQ(frame_pool_nr_free_in(&pool, 0, ~0ULL), frame_pool_nr_free(&pool));
	EXPECT_EQ(frame_pool_nr_free_in(&pool, 0, 10), 10);
	EXPECT_EQ(frame_pool_nr_free_in(&pool, 10, 30), 0);
	EXPECT_EQ(frame_pool_nr_free_in(&pool, 5, 35), 10);
	EXPECT_EQ(frame_pool_nr_free_in(&pool, 60, 200), 140 - 64);
	EXPECT_EQ(frame_pool_nr_free_in(&pool, 990, 5000), 10);	/* clipped at the end */
	EXPECT_EQ(frame_pool_nr_free_in(&pool, FRAMES, FRAMES + 5), 0);
	EXPECT_EQ(frame_pool_nr_free_in(&pool, 30, 30), 0);
	EXPECT_EQ(frame_pool_nr_free_in(&pool, 50, 40), 0);
	srand(33);
	for (i = 0; i < 200; i++) {
		mfn_t a = rand() % (FRAMES + 10), b = rand() % (FRAMES + 10);

		if (rand() % 2)
			frame_pool_alloc(&pool);
		if (a > b) {
			mfn_t t = a;

			a = b;
			b = t;
		}
		EXPECT_EQ(frame_pool_nr_free_in(&pool, a, b), free_counted(a, b < FRAMES ? b : FRAMES));
	}
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
	RUN(contig_words_as_bits);
	RUN(take_dirty_run_bits);
	RUN(alloc_dirty_as_take);
	RUN(ends_of_pools);
	RUN(scrubbed_not_rezeroed);
	RUN(claimed_not_handed_out);
	RUN(listed_only_free_dirty);
	RUN(random_never_leaks);
	RUN(count_steady_while_claimed);
	RUN(limited_waits_for_claims);
	RUN(limited_no_wait_above);
	RUN(free_in_ranges);
	return 0;
}
