// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI-X entries for dom0's devices (docs/abi-core.md §2.14). irq.c gives a
 * PIRQ mapped as MSI-X one of its spare vectors; this file finds the
 * device's MSI-X capability in PCI configuration space (mechanism #1,
 * ports 0xCF8/0xCFC: dom0 has one vCPU, and none of its port accesses can
 * come between the two of ours inside its hypercall), reads the table's
 * BAR and offset from the device itself rather than trusting dom0's
 * table_base, and writes the entry: the message address of this CPU's
 * local APIC (fixed delivery, physical destination), the vector as data,
 * masked until the PIRQ is bound. dom0 (Linux's pci_msi_ignore_mask under
 * Xen) never writes the table itself.
 *
 * The table page is mapped at MSIX_VA one at a time (callers of
 * msix_setup/mask/release hold irq_lock, and one CPU runs the
 * hypervisor); the read-only ranges are pci.c's, under pci_lock.
 *
 * When dom0 reports a function (pci_device_add), the frames of its MSI-X
 * table and pending-bit array become read-only to dom0's mappings, as
 * Xen puts them in its mmio_ro_ranges: an entry dom0 rewrote could aim an
 * interrupt at any vector of ours (an exception's, the timer's). Linux
 * under Xen only reads them (pci_msi_ignore_mask). Unlike Xen, writes to
 * the rest of such a page are not emulated: a device whose table shares
 * a page with registers dom0 writes would need that.
 */
#include <hv/lib.h>
#include <asm/irq.h>
#include <asm/layout.h>
#include <asm/page.h>
#include <asm/x86.h>

#define MSIX_VA			(HV_GDT_AREA + 18 * PAGE_SIZE)	/* after the IO-APIC's */
#define PCI_CAP_ID_MSIX		0x11
#define MSIX_ENTRY_BYTES	16
#define MSIX_CTRL_MASKED	1U

extern pte_t *gdt_area_l1(void);

struct msix_entry {
	uint64_t maddr;		/* the entry's machine address, 0: free */
};
static struct msix_entry entries[MSIX_MAX];
#define MSIX_RO_MAX		64
static struct { mfn_t first, last; } ro[MSIX_RO_MAX];	/* frames dom0 may only read */
static unsigned int nr_ro;
static paddr_t mapped_page = ~0ULL;

static uint32_t pci_read32(uint8_t bus, uint8_t devfn, unsigned int reg)
{
	outl(0xCF8, 0x80000000U | (bus << 16) | (devfn << 8) | (reg & 0xFC));
	return inl(0xCFC);
}

/* The entry's 16 bytes, mapped uncached (the page stays mapped). */
static volatile uint32_t *entry_va(uint64_t maddr)
{
	paddr_t page = maddr & ~(paddr_t)(PAGE_SIZE - 1);

	if (page != mapped_page) {
		gdt_area_l1()[18] = page | _PAGE_PRESENT | _PAGE_RW | _PAGE_PCD | _PAGE_PWT |
				    _PAGE_NX;
		invlpg(MSIX_VA);
		mapped_page = page;
	}
	return (volatile uint32_t *)(MSIX_VA + (maddr & (PAGE_SIZE - 1)));
}

/* The MSI-X capability's offset in configuration space, or 0. */
static unsigned int msix_cap(uint8_t bus, uint8_t devfn)
{
	unsigned int pos, n;

	if ((pci_read32(bus, devfn, 0) & 0xFFFF) == 0xFFFF ||
	    !(pci_read32(bus, devfn, 4) & (1U << 20)))		/* status: capability list */
		return 0;
	pos = pci_read32(bus, devfn, 0x34) & 0xFC;
	for (n = 0; pos >= 0x40 && n < 48; n++) {
		uint32_t hdr = pci_read32(bus, devfn, pos);

		if ((hdr & 0xFF) == PCI_CAP_ID_MSIX)
			return pos;
		pos = (hdr >> 8) & 0xFC;
	}
	return 0;
}

/* Machine address a BAR-relative word (BIR in its low 3 bits) names, or 0. */
static uint64_t bar_maddr(uint8_t bus, uint8_t devfn, uint32_t where)
{
	unsigned int bir = where & 7;
	uint32_t bar;
	uint64_t base;

	if (bir > 5)
		return 0;
	bar = pci_read32(bus, devfn, 0x10 + 4 * bir);
	if (bar & 1)
		return 0;				/* an I/O BAR cannot hold it */
	base = bar & ~0xFULL;
	if (((bar >> 1) & 3) == 2 && bir < 5)
		base |= (uint64_t)pci_read32(bus, devfn, 0x14 + 4 * bir) << 32;
	return base ? base + (where & ~7U) : 0;
}

/* Machine address of entry nr of the device's table, or 0 (no MSI-X, out of range). */
static uint64_t entry_maddr(uint8_t bus, uint8_t devfn, unsigned int nr)
{
	unsigned int cap = msix_cap(bus, devfn);
	uint64_t table;

	if (!cap || nr > ((pci_read32(bus, devfn, cap) >> 16) & 0x7FF))
		return 0;
	table = bar_maddr(bus, devfn, pci_read32(bus, devfn, cap + 4));
	return table ? table + (uint64_t)nr * MSIX_ENTRY_BYTES : 0;
}

static void protect(uint64_t maddr, uint64_t bytes)
{
	if (maddr && nr_ro < MSIX_RO_MAX) {
		ro[nr_ro].first = maddr >> PAGE_SHIFT;
		ro[nr_ro].last = (maddr + bytes - 1) >> PAGE_SHIFT;
		nr_ro++;
	}
}

void msix_protect(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	unsigned int cap = seg ? 0 : msix_cap(bus, devfn), entries_n;

	if (!cap)
		return;
	entries_n = ((pci_read32(bus, devfn, cap) >> 16) & 0x7FF) + 1;
	protect(bar_maddr(bus, devfn, pci_read32(bus, devfn, cap + 4)),
		entries_n * MSIX_ENTRY_BYTES);
	protect(bar_maddr(bus, devfn, pci_read32(bus, devfn, cap + 8)),
		DIV_ROUND_UP(entries_n, 64) * 8);
}

bool msix_frame_is_table(mfn_t mfn)
{
	unsigned int i;

	for (i = 0; i < nr_ro; i++)
		if (mfn >= ro[i].first && mfn <= ro[i].last)
			return true;
	return false;
}

int msix_setup(uint16_t seg, uint8_t bus, uint8_t devfn, unsigned int nr, unsigned int slots)
{
	volatile uint32_t *e;
	uint64_t maddr;
	uint32_t a, b, c, d;
	int slot;

	if (seg)
		return trace_err(-ENODEV);		/* mechanism #1 reaches segment 0 */
	maddr = entry_maddr(bus, devfn, nr);
	if (!maddr)
		return trace_err(-EINVAL);
	for (slot = 0; slot < MSIX_MAX; slot++)
		if (entries[slot].maddr == maddr)
			return trace_err(-EBUSY);
	for (slot = 0; slot < (int)MIN(slots, MSIX_MAX) && entries[slot].maddr; slot++)
		;
	if (slot == (int)MIN(slots, MSIX_MAX))
		return trace_err(-ENOSPC);
	entries[slot].maddr = maddr;
	cpuid(1, 0, &a, &b, &c, &d);
	e = entry_va(maddr);
	e[3] = MSIX_CTRL_MASKED;
	e[0] = 0xFEE00000U | ((b >> 24) << 12);	/* this CPU's local APIC */
	e[1] = 0;
	e[2] = MSIX_VECTOR(slot);		/* fixed, edge */
	return slot;
}

void msix_mask(unsigned int slot, bool masked)
{
	if (slot < MSIX_MAX && entries[slot].maddr)
		entry_va(entries[slot].maddr)[3] = masked ? MSIX_CTRL_MASKED : 0;
}

void msix_release(unsigned int slot)
{
	if (slot >= MSIX_MAX || !entries[slot].maddr)
		return;
	msix_mask(slot, true);
	entries[slot].maddr = 0;
}
