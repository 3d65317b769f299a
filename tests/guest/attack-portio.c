// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-portio: the guest's I/O bitmap (PHYSDEVOP_set_iobitmap) where
 * the hypervisor reads it, against Xen 4.17 (do_physdev_op's checks and
 * guest_io_okay in pv/emul-priv-op.c, which reads the two bitmap bytes of
 * a port with a fault-safe copy, an unreadable byte counting as all ones,
 * through the guest kernel's page tables even for a user-mode access):
 * - set_iopl above 3, set_iobitmap at a non-canonical address, at one in
 *   the hypervisor's range, at the last user page (its 8 KiB run past
 *   the canonical end), with 65536 and 65537 ports;
 * - at virtual IOPL 0 with a bitmap of two zeroed pages (every port
 *   allowed): `inb` of the console's status port works; with the first
 *   page unmapped it is a #GP; with the second one unmapped a port whose
 *   two bitmap bytes are in the first works, and one whose bit is the
 *   first page's last (its next byte unreadable), one in the second, and
 *   an `inw` straddling the pages are a #GP (Lamina let the first
 *   through: it read the one byte again);
 * - from guest user mode, whose page tables do not map the kernel's
 *   half: the same bitmap at a kernel address lets the user program's
 *   `inb` through (Linux gives a task's ioperm() bitmap so, at a kernel
 *   address). Lamina read the bitmap through the user page tables and
 *   gave a #GP, and refused the last user page (it checked the whole
 *   8 KiB, Xen's access_ok looks at the start).
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/user.h"
#include <lamina/physdev.h>

#define CONSOLE_LSR	0x3fd

extern const uint8_t pio_prog[], pio_prog_end[], pio_in[];
/* inb from the console's status port (al = 0 first); syscall 2 with rdi = al; exit. */
asm(".pushsection .rodata\n"
    ".globl pio_prog, pio_prog_end, pio_in\n"
    "pio_prog:\n"
    "	mov $0x3fd, %edx\n"
    "	xor %eax, %eax\n"
    "pio_in:\n"
    "	inb %dx, %al\n"
    "	movzbl %al, %edi\n"
    USER_PROG_EXIT
    "pio_prog_end:\n"
    ".popsection");

static unsigned int failures, user_gp, user_other;

static void row(const char *what, long got, long want)
{
	printf("%s: %#lx%s\n", what, got, got == want ? "" : " MISMATCH");
	if (got != want)
		failures++;
}

static bool user_trap(struct trap_frame *f)
{
	if (!(f->cs & 3))
		return false;
	if (f->vector == 13 && f->error == 0 && f->rip == user_va(pio_prog, pio_in)) {
		user_gp++;
		f->rip += 1;
		return true;
	}
	user_other++;
	return false;
}

static long physdev(unsigned int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_physdev_op, cmd, arg);
}

static long set_iopl(uint32_t level)
{
	struct physdev_set_iopl op = { level };

	return physdev(PHYSDEVOP_set_iopl, &op);
}

static long set_bitmap(uint64_t va, uint32_t ports)
{
	struct physdev_set_iobitmap bm = { va, ports, 0 };

	return physdev(PHYSDEVOP_set_iobitmap, &bm);
}

int test_main(struct start_info *si)
{
	uint64_t p1, p2;

	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	trap_hook = user_trap;
	CHECK(user_setup(pio_prog, pio_prog_end - pio_prog, 1) == 0, "user_setup failed");
	p1 = scratch_page();
	p2 = scratch_page();
	CHECK(p2 == p1 + 4096, "scratch pages not consecutive");

	row("set_iopl 4", set_iopl(4), -EINVAL);
	row("set_iopl 0x80000000", set_iopl(0x80000000), -EINVAL);
	row("set_iopl 0", set_iopl(0), 0);
	row("set_iobitmap non-canonical", set_bitmap(0x0000800000000000ULL, 8), -EINVAL);
	row("set_iobitmap non-canonical, bit 63", set_bitmap(0x8000000000000000ULL, 8), -EINVAL);
	row("set_iobitmap in the hypervisor's range", set_bitmap(0xffff830000000000ULL, 8),
	    -EINVAL);
	row("set_iobitmap at the last user page", set_bitmap(0x00007ffffffff000ULL, 8), 0);
	row("  inb 0 through it (unmapped): traps", in_traps(0, 1), 1);
	row("set_iobitmap 65537 ports", set_bitmap(p1, 65537), -EINVAL);
	row("set_iobitmap 65536 ports, two zeroed pages", set_bitmap(p1, 65536), 0);

	row("inb 0x3fd: traps", in_traps(CONSOLE_LSR, 1), 0);
	row("inb 0x8000: traps", in_traps(0x8000, 1), 0);
	row("first page unmapped", update_va_mapping(p1, 0, UVMF_INVLPG), 0);
	row("  inb 0x3fd: traps", in_traps(CONSOLE_LSR, 1), 1);
	row("  inb 0x8000: traps", in_traps(0x8000, 1), 0);
	row("first page back", update_va_mapping(p1, (va_to_mfn(p1) << 12) | PTE_DATA,
						     UVMF_INVLPG), 0);
	row("second page unmapped", update_va_mapping(p2, 0, UVMF_INVLPG), 0);
	row("  inb 0x3fd: traps", in_traps(CONSOLE_LSR, 1), 0);
	/* The two bytes at 0xfff are read as one: the second unreadable refuses. */
	row("  inb 0x7fff (bit in the first page, the next byte not): traps", in_traps(0x7fff, 1),
	    1);
	row("  inb 0x7f00 (both bytes in the first page): traps", in_traps(0x7f00, 1), 0);
	row("  inb 0x8000 (bit in the second page): traps", in_traps(0x8000, 1), 1);
	row("  inw 0x7fff (its bits straddle the pages): traps", in_traps(0x7fff, 2), 1);
	row("second page back", update_va_mapping(p2, (va_to_mfn(p2) << 12) | PTE_DATA,
						      UVMF_INVLPG), 0);
	row("  inw 0x7fff: traps", in_traps(0x7fff, 2), 0);

	/* User mode: its page tables map only the program and its data. */
	sc_gs_value = 0x1234;
	CHECK(enter_user(USER_BASE, USER_DATA + 4096) == 60, "user mode did not exit");
	row("user inb 0x3fd, a kernel-address bitmap allowing it: #GPs", user_gp, 0);
	row("  what it read", (long)sc_gs_value, 0xff);
	row("  other user traps", user_other, 0);
	((uint8_t *)p1)[CONSOLE_LSR >> 3] = 1 << (CONSOLE_LSR & 7);
	user_gp = 0;
	sc_gs_value = 0x1234;
	CHECK(enter_user(USER_BASE, USER_DATA + 4096) == 60, "user mode did not exit");
	row("user inb 0x3fd, its bit set: #GPs", user_gp, 1);
	row("  other user traps", user_other, 0);

	row("set_iobitmap none", set_bitmap(0, 0), 0);
	CHECK(failures == 0, "%u rows differ", failures);
	printf("attack-portio: the I/O bitmap read as Xen 4.17 reads it\n");
	return TEST_PASS;
}
