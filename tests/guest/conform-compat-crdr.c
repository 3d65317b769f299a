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

	if (((uint16_t)f->cs | 3) != FLAT_CS32) {	/* bits 32-39: the event mask */
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

static uint64_t dr_read(unsigned int n)
{
	return (uint64_t)hypercall1(__HYPERVISOR_get_debugreg, n);
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

/* A fragment moving a register into ecx (rcx all ones before): rcx must be want. */
static int read_case(const char *what, const uint8_t *frag, uint64_t want)
{
	struct regs32 r = run32(frag, 0, ~0ULL);

	show(what, &r);
	CHECK(r.traps == 0 && r.rcx == want, "%s: %u faults (vector %ld), rcx %#lx (want %#lx)",
	      what, r.traps, (long)r.vector, (unsigned long)r.rcx, (unsigned long)want);
	return TEST_PASS;
}

/* A fragment moving eax (rax = val) into register n: no fault, and it reads back want. */
static int write_case(const char *what, const uint8_t *frag, uint64_t val,
		      uint64_t (*back)(unsigned int), unsigned int n, uint64_t want)
{
	struct regs32 r = run32(frag, val, 0);

	show(what, &r);
	CHECK(r.traps == 0 && back(n) == want, "%s (rax %#lx): %u faults (vector %ld), reads "
	      "back %#lx (want %#lx)", what, (unsigned long)val, r.traps, (long)r.vector,
	      (unsigned long)back(n), (unsigned long)want);
	return TEST_PASS;
}

#define HIGH	0xdead000000000000ULL	/* upper-half junk the 64-bit code left */
#define CR4_DE	(1ULL << 3)

static int debug_registers(void)
{
	/* mov %eax, %dr0: the low half, also of a hypervisor address */
	if (write_case("mov %eax, %dr0", f32_wr_dr0, 0x100001000ULL, dr_read, 0, 0x1000) ||
	    write_case("mov %eax, %dr0", f32_wr_dr0, 0xffff800000002000ULL, dr_read, 0, 0x2000))
		return TEST_FAIL;
	/* mov %dr0, %ecx: 32 bits, zero-extended */
	CHECK(set_dr(0, 0x123456000ULL) == 0, "set_debugreg(0, 0x123456000) refused");
	if (read_case("mov %dr0, %ecx (dr0 0x123456000)", f32_rd_dr0, 0x23456000))
		return TEST_FAIL;
	CHECK(set_dr(0, 0) == 0, "set_debugreg(0, 0) refused");
	/* DR7 and DR6: an upper half is -EINVAL to set_debugreg, not here */
	if (write_case("mov %eax, %dr7", f32_wr_dr7, HIGH | 0x400, dr_read, 7, 0x400) ||
	    read_case("mov %dr7, %ecx", f32_rd_dr7, 0x400) ||
	    write_case("mov %eax, %dr6", f32_wr_dr6, HIGH | 0xffff0ff0ULL, dr_read, 6, 0xffff0ff0))
		return TEST_FAIL;
	return TEST_PASS;
}

static int control_registers(void)
{
	uint64_t cr0 = cr_read(0), cr3 = cr_read(3), cr4 = cr_read(4);

	printf("cr0 %#lx cr3 %#lx cr4 %#lx\n", (unsigned long)cr0, (unsigned long)cr3,
	       (unsigned long)cr4);
	CHECK(!(cr0 >> 32) && !(cr3 >> 32) && !(cr4 >> 32),
	      "a control register past 32 bits: the cases below assume none");
	/* CR0 and CR3 as they are, with upper junk: only the low half counts */
	if (read_case("mov %cr0, %ecx", f32_rd_cr0, cr0) ||
	    write_case("mov %eax, %cr0", f32_wr_cr0, HIGH | cr0, cr_read, 0, cr0) ||
	    read_case("mov %cr3, %ecx", f32_rd_cr3, cr3) ||
	    write_case("mov %eax, %cr3", f32_wr_cr3, HIGH | cr3, cr_read, 3, cr3))
		return TEST_FAIL;
	/* CR2: what a 64-bit mov to %cr2 left, read 32 bits wide */
	asm volatile("mov %0, %%cr2" : : "r"(0x100002000ULL));
	if (read_case("mov %cr2, %ecx (cr2 0x100002000)", f32_rd_cr2, 0x2000) ||
	    write_case("mov %eax, %cr2", f32_wr_cr2, HIGH | 0x3000, cr_read, 2, 0x3000))
		return TEST_FAIL;
	/* CR4: the guest's own bit DE from the low half, then back */
	if (write_case("mov %eax, %cr4", f32_wr_cr4, HIGH | cr4 | CR4_DE, cr_read, 4,
		       cr4 | CR4_DE) ||
	    read_case("mov %cr4, %ecx (DE set)", f32_rd_cr4, cr4 | CR4_DE) ||
	    write_case("mov %eax, %cr4", f32_wr_cr4, cr4, cr_read, 4, cr4))
		return TEST_FAIL;
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
