/* SPDX-License-Identifier: GPL-2.0-only */
/* The ACPI tables the hypervisor reads (arch/x86/acpi.c). */
#ifndef ASM_ACPI_H
#define ASM_ACPI_H

#include <hv/types.h>

struct acpi_header {
	char sig[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_rev, creator, creator_rev;
} __packed;

/* Finds the root table (XSDT, else RSDT) once; after mm_init. */
void acpi_init(void);
/* The table with this signature, or NULL. */
const struct acpi_header *acpi_find_table(const char *sig);
/* Whether [pa, pa + len) lies where the direct map reaches. */
bool acpi_mapped(paddr_t pa, uint64_t len);
/*
 * The enabled local APIC ids of the MADT, in table order (the boot CPU's
 * is not necessarily first); at most max written, the count found
 * returned (0 without a MADT).
 */
unsigned int acpi_madt_lapic_ids(uint32_t *ids, unsigned int max);
/* The FADT's ACPI PM timer port (4 ports from it), 0: none. */
uint16_t acpi_pm_timer_port(void);
/* The ACPI processor UID of the MADT entry with this APIC id (~0U: none). */
uint32_t acpi_madt_uid(uint32_t apic_id);

#endif
