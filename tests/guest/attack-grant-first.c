// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-grant-first: what dom0 sees of its grant table before its first
 * grant operation. Xen 4.17 makes every domain's table (one frame,
 * version 1) with the domain (grant_table_init), so nothing about the
 * table changes at a domain's first grant operation; until 5 Dec Lamina
 * made dom0's there, which a guest could see in two ways:
 *   - the host's free pages (sysctl physinfo) dropped at dom0's first
 *     GNTTABOP_get_version / query_size, by the table's frames;
 *   - that first operation took longer than the same one after it (the
 *     frames allocated, and zeroed when dirty, inside the call: 22 us at
 *     --smp 2 in attack-long-calls).
 * Run as dom0, before any other grant operation: get_version answers 1,
 * query_size 1 frame (of at least 1), neither changes the free pages, the
 * first query_size takes at most 5 us more than the next ones, and
 * setup_table of 1 frame then answers a frame without changing the free
 * pages either; nor does growing the table to 4 frames (grow_table).
 * Time is counted in instructions (1 ns each), so the
 * first call's translation by QEMU's TCG does not count:
 * @qemu: -icount shift=0,sleep=off
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/gnt_self.h"
#include "lib/physinfo.h"
#include "lib/bench.h"

#define FIRST_SLACK_NS	5000	/* the first op's extra time allowed */
#define REPEATS		20

static uint64_t timed_query(struct gnttab_query_size *qs, long *rc)
{
	uint64_t t0;

	memset(qs, 0, sizeof(*qs));
	qs->dom = DOMID_SELF;
	t0 = pvclock_ns();
	*rc = gnttab(GNTTABOP_query_size, qs, 1);
	return pvclock_ns() - t0;
}

/*
 * dom0's table grown to GROWN_FRAMES (as Linux's backends make it grow
 * with the buffers they grant to themselves), a table that never
 * shrinks: on Lamina the frames were set aside with dom0, so the free
 * pages stay; Xen 4.17 allocates each frame as the table grows, so they
 * drop for good (a difference on purpose: docs/conformance.md).
 */
#define GROWN_FRAMES	4

static int grow_table(uint64_t free0)
{
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = GROWN_FRAMES };
	struct gnttab_query_size qs;
	xen_pfn_t frames[GROWN_FRAMES] = { 0 };
	uint64_t free1;
	long rc;

	st.frame_list = (uint64_t)frames;
	rc = gnttab(GNTTABOP_setup_table, &st, 1);
	CHECK(rc == 0 && st.status == GNTST_okay && frames[GROWN_FRAMES - 1],
	      "setup_table of %u frames: rc %ld status %d", GROWN_FRAMES, rc, st.status);
	timed_query(&qs, &rc);
	CHECK(rc == 0 && qs.nr_frames == GROWN_FRAMES, "query_size after growing: rc %ld, %u frames",
	      rc, qs.nr_frames);
	free1 = settled_free_pages();
	printf("dom0's table grown to %u frames: free pages %llu before, %llu after\n",
	       GROWN_FRAMES, (unsigned long long)free0, (unsigned long long)free1);
	if (on_lamina())
		CHECK(free1 == free0, "growing dom0's table took %lld free pages",
		      (long long)(free0 - free1));
	else
		CHECK(free1 < free0, "Xen 4.17's growth of dom0's table took no free page");
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	struct gnttab_get_version gv = { .dom = DOMID_SELF };
	struct gnttab_query_size qs;
	struct gnttab_setup_table st;
	uint64_t free0, free1, first_ns, ns, best = ~0ULL;
	xen_pfn_t frame = 0;
	unsigned int i;
	long rc;

	CHECK(events_init(si) == 0, "events_init failed");
	first_ns = tsc();	/* at dom0's start: the machine's boot, counted */
	printf("dom0 started at TSC %llu\n",
	       (unsigned long long)first_ns);
	CHECK(si->flags & SIF_INITDOMAIN, "run as dom0");
	free0 = settled_free_pages();
	CHECK(free0, "physinfo gave no free pages");

	/* The first grant operation of the domain: timed. */
	first_ns = timed_query(&qs, &rc);
	CHECK(rc == 0 && qs.status == GNTST_okay, "first query_size: rc %ld status %d",
	      rc, qs.status);
	CHECK(qs.nr_frames == 1 && qs.max_nr_frames >= 1,
	      "first query_size: %u of %u frames", qs.nr_frames, qs.max_nr_frames);
	for (i = 0; i < REPEATS; i++) {
		ns = timed_query(&qs, &rc);
		CHECK(rc == 0 && qs.status == GNTST_okay && qs.nr_frames == 1,
		      "query_size %u: rc %ld status %d, %u frames", i, rc, qs.status,
		      qs.nr_frames);
		best = ns < best ? ns : best;
	}
	printf("first query_size %llu ns, the fastest of %u after it %llu ns\n",
	       (unsigned long long)first_ns, REPEATS, (unsigned long long)best);

	rc = gnttab(GNTTABOP_get_version, &gv, 1);
	CHECK(rc == 0 && gv.version == 1, "get_version: rc %ld version %u", rc, gv.version);
	free1 = settled_free_pages();
	CHECK(free1 == free0,
	      "the first grant operations took %lld free pages (%llu before, %llu after)",
	      (long long)(free0 - free1), (unsigned long long)free0, (unsigned long long)free1);
	CHECK(first_ns <= best + FIRST_SLACK_NS,
	      "the first grant operation took %llu ns, the next ones %llu ns",
	      (unsigned long long)first_ns, (unsigned long long)best);

	memset(&st, 0, sizeof(st));
	st.dom = DOMID_SELF;
	st.nr_frames = 1;
	st.frame_list = (uint64_t)&frame;
	rc = gnttab(GNTTABOP_setup_table, &st, 1);
	CHECK(rc == 0 && st.status == GNTST_okay && frame,
	      "setup_table of 1 frame: rc %ld status %d frame %#llx", rc, st.status,
	      (unsigned long long)frame);
	free1 = settled_free_pages();
	CHECK(free1 == free0, "setup_table of the first frame took %lld free pages",
	      (long long)(free0 - free1));
	return grow_table(free0);
}
