/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Moving bytes between a shared store page and a connection
 * (docs/abi-devices.md §3.5). The guest writes the page concurrently, so each
 * index is read once, checked (prod - cons <= XENSTORE_RING_SIZE), and
 * request bytes are copied to private memory before anything parses them.
 * Barriers: read the producer index, then the data (acquire); write the
 * data, then publish the producer index (release).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "xenstored.h"

_Static_assert(sizeof(struct xenstore_domain_interface) == 2076, "store page layout");
_Static_assert(__builtin_offsetof(struct xenstore_domain_interface, req_cons) == 2048,
	       "store page layout");
_Static_assert(__builtin_offsetof(struct xenstore_domain_interface, error) == 2072,
	       "store page layout");

static uint32_t load(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/*
 * Consume the request bytes available and feed them to @c, until the ring
 * is empty or the connection is throttled (too many replies unread): the
 * rest then stays in the ring, req_cons not moved past it, and is read
 * when the guest has taken its replies. Returns 1 when something was
 * consumed (the caller notifies: the guest may be waiting for space), 0
 * when nothing was, -ERANGE for corrupt indices and -EPROTO for a message
 * the connection cannot frame.
 */
int ring_io_read(struct conn *c, struct xenstore_domain_interface *i)
{
	char buf[XENSTORE_RING_SIZE];
	int consumed = 0;

	while (!c->dead && !conn_is_throttled(c)) {
		XENSTORE_RING_IDX cons = load(&i->req_cons), prod = load(&i->req_prod);
		uint32_t avail = prod - cons, first, n;
		long used;

		if (avail > XENSTORE_RING_SIZE)
			return -ERANGE;
		if (!avail)
			break;
		first = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons);
		n = avail < first ? avail : first;
		memcpy(buf, i->req + MASK_XENSTORE_IDX(cons), n);
		if (avail > n)
			memcpy(buf + n, i->req, avail - n);
		used = conn_feed(c, buf, avail);
		if (used < 0)
			return -EPROTO;
		if (used)
			consumed = 1;
		if (load(&i->req_cons) != cons)
			break;	/* the ring was reset (re-introduced) meanwhile */
		store(&i->req_cons, cons + (uint32_t)used);
	}
	return consumed;
}

/*
 * Move queued output into the response ring as space allows: 1 if
 * anything went, 0 if not (nothing queued, or the ring full), -ERANGE for
 * corrupt indices (prod - cons past the ring), which Xen 4.17 also finds
 * only when it has something to write, and for which it gives the
 * connection up (its handle_output: XENSTORE_ERROR_RINGIDX).
 */
int ring_io_write(struct conn *c, struct xenstore_domain_interface *i)
{
	int wrote = 0;

	while (c->out_head) {
		struct outmsg *m = c->out_head;
		XENSTORE_RING_IDX cons = load(&i->rsp_cons), prod = load(&i->rsp_prod);
		uint32_t space, n, pos;

		if (prod - cons > XENSTORE_RING_SIZE)
			return -ERANGE;
		if (prod - cons == XENSTORE_RING_SIZE)
			break;		/* full */
		space = XENSTORE_RING_SIZE - (prod - cons);
		pos = MASK_XENSTORE_IDX(prod);
		n = m->len - m->off;
		if (n > space)
			n = space;
		if (n > XENSTORE_RING_SIZE - pos)
			n = XENSTORE_RING_SIZE - pos;
		memcpy(i->rsp + pos, m->buf + m->off, n);
		store(&i->rsp_prod, prod + n);
		conn_sent(c, n);
		wrote = 1;
	}
	return wrote;
}
