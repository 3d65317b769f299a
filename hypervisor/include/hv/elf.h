/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading a 64-bit PV kernel: the ELF64 headers and the Xen ELF notes
 * (docs/abi-core.md §1.2-1.3). The image is untrusted input; every offset is
 * checked against its size and a problem comes back as a message.
 */
#ifndef HV_ELF_H
#define HV_ELF_H

#include <hv/types.h>

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct elf64_shdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t addralign, entsize;
};

#define ET_EXEC		2
#define ET_DYN		3
#define EM_X86_64	62
#define PT_LOAD		1
#define PT_NOTE		4
#define PF_X		1
#define PF_W		2
#define PF_R		4
#define SHT_SYMTAB	2
#define SHT_STRTAB	3
#define SHT_NOTE	7

/* A numeric note or __xen_guest value the kernel did not give. */
#define PV_UNSET	(~0ULL)

/*
 * What the domain builder needs to know about a PV kernel, after Xen's
 * defaults are applied (elf.c explains them). Addresses are virtual.
 */
struct pv_kernel {
	const uint8_t *image;
	size_t size;
	uint64_t entry;			/* note ENTRY, else e_entry */
	uint64_t virt_base;		/* note VIRT_BASE, else 0 */
	uint64_t paddr_offset;		/* note PADDR_OFFSET, else see elf.c */
	uint64_t hypercall_page;	/* note HYPERCALL_PAGE, PV_UNSET = none */
	uint64_t p2m_base;		/* note INIT_P2M, PV_UNSET = in the region */
	uint64_t hv_start_low;		/* note HV_START_LOW (32-bit only: unused) */
	uint64_t l1_mfn_valid[2];	/* note L1_MFN_VALID mask, value (tools) */
	uint64_t kstart, kend;		/* virtual extent of the PT_LOADs (+ symbols) */
	uint64_t symtab_start;		/* BSD_SYMTAB: where the symbols go, or 0 */
	uint32_t features_supported;	/* XENFEAT_* bits the kernel can use */
	uint32_t features_required;	/* '!' entries of the FEATURES note */
	bool has_supported_features;	/* a SUPPORTED_FEATURES note is present */
	bool mod_start_pfn;		/* MOD_START_PFN: initrd need not be mapped */
	bool suspend_cancel;		/* SUSPEND_CANCEL (toolstack only) */
	bool bsd_symtab;		/* BSD_SYMTAB "yes" or legacy BSD_SYMTAB */
	bool legacy_guest_info;		/* parameters came from __xen_guest */
	char loader[16];
	char guest_os[16];
	char xen_version[16];
	char guest_version[16];
};

/* 0 on success; otherwise -ENOEXEC with *why describing the problem. */
int elf_parse_pv_kernel(const void *image, size_t size, struct pv_kernel *k,
			const char **why);

/* Why Xen would not boot this kernel as dom0, or NULL. */
const char *elf_dom0_refusal(const struct pv_kernel *k);

/*
 * Calls fn for each PT_LOAD with its destination VA, the file bytes and
 * the total size (the rest, memsz - filesz, is zero-filled by the caller),
 * then, for a BSD_SYMTAB kernel, for each piece of its symbol table image
 * (header, symbols, strings) after the kernel, as Xen loads them.
 * Stops at the first non-zero return.
 */
int elf_for_each_load(const struct pv_kernel *k,
		      int (*fn)(void *ctx, uint64_t va, const void *src,
				uint64_t filesz, uint64_t memsz),
		      void *ctx);

#endif
