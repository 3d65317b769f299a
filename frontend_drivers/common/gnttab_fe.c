// SPDX-License-Identifier: GPL-2.0-only
/* The granting side of grant tables: see gnttab_fe.h. */
#include "guest.h"
#include "mm.h"
#include <lamina/mm.h>
#include "gnttab_fe.h"

#define FIRST_REF	8
#define NREFS		GREFS_PER_FRAME

static struct grant_entry_v1 *table;
static uint8_t used[NREFS];

int gntf_init(void)
{
	uint64_t frame = 0, va;
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)&frame };

	if (table)
		return 0;
	if (hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &st, 1) || st.status ||
	    !frame)
		return -EIO;
	va = scratch_page();
	if (update_va_mapping(va, (frame << 12) | PTE_DATA, UVMF_INVLPG))
		return -EIO;
	table = (struct grant_entry_v1 *)va;
	return 0;
}

int gntf_grant(domid_t dom, uint64_t va, bool ro)
{
	unsigned int r;

	for (r = FIRST_REF; r < NREFS; r++) {
		if (used[r])
			continue;
		used[r] = 1;
		table[r].domid = dom;
		table[r].frame = (uint32_t)va_to_mfn(va);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		table[r].flags = GTF_permit_access | (ro ? GTF_readonly : 0);
		return (int)r;
	}
	return -ENOSPC;
}

bool gntf_end(grant_ref_t ref)
{
	uint16_t f;

	if (ref < FIRST_REF || ref >= NREFS || !used[ref])
		return false;
	f = __atomic_load_n(&table[ref].flags, __ATOMIC_ACQUIRE);
	do {
		if (f & (GTF_reading | GTF_writing))
			return false;
	} while (!__atomic_compare_exchange_n(&table[ref].flags, &f, 0, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	used[ref] = 0;
	return true;
}
