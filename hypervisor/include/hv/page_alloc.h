/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine-frame allocator: one bit per frame below the highest RAM
 * address, set = in use. Frames start out used; boot code frees the RAM
 * ranges of the memory map and reserves the hypervisor image, the boot
 * modules and the first megabyte again. Pure logic on a caller-provided
 * bitmap, so the unit tests drive it on the host. Each pool has its lock
 * (the innermost, hv/lock_order.h), taken inside every call that changes
 * the pool: callers hold nothing for it.
 *
 * Scrubbing (issue 17): with frame_pool_track_dirty a pool also keeps a
 * "dirty" bit per frame, set when a frame becomes free (every frame
 * frame_pool_add makes free, every frame freed) and cleared only once the
 * frame has been zeroed. Allocation leaves it as it is: the caller asks
 * frame_pool_take_dirty for the frames it got (a run at a time, one lock)
 * and zeroes the dirty ones, or allocates with frame_pool_alloc_dirty /
 * frame_pool_alloc_contig_dirty, which do both under one hold of the lock.
 * An idle CPU zeroes free dirty frames ahead of time without the lock:
 * frame_pool_claim_dirty takes some out of the pool (counted in
 * nr_scrubbing, so nobody else can be handed them), the caller makes sure
 * no stale translation can still write them (a TLB flush) and zeroes
 * them, and frame_pool_release_zeroed puts them back clean. An allocation
 * that fails while frames are claimed may succeed once they are back
 * (scrub_releases counts the returns): frame_pool_alloc_dirty and
 * frame_pool_alloc_below wait for them when the caller lets them. frame_pool_claim_listed claims
 * the same way only frames the caller names (a dying domain's, zeroed by
 * its destroy). A pool without the bitmap reports
 * every frame dirty.
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
	uint64_t nr_avail;	/* nr_free + nr_scrubbing, kept as one (frame_pool_nr_free) */
	uint64_t next;		/* where the next search starts */
	uint64_t low;		/* no free frame below (first fit starts here) */
	uint64_t *dirty;	/* NULL, or nr_frames bits, 1 = not known zero */
	uint64_t nr_dirty;	/* free frames with the dirty bit */
	uint64_t nr_scrubbing;	/* claimed by frame_pool_claim_dirty, not back yet */
	uint64_t scrub_next;	/* where frame_pool_claim_dirty looks next */
	uint64_t scrub_releases;	/* frame_pool_release_zeroed calls so far */
	uint64_t claim_low;	/* while nr_scrubbing: no claimed frame below */
};

void frame_pool_init(struct frame_pool *p, uint64_t *bitmap, uint64_t nr_frames);
void frame_pool_add(struct frame_pool *p, mfn_t first, uint64_t count);
void frame_pool_reserve(struct frame_pool *p, mfn_t first, uint64_t count);
mfn_t frame_pool_alloc(struct frame_pool *p);
mfn_t frame_pool_alloc_contig(struct frame_pool *p, uint64_t count, uint64_t align);
int frame_pool_free(struct frame_pool *p, mfn_t mfn);
bool frame_pool_is_free(const struct frame_pool *p, mfn_t mfn);
void frame_pool_track_dirty(struct frame_pool *p, uint64_t *dirty);
uint64_t frame_pool_take_dirty(struct frame_pool *p, mfn_t first, uint64_t count, uint64_t *out);
#define FRAME_POOL_DIRTY_MAX	512	/* frame_pool_alloc_contig_dirty's largest run */
mfn_t frame_pool_alloc_dirty(struct frame_pool *p, uint64_t *dirty, unsigned int waits);
mfn_t frame_pool_alloc_contig_dirty(struct frame_pool *p, uint64_t count, uint64_t align,
				    uint64_t *dirty);
mfn_t frame_pool_alloc_below(struct frame_pool *p, uint64_t count, uint64_t align, uint64_t limit,
			     uint64_t *dirty, unsigned int waits);
unsigned int frame_pool_claim_dirty(struct frame_pool *p, mfn_t *out, unsigned int max);
unsigned int frame_pool_claim_listed(struct frame_pool *p, mfn_t *list, unsigned int n);
void frame_pool_release_zeroed(struct frame_pool *p, const mfn_t *list, unsigned int n);
uint64_t frame_pool_nr_free(const struct frame_pool *p);
uint64_t frame_pool_nr_free_in(struct frame_pool *p, mfn_t first, mfn_t end);

/* The hypervisor's pool (arch/x86/mm.c sets it up). */
extern struct frame_pool machine_frames;
mfn_t alloc_frame(void);		/* zeroed; INVALID_MFN when out of memory */
mfn_t alloc_frames_contig(uint64_t count);	/* zeroed */
mfn_t alloc_frames_aligned(uint64_t count, uint64_t align);	/* zeroed, first % align == 0 */
mfn_t alloc_frames_below(uint64_t count, uint64_t align, uint64_t limit);	/* and ends <= limit */
void free_frame(mfn_t mfn);
void free_frames(mfn_t first, uint64_t count);
bool scrub_free_frames(void);	/* idle CPUs: a batch zeroed; false: hlt (mm.c) */
bool scrub_zeroing_here(void);	/* this CPU has a batch out of the pool (mm.c) */
unsigned int scrub_freed_frames(mfn_t *list, unsigned int n);	/* those still free zeroed */

#endif
