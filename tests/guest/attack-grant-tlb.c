// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-grant-tlb: once a grant unmap has returned, no vCPU of the
 * mapper may reach the granted frame any more, on any CPU: the granter
 * sees the entry idle and may reuse the page at once (Linux frees it),
 * so a translation left in another CPU's TLB would let the grantee read
 * and write whatever the granter puts there next. Xen 4.17 flushes the
 * TLBs of every CPU the mapper ran on before it lets the entry go.
 *
 * dom0 with two vCPUs grants itself page P (ref 9) and, ROUNDS times for
 * each way to unmap, maps it writable at X; vCPU 1 reads P's tag through
 * X (its CPU caches the translation), then waits; vCPU 0 unmaps (by
 * virtual address, by PTE address with GNTMAP_contains_pte, or by
 * unmap_and_replace with no new address), maps page R at X without any
 * flush (UVMF_NONE: nothing of X's can be cached anywhere by then) and
 * lets vCPU 1 read X again. It must read R's tag; P's means its CPU
 * still used the grant mapping after the unmap returned. With one CPU the
 * two vCPUs take turns and the local flush covers both; the hole needs
 * two, with vCPU 1 pinned to the second (setvcpuaffinity: Lamina places
 * both on CPU 0 by default). Before the fix Lamina flushed only the
 * unmapping CPU for an unmap by address and for unmap_and_replace: 200
 * of 200 reads stale each at --smp 2 (by PTE: 0, a flush of every CPU).
 * Then dom0 builds an unprivileged domU of two vCPUs (pinned to CPUs 0 and
 * 1 by dom0) that does the same with a grant to itself (its id from
 * EVTCHNOP_status) and reports its verdict; dom0 destroys it, and Lamina
 * audits its frames.
 * @hvargs: dom0_max_vcpus=2
 * @initrd: self
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/gnt_self.h"
#include "lib/peer_smp.h"

#define STACK_SIZE	8192
#define ROUNDS		200
#define REF		9
#define TAG_P		0x5050505050505050ULL
#define TAG_R		0x5252525252525252ULL

enum { BY_VA, BY_PTE, BY_REPLACE, NR_WAYS };
static const char *const way_name[NR_WAYS] = { "by address", "by PTE", "unmap_and_replace" };

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static struct grant_entry_v1 *table;
static volatile uint64_t *x;			/* the mapping's address */
/* 1: mapped, 2: vCPU 1 read, 3: remapped, 0: read again, 4: the rounds are over */
static volatile unsigned int phase;
static volatile uint64_t seen;			/* vCPU 1's second read */
static volatile bool started;
static bool one_cpu;			/* the two vCPUs take turns: wait by yielding */
static volatile unsigned long yields;	/* vCPU 1's: none with two CPUs */

/*
 * With two CPUs vCPU 1 only spins: nothing but the hypervisor's own
 * flushes may take X's translation out of its CPU's TLB.
 */
static void wait_phase(unsigned int want, bool count)
{
	while (phase != want) {
		if (one_cpu) {
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			if (count)
				yields++;
		}
		asm volatile("pause");
	}
}

static void vcpu1(unsigned long id)
{
	(void)id;
	started = true;
	for (;;) {
		uint64_t v;

		while (phase != 1 && phase != 4) {
			if (one_cpu) {
				HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
				yields++;
			}
			asm volatile("pause");
		}
		if (phase == 4)		/* off the CPU: the peer's vCPU 1 comes next */
			for (;;)
				HYPERVISOR_sched_op(SCHEDOP_block, NULL);
		v = *x;			/* caches X's translation on this CPU */
		asm volatile("" : : "r"(v));
		phase = 2;
		wait_phase(3, true);
		seen = *x;
		phase = 0;
	}
}

/* One map, read on vCPU 1, unmap, remap to R, read again: the tag vCPU 1 saw. */
static char why[VERDICT_LEN];

static const char *round(unsigned int way, uint64_t r_mfn, uint64_t *tag)
{
	uint64_t pte = l1e_maddr((uint64_t)x);
	struct gnttab_map_grant_ref m = { way == BY_PTE ? pte : (uint64_t)x,
					  GNTMAP_host_map | (way == BY_PTE ? GNTMAP_contains_pte : 0),
					  REF, gnt_self_dom, 99, ~0U, 0 };
	long rc;

	BODY_CHECK(gnttab(GNTTABOP_map_grant_ref, &m, 1) == 0 && m.status == GNTST_okay,
		   "%s: map gave status %d", way_name[way], m.status);
	phase = 1;
	wait_phase(2, false);
	if (way == BY_REPLACE) {
		struct gnttab_unmap_and_replace u = { (uint64_t)x, 0, m.handle, 99, 0 };

		rc = gnttab(GNTTABOP_unmap_and_replace, &u, 1);
		BODY_CHECK(rc == 0 && u.status == GNTST_okay, "%s: gave %ld, status %d",
			   way_name[way], rc, u.status);
	} else {
		struct gnttab_unmap_grant_ref u = { m.host_addr, 0, m.handle, 99, 0 };

		rc = gnttab(GNTTABOP_unmap_grant_ref, &u, 1);
		BODY_CHECK(rc == 0 && u.status == GNTST_okay, "%s: unmap gave %ld, status %d",
			   way_name[way], rc, u.status);
	}
	BODY_CHECK(!(table[REF].flags & (GTF_reading | GTF_writing)), "%s: entry still in use: %#x",
		   way_name[way], table[REF].flags);
	rc = update_va_mapping((uint64_t)x, (r_mfn << 12) | PTE_DATA, UVMF_NONE);
	BODY_CHECK(rc == 0, "mapping R at X gave %ld", rc);
	phase = 3;
	wait_phase(0, false);
	*tag = seen;
	/* X empty again for the next map (a flush here: the next round starts clean). */
	BODY_CHECK(update_va_mapping((uint64_t)x, 0, UVMF_INVLPG | UVMF_ALL) == 0, "clearing X failed");
	return NULL;
}

static const char *body(struct start_info *si, bool one)
{
	uint64_t p, r;
	unsigned long stale[NR_WAYS] = { 0 }, other = 0;
	unsigned int way, i;
	const char *failed;
	long rc;

	rc = gnt_self_dom_init(si);
	BODY_CHECK(rc == 0, "finding our own domain id gave %ld", rc);
	one_cpu = one;
	p = scratch_page();
	r = scratch_page();
	x = (volatile uint64_t *)scratch_page();
	table = gnt_self_table();
	BODY_CHECK(table, "setting up and mapping our grant table failed");
	*(uint64_t *)p = TAG_P;
	*(uint64_t *)r = TAG_R;
	gnt_self_grant(table, REF, p, false);
	r = va_to_mfn(r);
	BODY_CHECK(update_va_mapping((uint64_t)x, 0, UVMF_INVLPG) == 0, "cannot clear X");
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu);
	BODY_CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (way = 0; way < NR_WAYS; way++) {
		for (i = 0; i < ROUNDS; i++) {
			uint64_t tag = 0;

			failed = round(way, r, &tag);
			if (failed)
				return failed;
			if (tag == TAG_P)
				stale[way]++;
			else if (tag != TAG_R)
				other++;
		}
		printf("attack-grant-tlb: d%u: unmap %s: %lu of %u reads after the unmap reached "
		       "the granted page\n", gnt_self_dom, way_name[way], stale[way], ROUNDS);
	}
	phase = 4;
	BODY_CHECK(!other, "%lu reads saw neither page", other);
	for (way = 0; way < NR_WAYS; way++)
		BODY_CHECK(!stale[way], "unmap %s left the grant mapping in another CPU's TLB "
			   "(%lu of %u rounds)", way_name[way], stale[way], ROUNDS);
	return NULL;
}

int test_main(struct start_info *si)
{
	return verdict_test_smp(si, body);
}
