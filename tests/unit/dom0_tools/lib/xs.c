// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of dom0_tools/lib/xs.c (libxs) without xenstored: a forked
 * "daemon" answers one request with scripted bytes, so the framing, error
 * replies, watch events arriving before a reply, stale and malformed
 * replies and hang-ups are each seen once; plus the paths that never reach
 * a daemon (no socket, a plain file as the device, oversized requests),
 * and a batch of requests sent before their replies are read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <lamina/io/xs_wire.h>
#include "../../unit.h"
#include "../../../../dom0_tools/lib/xs.h"

#define REQ_ID_OF_REQUEST	0xFFFFFFFFU	/* replaced by the request's req_id */

static char dir[64], sock[96];

struct script {
	char bytes[8192];
	size_t len;
};

static void add_msg(struct script *s, uint32_t type, uint32_t req_id, const void *body,
		    uint32_t len)
{
	struct xsd_sockmsg h = { .type = type, .req_id = req_id, .len = len };

	memcpy(s->bytes + s->len, &h, sizeof(h));
	s->len += sizeof(h);
	if (body && len)
		memcpy(s->bytes + s->len, body, len);
	s->len += body ? len : 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The child: one connection, one request, the script, then wait for EOF. */
static void serve(int lfd, struct script *s)
{
	struct xsd_sockmsg req;
	char body[XENSTORE_PAYLOAD_MAX], drain;
	size_t off;
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0 || read_full(fd, &req, sizeof(req)) || req.len > sizeof(body) ||
	    read_full(fd, body, req.len))
		_exit(1);
	for (off = 0; off + sizeof(struct xsd_sockmsg) <= s->len;) {
		struct xsd_sockmsg h;

		memcpy(&h, s->bytes + off, sizeof(h));
		if (h.req_id == REQ_ID_OF_REQUEST)
			h.req_id = req.req_id;
		memcpy(s->bytes + off, &h, sizeof(h));
		off += sizeof(h) + (h.len <= XENSTORE_PAYLOAD_MAX ? h.len : 0);
	}
	if (write(fd, s->bytes, s->len) != (ssize_t)s->len)
		_exit(1);
	shutdown(fd, SHUT_WR);		/* nothing more: a short script is a hang-up */
	while (read(fd, &drain, 1) > 0)
		;
	_exit(0);
}

/* A daemon for one request; returns its pid (the socket is at sock). */
static pid_t daemon_with(struct script *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	unlink(sock);
	strcpy(sa.sun_path, sock);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1))
		return -1;
	pid = fork();
	if (pid == 0)
		serve(lfd, s);
	close(lfd);
	return pid;
}

/* xs_read of /x against @s: its result, the value in *val. */
static int read_against(struct script *s, char **val, unsigned int *len, struct xs_handle **keep)
{
	struct xs_handle *h;
	pid_t pid = daemon_with(s);
	int rc;

	if (pid < 0)
		return -999;
	rc = xs_open(sock, &h);
	if (rc)
		return rc;
	*val = NULL;
	rc = xs_read(h, 0, "/x", val, len);
	if (keep)
		*keep = h;
	else
		xs_close(h);
	if (!keep)
		waitpid(pid, NULL, 0);
	return rc;
}

static void reply_value(void)
{
	struct script s = { .len = 0 };
	unsigned int len = 0;
	char *val;

	add_msg(&s, XS_READ, REQ_ID_OF_REQUEST, "hello", 5);
	EXPECT_EQ(read_against(&s, &val, &len, NULL), 0);
	EXPECT(val && !strcmp(val, "hello"));
	EXPECT_EQ(len, 5);
	free(val);
}

static void error_reply_is_errno(void)
{
	struct script s = { .len = 0 };
	unsigned int len;
	char *val;

	add_msg(&s, XS_ERROR, REQ_ID_OF_REQUEST, "EACCES", 7);
	EXPECT_EQ(read_against(&s, &val, &len, NULL), -EACCES);
	EXPECT(val == NULL);
	s.len = 0;
	add_msg(&s, XS_ERROR, REQ_ID_OF_REQUEST, "EWHATEVER", 10);
	EXPECT_EQ(read_against(&s, &val, &len, NULL), -EINVAL);
}

/* An event before the reply is kept for xs_read_watch; a stale reply is skipped. */
static void event_and_stale_reply(void)
{
	struct script s = { .len = 0 };
	struct xs_handle *h = NULL;
	char *val, *path = NULL, *token = NULL;
	unsigned int len;

	add_msg(&s, XS_WATCH_EVENT, 0, "/a\0tok", 7);
	add_msg(&s, XS_READ, 12345, "stale", 5);
	add_msg(&s, XS_READ, REQ_ID_OF_REQUEST, "v", 1);
	EXPECT_EQ(read_against(&s, &val, &len, &h), 0);
	EXPECT(val && !strcmp(val, "v"));
	free(val);
	if (!h)
		return;
	EXPECT_EQ(xs_read_watch(h, 0, &path, &token), 0);
	EXPECT(path && token && !strcmp(path, "/a") && !strcmp(token, "tok"));
	free(path);
	free(token);
	xs_close(h);
	wait(NULL);
}

static void malformed_replies(void)
{
	struct script s = { .len = 0 };
	struct xsd_sockmsg big = { .type = XS_READ, .req_id = REQ_ID_OF_REQUEST,
				   .len = XENSTORE_PAYLOAD_MAX + 1 };
	unsigned int len;
	char *val;

	add_msg(&s, XS_WRITE, REQ_ID_OF_REQUEST, "OK", 3);	/* the wrong type */
	EXPECT_EQ(read_against(&s, &val, &len, NULL), -EPROTO);
	s.len = 0;
	memcpy(s.bytes, &big, sizeof(big));
	s.len = sizeof(big);
	EXPECT_EQ(read_against(&s, &val, &len, NULL), -EPROTO);
	s.len = 0;
	add_msg(&s, XS_WATCH_EVENT, 0, "no-token", 8);	/* no NUL: not an event */
	EXPECT_EQ(read_against(&s, &val, &len, NULL), -EPROTO);
	s.len = 8;					/* half a header, then hang up */
	EXPECT_EQ(read_against(&s, &val, &len, NULL), -ECONNRESET);
}

static void no_daemon(void)
{
	char path[200], big[XENSTORE_PAYLOAD_MAX + 1];
	struct xs_handle *h;
	int fd;

	EXPECT_EQ(xs_open("/nonexistent-xs-dir/socket", &h), -ENOENT);
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	EXPECT_EQ(xs_open(path, &h), -ENAMETOOLONG);

	/* A plain file is opened as a device (xenbus): it never answers. */
	snprintf(path, sizeof(path), "%s/device", dir);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	close(fd);
	EXPECT_EQ(xs_open(path, &h), 0);
	if (fd >= 0 && h) {
		char *val;
		unsigned int len;

		EXPECT_EQ(xs_read(h, 0, "/x", &val, &len), -ECONNRESET);
		memset(big, 'v', sizeof(big));
		EXPECT_EQ(xs_write(h, 0, "/x", big, sizeof(big)), -E2BIG);
		xs_close(h);
	}
	unlink(path);
	xs_close(NULL);
}

static void names_and_defaults(void)
{
	EXPECT_EQ(xs_errno_of("ENOENT"), ENOENT);
	EXPECT_EQ(xs_errno_of("EQUOTA"), EINVAL);
	unsetenv("XENSTORED_PATH");
	EXPECT(!strcmp(xs_default_socket(), "/run/xenstored/socket"));
	setenv("XENSTORED_PATH", "", 1);
	EXPECT(!strcmp(xs_default_socket(), "/run/xenstored/socket"));
	setenv("XENSTORED_PATH", "/tmp/other", 1);
	EXPECT(!strcmp(xs_default_socket(), "/tmp/other"));
	unsetenv("XENSTORED_PATH");
}

/* A daemon for @s, a handle on it in a batch, and the batch's first write queued. */
static pid_t batch_started(struct script *s, struct xs_handle **h)
{
	pid_t pid = daemon_with(s);

	EXPECT(pid > 0);
	EXPECT_EQ(xs_open(sock, h), 0);
	xs_batch_begin(*h);
	EXPECT_EQ(xs_write(*h, 0, "/a", "1", 1), 0);
	return pid;
}

/*
 * A batch (xs_batch_begin): its requests are all written before any reply
 * is read; the replies are taken in order, a watch event among them
 * queued, and xs_batch_end gives the first error. A request whose reply is
 * wanted sends what is queued first. (The daemon reads the first request
 * and answers all of them: the others are in the socket by then.)
 */
static void batch(void)
{
	struct script s = { .len = 0 };
	const char *perms[] = { "n0" };
	struct xs_handle *h;
	unsigned int len;
	char *val = NULL;
	pid_t pid;

	add_msg(&s, XS_WRITE, 1, "OK", 3);
	add_msg(&s, XS_WATCH_EVENT, 0, "/w\0tok", 7);
	add_msg(&s, XS_ERROR, 2, "EACCES", 7);
	add_msg(&s, XS_SET_PERMS, 3, "OK", 3);
	add_msg(&s, XS_ERROR, 4, "ENOENT", 7);
	pid = batch_started(&s, &h);
	EXPECT_EQ(xs_write(h, 0, "/b", "2", 1), 0);
	EXPECT_EQ(xs_set_perms(h, 0, "/c", perms, 1), 0);
	EXPECT_EQ(xs_rm(h, 0, "/d"), 0);
	EXPECT(!xs_events_queued(h));
	EXPECT_EQ(xs_batch_end(h), -EACCES);
	EXPECT(xs_events_queued(h));
	/* After the batch, one request at a time again: the daemon hung up. */
	EXPECT_EQ(xs_write(h, 0, "/e", "3", 1), -ECONNRESET);
	xs_close(h);
	waitpid(pid, NULL, 0);

	s.len = 0;
	add_msg(&s, XS_WRITE, 1, "OK", 3);
	add_msg(&s, XS_READ, 2, "v", 1);
	pid = batch_started(&s, &h);
	EXPECT_EQ(xs_read(h, 0, "/a", &val, &len), 0);
	EXPECT(val && !strcmp(val, "v"));
	free(val);
	EXPECT_EQ(xs_batch_end(h), 0);
	xs_close(h);
	waitpid(pid, NULL, 0);
}

/*
 * A batch past its 16 KiB bound: what is queued is sent and answered
 * mid-batch, and the first error is still the one xs_batch_end gives,
 * whether it came in the early part or the last; the req_ids of the two
 * parts follow on (a reply taken for the wrong request would pass an
 * error by, or hang the read). 40 writes of 1 KiB: the bound falls after
 * the 15th.
 */
static void batch_over_bound(void)
{
	static char val[1000];
	unsigned int bad, i;

	memset(val, 'v', sizeof(val));
	for (bad = 2; bad <= 39; bad += 37) {
		struct script s = { .len = 0 };
		struct xs_handle *h;
		pid_t pid;

		for (i = 1; i <= 40; i++) {
			if (i == bad)
				add_msg(&s, XS_ERROR, i, "EACCES", 7);
			else if (i == 30)
				add_msg(&s, XS_ERROR, i, "ENOENT", 7);	/* a later error: not the first */
			else
				add_msg(&s, XS_WRITE, i, "OK", 3);
		}
		pid = batch_started(&s, &h);	/* request 1 */
		for (i = 2; i <= 40; i++)
			EXPECT_EQ(xs_write(h, 0, "/a", val, sizeof(val)), 0);
		EXPECT_EQ(xs_batch_end(h), bad < 30 ? -EACCES : -ENOENT);
		xs_close(h);
		waitpid(pid, NULL, 0);
	}
}

/*
 * A transaction's end asked for inside a batch is not held back: what is
 * queued goes first, then the end, whose own answer (a commit's EAGAIN)
 * comes back from xs_transaction_end; the queued write's error is still
 * xs_batch_end's. (Held in the batch, the end returned 0 at once and its
 * EAGAIN was lost behind the write's EACCES.)
 */
static void batch_txn_end_alone(void)
{
	struct script s = { .len = 0 };
	struct xs_handle *h;
	pid_t pid;

	add_msg(&s, XS_WRITE, 1, "OK", 3);
	add_msg(&s, XS_ERROR, 2, "EACCES", 7);
	add_msg(&s, XS_ERROR, 3, "EAGAIN", 7);
	pid = batch_started(&s, &h);
	EXPECT_EQ(xs_write(h, 5, "/b", "2", 1), 0);
	EXPECT_EQ(xs_transaction_end(h, 5, true), -EAGAIN);
	EXPECT_EQ(xs_batch_end(h), -EACCES);
	xs_close(h);
	waitpid(pid, NULL, 0);
}

int main(void)
{
	unit_suite = "dom0_tools/lib/xs";
	snprintf(dir, sizeof(dir), "/tmp/xs-test.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("FAIL unit/%s: mkdtemp\n", unit_suite);
		return 0;
	}
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	RUN(reply_value);
	RUN(error_reply_is_errno);
	RUN(event_and_stale_reply);
	RUN(malformed_replies);
	RUN(no_daemon);
	RUN(names_and_defaults);
	RUN(batch);
	RUN(batch_over_bound);
	RUN(batch_txn_end_alone);
	unlink(sock);
	rmdir(dir);
	return 0;
}
