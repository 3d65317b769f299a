// SPDX-License-Identifier: GPL-2.0-only
/*
 * badstack-syscall: a guest user's `syscall` is bounced to the syscall
 * callback on the kernel stack given by stack_switch (the hypervisor's
 * assembly bounce, entry.S); when that stack is not mapped the domain is
 * crashed cleanly (a store of the frame faults), never the hypervisor
 * itself, as for an exception (badstack) and as on Xen 4.17. The runner
 * checks the outcome.
 * @expect: crash
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/user.h"

extern const uint8_t sc_prog[], sc_prog_end[];
asm(".pushsection .rodata\n"
    "sc_prog:\n"
    "	mov $39, %eax\n"		/* past the hypercall numbers, as Linux's getpid */
    "	syscall\n"
    "	ud2\n"
    "sc_prog_end:\n"
    ".popsection");

int test_main(struct start_info *si)
{
	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	CHECK(user_setup(sc_prog, sc_prog_end - sc_prog, 1) == 0, "user mode set-up failed");
	CHECK(hypercall2(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, 0x0000700000000000ULL) == 0,
	      "stack_switch failed");
	printf("a user syscall with an unmapped kernel stack: the domain must be crashed\n");
	enter_user(USER_BASE, USER_DATA + 4096);
	return fail("came back from user mode");
}
