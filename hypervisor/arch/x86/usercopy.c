// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory copies with exception fixups. The `rep movsq` and the
 * `rep movsb` of the tail are listed in __ex_table: if either faults,
 * traps.c resumes after the tail with rcx non-zero, and the copy fails.
 * Quadwords, not bytes: under `-icount` every iteration of a `rep` counts
 * as an instruction, and the frames and structures copied on the hot paths
 * (bounce frames, iret contexts, hypercall arguments) are quadwords.
 * Guest pages are user pages, so with SMAP the copy runs between stac and
 * clac and nowhere else.
 */
#include <hv/lib.h>
#include <hv/guest_access.h>
#include <lamina/xen_x86_64.h>

extern bool cpu_has_smap;

/* Non-zero when a fault stopped the copy. */
static size_t copy_raw(void *dst, const void *src, size_t n)
{
	size_t tail = n & 7;

	n >>= 3;
	if (cpu_has_smap)
		asm volatile("stac" ::: "memory");
	asm volatile("1: rep movsq\n"
		     "   mov %3, %%rcx\n"
		     "2: rep movsb\n"
		     "3:\n"
		     ".pushsection __ex_table, \"a\"\n"
		     ".balign 8\n"
		     ".quad 1b, 3b\n"
		     ".quad 2b, 3b\n"
		     ".popsection"
		     : "+D"(dst), "+S"(src), "+c"(n) : "r"(tail) : "memory");
	if (cpu_has_smap)
		asm volatile("clac" ::: "memory");
	return n;
}

int copy_from_guest(void *dst, uint64_t src, size_t len)
{
	if (!guest_range_ok(src, len))
		return -EFAULT;
	return copy_raw(dst, (const void *)src, len) ? -EFAULT : 0;
}

int copy_to_guest(uint64_t dst, const void *src, size_t len)
{
	if (!guest_range_ok(dst, len))
		return -EFAULT;
	return copy_raw((void *)dst, src, len) ? -EFAULT : 0;
}
