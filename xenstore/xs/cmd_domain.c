/* SPDX-License-Identifier: MIT */
/* xs introduce, release, domain-path, is-introduced. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xs_cmd.h"

/* Decimal digits only, no larger than @max (libxs takes unsigned int ids). */
static int number(const char *verb, const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || *out > max) {
		fprintf(stderr, "xs: %s: '%s' is not a number up to %lu\n", verb, s, max);
		return -EINVAL;
	}
	return 0;
}

int cmd_domain(struct xs_handle *h, int argc, char **argv)
{
	unsigned long domid, mfn, port;
	char *path;
	int rc;

	if (number(argv[0], argv[1], UINT_MAX, &domid))
		return XS_EXIT_USAGE;
	if (!strcmp(argv[0], "introduce")) {
		if (number(argv[0], argv[2], ULONG_MAX, &mfn) ||
		    number(argv[0], argv[3], UINT_MAX, &port))
			return XS_EXIT_USAGE;
		rc = xs_introduce(h, domid, mfn, port);
	} else if (!strcmp(argv[0], "release")) {
		rc = xs_release(h, domid);
	} else if (!strcmp(argv[0], "domain-path")) {
		rc = xs_get_domain_path(h, domid, &path);
		if (!rc) {
			printf("%s\n", path);
			free(path);
		}
	} else {
		rc = xs_is_domain_introduced(h, domid);
		if (rc >= 0)
			return rc ? XS_EXIT_OK : XS_EXIT_FAIL;
	}
	return rc ? xs_fail(argv[0], argv[1], rc) : XS_EXIT_OK;
}
