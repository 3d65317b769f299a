// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-audit-race: a domain shutting down while another domain's
 * record goes. Lamina audits a domain's frames when it shuts down (the
 * references every domain's state holds, against the frame table), and
 * a domain shuts down whenever its guest asks (SCHEDOP_shutdown) or dom0
 * does (SCHEDOP_remote_shutdown); meanwhile the toolstack on another CPU
 * may be ending other domains, whose records the hypervisor frees once
 * nothing holds them.
 *   vCPU 0, ROUNDS times: makes a domain and shuts it down (remote
 *   shutdown, poweroff: the audit runs on this CPU), destroys it, and
 *   lists the domains (sysctl getdomaininfolist reads each record);
 *   vCPU 1 (pinned to the second CPU) meanwhile makes and destroys
 *   domains, as fast as it can, so that records go all the time.
 * The hypervisor must live through it, the domains must all go, and
 * free memory must be back where it was. Before the fix the audit (and
 * getdomaininfo, getdomaininfolist, a domU's getdomaininfo too) looked at
 * the domains of the list by index with no reference and no lock: a
 * record freed meanwhile was read (its vCPUs followed), and by the audit
 * locked (its page-table lock, its grant lock) after it went back to the
 * frame pool. A stress: no run hit that window before the fix.
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/smp.h"
#include "lib/physinfo.h"
#include "lib/domctl.h"

#define STACK_SIZE	8192
#define ROUNDS		100

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile bool started, stop, stopped;
static volatile unsigned long cycles1;
static volatile long fail1;
static bool one_cpu;

static void vcpu1(unsigned long id)
{
	(void)id;
	started = true;
	while (!stop) {
		domid_t dom;
		long rc = domctl_create(&dom, "lamina-auditrc1");

		if (!rc)
			rc = domctl_destroy(dom);
		if (rc && !fail1)
			fail1 = rc;
		cycles1++;
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	stopped = true;
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/* getdomaininfolist of every domain (records read as they go): how many, dom0 first. */
static long list_domains(void)
{
	static struct domctl_getdomaininfo list[16];
	struct sysctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.cmd = SYSCTL_getdomaininfolist;
	op.interface_version = SYSCTL_INTERFACE_VERSION;
	op.u.getdomaininfolist.max_domains = ARRAY_SIZE(list);
	op.u.getdomaininfolist.buffer = (uint64_t)list;
	rc = hypercall1(__HYPERVISOR_sysctl, &op);
	if (rc)
		return rc;
	return list[0].domain == 0 ? (long)op.u.getdomaininfolist.num_domains : -ESRCH;
}

int test_main(struct start_info *si)
{
	unsigned int round;
	uint64_t before, after;
	struct sysctl pi;

	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	one_cpu = pi.u.physinfo.nr_cpus < 2;
	before = settled_free_pages();
	CHECK(smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu) == 0,
	      "starting and pinning vCPU 1 failed");
	for (round = 0; round < ROUNDS; round++) {
		struct sched_remote_shutdown rs = { 0, 0, SHUTDOWN_poweroff };
		domid_t dom;
		long rc;

		rc = domctl_create(&dom, "lamina-auditrc0");
		CHECK(rc == 0, "round %u: createdomain gave %ld", round, rc);
		rs.domain_id = dom;
		rc = HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs);
		CHECK(rc == 0, "round %u: remote_shutdown of d%u gave %ld", round, dom, rc);
		rc = domctl_destroy(dom);
		CHECK(rc == 0, "round %u: destroying d%u gave %ld", round, dom, rc);
		rc = list_domains();
		CHECK(rc >= 1, "round %u: getdomaininfolist gave %ld", round, rc);
	}
	stop = true;
	while (!stopped)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	CHECK(!fail1, "vCPU 1's create or destroy gave %ld", fail1);
	after = free_pages_back(before);
	CHECK(after == before, "free pages %lu before, %lu after", (unsigned long)before,
	      (unsigned long)after);
	printf("attack-audit-race: %u shutdowns against %lu domains made and destroyed\n",
	       ROUNDS, cycles1);
	return TEST_PASS;
}
