// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-start-diff-p2m: conform-start-diff's dump (startdiff/dump.h)
 * for a kernel with Linux's other notes: INIT_P2M (the p2m list mapped at
 * 0x8000000000 by tables of its own, outside the region) and
 * MOD_START_PFN with an initrd (this source file), so start_info's
 * mod_start is a pfn and first_p2m_pfn/nr_p2m_frames name the list's
 * frames. tests/run/conform-diff --guest conform-start-diff-p2m compares
 * the lines with Xen 4.17's.
 * @head: -DENTRY_SAVE -DNOTES_P2M_MOD
 * @initrd: source
 * @hvargs: dom0_mem=48M dom0_max_vcpus=2
 * @cmdline: console=hvc0 startdiff=2
 */
#include "startdiff/dump.h"

int test_main(struct start_info *si)
{
	return start_diff(si);
}
