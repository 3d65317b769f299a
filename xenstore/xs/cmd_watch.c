/* SPDX-License-Identifier: MIT */
/*
 * xs watch [-n N] [-t SEC] PATH...: print the path of each event, one per
 * line, starting with the initial event of every watch. Stops after N
 * events; with -t, fails (exit 1) when SEC seconds pass without one.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xs_cmd.h"

int cmd_watch(struct xs_handle *h, int argc, char **argv)
{
	long count = -1, timeout = -1;
	int i, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i += 2) {
		char *end;
		long v;

		if (i + 1 >= argc)
			return xs_usage_error("watch");
		v = strtol(argv[i + 1], &end, 10);
		if (*end || v <= 0 || v > INT_MAX / 1000)	/* -t in int ms */
			return xs_usage_error("watch");
		if (!strcmp(argv[i], "-n"))
			count = v;
		else if (!strcmp(argv[i], "-t"))
			timeout = v * 1000;
		else
			return xs_usage_error("watch");
	}
	if (i == argc)
		return xs_usage_error("watch");
	for (; i < argc; i++) {
		rc = xs_watch(h, argv[i], argv[i]);
		if (rc)
			return xs_fail("watch", argv[i], rc);
	}
	while (count) {
		char *path, *token;

		rc = xs_read_watch(h, timeout, &path, &token);
		if (rc == -ETIMEDOUT) {
			fprintf(stderr, "xs: watch: no event within %ld s\n", timeout / 1000);
			return XS_EXIT_FAIL;
		}
		if (rc)
			return xs_fail("watch", "(reading events)", rc);
		printf("%s\n", path);
		fflush(stdout);
		free(path);
		free(token);
		if (count > 0)
			count--;
	}
	return XS_EXIT_OK;
}
