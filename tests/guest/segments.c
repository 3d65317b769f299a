// SPDX-License-Identifier: GPL-2.0-only
/*
 * segments: emulated instructions honour segment overrides and bases, and
 * a selector beyond the GDT or LDT limit is never read as a descriptor
 * (docs/abi-core.md §2.21, §4.4; the class of Xen's XSA-298), as on Xen 4.17.
 * - outs through %fs: and %gs: reads at the segment's base plus rsi: a
 *   dword sent to the PCI address port 0xCF8 that way reads back (dom0's
 *   0xCF8 is the real latch on Lamina and Xen's per-domain copy on Xen);
 * - rep ins stores at ES:rdi, backwards under DF, and rep outs that runs
 *   into an unmapped page stops there with #PF (cr2 = base + offset) and
 *   rcx and rsi showing the transfers done;
 * - a page-table write through %fs: whose offset (without the base) is
 *   outside the faulting page is the #PF (ptwr, as Xen 4.17's emulator:
 *   Lamina emulated it at the fault's address before 4 Dec);
 * - SEGBASE_GS_USER_SEL takes the user GS base from the guest's GDT
 *   descriptor, and a selector past the GDT limit, or past the LDT limit,
 *   gives base 0 (Lamina set base 0 for every selector before); the
 *   limit is the GDT frames' (512 entries each), not set_gdt's entry
 *   count, as the CPU loads it on Xen 4.17 (Lamina used the count
 *   before 5 Dec: NetBSD's APs);
 * - a far call through an LDT selector without an LDT is #GP(selector);
 * - and a rep ins run with DF set: before the fix the hypervisor ran its
 *   C code with the guest's DF, so its guest copies ran backwards.
 * Before the fix ins/outs were not emulated at all on Lamina (#GP).
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/events.h"
#include <lamina/physdev.h>
#include <lamina/callback.h>

#define MSR_SHADOW_GS_BASE	0xC0000102
#define CONSOLE_LSR		0x3fd
#define PCI_ADDR		0xcf8

static uint32_t words[4] = { 0x11111111, 0x80001234, 0x80005678, 0x22222222 };

/* The fault address the hypervisor gives with a #PF (vcpu_info.arch.cr2). */
static uint64_t shared_cr2(void)
{
	return ((volatile struct vcpu_info *)&shared->vcpu_info[0])->arch.cr2;
}

static long set_base(unsigned int which, uint64_t base)
{
	return hypercall2(__HYPERVISOR_set_segment_base, which, base);
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static uint32_t inl_port(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %%dx, %%eax" : "=a"(v) : "d"(port) : "memory");
	return v;
}

/* outsl through an override; the base is 4 KiB below words[]. */
static int outs_overrides(void)
{
	uint64_t base = (uint64_t)words - 4096, rsi;

	CHECK(set_base(SEGBASE_FS, base) == 0, "setting the FS base failed");
	rsi = 4096 + 4;
	traps_taken = 0;
	asm volatile("fs outsl" : "+S"(rsi) : "d"(PCI_ADDR) : "memory");
	CHECK(traps_taken == 0 && rsi == 4096 + 8, "fs outsl: %u traps, rsi %#lx", traps_taken,
	      (unsigned long)rsi);
	CHECK(inl_port(PCI_ADDR) == words[1], "fs outsl sent %#x, expected %#x",
	      inl_port(PCI_ADDR), words[1]);
	CHECK(set_base(SEGBASE_GS_KERNEL, base) == 0, "setting the GS base failed");
	asm volatile("gs outsl" : "+S"(rsi) : "d"(PCI_ADDR) : "memory");
	CHECK(traps_taken == 0 && rsi == 4096 + 12, "gs outsl: %u traps", traps_taken);
	CHECK(inl_port(PCI_ADDR) == words[2], "gs outsl sent %#x, expected %#x",
	      inl_port(PCI_ADDR), words[2]);
	asm volatile("outl %%eax, %%dx" : : "a"(0), "d"(PCI_ADDR) : "memory");
	CHECK(set_base(SEGBASE_GS_KERNEL, 0) == 0, "clearing the GS base failed");
	return TEST_PASS;
}

/* rep insb from the hypervisor's console port (all ones), both directions. */
static int rep_ins(void)
{
	uint8_t buf[8] = { 0 };
	uint64_t rdi = (uint64_t)&buf[1], rcx = 5;
	unsigned int i;

	traps_taken = 0;
	asm volatile("rep insb" : "+D"(rdi), "+c"(rcx) : "d"(CONSOLE_LSR) : "memory");
	CHECK(traps_taken == 0 && rcx == 0 && rdi == (uint64_t)&buf[6],
	      "rep insb: %u traps, rcx %lu", traps_taken, (unsigned long)rcx);
	for (i = 0; i < 8; i++)
		CHECK(buf[i] == ((i >= 1 && i <= 5) ? 0xff : 0), "rep insb: byte %u is %#x", i,
		      buf[i]);
	memset(buf, 0, sizeof(buf));
	rdi = (uint64_t)&buf[6];
	rcx = 3;
	asm volatile("std; rep insb; cld" : "+D"(rdi), "+c"(rcx) : "d"(CONSOLE_LSR) : "memory");
	CHECK(rcx == 0 && rdi == (uint64_t)&buf[3], "std rep insb: rcx %lu", (unsigned long)rcx);
	for (i = 0; i < 8; i++)
		CHECK(buf[i] == ((i >= 4 && i <= 6) ? 0xff : 0), "std rep insb: byte %u is %#x", i,
		      buf[i]);
	return TEST_PASS;
}

/* rep outsb through %fs: into an unmapped page: #PF there, progress kept. */
static int rep_outs_fault(void)
{
	uint64_t p1 = scratch_page(), p2 = scratch_page(), rsi = 0, rcx = 5;

	CHECK(p2 == p1 + 4096, "scratch pages not consecutive");
	CHECK(update_va_mapping(p2, 0, UVMF_INVLPG) == 0, "unmapping a page failed");
	CHECK(set_base(SEGBASE_FS, p2 - 2) == 0, "setting the FS base failed");
	traps_taken = 0;
	EXPECT_TRAP("rep fs outsb", : "+S"(rsi), "+c"(rcx) : "d"(0x80) : "memory");
	CHECK(traps_taken == 1 && last_trap.vector == 14, "rep outsb into a hole: %u traps, "
	      "vector %lu", traps_taken, (unsigned long)last_trap.vector);
	CHECK(shared_cr2() == p2, "the #PF's cr2 is %#lx, expected %#lx",
	      (unsigned long)shared_cr2(), (unsigned long)p2);
	CHECK(rcx == 3 && rsi == 2, "after the #PF rcx %lu, rsi %lu (expected 3, 2)",
	      (unsigned long)rcx, (unsigned long)rsi);
	CHECK(update_va_mapping(p2, (va_to_mfn(p1) << 12) | PTE_DATA, UVMF_INVLPG) == 0,
	      "remapping failed");
	CHECK(set_base(SEGBASE_FS, 0) == 0, "clearing the FS base failed");
	return TEST_PASS;
}

/*
 * A write to a read-only mapped L1 through %fs: Xen 4.17's ptwr emulation
 * takes the offset for the address, here a page below the fault's, and
 * the guest gets the #PF; so does Lamina (ptwr-forms has the rows where
 * the offset stays in the page).
 */
static int ptwr_fs(void)
{
	uint64_t page = scratch_page(), l1 = scratch_page(), base = l1 - 0x1000;
	uint64_t pte = (va_to_mfn(page) << 12) | PTE_P | PTE_US | PTE_A;

	/* l1 becomes a page table: mapped read-only, pinned, then written. */
	CHECK(update_va_mapping(l1, (va_to_mfn(l1) << 12) | PTE_P | PTE_US | PTE_A,
				UVMF_INVLPG) == 0, "mapping l1 read-only failed");
	CHECK(mmuext1(MMUEXT_PIN_L1_TABLE, va_to_mfn(l1)) == 0, "pinning l1 failed");
	CHECK(set_base(SEGBASE_FS, base) == 0, "setting the FS base failed");
	traps_taken = 0;
	EXPECT_TRAP("mov %0, %%fs:(%1)", : : "r"(pte), "r"(0x1000ULL + 8 * 7) : "memory");
	CHECK(traps_taken == 1 && last_trap.vector == 14, "the ptwr write through fs: %u traps (vector "
	      "%lu)", traps_taken, (unsigned long)last_trap.vector);
	CHECK(((volatile uint64_t *)l1)[7] == 0, "the L1 entry reads %#lx",
	      (unsigned long)((volatile uint64_t *)l1)[7]);
	CHECK(set_base(SEGBASE_FS, 0) == 0, "clearing the FS base failed");
	CHECK(mmuext1(MMUEXT_UNPIN_TABLE, va_to_mfn(l1)) == 0, "unpinning l1 failed");
	return TEST_PASS;
}

/* A flat 4 GiB data descriptor, DPL 3, with this base. */
static uint64_t data_desc(uint32_t base)
{
	return 0x00cff3000000ffffULL | ((uint64_t)(base & 0xFFFFFF) << 16) |
	       ((uint64_t)(base >> 24) << 56);
}

/* SEGBASE_GS_USER_SEL: the descriptor's base, within the limits only. */
static int user_gs_selector(void)
{
	uint64_t *gdt = (uint64_t *)scratch_page(), mfn = va_to_mfn((uint64_t)gdt);
	long rc;

	gdt[5] = data_desc(0x00123000);
	gdt[15] = data_desc(0x00456000);
	CHECK(update_va_mapping((uint64_t)gdt, (mfn << 12) | PTE_P | PTE_US | PTE_A,
				UVMF_INVLPG) == 0, "mapping the GDT read-only failed");
	CHECK(hypercall2(__HYPERVISOR_set_gdt, &mfn, 16) == 0, "set_gdt failed");
	CHECK(set_base(SEGBASE_GS_USER_SEL, 0x2b) == 0, "GS_USER_SEL 0x2b failed");
	CHECK(rdmsr(MSR_SHADOW_GS_BASE) == 0x123000, "user GS base %#lx after selector 0x2b",
	      (unsigned long)rdmsr(MSR_SHADOW_GS_BASE));
	CHECK(set_base(SEGBASE_GS_USER_SEL, 15 << 3) == 0, "GS_USER_SEL 0x7b failed");
	CHECK(rdmsr(MSR_SHADOW_GS_BASE) == 0x456000, "user GS base %#lx after selector 0x7b",
	      (unsigned long)rdmsr(MSR_SHADOW_GS_BASE));
	/* Entry 16 lies past the 16-entry GDT limit, though the page holds it. */
	CHECK(gdt[16] == 0, "GDT entry 16 is not empty");
	rc = set_base(SEGBASE_GS_USER_SEL, (16 << 3) | 3);
	CHECK(rc == 0 && rdmsr(MSR_SHADOW_GS_BASE) == 0, "selector past the GDT limit: rc %ld, "
	      "base %#lx", rc, (unsigned long)rdmsr(MSR_SHADOW_GS_BASE));
	CHECK(set_base(SEGBASE_GS_USER_SEL, 0x2b) == 0 && rdmsr(MSR_SHADOW_GS_BASE) == 0x123000,
	      "selector 0x2b again");
	/*
	 * Entry 17, past set_gdt's 16 entries but in its frame, is loaded as
	 * the CPU loads it: Xen 4.17's GDTR spans the whole frame (NetBSD's
	 * APs start with gdt_ents 1 and %ds entry 2). Lamina took the entry
	 * count for the limit and loaded NULL (base 0) before 5 Dec.
	 */
	CHECK(hypercall2(__HYPERVISOR_update_descriptor, (mfn << 12) + 17 * 8,
			 data_desc(0x00789000)) == 0, "update_descriptor of entry 17 failed");
	rc = set_base(SEGBASE_GS_USER_SEL, (17 << 3) | 3);
	CHECK(rc == 0 && rdmsr(MSR_SHADOW_GS_BASE) == 0x789000, "selector 0x8b, in the GDT's "
	      "frame past its 16 entries: rc %ld, base %#lx (want 0x789000, as Xen 4.17)", rc,
	      (unsigned long)rdmsr(MSR_SHADOW_GS_BASE));
	/* No LDT: every LDT selector is past its limit. */
	rc = set_base(SEGBASE_GS_USER_SEL, (1 << 3) | 4 | 3);
	CHECK(rc == 0 && rdmsr(MSR_SHADOW_GS_BASE) == 0, "LDT selector without an LDT: rc %ld, "
	      "base %#lx", rc, (unsigned long)rdmsr(MSR_SHADOW_GS_BASE));
	CHECK(set_base(SEGBASE_GS_USER_SEL, 0) == 0, "GS_USER_SEL 0 failed");
	return TEST_PASS;
}

/*
 * A far call through LDT selector 0x1007 with no LDT (the selector XTF's
 * xsa-298 uses): the selector lies past the LDT limit, so no descriptor is
 * read and the CPU raises #GP(0x1004), which reaches the guest as it is
 * (Xen 4.17 emulates call gates for 32-bit guests only). The m16:32
 * operand, which Intel and AMD read alike (QEMU's TCG reads a REX.W one as
 * m16:64 even on its AMD-vendor `-cpu max`, unlike AMD: XTF's xsa-298
 * then calls the NULL selector, #GP(0)).
 */
static int far_call_no_ldt(void)
{
	static struct {
		uint32_t offset;
		uint16_t sel;
	} __attribute__((packed)) target = { 0, 0x1007 };

	last_trap.vector = last_trap.error = 0;
	EXPECT_TRAP("lcalll *%0", : : "m"(target) : "memory");
	CHECK(last_trap.vector == 13 && last_trap.error == 0x1004,
	      "far call through LDT selector 0x1007 without an LDT: vector %lu error %#lx",
	      (unsigned long)last_trap.vector, (unsigned long)last_trap.error);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	struct physdev_set_iopl iopl = { 1 };

	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	CHECK(hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl) == 0,
	      "set_iopl failed");
	if (outs_overrides() || rep_ins() || rep_outs_fault() || ptwr_fs() || user_gs_selector() ||
	    far_call_no_ldt())
		return TEST_FAIL;
	return TEST_PASS;
}
