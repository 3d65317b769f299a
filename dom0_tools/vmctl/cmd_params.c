// SPDX-License-Identifier: GPL-2.0-only
/* vmctl params: a boot-time domain's rings, from the hypervisor. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "vmctl.h"

int cmd_params(int argc, char **argv)
{
	unsigned int id;
	struct vmctl_rings r;
	long rc;

	if (argc != 2 || argv[1][0] == '-')
		return vmctl_bad_args("params", argc, argv, 1, 1, 1, "ID");
	if (vmctl_parse_id(argv[1], &id))
		return 2;
	rc = vmctl_get_rings(id, &r);
	if (rc) {
		fprintf(stderr, "vmctl: d%u: %s\n", id, rc == -ESRCH ? "no such domain" :
			rc == -ENOENT ? "no rings" : strerror((int)-rc));
		return 1;
	}
	printf("store-mfn %#llx store-port %llu console-mfn %#llx console-port %llu\n",
	       (unsigned long long)r.store_mfn, (unsigned long long)r.store_port,
	       (unsigned long long)r.console_mfn, (unsigned long long)r.console_port);
	return 0;
}
