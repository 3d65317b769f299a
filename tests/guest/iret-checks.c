// SPDX-License-Identifier: GPL-2.0-only
/*
 * iret-checks: the iret hypercall's checks, which its assembly fast path
 * (hypervisor entry.S hc_iret) repeats before it hands anything unusual to
 * the C path; each row here goes through that fast path's decision:
 *   - the hypervisor's own code selector (0xE008) as the target CS is a
 *     #GP for the guest, not a return to ring 0 (Lamina refuses it at
 *     the iret, Xen's iretq faults at its target: both at label 4);
 *   - IOPL 3 in the context's rflags never reaches the real flags (the
 *     guest runs with IOPL 0: no VMASST_TYPE_architectural_iopl); NT
 *     asked for there is kept, as Xen 4.17 keeps it (0x4202 measured on
 *     both; docs/abi-core.md §2.18);
 *   - NT the guest set itself (popf) survives a plain hypercall, which
 *     leaves by sysret (Xen 4.17 keeps it there too);
 *   - the event mask follows the context's IF: IF clear masks events,
 *     IF set unmasks them;
 *   - a plain return within kernel mode restores rax, rcx and r11, and
 *     rax -85 (-ERESTART) too, which is no continuation after an iret;
 *   - a non-canonical rsp in the context is taken as it is, no #GP (iretq
 *     loads any rsp, Xen 4.17's do_iret checks none; XTF memop-seg needs
 *     it): the target sees that rsp, before it puts its own back.
 * The unreadable context (a domain crash) is iret-badframe; a
 * non-canonical target rip is noncanonical.
 */
#include "lib/guest.h"
#include "lib/traps.h"
#include "lib/events.h"

#define X86_EFLAGS_IF	0x200
#define X86_EFLAGS_IOPL	0x3000
#define X86_EFLAGS_NT	0x4000
#define KCS		(FLAT_KERNEL_CS & ~3)	/* RPL 0: kernel mode */

/*
 * iret within kernel mode restoring rax (given), rcx 0x1111 and r11 0x2222;
 * out gets the three as the target sees them. The target follows two
 * nops, so a return taken for a continuation (rip moved back 2 bytes onto
 * them, rax the call number) shows too.
 */
static void iret_restoring(uint64_t rax, uint64_t out[3])
{
	asm volatile("mov %%rsp, %%rbx\n\t"
		     "push %3; push %%rbx; pushfq; push %4\n\t"
		     "lea 1f(%%rip), %%rcx; push %%rcx\n\t"
		     "push $0\n\t"
		     "push $0x1111\n\t"			/* rcx */
		     "push $0x2222\n\t"			/* r11 */
		     "push %%rax\n\t"
		     "mov $23, %%eax\n\t"
		     "syscall\n\t"
		     "nop\n\t"
		     "nop\n"
		     "1:\n\t"
		     "mov %%r11, %2"
		     : "+a"(rax), "=&c"(out[1]), "=m"(out[2])
		     : "r"((uint64_t)FLAT_KERNEL_SS), "r"((uint64_t)KCS)
		     : "rbx", "r11", "memory");
	out[0] = rax;
}

#define NONCANONICAL_RSP	0x8000000040000000ULL

/*
 * iret within kernel mode onto NONCANONICAL_RSP with IF clear (events stay
 * masked: an upcall could not be pushed there); the target records the rsp
 * it runs with and restores its own at once. traps counts the traps taken.
 */
static uint64_t iret_noncanonical_rsp(unsigned int *traps)
{
	uint64_t seen = 0;

	traps_taken = 0;
	asm volatile("mov %%rsp, %%rbx\n\t"
		     "push %1; push %2; push $2; push %3\n\t"
		     "lea 1f(%%rip), %%rax; push %%rax\n\t"
		     "push $0; push %%rcx; push %%r11; push %%rax\n\t"
		     "mov $23, %%eax\n\t"
		     "syscall\n"
		     "1:\n\t"
		     "mov %%rsp, %0\n\t"
		     "mov %%rbx, %%rsp\n"
		     ".pushsection .fixup, \"a\"\n.balign 8\n.quad 1b, 1b\n.popsection"
		     : "+r"(seen)
		     : "r"((uint64_t)FLAT_KERNEL_SS), "r"(NONCANONICAL_RSP), "r"((uint64_t)KCS)
		     : "rax", "rbx", "rcx", "r11", "memory");
	*traps = traps_taken;
	return seen;
}

/*
 * rflags after a plain hypercall (xen_version) made with NT set by the
 * guest's own popf; NT is cleared again before returning.
 */
static uint64_t nt_after_hypercall(void)
{
	uint64_t f;

	asm volatile("pushfq; orq $0x4000, (%%rsp); popfq" ::: "cc", "memory");
	HYPERVISOR_xen_version(XENVER_version, NULL);
	asm volatile("pushfq; pop %0; pushfq; andq $~0x4000, (%%rsp); popfq"
		     : "=r"(f) :: "cc", "memory");
	return f;
}

int test_main(struct start_info *si)
{
	struct vcpu_info *vi;
	unsigned int n;
	uint64_t f, r[3];

	if (traps_install(true) || events_init(si))
		return fail("set_trap_table or events_init failed");
	vi = &shared->vcpu_info[0];
	n = iret_expect_fault(0xE008, FLAT_KERNEL_SS);
	CHECK(n == 1 && last_trap.vector == 13, "iret to the hypervisor's CS: %u traps, vector %lu",
	      n, (unsigned long)last_trap.vector);
	/* The CPU's error code for a refused CS: its selector (Xen's iretq faults). */
	CHECK(last_trap.error == 0xE008, "iret to the hypervisor's CS: #GP(%#lx), not #GP(0xe008)",
	      (unsigned long)last_trap.error);

	f = iret_next(KCS, FLAT_KERNEL_SS, X86_EFLAGS_IOPL | X86_EFLAGS_NT | X86_EFLAGS_IF | 0x2);
	CHECK(!(f & X86_EFLAGS_IOPL), "IOPL %lu after an iret asking for 3",
	      (unsigned long)((f & X86_EFLAGS_IOPL) >> 12));
	CHECK(f & X86_EFLAGS_NT, "NT dropped by the iret: %#lx", (unsigned long)f);
	CHECK(vi->evtchn_upcall_mask == 0, "IF set in the context left events masked");
	f = nt_after_hypercall();
	CHECK(f & X86_EFLAGS_NT, "NT dropped by a plain hypercall: %#lx", (unsigned long)f);

	f = iret_next(KCS, FLAT_KERNEL_SS, 0x2);
	CHECK(vi->evtchn_upcall_mask == 1, "IF clear in the context left events unmasked");
	CHECK(f & X86_EFLAGS_IF, "the real IF is off after the iret: %#lx", (unsigned long)f);
	vi->evtchn_upcall_mask = 0;

	iret_restoring(0x3333, r);
	CHECK(r[0] == 0x3333 && r[1] == 0x1111 && r[2] == 0x2222,
	      "after iret rax %#lx rcx %#lx r11 %#lx", (unsigned long)r[0], (unsigned long)r[1],
	      (unsigned long)r[2]);
	/* -ERESTART, as a continuation returns: after iret only a restored rax. */
	iret_restoring((uint64_t)-85, r);
	CHECK(r[0] == (uint64_t)-85, "an iret restoring rax -85 left rax %#lx", (unsigned long)r[0]);
	f = vi->evtchn_upcall_mask;
	r[0] = iret_noncanonical_rsp(&n);
	vi->evtchn_upcall_mask = f;
	CHECK(n == 0 && r[0] == NONCANONICAL_RSP,
	      "iret onto rsp %#llx: %u traps, the target ran with rsp %#lx",
	      NONCANONICAL_RSP, n, (unsigned long)r[0]);
	printf("iret-checks: hypervisor CS refused with #GP, IOPL kept out, NT kept (iret, sysret), event mask from IF, a non-canonical rsp taken\n");
	return TEST_PASS;
}
