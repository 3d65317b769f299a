/* SPDX-License-Identifier: GPL-2.0-only */
/* AP start-up, shared by smp.c and trampoline.S. Usable from assembly. */
#ifndef ASM_SMP_BOOT_H
#define ASM_SMP_BOOT_H

/*
 * The real-mode page the APs start in: low RAM the frame allocator never
 * hands out (mm.c reserves the first MiB) and nothing of the boot loader's
 * is read from once smp_boot_aps runs (multiboot.c copies its strings,
 * acpi.c keeps the root table's address, not the RSDP's).
 */
#define TRAMPOLINE_PA		0x7000

#endif
