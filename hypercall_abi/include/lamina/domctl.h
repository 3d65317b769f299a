/* SPDX-License-Identifier: MIT */
/*
 * domctl (36): long domctl(struct domctl *op), the toolstack's interface,
 * dom0 only. Field order and sizes follow Xen 4.17's public domctl.h and
 * arch-x86/xen.h (domctl interface version 0x15); the checks at the end
 * pin the offsets that matter.
 *  1. Lamina implements the commands listed below (common/domctl.c):
 *     a domain's life from createdomain (born paused by the controller)
 *     to destroydomain, its vCPU's context and its info. getdomaininfo
 *     answers for the first domain whose id is at least op->domain (Xen
 *     4.17's rule, which lets a tool list domains by asking for id+1
 *     after each), -ESRCH past the last. Some commands answer only Xen's
 *     refusals for a PV domain (marked below). Other commands answer
 *     -ENOSYS.
 *  2. createdomain takes max_vcpus from 1 to CONFIG_MAX_VCPUS (64 by
 *     default) and refuses others with -EINVAL, Xen's answer above its
 *     own limit; max_vcpus then makes the vCPUs, down.
 *  3. A wrong interface_version is -EACCES, a caller other than dom0
 *     -EPERM, as on Xen.
 */
#ifndef LAMINA_DOMCTL_H
#define LAMINA_DOMCTL_H

#include <stdint.h>
#include <lamina/types.h>

#define DOMCTL_INTERFACE_VERSION	0x00000015

#define DOMCTL_createdomain		1
#define DOMCTL_destroydomain		2
#define DOMCTL_pausedomain		3
#define DOMCTL_unpausedomain		4
#define DOMCTL_getdomaininfo		5
#define DOMCTL_setvcpuaffinity		9
#define DOMCTL_shadow_op		10	/* only as paging_domctl_cont (refused.h) */
#define DOMCTL_max_mem			11
#define DOMCTL_setvcpucontext		12
#define DOMCTL_getvcpucontext		13
#define DOMCTL_getvcpuinfo		14
#define DOMCTL_max_vcpus		15	/* still allocates the vCPUs in 4.17 */
#define DOMCTL_iomem_permission		20	/* the commands below: refused (domctl.c) */
#define DOMCTL_ioport_permission	21
#define DOMCTL_hypercall_init		22
#define DOMCTL_settimeoffset		24
#define DOMCTL_getvcpuaffinity		25
#define DOMCTL_resumedomain		27	/* a shutdown undone (domain_resume) */
#define DOMCTL_set_address_size		35
#define DOMCTL_get_address_size		36
#define DOMCTL_assign_device		37
#define DOMCTL_bind_pt_irq		38
#define DOMCTL_memory_mapping		39
#define DOMCTL_ioport_mapping		40
#define DOMCTL_test_assign_device	45
#define DOMCTL_set_target		46
#define DOMCTL_deassign_device		47
#define DOMCTL_unbind_pt_irq		48
#define DOMCTL_get_device_group		50
#define DOMCTL_gethvmcontext		33	/* the HVM-only commands: -EINVAL for PV */
#define DOMCTL_sethvmcontext		34
#define DOMCTL_debug_op			54
#define DOMCTL_gethvmcontext_partial	55
#define DOMCTL_gettscinfo		59	/* of the caller itself only: -EINVAL */
#define DOMCTL_set_broken_page_p2m	67
#define DOMCTL_psr_cmt_op		75	/* no PSR: -ENODEV */
#define DOMCTL_set_ext_vcpucontext	42	/* below: checked as Xen, then not offered */
#define DOMCTL_get_ext_vcpucontext	43
#define DOMCTL_getvcpuextstate		63
#define DOMCTL_get_vcpu_msrs		72
#define DOMCTL_set_vcpu_msrs		73
#define DOMCTL_vmtrace_op		84	/* no vmtrace buffer: -EINVAL */
#define DOMCTL_get_paging_mempool_size	85	/* PV: -EOPNOTSUPP */
#define DOMCTL_set_paging_mempool_size	86
#define DOMCTL_getpageframeinfo3	61	/* a PV domain's frames' page-table types */
#define DOMCTL_set_virq_handler		66	/* dom0 itself only (global VIRQs go to dom0) */
#define DOMCTL_getnodeaffinity		69	/* node 0, or the nodes set */
#define DOMCTL_setnodeaffinity		68	/* 64 nodes' bits; must hold node 0 */
#define DOMCTL_settscinfo		60	/* the TSC native: modes 0 and 2 only */
#define TSC_MODE_DEFAULT		0
#define TSC_MODE_ALWAYS_EMULATE		1	/* not offered: -EOPNOTSUPP */
#define TSC_MODE_NEVER_EMULATE		2
#define DOMCTL_setvnumainfo		74	/* Xen's checks, then not offered */
#define DOMCTL_monitor_op		77	/* as Xen for a PV domain (no event) */
#define DOMCTL_psr_alloc		78	/* no PSR: -ENODEV */
#define DOMCTL_get_cpu_policy		82	/* the domain's CPUID and MSRs (sysctl.h's rules) */
#define DOMCTL_set_cpu_policy		83	/* before its first run: its feature flags and limits */

/*
 * getpageframeinfo3: for each of array[0 .. num - 1], a frame of the
 * domain (a PV domain's gfn is the mfn), the frame's entry is replaced by
 * its type: PFINFO_L1TAB..L4TAB for a page table in use (validated or
 * pinned), | PFINFO_LPINTAB when pinned; PFINFO_NOTAB for any other frame
 * of the domain; PFINFO_XTAB for a frame that is not the domain's (not
 * RAM, another's, free, or one the hypervisor lends it: shared_info, the
 * grant table). num above 1024 is -E2BIG; an entry that cannot be read or
 * written is -EFAULT with the earlier ones done. Nothing is copied back.
 * Xen 4.17's layout and rules.
 */
#define DOMCTL_PFINFO_NOTAB	(0x0U << 28)
#define DOMCTL_PFINFO_L1TAB	(0x1U << 28)
#define DOMCTL_PFINFO_L2TAB	(0x2U << 28)
#define DOMCTL_PFINFO_L3TAB	(0x3U << 28)
#define DOMCTL_PFINFO_L4TAB	(0x4U << 28)
#define DOMCTL_PFINFO_LPINTAB	(0x1U << 31)
#define DOMCTL_PFINFO_XTAB	(0xfU << 28)
#define DOMCTL_PFINFO_MAX	1024

/* createdomain flags (CDF_*); a PV domain gets CDF_oos_off set back. */
#define DOMCTL_CDF_hvm			(1U << 0)
#define DOMCTL_CDF_hap			(1U << 1)
#define DOMCTL_CDF_s3_integrity		(1U << 2)
#define DOMCTL_CDF_oos_off		(1U << 3)
#define DOMCTL_CDF_xs_domain		(1U << 4)
#define DOMCTL_CDF_iommu		(1U << 5)
#define DOMCTL_CDF_nested_virt		(1U << 6)
#define DOMCTL_CDF_vpmu			(1U << 7)
#define DOMCTL_CDF_MASK			0xffU
#define DOMCTL_GRANT_version_mask	0xfU	/* grant_opts: highest version */
#define X86_EMU_PIT			(1U << 8)	/* the only emulation a PV domain may ask */
#define X86_MSR_RELAXED			(1U << 0)	/* misc_flags */
#define INVALID_MAX_VCPU_ID		(~0U)	/* getdomaininfo: no vCPU yet */

struct domctl_createdomain {
	uint32_t ssidref;
	uint8_t handle[16];
	uint32_t flags;			/* 0: a PV domain */
	uint32_t iommu_opts;
	uint32_t max_vcpus;
	uint32_t max_evtchn_port;
	int32_t max_grant_frames;	/* < 0: the hypervisor's default */
	int32_t max_maptrack_frames;	/* likewise */
	uint32_t grant_opts;		/* low 4 bits: highest grant version */
	uint32_t vmtrace_size;
	uint32_t cpupool_id;
	uint32_t emulation_flags;	/* x86: 0 for PV */
	uint32_t misc_flags;
};

struct domctl_getdomaininfo {
	domid_t domain;
	uint16_t pad1;
	uint32_t flags;			/* DOMINF_* */
	uint64_t tot_pages;
	uint64_t max_pages;
	uint64_t outstanding_pages;
	uint64_t shr_pages;
	uint64_t paged_pages;
	uint64_t shared_info_frame;	/* PV: the MFN of its shared_info */
	uint64_t cpu_time;
	uint32_t nr_online_vcpus;
	uint32_t max_vcpu_id;
	uint32_t ssidref;
	uint8_t handle[16];		/* the toolstack's UUID; Lamina: zero */
	uint32_t cpupool;
	uint8_t gpaddr_bits;
	uint8_t pad2[7];
	uint32_t emulation_flags;	/* x86 arch_config: 0 for PV */
	uint32_t misc_flags;
};
#define DOMINF_dying		(1U << 0)	/* destroyed, still referenced */
#define DOMINF_hvm_guest	(1U << 1)
#define DOMINF_shutdown		(1U << 2)
#define DOMINF_paused		(1U << 3)	/* by the controller (pausedomain) */
#define DOMINF_blocked		(1U << 4)	/* every online vCPU blocked */
#define DOMINF_running		(1U << 5)
#define DOMINF_debugged		(1U << 6)
#define DOMINF_xs_domain	(1U << 7)
#define DOMINF_hap		(1U << 8)
#define DOMINF_SHUTDOWN_SHIFT	16	/* SHUTDOWN_* reason once shut down; 0xffff before */
#define DOMINF_SHUTDOWN_MASK	0xffU

/* getvcpuinfo: IN vcpu; OUT its state. */
struct domctl_getvcpuinfo {
	uint32_t vcpu;
	uint8_t online, blocked, running, pad;
	uint64_t cpu_time;		/* ns spent running */
	uint32_t cpu;			/* the physical CPU it last ran on */
	uint32_t pad2;
};

/* A CPU bitmap in guest memory: bit n of byte n / 8 is CPU n. */
struct domctl_bitmap {
	uint64_t bitmap;		/* guest pointer to uint8_t[(nr_bits + 7) / 8] */
	uint32_t nr_bits;
	uint32_t pad;
};

/*
 * set/getvcpuaffinity: IN vcpu, flags (which maps); set: IN the maps, OUT
 * the effective ones (hard: with the online CPUs; soft: with hard too);
 * get: OUT the stored ones. Bits past nr_bits are not read or written.
 */
struct domctl_vcpuaffinity {
	uint32_t vcpu;
	uint32_t flags;
	struct domctl_bitmap cpumap_hard;
	struct domctl_bitmap cpumap_soft;
};
#define VCPUAFFINITY_HARD	(1U << 0)
#define VCPUAFFINITY_SOFT	(1U << 1)
#define VCPUAFFINITY_FORCE	(1U << 2)	/* set: undo a SCHEDOP_pin_override */

/*
 * get_cpu_policy: the domain's CPUID leaves and MSRs as its kernel sees
 * them, in Xen 4.17's order and rules (sysctl.h's get_cpu_policy: NULL
 * buffers ask for the most there can be, -ENOBUFS when one is too
 * small); the struct is written back on success only.
 *
 * set_cpu_policy: IN leaves[nr_leaves] and msrs[nr_msrs] merged over the
 * domain's policy, in Xen 4.17's order: the caller itself -EINVAL, a
 * domain that has run -EEXIST, more than CPUID_MAX_SERIALISED_LEAVES or
 * MSR_MAX_SERIALISED entries -E2BIG, an entry that cannot be read
 * -EFAULT, a leaf or subleaf Xen's policy has no room for -ERANGE (its
 * err_leaf/err_subleaf), an MSR other than PLATFORM_INFO and
 * ARCH_CAPABILITIES -ERANGE, flags not 0 -EINVAL, a PLATFORM_INFO past 32
 * bits -EOVERFLOW (err_msr), then limits past the PV maximum (leaf 0,
 * 7.0 or 0x80000000 EAX, err_leaf 0/7/0x80000000) or PLATFORM_INFO bits
 * not offered (err_msr 0xCE) -EINVAL. On an error the struct is written
 * back, err_* ~0 but the one at fault; on success nothing is.
 */
struct domctl_cpu_policy {
	uint32_t nr_leaves;		/* IN/OUT */
	uint32_t nr_msrs;		/* IN/OUT */
	uint64_t leaves;		/* OUT: struct cpuid_leaf_entry[], or 0 */
	uint64_t msrs;			/* OUT: struct msr_entry[], or 0 */
	uint32_t err_leaf, err_subleaf, err_msr;
};

struct domctl {
	uint32_t cmd;			/* DOMCTL_* */
	uint32_t interface_version;	/* DOMCTL_INTERFACE_VERSION */
	domid_t domain;
	uint16_t pad[3];
	union {
		struct domctl_createdomain createdomain;
		struct domctl_getdomaininfo getdomaininfo;
		struct { uint64_t max_memkb; } max_mem;
		struct { uint32_t max; } max_vcpus;	/* = createdomain's max_vcpus */
		struct { uint32_t vcpu; uint32_t pad; uint64_t ctxt; } vcpucontext;
		struct domctl_getvcpuinfo getvcpuinfo;
		struct domctl_vcpuaffinity vcpuaffinity;
		struct { uint64_t gmfn; } hypercall_init;
		struct { int64_t time_offset_seconds; } settimeoffset;
		struct { uint32_t size; } address_size;	/* 64; 32 = compat */
		struct { uint64_t first_mfn, nr_mfns; uint8_t allow_access; } iomem_permission;
		struct {
			uint64_t first_gfn, first_mfn, nr_mfns;
			uint32_t add_mapping, pad;
		} memory_mapping;
		struct { domid_t target; } set_target;
		struct { uint32_t first_port, nr_ports; uint8_t allow_access; } ioport_permission;
		struct { uint64_t num; uint64_t array; } getpageframeinfo3;
		struct domctl_bitmap nodeaffinity;	/* 64 nodes' bits, node 0 the one online */
		struct {
			uint32_t tsc_mode, gtsc_khz, incarnation, pad;
			uint64_t elapsed_nsec;
		} tsc_info;
		struct { uint32_t virq; } set_virq_handler;
		struct {
			uint32_t nr_vnodes, nr_vmemranges, nr_vcpus, pad;
			uint64_t vdistance, vcpu_to_vnode, vnode_to_pnode, vmemrange;
		} vnuma;
		struct { uint32_t op, event; } monitor_op;	/* (Xen's has more, unread for PV) */
		struct { uint32_t cmd, target; uint64_t data; } psr_alloc;
		struct domctl_cpu_policy cpu_policy;
		uint8_t raw[128];
	} u;
};

/* struct cpu_user_regs, x86-64 (200 bytes). */
struct guest_user_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi;
	uint32_t error_code, entry_vector;
	uint64_t rip;
	uint16_t cs, pad0;
	uint8_t saved_upcall_mask, pad1[3];
	uint64_t rflags;
	uint64_t rsp;
	uint16_t ss, pad2[3];
	uint16_t es, pad3[3];
	uint16_t ds, pad4[3];
	uint16_t fs, pad5[3];
	uint16_t gs, pad6[3];
};

#define VGCF_i387_valid		(1U << 0)
#define VGCF_in_kernel		(1U << 2)
#define VGCF_failsafe_disables_events	(1U << 3)
#define VGCF_syscall_disables_events	(1U << 4)
#define VGCF_online		(1U << 5)

/* struct vcpu_guest_context, x86-64 (5168 bytes). */
struct vcpu_guest_context {
	uint8_t fpu_ctxt[512];
	uint64_t flags;			/* VGCF_* */
	struct guest_user_regs user_regs;
	uint8_t trap_ctxt[256 * 16];	/* struct trap_info[256] */
	uint64_t ldt_base, ldt_ents;
	uint64_t gdt_frames[16], gdt_ents;
	uint64_t kernel_ss, kernel_sp;
	uint64_t ctrlreg[8];		/* ctrlreg[3]: the L4's MFN << 12 */
	uint64_t debugreg[8];
	uint64_t event_callback_eip, failsafe_callback_eip, syscall_callback_eip;
	uint64_t vm_assist;
	uint64_t fs_base, gs_base_kernel, gs_base_user;
};

_Static_assert(sizeof(struct domctl) == 144, "domctl size");
_Static_assert(sizeof(struct domctl_createdomain) == 64, "createdomain size");
_Static_assert(__builtin_offsetof(struct domctl_getdomaininfo, shared_info_frame) == 48,
	       "getdomaininfo layout");
_Static_assert(__builtin_offsetof(struct domctl_getdomaininfo, handle) == 76, "getdomaininfo handle");
_Static_assert(__builtin_offsetof(struct domctl_getdomaininfo, gpaddr_bits) == 96,
	       "getdomaininfo gpaddr_bits");
_Static_assert(sizeof(struct domctl_getdomaininfo) == 112, "getdomaininfo size");
_Static_assert(sizeof(struct domctl_getvcpuinfo) == 24, "getvcpuinfo size");
_Static_assert(sizeof(struct guest_user_regs) == 200, "cpu_user_regs size");
_Static_assert(__builtin_offsetof(struct vcpu_guest_context, ctrlreg) == 4984,
	       "vcpu_guest_context layout");
_Static_assert(sizeof(struct vcpu_guest_context) == 5168, "vcpu_guest_context size");

#endif
