/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A failsafe callback for test guests (docs/abi-core.md §3.7):
 * failsafe_stub keeps every register of the interrupted context, calls
 * failsafe_c(frame, rflags on entry), the test's own, with frame the 11
 * quadwords rcx, r11, ds, es, fs, gs, rip, cs, rflags, rsp, ss, and then
 * returns as Linux's does (rcx and r11 from the frame, the selectors
 * skipped, the iret hypercall). Include it in one file of a guest.
 */
#ifndef GUEST_FAILSAFE_H
#define GUEST_FAILSAFE_H

#include "guest.h"
#include "smp.h"
#include "events.h"

void failsafe_c(const uint64_t *frame, uint64_t flags);
void failsafe_stub(void);
asm(".text\n"
    "failsafe_stub:\n\t"
    "push %rax; push %rcx; push %rdx; push %rsi; push %rdi\n\t"
    "push %r8; push %r9; push %r10; push %r11\n\t"
    "pushfq; pop %rsi\n\t"
    "lea 72(%rsp), %rdi\n\t"
    "call failsafe_c\n\t"
    "pop %r11; pop %r10; pop %r9; pop %r8\n\t"
    "pop %rdi; pop %rsi; pop %rdx; pop %rcx; pop %rax\n\t"
    "pop %rcx\n\t"
    "pop %r11\n\t"
    "add $32, %rsp\n\t"
    "jmp guest_iret");

/*
 * One try at a switch-in that cannot reload a selector: %ds and %fs =
 * sel, the data descriptor in entry 3 of the GDT frame gdt_mfn made not
 * present, a poll of port for 20 us (vCPUs 1 and 2 yielding meanwhile),
 * the selectors read (ds, es, fs, gs into segs), the descriptor present
 * again. Both calls are bare syscalls returning at the global labels
 * upd_ret and poll_ret (where a switch-in may resume the vCPU, and a
 * failsafe frame then names one), their rsp in sp_upd and sp_poll.
 * 0, or the first error (*what says which call).
 */
extern char upd_ret[], poll_ret[];

static __attribute__((noinline, unused)) long failsafe_try(uint64_t gdt_mfn, uint16_t sel,
						   evtchn_port_t port, uint16_t segs[4],
						   uint64_t *sp_upd, uint64_t *sp_poll,
						   const char **what)
{
	struct sched_poll poll = { (uint64_t)&port, 1, 0, pvclock_ns() + 20000 };
	long rc;

	asm volatile("mov %0, %%ds; mov %0, %%fs" : : "r"(sel));
	*what = "update_descriptor (not present)";
	asm volatile("mov %%rsp, %1\n\tsyscall\n.globl upd_ret\nupd_ret:"
		     : "=a"(rc), "=&r"(*sp_upd)
		     : "a"(__HYPERVISOR_update_descriptor), "D"((gdt_mfn << 12) + 3 * 8),
		       "S"(0x00cf73000000ffffULL)
		     : "rcx", "r11", "memory");
	if (rc)
		return rc;
	*what = "poll";
	asm volatile("mov %%rsp, %1\n\tsyscall\n.globl poll_ret\npoll_ret:"
		     : "=a"(rc), "=&r"(*sp_poll)
		     : "a"(__HYPERVISOR_sched_op), "D"(SCHEDOP_poll), "S"(&poll)
		     : "rcx", "r11", "memory");
	if (rc)
		return rc;
	asm volatile("mov %%ds, %0; mov %%es, %1; mov %%fs, %2; mov %%gs, %3"
		     : "=r"(segs[0]), "=r"(segs[1]), "=r"(segs[2]), "=r"(segs[3]));
	*what = "update_descriptor (present)";
	return hypercall2(__HYPERVISOR_update_descriptor, (gdt_mfn << 12) + 3 * 8,
			  0x00cff3000000ffffULL);
}

/*
 * vCPUs 1 and 2 yield in a loop until spinners_stop: someone else runs on
 * the pCPU vCPU 0 leaves, so that its next switch-in loads its selectors.
 * All three are pinned to CPU 0 (dom0 sets the affinity): spread over
 * three CPUs or more (--smp 4), vCPU 0 had a CPU of its own and user mode
 * spinning there was never switched out (failsafe FAILed "no failsafe
 * call while user mode spun"). 0, or the failing call's error.
 */
static volatile bool spinners_stop;
static volatile unsigned int spinners_running;
static uint8_t spinner_stacks[2][8192] __attribute__((aligned(16)));

static void spinner(unsigned long id)
{
	(void)id;
	__atomic_add_fetch(&spinners_running, 1, __ATOMIC_SEQ_CST);
	while (!spinners_stop)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

static inline long spinners_start(struct start_info *si)
{
	unsigned int id;
	long rc = smp_start_vcpu(si, 1, spinner, spinner_stacks[0], sizeof(spinner_stacks[0]));

	if (!rc)
		rc = smp_start_vcpu(si, 2, spinner, spinner_stacks[1], sizeof(spinner_stacks[1]));
	while (!rc && spinners_running < 2)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	for (id = 0; !rc && id < 3; id++)
		rc = smp_pin_vcpu(id, 0);
	return rc;
}

#endif
