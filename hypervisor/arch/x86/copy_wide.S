/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * copy_wide_blocks(dst, src, blocks): blocks * 128 bytes (blocks >= 1)
 * from src to dst, forward, by 32-byte AVX loads and stores through
 * ymm0-3, for GNTTABOP_copy (copy_wide.h says when the caller may use
 * it). Under TCG's -icount a `rep movsq` pays one instruction per
 * quadword, 512 a page; this pays 256 a page, plus 8 to save and
 * restore the four registers.
 *
 * The registers belong to the vCPU whose hypercall this is (eager FPU
 * switching, pv.c): their whole 256 bits go to the stack first and come
 * back last, so what the vCPU holds afterwards is bit for bit what it
 * held before, and nothing of the copied bytes is left in them. A VEX
 * store to an xmm would clear bits 255:128 and (on a CPU with AVX-512)
 * 511:256 of the register; the restore puts back 255:0, and the caller
 * only comes here when XCR0 enables no AVX-512 state. No flags, MXCSR
 * or x87 state change: vmovdqu raises no SIMD exception.
 *
 * The values are not all a vCPU can see: XSAVE writes XSTATE_BV from
 * the CPU's XINUSE, and the loads and stores here set XINUSE[1] (SSE)
 * and XINUSE[2] (AVX) even when the values are zeros (XGETBV 1 on
 * an AMD EPYC: 0xa0 before, 0xa6 after). Xen copies without the FPU, so a
 * vCPU whose SSE or AVX state is in its initial state there keeps it.
 * So XINUSE is read first (XGETBV 1; the caller makes sure the CPU has
 * it): SSE in its initial state, nothing is done and the answer is
 * false (the caller copies without the FPU); AVX in its initial state
 * (the upper halves of ymm0-15 all zero, the usual case after a
 * vzeroupper), VZEROUPPER after the restore puts it back there.
 * Otherwise the answer is true.
 *
 * A copy with dst below src, overlapping, is safe: each 128 bytes are
 * loaded before they are stored, and the stores only reach source bytes
 * already loaded.
 */
/* 128 bytes at byte o of src to byte o of dst: four loads, then four stores. */
.macro	block o
	vmovdqu	\o(%rsi), %ymm0
	vmovdqu	\o+32(%rsi), %ymm1
	vmovdqu	\o+64(%rsi), %ymm2
	vmovdqu	\o+96(%rsi), %ymm3
	vmovdqu	%ymm0, \o(%rdi)
	vmovdqu	%ymm1, \o+32(%rdi)
	vmovdqu	%ymm2, \o+64(%rdi)
	vmovdqu	%ymm3, \o+96(%rdi)
.endm

	.text
	.globl	copy_wide_blocks
	.type	copy_wide_blocks, @function
copy_wide_blocks:
	mov	%rdx, %r8		/* blocks: XGETBV writes %edx */
	mov	$1, %ecx
	xgetbv				/* XCR0 & XINUSE, in %eax to the end */
	test	$2, %al
	jz	.Lsse_init
	sub	$128, %rsp
	vmovdqu	%ymm0, (%rsp)
	vmovdqu	%ymm1, 32(%rsp)
	vmovdqu	%ymm2, 64(%rsp)
	vmovdqu	%ymm3, 96(%rsp)
	cmp	$32, %r8
	jne	.Lloop
	/* A whole page, unrolled: no loop instructions. */
	.set	off, 0
	.rept	32
	block	off
	.set	off, off+128
	.endr
	jmp	.Lrestore
.Lloop:
	block	0
	add	$128, %rsi
	add	$128, %rdi
	dec	%r8
	jnz	.Lloop
.Lrestore:
	vmovdqu	(%rsp), %ymm0
	vmovdqu	32(%rsp), %ymm1
	vmovdqu	64(%rsp), %ymm2
	vmovdqu	96(%rsp), %ymm3
	add	$128, %rsp
	test	$4, %al
	jnz	1f
	vzeroupper			/* AVX back in its initial state */
1:	mov	$1, %eax
	ret
.Lsse_init:
	xor	%eax, %eax
	ret
	.size	copy_wide_blocks, . - copy_wide_blocks
