// SPDX-License-Identifier: GPL-2.0-only
/*
 * traps: exceptions and software interrupts raised in guest kernel mode
 * reach the trap table with the PV frame of docs/abi-core.md §3.2 (rcx and
 * r11 below the hardware frame, error code where the vector has one, CS
 * with RPL 0 and the event mask in bits 32-39, the virtual IF), and the
 * handler returns by the iret hypercall. int n follows the entry's DPL.
 */
#include "lib/guest.h"
#include "lib/traps.h"
#include <lamina/callback.h>

#define FRAME_CS	(FLAT_KERNEL_CS & ~3)	/* saved CS: RPL 0 in kernel mode */

/*
 * The #GP error code of a refused `int n` is (n << 3) | 2. Lamina builds it
 * from the decoded instruction; Xen passes on what the CPU gave, and QEMU
 * 7.2's TCG gives (n << 4) | 2, so on Xen under TCG that is what arrives.
 */
static uint64_t softint_gp_error(unsigned int n)
{
	return on_lamina() ? (n << 3) | 2 : (n << 4) | 2;
}

static int check_frame(unsigned int vector, uint64_t error, uint64_t rip, const char *what)
{
	CHECK(last_trap.vector == vector, "%s: vector %lu, expected %u", what,
	      (unsigned long)last_trap.vector, vector);
	CHECK(last_trap.error == error, "%s: error code %#lx, expected %#lx", what,
	      (unsigned long)last_trap.error, (unsigned long)error);
	CHECK(last_trap.rip == rip, "%s: rip %#lx, expected %#lx", what,
	      (unsigned long)last_trap.rip, (unsigned long)rip);
	CHECK((last_trap.cs & 0xffff) == FRAME_CS, "%s: saved cs %#lx", what,
	      (unsigned long)last_trap.cs);
	CHECK(((last_trap.cs >> 32) & 0xff) == 1, "%s: saved event mask %#lx, expected 1",
	      what, (unsigned long)(last_trap.cs >> 32));
	CHECK(!(last_trap.rflags & 0x200), "%s: saved IF set while events are masked", what);
	CHECK(last_trap.ss == FLAT_KERNEL_SS, "%s: saved ss %#lx", what, (unsigned long)last_trap.ss);
	return TEST_PASS;
}

/* Runs insn with known rcx/r11/rsp and checks the frame it produced. */
#define TRAP_CASE(insn, vec, err, after) TRAP_CASE_PRE("", insn, vec, err, after)
#define TRAP_CASE_PRE(pre, insn, vec, err, after)				\
	do {									\
		uint64_t start, end, sp;					\
		asm volatile("lea 1f(%%rip), %0\n\t"				\
			     "lea 2f(%%rip), %1\n\t"				\
			     "mov %%rsp, %2\n\t"				\
			     "mov $0x1111222233334444, %%rcx\n\t"		\
			     "mov $0x5555666677778888, %%r11\n\t"		\
			     pre "\n"						\
			     "1: " insn "\n2:\n"				\
			     ".pushsection .fixup, \"a\"\n.balign 8\n"		\
			     ".quad 1b, 2b\n.popsection"			\
			     : "=&r"(start), "=&r"(end), "=&r"(sp)		\
			     : : "rcx", "r11", "rax", "rdx", "memory");		\
		if (check_frame(vec, err, (after) ? end : start, insn) != TEST_PASS) \
			return TEST_FAIL;					\
		CHECK(last_trap.rsp == sp, insn ": saved rsp %#lx, expected %#lx", \
		      (unsigned long)last_trap.rsp, (unsigned long)sp);	\
		CHECK(last_trap.rcx == 0x1111222233334444ULL &&		\
		      last_trap.r11 == 0x5555666677778888ULL,			\
		      insn ": saved rcx/r11 %#lx/%#lx", (unsigned long)last_trap.rcx, \
		      (unsigned long)last_trap.r11);				\
	} while (0)

static int hypercall_checks(void)
{
	struct trap_info bad[2] = { { 3, 0, 0, 0, 0x0000800000000000ULL }, { 0 } };
	struct callback_register cb = { 99, 0, 0, 0 };
	struct callback_unregister un = { CALLBACKTYPE_event, 0 };
	long rc;

	rc = hypercall1(__HYPERVISOR_set_trap_table, bad);
	CHECK(rc == -EINVAL, "non-canonical handler accepted: %ld", rc);
	rc = hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb);
	CHECK(rc == -ENOSYS, "unknown callback type gave %ld", rc);
	rc = hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_unregister, &un);
	CHECK(rc == -EINVAL, "unregistering the event callback gave %ld", rc);
	rc = hypercall2(__HYPERVISOR_callback_op, 7, &cb);
	CHECK(rc == -ENOSYS, "unknown callback_op gave %ld", rc);
	{
		struct xennmi_callback nmi = { 0x0000800000000000ULL, 0 };

		rc = hypercall2(__HYPERVISOR_nmi_op, XENNMI_register_callback, &nmi);
		CHECK(rc < 0, "a non-canonical NMI callback accepted");
		nmi.handler_address = (uint64_t)test_main;
		rc = hypercall2(__HYPERVISOR_nmi_op, XENNMI_register_callback, &nmi);
		CHECK(rc == 0 || !on_lamina(), "registering an NMI callback gave %ld", rc);
		rc = hypercall2(__HYPERVISOR_nmi_op, XENNMI_unregister_callback, NULL);
		CHECK(rc == 0 || !on_lamina(), "unregistering the NMI callback gave %ld", rc);
	}
	rc = hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_FS, 0x0000800000000000ULL);
	CHECK(rc == -EINVAL, "non-canonical FS base accepted: %ld", rc);
	rc = hypercall2(__HYPERVISOR_set_segment_base, 9, 0);
	CHECK(rc == -EINVAL, "set_segment_base 9 gave %ld", rc);
	rc = hypercall2(__HYPERVISOR_stack_switch, 0x18, 0xffffffff80200000ULL);
	CHECK(rc == 0, "stack_switch gave %ld", rc);
	return TEST_PASS;
}

static uint64_t gs_probe = 0xfeedface12345678ULL;

static int msr_checks(void)
{
	uint64_t lo, hi, val;

	/* Linux's very first trap: a native wrmsr of the GS base. */
	asm volatile("wrmsr" : : "c"(0xC0000101), "a"((uint32_t)(uint64_t)&gs_probe),
		     "d"((uint32_t)((uint64_t)&gs_probe >> 32)));
	asm volatile("mov %%gs:0, %0" : "=r"(val));
	CHECK(val == gs_probe, "GS base not set by wrmsr: read %#lx", (unsigned long)val);
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xC0000101));
	CHECK(((hi << 32) | (uint32_t)lo) == (uint64_t)&gs_probe, "rdmsr GS_BASE %#lx",
	      (unsigned long)((hi << 32) | (uint32_t)lo));
	/* An MSR nobody emulates: #GP(0) at the rdmsr. */
	traps_taken = 0;
	EXPECT_TRAP("rdmsr", : : "c"(0x12345678) : "rax", "rdx", "memory");
	CHECK(traps_taken == 1 && last_trap.vector == 13 && last_trap.error == 0,
	      "rdmsr of an unknown MSR: %u traps, vector %lu, error %#lx", traps_taken,
	      (unsigned long)last_trap.vector, (unsigned long)last_trap.error);
	return TEST_PASS;
}

static int cpuid_checks(void)
{
	uint32_t a, b, c, d;

#define XEN_CPUID(leaf) \
	asm volatile("ud2; .ascii \"xen\"; cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) \
		     : "a"(leaf), "c"(0))
	XEN_CPUID(0x40000000);
	CHECK(b == XEN_CPUID_SIGNATURE_EBX && c == XEN_CPUID_SIGNATURE_ECX &&
	      d == XEN_CPUID_SIGNATURE_EDX, "no XenVMMXenVMM signature");
	CHECK(a >= 0x40000002, "max hypervisor leaf %#x", a);
	XEN_CPUID(0x40000004);
	CHECK(!(a & (1U << 6)), "HVM upcall vector bit set for a PV guest");
	XEN_CPUID(1);
	CHECK(c & (1U << 31), "hypervisor bit clear");
	CHECK(!(c & ((1U << 5) | (1U << 6))), "VMX/SMX visible: %#x", c);
	CHECK(!(d & (1U << 13)), "PGE visible");
	/* Leaves a PV guest sees empty on Xen 4.17: MONITOR, power, SVM. */
	XEN_CPUID(5);
	CHECK(!(a | b | c | d), "leaf 5 (MONITOR): %#x %#x %#x %#x", a, b, c, d);
	XEN_CPUID(6);
	CHECK(!(a | b | c | d), "leaf 6 (thermal/power): %#x %#x %#x %#x", a, b, c, d);
	XEN_CPUID(0x80000007);
	CHECK(!(a | b | c), "leaf 0x80000007 a-c (power/RAS): %#x %#x %#x", a, b, c);
	XEN_CPUID(0x80000000);
	if (a >= 0x8000000A) {
		XEN_CPUID(0x8000000A);
		CHECK(!(a | b | c | d), "leaf 0x8000000a (SVM): %#x %#x %#x %#x", a, b, c, d);
	}
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	uint64_t cr4;

	CHECK(traps_install(true) == 0, "set_trap_table failed");
	if (hypercall_checks() != TEST_PASS)
		return TEST_FAIL;

	TRAP_CASE("ud2", 6, 0, false);
	TRAP_CASE("int3", 3, 0, true);
	TRAP_CASE("hlt", 13, 0, false);
	TRAP_CASE("movb (0x1000), %%al", 14, 0, false);		/* not present, read */
	TRAP_CASE_PRE("xor %%edx, %%edx; xor %%eax, %%eax", "divl %%eax", 0, 0, false);
	TRAP_CASE("int $0x80", 0x80, 0, true);			/* DPL 3 */
	TRAP_CASE("int $0x81", 13, softint_gp_error(0x81), false);	/* DPL 0: #GP */
	TRAP_CASE("int $0x20", 13, softint_gp_error(0x20), false);	/* no handler: #GP */

	/* A write to the read-only bootstrap L4: present | write. */
	traps_taken = 0;
	EXPECT_TRAP("movb $0, (%0)", : : "r"(si->pt_base) : "memory");
	CHECK(traps_taken == 1 && last_trap.vector == 14 && last_trap.error == 3,
	      "write to a read-only page: %u traps, vector %lu, error %#lx", traps_taken,
	      (unsigned long)last_trap.vector, (unsigned long)last_trap.error);

	if (msr_checks() != TEST_PASS || cpuid_checks() != TEST_PASS)
		return TEST_FAIL;
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	CHECK((cr4 & 0x20) && !(cr4 & 0x80), "guest CR4 %#lx: PAE clear or PGE set",
	      (unsigned long)cr4);
	printf("traps: 8 vectors bounced with the PV frame and returned by iret; "
	       "MSR, CPUID and CR4 emulation checked\n");
	return TEST_PASS;
}
