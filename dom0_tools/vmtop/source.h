/* SPDX-License-Identifier: GPL-2.0-only */
/* Where samples come from: the hypervisor (source.c) or a synthetic machine (fake.c). */
#ifndef VMTOP_SOURCE_H
#define VMTOP_SOURCE_H

#include <stddef.h>
#include "model.h"

struct vt_source {
	/* Fills @s; 0 or -errno (a message in err). */
	int (*sample)(struct vt_source *src, struct vt_sample *s);
	void (*close)(struct vt_source *src);
	void *priv;
	char err[200];
};

#define VT_STATS_DIR	"/run/lamina/stats"

/* privcmd (domctl/sysctl), xenstore's socket for names, @stats_dir for devices. */
int vt_source_xen(struct vt_source *src, const char *stats_dir);
/*
 * A synthetic machine for tests and demonstrations: Domain-0 at 2 %,
 * "spin" at 85 %, "idle" at 0.5 %, "disk" at 10 % with a vbd doing
 * 100 reads/s of 4 KiB and 25 writes/s of 64 KiB, and a vif; times from
 * @clock_ns (NULL: CLOCK_MONOTONIC).
 */
int vt_source_fake(struct vt_source *src, uint64_t (*clock_ns)(void));
uint64_t vt_monotonic_ns(void);

#endif
