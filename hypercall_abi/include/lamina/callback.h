/* SPDX-License-Identifier: MIT */
/*
 * Traps, callbacks, iret and segment bases of a 64-bit PV vCPU
 * (docs/abi-core.md §2.3, §2.8, §2.18, §2.19, §2.21, §3).
 */
#ifndef LAMINA_CALLBACK_H
#define LAMINA_CALLBACK_H

#include <lamina/types.h>

/*
 * set_trap_table (0): long set_trap_table(const struct trap_info *table).
 *  1. The list ends at an entry whose address is 0; each entry replaces the
 *     handler of its vector, the others keep theirs. NULL clears all 256.
 *  2. A non-canonical address gives -EINVAL; entries before it stay.
 *  3. flags bits 0-1: the DPL a software `int n` needs (3: guest user mode
 *     may; 1-2: guest kernel mode may; 0: none); bit 2: mask events on
 *     entry. int3 and into reach their handlers from any mode.
 */
struct trap_info {
	uint8_t vector;		/* IN */
	uint8_t flags;		/* IN: TI_* */
	uint16_t cs;		/* IN: RPL raised to 3, otherwise unused */
	uint32_t pad0;
	uint64_t address;	/* IN: handler VA; 0 ends the list */
};
#define TI_DPL_MASK		3
#define TI_MASK_EVENTS		4

/*
 * callback_op (30): long callback_op(int cmd, void *arg).
 *  1. CALLBACKOP_register stores a per-vCPU callback; address 0 = none;
 *     non-canonical -EINVAL; unknown type -ENOSYS.
 *  2. CALLBACKF_mask_events masks events on entry (the event callback
 *     always does).
 *  3. CALLBACKOP_unregister succeeds only for the NMI callback.
 */
#define CALLBACKOP_register	0
#define CALLBACKOP_unregister	1

#define CALLBACKTYPE_event		0
#define CALLBACKTYPE_failsafe		1
#define CALLBACKTYPE_syscall		2
#define CALLBACKTYPE_sysenter_deprecated 3
#define CALLBACKTYPE_nmi		4
#define CALLBACKTYPE_sysenter		5
#define CALLBACKTYPE_syscall32		7

#define CALLBACKF_mask_events		1

struct callback_register {
	uint16_t type;		/* IN: CALLBACKTYPE_* */
	uint16_t flags;		/* IN: CALLBACKF_* */
	uint32_t pad0;
	uint64_t address;	/* IN */
};

struct callback_unregister {
	uint16_t type;		/* IN */
	uint16_t pad0;
};

/*
 * nmi_op (28): long nmi_op(unsigned cmd, void *arg). The same NMI callback
 * as CALLBACKTYPE_nmi; Linux 6.1 uses neither (NMIs go to trap vector 2).
 */
#define XENNMI_register_callback	0
#define XENNMI_unregister_callback	1
struct xennmi_callback {
	uint64_t handler_address;	/* IN */
	uint64_t pad;
};

/*
 * Bits of shared_info's arch.nmi_reason: why the hypervisor passed a
 * host NMI on to dom0 (set, never cleared).
 */
#define _XEN_NMIREASON_io_error		0	/* port 0x61 bit 6 (IOCHK) */
#define _XEN_NMIREASON_pci_serr		1	/* port 0x61 bit 7 (SERR) */
#define _XEN_NMIREASON_unknown		2	/* neither */

/*
 * iret (23): no register arguments; the guest's rsp points at this
 * context, which the hypervisor restores (it does not return).
 *  1. cs & 3 == 3 returns to guest user mode, otherwise to kernel mode;
 *     CS and SS get RPL 3 either way.
 *  2. evtchn_upcall_mask becomes !(rflags & IF); the real IF stays on.
 *  3. A context the hypervisor cannot read crashes the domain.
 */
struct iret_context {
	uint64_t rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};
#define VGCF_in_syscall		(1 << 8)

/* set_segment_base (25): long set_segment_base(unsigned which, unsigned long base). */
#define SEGBASE_FS		0
#define SEGBASE_GS_USER		1
#define SEGBASE_GS_KERNEL	2
#define SEGBASE_GS_USER_SEL	3

/* The forced-emulation prefix: `ud2; .ascii "xen"` before `cpuid`. */
#define XEN_CPUID_PREFIX_BYTES	{ 0x0f, 0x0b, 0x78, 0x65, 0x6e }
#define XEN_CPUID_SIGNATURE_EBX	0x566e6558	/* "XenV" */
#define XEN_CPUID_SIGNATURE_ECX	0x65584d4d	/* "MMXe" */
#define XEN_CPUID_SIGNATURE_EDX	0x4d4d566e	/* "nVMM" */
#define XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD (1U << 0)

#endif
