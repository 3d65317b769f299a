/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef GUEST_TRAPS_H
#define GUEST_TRAPS_H

#include <stdint.h>
#include <stdbool.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

struct trap_record {
	uint64_t vector, error, rip, cs, rflags, rsp, ss, rcx, r11;
};

struct fixup {
	uint64_t insn, fixup;
};

extern struct trap_record last_trap;
extern volatile unsigned int traps_taken;
/* Called first for every trap; returns true when it handled the trap. */
extern bool (*trap_hook)(struct trap_frame *f);

/* Registers handlers for vectors 0-31 (int3/into DPL 3), 0x80 (DPL 3), 0x81 (DPL 0). */
int traps_install(bool mask_events);

/*
 * Asm only (trapentry.S): a callback jumps here, with rcx and r11 popped off
 * its frame, to return by the iret hypercall.
 */
void guest_iret(void);

/* The iret hypercall within kernel mode to the next instruction: its rflags then. */
uint64_t iret_next(uint64_t cs, uint64_t ss, uint64_t rflags);
/*
 * The iret hypercall within kernel mode onto cs:ss to the next instruction,
 * rcx and r11 restored; a fault there resumes after it (a trap_hook makes
 * the frame's selectors usable).
 */
void iret_hypercall(uint64_t cs, uint64_t ss);
/* An iret onto cs:ss that must fault (#GP): the traps taken; last_trap has it. */
unsigned int iret_expect_fault(uint64_t cs, uint64_t ss);

/*
 * Runs one instruction (asm text) that must trap; execution resumes after
 * it. `label` names the instruction's address for the checks.
 */
#define EXPECT_TRAP(insn, ...)						\
	asm volatile("1: " insn "\n2:\n"				\
		     ".pushsection .fixup, \"a\"\n.balign 8\n"		\
		     ".quad 1b, 2b\n.popsection" __VA_ARGS__)

/* How many traps one kernel-mode in of size bytes (1 or 2) from port took (0 or 1). */
static inline unsigned int in_traps(uint16_t port, unsigned int size)
{
	uint32_t v = 0;

	traps_taken = 0;
	if (size == 1)
		EXPECT_TRAP("inb %%dx, %%al", : "+a"(v) : "d"(port) : "memory");
	else
		EXPECT_TRAP("inw %%dx, %%ax", : "+a"(v) : "d"(port) : "memory");
	return traps_taken;
}

/* *p = v; false when the store trapped (a fixup resumes after it). */
static inline bool store_ok(volatile uint64_t *p, uint64_t v)
{
	unsigned int before = traps_taken;

	EXPECT_TRAP("movq %1, (%0)", : : "r"(p), "r"(v) : "memory");
	return traps_taken == before;
}

#endif
