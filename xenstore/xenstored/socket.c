/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Unix socket for dom0 tools. Every client is treated as dom0 and is
 * privileged, as with Xen's xenstored; the socket is created mode 0600 so
 * only the daemon's user (root in dom0) can connect.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "xenstored.h"

int sock_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *dir, *slash;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	dir = strdup(path);
	if (dir && (slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);	/* /run/xenstored may not exist yet */
	}
	free(dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0600) ||
	    listen(fd, 64)) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

void sock_accept(int lfd)
{
	static unsigned int serial;
	char name[32];
	struct conn *c;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	snprintf(name, sizeof(name), "socket#%u", ++serial);
	c = conn_new(0, true, name);
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	log_debug("%s: connected", name);
}

/*
 * A throttled client's requests (see conn.c): what one read brought beyond
 * the point where its connection became throttled waits in c->stash (at
 * most one read, 64 KiB) and is fed, before anything more is read, as soon
 * as its replies have gone out. No more is read meanwhile, so the rest of
 * its requests wait in the socket, not in our memory.
 */
static int keep(struct conn *c, const char *p, size_t n)
{
	c->stash = malloc(n);
	if (!c->stash)
		return -1;
	memcpy(c->stash, p, n);
	c->stash_off = 0;
	c->stash_len = n;
	return 0;
}

/* Feeds the stash while the connection is not throttled; -1 when it broke. */
static int feed_stash(struct conn *c)
{
	long used;

	if (!c->stash_len || conn_is_throttled(c))
		return 0;
	used = conn_feed(c, c->stash + c->stash_off, c->stash_len);
	if (used < 0)
		return -1;
	c->stash_off += used;
	c->stash_len -= used;
	if (!c->stash_len) {
		free(c->stash);
		c->stash = NULL;
	}
	return 0;
}

/* Returns -1 when the connection is finished and must be freed. */
int sock_read(struct conn *c)
{
	char buf[65536];
	ssize_t n;
	long used;

	if (feed_stash(c))
		return -1;
	if (c->stash_len || conn_is_throttled(c))
		return 0;
	n = read(c->fd, buf, sizeof(buf));
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	if (n == 0) {
		if (c->in_used)
			log_msg("%s: closed mid-message (%zu bytes)", c->name, c->in_used);
		return -1;
	}
	used = conn_feed(c, buf, n);
	if (used < 0)
		return -1;
	return used < n ? keep(c, buf + used, n - used) : 0;
}

/*
 * Sends what the socket takes, then, with the room that made in the output
 * queue, feeds the stash: the main loop calls this for every connection on
 * every pass, so a stash never waits while its connection is not throttled.
 */
int sock_write(struct conn *c)
{
	while (c->out_head) {
		struct outmsg *m = c->out_head;
		ssize_t n = write(c->fd, m->buf + m->off, m->len - m->off);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				return -1;
			break;
		}
		if (!conn_sent(c, n))
			break;
	}
	return feed_stash(c);
}
