// SPDX-License-Identifier: GPL-2.0-only
/*
 * The FIFO event channel ABI (lamina/event_channel.h), beside the 2-level
 * one in event_channel.c, with Xen's rules and error codes.
 *
 * The guest gives us frames of its own: one control block per vCPU (at an
 * offset in a page) and up to EVTCHN_FIFO_MAX_PORTS / 1024 event array
 * pages (fewer with evtchn_fifo_max_ports=, which also bounds the ports). Each is held with a page reference and a writable-type
 * reference for as long as we use it, so it can never become a page table
 * or descriptor page while we write into it through the direct map (no
 * access there can fault: the frame cannot go away under us).
 *
 * Everything in those frames is the guest's to write at any time, so we
 * trust none of it: the queue tails live here, HEAD and LINK are only
 * ever written by us, never followed (the guest walks its own queues), and
 * the one retry loop (set_link) is bounded. A guest that corrupts its
 * words loses its own events; the hypervisor does not notice.
 *
 * Raising port P of priority Q for vCPU V: set PENDING; unless MASKED or
 * already LINKED, set LINKED and append P to V's queue Q: if the previous
 * tail T is still LINKED, T.LINK = P (cmpxchg), else the queue was empty
 * and HEAD[Q] = P; in that case also set READY bit Q and, on its 0 -> 1
 * change, the vCPU's upcall_pending.
 *
 * Locks: init_control, expand_array and destroy run under d->evtchn_lock;
 * f->lock guards the queue tails and ports' last queues. Raising, clearing,
 * unmasking and reading an event run without d->evtchn_lock (from another
 * domain's send, a timer, another vCPU's unmask), while a reset may free
 * the state on another CPU: each of them takes the state with fifo_get,
 * which counts it in d->evtchn_fifo_users, and destroy waits for that
 * count to drop to 0 after it cleared d->evtchn_fifo, before it lets
 * anything go (guest/attack-evtchn-reset: the pointer read twice across a
 * reset was a NULL dereference in the hypervisor).
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/mm.h>
#include <hv/page_alloc.h>
#include <hv/spinlock.h>
#include <hv/hypervisor.h>

#define WORDS_PER_PAGE		EVTCHN_FIFO_WORDS_PER_PAGE
#define MAX_ARRAY_PAGES		(EVTCHN_FIFO_MAX_PORTS / WORDS_PER_PAGE)
#define NR_FIFO_VCPUS		CONFIG_MAX_VCPUS
#define FIFO_VCPU_FRAMES	DIV_ROUND_UP(NR_FIFO_VCPUS * sizeof(struct fifo_vcpu), PAGE_SIZE)
#define SET_LINK_TRIES		4

#define BIT(n)			(1U << (n))

struct fifo_vcpu {
	struct evtchn_fifo_control_block *cb;	/* NULL until its init_control */
	mfn_t cb_mfn;
	evtchn_port_t tail[EVTCHN_FIFO_MAX_QUEUES];	/* last port linked; 0 = none */
};

struct evtchn_fifo {
	spinlock_t lock;		/* guards tail[] and the ports' last queues */
	mfn_t self;			/* the frame this structure is in */
	unsigned int nr_pages;		/* ports below nr_pages * 1024 have a word */
	event_word_t *page[MAX_ARRAY_PAGES];
	mfn_t mfn[MAX_ARRAY_PAGES];
	struct fifo_vcpu *vcpu;		/* [NR_FIFO_VCPUS], in FIFO_VCPU_FRAMES of their own */
	mfn_t vcpu_mfn;
};
_Static_assert(sizeof(struct evtchn_fifo) <= PAGE_SIZE, "FIFO state is one page");

/*
 * d's FIFO state, kept from being freed until fifo_put, or NULL (2-level,
 * or a reset took it). Both accesses are sequentially consistent, as the
 * destroy's clear and its look at the count are: either destroy sees us
 * counted, or we see the state gone.
 */
static struct evtchn_fifo *fifo_get(const struct domain *d)
{
	struct domain *w = (struct domain *)d;	/* the count only */
	struct evtchn_fifo *f;

	__atomic_fetch_add(&w->evtchn_fifo_users, 1, __ATOMIC_SEQ_CST);
	f = __atomic_load_n(&d->evtchn_fifo, __ATOMIC_SEQ_CST);
	if (!f)
		__atomic_fetch_sub(&w->evtchn_fifo_users, 1, __ATOMIC_RELEASE);
	return f;
}

static void fifo_put(const struct domain *d)
{
	__atomic_fetch_sub(&((struct domain *)d)->evtchn_fifo_users, 1, __ATOMIC_RELEASE);
}

/* Port's event word, or NULL when no array page covers it yet. */
static event_word_t *word_of(const struct evtchn_fifo *f, evtchn_port_t port)
{
	unsigned int n = __atomic_load_n(&f->nr_pages, __ATOMIC_ACQUIRE) * WORDS_PER_PAGE;

	if (port >= n)
		return NULL;
	port = array_index_nospec(port, n);
	return &f->page[port / WORDS_PER_PAGE][port % WORDS_PER_PAGE];
}

static bool word_test_and_set(event_word_t *w, unsigned int bit)
{
	return __atomic_fetch_or(w, BIT(bit), __ATOMIC_SEQ_CST) & BIT(bit);
}

static bool word_test(const event_word_t *w, unsigned int bit)
{
	return __atomic_load_n(w, __ATOMIC_SEQ_CST) & BIT(bit);
}

static void word_clear(event_word_t *w, unsigned int bit)
{
	__atomic_fetch_and(w, ~BIT(bit), __ATOMIC_SEQ_CST);
}

/*
 * Sets w's LINK to link iff w is still LINKED (the guest may clear LINKED
 * at any time: it consumed the event). True when linked, false when w was
 * no longer LINKED (the queue had emptied). If the guest keeps changing
 * the word, BUSY asks it to wait; after SET_LINK_TRIES we give up and
 * report "linked": that event is lost to the guest, the queue stays sound.
 */
static bool set_link(event_word_t *w, evtchn_port_t link)
{
	event_word_t old = __atomic_load_n(w, __ATOMIC_SEQ_CST), new;
	bool busy = false;
	unsigned int try;

	for (try = 0; try < SET_LINK_TRIES; try++) {
		if (!(old & BIT(EVTCHN_FIFO_LINKED)))
			break;
		new = (old & ~(BIT(EVTCHN_FIFO_BUSY) | EVTCHN_FIFO_LINK_MASK)) | link;
		if (__atomic_compare_exchange_n(w, &old, new, false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return true;	/* BUSY went with the exchange */
		if (!busy) {
			word_test_and_set(w, EVTCHN_FIFO_BUSY);
			busy = true;
			old = __atomic_load_n(w, __ATOMIC_SEQ_CST);
		}
	}
	if (busy)
		word_clear(w, EVTCHN_FIFO_BUSY);
	if (try == SET_LINK_TRIES)
		pr_debug("evtchn fifo: port %u not linked, the guest kept changing the tail\n",
			 link);
	return try == SET_LINK_TRIES;
}

/*
 * Port has just been marked LINKED: append it to queue prio of vCPU fv.
 * True when it went behind a still-linked tail (HEAD and READY unchanged).
 */
static bool link_event(struct evtchn_fifo *f, struct fifo_vcpu *fv, unsigned int vcpu_id,
		       struct evtchn_fifo_port *fp, evtchn_port_t port, unsigned int prio)
{
	evtchn_port_t *old_tail = &f->vcpu[fp->last_vcpu].tail[fp->last_priority];
	evtchn_port_t *tail = &fv->tail[prio];
	event_word_t *tw;
	bool linked = false;

	/* Still the tail of the queue it was last on: that queue is empty now. */
	if (*old_tail == port)
		*old_tail = 0;
	fp->last_vcpu = vcpu_id;
	fp->last_priority = prio;
	tw = *tail ? word_of(f, *tail) : NULL;
	if (tw)
		linked = set_link(tw, port);
	if (!linked)
		__atomic_store_n(&fv->cb->head[prio], port, __ATOMIC_SEQ_CST);
	*tail = port;
	return linked;
}

static void set_pending(struct domain *d, struct evtchn_fifo *f, evtchn_port_t port)
{
	struct evtchn_fifo_port *fp = evtchn_fifo_port(d, port);
	struct vcpu *v = evtchn_notify_vcpu(d, port);
	struct fifo_vcpu *fv;
	event_word_t *w = word_of(f, port);
	bool was_pending, linked = true;
	unsigned int prio;

	if (!fp || !v)
		return;
	fv = &f->vcpu[v->vcpu_id];
	if (!w) {
		fp->pending = 1;	/* raised again when its array page comes */
		return;
	}
	spin_lock(&f->lock);
	/*
	 * No control block for the vCPU: dropped, its word left alone and
	 * no poller woken, as Xen 4.17 (the guest may not unmask an event
	 * before the vCPU has one). Setting PENDING delivered it later.
	 */
	if (!__atomic_load_n(&fv->cb, __ATOMIC_ACQUIRE)) {
		spin_unlock(&f->lock);
		return;
	}
	prio = fp->priority;
	was_pending = word_test_and_set(w, EVTCHN_FIFO_PENDING);
	if (!word_test(w, EVTCHN_FIFO_MASKED) && !word_test_and_set(w, EVTCHN_FIFO_LINKED))
		linked = link_event(f, fv, v->vcpu_id, fp, port, prio);
	if (!linked && !(__atomic_fetch_or(&fv->cb->ready, BIT(prio), __ATOMIC_SEQ_CST) &
			 BIT(prio)))
		evtchn_mark_upcall(v);
	spin_unlock(&f->lock);
	if (!was_pending)
		evtchn_poll_wake(v, port);
}

/* A reset that took the FIFO state meanwhile closed the port: dropped. */
void evtchn_fifo_set_pending(struct domain *d, evtchn_port_t port)
{
	struct evtchn_fifo *f = fifo_get(d);

	if (!f)
		return;
	set_pending(d, f, port);
	fifo_put(d);
}

/* Only PENDING: the guest unlinks and skips events no longer pending. */
void evtchn_fifo_clear_pending(struct domain *d, evtchn_port_t port)
{
	struct evtchn_fifo *f = fifo_get(d);
	event_word_t *w;

	if (!f)
		return;
	w = word_of(f, port);
	if (w)
		word_clear(w, EVTCHN_FIFO_PENDING);
	fifo_put(d);
}

void evtchn_fifo_unmask(struct domain *d, evtchn_port_t port)
{
	struct evtchn_fifo *f = fifo_get(d);
	event_word_t *w;

	if (!f)
		return;
	w = word_of(f, port);
	if (w) {
		word_clear(w, EVTCHN_FIFO_MASKED);
		if (word_test(w, EVTCHN_FIFO_PENDING))
			set_pending(d, f, port);
	}
	fifo_put(d);
}

bool evtchn_fifo_is_pending(const struct domain *d, evtchn_port_t port)
{
	struct evtchn_fifo *f = fifo_get(d);
	const event_word_t *w;
	bool pending;

	if (!f)
		return false;
	w = word_of(f, port);
	pending = w && word_test(w, EVTCHN_FIFO_PENDING);
	fifo_put(d);
	return pending;
}

uint32_t evtchn_fifo_word(const struct domain *d, evtchn_port_t port)
{
	struct evtchn_fifo *f = fifo_get(d);
	const event_word_t *w;
	uint32_t word;

	if (!f)
		return ~0U;
	w = word_of(f, port);
	word = w ? __atomic_load_n(w, __ATOMIC_SEQ_CST) : ~0U;
	fifo_put(d);
	return word;
}

/*
 * A frame of d's that we will write into: referenced and typed writable,
 * so it cannot become a page table or descriptor page meanwhile. -EINVAL
 * for a frame not d's or typed otherwise, as Xen answers.
 */
static int map_guest_frame(struct domain *d, uint64_t gfn, void **va)
{
	if (get_page_and_type(gfn, PGT_writable, d))
		return trace_err(-EINVAL);
	*va = frame_va(gfn);
	return 0;
}

static int map_control_block(struct domain *d, struct fifo_vcpu *fv, uint64_t gfn,
			     uint32_t offset)
{
	void *va;
	int rc;

	if (fv->cb)
		return trace_err(-EINVAL);	/* once per vCPU */
	rc = map_guest_frame(d, gfn, &va);
	if (rc)
		return rc;
	fv->cb_mfn = gfn;
	__atomic_store_n(&fv->cb, (struct evtchn_fifo_control_block *)((uint8_t *)va + offset),
			 __ATOMIC_RELEASE);
	return 0;
}

/*
 * The move from 2-level: ports already bound keep their binding, get the
 * default priority, and a pending one is raised again once its event
 * word exists (expand_array).
 */
static void move_ports(struct domain *d)
{
	const uint64_t *pending = d->shared_info->evtchn_pending;
	evtchn_port_t p;

	for (p = 1; p < NR_EVTCHN_PORTS; p++) {
		const struct evtchn *c = evtchn_from_port(d, p);
		struct evtchn_fifo_port *fp = evtchn_fifo_port(d, p);

		fp->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
		fp->pending = c && c->state != ECS_FREE && c->state != ECS_RESERVED &&
			      (pending[p / 64] & (1ULL << (p % 64)));
	}
}

long evtchn_fifo_init_control(struct domain *d, struct evtchn_init_control *op)
{
	struct evtchn_fifo *f = d->evtchn_fifo;
	mfn_t self, vcpus;
	int rc;

	op->link_bits = EVTCHN_FIFO_LINK_BITS;
	if (!domain_vcpu(d, op->vcpu))		/* and so below NR_FIFO_VCPUS */
		return trace_err(-ENOENT);
	op->vcpu = array_index_nospec(op->vcpu, NR_FIFO_VCPUS);
	if (op->offset > PAGE_SIZE - sizeof(struct evtchn_fifo_control_block) || (op->offset & 7))
		return trace_err(-EINVAL);
	if (f)
		return map_control_block(d, &f->vcpu[op->vcpu], op->control_gfn, op->offset);

	/* The first control block: an empty event array, then the switch. */
	self = alloc_frame();
	if (self == INVALID_MFN)
		return -ENOMEM;
	f = frame_va(self);
	spin_lock_init(&f->lock, LOCK_LEVEL_FIFO);
	f->self = self;
	vcpus = alloc_frames_contig(FIFO_VCPU_FRAMES);
	if (vcpus == INVALID_MFN) {
		free_frame(self);
		return -ENOMEM;
	}
	f->vcpu = frame_va(vcpus);
	f->vcpu_mfn = vcpus;
	rc = map_control_block(d, &f->vcpu[op->vcpu], op->control_gfn, op->offset);
	if (rc) {
		free_frames(vcpus, FIFO_VCPU_FRAMES);
		free_frame(self);
		return rc;
	}
	move_ports(d);
	__atomic_store_n(&d->evtchn_fifo, f, __ATOMIC_RELEASE);
	return 0;
}

long evtchn_fifo_expand_array(struct domain *d, const struct evtchn_expand_array *op)
{
	struct evtchn_fifo *f = d->evtchn_fifo;
	unsigned int n = f->nr_pages;
	evtchn_port_t p;
	void *va;
	int rc;

	if (n >= DIV_ROUND_UP(hv_opts.evtchn_fifo_max_ports, WORDS_PER_PAGE))
		return trace_err(-ENOSPC);
	rc = map_guest_frame(d, op->array_gfn, &va);
	if (rc)
		return rc;
	f->page[n] = va;
	f->mfn[n] = op->array_gfn;
	__atomic_store_n(&f->nr_pages, n + 1, __ATOMIC_RELEASE);

	/* Raise what was raised while these ports had no word. */
	for (p = n * WORDS_PER_PAGE; p < (n + 1) * WORDS_PER_PAGE; p++) {
		struct evtchn_fifo_port *fp = evtchn_fifo_port(d, p);

		if (!fp)
			break;
		if (fp->pending) {
			fp->pending = 0;
			evtchn_fifo_set_pending(d, p);
		}
	}
	return 0;
}

void evtchn_fifo_destroy(struct domain *d)
{
	struct evtchn_fifo *f = d->evtchn_fifo;
	unsigned int i;

	__atomic_store_n(&d->evtchn_fifo, NULL, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&d->evtchn_fifo_users, __ATOMIC_SEQ_CST))
		spin_relax();	/* a raise or unmask still using it */
	for (i = 0; i < NR_FIFO_VCPUS; i++)
		if (f->vcpu[i].cb)
			put_page_and_type(f->vcpu[i].cb_mfn, d);
	for (i = 0; i < f->nr_pages; i++)
		put_page_and_type(f->mfn[i], d);
	free_frames(f->vcpu_mfn, FIFO_VCPU_FRAMES);
	free_frame(f->self);
}

/*
 * Under d's port lock: the frame audit runs at any domain's shutdown,
 * while d's other vCPUs may be resetting it (the state freed) or growing
 * its array; grant_for_each_pin holds the grant lock the same way.
 */
void evtchn_fifo_for_each_frame(const struct domain *d, void (*fn)(mfn_t mfn, bool writable,
								  void *arg), void *arg)
{
	spinlock_t *lock = (spinlock_t *)&d->evtchn_lock;
	const struct evtchn_fifo *f;
	unsigned int i;

	spin_lock(lock);
	f = d->evtchn_fifo;
	for (i = 0; f && i < NR_FIFO_VCPUS; i++)
		if (f->vcpu[i].cb)
			fn(f->vcpu[i].cb_mfn, true, arg);
	for (i = 0; f && i < f->nr_pages; i++)
		fn(f->mfn[i], true, arg);
	spin_unlock(lock);
}
