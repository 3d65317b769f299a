/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libvmctl: what the vmctl commands share. Hypercalls through Linux's
 * /dev/xen/privcmd (the layouts from <lamina/...>), the domain list
 * (domctl getdomaininfo), a boot-time domain's rings (hvm_op get_param),
 * and the store through our libxs. Functions return 0 or -errno unless
 * said otherwise; those that print say so.
 */
#ifndef LIBVMCTL_H
#define LIBVMCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <lamina/domctl.h>
#include "xs.h"

/* Exits with a message when there is no privcmd (not in dom0). */
long vmctl_hypercall(uint64_t op, uint64_t a0, uint64_t a1);
/* The first domain with an id >= id; 0, -ESRCH past the last, or -errno. */
long vmctl_domain_info(unsigned int id, struct domctl_getdomaininfo *info);

struct vmctl_rings {
	uint64_t store_mfn, store_port, console_mfn, console_port;
};

/* -ENOENT: built without rings; -ESRCH: no such domain. */
long vmctl_get_rings(unsigned int id, struct vmctl_rings *r);
/* A domain id from the command line; prints why not and returns -1. */
int vmctl_parse_id(const char *s, unsigned int *id);
/*
 * A running domU named on the command line: 0; 2 (bad usage) or 1 (dom0,
 * for which @dom0_note says what to do instead, or no such domain) after
 * printing why.
 */
int vmctl_domu_arg(const char *s, unsigned int *id, const char *dom0_note);
/* Seconds (a decimal, >= 0) from the command line; prints why not and returns -1. */
int vmctl_parse_seconds(const char *s, double *secs);
/* "running", "blocked", "powered off", ... from DOMINF_* flags. */
const char *vmctl_state_of(uint32_t flags);
/* The store, or NULL after saying why unless quiet. */
struct xs_handle *vmctl_store(bool quiet);
/* /local/domain/<id>/<rel> = val (a directory when val is NULL); prints on error. */
int vmctl_put(struct xs_handle *h, unsigned int id, const char *rel, const char *val);
int vmctl_put_num(struct xs_handle *h, unsigned int id, const char *rel, unsigned long long v);
/*
 * Permissions of /local/domain/<id>/<rel>: owned by the guest (n<id>), or
 * by dom0 with read for the guest (n0 r<id>); prints on error.
 */
int vmctl_set_owner(struct xs_handle *h, unsigned int id, const char *rel, bool guest);

#endif
