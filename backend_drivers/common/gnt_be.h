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

#include <stdbool.h>
#include <stdint.h>
#include "xendev.h"

#define GNT_BE_MAX_MAP	512	/* pages in one be_map_refs() area (one gntdev batch) */
/*
 * Pieces a gntdev copy ioctl: Linux 6.1's IOCTL_GNTDEV_GRANT_COPY takes any
 * count (it issues a GNTTABOP_copy per 16 segments itself), so one system
 * call for as many as a caller gathers (blkback's round of up to 512, a
 * 1 MiB request's 256); 24 bytes each on the caller's stack.
 */
#define GNT_BE_COPY_BATCH	512

/* @n (1..GNT_BE_MAX_MAP) of @domid's grants mapped writable, consecutively. */
void *be_map_refs(struct xendev *x, unsigned int domid, const uint32_t *refs, unsigned int n,
		  uint64_t *handle);
int be_unmap_refs(struct xendev *x, void *addr, unsigned int n, uint64_t handle);

/*
 * A batch whose every piece names both sides by grant ref (the *_self
 * copies with all local bytes in a be_selfbuf, a guest-to-guest xcopy)
 * needs nothing of gntdev: the hypervisor checks both grants itself.
 * be_copy_hcall_init() opens privcmd and maps the op array of such a
 * batch from privcmd-buf (xendev_hcall_alloc); from then on such batches
 * go as one GNTTABOP_copy hypercall each (IOCTL_PRIVCMD_HYPERCALL), no
 * per-piece kernel work. 0, or -errno when they stay with gntdev (no
 * privcmd or /dev/xen/hypercall). be_copy_by_hcall() says whether they
 * still go by hypercall: one failing with -EFAULT gives the path up, that
 * batch and every later one done by gntdev.
 */
int be_copy_hcall_init(struct xendev *x);
bool be_copy_by_hcall(const struct xendev *x);

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
 * piece's status says which), another -errno when the ioctl or hypercall
 * failed (the pieces it did not copy then GNTST_general_error).
 */
int be_grant_copy(struct xendev *x, unsigned int domid, struct be_copy *c, unsigned int n,
		  int to_guest);

/*
 * One piece of a copy into a guest's grant from another guest's grant, or
 * from a local buffer when @local is set (sdom, sref, soff unused then).
 */
struct be_xcopy {
	const void *local;
	uint16_t sdom, ddom;	/* the granters: source, destination */
	uint32_t sref, dref;
	uint16_t soff, doff;	/* in the granted pages */
	uint16_t len;		/* soff + len and doff + len <= 4096 */
	int16_t status;		/* out: GNTST_* */
};

/*
 * Copies each piece grant to grant (GNTTABOP_copy with GNTCOPY_source_gref
 * and GNTCOPY_dest_gref: both granted to us), no local buffer between, or
 * local to grant; one ioctl for up to 512 pieces. Returns as be_grant_copy().
 */
int be_grant_xcopy(struct xendev *x, struct be_xcopy *c, unsigned int n);

/*
 * A buffer of @pages pages of ours granted to ourselves (gntalloc, to
 * @self: our own domid; no other domain may map or copy them). A copy
 * between a guest's grant and such a buffer names both sides by grant
 * ref, so gntdev pins no user page for it (Linux 6.1's grant copy takes a
 * reference on the page of each side given as an address, every call).
 */
struct be_selfbuf {
	uint8_t *addr;		/* NULL: none */
	unsigned int pages;
	uint16_t self;
	uint64_t handle;
	uint32_t *refs;		/* page i's ref */
};
int be_selfbuf_alloc(struct xendev *x, struct be_selfbuf *b, unsigned int pages, unsigned int self);
void be_selfbuf_free(struct xendev *x, struct be_selfbuf *b);

/*
 * be_grant_copy() for pieces whose local bytes all lie in @b, each within
 * one of its pages (-EINVAL before any copy otherwise): both sides by
 * grant ref, one ioctl for up to 512 pieces. Returns as be_grant_copy().
 */
int be_grant_copy_self(struct xendev *x, unsigned int domid, const struct be_selfbuf *b,
		       struct be_copy *c, unsigned int n, int to_guest);
/*
 * be_grant_xcopy() where a piece's local source that lies in one page of
 * @b (NULL: none does) is named by its ref instead.
 */
int be_grant_xcopy_self(struct xendev *x, const struct be_selfbuf *b, struct be_xcopy *c,
			unsigned int n);

#endif
