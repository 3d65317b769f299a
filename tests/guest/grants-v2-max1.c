// SPDX-License-Identifier: GPL-2.0-only
/*
 * grants-v2-max1: a hypervisor told to offer grant tables version 1 only
 * (Lamina's gnttab_max_version=1, Xen's gnttab=max-ver:1; each ignores
 * the other's spelling) answers set_version(2) with -ENOSYS, the table
 * staying v1, and has no status frames to give.
 * @hvargs: gnttab_max_version=1 gnttab=max-ver:1
 */
#include "lib/guest.h"
#include <lamina/grant_table.h>

static long gnttab(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

int test_main(struct start_info *si)
{
	uint64_t frame = 0;
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 99, { 0 }, (uint64_t)&frame };
	struct gnttab_get_status_frames gs = { 1, DOMID_SELF, 99, (uint64_t)&frame };
	struct gnttab_get_version gv = { DOMID_SELF, 0, 99 };
	struct gnttab_set_version sv = { 2 };
	long rc;

	(void)si;
	CHECK(gnttab(GNTTABOP_setup_table, &st, 1) == 0 && st.status == 0, "setup_table failed");
	rc = gnttab(GNTTABOP_set_version, &sv, 1);
	CHECK(rc == -ENOSYS && sv.version == 1, "set_version 2 gave %ld, version %u", rc,
	      sv.version);
	sv.version = 3;
	rc = gnttab(GNTTABOP_set_version, &sv, 1);
	CHECK(rc == -EINVAL && sv.version == 1, "set_version 3 gave %ld, version %u", rc,
	      sv.version);
	sv.version = 1;
	rc = gnttab(GNTTABOP_set_version, &sv, 1);
	CHECK(rc == 0 && sv.version == 1, "set_version 1 gave %ld, version %u", rc, sv.version);
	CHECK(gnttab(GNTTABOP_get_version, &gv, 1) == 0 && gv.version == 1, "get_version gave %u",
	      gv.version);
	rc = gnttab(GNTTABOP_get_status_frames, &gs, 1);
	CHECK(rc == 0 && gs.status == GNTST_general_error, "get_status_frames gave %ld/%d", rc,
	      gs.status);
	rc = gnttab(GNTTABOP_get_status_frames, &gs, 2);
	CHECK(rc == -EINVAL, "get_status_frames with count 2 gave %ld", rc);
	return TEST_PASS;
}
