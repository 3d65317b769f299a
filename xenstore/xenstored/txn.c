/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transactions: a private overlay over the committed store.
 *
 * Writes and deletes go to t->overlay (an in-memory tdb), reads look there
 * first. An explicit transaction (id != 0) also records in t->reads the
 * generation of every committed node it looked at, 0 for "absent"; commit
 * fails with -EAGAIN if any of those moved, which covers both "someone wrote
 * what I read" and "someone created what I found missing". Two transactions
 * adding children to one parent therefore conflict too: the parent's child
 * list is part of its record. Linux retries on EAGAIN, so that is safe.
 *
 * An implicit transaction (id 0) wraps one non-transactional request; it
 * records no reads and cannot conflict, it only makes the request atomic.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <tdb.h>
#include "xenstored.h"

static TDB_DATA key_of(const char *path)
{
	TDB_DATA k = { .dptr = (unsigned char *)path, .dsize = strlen(path) };

	return k;
}

static TDB_CONTEXT *mem_tdb(void)
{
	return tdb_open("txn", 127, TDB_INTERNAL, O_RDWR | O_CREAT, 0600);
}

struct txn *txn_new(struct conn *c, uint32_t id)
{
	struct txn *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->conn = c;
	t->id = id;
	t->events_tail = &t->events;
	if (id) {
		t->reads = mem_tdb();
		if (!t->reads) {
			free(t);
			return NULL;
		}
		wrl_ntxns++;
	}
	return t;
}

void txn_free(struct txn *t)
{
	if (!t)
		return;
	if (t->id)
		wrl_ntxns--;
	domain_memory_add(t->conn->domid, -t->charge);
	if (t->overlay)
		tdb_close(t->overlay);
	if (t->reads)
		tdb_close(t->reads);
	events_free(t->events);
	free(t);
}

struct txn *txn_find(struct conn *c, uint32_t id)
{
	struct txn *t;

	for (t = c->txns; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

/* What the transaction holds is charged to its connection's domain. */
static void charge(struct txn *t, long delta)
{
	t->charge += delta;
	domain_memory_add(t->conn->domid, delta);
}

/*
 * Remember the committed generation of @path the first time the
 * transaction reads or writes it. These are the nodes it touched: as Xen
 * 4.17 counts them (reads too), a domain's transaction may touch
 * quota.txn_nodes, then ENOSPC.
 */
static int note_read(struct txn *t, const char *path, uint64_t gen)
{
	TDB_DATA d = { .dptr = (unsigned char *)&gen, .dsize = sizeof(gen) };

	if (!t->reads || tdb_exists(t->reads, key_of(path)))
		return 0;
	if (!t->conn->privileged && t->touched >= quota.txn_nodes)
		return -ENOSPC;
	if (tdb_store(t->reads, key_of(path), d, TDB_INSERT))
		return -ENOMEM;
	t->touched++;
	charge(t, (long)(strlen(path) + sizeof(gen)));
	return 0;
}

int txn_get(struct txn *t, const char *path, struct node **out)
{
	int rc;

	if (t && t->overlay) {
		TDB_DATA d = tdb_fetch(t->overlay, key_of(path));

		if (d.dptr) {
			if (record_is_deleted(d.dptr, d.dsize))
				rc = -ENOENT;
			else
				rc = (*out = node_decode(path, d.dptr, d.dsize)) ? 0 : -EIO;
			free(d.dptr);
			return rc;
		}
	}
	rc = store_get(path, out);
	if (t && (rc == 0 || rc == -ENOENT)) {
		int nrc = note_read(t, path, rc ? 0 : (*out)->gen);

		if (nrc) {
			if (!rc)
				node_free(*out);
			return nrc;
		}
	}
	return rc;
}

/* Record one more touched node; unprivileged transactions are bounded. */
static int touch(struct txn *t, const char *path)
{
	int rc;

	if (t->reads && !tdb_exists(t->reads, key_of(path))) {
		rc = note_read(t, path, store_gen_of(path));
		if (rc)
			return rc;
	}
	if (!t->overlay) {
		t->overlay = mem_tdb();
		if (!t->overlay)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Store @buf (freed) as @path's record in the overlay. An explicit
 * transaction's copies are charged to its domain (a node written in Xen
 * 4.17's transaction is a copy in its database): a write that would take
 * the domain to its memory quota is EIO, Xen's answer (its node write
 * turns the quota's ENOMEM into EIO). A request's implicit transaction is
 * checked against the nodes' owners when it commits instead.
 */
static int overlay_store(struct txn *t, const char *path, void *buf, size_t len)
{
	TDB_DATA d = { .dptr = buf, .dsize = len }, old;
	long delta = 0;
	int rc;

	if (!buf)
		return -ENOMEM;
	if (t->id) {
		delta = record_charge(strlen(path), buf, len);
		old = tdb_fetch(t->overlay, key_of(path));
		if (old.dptr) {
			delta -= record_charge(strlen(path), old.dptr, old.dsize);
			free(old.dptr);
		}
		if (delta > 0 && domain_memory_over(t->conn->domid, delta)) {
			free(buf);
			return -EIO;
		}
	}
	rc = tdb_store(t->overlay, key_of(path), d, TDB_REPLACE) ? -ENOMEM : 0;
	free(buf);
	if (!rc)
		charge(t, delta);
	return rc;
}

int txn_put(struct txn *t, struct node *n)
{
	size_t len;
	void *buf;
	int rc;

	if (!t->conn->privileged && node_quota_size(n) >= quota.entry_size)
		return -ENOSPC;
	rc = touch(t, n->path);
	if (rc)
		return rc;
	if (!t->id)
		wrl_write(t->conn, false);	/* in a transaction: at its commit */
	buf = node_encode(n, &len);
	return overlay_store(t, n->path, buf, len);
}

int txn_del(struct txn *t, const char *path)
{
	size_t len;
	void *buf;
	int rc = touch(t, path);

	if (rc)
		return rc;
	if (!t->id)
		wrl_write(t->conn, false);
	buf = record_deleted(&len);
	return overlay_store(t, path, buf, len);
}

int txn_event(struct txn *t, const char *path, bool rm, const struct node *n,
	      const struct xs_perm *old, unsigned int nold)
{
	struct event *e = event_new(path, rm, n, old, nold);

	if (!e)
		return -ENOMEM;
	*t->events_tail = e;
	t->events_tail = &e->next;
	return 0;
}

static int check_read(TDB_CONTEXT *tdb, TDB_DATA k, TDB_DATA d, void *priv)
{
	char path[XENSTORE_ABS_PATH_MAX + 2];
	uint64_t gen;
	bool *conflict = priv;

	(void)tdb;
	if (k.dsize >= sizeof(path) || d.dsize != sizeof(gen)) {
		*conflict = true;
		return 1;
	}
	memcpy(path, k.dptr, k.dsize);
	path[k.dsize] = '\0';
	memcpy(&gen, d.dptr, sizeof(gen));
	if (store_gen_of(path) != gen) {
		*conflict = true;
		return 1;
	}
	return 0;
}

static int apply_one(TDB_CONTEXT *tdb, TDB_DATA k, TDB_DATA d, void *priv)
{
	char path[XENSTORE_ABS_PATH_MAX + 2];
	int *rc = priv;
	struct node *n;

	(void)tdb;
	if (k.dsize >= sizeof(path)) {
		*rc = -EIO;
		return 1;
	}
	memcpy(path, k.dptr, k.dsize);
	path[k.dsize] = '\0';
	if (record_is_deleted(d.dptr, d.dsize)) {
		*rc = store_del(path);
	} else {
		n = node_decode(path, d.dptr, d.dsize);
		*rc = n ? store_put(n) : -EIO;
		node_free(n);
	}
	return *rc != 0;
}

/* Per domain, the nodes and memory an overlay gives (or takes) once applied. */
struct owner_deltas {
	unsigned int n, max;
	struct owner_delta { unsigned int domid; int delta; long mem; } *d;
	int rc;
};

static void delta_add(struct owner_deltas *o, int domid, int v, long mem)
{
	unsigned int i;

	if (domid < 0 || (unsigned int)domid >= DOMID_FIRST_RESERVED)
		return;		/* no domain: counted for nobody, as in the store */
	for (i = 0; i < o->n; i++) {
		if (o->d[i].domid == (unsigned int)domid) {
			o->d[i].delta += v;
			o->d[i].mem += mem;
			return;
		}
	}
	if (o->n == o->max) {
		unsigned int max = o->max ? 2 * o->max : 8;
		struct owner_delta *d = realloc(o->d, max * sizeof(*d));

		if (!d) {
			o->rc = -ENOMEM;
			return;
		}
		o->d = d;
		o->max = max;
	}
	o->d[o->n++] = (struct owner_delta){ (unsigned int)domid, v, mem };
}

static int count_owner(TDB_CONTEXT *tdb, TDB_DATA k, TDB_DATA d, void *priv)
{
	char path[XENSTORE_ABS_PATH_MAX + 2];
	struct owner_deltas *o = priv;
	long old_charge;
	int old, new;

	(void)tdb;
	if (k.dsize >= sizeof(path)) {
		o->rc = -EIO;
		return 1;
	}
	memcpy(path, k.dptr, k.dsize);
	path[k.dsize] = '\0';
	if (path_is_special(path))
		return 0;	/* not counted (store.c) */
	old = store_owner_of(path, &old_charge);
	new = record_owner(d.dptr, d.dsize);
	delta_add(o, old, old != new ? -1 : 0, -old_charge);
	delta_add(o, new, old != new ? 1 : 0, record_charge(k.dsize, d.dptr, d.dsize));
	return o->rc != 0;
}

/*
 * The node quota once more when an explicit transaction ends, as Xen 4.17
 * does: each request checked the caller's domain against what is
 * committed, so two transactions open at once could each stay under the
 * quota and together pass it. A domain other than dom0 that the commit
 * gives nodes may not end with quota.nodes or more (Xen's ">=" here, where
 * a single request may reach the quota): -ENOSPC, nothing committed,
 * whoever commits. (Xen also refuses a commit that touches a domain already
 * over its quota without giving it nodes; such a domain may shrink here.)
 *
 * A request outside a transaction writes to its nodes' owners directly in
 * Xen 4.17, each write checked against the owner's memory quota, whoever
 * asks (dom0 too, for a domain's node): here its implicit transaction is,
 * as a whole, for each domain it charges more: -EIO, Xen's answer. An
 * explicit transaction's commit is not (Xen's neither): its copies were
 * charged to its domain while it was open.
 */
static int check_quotas(struct txn *t)
{
	struct owner_deltas o = { 0 };
	unsigned int i;

	if (!t->overlay)
		return 0;
	tdb_traverse(t->overlay, count_owner, &o);
	for (i = 0; !o.rc && i < o.n; i++) {
		const struct owner_delta *od = &o.d[i];
		const struct domain *d = domain_get(od->domid, false);
		long now = d ? d->nodes : 0;

		if (t->id && od->domid && od->delta > 0 && now + od->delta >= (long)quota.nodes)
			o.rc = -ENOSPC;
		if (!t->id && od->mem > 0 && domain_memory_over(od->domid, od->mem))
			o.rc = -EIO;
	}
	free(o.d);
	return o.rc;
}

/*
 * Validate, then commit: the conflict check reads only; after it passes
 * the overlay is applied in one store transaction. On success the events
 * move to *events for the caller to fire after its reply.
 */
int txn_commit(struct txn *t, struct event **events)
{
	bool conflict = false;
	int rc = 0;

	if (t->reads)
		tdb_traverse(t->reads, check_read, &conflict);
	if (conflict)
		return -EAGAIN;
	rc = check_quotas(t);
	if (rc)
		return rc;
	if (t->overlay) {
		rc = store_begin();
		if (rc)
			return rc;
		tdb_traverse(t->overlay, apply_one, &rc);
		if (rc) {
			log_msg("txn: applying transaction %u failed: %d", t->id, rc);
			store_abort();
			return rc;
		}
		rc = store_end();
		if (rc)
			return rc;
	}
	*events = t->events;
	t->events = NULL;
	t->events_tail = &t->events;
	return 0;
}
