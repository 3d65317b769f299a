// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-user-priv: the instructions only a PV kernel may have emulated,
 * run from guest user mode (virtual IOPL 0, no I/O bitmap), against Xen
 * 4.17's answers: rdmsr and wrmsr (plain, behind 66, with lock), mov
 * to and from CR0, CR3, CR4 and DR7, clts, wbinvd, invd, xsetbv, hlt,
 * cli, sti, in, out, rep insb, lgdt, invlpg, rdpmc, swapgs, a 16-byte
 * instruction, the forced-emulation CPUID (`ud2; .ascii "xen"; cpuid`),
 * and the ones user mode may run (sgdt, sidt, rdtsc), twice: before and
 * after the kernel sets CR4.OSXSAVE (xsetbv is #UD before, #GP after;
 * Lamina gave #GP before too). Each row is the
 * exception the user program got at that instruction (vector << 16 |
 * the error code's low bits), or 0 when it ran without one; the kernel
 * steps over each. No user-mode form may be emulated as the kernel's.
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/user.h"

#define NR_UI	29

extern const uint8_t up_prog[], up_prog_end[];
extern const uint64_t up_tab[2 * NR_UI];

asm(".macro UI n, body:vararg\n"
    "ui_\\n: \\body\n"
    "uie_\\n: nop\n"
    ".endm\n"
    ".pushsection .rodata\n"
    ".globl up_prog, up_prog_end, up_tab\n"
    "up_prog:\n"
    "	mov $0xc0000100, %ecx\n"
    "	UI 0, rdmsr\n"
    "	xor %eax, %eax\n"
    "	xor %edx, %edx\n"
    "	UI 1, wrmsr\n"
    "	UI 2, mov %cr0, %rax\n"
    "	UI 3, mov %cr3, %rax\n"
    "	xor %eax, %eax\n"
    "	UI 4, mov %rax, %cr3\n"
    "	UI 5, mov %dr7, %rax\n"
    "	UI 6, clts\n"
    "	UI 7, wbinvd\n"
    "	xor %ecx, %ecx\n"
    "	mov $7, %eax\n"
    "	xor %edx, %edx\n"
    "	UI 8, xsetbv\n"
    "	UI 9, hlt\n"
    "	UI 10, cli\n"
    "	UI 11, sti\n"
    "	mov $0x3fd, %edx\n"
    "	UI 12, inb %dx, %al\n"
    "	UI 13, outb %al, %dx\n"
    "	mov $0x401000, %edi\n"
    "	mov $1, %ecx\n"
    "	UI 14, rep insb\n"
    "	UI 15, lgdt 0x401000\n"
    "	UI 16, invlpg 0x401000\n"
    "	xor %ecx, %ecx\n"
    "	UI 17, rdpmc\n"
    "	xor %eax, %eax\n"
    "	UI 18, .byte 0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0xa2\n"
    "	UI 19, swapgs\n"
    "	mov $0xc0000100, %ecx\n"
    "	UI 20, .byte 0x66, 0x0f, 0x32\n"
    "	UI 21, .byte 0xf0, 0x0f, 0x32\n"
    "	UI 22, .byte 0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0xec\n"
    "	UI 23, invd\n"
    "	xor %eax, %eax\n"
    "	UI 24, mov %rax, %dr7\n"
    "	UI 25, mov %cr4, %rax\n"
    "	UI 26, sgdt 0x401000\n"
    "	UI 27, sidt 0x401010\n"
    "	UI 28, rdtsc\n"
    USER_PROG_EXIT
    "up_prog_end: nop\n"
    "	.balign 8\n"
    "up_tab:\n"
    ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28\n"
    "	.quad ui_\\n - up_prog, uie_\\n - up_prog\n"
    ".endr\n"
    ".popsection\n"
    ".purgem UI\n");

static const char *const names[NR_UI] = {
	"rdmsr", "wrmsr", "mov from cr0", "mov from cr3", "mov to cr3", "mov from dr7", "clts",
	"wbinvd", "xsetbv", "hlt", "cli", "sti", "inb", "outb", "rep insb", "lgdt", "invlpg",
	"rdpmc", "forced-emulation cpuid", "swapgs", "66 rdmsr", "lock rdmsr",
	"a 16-byte in", "invd", "mov to dr7", "mov from cr4", "sgdt", "sidt", "rdtsc",
};

#define GP	(13 << 16)
#define UD	(6 << 16)

/* Xen 4.17's answers; xsetbv's is set per run (#UD until CR4.OSXSAVE). */
static long want[NR_UI] = {
	GP, GP, GP, GP, GP, GP, GP, GP, UD, GP, GP, GP, GP, GP, GP, GP, GP, GP,
	0 /* forced cpuid: emulated */, GP, GP, UD /* lock */, GP, GP, GP, GP,
	0, 0, 0 /* sgdt, sidt, rdtsc: allowed at CPL 3 */,
};

static long seen[NR_UI];
static unsigned int strays;

static bool up_trap(struct trap_frame *f)
{
	unsigned int i;

	if (!(f->cs & 3))
		return false;
	for (i = 0; i < 2 * NR_UI; i++) {
		unsigned int n = i / 2;

		if (f->rip != USER_BASE + up_tab[i])
			continue;
		if (!seen[n])
			seen[n] = (long)(f->vector << 16 | (f->error & 7));
		f->rip = USER_BASE + up_tab[2 * n + 1];
		return true;
	}
	strays++;
	return false;
}

/* One run of the user program: the rows that differ from want[]. */
static unsigned int run(const char *when)
{
	unsigned int i, failures = 0;

	memset(seen, 0, sizeof(seen));
	trap_hook = up_trap;
	if (enter_user(USER_BASE, USER_DATA + 4096) != 60) {
		printf("user mode did not exit\n");
		failures++;
	}
	trap_hook = NULL;
	for (i = 0; i < NR_UI; i++) {
		printf("user %s, %s: %#lx%s\n", names[i], when, seen[i],
		       seen[i] == want[i] ? "" : " MISMATCH");
		failures += seen[i] != want[i];
	}
	return failures;
}

int test_main(struct start_info *si)
{
	unsigned int failures;
	uint64_t cr4;

	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	CHECK(user_setup(up_prog, up_prog_end - up_prog, 1) == 0, "user_setup failed");
	failures = run("CR4.OSXSAVE clear");
	/* The kernel sets OSXSAVE (where XSAVE is offered): user xsetbv is then the CPL's #GP. */
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= 1ULL << 18;
	asm volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	want[8] = (cr4 & (1ULL << 18)) ? GP : UD;
	failures += run(want[8] == GP ? "CR4.OSXSAVE set" : "XSAVE not offered");
	CHECK(strays == 0, "%u traps elsewhere", strays);
	CHECK(failures == 0, "%u rows differ", failures);
	printf("attack-user-priv: every kernel-only instruction refused in user mode as Xen 4.17\n");
	return TEST_PASS;
}
