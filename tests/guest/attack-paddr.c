// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-paddr: no page-table entry may name a frame at or above the
 * machine's physical address width (CPUID 0x80000008), whose address bits
 * are reserved: such an entry faults with RSVD when used, and the CPU may
 * still load through it speculatively (the L1TF class, XSA-273). Xen 4.17
 * refuses them in every validation path, for every domain, dom0 included:
 *
 *   1. update_va_mapping to the all-ones frame 0xffffffffff: -EINVAL
 *      (Xen reads it as "no frame");
 *   2. update_va_mapping of a valid entry with bit 51 set (a frame above
 *      the width): -EPERM, outside every domain's I/O permissions;
 *   3. mmu_update of an L1 entry to the first frame above the width (dom0
 *      through DOMID_IO, as it maps I/O memory): -EPERM;
 *   4. the same entry written straight into the L1 through its read-only
 *      mapping (writable page tables, emulated): the page fault it was;
 *   5. an L2 entry (an upper-level, possibly linear, entry) to a frame
 *      above the width: -EINVAL.
 *
 * dom0 runs them, then the unprivileged peer does, reporting through
 * lib/peer_verdict.h. Each refused entry must leave the old one in place.
 * Before the fix Lamina let dom0 make the mappings of 1-4.
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/traps.h"

#define HOOK_VA		(GUEST_VIRT_BASE + 500 * (2ULL << 20))	/* an empty L2 slot */
#define ALL_ONES_MFN	(PTE_ADDR >> 12)

static char why[VERDICT_LEN];

static unsigned int paddr_bits(void)
{
	uint32_t a, b, c, d;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000), "c"(0));
	if (a < 0x80000008)
		return 36;
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000008), "c"(0));
	return a & 0xff;
}

/* Puts a wrongly accepted entry back, then says so. */
static int undo(uint64_t va, uint64_t old, long rc, const char *what)
{
	update_va_mapping(va, old, UVMF_INVLPG);
	snprintf(why, sizeof(why), "%s gave %ld", what, rc);
	return -1;
}

static int probe(bool dom0)
{
	uint64_t va = scratch_page(), l1e = l1e_maddr(va), l2e = table_maddr(HOOK_VA, 2);
	uint64_t old = *entry_at(l1e), beyond;
	volatile uint64_t *pte = entry_at(l1e);
	unsigned int bits = paddr_bits();
	long rc;

	PEER_CHECK(bits >= 32 && bits < 52, "CPUID gives %u physical address bits", bits);
	beyond = 1ULL << (bits - 12);
	printf("%s: %u physical address bits, first frame beyond %#llx\n", dom0 ? "dom0" : "peer",
	       bits, (unsigned long long)beyond);

	rc = update_va_mapping(va, (ALL_ONES_MFN << 12) | PTE_DATA, UVMF_INVLPG);
	if (rc != -EINVAL)
		return undo(va, old, rc, "update_va_mapping to frame 0xffffffffff");
	rc = update_va_mapping(va, old | (1ULL << 51), UVMF_INVLPG);
	if (rc != -EPERM)
		return undo(va, old, rc, "update_va_mapping with bit 51");
	rc = hypercall5(__HYPERVISOR_mmu_update,
			(uint64_t)&(struct mmu_update){ l1e, (beyond << 12) | PTE_DATA }, 1, 0,
			dom0 ? DOMID_IO : DOMID_SELF, 0);
	if (rc != -EPERM)
		return undo(va, old, rc, "mmu_update of an L1 entry beyond the width");
	PEER_CHECK(*entry_at(l1e) == old, "a refused entry changed the L1 (%#llx)",
		    (unsigned long long)*entry_at(l1e));

	/* 4: the writable-page-table path, through the L1's read-only mapping */
	PEER_CHECK(hypercall2(__HYPERVISOR_vm_assist, VMASST_CMD_enable,
			       VMASST_TYPE_writable_pagetables) == 0, "vm_assist failed");
	traps_taken = 0;
	EXPECT_TRAP("movq %1, (%0)", : : "r"(pte), "r"(old | (1ULL << 51)) : "memory");
	if (traps_taken != 1 || *entry_at(l1e) != old)
		return undo(va, old, traps_taken, "an emulated L1 write beyond the width: traps");
	traps_taken = 0;
	EXPECT_TRAP("movq %1, (%0)", : : "r"(pte), "r"((ALL_ONES_MFN << 12) | PTE_DATA) : "memory");
	if (traps_taken != 1 || *entry_at(l1e) != old)
		return undo(va, old, traps_taken, "an emulated L1 write of frame 0xffffffffff: traps");

	/* 5: an upper-level entry */
	PEER_CHECK(!(*entry_at(l2e) & PTE_P), "the L2 slot of HOOK_VA is not empty");
	rc = mmu_update1(l2e, (beyond << 12) | PTE_P | PTE_US | PTE_A);
	if (rc == 0)
		mmu_update1(l2e, 0);
	PEER_CHECK(rc == -EINVAL, "an L2 entry beyond the width gave %ld", rc);
	return 0;
}

static void __attribute__((noreturn)) peer(struct start_info *si)
{
	uint64_t frame = 0, t0 = scratch_page();
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)&frame };
	struct verdict v;

	if (traps_install(false) || verdict_gnttab(GNTTABOP_setup_table, &st, 1) || st.status ||
	    update_va_mapping(t0, (frame << 12) | PTE_DATA, UVMF_INVLPG) ||
	    verdict_offer(&v, (struct grant_entry_v1 *)t0, (char *)scratch_page())) {
		printf("peer: no traps, grant table or port\n");
		shutdown(SHUTDOWN_crash);
	}
	verdict_send(&v, probe(false) ? why : NULL);
}

int test_main(struct start_info *si)
{
	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer(si);
	CHECK(traps_install(false) == 0, "set_trap_table failed");
	CHECK(probe(true) == 0, "dom0: %s", why);
	return verdict_await_peer(si);
}
