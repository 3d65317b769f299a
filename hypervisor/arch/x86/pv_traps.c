// SPDX-License-Identifier: GPL-2.0-only
/*
 * Delivering exceptions, software interrupts and guest system calls to a
 * PV guest kernel, and the hypercalls that configure it: set_trap_table,
 * callback_op, set_callbacks, stack_switch, set_segment_base and iret.
 *
 * The bounce frame (docs/abi-core.md §3.2), lowest address first:
 *   rcx, r11, [error code], rip, cs, rflags, rsp, ss
 * It goes on the current guest stack (aligned down to 16) in guest kernel
 * mode, or at kernel_sp after switching to guest kernel mode. The saved CS
 * has RPL 0 when the vCPU was in guest kernel mode (Linux tells the modes
 * apart by CS & 3) and carries the old event mask in bits 32-39; the saved
 * IF is the virtual one, !evtchn_upcall_mask, and the saved IOPL the
 * virtual one with VMASST_TYPE_architectural_iopl (else 0).
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/preempt.h>
#include <hv/time.h>
#include <hv/guest_access.h>
#include <hv/sched.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <lamina/callback.h>
#include <lamina/mm.h>
#include <lamina/xen_x86_64.h>

#define HANDLER_CLEARS	(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF | \
			 X86_EFLAGS_VM | X86_EFLAGS_AC)

/* pv_switch_mode's body, inline in this file's hot paths (bounce, iret). */
static inline __attribute__((always_inline)) void switch_mode(struct vcpu *v, bool kernel)
{
	struct arch_vcpu *a = &v->arch;

	if (a->kernel_mode == kernel)
		return;
	/* The live guest GS base sits in KERNEL_GS_BASE while we run. */
	if (a->kernel_mode)
		a->kernel_gs_base = rdmsr(MSR_KERNEL_GS_BASE);
	else
		a->user_gs_base = rdmsr(MSR_KERNEL_GS_BASE);
	a->kernel_mode = kernel;
	write_cr3(kernel ? a->guest_cr3 : a->user_cr3);
	wrmsr(MSR_KERNEL_GS_BASE, kernel ? a->kernel_gs_base : a->user_gs_base);
	if (unlikely(kernel && a->areas_pending)) {
		a->areas_pending = false;
		vcpu_update_runstate_area(v);	/* the writes user mode missed */
	}
}

void pv_switch_mode(struct vcpu *v, bool kernel)
{
	switch_mode(v, kernel);
}

static bool has_architectural_iopl(const struct vcpu *v)
{
	return v->domain->vm_assist & (1ULL << VMASST_TYPE_architectural_iopl);
}

/* The IOPL a frame shows: the virtual one with architectural_iopl, else 0. */
static uint64_t guest_iopl_flags(const struct vcpu *v)
{
	return has_architectural_iopl(v) ? (uint64_t)v->arch.iopl << 12 : 0;
}

extern bool cpu_has_smap;

/*
 * One quadword store to guest memory, listed in __ex_table: a fault
 * resumes at the C label `fault`. Between stac and clac (SMAP).
 */
#define GUEST_STORE(p, val, fault)					\
	asm goto("1: movq %0, (%1)\n"					\
		 ".pushsection __ex_table, \"a\"\n"			\
		 ".balign 8\n"						\
		 ".quad 1b, %l2\n"					\
		 ".popsection"						\
		 : : "r"((uint64_t)(val)), "r"(p) : "memory" : fault)

static inline void smap_open(void)
{
	if (cpu_has_smap)
		asm volatile("stac" ::: "memory");
}

static inline void smap_close(void)
{
	if (cpu_has_smap)
		asm volatile("clac" ::: "memory");
}

/*
 * The bounce frame is built where it lands, on the guest's stack: each
 * quadword stored once (GUEST_STORE), not assembled on ours and copied.
 * sels, when not NULL, are the failsafe frame's four data selectors
 * (ds, es, fs, gs) after r11; a failsafe frame has no error code.
 */
static inline __attribute__((always_inline)) void
bounce(struct vcpu *v, struct cpu_regs *r, uint64_t handler, bool mask_events,
       bool has_error, uint64_t error, const uint16_t *sels)
{
	struct vcpu_info *vi = v->vcpu_info;
	uint8_t mask = vi->evtchn_upcall_mask;
	bool from_user = !v->arch.kernel_mode;
	uint64_t sp, *f, cs, rflags;
	unsigned int n = (has_error ? 8 : 7) + (sels ? 4 : 0);

	if (from_user)
		switch_mode(v, true);
	sp = ((from_user ? v->arch.kernel_sp : r->rsp) & ~15ULL) - n * 8;
	if (!guest_range_ok(sp, n * 8))
		goto fault;
	cs = (from_user ? r->cs : r->cs & ~3ULL) | ((uint64_t)mask << 32);
	rflags = (r->rflags & ~(X86_EFLAGS_IF | X86_EFLAGS_IOPL)) |
		 (mask ? 0 : X86_EFLAGS_IF) | guest_iopl_flags(v);
	f = (uint64_t *)sp;
	smap_open();
	GUEST_STORE(f, r->rcx, fault_open);
	GUEST_STORE(f + 1, r->r11, fault_open);
	if (sels) {
		GUEST_STORE(f + 2, sels[0], fault_open);
		GUEST_STORE(f + 3, sels[1], fault_open);
		GUEST_STORE(f + 4, sels[2], fault_open);
		GUEST_STORE(f + 5, sels[3], fault_open);
		f += 4;
	}
	if (has_error) {
		GUEST_STORE(f + 2, error, fault_open);
		f++;
	}
	GUEST_STORE(f + 2, r->rip, fault_open);
	GUEST_STORE(f + 3, cs, fault_open);
	GUEST_STORE(f + 4, rflags, fault_open);
	GUEST_STORE(f + 5, r->rsp, fault_open);
	GUEST_STORE(f + 6, r->ss, fault_open);
	smap_close();

	r->rip = handler;
	r->cs = FLAT_KERNEL_CS;
	r->ss = FLAT_KERNEL_SS;
	r->rsp = sp;
	r->rflags &= ~HANDLER_CLEARS;
	if (mask_events)
		vi->evtchn_upcall_mask = 1;
	return;

fault_open:
	smap_close();
fault:
	pv_bounce_fault(v, sp);
}

void pv_bounce(struct vcpu *v, struct cpu_regs *r, uint64_t handler, bool mask_events,
	       bool has_error, uint64_t error)
{
	if (!handler) {
		domain_crash(v->domain, "no handler to deliver to at rip %#llx",
			     (unsigned long long)r->rip);
		return;
	}
	bounce(v, r, handler, mask_events, has_error, error, NULL);
}

/*
 * The failsafe callback (docs/abi-core.md §3.7), entered when v's data
 * selectors sels (ds, es, fs, gs, as v held them) could not all be loaded
 * as it was switched in; r is its frame. As Xen 4.17's load_segments:
 * the bounce frame with the four selectors after r11, the events masked
 * only as the callback was registered, and no test for a callback: with
 * none registered the guest is entered at address 0 (its own #PF).
 */
void pv_failsafe(struct vcpu *v, struct cpu_regs *r, const uint16_t sels[4])
{
	bounce(v, r, v->arch.failsafe.address, v->arch.failsafe.mask_events, false, 0, sels);
}

/* A bounce frame that cannot be written (here and entry.S's syscall bounce). */
void pv_bounce_fault(struct vcpu *v, uint64_t sp)
{
	domain_crash(v->domain, "cannot write an exception frame at %#llx",
		     (unsigned long long)sp);
}

void pv_inject_trap(struct vcpu *v, struct cpu_regs *r, unsigned int vector,
		    uint64_t error)
{
	const struct trap_entry *t = &v->arch.traps[vector & 0xff];

	if (!t->address && vector == 14) {
		domain_crash(v->domain, "page fault at rip %#llx, address %#llx, error code "
			     "%#llx, and no handler for it", (unsigned long long)r->rip,
			     (unsigned long long)read_cr2(), (unsigned long long)error);
		return;
	}
	if (!t->address) {
		domain_crash(v->domain, "vector %u at rip %#llx (error code %#llx) and no "
			     "handler for it", vector, (unsigned long long)r->rip,
			     (unsigned long long)error);
		return;
	}
	pv_bounce(v, r, t->address, t->flags & TI_MASK_EVENTS,
		  vector_has_error_code(vector), error);
}

/*
 * A #PF's U/S bit as the guest gets it: which guest mode faulted, not
 * the (always 3) ring nor the access: user mode's implicit supervisor
 * accesses (a far return's or iretq's stack reads under TCG, descriptor
 * reads) get it too, as Xen 4.17 sets it from the mode alone.
 */
static uint64_t pf_error_for_mode(const struct vcpu *v, uint64_t error)
{
	return (error & ~4ULL) | (v->arch.kernel_mode ? 0 : 4ULL);
}

void pv_guest_exception(struct vcpu *v, struct cpu_regs *r)
{
	unsigned int vector = r->vector;
	uint64_t error = r->error_code, cr2;

	switch (vector) {
	case 13:
		if (pv_emulate_gp(v, r))
			return;
		break;
	case 6:
		if (pv_emulate_forced_cpuid(v, r))
			return;
		break;
	case 1:
		vcpu_note_debug_trap(v);
		break;
	case 14:
		/*
		 * Read once, before the emulation: its guest reads may fault
		 * (a page another vCPU unmapped), which rewrites CR2, and the
		 * guest got that address with the write's #PF (cr2 on the
		 * code page, attack-ptwr-race, before 5 Dec).
		 */
		cr2 = read_cr2();
		if (ptwr_emulate(v, r, cr2) || pv_ldt_fault(v, cr2))
			return;
		v->vcpu_info->arch.cr2 = pv_ldt_fault_addr(v, cr2, error);
		error = pf_error_for_mode(v, error);
		break;
	}
	/*
	 * #NM, the FPU use the virtual CR0.TS trapped: TS is cleared as the
	 * #NM is delivered, as Xen 4.17's do_device_not_available, so the
	 * handler and the instruction it returns to run with the FPU (until
	 * 7 Dec Lamina kept TS: a handler relying on Xen's clear was entered
	 * again and again; tests/guest/cr0-faults). Outside the switch,
	 * whose shape the #GP emulation's path (bench emulated_rdmsr) pays.
	 */
	if (vector == 7 && v->arch.fpu_ts)
		vcpu_set_ts(v, false);
	pv_inject_trap(v, r, vector, error);
}

/*
 * The hypervisor's iretq onto the guest context r faulted (entry.S
 * .Liretq_fault): r's CS or SS became unusable while r waited here (a
 * GDT or LDT entry rewritten by another vCPU), or names an LDT page not
 * mapped on this CPU yet. An LDT page is mapped and the iretq tried again;
 * anything else is the guest's exception at r with the CPU's error code
 * (the selector), as Xen 4.17 delivers the fault of its own iretq. Never
 * pv_guest_exception: nothing at r's rip ran, so nothing there is
 * emulated.
 */
void pv_iret_fault(struct cpu_regs *r)
{
	struct vcpu *v = current_vcpu();

	if (r->vector == X86_EXC_PF) {
		if (pv_ldt_fault(v, read_cr2()))
			return;
		v->vcpu_info->arch.cr2 = pv_ldt_fault_addr(v, read_cr2(), r->error_code);
		r->error_code = pf_error_for_mode(v, r->error_code);
	}
	pv_inject_trap(v, r, r->vector, r->error_code);
}

/* `syscall` in guest user mode: the guest's system call (§3.4). */
void pv_guest_syscall(struct vcpu *v, struct cpu_regs *r)
{
	const struct pv_callback *cb = &v->arch.syscall;

	if (!cb->address) {
		r->rip -= 2;		/* back onto the syscall: #UD there */
		pv_inject_trap(v, r, 6, 0);
		return;
	}
	pv_bounce(v, r, cb->address, cb->mask_events, false, 0);
	r->rflags &= ~X86_EFLAGS_DF;
}

/*
 * The list ends at an entry whose address is 0 and has no length, so one
 * page aliased many times makes it as long as the guest likes: when
 * hypercall_preempt_now says so (looked at before every entry but the
 * first, as Xen 4.17 after every entry) the call continues from that
 * entry, so it never holds the CPU for long.
 */
long hc_set_trap_table(struct vcpu *v, struct hc_args *a)
{
	uint64_t until = hypercall_preempt_until(), p = a->arg[0];
	struct trap_info ti;
	uint32_t i;

	if (!p) {
		memset(v->arch.traps, 0, sizeof(v->arch.traps));
		return 0;
	}
	for (i = 0;; i++, p += sizeof(ti)) {
		if (i && hypercall_preempt_now(v, until)) {
			a->arg[0] = p;
			return hypercall_continue();
		}
		if (copy_from_guest(&ti, p, sizeof(ti)))
			return -EFAULT;
		if (!ti.address)
			return 0;
		if (!is_canonical(ti.address))
			return trace_err(-EINVAL);
		v->arch.traps[ti.vector].address = ti.address;
		v->arch.traps[ti.vector].flags = ti.flags & (TI_DPL_MASK | TI_MASK_EVENTS);
	}
}

/*
 * The NMI callback (CALLBACKTYPE_nmi, nmi_op) is trap 2 of the trap table,
 * as in Xen 4.17 (register_guest_nmi_callback): the last of set_trap_table
 * and these to write it wins, and a virtual NMI enters it with events
 * masked. Registering on vCPU 0 after an NMI reason was recorded raises
 * a virtual NMI again (the edge may have been lost without a handler).
 */
static void nmi_callback_set(struct vcpu *v, uint64_t address)
{
	v->arch.traps[X86_EXC_NMI] = (struct trap_entry){ address, address ? TI_MASK_EVENTS : 0 };
	if (address && v->vcpu_id == 0 && v->domain->shared_info &&
	    v->domain->shared_info->arch.nmi_reason) {
		v->arch.nmi_pending = true;
		pending_work_set(PW_NMI);	/* v is current: its way out delivers it */
	}
}

static long register_callback(struct vcpu *v, const struct callback_register *cb)
{
	struct pv_callback *slot;

	/* As Xen 4.17: the address is checked first, whatever the type. */
	if (!is_canonical(cb->address))
		return trace_err(-EINVAL);
	switch (cb->type) {
	case CALLBACKTYPE_event:	slot = &v->arch.event; break;
	case CALLBACKTYPE_failsafe:	slot = &v->arch.failsafe; break;
	case CALLBACKTYPE_syscall:	slot = &v->arch.syscall; break;
	case CALLBACKTYPE_nmi:
		nmi_callback_set(v, cb->address);
		return 0;
	case CALLBACKTYPE_syscall32:	slot = &v->arch.syscall32; break;
	case CALLBACKTYPE_sysenter:	slot = &v->arch.sysenter; break;
	default:
		return trace_err(-ENOSYS);
	}
	slot->address = cb->address;
	slot->mask_events = cb->flags & CALLBACKF_mask_events;
	return 0;
}

long hc_callback_op(struct vcpu *v, struct hc_args *a)
{
	struct callback_register reg;
	struct callback_unregister unreg;

	switch ((uint32_t)a->arg[0]) {	/* Xen's `int cmd`: the upper half ignored */
	case CALLBACKOP_register:
		if (copy_from_guest(&reg, a->arg[1], sizeof(reg)))
			return -EFAULT;
		return register_callback(v, &reg);
	case CALLBACKOP_unregister:
		if (copy_from_guest(&unreg, a->arg[1], sizeof(unreg)))
			return -EFAULT;
		switch (unreg.type) {
		case CALLBACKTYPE_nmi:
			nmi_callback_set(v, 0);
			return 0;
		case CALLBACKTYPE_event:
		case CALLBACKTYPE_failsafe:
		case CALLBACKTYPE_syscall:
		case CALLBACKTYPE_syscall32:
		case CALLBACKTYPE_sysenter:
			return trace_err(-EINVAL);	/* known, but never removed */
		default:
			return trace_err(-ENOSYS);
		}
	default:
		return trace_err(-ENOSYS);
	}
}

long hc_nmi_op(struct vcpu *v, struct hc_args *a)
{
	struct xennmi_callback cb;

	switch ((uint32_t)a->arg[0]) {	/* Xen's `unsigned int cmd`: the upper half ignored */
	case XENNMI_register_callback:
		if (copy_from_guest(&cb, a->arg[1], sizeof(cb)))
			return -EFAULT;
		if (!is_canonical(cb.handler_address))
			return trace_err(-EINVAL);
		nmi_callback_set(v, cb.handler_address);
		return 0;
	case XENNMI_unregister_callback:
		nmi_callback_set(v, 0);
		return 0;
	default:
		return trace_err(-ENOSYS);
	}
}

long hc_set_callbacks(struct vcpu *v, struct hc_args *a)
{
	const uint16_t types[3] = { CALLBACKTYPE_event, CALLBACKTYPE_failsafe,
				    CALLBACKTYPE_syscall };
	unsigned int i;

	/*
	 * As Xen 4.17: each is registered as by callback_op with no flags,
	 * one refused (non-canonical) is left as it was, and the call
	 * answers 0 whatever happened (conform-cpu).
	 */
	for (i = 0; i < 3; i++) {
		struct callback_register cb = { types[i], 0, 0, a->arg[i] };

		register_callback(v, &cb);
	}
	return 0;
}

long hc_stack_switch(struct vcpu *v, struct hc_args *a)
{
	v->arch.kernel_ss = (uint16_t)(a->arg[0] | 3);
	v->arch.kernel_sp = a->arg[1];
	return 0;
}

/*
 * SEGBASE_GS_USER_SEL: the user GS base becomes the base of the data
 * descriptor the selector names (RPL 3), read only within the guest's
 * GDT or LDT limit. A selector that cannot be loaded gives base 0, as in
 * Xen 4.17, which loads NULL instead; Linux BUG()s on failure, so the
 * call itself never fails (§2.21).
 */
static uint64_t user_selector_base(const struct vcpu *v, uint16_t sel)
{
	uint64_t base, limit;
	unsigned int bits;

	if (sel > 3)
		sel |= 3;
	if (!data_selector_ok(v, sel) || !guest_segment_loaded(v, sel, &base, &limit, &bits))
		return 0;
	return base;
}

long hc_set_segment_base(struct vcpu *v, struct hc_args *a)
{
	uint64_t base = a->arg[1];
	uint32_t which = (uint32_t)a->arg[0];	/* Xen's `unsigned int which` */

	if (which != SEGBASE_GS_USER_SEL && !is_canonical(base))
		return trace_err(-EINVAL);
	switch (which) {
	case SEGBASE_FS:
		v->arch.fs_base = base;
		wrmsr(MSR_FS_BASE, base);
		return 0;
	case SEGBASE_GS_KERNEL:
		v->arch.kernel_gs_base = base;
		if (v->arch.kernel_mode)
			wrmsr(MSR_KERNEL_GS_BASE, base);
		return 0;
	case SEGBASE_GS_USER:
		v->arch.user_gs_base = base;
		if (!v->arch.kernel_mode)
			wrmsr(MSR_KERNEL_GS_BASE, base);
		return 0;
	case SEGBASE_GS_USER_SEL: {
		/*
		 * As Xen 4.17: the selector is loaded into %gs (a null one
		 * when it names nothing loadable, never an error), and the
		 * user GS base becomes its segment's. Hypercalls come from
		 * kernel mode, whose live base MSR_KERNEL_GS_BASE keeps.
		 */
		uint16_t sel = (uint16_t)base > 3 ? (uint16_t)base | 3 : 0;
		uint64_t kbase = rdmsr(MSR_KERNEL_GS_BASE);

		load_guest_gs_sel(data_selector_ok(v, sel) ? sel : 0);
		wrmsr(MSR_KERNEL_GS_BASE, kbase);
		v->arch.user_gs_base = user_selector_base(v, sel);
		return 0;
	}
	default:
		return trace_err(-EINVAL);
	}
}

/*
 * The iret hypercall's C half: entry.S's hc_iret does the common case (a
 * return to 64-bit guest user mode) and comes here for everything else,
 * having changed nothing. Its comment lists this function's effects; a
 * change here is a change there.
 */
long hc_iret_slow(struct vcpu *v, struct hc_args *a)
{
	struct cpu_regs *r = guest_regs_of(v);
	struct iret_context c;
	bool to_user;
	int fault;

	if (copy_from_guest(&c, r->rsp, sizeof(c))) {
		domain_crash(v->domain, "iret: cannot read the iret context at %#llx",
			     (unsigned long long)r->rsp);
		return r->rax;
	}
	/* Only the selector bits count (the frame's CS carries the mask above). */
	c.cs &= 0xffff;
	c.ss &= 0xffff;
	to_user = (c.cs & 3) == 3;
	if (to_user && !v->arch.user_cr3) {
		domain_crash(v->domain, "iret to user mode without a user page table");
		return r->rax;
	}
	/*
	 * A non-canonical rip is left to prepare_return_to_guest: #GP with
	 * that rip in the frame, as on Xen. A non-canonical rsp is no fault:
	 * iretq loads any rsp (only the next use of the stack faults, #SS),
	 * and Xen 4.17's do_iret takes it as it is (XTF memop-seg relies on
	 * it; tests/guest/usermode, iret-checks).
	 */
	fault = ((c.cs | 3) == FLAT_RING3_CS64 && (c.ss | 3) == FLAT_RING3_SS64) ? -1 :
		iret_target_fault(v, c.cs | 3, c.ss | 3, c.rip);
	v->vcpu_info->evtchn_upcall_mask = !(c.rflags & X86_EFLAGS_IF);
	/* A virtual NMI's handler is done (Xen's async_exception_cleanup): the next may come. */
	if (v->arch.nmi_masked) {
		v->arch.nmi_masked = false;
		if (v->arch.nmi_pending)
			pending_work_set(PW_NMI);
	}
	/* The guest's own IOPL is the virtual one (Xen 4.17's do_iret). */
	if (has_architectural_iopl(v))
		v->arch.iopl = (c.rflags & X86_EFLAGS_IOPL) >> 12;
	if (to_user)
		switch_mode(v, false);
	r->rax = c.rax;
	if (!(c.flags & VGCF_in_syscall)) {
		r->r11 = c.r11;
		r->rcx = c.rcx;
		r->vector = ENTRY_IRET;		/* they must survive: iretq */
	}
	r->rip = c.rip;
	r->cs = c.cs | 3;
	r->rflags = c.rflags;
	r->rsp = c.rsp;
	r->ss = c.ss | 3;
	/*
	 * A frame our own iretq would take a #GP on: the guest's #GP, raised
	 * by the restored frame, with the error code the CPU would give. Xen
	 * 4.17 restores the whole context and then faults at its own iretq,
	 * so the guest's handler sees the same (multicall-iret). A descriptor
	 * not present is left to our iretq (iret_target_fault).
	 */
	if (fault >= 0)
		pv_inject_trap(v, r, 13, fault);
	return r->rax;	/* do_syscall stores this in rax: the restored value */
}
