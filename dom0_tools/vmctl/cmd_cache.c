// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmctl cache [list | clear]: the cache of unpacked kernels and ramdisks
 * that vmctl create keeps (libvmctl/kcache.h). list: one line an entry,
 * the least recently used first, and the total against the bound;
 * clear: every entry removed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kcache.h"
#include "vmctl.h"

struct listing {
	struct vmctl_kcache_entry *v;
	size_t n, cap;
};

static void add(void *arg, const struct vmctl_kcache_entry *e)
{
	struct listing *l = arg;
	struct vmctl_kcache_entry *nv;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		nv = realloc(l->v, l->cap * sizeof(*nv));
		if (!nv)
			return;
		l->v = nv;
	}
	l->v[l->n++] = *e;
}

static int by_use(const void *a, const void *b)
{
	const struct vmctl_kcache_entry *x = a, *y = b;

	return x->used < y->used ? -1 : x->used > y->used;
}

static int list(const struct vmctl_kcache *c)
{
	struct listing l = { 0 };
	uint64_t total = 0;
	time_t now = time(NULL);
	size_t i;
	int rc = vmctl_kcache_list(c, add, &l);

	if (rc == -ENOENT) {
		printf("nothing cached (%s does not exist)\n", c->dir);
		return 0;
	}
	if (rc) {
		fprintf(stderr, "vmctl: cannot read the cache %s: %s\n", c->dir,
			rc == -EPERM ? "not a directory of this user with mode 0700" :
			strerror(-rc));
		return 1;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), by_use);
	printf("%-20s %-7s %10s %8s  %-16s %s\n", "Entry", "Kind", "KiB", "Used", "Format",
	       "Source");
	for (i = 0; i < l.n; i++) {
		const struct vmctl_kcache_entry *e = &l.v[i];
		long age = (long)(now - e->used);

		total += e->bytes;
		if (!e->valid) {
			printf("%-20s %-7s %10llu %7lds  (damaged: removed when next met)\n", e->name,
			       e->kind == 'k' ? "kernel" : "ramdisk",
			       (unsigned long long)(e->bytes >> 10), age);
			continue;
		}
		printf("%-20s %-7s %10llu %7lds  %-16s %s\n", e->name,
		       e->kind == 'k' ? "kernel" : "ramdisk", (unsigned long long)(e->bytes >> 10),
		       age, e->src_format, e->source);
	}
	printf("%zu entr%s, %llu KiB of %llu MiB in %s%s\n", l.n, l.n == 1 ? "y" : "ies",
	       (unsigned long long)(total >> 10), (unsigned long long)(c->max_bytes >> 20),
	       c->dir, c->off ? " (off: VMCTL_CACHE)" : "");
	free(l.v);
	return 0;
}

int cmd_cache(int argc, char **argv)
{
	struct vmctl_kcache c;
	int rc;

	vmctl_kcache_init(&c);
	if (argc > 2)
		return vmctl_bad_usage("cache", "unexpected argument '%s'", argv[2]);
	if (argc < 2 || !strcmp(argv[1], "list"))
		return list(&c);
	if (strcmp(argv[1], "clear"))
		return vmctl_bad_usage("cache", "unknown action '%s'", argv[1]);
	rc = vmctl_kcache_clear(&c);
	if (rc == -ENOENT) {
		printf("nothing cached (%s does not exist)\n", c.dir);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "vmctl: cannot clear the cache %s: %s\n", c.dir,
			rc == -EPERM ? "not a directory of this user with mode 0700" :
			strerror(-rc));
		return 1;
	}
	printf("%d entr%s removed from %s\n", rc, rc == 1 ? "y" : "ies", c.dir);
	return 0;
}
