/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Grant helpers for dom0 backends, on the dom0 library's /dev/xen glue
 * (xendev.h): several granted pages mapped as one area (a multi-page ring)
 * and batched grant copies (the data path: no mapping churn, the grant
 * held only during the hypercall). docs/abi-devices.md §1.6, §6.
 *
 * Return 0 (or a pointer) on success, a negative errno (NULL with errno)
 * on failure; they never print or exit.
 */
#ifndef BE_GNT_BE_H
#define BE_GNT_BE_H

#include <stdint.h>
#include "xendev.h"

#define GNT_BE_MAX_MAP	512	/* pages in one be_map_refs() area (one gntdev batch) */

/* @n (1..GNT_BE_MAX_MAP) of @domid's grants mapped writable, consecutively. */
void *be_map_refs(struct xendev *x, unsigned int domid, const uint32_t *refs, unsigned int n,
		  uint64_t *handle);
int be_unmap_refs(struct xendev *x, void *addr, unsigned int n, uint64_t handle);

/* One piece of a copy between a local buffer and a guest's grant. */
struct be_copy {
	void *local;
	uint32_t gref;
	uint16_t offset;	/* in the granted page */
	uint16_t len;		/* offset + len <= 4096 */
	int16_t status;		/* out: GNTST_* */
};

/*
 * Copies each piece from (to_guest) or into the local buffer, in batches.
 * 0 when every piece's status is GNTST_okay, -EIO when one is not (each
 * piece's status says which), another -errno when the ioctl failed.
 */
int be_grant_copy(struct xendev *x, unsigned int domid, struct be_copy *c, unsigned int n,
		  int to_guest);

#endif
