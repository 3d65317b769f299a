/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bounds checks that hold under speculation (Spectre variant 1).
 *
 * After `if (i >= n) return -EINVAL;` the CPU may predict the branch as
 * not taken and run the code below with an out-of-range i, loading (and
 * leaving in the cache) memory a guest chose. Every guest-controlled index
 * that selects an array element goes, after its bounds check, through
 * array_index_nospec() (docs/style.md §8, docs/security.md): the index
 * and'ed with a mask that is all ones when i < n and zero otherwise,
 * computed with cmp/sbb, a data dependency and not a branch, so a
 * mispredicted check reads element 0 at worst.
 *
 * The asm is volatile and opaque: the compiler cannot see that the mask
 * is all ones on the path after the check and drop it.
 */
#ifndef HV_NOSPEC_H
#define HV_NOSPEC_H

#include <hv/types.h>

/* ~0 when idx < size, else 0 (unsigned compare: the borrow of idx - size). */
static inline unsigned long array_index_mask_nospec(unsigned long idx, unsigned long size)
{
	unsigned long mask;

	asm volatile("cmp %[size], %[idx]\n\tsbb %[mask], %[mask]"
		     : [mask] "=r"(mask)
		     : [size] "rme"(size), [idx] "r"(idx)
		     : "cc");
	return mask;
}

/* idx when idx < size, else 0, without a branch; the type of idx is kept. */
#define array_index_nospec(idx, size)						\
	({									\
		__typeof__(idx) idx_ = (idx);					\
		(__typeof__(idx_))(idx_ & array_index_mask_nospec(idx_, (size)));	\
	})

#endif
