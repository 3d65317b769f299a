// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-grant-version-race (XSA-501): the grant table's version changed
 * on one vCPU while the other maps, copies and unmaps through it. Xen's
 * history: operations that let the table's lock go and took it again
 * kept pointers into v2 status frames that a v2 -> v1 change had freed,
 * and references checked against the v1 table's larger count of entries.
 * dom0 grants itself page P as ref 9 in both layouts at once (the v1
 * entry at bytes 72-79, the v2 entry at bytes 144-159), then, with
 * vCPU 1 pinned to the second CPU:
 *   vCPU 0, ROUNDS times: set_version 2, then 1 (each 0, or -EBUSY while
 *     vCPU 1 holds ref 9: Lamina and Xen refuse a change then), granting
 *     ref 9 again after each change (a change clears entries past the
 *     reserved 8 on both hypervisors);
 *   vCPU 1, meanwhile: maps ref 9 writable at X, reads P's tag through
 *     it, copies P's first bytes out by reference, unmaps; each map and
 *     copy GNTST_okay, or a refusal (the entry read in the other layout:
 *     GNTST_general_error or GNTST_bad_gntref); an unmap of a mapping
 *     made is always GNTST_okay.
 * The hypervisor must live through it; at the end the table is v1 again,
 * ref 9 not in use, and Lamina's exit audit clean.
 * Then dom0 builds an unprivileged domU of two vCPUs (pinned to CPUs 0 and
 * 1 by dom0) that runs the same on its own table, granting P to itself
 * (its id from EVTCHNOP_status), created with grant version 2 allowed
 * (createdomain grant_opts 2); its verdict page is the reserved ref 3,
 * which both hypervisors carry across a version change. dom0 destroys it,
 * and Lamina audits its frames.
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
#define ROUNDS		1000
#define REF		9
#define TAG_P		0x5050505050505050ULL

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile bool started, stop, stopped;
static volatile long bad1;		/* vCPU 1's first wrong answer: status * 16 + what */
static volatile unsigned long maps1, copies1, tries1;
static uint64_t x, p, buf;
static bool one_cpu;
static struct grant_entry_v1 *t1;
static union grant_entry_v2 *t2;

/* Ref 9 grants P in both layouts (a version change clears what it does not keep). */
static void grant_both(void)
{
	t2[REF].full_page.frame = va_to_mfn(p);
	t2[REF].hdr.domid = gnt_self_dom;
	__atomic_store_n(&t2[REF].hdr.flags, GTF_permit_access, __ATOMIC_RELEASE);
	gnt_self_grant(t1, REF, p, false);
}

static long set_version(uint32_t v)
{
	struct gnttab_set_version sv = { v };

	return gnttab(GNTTABOP_set_version, &sv, 1);
}

static bool refusal(long st)
{
	return st == GNTST_general_error || st == GNTST_bad_gntref;
}

static void note_bad(long st, unsigned int what)
{
	if (!bad1)
		bad1 = st * 16 - (long)what;
}

static void vcpu1(unsigned long id)
{
	(void)id;
	started = true;
	while (!stop) {
		struct gnttab_copy c = { { { REF }, gnt_self_dom, 0, 0 },
					 { { va_to_mfn(buf) }, DOMID_SELF, 0, 0 },
					 8, GNTCOPY_source_gref, 99, 0 };
		grant_handle_t h = 0;
		long st = gnt_map(REF, x, GNTMAP_host_map, &h);

		tries1++;
		if (st == GNTST_okay) {
			maps1++;
			if (*(volatile uint64_t *)x != TAG_P)
				note_bad(-99, 1);
			if ((st = gnt_unmap(x, 0, h)) != GNTST_okay)
				note_bad(st, 2);
		} else if (!refusal(st)) {
			note_bad(st, 3);
		}
		if (gnttab(GNTTABOP_copy, &c, 1))
			note_bad(-100, 4);
		else if (c.status == GNTST_okay)
			copies1++;
		else if (!refusal(c.status))
			note_bad(c.status, 5);
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	stopped = true;
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

static char why[VERDICT_LEN];

static const char *body(struct start_info *si, bool one)
{
	unsigned long busy = 0, changed = 0;
	unsigned int round;
	long rc;

	rc = gnt_self_dom_init(si);
	BODY_CHECK(rc == 0, "finding our own domain id gave %ld", rc);
	one_cpu = one;
	p = scratch_page();
	x = scratch_page();
	buf = scratch_page();
	*(uint64_t *)p = TAG_P;
	t1 = gnt_self_table();
	BODY_CHECK(t1, "setting up and mapping our grant table failed");
	t2 = (union grant_entry_v2 *)t1;
	grant_both();
	BODY_CHECK(update_va_mapping(x, 0, UVMF_INVLPG) == 0, "cannot clear X");
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu);
	BODY_CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (round = 0; round < ROUNDS * 2; round++) {
		rc = set_version(round % 2 ? 1 : 2);
		BODY_CHECK(rc == 0 || rc == -EBUSY, "round %u: set_version %u gave %ld", round / 2,
			   round % 2 ? 1 : 2, rc);
		if (rc) {
			busy++;
		} else {
			changed++;
			grant_both();
		}
		if (one_cpu) {
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		} else {
			/* Room for vCPU 1: back to back, the changes left it a round in 50. */
			unsigned long seen = tries1;

			while (tries1 == seen)
				asm volatile("pause");
		}
	}
	stop = true;
	while (!stopped)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	BODY_CHECK(!bad1, "vCPU 1: answer %ld to call %ld", bad1 / 16, -(bad1 % 16));
	BODY_CHECK((rc = set_version(1)) == 0, "back to v1 at the end gave %ld", rc);
	BODY_CHECK(!(t1[REF].flags & (GTF_reading | GTF_writing)),
		   "ref 9 not idle at the end: flags %#x", t1[REF].flags);
	printf("attack-grant-version-race: d%u: %lu version changes, %lu refused as busy; vCPU 1: "
	       "%lu rounds, %lu maps and %lu copies through\n", gnt_self_dom, changed, busy, tries1,
	       maps1, copies1);
	return NULL;
}

int test_main(struct start_info *si)
{
	peer_grant_version = 2;
	return verdict_test_smp(si, body);
}
