/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot: multiboot v1 (QEMU's -kernel) and multiboot2 (GRUB) enter here in
 * 32-bit protected mode with paging off, at physical addresses.
 *
 * The v1 header uses the "a.out kludge" (flag 16): QEMU's multiboot loader
 * refuses ELF64 files but, given load addresses, copies the file bytes from
 * the header onwards to load_addr. The linker script keeps the loaded part
 * of the file a byte-for-byte image of memory, so that works. GRUB reads
 * the ELF64 program headers (by physical address) and the entry tag.
 *
 * The static boot page tables map the first GiB twice with 2 MiB pages:
 * identity (for the jump into long mode) and at HV_IMAGE_BASE, where the
 * image is linked. mm_init() replaces them.
 */
#include <asm/layout.h>
#include <asm/boot.h>


#define MB1_MAGIC	0x1BADB002
#define MB1_FLAGS	((1 << 0) | (1 << 1) | (1 << 16))
#define MB2_MAGIC	0xE85250D6

	.section .text.head, "ax"
	.code32
	.balign 8
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)
	.long PA(mb1_header)		/* header_addr */
	.long PA(_image_start)		/* load_addr */
	.long PA(_edata)		/* load_end_addr */
	.long PA(_end)			/* bss_end_addr */
	.long PA(start32)		/* entry_addr */

	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long 0				/* architecture: i386 protected mode */
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + 0 + (mb2_header_end - mb2_header))
	/* entry address tag */
	.short 3, 0
	.long 12
	.long PA(start32)
	.long 0				/* pad to 8 */
	/* module alignment tag: page-aligned modules */
	.short 6, 0
	.long 8
	/* end tag */
	.short 0, 0
	.long 8
mb2_header_end:

	.globl start32
start32:
	cli
	cld
	mov	%eax, %edi		/* boot loader magic */
	mov	%ebx, %esi		/* boot information (physical) */
	lgdt	PA(boot_gdtr)
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	$PA(cpu0_stack) + 4096, %esp

	/* Long mode and NX are required; without them stop here. */
	mov	$0x80000000, %eax
	cpuid
	cmp	$0x80000001, %eax
	jb	no_long_mode
	mov	$0x80000001, %eax
	cpuid
	test	$(1 << 29), %edx
	jz	no_long_mode
	test	$(1 << 20), %edx
	jz	no_long_mode

	LONG_MODE_ON
	ljmp	$0x08, $PA(start64_low)

no_long_mode:
	/* Say so on COM1 in the plainest way, then stop. */
	mov	$PA(no_lm_msg), %esi
1:	lodsb
	test	%al, %al
	jz	2f
	mov	$0x3f8, %dx
	out	%al, %dx
	jmp	1b
2:	hlt
	jmp	2b

	.code64
start64_low:
	movabs	$start64, %rax
	jmp	*%rax

	.text
start64:
	movabs	$cpu0_stack + STACK_SIZE, %rsp
	xor	%ebp, %ebp
	mov	%edi, %edi
	mov	%esi, %esi
	call	start_lamina
	ud2

	.section .rodata
no_lm_msg:
	.asciz	"Lamina: this CPU has no 64-bit long mode or no NX bit; cannot boot.\r\n"

	.data
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_end:
boot_gdtr:
	.short boot_gdt_end - boot_gdt - 1
	.long PA(boot_gdt)

	.balign 4096
	.globl boot_l4
boot_l4:
	.quad PA(boot_l3) + 0x3				/* slot 0: identity */
	.fill L4_SLOT_IMAGE - 1, 8, 0
	.quad PA(boot_l3) + 0x3				/* slot 260: image */
	.fill 511 - L4_SLOT_IMAGE, 8, 0
	.balign 4096
boot_l3:
	.quad PA(boot_l2) + 0x3
	.fill 511, 8, 0
	.balign 4096
boot_l2:
	.set n, 0
	.rept 512
	.quad (n << 21) + 0x83				/* present, rw, 2 MiB */
	.set n, n + 1
	.endr

	.bss
	.balign 4096
	.globl cpu0_stack
cpu0_stack:
	.skip STACK_SIZE
