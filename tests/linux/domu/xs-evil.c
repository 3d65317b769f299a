// SPDX-License-Identifier: GPL-2.0-only
/*
 * xs-evil: a malicious XenStore client, a domU of `vmctl create` for the
 * linux/xs-evil check of tests/linux/dom0/run. It speaks the wire protocol
 * itself through its own store ring (xenbus_fe's raw calls) and sends what
 * no honest client sends: unknown and privileged types, req_id and tx_id
 * games, messages fed a byte at a time and headers across the ring's wrap
 * (both rings), WATCH floods with distinct tokens past the watch quota,
 * nodes past the node quota, transactions past theirs, paths at and past
 * the length limit, deep trees, bad names and payloads, SET_PERMS naming
 * other domains or other owners, and reads and writes of dom0's and of
 * another domain's nodes (peer=N on the command line). Each answer is
 * checked against what Xen 4.17's C xenstored gives (docs/misc/xenstore.txt
 * and xenstore/README.md: the same rules). Last it breaks its ring beyond
 * repair (break=len: a header announcing 4097 bytes; req: req_prod 2000
 * ahead of req_cons; rsp: rsp_cons ahead of rsp_prod) and checks that the
 * daemon says why in the page's error field and answers no more.
 * "quick" skips to the break; "daemon=xen" (tests/linux/dom0/xs-evil-xen,
 * Xen 4.17's own xenstored) prints, not checks, the two answers where that
 * daemon gives a stale errno. Every step prints a line on its console
 * (consoled's log in dom0); the framework's PASS or FAIL line ends it, and
 * the domain powers off.
 */
#include "guest.h"
#include "mm.h"
#include "peer.h"
#include "events.h"
#include "common/xenbus_fe.h"
#include <lamina/io/xs_wire.h>

#define WAIT	30000		/* ms for an answer */
#define QUIET	3000		/* ms of silence that mean none is coming */

static struct xsd_sockmsg rh;		/* the last message's header */
static char rbuf[XENSTORE_PAYLOAD_MAX + 1];	/* and its payload */
static char pay[XENSTORE_PAYLOAD_MAX + 64];	/* a request being built */
static uint32_t rid = 100;
static unsigned int checks, strays;
static unsigned int self, peer;
static evtchn_port_t console_port;
static bool xen_daemon;		/* "daemon=xen": Xen 4.17's own xenstored serves us */

/* Xen's xenconsoled reads a console ring when its port is notified. */
static void console_notify(void)
{
	evtchn_send(console_port);
}

/* "a\0b\0..." into pay; its length, every NUL counted. */
static uint32_t args(const char *a, ...)
{
	va_list ap;
	uint32_t n = 0;
	const char *s;

	va_start(ap, a);
	for (s = a; s; s = va_arg(ap, const char *)) {
		uint32_t l = (uint32_t)strlen(s) + 1;

		memcpy(pay + n, s, l);
		n += l;
	}
	va_end(ap);
	return n;
}

/* "path\0value" (no NUL after the value, as WRITE wants) into pay. */
static uint32_t wargs(const char *path, const char *val, uint32_t vlen)
{
	uint32_t n = args(path, NULL);

	memcpy(pay + n, val, vlen);
	return n + vlen;
}

static void send_hdr(uint32_t type, uint32_t id, uint32_t tx, uint32_t hlen,
		     const void *p, uint32_t len)
{
	struct xsd_sockmsg h = { type, id, tx, hlen };

	xbf_put(&h, sizeof(h), WAIT);
	xbf_put(p, len, WAIT);
	xbf_kick();
}

/* The next message that is not a stray watch event: 0 or -ETIMEDOUT. */
static int next_reply(unsigned int ms)
{
	for (;;) {
		int rc = xbf_recv(&rh, rbuf, sizeof(rbuf), ms);

		if (rc)
			return rc;
		if (rh.type != XS_WATCH_EVENT)
			return 0;
		strays++;
	}
}

/*
 * One request; is the answer @want? An errno name wants XS_ERROR with it,
 * anything else a reply of the request's type whose payload starts with
 * it ("" any). The reply must echo req_id and tx_id.
 */
static bool ask_id(uint32_t type, uint32_t id, uint32_t tx, uint32_t len, const char *want)
{
	bool err = want[0] == 'E' && ((want[1] >= 'A' && want[1] <= 'Z') || want[1] == '2');

	checks++;
	send_hdr(type, id, tx, len, pay, len);
	if (next_reply(WAIT)) {
		snprintf(rbuf, sizeof(rbuf), "(no answer)");
		rh.type = ~0U;
		return false;
	}
	if (rh.req_id != id || rh.tx_id != tx) {
		printf("xs-evil: type %u: answer's req_id %#x tx_id %#x, sent %#x %#x\n",
		       type, rh.req_id, rh.tx_id, id, tx);
		return false;
	}
	if (err)
		return rh.type == XS_ERROR && !strcmp(rbuf, want);
	return rh.type == type && !strncmp(rbuf, want, strlen(want));
}

static bool ask(uint32_t type, uint32_t tx, uint32_t len, const char *want)
{
	return ask_id(type, ++rid, tx, len, want);
}

/* The next message is this watch event. */
static bool event(const char *path, const char *token)
{
	checks++;
	if (xbf_recv(&rh, rbuf, sizeof(rbuf), WAIT) || rh.type != XS_WATCH_EVENT)
		return false;
	return !strcmp(rbuf, path) && !strcmp(rbuf + strlen(path) + 1, token);
}

#define EXPECT(what, t_, tx_, len_, want_)					\
	CHECK(ask(t_, tx_, len_, want_), "%s: answer type %u id %u tx %u '%s', wanted %s", \
	      what, rh.type, rh.req_id, rh.tx_id, rbuf, want_)
#define EVENT(path, token)							\
	CHECK(event(path, token), "no watch event %s %s: type %u '%s'", path, token, \
	      rh.type, rbuf)

static unsigned int num_arg(const char *cmd, const char *key)
{
	const char *s = cmd;
	size_t n = strlen(key);
	unsigned int v = 0;

	while (*s && (strncmp(s, key, n) || (s != cmd && s[-1] != ' ')))
		s++;
	if (!*s)
		return 0;
	for (s += n; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (unsigned int)(*s - '0');
	return v;
}

static int unknown_and_privileged(void)
{
	static const uint32_t bad[] = { 20, 23, 24, 1000, 0xffff, 0x7fffffff,
					XS_WATCH_EVENT, XS_ERROR };
	static const struct { uint32_t type; const char *a, *b, *c; } priv[] = {
		{ XS_INTRODUCE, "5", "1", "1" }, { XS_RELEASE, "5", NULL, NULL },
		{ XS_RESUME, "5", NULL, NULL }, { XS_SET_TARGET, "5", "6", NULL },
		{ XS_IS_DOMAIN_INTRODUCED, "0", NULL, NULL }, { XS_CONTROL, "check", NULL, NULL },
		{ XS_INTRODUCE, "0", "1", "1" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(ask(bad[i], 0, args("name", NULL), "ENOSYS"),
		      "type %u: '%s' (type %u), wanted ENOSYS", bad[i], rbuf, rh.type);
	for (i = 0; i < ARRAY_SIZE(priv); i++)
		CHECK(ask(priv[i].type, 0, args(priv[i].a, priv[i].b, priv[i].c, NULL), "EACCES"),
		      "privileged type %u: '%s' (type %u), wanted EACCES", priv[i].type, rbuf,
		      rh.type);
	printf("xs-evil: %u unknown types ENOSYS, %u privileged ones EACCES\n",
	       (unsigned int)ARRAY_SIZE(bad), (unsigned int)ARRAY_SIZE(priv));
	return TEST_PASS;
}

/* req_id: any value, repeated, out of order; tx_id: looked up, but for WATCH. */
static int ids(void)
{
	static const uint32_t id[] = { 0, 0xffffffff, 7, 7, 3, 0x80000000 };
	unsigned int i;
	uint32_t len = args("name", NULL);

	for (i = 0; i < ARRAY_SIZE(id); i++)		/* pipelined, answered in order */
		send_hdr(XS_READ, id[i], 0, len, pay, len);
	for (i = 0; i < ARRAY_SIZE(id); i++) {
		checks++;
		CHECK(!next_reply(WAIT) && rh.type == XS_READ && rh.req_id == id[i],
		      "pipelined READ %u (req_id %#x): type %u req_id %#x", i, id[i], rh.type,
		      rh.req_id);
	}
	EXPECT("READ in a made-up transaction", XS_READ, 0xdeadbeef, args("name", NULL), "ENOENT");
	EXPECT("GET_DOMAIN_PATH in one", XS_GET_DOMAIN_PATH, 77, args("0", NULL), "ENOENT");
	EXPECT("TRANSACTION_START in one", XS_TRANSACTION_START, 5, args("", NULL), "ENOENT");
	EXPECT("WATCH ignores tx_id", XS_WATCH, 0xdeadbeef, args("data", "tx", NULL), "OK");
	EVENT("data", "tx");
	EXPECT("UNWATCH ignores tx_id", XS_UNWATCH, 12, args("data", "tx", NULL), "OK");
	EXPECT("GET_DOMAIN_PATH x", XS_GET_DOMAIN_PATH, 0, args("x", NULL), "/local/domain/0");
	EXPECT("GET_DOMAIN_PATH -1", XS_GET_DOMAIN_PATH, 0, args("-1", NULL),
	       "/local/domain/4294967295");
	printf("xs-evil: req_id echoed (0, ~0, repeated, pipelined), made-up tx_id ENOENT\n");
	return TEST_PASS;
}

/*
 * Bytes of padding so that, after @fixed more bytes, the next header in a
 * ring whose producer is at @idx starts 8 bytes before the wrap.
 */
static uint32_t to_wrap(uint32_t idx, uint32_t fixed)
{
	uint32_t v = (3 * XENSTORE_RING_SIZE - 8 - MASK_XENSTORE_IDX(idx) - fixed) %
		     XENSTORE_RING_SIZE;

	return v ? v : XENSTORE_RING_SIZE;
}

static int wrap_and_split(void)
{
	volatile struct xenstore_domain_interface *r = xbf_ring();
	static char val[2100];
	struct xsd_sockmsg h;
	uint32_t len, v, i;
	const char *p;

	/* a request a byte at a time, each byte notified */
	len = wargs("data/split", "piecewise", 9);
	h = (struct xsd_sockmsg){ XS_WRITE, ++rid, 0, len };
	for (p = (const char *)&h, i = 0; i < sizeof(h) + len; i++) {
		xbf_put(i < sizeof(h) ? p + i : pay + i - sizeof(h), 1, WAIT);
		xbf_kick();
		xbf_nap();
	}
	checks++;
	CHECK(!next_reply(WAIT) && rh.type == XS_WRITE && rh.req_id == rid,
	      "a WRITE fed a byte at a time: type %u '%s'", rh.type, rbuf);
	EXPECT("reading it back", XS_READ, 0, args("data/split", NULL), "piecewise");
	/* request headers across the wrap, at every offset near it */
	for (i = 0; i < 20; i++) {
		v = to_wrap(r->req_prod, sizeof(h) + sizeof("data/wrap")) + i;
		memset(val, 'a' + i, v);
		EXPECT("a WRITE padding to the wrap", XS_WRITE, 0, wargs("data/wrap", val, v), "OK");
		/* this header starts i bytes past 8 before the wrap */
		memset(val, 'A' + i, 20);
		EXPECT("a WRITE across the wrap", XS_WRITE, 0, wargs("data/w2", val, 20), "OK");
		CHECK(ask(XS_READ, 0, args("data/w2", NULL), "") && rh.len == 20 &&
		      !memcmp(rbuf, val, 20), "read back after the wrap: '%s'", rbuf);
	}
	/* reply headers across the wrap: WRITE's reply (19 bytes) and a READ's pad to it */
	for (i = 0; i < 20; i++) {
		v = to_wrap(r->rsp_prod, sizeof(h) + 3 + sizeof(h)) + i;
		memset(val, 'k', v);
		EXPECT("writing the padding", XS_WRITE, 0, wargs("data/pad", val, v), "OK");
		CHECK(ask(XS_READ, 0, args("data/pad", NULL), "") && rh.len == v,
		      "padding read: %u bytes", rh.len);
		CHECK(ask(XS_READ, 0, args("data/split", NULL), "piecewise"),
		      "a reply across the wrap: '%s'", rbuf);
	}
	EXPECT("RM data/wrap", XS_RM, 0, args("data/wrap", NULL), "OK");
	printf("xs-evil: a request fed byte by byte; 20 request and 20 reply headers "
	       "across the ring's wrap\n");
	return TEST_PASS;
}

static int watches(void)
{
	char path[64], token[64], peerpath[80];
	unsigned int i;

	EXPECT("WATCH @releaseDomain", XS_WATCH, 0, args("@releaseDomain", "rel", NULL), "OK");
	EVENT("@releaseDomain", "rel");
	EXPECT("WATCH @introduceDomain", XS_WATCH, 0, args("@introduceDomain", "in", NULL), "OK");
	EVENT("@introduceDomain", "in");
	EXPECT("WATCH @other", XS_WATCH, 0, args("@other", "o", NULL), "OK");
	EVENT("@other", "o");
	snprintf(peerpath, sizeof(peerpath), "/local/domain/%u/data/result", peer);
	EXPECT("WATCH a peer's node", XS_WATCH, 0, args(peerpath, "peer", NULL), "OK");
	EVENT(peerpath, "peer");
	EXPECT("WATCH it again", XS_WATCH, 0, args(peerpath, "peer", NULL), "EEXIST");
	EXPECT("WATCH a bad path", XS_WATCH, 0, args("data/a b", "t", NULL), "EINVAL");
	EXPECT("WATCH without a token", XS_WATCH, 0, args("data", NULL), "EINVAL");
	EXPECT("UNWATCH one never set", XS_UNWATCH, 0, args("data/none", "t", NULL), "ENOENT");
	EXPECT("RESET_WATCHES", XS_RESET_WATCHES, 0, args("", NULL), "OK");
	/* a domain may hold 129 (Xen 4.17 compares with > 128), then E2BIG */
	for (i = 0; i < 129; i++) {
		snprintf(path, sizeof(path), "data/w/%u", i);
		snprintf(token, sizeof(token), "token-%u-%08x", i, i * 2654435761u);
		CHECK(ask(XS_WATCH, 0, args(path, token, NULL), "OK"),
		      "watch %u of the quota: '%s'", i, rbuf);
		EVENT(path, token);
	}
	for (i = 129; i < 160; i++) {
		snprintf(path, sizeof(path), "data/w/%u", i);
		snprintf(token, sizeof(token), "more-%u", i);
		CHECK(ask(XS_WATCH, 0, args(path, token, NULL), "E2BIG"),
		      "watch %u past the quota: '%s' (type %u)", i, rbuf, rh.type);
	}
	snprintf(token, sizeof(token), "token-%u-%08x", 5, 5 * 2654435761u);
	EXPECT("UNWATCH one", XS_UNWATCH, 0, args("data/w/5", token, NULL), "OK");
	EXPECT("a watch again below the quota", XS_WATCH, 0, args("data/w/new", "new", NULL), "OK");
	EVENT("data/w/new", "new");
	EXPECT("then above it", XS_WATCH, 0, args("data/w/new2", "new2", NULL), "E2BIG");
	EXPECT("RESET_WATCHES", XS_RESET_WATCHES, 0, args("", NULL), "OK");
	EXPECT("a watch after the reset", XS_WATCH, 0, args("data/w/0", "again", NULL), "OK");
	EVENT("data/w/0", "again");
	EXPECT("RESET_WATCHES", XS_RESET_WATCHES, 0, args("", NULL), "OK");
	printf("xs-evil: special and peer watches OK with their first event, 129 watches "
	       "then E2BIG (31 times), EEXIST, RESET_WATCHES\n");
	return TEST_PASS;
}

static int transactions(void)
{
	uint32_t tx[11];
	unsigned int i;

	/* a domain may hold 11 (Xen 4.17 compares with > 10), then ENOSPC */
	for (i = 0; i < 11; i++) {
		CHECK(ask(XS_TRANSACTION_START, 0, args("", NULL), ""),
		      "transaction %u: '%s'", i, rbuf);
		tx[i] = 0;
		for (const char *s = rbuf; *s >= '0' && *s <= '9'; s++)
			tx[i] = tx[i] * 10 + (uint32_t)(*s - '0');
		CHECK(tx[i], "transaction %u: id '%s'", i, rbuf);
	}
	for (i = 0; i < 5; i++)
		EXPECT("a transaction past the quota", XS_TRANSACTION_START, 0, args("", NULL),
		       "ENOSPC");
	EXPECT("a peer's node in a transaction", XS_WRITE, tx[0],
	       wargs("/local/domain/0/control/evil", "x", 1), "EACCES");
	EXPECT("TRANSACTION_END of an unknown id", XS_TRANSACTION_END, tx[10] + 1000,
	       args("F", NULL), "ENOENT");
	EXPECT("TRANSACTION_END X", XS_TRANSACTION_END, tx[0], args("X", NULL), "EINVAL");
	for (i = 0; i < 11; i++)
		CHECK(ask(XS_TRANSACTION_END, tx[i], args("F", NULL), "OK"),
		      "ending transaction %u: '%s'", tx[i], rbuf);
	EXPECT("ending one twice", XS_TRANSACTION_END, tx[3], args("F", NULL), "ENOENT");
	printf("xs-evil: 11 transactions, then ENOSPC; unknown ids ENOENT\n");
	return TEST_PASS;
}

/* A relative path of exactly @len bytes below data/deep: components of 199 bytes. */
static const char *long_path(uint32_t len)
{
	static char p[XENSTORE_PAYLOAD_MAX];
	uint32_t n = sizeof("data/deep/") - 1;

	memcpy(p, "data/deep/", n);
	while (n < len) {
		uint32_t c = len - n > 199 ? 199 : len - n;

		if (len - n - c == 1)	/* never end on a '/': one byte less here */
			c--;
		memset(p + n, 'x', c);
		n += c;
		if (n < len)
			p[n++] = '/';
	}
	p[n] = '\0';
	return p;
}

static int paths(void)
{
	static char val[2200];
	char deep[1100];
	unsigned int i;

	EXPECT("a path of 2048 bytes after the home", XS_WRITE, 0,
	       wargs(long_path(2048), "v", 1), "OK");
	EXPECT("reading it", XS_READ, 0, args(long_path(2048), NULL), "v");
	EXPECT("2049 bytes", XS_WRITE, 0, wargs(long_path(2049), "v", 1), "EINVAL");
	EXPECT("reading 3000", XS_READ, 0, args(long_path(3000), NULL), "EINVAL");
	EXPECT("RM data/deep", XS_RM, 0, args("data/deep", NULL), "OK");
	for (i = 0; i < 500; i++)			/* 500 levels */
		memcpy(deep + 2 * i, "d/", 2);
	memcpy(deep + 1000, "end", 4);
	memcpy(val, "data/", 5);
	memcpy(val + 5, deep, 1004);
	EXPECT("a tree 502 levels deep", XS_WRITE, 0, wargs(val, "bottom", 6), "OK");
	EXPECT("its bottom", XS_READ, 0, args(val, NULL), "bottom");
	EXPECT("RM of its top", XS_RM, 0, args("data/d", NULL), "OK");
	EXPECT("its bottom after", XS_READ, 0, args(val, NULL), "ENOENT");
	EXPECT("a space", XS_WRITE, 0, wargs("data/a b", "v", 1), "EINVAL");
	EXPECT("two slashes", XS_WRITE, 0, wargs("data//x", "v", 1), "EINVAL");
	EXPECT("a slash at the end", XS_WRITE, 0, wargs("data/x/", "v", 1), "EINVAL");
	EXPECT("a dot-dot", XS_READ, 0, args("data/../../0", NULL), "EINVAL");
	EXPECT("an empty path", XS_READ, 0, args("", NULL), "EINVAL");
	EXPECT("a path without its NUL", XS_READ, 0, (memcpy(pay, "name", 4), 4), "EINVAL");
	EXPECT("no payload", XS_READ, 0, 0, "EINVAL");
	memset(val, 'v', sizeof(val));
	EXPECT("a value past the entry size", XS_WRITE, 0, wargs("data/big", val, 2100), "ENOSPC");
	EXPECT("a full-size payload", XS_WRITE, 0,
	       wargs("data/big", val, XENSTORE_PAYLOAD_MAX - 9), "ENOSPC");
	EXPECT("a value within it", XS_WRITE, 0, wargs("data/big", val, 1900), "OK");
	EXPECT("RM data/big", XS_RM, 0, args("data/big", NULL), "OK");
	printf("xs-evil: 2048-byte paths OK, longer EINVAL; 502 levels written and removed; "
	       "bad names and payloads EINVAL; big values ENOSPC\n");
	return TEST_PASS;
}

static int node_quota(void)
{
	char path[64];
	unsigned int i;

	/*
	 * A node's record (Xen's: a 24-byte header, 8 bytes a permission
	 * entry, the value, the child names) must stay below the entry size,
	 * 2048: data/c (one entry, no value) takes the children 0 to 530
	 * (2014 bytes of names), not 531.
	 */
	for (i = 0; i < 600; i++) {
		snprintf(path, sizeof(path), "data/c/%u", i);
		if (!ask(XS_WRITE, 0, wargs(path, "", 0), "OK"))
			break;
	}
	CHECK(i == 531 && rh.type == XS_ERROR && !strcmp(rbuf, "ENOSPC"),
	      "child %u: '%s' (type %u), wanted ENOSPC at 531", i, rbuf, rh.type);
	EXPECT("RM data/c", XS_RM, 0, args("data/c", NULL), "OK");
	/* the node quota, 1000, the home's own nodes counted: 100 a directory */
	for (i = 0; i < 1100; i++) {
		snprintf(path, sizeof(path), "data/n/%u/%u", i / 100, i % 100);
		if (!ask(XS_WRITE, 0, wargs(path, "x", 1), "OK"))
			break;
	}
	CHECK(i > 900 && i < 1000 && rh.type == XS_ERROR && !strcmp(rbuf, "ENOSPC"),
	      "node %u: '%s' (type %u), wanted ENOSPC between 900 and 1000", i, rbuf, rh.type);
	snprintf(path, sizeof(path), "data/n/%u/more", i / 100);
	EXPECT("another new node", XS_WRITE, 0, wargs(path, "x", 1), "ENOSPC");
	EXPECT("a MKDIR", XS_MKDIR, 0, args(path, NULL), "ENOSPC");
	EXPECT("an existing node rewritten", XS_WRITE, 0, wargs("data/n/0/1", "y", 1), "OK");
	EXPECT("one removed", XS_RM, 0, args("data/n/0/0", NULL), "OK");
	EXPECT("so one more", XS_WRITE, 0, wargs(path, "x", 1), "OK");
	EXPECT("and no more", XS_WRITE, 0, wargs("data/n/0/more2", "x", 1), "ENOSPC");
	EXPECT("RM data/n", XS_RM, 0, args("data/n", NULL), "OK");
	EXPECT("a node after", XS_WRITE, 0, wargs("data/n/after", "x", 1), "OK");
	EXPECT("RM data/n", XS_RM, 0, args("data/n", NULL), "OK");
	printf("xs-evil: 531 children then ENOSPC (entry size); %u new nodes then ENOSPC "
	       "(node quota), room again after an RM\n", i);
	return TEST_PASS;
}

static int perms_and_others(void)
{
	char mine[16], other[80], peers[16], p[80];
	const char *const refused[] = { "/local/domain/0/control/feature-poweroff",
					       "/local/domain/0", other, p };
	unsigned int i;

	snprintf(mine, sizeof(mine), "b%u", self);
	snprintf(peers, sizeof(peers), "r%u", peer);
	snprintf(other, sizeof(other), "/local/domain/%u/data/result", peer);
	snprintf(p, sizeof(p), "/local/domain/%u", peer);
	EXPECT("WRITE data/p", XS_WRITE, 0, wargs("data/p", "v", 1), "OK");
	mine[0] = 'n';
	EXPECT("granting dom0 and the peer", XS_SET_PERMS, 0,
	       args("data/p", mine, "r0", peers, NULL), "OK");
	EXPECT("GET_PERMS", XS_GET_PERMS, 0, args("data/p", NULL), mine);
	CHECK(rh.len == strlen(mine) + 1 + 3 + strlen(peers) + 1 &&
	      !strcmp(rbuf + strlen(mine) + 1, "r0") && !strcmp(rbuf + strlen(mine) + 4, peers),
	      "GET_PERMS data/p: %u bytes", rh.len);
	EXPECT("naming dom0 the owner", XS_SET_PERMS, 0, args("data/p", "n0", NULL), "EPERM");
	EXPECT("a domain that is not there as owner", XS_SET_PERMS, 0,
	       args("data/p", "n999", NULL), "ENOENT");
	EXPECT("one that is not there as reader", XS_SET_PERMS, 0,
	       args("data/p", mine, "r999", NULL), "OK");
	EXPECT("six entries", XS_SET_PERMS, 0,
	       args("data/p", mine, "r1", "r2", "r3", "r4", "r5", NULL), "ENOSPC");
	EXPECT("a bad entry", XS_SET_PERMS, 0, args("data/p", "x5", NULL), "EINVAL");
	if (xen_daemon) {	/* Xen 4.17's answer is a stale errno (xenstore/README.md) */
		ask(XS_SET_PERMS, 0, args("@releaseDomain", mine, NULL), "EACCES");
		printf("xs-evil: SET_PERMS @releaseDomain: %s, not checked\n", rbuf);
		ask(XS_SET_PERMS, 0, args("@other", mine, NULL), "EINVAL");
		printf("xs-evil: SET_PERMS @other: %s, not checked\n", rbuf);
	} else {
		EXPECT("SET_PERMS @releaseDomain", XS_SET_PERMS, 0,
		       args("@releaseDomain", mine, NULL), "EACCES");
		EXPECT("SET_PERMS @other", XS_SET_PERMS, 0, args("@other", mine, NULL), "EINVAL");
	}
	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		const char *n = refused[i];

		EXPECT(n, XS_READ, 0, args(n, NULL), "EACCES");
		EXPECT(n, XS_WRITE, 0, wargs(n, "evil", 4), "EACCES");
		EXPECT(n, XS_MKDIR, 0, args(n, NULL), "EACCES");
		EXPECT(n, XS_RM, 0, args(n, NULL), "EACCES");
		EXPECT(n, XS_GET_PERMS, 0, args(n, NULL), "EACCES");
		EXPECT(n, XS_DIRECTORY, 0, args(n, NULL), "EACCES");
		EXPECT(n, XS_SET_PERMS, 0, args(n, mine, NULL), "EACCES");
	}
	EXPECT("WRITE /evil", XS_WRITE, 0, wargs("/evil", "x", 1), "EACCES");
	EXPECT("RM /", XS_RM, 0, args("/", NULL), "EACCES");
	EXPECT("RM data/p", XS_RM, 0, args("data/p", NULL), "OK");
	printf("xs-evil: SET_PERMS: others named OK, another owner EPERM, a missing owner "
	       "ENOENT, 6 entries ENOSPC; dom0's and d%u's nodes EACCES for every type\n", peer);
	return TEST_PASS;
}

/* Break the ring beyond repair; the daemon must say why and go quiet. */
static int break_ring(const char *how)
{
	volatile struct xenstore_domain_interface *r = xbf_ring();
	uint32_t want, len = args("name", NULL);
	unsigned int naps;

	if (!strcmp(how, "req")) {
		want = XENSTORE_ERROR_RINGIDX;
		r->req_prod = r->req_cons + 2000;
		xbf_kick();
	} else if (!strcmp(how, "rsp")) {
		want = XENSTORE_ERROR_RINGIDX;
		r->rsp_cons = r->rsp_prod + 100;
		send_hdr(XS_READ, ++rid, 0, len, pay, len);	/* a reply to write */
	} else {
		want = XENSTORE_ERROR_PROTO;
		send_hdr(XS_READ, ++rid, 0, XENSTORE_PAYLOAD_MAX + 1, pay, len);
	}
	for (naps = 0; !r->error && naps < WAIT / 10; naps++)
		xbf_nap();
	CHECK(r->error == want, "break=%s: the page's error field is %u, wanted %u (req %#x/%#x "
	      "rsp %#x/%#x)", how, r->error, want, r->req_cons, r->req_prod, r->rsp_cons,
	      r->rsp_prod);
	if (!strcmp(how, "req"))
		r->req_prod = r->req_cons;		/* sane again: still no answer */
	if (!strcmp(how, "rsp"))
		r->rsp_cons = r->rsp_prod;
	send_hdr(XS_READ, ++rid, 0, len, pay, len);
	CHECK(xbf_recv(&rh, rbuf, sizeof(rbuf), QUIET) == -ETIMEDOUT,
	      "break=%s: answered after the break: type %u '%s'", how, rh.type, rbuf);
	printf("xs-evil: break=%s: error field %u, no answer for %u ms after\n", how,
	       r->error, QUIET);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	const char *cmd = (const char *)si->cmd_line;
	const char *how = strstr_simple(cmd, "break=req") ? "req" :
			  strstr_simple(cmd, "break=rsp") ? "rsp" : "len";
	char name[64];
	int rc;

	mm_init(si);
	rc = xbf_init(si);
	if (rc)
		return fail("no store ring or events: %d", rc);
	console_port = si->console.domU.evtchn;
	if (console_page && console_port)
		console_page_notify = console_notify;
	peer = num_arg(cmd, "peer=");
	xen_daemon = strstr_simple(cmd, "daemon=xen");
	rc = xbf_read("domid", name, sizeof(name));
	self = rc ? 0 : num_arg(name, "");
	CHECK(self && peer && peer != self, "domid %u ('%s', %d), peer=%u", self, name, rc, peer);
	printf("xs-evil: d%u, peer d%u, break=%s\n", self, peer, how);
	if (!strstr_simple(cmd, "quick")) {
		if (unknown_and_privileged() || ids() || wrap_and_split() || watches() ||
		    transactions() || paths() || node_quota() || perms_and_others())
			return TEST_FAIL;
		EXPECT("READ name at the end", XS_READ, 0, args("name", NULL), "");
		printf("xs-evil: %u answers as Xen 4.17's in %u ms, %u stray watch events\n",
		       checks, (unsigned int)xbf_ms(), strays);
	}
	return break_ring(how);
}
