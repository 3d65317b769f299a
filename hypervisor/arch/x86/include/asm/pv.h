/* SPDX-License-Identifier: GPL-2.0-only */
/* PV vCPU mechanics shared by the x86 files (pv.c, pv_traps.c, emul_priv.c). */
#ifndef ASM_PV_H
#define ASM_PV_H

#include <hv/types.h>
#include <asm/regs.h>
#include <asm/percpu.h>
#include <hv/domain.h>

struct vcpu;

/* Bounce to a guest handler with the PV frame (docs/abi-core.md §3.2). */
void pv_bounce(struct vcpu *v, struct cpu_regs *r, uint64_t handler, bool mask_events,
	       bool has_error, uint64_t error);
/* Deliver exception `vector` through the guest's trap table, or crash it. */
void pv_inject_trap(struct vcpu *v, struct cpu_regs *r, unsigned int vector,
		    uint64_t error);
void pv_guest_exception(struct vcpu *v, struct cpu_regs *r);
/* Our iretq to the guest frame r faulted (entry.S .Liretq_fault): the guest's fault. */
void pv_iret_fault(struct cpu_regs *r);
void pv_guest_syscall(struct vcpu *v, struct cpu_regs *r);
void pv_switch_mode(struct vcpu *v, bool kernel);

/* Emulation of what a ring-3 kernel executes natively (emul_priv.c). */
bool pv_emulate_gp(struct vcpu *v, struct cpu_regs *r);
bool pv_emulate_forced_cpuid(struct vcpu *v, struct cpu_regs *r);
/*
 * CPUID leaf.sub as a PV guest sees it (emul_priv.c), r = eax ebx ecx edx:
 * a domU's kernel with view 0, dom0's kernel with PV_CPUID_DOM0_KERNEL,
 * user mode before its kernel set CR4.OSXSAVE with PV_CPUID_NO_OSXSAVE.
 */
#define PV_CPUID_DOM0_KERNEL	1U
#define PV_CPUID_NO_OSXSAVE	2U
void pv_cpuid(unsigned int view, uint32_t leaf, uint32_t sub, uint32_t r[4]);
int ldt_set(struct vcpu *v, uint64_t base, unsigned int ents);
void vcpu_release_descriptors(struct vcpu *v);
void vcpu_put_held_cr3(struct vcpu *v);	/* VCPUOP_initialise's kept kernel L4, let go */
bool pv_ldt_fault(struct vcpu *v, uint64_t addr);
/* The address a guest's #PF reports when pv_ldt_fault did not serve it. */
uint64_t pv_ldt_fault_addr(const struct vcpu *v, uint64_t addr, uint64_t error);
bool data_selector_ok(const struct vcpu *v, uint16_t sel);
bool guest_segment_loaded(const struct vcpu *v, uint16_t sel, uint64_t *base, uint64_t *limit,
			  unsigned int *bits);
/* The guest's %gs selector: its GS base (MSR_KERNEL_GS_BASE here) becomes the segment's. */
bool load_guest_gs_sel(uint16_t sel);
uint16_t read_gs_sel(void);
struct hc_args;
void pv_bounce_fault(struct vcpu *v, uint64_t sp);
void pv_failsafe(struct vcpu *v, struct cpu_regs *r, const uint16_t sels[4]);
long hc_iret_slow(struct vcpu *v, struct hc_args *a);
int iret_target_fault(struct vcpu *v, uint16_t cs, uint16_t ss, uint64_t rip);
bool guest_segment(const struct vcpu *v, uint16_t sel, uint64_t *base, uint64_t *limit,
		   unsigned int *bits);
int guest_segment_type(const struct vcpu *v, uint16_t sel);
void vcpu_set_ts(struct vcpu *v, bool ts);
/* rdmsr/wrmsr as Xen 4.17 answers a PV kernel (msr.c); false: #GP. */
bool pv_read_msr(struct vcpu *v, uint32_t msr, uint64_t *val);
bool pv_write_msr(struct vcpu *v, uint32_t msr, uint64_t val);
uint64_t pv_arch_caps(void);
void tsc_aux_load(const struct vcpu *v);
/* The host's vendor, as far as Xen's MSR and CPUID answers differ (msr.c). */
enum cpu_vendor { VENDOR_OTHER, VENDOR_INTEL, VENDOR_AMD /* and Hygon */ };
extern enum cpu_vendor host_vendor;
/* AMD without RSTR_FP_ERR_PTRS: x87 FIP/FDP/FOP outlive a restore (pv.c fpu_load). */
extern bool fpu_ptrs_leak;
extern bool host_has_rdtscp;
extern bool lfence_dispatch;	/* AMD: LFENCE made dispatch-serialising */
extern uint64_t xstate_hidden;	/* XCR0 bits kept from guests (YMM: Intel's GDS) */
/* The vendor and the host's MSR features (boot), DE_CFG's LFENCE bit (each CPU). */
void msr_init(bool boot);
/* The PAT every CPU runs with, Xen's, which guests' entries go through (msr.c). */
extern const uint64_t hv_pat;
/* CR0 and CR4 as a PV guest reads them (emul_priv.c). */
uint64_t pv_guest_cr0(const struct vcpu *v);
uint64_t pv_guest_cr4(const struct vcpu *v);
/* The host has {RD,WR}{FS,GS}BASE (CPUID 7.EBX bit 0): offered to guests. */
extern bool cpu_has_fsgsbase;
/* The host's vendor is AMD or Hygon (ptwr.c: a 16-bit call's width). */
extern bool cpu_amd_like;
/* The real CR4 bits a guest controls, FSGSBASE and TSD: cr4_guest_load sets this CPU's. */
#define CR4_GUEST_REAL		(X86_CR4_FSGSBASE | X86_CR4_TSD)
void cr4_guest_load(uint32_t bits);
void pv_set_guest_cr4(struct vcpu *v, uint64_t cr4);
void vcpu_note_debug_trap(struct vcpu *v);
int vcpu_set_debugreg(struct vcpu *v, unsigned int reg, uint64_t val);
int vcpu_check_debugreg(bool de, unsigned int *reg, uint64_t *val, uint8_t *io);
int vcpu_get_debugreg(const struct vcpu *v, unsigned int reg, uint64_t *val);
unsigned int vcpu_io_breakpoints(const struct vcpu *v, uint16_t port, unsigned int size);
#define DR6_BS	(1U << 14)	/* a single step (RFLAGS.TF) */
void vcpu_raise_db(struct vcpu *v, struct cpu_regs *r, unsigned int dr6);
void vcpu_load_state(struct vcpu *v);
void vcpu_fpu_init(struct vcpu *v);
bool vcpu_set_xcr0(struct vcpu *v, uint32_t reg, uint64_t val);
bool ptwr_emulate(struct vcpu *v, struct cpu_regs *r, uint64_t addr);

/* The frame of the vCPU running on this CPU (hypercall handlers use it). */
static inline struct cpu_regs *guest_regs_of(struct vcpu *v)
{
	(void)v;
	return (struct cpu_regs *)(this_cpu()->stack_top - sizeof(struct cpu_regs));
}

bool guest_l1e_maddr(uint64_t cr3, uint64_t va, paddr_t *pa);

/* The L4 the vCPU runs on in its current guest mode. */
static inline uint64_t vcpu_cr3(const struct vcpu *v)
{
	return v->arch.kernel_mode ? v->arch.guest_cr3 : v->arch.user_cr3;
}

static inline bool is_canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

static inline bool vector_has_error_code(unsigned int v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21;
}

/*
 * Whether any of the size ports from port is the hypervisor's own (PIC,
 * PIT, its console UART, the test-exit port): no domain reaches those
 * (emul_priv.c), and dom0 cannot give them (domctl ioport_permission).
 */
bool port_is_hypervisors(uint16_t port, unsigned int size);

#endif
