/* SPDX-License-Identifier: MIT */
/*
 * hvm_op (34): long hvm_op(unsigned long op, void *arg). Lamina has no HVM
 * guests; beyond Xen's refusals it answers the one operation a dom0 needs
 * to adopt the domains the hypervisor built at boot, as Xen does for its
 * dom0less domains.
 *  1. HVMOP_get_param, dom0 about another domain: the xenstore and
 *     console rings of a boot-time domain. value is the ring page's MFN
 *     (a PV domain's frame number) or the port, an unbound port of that
 *     domain that dom0 may bind. -EINVAL: index >= HVM_NR_PARAMS (before
 *     anything else), another index, the caller itself (DOMID_SELF too)
 *     or an unprivileged caller (Xen's answer for a PV domain); -ESRCH:
 *     no such domain; -ENOENT: the domain has no such ring.
 *  2. The ring pages are also granted to dom0 by the domain's reserved
 *     grant entries (grant_table.h: GNTTAB_RESERVED_CONSOLE and
 *     GNTTAB_RESERVED_XENSTORE), so dom0 can map them with gntdev.
 *  3. Xen 4.17 refuses this operation for PV domains (-EINVAL).
 *  4. The rest as Xen 4.17 answers a PV caller about PV domains:
 *     set_param: argument unreadable -EFAULT, index >= HVM_NR_PARAMS
 *     -EINVAL, no such domain -ESRCH, else -EINVAL. pagetable_dying:
 *     -EFAULT, -ESRCH, another domain -EOPNOTSUPP, the caller -EINVAL.
 *     get_mem_type: -EFAULT, -ESRCH, an unprivileged caller about
 *     another domain -EPERM, else -EINVAL. flush_tlbs and
 *     set_evtchn_upcall_vector -EINVAL (the caller is not HVM).
 *     get_time: the system time in ns (-EFAULT). xentrace: unreadable
 *     -EFAULT, extra_bytes > 28 or event bits above 11 -EINVAL, else 0
 *     (nothing recorded). guest_request_vm_event: a NULL argument 0,
 *     else -EINVAL. altp2m -EOPNOTSUPP. Any other op -ENOSYS.
 */
#ifndef LAMINA_HVM_OP_H
#define LAMINA_HVM_OP_H

#include <lamina/types.h>

#define HVMOP_set_param		0
#define HVMOP_get_param		1
#define HVMOP_flush_tlbs	5
#define HVMOP_pagetable_dying	9
#define HVMOP_get_time		10
#define HVMOP_xentrace		11
#define HVMOP_get_mem_type	15
#define HVMOP_set_evtchn_upcall_vector 23
#define HVMOP_guest_request_vm_event 24
#define HVMOP_altp2m		25

struct xen_hvm_param {
	domid_t domid;			/* IN */
	uint16_t pad;
	uint32_t index;			/* IN: HVM_PARAM_* */
	uint64_t value;			/* OUT */
};

/*
 * The first 16 bytes of set_param, pagetable_dying and get_mem_type's
 * arguments: each starts with the domain; set_param's index follows.
 */
struct hvm_domain_arg {
	domid_t domid;
	uint16_t pad;
	uint32_t index;			/* set_param only */
	uint64_t rest;
};

struct xen_hvm_xentrace {
	uint16_t event;			/* bits 0-11 */
	uint16_t extra_bytes;
	uint8_t extra[28];
};
#define HVM_XENTRACE_EVENT_MASK	0xfffU

#define HVM_PARAM_STORE_PFN	1
#define HVM_PARAM_STORE_EVTCHN	2
#define HVM_PARAM_CONSOLE_PFN	17
#define HVM_PARAM_CONSOLE_EVTCHN 18
#define HVM_NR_PARAMS		39	/* Xen 4.17's table size */

#endif
