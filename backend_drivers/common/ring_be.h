/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The backend's side of a generic shared ring (docs/abi-devices.md §5.1):
 * the frontend produces requests and reads responses, we do the opposite.
 * Every index the frontend writes is untrusted: be_ring_avail() refuses a
 * producer more than a ring's worth ahead of our consumer, and never hands
 * out a slot whose response is still owed, so a broken frontend can only
 * get its own ring declared broken. Header-only; the ring header is
 * <lamina/io/blkif.h>'s struct sring_hdr.
 */
#ifndef BE_RING_BE_H
#define BE_RING_BE_H

#include <stdbool.h>
#include <stdint.h>
#include <lamina/io/blkif.h>

struct be_ring {
	volatile struct sring_hdr *sring;
	uint32_t size;		/* slots, a power of two */
	uint32_t req_cons;	/* next request to take */
	uint32_t rsp_prod_pvt;	/* next response slot, not yet published */
};

static inline void be_ring_init(struct be_ring *r, void *page, uint32_t size)
{
	r->sring = page;
	r->size = size;
	r->req_cons = 0;
	r->rsp_prod_pvt = 0;
}

/*
 * How many requests may be taken now (0 if none); -1 when the frontend's
 * req_prod is impossible (more than a ring's worth ahead of req_cons): its
 * ring is broken and it loses the device.
 */
static inline int64_t be_ring_avail(struct be_ring *r)
{
	uint32_t prod = __atomic_load_n(&r->sring->req_prod, __ATOMIC_ACQUIRE);
	uint32_t ahead = prod - r->req_cons;
	uint32_t room = r->size - (r->req_cons - r->rsp_prod_pvt);

	if (ahead > r->size || r->req_cons - r->rsp_prod_pvt > r->size)
		return -1;
	return ahead < room ? ahead : room;
}

/*
 * Copies request slot req_cons out of the shared page (each byte read
 * once: the frontend may change it meanwhile) and moves on. Eight bytes a
 * load where the slot allows (slots start 8-aligned when their size is a
 * multiple of 8, as blkif's 112 bytes: 14 loads, not 112).
 */
static inline void be_ring_take(struct be_ring *r, void *dst, unsigned int slot_size)
{
	const volatile char *src = (const volatile char *)r->sring + SRING_HDR_SIZE +
		(size_t)(r->req_cons & (r->size - 1)) * slot_size;
	char *d = dst;
	unsigned int i = 0;

	if (!(slot_size & 7))
		for (; i < slot_size; i += 8) {
			uint64_t w = *(const volatile uint64_t *)(src + i);

			__builtin_memcpy(d + i, &w, 8);
		}
	for (; i < slot_size; i++)
		d[i] = src[i];
	r->req_cons++;
}

/* The next response slot (written before be_ring_push()). */
static inline void *be_ring_rsp_slot(struct be_ring *r, unsigned int slot_size)
{
	return (char *)r->sring + SRING_HDR_SIZE +
		(size_t)(r->rsp_prod_pvt++ & (r->size - 1)) * slot_size;
}

/* Publishes the responses written; true if the frontend wants an event. */
static inline bool be_ring_push(struct be_ring *r)
{
	uint32_t old = r->sring->rsp_prod, new = r->rsp_prod_pvt;

	__atomic_thread_fence(__ATOMIC_RELEASE);
	r->sring->rsp_prod = new;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return (uint32_t)(new - r->sring->rsp_event) < (uint32_t)(new - old);
}

/*
 * Before sleeping: asks for an event at the next request, then looks
 * again. True if requests came meanwhile (keep going).
 */
static inline bool be_ring_final_check(struct be_ring *r)
{
	if (r->sring->req_prod != r->req_cons)
		return true;
	r->sring->req_event = r->req_cons + 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return r->sring->req_prod != r->req_cons;
}

#endif
