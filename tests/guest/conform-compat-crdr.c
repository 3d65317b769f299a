// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-compat-crdr: control- and debug-register moves a guest kernel
 * makes from 32-bit code (a far return onto FLAT_RING3_CS32, 0xe023,
 * while the vCPU stays in guest kernel mode). There the instruction's
 * operand is 32 bits wide: a move to a register takes the source's low
 * half, a move from one writes 32 bits, zero-extended, as the CPU does
 * and as Xen 4.17's emulator takes them (op_bytes 4 outside 64-bit code).
 * The upper halves the 64-bit code left in the registers must not count.
 * Each case enters the 32-bit fragment with rax/rcx seeded and returns
 * to 64-bit code by a far return; a fault in the fragment is recorded
 * and the 3-byte move skipped (trap_hook).
 * Linked at VIRT_BASE 0, so that code, data and stack lie below 4 GiB.
 * @head: -DNOTES_LINK_BASE
 * @ldflags: --defsym=VIRT_BASE=0
 */
#include "lib/guest.h"
#include "lib/traps.h"

#define FLAT_CS32	0xe023
#define CR0_TS		(1ULL << 3)

/*
 * A 32-bit fragment: one 3-byte move, then back to 64-bit code by a
 * direct far jump to f64_back, which continues at rdi. (No far return:
 * QEMU's TCG reads a far return's stack as a supervisor access, which
 * SMAP refuses on the guest's pages: a #PF at the lret.)
 */
#define FRAG32(name, insn)						\
	asm(".pushsection .text\n"					\
	    ".code32\n"							\
	    ".globl f32_" #name "\n"					\
	    "f32_" #name ":\n"						\
	    "	" insn "\n"						\
	    "	ljmp $0xe033, $f64_back\n"				\
	    ".code64\n"							\
	    ".popsection");						\
	extern const uint8_t f32_##name[]

asm(".pushsection .text\n"
    "f64_back:\n"
    "	jmp *%rdi\n"
    ".popsection");

FRAG32(wr_dr0, "mov %eax, %db0");
FRAG32(rd_dr0, "mov %db0, %ecx");
FRAG32(wr_dr7, "mov %eax, %db7");
FRAG32(rd_dr7, "mov %db7, %ecx");
FRAG32(wr_dr6, "mov %eax, %db6");
FRAG32(rd_cr0, "mov %cr0, %ecx");
FRAG32(wr_cr0, "mov %eax, %cr0");
FRAG32(rd_cr2, "mov %cr2, %ecx");
FRAG32(wr_cr2, "mov %eax, %cr2");
FRAG32(rd_cr3, "mov %cr3, %ecx");
FRAG32(wr_cr3, "mov %eax, %cr3");
FRAG32(rd_cr4, "mov %cr4, %ecx");
FRAG32(wr_cr4, "mov %eax, %cr4");

static volatile unsigned int frag_traps;
static volatile uint64_t frag_vector;

/*
 * A fault in a fragment: recorded, and the move (3 bytes) skipped. Any
 * other is the library's failure, here with its %cr2 and rsp too.
 */
static bool frag_hook(struct trap_frame *f)
{
	uint64_t cr2;

	if ((f->cs | 3) != FLAT_CS32) {
		asm volatile("mov %%cr2, %0" : "=r"(cr2));
		printf("trap %lu at %#lx, cs %#lx, cr2 %#lx, rsp %#lx\n", (unsigned long)f->vector,
		       (unsigned long)f->rip, (unsigned long)f->cs, (unsigned long)cr2,
		       (unsigned long)f->rsp);
		return false;
	}
	frag_traps++;
	frag_vector = f->vector;
	f->rip += 3;
	return true;
}

struct regs32 {
	uint64_t rax, rcx;
	unsigned int traps;	/* faults the fragment took */
	uint64_t vector;
};

/* m16:32, for the far jump into a fragment */
static struct __attribute__((packed)) {
	uint32_t off;
	uint16_t sel;
} far32;

/* Runs a fragment in 32-bit code from guest kernel mode with rax and rcx. */
static struct regs32 run32(const uint8_t *frag, uint64_t rax, uint64_t rcx)
{
	struct regs32 r;

	frag_traps = 0;
	frag_vector = ~0ULL;
	far32.off = (uint32_t)(uint64_t)frag;
	far32.sel = FLAT_CS32;
	asm volatile("lea 1f(%%rip), %%rdi\n\t"
		     "ljmp *%[far]\n"
		     "1:"
		     : "+a"(rax), "+c"(rcx)
		     : [far] "m"(far32)
		     : "rdi", "memory");
	r.rax = rax;
	r.rcx = rcx;
	r.traps = frag_traps;
	r.vector = frag_vector;
	return r;
}

static long get_dr(unsigned int n)
{
	return hypercall1(__HYPERVISOR_get_debugreg, n);
}

static long set_dr(unsigned int n, uint64_t val)
{
	return hypercall2(__HYPERVISOR_set_debugreg, n, val);
}

static uint64_t cr_read(unsigned int n)
{
	uint64_t v = 0;

	switch (n) {
	case 0: asm volatile("mov %%cr0, %0" : "=r"(v)); break;
	case 2: asm volatile("mov %%cr2, %0" : "=r"(v)); break;
	case 3: asm volatile("mov %%cr3, %0" : "=r"(v)); break;
	case 4: asm volatile("mov %%cr4, %0" : "=r"(v)); break;
	}
	return v;
}

static void show(const char *what, const struct regs32 *r)
{
	printf("%s: rax %#lx rcx %#lx, %u faults (vector %ld)\n", what, (unsigned long)r->rax,
	       (unsigned long)r->rcx, r->traps, r->traps ? (long)r->vector : -1L);
}

#define HIGH	0xdead000000000000ULL	/* upper-half junk the 64-bit code left */

static int debug_registers(void)
{
	struct regs32 r;

	/* mov %eax, %dr0: the low half 0x1000, not 0x1_0000_1000 */
	r = run32(f32_wr_dr0, 0x100001000ULL, 0);
	show("mov %eax, %dr0 (rax 0x100001000)", &r);
	CHECK(r.traps == 0 && get_dr(0) == 0x1000,
	      "mov %%eax, %%dr0 with rax 0x100001000: %u faults, dr0 %#lx (want 0x1000)",
	      r.traps, (unsigned long)get_dr(0));
	/* a hypervisor address in the upper half does not count either */
	r = run32(f32_wr_dr0, 0xffff800000002000ULL, 0);
	show("mov %eax, %dr0 (rax 0xffff800000002000)", &r);
	CHECK(r.traps == 0 && get_dr(0) == 0x2000,
	      "mov %%eax, %%dr0 with rax 0xffff800000002000: %u faults (vector %ld), dr0 %#lx "
	      "(want 0x2000)", r.traps, (long)r.vector, (unsigned long)get_dr(0));
	/* mov %dr0, %ecx: 32 bits, zero-extended */
	CHECK(set_dr(0, 0x123456000ULL) == 0, "set_debugreg(0, 0x123456000) refused");
	r = run32(f32_rd_dr0, 0, ~0ULL);
	show("mov %dr0, %ecx (dr0 0x123456000)", &r);
	CHECK(r.traps == 0 && r.rcx == 0x23456000,
	      "mov %%dr0, %%ecx with dr0 0x123456000: %u faults, rcx %#lx (want 0x23456000)",
	      r.traps, (unsigned long)r.rcx);
	CHECK(set_dr(0, 0) == 0, "set_debugreg(0, 0) refused");
	/* DR7 and DR6: an upper half is -EINVAL to set_debugreg, not here */
	r = run32(f32_wr_dr7, HIGH | 0x400, 0);
	show("mov %eax, %dr7 (upper junk)", &r);
	CHECK(r.traps == 0 && get_dr(7) == 0x400,
	      "mov %%eax, %%dr7 with rax %#llx: %u faults (vector %ld), dr7 %#lx (want 0x400)",
	      HIGH | 0x400, r.traps, (long)r.vector, (unsigned long)get_dr(7));
	r = run32(f32_rd_dr7, 0, ~0ULL);
	CHECK(r.traps == 0 && r.rcx == 0x400, "mov %%dr7, %%ecx: %u faults, rcx %#lx (want 0x400)",
	      r.traps, (unsigned long)r.rcx);
	r = run32(f32_wr_dr6, HIGH | 0xffff0ff0ULL, 0);
	show("mov %eax, %dr6 (upper junk)", &r);
	CHECK(r.traps == 0 && get_dr(6) == 0xffff0ff0,
	      "mov %%eax, %%dr6 with upper junk: %u faults (vector %ld), dr6 %#lx (want 0xffff0ff0)",
	      r.traps, (long)r.vector, (unsigned long)get_dr(6));
	return TEST_PASS;
}

static int control_registers(void)
{
	uint64_t cr0 = cr_read(0), cr3 = cr_read(3), cr4 = cr_read(4);
	struct regs32 r;

	printf("cr0 %#lx cr3 %#lx cr4 %#lx\n", (unsigned long)cr0, (unsigned long)cr3,
	       (unsigned long)cr4);
	CHECK(!(cr0 >> 32) && !(cr3 >> 32) && !(cr4 >> 32),
	      "a control register past 32 bits: the cases below assume none");
	r = run32(f32_rd_cr0, 0, ~0ULL);
	CHECK(r.traps == 0 && r.rcx == cr0, "mov %%cr0, %%ecx: %u faults, rcx %#lx (want %#lx)",
	      r.traps, (unsigned long)r.rcx, (unsigned long)cr0);
	/* the same CR0 with upper junk: only the low half is compared */
	r = run32(f32_wr_cr0, HIGH | cr0, 0);
	show("mov %eax, %cr0 (upper junk)", &r);
	CHECK(r.traps == 0 && cr_read(0) == cr0,
	      "mov %%eax, %%cr0 (CR0 with upper junk): %u faults (vector %ld), cr0 %#lx",
	      r.traps, (long)r.vector, (unsigned long)cr_read(0));
	/* CR2: what mov to %cr2 left, read 32 bits wide */
	asm volatile("mov %0, %%cr2" : : "r"(0x100002000ULL));
	r = run32(f32_rd_cr2, 0, ~0ULL);
	show("mov %cr2, %ecx (cr2 0x100002000)", &r);
	CHECK(r.traps == 0 && r.rcx == 0x2000,
	      "mov %%cr2, %%ecx with cr2 0x100002000: %u faults, rcx %#lx (want 0x2000)",
	      r.traps, (unsigned long)r.rcx);
	r = run32(f32_wr_cr2, HIGH | 0x3000, 0);
	show("mov %eax, %cr2 (upper junk)", &r);
	CHECK(r.traps == 0 && cr_read(2) == 0x3000,
	      "mov %%eax, %%cr2 with upper junk: %u faults, cr2 %#lx (want 0x3000)",
	      r.traps, (unsigned long)cr_read(2));
	/* CR3: the same base with upper junk switches to it */
	r = run32(f32_rd_cr3, 0, ~0ULL);
	CHECK(r.traps == 0 && r.rcx == cr3, "mov %%cr3, %%ecx: %u faults, rcx %#lx (want %#lx)",
	      r.traps, (unsigned long)r.rcx, (unsigned long)cr3);
	r = run32(f32_wr_cr3, HIGH | cr3, 0);
	show("mov %eax, %cr3 (upper junk)", &r);
	CHECK(r.traps == 0 && cr_read(3) == cr3,
	      "mov %%eax, %%cr3 (CR3 with upper junk): %u faults (vector %ld), cr3 %#lx",
	      r.traps, (long)r.vector, (unsigned long)cr_read(3));
	/* CR4: the guest's own bits (DE here) from the low half */
	r = run32(f32_wr_cr4, HIGH | cr4 | (1ULL << 3), 0);
	r = run32(f32_rd_cr4, 0, ~0ULL);
	show("mov %cr4, %ecx after DE set", &r);
	CHECK(r.traps == 0 && r.rcx == (cr4 | (1ULL << 3)),
	      "mov %%cr4, %%ecx after setting DE: %u faults, rcx %#lx (want %#lx)", r.traps,
	      (unsigned long)r.rcx, (unsigned long)(cr4 | (1ULL << 3)));
	r = run32(f32_wr_cr4, cr4, 0);
	CHECK(r.traps == 0 && cr_read(4) == cr4, "CR4 back: %u faults, cr4 %#lx", r.traps,
	      (unsigned long)cr_read(4));
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	(void)si;
	if (traps_install(true))
		return fail("set_trap_table failed");
	trap_hook = frag_hook;
	CHECK((uint64_t)test_main < (1ULL << 32) && (uint64_t)__builtin_frame_address(0) < (1ULL << 32),
	      "code or stack above 4 GiB: link at VIRT_BASE 0");
	if (debug_registers() != TEST_PASS)
		return TEST_FAIL;
	if (control_registers() != TEST_PASS)
		return TEST_FAIL;
	trap_hook = NULL;
	printf("conform-compat-crdr: 32-bit moves of CR0/2/3/4 and DR0/6/7 take 32 bits\n");
	return TEST_PASS;
}
