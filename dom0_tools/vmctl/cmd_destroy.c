// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmctl destroy DOM: end a domain at once, as xl destroy (docs/toolstack.md
 * §2.4): pause it, remove its store nodes, destroydomain. Works on a
 * domain that is hung, shut down, or never unpaused.
 */
#include <stdio.h>
#include <string.h>
#include "builder.h"
#include "vmctl.h"

int cmd_destroy(int argc, char **argv)
{
	char err[VMCTL_ERR_MAX];
	unsigned int id;
	int i = 1;

	if (argc > 1 && !strcmp(argv[1], "-f"))
		i++;			/* xl's "force" for dom0: dom0 is refused anyway */
	if (argc != i + 1 || argv[i][0] == '-')
		return vmctl_bad_args("destroy", argc, argv, i, 1, 1, "DOM");
	if (vmctl_domain_arg(argv[i], &id, false))
		return 1;
	if (vmctl_domain_destroy(id, err, sizeof(err))) {
		fprintf(stderr, "vmctl: destroy failed: %s\n", err);
		return 1;
	}
	return 0;
}
