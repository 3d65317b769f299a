// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-code16: port I/O emulated from a 16-bit code segment (an LDT
 * code descriptor with D=0 and L=0, DPL 3, run in guest user mode at
 * virtual IOPL 3). There the operand and address sizes default to 16
 * bits and 66/67 make them 32, the other way round from 32-bit code; the
 * emulator must take them from the code segment as Xen 4.17's does
 * (Lamina took every compatibility-mode segment as 32-bit: a 16-bit `in`
 * wrote all of eax, and a 16-bit `rep insb` used edi and ecx whole).
 * The program, at the segment's offset 0:
 *   in (%dx), %ax        from the console's status port (held by neither
 *                        domain: all ones), eax 0x11111111 before: only
 *                        ax is written (0x1111ffff)
 *   66 in (%dx), %eax    eax 0x22222222 before: 0xffffffff
 *   rep insb             edi 0x12340100, ecx 0x00050003: di alone is the
 *                        offset, so the first byte goes to ES:0x100,
 *                        unmapped: #PF (error code 6, cr2 0x100) at the
 *                        insb with ecx and edi as they were
 * Each result is checked where the run stops (ud2 or the #PF). Then an
 * `in` as the last byte of a 16-bit segment (ip 0xffff: ip 0x10000 after
 * it on Xen 4.17, no 64 KiB wrap) and as the last byte of a 32-bit one
 * (eip 0xffffffff: eip 0 after it on Xen, which keeps 32 bits of rip
 * outside 64-bit code; Lamina left rip 0x100000000, XSA-186's class).
 * Run by dom0 and by an unprivileged peer (its verdict handed to dom0).
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/user.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/portio.h"

#define SEL_CODE16	0x07	/* LDT index 0, RPL 3 */
#define SEL_DATA	0x0F	/* LDT index 1, RPL 3: a flat 32-bit data segment */
/* 16-bit code: base USER_BASE (0x400000), limit 0xffff, present, DPL 3, execute/read. */
#define DESC_CODE16	0x0000fa400000ffffULL
#define DESC_DATA	0x00cff3000000ffffULL
/*
 * LDT index 2, RPL 3: 16-bit code whose offset 0xfffc is prog16_wrap, so
 * its `in` is the segment's last byte (limit 0xffff) and ip wraps after it.
 */
#define SEL_WRAP	0x17
#define WRAP_START	0xfffcULL
/*
 * LDT index 3, RPL 3: 32-bit code, limit 4 GiB, whose eip 0xfffffffb is
 * prog32_wrap (its base wraps the linear address), so its `in` is at eip
 * 0xffffffff and the ud2 after it at eip 0 (the class of XSA-186).
 */
#define SEL_WRAP32	0x1f
#define WRAP32_START	0xfffffffbULL

static uint64_t code32_desc(uint64_t base)
{
	return 0xffffULL | (base & 0xffffff) << 16 | 0xfaULL << 40 | 0xfULL << 48 |
	       1ULL << 54 | 1ULL << 55 | ((base >> 24) & 0xff) << 56;
}

static uint64_t code16_desc(uint64_t base)
{
	return 0xffffULL | (base & 0xffffff) << 16 | 0xfaULL << 40 | (base >> 24) << 56;
}

static char why[VERDICT_LEN];


extern const uint8_t prog16[], prog16_in66[], prog16_ins[], prog16_ud2[], prog16_wrap[],
	prog32_wrap[], prog16_end[];
asm(".pushsection .rodata\n"
    ".globl prog16, prog16_in66, prog16_ins, prog16_ud2, prog16_wrap, prog32_wrap\n"
    ".globl prog16_end\n"
    "	.code16\n"
    "prog16:\n"
    "	mov $0x3fd, %dx\n"
    "	mov $0x11111111, %eax\n"
    "	in (%dx), %ax\n"
    "	mov %eax, %ebx\n"
    "	mov $0x22222222, %eax\n"
    "prog16_in66:\n"
    "	in (%dx), %eax\n"
    "	mov %eax, %esi\n"
    "	mov $0xe02b, %ax\n"
    "	mov %ax, %es\n"
    "	mov $0x12340100, %edi\n"
    "	mov $0x00050003, %ecx\n"
    "prog16_ins:\n"
    "	rep insb\n"
    "prog16_ud2:\n"
    "	ud2\n"
    "prog16_wrap:\n"			/* run at offset 0xfffc of SEL_WRAP */
    "	mov $0x3fd, %dx\n"
    "	in (%dx), %al\n"		/* the segment's last byte */
    "	ud2\n"
    "	.code32\n"
    "prog32_wrap:\n"			/* run at eip 0xfffffffb of SEL_WRAP32 */
    "	mov $0x3fd, %dx\n"
    "	in (%dx), %al\n"		/* at eip 0xffffffff: eip wraps after it */
    "	ud2\n"				/* at eip 0 */
    "prog16_end:\n"
    "	.code64\n"
    ".popsection");

/* enter16(rip, rsp, cs): iret to a 16-bit segment; returns when a trap ends the run. */
asm(".text\n"
    ".globl enter16, trap_exit16\n"
    "enter16:\n"
    "	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
    "	mov %rsp, saved_rsp16(%rip)\n"
    "	push $0xe02b\n"			/* ss: FLAT_USER_SS32 */
    "	push %rsi\n"			/* rsp */
    "	push $0x200\n"			/* rflags */
    "	push %rdx\n"			/* cs */
    "	push %rdi\n"			/* rip */
    "	push $0; push $0; push $0; push $0\n"	/* flags, rcx, r11, rax */
    "	mov $23, %eax\n"
    "	syscall\n"
    "	ud2\n"
    "trap_exit16:\n"
    "	mov saved_rsp16(%rip), %rsp\n"
    "	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
    "	ret\n"
    ".data\n"
    "saved_rsp16: .quad 0\n"
    ".text");

void enter16(uint64_t rip, uint64_t rsp, uint64_t cs);
void trap_exit16(void);

static struct trap_frame user_trap;
static uint64_t user_cr2;
static uint8_t exit_stack[4096] __attribute__((aligned(16)));

static bool user_trap_hook(struct trap_frame *f)
{
	if (!(f->cs & 3))
		return false;
	user_trap = *f;
	user_cr2 = ((volatile struct vcpu_info *)&shared->vcpu_info[0])->arch.cr2;
	f->rip = (uint64_t)trap_exit16;
	f->cs = FLAT_KERNEL_CS & ~3;	/* RPL 0: stay in guest kernel mode */
	f->ss = FLAT_KERNEL_SS;
	f->rsp = (uint64_t)exit_stack + sizeof(exit_stack);
	return true;
}

static long set_ldt(uint64_t base, uint32_t ents)
{
	struct mmuext_op op = { MMUEXT_SET_LDT, 0, { base }, { 0 } };

	op.arg2.nr_ents = ents;
	return hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF, 0);
}

static uint64_t off16(const uint8_t *label)
{
	return label - prog16;
}

static const char *check_run(const char *who);
static const char *check_wrap(const char *who);

static const char *attack(struct start_info *si)
{
	const char *who = (si->flags & SIF_INITDOMAIN) ? "dom0" : "peer", *bad;
	uint64_t ldt;
	uint16_t ds;

	BODY_CHECK(traps_install(true) == 0, "%s: set_trap_table failed", who);
	trap_hook = user_trap_hook;
	BODY_CHECK(user_setup(prog16, prog16_end - prog16, 1) == 0, "%s: user_setup failed", who);
	ldt = scratch_page();
	((uint64_t *)ldt)[0] = DESC_CODE16;
	((uint64_t *)ldt)[1] = DESC_DATA;
	((uint64_t *)ldt)[2] = code16_desc(USER_BASE + off16(prog16_wrap) - WRAP_START);
	((uint64_t *)ldt)[3] = code32_desc((USER_BASE + off16(prog32_wrap) - WRAP32_START) &
					   0xffffffffULL);
	BODY_CHECK(update_va_mapping(ldt, (va_to_mfn(ldt) << 12) | PTE_P | PTE_US | PTE_A,
				     UVMF_INVLPG) == 0, "%s: read-only remap of the LDT failed", who);
	BODY_CHECK(set_ldt(ldt, 4) == 0, "%s: SET_LDT failed", who);
	/* The LDT page mapped by a first use from kernel mode. */
	asm volatile("mov %1, %%ds; mov %%ds, %0; mov %2, %%ds" : "=&r"(ds)
		     : "r"(SEL_DATA), "r"(0));
	BODY_CHECK(ds == SEL_DATA, "%s: ds %#x after loading the LDT data selector", who, ds);
	BODY_CHECK(physdev_set_iopl(3) == 0, "%s: physdev_set_iopl(3) failed", who);

	enter16(0, USER_DATA + 4096, SEL_CODE16);
	if ((bad = check_run(who)))
		return bad;
	enter16(WRAP_START, USER_DATA + 4096, SEL_WRAP);
	if ((bad = check_wrap(who)))
		return bad;
	enter16(WRAP32_START, USER_DATA + 4096, SEL_WRAP32);
	printf("%s: 32-bit in at eip 0xffffffff: vector %lu error %#lx ip %#lx cs %#lx cr2 %#lx, "
	       "eax %#x\n", who, (unsigned long)user_trap.vector, (unsigned long)user_trap.error,
	       (unsigned long)user_trap.rip, (unsigned long)user_trap.cs, (unsigned long)user_cr2,
	       (uint32_t)user_trap.rax);
	physdev_set_iopl(0);
	set_ldt(0, 0);
	BODY_CHECK((uint8_t)user_trap.rax == 0xff && user_trap.rip == 0 &&
		   (user_trap.cs & 0xffff) == SEL_WRAP32,
		   "%s: 32-bit in at eip 0xffffffff: al %#x, the next instruction at %#lx cs %#lx, "
		   "expected eip 0 (wrapped, as Xen)", who, (uint8_t)user_trap.rax,
		   (unsigned long)user_trap.rip, (unsigned long)user_trap.cs);
	/* The ud2 at eip 0: its #UD's bytes read at rip 0, unmapped (see check_wrap). */
	BODY_CHECK(user_trap.vector == 14 && user_trap.error == 4 && user_cr2 == 0,
		   "%s: the ud2 at eip 0: vector %lu error %#lx cr2 %#lx, expected #PF 4 at 0", who,
		   (unsigned long)user_trap.vector, (unsigned long)user_trap.error,
		   (unsigned long)user_cr2);
	return NULL;
}

/* The first program's end (see the header). */
static const char *check_run(const char *who)
{
	printf("%s: 16-bit code: vector %lu error %#lx ip %#lx cs %#lx cr2 %#lx, ebx %#x "
	       "esi %#x ecx %#x edi %#x\n", who, (unsigned long)user_trap.vector,
	       (unsigned long)user_trap.error, (unsigned long)user_trap.rip,
	       (unsigned long)user_trap.cs, (unsigned long)user_cr2, (uint32_t)user_trap.rbx,
	       (uint32_t)user_trap.rsi, (uint32_t)user_trap.rcx, (uint32_t)user_trap.rdi);
	BODY_CHECK((uint32_t)user_trap.rbx == 0x1111ffff,
		   "%s: 16-bit `in (%%dx), %%ax`: eax %#x, expected 0x1111ffff (ax alone)", who,
		   (uint32_t)user_trap.rbx);
	BODY_CHECK((uint32_t)user_trap.rsi == 0xffffffff,
		   "%s: 16-bit `66 in (%%dx), %%eax`: eax %#x, expected 0xffffffff", who,
		   (uint32_t)user_trap.rsi);
	BODY_CHECK(user_trap.vector == 14 && user_trap.error == 6 &&
		   user_trap.rip == off16(prog16_ins) && (user_trap.cs & 0xffff) == SEL_CODE16,
		   "%s: 16-bit rep insb: vector %lu error %#lx at %#lx cs %#lx, expected #PF 6 at "
		   "%#lx", who, (unsigned long)user_trap.vector, (unsigned long)user_trap.error,
		   (unsigned long)user_trap.rip, (unsigned long)user_trap.cs,
		   (unsigned long)off16(prog16_ins));
	BODY_CHECK(user_cr2 == 0x100, "%s: 16-bit rep insb: cr2 %#lx, expected 0x100 (di alone)",
		   who, (unsigned long)user_cr2);
	BODY_CHECK((uint32_t)user_trap.rcx == 0x00050003 && (uint32_t)user_trap.rdi == 0x12340100,
		   "%s: 16-bit rep insb: ecx %#x edi %#x, expected as before", who,
		   (uint32_t)user_trap.rcx, (uint32_t)user_trap.rdi);
	return NULL;
}

/* The wrap program: where the instruction after the segment's last byte is. */
static const char *check_wrap(const char *who)
{
	uint64_t base = USER_BASE + off16(prog16_wrap) - WRAP_START;

	printf("%s: 16-bit in at ip 0xffff: vector %lu error %#lx ip %#lx cs %#lx cr2 %#lx "
	       "(segment base %#lx), eax %#x\n", who, (unsigned long)user_trap.vector,
	       (unsigned long)user_trap.error, (unsigned long)user_trap.rip,
	       (unsigned long)user_trap.cs, (unsigned long)user_cr2, (unsigned long)base,
	       (uint32_t)user_trap.rax);
	BODY_CHECK((uint8_t)user_trap.rax == 0xff, "%s: 16-bit in at ip 0xffff: al %#x, expected 0xff",
	       who, (uint8_t)user_trap.rax);
	BODY_CHECK(user_trap.rip == 0x10000 && (user_trap.cs & 0xffff) == SEL_WRAP,
	       "%s: 16-bit in at ip 0xffff: ip after it %#lx cs %#lx, expected 0x10000 (no wrap, "
	       "as Xen)", who, (unsigned long)user_trap.rip, (unsigned long)user_trap.cs);
	/* Past the limit: the CPU's #GP(0), or under TCG (no limit check) Xen's #UD path. */
	if (user_trap.vector == 13 && user_trap.error == 0)
		return NULL;
	BODY_CHECK(user_trap.vector == 14 && user_trap.error == 4 && user_cr2 == 0x10000,
	       "%s: the ud2 after the segment's end: vector %lu error %#lx cr2 %#lx, expected "
	       "#GP(0), or #PF 4 at cr2 0x10000 (the #UD's bytes read at ip, unmapped)", who,
	       (unsigned long)user_trap.vector, (unsigned long)user_trap.error,
	       (unsigned long)user_cr2);
	return NULL;
}

int test_main(struct start_info *si)
{
	int rc = verdict_test_both(si, attack);

	if (rc == TEST_PASS)
		printf("attack-code16: port I/O from a 16-bit code segment sized as its segment "
		       "says, in dom0 and the peer\n");
	return rc;
}
