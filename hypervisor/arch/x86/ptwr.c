// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writable page tables (docs/abi-core.md §5.6): a guest kernel writes an
 * entry of one of its own validated L1 tables through a read-only mapping;
 * the write faults, and here it is decoded, the new 8-byte entry is
 * validated like an mmu_update, and the write is completed on the guest's
 * behalf. A write the rules refuse is reflected to the guest as the page
 * fault it was; an instruction whose bytes another vCPU unmapped after the
 * fault gives the fetch's #PF instead (fetch_fault), as on Xen 4.17.
 *
 * The faulting address comes from CR2, so the decoder only needs the
 * operation, its sources and the instruction's length. As Xen 4.17 does
 * (its general emulator, whose callbacks accept a write only into the
 * faulting page), any integer instruction a PV kernel may aim at an entry
 * is taken when its write is naturally aligned and 1, 2, 4 or 8 bytes wide
 * (the rest of the entry kept):
 * - mov (88, 89, C6 /0, C7 /0), movnti (0F C3), xchg (86, 87), the ALU
 *   forms with a register or immediate source (00-31, 80, 81, 83 /0-/6),
 *   xadd (0F C0, C1), cmpxchg (0F B0, B1), cmpxchg8b (0F C7 /1),
 *   bts/btr/btc (0F AB, B3, BB, BA /5-/7), inc/dec (FE, FF /0 /1),
 *   not/neg (F6, F7 /2 /3), setcc (0F 90-9F), movbe (0F 38 F1);
 * - shifts and rotates (C0, C1, D0-D3 /0-/7) and shld/shrd (0F A4, A5,
 *   AC, AD), run on the CPU itself with the guest's flags, so that their
 *   flags, the undefined ones too, are the hardware's as on Xen;
 * - the stack on a page table: push (50-57, 68, 6A, FF /6), pushf (9C),
 *   call (E8, FF /2), enter (C8; a nesting level's pushes one by one),
 *   and pop to memory (8F /0) from an ordinary stack;
 * - stos and movs (AA, AB, A4, A5; one iteration a fault under rep).
 * Prefixes: any legacy ones (lock, segment overrides, 66, 67, rep) and
 * REX. Xen's callbacks take an operand's offset as its address, without
 * an FS or GS base: sources in memory (movs, pop, push and call through
 * memory) are read there (one that cannot be read: that read's #PF, error
 * code 0, read_operand), and a destination behind FS or GS is written
 * there if that is in the faulting page (else the #PF).
 * A 66 prefix makes push and enter 16-bit; a call too on an AMD-like
 * host (AMD, Hygon: rel16, the target cut to 16 bits, 2 bytes pushed),
 * and is ignored by a call on the others (64-bit), as Xen 4.17's
 * emulator goes by the vendor (its amd_like()).
 * Misaligned writes, SSE, x87 and segment-register stores (Xen's emulator
 * has no callbacks for them here) get their page fault.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/mm.h>
#include <asm/page.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <asm/x86_prefixes.h>
#include <asm/int_ops.h>
#include <lamina/mm.h>

/* A #PF error code's instruction-fetch bit. */
#define PFEC_INSN_FETCH	0x10

/* The host is AMD or Hygon (cpu.c at boot): Xen's emulator's amd_like(). */
bool cpu_amd_like;

/* What an instruction does besides its write, for compute(). */
enum insn_kind {
	K_MODRM,	/* a ModRM memory destination, the common case */
	K_PUSH,		/* 50-57, 68, 6A, 9C, FF /6: a write at rsp - size */
	K_CALL,		/* E8, FF /2 */
	K_ENTER,	/* C8, level 0 */
	K_STRING,	/* stos, movs: no ModRM */
};

struct insn {
	uint8_t op, op2, op3;	/* op2: second opcode byte after 0F, op3 after 0F 38 */
	uint8_t modrm, rex;
	bool two_byte, rep, addr32;
	uint8_t seg;		/* segment override, SEG_DS without one */
	enum insn_kind kind;
	unsigned int len;	/* total length */
	unsigned int modrm_at;	/* offset of the ModRM byte */
	uint64_t imm;
	unsigned int size;	/* bytes written: 1, 2, 4 or 8 */
};

/*
 * Length of the ModRM memory operand encoding, from the ModRM byte on
 * (possibly more than avail: its displacement's bytes are not checked);
 * -1 for a register operand, -2 when the SIB byte is past avail.
 */
static int modrm_len(const uint8_t *p, unsigned int avail)
{
	uint8_t modrm = p[0], mod = modrm >> 6, rm = modrm & 7;
	unsigned int n = 1;

	if (mod == 3)
		return -1;			/* register operand: not a memory write */
	if (rm == 4) {
		if (avail < 2)
			return -2;		/* the SIB byte could not be read */
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
		return in->op2 == 0xBA || in->op2 == 0xA4 || in->op2 == 0xAC ? 1 : 0;
	switch (in->op) {
	case 0x80: case 0x83: case 0xC6: case 0xC0: case 0xC1: case 0x6A:
		return 1;
	case 0x81: case 0xC7: case 0x68:
		return opsize == 2 ? 2 : 4;
	case 0xE8:
		return opsize == 2 && cpu_amd_like ? 2 : 4;
	case 0xC8:
		return 3;			/* imm16 frame size, imm8 level */
	}
	return 0;
}

/* The opcodes taken (see the top of the file); *byte_op for the 8-bit forms. */
static bool known_op(const struct insn *in, bool *byte_op)
{
	*byte_op = false;
	if (in->two_byte) {
		if ((in->op2 & 0xF0) == 0x90) {		/* setcc */
			*byte_op = true;
			return true;
		}
		if (in->op2 == 0x38)			/* movbe m, r (F2: crc32, a register) */
			return in->op3 == 0xF1 && !in->rep;
		switch (in->op2) {
		case 0xB0: case 0xC0:
			*byte_op = true;
			return true;
		case 0xB1: case 0xAB: case 0xB3: case 0xBB: case 0xBA: case 0xC7:
		case 0xC1: case 0xC3: case 0xA4: case 0xA5: case 0xAC: case 0xAD:
			return true;
		}
		return false;
	}
	if (in->op < 0x40 && (in->op & 7) <= 1 && (in->op >> 3) != 7) {
		*byte_op = !(in->op & 1);	/* add or adc sbb and sub xor, r/m <- reg */
		return true;
	}
	if (in->op >= 0x50 && in->op <= 0x57)
		return true;			/* push reg */
	switch (in->op) {
	case 0x80: case 0x86: case 0x88: case 0xC6: case 0xAA: case 0xF6: case 0xFE:
	case 0xA4: case 0xC0: case 0xD0: case 0xD2:
		*byte_op = true;
		return true;
	case 0x81: case 0x83: case 0x87: case 0x89: case 0xC7: case 0xAB: case 0xF7: case 0xFF:
	case 0xA5: case 0xC1: case 0xD1: case 0xD3: case 0x68: case 0x6A: case 0x8F: case 0x9C:
	case 0xC8: case 0xE8:
		return true;
	}
	return false;
}

/* The kind of an opcode taken, and the operand size of a stack one. */
static enum insn_kind insn_kind(const struct insn *in)
{
	uint8_t ext = (in->modrm >> 3) & 7;

	if (in->two_byte)
		return K_MODRM;
	if ((in->op >= 0x50 && in->op <= 0x57) || in->op == 0x68 || in->op == 0x6A ||
	    in->op == 0x9C || (in->op == 0xFF && ext == 6))
		return K_PUSH;
	if (in->op == 0xE8 || (in->op == 0xFF && ext == 2))
		return K_CALL;
	if (in->op == 0xC8)
		return K_ENTER;
	if (in->op == 0xAA || in->op == 0xAB || in->op == 0xA4 || in->op == 0xA5)
		return K_STRING;
	return K_MODRM;
}

/* Forms whose ModRM may name a register: push and call through a register. */
static bool reg_operand_ok(const struct insn *in)
{
	uint8_t ext = (in->modrm >> 3) & 7;

	return !in->two_byte && in->op == 0xFF && (ext == 2 || ext == 6);
}

/* Opcodes without a ModRM byte. */
static bool no_modrm(const struct insn *in)
{
	return !in->two_byte && ((in->op >= 0x50 && in->op <= 0x57) || in->op == 0x68 ||
				 in->op == 0x6A || in->op == 0x9C || in->op == 0xC8 ||
				 in->op == 0xE8 || in->op == 0xAA || in->op == 0xAB ||
				 in->op == 0xA4 || in->op == 0xA5);
}

/*
 * What decode() made of the bytes: an instruction taken, one refused, or
 * SHORT, the decoder needing a byte past the avail read (see fetch_fault).
 */
enum decoded { DEC_REFUSED, DEC_OK, DEC_SHORT };

static enum decoded decode(const uint8_t *b, unsigned int avail, struct insn *in)
{
	struct x86_prefixes p;
	unsigned int i, opsize, n;
	bool byte_op;
	int m;

	in->two_byte = false;
	in->op2 = in->op3 = in->modrm = 0;
	in->imm = 0;
	in->kind = K_MODRM;
	in->addr32 = false;
	in->seg = SEG_DS;
	/* Linux's set_pte first, REX.W mov r/m64, r64: no prefix scan, no immediate. */
	if ((b[0] & 0xF8) == 0x48 && avail > 2 && b[1] == 0x89) {
		in->rex = b[0];
		in->rep = false;
		in->op = 0x89;
		in->size = 8;
		in->modrm = b[2];
		in->modrm_at = 2;
		m = modrm_len(b + 2, avail - 2);
		in->len = 2 + m;
		if (m == -1)
			return DEC_REFUSED;
		return m > 0 && in->len <= avail ? DEC_OK : DEC_SHORT;
	}
	x86_scan_prefixes(b, avail, true, &p);
	i = p.len;
	if (i >= avail)
		return DEC_SHORT;
	in->rex = p.rex;
	in->rep = p.rep;
	in->addr32 = p.addrsize;
	in->seg = p.seg;
	in->op = b[i++];
	if (in->op == 0x0F) {
		if (i >= avail)
			return DEC_SHORT;
		in->two_byte = true;
		in->op2 = b[i++];
		if (in->op2 == 0x38) {
			if (i >= avail)
				return DEC_SHORT;
			in->op3 = b[i++];
		}
	}
	if (!known_op(in, &byte_op))
		return DEC_REFUSED;
	opsize = (in->rex & 8) ? 8 : p.opsize ? 2 : 4;
	in->size = byte_op ? 1 : opsize;
	in->modrm_at = i;
	if (!no_modrm(in)) {
		if (i >= avail)
			return DEC_SHORT;
		in->modrm = b[i];
		m = modrm_len(b + i, avail - i);
		if ((in->modrm >> 6) == 3 && reg_operand_ok(in))
			m = 1;
		if (m < 0)
			return m == -2 ? DEC_SHORT : DEC_REFUSED;
		i += m;
	}
	in->kind = insn_kind(in);
	if (in->kind == K_PUSH || in->op == 0x8F)
		in->size = opsize == 4 ? 8 : opsize;	/* 64-bit stack operations */
	if (in->kind == K_CALL || in->kind == K_ENTER) {
		/*
		 * 16-bit under 66 without REX.W, as Xen's emulator (measured
		 * under QEMU's AMD-like vendor): enter pushes bp's 2 bytes (and
		 * a level's frame pointers), the rest of rbp kept; a call its
		 * return address's low 16 bits, on an AMD-like host only.
		 */
		in->size = p.opsize && !(in->rex & 8) &&
			   (in->kind == K_ENTER || cpu_amd_like) ? 2 : 8;
	}
	n = imm_bytes(in, opsize);
	if (i + n > avail)
		return DEC_SHORT;	/* a displacement's or an immediate's byte */
	if (in->two_byte && in->op2 == 0xC7) {		/* cmpxchg8b; not cmpxchg16b */
		if (((in->modrm >> 3) & 7) != 1 || (in->rex & 8))
			return DEC_REFUSED;
		in->size = 8;
	}
	if (in->two_byte && in->op2 == 0xC3 && in->size == 2)
		return DEC_REFUSED;				/* movnti has no 16-bit form */
	if (n == 1)
		in->imm = (uint64_t)(int64_t)(int8_t)b[i];
	else if (n == 2)
		in->imm = (uint64_t)(int64_t)(int16_t)(b[i] | (b[i + 1] << 8));
	else if (n == 3)
		in->imm = b[i] | (b[i + 1] << 8) | ((uint32_t)b[i + 2] << 16);
	else if (n == 4)
		in->imm = (uint64_t)(int64_t)(int32_t)(b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) |
						      ((uint32_t)b[i + 3] << 24));
	i += n;
	in->len = i;
	return DEC_OK;
}

/*
 * The offset a ModRM memory operand names (base + index * scale + disp,
 * or rip-relative; 32 bits under 67), without a segment base: what Xen's
 * emulator hands its read callback, which adds none.
 */
static uint64_t modrm_offset(const struct cpu_regs *r, const struct insn *in, const uint8_t *b)
{
	const uint8_t *p = b + in->modrm_at;
	uint8_t mod = in->modrm >> 6, rm = in->modrm & 7, sib;
	uint64_t off = 0;
	unsigned int at = 1, idx;

	if (rm == 4) {
		sib = p[at++];
		idx = ((sib >> 3) & 7) | ((in->rex & 2) << 2);
		if (idx != 4)
			off += *regs_gpr((struct cpu_regs *)r, idx) << (sib >> 6);
		if ((sib & 7) == 5 && mod == 0) {
			off += (uint64_t)(int64_t)(int32_t)(p[at] | (p[at + 1] << 8) | (p[at + 2] << 16) |
							    ((uint32_t)p[at + 3] << 24));
			return in->addr32 ? (uint32_t)off : off;
		}
		off += *regs_gpr((struct cpu_regs *)r, (sib & 7) | ((in->rex & 1) << 3));
	} else if (mod == 0 && rm == 5) {
		off = r->rip + in->len;
	} else {
		off = *regs_gpr((struct cpu_regs *)r, rm | ((in->rex & 1) << 3));
	}
	if (mod == 1)
		off += (uint64_t)(int64_t)(int8_t)p[at];
	else if (mod == 2 || (mod == 0 && rm == 5))
		off += (uint64_t)(int64_t)(int32_t)(p[at] | (p[at + 1] << 8) | (p[at + 2] << 16) |
						    ((uint32_t)p[at + 3] << 24));
	return in->addr32 ? (uint32_t)off : off;
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
	} regs[3];		/* xchg's source, cmpxchg's rax (and rdx), movs's rsi, rdi, rcx, ... */
	uint64_t flags_mask;	/* rflags bits set from flags_val */
	uint64_t flags_val;
	bool jump;		/* call: rip becomes target */
	uint64_t target;
	bool read_faulted;	/* a source's read #PF injected instead */
};

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
	unsigned int k = 0;

	while (fx->regs[k].reg && fx->regs[k].reg != reg)
		k++;
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

/* A string register (rsi, rdi, rcx) stepped by delta, 32 bits wide under 67. */
static void step_reg(struct reg_effects *fx, const struct insn *in, uint64_t *reg, int64_t delta)
{
	set_reg(fx, reg, 0, in->addr32 ? 4 : 8, *reg + delta);
}

static uint64_t addr_of(const struct insn *in, uint64_t reg)
{
	return in->addr32 ? (uint32_t)reg : reg;
}

/*
 * A read the emulation needs that the guest cannot make, where the CPU
 * made none before the fault (enter's frame pointers) or its page went
 * since (read_operand), or it is at the operand's offset without the FS
 * or GS base the CPU added: the read's #PF instead of the write's, error code 0 and CR2 the first byte that cannot
 * be read, as Xen 4.17's writable-page-table read callback injects it.
 * False (the write's #PF) if the read works now: it changed meanwhile.
 */
static bool __attribute__((noinline, cold)) read_fault(struct cpu_regs *r, uint64_t va,
						       unsigned int size)
{
	struct vcpu *v = current_vcpu();	/* the one that faulted */
	uint64_t b;
	unsigned int k = size - copy_from_guest_ll(&b, va, size);	/* bytes readable */

	if (k == size)
		return false;
	v->vcpu_info->arch.cr2 = va + k;
	pv_inject_trap(v, r, X86_EXC_PF, 0);
	return true;
}

/* size bytes of guest memory at va, as the instruction's source. */
static bool read_source(uint64_t va, unsigned int size, uint64_t *val)
{
	uint64_t v = 0;

	if (copy_from_guest(&v, va, size))
		return false;	/* the CPU read it before the fault: changed since */
	*val = v;
	return true;
}

/*
 * read_source for a memory operand of the instruction (movs, pop, push
 * and call through memory): one another vCPU unmapped since the CPU read
 * it gets that read's #PF (read_fault), as Xen 4.17's ptwr read callback
 * gives it, where Lamina gave the write's before 5 Dec.
 */
static bool read_operand(struct cpu_regs *r, struct reg_effects *fx, uint64_t va,
			 unsigned int size, uint64_t *val)
{
	if (read_source(va, size, val))
		return true;
	fx->read_faulted = read_fault(r, va, size);
	return false;
}

/*
 * A write refused before compute() ran (misaligned, or at an FS or GS
 * offset outside the faulting page): Xen 4.17's emulator has read the
 * instruction's memory source by then (movs's at rsi, push's and call's
 * through memory, pop's at rsp; the write comes last), so one that
 * cannot be read is that read's #PF (true); else the write's (false).
 */
static bool __attribute__((noinline, cold)) refused_after_source(struct cpu_regs *r,
								 const struct insn *in,
								 const uint8_t *b)
{
	uint8_t ext = (in->modrm >> 3) & 7;
	uint64_t va;

	if (in->kind == K_STRING && (in->op == 0xA4 || in->op == 0xA5))
		va = addr_of(in, r->rsi);
	else if (!in->two_byte && in->op == 0xFF && (ext == 2 || ext == 6) &&
		 (in->modrm >> 6) != 3)
		va = modrm_offset(r, in, b);
	else if (!in->two_byte && in->op == 0x8F && !ext)
		va = r->rsp;
	else
		return false;
	return read_fault(r, va, in->size);
}

/*
 * The stack forms: the value a push, call or enter writes at rsp - size
 * (addr, which CR2 gave), and rsp, rbp and rip after it. A memory source
 * is read before the write's address is looked at, as Xen 4.17's
 * emulator fetches its operand before it pushes: one that cannot be read
 * gives the read's #PF even when rsp does not name the faulting entry
 * (an instruction another vCPU rewrote after the CPU's fault).
 */
static bool compute_stack(struct cpu_regs *r, const struct insn *in, const uint8_t *b,
			  uint64_t addr, uint64_t *opnd, struct reg_effects *fx)
{
	uint64_t src = 0, mask = size_mask(in->size);

	if (!in->two_byte && in->op == 0xFF) {	/* push or call through r/m */
		if ((in->modrm >> 6) == 3)
			src = *regs_gpr(r, (in->modrm & 7) | ((in->rex & 1) << 3));
		else if (!read_operand(r, fx, modrm_offset(r, in, b), in->size, &src))
			return false;
	}
	if (addr != r->rsp - in->size)
		return false;
	switch (in->kind) {
	case K_PUSH:
		if (in->op >= 0x50 && in->op <= 0x57)
			src = *regs_gpr(r, (in->op & 7) | ((in->rex & 1) << 3));
		else if (in->op == 0x68 || in->op == 0x6A)
			src = in->imm;
		else if (in->op == 0x9C)
			src = r->rflags & ~(X86_EFLAGS_VM | X86_EFLAGS_RF);
		*opnd = src & mask;
		break;
	case K_CALL:
		*opnd = (r->rip + in->len) & mask;
		fx->jump = true;
		fx->target = (in->op == 0xE8 ? r->rip + in->len + in->imm : src) & mask;
		if (!is_canonical(fx->target))
			return false;	/* the CPU's #GP comes before the push */
		break;
	default:				/* enter, level 0 (others: enter_nested) */
		*opnd = r->rbp & mask;
		set_reg(fx, &r->rbp, 0, in->size, addr);
		set_reg(fx, &r->rsp, 0, 8, addr - (in->imm & 0xFFFF));
		return true;
	}
	set_reg(fx, &r->rsp, 0, 8, addr);
	return true;
}

/*
 * stos and movs, one iteration: rdi (and rsi) stepped, rcx counted down
 * under rep. movs reads its source first, as Xen 4.17's emulator: an
 * unreadable one is the read's #PF whatever rdi names.
 */
static bool compute_string(struct cpu_regs *r, const struct insn *in, uint64_t addr,
			   uint64_t *opnd, struct reg_effects *fx)
{
	int64_t step = (r->rflags & X86_EFLAGS_DF) ? -(int64_t)in->size : (int64_t)in->size;
	uint64_t src = r->rax & size_mask(in->size);

	if ((in->op == 0xA4 || in->op == 0xA5) &&
	    !read_operand(r, fx, addr_of(in, r->rsi), in->size, &src))
		return false;
	if (addr != addr_of(in, r->rdi))
		return false;
	*opnd = src;
	if (in->op == 0xA4 || in->op == 0xA5)
		step_reg(fx, in, &r->rsi, step);
	step_reg(fx, in, &r->rdi, step);
	if (in->rep)
		step_reg(fx, in, &r->rcx, -1);
	return true;
}

/*
 * The decoded operation on the operand (the entry's bytes at the write,
 * *opnd): its new value in *opnd, and *fx for the registers; false if
 * the instruction is not one taken. Out of line: inlined, it cost
 * Linux's set_pte (the mov path, which never calls it) 9 instructions
 * (bench/pte_trapped_*, 5 Dec).
 */
static bool __attribute__((noinline)) compute(struct cpu_regs *r, const struct insn *in,
					      const uint8_t *b, uint64_t addr, uint64_t *opnd,
					      struct reg_effects *fx)
{
	unsigned int ext = (in->modrm >> 3) & 7, sh, bit;
	uint64_t *src = sized_reg(r, in, ext | ((in->rex & 4) << 1), &sh);
	uint64_t mask = size_mask(in->size), old = *opnd, val = (*src >> sh) & mask, f;

	fx->regs[0].reg = fx->regs[1].reg = fx->regs[2].reg = NULL;
	fx->flags_mask = fx->flags_val = 0;
	fx->jump = false;
	fx->read_faulted = false;
	if (in->kind == K_STRING)
		return compute_string(r, in, addr, opnd, fx);
	if (in->kind != K_MODRM)
		return compute_stack(r, in, b, addr, opnd, fx);
	if (in->two_byte) {
		if ((in->op2 & 0xF0) == 0x90) {		/* setcc */
			*opnd = int_condition(in->op2 & 0xF, r->rflags);
			return true;
		}
		switch (in->op2) {
		case 0xB0: case 0xB1:			/* cmpxchg */
			int_alu(7, in->size, r->rax, old, false, &f);
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
		case 0xC0: case 0xC1:			/* xadd */
			*opnd = int_alu(0, in->size, old, val, false, &f);
			set_flags(fx, ARITH_FLAGS, f);
			set_reg(fx, src, sh, in->size, old);
			return true;
		case 0xC3:				/* movnti */
			*opnd = val;
			return true;
		case 0x38:				/* movbe */
			*opnd = __builtin_bswap64(val) >> (64 - in->size * 8);
			return true;
		case 0xA4: case 0xA5: case 0xAC: case 0xAD:	/* shld, shrd */
			f = r->rflags;
			*opnd = int_shift(in->op2 < 0xAC ? 8 : 9, in->size, old, val,
					 (in->op2 & 1) ? (uint8_t)r->rcx : (uint8_t)in->imm, &f);
			set_flags(fx, ARITH_FLAGS, f);
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
		*opnd = int_alu(in->op >> 3, in->size, old, val, r->rflags & X86_EFLAGS_CF, &f);
		set_flags(fx, ARITH_FLAGS, f);
		return true;
	}
	switch (in->op) {
	case 0x80: case 0x81: case 0x83:		/* ALU r/m, imm (cmp never faults) */
		if (ext == 7)
			return false;
		*opnd = int_alu(ext, in->size, old, in->imm, r->rflags & X86_EFLAGS_CF, &f);
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
	case 0x8F:					/* pop r/m: from the stack */
		if (ext || !read_operand(r, fx, r->rsp, in->size, opnd))
			return false;
		set_reg(fx, &r->rsp, 0, 8, r->rsp + in->size);
		return true;
	case 0xC0: case 0xC1: case 0xD0: case 0xD1: case 0xD2: case 0xD3:	/* shifts */
		f = r->rflags;
		*opnd = int_shift(ext, in->size, old, 0,
				 in->op >= 0xD2 ? (uint8_t)r->rcx : in->op >= 0xD0 ? 1 : (uint8_t)in->imm,
				 &f);
		set_flags(fx, ARITH_FLAGS, f);
		return true;
	case 0xFE: case 0xFF:				/* inc, dec: CF kept */
		if (ext > 1)
			return false;
		*opnd = int_alu(ext ? 5 : 0, in->size, old, 1, false, &f);
		set_flags(fx, ARITH_FLAGS & ~X86_EFLAGS_CF, f);
		return true;
	case 0xF6: case 0xF7:				/* not (no flags), neg */
		if (ext == 2) {
			*opnd = ~old & mask;
			return true;
		}
		if (ext != 3)
			return false;
		*opnd = int_alu(5, in->size, 0, old, false, &f);
		set_flags(fx, ARITH_FLAGS, f);
		return true;
	}
	return false;
}

/*
 * enter with a nesting level (1-31), as Xen's emulator runs it: rbp, the
 * level - 1 frame pointers below the old rbp and the new frame's pointer
 * pushed one by one, each write checked on its own (in the faulting page,
 * validated; a 16-bit one, 66, the rest of its entry kept); a refused one
 * leaves those before it written and the registers as they were, for the
 * #PF (a frame pointer that cannot be read: that read's, read_fault).
 * A 16-bit enter reads 2-byte frame pointers at rbp - 2, - 4, ... and
 * sets rbp's low 16 bits only, as measured on Xen 4.17. page: the
 * table's frame.
 */
static bool enter_nested(struct domain *d, struct cpu_regs *r, const struct insn *in,
			 uint64_t cr2, paddr_t page)
{
	unsigned int level = (in->imm >> 16) & 31, size = in->size, shift, i;
	uint64_t sp = r->rsp - size, frame = sp, val, mask = size_mask(size), slot;
	pte_t *e;

	if (sp != cr2)
		return false;
	for (i = 0; i <= level; i++, sp -= size) {
		if (i == 0)
			val = r->rbp & mask;
		else if (i == level)
			val = frame & mask;
		else if (!read_source(r->rbp - size * i, size, &val))
			return read_fault(r, r->rbp - size * i, size);
		if ((sp ^ cr2) & ~(PAGE_SIZE - 1))
			return false;
		slot = page | (sp & (PAGE_SIZE - 1) & ~7ULL);
		e = maddr_to_virt(slot);
		shift = (sp & 7) * 8;
		val = (*e & ~(mask << shift)) | (val << shift);
		if (val != *e && pt_update_entry(d, slot, val, false))
			return false;
	}
	r->rbp = (r->rbp & ~mask) | (frame & mask);
	r->rsp = sp + size - (in->imm & 0xFFFF);
	r->rip += in->len;
	invlpg(cr2);
	return true;
}

/*
 * The CPU had the whole instruction when it faulted, but another vCPU may
 * unmap a page of it before the bytes are read here: when the decoder
 * needs a byte past the avail read, that byte faults as in Xen 4.17's
 * writable-page-table fetch callback (ptwr_emulated_insn_fetch), a #PF
 * with the instruction-fetch bit (0x10, kernel mode: no user bit), cr2 the
 * byte, instead of the write's own #PF Lamina gave before 5 Dec. The
 * instruction is not run; the guest's retry finds the page back or takes
 * the CPU's fetch #PF.
 */
static bool __attribute__((noinline, cold)) fetch_fault(struct vcpu *v, struct cpu_regs *r,
							unsigned int avail)
{
	v->vcpu_info->arch.cr2 = r->rip + avail;
	pv_inject_trap(v, r, X86_EXC_PF, PFEC_INSN_FETCH);
	return true;
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
	uint64_t old, new, opnd, mask, cr2 = addr;
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
	/* The longest instruction, read up to its first byte that faults. */
	avail = 15 - copy_from_guest_ll(bytes, r->rip, 15);
	switch (decode(bytes, avail, &in)) {
	case DEC_REFUSED:
		return false;
	case DEC_SHORT:
		return fetch_fault(v, r, avail);
	case DEC_OK:
		break;
	}
	if (in.kind == K_MODRM && (in.seg == SEG_FS || in.seg == SEG_GS)) {
		/*
		 * As Xen's emulator: its write callback gets the operand's offset,
		 * without the base (the guest's, live in the MSRs), and takes it
		 * only within the faulting page, where it then writes.
		 */
		addr = cr2 - rdmsr(in.seg == SEG_FS ? MSR_FS_BASE : MSR_KERNEL_GS_BASE);
		if ((addr ^ cr2) & ~(PAGE_SIZE - 1))
			goto refused;
		target = (target & ~(paddr_t)(PAGE_SIZE - 1)) | (addr & (PAGE_SIZE - 1));
	}
	if (addr & (in.size - 1))	/* misaligned, or across two entries: Xen refuses it too */
		goto refused;
	if (in.kind == K_ENTER && ((in.imm >> 16) & 31))
		return enter_nested(d, r, &in, cr2, target & ~(paddr_t)(PAGE_SIZE - 1));
	if (in.op == 0x89 && in.size == 8 && !in.two_byte) {
		/* A whole entry by mov, Linux's set_pte: nothing else to do. */
		new = *regs_gpr(r, ((in.modrm >> 3) & 7) | ((in.rex & 4) << 1));
		if (new != *(pte_t *)maddr_to_virt(target) &&
		    pt_update_entry(d, target, new, false))
			return false;
		invlpg(cr2);
		r->rip += in.len;
		return true;
	}
	shift = (addr & 7) * 8;
	mask = size_mask(in.size) << shift;
	old = *(pte_t *)maddr_to_virt(target & ~7ULL);
	opnd = (old & mask) >> shift;
	if (!compute(r, &in, bytes, addr, &opnd, &fx))
		return fx.read_faulted;	/* the read's #PF, or the write's */
	new = (old & ~mask) | ((opnd << shift) & mask);
	if (new != old && pt_update_entry(d, target & ~7ULL, new, false))
		return false;	/* refused: the guest gets its page fault, registers untouched */
	for (k = 0; k < ARRAY_SIZE(fx.regs); k++)
		if (fx.regs[k].reg)
			*fx.regs[k].reg = fx.regs[k].val;
	r->rflags = (r->rflags & ~fx.flags_mask) | fx.flags_val;
	invlpg(cr2);
	/* rep stos/movs: the next iteration faults again until rcx runs out. */
	if (fx.jump)
		r->rip = fx.target;
	else if (!in.rep || in.kind != K_STRING || !(in.addr32 ? (uint32_t)r->rcx : r->rcx))
		r->rip += in.len;
	return true;

refused:	/* before compute(): the write's #PF, or its source's */
	return refused_after_source(r, &in, bytes);
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
