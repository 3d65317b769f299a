// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-trap-diff: a differential sweep of what the CPU side of the PV
 * ABI gives a guest (tests/run/conform-diff --guest conform-trap-diff
 * compares its lines with the ones Xen 4.17 gave). Each case is a short
 * position-independent code fragment, run once from guest kernel mode
 * and (where it means something) once from guest user mode, with known
 * register seeds, under a trap table that catches all 256 vectors. One
 * line per case and mode:
 *
 *   D <n> <case> <k|u> ok <outputs>        the fragment ran to its end
 *   D <n> <case> <k|u> v=<vector> ...      the first event it took
 *
 * An event line holds the error code (or -), %cr2 (for #PF) relative to
 * a page the guest chose, rip relative to the fragment's start, the
 * frame's CS and SS and saved upcall mask, the defined RFLAGS bits, the
 * frame's rcx and r11 (s: the seed), the upcall mask on entry (e:),
 * where the frame starts (sp: st- below the interrupted kernel stack,
 * ks- below stack_switch's) and, for #DB, DR6. Nothing printed is an
 * MFN, a time or a stack address. The list of cases is in
 * docs/conformance.md, "The CPU-side sweep".
 * The trap table: vector v has DPL 3 when v % 4 == 0, 1 when v % 4 == 1,
 * 0 when v % 4 == 2, no entry when v % 4 == 3 (vectors below 32 get DPL
 * 2 there, so every exception has a handler); 0x80 has DPL 3; even
 * vectors mask events (TI_MASK_EVENTS).
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/user.h"
#include <lamina/physdev.h>
#include <lamina/callback.h>

/* ---------------------------------------------------------------- fragments */

#define FRAG(name, body)						\
	asm(".pushsection .rodata\n"					\
	    ".globl fr_" #name ", fr_" #name "_end\n"			\
	    "fr_" #name ":\n" body "\n"					\
	    "fr_" #name "_end:\n"					\
	    ".popsection\n");						\
	extern const uint8_t fr_##name[], fr_##name##_end[]
#define F(name)	fr_##name, (size_t)(fr_##name##_end - fr_##name)

/*
 * Register conventions: rbp = the data area D (never changed), rbx = D +
 * 0x800 (scratch), rdi = D + 0x900, rcx/rdx/rsi/rax = the case's seeds.
 */
FRAG(nop, "nop");
FRAG(int3, "int3");
FRAG(int_3, ".byte 0xcd, 0x03");
FRAG(icebp, ".byte 0xf1");
FRAG(into, ".byte 0xce");
FRAG(ud2, "ud2");
FRAG(hlt, "hlt");
FRAG(cli, "cli; nop");
FRAG(sti, "sti; nop");
FRAG(pushf, "pushfq; pop %rax");
FRAG(popf_seed, "push %rcx; popfq; pushfq; pop %rax");
FRAG(tf_nop, "pushfq; orl $0x100, (%rsp); popfq; nop; nop; nop");
FRAG(tf_cr0, "pushfq; orl $0x100, (%rsp); popfq; mov %cr0, %rax; nop; nop");
FRAG(tf_in80, "mov $0x80, %edx; pushfq; orl $0x100, (%rsp); popfq; inb %dx, %al; nop; nop");
FRAG(tf_fcpuid, "xor %eax, %eax; pushfq; orl $0x100, (%rsp); popfq;"
     ".byte 0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0xa2; nop; nop");
FRAG(tf_cpuid, "xor %eax, %eax; pushfq; orl $0x100, (%rsp); popfq; cpuid; nop; nop");
FRAG(tf_int3, "pushfq; orl $0x100, (%rsp); popfq; int3; nop");
FRAG(tf_rdmsr, "mov $0xc0000080, %ecx; pushfq; orl $0x100, (%rsp); popfq; rdmsr; nop");
FRAG(tf_hcall, "mov $17, %eax; xor %edi, %edi; xor %esi, %esi; pushfq; orl $0x100, (%rsp); popfq; syscall; nop; nop");
FRAG(tf_wrcr3, "mov %cr3, %rax; pushfq; orl $0x100, (%rsp); popfq; mov %rax, %cr3; nop; nop");
FRAG(tf_clts, "pushfq; orl $0x100, (%rsp); popfq; clts; nop; nop");
FRAG(tf_rddr7, "pushfq; orl $0x100, (%rsp); popfq; mov %dr7, %rax; nop; nop");
FRAG(tf_wbinvd, "pushfq; orl $0x100, (%rsp); popfq; wbinvd; nop; nop");
FRAG(tf_rdtsc, "pushfq; orl $0x100, (%rsp); popfq; rdtsc; nop; nop");
FRAG(tf_popf_off, "pushfq; orl $0x100, (%rsp); popfq; pushfq; andl $~0x100, (%rsp); popfq; nop; nop");
FRAG(tf_int80, "pushfq; orl $0x100, (%rsp); popfq; int $0x80; nop");
FRAG(tf_ud2, "pushfq; orl $0x100, (%rsp); popfq; ud2; nop");
FRAG(tf_gp, "pushfq; orl $0x100, (%rsp); popfq; hlt; nop");
FRAG(tf_movss, "xor %eax, %eax; mov %ss, %eax; pushfq; orl $0x100, (%rsp); popfq; mov %eax, %ss; nop; nop; nop");
FRAG(tf_out, "pushfq; orl $0x100, (%rsp); popfq; outb %al, %dx; nop; nop");
FRAG(tf_rep_insb, "mov $2, %ecx; pushfq; orl $0x100, (%rsp); popfq; rep insb; nop; nop");
FRAG(tf_cli, "pushfq; orl $0x100, (%rsp); popfq; cli; nop; nop");
/* breakpoints: DR0 at the fragment's offset 1 (a nop) or D + 0x800 */
FRAG(nops3, "nop; nop; nop; nop");
FRAG(bp_load, "mov (%rbx), %rax; nop; nop");
FRAG(bp_store, "mov %rax, (%rbx); nop; nop");
FRAG(bp_load_word, "mov 6(%rbx), %ax; nop; nop");
/* emulated string I/O onto and from rsi (port 0x80 in dx), three bytes */
FRAG(insb_at, "mov %rsi, %rdi; mov $3, %ecx; rep insb; mov %ecx, %eax");
FRAG(outsb_at, "mov $3, %ecx; rep outsb; mov %ecx, %eax");
FRAG(insl_at, "mov %rsi, %rdi; mov $2, %ecx; rep insl; mov %ecx, %eax");
/* CR3 writes: a frame not a page table, cache bits, the no-flush bit */
FRAG(wr_cr3_bad, "mov $0x1000, %eax; mov %rax, %cr3");
FRAG(wr_cr3_pcd, "mov %cr3, %rax; mov %rax, %rcx; or $0x18, %rax; mov %rax, %cr3; mov %cr3, %rax; mov %rcx, %cr3; and $0xfff, %eax");
FRAG(wr_cr3_noflush, "mov %cr3, %rax; bts $63, %rax; mov %rax, %cr3; xor %eax, %eax");
/* segment bases through the MSRs after a load (kernel mode) */
FRAG(fs_base, "mov %ecx, %fs; mov $0xc0000100, %ecx; rdmsr; shl $32, %rdx; or %rdx, %rax");
FRAG(gs_base, "mov %ecx, %gs; mov $0xc0000101, %ecx; rdmsr; shl $32, %rdx; or %rdx, %rax");
FRAG(gs_shadow, "mov %ecx, %gs; mov $0xc0000102, %ecx; rdmsr; shl $32, %rdx; or %rdx, %rax");
/* with the guest's CR4.OSXSAVE set */
FRAG(xsetbv_ecx, "xsetbv");
FRAG(xsave_area, "mov $7, %eax; xor %edx, %edx; xsave (%rbx); mov 512(%rbx), %rax");
/* flags a bounce may leave the handler, and frames on a misaligned stack */
FRAG(df_int3, "std; int3");
FRAG(ac_int3, "pushfq; orl $0x40000, (%rsp); popfq; int3");
FRAG(nt_int3, "pushfq; orl $0x4000, (%rsp); popfq; int3");
FRAG(df_ud2, "std; ud2");
FRAG(df_pf, "std; mov (%rsi), %al");
FRAG(df_int80, "std; int $0x80");
/* (lea, not sub: the flags a sub leaves, PF and SF, depend on where the stack is) */
FRAG(sp8_int3, "lea -8(%rsp), %rsp; int3");
FRAG(sp3_int3, "lea -3(%rsp), %rsp; int3");
FRAG(sp8_gp, "lea -8(%rsp), %rsp; hlt");
FRAG(sp3_pf, "lea -3(%rsp), %rsp; mov (%rsi), %al");
FRAG(tf_syscall, "pushfq; orl $0x100, (%rsp); popfq; syscall; nop; nop");
FRAG(df_syscall, "std; syscall; pushfq; pop %rax");
FRAG(fcpuid, "xor %eax, %eax; .byte 0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0xa2; xor %ebx, %ebx; xor %ecx, %ecx; xor %edx, %edx");
/* the port I/O forms: port in dx (seed), data at rdi/rsi = D + 0x900 */
FRAG(inb, "inb %dx, %al");
FRAG(inw, "inw %dx, %ax");
FRAG(inl, "inl %dx, %eax");
FRAG(inb_imm80, "inb $0x80, %al");
FRAG(outb, "outb %al, %dx");
FRAG(outw, "outw %ax, %dx");
FRAG(outl, "outl %eax, %dx");
FRAG(insb, "mov $1, %ecx; rep insb; mov %ecx, %eax");
FRAG(insw, "mov $1, %ecx; rep insw; mov %ecx, %eax");
FRAG(insl, "mov $1, %ecx; rep insl; mov %ecx, %eax");
FRAG(outsb, "mov %rdi, %rsi; mov $1, %ecx; rep outsb; mov %ecx, %eax");
FRAG(outsw, "mov %rdi, %rsi; mov $1, %ecx; rep outsw; mov %ecx, %eax");
FRAG(outsl, "mov %rdi, %rsi; mov $1, %ecx; rep outsl; mov %ecx, %eax");
FRAG(cf8_rw, "mov $0xcf8, %edx; mov $0x80000000, %eax; outl %eax, %dx; xor %eax, %eax; inl %dx, %eax");
FRAG(cfc_id, "mov $0xcf8, %edx; mov $0x80000000, %eax; outl %eax, %dx; mov $0xcfc, %edx; inl %dx, %eax");
/* control and debug registers */
FRAG(rd_cr0, "mov %cr0, %rax");
FRAG(wr_cr0_same, "mov %cr0, %rax; mov %rax, %cr0; mov %cr0, %rax");
FRAG(wr_cr0_pg_off, "mov %cr0, %rax; btr $31, %rax; mov %rax, %cr0");
FRAG(wr_cr0_cd, "mov %cr0, %rax; bts $30, %rax; mov %rax, %cr0; mov %cr0, %rax");
FRAG(wr_cr0_ts, "mov %cr0, %rax; bts $3, %rax; mov %rax, %cr0; mov %cr0, %rax; clts; mov %cr0, %rcx");
FRAG(rd_cr2, "mov %cr2, %rax; xor %eax, %eax");
FRAG(wr_cr2, "mov $0x1234000, %eax; mov %rax, %cr2; mov %cr2, %rcx");
FRAG(rd_cr3, "mov %cr3, %rax; xor %eax, %eax");
FRAG(wr_cr3_same, "mov %cr3, %rax; mov %rax, %cr3; xor %eax, %eax");
FRAG(rd_cr4, "mov %cr4, %rax");
FRAG(wr_cr4_same, "mov %cr4, %rax; mov %rax, %cr4; mov %cr4, %rax");
FRAG(rd_cr8, "mov %cr8, %rax");
FRAG(wr_cr8, "xor %eax, %eax; mov %rax, %cr8");
FRAG(rd_cr1, ".byte 0x0f, 0x20, 0xc8");
FRAG(rd_cr5, ".byte 0x0f, 0x20, 0xe8");
FRAG(rd_cr9, ".byte 0x41, 0x0f, 0x20, 0xc8");
FRAG(rd_dr0, "mov %dr0, %rax");
FRAG(rd_dr1, "mov %dr1, %rax");
FRAG(rd_dr2, "mov %dr2, %rax");
FRAG(rd_dr3, "mov %dr3, %rax");
FRAG(rd_dr4, ".byte 0x0f, 0x21, 0xe0");
FRAG(rd_dr5, ".byte 0x0f, 0x21, 0xe8");
FRAG(rd_dr6, "mov %dr6, %rax");
FRAG(rd_dr7, "mov %dr7, %rax");
FRAG(wr_dr0, "mov $0x1000, %eax; mov %rax, %dr0; mov %dr0, %rax");
FRAG(wr_dr0_hv, "mov $0xffff830000000000, %rax; mov %rax, %dr0; mov %dr0, %rax");
FRAG(wr_dr0_nc, "mov $0x8000000000000000, %rax; mov %rax, %dr0; mov %dr0, %rax");
FRAG(wr_dr6, "mov $0xffff0ff0, %eax; mov %rax, %dr6; mov %dr6, %rax");
FRAG(wr_dr6_hi, "mov $0x100000000, %rax; mov %rax, %dr6");
FRAG(wr_dr7, "mov $0x400, %eax; mov %rax, %dr7; mov %dr7, %rax");
FRAG(wr_dr7_hi, "mov $0x100000400, %rax; mov %rax, %dr7");
FRAG(wr_dr7_bp, "mov $0x30401, %eax; mov %rax, %dr7; mov %dr7, %rax; mov $0x400, %ecx; mov %rcx, %dr7");
FRAG(wr_dr4, "mov $0xffff0ff0, %eax; .byte 0x0f, 0x23, 0xe0");
FRAG(clts, "clts");
FRAG(lmsw, "smsw %eax; lmsw %ax; smsw %eax");
FRAG(lmsw_ts, "smsw %eax; or $8, %eax; lmsw %ax; smsw %eax; clts");
/*
 * smsw runs on the CPU and reads the real CR0.TS, which Xen 4.17's lazy
 * FPU (AMD's default) sets at a switch to the vCPU until its first FPU
 * instruction: fnop first, so a wait for console room (a switch) between
 * the last case and this one does not show (seen once in 15 Xen runs of
 * conform-trap-diff-domu: 0x8005003b).
 */
FRAG(smsw, "fnop; smsw %eax");
FRAG(smsw_m, "fnop; smsw (%rbx); movzwl (%rbx), %eax");
/* descriptor tables */
FRAG(sgdt, "sgdt (%rbx); movzwl (%rbx), %eax");
FRAG(sidt, "sidt (%rbx); movzwl (%rbx), %eax");
FRAG(sldt, "mov $0x5555, %eax; sldt %eax");
FRAG(str, "mov $0x5555, %eax; str %eax");
FRAG(lgdt, "sgdt (%rbx); lgdt (%rbx)");
FRAG(lidt, "sidt (%rbx); lidt (%rbx)");
FRAG(lldt0, "xor %eax, %eax; lldt %ax");
FRAG(ltr0, "xor %eax, %eax; ltr %ax");
FRAG(invlpg, "invlpg (%rbx)");
FRAG(invlpg_nc, "mov $0x8000000000000000, %rax; invlpg (%rax)");
FRAG(invd, "invd");
FRAG(wbinvd, "wbinvd");
FRAG(lock_invd, ".byte 0xf0, 0x0f, 0x08");
FRAG(lock_wbinvd, ".byte 0xf0, 0x0f, 0x09");
FRAG(wbnoinvd, ".byte 0xf3, 0x0f, 0x09");
FRAG(clflush, "clflush (%rbx)");
/* counters and MSRs: seeds in ecx */
FRAG(rdtsc, "rdtsc; xor %eax, %eax; xor %edx, %edx");
FRAG(rdtscp, "rdtscp; xor %eax, %eax; xor %edx, %edx");
FRAG(rdpmc, "rdpmc; xor %eax, %eax; xor %edx, %edx");
FRAG(rdpid, ".byte 0xf3, 0x0f, 0xc7, 0xf8");
FRAG(rdmsr, "rdmsr");
FRAG(rdmsr_noval, "rdmsr; xor %eax, %eax; xor %edx, %edx");
FRAG(rdwrmsr, "rdmsr; wrmsr");
FRAG(wrmsr_zero, "xor %eax, %eax; xor %edx, %edx; wrmsr");
FRAG(swapgs, "swapgs; swapgs");
FRAG(sysret, "lea 1f(%rip), %rcx; mov $0x202, %r11d; sysretq; 1: nop");
FRAG(sysexit, "lea 1f(%rip), %rdx; mov %rsp, %rcx; sysexitq; 1: nop");
FRAG(syscall, "syscall");
FRAG(sysenter, "sysenter; nop");
FRAG(int80, "int $0x80");
FRAG(cpuid0, "xor %eax, %eax; xor %ecx, %ecx; cpuid; xor %ebx, %ebx");
/* selector forms: the selector in cx */
FRAG(mov_ds, "mov %ecx, %ds; mov %ds, %eax");
FRAG(mov_es, "mov %ecx, %es; mov %es, %eax");
/*
 * A null selector with RPL 3 in DS or ES: under QEMU's TCG an iretq to the
 * guest's ring clears it to 0, so an interrupt the hypervisor takes
 * between the load and the read makes the read 0 (seen 3 runs in 12 of
 * conform-trap-diff-domu at --smp 2 on Lamina). The load and read again,
 * up to 4 times, while the read differs: what the load itself leaves.
 */
FRAG(mov_ds_null, "mov $4, %edx; 1: mov %ecx, %ds; mov %ds, %eax; cmp %cx, %ax; je 2f; dec %edx; jnz 1b; 2:");
FRAG(mov_es_null, "mov $4, %edx; 1: mov %ecx, %es; mov %es, %eax; cmp %cx, %ax; je 2f; dec %edx; jnz 1b; 2:");
FRAG(mov_fs, "mov %ecx, %fs; mov %fs, %eax");
FRAG(mov_gs, "mov %ecx, %gs; mov %gs, %eax");
FRAG(mov_ss, "mov %ecx, %ss; mov %ss, %eax");
FRAG(pop_fs, "push %rcx; pop %fs; mov %fs, %eax");
FRAG(pop_gs, "push %rcx; pop %gs; mov %gs, %eax");
FRAG(pop_ds, "push %rcx; .byte 0x1f");
FRAG(lar, "mov $0x5555, %eax; lar %ecx, %eax");
FRAG(lsl, "mov $0x5555, %eax; lsl %ecx, %eax");
FRAG(verr, "verr %cx");
FRAG(verw, "verw %cx");
FRAG(ljmp, "lea 1f(%rip), %rax; mov %rax, (%rbx); mov %cx, 8(%rbx); .byte 0x48, 0xff, 0x2b; 1: mov %cs, %eax");
FRAG(lcall, "lea 1f(%rip), %rax; mov %rax, (%rbx); mov %cx, 8(%rbx); .byte 0x48, 0xff, 0x1b; 1: mov %cs, %eax");
FRAG(lret, "push %rcx; lea 1f(%rip), %rax; push %rax; lretq; 1: mov %cs, %eax");
FRAG(iretq_cs, "mov %rsp, %rax; xor %edx, %edx; mov %ss, %edx; push %rdx; push %rax; pushfq; push %rcx; lea 1f(%rip), %rax; push %rax; iretq; 1: mov %cs, %eax");
FRAG(iretq_ss, "mov %rsp, %rax; push %rcx; push %rax; pushfq; xor %edx, %edx; mov %cs, %edx; push %rdx; lea 1f(%rip), %rax; push %rax; iretq; 1: mov %ss, %eax");
/* extended state and others */
FRAG(xgetbv, "xgetbv");
FRAG(xsetbv_same, "xor %ecx, %ecx; xgetbv; xsetbv; xgetbv");
FRAG(xsetbv_bad, "xor %ecx, %ecx; xor %edx, %edx; xor %eax, %eax; xsetbv");
FRAG(monitor, "mov %rbx, %rax; xor %ecx, %ecx; xor %edx, %edx; monitor");
FRAG(mwait, "xor %eax, %eax; xor %ecx, %ecx; mwait");
FRAG(div0, "xor %edx, %edx; xor %ecx, %ecx; mov $1, %eax; div %ecx");
FRAG(divov, "mov $1, %edx; mov $1, %ecx; xor %eax, %eax; idiv %ecx; mov $0x80000000, %eax; cdq; mov $-1, %ecx; idiv %ecx");
FRAG(ac_load, "pushfq; orl $0x40000, (%rsp); popfq; mov 1(%rbx), %eax");
FRAG(ac_store, "pushfq; orl $0x40000, (%rsp); popfq; mov %eax, 3(%rbx)");
FRAG(x87_mf, "fninit; fnstcw (%rbx); andw $~4, (%rbx); fldcw (%rbx); fldz; fld1; fdiv %st(1), %st; fwait; nop");
FRAG(x87_plain, "fninit; fld1; fld1; faddp; fistpl (%rbx); mov (%rbx), %eax");
FRAG(sse_xm, "movl $0x1d80, (%rbx); ldmxcsr (%rbx); xorps %xmm0, %xmm0; mov $0x3f800000, %eax; movd %eax, %xmm1; divss %xmm0, %xmm1; nop");
FRAG(sse_plain, "mov $0x3f800000, %eax; movd %eax, %xmm1; addss %xmm1, %xmm1; movd %xmm1, %eax");
FRAG(fninit, "fninit");
FRAG(fxsave, "fxsave (%rbx)");
/* memory: the address in rsi */
FRAG(load, "mov (%rsi), %al; xor %eax, %eax");
FRAG(store, "movb $0, (%rsi)");
FRAG(exec, "call *%rsi");
FRAG(load_nc, "mov $0x8000000000000000, %rax; mov (%rax), %al");
FRAG(load_nc_hi, "mov $0x0000800000000000, %rax; mov (%rax), %al");
FRAG(rsp_nc, "mov $0x8000000000000000, %rsp; push %rax");
FRAG(rsp_nc_load, "mov $0x8000000000000008, %rsp; mov (%rsp), %eax");
FRAG(rsp_unmapped, "mov %rsi, %rsp; push %rax");
FRAG(lock_nop, ".byte 0xf0, 0x90");
FRAG(bound, ".byte 0x62, 0x03");
FRAG(pushcs, ".byte 0x0e");
FRAG(arpl, ".byte 0x63, 0xc8");
FRAG(long16, ".byte 0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x90");
FRAG(long15, ".byte 0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x90; nop");
FRAG(umonitor, ".byte 0xf3, 0x0f, 0xae, 0xf0");
FRAG(rdrand, "rdrand %eax; setc %al; movzbl %al, %eax");
FRAG(rdfsbase, "rdfsbase %rax; xor %eax, %eax");

/*
 * The templates around a fragment. Prelude: rbp = D (patched imm32),
 * registers and rflags from D. Epilogue: registers, rflags and selectors
 * to D + 0x100. Tails: kernel mode jumps to td_kdone; user mode makes
 * system call 60.
 */
asm(".pushsection .rodata\n"
    ".globl tpl_pre, tpl_pre_end, tpl_post, tpl_post_end, tpl_ktail, tpl_ktail_end\n"
    ".globl tpl_utail, tpl_utail_end\n"
    "tpl_pre:\n"
    "	.byte 0x48, 0xc7, 0xc5\n"		/* mov $imm32, %rbp */
    "	.long 0\n"
    "	mov 0x00(%rbp), %rax; mov 0x08(%rbp), %rbx; mov 0x10(%rbp), %rcx\n"
    "	mov 0x18(%rbp), %rdx; mov 0x20(%rbp), %rsi; mov 0x28(%rbp), %rdi\n"
    "	mov 0x40(%rbp), %r8; mov 0x48(%rbp), %r9; mov 0x50(%rbp), %r10\n"
    "	mov 0x58(%rbp), %r11; mov 0x60(%rbp), %r12; mov 0x68(%rbp), %r13\n"
    "	mov 0x70(%rbp), %r14; mov 0x78(%rbp), %r15\n"
    "	push 0x80(%rbp); popfq\n"
    "tpl_pre_end:\n"
    "tpl_post:\n"
    "	mov %rax, 0x100(%rbp); mov %rbx, 0x108(%rbp); mov %rcx, 0x110(%rbp)\n"
    "	mov %rdx, 0x118(%rbp); mov %rsi, 0x120(%rbp); mov %rdi, 0x128(%rbp)\n"
    "	mov %r11, 0x158(%rbp)\n"
    "	pushfq; pop 0x180(%rbp)\n"
    "	mov %cs, 0x188(%rbp); mov %ss, 0x18a(%rbp); mov %ds, 0x18c(%rbp)\n"
    "	mov %es, 0x18e(%rbp); mov %fs, 0x190(%rbp); mov %gs, 0x192(%rbp)\n"
    "	movl $1, 0x198(%rbp)\n"
    "	push $0x202; popfq\n"
    "tpl_post_end:\n"
    "tpl_ktail:\n"
    "	movq $td_kdone, %rax\n"
    "	jmp *%rax\n"
    "tpl_ktail_end:\n"
    "tpl_utail:\n"
    "	mov $60, %eax\n"
    "	syscall\n"
    "	ud2\n"
    "tpl_utail_end:\n"
    ".popsection\n");
extern const uint8_t tpl_pre[], tpl_pre_end[], tpl_post[], tpl_post_end[], tpl_ktail[],
	tpl_ktail_end[], tpl_utail[], tpl_utail_end[];

/*
 * td_enter(code, user): runs the composed code in kernel mode (jumps to
 * it) or user mode (enter_user at USER_BASE); returns 0 when it reached
 * its end, 1 when an event ended it (td_abort from the trap handler).
 */
long td_enter(uint64_t code, long user);
extern uint64_t td_save_rsp;		/* td_enter's stack: %cr2 there is printed relative */
void __attribute__((noreturn)) td_abort(void);
asm(".text\n"
    ".globl td_enter, td_kdone, td_abort, td_save_rsp\n"
    "td_enter:\n"
    "	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
    "	mov %rsp, td_save_rsp(%rip)\n"
    "	test %rsi, %rsi\n"
    "	jnz 1f\n"
    "	jmp *%rdi\n"
    "1:	mov $0x400000, %edi\n"
    "	mov $0x402fc0, %esi\n"
    "	call enter_user\n"
    "td_kdone:\n"
    "	xor %eax, %eax\n"
    "	jmp 2f\n"
    "td_abort:\n"
    "	mov $1, %eax\n"
    "2:	mov td_save_rsp(%rip), %rsp\n"
    "	push $0x202; popfq\n"
    "	mov $0xe02b, %ecx; mov %ecx, %ss\n"
    "	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
    "	ret\n"
    ".data\n"
    "td_save_rsp: .quad 0\n"
    ".text\n");

/* The 256 trap stubs, 16 bytes apart: each pushes its vector. */
void td_common(void);
extern const uint8_t td_stubs[];
asm(".text\n"
    ".balign 16\n"
    ".globl td_stubs\n"
    "td_stubs:\n"
    ".set v, 0\n"
    ".rept 256\n"
    "	.balign 16\n"
    "	.byte 0x68\n"			/* push imm32 */
    "	.long v\n"
    "	jmp td_common\n"
    ".set v, v + 1\n"
    ".endr\n"
    "td_common:\n"
    "	pushfq\n"			/* the handler's own rflags, as the hypervisor left them */
    "	mov %rsp, %rdi\n"
    "	and $-16, %rsp\n"
    "	call td_trap\n"
    "	ud2\n");

/* ------------------------------------------------------------------ state */

#define MODE_K	1
#define MODE_U	2
#define MODE_KU	3

/* outputs an ok line prints */
#define O_AX	0x01
#define O_CX	0x02
#define O_DX	0x04
#define O_FL	0x08
#define O_SEG	0x10
#define O_BX	0x20
#define O_SI	0x40
#define O_UM	0x80	/* the upcall mask afterwards (kernel mode) */

#define FLAGS_SHOWN	0x277fd5ULL	/* CF PF AF ZF SF TF IF DF OF IOPL NT RF AC ID */

static uint8_t kdata[8192] __attribute__((aligned(4096)));
static uint8_t ustack[8192] __attribute__((aligned(4096)));	/* stack_switch's, for user mode */
static uint8_t kcode[4096] __attribute__((aligned(4096)));
static uint8_t *ucode;			/* the user code page, through the kernel */
static uint64_t code_base, code_end, frag_base, data_base;
static uint64_t np_page, ro_page, nx_page;
static struct vcpu_info *vi;
static unsigned int line;
static uint16_t sel_ds, sel_es, sel_fs, sel_gs;

/* What the handler saw. */
static volatile struct {
	uint64_t vec, err, rip, cs, fl, ss, rcx, r11, cr2, dr6;
	bool has_err, nested;
	uint8_t mask_entry;
	uint64_t sp;		/* where the frame the hypervisor built starts */
	uint64_t hfl;		/* the handler's rflags on entry */
} ev;
static volatile bool in_handler;

/* The seeds of a case: every field 0 takes the default. */
struct seeds {
	uint64_t rax, rcx, rdx, rsi, flags;
	bool mask;		/* kernel mode: events masked while it runs */
	uint64_t dr7;		/* non-zero: DR0 = dr0_off + the fragment's start (dr0_data: D's) */
	uint32_t dr0_off;
	bool dr0_data;
};

#define SEED_AX	0xa0ULL
#define SEED_CX	0xc0ULL
#define SEED_DX	0xd0ULL
#define SEED_SI	0x51ULL
#define SEED_R11 0xb11ULL

static bool in_code(uint64_t x)
{
	return x >= code_base && x < code_end;
}

void td_trap(uint64_t *w);
void td_trap(uint64_t *w)
{
	uint64_t *f;

	if (in_handler) {
		ev.nested = true;
		td_abort();
	}
	in_handler = true;
	ev.mask_entry = vi->evtchn_upcall_mask;
	ev.hfl = *w++;
	ev.sp = (uint64_t)(w + 1);
	ev.vec = w[0];
	ev.rcx = w[1];
	ev.r11 = w[2];
	/* An error code sits before rip unless rip is where the fragment runs. */
	ev.has_err = !in_code(w[3]);
	f = &w[ev.has_err ? 4 : 3];
	ev.err = ev.has_err ? w[3] : 0;
	ev.rip = f[0];
	ev.cs = f[1];
	ev.fl = f[2];
	ev.ss = f[4];
	ev.cr2 = vi->arch.cr2;
	if (ev.vec == 1) {
		uint64_t d6;

		asm volatile("mov %%dr6, %0" : "=r"(d6));
		ev.dr6 = d6;
	}
	td_abort();
}

static void trap_table(bool no80)
{
	static struct trap_info t[257];
	unsigned int v, n = 0;

	hypercall1(__HYPERVISOR_set_trap_table, NULL);
	for (v = 0; v < 256; v++) {
		unsigned int dpl = (unsigned int[]){ 3, 1, 0, 4 }[v % 4];

		if (v == 0x80)
			dpl = no80 ? 4 : 3;
		if (dpl == 4 && v < 32)
			dpl = 2;
		if (dpl == 4)
			continue;
		t[n].vector = (uint8_t)v;
		t[n].flags = (uint8_t)(dpl | (v % 2 ? 0 : TI_MASK_EVENTS));
		t[n].cs = FLAT_KERNEL_CS;
		t[n].address = (uint64_t)td_stubs + 16 * v;
		n++;
	}
	t[n].address = 0;
	if (hypercall1(__HYPERVISOR_set_trap_table, t))
		printf("set_trap_table failed\n");
}

/* An address as the guest chose it: relative to a known page, or as is. */
static void rel(char *buf, size_t n, uint64_t x, uint64_t seed)
{
	if (x == seed)
		snprintf(buf, n, "s");
	else if (in_code(x))
		snprintf(buf, n, x >= frag_base ? "c+%lu" : "c-%lu",
			 (unsigned long)(x >= frag_base ? x - frag_base : frag_base - x));
	else if (x >= data_base && x < data_base + 8192)
		snprintf(buf, n, "d+%#lx", (unsigned long)(x - data_base));
	else if (x >= np_page && x < np_page + 4096)
		snprintf(buf, n, "np+%#lx", (unsigned long)(x - np_page));
	else if (x >= ro_page && x < ro_page + 4096)
		snprintf(buf, n, "ro+%#lx", (unsigned long)(x - ro_page));
	else if (x >= nx_page && x < nx_page + 4096)
		snprintf(buf, n, "nx+%#lx", (unsigned long)(x - nx_page));
	else if (x <= td_save_rsp && x >= td_save_rsp - 0x2000)
		snprintf(buf, n, "st-%#lx", (unsigned long)(td_save_rsp - x));
	else if (x < (uint64_t)ustack + sizeof(ustack) && x >= (uint64_t)ustack)
		snprintf(buf, n, "ks-%#lx", (unsigned long)((uint64_t)ustack + sizeof(ustack) - x));
	else if (x >= (uint64_t)kcode && x < (uint64_t)kcode + sizeof(kcode))
		snprintf(buf, n, "kc+%#lx", (unsigned long)(x - (uint64_t)kcode));
	else if (x >= (uint64_t)kdata && x < (uint64_t)kdata + sizeof(kdata))
		snprintf(buf, n, "kd+%#lx", (unsigned long)(x - (uint64_t)kdata));
	else
		snprintf(buf, n, "%#lx", (unsigned long)x);
}

static void restore_state(void)
{
	asm volatile("mov %0, %%ds; mov %1, %%es; mov %2, %%fs; mov %3, %%gs"
		     : : "r"(sel_ds), "r"(sel_es), "r"(sel_fs), "r"(sel_gs));
	hypercall1(__HYPERVISOR_fpu_taskswitch, 0);
	asm volatile("fninit; movl $0x1f80, %0; ldmxcsr %0" : "=m"(*(uint32_t *)kdata) : : "memory");
}

static void run1(const char *name, const uint8_t *frag, size_t len, unsigned int mode,
		 unsigned int outs, const struct seeds *s)
{
	bool user = mode == MODE_U;
	uint8_t *code = user ? ucode : kcode;
	uint8_t *d = user ? (uint8_t *)user_data_kva : kdata;
	uint64_t *dq = (uint64_t *)d;
	size_t pre = (size_t)(tpl_pre_end - tpl_pre), post = (size_t)(tpl_post_end - tpl_post);
	const uint8_t *tail = user ? tpl_utail : tpl_ktail;
	size_t tlen = user ? (size_t)(tpl_utail_end - tpl_utail) : (size_t)(tpl_ktail_end - tpl_ktail);
	char a[40], b[40], c[40], r[40], e[24], sp[40];
	uint32_t d32;
	long rc;
	unsigned int i;

	data_base = user ? USER_DATA : (uint64_t)kdata;
	code_base = user ? USER_BASE : (uint64_t)kcode;
	frag_base = code_base + pre;
	code_end = frag_base + len + post + tlen;
	memset(code, 0xcc, 4096);
	memcpy(code, tpl_pre, pre);
	d32 = (uint32_t)data_base;
	memcpy(code + 3, &d32, 4);
	memcpy(code + pre, frag, len);
	memcpy(code + pre + len, tpl_post, post);
	memcpy(code + pre + len + post, tail, tlen);
	memset(d, 0, 8192);
	dq[0] = s->rax ? s->rax : SEED_AX;
	dq[1] = data_base + 0x800;
	dq[2] = s->rcx ? s->rcx : SEED_CX;
	dq[3] = s->rdx ? s->rdx : SEED_DX;
	dq[4] = s->rsi ? s->rsi : SEED_SI;
	dq[5] = data_base + 0x900;
	for (i = 8; i < 16; i++)
		dq[i] = 0x80 + i;
	dq[11] = SEED_R11;
	dq[16] = 0x202 | s->flags;
	memset((void *)&ev, 0, sizeof(ev));
	in_handler = false;
	if (s->dr7) {
		hypercall2(__HYPERVISOR_set_debugreg, 0,
			   (s->dr0_data ? data_base : frag_base) + s->dr0_off);
		hypercall2(__HYPERVISOR_set_debugreg, 7, s->dr7);
	}
	vi->evtchn_upcall_mask = s->mask && !user;
	asm volatile("" : : : "memory");
	rc = td_enter((uint64_t)code_base, user);
	vi->evtchn_upcall_mask = 1;
	in_handler = false;
	if (s->dr7) {
		hypercall2(__HYPERVISOR_set_debugreg, 7, 0);
		hypercall2(__HYPERVISOR_set_debugreg, 0, 0);
	}
	restore_state();
	if (rc == 0) {
		char out[200];
		size_t o = 0;
		uint64_t *res = (uint64_t *)(d + 0x100);
		uint16_t *sg = (uint16_t *)(d + 0x188);

		out[0] = 0;
		if (outs & O_AX)
			o += snprintf(out + o, sizeof(out) - o, " ax=%#lx", (unsigned long)res[0]);
		if (outs & O_BX)
			o += snprintf(out + o, sizeof(out) - o, " bx=%#lx", (unsigned long)res[1]);
		if (outs & O_CX)
			o += snprintf(out + o, sizeof(out) - o, " cx=%#lx", (unsigned long)res[2]);
		if (outs & O_DX)
			o += snprintf(out + o, sizeof(out) - o, " dx=%#lx", (unsigned long)res[3]);
		if (outs & O_SI)
			o += snprintf(out + o, sizeof(out) - o, " si=%#lx", (unsigned long)res[4]);
		if (outs & O_FL)
			o += snprintf(out + o, sizeof(out) - o, " fl=%#lx",
				      (unsigned long)(res[16] & FLAGS_SHOWN));
		if (outs & O_SEG)
			o += snprintf(out + o, sizeof(out) - o, " cs=%#x ss=%#x ds=%#x es=%#x fs=%#x gs=%#x",
				      sg[0], sg[1], sg[2], sg[3], sg[4], sg[5]);
		if ((outs & O_UM) && !user)
			o += snprintf(out + o, sizeof(out) - o, " um=%u", (unsigned int)d[0x199]);
		printf("D %u %s %c ok%s\n", line++, name, user ? 'u' : 'k', out);
		return;
	}
	if (ev.nested) {
		printf("D %u %s %c nested-trap\n", line++, name, user ? 'u' : 'k');
		return;
	}
	rel(r, sizeof(r), ev.rip, ~0ULL);
	rel(b, sizeof(b), ev.rcx, user ? SEED_CX : SEED_CX);
	rel(c, sizeof(c), ev.r11, SEED_R11);
	if (ev.vec == 14)
		rel(a, sizeof(a), ev.cr2, ~0ULL);
	else
		snprintf(a, sizeof(a), "-");
	if (ev.has_err)
		snprintf(e, sizeof(e), "%#lx", (unsigned long)ev.err);
	else
		snprintf(e, sizeof(e), "-");
	rel(sp, sizeof(sp), ev.sp, ~0ULL);
	printf("D %u %s %c v=%lu ec=%s cr2=%s rip=%s cs=%#lx ss=%#lx sm=%lu fl=%#lx rcx=%s r11=%s e=%u sp=%s hf=%#lx%s",
	       line++, name, user ? 'u' : 'k', (unsigned long)ev.vec, e, a, r, (unsigned long)(ev.cs & 0xffff),
	       (unsigned long)(ev.ss & 0xffff), (unsigned long)((ev.cs >> 32) & 0xff),
	       (unsigned long)(ev.fl & FLAGS_SHOWN), b, c, ev.mask_entry, sp,
	       (unsigned long)(ev.hfl & FLAGS_SHOWN),
	       ev.vec == 1 ? "" : "\n");
	if (ev.vec == 1)
		printf(" dr6=%#lx\n", (unsigned long)ev.dr6);
}

static const struct seeds none;

static void run(const char *name, const uint8_t *frag, size_t len, unsigned int modes,
		unsigned int outs, const struct seeds *s)
{
	if (!s)
		s = &none;
	if (modes & MODE_K)
		run1(name, frag, len, MODE_K, outs, s);
	if (modes & MODE_U)
		run1(name, frag, len, MODE_U, outs, s);
}

#define RUN(name, modes, outs, ...)					\
	run(#name, F(name), modes, outs, &(struct seeds){ __VA_ARGS__ })

/* ------------------------------------------------------------------- cases */

static long set_iopl(unsigned int iopl)
{
	struct physdev_set_iopl op = { iopl };

	return hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &op);
}

static long arch_iopl(bool on)
{
	return hypercall2(__HYPERVISOR_vm_assist, on ? VMASST_CMD_enable : VMASST_CMD_disable,
			  VMASST_TYPE_architectural_iopl);
}

static uint8_t iobitmap[8192];

static long set_iobitmap(unsigned int nr)
{
	struct physdev_set_iobitmap op = { (uint64_t)iobitmap, nr, 0 };

	return hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iobitmap, &op);
}

/*
 * The callback of this type at addr; 0 is "none" (Xen 4.17 refuses to
 * unregister the syscall and sysenter callbacks, -EINVAL, and injects #UD
 * for a system call whose callback is 0).
 */
static long set_callback(unsigned int type, uint64_t addr)
{
	struct callback_register cb = { (uint16_t)type, CALLBACKF_mask_events, 0, addr };

	return hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb);
}

static void softints(void)
{
	static uint8_t insn[256][2];
	char name[16];
	unsigned int n;

	for (n = 0; n < 256; n++) {
		insn[n][0] = 0xcd;
		insn[n][1] = (uint8_t)n;
		snprintf(name, sizeof(name), "int%#x", n);
		run(name, insn[n], 2, MODE_KU, O_UM, NULL);
	}
}

static const uint16_t ports[] = { 0x20, 0x21, 0x40, 0x43, 0x61, 0x70, 0x71, 0x80,
				  0xa1, 0xcf8, 0xcfc, 0x3f8, 0x3fd, 0xe9, 0x1234 };
/* ports whose value is a time or a device's moment (0x70 as a word reads 0x71 too): only whether it traps */
static bool port_volatile(uint16_t p)
{
	return p == 0x20 || p == 0x40 || p == 0x61 || p == 0x70 || p == 0x71 || p == 0x3f8 || p == 0x3fd ||
	       p == 0xcfc;
}

/* run() under the name "<env>-<what>" */
static void run_env(const char *env, const char *what, const uint8_t *frag, size_t len,
		    unsigned int modes, unsigned int outs, const struct seeds *s)
{
	char name[48];

	snprintf(name, sizeof(name), "%s-%s", env, what);
	run(name, frag, len, modes, outs, s);
}

static void port_io(const char *env, unsigned int modes, bool all)
{
	static const struct seeds post = { .rdx = 0x80 };
	char what[24];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ports); i++) {
		const struct seeds port = { .rdx = ports[i] };
		uint16_t p = ports[i];
		unsigned int o = port_volatile(p) ? 0 : O_AX;
		/*
		 * A byte or word of 0xcf8 is the physical port on Xen 4.17
		 * (only a dword is the domain's latch): what it reads is the
		 * hypervisor's own last PCI access, different at --smp 2.
		 */
		unsigned int o_sub = p == 0xcf8 ? 0 : o;

		if (!all && p != 0x80 && p != 0x71 && p != 0x3f8 && p != 0xcf8)
			continue;
		snprintf(what, sizeof(what), "inb-%#x", p);
		run_env(env, what, F(inb), modes, o_sub, &port);
		if (!all)
			continue;
		snprintf(what, sizeof(what), "inw-%#x", p);
		run_env(env, what, F(inw), modes, o_sub, &port);
		snprintf(what, sizeof(what), "inl-%#x", p);
		run_env(env, what, F(inl), modes, o, &port);
		snprintf(what, sizeof(what), "insb-%#x", p);
		run_env(env, what, F(insb), modes, O_AX, &port);
	}
	/* writes only where they harm nothing: the POST port */
	run_env(env, "outb-0x80", F(outb), modes, 0, &post);
	if (all) {
		run_env(env, "outw-0x80", F(outw), modes, 0, &post);
		run_env(env, "outl-0x80", F(outl), modes, 0, &post);
		run_env(env, "outsb-0x80", F(outsb), modes, O_AX, &post);
		run_env(env, "outsw-0x80", F(outsw), modes, O_AX, &post);
		run_env(env, "outsl-0x80", F(outsl), modes, O_AX, &post);
		run_env(env, "insw-0x80", F(insw), modes, O_AX, &post);
		run_env(env, "insl-0x80", F(insl), modes, O_AX, &post);
		run_env(env, "inb-imm80", F(inb_imm80), modes, O_AX, NULL);
		run_env(env, "cf8-rw", F(cf8_rw), modes, O_AX, NULL);
		run_env(env, "cfc-id", F(cfc_id), modes, O_AX, NULL);
	}
	run_env(env, "cli", F(cli), modes, O_UM | O_FL, NULL);
	run_env(env, "sti", F(sti), modes, O_UM | O_FL, NULL);
	run_env(env, "pushf", F(pushf), modes, O_AX, NULL);
	run_env(env, "popf-if0", F(popf_seed), modes, O_AX | O_UM, &(struct seeds){ .rcx = 0x2 });
	run_env(env, "popf-iopl3", F(popf_seed), modes, O_AX | O_UM,
		&(struct seeds){ .rcx = 0x3202 });
	run_env(env, "int3", F(int3), modes, 0, NULL);
	if (all) {
		/* the emulator's faults part way through a string (rcx: what is left) */
		uint64_t u = USER_BASE + 0x200000;

		if (modes & MODE_K) {
			run_env(env, "insb-np", F(insb_at), MODE_K, O_AX,
				&(struct seeds){ .rdx = 0x80, .rsi = np_page + 8 });
			run_env(env, "insb-ro", F(insb_at), MODE_K, O_AX,
				&(struct seeds){ .rdx = 0x80, .rsi = ro_page + 8 });
			run_env(env, "insb-into-np", F(insb_at), MODE_K, O_AX,
				&(struct seeds){ .rdx = 0x80, .rsi = np_page - 1 });
			run_env(env, "insl-into-np", F(insl_at), MODE_K, O_AX,
				&(struct seeds){ .rdx = 0x80, .rsi = np_page - 6 });
			run_env(env, "outsb-np", F(outsb_at), MODE_K, O_AX,
				&(struct seeds){ .rdx = 0x80, .rsi = np_page + 8 });
			run_env(env, "outsb-into-np", F(outsb_at), MODE_K, O_AX,
				&(struct seeds){ .rdx = 0x80, .rsi = np_page - 2 });
			run_env(env, "insb-hv", F(insb_at), MODE_K, O_AX,
				&(struct seeds){ .rdx = 0x80, .rsi = 0xffff830000000000ULL });
		}
		run_env(env, "insb-nc", F(insb_at), modes, O_AX,
			&(struct seeds){ .rdx = 0x80, .rsi = 0x8000000000000000ULL });
		run_env(env, "outsb-nc", F(outsb_at), modes, O_AX,
			&(struct seeds){ .rdx = 0x80, .rsi = 0x8000000000000000ULL });
		if (modes & MODE_U) {
			run_env(env, "insb-ucode", F(insb_at), MODE_U, O_AX,
				&(struct seeds){ .rdx = 0x80, .rsi = USER_BASE + 8 });
			run_env(env, "insb-unmapped", F(insb_at), MODE_U, O_AX,
				&(struct seeds){ .rdx = 0x80, .rsi = u });
			run_env(env, "outsb-unmapped", F(outsb_at), MODE_U, O_AX,
				&(struct seeds){ .rdx = 0x80, .rsi = u });
			run_env(env, "insb-kernel", F(insb_at), MODE_U, O_AX,
				&(struct seeds){ .rdx = 0x80, .rsi = (uint64_t)kdata });
		}
	}
	run_env(env, "tf-in80", F(tf_in80), modes, 0, NULL);
	run_env(env, "tf-out80", F(tf_out), modes, 0, &post);
	run_env(env, "tf-rep-insb80", F(tf_rep_insb), modes, O_AX, &post);
	run_env(env, "tf-cli", F(tf_cli), modes, O_UM, NULL);
}

static void io_envs(void)
{
	unsigned int l;

	port_io("dflt", MODE_KU, true);
	for (l = 0; l < 4; l++) {
		char env[16];

		snprintf(env, sizeof(env), "iopl%u", l);
		printf("(set_iopl %u: %ld)\n", l, set_iopl(l));
		port_io(env, MODE_KU, l == 0 || l == 3);
	}
	/* the I/O bitmap: 0x80 and 0x70/0x71 allowed, the rest refused */
	memset(iobitmap, 0xff, sizeof(iobitmap));
	iobitmap[0x80 / 8] &= (uint8_t)~(1u << (0x80 % 8));
	iobitmap[0x70 / 8] &= (uint8_t)~(3u << (0x70 % 8));
	set_iopl(0);
	printf("(set_iobitmap: %ld)\n", set_iobitmap(0x400));
	port_io("bitmap", MODE_KU, false);
	set_iobitmap(0);
	/* architectural IOPL: kernel mode counts as CPL 0 */
	printf("(architectural_iopl on: %ld)\n", arch_iopl(true));
	for (l = 0; l < 4; l += 3) {
		char env[16];

		snprintf(env, sizeof(env), "aiopl%u", l);
		set_iopl(l);
		port_io(env, MODE_KU, false);
	}
	set_iopl(0);
	arch_iopl(false);
}

/*
 * The guest's own descriptors (set_gdt of 16 entries, an LDT of 4):
 * GDT 2 64-bit code DPL 3, 3 data DPL 3, 4 32-bit code DPL 3, 5 data DPL 3
 * based at 0x123000, 6 data not present, 7 64-bit code DPL 0, 8 data
 * DPL 0 (Xen raises a guest descriptor's DPL 0 to its kernel's), 9
 * expand-down data DPL 3, entry 16 past the limit (in the frame);
 * LDT 0 data DPL 3, 1 64-bit code DPL 3, 2 not present, 3 data DPL 0.
 */
static const uint64_t gdt_ents[16] = {
	[2] = 0x00affb000000ffffULL, [3] = 0x00cff3000000ffffULL,
	[4] = 0x00cffb000000ffffULL, [5] = 0x00cff3123000ffffULL,
	[6] = 0x00cf73000000ffffULL, [7] = 0x00af9b000000ffffULL,
	[8] = 0x00cf93000000ffffULL, [9] = 0x00c0f7000000000fULL,
};
static const uint64_t ldt_ents[4] = {
	0x00cff3000000ffffULL, 0x00affb000000ffffULL, 0x00cf73000000ffffULL,
	0x00cf93000000ffffULL,
};

static void guest_tables(void)
{
	uint64_t *gdt = (uint64_t *)scratch_page(), *ldt = (uint64_t *)scratch_page();
	uint64_t gmfn = va_to_mfn((uint64_t)gdt), lmfn = va_to_mfn((uint64_t)ldt);
	struct mmuext_op op = { 0 };
	unsigned int i;
	long rc;

	memcpy(gdt, gdt_ents, sizeof(gdt_ents));
	memcpy(ldt, ldt_ents, sizeof(ldt_ents));
	update_va_mapping((uint64_t)gdt, (gmfn << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG);
	update_va_mapping((uint64_t)ldt, (lmfn << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG);
	rc = hypercall2(__HYPERVISOR_set_gdt, &gmfn, 16);
	printf("D %u set_gdt k rc=%ld\n", line++, rc);
	/* what each entry reads after: the hypervisor may have changed it */
	for (i = 2; i < 10; i++)
		printf("D %u gdt-entry-%u k %#lx\n", line++, i, (unsigned long)gdt[i]);
	op.cmd = MMUEXT_SET_LDT;
	op.arg1.linear_addr = (uint64_t)ldt;
	op.arg2.nr_ents = 4;
	rc = hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF, 0);
	printf("D %u set_ldt k rc=%ld\n", line++, rc);
}

static const uint16_t sels[] = {
	0, 3, 0x7, 0xf, 0x14, 0x17, 0x1f, 0x1c, 0x10, 0x13, 0x1b, 0x23, 0x2b, 0x33, 0x3b,
	0x38, 0x43, 0x40, 0x4b, 0x83, 0xe008, 0xe010, 0xe018, 0xe019, 0xe020, 0xe023,
	0xe028, 0xe02b, 0xe030, 0xe033, 0xe03b, 0xfff8, 0xfffb,
};

#define SEL_OP(name, frag, outs)	{ name, fr_##frag, fr_##frag##_end, outs }

static void selectors(void)
{
	static const struct {
		const char *name;
		const uint8_t *frag, *end;
		unsigned int outs;
	} ops[] = {
		SEL_OP("mov-ds", mov_ds, O_AX),
		SEL_OP("mov-es", mov_es, O_AX),
		SEL_OP("mov-fs", mov_fs, O_AX),
		SEL_OP("mov-gs", mov_gs, O_AX),
		SEL_OP("mov-ss", mov_ss, O_AX),
		SEL_OP("pop-fs", pop_fs, O_AX),
		SEL_OP("pop-gs", pop_gs, O_AX),
		SEL_OP("lar", lar, O_AX | O_FL),
		SEL_OP("lsl", lsl, O_AX | O_FL),
		SEL_OP("verr", verr, O_FL),
		SEL_OP("verw", verw, O_FL),
		SEL_OP("ljmp", ljmp, O_AX),
		SEL_OP("lcall", lcall, O_AX),
		SEL_OP("lret", lret, O_AX),
		SEL_OP("iretq-cs", iretq_cs, O_AX),
		SEL_OP("iretq-ss", iretq_ss, O_AX),
	};
	unsigned int o, i;
	char name[40];

	for (o = 0; o < ARRAY_SIZE(ops); o++)
		for (i = 0; i < ARRAY_SIZE(sels); i++) {
			uint16_t sel = sels[i];

			/* a 32-bit code selector runs the next bytes as other code */
			if (((sel & ~3) == 0xe020 || (sel & ~3) == 0x20) && o >= 11 && o <= 14)
				continue;
			snprintf(name, sizeof(name), "%s-%#x", ops[o].name, sel);
			if (sel && !(sel & ~3) && o < 2) {
				if (o == 0)
					run(name, F(mov_ds_null), MODE_KU, ops[o].outs,
					    &(struct seeds){ .rcx = sel });
				else
					run(name, F(mov_es_null), MODE_KU, ops[o].outs,
					    &(struct seeds){ .rcx = sel });
				continue;
			}
			run(name, ops[o].frag, (size_t)(ops[o].end - ops[o].frag), MODE_KU,
			    ops[o].outs, &(struct seeds){ .rcx = sel ? sel : 0x10000 });
		}
	run("pop-ds", F(pop_ds), MODE_KU, 0, NULL);
	/* the bases a load leaves, as kernel mode reads them */
	for (i = 0; i < ARRAY_SIZE(sels); i++) {
		uint16_t sel = sels[i];
		const struct seeds sd = { .rcx = sel ? sel : 0x10000 };

		snprintf(name, sizeof(name), "fs-base-%#x", sel);
		run(name, F(fs_base), MODE_K, O_AX, &sd);
		snprintf(name, sizeof(name), "gs-base-%#x", sel);
		run(name, F(gs_base), MODE_K, O_AX, &sd);
		snprintf(name, sizeof(name), "gs-shadow-%#x", sel);
		run(name, F(gs_shadow), MODE_K, O_AX, &sd);
	}
}

static void counters_msrs(void)
{
	static const uint32_t pmc[] = { 0, 1, 0x40000000, 0x40000001, 0x80000000, 0x12345 };
	static const uint32_t msr_val[] = { 0xc0000080, 0x1b, 0xfe, 0x8b, 0x12345678 };
	static const uint32_t msr_noval[] = { 0x10, 0xe7, 0xe8, 0xc0000100, 0xc0000101,
					      0xc0000102, 0xc0000103, 0x3a, 0x48 };
	char name[40];
	unsigned int i;

	RUN(rdtsc, MODE_KU, O_CX);
	RUN(rdtscp, MODE_KU, O_CX);
	RUN(rdpid, MODE_KU, O_AX);
	for (i = 0; i < ARRAY_SIZE(pmc); i++) {
		snprintf(name, sizeof(name), "rdpmc-%#x", pmc[i]);
		run(name, F(rdpmc), MODE_KU, O_CX, &(struct seeds){ .rcx = pmc[i] ? pmc[i] : 0x100000000ULL });
	}
	for (i = 0; i < ARRAY_SIZE(msr_val); i++) {
		snprintf(name, sizeof(name), "rdmsr-%#x", msr_val[i]);
		run(name, F(rdmsr), MODE_KU, O_AX | O_DX, &(struct seeds){ .rcx = msr_val[i] });
	}
	for (i = 0; i < ARRAY_SIZE(msr_noval); i++) {
		snprintf(name, sizeof(name), "rdmsr-%#x", msr_noval[i]);
		run(name, F(rdmsr_noval), MODE_KU, 0, &(struct seeds){ .rcx = msr_noval[i] });
	}
	run("rdwrmsr-efer", F(rdwrmsr), MODE_KU, O_AX | O_DX, &(struct seeds){ .rcx = 0xc0000080 });
	run("rdwrmsr-apicbase", F(rdwrmsr), MODE_KU, 0, &(struct seeds){ .rcx = 0x1b });
	run("wrmsr0-bad", F(wrmsr_zero), MODE_KU, 0, &(struct seeds){ .rcx = 0x12345678 });
	run("wrmsr0-8b", F(wrmsr_zero), MODE_KU, 0, &(struct seeds){ .rcx = 0x8b });
	run("rdmsr-66", (const uint8_t *)"\x66\x0f\x32", 3, MODE_KU, O_AX, &(struct seeds){ .rcx = 0xc0000080 });
	run("rdmsr-lock", (const uint8_t *)"\xf0\x0f\x32", 3, MODE_KU, O_AX, &(struct seeds){ .rcx = 0xc0000080 });
}

static void memory(void)
{
	uint64_t kd = (uint64_t)kdata;

	run("load-np", F(load), MODE_K, 0, &(struct seeds){ .rsi = np_page + 0x10 });
	run("store-np", F(store), MODE_K, 0, &(struct seeds){ .rsi = np_page + 0x18 });
	run("load-ro", F(load), MODE_K, 0, &(struct seeds){ .rsi = ro_page + 0x20 });
	run("store-ro", F(store), MODE_K, 0, &(struct seeds){ .rsi = ro_page + 0x28 });
	run("exec-nx", F(exec), MODE_K, 0, &(struct seeds){ .rsi = nx_page + 0x30 });
	run("exec-np", F(exec), MODE_K, 0, &(struct seeds){ .rsi = np_page + 0x38 });
	run("load-user-kd", F(load), MODE_U, 0, &(struct seeds){ .rsi = kd + 0x40 });
	run("store-user-kd", F(store), MODE_U, 0, &(struct seeds){ .rsi = kd + 0x48 });
	run("exec-user-kd", F(exec), MODE_U, 0, &(struct seeds){ .rsi = (uint64_t)kcode });
	run("store-user-code", F(store), MODE_U, 0, &(struct seeds){ .rsi = USER_BASE + 0x50 });
	run("load-user-unmapped", F(load), MODE_U, 0, &(struct seeds){ .rsi = USER_BASE + 0x200058 });
	run("store-user-unmapped", F(store), MODE_U, 0, &(struct seeds){ .rsi = USER_BASE + 0x200060 });
	run("exec-user-unmapped", F(exec), MODE_U, 0, &(struct seeds){ .rsi = USER_BASE + 0x200068 });
	run("load-m2p", F(load), MODE_KU, 0, &(struct seeds){ .rsi = 0xffff800000000000ULL });
	run("store-m2p", F(store), MODE_KU, 0, &(struct seeds){ .rsi = 0xffff800000000000ULL });
	run("load-hv", F(load), MODE_KU, 0, &(struct seeds){ .rsi = 0xffff830000000000ULL });
	run("store-hv", F(store), MODE_KU, 0, &(struct seeds){ .rsi = 0xffff830000000000ULL });
	run("exec-hv", F(exec), MODE_KU, 0, &(struct seeds){ .rsi = 0xffff830000000000ULL });
	run("load-hv-top", F(load), MODE_KU, 0, &(struct seeds){ .rsi = 0xffff87fffffff000ULL });
	run("load-low", F(load), MODE_KU, 0, &(struct seeds){ .rsi = 0x1000 });
	RUN(load_nc, MODE_KU, 0);
	RUN(load_nc_hi, MODE_KU, 0);
	RUN(rsp_nc, MODE_U, 0);
	RUN(rsp_nc_load, MODE_U, 0);
	run("rsp-unmapped", F(rsp_unmapped), MODE_U, 0, &(struct seeds){ .rsi = USER_BASE + 0x200100 });
}

static void misc(void)
{
	unsigned int i;

	RUN(nop, MODE_KU, O_AX | O_CX | O_DX | O_FL | O_SEG | O_UM);
	RUN(int3, MODE_KU, 0);
	RUN(int_3, MODE_KU, 0);
	RUN(icebp, MODE_KU, 0);
	RUN(into, MODE_KU, 0);
	RUN(ud2, MODE_KU, 0);
	RUN(hlt, MODE_KU, 0);
	RUN(lock_nop, MODE_KU, 0);
	RUN(bound, MODE_KU, 0);
	RUN(pushcs, MODE_KU, 0);
	RUN(arpl, MODE_KU, 0);
	RUN(long15, MODE_KU, 0);
	RUN(long16, MODE_KU, 0);
	RUN(fcpuid, MODE_KU, O_AX | O_BX | O_CX | O_DX);
	RUN(cpuid0, MODE_KU, O_AX);
	RUN(tf_nop, MODE_KU, 0);
	RUN(tf_cr0, MODE_KU, 0);
	RUN(tf_in80, MODE_KU, 0);
	RUN(tf_fcpuid, MODE_KU, 0);
	RUN(tf_cpuid, MODE_KU, 0);
	RUN(tf_int3, MODE_KU, 0);
	RUN(tf_rdmsr, MODE_KU, 0);
	RUN(tf_hcall, MODE_K, O_AX);
	RUN(tf_wrcr3, MODE_KU, 0);
	RUN(tf_clts, MODE_KU, 0);
	RUN(tf_rddr7, MODE_KU, 0);
	RUN(tf_wbinvd, MODE_KU, 0);
	RUN(tf_rdtsc, MODE_KU, 0);
	RUN(tf_popf_off, MODE_KU, 0);
	RUN(tf_int80, MODE_KU, 0);
	RUN(tf_ud2, MODE_KU, 0);
	RUN(tf_gp, MODE_KU, 0);
	RUN(tf_movss, MODE_KU, 0);
	/* events masked while kernel mode runs: the frame's saved mask and IF */
	run("m1-int3", F(int3), MODE_K, 0, &(struct seeds){ .mask = true });
	run("m1-int80", F(int80), MODE_K, 0, &(struct seeds){ .mask = true });
	run("m1-ud2", F(ud2), MODE_K, 0, &(struct seeds){ .mask = true });
	run("m1-hlt", F(hlt), MODE_K, 0, &(struct seeds){ .mask = true });
	run("m1-load-np", F(load), MODE_K, 0, &(struct seeds){ .mask = true, .rsi = np_page });
	run("m1-tf", F(tf_nop), MODE_K, 0, &(struct seeds){ .mask = true });
	run("m1-pushf", F(pushf), MODE_K, O_AX | O_UM, &(struct seeds){ .mask = true });
	/* debug registers set by the kernel (set_debugreg) before each mode runs */
	run("bp-insn", F(nops3), MODE_KU, 0, &(struct seeds){ .dr7 = 0x401, .dr0_off = 1 });
	run("bp-insn-ge", F(nops3), MODE_KU, 0, &(struct seeds){ .dr7 = 0x602, .dr0_off = 2 });
	run("bp-load", F(bp_load), MODE_KU, O_AX,
	    &(struct seeds){ .dr7 = 0xf0401, .dr0_off = 0x800, .dr0_data = true });
	run("bp-load-w1", F(bp_load), MODE_KU, O_AX,
	    &(struct seeds){ .dr7 = 0xd0401, .dr0_off = 0x800, .dr0_data = true });
	run("bp-store-on-load", F(bp_load), MODE_KU, O_AX,
	    &(struct seeds){ .dr7 = 0xd0401, .dr0_off = 0x800, .dr0_data = true });
	run("bp-store", F(bp_store), MODE_KU, 0,
	    &(struct seeds){ .dr7 = 0xd0401, .dr0_off = 0x800, .dr0_data = true });
	run("bp-load-len2", F(bp_load_word), MODE_KU, O_AX,
	    &(struct seeds){ .dr7 = 0x70401, .dr0_off = 0x807, .dr0_data = true });
	run("bp-tf-load", F(tf_nop), MODE_KU, 0,
	    &(struct seeds){ .dr7 = 0x401, .dr0_off = 10 });
	RUN(df_int3, MODE_KU, 0);
	RUN(ac_int3, MODE_KU, 0);
	RUN(nt_int3, MODE_KU, 0);
	RUN(df_ud2, MODE_KU, 0);
	run("df_pf", F(df_pf), MODE_KU, 0, &(struct seeds){ .rsi = 0x1000 });
	RUN(df_int80, MODE_KU, 0);
	RUN(sp8_int3, MODE_KU, 0);
	RUN(sp3_int3, MODE_KU, 0);
	RUN(sp8_gp, MODE_KU, 0);
	run("sp3_pf", F(sp3_pf), MODE_KU, 0, &(struct seeds){ .rsi = 0x1000 });
	run("popf-tf", F(popf_seed), MODE_KU, O_AX, &(struct seeds){ .rcx = 0x302 });
	run("popf-ac", F(popf_seed), MODE_KU, O_AX, &(struct seeds){ .rcx = 0x40202 });
	run("popf-nt", F(popf_seed), MODE_KU, O_AX, &(struct seeds){ .rcx = 0x4202 });
	run("popf-id", F(popf_seed), MODE_KU, O_AX, &(struct seeds){ .rcx = 0x200202 });
	run("popf-df", F(popf_seed), MODE_KU, O_AX, &(struct seeds){ .rcx = 0x602 });
	RUN(rd_cr0, MODE_KU, O_AX);
	RUN(wr_cr0_same, MODE_KU, O_AX);
	RUN(wr_cr0_pg_off, MODE_KU, O_AX);
	RUN(wr_cr0_cd, MODE_KU, O_AX);
	RUN(wr_cr0_ts, MODE_KU, O_AX | O_CX);
	RUN(rd_cr2, MODE_KU, 0);
	RUN(wr_cr2, MODE_KU, O_CX);
	RUN(rd_cr3, MODE_KU, 0);
	RUN(wr_cr3_same, MODE_KU, 0);
	RUN(wr_cr3_bad, MODE_KU, 0);
	RUN(wr_cr3_pcd, MODE_K, O_AX);
	RUN(wr_cr3_noflush, MODE_K, 0);
	RUN(rd_cr4, MODE_KU, O_AX);
	RUN(wr_cr4_same, MODE_KU, O_AX);
	RUN(rd_cr8, MODE_KU, O_AX);
	RUN(wr_cr8, MODE_KU, 0);
	RUN(rd_cr1, MODE_KU, O_AX);
	RUN(rd_cr5, MODE_KU, O_AX);
	RUN(rd_cr9, MODE_KU, O_AX);
	RUN(rd_dr0, MODE_KU, O_AX);
	RUN(rd_dr1, MODE_KU, O_AX);
	RUN(rd_dr2, MODE_KU, O_AX);
	RUN(rd_dr3, MODE_KU, O_AX);
	RUN(rd_dr4, MODE_KU, O_AX);
	RUN(rd_dr5, MODE_KU, O_AX);
	RUN(rd_dr6, MODE_KU, O_AX);
	RUN(rd_dr7, MODE_KU, O_AX);
	RUN(wr_dr0, MODE_KU, O_AX);
	RUN(wr_dr0_hv, MODE_KU, O_AX);
	RUN(wr_dr0_nc, MODE_KU, O_AX);
	RUN(wr_dr6, MODE_KU, O_AX);
	RUN(wr_dr6_hi, MODE_KU, 0);
	RUN(wr_dr7, MODE_KU, O_AX);
	RUN(wr_dr7_hi, MODE_KU, 0);
	RUN(wr_dr7_bp, MODE_KU, O_AX);
	RUN(wr_dr4, MODE_KU, 0);
	RUN(wr_dr0, MODE_K, O_AX);		/* dr0 back to 0x1000 state: harmless */
	RUN(clts, MODE_KU, 0);
	RUN(lmsw, MODE_KU, O_AX);
	RUN(lmsw_ts, MODE_KU, O_AX);
	RUN(smsw, MODE_KU, O_AX);
	RUN(smsw_m, MODE_KU, O_AX);
	RUN(sgdt, MODE_KU, O_AX);
	RUN(sidt, MODE_KU, O_AX);
	RUN(sldt, MODE_KU, O_AX);
	RUN(str, MODE_KU, O_AX);
	RUN(lgdt, MODE_KU, 0);
	RUN(lidt, MODE_KU, 0);
	RUN(lldt0, MODE_KU, 0);
	RUN(ltr0, MODE_KU, 0);
	RUN(invlpg, MODE_KU, 0);
	RUN(invlpg_nc, MODE_KU, 0);
	RUN(invd, MODE_KU, 0);
	RUN(wbinvd, MODE_KU, 0);
	RUN(lock_invd, MODE_KU, 0);
	RUN(lock_wbinvd, MODE_KU, 0);
	RUN(wbnoinvd, MODE_KU, 0);
	RUN(clflush, MODE_KU, 0);
	RUN(swapgs, MODE_KU, 0);
	RUN(sysret, MODE_KU, 0);
	RUN(sysexit, MODE_KU, 0);
	run("xgetbv-0", F(xgetbv), MODE_KU, O_AX | O_DX, &(struct seeds){ .rcx = 0x100000000ULL });
	run("xgetbv-1", F(xgetbv), MODE_KU, O_AX | O_DX, &(struct seeds){ .rcx = 1 });
	run("xgetbv-5", F(xgetbv), MODE_KU, O_AX | O_DX, &(struct seeds){ .rcx = 5 });
	RUN(xsetbv_same, MODE_KU, O_AX | O_DX);
	RUN(xsetbv_bad, MODE_KU, 0);
	RUN(monitor, MODE_KU, 0);
	RUN(mwait, MODE_KU, 0);
	RUN(umonitor, MODE_KU, 0);
	RUN(rdrand, MODE_KU, O_AX);
	RUN(rdfsbase, MODE_KU, 0);
	RUN(div0, MODE_KU, 0);
	RUN(divov, MODE_KU, 0);
	RUN(ac_load, MODE_KU, O_FL);
	RUN(ac_store, MODE_KU, O_FL);
	RUN(x87_plain, MODE_KU, O_AX);
	RUN(x87_mf, MODE_KU, 0);
	RUN(sse_plain, MODE_KU, O_AX);
	RUN(sse_xm, MODE_KU, 0);
	/* #NM after fpu_taskswitch(1): the kernel sets TS, then each mode touches the FPU */
	for (i = 0; i < 2; i++) {
		hypercall1(__HYPERVISOR_fpu_taskswitch, 1);
		run("fninit-ts", F(fninit), i ? MODE_U : MODE_K, 0, NULL);
		hypercall1(__HYPERVISOR_fpu_taskswitch, 1);
		run("fxsave-ts", F(fxsave), i ? MODE_U : MODE_K, 0, NULL);
		hypercall1(__HYPERVISOR_fpu_taskswitch, 1);
		run("sse-ts", F(sse_plain), i ? MODE_U : MODE_K, O_AX, NULL);
	}
	hypercall1(__HYPERVISOR_fpu_taskswitch, 1);
	run("clts-ts", F(wr_cr0_ts), MODE_K, O_AX | O_CX, NULL);
}

static void system_calls(void)
{
	extern void syscall_entry(void);

	/* from kernel mode: syscall is the hypercall (rax 0xa0: no such one) */
	RUN(syscall, MODE_K, O_AX);
	RUN(sysenter, MODE_K, O_AX);
	RUN(int80, MODE_K, O_AX);
	/* from user mode: the syscall callback (lib/userentry.S answers rax 0x1234) */
	RUN(syscall, MODE_U, O_AX | O_CX);
	RUN(tf_syscall, MODE_U, O_AX);
	RUN(df_syscall, MODE_U, O_AX);
	RUN(int80, MODE_U, O_AX);
	RUN(sysenter, MODE_U, O_AX);
	printf("(sysenter callback: %ld)\n", set_callback(CALLBACKTYPE_sysenter, (uint64_t)syscall_entry));
	RUN(sysenter, MODE_U, O_AX);
	RUN(sysenter, MODE_K, O_AX);
	set_callback(CALLBACKTYPE_sysenter, 0);
	printf("(syscall callback off: %ld)\n", set_callback(CALLBACKTYPE_syscall, 0));
	RUN(syscall, MODE_U, O_AX);
	RUN(nop, MODE_U, 0);
	set_callback(CALLBACKTYPE_syscall, (uint64_t)syscall_entry);
	/* int 0x80 with no trap-table entry */
	trap_table(true);
	RUN(int80, MODE_U, O_AX);
	RUN(int80, MODE_K, O_AX);
	trap_table(false);
}

/* Last: the guest sets its CR4.OSXSAVE (kept), then xsetbv and xsave. */
static void xsave_cases(void)
{
	static const struct {
		const char *name;
		uint32_t ecx, eax;
	} xs[] = {
		{ "x87", 0, 1 }, { "sse", 0, 2 }, { "x87-sse", 0, 3 }, { "avx", 0, 7 },
		{ "avx-no-sse", 0, 5 }, { "bit63", 0, 0x80000003 }, { "xcr1", 1, 3 },
		{ "x87-sse-again", 0, 3 },
	};
	uint64_t cr4;
	unsigned int i;
	char name[40];

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile("mov %0, %%cr4" : : "r"(cr4 | (1ULL << 18)) : "memory");
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	printf("D %u cr4-osxsave k %s\n", line++, cr4 & (1ULL << 18) ? "set" : "clear");
	run("xgetbv-0-osxsave", F(xgetbv), MODE_KU, O_AX | O_DX,
	    &(struct seeds){ .rcx = 0x100000000ULL });
	for (i = 0; i < ARRAY_SIZE(xs); i++) {
		uint64_t hi = xs[i].eax & 0x80000000U ? 0x80000000ULL : 0;

		snprintf(name, sizeof(name), "xsetbv-%s", xs[i].name);
		run(name, F(xsetbv_ecx), MODE_KU, 0,
		    &(struct seeds){ .rcx = xs[i].ecx ? xs[i].ecx : 0x100000000ULL,
				     .rax = (xs[i].eax & 0x7fffffffU) | 0x100000000ULL,
				     .rdx = hi ? hi : 0x100000000ULL });
		run("xgetbv-after", F(xgetbv), MODE_K, O_AX | O_DX,
		    &(struct seeds){ .rcx = 0x100000000ULL });
	}
	RUN(xsave_area, MODE_KU, O_AX);
}

/* User-mode events onto a stack_switch stack whose top is not 16-byte aligned. */
static void user_stack_tops(void)
{
	static const unsigned int off[] = { 8, 3 };
	unsigned int i;
	char name[32];

	for (i = 0; i < ARRAY_SIZE(off); i++) {
		uint64_t top = (uint64_t)ustack + sizeof(ustack) - off[i];

		if (hypercall2(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, top))
			printf("(stack_switch %#lx refused)\n", (unsigned long)top);
		snprintf(name, sizeof(name), "ks%u-int3", off[i]);
		run(name, F(int3), MODE_U, 0, NULL);
		snprintf(name, sizeof(name), "ks%u-gp", off[i]);
		run(name, F(hlt), MODE_U, 0, NULL);
		snprintf(name, sizeof(name), "ks%u-syscall", off[i]);
		run(name, F(syscall), MODE_U, O_AX, NULL);
	}
	hypercall2(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, (uint64_t)ustack + sizeof(ustack));
}

static uint64_t page_with(uint64_t flags_or, bool present)
{
	uint64_t va = scratch_page();
	uint64_t mfn = va_to_mfn(va);
	long rc = update_va_mapping(va, present ? ((mfn << 12) | flags_or) : 0, UVMF_INVLPG);

	if (rc)
		printf("(update_va_mapping %#lx: %ld)\n", (unsigned long)flags_or, rc);
	return va;
}

int test_main(struct start_info *si)
{
	static uint8_t ucode_init[16];

	mm_init(si);
	if (events_init(si))
		return fail("events_init failed");
	vi = &shared->vcpu_info[0];
	asm volatile("mov %%ds, %0; mov %%es, %1; mov %%fs, %2; mov %%gs, %3"
		     : "=r"(sel_ds), "=r"(sel_es), "=r"(sel_fs), "=r"(sel_gs));
	trap_table(false);
	CHECK(user_setup(ucode_init, sizeof(ucode_init), 2) == 0, "user_setup failed");
	ucode = (uint8_t *)(user_data_kva - 4096);
	CHECK(hypercall2(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS,
			 (uint64_t)ustack + sizeof(ustack)) == 0, "stack_switch failed");
	np_page = page_with(0, false);
	ro_page = page_with(PTE_P | PTE_US | PTE_A, true);
	nx_page = page_with(PTE_DATA | (1ULL << 63), true);

	softints();
	misc();
	counters_msrs();
	memory();
	system_calls();
	user_stack_tops();
	guest_tables();
	selectors();
	io_envs();
	xsave_cases();
	printf("conform-trap-diff: %u lines\n", line);
	return TEST_PASS;
}
