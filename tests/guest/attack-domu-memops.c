// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-domu-memops: memory_op calls an unprivileged domain might use
 * to reach frames that are not its own, from the unprivileged peer, with
 * Xen 4.17's answers:
 *   - acquire_resource of dom0's grant table (shared and status frames,
 *     a size query): -EPERM (Xen: XSM_DM_PRIV); of DOMID_SELF -ESRCH
 *     (a remote domain's id only);
 *   - add_to_physmap of its grant-table frame, its shared_info and a gmfn
 *     into its own physmap, and of dom0's: -EACCES (a PV domain has no
 *     P2M to change) for its own, and the same for dom0's (Xen looks at
 *     the caller's paging mode before the rights);
 *   - set_memory_map of dom0's map: -EPERM; of its own (allowed) then read
 *     back whole by memory_map;
 *   - claim_pages: -EPERM;
 *   - decrease_reservation of every machine frame below 2^13 (32 MiB)
 *     that is not its own: 0 extents each. Until 5 Dec Lamina answered 1
 *     for a frame the hypervisor shares with another domain (dom0's
 *     shared_info and grant-table frames), which it then left alone: a
 *     domU could find those frames by their answer (Xen: 0, not its
 *     page).
 * No frame list is written by a refused call.
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include <lamina/memory.h>
#include <lamina/grant_table.h>

#define SCAN_FRAMES	0x2000

static char why[VERDICT_LEN];

static long memop(unsigned int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_memory_op, cmd, arg);
}

static int acquire(domid_t dom, uint16_t id, bool query, long want, const char *what)
{
	uint64_t frames[2] = { 0x5a5a, 0x5a5a };
	struct xen_mem_acquire_resource r = { dom, XENMEM_resource_grant_table, id,
					      query ? 0 : 2, 0, 0,
					      query ? 0 : (uint64_t)frames };
	long rc = memop(XENMEM_acquire_resource, &r);

	PEER_CHECK(rc == want, "acquire_resource %s gave %ld", what, rc);
	PEER_CHECK(frames[0] == 0x5a5a && frames[1] == 0x5a5a,
		   "acquire_resource %s wrote the frame list", what);
	return 0;
}

static int physmap(domid_t dom, unsigned int space, uint64_t idx, const char *what)
{
	struct xen_add_to_physmap x = { dom, 1, space, idx, 0x7000 };
	long rc = memop(XENMEM_add_to_physmap, &x);

	PEER_CHECK(rc == -EACCES, "add_to_physmap %s gave %ld", what, rc);
	return 0;
}

/* Ours: in our P2M (through the M2P), our shared_info or grant frame, or our rings. */
static bool ours(const struct start_info *si, uint64_t grant_frame, uint64_t mfn)
{
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	uint64_t pfn = ((volatile const uint64_t *)MACH2PHYS_VIRT_START)[mfn];

	return mfn == si->shared_info >> 12 || mfn == grant_frame || mfn == si->store_mfn ||
	       mfn == si->console.domU.mfn || (pfn < si->nr_pages && p2m[pfn] == mfn);
}

static int scan(const struct start_info *si)
{
	uint64_t frame = 0, mfn, taken = 0, first = 0;
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)&frame };
	long rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &st, 1);

	PEER_CHECK(rc == 0 && st.status == 0 && frame, "setup_table gave %ld/%d", rc, st.status);
	for (mfn = 0; mfn < SCAN_FRAMES; mfn++) {
		if (ours(si, frame, mfn))
			continue;
		rc = give_back_frame(mfn);
		PEER_CHECK(rc == 0 || rc == 1, "decrease_reservation of %#llx gave %ld",
			   (unsigned long long)mfn, rc);
		if (rc == 1 && !taken++)
			first = mfn;
	}
	PEER_CHECK(!taken, "decrease_reservation took %llu frames not ours, the first %#llx",
		   (unsigned long long)taken, (unsigned long long)first);
	return 0;
}

static int attack(struct start_info *si)
{
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	struct e820_entry mine[2] = { { 0, 0x100000, 1 }, { 0x100000, 0x200000, 1 } }, got[4];
	struct xen_foreign_memory_map fm = { 0, { 0 }, { 2, 0, (uint64_t)mine } };
	struct xen_memory_map m = { 4, 0, (uint64_t)got };
	struct xen_memory_reservation claim = { 0, 16, 0, 0, 0, { 0 } };
	long rc;

	if (acquire(0, XENMEM_resource_grant_table_id_shared, false, -EPERM, "of dom0's table") ||
	    acquire(0, XENMEM_resource_grant_table_id_status, false, -EPERM, "of dom0's status") ||
	    acquire(0, XENMEM_resource_grant_table_id_shared, true, -EPERM, "size of dom0's") ||
	    acquire(DOMID_SELF, XENMEM_resource_grant_table_id_shared, false, -ESRCH,
		    "of DOMID_SELF") ||
	    physmap(DOMID_SELF, XENMAPSPACE_grant_table, 0, "of its grant frame") ||
	    physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, "of its shared_info") ||
	    physmap(DOMID_SELF, XENMAPSPACE_gmfn, p2m[10], "of its own gmfn") ||
	    physmap(0, XENMAPSPACE_grant_table, 0, "of dom0's grant frame"))
		return 1;
	rc = memop(XENMEM_set_memory_map, &fm);
	PEER_CHECK(rc == -EPERM, "set_memory_map of dom0's gave %ld", rc);
	fm.domid = DOMID_SELF;
	rc = memop(XENMEM_set_memory_map, &fm);
	PEER_CHECK(rc == 0, "set_memory_map of its own gave %ld", rc);
	rc = memop(XENMEM_memory_map, &m);
	PEER_CHECK(rc == 0 && m.nr_entries == 2 && !memcmp(got, mine, sizeof(mine)),
		   "memory_map gave %ld, %u entries", rc, m.nr_entries);
	rc = memop(XENMEM_claim_pages, &claim);
	PEER_CHECK(rc == -EPERM, "claim_pages of dom0's gave %ld", rc);
	return scan(si);
}

static const char *peer(struct start_info *si)
{
	return attack(si) ? why : NULL;
}

int test_main(struct start_info *si)
{
	return verdict_test(si, peer);
}
