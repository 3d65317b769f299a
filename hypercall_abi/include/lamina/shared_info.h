/* SPDX-License-Identifier: MIT */
/*
 * The shared_info page and struct vcpu_info (docs/abi-core.md §1.8, §6.1).
 * shared_info is a hypervisor-owned page the guest maps by machine address.
 */
#ifndef LAMINA_SHARED_INFO_H
#define LAMINA_SHARED_INFO_H

#include <lamina/types.h>

#define XEN_LEGACY_MAX_VCPUS	32

/* pvclock: system time = system_time + ((tsc - tsc_timestamp) scaled). */
struct vcpu_time_info {
	uint32_t version;		/* odd while the hypervisor updates */
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;		/* ns since boot at tsc_timestamp */
	uint32_t tsc_to_system_mul;	/* 32.32 fixed point after shift */
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad1[2];
};

struct arch_vcpu_info {
	uint64_t cr2;			/* fault address of the last #PF */
	uint64_t pad;
};

struct vcpu_info {
	uint8_t evtchn_upcall_pending;
	uint8_t evtchn_upcall_mask;	/* non-zero: events masked */
	uint8_t pad0[6];
	xen_ulong_t evtchn_pending_sel;
	struct arch_vcpu_info arch;
	struct vcpu_time_info time;
};

struct arch_shared_info {
	xen_ulong_t max_pfn;
	xen_ulong_t pfn_to_mfn_frame_list_list;
	xen_ulong_t nmi_reason;
	xen_ulong_t p2m_cr3;
	xen_ulong_t p2m_vaddr;
	xen_ulong_t p2m_generation;
};

struct shared_info {
	struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
	xen_ulong_t evtchn_pending[64];
	xen_ulong_t evtchn_mask[64];
	uint32_t wc_version;
	uint32_t wc_sec;
	uint32_t wc_nsec;
	uint32_t wc_sec_hi;
	struct arch_shared_info arch;
};

#endif
