// SPDX-License-Identifier: GPL-2.0-only
/*
 * iopl: the virtual I/O privilege level reaches guest user mode, and
 * VMASST_TYPE_architectural_iopl is offered, as in Xen 4.17
 * (docs/abi-core.md §2.7, §2.14, §4.4). A user program runs cli, sti and
 * `in` from the hypervisor's console port (all ones for any guest):
 * - PHYSDEVOP_set_iopl 1 and 2: each is a #GP in user mode (user mode is
 *   CPL 3), while kernel mode may (CPL 1); at IOPL 3 none traps and the
 *   port reads all ones. Before the fix user cli/sti stayed a #GP at
 *   IOPL 3 on Lamina.
 * - architectural_iopl: kernel mode counts as CPL 0 (allowed at IOPL 0);
 *   the IOPL is the one the guest's iret gives: IOPL 3 in the iret frame
 *   lets user mode in, IOPL 0 does not, and the frames of exceptions
 *   carry the virtual IOPL in their rflags. Before the fix this was
 *   ignored on Lamina.
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/user.h"
#include <lamina/physdev.h>

#define CONSOLE_LSR	0x3fd

extern const uint8_t iopl_prog[], iopl_prog_end[], iopl_cli[], iopl_sti[], iopl_in[],
	iopl_int3[];
/* cli; sti; in %dx (al = 0 first); int3; syscall 2 with rdi = al; syscall 60. */
asm(".pushsection .rodata\n"
    ".globl iopl_prog, iopl_prog_end, iopl_cli, iopl_sti, iopl_in, iopl_int3\n"
    "iopl_prog:\n"
    "	mov $0x3fd, %edx\n"
    "	xor %eax, %eax\n"
    "iopl_cli:\n"
    "	cli\n"
    "iopl_sti:\n"
    "	sti\n"
    "iopl_in:\n"
    "	inb %dx, %al\n"
    "iopl_int3:\n"
    "	int3\n"
    "	movzbl %al, %edi\n"
    USER_PROG_EXIT
    "iopl_prog_end:\n"
    ".popsection");

static uint64_t uaddr(const uint8_t *label)
{
	return user_va(iopl_prog, label);
}

/* What one run of the program saw. */
static struct {
	unsigned int gp;		/* #GPs at cli, sti, in: bits 0, 1, 2 */
	unsigned int other;		/* any other user trap but the int3 */
	uint64_t int3_rflags;		/* the rflags of the int3's frame */
} seen;

/* User #GPs are recorded and stepped over (each is one byte long). */
static bool user_trap(struct trap_frame *f)
{
	if (!(f->cs & 3))
		return false;
	if (f->vector == 3) {
		seen.int3_rflags = f->rflags;
		return true;
	}
	if (f->vector == 13 && f->error == 0) {
		if (f->rip == uaddr(iopl_cli))
			seen.gp |= 1;
		else if (f->rip == uaddr(iopl_sti))
			seen.gp |= 2;
		else if (f->rip == uaddr(iopl_in))
			seen.gp |= 4;
		else
			seen.other++;
		f->rip += 1;
		return true;
	}
	seen.other++;
	return false;
}

static long set_iopl(uint32_t level)
{
	struct physdev_set_iopl op = { level };

	return hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &op);
}

static long vm_assist(unsigned int cmd)
{
	return hypercall2(__HYPERVISOR_vm_assist, cmd, VMASST_TYPE_architectural_iopl);
}

/* One run from rflags; the port value the program read comes back in sc_gs_value. */
static int run(uint64_t rflags)
{
	seen.gp = seen.other = 0;
	seen.int3_rflags = 0;
	sc_gs_value = 0x1234;
	user_rflags = rflags;
	CHECK(enter_user(USER_BASE, USER_DATA + 4096) == 60, "user mode did not exit");
	user_rflags = 0x200;
	CHECK(seen.other == 0, "%u unexpected user traps", seen.other);
	return TEST_PASS;
}

/* The kernel's own cli/sti/in: no trap iff allowed. */
static int kernel_io(bool allowed, const char *what)
{
	uint8_t v = 0;

	traps_taken = 0;
	EXPECT_TRAP("cli", : : : "memory");
	EXPECT_TRAP("inb %%dx, %%al", : "+a"(v) : "d"(CONSOLE_LSR) : "memory");
	CHECK(traps_taken == (allowed ? 0U : 2U), "kernel cli and in %s: %u traps", what,
	      traps_taken);
	CHECK(!allowed || v == 0xff, "kernel in %s read %#x", what, v);
	return TEST_PASS;
}

/* PHYSDEVOP_set_iopl: user mode needs 3, kernel mode 1. */
static int physdev_iopl(void)
{
	unsigned int level;

	for (level = 0; level <= 3; level++) {
		CHECK(set_iopl(level) == 0, "set_iopl(%u) failed", level);
		if (run(0x200) || kernel_io(level >= 1, "at IOPL 1+"))
			return TEST_FAIL;
		if (level < 3) {
			CHECK(seen.gp == 7 && sc_gs_value == 0, "user at IOPL %u: #GP mask %#x, "
			      "in read %#lx", level, seen.gp, (unsigned long)sc_gs_value);
		} else {
			CHECK(seen.gp == 0 && sc_gs_value == 0xff, "user at IOPL 3: #GP mask %#x, "
			      "in read %#lx", seen.gp, (unsigned long)sc_gs_value);
		}
		CHECK(!(seen.int3_rflags & 0x3000), "IOPL %u shows in a frame without the assist: "
		      "rflags %#lx", level, (unsigned long)seen.int3_rflags);
	}
	return TEST_PASS;
}

/* VMASST_TYPE_architectural_iopl: the iret's IOPL, kernel at CPL 0. */
static int architectural_iopl(void)
{
	CHECK(set_iopl(0) == 0, "set_iopl(0) failed");
	CHECK(vm_assist(VMASST_CMD_enable) == 0, "architectural_iopl refused: %ld",
	      vm_assist(VMASST_CMD_enable));
	if (kernel_io(true, "at IOPL 0 with the assist"))
		return TEST_FAIL;
	if (run(0x3200))
		return TEST_FAIL;
	CHECK(seen.gp == 0 && sc_gs_value == 0xff, "user after iret with IOPL 3: #GP mask %#x, "
	      "in read %#lx", seen.gp, (unsigned long)sc_gs_value);
	CHECK((seen.int3_rflags & 0x3000) == 0x3000, "the int3 frame's rflags %#lx lack IOPL 3",
	      (unsigned long)seen.int3_rflags);
	if (run(0x1200))
		return TEST_FAIL;
	CHECK(seen.gp == 7, "user after iret with IOPL 1: #GP mask %#x", seen.gp);
	CHECK((seen.int3_rflags & 0x3000) == 0x1000, "the int3 frame's rflags %#lx lack IOPL 1",
	      (unsigned long)seen.int3_rflags);
	if (kernel_io(true, "at IOPL 1 with the assist"))
		return TEST_FAIL;
	CHECK(vm_assist(VMASST_CMD_disable) == 0, "disabling architectural_iopl failed");
	CHECK(set_iopl(0) == 0, "set_iopl(0) failed");
	return kernel_io(false, "at IOPL 0 without the assist");
}

int test_main(struct start_info *si)
{
	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	trap_hook = user_trap;
	CHECK(user_setup(iopl_prog, iopl_prog_end - iopl_prog, 1) == 0, "user_setup failed");
	if (physdev_iopl() || architectural_iopl())
		return TEST_FAIL;
	return TEST_PASS;
}
