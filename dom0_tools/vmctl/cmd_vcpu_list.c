// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmctl vcpu-list [DOM...]: every vCPU, xl vcpu-list's columns, the
 * affinity as vcpu-pin set it (docs/toolstack.md §6.4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "builder.h"
#include "domctl.h"
#include "vmctl.h"
#include "cpumap.h"

/* "hard / soft" as set by vcpu-pin; "all / all" if the hypervisor cannot say. */
static void affinity(unsigned int dom, unsigned int vcpu, unsigned int nr_cpus)
{
	uint8_t hard[VMCTL_CPUMAP_BYTES], soft[VMCTL_CPUMAP_BYTES];
	char h[128], s[128];

	if (vmctl_dom_vcpuaffinity(dom, vcpu, false, VCPUAFFINITY_HARD | VCPUAFFINITY_SOFT,
				   hard, soft, VMCTL_CPUMAP_BITS)) {
		printf("all / all\n");
		return;
	}
	vmctl_cpumap_format(hard, nr_cpus, h, sizeof(h));
	vmctl_cpumap_format(soft, nr_cpus, s, sizeof(s));
	printf("%s / %s\n", h, s);
}

static void one_domain(const struct domctl_getdomaininfo *d, unsigned int nr_cpus)
{
	char *name = vmctl_domain_name(d->domain);
	unsigned int v;

	if (d->max_vcpu_id == INVALID_MAX_VCPU_ID)
		return;
	for (v = 0; v <= d->max_vcpu_id; v++) {
		struct domctl_getvcpuinfo vi;

		if (vmctl_dom_vcpuinfo(d->domain, v, &vi))
			continue;
		printf("%-32s %5u %5u", vmctl_shown_name(name, d->domain), d->domain, v);
		if (vi.online)
			printf("%5u %3c%c- ", vi.cpu, vi.running ? 'r' : '-', vi.blocked ? 'b' : '-');
		else
			printf("    -   --p ");
		printf("%9.1f  ", (double)vi.cpu_time / 1e9);
		affinity(d->domain, v, nr_cpus);
	}
	free(name);
}

int cmd_vcpu_list(int argc, char **argv)
{
	struct domctl_getdomaininfo all[256];
	struct sysctl_physinfo pi;
	unsigned int nr_cpus = 1;
	int i, n;

	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			return vmctl_bad_usage("vcpu-list", "unknown option '%s'", argv[i]);
	if (!vmctl_physinfo(&pi))
		nr_cpus = pi.max_cpu_id + 1;
	printf("%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State", "Time(s)",
	       "Affinity (Hard / Soft)");
	if (argc == 1) {
		n = (int)vmctl_dom_list(0, all, 256);
		if (n < 0) {
			fprintf(stderr, "vmctl: cannot list the domains: %s\n", strerror(-n));
			return 1;
		}
		for (i = 0; i < n; i++)
			one_domain(&all[i], nr_cpus);
		return 0;
	}
	for (i = 1; i < argc; i++) {
		unsigned int id;

		if (vmctl_domain_arg(argv[i], &id, true) || vmctl_dom_info(id, &all[0]))
			return 1;
		one_domain(&all[0], nr_cpus);
	}
	return 0;
}
