// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-memory-map-race: XENMEM_set_memory_map of the caller's own
 * domain (any domain may set its own: Xen's XSM_TARGET) from two vCPUs
 * at once, while they read it back (XENMEM_memory_map). The map lives in
 * frames the hypervisor allocates; each set frees the previous map's. Xen
 * 4.17 swaps the map and reads it under the domain's e820_lock; without
 * such a lock two sets free the old frames twice (a hypervisor panic) and
 * a read copies from frames another vCPU just freed (or that someone else
 * has been given since).
 *   vCPUs 0 and 1 (pinned to CPUs 0 and 1 at --smp 2) each set the map
 *   ROUNDS times, alternating a one-entry and a two-frame map (E820MAX
 *   entries), and read it back after each set. Every call must answer 0,
 *   and every map read back must be one of the maps set, whole: entry 0
 *   names the vCPU that set it, its entries agree with each other.
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/smp.h"
#include "lib/physinfo.h"
#include <lamina/memory.h>

#define ROUNDS		1500
#define BIG		E820MAX			/* 1024 entries: 5 frames */
#define STACK_SIZE	16384

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static struct e820_entry maps[2][BIG], got[2][BIG];
static volatile long bad[2], bad_round[2];
static volatile unsigned int done1;
static volatile bool started, go;

/* Entry i of vCPU me's map: base and size name me and i. */
static void fill(unsigned int me)
{
	unsigned int i;

	for (i = 0; i < BIG; i++)
		maps[me][i] = (struct e820_entry){ ((uint64_t)me << 40) | ((uint64_t)i << 20),
						   (uint64_t)(i + 1) << 12, 1 };
}

static long set_map(unsigned int me, unsigned int n)
{
	struct xen_foreign_memory_map f;

	memset(&f, 0, sizeof(f));
	f.domid = DOMID_SELF;
	f.map.nr_entries = n;
	f.map.buffer = (uint64_t)maps[me];
	return hypercall2(__HYPERVISOR_memory_op, XENMEM_set_memory_map, &f);
}

/* 0, or why the map read back is none of those set. */
static long check_read(unsigned int me)
{
	struct xen_memory_map m = { BIG, 0, (uint64_t)got[me] };
	unsigned int i, who;
	long rc;

	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_memory_map, &m);
	if (rc)
		return rc;
	if (m.nr_entries != 1 && m.nr_entries != BIG)
		return 1000000 + m.nr_entries;
	who = (unsigned int)(got[me][0].addr >> 40);
	if (who > 1)
		return 2000000;
	for (i = 0; i < m.nr_entries; i++)
		if (memcmp(&got[me][i], &maps[who][i], sizeof(got[me][i])))
			return 3000000 + i;
	return 0;
}

static void run(unsigned int me)
{
	unsigned int t;
	long rc;

	for (t = 0; t < ROUNDS && !bad[me]; t++) {
		rc = set_map(me, t & 1 ? BIG : 1);
		if (!rc)
			rc = check_read(me);
		if (rc) {
			bad[me] = rc;
			bad_round[me] = t;
		}
	}
}

static void vcpu1(unsigned long arg)
{
	(void)arg;
	started = true;
	while (!go)
		asm volatile("pause");
	run(1);
	done1 = 1;
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

int test_main(struct start_info *si)
{
	struct sysctl pi;
	long rc;

	mm_init(si);
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	fill(0);
	fill(1);
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started,
			      pi.u.physinfo.nr_cpus < 2);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	go = true;
	run(0);
	while (!done1)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	CHECK(!bad[0] && !bad[1], "round %ld/%ld: vCPU 0 %ld, vCPU 1 %ld (0: the call's answer; "
	      "1000000 + n: n entries read; 2000000: a map nobody set; 3000000 + i: entry i "
	      "differs)", bad_round[0], bad_round[1], bad[0], bad[1]);
	printf("attack-memory-map-race: %u sets and reads on each of two vCPUs\n", ROUNDS);
	return TEST_PASS;
}
