// SPDX-License-Identifier: GPL-2.0-only
/* vmctl vcpu-list [DOM...]: every vCPU, xl vcpu-list's columns (docs/toolstack.md §6.4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "builder.h"
#include "domctl.h"
#include "vmctl.h"

static void one_domain(const struct domctl_getdomaininfo *d)
{
	char *name = vmctl_domain_name(d->domain);
	unsigned int v;

	if (d->max_vcpu_id == INVALID_MAX_VCPU_ID)
		return;
	for (v = 0; v <= d->max_vcpu_id; v++) {
		struct domctl_getvcpuinfo vi;

		if (vmctl_dom_vcpuinfo(d->domain, v, &vi))
			continue;
		printf("%-32s %5u %5u", name ? name : d->domain ? "(null)" : "Domain-0",
		       d->domain, v);
		if (vi.online)
			printf("%5u %3c%c- ", vi.cpu, vi.running ? 'r' : '-', vi.blocked ? 'b' : '-');
		else
			printf("    -   --p ");
		printf("%9.1f  all / all\n", (double)vi.cpu_time / 1e9);
	}
	free(name);
}

int cmd_vcpu_list(int argc, char **argv)
{
	struct domctl_getdomaininfo all[256];
	int i, n;

	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-') {
			vmctl_verb_usage("vcpu-list", stderr);
			return 2;
		}
	printf("%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State", "Time(s)",
	       "Affinity (Hard / Soft)");
	if (argc == 1) {
		n = (int)vmctl_dom_list(0, all, 256);
		if (n < 0) {
			fprintf(stderr, "vmctl: cannot list the domains: %s\n", strerror(-n));
			return 1;
		}
		for (i = 0; i < n; i++)
			one_domain(&all[i]);
		return 0;
	}
	for (i = 1; i < argc; i++) {
		unsigned int id;

		if (vmctl_domain_arg(argv[i], &id, true) || vmctl_dom_info(id, &all[0]))
			return 1;
		one_domain(&all[0]);
	}
	return 0;
}
