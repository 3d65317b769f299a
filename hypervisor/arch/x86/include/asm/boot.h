/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For head.S and trampoline.S: from 32-bit protected mode with paging off
 * into long mode (compatibility mode until a far jump to a 64-bit code
 * segment) on head.S's boot_l4. Assembly only.
 */
#ifndef ASM_BOOT_H
#define ASM_BOOT_H

#define PA(x)		((x) - HV_IMAGE_BASE)

.macro LONG_MODE_ON
	mov	%cr4, %eax
	or	$(1 << 5), %eax		/* PAE */
	mov	%eax, %cr4
	mov	$PA(boot_l4), %eax
	mov	%eax, %cr3
	mov	$0xC0000080, %ecx	/* EFER: LME | NXE | SCE */
	rdmsr
	or	$((1 << 8) | (1 << 11) | (1 << 0)), %eax
	wrmsr
	/*
	 * CR0 as a whole: PG | AM | WP | NE | ET | MP | PE, as Xen 4.17's
	 * trampoline sets it. An AP comes out of INIT with CD and NW set
	 * (caches off); or-ing bits into what it had kept them, and a guest
	 * reading CR0 on that CPU saw 0xe0050033 where Xen gives 0x80050033
	 * (conform-trap-diff-domu at --smp 2).
	 */
	mov	$((1 << 31) | (1 << 18) | (1 << 16) | (1 << 5) | (1 << 4) | (1 << 1) | 1), %eax
	mov	%eax, %cr0
.endm

#endif
