// SPDX-License-Identifier: GPL-2.0-only
/*
 * ACPI tables: the RSDP (from multiboot2, else the BIOS area search), the
 * root table it names (XSDT when the RSDP is revision 2 or later and
 * gives one, else RSDT), and tables by signature. Read through the direct
 * map, which covers RAM and the ACPI regions of the memory map.
 *
 * The root table's address is kept at acpi_init: a multiboot2 RSDP copy
 * lives in the boot loader's information block, which later boot work
 * (the AP trampoline in low memory) may overwrite.
 *
 * MADT (ACPI 6.x §5.2.12): after the 44-byte header (the standard 36,
 * the local APIC address, flags) come entries of (type, length): type 0
 * "processor local APIC" (ACPI uid, APIC id, flags), type 9 "processor
 * local x2APIC" (reserved, x2APIC id, flags, uid). Flag bit 0 is
 * "enabled"; bit 1 "online capable" marks a CPU firmware may add later,
 * which we do not start.
 */
#include <hv/lib.h>
#include <hv/hypervisor.h>
#include <asm/acpi.h>
#include <asm/page.h>

static paddr_t root_pa;
static bool root_is_xsdt;
static uint16_t pm_timer_port;

/*
 * FADT (ACPI 6.x §5.2.9): PM_TMR_BLK, the PM timer's I/O port, at offset
 * 76; from revision 3 X_PM_TMR_BLK, a generic address (space id, bit
 * width, bit offset, access size, 64-bit address) at 208, which Xen 4.17
 * prefers when it is in I/O space with no bit offset and a 32-bit or
 * unspecified access size.
 */
#define FADT_PM_TMR_BLK		76
#define FADT_X_PM_TMR_BLK	208
#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_DWORD	3

static void find_pm_timer(void)
{
	const struct acpi_header *fadt = acpi_find_table("FACP");
	const uint8_t *f = (const uint8_t *)fadt;
	uint64_t x = 0;
	uint32_t port = 0;

	if (!fadt || fadt->length < FADT_PM_TMR_BLK + 4 ||
	    !acpi_mapped(virt_to_maddr(fadt), fadt->length))
		return;
	if (fadt->revision >= 3 && fadt->length >= FADT_X_PM_TMR_BLK + 12 &&
	    f[FADT_X_PM_TMR_BLK] == GAS_SYSTEM_IO && !f[FADT_X_PM_TMR_BLK + 2] &&
	    (!f[FADT_X_PM_TMR_BLK + 3] || f[FADT_X_PM_TMR_BLK + 3] == GAS_ACCESS_DWORD))
		memcpy(&x, f + FADT_X_PM_TMR_BLK + 4, 8);
	if (!x)
		memcpy(&port, f + FADT_PM_TMR_BLK, 4);
	else
		port = (uint32_t)x;
	pm_timer_port = (uint16_t)port;
}

uint16_t acpi_pm_timer_port(void)
{
	return pm_timer_port;
}

bool acpi_mapped(paddr_t pa, uint64_t len)
{
	return pa && pa + len >= pa &&
	       pa + len <= (max_ram_mfn << PAGE_SHIFT) + (64ULL << 20);
}

static const uint8_t *find_rsdp(void)
{
	paddr_t pa;

	if (boot_info.acpi_rsdp)
		return maddr_to_virt(boot_info.acpi_rsdp);
	for (pa = 0xE0000; pa < 0x100000; pa += 16) {
		const char *p = maddr_to_virt(pa);

		if (!memcmp(p, "RSD PTR ", 8))
			return (const uint8_t *)p;
	}
	return NULL;
}

void acpi_init(void)
{
	const uint8_t *rsdp = find_rsdp();
	uint32_t rsdt = 0;
	uint64_t xsdt = 0;

	if (!rsdp) {
		pr_info("acpi: no RSDP\n");
		return;
	}
	memcpy(&rsdt, rsdp + 16, 4);
	if (rsdp[15] >= 2)
		memcpy(&xsdt, rsdp + 24, 8);
	if (acpi_mapped(xsdt, sizeof(struct acpi_header))) {
		root_pa = xsdt;
		root_is_xsdt = true;
	} else if (acpi_mapped(rsdt, sizeof(struct acpi_header))) {
		root_pa = rsdt;
	}
	find_pm_timer();
}

const struct acpi_header *acpi_find_table(const char *sig)
{
	const struct acpi_header *root;
	unsigned int i, n, w = root_is_xsdt ? 8 : 4;

	if (!root_pa)
		return NULL;
	root = maddr_to_virt(root_pa);
	if (root->length < sizeof(*root) || !acpi_mapped(root_pa, root->length))
		return NULL;
	n = (root->length - sizeof(*root)) / w;
	for (i = 0; i < n; i++) {
		uint64_t pa = 0;
		const struct acpi_header *t;

		memcpy(&pa, (const uint8_t *)(root + 1) + i * w, w);
		if (!acpi_mapped(pa, sizeof(*t)))
			continue;
		t = maddr_to_virt(pa);
		if (!memcmp(t->sig, sig, 4))
			return t;
	}
	return NULL;
}

#define MADT_ENTRIES		44	/* header, local APIC address, flags */
#define MADT_LAPIC		0
#define MADT_X2APIC		9
#define MADT_ENABLED		1

uint32_t acpi_madt_uid(uint32_t apic_id)
{
	const struct acpi_header *madt = acpi_find_table("APIC");
	const uint8_t *p, *end;
	uint32_t id, uid;

	if (!madt || madt->length < MADT_ENTRIES ||
	    !acpi_mapped(virt_to_maddr(madt), madt->length))
		return ~0U;
	p = (const uint8_t *)madt + MADT_ENTRIES;
	end = (const uint8_t *)madt + madt->length;
	for (; p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1]) {
		if (p[0] == MADT_LAPIC && p[1] >= 8) {
			id = p[3];
			uid = p[2];
		} else if (p[0] == MADT_X2APIC && p[1] >= 16) {
			memcpy(&id, p + 4, 4);
			memcpy(&uid, p + 12, 4);
		} else {
			continue;
		}
		if (id == apic_id)
			return uid;
	}
	return ~0U;
}

unsigned int acpi_madt_lapic_ids(uint32_t *ids, unsigned int max)
{
	const struct acpi_header *madt = acpi_find_table("APIC");
	const uint8_t *p, *end;
	unsigned int n = 0;

	if (!madt || madt->length < MADT_ENTRIES ||
	    !acpi_mapped(virt_to_maddr(madt), madt->length))
		return 0;
	p = (const uint8_t *)madt + MADT_ENTRIES;
	end = (const uint8_t *)madt + madt->length;
	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		uint32_t id, flags;

		if (p[0] == MADT_LAPIC && p[1] >= 8) {
			id = p[3];
			memcpy(&flags, p + 4, 4);
		} else if (p[0] == MADT_X2APIC && p[1] >= 16) {
			memcpy(&id, p + 4, 4);
			memcpy(&flags, p + 8, 4);
		} else {
			p += p[1];
			continue;
		}
		if (flags & MADT_ENABLED) {
			if (n < max)
				ids[n] = id;
			n++;
		}
		p += p[1];
	}
	return n;
}
