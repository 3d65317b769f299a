// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptwr-forms: the integer instructions attack-emul does not try, writing
 * an L1 entry through its read-only mapping (writable page tables), each
 * answered as Xen 4.17's emulator answers it (run with --xen; Lamina with
 * --smp 1 and 2):
 * - emulated, the entry, the registers and the arithmetic flags as the
 *   same instruction gives them on ordinary memory: shifts and rotates
 *   (shl, sal's /6 alias, shr, sar, rol, ror, rcl, rcr by 1, an imm8 and
 *   cl, cl 0 among them, on 1, 2, 4 and 8 bytes), shld/shrd, xadd,
 *   setcc, movnti, movbe (where the CPU has it), pop to memory, movs and
 *   rep movs (one iteration a fault), and with the stack on the page
 *   table: push of a register, an imm8, an imm32, memory, 66 push,
 *   pushf, call rel32, call through a register and through memory,
 *   enter with level 0 and 1;
 * - the #PF they were: mov from a segment register, smsw, sgdt,
 *   movdiri (where the CPU has it) and cmpxchg16b (16 bytes; #UD
 *   without CX16) to the entry (Xen's emulator
 *   has no callback for them here), movnti and xadd making the entry map
 *   a frame of the hypervisor (refused as by mmu_update);
 * - an FS or GS override with a base: written at the operand's offset
 *   (no base) when that is in the faulting page, else the #PF; a movs
 *   source behind FS read at its offset.
 * Before: every emulated row here was the #PF on Lamina (the stack rows
 * then crashed the guest: its exception frame had nowhere to go), and an
 * FS/GS write landed at CR2.
 * Rows the emulation must refuse with the stack on the page table cannot
 * be run: the #PF's frame would be written there.
 */
#include "lib/ptwr.h"
#include "lib/segbase.h"

#define ARITH		0x8d5ULL	/* CF PF AF ZF SF OF */

static volatile uint64_t *pte;
static uint64_t ro, rw, start_pt;

static void reset_pte(void)
{
	*pte = ro;
	mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
}

#define FIXUP	".pushsection .fixup, \"a\"\n.balign 8\n.quad 1b, 2b\n.popsection\n"

/*
 * insn (its destination %[d]) on a copy of the entry in memory and on the
 * entry itself, CF first set to cf, with the rest of the operands in
 * __VA_ARGS__ (inputs, none changed; ZF set when cf is 1): no trap, the same value (but for Xen's global
 * bit) and the same arithmetic flags from both.
 */
#define SAME_AS_MEMORY(what, insn, cf, ...) do {				\
	uint64_t m_ = *pte, f1_, f2_ = 0;					\
										\
	asm volatile("cmp $1, %[c_]; bt $0, %[c_]; " insn "; pushf; pop %[f]"			\
		     : [d] "+m"(m_), [f] "=r"(f1_)				\
		     : [c_] "r"((uint64_t)(cf)) __VA_ARGS__ : "cc");		\
	traps_taken = 0;							\
	asm volatile("cmp $1, %[c_]; bt $0, %[c_]\n1: " insn "\n2: pushf; pop %[f]\n" FIXUP	\
		     : [d] "+m"(*(uint64_t *)pte), [f] "+r"(f2_)		\
		     : [c_] "r"((uint64_t)(cf)) __VA_ARGS__ : "cc", "memory");	\
	judge(what, -1);							\
	if ((m_ & PTE_P) && !(m_ & PTE_US))					\
		m_ |= PTE_US | PTE_GUEST_KERNEL;				\
	expect(((*pte ^ m_) & ~PTE_G) == 0, what, *pte);			\
	if ((f1_ & ARITH) != (f2_ & ARITH))					\
		printf("%s: flags %#lx on memory\n", what, (unsigned long)f1_);	\
	expect((f1_ & ARITH) == (f2_ & ARITH), what, f2_);			\
	reset_pte();								\
} while (0)

/*
 * rcl and rcr, which set CF and OF only: under QEMU's TCG the other four
 * flags the CPU reports at the #PF of an rcl/rcr to memory are not the
 * guest's (Lamina and Xen 4.17 then keep different wrong ones); CF, OF
 * and the entry are compared.
 */
#define SAME_CF_OF(what, insn, cf) do {						\
	uint64_t m_ = *pte, f1_, f2_ = 0;					\
										\
	asm volatile("cmp $1, %[c_]; bt $0, %[c_]; " insn "; pushf; pop %[f]"	\
		     : [d] "+m"(m_), [f] "=r"(f1_) : [c_] "r"((uint64_t)(cf)) : "cc"); \
	traps_taken = 0;							\
	asm volatile("cmp $1, %[c_]; bt $0, %[c_]\n1: " insn "\n2: pushf; pop %[f]\n" FIXUP \
		     : [d] "+m"(*(uint64_t *)pte), [f] "+r"(f2_)		\
		     : [c_] "r"((uint64_t)(cf)) : "cc", "memory");		\
	judge(what, -1);							\
	expect(((*pte ^ m_) & ~PTE_G) == 0, what, *pte);			\
	expect(((f1_ ^ f2_) & 0x801) == 0, what, f2_);				\
	reset_pte();								\
} while (0)

/* insn must keep its #PF, at the entry, the entry unchanged. */
#define STILL_PF(what, insn, ...) do {						\
	traps_taken = 0;							\
	asm volatile("1: " insn "\n2:\n" FIXUP : : [p] "r"(pte) __VA_ARGS__ : "memory"); \
	judge(what, 14);							\
	expect(cr2() == (uint64_t)pte && (last_trap.error & 2), what, cr2());	\
	expect(((*pte ^ ro) & ~PTE_G) == 0, what, *pte);			\
	reset_pte();								\
} while (0)

static void shift_rows(void)
{
	/* The low byte is 0x65 (P US A D): each result is not present or as safe. */
	SAME_AS_MEMORY("ptwr shlb $1", "shlb $1, %[d]", 0);
	SAME_AS_MEMORY("ptwr shlb $3 (OF undefined)", "shlb $3, %[d]", 1);
	SAME_AS_MEMORY("ptwr shlb %cl, cl 0 (flags kept)", "shlb %%cl, %[d]", 1, , "c"(0));
	SAME_AS_MEMORY("ptwr shrb $1", "shrb $1, %[d]", 0);
	SAME_AS_MEMORY("ptwr shrb %cl (cl 5: P RW)", "shrb %%cl, %[d]", 1, , "c"(5));
	SAME_AS_MEMORY("ptwr sarb $3", "sarb $3, %[d]", 0);
	SAME_AS_MEMORY("ptwr rolb $1", "rolb $1, %[d]", 0);
	SAME_AS_MEMORY("ptwr rolb $4", "rolb $4, %[d]", 1);
	SAME_AS_MEMORY("ptwr rorb $1", "rorb $1, %[d]", 0);
	SAME_AS_MEMORY("ptwr rorb %cl (cl 3)", "rorb %%cl, %[d]", 0, , "c"(3));
	SAME_CF_OF("ptwr rclb $1 (CF clear)", "rclb $1, %[d]", 0);
	SAME_CF_OF("ptwr rcrb $1 (CF set)", "rcrb $1, %[d]", 1);
	SAME_CF_OF("ptwr rcrb $3 (CF set)", "rcrb $3, %[d]", 1);
	SAME_AS_MEMORY("ptwr shrw $1", "shrw $1, %[d]", 0);
	SAME_AS_MEMORY("ptwr sarl %cl (cl 1)", "sarl %%cl, %[d]", 0, , "c"(1));
	SAME_AS_MEMORY("ptwr shlq $1", "shlq $1, %[d]", 0);
	SAME_AS_MEMORY("ptwr rolq $1 (bit 63 into P: clear)", "rolq $1, %[d]", 1);
	SAME_AS_MEMORY("ptwr shldq $4", "shldq $4, %[s], %[d]", 0, , [s] "r"(0x0fffffffffffffffULL));
	SAME_AS_MEMORY("ptwr shrdl %cl (cl 4)", "shrdl %%cl, %[s], %[d]", 1, , [s] "r"(0x12345678U),
		       "c"(4));
	SAME_AS_MEMORY("ptwr shrdw $1", "shrdw $1, %[s], %[d]", 0, , [s] "r"((uint16_t)0x8000));
	SAME_AS_MEMORY("ptwr setz (ZF clear)", "setz %[d]", 0);
	SAME_AS_MEMORY("ptwr setnz (ZF set)", "setnz %[d]", 1);
	SAME_AS_MEMORY("ptwr setnc (CF clear)", "setnc %[d]", 0);
	SAME_AS_MEMORY("ptwr setc (CF set)", "setc %[d]", 1);
	{
		uint32_t ecx;

		asm volatile("cpuid" : "=c"(ecx) : "a"(1), "c"(0) : "rbx", "rdx");
		if (ecx & (1U << 22)) {
			SAME_AS_MEMORY("ptwr movbe %rax", "movbeq %[s], %[d]", 0, ,
				       [s] "r"(__builtin_bswap64(rw)));
			SAME_AS_MEMORY("ptwr 66 movbe %ax", "movbew %[s], %[d]", 0, ,
				       [s] "r"(__builtin_bswap16((uint16_t)rw)));
		} else {
			printf("ptwr-forms: no MOVBE, its rows skipped\n");
		}
	}
	SAME_AS_MEMORY("ptwr movnti %rax", "movnti %[s], %[d]", 0, , [s] "r"(rw));
	SAME_AS_MEMORY("ptwr movnti %eax", "movnti %[s], %[d]", 0, , [s] "r"((uint32_t)rw));
}

static void xadd_pop_movs_rows(void)
{
	uint64_t a, cur = *pte, rsi, rdi, rcx, src[2] = { rw, rw };

	a = 2;
	traps_taken = 0;
	asm volatile("1: lock xaddq %[a], (%[p])\n2:\n" FIXUP : [a] "+r"(a) : [p] "r"(pte) : "memory");
	judge("ptwr lock xaddq", -1);
	expect(a == cur && ((*pte ^ rw) & ~PTE_G) == 0, "ptwr xaddq: the old entry", a);
	reset_pte();

	traps_taken = 0;
	a = 0;
	asm volatile("push %[v]\n1: popq (%[p])\n2:\n" FIXUP : : [v] "r"(rw), [p] "r"(pte) : "memory");
	judge("ptwr popq to the entry", -1);
	expect(((*pte ^ rw) & ~PTE_G) == 0, "ptwr popq: entry", *pte);
	reset_pte();
	traps_taken = 0;
	asm volatile("pushw %[v]\n1: popw (%[p])\n2:\n" FIXUP
		     : : [v] "r"((uint16_t)rw), [p] "r"(pte) : "memory");
	judge("ptwr 66 popw to the entry", -1);
	expect(((*pte ^ rw) & ~PTE_G) == 0, "ptwr popw: entry", *pte);
	reset_pte();

	rsi = (uint64_t)src;
	rdi = (uint64_t)pte;
	traps_taken = 0;
	asm volatile("1: movsq\n2:\n" FIXUP : "+S"(rsi), "+D"(rdi) : : "memory");
	judge("ptwr movsq", -1);
	expect(rsi == (uint64_t)src + 8 && rdi == (uint64_t)pte + 8, "ptwr movsq: rsi", rsi);
	expect(((*pte ^ rw) & ~PTE_G) == 0, "ptwr movsq: entry", *pte);
	reset_pte();
	rsi = (uint64_t)src;
	rdi = (uint64_t)pte;
	rcx = 2;
	traps_taken = 0;
	asm volatile("1: rep movsb\n2:\n" FIXUP : "+S"(rsi), "+D"(rdi), "+c"(rcx) : : "memory");
	judge("ptwr rep movsb of 2", -1);
	expect(rcx == 0 && rsi == (uint64_t)src + 2 && rdi == (uint64_t)pte + 2,
	       "ptwr rep movsb: rcx", rcx);
	expect(((*pte ^ rw) & ~PTE_G) == 0, "ptwr rep movsb: entry", *pte);
	reset_pte();
	rsi = (uint64_t)src + 4;
	rdi = (uint64_t)pte + 4;
	traps_taken = 0;
	asm volatile("std\n1: movsl\n2: cld\n" FIXUP : "+S"(rsi), "+D"(rdi) : : "memory");
	judge("ptwr std movsl (high half)", -1);
	expect(rsi == (uint64_t)src && rdi == (uint64_t)pte, "ptwr std movsl: rsi", rsi);
	reset_pte();
}

/*
 * The stack on the page table (rsp just above the entry): the push writes
 * the entry. Only rows Xen emulates: a #PF here would have its frame
 * written on the page table too.
 */
#define ON_PT_STACK(what, pre, insn, want, ...) do {				\
	uint64_t sp_, save_, savebp_;						\
										\
	traps_taken = 0;							\
	asm volatile("mov %%rsp, %[save]; mov %%rbp, %[savebp]; " pre		\
		     "; lea 8(%[p]), %%rsp\n1: " insn "\n2: mov %%rsp, %[sp]\n" \
		     "mov %[save], %%rsp; mov %[savebp], %%rbp\n" FIXUP		\
		     : [sp] "=&S"(sp_), [save] "=&r"(save_),			\
		       [savebp] "=&r"(savebp_)					\
		     : [p] "r"(pte) __VA_ARGS__ : "memory", "cc");		\
	judge(what, -1);							\
	expect(((*pte ^ (want)) & ~PTE_G) == 0, what, *pte);			\
	if (sp_ != (uint64_t)pte)						\
		printf("%s: rsp after\n", what);					\
	expect(sp_ == (uint64_t)pte, what, sp_);				\
	reset_pte();								\
} while (0)

static uint64_t call_target;

/* insn (an enter) with rsp at the entry + top and rbp = bp_in: rsp and rbp after it. */
#define ENTER_ROW(what, insn, top, bp_in, sp, bp) do {				\
	uint64_t save_, savebp_;						\
										\
	traps_taken = 0;							\
	asm volatile("mov %%rsp, %[save]; mov %%rbp, %[savebp]; mov %[v], %%rbp\n"	\
		     "lea " #top "(%[p]), %%rsp\n1: " insn "\n2: mov %%rsp, %[s]\n"	\
		     "mov %%rbp, %[b]; mov %[save], %%rsp; mov %[savebp], %%rbp\n" FIXUP \
		     : [save] "=&r"(save_), [s] "=&S"(sp), [b] "=&a"(bp),		\
		       [savebp] "=&r"(savebp_)					\
		     : [p] "r"(pte), [v] "r"(bp_in) : "memory");			\
	judge(what, -1);							\
} while (0)

/*
 * A call (insn, its first byte at 1:, after the 16-byte aligned 0:, so
 * that the return address is even: not present) with the stack on the
 * page table, to 3:, right after its return address 2:.
 */
#define CALL_ROW(what, setup, insn, ...) do {					\
	uint64_t save_, sp_, ret_;						\
										\
	traps_taken = 0;							\
	asm volatile(setup "mov %%rsp, %[save]; lea 8(%[p]), %%rsp; jmp 0f\n"	\
		     ".balign 16\n" insn "\n2: ud2\n3: mov %%rsp, %[sp]\n"		\
		     "mov %[save], %%rsp\nlea 2b(%%rip), %[ret]\n"		\
		     ".pushsection .fixup, \"a\"\n.balign 8\n.quad 1b, 3b\n.popsection\n" \
		     : [save] "=&r"(save_), [sp] "=&r"(sp_), [ret] "=&r"(ret_)	\
		     : [p] "r"(pte) __VA_ARGS__ : "memory", "rax");		\
	judge(what, -1);							\
	expect(sp_ == (uint64_t)pte && ((*pte ^ ret_) & ~PTE_G) == 0, what, *pte); \
	reset_pte();								\
} while (0)

static void stack_rows(void)
{
	uint64_t want;
	static uint64_t mem;

	ON_PT_STACK("ptwr pushq %reg", "", "pushq %[v]", rw, , [v] "r"(rw));
	ON_PT_STACK("ptwr pushq $imm8", "", "pushq $0x20", 0x20);
	ON_PT_STACK("ptwr pushq $imm32", "", "pushq $0x12345670", 0x12345670);
	ON_PT_STACK("ptwr pushq %rax by ff /6", "", ".byte 0xff, 0xf0", rw, , "a"(rw));
	mem = rw;
	ON_PT_STACK("ptwr pushq (mem)", "", "pushq (%[m])", rw, , [m] "r"(&mem));
	mem = rw;
	ON_PT_STACK("ptwr pushq (mem), rip-relative", "", "pushq %[mm]", rw, , [mm] "m"(mem));
	asm volatile("clc; pushfq; pop %0" : "=r"(want) : : "cc");
	ON_PT_STACK("ptwr pushfq", "clc", "pushfq", want & ~0x10000ULL);

	/* pushw at pte + 6 writes the entry's top 16 bits: 0, as they are. */
	traps_taken = 0;
	{
		uint64_t save;

		asm volatile("mov %%rsp, %[save]; lea 8(%[p]), %%rsp\n1: pushw %[v]\n"
			     "2: mov %[save], %%rsp\n" FIXUP
			     : [save] "=&r"(save) : [p] "r"(pte), [v] "r"((uint16_t)0) : "memory");
	}
	judge("ptwr 66 pushw", -1);
	expect(((*pte ^ ro) & ~PTE_G) == 0, "ptwr pushw: entry", *pte);
	reset_pte();

	/* call: the return address (even: not present) is the new entry. */
	CALL_ROW("ptwr call rel32", "", "0: nop\n1: call 3f");
	CALL_ROW("ptwr call *%rax", "lea 3f(%%rip), %%rax\n", "0:\n1: call *%%rax");
	CALL_ROW("ptwr call *(mem)", "lea 3f(%%rip), %%rax; mov %%rax, (%[t])\n",
		 "0:\n1: call *(%[t])", , [t] "b"(&call_target));
	{
		uint64_t sp, bp, next = pte[1];

		/* enter $16, $0: rbp (a valid entry) pushed, rbp the entry's address, rsp 16 below. */
		ENTER_ROW("ptwr enter $16, $0", "enter $16, $0", 8, rw, sp, bp);
		expect(((*pte ^ rw) & ~PTE_G) == 0 && bp == (uint64_t)pte &&
		       sp == (uint64_t)pte - 16, "ptwr enter: rbp", bp);
		reset_pte();

		/*
		 * enter $16, $1: rbp at the entry after ours (its own value: the
		 * next page's entry kept), then the new frame pointer (its
		 * address, not present) at ours.
		 */
		ENTER_ROW("ptwr enter $16, $1", "enter $16, $1", 16, next, sp, bp);
		expect(*pte == (uint64_t)pte + 8 && bp == (uint64_t)pte + 8 &&
		       sp == (uint64_t)pte - 16 && ((pte[1] ^ next) & ~PTE_G) == 0,
		       "ptwr enter $16, $1: the entry", *pte);
		reset_pte();
	}
}

static void still_pf_rows(void)
{
	uint64_t bad = (((const uint64_t *)start_pt)[256] & PTE_ADDR) | PTE_P | PTE_US;

	STILL_PF("ptwr mov %ds to the entry", "movw %%ds, (%[p])");
	STILL_PF("ptwr smsw to the entry", "smsw (%[p])");
	STILL_PF("ptwr sgdt to the entry", "sgdt (%[p])");
	/*
	 * No x87 store to the entry: Lamina gives the #PF, and the row stopped
	 * the Xen run (docs/conformance.md, Open differences).
	 */
	/* cmpxchg16b on the aligned pair holding the entry: 16 bytes, more than an entry. */
	{
		uint32_t ecx;
		volatile uint64_t *pair = (volatile uint64_t *)((uint64_t)pte & ~15ULL);
		uint64_t lo = pair[0], hi = pair[1], was_lo = lo, was_hi = hi;

		asm volatile("cpuid" : "=c"(ecx) : "a"(1), "c"(0) : "rbx", "rdx");
		traps_taken = 0;
		asm volatile("1: lock cmpxchg16b (%[p])\n2:\n" FIXUP
			     : "+a"(lo), "+d"(hi) : [p] "r"(pair), "b"(lo), "c"(hi) : "memory");
		judge("ptwr cmpxchg16b", (ecx & (1U << 13)) ? 14 : 6);
		expect(pair[0] == was_lo && pair[1] == was_hi, "ptwr cmpxchg16b: the entries", pair[0]);
		reset_pte();
	}
	/* movdiri: Xen's emulator takes it only through a block callback ptwr has not. */
	{
		uint32_t ecx;

		asm volatile("cpuid" : "=c"(ecx) : "a"(7), "c"(0) : "rbx", "rdx");
		if (ecx & (1U << 27))
			STILL_PF("ptwr movdiri", ".byte 0x48, 0x0f, 0x38, 0xf9, 0x02", , "a"(rw),
				 "d"(pte));
		else
			printf("ptwr-forms: no MOVDIRI, its row skipped\n");
	}
	/* A hypervisor frame by movnti or xadd: refused as mmu_update refuses it. */
	STILL_PF("ptwr movnti of a hypervisor frame", "movnti %[s], (%[p])", , [s] "r"(bad));
	{
		uint64_t s = bad - ro;

		traps_taken = 0;
		asm volatile("1: xaddq %[s], (%[p])\n2:\n" FIXUP : [s] "+r"(s) : [p] "r"(pte) : "memory");
		judge("ptwr xaddq of a hypervisor frame", 14);
		expect(s == bad - ro && ((*pte ^ ro) & ~PTE_G) == 0, "ptwr refused xaddq: source", s);
		reset_pte();
	}
}

/*
 * An FS override with a base: Xen's emulator hands its write callback the
 * operand's offset, without the base, and takes the write only within the
 * faulting page. A base of 8 moves the write to the entry before (which
 * maps the page before), a base of 64 KiB out of the page: the #PF; GS
 * (the kernel's base) alike.
 */
static void segment_rows(uint64_t page)
{
	volatile uint64_t *prev = pte - 1;
	uint64_t before = *prev, p0 = page - 4096;

	if (((uint64_t)pte & 4095) < 16) {
		printf("ptwr-forms: the entry starts its page, FS rows skipped\n");
		return;
	}
	expect(set_segment_base(SEGBASE_FS, 8) == 0, "set_segment_base(FS, 8)", 0);
	traps_taken = 0;
	asm volatile("1: movq %[v], %%fs:(%[o])\n2:\n" FIXUP
		     : : [v] "r"(rw), [o] "r"((uint64_t)pte - 8) : "memory");
	judge("ptwr movq %fs:, base 8", -1);
	expect(((*prev ^ rw) & ~PTE_G) == 0, "ptwr movq %fs:, base 8: the entry before", *prev);
	expect(((*pte ^ ro) & ~PTE_G) == 0, "ptwr movq %fs:, base 8: the entry", *pte);
	expect(update_va_mapping(p0, before & ~PTE_G, UVMF_INVLPG) == 0, "the entry before back", p0);
	reset_pte();
	expect(set_segment_base(SEGBASE_FS, 0x10000) == 0, "set_segment_base(FS, 64 KiB)", 0);
	traps_taken = 0;
	asm volatile("1: movq %[v], %%fs:(%[o])\n2:\n" FIXUP
		     : : [v] "r"(rw), [o] "r"((uint64_t)pte - 0x10000) : "memory");
	judge("ptwr movq %fs:, base 64 KiB", 14);
	expect(cr2() == (uint64_t)pte, "ptwr movq %fs:, base 64 KiB: cr2", cr2());
	expect(((*pte ^ ro) & ~PTE_G) == 0, "ptwr movq %fs:, base 64 KiB: the entry", *pte);
	reset_pte();

	/* A source behind FS is read at its offset too: src[0], where the CPU read src[1]. */
	{
		static uint64_t src[2];
		uint64_t rsi = (uint64_t)src, rdi = (uint64_t)pte;

		src[0] = rw;
		src[1] = ro;
		expect(set_segment_base(SEGBASE_FS, 8) == 0, "set_segment_base(FS, 8)", 0);
		traps_taken = 0;
		asm volatile("1: fs movsq\n2:\n" FIXUP : "+S"(rsi), "+D"(rdi) : : "memory");
		judge("ptwr fs movsq, base 8", -1);
		expect(((*pte ^ rw) & ~PTE_G) == 0 && rsi == (uint64_t)src + 8,
		       "ptwr fs movsq, base 8: the entry", *pte);
		reset_pte();
	}
	expect(set_segment_base(SEGBASE_FS, 0) == 0, "set_segment_base(FS, 0)", 0);

	/* GS (the kernel's base) alike: a base of 16, two entries before. */
	before = pte[-2];
	expect(set_segment_base(SEGBASE_GS_KERNEL, 16) == 0, "set_segment_base(GS, 16)", 0);
	traps_taken = 0;
	asm volatile("1: movq %[v], %%gs:(%[o])\n2:\n" FIXUP
		     : : [v] "r"(rw), [o] "r"((uint64_t)pte - 16) : "memory");
	judge("ptwr movq %gs:, base 16", -1);
	expect(((pte[-2] ^ rw) & ~PTE_G) == 0, "ptwr movq %gs:, base 16: two entries before", pte[-2]);
	expect(((*pte ^ ro) & ~PTE_G) == 0, "ptwr movq %gs:, base 16: the entry", *pte);
	expect(update_va_mapping(page - 8192, before & ~PTE_G, UVMF_INVLPG) == 0,
	       "two entries before back", before);
	reset_pte();
	expect(set_segment_base(SEGBASE_GS_KERNEL, 0) == 0, "set_segment_base(GS, 0)", 0);
}

int test_main(struct start_info *si)
{
	uint64_t page = 0;
	int rc = ptwr_test_init(si, &page, &pte, &ro);

	if (rc)
		return rc;
	start_pt = si->pt_base;
	rw = ro | PTE_RW;
	reset_pte();
	shift_rows();
	xadd_pop_movs_rows();
	stack_rows();
	still_pf_rows();
	segment_rows(page);
	CHECK(failures == 0, "%u checks failed", failures);
	printf("ptwr-forms: shifts, xadd, setcc, movnti, pop, movs and the stack forms as Xen 4.17\n");
	return TEST_PASS;
}
