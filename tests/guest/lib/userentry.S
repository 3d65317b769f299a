/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The syscall callback of test guests. rsp = kernel_sp - 56: rcx, r11, rip,
 * cs, rflags, rsp, ss. System call 60 resumes the kernel after
 * enter_user(); the others record what they saw and return to user mode by
 * iret with rax = 0x1234 (system call 0 returns at once: the benchmarks'
 * null system call).
 */
	.text
	.globl syscall_entry, enter_user, enter_user_multicall
syscall_entry:
	test	%eax, %eax
	jz	3f
	pushfq
	popq	sc_flags_on_entry(%rip)
	incq	sc_count(%rip)
	mov	(%rsp), %rcx
	mov	%rcx, sc_rcx_slot(%rip)
	mov	24(%rsp), %rcx
	mov	%rcx, sc_cs_slot(%rip)
	mov	48(%rsp), %rcx
	mov	%rcx, sc_ss_slot(%rip)
	cmp	$2, %eax
	jne	1f
	mov	%rdi, sc_gs_value(%rip)
1:	cmp	$60, %eax
	je	2f
3:	pop	%rcx
	pop	%r11
	push	$0			/* flags */
	push	%rcx
	push	%r11
	push	$0x1234			/* rax */
	mov	$23, %eax
	syscall
	ud2
2:	mov	$60, %eax
back_to_kernel:				/* enter_user's caller, result in rax */
	mov	kernel_saved_rsp(%rip), %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret

/*
 * enter_user(rip, rsp): iret to user mode; returns when syscall 60 runs.
 * enter_user_multicall(rip, rsp, list, nr, rax): the same iret context
 * (rax restored as given), then multicall(list, nr), whose first entry is
 * expected to be the iret. Returns 60 when user mode makes system call
 * 60, or the multicall's own result if it comes back in kernel mode.
 */
enter_user:
	xor	%r8d, %r8d		/* rax 0 */
	xor	%edx, %edx		/* no list: the iret hypercall itself */
enter_user_multicall:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, kernel_saved_rsp(%rip)
	push	$0xe02b			/* ss */
	push	%rsi			/* rsp */
	push	user_rflags(%rip)	/* rflags: events on (0x200) unless a test says */
	push	$0xe033			/* cs: RPL 3 = user mode */
	push	%rdi			/* rip */
	push	$0			/* flags */
	push	$0			/* rcx */
	push	$0			/* r11 */
	push	%r8			/* rax */
	test	%rdx, %rdx
	jnz	1f
	mov	$23, %eax		/* __HYPERVISOR_iret */
	syscall
	ud2
1:	mov	%rdx, %rdi
	mov	%rcx, %rsi
	mov	$13, %eax		/* __HYPERVISOR_multicall */
	syscall
	jmp	back_to_kernel		/* it came back: still in kernel mode */

	.data
	.balign 8
kernel_saved_rsp:	.quad 0
	.globl user_rflags
user_rflags:		.quad 0x200
	.globl sc_count, sc_rcx_slot, sc_cs_slot, sc_ss_slot, sc_flags_on_entry, sc_gs_value
sc_count:		.quad 0
sc_rcx_slot:		.quad 0
sc_cs_slot:		.quad 0
sc_ss_slot:		.quad 0
sc_flags_on_entry:	.quad 0
sc_gs_value:		.quad 0
