// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-iret-fault: the hypervisor's own iretq back to a guest faults
 * when the guest's code or stack descriptor changed while the frame sat in
 * the hypervisor, and the fault must be the guest's, never the
 * hypervisor's.
 *
 * vCPU 0 loads a GDT frame with a 64-bit code descriptor (0x10) and a data
 * descriptor (0x18), irets onto 0x13 and spins there with events masked
 * and a 1 ms periodic timer, so the hypervisor keeps entering and leaving
 * by iretq onto 0x13 (a timer interrupt, or a switch to vCPU 1 with one
 * pCPU). vCPU 1 then writes 0x10 not present with update_descriptor (a
 * descriptor page in use takes any checked descriptor, not-present ones
 * too, on Xen 4.17 as here). vCPU 0's next return faults in the
 * hypervisor's iretq: Xen 4.17 (its .Lft0 exception-table entry) turns
 * that into the guest's #NP(0x10) at the interrupted rip, with every
 * register as it was; Lamina panicked (the fault was taken in ring 0 with
 * the guest's GS base already loaded). A second round does the same with
 * 0x18 as the stack segment turned into a code segment: #GP(0x18) from
 * iretq's SS check.
 * The iret hypercall onto a not-present descriptor is what iretq gives
 * there, as on Xen 4.17 (which checks nothing and faults at its iretq):
 * #NP(0x10) for CS 0x10, and for SS 0x20 #SS(0x20) on hardware, #NP(0x20)
 * under QEMU's TCG (Lamina gave #GP for both). A third round races the iret hypercall itself: vCPU 0 irets onto
 * 0x13 and back RACE_ROUNDS times while vCPU 1 flips 0x10 between present
 * and not present. Each iret onto 0x13 either works or is #NP(0x10):
 * refused by Lamina's check, or past it and then faulting in the iretq
 * that leaves the hypercall (a window of a few instructions; with one
 * pCPU it never opens). Nothing else may happen; the count is printed.
 * The trap handler puts the flat selectors back in the frame, so the
 * guest's own iret returns.
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/smp.h"
#include "lib/segbase.h"

#define STACK_SIZE	8192
#define SPIN_BOUND	400000000UL
#define MAGIC		0x5eed1234abcd5678UL
#define RACE_ROUNDS	100000

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static uint64_t gdt_mfn;
static volatile unsigned int step;	/* 1, 3: vCPU 0 ready; 2, 4: vCPU 1 wrote */
static volatile unsigned int bad_vector_seen;
static volatile uint64_t fault_vector, fault_error, fault_cs, fault_ss, faults;
static volatile uint64_t race_np, race_other;
static volatile bool racing, race_stop;

/* The wanted fault on the spin's selectors: flat ones back in, resume at rip. */
static bool repair(struct trap_frame *f)
{
	if (racing && (f->cs & ~3ULL) == 0x10) {
		if (f->vector == 11 && f->error == 0x10)
			race_np++;
		else
			race_other++;
		f->cs = FLAT_KERNEL_CS & ~3;
		f->ss = FLAT_KERNEL_SS;
		return true;
	}
	if ((f->vector == 11 || f->vector == 12 || f->vector == 13) &&
	    ((f->cs & ~3ULL) == 0x10 || (f->ss & ~3ULL) == 0x18 || (f->ss & ~3ULL) == 0x20)) {
		fault_vector = f->vector;
		fault_error = f->error;
		fault_cs = f->cs;
		fault_ss = f->ss;
		faults++;
		f->cs = FLAT_KERNEL_CS & ~3;	/* RPL 0: within kernel mode */
		f->ss = FLAT_KERNEL_SS;
		return true;
	}
	bad_vector_seen = (unsigned int)f->vector + 1;
	return false;
}

static void vcpu1(unsigned long id)
{
	(void)id;
	while (step != 1)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	/* 0x10: the 64-bit code descriptor with P clear. */
	hypercall2(__HYPERVISOR_update_descriptor, (gdt_mfn << 12) + 2 * 8, 0x00af7b000000ffffULL);
	step = 2;
	while (step != 3)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	/* 0x18: a code descriptor, which no SS may name. */
	hypercall2(__HYPERVISOR_update_descriptor, (gdt_mfn << 12) + 3 * 8, 0x00affb000000ffffULL);
	step = 4;
	while (step != 5)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	for (unsigned long n = 0; !race_stop; n++)
		hypercall2(__HYPERVISOR_update_descriptor, (gdt_mfn << 12) + 2 * 8,
			   n & 1 ? 0x00affb000000ffffULL : 0x00af7b000000ffffULL);
	step = 6;
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

static void iret_to(uint64_t cs)
{
	iret_hypercall(cs, FLAT_KERNEL_SS);
}

/* Entry 2 back to the present 64-bit code descriptor (from vCPU 0). */
static void gdt_write_present(void)
{
	hypercall2(__HYPERVISOR_update_descriptor, (gdt_mfn << 12) + 2 * 8, 0x00affb000000ffffULL);
}

/*
 * iret onto cs:ss, spin until the fault (faults grows) or the bound, then
 * the flat selectors (the handler put them back). Returns the spin count
 * left; *kept says whether rbx, rbp and r12-r15 came through.
 */
static uint64_t spin_on(uint64_t cs, uint64_t ss, uint64_t before, bool *kept)
{
	uint64_t left = SPIN_BOUND, out[6];
	uint64_t flags;

	asm volatile("pushfq; pop %0" : "=r"(flags));
	iret_next(cs, ss, flags);
	asm volatile("mov %[m], %%rbx\n\t"
		     "lea 1(%%rbx), %%rbp\n\t"
		     "lea 2(%%rbx), %%r12\n\t"
		     "lea 3(%%rbx), %%r13\n\t"
		     "lea 4(%%rbx), %%r14\n\t"
		     "lea 5(%%rbx), %%r15\n"
		     "1:\n\t"
		     "pause\n\t"
		     "cmp %[before], %[faults]\n\t"
		     "jne 2f\n\t"
		     "dec %[left]\n\t"
		     "jnz 1b\n"
		     "2:\n\t"
		     "mov %%rbx, 0(%[out])\n\t"
		     "mov %%rbp, 8(%[out])\n\t"
		     "mov %%r12, 16(%[out])\n\t"
		     "mov %%r13, 24(%[out])\n\t"
		     "mov %%r14, 32(%[out])\n\t"
		     "mov %%r15, 40(%[out])"
		     : [left] "+r"(left)
		     : [m] "i"(MAGIC), [before] "r"(before), [faults] "m"(faults), [out] "r"(out)
		     : "rbx", "rbp", "r12", "r13", "r14", "r15", "memory", "cc");
	*kept = true;
	for (unsigned int i = 0; i < 6; i++)
		if (out[i] != MAGIC + i)
			*kept = false;
	if (!left) {
		/* No fault came: back to the flat selectors ourselves. */
		asm volatile("pushfq; pop %0" : "=r"(flags));
		iret_next(FLAT_KERNEL_CS & ~3, FLAT_KERNEL_SS, flags);
	}
	return left;
}

int test_main(struct start_info *si)
{
	static const uint64_t gdt[16] = {
		[2] = 0x00affb000000ffffULL,	/* 64-bit code, DPL 3 */
		[3] = 0x00cff3000000ffffULL,	/* data, DPL 3 */
	};
	struct vcpu_set_periodic_timer per = { .period_ns = 1000000 };
	uint64_t cs;
	bool kept;
	long rc;

	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	rc = gdt_load_page(gdt, &gdt_mfn);
	CHECK(rc == 0, "loading the GDT page gave %ld", rc);
	rc = vcpu_op(VCPUOP_set_periodic_timer, 0, &per);
	CHECK(rc == 0, "set_periodic_timer 1 ms gave %ld", rc);
	rc = smp_start_vcpu(si, 1, vcpu1, stack1, sizeof(stack1));
	CHECK(rc == 0, "starting vCPU 1 gave %ld", rc);
	trap_hook = repair;

	/* Round 1: the code descriptor goes away under the running CS. */
	step = 1;
	CHECK(spin_on(0x10, FLAT_KERNEL_SS, 0, &kept) != 0,
	      "no fault on CS 0x13 after it was written not present (step %u)", step);
	asm volatile("mov %%cs, %0" : "=r"(cs));
	CHECK(faults == 1 && fault_vector == 11 && fault_error == 0x10 && (fault_cs & ~3ULL) == 0x10,
	      "round 1: %lu faults, vector %lu error %#lx cs %#lx (want one #NP(0x10) on 0x13)",
	      (unsigned long)faults, (unsigned long)fault_vector, (unsigned long)fault_error,
	      (unsigned long)fault_cs);
	CHECK(kept, "round 1: rbx, rbp or r12-r15 changed across the fault");
	CHECK(cs == FLAT_KERNEL_CS, "round 1: cs %#lx after the handler", (unsigned long)cs);
	while (step != 2)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	/* The iret hypercall onto the not-present 0x10: #NP(0x10), as iretq. */
	iret_to(0x10);
	CHECK(faults == 2 && fault_vector == 11 && fault_error == 0x10,
	      "iret onto the not-present 0x10: %lu faults, vector %lu error %#lx (want #NP(0x10))",
	      (unsigned long)faults, (unsigned long)fault_vector, (unsigned long)fault_error);
	/* ... and onto a not-present SS 0x20: #SS(0x20). */
	hypercall2(__HYPERVISOR_update_descriptor, (gdt_mfn << 12) + 4 * 8, 0x00cf73000000ffffULL);
	iret_hypercall(FLAT_KERNEL_CS & ~3, 0x20);
	CHECK(faults == 3 && (fault_vector == 12 || fault_vector == 11) && fault_error == 0x20,
	      "iret onto the not-present SS 0x20: %lu faults, vector %lu error %#lx "
	      "(want #SS(0x20), or #NP(0x20) under TCG)",
	      (unsigned long)faults, (unsigned long)fault_vector, (unsigned long)fault_error);

	/* Round 2: the stack descriptor becomes code under the running SS. */
	step = 3;
	CHECK(spin_on(FLAT_KERNEL_CS & ~3, 0x18, 3, &kept) != 0,
	      "no fault on SS 0x1b after it was written as code (step %u)", step);
	CHECK(faults == 4 && fault_vector == 13 && fault_error == 0x18 && (fault_ss & ~3ULL) == 0x18,
	      "round 2: %lu faults, vector %lu error %#lx ss %#lx (want #GP(0x18) on ss 0x1b)",
	      (unsigned long)faults, (unsigned long)fault_vector, (unsigned long)fault_error,
	      (unsigned long)fault_ss);
	CHECK(kept, "round 2: rbx, rbp or r12-r15 changed across the fault");
	while (step != 4)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);

	/* Round 3: the iret hypercall against vCPU 1 flipping 0x10. */
	vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	gdt_write_present();
	racing = true;
	step = 5;
	for (unsigned int i = 0; i < RACE_ROUNDS; i++) {
		iret_to(0x10);
		iret_to(FLAT_KERNEL_CS & ~3);
	}
	race_stop = true;
	racing = false;
	asm volatile("mov %%cs, %0" : "=r"(cs));
	CHECK(cs == FLAT_KERNEL_CS, "round 3: cs %#lx at the end", (unsigned long)cs);
	printf("attack-iret-fault: %u irets onto 0x13 against a flipping 0x10: %lu #NP(0x10), "
	       "%lu other faults\n", RACE_ROUNDS, (unsigned long)race_np, (unsigned long)race_other);
	CHECK(!race_other, "round 3: %lu faults other than #NP(0x10)", (unsigned long)race_other);
	CHECK(!bad_vector_seen, "another trap: vector %u", bad_vector_seen - 1);
	printf("attack-iret-fault: #NP(0x10) and #GP(0x18) from the hypervisor's iretq reach the guest\n");
	return TEST_PASS;
}
