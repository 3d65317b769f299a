// SPDX-License-Identifier: GPL-2.0-only
/*
 * The backends' published I/O counters (docs/io-stats.md): one file per
 * device, DIR/<domid>/<type>-<devid>, of "key value" lines.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "model.h"

static int key_ok(const char *k, size_t n)
{
	size_t i;

	if (!n || n >= sizeof(((struct vt_dev *)0)->key[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return 0;
	return 1;
}

int vt_parse_stats(const char *text, struct vt_dev *d)
{
	const char *p = text;

	d->nkeys = 0;
	while (*p) {
		const char *eol = strchr(p, '\n'), *sp;
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char num[24];
		char *end;
		unsigned long long v;

		sp = memchr(p, ' ', n);
		if (n && p[0] != '#') {
			size_t kl = sp ? (size_t)(sp - p) : n, vl = sp ? n - kl - 1 : 0;

			if (!sp || !key_ok(p, kl) || !vl || vl >= sizeof(num))
				return -EINVAL;
			memcpy(num, sp + 1, vl);
			num[vl] = '\0';
			if (num[0] < '0' || num[0] > '9')
				return -EINVAL;
			errno = 0;
			v = strtoull(num, &end, 10);
			if (*end || errno)
				return -EINVAL;
			if (d->nkeys < VT_MAX_KEYS) {	/* the rest are ignored */
				memcpy(d->key[d->nkeys], p, kl);
				d->key[d->nkeys][kl] = '\0';
				d->val[d->nkeys++] = v;
			}
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	return 0;
}

/* "vbd-51712" -> type "vbd", devid 51712. */
static int parse_name(const char *name, struct vt_dev *d)
{
	const char *dash = strchr(name, '-'), *c;
	char *end;
	unsigned long id;

	if (!dash || dash == name || (size_t)(dash - name) >= sizeof(d->type) ||
	    dash[1] < '0' || dash[1] > '9')
		return -EINVAL;
	for (c = name; c < dash; c++)	/* a device class: shown and printed as JSON as it is */
		if (*c < 'a' || *c > 'z')
			return -EINVAL;
	id = strtoul(dash + 1, &end, 10);
	if (*end || id > 0xffffffffUL)
		return -EINVAL;
	memcpy(d->type, name, (size_t)(dash - name));
	d->type[dash - name] = '\0';
	d->devid = (unsigned int)id;
	return 0;
}

static int cmp_dev(const void *pa, const void *pb)
{
	const struct vt_dev *a = pa, *b = pb;
	int c = strcmp(a->type, b->type);

	return c ? c : (a->devid > b->devid) - (a->devid < b->devid);
}

int vt_read_stats_dir(const char *dir, unsigned int domid, struct vt_dom *dom)
{
	char path[512];
	DIR *dp;
	struct dirent *e;

	dom->ndev = 0;
	snprintf(path, sizeof(path), "%s/%u", dir, domid);
	dp = opendir(path);
	if (!dp)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(dp)) && dom->ndev < VT_MAX_DEVS) {
		struct vt_dev *d = &dom->dev[dom->ndev];
		char file[800], text[2048];
		ssize_t n;
		int fd;

		if (e->d_name[0] == '.' || parse_name(e->d_name, d))
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (n < 0)
			continue;
		text[n] = '\0';
		if (!vt_parse_stats(text, d))
			dom->ndev++;
	}
	closedir(dp);
	qsort(dom->dev, dom->ndev, sizeof(dom->dev[0]), cmp_dev);
	return 0;
}
