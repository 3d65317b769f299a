// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-vcpu-info-race: VCPUOP_register_vcpu_info of one vCPU from two
 * vCPUs at once. A vCPU's vcpu_info is placed once: the call takes a
 * writable reference on the frame and later ones are -EINVAL (Xen 4.17
 * checks and sets under the domain's lock). If both calls pass the
 * check, both take a reference and one placement is overwritten: that
 * frame is held for ever (the domain's record with it, once it dies).
 *   vCPUs 0 and 1 wait on a shared flag, then both register vCPU t's
 *   vcpu_info (t down, never brought up; vCPU 0 in page A, vCPU 1 in page
 *   B, 64 bytes each at t * 64), for t = 2 .. NR_VCPUS - 1. vCPU 0
 *   starts a few pauses after vCPU 1: four sweeps over the targets, of
 *   0 to 15 pauses in steps of 1, 2, 3 and 4, so that the calls cross
 *   (where they do moves from run to run; it prints who won each).
 * Exactly one of the two calls must succeed for each t, the other
 * -EINVAL, and the exit audit must find the references right. Before the
 * fix Lamina checked and set the vCPU's "registered" with no lock: at
 * --smp 2 both calls succeeded for 2, 3, 5 and 8 targets in 4 runs, and
 * the exit audit found the frame references wrong each time.
 * @hvargs: dom0_max_vcpus=64
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/physinfo.h"

#define NR_VCPUS	64
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static uint64_t page_mfn[2];
static volatile long rc_of[2][NR_VCPUS];

static void race(unsigned int me, unsigned int t)
{
	struct vcpu_register_vcpu_info r = { page_mfn[me], t * 64, 0 };
	unsigned int i;

	for (i = 0; me == 0 && i < (t - 2) % 16 * ((t - 2) / 16 + 1); i++)
		asm volatile("pause");
	rc_of[me][t] = vcpu_op(VCPUOP_register_vcpu_info, t, &r);
}

static struct smp_rounds rounds = { race, 2, NR_VCPUS, false, 0, 0, false };

int test_main(struct start_info *si)
{
	char won[NR_VCPUS - 1] = { 0 };	/* per target: who succeeded, 2 for both */
	unsigned int t, both = 0;
	struct sysctl pi;
	long rc;

	mm_init(si);
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	page_mfn[0] = va_to_mfn(scratch_page());
	page_mfn[1] = va_to_mfn(scratch_page());
	rc = smp_rounds_run(si, &rounds, stack1, sizeof(stack1), pi.u.physinfo.nr_cpus < 2);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (t = 2; t < NR_VCPUS; t++) {
		long a = rc_of[0][t], b = rc_of[1][t];

		won[t - 2] = !a && !b ? '2' : !a ? '0' : '1';
		if (!a && !b)
			both++;
		else
			CHECK((!a && b == -EINVAL) || (a == -EINVAL && !b),
			      "vCPU %u: register_vcpu_info gave %ld and %ld", t, a, b);
	}
	printf("attack-vcpu-info-race: %u vCPUs' vcpu_info registered by two calls at once: "
	       "%u both succeeded; the first by vCPU: %s\n", NR_VCPUS - 2, both, won);
	CHECK(!both, "both calls registered the same vCPU's vcpu_info %u times of %u", both,
	      NR_VCPUS - 2);
	return TEST_PASS;
}
