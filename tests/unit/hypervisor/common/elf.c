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

#define VBASE	0xffffffff80000000ULL
#define IMG	8192

static uint8_t img[IMG];
static size_t note_len;

static void add_note(uint32_t type, const void *desc, uint32_t len)
{
	uint8_t *p = img + 0x200 + note_len;
	uint32_t namesz = 4;

	memcpy(p, &namesz, 4);
	memcpy(p + 4, &len, 4);
	memcpy(p + 8, &type, 4);
	memcpy(p + 12, "Xen", 4);
	memcpy(p + 16, desc, len);
	note_len += 16 + ((len + 3) & ~3u);
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
	struct elf64_ehdr *eh = (void *)img;
	struct elf64_phdr *ph = (void *)(img + sizeof(*eh));

	memset(img, 0, sizeof(img));
	note_len = 0;
	memcpy(eh->ident, "\177ELF\2\1\1", 7);
	eh->type = ET_EXEC;
	eh->machine = EM_X86_64;
	eh->version = 1;
	eh->entry = 0x100000;
	eh->phoff = sizeof(*eh);
	eh->ehsize = sizeof(*eh);
	eh->phentsize = sizeof(*ph);
	eh->phnum = 2;
	add_str(XEN_ELFNOTE_LOADER, "generic");
	add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
	add_num(XEN_ELFNOTE_VIRT_BASE, VBASE);
	add_num(XEN_ELFNOTE_PADDR_OFFSET, 0);
	add_num(XEN_ELFNOTE_ENTRY, VBASE + 0x100010);
	add_str(XEN_ELFNOTE_FEATURES, "!writable_page_tables|pae_pgdir_above_4gb|dom0|bogus");
	ph[0].type = PT_LOAD;
	ph[0].offset = 0x1000;
	ph[0].paddr = 0x100000;
	ph[0].vaddr = VBASE + 0x100000;
	ph[0].filesz = 0x1000;
	ph[0].memsz = 0x3000;
	ph[1].type = PT_NOTE;
	ph[1].offset = 0x200;
	ph[1].filesz = note_len;
}

static int parse(struct pv_kernel *k, const char **why)
{
	((struct elf64_phdr *)(img + sizeof(struct elf64_ehdr)))[1].filesz = note_len;
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
	EXPECT_EQ(k.hypercall_page, 0);
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
	build(); note_len = 0; add_str(XEN_ELFNOTE_LOADER, "generic");
		add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0");	expect_refused("VIRT_BASE");
	build(); add_note(XEN_ELFNOTE_ENTRY, "abc", 3);	expect_refused("bad size");
	build(); add_num(XEN_ELFNOTE_HYPERCALL_PAGE, VBASE + 0x100800);
		expect_refused("hypercall page");
	build(); ph[1].filesz = 0; ph[1].offset = IMG; note_len = 0;
		expect_refused("no Xen PV ELF notes");
	/* A note whose size field runs past its area. */
	build(); { uint32_t big = 0x7fffffff; memcpy(img + 0x200 + 4, &big, 4); }
		expect_refused("past the end");
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
		((struct elf64_phdr *)(img + sizeof(struct elf64_ehdr)))[1].filesz = note_len;
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

int main(void)
{
	unit_suite = "elf";
	RUN(good_kernel);
	RUN(loads_by_paddr);
	RUN(bad_headers);
	RUN(bad_segments);
	RUN(bad_notes);
	RUN(binary_true);
	RUN(random_corruption);
	return 0;
}
