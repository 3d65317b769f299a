// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-grant-maptrack-race (XSA-218, XSA-228, XSA-236): one mapper's
 * maptrack and one grant's pin count used from two vCPUs at once. Xen's
 * history: two unmaps of one handle both took the pin down (a double
 * put of the frame), the maptrack free list was pushed and popped from
 * two CPUs without one lock, and a pin count changed while another CPU
 * took the page reference for it. dom0 grants itself page P (ref 9) and,
 * ROUNDS times each, with vCPU 1 pinned to the second CPU:
 *   1. same handle: vCPU 0 maps P at X; both vCPUs unmap (X, handle) at
 *      the same moment: exactly one GNTST_okay, the other refused
 *      (GNTST_bad_handle, or GNTST_general_error when it found X already
 *      cleared: both are Xen's answers);
 *   2. two maps: each vCPU maps P at its own address at the same moment,
 *      read-only on vCPU 1: both GNTST_okay, different handles, each
 *      reads P through its mapping, then each unmaps its own (okay);
 *   3. map against unmap: vCPU 0 maps at X1 while vCPU 1 unmaps the
 *      mapping at X0 made before the round (so vCPU 0 may be given the
 *      handle vCPU 1 just freed): both okay, and X1 reads P.
 * After every round no mapping of P is left: the entry's GTF_reading and
 * GTF_writing are clear (the granter could end its access), and Lamina's
 * exit audit (every reference back) is clean.
 * Then dom0 builds an unprivileged domU of two vCPUs (pinned to CPUs 0 and
 * 1 by dom0) that runs the same rounds on its own grant table, granting P
 * to itself (its id from EVTCHNOP_status), and reports its verdict; dom0
 * destroys it, and Lamina audits its frames. That domU was created with
 * grant version 1 only (createdomain grant_opts 1): first it checks that
 * set_version 2 is -ENOSYS, Xen 4.17's answer (Lamina switched it to v2
 * before: it looked only at the host's gnttab_max_version).
 * @hvargs: dom0_max_vcpus=2
 * @initrd: self
 * @expect-log: mm audit d0: ok
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/gnt_self.h"
#include "lib/peer_smp.h"

#define STACK_SIZE	8192
#define ROUNDS		300
#define REF		9
#define TAG_P		0x5050505050505050ULL

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static struct grant_entry_v1 *table;
static uint64_t x0, x1;
static volatile unsigned int ready;		/* vCPU 0's set-up of round t done: t + 1 */
static volatile unsigned int armed;		/* vCPU 1 has seen it: t + 1 */
static volatile grant_handle_t shared_h;	/* the handle both unmap (kind 1, 3) */
static volatile long st[2];			/* each vCPU's status in the round */
static volatile grant_handle_t got[2];		/* each vCPU's new handle (kind 2) */
static volatile uint64_t read1;		/* what vCPU 1 read through its mapping */
static volatile unsigned int go, done1;	/* round t + 1 opened, and vCPU 1's part of it done */
static volatile bool started;
static bool one_cpu;			/* the vCPUs take turns: wait by yielding */

enum { SAME_HANDLE, TWO_MAPS, MAP_VS_UNMAP, NR_KINDS };
static const char *const kind_name[NR_KINDS] = {
	"one handle unmapped twice", "two maps at once", "a map against an unmap"
};

static void wait_for(volatile unsigned int *flag, unsigned int t)
{
	while (*flag != t + 1) {
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		asm volatile("pause");
	}
}

/* Round t of kind t % NR_KINDS: vCPU 0 sets up, then both act at once. */
static void race(unsigned int me, unsigned int t)
{
	unsigned int kind = t % NR_KINDS;
	grant_handle_t h = 0;

	if (me == 0) {
		if (kind != TWO_MAPS) {
			st[0] = gnt_map(REF, x0, GNTMAP_host_map, &h);
			shared_h = h;
		}
		ready = t + 1;
		wait_for(&armed, t);	/* both start together: the one to see the other last */
	} else {
		wait_for(&ready, t);
		armed = t + 1;
	}
	switch (kind) {
	case SAME_HANDLE:
		st[me] = gnt_unmap(x0, 0, shared_h);
		break;
	case TWO_MAPS:
		st[me] = gnt_map(REF, me ? x1 : x0,
				 GNTMAP_host_map | (me ? GNTMAP_readonly : 0), &h);
		got[me] = h;
		if (me && st[me] == GNTST_okay)
			read1 = *(volatile uint64_t *)x1;
		break;
	case MAP_VS_UNMAP:
		if (me) {
			st[1] = gnt_unmap(x0, 0, shared_h);
		} else {
			st[0] = gnt_map(REF, x1, GNTMAP_host_map, &h);
			got[0] = h;
		}
		break;
	}
}

static void vcpu1(unsigned long id)
{
	unsigned int seen = 0;

	(void)id;
	started = true;
	while (seen < ROUNDS * NR_KINDS) {
		while (go == seen) {
			if (one_cpu)
				HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			asm volatile("pause");
		}
		seen = go;
		race(1, seen - 1);
		done1 = seen;
	}
	for (;;)	/* off the CPU: the peer's vCPU 1 comes next */
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

static unsigned long loser[2];		/* kind 1: refusals on vCPU 0 and on vCPU 1 */

static char why[VERDICT_LEN];

static const char *check_round(unsigned int t)
{
	unsigned int kind = t % NR_KINDS;
	long a = st[0], b = st[1];

	switch (kind) {
	case SAME_HANDLE:
		BODY_CHECK((a == GNTST_okay) != (b == GNTST_okay),
			   "round %u, %s: statuses %ld and %ld, not one okay", t, kind_name[kind], a, b);
		BODY_CHECK((a == GNTST_okay || a == GNTST_bad_handle || a == GNTST_general_error) &&
			   (b == GNTST_okay || b == GNTST_bad_handle || b == GNTST_general_error),
			   "round %u, %s: statuses %ld and %ld", t, kind_name[kind], a, b);
		loser[a == GNTST_okay]++;
		break;
	case TWO_MAPS:
		BODY_CHECK(a == GNTST_okay && b == GNTST_okay && got[0] != got[1],
			   "round %u, %s: %ld (handle %u) and %ld (handle %u)", t, kind_name[kind],
			   a, got[0], b, got[1]);
		BODY_CHECK(*(volatile uint64_t *)x0 == TAG_P && read1 == TAG_P,
			   "round %u, %s: read %#llx and %#llx", t, kind_name[kind],
			   (unsigned long long)*(volatile uint64_t *)x0, (unsigned long long)read1);
		BODY_CHECK(gnt_unmap(x0, 0, got[0]) == GNTST_okay &&
			   gnt_unmap(x1, 0, got[1]) == GNTST_okay, "round %u, %s: unmapping failed", t, kind_name[kind]);
		break;
	case MAP_VS_UNMAP:
		BODY_CHECK(a == GNTST_okay && b == GNTST_okay, "round %u, %s: map %ld, unmap %ld", t,
			   kind_name[kind], a, b);
		BODY_CHECK(*(volatile uint64_t *)x1 == TAG_P, "round %u, %s: X1 reads %#llx", t,
			   kind_name[kind], (unsigned long long)*(volatile uint64_t *)x1);
		BODY_CHECK(gnt_unmap(x1, 0, got[0]) == GNTST_okay, "round %u, %s: unmapping X1 failed",
			   t, kind_name[kind]);
		break;
	}
	BODY_CHECK(!(table[REF].flags & (GTF_reading | GTF_writing)),
		   "round %u, %s: the entry still in use after the round (flags %#x)", t,
		   kind_name[kind], table[REF].flags);
	return NULL;
}

static const char *body(struct start_info *si, bool one)
{
	uint64_t p;
	unsigned long done[NR_KINDS] = { 0 };
	const char *failed;
	unsigned int t;
	long rc;

	rc = gnt_self_dom_init(si);
	BODY_CHECK(rc == 0, "finding our own domain id gave %ld", rc);
	if (!(si->flags & SIF_INITDOMAIN)) {
		rc = gnttab(GNTTABOP_set_version, &(struct gnttab_set_version){ 2 }, 1);
		BODY_CHECK(rc == -ENOSYS, "set_version 2 in a domain made for version 1 gave %ld",
			   rc);
	}
	p = scratch_page();
	x0 = scratch_page();
	x1 = scratch_page();
	table = gnt_self_table();
	BODY_CHECK(table, "setting up and mapping our grant table failed");
	*(uint64_t *)p = TAG_P;
	gnt_self_grant(table, REF, p, false);
	BODY_CHECK(update_va_mapping(x0, 0, UVMF_INVLPG) == 0 &&
		   update_va_mapping(x1, 0, UVMF_INVLPG) == 0, "cannot clear X0 and X1");

	one_cpu = one;
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu);
	BODY_CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (t = 0; t < ROUNDS * NR_KINDS; t++) {
		go = t + 1;
		race(0, t);
		while (done1 != t + 1)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		failed = check_round(t);
		if (failed)
			return failed;
		done[t % NR_KINDS]++;
	}
	for (t = 0; t < NR_KINDS; t++)
		printf("attack-grant-maptrack-race: d%u: %s: %lu rounds\n", gnt_self_dom,
		       kind_name[t], done[t]);
	printf("attack-grant-maptrack-race: d%u: the refused unmap was vCPU 0's %lu times, "
	       "vCPU 1's %lu\n", gnt_self_dom, loser[0], loser[1]);
	return NULL;
}

int test_main(struct start_info *si)
{
	return verdict_test_smp(si, body);
}
