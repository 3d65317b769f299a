/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests of xenstored's core, linked against the daemon's objects
 * unmodified. Each case gets a fresh in-memory store and fake connections
 * (no transport): requests go in through conn_feed(), replies and events
 * are taken from the connection's output queue, and the tree is checked
 * for consistency after every case. The harness is tests/unit/unit.h:
 * one "PASS unit/xenstored/conn/<case>" or "FAIL ...: why" line per case.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <lamina/domctl.h>
#include <lamina/sched.h>
#include "xenstored.h"
#include "../../unit.h"

struct msg {
	struct xsd_sockmsg h;
	char b[XENSTORE_PAYLOAD_MAX + 1];
};

static struct conn *d0, *d5, *d6;
static const struct quota default_quota = {
	1000, 2048, 128, 10, 5, XENSTORE_REL_PATH_MAX, 1024, 1 << 20,
	2 * 1024 * 1024 + 512 * 1024, 20, 20
};

/* A check that ends the case when it fails (cond is evaluated once). */
#define CHECK(cond) do {						\
	if (!(cond)) {							\
		UNIT_FAIL(#cond);					\
		return;							\
	}								\
} while (0)

/* Pop the next queued message of @c; false when none. */
static bool pop(struct conn *c, struct msg *m)
{
	struct outmsg *o = c->out_head;

	if (!o)
		return false;
	memcpy(&m->h, o->buf, sizeof(m->h));
	memcpy(m->b, o->buf + sizeof(m->h), m->h.len);
	m->b[m->h.len] = '\0';
	conn_unqueue(c, &c->out_head);
	return true;
}

static void drain(struct conn *c)
{
	struct msg m;

	while (pop(c, &m))
		;
}

/* Send a raw message; returns conn_feed's result (bytes consumed). */
static long raw(struct conn *c, uint32_t type, uint32_t tx, const void *p, size_t len)
{
	char buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg h = { type, 77, tx, len };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), p, len);
	return conn_feed(c, buf, sizeof(h) + len);
}

/* Take the first queued message that is not a watch event. */
static bool pop_reply(struct conn *c, struct msg *m)
{
	struct outmsg **po, *o;

	for (po = &c->out_head; (o = *po); po = &o->next) {
		memcpy(&m->h, o->buf, sizeof(m->h));
		if (m->h.type == XS_WATCH_EVENT)
			continue;
		memcpy(m->b, o->buf + sizeof(m->h), m->h.len);
		m->b[m->h.len] = '\0';
		conn_unqueue(c, po);
		return true;
	}
	return false;
}

/*
 * Request with NUL-terminated string arguments (NULL-terminated list);
 * returns the reply in *m. Watch events stay queued, in order.
 */
static void vreq(struct conn *c, uint32_t type, uint32_t tx, struct msg *m, va_list ap)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t len = 0;
	const char *s;

	while ((s = va_arg(ap, const char *))) {
		memcpy(buf + len, s, strlen(s) + 1);
		len += strlen(s) + 1;
	}
	raw(c, type, tx, buf, len);
	memset(m, 0, sizeof(*m));
	m->h.type = XS_INVALID;
	pop_reply(c, m);
}

static struct msg last;

static struct msg *req(struct conn *c, uint32_t type, uint32_t tx, ...)
{
	va_list ap;

	va_start(ap, tx);
	vreq(c, type, tx, &last, ap);
	va_end(ap);
	return &last;
}

/* "ok" for a non-error reply, else the error name. */
static const char *res(struct msg *m)
{
	return m->h.type == XS_ERROR ? m->b : m->h.type == XS_INVALID ? "none" : "ok";
}

#define OK(m)		(!strcmp(res(m), "ok"))
#define ERR(m, e)	(!strcmp(res(m), e))

/* WRITE with an unterminated value; *err gets "ok" or the error name. */
static int write_err(struct conn *c, uint32_t tx, const char *path, const char *val,
		     char *err)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t plen = strlen(path) + 1;
	struct msg m;

	memcpy(buf, path, plen);
	memcpy(buf + plen, val, strlen(val));
	raw(c, XS_WRITE, tx, buf, plen + strlen(val));
	if (!pop_reply(c, &m))
		return -1;
	strcpy(err, m.h.type == XS_ERROR ? m.b : m.h.type == XS_WRITE ? "ok" : "?");
	return 0;
}

static bool write_val(struct conn *c, uint32_t tx, const char *path, const char *val)
{
	char err[16];

	return !write_err(c, tx, path, val, err) && !strcmp(err, "ok");
}

/* The value of @path as dom0 sees it, or the error name. */
static const char *readv(struct conn *c, uint32_t tx, const char *path)
{
	return req(c, XS_READ, tx, path, NULL)->b;
}

/* Next queued event's path and token, or false. */
static bool event(struct conn *c, const char *path, const char *token)
{
	struct msg m;

	if (!pop(c, &m) || m.h.type != XS_WATCH_EVENT || m.h.req_id)
		return false;
	return !strcmp(m.b, path) && !strcmp(m.b + strlen(m.b) + 1, token);
}

static bool no_event(struct conn *c)
{
	return c->out_head == NULL;
}

static uint32_t txn_start(struct conn *c)
{
	struct msg *m = req(c, XS_TRANSACTION_START, 0, "", NULL);

	return m->h.type == XS_TRANSACTION_START ? strtoul(m->b, NULL, 10) : 0;
}

static void setup(void)
{
	domain_info_hook = NULL;	/* no hypervisor unless a case says so */
	quota = default_quota;
	wrl_clock = now_ms;
	domain_reset_all();
	if (store_open(NULL))
		abort();
	d0 = conn_new(0, true, "dom0");
	d5 = conn_new(5, false, "dom5");
	d6 = conn_new(6, false, "dom6");
	/* a home for dom5 and dom6, as a toolstack would create it */
	write_val(d0, 0, "/local/domain/5/name", "five");
	req(d0, XS_SET_PERMS, 0, "/local/domain/5", "n5", NULL);
	req(d0, XS_SET_PERMS, 0, "/local/domain/5/name", "n5", NULL);
	req(d0, XS_MKDIR, 0, "/local/domain/6", NULL);
	req(d0, XS_SET_PERMS, 0, "/local/domain/6", "n6", NULL);
	drain(d0);
}

static void teardown(void)
{
	while (conn_list)
		conn_free(conn_list);
	store_close();
}

#define CHECKED_DOMS 100

/* Each committed node's charge, to its owner, from @path down. */
static void charge_tree(const char *path, long *want)
{
	struct node *n;
	unsigned int off;

	if (store_get(path, &n))
		return;
	if (n->perms[0].id < CHECKED_DOMS)
		want[n->perms[0].id] += node_charge(n);
	for (off = 0; off < n->childlen; off += strlen(n->children + off) + 1) {
		char child[XENSTORE_ABS_PATH_MAX + 2];

		snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") ? path : "",
			 n->children + off);
		charge_tree(child, want);
	}
	node_free(n);
}

/*
 * What every domain is charged (memory, outstanding replies) is what it
 * holds, recounted: nodes, watches, queued messages, open transactions.
 */
static void check_charges(void)
{
	static long want[CHECKED_DOMS];
	static unsigned int replies[CHECKED_DOMS];
	static const struct pending *pend[20000];
	unsigned int i, npend = 0;
	const struct conn *c;

	memset(want, 0, sizeof(want));
	memset(replies, 0, sizeof(replies));
	charge_tree("/", want);
	charge_tree("@introduceDomain", want);
	charge_tree("@releaseDomain", want);
	for (c = conn_list; c; c = c->next) {
		const struct watch *w;
		const struct outmsg *m;
		const struct txn *t;

		for (w = c->watches; w; w = w->next)
			want[c->domid] += strlen(w->path) + strlen(w->token);
		for (m = c->out_head; m; m = m->next) {
			unsigned int k;

			want[m->domid] += m->len;
			/* requests outstanding: each counted once */
			for (k = 0; k < npend && pend[k] != m->pend; k++)
				;
			if (!m->pend || k < npend || m->pend->domid >= CHECKED_DOMS)
				continue;
			if (npend == sizeof(pend) / sizeof(pend[0])) {
				UNIT_FAIL("check_charges: too many requests outstanding");
				return;
			}
			pend[npend++] = m->pend;
			replies[m->pend->domid]++;
		}
		for (t = c->txns; t; t = t->next)
			want[c->domid] += t->charge;
	}
	for (i = 0; i < CHECKED_DOMS; i++) {
		const struct domain *d = domain_get(i, false);

		EXPECT_EQ(d ? d->memory : 0, want[i]);
		EXPECT_EQ(d ? d->outstanding : 0, replies[i]);
	}
}

/* After each case: the tree is still consistent, then everything goes. */
static void check_and_teardown(void)
{
	if (store_check() < 0)
		UNIT_FAIL("store_check() found an inconsistent tree");
	check_charges();
	teardown();
}

/* ------------------------------------------------------------ cases */

static void read_write(void)
{
	CHECK(write_val(d0, 0, "/a/b/c", "hello"));
	CHECK(!strcmp(readv(d0, 0, "/a/b/c"), "hello"));
	CHECK(req(d0, XS_READ, 0, "/a/b/c", NULL)->h.len == 5);	/* no NUL */
	CHECK(!strcmp(readv(d0, 0, "/a/b"), ""));		/* ancestors empty */
	CHECK(write_val(d0, 0, "/a/b/c", "again"));
	CHECK(!strcmp(readv(d0, 0, "/a/b/c"), "again"));
	CHECK(ERR(req(d0, XS_READ, 0, "/a/nope", NULL), "ENOENT"));
	CHECK(write_val(d0, 0, "/a/empty", ""));
	CHECK(req(d0, XS_READ, 0, "/a/empty", NULL)->h.len == 0);
	/* relative paths are below /local/domain/<id> */
	CHECK(write_val(d5, 0, "rel", "x"));
	CHECK(!strcmp(readv(d0, 0, "/local/domain/5/rel"), "x"));
	CHECK(!strcmp(readv(d0, 0, "/local/domain/0/name"), "Domain-0"));
}

static void binary_value(void)
{
	const char val[] = { 'a', 0, 'b', (char)0xff };
	char buf[32] = "/bin";
	struct msg m;

	memcpy(buf + 5, val, sizeof(val));
	raw(d0, XS_WRITE, 0, buf, 5 + sizeof(val));
	CHECK(pop(d0, &m) && m.h.type == XS_WRITE && !strcmp(m.b, "OK") && m.h.len == 3);
	req(d0, XS_READ, 0, "/bin", NULL);
	CHECK(last.h.len == sizeof(val) && !memcmp(last.b, val, sizeof(val)));
}

static void bad_paths(void)
{
	static const char *const bad[] = {
		"/a//b", "/a/", "/a b", "/a/b.c", "", "/a/\x01", "@foo",
	};
	char longp[XENSTORE_ABS_PATH_MAX + 10];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(ERR(req(d0, XS_READ, 0, bad[i], NULL), "EINVAL"));
	memset(longp, 'x', sizeof(longp));
	longp[0] = '/';
	longp[XENSTORE_ABS_PATH_MAX + 1] = '\0';
	CHECK(ERR(req(d0, XS_MKDIR, 0, longp, NULL), "EINVAL"));
	longp[XENSTORE_ABS_PATH_MAX] = '\0';
	CHECK(OK(req(d0, XS_MKDIR, 0, longp, NULL)));
	CHECK(ERR(req(d0, XS_RM, 0, "/", NULL), "EINVAL"));
	CHECK(ERR(req(d0, XS_WRITE, 0, "@introduceDomain", "", NULL), "EINVAL"));
}

static void mkdir_rm_directory(void)
{
	CHECK(OK(req(d0, XS_MKDIR, 0, "/d/x", NULL)));
	CHECK(OK(req(d0, XS_MKDIR, 0, "/d/x", NULL)));	/* exists: fine */
	CHECK(write_val(d0, 0, "/d/y", "1"));
	CHECK(write_val(d0, 0, "/d/z/deep", "2"));
	req(d0, XS_DIRECTORY, 0, "/d", NULL);
	CHECK(last.h.len == 6 && !memcmp(last.b, "x\0y\0z\0", 6));
	CHECK(req(d0, XS_DIRECTORY, 0, "/d/y", NULL)->h.len == 0);
	CHECK(ERR(req(d0, XS_DIRECTORY, 0, "/nope", NULL), "ENOENT"));
	CHECK(OK(req(d0, XS_RM, 0, "/d/z", NULL)));
	CHECK(ERR(req(d0, XS_READ, 0, "/d/z/deep", NULL), "ENOENT"));
	CHECK(OK(req(d0, XS_RM, 0, "/d/z", NULL)));	/* parent exists */
	CHECK(ERR(req(d0, XS_RM, 0, "/d/z/q", NULL), "ENOENT"));
	req(d0, XS_DIRECTORY, 0, "/d", NULL);
	CHECK(last.h.len == 4 && !memcmp(last.b, "x\0y\0", 4));
	CHECK(OK(req(d0, XS_RM, 0, "/d", NULL)));
	CHECK(ERR(req(d0, XS_DIRECTORY, 0, "/d", NULL), "ENOENT"));
}

static void directory_part(void)
{
	char name[64], path[80];
	unsigned int i, off = 0, total = 0, got = 0;
	struct msg *m;

	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "child-with-a-longish-name-%03u", i);
		snprintf(path, sizeof(path), "/big/%s", name);
		CHECK(OK(req(d0, XS_MKDIR, 0, path, NULL)));
		total += strlen(name) + 1;
	}
	CHECK(ERR(req(d0, XS_DIRECTORY, 0, "/big", NULL), "E2BIG"));
	for (;;) {
		char offs[16];
		unsigned int p;

		snprintf(offs, sizeof(offs), "%u", off);
		m = req(d0, XS_DIRECTORY_PART, 0, "/big", offs, NULL);
		CHECK(OK(m) && m->h.len <= XENSTORE_PAYLOAD_MAX);
		p = strlen(m->b) + 1;		/* generation */
		if (m->h.len - p == 1 && m->b[p] == '\0')
			break;			/* just the end marker */
		while (p < m->h.len && m->b[p]) {
			got++;
			off += strlen(m->b + p) + 1;
			p += strlen(m->b + p) + 1;
		}
		if (p < m->h.len)
			break;			/* end marker after names */
	}
	CHECK(got == 300 && off == total);
}

static void perms_basic(void)
{
	struct msg *m;

	/* dom5 owns its home; new nodes there are owned by dom5 */
	CHECK(write_val(d5, 0, "/local/domain/5/data", "v"));
	m = req(d0, XS_GET_PERMS, 0, "/local/domain/5/data", NULL);
	CHECK(OK(m) && m->h.len == 3 && !strcmp(m->b, "n5"));
	/* dom6 cannot read it, nor learn whether names exist below it */
	CHECK(ERR(req(d6, XS_READ, 0, "/local/domain/5/data", NULL), "EACCES"));
	CHECK(ERR(req(d6, XS_READ, 0, "/local/domain/5/nope", NULL), "EACCES"));
	CHECK(ERR(req(d6, XS_DIRECTORY, 0, "/local/domain/5", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_READ, 0, "/local/domain/5/nope", NULL), "ENOENT"));
	/* nor write, create below, or remove */
	CHECK(ERR(req(d6, XS_WRITE, 0, "/local/domain/5/data", "x", NULL), "EACCES"));
	CHECK(ERR(req(d6, XS_MKDIR, 0, "/local/domain/5/new", NULL), "EACCES"));
	CHECK(ERR(req(d6, XS_RM, 0, "/local/domain/5/data", NULL), "EACCES"));
	/* dom0's tree is closed to guests */
	CHECK(ERR(req(d5, XS_READ, 0, "/local/domain/0/name", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_WRITE, 0, "/tool/x", "1", NULL), "EACCES"));
	/* grant dom6 read, then both */
	CHECK(OK(req(d5, XS_SET_PERMS, 0, "/local/domain/5/data", "n5", "r6", NULL)));
	CHECK(!strcmp(readv(d6, 0, "/local/domain/5/data"), "v"));
	CHECK(ERR(req(d6, XS_WRITE, 0, "/local/domain/5/data", "x", NULL), "EACCES"));
	CHECK(OK(req(d5, XS_SET_PERMS, 0, "/local/domain/5/data", "n5", "b6", NULL)));
	CHECK(write_val(d6, 0, "/local/domain/5/data", "six"));
	/* default letter applies to everybody unlisted */
	CHECK(OK(req(d5, XS_SET_PERMS, 0, "/local/domain/5/data", "r5", NULL)));
	CHECK(!strcmp(readv(d6, 0, "/local/domain/5/data"), "six"));
	/* only the owner may set perms, and may not give the node away */
	CHECK(ERR(req(d6, XS_SET_PERMS, 0, "/local/domain/5/data", "b6", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_SET_PERMS, 0, "/local/domain/5/data", "b6", NULL), "EPERM"));
	CHECK(ERR(req(d0, XS_SET_PERMS, 0, "/local/domain/5/data", "x5", NULL), "EINVAL"));
	CHECK(ERR(req(d0, XS_SET_PERMS, 0, "/local/domain/5/data", "r", NULL), "EINVAL"));
	CHECK(ERR(req(d0, XS_SET_PERMS, 0, "/local/domain/5/data", NULL), "EINVAL"));
}

static void perms_inherit(void)
{
	struct msg *m;

	/* dom0-created nodes keep the parent's list unchanged */
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/local/domain/6", "n6", "r5", NULL)));
	CHECK(write_val(d0, 0, "/local/domain/6/a/b", "x"));
	m = req(d0, XS_GET_PERMS, 0, "/local/domain/6/a/b", NULL);
	CHECK(OK(m) && m->h.len == 6 && !memcmp(m->b, "n6\0r5\0", 6));
	/* a guest's new nodes get the guest as owner, the rest inherited */
	CHECK(write_val(d6, 0, "/local/domain/6/c", "y"));
	m = req(d6, XS_GET_PERMS, 0, "/local/domain/6/c", NULL);
	CHECK(OK(m) && m->h.len == 6 && !memcmp(m->b, "n6\0r5\0", 6));
	CHECK(!strcmp(readv(d5, 0, "/local/domain/6/c"), "y"));
	/* a writable dir owned by dom0: dom5 creates, and owns, its node */
	CHECK(OK(req(d0, XS_MKDIR, 0, "/shared", NULL)));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/shared", "b0", NULL)));
	CHECK(write_val(d5, 0, "/shared/mine", "5"));
	m = req(d0, XS_GET_PERMS, 0, "/shared/mine", NULL);
	CHECK(OK(m) && !strcmp(m->b, "b5"));
}

static void watch_basic(void)
{
	struct msg m;

	/* the reply comes first, then the initial event */
	raw(d0, XS_WATCH, 0, "/w\0tok", 7);
	CHECK(pop(d0, &m) && m.h.type == XS_WATCH && !strcmp(m.b, "OK"));
	CHECK(event(d0, "/w", "tok"));
	CHECK(no_event(d0));
	CHECK(write_val(d5, 0, "/local/domain/5/x", "1"));
	CHECK(no_event(d0));
	CHECK(write_val(d0, 0, "/w", "1"));
	CHECK(event(d0, "/w", "tok"));
	CHECK(write_val(d0, 0, "/w/sub/deeper", "1"));
	CHECK(event(d0, "/w/sub/deeper", "tok"));
	CHECK(write_val(d0, 0, "/wx", "1"));		/* not a child of /w */
	CHECK(no_event(d0));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/w", "n0", "r5", NULL)));
	CHECK(event(d0, "/w", "tok"));
	CHECK(OK(req(d0, XS_MKDIR, 0, "/w", NULL)));	/* exists: no change */
	CHECK(no_event(d0));
	CHECK(ERR(req(d0, XS_WATCH, 0, "/w", "tok", NULL), "EEXIST"));
	CHECK(OK(req(d0, XS_WATCH, 0, "/w", "tok2", NULL)));
	CHECK(event(d0, "/w", "tok2"));
	CHECK(OK(req(d0, XS_UNWATCH, 0, "/w", "tok", NULL)));
	CHECK(ERR(req(d0, XS_UNWATCH, 0, "/w", "tok", NULL), "ENOENT"));
	CHECK(write_val(d0, 0, "/w", "2"));
	CHECK(event(d0, "/w", "tok2"));
	CHECK(no_event(d0));
	CHECK(ERR(req(d0, XS_WATCH, 0, "/w", NULL), "EINVAL"));
	CHECK(ERR(req(d0, XS_WATCH, 0, "/bad//path", "t", NULL), "EINVAL"));
}

static void watch_rm(void)
{
	CHECK(write_val(d0, 0, "/top/mid/leaf", "1"));
	CHECK(OK(req(d0, XS_WATCH, 0, "/top/mid/leaf", "leaf", NULL)));
	CHECK(OK(req(d0, XS_WATCH, 0, "/top", "top", NULL)));
	drain(d0);
	CHECK(OK(req(d0, XS_RM, 0, "/top/mid", NULL)));
	/* watch below: its own path; watch above: the removed path (in the
	 * order they were set, as Xen 4.17 goes through a connection's) */
	CHECK(event(d0, "/top/mid/leaf", "leaf"));
	CHECK(event(d0, "/top/mid", "top"));
	CHECK(no_event(d0));
}

static void watch_relative_and_perms(void)
{
	/* relative watch reports relative paths */
	CHECK(OK(req(d5, XS_WATCH, 0, "device", "dev", NULL)));
	CHECK(event(d5, "device", "dev"));
	CHECK(write_val(d0, 0, "/local/domain/5/device/vbd/768/state", "1"));
	CHECK(event(d5, "device/vbd/768/state", "dev"));
	/* a watcher that loses read access hears of that change, then nothing */
	CHECK(write_val(d5, 0, "/local/domain/5/shared", "1"));
	CHECK(OK(req(d5, XS_SET_PERMS, 0, "/local/domain/5/shared", "n5", "r6", NULL)));
	CHECK(OK(req(d6, XS_WATCH, 0, "/local/domain/5/shared", "sh", NULL)));
	CHECK(event(d6, "/local/domain/5/shared", "sh"));
	CHECK(write_val(d5, 0, "/local/domain/5/shared", "2"));
	CHECK(event(d6, "/local/domain/5/shared", "sh"));
	CHECK(OK(req(d5, XS_SET_PERMS, 0, "/local/domain/5/shared", "n5", NULL)));
	CHECK(event(d6, "/local/domain/5/shared", "sh"));
	CHECK(write_val(d5, 0, "/local/domain/5/shared", "3"));
	CHECK(no_event(d6));
	/* unprivileged watchers only see nodes they can read */
	CHECK(OK(req(d6, XS_WATCH, 0, "/local/domain/5", "spy", NULL)));
	CHECK(event(d6, "/local/domain/5", "spy"));	/* initial: always */
	CHECK(write_val(d5, 0, "/local/domain/5/secret", "x"));
	CHECK(no_event(d6));
	drain(d5);
	/* watch quota: E2BIG */
	quota.watches = 3;	/* d6 holds "spy" and "sh"; Xen 4.17 allows one more */
	CHECK(OK(req(d6, XS_WATCH, 0, "/a", "1", NULL)));
	CHECK(OK(req(d6, XS_WATCH, 0, "/b", "1", NULL)));
	CHECK(ERR(req(d6, XS_WATCH, 0, "/b", "2", NULL), "E2BIG"));
	CHECK(OK(req(d0, XS_WATCH, 0, "/b", "2", NULL)));	/* dom0 exempt */
}

static void special_watches(void)
{
	CHECK(OK(req(d0, XS_WATCH, 0, "@introduceDomain", "intro", NULL)));
	CHECK(OK(req(d0, XS_WATCH, 0, "@releaseDomain", "rel", NULL)));
	CHECK(OK(req(d5, XS_WATCH, 0, "@releaseDomain", "rel5", NULL)));
	CHECK(event(d0, "@introduceDomain", "intro"));
	CHECK(event(d0, "@releaseDomain", "rel"));
	CHECK(event(d5, "@releaseDomain", "rel5"));	/* initial one only */
	CHECK(OK(req(d0, XS_INTRODUCE, 0, "7", "1234", "5", NULL)));
	CHECK(event(d0, "@introduceDomain", "intro"));
	CHECK(no_event(d0));
	CHECK(OK(req(d0, XS_INTRODUCE, 0, "7", "1234", "6", NULL)));	/* again */
	CHECK(no_event(d0));
	CHECK(!strcmp(req(d0, XS_IS_DOMAIN_INTRODUCED, 0, "7", NULL)->b, "T"));
	CHECK(!strcmp(req(d0, XS_IS_DOMAIN_INTRODUCED, 0, "8", NULL)->b, "F"));
	CHECK(!strcmp(req(d0, XS_IS_DOMAIN_INTRODUCED, 0, "0", NULL)->b, "T"));
	CHECK(OK(req(d0, XS_RESUME, 0, "7", NULL)));
	CHECK(OK(req(d0, XS_RELEASE, 0, "7", NULL)));
	CHECK(event(d0, "@releaseDomain", "rel"));
	CHECK(no_event(d5));		/* n0 on the special node */
	CHECK(!strcmp(req(d0, XS_IS_DOMAIN_INTRODUCED, 0, "7", NULL)->b, "F"));
	CHECK(ERR(req(d0, XS_RELEASE, 0, "7", NULL), "ENOENT"));
	CHECK(ERR(req(d0, XS_RESUME, 0, "7", NULL), "ENOENT"));
	CHECK(ERR(req(d0, XS_RELEASE, 0, "0", NULL), "EINVAL"));
	/* granting read on the special node lets dom5 see it */
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "@releaseDomain", "n0", "r5", NULL)));
	CHECK(OK(req(d0, XS_INTRODUCE, 0, "9", "1", "1", NULL)));
	CHECK(OK(req(d0, XS_RELEASE, 0, "9", NULL)));
	CHECK(event(d5, "@releaseDomain", "rel5"));
}

/* The hypervisor as domain_release_gone() sees it, for domains 7 to 13. */
static bool dom12_dying, dom13_gone;

static int fake_info(unsigned int domid, uint32_t *flags)
{
	switch (domid) {
	case 12: *flags = dom12_dying ? DOMINF_dying :
		 DOMINF_shutdown | (SHUTDOWN_poweroff << DOMINF_SHUTDOWN_SHIFT);
		return 0;
	case 13: *flags = DOMINF_running; return dom13_gone ? -ESRCH : 0;
	case 7: return -ESRCH;					/* destroyed */
	case 8: *flags = DOMINF_running; return 0;
	case 9: *flags = DOMINF_shutdown | (SHUTDOWN_poweroff << DOMINF_SHUTDOWN_SHIFT);
		return 0;
	case 10: *flags = DOMINF_shutdown | (SHUTDOWN_suspend << DOMINF_SHUTDOWN_SHIFT);
		return 0;
	default: return -EIO;					/* could not ask */
	}
}

static bool introduced(const char *domid)
{
	return !strcmp(req(d0, XS_IS_DOMAIN_INTRODUCED, 0, domid, NULL)->b, "T");
}

/* VIRQ_DOM_EXC: the dead are released without a RELEASE, once each. */
static void release_gone(void)
{
	const char *ids[] = { "7", "8", "9", "10", "11" };
	unsigned int i;

	CHECK(domain_info_is_gone(false, 0));
	CHECK(domain_info_is_gone(true, DOMINF_dying));
	CHECK(domain_info_is_gone(true, DOMINF_shutdown |
				  (SHUTDOWN_poweroff << DOMINF_SHUTDOWN_SHIFT)));
	CHECK(domain_info_is_gone(true, DOMINF_shutdown |
				  (SHUTDOWN_crash << DOMINF_SHUTDOWN_SHIFT)));
	CHECK(!domain_info_is_gone(true, DOMINF_shutdown |
				   (SHUTDOWN_suspend << DOMINF_SHUTDOWN_SHIFT)));
	CHECK(!domain_info_is_gone(true, DOMINF_blocked));
	CHECK(!domain_info_is_gone(true, DOMINF_running));
	CHECK(OK(req(d0, XS_WATCH, 0, "@releaseDomain", "rel", NULL)));
	CHECK(event(d0, "@releaseDomain", "rel"));
	for (i = 0; i < 5; i++)
		CHECK(OK(req(d0, XS_INTRODUCE, 0, ids[i], "1", "1", NULL)));
	drain(d0);
	CHECK(domain_release_gone(fake_info) == 2);
	CHECK(event(d0, "@releaseDomain", "rel"));
	CHECK(no_event(d0));				/* one event for both */
	CHECK(!introduced("7") && introduced("8") && !introduced("9"));
	CHECK(introduced("10") && introduced("11"));
	CHECK(domain_release_gone(fake_info) == 0);	/* nothing new: no event */
	CHECK(no_event(d0));
	/* 10's suspend was told in the first event; after a RESUME, again */
	CHECK(OK(req(d0, XS_RESUME, 0, "10", NULL)));
	CHECK(domain_release_gone(fake_info) == 0);
	CHECK(event(d0, "@releaseDomain", "rel"));
	CHECK(no_event(d0));
	CHECK(introduced("10"));
	CHECK(domain_release_gone(fake_info) == 0);
	CHECK(no_event(d0));
	/*
	 * 9 is only shut down: a RESUME is answered OK, as Xen 4.17's (it
	 * keeps the connection until the domain is dying; a domain resumed
	 * may power off before its toolstack's RESUME comes), and the
	 * toolstack's RELEASE takes its nodes, once
	 */
	CHECK(OK(req(d0, XS_RESUME, 0, "9", NULL)));
	CHECK(!introduced("9"));
	CHECK(no_event(d0));
	CHECK(OK(req(d0, XS_RELEASE, 0, "9", NULL)));
	CHECK(ERR(req(d0, XS_RELEASE, 0, "9", NULL), "ENOENT"));
	CHECK(ERR(req(d0, XS_RESUME, 0, "9", NULL), "ENOENT"));
	CHECK(ERR(req(d0, XS_RELEASE, 0, "7", NULL), "ENOENT"));
	drain(d0);
}

static void domain_ops(void)
{
	struct msg *m = req(d5, XS_GET_DOMAIN_PATH, 0, "12", NULL);

	CHECK(OK(m) && !strcmp(m->b, "/local/domain/12") && m->h.len == 17);
	CHECK(ERR(req(d5, XS_INTRODUCE, 0, "7", "1", "1", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_RELEASE, 0, "7", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_IS_DOMAIN_INTRODUCED, 0, "0", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_SET_TARGET, 0, "5", "6", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_CONTROL, 0, "check", NULL), "EACCES"));
	CHECK(ERR(req(d0, XS_INTRODUCE, 0, "7", "1", NULL), "EINVAL"));
	CHECK(ERR(req(d0, XS_INTRODUCE, 0, "7", "1", "0", NULL), "EINVAL"));
	CHECK(ERR(req(d0, XS_INTRODUCE, 0, "99999", "1", "1", NULL), "EINVAL"));
	/* SET_TARGET: dom5 acts with dom6's rights */
	CHECK(OK(req(d0, XS_INTRODUCE, 0, "5", "1", "1", NULL)));
	CHECK(ERR(req(d5, XS_READ, 0, "/local/domain/6", NULL), "EACCES"));
	CHECK(OK(req(d0, XS_SET_TARGET, 0, "5", "6", NULL)));
	CHECK(OK(req(d5, XS_READ, 0, "/local/domain/6", NULL)));
	CHECK(OK(req(d0, XS_CONTROL, 0, "check", NULL)));
	CHECK(ERR(req(d0, XS_CONTROL, 0, "no-such-command", NULL), "EINVAL"));
}

static void txn_isolation(void)
{
	uint32_t t = txn_start(d0);

	CHECK(t != 0);
	CHECK(write_val(d0, 0, "/x", "before"));
	CHECK(OK(req(d0, XS_WATCH, 0, "/x", "w", NULL)));
	drain(d0);
	CHECK(write_val(d0, t, "/t/a", "1"));
	CHECK(!strcmp(readv(d0, t, "/t/a"), "1"));
	CHECK(ERR(req(d0, XS_READ, 0, "/t/a", NULL), "ENOENT"));
	CHECK(write_val(d0, t, "/x", "inside"));
	CHECK(!strcmp(readv(d0, 0, "/x"), "before"));
	CHECK(OK(req(d0, XS_RM, t, "/tool", NULL)));
	CHECK(ERR(req(d0, XS_READ, t, "/tool", NULL), "ENOENT"));
	CHECK(OK(req(d0, XS_READ, 0, "/tool", NULL)));
	CHECK(no_event(d0));				/* nothing fires yet */
	CHECK(OK(req(d0, XS_TRANSACTION_END, t, "T", NULL)));
	CHECK(event(d0, "/x", "w"));
	CHECK(no_event(d0));
	CHECK(!strcmp(readv(d0, 0, "/x"), "inside"));
	CHECK(!strcmp(readv(d0, 0, "/t/a"), "1"));
	CHECK(ERR(req(d0, XS_READ, 0, "/tool", NULL), "ENOENT"));
	/* the id is gone */
	CHECK(ERR(req(d0, XS_READ, t, "/x", NULL), "ENOENT"));
	CHECK(ERR(req(d0, XS_TRANSACTION_END, t, "T", NULL), "ENOENT"));
}

static void txn_conflict(void)
{
	uint32_t t1, t2;

	CHECK(write_val(d0, 0, "/c", "0"));
	/* a write by someone else to a node the transaction read */
	t1 = txn_start(d0);
	CHECK(!strcmp(readv(d0, t1, "/c"), "0"));
	CHECK(write_val(d0, t1, "/c", "t1"));
	CHECK(write_val(d6, 0, "/local/domain/6/other", "z"));	/* unrelated */
	CHECK(write_val(d0, 0, "/c", "outside"));
	CHECK(ERR(req(d0, XS_TRANSACTION_END, t1, "T", NULL), "EAGAIN"));
	CHECK(!strcmp(readv(d0, 0, "/c"), "outside"));
	CHECK(ERR(req(d0, XS_TRANSACTION_END, t1, "T", NULL), "ENOENT"));
	/* two transactions: the first commit wins */
	t1 = txn_start(d0);
	t2 = txn_start(d5);
	CHECK(t1 && t2 && t1 != t2);
	CHECK(write_val(d0, t1, "/local/domain/5/k", "a"));
	CHECK(write_val(d5, t2, "/local/domain/5/k", "b"));
	CHECK(OK(req(d5, XS_TRANSACTION_END, t2, "T", NULL)));
	CHECK(ERR(req(d0, XS_TRANSACTION_END, t1, "T", NULL), "EAGAIN"));
	CHECK(!strcmp(readv(d0, 0, "/local/domain/5/k"), "b"));
	/* something the transaction found missing appears meanwhile */
	t1 = txn_start(d0);
	CHECK(ERR(req(d0, XS_READ, t1, "/appears", NULL), "ENOENT"));
	CHECK(write_val(d0, t1, "/elsewhere", "1"));
	CHECK(write_val(d6, 0, "/local/domain/6/x", "1"));
	CHECK(write_val(d0, 0, "/appears", "1"));
	CHECK(ERR(req(d0, XS_TRANSACTION_END, t1, "T", NULL), "EAGAIN"));
	CHECK(ERR(req(d0, XS_READ, 0, "/elsewhere", NULL), "ENOENT"));
	/* disjoint transactions both commit */
	t1 = txn_start(d0);
	t2 = txn_start(d0);
	CHECK(write_val(d0, t1, "/c", "one"));
	CHECK(write_val(d0, t2, "/local/domain/0/name", "two"));
	CHECK(OK(req(d0, XS_TRANSACTION_END, t1, "T", NULL)));
	CHECK(OK(req(d0, XS_TRANSACTION_END, t2, "T", NULL)));
	/* abort discards */
	t1 = txn_start(d0);
	CHECK(write_val(d0, t1, "/c", "never"));
	CHECK(OK(req(d0, XS_TRANSACTION_END, t1, "F", NULL)));
	CHECK(!strcmp(readv(d0, 0, "/c"), "one"));
}

static void txn_errors(void)
{
	uint32_t t = txn_start(d5), i;

	CHECK(ERR(req(d5, XS_READ, 12345, "name", NULL), "ENOENT"));
	CHECK(ERR(req(d5, XS_TRANSACTION_START, t, "", NULL), "EBUSY"));
	CHECK(ERR(req(d5, XS_TRANSACTION_END, t, "X", NULL), "EINVAL"));
	CHECK(ERR(req(d5, XS_TRANSACTION_END, t, "T", "F", NULL), "EINVAL"));
	CHECK(ERR(req(d6, XS_TRANSACTION_END, t, "T", NULL), "ENOENT"));	/* not its own */
	CHECK(OK(req(d5, XS_TRANSACTION_END, t, "F", NULL)));
	for (i = 0; i < 11; i++)	/* Xen 4.17 lets one more than the quota open */
		CHECK(txn_start(d5) != 0);
	CHECK(ERR(req(d5, XS_TRANSACTION_START, 0, "", NULL), "ENOSPC"));
	CHECK(txn_start(d0) != 0);				/* dom0 exempt */
	CHECK(OK(req(d5, XS_RESET_WATCHES, 0, "", NULL)));
	CHECK(d5->ntxns == 0 && txn_start(d5) != 0);
}

static void quota_nodes(void)
{
	char path[64], err[16];
	int i;

	quota.nodes = 5;	/* dom5 already owns its home and name */
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/local/domain/5/n%d", i);
		CHECK(write_val(d5, 0, path, "x"));
	}
	CHECK(!write_err(d5, 0, "/local/domain/5/n3", "x", err) && !strcmp(err, "ENOSPC"));
	/* a multi-node create fails as a whole */
	CHECK(OK(req(d5, XS_RM, 0, "/local/domain/5/n2", NULL)));
	CHECK(!write_err(d5, 0, "/local/domain/5/p/q", "x", err) && !strcmp(err, "ENOSPC"));
	CHECK(ERR(req(d5, XS_READ, 0, "/local/domain/5/p", NULL), "ENOENT"));
	CHECK(write_val(d5, 0, "/local/domain/5/p", "x"));
	/* freed by removal; dom0 is exempt */
	CHECK(OK(req(d5, XS_RM, 0, "/local/domain/5/n0", NULL)));
	CHECK(write_val(d5, 0, "/local/domain/5/n9", "x"));
	for (i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "/dom0/n%d", i);
		CHECK(write_val(d0, 0, path, "x"));
	}
}

static void quota_sizes(void)
{
	char big[3000], err[16];
	unsigned int i;

	memset(big, 'v', sizeof(big));
	big[2100] = '\0';
	CHECK(!write_err(d5, 0, "/local/domain/5/big", big, err) && !strcmp(err, "ENOSPC"));
	CHECK(write_val(d0, 0, "/big", big));			/* dom0 exempt */
	big[1000] = '\0';
	CHECK(write_val(d5, 0, "/local/domain/5/ok", big));
	/* the boundary as Xen 4.17 counts it: 24 + 8 a permission + value < 2048 */
	memset(big, 'v', sizeof(big));
	big[2015] = '\0';
	CHECK(write_val(d5, 0, "/local/domain/5/edge", big));
	big[2015] = 'v';
	big[2016] = '\0';
	CHECK(!write_err(d5, 0, "/local/domain/5/edge", big, err) && !strcmp(err, "ENOSPC"));
	/* a second entry takes 8 more: too big for the value it holds */
	CHECK(ERR(req(d5, XS_SET_PERMS, 0, "/local/domain/5/edge", "n5", "r6", NULL), "ENOSPC"));
	CHECK(write_val(d5, 0, "/local/domain/5/edge", "x"));
	CHECK(OK(req(d5, XS_SET_PERMS, 0, "/local/domain/5/edge", "n5", "r6", NULL)));
	big[2007] = '\0';
	CHECK(write_val(d5, 0, "/local/domain/5/edge", big));
	big[2007] = 'v';
	big[2008] = '\0';
	CHECK(!write_err(d5, 0, "/local/domain/5/edge", big, err) && !strcmp(err, "ENOSPC"));
	big[1000] = '\0';
	/* permission entries */
	CHECK(ERR(req(d5, XS_SET_PERMS, 0, "/local/domain/5/ok", "n5", "r1", "r2",
		      "r3", "r4", "r6", NULL), "ENOSPC"));
	CHECK(OK(req(d5, XS_SET_PERMS, 0, "/local/domain/5/ok", "n5", "r1", "r2",
		     "r3", "r4", NULL)));
	/* relative path length beyond quota.path */
	for (i = 0; i < sizeof(big); i++)
		big[i] = i % 10 == 9 ? '/' : 'p';	/* short components */
	big[XENSTORE_REL_PATH_MAX + 1] = '\0';
	CHECK(ERR(req(d5, XS_MKDIR, 0, big, NULL), "EINVAL"));
	big[XENSTORE_REL_PATH_MAX] = '\0';
	CHECK(OK(req(d5, XS_MKDIR, 0, big, NULL)));
	/* nodes touched in one transaction */
	quota.txn_nodes = 2;
	{
		uint32_t t = txn_start(d5);

		CHECK(write_val(d5, t, "/local/domain/5/t1", "1"));	/* +parent */
		CHECK(!write_err(d5, t, "/local/domain/5/t2", "1", err) &&
		      !strcmp(err, "ENOSPC"));
	}
}

static void malformed(void)
{
	struct xsd_sockmsg h = { XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1 };
	struct msg m;
	char buf[64];
	unsigned int i;

	/* unknown and removed types */
	CHECK(ERR(req(d0, 20, 0, "x", NULL), "ENOSYS"));
	CHECK(ERR(req(d0, XS_TYPE_COUNT, 0, NULL), "ENOSYS"));
	CHECK(ERR(req(d0, 0xffff, 0, NULL), "ENOSYS"));
	CHECK(ERR(req(d0, XS_WATCH_EVENT, 0, "a", "b", NULL), "ENOSYS"));
	CHECK(ERR(req(d0, XS_ERROR, 0, NULL), "ENOSYS"));
	/* a string argument without its NUL */
	raw(d0, XS_READ, 0, "/local", 6);
	CHECK(pop(d0, &m) && m.h.type == XS_ERROR && !strcmp(m.b, "EINVAL"));
	raw(d0, XS_WRITE, 0, "/nonul", 6);
	CHECK(pop(d0, &m) && m.h.type == XS_ERROR && !strcmp(m.b, "EINVAL"));
	CHECK(ERR(req(d0, XS_READ, 0, NULL), "EINVAL"));		/* empty */
	CHECK(ERR(req(d0, XS_READ, 0, "/a", "/b", NULL), "EINVAL"));
	/* req_id and tx_id are echoed */
	raw(d0, XS_GET_DOMAIN_PATH, 0, "3", 2);
	CHECK(pop(d0, &m) && m.h.req_id == 77 && m.h.tx_id == 0);
	/* byte by byte framing */
	{
		struct xsd_sockmsg r = { XS_READ, 9, 0, 21 };

		memcpy(buf, &r, sizeof(r));
		memcpy(buf + sizeof(r), "/local/domain/0/name", 21);
		for (i = 0; i < sizeof(r) + 21; i++)
			CHECK(conn_feed(d0, buf + i, 1) == 1);
		CHECK(pop(d0, &m) && m.h.req_id == 9 && !strcmp(m.b, "Domain-0"));
	}
	/* a length beyond the payload limit is fatal for the connection */
	CHECK(conn_feed(d5, &h, sizeof(h)) == -EPROTO);
	/* two messages in one feed */
	{
		struct xsd_sockmsg a = { XS_GET_DOMAIN_PATH, 1, 0, 2 };
		struct xsd_sockmsg b = { XS_GET_DOMAIN_PATH, 2, 0, 2 };

		memcpy(buf, &a, 16);
		memcpy(buf + 16, "1", 2);
		memcpy(buf + 18, &b, 16);
		memcpy(buf + 34, "2", 2);
		CHECK(conn_feed(d6, buf, 36) == 36);
		CHECK(pop(d6, &m) && m.h.req_id == 1 && !strcmp(m.b, "/local/domain/1"));
		CHECK(pop(d6, &m) && m.h.req_id == 2 && !strcmp(m.b, "/local/domain/2"));
	}
}

static void drop_privilege(void)
{
	struct conn *c = conn_new(0, true, "sock");

	CHECK(ERR(req(c, XS_CONTROL, 0, "drop-privilege", "0", NULL), "EINVAL"));
	CHECK(OK(req(c, XS_CONTROL, 0, "drop-privilege", "5", NULL)));
	CHECK(!c->privileged && c->domid == 5);
	CHECK(ERR(req(c, XS_READ, 0, "/local/domain/0/name", NULL), "EACCES"));
	CHECK(!strcmp(readv(c, 0, "name"), "five"));
	CHECK(ERR(req(c, XS_CONTROL, 0, "drop-privilege", "0", NULL), "EACCES"));
}

/* The guest side of a store page, as Linux's xb_write/xb_read use it. */
static void guest_put(struct xenstore_domain_interface *i, const void *p, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		i->req[MASK_XENSTORE_IDX(i->req_prod + k)] = ((const char *)p)[k];
	i->req_prod += n;
}

static size_t guest_get(struct xenstore_domain_interface *i, char *p, size_t max)
{
	size_t k = 0;

	while (i->rsp_cons != i->rsp_prod && k < max)
		p[k++] = i->rsp[MASK_XENSTORE_IDX(i->rsp_cons++)];
	return k;
}

static void ring_io_wraps(void)
{
	struct xenstore_domain_interface *i = calloc(1, sizeof(*i));
	struct xsd_sockmsg h = { XS_READ, 42, 0, 5 }, r;
	char out[8192], path[64];
	size_t got = 0;
	int k;

	CHECK(i);
	/* indices near the end of the ring so header and payload wrap */
	i->req_cons = i->req_prod = i->rsp_cons = i->rsp_prod = 0xfffffff8u;
	guest_put(i, &h, sizeof(h));
	guest_put(i, "name", 5);
	CHECK(ring_io_read(d5, i) == 1 && i->req_cons == i->req_prod);
	CHECK(ring_io_read(d5, i) == 0);
	CHECK(ring_io_write(d5, i) && !d5->out_head);
	CHECK(guest_get(i, out, sizeof(out)) == sizeof(r) + 4);
	memcpy(&r, out, sizeof(r));
	CHECK(r.type == XS_READ && r.req_id == 42 && r.len == 4 && !memcmp(out + 16, "five", 4));
	/* a reply bigger than the ring goes out in pieces as the guest reads */
	for (k = 0; k < 100; k++) {
		snprintf(path, sizeof(path), "/local/domain/5/dir/entry-number-%03d", k);
		CHECK(write_val(d0, 0, path, ""));
	}
	h = (struct xsd_sockmsg){ XS_DIRECTORY, 43, 0, 4 };
	guest_put(i, &h, sizeof(h));
	guest_put(i, "dir", 4);
	CHECK(ring_io_read(d5, i) == 1);
	while (ring_io_write(d5, i) || i->rsp_prod != i->rsp_cons) {
		CHECK(i->rsp_prod - i->rsp_cons <= XENSTORE_RING_SIZE);
		got += guest_get(i, out + got, sizeof(out) - got);
	}
	memcpy(&r, out, sizeof(r));
	CHECK(r.type == XS_DIRECTORY && r.len == 100 * 17 && got == sizeof(r) + r.len);
	CHECK(!strcmp(out + 16, "entry-number-000") && !strcmp(out + 16 + 99 * 17, "entry-number-099"));
	/* corrupt indices from the guest */
	i->req_prod = i->req_cons + XENSTORE_RING_SIZE + 1;
	CHECK(ring_io_read(d5, i) == -ERANGE);
	i->req_prod = i->req_cons;
	i->rsp_prod = i->rsp_cons + 5000;
	CHECK(d5->out_head == NULL);
	raw(d5, XS_GET_DOMAIN_PATH, 0, "1", 2);
	CHECK(ring_io_write(d5, i) == -ERANGE && d5->out_head);
	i->rsp_prod = i->rsp_cons;
	/* a header announcing too much */
	h = (struct xsd_sockmsg){ XS_READ, 44, 0, XENSTORE_PAYLOAD_MAX + 1 };
	guest_put(i, &h, sizeof(h));
	CHECK(ring_io_read(d5, i) == -EPROTO);
	free(i);	/* leaked when a CHECK fails: fine for a failing test */
}

/*
 * A domU's SET_PERMS as Xen 4.17 answers it: too many entries is ENOSPC
 * before anything else, a node it does not own EACCES, another owner EPERM;
 * a domain with a target (a device model) owns its target's nodes.
 */
static void attack_set_perms(void)
{
	struct conn *d7 = conn_new(7, false, "dom7");

	CHECK(d7);
	CHECK(write_val(d5, 0, "/local/domain/5/data", "v"));
	CHECK(ERR(req(d6, XS_SET_PERMS, 0, "/local/domain/5/data", "n6", "r1", "r2", "r3",
		      "r4", "r5", NULL), "ENOSPC"));
	CHECK(ERR(req(d6, XS_SET_PERMS, 0, "/local/domain/5/data", "n5", "b6", NULL), "EACCES"));
	CHECK(ERR(req(d6, XS_SET_PERMS, 0, "/local/domain/5/data", "n6", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_SET_PERMS, 0, "/local/domain/5/data", "n0", NULL), "EPERM"));
	CHECK(ERR(req(d5, XS_SET_PERMS, 0, "/local/domain/0", "n5", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_SET_PERMS, 0, "/", "b5", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_SET_PERMS, 0, "@releaseDomain", "r5", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_SET_PERMS, 0, "@introduceDomain", "n5", NULL), "EACCES"));
	/* a listed writer ("b") is not an owner */
	CHECK(OK(req(d5, XS_SET_PERMS, 0, "/local/domain/5/data", "n5", "b6", NULL)));
	CHECK(write_val(d6, 0, "/local/domain/5/data", "six"));
	CHECK(ERR(req(d6, XS_SET_PERMS, 0, "/local/domain/5/data", "n5", "b6", "b7", NULL),
		  "EACCES"));
	/* dom7 serving dom5 */
	CHECK(ERR(req(d7, XS_SET_PERMS, 0, "/local/domain/5/data", "n5", NULL), "EACCES"));
	CHECK(OK(req(d0, XS_INTRODUCE, 0, "7", "1", "1", NULL)));
	CHECK(OK(req(d0, XS_INTRODUCE, 0, "5", "1", "1", NULL)));
	CHECK(OK(req(d0, XS_SET_TARGET, 0, "7", "5", NULL)));
	CHECK(OK(req(d7, XS_SET_PERMS, 0, "/local/domain/5/data", "n5", "r7", NULL)));
	CHECK(ERR(req(d7, XS_SET_PERMS, 0, "/local/domain/5/data", "n7", NULL), "EPERM"));
	CHECK(!strcmp(req(d0, XS_GET_PERMS, 0, "/local/domain/5/data", NULL)->b, "n5"));
	drain(d0);
}

/* Requests only the privileged may send, and what a domU gets instead. */
static void attack_privileged_types(void)
{
	/* (INTRODUCE, RELEASE, SET_TARGET, IS_DOMAIN_INTRODUCED: domain_ops) */
	CHECK(ERR(req(d5, XS_RESUME, 0, "6", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_CONTROL, 0, "drop-privilege", "6", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_CONTROL, 0, "log", "on", NULL), "EACCES"));
	CHECK(!d5->privileged && d5->domid == 5);
	/* another's path is only a name, as on Xen */
	CHECK(!strcmp(req(d5, XS_GET_DOMAIN_PATH, 0, "0", NULL)->b, "/local/domain/0"));
	/* any number, read as Xen 4.17 reads it (atoi) */
	CHECK(!strcmp(req(d5, XS_GET_DOMAIN_PATH, 0, "65535", NULL)->b, "/local/domain/65535"));
	CHECK(!strcmp(req(d5, XS_GET_DOMAIN_PATH, 0, "-1", NULL)->b, "/local/domain/4294967295"));
	CHECK(!strcmp(req(d5, XS_GET_DOMAIN_PATH, 0, " 12x", NULL)->b, "/local/domain/12"));
	CHECK(!strcmp(req(d5, XS_GET_DOMAIN_PATH, 0, "x", NULL)->b, "/local/domain/0"));
	CHECK(!strcmp(req(d5, XS_GET_DOMAIN_PATH, 0, "99999999999999999999", NULL)->b,
		      "/local/domain/4294967295"));
	CHECK(ERR(req(d5, XS_GET_DOMAIN_PATH, 0, "1", "2", NULL), "EINVAL"));
	/* paths that try to climb out, or carry what a path may not */
	CHECK(ERR(req(d5, XS_READ, 0, "../0/name", NULL), "EINVAL"));
	CHECK(ERR(req(d5, XS_READ, 0, "/local/domain/5/../0", NULL), "EINVAL"));
	CHECK(ERR(req(d5, XS_READ, 0, "/local/domain/0/./name", NULL), "EINVAL"));
	CHECK(ERR(req(d5, XS_READ, 0, "/local/domain/0/name", "x", NULL), "EINVAL"));
	CHECK(ERR(req(d5, XS_WRITE, 0, "/local/domain/5//x", "v", NULL), "EINVAL"));
	CHECK(ERR(req(d5, XS_MKDIR, 0, "", NULL), "EINVAL"));
	/* another connection's transaction is no transaction of this one */
	{
		uint32_t t = txn_start(d0);

		CHECK(t);
		CHECK(ERR(req(d5, XS_READ, t, "/local/domain/5/name", NULL), "ENOENT"));
		CHECK(ERR(req(d5, XS_WRITE, t, "/local/domain/5/name", "x", NULL), "ENOENT"));
		CHECK(ERR(req(d5, XS_TRANSACTION_END, t, "T", NULL), "ENOENT"));
		/* as Xen 4.17: every type but WATCH and UNWATCH looks the id up, */
		/* after the privilege check and before the payload */
		CHECK(ERR(req(d5, XS_GET_DOMAIN_PATH, t, "5", NULL), "ENOENT"));
		CHECK(ERR(req(d5, XS_TRANSACTION_START, t, "", NULL), "ENOENT"));
		CHECK(ERR(req(d0, XS_TRANSACTION_START, t, "", NULL), "EBUSY"));
		CHECK(ERR(req(d5, XS_RESET_WATCHES, t, "", NULL), "ENOENT"));
		CHECK(ERR(req(d5, XS_READ, t, "name", "junk", NULL), "ENOENT"));
		CHECK(ERR(req(d5, XS_INTRODUCE, t, "9", "1", "1", NULL), "EACCES"));
		CHECK(OK(req(d5, XS_WATCH, t, "name", "tx", NULL)));
		CHECK(OK(req(d5, XS_UNWATCH, t, "name", "tx", NULL)));
		CHECK(OK(req(d0, XS_TRANSACTION_END, t, "F", NULL)));
	}
	/* DIRECTORY_PART past the end: the generation and an empty list */
	{
		struct msg *m = req(d5, XS_DIRECTORY_PART, 0, "/local/domain/5", "4000000000",
				    NULL);

		CHECK(m->h.type == XS_DIRECTORY_PART);
		CHECK(m->h.len == strlen(m->b) + 2 && m->b[strlen(m->b) + 1] == '\0');
	}
}

/*
 * A guest's ring indices, whatever it writes: never more than the ring is
 * taken, an index pair further apart than the ring (ahead, behind, across
 * the 2^32 wrap) stops the connection with -ERANGE, and a message that never
 * completes costs one connection buffer and nothing else.
 */
static void attack_ring_indices(void)
{
	static const uint32_t bases[] = { 0, 0x7ffffffcu, 0xfffffc00u, 0xfffffffeu };
	struct xenstore_domain_interface *i = calloc(1, sizeof(*i));
	struct xsd_sockmsg h = { XS_READ, 50, 0, 5 }, r;
	char out[256];
	size_t left, n;
	unsigned int k;

	CHECK(i);
	for (k = 0; k < sizeof(bases) / sizeof(bases[0]); k++) {
		uint32_t b = bases[k];

		i->req_cons = b;
		i->req_prod = b + XENSTORE_RING_SIZE + 1;		/* far ahead */
		CHECK(ring_io_read(d5, i) == -ERANGE && i->req_cons == b);
		i->req_prod = b - 1;					/* behind */
		CHECK(ring_io_read(d5, i) == -ERANGE && i->req_cons == b);
		i->req_prod = b + 0x80000000u;
		CHECK(ring_io_read(d5, i) == -ERANGE && i->req_cons == b);
		i->req_prod = b;
		CHECK(ring_io_read(d5, i) == 0);
	}
	CHECK(!d5->out_head && d5->in_used == 0);
	/* a full ring of garbage that is one message's header and part of its body */
	i->req_cons = i->req_prod = i->rsp_cons = i->rsp_prod = 0xfffffe00u;
	h.len = XENSTORE_PAYLOAD_MAX;
	guest_put(i, &h, sizeof(h));
	memset(out, 'a', sizeof(out));
	for (k = 0; k < (XENSTORE_RING_SIZE - sizeof(h)) / sizeof(out); k++)
		guest_put(i, out, sizeof(out));
	CHECK(ring_io_read(d5, i) == 1 && i->req_cons == i->req_prod);
	CHECK(!d5->out_head && d5->in_used > XENSTORE_RING_SIZE / 2);
	CHECK(ring_io_read(d5, i) == 0);
	/* the others are served meanwhile */
	CHECK(!strcmp(readv(d6, 0, "/local/domain/6"), ""));
	/* finishing it with a path without its NUL: EINVAL, the stream in step */
	for (left = sizeof(h) + XENSTORE_PAYLOAD_MAX - d5->in_used; left; left -= n) {
		n = left < sizeof(out) ? left : sizeof(out);
		guest_put(i, out, n);
		CHECK(ring_io_read(d5, i) == 1);
	}
	CHECK(ring_io_write(d5, i));
	CHECK(guest_get(i, out, sizeof(out)) == sizeof(r) + 7);
	memcpy(&r, out, sizeof(r));
	CHECK(r.type == XS_ERROR && r.req_id == 50 && !strcmp(out + sizeof(r), "EINVAL"));
	h = (struct xsd_sockmsg){ XS_READ, 51, 0, 5 };
	guest_put(i, &h, sizeof(h));
	guest_put(i, "name", 5);
	CHECK(ring_io_read(d5, i) == 1 && ring_io_write(d5, i));
	CHECK(guest_get(i, out, sizeof(out)) == sizeof(r) + 4 && !memcmp(out + 16, "five", 4));
	/* a response ring whose consumer runs ahead or behind takes nothing
	 * and is corrupt (ring.c then gives the connection up, as Xen 4.17);
	 * one exactly full only waits */
	i->rsp_cons = i->rsp_prod + 1;
	raw(d5, XS_GET_DOMAIN_PATH, 0, "1", 2);
	CHECK(ring_io_write(d5, i) == -ERANGE && d5->out_head);
	i->rsp_cons = i->rsp_prod - XENSTORE_RING_SIZE - 1;
	CHECK(ring_io_write(d5, i) == -ERANGE && d5->out_head);
	i->rsp_cons = i->rsp_prod - XENSTORE_RING_SIZE;
	CHECK(ring_io_write(d5, i) == 0 && d5->out_head);
	i->rsp_cons = i->rsp_prod;
	CHECK(ring_io_write(d5, i) == 1 && !d5->out_head);
	free(i);
}

/*
 * Two transactions open at once, each under the node quota, used to pass
 * it together: each request checks what is committed. Now, as Xen 4.17,
 * a commit may not leave a domain it gives nodes with quota.nodes or more.
 */
static void attack_txn_node_quota(void)
{
	char path[64], err[16];
	uint32_t t1, t2, t3;
	int k;

	quota.nodes = 10;	/* dom5 owns its home and name */
	CHECK(OK(req(d5, XS_MKDIR, 0, "a", NULL)) && OK(req(d5, XS_MKDIR, 0, "b", NULL)));
	t1 = txn_start(d5);
	t2 = txn_start(d5);
	CHECK(t1 && t2);
	for (k = 0; k < 3; k++) {
		snprintf(path, sizeof(path), "a/%d", k);
		CHECK(OK(req(d5, XS_MKDIR, t1, path, NULL)));
		snprintf(path, sizeof(path), "b/%d", k);
		CHECK(OK(req(d5, XS_MKDIR, t2, path, NULL)));
	}
	CHECK(OK(req(d5, XS_TRANSACTION_END, t1, "T", NULL)));		/* 7 */
	CHECK(ERR(req(d5, XS_TRANSACTION_END, t2, "T", NULL), "ENOSPC"));	/* 10 */
	CHECK(ERR(req(d5, XS_READ, 0, "b/0", NULL), "ENOENT"));
	CHECK(domain_get(5, false)->nodes == 7);
	/* Xen's ">=" at the end: 2 more commit, a third in one transaction does not */
	t3 = txn_start(d5);
	CHECK(OK(req(d5, XS_MKDIR, t3, "b/0", NULL)) && OK(req(d5, XS_MKDIR, t3, "b/1", NULL)));
	CHECK(OK(req(d5, XS_TRANSACTION_END, t3, "T", NULL)));
	t3 = txn_start(d5);
	CHECK(OK(req(d5, XS_MKDIR, t3, "b/2", NULL)));
	CHECK(ERR(req(d5, XS_TRANSACTION_END, t3, "T", NULL), "ENOSPC"));
	/* a single request may still reach it, and shrinking is always fine */
	CHECK(write_val(d5, 0, "/local/domain/5/b/2", "x"));
	CHECK(domain_get(5, false)->nodes == 10);
	CHECK(!write_err(d5, 0, "/local/domain/5/b/3", "x", err) && !strcmp(err, "ENOSPC"));
	t3 = txn_start(d5);
	CHECK(OK(req(d5, XS_RM, t3, "a", NULL)));
	CHECK(OK(req(d5, XS_TRANSACTION_END, t3, "T", NULL)));
	CHECK(domain_get(5, false)->nodes == 6);
	/* dom0 giving dom6 nodes in a transaction is held to dom6's quota too */
	t3 = txn_start(d0);
	for (k = 0; k < 9; k++) {
		snprintf(path, sizeof(path), "/local/domain/6/g%d", k);
		CHECK(OK(req(d0, XS_MKDIR, t3, path, NULL)));
		CHECK(OK(req(d0, XS_SET_PERMS, t3, path, "n6", NULL)));
	}
	CHECK(ERR(req(d0, XS_TRANSACTION_END, t3, "T", NULL), "ENOSPC"));
	CHECK(domain_get(6, false)->nodes == 1);
}

/*
 * A node whose owner SET_PERMS changes inside a transaction counts for its
 * new owner from the commit on (Xen 4.17's transaction_fix_domains), and
 * the commit is held to the new owner's quota: ENOSPC, nothing moved.
 */
static void txn_node_quota_owner_move(void)
{
	char path[64];
	uint32_t t;
	int k;

	quota.nodes = 10;
	for (k = 0; k < 8; k++) {	/* dom5: its home, name and 8 = 10 */
		snprintf(path, sizeof(path), "/local/domain/5/n%d", k);
		CHECK(write_val(d5, 0, path, "x"));
	}
	CHECK(domain_get(5, false)->nodes == 10 && domain_get(6, false)->nodes == 1);
	t = txn_start(d0);
	for (k = 0; k < 3; k++) {
		snprintf(path, sizeof(path), "/local/domain/5/n%d", k);
		CHECK(OK(req(d0, XS_SET_PERMS, t, path, "n6", "r5", NULL)));
	}
	/* nothing moves before the commit */
	CHECK(domain_get(5, false)->nodes == 10 && domain_get(6, false)->nodes == 1);
	CHECK(OK(req(d0, XS_TRANSACTION_END, t, "T", NULL)));
	CHECK(domain_get(5, false)->nodes == 7 && domain_get(6, false)->nodes == 4);
	/* dom5 has room again, dom6 is charged: its own node count is 4 */
	CHECK(write_val(d5, 0, "/local/domain/5/more", "x"));
	CHECK(domain_get(5, false)->nodes == 8);
	/* six more for dom6 would make 10 of a quota of 10 */
	t = txn_start(d0);
	for (k = 3; k < 8; k++) {
		snprintf(path, sizeof(path), "/local/domain/5/n%d", k);
		CHECK(OK(req(d0, XS_SET_PERMS, t, path, "n6", NULL)));
	}
	CHECK(OK(req(d0, XS_SET_PERMS, t, "/local/domain/5/more", "n6", NULL)));
	CHECK(ERR(req(d0, XS_TRANSACTION_END, t, "T", NULL), "ENOSPC"));
	CHECK(domain_get(5, false)->nodes == 8 && domain_get(6, false)->nodes == 4);
	CHECK(!strcmp(req(d0, XS_GET_PERMS, 0, "/local/domain/5/n3", NULL)->b, "n5"));
	/* five of them do fit (9), and a node given back moves back */
	t = txn_start(d0);
	for (k = 3; k < 8; k++) {
		snprintf(path, sizeof(path), "/local/domain/5/n%d", k);
		CHECK(OK(req(d0, XS_SET_PERMS, t, path, "n6", NULL)));
	}
	CHECK(OK(req(d0, XS_SET_PERMS, t, "/local/domain/5/n0", "n5", NULL)));
	CHECK(OK(req(d0, XS_TRANSACTION_END, t, "T", NULL)));
	CHECK(domain_get(5, false)->nodes == 4 && domain_get(6, false)->nodes == 8);
	/* and the new owner's own requests see it: dom6 may remove them */
	CHECK(OK(req(d6, XS_RM, 0, "/local/domain/5/n3", NULL)));
	CHECK(domain_get(5, false)->nodes == 4 && domain_get(6, false)->nodes == 7);
}

/*
 * A missing node's error, as Xen 4.17 decides it: by the closest
 * ancestor's permission for what was asked (read for a read, write for a
 * change), so RM of a missing node in a directory a domain may only read
 * is EACCES, and in one it may only write is fine. The root: EACCES for a
 * domain, EINVAL for dom0.
 */
static void attack_missing_nodes(void)
{
	CHECK(write_val(d0, 0, "/ro/x", "1") && write_val(d0, 0, "/wo/x", "1"));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/ro", "n0", "r5", NULL)));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/wo", "n0", "w5", NULL)));
	CHECK(ERR(req(d5, XS_READ, 0, "/ro/gone", NULL), "ENOENT"));
	CHECK(ERR(req(d5, XS_RM, 0, "/ro/gone", NULL), "EACCES"));	/* was OK */
	CHECK(ERR(req(d5, XS_SET_PERMS, 0, "/ro/gone", "n5", NULL), "EACCES"));	/* was ENOENT */
	CHECK(ERR(req(d5, XS_MKDIR, 0, "/ro/gone", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_READ, 0, "/wo/gone", NULL), "EACCES"));
	CHECK(OK(req(d5, XS_RM, 0, "/wo/gone", NULL)));			/* was EACCES */
	CHECK(ERR(req(d5, XS_RM, 0, "/wo/gone/deeper", NULL), "ENOENT"));
	CHECK(ERR(req(d5, XS_SET_PERMS, 0, "/wo/gone", "n5", NULL), "ENOENT"));
	CHECK(ERR(req(d5, XS_RM, 0, "/", NULL), "EACCES"));		/* was EINVAL */
	CHECK(ERR(req(d0, XS_RM, 0, "/", NULL), "EINVAL"));
	CHECK(!strcmp(readv(d0, 0, "/ro/x"), "1") && !strcmp(readv(d0, 0, "/wo/x"), "1"));
}

/*
 * "@" paths as Xen 4.17 takes them: any "@..." up to XENSTORE_REL_PATH_MAX
 * may be watched (only the two domain events ever fire); SET_PERMS knows
 * only those two, GET_PERMS none (a bad node name).
 */
static void attack_special_paths(void)
{
	char longp[XENSTORE_REL_PATH_MAX + 2];

	CHECK(OK(req(d5, XS_WATCH, 0, "@", "t", NULL)));
	CHECK(OK(req(d5, XS_WATCH, 0, "@any/thing.at all", "t", NULL)));
	CHECK(event(d5, "@", "t") && event(d5, "@any/thing.at all", "t"));
	memset(longp, 'x', sizeof(longp));
	longp[0] = '@';
	longp[XENSTORE_REL_PATH_MAX] = '\0';
	CHECK(OK(req(d5, XS_WATCH, 0, longp, "t", NULL)));
	CHECK(OK(req(d5, XS_UNWATCH, 0, longp, "t", NULL)));
	longp[XENSTORE_REL_PATH_MAX] = 'x';
	longp[XENSTORE_REL_PATH_MAX + 1] = '\0';
	CHECK(ERR(req(d5, XS_WATCH, 0, longp, "t", NULL), "EINVAL"));
	CHECK(ERR(req(d0, XS_GET_PERMS, 0, "@releaseDomain", NULL), "EINVAL"));
	CHECK(ERR(req(d0, XS_SET_PERMS, 0, "@any", "n0", NULL), "EINVAL"));
	CHECK(ERR(req(d5, XS_SET_PERMS, 0, "@any", "n5", NULL), "EINVAL"));
	CHECK(ERR(req(d5, XS_READ, 0, "@releaseDomain", NULL), "EINVAL"));
	/* an introduction reaches neither watch */
	drain(d5);
	CHECK(OK(req(d0, XS_INTRODUCE, 0, "8", "1", "1", NULL)));
	CHECK(no_event(d5));
}

/* Bytes after the last NUL, and payloads nobody reads, as Xen 4.17 takes them. */
static void attack_payload_tails(void)
{
	struct msg m;

#define RAW(c, type, lit) raw(c, type, 0, lit, sizeof(lit) - 1)
	RAW(d5, XS_WATCH, "name\0tok\0junk");
	CHECK(pop_reply(d5, &m) && m.h.type == XS_WATCH);
	CHECK(event(d5, "name", "tok"));
	RAW(d5, XS_WATCH, "name\0tok");
	CHECK(pop(d5, &m) && m.h.type == XS_ERROR && !strcmp(m.b, "EINVAL"));
	RAW(d5, XS_UNWATCH, "name\0tok\0zz");
	CHECK(pop(d5, &m) && m.h.type == XS_UNWATCH);
	RAW(d5, XS_SET_PERMS, "/local/domain/5/name\0n5\0r6");
	CHECK(pop(d5, &m) && m.h.type == XS_SET_PERMS);
	CHECK(!strcmp(req(d0, XS_GET_PERMS, 0, "/local/domain/5/name", NULL)->b, "n5"));
	RAW(d5, XS_DIRECTORY_PART, "/local/domain/5\0" "0\0" "zz");
	CHECK(pop(d5, &m) && m.h.type == XS_DIRECTORY_PART);
	RAW(d5, XS_TRANSACTION_START, "anything");
	CHECK(pop(d5, &m) && m.h.type == XS_TRANSACTION_START && d5->ntxns == 1);
	RAW(d5, XS_RESET_WATCHES, "x\0y\0z");
	CHECK(pop(d5, &m) && m.h.type == XS_RESET_WATCHES && d5->ntxns == 0);
	/* one argument means exactly one string */
	RAW(d5, XS_READ, "name\0junk");
	CHECK(pop(d5, &m) && m.h.type == XS_ERROR && !strcmp(m.b, "EINVAL"));
	RAW(d5, XS_TRANSACTION_END, "T\0junk");
	CHECK(pop(d5, &m) && m.h.type == XS_ERROR && !strcmp(m.b, "EINVAL"));
#undef RAW
}

/*
 * Slow consumers (the class of XSA-326): a client sends requests without
 * taking its replies. What the daemon holds for it must stay below
 * quota.outq plus one reply, whatever it sends.
 */
#define SLOW_REQS	5000		/* answered in all, in order */
#define SLOW_TRIES	20000		/* sends tried before the client reads */
#define BIG_LEN		1848		/* the node each request reads */

static size_t outq_bound(void)
{
	return quota.outq + sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX;
}

/* An XS_READ of the big node; its req_id is its sequence number. */
static size_t slow_request(char *buf, uint32_t seq)
{
	struct xsd_sockmsg h = { XS_READ, seq, 0, sizeof("/local/domain/5/big") };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), "/local/domain/5/big", h.len);
	return sizeof(h) + h.len;
}

static bool make_big_node(void)
{
	static char big[BIG_LEN + 1];

	memset(big, 'x', BIG_LEN);
	return write_val(d0, 0, "/local/domain/5/big", big);
}

/* The client's side of the reply stream: whole messages out of bytes. */
struct replies {
	size_t have;
	uint32_t answered;	/* replies seen, each checked */
	bool bad;		/* one was not the next READ of the node */
	char buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
};

static void replies_take(struct replies *r, const char *p, size_t n)
{
	while (n) {
		struct xsd_sockmsg h;
		size_t want = sizeof(h), k;

		if (r->have >= sizeof(h)) {
			memcpy(&h, r->buf, sizeof(h));
			want += h.len > XENSTORE_PAYLOAD_MAX ? 0 : h.len;
		}
		k = want - r->have < n ? want - r->have : n;
		memcpy(r->buf + r->have, p, k);
		r->have += k, p += k, n -= k;
		if (r->have < sizeof(h))
			continue;
		memcpy(&h, r->buf, sizeof(h));
		if (r->have < sizeof(h) + h.len && h.len <= XENSTORE_PAYLOAD_MAX)
			continue;
		if (h.type != XS_READ || h.req_id != r->answered || h.len != BIG_LEN)
			r->bad = true;
		r->answered++;
		r->have = 0;
	}
}

/* A guest's ring: it never advances rsp_cons, then reads and goes on. */
static void outq_ring(void)
{
	struct xenstore_domain_interface *i = calloc(1, sizeof(*i));
	static struct replies rep;
	char buf[64], out[XENSTORE_RING_SIZE];
	uint32_t sent = 0;
	unsigned int k, full = 0;
	size_t n;

	CHECK(i && make_big_node());
	/* the outq bound alone: Xen's 20 replies (quota_outstanding) stop a domain sooner */
	quota.outstanding = 0;
	memset(&rep, 0, sizeof(rep));
	for (k = 0; k < SLOW_TRIES; k++) {
		n = slow_request(buf, sent);
		if (i->req_prod - i->req_cons + n <= XENSTORE_RING_SIZE) {
			guest_put(i, buf, n);
			sent++;
		} else {
			full++;
		}
		CHECK(ring_io_read(d5, i) >= 0);
		ring_io_write(d5, i);
		CHECK(d5->out_bytes <= outq_bound());
	}
	/* the guest felt it: its ring filled and stayed full */
	CHECK(full > SLOW_TRIES / 2 && sent < SLOW_TRIES / 4);
	CHECK(d5->out_bytes >= quota.outq);
	/* others are still served meanwhile */
	CHECK(!strcmp(req(d6, XS_GET_DOMAIN_PATH, 0, "6", NULL)->b, "/local/domain/6"));
	CHECK(!strcmp(readv(d0, 0, "/local/domain/5/name"), "five"));
	/* the guest reads its replies: every request is answered, in order */
	for (k = 0; rep.answered < SLOW_REQS && k < 50 * SLOW_REQS; k++) {
		n = slow_request(buf, sent);
		if (sent < SLOW_REQS && i->req_prod - i->req_cons + n <= XENSTORE_RING_SIZE) {
			guest_put(i, buf, n);
			sent++;
		}
		ring_io_write(d5, i);
		CHECK(ring_io_read(d5, i) >= 0);
		ring_io_write(d5, i);
		CHECK(d5->out_bytes <= outq_bound());
		replies_take(&rep, out, guest_get(i, out, sizeof(out)));
		CHECK(!rep.bad);
	}
	CHECK(rep.answered == SLOW_REQS && sent == SLOW_REQS && !d5->out_head);
	free(i);	/* leaked when a CHECK fails: fine for a failing test */
}

/* Write all of @p to a non-blocking socket, or nothing; false if it is full. */
static bool try_send(int fd, const char *p, size_t n)
{
	return write(fd, p, n) == (ssize_t)n;
}

/* The same over a socket: a dom0 tool that stops reading. */
static void outq_socket(void)
{
	struct conn *c = conn_new(0, true, "slow-socket");
	static struct replies rep;
	char buf[64], out[16384];
	uint32_t sent = 0;
	unsigned int k, full = 0;
	int sv[2] = { -1, -1 };
	ssize_t got;

	CHECK(c && make_big_node());
	CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
	c->fd = sv[0];		/* closed by conn_free */
	memset(&rep, 0, sizeof(rep));
	for (k = 0; k < SLOW_TRIES; k++) {
		if (try_send(sv[1], buf, slow_request(buf, sent)))
			sent++;
		else
			full++;
		CHECK(sock_read(c) == 0 && sock_write(c) == 0);
		CHECK(c->out_bytes <= outq_bound());
	}
	CHECK(full > 0 && c->out_bytes >= quota.outq);
	CHECK(!strcmp(req(d6, XS_GET_DOMAIN_PATH, 0, "6", NULL)->b, "/local/domain/6"));
	for (k = 0; rep.answered < SLOW_REQS && k < 50 * SLOW_REQS; k++) {
		if (sent < SLOW_REQS && try_send(sv[1], buf, slow_request(buf, sent)))
			sent++;
		CHECK(sock_read(c) == 0 && sock_write(c) == 0);
		CHECK(c->out_bytes <= outq_bound());
		got = read(sv[1], out, sizeof(out));
		CHECK(got > 0 || errno == EAGAIN);
		if (got > 0)
			replies_take(&rep, out, got);
		CHECK(!rep.bad);
	}
	CHECK(rep.answered == SLOW_REQS && sent == SLOW_REQS && !c->out_head);
	close(sv[1]);
}

/* A target of DOMID_INVALID means "none": it must not match any list entry. */
static void perms_no_target(void)
{
	char owner[16], other[16];

	snprintf(owner, sizeof(owner), "n%u", DOMID_INVALID);
	snprintf(other, sizeof(other), "b%u", DOMID_INVALID);
	CHECK(write_val(d0, 0, "/odd", "x"));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/odd", owner, NULL)));
	CHECK(ERR(req(d5, XS_READ, 0, "/odd", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_WRITE, 0, "/odd", "y", NULL), "EACCES"));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/odd", "n0", other, NULL)));
	CHECK(ERR(req(d5, XS_READ, 0, "/odd", NULL), "EACCES"));
}

/* More permission entries than the hard cap, even from dom0. */
static void perms_too_many(void)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t len;
	unsigned int i;
	struct msg m;

	CHECK(write_val(d0, 0, "/p", "x"));
	for (i = 65; i <= 66; i++) {	/* perms_parse's cap, then split_args' */
		unsigned int k;

		len = strlen("/p") + 1;
		memcpy(buf, "/p", len);
		for (k = 0; k < i; k++)
			len += sprintf(buf + len, "r%u", k) + 1;
		raw(d0, XS_SET_PERMS, 0, buf, len);
		CHECK(pop(d0, &m) && m.h.type == XS_ERROR && !strcmp(m.b, "EINVAL"));
	}
	len = strlen("/p") + 1;
	for (i = 0; i < XS_PERMS_MAX; i++)
		len += sprintf(buf + len, "r%u", i) + 1;
	raw(d0, XS_SET_PERMS, 0, buf, len);
	CHECK(pop(d0, &m) && m.h.type == XS_SET_PERMS);
	CHECK(req(d0, XS_GET_PERMS, 0, "/p", NULL)->h.len == 10 * 3 + 54 * 4);	/* r0..r63 */
}

/* quota.path also bounds an unprivileged absolute path outside its home. */
static void quota_path_absolute(void)
{
	quota.path = 20;
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/vm", "b0", NULL)));
	CHECK(OK(req(d5, XS_MKDIR, 0, "/vm/abcdefghijklmnop", NULL)));	/* 20 */
	CHECK(ERR(req(d5, XS_MKDIR, 0, "/vm/abcdefghijklmnopq", NULL), "EINVAL"));
	CHECK(ERR(req(d5, XS_READ, 0, "/vm/abcdefghijklmnopq", NULL), "EINVAL"));
	CHECK(OK(req(d5, XS_MKDIR, 0, "/local/domain/5/abcdefghijklmnopqrst", NULL)));
	CHECK(ERR(req(d5, XS_MKDIR, 0, "abcdefghijklmnopqrstu", NULL), "EINVAL"));
	/* any domain's home counts so, as in Xen 4.17: a name, then EACCES */
	CHECK(ERR(req(d5, XS_MKDIR, 0, "/local/domain/6/abcdefghijklmnopqrst", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_MKDIR, 0, "/local/domain/6/abcdefghijklmnopqrstu", NULL), "EINVAL"));
	CHECK(ERR(req(d5, XS_READ, 0, "/local/domain/12345/abcdefghijklmnopqrst", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_READ, 0, "/local/domain/123456/abcdefghijklmno", NULL), "EINVAL"));
	CHECK(OK(req(d0, XS_MKDIR, 0, "/vm/abcdefghijklmnopqrstuvwxyz", NULL)));
}

/* An unprivileged connection that does not read its output loses events. */
static void quota_outq(void)
{
	struct conn *tool = conn_new(0, true, "tool");	/* takes its replies */
	unsigned int i, events = 0, events0 = 0;
	char path[32];
	struct msg m;

	CHECK(tool);
	quota.outq = 200;
	CHECK(OK(req(d5, XS_WATCH, 0, "/local/domain/5", "w", NULL)));
	CHECK(OK(req(d0, XS_WATCH, 0, "/local/domain/5", "w", NULL)));
	for (i = 0; i < 20; i++) {	/* 20 nodes: one event each (not coalesced) */
		snprintf(path, sizeof(path), "/local/domain/5/n%u", i);
		CHECK(write_val(tool, 0, path, "again"));
	}
	while (pop(d5, &m))
		events += m.h.type == XS_WATCH_EVENT;
	while (pop(d0, &m))
		events0 += m.h.type == XS_WATCH_EVENT;
	CHECK(events > 1 && events < 21);		/* initial + some */
	CHECK(events0 == 21);				/* dom0 exempt */
	/* replies are never dropped, and events flow again once drained */
	for (i = 0; i < 20; i++)
		CHECK(!strcmp(readv(d5, 0, "n0"), "again"));
	drain(d5);
	CHECK(write_val(d0, 0, "/local/domain/5/name", "five"));
	CHECK(event(d5, "/local/domain/5/name", "w"));
}

/*
 * As Xen 4.17, a watch event identical to one still queued is dropped, for
 * dom0 too: a node written again and again before its watcher reads costs
 * one event. The special "@" events are all queued.
 */
static void watch_events_coalesced(void)
{
	unsigned int i;

	CHECK(OK(req(d5, XS_WATCH, 0, "name", "w", NULL)));
	CHECK(OK(req(d0, XS_WATCH, 0, "/local/domain/5/name", "w", NULL)));
	CHECK(OK(req(d0, XS_WATCH, 0, "@introduceDomain", "i", NULL)));
	CHECK(event(d5, "name", "w") && event(d0, "/local/domain/5/name", "w"));
	CHECK(event(d0, "@introduceDomain", "i"));
	for (i = 0; i < 10; i++)
		CHECK(write_val(d0, 0, "/local/domain/5/name", "again"));
	CHECK(event(d5, "name", "w") && no_event(d5));
	CHECK(event(d0, "/local/domain/5/name", "w") && no_event(d0));
	/* once taken, the next write fires again */
	CHECK(write_val(d6, 0, "/local/domain/6/x", "y"));
	CHECK(write_val(d0, 0, "/local/domain/5/name", "five"));
	CHECK(event(d5, "name", "w") && no_event(d5));
	/* a different path is a different event */
	CHECK(OK(req(d5, XS_WATCH, 0, "/local/domain/5", "all", NULL)));
	drain(d5);
	CHECK(write_val(d0, 0, "/local/domain/5/name", "x"));
	CHECK(write_val(d0, 0, "/local/domain/5/other", "x"));
	CHECK(write_val(d0, 0, "/local/domain/5/name", "y"));
	CHECK(event(d5, "name", "w") && event(d5, "/local/domain/5/name", "all"));
	CHECK(event(d5, "/local/domain/5/other", "all") && no_event(d5));
	/* "@" events are not coalesced */
	drain(d0);
	for (i = 7; i < 10; i++) {
		char id[4];

		snprintf(id, sizeof(id), "%u", i);
		CHECK(OK(req(d0, XS_INTRODUCE, 0, id, "1", "1", NULL)));
	}
	for (i = 0; i < 3; i++)
		CHECK(event(d0, "@introduceDomain", "i"));
	CHECK(no_event(d0));
}

/*
 * As Xen 4.17, a domain's watch event of which nothing went out within 20 s
 * (quota.event_timeout) is dropped; replies stay, and dom0's events too.
 */
static void watch_event_timeout(void)
{
	uint64_t now = now_ms();
	struct msg m;

	CHECK(OK(req(d5, XS_WATCH, 0, "name", "w", NULL)));
	CHECK(OK(req(d6, XS_WATCH, 0, "/local/domain/6", "w6", NULL)));
	CHECK(OK(req(d0, XS_WATCH, 0, "/local/domain/5/name", "w0", NULL)));
	raw(d5, XS_READ, 0, "name", 5);		/* a reply left queued */
	/* the next deadline: 20 s from the first event on */
	CHECK(conn_expire_events(d5, now) >= now + 20000);
	CHECK(conn_expire_events(d5, now + 19000) && d5->out_head);
	/* one event of dom6's partly sent: it stays whole */
	CHECK(!conn_sent(d6, 1));
	CHECK(!conn_expire_events(d5, now_ms() + 20001));
	CHECK(pop(d5, &m) && m.h.type == XS_READ && !strcmp(m.b, "five") && no_event(d5));
	CHECK(!conn_expire_events(d6, now_ms() + 20001) && d6->out_head);
	CHECK(!conn_expire_events(d0, now_ms() + 20001) && event(d0, "/local/domain/5/name", "w0"));
	/* new events get a new deadline */
	CHECK(write_val(d0, 0, "/local/domain/5/name", "x"));
	CHECK(conn_expire_events(d5, now_ms()) && event(d5, "name", "w"));
}

/* ---- Xen 4.17's memory quota (quota.memory) and outstanding replies ---- */

static long mem_of(unsigned int domid)
{
	const struct domain *d = domain_get(domid, false);

	return d ? d->memory : 0;
}

/*
 * dom5 writes chains of big nodes (60-byte names, 1900-byte values, each
 * node one level deeper, paths up to 2 KiB) until it is refused; the
 * number written, *err the refusal.
 */
static char fill_path[XENSTORE_ABS_PATH_MAX + 1], fill_val[1901];

static int fill_memory(const char *top, char *err)
{
	char *path = fill_path, *val = fill_val;
	char name[62];
	int n = 0, chain, depth;

	memset(val, 'v', sizeof(fill_val) - 1);
	memset(name + 1, 'n', sizeof(name) - 2);
	name[0] = '/';
	name[sizeof(name) - 1] = '\0';
	for (chain = 0; chain < 100; chain++) {
		int len = snprintf(path, sizeof(fill_path), "%s/c%d", top, chain);

		for (depth = 0; depth < 32; depth++) {
			if (write_err(d5, 0, path, val, err))
				return -1;
			if (strcmp(err, "ok"))
				return n;
			n++;
			memcpy(path + len, name, sizeof(name));
			len += sizeof(name) - 1;
		}
	}
	strcpy(err, "never");
	return n;
}

/*
 * With Xen's default quotas a domain reaches its 2.5 MiB of memory with
 * big nodes on long paths before its 1000 nodes: the write that would
 * reach it is EIO (Xen 4.17's answer) and leaves nothing behind; others'
 * requests, and its own reads and removals, still work.
 */
static void quota_memory_nodes(void)
{
	char err[16];
	long before;
	int n, nodes;

	n = fill_memory("/local/domain/5/m", err);
	CHECK(n > 0 && !strcmp(err, "EIO"));
	nodes = domain_get(5, false)->nodes;
	CHECK(nodes < (int)quota.nodes);
	CHECK(mem_of(5) < (long)quota.memory && mem_of(5) > (long)quota.memory - 4200);
	/* nothing of the refused write stayed: refused again, the same */
	before = mem_of(5);
	CHECK(!write_err(d5, 0, fill_path, fill_val, err) && !strcmp(err, "EIO"));
	CHECK(mem_of(5) == before && domain_get(5, false)->nodes == nodes);
	/* the others are served: dom6 writes, dom0 writes its own nodes */
	CHECK(write_val(d6, 0, "/local/domain/6/x", "big enough"));
	CHECK(write_val(d0, 0, "/tool/x", "y"));
	/* dom5 still reads, and removing gives the room back */
	CHECK(!strcmp(readv(d5, 0, "name"), "five"));
	CHECK(OK(req(d5, XS_RM, 0, "m/c0", NULL)));
	CHECK(domain_get(5, false)->nodes < nodes && mem_of(5) < before - 30000);
	CHECK(write_val(d5, 0, "/local/domain/5/again", "x"));
	/* dom0 giving dom5 a node is held to dom5's quota too (Xen checks the owner) */
	quota.memory = (unsigned int)mem_of(5) + 100;
	CHECK(!write_err(d0, 0, "/local/domain/5/given", "0123456789012345678901234567890123456789"
			 "0123456789012345678901234567890123456789", err));
	CHECK(!strcmp(err, "EIO"));
}

/*
 * A transaction's copies count for its domain while it is open: a write
 * in one that would reach the quota is EIO; ending it gives them back.
 */
static void quota_memory_txn(void)
{
	char val[1901], path[64], err[16];
	long before = mem_of(5);
	uint32_t t;
	int k;

	memset(val, 'v', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	quota.memory = (unsigned int)before + 40000;
	t = txn_start(d5);
	CHECK(t);
	for (k = 0; k < 30; k++) {
		snprintf(path, sizeof(path), "/local/domain/5/t%d", k);
		CHECK(!write_err(d5, t, path, val, err));
		if (strcmp(err, "ok"))
			break;
	}
	CHECK(!strcmp(err, "EIO") && k > 10 && k < 30);
	CHECK(mem_of(5) > before + 30000 && mem_of(5) < (long)quota.memory);
	CHECK(OK(req(d5, XS_TRANSACTION_END, t, "F", NULL)));
	CHECK(mem_of(5) == before);
}

/*
 * Watches cost their path and token: a domain adding watches with long
 * tokens is stopped by its memory quota (ENOMEM, Xen 4.17's answer)
 * before its 129 watches; another domain still adds its own.
 */
static void quota_memory_watches(void)
{
	char token[4000], path[32];
	int k;

	memset(token, 't', sizeof(token) - 1);
	token[sizeof(token) - 1] = '\0';
	quota.memory = (unsigned int)mem_of(5) + 64 * 1024;
	for (k = 0; k < 129; k++) {
		snprintf(path, sizeof(path), "w%d", k);
		if (!OK(req(d5, XS_WATCH, 0, path, token, NULL)))
			break;
		drain(d5);	/* its initial event: the watches alone count */
	}
	CHECK(ERR(&last, "ENOMEM") && k == 16);	/* 16 x ~4 KiB, then 64 KiB reached */
	drain(d5);
	CHECK(mem_of(5) < (long)quota.memory);
	CHECK(OK(req(d6, XS_WATCH, 0, "w0", token, NULL)));
	/* an UNWATCH gives its share back */
	CHECK(OK(req(d5, XS_UNWATCH, 0, "w0", token, NULL)));
	CHECK(OK(req(d5, XS_WATCH, 0, "w99", token, NULL)));
}

/*
 * Watch events a domain does not read count against its memory: once it
 * is reached further events are dropped (as Xen 4.17), a reply longer than
 * 16 bytes is ENOMEM, short ones still come; another domain's events all
 * arrive. Once it reads, events and replies flow again.
 */
static void quota_memory_events(void)
{
	char token[1000], path[64], big[1500];
	unsigned int k, events = 0, events6 = 0;
	struct msg m;

	memset(token, 't', sizeof(token) - 1);
	token[sizeof(token) - 1] = '\0';
	quota.outq = 16 << 20;		/* ours, not Xen's: out of the way */
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(write_val(d0, 0, "/local/domain/5/long", big));	/* more than an event's room */
	/* the nodes are dom0's: what dom5 holds is its events */
	CHECK(OK(req(d0, XS_MKDIR, 0, "/local/domain/5/ev", NULL)));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/local/domain/5/ev", "n0", "r5", NULL)));
	CHECK(OK(req(d0, XS_MKDIR, 0, "/local/domain/6/ev", NULL)));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/local/domain/6/ev", "n0", "r6", NULL)));
	CHECK(OK(req(d5, XS_WATCH, 0, "/local/domain/5/ev", token, NULL)));
	CHECK(OK(req(d6, XS_WATCH, 0, "/local/domain/6/ev", "t6", NULL)));
	quota.memory = (unsigned int)mem_of(5) + 64 * 1024;
	for (k = 0; k < 200; k++) {
		snprintf(path, sizeof(path), "/local/domain/5/ev/%u", k);
		CHECK(write_val(d0, 0, path, "x"));
		snprintf(path, sizeof(path), "/local/domain/6/ev/%u", k);
		CHECK(write_val(d0, 0, path, "x"));
	}
	CHECK(mem_of(5) < (long)quota.memory);
	CHECK(ERR(req(d5, XS_READ, 0, "long", NULL), "ENOMEM"));
	CHECK(!strcmp(readv(d5, 0, "name"), "five"));
	while (pop(d5, &m))
		events += m.h.type == XS_WATCH_EVENT;
	while (pop(d6, &m))
		events6 += m.h.type == XS_WATCH_EVENT;
	CHECK(events > 30 && events < 100);	/* ~1 KiB each, 64 KiB; the first went */
	CHECK(events6 == 1 + 200);		/* the initial one and 200 */
	CHECK(!strcmp(readv(d5, 0, "long"), big));
	CHECK(write_val(d0, 0, "/local/domain/5/ev/0", "y"));
	CHECK(event(d5, "/local/domain/5/ev/0", token));
}

/*
 * As Xen 4.17, a request stays outstanding for its domain while a watch
 * event it caused waits in any connection: a domain whose writes a
 * watcher does not take is held at 20 of them, and goes on as the watcher
 * reads (or its events time out).
 */
static void quota_outstanding_events(void)
{
	char path[64];
	struct msg m;
	int k;

	CHECK(OK(req(d5, XS_MKDIR, 0, "seen", NULL)));
	CHECK(OK(req(d5, XS_SET_PERMS, 0, "seen", "n5", "r6", NULL)));
	CHECK(OK(req(d6, XS_WATCH, 0, "/local/domain/5/seen", "w", NULL)));
	CHECK(event(d6, "/local/domain/5/seen", "w"));	/* not counted */
	CHECK(domain_get(6, false)->outstanding == 0);
	for (k = 0; k < 20; k++) {
		snprintf(path, sizeof(path), "seen/%d", k);
		CHECK(OK(req(d5, XS_WRITE, 0, path, NULL)));
	}
	/* its replies are taken, dom6's events are not: 20 outstanding */
	CHECK(domain_get(5, false)->outstanding == 20 && conn_is_throttled(d5));
	CHECK(!strcmp(res(req(d5, XS_WRITE, 0, "seen/20", NULL)), "none"));
	CHECK(!strcmp(req(d0, XS_READ, 0, "/local/domain/5/seen/0", NULL)->b, ""));
	/* (that 21st write was not read) dom6 takes one: dom5 is read again */
	CHECK(pop(d6, &m) && m.h.type == XS_WATCH_EVENT);
	CHECK(domain_get(5, false)->outstanding == 19 && !conn_is_throttled(d5));
	drain(d6);
	CHECK(domain_get(5, false)->outstanding == 0);
	/* events of dom0's writes count for dom0 only */
	CHECK(write_val(d0, 0, "/local/domain/5/seen/x", "1"));
	CHECK(domain_get(5, false)->outstanding == 0 && domain_get(0, false)->outstanding == 1);
}

/*
 * Xen 4.17 reads no request of a domain with 20 replies queued for it:
 * the 21st stays in the input until a reply is taken. dom0 is exempt.
 */
static void quota_outstanding(void)
{
	char buf[25 * 64];
	size_t one = 0, len = 0;
	long used;
	struct msg m;
	int k;

	for (k = 0; k < 25; k++) {
		struct xsd_sockmsg h = { XS_GET_DOMAIN_PATH, k, 0, 2 };

		memcpy(buf + len, &h, sizeof(h));
		memcpy(buf + len + sizeof(h), "5", 2);
		len += sizeof(h) + 2;
	}
	one = len / 25;
	used = conn_feed(d5, buf, len);
	CHECK(used == (long)(20 * one));
	CHECK(domain_get(5, false)->outstanding == 20 && conn_is_throttled(d5));
	CHECK(!strcmp(req(d6, XS_GET_DOMAIN_PATH, 0, "6", NULL)->b, "/local/domain/6"));
	CHECK(pop(d5, &m) && m.h.req_id == 0);
	CHECK(!conn_is_throttled(d5));
	CHECK(conn_feed(d5, buf + used, len - used) == (long)one);
	drain(d5);
	CHECK(conn_feed(d5, buf + used + one, len - used - one) == (long)(4 * one));
	drain(d5);
	CHECK(domain_get(5, false)->outstanding == 0);
	/* dom0 is not held to it */
	CHECK(conn_feed(d0, buf, len) == (long)len);
}

static void reset_watches(void)
{
	CHECK(OK(req(d5, XS_WATCH, 0, "name", "a", NULL)));
	CHECK(OK(req(d5, XS_WATCH, 0, "/local/domain/5", "b", NULL)));
	drain(d5);
	CHECK(OK(req(d5, XS_RESET_WATCHES, 0, "", NULL)));
	CHECK(write_val(d0, 0, "/local/domain/5/name", "x"));
	CHECK(no_event(d5));
	CHECK(ERR(req(d5, XS_UNWATCH, 0, "name", "a", NULL), "ENOENT"));
	/* the watch quota was given back */
	quota.watches = 1;
	CHECK(OK(req(d5, XS_WATCH, 0, "name", "a", NULL)));
}

static void bad_arguments(void)
{
	uint32_t t;

	/* DIRECTORY_PART: offset missing or one too many; others read as atoi() */
	CHECK(ERR(req(d0, XS_DIRECTORY_PART, 0, "/local", NULL), "EINVAL"));
	CHECK(req(d0, XS_DIRECTORY_PART, 0, "/local", "x", NULL)->h.type == XS_DIRECTORY_PART);
	CHECK(!memcmp(last.b + strlen(last.b) + 1, "domain", 7));	/* from 0 */
	CHECK(req(d0, XS_DIRECTORY_PART, 0, "/local", "-1", NULL)->h.len == strlen(last.b) + 2);
	CHECK(ERR(req(d0, XS_DIRECTORY_PART, 0, "/local", "0", "0", NULL), "EINVAL"));
	CHECK(ERR(req(d6, XS_DIRECTORY_PART, 0, "/local/domain/5", "0", NULL), "EACCES"));
	/* domain ops: extra or bad arguments */
	CHECK(OK(req(d0, XS_INTRODUCE, 0, "7", "1", "1", NULL)));
	CHECK(ERR(req(d0, XS_RELEASE, 0, "7", "8", NULL), "EINVAL"));
	CHECK(ERR(req(d0, XS_RELEASE, 0, NULL), "EINVAL"));
	CHECK(ERR(req(d0, XS_SET_TARGET, 0, "7", "x", NULL), "EINVAL"));
	CHECK(ERR(req(d0, XS_SET_TARGET, 0, "7", NULL), "EINVAL"));
	CHECK(ERR(req(d0, XS_INTRODUCE, 0, "8", "x", "1", NULL), "EINVAL"));
	CHECK(ERR(req(d0, XS_IS_DOMAIN_INTRODUCED, 0, "7", "7", NULL), "EINVAL"));
	CHECK(!strcmp(req(d0, XS_IS_DOMAIN_INTRODUCED, 0, "7", NULL)->b, "T"));
	/* drop-privilege with watches or transactions open */
	t = txn_start(d0);
	CHECK(ERR(req(d0, XS_CONTROL, 0, "drop-privilege", "5", NULL), "EBUSY"));
	CHECK(OK(req(d0, XS_TRANSACTION_END, t, "F", NULL)));
	CHECK(OK(req(d0, XS_WATCH, 0, "/x", "t", NULL)));
	CHECK(ERR(req(d0, XS_CONTROL, 0, "drop-privilege", "5", NULL), "EBUSY"));
	CHECK(d0->privileged);
	CHECK(ERR(req(d0, XS_CONTROL, 0, "drop-privilege", "x", NULL), "EINVAL"));
	CHECK(ERR(req(d0, XS_CONTROL, 0, NULL), "EINVAL"));
}

/* ---- Xen 4.17 C xenstored's write rate limit (domain.c, wrl_*) ---- */

static uint64_t fake_ms;

static uint64_t fake_clock(void)
{
	return fake_ms;
}

/*
 * dom5 and dom6 introduced (recorded only: no Xen devices here) on a
 * clock that moves only when the case moves it: three domains with dom0,
 * each earning 200/3 writes a second; dom5 and dom6 start with a burst of
 * 10 each, taken from the reserve (dom0 took its own: it owes 30).
 */
static bool wrl_start(void)
{
	fake_ms = 1000000;
	wrl_clock = fake_clock;
	if (!OK(req(d0, XS_INTRODUCE, 0, "5", "1", "1", NULL)) ||
	    !OK(req(d0, XS_INTRODUCE, 0, "6", "1", "2", NULL)))
		return false;
	drain(d0);
	return write_val(d0, 0, "/local/domain/6/y", "0") &&
	       OK(req(d0, XS_SET_PERMS, 0, "/local/domain/6/y", "n6", NULL)) &&
	       !strcmp(readv(d5, 0, "name"), "five");
}

static long credit_of(unsigned int domid)
{
	return domain_get(domid, false)->wrl_credit;
}

/*
 * Writes are charged only while a transaction is open (Xen's: the limit
 * is there so that transactions can commit): a domain over its burst is
 * then stalled, its requests unread, until its credit is back; dom0
 * never is, and another domain is answered meanwhile.
 */
static void wrl_burst_and_stall(void)
{
	uint32_t t;
	int k;

	CHECK(wrl_start());
	CHECK(credit_of(5) == WRL_DBURST * WRL_FACTOR);
	for (k = 0; k < 100; k++)		/* no transaction open: free */
		CHECK(write_val(d5, 0, "name", "x"));
	CHECK(credit_of(5) == WRL_DBURST * WRL_FACTOR && !conn_is_throttled(d5));
	CHECK((t = txn_start(d0)));
	for (k = 0; k < WRL_DBURST; k++)
		CHECK(write_val(d5, 0, "name", "y"));
	CHECK(credit_of(5) == 0 && !conn_is_throttled(d5));
	CHECK(write_val(d5, 0, "name", "z"));	/* done, but leaves it stalled */
	CHECK(credit_of(5) == -WRL_FACTOR && conn_is_throttled(d5));
	CHECK(ERR(req(d5, XS_READ, 0, "name", NULL), "none"));	/* not read */
	CHECK(!strcmp(readv(d0, 0, "/local/domain/5/name"), "z"));
	/* dom6 has its own burst; dom0 has no limit */
	CHECK(write_val(d6, 0, "y", "1") && !strcmp(readv(d6, 0, "y"), "1"));
	for (k = 0; k < 100; k++)
		CHECK(write_val(d0, 0, "/local/domain/6/y", "2"));
	CHECK(!conn_is_throttled(d0) && !conn_is_throttled(d6));
	/* one write at 200/3 a second: 15 ms (Xen's arithmetic: 200 units a ms / 3) */
	CHECK(wrl_check(5, fake_ms) == 15);
	fake_ms += 14;
	CHECK(wrl_check(5, fake_ms) == 2 && conn_is_throttled(d5));	/* 933 of 1000 */
	fake_ms += 2;
	CHECK(wrl_check(5, fake_ms) == -1 && !conn_is_throttled(d5));
	CHECK(!strcmp(readv(d5, 0, "name"), "z"));
	CHECK(OK(req(d0, XS_TRANSACTION_END, t, "F", NULL)));
	for (k = 0; k < 100; k++)		/* none open again: free again */
		CHECK(write_val(d5, 0, "name", "w"));
	CHECK(!conn_is_throttled(d5) && wrl_ntxns == 0);
	CHECK(wrl_check(0, fake_ms) == -1 && wrl_check(77, fake_ms) == -1);
}

/*
 * A transaction's writes are charged as one, when it commits, and only if
 * another transaction is open then; an abort or a failed commit costs
 * nothing. Every node a request writes or removes costs one.
 */
static void wrl_commits(void)
{
	char path[32];
	uint32_t t, t0;
	int k;

	CHECK(wrl_start());
	CHECK((t = txn_start(d5)));
	for (k = 0; k < 30; k++) {
		snprintf(path, sizeof(path), "n%d", k);
		CHECK(write_val(d5, t, path, "v"));
	}
	CHECK(OK(req(d5, XS_TRANSACTION_END, t, "T", NULL)));	/* alone: free */
	CHECK(credit_of(5) == WRL_DBURST * WRL_FACTOR);
	CHECK((t0 = txn_start(d0)));
	CHECK((t = txn_start(d5)) && write_val(d5, t, "n0", "w"));
	CHECK(OK(req(d5, XS_TRANSACTION_END, t, "T", NULL)));
	CHECK(credit_of(5) == (WRL_DBURST - 1) * WRL_FACTOR);
	CHECK((t = txn_start(d5)) && write_val(d5, t, "n0", "u"));
	CHECK(OK(req(d5, XS_TRANSACTION_END, t, "F", NULL)));
	CHECK((t = txn_start(d5)) && !strcmp(readv(d5, t, "n1"), "v"));
	CHECK(write_val(d5, t, "n2", "u") && write_val(d0, 0, "/local/domain/5/n1", "x"));
	CHECK(ERR(req(d5, XS_TRANSACTION_END, t, "T", NULL), "EAGAIN"));
	CHECK(credit_of(5) == (WRL_DBURST - 1) * WRL_FACTOR);
	/* outside a transaction: a new node and its parent's child list, two */
	CHECK(write_val(d5, 0, "new", "v"));
	CHECK(credit_of(5) == (WRL_DBURST - 3) * WRL_FACTOR);
	CHECK(OK(req(d5, XS_RM, 0, "new", NULL)));	/* the node and its parent */
	CHECK(credit_of(5) == (WRL_DBURST - 5) * WRL_FACTOR);
	CHECK(OK(req(d0, XS_TRANSACTION_END, t0, "F", NULL)));
}

/*
 * The reserve: new domains take their burst from it while it owes less
 * than WRL_NEWDOMS bursts; a released domain gives its credit back; what
 * a domain earns beyond its burst goes there (up to WRL_GBURST), and a
 * domain below 0 takes from it before it waits.
 */
static void wrl_reserve(void)
{
	static const char *const ids[] = { "7", "8", "9" };
	unsigned int k;
	uint32_t t;

	CHECK(wrl_start());				/* the reserve owes 30 */
	for (k = 0; k < 3; k++)
		CHECK(OK(req(d0, XS_INTRODUCE, 0, ids[k], "1", "1", NULL)));
	drain(d0);
	CHECK(credit_of(7) == WRL_DBURST * WRL_FACTOR && credit_of(8) == WRL_DBURST * WRL_FACTOR);
	CHECK(credit_of(9) == 0);			/* it owes 50: no more */
	CHECK(OK(req(d0, XS_RELEASE, 0, "7", NULL)));	/* gives its 10 back */
	drain(d0);
	CHECK(OK(req(d0, XS_RELEASE, 0, "9", NULL)));	/* has none */
	drain(d0);
	CHECK(OK(req(d0, XS_INTRODUCE, 0, "9", "1", "1", NULL)));
	drain(d0);
	CHECK(credit_of(9) == WRL_DBURST * WRL_FACTOR);	/* it owes 50 again */
	/* 5 domains now; 10 s later dom6 has earned 400 writes and saves 10 */
	fake_ms += 10000;
	CHECK(wrl_check(6, fake_ms) == -1 && credit_of(6) == WRL_DBURST * WRL_FACTOR);
	/* the reserve: -50 + dom6's 400 + dom5's own 400 at its first write */
	CHECK((t = txn_start(d0)));
	for (k = 0; k < WRL_DBURST + 750; k++) {
		CHECK(write_val(d5, 0, "name", "x"));
		CHECK(wrl_check(5, fake_ms) == -1);	/* the main loop's look */
	}
	CHECK(write_val(d5, 0, "name", "x") && wrl_check(5, fake_ms) == 25);
	CHECK(conn_is_throttled(d5));
	CHECK(OK(req(d0, XS_TRANSACTION_END, t, "F", NULL)));
}

/*
 * A hostile domU floods writes while a transaction is open (a toolstack's,
 * say), reading its replies: for one second of the main loop (a look at
 * each domain's credit each ms, as serve() does) it gets its burst and
 * about its 200/3 writes a second through, not the 1000 it asked for;
 * dom6 writing 20 times a second meanwhile is answered at once every
 * time and dom0 is never held.
 */
static void attack_write_flood(void)
{
	static char buf[1000 * 64];
	struct xsd_sockmsg h = { XS_WRITE, 0, 0, 0 };
	size_t len = 0, off = 0;
	unsigned int ms, done = 0;
	struct msg m;
	uint32_t t;
	int k;

	CHECK(wrl_start());
	for (k = 0; k < 1000; k++) {
		h.req_id = k;
		h.len = 6;
		memcpy(buf + len, &h, sizeof(h));
		memcpy(buf + len + sizeof(h), "name\0x", 6);
		len += sizeof(h) + 6;
	}
	CHECK((t = txn_start(d0)));
	for (ms = 0; ms < 1000; ms++, fake_ms++) {
		long used;

		wrl_check(5, fake_ms);
		wrl_check(6, fake_ms);
		used = conn_feed(d5, buf + off, len - off);
		CHECK(used >= 0);
		off += (size_t)used;
		while (pop(d5, &m)) {
			CHECK(m.h.type == XS_WRITE);
			done++;
		}
		if (ms % 50 == 0) {
			CHECK(write_val(d6, 0, "y", "1"));	/* answered at once */
			CHECK(!strcmp(readv(d6, 0, "y"), "1"));
		}
		CHECK(write_val(d0, 0, "/local/domain/0/busy", "1"));
	}
	/* 10 + 1000 ms x 200/3 = 76, and dom6's savings (~46) via the reserve owing 30 */
	CHECK(done >= 10 + 66 && done <= 10 + 66 + 20);
	CHECK(!conn_is_throttled(d0) && !conn_is_throttled(d6));
	CHECK(OK(req(d0, XS_TRANSACTION_END, t, "F", NULL)));
	/* no transaction open: the rest goes through */
	fake_ms += 1000;
	wrl_check(5, fake_ms);
	while (off < len) {
		long used = conn_feed(d5, buf + off, len - off);

		CHECK(used > 0);
		off += (size_t)used;
		while (pop(d5, &m))
			done++;
	}
	CHECK(done == 1000);
}

/*
 * XSA-322, XSA-417, XSA-419: a released domain's nodes go, and the
 * entries naming it in other lists grant a new domain of that id nothing
 * (shown by GET_PERMS as before, as Xen 4.17); dom0 may grant again.
 */
static void xsa322_released_domain(void)
{
	struct msg *m;

	CHECK(OK(req(d0, XS_MKDIR, 0, "/shared", NULL)));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/shared", "b0", NULL)));
	CHECK(write_val(d5, 0, "/shared/mine/deep/er", "5"));	/* dom5 owns these */
	CHECK(write_val(d6, 0, "/shared/six", "6"));
	CHECK(write_val(d0, 0, "/tool/secret", "s"));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/tool/secret", "n0", "r5", "r6", NULL)));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "@introduceDomain", "n0", "r5", NULL)));
	CHECK(!strcmp(readv(d5, 0, "/tool/secret"), "s"));
	CHECK(OK(req(d5, XS_WATCH, 0, "@introduceDomain", "in", NULL)));
	CHECK(event(d5, "@introduceDomain", "in"));
	CHECK(OK(req(d0, XS_WATCH, 0, "/shared", "sh", NULL)));
	CHECK(event(d0, "/shared", "sh"));
	CHECK(OK(req(d0, XS_INTRODUCE, 0, "5", "1", "1", NULL)));
	CHECK(event(d5, "@introduceDomain", "in"));
	CHECK(domain_get(5, false)->nodes == 5);
	CHECK(OK(req(d0, XS_RELEASE, 0, "5", NULL)));
	/* its nodes are gone, their watcher told; dom6's stay */
	CHECK(event(d0, "/shared/mine", "sh"));
	CHECK(no_event(d0));
	CHECK(ERR(req(d0, XS_READ, 0, "/shared/mine", NULL), "ENOENT"));
	CHECK(ERR(req(d0, XS_READ, 0, "/local/domain/5", NULL), "ENOENT"));
	CHECK(!strcmp(readv(d0, 0, "/shared/six"), "6"));
	CHECK(domain_get(5, false)->nodes == 0);
	/* a new domain 5 (this connection stands for it) inherits nothing */
	CHECK(OK(req(d0, XS_INTRODUCE, 0, "5", "1", "1", NULL)));
	CHECK(no_event(d5));				/* @introduceDomain: r5 ignored */
	CHECK(ERR(req(d5, XS_READ, 0, "/tool/secret", NULL), "EACCES"));
	CHECK(!strcmp(readv(d6, 0, "/tool/secret"), "s"));
	m = req(d0, XS_GET_PERMS, 0, "/tool/secret", NULL);
	CHECK(OK(m) && m->h.len == 9 && !memcmp(m->b, "n0\0r5\0r6\0", 9));
	/* a child inherits the list, the ignored entry with it */
	CHECK(write_val(d0, 0, "/tool/secret/child", "c"));
	CHECK(ERR(req(d5, XS_READ, 0, "/tool/secret/child", NULL), "EACCES"));
	/* dom0 grants the new domain anew */
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/tool/secret", "n0", "r5", NULL)));
	CHECK(!strcmp(readv(d5, 0, "/tool/secret"), "s"));
	CHECK(OK(req(d0, XS_RELEASE, 0, "5", NULL)));
	drain(d0);
	drain(d5);
}

/*
 * The same when the hypervisor says the domain is gone (no RELEASE).
 * XSA-325: before that its connection goes (a broken ring: the main loop
 * frees it), and it stays introduced with its nodes, no @releaseDomain
 * yet; it may be introduced again.
 */
static void xsa419_dead_domain_nodes(void)
{
	struct conn *d7 = conn_new(7, false, "dom7");

	CHECK(d7);
	CHECK(OK(req(d0, XS_MKDIR, 0, "/shared", NULL)));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/shared", "b0", NULL)));
	CHECK(OK(req(d0, XS_INTRODUCE, 0, "7", "1", "1", NULL)));
	CHECK(write_val(d7, 0, "/shared/seven", "7"));
	CHECK(OK(req(d0, XS_WATCH, 0, "/shared/seven", "s7", NULL)));
	CHECK(OK(req(d0, XS_WATCH, 0, "@releaseDomain", "rel", NULL)));
	drain(d0);
	conn_free(d7);
	CHECK(introduced("7") && no_event(d0));
	CHECK(!strcmp(readv(d0, 0, "/shared/seven"), "7"));
	CHECK(OK(req(d0, XS_INTRODUCE, 0, "7", "1", "1", NULL)) && no_event(d0));
	CHECK(domain_release_gone(fake_info) == 1);
	CHECK(event(d0, "/shared/seven", "s7"));
	CHECK(event(d0, "@releaseDomain", "rel"));
	CHECK(ERR(req(d0, XS_READ, 0, "/shared/seven", NULL), "ENOENT"));
	CHECK(domain_get(7, false)->nodes == 0 && domain_get(7, false)->memory == 0);
}

/*
 * A domain shut down is released (@releaseDomain) but its nodes stay
 * until it is dying or gone, or the toolstack releases it (as Xen 4.17:
 * a shut-down domain's nodes stay while it may still be looked at).
 */
static void xsa419_shutdown_then_dying(void)
{
	struct conn *d9 = conn_new(9, false, "dom9"), *d12 = conn_new(12, false, "dom12");

	CHECK(d9 && d12);
	dom12_dying = false;
	CHECK(OK(req(d0, XS_MKDIR, 0, "/shared", NULL)));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/shared", "b0", NULL)));
	CHECK(OK(req(d0, XS_INTRODUCE, 0, "9", "1", "1", NULL)));
	CHECK(OK(req(d0, XS_INTRODUCE, 0, "12", "1", "1", NULL)));
	CHECK(write_val(d9, 0, "/shared/nine", "9"));
	CHECK(write_val(d12, 0, "/shared/twelve", "12"));
	CHECK(OK(req(d0, XS_WATCH, 0, "@releaseDomain", "rel", NULL)));
	drain(d0);
	CHECK(domain_release_gone(fake_info) == 2);
	CHECK(event(d0, "@releaseDomain", "rel"));
	CHECK(no_event(d0));
	CHECK(!introduced("9") && !introduced("12"));
	CHECK(!strcmp(readv(d0, 0, "/shared/nine"), "9"));
	CHECK(!strcmp(readv(d0, 0, "/shared/twelve"), "12"));
	CHECK(domain_release_gone(fake_info) == 0);
	CHECK(no_event(d0));
	dom12_dying = true;
	CHECK(domain_release_gone(fake_info) == 0);
	CHECK(event(d0, "@releaseDomain", "rel"));
	CHECK(ERR(req(d0, XS_READ, 0, "/shared/twelve", NULL), "ENOENT"));
	CHECK(!strcmp(readv(d0, 0, "/shared/nine"), "9"));
	CHECK(OK(req(d0, XS_RELEASE, 0, "9", NULL)));
	CHECK(ERR(req(d0, XS_READ, 0, "/shared/nine", NULL), "ENOENT"));
	CHECK(ERR(req(d0, XS_RELEASE, 0, "9", NULL), "ENOENT"));
	drain(d0);
	conn_free(d9);
	conn_free(d12);
}

/*
 * XSA-324: an event longer than a message may be (a long token on a
 * watch of a short path, a long child written) is dropped; the
 * connection goes on.
 */
static void xsa324_event_too_long(void)
{
	static char token[4000], path[1100];

	memset(token, 't', sizeof(token) - 1);
	strcpy(path, "/local/domain/5/");
	memset(path + strlen(path), 'p', 1000);
	CHECK(OK(req(d5, XS_WATCH, 0, "/local/domain/5", token, NULL)));
	CHECK(event(d5, "/local/domain/5", token));
	CHECK(write_val(d5, 0, path, "x"));
	CHECK(no_event(d5));
	CHECK(write_val(d5, 0, "/local/domain/5/s", "x"));
	CHECK(event(d5, "/local/domain/5/s", token));
	CHECK(OK(req(d0, XS_WATCH, 0, "/", token, NULL)));
	CHECK(event(d0, "/", token));
	CHECK(write_val(d0, 0, path, "y"));
	CHECK(no_event(d0));
	CHECK(!strcmp(readv(d5, 0, path), "y"));
}

/*
 * XSA-484: RESET_WATCHES sent inside a transaction ends that
 * transaction with the others; XSA-481: "/local/domain/" and kin.
 */
static void xsa484_reset_in_txn(void)
{
	uint32_t t = txn_start(d5), t2 = txn_start(d5);

	CHECK(t && t2);
	CHECK(write_val(d5, t, "/local/domain/5/x", "1"));
	CHECK(OK(req(d5, XS_WATCH, 0, "/local/domain/5", "w", NULL)));
	drain(d5);
	CHECK(OK(req(d5, XS_RESET_WATCHES, t, NULL)));
	CHECK(d5->ntxns == 0 && !d5->txns && !d5->watches);
	CHECK(ERR(req(d5, XS_TRANSACTION_END, t, "T", NULL), "ENOENT"));
	CHECK(ERR(req(d5, XS_READ, t2, "/local/domain/5/name", NULL), "ENOENT"));
	CHECK(ERR(req(d5, XS_READ, 0, "/local/domain/5/x", NULL), "ENOENT"));
	CHECK(write_val(d5, 0, "/local/domain/5/y", "2"));
	CHECK(no_event(d5));
	CHECK(ERR(req(d5, XS_READ, 0, "/local/domain/", NULL), "EINVAL"));
	CHECK(ERR(req(d0, XS_WRITE, 0, "/local/domain/", "v", NULL), "EINVAL"));
	CHECK(ERR(req(d5, XS_WATCH, 0, "/local/domain/", "t", NULL), "EINVAL"));
	CHECK(ERR(req(d0, XS_READ, 0, "/local/domain/x", NULL), "ENOENT"));
	CHECK(OK(req(d5, XS_READ, 0, "name", NULL)));
}

/*
 * XSA-440: two transactions removing the same 50 nodes, committed one
 * after the other: the second conflicts, the counts stay right.
 */
static void xsa440_double_delete(void)
{
	uint32_t t[2];
	char p[64];
	int i, k;

	for (i = 0; i < 50; i++) {
		snprintf(p, sizeof(p), "/local/domain/5/n%d", i);
		CHECK(write_val(d5, 0, p, "v"));
	}
	CHECK(domain_get(5, false)->nodes == 52);
	for (k = 0; k < 2; k++) {
		t[k] = txn_start(d5);
		CHECK(t[k]);
		for (i = 0; i < 50; i++) {
			snprintf(p, sizeof(p), "/local/domain/5/n%d", i);
			CHECK(OK(req(d5, XS_RM, t[k], p, NULL)));
		}
	}
	CHECK(OK(req(d5, XS_TRANSACTION_END, t[0], "T", NULL)));
	CHECK(ERR(req(d5, XS_TRANSACTION_END, t[1], "T", NULL), "EAGAIN"));
	CHECK(domain_get(5, false)->nodes == 2);
}

/*
 * XSA-415, XSA-414: a creation stopped by the node quota part-way (Xen
 * writes the deepest first) fails its transaction's commit (ENOMEM, as
 * Xen 4.17); one stopped before any node leaves the transaction usable.
 * XSA-421: a node created and removed in one transaction.
 */
static void xsa415_partial_create(void)
{
	uint32_t t;

	quota.nodes = 5;				/* dom5 owns 2: 3 more */
	t = txn_start(d5);
	CHECK(t);
	CHECK(write_val(d5, t, "/local/domain/5/z", "1"));
	CHECK(ERR(req(d5, XS_MKDIR, t, "/local/domain/5/a/b/c", NULL), "ENOSPC"));
	CHECK(ERR(req(d5, XS_TRANSACTION_END, t, "T", NULL), "ENOMEM"));
	CHECK(ERR(req(d5, XS_READ, 0, "/local/domain/5/z", NULL), "ENOENT"));
	CHECK(ERR(req(d5, XS_MKDIR, 0, "/local/domain/5/a/b/c/d", NULL), "ENOSPC"));
	CHECK(OK(req(d5, XS_MKDIR, 0, "/local/domain/5/a/b/c", NULL)));	/* none left */
	t = txn_start(d5);
	CHECK(t);
	CHECK(ERR(req(d5, XS_MKDIR, t, "/local/domain/5/c/d", NULL), "ENOSPC"));
	CHECK(write_val(d5, t, "/local/domain/5/a", "2"));
	CHECK(OK(req(d5, XS_TRANSACTION_END, t, "T", NULL)));
	CHECK(!strcmp(readv(d5, 0, "/local/domain/5/a"), "2"));
	quota.nodes = 1000;
	t = txn_start(d5);
	CHECK(t);
	CHECK(write_val(d5, t, "/local/domain/5/n/m", "1"));
	CHECK(OK(req(d5, XS_RM, t, "/local/domain/5/n", NULL)));
	CHECK(OK(req(d5, XS_TRANSACTION_END, t, "T", NULL)));
	CHECK(ERR(req(d5, XS_READ, 0, "/local/domain/5/n", NULL), "ENOENT"));
	CHECK(domain_get(5, false)->nodes == 5);
}

/*
 * XSA-418: the deepest tree a path allows (1535 levels below /),
 * removed by dom0 and by the release of its owner.
 */
static void xsa418_deep_tree(void)
{
	static char p[XENSTORE_ABS_PATH_MAX + 1];
	size_t i;

	for (i = 0; i + 2 <= XENSTORE_ABS_PATH_MAX; i += 2)
		memcpy(p + i, "/d", 2);
	p[i] = '\0';
	CHECK(write_val(d0, 0, p, "deep"));
	CHECK(OK(req(d0, XS_RM, 0, "/d", NULL)));
	CHECK(OK(req(d0, XS_MKDIR, 0, "/d", NULL)));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/d", "n5", NULL)));
	CHECK(write_val(d0, 0, p, "deep"));
	CHECK(domain_get(5, false)->nodes == 2 + XENSTORE_ABS_PATH_MAX / 2);
	CHECK(OK(req(d0, XS_INTRODUCE, 0, "5", "1", "1", NULL)));
	CHECK(OK(req(d0, XS_RELEASE, 0, "5", NULL)));
	CHECK(ERR(req(d0, XS_READ, 0, "/d", NULL), "ENOENT"));
	CHECK(domain_get(5, false)->nodes == 0);
}

/* XSA-353 class (oxenstored): the root is dom0's, a domain changes nothing there. */
static void xsa353_root(void)
{
	CHECK(ERR(req(d5, XS_READ, 0, "/", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_WRITE, 0, "/", "x", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_MKDIR, 0, "/new", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_SET_PERMS, 0, "/", "b5", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_RM, 0, "/", NULL), "EACCES"));
	CHECK(ERR(req(d5, XS_DIRECTORY, 0, "/", NULL), "EACCES"));
	CHECK(!strcmp(req(d0, XS_GET_PERMS, 0, "/", NULL)->b, "n0"));
}

/*
 * A domain never introduced, named in a SET_PERMS while it existed (13),
 * then gone: as Xen 4.17 (its record of the domain freed, the entries'
 * generation check then failing), the entries naming it grant nothing
 * and the nodes it owns go, without @releaseDomain, so a new domain 13
 * inherits nothing. Before: both stayed.
 */
static void perms_dead_unintroduced_domain(void)
{
	struct conn *d13 = conn_new(13, false, "dom13");
	struct msg *m;

	CHECK(d13);
	dom13_gone = false;
	domain_info_hook = fake_info;
	CHECK(write_val(d0, 0, "/tool/y", "v"));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/tool/y", "n0", "r13", NULL)));
	CHECK(write_val(d0, 0, "/tool/own13", "o"));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/tool/own13", "n13", NULL)));
	CHECK(!strcmp(readv(d13, 0, "/tool/y"), "v"));
	CHECK(!introduced("13"));
	CHECK(OK(req(d0, XS_WATCH, 0, "@releaseDomain", "rel", NULL)));
	CHECK(OK(req(d0, XS_WATCH, 0, "/tool/own13", "o13", NULL)));
	drain(d0);
	CHECK(domain_release_gone(fake_info) == 0);	/* alive: nothing */
	CHECK(no_event(d0));
	CHECK(!strcmp(readv(d13, 0, "/tool/y"), "v"));
	dom13_gone = true;
	CHECK(domain_release_gone(fake_info) == 0);
	CHECK(event(d0, "/tool/own13", "o13"));
	CHECK(no_event(d0));				/* no @releaseDomain */
	CHECK(ERR(req(d0, XS_READ, 0, "/tool/own13", NULL), "ENOENT"));
	CHECK(domain_get(13, false)->nodes == 0);
	dom13_gone = false;				/* a new domain 13 */
	CHECK(ERR(req(d13, XS_READ, 0, "/tool/y", NULL), "EACCES"));
	m = req(d0, XS_GET_PERMS, 0, "/tool/y", NULL);
	CHECK(OK(m) && m->h.len == 7 && !memcmp(m->b, "n0\0r13\0", 7));
	CHECK(domain_release_gone(fake_info) == 0 && no_event(d0));
	domain_info_hook = NULL;
	conn_free(d13);
	drain(d0);
}

/*
 * XSA-417: with the hypervisor's word, SET_PERMS naming a domain it does
 * not have (7: gone) keeps the entry but grants nothing, and refuses
 * such an owner (ENOENT) before the path is looked at; one it has (8,
 * running) is granted.
 */
static void xsa417_perms_unknown_domain(void)
{
	struct conn *d7 = conn_new(7, false, "dom7"), *d8 = conn_new(8, false, "dom8");
	struct msg *m;

	CHECK(d7 && d8);
	domain_info_hook = fake_info;
	CHECK(write_val(d0, 0, "/tool/x", "v"));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/tool/x", "n0", "r7", "r8", NULL)));
	m = req(d0, XS_GET_PERMS, 0, "/tool/x", NULL);
	CHECK(OK(m) && m->h.len == 9 && !memcmp(m->b, "n0\0r7\0r8\0", 9));
	CHECK(ERR(req(d7, XS_READ, 0, "/tool/x", NULL), "EACCES"));
	CHECK(!strcmp(readv(d8, 0, "/tool/x"), "v"));
	CHECK(ERR(req(d0, XS_SET_PERMS, 0, "/tool/x", "n7", NULL), "ENOENT"));
	CHECK(ERR(req(d0, XS_SET_PERMS, 0, "/no/such", "n7", NULL), "ENOENT"));
	CHECK(OK(req(d0, XS_SET_PERMS, 0, "/tool/x", "b8", NULL)));
	CHECK(write_val(d8, 0, "/tool/x", "8"));
	domain_info_hook = NULL;
	conn_free(d7);
	conn_free(d8);
}

int main(void)
{
	log_verbose = -1;	/* expected errors would log; keep the output to results */
	unit_suite = "xenstored/conn";
	unit_setup = setup;
	unit_teardown = check_and_teardown;
	RUN(read_write);
	RUN(binary_value);
	RUN(bad_paths);
	RUN(mkdir_rm_directory);
	RUN(directory_part);
	RUN(perms_basic);
	RUN(perms_inherit);
	RUN(watch_basic);
	RUN(watch_rm);
	RUN(watch_relative_and_perms);
	RUN(special_watches);
	RUN(domain_ops);
	RUN(release_gone);
	RUN(txn_isolation);
	RUN(txn_conflict);
	RUN(txn_errors);
	RUN(quota_nodes);
	RUN(quota_sizes);
	RUN(malformed);
	RUN(drop_privilege);
	RUN(ring_io_wraps);
	RUN(outq_ring);
	RUN(outq_socket);
	RUN(perms_no_target);
	RUN(perms_too_many);
	RUN(quota_path_absolute);
	RUN(quota_outq);
	RUN(watch_events_coalesced);
	RUN(watch_event_timeout);
	RUN(quota_memory_nodes);
	RUN(quota_memory_txn);
	RUN(quota_memory_watches);
	RUN(quota_memory_events);
	RUN(quota_outstanding);
	RUN(quota_outstanding_events);
	RUN(reset_watches);
	RUN(bad_arguments);
	RUN(attack_set_perms);
	RUN(attack_privileged_types);
	RUN(attack_ring_indices);
	RUN(attack_txn_node_quota);
	RUN(txn_node_quota_owner_move);
	RUN(attack_missing_nodes);
	RUN(attack_special_paths);
	RUN(attack_payload_tails);
	RUN(wrl_burst_and_stall);
	RUN(wrl_commits);
	RUN(wrl_reserve);
	RUN(attack_write_flood);
	RUN(xsa322_released_domain);
	RUN(xsa419_dead_domain_nodes);
	RUN(xsa419_shutdown_then_dying);
	RUN(xsa324_event_too_long);
	RUN(xsa484_reset_in_txn);
	RUN(xsa440_double_delete);
	RUN(xsa415_partial_create);
	RUN(xsa418_deep_tree);
	RUN(xsa353_root);
	RUN(xsa417_perms_unknown_domain);
	RUN(perms_dead_unintroduced_domain);
	return 0;
}
