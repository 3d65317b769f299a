/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The granter's side of ending access to a v1 grant entry, as Linux's
 * gnttab_end_foreign_access_ref does it: one cmpxchg of the flags to 0,
 * refused while the hypervisor has GTF_reading or GTF_writing set.
 */
#ifndef GUEST_GRANT_END_H
#define GUEST_GRANT_END_H

#include "guest.h"
#include <lamina/grant_table.h>

/* False if the entry is in use (mapped, or a copy under way). */
static inline bool grant_end_access(struct grant_entry_v1 *e)
{
	uint16_t f = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

	do {
		if (f & (GTF_reading | GTF_writing))
			return false;
	} while (!__atomic_compare_exchange_n(&e->flags, &f, 0, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	return true;
}

#endif
