/* SPDX-License-Identifier: MIT */
/*
 * Page-table hypercalls of direct paging (docs/abi-core.md §2.4, §2.5, §2.16,
 * §2.17, §2.7): mmu_update, mmuext_op, update_va_mapping, multicall and
 * vm_assist.
 */
#ifndef LAMINA_MM_H
#define LAMINA_MM_H

#include <lamina/types.h>

/*
 * mmu_update (1): long mmu_update(struct mmu_update *req, unsigned count,
 *                                 unsigned *done, domid_t foreigndom).
 *  1. The command is ptr & 7 (4-7: -ENOSYS). Requests run in order and stop at the first
 *     failure, whose error is returned; *done (if not NULL) gets the number
 *     applied.
 *  2. NORMAL / PRESERVE_AD: ptr is the machine address of an 8-byte entry
 *     in a page of the domain. If the page is a validated page table, the
 *     new entry is validated at that level; otherwise it is a plain write.
 *  3. MACHPHYS: M2P[ptr >> 12] = val, for a frame of the domain.
 *  4. L4 slots 256-271 belong to the hypervisor: -EINVAL.
 */
struct mmu_update {
	uint64_t ptr;		/* IN: machine address | command */
	uint64_t val;		/* IN: new entry, or PFN */
};
#define MMU_NORMAL_PT_UPDATE		0
#define MMU_MACHPHYS_UPDATE		1
#define MMU_PT_UPDATE_PRESERVE_AD	2
#define MMU_PT_UPDATE_NO_TRANSLATE	3	/* as NORMAL for a PV domain */

/*
 * mmuext_op (26): long mmuext_op(struct mmuext_op *ops, unsigned count,
 *                                unsigned *done, domid_t foreigndom).
 *  1. Same list, done and error rules as mmu_update.
 *  2. PIN_Ln validates the frame as a level-n table (a whole tree for L4)
 *     and holds it; pinning a pinned frame or any validation failure gives
 *     -EINVAL. UNPIN drops the pin.
 *  3. NEW_BASEPTR / NEW_USER_BASEPTR switch the guest-kernel / guest-user
 *     page table (validating the L4 if needed); user 0 = none.
 */
struct mmuext_op {
	uint32_t cmd;		/* IN: MMUEXT_* */
	uint32_t pad0;
	union {
		xen_pfn_t mfn;
		uint64_t linear_addr;
	} arg1;			/* IN */
	union {
		uint32_t nr_ents;
		uint64_t vcpumask;	/* guest pointer to a bitmap */
		xen_pfn_t src_mfn;
	} arg2;			/* IN */
};
#define MMUEXT_PIN_L1_TABLE		0
#define MMUEXT_PIN_L2_TABLE		1
#define MMUEXT_PIN_L3_TABLE		2
#define MMUEXT_PIN_L4_TABLE		3
#define MMUEXT_UNPIN_TABLE		4
#define MMUEXT_NEW_BASEPTR		5
#define MMUEXT_TLB_FLUSH_LOCAL		6
#define MMUEXT_INVLPG_LOCAL		7
#define MMUEXT_TLB_FLUSH_MULTI		8
#define MMUEXT_INVLPG_MULTI		9
#define MMUEXT_TLB_FLUSH_ALL		10
#define MMUEXT_INVLPG_ALL		11
#define MMUEXT_FLUSH_CACHE		12
#define MMUEXT_SET_LDT			13
#define MMUEXT_NEW_USER_BASEPTR		15
#define MMUEXT_CLEAR_PAGE		16
#define MMUEXT_COPY_PAGE		17
#define MMUEXT_FLUSH_CACHE_GLOBAL	18
#define MMUEXT_MARK_SUPER		19	/* Xen 4.17: -EOPNOTSUPP, as here */
#define MMUEXT_UNMARK_SUPER		20

/*
 * update_va_mapping (14): long update_va_mapping(unsigned long va, u64 val,
 *                                                unsigned long flags).
 * Replaces the L1 entry mapping va in the current guest-kernel tables.
 */
#define UVMF_NONE		0
#define UVMF_TLB_FLUSH		1
#define UVMF_INVLPG		2
#define UVMF_FLUSHTYPE_MASK	3
#define UVMF_MULTI		0
#define UVMF_LOCAL		0
#define UVMF_ALL		4

/*
 * multicall (13): long multicall(struct multicall_entry *list, unsigned nr).
 *  1. Each entry runs as its own hypercall with args[0..4]; its return
 *     value goes to result. A failing entry does not stop the batch.
 *  2. A nested multicall gives -EINVAL.
 *  3. Continuations: when an entry needs one, its args are rewritten in
 *     place and the multicall returns to the guest's syscall with list and
 *     nr advanced to that entry, so executing it again goes on from there;
 *     a long batch may also go on later from an entry not yet started.
 */
struct multicall_entry {
	uint64_t op;		/* IN: hypercall number */
	int64_t result;		/* OUT */
	uint64_t args[6];	/* IN */
};

/* vm_assist (21): long vm_assist(unsigned cmd, unsigned type). */
#define VMASST_CMD_enable			0
#define VMASST_CMD_disable			1
#define VMASST_TYPE_4gb_segments		0
#define VMASST_TYPE_4gb_segments_notify		1
#define VMASST_TYPE_writable_pagetables		2
#define VMASST_TYPE_pae_extended_cr3		3
#define VMASST_TYPE_architectural_iopl		4
#define VMASST_TYPE_runstate_update_flag	5
#define VMASST_TYPE_m2p_strict			32

#endif
