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

#endif
