// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-domu: the calls whose answer depends on privilege, made from an
 * unprivileged domain (the peer, this guest again beside dom0), against
 * the results Xen 4.17 gives a PV domU (conform.h; docs/conformance.md):
 * what only dom0 may do is refused (-EPERM, or Xen's own code for it),
 * what any domain may do still works. The peer reports through
 * lib/peer_verdict.h; dom0's result line counts. Only rows that differ
 * are printed (a domU's console page on Xen is small).
 * @domus: self:peer:role=peer
 */
#include "conform_peer.h"
#include <lamina/memory.h>
#include <lamina/mm.h>
#include <lamina/vcpu.h>
#include <lamina/physdev.h>
#include <lamina/domctl.h>

#define NCALL(nr, a, b, c)	hypercall3(nr, (uint64_t)(a), (uint64_t)(b), (uint64_t)(c))

static uint8_t page[4096] __attribute__((aligned(4096)));
static uint32_t op[34];

/* A toolstack-style argument: cmd, interface version, a zeroed union. */
static void *tsop(uint32_t cmd, uint32_t version)
{
	memset(op, 0, sizeof(op));
	op[0] = cmd;
	op[1] = version;
	return op;
}

static void *zeroed(void)
{
	memset(page, 0, sizeof(page));
	return page;
}

#define HV_ADDR		0xffff800000001000ULL	/* the hypervisor's, never a guest's */
#define NO_DOMAIN	999

/*
 * Calls naming a domain, each in Xen 4.17's order of checks: the argument
 * is read (-EFAULT) and its version checked (-EACCES), the domain looked up
 * (-ESRCH, or -EINVAL for a reserved id) before privilege is (-EPERM).
 */
static void rows_order(void)
{
	struct evtchn_alloc_unbound au = { NO_DOMAIN, DOMID_SELF, 0 };
	struct evtchn_status st = { NO_DOMAIN, 0, 1, 0, 0, { { 0 } } };
	struct evtchn_bind_interdomain bi = { NO_DOMAIN, 0, 1, 0 };
	struct xen_add_to_physmap xatp = { 0, 0, XENMAPSPACE_gmfn, 0, 0 };
	struct gnttab_get_status_frames sf = { 1, 0, 0, 0 };
	uint64_t frame = 0;
	domid_t none = NO_DOMAIN;

	ROW("domctl bad pointer", NCALL(__HYPERVISOR_domctl, HV_ADDR, 0, 0), -EFAULT);
	ROW("domctl version 0", NCALL(__HYPERVISOR_domctl, tsop(DOMCTL_pausedomain, 0), 0, 0),
	    -EACCES);
	tsop(DOMCTL_pausedomain, DOMCTL_INTERFACE_VERSION);
	op[2] = NO_DOMAIN;
	ROW("domctl pausedomain no such domain", NCALL(__HYPERVISOR_domctl, op, 0, 0), -ESRCH);
	ROW("domctl pausedomain dom0", NCALL(__HYPERVISOR_domctl,
					     tsop(DOMCTL_pausedomain, DOMCTL_INTERFACE_VERSION),
					     0, 0), -EPERM);
	ROW("domctl command 999 dom0", NCALL(__HYPERVISOR_domctl,
					     tsop(999, DOMCTL_INTERFACE_VERSION), 0, 0), -EPERM);
	ROW("domctl createdomain", NCALL(__HYPERVISOR_domctl,
					 tsop(DOMCTL_createdomain, DOMCTL_INTERFACE_VERSION), 0, 0),
	    -EPERM);
	tsop(DOMCTL_getdomaininfo, DOMCTL_INTERFACE_VERSION);
	op[2] = DOMID_SELF;
	ROW("domctl getdomaininfo DOMID_SELF", NCALL(__HYPERVISOR_domctl, op, 0, 0), -EINVAL);
	tsop(DOMCTL_getdomaininfo, DOMCTL_INTERFACE_VERSION);
	op[2] = NO_DOMAIN;
	ROW("domctl getdomaininfo none at or after", NCALL(__HYPERVISOR_domctl, op, 0, 0), -ESRCH);
	ROW("sysctl bad pointer", NCALL(__HYPERVISOR_sysctl, HV_ADDR, 0, 0), -EFAULT);
	ROW("sysctl version 0", NCALL(__HYPERVISOR_sysctl, tsop(3, 0), 0, 0), -EACCES);
	ROW("platform_op bad pointer", NCALL(__HYPERVISOR_platform_op, HV_ADDR, 0, 0), -EFAULT);

	zeroed();
	((uint16_t *)page)[0] = NO_DOMAIN;
	ROW("sched_op remote_shutdown no such domain",
	    NCALL(__HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, page, 0), -ESRCH);
	ROW("sched_op remote_shutdown bad pointer",
	    NCALL(__HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, HV_ADDR, 0), -EFAULT);

	ROW("evtchn alloc_unbound no such domain", evtchn_op(EVTCHNOP_alloc_unbound, &au), -ESRCH);
	ROW("evtchn status no such domain", evtchn_op(EVTCHNOP_status, &st), -ESRCH);
	st.dom = 0;
	st.port = 0x7fffffff;
	ROW("evtchn status dom0 bad port", evtchn_op(EVTCHNOP_status, &st), -EINVAL);
	ROW("evtchn bind_interdomain no such domain",
	    evtchn_op(EVTCHNOP_bind_interdomain, &bi), -ESRCH);

	ROW("memory_op current_reservation no such domain",
	    NCALL(__HYPERVISOR_memory_op, XENMEM_current_reservation, &none, 0), -ESRCH);
	ROW("memory_op maximum_gpfn no such domain",
	    NCALL(__HYPERVISOR_memory_op, 14, &none, 0), -ESRCH);
	ROW("memory_op add_to_physmap dom0",
	    NCALL(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, &xatp, 0), -EACCES);
	xatp.domid = NO_DOMAIN;
	ROW("memory_op add_to_physmap no such domain",
	    NCALL(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, &xatp, 0), -ESRCH);

	sf.frame_list = (uint64_t)&frame;
	ROW("gnttab get_status_frames dom0", NCALL(__HYPERVISOR_grant_table_op,
						   GNTTABOP_get_status_frames, &sf, 1), 0);
	ROW("gnttab get_status_frames dom0: status", sf.status, GNTST_permission_denied);
	sf.dom = NO_DOMAIN;
	sf.status = 0;
	ROW("gnttab get_status_frames no such domain",
	    NCALL(__HYPERVISOR_grant_table_op, GNTTABOP_get_status_frames, &sf, 1), 0);
	ROW("gnttab get_status_frames no such domain: status", sf.status, GNTST_bad_domain);
}

/* Our own domain id, as a port bound to ourselves reports it (-1: unknown). */
static int own_domid(void)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
	struct evtchn_status st = { DOMID_SELF, 0, 0, 0, 0, { { 0 } } };
	struct evtchn_close cl;
	int id = -1;

	if (evtchn_op(EVTCHNOP_alloc_unbound, &au))
		return -1;
	st.port = au.port;
	if (!evtchn_op(EVTCHNOP_status, &st) && st.status == EVTCHNSTAT_unbound)
		id = st.u.unbound.dom;
	cl.port = au.port;
	evtchn_op(EVTCHNOP_close, &cl);
	return id;
}

static long mmuext_flush(uint32_t foreigndom)
{
	struct mmuext_op x = { MMUEXT_TLB_FLUSH_LOCAL, 0, { 0 }, { 0 } };

	return hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)&x, 1, 0, foreigndom, 0);
}

static long mmu_one(const struct mmu_update *u, uint32_t foreigndom)
{
	return hypercall5(__HYPERVISOR_mmu_update, (uint64_t)u, 1, 0, foreigndom, 0);
}

/*
 * Page-table calls naming a foreign domain (Xen's get_pg_owner): the
 * caller's own id is none (-ESRCH), DOMID_XEN and DOMID_IO are domains
 * (so refused by privilege, -EPERM, as dom0 is, but for mmu_update's
 * DOMID_IO), an absent one -ESRCH.
 */
static void rows_foreigndom(void)
{
	int self = own_domid();
	uint64_t l1e = l1e_maddr((uint64_t)page);
	uint64_t pte = *(volatile uint64_t *)(mfn_to_va(l1e >> 12) + (l1e & 0xfff));
	struct mmu_update u = { l1e, pte };

	ROW("own domain id known", self > 0 && self < (int)DOMID_FIRST_RESERVED, 1);
	ROW("mmuext_op foreigndom own id", mmuext_flush((uint32_t)self), -ESRCH);
	ROW("mmuext_op foreigndom dom0", mmuext_flush(0), -EPERM);
	ROW("mmuext_op foreigndom no such domain", mmuext_flush(NO_DOMAIN), -ESRCH);
	ROW("mmuext_op foreigndom DOMID_XEN", mmuext_flush(DOMID_XEN), -EPERM);
	ROW("mmuext_op foreigndom DOMID_IO", mmuext_flush(DOMID_IO), -EPERM);
	ROW("mmu_update foreigndom own id", mmu_one(&u, (uint32_t)self), -ESRCH);
	ROW("mmu_update foreigndom DOMID_XEN", mmu_one(&u, DOMID_XEN), -EPERM);
	ROW("mmu_update foreigndom DOMID_XEN, no entries",
	    hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&u, 0, 0, DOMID_XEN, 0), 0);
	ROW("mmu_update foreigndom dom0, no entries",
	    hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&u, 0, 0, 0, 0), 0);
	ROW("mmu_update foreigndom DOMID_XEN, bad list",
	    hypercall5(__HYPERVISOR_mmu_update, HV_ADDR, 1, 0, DOMID_XEN, 0), -EFAULT);
	ROW("mmu_update foreigndom dom0, bad list",
	    hypercall5(__HYPERVISOR_mmu_update, HV_ADDR, 1, 0, 0, 0), -EFAULT);
	ROW("mmuext_op foreigndom DOMID_XEN, no entries",
	    hypercall5(__HYPERVISOR_mmuext_op, (uint64_t)&u, 0, 0, DOMID_XEN, 0), -EPERM);
	{
		/*
		 * Frames named under DOMID_IO: Xen lets a domU's mmu_update
		 * through (its XSM hook exempts dom_io), then judges the entry
		 * as for an owner of no frame with the caller's I/O rights
		 * (none): unchanged but for accessed, dirty and available bits
		 * it is written; any frame of RAM -EBUSY, cache attributes
		 * -EINVAL, a frame outside RAM -EPERM (the all-ones one
		 * -EINVAL), an upper-level entry -EINVAL, the M2P of a frame
		 * it does not own -EINVAL.
		 */
		uint64_t other = scratch_page(), l2e = table_maddr((uint64_t)page, 2);
		uint64_t l2v = *(volatile uint64_t *)(mfn_to_va(l2e >> 12) + (l2e & 0xfff));
		struct mmu_update ram = { l1e, (va_to_mfn(other) << 12) | (pte & 0xfff) };
		struct mmu_update io = { l1e, (0xfec00ULL << 12) | PTE_P | PTE_US | PTE_A };
		struct mmu_update pcd = { l1e, pte | 0x10 };
		struct mmu_update flags = { l1e, pte ^ (PTE_A | PTE_D | 0x200) };
		struct mmu_update ro = { l1e, pte & ~PTE_RW };
		struct mmu_update none = { l1e, 0 };
		struct mmu_update past = { l1e, (0xfffffff0ULL << 12) | PTE_P | PTE_US | PTE_A };
		struct mmu_update ones = { l1e, PTE_ADDR | PTE_P | PTE_US | PTE_A };
		struct mmu_update l2 = { l2e, l2v };
		struct mmu_update m2p = { (va_to_mfn(other) << 12) | MMU_MACHPHYS_UPDATE, 0 };

		ROW("mmu_update foreigndom DOMID_IO, the same entry", mmu_one(&u, DOMID_IO), 0);
		ROW("mmu_update foreigndom DOMID_IO, accessed, dirty, avail changed",
		    mmu_one(&flags, DOMID_IO), 0);
		ROW("mmu_update foreigndom DOMID_IO, the same frame read-only",
		    mmu_one(&ro, DOMID_IO), -EBUSY);
		ROW("mmu_update foreigndom DOMID_IO, another frame of RAM", mmu_one(&ram, DOMID_IO),
		    -EBUSY);
		ROW("mmu_update foreigndom DOMID_IO, an I/O frame", mmu_one(&io, DOMID_IO), -EPERM);
		ROW("mmu_update an I/O frame", mmu_one(&io, DOMID_SELF), -EPERM);
		ROW("mmu_update foreigndom DOMID_IO, a frame past RAM", mmu_one(&past, DOMID_IO),
		    -EPERM);
		ROW("mmu_update foreigndom DOMID_IO, the all-ones frame", mmu_one(&ones, DOMID_IO),
		    -EINVAL);
		io.val |= 0x10;
		ROW("mmu_update foreigndom DOMID_IO, an I/O frame with PCD", mmu_one(&io, DOMID_IO),
		    -EINVAL);
		ROW("mmu_update an I/O frame with PCD", mmu_one(&io, DOMID_SELF), -EINVAL);
		ROW("mmu_update own frame with PCD", mmu_one(&pcd, DOMID_SELF), -EINVAL);
		ROW("mmu_update foreigndom DOMID_IO, own frame with PCD", mmu_one(&pcd, DOMID_IO),
		    -EINVAL);
		ROW("mmu_update foreigndom DOMID_IO, the L2 entry unchanged", mmu_one(&l2, DOMID_IO),
		    -EINVAL);
		ROW("mmu_update foreigndom DOMID_IO, machphys of own frame", mmu_one(&m2p, DOMID_IO),
		    -EINVAL);
		m2p.ptr = (0xb8ULL << 12) | MMU_MACHPHYS_UPDATE;	/* VGA text, DOMID_IO's */
		m2p.val = ((uint64_t *)MACH2PHYS_VIRT_START)[0xb8];
		ROW("mmu_update foreigndom DOMID_IO, machphys of an I/O frame",
		    mmu_one(&m2p, DOMID_IO), 0);
		ROW("mmu_update machphys of an I/O frame", mmu_one(&m2p, DOMID_SELF), -EINVAL);
		m2p.ptr = (0xfec00ULL << 12) | MMU_MACHPHYS_UPDATE;	/* past RAM */
		ROW("mmu_update foreigndom DOMID_IO, machphys of a frame past RAM",
		    mmu_one(&m2p, DOMID_IO), -EINVAL);
		page[0] = 0x5a;
		ROW("mmu_update foreigndom DOMID_IO, the entry cleared", mmu_one(&none, DOMID_IO), 0);
		ROW("mmu_update the entry as it was", mmu_one(&u, DOMID_SELF), 0);
		ROW("the page mapped again", *(volatile uint8_t *)page, 0x5a);
		ROW("mmuext_op pin_l1 foreigndom DOMID_IO",
		    hypercall5(__HYPERVISOR_mmuext_op,
			       (uint64_t)&(struct mmuext_op){ MMUEXT_PIN_L1_TABLE, 0,
							      { va_to_mfn(other) }, { 0 } },
			       1, 0, DOMID_IO, 0), -EPERM);
		ROW("update_va_mapping_otherdomain DOMID_IO",
		    hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, (uint64_t)page, pte,
			       UVMF_INVLPG, DOMID_IO, 0), -EPERM);
		ROW("update_va_mapping_otherdomain DOMID_XEN",
		    hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, (uint64_t)page, pte,
			       UVMF_INVLPG, DOMID_XEN, 0), -EPERM);
	}
	ROW("update_va_mapping_otherdomain own id",
	    hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, (uint64_t)page, pte,
		       UVMF_INVLPG, (uint32_t)self, 0), -ESRCH);
	ROW("update_va_mapping_otherdomain no such domain",
	    hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, (uint64_t)page, pte,
		       UVMF_INVLPG, NO_DOMAIN, 0), -ESRCH);
}

/*
 * xen_version's answers written to a buffer that cannot take them: one
 * running off its page into an unmapped one or onto a read-only one, or
 * the hypervisor's address: -EFAULT, and nothing past the buffer.
 */
static void rows_copyout(void)
{
	uint64_t a = scratch_page(), b = scratch_page(), mfn_b = va_to_mfn(b);
	uint64_t end = b - 8;	/* 8 of the 16 bytes of an extraversion on page a */
	long rc;

	ROW("xen_version extraversion", NCALL(__HYPERVISOR_xen_version, XENVER_extraversion,
					      end, 0), 0);
	ROW("xen_version extraversion hypervisor address",
	    NCALL(__HYPERVISOR_xen_version, XENVER_extraversion, HV_ADDR, 0), -EFAULT);
	ROW("xen_version compile_info hypervisor address",
	    NCALL(__HYPERVISOR_xen_version, XENVER_compile_info, HV_ADDR, 0), -EFAULT);
	ROW("xen_version commandline hypervisor address",
	    NCALL(__HYPERVISOR_xen_version, XENVER_commandline, HV_ADDR, 0), -EFAULT);
	memset((void *)a, 0, 4096);
	memset((void *)b, 0, 4096);
	if (update_va_mapping(b, 0, UVMF_INVLPG)) {
		ROW("unmap of the page after the buffer", -1, 0);
		return;
	}
	ROW("xen_version extraversion into an unmapped page",
	    NCALL(__HYPERVISOR_xen_version, XENVER_extraversion, end, 0), -EFAULT);
	ROW("xen_version capabilities into an unmapped page",
	    NCALL(__HYPERVISOR_xen_version, XENVER_capabilities, b - 64, 0), -EFAULT);
	ROW("xen_version guest_handle into an unmapped page",
	    NCALL(__HYPERVISOR_xen_version, XENVER_guest_handle, end, 0), -EFAULT);
	ROW("xen_version commandline into an unmapped page",
	    NCALL(__HYPERVISOR_xen_version, XENVER_commandline, b - 4, 0), -EFAULT);
	ROW("nothing written before the buffer", *(volatile uint64_t *)(a + 4096 - 72), 0);
	rc = update_va_mapping(b, (mfn_b << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG);
	ROW("read-only remap of the page after the buffer", rc, 0);
	ROW("xen_version extraversion onto a read-only page",
	    NCALL(__HYPERVISOR_xen_version, XENVER_extraversion, end, 0), -EFAULT);
	ROW("xen_version compile_info onto a read-only page",
	    NCALL(__HYPERVISOR_xen_version, XENVER_compile_info, b - 16, 0), -EFAULT);
	ROW("the read-only page unchanged", *(volatile uint64_t *)b, 0);
	update_va_mapping(b, (mfn_b << 12) | PTE_DATA, UVMF_INVLPG);
}

/*
 * Every physdev_op Lamina has but set_iopl and the pirq_eoi_gmfn pair
 * (rows_eoi_gmfn),
 * from a domU with a zeroed argument and with a hypervisor address (Xen
 * 4.17's answers).
 */
static const struct physdev_row {
	const char *zero, *bad;
	int op;
	long xen, xen_bad;
} physdev_rows[] = {
	{ "physdev IRQ_UNMASK_NOTIFY", "physdev IRQ_UNMASK_NOTIFY bad pointer", 4, 0, 0 },
	{ "physdev irq_status_query", "physdev irq_status_query bad pointer", 5, 0, -EFAULT },
	{ "physdev set_iobitmap", "physdev set_iobitmap bad pointer", 7, 0, -EFAULT },
	{ "physdev apic_read 0", "physdev apic_read bad pointer", 8, -EPERM, -EFAULT },
	{ "physdev apic_write", "physdev apic_write bad pointer", 9, -EPERM, -EFAULT },
	{ "physdev alloc_irq_vector", "physdev alloc_irq_vector bad pointer", 10, -EPERM,
	  -EFAULT },
	{ "physdev free_irq_vector", "physdev free_irq_vector bad pointer", 11, -ENOSYS, -ENOSYS },
	{ "physdev eoi", "physdev eoi bad pointer", 12, -EINVAL, -EFAULT },
	{ "physdev map_pirq", "physdev map_pirq bad pointer", 13, -EPERM, -EFAULT },
	{ "physdev unmap_pirq", "physdev unmap_pirq bad pointer", 14, -EPERM, -EFAULT },
	{ "physdev manage_pci_add", "physdev manage_pci_add bad pointer", 15, -EPERM, -EFAULT },
	{ "physdev manage_pci_remove 0", "physdev manage_pci_remove bad pointer", 16, -EPERM,
	  -EFAULT },
	{ "physdev restore_msi", "physdev restore_msi bad pointer", 19, -ENODEV, -EFAULT },
	{ "physdev manage_pci_add_ext", "physdev manage_pci_add_ext bad pointer", 20, -EPERM,
	  -EFAULT },
	{ "physdev setup_gsi", "physdev setup_gsi bad pointer", 21, -EPERM, -EFAULT },
	{ "physdev get_free_pirq", "physdev get_free_pirq bad pointer", 23, 0, -EFAULT },
	{ "physdev pci_mmcfg_reserved", "physdev pci_mmcfg_reserved bad pointer", 24, -EPERM,
	  -EPERM },
	{ "physdev pci_device_add", "physdev pci_device_add bad pointer", 25, -EPERM, -EFAULT },
	{ "physdev pci_device_remove", "physdev pci_device_remove bad pointer", 26, -EPERM,
	  -EFAULT },
	{ "physdev restore_msi_ext", "physdev restore_msi_ext bad pointer", 27, -ENODEV, -EFAULT },
	{ "physdev dbgp_op", "physdev dbgp_op bad pointer", 29, -EPERM, -EPERM },
	{ "physdev prepare_msix", "physdev prepare_msix bad pointer", 30, -EPERM, -EFAULT },
	{ "physdev release_msix", "physdev release_msix bad pointer", 31, -EPERM, -EFAULT },
};

/*
 * What Xen 4.17 writes back to a domU (conform-fields holds dom0's rows):
 * map_pirq's whole struct whatever it answers (MSI_SEG given back as
 * MSI, a read-only struct -EFAULT after the refusal), MULTI_MSI with a
 * table base -EINVAL before privilege is looked at; setup_table's status
 * alone (its frame_list field may be read-only); an exchange chunk by
 * chunk (entry 1 of its output list read-only: chunk 0 done, -EFAULT).
 * a and b are adjacent pages; b is made read-only for a row and back.
 */
static void rows_fields(struct start_info *si)
{
	uint64_t a = scratch_page(), b = scratch_page(), mfn_b = va_to_mfn(b);
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	struct physdev_map_pirq *m = (struct physdev_map_pirq *)b;
	struct gnttab_setup_table *st = (struct gnttab_setup_table *)(b - 16);
	struct xen_memory_exchange x;
	uint64_t in[2] = { p2m[2200], p2m[2201] }, *out = (uint64_t *)(b - 8);

	if (b != a + 4096) {
		ROW("adjacent scratch pages", 0, 1);
		return;
	}
	m->domid = DOMID_SELF;
	m->type = MAP_PIRQ_TYPE_MSI_SEG;
	m->index = m->pirq = -1;
	ROW("physdev map_pirq MSI_SEG", NCALL(__HYPERVISOR_physdev_op, PHYSDEVOP_map_pirq, m, 0),
	    -EPERM);
	ROW("physdev map_pirq MSI_SEG: type given back as MSI", m->type, MAP_PIRQ_TYPE_MSI);
	m->type = MAP_PIRQ_TYPE_MULTI_MSI;
	m->table_base = 0x1000;
	ROW("physdev map_pirq MULTI_MSI with a table base",
	    NCALL(__HYPERVISOR_physdev_op, PHYSDEVOP_map_pirq, m, 0), -EINVAL);
	m->type = MAP_PIRQ_TYPE_GSI;
	m->table_base = 0;
	update_va_mapping(b, pte_ro(mfn_b), UVMF_INVLPG);
	ROW("physdev map_pirq GSI, struct read-only",
	    NCALL(__HYPERVISOR_physdev_op, PHYSDEVOP_map_pirq, m, 0), -EFAULT);
	update_va_mapping(b, pte_rw(mfn_b), UVMF_INVLPG);

	memset(st, 0, sizeof(*st));
	st->dom = DOMID_SELF;
	st->nr_frames = 1;
	st->status = 0x77;
	st->frame_list = a;
	update_va_mapping(b, pte_ro(mfn_b), UVMF_INVLPG);
	ROW("grant setup_table, frame_list field read-only",
	    NCALL(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, st, 1), 0);
	ROW("grant setup_table, frame_list field read-only: status", st->status, GNTST_okay);
	update_va_mapping(b, pte_rw(mfn_b), UVMF_INVLPG);

	out[0] = out[1] = 0x100;
	memset(&x, 0, sizeof(x));
	x.in.extent_start = (uint64_t)in;
	x.in.nr_extents = 2;
	x.in.domid = DOMID_SELF;
	x.out.extent_start = (uint64_t)out;
	x.out.nr_extents = 2;
	x.out.domid = DOMID_SELF;
	update_va_mapping(b, pte_ro(mfn_b), UVMF_INVLPG);
	ROW("exchange, output entry 1 read-only", NCALL(__HYPERVISOR_memory_op, XENMEM_exchange, &x, 0),
	    -EFAULT);
	ROW("exchange, output entry 1 read-only: 1 exchanged, entry 0 written",
	    x.nr_exchanged == 1 && out[0] != 0x100 && out[1] == 0x100, 1);
	update_va_mapping(b, pte_rw(mfn_b), UVMF_INVLPG);
}

/*
 * The ids a domU might try to reach another's frames by (5 Dec,
 * h-revexch28, an attacker's review of dom0's exchange for another
 * domain): the hypervisor's pseudo-domains and DOMID_INVALID are no
 * domain Xen looks up (-ESRCH), and the frame stays ours; our own id by
 * number is ourselves (Xen's rcu_lock_domain_by_any_id finds us, and
 * XSM_TARGET lets a domain name itself): the exchange is done.
 */
static void rows_exchange_named(uint64_t frame)
{
	static const domid_t none[] = { DOMID_XEN, DOMID_IO, DOMID_COW, DOMID_INVALID };
	uint64_t in = frame, out = 0x310;
	struct xen_memory_reservation r = { (uint64_t)&in, 1, 0, 0, 0, { 0 } };
	struct xen_memory_exchange x = { r, r, 0 };
	unsigned int i, refused = 0;
	int self = own_domid();

	x.out.extent_start = (uint64_t)&out;
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		x.in.domid = x.out.domid = none[i];
		refused += NCALL(__HYPERVISOR_memory_op, XENMEM_exchange, &x, 0) == -ESRCH &&
			   x.nr_exchanged == 0 && in == frame && out == 0x310;
	}
	ROW("exchange for DOMID_XEN, _IO, _COW, _INVALID: -ESRCH each, nothing done", refused, 4);
	if (self < 0) {
		ROW("exchange for our own id: our id known", 0, 1);
		return;
	}
	x.in.domid = x.out.domid = (domid_t)self;
	ROW("exchange for our own id by number", NCALL(__HYPERVISOR_memory_op, XENMEM_exchange, &x, 0),
	    0);
	ROW("exchange for our own id by number: done, written",
	    x.nr_exchanged == 1 && out != 0x310 && out != frame, 1);
}

/*
 * An exchange naming another domain, from a domU: Xen 4.17 looks the
 * domain up after the list and flag checks (no such domain -ESRCH) and
 * refuses it then (XSM_TARGET: -EPERM); the frame named is left ours.
 * dom0 may (conform-exchange), since 5 Dec on Lamina too (h-misc28).
 */
static void rows_exchange_other(struct start_info *si)
{
	const uint64_t *p2m = (const uint64_t *)si->mfn_list;
	uint64_t in = p2m[2210], keep = in, out = 0x300;
	struct xen_memory_reservation r = { (uint64_t)&in, 1, 0, 0, 0, { 0 } };
	struct xen_memory_exchange x = { r, r, 0 };

	x.out.extent_start = (uint64_t)&out;
	ROW("exchange for dom0", NCALL(__HYPERVISOR_memory_op, XENMEM_exchange, &x, 0), -EPERM);
	ROW("exchange for dom0: nothing exchanged, entries as given",
	    x.nr_exchanged == 0 && in == keep && out == 0x300, 1);
	x.in.domid = x.out.domid = 0x7000;
	ROW("exchange for no such domain", NCALL(__HYPERVISOR_memory_op, XENMEM_exchange, &x, 0),
	    -ESRCH);
	x.in.domid = x.out.domid = 0;
	x.out.extent_start = 0xffff800000001000ULL;
	ROW("exchange for dom0, output list in the hypervisor",
	    NCALL(__HYPERVISOR_memory_op, XENMEM_exchange, &x, 0), -EFAULT);
	x.out.extent_start = (uint64_t)&out;
	x.out.domid = DOMID_SELF;
	ROW("exchange, in for dom0, out for us", NCALL(__HYPERVISOR_memory_op, XENMEM_exchange, &x, 0),
	    -EINVAL);
	x.in.domid = DOMID_SELF;
	ROW("exchange for us after: the frame still ours to exchange",
	    NCALL(__HYPERVISOR_memory_op, XENMEM_exchange, &x, 0), 0);
	ROW("exchange for us after: done, written", x.nr_exchanged == 1 && out != 0x300, 1);
	rows_exchange_named(p2m[2211]);
}

static void rows_physdev(void)
{
	const struct physdev_row *r;

	for (r = physdev_rows; r < physdev_rows + sizeof(physdev_rows) / sizeof(*r); r++) {
		ROW(r->zero, NCALL(__HYPERVISOR_physdev_op, r->op, zeroed(), 0), r->xen);
		ROW(r->bad, NCALL(__HYPERVISOR_physdev_op, r->op, HV_ADDR, 0), r->xen_bad);
	}
}

/*
 * get_free_pirq from a domU, as Xen 4.17 answers it: a PIRQ of its own
 * (nr_irqs_gsi + 32 of them), reserved until it goes: a GSI one from 16
 * up, any other type from the top down (the zeroed row above took the
 * top one, 55 with QEMU's 24 IO-APIC pins), then -ENOSPC.
 */
static void rows_free_pirq(void)
{
	struct physdev_get_free_pirq fp = { MAP_PIRQ_TYPE_GSI, 0 };
	long rc;
	int n = 0;

	ROW("physdev get_free_pirq GSI", NCALL(__HYPERVISOR_physdev_op, 23, &fp, 0), 0);
	ROW("physdev get_free_pirq GSI: pirq", fp.pirq, 16);
	fp.type = MAP_PIRQ_TYPE_MSI;
	ROW("physdev get_free_pirq MSI", NCALL(__HYPERVISOR_physdev_op, 23, &fp, 0), 0);
	ROW("physdev get_free_pirq MSI: pirq", fp.pirq, 54);
	fp.type = 99;
	ROW("physdev get_free_pirq type 99", NCALL(__HYPERVISOR_physdev_op, 23, &fp, 0), 0);
	ROW("physdev get_free_pirq type 99: pirq", fp.pirq, 53);
	fp.type = MAP_PIRQ_TYPE_GSI;
	while (n < 100 && !(rc = NCALL(__HYPERVISOR_physdev_op, 23, &fp, 0)))
		n++;
	ROW("physdev get_free_pirq until none left", rc, -ENOSPC);
	ROW("physdev get_free_pirq: PIRQs given in all", n + 4, 40);
	ROW("physdev get_free_pirq: the last", fp.pirq, 24);
}

/*
 * pirq_eoi_gmfn from a domU, as Xen 4.17 answers it: the frame must be a
 * page of the domain's that can be writable (checked first), one a
 * domain (-EBUSY after, by v1 or v2), held until the domain goes (the
 * audit at the peer's destroy on Lamina counts the reference).
 */
static void rows_eoi_gmfn(struct start_info *si)
{
	struct physdev_pirq_eoi_gmfn e = { 0 };
	uint64_t eoi = va_to_mfn(scratch_page()), other = va_to_mfn(scratch_page());

	ROW("physdev pirq_eoi_gmfn_v2 0", NCALL(__HYPERVISOR_physdev_op, 28, &e, 0), -EINVAL);
	ROW("physdev pirq_eoi_gmfn_v2 bad pointer", NCALL(__HYPERVISOR_physdev_op, 28, HV_ADDR, 0),
	    -EFAULT);
	ROW("physdev pirq_eoi_gmfn_v1 bad pointer", NCALL(__HYPERVISOR_physdev_op, 17, HV_ADDR, 0),
	    -EFAULT);
	e.gmfn = 1ULL << 40;
	ROW("physdev pirq_eoi_gmfn_v2 no such frame", NCALL(__HYPERVISOR_physdev_op, 28, &e, 0),
	    -EINVAL);
	e.gmfn = va_to_mfn(si->pt_base);
	ROW("physdev pirq_eoi_gmfn_v2 the L4", NCALL(__HYPERVISOR_physdev_op, 28, &e, 0), -EINVAL);
	e.gmfn = eoi;
	ROW("physdev pirq_eoi_gmfn_v2 a page", NCALL(__HYPERVISOR_physdev_op, 28, &e, 0), 0);
	ROW("physdev pirq_eoi_gmfn_v1 the page again", NCALL(__HYPERVISOR_physdev_op, 17, &e, 0),
	    -EBUSY);
	e.gmfn = other;
	ROW("physdev pirq_eoi_gmfn_v2 a second page", NCALL(__HYPERVISOR_physdev_op, 28, &e, 0),
	    -EBUSY);
	e.gmfn = va_to_mfn(si->pt_base);
	ROW("physdev pirq_eoi_gmfn_v2 the L4 after", NCALL(__HYPERVISOR_physdev_op, 28, &e, 0),
	    -EINVAL);
}

static long domctl_on(uint32_t cmd, uint16_t dom)
{
	tsop(cmd, DOMCTL_INTERFACE_VERSION);
	op[2] = dom;
	return NCALL(__HYPERVISOR_domctl, op, 0, 0);
}

/* ioport_permission of dom0's ports, asked for dom0. */
static long ioport_permission(uint32_t first, uint32_t nr)
{
	tsop(DOMCTL_ioport_permission, DOMCTL_INTERFACE_VERSION);
	op[4] = first;
	op[5] = nr;
	op[6] = 1;	/* allow_access */
	return NCALL(__HYPERVISOR_domctl, op, 0, 0);
}

/*
 * The domctl commands Xen 4.17 checks before its XSM hook, from a domU:
 * frame ranges, set_target's other domain, device assignment's DOMID_IO
 * and DOMID_INVALID, ioport_permission's port range; the passthrough IRQ
 * commands and ioport_mapping are for HVM domains only, get_device_group
 * needs an IOMMU, whoever asks. op[] is the domctl: op[4..] its union.
 */
static void rows_domctl(int self)
{
	uint64_t *u64 = (uint64_t *)&op[4];

	ROW("domctl irq_permission dom0", domctl_on(19, 0), -EPERM);
	ROW("domctl iomem_permission dom0", domctl_on(DOMCTL_iomem_permission, 0), -EPERM);
	tsop(DOMCTL_iomem_permission, DOMCTL_INTERFACE_VERSION);
	u64[0] = 5;	/* frames 5 to 3: wraps */
	ROW("domctl iomem_permission dom0, 0 frames at 5",
	    NCALL(__HYPERVISOR_domctl, op, 0, 0), -EINVAL);
	ROW("domctl memory_mapping dom0, 0 frames", domctl_on(DOMCTL_memory_mapping, 0), -EINVAL);
	tsop(DOMCTL_memory_mapping, DOMCTL_INTERFACE_VERSION);
	u64[1] = 0x100;
	u64[2] = 1;
	ROW("domctl memory_mapping dom0, 1 frame", NCALL(__HYPERVISOR_domctl, op, 0, 0), -EPERM);
	ROW("domctl set_target dom0 to dom0", domctl_on(DOMCTL_set_target, 0), -EINVAL);
	tsop(DOMCTL_set_target, DOMCTL_INTERFACE_VERSION);
	op[4] = NO_DOMAIN;	/* the target, a domid_t */
	ROW("domctl set_target dom0 to no such domain", NCALL(__HYPERVISOR_domctl, op, 0, 0),
	    -ESRCH);
	tsop(DOMCTL_set_target, DOMCTL_INTERFACE_VERSION);
	op[4] = (uint16_t)self;
	ROW("domctl set_target dom0 to a PV domain", NCALL(__HYPERVISOR_domctl, op, 0, 0),
	    -EOPNOTSUPP);
	ROW("domctl assign_device DOMID_IO", domctl_on(DOMCTL_assign_device, DOMID_IO), -EPERM);
	ROW("domctl assign_device DOMID_INVALID", domctl_on(DOMCTL_assign_device, DOMID_INVALID),
	    -ESRCH);
	ROW("domctl deassign_device DOMID_IO", domctl_on(DOMCTL_deassign_device, DOMID_IO),
	    -EPERM);
	ROW("domctl test_assign_device DOMID_INVALID",
	    domctl_on(DOMCTL_test_assign_device, DOMID_INVALID), -EPERM);
	ROW("domctl test_assign_device DOMID_IO",
	    domctl_on(DOMCTL_test_assign_device, DOMID_IO), -ESRCH);
	ROW("domctl vm_event_op DOMID_INVALID", domctl_on(56, DOMID_INVALID), -ESRCH);
	ROW("domctl ioport_permission dom0", domctl_on(DOMCTL_ioport_permission, 0), -EINVAL);
	ROW("domctl ioport_permission dom0, ports 0x80-0x80", ioport_permission(0x80, 1), -EPERM);
	ROW("domctl ioport_permission dom0, 0 ports at 0x80", ioport_permission(0x80, 0), -EINVAL);
	ROW("domctl ioport_permission dom0, ports 0xfff0-0xffff", ioport_permission(0xfff0, 16),
	    -EPERM);
	ROW("domctl ioport_permission dom0, ports 0xfff0-0x10000", ioport_permission(0xfff0, 17),
	    -EINVAL);
	ROW("domctl ioport_permission dom0, 2 ports wrapping", ioport_permission(~0U, 2), -EINVAL);
	ROW("domctl ioport_permission no such domain", domctl_on(DOMCTL_ioport_permission,
								   NO_DOMAIN), -ESRCH);
	ROW("domctl bind_pt_irq dom0", domctl_on(DOMCTL_bind_pt_irq, 0), -EINVAL);
	tsop(DOMCTL_bind_pt_irq, DOMCTL_INTERFACE_VERSION);
	op[4] = 5;	/* machine_irq */
	ROW("domctl bind_pt_irq dom0, IRQ 5", NCALL(__HYPERVISOR_domctl, op, 0, 0), -EINVAL);
	ROW("domctl ioport_mapping dom0", domctl_on(DOMCTL_ioport_mapping, 0), -EOPNOTSUPP);
	tsop(DOMCTL_ioport_mapping, DOMCTL_INTERFACE_VERSION);
	op[4] = op[5] = 0x80;	/* first_gport, first_mport */
	op[6] = op[7] = 1;	/* nr_ports, add_mapping */
	ROW("domctl ioport_mapping dom0, port 0x80", NCALL(__HYPERVISOR_domctl, op, 0, 0),
	    -EOPNOTSUPP);
	ROW("domctl ioport_mapping itself", domctl_on(DOMCTL_ioport_mapping, (uint16_t)self),
	    -EOPNOTSUPP);
	ROW("domctl unbind_pt_irq dom0", domctl_on(DOMCTL_unbind_pt_irq, 0), -EINVAL);
	ROW("domctl unbind_pt_irq no such domain", domctl_on(DOMCTL_unbind_pt_irq, NO_DOMAIN),
	    -ESRCH);
	ROW("domctl get_device_group dom0", domctl_on(DOMCTL_get_device_group, 0), -EOPNOTSUPP);
	ROW("domctl get_device_group itself", domctl_on(DOMCTL_get_device_group, (uint16_t)self),
	    -EOPNOTSUPP);
}

static void rows(struct start_info *si)
{
	domid_t dom0 = 0;
	uint32_t *u32 = (uint32_t *)page;
	struct xen_memory_map mm;
	struct evtchn_alloc_unbound au;
	struct evtchn_status st;
	struct evtchn_bind_virq bv;
	struct gnttab_query_size qs;
	struct gnttab_get_version gv;
	struct gnttab_setup_table gs;
	struct gnttab_map_grant_ref gm;
	struct grant_entry_v1 *table;
	uint64_t frame, l1e, pte;

	/* xen_version: dom0's own sub-ops */
	ROW("xen_version commandline", NCALL(__HYPERVISOR_xen_version, XENVER_commandline,
					     zeroed(), 0), 0);
	ROW("xen_version commandline text", strcmp((char *)page, "<denied>"), 0);
	ROW("xen_version build_id", NCALL(__HYPERVISOR_xen_version, XENVER_build_id,
					  (u32[0] = 64, page), 0), -EPERM);

	/* console_io */
	ROW("console_io read",
	    NCALL(__HYPERVISOR_console_io, CONSOLEIO_read, 16, zeroed()), -EPERM);

	/* platform_op, sysctl, domctl, mca, kexec, hypfs, xenoprof */
	ROW("platform_op get_cpuinfo", NCALL(__HYPERVISOR_platform_op, tsop(55, 0x03000001),
					    0, 0), -EPERM);
	ROW("platform_op version 0", NCALL(__HYPERVISOR_platform_op, tsop(55, 0), 0, 0), -EACCES);
	ROW("platform_op 99", NCALL(__HYPERVISOR_platform_op, tsop(99, 0x03000001), 0, 0), -EPERM);
	ROW("sysctl physinfo", NCALL(__HYPERVISOR_sysctl, tsop(3, 0x15), 0, 0), -EPERM);
	ROW("sysctl tbuf_op get_info", NCALL(__HYPERVISOR_sysctl, tsop(2, 0x15), 0, 0), -EPERM);
	ROW("sysctl get_cpu_featureset NULL", NCALL(__HYPERVISOR_sysctl, tsop(26, 0x15), 0, 0),
	    -EPERM);
	ROW("sysctl livepatch_op upload zeroed", NCALL(__HYPERVISOR_sysctl, tsop(27, 0x15), 0, 0),
	    -EPERM);
	ROW("sysctl get_cpu_policy raw NULL", NCALL(__HYPERVISOR_sysctl, tsop(29, 0x15), 0, 0),
	    -EPERM);
	ROW("domctl get_cpu_policy dom0 NULL", domctl_on(82, 0), -EPERM);
	ROW("domctl get_cpu_policy no such domain", domctl_on(82, 999), -ESRCH);
	ROW("domctl getdomaininfo dom0", NCALL(__HYPERVISOR_domctl,
					       tsop(DOMCTL_getdomaininfo, DOMCTL_INTERFACE_VERSION),
					       0, 0), -EPERM);
	ROW("mca physcpuinfo", NCALL(__HYPERVISOR_mca, tsop(3, 0x01ecc003), 0, 0), -EPERM);
	ROW("mca bad pointer", NCALL(__HYPERVISOR_mca, 0xffff800000001000ULL, 0, 0), -EPERM);
	ROWL("kexec_op status", NCALL(__HYPERVISOR_kexec_op, 6, zeroed(), 0), -EPERM, -ENOSYS);
	ROW("hypfs_op get_version", hypercall5(__HYPERVISOR_hypfs_op, 0, 0, 0, 0, 0), -EPERM);
	ROW("hypfs_op read /", hypercall5(__HYPERVISOR_hypfs_op, 1, (uint64_t)"/", 2,
					  (uint64_t)zeroed(), sizeof(page)), -EPERM);
	ROW("xenoprof_op reset_active_list",
	    NCALL(__HYPERVISOR_xenoprof_op, 1, zeroed(), 0), -EPERM);
	ROW("xenoprof_op init bad pointer",
	    NCALL(__HYPERVISOR_xenoprof_op, 0, 0xffff800000001000ULL, 0), -EFAULT);
	ROW("xenoprof_op 99", NCALL(__HYPERVISOR_xenoprof_op, 99, zeroed(), 0), -EINVAL);
	ROW("xenpmu_op mode_get", NCALL(__HYPERVISOR_xenpmu_op, 0, zeroed(), 0), -EOPNOTSUPP);
	ROW("paging_domctl_cont shadow_op dom0", NCALL(__HYPERVISOR_paging_domctl_cont,
						      tsop(DOMCTL_shadow_op, DOMCTL_INTERFACE_VERSION),
						      0, 0), -EPERM);
	tsop(DOMCTL_shadow_op, DOMCTL_INTERFACE_VERSION);
	op[2] = 999;	/* the domain */
	ROW("paging_domctl_cont shadow_op 999",
	    NCALL(__HYPERVISOR_paging_domctl_cont, op, 0, 0), -ESRCH);

	/* memory_op */
	mm.nr_entries = 16;
	mm.buffer = (uint64_t)zeroed();
	ROW("memory_op machine_memory_map", NCALL(__HYPERVISOR_memory_op,
						  XENMEM_machine_memory_map, &mm, 0), -EPERM);
	mm.nr_entries = 16;
	ROWL("memory_op memory_map",
	    NCALL(__HYPERVISOR_memory_op, XENMEM_memory_map, &mm, 0), -ENOSYS, 0);
	ROW("memory_op current_reservation dom0",
	    NCALL(__HYPERVISOR_memory_op, XENMEM_current_reservation, &dom0, 0), -EPERM);
	ROW("memory_op maximum_gpfn dom0", NCALL(__HYPERVISOR_memory_op, 14, &dom0, 0), -EPERM);
	ROW("memory_op get_vnumainfo dom0", NCALL(__HYPERVISOR_memory_op, 26, zeroed(), 0), -EPERM);
	ROW("memory_op claim_pages dom0", NCALL(__HYPERVISOR_memory_op, 24, zeroed(), 0), -EPERM);
	{
		uint64_t frame = 0;
		struct xen_memory_reservation r = { (uint64_t)&frame, 1, 0, 0, 0, { 0 } };

		ROW("memory_op populate_physmap for dom0",
		    NCALL(__HYPERVISOR_memory_op, XENMEM_populate_physmap, &r, 0), 0);
	}
	ROW("memory_op maximum_ram_page > 0",
	    NCALL(__HYPERVISOR_memory_op, XENMEM_maximum_ram_page, 0, 0) > 0, 1);
	{
		/* A domU's order limit is 9 (dom0's 18); an exact NUMA node is dom0's to ask. */
		uint64_t frame = 0;
		struct xen_memory_reservation r = { (uint64_t)&frame, 1, 10, 0, DOMID_SELF, { 0 } };
		struct xen_memory_exchange x = { r, r, 0 };
		struct xen_machphys_mapping mp;

		x.in.nr_extents = x.out.nr_extents = 0;
		ROW("memory_op exchange of order 10",
		    NCALL(__HYPERVISOR_memory_op, XENMEM_exchange, &x, 0), -EPERM);
		ROW("memory_op decrease_reservation order 10",
		    NCALL(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, &r, 0), 0);
		r.extent_order = 0;
		r.mem_flags = XENMEMF_node(0) | XENMEMF_exact_node_request;
		ROW("memory_op increase_reservation on exact node 0",
		    NCALL(__HYPERVISOR_memory_op, XENMEM_increase_reservation, &r, 0), 0);
		/* Xen: every entry of its M2P area; Lamina: the RAM's, as dom0's (conformance.md). */
		ROW("memory_op machphys_mapping",
		    NCALL(__HYPERVISOR_memory_op, XENMEM_machphys_mapping, &mp, 0), 0);
		ROWL("memory_op machphys_mapping max_mfn is the M2P area's",
		     mp.max_mfn == (1ULL << 35) - 1, 1, 0);
	}

	/* sched_op, vcpu_op */
	u32[0] = 0;
	ROW("sched_op pin_override", NCALL(__HYPERVISOR_sched_op, SCHEDOP_pin_override,
					   page, 0), -EPERM);
	zeroed();		/* remote_shutdown: dom0, poweroff */
	ROW("sched_op remote_shutdown dom0", NCALL(__HYPERVISOR_sched_op,
						   SCHEDOP_remote_shutdown, page, 0), -EPERM);
	ROW("vcpu_op get_physid", NCALL(__HYPERVISOR_vcpu_op, VCPUOP_get_physid, 0, page), -EINVAL);

	/* event channels of another domain */
	au.dom = 0;
	au.remote_dom = DOMID_SELF;
	ROW("evtchn alloc_unbound for dom0", evtchn_op(EVTCHNOP_alloc_unbound, &au), -EPERM);
	memset(&st, 0, sizeof(st));
	st.dom = 0;
	st.port = 1;
	ROW("evtchn status dom0", evtchn_op(EVTCHNOP_status, &st), -EPERM);
	u32[0] = 0;
	ROW("evtchn reset dom0", evtchn_op(EVTCHNOP_reset, page), -EPERM);
	bv.virq = VIRQ_DOM_EXC;
	bv.vcpu = 0;
	ROW("evtchn bind_virq dom_exc", evtchn_op(EVTCHNOP_bind_virq, &bv), 0);

	/* page tables and grants naming dom0 */
	l1e = l1e_maddr((uint64_t)page);
	pte = *(volatile uint64_t *)(mfn_to_va(l1e >> 12) + (l1e & 0xfff));
	ROW("mmu_update foreigndom dom0",
	    hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&(struct mmu_update){ l1e, pte }, 1, 0,
		       0, 0), -EPERM);
	ROW("update_va_mapping_otherdomain dom0",
	    hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, (uint64_t)page, pte,
		       UVMF_INVLPG, 0, 0), -EPERM);
	ROW("mmuext_op flush_cache",
	    hypercall5(__HYPERVISOR_mmuext_op,
		       (uint64_t)&(struct mmuext_op){ MMUEXT_FLUSH_CACHE, 0, { 0 }, { 0 } }, 1, 0,
		       DOMID_SELF, 0), -EACCES);
	ROW("mmuext_op flush_cache_global",
	    hypercall5(__HYPERVISOR_mmuext_op,
		       (uint64_t)&(struct mmuext_op){ MMUEXT_FLUSH_CACHE_GLOBAL, 0, { 0 }, { 0 } }, 1,
		       0, DOMID_SELF, 0), -EINVAL);
	ROW("mmu_update foreigndom no such domain",
	    hypercall5(__HYPERVISOR_mmu_update, (uint64_t)&(struct mmu_update){ l1e, pte }, 1, 0,
		       999, 0), -ESRCH);
	memset(&qs, 0, sizeof(qs));
	qs.dom = 0;
	ROW("gnttab query_size dom0", NCALL(__HYPERVISOR_grant_table_op, GNTTABOP_query_size,
					    &qs, 1), 0);
	ROW("gnttab query_size dom0: status", qs.status, GNTST_permission_denied);
	memset(&gv, 0, sizeof(gv));
	ROW("gnttab get_version dom0", NCALL(__HYPERVISOR_grant_table_op, GNTTABOP_get_version,
					     &gv, 1), -EPERM);
	memset(&gs, 0, sizeof(gs));
	gs.nr_frames = 1;
	gs.frame_list = (uint64_t)&frame;
	ROW("gnttab setup_table dom0", NCALL(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table,
					     &gs, 1), 0);
	ROW("gnttab setup_table dom0: status", gs.status, GNTST_permission_denied);
	/*
	 * Maps that fail on the grant entry (XTF's xsa-316 as a domU): the
	 * call succeeds and the entry's status says why, never a positive
	 * value. dom0's ref 8, not granted to us (dom0's table, never set up,
	 * has its first frame all the same); our own ref 8 named by
	 * DOMID_SELF, which a map refuses before looking at the entry.
	 */
	memset(&gm, 0, sizeof(gm));
	gm.host_addr = scratch_page();
	gm.flags = GNTMAP_host_map;
	gm.ref = 8;
	gm.dom = 0;
	ROW("gnttab map dom0's ungranted ref", NCALL(__HYPERVISOR_grant_table_op,
						     GNTTABOP_map_grant_ref, &gm, 1), 0);
	ROW("gnttab map dom0's ungranted ref: status", gm.status, GNTST_general_error);
	gs = (struct gnttab_setup_table){ DOMID_SELF, 0, 1, 0, { 0 }, (uint64_t)&frame };
	table = (struct grant_entry_v1 *)scratch_page();
	if (NCALL(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &gs, 1) == 0 && !gs.status &&
	    !update_va_mapping((uint64_t)table, (frame << 12) | PTE_DATA, UVMF_INVLPG)) {
		table[8].frame = (uint32_t)va_to_mfn(scratch_page());
		table[8].domid = dom0;
		__atomic_store_n(&table[8].flags, GTF_permit_access, __ATOMIC_RELEASE);
		gm.dom = DOMID_SELF;
		ROW("gnttab map own ref by DOMID_SELF", NCALL(__HYPERVISOR_grant_table_op,
							      GNTTABOP_map_grant_ref, &gm, 1), 0);
		ROW("gnttab map own ref by DOMID_SELF: status", gm.status, GNTST_bad_domain);
		__atomic_store_n(&table[8].flags, 0, __ATOMIC_RELEASE);
	} else {
		ROW("gnttab own grant table frame 0", -1, 0);
	}

	/* hvm_op, physdev_op */
	zeroed();
	u32[1] = 1;		/* dom0's HVM_PARAM_STORE_PFN */
	ROW("hvm_op get_param dom0", NCALL(__HYPERVISOR_hvm_op, 1, page, 0), -EINVAL);
	ROW("hvm_op set_param dom0", NCALL(__HYPERVISOR_hvm_op, 0, page, 0), -EINVAL);
	zeroed();
	ROW("hvm_op pagetable_dying dom0", NCALL(__HYPERVISOR_hvm_op, 9, page, 0), -EOPNOTSUPP);
	ROW("hvm_op get_mem_type dom0", NCALL(__HYPERVISOR_hvm_op, 15, page, 0), -EPERM);
	*(uint16_t *)page = DOMID_SELF;
	ROW("hvm_op get_mem_type self", NCALL(__HYPERVISOR_hvm_op, 15, page, 0), -EINVAL);
	ROW("hvm_op get_time", NCALL(__HYPERVISOR_hvm_op, 10, zeroed(), 0), 0);
	zeroed();
	u32[0] = 0;
	ROW("physdev set_iopl 0", NCALL(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, page, 0), 0);
	ROW("physdev irq_status_query 0",
	    NCALL(__HYPERVISOR_physdev_op, 5, zeroed(), 0), 0);
	ROW("physdev apic_read", NCALL(__HYPERVISOR_physdev_op, 8, zeroed(), 0), -EPERM);
	u32[0] = 0xffff;
	ROW("physdev manage_pci_remove",
	    NCALL(__HYPERVISOR_physdev_op, 16, page, 0), -EPERM);
	rows_physdev();
	rows_free_pirq();
	rows_eoi_gmfn(si);
	rows_order();
	rows_foreigndom();
	rows_domctl(own_domid());
	rows_copyout();
	rows_fields(si);
	rows_exchange_other(si);
}

static void peer_rows(void *si)
{
	rows(si);
}

int test_main(struct start_info *si)
{
	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		conform_peer_rows(peer_rows, si);
	return conform_peer_verdict(si);
}
