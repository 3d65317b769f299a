/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Paths as clients send them. Absolute paths start with '/', relative ones
 * are below /local/domain/<domid>, and "@name" paths are special watch
 * nodes (only @introduceDomain and @releaseDomain exist, see ops.c). Allowed characters are letters, digits and "-/_@"; no empty
 * component and no trailing '/' except for the root itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xenstored.h"

static bool chars_valid(const char *p)
{
	for (; *p; p++) {
		char ch = *p;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr("-/_@", ch)))
			return false;
	}
	return true;
}

bool path_is_special(const char *p)
{
	return p[0] == '@';
}

/* The path of child @name of @parent (malloc'd), NULL without memory. */
char *path_child(const char *parent, const char *name)
{
	char *p = malloc(strlen(parent) + strlen(name) + 2);

	if (p)
		sprintf(p, "%s/%s", strcmp(parent, "/") ? parent : "", name);
	return p;
}

static bool absolute_valid(const char *p)
{
	size_t len = strlen(p);

	if (p[0] != '/' || len > XENSTORE_ABS_PATH_MAX)
		return false;
	if (len > 1 && p[len - 1] == '/')
		return false;
	return !strstr(p, "//") && chars_valid(p);
}

/*
 * Resolve @in for connection @c into a malloc'ed absolute path. Unprivileged
 * domains are held to quota.path, counted as Xen 4.17 counts it: after
 * "/local/domain/<id>/" for any id (its sscanf "%5u" reading the id), from
 * the start elsewhere; and to XENSTORE_ABS_PATH_MAX.
 */
int path_resolve(const struct conn *c, const char *in, bool special_ok, char **out)
{
	char home[32];
	char *p;
	int len;

	/* as Xen 4.17's watch paths: any "@..." up to XENSTORE_REL_PATH_MAX */
	if (path_is_special(in)) {
		if (!special_ok || strlen(in) > XENSTORE_REL_PATH_MAX)
			return -EINVAL;
		p = strdup(in);
		goto done;
	}
	len = snprintf(home, sizeof(home), "/local/domain/%u/", c->domid);
	if (in[0] == '/') {
		p = strdup(in);
	} else {
		if (!in[0] || strlen(in) > XENSTORE_ABS_PATH_MAX)
			return -EINVAL;
		p = malloc(len + strlen(in) + 1);
		if (p) {
			memcpy(p, home, len);
			strcpy(p + len, in);
		}
	}
	if (!p)
		return -ENOMEM;
	if (!absolute_valid(p))
		goto inval;
	if (!c->privileged) {
		unsigned int domid;
		int off = 0;

		if (sscanf(p, "/local/domain/%5u/%n", &domid, &off) != 1)
			off = 0;
		if (strlen(p) > (size_t)off + quota.path)
			goto inval;
	}
done:
	if (!p)
		return -ENOMEM;
	*out = p;
	return 0;
inval:
	free(p);
	return -EINVAL;
}

/* "/a/b" -> "/a", "/a" -> "/"; NULL for "/" or on ENOMEM. */
char *path_parent(const char *p)
{
	const char *slash = strrchr(p, '/');

	if (!slash || !strcmp(p, "/"))
		return NULL;
	if (slash == p)
		return strdup("/");
	return strndup(p, slash - p);
}

const char *path_basename(const char *p)
{
	const char *slash = strrchr(p, '/');

	return slash ? slash + 1 : p;
}

/* Is @p equal to @top or below it? */
bool path_is_under(const char *p, const char *top)
{
	size_t len = strlen(top);

	if (!strcmp(top, "/"))
		return p[0] == '/';
	return !strncmp(p, top, len) && (p[len] == '\0' || p[len] == '/');
}

/*
 * A number as Xen 4.17 reads GET_DOMAIN_PATH's domid and DIRECTORY_PART's
 * offset: glibc's atoi() (leading spaces, a sign, digits up to the first
 * other character, 0 if none; beyond a long it saturates, then it is cut
 * to an int), taken as unsigned. Not for anything that indexes memory.
 */
unsigned int parse_atoi(const char *s)
{
	return (unsigned int)(int)strtol(s, NULL, 10);
}

/* Strict decimal: no sign, no spaces, no leading junk, value <= max. */
int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 20)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (max - (unsigned long)(*s - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = v;
	return 0;
}
