// SPDX-License-Identifier: GPL-2.0-only
/*
 * smp-pause: dom0's two vCPUs each do ROUNDS pausedomain/unpausedomain
 * pairs of one domain at once (docs/security.md: the controller's pause
 * count changed without a lock), on Lamina and on Xen 4.17.
 * The peer spins, yielding, while dom0 races. Checks: every call answers
 * 0 (no pair ever finds the count at 0 or 255: each vCPU pauses before
 * it unpauses); at the end getdomaininfo shows the peer not paused, and
 * the peer runs: it sends its verdict once dom0, the race over, binds
 * the port it offered.
 * @hvargs: dom0_max_vcpus=2
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/smp.h"
#include "lib/wait.h"
#include "lib/domctl.h"
#include <lamina/grant_table.h>

#define ROUNDS		10000	/* pairs per dom0 vCPU */
#define STACK_SIZE	8192

static char why[VERDICT_LEN];
static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static domid_t peer_dom;
static volatile bool done[2];
static volatile long bad_rc[2];

static void yield(void)
{
	hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
}

static int peer(void)
{
	uint64_t frame = 0, t0 = scratch_page();
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)&frame };
	struct verdict v;
	unsigned long i;

	if (hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &st, 1) || st.status ||
	    update_va_mapping(t0, (frame << 12) | PTE_DATA, UVMF_INVLPG)) {
		printf("peer: no grant table\n");
		shutdown(SHUTDOWN_crash);
	}
	for (i = 0; i < 20000; i++)	/* running while dom0 pauses it */
		yield();
	(void)why;
	if (verdict_offer(&v, (struct grant_entry_v1 *)t0, (char *)scratch_page())) {
		printf("peer: no verdict port\n");
		shutdown(SHUTDOWN_crash);
	}
	verdict_send(&v, NULL);
}

static long pause_op(uint32_t cmd)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	return domctl_call(&op, cmd, peer_dom);
}

static void race(unsigned int id)
{
	unsigned int i;
	long rc;

	for (i = 0; i < ROUNDS; i++) {
		rc = pause_op(DOMCTL_pausedomain);
		if (!rc)
			rc = pause_op(DOMCTL_unpausedomain);
		if (rc && !bad_rc[id])
			bad_rc[id] = rc;
	}
	done[id] = true;
}

static void vcpu1(unsigned long id)
{
	race((unsigned int)id);
	for (;;)
		yield();
}

static int dom0_side(struct start_info *si)
{
	struct domctl op;
	int id;
	long rc;

	rc = vcpu_op(VCPUOP_is_up, 1, NULL);
	if (rc == -ENOENT)
		return skip("one vCPU only (dom0_max_vcpus=2 not honoured)");
	id = peer_start(si, "role=peer", 16);
	CHECK(id > 0, "the peer domain could not be started (%d)", id);
	peer_dom = (domid_t)id;
	rc = smp_start_vcpu(si, 1, vcpu1, stack1, sizeof(stack1));
	CHECK(rc == 0, "starting vCPU 1: %ld", rc);
	race(0);
	CHECK(WAIT_UNTIL(done[1]), "vCPU 1 never finished");
	CHECK(vcpu_op(VCPUOP_down, 1, NULL) == 0, "down of vCPU 1 failed");
	CHECK(!bad_rc[0] && !bad_rc[1], "a pause or unpause answered %ld / %ld", bad_rc[0],
	      bad_rc[1]);
	memset(&op, 0, sizeof(op));
	rc = domctl_call(&op, DOMCTL_getdomaininfo, peer_dom);
	CHECK(rc == 0 && op.u.getdomaininfo.domain == peer_dom, "getdomaininfo of the peer: %ld", rc);
	CHECK(!(op.u.getdomaininfo.flags & DOMINF_paused), "the peer is still paused (flags %#x)",
	      op.u.getdomaininfo.flags);
	printf("2 x %u pause/unpause pairs, the peer not paused\n", ROUNDS);
	/* Its verdict port offered (it blocks then), so the bind's event wakes it. */
	WAIT_UNTIL(domain_info_flags(peer_dom) & DOMINF_blocked);
	return verdict_result(peer_dom);
}

int test_main(struct start_info *si)
{
	return peer_or_dom0(si, peer, dom0_side);
}
