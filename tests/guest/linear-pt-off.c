// SPDX-License-Identifier: GPL-2.0-only
/*
 * linear-pt-off: linear-pt with pv-linear-pt=0 on the hypervisor's command
 * line (Xen 4.17 reads the same option): every linear entry is refused
 * with -EINVAL, the other checks stay as they are.
 * @hvargs: pv-linear-pt=0
 * @cmdline: off
 */
#include "linear-pt.c"
