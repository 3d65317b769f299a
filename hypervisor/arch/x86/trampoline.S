/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AP start-up. smp.c copies trampoline_start .. trampoline_end to
 * TRAMPOLINE_PA (below 1 MiB, page aligned) and sends INIT-SIPI-SIPI with
 * that page: the AP starts here in real mode at CS = TRAMPOLINE_PA >> 4,
 * IP = 0. It goes through 32-bit protected mode to long mode on head.S's
 * boot_l4 (still intact: the first GiB identity mapped and at the image
 * base), jumps to ap_entry64 at the image's address, moves to the idle
 * page tables and its own stack (ap_boot_cr3, ap_boot_stack, set by smp.c
 * for the AP being started) and calls ap_start. The code is copied as
 * is, so every address in it is TRAMPOLINE_PA plus an offset, or absolute
 * (ap_entry64, boot_l4's physical address).
 */
#include <asm/layout.h>
#include <asm/smp_boot.h>
#include <asm/boot.h>

#define TR(x)		(TRAMPOLINE_PA + ((x) - trampoline_start))

	.section .rodata, "a"
	.balign 16
	.globl trampoline_start, trampoline_end
	.code16
trampoline_start:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	tr_gdtr - trampoline_start
	mov	%cr0, %eax
	or	$1, %eax		/* PE */
	mov	%eax, %cr0
	ljmpl	$0x08, $TR(tr_pm32)

	.code32
tr_pm32:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	LONG_MODE_ON
	ljmp	$0x18, $TR(tr_lm64)

	.code64
tr_lm64:
	movabs	$ap_entry64, %rax
	jmp	*%rax

	.balign 8
tr_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
tr_gdt_end:
tr_gdtr:
	.short tr_gdt_end - tr_gdt - 1
	.long TR(tr_gdt)
trampoline_end:

	.text
ap_entry64:
	mov	ap_boot_cr3(%rip), %rax
	mov	%rax, %cr3
	mov	ap_boot_stack(%rip), %rsp
	xor	%ebp, %ebp
	call	ap_start
	ud2
