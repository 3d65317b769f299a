/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest's grant_table_op on its own grants: one map or unmap, its
 * status (GNTST_*) or -100 when the call itself failed.
 */
#ifndef GUEST_GNT_SELF_H
#define GUEST_GNT_SELF_H

#include "guest.h"
#include "mm.h"
#include "events.h"
#include <lamina/grant_table.h>

/* The id a guest's own grants name (dom0's 0; a domU sets its own, gnt_self_dom_init). */
static domid_t gnt_self_dom;

/*
 * gnt_self_dom for this guest: dom0 keeps 0, a domU finds its own id
 * (evtchn_own_domid). 0, or what the look-up gave when it found none.
 */
static inline long gnt_self_dom_init(const struct start_info *si)
{
	long rc;

	if (si->flags & SIF_INITDOMAIN)
		return 0;
	rc = evtchn_own_domid();
	if (rc <= 0)
		return rc ? rc : -1;
	gnt_self_dom = (domid_t)rc;
	return 0;
}

static inline long gnttab(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

/* Map @ref of our own (gnt_self_dom) at @addr; *h the handle. */
static inline long gnt_map(grant_ref_t ref, uint64_t addr, uint32_t flags, grant_handle_t *h)
{
	struct gnttab_map_grant_ref op = { addr, flags, ref, gnt_self_dom, 99, ~0U, 0 };

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

/* Our grant table's first frame, set up and mapped writable; NULL if not. */
static inline struct grant_entry_v1 *gnt_self_table(void)
{
	uint64_t frame = 0, va = scratch_page();
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)&frame };

	if (gnttab(GNTTABOP_setup_table, &st, 1) || st.status ||
	    update_va_mapping(va, (frame << 12) | PTE_DATA, UVMF_INVLPG))
		return NULL;
	return (struct grant_entry_v1 *)va;
}

/* Entry ref of t grants ourselves (gnt_self_dom) the frame behind va, flags last. */
static inline void gnt_self_grant(struct grant_entry_v1 *t, grant_ref_t ref, uint64_t va, bool ro)
{
	t[ref].domid = gnt_self_dom;
	t[ref].frame = (uint32_t)va_to_mfn(va);
	__atomic_store_n(&t[ref].flags, GTF_permit_access | (ro ? GTF_readonly : 0),
			 __ATOMIC_RELEASE);
}

#endif
