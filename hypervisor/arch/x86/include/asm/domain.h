/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The x86 part of a PV vCPU: its two guest modes, page tables, segment
 * bases, virtual trap table and callbacks. Changed only by the vCPU
 * itself (hypercalls, traps), so no lock while there is one vCPU per
 * domain; SMP brings a per-vCPU lock for remote changes (VCPUOP_initialise).
 */
#ifndef ASM_DOMAIN_H
#define ASM_DOMAIN_H

#include <hv/types.h>
#include <asm/regs.h>
#include <hv/spinlock.h>

struct trap_entry {
	uint64_t address;	/* 0 = no handler */
	uint8_t flags;		/* TI_DPL_MASK | TI_MASK_EVENTS */
};

struct pv_callback {
	uint64_t address;	/* 0 = none */
	bool mask_events;
};

/*
 * A tree being validated in pieces (arch/x86/page_type.c): the frames on
 * the way down from its root (levels root_level, root_level - 1, ...; L1
 * tables are done in one go) and the next entry of each. Each vCPU has
 * one for its own domain's tables (arch_vcpu.pt_walk); work another
 * domain does on a domain's tables (dom0's foreign pins, the builder)
 * shares that domain's pt_work.foreign.
 */
struct pt_walk {
	uint8_t depth;			/* frames on the stack; 0 = no validation */
	uint8_t root_level;
	uint16_t next[3];
	mfn_t mfn[3];
};

struct arch_vcpu {
	bool kernel_mode;		/* guest kernel (true) or guest user mode */
	/* The runstate or time area's write failed in user mode: again at kernel entry. */
	bool areas_pending;
	uint64_t guest_cr3;		/* machine address of the kernel L4 */
	uint64_t user_cr3;		/* machine address of the user L4, 0 = none */
	uint64_t kernel_gs_base;	/* GS base in guest kernel mode */
	uint64_t user_gs_base;		/* GS base in guest user mode */
	uint64_t fs_base;
	uint64_t kernel_sp;		/* stack_switch: frame target from user mode */
	uint16_t kernel_ss;
	struct trap_entry traps[256];
	uint64_t gdt_frames[14];	/* set_gdt frames, each a seg_desc page */
	unsigned int nr_gdt_frames;
	unsigned int gdt_entries;
	uint64_t ldt_base;		/* guest VA of the LDT (SET_LDT), page aligned */
	unsigned int ldt_ents;		/* 0 = no LDT */
	uint64_t ldt_frames[16];	/* frames mapped lazily (seg_desc refs), 0 = not yet */
	bool fpu_ts;			/* virtual CR0.TS (fpu_taskswitch) */
	uint8_t iopl;			/* virtual IOPL (physdev_op set_iopl) */
	uint32_t iobmp_limit;		/* physdev_op set_iobitmap: ports covered */
	uint64_t iobmp;			/* ... and the guest VA of the bitmap */
	uint64_t dr[8];			/* debug registers; dr[6] is virtual */
	struct pv_callback event, failsafe, syscall;	/* the NMI callback: traps[2] */
	struct pv_callback syscall32, sysenter;	/* from compat mode; sysenter */
	uint16_t ds, es, fs, gs;	/* data selectors while not running */
	struct cpu_regs regs;		/* saved state while not running */
	bool cr4_osxsave;		/* virtual CR4.OSXSAVE: xsetbv allowed */
	bool cr4_de;			/* virtual CR4.DE: DR4/DR5 #UD, I/O breakpoints */
	/* A virtual NMI (dom0's vCPU 0: a host NMI, traps.c) waits for delivery, */
	bool nmi_pending;
	/* ... and one was delivered and no iret hypercall came since: the next waits. */
	bool nmi_masked;
	uint32_t tsc_aux;		/* its TSC_AUX (msr.c): the real one while it runs */
	uint64_t mcg_status;		/* the virtual MCE's MCG_STATUS (msr.c) */
	uint64_t mci_ctl2[2];		/* ... and its banks' MCi_CTL2 (Intel) */
	uint64_t xcr0;			/* the guest's XCR0 (xsetbv), with XSAVE */
	uint64_t xcr0_accum;		/* every XCR0 bit it ever set: what fpu[] holds */
	uint8_t fpu[1024] __aligned(64);	/* XSAVE (or FXSAVE) image while not running */
	struct pt_walk pt_walk;		/* its validation of its domain's tables */
	/* Virtual CR4.FSGSBASE and TSD, as bits: the real ones while it runs (cpu.c). */
	uint32_t cr4_real;
	uint8_t dr7_emul;		/* DR7's I/O breakpoint enables: emulated, not in dr[7] */
	/*
	 * VCPUOP_initialise stopped part way in its user L4: the kernel L4,
	 * validated, its type reference kept for the call's next run (Xen's
	 * old_guest_table); 0 = none. Under the domain's vcpu_ctx_lock.
	 */
	uint64_t held_cr3;
};

/*
 * Page-table work that outlasts one call (arch/x86/page_type.c): the
 * walks above, and tables no longer used whose entries still hold
 * references: a list through the frame table, emptied a piece at a time.
 * All of it, every walk of the domain's tables, and every change to an
 * entry of them, under `lock` (recursive: releasing and validating call
 * each other), so the vCPUs of one domain, and another domain working on
 * its tables (dom0's foreign pins, grant maps), take turns. Whether the
 * call running may stop early is the CPU's (percpu pt_preemptible), not
 * the domain's.
 */
struct pt_work {
	rspinlock_t lock;
	struct pt_walk foreign;		/* other domains' work on its tables */
	uint32_t release_head;		/* mfn + 1 of the first table to release; 0 = none */
	uint32_t release_depth;		/* release walks the lock holder is inside */
};

struct arch_domain {
	struct pt_work pt;
	uint32_t pci_cf8;		/* the last 32-bit write to port 0xCF8 (any domain) */
	uint8_t cmos_idx;		/* the last write to port 0x70, latched (emul_priv.c) */
	uint64_t domu_pirqs;		/* a domU's PIRQs get_free_pirq gave it (irq.c) */
	mfn_t pirq_eoi_mfn;		/* a domU's pirq_eoi_gmfn page, held writable; 0 none */
};

#endif
