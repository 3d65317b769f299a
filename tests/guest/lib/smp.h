/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A further vCPU for the SMP race guests (smp-pt, smp-evtchn, smp-grant):
 * VCPUOP_initialise with a kernel-mode context that runs fn(id) on its own
 * stack in the start-of-day address space, then VCPUOP_up.
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include "guest.h"
#include "mm.h"
#include <lamina/vcpu.h>
#include <lamina/domctl.h>

static inline long vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
}

/* 0, or the failing call's error. fn must never return. */
static inline long smp_start_vcpu(const struct start_info *si, unsigned int id,
				  void (*fn)(unsigned long), void *stack, size_t size)
{
	static struct vcpu_guest_context ctx;
	long rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.flags = VGCF_in_kernel;
	ctx.user_regs.rip = (uint64_t)fn;
	ctx.user_regs.rdi = id;
	ctx.user_regs.rsp = (uint64_t)stack + size - 8;	/* as after a call */
	ctx.user_regs.cs = FLAT_KERNEL_CS;
	ctx.user_regs.ss = FLAT_KERNEL_SS;
	ctx.kernel_ss = FLAT_KERNEL_SS;
	ctx.kernel_sp = (uint64_t)stack + size;
	ctx.ctrlreg[3] = va_to_mfn(si->pt_base) << 12;
	rc = vcpu_op(VCPUOP_initialise, id, &ctx);
	return rc ? rc : vcpu_op(VCPUOP_up, id, NULL);
}

/* dom0 sets the hard affinity of vCPU vcpu of domain dom to CPUs `hard` (0-7): 0 or the error. */
static inline long smp_affinity_dom_vcpu(domid_t dom, unsigned int vcpu, uint8_t hard)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.cmd = DOMCTL_setvcpuaffinity;
	op.interface_version = DOMCTL_INTERFACE_VERSION;
	op.domain = dom;
	op.u.vcpuaffinity.vcpu = vcpu;
	op.u.vcpuaffinity.flags = VCPUAFFINITY_HARD;
	op.u.vcpuaffinity.cpumap_hard.bitmap = (uint64_t)&hard;
	op.u.vcpuaffinity.cpumap_hard.nr_bits = 8;
	return hypercall1(__HYPERVISOR_domctl, &op);
}

/* dom0 pins vCPU vcpu of domain dom to CPU cpu (setvcpuaffinity, hard): 0 or the error. */
static inline long smp_pin_dom_vcpu(domid_t dom, unsigned int vcpu, unsigned int cpu)
{
	return smp_affinity_dom_vcpu(dom, vcpu, (uint8_t)(1U << cpu));
}

/* Pins dom0's vCPU vcpu to CPU cpu: 0 or the error. */
static inline long smp_pin_vcpu(unsigned int vcpu, unsigned int cpu)
{
	return smp_pin_dom_vcpu(0, vcpu, cpu);
}

/*
 * vCPU 1 started on fn, waited for (*started, which fn sets), and with two
 * CPUs or more, in dom0, vCPUs 0 and 1 pinned to CPUs 0 and 1 (Lamina places every
 * vCPU on CPU 0 by default). 0, or the failing call's error.
 */
static inline long smp_start_pinned(const struct start_info *si, void (*fn)(unsigned long),
				    void *stack, size_t size, volatile bool *started, bool one_cpu)
{
	long rc = smp_start_vcpu(si, 1, fn, stack, size);

	if (rc)
		return rc;
	while (!*started)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	if (one_cpu || !(si->flags & SIF_INITDOMAIN))	/* a domU's are dom0's to pin */
		return 0;
	rc = smp_pin_vcpu(0, 0);
	return rc ? rc : smp_pin_vcpu(1, 1);
}

/* Until *p is at least want: spinning, or yielding when the vCPUs take turns on one CPU. */
static inline void smp_wait_count(volatile unsigned int *p, unsigned int want, bool one_cpu)
{
	while (*p < want) {
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		asm volatile("pause");
	}
}

/*
 * Rounds of a crossing between vCPUs 0 and 1 (attack-vcpu-init-race,
 * attack-vcpu-info-race): for t from first to end - 1, vCPU 0 opens
 * round t, both call race(me, t), and vCPU 0 waits for vCPU 1's call to
 * end before the next round.
 */
struct smp_rounds {
	void (*race)(unsigned int me, unsigned int t);
	unsigned int first, end;
	bool one_cpu;			/* the two vCPUs take turns: wait by yielding */
	volatile unsigned int go, done1;
	volatile bool started;
};

/* vCPU 1's side; never returns. */
static inline void smp_rounds_vcpu1(struct smp_rounds *r)
{
	unsigned int t;

	r->started = true;
	for (t = r->first; t < r->end; t++) {
		while (r->go != t) {
			if (r->one_cpu)
				HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			asm volatile("pause");
		}
		r->race(1, t);
		r->done1 = t;
	}
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

static struct smp_rounds *smp_rounds_now;

static inline void smp_rounds_vcpu1_start(unsigned long id)
{
	(void)id;
	smp_rounds_vcpu1(smp_rounds_now);
}

/*
 * The rounds: vCPU 1 started on its side (pinned as smp_start_pinned
 * does), then vCPU 0's side here. 0, or the error starting vCPU 1.
 */
static inline long smp_rounds_run(const struct start_info *si, struct smp_rounds *r,
				  void *stack, size_t size, bool one_cpu)
{
	unsigned int t;
	long rc;

	r->one_cpu = one_cpu;
	smp_rounds_now = r;
	rc = smp_start_pinned(si, smp_rounds_vcpu1_start, stack, size, &r->started, one_cpu);
	if (rc)
		return rc;

	for (t = r->first; t < r->end; t++) {
		r->go = t;
		r->race(0, t);
		while (r->done1 != t)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	return 0;
}

/*
 * vCPU 1's side of rounds vCPU 0 numbers itself: *started set, then for
 * each new *go (from 1) fn() runs and *done takes that number. Waits by
 * yielding: a hypercall each time, so Xen's RCU sees this CPU.
 */
static inline void __attribute__((noreturn)) smp_serve_rounds(volatile bool *started,
							     volatile unsigned int *go,
							     volatile unsigned int *done,
							     void (*fn)(void))
{
	unsigned int seen = 0;

	*started = true;
	for (;;) {
		while (*go == seen)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		seen = *go;
		fn();
		*done = seen;
	}
}

#endif
