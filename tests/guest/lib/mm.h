/* SPDX-License-Identifier: GPL-2.0-only */
/* Page-table helpers for test guests that edit their own address space. */
#ifndef GUEST_MM_H
#define GUEST_MM_H

#include "guest.h"
#include <lamina/mm.h>
#include <lamina/memory.h>

#define GUEST_VIRT_BASE	0xffffffff80000000ULL
#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_US		0x004ULL
#define PTE_A		0x020ULL
#define PTE_D		0x040ULL
#define PTE_PSE		0x080ULL
#define PTE_G		0x100ULL
#define PTE_GUEST_KERNEL (1ULL << 52)	/* what Xen adds to a kernel L1 entry */
#define PTE_ADDR	0x000FFFFFFFFFF000ULL
#define PTE_DATA	(PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D)

void mm_init(struct start_info *si);
uint64_t va_to_mfn(uint64_t va);		/* start-of-day region only */
uint64_t mfn_to_va(uint64_t mfn);		/* ditto, through the M2P */
uint64_t l1e_maddr(uint64_t va);		/* machine address of va's L1 entry */
uint64_t table_maddr(uint64_t va, unsigned int level);	/* entry at a level */
uint64_t scratch_page(void);			/* a zeroed page of the padding, RW */
/* A scratch page holding entry0 in slot 0, mapped read-only: a table to be. */
uint64_t table_page(uint64_t entry0);

/* The page-table entry at machine address ma, through the start-of-day mapping. */
static inline volatile uint64_t *entry_at(uint64_t ma)
{
	return (volatile uint64_t *)(mfn_to_va(ma >> 12) + (ma & 4095));
}

/* va's L1 entry as it is now. */
static inline uint64_t l1e_of(uint64_t va)
{
	return *entry_at(l1e_maddr(va));
}

/* An L1 entry mapping mfn read-only, or writable (both user, accessed). */
static inline uint64_t pte_ro(uint64_t mfn)
{
	return (mfn << 12) | PTE_P | PTE_US | PTE_A;
}

static inline uint64_t pte_rw(uint64_t mfn)
{
	return (mfn << 12) | PTE_DATA;
}

/* The L3 of the hypervisor's L4 slot 256 in si's tables: a frame no guest owns. */
static inline uint64_t hypervisor_l3_mfn(const struct start_info *si)
{
	return (((const uint64_t *)si->pt_base)[256] & PTE_ADDR) >> 12;
}

static inline long mmu_update1(uint64_t ptr, uint64_t val)
{
	struct mmu_update u = { ptr, val };

	return hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, DOMID_SELF, 0);
}

static inline long mmuext1(unsigned int cmd, uint64_t arg1)
{
	struct mmuext_op op = { cmd, 0, { arg1 }, { 0 } };

	return hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF, 0);
}

/* One mmu_update request, the frames' owner named by foreigndom fd. */
static inline long mmu_update_fd(uint64_t ptr, uint64_t val, uint16_t fd)
{
	struct mmu_update u = { ptr, val };

	return hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, fd, 0);
}

/* One mmuext_op with both arguments, on behalf of foreigndom fd. */
static inline long mmuext_fd(unsigned int cmd, uint64_t arg1, uint64_t arg2, uint16_t fd)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.mfn = arg1, .arg2.src_mfn = arg2 };

	return hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, fd, 0);
}

static inline long update_va_mapping(uint64_t va, uint64_t val, uint64_t flags)
{
	return hypercall3(__HYPERVISOR_update_va_mapping, va, val, flags);
}

/* mfn mapped at va with flags, its owner named fd (DOMID_SELF: the caller), then unmapped: the answer. */
static inline long try_map(uint64_t va, uint64_t mfn, uint64_t flags, uint16_t fd)
{
	long rc = mmu_update_fd(l1e_maddr(va), (mfn << 12) | flags, fd);

	if (rc == 0)
		update_va_mapping(va, 0, UVMF_INVLPG);
	return rc;
}

/* decrease_reservation of one frame of the caller's: extents given back (0 or 1). */
static inline long give_back_frame(uint64_t mfn)
{
	struct xen_memory_reservation r = { (uint64_t)&mfn, 1, 0, 0, DOMID_SELF, { 0 } };

	return hypercall2(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, &r);
}

/* The caller's current reservation (frames). */
static inline long current_reservation(void)
{
	domid_t self = DOMID_SELF;

	return hypercall2(__HYPERVISOR_memory_op, XENMEM_current_reservation, &self);
}

#endif
