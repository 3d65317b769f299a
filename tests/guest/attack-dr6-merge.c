// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-dr6-merge: the guest's virtual DR6 since session 34 merges each
 * #DB's bits into what it held (sticky until the guest clears them, as
 * Xen 4.17's do_debug), so any bit left in the CPU's DR6 by someone else
 * would now stay in a guest's DR6 for good (session 34 review, the
 * landings). What must hold, as on Xen 4.17:
 *   a data breakpoint the hypervisor hits on a hypercall's buffer (a
 *   write by xen_version, a read by memory_op) is dropped: no trap, the
 *   guest's DR6 unchanged, and a single step after it reads BS alone
 *   (no B0 carried into the next #DB);
 *   two vCPUs taking #DBs at once keep apart: vCPU 1 hits its write
 *   breakpoint over and over (DR6 exactly B0 each time, after clearing
 *   it), while vCPU 0, with no breakpoint armed, single-steps ROUNDS
 *   times (DR6 exactly BS each time); at --smp 1 they take turns on one
 *   CPU (each yields every round), at --smp 2 they run on two.
 * QEMU's TCG recomputes DR6's B0-B3 at every step and breakpoint (BS it
 * leaves), so a B bit left in the CPU's DR6 cannot show here, a BS can:
 * with vcpu_note_debug_trap() not resetting the CPU's DR6 (a trial) vCPU
 * 1's hits read BS from vCPU 0's steps. (int1 would show every bit, but
 * TCG answers it with #UD, as conform-trap-diff's icebp lines record.)
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/traps.h"
#include "lib/physinfo.h"
#include <lamina/memory.h>
#include <lamina/version.h>

#define ROUNDS		2000
#define STACK_SIZE	16384
#define TF		0x100ULL
#define DR6_DEFAULT	0xFFFF0FF0ULL
#define DR6_B0		0x1ULL
#define DR6_BS		0x4000ULL
/* DR7: L0, the breakpoint's R/W (1 write, 3 read/write) and LEN 8 bytes (2). */
#define DR7_L0(rw)	(0x401ULL | ((uint64_t)(rw) << 16) | (2ULL << 18))

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile uint16_t buf0[8] __attribute__((aligned(16)));	/* xen_version writes 16 */
static volatile uint64_t buf1 __attribute__((aligned(8)));
static volatile bool started, stop, arm_failed;
static volatile unsigned int db0, db1, bad1, rounds1;
static volatile uint64_t dr6_0, bad1_dr6;

static long set_dr(unsigned int reg, uint64_t val)
{
	return hypercall2(__HYPERVISOR_set_debugreg, reg, val);
}

static uint64_t get_dr(unsigned int reg)
{
	return (uint64_t)hypercall1(__HYPERVISOR_get_debugreg, reg);
}

static bool on_vcpu1(void)
{
	uint64_t sp = (uint64_t)__builtin_frame_address(0);

	return sp >= (uint64_t)stack1 && sp < (uint64_t)stack1 + sizeof(stack1);
}

/* Each vCPU's #DB: its DR6 as the hypervisor has it then, TF off. */
static bool db_hook(struct trap_frame *f)
{
	uint64_t dr6;

	if (f->vector != 1)
		return false;
	dr6 = get_dr(6);
	f->rflags &= ~TF;
	if (on_vcpu1()) {
		if (dr6 != (DR6_DEFAULT | DR6_B0) && !bad1++)
			bad1_dr6 = dr6;
		db1++;
	} else {
		dr6_0 = dr6;
		db0++;
	}
	return true;
}

/* TF over one nop: the CPU's own step, a #DB right after it. */
static void step_nop(void)
{
	asm volatile("pushfq\n\t"
		     "orq $0x100, (%%rsp)\n\t"
		     "popfq\n\t"
		     "nop\n\t"
		     "nop" ::: "memory", "cc");
}

static void vcpu1(unsigned long arg)
{
	unsigned int i;

	(void)arg;
	if (traps_install(false) || set_dr(0, (uint64_t)&buf1) || set_dr(7, DR7_L0(1)))
		arm_failed = true;
	started = true;
	for (i = 0; !stop; i++) {
		set_dr(6, 0);
		buf1 = i;			/* the write breakpoint: a #DB */
		rounds1 = i + 1;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	set_dr(7, 0);
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/* The hypervisor's hits on a watched hypercall buffer are dropped. */
static int hypervisor_hits(void)
{
	long rc;

	CHECK(set_dr(0, (uint64_t)buf0) == 0 && set_dr(6, 0) == 0 && set_dr(7, DR7_L0(3)) == 0,
	      "arming DR0 on the buffer failed");
	rc = hypercall2(__HYPERVISOR_xen_version, XENVER_extraversion, (uint64_t)buf0);
	CHECK(rc == 0, "xen_version into the watched buffer gave %ld", rc);
	buf0[0] = 0;		/* a guest write: B0 */
	CHECK(db0 == 1 && dr6_0 == (DR6_DEFAULT | DR6_B0),
	      "the guest's own write: %u #DB, DR6 %#lx (expected one, %#llx)", db0,
	      (unsigned long)dr6_0, DR6_DEFAULT | DR6_B0);
	CHECK(set_dr(6, 0) == 0, "clearing DR6 failed");
	db0 = 0;
	rc = hypercall2(__HYPERVISOR_xen_version, XENVER_extraversion, (uint64_t)buf0);
	CHECK(rc == 0, "xen_version into the watched buffer gave %ld", rc);
	buf0[0] = DOMID_SELF;	/* hit, cleared below */
	CHECK(set_dr(6, 0) == 0, "clearing DR6 failed");
	db0 = 0;
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_maximum_reservation, (uint64_t)buf0);
	CHECK(rc > 0, "maximum_reservation from the watched buffer gave %ld", rc);
	CHECK(db0 == 0, "the hypervisor's reads and writes of the buffer: %u #DB delivered", db0);
	CHECK(get_dr(6) == DR6_DEFAULT, "DR6 %#lx after the hypervisor's hits, expected %#llx",
	      (unsigned long)get_dr(6), DR6_DEFAULT);
	step_nop();
	CHECK(db0 == 1 && dr6_0 == (DR6_DEFAULT | DR6_BS),
	      "a step after them: %u #DB, DR6 %#lx (expected one, %#llx: no B0 kept)", db0,
	      (unsigned long)dr6_0, DR6_DEFAULT | DR6_BS);
	CHECK(set_dr(7, 0) == 0 && set_dr(0, 0) == 0 && set_dr(6, 0) == 0, "disarming failed");
	printf("attack-dr6-merge: breakpoint on a hypercall buffer: the hypervisor's hits "
	       "dropped, DR6 %#llx after, a step after them %#lx\n", DR6_DEFAULT,
	       (unsigned long)dr6_0);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	struct sysctl pi;
	unsigned int i, bad0 = 0;
	uint64_t bad0_dr6 = 0;
	bool one_cpu;
	long rc;

	mm_init(si);
	CHECK(traps_install(false) == 0, "set_trap_table failed");
	trap_hook = db_hook;
	if (hypervisor_hits() != TEST_PASS)
		return TEST_FAIL;
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	one_cpu = pi.u.physinfo.nr_cpus < 2;
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	CHECK(!arm_failed, "vCPU 1 could not arm its breakpoint");
	for (i = 0; i < ROUNDS; i++) {
		set_dr(6, 0);
		db0 = 0;
		step_nop();
		if ((db0 != 1 || dr6_0 != (DR6_DEFAULT | DR6_BS)) && !bad0++)
			bad0_dr6 = dr6_0;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	smp_wait_count(&rounds1, ROUNDS / 4, one_cpu);
	stop = true;
	printf("attack-dr6-merge: %u steps on vCPU 0 (%u not DR6 %#llx, first %#lx), %u write "
	       "hits on vCPU 1 (%u not %#llx, first %#lx)\n", ROUNDS, bad0, DR6_DEFAULT | DR6_BS,
	       (unsigned long)bad0_dr6, db1, bad1, DR6_DEFAULT | DR6_B0, (unsigned long)bad1_dr6);
	CHECK(!bad0, "vCPU 0's steps read DR6 %#lx (%u of %u)", (unsigned long)bad0_dr6, bad0,
	      ROUNDS);
	CHECK(!bad1, "vCPU 1's write hits read DR6 %#lx (%u)", (unsigned long)bad1_dr6, bad1);
	CHECK(db1 >= ROUNDS / 4, "vCPU 1 took %u #DB in %u rounds", db1, rounds1);
	return TEST_PASS;
}
