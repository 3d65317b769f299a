// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-exchange-dup: XENMEM_exchange with one input frame listed twice
 * (issue 16, A3). From the unprivileged peer: trade [X, X] (order 0) for
 * one order-1 extent. One chunk on Xen 4.17, so both refuse it whole:
 * -EINVAL, nr_exchanged 0, and X is still the peer's (it maps it again).
 * Then the same with X listed once beside another frame Y goes through,
 * and X and Y are no longer ours.
 *
 * Before the fix Lamina freed X twice: BUG_ON in free_frame, a
 * hypervisor panic.
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include <lamina/memory.h>

static char why[VERDICT_LEN];

static long exchange(uint64_t *in, uint64_t *out, uint64_t *nr_exchanged)
{
	struct xen_memory_exchange x;
	long rc;

	memset(&x, 0, sizeof(x));
	x.in.extent_start = (uint64_t)in;
	x.in.nr_extents = 2;
	x.in.domid = DOMID_SELF;
	x.out.extent_start = (uint64_t)out;
	x.out.nr_extents = 1;
	x.out.extent_order = 1;
	x.out.domid = DOMID_SELF;
	rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_exchange, &x);
	*nr_exchanged = x.nr_exchanged;
	return rc;
}

static int attack(struct start_info *si)
{
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	uint64_t x = p2m[2000], y = p2m[2001], va = scratch_page(), n;
	uint64_t in[2] = { x, x }, out[1] = { 2000 };
	long rc;

	rc = exchange(in, out, &n);
	PEER_CHECK(rc == -EINVAL && n == 0, "exchange of [X, X] gave %ld, %llu exchanged", rc,
		   (unsigned long long)n);
	rc = update_va_mapping(va, (x << 12) | PTE_DATA, UVMF_INVLPG);
	PEER_CHECK(rc == 0, "X is not ours after the refused exchange (%ld)", rc);
	update_va_mapping(va, 0, UVMF_INVLPG);

	in[1] = y;
	rc = exchange(in, out, &n);
	PEER_CHECK(rc == 0 && n == 2, "exchange of [X, Y] gave %ld, %llu exchanged", rc,
		   (unsigned long long)n);
	PEER_CHECK(out[0] != x && out[0] != y && !(out[0] & 1), "got extent %#llx",
		   (unsigned long long)out[0]);
	rc = update_va_mapping(va, (x << 12) | PTE_DATA, UVMF_INVLPG);
	PEER_CHECK(rc != 0, "X is still ours after it was exchanged");
	return 0;
}

static const char *peer(struct start_info *si)
{
	return attack(si) ? why : NULL;
}

int test_main(struct start_info *si)
{
	return verdict_test(si, peer);
}
