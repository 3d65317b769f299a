// SPDX-License-Identifier: GPL-2.0-only
/*
 * movss: MOV SS followed by syscall, with a data breakpoint on the MOV
 * SS source (the class of Xen's XSA-260). On hardware, MOV SS delays the
 * #DB its read raised past the next instruction; with syscall next, the
 * #DB arrives on the hypervisor's first instruction, in ring 0, still on
 * the guest's stack and with the guest's GS. The hypervisor must take it
 * on a stack of its own (#DB, NMI, #DF and #MC on IST stacks: the boot
 * log line checked below comes from a self check of the IDT and TSS),
 * drop it, and run the hypercall. QEMU's TCG does not delay the #DB that
 * way, so here the mechanism is checked by that log line and by review;
 * what the guest sees must still be sane everywhere: the hypercall's
 * result, and at most a #DB of its own in guest code.
 * Also: a breakpoint on a hypercall argument the hypervisor reads, and
 * TF set across a hypercall, neither of which may disturb it.
 * @expect-log: cpu: IST stacks: #DB [1-7], NMI [1-7], #DF [1-7], #MC [1-7]
 */
#include "lib/guest.h"
#include "lib/traps.h"

#define DR7_L0_RW2	(1ULL | (3ULL << 16) | (1ULL << 18))	/* L0, read/write, 2 bytes */

static volatile uint16_t ss_source = FLAT_KERNEL_SS;
static unsigned int nr_db;
static uint64_t db_rips[8];

static bool db_hook(struct trap_frame *f)
{
	if (f->vector != 1)
		return false;
	if (nr_db < ARRAY_SIZE(db_rips))
		db_rips[nr_db] = f->rip;
	nr_db++;
	f->rflags &= ~0x100ULL;		/* TF: one step is enough */
	return true;
}

/* mov ss from the watched word, then at once a hypercall (xen_version). */
static long movss_syscall(void)
{
	uint64_t cmd = XENVER_version, arg = 0;
	long ret;

	/* rdi and rsi are the call's arguments: a debug build scribbles them. */
	asm volatile("mov %3, %%ss\n\t"
		     "syscall"
		     : "=a"(ret), "+D"(cmd), "+S"(arg)
		     : "m"(ss_source), "a"(__HYPERVISOR_xen_version)
		     : "rcx", "r11", "rdx", "r8", "r10", "memory");
	return ret;
}

static int check_db_rips(const char *what)
{
	unsigned int i;

	for (i = 0; i < nr_db && i < ARRAY_SIZE(db_rips); i++)
		CHECK(db_rips[i] >= 0xffffffff80000000ULL && db_rips[i] < 0xffffffffc0000000ULL,
		      "%s: #DB %u reported rip %#lx, outside the guest's code", what, i,
		      (unsigned long)db_rips[i]);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	long want = HYPERVISOR_xen_version(XENVER_version, NULL), rc;
	unsigned int i;
	int r;

	CHECK(traps_install(true) == 0, "set_trap_table failed");
	trap_hook = db_hook;
	CHECK(hypercall2(__HYPERVISOR_set_debugreg, 0, (uint64_t)&ss_source) == 0,
	      "set_debugreg DR0 failed");
	CHECK(hypercall2(__HYPERVISOR_set_debugreg, 7, DR7_L0_RW2) == 0,
	      "set_debugreg DR7 failed");

	for (i = 0; i < 10; i++) {
		rc = movss_syscall();
		CHECK(rc == want, "xen_version after mov ss gave %#lx, expected %#lx (%u #DB, at %#lx)",
		      (unsigned long)rc, (unsigned long)want, nr_db, (unsigned long)db_rips[0]);
	}
	r = check_db_rips("mov ss + syscall");
	if (r != TEST_PASS)
		return r;
	printf("movss: 10 mov ss + syscall with a breakpoint on the ss source: %u #DB seen by the guest\n",
	       nr_db);

	/* The hypervisor reads the watched word as a hypercall argument. */
	nr_db = 0;
	rc = HYPERVISOR_console_io(CONSOLEIO_write, 2, (const void *)&ss_source);
	CHECK(rc == 0, "console_io of the watched word gave %ld", rc);
	r = check_db_rips("console_io of the watched word");
	if (r != TEST_PASS)
		return r;
	printf("\nmovss: the hypervisor read a watched word: %u #DB seen by the guest\n", nr_db);

	CHECK(hypercall2(__HYPERVISOR_set_debugreg, 7, 0) == 0, "clearing DR7 failed");
	return TEST_PASS;
}
