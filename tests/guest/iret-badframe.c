// SPDX-License-Identifier: GPL-2.0-only
/*
 * iret-badframe: an iret hypercall whose context cannot be read (rsp on an
 * unmapped page) crashes the domain, on Lamina (its assembly fast path's
 * load faults and the C path makes the crash) as on Xen 4.17. The runner
 * checks the outcome.
 * @expect: crash
 */
#include "lib/guest.h"

int test_main(struct start_info *si)
{
	(void)si;
	printf("iret with the context on an unmapped page: the domain must be crashed\n");
	asm volatile("mov %0, %%rsp\n\t"
		     "mov $23, %%eax\n\t"
		     "syscall"
		     : : "r"(0x0000700000000000ULL) : "rax", "rcx", "r11", "memory");
	return fail("survived an iret with an unreadable context");
}
