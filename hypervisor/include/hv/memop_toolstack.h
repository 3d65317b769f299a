/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef HV_MEMOP_TOOLSTACK_H
#define HV_MEMOP_TOOLSTACK_H

#include <hv/types.h>

struct domain;
struct xen_memory_map;

/* memory_op's toolstack commands (arch/x86/memory_op_toolstack.c). */
long memop_set_memory_map(struct domain *caller, uint64_t arg);
/* d's own memory_map from the toolstack's map; -ENOSYS when it has none. */
long memop_own_memory_map(struct domain *d, struct xen_memory_map *map, uint64_t arg);
/* claim_pages for d, its checks done: Xen's domain_set_outstanding_pages. */
long memop_claim(struct domain *d, uint64_t pages);
uint64_t memop_outstanding_claims(void);
/* A destroyed domain's map and claim go. */
void memop_toolstack_release(struct domain *d);

#endif
