// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running a 64-bit PV vCPU in ring 3: hypercall entry, the return path and
 * the first entry. pv-abi-core.md §2.1 (calling convention), §1.6 (initial
 * state).
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <asm/regs.h>
#include <asm/pv.h>
#include <asm/desc.h>
#include <lamina/hypercall.h>
#include <asm/percpu.h>
#include <asm/x86.h>
#include <lamina/xen_x86_64.h>

extern void __noreturn enter_guest_frame(const struct cpu_regs *frame);

/* Flags a guest may hold in ring 3; IF is always on, IOPL always 0. */
#define GUEST_RFLAGS_MASK	(0x0cd5UL | X86_EFLAGS_TF | X86_EFLAGS_AC | (1UL << 21))

#ifdef CONFIG_DEBUG
/* Catch guests that expect unused argument registers to survive. */
static void scribble_args(struct cpu_regs *r, unsigned int used)
{
	uint64_t *regs[5] = { &r->rdi, &r->rsi, &r->rdx, &r->r10, &r->r8 };
	unsigned int i;

	for (i = used; i < 5; i++)
		*regs[i] = 0xDEADBEEFDEADF00DULL;
}
#else
static void scribble_args(struct cpu_regs *r, unsigned int used)
{
	(void)r;
	(void)used;
}
#endif

void do_syscall(struct cpu_regs *r)
{
	struct vcpu *v = current_vcpu();
	struct hc_args a;
	unsigned int nargs;
	long rc;

	if (!v->arch.kernel_mode) {
		pv_guest_syscall(v, r);
		return;
	}
	a.nr = r->rax;
	a.arg[0] = r->rdi;
	a.arg[1] = r->rsi;
	a.arg[2] = r->rdx;
	a.arg[3] = r->r10;
	a.arg[4] = r->r8;
	rc = hypercall_dispatch(v, &a, &nargs);
	r->rax = (uint64_t)rc;
	/* iret restored the guest's registers; everything else may scribble. */
	if (rc != -ENOSYS && a.nr != __HYPERVISOR_iret)
		scribble_args(r, nargs);
}

void prepare_return_to_guest(struct cpu_regs *r)
{
	r->rflags = (r->rflags & GUEST_RFLAGS_MASK) | X86_EFLAGS_IF | 2;
	r->cs |= 3;
	r->ss |= 3;
}

/* Loads v's address space and segment bases, then enters it. */
void __noreturn vcpu_start(struct vcpu *v)
{
	this_cpu()->current = v;
	write_cr3(v->arch.guest_cr3);
	/* GS_BASE is the hypervisor's now; the exit swapgs installs this. */
	wrmsr(MSR_KERNEL_GS_BASE, v->arch.kernel_mode ? v->arch.kernel_gs_base : v->arch.user_gs_base);
	wrmsr(MSR_FS_BASE, v->arch.fs_base);
	vcpu_load_state(v);
	gdt_load_vcpu(v);
	enter_guest_frame(&v->arch.regs);
}
