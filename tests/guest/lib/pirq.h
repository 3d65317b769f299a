/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dom0's PIRQ calls for the guests that map GSIs: physdev_op with a struct
 * pointer, and map_pirq of a GSI.
 */
#ifndef GUEST_PIRQ_H
#define GUEST_PIRQ_H

#include <stdint.h>
#include "guest.h"
#include <lamina/physdev.h>

static inline long physdev(unsigned int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_physdev_op, cmd, (uint64_t)arg);
}

/* PHYSDEVOP_map_pirq of GSI gsi for dom0 itself as PIRQ pirq (-1: any);
 * *got is the PIRQ the call wrote back. */
static inline long map_gsi(int gsi, int32_t pirq, int32_t *got)
{
	struct physdev_map_pirq m = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_GSI,
				      .index = gsi, .pirq = pirq };
	long rc = physdev(PHYSDEVOP_map_pirq, &m);

	*got = m.pirq;
	return rc;
}

#endif
