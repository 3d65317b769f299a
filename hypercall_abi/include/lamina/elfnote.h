/* SPDX-License-Identifier: MIT */
/*
 * PV ELF notes (name "Xen"): how a kernel tells the domain builder where to
 * start and what it needs (docs/abi-core.md §1.3).
 */
#ifndef LAMINA_ELFNOTE_H
#define LAMINA_ELFNOTE_H

#define XEN_ELFNOTE_INFO		0
#define XEN_ELFNOTE_ENTRY		1	/* u64 VA of the entry point */
#define XEN_ELFNOTE_HYPERCALL_PAGE	2	/* u64 VA of a page to fill */
#define XEN_ELFNOTE_VIRT_BASE		3	/* u64 base of the initial mapping */
#define XEN_ELFNOTE_PADDR_OFFSET	4	/* u64; load = p_paddr + VIRT_BASE - this */
#define XEN_ELFNOTE_XEN_VERSION		5	/* "xen-3.0" */
#define XEN_ELFNOTE_GUEST_OS		6	/* "linux", ... */
#define XEN_ELFNOTE_GUEST_VERSION	7
#define XEN_ELFNOTE_LOADER		8	/* must be "generic" */
#define XEN_ELFNOTE_PAE_MODE		9
#define XEN_ELFNOTE_FEATURES		10	/* "a|!b|..." ('!' = required) */
#define XEN_ELFNOTE_BSD_SYMTAB		11
#define XEN_ELFNOTE_HV_START_LOW	12
#define XEN_ELFNOTE_L1_MFN_VALID	13
#define XEN_ELFNOTE_SUSPEND_CANCEL	14
#define XEN_ELFNOTE_INIT_P2M		15
#define XEN_ELFNOTE_MOD_START_PFN	16
#define XEN_ELFNOTE_SUPPORTED_FEATURES	17	/* u32 bitmap of XENFEAT_* */
#define XEN_ELFNOTE_PHYS32_ENTRY	18
#define XEN_ELFNOTE_MAX			XEN_ELFNOTE_PHYS32_ENTRY

#define XEN_ELFNOTE_NAME		"Xen"

#endif
