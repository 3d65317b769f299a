/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CPUs (arch/x86/smp.c): which are up, running a function on others, and
 * stopping them. CPU numbers are dense from 0 (the boot CPU); a CPU mask
 * is one bit a CPU, so MAX_CPUS is at most 64.
 */
#ifndef HV_SMP_H
#define HV_SMP_H

#include <hv/types.h>

#define MAX_CPUS	16

typedef uint64_t cpumask_t;

/* This CPU's number (its struct percpu's cpu_id). */
unsigned int smp_processor_id(void);
/* CPUs started and idling or working; their numbers are 0 .. n - 1. */
unsigned int smp_nr_online(void);
/* CPUs the machine has and nr_cpus= allows (physinfo's max_cpu_id + 1). */
unsigned int smp_nr_possible(void);
/* A possible CPU's local APIC id (cpu < smp_nr_possible()). */
uint32_t smp_cpu_apic_id(unsigned int cpu);
cpumask_t smp_online_mask(void);

/*
 * Runs fn(arg) on every online CPU of mask but this one, by IPI, and
 * returns once all have returned from it. fn runs in interrupt context
 * with interrupts off and must not take a lock the caller may hold.
 * The caller may have interrupts off: while it waits its turn or for
 * the others it runs calls aimed at itself, so two CPUs calling each
 * other do not deadlock. This is the hook a remote TLB flush uses.
 */
void smp_call_function_mask(cpumask_t mask, void (*fn)(void *), void *arg);

/*
 * A full TLB flush (CR3 reload, advancing the flush clock) on each CPU of
 * mask but this one, returning once all are done: the remote half of a
 * flush-mask helper, whose caller flushes its own CPU itself.
 */
void smp_flush_tlb_others(cpumask_t mask);

/*
 * IPIs that are not waited for. smp_send_event_check: `cpu` reschedules
 * (PW_SCHED) on its way back to its guest, or, idle, looks at its run
 * queue again; either way it looks for events on the way out.
 * smp_send_timer_program: `cpu`'s timer queue head changed.
 */
void smp_send_event_check(unsigned int cpu);
void smp_send_timer_program(unsigned int cpu);

/*
 * While spinning with interrupts off (a lock, a wait for another CPU):
 * runs a smp_call_function_mask call aimed at this CPU, so a CPU that
 * holds what we wait for and waits for our answer is not deadlocked.
 * The calls (TLB flushes, the debug key's probe) take no lock.
 */
void smp_poll_calls(void);

/* Every other CPU to `cli; hlt` (panic, power-off, reboot). Idempotent. */
void smp_stop_others(void);

/*
 * Every other online CPU held still, each where it has no hypervisor work
 * half done and holds no lock: in guest mode, in the idle loop (not while
 * it zeroes frames with interrupts on), in vcpu_sleep_sync's wait
 * (smp_hold_point), or waiting to hold the others itself. For a reader
 * that needs one consistent view of what other CPUs change without a
 * common lock (the frame audit, arch/x86/mm_audit.c). The caller has
 * interrupts off, holds no lock and is between two pieces of work itself;
 * it may not wait for another CPU until smp_release_others. Waits at most
 * 5 s (a CPU may be waiting for something this CPU has, say the frame
 * batch it zeroes): returns the CPUs not held then, 0 when all are.
 * Held CPUs answer calls (smp_call_function_mask) and smp_stop_others.
 */
cpumask_t smp_hold_others(void);
void smp_release_others(void);

/* A CPU in a wait that is a safe point (as above): held here if asked. */
void smp_hold_point(void);

/* arch: one of the IPI vectors (asm/apic.h) arrived, in a guest or not. */
void smp_ipi_interrupt(unsigned int vector, bool from_guest);

/* Debug key 'c': the CPUs, each other one asked to answer an IPI. */
void smp_dump(void);

/* Boot: the MADT's CPUs, then each AP started (after time_init). */
void smp_init(void);
void smp_boot_aps(void);

#endif
