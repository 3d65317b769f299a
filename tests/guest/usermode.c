// SPDX-License-Identifier: GPL-2.0-only
/*
 * usermode: a guest kernel with its own user page table runs a small user
 * program at 0x400000. The program makes system calls (delivered to the
 * syscall callback on the stack_switch stack, with DF cleared), takes an
 * int3 and two page faults (one on a kernel address it must not see), a
 * store through a non-canonical rsp (#SS(0), #GP(0) under QEMU's TCG; the
 * kernel's iret gives that rsp back, as Xen 4.17 and iretq do: XTF
 * memop-seg), reads its own GS base, and returns each time by the iret
 * hypercall; the kernel GS base and the kernel's address space are back
 * afterwards.
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/user.h"
#include <lamina/callback.h>

#define USER_GS_MAGIC	0x5553455247534253ULL
#define KERNEL_GS_MAGIC	0x4b45524e454c4753ULL

extern const uint8_t user_prog[], user_after_int3[], user_fault1[], user_fault1_end[],
	user_fault2[], user_fault2_end[], user_fault3[], user_fault3_end[], user_syscall1_end[],
	user_prog_end[];

#define NONCANONICAL_RSP	0x8000000040000000ULL
/*
 * The user program (position-independent bytes copied to USER_BASE):
 * syscall 1 with DF set; int3; a read of an unmapped user address; a read
 * of a kernel address; a store through rsp 0x8000000040000000 (the rsp
 * it resumes with goes to the second data quadword); read %gs:0 and pass
 * it in syscall 2; syscall 60 ends the run.
 */
asm(".pushsection .rodata\n"
    ".globl user_prog, user_after_int3, user_fault1, user_fault1_end\n"
    ".globl user_fault2, user_fault2_end, user_syscall1_end, user_prog_end\n"
    ".globl user_fault3, user_fault3_end\n"
    "user_prog:\n"
    "	std\n"
    "	mov $1, %eax\n"
    "	syscall\n"
    "user_syscall1_end:\n"
    "	cld\n"
    "	int3\n"
    "user_after_int3:\n"
    "user_fault1:\n"
    "	movb 0x600000, %al\n"
    "user_fault1_end:\n"
    "user_fault2:\n"
    "	movabs 0xffffffff80100000, %al\n"
    "user_fault2_end:\n"
    "	mov %rsp, %rbx\n"
    "	movabs $0x8000000040000000, %rsp\n"
    "user_fault3:\n"
    "	movb $0, (%rsp)\n"
    "user_fault3_end:\n"
    "	mov %rsp, 0x401008\n"
    "	mov %rbx, %rsp\n"
    "	movabs $0x5553455247534253, %rax\n"
    "	mov %rax, 0x401000\n"
    "	mov %gs:0, %rdi\n"
    USER_PROG_EXIT
    "user_prog_end:\n"
    ".popsection");

static uint64_t uaddr(const uint8_t *label)
{
	return user_va(user_prog, label);
}

static struct trap_record user_traps[4];
static unsigned int nr_user_traps;

/* Traps from user mode: record and step over the faulting instruction. */
static bool user_trap(struct trap_frame *f)
{
	if (!(f->cs & 3) || nr_user_traps >= 4)
		return false;
	user_traps[nr_user_traps++] = (struct trap_record){ f->vector, f->error, f->rip,
		f->cs, f->rflags, f->rsp, f->ss, f->rcx, f->r11 };
	if ((f->vector == 12 || f->vector == 13) && f->rip == uaddr(user_fault3))
		f->rip = uaddr(user_fault3_end);
	if (f->vector != 14)
		return true;		/* int3: rip is already past it */
	if (f->rip == uaddr(user_fault1))
		f->rip = uaddr(user_fault1_end);
	else if (f->rip == uaddr(user_fault2))
		f->rip = uaddr(user_fault2_end);
	return true;
}

static uint64_t kernel_gs_probe = KERNEL_GS_MAGIC;

int test_main(struct start_info *si)
{
	uint64_t gs, rsp_back;
	long rc;

	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	trap_hook = user_trap;
	CHECK(hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_GS_KERNEL,
			 (uint64_t)&kernel_gs_probe) == 0, "kernel GS base failed");
	CHECK(hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER, USER_DATA) == 0,
	      "user GS base failed");
	CHECK(user_setup(user_prog, user_prog_end - user_prog, 1) == 0,
	      "setting up user mode failed");

	rc = enter_user(USER_BASE, USER_DATA + 4096);
	CHECK(rc == 60, "enter_user came back with %ld", rc);
	asm volatile("mov %%gs:0, %0" : "=r"(gs));
	CHECK(gs == KERNEL_GS_MAGIC, "kernel GS base after user mode: %#lx", (unsigned long)gs);

	CHECK(sc_count == 3, "%lu system calls reached the callback, expected 3",
	      (unsigned long)sc_count);
	CHECK(sc_gs_value == USER_GS_MAGIC, "user GS base read %#lx", (unsigned long)sc_gs_value);
	CHECK(!(sc_flags_on_entry & 0x400), "DF set on syscall callback entry");
	CHECK((sc_cs_slot & 0xffff) == FLAT_USER_CS64 && (sc_ss_slot & 0xffff) == FLAT_USER_SS64,
	      "syscall frame cs/ss %#lx/%#lx", (unsigned long)sc_cs_slot, (unsigned long)sc_ss_slot);
	CHECK(nr_user_traps == 4, "%u traps from user mode, expected 4", nr_user_traps);
	CHECK(user_traps[0].vector == 3 && user_traps[0].rip == uaddr(user_after_int3),
	      "int3 from user: vector %lu rip %#lx", (unsigned long)user_traps[0].vector,
	      (unsigned long)user_traps[0].rip);
	CHECK((user_traps[0].cs & 3) == 3, "user int3 frame cs %#lx has RPL 0",
	      (unsigned long)user_traps[0].cs);
	CHECK(user_traps[1].vector == 14 && user_traps[1].error == 4,
	      "unmapped user read: vector %lu error %#lx (expected #PF, U)",
	      (unsigned long)user_traps[1].vector, (unsigned long)user_traps[1].error);
	CHECK(user_traps[2].vector == 14 && (user_traps[2].error & 4),
	      "read of a kernel address from user mode: vector %lu error %#lx",
	      (unsigned long)user_traps[2].vector, (unsigned long)user_traps[2].error);
	/* #SS(0) on hardware; QEMU's TCG raises #GP(0) for every non-canonical address. */
	CHECK((user_traps[3].vector == 12 || user_traps[3].vector == 13) &&
	      user_traps[3].error == 0 &&
	      user_traps[3].rip == uaddr(user_fault3) && user_traps[3].rsp == NONCANONICAL_RSP,
	      "store through a non-canonical rsp: vector %lu error %#lx rip %#lx rsp %#lx",
	      (unsigned long)user_traps[3].vector, (unsigned long)user_traps[3].error,
	      (unsigned long)user_traps[3].rip, (unsigned long)user_traps[3].rsp);
	rsp_back = *(volatile uint64_t *)(user_data_kva + 8);
	CHECK(rsp_back == NONCANONICAL_RSP, "user mode resumed after the #SS with rsp %#lx",
	      (unsigned long)rsp_back);
	printf("usermode: 3 system calls, int3, 2 page faults and #SS from guest user mode\n");
	return TEST_PASS;
}
