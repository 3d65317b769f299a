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
int copy_from_guest(void *dst, uint64_t src, size_t len);
int copy_to_guest(uint64_t dst, const void *src, size_t len);

#endif
