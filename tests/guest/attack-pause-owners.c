// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-pause-owners: a vCPU's pause has several owners, and none may
 * undo another's. dom0's vCPU 0 is the controller: ROUNDS times
 * (ROUNDS_ONE_CPU on one CPU, where the race cannot happen and the
 * spinning peer takes a slice between rounds; fewer if BUDGET_NS of
 * guest time runs out first, as on Xen 4.17) it pauses the peer
 * (pausedomain), reads a counter the peer increments in
 * a page it grants dom0, yields WINDOW times (the peer would run then,
 * were it runnable), reads the counter again and unpauses. Meanwhile
 * dom0's vCPU 1 (on the other CPU at --smp 2) holds and releases the
 * peer's vCPU without end: getvcpucontext and setvcpucontext of the
 * context it just read (Xen 4.17 pauses the vCPU, or the domain, around
 * each). The counter must not move while the controller holds the peer
 * paused; every call answers 0; at the end the peer is not paused and
 * stops when asked.
 *   Before the fix, one flag stood for every owner: a context hold that
 *   began before the controller's pause found the vCPU running and, on
 *   release, unpaused it: the peer ran inside the controller's pause.
 * The peer spins in `incq (%rdi)` with events masked, so a context set
 * back to an older one only moves its registers inside that loop.
 * @hvargs: dom0_max_vcpus=2
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/smp.h"
#include "lib/wait.h"
#include "lib/domctl.h"
#include "lib/physinfo.h"
#include "lib/peer_verdict.h"
#include <lamina/grant_table.h>

#define ROUNDS		10000	/* controller pause/unpause pairs, with two CPUs or more */
#define ROUNDS_ONE_CPU	200	/* with one: the hold and the pause never interleave */
#define WINDOW		20	/* yields inside each pause */
#define BUDGET_NS	20000000000ULL	/* rounds stop after 20 s of guest time (Xen: slower rounds) */
#define COUNTER_REF	5
#define STACK_SIZE	8192

/* The peer's page, granted to dom0 (writable: dom0 asks it to stop). */
struct shared {
	volatile uint64_t count;
	volatile uint32_t stop;
};

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static domid_t peer_dom;
static volatile bool started1, stop1, stopped1;
static volatile unsigned long holds;	/* vCPU 1's get+set pairs */
static volatile long bad_ctx_rc;
static struct vcpu_guest_context ctx1;

static void yield(void)
{
	hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
}

static int peer(void)
{
	uint64_t frame = 0, t0 = scratch_page();
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)&frame };
	struct shared *sh = (struct shared *)scratch_page();
	struct grant_entry_v1 *table = (struct grant_entry_v1 *)t0;

	if (hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &st, 1) || st.status ||
	    update_va_mapping(t0, (frame << 12) | PTE_DATA, UVMF_INVLPG)) {
		printf("peer: no grant table\n");
		shutdown(SHUTDOWN_crash);
	}
	table[COUNTER_REF].domid = 0;
	table[COUNTER_REF].frame = (uint32_t)va_to_mfn((uint64_t)sh);
	__atomic_store_n(&table[COUNTER_REF].flags, GTF_permit_access, __ATOMIC_RELEASE);
	printf("peer: counting in granted ref %u\n", COUNTER_REF);
	/* No upcall may take it out of the loop (a rewound context stays in it). */
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	asm volatile("1: incq (%0)\n\t"
		     "cmpl $0, 8(%0)\n\t"
		     "je 1b"
		     :: "r"(sh) : "memory", "cc");
	printf("peer: stopped at %lu\n", (unsigned long)sh->count);
	shutdown(SHUTDOWN_poweroff);
	return 0;
}

static long vcpu0_ctx(uint32_t cmd, struct vcpu_guest_context *c)
{
	return domctl_vcpu0_context(cmd, peer_dom, c);
}

/* dom0's vCPU 1: the peer's vCPU held and released, get then set, until told. */
static void vcpu1(unsigned long id)
{
	long rc;

	(void)id;
	started1 = true;
	while (!stop1) {
		rc = vcpu0_ctx(DOMCTL_getvcpucontext, &ctx1);
		if (!rc)
			rc = vcpu0_ctx(DOMCTL_setvcpucontext, &ctx1);
		if (rc && !bad_ctx_rc)
			bad_ctx_rc = rc;
		holds++;
	}
	stopped1 = true;
	for (;;)
		yield();
}

static long pause_op(uint32_t cmd)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	return domctl_call(&op, cmd, peer_dom);
}

/* dom0 maps the peer's counter page at va (retrying until it is granted). */
static int16_t map_counter(uint64_t va)
{
	struct gnttab_map_grant_ref op;
	unsigned int tries = 0;

	do {
		op = (struct gnttab_map_grant_ref){ va, GNTMAP_host_map, COUNTER_REF, peer_dom,
						    99, ~0U, 0 };
		if (hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, &op, 1))
			return -100;
		if (op.status == GNTST_okay)	/* Xen leaves the old translation in the TLB */
			return (int16_t)mmuext1(MMUEXT_INVLPG_LOCAL, va);
		yield();
	} while (peer_wait_more(&tries, 100000));
	return op.status;
}

static int dom0_side(struct start_info *si)
{
	uint64_t va = scratch_page(), before, after, start, until;
	struct shared *sh = (struct shared *)va;
	unsigned int round, rounds, moved = 0, first_moved = 0, i;
	struct sysctl pi;
	struct domctl op;
	long rc;

	if (vcpu_op(VCPUOP_is_up, 1, NULL) == -ENOENT)
		return skip("one vCPU only (dom0_max_vcpus=2 not honoured)");
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	rc = peer_start(si, "role=peer", 16);
	CHECK(rc > 0, "the peer domain could not be started (%ld)", rc);
	peer_dom = (domid_t)rc;
	CHECK((rc = map_counter(va)) == 0, "mapping the peer's counter: %ld", rc);
	CHECK(WAIT_UNTIL(sh->count), "the peer never counted");
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started1,
			      pi.u.physinfo.nr_cpus < 2);
	CHECK(rc == 0, "starting and pinning vCPU 1: %ld", rc);
	rounds = pi.u.physinfo.nr_cpus < 2 ? ROUNDS_ONE_CPU : ROUNDS;
	start = sh->count;
	until = pvclock_ns() + BUDGET_NS;
	for (round = 0; round < rounds && pvclock_ns() < until; round++) {
		rc = pause_op(DOMCTL_pausedomain);
		CHECK(rc == 0, "round %u: pausedomain gave %ld", round, rc);
		before = sh->count;
		for (i = 0; i < WINDOW; i++)
			yield();
		after = sh->count;
		rc = pause_op(DOMCTL_unpausedomain);
		CHECK(rc == 0, "round %u: unpausedomain gave %ld", round, rc);
		if (after != before && !moved++)
			first_moved = round;
	}
	stop1 = true;
	while (!stopped1)
		yield();
	CHECK(vcpu_op(VCPUOP_down, 1, NULL) == 0, "down of vCPU 1 failed");
	printf("%u pauses, %lu context holds beside them, the peer counted %lu; "
	       "the counter moved inside %u pauses\n", round, (unsigned long)holds,
	       (unsigned long)(sh->count - start), moved);
	CHECK(!bad_ctx_rc, "a getvcpucontext/setvcpucontext of the peer gave %ld", bad_ctx_rc);
	CHECK(holds, "vCPU 1 never held the peer");
	CHECK(!moved, "the peer ran while the controller held it paused (%u rounds, first %u)",
	      moved, first_moved);
	memset(&op, 0, sizeof(op));
	rc = domctl_call(&op, DOMCTL_getdomaininfo, peer_dom);
	CHECK(rc == 0 && op.domain == peer_dom, "getdomaininfo of the peer: %ld", rc);
	CHECK(!(op.u.getdomaininfo.flags & DOMINF_paused), "the peer is still paused (flags %#x)",
	      op.u.getdomaininfo.flags);
	before = sh->count;
	CHECK(WAIT_UNTIL(sh->count != before), "the peer does not run after the last unpause");
	sh->stop = 1;
	rc = peer_wait_shutdown(peer_dom, &op);
	CHECK(rc || op.domain != peer_dom || (op.u.getdomaininfo.flags & DOMINF_shutdown),
	      "the peer did not stop when asked");
	peer_console_flush();
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	return peer_or_dom0(si, peer, dom0_side);
}
