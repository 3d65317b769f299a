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

/*
 * May a copy of len bytes begin at va: Xen 4.17's access_ok (the start
 * alone; a range running on into the non-canonical hole faults there, a
 * #GP fixed up, after the bytes below it) and no wrap past 2^64, which
 * Lamina refuses whole (docs/conformance.md "Guest pointers and partial
 * copies"). An empty copy is never refused, as Xen's.
 */
static inline bool guest_copy_ok(uint64_t va, uint64_t len)
{
	if (va + len < va)	/* a wrap (an empty copy never wraps) */
		return false;
	return guest_start_ok(va) || !len;
}

/*
 * The copies, leaving what Xen 4.17's copy_to_guest_ll /
 * copy_from_guest_ll leave: every byte before the first one that cannot
 * be written or read (usercopy.c); what a copy from the guest did not
 * read is left as it was (Xen zero-fills it; every caller here fails on
 * a short read). Each returns how many bytes it did not copy (0: all),
 * the whole length when guest_copy_ok refuses.
 */
size_t copy_to_guest_ll(uint64_t dst, const void *src, size_t len);
size_t copy_from_guest_ll(void *dst, uint64_t src, size_t len);

/*
 * 0 or -EFAULT, every byte below the first that faults written whatever
 * the size: for the results Xen 4.17 writes with copy_to_guest (its
 * out-of-line copy_to_guest_pv, which sees no constant size), not
 * __copy_to_guest. copy_to_guest below is __copy_to_guest's single store
 * at a constant 1, 2, 4 or 8 bytes.
 */
static inline int copy_to_guest_bytes(uint64_t dst, const void *src, size_t len)
{
	return copy_to_guest_ll(dst, src, len) ? -EFAULT : 0;
}

#if __STDC_HOSTED__
int copy_from_guest(void *dst, uint64_t src, size_t len);
int copy_to_guest(uint64_t dst, const void *src, size_t len);
#else
extern bool cpu_has_smap;

/*
 * 0 or -EFAULT. A length of 1, 2, 4 or 8 known at build time is one
 * store, all or nothing, as Xen's __copy_to_guest_pv of such a constant
 * size (put_guest_size). Xen's copy_to_guest of the same size writes
 * byte by byte: the calls that mirror one use copy_to_guest_bytes.
 */
#define GUEST_ACCESS_ONE(fail, insn, ...)					\
	do {									\
		if (cpu_has_smap)						\
			asm volatile("stac" ::: "memory");			\
		asm goto("1: " insn "\n"						\
			 ".pushsection __ex_table, \"a\"\n"			\
			 ".balign 8\n"						\
			 ".quad 1b, %l[" #fail "]\n"				\
			 ".popsection"						\
			 __VA_ARGS__ : "memory" : fail);			\
		if (cpu_has_smap)						\
			asm volatile("clac" ::: "memory");			\
	} while (0)

static inline __attribute__((always_inline)) int
copy_to_guest(uint64_t dst, const void *src, size_t len)
{
	if (__builtin_constant_p(len) && (len == 1 || len == 2 || len == 4 || len == 8)) {
		uint64_t q = 0;

		if (!guest_copy_ok(dst, len))
			return -EFAULT;
		__builtin_memcpy(&q, src, len);
		switch (len) {
		case 1:
			GUEST_ACCESS_ONE(fault, "movb %b0, (%1)", : : "q"(q), "r"(dst));
			break;
		case 2:
			GUEST_ACCESS_ONE(fault, "movw %w0, (%1)", : : "r"(q), "r"(dst));
			break;
		case 4:
			GUEST_ACCESS_ONE(fault, "movl %k0, (%1)", : : "r"(q), "r"(dst));
			break;
		default:
			GUEST_ACCESS_ONE(fault, "movq %0, (%1)", : : "r"(q), "r"(dst));
			break;
		}
		return 0;
fault:
		if (cpu_has_smap)
			asm volatile("clac" ::: "memory");
		return -EFAULT;
	}
	return copy_to_guest_ll(dst, src, len) ? -EFAULT : 0;
}

/* copy_from_guest_ll's 0 or -EFAULT (what a read left unread is never seen). */
int copy_from_guest(void *dst, uint64_t src, size_t len);
#endif

#if __STDC_HOSTED__
static inline int copy_from_guest_quads(uint64_t *dst, uint64_t src, unsigned int nq,
					bool range_ok)
{
	(void)range_ok;
	return copy_from_guest(dst, src, nq * 8ULL);
}
#else
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

		/*
		 * volatile: a caller that ignores the entry (mmu_update's
		 * refused foreigndom) still faults on it, -EFAULT as Xen;
		 * without it GCC dropped the unused load (conform-diff-domu).
		 */
		asm volatile goto("1: movq (%1), %0\n"
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
