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
 * operation, its source and the instruction's length. Forms (what Linux
 * uses on entries): mov r/m64,r64 (89), mov r/m64,imm32 (C7 /0), xchg (87),
 * lock cmpxchg (0F B1), and/or on a byte or quadword (20/08/21/09, 80 /4,
 * /1, 83 /4, /1), bts/btr (0F AB, 0F B3, 0F BA /5 /6). Prefixes: lock,
 * segment overrides (ds is what a UP kernel's lock becomes), REX.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/mm.h>
#include <asm/page.h>
#include <asm/pv.h>
#include <asm/x86.h>
#include <lamina/mm.h>

struct insn {
	uint8_t op, op2;	/* op2: second opcode byte after 0F */
	uint8_t modrm, rex;
	bool two_byte;
	unsigned int len;	/* total length */
	uint64_t imm;
	unsigned int size;	/* operand size in bytes: 1 or 8 */
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

static bool decode(const uint8_t *b, unsigned int avail, struct insn *in)
{
	unsigned int i = 0;
	int m;

	memset(in, 0, sizeof(*in));
	/*
	 * lock, and segment overrides: the address comes from CR2 anyway, and
	 * a UP Linux patches its lock prefixes into ds (3E).
	 */
	while (i < 4 && (b[i] == 0xF0 || b[i] == 0x2E || b[i] == 0x36 || b[i] == 0x3E ||
			 b[i] == 0x26 || b[i] == 0x64 || b[i] == 0x65))
		i++;
	if ((b[i] & 0xF0) == 0x40)
		in->rex = b[i++];
	in->op = b[i++];
	if (in->op == 0x0F) {
		in->two_byte = true;
		in->op2 = b[i++];
	}
	if (i >= avail)
		return false;
	in->modrm = b[i];
	m = modrm_len(b + i, avail - i);
	if (m < 0)
		return false;
	i += m;
	in->size = (in->rex & 8) ? 8 : 4;
	if (!in->two_byte) {
		switch (in->op) {
		case 0x20: case 0x08: case 0x80:
			in->size = 1;
			break;
		case 0x89: case 0x87: case 0x21: case 0x09: case 0x83: case 0xC7:
			break;
		default:
			return false;
		}
		if (in->op == 0x80 || in->op == 0x83)
			in->imm = (uint64_t)(int64_t)(int8_t)b[i++];
		else if (in->op == 0xC7) {
			int32_t v;

			memcpy(&v, b + i, 4);
			in->imm = (uint64_t)(int64_t)v;
			i += 4;
		}
	} else {
		switch (in->op2) {
		case 0xB1: case 0xAB: case 0xB3:
			break;
		case 0xBA:
			in->imm = b[i++];
			break;
		default:
			return false;
		}
	}
	if (in->size == 4)
		return false;		/* 32-bit writes to entries: not a form Linux uses */
	in->len = i;
	return i <= avail;
}

/*
 * What the instruction does to the guest's registers besides the entry:
 * applied only once the new entry is in, so a refused write leaves them
 * as they were for the page fault the guest gets instead.
 */
struct reg_effects {
	uint64_t *reg;		/* a register written (xchg's source, cmpxchg's rax), or NULL */
	uint64_t reg_val;
	uint64_t flags_mask;	/* rflags bits set from flags_val */
	uint64_t flags_val;
};

static void set_flag(struct reg_effects *fx, uint64_t flag, bool on)
{
	fx->flags_mask |= flag;
	fx->flags_val = (fx->flags_val & ~flag) | (on ? flag : 0);
}

/* The decoded operation on the entry: *new, and *fx for the registers; false if unknown. */
static bool compute(struct cpu_regs *r, const struct insn *in, uint64_t old,
		    unsigned int byte, uint64_t *new, struct reg_effects *fx)
{
	unsigned int ext = (in->modrm >> 3) & 7;
	uint64_t *src = regs_gpr(r, ext | ((in->rex & 4) << 1));
	uint64_t mask = in->size == 1 ? 0xFFULL << (byte * 8) : ~0ULL;
	/* Byte registers 4-7 without REX are AH, CH, DH, BH. */
	uint64_t byteval = (in->rex || ext < 4) ? *src & 0xFF : (*regs_gpr(r, ext - 4) >> 8) & 0xFF;
	uint64_t val = in->size == 1 ? byteval << (byte * 8) : *src;
	uint64_t imm = in->size == 1 ? (in->imm & 0xFF) << (byte * 8) : in->imm;

	*fx = (struct reg_effects){ 0 };
	if (in->two_byte) {
		unsigned int bit = (in->op2 == 0xBA ? in->imm : *src) & 63;

		if (in->op2 == 0xB1) {			/* cmpxchg */
			set_flag(fx, X86_EFLAGS_ZF, r->rax == old);
			if (r->rax == old) {
				*new = *src;
			} else {
				*new = old;
				fx->reg = &r->rax;
				fx->reg_val = old;
			}
			return true;
		}
		if (in->op2 == 0xBA && ext != 5 && ext != 6)
			return false;
		set_flag(fx, X86_EFLAGS_CF, (old >> bit) & 1);
		if (in->op2 == 0xAB || (in->op2 == 0xBA && ext == 5))
			*new = old | (1ULL << bit);	/* bts */
		else
			*new = old & ~(1ULL << bit);	/* btr */
		return true;
	}
	switch (in->op) {
	case 0x89:
		*new = (old & ~mask) | val;
		return true;
	case 0xC7:
		if (ext)
			return false;
		*new = imm;
		return true;
	case 0x87:
		*new = val;
		fx->reg = src;
		fx->reg_val = old;
		return true;
	case 0x20: case 0x21:
		*new = old & (val | ~mask);
		return true;
	case 0x08: case 0x09:
		*new = old | val;
		return true;
	case 0x80: case 0x83:
		if (ext == 4)
			*new = old & (imm | ~mask);
		else if (ext == 1)
			*new = old | imm;
		else
			return false;
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
	uint64_t old, new;
	unsigned int avail;

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
	avail = sizeof(bytes);
	while (avail && copy_from_guest(bytes, r->rip, avail))
		avail--;
	if (!avail || !decode(bytes, avail, &in))
		return false;
	if (in.size == 8 && (addr & 7))
		return false;
	old = *(pte_t *)maddr_to_virt(target & ~7ULL);
	if (!compute(r, &in, old, addr & 7, &new, &fx))
		return false;
	if (new != old && pt_update_entry(d, target & ~7ULL, new, false))
		return false;	/* refused: the guest gets its page fault, registers untouched */
	if (fx.reg)
		*fx.reg = fx.reg_val;
	r->rflags = (r->rflags & ~fx.flags_mask) | fx.flags_val;
	invlpg(addr);
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
	if (unlikely(v->domain->max_vcpus > 1))
		return emulate_locked(v, r, addr);
	return emulate(v, r, addr);
}
