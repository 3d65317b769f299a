/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entry and PV ELF notes of a test guest. The notes are what a 64-bit PV
 * kernel must carry (docs/abi-core.md §1.3): loader "generic", "xen-3.0",
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

/*
 * A test may ask for other start-of-day notes with "@head: -D<variant>"
 * (tests/guest/build.mk), to check how a kernel that is not Linux boots:
 *   NOTES_MINIMAL   only the mandatory LOADER and XEN_VERSION (no
 *                   VIRT_BASE, ENTRY or features: link it at VIRT_BASE 0);
 *   NOTES_LEGACY    no notes, the legacy "__xen_guest" string instead
 *                   (link it with p_paddr = p_vaddr, as old kernels were);
 *   NOTES_NO_DOM0   FEATURES without "dom0" and no SUPPORTED_FEATURES;
 *   NOTES_P2M_MOD   the usual notes plus INIT_P2M and MOD_START_PFN (and
 *                   HV_START_LOW, L1_MFN_VALID, SUSPEND_CANCEL as Linux's);
 *   NOTES_BSD_SYMTAB the usual notes plus BSD_SYMTAB "yes";
 *   NOTES_LINK_BASE the usual notes, but VIRT_BASE is the linker's (for a
 *                   test linked with another "--defsym=VIRT_BASE=...");
 *   NOTES_SECTIONS  the usual notes in a section no segment holds (no
 *                   PT_NOTE), but ENTRY alone in a second such section,
 *                   and an entry stub _e_entry for e_entry that sets
 *                   entered_at_e_entry (link it with lib/sections.lds);
 *   NOTES_SEGMENTS  the same two note sections, allocated, each in a
 *                   PT_NOTE of its own (link it with lib/ptnotes.lds).
 * and, with any of them, ENTRY_SAVE: _start first stores every general
 * register, the segment selectors and rflags as the hypervisor left them
 * in entry_regs[] (the order of struct entry_regs in
 * tests/guest/startdiff/dump.h), touching neither them nor the start-of-day
 * stack before.
 */
#if defined(NOTES_LEGACY)
	.section __xen_guest, ""
	.ascii "GUEST_OS=lamina-test,XEN_VER=xen-3.0,"
	.asciz "VIRT_BASE=0xffffffff80000000,LOADER=generic,FEATURES=!writable_page_tables"
#elif defined(NOTES_MINIMAL)
	.section .note.Xen, "a", @note
	ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz "xen-3.0")
	ELFNOTE(XEN_ELFNOTE_LOADER, .asciz "generic")
#else
#if defined(NOTES_SECTIONS) || defined(NOTES_SEGMENTS)
#define NOTES_SPLIT
#ifdef NOTES_SEGMENTS
#define NOTE_FLAGS "a"
#else
/* Not allocated: the notes are in the file's sections only. */
#define NOTE_FLAGS ""
#endif
	.section .note.Xen.entry, NOTE_FLAGS, @note
	ELFNOTE(XEN_ELFNOTE_ENTRY, .quad _start)
	.section .note.Xen, NOTE_FLAGS, @note
#else
	.section .note.Xen, "a", @note
#endif
	ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz "lamina-test")
	ELFNOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz "1")
	ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz "xen-3.0")
	ELFNOTE(XEN_ELFNOTE_LOADER, .asciz "generic")
#ifdef NOTES_LINK_BASE
	ELFNOTE(XEN_ELFNOTE_VIRT_BASE, .quad VIRT_BASE)
#else
	ELFNOTE(XEN_ELFNOTE_VIRT_BASE, .quad 0xffffffff80000000)
#endif
	ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET, .quad 0)
#ifndef NOTES_SPLIT
	ELFNOTE(XEN_ELFNOTE_ENTRY, .quad _start)
#endif
#ifdef NOTES_NO_DOM0
	ELFNOTE(XEN_ELFNOTE_FEATURES, .asciz "!writable_page_tables")
#else
	ELFNOTE(XEN_ELFNOTE_FEATURES, .asciz "dom0")
	ELFNOTE(XEN_ELFNOTE_SUPPORTED_FEATURES, .long (1 << 11))
#endif
#ifdef NOTES_P2M_MOD
	ELFNOTE(XEN_ELFNOTE_INIT_P2M, .quad 0x8000000000)
	ELFNOTE(XEN_ELFNOTE_MOD_START_PFN, .long 1)
	/* Recorded only, as by Xen for a 64-bit guest: Linux's values. */
	ELFNOTE(XEN_ELFNOTE_HV_START_LOW, .quad 0xffff800000000000)
	ELFNOTE(XEN_ELFNOTE_L1_MFN_VALID, .quad 1; .quad 1)
	ELFNOTE(XEN_ELFNOTE_SUSPEND_CANCEL, .long 1)
#endif
#ifdef NOTES_BSD_SYMTAB
	ELFNOTE(XEN_ELFNOTE_BSD_SYMTAB, .asciz "yes")
#endif
#ifdef WITH_HYPERCALL_PAGE
	ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad hypercall_page)
#endif
#endif

#ifdef NOTES_SPLIT
	/* Entered only if the builder took e_entry over the ENTRY note. */
	.section .text.e_entry, "ax"
	.globl _e_entry
_e_entry:
	movl	$1, entered_at_e_entry(%rip)
	jmp	_start
#endif

	.section .text.head, "ax"
	.globl _start
_start:
#ifdef ENTRY_SAVE
	mov	%rax, entry_regs + 0(%rip)
	mov	%rbx, entry_regs + 8(%rip)
	mov	%rcx, entry_regs + 16(%rip)
	mov	%rdx, entry_regs + 24(%rip)
	mov	%rsi, entry_regs + 32(%rip)
	mov	%rdi, entry_regs + 40(%rip)
	mov	%rbp, entry_regs + 48(%rip)
	mov	%rsp, entry_regs + 56(%rip)
	mov	%r8, entry_regs + 64(%rip)
	mov	%r9, entry_regs + 72(%rip)
	mov	%r10, entry_regs + 80(%rip)
	mov	%r11, entry_regs + 88(%rip)
	mov	%r12, entry_regs + 96(%rip)
	mov	%r13, entry_regs + 104(%rip)
	mov	%r14, entry_regs + 112(%rip)
	mov	%r15, entry_regs + 120(%rip)
	mov	%cs, entry_regs + 136(%rip)
	mov	%ds, entry_regs + 144(%rip)
	mov	%es, entry_regs + 152(%rip)
	mov	%fs, entry_regs + 160(%rip)
	mov	%gs, entry_regs + 168(%rip)
	mov	%ss, entry_regs + 176(%rip)
	/* rflags through our own stack: the start-of-day one stays untouched */
	lea	guest_stack_top(%rip), %rsp
	pushfq
	popq	entry_regs + 128(%rip)
	mov	entry_regs + 56(%rip), %rsp
#endif
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
#ifdef ENTRY_SAVE
	.balign 8
	.globl entry_regs
entry_regs:
	.skip 23 * 8
#endif
	.balign 4096
	.skip 16384
	.globl guest_stack_top
guest_stack_top:
