/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What entry.S and C share: offsets entry.S reads without a C compiler
 * (checked against the structures in pv.c), and the pending-work bits.
 */
#ifndef ASM_ENTRY_H
#define ASM_ENTRY_H

/* struct percpu (asm/percpu.h) */
#define PERCPU_STACK_TOP	8
#define PERCPU_SCRATCH		16
#define PERCPU_CURRENT		32
#define PERCPU_PENDING_WORK	40
#define PERCPU_TLBFLUSH_TIME	48

/* struct vcpu (hv/domain.h) */
#define VCPU_VCPU_INFO		16
#define VCPU_DOMAIN		0
#define VCPU_KERNEL_MODE	0x380	/* arch.kernel_mode */
#define VCPU_AREAS_PENDING	0x381	/* arch.areas_pending (8 bits) */
#define VCPU_GUEST_CR3		0x388	/* arch.guest_cr3 */
#define VCPU_USER_CR3		0x390	/* arch.user_cr3 */
#define VCPU_KERNEL_GS_BASE	0x398	/* arch.kernel_gs_base */
#define VCPU_USER_GS_BASE	0x3a0	/* arch.user_gs_base */
#define VCPU_KERNEL_SP		0x3b0	/* arch.kernel_sp */
#define VCPU_GDT_FRAMES		0x13c0	/* arch.gdt_frames */
#define VCPU_GDT_ENTRIES	0x1434	/* arch.gdt_entries (32 bits) */
#define VCPU_IOPL		0x14c9	/* arch.iopl (8 bits) */
#define VCPU_SYSCALL_CB		0x1538	/* arch.syscall.address */
#define VCPU_SYSCALL_MASK	0x1540	/* arch.syscall.mask_events (8 bits) */
#define VCPU_NMI_MASKED		0x1623	/* arch.nmi_masked (8 bits) */

/* struct domain (hv/domain.h) */
#define DOMAIN_VM_ASSIST	0xc8

/* struct iret_context (lamina/callback.h), as entry.S's hc_iret copies it */
#define IRET_CTX_RAX		0
#define IRET_CTX_R11		8
#define IRET_CTX_RCX		16
#define IRET_CTX_FLAGS		24
#define IRET_CTX_RIP		32
#define IRET_CTX_CS		40
#define IRET_CTX_RFLAGS		48
#define IRET_CTX_RSP		56
#define IRET_CTX_SS		64
#define IRET_CTX_SIZE		72

/* struct hc_args (hv/hypercall.h): nr, then arg[0..4] */
#define HC_ARGS_SIZE		(6 * 8)
#define ENTRY_ERESTART		85	/* ERESTART (lamina/errno.h) */

/* struct cpu_regs (asm/regs.h) */
#define REGS_RBX		(5 * 8)
#define REGS_R11		(6 * 8)
#define REGS_R10		(7 * 8)
#define REGS_RAX		(10 * 8)
#define REGS_RCX		(11 * 8)
#define REGS_VECTOR		(15 * 8)
#define REGS_RIP		(17 * 8)
#define REGS_CS			(18 * 8)
#define REGS_RFLAGS		(19 * 8)
#define REGS_RSP		(20 * 8)
#define REGS_SS			(21 * 8)
#define CPU_REGS_SIZE		(22 * 8)
#define ENTRY_IRET_VECTOR	0x103	/* ENTRY_IRET */

/*
 * Pending work (struct percpu's pending_work): while the word is 0 a
 * return to a guest checks only for a deliverable event and a canonical
 * rip. PW_SCHED: schedule() must pick (a time slice ended, a vCPU woke,
 * the current one blocked, yielded or was paused or taken down). PW_REAP:
 * domain_reap() has a dying domain or a lingering record to work on.
 * PW_NMI: dom0's vCPU 0 has a virtual NMI pending (traps.c, nmi_kick).
 */
#define PW_SCHED		1
#define PW_REAP			2
#define PW_NMI			4	/* a virtual NMI to kick or deliver (traps.c) */

/*
 * Flags a guest may hold in ring 3 (IF is always on, IOPL always 0). NT
 * is the guest's, as on Xen 4.17 (since "x86/pv: Don't clobber NT on
 * return-to-guest"): a 64-bit iretq or sysret may load it, only an iretq
 * run with NT in the live flags faults, and every way into the
 * hypervisor clears it (syscall's FMASK, the gates, sysenter_entry).
 */
#define GUEST_RFLAGS_MASK	0x244dd5	/* CF PF AF ZF SF TF DF OF NT AC ID */

#endif
