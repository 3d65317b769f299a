/* SPDX-License-Identifier: GPL-2.0-only */
/* x86-64 page-table entries and the direct map. */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#include <hv/types.h>
#include <asm/layout.h>

#define _PAGE_PRESENT	(1ULL << 0)
#define _PAGE_RW	(1ULL << 1)
#define _PAGE_USER	(1ULL << 2)
#define _PAGE_PWT	(1ULL << 3)
#define _PAGE_PCD	(1ULL << 4)
#define _PAGE_ACCESSED	(1ULL << 5)
#define _PAGE_DIRTY	(1ULL << 6)
#define _PAGE_PSE	(1ULL << 7)
#define _PAGE_GLOBAL	(1ULL << 8)
#define _PAGE_NX	(1ULL << 63)
#define PTE_ADDR_MASK	0x000FFFFFFFFFF000ULL

typedef uint64_t pte_t;

#define L4_INDEX(va)	(((va) >> 39) & 511)
#define L3_INDEX(va)	(((va) >> 30) & 511)
#define L2_INDEX(va)	(((va) >> 21) & 511)
#define L1_INDEX(va)	(((va) >> 12) & 511)

static inline void *maddr_to_virt(paddr_t pa)
{
	return (void *)(HV_DIRECTMAP_BASE + pa);
}

static inline void *mfn_to_virt(mfn_t mfn)
{
	return maddr_to_virt(mfn << PAGE_SHIFT);
}

static inline paddr_t virt_to_maddr(const void *va)
{
	uint64_t v = (uint64_t)va;

	if (v >= HV_DIRECTMAP_BASE)
		return v - HV_DIRECTMAP_BASE;
	return v - HV_IMAGE_BASE;
}

static inline mfn_t pte_mfn(pte_t e)
{
	return (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
}

static inline pte_t mk_pte(mfn_t mfn, uint64_t flags)
{
	return (mfn << PAGE_SHIFT) | flags;
}

/* The hypervisor's L4 (idle page table), source of the reserved slots. */
extern pte_t idle_l4[512];
extern uint64_t max_ram_mfn;	/* one past the highest RAM frame */

void mm_init(void);
uint64_t mm_free_boot_modules(void);	/* after the boot-time domains are built */
void mm_copy_hypervisor_slots(pte_t *l4);

#endif
