/* SPDX-License-Identifier: GPL-2.0-only */
/* Grant tables v1 and v2 (common/grant_table.c, common/grant_map.c). */
#ifndef HV_GRANT_TABLE_H
#define HV_GRANT_TABLE_H

#include <hv/types.h>

struct domain;

/* A new domain's table, made with it (one frame, version 1); -ENOMEM. */
int grant_table_init(struct domain *d);

/*
 * Writes entry ref (a reserved one) of d's table, granting `to` read-write
 * access to mfn: what a toolstack seeds for the console and xenstore rings.
 */
int grant_seed(struct domain *d, uint32_t ref, domid_t to, mfn_t mfn);

/*
 * acquire_resource of a grant table (arch/x86/memory_op.c): the most
 * frames resource id (XENMEM_resource_grant_table_id_*) of d's table can
 * have, 0 for an unknown id; and frames [first, first + n) of it, the
 * table grown to them as Xen's, into mfns: n, or -EINVAL (an id or frame
 * it has not, a dying domain). d is referenced by the caller.
 */
unsigned int grant_resource_max(const struct domain *d, unsigned int id);
long grant_resource_frames(struct domain *d, unsigned int id, unsigned int first,
			   unsigned int n, uint64_t *mfns);

/*
 * A dying domain: drops the grant mappings it holds of others' pages,
 * from maptrack handle *cursor on, until hypercall_preempt_now(current,
 * until) (hv/preempt.h). True when none is left (*cursor back to 0);
 * false when it stopped, *cursor saying where to go on.
 */
bool grant_release_mappings(struct domain *d, uint64_t *cursor, uint64_t until);

/*
 * A dying domain's own table: freed now if nobody has an entry pinned,
 * else when the last mapper lets go.
 */
void grant_table_destroy(struct domain *d);

/* For the frame audit: fn(mfn, writable) once per pinned entry of d. */
void grant_for_each_pin(const struct domain *d, void (*fn)(mfn_t mfn, bool writable, void *arg),
			void *arg);

/* Debug key output: table size, pinned entries, mappings held. */
void grant_dump(const struct domain *d);

/* Arch hooks: host mappings in the mapper's page tables (arch/x86/grant_pte.c). */
bool gnttab_host_addr_ok(struct domain *d, uint64_t addr, bool is_pte);
int gnttab_create_host_mapping(struct domain *ld, struct domain *rd, uint64_t addr, mfn_t mfn,
			       uint32_t flags);
/*
 * *flush: set when gnttab_flush_tlb(d) is owed before the grant may go.
 * flags: the mapping's GNTMAP_* (contains_pte, readonly: the entry's RW
 * must agree).
 */
int gnttab_destroy_host_mapping(struct domain *d, uint64_t addr, mfn_t mfn, uint32_t flags,
				bool *flush);
int gnttab_replace_host_mapping(struct domain *d, uint64_t addr, uint64_t new_addr, mfn_t mfn,
				uint32_t flags, bool *flush);
/* Every CPU d (the caller's domain) ran on: a full TLB flush. */
void gnttab_flush_tlb(struct domain *d);

#endif
