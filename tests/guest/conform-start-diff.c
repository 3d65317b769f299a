// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-start-diff: a dump of the start-of-day state dom0 is given
 * (registers at entry, every start_info field, the bootstrap page tables,
 * the p2m, the region after the kernel, shared_info and vcpu_info, the
 * FPU, MSR and debug-register state, and the read-only queries a kernel
 * makes at start), one "D <index> <item> <value>" line each, normalized
 * (tests/guest/startdiff/dump.h). tests/run/conform-diff --guest
 * conform-start-diff compares the lines with those recorded on Xen 4.17.
 * The guest passes when it has printed its lines; the comparison is the
 * runner's.
 * @head: -DENTRY_SAVE
 * @hvargs: dom0_mem=48M dom0_max_vcpus=2
 * @cmdline: console=hvc0 startdiff=1
 */
#include "startdiff/dump.h"

int test_main(struct start_info *si)
{
	return start_diff(si);
}
