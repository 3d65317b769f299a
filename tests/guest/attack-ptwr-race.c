// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-ptwr-race: a write to one of the guest's page tables through its
 * read-only mapping (the hypervisor emulates it: writable page tables)
 * whose instruction's bytes lose their page between the CPU's #PF and the
 * emulator's fetch, by another vCPU (two vCPUs, pinned to two CPUs when
 * there are two). `48 | 89 07 c3` (mov [rdi], rax; ret) straddles a page
 * end, the REX prefix the last byte of page A, the rest on page B; vCPU 0
 * calls it with rdi the entry of a scratch page in its L1 and rax that
 * entry read-only or writable by turns, and vCPU 1 unmaps and maps B
 * again (update_va_mapping, flushing every CPU), 400 times at least with
 * two CPUs (within a million tries; 5000 tries with one). Each try must
 * end as the write done, or as a #PF with cr2 on B and error code 0x10:
 * the CPU's fetch (at the instruction, or at the ret after the write) or,
 * when B went between the CPU's write #PF and the emulator's fetch, Xen
 * 4.17's emulator's (ptwr_emulated_insn_fetch: 0x10 too, cr2 the first
 * byte it could not read, the write not done). The write's own #PF
 * reflected back (error code 3) fails: Lamina before 5 Dec gave it, its
 * emulator giving up on the bytes it could not read, and with cr2 on B,
 * the address of its own failed read, where the CPU's said the entry. Faults
 * are retried until the write is done; their counts are printed. Both
 * fetch #PFs look alike to the guest, so the window is seen only where
 * it goes wrong; Lamina met it a few times in a run before the fix.
 * No other outcome, a hang or a crash may happen. With one CPU the
 * vCPUs take turns and the rows still hold.
 * First, without a race, the same for a source operand: `fs movsq` onto
 * the entry with the FS base such that fs:rsi is a readable page but rsi
 * alone is not mapped. The emulator reads the source at the offset (Xen
 * 4.17's callbacks get no FS base): Xen gives that read's #PF, error code
 * 0, cr2 rsi, the entry unchanged; Lamina gave the write's before 5 Dec.
 * Then the same `fs movsq` with rdi 4 bytes into the entry (misaligned,
 * a write ptwr refuses): Xen's emulator reads the source before its write
 * callback refuses the write, so the read's #PF again, where Lamina gave
 * the write's (error code 3, cr2 rdi) until 5 Dec (h-mm24).
 * @hvargs: dom0_max_vcpus=2
 * @timeout-smp: 240
 */
#include "lib/ptwr.h"
#include "lib/smp.h"
#include "lib/physinfo.h"
#include "lib/segbase.h"

#define ROUNDS		5000	/* tries with one CPU */
#define UNMAPS		400	/* with two CPUs: vCPU 1's unmap and map pairs at least */
#define MAX_TRIES	1000000
#define STACK_SIZE	8192
#define GONE		0x600000ULL	/* not mapped */

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile bool started, stop, racing;
static uint64_t page_b, b_pte, insn_at, entry_va;
static volatile unsigned long fetch_pfs, write_pfs, bad, unmaps;
static volatile uint64_t bad_vector, bad_rip, bad_cr2, bad_error;
static volatile bool probing;
static volatile uint64_t probe_vector = ~0ULL, probe_error, probe_cr2;

static bool race_trap(struct trap_frame *f)
{
	uint64_t fault = cr2();

	if (probing) {		/* fs movsq: recorded and skipped */
		probe_vector = f->vector;
		probe_error = f->error;
		probe_cr2 = fault;
		f->rip += 3;
		return true;
	}
	if (racing && f->vector == 14 && f->error == 0x10 &&
	    (f->rip == insn_at || f->rip == page_b + 2) && (fault & ~0xfffULL) == page_b) {
		fetch_pfs++;
		return true;	/* retried once B is back */
	}
	if (racing && f->vector == 14 && (f->error & 2) && f->rip == insn_at && fault == entry_va) {
		write_pfs++;	/* the write's #PF where Xen 4.17 gives the fetch's */
		return true;
	}
	bad++;
	bad_vector = f->vector;
	bad_rip = f->rip;
	bad_cr2 = fault;
	bad_error = f->error;
	printf("unexpected: vector %lu error code %#lx rip %#lx cr2 %#lx (instruction %#lx, B "
	       "%#lx, entry %#lx)\n", (unsigned long)f->vector, (unsigned long)f->error,
	       (unsigned long)f->rip, (unsigned long)fault, (unsigned long)insn_at,
	       (unsigned long)page_b, (unsigned long)entry_va);
	return false;
}

static void vcpu1(unsigned long id)
{
	(void)id;
	started = true;
	while (!stop) {
		if (racing) {
			update_va_mapping(page_b, 0, UVMF_INVLPG | UVMF_ALL);
			update_va_mapping(page_b, b_pte, UVMF_INVLPG | UVMF_ALL);
			unmaps++;
		} else {
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		}
	}
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

int test_main(struct start_info *si)
{
	uint64_t page = 0, ro = 0, a, b, want;
	volatile uint64_t *pte = NULL;
	struct sysctl pi;
	unsigned long done = 0, i;
	bool one_cpu;
	long rc = ptwr_test_init(si, &page, &pte, &ro);

	if (rc)
		return rc;
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	one_cpu = pi.u.physinfo.nr_cpus < 2;
	a = scratch_page();
	b = scratch_page();
	CHECK(b == a + 4096, "scratch pages not consecutive");
	page_b = b;
	b_pte = (va_to_mfn(b) << 12) | PTE_DATA;
	entry_va = (uint64_t)pte;
	((uint8_t *)a)[4095] = 0x48;
	((uint8_t *)b)[0] = 0x89;
	((uint8_t *)b)[1] = 0x07;
	((uint8_t *)b)[2] = 0xc3;
	insn_at = a + 4095;
	trap_hook = race_trap;

	/* The source at its offset: fs:rsi is page a, rsi alone unmapped. */
	*(volatile uint64_t *)a = ro | PTE_RW;
	*pte = ro;
	CHECK(hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_FS, a - GONE) == 0, "FS base");
	probing = true;
	asm volatile(".byte 0x64, 0x48, 0xa5" : : "S"(GONE), "D"(entry_va) : "memory");
	probing = false;
	hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_FS, 0);
	printf("fs movsq from an unmapped offset: vector %ld, error code %#lx, cr2 %#lx (rsi "
	       "%#lx), entry %s\n", (long)probe_vector, (unsigned long)probe_error,
	       (unsigned long)probe_cr2, (unsigned long)GONE,
	       ((*pte ^ ro) & ~PTE_G) == 0 ? "unchanged" : "written");
	CHECK(probe_vector == 14 && probe_error == 0 && probe_cr2 == GONE,
	      "fs movsq: not the source read's #PF (error code 0, cr2 rsi)");
	CHECK(((*pte ^ ro) & ~PTE_G) == 0, "fs movsq: the entry written");
	probe_vector = ~0ULL;
	CHECK(hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_FS, a - GONE) == 0, "FS base");
	probing = true;
	asm volatile(".byte 0x64, 0x48, 0xa5" : : "S"(GONE), "D"(entry_va + 4) : "memory");
	probing = false;
	hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_FS, 0);
	printf("misaligned fs movsq from an unmapped offset: vector %ld, error code %#lx, cr2 %#lx\n",
	       (long)probe_vector, (unsigned long)probe_error, (unsigned long)probe_cr2);
	CHECK(probe_vector == 14 && probe_error == 0 && probe_cr2 == GONE,
	      "misaligned fs movsq: not the source read's #PF (error code 0, cr2 rsi)");
	CHECK(((*pte ^ ro) & ~PTE_G) == 0, "misaligned fs movsq: the entry written");

	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu);
	CHECK(rc == 0, "starting vCPU 1 failed: %ld", rc);

	racing = true;
	for (i = 0; i < MAX_TRIES && (i < ROUNDS || (!one_cpu && unmaps < UNMAPS)); i++) {
		want = (i & 1) ? ro | PTE_RW : ro;
		asm volatile("call *%[f]" : : [f] "r"(insn_at), "a"(want), "D"(entry_va)
			     : "memory");
		if (((*pte ^ want) & ~PTE_G) == 0)
			done++;
		if (bad)
			break;
	}
	racing = false;
	stop = true;
	update_va_mapping(page_b, b_pte, UVMF_INVLPG | UVMF_ALL);
	printf("%lu tries: %lu writes done, %lu fetch #PFs (error code 0x10, cr2 on B), %lu "
	       "write #PFs reflected (vCPU 1 unmapped B %lu times)\n", i, done, fetch_pfs,
	       write_pfs, unmaps);
	CHECK(!bad, "outcome vector %#lx error code %#lx rip %#lx cr2 %#lx",
	      (unsigned long)bad_vector, (unsigned long)bad_error, (unsigned long)bad_rip,
	      (unsigned long)bad_cr2);
	CHECK(done == i, "%lu writes of %lu tries", done, i);
	CHECK(!write_pfs, "%lu write #PFs where Xen 4.17's emulator fetch gives its own #PF",
	      write_pfs);
	printf("attack-ptwr-race: every try the write or a fetch #PF on B\n");
	return TEST_PASS;
}
