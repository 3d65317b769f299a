// SPDX-License-Identifier: GPL-2.0-only
/*
 * foreign: a privileged domain maps another domain's frame
 * (update_va_mapping_otherdomain, mmu_update's foreigndom); an
 * unprivileged one may not, nor may anyone name a domain that does not
 * exist or claim its own frame is the other's. After dom0 unmaps, it shuts
 * the peer down, whose frame audit must come out clean. clear_page and
 * copy_page under a foreigndom touch only that domain's frames. The
 * mapping rewritten as its own with the same frame and rights stays.
 * The peer is booted beside dom0 on Lamina and built by dom0 on Xen 4.17
 * (lib/peer.h).
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/peer.h"

static uint8_t victim[4096] __attribute__((aligned(4096)));

static long map_other(uint64_t va, uint64_t mfn, domid_t dom)
{
	return hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, va,
			  (mfn << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG, dom, 0);
}

static int peer(struct start_info *si)
{
	struct mmu_update u;
	long rc;

	u.ptr = l1e_maddr(scratch_page());
	u.val = (va_to_mfn(si->pt_base) << 12) | PTE_P | PTE_US;
	rc = hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, 0, 0);
	if (rc != -EPERM)
		printf("FAIL an unprivileged domain used foreigndom 0: %ld\n", rc);
	for (;;)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
	return TEST_ERROR;	/* not reached */
}

int test_main(struct start_info *si)
{
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	struct sched_remote_shutdown rs = { 0, 0, SHUTDOWN_poweroff };
	uint64_t va, own_max = 0, own_min = ~0ULL, mfn, i;
	volatile uint64_t probe;
	long rc;
	int id;

	mm_init(si);
	if (!(si->flags & SIF_INITDOMAIN))
		return peer(si);
	id = peer_start(si, "role=peer", 16);
	CHECK(id > 0, "the peer domain could not be started (%d)", id);
	rs.domain_id = (domid_t)id;
	va = scratch_page();
	for (i = 0; i < si->nr_pages; i++) {
		own_max = p2m[i] > own_max ? p2m[i] : own_max;
		own_min = p2m[i] < own_min ? p2m[i] : own_min;
	}
	/* Refused on both with -EBUSY, Xen's answer for a frame not the named owner's. */
	rc = map_other(va, p2m[0], id);
	CHECK(rc == -EBUSY, "claiming our own frame is d%d's gave %ld", id, rc);
	rc = map_other(va, p2m[0], 77);
	CHECK(rc == -ESRCH, "a domain that does not exist gave %ld", rc);
	/* Let the peer run first, then look for one of its frames above or below ours. */
	for (i = 0; i < 5; i++)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	for (mfn = own_max + 1, rc = -1; mfn < own_max + 100000 && rc; mfn++)
		rc = map_other(va, mfn, id);
	for (i = 1; i < 100000 && i <= own_min && rc; i++)
		rc = map_other(va, (mfn = own_min - i + 1) - 1, id);
	CHECK(rc == 0, "no frame of d%d found to map", id);
	probe = *(volatile uint64_t *)va;
	(void)probe;
	{
		/*
		 * The entry rewritten as our own with the peer's frame and the
		 * same rights: Xen's fast path writes it (its references stay);
		 * made writable it needs new ones, refused: -EBUSY.
		 */
		uint64_t e = ((mfn - 1) << 12) | PTE_P | PTE_US | PTE_A | PTE_D;

		rc = mmu_update_fd(l1e_maddr(va), e, DOMID_SELF);
		CHECK(rc == 0, "rewriting d%d's frame's entry, dirty set, gave %ld", id, rc);
		rc = mmu_update_fd(l1e_maddr(va), e | PTE_RW, DOMID_SELF);
		CHECK(rc == -EBUSY, "making d%d's frame's entry writable gave %ld", id, rc);
		rc = update_va_mapping(va, e & ~PTE_D, UVMF_INVLPG);
		CHECK(rc == 0, "update_va_mapping of d%d's frame, dirty clear, gave %ld", id, rc);
	}
	/*
	 * clear_page and copy_page under foreigndom act on that domain's
	 * frames, source and destination (Xen's pg_owner): one of ours named
	 * as the peer's is refused and left alone.
	 */
	memset(victim, 0xa5, sizeof(victim));
	rc = mmuext_fd(MMUEXT_CLEAR_PAGE, va_to_mfn((uint64_t)victim), 0, id);
	CHECK(rc == -EINVAL && victim[100] == 0xa5, "clear_page of our frame as d%d's gave %ld", id, rc);
	rc = mmuext_fd(MMUEXT_COPY_PAGE, va_to_mfn((uint64_t)victim), mfn - 1, id);
	CHECK(rc == -EINVAL && victim[100] == 0xa5, "copy_page from d%d into our frame gave %ld", id, rc);
	rc = mmuext_fd(MMUEXT_COPY_PAGE, mfn - 1, mfn - 1, DOMID_SELF);
	CHECK(rc == -EINVAL, "copy_page of d%d's frame as our own gave %ld", id, rc);
	CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping failed");
	printf("mapped frame %#lx of d%d read-only and unmapped it\n", (unsigned long)(mfn - 1), id);
	CHECK(hypercall2(__HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, &rs) == 0,
	      "remote_shutdown of d%d failed", id);
	return TEST_PASS;
}
