// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-shared-pt: frames the hypervisor shares with a guest and writes
 * into (grant-table frames, shared_info) must never become page tables or
 * descriptor pages (issue 16, A1). From the unprivileged peer:
 *
 *   1. setup_table with two frames; write a forged PTE (machine frame
 *      0x200, the hypervisor image on Lamina, writable) into grant entry
 *      512, the first of frame 1; hook frame 0 into an empty L2 slot as
 *      an L1 table; swap_grant_ref(5, 512) makes the hypervisor move the
 *      forged PTE into that "L1"; read through it. The hook must be
 *      refused, as on Xen (a type conflict: -EINVAL).
 *   2. Pinning grant frame 0, the shared_info frame or (with the table
 *      switched to version 2 for a moment) a status frame as an L1 table,
 *      and set_gdt on any of them, must be refused too.
 *
 * Before the fix the hook succeeded and the peer read the hypervisor.
 * The peer reports to dom0 through lib/peer_verdict.h.
 * @domus: self:peer:role=peer
 */
#define VERDICT_REF	600	/* in frame 1: frame 0 must stay all zeros */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"

#define HOOK_VA		(GUEST_VIRT_BASE + 500 * (2ULL << 20))	/* an empty L2 slot */
#define FORGED_MFN	0x200ULL

static char why[VERDICT_LEN];

static long set_gdt(uint64_t mfn, unsigned long entries)
{
	return hypercall2(__HYPERVISOR_set_gdt, &mfn, entries);
}

static int16_t swap_refs(grant_ref_t a, grant_ref_t b)
{
	struct gnttab_swap_grant_ref s = { a, b, 0 };

	if (verdict_gnttab(GNTTABOP_swap_grant_ref, &s, 1))
		return -100;
	return s.status;
}

/* Step 1: hooking grant frame 0 in as an L1 table, then the forged PTE. */
static int hook_grant_frame(uint64_t f0)
{
	uint64_t l2e = table_maddr(HOOK_VA, 2);
	const uint64_t *l2 = (const uint64_t *)(mfn_to_va(l2e >> 12) + (l2e & 4095));
	long rc;

	PEER_CHECK(!(*l2 & PTE_P), "L2 slot of %#llx is not empty", (unsigned long long)HOOK_VA);
	rc = mmu_update1(l2e, (f0 << 12) | PTE_P | PTE_RW | PTE_US | PTE_A);
	if (rc == 0) {
		volatile uint32_t *p = (volatile uint32_t *)(HOOK_VA + 5 * 4096);
		uint32_t seen = 0;
		int16_t st = swap_refs(5, 512);

		mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
		if (st == GNTST_okay)
			seen = p[0];
		/* Undo in an order an unfixed hypervisor survives. */
		swap_refs(5, 512);
		mmu_update1(l2e, 0);
		PEER_CHECK(0, "grant frame 0 became an L1 table (swap %d, read %#x at mfn %#llx)",
			   st, seen, FORGED_MFN);
	}
	PEER_CHECK(rc == -EINVAL, "hooking grant frame 0 as an L1 table gave %ld", rc);
	return 0;
}

/* Step 2: a shared frame as a pinned L1 table or as a GDT page. */
static int typed_use(uint64_t mfn, const char *what)
{
	long rc = mmuext1(MMUEXT_PIN_L1_TABLE, mfn);

	if (rc == 0)
		mmuext1(MMUEXT_UNPIN_TABLE, mfn);
	PEER_CHECK(rc == -EINVAL, "pinning %s as an L1 table gave %ld", what, rc);
	rc = set_gdt(mfn, 16);
	PEER_CHECK(rc == -EINVAL, "set_gdt on %s gave %ld", what, rc);
	return 0;
}

/* shared_info unmapped for a moment (events masked meanwhile), as a table. */
static int typed_use_shared_info(struct start_info *si)
{
	uint64_t va = (uint64_t)shared;
	int r;

	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	if (update_va_mapping(va, 0, UVMF_INVLPG))
		PEER_CHECK(0, "unmapping shared_info failed");
	r = typed_use(si->shared_info >> 12, "the shared_info frame");
	if (update_va_mapping(va, si->shared_info | PTE_DATA, UVMF_INVLPG))
		PEER_CHECK(0, "mapping shared_info again failed");
	shared->vcpu_info[0].evtchn_upcall_mask = 0;
	return r;
}

/* A v2 status frame, as a table: switches to v2 and back to v1 around it. */
static int typed_use_status_frame(void)
{
	struct gnttab_set_version sv = { 2 };
	uint64_t status = 0;
	struct gnttab_get_status_frames gs = { 1, DOMID_SELF, 0, (uint64_t)&status };
	long rc;
	int r;

	rc = verdict_gnttab(GNTTABOP_set_version, &sv, 1);
	if (rc == -ENOSYS && !on_lamina())
		return 0;	/* lib/peer.c builds Xen's peer with grant version 1 only */
	PEER_CHECK(rc == 0, "set_version 2 gave %ld", rc);
	rc = verdict_gnttab(GNTTABOP_get_status_frames, &gs, 1);
	PEER_CHECK(rc == 0 && gs.status == 0 && status, "get_status_frames gave %ld/%d", rc,
		   gs.status);
	r = typed_use(status, "a status frame");
	sv.version = 1;
	rc = verdict_gnttab(GNTTABOP_set_version, &sv, 1);
	PEER_CHECK(rc == 0, "set_version 1 gave %ld", rc);
	return r;
}

static void __attribute__((noreturn)) peer(struct start_info *si)
{
	uint64_t frames[2] = { 0, 0 }, t1 = scratch_page();
	struct gnttab_setup_table st = { DOMID_SELF, 0, 2, 0, { 0 }, (uint64_t)frames };
	struct grant_entry_v1 *table;
	struct verdict v;
	int bad;

	if (verdict_gnttab(GNTTABOP_setup_table, &st, 1) || st.status ||
	    update_va_mapping(t1, (frames[1] << 12) | PTE_DATA, UVMF_INVLPG)) {
		printf("peer: no grant table\n");
		shutdown(SHUTDOWN_crash);
	}
	table = (struct grant_entry_v1 *)t1 - GREFS_PER_FRAME;	/* entries 512.. at t1 */
	bad = typed_use_status_frame();		/* before the v1 entries are written */
	if (verdict_offer(&v, table, (char *)scratch_page())) {
		printf("peer: no port for dom0\n");
		shutdown(SHUTDOWN_crash);
	}
	if (bad)
		verdict_send(&v, why);
	*(volatile uint64_t *)t1 = (FORGED_MFN << 12) | PTE_DATA;	/* entry 512 */
	if (hook_grant_frame(frames[0]) || typed_use(frames[0], "grant frame 0") ||
	    typed_use_shared_info(si))
		verdict_send(&v, why);
	verdict_send(&v, NULL);
}

int test_main(struct start_info *si)
{
	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer(si);
	return verdict_await_peer(si);
}
