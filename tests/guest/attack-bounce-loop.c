// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-bounce-loop: a fault that each delivery raises again. Vector 3
 * and the page fault's vector 14 both have their handler at a hypervisor
 * address (canonical, so set_trap_table takes it, on Xen 4.17 as here).
 * An int3 in kernel mode bounces there, the guest's fetch at that rip is a
 * #PF, which bounces to the same address, and so on: each delivery writes
 * one more frame below the last. The stack is the top of a scratch page
 * whose page below is a pinned L1 page table (mapped read-only, as every
 * page table): after 64 frames the next one would go into the L1. It
 * cannot be written, and the domain is crashed, as Xen 4.17's
 * create_bounce_frame does; the hypervisor never writes the page table,
 * never takes the fault itself, and the loop, a fault and a return each
 * time, holds no CPU.
 * @expect: crash
 * @expect-log: cannot write an exception frame at 0xffffffff80\w+fc0
 */
#include "lib/guest.h"
#include "lib/traps.h"
#include "lib/mm.h"
#include <lamina/callback.h>

#define HV_ADDR		0xffff800000001000ULL

int test_main(struct start_info *si)
{
	static struct trap_info t[3] = {
		{ .vector = 3, .flags = 3, .cs = FLAT_KERNEL_CS, .address = HV_ADDR },
		{ .vector = 14, .flags = 0, .cs = FLAT_KERNEL_CS, .address = HV_ADDR },
	};

	uint64_t l1, l1_va, stack;

	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	l1 = table_page(0);
	l1_va = mfn_to_va(l1);
	stack = scratch_page();
	CHECK(stack == l1_va + 4096, "scratch pages not consecutive");
	CHECK(mmuext1(MMUEXT_PIN_L1_TABLE, l1) == 0, "pinning the L1 failed");
	CHECK(hypercall1(__HYPERVISOR_set_trap_table, t) == 0,
	      "set_trap_table with hypervisor addresses failed");
	printf("int3 and #PF at a hypervisor address, stack %#lx, an L1 page table at %#lx: "
	       "the domain must be crashed\n", (unsigned long)(stack + 4096), (unsigned long)l1_va);
	asm volatile("mov %0, %%rsp\n\tint3" : : "r"(stack + 4096) : "memory");
	return fail("came back from the int3");
}
