/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef HV_IOPORT_RANGES_H
#define HV_IOPORT_RANGES_H

/*
 * A domain's I/O port list (domctl ioport_permission, as Xen 4.17's
 * arch.ioport_caps rangeset): ranges sorted, neither overlapping nor
 * touching, at most IOPORT_RANGES of them. Plain data, no lock: the
 * domain's ioport_lock is the caller's (common/domain.c). The code is
 * common/ioport_ranges.c, which the host unit test compiles too.
 */
#include <hv/types.h>

#define IOPORT_RANGES	16

struct ioport_ranges {
	unsigned int n;
	struct ioport_range {
		uint16_t first, last;
	} r[IOPORT_RANGES];
};

/*
 * The ports of a request, first_port and nr_ports as the guest gave them:
 * false when empty, wrapping or reaching past port 0xffff (-EINVAL);
 * else true with the last port in *last.
 */
bool ioport_span(uint32_t first, uint32_t nr, uint32_t *last);
/*
 * Ports first..last (first <= last <= 0xffff) added to or taken from the
 * list: 0, or -ENOMEM with the list unchanged when it would need a
 * seventeenth range (Xen's rangeset fails only when it cannot allocate).
 */
int ioport_ranges_add(struct ioport_ranges *l, uint32_t first, uint32_t last);
int ioport_ranges_remove(struct ioport_ranges *l, uint32_t first, uint32_t last);
/* Whether every port of first..last is in the list. */
bool ioport_ranges_cover(const struct ioport_ranges *l, uint32_t first, uint32_t last);

#endif
