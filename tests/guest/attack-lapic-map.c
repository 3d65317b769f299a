// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-lapic-map: even dom0 may not map the MMIO frames the hypervisor
 * itself drives (issue 16, A13). Through mmu_update with foreigndom
 * DOMID_IO, dom0 maps a frame of the first MiB (the VGA text buffer at
 * 0xb8: allowed, as on Xen) and then the local APIC's page (0xfee00,
 * QEMU's default base): refused with -EPERM, as Xen 4.17 refuses it
 * (the LAPIC is outside dom0's iomem permissions). A dom0 holding that
 * mapping could reprogram the hypervisor's timer or send IPIs. The
 * IO-APIC's page (0xfec00) dom0 may read: a writable mapping of it is
 * made, read-only, as Xen 4.17 makes it ("forcing read-only access").
 * The rest of the MSI address range (0xfee01-0xfeeff, where a write is
 * an interrupt message on some chipsets) is refused too: Xen 4.17 takes
 * the whole range from dom0's iomem permissions. On an AMD CPU before
 * family 0x17 (QEMU's TCG `-cpu max`) the HyperTransport window's first
 * frame (0xfd00000) is refused too, as Xen 4.17 keeps the window from
 * dom0 (fixed 6 Dec, session 35: Lamina mapped it).
 *
 * Before the fix Lamina let dom0 map it; before 5 Dec, the MSI range
 * beyond the local APIC's page too.
 */
#include "lib/guest.h"
#include "lib/mm.h"

#define LAPIC_MFN	0xfee00ULL
#define MSI_LAST_MFN	0xfeeffULL
#define IOAPIC_MFN	0xfec00ULL
#define VGA_MFN		0xb8ULL
#define IO_PTE		(PTE_P | PTE_RW | PTE_A | PTE_D | 0x18ULL)	/* PWT PCD */

static uint32_t asm_family(void)
{
	uint32_t a = 1, b, c = 0, d, f;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	f = (a >> 8) & 0xf;
	return f == 0xf ? f + ((a >> 20) & 0xff) : f;
}

#define HT_FIRST_MFN	0xfd00000ULL	/* 2^40 - 12 GiB, family below 0x17 */

static bool amd_cpu(void)
{
	uint32_t a = 0, b, c, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	return b == 0x68747541 && (asm_family() < 0x17);	/* "Auth" */
}

static long map_io(uint64_t va, uint64_t mfn)
{
	struct mmu_update u = { l1e_maddr(va), (mfn << 12) | IO_PTE };

	return hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, DOMID_IO, 0);
}

int test_main(struct start_info *si)
{
	uint64_t va;
	long rc;

	mm_init(si);
	va = scratch_page();
	CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping a scratch page failed");
	rc = map_io(va, VGA_MFN);
	CHECK(rc == 0, "mapping the VGA frame through DOMID_IO gave %ld", rc);
	CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping the VGA frame failed");
	rc = map_io(va, LAPIC_MFN);
	if (rc == 0)
		update_va_mapping(va, 0, UVMF_INVLPG);
	CHECK(rc == -EPERM, "mapping the local APIC's frame gave %ld", rc);
	rc = map_io(va, LAPIC_MFN + 1);
	if (rc == 0)
		update_va_mapping(va, 0, UVMF_INVLPG);
	CHECK(rc == -EPERM, "mapping the MSI range's frame %#llx gave %ld", LAPIC_MFN + 1, rc);
	rc = map_io(va, MSI_LAST_MFN);
	if (rc == 0)
		update_va_mapping(va, 0, UVMF_INVLPG);
	CHECK(rc == -EPERM, "mapping the MSI range's last frame gave %ld", rc);
	rc = map_io(va, MSI_LAST_MFN + 1);
	CHECK(rc == 0, "mapping the frame after the MSI range gave %ld", rc);
	CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping that frame failed");
	rc = map_io(va, IOAPIC_MFN);
	CHECK(rc == 0, "mapping the IO-APIC's frame gave %ld", rc);
	CHECK((l1e_of(va) >> 12 & 0xffffffffffULL) == IOAPIC_MFN && !(l1e_of(va) & PTE_RW),
	      "the IO-APIC is mapped with PTE %#llx, not read-only", (unsigned long long)l1e_of(va));
	CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping the IO-APIC failed");
	if (amd_cpu()) {	/* QEMU's TCG `-cpu max`: AMD's HyperTransport window is not dom0's */
		rc = map_io(va, HT_FIRST_MFN);
		if (rc == 0)
			update_va_mapping(va, 0, UVMF_INVLPG);
		CHECK(rc == -EPERM, "mapping HyperTransport's first frame gave %ld", rc);
	}
	return TEST_PASS;
}
