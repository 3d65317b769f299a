/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ASM_DESC_H
#define ASM_DESC_H

#include <hv/types.h>
#include <asm/layout.h>

/*
 * The hardware GDT while any vCPU runs: 15 pages, limit 0xEFFF. Pages
 * 0-13 are the guest's (set_gdt; empty until then) and page 14 is the
 * hypervisor's reserved page with the flat selectors of the PV ABI
 * (docs/abi-core.md §0 item 13).
 */
#define GDT_PAGES		15
#define GDT_LIMIT		(GDT_PAGES * 4096 - 1)

struct vcpu;

void cpu_init(void);
struct percpu;
/* An AP's tables, stacks and struct percpu (NULL: no memory); then, on it: */
struct percpu *cpu_percpu_alloc(unsigned int cpu, uint32_t apic_id);
void cpu_init_secondary(struct percpu *pc, uint64_t pat);
void gdt_area_init(void);		/* after mm_init: the mapped GDT */
void gdt_load_vcpu(const struct vcpu *v);	/* map v's GDT frames */
bool descriptor_check(uint64_t *desc);	/* validates and fixes up one descriptor */
void ldt_load_vcpu(const struct vcpu *v);	/* map v's LDT frames, load LDTR */
void ldt_map_frame(unsigned int page, mfn_t mfn);
/*
 * Each CPU has its own GDT area, 2 MiB (one L1) apart: the GDT it loads
 * (its guest's frames and its own reserved page) and its LDT, 16 pages,
 * 8192 entries. The local APIC, IO-APIC and MSI-X pages sit in CPU 0's
 * area only (pages 16-18), where every CPU reaches them.
 */
#define GDT_AREA_STRIDE	(512 * PAGE_SIZE)
#define GDT_AREA_OF(cpu)	(HV_GDT_AREA + (uint64_t)(cpu) * GDT_AREA_STRIDE)
#define LDT_AREA_OF(cpu)	(GDT_AREA_OF(cpu) + 32 * PAGE_SIZE)
#define LDT_AREA	LDT_AREA_OF(this_cpu()->cpu_id)	/* this CPU's */
#define HV_LDT_SEL	0xE050
void idt_init(void);
void syscall_init(void);

#endif
