// SPDX-License-Identifier: GPL-2.0-only
/*
 * usermode: a guest kernel with its own user page table runs a small user
 * program at 0x400000. The program makes system calls (delivered to the
 * syscall callback on the stack_switch stack, with DF cleared), takes an
 * int3 and two page faults (one on a kernel address it must not see), reads
 * its own GS base, and returns each time by the iret hypercall; the kernel
 * GS base and the kernel's address space are back afterwards.
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include <lamina/callback.h>

#define USER_BASE	0x400000ULL
#define USER_DATA	0x401000ULL
#define USER_GS_MAGIC	0x5553455247534253ULL
#define KERNEL_GS_MAGIC	0x4b45524e454c4753ULL

extern const uint8_t user_prog[], user_after_int3[], user_fault1[], user_fault1_end[],
	user_fault2[], user_fault2_end[], user_syscall1_end[], user_prog_end[];
void syscall_entry(void);
long enter_user(uint64_t rip, uint64_t rsp);

/* What the syscall callback saw. */
volatile uint64_t sc_count, sc_rcx_slot, sc_cs_slot, sc_ss_slot, sc_flags_on_entry, sc_gs_value;

/*
 * The user program (position-independent bytes copied to USER_BASE):
 * syscall 1 with DF set; int3; a read of an unmapped user address; a read
 * of a kernel address; read %gs:0 and pass it in syscall 2; syscall 60
 * ends the run.
 */
asm(".pushsection .rodata\n"
    ".globl user_prog, user_after_int3, user_fault1, user_fault1_end\n"
    ".globl user_fault2, user_fault2_end, user_syscall1_end, user_prog_end\n"
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
    "	mov %gs:0, %rdi\n"
    "	mov $2, %eax\n"
    "	syscall\n"
    "	mov $60, %eax\n"
    "	syscall\n"
    "	ud2\n"
    "user_prog_end:\n"
    ".popsection");

/*
 * The syscall callback. rsp = kernel_sp - 56: rcx, r11, rip, cs, rflags,
 * rsp, ss. Syscall 60 resumes the kernel after enter_user(); the others
 * record and return to user mode by iret with rax = 0x1234.
 */
asm(".text\n"
    ".globl syscall_entry, enter_user\n"
    "syscall_entry:\n"
    "	pushfq\n"
    "	popq sc_flags_on_entry(%rip)\n"
    "	incq sc_count(%rip)\n"
    "	mov (%rsp), %rcx\n"
    "	mov %rcx, sc_rcx_slot(%rip)\n"
    "	mov 24(%rsp), %rcx\n"
    "	mov %rcx, sc_cs_slot(%rip)\n"
    "	mov 48(%rsp), %rcx\n"
    "	mov %rcx, sc_ss_slot(%rip)\n"
    "	cmp $2, %eax\n"
    "	jne 1f\n"
    "	mov %rdi, sc_gs_value(%rip)\n"
    "1:	cmp $60, %eax\n"
    "	je 2f\n"
    "	pop %rcx\n"
    "	pop %r11\n"
    "	push $0\n"
    "	push %rcx\n"
    "	push %r11\n"
    "	push $0x1234\n"
    "	mov $23, %eax\n"
    "	syscall\n"
    "	ud2\n"
    "2:	mov kernel_saved_rsp(%rip), %rsp\n"
    "	pop %r15\n"
    "	pop %r14\n"
    "	pop %r13\n"
    "	pop %r12\n"
    "	pop %rbp\n"
    "	pop %rbx\n"
    "	mov $60, %eax\n"
    "	ret\n"
    /* enter_user(rip, rsp): iret to user mode, returns when syscall 60 runs. */
    "enter_user:\n"
    "	push %rbx\n"
    "	push %rbp\n"
    "	push %r12\n"
    "	push %r13\n"
    "	push %r14\n"
    "	push %r15\n"
    "	mov %rsp, kernel_saved_rsp(%rip)\n"
    "	push $0xe02b\n"		/* ss */
    "	push %rsi\n"		/* rsp */
    "	push $0x200\n"		/* rflags: events on */
    "	push $0xe033\n"		/* cs: RPL 3 = user mode */
    "	push %rdi\n"		/* rip */
    "	push $0\n"		/* flags */
    "	push $0\n"		/* rcx */
    "	push $0\n"		/* r11 */
    "	push $0\n"		/* rax */
    "	mov $23, %eax\n"
    "	syscall\n"
    "	ud2\n"
    ".data\n"
    "kernel_saved_rsp: .quad 0\n"
    ".text\n");

static uint64_t uaddr(const uint8_t *label)
{
	return USER_BASE + (label - user_prog);
}

static struct trap_record user_traps[3];
static unsigned int nr_user_traps;

/* Traps from user mode: record and step over the faulting instruction. */
static bool user_trap(struct trap_frame *f)
{
	if (!(f->cs & 3) || nr_user_traps >= 3)
		return false;
	user_traps[nr_user_traps++] = (struct trap_record){ f->vector, f->error, f->rip,
		f->cs, f->rflags, f->rsp, f->ss, f->rcx, f->r11 };
	if (f->vector != 14)
		return true;		/* int3: rip is already past it */
	if (f->rip == uaddr(user_fault1))
		f->rip = uaddr(user_fault1_end);
	else if (f->rip == uaddr(user_fault2))
		f->rip = uaddr(user_fault2_end);
	return true;
}

/* L4 -> L3 -> L2 -> L1 for USER_BASE, all user pages; returns the L4's frame. */
static uint64_t build_user_tables(void)
{
	uint64_t l4 = scratch_page(), l3 = scratch_page(), l2 = scratch_page(),
		 l1 = scratch_page(), code = scratch_page(), data = scratch_page();
	uint64_t tables[4] = { l4, l3, l2, l1 };
	unsigned int i;

	memcpy((void *)code, user_prog, user_prog_end - user_prog);
	*(uint64_t *)data = USER_GS_MAGIC;
	((uint64_t *)l4)[0] = (va_to_mfn(l3) << 12) | PTE_DATA;
	((uint64_t *)l3)[0] = (va_to_mfn(l2) << 12) | PTE_DATA;
	((uint64_t *)l2)[2] = (va_to_mfn(l1) << 12) | PTE_DATA;	/* 0x400000 */
	((uint64_t *)l1)[0] = (va_to_mfn(code) << 12) | PTE_P | PTE_US | PTE_A;
	((uint64_t *)l1)[1] = (va_to_mfn(data) << 12) | PTE_DATA;
	for (i = 0; i < 4; i++)
		if (update_va_mapping(tables[i], (va_to_mfn(tables[i]) << 12) | PTE_P | PTE_US | PTE_A,
				      UVMF_INVLPG))
			return 0;
	if (mmuext1(MMUEXT_PIN_L4_TABLE, va_to_mfn(l4)))
		return 0;
	return va_to_mfn(l4);
}

static uint64_t kernel_gs_probe = KERNEL_GS_MAGIC;
static uint8_t kernel_stack[8192] __attribute__((aligned(16)));

int test_main(struct start_info *si)
{
	struct callback_register cb = { CALLBACKTYPE_syscall, CALLBACKF_mask_events, 0,
					(uint64_t)syscall_entry };
	uint64_t umfn, gs;
	long rc;

	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	trap_hook = user_trap;
	CHECK(hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb) == 0,
	      "registering the syscall callback failed");
	CHECK(hypercall2(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS,
			 (uint64_t)kernel_stack + sizeof(kernel_stack)) == 0, "stack_switch failed");
	CHECK(hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_GS_KERNEL,
			 (uint64_t)&kernel_gs_probe) == 0, "kernel GS base failed");
	CHECK(hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER, USER_DATA) == 0,
	      "user GS base failed");
	umfn = build_user_tables();
	CHECK(umfn, "building the user page tables failed");
	CHECK(mmuext1(MMUEXT_NEW_USER_BASEPTR, umfn) == 0, "NEW_USER_BASEPTR failed");

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
	CHECK(nr_user_traps == 3, "%u traps from user mode, expected 3", nr_user_traps);
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
	printf("usermode: 3 system calls, int3 and 2 page faults from guest user mode\n");
	return TEST_PASS;
}
