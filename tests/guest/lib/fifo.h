/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest side of the FIFO event channel ABI for test guests
 * (lamina/event_channel.h): a control block for vCPU 0 and event array
 * pages from the scratch area, and a consumer that walks the queues as
 * a guest kernel does (highest priority first, clearing LINKED with
 * cmpxchg and PENDING as it hands an event out). The consumer is bounded,
 * so a test that corrupts its own words cannot hang itself.
 */
#ifndef GUEST_FIFO_H
#define GUEST_FIFO_H

#include "events.h"
#include "mm.h"
#include "wait.h"

#define FIFO_MAX_PAGES	72	/* past port 65536 (virq-high-port) */
#define FIFO_BIT(n)	(1U << (n))
#define FIFO_PENDING	FIFO_BIT(EVTCHN_FIFO_PENDING)
#define FIFO_MASKED	FIFO_BIT(EVTCHN_FIFO_MASKED)
#define FIFO_LINKED	FIFO_BIT(EVTCHN_FIFO_LINKED)
#define FIFO_BUSY	FIFO_BIT(EVTCHN_FIFO_BUSY)

struct fifo {
	volatile struct evtchn_fifo_control_block *cb;
	uint64_t cb_mfn;
	volatile event_word_t *page[FIFO_MAX_PAGES];
	uint64_t page_mfn[FIFO_MAX_PAGES];
	unsigned int nr_pages;
	uint32_t head[EVTCHN_FIFO_MAX_QUEUES];	/* where the consumer goes on */
};

/* init_control for vCPU 0 with a fresh page, the block at offset. */
static inline long fifo_init(struct fifo *f, uint32_t offset, uint8_t *link_bits)
{
	uint64_t va = scratch_page();
	struct evtchn_init_control ic = { va_to_mfn(va), offset, 0, 0xff, { 0 } };
	long rc;

	memset(f, 0, sizeof(*f));
	f->cb_mfn = ic.control_gfn;
	rc = evtchn_op(EVTCHNOP_init_control, &ic);
	if (!rc)
		f->cb = (volatile struct evtchn_fifo_control_block *)(va + offset);
	if (link_bits)
		*link_bits = ic.link_bits;
	return rc;
}

/* One more event array page, every word MASKED first (as Linux does). */
static inline long fifo_expand(struct fifo *f)
{
	uint64_t va = scratch_page();
	struct evtchn_expand_array ea = { va_to_mfn(va) };
	unsigned int i;
	long rc;

	if (f->nr_pages >= FIFO_MAX_PAGES)
		return -ENOSPC;
	for (i = 0; i < EVTCHN_FIFO_WORDS_PER_PAGE; i++)
		((event_word_t *)va)[i] = FIFO_MASKED;
	rc = evtchn_op(EVTCHNOP_expand_array, &ea);
	if (!rc) {
		f->page_mfn[f->nr_pages] = ea.array_gfn;
		f->page[f->nr_pages++] = (volatile event_word_t *)va;
	}
	return rc;
}

static inline volatile event_word_t *fifo_word(struct fifo *f, evtchn_port_t p)
{
	if (p / EVTCHN_FIFO_WORDS_PER_PAGE >= f->nr_pages)
		return NULL;
	return &f->page[p / EVTCHN_FIFO_WORDS_PER_PAGE][p % EVTCHN_FIFO_WORDS_PER_PAGE];
}

static inline uint32_t fifo_peek(struct fifo *f, evtchn_port_t p)
{
	volatile event_word_t *w = fifo_word(f, p);

	return w ? *w : 0;
}

static inline void fifo_mask(struct fifo *f, evtchn_port_t p)
{
	__atomic_fetch_or(fifo_word(f, p), FIFO_MASKED, __ATOMIC_SEQ_CST);
}

/*
 * Clears MASKED unless the hypervisor holds the word BUSY (a bounded
 * wait), and asks the hypervisor to link the event if it is pending.
 */
static inline long fifo_unmask(struct fifo *f, evtchn_port_t p)
{
	volatile event_word_t *w = fifo_word(f, p);
	event_word_t old = *w, new;
	unsigned int tries = 0;

	do {
		old &= ~FIFO_BUSY;
		new = old & ~FIFO_MASKED;
	} while (!__atomic_compare_exchange_n(w, &old, new, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST) && ++tries < 1000000);
	if (*w & FIFO_PENDING) {
		struct evtchn_unmask u = { p };

		return evtchn_op(EVTCHNOP_unmask, &u);
	}
	return 0;
}

/* Clears LINKED and LINK together; returns the LINK it had. */
static inline uint32_t fifo_clear_linked(volatile event_word_t *w)
{
	event_word_t old = *w;

	while (!__atomic_compare_exchange_n(w, &old, old & ~(FIFO_LINKED | EVTCHN_FIFO_LINK_MASK),
					    false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
	return old & EVTCHN_FIFO_LINK_MASK;
}

/*
 * Takes every linked event, highest priority first, into out[] (at most
 * max; at most 4 * max + 64 steps); the number taken. An event is taken
 * when pending and unmasked, its PENDING cleared.
 */
static inline unsigned int fifo_consume(struct fifo *f, evtchn_port_t *out, unsigned int max)
{
	uint32_t ready = __atomic_exchange_n(&f->cb->ready, 0, __ATOMIC_SEQ_CST);
	unsigned int n = 0, steps = 0;

	while (ready && n < max && steps++ < 4 * max + 64) {
		unsigned int q = __builtin_ctz(ready);
		uint32_t port = f->head[q] ? f->head[q] : f->cb->head[q];
		volatile event_word_t *w = fifo_word(f, port);
		uint32_t next = w ? fifo_clear_linked(w) : 0;

		if (!next)
			ready &= ~(1U << q);
		if (w && (*w & (FIFO_PENDING | FIFO_MASKED)) == FIFO_PENDING &&
		    (__atomic_fetch_and(w, ~FIFO_PENDING, __ATOMIC_SEQ_CST) & FIFO_PENDING))
			out[n++] = port;
		f->head[q] = next;
		ready |= __atomic_exchange_n(&f->cb->ready, 0, __ATOMIC_SEQ_CST);
	}
	if (ready)	/* out[] is full: leave the rest for the next call */
		__atomic_fetch_or(&f->cb->ready, ready, __ATOMIC_SEQ_CST);
	return n;
}

/* Blocks (events enabled) until port p has been consumed; false once WAIT_CYCLES have gone. */
static inline bool fifo_wait(struct fifo *f, evtchn_port_t p)
{
	uint64_t start = wait_tsc();
	evtchn_port_t got[16];
	unsigned int i, n;

	for (;;) {
		n = fifo_consume(f, got, ARRAY_SIZE(got));
		for (i = 0; i < n; i++)
			if (got[i] == p)
				return true;
		if (!wait_time_left(start))
			return false;
		if (n)
			continue;
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
		shared->vcpu_info[0].evtchn_upcall_mask = 1;
	}
}

#endif
