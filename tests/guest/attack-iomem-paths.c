// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-iomem-paths: a PV domU that dom0 gave MMIO frames (domctl
 * iomem_permission) tries every other path to them, with Xen 4.17's
 * answers (get_page_from_l1e, get_paged_frame, steal_page, the PV
 * get_page_from_gfn: an MMIO frame is dom_io's, never the domU's):
 *   dom0 gives the peer the VGA frame 0xb8, the frames 0xc0-0xcf and
 *   0xc8-0xd7 (overlapping: one range), takes 0xc4 back (a split) and
 *   gives it the IO-APIC. dom0 maps 0xb8 under the peer's id (0), 0xa0
 *   not (-EPERM); it gives the peer 0xb9 and takes 0xb9 from itself: then
 *   under any name -EPERM for dom0, giving or taking 0xb9 again -EPERM.
 *   A domain dom0 makes with a full list (32 ranges): a take-back that
 *   splits a range -ENOMEM on Lamina (Xen 0), one that trims an end 0.
 *   The peer: 0xbf, 0xc4 and 0xd8 -EPERM, 0xb9, 0xc0, 0xc3, 0xc5 and
 *   0xd7 mapped, the IO-APIC mapped read-only when asked writable; 0xb8
 *   refused everywhere but an L1 entry: a pin as an L1 -EINVAL, set_gdt
 *   and update_descriptor on it -EINVAL, its M2P entry (MACHPHYS_UPDATE,
 *   DOMID_SELF) -EINVAL, decrease_reservation 0 extents, exchange
 *   -EINVAL, a grant of it to itself mapped or copied GNTST_bad_page, a
 *   copy naming it as the caller's frame GNTST_bad_page, a transfer of it
 *   GNTST_bad_page; update_va_mapping_otherdomain under DOMID_IO and
 *   mmu_update under dom0's id -EPERM. With I/O rights it may map its own
 *   RAM uncached (0), but not the pages the hypervisor shares with it
 *   (shared_info, the grant table's frame: -EACCES, Xen's "Attempt to
 *   change cache attributes of Xen heap page"). A pin of an L1 holding
 *   such an entry, or one of a frame not given, past the address width
 *   or the local APIC: Xen the entry's error, Lamina -EINVAL.
 *   Then (after the first go) dom0 takes 0xb8 back and gives it again
 *   2000 times while the peer maps it 2000 times (every answer 0 or
 *   -EPERM; at --smp 2 both at once), and leaves it given. After the
 *   second go the peer writes entries through an L1's read-only mapping
 *   (writable page tables): 0xb8 stored, 0xa0 and shared_info uncached
 *   refused (the #PF left to the guest); an LDT on 0xb8's mapping
 *   (SET_LDT 0) has its first use, a selector load or an iret onto it,
 *   end in the guest's #PF at its address.
 *   Then it maps 0xb8, pins an L1 holding it and powers off with both:
 *   on Lamina its power-off destroys it, and the frame audit that runs
 *   then finds every reference dropped.
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/gnt_self.h"
#include "lib/domctl.h"
#include "lib/traps.h"
#include <lamina/memory.h>

#define VGA_MFN		0xb8ULL
#define DROPPED_MFN	0xb9ULL		/* given, then taken from dom0 itself */
#define IOAPIC_MFN	0xfec00ULL
#define HOOK_VA		(GUEST_VIRT_BASE + 500 * (2ULL << 20))	/* an empty L2 slot */
#define RO_PTE		(PTE_P | PTE_A)
#define IO_PTE		(PTE_P | PTE_RW | PTE_A | PTE_D)
#define PCD		0x10ULL
#define MMIO_REF	5
#define ROUNDS		2000

static char why[VERDICT_LEN];
static struct start_info *start;

/*
 * The list's ranges after the overlap and the split; 0xb9, which dom0
 * gave and then took from itself; the IO-APIC, given and mapped
 * read-only whatever the request (Xen's mmio_ro_ranges).
 */
static int peer_ranges(uint64_t va)
{
	static const struct { uint64_t mfn; long rc; } rows[] = {
		{ 0xb9, 0 }, { 0xbf, -EPERM }, { 0xc0, 0 }, { 0xc3, 0 }, { 0xc4, -EPERM },
		{ 0xc5, 0 }, { 0xd7, 0 }, { 0xd8, -EPERM },
	};
	unsigned int i;
	long rc;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		rc = try_map(va, rows[i].mfn, RO_PTE, DOMID_SELF);
		PEER_CHECK(rc == rows[i].rc, "mapping frame %#llx gave %ld, not %ld",
			   (unsigned long long)rows[i].mfn, rc, rows[i].rc);
	}
	rc = update_va_mapping(va, (IOAPIC_MFN << 12) | IO_PTE | PCD, UVMF_INVLPG);
	PEER_CHECK(rc == 0, "mapping the IO-APIC gave %ld", rc);
	PEER_CHECK(!(l1e_of(va) & PTE_RW), "the IO-APIC mapped writable: %#llx",
		   (unsigned long long)l1e_of(va));
	PEER_CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping the IO-APIC failed");
	return 0;
}

static long memop(unsigned int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_memory_op, cmd, arg);
}

/* 0xb8 named where a frame of the caller's RAM is wanted. */
static int peer_not_ram(void)
{
	uint64_t frames[1] = { VGA_MFN }, in = VGA_MFN, out = 0;
	struct xen_memory_exchange x = {
		{ (uint64_t)&in, 1, 0, 0, DOMID_SELF, { 0 } },
		{ (uint64_t)&out, 1, 0, 0, DOMID_SELF, { 0 } }, 0 };
	struct mmu_update m2p = { (VGA_MFN << 12) | MMU_MACHPHYS_UPDATE, 0x1234 };
	long rc;

	rc = mmuext1(MMUEXT_PIN_L1_TABLE, VGA_MFN);
	PEER_CHECK(rc == -EINVAL, "pinning 0xb8 as an L1 gave %ld", rc);
	rc = hypercall2(__HYPERVISOR_set_gdt, frames, 16);
	PEER_CHECK(rc == -EINVAL, "set_gdt on 0xb8 gave %ld", rc);
	rc = hypercall2(__HYPERVISOR_update_descriptor, VGA_MFN << 12, 0);
	PEER_CHECK(rc == -EINVAL, "update_descriptor on 0xb8 gave %ld", rc);
	rc = hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&m2p, 1, 0, DOMID_SELF, 0);
	PEER_CHECK(rc == -EINVAL, "0xb8's M2P entry (DOMID_SELF) gave %ld", rc);
	rc = give_back_frame(VGA_MFN);
	PEER_CHECK(rc == 0, "decrease_reservation of 0xb8 gave %ld", rc);
	rc = memop(XENMEM_exchange, &x);
	PEER_CHECK(rc == -EINVAL && x.nr_exchanged == 0, "exchange of 0xb8 gave %ld (%llu done)",
		   rc, (unsigned long long)x.nr_exchanged);
	return 0;
}

/* 0xb8 through the grant table: its own grant of it, a copy, a transfer. */
static int peer_grants(uint64_t va)
{
	struct grant_entry_v1 *t = gnt_self_table();
	struct gnttab_copy c;
	struct gnttab_transfer tr = { VGA_MFN, 0, 0, 0, 0, 0, 0 };
	uint64_t dst = scratch_page();
	grant_handle_t h;
	long rc;

	PEER_CHECK(t && gnt_self_dom_init(start) == 0, "no grant table or own id");
	t[MMIO_REF].domid = gnt_self_dom;
	t[MMIO_REF].frame = VGA_MFN;
	__atomic_store_n(&t[MMIO_REF].flags, GTF_permit_access, __ATOMIC_RELEASE);
	PEER_CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping a scratch page failed");
	rc = gnt_map(MMIO_REF, va, GNTMAP_host_map, &h);
	PEER_CHECK(rc == GNTST_bad_page, "mapping its grant of 0xb8 gave %ld", rc);
	rc = gnt_map(MMIO_REF, va, GNTMAP_host_map | GNTMAP_readonly, &h);
	PEER_CHECK(rc == GNTST_bad_page, "mapping its grant of 0xb8 read-only gave %ld", rc);
	memset(&c, 0, sizeof(c));
	c.source.u.ref = MMIO_REF;
	c.source.domid = gnt_self_dom;
	c.dest.u.gmfn = va_to_mfn(dst);
	c.dest.domid = DOMID_SELF;
	c.len = 8;
	c.flags = GNTCOPY_source_gref;
	rc = gnttab(GNTTABOP_copy, &c, 1);
	PEER_CHECK(rc == 0 && c.status == GNTST_bad_page, "copying from its grant of 0xb8 gave %ld/%d",
		   rc, c.status);
	c.source.u.gmfn = VGA_MFN;
	c.source.domid = DOMID_SELF;
	c.flags = 0;
	rc = gnttab(GNTTABOP_copy, &c, 1);
	PEER_CHECK(rc == 0 && c.status == GNTST_bad_page, "copying from frame 0xb8 gave %ld/%d", rc,
		   c.status);
	rc = gnttab(GNTTABOP_transfer, &tr, 1);
	PEER_CHECK(rc == 0 && tr.status == GNTST_bad_page, "transferring 0xb8 gave %ld/%d", rc,
		   tr.status);
	__atomic_store_n(&t[MMIO_REF].flags, 0, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Other domains' names for 0xb8, and cache attributes with I/O rights.
 * A pin of an L1 holding an entry the mapping calls refuse, of an L2
 * naming such an L1, or an L2 entry written to name it: the entry's own
 * error (-EACCES, -EPERM), which Xen 4.17's validation passes up every
 * level (Lamina answered -EINVAL until 7 Dec).
 */
static int peer_names_and_cache(uint64_t va)
{
	/* not given, past a 40-bit address width (QEMU's), the local APIC */
	static const uint64_t refused[] = { 0xa0, 1ULL << 28, 0xfee00 };
	uint64_t own = scratch_page(), gt = 0, l1;
	unsigned int i;
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)&gt };
	long rc;

	rc = hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, va, (VGA_MFN << 12) | RO_PTE,
			UVMF_INVLPG, DOMID_IO, 0);
	PEER_CHECK(rc == -EPERM, "update_va_mapping_otherdomain under DOMID_IO gave %ld", rc);
	rc = try_map(va, VGA_MFN, RO_PTE, 0);
	PEER_CHECK(rc == -EPERM, "mmu_update of 0xb8 under dom0's id gave %ld", rc);
	rc = update_va_mapping(va, (va_to_mfn(own) << 12) | IO_PTE | PCD, UVMF_INVLPG);
	PEER_CHECK(rc == 0, "its own RAM uncached gave %ld", rc);
	PEER_CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping it failed");
	rc = update_va_mapping(va, (start->shared_info & PTE_ADDR) | IO_PTE | PCD, UVMF_INVLPG);
	PEER_CHECK(rc == -EACCES, "its shared_info uncached gave %ld", rc);
	rc = update_va_mapping(va, (start->shared_info & PTE_ADDR) | RO_PTE | PCD, UVMF_INVLPG);
	PEER_CHECK(rc == -EACCES, "its shared_info uncached read-only gave %ld", rc);
	l1 = table_page((start->shared_info & PTE_ADDR) | RO_PTE | PCD);
	rc = mmuext1(MMUEXT_PIN_L1_TABLE, l1);
	PEER_CHECK(rc == -EACCES, "pinning an L1 that maps shared_info uncached gave %ld", rc);
	rc = mmuext1(MMUEXT_PIN_L2_TABLE, table_page(pte_ro(l1)));
	PEER_CHECK(rc == -EACCES, "pinning an L2 over that L1 gave %ld", rc);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		l1 = table_page((refused[i] << 12) | RO_PTE);
		rc = mmuext1(MMUEXT_PIN_L1_TABLE, l1);
		PEER_CHECK(rc == -EPERM, "pinning an L1 that maps frame %#llx gave %ld",
			   (unsigned long long)refused[i], rc);
		rc = mmuext1(MMUEXT_PIN_L2_TABLE, table_page(pte_ro(l1)));
		PEER_CHECK(rc == -EPERM, "pinning an L2 over an L1 that maps frame %#llx gave %ld",
			   (unsigned long long)refused[i], rc);
		rc = mmu_update1(table_maddr(HOOK_VA, 2), pte_ro(l1));
		PEER_CHECK(rc == -EPERM, "an L2 entry naming an L1 that maps frame %#llx gave %ld",
			   (unsigned long long)refused[i], rc);
	}
	PEER_CHECK(gnttab(GNTTABOP_setup_table, &st, 1) == 0 && st.status == 0,
		   "setup_table failed");
	rc = update_va_mapping(va, (gt << 12) | IO_PTE | PCD, UVMF_INVLPG);
	PEER_CHECK(rc == -EACCES, "its grant-table frame uncached gave %ld", rc);
	rc = update_va_mapping(va, (gt << 12) | IO_PTE, UVMF_INVLPG);
	PEER_CHECK(rc == 0, "its grant-table frame write-back gave %ld", rc);
	PEER_CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping it failed");
	return 0;
}

/* While dom0 takes 0xb8 back and gives it again: every answer 0 or -EPERM. */
static int peer_race(uint64_t va)
{
	unsigned int i, mapped = 0;
	long rc;

	for (i = 0; i < ROUNDS; i++) {
		rc = try_map(va, VGA_MFN, IO_PTE, DOMID_SELF);
		PEER_CHECK(rc == 0 || rc == -EPERM, "mapping 0xb8 during the race gave %ld", rc);
		mapped += rc == 0;
	}
	printf("peer: %u of %u maps of 0xb8 while dom0 took it back and gave it\n", mapped, ROUNDS);
	return 0;
}

/* A fault of an iret onto an LDT selector: flat selectors back, so the handler's iret returns. */
static bool iret_ldt_repair(struct trap_frame *f)
{
	if ((f->cs & ~3ULL) == 4) {
		f->cs = FLAT_KERNEL_CS & ~3;
		f->ss = FLAT_KERNEL_SS;
	}
	return false;
}

/*
 * An LDT on 0xb8 (mapped read-only at va, SET_LDT of one entry): its
 * first use cannot give the frame the descriptor type, so the guest gets
 * the page fault at the LDT's address, as Xen's handle_ldt_mapping_fault:
 * for a selector loaded into %fs, and for an iret onto its entry 0 as
 * CS (Xen's own iretq faults there: #PF, error 0, in kernel mode).
 */
static int peer_ldt(uint64_t va)
{
	uint16_t ldt0 = 7;	/* LDT entry 0, RPL 3 */
	uint64_t cr2;
	long rc;

	PEER_CHECK(update_va_mapping(va, (VGA_MFN << 12) | RO_PTE, UVMF_INVLPG) == 0,
		   "mapping 0xb8 for an LDT failed");
	rc = mmuext_fd(MMUEXT_SET_LDT, va, 1, DOMID_SELF);
	PEER_CHECK(rc == 0, "SET_LDT on 0xb8's mapping gave %ld", rc);
	traps_taken = 0;
	EXPECT_TRAP("movw %w0, %%fs", : : "r"(ldt0) : "memory");
	cr2 = ((volatile struct vcpu_info *)&shared->vcpu_info[0])->arch.cr2;
	PEER_CHECK(traps_taken == 1 && last_trap.vector == 14 && cr2 == va,
		   "loading an LDT selector on 0xb8: %u traps, vector %llu, cr2 %#llx (va %#llx)",
		   traps_taken, (unsigned long long)last_trap.vector, (unsigned long long)cr2,
		   (unsigned long long)va);
	trap_hook = iret_ldt_repair;
	traps_taken = 0;
	iret_hypercall(4, FLAT_KERNEL_SS);	/* LDT entry 0, RPL 0: kernel mode */
	trap_hook = NULL;
	cr2 = ((volatile struct vcpu_info *)&shared->vcpu_info[0])->arch.cr2;
	PEER_CHECK(traps_taken == 1 && last_trap.vector == 14 && last_trap.error == 0 && cr2 == va,
		   "iret onto an LDT selector on 0xb8: %u traps, vector %llu, error %#llx, cr2 %#llx",
		   traps_taken, (unsigned long long)last_trap.vector,
		   (unsigned long long)last_trap.error, (unsigned long long)cr2);
	PEER_CHECK(mmuext_fd(MMUEXT_SET_LDT, 0, 0, DOMID_SELF) == 0, "dropping the LDT failed");
	PEER_CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping 0xb8 failed");
	return 0;
}

/*
 * The same entries written through the L1's read-only mapping (writable
 * page tables: the write is emulated): 0xb8 stored, 0xa0 and shared_info
 * uncached refused, which leaves the write's #PF to the guest.
 */
static int peer_ptwr(void)
{
	uint64_t va = scratch_page(), ma;
	volatile uint64_t *p;

	PEER_CHECK(traps_install(false) == 0, "set_trap_table failed");
	PEER_CHECK(hypercall2(__HYPERVISOR_vm_assist, VMASST_CMD_enable,
			      VMASST_TYPE_writable_pagetables) == 0, "vm_assist failed");
	PEER_CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping a scratch page failed");
	ma = l1e_maddr(va);
	p = entry_at(ma);
	PEER_CHECK(store_ok(p, (VGA_MFN << 12) | IO_PTE), "an emulated write of 0xb8 trapped");
	PEER_CHECK((l1e_of(va) & PTE_ADDR) >> 12 == VGA_MFN && (l1e_of(va) & PTE_P),
		   "the emulated write of 0xb8 left %#llx", (unsigned long long)l1e_of(va));
	PEER_CHECK(store_ok(p, 0), "an emulated clear trapped");
	PEER_CHECK(!store_ok(p, (0xa0ULL << 12) | IO_PTE) && l1e_of(va) == 0,
		   "an emulated write of 0xa0 went through: %#llx", (unsigned long long)l1e_of(va));
	PEER_CHECK(!store_ok(p, (start->shared_info & PTE_ADDR) | IO_PTE | PCD) && l1e_of(va) == 0,
		   "an emulated write of shared_info uncached went through: %#llx",
		   (unsigned long long)l1e_of(va));
	return peer_ldt(va);
}

/* After the second go: 0xb8 given; mapped and in a pinned L1 at power-off. */
static int peer_hold(void)
{
	uint64_t va = scratch_page(), l1;
	long rc;

	rc = update_va_mapping(va, (VGA_MFN << 12) | IO_PTE, UVMF_INVLPG);
	PEER_CHECK(rc == 0, "mapping 0xb8 after the race gave %ld", rc);
	l1 = table_page((VGA_MFN << 12) | IO_PTE);
	rc = mmuext1(MMUEXT_PIN_L1_TABLE, l1);
	PEER_CHECK(rc == 0, "pinning an L1 that maps 0xb8 gave %ld", rc);
	return 0;
}

static void __attribute__((noreturn)) peer(void)
{
	uint64_t va;
	struct verdict v;
	int rc;

	verdict_wait_go();	/* the frames given */
	va = scratch_page();
	rc = update_va_mapping(va, 0, UVMF_INVLPG) ? -1 : 0;
	if (!rc)
		rc = peer_ranges(va);
	if (!rc)
		rc = peer_not_ram();
	if (!rc)
		rc = peer_grants(va);
	if (!rc)
		rc = peer_names_and_cache(va);
	if (!rc)
		rc = peer_race(va);
	verdict_wait_go();	/* the race over, 0xb8 given */
	if (!rc)
		rc = peer_ptwr();
	if (!rc)
		rc = peer_hold();
	verdict_offer_frame0(&v);
	verdict_send(&v, rc ? why : NULL);
}

/*
 * dom0's mappings of the peer's frames (foreigndom the peer: both lists
 * must hold the frame), and 0xb9 given to the peer and then taken from
 * dom0 itself: dom0 can no longer map it by any name, nor give it or
 * take it back (Xen checks the caller's list for both).
 */
static int dom0_rows(domid_t peer)
{
	uint64_t va = scratch_page();
	long rc;

	CHECK(update_va_mapping(va, 0, UVMF_INVLPG) == 0, "unmapping a scratch page failed");
	CHECK((rc = try_map(va, VGA_MFN, RO_PTE, peer)) == 0,
	      "dom0 mapping 0xb8 under the peer's id gave %ld", rc);
	CHECK((rc = try_map(va, 0xa0, RO_PTE, peer)) == -EPERM,
	      "dom0 mapping 0xa0 (not the peer's) under its id gave %ld", rc);
	CHECK((rc = domctl_iomem(peer, DROPPED_MFN, 1, 1)) == 0, "giving 0xb9 gave %ld", rc);
	CHECK((rc = domctl_iomem(0, DROPPED_MFN, 1, 0)) == 0, "dom0 taking 0xb9 from itself gave %ld", rc);
	CHECK((rc = try_map(va, DROPPED_MFN, RO_PTE, peer)) == -EPERM,
	      "dom0 mapping 0xb9 under the peer's id gave %ld", rc);
	CHECK((rc = try_map(va, DROPPED_MFN, RO_PTE, DOMID_IO)) == -EPERM,
	      "dom0 mapping 0xb9 under DOMID_IO gave %ld", rc);
	CHECK((rc = try_map(va, DROPPED_MFN, RO_PTE, DOMID_SELF)) == -EPERM,
	      "dom0 mapping 0xb9 gave %ld", rc);
	CHECK((rc = domctl_iomem(peer, DROPPED_MFN, 1, 1)) == -EPERM, "giving 0xb9 again gave %ld", rc);
	CHECK((rc = domctl_iomem(peer, DROPPED_MFN, 1, 0)) == -EPERM, "taking 0xb9 back gave %ld", rc);
	return TEST_PASS;
}

/*
 * A full list (32 ranges of 3 frames apart) of a domain dom0 makes: a
 * take-back that would split a range needs a 33rd, -ENOMEM on Lamina with
 * the list unchanged (Xen 0: its rangeset grows); one that trims a
 * range's end needs none, 0 on both.
 */
static int full_list_split(void)
{
	unsigned int i;
	domid_t id;
	long rc = 0;

	CHECK(domctl_create(&id, "lamina-iomem-split") == 0, "createdomain failed");
	for (i = 0; i < 32 && !rc; i++)
		rc = domctl_iomem(id, 0xc0 + 4 * i, 3, 1);
	CHECK(rc == 0, "range %u of 32 gave %ld", i, rc);
	rc = domctl_iomem(id, 0xc1, 1, 0);
	printf("a split of a full list: %ld\n", rc);
	CHECK(rc == (on_lamina() ? -ENOMEM : 0), "taking 0xc1 back (a split) gave %ld", rc);
	CHECK((rc = domctl_iomem(id, 0xc0, 1, 0)) == 0, "taking 0xc0 back (an end) gave %ld", rc);
	CHECK(domctl_destroy(id) == 0, "destroying it failed");
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	int peer_id;
	unsigned int i;
	long rc;

	start = si;
	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer();
	peer_id = peer_start(si, "role=peer", 16);
	CHECK(peer_id > 0, "the peer domain could not be started (%d)", peer_id);
	CHECK((rc = domctl_iomem(peer_id, VGA_MFN, 1, 1)) == 0, "giving 0xb8 gave %ld", rc);
	CHECK((rc = domctl_iomem(peer_id, 0xc0, 0x10, 1)) == 0, "giving 0xc0-0xcf gave %ld", rc);
	CHECK((rc = domctl_iomem(peer_id, 0xc8, 0x10, 1)) == 0, "giving 0xc8-0xd7 gave %ld", rc);
	CHECK((rc = domctl_iomem(peer_id, 0xc4, 1, 0)) == 0, "taking 0xc4 back gave %ld", rc);
	CHECK((rc = domctl_iomem(peer_id, IOAPIC_MFN, 1, 1)) == 0, "giving the IO-APIC gave %ld", rc);
	CHECK(dom0_rows((domid_t)peer_id) == TEST_PASS, "dom0's rows");
	CHECK(full_list_split() == TEST_PASS, "the full list");
	CHECK(verdict_peer_parked((domid_t)peer_id) == 0, "the peer did not wait for the go");
	CHECK((rc = verdict_go((domid_t)peer_id)) == 0, "the go gave %ld", rc);
	for (i = 0; i < ROUNDS; i++) {
		CHECK((rc = domctl_iomem(peer_id, VGA_MFN, 1, 0)) == 0, "taking 0xb8 back gave %ld", rc);
		CHECK((rc = domctl_iomem(peer_id, VGA_MFN, 1, 1)) == 0, "giving 0xb8 again gave %ld", rc);
	}
	CHECK(verdict_peer_parked((domid_t)peer_id) == 0, "the peer did not wait for the second go");
	CHECK((rc = verdict_go((domid_t)peer_id)) == 0, "the second go gave %ld", rc);
	CHECK(verdict_result((domid_t)peer_id) == TEST_PASS, "the peer's verdict");
	printf("the peer's paths to 0xb8 as Xen's; it powered off holding it mapped and in a pinned L1\n");
	return TEST_PASS;
}
