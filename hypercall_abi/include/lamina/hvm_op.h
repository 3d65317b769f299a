/* SPDX-License-Identifier: MIT */
/*
 * hvm_op (34): long hvm_op(unsigned int op, void *arg). Lamina has no HVM
 * guests; it answers the one operation a dom0 needs to adopt the domains
 * the hypervisor built at boot, as Xen does for its dom0less domains.
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
 *  4. Every other operation answers -ENOSYS.
 */
#ifndef LAMINA_HVM_OP_H
#define LAMINA_HVM_OP_H

#include <lamina/types.h>

#define HVMOP_set_param		0
#define HVMOP_get_param		1

struct xen_hvm_param {
	domid_t domid;			/* IN */
	uint16_t pad;
	uint32_t index;			/* IN: HVM_PARAM_* */
	uint64_t value;			/* OUT */
};

#define HVM_PARAM_STORE_PFN	1
#define HVM_PARAM_STORE_EVTCHN	2
#define HVM_PARAM_CONSOLE_PFN	17
#define HVM_PARAM_CONSOLE_EVTCHN 18
#define HVM_NR_PARAMS		39	/* Xen 4.17's table size */

#endif
