/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entry and PV ELF notes of a test guest. The notes are what a 64-bit PV
 * kernel must carry (pv-abi-core.md §1.3): loader "generic", "xen-3.0",
 * the virtual base, the entry point, and dom0 support, since the runner
 * boots each test guest as dom0.
 */
#include <lamina/elfnote.h>

#define ELFNOTE(type, desc...)			\
	.balign 4;				\
	.long 2f - 1f;				\
	.long 4f - 3f;				\
	.long type;				\
1:	.asciz "Xen";				\
2:	.balign 4;				\
3:	desc;					\
4:	.balign 4

	.section .note.Xen, "a", @note
	ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz "lamina-test")
	ELFNOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz "1")
	ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz "xen-3.0")
	ELFNOTE(XEN_ELFNOTE_LOADER, .asciz "generic")
	ELFNOTE(XEN_ELFNOTE_VIRT_BASE, .quad 0xffffffff80000000)
	ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET, .quad 0)
	ELFNOTE(XEN_ELFNOTE_ENTRY, .quad _start)
	ELFNOTE(XEN_ELFNOTE_FEATURES, .asciz "dom0")
	ELFNOTE(XEN_ELFNOTE_SUPPORTED_FEATURES, .long (1 << 11))
#ifdef WITH_HYPERCALL_PAGE
	ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad hypercall_page)
#endif

	.section .text.head, "ax"
	.globl _start
_start:
	cld
	lea	guest_stack_top(%rip), %rsp
	mov	%rsi, %rdi		/* start_info */
	call	guest_start
	ud2

#ifdef WITH_HYPERCALL_PAGE
	.text
	.balign 4096
	.globl hypercall_page
hypercall_page:
	.skip 4096
#endif

	.bss
	.balign 4096
	.skip 16384
	.globl guest_stack_top
guest_stack_top:
