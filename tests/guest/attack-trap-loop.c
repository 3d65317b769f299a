// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-trap-loop: the page-fault handler itself at a hypervisor
 * address. A page fault bounces to it, the fetch there faults again and
 * bounces to it again, each time one frame lower on the guest's stack,
 * until the stack runs into memory that is not mapped: then the frame
 * cannot be written and the domain is crashed, as Xen 4.17 crashes it.
 * Every bounce returns to the guest, so the hypervisor never loops in
 * itself; the runner checks the crash (and, on Lamina, that the
 * hypervisor reported it and lives on to power off).
 * @expect: crash
 * @expect-log: cannot write an exception frame at 0xffffffff7fffff
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include <lamina/callback.h>

int test_main(struct start_info *si)
{
	struct trap_info t[2] = {
		{ .vector = 14, .cs = 0xe008, .address = 0xffff820000218000ULL },
		{ .address = 0 },
	};

	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	CHECK(hypercall1(__HYPERVISOR_set_trap_table, t) == 0, "set_trap_table of #PF failed");
	printf("a page fault with the #PF handler in the hypervisor: the domain must be crashed\n");
	*(volatile uint64_t *)0x0000700000000000ULL = 1;
	return fail("came back from the page fault");
}
