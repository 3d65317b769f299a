// SPDX-License-Identifier: GPL-2.0-only
/* vmctl list: the domains, with their names from the store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vmctl.h"

int cmd_list(int argc, char **argv)
{
	struct domctl_getdomaininfo info;
	struct xs_handle *h;
	unsigned int id = 0;
	long rc;

	(void)argv;
	if (argc != 1) {
		vmctl_usage(stderr);
		return 2;
	}
	h = vmctl_store(true);

	printf("%-5s %-16s %9s  %s\n", "ID", "Name", "Mem(MiB)", "State");
	while ((rc = vmctl_domain_info(id, &info)) == 0) {
		char path[64], *name = NULL;
		unsigned int len;

		snprintf(path, sizeof(path), "/local/domain/%u/name", info.domain);
		if (h && xs_read(h, 0, path, &name, &len))
			name = NULL;
		printf("%-5u %-16s %9llu  %s\n", info.domain,
		       name ? name : info.domain ? "-" : "Domain-0",
		       (unsigned long long)(info.tot_pages >> 8), vmctl_state_of(info.flags));
		free(name);
		id = info.domain + 1u;
	}
	if (h)
		xs_close(h);
	if (rc != -ESRCH) {
		fprintf(stderr, "vmctl: domctl getdomaininfo: %s\n", strerror((int)-rc));
		return 1;
	}
	return 0;
}
