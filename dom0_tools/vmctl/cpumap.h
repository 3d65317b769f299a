/* SPDX-License-Identifier: GPL-2.0-only */
/* CPU maps for vcpu-pin and vcpu-list (cpumap.c). */
#ifndef VMCTL_CPUMAP_H
#define VMCTL_CPUMAP_H

#include <stddef.h>
#include <stdint.h>

#define VMCTL_CPUMAP_BITS	256
#define VMCTL_CPUMAP_BYTES	(VMCTL_CPUMAP_BITS / 8)

/* "all", "-" (1: leave it), or "0,2-3" into bits; 0, 1, or -1 when malformed. */
int vmctl_cpumap_parse(const char *s, uint8_t *bits, unsigned int nr_bits);

/* bits as xl prints a map: "all" when CPUs 0 .. nr_cpus - 1 are all in it, else "0,2-3". */
void vmctl_cpumap_format(const uint8_t *bits, unsigned int nr_cpus, char *out, size_t size);

#endif
