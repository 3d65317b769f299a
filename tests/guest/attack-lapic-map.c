// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-lapic-map: even dom0 may not map the MMIO frames the hypervisor
 * itself drives (issue 16, A13). Through mmu_update with foreigndom
 * DOMID_IO, dom0 maps a frame of the first MiB (the VGA text buffer at
 * 0xb8: allowed, as on Xen) and then the local APIC's page (0xfee00,
 * QEMU's default base): refused with -EPERM, as Xen 4.17 refuses it
 * (the LAPIC is outside dom0's iomem permissions). A dom0 holding that
 * mapping could reprogram the hypervisor's timer or send IPIs.
 *
 * Before the fix Lamina let dom0 map it.
 */
#include "lib/guest.h"
#include "lib/mm.h"

#define LAPIC_MFN	0xfee00ULL
#define VGA_MFN		0xb8ULL
#define IO_PTE		(PTE_P | PTE_RW | PTE_A | PTE_D | 0x18ULL)	/* PWT PCD */

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
	return TEST_PASS;
}
