/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * copy_wide: GNTTABOP_copy's bytes by AVX (copy_wide.S) when the calling
 * vCPU's FPU allows it, else not at all (false: the caller copies).
 *
 * During a hypercall the registers are the calling vCPU's (eager FPU
 * switching, pv.c), with its XCR0 loaded and CR0.TS its virtual TS. The
 * copy runs only with XCR0 enabling AVX (YMM) and no AVX-512 state:
 * without YMM a VEX instruction would be #UD, and the guest's upper
 * halves (kept by xcr0_accum) are not to be touched. CR0.TS set would
 * make it #NM, so it is cleared for the copy and set again after.
 * Interrupts stay off from before the registers are saved until after
 * they are restored and TS is back: no interrupt handler, softirq or
 * vCPU switch runs while a register holds copied bytes or the stack
 * holds the vCPU's values (nothing else in the hypervisor uses the
 * FPU outside pv.c's switch and vcpu_context.c's probe, both of which
 * also run with interrupts off or between vCPUs). Copying direct-map
 * frames a grant pins cannot fault. copy_wide_blocks reads XINUSE and
 * leaves it as it was, or copies nothing (false) when only a copy
 * without the FPU can (copy_wide.S); a CPU without XGETBV 1 cannot tell,
 * and never copies wide.
 */
#ifndef ASM_COPY_WIDE_H
#define ASM_COPY_WIDE_H

#include <hv/types.h>

#define COPY_WIDE_MIN	512	/* below it, rep movsq pays less than the save/restore */

extern bool copy_wide_ok;	/* cpu.c: XSAVE with AVX offered (xcr0_max has YMM), and XGETBV 1 */
bool copy_wide_blocks(void *dst, const void *src, unsigned long blocks);

#ifdef UNIT_HOST_CPU
static inline bool copy_wide(void *dst, const void *src, size_t n)
{
	return false;
}
#else
#include <asm/x86.h>

#define COPY_WIDE_XCR0_YMM	(1U << 2)
#define COPY_WIDE_XCR0_AVX512	(7U << 5)	/* opmask, ZMM_Hi256, Hi16_ZMM */

/*
 * n bytes, n >= COPY_WIDE_MIN, forward (dst not inside src's bytes
 * after src, as memmove_inline's forward case): the 128-byte blocks
 * wide, the rest (n % 128) by memcpy_inline.
 */
static inline __attribute__((always_inline)) bool copy_wide(void *dst, const void *src, size_t n)
{
	uint32_t lo, hi;
	uint64_t rflags, cr0;
	size_t bulk = n & ~(size_t)127;
	bool done;

	if (!copy_wide_ok)
		return false;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	if ((lo & (COPY_WIDE_XCR0_YMM | COPY_WIDE_XCR0_AVX512)) != COPY_WIDE_XCR0_YMM)
		return false;
	asm volatile("pushfq; popq %0; cli" : "=r"(rflags) : : "memory");
	cr0 = read_cr0();
	if (cr0 & (1ULL << 3))
		asm volatile("clts" ::: "memory");
	done = copy_wide_blocks(dst, src, bulk >> 7);
	if (cr0 & (1ULL << 3))
		write_cr0(cr0);
	if (rflags & X86_EFLAGS_IF)
		asm volatile("sti" ::: "memory");
	if (!done)
		return false;
	if (n != bulk)
		memcpy_inline((uint8_t *)dst + bulk, (const uint8_t *)src + bulk, n - bulk);
	return true;
}
#endif

#endif
