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

/* Take @n bytes already peeked off the socket; -1 if they are not there. */
static int discard(int fd, char *buf, size_t n)
{
	while (n) {
		ssize_t k = recv(fd, buf, n, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		n -= k;
	}
	return 0;
}

/*
 * Returns -1 when the connection is finished and must be freed. The bytes
 * are peeked first and taken off the socket only as far as conn_feed()
 * consumed them: a throttled client's further requests wait in the socket,
 * not in our memory.
 */
int sock_read(struct conn *c)
{
	char buf[65536];
	ssize_t n;
	long used;

	if (conn_is_throttled(c))
		return 0;
	n = recv(c->fd, buf, sizeof(buf), MSG_PEEK);
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	if (n == 0) {
		if (c->in_used)
			log_msg("%s: closed mid-message (%zu bytes)", c->name, c->in_used);
		return -1;
	}
	used = conn_feed(c, buf, n);
	if (used < 0) {
		/* taken as before, so the peer sees a close, not a reset */
		discard(c->fd, buf, n);
		return -1;
	}
	return discard(c->fd, buf, used);
}

int sock_write(struct conn *c)
{
	while (c->out_head) {
		struct outmsg *m = c->out_head;
		ssize_t n = write(c->fd, m->buf + m->off, m->len - m->off);

		if (n < 0)
			return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
		if (!conn_sent(c, n))
			return 0;
	}
	return 0;
}
