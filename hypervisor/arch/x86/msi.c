// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI and MSI-X for dom0's devices (docs/abi-core.md §2.14). irq.c gives
 * a PIRQ mapped as MSI or MSI-X one of its spare vectors (a slot); this
 * file programs the device, as Xen 4.17 does for a PV dom0: the message
 * address of this CPU's local APIC (fixed delivery, physical
 * destination), the slot's vector as data, edge. dom0 (Linux under Xen:
 * pci_msi_ignore_mask, no message writes) never writes either itself.
 *
 * MSI-X: the hypervisor finds the table through the device's own
 * capability and BAR (not dom0's table_base) and writes the entry, masked
 * until the PIRQ is bound. Plain MSI (map_pirq without a table, one
 * message: Xen answers multi-message without interrupt remapping
 * -EOPNOTSUPP): the capability's address and data registers, its
 * Multiple Message Enable cleared; the per-vector mask bit, if the
 * device has one, set until bound. As on Xen with a hardware domain, dom0
 * sets the Enable bit (and turns INTx off) itself; unmapping clears it.
 * A plain MSI without a mask bit cannot be masked at the device: irq.c
 * holds it in software instead, as Xen's "EOI" acknowledgement does.
 *
 * Configuration space is reached through mechanism #1 (pci.c: ports
 * 0xCF8/0xCFC under pci_cfg_lock). dom0's own writes there go through
 * msi_conf_write_ok() first (Xen's pci_msi_conf_write_intercept).
 *
 * The table page is mapped at MSIX_VA one at a time (callers hold
 * irq_lock); the read-only ranges are pci.c's, under pci_lock.
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
#define PCI_CAP_ID_MSI		0x05
#define PCI_CAP_ID_MSIX		0x11
#define MSIX_ENTRY_BYTES	16
#define MSIX_CTRL_MASKED	1U
#define MSI_CTRL_ENABLE		0x0001
#define MSI_CTRL_MME		0x0070	/* Multiple Message Enable */
#define MSI_CTRL_64BIT		0x0080
#define MSI_CTRL_MASKBIT	0x0100	/* per-vector masking */

extern pte_t *gdt_area_l1(void);

/* A slot's message: an MSI-X entry or a function's MSI capability. */
struct msi_slot {
	uint64_t maddr;		/* MSI-X: the entry's machine address, 0: not MSI-X */
	uint32_t msi_bdf;	/* MSI: 1 << 16 | bus << 8 | devfn, 0: not MSI */
	uint8_t pos;		/* MSI: the capability's offset */
	bool is64, maskbit;	/* MSI: 64-bit address, per-vector mask */
};
static struct msi_slot slots_[MSIX_MAX];
#define MSIX_RO_MAX		64
static struct { mfn_t first, last; } ro[MSIX_RO_MAX];	/* frames dom0 may only read */
static unsigned int nr_ro;
static paddr_t mapped_page = ~0ULL;

static uint32_t cf8(uint8_t bus, uint8_t devfn, unsigned int reg)
{
	return 0x80000000U | (bus << 16) | (devfn << 8) | (reg & 0xFC);
}

static uint32_t pci_read32(uint8_t bus, uint8_t devfn, unsigned int reg)
{
	return pci_conf_read(cf8(bus, devfn, reg), 0, 4);
}

static uint16_t pci_read16(uint8_t bus, uint8_t devfn, unsigned int reg)
{
	return pci_conf_read(cf8(bus, devfn, reg), reg & 2, 2);
}

static void pci_write(uint8_t bus, uint8_t devfn, unsigned int reg, unsigned int size,
		      uint32_t val)
{
	pci_conf_write(cf8(bus, devfn, reg), reg & 3, size, val);
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

/* The offset of the function's capability `id` in configuration space, or 0. */
static unsigned int find_cap(uint8_t bus, uint8_t devfn, uint8_t id)
{
	unsigned int pos, n;

	if ((pci_read32(bus, devfn, 0) & 0xFFFF) == 0xFFFF ||
	    !(pci_read32(bus, devfn, 4) & (1U << 20)))		/* status: capability list */
		return 0;
	pos = pci_read32(bus, devfn, 0x34) & 0xFC;
	for (n = 0; pos >= 0x40 && n < 48; n++) {
		uint32_t hdr = pci_read32(bus, devfn, pos);

		if ((hdr & 0xFF) == id)
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
	unsigned int cap = find_cap(bus, devfn, PCI_CAP_ID_MSIX);
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
	unsigned int cap = seg ? 0 : find_cap(bus, devfn, PCI_CAP_ID_MSIX), entries_n;

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

static bool slot_free(const struct msi_slot *s)
{
	return !s->maddr && !s->msi_bdf;
}

/* A free slot below `slots`, or -ENOSPC. */
static int slot_alloc(unsigned int slots)
{
	int slot;

	for (slot = 0; slot < (int)MIN(slots, MSIX_MAX); slot++)
		if (slot_free(&slots_[slot]))
			return slot;
	return trace_err(-ENOSPC);
}

/* The message address: this CPU's local APIC, fixed delivery, physical. */
static uint32_t msg_address(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return 0xFEE00000U | ((b >> 24) << 12);
}

int msix_setup(uint16_t seg, uint8_t bus, uint8_t devfn, unsigned int nr, unsigned int slots)
{
	volatile uint32_t *e;
	uint64_t maddr;
	int slot;

	if (seg)
		return trace_err(-ENODEV);		/* mechanism #1 reaches segment 0 */
	maddr = entry_maddr(bus, devfn, nr);
	if (!maddr)
		return trace_err(-EINVAL);
	for (slot = 0; slot < MSIX_MAX; slot++)
		if (slots_[slot].maddr == maddr)
			return trace_err(-EBUSY);
	slot = slot_alloc(slots);
	if (slot < 0)
		return slot;
	slots_[slot].maddr = maddr;
	e = entry_va(maddr);
	e[3] = MSIX_CTRL_MASKED;
	e[0] = msg_address();
	e[1] = 0;
	e[2] = MSIX_VECTOR(slot);		/* fixed, edge */
	return slot;
}

/* The MSI capability's mask register (only with MSI_CTRL_MASKBIT). */
static unsigned int msi_mask_reg(const struct msi_slot *s)
{
	return s->pos + (s->is64 ? 0x10 : 0x0C);
}

int msi_setup(uint16_t seg, uint8_t bus, uint8_t devfn, unsigned int slots, bool *maskable)
{
	uint32_t bdf = 0x10000U | (bus << 8) | devfn;
	struct msi_slot *s;
	unsigned int pos;
	uint16_t ctrl;
	int slot;

	if (seg)
		return trace_err(-ENODEV);
	pos = find_cap(bus, devfn, PCI_CAP_ID_MSI);
	if (!pos)
		return trace_err(-ENODEV);		/* Xen's msi_capability_init */
	for (slot = 0; slot < MSIX_MAX; slot++)
		if (slots_[slot].msi_bdf == bdf)
			return trace_err(-EBUSY);
	slot = slot_alloc(slots);
	if (slot < 0)
		return slot;
	s = &slots_[slot];
	ctrl = pci_read16(bus, devfn, pos + 2);
	*s = (struct msi_slot){ .msi_bdf = bdf, .pos = pos, .is64 = ctrl & MSI_CTRL_64BIT,
				.maskbit = ctrl & MSI_CTRL_MASKBIT };
	/* As Xen: disabled while set up, all vectors masked, one message. */
	pci_write(bus, devfn, pos + 2, 2, ctrl & ~MSI_CTRL_ENABLE);
	if (s->maskbit)
		pci_write(bus, devfn, msi_mask_reg(s), 4, ~0U);
	pci_write(bus, devfn, pos + 4, 4, msg_address());
	if (s->is64)
		pci_write(bus, devfn, pos + 8, 4, 0);
	pci_write(bus, devfn, pos + (s->is64 ? 0x0C : 0x08), 2, MSIX_VECTOR(slot));
	pci_write(bus, devfn, pos + 2, 2, ctrl & ~MSI_CTRL_MME);	/* dom0's Enable kept */
	*maskable = s->maskbit;
	return slot;
}

void msix_mask(unsigned int slot, bool masked)
{
	struct msi_slot *s = slot < MSIX_MAX ? &slots_[slot] : NULL;

	if (s && s->maddr)
		entry_va(s->maddr)[3] = masked ? MSIX_CTRL_MASKED : 0;
	if (s && s->msi_bdf && s->maskbit)
		pci_write(s->msi_bdf >> 8, s->msi_bdf & 0xFF, msi_mask_reg(s), 4,
			  masked ? ~0U : ~1U);
}

void msix_release(unsigned int slot)
{
	struct msi_slot *s = slot < MSIX_MAX ? &slots_[slot] : NULL;
	uint8_t bus, devfn;

	if (!s || slot_free(s))
		return;
	msix_mask(slot, true);
	if (s->msi_bdf) {
		/* Xen's __pci_disable_msi: the Enable bit goes. */
		bus = s->msi_bdf >> 8;
		devfn = s->msi_bdf & 0xFF;
		pci_write(bus, devfn, s->pos + 2, 2,
			  pci_read16(bus, devfn, s->pos + 2) & ~MSI_CTRL_ENABLE);
	}
	*s = (struct msi_slot){ 0 };
}

/*
 * dom0 writes size bytes at reg of a function it reported (caller holds
 * irq_lock): false drops the write, and *data may gain bits, as Xen
 * 4.17's pci_msi_conf_write_intercept answers. In the MSI-X capability
 * only a 16-bit write of Message Control passes (the hypervisor masks
 * entries one by one, never the whole function). In the MSI capability
 * of a function whose MSI the hypervisor programmed: Message Control as
 * a 16-bit write, the mask register as a 32-bit write with the bits the
 * hypervisor holds masked kept set; address and data never. (Xen leaves
 * the capability of a function without per-vector masking open; Lamina
 * guards it too: README.)
 */
bool msi_conf_write_ok(uint8_t bus, uint8_t devfn, unsigned int reg, unsigned int size,
		       uint32_t *data)
{
	uint32_t bdf = 0x10000U | (bus << 8) | devfn;
	const struct msi_slot *s = NULL;
	unsigned int pos, slot, end;

	if (reg < 0x40 || reg >= 0x100)
		return true;
	pos = find_cap(bus, devfn, PCI_CAP_ID_MSIX);
	if (pos && reg >= pos && reg < pos + 12)
		return reg == pos + 2 && size == 2;
	for (slot = 0; slot < MSIX_MAX; slot++)
		if (slots_[slot].msi_bdf == bdf)
			s = &slots_[slot];
	if (!s)
		return true;
	end = s->maskbit ? msi_mask_reg(s) + 8 : s->pos + (s->is64 ? 0x0Eu : 0x0Au);
	if (reg < s->pos || reg >= end)
		return true;
	if (reg == s->pos + 2u)
		return size == 2;
	if (!s->maskbit || reg != msi_mask_reg(s) || size != 4)
		return false;
	*data |= ~1U;		/* vector 0 is the only one; its bit as the hypervisor keeps it */
	if (pci_conf_read(cf8(bus, devfn, reg), 0, 4) & 1)
		*data |= 1;
	return true;
}
