// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-claim-race: XENMEM_claim_pages for one domain from two of dom0's
 * vCPUs at once (session 34 review). Xen 4.17 stakes a claim under its
 * heap lock: one claim per domain (a second is -EINVAL while the first
 * stands), the sum of every domain's claims kept as one count that
 * physinfo reports (outstanding_pages) and a cancel (0) takes the
 * domain's claim off again. Without the lock both claims could see none
 * standing and both add to the sum; the cancel then took one off, and
 * the other stayed in the sum for ever (later claims refused as if the
 * memory were taken).
 *   dom0 makes a domain with 4 MiB allowed. ROUNDS times vCPUs 0 and 1
 *   (pinned to CPUs 0 and 1 at --smp 2) claim 256 pages for it at once;
 *   one must answer 0 and the other -EINVAL; then vCPU 0 cancels and
 *   physinfo's outstanding_pages must be back where it was.
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/domctl.h"
#include "lib/physinfo.h"
#include <lamina/memory.h>

#define ROUNDS		1000
#define CLAIM		256
#define STACK_SIZE	16384

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile bool started;
static volatile unsigned int go, done1;
static volatile long rc1;
static domid_t dom;

static long claim(uint64_t pages)
{
	struct xen_memory_reservation r;

	memset(&r, 0, sizeof(r));
	r.nr_extents = pages;
	r.domid = dom;
	return hypercall2(__HYPERVISOR_memory_op, XENMEM_claim_pages, &r);
}

static uint64_t outstanding(void)
{
	struct sysctl pi;

	return physinfo(&pi) ? ~0ULL : pi.u.physinfo.outstanding_pages;
}

static void vcpu1(unsigned long arg)
{
	unsigned int seen = 0;

	(void)arg;
	started = true;
	for (;;) {
		unsigned int g = go;

		if (g == seen) {
			asm volatile("pause");
			continue;
		}
		seen = g;
		if (g == ~0U)
			break;
		rc1 = claim(CLAIM);
		done1 = g;
	}
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

int test_main(struct start_info *si)
{
	static const char handle[16] = "claim-race";
	unsigned int t, both = 0;
	struct sysctl pi;
	struct domctl op;
	uint64_t base;
	long rc, rc0;

	mm_init(si);
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started,
			      pi.u.physinfo.nr_cpus < 2);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	CHECK(domctl_create(&dom, handle) == 0, "createdomain failed");
	memset(&op, 0, sizeof(op));
	op.u.max_mem.max_memkb = 4096;
	CHECK(domctl_call(&op, DOMCTL_max_mem, dom) == 0, "max_mem failed");
	base = outstanding();
	CHECK(base != ~0ULL, "physinfo failed");
	for (t = 1; t <= ROUNDS; t++) {
		go = t;
		rc0 = claim(CLAIM);
		while (done1 != t)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		if (!rc0 && !rc1)
			both++;
		else
			CHECK((!rc0 && rc1 == -EINVAL) || (rc0 == -EINVAL && !rc1),
			      "round %u: claims answered %ld and %ld", t, rc0, (long)rc1);
		CHECK(claim(0) == 0, "round %u: the cancel failed", t);
		CHECK(outstanding() == base, "round %u: outstanding_pages %llu after the cancel, "
		      "was %llu (both claims answered 0 in %u rounds)", t,
		      (unsigned long long)outstanding(), (unsigned long long)base, both);
	}
	go = ~0U;
	CHECK(!both, "both claims answered 0 in %u rounds", both);
	CHECK(domctl_destroy(dom) == 0, "destroydomain failed");
	printf("attack-claim-race: %u rounds of two claims at once, outstanding_pages back to "
	       "%llu each time\n", ROUNDS, (unsigned long long)base);
	return TEST_PASS;
}
