// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-m2p-strict: VMASST_TYPE_m2p_strict keeps the read-only M2P
 * (machine frame -> guest frame, at HYPERVISOR_VIRT_START) out of guest
 * user mode: Xen 4.17 leaves its L4 slot empty in a user page table
 * installed while the assist is on (NEW_USER_BASEPTR's zap_ro_mpt), so a
 * user process cannot read machine frame numbers. Guest user mode reads
 * the M2P's first entry:
 *   - with m2p_strict on before the user page table is installed: a #PF
 *     at that address (the slot not present);
 *   - without it, from a user page table that never was a kernel base:
 *     a #PF too (Xen puts the M2P in an L4 when it becomes a kernel base,
 *     fill_ro_mpt; a user-only L4 never gets it);
 *   - without it, user mode on the kernel's own L4 (the user base set to
 *     it): the read works.
 * Guest kernel mode reads the M2P throughout.
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/user.h"
#include "lib/events.h"
#include <lamina/mm.h>

extern const uint8_t m2p_prog[], m2p_read[], m2p_read_end[], m2p_prog_end[];
asm(".pushsection .rodata\n"
    "m2p_prog:\n"
    "m2p_read:	movabs 0xffff800000000000, %rax\n"
    "m2p_read_end:	nop\n"
    USER_PROG_EXIT
    "m2p_prog_end:	nop\n"
    ".popsection");

static volatile long seen;		/* vector << 16 | error code, 0: no fault */
static volatile uint64_t seen_cr2;

static bool m2p_trap(struct trap_frame *f)
{
	if (!(f->cs & 3) || f->rip != user_va(m2p_prog, m2p_read))
		return false;
	seen = (long)(f->vector << 16 | (f->error & 0xf));
	seen_cr2 = ((volatile struct vcpu_info *)&shared->vcpu_info[0])->arch.cr2;
	f->rip = user_va(m2p_prog, m2p_read_end);
	return true;
}

static long user_read(void)
{
	long rc;

	seen = 0;
	seen_cr2 = 0;
	CHECK(user_setup(m2p_prog, m2p_prog_end - m2p_prog, 1) == 0, "user mode set-up failed");
	trap_hook = m2p_trap;
	rc = enter_user(USER_BASE, USER_DATA + 4096);
	trap_hook = NULL;
	CHECK(rc == 60, "the user program did not run to its end (%ld)", rc);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	long rc;

	CHECK(events_init(si) == 0, "events_init failed");
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	rc = hypercall2(__HYPERVISOR_vm_assist, VMASST_CMD_enable, VMASST_TYPE_m2p_strict);
	CHECK(rc == 0, "vm_assist m2p_strict gave %ld", rc);
	(void)*(volatile const uint64_t *)MACH2PHYS_VIRT_START;	/* the kernel reads it */
	if (user_read())
		return TEST_FAIL;
	/* Not present, a user read: error code 4. */
	CHECK(seen == (14 << 16 | 4) && seen_cr2 == MACH2PHYS_VIRT_START,
	      "user mode read the M2P with m2p_strict on: %s %#lx (cr2 %#llx)",
	      seen ? "trap" : "no fault,", (unsigned long)seen, (unsigned long long)seen_cr2);
	rc = hypercall2(__HYPERVISOR_vm_assist, VMASST_CMD_disable, VMASST_TYPE_m2p_strict);
	CHECK(rc == 0, "vm_assist m2p_strict off gave %ld", rc);
	if (user_read())
		return TEST_FAIL;
	CHECK(seen == (14 << 16 | 4), "user mode read the M2P without m2p_strict through a "
	      "user-only L4: %s %#lx", seen ? "trap" : "no fault,", (unsigned long)seen);
	(void)*(volatile const uint64_t *)MACH2PHYS_VIRT_START;	/* the kernel still reads it */
	printf("guest user mode reads no M2P through a user-only L4, strict or not\n");
	return TEST_PASS;
}
