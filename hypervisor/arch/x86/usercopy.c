// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory copies with exception fixups. The `rep movsb` is listed in
 * __ex_table: if it faults, traps.c resumes after it with rcx holding the
 * bytes not copied. Guest pages are user pages, so with SMAP the copy runs
 * between stac and clac and nowhere else.
 */
#include <hv/lib.h>
#include <hv/guest_access.h>
#include <lamina/xen_x86_64.h>

extern bool cpu_has_smap;

bool guest_range_ok(uint64_t va, uint64_t len)
{
	uint64_t end = va + len;

	if (end < va)
		return false;
	if (!len)
		return true;
	/* Lower canonical half, or the upper half above the hypervisor. */
	if (end <= 0x0000800000000000ULL)
		return true;
	return va >= HYPERVISOR_VIRT_END;
}

static size_t copy_raw(void *dst, const void *src, size_t n)
{
	if (cpu_has_smap)
		asm volatile("stac" ::: "memory");
	asm volatile("1: rep movsb\n"
		     "2:\n"
		     ".pushsection __ex_table, \"a\"\n"
		     ".balign 8\n"
		     ".quad 1b, 2b\n"
		     ".popsection"
		     : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
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
