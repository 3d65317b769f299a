// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of hypervisor/common/elf.c: a PV kernel image built in memory,
 * then broken in every way the parser must notice; /bin/true must be
 * refused; random corruption must never read out of bounds (the tests are
 * built with AddressSanitizer).
 */
#include "../../unit.h"
#include <stdlib.h>
#include <hv/elf.h>
#include <lamina/elfnote.h>
#include <lamina/errno.h>
#include <lamina/version.h>
#include "../../pv_elf.h"

#define VBASE	0xffffffff80000000ULL
#define IMG	8192

static uint8_t img[IMG];
static size_t note_len;

static void add_note(uint32_t type, const void *desc, uint32_t len)
{
	pv_elf_note(img, &note_len, type, desc, len);
}

static void add_num(uint32_t type, uint64_t v)
{
	add_note(type, &v, 8);
}

static void add_str(uint32_t type, const char *s)
{
	add_note(type, s, strlen(s) + 1);
}

/* A 64-bit PV kernel: one PT_LOAD at paddr 1 MiB and one PT_NOTE. */
static void build(void)
{
	memset(img, 0, sizeof(img));
	note_len = 0;
	add_str(XEN_ELFNOTE_LOADER, "generic");
	add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
	add_num(XEN_ELFNOTE_VIRT_BASE, VBASE);
	add_num(XEN_ELFNOTE_PADDR_OFFSET, 0);
	add_num(XEN_ELFNOTE_ENTRY, VBASE + 0x100010);
	add_str(XEN_ELFNOTE_FEATURES, "!writable_page_tables|pae_pgdir_above_4gb|dom0|bogus");
	pv_elf_headers(img, VBASE + 0x100000, 0x1000, 0x3000, note_len);
}

static int parse(struct pv_kernel *k, const char **why)
{
	pv_elf_phdr(img)[1].filesz = note_len;
	return elf_parse_pv_kernel(img, IMG, k, why);
}

static void good_kernel(void)
{
	struct pv_kernel k;
	const char *why = NULL;

	build();
	EXPECT_EQ(parse(&k, &why), 0);
	EXPECT_EQ(k.virt_base, VBASE);
	EXPECT_EQ(k.entry, VBASE + 0x100010);
	EXPECT_EQ(k.kstart, VBASE + 0x100000);
	EXPECT_EQ(k.kend, VBASE + 0x103000);
	EXPECT_EQ(k.hypercall_page, PV_UNSET);
	EXPECT_EQ(k.p2m_base, PV_UNSET);
	EXPECT(!k.has_supported_features);
	EXPECT(!k.mod_start_pfn && !k.bsd_symtab && !k.legacy_guest_info);
	EXPECT(k.features_supported & (1U << XENFEAT_dom0));
	EXPECT(k.features_required & (1U << XENFEAT_writable_page_tables));
	EXPECT(!(k.features_required & (1U << XENFEAT_dom0)));
	EXPECT(!strcmp(k.loader, "generic"));
}

static uint64_t seen_va, seen_filesz, seen_memsz;

static int record(void *ctx, uint64_t va, const void *src, uint64_t filesz, uint64_t memsz)
{
	seen_va = va;
	seen_filesz = filesz;
	seen_memsz = memsz;
	EXPECT(src == img + 0x1000);
	return 0;
}

static void loads_by_paddr(void)
{
	struct pv_kernel k;
	const char *why;
	struct elf64_phdr *ph = (void *)(img + sizeof(struct elf64_ehdr));

	build();
	ph[0].vaddr = 0;	/* like Linux's .data..percpu: vaddr is ignored */
	EXPECT_EQ(parse(&k, &why), 0);
	EXPECT_EQ(elf_for_each_load(&k, record, NULL), 0);
	EXPECT_EQ(seen_va, VBASE + 0x100000);
	EXPECT_EQ(seen_filesz, 0x1000);
	EXPECT_EQ(seen_memsz, 0x3000);
}

static void expect_refused(const char *needle)
{
	struct pv_kernel k;
	const char *why = "";

	EXPECT_EQ(parse(&k, &why), -ENOEXEC);
	if (!strstr(why, needle)) {
		snprintf(unit_failure, sizeof(unit_failure), "message \"%s\" lacks \"%s\"",
			 why, needle);
	}
}

static void bad_headers(void)
{
	struct elf64_ehdr *eh = (void *)img;

	build(); img[0] = 'X';			expect_refused("not an ELF");
	build(); eh->ident[4] = 1;		expect_refused("64-bit");
	build(); eh->machine = 3;		expect_refused("x86-64");
	build(); eh->type = ET_DYN;		expect_refused("ET_DYN");
	build(); eh->phoff = IMG - 8;		expect_refused("program header");
	build(); eh->phentsize = 32;		expect_refused("program header");
	build(); eh->phnum = 0;			expect_refused("program header");
}

static void bad_segments(void)
{
	struct elf64_phdr *ph = (void *)(img + sizeof(struct elf64_ehdr));

	build(); ph[0].offset = IMG - 16;	expect_refused("outside the file");
	build(); ph[0].filesz = 0x4000;		expect_refused("outside the file");
	build(); ph[0].type = 0;		expect_refused("no loadable");
	build(); ph[0].paddr = 0x200000;	expect_refused("entry point");
	build(); ph[0].memsz = 1ULL << 30;	expect_refused("1 GiB");
	build(); ph[0].memsz = 1ULL << 31;	expect_refused("wraps");
	build(); ph[0].paddr = -0x200000ULL;	expect_refused("below VIRT_BASE");
}

static void bad_notes(void)
{
	struct elf64_phdr *ph = (void *)(img + sizeof(struct elf64_ehdr));

	build(); note_len = 0;			expect_refused("no Xen PV ELF notes");
	build(); note_len = 0; add_str(XEN_ELFNOTE_LOADER, "bsd");
		add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0");	expect_refused("LOADER");
	build(); note_len = 0; add_str(XEN_ELFNOTE_LOADER, "generic");
		add_str(XEN_ELFNOTE_XEN_VERSION, "xen-2.0");	expect_refused("XEN_VERSION");
	/* Xen reads a numeric note of another size than 1, 2, 4, 8 as 0. */
	build(); add_note(XEN_ELFNOTE_ENTRY, "abc", 3);	expect_refused("entry point");
	build(); add_num(XEN_ELFNOTE_HYPERCALL_PAGE, VBASE + 0x100800);
		expect_refused("hypercall page");
	build(); ph[1].filesz = 0; ph[1].offset = IMG; note_len = 0;
		expect_refused("no Xen PV ELF notes");
	/* A note whose size field runs past its area. */
	build(); { uint32_t big = 0x7fffffff; memcpy(img + 0x200 + 4, &big, 4); }
		expect_refused("past the end");
}

/* Xen's defaults: VIRT_BASE 0, PADDR_OFFSET 0 (with notes), ENTRY e_entry. */
static void defaults(void)
{
	struct pv_kernel k;
	const char *why = NULL;

	build(); note_len = 0;
	add_str(XEN_ELFNOTE_LOADER, "generic");
	add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
	EXPECT_EQ(parse(&k, &why), 0);
	EXPECT_EQ(k.virt_base, 0);
	EXPECT_EQ(k.paddr_offset, 0);
	EXPECT_EQ(k.entry, 0x100000);
	EXPECT_EQ(k.kstart, 0x100000);
	EXPECT_EQ(k.kend, 0x103000);
	/* PADDR_OFFSET without VIRT_BASE is refused. */
	add_num(XEN_ELFNOTE_PADDR_OFFSET, 0);		expect_refused("PADDR_OFFSET");
	/* The strings are compared by prefix; GUEST_OS "linux" stands for LOADER. */
	build(); note_len = 0; add_str(XEN_ELFNOTE_LOADER, "generic-x");
		add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0-x86_64");
		EXPECT_EQ(parse(&k, &why), 0);
	build(); note_len = 0; add_str(XEN_ELFNOTE_GUEST_OS, "linux");
		add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
		EXPECT_EQ(parse(&k, &why), 0);
	build(); note_len = 0; add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
		expect_refused("LOADER");
}

/* The entry may be kend itself (Xen checks entry > kend), not past it. */
static void entry_bounds(void)
{
	struct pv_kernel k;
	const char *why = NULL;

	build(); add_num(XEN_ELFNOTE_ENTRY, VBASE + 0x103000);
		EXPECT_EQ(parse(&k, &why), 0);
	build(); add_num(XEN_ELFNOTE_ENTRY, VBASE + 0x103001);
		expect_refused("entry point");
	build(); add_num(XEN_ELFNOTE_ENTRY, VBASE + 0xfffff);
		expect_refused("entry point");
}

/* Any page-aligned VIRT_BASE will do (Lamina refuses only unaligned ones). */
static void virt_base_alignment(void)
{
	struct pv_kernel k;
	const char *why = NULL;

	build(); add_num(XEN_ELFNOTE_VIRT_BASE, VBASE + 0x3000);
		add_num(XEN_ELFNOTE_ENTRY, VBASE + 0x103000);
		EXPECT_EQ(parse(&k, &why), 0);
		EXPECT_EQ(k.kstart, VBASE + 0x103000);
	build(); add_num(XEN_ELFNOTE_VIRT_BASE, VBASE + 0x10);
		add_num(XEN_ELFNOTE_ENTRY, VBASE + 0x100010);
		expect_refused("page aligned");
}

static void numeric_sizes(void)
{
	struct pv_kernel k;
	const char *why = NULL;
	uint8_t one = 1;
	uint16_t two = 0x201;
	uint32_t four = 3;
	uint64_t l1[2] = { 1, 1 };

	build();
	add_note(XEN_ELFNOTE_MOD_START_PFN, &one, 1);
	add_note(XEN_ELFNOTE_HV_START_LOW, &two, 2);
	add_note(XEN_ELFNOTE_SUSPEND_CANCEL, &four, 4);
	add_note(XEN_ELFNOTE_L1_MFN_VALID, l1, 16);
	EXPECT_EQ(parse(&k, &why), 0);
	EXPECT(k.mod_start_pfn);
	EXPECT_EQ(k.hv_start_low, 0x201);
	EXPECT(k.suspend_cancel);
	EXPECT_EQ(k.l1_mfn_valid[0], 1);
	EXPECT_EQ(k.l1_mfn_valid[1], 1);
}

static void features(void)
{
	struct pv_kernel k;
	const char *why = NULL;
	uint32_t dom0 = 1U << XENFEAT_dom0, none = 0;

	/* Names Xen does not know are ignored; a required one refuses. */
	build(); add_str(XEN_ELFNOTE_FEATURES, "hvm_pirqs|gnttab_map_avail_bits");
		EXPECT_EQ(parse(&k, &why), 0);
		EXPECT(!(k.features_supported & (1U << XENFEAT_hvm_pirqs)));
	build(); add_str(XEN_ELFNOTE_FEATURES, "!hvm_pirqs");
		expect_refused("FEATURES");
	build(); add_str(XEN_ELFNOTE_FEATURES, "!");	expect_refused("FEATURES");
	/* SUPPORTED_FEATURES: present even when it holds no bits. */
	build(); note_len = 0; add_str(XEN_ELFNOTE_LOADER, "generic");
		add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
		add_note(XEN_ELFNOTE_SUPPORTED_FEATURES, &none, 4);
		EXPECT_EQ(parse(&k, &why), 0);
		EXPECT(k.has_supported_features);
		EXPECT_EQ(k.features_supported, 0);
	build(); add_note(XEN_ELFNOTE_SUPPORTED_FEATURES, &dom0, 4);
		EXPECT_EQ(parse(&k, &why), 0);
		EXPECT(k.has_supported_features && (k.features_supported & dom0));
}

/* Xen refuses dom0 only for a SUPPORTED_FEATURES note without the dom0 bit. */
static void dom0_feature(void)
{
	struct pv_kernel k;
	const char *why = NULL;
	uint32_t dom0 = 1U << XENFEAT_dom0, none = 1U << XENFEAT_writable_page_tables;

	build(); note_len = 0; add_str(XEN_ELFNOTE_LOADER, "generic");
		add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
		EXPECT_EQ(parse(&k, &why), 0);
		EXPECT(!elf_dom0_refusal(&k));		/* no FEATURES at all */
	add_str(XEN_ELFNOTE_FEATURES, "writable_page_tables");
		EXPECT_EQ(parse(&k, &why), 0);
		EXPECT(!elf_dom0_refusal(&k));		/* FEATURES without dom0 */
	add_note(XEN_ELFNOTE_SUPPORTED_FEATURES, &none, 4);
		EXPECT_EQ(parse(&k, &why), 0);
		EXPECT(elf_dom0_refusal(&k) != NULL);	/* the note lacks dom0 */
	add_str(XEN_ELFNOTE_FEATURES, "dom0");
		EXPECT_EQ(parse(&k, &why), 0);
		EXPECT(!elf_dom0_refusal(&k));		/* FEATURES dom0 counts */
	build(); add_note(XEN_ELFNOTE_SUPPORTED_FEATURES, &dom0, 4);
		EXPECT_EQ(parse(&k, &why), 0);
		EXPECT(!elf_dom0_refusal(&k));
	add_str(XEN_ELFNOTE_FEATURES, "!supervisor_mode_kernel");
		EXPECT_EQ(parse(&k, &why), 0);
		EXPECT(elf_dom0_refusal(&k) != NULL);
}

static void init_p2m(void)
{
	struct pv_kernel k;
	const char *why = NULL;

	build(); add_num(XEN_ELFNOTE_INIT_P2M, 0x8000000000ULL);
		EXPECT_EQ(parse(&k, &why), 0);
		EXPECT_EQ(k.p2m_base, 0x8000000000ULL);
	build(); add_num(XEN_ELFNOTE_INIT_P2M, VBASE + 0x102000);
		expect_refused("INIT_P2M");
	/* Right after the kernel is outside it. */
	build(); add_num(XEN_ELFNOTE_INIT_P2M, VBASE + 0x103000);
		EXPECT_EQ(parse(&k, &why), 0);
}

/* Section headers at 0xc00, their names at 0x800; sections[0] stays null. */
#define SHOFF	0xc00
#define SHSTR	0x800

static unsigned int nr_sections;
static size_t shstr_len;

static void add_section(const char *name, uint32_t type, uint64_t off, uint64_t size,
			uint32_t link)
{
	struct elf64_ehdr *eh = (void *)img;
	struct elf64_shdr *sh = (void *)(img + SHOFF);

	if (!nr_sections) {
		nr_sections = 2;	/* null and .shstrtab */
		shstr_len = 1;
		memcpy(img + SHSTR + shstr_len, ".shstrtab", 10);
		sh[1].name = shstr_len;
		sh[1].type = SHT_STRTAB;
		sh[1].offset = SHSTR;
		shstr_len += 10;
		eh->shoff = SHOFF;
		eh->shentsize = sizeof(*sh);
		eh->shstrndx = 1;
	}
	memcpy(img + SHSTR + shstr_len, name, strlen(name) + 1);
	sh[nr_sections].name = shstr_len;
	sh[nr_sections].type = type;
	sh[nr_sections].offset = off;
	sh[nr_sections].size = size;
	sh[nr_sections].link = link;
	shstr_len += strlen(name) + 1;
	sh[1].size = shstr_len;
	nr_sections++;
	eh->shnum = nr_sections;
}

/* A kernel without notes: only its PT_LOAD (the PT_NOTE is dropped). */
static void build_bare(void)
{
	build();
	note_len = 0;
	nr_sections = 0;
	((struct elf64_ehdr *)img)->phnum = 1;
}

static void legacy_section(const char *str)
{
	memcpy(img + 0x900, str, strlen(str) + 1);
	add_section("__xen_guest", 1, 0x900, strlen(str) + 1, 0);
}

static void guest_info(void)
{
	struct elf64_ehdr *eh = (void *)img;
	struct elf64_phdr *ph = (void *)(img + sizeof(*eh));
	struct pv_kernel k;
	const char *why = NULL;

	/* Old kernels: p_paddr = p_vaddr, so PADDR_OFFSET defaults to VIRT_BASE. */
	build_bare();
	ph[0].paddr = VBASE + 0x100000;
	eh->entry = VBASE + 0x100040;
	legacy_section("GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xffffffff80000000,"
		       "LOADER=generic,HYPERCALL_PAGE=0x101,FEATURES=!writable_page_tables|dom0");
	EXPECT_EQ(elf_parse_pv_kernel(img, IMG, &k, &why), 0);
	EXPECT(k.legacy_guest_info);
	EXPECT_EQ(k.virt_base, VBASE);
	EXPECT_EQ(k.paddr_offset, VBASE);
	EXPECT_EQ(k.kstart, VBASE + 0x100000);
	EXPECT_EQ(k.entry, VBASE + 0x100040);
	EXPECT_EQ(k.hypercall_page, VBASE + 0x101000);
	EXPECT(k.features_required & (1U << XENFEAT_writable_page_tables));
	EXPECT(k.features_supported & (1U << XENFEAT_dom0));
	EXPECT(!strcmp(k.guest_os, "linux") && !strcmp(k.xen_version, "xen-3.0"));

	/* Explicit offset and entry, numbers in decimal and octal. */
	build_bare();
	legacy_section("LOADER=generic,XEN_VER=xen-3.0,VIRT_BASE=0,ELF_PADDR_OFFSET=0,"
		       "VIRT_ENTRY=1048592,BSD_SYMTAB");
	EXPECT_EQ(elf_parse_pv_kernel(img, IMG, &k, &why), 0);
	EXPECT_EQ(k.virt_base, 0);
	EXPECT_EQ(k.entry, 0x100010);
	EXPECT(k.bsd_symtab);
	build_bare(); legacy_section("LOADER=generic,XEN_VER=xen-3.0,VIRT_ENTRY=04000020");
	EXPECT_EQ(elf_parse_pv_kernel(img, IMG, &k, &why), 0);
	EXPECT_EQ(k.entry, 0x100010);

	build_bare(); legacy_section("LOADER=generic,XEN_VER=xen-3.0,FEATURES=!nope");
	EXPECT_EQ(elf_parse_pv_kernel(img, IMG, &k, &why), -ENOEXEC);
	build_bare(); legacy_section("LOADER=generic,XEN_VER=xen-2.0");
	EXPECT_EQ(elf_parse_pv_kernel(img, IMG, &k, &why), -ENOEXEC);
	build_bare(); legacy_section("LOADER=generic,XEN_VER=xen-3.0,ELF_PADDR_OFFSET=0");
	EXPECT_EQ(elf_parse_pv_kernel(img, IMG, &k, &why), -ENOEXEC);
	/* No notes, no section: not a PV kernel. */
	build_bare();
	EXPECT_EQ(elf_parse_pv_kernel(img, IMG, &k, &why), -ENOEXEC);
	/* Xen notes win over __xen_guest. */
	build(); nr_sections = 0; legacy_section("LOADER=bsd,XEN_VER=xen-2.0");
	EXPECT_EQ(parse(&k, &why), 0);
	EXPECT(!k.legacy_guest_info);
}

/* Notes in an SHT_NOTE section count only without PT_NOTE notes. */
static void section_notes(void)
{
	struct pv_kernel k;
	const char *why = NULL;

	build_bare();
	add_str(XEN_ELFNOTE_LOADER, "generic");
	add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
	add_num(XEN_ELFNOTE_VIRT_BASE, VBASE);
	add_num(XEN_ELFNOTE_ENTRY, VBASE + 0x100010);
	add_section(".note.Xen", SHT_NOTE, 0x200, note_len, 0);
	EXPECT_EQ(elf_parse_pv_kernel(img, IMG, &k, &why), 0);
	EXPECT_EQ(k.virt_base, VBASE);
	/*
	 * Xen reads every SHT_NOTE section, not only the first with Xen
	 * notes: an ENTRY in a second one is taken (found by Unikraft's
	 * SHT_NOTE-only kernel, where Lamina stopped after the first).
	 */
	build_bare();
	add_str(XEN_ELFNOTE_LOADER, "generic");
	add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
	add_num(XEN_ELFNOTE_VIRT_BASE, VBASE);
	add_section(".note.Xen", SHT_NOTE, 0x200, note_len, 0);
	{
		size_t first = note_len;

		add_num(XEN_ELFNOTE_ENTRY, VBASE + 0x100020);
		add_section(".note.Xen.entry", SHT_NOTE, 0x200 + first, note_len - first, 0);
	}
	((struct elf64_ehdr *)img)->entry = VBASE + 0x100010;
	EXPECT_EQ(elf_parse_pv_kernel(img, IMG, &k, &why), 0);
	EXPECT_EQ(k.entry, VBASE + 0x100020);
	/* A later section's note of a kind already seen wins, as in one area. */
	build_bare();
	add_str(XEN_ELFNOTE_LOADER, "generic");
	add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
	add_num(XEN_ELFNOTE_ENTRY, 0x100010);
	add_section(".note.a", SHT_NOTE, 0x200, note_len, 0);
	{
		size_t first = note_len;

		add_num(XEN_ELFNOTE_ENTRY, 0x100030);
		add_section(".note.b", SHT_NOTE, 0x200 + first, note_len - first, 0);
	}
	EXPECT_EQ(elf_parse_pv_kernel(img, IMG, &k, &why), 0);
	EXPECT_EQ(k.entry, 0x100030);
	/* With notes in a PT_NOTE, SHT_NOTE sections are not read at all. */
	build();
	nr_sections = 0;
	{
		size_t keep = note_len;

		note_len = 0x800;	/* past the PT_NOTE's copy, inside the image */
		add_num(XEN_ELFNOTE_ENTRY, VBASE + 0x100030);
		add_section(".note.late", SHT_NOTE, 0x200 + 0x800, note_len - 0x800, 0);
		note_len = keep;
	}
	EXPECT_EQ(parse(&k, &why), 0);
	EXPECT_EQ(k.entry, VBASE + 0x100010);
	/* A PT_NOTE at file offset 0 is skipped, as Xen does. */
	build(); ((struct elf64_phdr *)(img + sizeof(struct elf64_ehdr)))[1].offset = 0;
	EXPECT_EQ(elf_parse_pv_kernel(img, IMG, &k, &why), -ENOEXEC);
}

static uint8_t loaded[0x4000];	/* VBASE + 0x100000 onwards */

static int copy_out(void *ctx, uint64_t va, const void *src, uint64_t filesz, uint64_t memsz)
{
	EXPECT(va >= VBASE + 0x100000 && va + memsz <= VBASE + 0x100000 + sizeof(loaded));
	if (va >= VBASE + 0x100000 && va + memsz <= VBASE + 0x100000 + sizeof(loaded))
		memcpy(loaded + (va - VBASE - 0x100000), src, filesz);
	return 0;
}

/* BSD_SYMTAB: Xen's symbol image (size, ELF header, 3 sections, tables) after the kernel. */
static void bsd_symtab(void)
{
	struct pv_kernel k;
	const char *why = NULL;
	struct elf64_ehdr eh;
	struct elf64_shdr sh[3];
	uint32_t size;
	const uint8_t *base;

	build(); nr_sections = 0;
	add_str(XEN_ELFNOTE_BSD_SYMTAB, "yes");
	memset(img + 0xa00, 0x5a, 48);			/* two symbols */
	memcpy(img + 0xb00, "\0start\0end", 11);
	add_section(".symtab", SHT_SYMTAB, 0xa00, 48, 3);
	add_section(".strtab", SHT_STRTAB, 0xb00, 11, 0);
	EXPECT_EQ(parse(&k, &why), 0);
	EXPECT_EQ(k.symtab_start, VBASE + 0x103000);
	EXPECT_EQ(k.kend, VBASE + 0x103000 + 264 + 48 + 16);
	memset(loaded, 0, sizeof(loaded));
	EXPECT_EQ(elf_for_each_load(&k, copy_out, NULL), 0);
	base = loaded + 0x3000;
	memcpy(&size, base, 4);
	memcpy(&eh, base + 4, sizeof(eh));
	memcpy(sh, base + 4 + sizeof(eh), sizeof(sh));
	EXPECT_EQ(size, 260 + 48 + 11);
	EXPECT(!memcmp(eh.ident, "\177ELF", 4));
	EXPECT_EQ(eh.shoff, 64);
	EXPECT_EQ(eh.shnum, 3);
	EXPECT_EQ(eh.phnum, 0);
	EXPECT_EQ(sh[0].type, 0);
	EXPECT_EQ(sh[1].type, SHT_SYMTAB);
	EXPECT_EQ(sh[1].offset, 260);
	EXPECT_EQ(sh[1].link, 2);
	EXPECT_EQ(sh[2].offset, 260 + 48);
	EXPECT_EQ(base[4 + 260], 0x5a);
	EXPECT(!memcmp(base + 4 + 260 + 48, "\0start\0end", 11));
	/* Without a symbol table there is nothing to add. */
	build(); add_str(XEN_ELFNOTE_BSD_SYMTAB, "yes");
	EXPECT_EQ(parse(&k, &why), 0);
	EXPECT_EQ(k.kend, VBASE + 0x103000);
	EXPECT_EQ(k.symtab_start, 0);
}

static void binary_true(void)
{
	static uint8_t buf[1 << 20];
	FILE *f = fopen("/bin/true", "rb");
	size_t n;
	struct pv_kernel k;
	const char *why = "";

	if (!f) {
		snprintf(unit_failure, sizeof(unit_failure), "cannot open /bin/true");
		return;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	EXPECT_EQ(elf_parse_pv_kernel(buf, n, &k, &why), -ENOEXEC);
	EXPECT(why && why[0]);
}

/* Random byte flips: the parser answers, and ASan sees no bad access. */
static void random_corruption(void)
{
	struct pv_kernel k;
	const char *why;
	unsigned int round, i;

	srand(7);
	for (round = 0; round < 20000; round++) {
		build();
		pv_elf_phdr(img)[1].filesz = note_len;
		for (i = 0; i < 1 + (unsigned int)rand() % 8; i++) {
			unsigned int at = rand() % (0x200 + note_len + 16);

			img[at] = (uint8_t)rand();
		}
		{
			size_t n = 0x200 + note_len + (rand() % 64);
			uint8_t *copy = malloc(n);	/* exact size: ASan sees overreads */

			memcpy(copy, img, n);
			(void)elf_parse_pv_kernel(copy, n, &k, &why);
			free(copy);
		}
	}
	EXPECT(1);
}

/* The same for the section headers, their names and a __xen_guest string. */
static void random_sections(void)
{
	struct pv_kernel k;
	const char *why;
	unsigned int round, i;

	srand(11);
	for (round = 0; round < 20000; round++) {
		build_bare();
		legacy_section("LOADER=generic,XEN_VER=xen-3.0,VIRT_BASE=0,FEATURES=dom0|!writable_page_tables");
		for (i = 0; i < 1 + (unsigned int)rand() % 8; i++) {
			unsigned int at = SHSTR + rand() % (SHOFF + 6 * 64 - SHSTR);

			img[at] = (uint8_t)rand();
		}
		{
			size_t n = SHOFF + 4 * 64 + (rand() % 256);
			uint8_t *copy = malloc(n);

			memcpy(copy, img, n);
			(void)elf_parse_pv_kernel(copy, n, &k, &why);
			free(copy);
		}
	}
	EXPECT(1);
}

int main(void)
{
	unit_suite = "elf";
	RUN(good_kernel);
	RUN(loads_by_paddr);
	RUN(bad_headers);
	RUN(bad_segments);
	RUN(bad_notes);
	RUN(defaults);
	RUN(entry_bounds);
	RUN(virt_base_alignment);
	RUN(numeric_sizes);
	RUN(features);
	RUN(dom0_feature);
	RUN(init_p2m);
	RUN(guest_info);
	RUN(section_notes);
	RUN(bsd_symtab);
	RUN(binary_true);
	RUN(random_corruption);
	RUN(random_sections);
	return 0;
}
