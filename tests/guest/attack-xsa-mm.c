// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-xsa-mm: page-table and TLB attacks modelled on more Xen Security
 * Advisories, each a row (conform.h) with Xen 4.17's answer, made by dom0
 * and again by an unprivileged peer (conform_peer.h):
 *   - XSA-279: TLB flushes of non-canonical and hypervisor addresses
 *     (mmuext_op invlpg_local/_all/_multi, update_va_mapping with
 *     UVMF_INVLPG at such a va, and with a flush after an update that is
 *     refused): the flush must never reach the CPU with the bad address;
 *   - XSA-299, XSA-310, XSA-290 class: a pin whose validation fails part
 *     way down a tree (an L3 entry with PS in the last L3, an L1 entry
 *     naming a hypervisor frame in the last L1), after validating the
 *     same L3 many times over: every type reference taken on the way is
 *     given back (the tables map writable afterwards), and the fixed tree
 *     pins, holds its tables, and unpins;
 *   - XSA-402: cache attributes (PCD, PWT, PAT) in an L1 entry for a frame
 *     of RAM: a domU without I/O rights is refused, dom0 may (the frame's
 *     contents read the same through both mappings).
 * dom0 must pass its exit audit afterwards.
 * @expect-log: mm audit d0: ok
 * @domus: self:peer:role=peer
 */
#include "conform_peer.h"

#define NONCANON	0x8000000000000000ULL
#define NONCANON_LOW	0x0000800000000000ULL
#define HV_VA		0xffff800000001000ULL
#define PAT_L1		0x080ULL	/* bit 7 of an L1 entry */
#define PWT		0x008ULL
#define PCD		0x010ULL
#define L4_SPREAD	200		/* L4 slots naming the same L3 */

static struct start_info *si;

static long ext2(unsigned int cmd, uint64_t arg1, uint64_t arg2)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.linear_addr = arg1, .arg2.vcpumask = arg2 };

	return hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF, 0);
}

/* Remap one of our scratch pages (its va) read-only or writable. */
static long remap(uint64_t mfn, bool writable)
{
	return update_va_mapping(mfn_to_va(mfn), writable ? pte_rw(mfn) : pte_ro(mfn), UVMF_INVLPG);
}

/* Slot i of a scratch table page, written through a writable mapping. */
static void set_slot(uint64_t mfn, unsigned int i, uint64_t e)
{
	remap(mfn, true);
	((volatile uint64_t *)mfn_to_va(mfn))[i] = e;
	remap(mfn, false);
}

static void xsa279_rows(void)
{
	static uint64_t vcpu0 = 1;
	uint64_t s = scratch_page(), smfn = va_to_mfn(s);

	ROW("XSA-279 invlpg_local non-canonical", ext2(MMUEXT_INVLPG_LOCAL, NONCANON, 0), 0);
	ROW("XSA-279 invlpg_local non-canonical (low end)",
	    ext2(MMUEXT_INVLPG_LOCAL, NONCANON_LOW, 0), 0);
	ROW("XSA-279 invlpg_all non-canonical", ext2(MMUEXT_INVLPG_ALL, NONCANON, 0), 0);
	ROW("XSA-279 invlpg_multi non-canonical",
	    ext2(MMUEXT_INVLPG_MULTI, NONCANON, (uint64_t)&vcpu0), 0);
	ROW("XSA-279 invlpg_local hypervisor va", ext2(MMUEXT_INVLPG_LOCAL, HV_VA, 0), 0);
	ROW("XSA-279 invlpg_all hypervisor va", ext2(MMUEXT_INVLPG_ALL, HV_VA, 0), 0);
	ROW("XSA-279 update_va_mapping non-canonical, invlpg local",
	    update_va_mapping(NONCANON, 0, UVMF_INVLPG | UVMF_LOCAL), -EINVAL);
	ROW("XSA-279 update_va_mapping non-canonical, invlpg all",
	    update_va_mapping(NONCANON, 0, UVMF_INVLPG | UVMF_ALL), -EINVAL);
	ROW("XSA-279 update_va_mapping non-canonical, invlpg multi",
	    update_va_mapping(NONCANON_LOW, 0, UVMF_INVLPG | (uint64_t)&vcpu0), -EINVAL);
	ROW("XSA-279 update_va_mapping hypervisor va, invlpg all",
	    update_va_mapping(HV_VA, 0, UVMF_INVLPG | UVMF_ALL), -EINVAL);
	ROW("XSA-279 update_va_mapping refused entry, then invlpg all",
	    update_va_mapping(s, pte_ro(hypervisor_l3_mfn(si)), UVMF_INVLPG | UVMF_ALL), -EBUSY);
	ROW("XSA-279 update_va_mapping refused entry, then flush local",
	    update_va_mapping(s, pte_rw(smfn) | (1ULL << 51), UVMF_TLB_FLUSH | UVMF_LOCAL), -EPERM);
	ROW("XSA-279 the page refused a new entry still maps itself",
	    update_va_mapping(s, pte_rw(smfn), UVMF_INVLPG), 0);
	*(volatile uint64_t *)s = 0x279;
	ROW("XSA-279 and holds what was written", *(volatile uint64_t *)s, 0x279);
}

/*
 * An L4 whose first L4_SPREAD slots name one L3 (itself naming an L2 and
 * an L1) and whose next slot names a second L3 with a bad entry, or whose
 * L1 holds one: the pin fails at the very end of its walk.
 */
static void partial_rows(void)
{
	uint64_t l1 = table_page(0), l2 = table_page(pte_ro(l1)), l3 = table_page(pte_ro(l2));
	uint64_t l2b = table_page(0), l3b = table_page(0), l4 = table_page(0), l4v;
	uint64_t victim, bad1, c1, c2, c3, c4;
	unsigned int i;

	set_slot(l3b, 0, pte_ro(l2b));
	set_slot(l3b, 5, pte_ro(l2b) | PTE_PSE);	/* a 1 GiB entry: refused */
	remap(l4, true);
	l4v = mfn_to_va(l4);
	for (i = 0; i < L4_SPREAD; i++)
		((volatile uint64_t *)l4v)[i] = pte_ro(l3);
	((volatile uint64_t *)l4v)[L4_SPREAD] = pte_ro(l3b);
	remap(l4, false);

	ROW("XSA-299 pin an L4 whose last L3 is bad", mmuext_fd(MMUEXT_PIN_L4_TABLE, l4, 0,
								 DOMID_SELF), -EINVAL);
	ROW("XSA-299 the L3 validated 200 times maps writable", remap(l3, true), 0);
	ROW("XSA-299 back read-only", remap(l3, false), 0);
	ROW("XSA-299 its L2 maps writable", remap(l2, true), 0);
	ROW("XSA-299 its L2 back read-only", remap(l2, false), 0);
	ROW("XSA-299 its L1 maps writable", remap(l1, true), 0);
	ROW("XSA-299 its L1 back read-only", remap(l1, false), 0);
	ROW("XSA-299 the L2 under the bad L3 maps writable", remap(l2b, true), 0);
	ROW("XSA-299 that L2 back read-only", remap(l2b, false), 0);
	ROW("XSA-299 the L4 maps writable", remap(l4, true), 0);
	ROW("XSA-299 the L4 back read-only", remap(l4, false), 0);
	ROW("XSA-299 pin the bad L3 alone", mmuext_fd(MMUEXT_PIN_L3_TABLE, l3b, 0, DOMID_SELF),
	    -EINVAL);
	ROW("XSA-299 pin the good L3 alone", mmuext_fd(MMUEXT_PIN_L3_TABLE, l3, 0, DOMID_SELF), 0);
	ROW("XSA-299 pin the bad L4 again, its first L3 pinned",
	    mmuext_fd(MMUEXT_PIN_L4_TABLE, l4, 0, DOMID_SELF), -EINVAL);
	ROW("XSA-299 unpin the good L3", mmuext_fd(MMUEXT_UNPIN_TABLE, l3, 0, DOMID_SELF), 0);
	ROW("XSA-299 the good L3 maps writable once unpinned", remap(l3, true), 0);
	ROW("XSA-299 good L3 back read-only", remap(l3, false), 0);

	/*
	 * The bad entry moved down: the second L3's L2 names an L1 whose
	 * first ten entries map a spare page writable (a writable type on it
	 * each) and whose eleventh maps a hypervisor frame.
	 */
	set_slot(l3b, 5, 0);
	victim = table_page(0);
	bad1 = scratch_page();
	for (i = 0; i < 10; i++)
		((volatile uint64_t *)bad1)[i] = pte_rw(victim);
	((volatile uint64_t *)bad1)[10] = pte_ro(hypervisor_l3_mfn(si));
	bad1 = va_to_mfn(bad1);
	remap(bad1, false);
	set_slot(l2b, 0, pte_ro(bad1));
	ROW("XSA-310 pin an L4 whose last L1 maps a hypervisor frame",
	    mmuext_fd(MMUEXT_PIN_L4_TABLE, l4, 0, DOMID_SELF), -EBUSY);
	/*
	 * Xen leaves the L4 that failed part way to the vCPU's next
	 * mmu_update or mmuext_op (old_guest_table); update_va_mapping does
	 * not finish it. Lamina gives every reference back before the pin
	 * returns. One flush makes both alike.
	 */
	ROW("XSA-310 a local flush", mmuext_fd(MMUEXT_TLB_FLUSH_LOCAL, 0, 0, DOMID_SELF), 0);
	ROW("XSA-310 the page the bad L1 mapped writable pins as an L1",
	    mmuext_fd(MMUEXT_PIN_L1_TABLE, victim, 0, DOMID_SELF), 0);
	ROW("XSA-310 that page unpinned", mmuext_fd(MMUEXT_UNPIN_TABLE, victim, 0, DOMID_SELF), 0);
	ROW("XSA-310 the bad L1 maps writable", remap(bad1, true), 0);
	ROW("XSA-310 the bad L1 back read-only", remap(bad1, false), 0);
	ROW("XSA-310 the second L2 maps writable", remap(l2b, true), 0);
	ROW("XSA-310 the second L2 back read-only", remap(l2b, false), 0);
	ROW("XSA-310 the second L3 maps writable", remap(l3b, true), 0);
	ROW("XSA-310 the second L3 back read-only", remap(l3b, false), 0);

	/* Fixed: the whole tree pins, holds its tables, unpins. */
	set_slot(bad1, 10, 0);
	ROW("XSA-310 pin the fixed L4", mmuext_fd(MMUEXT_PIN_L4_TABLE, l4, 0, DOMID_SELF), 0);
	ROW("XSA-310 its shared L3 cannot map writable", remap(l3, true), -EBUSY);
	ROW("XSA-310 its L1 cannot map writable", remap(l1, true), -EBUSY);
	ROW("XSA-310 the page its L1 maps writable cannot be pinned",
	    mmuext_fd(MMUEXT_PIN_L1_TABLE, victim, 0, DOMID_SELF), -EINVAL);
	ROW("XSA-310 unpin the L4", mmuext_fd(MMUEXT_UNPIN_TABLE, l4, 0, DOMID_SELF), 0);
	ROW("XSA-310 the L3 maps writable once unpinned", remap(l3, true), 0);
	ROW("XSA-310 the L1 maps writable once unpinned", remap(l1, true), 0);
	ROW("XSA-310 the page pins once the tree is gone",
	    mmuext_fd(MMUEXT_PIN_L1_TABLE, victim, 0, DOMID_SELF), 0);
	ROW("XSA-310 and unpins", mmuext_fd(MMUEXT_UNPIN_TABLE, victim, 0, DOMID_SELF), 0);
	remap(l3, false);
	remap(l1, false);

	/*
	 * An L2 that fails part way (its first entry validated an L1) under
	 * an L4 that fails part way: Xen 4.17 records both as the vCPU's one
	 * old_guest_table, the L4 last, and never releases the L2 (it and
	 * its L1 stay typed). Lamina releases both (conformance.md).
	 */
	c1 = table_page(0);
	c2 = table_page(pte_ro(c1));
	set_slot(c2, 1, pte_ro(table_page(pte_ro(hypervisor_l3_mfn(si)))));
	c3 = table_page(pte_ro(c2));
	c4 = table_page(pte_ro(l3));
	set_slot(c4, 1, pte_ro(c3));
	ROW("XSA-310 pin an L4 whose L2 fails after its first entry",
	    mmuext_fd(MMUEXT_PIN_L4_TABLE, c4, 0, DOMID_SELF), -EBUSY);
	ROW("XSA-310 a local flush again", mmuext_fd(MMUEXT_TLB_FLUSH_LOCAL, 0, 0, DOMID_SELF), 0);
	ROW("XSA-310 the L3 above it maps writable", remap(c3, true), 0);
	ROW("XSA-310 that L3 back read-only", remap(c3, false), 0);
	ROWL("XSA-310 the L2 that failed part way maps writable", remap(c2, true), -EBUSY, 0);
	ROWL("XSA-310 the L1 under it maps writable", remap(c1, true), -EBUSY, 0);
}

static void xsa402_rows(void)
{
	bool dom0 = si->flags & SIF_INITDOMAIN;
	uint64_t s = scratch_page(), smfn = va_to_mfn(s), alias = scratch_page();
	uint64_t amfn = va_to_mfn(alias);
	static const struct { const char *name; uint64_t bits; } attrs[] = {
		{ "XSA-402 RAM mapped with PCD", PCD },
		{ "XSA-402 RAM mapped with PWT", PWT },
		{ "XSA-402 RAM mapped with PAT", PAT_L1 },
		{ "XSA-402 RAM mapped with PCD PWT PAT", PCD | PWT | PAT_L1 },
	};
	unsigned int i;

	*(volatile uint64_t *)s = 0x402;
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		long rc = update_va_mapping(alias, pte_rw(smfn) | attrs[i].bits, UVMF_INVLPG);

		ROW(attrs[i].name, rc, dom0 ? 0 : -EINVAL);
		if (rc)
			continue;
		ROW("XSA-402 read through the uncached alias", *(volatile uint64_t *)alias,
		    0x402 + i);
		*(volatile uint64_t *)alias = 0x403 + i;
		ROW("XSA-402 write seen through the cached mapping", *(volatile uint64_t *)s,
		    0x403 + i);
	}
	if (dom0)
		*(volatile uint64_t *)s = 0x402;
	ROW("XSA-402 a page table mapped read-only with PCD",
	    update_va_mapping(alias, pte_ro(va_to_mfn(si->pt_base)) | PCD, UVMF_INVLPG),
	    dom0 ? 0 : -EINVAL);
	ROW("XSA-402 the alias page mapped back", update_va_mapping(alias, pte_rw(amfn), UVMF_INVLPG), 0);
}

static void rows(void *arg)
{
	si = arg;
	xsa279_rows();
	partial_rows();
	xsa402_rows();
}

int test_main(struct start_info *start)
{
	return conform_dom0_and_peer(start, rows, start, "xsa-mm");
}
