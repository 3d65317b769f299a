// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-fsgsbase: FS and GS bases written by wrfsbase/wrgsbase (CR4.FSGSBASE
 * set through the guest's virtual CR4) are each vCPU's own across context
 * switches, and the real CR4.FSGSBASE follows the vCPU that runs.
 *   vCPU 0 sets CR4.FSGSBASE and, each round, writes fresh FS and GS
 *   bases with wrfsbase and wrgsbase (no hypercall between), yields, and
 *   reads them back with rdfsbase/rdgsbase;
 *   vCPU 1 never sets CR4.FSGSBASE: rdfsbase must be #UD for it every
 *   round (the bit must not stay on the pCPU after vCPU 0), and its bases,
 *   set by set_segment_base, must read back through rdmsr.
 * A base that is not canonical: wrfsbase raises #GP on hardware; QEMU's
 * TCG takes it, and the next context switch then writes it back with
 * wrmsr, which must not fault in the hypervisor (on hardware the value
 * never gets there). With one pCPU the vCPUs switch on every yield.
 * Skipped without the CPU's FSGSBASE.
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/smp.h"
#include "lib/segbase.h"

#define STACK_SIZE	8192
#define ROUNDS		200
#define CR4_FSGSBASE	(1UL << 16)

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile unsigned int done1, bad1, round1;
static volatile uint64_t bad1_val;

static uint64_t read_cr4(void)
{
	uint64_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/* rdfsbase must be #UD without CR4.FSGSBASE: true when it was. */
static bool rdfsbase_ud(void)
{
	unsigned int before = traps_taken;
	uint64_t v = 0;

	EXPECT_TRAP("rdfsbase %0", : "+r"(v) : : "memory");
	return traps_taken == before + 1 && last_trap.vector == 6;
}

static void vcpu1(unsigned long id)
{
	unsigned int r;

	(void)id;
	if (traps_install(true))
		bad1 = 5;
	for (r = 0; r < ROUNDS && !bad1; r++) {
		uint64_t fs = 0x7000000000ULL + r * 0x1000, gs = 0x6000000000ULL + r * 0x1000;

		round1 = r;
		if (read_cr4() & CR4_FSGSBASE) {
			bad1 = 1;
			break;
		}
		set_segment_base(SEGBASE_FS, fs);
		set_segment_base(SEGBASE_GS_KERNEL, gs);
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		if (!rdfsbase_ud()) {
			bad1 = 2;
			break;
		}
		if (msr_read(MSR_FS_BASE) != fs) {
			bad1 = 3;
			bad1_val = msr_read(MSR_FS_BASE);
			break;
		}
		if (msr_read(MSR_GS_BASE) != gs) {
			bad1 = 4;
			bad1_val = msr_read(MSR_GS_BASE);
			break;
		}
	}
	done1 = 1;
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

static void write_bases(uint64_t fs, uint64_t gs)
{
	asm volatile("wrfsbase %0; wrgsbase %1" : : "r"(fs), "r"(gs) : "memory");
}

static void read_bases(uint64_t *fs, uint64_t *gs)
{
	asm volatile("rdfsbase %0; rdgsbase %1" : "=&r"(*fs), "=&r"(*gs) : : "memory");
}

int test_main(struct start_info *si)
{
	uint32_t a = 7, b, c = 0, d;
	uint64_t fs, gs, want_fs, want_gs;
	unsigned int r;
	long rc;

	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (!(b & 1))
		return skip("no FSGSBASE offered");
	asm volatile("mov %0, %%cr4" : : "r"(read_cr4() | CR4_FSGSBASE));
	CHECK(read_cr4() & CR4_FSGSBASE, "CR4.FSGSBASE not taken");
	rc = smp_start_vcpu(si, 1, vcpu1, stack1, sizeof(stack1));
	CHECK(rc == 0, "starting vCPU 1 gave %ld", rc);
	for (r = 0; r < ROUNDS && !done1; r++) {
		want_fs = 0x1000000000ULL + r * 0x1000;
		want_gs = 0x2000000000ULL + r * 0x1000;
		write_bases(want_fs, want_gs);
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		read_bases(&fs, &gs);
		CHECK(fs == want_fs && gs == want_gs, "round %u: fs %#lx gs %#lx, want %#lx %#lx",
		      r, (unsigned long)fs, (unsigned long)gs, (unsigned long)want_fs,
		      (unsigned long)want_gs);
		CHECK(read_cr4() & CR4_FSGSBASE, "round %u: CR4.FSGSBASE lost", r);
	}
	while (!done1)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	CHECK(!bad1, "vCPU 1 round %u: check %u failed (value %#lx)", round1, bad1,
	      (unsigned long)bad1_val);

	/* A base QEMU takes and hardware refuses: the hypervisor must survive it. */
	traps_taken = 0;
	EXPECT_TRAP("wrfsbase %0", : : "r"(0x8000000000001000ULL) : "memory");
	EXPECT_TRAP("wrgsbase %0", : : "r"(0x8000000000002000ULL) : "memory");
	printf("attack-fsgsbase: non-canonical wrfsbase/wrgsbase: %u #GP (hardware 2, TCG 0)\n",
	       traps_taken);
	for (r = 0; r < 20; r++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	write_bases(0, 0);
	printf("attack-fsgsbase: bases and CR4.FSGSBASE stay each vCPU's own\n");
	return TEST_PASS;
}
