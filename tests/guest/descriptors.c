// SPDX-License-Identifier: GPL-2.0-only
/*
 * descriptors: set_gdt and update_descriptor (docs/abi-core.md §2.15). A
 * Linux-shaped GDT is accepted with every DPL raised to 3 (so no guest
 * descriptor grants rings 0-2) and is usable: data selectors load, iret
 * returns on the guest's own code selector. A call gate to the guest's
 * own code is kept with DPL 0: a far call through it is #GP naming it.
 * Refused: a call gate into the hypervisor, a TSS descriptor, a GDT frame that is mapped writable, too
 * many entries, a descriptor write to a page table, unaligned or not ours;
 * an iret to a data segment as code is a #GP for the guest. An iret onto
 * an entry past set_gdt's count but inside its frame works, as the CPU's
 * own load on Xen 4.17. A second GDT
 * frame's selectors work while it is set and fault once the GDT shrinks.
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"

static const uint64_t linux_gdt[16] = {
	[1] = 0x00cf9b000000ffffULL,	/* __KERNEL32_CS */
	[2] = 0x00af9b000000ffffULL,	/* __KERNEL_CS (DPL 0) */
	[3] = 0x00cf93000000ffffULL,	/* __KERNEL_DS (DPL 0) */
	[4] = 0x00cffb000000ffffULL,	/* __USER32_CS */
	[5] = 0x00cff3000000ffffULL,	/* __USER_DS */
	[6] = 0x00affb000000ffffULL,	/* __USER_CS */
};

static bool lamina;

#define CHECK_ERR(rc, code, what)					\
	CHECK(lamina ? (rc) == (code) : (rc) < 0, what " gave %ld, expected %d", (long)(rc), code)

static long set_gdt(uint64_t mfn, unsigned long entries)
{
	return hypercall2(__HYPERVISOR_set_gdt, &mfn, entries);
}

static long ro(uint64_t va)
{
	return update_va_mapping(va, (va_to_mfn(va) << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG);
}

/* iret to kernel mode on the guest's own selectors; returns the new CS. */
static uint16_t iret_on(uint16_t cs, uint16_t ss)
{
	uint64_t flags;
	uint16_t now;

	asm volatile("pushfq; pop %0" : "=r"(flags));
	iret_next(cs, ss, flags);
	asm volatile("mov %%cs, %0" : "=r"(now));
	return now;
}

static int refusals(uint64_t good_mfn)
{
	uint64_t bad = scratch_page(), *d = (uint64_t *)bad;
	long rc;

	/* A call gate to the hypervisor's ring-0 code (16 bytes, entries 8-9). */
	d[8] = 0x1000 | (0xE008ULL << 16) | (0xECULL << 40);
	rc = set_gdt(va_to_mfn(bad), 16);
	CHECK_ERR(rc, -EINVAL, "set_gdt while the frame is mapped writable");
	CHECK(ro(bad) == 0, "read-only remap failed");
	rc = set_gdt(va_to_mfn(bad), 16);
	CHECK_ERR(rc, -EINVAL, "a call gate into the hypervisor");
	CHECK(update_va_mapping(bad, (va_to_mfn(bad) << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "writable remap failed");
	d[8] = 0x0000890000000067ULL;		/* a 64-bit TSS descriptor */
	CHECK(ro(bad) == 0, "read-only remap failed");
	rc = set_gdt(va_to_mfn(bad), 16);
	CHECK_ERR(rc, -EINVAL, "a TSS descriptor");
	rc = set_gdt(good_mfn, 7169);
	CHECK_ERR(rc, -EINVAL, "7169 entries");
	rc = hypercall2(__HYPERVISOR_update_descriptor, (good_mfn << 12) + 12 * 8 + 4,
			0x00cff3000000ffffULL);
	CHECK_ERR(rc, -EINVAL, "an unaligned descriptor address");
	rc = hypercall2(__HYPERVISOR_update_descriptor, (good_mfn << 12) + 12 * 8,
			0x1000 | (0xE008ULL << 16) | (0xECULL << 40));
	CHECK_ERR(rc, -EINVAL, "writing a call gate");
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	uint64_t g, g2, mfn, desc, two[2];
	uint16_t cs;
	unsigned int n;
	long rc;

	lamina = on_lamina();
	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	g = scratch_page();
	memcpy((void *)g, linux_gdt, sizeof(linux_gdt));
	mfn = va_to_mfn(g);
	CHECK(ro(g) == 0, "read-only remap of the GDT page failed");
	CHECK(set_gdt(mfn, 16) == 0, "set_gdt of a Linux GDT failed");
	desc = ((const uint64_t *)g)[2];
	CHECK(((desc >> 45) & 3) == 3, "__KERNEL_CS kept DPL %lu", (unsigned long)((desc >> 45) & 3));
	rc = update_va_mapping(g, (mfn << 12) | PTE_DATA, UVMF_INVLPG);
	CHECK(rc == -EBUSY, "mapping the GDT in use writable gave %ld, expected -EBUSY as Xen 4.17", rc);

	/* The guest's selectors work: data loads, iret onto its own CS. */
	asm volatile("mov %0, %%ds; mov %1, %%es" : : "r"(0x2b), "r"(0x1b));
	cs = iret_on(0x10, 0x18);
	CHECK(cs == 0x13, "after iret on __KERNEL_CS, cs is %#x", cs);
	cs = iret_on(FLAT_KERNEL_CS & ~3, FLAT_KERNEL_SS);	/* RPL 0: kernel mode */
	CHECK(cs == FLAT_KERNEL_CS, "back on the flat CS: %#x", cs);
	asm volatile("mov %0, %%ds; mov %0, %%es" : : "r"(0));

	/* A TLS entry through update_descriptor, checked like the rest. */
	CHECK(hypercall2(__HYPERVISOR_update_descriptor, (mfn << 12) + 12 * 8,
			 0x00c0930000000fffULL) == 0, "update_descriptor of a TLS entry failed");
	desc = ((const uint64_t *)g)[12];
	CHECK(((desc >> 45) & 3) == 3, "TLS entry kept DPL %lu", (unsigned long)((desc >> 45) & 3));
	rc = hypercall2(__HYPERVISOR_update_descriptor, va_to_mfn(si->pt_base) << 12,
			0x00cff3000000ffffULL);
	CHECK_ERR(rc, -EINVAL, "a descriptor written into the L4");

	/* iret with a data segment as CS: #GP for the guest. */
	n = iret_expect_fault(0x28, 0x18);
	CHECK(n == 1 && last_trap.vector == 13 && last_trap.error == 0x28,
	      "iret to a data CS: %u traps, vector %lu, error code %#lx (want #GP(0x28))",
	      n, (unsigned long)last_trap.vector, (unsigned long)last_trap.error);

	/*
	 * iret onto entries 17 and 18, past set_gdt's 16 but in its frame:
	 * Xen 4.17's iretq loads them as the CPU does, its GDTR spanning the
	 * whole frame (NetBSD's APs run with gdt_ents 1); Lamina checked the
	 * target against the entry count and gave #GP(0x88) before 5 Dec.
	 */
	CHECK(hypercall2(__HYPERVISOR_update_descriptor, (mfn << 12) + 17 * 8, linux_gdt[2]) == 0 &&
	      hypercall2(__HYPERVISOR_update_descriptor, (mfn << 12) + 18 * 8, linux_gdt[3]) == 0,
	      "update_descriptor of entries 17-18 failed");
	n = iret_expect_fault(17 << 3, 18 << 3);
	asm volatile("mov %%cs, %0" : "=r"(cs));
	CHECK(n == 0 && cs == ((17 << 3) | 3), "iret onto entry 17 past the 16 entries, in the "
	      "frame: %u traps (vector %lu, error %#lx), cs %#x (want none, cs 0x8b, as Xen 4.17)",
	      n, (unsigned long)last_trap.vector, (unsigned long)last_trap.error, cs);
	cs = iret_on(FLAT_KERNEL_CS & ~3, FLAT_KERNEL_SS);
	CHECK(cs == FLAT_KERNEL_CS, "back on the flat CS from entry 17: %#x", cs);

	/*
	 * A GDT that shrinks takes its second frame out of the CPU's GDT
	 * area: a selector there faults, it does not reach the old frame
	 * (a switch or set_gdt rewrites only the slots either GDT has).
	 */
	g2 = scratch_page();
	memset((void *)g2, 0, 4096);
	((uint64_t *)g2)[5] = 0x00cff3000000ffffULL;	/* __USER_DS as entry 517 */
	CHECK(ro(g2) == 0, "read-only remap of the second GDT page failed");
	two[0] = mfn;
	two[1] = va_to_mfn(g2);
	CHECK(hypercall2(__HYPERVISOR_set_gdt, two, 1024) == 0, "set_gdt of two frames failed");
	n = traps_taken;
	asm volatile("mov %0, %%ds; mov %1, %%ds" : : "r"(0x102b), "r"(0));
	CHECK(traps_taken == n, "the second frame's selector 0x102b faulted (%u traps)",
	      traps_taken - n);
	CHECK(set_gdt(mfn, 16) == 0, "set_gdt back to one frame failed");
	n = traps_taken;
	EXPECT_TRAP("mov %0, %%ds", : : "r"(0x102b));
	asm volatile("mov %0, %%ds" : : "r"(0));
	CHECK(traps_taken == n + 1 && (!lamina || last_trap.vector == 13),
	      "the dropped frame's selector 0x102b: %u traps, vector %lu", traps_taken - n,
	      (unsigned long)last_trap.vector);

	/*
	 * A call gate (entries 12-13: 16 bytes in long mode) to the guest's
	 * own __KERNEL_CS is kept, as Xen 4.17's check_descriptor keeps it,
	 * with DPL 0: a far call through it from the guest kernel (ring 3)
	 * is #GP naming the gate (0x60), never a transfer.
	 */
	CHECK(hypercall2(__HYPERVISOR_update_descriptor, (mfn << 12) + 13 * 8, 0) == 0,
	      "update_descriptor of the gate's upper half failed");
	rc = hypercall2(__HYPERVISOR_update_descriptor, (mfn << 12) + 12 * 8,
			0x1000 | (0x10ULL << 16) | (0xECULL << 40));
	CHECK(rc == 0, "a call gate to __KERNEL_CS gave %ld, expected 0 as Xen 4.17", rc);
	desc = ((const uint64_t *)g)[12];
	CHECK(((desc >> 45) & 3) == 0 && ((desc >> 40) & 0x9f) == 0x8c,
	      "the call gate stored as %#lx: not a present call gate of DPL 0", desc);
	{
		static const struct { uint32_t off; uint16_t sel; } __attribute__((packed))
			far = { 0x1000, (12 << 3) | 3 };

		n = traps_taken;
		EXPECT_TRAP("lcall *(%0)", : : "r"(&far) : "memory");
		CHECK(traps_taken == n + 1 && last_trap.vector == 13 && last_trap.error == 0x60,
		      "lcall through the gate: %u traps, vector %lu, error %#lx (want #GP(0x60))",
		      traps_taken - n, (unsigned long)last_trap.vector,
		      (unsigned long)last_trap.error);
	}

	if (refusals(mfn))
		return TEST_FAIL;
	printf("descriptors: a Linux GDT works with DPL 3; gates, TSS and bad writes refused\n");
	return TEST_PASS;
}
