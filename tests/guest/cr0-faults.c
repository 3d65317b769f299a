// SPDX-License-Identifier: GPL-2.0-only
/*
 * cr0-faults: the CR0 a PV kernel runs under, as Xen 4.17 sets it
 * (PE, MP, ET, NE, WP, AM, PG), seen through what each bit does in the
 * guest rather than only through `mov %cr0`:
 *   - NE: an unmasked x87 exception is #MF (vector 16) at the next
 *     waiting x87 instruction, not the legacy FERR# signal that never
 *     reaches the guest (a Linux user's SIGFPE rides on it);
 *   - AM: set, so that with EFLAGS.AC a misaligned access in the guest's
 *     ring 3 is #AC(0). QEMU's TCG does no alignment checking (Xen 4.17
 *     under it takes no #AC either), so only the bit is checked here;
 *   - MP: with the virtual CR0.TS set (fpu_taskswitch), `fwait` is #NM.
 *   - the #NM clears the virtual TS as it is delivered, as Xen 4.17's
 *     do_device_not_available: its handler reads CR0 without TS, and the
 *     x87 instruction it returns to runs (a handler that makes no
 *     fpu_taskswitch(0) of its own is not entered again), from kernel
 *     and from user mode.
 * getvcpucontext's ctrlreg[0] says the same (domctl-ctx).
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/user.h"
#include <lamina/sched.h>

#define CR0_MP		(1ULL << 1)
#define CR0_TS		(1ULL << 3)
#define CR0_NE		(1ULL << 5)
#define CR0_AM		(1ULL << 18)

static uint64_t read_guest_cr0(void)
{
	uint64_t v;

	asm volatile("mov %%cr0, %0" : "=r"(v));	/* emulated */
	return v;
}

/* 1.0 / 0.0 with the zero-divide exception unmasked, then fwait: #MF. */
static unsigned int x87_divide_by_zero(void)
{
	uint16_t cw = 0x037b;	/* the default 0x037f without ZM */
	unsigned int before = traps_taken;

	asm volatile("fninit; fldcw %0; fldz; fld1; fdivp" : : "m"(cw) : "memory");
	EXPECT_TRAP("fwait", : : : "memory");
	asm volatile("fnclex; fninit" : : : "memory");
	return traps_taken - before;
}

/* fwait with the virtual TS set: #NM (MP set), then TS cleared again. */
static unsigned int fwait_with_ts(void)
{
	unsigned int before = traps_taken;

	hypercall1(__HYPERVISOR_fpu_taskswitch, 1);
	EXPECT_TRAP("fwait", : : : "memory");
	hypercall1(__HYPERVISOR_fpu_taskswitch, 0);
	return traps_taken - before;
}

static volatile unsigned int nm_count;
static volatile uint64_t nm_cr0;

/* #NM: counted, CR0 read, and back to the instruction (TS cleared if still set). */
static bool nm_hook(struct trap_frame *f)
{
	if (f->vector != 7)
		return false;
	nm_count++;
	nm_cr0 = read_guest_cr0();
	if (nm_cr0 & CR0_TS)
		hypercall1(__HYPERVISOR_fpu_taskswitch, 0);	/* else it loops */
	return true;
}

/* A user program: fwait, then back to the kernel (system call 60). */
extern const uint8_t nm_prog[], nm_prog_end[];
asm(".pushsection .rodata\n"
    ".globl nm_prog, nm_prog_end\n"
    "nm_prog:\n"
    "	fwait\n"
    "	mov $60, %eax\n"
    "	syscall\n"
    "	ud2\n"
    "nm_prog_end:\n"
    ".popsection");

/*
 * fwait with TS set, from kernel or user mode, its #NM handler returning
 * to it: the #NMs taken.
 */
static unsigned int fwait_retried(bool user)
{
	nm_count = 0;
	nm_cr0 = 0;
	trap_hook = nm_hook;
	hypercall1(__HYPERVISOR_fpu_taskswitch, 1);
	if (user)
		enter_user(USER_BASE, USER_DATA + 4096);
	else
		asm volatile("fwait" : : : "memory");
	trap_hook = NULL;
	return nm_count;
}

int test_main(struct start_info *si)
{
	uint64_t cr0;
	unsigned int n, i;

	mm_init(si);
	if (traps_install(true))
		return fail("set_trap_table failed");
	CHECK(user_setup(nm_prog, nm_prog_end - nm_prog, 1) == 0, "user_setup failed");
	cr0 = read_guest_cr0();
	printf("cr0-faults: the guest's CR0 %#lx\n", (unsigned long)cr0);
	CHECK((cr0 & (CR0_MP | CR0_NE | CR0_AM)) == (CR0_MP | CR0_NE | CR0_AM),
	      "CR0 %#lx lacks MP, NE or AM", (unsigned long)cr0);

	n = x87_divide_by_zero();
	CHECK(n == 1 && last_trap.vector == 16,
	      "x87 1/0 unmasked, then fwait: %u traps, vector %lu (want one #MF)",
	      n, (unsigned long)last_trap.vector);

	n = fwait_with_ts();
	CHECK(n == 1 && last_trap.vector == 7,
	      "fwait with the virtual TS set: %u traps, vector %lu (want one #NM)",
	      n, (unsigned long)last_trap.vector);

	for (i = 0; i < 2; i++) {
		n = fwait_retried(i);
		CHECK(n == 1 && !(nm_cr0 & CR0_TS) && !(read_guest_cr0() & CR0_TS),
		      "fwait with TS set in %s mode, the #NM handler returning to it: %u #NM, CR0 "
		      "in the handler %#lx, after %#lx (want one #NM, TS clear in both: the #NM "
		      "clears it)", i ? "user" : "kernel", n, (unsigned long)nm_cr0,
		      (unsigned long)read_guest_cr0());
	}
	printf("cr0-faults: #MF at fwait, #NM at fwait with TS, TS clear in its handler\n");
	return TEST_PASS;
}
