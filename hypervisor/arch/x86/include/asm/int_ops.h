/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arithmetic of integer instructions on an operand, with the flags
 * the CPU gives, for the emulators (ptwr.c): int_ops.c.
 */
#ifndef ASM_X86_INT_OPS_H
#define ASM_X86_INT_OPS_H

#include <hv/lib.h>
#include <asm/x86.h>

#define ARITH_FLAGS	(X86_EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | X86_EFLAGS_ZF | \
			 EFLAGS_SF | EFLAGS_OF)
#define EFLAGS_PF	0x004ULL
#define EFLAGS_AF	0x010ULL
#define EFLAGS_SF	0x080ULL
#define EFLAGS_OF	0x800ULL


static inline uint64_t size_mask(unsigned int size)
{
	return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/*
 * dst op src at this size (0 add, 1 or, 2 adc, 3 sbb, 4 and, 5 sub,
 * 6 xor, 7 cmp), with cf the carry in: the result and *flags, the
 * arithmetic flags as the hardware sets them (AF clear after a logic op).
 */
uint64_t int_alu(unsigned int op, unsigned int size, uint64_t dst, uint64_t src, bool cf,
		 uint64_t *flags);

/*
 * Shifts, rotates (op = ModRM reg field: rol ror rcl rcr shl shr shl sar)
 * and double shifts (8 shld, 9 shrd, src the register shifted in) of dst
 * by cnt, run by the CPU with the arithmetic flags *flags; *flags gets
 * the CPU's.
 */
uint64_t int_shift(unsigned int op, unsigned int size, uint64_t dst, uint64_t src,
		   uint8_t cnt, uint64_t *flags);

/* setcc's condition (the low nibble of the opcode) on these flags. */
bool int_condition(unsigned int cc, uint64_t f);

#endif
