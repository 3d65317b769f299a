// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory copies with exception fixups, leaving the bytes Xen 4.17's
 * copy_to_guest_ll / copy_from_guest_ll leave (guest_access.h): every
 * byte before the first one that faults. Quadwords (`rep movsq`: under
 * `-icount` every iteration of a `rep` counts as an instruction, and the
 * frames and structures copied on the hot paths are quadwords), then the
 * tail's bytes; a quadword that faults may straddle the page (or the
 * non-canonical hole) that faults, so from it on the copy goes byte by
 * byte up to the byte that faults, which writes what Xen's order (bytes
 * up to an 8-byte boundary of the destination, then quadwords) writes,
 * at no cost to a copy that does not fault. Each `rep` is listed in
 * __ex_table (first in it: traps.c looks the faulting rip up in order):
 * a #PF or a #GP resumes at its fixup with rcx what it had left. Guest
 * pages are user pages, so with SMAP the copy runs between stac and clac
 * and nowhere else.
 */
#include <hv/lib.h>
#include <hv/guest_access.h>
#include <lamina/xen_x86_64.h>

/* Bytes not copied (0: all). */
static inline __attribute__((always_inline)) size_t copy_raw(void *dst, const void *src,
								size_t n)
{
	size_t tail = n & 7;

	n >>= 3;
	if (cpu_has_smap)
		asm volatile("stac" ::: "memory");
	asm volatile("1: rep movsq\n"
		     "   mov %[tail], %%rcx\n"
		     "2: rep movsb\n"
		     "5:\n"
		     ".pushsection .text.unlikely.copy, \"ax\"\n"
		     "3: lea (%[tail], %%rcx, 8), %%rcx\n"	/* a quadword faulted */
		     "4: rep movsb\n"
		     "   jmp 5b\n"
		     ".popsection\n"
		     ".pushsection __ex_table.copy, \"a\"\n"
		     ".balign 8\n"
		     ".quad 1b, 3b\n"
		     ".quad 2b, 5b\n"
		     ".quad 4b, 5b\n"
		     ".popsection"
		     : "+D"(dst), "+S"(src), "+c"(n) : [tail] "r"(tail) : "memory");
	if (cpu_has_smap)
		asm volatile("clac" ::: "memory");
	return n;
}

size_t copy_from_guest_ll(void *dst, uint64_t src, size_t len)
{
	if (!guest_copy_ok(src, len))
		return len;
	return copy_raw(dst, (const void *)src, len);
}

int copy_from_guest(void *dst, uint64_t src, size_t len)
{
	if (!guest_copy_ok(src, len))
		return -EFAULT;
	return copy_raw(dst, (const void *)src, len) ? -EFAULT : 0;
}

size_t copy_to_guest_ll(uint64_t dst, const void *src, size_t len)
{
	if (!guest_copy_ok(dst, len))
		return len;
	return copy_raw((void *)dst, src, len);
}
