/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * System time: nanoseconds since boot, from the TSC with the scale that
 * every guest's pvclock carries (docs/abi-core.md §6), so the hypervisor and
 * guests compute the same instant from the same TSC value.
 */
#ifndef HV_TIME_H
#define HV_TIME_H

#include <hv/types.h>

struct vcpu;
struct domain;

struct timer {
	uint64_t deadline;		/* system time, ns */
	void (*fn)(void *data);
	void *data;
	struct timer *next;		/* in the CPU's timer queue, by deadline */
	bool active;
	unsigned int cpu;		/* whose queue: timer_init's CPU, or migrate_timer's */
};

void time_init(void);
void time_init_secondary(void);	/* an AP, once its local APIC is on */
uint64_t now_ns(void);
uint64_t tsc_khz(void);
void pvclock_update(struct vcpu *v);
/*
 * A running vCPU's time record is written again at least this often
 * (sched.c), as Xen 4.17's time calibration rewrites the record of the
 * vCPU each CPU runs every second: a record the guest overwrote is made
 * whole again even if the vCPU never blocks nor is switched out.
 */
#define PVCLOCK_REWRITE_NS	1000000000ULL
/* d's shared_info wall clock (wc_*): the system's, plus its settimeoffset. */
void wallclock_init(struct domain *d);
/*
 * platform_op settime: the wall clock was secs.nsecs at system time
 * system_time; every domain's shared_info says so at once (as Xen's
 * do_settime, each with its own offset).
 */
void wallclock_set(uint64_t secs, uint32_t nsecs, uint64_t system_time);

void timer_init(struct timer *t, void (*fn)(void *), void *data);
void set_timer(struct timer *t, uint64_t deadline);
void stop_timer(struct timer *t);
/* stop_timer, then waits for its function to end on any CPU: before t's memory goes. */
void kill_timer(struct timer *t);
/* From now on t fires on CPU `cpu` (a vCPU's timers follow the vCPU). */
void migrate_timer(struct timer *t, unsigned int cpu);
/* IPI_TIMER_VECTOR: this CPU's queue head changed on another CPU; program for it. */
void timer_program_here(void);
void timer_interrupt(void);	/* arch: the one-shot CPU timer fired */
/*
 * This CPU's timer is due at `now` and waits for interrupts (they are off
 * in the hypervisor): a long hypercall should give the CPU back.
 */
bool timer_due_here(uint64_t now);
void timer_dump(void);

/* arch: program the CPU's timer to fire at system time `deadline` (0 = off). */
void arch_timer_program(uint64_t deadline);
/*
 * arch: the CPU's timer fired, so nothing is due on it until the next
 * arch_timer_program (the per-CPU word hypercall_preempt_now reads).
 */
void arch_timer_spent(void);

#endif
