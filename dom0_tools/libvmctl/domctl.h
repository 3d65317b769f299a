/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypercalls of a domain's life as the toolstack issues them
 * (docs/toolstack.md §1, §2), through Linux's /dev/xen/privcmd:
 * domctl and sysctl (interface version 0x15), the calls on behalf of
 * another domain (populate_physmap, alloc_unbound, a foreign pin), and
 * foreign mappings of a domain's frames. The device is libvmctl's shared
 * one (vmctl_privcmd) and the ioctls the dom0 library's (xendev.h:
 * MMAPBATCH_V2, MMAP_RESOURCE). Every function returns 0 (or a count, a
 * port) or a negative errno; none prints or exits.
 */
#ifndef LIBVMCTL_DOMCTL_H
#define LIBVMCTL_DOMCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lamina/domctl.h>
#include <lamina/sysctl.h>

/* Opens /dev/xen/privcmd once (0 or -errno); the others call it. */
int vmctl_xc_open(void);

long vmctl_xc_hypercall(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
/* A domctl/sysctl with its version filled in; the structure is IN/OUT. */
long vmctl_domctl(struct domctl *d);
long vmctl_sysctl(struct sysctl *s);

/* createdomain: *domid IN (0 = any), OUT the new id. */
long vmctl_dom_create(const struct domctl_createdomain *c, unsigned int *domid);
long vmctl_dom_simple(unsigned int cmd, unsigned int domid);	/* destroy/pause/unpause/resume */
long vmctl_dom_max_vcpus(unsigned int domid, unsigned int max);
long vmctl_dom_max_mem(unsigned int domid, uint64_t kib);
/* domctl iomem_permission: machine frames first .. first + nr - 1 given (allow) or taken back. */
long vmctl_dom_iomem_permission(unsigned int domid, uint64_t first, uint64_t nr, bool allow);
/*
 * XENMEM_set_memory_map: the domain's pseudo-physical map is one RAM entry
 * of @kib from 0, as libxl's xc_domain_set_memmap_limit (max_memkb).
 */
long vmctl_set_memory_map(unsigned int domid, uint64_t kib);
/* Exactly this domain (-ESRCH if it does not exist). */
long vmctl_dom_info(unsigned int domid, struct domctl_getdomaininfo *info);
long vmctl_dom_vcpuinfo(unsigned int domid, unsigned int vcpu, struct domctl_getvcpuinfo *vi);
long vmctl_dom_setvcpucontext(unsigned int domid, unsigned int vcpu,
			      const struct vcpu_guest_context *ctxt);
/* The hypervisor writes *ctxt directly: its pages must be mapped (touched) already. */
long vmctl_dom_getvcpucontext(unsigned int domid, unsigned int vcpu,
			      struct vcpu_guest_context *ctxt);
/*
 * set/getvcpuaffinity (flags VCPUAFFINITY_*): hard and soft are bitmaps of
 * nr_bits CPUs (bit n of byte n / 8), IN for set, OUT for both (set: the
 * effective maps).
 */
long vmctl_dom_vcpuaffinity(unsigned int domid, unsigned int vcpu, bool set, uint32_t flags,
			    uint8_t *hard, uint8_t *soft, unsigned int nr_bits);
/* Up to max records of domains with id >= first; the number filled, or -errno. */
long vmctl_dom_list(unsigned int first, struct domctl_getdomaininfo *buf, unsigned int max);
long vmctl_physinfo(struct sysctl_physinfo *pi);

/* EVTCHNOP_alloc_unbound{dom=domid, remote_dom=remote}: the port. */
long vmctl_evtchn_alloc_unbound(unsigned int domid, unsigned int remote);
/*
 * XENMEM_populate_physmap for domid: extents[i] IN the first pfn of each,
 * OUT its first MFN. The number of extents done (may be short), or -errno.
 */
long vmctl_populate_physmap(unsigned int domid, uint64_t *extents, unsigned long n,
			    unsigned int order);
/* MMUEXT_PIN_L4_TABLE with foreigndom = domid. */
long vmctl_pin_l4(unsigned int domid, uint64_t mfn);

/*
 * Maps n frames (MFNs) of domid writable, one VMA; NULL with errno set.
 * Unmap with vmctl_unmap_foreign.
 */
void *vmctl_map_foreign(unsigned int domid, const uint64_t *mfns, size_t n);
void vmctl_unmap_foreign(void *p, size_t n);
/*
 * Frame 0 of domid's grant table, mapped writable: acquire_resource first,
 * then (only on EOPNOTSUPP, as libxenguest) setup_table{dom} and a
 * foreign map. NULL with errno set.
 */
void *vmctl_map_grant_table(unsigned int domid);

#endif
