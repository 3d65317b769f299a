/* SPDX-License-Identifier: MIT */
/*
 * mca (48, __HYPERVISOR_arch_0): long mca(struct xen_mc *op), dom0's
 * machine-check interface. Lamina reports no machine checks and has no
 * MCA banks to inject into; it answers as Xen 4.17 does with none queued:
 *  1. An unprivileged caller -EPERM; op unreadable (the whole struct,
 *     152 bytes) -EFAULT; another interface_version -EACCES.
 *  2. fetch: flags must name exactly one of NONURGENT and URGENT
 *     (-EINVAL); with ACK, 0 and nothing written; else data NULL -EINVAL,
 *     else flags = NODATA, fetch_id = 0, written back, 0.
 *  3. notifydomain -EINVAL; msrinject, mceinject, inject_v2 -ENODEV (no
 *     banks); another cmd -EINVAL.
 *  4. physcpuinfo with info NULL: ncpus = the CPUs up, written back, 0.
 *     With info set: ncpus 0 -EINVAL, ncpus above INT32_MAX -ENOMEM (as
 *     Xen, which takes it as a negative count); else a record per CPU up
 *     (struct xen_mc_logical_cpu), at most ncpus of them, from CPU 0 on;
 *     ncpus = the records written, op written back (also when the records
 *     could not be: then -EFAULT), 0.
 */
#ifndef LAMINA_MCA_H
#define LAMINA_MCA_H

#include <lamina/types.h>

#define XEN_MCA_INTERFACE_VERSION	0x01ecc003

#define XEN_MC_fetch			1
#define XEN_MC_notifydomain		2
#define XEN_MC_physcpuinfo		3
#define XEN_MC_msrinject		4
#define XEN_MC_mceinject		5
#define XEN_MC_inject_v2		6

#define XEN_MC_NONURGENT		0x1	/* fetch flags, in */
#define XEN_MC_URGENT			0x2
#define XEN_MC_ACK			0x4
#define XEN_MC_NODATA			0x2	/* fetch flags, out */

/* One CPU as physcpuinfo describes it, as Xen 4.17 fills it. */
struct xen_mc_logical_cpu {
	uint32_t mc_cpunr;		/* the hypervisor's CPU number */
	uint32_t mc_chipid;		/* the package: APIC id above core and thread bits */
	uint16_t mc_coreid;		/* the core in it (0 with one core a package) */
	uint16_t mc_threadid;		/* APIC id & ((1 << (nthreads - 1)) - 1), as Xen */
	uint32_t mc_apicid;
	uint32_t mc_clusterid;		/* CPUID 1 ebx[31:24] */
	uint32_t mc_ncores;		/* cores a package */
	uint32_t mc_ncores_active;	/* cores of this package up */
	uint32_t mc_nthreads;		/* threads a core */
	int32_t mc_cpuid_level;		/* the highest basic CPUID leaf */
	uint32_t mc_family;
	uint32_t mc_vendor;		/* Xen's X86_VENDOR_* bit: Intel 1, AMD 2, ... */
	uint32_t mc_model;
	uint32_t mc_step;
	char mc_vendorid[16];		/* CPUID 0's string, NUL-padded */
	char mc_brandid[64];		/* CPUID 0x80000002-4's, leading spaces dropped */
	uint32_t mc_cpu_caps[7];	/* CPUID 1 edx, ecx; 0x80000001 edx, ecx; 0xd.1 eax; 7.0 ebx, ecx */
	uint32_t mc_cache_size;		/* KiB */
	uint32_t mc_cache_alignment;	/* bytes: the CLFLUSH line */
	int32_t mc_nmsrvals;
	struct {
		uint64_t reg;
		uint64_t value;
	} mc_msrvalues[8];		/* [0]: MSR_IA32_MCG_CAP (0x179) */
};
#define XEN_MC_MSR_MCG_CAP		0x179

struct xen_mc {
	uint32_t cmd;			/* XEN_MC_* */
	uint32_t interface_version;	/* XEN_MCA_INTERFACE_VERSION */
	union {
		struct {
			uint32_t flags;
			uint32_t pad;
			uint64_t fetch_id;
			uint64_t data;		/* guest pointer to mc_info */
		} fetch;
		struct {
			uint32_t ncpus;
			uint32_t pad;
			uint64_t info;		/* guest pointer, or 0 */
		} physcpuinfo;
		uint8_t size[144];		/* msrinject's, the largest */
	} u;
};

#endif
