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
 *     With info set: ncpus 0 -EINVAL, else -EOPNOTSUPP (Lamina does not
 *     fill the per-CPU records; Xen does: a documented difference).
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
