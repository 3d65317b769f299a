// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exception fixups for test guests: code that expects a trap marks the
 * instruction with EXPECT_TRAP(); the handler records the frame in
 * last_trap and resumes at the mark's fixup. Any other trap is a failure
 * reported with its frame, and the guest powers off.
 */
#include "guest.h"
#include "traps.h"
#include <lamina/callback.h>

extern const struct fixup __fixup_start[], __fixup_stop[];
extern const uint64_t trap_stubs[32];
extern const uint64_t trap_stub_int80, trap_stub_int81;

struct trap_record last_trap;
bool (*trap_hook)(struct trap_frame *f);
volatile unsigned int traps_taken;

void guest_trap(struct trap_frame *f)
{
	const struct fixup *x;

	traps_taken++;
	last_trap.vector = f->vector;
	last_trap.error = f->error;
	last_trap.rip = f->rip;
	last_trap.cs = f->cs;
	last_trap.rflags = f->rflags;
	last_trap.rsp = f->rsp;
	last_trap.ss = f->ss;
	last_trap.rcx = f->rcx;
	last_trap.r11 = f->r11;
	if (trap_hook && trap_hook(f))
		return;
	for (x = __fixup_start; x < __fixup_stop; x++) {
		if (f->rip == x->insn || f->rip == x->fixup) {
			f->rip = x->fixup;
			return;
		}
	}
	printf("FAIL unexpected trap %lu at rip %#lx, error %#lx\n", (unsigned long)f->vector,
	       (unsigned long)f->rip, (unsigned long)f->error);
	shutdown(SHUTDOWN_poweroff);
}

int traps_install(bool mask_events)
{
	static struct trap_info table[35];
	unsigned int i, n = 0;

	for (i = 0; i < 32; i++) {
		table[n].vector = i;
		table[n].flags = (i == 3 || i == 4 ? 3 : 0) | (mask_events ? TI_MASK_EVENTS : 0);
		table[n].cs = 0x10;
		table[n++].address = trap_stubs[i];
	}
	table[n].vector = 0x80;
	table[n].flags = 3;
	table[n++].address = trap_stub_int80;
	table[n].vector = 0x81;
	table[n].flags = 0;
	table[n++].address = trap_stub_int81;
	table[n].address = 0;
	return (int)hypercall1(__HYPERVISOR_set_trap_table, table);
}

/*
 * The iret hypercall within kernel mode to the instruction after it, on
 * cs:ss with these rflags; returns the rflags the guest then runs with.
 */
uint64_t iret_next(uint64_t cs, uint64_t ss, uint64_t rflags)
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
		     : "=r"(after) : "r"(rflags), "r"(ss), "r"(cs) : "rax", "rcx", "r11", "memory");
	return after;
}

static uint64_t iret_bad_cs;

/*
 * Xen's #GP frame for a refused iret describes the target, its CS
 * included: flat selectors go back so that the handler's own iret returns.
 */
static bool repair_selectors(struct trap_frame *f)
{
	if (f->vector == 13 && (f->cs & ~3ULL) == iret_bad_cs) {
		f->cs = FLAT_KERNEL_CS & ~3;
		f->ss = FLAT_KERNEL_SS;
	}
	return false;		/* the usual fixup and record follow */
}

/*
 * The iret hypercall within kernel mode onto cs:ss, to the instruction
 * after it, flags 0 (rcx and r11 restored, so it leaves by iretq). A
 * fault arrives with the iret context still on the stack (Lamina reports
 * a refused target at the iret, Xen at the target; both are label 4), so
 * rsp is restored from rbx there; the handler must make the frame's cs:ss
 * usable.
 */
void iret_hypercall(uint64_t cs, uint64_t ss)
{
	asm volatile("mov %%rsp, %%rbx\n\t"
		     "push %0; push %%rbx; pushfq; push %1\n\t"
		     "lea 4f(%%rip), %%rax; push %%rax\n\t"
		     "push $0; push %%rcx; push %%r11; push %%rax\n\t"
		     "mov $23, %%eax\n\t"
		     "syscall\n"
		     "4:\n\t"
		     "mov %%rbx, %%rsp\n"
		     ".pushsection .fixup, \"a\"\n.balign 8\n.quad 4b, 4b\n.popsection"
		     : : "r"(ss), "r"(cs) : "rax", "rbx", "rcx", "r11", "memory");
}

/* An iret onto cs:ss that must fault (#GP): the traps taken; last_trap has the last. */
unsigned int iret_expect_fault(uint64_t cs, uint64_t ss)
{
	iret_bad_cs = cs & ~3ULL;
	trap_hook = repair_selectors;
	traps_taken = 0;
	iret_hypercall(cs, ss);
	trap_hook = NULL;
	return traps_taken;
}
