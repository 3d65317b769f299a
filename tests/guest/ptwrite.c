// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptwrite: with the writable_pagetables assist, a guest kernel writes its
 * own L1 entries directly through their read-only mapping; each write
 * traps and is emulated after validation. Every form Linux uses is tried:
 * mov, xchg, lock cmpxchg (taken and not), lock and/or on a byte (also
 * with the ds prefix a uniprocessor kernel has instead of lock), lock
 * btr/bts. A write the rules forbid arrives as the page fault it was and
 * changes nothing.
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"

static volatile uint64_t *pte;		/* the scratch page's L1 entry, read-only mapped */
static uint64_t page, mfn;

/* True if a write to the scratch page faults (it is mapped read-only). */
static bool page_read_only(void)
{
	traps_taken = 0;
	EXPECT_TRAP("movb $1, (%0)", : : "r"(page) : "memory");
	return traps_taken == 1 && last_trap.vector == 14;
}

int test_main(struct start_info *si)
{
	uint64_t ro = (mfn << 12), rw, expect, old, hv_mfn;
	uint8_t zf;

	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	CHECK(hypercall2(__HYPERVISOR_vm_assist, VMASST_CMD_enable,
			 VMASST_TYPE_writable_pagetables) == 0, "vm_assist failed");
	page = scratch_page();
	mfn = va_to_mfn(page);
	pte = (volatile uint64_t *)(mfn_to_va(l1e_maddr(page) >> 12) + (l1e_maddr(page) & 4095));
	ro = (mfn << 12) | PTE_P | PTE_US | PTE_A | PTE_D;
	rw = ro | PTE_RW;

	/* mov */
	*pte = ro;
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
	CHECK(page_read_only(), "mov: the page is still writable");
	/* xchg gives back the old entry */
	old = rw;
	asm volatile("xchg %0, (%1)" : "+r"(old) : "r"(pte) : "memory");
	CHECK((old & PTE_ADDR) == (mfn << 12) && !(old & PTE_RW), "xchg returned %#lx",
	      (unsigned long)old);
	*(volatile uint8_t *)page = 2;		/* writable again */
	/* lock cmpxchg, taken */
	expect = *pte;
	asm volatile("lock cmpxchg %3, (%2); sete %1"
		     : "+a"(expect), "=q"(zf) : "r"(pte), "r"(ro) : "memory");
	CHECK(zf, "cmpxchg with the right old value failed");
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
	CHECK(page_read_only(), "cmpxchg: the page is still writable");
	/* lock cmpxchg, not taken: entry unchanged, rax = current */
	expect = 12345;
	asm volatile("lock cmpxchg %3, (%2); sete %1"
		     : "+a"(expect), "=q"(zf) : "r"(pte), "r"(rw) : "memory");
	CHECK(!zf && expect == *pte, "failed cmpxchg: zf %u, rax %#lx", zf, (unsigned long)expect);
	CHECK(page_read_only(), "failed cmpxchg changed the entry");
	/* lock or / and on the low byte: RW on, RW off */
	asm volatile("lock orb $2, (%0)" : : "r"(pte) : "memory");
	*(volatile uint8_t *)page = 3;
	asm volatile("lock andb $0xfd, (%0)" : : "r"(pte) : "memory");
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
	CHECK(page_read_only(), "lock and: the page is still writable");
	/* A uniprocessor Linux patches its lock prefixes into ds (3E). */
	asm volatile("lock orb $2, (%0)" : : "r"(pte) : "memory");
	*(volatile uint8_t *)page = 5;
	asm volatile(".byte 0x3e; andb $0xfd, (%0)" : : "r"(pte) : "memory");
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
	CHECK(page_read_only(), "ds andb: the page is still writable");
	/* lock bts / btr on bit 1 */
	asm volatile("lock btsq $1, (%0)" : : "r"(pte) : "memory");
	*(volatile uint8_t *)page = 4;
	asm volatile("lock btrq $1, (%0)" : : "r"(pte) : "memory");
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
	CHECK(page_read_only(), "lock btr: the page is still writable");

	/* Forbidden: a hypervisor frame, and our own L4 writable. */
	hv_mfn = (((const uint64_t *)si->pt_base)[256] & PTE_ADDR) >> 12;
	old = *pte;
	traps_taken = 0;
	EXPECT_TRAP("movq %0, (%1)", : : "r"((hv_mfn << 12) | PTE_P | PTE_US), "r"(pte) : "memory");
	CHECK(traps_taken == 1 && last_trap.vector == 14, "mapping a hypervisor frame: %u traps",
	      traps_taken);
	CHECK(*pte == old, "the refused write changed the entry");
	traps_taken = 0;
	EXPECT_TRAP("movq %0, (%1)",
		    : : "r"((va_to_mfn(si->pt_base) << 12) | PTE_DATA), "r"(pte) : "memory");
	CHECK(traps_taken == 1 && last_trap.vector == 14, "mapping the L4 writable: %u traps",
	      traps_taken);
	CHECK(*pte == old, "the refused write changed the entry");
	*pte = rw;
	printf("ptwrite: mov, xchg, cmpxchg, and/or, btr/bts emulated; forbidden writes fault\n");
	return TEST_PASS;
}
