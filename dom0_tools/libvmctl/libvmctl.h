/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libvmctl: what the vmctl commands share. Hypercalls through Linux's
 * /dev/xen/privcmd (the dom0 library's xendev.h), the domain list
 * (domctl getdomaininfo), a boot-time domain's rings (hvm_op get_param),
 * and the store through the dom0 library's xs.h. Functions return 0 or
 * -errno unless said otherwise. Nothing here prints or exits: the details
 * of a failure go to the caller's log hook (vmctl_set_log), and the verbs
 * decide what to say and which status to exit with.
 */
#ifndef LIBVMCTL_H
#define LIBVMCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <lamina/domctl.h>
#include "xendev.h"
#include "xs.h"

/* Receives one message per failure worth explaining, without a newline. */
typedef void vmctl_log_fn(const char *msg);
/* The hook for libvmctl's messages; NULL (the default) drops them. */
void vmctl_set_log(vmctl_log_fn *fn);
/* For libvmctl's own files: a message to the hook, printf-style. */
void vmctl_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * privcmd, opened on first use and shared by all of libvmctl: 0 and *dev,
 * or -errno (said once through the log hook: not in dom0?), -ENODEV when
 * there is no such device.
 */
int vmctl_privcmd(struct xendev **dev);
/* -errno from privcmd's open too. */
long vmctl_hypercall(uint64_t op, uint64_t a0, uint64_t a1);
/* The first domain with an id >= id; 0, -ESRCH past the last, or -errno. */
long vmctl_domain_info(unsigned int id, struct domctl_getdomaininfo *info);

struct vmctl_rings {
	uint64_t store_mfn, store_port, console_mfn, console_port;
};

/* -ENOENT: built without rings; -ESRCH: no such domain. */
long vmctl_get_rings(unsigned int id, struct vmctl_rings *r);
/* "running", "blocked", "powered off", ... from DOMINF_* flags. */
const char *vmctl_state_of(uint32_t flags);
/* The store, or NULL (why goes to the log hook unless quiet). */
struct xs_handle *vmctl_store(bool quiet);
/* /local/domain/<id>/<rel> = val (a directory when val is NULL); logs on error. */
int vmctl_put(struct xs_handle *h, unsigned int id, const char *rel, const char *val);
int vmctl_put_num(struct xs_handle *h, unsigned int id, const char *rel, unsigned long long v);
/*
 * Permissions of /local/domain/<id>/<rel>: owned by the guest (n<id>), or
 * by dom0 with read for the guest (n0 r<id>); logs on error.
 */
int vmctl_set_owner(struct xs_handle *h, unsigned int id, const char *rel, bool guest);

#endif
