/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The register frame every entry into the hypervisor builds on the top of
 * its stack: entry.S pushes the general registers below the hardware frame
 * (or a synthesised one for syscall). The layout is fixed by entry.S.
 */
#ifndef ASM_REGS_H
#define ASM_REGS_H

#include <hv/types.h>

struct cpu_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi;
	uint64_t vector;	/* entry vector; ENTRY_SYSCALL for syscall */
	uint64_t error_code;
	uint64_t rip, cs, rflags, rsp, ss;	/* the hardware frame */
};

#define ENTRY_SYSCALL	0x100
#define ENTRY_SYSCALL32	0x101	/* syscall from compatibility mode (CSTAR) */
#define ENTRY_SYSENTER	0x102
/*
 * Not an entry: an iret hypercall without VGCF_in_syscall restored the
 * guest's rcx and r11, so the frame must leave by iretq, not sysret
 * (entry.S return_to_guest).
 */
#define ENTRY_IRET	0x103

/* General register n as an instruction encodes it (0 rax ... 15 r15). */
static inline uint64_t *regs_gpr(struct cpu_regs *r, unsigned int n)
{
#define GPR_AT(reg)	__builtin_offsetof(struct cpu_regs, reg)
	/* Offsets, not a table of pointers built at each call (the ptwr path). */
	static const uint8_t at[16] = {
		GPR_AT(rax), GPR_AT(rcx), GPR_AT(rdx), GPR_AT(rbx), GPR_AT(rsp), GPR_AT(rbp),
		GPR_AT(rsi), GPR_AT(rdi), GPR_AT(r8), GPR_AT(r9), GPR_AT(r10), GPR_AT(r11),
		GPR_AT(r12), GPR_AT(r13), GPR_AT(r14), GPR_AT(r15),
	};
#undef GPR_AT

	return (uint64_t *)((char *)r + at[n & 15]);
}

static inline bool regs_from_guest(const struct cpu_regs *r)
{
	return (r->cs & 3) != 0;
}

#endif
