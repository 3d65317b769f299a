/* SPDX-License-Identifier: MIT */
/*
 * xen_version (hypercall 17): long xen_version(int cmd, void *arg).
 * docs/abi-core.md §2.6.
 */
#ifndef LAMINA_VERSION_H
#define LAMINA_VERSION_H

#include <lamina/types.h>

/*
 * XENVER_version: no argument; returns (major << 16) | minor in rax.
 * Lamina speaks the interface of Xen 4.17, so that Linux takes the paths it
 * takes on that release (dom0 checks for >= 4.2, for instance).
 */
#define XENVER_version			0
#define LAMINA_ABI_MAJOR		4
#define LAMINA_ABI_MINOR		17
#define LAMINA_ABI_MIN_MAJOR		4	/* oldest level a guest may see */
#define LAMINA_ABI_MIN_MINOR		2

/* XENVER_extraversion: OUT char[16], NUL-terminated, e.g. ".0". */
#define XENVER_extraversion		1
typedef char xen_extraversion_t[16];

/* XENVER_compile_info: OUT struct xen_compile_info (144 bytes). */
#define XENVER_compile_info		2
struct xen_compile_info {
	char compiler[64];
	char compile_by[16];
	char compile_domain[32];
	char compile_date[32];
};

/*
 * XENVER_capabilities: OUT char[1024], space-separated guest types the
 * hypervisor runs; a 64-bit PV guest looks for "xen-3.0-x86_64".
 */
#define XENVER_capabilities		3
typedef char xen_capabilities_info_t[1024];
#define XEN_CAPABILITY_PV64		"xen-3.0-x86_64"

/* XENVER_changeset: OUT char[64], NUL-terminated source revision. */
#define XENVER_changeset		4
typedef char xen_changeset_info_t[64];

/* XENVER_platform_parameters: OUT struct; virt_start = HYPERVISOR_VIRT_START. */
#define XENVER_platform_parameters	5
struct xen_platform_parameters {
	xen_ulong_t virt_start;
};

/*
 * XENVER_get_features: IN submap_idx, OUT submap.
 *  1. Only submap 0 exists (XENFEAT_NR_SUBMAPS); any other index -EINVAL.
 *  2. Linux panics unless bits 5 and 7 are set (§2.6).
 */
#define XENVER_get_features		6
struct xen_feature_info {
	uint32_t submap_idx;	/* IN */
	uint32_t submap;	/* OUT */
};
#define XENFEAT_NR_SUBMAPS		1

#define XENFEAT_writable_page_tables		0
#define XENFEAT_writable_descriptor_tables	1
#define XENFEAT_auto_translated_physmap		2
#define XENFEAT_supervisor_mode_kernel		3
#define XENFEAT_pae_pgdir_above_4gb		4
#define XENFEAT_mmu_pt_update_preserve_ad	5
#define XENFEAT_highmem_assist			6
#define XENFEAT_gnttab_map_avail_bits		7
#define XENFEAT_hvm_callback_vector		8
#define XENFEAT_hvm_safe_pvclock		9
#define XENFEAT_hvm_pirqs			10
#define XENFEAT_dom0				11
#define XENFEAT_memory_op_vnode_supported	13
#define XENFEAT_linux_rsdp_unrestricted		15
#define XENFEAT_not_direct_mapped		16
#define XENFEAT_direct_mapped			17

/* XENVER_pagesize: no argument; returns the page size (4096). */
#define XENVER_pagesize			7

/* XENVER_guest_handle: OUT uint8_t[16], the domain's handle (UUID). */
#define XENVER_guest_handle		8

/* XENVER_commandline: OUT char[1024]; privileged domains only. */
#define XENVER_commandline		9

/* XENVER_build_id: not provided (-ENOSYS). */
#define XENVER_build_id			10

#endif
