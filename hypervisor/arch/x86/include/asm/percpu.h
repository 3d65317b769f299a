/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-CPU data, reached by entry.S through GS (KERNEL_GS_BASE while a
 * guest runs). Offsets of the first fields are fixed by entry.S.
 */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H

#include <hv/types.h>
#include <asm/regs.h>

struct vcpu;

struct percpu {
	struct percpu *self;		/* 0 */
	uint64_t stack_top;		/* 8: where entry frames start */
	uint64_t scratch;		/* 16: guest rsp during syscall entry */
	unsigned int cpu_id;
	struct vcpu *current;		/* the vCPU running here */
};

extern struct percpu cpu0_percpu;
extern uint8_t cpu0_stack[];

/* One CPU for now; data structures stay per-CPU so SMP is an extension. */
static inline struct percpu *this_cpu(void)
{
	return &cpu0_percpu;
}


#endif
