// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-ctx-destroy-race: DOMCTL_setvcpucontext from one of dom0's vCPUs
 * while another destroys the domain. Xen 4.17 runs both under its domctl
 * lock; Lamina has none, and its destroy lets the vCPUs go of their base
 * pointers once (arch_domain_destroy_begin), then releases the page
 * tables and frees the frames a step at a time: a first context given
 * after that took references on the domain's L4 (and through it its
 * whole tree) that nothing let go, so the domain's frames stayed held and
 * its record and id never went (found by reading, 4 Dec). Now a context
 * is given under the domain's vcpu_ctx_lock only while the domain is not
 * dying (-EINVAL after), and the destroy takes that lock once before its
 * vCPUs let go.
 *   Each round dom0 builds a peer (PEER_MIB MiB, lib/peer.c), pauses it
 *   and resets its vCPU 0 (no context, down); then vCPU 0 destroys it
 *   while vCPU 1, (t - 1) * STEP_NS after the destroy began, gives vCPU 0
 *   its first context again (down). The destroy must answer 0, the
 *   context 0 (before the domain was dying), -EINVAL (dying) or -ESRCH
 *   (gone), the three answers Xen 4.17 gave; the domain must be gone
 *   within 2 s, and after the last round the host's free pages back where
 *   they were. On Xen 4.17 both are printed, not checked: there a domain
 *   whose context was given as its destroy began was still there 2 s
 *   later (round 1 of a run at --smp 2; not looked into further).
 * @initrd: self
 * @hvargs: dom0_max_vcpus=2
 * @timeout-smp: 300
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/smp.h"
#include "lib/peer.h"
#include "lib/domctl.h"
#include "lib/physinfo.h"

#define ROUNDS		10
#define PEER_MIB	4
#define STEP_NS		100000ULL
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static struct vcpu_guest_context first;
static volatile bool started;
static volatile unsigned int go, done1;
static volatile domid_t target;
static volatile uint64_t set_at;	/* when vCPU 1 gives the context (pvclock ns) */
static volatile long rc1;

static void keep_first(struct vcpu_guest_context *c)
{
	first = *c;
}

static void __attribute__((noreturn)) peer(void)
{
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

static void vcpu1_round(void)
{
	while (pvclock_ns() < set_at)
		asm volatile("pause");
	rc1 = domctl_vcpu0_context(DOMCTL_setvcpucontext, target, &first);
}

static void vcpu1(unsigned long id)
{
	(void)id;
	smp_serve_rounds(&started, &go, &done1, vcpu1_round);
}

/* Whether dom went within 2 s (getdomaininfo finds no domain of that id). */
static bool gone(domid_t dom)
{
	uint64_t end = pvclock_ns() + 2000000000ULL;
	struct domctl op;
	long rc;

	do {
		memset(&op, 0, sizeof(op));
		rc = domctl_call(&op, DOMCTL_getdomaininfo, dom);
		if (rc || op.domain != dom)
			return true;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	} while (pvclock_ns() < end);
	return false;
}

static int round(struct start_info *si, unsigned int t, unsigned int *lingered)
{
	struct domctl op;
	uint64_t start, took;
	int id;
	long rc;

	id = peer_build(si, 4096, "role=peer", PEER_MIB);
	CHECK(id > 0, "round %u: the peer could not be built (%d)", t, id);
	memset(&op, 0, sizeof(op));
	CHECK((rc = domctl_call(&op, DOMCTL_pausedomain, id)) == 0, "pausing d%d: %ld", id, rc);
	peer_unmap_console();
	CHECK((rc = domctl_vcpu0_context(DOMCTL_setvcpucontext, id, NULL)) == 0,
	      "round %u: resetting d%d's vCPU 0 gave %ld", t, id, rc);
	first.flags &= ~VGCF_online;	/* given again, but left down */
	target = (domid_t)id;
	start = pvclock_ns();
	set_at = start + (t - 1) * STEP_NS;
	go = t;
	rc = domctl_destroy((domid_t)id);
	took = pvclock_ns() - start;
	while (done1 != t)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	printf("round %u: destroy of d%d %ld after %lu us, context at %lu us: %ld\n", t, id, rc,
	       (unsigned long)(took / 1000), (unsigned long)((t - 1) * STEP_NS / 1000), rc1);
	CHECK(rc == 0, "round %u: destroying d%d gave %ld", t, id, rc);
	CHECK(rc1 == 0 || rc1 == -ESRCH || rc1 == -EINVAL,
	      "round %u: the context given while d%d was destroyed gave %ld", t, id, rc1);
	if (!gone((domid_t)id)) {
		printf("round %u: d%d still there 2 s after its destroy\n", t, id);
		++*lingered;
	}
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	unsigned int t, lingered = 0;
	struct sysctl pi;
	uint64_t before, after;
	long rc;

	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer();
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	peer_context_hook = keep_first;
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started,
			      pi.u.physinfo.nr_cpus < 2);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	before = settled_free_pages();
	for (t = 1; t <= ROUNDS; t++)
		if (round(si, t, &lingered) != TEST_PASS)
			return TEST_FAIL;
	after = free_pages_back(before);
	printf("free pages %lu before the peers, %lu after their end; %u of %u still there\n",
	       (unsigned long)before, (unsigned long)after, lingered, ROUNDS);
	CHECK((!lingered && after == before) || !on_lamina(),
	      "a destroyed domain's frames still held: a context given while it was destroyed?");
	printf("attack-ctx-destroy-race: %u destroys with a context given at once: every domain "
	       "gone, its memory back\n", ROUNDS);
	return TEST_PASS;
}
