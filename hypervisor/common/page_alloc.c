// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bitmap frame allocator. Invariant: nr_free equals the number of clear
 * bits below nr_frames. Allocation scans from `next`, wrapping once, so
 * repeated allocations are linear overall rather than quadratic.
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

void frame_pool_init(struct frame_pool *p, uint64_t *bitmap, uint64_t nr_frames)
{
	spin_lock_init(&p->lock, LOCK_LEVEL_HEAP);
	p->bitmap = bitmap;
	p->nr_frames = nr_frames;
	p->nr_free = 0;
	p->next = 0;
	memset(bitmap, 0xff, DIV_ROUND_UP(nr_frames, 64) * 8);
}

void frame_pool_add(struct frame_pool *p, mfn_t first, uint64_t count)
{
	uint64_t n;

	spin_lock(&p->lock);
	for (n = first; n < first + count && n < p->nr_frames; n++) {
		if (test_bit64(p->bitmap, n)) {
			clear_bit64(p->bitmap, n);
			p->nr_free++;
		}
	}
	spin_unlock(&p->lock);
}

static void reserve(struct frame_pool *p, mfn_t first, uint64_t count)
{
	uint64_t n;

	ASSERT_LOCKED(&p->lock);
	for (n = first; n < first + count && n < p->nr_frames; n++) {
		if (!test_bit64(p->bitmap, n)) {
			set_bit64(p->bitmap, n);
			p->nr_free--;
		}
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
			set_bit64(p->bitmap, mfn);
			p->nr_free--;
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

/* First fit of count free frames starting at a multiple of align. */
static mfn_t alloc_contig(struct frame_pool *p, uint64_t count, uint64_t align)
{
	uint64_t start, n;

	if (!count || !align || count > p->nr_free)
		return INVALID_MFN;
	for (start = 0; start + count <= p->nr_frames; start += align) {
		for (n = 0; n < count; n++)
			if (test_bit64(p->bitmap, start + n))
				break;
		if (n == count) {
			reserve(p, start, count);
			return start;
		}
		/* Skip past the used frame, keeping the alignment. */
		start = ALIGN_DOWN(start + n, align);
	}
	return INVALID_MFN;
}

mfn_t frame_pool_alloc_contig(struct frame_pool *p, uint64_t count, uint64_t align)
{
	mfn_t mfn;

	spin_lock(&p->lock);
	mfn = alloc_contig(p, count, align);
	spin_unlock(&p->lock);
	return mfn;
}

/* Returns -1 for a frame that was not allocated (double free, bad mfn). */
int frame_pool_free(struct frame_pool *p, mfn_t mfn)
{
	int rc = -1;

	spin_lock(&p->lock);
	if (mfn < p->nr_frames && test_bit64(p->bitmap, mfn)) {
		clear_bit64(p->bitmap, mfn);
		p->nr_free++;
		rc = 0;
	}
	spin_unlock(&p->lock);
	return rc;
}
