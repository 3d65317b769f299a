/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine-frame allocator: one bit per frame below the highest RAM
 * address, set = in use. Frames start out used; boot code frees the RAM
 * ranges of the memory map and reserves the hypervisor image, the boot
 * modules and the first megabyte again. Pure logic on a caller-provided
 * bitmap, so the unit tests drive it on the host. Each pool has its lock
 * (the innermost, hv/lock_order.h), taken inside every call that changes
 * the pool: callers hold nothing for it.
 */
#ifndef HV_PAGE_ALLOC_H
#define HV_PAGE_ALLOC_H

#include <hv/types.h>
#include <hv/spinlock.h>

#define INVALID_MFN	(~0ULL)

struct frame_pool {
	spinlock_t lock;	/* guards everything below */
	uint64_t *bitmap;	/* nr_frames bits, 1 = in use */
	uint64_t nr_frames;
	uint64_t nr_free;
	uint64_t next;		/* where the next search starts */
};

void frame_pool_init(struct frame_pool *p, uint64_t *bitmap, uint64_t nr_frames);
void frame_pool_add(struct frame_pool *p, mfn_t first, uint64_t count);
void frame_pool_reserve(struct frame_pool *p, mfn_t first, uint64_t count);
mfn_t frame_pool_alloc(struct frame_pool *p);
mfn_t frame_pool_alloc_contig(struct frame_pool *p, uint64_t count, uint64_t align);
int frame_pool_free(struct frame_pool *p, mfn_t mfn);
bool frame_pool_is_free(const struct frame_pool *p, mfn_t mfn);

/* The hypervisor's pool (arch/x86/mm.c sets it up). */
extern struct frame_pool machine_frames;
mfn_t alloc_frame(void);		/* zeroed; INVALID_MFN when out of memory */
mfn_t alloc_frames_contig(uint64_t count);	/* zeroed */
mfn_t alloc_frames_aligned(uint64_t count, uint64_t align);	/* zeroed, first % align == 0 */
void free_frame(mfn_t mfn);
void free_frames(mfn_t first, uint64_t count);

#endif
