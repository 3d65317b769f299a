// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-foreign-frames: every hypercall a domU can make that names a
 * machine frame, given frames that are not the domU's: dom0's or
 * another domain's, the hypervisor's, free ones, frame 0, one past RAM.
 * From the unprivileged peer, each must be refused and change nothing:
 *   register_vcpu_info and EVTCHNOP_init_control there (the hypervisor
 *   would write events into the frame), set_gdt, update_descriptor (a
 *   descriptor written into it), mmu_update with the frame as the page
 *   table written (an entry written into another domain's table) and as
 *   a MACHPHYS_UPDATE target (the M2P entry must stay), update_va_mapping
 *   to it, mmuext pin (L1, L4), new_baseptr, clear_page and copy_page
 *   both ways, a grant copy by GMFN both ways, decrease_reservation,
 *   exchange and PIRQ EOI map registration.
 * A frame is the peer's when its M2P entry leads back to it through the
 * peer's P2M, or it is its shared_info, grant-table frame, xenstore or
 * console ring; the candidates are frames around the peer's own, low
 * frames, the hypervisor's slot-256 L3 (in every L4) and one past RAM,
 * those that are not the peer's. Answers are only "refused" (they differ
 * by whose the frame is, between Xen and Lamina as between frames).
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include <lamina/memory.h>
#include <lamina/mm.h>
#include <lamina/physdev.h>
#include <lamina/vcpu.h>

#define MARK		0x6d61726b6d61726bULL	/* "markmark" */

static char why[VERDICT_LEN];
static struct start_info *si;

static uint64_t grant_frame0;

/*
 * Ours: in our P2M, or a frame the hypervisor shares with us outside it
 * (shared_info, our grant-table frame), or our xenstore or console ring.
 */
static bool ours(uint64_t mfn)
{
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	uint64_t pfn;

	if (mfn == si->store_mfn || mfn == si->console.domU.mfn ||
	    mfn == si->shared_info >> 12 || mfn == grant_frame0)
		return true;
	if (mfn >= 0x1000000)	/* past any RAM the runs have: not in the M2P */
		return false;
	pfn = ((volatile const uint64_t *)MACH2PHYS_VIRT_START)[mfn];
	return pfn < si->nr_pages && p2m[pfn] == mfn;
}

static long memop1(unsigned int cmd, uint64_t mfn)
{
	struct xen_memory_reservation r = { .extent_start = (uint64_t)&mfn, .nr_extents = 1,
					    .domid = DOMID_SELF };

	return hypercall2(__HYPERVISOR_memory_op, cmd, (uint64_t)&r);
}

static long exchange1(uint64_t mfn)
{
	uint64_t in = mfn, out = 0;
	struct xen_memory_exchange x = {
		.in = { .extent_start = (uint64_t)&in, .nr_extents = 1, .domid = DOMID_SELF },
		.out = { .extent_start = (uint64_t)&out, .nr_extents = 1, .domid = DOMID_SELF },
	};
	long rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_exchange, (uint64_t)&x);

	return rc ? rc : (x.nr_exchanged ? 0 : -1);
}

static int16_t copy1(uint64_t src, uint64_t dst)
{
	struct gnttab_copy c;

	memset(&c, 0, sizeof(c));
	c.source.u.gmfn = src;
	c.source.domid = DOMID_SELF;
	c.dest.u.gmfn = dst;
	c.dest.domid = DOMID_SELF;
	c.len = 8;
	c.status = 99;
	if (verdict_gnttab(GNTTABOP_copy, &c, 1))
		return -100;
	return c.status;
}

#define REFUSED(call, what)						\
	do {								\
		long rc_ = (long)(call);				\
		PEER_CHECK(rc_ != 0, "frame %#llx: %s accepted", (unsigned long long)f, what); \
	} while (0)

/* Every call on frame f: refused, our own page at va unchanged. */
static int attack(uint64_t f, uint64_t va)
{
	uint64_t own = va_to_mfn(va), l1 = l1e_maddr(va), m2p_before = 0;
	uint64_t desc_ma = (f << 12) | 8, data = 0x00cff3000000ffffULL;
	struct vcpu_register_vcpu_info rvi = { .mfn = f, .offset = 0 };
	struct evtchn_init_control ic = { .control_gfn = f };
	struct physdev_pirq_eoi_gmfn pe = { f };
	uint64_t gdt = f;

	*(volatile uint64_t *)va = MARK;
	if (f < 0x1000000)
		m2p_before = ((volatile const uint64_t *)MACH2PHYS_VIRT_START)[f];
	REFUSED(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, &rvi),
		"register_vcpu_info");
	REFUSED(evtchn_op(EVTCHNOP_init_control, &ic), "init_control");
	REFUSED(hypercall2(__HYPERVISOR_set_gdt, (uint64_t)&gdt, 1), "set_gdt");
	REFUSED(hypercall2(__HYPERVISOR_update_descriptor, desc_ma, data), "update_descriptor");
	REFUSED(mmu_update1(f << 12, (own << 12) | PTE_P | PTE_US | PTE_A),
		"mmu_update writing into it as a table");
	REFUSED(mmu_update1((f << 12) | MMU_MACHPHYS_UPDATE, 0x1234), "MACHPHYS_UPDATE");
	REFUSED(mmu_update1(l1, (f << 12) | PTE_P | PTE_US | PTE_A), "a PTE of ours mapping it");
	REFUSED(update_va_mapping(va, (f << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG),
		"update_va_mapping to it");
	REFUSED(mmuext1(MMUEXT_PIN_L1_TABLE, f), "pin as an L1");
	REFUSED(mmuext1(MMUEXT_PIN_L4_TABLE, f), "pin as an L4");
	REFUSED(mmuext1(MMUEXT_NEW_BASEPTR, f), "new_baseptr");
	REFUSED(mmuext_fd(MMUEXT_CLEAR_PAGE, f, 0, DOMID_SELF), "clear_page");
	REFUSED(mmuext_fd(MMUEXT_COPY_PAGE, f, own, DOMID_SELF), "copy_page into it");
	REFUSED(mmuext_fd(MMUEXT_COPY_PAGE, own, f, DOMID_SELF), "copy_page out of it");
	REFUSED(copy1(f, own), "a grant copy out of it by GMFN");
	REFUSED(copy1(own, f), "a grant copy into it by GMFN");
	PEER_CHECK(memop1(XENMEM_decrease_reservation, f) == 0, "frame %#llx given back",
		   (unsigned long long)f);
	REFUSED(exchange1(f), "exchange");
	REFUSED(hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_pirq_eoi_gmfn_v2, &pe),
		"pirq_eoi_gmfn_v2");
	PEER_CHECK(update_va_mapping(va, (own << 12) | PTE_DATA, UVMF_INVLPG) == 0 &&
		   *(volatile uint64_t *)va == MARK, "frame %#llx: our own page changed",
		   (unsigned long long)f);
	if (f < 0x1000000)
		PEER_CHECK(((volatile const uint64_t *)MACH2PHYS_VIRT_START)[f] == m2p_before,
			   "frame %#llx: its M2P entry changed", (unsigned long long)f);
	return 0;
}

static const char *peer(struct start_info *start)
{
	const uint64_t *p2m;
	uint64_t lo = ~0ULL, hi = 0, va, cand[16];
	unsigned int n = 0, i, tried = 0;

	si = start;
	p2m = (const uint64_t *)si->mfn_list;
	{
		struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)&grant_frame0 };

		if (verdict_gnttab(GNTTABOP_setup_table, &st, 1) || st.status)
			return "setup_table failed";
	}
	va = scratch_page();
	for (i = 0; i < si->nr_pages; i++) {
		lo = p2m[i] < lo ? p2m[i] : lo;
		hi = p2m[i] > hi ? p2m[i] : hi;
	}
	cand[n++] = lo - 1;
	cand[n++] = lo - 2;
	cand[n++] = lo - 513;
	cand[n++] = hi + 1;
	cand[n++] = hi + 600;
	cand[n++] = 0;
	cand[n++] = 1;
	cand[n++] = 0x100;
	cand[n++] = 0x1000;
	cand[n++] = (((const uint64_t *)si->pt_base)[256] & PTE_ADDR) >> 12;	/* hypervisor's L3 */
	cand[n++] = 0xfffffffffULL;						/* past RAM */
	for (i = 0; i < n; i++) {
		if (ours(cand[i]))
			continue;
		tried++;
		if (attack(cand[i], va))
			return why;
	}
	printf("peer: %u foreign frames, every call refused\n", tried);
	if (tried < 8) {
		snprintf(why, sizeof(why), "only %u candidate frames were not ours", tried);
		return why;
	}
	return NULL;
}

int test_main(struct start_info *si)
{
	return verdict_test(si, peer);
}
