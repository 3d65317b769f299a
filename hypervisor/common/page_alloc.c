// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bitmap frame allocator. Invariant: nr_free equals the number of clear
 * bits below nr_frames. Allocation scans from `next`, wrapping once, so
 * repeated allocations are linear overall rather than quadratic. With
 * dirty tracking, nr_dirty equals the number of frames both free and
 * dirty (hv/page_alloc.h).
 */
#include <hv/lib.h>
#include <hv/page_alloc.h>
#include <hv/string.h>

static bool test_bit64(const uint64_t *map, uint64_t n)
{
	return map[n / 64] & (1ULL << (n % 64));
}

static void set_bit64(uint64_t *map, uint64_t n)
{
	map[n / 64] |= 1ULL << (n % 64);
}

static void clear_bit64(uint64_t *map, uint64_t n)
{
	map[n / 64] &= ~(1ULL << (n % 64));
}

/* Set bits of x (no libgcc in the hypervisor for __builtin_popcountll). */
static uint64_t bits_set(uint64_t x)
{
	x -= (x >> 1) & 0x5555555555555555ULL;
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (x * 0x0101010101010101ULL) >> 56;
}

void frame_pool_init(struct frame_pool *p, uint64_t *bitmap, uint64_t nr_frames)
{
	spin_lock_init(&p->lock, LOCK_LEVEL_HEAP);
	p->bitmap = bitmap;
	p->nr_frames = nr_frames;
	p->nr_free = p->nr_avail = 0;
	p->next = p->low = 0;
	p->dirty = NULL;
	p->nr_dirty = p->nr_scrubbing = p->scrub_next = p->scrub_releases = 0;
	p->claim_low = ~0ULL;
	memset(bitmap, 0xff, DIV_ROUND_UP(nr_frames, 64) * 8);
}

/* Before any frame is added: from then on every frame made free is dirty. */
void frame_pool_track_dirty(struct frame_pool *p, uint64_t *dirty)
{
	memset(dirty, 0xff, DIV_ROUND_UP(p->nr_frames, 64) * 8);
	p->dirty = dirty;
	p->nr_dirty = 0;
}

/*
 * Frame n, free until now, is taken (lock held): allocated, or claimed
 * for zeroing (to_zero), in which case it still counts as available.
 */
static void take(struct frame_pool *p, uint64_t n, bool to_zero)
{
	set_bit64(p->bitmap, n);
	p->nr_free--;
	if (!to_zero)
		p->nr_avail--;
	if (p->dirty && test_bit64(p->dirty, n))
		p->nr_dirty--;
}

/* Frame n, taken until now, is free again and dirty (lock held). */
static void freed(struct frame_pool *p, uint64_t n)
{
	clear_bit64(p->bitmap, n);
	if (n < p->low)
		p->low = n;
	p->nr_free++;
	p->nr_avail++;
	if (p->dirty) {
		set_bit64(p->dirty, n);
		p->nr_dirty++;
	}
}

void frame_pool_add(struct frame_pool *p, mfn_t first, uint64_t count)
{
	uint64_t n;

	spin_lock(&p->lock);
	for (n = first; n < first + count && n < p->nr_frames; n++) {
		if (test_bit64(p->bitmap, n))
			freed(p, n);
	}
	spin_unlock(&p->lock);
}

static void reserve(struct frame_pool *p, mfn_t first, uint64_t count)
{
	uint64_t n;

	ASSERT_LOCKED(&p->lock);
	for (n = first; n < first + count && n < p->nr_frames; n++) {
		if (!test_bit64(p->bitmap, n))
			take(p, n, false);
	}
}

void frame_pool_reserve(struct frame_pool *p, mfn_t first, uint64_t count)
{
	spin_lock(&p->lock);
	reserve(p, first, count);
	spin_unlock(&p->lock);
}

bool frame_pool_is_free(const struct frame_pool *p, mfn_t mfn)
{
	return mfn < p->nr_frames && !test_bit64(p->bitmap, mfn);
}

static mfn_t alloc_one(struct frame_pool *p)
{
	uint64_t words = DIV_ROUND_UP(p->nr_frames, 64);
	uint64_t w, i;

	if (!p->nr_free)
		return INVALID_MFN;
	for (i = 0; i <= words; i++) {
		w = (p->next / 64 + i) % words;
		if (p->bitmap[w] != ~0ULL) {
			uint64_t bit = __builtin_ctzll(~p->bitmap[w]);
			mfn_t mfn = w * 64 + bit;

			if (mfn >= p->nr_frames)
				continue;
			take(p, mfn, false);
			p->next = mfn + 1 < p->nr_frames ? mfn + 1 : 0;
			return mfn;
		}
	}
	return INVALID_MFN;
}

mfn_t frame_pool_alloc(struct frame_pool *p)
{
	mfn_t mfn;

	spin_lock(&p->lock);
	mfn = alloc_one(p);
	spin_unlock(&p->lock);
	return mfn;
}

/*
 * body for each word of a bitmap that the frames [first, first + count)
 * touch: w its index, m the mask of the range's bits in it.
 */
#define FOR_RANGE_WORDS(first, count, w, m, ...)				\
	do {									\
		uint64_t n_ = (first), end_ = (first) + (count);		\
		while (n_ < end_) {						\
			uint64_t lo_ = n_ % 64, hi_ = MIN(64, lo_ + (end_ - n_));	\
			uint64_t w = n_ / 64;					\
			uint64_t m = (hi_ == 64 ? ~0ULL : (1ULL << hi_) - 1) &	\
				     ~((1ULL << lo_) - 1);			\
			__VA_ARGS__;						\
			n_ += hi_ - lo_;					\
		}								\
	} while (0)

/* How many of the count frames from first are free before a used one (count: all). */
static uint64_t free_run(const struct frame_pool *p, uint64_t first, uint64_t count)
{
	FOR_RANGE_WORDS(first, count, w, m, {
		uint64_t used = p->bitmap[w] & m;

		if (used)
			return w * 64 + __builtin_ctzll(used) - first;
	});
	return count;
}

/*
 * The count frames from first, all free (free_run said so), taken as
 * take() takes each, a word at a time (issue 17: populate_physmap's
 * 2 MiB extents took 512 bit-by-bit steps here).
 */
static void take_run(struct frame_pool *p, uint64_t first, uint64_t count)
{
	ASSERT_LOCKED(&p->lock);
	FOR_RANGE_WORDS(first, count, w, m, {
		p->bitmap[w] |= m;
		if (p->dirty)
			p->nr_dirty -= bits_set(p->dirty[w] & m);
	});
	p->nr_free -= count;
	p->nr_avail -= count;
}

/*
 * Frames [first, first + count), just allocated, in range: bit i of out
 * (count bits, cleared here) set if frame first + i must be zeroed, the
 * frames' dirty bits cleared (lock held). How many are dirty.
 */
static uint64_t take_dirty_locked(struct frame_pool *p, mfn_t first, uint64_t count, uint64_t *out)
{
	uint64_t i, nr = 0;

	ASSERT_LOCKED(&p->lock);
	if (count == 1) {	/* alloc_frame's */
		out[0] = test_bit64(p->dirty, first);
		clear_bit64(p->dirty, first);
		return out[0];
	}
	for (i = 0; i < DIV_ROUND_UP(count, 64); i++)
		out[i] = 0;
	FOR_RANGE_WORDS(first, count, w, m, {
		uint64_t d = p->dirty[w] & m, o = w * 64 + __builtin_ctzll(m) - first;

		p->dirty[w] &= ~m;
		nr += bits_set(d);
		d >>= __builtin_ctzll(m);
		out[o / 64] |= d << (o % 64);
		if (o % 64 && d >> (64 - o % 64))
			out[o / 64 + 1] |= d >> (64 - o % 64);
	});
	return nr;
}

/* Without dirty tracking every frame must be zeroed. */
static uint64_t all_dirty(uint64_t count, uint64_t *out)
{
	uint64_t i;

	for (i = 0; i < DIV_ROUND_UP(count, 64); i++)
		out[i] = 0;
	for (i = 0; i < count; i++)
		set_bit64(out, i);
	return count;
}

/* The first free frame from n on, a word at a time; nr_frames if none. */
static uint64_t next_free(const struct frame_pool *p, uint64_t n)
{
	uint64_t w = n / 64, words = DIV_ROUND_UP(p->nr_frames, 64), m;

	if (n >= p->nr_frames)
		return p->nr_frames;
	for (m = ~p->bitmap[w] & (~0ULL << (n % 64)); !m; m = ~p->bitmap[w])
		if (++w >= words)
			return p->nr_frames;
	return MIN(w * 64 + __builtin_ctzll(m), p->nr_frames);
}

/*
 * First fit of count free frames starting at a multiple of align (a
 * power of two) and ending at or below frame `end` (at most nr_frames):
 * the lowest such start, as a test of every multiple in turn would find
 * it. From each candidate the search goes on at the next free frame,
 * aligned up: a used frame in a candidate's run rules out every start up
 * to it. The search starts at p->low, below which no frame is free (until
 * session 32 it started at 0, and a used frame cost a step of its own: an
 * order-0 extent under an address limit stepped over every used frame
 * below the free ones, 124840 instructions a frame in tests/bench memop).
 */
static mfn_t alloc_contig(struct frame_pool *p, uint64_t count, uint64_t align, uint64_t end)
{
	uint64_t start, n;

	if (!count || !align || count > p->nr_free)
		return INVALID_MFN;
	start = p->low = next_free(p, p->low);
	for (;;) {
		start = ALIGN_UP(next_free(p, start), align);
		if (start >= end || count > end - start)
			return INVALID_MFN;
		n = free_run(p, start, count);
		if (n == count) {
			take_run(p, start, count);
			return start;
		}
		start += n;	/* the used frame: next_free goes past it */
	}
}

/* Whether a frame below end may be claimed for zeroing (lock held). */
static bool claimed_below(const struct frame_pool *p, uint64_t end)
{
	return p->nr_scrubbing && p->claim_low < end;
}

/*
 * An allocation under the lock found nothing: true if it may find
 * something once the frames claimed for zeroing are back, after waiting
 * (lock dropped) for the next release; false once *waits is spent. The
 * count of releases and whether a claimed frame may lie where the search
 * looked are read in the hold of the lock that failed (seen, claimed): a
 * release after it changes the count, and a claimed frame is always
 * released, by the CPU zeroing it.
 */
static bool wait_claimed(struct frame_pool *p, uint64_t seen, uint64_t claimed,
			 unsigned int *waits)
{
	if (!claimed || !*waits)
		return false;
	--*waits;
	while (__atomic_load_n(&p->scrub_releases, __ATOMIC_ACQUIRE) == seen)
		spin_relax();
	return true;
}

mfn_t frame_pool_alloc_contig(struct frame_pool *p, uint64_t count, uint64_t align)
{
	return frame_pool_alloc_below(p, count, align, ~0ULL, NULL, 0);
}

/*
 * frame_pool_alloc and frame_pool_take_dirty for its frame in one hold of
 * the lock: bit 0 of *dirty set if the frame must be zeroed. While no
 * frame is free and some are claimed for zeroing, waits for their release
 * and tries again, up to `waits` releases (0: never waits; the caller's
 * CPU has a batch out).
 */
mfn_t frame_pool_alloc_dirty(struct frame_pool *p, uint64_t *dirty, unsigned int waits)
{
	uint64_t seen, claimed;
	mfn_t mfn;

	if (!p->dirty)
		all_dirty(1, dirty);
	do {
		spin_lock(&p->lock);
		mfn = alloc_one(p);
		if (mfn != INVALID_MFN && p->dirty)
			take_dirty_locked(p, mfn, 1, dirty);
		seen = p->scrub_releases;
		claimed = mfn == INVALID_MFN && p->nr_scrubbing;
		spin_unlock(&p->lock);
	} while (mfn == INVALID_MFN && wait_claimed(p, seen, claimed, &waits));
	return mfn;
}

/*
 * First fit of count free frames aligned to align and all below frame
 * limit (~0: anywhere; an address-limited populate_physmap, exchange),
 * with their dirty bits as frame_pool_take_dirty gives them when dirty is
 * not NULL (count at most FRAME_POOL_DIRTY_MAX; without it the caller
 * takes them). While no such run is free and frames below the limit may
 * be claimed for zeroing, waits for a release and tries again, up to
 * `waits` releases; with none claimed there it fails at once (a guest's
 * request under a limit nothing fits below does not wait). Until session 33 an
 * address-limited request took the lowest run anywhere and gave it back
 * when it lay above the limit: with the frames below the limit claimed
 * by an idle CPU it failed, where Xen 4.17 gives them.
 */
mfn_t frame_pool_alloc_below(struct frame_pool *p, uint64_t count, uint64_t align, uint64_t limit,
			     uint64_t *dirty, unsigned int waits)
{
	uint64_t end = MIN(limit, p->nr_frames), seen, claimed;
	mfn_t mfn;

	if (dirty && count > FRAME_POOL_DIRTY_MAX)
		return INVALID_MFN;
	if (dirty && !p->dirty)
		all_dirty(count, dirty);
	do {
		spin_lock(&p->lock);
		mfn = alloc_contig(p, count, align, end);
		if (mfn != INVALID_MFN && dirty && p->dirty)
			take_dirty_locked(p, mfn, count, dirty);
		seen = p->scrub_releases;
		claimed = mfn == INVALID_MFN && claimed_below(p, end);
		spin_unlock(&p->lock);
	} while (mfn == INVALID_MFN && wait_claimed(p, seen, claimed, &waits));
	return mfn;
}

/*
 * frame_pool_alloc_contig and frame_pool_take_dirty for its frames in one
 * hold of the lock: dirty has count bits (count at most
 * FRAME_POOL_DIRTY_MAX).
 */
mfn_t frame_pool_alloc_contig_dirty(struct frame_pool *p, uint64_t count, uint64_t align,
				    uint64_t *dirty)
{
	return frame_pool_alloc_below(p, count, align, ~0ULL, dirty, 0);
}

/* Returns -1 for a frame that was not allocated (double free, bad mfn). */
int frame_pool_free(struct frame_pool *p, mfn_t mfn)
{
	int rc = -1;

	spin_lock(&p->lock);
	if (mfn < p->nr_frames && test_bit64(p->bitmap, mfn)) {
		freed(p, mfn);
		rc = 0;
	}
	spin_unlock(&p->lock);
	return rc;
}

/*
 * The caller's newly allocated frames [first, first + count): bit i of
 * out (count bits, which the caller sized) set if frame first + i must be
 * zeroed; their dirty bits are cleared (they are no longer counted
 * dirty). Without tracking every frame is dirty. One lock for the run
 * (until session 32 it was taken per frame: 512 times for a 2 MiB
 * extent). How many are dirty. frame_pool_alloc_dirty and
 * frame_pool_alloc_contig_dirty do the same under the allocation's lock.
 */
uint64_t frame_pool_take_dirty(struct frame_pool *p, mfn_t first, uint64_t count, uint64_t *out)
{
	uint64_t nr;

	if (!p->dirty || first >= p->nr_frames || count > p->nr_frames - first)
		return all_dirty(count, out);
	spin_lock(&p->lock);
	nr = take_dirty_locked(p, first, count, out);
	spin_unlock(&p->lock);
	return nr;
}

/*
 * Up to max free dirty frames into out, taken from the pool for the
 * caller to zero (no one else can get them meanwhile); how many.
 */
unsigned int frame_pool_claim_dirty(struct frame_pool *p, mfn_t *out, unsigned int max)
{
	uint64_t words = DIV_ROUND_UP(p->nr_frames, 64);
	uint64_t i, w, cand;
	unsigned int n = 0;

	if (!p->dirty || !__atomic_load_n(&p->nr_dirty, __ATOMIC_RELAXED))
		return 0;
	spin_lock(&p->lock);
	for (i = 0; i <= words && n < max && p->nr_dirty; i++) {
		w = (p->scrub_next / 64 + i) % words;
		cand = p->dirty[w] & ~p->bitmap[w];
		while (cand && n < max) {
			mfn_t mfn = w * 64 + __builtin_ctzll(cand);

			cand &= cand - 1;
			if (mfn >= p->nr_frames)
				break;
			take(p, mfn, true);	/* stays dirty until released */
			out[n++] = mfn;
			if (mfn < p->claim_low)
				p->claim_low = mfn;
		}
	}
	p->nr_scrubbing += n;
	if (n)
		p->scrub_next = out[n - 1] + 1 < p->nr_frames ? out[n - 1] + 1 : 0;
	spin_unlock(&p->lock);
	return n;
}

/*
 * Of the n frames in list, those still free and dirty are claimed as
 * frame_pool_claim_dirty claims (issue 17: the frames a dying domain's
 * destroy just freed, zeroed on its time); list keeps only them, in
 * order. A frame allocated since, clean, or out of range is left out.
 * How many were claimed.
 */
unsigned int frame_pool_claim_listed(struct frame_pool *p, mfn_t *list, unsigned int n)
{
	unsigned int i, k = 0;

	if (!p->dirty)
		return 0;
	spin_lock(&p->lock);
	for (i = 0; i < n; i++) {
		mfn_t mfn = list[i];

		if (mfn >= p->nr_frames || test_bit64(p->bitmap, mfn) || !test_bit64(p->dirty, mfn))
			continue;
		take(p, mfn, true);	/* stays dirty until released */
		list[k++] = mfn;
		if (mfn < p->claim_low)
			p->claim_low = mfn;
	}
	p->nr_scrubbing += k;
	spin_unlock(&p->lock);
	return k;
}

/* The claimed frames of list, zeroed now, back in the pool as clean ones. */
void frame_pool_release_zeroed(struct frame_pool *p, const mfn_t *list, unsigned int n)
{
	unsigned int i;

	spin_lock(&p->lock);
	for (i = 0; i < n; i++) {
		clear_bit64(p->dirty, list[i]);
		clear_bit64(p->bitmap, list[i]);
		if (list[i] < p->low)
			p->low = list[i];
		p->nr_free++;
	}
	p->nr_scrubbing -= n;
	if (!p->nr_scrubbing)
		p->claim_low = ~0ULL;	/* else it may still be another claim's */
	p->scrub_releases++;
	spin_unlock(&p->lock);
}

/* Free frames, counting those being zeroed (they come back soon). */
/*
 * The free frames with first <= mfn < end (end past the pool: to its end),
 * counted under the pool's lock: a query (sysctl availheap). The whole
 * pool is frame_pool_nr_free; a part of it counts the frames marked free
 * there, so frames an idle CPU has out to zero (a batch at most) are not
 * in it.
 */
uint64_t frame_pool_nr_free_in(struct frame_pool *p, mfn_t first, mfn_t end)
{
	uint64_t nr = 0;

	if (end > p->nr_frames)
		end = p->nr_frames;
	if (first >= end)
		return 0;
	if (!first && end == p->nr_frames)
		return frame_pool_nr_free(p);
	spin_lock(&p->lock);
	FOR_RANGE_WORDS(first, end - first, w, m, { nr += bits_set(~p->bitmap[w] & m); });
	spin_unlock(&p->lock);
	return nr;
}

uint64_t frame_pool_nr_free(const struct frame_pool *p)
{
	/*
	 * One counter, not nr_free + nr_scrubbing read apart: a claim or a
	 * release moves frames between those two, and a reader between the
	 * two stores (an idle CPU held up mid-claim) saw a count short by
	 * the frames claimed so far.
	 */
	return __atomic_load_n(&p->nr_avail, __ATOMIC_RELAXED);
}
