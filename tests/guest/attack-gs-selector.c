// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-gs-selector: the %gs selector is each vCPU's own, as the other
 * segment registers are. A guest loads %gs itself (mov to %gs in ring 3;
 * Linux's 32-bit processes keep their TLS selector there), and a vCPU that
 * runs next on the same pCPU must neither read it (another domain's state)
 * nor lose its own when it comes back.
 *   vCPU 0 loads FLAT_RING3_DS32 into %gs and yields until vCPU 1 has run;
 *   vCPU 1 (started with %gs 0) reads %gs, then loads a null %gs;
 *   vCPU 0 reads its %gs back.
 * With one pCPU the two run in turn on it: vCPU 1 must read 0 and vCPU 0
 * FLAT_RING3_DS32, as on Xen 4.17 (its context switch saves and loads
 * %gs). Lamina switched every segment register but %gs: vCPU 1 read
 * 0xe02b and vCPU 0 came back with 0. With two pCPUs the vCPUs may run
 * apart; the answers must be the same.
 * Then SEGBASE_GS_USER_SEL loads its selector into %gs, as Xen 4.17's does
 * (a selector naming nothing loadable loads null), and leaves the kernel
 * GS base alone; Lamina set only the user GS base.
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/segbase.h"
#include "lib/wait.h"

#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile unsigned int step;
static volatile uint16_t gs_seen_by_1 = 0xffff;

static uint16_t read_gs(void)
{
	uint16_t s;

	asm volatile("mov %%gs, %0" : "=r"(s));
	return s;
}

static void vcpu1(unsigned long id)
{
	(void)id;
	while (step != 1)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	gs_seen_by_1 = read_gs();
	asm volatile("mov %0, %%gs" : : "r"(0));
	step = 2;
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

int test_main(struct start_info *si)
{
	uint16_t gs;
	long rc;

	mm_init(si);
	rc = smp_start_vcpu(si, 1, vcpu1, stack1, sizeof(stack1));
	CHECK(rc == 0, "starting vCPU 1 gave %ld", rc);
	asm volatile("mov %0, %%gs" : : "r"(FLAT_RING3_DS32));
	CHECK(read_gs() == FLAT_RING3_DS32, "gs is %#x after loading it", read_gs());
	step = 1;
	CHECK(WAIT_UNTIL(step == 2), "vCPU 1 did not run");
	gs = read_gs();
	asm volatile("mov %0, %%gs" : : "r"(0));
	CHECK(gs_seen_by_1 == 0, "vCPU 1 read gs %#x: vCPU 0's selector", gs_seen_by_1);
	CHECK(gs == FLAT_RING3_DS32, "vCPU 0's gs is %#x after vCPU 1 ran (want %#x)", gs,
	      FLAT_RING3_DS32);

	CHECK(set_segment_base(SEGBASE_GS_KERNEL, 0x123000) == 0, "setting the kernel GS base failed");
	CHECK(set_segment_base(SEGBASE_GS_USER_SEL, FLAT_RING3_DS32) == 0, "GS_USER_SEL %#x failed",
	      FLAT_RING3_DS32);
	gs = read_gs();
	CHECK(gs == FLAT_RING3_DS32, "gs is %#x after GS_USER_SEL %#x", gs, FLAT_RING3_DS32);
	CHECK(msr_read(MSR_GS_BASE) == 0x123000, "kernel GS base %#lx after GS_USER_SEL",
	      (unsigned long)msr_read(MSR_GS_BASE));
	CHECK(set_segment_base(SEGBASE_GS_USER_SEL, 0x1238) == 0, "GS_USER_SEL 0x1238 failed");
	gs = read_gs();
	CHECK(gs == 0, "gs is %#x after GS_USER_SEL 0x1238 (past the GDT)", gs);
	CHECK(msr_read(MSR_GS_BASE) == 0x123000, "kernel GS base %#lx after GS_USER_SEL 0x1238",
	      (unsigned long)msr_read(MSR_GS_BASE));
	printf("attack-gs-selector: each vCPU keeps its own %%gs\n");
	return TEST_PASS;
}
