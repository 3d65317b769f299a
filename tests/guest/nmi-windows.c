// SPDX-License-Identifier: GPL-2.0-only
/*
 * nmi-windows: host NMIs landing in the hypervisor's guest-GS windows.
 * The runner (@nmi) injects an NMI into every CPU through QEMU's QMP
 * socket every few milliseconds once this guest prints its start line,
 * and QEMU runs one instruction a translation block (-singlestep), so an
 * NMI can arrive between any two instructions: also in the ring-0
 * instructions before a swapgs on entry and between a swapgs and the
 * sysretq or iretq on exit, where the GS base is still (or already) the
 * guest's. Meanwhile the guest keeps both of its GS bases hostile (an
 * unmapped address, or a page of its own filled with pointers into
 * itself, by set_segment_base and by wrgsbase where FSGSBASE is offered)
 * and loops over every way in and out: hypercalls (sysret back), the
 * iret hypercall within kernel mode and to user mode, exceptions bounced
 * from kernel mode (ud2) and from user mode (int3), user system calls
 * (syscall, bounced to the callback) and int $0x80. A hypervisor that
 * trusts GS in its NMI handler reads the guest's memory there: a panic
 * or a triple fault. Passing needs no crash and the hypervisor's count
 * of NMIs taken with the guest's GS base live above zero (@expect-log).
 * Each host NMI that CPU 0 takes goes on to dom0 (this guest) as a
 * virtual NMI at trap 2, with _XEN_NMIREASON_unknown in shared_info's
 * nmi_reason, as on Xen 4.17 (nmi=dom0, its release default): they are
 * counted (at least one must come, and the reason bit be set) and
 * returned from by the iret hypercall, which lets the next one in.
 * @nmi: 0
 * @qemu: -singlestep
 * @expect-log: nmi: \d+ host NMIs, [1-9]\d* of them with a guest's GS base live
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/user.h"
#include "lib/segbase.h"
#include "lib/events.h"

#define ROUNDS		8000
#define USER_LOOPS	4
#define HOSTILE_UNMAPPED	0x00007f5a5a5a5000ULL

extern const uint8_t user_prog[], user_int3[], user_prog_end[];

/* Per loop: a system call, int $0x80, int3; then syscall 2 and 60 (the lib's exit). */
asm(".pushsection .rodata\n"
    ".globl user_prog, user_int3, user_prog_end\n"
    "user_prog:\n"
    "	mov $4, %r12d\n"	/* USER_LOOPS */
    "1:	mov $1, %eax\n"
    "	syscall\n"
    "	int $0x80\n"
    "user_int3:\n"
    "	int3\n"
    "	dec %r12d\n"
    "	jnz 1b\n"
    USER_PROG_EXIT
    "user_prog_end:\n"
    ".popsection");

/*
 * Each counted by itself: a virtual NMI may come in the middle of any
 * other handler (the lib's traps_taken++ included), never of its own.
 */
static volatile unsigned long user_traps, vnmis, ud2s;
static uint64_t hostile_page[512] __attribute__((aligned(4096)));

/*
 * int $0x80 and int3 from user mode resume after themselves; a virtual
 * NMI returns where it came; ud2 is counted, then the lib's fixup.
 */
static bool window_trap(struct trap_frame *f)
{
	if (f->vector == 2) {
		vnmis++;
		return true;
	}
	if (f->vector == 6 && !(f->cs & 3)) {
		ud2s++;
		return false;
	}
	if ((f->cs & 3) && (f->vector == 0x80 || f->vector == 3)) {
		user_traps++;
		return true;
	}
	return false;
}

/* Both GS bases hostile; false when set_segment_base refused one. */
static bool set_hostile_gs(unsigned int round, bool fsgsbase)
{
	uint64_t gs = round & 1 ? (uint64_t)hostile_page : HOSTILE_UNMAPPED;

	if (set_segment_base(SEGBASE_GS_USER, gs) || set_segment_base(SEGBASE_GS_KERNEL, gs))
		return false;
	if (fsgsbase)
		asm volatile("wrgsbase %0" : : "r"(gs + 0x1000 * (round & 2)) : "memory");
	return true;
}

int test_main(struct start_info *si)
{
	uint32_t a = 7, b, c = 0, d;
	bool fsgsbase = false;
	unsigned int r, i;
	uint64_t cr4;
	long rc;

	CHECK(events_init(si) == 0, "events_init failed");	/* mm_init too */
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	trap_hook = window_trap;
	for (i = 0; i < 512; i++)
		hostile_page[i] = (uint64_t)&hostile_page[(i * 7) % 512];
	CHECK(user_setup(user_prog, user_prog_end - user_prog, 1) == 0, "user_setup failed");
	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (b & 1) {
		asm volatile("mov %%cr4, %0" : "=r"(cr4));
		asm volatile("mov %0, %%cr4" : : "r"(cr4 | (1UL << 16)));
		asm volatile("mov %%cr4, %0" : "=r"(cr4));
		fsgsbase = cr4 & (1UL << 16);
	}
	printf("nmi-windows: looping, %u rounds (wrgsbase %s)\n", ROUNDS,
	       fsgsbase ? "too" : "not offered");
	for (r = 0; r < ROUNDS; r++) {
		CHECK(set_hostile_gs(r, fsgsbase), "round %u: set_segment_base failed", r);
		HYPERVISOR_xen_version(0, NULL);
		iret_next(FLAT_KERNEL_CS & ~3, FLAT_KERNEL_SS, 0x200);
		EXPECT_TRAP("ud2");
		CHECK(ud2s == r + 1, "round %u: %lu #UD so far", r, ud2s);
		rc = enter_user(USER_BASE, USER_DATA + 4096);
		CHECK(rc == 60, "round %u: enter_user came back with %ld", r, rc);
		if (!(r % 16))
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	set_segment_base(SEGBASE_GS_USER, 0);
	set_segment_base(SEGBASE_GS_KERNEL, 0);
	CHECK(user_traps == 2UL * USER_LOOPS * ROUNDS, "%lu user traps, want %lu", user_traps,
	      2UL * USER_LOOPS * ROUNDS);
	CHECK(sc_count >= (unsigned long)USER_LOOPS * ROUNDS, "%lu system calls bounced",
	      (unsigned long)sc_count);
	printf("nmi-windows: %u rounds done, %lu virtual NMIs at trap 2, nmi_reason %#lx\n",
	       ROUNDS, vnmis, (unsigned long)shared->arch.nmi_reason);
	CHECK(vnmis > 0, "no virtual NMI reached trap 2");
	CHECK(shared->arch.nmi_reason & (1UL << _XEN_NMIREASON_unknown), "nmi_reason %#lx "
	      "without _XEN_NMIREASON_unknown", (unsigned long)shared->arch.nmi_reason);
	return TEST_PASS;
}
