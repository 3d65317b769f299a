// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-retype-flush-wait: two vCPUs of one guest map a former page
 * table writable at the same moment. A frame that was a table flushes
 * the TLBs when it first becomes writable again, and is held in transit
 * (PGF_partial) until the flush is done, so that the second taker of the
 * writable type waits (XSA-401's race, page_type.c). The flush sends an
 * IPI to every CPU and waits for each: the waiting taker runs in a
 * hypercall with interrupts off, so it must answer the flush while it
 * waits, or the two CPUs wait on each other for ever (a hang of the
 * hypervisor a guest with two vCPUs could cause).
 *
 * vCPUs 0 and 1 (pinned to CPUs 0 and 1 at --smp 2). Round t takes a
 * frame F nothing maps (pfn BASE + t): vCPU 0, PINS times, pins F as an
 * L1 (retried while vCPU 1 has it writable), unpins it (F is now a
 * former table) and maps it writable at its own address and unmaps it;
 * meanwhile vCPU 1 maps F writable at its own address and unmaps it
 * again and again, in multicalls of BATCH entries that unmap first and
 * map F last: it is in the hypervisor, interrupts off, most of the time,
 * so vCPU 0's flush waits for its multicall's end, whose last entry
 * takes the writable type vCPU 0's flush holds. Every
 * answer is 0 or the refusal of a frame in the other type (-EINVAL for
 * the pin, -EBUSY for the map), vCPU 0's unpins and unmaps are 0, and
 * the exit audit finds every reference right. With one CPU the vCPUs
 * take turns (nothing to wait for there).
 * @hvargs: dom0_max_vcpus=2
 * @expect-log: mm audit d0: ok
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/physinfo.h"

#define BASE		2048		/* pfns nothing maps: above the boot region */
#define ROUNDS		100
#define PINS		20
#define TRIES		100000
#define BATCH		64		/* vCPU 1's unmaps then a map, in one multicall */
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static const uint64_t *p2m;
static uint64_t window[2];
static volatile bool round_over;
static volatile long bad_rc[ROUNDS];
static volatile unsigned long maps1, pins;
static bool one_cpu;
static struct multicall_entry mc[BATCH];

static void note(unsigned int t, long rc, long refusal)
{
	if (rc && rc != refusal && !bad_rc[t])
		bad_rc[t] = rc;
}

static void race(unsigned int me, unsigned int t)
{
	uint64_t f = p2m[BASE + t];
	unsigned int k, n;
	long rc;

	if (me == 1) {
		while (!round_over) {
			/* One hypercall of many tries: in the hypervisor, interrupts off. */
			for (k = 0; k < BATCH; k++)
				mc[k] = (struct multicall_entry){ __HYPERVISOR_update_va_mapping, 0,
					{ window[1], k == BATCH - 1 ? pte_rw(f) : 0, UVMF_INVLPG } };
			rc = hypercall2(__HYPERVISOR_multicall, (uint64_t)mc, BATCH);
			note(t, rc, 0);
			for (k = 0; k < BATCH; k++)
				note(t, (long)mc[k].result, -EBUSY);
			maps1 += !mc[BATCH - 1].result;
			if (one_cpu)
				HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		}
		return;
	}
	round_over = false;
	for (k = 0; k < PINS; k++) {
		n = 0;
		do {
			rc = mmuext_fd(MMUEXT_PIN_L1_TABLE, f, 0, DOMID_SELF);
			note(t, rc, -EINVAL);
			if (rc && one_cpu)
				HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		} while (rc && ++n < TRIES);
		if (rc)
			break;
		pins++;
		note(t, mmuext_fd(MMUEXT_UNPIN_TABLE, f, 0, DOMID_SELF), 0);
		rc = update_va_mapping(window[0], pte_rw(f), UVMF_INVLPG);
		note(t, rc, -EBUSY);
		if (!rc)
			note(t, update_va_mapping(window[0], 0, UVMF_INVLPG), 0);
	}
	round_over = true;
}

static struct smp_rounds rounds = { race, 0, ROUNDS, false, 0, 0, false };

int test_main(struct start_info *si)
{
	struct sysctl pi;
	unsigned int t;
	long rc;

	mm_init(si);
	CHECK(si->nr_pages >= BASE + ROUNDS, "dom0 has %lu pages", si->nr_pages);
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	p2m = (const uint64_t *)si->mfn_list;
	window[0] = scratch_page();
	window[1] = scratch_page();
	one_cpu = pi.u.physinfo.nr_cpus < 2;
	rc = smp_rounds_run(si, &rounds, stack1, sizeof(stack1), one_cpu);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (t = 0; t < ROUNDS; t++)
		CHECK(!bad_rc[t], "round %u: an answer %ld", t, bad_rc[t]);
	printf("attack-retype-flush-wait: %u rounds, %lu pins of a frame vCPU 1 mapped "
	       "writable %lu times\n", ROUNDS, pins, maps1);
	CHECK(pins > ROUNDS, "only %lu pins went through", pins);
	return TEST_PASS;
}
