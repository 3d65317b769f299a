// SPDX-License-Identifier: GPL-2.0-only
/*
 * crash: a guest that faults with no trap table is crashed cleanly; the
 * hypervisor reports it and ends the machine as for a dom0 crash, without a
 * hypervisor crash dump. The runner checks the outcome.
 * @expect: crash
 */
#include "lib/guest.h"

int test_main(struct start_info *si)
{
	printf("executing ud2 with no trap table: the domain must be crashed\n");
	asm volatile("ud2");
	return fail("survived ud2 without a trap handler");
}
