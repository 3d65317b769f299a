// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writable page tables (docs/abi-core.md §5.6): a guest kernel writes an
 * entry of one of its own validated L1 tables through a read-only mapping;
 * the write faults, and here it is decoded, the new 8-byte entry is
 * validated like an mmu_update, and the write is completed on the guest's
 * behalf. A write the rules refuse is reflected to the guest as the page
 * fault it was.
 *
 * The faulting address comes from CR2, so the decoder only needs the
 * operation, its source and the instruction's length. As Xen 4.17 does,
 * any integer store a PV kernel may aim at an entry is taken when it is
 * naturally aligned and 1, 2, 4 or 8 bytes wide (the rest of the entry
 * kept): mov (88, 89, C6 /0, C7 /0), xchg (86, 87), the ALU forms with a
 * register or immediate source (00-31, 80, 81, 83 /0-/6), cmpxchg
 * (0F B0, B1), cmpxchg8b (0F C7 /1), bts/btr/btc (0F AB, B3, BB, BA /5-/7),
 * inc/dec (FE, FF /0 /1), not/neg (F6, F7 /2 /3) and stos (AA, AB; one
 * iteration a fault under rep). Prefixes: any
 * legacy ones (lock, segment overrides, 66, rep) and REX. Misaligned
 * writes, SSE stores and other forms get their page fault, as on Xen.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/mm.h>
#include <asm/page.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <asm/x86_prefixes.h>
#include <lamina/mm.h>

#define ARITH_FLAGS	(X86_EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | X86_EFLAGS_ZF | \
			 EFLAGS_SF | EFLAGS_OF)
#define EFLAGS_PF	0x004ULL
#define EFLAGS_AF	0x010ULL
#define EFLAGS_SF	0x080ULL
#define EFLAGS_OF	0x800ULL

struct insn {
	uint8_t op, op2;	/* op2: second opcode byte after 0F */
	uint8_t modrm, rex;
	bool two_byte, rep;
	unsigned int len;	/* total length */
	uint64_t imm;
	unsigned int size;	/* bytes written: 1, 2, 4 or 8 */
};

/* Length of the ModRM memory operand encoding, from the ModRM byte on. */
static int modrm_len(const uint8_t *p, unsigned int avail)
{
	uint8_t modrm = p[0], mod = modrm >> 6, rm = modrm & 7;
	unsigned int n = 1;

	if (mod == 3)
		return -1;			/* register operand: not a memory write */
	if (rm == 4) {
		if (avail < 2)
			return -1;
		if (mod == 0 && (p[1] & 7) == 5)
			n += 4;
		n++;
	} else if (mod == 0 && rm == 5) {
		n += 4;				/* rip-relative */
	}
	if (mod == 1)
		n += 1;
	else if (mod == 2)
		n += 4;
	return n;
}

/* The immediate's bytes for an opcode (0 without one), before sign extension. */
static unsigned int imm_bytes(const struct insn *in, unsigned int opsize)
{
	if (in->two_byte)
		return in->op2 == 0xBA ? 1 : 0;
	switch (in->op) {
	case 0x80: case 0x83: case 0xC6:
		return 1;
	case 0x81: case 0xC7:
		return opsize == 2 ? 2 : 4;
	}
	return 0;
}

/* The opcodes taken (see the top of the file); *byte_op for the 8-bit forms. */
static bool known_op(const struct insn *in, bool *byte_op)
{
	*byte_op = false;
	if (in->two_byte) {
		switch (in->op2) {
		case 0xB0:
			*byte_op = true;
			return true;
		case 0xB1: case 0xAB: case 0xB3: case 0xBB: case 0xBA: case 0xC7:
			return true;
		}
		return false;
	}
	if (in->op < 0x40 && (in->op & 7) <= 1 && (in->op >> 3) != 7) {
		*byte_op = !(in->op & 1);	/* add or adc sbb and sub xor, r/m <- reg */
		return true;
	}
	switch (in->op) {
	case 0x80: case 0x86: case 0x88: case 0xC6: case 0xAA: case 0xF6: case 0xFE:
		*byte_op = true;
		return true;
	case 0x81: case 0x83: case 0x87: case 0x89: case 0xC7: case 0xAB: case 0xF7: case 0xFF:
		return true;
	}
	return false;
}

static bool decode(const uint8_t *b, unsigned int avail, struct insn *in)
{
	struct x86_prefixes p;
	unsigned int i, opsize, n;
	bool byte_op;
	int m;

	in->two_byte = false;
	in->op2 = in->modrm = 0;
	in->imm = 0;
	/* Linux's set_pte first, REX.W mov r/m64, r64: no prefix scan, no immediate. */
	if ((b[0] & 0xF8) == 0x48 && avail > 2 && b[1] == 0x89) {
		in->rex = b[0];
		in->rep = false;
		in->op = 0x89;
		in->size = 8;
		in->modrm = b[2];
		m = modrm_len(b + 2, avail - 2);
		in->len = 2 + m;
		return m > 0 && in->len <= avail;
	}
	x86_scan_prefixes(b, avail, true, &p);
	i = p.len;
	if (p.addrsize || i >= avail)
		return false;
	in->rex = p.rex;
	in->rep = p.rep;
	in->op = b[i++];
	if (in->op == 0x0F) {
		if (i >= avail)
			return false;
		in->two_byte = true;
		in->op2 = b[i++];
	}
	if (!known_op(in, &byte_op))
		return false;
	opsize = (in->rex & 8) ? 8 : p.opsize ? 2 : 4;
	in->size = byte_op ? 1 : opsize;
	if (in->op == 0xAA || in->op == 0xAB) {		/* stos: no ModRM */
		in->len = i;
		return true;
	}
	if (i >= avail)
		return false;
	in->modrm = b[i];
	m = modrm_len(b + i, avail - i);
	if (m < 0)
		return false;
	i += m;
	if (in->two_byte && in->op2 == 0xC7) {		/* cmpxchg8b; not cmpxchg16b */
		if (((in->modrm >> 3) & 7) != 1 || (in->rex & 8))
			return false;
		in->size = 8;
	}
	n = imm_bytes(in, opsize);
	if (i + n > avail)
		return false;
	if (n == 1)
		in->imm = (uint64_t)(int64_t)(int8_t)b[i];
	else if (n == 2)
		in->imm = (uint64_t)(int64_t)(int16_t)(b[i] | (b[i + 1] << 8));
	else if (n == 4)
		in->imm = (uint64_t)(int64_t)(int32_t)(b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) |
						      ((uint32_t)b[i + 3] << 24));
	i += n;
	in->len = i;
	return true;
}

/*
 * What the instruction does to the guest's registers besides the entry:
 * applied only once the new entry is in, so a refused write leaves them
 * as they were for the page fault the guest gets instead.
 */
struct reg_effects {
	struct {
		uint64_t *reg;	/* NULL: none */
		uint64_t val;
	} regs[2];		/* xchg's source, cmpxchg's rax (and rdx), stos's rdi and rcx */
	uint64_t flags_mask;	/* rflags bits set from flags_val */
	uint64_t flags_val;
};

static uint64_t size_mask(unsigned int size)
{
	return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/*
 * A register as an operand of this size: byte registers 4-7 without REX
 * are AH, CH, DH, BH (*shift 8 then).
 */
static uint64_t *sized_reg(struct cpu_regs *r, const struct insn *in, unsigned int n,
			   unsigned int *shift)
{
	*shift = 0;
	if (in->size == 1 && !in->rex && n >= 4 && n < 8) {
		*shift = 8;
		n -= 4;
	}
	return regs_gpr(r, n);
}

/* Queues a write of val to a register, as an operation of the size writes it. */
static void set_reg(struct reg_effects *fx, uint64_t *reg, unsigned int shift,
		    unsigned int size, uint64_t val)
{
	uint64_t mask = size_mask(size) << shift;
	unsigned int k = fx->regs[0].reg ? 1 : 0;

	fx->regs[k].reg = reg;
	if (size == 4)
		fx->regs[k].val = (uint32_t)val;	/* 32-bit writes zero-extend */
	else
		fx->regs[k].val = (*reg & ~mask) | ((val << shift) & mask);
}

static void set_flags(struct reg_effects *fx, uint64_t mask, uint64_t val)
{
	fx->flags_mask |= mask;
	fx->flags_val = (fx->flags_val & ~mask) | (val & mask);
}

/*
 * dst op src at this size (0 add, 1 or, 2 adc, 3 sbb, 4 and, 5 sub,
 * 6 xor, 7 cmp), with cf the carry in: the result and *flags, the
 * arithmetic flags as the hardware sets them (AF clear after a logic op).
 */
static uint64_t alu(unsigned int op, unsigned int size, uint64_t dst, uint64_t src, bool cf,
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
 * The decoded operation on the operand (the entry's bytes at the write,
 * *opnd): its new value in *opnd, and *fx for the registers; false if
 * the instruction is not one taken.
 */
static bool compute(struct cpu_regs *r, const struct insn *in, uint64_t *opnd,
		    struct reg_effects *fx)
{
	unsigned int ext = (in->modrm >> 3) & 7, sh, bit;
	uint64_t *src = sized_reg(r, in, ext | ((in->rex & 4) << 1), &sh);
	uint64_t mask = size_mask(in->size), old = *opnd, val = (*src >> sh) & mask, f;
	int64_t step;

	fx->regs[0].reg = fx->regs[1].reg = NULL;
	fx->flags_mask = fx->flags_val = 0;
	if (in->two_byte) {
		switch (in->op2) {
		case 0xB0: case 0xB1:			/* cmpxchg */
			alu(7, in->size, r->rax, old, false, &f);
			set_flags(fx, ARITH_FLAGS, f);
			if ((r->rax & mask) == old)
				*opnd = val;
			else
				set_reg(fx, &r->rax, 0, in->size, old);
			return true;
		case 0xC7:				/* cmpxchg8b */
			if ((uint32_t)r->rax == (uint32_t)old && (uint32_t)r->rdx == old >> 32) {
				*opnd = ((uint64_t)(uint32_t)r->rcx << 32) | (uint32_t)r->rbx;
				set_flags(fx, X86_EFLAGS_ZF, X86_EFLAGS_ZF);
			} else {
				set_reg(fx, &r->rax, 0, 4, old);
				set_reg(fx, &r->rdx, 0, 4, old >> 32);
				set_flags(fx, X86_EFLAGS_ZF, 0);
			}
			return true;
		}
		/* bts, btr, btc: CR2 is the unit holding the bit, so only its place within counts. */
		if (in->op2 == 0xBA && ext < 5)
			return false;
		bit = (in->op2 == 0xBA ? in->imm : *src) & (in->size * 8 - 1);
		set_flags(fx, X86_EFLAGS_CF, ((old >> bit) & 1) ? X86_EFLAGS_CF : 0);
		if (in->op2 == 0xAB || (in->op2 == 0xBA && ext == 5))
			*opnd = old | (1ULL << bit);
		else if (in->op2 == 0xB3 || (in->op2 == 0xBA && ext == 6))
			*opnd = old & ~(1ULL << bit);
		else
			*opnd = old ^ (1ULL << bit);
		return true;
	}
	if (in->op < 0x40) {				/* ALU r/m, reg */
		*opnd = alu(in->op >> 3, in->size, old, val, r->rflags & X86_EFLAGS_CF, &f);
		set_flags(fx, ARITH_FLAGS, f);
		return true;
	}
	switch (in->op) {
	case 0x80: case 0x81: case 0x83:		/* ALU r/m, imm (cmp never faults) */
		if (ext == 7)
			return false;
		*opnd = alu(ext, in->size, old, in->imm, r->rflags & X86_EFLAGS_CF, &f);
		set_flags(fx, ARITH_FLAGS, f);
		return true;
	case 0x88: case 0x89:
		*opnd = val;
		return true;
	case 0xC6: case 0xC7:
		if (ext)
			return false;
		*opnd = in->imm & mask;
		return true;
	case 0x86: case 0x87:
		*opnd = val;
		set_reg(fx, src, sh, in->size, old);
		return true;
	case 0xFE: case 0xFF:				/* inc, dec: CF kept */
		if (ext > 1)
			return false;
		*opnd = alu(ext ? 5 : 0, in->size, old, 1, false, &f);
		set_flags(fx, ARITH_FLAGS & ~X86_EFLAGS_CF, f);
		return true;
	case 0xF6: case 0xF7:				/* not (no flags), neg */
		if (ext == 2) {
			*opnd = ~old & mask;
			return true;
		}
		if (ext != 3)
			return false;
		*opnd = alu(5, in->size, 0, old, false, &f);
		set_flags(fx, ARITH_FLAGS, f);
		return true;
	case 0xAA: case 0xAB:				/* stos: one iteration */
		*opnd = r->rax & mask;
		step = (r->rflags & X86_EFLAGS_DF) ? -(int64_t)in->size : (int64_t)in->size;
		set_reg(fx, &r->rdi, 0, 8, r->rdi + step);
		if (in->rep)
			set_reg(fx, &r->rcx, 0, 8, r->rcx - 1);
		return true;
	}
	return false;
}

/* ptwr_emulate's work, for either path below. */
static bool __attribute__((noinline)) emulate(struct vcpu *v, struct cpu_regs *r,
							  uint64_t addr)
{
	struct domain *d = v->domain;
	paddr_t l1e, target;
	struct page_info *pg;
	uint8_t bytes[16];
	struct insn in;
	struct reg_effects fx;
	uint64_t old, new, opnd, mask;
	unsigned int avail, shift, k;

	/* A write (W) to a present (P) page, from guest kernel mode. */
	if ((r->error_code & 3) != 3 || !v->arch.kernel_mode || !guest_range_ok(addr, 1))
		return false;
	if (!guest_l1e_maddr(vcpu_cr3(v), addr, &l1e))
		return false;
	target = (*(pte_t *)maddr_to_virt(l1e) & PTE_ADDR_MASK) | (addr & (PAGE_SIZE - 1));
	if ((target >> PAGE_SHIFT) >= frame_table_size)
		return false;
	pg = &frame_table[array_index_nospec(target >> PAGE_SHIFT, frame_table_size)];
	if (pg->owner != d->domid || pg->type != PGT_l1 || !pg_is_table(pg))
		return false;
	avail = 15;		/* the longest instruction */
	while (avail && copy_from_guest(bytes, r->rip, avail))
		avail--;
	if (!avail || !decode(bytes, avail, &in))
		return false;
	if (addr & (in.size - 1))
		return false;	/* misaligned, or across two entries: Xen refuses it too */
	shift = (addr & 7) * 8;
	mask = size_mask(in.size) << shift;
	old = *(pte_t *)maddr_to_virt(target & ~7ULL);
	opnd = (old & mask) >> shift;
	if (!compute(r, &in, &opnd, &fx))
		return false;
	new = (old & ~mask) | ((opnd << shift) & mask);
	if (new != old && pt_update_entry(d, target & ~7ULL, new, false))
		return false;	/* refused: the guest gets its page fault, registers untouched */
	for (k = 0; k < ARRAY_SIZE(fx.regs); k++)
		if (fx.regs[k].reg)
			*fx.regs[k].reg = fx.regs[k].val;
	r->rflags = (r->rflags & ~fx.flags_mask) | fx.flags_val;
	invlpg(addr);
	/* rep stos: the next iteration faults again until rcx runs out. */
	if (!in.rep || in.two_byte || (in.op != 0xAA && in.op != 0xAB) || !r->rcx)
		r->rip += in.len;
	return true;
}

/*
 * In a domain of several vCPUs the emulation runs under its page-table
 * lock (the entry write takes it again, recursively), so the entry read
 * is the one replaced: no other vCPU's write lands between a cmpxchg's
 * compare and its write, or between an or's read and its write.
 */
static bool __attribute__((noinline)) emulate_locked(struct vcpu *v, struct cpu_regs *r,
						     uint64_t addr)
{
	rspinlock_t *lock = &v->domain->arch.pt.lock;
	bool done;

	rspin_lock(lock);
	done = emulate(v, r, addr);
	rspin_unlock(lock);
	return done;
}

/*
 * #PF from guest kernel mode: returns true if it was a write to a
 * validated L1 of the domain and has been emulated.
 */
bool ptwr_emulate(struct vcpu *v, struct cpu_regs *r, uint64_t addr)
{
	if (pt_lock_wanted(v->domain))
		return emulate_locked(v, r, addr);
	return emulate(v, r, addr);
}
