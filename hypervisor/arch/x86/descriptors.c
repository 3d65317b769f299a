// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest descriptor tables: set_gdt (2) and update_descriptor (10),
 * docs/abi-core.md §2.15. A guest GDT frame is a page of the domain with
 * the descriptor type, so nothing maps it writable while the CPU uses it;
 * every descriptor in it has been checked: code and data segments get DPL
 * 3 (the guest kernel runs in ring 3, so nothing a guest writes grants
 * rings 0-2), system descriptors (TSS, LDT, interrupt gates) are
 * refused; a call gate to a guest selector is kept with DPL 0, as Xen
 * 4.17 keeps it (its use from ring 3 is a #GP naming the gate: Xen
 * emulates call gates for 32-bit guests only, Lamina for none).
 */
#include <hv/lib.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <hv/mm.h>
#include <asm/desc.h>
#include <asm/percpu.h>
#include <asm/page.h>
#include <asm/pv.h>
#include <lamina/xen_x86_64.h>

#define DESC_P		(1ULL << 47)
#define DESC_S		(1ULL << 44)
#define DESC_DPL3	(3ULL << 45)

bool descriptor_check(uint64_t *desc)
{
	uint64_t d = *desc;
	uint16_t sel;

	if (!(d & DESC_P))
		return true;
	if (d & DESC_S) {
		/*
		 * Stored as given but its DPL, as Xen 4.17's check_descriptor:
		 * the accessed bit is the CPU's to set at a load, through the
		 * GDT or LDT area's writable mapping (gdt_load_vcpu, ldt_map_at).
		 */
		*desc = d | DESC_DPL3;
		return true;
	}
	/* Type 0: the upper half of a 16-byte descriptor. */
	if (((d >> 40) & 0xF) == 0)
		return true;
	/*
	 * A call gate is kept as Xen 4.17 keeps it: its target a guest
	 * selector (below the reserved entries, the flat kernel code or
	 * an LDT one), bits 32-39 clear, its DPL made 0 (so any use from
	 * the guest's ring 3 is a #GP naming the gate, never a transfer)
	 * and the guest's DPL, 3, put in the target's RPL. Anything else
	 * without DESC_S (TSS, LDT, interrupt and trap gates) is refused.
	 */
	sel = (uint16_t)(d >> 16);
	if (((d >> 40) & 0xF) != 0xC || ((d >> 32) & 0xFF) ||
	    ((sel >> 3) >= FIRST_RESERVED_GDT_ENTRY && sel != FLAT_RING3_CS64 && !(sel & 4)))
		return false;
	*desc = (d & ~DESC_DPL3 & ~(0xFFFFULL << 16)) | (uint64_t)(sel | 3) << 16;
	return true;
}

static void release_gdt(struct vcpu *v)
{
	unsigned int i;

	for (i = 0; i < v->arch.nr_gdt_frames; i++)
		put_page_and_type(v->arch.gdt_frames[i], v->domain);
	v->arch.nr_gdt_frames = 0;
	v->arch.gdt_entries = 0;
}

static void release_ldt(struct vcpu *v)
{
	unsigned int i;

	for (i = 0; i < 16; i++) {
		if (v->arch.ldt_frames[i])
			put_page_and_type(v->arch.ldt_frames[i], v->domain);
		v->arch.ldt_frames[i] = 0;
	}
}

/* A dying vCPU gives back its GDT and LDT frames. */
void vcpu_release_descriptors(struct vcpu *v)
{
	release_gdt(v);
	release_ldt(v);
	v->arch.ldt_base = 0;
	v->arch.ldt_ents = 0;
	if (this_cpu()->current == v) {
		gdt_load_vcpu(v);
		ldt_load_vcpu(v);
	}
}

long hc_set_gdt(struct vcpu *v, struct hc_args *a)
{
	uint64_t entries = a->arg[1], frames[FIRST_RESERVED_GDT_PAGE];
	unsigned int n = DIV_ROUND_UP(entries, 512), i;

	if (entries > FIRST_RESERVED_GDT_ENTRY)
		return trace_err(-EINVAL);
	if (copy_from_guest(frames, a->arg[0], n * sizeof(frames[0])))
		return -EFAULT;
	for (i = 0; i < n; i++) {
		if (get_page_and_type(frames[i], PGT_seg_desc, v->domain))
			break;
	}
	if (i < n) {
		while (i--)
			put_page_and_type(frames[i], v->domain);
		return trace_err(-EINVAL);
	}
	release_gdt(v);
	memcpy(v->arch.gdt_frames, frames, n * sizeof(frames[0]));
	v->arch.nr_gdt_frames = n;
	v->arch.gdt_entries = entries;
	gdt_load_vcpu(v);
	return 0;
}

long hc_update_descriptor(struct vcpu *v, struct hc_args *a)
{
	paddr_t maddr = a->arg[0];
	mfn_t mfn = maddr >> PAGE_SHIFT;
	uint64_t desc = a->arg[1];
	struct page_info *pg;
	bool typed;

	if ((maddr & 7) || mfn >= frame_table_size || !descriptor_check(&desc))
		return trace_err(-EINVAL);
	mfn = array_index_nospec(mfn, frame_table_size);
	pg = &frame_table[mfn];
	/*
	 * A type reference either way, as Xen 4.17's: with the frame's
	 * general reference alone, another vCPU could drop its last GDT or
	 * LDT use and make it a page table between our look at the type and
	 * the write, which would then land in a table unvalidated. Read
	 * stale, the type we ask for is refused (writable against a GDT
	 * page) or taken anew, the page checked as descriptors first.
	 */
	typed = pg->type == PGT_seg_desc && pg->type_count;
	if (get_page_and_type(mfn, typed ? PGT_seg_desc : PGT_writable, v->domain))
		return trace_err(-EINVAL);
	*(uint64_t *)((uint8_t *)frame_va(mfn) + (maddr & (PAGE_SIZE - 1))) = desc;
	put_page_and_type(mfn, v->domain);
	return 0;
}

/*
 * The descriptor sel names for v, present or not: false when it lies
 * outside the GDT or LDT limit (or in an LDT page not mapped yet: a fault
 * maps the rest) or is the null selector.
 */
static bool descriptor_read(const struct vcpu *v, uint16_t sel, uint64_t *d, bool loaded)
{
	/*
	 * A load by the CPU (loaded) sees every entry of the GDT frames the
	 * guest gave, as Xen 4.17's does: its GDTR always spans the whole
	 * area, so hardware bounds the guest's part by its frames, 512
	 * entries each; what Xen emulates bounds it by set_gdt's entries.
	 * NetBSD's APs start with gdt_ents the number of GDT pages (1) and
	 * %ds = entry 2 (docs/conformance.md, NetBSD).
	 */
	unsigned int idx = sel >> 3, gdt_lim = loaded ? v->arch.nr_gdt_frames * 512
						      : v->arch.gdt_entries;

	if (sel & 4) {
		if (idx >= v->arch.ldt_ents || !v->arch.ldt_frames[idx / 512])
			return false;
		*d = ((const uint64_t *)frame_va(v->arch.ldt_frames[idx / 512]))[idx % 512];
		return true;
	}
	if (idx == 0 || idx >= gdt_lim)
		return false;		/* NULL is not loadable in ring 3 */
	idx = array_index_nospec(idx, gdt_lim);
	*d = ((const uint64_t *)frame_va(v->arch.gdt_frames[idx / 512]))[idx % 512];
	return true;
}

/* What an iretq loads: Xen 4.17's do_iret ends in the CPU's own iretq. */
static bool iret_descriptor(const struct vcpu *v, uint16_t sel, uint64_t *d)
{
	return descriptor_read(v, sel, d, true);
}

/* A present code or data descriptor sel names for v (loaded: as the CPU loads it). */
static bool descriptor_present(const struct vcpu *v, uint16_t sel, uint64_t *d, bool loaded)
{
	return descriptor_read(v, sel, d, loaded) && (*d & DESC_P) && (*d & DESC_S);
}

static bool guest_descriptor(const struct vcpu *v, uint16_t sel, uint64_t *d)
{
	return descriptor_present(v, sel, d, false);
}

/*
 * An LDT selector inside the LDT's limit: its page mapped now if it was
 * not (pv_ldt_fault, as the fault of Xen's iretq on it maps it); true
 * when that cannot be done (not the guest's frame, not mapped, not a
 * descriptor page). The iretq is then left to fault on the page, and its
 * #PF reaches the guest at the guest's address for it (pv_iret_fault), as
 * Xen 4.17's iretq gives it; checking the descriptor here would refuse
 * the iret with a #GP that Xen does not raise.
 */
static bool ldt_page_unmappable(struct vcpu *v, uint16_t sel)
{
	unsigned int idx = sel >> 3;

	if (!(sel & 4) || idx >= v->arch.ldt_ents)
		return false;
	pv_ldt_fault(v, LDT_AREA + (sel & ~7));
	return !v->arch.ldt_frames[idx / 512];
}

/*
 * Would our own iretq fault on cs:rip and ss with a #GP? -1 when it would
 * not, else the #GP's error code, checking in iretq's order: cs first
 * (null: #GP(0); outside the table, not code, or a non-conforming DPL
 * other than 3: #GP(cs)), then ss (outside the table, not writable data,
 * or DPL other than 3: #GP(ss)), then rip against a 32-bit code segment's
 * limit (#GP(0)). The reserved flat selectors are always good. A
 * descriptor good but for its present bit is left to the iretq itself:
 * its fault (#NP(cs); #SS(ss) on hardware, #NP(ss) under QEMU's TCG) is
 * the guest's at the restored frame (entry.S .Liretq_fault), exactly what
 * Xen 4.17's own iretq gives, and what a descriptor another vCPU changes
 * after this check gives anyway. An LDT selector's page nothing has used
 * yet is mapped first (ldt_page_unmappable); one that cannot be mapped
 * is left to the iretq's #PF. v is the current vCPU.
 */
int iret_target_fault(struct vcpu *v, uint16_t cs, uint16_t ss, uint64_t rip)
{
	uint64_t d, limit = 0xFFFFFFFFULL;

	if (ldt_page_unmappable(v, cs))
		return -1;
	if (cs != FLAT_RING3_CS64 && cs != FLAT_RING3_CS32) {
		if (!iret_descriptor(v, cs, &d) || !(d & DESC_S) || !((d >> 43) & 1) ||
		    (!((d >> 42) & 1) && ((d >> 45) & 3) != 3))
			return cs & ~3;
		if ((d >> 53) & 1) {
			limit = ~0ULL;			/* 64-bit code: no limit */
		} else {
			limit = (d & 0xFFFF) | ((d >> 32) & 0xF0000);
			if ((d >> 55) & 1)
				limit = (limit << 12) | 0xFFF;
		}
	} else if (cs == FLAT_RING3_CS64) {
		limit = ~0ULL;
	}
	if (ldt_page_unmappable(v, ss))
		return -1;
	if (ss != FLAT_RING3_SS64 &&
	    (!iret_descriptor(v, ss, &d) || !(d & DESC_S) || ((d >> 43) & 1) ||
	     !((d >> 41) & 1) || ((d >> 45) & 3) != 3))
		return ss & ~3;
	return rip <= limit ? -1 : 0;
}

/*
 * May a data segment register be loaded with sel for v (else NULL is)?
 * Any RPL: the guest's descriptors are DPL 3 (descriptor_check), so ring
 * 3 may load one with RPL 0 too, and Xen 4.17 reloads that in ring 0.
 * A selector in the reserved GDT page (0xe000 on) is left to the CPU, as
 * Xen 4.17's load_segments leaves every selector: the flat ring-3 ones
 * (0xe023, 0xe02b, 0xe033, any RPL) load; the TSS, the empty entries and
 * the ring-0 ones with RPL 3 fault, and every caller's load has a fixup
 * that loads null instead (and makes the failsafe call).
 */
bool data_selector_ok(const struct vcpu *v, uint16_t sel)
{
	uint64_t d;

	if ((sel & ~3) == 0 || (sel | 3) == FLAT_RING3_DS32)
		return true;
	if (!(sel & 4) && (sel >> 3) >= FIRST_RESERVED_GDT_ENTRY)
		return true;
	if (!descriptor_present(v, sel, &d, true))
		return false;
	return !((d >> 43) & 1) || ((d >> 41) & 1);	/* data, or readable code */
}

/*
 * The segment a selector names for v, as the CPU would load it: its base,
 * its limit (in bytes) and, for code, its default width: 64 (L), 32 (D)
 * or 16 (neither; a data segment's B bit reads the same way). The
 * reserved flat selectors span 4 GiB from 0 (FLAT_RING3_CS64 is 64-bit,
 * the others 32); a guest's own
 * descriptor is read only inside its GDT or LDT limit, through
 * guest_descriptor (the class of Xen's XSA-298). False when sel names no
 * present code or data segment.
 */
static bool segment_of(const struct vcpu *v, uint16_t sel, uint64_t *base, uint64_t *limit,
		       unsigned int *bits, bool loaded)
{
	uint64_t d;

	*base = 0;
	*limit = 0xFFFFFFFFULL;
	*bits = (sel | 3) == FLAT_RING3_CS64 ? 64 : 32;
	if ((sel | 3) == FLAT_RING3_CS64 || (sel | 3) == FLAT_RING3_CS32 ||
	    (sel | 3) == FLAT_RING3_DS32)
		return true;
	if (!descriptor_present(v, sel, &d, loaded))
		return false;
	*bits = ((d >> 43) & 1) && ((d >> 53) & 1) ? 64 : ((d >> 54) & 1) ? 32 : 16;
	*base = ((d >> 16) & 0xFFFFFF) | ((d >> 32) & 0xFF000000ULL);
	*limit = (d & 0xFFFF) | ((d >> 32) & 0xF0000);
	if ((d >> 55) & 1)
		*limit = (*limit << 12) | 0xFFF;
	return true;
}

bool guest_segment(const struct vcpu *v, uint16_t sel, uint64_t *base, uint64_t *limit,
		   unsigned int *bits)
{
	return segment_of(v, sel, base, limit, bits, false);
}

/* guest_segment for a selector the CPU loads (a segment register's own base). */
bool guest_segment_loaded(const struct vcpu *v, uint16_t sel, uint64_t *base, uint64_t *limit,
			  unsigned int *bits)
{
	return segment_of(v, sel, base, limit, bits, true);
}

/*
 * The type (descriptor bits 40-43: 8 code, 2 writable data or readable
 * code) of the present code or data segment sel names for v, -1 if none;
 * the reserved flat selectors are readable code and writable data.
 */
int guest_segment_type(const struct vcpu *v, uint16_t sel)
{
	uint64_t d;

	if ((sel | 3) == FLAT_RING3_CS64 || (sel | 3) == FLAT_RING3_CS32)
		return 0xA;
	if ((sel | 3) == FLAT_RING3_DS32)
		return 0x2;
	return guest_descriptor(v, sel, &d) ? (int)((d >> 40) & 0xF) : -1;
}

/* MMUEXT_SET_LDT: remember the LDT; its pages are mapped when first used. */
int ldt_set(struct vcpu *v, uint64_t base, unsigned int ents)
{
	/* No entries: no base either, whatever was given (Xen 4.17 checks none). */
	if (!ents)
		base = 0;
	if (ents > 8192 || (base & (PAGE_SIZE - 1)) ||
	    (ents && !guest_range_ok(base, ents * 8ULL)))
		return trace_err(-EINVAL);
	/* The LDT in use again: nothing changes, its pages stay mapped (Xen 4.17). */
	if (base == v->arch.ldt_base && ents == v->arch.ldt_ents)
		return 0;
	release_ldt(v);
	v->arch.ldt_base = base;
	v->arch.ldt_ents = ents;
	ldt_load_vcpu(v);
	return 0;
}

/*
 * A fault on LDT_AREA: the CPU wanted a descriptor of a page not mapped
 * yet. Find the guest's frame behind ldt_base + offset, give it the
 * descriptor type (validating its 512 descriptors) and map it. False when
 * that is impossible: the guest then gets the page fault.
 */
bool pv_ldt_fault(struct vcpu *v, uint64_t addr)
{
	unsigned int page = (addr - LDT_AREA) / PAGE_SIZE;
	uint64_t va = v->arch.ldt_base + page * PAGE_SIZE;
	paddr_t l1e;
	pte_t e;
	mfn_t mfn;

	if (addr < LDT_AREA || page >= ARRAY_SIZE(v->arch.ldt_frames) ||
	    page * 512 >= v->arch.ldt_ents)
		return false;
	page = array_index_nospec(page, ARRAY_SIZE(v->arch.ldt_frames));
	if (v->arch.ldt_frames[page])
		return false;
	if (!guest_l1e_maddr(v->arch.guest_cr3, va, &l1e))
		return false;
	e = *(const pte_t *)maddr_to_virt(l1e);
	mfn = pte_mfn(e);
	if (!(e & _PAGE_PRESENT) || mfn >= frame_table_size)
		return false;
	if (get_page_and_type(mfn, PGT_seg_desc, v->domain))
		return false;
	v->arch.ldt_frames[page] = mfn;
	ldt_map_frame(page, mfn);
	return true;
}

/* #PF error code bits (SDM vol. 3, 4.7) */
#define PF_EC_USER	4U
#define PF_EC_RSVD	8U

/*
 * A #PF at addr (error code error) that pv_ldt_fault did not serve: a
 * descriptor load from an LDT page that cannot be mapped (not the guest's
 * frame, nor one that can be a descriptor page) is reported at the
 * guest's own address for it, ldt_base plus the offset, as Xen's
 * handle_ldt_mapping_fault does (ldt_set keeps the whole LDT in the
 * guest's canonical range). The CPU's descriptor load is a supervisor
 * access; a guest's own access to the hypervisor's range never is, and
 * keeps addr, as any other fault.
 */
uint64_t pv_ldt_fault_addr(const struct vcpu *v, uint64_t addr, uint64_t error)
{
	if ((error & (PF_EC_USER | PF_EC_RSVD)) || addr < LDT_AREA ||
	    addr - LDT_AREA >= ARRAY_SIZE(v->arch.ldt_frames) * PAGE_SIZE)
		return addr;
	return v->arch.ldt_base + (addr - LDT_AREA);
}
