// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz-watchdog: lib/fuzz.h's watchdog, the one every race fuzzer's
 * waits use (fuzz-race, fuzz-evtchn-race, fuzz-grant-race), against vCPUs
 * made to stop for good by the `hang=` knob (SCHEDOP_poll of no port, no
 * timeout: a call that does not come back). A wait must give up once no
 * vCPU has had an answer for the bound, 5 s here (the fuzzers' is 30 s),
 * and its report must name the vCPU that did not come, what it was
 * doing, and the seed:
 *
 *  1. the start wait (fuzz_start_vcpus): vCPU 1 stops before it says it
 *     runs; the start fails with "vCPU 1 never started";
 *  2. a barrier: the run's vCPU 1 (the domain's vCPU 2) has answers
 *     (SCHEDOP_yield through fuzz_answer), then stops at its second
 *     barrier; vCPU 0's fuzz_barrier returns the report: "vCPU 1 round 1
 *     step 4: hang=, SCHEDOP_poll ..., last answer SCHEDOP_yield";
 *  3. vCPU 0 stuck: the run's vCPU 0 (the domain's vCPU 3) stops at its
 *     first barrier; its vCPU 1 (the domain's vCPU 0) gives up waiting
 *     there, waits a third of the bound more for vCPU 0 to take the
 *     report, then ends the guest (fuzz_run.ender: here this test's
 *     check, in a fuzzer fuzz_end_guest's FAIL line).
 *
 * Each report must come no sooner than the bound after the last answer
 * (case 3: and the third more) and within twice the bound more (guest
 * time, pvclock). The stopped vCPUs stay stopped; each case has vCPUs of
 * its own.
 * @hvargs: dom0_max_vcpus=4
 * @cmdline: seed=7
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/events.h"
#include "lib/fuzz.h"

#define STALL_NS	5000000000ULL
#define STACK_SIZE	8192
#define NCALLS		4	/* answers a vCPU has between two barriers */

struct vcpu_state {
	struct fuzz_vcpu f;
};

static uint8_t stacks[4][STACK_SIZE] __attribute__((aligned(16)));
static struct vcpu_state c1[2], c2[2], c3[2];
static volatile uint32_t stop1, stop2, stop3;
static volatile unsigned int count2, gen2, count3, gen3;
static struct fuzz_run r1 = { .stop = &stop1, .name = "fuzz-watchdog 1", .stall_ns = STALL_NS };
static struct fuzz_run r2 = { .stop = &stop2, .name = "fuzz-watchdog 2", .stall_ns = STALL_NS };
static struct fuzz_run r3 = { .stop = &stop3, .name = "fuzz-watchdog 3", .stall_ns = STALL_NS };
static char why[200];
static uint64_t t3;		/* case 3: when the domain's vCPU 0 came to the barrier */

/* The run set up from the command line (seed=), two vCPUs, the hang at barrier bar of vCPU v. */
static void setup(struct fuzz_run *run, struct vcpu_state *c, const struct start_info *si,
		  unsigned long bar, unsigned long v)
{
	unsigned int i;

	fuzz_args(run, si, 2, 2, 1);
	run->hang_bar = bar;
	run->hang_v = v;
	for (i = 0; i < 2; i++)
		fuzz_vcpu_init(&c[i].f, run, run->seed, i);
}

/* NCALLS answers (SCHEDOP_yield, 0 only), step by step. */
static void calls(struct vcpu_state *v)
{
	unsigned int i;

	fuzz_doing(&v->f, "yields");
	for (i = 0; i < NCALLS; i++, v->f.at->step++)
		fuzz_answer(&v->f, "SCHEDOP_yield", HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0,
			    "none");
}

/* A report as it must be: the words in want, the time since t0 within [lo, lo + 2 bounds]. */
static const char *judge(const char *report, const char *const *want, unsigned int n,
			 uint64_t t0, uint64_t lo)
{
	uint64_t took = pvclock_ns() - t0;
	unsigned int i;

	printf("fuzz-watchdog: after %lu ms: %s\n", (unsigned long)(took / 1000000), report);
	for (i = 0; i < n; i++)
		if (!strstr_simple(report, want[i])) {
			snprintf(why, sizeof(why), "the report lacks \"%s\": %s", want[i], report);
			return why;
		}
	if (took < lo || took > lo + 2 * STALL_NS) {
		snprintf(why, sizeof(why), "the report came after %lu ms, not %lu-%lu",
			 (unsigned long)(took / 1000000), (unsigned long)(lo / 1000000),
			 (unsigned long)((lo + 2 * STALL_NS) / 1000000));
		return why;
	}
	return NULL;
}

/* Case 1: the domain's vCPU 1, stopped before it says it runs. */
static void entry1(unsigned long id)
{
	(void)id;
	fuzz_vcpu_started(&c1[1].f);
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/* Case 2: the domain's vCPU 2, the run's vCPU 1: answers, barrier, answers, then stops. */
static void entry2(unsigned long id)
{
	struct vcpu_state *v = &c2[1];
	unsigned int r;

	(void)id;
	fuzz_vcpu_started(&v->f);
	for (r = 0; r < 2; r++) {
		v->f.at->round = r;
		v->f.at->step = 0;
		calls(v);
		fuzz_barrier(&v->f, &count2, &gen2, 2);
	}
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/* Case 3: the domain's vCPU 3, the run's vCPU 0: stops at its first barrier. */
static void entry3(unsigned long id)
{
	(void)id;
	fuzz_vcpu_started(&c3[0].f);
	fuzz_barrier(&c3[0].f, &count3, &gen3, 2);
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/* The domain's vCPU dom started at entry and waited for (as the run's vCPU f). */
static const char *start_on(const struct start_info *si, unsigned int dom,
			    void (*entry)(unsigned long), struct vcpu_state *waiter,
			    struct vcpu_state *v)
{
	uint64_t start = 0;
	long rc = smp_start_vcpu(si, dom, entry, stacks[dom], STACK_SIZE);

	if (rc) {
		snprintf(why, sizeof(why), "starting vCPU %u gave %ld", dom, rc);
		return why;
	}
	while (!__atomic_load_n(&v->f.started, __ATOMIC_ACQUIRE))
		if (!fuzz_wait_turn(&waiter->f, &start, "waits for vCPUs to start"))
			return waiter->f.run->report;
	waiter->f.at->waiting[0] = 0;
	return NULL;
}

/* Case 3's end, on the domain's vCPU 0 (the run's vCPU 1): the report checked, the result. */
static void __attribute__((noreturn)) ender3(struct fuzz_run *run)
{
	static const char *const want[] = { "seed=7", "vCPU 0 round 0 step 0: hang=",
					    "SCHEDOP_poll" };
	const char *err = judge(run->report, want, ARRAY_SIZE(want), t3, STALL_NS + STALL_NS / 3);

	if (err)
		printf("FAIL case 3 (vCPU 0 stuck): %s\n", err);
	else
		printf("PASS\n");
	shutdown(SHUTDOWN_poweroff);
}

int test_main(struct start_info *si)
{
	static const char *const want1[] = { "seed=7", "vCPU 1 never started" };
	static const char *const want2[] = { "seed=7", "vCPU 1 round 1 step 4: hang=",
					     "SCHEDOP_poll", "last answer SCHEDOP_yield (8 calls)" };
	const char *err;
	uint64_t t0;

	CHECK(events_init(si) == 0, "events_init failed");
	setup(&r1, c1, si, 0, 1);
	setup(&r2, c2, si, 2, 1);
	setup(&r3, c3, si, 1, 0);
	CHECK(r1.seed == 7, "seed=7 not read (%lu)", r1.seed);

	/* 1: the start wait */
	t0 = pvclock_ns();
	err = fuzz_start_vcpus(si, &c1[0].f, sizeof(c1[0]), 2, 1, false, entry1, &stacks[0][0],
			       STACK_SIZE, why, sizeof(why));
	CHECK(err == r1.report, "case 1 (start wait): %s", err ? err : "all started");
	err = judge(err, want1, ARRAY_SIZE(want1), t0, STALL_NS);
	CHECK(!err, "case 1 (start wait): %s", err);

	/* 2: a barrier, the run's vCPU 1 stuck after answers */
	fuzz_watch(&r2, &c2[0].f, sizeof(c2[0]), 2);
	err = start_on(si, 2, entry2, &c2[0], &c2[1]);
	CHECK(!err, "case 2: %s", err);
	calls(&c2[0]);
	CHECK(!fuzz_barrier(&c2[0].f, &count2, &gen2, 2), "case 2: the first barrier gave up");
	calls(&c2[0]);
	t0 = pvclock_ns();
	err = fuzz_barrier(&c2[0].f, &count2, &gen2, 2);
	CHECK(err == r2.report, "case 2 (barrier): %s", err ? err : "met");
	err = judge(err, want2, ARRAY_SIZE(want2), t0, STALL_NS);
	CHECK(!err, "case 2 (barrier): %s", err);
	CHECK(r2.taken, "case 2: vCPU 0 did not take the report");
	CHECK(!c2[0].f.t.bad_what && !c2[1].f.t.bad_what, "case 2: a yield answered %ld",
	      c2[0].f.t.bad_what ? c2[0].f.t.bad_rc : c2[1].f.t.bad_rc);

	/* 3: the run's vCPU 0 stuck; its vCPU 1 (we) ends the guest in ender3 */
	r3.ender = ender3;
	fuzz_watch(&r3, &c3[0].f, sizeof(c3[0]), 2);
	err = start_on(si, 3, entry3, &c3[1], &c3[0]);
	CHECK(!err, "case 3: %s", err);
	t3 = pvclock_ns();
	err = fuzz_barrier(&c3[1].f, &count3, &gen3, 2);
	return fail("case 3 (vCPU 0 stuck): the barrier returned (%s), the guest did not end",
		    err ? err : "met");
}
