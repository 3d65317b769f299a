// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp-poll-wake: SCHEDOP_poll woken from another CPU, many times (the
 * lost wake of docs/benchmarks.md's smp bench). dom0's vCPUs 0 and 1,
 * pinned to CPUs 0 and 1, each bind an IPI port to themselves and pass a
 * token ROUNDS times, each waiting in SCHEDOP_poll on its port (events
 * masked). An answer takes microseconds, so a poll that runs out (vCPU
 * 0's after 0.5 s, vCPU 1's after 1 s) slept through a send: the port
 * pending all along, and each later send finds it so and wakes nobody.
 * Each round first spins a little (its number modulo a prime, plus a
 * drift every 1000 rounds), so the other side's send lands at varying
 * points of the way into the poll.
 * When vCPU 1 sleeps through a token, vCPU 0 has the vCPUs dumped (debug
 * key 'd', on Lamina) while it still sleeps. Until 5 Dec a send could
 * clear the poll's port list between sched_poll writing it and marking
 * the vCPU polling, leaving it asleep on an empty list ("polling 0
 * ports"; common/event_channel.c evtchn_poll_wake): FAIL within some
 * thousand rounds on the debug and the release build, a different round
 * for each binary.
 * Under -icount the two CPUs run round-robin in one QEMU thread and the
 * guest clock counts instructions, so each run of one hypervisor binary
 * interleaves the same way (and host load cannot stretch a poll). With
 * one CPU the vCPUs take turns.
 * @hvargs: dom0_max_vcpus=2
 * @qemu: -icount shift=0,sleep=off
 * @timeout: 300
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/physinfo.h"
#include "lib/smp.h"

#define ROUNDS		60000
#define ANSWER_NS	500000000ULL	/* vCPU 0's wait for an answer: far beyond any */
#define TOKEN_NS	1000000000ULL	/* vCPU 1's for a token: beyond vCPU 0's */
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static evtchn_port_t ipi[2];		/* the port notifying vCPU i */
static volatile bool started;
static volatile unsigned int done1;	/* rounds vCPU 1 answered */
static volatile unsigned int late1;	/* 1 + the round whose token vCPU 1 slept through */

/* Spins n short steps: shifts where the other side's send lands. */
static void spin(unsigned int n)
{
	while (n--)
		asm volatile("" ::: "memory");
}

/* Polls p once, ns at most; false if the poll reached its timeout. */
static bool poll_ns(evtchn_port_t p, uint64_t ns)
{
	uint64_t deadline = pvclock_ns() + ns;
	struct sched_poll sp = { (uint64_t)&p, 1, 0, deadline };

	HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
	return pvclock_ns() < deadline;
}

/* On Lamina: debug key 'd' (each vCPU, its poll and its list) on the console. */
static void dump_vcpus(void)
{
	struct sysctl op;
	char key = 'd';

	if (!on_lamina())
		return;
	memset(&op, 0, sizeof(op));
	op.u.debug_keys.keys = (uint64_t)&key;
	op.u.debug_keys.nr_keys = 1;
	sysctl_call(&op, SYSCTL_debug_keys);
}

/*
 * vCPU 1: takes each token and answers it. It polls 1 s at a time (vCPU
 * 0 sends within microseconds): the first poll that runs out is noted
 * (late1), a token it slept through.
 */
static void __attribute__((noreturn, used)) vcpu1(unsigned long id)
{
	unsigned int i;

	(void)id;
	started = true;
	for (i = 0; i < ROUNDS; i++) {
		while (!port_test_and_clear(ipi[1]))
			if (!poll_ns(ipi[1], TOKEN_NS) && !late1)
				late1 = i + 1;
		spin(i % 61 + i / 1000 % 13);
		evtchn_send(ipi[0]);
		done1 = i + 1;
	}
	for (;;)	/* until vCPU 0 takes it down (events stay masked: no callback here) */
		poll_ns(ipi[1], TOKEN_NS);
}

int test_main(struct start_info *si)
{
	unsigned int i, id;
	struct sysctl pi;
	long rc;

	if (vcpu_op(VCPUOP_is_up, 1, NULL) == -ENOENT)
		return skip("one vCPU only (dom0_max_vcpus=2 not honoured)");
	CHECK(events_init(si) == 0, "events_init failed");
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	shared->vcpu_info[1].evtchn_upcall_mask = 1;
	for (id = 0; id < 2; id++) {
		struct evtchn_bind_ipi bi = { id, 0 };

		CHECK(evtchn_op(EVTCHNOP_bind_ipi, &bi) == 0, "bind_ipi to vCPU %u failed", id);
		ipi[id] = bi.port;
	}
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started,
			      pi.u.physinfo.nr_cpus < 2);
	CHECK(rc == 0, "starting and pinning vCPU 1: %ld", rc);
	for (i = 0; i < ROUNDS; i++) {
		spin(i % 53 + i / 1000 % 17);
		evtchn_send(ipi[1]);
		while (!port_test_and_clear(ipi[0])) {
			if (poll_ns(ipi[0], ANSWER_NS))
				continue;
			dump_vcpus();	/* vCPU 1 asleep through the token: its poll state */
			return fail("round %u: no answer within 0.5 s: %s", i, done1 > i ?
				    "vCPU 0 slept in SCHEDOP_poll through vCPU 1's answer" :
				    "vCPU 1 sleeps in SCHEDOP_poll through vCPU 0's send");
		}
		CHECK(!late1, "round %u: vCPU 1 slept in SCHEDOP_poll through vCPU 0's send "
		      "(its 1 s poll ran out)", late1 - 1);
	}
	printf("%u round trips between vCPUs 0 and 1, each waiting in SCHEDOP_poll\n", ROUNDS);
	CHECK(vcpu_op(VCPUOP_down, 1, NULL) == 0, "down of vCPU 1 failed");
	return TEST_PASS;
}
