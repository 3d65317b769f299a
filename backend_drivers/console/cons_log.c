// SPDX-License-Identifier: GPL-2.0-only
/* A console log capped in size, with one rotated file (cons_log.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cons_log.h"

/* Opens the current file for appending and learns its size. */
static int open_current(struct cons_log *l)
{
	struct stat st;

	l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (l->fd < 0)
		return -errno;
	if (fstat(l->fd, &st) || !S_ISREG(st.st_mode)) {
		cons_log_close(l);
		return -EINVAL;		/* only a plain file is a log */
	}
	l->size = st.st_size;
	return 0;
}

int cons_log_open(struct cons_log *l, const char *path, off_t cap)
{
	l->fd = -1;
	l->size = 0;
	l->cap = cap;
	if (snprintf(l->path, sizeof(l->path), "%s", path) >= (int)sizeof(l->path))
		return -ENAMETOOLONG;
	return open_current(l);
}

/* The current file becomes <path>.1; a new, empty one is started. */
static int rotate(struct cons_log *l)
{
	char old[sizeof(l->path) + 2];

	snprintf(old, sizeof(old), "%s.1", l->path);
	cons_log_close(l);
	if (rename(l->path, old) && errno != ENOENT)
		return -errno;
	return open_current(l);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int cons_log_write(struct cons_log *l, const char *buf, size_t len)
{
	while (len && l->fd >= 0) {
		size_t room = l->size < l->cap ? (size_t)(l->cap - l->size) : 0;
		size_t n = len < room ? len : room;
		int rc;

		if (!n) {
			rc = rotate(l);
			if (rc)
				return rc;
			continue;
		}
		rc = write_all(l->fd, buf, n);
		if (rc) {
			cons_log_close(l);
			return rc;
		}
		l->size += (off_t)n;
		buf += n;
		len -= n;
	}
	return l->fd >= 0 ? 0 : -EBADF;
}

void cons_log_close(struct cons_log *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

off_t cons_log_parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s || *s == '-')
		return -1;
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	if (*end || v < CONS_LOG_MIN || v > (1ULL << 40))
		return -1;
	return (off_t)v;
}
