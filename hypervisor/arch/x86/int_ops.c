// SPDX-License-Identifier: GPL-2.0-only
/*
 * The arithmetic of integer instructions, for the emulators: the ALU
 * operations computed here by the manuals' rules, the shifts and rotates
 * run on the CPU itself so that the flags the manuals leave undefined are
 * the hardware's (as Xen 4.17's emulator, which runs them the same way).
 */
#include <asm/int_ops.h>

/*
 * dst op src at this size (0 add, 1 or, 2 adc, 3 sbb, 4 and, 5 sub,
 * 6 xor, 7 cmp), with cf the carry in: the result and *flags, the
 * arithmetic flags as the hardware sets them (AF clear after a logic op).
 */
uint64_t int_alu(unsigned int op, unsigned int size, uint64_t dst, uint64_t src, bool cf,
		 uint64_t *flags)
{
	uint64_t mask = size_mask(size), top = 1ULL << (size * 8 - 1), c, res, f = 0;
	bool carry = false;

	dst &= mask;
	src &= mask;
	c = (op == 2 || op == 3) && cf;
	switch (op) {
	case 0: case 2:
		res = (dst + src + c) & mask;
		carry = res < dst || (c && res == dst);
		if ((dst ^ res) & (src ^ res) & top)
			f |= EFLAGS_OF;
		break;
	case 3: case 5: case 7:
		res = (dst - src - c) & mask;
		carry = dst < src || (c && dst == src);
		if ((dst ^ src) & (dst ^ res) & top)
			f |= EFLAGS_OF;
		break;
	default:
		res = op == 1 ? (dst | src) : op == 4 ? (dst & src) : (dst ^ src);
		break;
	}
	if (carry)
		f |= X86_EFLAGS_CF;
	if (op != 1 && op != 4 && op != 6 && ((dst ^ src ^ res) & 0x10))
		f |= EFLAGS_AF;
	if (!res)
		f |= X86_EFLAGS_ZF;
	if (res & top)
		f |= EFLAGS_SF;
	if (!__builtin_parity(res & 0xFF))
		f |= EFLAGS_PF;
	*flags = f;
	return res;
}

/*
 * Shifts, rotates (op = ModRM reg field: rol ror rcl rcr shl shr shl sar)
 * and double shifts (8 shld, 9 shrd, src the register shifted in) of
 * dst by cnt, run by the CPU with the guest's arithmetic flags *flags
 * loaded; *flags gets the CPU's. The rest of rflags is the hypervisor's,
 * kept across.
 */
#define FLAGS_IN	"pushf; andq %[keep], (%%rsp); orq %[in], (%%rsp); popf; "
#define FLAGS_OUT	"; pushf; pop %[out]"
#define SHIFT_AT(mn, sfx, type, cons) do {					\
	type x_ = (type)dst;							\
	asm volatile(FLAGS_IN mn sfx " %%cl, %[x]" FLAGS_OUT			\
		     : [x] cons(x_), [out] "=&r"(out)				\
		     : [in] "r"(in), [keep] "e"(~(long)ARITH_FLAGS), "c"(cnt) : "cc");	\
	res = x_;								\
} while (0)
#define DSHIFT_AT(mn, sfx, type) do {						\
	type x_ = (type)dst;							\
	asm volatile(FLAGS_IN mn sfx " %%cl, %[s], %[x]" FLAGS_OUT		\
		     : [x] "+r"(x_), [out] "=&r"(out)				\
		     : [s] "r"((type)src), [in] "r"(in), [keep] "e"(~(long)ARITH_FLAGS), \
		       "c"(cnt) : "cc");					\
	res = x_;								\
} while (0)
#define SHIFT_SIZES(mn) do {							\
	switch (size) {								\
	case 1: SHIFT_AT(mn, "b", uint8_t, "+q"); break;			\
	case 2: SHIFT_AT(mn, "w", uint16_t, "+r"); break;			\
	case 4: SHIFT_AT(mn, "l", uint32_t, "+r"); break;			\
	default: SHIFT_AT(mn, "q", uint64_t, "+r"); break;			\
	}									\
} while (0)
#define DSHIFT_SIZES(mn) do {							\
	switch (size) {								\
	case 2: DSHIFT_AT(mn, "w", uint16_t); break;				\
	case 4: DSHIFT_AT(mn, "l", uint32_t); break;				\
	default: DSHIFT_AT(mn, "q", uint64_t); break;				\
	}									\
} while (0)

uint64_t int_shift(unsigned int op, unsigned int size, uint64_t dst, uint64_t src,
		   uint8_t cnt, uint64_t *flags)
{
	uint64_t in = *flags & ARITH_FLAGS, out, res;

	switch (op) {
	case 0: SHIFT_SIZES("rol"); break;
	case 1: SHIFT_SIZES("ror"); break;
	case 2: SHIFT_SIZES("rcl"); break;
	case 3: SHIFT_SIZES("rcr"); break;
	case 5: SHIFT_SIZES("shr"); break;
	case 7: SHIFT_SIZES("sar"); break;
	case 8: DSHIFT_SIZES("shld"); break;
	case 9: DSHIFT_SIZES("shrd"); break;
	default: SHIFT_SIZES("shl"); break;	/* 4, and 6 its alias */
	}
	*flags = out & ARITH_FLAGS;
	return res & size_mask(size);
}

/* setcc's condition (the low nibble of the opcode) on these flags. */
bool int_condition(unsigned int cc, uint64_t f)
{
	bool cf = f & X86_EFLAGS_CF, zf = f & X86_EFLAGS_ZF, sf = f & EFLAGS_SF;
	bool of = f & EFLAGS_OF, pf = f & EFLAGS_PF, t;

	switch (cc >> 1) {
	case 0: t = of; break;
	case 1: t = cf; break;
	case 2: t = zf; break;
	case 3: t = cf || zf; break;
	case 4: t = sf; break;
	case 5: t = pf; break;
	case 6: t = sf != of; break;
	default: t = zf || sf != of; break;
	}
	return t != (cc & 1);
}
