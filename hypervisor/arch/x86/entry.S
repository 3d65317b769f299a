/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entry and exit paths. Every entry builds a struct cpu_regs (asm/regs.h)
 * at the top of the per-CPU stack (or below a hypervisor frame when the
 * hypervisor itself faulted) and calls C with a pointer to it.
 *
 * GS: while a guest runs, GS_BASE is the guest's and KERNEL_GS_BASE holds
 * the per-CPU pointer; entries from ring 3 `swapgs`, exits to ring 3
 * `swapgs` back. The hypervisor itself never uses guest segment registers.
 */
#include <generated/config.h>
#include <asm/layout.h>
#include <asm/entry.h>		/* offsets in struct percpu, vcpu, cpu_regs */

#define ENTRY_SYSCALL		0x100	/* asm/regs.h */
#define FLAT_RING3_CS64		0xE033	/* lamina/xen_x86_64.h */
#define FLAT_RING3_SS64		0xE02B

/* The registers C may clobber (all a lean syscall frame saves). */
.macro SAVE_VOLATILE
	push	%rdi
	push	%rsi
	push	%rdx
	push	%rcx
	push	%rax
	push	%r8
	push	%r9
	push	%r10
	push	%r11
.endm

.macro SAVE_ALL
	SAVE_VOLATILE
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
.endm

.macro RESTORE_VOLATILE
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rax
	pop	%rcx
	pop	%rdx
	pop	%rsi
	pop	%rdi
.endm

.macro RESTORE_CALLEE
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
.endm

.macro RESTORE_ALL
	RESTORE_CALLEE
	RESTORE_VOLATILE
.endm

/*
 * The return paths' tests (hypercall_exit, return_to_guest): work
 * pending, an event deliverable (pending and not masked), rip not
 * canonical; any of them goes to \slow. Leaves rip in rcx.
 */
.macro RETURN_CHECKS slow
	cmpl	$0, %gs:PERCPU_PENDING_WORK
	jne	\slow
	mov	%gs:PERCPU_CURRENT, %rax
	mov	VCPU_VCPU_INFO(%rax), %rax
	movzwl	(%rax), %eax		/* evtchn_upcall_pending, _mask */
	test	%al, %al
	jz	1f
	test	%ah, %ah
	jz	\slow			/* an event to deliver */
1:	mov	REGS_RIP(%rsp), %rcx
	mov	%rcx, %rax
	shl	$16, %rax
	sar	$16, %rax
	cmp	%rcx, %rax
	jne	\slow			/* not canonical: #GP for the guest */
.endm

/* May this frame leave by sysret (see return_to_guest)? Else \other. */
.macro SYSRET_CHECKS other
	cmpq	$ENTRY_SYSCALL, REGS_VECTOR(%rsp)
	jne	\other
	cmpq	$FLAT_RING3_CS64, REGS_CS(%rsp)
	jne	\other
	cmpq	$FLAT_RING3_SS64, REGS_SS(%rsp)
	jne	\other
.endm

/* rsp at the frame's r10, rip in rcx, rflags in r11: the rest, and out. */
.macro SYSRET_FROM_R10
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rax
	add	$8, %rsp		/* rcx: rip */
	pop	%rdx
	pop	%rsi
	pop	%rdi
	mov	REGS_RSP - REGS_VECTOR(%rsp), %rsp
	swapgs
	sysretq
.endm

#define MSR_KERNEL_GS_BASE	0xC0000102

/*
 * switch_mode (pv_traps.c) for the vCPU at rdi, to mode \kernel (0 or 1):
 * the live GS base (MSR_KERNEL_GS_BASE while we run) to \save_gs, the
 * mode, CR3 = \cr3 with the flush clock read before it and stored as
 * this CPU's flush time after it, as write_cr3 does (a domain's dirty
 * mask changes at a context switch only), MSR_KERNEL_GS_BASE = \load_gs.
 * Clobbers rax, rcx, rdx.
 */
.macro SWITCH_MODE save_gs, kernel, cr3, load_gs
	mov	$MSR_KERNEL_GS_BASE, %ecx
	rdmsr
	shl	$32, %rdx
	or	%rdx, %rax
	mov	%rax, \save_gs(%rdi)
	movb	$\kernel, VCPU_KERNEL_MODE(%rdi)
	mov	tlbflush_clock(%rip), %rdx
	mov	\cr3(%rdi), %rax
	mov	%rax, %cr3
	mov	%rdx, %gs:PERCPU_TLBFLUSH_TIME
	mov	\load_gs(%rdi), %rax
	mov	%rax, %rdx
	shr	$32, %rdx
	wrmsr
.endm

/* guest_range_ok(\va, \len) (hv/guest_access.h), else \fail. Clobbers rax, rcx. */
.macro GUEST_RANGE_OK va, len, fail
	mov	\va, %rax
	add	$\len, %rax
	jc	\fail				/* wraps */
	movabs	$0x0000800000000000, %rcx
	cmp	%rcx, %rax
	jbe	.Lrange_ok\@			/* the lower half */
	movabs	$0xFFFF880000000000, %rcx	/* HYPERVISOR_VIRT_END */
	cmp	%rcx, \va
	jb	\fail
.Lrange_ok\@:
.endm

/* One quadword of a bounce frame to the guest stack at r9; a fault: .Lbounce_fault. */
.macro BOUNCE_STORE reg, off
1:	mov	\reg, \off(%r9)
	.pushsection __ex_table, "a"
	.balign 8
	.quad	1b, .Lbounce_fault
	.popsection
.endm

/*
 * syscall: from guest kernel mode it is a hypercall, from guest user mode
 * a guest system call. The CPU left rip in rcx and rflags in r11 and did
 * not switch stacks; FMASK cleared IF, TF, DF, AC and NT.
 *
 * The frame is lean: rbx, rbp and r12-r15 keep the guest's values in the
 * registers (C preserves them) and their slots stay unwritten until
 * hypercall_exit stores them, on its way to work that reads the whole
 * frame (a context switch, an event or a #GP to deliver). Nothing reads
 * those slots of a syscall frame before that.
 *
 * A hypercall is dispatched here: the arguments go on the stack as a
 * struct hc_args straight from their registers, the number is bounded
 * (and clamped under speculation) by the table's size, and the handler
 * is called. A plain result goes to rax; a continuation, page tables
 * waiting to be released and every call of a debug build go through
 * hypercall_finish (pv.c). A guest user's system call is bounced to its
 * callback by .Lsyscall_user below (do_syscall when that cannot), an
 * unknown number from guest kernel mode goes to do_syscall.
 */
	.text
	.globl syscall_entry
syscall_entry:
	swapgs
	mov	%rsp, %gs:PERCPU_SCRATCH
	mov	%gs:PERCPU_STACK_TOP, %rsp
	push	$FLAT_RING3_SS64	/* ss: FLAT_KERNEL_SS */
	push	%gs:PERCPU_SCRATCH	/* rsp */
	push	%r11			/* rflags */
	push	$FLAT_RING3_CS64	/* cs: FLAT_KERNEL_CS */
	push	%rcx			/* rip */
	push	$0			/* error code */
	push	$ENTRY_SYSCALL		/* vector */
	SAVE_VOLATILE
	sub	$REGS_R11, %rsp		/* rbx, rbp, r12-r15: see above */
	cmp	hypercall_slots(%rip), %rax
	jae	.Lsyscall_nr_high
	sbb	%rcx, %rcx		/* all ones: rax is in range */
	and	%rcx, %rax		/* ... also under speculation */
	push	%r8			/* struct hc_args */
	push	%r10
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rax
	mov	%gs:PERCPU_CURRENT, %rdi
	cmpb	$0, VCPU_KERNEL_MODE(%rdi)
	je	.Lsyscall_user		/* guest user mode: its system call */
	lea	(%rax,%rax,2), %rcx
	lea	hypercalls(%rip), %r11
	mov	(%r11,%rcx,8), %r11	/* hypercalls[nr].fn */
	test	%r11, %r11
	jz	.Lsyscall_c_args
	mov	%rsp, %rsi
	call	*%r11
#ifndef CONFIG_DEBUG
	cmp	$-ENTRY_ERESTART, %rax
	je	.Lhypercall_finish
	cmpl	$0, pt_release_lists(%rip)
	jne	.Lhypercall_finish
	add	$HC_ARGS_SIZE, %rsp
	mov	%rax, REGS_RAX(%rsp)
	jmp	hypercall_exit
#endif
.Lhypercall_finish:
	mov	%rsp, %rsi
	lea	HC_ARGS_SIZE(%rsp), %rdi
	mov	%rax, %rdx
	call	hypercall_finish
	add	$HC_ARGS_SIZE, %rsp
	jmp	hypercall_exit
.Lsyscall_c_args:
	add	$HC_ARGS_SIZE, %rsp
.Lsyscall_c:
	mov	%rsp, %rdi
	call	do_syscall
	jmp	hypercall_exit

/*
 * A guest user's system call (rdi = the current vCPU; the lean frame at
 * rsp + HC_ARGS_SIZE, or at rsp for a number past the hypercalls): the bounce to its syscall callback built here,
 * pv_guest_syscall and pv_bounce (pv_traps.c, from user mode, no error
 * code) line by line, else the C path with nothing changed:
 *  1. no callback registered: C (the #UD at the syscall); runstate or
 *     time area writes missed in user mode (arch.areas_pending): C,
 *     whose switch_mode makes them;
 *  2. sp = (arch.kernel_sp & ~15) - 56, and guest_range_ok(sp, 56), else
 *     C (the domain crash after its mode switch; the test does not
 *     depend on the mode, so it can come first);
 *  3. mask = vcpu_info->evtchn_upcall_mask, read before the mode switch;
 *  4. switch_mode(v, true): MSR_KERNEL_GS_BASE (the live user GS base)
 *     to arch.user_gs_base, kernel_mode = true, CR3 = arch.guest_cr3 with
 *     this CPU's flush time (write_cr3), MSR_KERNEL_GS_BASE = kernel_gs_base;
 *  5. the frame at sp, each store in __ex_table, between stac and clac
 *     with SMAP: rcx, r11, rip, cs | mask << 32, rflags without IF and
 *     IOPL, with IF = !mask and the virtual IOPL with
 *     VMASST_TYPE_architectural_iopl, rsp, ss. A store that faults is
 *     pv_bounce_fault (the domain crash), then DF cleared as below and
 *     out, as pv_bounce's fault path returns to pv_guest_syscall;
 *  6. rip = the callback, FLAT_KERNEL_CS/SS, rsp = sp, rflags without
 *     TF, NT, RF, VM, AC (HANDLER_CLEARS) and DF; with the callback's
 *     mask_events, evtchn_upcall_mask = 1;
 *  7. out through hypercall_exit as do_syscall's return goes.
 */
.Lsyscall_nr_high:			/* no hypercall: whose system call? */
	mov	%gs:PERCPU_CURRENT, %rdi
	cmpb	$0, VCPU_KERNEL_MODE(%rdi)
	jne	.Lsyscall_c
	jmp	.Lsyscall_user_frame
	.globl syscall_user_bounce	/* a name for tests/bench/path-trace */
.Lsyscall_user:
syscall_user_bounce:
	add	$HC_ARGS_SIZE, %rsp
.Lsyscall_user_frame:
	mov	VCPU_SYSCALL_CB(%rdi), %r8
	test	%r8, %r8
	jz	.Lsyscall_c			/* no callback: #UD */
	cmpb	$0, VCPU_AREAS_PENDING(%rdi)
	jne	.Lsyscall_c			/* areas to write at kernel entry: switch_mode */
	mov	VCPU_KERNEL_SP(%rdi), %r9
	and	$~15, %r9
	sub	$56, %r9			/* sp: seven quadwords */
	GUEST_RANGE_OK %r9, 56, .Lsyscall_c
	mov	VCPU_VCPU_INFO(%rdi), %rsi
	movzbl	1(%rsi), %r10d			/* the event mask */
	SWITCH_MODE VCPU_USER_GS_BASE, 1, VCPU_GUEST_CR3, VCPU_KERNEL_GS_BASE	/* switch_mode(v, true) */
	mov	REGS_RFLAGS(%rsp), %rdx		/* the frame's rflags */
	and	$~0x3200, %rdx			/* IF, IOPL */
	test	%r10d, %r10d
	jnz	2f
	or	$0x200, %rdx			/* IF: !mask */
2:	mov	VCPU_DOMAIN(%rdi), %rax
	testb	$1 << 4, DOMAIN_VM_ASSIST(%rax)	/* architectural_iopl */
	jz	3f
	movzbl	VCPU_IOPL(%rdi), %eax
	shl	$12, %eax
	or	%rax, %rdx
3:	shl	$32, %r10
	or	REGS_CS(%rsp), %r10		/* cs | mask << 32 */
	cmpb	$0, cpu_has_smap(%rip)
	je	4f
	stac
4:	mov	REGS_RCX(%rsp), %rax
	BOUNCE_STORE %rax, 0
	mov	REGS_R11(%rsp), %rax
	BOUNCE_STORE %rax, 8
	mov	REGS_RIP(%rsp), %rax
	BOUNCE_STORE %rax, 16
	BOUNCE_STORE %r10, 24
	BOUNCE_STORE %rdx, 32
	mov	REGS_RSP(%rsp), %rax
	BOUNCE_STORE %rax, 40
	mov	REGS_SS(%rsp), %rax
	BOUNCE_STORE %rax, 48
	cmpb	$0, cpu_has_smap(%rip)
	je	5f
	clac
5:	mov	%r8, REGS_RIP(%rsp)
	movq	$FLAT_RING3_CS64, REGS_CS(%rsp)	/* FLAT_KERNEL_CS */
	movq	$FLAT_RING3_SS64, REGS_SS(%rsp)	/* FLAT_KERNEL_SS */
	mov	%r9, REGS_RSP(%rsp)
	andq	$~0x74500, REGS_RFLAGS(%rsp)	/* TF NT RF VM AC, and DF */
	cmpb	$0, VCPU_SYSCALL_MASK(%rdi)
	je	hypercall_exit
	movb	$1, 1(%rsi)			/* mask_events */
	jmp	hypercall_exit
.Lbounce_fault:
	cmpb	$0, cpu_has_smap(%rip)
	je	6f
	clac
6:	mov	%r9, %rsi
	call	pv_bounce_fault			/* rdi: the vCPU */
	andq	$~0x400, REGS_RFLAGS(%rsp)	/* DF, as pv_guest_syscall */
	jmp	hypercall_exit

/*
 * Leave a lean syscall frame (above): by sysret when nothing is pending,
 * no event is deliverable, rip is canonical and the frame still goes back
 * by syscall's rules (return_to_guest); by iretq straight from here when
 * only the last fails; else the callee-saved registers go into the frame
 * and return_to_guest takes over.
 */
hypercall_exit:
	cli
	RETURN_CHECKS .Lhypercall_full
	mov	REGS_RFLAGS(%rsp), %r11
	and	$GUEST_RFLAGS_MASK, %r11d
	or	$0x202, %r11d		/* IF, and the always-one bit */
	SYSRET_CHECKS .Lhypercall_iret
.Lhypercall_sysret:
	add	$REGS_R10, %rsp
	SYSRET_FROM_R10
/*
 * The checks passed but the frame does not go back by sysret as it
 * stands (an iret hypercall to a guest GDT selector, or one restoring
 * rcx and r11): return_to_guest's work from its checks on, without
 * storing rbx, rbp and r12-r15, which still hold the guest's values.
 * Its RPL 3 forcing first, and the sysret test again after it, so the
 * way out is the one return_to_guest would take.
 */
.Lhypercall_iret:
	mov	%r11, REGS_RFLAGS(%rsp)
	orq	$3, REGS_CS(%rsp)
	orq	$3, REGS_SS(%rsp)
	SYSRET_CHECKS .Lhypercall_iretq	/* rip still in rcx, rflags in r11 */
	jmp	.Lhypercall_sysret
.Lhypercall_iretq:
	add	$REGS_R11, %rsp
	RESTORE_VOLATILE
	add	$16, %rsp
	swapgs
iretq_to_guest_hc:			/* a fault here: .Liretq_fault */
	iretq
.Lhypercall_full:
	mov	%r15, 0(%rsp)
	mov	%r14, 8(%rsp)
	mov	%r13, 16(%rsp)
	mov	%r12, 24(%rsp)
	mov	%rbp, 32(%rsp)
	mov	%rbx, REGS_RBX(%rsp)
	jmp	return_to_guest

/*
 * The iret hypercall (hypercalls[23]), called by syscall_entry's dispatch
 * as any handler is (rdi = the current vCPU, rsi = its struct hc_args;
 * rbx, rbp and r12-r15 still hold the guest's values and stay untouched).
 * The common cases are done here: a 64-bit guest kernel going back to
 * guest user mode, or within guest kernel mode, on the flat 64-bit
 * selectors or on a code and a data selector of the first page of its own
 * GDT (Linux's __USER_CS 0x33, __USER_DS 0x2b). Anything else, and any check that fails, goes to hc_iret_slow
 * (pv_traps.c) with nothing changed; it decides all over again from its
 * own copy of the context, so every error, crash and #GP is the C path's.
 * hc_iret_slow's effects in its order, switch_mode(v, false) inline:
 *  1. the 72-byte context is read from the guest stack at r->rsp as
 *     copy_from_guest reads it: guest_range_ok(r->rsp, 72), then between
 *     stac and clac (with SMAP), every load listed in __ex_table; a fault
 *     is the C path's (the domain crash). Nine `push`es copy it to our
 *     stack;
 *  2. cs and ss count by their low 16 bits; cs RPL 3 is a return to user
 *     mode, which needs a user page table (none: C, the domain crash);
 *  3. a selector pair iret_target_fault refuses is the C path's #GP (any
 *     rsp is taken, canonical or not, as iretq and Xen 4.17 take it).
 *     Taken here: ss|3 FLAT_RING3_SS64 or a present writable data
 *     descriptor, cs|3 FLAT_RING3_CS64 or a present 64-bit
 *     code descriptor, read from the GDT's first frame through the direct
 *     map (index bounded by gdt_entries and clamped under speculation as
 *     array_index_nospec does). An LDT selector, an index from
 *     gdt_entries (C bounds it by the GDT's frames, as an iretq on Xen
 *     4.17 loads it) or past 511, 32-bit code, anything else: C;
 *  4. vcpu_info->evtchn_upcall_mask = !(rflags & IF) (and a virtual NMI's
 *     mask cleared: hc_iret_slow only, taken whenever it is set);
 *  5. with VMASST_TYPE_architectural_iopl: arch.iopl = rflags.IOPL;
 *  6. to user mode, switch_mode(v, false): kernel_mode is true here
 *     (syscall_entry calls handlers in guest kernel mode only), so the
 *     live GS base (MSR_KERNEL_GS_BASE while we run) goes to
 *     arch.kernel_gs_base, kernel_mode = false, CR3 = arch.user_cr3 with
 *     the flush time as write_cr3 does (a domain's dirty mask changes
 *     at a context switch only), MSR_KERNEL_GS_BASE = arch.user_gs_base;
 *  7. the frame: r11, rcx from the context and vector ENTRY_IRET unless
 *     flags has VGCF_in_syscall; rip, cs|3, rflags (hypercall_exit
 *     sanitises it), rsp, ss|3; rax is returned, and the dispatch stores
 *     it in the frame (hc_iret_slow stores r->rax and returns it).
 * Interrupts stay off throughout (syscall's FMASK), as in the C path.
 */
#define HC_IRET_REGS(f)		(REGS_##f - CPU_REGS_SIZE)	/* off the stack top */
#define DESC_P_S		((1 << 47) | (1 << 44))
#define DESC_CODE		(1 << 43)
#define DESC_WRITABLE		(1 << 41)
#define DESC_LONG		(1 << 53)
#define VGCF_in_syscall		0x100

/* One quadword of the guest's context onto our stack; a fault: .Liret_fault. */
.macro IRET_LOAD off
1:	push	\off(%r8)
	.pushsection __ex_table, "a"
	.balign 8
	.quad	1b, .Liret_fault
	.popsection
.endm

/*
 * rax = the descriptor the GDT selector in \sel (a 32-bit register) names
 * for the vCPU at rdi, from the first GDT frame, as guest_descriptor
 * reads it; an LDT selector, NULL, an index from gdt_entries or from 512
 * on: \slow. Clobbers rcx and r9.
 */
.macro GDT_DESC sel, slow
	test	$4, \sel
	jnz	\slow
	mov	\sel, %eax
	shr	$3, %eax
	jz	\slow
	cmp	$512, %eax
	jae	\slow
	cmp	VCPU_GDT_ENTRIES(%rdi), %eax
	jae	\slow
	sbb	%rcx, %rcx		/* all ones: in range ... */
	and	%rcx, %rax		/* ... also under speculation */
	mov	VCPU_GDT_FRAMES(%rdi), %rcx
	shl	$12, %rcx
	movabs	$HV_DIRECTMAP_BASE, %r9
	add	%r9, %rcx
	mov	(%rcx,%rax,8), %rax
.endm

	.globl hc_iret
hc_iret:
	cmpb	$0, VCPU_NMI_MASKED(%rdi)
	jne	.Liret_slow			/* a virtual NMI's handler returns: C */
	mov	%gs:PERCPU_STACK_TOP, %rdx
	mov	HC_IRET_REGS(RSP)(%rdx), %r8	/* the context, on the guest stack */
	GUEST_RANGE_OK %r8, IRET_CTX_SIZE, .Liret_slow
	mov	%rsp, %r9
	cmpb	$0, cpu_has_smap(%rip)
	je	2f
	stac
2:	IRET_LOAD IRET_CTX_SS
	IRET_LOAD IRET_CTX_RSP
	IRET_LOAD IRET_CTX_RFLAGS
	IRET_LOAD IRET_CTX_CS
	IRET_LOAD IRET_CTX_RIP
	IRET_LOAD IRET_CTX_FLAGS
	IRET_LOAD IRET_CTX_RCX
	IRET_LOAD IRET_CTX_R11
	IRET_LOAD IRET_CTX_RAX
	cmpb	$0, cpu_has_smap(%rip)
	je	3f
	clac
3:	mov	%rdx, %r8			/* the stack top, r below it */
	movzwl	IRET_CTX_CS(%rsp), %r10d
	movzwl	IRET_CTX_SS(%rsp), %r11d
	mov	%r10d, %eax
	not	%eax
	test	$3, %eax
	jnz	1f				/* within guest kernel mode */
	cmpq	$0, VCPU_USER_CR3(%rdi)
	je	.Liret_slow_pop			/* no user page table: crash */
1:	or	$3, %r10d
	or	$3, %r11d
	cmp	$FLAT_RING3_SS64, %r11d
	je	4f
	GDT_DESC %r11d, .Liret_slow_pop
	movabs	$DESC_P_S | DESC_CODE | DESC_WRITABLE, %rcx
	and	%rcx, %rax
	movabs	$DESC_P_S | DESC_WRITABLE, %rcx
	cmp	%rcx, %rax
	jne	.Liret_slow_pop			/* not writable data: #GP */
4:	cmp	$FLAT_RING3_CS64, %r10d
	je	5f
	GDT_DESC %r10d, .Liret_slow_pop
	movabs	$DESC_P_S | DESC_CODE | DESC_LONG, %rcx
	and	%rcx, %rax
	cmp	%rcx, %rax
	jne	.Liret_slow_pop			/* not 64-bit code: C decides */
5:	mov	VCPU_VCPU_INFO(%rdi), %rax	/* checks done: the effects */
	testl	$0x200, IRET_CTX_RFLAGS(%rsp)
	sete	1(%rax)				/* evtchn_upcall_mask = !IF */
	mov	VCPU_DOMAIN(%rdi), %rax
	testb	$1 << 4, DOMAIN_VM_ASSIST(%rax)	/* architectural_iopl */
	jz	6f
	mov	IRET_CTX_RFLAGS(%rsp), %eax
	shr	$12, %eax
	and	$3, %eax
	mov	%al, VCPU_IOPL(%rdi)
6:	mov	IRET_CTX_CS(%rsp), %eax
	not	%eax
	test	$3, %eax
	jnz	7f				/* to guest kernel mode: no switch */
	SWITCH_MODE VCPU_KERNEL_GS_BASE, 0, VCPU_USER_CR3, VCPU_USER_GS_BASE	/* switch_mode(v, false) */
7:	testl	$VGCF_in_syscall, IRET_CTX_FLAGS(%rsp)	/* the frame */
	jnz	8f
	mov	IRET_CTX_R11(%rsp), %rax
	mov	%rax, HC_IRET_REGS(R11)(%r8)
	mov	IRET_CTX_RCX(%rsp), %rax
	mov	%rax, HC_IRET_REGS(RCX)(%r8)
	movq	$ENTRY_IRET_VECTOR, HC_IRET_REGS(VECTOR)(%r8)
8:	mov	IRET_CTX_RIP(%rsp), %rax
	mov	%rax, HC_IRET_REGS(RIP)(%r8)
	mov	%r10, HC_IRET_REGS(CS)(%r8)
	mov	IRET_CTX_RFLAGS(%rsp), %rax
	mov	%rax, HC_IRET_REGS(RFLAGS)(%r8)
	mov	IRET_CTX_RSP(%rsp), %rax
	mov	%rax, HC_IRET_REGS(RSP)(%r8)
	mov	%r11, HC_IRET_REGS(SS)(%r8)
	pop	%rax				/* the context's rax: returned */
	add	$IRET_CTX_SIZE - 8, %rsp
	ret
.Liret_fault:					/* a load faulted: C crashes the domain */
	mov	%r9, %rsp
	cmpb	$0, cpu_has_smap(%rip)
	je	.Liret_slow
	clac
	jmp	.Liret_slow
.Liret_slow_pop:
	add	$IRET_CTX_SIZE, %rsp
.Liret_slow:
	jmp	hc_iret_slow			/* rdi, rsi as we were called */

/*
 * syscall from 32-bit compatibility mode (MSR_CSTAR; AMD-style CPUs, Intel
 * raises #UD instead). Always the guest's syscall32 callback, never a
 * hypercall, as on Xen: the frame says FLAT_USER_CS32/SS32 and the C side
 * bounces it (docs/abi-core.md §2.8). Same register state as syscall_entry.
 */
	.globl cstar_entry
cstar_entry:
	swapgs
	mov	%rsp, %gs:PERCPU_SCRATCH
	mov	%gs:PERCPU_STACK_TOP, %rsp
	push	$0xE02B			/* ss: FLAT_USER_SS32 */
	push	%gs:PERCPU_SCRATCH	/* rsp */
	push	%r11			/* rflags */
	push	$0xE023			/* cs: FLAT_USER_CS32 */
	push	%rcx			/* rip */
	push	$0			/* error code */
	push	$0x101			/* vector: ENTRY_SYSCALL32 */
	SAVE_ALL
	mov	%rsp, %rdi
	call	do_syscall32
	jmp	return_to_guest

/*
 * sysenter (Intel-style CPUs; AMD raises #UD in long mode): the CPU
 * loaded rsp from MSR_SYSENTER_ESP (the top of this CPU's stack) and
 * cleared only IF, VM and RF, and it saved no return address. A guest's
 * TF, NT, AC and DF are still live: TF single-steps these first
 * instructions (the ring-0 #DB handler lets them go), NT would make our
 * own iretq fault, AC would switch SMAP off. So the guest's flags go into
 * the frame first and a clean set is loaded at once. The frame is Xen's:
 * rip 0, cs 3 (null, RPL 3), rsp 0, ss FLAT_USER_SS.
 */
	.globl sysenter_entry, sysenter_flags_clean
sysenter_entry:
	push	$0xE02B			/* ss: FLAT_USER_SS */
	push	$0			/* rsp: not saved by sysenter */
	pushfq				/* rflags: the guest's, IF cleared */
	push	$2
	popfq
sysenter_flags_clean:
	swapgs
	push	$3			/* cs */
	push	$0			/* rip */
	push	$0			/* error code */
	push	$0x102			/* vector: ENTRY_SYSENTER */
	SAVE_ALL
	mov	%rsp, %rdi
	call	do_sysenter
	jmp	return_to_guest

/*
 * Exception and interrupt stubs: push a zero error code where the CPU does
 * not, then the vector, and join the common path.
 */
.macro STUB_NOERR label, vec
	.balign 16
\label:
	push	$0
	push	$\vec
	jmp	exception_common
.endm
.macro EXC_NOERR vec
	STUB_NOERR exc_\vec, \vec
.endm
.macro EXC_ERR vec
	.balign 16
exc_\vec:
	push	$\vec
	jmp	exception_common
.endm
/* The vectors on IST stacks (asm/layout.h): see ist_common. */
.macro EXC_IST vec, has_err
	.balign 16
exc_\vec:
	.if !\has_err
	push	$0
	.endif
	push	$\vec
	jmp	ist_common
.endm

EXC_NOERR 0
EXC_IST   1, 0
EXC_IST   2, 0
EXC_NOERR 3
EXC_NOERR 4
EXC_NOERR 5
EXC_NOERR 6
EXC_NOERR 7
EXC_IST   8, 1
EXC_NOERR 9
EXC_ERR   10
EXC_ERR   11
EXC_ERR   12
EXC_ERR   13
EXC_ERR   14
EXC_NOERR 15
EXC_NOERR 16
EXC_ERR   17
EXC_IST   18, 0
EXC_NOERR 19
EXC_NOERR 20
EXC_ERR   21
EXC_NOERR 22
EXC_NOERR 23
EXC_NOERR 24
EXC_NOERR 25
EXC_NOERR 26
EXC_NOERR 27
EXC_NOERR 28
EXC_ERR   29
EXC_ERR   30
EXC_NOERR 31

	.globl irq_timer, irq_spurious, irq_ipi_call, irq_ipi_stop, irq_ipi_event, irq_ipi_timer
	.globl irq_ipi_hold
	STUB_NOERR irq_timer, 0xf0
	STUB_NOERR irq_ipi_call, 0xf1	/* asm/apic.h: IPI_CALL_VECTOR */
	STUB_NOERR irq_ipi_stop, 0xf2	/* IPI_STOP_VECTOR */
	STUB_NOERR irq_ipi_event, 0xf3	/* IPI_EVENT_VECTOR */
	STUB_NOERR irq_ipi_timer, 0xf4	/* IPI_TIMER_VECTOR */
	STUB_NOERR irq_ipi_hold, 0xf5	/* IPI_HOLD_VECTOR */
	STUB_NOERR irq_spurious, 0xff

/* Device interrupts (arch/x86/irq.c): vectors IRQ_VECTOR_FIRST on, one a GSI. */
.macro IRQ_STUB vec
	STUB_NOERR irq_\vec, \vec
.endm
	.irp v, 0x30,0x31,0x32,0x33,0x34,0x35,0x36,0x37,0x38,0x39,0x3a,0x3b,0x3c,0x3d,0x3e,0x3f,0x40,0x41,0x42,0x43,0x44,0x45,0x46,0x47,0x48,0x49,0x4a,0x4b,0x4c,0x4d,0x4e,0x4f
	IRQ_STUB \v
	.endr

/*
 * An exception or interrupt gate clears IF and TF but leaves the
 * interrupted DF and AC. C code needs DF clear (with DF set, the `rep
 * movsb` of a guest copy runs backwards, below its buffers), and AC would
 * switch SMAP off; the saved rflags keep the guest's.
 */
.macro CLEAR_DF_AC
	cld
	pushfq
	andq	$~0x40000, (%rsp)	/* AC */
	popfq
.endm

/* Copies the frame at %rsi to the top of this CPU's stack; %rsp points at it. */
.macro FRAME_TO_STACK_TOP
	mov	%gs:PERCPU_STACK_TOP, %rdi
	sub	$CPU_REGS_SIZE, %rdi
	mov	%rdi, %rsp
	mov	$CPU_REGS_SIZE / 8, %ecx
	rep movsq
.endm

exception_common:
	testb	$3, 24(%rsp)		/* cs of the interrupted context */
	jz	.Lexc_from_hv
	swapgs
.Lexc_save:
	SAVE_ALL
	CLEAR_DF_AC
	mov	%rsp, %rdi
	call	do_exception
	testb	$3, 15*8+24(%rsp)
	jnz	return_to_guest
	RESTORE_ALL
	add	$16, %rsp
	iretq

/*
 * From ring 0. One case is not the hypervisor's own: our iretq back to a
 * guest (iretq_to_guest, iretq_to_guest_hc) faults when the frame's CS or
 * SS no longer names a usable descriptor (#NP, #SS, #GP: another vCPU of
 * the domain rewrote its GDT or LDT entry with update_descriptor while
 * the frame waited here) or names an LDT page not mapped on this CPU yet
 * (#PF). That fault is the guest's, as Xen 4.17 makes it (.Lft0 in its
 * entry.S): delivered at the interrupted guest context. Here the guest's
 * GS base is loaded (swapgs came before the iretq) and every register
 * holds the guest's value, so: swapgs back, the registers and the fault's
 * vector and error code below the fault frame, then copied (top down:
 * the guest's frame lies above and they overlap) into the guest's frame
 * at the top of the stack, whose rip, cs, rflags, rsp and ss the iretq
 * was loading and the CPU left alone; pv_iret_fault on it, and out.
 * The IST vectors (#DB, NMI, #DF, #MC) never come this way (ist_common).
 */
.Lexc_from_hv:
	cmpq	$11, (%rsp)		/* vector: #NP, #SS, #GP or #PF */
	jb	.Lexc_save
	cmpq	$14, (%rsp)
	ja	.Lexc_save
	push	%rax
	lea	iretq_to_guest(%rip), %rax
	cmp	%rax, 24(%rsp)		/* rip: pushed rax, vector, error */
	je	.Liretq_fault_pop
	lea	iretq_to_guest_hc(%rip), %rax
	cmp	%rax, 24(%rsp)
	pop	%rax
	jne	.Lexc_save
	jmp	.Liretq_fault
.Liretq_fault_pop:
	pop	%rax
.Liretq_fault:
	swapgs
	SAVE_ALL
	CLEAR_DF_AC
	mov	%rsp, %rsi
	mov	%gs:PERCPU_STACK_TOP, %rdi
	sub	$CPU_REGS_SIZE - REGS_RIP + 8, %rdi	/* the guest frame's error code */
	lea	REGS_RIP - 8(%rsi), %rsi		/* ... and this frame's */
	mov	$REGS_RIP / 8, %ecx			/* r15 .. error code */
	std
	rep movsq
	cld
	mov	%gs:PERCPU_STACK_TOP, %rsp
	sub	$CPU_REGS_SIZE, %rsp
	mov	%rsp, %rdi
	call	pv_iret_fault
	jmp	return_to_guest

/*
 * #DB, NMI, #DF and #MC arrive on their own IST stacks, so a #DB taken on
 * syscall_entry's first instruction (guest stack, guest GS: see IST_DB in
 * asm/layout.h) runs on a stack of ours. From a guest, the frame moves to
 * the top of the per-CPU stack where every guest frame lives, and the IST
 * stack is free again before anything can nest: the handler may copy to
 * guest memory, which may hit another of the guest's data breakpoints (a
 * #DB on this same IST stack).
 *
 * From ring 0 the GS base cannot be trusted: these vectors also land in
 * the few instructions where the CPU is in ring 0 with the guest's GS
 * base still (or already) loaded: syscall_entry and cstar_entry before
 * their swapgs, sysenter_entry before sysenter_flags_clean's, the
 * exception stubs and exception_common before theirs (and .Liretq_fault
 * before its own), between every swapgs and the sysretq or iretq after
 * it. A guest with FSGSBASE puts any value there, so a %gs-relative read
 * would read (or write) memory of the guest's choosing. The CS RPL says
 * nothing about it, so the live GS base (MSR_GS_BASE) is compared with
 * this CPU's struct percpu pointer, read from the top of this IST stack
 * (IST_TOP_RESERVE, asm/layout.h) rather than through GS; when they
 * differ the guest's base is live: swapgs for C, and swapgs back before
 * the iretq, so the interrupted instruction finds what it left. A base
 * that happens to equal ours (the guest may write that value too) needs
 * no swap: the live base is then ours either way. rbx (callee-saved)
 * keeps the answer across the call, and C is told (esi).
 */
#define MSR_GS_BASE	0xC0000101

ist_common:
	testb	$3, 24(%rsp)		/* cs of the interrupted context */
	jz	.List_from_hv
	swapgs
	SAVE_ALL
	CLEAR_DF_AC
	mov	%rsp, %rsi
	FRAME_TO_STACK_TOP
	mov	%rsp, %rdi
	xor	%esi, %esi
	call	do_ist_exception
	jmp	return_to_guest
.List_from_hv:
	SAVE_ALL
	CLEAR_DF_AC
	mov	$MSR_GS_BASE, %ecx
	rdmsr
	shl	$32, %rdx
	or	%rdx, %rax
	xor	%ebx, %ebx
	cmp	CPU_REGS_SIZE(%rsp), %rax	/* the percpu pointer above the frame */
	je	1f
	swapgs				/* the guest's base was live */
	mov	$1, %ebx
1:	mov	%rsp, %rdi
	mov	%ebx, %esi
	call	do_ist_exception
	test	%ebx, %ebx
	jz	2f
	swapgs				/* the guest's base again, as we found it */
2:	RESTORE_ALL
	add	$16, %rsp
	iretq

/*
 * Leave for the guest whose frame is at the top of this stack. Straight
 * out when no work is pending (one word: PW_* in asm/entry.h), no event
 * is deliverable and rip is canonical; else prepare_return_to_guest
 * first (scheduling, the #GP for a non-canonical rip, the event upcall).
 * Either way the flags are those a ring-3 guest may hold.
 *
 * A frame that entered by syscall and goes back to the flat 64-bit ring-3
 * selectors leaves by sysret, as on Xen: the guest's rcx and r11 are not
 * its own to keep there (the syscall took them, and a bounce to the guest
 * kernel saved them in the guest's frame); an iret hypercall that restores
 * them turns the frame's vector into ENTRY_IRET. rip is canonical by then,
 * so sysret cannot fault in ring 0 on the guest's stack (Intel's sysret
 * hazard). Everything else leaves by iretq. Interrupts stay off until
 * the guest runs.
 */
	.globl return_to_guest
return_to_guest:
	cli
	RETURN_CHECKS .Lslow
	mov	REGS_RFLAGS(%rsp), %rax
	and	$GUEST_RFLAGS_MASK, %eax
	or	$0x202, %eax		/* IF, and the always-one bit */
	mov	%rax, REGS_RFLAGS(%rsp)
	orq	$3, REGS_CS(%rsp)
	orq	$3, REGS_SS(%rsp)
.Lleave:
	SYSRET_CHECKS .Liret
	mov	REGS_RIP(%rsp), %rcx
	mov	REGS_RFLAGS(%rsp), %r11
	RESTORE_CALLEE
	add	$8, %rsp		/* r11: rflags */
	SYSRET_FROM_R10
.Liret:
	RESTORE_ALL
	add	$16, %rsp
	swapgs
iretq_to_guest:				/* a fault here: .Liretq_fault */
	iretq
.Lslow:
	mov	%rsp, %rdi
	call	prepare_return_to_guest
	jmp	.Lleave

/*
 * Start a vCPU from the frame at %rdi (not on this stack): copy it to the
 * top of the stack, dropping whatever C frames were there, and leave.
 */
	.globl enter_guest_frame
enter_guest_frame:
	mov	%rdi, %rsi
	FRAME_TO_STACK_TOP
	jmp	return_to_guest

/* The table of stub addresses C uses to fill the IDT. */
	.section .rodata
	.balign 8
	.globl exception_stubs
exception_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad exc_\v
	.endr
	.globl irq_stubs
irq_stubs:
	.irp v, 0x30,0x31,0x32,0x33,0x34,0x35,0x36,0x37,0x38,0x39,0x3a,0x3b,0x3c,0x3d,0x3e,0x3f,0x40,0x41,0x42,0x43,0x44,0x45,0x46,0x47,0x48,0x49,0x4a,0x4b,0x4c,0x4d,0x4e,0x4f
	.quad irq_\v
	.endr
