// SPDX-License-Identifier: GPL-2.0-only
/* vmctl pause DOM / vmctl unpause DOM: one pausedomain / unpausedomain (counted). */
#include <stdio.h>
#include <string.h>
#include "domctl.h"
#include "vmctl.h"

static int pause_verb(int argc, char **argv, const char *verb, unsigned int cmd)
{
	unsigned int id;
	long rc;

	if (argc != 2 || argv[1][0] == '-')
		return vmctl_bad_args(verb, argc, argv, 1, 1, 1, "DOM");
	if (vmctl_domain_arg(argv[1], &id, false))
		return 1;
	rc = vmctl_dom_simple(cmd, id);
	if (rc) {
		fprintf(stderr, "vmctl: %s of domain %u failed: %s\n", verb, id, strerror((int)-rc));
		return 1;
	}
	return 0;
}

int cmd_pause(int argc, char **argv)
{
	return pause_verb(argc, argv, "pause", DOMCTL_pausedomain);
}

int cmd_unpause(int argc, char **argv)
{
	return pause_verb(argc, argv, "unpause", DOMCTL_unpausedomain);
}
