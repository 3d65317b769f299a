// SPDX-License-Identifier: GPL-2.0-only
/*
 * iret-checks: the iret hypercall's checks, which its assembly fast path
 * (hypervisor entry.S hc_iret) repeats before it hands anything unusual to
 * the C path; each row here goes through that fast path's decision:
 *   - the hypervisor's own code selector (0xE008) as the target CS is a
 *     #GP for the guest, not a return to ring 0 (Lamina refuses it at
 *     the iret, Xen's iretq faults at its target: both at label 4);
 *   - IOPL 3 in the context's rflags never reaches the real flags (the
 *     guest runs with IOPL 0: no VMASST_TYPE_architectural_iopl); NT is
 *     dropped on Lamina, kept by Xen 4.17 (docs/abi-core.md §2.18), so
 *     only Lamina is held to it;
 *   - the event mask follows the context's IF: IF clear masks events,
 *     IF set unmasks them;
 *   - a plain return within kernel mode restores rax, rcx and r11, and
 *     rax -85 (-ERESTART) too, which is no continuation after an iret.
 * The unreadable context (a domain crash) is iret-badframe; a
 * non-canonical target rip is noncanonical.
 */
#include "lib/guest.h"
#include "lib/traps.h"
#include "lib/events.h"

#define X86_EFLAGS_IF	0x200
#define X86_EFLAGS_IOPL	0x3000
#define X86_EFLAGS_NT	0x4000

/* A #GP raised for an iret to the hypervisor's CS: back to flat selectors. */
static bool repair_selectors(struct trap_frame *f)
{
	if (f->vector == 13 && (f->cs & ~3ULL) == 0xE008) {
		f->cs = FLAT_KERNEL_CS & ~3;
		f->ss = FLAT_KERNEL_SS;
	}
	return false;		/* the usual fixup and record follow */
}

/* iret within kernel mode to the next instruction with these rflags. */
static uint64_t iret_with_flags(uint64_t flags)
{
	uint64_t after;

	asm volatile("mov %%rsp, %%rax\n\t"
		     "push %2\n\t"			/* ss */
		     "push %%rax\n\t"			/* rsp */
		     "push %1\n\t"			/* rflags */
		     "push %3\n\t"			/* cs */
		     "lea 1f(%%rip), %%rax\n\t"
		     "push %%rax\n\t"			/* rip */
		     "push $0\n\t"			/* flags */
		     "push %%rcx\n\t"
		     "push %%r11\n\t"
		     "push %%rax\n\t"
		     "mov $23, %%eax\n\t"
		     "syscall\n"
		     "1:\n\t"
		     "pushfq\n\t"
		     "pop %0"
		     : "=r"(after)
		     : "r"(flags), "r"((uint64_t)FLAT_KERNEL_SS), "r"((uint64_t)(FLAT_KERNEL_CS & ~3))
		     : "rax", "rcx", "r11", "memory");
	return after;
}

static int hypervisor_cs(void)
{
	trap_hook = repair_selectors;
	traps_taken = 0;
	asm volatile("mov %%rsp, %%rbx\n\t"
		     "push %0; push %%rbx; pushfq; push $0xE008\n\t"
		     "lea 4f(%%rip), %%rax; push %%rax\n\t"
		     "push $0; push %%rcx; push %%r11; push %%rax\n\t"
		     "mov $23, %%eax\n\t"
		     "syscall\n"
		     "4:\n\t"
		     "mov %%rbx, %%rsp\n"
		     ".pushsection .fixup, \"a\"\n.balign 8\n.quad 4b, 4b\n.popsection"
		     : : "r"((uint64_t)FLAT_KERNEL_SS) : "rax", "rbx", "rcx", "r11", "memory");
	trap_hook = NULL;
	CHECK(traps_taken == 1 && last_trap.vector == 13,
	      "iret to the hypervisor's CS: %u traps, vector %lu", traps_taken,
	      (unsigned long)last_trap.vector);
	return TEST_PASS;
}

static int restores(void)
{
	uint64_t rax, rcx, r11;

	asm volatile("mov %%rsp, %%rbx\n\t"
		     "push %3; push %%rbx; pushfq; push %4\n\t"
		     "lea 1f(%%rip), %%rax; push %%rax\n\t"
		     "push $0\n\t"
		     "push $0x1111\n\t"			/* rcx */
		     "push $0x2222\n\t"			/* r11 */
		     "push $0x3333\n\t"			/* rax */
		     "mov $23, %%eax\n\t"
		     "syscall\n"
		     "1:\n\t"
		     "mov %%r11, %2"
		     : "=a"(rax), "=c"(rcx), "=m"(r11)
		     : "r"((uint64_t)FLAT_KERNEL_SS), "r"((uint64_t)(FLAT_KERNEL_CS & ~3))
		     : "rbx", "r11", "memory");
	CHECK(rax == 0x3333 && rcx == 0x1111 && r11 == 0x2222, "after iret rax %#lx rcx %#lx r11 %#lx",
	      (unsigned long)rax, (unsigned long)rcx, (unsigned long)r11);
	return TEST_PASS;
}

/*
 * The context's rax is -ERESTART (-85), the value a continuation returns:
 * after an iret it is only the interrupted code's rax, restored as it is.
 * The target follows two nops, so a return taken for a continuation
 * (rip moved back 2 bytes onto them, rax the call number) shows.
 */
static int restart_rax(void)
{
	uint64_t rax;

	asm volatile("mov %%rsp, %%rbx\n\t"
		     "push %1; push %%rbx; pushfq; push %2\n\t"
		     "lea 1f(%%rip), %%rax; push %%rax\n\t"
		     "push $0; push %%rcx; push %%r11\n\t"
		     "push $-85\n\t"			/* rax: -ERESTART */
		     "mov $23, %%eax\n\t"
		     "syscall\n\t"
		     "nop\n\t"
		     "nop\n"
		     "1:"
		     : "=a"(rax)
		     : "r"((uint64_t)FLAT_KERNEL_SS), "r"((uint64_t)(FLAT_KERNEL_CS & ~3))
		     : "rbx", "rcx", "r11", "memory");
	CHECK(rax == (uint64_t)-85, "an iret restoring rax -85 left rax %#lx", (unsigned long)rax);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	struct vcpu_info *vi;
	uint64_t f;

	if (traps_install(true) || events_init(si))
		return fail("set_trap_table or events_init failed");
	vi = &shared->vcpu_info[0];
	if (hypervisor_cs() != TEST_PASS)
		return TEST_FAIL;

	f = iret_with_flags(X86_EFLAGS_IOPL | X86_EFLAGS_NT | X86_EFLAGS_IF | 0x2);
	CHECK(!(f & X86_EFLAGS_IOPL), "IOPL %lu after an iret asking for 3",
	      (unsigned long)((f & X86_EFLAGS_IOPL) >> 12));
	CHECK(!on_lamina() || !(f & X86_EFLAGS_NT), "NT set after the iret: %#lx",
	      (unsigned long)f);
	CHECK(vi->evtchn_upcall_mask == 0, "IF set in the context left events masked");

	f = iret_with_flags(0x2);
	CHECK(vi->evtchn_upcall_mask == 1, "IF clear in the context left events unmasked");
	CHECK(f & X86_EFLAGS_IF, "the real IF is off after the iret: %#lx", (unsigned long)f);
	vi->evtchn_upcall_mask = 0;

	if (restores() != TEST_PASS || restart_rax() != TEST_PASS)
		return TEST_FAIL;
	printf("iret-checks: hypervisor CS refused with #GP, IOPL/NT kept out, event mask from IF\n");
	return TEST_PASS;
}
