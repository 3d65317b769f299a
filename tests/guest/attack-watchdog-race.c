// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-watchdog-race: SCHEDOP_watchdog with id 0 from two vCPUs of one
 * domain at once. Each call claims a free one of the domain's watchdog
 * timers and answers its id; Xen 4.17 claims it with test_and_set_bit
 * under the domain's watchdog lock, so two calls at once get two ids (1
 * and 2), and a timer is set up (initialised) before any call can arm it.
 *   ROUNDS times: vCPUs 0 and 1 (pinned to two CPUs) arm one watchdog
 *   each at the same moment (an hour: none fires), then both are freed
 *   (timeout 0) by their ids.
 * Both answers must be ids, and different ones. Before the fix Lamina
 * read the in-use bits, chose and set one with no lock: both calls could
 * take timer 1, and the first call on each timer initialised it there,
 * so a second CPU's call could wipe a timer the first had already put on
 * its CPU's timer queue (the queue cut short behind it: the timers of
 * other domains' vCPUs on that CPU lost).
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/physinfo.h"

#define STACK_SIZE	8192
#define ROUNDS		50000
#define AN_HOUR		3600

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile bool started;
static volatile unsigned int go, done1;
static volatile long id1;
static bool one_cpu;

/* SCHEDOP_watchdog's argument (Xen's struct sched_watchdog). */
struct watchdog_arg {
	uint32_t id;		/* 0: a new one; else the one to re-arm or free */
	uint32_t timeout;	/* seconds; 0 frees */
};

static long watchdog(uint32_t id, uint32_t timeout)
{
	struct watchdog_arg w = { id, timeout };

	return HYPERVISOR_sched_op(SCHEDOP_watchdog, &w);
}

static void vcpu1(unsigned long id)
{
	unsigned int seen = 0;

	(void)id;
	started = true;
	for (;;) {
		while (go == seen)
			if (one_cpu)
				HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		seen = go;
		id1 = watchdog(0, AN_HOUR);
		__atomic_store_n(&done1, seen, __ATOMIC_SEQ_CST);
	}
}

int test_main(struct start_info *si)
{
	unsigned int round;
	struct sysctl pi;
	long a, b;

	mm_init(si);
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	one_cpu = pi.u.physinfo.nr_cpus < 2;
	CHECK(smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu) == 0,
	      "starting and pinning vCPU 1 failed");
	for (round = 1; round <= ROUNDS; round++) {
		__atomic_store_n(&go, round, __ATOMIC_SEQ_CST);
		a = watchdog(0, AN_HOUR);
		while (done1 != round)
			if (one_cpu)
				HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		b = id1;
		CHECK(a >= 1 && a <= 2 && b >= 1 && b <= 2 && a != b,
		      "round %u: the two watchdogs armed at once got ids %ld and %ld", round, a, b);
		CHECK(watchdog(a, 0) == 0 && watchdog(b, 0) == 0, "round %u: freeing failed",
		      round);
	}
	CHECK(watchdog(1, 0) == -EINVAL && watchdog(2, 0) == -EINVAL,
	      "a watchdog still armed after the rounds");
	printf("attack-watchdog-race: %u rounds of two watchdogs armed at once\n", ROUNDS);
	return TEST_PASS;
}
