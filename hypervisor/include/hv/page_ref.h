/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * get_page, put_page, get_page_type and put_page_type inline: their
 * common cases, for a path that takes and drops a frame's references
 * per element of a batch (GNTTABOP_copy: up to four per copy). The
 * functions of hv/mm.h are these; the rare cases stay out of line in
 * arch/x86/page_type.c (the rules: the essay at its top).
 */
#ifndef HV_PAGE_REF_H
#define HV_PAGE_REF_H

#include <hv/lib.h>
#include <hv/mm.h>

#define PG_COUNT_MAX	0x7FFFFF00U	/* either count's most: below PGC_unallocated */

/* page_type.c: the cases below that are not the common one. */
void put_page_last(mfn_t mfn, struct page_info *pg, uint32_t old);
int get_page_type_slow(struct domain *d, mfn_t mfn, struct page_info *pg, unsigned int type);
void put_page_type_last(struct domain *d, mfn_t mfn, struct page_info *pg, uint64_t w);

/* mfn's entry, mfn below frame_table_size (checked by the caller). */
static inline __attribute__((always_inline)) struct page_info *frame_entry(mfn_t mfn)
{
	return &frame_table[array_index_nospec(mfn, frame_table_size)];
}

/*
 * The four on an entry already found (pg: mfn's), for a caller that takes
 * or drops both references of one frame: the entry looked up once.
 */
static inline __attribute__((always_inline)) int
page_get(struct page_info *pg, mfn_t mfn, domid_t id)
{
	uint32_t c;

	if (pg->owner != id)
		return -EPERM;
	c = __atomic_load_n(&pg->count, __ATOMIC_RELAXED);
	do {
		if (!(c & PGC_count_mask))	/* free, or being freed */
			return -EPERM;
		if ((c & PGC_count_mask) >= PG_COUNT_MAX)
			return -EOVERFLOW;
	} while (!__atomic_compare_exchange_n(&pg->count, &c, c + 1, true, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	if (unlikely(pg->owner != id)) {	/* freed and reused meanwhile */
		put_page(mfn);
		return -EPERM;
	}
	return 0;
}

static inline __attribute__((always_inline)) void page_put(struct page_info *pg, mfn_t mfn)
{
	uint32_t old = __atomic_fetch_sub(&pg->count, 1, __ATOMIC_ACQ_REL);

	if (unlikely((old & PGC_count_mask) <= 1))
		put_page_last(mfn, pg, old);
}

/* The fast path: another reference to the type in use. */
static inline __attribute__((always_inline)) int
page_get_type(struct page_info *pg, mfn_t mfn, unsigned int type, struct domain *d)
{
	uint64_t w;

	if (pg->owner != d->domid)
		return -EPERM;
	w = pg_type_word(pg);
	if (likely(!(TW_FLAGS(w) & (PGF_partial | PGF_releasing)) && TW_COUNT(w) &&
		   TW_TYPE(w) == type && TW_COUNT(w) < PG_COUNT_MAX && pg_type_cas(pg, &w, w + 1)))
		return 0;
	return get_page_type_slow(d, mfn, pg, type);
}

static inline __attribute__((always_inline)) void
page_put_type(struct page_info *pg, mfn_t mfn, struct domain *d)
{
	uint64_t w = pg_type_word(pg);

	do {
		BUG_ON(!TW_COUNT(w));
		if (TW_COUNT(w) == 1) {
			put_page_type_last(d, mfn, pg, w);
			return;
		}
	} while (!pg_type_cas(pg, &w, (w - 1) | TW_DROPPED));	/* PGF_dropped: page_type.c */
}

/* hv/mm.h's four: a general reference to d's frame mfn (0, -EPERM, -EOVERFLOW) ... */
static inline __attribute__((always_inline)) int get_page_inline(mfn_t mfn, const struct domain *d)
{
	if (mfn >= frame_table_size)
		return -EPERM;
	return page_get(frame_entry(mfn), mfn, d->domid);
}

static inline __attribute__((always_inline)) void put_page_inline(mfn_t mfn)
{
	BUG_ON(mfn >= frame_table_size);
	page_put(frame_entry(mfn), mfn);
}

static inline __attribute__((always_inline)) int
get_page_type_inline(mfn_t mfn, unsigned int type, struct domain *d)
{
	if (mfn >= frame_table_size)
		return -EPERM;
	return page_get_type(frame_entry(mfn), mfn, type, d);
}

static inline __attribute__((always_inline)) void put_page_type_inline(mfn_t mfn, struct domain *d)
{
	BUG_ON(mfn >= frame_table_size);
	page_put_type(frame_entry(mfn), mfn, d);
}

#endif
