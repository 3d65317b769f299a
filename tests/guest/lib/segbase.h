/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Segments for test guests: rdmsr (of FS_BASE, GS_BASE, ... emulated for a
 * PV kernel), set_segment_base, and a one-page GDT.
 */
#ifndef GUEST_SEGBASE_H
#define GUEST_SEGBASE_H

#include "guest.h"
#include "mm.h"
#include <lamina/callback.h>

#define MSR_FS_BASE		0xC0000100
#define MSR_GS_BASE		0xC0000101

static inline uint64_t msr_read(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline long set_segment_base(unsigned int which, uint64_t base)
{
	return hypercall2(__HYPERVISOR_set_segment_base, which, base);
}

/*
 * A scratch page with desc[0..15] as this vCPU's GDT (16 entries), mapped
 * read-only first; its frame in *mfn. 0, or the failing call's error.
 */
static inline long gdt_load_page(const uint64_t desc[16], uint64_t *mfn)
{
	uint64_t g = scratch_page();
	long rc;

	memcpy((void *)g, desc, 16 * sizeof(desc[0]));
	*mfn = va_to_mfn(g);
	rc = update_va_mapping(g, (*mfn << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG);
	return rc ? rc : hypercall2(__HYPERVISOR_set_gdt, mfn, 16);
}

#endif
