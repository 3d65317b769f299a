// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-grant-kept: dom0's grant table grown to its limit, where Lamina
 * shares frames it set aside with dom0 at its making (session 39,
 * grant_table.c keep_frames; session 40's review). dom0 alone, before
 * any other grant operation of its own:
 *   - query_size: 1 frame of max_nr_frames (M);
 *   - setup_table of M frames: M distinct frames; of M + 1: general_error;
 *     query_size then M; free pages unchanged on Lamina, fewer on Xen
 *     4.17, which allocates as the table grows (docs/conformance.md);
 *   - the last frame, mapped writable, reads all zeroes, and an entry in
 *     its last slot granting dom0 a page serves a grant copy from it (the
 *     frame setup_table named is the one the hypervisor reads); the ref
 *     after it is bad_gntref;
 *   - version 2: M / 8 status frames, one more general_error, then
 *     version 1 again.
 * Frame indices past the table's frames are not reachable otherwise:
 * acquire_resource of a domain's own table is -EPERM (conform-memop),
 * and only dom0 may acquire another's.
 */
#include "conform.h"
#include "lib/events.h"
#include "lib/gnt_self.h"
#include "lib/physinfo.h"

#define MAX_FRAMES	64	/* GNTTAB_FRAMES_LIMIT, and Xen 4.17's default */

static xen_pfn_t frames[MAX_FRAMES + 1];

static long query(uint32_t *nr, uint32_t *max)
{
	struct gnttab_query_size qs = { .dom = DOMID_SELF };
	long rc = gnttab(GNTTABOP_query_size, &qs, 1);

	*nr = qs.nr_frames;
	*max = qs.max_nr_frames;
	return rc ? rc : qs.status;
}

static long setup(uint32_t n)
{
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = n };

	st.frame_list = (uint64_t)frames;
	return gnttab(GNTTABOP_setup_table, &st, 1) ? -100 : st.status;
}

static bool all_distinct(uint32_t n)
{
	uint32_t i, j;

	for (i = 0; i < n; i++) {
		if (!frames[i])
			return false;
		for (j = 0; j < i; j++)
			if (frames[i] == frames[j])
				return false;
	}
	return true;
}

static bool zeroed(const uint64_t *p)
{
	unsigned int i;

	for (i = 0; i < 512; i++)
		if (p[i])
			return false;
	return true;
}

/* A copy of 8 bytes from our own grant ref into buf. */
static long copy_from_ref(grant_ref_t ref, uint64_t *buf)
{
	struct gnttab_copy c;

	memset(&c, 0, sizeof(c));
	c.source.u.ref = ref;
	c.source.domid = DOMID_SELF;
	c.dest.u.gmfn = va_to_mfn((uint64_t)buf);
	c.dest.domid = DOMID_SELF;
	c.dest.offset = (uint16_t)((uint64_t)buf & 4095);
	c.len = sizeof(*buf);
	c.flags = GNTCOPY_source_gref;
	return gnttab(GNTTABOP_copy, &c, 1) ? -100 : c.status;
}

static long status_frames(uint32_t n)
{
	struct gnttab_get_status_frames gs = { .nr_frames = n, .dom = DOMID_SELF };

	gs.frame_list = (uint64_t)frames;
	return gnttab(GNTTABOP_get_status_frames, &gs, 1) ? -100 : gs.status;
}

static long set_version(uint32_t v)
{
	struct gnttab_set_version sv = { v };

	return gnttab(GNTTABOP_set_version, &sv, 1);
}

/* The last frame's last entry grants dom0 a page: a copy reads it through that entry. */
static int last_entry(uint32_t m)
{
	struct grant_entry_v1 *t = (struct grant_entry_v1 *)scratch_page();
	uint64_t *page = (uint64_t *)scratch_page(), *buf = (uint64_t *)scratch_page();
	grant_ref_t last = m * GREFS_PER_FRAME - 1;

	CHECK(!update_va_mapping((uint64_t)t, (frames[m - 1] << 12) | PTE_DATA, UVMF_INVLPG),
	      "mapping the table's last frame %#lx", (unsigned long)frames[m - 1]);
	ROW("the last frame reads all zeroes", zeroed((const uint64_t *)t), 1);
	page[0] = 0x6b6570742d6c6173ULL;
	gnt_self_grant(t, GREFS_PER_FRAME - 1, (uint64_t)page, true);
	ROW("a copy through the last entry", copy_from_ref(last, buf), GNTST_okay);
	ROW("it read the granted page", buf[0] == page[0], 1);
	ROW("a copy through the ref after it", copy_from_ref(last + 1, buf), GNTST_bad_gntref);
	__atomic_store_n(&t[GREFS_PER_FRAME - 1].flags, 0, __ATOMIC_RELEASE);
	update_va_mapping((uint64_t)t, 0, UVMF_INVLPG);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	uint64_t free0, free1;
	uint32_t nr, max;

	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(si->flags & SIF_INITDOMAIN, "run as dom0");
	conform_begin();
	free0 = settled_free_pages();
	ROW("query_size", query(&nr, &max), GNTST_okay);
	printf("dom0's table: %u of %u frames\n", nr, max);
	CHECK(nr == 1 && max >= 8 && max <= MAX_FRAMES, "query_size: %u of %u frames", nr, max);
	ROW("setup_table of max_nr_frames", setup(max), GNTST_okay);
	ROW("its frames distinct", all_distinct(max), 1);
	ROW("setup_table of one more", setup(max + 1), GNTST_general_error);
	ROW("query_size after", query(&nr, &max), GNTST_okay);
	ROW("the table at max_nr_frames", nr == max, 1);
	free1 = settled_free_pages();
	printf("free pages %llu before, %llu after\n", (unsigned long long)free0,
	       (unsigned long long)free1);
	ROWL("free pages unchanged by the growth", free1 == free0, 0, 1);
	CHECK(setup(max) == GNTST_okay, "setup_table again");
	CHECK(last_entry(max) == TEST_PASS, "the last entry");
	ROW("set_version 2", set_version(2), 0);
	ROW("get_status_frames of max_nr_frames / 8", status_frames((max + 7) / 8), GNTST_okay);
	ROW("get_status_frames of one more", status_frames((max + 7) / 8 + 1), GNTST_general_error);
	ROW("set_version 1", set_version(1), 0);
	ROW("get_status_frames in version 1", status_frames(1), GNTST_general_error);
	return conform_end("attack-grant-kept");
}
