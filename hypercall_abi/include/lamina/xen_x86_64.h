/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 PV address-space layout and selectors (docs/abi-core.md §1.9,
 * §3.1, §0 item 13).
 */
#ifndef LAMINA_XEN_X86_64_H
#define LAMINA_XEN_X86_64_H

/*
 * L4 slots 256-271 belong to the hypervisor in every guest L4. The first
 * part, the read-only machine-to-phys table, is readable by guests.
 */
#define HYPERVISOR_VIRT_START	0xFFFF800000000000ULL
#define HYPERVISOR_VIRT_END	0xFFFF880000000000ULL
#define MACH2PHYS_VIRT_START	0xFFFF800000000000ULL
#define MACH2PHYS_VIRT_END	0xFFFF804000000000ULL
#define HYPERVISOR_L4_FIRST	256
#define HYPERVISOR_L4_LAST	271

/*
 * Flat selectors in the hypervisor's reserved GDT page (entries 7168+).
 * A guest boots on FLAT_KERNEL_CS/SS before it has a GDT of its own.
 */
#define FIRST_RESERVED_GDT_PAGE	14
#define FIRST_RESERVED_GDT_BYTE	(FIRST_RESERVED_GDT_PAGE * 4096)
#define FIRST_RESERVED_GDT_ENTRY (FIRST_RESERVED_GDT_BYTE / 8)

#define FLAT_RING3_CS32		0xE023	/* GDT index 7172 */
#define FLAT_RING3_CS64		0xE033	/* GDT index 7174 */
#define FLAT_RING3_DS32		0xE02B	/* GDT index 7173 */
#define FLAT_RING3_DS64		0x0000
#define FLAT_RING3_SS32		0xE02B
#define FLAT_RING3_SS64		0xE02B

#define FLAT_KERNEL_DS64	FLAT_RING3_DS64
#define FLAT_KERNEL_CS64	FLAT_RING3_CS64
#define FLAT_KERNEL_SS64	FLAT_RING3_SS64
#define FLAT_USER_CS64		FLAT_RING3_CS64
#define FLAT_USER_SS64		FLAT_RING3_SS64
#define FLAT_KERNEL_CS		FLAT_KERNEL_CS64
#define FLAT_KERNEL_SS		FLAT_KERNEL_SS64
#define FLAT_KERNEL_DS		FLAT_KERNEL_DS64

/* The start-of-day virtual base of a Linux PV kernel (ELF note VIRT_BASE). */
#define LINUX_PV_VIRT_BASE	0xFFFFFFFF80000000ULL

#endif
