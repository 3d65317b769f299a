// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-emul: the instruction emulators from a guest kernel, each result
 * as Xen 4.17 gives it (run with --xen; Lamina with --smp 1 and 2).
 * - ptwr (writable page tables): writes to an L1 entry through its
 *   read-only mapping by 1, 2, 4 and 8 bytes (the rest of the entry
 *   kept): mov, xchg, cmpxchg, cmpxchg8b, ALU ops, bts/btr/btc, stos
 *   and rep stos (one iteration a fault), behind 66/F3 prefixes; the
 *   arithmetic flags of lock add/adc/sub/sbb/and/or/xor/inc/dec/not/neg
 *   on the entry equal the same op's on
 *   memory; misaligned writes, writes across two entries, SSE stores and
 *   a hypervisor frame by a 4-byte write are the #PF they were.
 * - Port I/O: a REX before a legacy prefix, two REX, 14 prefixes (15
 *   bytes) emulated, 15 prefixes (16 bytes) the #GP, lock in #UD; 67 rep
 *   ins uses ecx and edi (zero-extended); a rep of 1000 (several re-traps)
 *   completes; a dword across into an unmapped page faults with cr2 at
 *   that page and rcx/rdi showing the transfers done; a pointer into the
 *   hypervisor's range or non-canonical is #GP, into a page table #PF.
 * - MSRs, CRs, DRs: rdmsr, mov from cr0/dr7, wbinvd, clts behind 66, F3,
 *   3E, REX.W or two REX; mov from cr0 with ModRM mod 0 (ignored, as the
 *   hardware does); lock rdmsr / lock mov cr0 #UD; cr8, rdpmc, hlt, lgdt,
 *   invlpg stay #GP.
 * - mov to %cr3: a switch to a second L4 and back (the low twelve bits
 *   ignored), mov from %cr3 the frame of the kernel's base; a data page,
 *   a hypervisor frame, bit 63 or frame 0 the #GP(0), the base kept.
 * - A ud2 in a page's last two bytes, the next page unmapped: the #PF of
 *   the next page (Xen's #UD path reads the forced-emulation signature
 *   there), error code 0, not the #UD (Lamina before 5 Dec).
 * Before: every prefixed form, 2- and 4-byte entry writes, cmpxchg8b,
 * stos, xchgb, movb, add and 67 string I/O were #GP or #PF on Lamina, and
 * the #PF of a transfer across a page boundary gave its first byte as cr2;
 * every mov to %cr3 was a #GP.
 */
#include "lib/ptwr.h"
#include <lamina/physdev.h>

#define CONSOLE_LSR	0x3fd
#define MSR_FS_BASE_NR	0xC0000100

#define TRY(what, vec, insn, ...) do {					\
	traps_taken = 0;						\
	EXPECT_TRAP(insn, __VA_ARGS__);					\
	judge(what, vec);						\
} while (0)

static volatile uint64_t *pte;
static uint64_t page, mfn, ro, rw, start_pt;

static void reset_pte(void)
{
	*pte = ro;
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
}

/*
 * The entry after a write, then put back read-only. Xen 4.17 adds the
 * global bit to the entries of user pages: it is not compared.
 */

static void check_pte(const char *what, uint64_t want)
{
	expect((*pte & ~PTE_G) == want, what, *pte);
	reset_pte();
}

/*
 * One ALU op on the entry's low byte and on a copy in memory, carry in
 * cf: the same byte and arithmetic flags (CF PF AF ZF SF OF) from both.
 */
#define ALU_BYTE(mnem, v, cf, cur, what) do {				\
	uint8_t m_ = (uint8_t)(cur);					\
	uint64_t f1_, f2_;						\
									\
	asm volatile("bt $0, %[c]; " mnem "b %[val], %[m]; pushf; pop %[f]" \
		     : [m] "+m"(m_), [f] "=r"(f1_) : [val] "q"((uint8_t)(v)), [c] "r"((uint64_t)(cf)) : "cc"); \
	asm volatile("bt $0, %[c]; lock " mnem "b %[val], (%[p]); pushf; pop %[f]" \
		     : [f] "=r"(f2_) : [val] "q"((uint8_t)(v)), [c] "r"((uint64_t)(cf)), [p] "r"(pte) \
		     : "cc", "memory");					\
	expect((uint8_t)*pte == m_ && (f1_ & 0x8d5) == (f2_ & 0x8d5), what, f2_); \
	reset_pte();							\
} while (0)

/* The same for inc, dec, not and neg (no source), the entry's low byte first set to lo. */
#define ALU_UNARY(mnem, cf, lo, what) do {				\
	uint8_t m_ = (lo);						\
	uint64_t f1_, f2_;						\
									\
	*pte = (ro & ~0xffULL) | m_;					\
	asm volatile("bt $0, %[c]; " mnem " %[m]; pushf; pop %[f]"	\
		     : [m] "+m"(m_), [f] "=r"(f1_) : [c] "r"((uint64_t)(cf)) : "cc"); \
	asm volatile("bt $0, %[c]; lock " mnem " (%[p]); pushf; pop %[f]" \
		     : [f] "=r"(f2_) : [c] "r"((uint64_t)(cf)), [p] "r"(pte) : "cc", "memory"); \
	expect((uint8_t)*pte == m_ && (f1_ & 0x8d5) == (f2_ & 0x8d5), what, f2_); \
	reset_pte();							\
} while (0)

static int ptwr_flags(uint64_t cur)
{
	ALU_BYTE("add", 0x9b, 0, cur, "ptwr lock addb to zero: flags");
	ALU_BYTE("add", 0x02, 1, cur, "ptwr lock addb: flags");
	ALU_BYTE("adc", 0x9a, 1, cur, "ptwr lock adcb with carry: flags");
	ALU_BYTE("sub", 0x65, 0, cur, "ptwr lock subb to zero: flags");
	ALU_BYTE("sub", 0x40, 0, cur, "ptwr lock subb: flags");
	ALU_BYTE("sbb", 0x64, 1, cur, "ptwr lock sbbb with borrow: flags");
	ALU_BYTE("sbb", 0x3f, 1, cur, "ptwr lock sbbb: flags");
	ALU_BYTE("and", 0x00, 1, cur, "ptwr lock andb to zero: flags");
	ALU_BYTE("and", 0x25, 0, cur, "ptwr lock andb: flags");
	ALU_BYTE("or", 0x02, 1, cur, "ptwr lock orb: flags");
	ALU_BYTE("xor", 0x65, 1, cur, "ptwr lock xorb to zero: flags");
	ALU_BYTE("xor", 0x03, 0, cur, "ptwr lock xorb: flags");
	ALU_UNARY("incb", 1, 0x65, "ptwr lock incb: flags");
	ALU_UNARY("decb", 0, 0x65, "ptwr lock decb: flags");
	ALU_UNARY("notb", 1, 0x65, "ptwr lock notb: flags");
	ALU_UNARY("negb", 0, 0x02, "ptwr lock negb: flags");
	ALU_UNARY("negb", 1, 0x00, "ptwr lock negb of 0: flags");
	return 0;
}

/*
 * Writes to an L1 entry (the scratch page's) through its read-only
 * mapping, by every width and form: as Xen 4.17, naturally aligned
 * writes of 1 to 8 bytes by any integer instruction are emulated (one
 * iteration of a rep stos a fault), misaligned ones and SSE stores get
 * the #PF.
 */
static void ptwr_attacks(void)
{
	uint64_t rcx, rdi, a, d, b, cur;
	uint8_t zf;

	reset_pte();
	cur = *pte;		/* ro, with Xen's global bit */
	TRY("ptwr movl", -1, "movl %0, (%1)", : : "r"((uint32_t)rw), "r"(pte) : "memory");
	check_pte("ptwr movl", rw);
	TRY("ptwr movw", -1, "movw %0, (%1)", : : "r"((uint16_t)rw), "r"(pte) : "memory");
	check_pte("ptwr movw", rw);
	TRY("ptwr movb", -1, "movb %0, (%1)", : : "q"((uint8_t)rw), "r"(pte) : "memory");
	check_pte("ptwr movb", rw);
	TRY("ptwr movl to the high half", -1, "movl %0, 4(%1)", : : "r"(0), "r"(pte) : "memory");
	check_pte("ptwr movl high half", ro);
	TRY("ptwr movb $imm", -1, "movb $0x67, (%0)", : : "r"(pte) : "memory");
	check_pte("ptwr movb $imm", (ro & ~0xffULL) | 0x67);
	TRY("ptwr movq misaligned", 14, "movq %0, 1(%1)", : : "r"(rw >> 8), "r"(pte) : "memory");
	check_pte("ptwr movq misaligned", ro);
	TRY("ptwr movl across two entries", 14, "movl %0, 6(%1)", : : "r"(0), "r"(pte) : "memory");
	check_pte("ptwr movl across two entries", ro);
	TRY("ptwr movw misaligned", 14, "movw %0, 1(%1)", : : "r"((uint16_t)0), "r"(pte) : "memory");
	check_pte("ptwr movw misaligned", ro);

	a = (uint32_t)cur;
	d = cur >> 32;
	TRY("ptwr cmpxchg8b", -1, "lock cmpxchg8b (%2)", : "+a"(a), "+d"(d)
	    : "r"(pte), "b"((uint32_t)rw), "c"((uint32_t)(rw >> 32)) : "memory");
	printf("cmpxchg8b: a %#lx d %#lx pte %#lx\n", (unsigned long)a, (unsigned long)d,
	       (unsigned long)*pte);
	check_pte("ptwr cmpxchg8b", rw);
	a = (uint32_t)cur;
	TRY("ptwr cmpxchgl", -1, "lock cmpxchgl %1, (%2)", : "+a"(a) : "r"((uint32_t)rw), "r"(pte)
	    : "memory");
	check_pte("ptwr cmpxchgl", rw);
	a = 1;
	asm volatile("lock cmpxchgl %2, (%3); sete %1" : "+a"(a), "=q"(zf)
		     : "r"((uint32_t)rw), "r"(pte) : "memory");
	expect(!zf && a == (uint32_t)cur, "ptwr failed cmpxchgl: eax", a);
	check_pte("ptwr failed cmpxchgl", ro);

	rcx = 1;
	rdi = (uint64_t)pte;
	TRY("ptwr rep stosq", -1, "rep stosq", : "+c"(rcx), "+D"(rdi) : "a"(rw) : "memory");
	expect(rcx == 0 && rdi == (uint64_t)pte + 8, "ptwr rep stosq: rcx", rcx);
	check_pte("ptwr rep stosq", rw);
	rdi = (uint64_t)pte + 4;
	TRY("ptwr std stosl", -1, "std; stosl; cld", : "+D"(rdi) : "a"(0) : "memory");
	asm volatile("cld");
	check_pte("ptwr std stosl", ro);

	asm volatile("movq %0, %%xmm0" : : "r"(rw));
	TRY("ptwr movq from xmm0", 14, "movq %%xmm0, (%0)", : : "r"(pte) : "memory");
	check_pte("ptwr movq xmm", ro);

	a = 0x67;
	TRY("ptwr xchgb", -1, "xchgb %%al, (%1)", : "+a"(a) : "r"(pte) : "memory");
	expect(a == (cur & 0xff), "ptwr xchgb: al", a);
	check_pte("ptwr xchgb", rw);
	a = (uint32_t)rw | 0xdead000000000000ULL;
	TRY("ptwr xchgl", -1, "xchgl %%eax, (%1)", : "+a"(a) : "r"(pte) : "memory");
	expect(a == (uint32_t)cur, "ptwr xchgl: rax (zero-extended)", a);
	check_pte("ptwr xchgl", rw);
	TRY("ptwr 66 movq (REX.W wins)", -1, ".byte 0x66; movq %0, (%1)", : : "r"(rw), "r"(pte) : "memory");
	check_pte("ptwr 66 movq", rw);
	TRY("ptwr f3 movq", -1, ".byte 0xf3; movq %0, (%1)", : : "r"(rw), "r"(pte) : "memory");
	check_pte("ptwr f3 movq", rw);
	TRY("ptwr addq", -1, "addq %0, (%1)", : : "r"(2UL), "r"(pte) : "memory");
	check_pte("ptwr addq", rw);
	TRY("ptwr lock xorw", -1, "lock xorw $2, (%0)", : : "r"(pte) : "memory");
	check_pte("ptwr lock xorw", rw);
	TRY("ptwr notq (entry cleared of its frame, P off)", -1, "notq (%0)", : : "r"(pte) : "memory");
	check_pte("ptwr notq", ~ro & ~PTE_G);
	b = cur;
	asm volatile("lock subq %2, (%1); sete %0" : "=q"(zf) : "r"(pte), "r"(b) : "memory");
	expect(zf && *pte == 0, "ptwr lock subq to zero: zf", zf);
	check_pte("ptwr subq", 0);
	asm volatile("lock btcq $1, (%0); setc %1" : "+r"(pte), "=q"(zf) : : "memory");
	expect(!zf, "ptwr btcq: cf", zf);
	check_pte("ptwr btcq", rw);
	if (ptwr_flags(cur))
		return;
	/* Still refused: a hypervisor frame by a 4-byte write. */
	a = (((const uint64_t *)start_pt)[256] & PTE_ADDR) | PTE_P | PTE_US;
	TRY("ptwr movl of a hypervisor frame", 14, "movl %0, (%1)", : : "r"((uint32_t)a), "r"(pte)
	    : "memory");
	check_pte("ptwr movl of a hypervisor frame", ro);
	(void)d;
}

/*
 * Port I/O from kernel mode at virtual IOPL 1 on the hypervisor's console
 * port (all ones on Lamina and Xen).
 */
static void io_attacks(void)
{
	struct physdev_set_iopl iopl = { 1 };
	uint64_t v, rcx, rdi, p1, p2;
	static uint8_t buf[2048];

	expect(hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl) == 0, "set_iopl 1", 0);

	v = 0;
	TRY("REX before 66: in %ax", -1, ".byte 0x40, 0x66, 0xed", : "+a"(v) : "d"(CONSOLE_LSR) : "memory");
	expect(v == 0xffff, "REX before 66: in read", v);
	v = 0;
	TRY("two REX: in %al", -1, ".byte 0x48, 0x48, 0xec", : "+a"(v) : "d"(CONSOLE_LSR) : "memory");
	expect(v == 0xff, "two REX: in read", v);
	v = 0;
	TRY("14 prefixes + in (15 bytes)", -1, ".fill 14, 1, 0x3e; .byte 0xec", : "+a"(v) : "d"(CONSOLE_LSR) : "memory");
	expect(v == 0xff, "15-byte in read", v);
	v = 0;
	TRY("15 prefixes + in (16 bytes)", 13, ".fill 15, 1, 0x3e; .byte 0xec", : "+a"(v) : "d"(CONSOLE_LSR) : "memory");
	expect(v == 0, "a 16-byte in changed rax", v);
	TRY("14 prefixes + in imm8 (16 bytes)", 13, ".fill 14, 1, 0x66; .byte 0xe5, 0x80", : "+a"(v) : : "memory");
	TRY("lock in", 6, ".byte 0xf0, 0xec", : "+a"(v) : "d"(CONSOLE_LSR) : "memory");
	TRY("lock cli (Xen 4.17 takes it)", -1, ".byte 0xf0, 0xfa", : : : "memory");
	TRY("66 cli", -1, ".byte 0x66, 0xfa", : : : "memory");

	/* 67: rcx and rdi are 32 bits wide (zero-extended). */
	rcx = 0x100000000ULL; rdi = 0x1000;
	TRY("67 rep insb, ecx 0", -1, ".byte 0x67; rep insb", : "+c"(rcx), "+D"(rdi) : "d"(CONSOLE_LSR) : "memory");
	expect(rcx == 0 && rdi == 0x1000, "67 rep insb, ecx 0: rcx", rcx);
	rcx = 2; rdi = 0xdead000000001000ULL;
	TRY("67 rep insb at edi", 14, ".byte 0x67; rep insb", : "+c"(rcx), "+D"(rdi) : "d"(CONSOLE_LSR) : "memory");
	expect(cr2() == 0x1000 && rcx == 2 && rdi == 0x1000, "67 rep insb: cr2", cr2());
	rcx = 2; rdi = (uint64_t)buf;
	TRY("67 rep insb at a kernel address", 14, ".byte 0x67; rep insb", : "+c"(rcx), "+D"(rdi) : "d"(CONSOLE_LSR) : "memory");
	expect(cr2() == (uint32_t)(uint64_t)buf, "67 rep insb truncates: cr2", cr2());

	/* A long rep (several re-traps of 256) runs to its end. */
	memset(buf, 0, sizeof(buf));
	rcx = 1000; rdi = (uint64_t)buf;
	TRY("rep insb of 1000", -1, "rep insb", : "+c"(rcx), "+D"(rdi) : "d"(CONSOLE_LSR) : "memory");
	expect(rcx == 0 && rdi == (uint64_t)buf + 1000 && buf[999] == 0xff && buf[1000] == 0,
	       "rep insb of 1000: rcx", rcx);

	/* A dword transfer across into an unmapped page: cr2 is the page's first byte. */
	p1 = scratch_page();
	p2 = scratch_page();
	expect(p2 == p1 + 4096, "scratch pages not consecutive", p2);
	expect(update_va_mapping(p2, 0, UVMF_INVLPG) == 0, "unmapping a page", p2);
	rcx = 5; rdi = p2 - 6;
	TRY("rep insl into a hole", 14, "rep insl", : "+c"(rcx), "+D"(rdi) : "d"(CONSOLE_LSR) : "memory");
	expect(last_trap.error == 2 && cr2() == p2 && rcx == 4 && rdi == p2 - 2,
	       "rep insl into a hole: cr2", cr2());
	rcx = 5; rdi = p2 - 6;
	TRY("rep outsl from a hole", 14, "rep outsl", : "+c"(rcx), "+S"(rdi) : "d"(0x80) : "memory");
	expect(last_trap.error == 0 && cr2() == p2 && rcx == 4 && rdi == p2 - 2,
	       "rep outsl from a hole: cr2", cr2());
	expect(update_va_mapping(p2, (va_to_mfn(p1) << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	       "remapping", p2);

	/* Into the hypervisor's range: #GP, nothing done; non-canonical likewise. */
	rcx = 3; rdi = 0xffff87fffffffffeULL;
	TRY("rep insb into the hypervisor", 13, "rep insb", : "+c"(rcx), "+D"(rdi) : "d"(CONSOLE_LSR) : "memory");
	expect(rcx == 3 && rdi == 0xffff87fffffffffeULL, "rep insb into the hypervisor: rcx", rcx);
	rcx = 3; rdi = 0x8000000000000000ULL;
	TRY("rep insb non-canonical", 13, "rep insb", : "+c"(rcx), "+D"(rdi) : "d"(CONSOLE_LSR) : "memory");
	/* Into a page table (read-only): #PF, as a write there. */
	rcx = 2; rdi = (uint64_t)pte;
	TRY("rep insb into a page table", 14, "rep insb", : "+c"(rcx), "+D"(rdi) : "d"(CONSOLE_LSR) : "memory");
	expect(last_trap.error == 2 && rcx == 2 && (*pte & ~PTE_G) == ro, "rep insb into a page table: rcx", rcx);
}

/* MSRs, control and debug registers behind prefixes, and what stays a #GP. */
static void priv_attacks(void)
{
	uint64_t a, d, fs = 0, cr0;

	asm volatile("rdmsr" : "=a"(a), "=d"(d) : "c"(MSR_FS_BASE_NR));
	fs = (d << 32) | (uint32_t)a;
	a = d = 0;
	TRY("66 rdmsr", -1, ".byte 0x66, 0x0f, 0x32", : "+a"(a), "+d"(d) : "c"(MSR_FS_BASE_NR) : "memory");
	expect(((d << 32) | (uint32_t)a) == fs, "66 rdmsr read", a);
	TRY("f3 rdmsr", -1, ".byte 0xf3, 0x0f, 0x32", : "+a"(a), "+d"(d) : "c"(MSR_FS_BASE_NR) : "memory");
	TRY("3e rdmsr", -1, ".byte 0x3e, 0x0f, 0x32", : "+a"(a), "+d"(d) : "c"(MSR_FS_BASE_NR) : "memory");
	TRY("REX.W rdmsr", -1, ".byte 0x48, 0x0f, 0x32", : "+a"(a), "+d"(d) : "c"(MSR_FS_BASE_NR) : "memory");
	TRY("two REX rdmsr", -1, ".byte 0x40, 0x48, 0x0f, 0x32", : "+a"(a), "+d"(d) : "c"(MSR_FS_BASE_NR) : "memory");
	TRY("rdmsr, high half of rcx set", -1, "rdmsr", : "+a"(a), "+d"(d) : "c"(0xdead0000C0000100ULL) : "memory");
	TRY("lock rdmsr", 6, ".byte 0xf0, 0x0f, 0x32", : "+a"(a), "+d"(d) : "c"(MSR_FS_BASE_NR) : "memory");
	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	a = 0;
	TRY("66 mov from cr0", -1, ".byte 0x66, 0x0f, 0x20, 0xc0", : "+a"(a) : : "memory");
	expect(a == cr0, "66 mov from cr0", a);
	a = 0;
	TRY("mov from cr0, mod 0", -1, ".byte 0x0f, 0x20, 0x00", : "+a"(a) : : "memory");
	expect(a == cr0, "mov from cr0 (mod 0)", a);
	TRY("lock mov from cr0", 6, ".byte 0xf0, 0x0f, 0x20, 0xc0", : "+a"(a) : : "memory");
	TRY("mov from cr8", 13, ".byte 0x44, 0x0f, 0x20, 0xc0", : "+a"(a) : : "memory");
	TRY("66 mov from dr7", -1, ".byte 0x66, 0x0f, 0x21, 0xf8", : "+a"(a) : : "memory");
	TRY("66 wbinvd", -1, ".byte 0x66, 0x0f, 0x09", : : : "memory");
	TRY("f3 clts", -1, ".byte 0xf3, 0x0f, 0x06", : : : "memory");
	TRY("rdpmc", 13, "rdpmc", : "=a"(a), "=d"(d) : "c"(0) : "memory");
	TRY("hlt", 13, "hlt", : : : "memory");
	TRY("lgdt", 13, "lgdt (%0)", : : "r"(&a) : "memory");
	TRY("invlpg", 13, "invlpg (%0)", : : "r"(&a) : "memory");
}

/* The hypervisor's L3 in slot 256: a frame the guest does not own. */
static uint64_t hypervisor_frame(void)
{
	return (((const uint64_t *)start_pt)[256] & PTE_ADDR) >> 12;
}

/*
 * mov to and from %cr3 in the kernel: a switch to a second L4 (its low
 * twelve bits set, ignored) and back; a data page, a frame of the
 * hypervisor and a value above the frame numbers are the #GP(0), rip on
 * the instruction and the base kept.
 */
static void cr3_attacks(void)
{
	uint64_t y = scratch_page(), ymfn = va_to_mfn(y), base = va_to_mfn(start_pt) << 12;
	uint64_t a = 0, data = va_to_mfn(scratch_page()) << 12;

	TRY("mov from cr3", -1, "mov %%cr3, %0", : "+r"(a) : : "memory");
	expect(a == base, "mov from cr3", a);
	((uint64_t *)y)[511] = ((const uint64_t *)start_pt)[511];
	expect(update_va_mapping(y, (ymfn << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG) == 0,
	       "read-only remap of the second L4", ymfn);
	TRY("mov to cr3, a second L4, low bits set", -1, "mov %0, %%cr3", : : "r"((ymfn << 12) | 0xfff) : "memory");
	a = 0;
	TRY("mov from cr3 on the second L4", -1, "mov %%cr3, %0", : "+r"(a) : : "memory");
	expect(a == ymfn << 12, "mov from cr3 on the second L4", a);
	TRY("mov to cr3, back", -1, "mov %0, %%cr3", : : "r"(base) : "memory");
	a = 0;
	TRY("mov from cr3 back", -1, "mov %%cr3, %0", : "+r"(a) : : "memory");
	expect(a == base, "mov from cr3 back", a);
	expect(update_va_mapping(y, (ymfn << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	       "the second L4 released", ymfn);
	TRY("mov to cr3, a data page", 13, "mov %0, %%cr3", : : "r"(data) : "memory");
	expect(last_trap.error == 0, "mov to cr3, a data page: error code", last_trap.error);
	TRY("mov to cr3, a hypervisor frame", 13, "mov %0, %%cr3", : : "r"(hypervisor_frame() << 12) : "memory");
	TRY("mov to cr3, bit 63 set", 13, "mov %0, %%cr3", : : "r"(base | (1ULL << 63)) : "memory");
	TRY("mov to cr3, frame 0", 13, "mov %0, %%cr3", : : "r"(0ULL) : "memory");
	a = 0;
	TRY("mov from cr3 after the refusals", -1, "mov %%cr3, %0", : "+r"(a) : : "memory");
	expect(a == base, "mov from cr3 after the refusals", a);
}

/* mov to %cr2 is accepted and read back by mov from %cr2 and in vcpu_info. */
static void cr2_rows(void)
{
	uint64_t a = 0, val = 0xffff800012345678ULL;

	TRY("mov to cr2", -1, "mov %0, %%cr2", : : "r"(val) : "memory");
	TRY("mov from cr2", -1, "mov %%cr2, %0", : "+r"(a) : : "memory");
	expect(a == val, "mov from cr2 after mov to cr2", a);
	expect(cr2() == val, "vcpu_info's cr2 after mov to cr2", cr2());
}

/*
 * A #UD whose next bytes cannot be read: Xen 4.17 reads 5 bytes at rip
 * for the forced-emulation signature and, when one is unreadable, injects
 * that byte's #PF (error code 0, cr2 the byte) instead of the #UD. Here
 * a ud2 in the last two bytes of a page whose next page is unmapped: the
 * #PF at the ud2, cr2 the next page. Lamina left the #UD before.
 */
static uint64_t ud_rip;
static struct trap_frame ud_trap;
extern const uint8_t ud_resume[];

static bool ud_hook(struct trap_frame *f)
{
	if (f->rip != ud_rip)
		return false;
	ud_trap = *f;
	f->rip = (uint64_t)ud_resume;
	return true;
}

static void ud_rows(void)
{
	uint64_t a = scratch_page(), b = scratch_page();

	expect(b == a + 4096, "two scratch pages in a row", b);
	((uint8_t *)a)[4094] = 0x0f;
	((uint8_t *)a)[4095] = 0x0b;
	expect(update_va_mapping(b, 0, UVMF_INVLPG) == 0, "unmapping the next page", b);
	ud_rip = a + 4094;
	trap_hook = ud_hook;
	asm volatile("jmp *%0\n"
		     ".globl ud_resume\n"
		     "ud_resume:"
		     : : "r"(ud_rip) : "memory", "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9",
		       "r10", "r11");
	asm volatile("" : : : "memory");
	trap_hook = NULL;
	printf("ud2 at a page end, the next page unmapped: vector %lu error %#lx cr2 %#lx\n",
	       (unsigned long)ud_trap.vector, (unsigned long)ud_trap.error,
	       (unsigned long)cr2());
	expect(ud_trap.vector == 14 && ud_trap.error == 0 && cr2() == b,
	       "ud2 before an unmapped page: the #PF of its next byte, vector", ud_trap.vector);
}

int test_main(struct start_info *si)
{
	int rc = ptwr_test_init(si, &page, &pte, &ro);

	if (rc)
		return rc;
	mfn = va_to_mfn(page);
	start_pt = si->pt_base;
	rw = ro | PTE_RW;
	ptwr_attacks();
	io_attacks();
	priv_attacks();
	cr3_attacks();
	cr2_rows();
	ud_rows();
	CHECK(failures == 0, "%u checks failed", failures);
	printf("attack-emul: prefixes, string I/O and page-table writes as Xen 4.17\n");
	return TEST_PASS;
}
