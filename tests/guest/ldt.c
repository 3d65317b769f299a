// SPDX-License-Identifier: GPL-2.0-only
/*
 * ldt: MMUEXT_SET_LDT with lazy, validated mapping (docs/abi-core.md §2.15).
 * A data descriptor in a read-only mapped LDT page loads through an LDT
 * selector (the hypervisor maps the page on that first use, after checking
 * every descriptor in it); an LDT page the guest can still write cannot be
 * used and the load faults for the guest; bad SET_LDT arguments are
 * refused.
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"

static long set_ldt(uint64_t base, uint32_t ents)
{
	struct mmuext_op op = { MMUEXT_SET_LDT, 0, { base }, { 0 } };

	op.arg2.nr_ents = ents;
	return hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF, 0);
}

int test_main(struct start_info *si)
{
	uint64_t ldt, bad;
	uint16_t ds;

	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	ldt = scratch_page();
	((uint64_t *)ldt)[1] = 0x00cff3000000ffffULL;	/* flat data, DPL 3 */
	CHECK(update_va_mapping(ldt, (va_to_mfn(ldt) << 12) | PTE_P | PTE_US | PTE_A,
				UVMF_INVLPG) == 0, "read-only remap failed");
	CHECK(set_ldt(ldt + 8, 2) < 0, "an unaligned LDT base accepted");
	CHECK(set_ldt(ldt, 8193) < 0, "8193 LDT entries accepted");
	CHECK(set_ldt(ldt, 2) == 0, "SET_LDT failed");
	asm volatile("mov %1, %%ds; mov %%ds, %0" : "=r"(ds) : "r"(0x0F));	/* index 1, LDT, RPL 3 */
	CHECK(ds == 0x0F, "ds is %#x after loading an LDT selector", ds);
	asm volatile("mov %0, %%ds" : : "r"(0));
	CHECK(update_va_mapping(ldt, (va_to_mfn(ldt) << 12) | PTE_DATA, UVMF_INVLPG) < 0,
	      "the LDT page in use was mapped writable");

	/* A writable LDT page is never used: the load faults for the guest. */
	bad = scratch_page();
	((uint64_t *)bad)[1] = 0x00cff3000000ffffULL;
	CHECK(set_ldt(bad, 2) == 0, "SET_LDT of a writable page failed");
	traps_taken = 0;
	EXPECT_TRAP("mov %0, %%ds", : : "r"(0x0F) : "memory");
	CHECK(traps_taken == 1 && (last_trap.vector == 14 || last_trap.vector == 13),
	      "loading from a writable LDT: %u traps, vector %lu", traps_taken,
	      (unsigned long)last_trap.vector);
	asm volatile("mov %0, %%ds" : : "r"(0));
	CHECK(set_ldt(0, 0) == 0, "clearing the LDT failed");
	CHECK(update_va_mapping(ldt, (va_to_mfn(ldt) << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "the released LDT page is still typed");
	printf("ldt: lazy mapping, validation and refusals behave\n");
	return TEST_PASS;
}
