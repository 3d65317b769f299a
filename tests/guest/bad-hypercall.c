// SPDX-License-Identifier: GPL-2.0-only
/*
 * bad-hypercall: numbers no hypervisor implements answer -ENOSYS, the guest
 * goes on, and the registers the ABI preserves survive every call.
 */
#include "lib/guest.h"

static const uint64_t bad_numbers[] = {
	11, 39, 45, 47, 56, 63, 64, 100, 127, 128, 255, 256, 4096,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000011ULL, ~0ULL,
};

/* Calls hypercall nr with callee-saved registers holding known values. */
static long call_checking_regs(uint64_t nr, bool *regs_ok)
{
	long ret;
	uint64_t ok;

	asm volatile("push %%rbx\n\t"
		     "push %%rbp\n\t"
		     "push %%r12\n\t"
		     "push %%r13\n\t"
		     "push %%r14\n\t"
		     "push %%r15\n\t"
		     "mov $0x1111111111111111, %%rbx\n\t"
		     "mov $0x2222222222222222, %%rbp\n\t"
		     "mov $0x3333333333333333, %%r12\n\t"
		     "mov $0x4444444444444444, %%r13\n\t"
		     "mov $0x5555555555555555, %%r14\n\t"
		     "mov $0x6666666666666666, %%r15\n\t"
		     "mov $0x7777777777777777, %%r9\n\t"
		     "syscall\n\t"
		     "xor %%ecx, %%ecx\n\t"
		     "mov $0x1111111111111111, %%r11\n\t cmp %%r11, %%rbx\n\t jne 1f\n\t"
		     "mov $0x2222222222222222, %%r11\n\t cmp %%r11, %%rbp\n\t jne 1f\n\t"
		     "mov $0x3333333333333333, %%r11\n\t cmp %%r11, %%r12\n\t jne 1f\n\t"
		     "mov $0x4444444444444444, %%r11\n\t cmp %%r11, %%r13\n\t jne 1f\n\t"
		     "mov $0x5555555555555555, %%r11\n\t cmp %%r11, %%r14\n\t jne 1f\n\t"
		     "mov $0x6666666666666666, %%r11\n\t cmp %%r11, %%r15\n\t jne 1f\n\t"
		     "mov $0x7777777777777777, %%r11\n\t cmp %%r11, %%r9\n\t jne 1f\n\t"
		     "mov $1, %%ecx\n"
		     "1:\n\t"
		     "pop %%r15\n\t"
		     "pop %%r14\n\t"
		     "pop %%r13\n\t"
		     "pop %%r12\n\t"
		     "pop %%rbp\n\t"
		     "pop %%rbx"
		     : "=a"(ret), "=c"(ok)
		     : "a"(nr), "D"(0), "S"(0), "d"(0)
		     : "r8", "r9", "r10", "r11", "memory");
	*regs_ok = ok;
	return ret;
}

int test_main(struct start_info *si)
{
	unsigned int i;
	bool regs_ok;
	long rc;

	for (i = 0; i < ARRAY_SIZE(bad_numbers); i++) {
		rc = call_checking_regs(bad_numbers[i], &regs_ok);
		CHECK(rc == -ENOSYS, "hypercall %#lx returned %ld, expected -ENOSYS",
		      (unsigned long)bad_numbers[i], rc);
		CHECK(regs_ok, "hypercall %#lx clobbered a preserved register",
		      (unsigned long)bad_numbers[i]);
	}
	/* A known hypercall still works afterwards, and preserves too. */
	rc = call_checking_regs(__HYPERVISOR_xen_version, &regs_ok);
	CHECK(rc > 0, "xen_version after bad calls returned %ld", rc);
	CHECK(regs_ok, "xen_version clobbered a preserved register");
	printf("%u unknown hypercall numbers refused with -ENOSYS\n",
	       (unsigned int)ARRAY_SIZE(bad_numbers));
	return TEST_PASS;
}
