// SPDX-License-Identifier: GPL-2.0-only
/*
 * cpu: what the CPU paths of a PV hypervisor cost, from a guest kernel:
 * a null hypercall (xen_version with no buffer), a trapped and emulated
 * privileged instruction (rdmsr of FS_BASE), an exception bounced to the
 * guest and returned by iret (int3), and a system call from guest user
 * mode through the hypervisor to the guest kernel and back.
 *
 * Each is timed in blocks of PER_BLOCK operations with the TSC; BLOCKS
 * blocks give 100 000 operations, and a line per operation reports the
 * median, minimum and maximum cycles per operation over the blocks:
 *   BENCH <name> <median> <min> <max> <operations>
 * Under QEMU's -icount shift=0 the TSC counts instructions, so the same
 * guest gives a deterministic path length.
 */
#include "../../guest/lib/guest.h"
#include "../../guest/lib/mm.h"
#include "../../guest/lib/bench.h"
#include "../../guest/lib/user.h"
#include <lamina/callback.h>

#define BLOCKS		1000
#define PER_BLOCK	100

static uint64_t samples[BLOCKS];

#define MEASURE(name, body) BENCH_MEASURE(name, samples, BLOCKS, PER_BLOCK, body)

void bp_handler(void);
asm(".text\n"
    "bp_handler:\n"			/* the smallest correct #BP handler */
    "	pop %rcx\n"
    "	pop %r11\n"
    "	jmp guest_iret\n");

extern const uint8_t user_bench[], user_bench_end[];
asm(".pushsection .rodata\n"
    "user_bench:\n"
    "	xor %r12d, %r12d\n"
    "1:	rdtsc\n"
    "	shl $32, %rdx\n"
    "	or %rax, %rdx\n"
    "	mov %rdx, %r13\n"
    "	mov $100, %r14d\n"
    "2:	xor %eax, %eax\n"
    "	syscall\n"
    "	dec %r14d\n"
    "	jnz 2b\n"
    "	rdtsc\n"
    "	shl $32, %rdx\n"
    "	or %rax, %rdx\n"
    "	sub %r13, %rdx\n"
    "	mov %rdx, 0x401000(,%r12,8)\n"
    "	inc %r12d\n"
    "	cmp $1000, %r12d\n"
    "	jb 1b\n"
    "	mov $60, %eax\n"
    "	syscall\n"
    "	ud2\n"
    "user_bench_end:\n"
    ".popsection");

int test_main(struct start_info *si)
{
	struct trap_info bp[2] = { { 3, 3, 0x10, 0, (uint64_t)bp_handler }, { 0 } };

	mm_init(si);
	CHECK(hypercall1(__HYPERVISOR_set_trap_table, bp) == 0, "set_trap_table failed");
	MEASURE("null_hypercall", hypercall2(__HYPERVISOR_xen_version, 0, 0));
	MEASURE("emulated_rdmsr", ({ uint32_t lo, hi;
		asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xC0000100)); }));
	MEASURE("exception_bounce_iret", asm volatile("int3" ::: "rcx", "r11", "memory"));
	CHECK(user_setup(user_bench, user_bench_end - user_bench, 2) == 0, "user mode set-up failed");
	CHECK(enter_user(USER_BASE, USER_DATA + 3 * 4096) == 60, "user mode did not finish");
	memcpy(samples, (const void *)user_data_kva, sizeof(samples));
	bench_report("user_syscall_roundtrip", samples, BLOCKS, PER_BLOCK);
	return TEST_PASS;
}
