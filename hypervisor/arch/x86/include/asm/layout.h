/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor's virtual layout, all inside L4 slots 256-271 that the
 * PV ABI reserves in every guest L4 (docs/abi-core.md §1.9):
 *
 *   slot 256      0xFFFF800000000000  read-only M2P, readable by guests
 *   slot 260      0xFFFF820000000000  the hypervisor image (PA + base)
 *   slot 261      0xFFFF828000000000  per-CPU GDT area: 14 guest pages + ours
 *   slots 262-271 0xFFFF830000000000  direct map of all RAM, no-execute
 *
 * Usable from assembly.
 */
#ifndef ASM_LAYOUT_H
#define ASM_LAYOUT_H

#define HV_IMAGE_BASE		0xFFFF820000000000
#define HV_LOAD_PADDR		0x200000
#define HV_GDT_AREA		0xFFFF828000000000
#define HV_DIRECTMAP_BASE	0xFFFF830000000000
#define HV_DIRECTMAP_SIZE	0x0000050000000000	/* 5 TiB */
#define HV_M2P_BASE		0xFFFF800000000000

/* Slots 256-271 of every L4: the hypervisor's, whatever the guest writes there. */
#define L4_SLOT_HV_FIRST	256
#define L4_SLOT_HV_LAST		271
#define L4_SLOT_M2P		256
#define L4_SLOT_IMAGE		260
#define L4_SLOT_DIRECTMAP	262

#define STACK_SIZE		(4 * 4096)
#define IST_STACK_SIZE		4096

/*
 * Interrupt stack table slots (TSS.IST1-4): the vectors that can arrive
 * where the stack is not ours to trust. #DB and NMI can be taken on the
 * first instruction of syscall_entry, still on the guest's stack (a MOV SS
 * or POP SS delays a data breakpoint past the following syscall, the
 * XSA-260 class); #DF and #MC come when anything may be broken.
 */
#define IST_DF			1
#define IST_NMI			2
#define IST_DB			3
#define IST_MC			4
#define NR_IST_STACKS		4

/*
 * The top IST_TOP_RESERVE bytes of each IST stack hold no frame: TSS.IST
 * points below them, and the quadword there (just above the hardware
 * frame) holds the CPU's struct percpu pointer. An IST entry from ring 0
 * finds it at a fixed offset from its frame without trusting GS, which
 * may still be the guest's (entry.S, ist_common).
 */
#define IST_TOP_RESERVE		16

/* Selectors of the hypervisor's reserved GDT page (0xE000 + n). */
#define HV_CS			0xE008
#define HV_DS			0xE010
#define HV_TSS_SEL		0xE040

#endif
