// SPDX-License-Identifier: GPL-2.0-only
/*
 * foreign: what dom0 pays per L1 entry for a mapping of another domain's
 * frame against one of its own (issue 17, session 32), the three steps a
 * PV Linux dom0 takes for a foreign mapping of a process (privcmd):
 *   map      - one mmu_update of N entries with the peer as foreigndom
 *              (DOMID_SELF for the local case), writable, as privcmd maps
 *   ptwr     - N trapped writes of 0 into the read-only mapped table, as
 *              a munmap clears each PTE (writable page tables)
 *   unpin    - MMUEXT_UNPIN_TABLE of the L1 holding N such entries, as a
 *              process exit unpins its tree first: each entry's
 *              references dropped
 * all on one pinned L1 that is not hooked into the active tree; every
 * entry maps one frame (the peer's, found as guest/foreign finds it, or
 * a data page of ours), so each takes and drops a general and a writable
 * type reference of the same frame. The peer is this guest again,
 * unprivileged (lib/peer.h; bench-check boots it beside dom0). Output,
 * the median/min/max instructions (cycles) per entry over the rounds:
 *   BENCH <step>_<local|foreign> <median> <min> <max> <entries>
 */
#include "../../guest/lib/guest.h"
#include "../../guest/lib/mm.h"
#include "../../guest/lib/bench.h"
#include "../../guest/lib/peer.h"

#define ROUNDS		16
#define N		512

static uint64_t samples[3][2][ROUNDS];
static struct mmu_update req[N];
static uint64_t l1_va, l1_mfn;

static long map_all(uint64_t mfn, domid_t fd)
{
	unsigned int i;

	for (i = 0; i < N; i++) {
		req[i].ptr = (l1_mfn << 12) + i * 8;
		req[i].val = pte_rw(mfn);
	}
	return hypercall5(__HYPERVISOR_mmu_update, (uint64_t)req, N, 0, fd, 0);
}

static int peer(void)
{
	for (;;)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
	return TEST_ERROR;	/* not reached */
}

/* A frame of d's that dom0 may map writable, searched above and below ours. */
static uint64_t peer_frame(const struct start_info *si, domid_t d, uint64_t va)
{
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	uint64_t own_max = 0, own_min = ~0ULL, mfn, i;

	for (i = 0; i < si->nr_pages; i++) {
		own_max = p2m[i] > own_max ? p2m[i] : own_max;
		own_min = p2m[i] < own_min ? p2m[i] : own_min;
	}
	for (mfn = own_max + 1; mfn < own_max + 100000; mfn++)
		if (!hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, va, pte_rw(mfn),
				UVMF_INVLPG, d, 0))
			goto found;
	for (mfn = own_min - 1; mfn > 0 && mfn + 100000 > own_min; mfn--)
		if (!hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, va, pte_rw(mfn),
				UVMF_INVLPG, d, 0))
			goto found;
	return 0;
found:
	return update_va_mapping(va, 0, UVMF_INVLPG) ? 0 : mfn;
}

int test_main(struct start_info *si)
{
	static const char *const names[] = { "map", "ptwr", "unpin" };
	static const char *const sides[] = { "local", "foreign" };
	volatile uint64_t *l1;
	uint64_t frame[2], t0;
	unsigned int s, k, r, i;
	domid_t fd[2];
	char name[32];
	int id;

	mm_init(si);
	if (!(si->flags & SIF_INITDOMAIN))
		return peer();
	id = peer_start(si, "role=peer", 16);
	CHECK(id > 0, "the peer domain could not be started (%d)", id);
	for (i = 0; i < 5; i++)		/* let the peer run first */
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	CHECK(hypercall2(__HYPERVISOR_vm_assist, VMASST_CMD_enable,
			 VMASST_TYPE_writable_pagetables) == 0, "vm_assist failed");
	frame[0] = va_to_mfn(scratch_page());
	frame[1] = peer_frame(si, (domid_t)id, scratch_page());
	CHECK(frame[1], "no frame of d%d found to map", id);
	fd[0] = DOMID_SELF;
	fd[1] = (domid_t)id;
	l1_va = scratch_page();
	l1_mfn = va_to_mfn(l1_va);
	l1 = (volatile uint64_t *)l1_va;
	CHECK(update_va_mapping(l1_va, pte_ro(l1_mfn), UVMF_INVLPG) == 0 &&
	      mmuext1(MMUEXT_PIN_L1_TABLE, l1_mfn) == 0, "pinning the bench L1 failed");
	for (s = 0; s < 2; s++) {
		for (r = 0; r <= ROUNDS; r++) {	/* round 0 warms up */
			t0 = tsc();
			CHECK(map_all(frame[s], fd[s]) == 0, "mapping %s frames failed", sides[s]);
			t0 = tsc() - t0;
			if (r)
				samples[0][s][r - 1] = t0;
			t0 = tsc();
			for (i = 0; i < N; i++)
				l1[i] = 0;
			t0 = tsc() - t0;
			if (r)
				samples[1][s][r - 1] = t0;
			CHECK(map_all(frame[s], fd[s]) == 0, "mapping %s frames failed", sides[s]);
			t0 = tsc();
			CHECK(mmuext1(MMUEXT_UNPIN_TABLE, l1_mfn) == 0, "unpinning failed");
			t0 = tsc() - t0;
			if (r)
				samples[2][s][r - 1] = t0;
			/* Still holding the entries: cleared while writable, pinned again. */
			CHECK(update_va_mapping(l1_va, pte_rw(l1_mfn), UVMF_INVLPG) == 0,
			      "mapping the table writable failed");
			for (i = 0; i < N; i++)
				l1[i] = 0;
			CHECK(update_va_mapping(l1_va, pte_ro(l1_mfn), UVMF_INVLPG) == 0 &&
			      mmuext1(MMUEXT_PIN_L1_TABLE, l1_mfn) == 0, "pinning again failed");
		}
	}
	for (k = 0; k < 3; k++) {
		for (s = 0; s < 2; s++) {
			snprintf(name, sizeof(name), "%s_%s", names[k], sides[s]);
			bench_report(name, samples[k][s], ROUNDS, N);
		}
	}
	CHECK(mmuext1(MMUEXT_UNPIN_TABLE, l1_mfn) == 0, "unpinning failed");
	return TEST_PASS;
}
