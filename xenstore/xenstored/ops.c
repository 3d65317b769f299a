/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One request: header checks, argument splitting, the op table, and the
 * node-level ops. Domain ops live in domain.c.
 *
 * A handler returns 0 with its reply in r->reply, or -errno; process_msg()
 * then commits the implicit transaction, queues the reply (or XS_ERROR with
 * the errno name), and only then fires the watch events, so a client sees
 * its "OK" before any event the request caused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xenstored.h"

enum {
	OP_PRIV = 1,	/* privileged connections only */
	OP_TXN = 2,	/* runs in the request's transaction */
	OP_MOD = 4,	/* modifies the store: implicit transaction if tx_id 0 */
	OP_TAIL = 8,	/* bytes after the last NUL ignored, as Xen 4.17 counts strings */
	OP_NOARGS = 16,	/* the payload is not looked at (Xen 4.17 neither) */
	OP_NOTID = 32,	/* the tx_id is not looked at; others must name one of ours */
};

static const struct { int err; const char *name; } errnames[] = {
#define X(e) { e, #e },
	XSD_ERRORS(X)
#undef X
};

const char *errno_name(int err)
{
	unsigned int i;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	return "EIO";
}

int reply_add(struct req *r, const void *p, size_t len)
{
	if (len > sizeof(r->reply) - r->rlen)
		return -E2BIG;
	memcpy(r->reply + r->rlen, p, len);
	r->rlen += len;
	return 0;
}

/* Append @s with its NUL. */
int reply_str(struct req *r, const char *s)
{
	return reply_add(r, s, strlen(s) + 1);
}

static int reply_ok(struct req *r)
{
	return reply_str(r, "OK");
}

/* Resolve argument @i as a node path (special paths only if allowed). */
static int arg_path(struct req *r, unsigned int i, bool special, char **out)
{
	if (i >= r->argc)
		return -EINVAL;
	return path_resolve(r->c, r->argv[i], special, out);
}

/* The whole payload is exactly one path. */
static int only_path(struct req *r, bool special, char **out)
{
	return r->argc == 1 ? arg_path(r, 0, special, out) : -EINVAL;
}

/* The node named by argument @i, if the caller has @want access to it. */
static int lookup_arg(struct req *r, unsigned int i, bool special, unsigned int want,
		      struct node **out)
{
	char *path;
	int rc = arg_path(r, i, special, &path);

	if (rc)
		return rc;
	rc = tree_lookup(r, path, want, out);
	free(path);
	return rc;
}

/* READ replies with the value, DIRECTORY with the child names. */
static int do_read_or_directory(struct req *r)
{
	struct node *n;
	int rc = r->argc == 1 ? lookup_arg(r, 0, false, PERM_READ, &n) : -EINVAL;

	if (rc)
		return rc;
	if (r->hdr.type == XS_READ)
		rc = reply_add(r, n->data, n->datalen);
	else
		rc = reply_add(r, n->children, n->childlen);
	node_free(n);
	return rc;
}

/* The value is everything after the path's NUL, possibly binary. */
static int do_write(struct req *r)
{
	size_t plen = strnlen(r->body, r->hdr.len);
	unsigned int vlen;
	struct node *n;
	char *path;
	int rc;

	if (plen == r->hdr.len)
		return -EINVAL;
	vlen = r->hdr.len - plen - 1;
	rc = path_resolve(r->c, r->body, false, &path);
	if (rc)
		return rc;
	rc = tree_lookup(r, path, PERM_WRITE, &n);
	if (rc == -ENOENT) {
		rc = tree_create(r, path, r->body + plen + 1, vlen);
	} else if (!rc) {
		rc = node_set_data(n, r->body + plen + 1, vlen);
		if (!rc)
			rc = txn_put(r->t, n);
		if (!rc)
			rc = txn_event(r->t, path, false, n, NULL, 0);
		node_free(n);
	}
	free(path);
	return rc ? rc : reply_ok(r);
}

static int do_mkdir(struct req *r)
{
	struct node *n;
	char *path;
	int rc = only_path(r, false, &path);

	if (rc)
		return rc;
	rc = tree_lookup(r, path, PERM_WRITE, &n);
	if (rc == -ENOENT)
		rc = tree_create(r, path, NULL, 0);
	else if (!rc)
		node_free(n);
	free(path);
	return rc ? rc : reply_ok(r);
}

/*
 * A missing node is fine if its parent exists (docs/abi-devices.md §3.2)
 * and the closest ancestor is writable. As Xen 4.17, the root is EINVAL
 * only for those who may write it.
 */
static int do_rm(struct req *r)
{
	struct node *n;
	char *path, *parent;
	int rc = only_path(r, false, &path);

	if (rc)
		return rc;
	rc = tree_lookup(r, path, PERM_WRITE, &n);
	if (!rc) {
		rc = strcmp(path, "/") ? tree_remove(r, n) : -EINVAL;
		node_free(n);
	} else if (rc == -ENOENT) {
		parent = path_parent(path);
		rc = parent ? txn_get(r->t, parent, &n) : -ENOMEM;
		if (!rc)
			node_free(n);
		free(parent);
	}
	free(path);
	return rc ? rc : reply_ok(r);
}

/*
 * "<gen>\0" then whole names from byte @off of the child list, as many as
 * fit, then "" when the list is exhausted. The client continues at
 * off + bytes of names received and restarts if gen changed.
 */
static int do_directory_part(struct req *r)
{
	unsigned long off;
	char gen[24];
	struct node *n;
	int rc;

	if (r->argc != 2)
		return -EINVAL;
	off = parse_atoi(r->argv[1]);	/* as Xen 4.17: "x" is 0, "-1" past the end */
	rc = lookup_arg(r, 0, false, PERM_READ, &n);
	if (rc)
		return rc;
	snprintf(gen, sizeof(gen), "%llu", (unsigned long long)n->gen);
	rc = reply_str(r, gen);
	while (!rc && off < n->childlen) {
		const char *name = n->children + off;
		size_t len = strnlen(name, n->childlen - off) + 1;

		/* keep one byte for the end marker */
		if (r->rlen + len + (off + len >= n->childlen) > sizeof(r->reply))
			break;
		rc = reply_add(r, name, len);
		off += len;
	}
	if (!rc && off >= n->childlen)
		rc = reply_str(r, "");
	node_free(n);
	return rc;
}

static int do_get_perms(struct req *r)
{
	struct node *n;
	/* no special node: Xen 4.17 takes it for a bad node name */
	int rc = r->argc == 1 ? lookup_arg(r, 0, false, PERM_READ, &n) : -EINVAL;

	if (rc)
		return rc;
	rc = perms_format(n->perms, n->nperms, r->reply, sizeof(r->reply));
	if (rc >= 0) {
		r->rlen = rc;
		rc = 0;
	}
	node_free(n);
	return rc;
}

/*
 * As Xen 4.17: too many entries from a domain is ENOSPC before anything
 * else is looked at; a domain must own the node (itself or its target as
 * entry 0: EACCES otherwise) and may not name another owner (EPERM).
 */
static int do_set_perms(struct req *r)
{
	struct xs_perm p[XS_PERMS_MAX];
	struct node *n;
	char *path;
	int rc;

	if (r->argc < 2)
		return -EINVAL;
	if (!r->c->privileged && r->argc - 1 > quota.perms)
		return -ENOSPC;
	rc = perms_parse(r->argv + 1, r->argc - 1, p);
	if (rc)
		return rc;
	domain_check_perms(p, r->argc - 1);
	if (p[0].perm & PERM_IGNORE)
		return -ENOENT;		/* no such owner (Xen 4.17, before the path) */
	rc = arg_path(r, 0, true, &path);
	if (rc)
		return rc;
	if (path_is_special(path) && strcmp(path, "@introduceDomain") &&
	    strcmp(path, "@releaseDomain"))
		rc = -EINVAL;		/* watchable, but no node (Xen 4.17) */
	else
		rc = tree_lookup(r, path, PERM_WRITE, &n);
	if (!rc) {
		struct xs_perm old[XS_PERMS_MAX];
		unsigned int nold = n->nperms;

		memcpy(old, n->perms, nold * sizeof(old[0]));
		if (!perms_owns(r->c, n->perms))
			rc = -EACCES;
		else if (!r->c->privileged && p[0].id != n->perms[0].id)
			rc = -EPERM;
		if (!rc)
			rc = node_set_perms(n, p, r->argc - 1);
		if (!rc)
			rc = txn_put(r->t, n);
		/* special nodes only fire on the domain events themselves */
		if (!rc && !path_is_special(path))
			rc = txn_event(r->t, path, false, n, old, nold);
		node_free(n);
	}
	free(path);
	return rc ? rc : reply_ok(r);
}

/* WATCH and UNWATCH: "<path>\0<token>\0"; the tx_id is ignored. */
static int do_watch_or_unwatch(struct req *r)
{
	char *path;
	int rc;

	if (r->argc != 2)
		return -EINVAL;
	rc = arg_path(r, 0, true, &path);
	if (rc)
		return rc;
	if (r->hdr.type == XS_WATCH)
		rc = watch_add(r->c, r->argv[0], path, r->argv[1], &r->new_watch);
	else
		rc = watch_del(r->c, path, r->argv[1]);
	free(path);
	return rc ? rc : reply_ok(r);
}

static int do_transaction_start(struct req *r)
{
	static uint32_t next_id;
	struct txn *t;
	char buf[16];

	if (r->hdr.tx_id)
		return -EBUSY;
	/* as Xen 4.17, whose ">" lets one more than the quota open */
	if (!r->c->privileged && r->c->ntxns > quota.transactions)
		return -ENOSPC;
	do {
		next_id++;
	} while (!next_id || txn_find(r->c, next_id));
	t = txn_new(r->c, next_id);
	if (!t)
		return -ENOMEM;
	t->next = r->c->txns;
	r->c->txns = t;
	r->c->ntxns++;
	snprintf(buf, sizeof(buf), "%u", t->id);
	return reply_str(r, buf);
}

static int do_transaction_end(struct req *r)
{
	struct txn **pt, *t = r->t;
	int rc = 0;

	if (r->argc != 1 || (strcmp(r->argv[0], "T") && strcmp(r->argv[0], "F")))
		return -EINVAL;
	if (!t)
		return -ENOENT;
	for (pt = &r->c->txns; *pt != t; pt = &(*pt)->next)
		;
	*pt = t->next;
	r->c->ntxns--;
	if (!strcmp(r->argv[0], "T"))
		rc = t->failed ? -ENOMEM : txn_commit(t, &r->events);
	if (!strcmp(r->argv[0], "T") && !rc)
		wrl_write(r->c, true);	/* its own still counts in wrl_ntxns */
	txn_free(t);
	r->t = NULL;
	return rc ? rc : reply_ok(r);
}

static int do_reset_watches(struct req *r)
{
	conn_reset_watches(r->c);
	return reply_ok(r);
}

/*
 * Control commands. "drop-privilege <domid>" is ours: it turns this
 * privileged connection into an ordinary one for <domid>, for good, so
 * tests can act as a guest over the socket.
 */
static int do_control(struct req *r)
{
	unsigned long domid;

	if (!r->argc)
		return -EINVAL;
	if (!strcmp(r->argv[0], "print") && r->argc == 2) {
		log_msg("%s: %s", r->c->name, r->argv[1]);
	} else if (!strcmp(r->argv[0], "log") && r->argc == 2) {
		log_verbose = !strcmp(r->argv[1], "on");
	} else if (!strcmp(r->argv[0], "drop-privilege") && r->argc == 2) {
		if (parse_uint(r->argv[1], DOMID_FIRST_RESERVED - 1, &domid) || !domid)
			return -EINVAL;
		if (r->c->txns || r->c->watches)
			return -EBUSY;
		r->c->domid = domid;
		r->c->privileged = false;
	} else if (!strcmp(r->argv[0], "check") && r->argc == 1) {
		long nodes = store_check();
		char buf[24];

		if (nodes < 0)
			return -EIO;
		snprintf(buf, sizeof(buf), "%ld", nodes);
		return reply_str(r, buf);
	} else {
		return -EINVAL;
	}
	return reply_ok(r);
}

static const struct op {
	int (*fn)(struct req *r);
	unsigned int flags;
	const char *name;
} ops[XS_TYPE_COUNT] = {
	[XS_CONTROL]		= { do_control, OP_PRIV, "CONTROL" },
	[XS_DIRECTORY]		= { do_read_or_directory, OP_TXN, "DIRECTORY" },
	[XS_READ]		= { do_read_or_directory, OP_TXN, "READ" },
	[XS_GET_PERMS]		= { do_get_perms, OP_TXN, "GET_PERMS" },
	[XS_WATCH]		= { do_watch_or_unwatch, OP_TAIL | OP_NOTID, "WATCH" },
	[XS_UNWATCH]		= { do_watch_or_unwatch, OP_TAIL | OP_NOTID, "UNWATCH" },
	[XS_TRANSACTION_START]	= { do_transaction_start, OP_NOARGS, "TRANSACTION_START" },
	[XS_TRANSACTION_END]	= { do_transaction_end, OP_TXN, "TRANSACTION_END" },
	[XS_INTRODUCE]		= { do_introduce, OP_PRIV, "INTRODUCE" },
	[XS_RELEASE]		= { do_release, OP_PRIV, "RELEASE" },
	[XS_GET_DOMAIN_PATH]	= { do_get_domain_path, 0, "GET_DOMAIN_PATH" },
	[XS_WRITE]		= { do_write, OP_TXN | OP_MOD, "WRITE" },
	[XS_MKDIR]		= { do_mkdir, OP_TXN | OP_MOD, "MKDIR" },
	[XS_RM]			= { do_rm, OP_TXN | OP_MOD, "RM" },
	[XS_SET_PERMS]		= { do_set_perms, OP_TXN | OP_MOD | OP_TAIL, "SET_PERMS" },
	[XS_IS_DOMAIN_INTRODUCED] = { do_is_domain_introduced, OP_PRIV, "IS_DOMAIN_INTRODUCED" },
	[XS_RESUME]		= { do_resume, OP_PRIV, "RESUME" },
	[XS_SET_TARGET]		= { do_set_target, OP_PRIV, "SET_TARGET" },
	[XS_RESET_WATCHES]	= { do_reset_watches, OP_NOARGS, "RESET_WATCHES" },
	[XS_DIRECTORY_PART]	= { do_directory_part, OP_TXN | OP_TAIL, "DIRECTORY_PART" },
};

/*
 * Split "a\0b\0" into argv; the payload must end in NUL unless empty, or
 * with @tail, whatever follows its last NUL is ignored.
 */
static int split_args(struct req *r, bool tail)
{
	unsigned int off = 0, len = r->hdr.len;

	if (tail)
		while (len && r->body[len - 1] != '\0')
			len--;
	if (!len)
		return 0;
	if (r->body[len - 1] != '\0')
		return -EINVAL;
	while (off < len) {
		if (r->argc == sizeof(r->argv) / sizeof(r->argv[0]))
			return -EINVAL;
		r->argv[r->argc++] = r->body + off;
		off += strlen(r->body + off) + 1;
	}
	return 0;
}

static int run_op(struct req *r, const struct op *op)
{
	struct txn *implicit = NULL;
	struct txn *t = NULL;
	int rc;

	/* Xen 4.17's order: privilege, then the transaction, then the payload */
	if ((op->flags & OP_PRIV) && !r->c->privileged)
		return -EACCES;
	if (!(op->flags & OP_NOTID) && r->hdr.tx_id) {
		t = txn_find(r->c, r->hdr.tx_id);
		if (!t)
			return -ENOENT;
	}
	/* WRITE carries a value that may hold NULs: it parses for itself */
	if (r->hdr.type != XS_WRITE && !(op->flags & OP_NOARGS)) {
		rc = split_args(r, op->flags & OP_TAIL);
		if (rc)
			return rc;
	}
	if (t && (op->flags & OP_TXN)) {
		r->t = t;
	} else if (op->flags & OP_MOD) {
		r->t = implicit = txn_new(r->c, 0);
		if (!implicit)
			return -ENOMEM;
	}
	rc = op->fn(r);
	if (implicit) {
		if (!rc)
			rc = txn_commit(implicit, &r->events);
		txn_free(implicit);
	}
	return rc;
}

void process_msg(struct conn *c, const struct xsd_sockmsg *hdr, const char *body)
{
	struct req *r = calloc(1, sizeof(*r));
	const struct op *op = NULL;
	struct pending *pend;
	struct event *e;
	int rc;

	if (!r) {
		conn_send(c, XS_ERROR, hdr->req_id, hdr->tx_id, "ENOMEM", 7);
		return;
	}
	r->c = c;
	r->hdr = *hdr;
	r->body = body;
	if (hdr->type < XS_TYPE_COUNT && ops[hdr->type].fn)
		op = &ops[hdr->type];
	rc = op ? run_op(r, op) : -ENOSYS;
	pend = conn_pending_new(c);
	log_debug("%s: %s %.40s tx %u -> %s", c->name, op ? op->name : "?",
		  hdr->len ? body : "", hdr->tx_id, rc ? errno_name(-rc) : "ok");
	/* the reply and the events it causes keep it outstanding, not a
	 * WATCH's initial event (Xen 4.17 neither) */
	conn_pending_set(pend);
	if (rc) {
		const char *name = errno_name(-rc);

		conn_send(c, XS_ERROR, hdr->req_id, hdr->tx_id, name, strlen(name) + 1);
	} else {
		conn_send(c, hdr->type, hdr->req_id, hdr->tx_id, r->reply, r->rlen);
	}
	conn_pending_set(NULL);
	if (r->new_watch)
		watch_send(c, r->new_watch, r->argv[0]);
	conn_pending_set(pend);
	for (e = r->events; e; e = e->next)
		watch_fire(e);
	conn_pending_set(NULL);
	conn_pending_put(pend);
	events_free(r->events);
	free(r);
}
