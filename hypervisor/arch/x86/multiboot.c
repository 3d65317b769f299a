// SPDX-License-Identifier: GPL-2.0-only
/*
 * Boot information from multiboot v1 (QEMU -kernel, GRUB `multiboot`) or
 * multiboot2 (GRUB `multiboot2`). Runs on the boot page tables, which map
 * the first GiB at HV_IMAGE_BASE; strings are copied out because those
 * mappings go away.
 */
#include <hv/lib.h>
#include <hv/hypervisor.h>
#include <asm/layout.h>

#define MB1_BOOTLOADER_MAGIC	0x2BADB002
#define MB2_BOOTLOADER_MAGIC	0x36d76289
#define LOW_LIMIT		(1ULL << 30)	/* what the boot tables map */

struct boot_info boot_info;
static char strings[4096];
static size_t strings_used;

static const void *early_va(uint64_t pa, uint64_t len)
{
	if (pa >= LOW_LIMIT || len > LOW_LIMIT - pa)
		return NULL;
	return (const void *)(HV_IMAGE_BASE + pa);
}

static const char *keep_string(uint64_t pa)
{
	const char *s = early_va(pa, 1);
	size_t room = sizeof(strings) - strings_used;
	char *dst = strings + strings_used;
	size_t n;

	if (!s || !room)
		return "";
	n = strnlen(s, MIN(room - 1, LOW_LIMIT - pa - 1));
	memcpy(dst, s, n);
	dst[n] = '\0';
	strings_used += n + 1;
	return dst;
}

static void add_region(uint64_t start, uint64_t size, uint32_t type)
{
	struct mem_region *r;

	if (boot_info.nr_regions >= MAX_MEM_REGIONS)
		return;
	r = &boot_info.regions[boot_info.nr_regions++];
	r->start = start;
	r->size = size;
	r->type = type;
}

static void add_module(uint64_t start, uint64_t end, uint64_t string_pa)
{
	struct boot_module *m;

	if (boot_info.nr_modules >= MAX_BOOT_MODULES || end < start)
		return;
	m = &boot_info.modules[boot_info.nr_modules++];
	m->start = start;
	m->size = end - start;
	m->cmdline = string_pa ? keep_string(string_pa) : "";
}

struct mb1_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
} __packed;

static int parse_mb1(uint32_t info_pa)
{
	const struct mb1_info *mbi = early_va(info_pa, sizeof(*mbi));
	uint32_t i;

	if (!mbi)
		return -1;
	if (mbi->flags & (1 << 2))
		boot_info.cmdline = keep_string(mbi->cmdline);
	if (mbi->flags & (1 << 9))
		boot_info.loader = keep_string(mbi->boot_loader_name);
	if (mbi->flags & (1 << 3)) {
		const uint32_t *mods = early_va(mbi->mods_addr, mbi->mods_count * 16ULL);

		for (i = 0; mods && i < mbi->mods_count; i++)
			add_module(mods[i * 4], mods[i * 4 + 1], mods[i * 4 + 2]);
	}
	if (mbi->flags & (1 << 6)) {
		uint64_t p = mbi->mmap_addr, end = p + mbi->mmap_length;

		while (p + 24 <= end) {
			const uint8_t *e = early_va(p, 24);
			uint32_t size;
			uint64_t base, len;
			uint32_t type;

			if (!e)
				break;
			memcpy(&size, e, 4);
			memcpy(&base, e + 4, 8);
			memcpy(&len, e + 12, 8);
			memcpy(&type, e + 20, 4);
			add_region(base, len, type);
			p += size + 4;
		}
	} else if (mbi->flags & (1 << 0)) {
		add_region(0, mbi->mem_lower * 1024ULL, 1);
		add_region(1ULL << 20, mbi->mem_upper * 1024ULL, 1);
	}
	return 0;
}

static int parse_mb2(uint32_t info_pa)
{
	const uint32_t *hdr = early_va(info_pa, 8);
	uint64_t p, end;

	if (!hdr || !early_va(info_pa, hdr[0]))
		return -1;
	end = info_pa + hdr[0];
	for (p = info_pa + 8; p + 8 <= end; p = ALIGN_UP(p + ((const uint32_t *)early_va(p, 8))[1], 8)) {
		const uint32_t *tag = early_va(p, 8);
		uint32_t type = tag[0], size = tag[1];

		if (type == 0 || size < 8)
			break;
		if (type == 1)
			boot_info.cmdline = keep_string(p + 8);
		else if (type == 2)
			boot_info.loader = keep_string(p + 8);
		else if (type == 3)
			add_module(tag[2], tag[3], p + 16);
		else if (type == 6) {
			uint32_t esize = tag[2];
			uint64_t e;

			for (e = p + 16; esize >= 20 && e + esize <= p + size; e += esize) {
				const uint8_t *ent = early_va(e, 20);
				uint64_t base, len;
				uint32_t t;

				memcpy(&base, ent, 8);
				memcpy(&len, ent + 8, 8);
				memcpy(&t, ent + 16, 4);
				add_region(base, len, t);
			}
		} else if (type == 14 || type == 15) {
			boot_info.acpi_rsdp = p + 8;	/* a copy of the RSDP */
		}
	}
	return 0;
}

/* Returns 0, or -1 when the boot loader is not a multiboot one. */
int multiboot_parse(uint32_t magic, uint32_t info_pa)
{
	boot_info.cmdline = "";
	boot_info.loader = "unknown";
	if (magic == MB1_BOOTLOADER_MAGIC)
		return parse_mb1(info_pa);
	if (magic == MB2_BOOTLOADER_MAGIC)
		return parse_mb2(info_pa);
	return -1;
}
