// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptwr-enter-fault: `enter $0, $2` with the stack on a page table (an L1
 * of the guest's, pinned, not hooked in, mapped read-only) and an old rbp
 * whose first frame pointer, 8 bytes below it, is on an unmapped page.
 * The first push (rbp, into the table's entry 0) faults into the
 * hypervisor's writable-page-table emulation, which writes it and then
 * reads the frame pointer: that read fails. Xen 4.17's emulator injects
 * the read's #PF (error code 0, CR2 the frame pointer's address) with the
 * push written and rsp and rbp as before the instruction; Lamina gave the
 * write's own #PF (CR2 the entry).
 *
 * Then `66 enter $16, $0`, a 16-bit frame at the same place: Xen 4.17's
 * emulator (QEMU's vendor is AMD-like) writes bp's 2 bytes into the
 * entry's top 16 bits, sets bp (rbp's low 16 bits) to their address and
 * takes 18 from rsp; Lamina gave the #PF.
 *
 * Then `66 enter $16, $2` (a level: 2-byte frame pointers) and `66 call
 * rel16` (a call's width is the vendor's: 16 bits on AMD-like ones), as
 * Xen 4.17's emulator runs them (both #PF on Lamina before 5 Dec); the
 * call's target, cut to 16 bits, is unmapped, and a trap hook resumes
 * after the call from the fetch's #PF there.
 *
 * The guest survives the #PF: rsp is the table's address + 8, so its
 * exception frame, aligned down to 16, goes to the page below, an
 * ordinary writable one.
 */
#include "lib/ptwr.h"

#define OLD_RBP		0x600008ULL	/* 0x600000 is not mapped; even: not present */
#define BP16		0x1111222233338000ULL	/* its low 16 bits the top of the entry */

/*
 * insn with rsp the table's address + 8 and rbp bp_in, traps counted (a
 * fault resumes after it): rsp and rbp after it in sp and bp.
 */
#define ON_TABLE_STACK(insn, bp_in) do {					\
	uint64_t save_, savebp_;						\
										\
	traps_taken = 0;							\
	asm volatile("mov %%rsp, %[save]; mov %%rbp, %[savebp]; mov %[v], %%rbp\n"	\
		     "lea 8(%[p]), %%rsp\n1: " insn "\n2: mov %%rsp, %[s]\n"		\
		     "mov %%rbp, %[b]; mov %[save], %%rsp; mov %[savebp], %%rbp\n"	\
		     ".pushsection .fixup, \"a\"\n.balign 8\n.quad 1b, 2b\n.popsection\n" \
		     : [save] "=&r"(save_), [s] "=&S"(sp), [b] "=&a"(bp),		\
		       [savebp] "=&r"(savebp_)					\
		     : [p] "r"(pt), [v] "r"(bp_in) : "memory");			\
} while (0)

#define BPN_WORD	0x7777

extern const char call16_at[], call16_resume[];
static unsigned int low_pfs;
static uint64_t low_rip, low_err, low_cr2;

/* The fetch #PF at a 16-bit call's target (below 64 KiB): resume after the call. */
static bool low_fetch(struct trap_frame *f)
{
	if (f->vector != 14 || f->rip >= 0x10000)
		return false;
	low_pfs++;
	low_rip = f->rip;
	low_err = f->error;
	low_cr2 = cr2();
	f->rip = (uint64_t)call16_resume;
	return true;
}

int test_main(struct start_info *si)
{
	uint64_t page = 0, ro, below, pt, sp, bp, save;
	volatile uint64_t *pte;
	int rc = ptwr_test_init(si, &page, &pte, &ro);

	if (rc)
		return rc;
	below = scratch_page();
	pt = mfn_to_va(table_page(0));
	CHECK(pt == below + 4096, "the table %#lx is not right above %#lx", (unsigned long)pt,
	      (unsigned long)below);
	CHECK(mmuext1(MMUEXT_PIN_L1_TABLE, va_to_mfn(pt)) == 0, "pinning the L1 failed");

	/* The frame pointer's page is not mapped: a plain read of it faults. */
	traps_taken = 0;
	EXPECT_TRAP("movq (%[a]), %%rax", : : [a] "r"(OLD_RBP - 8) : "rax");
	judge("a read of the frame pointer's page", 14);
	expect(cr2() == OLD_RBP - 8, "its CR2", cr2());

	ON_TABLE_STACK("enter $0, $2", OLD_RBP);
	printf("enter $0, $2: %u trap(s), vector %lu, error code %#lx, cr2 %#lx (entry %#lx, "
	       "frame pointer %#lx), entry 0 now %#lx, rsp %s, rbp %s\n", traps_taken,
	       (unsigned long)last_trap.vector, (unsigned long)last_trap.error,
	       (unsigned long)cr2(), (unsigned long)pt, (unsigned long)(OLD_RBP - 8),
	       (unsigned long)*(volatile uint64_t *)pt, sp == pt + 8 ? "as before" : "moved",
	       bp == OLD_RBP ? "as before" : "moved");
	judge("enter $0, $2", 14);
	expect(last_trap.error == 0, "enter: the read's #PF, error code", last_trap.error);
	expect(cr2() == OLD_RBP - 8, "enter: CR2 the frame pointer's address", cr2());
	expect(*(volatile uint64_t *)pt == OLD_RBP, "enter: the first push written",
	       *(volatile uint64_t *)pt);
	expect(sp == pt + 8, "enter: rsp as before", sp);
	expect(bp == OLD_RBP, "enter: rbp as before", bp);

	/*
	 * 66 enter $16, $0: a 16-bit frame. Xen 4.17's emulator writes bp (2
	 * bytes, the entry's top 16 bits) at rsp - 2, sets bp (rbp's low 16
	 * bits) to that address and takes 2 + 16 from rsp (64 bits wide).
	 */
	ON_TABLE_STACK(".byte 0x66, 0xc8, 0x10, 0x00, 0x00", BP16);
	printf("66 enter $16, $0: %u trap(s), vector %lu, error code %#lx, cr2 %#lx, entry 0 now "
	       "%#lx, rsp entry + %ld, rbp %#lx\n", traps_taken, (unsigned long)last_trap.vector,
	       (unsigned long)last_trap.error, (unsigned long)cr2(),
	       (unsigned long)*(volatile uint64_t *)pt, (long)(sp - pt), (unsigned long)bp);
	judge("66 enter $16, $0", -1);
	expect(*(volatile uint64_t *)pt == (OLD_RBP | (BP16 << 48)), "66 enter: bp in the top 16 bits",
	       *(volatile uint64_t *)pt);
	expect(sp == pt + 6 - 16, "66 enter: rsp", sp);
	expect(bp == ((BP16 & ~0xffffULL) | ((pt + 6) & 0xffff)), "66 enter: rbp", bp);

	/*
	 * 66 enter $16, $2: a 16-bit frame with a level, rbp the address of
	 * a readable word (BPN_WORD) + 2. Xen 4.17 pushes bp, that word and
	 * the frame's pointer (rsp - 2's low 16 bits), 2 bytes each, into
	 * entry 0's top 48 bits, sets rbp's low 16 bits to the frame's and
	 * takes 6 + 16 from rsp.
	 */
	*(volatile uint16_t *)(below + 0x100) = BPN_WORD;
	ON_TABLE_STACK(".byte 0x66, 0xc8, 0x10, 0x00, 0x02", below + 0x102);
	printf("66 enter $16, $2: %u trap(s), vector %lu, error code %#lx, cr2 %#lx, entry 0 now "
	       "%#lx, rsp entry + %ld, rbp %#lx (below %#lx)\n", traps_taken,
	       (unsigned long)last_trap.vector, (unsigned long)last_trap.error,
	       (unsigned long)cr2(), (unsigned long)*(volatile uint64_t *)pt, (long)(sp - pt),
	       (unsigned long)bp, (unsigned long)below);
	judge("66 enter $16, $2", -1);
	expect(*(volatile uint64_t *)pt == (((below + 0x102) & 0xffff) << 48 |
					     (uint64_t)BPN_WORD << 32 | ((pt + 6) & 0xffff) << 16 |
					     (OLD_RBP & 0xffff)),
	       "66 enter $2: bp, the frame pointer and the frame's in entry 0",
	       *(volatile uint64_t *)pt);
	expect(sp == pt + 8 - 6 - 16, "66 enter $2: rsp", sp);
	expect(bp == (((below + 0x102) & ~0xffffULL) | ((pt + 6) & 0xffff)), "66 enter $2: rbp",
	       bp);

	/*
	 * 66 e8 00 00 (00 00): a 16-bit call, rel16 0; rel32 0 if 66 is
	 * ignored (Intel: a 64-bit call to call16_resume). Xen 4.17 under
	 * QEMU's AMD-like vendor pushes the return address's low 16 bits
	 * into entry 0's top 16 bits, takes 2 from rsp and jumps to that
	 * address cut to 16 bits, whose fetch faults (error code 0x10, no
	 * page there): the hook resumes after the call.
	 */
	trap_hook = low_fetch;
	traps_taken = 0;
	asm volatile("mov %%rsp, %[save]\n lea 8(%[p]), %%rsp\n"
		     "call16_at: .byte 0x66, 0xe8, 0x00, 0x00, 0x00, 0x00\n"
		     ".globl call16_resume\ncall16_resume: mov %%rsp, %[s]\n mov %[save], %%rsp\n"
		     ".pushsection .fixup, \"a\"\n.balign 8\n.quad call16_at, call16_resume\n"
		     ".popsection\n"
		     : [save] "=&r"(save), [s] "=&S"(sp) : [p] "r"(pt) : "memory");
	trap_hook = NULL;
	printf("66 call rel16: %u trap(s), vector %lu, error code %#lx, rip %#lx, cr2 %#lx; "
	       "low fetches %u (rip %#lx, error code %#lx, cr2 %#lx); entry 0 now %#lx, rsp entry "
	       "+ %ld, call at %#lx\n", traps_taken, (unsigned long)last_trap.vector,
	       (unsigned long)last_trap.error, (unsigned long)last_trap.rip, (unsigned long)cr2(),
	       low_pfs, (unsigned long)low_rip, (unsigned long)low_err, (unsigned long)low_cr2,
	       (unsigned long)*(volatile uint64_t *)pt, (long)(sp - pt),
	       (unsigned long)call16_at);
	expect(low_pfs == 1 && traps_taken == 1, "66 call: one trap, at the target", low_pfs);
	expect(low_rip == (((uint64_t)call16_at + 4) & 0xffff) && low_cr2 == low_rip,
	       "66 call: rip and cr2 the return address cut to 16 bits", low_rip);
	expect(low_err == 0x10, "66 call: the fetch's error code", low_err);
	expect(*(volatile uint64_t *)pt >> 48 == (((uint64_t)call16_at + 4) & 0xffff),
	       "66 call: the return address's low 16 bits in entry 0's top", *(volatile uint64_t *)pt);
	expect(sp == pt + 6, "66 call: rsp", sp);
	CHECK(failures == 0, "%u checks failed", failures);
	printf("ptwr-enter-fault: the frame pointer read's #PF after the first push, as Xen 4.17\n");
	return TEST_PASS;
}
