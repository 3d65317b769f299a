// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-start-diff-legacy: conform-start-diff's dump (startdiff/dump.h)
 * for a kernel without Xen notes, described by the legacy "__xen_guest"
 * section (as elf-legacy: linked with p_paddr = p_vaddr, entered at
 * e_entry). tests/run/conform-diff --guest conform-start-diff-legacy
 * compares the lines with Xen 4.17's.
 * @head: -DENTRY_SAVE -DNOTES_LEGACY
 * @ldflags: --defsym=LOAD_OFFSET=0
 * @hvargs: dom0_mem=48M dom0_max_vcpus=2
 * @cmdline: console=hvc0 startdiff=3
 */
#include "startdiff/dump.h"

int test_main(struct start_info *si)
{
	return start_diff(si);
}
