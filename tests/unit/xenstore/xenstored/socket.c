/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Socket-level tests against a running xenstored: test_socket SOCKET.
 * Uses libxs for well-formed traffic and raw sockets for broken framing,
 * and checks after each broken case that the daemon still answers. The
 * harness is tests/unit/unit.h: one "PASS unit/xenstored/socket/<case>"
 * or "FAIL ...: why" line per case.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <lamina/io/xs_wire.h>
#include "xs.h"
#include "../../unit.h"

static const char *sock;

/* A check that ends the case (at its out: label) when it fails. */
#define CHECK(cond) do {						\
	if (!(cond)) {							\
		UNIT_FAIL(#cond);					\
		goto out;						\
	}								\
} while (0)

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read one message with a timeout; returns its type or -1. */
static int raw_reply(int fd, struct xsd_sockmsg *h, char *buf, int timeout_ms)
{
	size_t got = 0, want = sizeof(*h);
	char tmp[sizeof(*h) + XENSTORE_PAYLOAD_MAX];

	while (got < want) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, timeout_ms) <= 0)
			return -1;
		n = read(fd, tmp + got, want - got);
		if (n <= 0)
			return -1;
		got += n;
		if (got == sizeof(*h)) {
			memcpy(h, tmp, sizeof(*h));
			if (h->len > XENSTORE_PAYLOAD_MAX)
				return -1;
			want += h->len;
		}
	}
	memcpy(buf, tmp + sizeof(*h), h->len);
	buf[h->len] = '\0';
	return h->type;
}

static bool closed_by_peer(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	return poll(&p, 1, 3000) == 1 && read(fd, &c, 1) == 0;
}

/* The daemon still serves a fresh client. */
static bool alive(void)
{
	struct xs_handle *h;
	char *v;
	bool ok;

	if (xs_open(sock, &h))
		return false;
	ok = !xs_read(h, 0, "/local/domain/0/name", &v, NULL) && !strcmp(v, "Domain-0");
	if (ok)
		free(v);
	xs_close(h);
	return ok;
}

static void all_types(void)
{
	struct xs_handle *h = NULL;
	char *v = NULL, *p = NULL, *t = NULL;
	const char *perms[] = { "n0", "r3" };
	const char *ctl[] = { "print", "hello from test_socket" };
	unsigned int len;
	uint32_t tx;

	CHECK(!xs_open(sock, &h));
	CHECK(!xs_write(h, 0, "/s/a", "1", 1));
	CHECK(!xs_read(h, 0, "/s/a", &v, &len) && len == 1 && !strcmp(v, "1"));
	free(v), v = NULL;
	CHECK(!xs_mkdir(h, 0, "/s/b"));
	CHECK(xs_directory(h, 0, "/s", &v, &len) == 2 && !memcmp(v, "a\0b\0", 4));
	free(v), v = NULL;
	CHECK(!xs_set_perms(h, 0, "/s/a", perms, 2));
	CHECK(xs_get_perms(h, 0, "/s/a", &v, &len) == 2 && !memcmp(v, "n0\0r3\0", 6));
	free(v), v = NULL;
	CHECK(!xs_watch(h, "/s", "tok"));
	CHECK(!xs_read_watch(h, 2000, &p, &t) && !strcmp(p, "/s") && !strcmp(t, "tok"));
	free(p), free(t), p = t = NULL;
	CHECK(!xs_transaction_start(h, &tx) && tx);
	CHECK(!xs_write(h, tx, "/s/a", "2", 1));
	CHECK(!xs_transaction_end(h, tx, true));
	CHECK(!xs_read_watch(h, 2000, &p, &t) && !strcmp(p, "/s/a"));
	free(p), free(t), p = t = NULL;
	CHECK(!xs_unwatch(h, "/s", "tok"));
	CHECK(xs_unwatch(h, "/s", "tok") == -ENOENT);
	CHECK(!xs_rm(h, 0, "/s/b"));
	CHECK(xs_read(h, 0, "/s/b", &v, &len) == -ENOENT);
	CHECK(!xs_introduce(h, 3, 99, 4));
	CHECK(xs_is_domain_introduced(h, 3) == 1);
	CHECK(!xs_get_domain_path(h, 3, &v) && !strcmp(v, "/local/domain/3"));
	free(v), v = NULL;
	CHECK(!xs_release(h, 3));
	CHECK(xs_is_domain_introduced(h, 3) == 0);
	CHECK(!xs_talk(h, XS_RESUME, 0, "0", 2, NULL, NULL));
	CHECK(xs_talk(h, XS_SET_TARGET, 0, "3\0" "4", 4, NULL, NULL) == -ENOENT);
	CHECK(!xs_talk(h, XS_RESET_WATCHES, 0, "", 1, NULL, NULL));
	CHECK(!xs_talk(h, XS_DIRECTORY_PART, 0, "/s\0" "0", 5, &v, &len));
	CHECK(len > 2 && !strcmp(v + strlen(v) + 1, "a") && v[len - 1] == '\0');
	free(v), v = NULL;
	CHECK(!xs_control(h, ctl, 2, &v, &len) && !strcmp(v, "OK"));
	free(v), v = NULL;
	CHECK(!xs_rm(h, 0, "/s"));
out:
	free(v);
	xs_close(h);
}

static void two_clients(void)
{
	struct xs_handle *a = NULL, *b = NULL;
	char *p = NULL, *t = NULL;
	uint32_t ta, tb;

	CHECK(!xs_open(sock, &a) && !xs_open(sock, &b));
	CHECK(!xs_watch(a, "/two", "A"));
	CHECK(!xs_read_watch(a, 2000, &p, &t));
	free(p), free(t), p = t = NULL;
	CHECK(!xs_write(b, 0, "/two/x", "1", 1));
	CHECK(!xs_read_watch(a, 2000, &p, &t) && !strcmp(p, "/two/x") && !strcmp(t, "A"));
	free(p), free(t), p = t = NULL;
	/* conflicting transactions over two connections */
	CHECK(!xs_transaction_start(a, &ta) && !xs_transaction_start(b, &tb));
	CHECK(!xs_write(a, ta, "/two/x", "a", 1));
	CHECK(!xs_write(b, tb, "/two/x", "b", 1));
	CHECK(!xs_transaction_end(b, tb, true));
	CHECK(xs_transaction_end(a, ta, true) == -EAGAIN);
	/* a transaction id belongs to its connection */
	CHECK(!xs_transaction_start(a, &ta));
	CHECK(xs_write(b, ta, "/two/x", "c", 1) == -ENOENT);
	/* closing a connection drops its watches and transactions */
	xs_close(a), a = NULL;
	CHECK(!xs_write(b, 0, "/two/x", "d", 1));
	CHECK(!xs_rm(b, 0, "/two"));
out:
	free(p), free(t);
	xs_close(a), xs_close(b);
}

static void oversized_header_closes(void)
{
	struct xsd_sockmsg h = { XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1 };
	int fd = raw_connect();

	CHECK(fd >= 0 && write(fd, &h, sizeof(h)) == sizeof(h));
	CHECK(closed_by_peer(fd));
	CHECK(alive());
out:
	if (fd >= 0)
		close(fd);
}

static void payload_length_lie(void)
{
	struct xsd_sockmsg h = { XS_READ, 5, 0, 21 }, r;
	char buf[XENSTORE_PAYLOAD_MAX + 1];
	int fd = raw_connect();

	/* fewer bytes than announced: the daemon waits for the rest */
	CHECK(fd >= 0 && write(fd, &h, sizeof(h)) == sizeof(h));
	CHECK(write(fd, "/local/domain", 13) == 13);
	CHECK(raw_reply(fd, &r, buf, 300) == -1);
	CHECK(alive());
	CHECK(write(fd, "/0/name", 8) == 8);
	CHECK(raw_reply(fd, &r, buf, 3000) == XS_READ && r.req_id == 5 &&
	      !strcmp(buf, "Domain-0"));
	/* and then it lies and hangs up */
	h.len = 100;
	CHECK(write(fd, &h, sizeof(h)) == sizeof(h) && write(fd, "/x", 2) == 2);
	close(fd);
	fd = -1;
	CHECK(alive());
out:
	if (fd >= 0)
		close(fd);
}

static void dropped_mid_header(void)
{
	int fd = raw_connect();

	CHECK(fd >= 0 && write(fd, "\x02\0\0\0\x01\0\0", 7) == 7);
	close(fd);
	fd = -1;
	CHECK(alive());
out:
}

static void raw_error_replies(void)
{
	struct xsd_sockmsg h = { 20, 9, 0, 0 }, r;
	char buf[XENSTORE_PAYLOAD_MAX + 1];
	int fd = raw_connect();

	CHECK(fd >= 0 && write(fd, &h, sizeof(h)) == sizeof(h));
	CHECK(raw_reply(fd, &r, buf, 3000) == XS_ERROR && r.req_id == 9 &&
	      r.len == 7 && !strcmp(buf, "ENOSYS"));
	h = (struct xsd_sockmsg){ XS_READ, 10, 0, 3 };
	CHECK(write(fd, &h, sizeof(h)) == sizeof(h) && write(fd, "/ab", 3) == 3);
	CHECK(raw_reply(fd, &r, buf, 3000) == XS_ERROR && !strcmp(buf, "EINVAL"));
	h = (struct xsd_sockmsg){ XS_READ, 11, 4242, 2 };
	CHECK(write(fd, &h, sizeof(h)) == sizeof(h) && write(fd, "/", 2) == 2);
	CHECK(raw_reply(fd, &r, buf, 3000) == XS_ERROR && r.tx_id == 4242 &&
	      !strcmp(buf, "ENOENT"));
out:
	if (fd >= 0)
		close(fd);
}

/* 200 requests written back to back, then 200 replies in order. */
static void pipelined_in_order(void)
{
	static char out[200 * 64];
	char buf[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg r;
	size_t len = 0;
	int fd = raw_connect(), i;

	for (i = 0; i < 200; i++) {
		struct xsd_sockmsg h = { XS_GET_DOMAIN_PATH, 1000 + i, 0, 0 };
		int n = snprintf(out + len + sizeof(h), 16, "%d", i) + 1;

		h.len = n;
		memcpy(out + len, &h, sizeof(h));
		len += sizeof(h) + n;
	}
	CHECK(fd >= 0 && write(fd, out, len) == (ssize_t)len);
	for (i = 0; i < 200; i++) {
		char want[32];

		snprintf(want, sizeof(want), "/local/domain/%d", i);
		CHECK(raw_reply(fd, &r, buf, 3000) == XS_GET_DOMAIN_PATH);
		CHECK(r.req_id == (uint32_t)(1000 + i) && !strcmp(buf, want));
	}
out:
	if (fd >= 0)
		close(fd);
}

/*
 * A client that sends reads of a big node and takes no reply: the daemon
 * stops reading it (its requests back up into the socket), serves others
 * meanwhile, and answers every request in order once it reads.
 */
static void slow_reader_throttled(void)
{
	static char big[1849];
	char buf[XENSTORE_PAYLOAD_MAX + 1];
	const char path[] = "/slow/big";
	struct xs_handle *h = NULL;
	struct xsd_sockmsg r;
	uint32_t sent = 0, i;
	int fd = raw_connect(), idle = 0;

	memset(big, 'x', 1848);
	CHECK(fd >= 0 && !xs_open(sock, &h) && !xs_write(h, 0, path, big, 1848));
	CHECK(!fcntl(fd, F_SETFL, O_NONBLOCK));
	while (sent < 20000 && idle < 20) {
		struct xsd_sockmsg q = { XS_READ, sent, 0, sizeof(path) };
		char msg[sizeof(q) + sizeof(path)];
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		memcpy(msg, &q, sizeof(q));
		memcpy(msg + sizeof(q), path, sizeof(path));
		if (write(fd, msg, sizeof(msg)) == (ssize_t)sizeof(msg)) {
			sent++, idle = 0;
			continue;
		}
		CHECK(errno == EAGAIN);
		idle += poll(&p, 1, 10) == 0;	/* the daemon is not reading */
	}
	CHECK(sent < 20000);
	CHECK(alive());
	CHECK(!fcntl(fd, F_SETFL, 0));
	for (i = 0; i < sent; i++) {
		CHECK(raw_reply(fd, &r, buf, 3000) == XS_READ);
		CHECK(r.req_id == i && r.len == 1848);
	}
	CHECK(!xs_rm(h, 0, "/slow"));
out:
	if (fd >= 0)
		close(fd);
	xs_close(h);
}

static void many_clients(void)
{
	struct xs_handle *h[40] = { NULL };
	char path[32], *v = NULL;
	int i;

	for (i = 0; i < 40; i++)
		CHECK(!xs_open(sock, &h[i]));
	for (i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "/many/%d", i);
		CHECK(!xs_write(h[i], 0, path, path, strlen(path)));
	}
	for (i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "/many/%d", 39 - i);
		CHECK(!xs_read(h[i], 0, path, &v, NULL) && !strcmp(v, path));
		free(v), v = NULL;
	}
	CHECK(!xs_rm(h[0], 0, "/many"));
out:
	for (i = 0; i < 40; i++)
		xs_close(h[i]);
}

/* A socket client can become an ordinary guest (control drop-privilege). */
static void guest_view(void)
{
	const char *drop[] = { "drop-privilege", "9" };
	struct xs_handle *h = NULL, *g = NULL;
	char *v = NULL;

	CHECK(!xs_open(sock, &h) && !xs_open(sock, &g));
	CHECK(!xs_control(g, drop, 2, NULL, NULL));
	CHECK(xs_read(g, 0, "/local/domain/0/name", &v, NULL) == -EACCES);
	CHECK(xs_write(g, 0, "/tool/x", "1", 1) == -EACCES);
	CHECK(xs_introduce(g, 4, 1, 1) == -EACCES);
	CHECK(xs_write(g, 0, "data", "1", 1) == -EACCES);	/* no home yet */
	CHECK(!xs_mkdir(h, 0, "/local/domain/9"));
	{
		const char *p[] = { "n9" };

		CHECK(!xs_set_perms(h, 0, "/local/domain/9", p, 1));
	}
	CHECK(!xs_write(g, 0, "data", "1", 1));
	CHECK(!xs_read(h, 0, "/local/domain/9/data", &v, NULL) && !strcmp(v, "1"));
	CHECK(!xs_rm(h, 0, "/local/domain/9"));
out:
	free(v);
	xs_close(h), xs_close(g);
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The write rate limit in the daemon's own loop (Xen 4.17's, see
 * xenstore/README.md): a client turned into domain 11, introduced, sends
 * 110 writes at once while dom0 holds a transaction open. With at least
 * two domains it earns at most 100 writes a second past its burst of 10,
 * so its last reply comes a second later or more; dom0 is answered
 * meanwhile at once. With the transaction ended the same writes go
 * through without waiting.
 */
static void write_rate_limited(void)
{
	static char out[110 * 64];
	static const char drop[] = "drop-privilege\0" "11";
	const char *perm[] = { "n11" };
	char buf[XENSTORE_PAYLOAD_MAX + 1], *v = NULL;
	struct xs_handle *h = NULL;
	struct xsd_sockmsg r, q = { XS_CONTROL, 1, 0, sizeof(drop) };
	long long start, dom0_ms, flood_ms, free_ms;
	size_t len = 0;
	uint32_t tx = 0;
	int fd = raw_connect(), i, round;

	CHECK(fd >= 0 && !xs_open(sock, &h));
	CHECK(!xs_introduce(h, 11, 1, 1));
	CHECK(!xs_mkdir(h, 0, "/local/domain/11") &&
	      !xs_set_perms(h, 0, "/local/domain/11", perm, 1));
	memcpy(buf, &q, sizeof(q));
	memcpy(buf + sizeof(q), drop, sizeof(drop));
	CHECK(write(fd, buf, sizeof(q) + sizeof(drop)) == (ssize_t)(sizeof(q) + sizeof(drop)));
	CHECK(raw_reply(fd, &r, buf, 3000) == XS_CONTROL);
	for (i = 0; i < 110; i++) {
		struct xsd_sockmsg w = { XS_WRITE, 100 + i, 0, 6 };

		memcpy(out + len, &w, sizeof(w));
		memcpy(out + len + sizeof(w), "data\0v", 6);
		len += sizeof(w) + 6;
	}
	for (round = 0; round < 2; round++) {
		if (!round)
			CHECK(!xs_transaction_start(h, &tx));
		start = mono_ms();
		CHECK(write(fd, out, len) == (ssize_t)len);
		if (!round) {
			CHECK(!xs_read(h, 0, "/local/domain/0/name", &v, NULL));
			dom0_ms = mono_ms() - start;
		}
		for (i = 0; i < 110; i++) {
			CHECK(raw_reply(fd, &r, buf, 5000) == XS_WRITE);
			CHECK(r.req_id == (uint32_t)(100 + i));
		}
		if (!round) {
			flood_ms = mono_ms() - start;
			CHECK(!xs_transaction_end(h, tx, false));
			tx = 0;
			usleep(50 * 1000);	/* its credit back above 0 */
		} else {
			free_ms = mono_ms() - start;
		}
	}
	/* Relative bounds but the limit's own second: a loaded host slows all alike. */
	CHECK(flood_ms >= 900 && dom0_ms < flood_ms / 3 && free_ms < flood_ms / 2);
	CHECK(!xs_rm(h, 0, "/local/domain/11") && !xs_release(h, 11));
out:
	if (tx)
		xs_transaction_end(h, tx, false);
	free(v);
	if (fd >= 0)
		close(fd);
	xs_close(h);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_socket SOCKET\n");
		return 2;
	}
	sock = argv[1];
	unit_suite = "xenstored/socket";
	RUN(all_types);
	RUN(two_clients);
	RUN(oversized_header_closes);
	RUN(payload_length_lie);
	RUN(dropped_mid_header);
	RUN(raw_error_replies);
	RUN(pipelined_in_order);
	RUN(slow_reader_throttled);
	RUN(many_clients);
	RUN(guest_view);
	RUN(write_rate_limited);
	return 0;
}
