// SPDX-License-Identifier: GPL-2.0-only
/*
 * PV kernel ELF parsing. Notes are looked for through PT_NOTE program
 * headers first and section headers second (the ABI allows either).
 * Every read is bounds-checked against the image size before it happens.
 */
#include <hv/elf.h>
#include <hv/string.h>
#include <lamina/elfnote.h>
#include <lamina/errno.h>
#include <lamina/version.h>

#define FAIL(msg)	do { *why = (msg); return -ENOEXEC; } while (0)

static bool range_ok(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

static const char *const feature_names[] = {
	[XENFEAT_writable_page_tables]		= "writable_page_tables",
	[XENFEAT_writable_descriptor_tables]	= "writable_descriptor_tables",
	[XENFEAT_auto_translated_physmap]	= "auto_translated_physmap",
	[XENFEAT_supervisor_mode_kernel]	= "supervisor_mode_kernel",
	[XENFEAT_pae_pgdir_above_4gb]		= "pae_pgdir_above_4gb",
	[XENFEAT_mmu_pt_update_preserve_ad]	= "mmu_pt_update_preserve_ad",
	[XENFEAT_highmem_assist]		= "highmem_assist",
	[XENFEAT_gnttab_map_avail_bits]		= "gnttab_map_avail_bits",
	[XENFEAT_hvm_callback_vector]		= "hvm_callback_vector",
	[XENFEAT_hvm_safe_pvclock]		= "hvm_safe_pvclock",
	[XENFEAT_hvm_pirqs]			= "hvm_pirqs",
	[XENFEAT_dom0]				= "dom0",
};

/* "name|!name|..." → supported and required bit sets; unknown names ignored. */
static void parse_features(const char *s, size_t len, struct pv_kernel *k)
{
	const char *end = s + len;

	while (s < end && *s) {
		const char *w = s;
		bool required = false;
		unsigned int i;

		while (w < end && *w && *w != '|')
			w++;
		if (*s == '!') {
			required = true;
			s++;
		}
		for (i = 0; i < ARRAY_SIZE(feature_names); i++) {
			const char *n = feature_names[i];

			if (n && strlen(n) == (size_t)(w - s) && !strncmp(s, n, w - s)) {
				k->features_supported |= 1U << i;
				if (required)
					k->features_required |= 1U << i;
			}
		}
		s = w < end && *w == '|' ? w + 1 : w;
	}
}

static void copy_str(char *dst, size_t dlen, const uint8_t *desc, uint32_t len)
{
	size_t n = strnlen((const char *)desc, len);

	if (n >= dlen)
		n = dlen - 1;
	memcpy(dst, desc, n);
	dst[n] = '\0';
}

static bool note_num(const uint8_t *desc, uint32_t len, uint64_t *val)
{
	uint32_t v32;

	if (len == 8) {
		memcpy(val, desc, 8);
		return true;
	}
	if (len == 4) {
		memcpy(&v32, desc, 4);
		*val = v32;
		return true;
	}
	return false;
}

struct note_state {
	bool any, entry, virt_base;
};

static int one_note(struct pv_kernel *k, struct note_state *st, uint32_t type,
		    const uint8_t *desc, uint32_t len, const char **why)
{
	uint64_t v;

	st->any = true;
	switch (type) {
	case XEN_ELFNOTE_ENTRY:
		if (!note_num(desc, len, &k->entry))
			FAIL("ENTRY note has a bad size");
		st->entry = true;
		break;
	case XEN_ELFNOTE_VIRT_BASE:
		if (!note_num(desc, len, &k->virt_base))
			FAIL("VIRT_BASE note has a bad size");
		st->virt_base = true;
		break;
	case XEN_ELFNOTE_PADDR_OFFSET:
		if (!note_num(desc, len, &k->paddr_offset))
			FAIL("PADDR_OFFSET note has a bad size");
		break;
	case XEN_ELFNOTE_HYPERCALL_PAGE:
		if (!note_num(desc, len, &k->hypercall_page))
			FAIL("HYPERCALL_PAGE note has a bad size");
		break;
	case XEN_ELFNOTE_SUPPORTED_FEATURES:
		if (!note_num(desc, len, &v))
			FAIL("SUPPORTED_FEATURES note has a bad size");
		k->features_supported |= (uint32_t)v;
		break;
	case XEN_ELFNOTE_FEATURES:
		parse_features((const char *)desc, len, k);
		break;
	case XEN_ELFNOTE_LOADER:
		copy_str(k->loader, sizeof(k->loader), desc, len);
		break;
	case XEN_ELFNOTE_GUEST_OS:
		copy_str(k->guest_os, sizeof(k->guest_os), desc, len);
		break;
	case XEN_ELFNOTE_XEN_VERSION:
		copy_str(k->xen_version, sizeof(k->xen_version), desc, len);
		break;
	case XEN_ELFNOTE_GUEST_VERSION:
		copy_str(k->guest_version, sizeof(k->guest_version), desc, len);
		break;
	}
	return 0;
}

/* Walks one note area [off, off + len) of the image. */
static int parse_notes(struct pv_kernel *k, struct note_state *st,
		       uint64_t off, uint64_t len, const char **why)
{
	const uint8_t *p, *end;

	if (!range_ok(k->size, off, len))
		FAIL("note area lies outside the file");
	p = k->image + off;
	end = p + len;
	while ((size_t)(end - p) >= 12) {
		uint32_t namesz, descsz, type;
		uint64_t name_pad, desc_pad;
		int rc;

		memcpy(&namesz, p, 4);
		memcpy(&descsz, p + 4, 4);
		memcpy(&type, p + 8, 4);
		name_pad = ALIGN_UP((uint64_t)namesz, 4);
		desc_pad = ALIGN_UP((uint64_t)descsz, 4);
		if (name_pad + desc_pad > (uint64_t)(end - p) - 12)
			FAIL("a note runs past the end of its area");
		if (namesz == 4 && !memcmp(p + 12, XEN_ELFNOTE_NAME, 4)) {
			rc = one_note(k, st, type, p + 12 + name_pad, descsz, why);
			if (rc)
				return rc;
		}
		p += 12 + name_pad + desc_pad;
	}
	return 0;
}

static int find_notes(struct pv_kernel *k, const struct elf64_ehdr *eh,
		      struct note_state *st, const char **why)
{
	unsigned int i;
	int rc;

	for (i = 0; i < eh->phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, k->image + eh->phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type == PT_NOTE) {
			rc = parse_notes(k, st, ph.offset, ph.filesz, why);
			if (rc)
				return rc;
		}
	}
	if (st->any || !eh->shoff)
		return 0;
	if (eh->shentsize != sizeof(struct elf64_shdr) ||
	    !range_ok(k->size, eh->shoff, (uint64_t)eh->shnum * sizeof(struct elf64_shdr)))
		FAIL("section header table lies outside the file");
	for (i = 0; i < eh->shnum; i++) {
		struct elf64_shdr sh;

		memcpy(&sh, k->image + eh->shoff + i * sizeof(sh), sizeof(sh));
		if (sh.type == SHT_NOTE) {
			rc = parse_notes(k, st, sh.offset, sh.size, why);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int check_header(const struct pv_kernel *k, const struct elf64_ehdr *eh,
			const char **why)
{
	if (k->size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4))
		FAIL("not an ELF file");
	if (eh->ident[4] != 2)
		FAIL("not a 64-bit ELF file (only 64-bit PV kernels are supported)");
	if (eh->ident[5] != 1)
		FAIL("not a little-endian ELF file");
	if (eh->machine != EM_X86_64)
		FAIL("not an x86-64 ELF file");
	if (eh->type == ET_DYN)
		FAIL("a position-independent program (ET_DYN), not a PV kernel");
	if (eh->type != ET_EXEC)
		FAIL("not an executable ELF file");
	if (eh->phentsize != sizeof(struct elf64_phdr) || !eh->phnum ||
	    !range_ok(k->size, eh->phoff, (uint64_t)eh->phnum * sizeof(struct elf64_phdr)))
		FAIL("bad program header table");
	return 0;
}

static uint64_t load_va(const struct pv_kernel *k, const struct elf64_phdr *ph)
{
	return ph->paddr + k->virt_base - k->paddr_offset;
}

/* Computes kstart/kend and checks each PT_LOAD lies inside the file. */
static int check_loads(struct pv_kernel *k, const struct elf64_ehdr *eh, const char **why)
{
	unsigned int i, loads = 0;

	k->kstart = UINT64_MAX;
	k->kend = 0;
	for (i = 0; i < eh->phnum; i++) {
		struct elf64_phdr ph;
		uint64_t va;

		memcpy(&ph, k->image + eh->phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		if (!range_ok(k->size, ph.offset, ph.filesz) || ph.filesz > ph.memsz)
			FAIL("a loadable segment lies outside the file");
		va = load_va(k, &ph);
		if (va < k->virt_base)
			FAIL("a loadable segment lies below VIRT_BASE");
		if (va + ph.memsz < va)
			FAIL("a loadable segment wraps past the end of the address space");
		k->kstart = MIN(k->kstart, va);
		k->kend = MAX(k->kend, va + ph.memsz);
		loads++;
	}
	if (!loads)
		FAIL("no loadable segments");
	if (k->kend - k->virt_base > (1ULL << 30) - (8ULL << 20))
		FAIL("the kernel does not fit in the 1 GiB start-of-day window");
	if (k->entry < k->kstart || k->entry >= k->kend)
		FAIL("the entry point lies outside the loaded kernel");
	if (k->hypercall_page &&
	    ((k->hypercall_page & (PAGE_SIZE - 1)) || k->hypercall_page < k->kstart ||
	     k->hypercall_page + PAGE_SIZE > k->kend))
		FAIL("the hypercall page is not a page inside the kernel");
	return 0;
}

int elf_parse_pv_kernel(const void *image, size_t size, struct pv_kernel *k,
			const char **why)
{
	struct elf64_ehdr eh;
	struct note_state st = { false, false, false };
	int rc;

	memset(k, 0, sizeof(*k));
	k->image = image;
	k->size = size;
	if (size < sizeof(eh))
		FAIL("not an ELF file (too short)");
	memcpy(&eh, image, sizeof(eh));
	rc = check_header(k, &eh, why);
	if (rc)
		return rc;
	rc = find_notes(k, &eh, &st, why);
	if (rc)
		return rc;
	if (!st.any)
		FAIL("no Xen PV ELF notes: not a paravirtualized kernel");
	if (strcmp(k->loader, "generic") && strcmp(k->guest_os, "linux"))
		FAIL("LOADER note is not \"generic\"");
	if (strncmp(k->xen_version, "xen-3.0", 7))
		FAIL("XEN_VERSION note is not \"xen-3.0\"");
	if (!st.virt_base)
		FAIL("no VIRT_BASE note");
	if (k->virt_base & ((2ULL << 20) - 1))
		FAIL("VIRT_BASE is not 2 MiB aligned");
	if (!st.entry)
		k->entry = eh.entry;
	return check_loads(k, &eh, why);
}

int elf_for_each_load(const struct pv_kernel *k,
		      int (*fn)(void *ctx, uint64_t va, const void *src,
				uint64_t filesz, uint64_t memsz),
		      void *ctx)
{
	struct elf64_ehdr eh;
	unsigned int i;
	int rc;

	memcpy(&eh, k->image, sizeof(eh));
	for (i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, k->image + eh.phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		rc = fn(ctx, load_va(k, &ph), k->image + ph.offset, ph.filesz, ph.memsz);
		if (rc)
			return rc;
	}
	return 0;
}
