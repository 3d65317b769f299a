// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-xsa: attacks modelled on the public Xen Security Advisories for
 * 64-bit PV guests, each a row (conform.h) that makes the attack and
 * expects the answer of Xen 4.17, where each advisory is fixed: page-table
 * type confusion, self-maps and linear chains (XSA-182, 240, 309),
 * superpage and reserved bits in upper entries (XSA-148, 176), mmuext_op
 * and mmu_update on I/O, hypervisor and DOMID_IO/DOMID_XEN frames (reads
 * and writes of memory the guest does not own), reservation edge cases
 * (XSA-231, a pinned table given back), grant maps and copies aimed at
 * memory the guest does not own (XSA-227, 224, 232), SCHEDOP_poll on free
 * ports (XSA-221), vcpu_info, descriptors and segment bases aimed at the
 * hypervisor, MSRs that leak the machine or the hypervisor (XSA-351,
 * XSA-333, the syscall entry points), and int $n / int3 / into / icebp
 * from guest user mode against the trap table's DPLs (XSA-106 class).
 * A trap row's value is vector << 16 | error code (0: no trap). Runs as
 * dom0; the list of advisories and rows is in docs/security.md. On
 * Lamina the exit audit must be clean after it all.
 * @expect-log: mm audit d0: ok
 */
#include "conform.h"
#include "lib/mm.h"
#include "lib/traps.h"
#include "lib/user.h"
#include "lib/events.h"
#include <lamina/memory.h>
#include <lamina/mm.h>
#include <lamina/sched.h>
#include <lamina/grant_table.h>
#include <lamina/callback.h>

#define MEMF_NODE(n)		(((n) + 1) << 8)
#define MEMF_EXACT_NODE		(1U << 17)
#define HV_START		0xffff800000000000ULL
#define HV_END			0xffff880000000000ULL
#define VGA_MFN			0xa0ULL

static struct start_info *si;
static bool events_ok;

static long ext(unsigned int cmd, uint64_t arg1)
{
	return mmuext_fd(cmd, arg1, 0, DOMID_SELF);
}

/* XSA-182, 240, 309: self-maps and linear chains, writable or through the fast path. */
static void linear_rows(void)
{
	uint64_t l3 = table_page(0), l4 = table_page(pte_ro(l3)), l4b = table_page(0);
	uint64_t l3c = table_page(0), l2 = table_page(0), l1 = table_page(0);

	ROW("pin an L4 for the linear rows", ext(MMUEXT_PIN_L4_TABLE, l4), 0);
	ROW("pin a second L4", ext(MMUEXT_PIN_L4_TABLE, l4b), 0);
	ROW("XSA-182 L4 self-map read-only", mmu_update_fd((l4 << 12) + 5 * 8, pte_ro(l4), DOMID_SELF), 0);
	ROW("XSA-182 L4 self-map made writable (fast path)",
	    mmu_update_fd((l4 << 12) + 5 * 8, pte_rw(l4), DOMID_SELF), -EINVAL);
	ROW("XSA-182 L4 self-map A bit toggled", mmu_update_fd((l4 << 12) + 5 * 8, pte_ro(l4) & ~PTE_A,
						       DOMID_SELF), 0);
	ROW("XSA-182 L4 self-map dropped", mmu_update_fd((l4 << 12) + 5 * 8, 0, DOMID_SELF), 0);
	ROW("XSA-182 L4 self-map writable at once",
	    mmu_update_fd((l4 << 12) + 6 * 8, pte_rw(l4), DOMID_SELF),
	    -EINVAL);
	ROW("XSA-240 L4 linear to another L4",
	    mmu_update_fd((l4 << 12) + 7 * 8, pte_ro(l4b), DOMID_SELF), 0);
	ROW("XSA-240 that L4 linear in turn (a chain)",
	    mmu_update_fd((l4b << 12) + 7 * 8, pte_ro(l4), DOMID_SELF), -EINVAL);
	ROW("XSA-240 L4 used linearly gets its own self-map",
	    mmu_update_fd((l4b << 12) + 8 * 8, pte_ro(l4b), DOMID_SELF), 0);
	ROW("XSA-240 that self-map dropped", mmu_update_fd((l4b << 12) + 8 * 8, 0, DOMID_SELF), 0);
	ROW("XSA-240 linear entry dropped", mmu_update_fd((l4 << 12) + 7 * 8, 0, DOMID_SELF), 0);
	ROW("XSA-240 now the chain's other end",
	    mmu_update_fd((l4b << 12) + 7 * 8, pte_ro(l4), DOMID_SELF), 0);
	ROW("XSA-240 and back the other way", mmu_update_fd((l4 << 12) + 7 * 8, pte_ro(l4b), DOMID_SELF),
	    -EINVAL);
	ROW("XSA-240 chain end dropped", mmu_update_fd((l4b << 12) + 7 * 8, 0, DOMID_SELF), 0);

	/* L3 and L2 self-maps, and upper entries a 64-bit PV guest may not have. */
	ROW("L3 entry to an L2", mmu_update_fd(l3 << 12, (l2 << 12) | PTE_P | PTE_RW | PTE_US | PTE_A,
					DOMID_SELF), 0);
	ROW("XSA-309 L3 self-map read-only", mmu_update_fd((l3 << 12) + 8, pte_ro(l3), DOMID_SELF), 0);
	ROW("XSA-309 L3 self-map writable",
	    mmu_update_fd((l3 << 12) + 16, pte_rw(l3), DOMID_SELF), -EINVAL);
	ROW("XSA-309 L2 self-map read-only", mmu_update_fd((l2 << 12) + 8, pte_ro(l2), DOMID_SELF), 0);
	ROW("XSA-309 L2 self-map flags changed", mmu_update_fd((l2 << 12) + 8, pte_ro(l2) | PTE_D,
							DOMID_SELF), 0);
	ROW("XSA-309 L2 self-map made writable", mmu_update_fd((l2 << 12) + 8, pte_rw(l2), DOMID_SELF),
	    -EINVAL);
	ROW("XSA-148 L2 superpage entry", mmu_update_fd((l2 << 12) + 16, pte_rw(l1) | PTE_PSE, DOMID_SELF),
	    -EINVAL);
	ROW("XSA-176 L3 1 GiB entry", mmu_update_fd((l3 << 12) + 24, pte_rw(l3c) | PTE_PSE, DOMID_SELF),
	    -EINVAL);
	ROW("XSA-176 L4 entry with PS set",
	    mmu_update_fd((l4 << 12) + 8, pte_rw(l3c) | PTE_PSE, DOMID_SELF),
	    -EINVAL);
	ROW("L2 entry to an L1", mmu_update_fd((l2 << 12) + 16, (l1 << 12) | PTE_P | PTE_RW | PTE_US |
					PTE_A, DOMID_SELF), 0);
	ROW("L1 mapping its own L2 read-only", mmu_update_fd(l1 << 12, pte_ro(l2), DOMID_SELF), 0);
	ROW("L1 mapping its own L2 writable",
	    mmu_update_fd((l1 << 12) + 8, pte_rw(l2), DOMID_SELF), -EBUSY);
	ROW("L2 entry to an L2 (itself, as L1)", mmu_update_fd((l2 << 12) + 24, pte_rw(l2), DOMID_SELF),
	    -EINVAL);
	ROW("L2 entry to an L4", mmu_update_fd((l2 << 12) + 24, pte_ro(l4), DOMID_SELF), -EINVAL);
	ROW("unpin the linear L4", ext(MMUEXT_UNPIN_TABLE, l4), 0);
	ROW("unpin the second L4", ext(MMUEXT_UNPIN_TABLE, l4b), 0);
}

/* mmuext_op and mmu_update on frames the guest does not own: I/O, hypervisor, DOMID_XEN/IO. */
static void foreign_rows(void)
{
	uint64_t hv = hypervisor_l3_mfn(si), s = scratch_page(), smfn = va_to_mfn(s);
	uint64_t l1 = table_page(0);

	ROW("pin_l1 an I/O frame", ext(MMUEXT_PIN_L1_TABLE, VGA_MFN), -EINVAL);
	ROW("pin_l1 a hypervisor frame", ext(MMUEXT_PIN_L1_TABLE, hv), -EINVAL);
	ROW("pin_l4 a hypervisor frame", ext(MMUEXT_PIN_L4_TABLE, hv), -EINVAL);
	ROW("new_baseptr a hypervisor frame", ext(MMUEXT_NEW_BASEPTR, hv), -EINVAL);
	ROW("new_baseptr an I/O frame", ext(MMUEXT_NEW_BASEPTR, VGA_MFN), -EINVAL);
	ROW("clear_page a hypervisor frame", ext(MMUEXT_CLEAR_PAGE, hv), -EINVAL);
	ROW("clear_page an I/O frame", ext(MMUEXT_CLEAR_PAGE, VGA_MFN), -EINVAL);
	ROW("copy_page from a hypervisor frame", mmuext_fd(MMUEXT_COPY_PAGE, smfn, hv, DOMID_SELF),
	    -EINVAL);
	ROW("copy_page from an I/O frame", mmuext_fd(MMUEXT_COPY_PAGE, smfn, VGA_MFN, DOMID_SELF),
	    -EINVAL);
	ROW("copy_page into a hypervisor frame", mmuext_fd(MMUEXT_COPY_PAGE, hv, smfn, DOMID_SELF),
	    -EINVAL);
	ROW("copy_page into a page table", mmuext_fd(MMUEXT_COPY_PAGE, va_to_mfn(si->pt_base), smfn,
						  DOMID_SELF), -EINVAL);
	/*
	 * A privileged caller may name DOMID_XEN and DOMID_IO as owners, whose
	 * frames are then never found: clear_page and copy_page act on the
	 * owner's frames (Xen's pg_owner), so each is -EINVAL.
	 */
	ROW("clear_page foreigndom DOMID_XEN", mmuext_fd(MMUEXT_CLEAR_PAGE, hv, 0, DOMID_XEN), -EINVAL);
	ROW("clear_page foreigndom DOMID_IO", mmuext_fd(MMUEXT_CLEAR_PAGE, VGA_MFN, 0, DOMID_IO),
	    -EINVAL);
	ROW("copy_page foreigndom DOMID_XEN", mmuext_fd(MMUEXT_COPY_PAGE, smfn, hv, DOMID_XEN), -EINVAL);
	ROW("pin_l1 foreigndom DOMID_XEN", mmuext_fd(MMUEXT_PIN_L1_TABLE, hv, 0, DOMID_XEN), -EINVAL);
	ROW("pin_l1 foreigndom DOMID_IO", mmuext_fd(MMUEXT_PIN_L1_TABLE, l1, 0, DOMID_IO), -EINVAL);
	ROW("pin_l1 foreigndom DOMID_COW", mmuext_fd(MMUEXT_PIN_L1_TABLE, l1, 0, DOMID_COW), -ESRCH);
	ROW("mmu_update foreigndom DOMID_XEN maps a hypervisor frame",
	    mmu_update_fd(l1e_maddr(s), pte_ro(hv), DOMID_XEN), -EBUSY);
	ROW("mmu_update foreigndom DOMID_IO maps a hypervisor frame",
	    mmu_update_fd(l1e_maddr(s), pte_ro(hv), DOMID_IO), -EBUSY);
	ROW("mmu_update maps a hypervisor frame read-only",
	    mmu_update_fd(l1e_maddr(s), pte_ro(hv), DOMID_SELF),
	    -EBUSY);
	ROW("mmu_update machphys_update of a hypervisor frame",
	    mmu_update_fd((hv << 12) | MMU_MACHPHYS_UPDATE, 0, DOMID_SELF), -EINVAL);
	ROW("mmu_update writes into a hypervisor frame", mmu_update_fd(hv << 12, 0, DOMID_SELF), -EINVAL);
	ROW("update_va_mapping_otherdomain DOMID_XEN",
	    hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, s, pte_ro(hv), UVMF_INVLPG,
		       DOMID_XEN, 0), -EBUSY);
	ROW("update_va_mapping into the hypervisor's M2P", hypercall3(__HYPERVISOR_update_va_mapping,
			HV_START, pte_rw(smfn), UVMF_INVLPG), -EINVAL);
	ROW("mmu_update foreigndom DOMID_IO maps our own frame",
	    mmu_update_fd(l1e_maddr(s), pte_ro(smfn), DOMID_IO), -EBUSY);
	ROW("mmu_update foreigndom DOMID_XEN maps our own frame",
	    mmu_update_fd(l1e_maddr(s), pte_ro(smfn), DOMID_XEN), -EBUSY);
	ROW("mmu_update foreigndom DOMID_IO maps an I/O frame",
	    mmu_update_fd(l1e_maddr(s), pte_ro(VGA_MFN), DOMID_IO), 0);
	ROW("mmu_update foreigndom DOMID_XEN maps an I/O frame",
	    mmu_update_fd(l1e_maddr(s), pte_ro(VGA_MFN), DOMID_XEN), -EPERM);
	ROW("tlb_flush_local foreigndom DOMID_IO", mmuext_fd(MMUEXT_TLB_FLUSH_LOCAL, 0, 0, DOMID_IO),
	    -EPERM);
	ROW("tlb_flush_local foreigndom DOMID_XEN", mmuext_fd(MMUEXT_TLB_FLUSH_LOCAL, 0, 0,
							      DOMID_XEN), -EPERM);
	ROW("unpin foreigndom DOMID_IO", mmuext_fd(MMUEXT_UNPIN_TABLE, l1, 0, DOMID_IO), -EINVAL);
	ROW("the scratch page still maps itself",
	    mmu_update_fd(l1e_maddr(s), pte_rw(smfn), DOMID_SELF), 0);
}

/* XSA-231 and friends: reservations with odd flags; a pinned table given back. */
static void reservation_rows(void)
{
	struct xen_memory_reservation r;
	uint64_t l1_va = scratch_page(), l1 = va_to_mfn(l1_va), frame;

	update_va_mapping(l1_va, pte_ro(l1), UVMF_INVLPG);
	memset(&r, 0, sizeof(r));
	r.domid = DOMID_SELF;
	r.nr_extents = 1;
	r.extent_start = (uint64_t)&frame;
	r.mem_flags = MEMF_NODE(200) | MEMF_EXACT_NODE;
	ROW("XSA-231 increase_reservation on node 200, exact",
	    hypercall2(__HYPERVISOR_memory_op, XENMEM_increase_reservation, (uint64_t)&r), 0);
	r.mem_flags = 0;
	r.extent_order = 40;
	ROW("increase_reservation of order 40",
	    hypercall2(__HYPERVISOR_memory_op, XENMEM_increase_reservation, (uint64_t)&r), 0);
	r.extent_order = 0;
	r.extent_start = (uint64_t)BADPTR;
	ROW("increase_reservation into a hypervisor address",
	    hypercall2(__HYPERVISOR_memory_op, XENMEM_increase_reservation, (uint64_t)&r), 0);
	ROW("pin the L1 to give back", ext(MMUEXT_PIN_L1_TABLE, l1), 0);
	frame = l1;
	r.extent_start = (uint64_t)&frame;
	/*
	 * Given back while still referenced (pinned, mapped): done, and the
	 * frame is freed at its last reference, as on Xen (given_back_rows).
	 */
	ROW("decrease_reservation of a pinned L1 (by mfn)",
	    hypercall2(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, (uint64_t)&r), 1);
	frame = hypervisor_l3_mfn(si);
	ROW("decrease_reservation of a hypervisor frame",
	    hypercall2(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, (uint64_t)&r), 0);
	ROW("unpin the L1 given back", ext(MMUEXT_UNPIN_TABLE, l1), 0);
	ROW("pin it again, still mapped", ext(MMUEXT_PIN_L1_TABLE, l1), 0);
	ROW("unpin it again", ext(MMUEXT_UNPIN_TABLE, l1), 0);
	ROW("drop its mapping, the last reference",
	    update_va_mapping(l1_va, 0, UVMF_INVLPG), 0);
	ROW("pin it once freed", ext(MMUEXT_PIN_L1_TABLE, l1), -EINVAL);
	ROW("map it once freed", update_va_mapping(l1_va, pte_ro(l1), UVMF_INVLPG), -EBUSY);
}

/* XSA-221: polling ports that were never allocated. */
static void poll_rows(void)
{
	static const uint32_t probe[] = { 31, 32, 63, 64, 127, 128, 255, 256, 511, 512 };
	uint32_t ports[2] = { 1000, 0 };
	struct sched_poll p = { (uint64_t)ports, 1, 0, 1 };

	ROW("XSA-221 poll an unallocated port", hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll,
							   (uint64_t)&p), -EINVAL);
	for (unsigned int i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		char name[64];

		ports[0] = probe[i];
		snprintf(name, sizeof(name), "XSA-221 poll port %u (none allocated there)", probe[i]);
		ROW(name, hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, (uint64_t)&p), -EINVAL);
	}
	/* A port allocated, then one past it in the same range; events masked and not. */
	if (events_ok) {
		struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };

		ROW("alloc_unbound for the poll rows", evtchn_op(EVTCHNOP_alloc_unbound, &au), 0);
		shared->vcpu_info[0].evtchn_upcall_mask = 1;
		ports[0] = au.port;
		ROW("poll an allocated port, events masked, timeout passed",
		    hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, (uint64_t)&p), 0);
		ports[0] = au.port + 1;
		ROW("XSA-221 poll the next port, free, events masked",
		    hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, (uint64_t)&p), -EINVAL);
		ports[0] = 1000;
		ROW("XSA-221 poll port 1000, events masked",
		    hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, (uint64_t)&p), -EINVAL);
		shared->vcpu_info[0].evtchn_upcall_mask = 0;
		ports[0] = au.port;
		ROW("poll an allocated port, events unmasked",
		    hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, (uint64_t)&p), 0);
		shared->vcpu_info[0].evtchn_upcall_mask = 1;
		ROW("close the port", evtchn_op(EVTCHNOP_close, &au.port), 0);
		ports[0] = au.port;
		ROW("XSA-221 poll the port once closed",
		    hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, (uint64_t)&p), -EINVAL);
		ports[0] = 0;
		ROW("XSA-221 poll port 0", hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll,
						      (uint64_t)&p), -EINVAL);
	}
	ports[0] = 0x7fffffff;
	ROW("XSA-221 poll a port past every limit", hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll,
							       (uint64_t)&p), -EINVAL);
	p.ports = (uint64_t)BADPTR;
	ROW("poll a port list in the hypervisor", hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll,
							     (uint64_t)&p), -EFAULT);
}

/* Grant maps and copies aimed at memory the guest does not own (XSA-227, 232, 224 class). */
static struct grant_entry_v1 *gtable;

static long gnttab(unsigned int cmd, void *arg)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, (uint64_t)arg, 1);
}

/* A map's status (the call's error if it failed as a call); a map that worked is undone. */
static long gmap(grant_ref_t ref, uint64_t addr, uint32_t flags)
{
	struct gnttab_map_grant_ref op = { addr, flags, ref, 0, 99, ~0U, 0 };
	struct gnttab_unmap_grant_ref un;
	long rc = gnttab(GNTTABOP_map_grant_ref, &op);

	if (rc)
		return rc;
	if (op.status == GNTST_okay) {
		un = (struct gnttab_unmap_grant_ref){ addr, op.dev_bus_addr, op.handle, 99, 0 };
		if (gnttab(GNTTABOP_unmap_grant_ref, &un) || un.status)
			printf("ERROR undoing a map of ref %u failed\n", ref);
	}
	return op.status;
}

static long gcopy(struct gnttab_copy *c)
{
	long rc;

	c->status = 99;
	rc = gnttab(GNTTABOP_copy, c);
	return rc ? rc : c->status;
}

static void grant_rows(void)
{
	uint64_t frames[1] = { 0 }, tva = scratch_page(), data = scratch_page();
	uint64_t target = scratch_page(), hv = hypervisor_l3_mfn(si);
	struct gnttab_setup_table st = { DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)frames };
	struct gnttab_unmap_grant_ref un = { 0, 0, 12345, 99, 0 };
	struct gnttab_cache_flush cf = { { hv << 12 }, 0, 64, GNTTAB_CACHE_CLEAN };
	struct gnttab_copy c;

	if (gnttab(GNTTABOP_setup_table, &st) || st.status ||
	    update_va_mapping(tva, pte_rw(frames[0]), UVMF_INVLPG)) {
		ROW("grant table set up", 1, 0);
		return;
	}
	gtable = (struct grant_entry_v1 *)tva;
	gtable[8].domid = 0;
	gtable[8].frame = (uint32_t)va_to_mfn(data);
	asm volatile("" ::: "memory");
	gtable[8].flags = GTF_permit_access;
	ROW("grant map of our own grant", gmap(8, target, GNTMAP_host_map), GNTST_okay);
	ROW("XSA-227 contains_pte, PTE address misaligned",
	    gmap(8, l1e_maddr(target) + 3, GNTMAP_host_map | GNTMAP_contains_pte),
	    GNTST_general_error);
	ROW("XSA-227 contains_pte, a data page as the table",
	    gmap(8, va_to_mfn(data) << 12, GNTMAP_host_map | GNTMAP_contains_pte),
	    GNTST_general_error);
	ROW("XSA-227 contains_pte, a hypervisor frame as the table",
	    gmap(8, hv << 12, GNTMAP_host_map | GNTMAP_contains_pte), GNTST_general_error);
	ROW("grant map at a hypervisor address", gmap(8, HV_START, GNTMAP_host_map),
	    GNTST_general_error);
	ROW("grant map at a non-canonical address", gmap(8, 0x8000000000000000ULL,
							 GNTMAP_host_map), GNTST_general_error);
	ROW("grant map of a ref past the table", gmap(100000, target, GNTMAP_host_map),
	    GNTST_bad_gntref);
	ROW("XSA-224 unmap of a handle never given",
	    gnttab(GNTTABOP_unmap_grant_ref, &un) ? -100 : un.status, GNTST_bad_handle);
	c = (struct gnttab_copy){ { { 8 }, DOMID_SELF, 0, 0 }, { { 0 }, DOMID_SELF, 0, 0 }, 8,
				  GNTCOPY_source_gref, 99, 0 };
	c.dest.u.gmfn = hv;
	ROW("copy into a hypervisor frame", gcopy(&c), GNTST_bad_page);
	c = (struct gnttab_copy){ { { 0 }, DOMID_SELF, 0, 0 }, { { 8 }, DOMID_SELF, 0, 0 }, 8,
				  GNTCOPY_dest_gref, 99, 0 };
	c.source.u.gmfn = hv;
	ROW("copy out of a hypervisor frame", gcopy(&c), GNTST_bad_page);
	c.source.u.gmfn = VGA_MFN;
	ROW("copy out of an I/O frame", gcopy(&c), GNTST_bad_page);
	c.source.u.gmfn = va_to_mfn(data);
	c.source.offset = 4095;
	c.len = 2;
	ROW("copy across the end of the source page", gcopy(&c), GNTST_bad_copy_arg);
	ROW("XSA-232 cache_flush of a hypervisor frame",
	    hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_cache_flush, (uint64_t)&cf, 1),
	    -EPERM);
	gtable[8].flags = 0;
}

static long memop_frames(unsigned int cmd, uint64_t *frames, uint64_t n)
{
	struct xen_memory_reservation r = { .extent_start = (uint64_t)frames, .nr_extents = n,
					    .domid = DOMID_SELF };

	return hypercall2(__HYPERVISOR_memory_op, cmd, (uint64_t)&r);
}

static long tot_pages(void)
{
	domid_t self = DOMID_SELF;

	return hypercall2(__HYPERVISOR_memory_op, XENMEM_current_reservation, (uint64_t)&self);
}

#define GIVEN_MARK	0x5ec2e75ec2e7ULL

/*
 * A data frame given back while mapped writable: it stays the guest's
 * (in tot_pages, its contents, writable), is handed to nobody, and goes
 * at its last mapping; then nothing maps, pins or gives it back again.
 */
static void given_back_mapped_rows(void)
{
	uint64_t va = scratch_page(), mfn = va_to_mfn(va), frame = mfn, got[8];
	volatile uint64_t *p = (volatile uint64_t *)va;
	long before, n, same = 0, i, room = 0;

	/* Room below max_pages (if dom0 was given a limit): 8 unmapped frames given back first. */
	for (i = 0; i < 8; i++) {
		uint64_t spare = scratch_page();

		got[i] = va_to_mfn(spare);
		room += !update_va_mapping(spare, 0, UVMF_INVLPG);
	}
	ROW("give back 8 frames mapped nowhere", memop_frames(XENMEM_decrease_reservation, got, 8) +
	    room, 16);
	before = tot_pages();
	p[0] = GIVEN_MARK;
	ROW("give back a data frame mapped writable", memop_frames(XENMEM_decrease_reservation,
								    &frame, 1), 1);
	ROW("tot_pages keeps it while it is mapped", tot_pages() - before, 0);
	ROW("give it back again while mapped", memop_frames(XENMEM_decrease_reservation, &frame, 1),
	    1);
	n = memop_frames(XENMEM_increase_reservation, got, 8);
	ROW("increase_reservation of 8 frames meanwhile", n, 8);
	for (i = 0; i < n; i++)
		same += got[i] == mfn;
	ROW("none of them is the frame still mapped", same, 0);
	ROW("give the 8 back", memop_frames(XENMEM_decrease_reservation, got, n > 0 ? n : 0),
	    n > 0 ? n : 0);
	ROW("its contents stay while it is mapped", p[0] == GIVEN_MARK, 1);
	p[1] = GIVEN_MARK;
	ROW("writes through its mapping still land", p[1] == GIVEN_MARK, 1);
	ROW("map it a second time while held", update_va_mapping(va, pte_ro(mfn), UVMF_INVLPG), 0);
	ROW("drop its mapping, the last reference", update_va_mapping(va, 0, UVMF_INVLPG), 0);
	ROW("tot_pages drops at the last reference", tot_pages() - before, -1);
	ROW("map it writable once freed", update_va_mapping(va, pte_rw(mfn), UVMF_INVLPG), -EBUSY);
	ROW("map it read-only once freed", update_va_mapping(va, pte_ro(mfn), UVMF_INVLPG), -EBUSY);
	ROW("pin it as an L1 once freed", ext(MMUEXT_PIN_L1_TABLE, mfn), -EINVAL);
	ROW("write into it once freed", mmu_update_fd(mfn << 12, 0, DOMID_SELF), -EINVAL);
	ROW("give it back once freed", memop_frames(XENMEM_decrease_reservation, &frame, 1), 0);
	ROW("clear_page it once freed", ext(MMUEXT_CLEAR_PAGE, mfn), -EINVAL);
}

/*
 * A frame given back while a grant mapping holds it: readable through
 * that mapping until it goes, then no grant of it maps or copies.
 */
static void given_back_granted_rows(void)
{
	uint64_t va = scratch_page(), mfn = va_to_mfn(va), frame = mfn, target = scratch_page();
	uint64_t other = scratch_page();
	struct gnttab_map_grant_ref op = { target, GNTMAP_host_map | GNTMAP_readonly, 9, 0, 99,
					   ~0U, 0 };
	struct gnttab_unmap_grant_ref un;
	struct gnttab_copy c = { { { 9 }, DOMID_SELF, 0, 0 }, { { 0 }, DOMID_SELF, 0, 0 }, 8,
				 GNTCOPY_source_gref, 99, 0 };

	*(volatile uint64_t *)va = GIVEN_MARK;
	/* Xen does not flush a grant map over a present PTE: the address cleared first. */
	update_va_mapping(target, 0, UVMF_INVLPG);
	c.dest.u.gmfn = va_to_mfn(other);
	gtable[9].domid = 0;
	gtable[9].frame = (uint32_t)mfn;
	asm volatile("" ::: "memory");
	gtable[9].flags = GTF_permit_access;
	ROW("grant map of a frame to give back", gnttab(GNTTABOP_map_grant_ref, &op) ? -100 :
	    op.status, GNTST_okay);
	ROW("give back the granted frame", memop_frames(XENMEM_decrease_reservation, &frame, 1), 1);
	ROW("drop its own mapping", update_va_mapping(va, 0, UVMF_INVLPG), 0);
	ROW("still readable through the grant mapping",
	    op.status == GNTST_okay && *(volatile uint64_t *)target == GIVEN_MARK, 1);
	ROW("grant copy out of it while held", gcopy(&c), GNTST_okay);
	un = (struct gnttab_unmap_grant_ref){ target, op.dev_bus_addr, op.handle, 99, 0 };
	ROW("unmap the grant, the last reference", gnttab(GNTTABOP_unmap_grant_ref, &un) ? -100 :
	    un.status, GNTST_okay);
	ROW("grant map of it once freed", gmap(9, target, GNTMAP_host_map | GNTMAP_readonly),
	    GNTST_bad_page);
	ROW("grant copy out of it once freed", gcopy(&c), GNTST_bad_page);
	gtable[9].flags = 0;
}

/* vcpu_info, descriptors and segment bases aimed at hypervisor frames and addresses. */
static void cpu_rows(void)
{
	uint64_t hv = hypervisor_l3_mfn(si), own = va_to_mfn(scratch_page()), l1 = table_page(0);
	struct vcpu_register_vcpu_info vi = { hv, 0, 0 };
	uint64_t gdt[1] = { hv };

	ROW("register_vcpu_info in a hypervisor frame",
	    hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, (uint64_t)&vi), -EINVAL);
	vi.mfn = own;
	vi.offset = 4090;
	ROW("register_vcpu_info across the end of a page",
	    hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, (uint64_t)&vi), -ENXIO);
	ROW("pin an L1 for vcpu_info", ext(MMUEXT_PIN_L1_TABLE, l1), 0);
	vi.mfn = l1;
	vi.offset = 0;
	ROW("register_vcpu_info in a page table",
	    hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, (uint64_t)&vi), -EINVAL);
	ROW("unpin that L1", ext(MMUEXT_UNPIN_TABLE, l1), 0);
	ROW("update_descriptor in a hypervisor frame",
	    hypercall2(__HYPERVISOR_update_descriptor, hv << 12, 0), -EINVAL);
	ROW("update_descriptor in an I/O frame",
	    hypercall2(__HYPERVISOR_update_descriptor, VGA_MFN << 12, 0), -EINVAL);
	ROW("set_gdt on a hypervisor frame", hypercall2(__HYPERVISOR_set_gdt, (uint64_t)gdt, 512),
	    -EINVAL);
	ROW("set_segment_base user GS at a hypervisor address",
	    hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER, HV_START), 0);
	ROW("set_segment_base user GS back", hypercall2(__HYPERVISOR_set_segment_base,
							SEGBASE_GS_USER, 0), 0);
	ROW("set_segment_base FS at a hypervisor address",
	    hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_FS, HV_START), 0);
	ROW("set_segment_base FS back", hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_FS, 0),
	    0);
}

/* 0 if rdmsr read it (and the value is no hypervisor address), -1 if it was one, else vector << 16. */
static long msr_read(uint32_t msr)
{
	uint32_t lo = 0, hi = 0;
	uint64_t v;

	traps_taken = 0;
	EXPECT_TRAP("rdmsr", : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	if (traps_taken)
		return (long)(last_trap.vector << 16 | (last_trap.error & 0xffff));
	v = (uint64_t)hi << 32 | lo;
	return v >= HV_START && v < HV_END ? -1 : 0;
}

static long msr_write(uint32_t msr, uint64_t v)
{
	traps_taken = 0;
	EXPECT_TRAP("wrmsr", : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
	return traps_taken ? (long)(last_trap.vector << 16 | (last_trap.error & 0xffff)) : 0;
}

static void msr_rows(void)
{
	uint32_t lo = 0, hi = 0;

	ROW("XSA-351 rdmsr RAPL_POWER_UNIT", msr_read(0x606), 13 << 16);
	ROW("XSA-351 rdmsr PKG_ENERGY_STATUS", msr_read(0x611), 13 << 16);
	ROW("XSA-351 rdmsr DRAM_ENERGY_STATUS", msr_read(0x619), 13 << 16);
	ROW("XSA-351 rdmsr PP0_ENERGY_STATUS", msr_read(0x639), 13 << 16);
	ROW("XSA-351 rdmsr AMD RAPL_PWR_UNIT", msr_read(0xc0010299), 13 << 16);
	ROW("rdmsr LSTAR (the hypervisor's entry)", msr_read(0xc0000082), 13 << 16);
	ROW("rdmsr CSTAR", msr_read(0xc0000083), 13 << 16);
	ROW("rdmsr SYSENTER_EIP", msr_read(0x176), 13 << 16);
	ROW("rdmsr SYSENTER_ESP", msr_read(0x175), 13 << 16);
	ROW("rdmsr GS_BASE (the guest's)", msr_read(0xc0000101), 0);
	ROW("rdmsr SHADOW_GS_BASE (the guest's)", msr_read(0xc0000102), 0);
	ROW("rdmsr an unknown MSR", msr_read(0x12345), 13 << 16);
	ROW("XSA-333 rdmsr MISC_ENABLE", msr_read(0x1a0), 0);
	traps_taken = 0;
	EXPECT_TRAP("rdmsr", : "+a"(lo), "+d"(hi) : "c"(0x1a0) : "memory");
	ROW("XSA-333 wrmsr MISC_ENABLE, the same value", msr_write(0x1a0, (uint64_t)hi << 32 | lo),
	    0);
	ROW("wrmsr LSTAR", msr_write(0xc0000082, 0xffff800000001000ULL), 13 << 16);
	ROW("wrmsr STAR", msr_write(0xc0000081, 0), 13 << 16);
	ROW("wrmsr CSTAR", msr_write(0xc0000083, 0), 13 << 16);
	ROW("wrmsr FMASK", msr_write(0xc0000084, 0), 13 << 16);
	ROW("wrmsr SYSENTER_CS", msr_write(0x174, 0), 13 << 16);
	ROW("wrmsr SYSENTER_ESP", msr_write(0x175, 0), 13 << 16);
	ROW("wrmsr SYSENTER_EIP", msr_write(0x176, 0xffff800000001000ULL), 13 << 16);
	ROW("syscalls still reach the hypervisor after it",
	    hypercall2(__HYPERVISOR_xen_version, 0, 0) > 0, 1);
	ROW("wrmsr an unknown MSR", msr_write(0x12345, 1), 13 << 16);
	/*
	 * CPUID faulting (XTF cpuid-faulting probes it so): PLATFORM_INFO and
	 * MISC_FEATURES_ENABLES read on any vendor; with bit 31 clear (none
	 * offered, as Xen 4.17 on a host without it) enabling it is a #GP.
	 */
	lo = hi = 0;
	traps_taken = 0;
	EXPECT_TRAP("rdmsr", : "+a"(lo), "+d"(hi) : "c"(0xce) : "memory");
	ROW("rdmsr PLATFORM_INFO", traps_taken, 0);
	ROW("rdmsr MISC_FEATURES_ENABLES", msr_read(0x140), 0);
	ROW("wrmsr MISC_FEATURES_ENABLES 0", msr_write(0x140, 0), 0);
	ROW("wrmsr MISC_FEATURES_ENABLES CPUID faulting", msr_write(0x140, 1),
	    (lo & (1U << 31)) ? 0 : 13 << 16);
	ROW("wrmsr MISC_FEATURES_ENABLES bit 1 (reserved)", msr_write(0x140, 2), 13 << 16);
	msr_write(0x140, 0);
}

/* int $n / int3 / into / icebp from guest user mode against the trap table's DPLs. */
extern const uint8_t xu_prog[], xu_int81[], xu_int81_end[], xu_int80[], xu_int80_end[],
	xu_int3[], xu_int3_end[], xu_into[], xu_into_end[], xu_int0e[], xu_int0e_end[],
	xu_int82[], xu_int82_end[], xu_icebp[], xu_icebp_end[], xu_int3b[], xu_int3b_end[],
	xu_prog_end[];
asm(".pushsection .rodata\n"
    "xu_prog:\n"
    "xu_int81:	int $0x81\n"
    "xu_int81_end:	nop\n"
    "xu_int80:	int $0x80\n"
    "xu_int80_end:	nop\n"
    "xu_int3:	int3\n"
    "xu_int3_end:	nop\n"
    "xu_into:	.byte 0xce\n"
    "xu_into_end:	nop\n"
    "xu_int0e:	int $0x0e\n"
    "xu_int0e_end:	nop\n"
    "xu_int82:	int $0x82\n"
    "xu_int82_end:	nop\n"
    "xu_icebp:	.byte 0xf1\n"
    "xu_icebp_end:	nop\n"
    "xu_int3b:	.byte 0xcd, 0x03\n"
    "xu_int3b_end:	nop\n"
    USER_PROG_EXIT
    "xu_prog_end:	nop\n"
    ".popsection");

#define NR_XU	8
static const uint8_t *const xu_start[NR_XU] = { xu_int81, xu_int80, xu_int3, xu_into, xu_int0e,
						xu_int82, xu_icebp, xu_int3b };
static const uint8_t *const xu_end[NR_XU] = { xu_int81_end, xu_int80_end, xu_int3_end,
					      xu_into_end, xu_int0e_end, xu_int82_end,
					      xu_icebp_end, xu_int3b_end };
static long xu_seen[NR_XU];

/* A trap from user mode: which instruction (by its start or end), then step past it. */
static bool xu_trap(struct trap_frame *f)
{
	unsigned int i;

	if (!(f->cs & 3))
		return false;
	/* A fault stops at its instruction, a trap after it: starts first. */
	for (i = 0; i < 2 * NR_XU; i++) {
		const uint8_t *at = i < NR_XU ? xu_start[i] : xu_end[i - NR_XU];
		unsigned int n = i % NR_XU;

		if (f->rip != user_va(xu_prog, at))
			continue;
		if (!xu_seen[n])
			xu_seen[n] = (long)(f->vector << 16 | (f->error & 7));
		f->rip = user_va(xu_prog, xu_end[n]);
		return true;
	}
	return false;
}

static void user_rows(void)
{
	long rc;

	if (user_setup(xu_prog, xu_prog_end - xu_prog, 1)) {
		ROW("user mode set up", 1, 0);
		return;
	}
	trap_hook = xu_trap;
	rc = enter_user(USER_BASE, USER_DATA + 4096);
	trap_hook = NULL;
	ROW("user program ran to its end", rc, 60);
	/*
	 * The error code of a #GP from int $n names the IDT entry (bit 1 set);
	 * only its low bits are compared: QEMU's TCG gives the entry's byte
	 * offset in long mode (n * 16), hardware n * 8.
	 */
	ROW("user int $0x81 (DPL 0 gate): #GP", xu_seen[0], 13 << 16 | 2);
	ROW("user int $0x80 (DPL 3 gate)", xu_seen[1], 0x80 << 16);
	ROW("user int3", xu_seen[2], 3 << 16);
	ROW("user into (invalid in 64-bit mode)", xu_seen[3], 6 << 16);
	ROW("user int $0x0e (#PF's DPL 0 gate): #GP", xu_seen[4], 13 << 16 | 2);
	/*
	 * Not a difference of the hypervisors: QEMU's TCG gives the #GP of
	 * int $0x82 the error code 0x822 (n * 16 + 2), which Xen reads as
	 * vector 0x822 >> 3 = 0x104, truncated to 4, whose gate (into's) has
	 * DPL 3, so Xen delivers vector 4; on hardware (0x412) it passes the
	 * #GP on, as Lamina does, which decodes the instruction itself.
	 */
	ROWL("user int $0x82 (Xen's 32-bit hypercall gate)", xu_seen[5], 4 << 16, 13 << 16 | 2);
	/* QEMU's TCG raises #UD for icebp (0xf1); on hardware it is a #DB. */
	ROW("user icebp", xu_seen[6], 6 << 16);
	ROW("user int $3 (two bytes)", xu_seen[7], 3 << 16);
}

int test_main(struct start_info *start)
{
	si = start;
	mm_init(si);
	conform_begin();
	if (traps_install(true))
		return fail("set_trap_table failed");
	events_ok = events_init(si) == 0;
	linear_rows();
	foreign_rows();
	reservation_rows();
	poll_rows();
	grant_rows();
	given_back_mapped_rows();
	if (gtable)
		given_back_granted_rows();
	cpu_rows();
	msr_rows();
	user_rows();
	return conform_end("advisory");
}
