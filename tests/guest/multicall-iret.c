// SPDX-License-Identifier: GPL-2.0-only
/*
 * multicall-iret: an iret inside a multicall runs and ends the batch, as
 * in Xen 4.17 since XSA-213 (its multicall's iret disposition, mc_exit):
 *   - within kernel mode: the guest resumes at the iret's target with rax,
 *     rcx and r11 from the context, the iret's entry gets the restored rax
 *     as its result, and the entries after it do not run (their results
 *     keep what the guest wrote there);
 *   - a restored rax of -85 (-ERESTART) is no continuation there either;
 *   - an entry before the iret runs as usual;
 *   - an iret onto the hypervisor's code selector is the guest's #GP, and
 *     the entry after it does not run either;
 *   - to user mode: the user program starts with the restored rax, and the
 *     xen_version entry after the iret never runs in user context (the
 *     iret entry's result is written on the user page table, which does
 *     not map the list: best effort, it keeps its old value on both).
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/user.h"

#define KCS		(FLAT_KERNEL_CS & ~3)	/* RPL 0: kernel mode */
#define UNTOUCHED	0x5a5a5a5aL		/* a result no call gives */

static struct multicall_entry mc[3];

/*
 * multicall(mc, nr) with an iret context on the stack returning within
 * kernel mode to label 1, restoring rax (given), rcx 0x1111 and r11
 * 0x2222; out gets the three as label 1 sees them. Label 1 follows two
 * nops, so a continuation (rip moved back 2 bytes) shows as rax the call
 * number; a multicall that comes back without the iret has sysret's rcx.
 */
static void multicall_iret_kernel(unsigned long nr, uint64_t rax, uint64_t out[3])
{
	uint64_t list = (uint64_t)mc;

	asm volatile("mov %%rsp, %%rbx\n\t"
		     "push %5; push %%rbx; pushfq; push %6\n\t"
		     "lea 1f(%%rip), %%rcx; push %%rcx\n\t"
		     "push $0\n\t"
		     "push $0x1111\n\t"			/* rcx */
		     "push $0x2222\n\t"			/* r11 */
		     "push %%rax\n\t"
		     "mov $13, %%eax\n\t"		/* multicall */
		     "syscall\n\t"
		     "nop\n\t"
		     "nop\n"
		     "1:\n\t"
		     "mov %%rbx, %%rsp\n\t"	/* when the multicall came back instead */
		     "mov %%r11, %2"
		     : "+a"(rax), "=&c"(out[1]), "=m"(out[2]), "+D"(list), "+S"(nr)
		     : "r"((uint64_t)FLAT_KERNEL_SS), "r"((uint64_t)KCS)
		     : "rbx", "rdx", "r8", "r10", "r11", "memory");
	out[0] = rax;
}

/* The #GP of an iret onto the hypervisor's CS: back to flat kernel selectors. */
static bool repair_selectors(struct trap_frame *f)
{
	if (f->vector == 13 && (f->cs & ~3ULL) == 0xE008) {
		f->cs = FLAT_KERNEL_CS & ~3;
		f->ss = FLAT_KERNEL_SS;
	}
	return false;		/* the fixup (label 4) and the record follow */
}

/*
 * multicall(mc, 2) whose iret context names the hypervisor's code
 * selector: a #GP for the guest (Lamina at the iret, Xen at its target:
 * both label 4, where rsp comes back from rbx). Returns the traps taken.
 */
static unsigned int multicall_iret_fault(void)
{
	uint64_t list = (uint64_t)mc, nr = 2;

	trap_hook = repair_selectors;
	traps_taken = 0;
	asm volatile("mov %%rsp, %%rbx\n\t"
		     "push %2; push %%rbx; pushfq; push $0xE008\n\t"
		     "lea 4f(%%rip), %%rax; push %%rax\n\t"
		     "push $0; push $0; push $0; push $0x5555\n\t"
		     "mov $13, %%eax\n\t"
		     "syscall\n"
		     "4:\n\t"
		     "mov %%rbx, %%rsp\n"
		     ".pushsection .fixup, \"a\"\n.balign 8\n.quad 4b, 4b\n.popsection"
		     : "+D"(list), "+S"(nr) : "r"((uint64_t)FLAT_KERNEL_SS)
		     : "rax", "rbx", "rcx", "rdx", "r8", "r10", "r11", "memory");
	trap_hook = NULL;
	return traps_taken;
}

static void set_entries(void)
{
	mc[0] = (struct multicall_entry){ __HYPERVISOR_iret, UNTOUCHED, { 0 } };
	mc[1] = (struct multicall_entry){ __HYPERVISOR_xen_version, UNTOUCHED, { XENVER_version } };
	mc[2] = mc[1];
}

/* The user program: hands its rax at entry to the kernel (system call 2). */
extern const uint8_t user_prog[], user_prog_end[];
asm(".pushsection .rodata\n"
    ".globl user_prog, user_prog_end\n"
    "user_prog:\n"
    "	mov %rax, %rdi\n"
    USER_PROG_EXIT
    "user_prog_end:\n"
    ".popsection\n");

int test_main(struct start_info *si)
{
	long version = HYPERVISOR_xen_version(XENVER_version, NULL), rc;
	unsigned int n;
	uint64_t r[3];

	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");

	set_entries();
	multicall_iret_kernel(2, 0x3333, r);
	CHECK(r[0] == 0x3333 && r[1] == 0x1111 && r[2] == 0x2222,
	      "after the multicall's iret rax %#lx rcx %#lx r11 %#lx (expected 0x3333 0x1111 0x2222)",
	      (unsigned long)r[0], (unsigned long)r[1], (unsigned long)r[2]);
	CHECK(mc[0].result == 0x3333, "the iret entry's result is %#lx, expected 0x3333",
	      (unsigned long)mc[0].result);
	CHECK(mc[1].result == UNTOUCHED, "the entry after the iret ran: result %#lx",
	      (unsigned long)mc[1].result);

	set_entries();
	multicall_iret_kernel(2, (uint64_t)-85, r);
	CHECK(r[0] == (uint64_t)-85 && r[1] == 0x1111,
	      "an iret restoring -85 in a multicall: rax %ld rcx %#lx (a continuation?)",
	      (long)r[0], (unsigned long)r[1]);
	CHECK(mc[0].result == -85 && mc[1].result == UNTOUCHED,
	      "results %ld %#lx after an iret restoring -85", (long)mc[0].result,
	      (unsigned long)mc[1].result);

	/* xen_version, iret, xen_version: the first runs, the last does not. */
	set_entries();
	mc[0] = mc[1];
	mc[1].op = __HYPERVISOR_iret;
	multicall_iret_kernel(3, 0x4444, r);
	CHECK(r[0] == 0x4444 && mc[0].result == version && mc[1].result == 0x4444 &&
	      mc[2].result == UNTOUCHED,
	      "xen_version, iret, xen_version: rax %#lx, results %#lx %#lx %#lx",
	      (unsigned long)r[0], (unsigned long)mc[0].result, (unsigned long)mc[1].result,
	      (unsigned long)mc[2].result);

	/* An iret the guest may not make: its #GP, and still nothing after it. */
	set_entries();
	n = multicall_iret_fault();
	CHECK(n == 1 && last_trap.vector == 13 && mc[1].result == UNTOUCHED,
	      "an iret onto the hypervisor's CS in a multicall: %u traps, vector %lu, next "
	      "entry's result %#lx", n, (unsigned long)last_trap.vector,
	      (unsigned long)mc[1].result);
	/*
	 * As Xen 4.17, which restores the context and then faults at its own
	 * iretq: the entry gets the restored rax, the #GP the CS's selector.
	 */
	CHECK(mc[0].result == 0x5555 && last_trap.error == 0xE008,
	      "the faulting iret entry's result %#lx (want 0x5555), #GP(%#lx) (want 0xe008)",
	      (unsigned long)mc[0].result, (unsigned long)last_trap.error);
	printf("iret onto the hypervisor's CS: #GP, the iret entry's result %#lx\n",
	       (unsigned long)mc[0].result);

	/* iret to user mode, then xen_version: the XSA-213 case. */
	CHECK(user_setup(user_prog, user_prog_end - user_prog, 1) == 0,
	      "setting up user mode failed");
	set_entries();
	sc_gs_value = 0;
	rc = enter_user_multicall(USER_BASE, USER_DATA + 4096, mc, 2, 0xdead);
	CHECK(rc == 60, "the multicall came back with %ld instead of running user mode", rc);
	CHECK(sc_gs_value == 0xdead, "user mode started with rax %#lx, expected 0xdead",
	      (unsigned long)sc_gs_value);
	CHECK(mc[1].result == UNTOUCHED, "xen_version ran after the iret to user mode: %#lx",
	      (unsigned long)mc[1].result);
	CHECK(mc[0].result == UNTOUCHED,
	      "the iret entry's result %#lx was written through the user page table",
	      (unsigned long)mc[0].result);
	printf("multicall-iret: the iret ends the batch (kernel and user mode), rax restored\n");
	return TEST_PASS;
}
