// SPDX-License-Identifier: GPL-2.0-only
/*
 * compat-syscall: guest user mode in 32-bit compatibility mode (an iret
 * onto FLAT_USER_CS32, 0xe023) executes syscall and sysenter. Each must
 * reach the guest as an event, never the hypervisor's ring 0 at a bogus
 * address (MSR_CSTAR was 0: the CPU entered ring 0 at rip 0 on the
 * guest's stack, a double fault).
 *
 * What the guest sees depends on the CPU, as on Xen 4.17:
 * - syscall in compat mode: AMD-style CPUs (and QEMU's TCG) take it to the
 *   syscall32 callback, frame rip after the syscall, cs 0xe023, ss 0xe02b
 *   (Lamina also clears DF, as for 64-bit syscall; Xen 4.17 leaves it);
 *   with no syscall32 callback it is #UD at the syscall. Intel raises #UD
 *   itself.
 * - sysenter: Intel CPUs take it to the sysenter callback with
 *   Xen's frame (rip 0, cs 3, rsp 0), or #GP(0) there with no callback;
 *   AMD raises #UD in long mode, and on an AMD-style CPU (QEMU's TCG) that
 *   runs it anyway SYSENTER_CS is 0: #GP(0) at the sysenter.
 * Then port I/O from compat mode at virtual IOPL 3 under an address-size
 * prefix (16-bit addressing there): `67 in (%dx), %al` of the console's
 * status port, which the peer does not hold, reads 0xff, and `67 rep
 * insb` with edi 0x12340100 and ecx 0x00050003 writes at ES:0x100 first
 * (di alone, cx 3): the #PF there (error code 6, cr2 0x100, unmapped),
 * ecx and edi as they were, as Xen 4.17's emulator answers; Lamina kept
 * the #GP for any 67-prefixed port I/O in compat mode. And `insb` with
 * ES the flat 32-bit code selector (readable code, not writable): Xen
 * 4.17's #GP(0) at it (rep_ins wants writable data); Lamina wrote the
 * byte through it. And `outsb %fs:(%esi)` with FS's base moved by
 * set_segment_base after the selector was loaded: Xen 4.17's emulator
 * takes the descriptor's base there, Lamina the CPU's (a documented
 * difference, checked as each answers).
 * The attacker is the peer, an unprivileged domain; it hands its verdict
 * to dom0 (lib/peer_verdict.h), whose result line counts.
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/user.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include <lamina/callback.h>
#include <lamina/physdev.h>

static char why[VERDICT_LEN];

/* CHECK for the peer: the reason goes into its verdict for dom0. */
#define PCHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(why, sizeof(why), __VA_ARGS__);	\
			return TEST_FAIL;				\
		}							\
	} while (0)

extern const uint8_t prog32[], prog32_syscall[], prog32_sysenter[], prog32_io[],
	prog32_io_ins[], prog32_es[], prog32_es_ins[], prog32_fs[], prog32_fs_outs[],
	prog32_fs_mov[], prog32_end[];
/* 32-bit user code: std; syscall; ud2; sysenter; ud2; then the port I/O. */
asm(".pushsection .rodata\n"
    ".globl prog32, prog32_syscall, prog32_sysenter, prog32_io, prog32_io_ins\n"
    ".globl prog32_es, prog32_es_ins, prog32_fs, prog32_fs_outs, prog32_fs_mov, prog32_end\n"
    "	.code32\n"
    "prog32:\n"
    "	std\n"
    "prog32_syscall:\n"
    "	syscall\n"
    "	ud2\n"
    "prog32_sysenter:\n"
    "	sysenter\n"
    "	ud2\n"
    "prog32_io:\n"
    "	mov $0xe02b, %eax\n"
    "	mov %eax, %es\n"
    "	mov $0x3fd, %edx\n"
    "	mov $0x11111111, %eax\n"
    "	.byte 0x67, 0xec\n"		/* addr16 in (%dx), %al */
    "	mov %eax, %ebx\n"
    "	mov $0x12340100, %edi\n"
    "	mov $0x00050003, %ecx\n"
    "prog32_io_ins:\n"
    "	.byte 0x67, 0xf3, 0x6c\n"	/* addr16 rep insb */
    "	ud2\n"
    "prog32_es:\n"
    "	mov $0xe023, %eax\n"		/* ES: FLAT_USER_CS32 */
    "	mov %eax, %es\n"
    "	mov $0x3fd, %edx\n"
    "	mov $0x401100, %edi\n"		/* USER_DATA + 0x100 */
    "prog32_es_ins:\n"
    "	insb\n"
    "	ud2\n"
    "prog32_fs:\n"			/* FS 0xe02b, its base moved by the kernel */
    "	mov $0x3fd, %edx\n"
    "	mov $0x401000, %esi\n"		/* USER_DATA */
    "prog32_fs_outs:\n"
    "	.byte 0x64, 0x6e\n"		/* outsb %fs:(%esi), (%dx) */
    "prog32_fs_mov:\n"
    "	mov %fs:(%esi), %al\n"
    "	ud2\n"
    "prog32_end:\n"
    "	.code64\n"
    ".popsection");

/*
 * enter32(rip, rsp): iret to 32-bit user mode; returns (1 syscall32,
 * 2 sysenter, 3 a trap) when a callback or the trap hook ends the run.
 * The callbacks copy their frame (rcx, r11, rip, cs, rflags, rsp, ss) to
 * cb_frame and their entry RFLAGS to cb_flags.
 */
asm(".text\n"
    ".globl enter32, cb_syscall32, cb_sysenter, trap_exit\n"
    "enter32:\n"
    "	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
    "	mov %rsp, saved_rsp(%rip)\n"
    "	push $0xe02b\n"			/* ss */
    "	push %rsi\n"			/* rsp */
    "	push $0x200\n"			/* rflags */
    "	push $0xe023\n"			/* cs: FLAT_USER_CS32 */
    "	push %rdi\n"			/* rip */
    "	push $0; push $0; push $0; push $0\n"	/* flags, rcx, r11, rax */
    "	mov $23, %eax\n"
    "	syscall\n"
    "	ud2\n"
    "cb_syscall32:\n"
    "	mov $1, %eax\n"
    "	jmp 1f\n"
    "cb_sysenter:\n"
    "	mov $2, %eax\n"
    "1:	pushfq\n"
    "	popq cb_flags(%rip)\n"
    "	lea cb_frame(%rip), %rdi\n"
    "	mov %rsp, %rsi\n"
    "	mov $7, %ecx\n"
    "	cld\n"
    "	rep movsq\n"
    "	jmp 2f\n"
    "trap_exit:\n"
    "	mov $3, %eax\n"
    "2:	mov saved_rsp(%rip), %rsp\n"
    "	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
    "	ret\n"
    ".data\n"
    "saved_rsp: .quad 0\n"
    ".text");

long enter32(uint64_t rip, uint64_t rsp);
void cb_syscall32(void), cb_sysenter(void), trap_exit(void);
uint64_t cb_frame[7], cb_flags;

static struct trap_record user_trap;
static uint64_t user_rbx, user_rdi, user_cr2;
static uint8_t exit_stack[4096] __attribute__((aligned(16)));

/* A trap from user mode: record it and leave for trap_exit in kernel mode. */
static bool user_trap_hook(struct trap_frame *f)
{
	if (!(f->cs & 3))
		return false;
	user_trap = (struct trap_record){ f->vector, f->error, f->rip, f->cs, f->rflags,
					  f->rsp, f->ss, f->rcx, f->r11 };
	user_rbx = f->rbx;
	user_rdi = f->rdi;
	user_cr2 = ((volatile struct vcpu_info *)&shared->vcpu_info[0])->arch.cr2;
	f->rip = (uint64_t)trap_exit;
	f->cs = FLAT_KERNEL_CS & ~3;	/* RPL 0: stay in guest kernel mode */
	f->ss = FLAT_KERNEL_SS;
	f->rsp = (uint64_t)exit_stack + sizeof(exit_stack);
	return true;
}

static long set_callback(unsigned int type, void (*fn)(void))
{
	struct callback_register cb = { type, CALLBACKF_mask_events, 0, (uint64_t)fn };

	return hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb);
}

static uint64_t uaddr(const uint8_t *label)
{
	return USER_BASE + (label - prog32);
}

/* The run ended in a trap from compat mode: vector at rip. */
static int check_trap(long how, uint64_t vector, uint64_t error, uint64_t rip, const char *what)
{
	PCHECK(how == 3, "%s: ended by %ld, expected a trap", what, how);
	PCHECK(user_trap.vector == vector && user_trap.error == error && user_trap.rip == rip,
	      "%s: vector %lu error %#lx rip %#lx, expected %lu/%#lx at %#lx", what,
	      (unsigned long)user_trap.vector, (unsigned long)user_trap.error,
	      (unsigned long)user_trap.rip, (unsigned long)vector, (unsigned long)error,
	      (unsigned long)rip);
	return TEST_PASS;
}

/*
 * A CPU that refuses the instruction in compat mode: #UD at it, or, for
 * sysenter on an AMD-style CPU where the hypervisor left SYSENTER_CS 0
 * and the CPU (QEMU's TCG) runs it anyway, #GP(0) at it.
 */
static bool refused(long how, const uint8_t *insn)
{
	return how == 3 && user_trap.rip == uaddr(insn) &&
	       (user_trap.vector == 6 || (insn == prog32_sysenter && user_trap.vector == 13 &&
					  user_trap.error == 0));
}

static int check_syscall32(uint64_t stack, bool *ran)
{
	long how;
	int rc;

	how = enter32(uaddr(prog32), stack);
	*ran = !refused(how, prog32_syscall);
	if (!*ran)
		return TEST_PASS;		/* Intel: #UD */
	PCHECK(how == 1, "syscall from compat mode ended by %ld, expected the syscall32 callback",
	      how);
	PCHECK(cb_frame[2] == uaddr(prog32_syscall) + 2 && (cb_frame[3] & 0xffff) == 0xe023 &&
	      (cb_frame[6] & 0xffff) == 0xe02b && cb_frame[5] == stack,
	      "syscall32 frame rip %#lx cs %#lx rsp %#lx ss %#lx",
	      (unsigned long)cb_frame[2], (unsigned long)cb_frame[3],
	      (unsigned long)cb_frame[5], (unsigned long)cb_frame[6]);
	PCHECK(cb_frame[0] == cb_frame[2], "syscall32 frame rcx %#lx, rip %#lx",
	      (unsigned long)cb_frame[0], (unsigned long)cb_frame[2]);
	PCHECK(cb_frame[1] & 0x400, "syscall32 frame r11 %#lx lacks the user's DF",
	      (unsigned long)cb_frame[1]);
	/* DF: Lamina clears it (the ABI's SYSCALL_MASK); Xen 4.17 leaves it set here. */
	PCHECK(!on_lamina() || !(cb_flags & 0x400), "DF set on syscall32 callback entry");

	PCHECK(set_callback(CALLBACKTYPE_syscall32, 0) == 0, "clearing syscall32 failed");
	how = enter32(uaddr(prog32), stack);
	rc = check_trap(how, 6, 0, uaddr(prog32_syscall), "syscall with no syscall32 callback");
	PCHECK(set_callback(CALLBACKTYPE_syscall32, cb_syscall32) == 0, "syscall32 failed");
	return rc;
}

static int check_sysenter(uint64_t stack, bool *ran)
{
	long how;

	how = enter32(uaddr(prog32_sysenter), stack);
	*ran = !refused(how, prog32_sysenter);
	if (!*ran)
		return TEST_PASS;		/* AMD-style: not in long mode */
	PCHECK(how == 2, "sysenter ended by %ld (vector %lu error %#lx rip %#lx), expected the sysenter callback", how, (unsigned long)user_trap.vector, (unsigned long)user_trap.error, (unsigned long)user_trap.rip);
	PCHECK(cb_frame[2] == 0 && (cb_frame[3] & 0xffff) == 3 && cb_frame[5] == 0,
	      "sysenter frame rip %#lx cs %#lx rsp %#lx", (unsigned long)cb_frame[2],
	      (unsigned long)cb_frame[3], (unsigned long)cb_frame[5]);
	PCHECK(set_callback(CALLBACKTYPE_sysenter, 0) == 0, "clearing sysenter failed");
	how = enter32(uaddr(prog32_sysenter), stack);
	return check_trap(how, 13, 0, 0, "sysenter with no callback");
}

/* 67-prefixed port I/O from compat mode at virtual IOPL 3 (the header). */
static int check_io(uint64_t stack)
{
	struct physdev_set_iopl iopl = { 3 };
	long how;

	PCHECK(hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl) == 0,
	       "set_iopl(3) failed");
	how = enter32(uaddr(prog32_io), stack);
	printf("compat 67 in/rep insb: ended by %ld, vector %lu error %#lx rip %#lx (insb at "
	       "%#lx) cr2 %#lx, ebx %#lx ecx %#lx edi %#lx\n", how,
	       (unsigned long)user_trap.vector, (unsigned long)user_trap.error,
	       (unsigned long)user_trap.rip, (unsigned long)uaddr(prog32_io_ins),
	       (unsigned long)user_cr2, (unsigned long)user_rbx, (unsigned long)user_trap.rcx,
	       (unsigned long)user_rdi);
	if (check_trap(how, 14, 6, uaddr(prog32_io_ins), "67 rep insb from compat mode"))
		return TEST_FAIL;
	PCHECK(user_cr2 == 0x100, "67 rep insb: cr2 %#lx, expected 0x100 (di alone)",
	       (unsigned long)user_cr2);
	PCHECK((uint32_t)user_rbx == 0x111111ff, "67 in: eax %#x, expected 0x111111ff",
	       (uint32_t)user_rbx);
	PCHECK((uint32_t)user_trap.rcx == 0x00050003 && (uint32_t)user_rdi == 0x12340100,
	       "67 rep insb: ecx %#x edi %#x, expected as before", (uint32_t)user_trap.rcx,
	       (uint32_t)user_rdi);

	how = enter32(uaddr(prog32_es), stack);
	iopl.iopl = 0;
	PCHECK(hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl) == 0,
	       "set_iopl(0) failed");
	printf("compat insb to ES = 0xe023: ended by %ld, vector %lu error %#lx rip %#lx (insb at "
	       "%#lx), edi %#lx\n", how, (unsigned long)user_trap.vector,
	       (unsigned long)user_trap.error, (unsigned long)user_trap.rip,
	       (unsigned long)uaddr(prog32_es_ins), (unsigned long)user_rdi);
	return check_trap(how, 13, 0, uaddr(prog32_es_ins), "insb to a code segment");
}

/*
 * `outsb %fs:(%esi)` from compat mode with FS the flat 0xe02b (base 0)
 * whose base the kernel then moved to FS_BASE_MOVED (set_segment_base):
 * the CPU's own `mov %fs:(%esi)` uses the moved base (a #PF there, cr2
 * FS_BASE_MOVED + USER_DATA, unmapped); Xen 4.17's emulator takes the
 * descriptor's base for the outsb (it reads USER_DATA, esi steps, and the
 * mov's #PF follows at cr2 one further), Lamina the CPU's (the outsb's own
 * #PF): a documented difference (docs/conformance.md, Open differences).
 */
#define FS_BASE_MOVED	0x10000000ULL

static int check_fs_base(uint64_t stack)
{
	struct physdev_set_iopl iopl = { 3 };
	const uint8_t *at = on_lamina() ? prog32_fs_outs : prog32_fs_mov;
	long how;

	PCHECK(hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl) == 0,
	       "set_iopl(3) failed");
	asm volatile("mov %0, %%fs" : : "r"(0xe02bU));
	PCHECK(hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_FS, FS_BASE_MOVED) == 0,
	       "set_segment_base(FS) failed");
	how = enter32(uaddr(prog32_fs), stack);
	asm volatile("mov %0, %%fs" : : "r"(0U));
	hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_FS, 0);
	iopl.iopl = 0;
	PCHECK(hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl) == 0,
	       "set_iopl(0) failed");
	printf("compat outsb %%fs: with FS's base moved: ended by %ld, vector %lu error %#lx "
	       "rip %#lx (outsb at %#lx, mov at %#lx) cr2 %#lx\n", how,
	       (unsigned long)user_trap.vector, (unsigned long)user_trap.error,
	       (unsigned long)user_trap.rip, (unsigned long)uaddr(prog32_fs_outs),
	       (unsigned long)uaddr(prog32_fs_mov), (unsigned long)user_cr2);
	if (check_trap(how, 14, 4, uaddr(at), "outsb %fs: with FS's base moved"))
		return TEST_FAIL;
	/* on Xen the outsb went through (esi + 1), on Lamina it faulted (esi as it was) */
	PCHECK(user_cr2 == FS_BASE_MOVED + USER_DATA + !on_lamina(),
	       "outsb %%fs: cr2 %#lx, expected %#llx", (unsigned long)user_cr2,
	       FS_BASE_MOVED + USER_DATA + !on_lamina());
	return TEST_PASS;
}

/* The peer's part: compat-mode user code, its syscall and sysenter. */
static int attack(void)
{
	const uint64_t stack = USER_DATA + 4096;
	bool syscall_ran, sysenter_ran;

	PCHECK(traps_install(true) == 0, "set_trap_table failed");
	trap_hook = user_trap_hook;
	PCHECK(user_setup(prog32, prog32_end - prog32, 1) == 0, "setting up user mode failed");
	PCHECK(set_callback(CALLBACKTYPE_syscall32, cb_syscall32) == 0,
	       "syscall32 callback failed");
	PCHECK(set_callback(CALLBACKTYPE_sysenter, cb_sysenter) == 0, "sysenter callback failed");
	if (check_syscall32(stack, &syscall_ran) || check_sysenter(stack, &sysenter_ran) ||
	    check_io(stack) || check_fs_base(stack))
		return TEST_FAIL;
	printf("compat-syscall: syscall %s, sysenter %s\n",
	       syscall_ran ? "reached the syscall32 callback (#UD without one)" : "#UD (CPU)",
	       sysenter_ran ? "reached the sysenter callback (#GP(0) without one)" :
	       user_trap.vector == 6 ? "#UD (CPU)" : "#GP(0) (SYSENTER_CS 0)");
	return TEST_PASS;
}

static const char *peer(struct start_info *si)
{
	return attack() == TEST_PASS ? NULL : why;
}

int test_main(struct start_info *si)
{
	int rc = verdict_test(si, peer);

	if (rc == TEST_PASS)
		printf("compat-syscall: the peer's syscall and sysenter from compat mode reached it\n");
	return rc;
}
