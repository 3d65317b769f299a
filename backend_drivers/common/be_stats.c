// SPDX-License-Identifier: GPL-2.0-only
/* Stats files for vmtop: see be_stats.h and docs/io-stats.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "be_stats.h"

static struct be_stats *open_list;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static const char *root(void)
{
	const char *r = getenv("LAMINA_STATS_DIR");

	return r && r[0] == '/' ? r : BE_STATS_DIR;
}

/* Each missing directory of @path (absolute), 0755. */
static int make_dirs(const char *path)
{
	char p[sizeof(((struct be_stats *)0)->dir)];
	size_t i;

	snprintf(p, sizeof(p), "%s", path);
	for (i = 1; ; i++) {
		char c = p[i];

		if (c != '/' && c != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		if (!c)
			return 0;
		p[i] = c;
	}
}

static int write_file(struct be_stats *s)
{
	char text[BE_STATS_MAX * 40], tmp[sizeof(s->path) + 8];
	int n = 0, fd, rc = 0;
	unsigned int k;

	s->written_ns = mono_ns();
	s->dirty = false;
	for (k = 0; k < s->nkeys && k < BE_STATS_MAX; k++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%s %llu\n", s->keys[k],
			      (unsigned long long)s->v[k]);
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno == ENOENT && !make_dirs(s->dir))	/* /run emptied under us */
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, (size_t)n) != n)
		rc = -EIO;
	if (close(fd) && !rc)
		rc = -EIO;
	if (!rc && rename(tmp, s->path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

int be_stats_open(struct be_stats *s, const char *type, unsigned int domid, unsigned int devid,
		  const char *const *keys, unsigned int nkeys)
{
	int rc;

	if (s->open)
		be_stats_close(s);
	memset(s, 0, sizeof(*s));
	s->keys = keys;
	s->nkeys = nkeys < BE_STATS_MAX ? nkeys : BE_STATS_MAX;
	snprintf(s->dir, sizeof(s->dir), "%s/%u", root(), domid);
	snprintf(s->path, sizeof(s->path), "%s/%s-%u", s->dir, type, devid);
	s->open = true;
	s->next = open_list;
	open_list = s;
	rc = make_dirs(s->dir);
	return rc ? rc : write_file(s);
}

void be_stats_changed(struct be_stats *s)
{
	if (!s->open)
		return;
	s->dirty = true;
	s->changed_ns = mono_ns();
}

/*
 * When a pending write is due: a second after the last, and not before
 * the device has been quiet for BE_STATS_QUIET_NS, the write being off
 * the path of the request just answered (a backend goes on running until
 * it sleeps, and its guest waits for that on one CPU); traffic that never
 * pauses gets it BE_STATS_LATE_NS after the second.
 */
static uint64_t due_ns(const struct be_stats *s)
{
	uint64_t due = s->written_ns + BE_STATS_EVERY_NS, quiet = s->changed_ns + BE_STATS_QUIET_NS;

	if (quiet > due)
		due = quiet;
	if (due > s->written_ns + BE_STATS_EVERY_NS + BE_STATS_LATE_NS)
		due = s->written_ns + BE_STATS_EVERY_NS + BE_STATS_LATE_NS;
	return due;
}

int be_stats_poll_ms(void)
{
	uint64_t now = mono_ns(), wait = ~0ULL;
	const struct be_stats *s;

	for (s = open_list; s; s = s->next) {
		uint64_t due = due_ns(s), left = due > now ? due - now : 0;

		if (s->dirty && left < wait)
			wait = left;
	}
	if (wait == ~0ULL)
		return -1;
	return (int)((wait + 999999) / 1000000);
}

void be_stats_flush_due(void)
{
	uint64_t now = mono_ns();
	struct be_stats *s;

	for (s = open_list; s; s = s->next)
		if (s->dirty && now >= due_ns(s))
			write_file(s);
}

void be_stats_close(struct be_stats *s)
{
	struct be_stats **p;

	if (!s->open)
		return;
	for (p = &open_list; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	s->open = false;
	unlink(s->path);
	rmdir(s->dir);		/* fails while another device of the domain has a file */
}
