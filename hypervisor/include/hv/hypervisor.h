/* SPDX-License-Identifier: GPL-2.0-only */
/* Boot-wide state: the parsed command line and the boot modules. */
#ifndef HV_HYPERVISOR_H
#define HV_HYPERVISOR_H

#include <hv/types.h>
#include <hv/cmdline.h>

#define MAX_BOOT_MODULES	16
#define MAX_MEM_REGIONS		64

struct boot_module {
	paddr_t start;
	uint64_t size;
	const char *cmdline;		/* without the file name */
};

struct mem_region {
	paddr_t start;
	uint64_t size;
	uint32_t type;			/* 1 RAM, 3 ACPI, 4 NVS, 2/5 reserved */
};
#define E820_UNUSABLE	5

struct boot_info {
	const char *cmdline;
	const char *loader;
	unsigned int nr_modules;
	struct boot_module modules[MAX_BOOT_MODULES];
	unsigned int nr_regions;
	struct mem_region regions[MAX_MEM_REGIONS];
	paddr_t acpi_rsdp;		/* from multiboot2, 0 = search */
};

extern struct hv_options hv_opts;
extern struct boot_info boot_info;

#endif
