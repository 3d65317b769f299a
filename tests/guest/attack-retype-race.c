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
 * 1, 4, 7, ..., an L2 in rounds 2, 5, 8, ...) until a pin succeeds, then tells vCPU 1 to
 * stop, waits for it, and reads F read-only: the pin validated F with no
 * BAD in it, so a BAD now is a write after the frame became a table
 * (the hypervisor must flush every TLB once the frame holds its new type
 * and before it reads an entry). Then F is unpinned. With one CPU the
 * two vCPUs take turns. vCPU 0 starts pinning once vCPU 1 has mapped F
 * once in the round.
 * dom0 runs the rounds, then builds a domU of two vCPUs (pinned to CPUs 0
 * and 1 by dom0) that runs them on its own frames; its verdict counts.
 * Every third round does the same to a descriptor page: vCPU 0 makes F
 * its GDT (set_gdt, one frame, retried while W maps F) and vCPU 1
 * writes BAD_DESC (a present 64-bit TSS descriptor, a system segment
 * every PV GDT refuses) through its stale translation; a nonzero entry in
 * F after set_gdt succeeded is the same write after the type change.
 * vCPU 0 then gives the frame back (set_gdt to no frames).
 * @hvargs: dom0_max_vcpus=2
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

#define BASE		2048		/* pfns nothing maps: above the boot region */
#define ROUNDS		450		/* L1, L2 and GDT rounds by turns */
#define BAD_DESC	0x0000890000000067ULL	/* present TSS: refused in a PV GDT */
#define SLOTS		8
#define CYCLES		64		/* vCPU 1's map-write-unmap rounds a round */
#define MAX_TRIES	1000000	/* a loaded host may hold vCPU 1 back a while */
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static const uint64_t *p2m;
static uint64_t window, reader, bad, victim;
static volatile uint64_t bad_now;	/* what vCPU 1 writes this round */
static bool one_cpu;
static volatile unsigned int stop_at, stopped_at, mapped_in;
static volatile unsigned long stale_writes, faults, maps;
static long pin_rc[ROUNDS + 1];
static unsigned int found[ROUNDS + 1];

/* *va = v; false if the store faulted (the fault skipped). */
static bool write_or_fault(volatile uint64_t *va, uint64_t v)
{
	uint64_t done = 0;

	asm volatile("1: mov %2, (%1)\n movq $1, %0\n2:\n"
		     ".pushsection .fixup, \"a\"\n.balign 8\n.quad 1b, 2b\n.popsection"
		     : "+r"(done) : "r"(va), "r"(v) : "memory");
	return done;
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
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	update_va_mapping(window, 0, UVMF_INVLPG);
	stopped_at = t;
}

static void race(unsigned int me, unsigned int t)
{
	uint64_t f = p2m[BASE + t];
	unsigned int cmd = t % 3 == 1 ? MMUEXT_PIN_L1_TABLE : MMUEXT_PIN_L2_TABLE, n = 0, i;
	bool gdt = t % 3 == 0;
	uint64_t none = 0;
	long rc;

	if (me == 1) {
		attacker(t);
		return;
	}
	while (mapped_in != t)	/* a stale translation exists first */
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	do {
		rc = gdt ? hypercall2(__HYPERVISOR_set_gdt, (uint64_t)&f, 512) :
			   mmuext_fd(cmd, f, 0, DOMID_SELF);
		if (rc && one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	} while (rc && ++n < MAX_TRIES);
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
	if (gdt)
		pin_rc[t] = hypercall2(__HYPERVISOR_set_gdt, (uint64_t)&none, 0) ? 1 : 0;
	else
		pin_rc[t] = mmuext_fd(MMUEXT_UNPIN_TABLE, f, 0, DOMID_SELF) ? 1 : 0;
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
	victim = table_page(0);
	BODY_CHECK(mmuext_fd(MMUEXT_PIN_L2_TABLE, victim, 0, DOMID_SELF) == 0, "pinning the victim failed");
	bad = pte_rw(victim);
	update_va_mapping(window, 0, UVMF_INVLPG);
	for (t = 1; t <= ROUNDS; t++) {
		BODY_CHECK(update_va_mapping(reader, pte_rw(p2m[BASE + t]), UVMF_INVLPG) == 0,
		    "mapping frame %u to zero it failed", t);
		memset((void *)reader, 0, 4096);
	}
	update_va_mapping(reader, pte_rw(va_to_mfn(reader)), UVMF_INVLPG);
	rc = start_vcpu1(si);
	BODY_CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (t = 1; t <= ROUNDS; t++) {
		bad_now = t % 3 ? bad : BAD_DESC;
		rounds.go = t;
		race(0, t);
		while (rounds.done1 != t)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	printf("attack-retype-race: %u rounds, vCPU 1 mapped %lu times, %lu writes through "
	       "a cleared entry landed, %lu faulted\n", ROUNDS, maps, stale_writes, faults);
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
