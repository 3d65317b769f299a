// SPDX-License-Identifier: GPL-2.0-only
/*
 * elf-nodom0: a kernel whose FEATURES note lacks "dom0" and which has no
 * SUPPORTED_FEATURES note. Xen 4.17 refuses a dom0 kernel only when a
 * SUPPORTED_FEATURES note is present without the dom0 bit, so this one
 * boots as dom0 (Lamina refused it before). The refusal itself is a unit
 * test (elf_dom0_refusal in tests/unit/hypervisor/common/elf.c): Xen
 * panics when it cannot build dom0, which no test guest can report.
 * @head: -DNOTES_NO_DOM0
 */
#include "lib/guest.h"

int test_main(struct start_info *si)
{
	CHECK((si->flags & (SIF_INITDOMAIN | SIF_PRIVILEGED)) == (SIF_INITDOMAIN | SIF_PRIVILEGED),
	      "not booted as a privileged dom0 (flags %#x)", si->flags);
	printf("dom0 without a dom0 feature: flags %#x\n", si->flags);
	return TEST_PASS;
}
