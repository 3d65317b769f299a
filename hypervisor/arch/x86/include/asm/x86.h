/* SPDX-License-Identifier: GPL-2.0-only */
/* Small wrappers around x86 instructions. */
#ifndef ASM_X86_H
#define ASM_X86_H

#include <hv/types.h>
#include <asm/percpu.h>

#define MSR_APIC_BASE		0x1B
#define MSR_SYSENTER_CS		0x00000174
#define MSR_SYSENTER_ESP	0x00000175
#define MSR_SYSENTER_EIP	0x00000176
#define MSR_IA32_PAT		0x00000277
#define MSR_TSC_DEADLINE	0x000006E0
#define MSR_EFER		0xC0000080
#define MSR_TSC_AUX		0xC0000103
#define MSR_STAR		0xC0000081
#define MSR_LSTAR		0xC0000082
#define MSR_CSTAR		0xC0000083
#define MSR_FMASK		0xC0000084
#define MSR_FS_BASE		0xC0000100
#define MSR_GS_BASE		0xC0000101
#define MSR_KERNEL_GS_BASE	0xC0000102

#define EFER_SCE		(1ULL << 0)
#define EFER_LME		(1ULL << 8)
#define EFER_NXE		(1ULL << 11)

#define X86_CR0_WP		(1UL << 16)
#define X86_CR4_TSD		(1UL << 2)
#define X86_CR4_DE		(1UL << 3)
#define X86_CR4_PGE		(1UL << 7)
#define X86_CR4_OSFXSR		(1UL << 9)
#define X86_CR4_OSXMMEXCPT	(1UL << 10)
#define X86_CR4_FSGSBASE	(1UL << 16)
#define X86_CR4_SMEP		(1UL << 20)
#define X86_CR4_SMAP		(1UL << 21)

#define X86_EFLAGS_CF		0x00000001UL
#define X86_EFLAGS_MBS		0x00000002UL	/* reserved, always 1 */
#define X86_EFLAGS_ZF		0x00000040UL
#define X86_EFLAGS_TF		0x00000100UL
#define X86_EFLAGS_IF		0x00000200UL
#define X86_EFLAGS_DF		0x00000400UL
#define X86_EFLAGS_IOPL		0x00003000UL
#define X86_EFLAGS_IOPL_SHIFT	12
#define X86_EFLAGS_NT		0x00004000UL
#define X86_EFLAGS_RF		0x00010000UL
#define X86_EFLAGS_VM		0x00020000UL
#define X86_EFLAGS_AC		0x00040000UL

/* Exception vectors. */
#define X86_EXC_DB		1
#define X86_EXC_NMI		2
#define X86_EXC_BP		3
#define X86_EXC_UD		6
#define X86_EXC_DF		8
#define X86_EXC_NP		11
#define X86_EXC_GP		13
#define X86_EXC_PF		14
#define X86_EXC_MC		18

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
			 uint32_t *c, uint32_t *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

/* CPUID 0's vendor string, 12 bytes, not terminated; returns the highest basic leaf. */
static inline uint32_t cpuid_vendor(char *id)
{
	uint32_t a, r[3];

	cpuid(0, 0, &a, &r[0], &r[2], &r[1]);	/* ebx, edx, ecx in that order */
	__builtin_memcpy(id, r, 12);
	return a;
}

/* Family, model and stepping from CPUID 1's eax, with the extended fields as the SDM says. */
static inline void cpuid_signature(uint32_t eax, uint32_t *family, uint32_t *model,
				   uint32_t *step)
{
	*family = (eax >> 8) & 0xf;
	if (*family == 0xf)
		*family += (eax >> 20) & 0xff;
	*model = ((eax >> 4) & 0xf) | (*family >= 6 ? (eax >> 12) & 0xf0 : 0);
	*step = eax & 0xf;
}

#define DEFINE_CR(n)							\
static inline uint64_t read_cr##n(void)					\
{									\
	uint64_t v;							\
	asm volatile("mov %%cr" #n ", %0" : "=r"(v));			\
	return v;							\
}									\
static inline void write_cr##n(uint64_t v)				\
{									\
	asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory");		\
}
DEFINE_CR(0)
DEFINE_CR(4)
#undef DEFINE_CR

/*
 * Every CR3 load flushes all guest translations: CR4.PGE is never set
 * (cpu.c clears it), so no translation is global, and PCIDs are not used.
 * So a load records the flush clock (hv/flushtlb.h), read before it, as
 * this CPU's flush time, written after it; entry.S's SWITCH_MODE does
 * the same.
 */
extern uint64_t tlbflush_clock;

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint64_t v)
{
	uint64_t t = __atomic_load_n(&tlbflush_clock, __ATOMIC_ACQUIRE);

	asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
	this_cpu()->tlbflush_time = t;
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void invlpg(uint64_t va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void __noreturn halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

#endif
