// SPDX-License-Identifier: GPL-2.0-only
/*
 * A vCPU's context as the toolstack sets and reads it (domctl
 * setvcpucontext/getvcpucontext, struct vcpu_guest_context, docs/toolstack.md
 * §1.9), with the checks of Xen 4.17's arch_set_info_guest: canonical
 * addresses (-EINVAL), a page-aligned LDT of at most 8192 entries, a GDT
 * of at most 16 frames each a descriptor page of the domain, known
 * vm_assist bits, and ctrlreg[3] (and ctrlreg[1], the user L4, if any)
 * a frame of the domain that is, or validates as, an L4 table (-EINVAL
 * otherwise). Code and
 * stack selectors get RPL 3, IOPL becomes the virtual IOPL and IF is
 * forced on, as Xen does. Debug registers are taken as set_debugreg
 * takes them, one it would refuse left at its reset value (no error).
 *
 * The FPU image (VGCF_i387_valid) is 512 bytes in FXSAVE layout, copied
 * as Xen copies it; see fpu_image_faults() for the one field that can
 * make restoring it fault.
 *
 * The same checks serve VCPUOP_initialise (common/vcpu.c), a domain
 * giving one of its own vCPUs that is down its first context.
 *
 * Validate, then commit: every reference is taken before anything of the
 * vCPU changes. A second time (the vCPU already initialised) is allowed
 * with the same tables, as Xen allows it; a NULL context (vcpu_reset)
 * makes the next one a first time again.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/mm.h>
#include <hv/time.h>
#include <asm/page.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <lamina/domctl.h>
#include <lamina/callback.h>
#include <lamina/mm.h>
#include <lamina/xen_x86_64.h>

#define MAX_GDT_FRAMES	14	/* the guest's part of the GDT (set_gdt's limit) */
#define CR0_TS		(1ULL << 3)
#define VM_ASSIST_VALID	(0x3fULL | (1ULL << VMASST_TYPE_m2p_strict))

extern uint64_t xcr0_max;

/*
 * FXRSTOR and XRSTOR raise #GP when the image's MXCSR sets a bit the CPU
 * reserves (outside MXCSR_MASK; SDM Vol. 1 10.5.1.1 and 13.8.1), and the
 * image is restored in load_vcpu, where a fault is a hypervisor crash.
 * Nothing else the caller gives can fault: FCW, FSW, FTW, the registers
 * and bytes 464-511 are taken as they are, and the XSAVE header is ours
 * (vcpu_fpu_init), never the caller's.
 *
 * Xen 4.17 copies the image unchecked and recovers when its restore
 * faults (xstate.c xrstor(), i387.c fpu_fxrstor()): with XSAVE every
 * component goes back to its initial state (XSTATE_BV 0) and MXCSR is
 * masked with MXCSR_MASK, which XRSTOR still loads; without XSAVE the
 * whole image is zeroed. Lamina asks this CPU now whether the image
 * would fault, by loading it with FXRSTOR under a fixup between saving
 * and reloading the live x87/SSE state, and recovers the same way, so
 * the guest starts as it would on Xen (on an emulator that ignores
 * reserved MXCSR bits, with the image as given, as Xen's does).
 */
static bool fpu_image_faults(const uint8_t image[512], uint32_t *mxcsr_mask)
{
	static uint8_t live[512] __aligned(16), probe[512] __aligned(16);
	uint64_t cr0 = read_cr0(), rflags;
	int faulted = 0;

	memcpy(probe, image, sizeof(probe));	/* FXRSTOR wants 16-byte alignment */
	asm volatile("pushfq; popq %0; cli" : "=r"(rflags) : : "memory");
	asm volatile("clts; fxsave64 %0" : "=m"(live) : : "memory");
	asm volatile("1: fxrstor64 %1\n"
		     "   jmp 3f\n"
		     "2: movl $1, %0\n"
		     "3:\n"
		     ".pushsection __ex_table, \"a\"\n"
		     ".balign 8\n"
		     ".quad 1b, 2b\n"
		     ".popsection"
		     : "+r"(faulted) : "m"(probe) : "memory");
	asm volatile("fxrstor64 %0" : : "m"(live) : "memory");
	if (cr0 & CR0_TS)
		write_cr0(cr0);
	if (rflags & X86_EFLAGS_IF)
		asm volatile("sti" : : : "memory");
	memcpy(mxcsr_mask, live + 28, sizeof(*mxcsr_mask));
	if (!*mxcsr_mask)
		*mxcsr_mask = 0xffbf;	/* SDM Vol. 1 11.6.6: no mask saved */
	return faulted;
}

/* What Xen's restore leaves of an image that faulted (see above). */
static void fpu_image_recover(struct vcpu *v, uint32_t mxcsr_mask)
{
	uint32_t mxcsr;
	uint64_t xstate_bv = 0;

	if (!xcr0_max) {
		memset(v->arch.fpu, 0, 512);
		return;
	}
	memcpy(&mxcsr, v->arch.fpu + 24, sizeof(mxcsr));
	mxcsr &= mxcsr_mask;
	memcpy(v->arch.fpu + 24, &mxcsr, sizeof(mxcsr));
	memcpy(v->arch.fpu + 512, &xstate_bv, sizeof(xstate_bv));
}

static const struct trap_info *trap_at(const struct vcpu_guest_context *c, unsigned int i)
{
	return (const struct trap_info *)&c->trap_ctxt[i * sizeof(struct trap_info)];
}

/* The addresses Xen requires canonical, and the LDT's shape. */
static bool addresses_ok(const struct vcpu_guest_context *c)
{
	const uint64_t va[] = { c->user_regs.rip, c->user_regs.rsp, c->kernel_sp,
				c->fs_base, c->gs_base_kernel, c->gs_base_user,
				c->event_callback_eip, c->syscall_callback_eip,
				c->failsafe_callback_eip };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(va); i++)
		if (!is_canonical(va[i]))
			return false;
	for (i = 0; i < 256; i++)
		if (!is_canonical(trap_at(c, i)->address))
			return false;
	if (c->ldt_ents && !is_canonical(c->ldt_base))
		return false;
	return !(c->ldt_base & (PAGE_SIZE - 1)) && c->ldt_ents <= 8192;
}

/*
 * Debug registers as set_debugreg would store them, each on its own: one
 * set_debugreg would refuse (an I/O breakpoint without the context's
 * CR4.DE, DR0-3 outside the guest's range, DR7.GD, DR6/DR7 bits above
 * 31) keeps its reset value, what set_debugreg of 0 stores, and the rest
 * of the context is taken: Xen 4.17's arch_set_info_guest ignores
 * set_debugreg's errors (tests/guest/conform-cr4, domctl-ctx).
 */
static void take_debugregs(const struct vcpu_guest_context *c, uint64_t dr[8], uint8_t *dr7_emul)
{
	static const unsigned int regs[] = { 0, 1, 2, 3, 6, 7 };
	bool de = c->ctrlreg[4] & X86_CR4_DE;
	unsigned int i;

	memset(dr, 0, 8 * sizeof(dr[0]));
	*dr7_emul = 0;
	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		unsigned int reg = regs[i];
		uint64_t val = c->debugreg[reg];

		if (vcpu_check_debugreg(de, &reg, &val, dr7_emul)) {
			reg = regs[i];
			val = 0;
			vcpu_check_debugreg(de, &reg, &val, dr7_emul);
		}
		dr[reg] = val;
	}
}

static void put_gdt(struct domain *d, const uint64_t *frames, unsigned int n)
{
	while (n--)
		put_page_and_type(frames[n], d);
}

/* The kernel L4 a stopped VCPUOP_initialise kept, let go (a new context, a reset, the end). */
void vcpu_put_held_cr3(struct vcpu *v)
{
	if (v->arch.held_cr3)
		put_page_and_type(v->arch.held_cr3 >> PAGE_SHIFT, v->domain);
	v->arch.held_cr3 = 0;
}

/*
 * References on every frame the context names: GDT, then the L4s. An
 * L4's validation that stopped part way (-ERESTART: the caller let it,
 * pt_preemptible_begin) lets go of the GDT and is the caller's to run
 * again; the tree's progress stays with the calling vCPU's walk. The user
 * L4 stopping, the kernel L4 already validated keeps its reference in
 * held_cr3, taken back by the next run of the call, as Xen 4.17 parks it
 * in old_guest_table. Until 5 Dec it was let go: the next run validated
 * it again, a new tree that dropped the user L4's partial walk, and with
 * two L4s each longer than a run the call restarted for ever
 * (guest/attack-validate-hold).
 */
static int get_frames(struct vcpu *v, const struct vcpu_guest_context *c, unsigned int nr_gdt)
{
	struct domain *d = v->domain;
	mfn_t cr3 = c->ctrlreg[3] >> PAGE_SHIFT, ucr3 = c->ctrlreg[1] >> PAGE_SHIFT;
	unsigned int i;
	int rc = 0;

	for (i = 0; i < nr_gdt; i++)
		if (get_page_and_type(c->gdt_frames[i], PGT_seg_desc, d)) {
			put_gdt(d, c->gdt_frames, i);
			return trace_err(-EINVAL);
		}
	if (v->arch.held_cr3 && v->arch.held_cr3 >> PAGE_SHIFT == cr3)
		v->arch.held_cr3 = 0;		/* its reference is this call's again */
	else {
		vcpu_put_held_cr3(v);
		rc = get_page_and_type(cr3, PGT_l4, d);
	}
	if (rc)
		goto out_gdt;
	if (ucr3) {
		rc = get_page_and_type(ucr3, PGT_l4, d);
		if (rc == -ERESTART)
			v->arch.held_cr3 = cr3 << PAGE_SHIFT;
		else if (rc)
			put_page_and_type(cr3, d);
		if (rc)
			goto out_gdt;
	}
	return 0;

out_gdt:	/* cr3's refusal as Xen's arch_set_info_guest passes it on */
	put_gdt(d, c->gdt_frames, nr_gdt);
	return rc == -ERESTART ? rc : trace_err(pt_refusal(rc));
}

/* The registers struct guest_user_regs and struct cpu_regs both name. */
#define SAME_REGS(X)	X(r15) X(r14) X(r13) X(r12) X(rbp) X(rbx) X(r11) X(r10) X(r9) \
			X(r8) X(rax) X(rcx) X(rdx) X(rsi) X(rdi) X(rip) X(rsp)
#define REG_FROM_USER(n)	r->n = u->n;
#define REG_TO_USER(n)		u->n = r->n;

static void set_regs(struct vcpu *v, const struct guest_user_regs *u)
{
	struct cpu_regs *r = &v->arch.regs;

	memset(r, 0, sizeof(*r));
	SAME_REGS(REG_FROM_USER)
	r->cs = u->cs | 3;
	r->ss = u->ss | 3;
	v->arch.iopl = (u->rflags & X86_EFLAGS_IOPL) >> X86_EFLAGS_IOPL_SHIFT;
	r->rflags = (u->rflags & ~X86_EFLAGS_IOPL) | X86_EFLAGS_IF | X86_EFLAGS_MBS;
	v->arch.ds = u->ds;
	v->arch.es = u->es;
	v->arch.fs = u->fs;
	v->arch.gs = u->gs;
}

static void set_callbacks(struct vcpu *v, const struct vcpu_guest_context *c)
{
	unsigned int i;

	for (i = 0; i < 256; i++) {
		v->arch.traps[i].address = trap_at(c, i)->address;
		v->arch.traps[i].flags = trap_at(c, i)->flags & (TI_DPL_MASK | TI_MASK_EVENTS);
	}
	v->arch.event = (struct pv_callback){ c->event_callback_eip, false };
	v->arch.failsafe = (struct pv_callback){ c->failsafe_callback_eip,
						 !!(c->flags & VGCF_failsafe_disables_events) };
	v->arch.syscall = (struct pv_callback){ c->syscall_callback_eip,
						!!(c->flags & VGCF_syscall_disables_events) };
}

/*
 * The FPU image: the caller's (VGCF_i387_valid) or a fresh one, as Xen's
 * vcpu_setup_fpu. The first time the vCPU starts from vcpu_fpu_init (XCR0
 * x87|SSE); a second time its XCR0 stays and only the image changes.
 */
static void set_fpu(struct vcpu *v, const struct vcpu_guest_context *c, bool first,
		    bool faults, uint32_t mxcsr_mask)
{
	uint64_t xstate_bv = (c->flags & VGCF_i387_valid) ? 3 : 0;
	uint32_t mxcsr = 0x1f80;

	if (first || !xcr0_max)
		vcpu_fpu_init(v);
	if (c->flags & VGCF_i387_valid)
		memcpy(v->arch.fpu, c->fpu_ctxt, sizeof(c->fpu_ctxt));
	else if (!first && xcr0_max)
		memcpy(v->arch.fpu + 24, &mxcsr, sizeof(mxcsr));
	if (!first && xcr0_max)
		memcpy(v->arch.fpu + 512, &xstate_bv, sizeof(xstate_bv));
	if (faults)
		fpu_image_recover(v, mxcsr_mask);
}

/* Checked: the vCPU takes the context's registers, callbacks and FPU. */
static void commit_state(struct vcpu *v, const struct vcpu_guest_context *c, const uint64_t dr[8],
			 uint8_t dr7_emul)
{
	set_regs(v, &c->user_regs);
	set_callbacks(v, c);
	v->arch.kernel_mode = !!(c->flags & VGCF_in_kernel);
	v->arch.kernel_ss = c->kernel_ss | 3;
	v->arch.kernel_sp = c->kernel_sp;
	/* A non-null selector loses the base, as on Xen. */
	v->arch.fs_base = (c->user_regs.fs & ~3) ? 0 : c->fs_base;
	v->arch.kernel_gs_base = c->gs_base_kernel;
	v->arch.user_gs_base = (c->user_regs.gs & ~3) ? 0 : c->gs_base_user;
	v->arch.fpu_ts = !!(c->ctrlreg[0] & CR0_TS);
	/* CR4.FSGSBASE, TSD, DE and OSXSAVE from the context, as Xen 4.17 takes ctrlreg[4]. */
	pv_set_guest_cr4(v, c->ctrlreg[4]);
	memcpy(v->arch.dr, dr, sizeof(v->arch.dr));
	v->arch.dr7_emul = dr7_emul;
}

/*
 * The first time, referenced too: its tables, and for vCPU 0 the
 * domain's vm_assist (Xen applies it from vCPU 0's context only).
 */
static void commit_tables(struct vcpu *v, const struct vcpu_guest_context *c, unsigned int nr_gdt)
{
	struct domain *d = v->domain;

	v->arch.ldt_base = c->ldt_base;
	v->arch.ldt_ents = c->ldt_ents;
	memcpy(v->arch.gdt_frames, c->gdt_frames, nr_gdt * sizeof(c->gdt_frames[0]));
	v->arch.nr_gdt_frames = nr_gdt;
	v->arch.gdt_entries = c->gdt_ents;
	v->arch.guest_cr3 = c->ctrlreg[3] & PTE_ADDR_MASK;
	v->arch.user_cr3 = c->ctrlreg[1] & PTE_ADDR_MASK;
	if (v->vcpu_id == 0) {
		d->vm_assist = c->vm_assist;
		wallclock_init(d);
	}
	if (v->arch.guest_cr3)
		mm_m2p_slot(v->arch.guest_cr3 >> PAGE_SHIFT, true);	/* as new_baseptr */
	if (v->arch.user_cr3 && (d->vm_assist & (1ULL << VMASST_TYPE_m2p_strict)))
		mm_m2p_slot(v->arch.user_cr3 >> PAGE_SHIFT, false);
	pvclock_update(v);
	v->initialised = true;
}

/*
 * A second setvcpucontext (Xen: the vCPU is_initialised) may not move
 * the tables: the same L4 (exactly ctrlreg[3]), the same user L4 (or
 * none, and then kernel mode), the same GDT and LDT; -EOPNOTSUPP if not.
 */
static bool same_tables(const struct vcpu *v, const struct vcpu_guest_context *c,
			unsigned int nr_gdt)
{
	unsigned int i;

	if (c->ctrlreg[3] != v->arch.guest_cr3)
		return false;
	if (!v->arch.user_cr3 ? c->ctrlreg[1] || !(c->flags & VGCF_in_kernel) :
				c->ctrlreg[1] != v->arch.user_cr3)
		return false;
	if (c->gdt_ents != v->arch.gdt_entries)
		return false;
	for (i = 0; i < nr_gdt; i++)
		if (c->gdt_frames[i] != v->arch.gdt_frames[i])
			return false;
	return c->ldt_ents == v->arch.ldt_ents && (!c->ldt_ents || c->ldt_base == v->arch.ldt_base);
}

/*
 * Xen's order: addresses and the LDT's shape, vm_assist, the GDT's size,
 * then the first time the user-mode rule and the frames' references, a
 * second time the tables unchanged (vm_assist is then checked, not set).
 */
int arch_set_vcpu_context(struct vcpu *v, const struct vcpu_guest_context *c)
{
	unsigned int nr_gdt = DIV_ROUND_UP(c->gdt_ents, 512);
	bool first = !v->initialised;
	uint32_t mxcsr_mask = 0;
	bool fpu_faults;
	uint64_t dr[8];
	uint8_t dr7_emul;
	int rc;

	if (!addresses_ok(c))
		return trace_err(-EINVAL);
	if (c->vm_assist & ~VM_ASSIST_VALID)
		return trace_err(-EINVAL);
	if (nr_gdt > MAX_GDT_FRAMES)
		return trace_err(-EINVAL);
	if (first && !(c->flags & VGCF_in_kernel) && !c->ctrlreg[1])
		return trace_err(-EINVAL);	/* user mode needs a user L4 */
	if (!first && !same_tables(v, c, nr_gdt))
		return trace_err(-EOPNOTSUPP);
	take_debugregs(c, dr, &dr7_emul);
	fpu_faults = (c->flags & VGCF_i387_valid) && fpu_image_faults(c->fpu_ctxt, &mxcsr_mask);
	if (first) {
		rc = get_frames(v, c, nr_gdt);
		if (rc)
			return rc;
	}
	commit_state(v, c, dr, dr7_emul);
	set_fpu(v, c, first, fpu_faults, mxcsr_mask);
	if (first)
		commit_tables(v, c, nr_gdt);
	vcpu_set_online(v, c->flags & VGCF_online);
	return 0;
}

/*
 * setvcpucontext with no context: Xen's vcpu_reset. The vCPU (not
 * running: the caller is another domain) goes down and lets go of its
 * base pointers and descriptor pages, an NMI it had not returned from no
 * longer masks the next, and the next setvcpucontext is a first one again.
 */
int arch_vcpu_reset(struct vcpu *v)
{
	struct domain *d = v->domain;

	vcpu_set_online(v, false);
	vcpu_reset_blocked(v);
	vcpu_put_held_cr3(v);
	vcpu_release_descriptors(v);
	if (v->arch.guest_cr3)
		put_page_and_type(v->arch.guest_cr3 >> PAGE_SHIFT, d);
	if (v->arch.user_cr3)
		put_page_and_type(v->arch.user_cr3 >> PAGE_SHIFT, d);
	v->arch.guest_cr3 = v->arch.user_cr3 = 0;
	v->arch.nmi_masked = false;	/* Xen's async_exception_mask = 0 */
	v->initialised = false;
	return 0;
}

static void get_regs(const struct vcpu *v, struct guest_user_regs *u)
{
	const struct cpu_regs *r = &v->arch.regs;

	SAME_REGS(REG_TO_USER)
	u->cs = r->cs;
	u->ss = r->ss;
	u->rflags = (r->rflags & ~X86_EFLAGS_IOPL) | ((uint64_t)v->arch.iopl << X86_EFLAGS_IOPL_SHIFT);
	u->ds = v->arch.ds;
	u->es = v->arch.es;
	u->fs = v->arch.fs;
	u->gs = v->arch.gs;
}

/* The context of a vCPU that is not running (the caller checked). */
void arch_get_vcpu_context(const struct vcpu *v, struct vcpu_guest_context *c)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	memcpy(c->fpu_ctxt, v->arch.fpu, sizeof(c->fpu_ctxt));
	c->flags = VGCF_i387_valid | (v->arch.kernel_mode ? VGCF_in_kernel : 0) |
		   (v->state != VCPU_DOWN ? VGCF_online : 0) |
		   (v->arch.failsafe.mask_events ? VGCF_failsafe_disables_events : 0) |
		   (v->arch.syscall.mask_events ? VGCF_syscall_disables_events : 0);
	get_regs(v, &c->user_regs);
	for (i = 0; i < 256; i++) {
		struct trap_info *t = (struct trap_info *)&c->trap_ctxt[i * sizeof(*t)];

		t->vector = i;
		t->flags = v->arch.traps[i].flags;
		t->cs = FLAT_KERNEL_CS;
		t->address = v->arch.traps[i].address;
	}
	c->ldt_base = v->arch.ldt_base;
	c->ldt_ents = v->arch.ldt_ents;
	memcpy(c->gdt_frames, v->arch.gdt_frames, v->arch.nr_gdt_frames * sizeof(c->gdt_frames[0]));
	c->gdt_ents = v->arch.gdt_entries;
	c->kernel_ss = v->arch.kernel_ss;
	c->kernel_sp = v->arch.kernel_sp;
	/* As Xen 4.17's pv.ctrlreg[]: what the guest reads with mov from %crN. */
	c->ctrlreg[0] = pv_guest_cr0(v);
	c->ctrlreg[1] = v->arch.user_cr3;
	c->ctrlreg[2] = v->vcpu_info->arch.cr2;
	c->ctrlreg[3] = v->arch.guest_cr3;
	c->ctrlreg[4] = pv_guest_cr4(v);
	memcpy(c->debugreg, v->arch.dr, sizeof(c->debugreg));
	c->debugreg[7] |= v->arch.dr7_emul;
	c->event_callback_eip = v->arch.event.address;
	c->failsafe_callback_eip = v->arch.failsafe.address;
	c->syscall_callback_eip = v->arch.syscall.address;
	c->vm_assist = v->domain->vm_assist;
	c->fs_base = v->arch.fs_base;
	c->gs_base_kernel = v->arch.kernel_gs_base;
	c->gs_base_user = v->arch.user_gs_base;
}
