/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trap entry for test guests. The hypervisor enters a handler with rsp at
 * the PV frame: rcx, r11, [error code], rip, cs, rflags, rsp, ss. Each stub
 * pushes its vector (and a zero error code where there is none, so every
 * frame has one shape), the common path saves the registers and calls
 * guest_trap(), then returns with the iret hypercall: it restores the
 * registers, leaves rip..ss on the stack and pushes flags, rcx, r11, rax
 * to form struct iret_context.
 */
.macro STUB vec, has_err
	.balign 16
trap_stub_\vec:
	.if \has_err
	pop	%rcx			/* hypervisor frame: rcx, r11, err, ... */
	pop	%r11
	push	$\vec			/* -> vec, err, rip ... */
	.else
	pop	%rcx
	pop	%r11
	push	$0			/* synthetic error code */
	push	$\vec
	.endif
	jmp	trap_common
.endm

	.text
.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
	STUB \v, 0
.endr
.irp v, 8,10,11,12,13,14,17,21,29,30
	STUB \v, 1
.endr
	STUB 0x80, 0
	STUB 0x81, 0

trap_common:
	/* Stack: vector, error, rip, cs, rflags, rsp, ss. Save the GPRs. */
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	call	guest_trap
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp		/* vector, error */

/*
 * guest_iret: return from any callback with the iret hypercall. Enter with
 * rip, cs, rflags, rsp, ss on the stack and rax, rcx, r11 holding the
 * values to restore (a callback pops rcx and r11 off its frame first).
 */
	.globl	guest_iret
guest_iret:
	push	$0			/* flags */
	push	%rcx
	push	%r11
	push	%rax
	mov	$23, %eax		/* __HYPERVISOR_iret */
	syscall
	ud2

	.section .rodata
	.balign 8
	.globl trap_stubs
trap_stubs:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad trap_stub_\v
.endr
	.globl trap_stub_int80, trap_stub_int81
trap_stub_int80:
	.quad trap_stub_0x80
trap_stub_int81:
	.quad trap_stub_0x81
