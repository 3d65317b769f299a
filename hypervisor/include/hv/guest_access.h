/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every hypervisor access to guest memory goes through these. A guest
 * pointer is a virtual address in the current guest page tables; it must
 * be canonical and outside the hypervisor's L4 slots, and a fault on it
 * (unmapped, read-only) ends the copy with -EFAULT instead of a crash.
 */
#ifndef HV_GUEST_ACCESS_H
#define HV_GUEST_ACCESS_H

#include <hv/types.h>
#include <lamina/xen_x86_64.h>
#include <lamina/errno.h>

#if __STDC_HOSTED__
/* Host unit tests bring their own (tests/unit/hypervisor/fake_machine.c). */
bool guest_range_ok(uint64_t va, uint64_t len);
#else
/*
 * May [va, va + len) be a guest range: no wrap, and in the lower
 * canonical half or the upper half above the hypervisor. Inline: every
 * copy, hypercall batch and bounce frame asks.
 */
static inline bool guest_range_ok(uint64_t va, uint64_t len)
{
	uint64_t end = va + len;

	if (end < va)
		return false;
	return !len || end <= 0x0000800000000000ULL || va >= HYPERVISOR_VIRT_END;
}
#endif

/*
 * Xen 4.17's access_ok for a PV guest's handle: only the start is looked
 * at (the lower canonical half, or the upper half above the hypervisor),
 * for an argument checked once up front and copied later piece by piece
 * through the checked copies (a multicall list, the runstate and time
 * areas).
 */
static inline bool guest_start_ok(uint64_t va)
{
	return va < 0x0000800000000000ULL || va >= HYPERVISOR_VIRT_END;
}

int copy_from_guest(void *dst, uint64_t src, size_t len);
int copy_to_guest(uint64_t dst, const void *src, size_t len);

#if __STDC_HOSTED__
static inline int copy_from_guest_quads(uint64_t *dst, uint64_t src, unsigned int nq,
					bool range_ok)
{
	(void)range_ok;
	return copy_from_guest(dst, src, nq * 8ULL);
}
#else
extern bool cpu_has_smap;

/*
 * copy_from_guest of nq quadwords, inline, for the per-entry copies of
 * hypercall batches (an mmu_update request is two): one load each, listed
 * in __ex_table (a fault resumes at `fault`: -EFAULT), between stac and
 * clac with SMAP. The same checks as copy_from_guest, without its call
 * and its `rep` set-up; range_ok: the caller found a range holding this
 * one guest_range_ok (a whole batch, checked once).
 */
static inline __attribute__((always_inline)) int
copy_from_guest_quads(uint64_t *dst, uint64_t src, unsigned int nq, bool range_ok)
{
	unsigned int i;

	if (!range_ok && !guest_range_ok(src, nq * 8ULL))
		return -EFAULT;
	if (cpu_has_smap)
		asm volatile("stac" ::: "memory");
	for (i = 0; i < nq; i++) {
		uint64_t q;

		asm goto("1: movq (%1), %0\n"
			 ".pushsection __ex_table, \"a\"\n"
			 ".balign 8\n"
			 ".quad 1b, %l2\n"
			 ".popsection"
			 : "=r"(q) : "r"(src + i * 8ULL) : : fault);
		dst[i] = q;
	}
	if (cpu_has_smap)
		asm volatile("clac" ::: "memory");
	return 0;
fault:
	if (cpu_has_smap)
		asm volatile("clac" ::: "memory");
	return -EFAULT;
}
#endif

#endif
