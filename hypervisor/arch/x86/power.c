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
#include <asm/acpi.h>
#include <asm/page.h>
#include <hv/smp.h>
#include <asm/x86.h>

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
	const struct acpi_header *fadt = acpi_find_table("FACP");
	const uint8_t *f = (const uint8_t *)fadt;
	uint32_t pm1a, pm1b, dsdt;
	unsigned int typ_a = 0, typ_b = 0;

	if (!fadt)
		return;
	memcpy(&dsdt, f + 40, 4);
	memcpy(&pm1a, f + 64, 4);
	memcpy(&pm1b, f + 68, 4);
	if (!pm1a || !acpi_mapped(dsdt, sizeof(struct acpi_header)) ||
	    s5_sleep_type(maddr_to_virt(dsdt), &typ_a, &typ_b))
		return;
	outw(pm1a, (typ_a << 10) | (1 << 13));
	if (pm1b)
		outw(pm1b, (typ_b << 10) | (1 << 13));
}

extern unsigned long nmi_count, nmi_guest_gs;	/* traps.c */

void machine_test_exit(unsigned int code)
{
	smp_stop_others();
	if (nmi_count)
		pr_info("nmi: %lu host NMIs, %lu of them with a guest's GS base live\n",
			nmi_count, nmi_guest_gs);
	if (hv_opts.testexit_port)
		outl(hv_opts.testexit_port, code);
}

void machine_halt(void)
{
	smp_stop_others();
	pr_info("machine halted\n");
	halt_forever();
}

void machine_power_off(void)
{
	smp_stop_others();
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

	smp_stop_others();
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
