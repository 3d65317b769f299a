// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-emul-race: the bytes of an instruction the hypervisor emulates
 * change between the CPU's #GP and the emulator's fetch, by another vCPU
 * (two vCPUs, pinned to two CPUs when there are two). vCPU 0, at virtual
 * IOPL 1, calls small pieces of code on pages vCPU 1 keeps changing:
 * - rewritten: `0f 32` (rdmsr of FS_BASE: edx:eax its value) and `0f 06`
 *   (clts: no register changes), vCPU 1 flipping the second byte. Each
 *   call must end as one of the two, rip past the two bytes (the CPU may
 *   fault on one and the emulator run the other: either is an
 *   instruction the guest could run);
 * - unmapped: `66 ed` straddles a page end (66 the last byte of page A,
 *   ed the first of page B, then ret), and vCPU 1 unmaps and maps B again
 *   (update_va_mapping, flushing every CPU), 400 times at least with
 *   two CPUs (within a million tries; 5000 tries with one). Each try must
 *   end as the inw, or as a #PF at the instruction with cr2 at B: the CPU's fetch
 *   (error code 0x10) or, when B went between the CPU's #GP and the
 *   emulator's fetch, the emulator's (error code 0, Xen 4.17's
 *   insn_fetch). A #GP(0) there, the CPU's left standing because the
 *   emulator read only page A's byte (Lamina before 5 Dec), fails. The
 *   fault is retried until the inw is done; the counts of both #PFs are
 *   printed. The window: vCPU 1 has cleared B's entry, vCPU 0's CPU
 *   still runs the instruction from its TLB (the flush not yet taken),
 *   and the emulator's read walks the tables afresh (QEMU keeps ring 0's
 *   TLB entries apart from ring 3's, it seems): both hypervisors meet it a few
 *   times in every hundred unmaps or so.
 * No outcome may be another instruction's, a fault elsewhere, or a
 * hypervisor crash or hang, nor the #GP. With one CPU the two vCPUs take
 * turns (a switch between the #GP and the fetch is rare) and the rows still hold.
 * @hvargs: dom0_max_vcpus=2
 * @timeout-smp: 240
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/events.h"
#include "lib/smp.h"
#include "lib/physinfo.h"
#include "lib/segbase.h"
#include <lamina/physdev.h>

#define ROUNDS		20000
#define UNMAPS		400	/* with two CPUs: vCPU 1's unmap and map pairs at least */
#define MAX_TRIES	1000000
#define STACK_SIZE	8192
#define FS_MAGIC	0x00007f1234560000ULL

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile bool started, stop;
static volatile uint8_t *flip;		/* vCPU 1 rewrites it */
static uint64_t page_b;			/* vCPU 1 unmaps and maps it */
static uint64_t b_pte;
static volatile unsigned int mode;	/* 1: rewrite, 2: unmap */
static volatile uint64_t gp_at, pf_at;	/* the instruction's address while a try runs */
static volatile unsigned long gps, pfs, emul_pfs, bad, flips;
static volatile uint64_t bad_vector, bad_rip, bad_cr2, pf_errors;

static bool race_trap(struct trap_frame *f)
{
	volatile struct shared_info *sh = shared;

	if (f->vector == 13 && f->error == 0 && f->rip == gp_at && mode == 2) {
		gps++;
		return true;	/* retried */
	}
	if (f->vector == 14 && mode == 2 && (f->rip == pf_at || f->rip == page_b + 1) &&
	    (sh->vcpu_info[0].arch.cr2 & ~0xfffULL) == page_b) {
		pfs++;
		if (!f->error)
			emul_pfs++;	/* the emulator's fetch: the window met */
		pf_errors |= 1ULL << (f->error & 0x1f);
		return true;	/* retried once B is back */
	}
	bad++;
	bad_vector = f->vector;
	bad_rip = f->rip;
	bad_cr2 = sh->vcpu_info[0].arch.cr2;
	return false;
}

static void vcpu1(unsigned long id)
{
	(void)id;
	started = true;
	while (!stop) {
		if (mode == 1) {
			*flip = 0x06;
			*flip = 0x32;
			flips++;
		} else if (mode == 2) {
			update_va_mapping(page_b, 0, UVMF_INVLPG | UVMF_ALL);
			update_va_mapping(page_b, b_pte, UVMF_INVLPG | UVMF_ALL);
			flips++;
		} else {
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		}
	}
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

int test_main(struct start_info *si)
{
	struct physdev_set_iopl iopl = { 1 };
	struct sysctl pi;
	uint64_t a, b, code;
	unsigned long in_done = 0, msr_done = 0, clts_done = 0, i;
	bool one_cpu;
	long rc;

	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(traps_install(true) == 0, "set_trap_table failed");
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	one_cpu = pi.u.physinfo.nr_cpus < 2;
	CHECK(hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl) == 0, "set_iopl");
	CHECK(hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_FS, FS_MAGIC) == 0, "FS base");
	code = scratch_page();
	a = scratch_page();
	b = scratch_page();
	CHECK(b == a + 4096, "scratch pages not consecutive");
	page_b = b;
	b_pte = (va_to_mfn(b) << 12) | PTE_DATA;
	trap_hook = race_trap;
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu);
	CHECK(rc == 0, "starting vCPU 1 failed: %ld", rc);

	/* Rewritten: 0f 32 / 0f 06 at code + 16, then ret. */
	((uint8_t *)code)[16] = 0x0f;
	flip = (volatile uint8_t *)(code + 17);
	*flip = 0x32;
	((uint8_t *)code)[18] = 0xc3;
	gp_at = code + 16;
	mode = 1;
	for (i = 0; i < ROUNDS; i++) {
		uint64_t rax = 0x1111111122222222ULL, rdx = 0x3333333344444444ULL;

		asm volatile("call *%[f]"
			     : "+a"(rax), "+d"(rdx) : [f] "r"(code + 16), "c"(0xc0000100)
			     : "memory");
		if (rax == 0x1111111122222222ULL && rdx == 0x3333333344444444ULL) {
			clts_done++;
		} else if (rdx == (FS_MAGIC >> 32) && rax == (uint32_t)FS_MAGIC) {
			msr_done++;
		} else {
			bad++;
			bad_vector = 0x100;
			bad_rip = rax;
			bad_cr2 = rdx;
		}
		if (bad)
			break;
	}
	mode = 0;
	printf("rewritten: %lu tries: %lu rdmsr, %lu clts (vCPU 1 flipped %lu times)\n", i,
	       msr_done, clts_done, flips);
	CHECK(!bad, "rewritten: outcome vector %#lx rip %#lx cr2 %#lx", (unsigned long)bad_vector,
	      (unsigned long)bad_rip, (unsigned long)bad_cr2);
	CHECK(msr_done + clts_done == ROUNDS, "rewritten: %lu outcomes of %u tries",
	      msr_done + clts_done, ROUNDS);
	hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_FS, 0);

	/* Unmapped: 66 | ed c3 across a - b. */
	((uint8_t *)a)[4095] = 0x66;
	((uint8_t *)b)[0] = 0xed;
	((uint8_t *)b)[1] = 0xc3;
	flips = 0;
	gp_at = pf_at = a + 4095;
	mode = 2;
	for (i = 0; i < MAX_TRIES && (i < ROUNDS / 4 || (!one_cpu && flips < UNMAPS)); i++) {
		uint64_t rax = 0x1111111122222222ULL;

		asm volatile("call *%[f]" : "+a"(rax) : [f] "r"(a + 4095), "d"(0x3fd) : "memory");
		if (rax == 0x111111112222ffffULL)
			in_done++;
		if (bad)
			break;
	}
	mode = 0;
	stop = true;
	update_va_mapping(page_b, b_pte, UVMF_INVLPG | UVMF_ALL);
	printf("unmapped: %lu tries, %lu inw, %lu #PF (%lu of the emulator's fetch, error "
	       "code 0; error codes seen: mask %#lx), %lu #GP (vCPU 1 unmapped %lu times)\n", i,
	       in_done, pfs, emul_pfs, (unsigned long)pf_errors, gps, flips);
	CHECK(!bad, "unmapped: outcome vector %#lx rip %#lx cr2 %#lx", (unsigned long)bad_vector,
	      (unsigned long)bad_rip, (unsigned long)bad_cr2);
	CHECK(in_done == i, "unmapped: %lu inw of %lu", in_done, i);
	CHECK(!gps, "unmapped: %lu #GP where Xen 4.17's emulator fetch gives the #PF", gps);
	printf("attack-emul-race: every outcome one of the instructions or a fault at it\n");
	return TEST_PASS;
}
