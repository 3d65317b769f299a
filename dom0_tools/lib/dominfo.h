/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * getdomaininfo's flags (docs/abi-core.md, domctl): the shutdown reason,
 * decoded here once for every dom0 program (vmctl, vmtop, xenstored).
 * Part of libdom0 (dom0_tools/lib).
 */
#ifndef DOM0_DOMINFO_H
#define DOM0_DOMINFO_H

#include <stdint.h>
#include <lamina/domctl.h>
#include <lamina/sched.h>

/*
 * The SHUTDOWN_* reason of a domain whose flags say it is shut down
 * (DOMINF_shutdown), 0..255; -1 when it is not shut down (its reason
 * field then means nothing: Xen leaves 0xffff there before a shutdown).
 */
int dominfo_shutdown_reason(uint32_t flags);

/*
 * xl's word for a SHUTDOWN_* reason: "poweroff", "reboot", "suspend",
 * "crash", "watchdog", "soft_reset"; NULL for -1 and any other number.
 */
const char *dominfo_reason_name(int reason);

#endif
