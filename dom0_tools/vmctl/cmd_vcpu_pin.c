// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmctl vcpu-pin DOM VCPU|all HARD [SOFT]: a vCPU's hard (and soft) CPU
 * affinity, as xl vcpu-pin (docs/toolstack.md §6.4), through domctl
 * setvcpuaffinity. A map is "all", a list of CPUs and ranges ("0,2-3"),
 * or "-" (leave it). Lamina schedules every vCPU on CPU 0 for now, so it
 * checks and records the maps; vcpu-list shows them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "domctl.h"
#include "vmctl.h"
#include "cpumap.h"

static int pin_one(unsigned int dom, unsigned int vcpu, uint32_t flags, uint8_t *hard,
		   uint8_t *soft)
{
	uint8_t h[VMCTL_CPUMAP_BYTES], s[VMCTL_CPUMAP_BYTES];
	long rc;

	memcpy(h, hard, sizeof(h));
	memcpy(s, soft, sizeof(s));
	rc = vmctl_dom_vcpuaffinity(dom, vcpu, true, flags, h, s, VMCTL_CPUMAP_BITS);
	if (rc) {
		fprintf(stderr, "vmctl: vcpu-pin d%u vCPU %u: %s\n", dom, vcpu, strerror((int)-rc));
		return 1;
	}
	return 0;
}

int cmd_vcpu_pin(int argc, char **argv)
{
	uint8_t hard[VMCTL_CPUMAP_BYTES], soft[VMCTL_CPUMAP_BYTES];
	struct domctl_getdomaininfo info;
	unsigned int dom, vcpu, first, last;
	uint32_t flags = 0;
	int h, s = 1;
	char *end;

	if (argc < 4 || argc > 5 || argv[1][0] == '-')
		return vmctl_bad_args("vcpu-pin", argc, argv, 1, 3, 4, "DOM, VCPU or HARD");
	if (vmctl_domain_arg(argv[1], &dom, true) || vmctl_dom_info(dom, &info))
		return 1;
	h = vmctl_cpumap_parse(argv[3], hard, VMCTL_CPUMAP_BITS);
	if (argc == 5)
		s = vmctl_cpumap_parse(argv[4], soft, VMCTL_CPUMAP_BITS);
	if (h < 0 || s < 0) {
		fprintf(stderr, "vmctl: vcpu-pin: a CPU map is \"all\", \"-\" or a list like 0,2-3\n");
		return 2;
	}
	flags |= h ? 0 : VCPUAFFINITY_HARD;
	flags |= s ? 0 : VCPUAFFINITY_SOFT;
	if (!flags)
		return 0;			/* both "-": nothing to change */
	if (info.max_vcpu_id == INVALID_MAX_VCPU_ID) {
		fprintf(stderr, "vmctl: vcpu-pin: d%u has no vCPU\n", dom);
		return 1;
	}
	if (!strcmp(argv[2], "all")) {
		first = 0;
		last = info.max_vcpu_id;
	} else {
		first = last = (unsigned int)strtoul(argv[2], &end, 10);
		if (end == argv[2] || *end)
			return vmctl_bad_usage("vcpu-pin", "a vCPU is a number or \"all\", not '%s'",
					       argv[2]);
	}
	for (vcpu = first; vcpu <= last; vcpu++)
		if (pin_one(dom, vcpu, flags, hard, soft))
			return 1;
	return 0;
}
