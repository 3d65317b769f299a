/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The start of a writable-page-table test (attack-emul, ptwr-forms):
 * events and traps (events masked), writable page tables on, and a
 * scratch page whose L1 entry the test writes through the table's
 * read-only mapping; the checks' helpers, failures counted in `failures`.
 */
#ifndef GUEST_PTWR_H
#define GUEST_PTWR_H

#include "guest.h"
#include "mm.h"
#include "traps.h"
#include "events.h"

static unsigned int failures;

/* The guest's CR2 as the hypervisor reported it for the last #PF. */
static inline uint64_t cr2(void)
{
	return ((volatile struct vcpu_info *)&shared->vcpu_info[0])->arch.cr2;
}

static inline void expect(bool ok, const char *what, uint64_t got)
{
	if (!ok) {
		printf("check failed: %s: %#lx\n", what, (unsigned long)got);
		failures++;
	}
}

/* The trap an instruction raised (vector, or -1 for none) against what Xen 4.17 gives. */
static inline void judge(const char *what, int vec)
{
	int got = traps_taken ? (int)last_trap.vector : -1;

	if (traps_taken > 1 || got != vec) {
		printf("check failed: %s: %u traps, vector %d (expected %d)\n", what, traps_taken,
		       got, vec);
		failures++;
	}
}

/*
 * *page the scratch page, *pte its entry (through the L1's read-only
 * mapping), *ro the entry mapping it read-only (P US A D). 0, or the
 * failure (recorded) to return from test_main.
 */
static inline int ptwr_test_init(struct start_info *si, uint64_t *page,
				 volatile uint64_t **pte, uint64_t *ro)
{
	uint64_t mfn;

	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	CHECK(hypercall2(__HYPERVISOR_vm_assist, VMASST_CMD_enable,
			 VMASST_TYPE_writable_pagetables) == 0, "vm_assist failed");
	*page = scratch_page();
	mfn = va_to_mfn(*page);
	*pte = (volatile uint64_t *)(mfn_to_va(l1e_maddr(*page) >> 12) + (l1e_maddr(*page) & 4095));
	*ro = (mfn << 12) | PTE_P | PTE_US | PTE_A | PTE_D;
	return 0;
}

#endif
