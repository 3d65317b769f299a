// SPDX-License-Identifier: GPL-2.0-only
/* CPU maps as vcpu-pin reads them and vcpu-list prints them (cpumap.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpumap.h"

/* See cpumap.h. */
int vmctl_cpumap_parse(const char *s, uint8_t *bits, unsigned int nr_bits)
{
	memset(bits, 0, (nr_bits + 7) / 8);
	if (!strcmp(s, "-"))
		return 1;
	if (!strcmp(s, "all")) {
		memset(bits, 0xff, (nr_bits + 7) / 8);
		return 0;
	}
	while (*s) {
		char *end;
		unsigned long lo = strtoul(s, &end, 10), hi = lo;

		if (end == s)
			return -1;
		if (*end == '-') {
			s = end + 1;
			hi = strtoul(s, &end, 10);
			if (end == s || hi < lo)
				return -1;
		}
		if (hi >= nr_bits)
			return -1;
		for (; lo <= hi; lo++)
			bits[lo / 8] |= 1U << (lo % 8);
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return 0;
}

static bool has(const uint8_t *bits, unsigned int cpu)
{
	return bits[cpu / 8] & (1U << (cpu % 8));
}

void vmctl_cpumap_format(const uint8_t *bits, unsigned int nr_cpus, char *out, size_t size)
{
	unsigned int cpu, end;
	size_t used = 0;

	for (cpu = 0; cpu < nr_cpus && has(bits, cpu); cpu++)
		;
	if (nr_cpus && cpu == nr_cpus) {
		snprintf(out, size, "all");
		return;
	}
	out[0] = 0;
	for (cpu = 0; cpu < VMCTL_CPUMAP_BITS && used < size; cpu = end + 1) {
		if (!has(bits, cpu)) {
			end = cpu;
			continue;
		}
		for (end = cpu; end + 1 < VMCTL_CPUMAP_BITS && has(bits, end + 1); end++)
			;
		used += (size_t)snprintf(out + used, size - used, end == cpu ? "%s%u" : "%s%u-%u",
					 used ? "," : "", cpu, end);
	}
	if (!out[0])
		snprintf(out, size, "none");
}

