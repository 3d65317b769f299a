/* SPDX-License-Identifier: MIT */
/*
 * struct start_info: what a PV domain finds at rsi on its first instruction
 * (docs/abi-core.md §1.7). 1168 bytes; the page is the guest's and writable.
 */
#ifndef LAMINA_START_INFO_H
#define LAMINA_START_INFO_H

#include <lamina/types.h>

#define MAX_GUEST_CMDLINE	1024
#define START_INFO_MAGIC	"xen-3.0-x86_64"

struct start_info {
	char magic[32];			/* "xen-3.0-x86_64" */
	uint64_t nr_pages;		/* pages given to the domain = p2m length */
	uint64_t shared_info;		/* MACHINE address of shared_info */
	uint32_t flags;			/* SIF_* */
	uint32_t pad0;
	xen_pfn_t store_mfn;		/* XenStore ring page (0 = none) */
	uint32_t store_evtchn;		/* its event channel (0 = none) */
	uint32_t pad1;
	union {
		struct {
			xen_pfn_t mfn;		/* console ring (domU) */
			uint32_t evtchn;	/* its event channel */
			uint32_t pad2;
		} domU;
		struct {
			uint32_t info_off;	/* dom0_vga_console_info offset */
			uint32_t info_size;	/* its size (0 = none) */
		} dom0;
	} console;
	uint64_t pt_base;		/* VA of the bootstrap L4 */
	uint64_t nr_pt_frames;		/* bootstrap page-table frames */
	uint64_t mfn_list;		/* VA of the p2m list */
	uint64_t mod_start;		/* VA of the initrd (or PFN, see flags) */
	uint64_t mod_len;		/* its size in bytes */
	char cmd_line[MAX_GUEST_CMDLINE];
	uint64_t first_p2m_pfn;		/* p2m at INIT_P2M only */
	uint64_t nr_p2m_frames;
};

/*
 * dom0's console as the hypervisor found it at boot, at console.dom0.info_off
 * in the start_info page (docs/abi-core.md §1.7). 40 bytes.
 */
#define XEN_VGATYPE_TEXT_MODE_3	0x03
#define XEN_VGATYPE_VESA_LFB	0x23
#define XEN_VGATYPE_EFI_LFB	0x70

struct dom0_vga_console_info {
	uint8_t video_type;		/* XEN_VGATYPE_*, 0: none */
	uint8_t pad0[3];
	union {
		struct {
			uint16_t font_height;	/* scan lines a character */
			uint16_t cursor_x, cursor_y;
			uint16_t rows, columns;
		} text_mode_3;
		struct {
			uint16_t width, height, bytes_per_line, bits_per_pixel;
			uint32_t lfb_base, lfb_size;
			uint8_t red_pos, red_size, green_pos, green_size;
			uint8_t blue_pos, blue_size, rsvd_pos, rsvd_size;
			uint32_t gbl_caps;
			uint16_t mode_attrs, pad1;
			uint32_t ext_lfb_base;
		} vesa_lfb;
	} u;
};

#define SIF_PRIVILEGED		(1U << 0)
#define SIF_INITDOMAIN		(1U << 1)
#define SIF_MULTIBOOT_MOD	(1U << 2)
#define SIF_MOD_START_PFN	(1U << 3)
#define SIF_VIRT_P2M_4TOOLS	(1U << 4)
#define SIF_PM_MASK		(0xFFU << 8)

#endif
