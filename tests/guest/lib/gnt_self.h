/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest's grant_table_op on its own grants: one map or unmap, its
 * status (GNTST_*) or -100 when the call itself failed.
 */
#ifndef GUEST_GNT_SELF_H
#define GUEST_GNT_SELF_H

#include "guest.h"
#include <lamina/grant_table.h>

static inline long gnttab(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

/* Map @ref of dom0 (the caller's own id there) at @addr; *h the handle. */
static inline long gnt_map(grant_ref_t ref, uint64_t addr, uint32_t flags, grant_handle_t *h)
{
	struct gnttab_map_grant_ref op = { addr, flags, ref, 0, 99, ~0U, 0 };

	if (gnttab(GNTTABOP_map_grant_ref, &op, 1))
		return -100;
	*h = op.handle;
	return op.status;
}

static inline long gnt_unmap(uint64_t addr, uint64_t bus, grant_handle_t h)
{
	struct gnttab_unmap_grant_ref op = { addr, bus, h, 99, 0 };

	return gnttab(GNTTABOP_unmap_grant_ref, &op, 1) ? -100 : op.status;
}

#endif
