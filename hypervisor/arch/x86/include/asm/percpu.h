/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-CPU data, reached by entry.S through GS (KERNEL_GS_BASE while a
 * guest runs). Offsets of the first fields are fixed by entry.S. The boot
 * CPU's is cpu0_percpu; each AP's sits in the pages smp.c allocates for
 * it (descriptor page, TSS, stacks: cpu.c, cpu_percpu_alloc).
 *
 * this_cpu()->field is one GS-relative access, this_cpu_ptr() one
 * GS-relative load of the self pointer; both valid wherever the
 * hypervisor's GS is loaded: everywhere in C. The IST vectors (#DB,
 * NMI, #DF, #MC) can arrive in ring 0 with a guest's GS base live (the
 * windows around swapgs); entry.S's ist_common finds out from
 * MSR_GS_BASE and swaps ours in before C runs.
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
	uint32_t apic_id;
	/* 48: the flush clock read before this CPU's last CR3 load (hv/flushtlb.h) */
	uint64_t tlbflush_time;
	/* Not used by entry.S: */
	uint64_t cpu_bit;		/* 1ULL << cpu_id: its bit in a cpumask */
	uint64_t *gdt;			/* the reserved descriptor page (0xE000) */
	uint64_t *gdt_l1;		/* maps its GDT area (arch/x86/cpu.c, asm/desc.h) */
	unsigned int gdt_hi, ldt_hi;	/* its pages from these on: empty (ldt_load_vcpu) */
	void *tss;			/* struct tss (cpu.c), its IST stacks set */
	uint64_t stack_lo;		/* the hypervisor stack: [stack_lo, stack_top) */
	uint64_t ist_lo;		/* the IST stacks, NR_IST_STACKS pages from here */
	/* The call running here may stop a tree's validation early (page_type.c): */
	bool pt_preemptible;
	uint64_t pt_until;		/* ... as hypercall_preempt_now(current, pt_until) */
	/* The TSC at which this CPU's timer is due, 0 when none (time.c): */
	uint64_t timer_due_tsc;
	/* current while no guest's vCPU is loaded here (common/sched.c): */
	struct vcpu *idle;
	uint32_t cr4_real;		/* CR4.FSGSBASE and TSD as loaded here (cpu.c) */
	uint32_t tsc_aux;		/* TSC_AUX as loaded here (msr.c) */
	/* The first vCPU to run here is loaded into this, then entered (pv.c). */
	struct cpu_regs start_frame;
};

extern struct percpu cpu0_percpu;
extern uint8_t cpu0_stack[];

#ifdef UNIT_HOST_ARCH_H
/* Host unit tests (tests/unit/hypervisor/host_arch.h) run as CPU 0. */
static inline struct percpu *this_cpu(void)
{
	return &cpu0_percpu;
}

static inline struct percpu *this_cpu_ptr(void)
{
	return &cpu0_percpu;
}

static inline void pending_work_set(unsigned int bits)
{
	__atomic_or_fetch(&cpu0_percpu.pending_work, bits, __ATOMIC_RELAXED);
}

static inline void pending_work_clear(unsigned int bits)
{
	__atomic_and_fetch(&cpu0_percpu.pending_work, ~bits, __ATOMIC_RELAXED);
}

static inline bool pending_work(unsigned int bits)
{
	return __atomic_load_n(&cpu0_percpu.pending_work, __ATOMIC_RELAXED) & bits;
}
#else
/*
 * This CPU's struct percpu in the GS address space: this_cpu()->field is
 * one GS-relative instruction (mov %gs:offset), as cheap as the fixed
 * address one CPU had. Only field accesses: for a plain pointer to pass
 * around, this_cpu_ptr() loads the self pointer.
 */
static inline __seg_gs struct percpu *this_cpu(void)
{
	return (__seg_gs struct percpu *)0;
}

static inline struct percpu *this_cpu_ptr(void)
{
	return this_cpu()->self;
}

/*
 * Work due before the next return to a guest (PW_* in asm/entry.h). The
 * return path tests the word once and takes its slow path only when a bit
 * is set. Set from interrupt handlers too, hence one (locked) instruction.
 */
static inline void pending_work_set(unsigned int bits)
{
	asm volatile("lock orl %1, %%gs:%c0" : : "i"(PERCPU_PENDING_WORK), "r"(bits) : "memory");
}

static inline void pending_work_clear(unsigned int bits)
{
	asm volatile("lock andl %1, %%gs:%c0" : : "i"(PERCPU_PENDING_WORK), "r"(~bits) : "memory");
}

static inline bool pending_work(unsigned int bits)
{
	unsigned int w;

	asm volatile("movl %%gs:%c1, %0" : "=r"(w) : "i"(PERCPU_PENDING_WORK));
	return w & bits;
}
#endif

#endif
