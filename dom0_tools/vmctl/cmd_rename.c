// SPDX-License-Identifier: GPL-2.0-only
/* vmctl rename DOM NEWNAME: the name in the store (/local/domain/<id>/name, /vm/<uuid>/name). */
#include <stdio.h>
#include "builder.h"
#include "vmctl.h"

int cmd_rename(int argc, char **argv)
{
	char err[VMCTL_ERR_MAX];
	unsigned int id;

	if (argc == 3 && argv[1][0] != '-' && !argv[2][0])
		return vmctl_bad_usage("rename", "the new name is empty");
	if (argc != 3 || argv[1][0] == '-')
		return vmctl_bad_args("rename", argc, argv, 1, 2, 2, "DOM or NEWNAME");
	if (vmctl_domain_arg(argv[1], &id, false))
		return 1;
	if (vmctl_domain_rename(id, argv[2], err, sizeof(err))) {
		fprintf(stderr, "vmctl: %s\n", err);
		return 1;
	}
	return 0;
}
