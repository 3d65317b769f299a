/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest user mode for test guests: a user page table mapping a program at
 * USER_BASE (read-only, executable) and data pages after it (writable),
 * and enter_user(), which irets into it and returns when the program makes
 * system call 60 (the syscall callback in lib/userentry.S).
 */
#ifndef GUEST_USER_H
#define GUEST_USER_H

#include <stdint.h>

#define USER_BASE	0x400000ULL
#define USER_DATA	0x401000ULL	/* the first data page */

/* Builds and installs the user page table; 0 or a negative error. */
long user_setup(const uint8_t *code, unsigned long code_len, unsigned int data_pages);
/* Runs user mode from rip with stack rsp; returns 60 when it exits. */
long enter_user(uint64_t rip, uint64_t rsp);
/*
 * The same, the iret (restoring rax) made as the first entry of a
 * multicall of nr entries at list; returns 60 when user mode exits, or the
 * multicall's result if it returns to the kernel instead.
 */
struct multicall_entry;
long enter_user_multicall(uint64_t rip, uint64_t rsp, struct multicall_entry *list,
			  unsigned long nr, uint64_t rax);

/*
 * The end of a user program, in its asm: system call 2 hands rdi to the
 * kernel (sc_gs_value), system call 60 returns from enter_user.
 */
#define USER_PROG_EXIT							\
	"	mov $2, %eax\n"						\
	"	syscall\n"							\
	"	mov $60, %eax\n"						\
	"	syscall\n"							\
	"	ud2\n"

/* The user-mode address of label, in a program at USER_BASE starting at prog. */
static inline uint64_t user_va(const uint8_t *prog, const uint8_t *label)
{
	return USER_BASE + (label - prog);
}

/* A user program of one `jmp` to itself, for user_setup: user mode that only spins. */
extern const uint8_t user_spin_prog[], user_spin_prog_end[];

/* The rflags enter_user's iret gives user mode: 0x200 unless a test sets it. */
extern uint64_t user_rflags;

/* The kernel's view of the data pages (consecutive). */
extern uint64_t user_data_kva;

/* What the syscall callback saw, for the tests. */
extern volatile uint64_t sc_count, sc_rcx_slot, sc_cs_slot, sc_ss_slot,
	sc_flags_on_entry, sc_gs_value;

#endif
