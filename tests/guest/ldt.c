// SPDX-License-Identifier: GPL-2.0-only
/*
 * ldt: MMUEXT_SET_LDT with lazy, validated mapping (docs/abi-core.md §2.15).
 * A data descriptor in a read-only mapped LDT page loads through an LDT
 * selector (the hypervisor maps the page on that first use, after checking
 * every descriptor in it); an LDT page the guest can still write cannot be
 * used and the load faults for the guest; bad SET_LDT arguments are
 * refused; SET_LDT of the LDT in use again changes nothing (its used
 * page stays mapped and typed, as Xen 4.17). An iret onto a code selector of an LDT page nothing has used
 * yet works, as on Xen 4.17 (whose iretq faults on the page, maps it and
 * goes on; Lamina refused it with #GP before).
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
	uint64_t ldt, bad, code, flags;
	uint16_t ds, cs;

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
	/* The same LDT again changes nothing (Xen 4.17): its used page stays typed. */
	CHECK(set_ldt(ldt, 2) == 0, "SET_LDT of the same LDT again failed");
	CHECK(update_va_mapping(ldt, (va_to_mfn(ldt) << 12) | PTE_DATA, UVMF_INVLPG) < 0,
	      "the LDT page in use was mapped writable after SET_LDT of the same LDT");

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

	/* iret onto an LDT code selector whose page no load has mapped yet. */
	code = scratch_page();
	((uint64_t *)code)[2] = 0x00affb000000ffffULL;	/* 64-bit code, DPL 3 */
	CHECK(update_va_mapping(code, (va_to_mfn(code) << 12) | PTE_P | PTE_US | PTE_A,
				UVMF_INVLPG) == 0, "read-only remap of the code LDT page failed");
	CHECK(set_ldt(code, 3) == 0, "SET_LDT of the code page failed");
	traps_taken = 0;
	asm volatile("pushfq; pop %0" : "=r"(flags));
	iret_next(0x14, FLAT_KERNEL_SS, flags);		/* LDT index 2, RPL 0: kernel mode */
	asm volatile("mov %%cs, %0" : "=r"(cs));
	CHECK(traps_taken == 0 && cs == 0x17, "iret onto LDT selector 0x14: cs %#x, %u traps (vector %lu)",
	      cs, traps_taken, (unsigned long)last_trap.vector);
	iret_next(FLAT_KERNEL_CS & ~3, FLAT_KERNEL_SS, flags);
	CHECK(set_ldt(0, 0) == 0, "clearing the LDT failed");
	printf("ldt: lazy mapping, validation and refusals behave\n");
	return TEST_PASS;
}
