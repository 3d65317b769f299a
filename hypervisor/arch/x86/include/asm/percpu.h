/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-CPU data, reached by entry.S through GS (KERNEL_GS_BASE while a
 * guest runs). Offsets of the first fields are fixed by entry.S.
 */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H

#include <hv/types.h>
#include <asm/regs.h>
#include <asm/entry.h>

struct vcpu;

struct percpu {
	struct percpu *self;		/* 0 */
	uint64_t stack_top;		/* 8: where entry frames start */
	uint64_t scratch;		/* 16: guest rsp during syscall entry */
	unsigned int cpu_id;
	struct vcpu *current;		/* 32: the vCPU running here */
	unsigned int pending_work;	/* 40: PW_* (asm/entry.h) */
};

extern struct percpu cpu0_percpu;
extern uint8_t cpu0_stack[];

/* One CPU for now; data structures stay per-CPU so SMP is an extension. */
static inline struct percpu *this_cpu(void)
{
	return &cpu0_percpu;
}

/*
 * Work due before the next return to a guest (PW_* in asm/entry.h). The
 * return path tests the word once and takes its slow path only when a bit
 * is set. Set from interrupt handlers too, hence one locked instruction.
 */
static inline void pending_work_set(unsigned int bits)
{
	__atomic_or_fetch(&this_cpu()->pending_work, bits, __ATOMIC_RELAXED);
}

static inline void pending_work_clear(unsigned int bits)
{
	__atomic_and_fetch(&this_cpu()->pending_work, ~bits, __ATOMIC_RELAXED);
}

static inline bool pending_work(unsigned int bits)
{
	return __atomic_load_n(&this_cpu()->pending_work, __ATOMIC_RELAXED) & bits;
}

#endif
