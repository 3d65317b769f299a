/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * XSAVE and AVX switched on as Linux 6.1 does at boot: CR4.OSXSAVE (an
 * emulated CR4 write: Xen 4.17 keeps the real bit clear for a PV kernel
 * that has not set it, so an xsetbv before it is #UD there), then XCR0 =
 * x87|SSE|AVX where the CPUID offers AVX. CR4.OSXSAVE and XCR0 are per
 * vCPU: each vCPU that wants them calls this.
 */
#ifndef GUEST_XSAVE_H
#define GUEST_XSAVE_H

#include "guest.h"

#define FPU_XSAVE	1U	/* CR4.OSXSAVE set */
#define FPU_AVX		2U	/* and XCR0 = x87|SSE|AVX */

/* What it switched on: FPU_XSAVE, FPU_XSAVE | FPU_AVX, or 0 (no XSAVE offered). */
static inline unsigned int fpu_xsave_avx_on(void)
{
	uint32_t a, b, c, d;

	asm volatile("ud2; .ascii \"xen\"; cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(1), "c"(0));
	if (!(c & (1U << 27)))
		return 0;
	asm volatile("mov %%cr4, %%rax; or $(1 << 18), %%rax; mov %%rax, %%cr4" : : : "rax");
	if (!(c & (1U << 28)))
		return FPU_XSAVE;
	asm volatile("xsetbv" : : "c"(0), "a"(7), "d"(0));
	return FPU_XSAVE | FPU_AVX;
}

#endif
