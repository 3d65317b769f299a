// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-pin-type-race: a pin whose tree meets a frame that another vCPU
 * holds writable for a moment (7 Dec attacker's review of session 36's
 * validation paths). R is an L2 to be whose entry 0 names F, a zeroed
 * page mapped read-only. Each round vCPU 1 clears F again and again
 * (MMUEXT_CLEAR_PAGE: F's writable type taken and dropped around the
 * memset), a few pauses apart that change from round to round, while
 * vCPU 0 pins R as an L2 until the round ends. The pin meets F typed
 * writable (-EINVAL, a type conflict) or typeless (F becomes an L1, the
 * pin goes through); a pinned R is an L2, so clearing it must be refused,
 * and it is unpinned again. Clears give 0, or -EINVAL while R's pin holds
 * F as an L1.
 * Before the fix a pin that saw F typed and then, a few instructions on,
 * took F's type as F went typeless, started F's validation as a tree of
 * its own: that dropped the pin's own tree (R's claim undone) and still
 * answered 0, so R was "pinned" with no type (clearing it went through)
 * and its unpin, or the domain's end, put a type never taken (BUG_ON,
 * the hypervisor down). At --smp 2 the pin went wrong within the first
 * rounds. With one CPU the vCPUs take turns; the rows still run.
 * dom0 runs the rounds, then builds a domU of two vCPUs (pinned to CPUs
 * 0 and 1 by dom0) that runs them on its own frames; its verdict counts.
 * @hvargs: dom0_max_vcpus=2
 * @initrd: self
 * @expect-log: mm audit d0: ok
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/peer_smp.h"

#define ROUNDS		300
#define CLEARS		200		/* vCPU 1's clears of F a round */
#define PINS_MAX	4000		/* vCPU 0's pins in one round at most */
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static uint64_t r_mfn, f_mfn;
static volatile unsigned int over;
static volatile bool broken;
static volatile long bad0[ROUNDS], bad1[ROUNDS];
static unsigned long pinned, pin_refused, cleared, clear_refused;

static void race(unsigned int me, unsigned int t)
{
	unsigned int i, j;
	long rc;

	if (me == 1) {
		for (i = 0; i < CLEARS && !broken; i++) {
			rc = mmuext1(MMUEXT_CLEAR_PAGE, f_mfn);
			if (!rc)
				cleared++;
			else if (rc == -EINVAL)
				clear_refused++;
			else
				bad1[t] = rc;
			for (j = 0; j < (i * 5 + t * 3) % 40; j++)
				asm volatile("pause");
		}
		over = t;
		return;
	}
	for (i = 0; i < PINS_MAX && over != t && !broken; i++) {
		rc = mmuext1(MMUEXT_PIN_L2_TABLE, r_mfn);
		if (rc == -EINVAL) {
			pin_refused++;
			continue;
		}
		if (rc) {
			bad0[t] = rc;
			continue;
		}
		pinned++;
		rc = mmuext1(MMUEXT_CLEAR_PAGE, r_mfn);
		if (!rc) {
			/* R holds no type: its unpin would put one never taken */
			bad0[t] = 1;
			broken = true;
			return;
		}
		rc = mmuext1(MMUEXT_UNPIN_TABLE, r_mfn);
		if (rc)
			bad0[t] = 1000 + rc;
	}
}

static struct smp_rounds rounds = { race, 1, ROUNDS, false, 0, 0, false };

static char why[VERDICT_LEN];

/* The rounds, in dom0 or in the peer: NULL, or why they failed. */
static const char *body(struct start_info *si, bool one_cpu)
{
	unsigned int t;
	long rc;

	f_mfn = table_page(0);
	r_mfn = table_page((f_mfn << 12) | PTE_P | PTE_RW | PTE_US | PTE_A);
	rc = smp_rounds_run(si, &rounds, stack1, sizeof(stack1), one_cpu);
	BODY_CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	printf("pins of R: %lu made, %lu refused; clears of F: %lu made, %lu refused\n", pinned,
	       pin_refused, cleared, clear_refused);
	for (t = 1; t < ROUNDS; t++) {
		BODY_CHECK(bad0[t] != 1,
			   "round %u: R pinned as an L2 (0) holds no type: clearing it gave 0", t);
		BODY_CHECK(!bad0[t], "round %u: pinning or unpinning R gave %ld", t, bad0[t]);
		BODY_CHECK(!bad1[t], "round %u: clearing F gave %ld", t, bad1[t]);
	}
	BODY_CHECK(pinned, "no pin of R went through");
	BODY_CHECK(mmuext1(MMUEXT_CLEAR_PAGE, f_mfn) == 0, "F not clearable at the end (a type left)");
	BODY_CHECK(mmuext1(MMUEXT_CLEAR_PAGE, r_mfn) == 0, "R not clearable at the end (a type left)");
	return NULL;
}

int test_main(struct start_info *si)
{
	return verdict_test_smp(si, body);
}
