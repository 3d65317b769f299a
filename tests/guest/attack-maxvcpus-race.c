// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-maxvcpus-race: DOMCTL_max_vcpus of one new domain from two of
 * dom0's vCPUs at once. The call makes every vCPU the domain may have
 * that is not made yet; Xen 4.17 runs it under its domctl lock, so the
 * second call finds them made and both answer 0. Lamina made them with
 * no lock: both calls could find a slot empty and both make its vCPU
 * (the debug build's assertion in vcpu_create; the release build a vCPU
 * lost from the domain's list with its frames and timers). Found by
 * reading.
 *   NR_DOMS domains are made first, each with MAXV vCPUs allowed; in
 *   round t vCPUs 0 and 1 both call max_vcpus on domain t, one of them
 *   (vCPU t % 2) (t / 2) * STEP pauses later, so the calls cross at
 *   some delay either way. Both must
 *   answer 0, each of the domain's MAXV vCPUs must be there, down
 *   (getvcpuinfo), and once every domain is destroyed the host's free
 *   pages must be what they were before the first was made (a vCPU made
 *   twice leaves one copy's frames behind, out of the domain's list;
 *   before the fix 514 and 682 pages stayed lost in two runs at --smp 2;
 *   on Xen the count is printed, not checked: see below).
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/smp.h"
#include "lib/domctl.h"
#include "lib/physinfo.h"

#define NR_DOMS		64
#define MAXV		8
#define STEP		25	/* pauses: one vCPU starts (t / 2) * STEP later */
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static domid_t dom[NR_DOMS];
static volatile long rc_of[2][NR_DOMS];
static struct domctl ops[2];

static void race(unsigned int me, unsigned int t)
{
	unsigned int i;

	for (i = 0; me == t % 2 && i < t / 2 * STEP; i++)
		asm volatile("pause");
	memset(&ops[me], 0, sizeof(ops[me]));
	ops[me].u.max_vcpus.max = MAXV;
	rc_of[me][t] = domctl_call(&ops[me], DOMCTL_max_vcpus, dom[t]);
}

static struct smp_rounds rounds = { race, 0, NR_DOMS, false, 0, 0, false };

static long create(domid_t *id, unsigned int t)
{
	struct domctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.createdomain.max_vcpus = MAXV;
	op.u.createdomain.max_evtchn_port = 1023;
	op.u.createdomain.max_grant_frames = -1;
	op.u.createdomain.max_maptrack_frames = -1;
	op.u.createdomain.grant_opts = 1;
	op.u.createdomain.handle[0] = (uint8_t)(t + 1);
	rc = domctl_call(&op, DOMCTL_createdomain, 0);
	*id = op.domain;
	return rc;
}

int test_main(struct start_info *si)
{
	struct sysctl pi;
	struct domctl op;
	unsigned int t, v;
	uint64_t before, after;
	long rc;

	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	before = settled_free_pages();
	for (t = 0; t < NR_DOMS; t++) {
		rc = create(&dom[t], t);
		CHECK(rc == 0, "createdomain %u gave %ld", t, rc);
	}
	rc = smp_rounds_run(si, &rounds, stack1, sizeof(stack1), pi.u.physinfo.nr_cpus < 2);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (t = 0; t < NR_DOMS; t++) {
		CHECK(rc_of[0][t] == 0 && rc_of[1][t] == 0,
		      "d%u: max_vcpus from two vCPUs gave %ld and %ld", dom[t], rc_of[0][t],
		      rc_of[1][t]);
		for (v = 0; v < MAXV; v++) {
			memset(&op, 0, sizeof(op));
			op.u.getvcpuinfo.vcpu = v;
			rc = domctl_call(&op, DOMCTL_getvcpuinfo, dom[t]);
			CHECK(rc == 0 && !op.u.getvcpuinfo.online,
			      "d%u vCPU %u: getvcpuinfo gave %ld, online %u", dom[t], v, rc,
			      op.u.getvcpuinfo.online);
		}
		memset(&op, 0, sizeof(op));
		op.u.getvcpuinfo.vcpu = MAXV;
		rc = domctl_call(&op, DOMCTL_getvcpuinfo, dom[t]);
		CHECK(rc == -EINVAL, "d%u vCPU %u (past max): getvcpuinfo gave %ld", dom[t], MAXV, rc);
	}
	for (t = 0; t < NR_DOMS; t++) {
		rc = domctl_destroy(dom[t]);
		CHECK(rc == 0, "destroying d%u gave %ld", dom[t], rc);
	}
	after = free_pages_back(before);
	/*
	 * Lamina gives back every frame a domain took. On Xen 4.17 the count
	 * did not come back within 10 s (235 pages short of 120405 at --smp 2;
	 * not looked into: its allocators' pools are one candidate), so there
	 * it is only printed.
	 */
	printf("free pages %lu before the domains, %lu after their end\n", (unsigned long)before,
	       (unsigned long)after);
	CHECK(after == before || !on_lamina(), "free pages not back: a vCPU made twice?");
	printf("attack-maxvcpus-race: %u domains, max_vcpus %u from two vCPUs at once: all 0, "
	       "every vCPU made once\n", NR_DOMS, MAXV);
	return TEST_PASS;
}
