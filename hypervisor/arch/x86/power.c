// SPDX-License-Identifier: GPL-2.0-only
/*
 * Powering off, rebooting and halting the machine.
 *
 * Power-off is ACPI S5: PM1a_CNT (and PM1b_CNT) from the FADT, the S5
 * sleep type from the \_S5 package in the DSDT, SLP_EN set. The DSDT is
 * AML; rather than interpret it we find the "_S5_" name and read the
 * package that follows, which is how every firmware we target encodes it.
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypervisor.h>
#include <asm/page.h>
#include <asm/x86.h>

struct acpi_header {
	char sig[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_rev, creator, creator_rev;
} __packed;

static bool mapped(paddr_t pa, uint64_t len)
{
	return pa + len >= pa && pa + len <= (max_ram_mfn << PAGE_SHIFT) + (64ULL << 20);
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

static const struct acpi_header *find_table(const char *sig)
{
	const uint8_t *rsdp = find_rsdp();
	const struct acpi_header *root;
	uint32_t rsdt;
	unsigned int i, n;

	if (!rsdp)
		return NULL;
	memcpy(&rsdt, rsdp + 16, 4);
	if (!mapped(rsdt, sizeof(*root)))
		return NULL;
	root = maddr_to_virt(rsdt);
	n = (root->length - sizeof(*root)) / 4;
	for (i = 0; i < n; i++) {
		uint32_t pa;
		const struct acpi_header *t;

		memcpy(&pa, (const uint8_t *)(root + 1) + i * 4, 4);
		if (!mapped(pa, sizeof(*t)))
			continue;
		t = maddr_to_virt(pa);
		if (!memcmp(t->sig, sig, 4))
			return t;
	}
	return NULL;
}

/* Reads an AML integer (ByteConst, Zero, One) at p; -1 if it is not one. */
static int aml_small_int(const uint8_t *p, unsigned int *len)
{
	if (*p == 0x0A) {
		*len = 2;
		return p[1];
	}
	if (*p == 0x00 || *p == 0x01) {
		*len = 1;
		return *p;
	}
	return -1;
}

static int s5_sleep_type(const struct acpi_header *dsdt, unsigned int *a, unsigned int *b)
{
	const uint8_t *p = (const uint8_t *)dsdt, *end = p + dsdt->length;
	unsigned int len;
	int v;

	for (; p + 12 < end; p++) {
		if (memcmp(p, "_S5_", 4) || p[4] != 0x12)	/* PackageOp */
			continue;
		p += 5;
		p += ((*p >> 6) & 3) + 1;		/* PkgLength */
		p++;					/* NumElements */
		v = aml_small_int(p, &len);
		if (v < 0)
			return -1;
		*a = v;
		v = aml_small_int(p + len, &len);
		*b = v < 0 ? 0 : v;
		return 0;
	}
	return -1;
}

static void acpi_power_off(void)
{
	const struct acpi_header *fadt = find_table("FACP");
	const uint8_t *f = (const uint8_t *)fadt;
	uint32_t pm1a, pm1b, dsdt;
	unsigned int typ_a = 0, typ_b = 0;

	if (!fadt)
		return;
	memcpy(&dsdt, f + 40, 4);
	memcpy(&pm1a, f + 64, 4);
	memcpy(&pm1b, f + 68, 4);
	if (!pm1a || !mapped(dsdt, sizeof(struct acpi_header)) ||
	    s5_sleep_type(maddr_to_virt(dsdt), &typ_a, &typ_b))
		return;
	outw(pm1a, (typ_a << 10) | (1 << 13));
	if (pm1b)
		outw(pm1b, (typ_b << 10) | (1 << 13));
}

void machine_test_exit(unsigned int code)
{
	if (hv_opts.testexit_port)
		outl(hv_opts.testexit_port, code);
}

void machine_halt(void)
{
	pr_info("machine halted\n");
	halt_forever();
}

void machine_power_off(void)
{
	acpi_power_off();
	/* The chipsets QEMU emulates, in case the tables were not usable. */
	outw(0x604, 1 << 13);
	outw(0xB004, 1 << 13);
	pr_err("power-off failed; halting\n");
	halt_forever();
}

void machine_reboot(void)
{
	unsigned int i;

	outb(0xCF9, 0x02);
	outb(0xCF9, 0x06);			/* reset control register: hard reset */
	for (i = 0; i < 100000 && (inb(0x64) & 2); i++)
		;
	outb(0x64, 0xFE);			/* keyboard controller reset line */
	/* Last resort: a triple fault through an empty IDT. */
	{
		struct { uint16_t limit; uint64_t base; } __packed none = { 0, 0 };

		asm volatile("lidt %0; int3" : : "m"(none));
	}
	halt_forever();
}
