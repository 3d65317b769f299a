// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running a 64-bit PV vCPU in ring 3: hypercall entry, the return path and
 * the first entry. docs/abi-core.md §2.1 (calling convention), §1.6 (initial
 * state).
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/mm.h>
#include <hv/hypercall.h>
#include <asm/regs.h>
#include <asm/pv.h>
#include <asm/desc.h>
#include <hv/event.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <lamina/hypercall.h>
#include <asm/percpu.h>
#include <asm/x86.h>
#include <hv/flushtlb.h>
#include <lamina/xen_x86_64.h>
#include <lamina/callback.h>
#include <lamina/mm.h>
#include <asm/layout.h>
#include <asm/page.h>

extern void __noreturn enter_guest_frame(const struct cpu_regs *frame);

/* entry.S reads these at the offsets asm/entry.h gives. */
_Static_assert(offsetof(struct percpu, stack_top) == PERCPU_STACK_TOP, "percpu");
_Static_assert(offsetof(struct percpu, scratch) == PERCPU_SCRATCH, "percpu");
_Static_assert(offsetof(struct percpu, current) == PERCPU_CURRENT, "percpu");
_Static_assert(offsetof(struct percpu, pending_work) == PERCPU_PENDING_WORK, "percpu");
_Static_assert(offsetof(struct percpu, tlbflush_time) == PERCPU_TLBFLUSH_TIME, "percpu");
_Static_assert(offsetof(struct vcpu, vcpu_info) == VCPU_VCPU_INFO, "vcpu");
_Static_assert(offsetof(struct vcpu, arch.kernel_mode) == VCPU_KERNEL_MODE, "vcpu");
_Static_assert(offsetof(struct vcpu, arch.areas_pending) == VCPU_AREAS_PENDING, "vcpu");
_Static_assert(offsetof(struct vcpu, domain) == VCPU_DOMAIN &&
	       offsetof(struct vcpu, arch.user_cr3) == VCPU_USER_CR3 &&
	       offsetof(struct vcpu, arch.guest_cr3) == VCPU_GUEST_CR3 &&
	       offsetof(struct vcpu, arch.kernel_sp) == VCPU_KERNEL_SP &&
	       offsetof(struct vcpu, arch.syscall.address) == VCPU_SYSCALL_CB &&
	       offsetof(struct vcpu, arch.syscall.mask_events) == VCPU_SYSCALL_MASK &&
	       offsetof(struct vcpu, arch.nmi_masked) == VCPU_NMI_MASKED &&
	       sizeof(((struct vcpu *)0)->arch.syscall.mask_events) == 1 &&
	       offsetof(struct vcpu, arch.kernel_gs_base) == VCPU_KERNEL_GS_BASE &&
	       offsetof(struct vcpu, arch.user_gs_base) == VCPU_USER_GS_BASE &&
	       offsetof(struct vcpu, arch.gdt_frames) == VCPU_GDT_FRAMES &&
	       offsetof(struct vcpu, arch.gdt_entries) == VCPU_GDT_ENTRIES &&
	       sizeof(((struct vcpu *)0)->arch.gdt_entries) == 4 &&
	       offsetof(struct vcpu, arch.iopl) == VCPU_IOPL &&
	       sizeof(((struct vcpu *)0)->arch.iopl) == 1 &&
	       sizeof(((struct vcpu *)0)->arch.kernel_mode) == 1, "vcpu (hc_iret)");
_Static_assert(offsetof(struct domain, vm_assist) == DOMAIN_VM_ASSIST, "domain");
_Static_assert(offsetof(struct iret_context, rax) == IRET_CTX_RAX &&
	       offsetof(struct iret_context, r11) == IRET_CTX_R11 &&
	       offsetof(struct iret_context, rcx) == IRET_CTX_RCX &&
	       offsetof(struct iret_context, flags) == IRET_CTX_FLAGS &&
	       offsetof(struct iret_context, rip) == IRET_CTX_RIP &&
	       offsetof(struct iret_context, cs) == IRET_CTX_CS &&
	       offsetof(struct iret_context, rflags) == IRET_CTX_RFLAGS &&
	       offsetof(struct iret_context, rsp) == IRET_CTX_RSP &&
	       offsetof(struct iret_context, ss) == IRET_CTX_SS &&
	       sizeof(struct iret_context) == IRET_CTX_SIZE, "iret_context");
_Static_assert(ENTRY_IRET == ENTRY_IRET_VECTOR && VGCF_in_syscall == 0x100 &&
	       MSR_KERNEL_GS_BASE == 0xC0000102 && VMASST_TYPE_architectural_iopl == 4 &&
	       HYPERVISOR_VIRT_END == 0xFFFF880000000000ULL &&
	       HV_DIRECTMAP_BASE == 0xFFFF830000000000ULL, "hc_iret constants");
_Static_assert(offsetof(struct hc_args, nr) == 0 && offsetof(struct hc_args, arg) == 8 &&
	       sizeof(struct hc_args) == HC_ARGS_SIZE, "hc_args");
_Static_assert(ERESTART == ENTRY_ERESTART, "ERESTART");
_Static_assert(offsetof(struct vcpu_info, evtchn_upcall_pending) == 0 &&
	       offsetof(struct vcpu_info, evtchn_upcall_mask) == 1, "vcpu_info");
_Static_assert(offsetof(struct cpu_regs, rbx) == REGS_RBX &&
	       offsetof(struct cpu_regs, r11) == REGS_R11 &&
	       offsetof(struct cpu_regs, r10) == REGS_R10 &&
	       offsetof(struct cpu_regs, rax) == REGS_RAX &&
	       offsetof(struct cpu_regs, rcx) == REGS_RCX &&
	       offsetof(struct cpu_regs, vector) == REGS_VECTOR &&
	       offsetof(struct cpu_regs, rip) == REGS_RIP &&
	       offsetof(struct cpu_regs, cs) == REGS_CS &&
	       offsetof(struct cpu_regs, rflags) == REGS_RFLAGS &&
	       offsetof(struct cpu_regs, rsp) == REGS_RSP &&
	       offsetof(struct cpu_regs, ss) == REGS_SS &&
	       sizeof(struct cpu_regs) == CPU_REGS_SIZE, "cpu_regs");
_Static_assert(GUEST_RFLAGS_MASK == (0x0cd5UL | X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_AC | (1UL << 21)),
	       "guest rflags");

#ifdef CONFIG_DEBUG
/*
 * Catch guests that expect the argument registers a call used to survive
 * (docs/abi-core.md §2.1). The registers beyond the call's argument count
 * are the guest's: kernels that declare only what they pass keep live
 * values there, so those are never touched.
 */
static void scribble_args(struct cpu_regs *r, unsigned int used)
{
	uint64_t *regs[5] = { &r->rdi, &r->rsi, &r->rdx, &r->r10, &r->r8 };
	unsigned int i;

	for (i = 0; i < used && i < 5; i++)
		*regs[i] = 0xDEADBEEFDEADF00DULL;
}
#else
static void scribble_args(struct cpu_regs *r, unsigned int used)
{
	(void)r;
	(void)used;
}
#endif

long hc_release_continue(struct vcpu *v, struct hc_args *a)
{
	(void)v;
	return (long)a->arg[0];
}

/*
 * A call's result waits until the page tables it let go are released: if
 * about 1 ms of releasing does not empty the list, the guest's syscall
 * becomes release_continue, which carries the result and goes on.
 * Not after iret: it let nothing go, and it has already moved rip to its
 * target, so a continuation would re-execute whatever sits 2 bytes before
 * that. A list left over from an interrupted call (the guest took an event
 * before re-executing its release_continue) is finished by that call.
 */
static long __attribute__((noinline, cold)) release_before_return(struct hc_args *a, long rc)
{
	struct domain *d = current_vcpu()->domain;

	if (!d->arch.pt.release_head || pt_release_some(d, false) ||
	    (rc == -ERESTART && current_vcpu()->hc_continued))
		return rc;
	a->nr = __HYPERVISOR_release_continue;
	a->arg[0] = (uint64_t)rc;
	return hypercall_continue();
}

/*
 * The end of a hypercall that is not plain (entry.S syscall_entry calls
 * this for a continuation, for page tables waiting to be released, and
 * always in a debug build): the result, or the continuation's arguments.
 */
void hypercall_finish(struct cpu_regs *r, struct hc_args *a, long rc)
{
	struct vcpu *v = current_vcpu();
	bool continued;

	if (unlikely(pt_release_lists) && a->nr != __HYPERVISOR_iret)
		rc = release_before_return(a, rc);
	/*
	 * -ERESTART is a continuation only when hypercall_continue armed the
	 * flag: a result the guest chose cannot pass for one (mmu_update's
	 * foreigndom with count 2^31 and no list, release_continue's
	 * argument; tests/guest/attack-cont), nor iret's restored rax of
	 * whatever the guest resumes (tests/guest/iret-checks). Xen 4.17
	 * marks continuations apart from the result the same way.
	 */
	continued = v->hc_continued;
	v->hc_continued = false;
	if (rc == -ERESTART && continued && a->nr != __HYPERVISOR_iret) {
		/* A continuation: run the syscall again with the new arguments. */
		r->rip -= 2;
		r->rax = a->nr;
		r->rdi = a->arg[0];
		r->rsi = a->arg[1];
		r->rdx = a->arg[2];
		r->r10 = a->arg[3];
		r->r8 = a->arg[4];
		return;
	}
	r->rax = (uint64_t)rc;
	/* iret restored the guest's registers; everything else may scribble. */
	if (rc != -ENOSYS && a->nr != __HYPERVISOR_iret)
		scribble_args(r, hypercall_nargs(a->nr));
}

/*
 * syscall_entry's C side when its fast dispatch does not apply: a guest
 * user's system call, or a number with no hypercall behind it.
 */
void do_syscall(struct cpu_regs *r)
{
	struct vcpu *v = this_cpu()->current;
	struct hc_args a;
	unsigned int nargs;

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
	hypercall_finish(r, &a, hypercall_dispatch(v, &a, &nargs));
}

/*
 * syscall from 32-bit compatibility mode (entry.S cstar_entry), in either
 * guest mode: the syscall32 callback, with the events mask the 64-bit
 * syscall callback asked for (Xen's rule for 64-bit guests); none
 * registered is #UD at the syscall, as in pv_guest_syscall.
 */
void do_syscall32(struct cpu_regs *r)
{
	struct vcpu *v = current_vcpu();

	if (!v->arch.syscall32.address) {
		r->rip -= 2;
		pv_inject_trap(v, r, X86_EXC_UD, 0);
		return;
	}
	pv_bounce(v, r, v->arch.syscall32.address, v->arch.syscall.mask_events, false, 0);
	r->rflags &= ~X86_EFLAGS_DF;
}

/*
 * sysenter (entry.S sysenter_entry): the sysenter callback; none
 * registered is #GP(0) on the frame sysenter left (rip 0), as on Xen.
 */
void do_sysenter(struct cpu_regs *r)
{
	struct vcpu *v = current_vcpu();
	const struct pv_callback *cb = &v->arch.sysenter;

	if (!cb->address) {
		pv_inject_trap(v, r, X86_EXC_GP, 0);
		return;
	}
	pv_bounce(v, r, cb->address, cb->mask_events, false, 0);
}

/*
 * The return path's slow half (entry.S return_to_guest), when work is
 * pending, an event is deliverable or rip is not canonical: another vCPU
 * if one is due (schedule, only for pending work), the #GP for a
 * non-canonical rip, the event upcall (docs/abi-core.md §3.6), then flags
 * a ring-3 guest may hold. A crash on the way (no handler, an unwritable
 * frame) pauses the vCPU, which sets PW_SCHED: round again.
 */
void prepare_return_to_guest(struct cpu_regs *r)
{
	const struct vcpu_info *vi;
	struct vcpu *v;

	for (;;) {
		if (pending_work(PW_NMI))
			arch_nmi_kick();
		if (pending_work(PW_SCHED | PW_REAP))
			schedule(r);
		v = this_cpu()->current;
		if (unlikely(!is_canonical(r->rip))) {
			/*
			 * A syscall or an emulated instruction in the last bytes
			 * below 0x800000000000, or an iret there: on real hardware
			 * our iretq would take that #GP in ring 0 (and sysret, on
			 * Intel, with the guest's stack). Deliver it as Xen's
			 * return path does (its iretq fault is turned into the
			 * guest's): #GP(0) with the non-canonical rip in the frame.
			 */
			pv_inject_trap(v, r, X86_EXC_GP, 0);
			continue;
		}
		if (unlikely(v->arch.nmi_pending) && !v->arch.nmi_masked) {
			/*
			 * A virtual NMI, as Xen 4.17's process_nmi: to trap 2
			 * (where the NMI callback is registered too), and the
			 * next waits for an iret hypercall; with no handler it
			 * is dropped.
			 */
			v->arch.nmi_pending = false;
			if (v->arch.traps[X86_EXC_NMI].address) {
				v->arch.nmi_masked = true;
				pv_inject_trap(v, r, X86_EXC_NMI, 0);
			}
			continue;
		}
		vi = v->vcpu_info;
		if (!vi->evtchn_upcall_pending || vi->evtchn_upcall_mask)
			break;
		/* No callback registered: pv_bounce crashes the domain, as Xen 4.17's bounce frame does. */
		pv_bounce(v, r, v->arch.event.address, true, false, 0);
		if (!pending_work(PW_SCHED))
			break;
	}
	r->rflags = (r->rflags & GUEST_RFLAGS_MASK) | X86_EFLAGS_IF | 2;
	r->cs |= 3;
	r->ss |= 3;
}

/*
 * A data selector load, checked first (data_selector_ok), can still fault:
 * another vCPU of the domain may rewrite the descriptor between the check
 * and the load. Such a load becomes a null one (its fixup, as Xen 4.17's)
 * and answers false, for load_vcpu's failsafe callback.
 */
#define DEFINE_SEG(name)						\
static uint16_t read_##name(void)					\
{									\
	uint16_t s;							\
	asm volatile("mov %%" #name ", %0" : "=r"(s));			\
	return s;							\
}									\
static bool load_##name(uint16_t s)					\
{									\
	asm goto("1: mov %0, %%" #name "\n"				\
		 ".pushsection __ex_table, \"a\"\n"			\
		 ".balign 8\n"						\
		 ".quad 1b, %l1\n"					\
		 ".popsection"						\
		 : : "r"(s) : : fault);					\
	return true;							\
fault:									\
	asm volatile("mov %0, %%" #name : : "r"((uint16_t)0));		\
	return false;							\
}
DEFINE_SEG(ds)
DEFINE_SEG(es)
DEFINE_SEG(fs)
#undef DEFINE_SEG

uint16_t read_gs_sel(void)
{
	uint16_t s;

	asm volatile("mov %%gs, %0" : "=r"(s));
	return s;
}

/*
 * %gs while the hypervisor runs: its selector is the guest's, its base
 * ours (this_cpu()). A load of the guest's selector goes between two
 * swapgs, with interrupts off (nothing per-CPU can be reached between
 * them), and it sets the base in MSR_KERNEL_GS_BASE, the guest's: the
 * caller writes the base it wants after it. sel must have been checked
 * (data_selector_ok); a load that faults all the same (the descriptor
 * rewritten meanwhile) loads null instead, and answers false. That fault
 * is taken with the guest's GS base loaded: do_exception reaches its
 * fixup (search_fixup) without touching anything per-CPU.
 */
bool load_guest_gs_sel(uint16_t sel)
{
	uint64_t flags;
	uint32_t loaded = 1;

	asm volatile("pushfq; pop %0; cli; swapgs\n"
		     "1: mov %2, %%gs\n"
		     "2: swapgs; push %0; popfq\n"
		     ".pushsection .text.fixup, \"ax\"\n"
		     "3: mov %3, %%gs\n"
		     "xor %k1, %k1\n"
		     "jmp 2b\n"
		     ".popsection\n"
		     ".pushsection __ex_table, \"a\"\n"
		     ".balign 8\n"
		     ".quad 1b, 3b\n"
		     ".popsection"
		     : "=&r"(flags), "+r"(loaded) : "r"(sel), "r"((uint16_t)0)
		     : "memory", "cc");
	return loaded;
}

extern uint64_t xcr0_max;

static void set_xcr0(uint64_t v)
{
	asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/*
 * Eager FPU switching: every switch saves the whole state of the vCPU
 * leaving (XSAVE, else FXSAVE) and restores the next one's, so nothing of
 * one domain's registers is left for another to read.
 *
 * XSAVE and XRSTOR work on the components XCR0 enables, and XRSTOR
 * raises #GP when the image's XSTATE_BV names one XCR0 lacks. A guest
 * may lower its XCR0 (xsetbv 7, then 1) while the image still holds AVX
 * state, and on hardware that state survives until XCR0 enables it
 * again. So, as Xen does, the image is saved and restored under
 * xcr0_accum, every bit the guest ever enabled, and the guest's own XCR0
 * is loaded after the restore.
 */
static void fpu_save(struct vcpu *v)
{
	if (!xcr0_max) {
		asm volatile("clts; fxsave64 %0" : "=m"(v->arch.fpu) : : "memory");
		return;
	}
	if (v->arch.xcr0 != v->arch.xcr0_accum)
		set_xcr0(v->arch.xcr0_accum);
	asm volatile("clts; xsave64 %0" : "+m"(v->arch.fpu) : "a"(-1), "d"(-1) : "memory");
}

/*
 * AMD CPUs without RSTR_FP_ERR_PTRS (fpu_ptrs_leak, msr.c) save and
 * restore the x87 last instruction and operand pointers and opcode (FIP,
 * FDP, FOP) only while the image holds an unmasked x87 exception: any
 * other restore leaves the previous vCPU's, for the next to read by
 * fnstenv or fxsave (Xen's XSA-52 and XSA-172). Before such a restore
 * the pointers are set to fixed values by an integer load from the image
 * itself, as Xen does: what a vCPU reads never depends on who ran before.
 * CR0.TS must be clear.
 */
static inline void fpu_forget_ptrs(const struct vcpu *v)
{
	uint16_t fcw, fsw;

	if (likely(!fpu_ptrs_leak))
		return;
	__builtin_memcpy(&fcw, v->arch.fpu, sizeof(fcw));	/* two loads, no call */
	__builtin_memcpy(&fsw, v->arch.fpu + 2, sizeof(fsw));
	if (!(fsw & ~fcw & 0x3F))
		asm volatile("fnclex; ffree %%st(7); fildl %0" : : "m"(*(const uint32_t *)v->arch.fpu));
}

static void fpu_load(struct vcpu *v)
{
	if (!xcr0_max) {
		asm volatile("clts" ::: "memory");
		fpu_forget_ptrs(v);
		asm volatile("fxrstor64 %0" : : "m"(v->arch.fpu) : "memory");
		return;
	}
	set_xcr0(v->arch.xcr0_accum);
	asm volatile("clts" ::: "memory");
	fpu_forget_ptrs(v);
	asm volatile("xrstor64 %0" : : "m"(v->arch.fpu), "a"(-1), "d"(-1) : "memory");
	if (v->arch.xcr0 != v->arch.xcr0_accum)
		set_xcr0(v->arch.xcr0);
}

/*
 * A fresh FPU: FCW 0x37F, MXCSR 0x1F80 (docs/abi-core.md §1.6); with XSAVE
 * the header's XSTATE_BV says x87 and SSE hold these values, the rest is
 * in its initial state. XCR0 starts as x87|SSE, as after reset.
 */
void vcpu_fpu_init(struct vcpu *v)
{
	uint16_t fcw = 0x37F;
	uint32_t mxcsr = 0x1F80;
	uint64_t bv = 3;

	memset(v->arch.fpu, 0, sizeof(v->arch.fpu));
	memcpy(v->arch.fpu, &fcw, sizeof(fcw));
	memcpy(v->arch.fpu + 24, &mxcsr, sizeof(mxcsr));
	if (xcr0_max)
		memcpy(v->arch.fpu + 512, &bv, sizeof(bv));
	v->arch.xcr0 = 3;
	v->arch.xcr0_accum = 3;
}

/*
 * XSETBV's checks (SDM Vol. 2, XSETBV): XCR0 is the only register, x87
 * is always on, AVX needs SSE, and only the components we offer. False
 * means #GP, as on hardware.
 */
static bool xcr0_valid(uint32_t reg, uint64_t val)
{
	return xcr0_max && reg == 0 && (val & 1) && !(val & ~xcr0_max) &&
	       (!(val & 4) || (val & 2));
}

/*
 * xsetbv from the guest. A component enabled for the first time has no
 * state of this vCPU in the registers yet, only what the vCPU that ran
 * before left there: load it from the image, whose XSTATE_BV bit for it
 * is still clear, which XRSTOR turns into the component's initial state.
 * XRSTOR of AVX alone loads MXCSR too (SDM Vol. 1 13.8.1: with RFBM[1]
 * or RFBM[2]), from the image, which holds the MXCSR of the vCPU's last
 * switch-out: the live MXCSR goes into the image first, as Xen 4.17's
 * handle_xsetbv does (its stmxcsr, with XSA-62's fix). Until 7 Dec
 * Lamina left that out, so on hardware the first xsetbv enabling AVX put
 * back an older MXCSR of the vCPU's own; QEMU's TCG loads MXCSR only with
 * RFBM[1], so tests/guest/xcr0's row for it passed there before as after.
 */
bool vcpu_set_xcr0(struct vcpu *v, uint32_t reg, uint64_t val)
{
	uint64_t fresh = val & ~v->arch.xcr0_accum;

	if (!xcr0_valid(reg, val))
		return false;
	v->arch.xcr0_accum |= val;
	if (fresh) {
		set_xcr0(v->arch.xcr0_accum);
		asm volatile("clts; stmxcsr %0" : "=m"(*(uint32_t *)(v->arch.fpu + 24)));
		asm volatile("xrstor64 %0" : : "m"(v->arch.fpu), "a"((uint32_t)fresh),
			     "d"((uint32_t)(fresh >> 32)) : "memory");
		if (v->arch.fpu_ts)
			vcpu_set_ts(v, true);	/* CR0.TS follows the virtual one */
	}
	v->arch.xcr0 = val;
	set_xcr0(val);
	return true;
}

/* data_selector_ok, without its call for a null selector (the switch-in's usual case). */
static inline bool selector_good(const struct vcpu *v, uint16_t sel)
{
	return !(sel & ~3) || data_selector_ok(v, sel);
}

/* Everything of next's that the CPU holds, and its register frame into r. */
static void load_vcpu(struct vcpu *next, struct cpu_regs *r)
{
	struct arch_vcpu *n = &next->arch;
	bool ok;

	this_cpu()->current = next;
	flush_tlb_note_cpu(next->domain, &next->domain->dirty_cpumask, this_cpu()->cpu_id);
	write_cr3(vcpu_cr3(next));
	fpu_load(next);
	vcpu_load_state(next);
	gdt_load_vcpu(next);
	ldt_load_vcpu(next);
	cr4_guest_load(n->cr4_real);
	tsc_aux_load(next);
	if (unlikely(n->nmi_pending))
		pending_work_set(PW_NMI);	/* its virtual NMI on the way in */
	/*
	 * A selector that is not good (selector_good) or whose load
	 * faults all the same loads null; then the failsafe callback, as
	 * Xen 4.17's load_segments (docs/abi-core.md §3.7).
	 */
	ok = selector_good(next, n->ds) ? load_ds(n->ds) : (load_ds(0), false);
	ok &= selector_good(next, n->es) ? load_es(n->es) : (load_es(0), false);
	ok &= selector_good(next, n->fs) ? load_fs(n->fs) : (load_fs(0), false);
	/* %gs as Xen's load_segments: each vCPU its own selector (then its base). */
	if (n->gs || read_gs_sel())
		ok &= selector_good(next, n->gs) ? load_guest_gs_sel(n->gs) :
						   (load_guest_gs_sel(0), false);
	wrmsr(MSR_FS_BASE, n->fs_base);
	wrmsr(MSR_KERNEL_GS_BASE, n->kernel_mode ? n->kernel_gs_base : n->user_gs_base);
	memcpy(r, &n->regs, sizeof(*r));
	pvclock_update(next);
	vcpu_update_runstate_area(next);
	if (unlikely(!ok)) {
		const uint16_t sels[4] = { n->ds, n->es, n->fs, n->gs };

		pv_failsafe(next, r, sels);
	}
}

/* Everything of prev's that the CPU holds, and its register frame from r, to memory. */
static void save_vcpu(struct vcpu *prev, const struct cpu_regs *r)
{
	struct arch_vcpu *p = &prev->arch;

	memcpy(&p->regs, r, sizeof(*r));
	if (p->kernel_mode)
		p->kernel_gs_base = rdmsr(MSR_KERNEL_GS_BASE);
	else
		p->user_gs_base = rdmsr(MSR_KERNEL_GS_BASE);
	p->fs_base = rdmsr(MSR_FS_BASE);
	p->ds = read_ds();
	p->es = read_es();
	p->fs = read_fs();
	p->gs = read_gs_sel();
	fpu_save(prev);
	vcpu_update_runstate_area(prev);
}

/*
 * prev out, next in (hv/sched.h). Three entry points rather than tests
 * of this_cpu()->idle: the scheduler knows which side is idle, and the
 * switch between two guests' vCPUs is on the bench-check paths.
 */
void arch_context_switch(struct vcpu *prev, struct vcpu *next, struct cpu_regs *r)
{
	save_vcpu(prev, r);
	load_vcpu(next, r);
}

/* prev out; the CPU runs on the hypervisor's own page tables (idle_l4). */
void arch_switch_to_idle(struct vcpu *prev, const struct cpu_regs *r)
{
	save_vcpu(prev, r);
	this_cpu()->current = this_cpu()->idle;
	write_cr3(virt_to_maddr(idle_l4));
	/* No guest translation here now: flushes skip this CPU (hv/flushtlb.h). */
	__atomic_fetch_or(&tlb_clean_cpus, this_cpu()->cpu_bit, __ATOMIC_SEQ_CST);
}

/* The idle vCPU out (nothing of it to save), next in. */
void arch_switch_from_idle(struct vcpu *next, struct cpu_regs *r)
{
	/* Out of the mask (a locked op: a fence) before next's tables are loaded. */
	__atomic_fetch_and(&tlb_clean_cpus, ~this_cpu()->cpu_bit, __ATOMIC_SEQ_CST);
	load_vcpu(next, r);
}

/* The first guest to run on this CPU (the boot CPU's dom0): load it and enter it. */
void __noreturn vcpu_start(struct vcpu *v)
{
	struct cpu_regs *frame = &this_cpu_ptr()->start_frame;

	sched_start(v);
	load_vcpu(v, frame);
	enter_guest_frame(frame);
}

/*
 * An AP's first vCPU: the scheduler's idle loop picked one (into this
 * CPU's start frame, from its idle vCPU), enter it.
 */
void __noreturn vcpu_enter_frame(struct cpu_regs *frame)
{
	enter_guest_frame(frame);
}
