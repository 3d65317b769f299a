// SPDX-License-Identifier: GPL-2.0-only
/*
 * badstack: an exception from guest user mode must be delivered on the
 * kernel stack given by stack_switch; when that stack is not mapped the
 * domain is crashed cleanly (reported by the hypervisor), never the
 * hypervisor itself. The runner checks the outcome.
 * @expect: crash
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/user.h"

extern const uint8_t bad_prog[], bad_prog_end[];
asm(".pushsection .rodata\n"
    "bad_prog:\n"
    "	int3\n"
    "	ud2\n"
    "bad_prog_end:\n"
    ".popsection");

int test_main(struct start_info *si)
{
	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	CHECK(user_setup(bad_prog, bad_prog_end - bad_prog, 1) == 0, "user mode set-up failed");
	/* An unmapped kernel stack for the next entry from user mode. */
	CHECK(hypercall2(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, 0x0000700000000000ULL) == 0,
	      "stack_switch failed");
	printf("entering user mode with an unmapped kernel stack: the domain must be crashed\n");
	enter_user(USER_BASE, USER_DATA + 4096);
	return fail("came back from user mode");
}
