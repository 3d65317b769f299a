// SPDX-License-Identifier: GPL-2.0-only
/*
 * PV kernel ELF parsing, with the rules of Xen 4.17's domain builder
 * (libelf) so that a kernel Xen boots boots here too.
 *
 * Where the parameters come from, first found wins:
 *   1. Xen notes (name "Xen") in PT_NOTE segments (one at file offset 0 is
 *      skipped: old binutils wrote such);
 *   2. if there were none there, Xen notes in all SHT_NOTE sections;
 *   3. if still none, the legacy "__xen_guest" section: one string
 *      "KEY=value,KEY=value,..." (GUEST_OS, GUEST_VER, XEN_VER, LOADER,
 *      VIRT_BASE, VIRT_ENTRY, ELF_PADDR_OFFSET, HYPERCALL_PAGE as a pfn
 *      from VIRT_BASE, FEATURES, BSD_SYMTAB, PAE).
 *
 * Then the checks and defaults:
 *   - LOADER must start "generic" or GUEST_OS "linux"; XEN_VERSION must
 *     start "xen-3.0";
 *   - VIRT_BASE defaults to 0; PADDR_OFFSET given without VIRT_BASE is
 *     refused; PADDR_OFFSET defaults to 0 with notes and to VIRT_BASE with
 *     __xen_guest (old kernels linked p_paddr = p_vaddr); ENTRY defaults
 *     to e_entry;
 *   - the kernel spans [lowest p_paddr, highest p_paddr + p_memsz) of the
 *     loadable segments (PT_LOAD with any of R/W/X), moved by VIRT_BASE -
 *     PADDR_OFFSET; with BSD_SYMTAB the symbol table image follows it;
 *   - VIRT_BASE <= kstart <= ENTRY <= kend, and INIT_P2M outside
 *     [kstart, kend).
 * A numeric note of 1, 2, 4 or 8 bytes gives its value, any other size 0
 * (Xen's reading). FEATURES names Xen does not know are ignored, but a
 * required ('!') one refuses the kernel. HV_START_LOW, L1_MFN_VALID and
 * SUSPEND_CANCEL are recorded only: the first matters to 32-bit guests,
 * the others to save/restore tools.
 *
 * Lamina refuses beyond Xen (each a documented difference): a note that
 * runs past its area (Xen reads on into the file), a VIRT_BASE that is
 * not page aligned, an unaligned hypercall page, and a kernel whose
 * start-of-day region would not fit in the 1 GiB one L2 table covers.
 *
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

/* The names Xen 4.17's libelf knows in a FEATURES string. */
static const char *const feature_names[] = {
	[XENFEAT_writable_page_tables]		= "writable_page_tables",
	[XENFEAT_writable_descriptor_tables]	= "writable_descriptor_tables",
	[XENFEAT_auto_translated_physmap]	= "auto_translated_physmap",
	[XENFEAT_supervisor_mode_kernel]	= "supervisor_mode_kernel",
	[XENFEAT_pae_pgdir_above_4gb]		= "pae_pgdir_above_4gb",
	[XENFEAT_hvm_callback_vector]		= "hvm_callback_vector",
	[XENFEAT_dom0]				= "dom0",
};

/* The XENFEAT_* number of the name [s, s + len), or -1. */
static int feature_number(const char *s, size_t len)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(feature_names); i++) {
		const char *n = feature_names[i];

		if (n && strlen(n) == len && !strncmp(s, n, len))
			return i;
	}
	return -1;
}

/*
 * "name|!name|..." → supported and required bit sets. An unknown name is
 * ignored, an unknown required one is an error (-1), as in Xen.
 */
static int parse_features(const char *s, size_t len, struct pv_kernel *k)
{
	const char *end = s + len;

	while (s < end && *s) {
		const char *w = s;
		bool required = *s == '!';
		int nr;

		while (w < end && *w && *w != '|')
			w++;
		nr = feature_number(s + required, w - s - required);
		if (nr >= 0) {
			k->features_supported |= 1U << nr;
			if (required)
				k->features_required |= 1U << nr;
		} else if (required) {
			return -1;
		}
		s = w < end && *w == '|' ? w + 1 : w;
	}
	return 0;
}

static void copy_str(char *dst, size_t dlen, const uint8_t *desc, uint32_t len)
{
	size_t n = strnlen((const char *)desc, len);

	if (n >= dlen)
		n = dlen - 1;
	memcpy(dst, desc, n);
	dst[n] = '\0';
}

/* A numeric note: 1, 2, 4 or 8 little-endian bytes; other sizes read 0. */
static uint64_t note_num(const uint8_t *desc, uint32_t len)
{
	uint64_t v = 0;

	if (len == 1 || len == 2 || len == 4 || len == 8)
		memcpy(&v, desc, len);
	return v;
}

/* What was given explicitly, before the defaults are applied. */
struct note_state {
	unsigned int xen_notes;		/* Xen notes seen */
	bool entry, virt_base, paddr_offset;
};

static int string_note(struct pv_kernel *k, uint32_t type, const uint8_t *desc,
		       uint32_t len, const char **why)
{
	switch (type) {
	case XEN_ELFNOTE_FEATURES:
		if (parse_features((const char *)desc, len, k))
			FAIL("the FEATURES note requires a feature Xen does not know");
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
	case XEN_ELFNOTE_BSD_SYMTAB:
		if (strnlen((const char *)desc, len) == 3 && !memcmp(desc, "yes", 3))
			k->bsd_symtab = true;
		break;
	}
	return 0;
}

static void numeric_note(struct pv_kernel *k, struct note_state *st, uint32_t type,
			 const uint8_t *desc, uint32_t len)
{
	uint64_t v = note_num(desc, len);

	switch (type) {
	case XEN_ELFNOTE_ENTRY:		k->entry = v; st->entry = true; break;
	case XEN_ELFNOTE_VIRT_BASE:	k->virt_base = v; st->virt_base = true; break;
	case XEN_ELFNOTE_PADDR_OFFSET:	k->paddr_offset = v; st->paddr_offset = true; break;
	case XEN_ELFNOTE_HYPERCALL_PAGE: k->hypercall_page = v; break;
	case XEN_ELFNOTE_INIT_P2M:	k->p2m_base = v; break;
	case XEN_ELFNOTE_HV_START_LOW:	k->hv_start_low = v; break;
	case XEN_ELFNOTE_MOD_START_PFN:	k->mod_start_pfn = v != 0; break;
	case XEN_ELFNOTE_SUSPEND_CANCEL: k->suspend_cancel = v != 0; break;
	case XEN_ELFNOTE_L1_MFN_VALID:
		/* Two u64s, mask and value (Xen itself reads this as one number). */
		if (len == 16) {
			memcpy(k->l1_mfn_valid, desc, 16);
		} else {
			k->l1_mfn_valid[0] = v;
			k->l1_mfn_valid[1] = 0;
		}
		break;
	case XEN_ELFNOTE_SUPPORTED_FEATURES:
		/* An array of u32 submaps; only submap 0 exists. */
		if (len >= 4 && !(len % 4)) {
			uint32_t map;

			memcpy(&map, desc, 4);
			k->features_supported |= map;
		}
		k->has_supported_features = true;
		break;
	}
}

static int one_note(struct pv_kernel *k, struct note_state *st, uint32_t type,
		    const uint8_t *desc, uint32_t len, const char **why)
{
	st->xen_notes++;
	switch (type) {
	case XEN_ELFNOTE_FEATURES:
	case XEN_ELFNOTE_LOADER:
	case XEN_ELFNOTE_GUEST_OS:
	case XEN_ELFNOTE_XEN_VERSION:
	case XEN_ELFNOTE_GUEST_VERSION:
	case XEN_ELFNOTE_BSD_SYMTAB:
	case XEN_ELFNOTE_PAE_MODE:
		return string_note(k, type, desc, len, why);
	default:
		numeric_note(k, st, type, desc, len);
		return 0;
	}
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
		/* The name is the string "Xen" (its NUL included). */
		if (namesz >= 4 && !memcmp(p + 12, XEN_ELFNOTE_NAME, 4)) {
			rc = one_note(k, st, type, p + 12 + name_pad, descsz, why);
			if (rc)
				return rc;
		}
		p += 12 + name_pad + desc_pad;
	}
	return 0;
}

/* Section header i, after checking the table lies inside the file. */
static bool section(const struct pv_kernel *k, const struct elf64_ehdr *eh, unsigned int i,
		    struct elf64_shdr *sh)
{
	if (!eh->shoff || i >= eh->shnum || eh->shentsize != sizeof(*sh) ||
	    !range_ok(k->size, eh->shoff, (uint64_t)eh->shnum * sizeof(*sh)))
		return false;
	memcpy(sh, k->image + eh->shoff + i * sizeof(*sh), sizeof(*sh));
	return true;
}

static int find_notes(struct pv_kernel *k, const struct elf64_ehdr *eh,
		      struct note_state *st, const char **why)
{
	struct elf64_shdr sh;
	bool had_segment_notes;
	unsigned int i;
	int rc;

	for (i = 0; i < eh->phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, k->image + eh->phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type == PT_NOTE && ph.offset) {
			rc = parse_notes(k, st, ph.offset, ph.filesz, why);
			if (rc)
				return rc;
		}
	}
	had_segment_notes = st->xen_notes != 0;
	/* Like Xen's libelf: every SHT_NOTE section, not just the first with notes. */
	for (i = 1; !had_segment_notes && section(k, eh, i, &sh); i++) {
		if (sh.type == SHT_NOTE) {
			rc = parse_notes(k, st, sh.offset, sh.size, why);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* The file bytes of the section named `name`, or NULL. */
static const char *section_by_name(const struct pv_kernel *k, const struct elf64_ehdr *eh,
				   const char *name, uint64_t *len)
{
	struct elf64_shdr strtab, sh;
	size_t nlen = strlen(name) + 1;
	unsigned int i;

	if (!section(k, eh, eh->shstrndx, &strtab) ||
	    !range_ok(k->size, strtab.offset, strtab.size))
		return NULL;
	for (i = 1; section(k, eh, i, &sh); i++) {
		if (!range_ok(strtab.size, sh.name, nlen) ||
		    memcmp(k->image + strtab.offset + sh.name, name, nlen))
			continue;
		if (!range_ok(k->size, sh.offset, sh.size))
			return NULL;
		*len = sh.size;
		return (const char *)k->image + sh.offset;
	}
	return NULL;
}

/* strtoull(s, NULL, 0) of a NUL-terminated value: 0x hex, 0 octal, decimal. */
static uint64_t parse_number(const char *s)
{
	unsigned int base = 10, d;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	for (;; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (*s | 0x20) - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		v = v * base + d;
	}
	return v;
}

/* Reads one "KEY=value" of [s, end) into key and value; returns the next. */
static const char *guest_info_item(const char *s, const char *end, char *key, size_t klen,
				   char *value, size_t vlen)
{
	size_t n = 0;

	while (s < end && *s && *s != ',' && *s != '=') {
		if (n < klen - 1)
			key[n++] = *s;
		s++;
	}
	key[n] = '\0';
	n = 0;
	if (s < end && *s == '=') {
		for (s++; s < end && *s && *s != ','; s++)
			if (n < vlen - 1)
				value[n++] = *s;
	}
	value[n] = '\0';
	return s < end && *s == ',' ? s + 1 : s;
}

/* The __xen_guest keys with a string value: where each goes (16 bytes). */
static const struct { const char *key; size_t field; } guest_info_strings[] = {
	{ "LOADER",		offsetof(struct pv_kernel, loader) },
	{ "GUEST_OS",		offsetof(struct pv_kernel, guest_os) },
	{ "GUEST_VER",		offsetof(struct pv_kernel, guest_version) },
	{ "XEN_VER",		offsetof(struct pv_kernel, xen_version) },
};

/* ... and those with a number, with the flag saying it was given. */
static const struct { const char *key; size_t field, given; } guest_info_numbers[] = {
	{ "VIRT_BASE",	offsetof(struct pv_kernel, virt_base), offsetof(struct note_state, virt_base) },
	{ "VIRT_ENTRY",	offsetof(struct pv_kernel, entry), offsetof(struct note_state, entry) },
	{ "ELF_PADDR_OFFSET", offsetof(struct pv_kernel, paddr_offset),
	  offsetof(struct note_state, paddr_offset) },
};

static int guest_info_apply(struct pv_kernel *k, struct note_state *st, const char *key,
			    const char *value, uint64_t *hcall_pfn, const char **why)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(guest_info_strings); i++)
		if (!strcmp(key, guest_info_strings[i].key))
			copy_str((char *)k + guest_info_strings[i].field, sizeof(k->loader),
				 (const uint8_t *)value, strlen(value) + 1);
	for (i = 0; i < ARRAY_SIZE(guest_info_numbers); i++) {
		if (!strcmp(key, guest_info_numbers[i].key)) {
			*(uint64_t *)((char *)k + guest_info_numbers[i].field) = parse_number(value);
			*(bool *)((char *)st + guest_info_numbers[i].given) = true;
		}
	}
	if (!strcmp(key, "BSD_SYMTAB"))
		k->bsd_symtab = true;
	if (!strcmp(key, "HYPERCALL_PAGE"))
		*hcall_pfn = parse_number(value);
	if (!strcmp(key, "FEATURES") && parse_features(value, strlen(value), k))
		FAIL("the __xen_guest FEATURES require a feature Xen does not know");
	return 0;
}

/* The legacy "__xen_guest" section, for a kernel without Xen notes. */
static int parse_guest_info(struct pv_kernel *k, const char *s, uint64_t len,
			    struct note_state *st, const char **why)
{
	const char *end = s + len;
	uint64_t hcall_pfn = PV_UNSET;
	char key[32], value[128];
	int rc;

	k->legacy_guest_info = true;
	while (s < end && *s) {
		s = guest_info_item(s, end, key, sizeof(key), value, sizeof(value));
		rc = guest_info_apply(k, st, key, value, &hcall_pfn, why);
		if (rc)
			return rc;
	}
	/* HYPERCALL_PAGE is a page number from VIRT_BASE (if that is given). */
	if (hcall_pfn != PV_UNSET)
		k->hypercall_page = (hcall_pfn << PAGE_SHIFT) + (st->virt_base ? k->virt_base : 0);
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

/* Xen's test of the strings, once all parameters are read. */
static int check_strings(const struct pv_kernel *k, const char **why)
{
	if (strncmp(k->loader, "generic", 7) && strncmp(k->guest_os, "linux", 5))
		FAIL("LOADER is not \"generic\" (nor GUEST_OS \"linux\")");
	if (strncmp(k->xen_version, "xen-3.0", 7))
		FAIL("XEN_VERSION is not \"xen-3.0\"");
	return 0;
}

static bool is_loadable(const struct elf64_phdr *ph)
{
	return ph->type == PT_LOAD && (ph->flags & (PF_R | PF_W | PF_X));
}

/* The physical extent [pstart, pend) of the loadable segments, each checked. */
static int load_extent(const struct pv_kernel *k, const struct elf64_ehdr *eh,
		       uint64_t *pstart, uint64_t *pend, const char **why)
{
	unsigned int i;

	*pstart = UINT64_MAX;
	*pend = 0;
	for (i = 0; i < eh->phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, k->image + eh->phoff + i * sizeof(ph), sizeof(ph));
		if (!is_loadable(&ph))
			continue;
		if (!range_ok(k->size, ph.offset, ph.filesz) || ph.filesz > ph.memsz)
			FAIL("a loadable segment lies outside the file");
		if (ph.paddr + ph.memsz < ph.paddr)
			FAIL("a loadable segment wraps past the end of the address space");
		*pstart = MIN(*pstart, ph.paddr);
		*pend = MAX(*pend, ph.paddr + ph.memsz);
	}
	if (*pstart > *pend)
		FAIL("no loadable segments");
	return 0;
}

/*
 * BSD_SYMTAB: the size of the symbol table image Xen places 8-byte
 * aligned after the kernel: a u32 size, an ELF header, three section
 * headers (null, symtab, strtab), the symbols and the strings, each part
 * 8-byte aligned. 0 if the kernel has no symbol table with a string table.
 */
#define SYMHDR_SIZE	(4 + sizeof(struct elf64_ehdr) + 3 * sizeof(struct elf64_shdr))

static bool find_symtab(const struct pv_kernel *k, const struct elf64_ehdr *eh,
			struct elf64_shdr *sym, struct elf64_shdr *str)
{
	unsigned int i;

	for (i = 1; section(k, eh, i, sym); i++) {
		if (sym->type != SHT_SYMTAB)
			continue;
		if (section(k, eh, sym->link, str) && str->type == SHT_STRTAB &&
		    range_ok(k->size, sym->offset, sym->size) &&
		    range_ok(k->size, str->offset, str->size))
			return true;
	}
	return false;
}

static uint64_t symtab_size(const struct pv_kernel *k, const struct elf64_ehdr *eh)
{
	struct elf64_shdr sym, str;

	if (!find_symtab(k, eh, &sym, &str))
		return 0;
	return ALIGN_UP(SYMHDR_SIZE, 8) + ALIGN_UP(sym.size, 8) + ALIGN_UP(str.size, 8);
}

/* Applies Xen's defaults and checks the addresses (libelf's order). */
static int place_kernel(struct pv_kernel *k, const struct elf64_ehdr *eh,
			const struct note_state *st, const char **why)
{
	uint64_t pstart, pend, offset;
	int rc;

	if (st->paddr_offset && !st->virt_base)
		FAIL("PADDR_OFFSET is given but VIRT_BASE is not");
	if (!st->virt_base)
		k->virt_base = 0;
	if (!st->paddr_offset)
		k->paddr_offset = k->legacy_guest_info ? k->virt_base : 0;
	rc = load_extent(k, eh, &pstart, &pend, why);
	if (rc)
		return rc;
	offset = k->virt_base - k->paddr_offset;
	k->kstart = pstart + offset;
	k->kend = pend + offset;
	if (!st->entry)
		k->entry = eh->entry;
	if (k->bsd_symtab && symtab_size(k, eh)) {
		/* Xen aligns the physical end, then moves it by the offset. */
		k->symtab_start = ALIGN_UP(pend, 8) + offset;
		k->kend = k->symtab_start + symtab_size(k, eh);
	}
	if (k->kend < k->kstart)
		FAIL("a loadable segment wraps past the end of the address space");
	if (k->virt_base > k->kstart)
		FAIL("a loadable segment lies below VIRT_BASE");
	if (k->entry < k->kstart || k->entry > k->kend)
		FAIL("the entry point lies outside the loaded kernel");
	if (k->p2m_base != PV_UNSET && k->p2m_base >= k->kstart && k->p2m_base < k->kend)
		FAIL("the INIT_P2M address lies inside the kernel");
	return 0;
}

/* Lamina's own limits (see the top of this file). */
static int check_lamina_limits(const struct pv_kernel *k, const char **why)
{
	if (k->virt_base & (PAGE_SIZE - 1))
		FAIL("VIRT_BASE is not page aligned");
	if (k->kend - k->virt_base > (1ULL << 30) - (8ULL << 20))
		FAIL("the kernel does not fit in the 1 GiB start-of-day window");
	if (k->hypercall_page != PV_UNSET &&
	    ((k->hypercall_page & (PAGE_SIZE - 1)) || k->hypercall_page < k->virt_base))
		FAIL("the hypercall page is not a page inside the start-of-day region");
	return 0;
}

int elf_parse_pv_kernel(const void *image, size_t size, struct pv_kernel *k,
			const char **why)
{
	struct elf64_ehdr eh;
	struct note_state st = { 0, false, false, false };
	const char *guest_info;
	uint64_t len;
	int rc;

	memset(k, 0, sizeof(*k));
	k->image = image;
	k->size = size;
	k->hypercall_page = k->p2m_base = k->hv_start_low = PV_UNSET;
	if (size < sizeof(eh))
		FAIL("not an ELF file (too short)");
	memcpy(&eh, image, sizeof(eh));
	rc = check_header(k, &eh, why);
	if (rc)
		return rc;
	rc = find_notes(k, &eh, &st, why);
	if (rc)
		return rc;
	if (!st.xen_notes) {
		guest_info = section_by_name(k, &eh, "__xen_guest", &len);
		if (!guest_info)
			FAIL("no Xen PV ELF notes or __xen_guest section: not a paravirtualized kernel");
		rc = parse_guest_info(k, guest_info, len, &st, why);
		if (rc)
			return rc;
	}
	rc = check_strings(k, why);
	if (!rc)
		rc = place_kernel(k, &eh, &st, why);
	if (!rc)
		rc = check_lamina_limits(k, why);
	return rc;
}

/*
 * Xen refuses a dom0 kernel only if it has a SUPPORTED_FEATURES note
 * without the dom0 bit (a "dom0" in FEATURES counts too), or if it
 * requires supervisor_mode_kernel. NULL if it may be dom0.
 */
const char *elf_dom0_refusal(const struct pv_kernel *k)
{
	if (k->has_supported_features && !(k->features_supported & (1U << XENFEAT_dom0)))
		return "the kernel does not support dom0 operation (SUPPORTED_FEATURES lacks dom0)";
	if (k->features_required & (1U << XENFEAT_supervisor_mode_kernel))
		return "the kernel requires supervisor_mode_kernel";
	return NULL;
}

static uint64_t load_va(const struct pv_kernel *k, const struct elf64_phdr *ph)
{
	return ph->paddr + k->virt_base - k->paddr_offset;
}

/*
 * The symbol table image of a BSD_SYMTAB kernel, in the pieces Xen writes:
 * the size and the ELF header (section table right after it, e_shoff 64),
 * the section headers with offsets relative to the ELF header, then the
 * symbols and the strings. The size counts from the ELF header to the end
 * of the strings.
 */
static int load_symtab(const struct pv_kernel *k, const struct elf64_ehdr *eh,
		       int (*fn)(void *ctx, uint64_t va, const void *src,
				 uint64_t filesz, uint64_t memsz),
		       void *ctx)
{
	struct {
		uint32_t size;
		struct elf64_ehdr eh;
		struct elf64_shdr sh[3];
	} __packed hdr;
	uint64_t syms = ALIGN_UP(k->symtab_start + sizeof(hdr), 8), strs;
	uint64_t ehdr_va = k->symtab_start + 4;
	struct elf64_shdr sym, str;
	int rc;

	BUILD_BUG_ON(sizeof(hdr) != SYMHDR_SIZE);
	memset(&hdr, 0, sizeof(hdr));
	hdr.eh = *eh;
	hdr.eh.ehsize = sizeof(hdr.eh);
	hdr.eh.shentsize = sizeof(hdr.sh[0]);
	hdr.eh.version = 1;
	hdr.eh.shoff = sizeof(hdr.eh);
	hdr.eh.shnum = 3;
	hdr.eh.phoff = hdr.eh.phentsize = hdr.eh.phnum = hdr.eh.shstrndx = 0;
	if (!find_symtab(k, eh, &sym, &str))
		return 0;
	strs = ALIGN_UP(syms + sym.size, 8);
	rc = fn(ctx, syms, k->image + sym.offset, sym.size, sym.size);
	if (!rc)
		rc = fn(ctx, strs, k->image + str.offset, str.size, str.size);
	sym.offset = syms - ehdr_va;
	sym.link = 2;
	str.offset = strs - ehdr_va;
	hdr.sh[1] = sym;
	hdr.sh[2] = str;
	hdr.size = strs + str.size - ehdr_va;
	return rc ? rc : fn(ctx, k->symtab_start, &hdr, sizeof(hdr), sizeof(hdr));
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
		if (!is_loadable(&ph) || !ph.memsz)
			continue;
		rc = fn(ctx, load_va(k, &ph), k->image + ph.offset, ph.filesz, ph.memsz);
		if (rc)
			return rc;
	}
	return k->symtab_start ? load_symtab(k, &eh, fn, ctx) : 0;
}
