// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-singlestep: single-stepping (RFLAGS.TF) over an instruction the
 * hypervisor emulates (the class of Xen's XSA-204: an emulated
 * instruction must end as the hardware's would, its #DB included). With
 * TF set, the CPU raises #DB after each instruction; one the hypervisor
 * emulates faulted instead (#GP, #UD), so the hypervisor owes the guest
 * that #DB, at the next instruction with DR6.BS, as Xen 4.17's emulator
 * does (retire.singlestep). Lamina returned with TF still set, so the
 * #DB came one instruction late, after the instruction that followed.
 * Rows, each from the guest kernel with TF set by popf just before:
 *   rdmsr of FS_BASE, mov from %cr0, the forced-emulation cpuid, in from
 *   the console's status port at virtual IOPL 1, and a plain nop (the
 *   hardware's own step, for reference): the first #DB's rip must be the
 *   instruction after, DR6.BS set;
 *   cli at virtual IOPL 1: Xen 4.17 skips it outside its emulator's step
 *   (X86EMUL_DONE), so its #DB comes only after the next instruction, as
 *   when the CPU steps from the cli's end: the same on Lamina;
 *   rep insb of 3 bytes: a #DB after each transfer, rip on the insb
 *   until the last, rcx counting down.
 * And user mode stepping over syscall (user_syscall): the #DBs Xen gives.
 * Run by dom0 and by an unprivileged peer (its verdict handed to dom0).
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/portio.h"
#include "lib/user.h"

#define TF		0x100ULL
#define DR6_BS		0x4000ULL

static char why[VERDICT_LEN];


#define MAX_DB	8
static volatile unsigned int nr_db;
static uint64_t db_rip[MAX_DB], db_dr6[MAX_DB], db_rcx[MAX_DB];
/* TF is kept while the #DB is at this rip (a rep string instruction), or always. */
static uint64_t keep_rip;
static bool keep_all;

static bool db_hook(struct trap_frame *f)
{
	unsigned int n = nr_db;

	if (f->vector != 1)
		return false;
	if (n < MAX_DB) {
		db_rip[n] = f->rip;
		db_rcx[n] = f->rcx;
		db_dr6[n] = (uint64_t)hypercall1(__HYPERVISOR_get_debugreg, 6);
	}
	hypercall2(__HYPERVISOR_set_debugreg, 6, 0);
	nr_db = n + 1;
	if ((!keep_all && f->rip != keep_rip) || n + 1 >= MAX_DB)
		f->rflags &= ~TF;
	return true;
}

/*
 * Each step_* runs `SETUP; pushf; or TF; popf; INSN; after: ...` and
 * stores INSN's address in *at and the one after it in *after; arg (rdx)
 * is in rbx for SETUP.
 */
#define STEP_ASM(name, setup, insn)					\
	asm(".text\n"							\
	    ".globl " #name "\n"					\
	    #name ":\n"							\
	    "	push %rbx\n"						\
	    "	lea 2f(%rip), %rax\n"					\
	    "	mov %rax, (%rdi)\n"					\
	    "	lea 1f(%rip), %rax\n"					\
	    "	mov %rax, (%rsi)\n"					\
	    "	mov %rdx, %rbx\n"					\
	    "	" setup "\n"						\
	    "	pushfq\n"						\
	    "	orq $0x100, (%rsp)\n"					\
	    "	popfq\n"						\
	    "1:	" insn "\n"						\
	    "2:	nop\n"							\
	    "	nop\n"							\
	    "	pushfq\n"						\
	    "	andq $~0x100, (%rsp)\n"					\
	    "	popfq\n"						\
	    "	pop %rbx\n"						\
	    "	ret\n")

STEP_ASM(step_rdmsr, "mov $0xc0000100, %ecx", "rdmsr");	/* FS_BASE */
STEP_ASM(step_movcr0, "", "mov %cr0, %rax");
STEP_ASM(step_cpuid, "xor %eax, %eax; xor %ecx, %ecx", "ud2; .ascii \"xen\"; cpuid");
STEP_ASM(step_in, "mov $0x3fd, %edx", "inb %dx, %al");
STEP_ASM(step_cli, "", "cli");
STEP_ASM(step_nop, "", "nop");
/* rep insb: 3 bytes from the console's status port to the buffer in rbx. */
STEP_ASM(step_insb, "mov %rbx, %rdi; mov $0x3fd, %edx; mov $3, %ecx; cld", "rep insb");

void step_rdmsr(uint64_t *after, uint64_t *at, uint64_t arg);
void step_movcr0(uint64_t *after, uint64_t *at, uint64_t arg);
void step_cpuid(uint64_t *after, uint64_t *at, uint64_t arg);
void step_in(uint64_t *after, uint64_t *at, uint64_t arg);
void step_cli(uint64_t *after, uint64_t *at, uint64_t arg);
void step_nop(uint64_t *after, uint64_t *at, uint64_t arg);
void step_insb(uint64_t *after, uint64_t *at, uint64_t arg);

/*
 * One instruction stepped: the first #DB is right after it, with BS in
 * DR6.
 */
static const char *one(const char *who, const char *what,
		       void (*fn)(uint64_t *, uint64_t *, uint64_t))
{
	uint64_t after = 0, at = 0;

	nr_db = 0;
	keep_rip = 0;
	fn(&after, &at, 0);
	printf("%s: TF over %s: %u #DB, the first at %#lx (the next instruction at %#lx), "
	       "DR6 %#lx\n", who, what, nr_db, (unsigned long)db_rip[0], (unsigned long)after,
	       (unsigned long)db_dr6[0]);
	BODY_CHECK(nr_db >= 1, "%s: TF over %s: no #DB", who, what);
	BODY_CHECK(db_rip[0] == after, "%s: TF over %s: the first #DB at %#lx, expected %#lx (right "
	       "after it)", who, what, (unsigned long)db_rip[0], (unsigned long)after);
	BODY_CHECK(db_dr6[0] & DR6_BS, "%s: TF over %s: DR6 %#lx without BS", who, what,
	       (unsigned long)db_dr6[0]);
	return NULL;
}

/* cli: the first #DB one instruction after it (after the nop that follows). */
static const char *cli_late(const char *who)
{
	uint64_t after = 0, at = 0;

	nr_db = 0;
	keep_rip = 0;
	step_cli(&after, &at, 0);
	printf("%s: TF over cli: %u #DB, the first at %#lx (cli at %#lx, next %#lx), DR6 %#lx\n",
	       who, nr_db, (unsigned long)db_rip[0], (unsigned long)at, (unsigned long)after,
	       (unsigned long)db_dr6[0]);
	BODY_CHECK(nr_db >= 1 && db_rip[0] == after + 1 && (db_dr6[0] & DR6_BS),
	       "%s: TF over cli: %u #DB, the first at %#lx DR6 %#lx, expected at %#lx (after "
	       "the nop after it) with BS", who, nr_db, (unsigned long)db_rip[0],
	       (unsigned long)db_dr6[0], (unsigned long)(after + 1));
	return NULL;
}

/* rep insb of 3: a #DB after each transfer, at the insb, then after it. */
static const char *rep_ins(const char *who)
{
	static uint8_t buf[16];
	uint64_t after = 0, at = 0;
	unsigned int i;

	nr_db = 0;
	/* The hook keeps TF while at the insb: step_insb writes its address there first. */
	step_insb(&after, &keep_rip, (uint64_t)buf);
	at = keep_rip;
	keep_rip = 0;
	printf("%s: TF over rep insb of 3: %u #DB:", who, nr_db);
	for (i = 0; i < nr_db && i < MAX_DB; i++)
		printf(" %#lx/rcx %lu/DR6 %#lx", (unsigned long)db_rip[i], (unsigned long)db_rcx[i],
		       (unsigned long)db_dr6[i]);
	printf(" (insb at %#lx, next %#lx)\n", (unsigned long)at, (unsigned long)after);
	BODY_CHECK(nr_db >= 3, "%s: TF over rep insb of 3: %u #DB, expected one a transfer", who,
	       nr_db);
	for (i = 0; i < 3; i++) {
		uint64_t rip = i < 2 ? at : after;

		BODY_CHECK(db_rip[i] == rip && db_rcx[i] == 2 - i && (db_dr6[i] & DR6_BS),
		       "%s: TF over rep insb, #DB %u at %#lx rcx %lu DR6 %#lx, expected at %#lx "
		       "rcx %u with BS", who, i, (unsigned long)db_rip[i],
		       (unsigned long)db_rcx[i], (unsigned long)db_dr6[i], (unsigned long)rip,
		       2 - i);
	}
	return NULL;
}

/*
 * User mode stepping over syscall (XSA-204's own case: the hypervisor's
 * entry must neither step nor lose its way): TF set from the start (the
 * iret's flags), `nop; mov $5, %eax; syscall; nop; nop; mov $60, %eax;
 * syscall`. Xen 4.17's #DBs, measured: after the nop, after the mov (at
 * the syscall), then none for the syscall itself (its step falls in the
 * hypervisor and is dropped; the callback runs with TF clear, TF back in
 * user mode from r11) until after the first nop past it, after the
 * second, and at the last syscall (60 ends the run in the kernel).
 */
extern const uint8_t ustep[], ustep_sys[], ustep_after[], ustep_end[];
asm(".pushsection .rodata\n"
    ".globl ustep, ustep_sys, ustep_after, ustep_end\n"
    "ustep:\n"
    "	nop\n"
    "	mov $5, %eax\n"
    "ustep_sys:\n"
    "	syscall\n"
    "ustep_after:\n"
    "	nop\n"
    "	nop\n"
    "	mov $60, %eax\n"
    "	syscall\n"
    "	ud2\n"
    "ustep_end:\n"
    ".popsection");

static const char *user_syscall(const char *who)
{
	const uint8_t *want[] = { ustep + 1, ustep_sys, ustep_after + 1, ustep_after + 2,
				  ustep_after + 7 };
	unsigned int i;
	long rc;

	BODY_CHECK(user_setup(ustep, ustep_end - ustep, 1) == 0, "%s: user_setup failed", who);
	nr_db = 0;
	keep_all = true;		/* TF kept: every #DB is counted */
	user_rflags = 0x300;
	rc = enter_user(USER_BASE, USER_DATA + 4096);
	user_rflags = 0x200;
	keep_all = false;
	printf("%s: TF over user-mode syscall: returned %ld, %u #DB:", who, rc, nr_db);
	for (i = 0; i < nr_db && i < MAX_DB; i++)
		printf(" %#lx", (unsigned long)db_rip[i]);
	printf(" (syscall at %#lx, the callback's flags %#lx)\n",
	       (unsigned long)user_va(ustep, ustep_sys), (unsigned long)sc_flags_on_entry);
	BODY_CHECK(rc == 60 && !(sc_flags_on_entry & TF), "%s: user-mode syscall with TF: "
		   "returned %ld, the callback's flags %#lx", who, rc,
		   (unsigned long)sc_flags_on_entry);
	for (i = 0; i < ARRAY_SIZE(want); i++)
		BODY_CHECK(nr_db == ARRAY_SIZE(want) && db_rip[i] == user_va(ustep, want[i]),
			   "%s: user-mode syscall with TF: #DB %u of %u at %#lx, expected %#lx", who,
			   i, nr_db, (unsigned long)db_rip[i],
			   (unsigned long)user_va(ustep, want[i]));
	return NULL;
}

static const char *attack(struct start_info *si)
{
	const char *who = (si->flags & SIF_INITDOMAIN) ? "dom0" : "peer";
	const char *bad;

	BODY_CHECK(traps_install(true) == 0, "%s: set_trap_table failed", who);
	trap_hook = db_hook;
	BODY_CHECK(physdev_set_iopl(1) == 0, "%s: physdev_set_iopl(1) failed", who);
	if ((bad = one(who, "nop", step_nop)) || (bad = one(who, "rdmsr", step_rdmsr)) ||
	    (bad = one(who, "mov from %cr0", step_movcr0)) ||
	    (bad = one(who, "the forced cpuid", step_cpuid)) ||
	    (bad = one(who, "inb", step_in)) || (bad = cli_late(who)) ||
	    (bad = rep_ins(who)) || (bad = user_syscall(who)))
		return bad;
	physdev_set_iopl(0);
	return NULL;
}

int test_main(struct start_info *si)
{
	int rc = verdict_test_both(si, attack);

	if (rc == TEST_PASS)
		printf("attack-singlestep: #DB right after each emulated instruction, in dom0 and "
		       "the peer\n");
	return rc;
}
