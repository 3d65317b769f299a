// SPDX-License-Identifier: GPL-2.0-only
/*
 * elf-bsdsym: the usual notes plus BSD_SYMTAB "yes", as NetBSD and
 * FreeBSD kernels carry. The builder then loads the kernel's symbol table
 * after it, 8-byte aligned, as Xen's libelf lays it out: a u32 size, an
 * ELF header whose section table follows it (e_shoff 64, three sections:
 * null, SYMTAB linked to STRTAB), then the symbols and their strings,
 * with section offsets relative to the ELF header; the start-of-day
 * elements follow the image. Finds test_main through it.
 * @head: -DNOTES_BSD_SYMTAB
 */
#include "lib/guest.h"
#include <hv/elf.h>

extern char _end[];

struct sym64 {
	uint32_t name;
	uint8_t info, other;
	uint16_t shndx;
	uint64_t value, size;
};

/* The value of symbol `name` in the loaded table, or 0. */
static uint64_t lookup(const uint8_t *ehdr, const struct elf64_shdr *sh, const char *name)
{
	const struct sym64 *sym = (const void *)(ehdr + sh[1].offset);
	const char *str = (const char *)(ehdr + sh[2].offset);
	uint64_t i;

	for (i = 0; i < sh[1].size / sizeof(*sym); i++)
		if (sym[i].name < sh[2].size && !strcmp(str + sym[i].name, name))
			return sym[i].value;
	return 0;
}

int test_main(struct start_info *si)
{
	const uint8_t *base = (const uint8_t *)(((uint64_t)_end + 7) & ~7UL);
	const struct elf64_ehdr *eh = (const void *)(base + 4);
	const struct elf64_shdr *sh = (const void *)(base + 4 + sizeof(*eh));
	uint32_t size;
	uint64_t end;

	memcpy(&size, base, 4);
	printf("symbol image at %#lx: %u bytes, %u sections; mfn_list %#lx\n",
	       (unsigned long)base, size, eh->shnum, (unsigned long)si->mfn_list);
	CHECK(!memcmp(eh->ident, "\177ELF", 4), "no ELF header after the kernel");
	CHECK(eh->shoff == sizeof(*eh) && eh->shnum == 3 && eh->shentsize == sizeof(*sh) &&
	      eh->phnum == 0, "ELF header: shoff %lu shnum %u shentsize %u phnum %u",
	      (unsigned long)eh->shoff, eh->shnum, eh->shentsize, eh->phnum);
	CHECK(sh[0].type == 0 && sh[1].type == SHT_SYMTAB && sh[2].type == SHT_STRTAB &&
	      sh[1].link == 2, "sections: types %u %u %u, link %u", sh[0].type, sh[1].type,
	      sh[2].type, sh[1].link);
	CHECK(sh[1].offset == 260 && sh[2].offset == ((4 + 260 + sh[1].size + 7) & ~7UL) - 4,
	      "symbols at +%lu, strings at +%lu", (unsigned long)sh[1].offset,
	      (unsigned long)sh[2].offset);
	CHECK(size == sh[2].offset + sh[2].size, "size %u", size);
	CHECK(lookup(base + 4, sh, "test_main") == (uint64_t)test_main,
	      "test_main is not in the loaded symbol table");
	end = (uint64_t)base + 4 + size;
	CHECK(si->mfn_list >= end, "the p2m list %#lx overlaps the symbol image (ends %#lx)",
	      (unsigned long)si->mfn_list, (unsigned long)end);
	return TEST_PASS;
}
