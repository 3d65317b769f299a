/* SPDX-License-Identifier: MIT */
/*
 * xs ls [-r] [PATH]: child names, or with -r every node below PATH as
 * `/full/path = "value"`, non-printable bytes escaped as \xNN.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xs_cmd.h"

static void print_value(const char *v, unsigned int len)
{
	unsigned int i;

	putchar('"');
	for (i = 0; i < len; i++) {
		unsigned char ch = v[i];

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			printf("\\x%02x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static int walk(struct xs_handle *h, const char *path)
{
	unsigned int len, off;
	char *names, *val;
	int rc = xs_read(h, 0, path, &val, &len);

	if (rc)
		return xs_fail("ls", path, rc);
	printf("%s = ", path);
	print_value(val, len);
	putchar('\n');
	free(val);
	rc = xs_directory(h, 0, path, &names, &len);
	if (rc < 0)
		return xs_fail("ls", path, rc);
	for (off = 0, rc = 0; !rc && off < len; off += strlen(names + off) + 1) {
		char *child = malloc(strlen(path) + strlen(names + off) + 2);

		if (!child) {
			rc = xs_fail("ls", path, -ENOMEM);
			break;
		}
		sprintf(child, "%s/%s", strcmp(path, "/") ? path : "", names + off);
		rc = walk(h, child);
		free(child);
	}
	free(names);
	return rc;
}

int cmd_ls(struct xs_handle *h, int argc, char **argv)
{
	const char *path = NULL;
	bool recursive = false;
	unsigned int len, off;
	char *names;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-r"))
			recursive = true;
		else if (argv[i][0] == '-' || path)
			return xs_usage_error("ls");
		else
			path = argv[i];
	}
	if (!path)
		path = "/";
	if (recursive)
		return walk(h, path);
	rc = xs_directory(h, 0, path, &names, &len);
	if (rc < 0)
		return xs_fail("ls", path, rc);
	for (off = 0; off < len; off += strlen(names + off) + 1)
		printf("%s\n", names + off);
	free(names);
	return XS_EXIT_OK;
}
