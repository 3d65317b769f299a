/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test images of 64-bit PV kernels for the unit tests: an ELF header, one
 * PT_LOAD of file offset 0x1000 at physical 1 MiB, and a PT_NOTE at 0x200
 * holding the Xen notes added by pv_elf_note(). Include after the header
 * that declares struct elf64_ehdr (hv/elf.h).
 */
#ifndef TESTS_UNIT_PV_ELF_H
#define TESTS_UNIT_PV_ELF_H

#include <stdint.h>
#include <string.h>

#define PV_ELF_NOTES	0x200	/* where the notes start in the image */

/* Appends a "Xen" note at img + PV_ELF_NOTES + *len and advances *len. */
static inline void pv_elf_note(uint8_t *img, size_t *len, uint32_t type, const void *desc,
			       uint32_t desc_len)
{
	uint8_t *p = img + PV_ELF_NOTES + *len;
	uint32_t namesz = 4;

	memcpy(p, &namesz, 4);
	memcpy(p + 4, &desc_len, 4);
	memcpy(p + 8, &type, 4);
	memcpy(p + 12, "Xen", 4);
	memcpy(p + 16, desc, desc_len);
	*len += 16 + ((desc_len + 3) & ~3u);
}

/*
 * The ELF header and the two program headers (the notes' length may be
 * set later through pv_elf_phdr(img)[1].filesz); the rest of img is left.
 */
static inline struct elf64_phdr *pv_elf_phdr(uint8_t *img)
{
	return (struct elf64_phdr *)(img + sizeof(struct elf64_ehdr));
}

static inline void pv_elf_headers(uint8_t *img, uint64_t vaddr, uint64_t filesz,
				  uint64_t memsz, size_t notes_len)
{
	struct elf64_ehdr *eh = (void *)img;
	struct elf64_phdr *ph = pv_elf_phdr(img);

	memset(img, 0, PV_ELF_NOTES);
	memcpy(eh->ident, "\177ELF\2\1\1", 7);
	eh->type = ET_EXEC;
	eh->machine = EM_X86_64;
	eh->version = 1;
	eh->entry = 0x100000;
	eh->phoff = sizeof(*eh);
	eh->ehsize = sizeof(*eh);
	eh->phentsize = sizeof(*ph);
	eh->phnum = 2;
	ph[0].type = PT_LOAD;
	ph[0].flags = PF_R | PF_W | PF_X;
	ph[0].offset = 0x1000;
	ph[0].paddr = 0x100000;
	ph[0].vaddr = vaddr;
	ph[0].filesz = filesz;
	ph[0].memsz = memsz;
	ph[1].type = PT_NOTE;
	ph[1].offset = PV_ELF_NOTES;
	ph[1].filesz = notes_len;
}

#endif
