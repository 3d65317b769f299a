/* SPDX-License-Identifier: GPL-2.0-only */
/* The scheduler: per-CPU run queues of vCPUs, weighted time slices. */
#ifndef HV_SCHED_H
#define HV_SCHED_H

#include <hv/types.h>
#include <hv/smp.h>

struct vcpu;
struct cpu_regs;

/* The pCPUs the scheduler may run vCPUs on (affinity bits): every CPU number. */
#define SCHED_NR_CPUS	MAX_CPUS
#define SCHED_ALL_CPUS	((1ULL << SCHED_NR_CPUS) - 1)

void sched_add_vcpu(struct vcpu *v);
void vcpu_wake(struct vcpu *v);
/*
 * A hold on v (v->pause_count): it runs only while none is held. nosync
 * returns at once; vcpu_pause then waits until no CPU holds v's state
 * (v is not the caller). Each pause is undone by one vcpu_unpause.
 */
void vcpu_pause_nosync(struct vcpu *v);
void vcpu_pause(struct vcpu *v);
void vcpu_unpause(struct vcpu *v);
/* Until no CPU holds v's state (Xen's vcpu_sleep_sync); v is not the caller. */
void vcpu_sleep_sync(struct vcpu *v);
struct domain;
/* No CPU but this one holds a vCPU of d. */
bool domain_vcpus_stopped(const struct domain *d);
/* setvcpuaffinity: the new hard map; the vCPU moves if its CPU is outside. */
void sched_set_affinity(struct vcpu *v, uint64_t hard);
/* SCHEDOP_pin_override ends: the hard map from before it comes back; false if none was on. */
bool sched_pin_override_end(struct vcpu *v);
void sched_remove_vcpu(struct vcpu *v);	/* off the run queue, for good */
/* A consistent copy of v's runstate, its current state counted to now, from any CPU. */
struct vcpu_runstate_info;
void vcpu_runstate_get(const struct vcpu *v, struct vcpu_runstate_info *info);
void sched_start(struct vcpu *v);
void sched_yield(void);
/* ns CPU @cpu has spent idle since boot (sysctl getcpuinfo); 0 for no such CPU. */
uint64_t sched_idle_ns(unsigned int cpu);
void sched_dump(void);
/* An AP, once up: idles on its run queue for good (arch/x86/smp.c). */
void __noreturn sched_idle_loop(void);
/* Writes the vCPU's registered runstate area, if any (common/vcpu.c). */
void vcpu_update_runstate_area(struct vcpu *v);
/* The periodic timer of a vCPU that runs (again): common/vcpu.c. */
void vcpu_periodic_work(struct vcpu *v);
/* On the way back to a guest: switch vCPUs if needed (may idle). */
void schedule(struct cpu_regs *r);

/*
 * arch: save prev's state from r and load next's into r. Neither is the
 * CPU's idle vCPU: arch_switch_to_idle saves prev and loads the idle
 * vCPU (r left as it was), arch_switch_from_idle loads next.
 */
void arch_context_switch(struct vcpu *prev, struct vcpu *next, struct cpu_regs *r);
void arch_switch_to_idle(struct vcpu *prev, const struct cpu_regs *r);
/*
 * PW_NMI was set (a host NMI, arch/x86/traps.c): wake or kick the vCPU a
 * virtual NMI waits for. Clears PW_NMI; takes locks, so never with the
 * run queue's held.
 */
void arch_nmi_kick(void);
/*
 * The idle loop's halt: called with interrupts off, halts unless a PW_*
 * bit of `work` is set (pending_work), and returns with interrupts off.
 */
void arch_idle_halt(unsigned int work);
/* A virtual NMI for v (VCPUOP_send_nmi): pending, and v woken or kicked. */
void arch_vcpu_send_nmi(struct vcpu *v);
/* Does a virtual NMI wait for v that it can take now (pending, not masked)? */
bool arch_vcpu_nmi_waiting(const struct vcpu *v);
void arch_switch_from_idle(struct vcpu *next, struct cpu_regs *r);
/* arch: enter the guest whose frame schedule() loaded into frame. */
void __noreturn vcpu_enter_frame(struct cpu_regs *frame);

#endif
