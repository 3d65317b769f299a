/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connections, whatever carries their bytes (Unix socket or shared ring).
 *
 * Input is framed here: bytes accumulate in c->in until a whole header and
 * its payload are present, then the message is processed before any more
 * input is looked at. A header announcing more than XENSTORE_PAYLOAD_MAX
 * cannot be resynchronised, so conn_feed() returns -EPROTO and the caller
 * closes the connection, as Xen does.
 *
 * Output is a queue of whole messages; the transport drains it. A client
 * that sends requests but never takes its replies must not grow the daemon
 * without bound (the class of XSA-326), so once a connection's queue holds
 * quota.outq bytes it is throttled: conn_feed() processes no further
 * request, and the transport keeps the unprocessed bytes (in the ring; for
 * a socket, at most one read's worth, the rest left in the socket) until
 * the client has taken enough replies. The queue is thus bounded by
 * quota.outq plus the output of one request. Watch
 * events, which other clients' writes cause, are not throttled but dropped
 * (and logged) when an unprivileged connection is over quota.
 *
 * As Xen 4.17, a watch event identical to one still queued is dropped,
 * and one queued for a domain (not dom0) is dropped if none of it went
 * out within quota.event_timeout seconds (conn_expire_events).
 * Xen 4.17's limits on a domain (not dom0) apply as well (domain.c):
 * what is queued counts against its memory quota: a watch event that
 * would reach it is dropped, a reply of more than 16 bytes is replaced by
 * ENOMEM (Xen queues its short answers, errors included, unchecked); and
 * its requests are not read while it is at its memory quota or has
 * quota.outstanding requests outstanding: answered, or causing watch
 * events, in a queue.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "xenstored.h"

struct conn *conn_list;

struct conn *conn_new(unsigned int domid, bool privileged, const char *name)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->domid = domid;
	c->privileged = privileged;
	c->fd = -1;
	c->out_tail = &c->out_head;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->next = conn_list;
	if (conn_list)
		conn_list->pprev = &c->next;
	c->pprev = &conn_list;
	conn_list = c;
	return c;
}

void conn_pending_put(struct pending *p)
{
	struct domain *d;

	if (!p || --p->refs)
		return;
	d = domain_get(p->domid, false);
	if (d && d->outstanding)
		d->outstanding--;
	free(p);
}

/* A request of @c's now outstanding for its domain; the caller's reference. */
struct pending *conn_pending_new(struct conn *c)
{
	struct pending *p = malloc(sizeof(*p));
	struct domain *d = domain_get(c->domid, true);

	if (!p)
		return NULL;
	p->domid = c->domid;
	p->refs = 1;
	if (d)
		d->outstanding++;
	return p;
}

/* The request every message queued from now on answers or was caused by. */
static struct pending *cause;

void conn_pending_set(struct pending *p)
{
	cause = p;
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Drop @c's watch events whose deadline is @now or past and of which
 * nothing was sent yet (Xen 4.17's check_event_timeout). Returns the
 * next deadline among those left, 0 if none. Deadlines grow along the
 * queue, so the walk ends at the first one still to come.
 */
uint64_t conn_expire_events(struct conn *c, uint64_t now)
{
	struct outmsg **pm = &c->out_head, *m;

	while (c->timed && (m = *pm)) {
		if (!m->deadline || m->off) {
			pm = &m->next;
		} else if (m->deadline > now) {
			return m->deadline;
		} else {
			log_debug("%s: watch event unread for %u s, dropped", c->name,
				  quota.event_timeout);
			conn_unqueue(c, pm);
		}
	}
	return 0;
}

/* Take message *@pm off @c's queue, whatever part of it went out. */
void conn_unqueue(struct conn *c, struct outmsg **pm)
{
	struct outmsg *m = *pm;
	struct domain *d = domain_get(m->domid, false);

	*pm = m->next;
	if (c->out_tail == &m->next)
		c->out_tail = pm;
	c->out_bytes -= m->len - m->off;
	c->timed -= m->deadline != 0;
	if (d)
		d->memory -= (long)m->len;
	conn_pending_put(m->pend);
	free(m);
}

static void drop_output(struct conn *c)
{
	while (c->out_head)
		conn_unqueue(c, &c->out_head);
}

/* Forget watches and open transactions: XS_RESET_WATCHES. */
void conn_reset_watches(struct conn *c)
{
	watch_del_all(c);
	while (c->txns) {
		struct txn *t = c->txns;

		c->txns = t->next;
		txn_free(t);
	}
	c->ntxns = 0;
}

/* That, and forget partial input and queued output. */
void conn_reset(struct conn *c)
{
	conn_reset_watches(c);
	c->in_used = 0;
	drop_output(c);
}

void conn_free(struct conn *c)
{
	struct domain *d = domain_get(c->domid, false);

	if (d && d->ring == c)
		d->ring = NULL;
	conn_reset(c);
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	if (c->fd >= 0)
		close(c->fd);
	free(c->stash);
	free(c);
}

/*
 * Is this event already queued for @c (its header and payload alike)?
 * Xen 4.17 then drops the new one, for every connection, but for the
 * special "@" events: a node written again and again before its watcher
 * reads costs one event.
 */
static bool event_queued(const struct conn *c, const struct xsd_sockmsg *hdr,
			 const void *payload)
{
	const struct outmsg *m;

	if (hdr->len && ((const char *)payload)[0] == '@')
		return false;
	for (m = c->out_head; m; m = m->next)
		if (!m->reply && m->len == sizeof(*hdr) + hdr->len &&
		    !memcmp(m->buf, hdr, sizeof(*hdr)) &&
		    !memcmp(m->buf + sizeof(*hdr), payload, hdr->len))
			return true;
	return false;
}

int conn_send(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
	      const void *payload, size_t len)
{
	struct xsd_sockmsg hdr = { type, req_id, tx_id, len };
	struct outmsg *m;
	struct domain *d;

	if (len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	if (type == XS_WATCH_EVENT && event_queued(c, &hdr, payload))
		return 0;
	if (type == XS_WATCH_EVENT && !c->privileged && c->out_bytes > quota.outq) {
		log_msg("%s: output queue full, watch event dropped", c->name);
		return -ENOSPC;
	}
	if ((type == XS_WATCH_EVENT || len > 16) &&
	    domain_memory_over(c->domid, (long)(sizeof(hdr) + len))) {
		if (type == XS_WATCH_EVENT) {
			log_debug("%s: memory quota reached, watch event dropped", c->name);
			return -ENOMEM;
		}
		hdr.type = type = XS_ERROR;
		hdr.len = len = sizeof("ENOMEM");
		payload = "ENOMEM";
	}
	m = malloc(sizeof(*m) + sizeof(hdr) + len);
	if (!m)
		return -ENOMEM;
	m->next = NULL;
	m->len = sizeof(hdr) + len;
	m->off = 0;
	m->domid = c->domid;
	m->reply = type != XS_WATCH_EVENT;
	m->deadline = 0;
	if (!m->reply && c->domid && quota.event_timeout) {
		m->deadline = now_ms() + 1000ULL * quota.event_timeout;
		c->timed++;
	}
	m->pend = cause;
	if (cause)
		cause->refs++;
	d = domain_get(c->domid, true);
	if (d)
		d->memory += (long)m->len;
	memcpy(m->buf, &hdr, sizeof(hdr));
	if (len)
		memcpy(m->buf + sizeof(hdr), payload, len);
	*c->out_tail = m;
	c->out_tail = &m->next;
	c->out_bytes += m->len;
	if (c->ring)
		ring_kick(c);
	return 0;
}

/*
 * The transport wrote @n more bytes of the head message. Returns true when
 * that message is complete (and freed), false while part of it remains.
 */
bool conn_sent(struct conn *c, size_t n)
{
	struct outmsg *m = c->out_head;

	m->off += n;
	c->out_bytes -= n;
	if (m->off < m->len)
		return false;
	conn_unqueue(c, &c->out_head);
	return true;
}

/*
 * Too many replies wait for @c, or its domain is at a limit of Xen's:
 * read none of its requests for now.
 */
bool conn_is_throttled(const struct conn *c)
{
	return c->out_bytes >= quota.outq || (!c->privileged && domain_stalled(c->domid));
}

/*
 * Consume up to @len bytes of input; process each complete message.
 * Returns the bytes consumed, fewer than @len when the connection became
 * throttled (the caller keeps the rest for later), or -EPROTO when the
 * stream is beyond repair: the connection is then marked dead and the
 * caller closes it.
 */
long conn_feed(struct conn *c, const void *buf, size_t len)
{
	const char *p = buf;

	while (len && !c->dead && !conn_is_throttled(c)) {
		size_t want = sizeof(c->hdr);
		size_t n;

		if (c->in_used >= sizeof(c->hdr))
			want += c->hdr.len;	/* checked when the header completed */
		n = want - c->in_used;
		if (n > len)
			n = len;
		memcpy(c->in + c->in_used, p, n);
		c->in_used += n;
		p += n;
		len -= n;
		if (c->in_used < sizeof(c->hdr))
			continue;
		if (c->hdr.len > XENSTORE_PAYLOAD_MAX) {
			log_msg("%s: message of %u bytes, closing", c->name, c->hdr.len);
			c->dead = true;
			return -EPROTO;
		}
		if (c->in_used == sizeof(c->hdr) + c->hdr.len) {
			struct xsd_sockmsg hdr = c->hdr;
			char body[XENSTORE_PAYLOAD_MAX + 1];

			memcpy(body, c->in + sizeof(hdr), hdr.len);
			body[hdr.len] = '\0';
			c->in_used = 0;
			process_msg(c, &hdr, body);
		}
	}
	return p - (const char *)buf;
}
