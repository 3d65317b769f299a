// SPDX-License-Identifier: GPL-2.0-only
/*
 * noncanonical: returns to the first non-canonical address. The guest
 * kernel maps a code page at the top of the canonical lower half
 * (0x7ffffffff000) and runs, in its last two bytes (0x7ffffffffffe):
 * a hypercall (syscall), whose return rip is 0x800000000000; an
 * instruction the hypervisor emulates (the forced-emulation cpuid, whose
 * last two bytes sit there); and it makes an iret hypercall to
 * 0x800000000000. On real hardware the hypervisor's own iretq to such a
 * rip takes #GP in ring 0; each must instead give the guest #GP(0) with
 * 0x800000000000 in the frame, as Xen does (its return path turns the
 * iretq fault into the guest's). QEMU's TCG faults after the privilege
 * change instead, so the ring-0 case cannot be seen here; the iret case
 * (Lamina refused it at the iret hypercall, with the kernel's rip) can.
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"

#define TOP_PAGE	0x00007ffffffff000ULL
#define FIRST_NONCANON	0x0000800000000000ULL

static uint64_t code_kva;		/* the code page through our own mapping */
uint64_t resume_rip;			/* where a #GP at FIRST_NONCANON resumes */
static struct trap_record gp;
static unsigned int nr_gp;

static bool gp_hook(struct trap_frame *f)
{
	if (f->vector != 13 || f->rip != FIRST_NONCANON)
		return false;
	gp = (struct trap_record){ f->vector, f->error, f->rip, f->cs, f->rflags, f->rsp,
				   f->ss, f->rcx, f->r11 };
	nr_gp++;
	f->rip = resume_rip;
	return true;
}

/* L3 -> L2 -> L1 -> code page for TOP_PAGE, hooked into our L4 (slot 255). */
static long map_top_page(void)
{
	uint64_t code = scratch_page(), l1 = scratch_page(), l2 = scratch_page(),
		 l3 = scratch_page();
	uint64_t tables[3] = { l1, l2, l3 };
	unsigned int i;
	long rc;

	((uint64_t *)l1)[511] = (va_to_mfn(code) << 12) | PTE_P | PTE_US | PTE_A;
	((uint64_t *)l2)[511] = (va_to_mfn(l1) << 12) | PTE_DATA;
	((uint64_t *)l3)[511] = (va_to_mfn(l2) << 12) | PTE_DATA;
	for (i = 0; i < 3; i++) {
		rc = update_va_mapping(tables[i], (va_to_mfn(tables[i]) << 12) | PTE_P | PTE_US |
				       PTE_A, UVMF_INVLPG);
		if (rc)
			return rc;
	}
	code_kva = code;
	return mmu_update1(table_maddr(TOP_PAGE, 4), (va_to_mfn(l3) << 12) | PTE_DATA);
}

/* Put insn so that it ends at the canonical boundary; run it with rax = nr. */
static void run_at_top(const uint8_t *insn, unsigned int len, uint64_t nr)
{
	uint64_t at = TOP_PAGE + 4096 - len;

	memcpy((void *)(code_kva + 4096 - len), insn, len);
	asm volatile("lea 1f(%%rip), %%rbx\n\t"
		     "mov %%rbx, resume_rip(%%rip)\n\t"
		     "jmp *%1\n"
		     "1:"
		     : "+a"(nr) : "r"(at), "c"(0)
		     : "rbx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
}

/* iret hypercall to FIRST_NONCANON in guest kernel mode. */
static void iret_to_noncanonical(void)
{
	asm volatile("lea 1f(%%rip), %%rbx\n\t"
		     "mov %%rbx, resume_rip(%%rip)\n\t"
		     "mov %%rsp, %%rbx\n\t"
		     "push $0xe02b\n\t"		/* ss */
		     "push %%rbx\n\t"		/* rsp */
		     "push $2\n\t"		/* rflags: events stay masked */
		     "push $0xe030\n\t"		/* cs: RPL 0, guest kernel mode */
		     "movabs $0x800000000000, %%rax\n\t"
		     "push %%rax\n\t"		/* rip */
		     "push $0; push $0; push $0; push $0\n\t"	/* flags rcx r11 rax */
		     "mov $23, %%eax\n\t"
		     "syscall\n"
		     "1:"
		     : : : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
		       "memory");
}

static int check_gp(unsigned int want, const char *what)
{
	CHECK(nr_gp == want, "%s: %u #GPs at %#llx, expected %u", what, nr_gp,
	      (unsigned long long)FIRST_NONCANON, want);
	CHECK(gp.error == 0 && (gp.cs & 0xffff) == (FLAT_KERNEL_CS & ~3),
	      "%s: #GP error %#lx cs %#lx", what, (unsigned long)gp.error, (unsigned long)gp.cs);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	static const uint8_t hcall[] = { 0x0f, 0x05 };				/* syscall */
	static const uint8_t cpuid[] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };	/* ud2; "xen"; cpuid */
	long rc;
	int r;

	mm_init(si);
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	trap_hook = gp_hook;
	rc = map_top_page();
	CHECK(rc == 0, "mapping the page at %#llx failed: %ld", TOP_PAGE, rc);

	run_at_top(hcall, sizeof(hcall), __HYPERVISOR_xen_version);
	r = check_gp(1, "hypercall in the last two canonical bytes");
	if (r != TEST_PASS)
		return r;
	run_at_top(cpuid, sizeof(cpuid), 0);
	r = check_gp(2, "emulated cpuid ending at the canonical boundary");
	if (r != TEST_PASS)
		return r;
	iret_to_noncanonical();
	r = check_gp(3, "iret to 0x800000000000");
	if (r != TEST_PASS)
		return r;
	printf("noncanonical: hypercall, emulated cpuid and iret to %#llx each gave #GP(0) there\n",
	       FIRST_NONCANON);
	return TEST_PASS;
}
