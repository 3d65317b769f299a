/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef HV_IOPORT_RANGES_H
#define HV_IOPORT_RANGES_H

/*
 * A domain's I/O lists, as Xen 4.17's rangesets: its I/O ports (domctl
 * ioport_permission, arch.ioport_caps) and its MMIO frames (domctl
 * iomem_permission, iomem_caps). Each is ranges sorted, neither
 * overlapping nor touching, at most a fixed number of them (Xen's
 * rangesets have no limit but the heap: these are bounded so dom0 cannot
 * make the hypervisor allocate without end). Plain data, no lock: the
 * domain's ioport_lock is the caller's (common/domain.c). The code is
 * common/ioport_ranges.c, which the host unit test compiles too.
 */
#include <hv/types.h>

#define IOPORT_RANGES	16
#define IOMEM_RANGES	32

struct io_range {
	uint64_t first, last;
};

struct ioport_ranges {
	unsigned int n;
	struct io_range r[IOPORT_RANGES];
};

struct iomem_ranges {
	unsigned int n;
	struct io_range r[IOMEM_RANGES];
};

/*
 * The ports of a request, first_port and nr_ports as the guest gave them:
 * false when empty, wrapping or reaching past port 0xffff (-EINVAL);
 * else true with the last port in *last.
 */
bool ioport_span(uint32_t first, uint32_t nr, uint32_t *last);
/*
 * first..last (first <= last < 2^64 - 1) added to or taken from the list
 * r[0 .. *n - 1] of at most max ranges: 0, or -ENOMEM with the list
 * unchanged when it would need one range more than max (Xen's rangeset
 * fails only when it cannot allocate).
 */
int io_ranges_add(struct io_range *r, unsigned int *n, unsigned int max,
		  uint64_t first, uint64_t last);
int io_ranges_remove(struct io_range *r, unsigned int *n, unsigned int max,
		     uint64_t first, uint64_t last);
/* Whether every value of first..last is in the list r[0 .. n - 1]. */
bool io_ranges_cover(const struct io_range *r, unsigned int n, uint64_t first, uint64_t last);

/* The port list (its host unit test's names): ports first..last, first <= last <= 0xffff. */
static inline int ioport_ranges_add(struct ioport_ranges *l, uint32_t first, uint32_t last)
{
	return io_ranges_add(l->r, &l->n, IOPORT_RANGES, first, last);
}

static inline int ioport_ranges_remove(struct ioport_ranges *l, uint32_t first, uint32_t last)
{
	return io_ranges_remove(l->r, &l->n, IOPORT_RANGES, first, last);
}

static inline bool ioport_ranges_cover(const struct ioport_ranges *l, uint32_t first,
				       uint32_t last)
{
	return io_ranges_cover(l->r, l->n, first, last);
}

#endif
