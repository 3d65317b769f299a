/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The granting side of grant tables (v1) for the small PV test kernels
 * (docs/abi-devices.md §1.2, §1.5): the first table frame mapped, refs from
 * 8 up (0-7 are reserved: console and xenstore), access given and ended
 * as Linux does it.
 */
#ifndef FE_GNTTAB_FE_H
#define FE_GNTTAB_FE_H

#include <stdbool.h>
#include <stdint.h>
#include <lamina/grant_table.h>

int gntf_init(void);
/* A free ref granting @dom the page at @va (read-only if @ro); -ENOSPC if none. */
int gntf_grant(domid_t dom, uint64_t va, bool ro);
/* Ends access and frees the ref; false (kept) while the peer still uses it. */
bool gntf_end(grant_ref_t ref);

#endif
