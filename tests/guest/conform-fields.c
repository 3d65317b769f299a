// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-fields: which fields of a hypercall's struct Xen 4.17 reads,
 * checks and writes back, from dom0 (conform.h; docs/conformance.md).
 * Padding and reserved fields hold garbage, and a struct straddles two
 * pages with one of them read-only, so a field written that Xen does not
 * write (or one left that Xen writes) shows:
 *  - grant_table_op: setup_table, unmap_grant_ref, unmap_and_replace,
 *    copy, swap_grant_ref, transfer and get_status_frames write back only
 *    `status` (Xen's __copy_field_to_guest),
 *    the rest of the struct may be read-only; their padding is ignored;
 *  - physdev_op map_pirq: the whole struct written back whatever the
 *    answer, MSI_SEG given back as MSI, MULTI_MSI with a table base
 *    refused before the domain is looked up;
 *  - memory_op reservations: mem_flags bits 19-31 and pad0 ignored;
 *  - memory_op add_to_physmap: `size` and an unknown `space` ignored
 *    for a PV domain (-EACCES), gmfn_foreign alone -ENOSYS;
 *  - event_channel_op init_control and bind_virq: `_pad` ignored, the
 *    struct written back only on success (link_bits too).
 */
#include "conform.h"
#include "lib/mm.h"
#include <lamina/memory.h>
#include <lamina/grant_table.h>
#include <lamina/physdev.h>
#include <lamina/event_channel.h>

#define MEM(cmd, arg)	hypercall2(__HYPERVISOR_memory_op, (uint64_t)(cmd), (uint64_t)(arg))
#define GNT(cmd, arg)	hypercall3(__HYPERVISOR_grant_table_op, (cmd), (uint64_t)(arg), 1)
#define PHYS(cmd, arg)	hypercall2(__HYPERVISOR_physdev_op, (cmd), (uint64_t)(arg))
#define EVT(cmd, arg)	hypercall2(__HYPERVISOR_event_channel_op, (cmd), (uint64_t)(arg))

static struct start_info *si;
static uint64_t pa, pb;		/* two adjacent scratch pages */

/* va writable (0), read-only (1). */
static void map_page(uint64_t va, int ro)
{
	uint64_t mfn = va_to_mfn(va);

	if (update_va_mapping(va, ro ? pte_ro(mfn) : pte_rw(mfn), UVMF_INVLPG))
		printf("ERROR remapping a scratch page\n");
}

/* The struct at pb - before: its first `before` bytes on pa. ro_first: pa read-only, else pb. */
static void *straddle(const void *s, size_t len, size_t before, bool ro_first)
{
	void *p = (void *)(pb - before);

	map_page(pa, 0);
	map_page(pb, 0);
	memcpy(p, s, len);
	map_page(ro_first ? pa : pb, 1);
	return p;
}

static void unstraddle(void)
{
	map_page(pa, 0);
	map_page(pb, 0);
}

static void grant_rows(void)
{
	static uint64_t frames[4];
	struct gnttab_setup_table st;
	struct gnttab_unmap_grant_ref un;
	struct gnttab_copy cp;
	struct gnttab_swap_grant_ref sw;
	struct gnttab_transfer tr;
	struct gnttab_setup_table *pst;
	struct gnttab_unmap_grant_ref *pun;
	struct gnttab_unmap_and_replace ur, *pur;
	struct gnttab_copy *pcp;
	struct gnttab_swap_grant_ref *psw;
	struct gnttab_transfer *ptr;
	long rc;

	memset(&st, 0xa5, sizeof(st));
	st.dom = DOMID_SELF;
	st.nr_frames = 1;
	st.status = 0x77;
	st.frame_list = (uint64_t)frames;
	frames[0] = 0;
	pst = straddle(&st, sizeof(st), 16, false);	/* frame_list on the read-only page */
	rc = GNT(GNTTABOP_setup_table, pst);
	ROW("setup_table, frame_list field read-only", rc, 0);
	ROW("setup_table, frame_list field read-only: status", pst->status, GNTST_okay);
	ROW("setup_table: padding as given, frame written",
	    pst->pad == 0xa5a5 && pst->pad2[0] == 0xa5a5 && pst->pad2[2] == 0xa5a5 && frames[0] != 0,
	    1);
	unstraddle();

	memset(&un, 0x5a, sizeof(un));
	un.host_addr = 0;
	un.dev_bus_addr = 0;
	un.handle = 0xfffffff0;
	un.status = 0x77;
	pun = straddle(&un, sizeof(un), 8, true);	/* host_addr on the read-only page */
	rc = GNT(GNTTABOP_unmap_grant_ref, pun);
	ROW("unmap_grant_ref, host_addr read-only", rc, 0);
	ROW("unmap_grant_ref, host_addr read-only: status", pun->status, GNTST_bad_handle);
	ROW("unmap_grant_ref: pad as given", pun->pad, 0x5a5a);
	unstraddle();

	memset(&ur, 0x5a, sizeof(ur));
	ur.host_addr = pa;
	ur.new_addr = 0;
	ur.handle = 0xfffffff0;
	ur.status = 0x77;
	pur = straddle(&ur, sizeof(ur), 16, true);	/* host_addr, new_addr read-only */
	rc = GNT(GNTTABOP_unmap_and_replace, pur);
	ROW("unmap_and_replace, addresses read-only", rc, 0);
	ROW("unmap_and_replace, addresses read-only: status", pur->status, GNTST_bad_handle);
	ROW("unmap_and_replace: pad as given", pur->pad, 0x5a5a);
	unstraddle();

	memset(&cp, 0x5a, sizeof(cp));
	cp.source.u.gmfn = ~0ULL >> 12;
	cp.source.domid = DOMID_SELF;
	cp.source.offset = 0;
	cp.dest.u.gmfn = ~0ULL >> 12;
	cp.dest.domid = DOMID_SELF;
	cp.dest.offset = 0;
	cp.len = 8;
	cp.flags = 0;
	cp.status = 0x77;
	pcp = straddle(&cp, sizeof(cp), 32, true);	/* all but len, flags, status read-only */
	rc = GNT(GNTTABOP_copy, pcp);
	ROW("copy of a frame past RAM, source and dest read-only", rc, 0);
	ROW("copy of a frame past RAM, source and dest read-only: status", pcp->status,
	    GNTST_bad_page);
	ROW("copy: pad as given", pcp->pad, 0x5a5a);
	unstraddle();

	sw.ref_a = 0xfffffff0;
	sw.ref_b = 1;
	sw.status = 0x77;
	psw = straddle(&sw, sizeof(sw), 8, true);	/* the refs read-only */
	rc = GNT(GNTTABOP_swap_grant_ref, psw);
	ROW("swap_grant_ref, refs read-only", rc, 0);
	ROW("swap_grant_ref, refs read-only: status", psw->status, GNTST_bad_gntref);
	unstraddle();

	memset(&tr, 0x5a, sizeof(tr));
	tr.mfn = ~0ULL >> 12;
	tr.domid = 0x7000;
	tr.ref = 0;
	tr.status = 0x77;
	ptr = straddle(&tr, sizeof(tr), 16, true);	/* mfn, domid, ref read-only */
	rc = GNT(GNTTABOP_transfer, ptr);
	ROW("transfer of a frame past RAM, mfn and ref read-only", rc, 0);
	ROW("transfer of a frame past RAM, mfn and ref read-only: status", ptr->status,
	    GNTST_bad_page);
	ROW("transfer: pads as given", ptr->pad1 == 0x5a5a && ptr->pad2 == 0x5a5a5a5a, 1);
	unstraddle();
}

/* get_status_frames (a v2 table for it, then v1 again) with its frame_list field read-only. */
static void status_frames_rows(void)
{
	static uint64_t frames[4];
	struct gnttab_set_version v = { 2 };
	struct gnttab_get_status_frames gs, *pgs;

	ROW("set_version 2", GNT(GNTTABOP_set_version, &v), 0);
	memset(&gs, 0, sizeof(gs));
	gs.nr_frames = 1;
	gs.dom = DOMID_SELF;
	gs.status = 0x77;
	gs.frame_list = (uint64_t)frames;
	pgs = straddle(&gs, sizeof(gs), 8, false);	/* frame_list on the read-only page */
	ROW("get_status_frames, frame_list field read-only", GNT(GNTTABOP_get_status_frames, pgs),
	    0);
	ROW("get_status_frames, frame_list field read-only: status, frame written",
	    pgs->status == GNTST_okay && frames[0] != 0, 1);
	unstraddle();
	v.version = 1;
	ROW("set_version 1 again", GNT(GNTTABOP_set_version, &v), 0);
}

static void physdev_rows(void)
{
	struct physdev_map_pirq m, *pm;

	memset(&m, 0x5a, sizeof(m));
	m.domid = DOMID_SELF;
	m.type = MAP_PIRQ_TYPE_MSI_SEG;
	m.index = -1;
	m.pirq = -1;
	m.bus = (0x7 << 16) | 0xfe;	/* segment 7: no such function */
	m.devfn = 0xf8;
	m.entry_nr = 0;
	m.table_base = 0;
	ROW("map_pirq MSI_SEG of a function not there", PHYS(PHYSDEVOP_map_pirq, &m), -ENODEV);
	ROW("map_pirq MSI_SEG: type given back as MSI", m.type, MAP_PIRQ_TYPE_MSI);
	ROW("map_pirq MSI_SEG: pads as given", m.pad0 == 0x5a5a && m.pad1 == 0x5a5a5a5a, 1);

	/*
	 * An MSI naming its IRQ (index): below the GSIs or past Xen's
	 * nr_irqs (max(CPUs * 208, 8 * GSIs)) -EINVAL, between them -EPERM,
	 * an IRQ dom0 was not given; MULTI_MSI ignores index (found by
	 * conform-args-diff; the first and third were -EINVAL on Lamina).
	 */
	m.type = MAP_PIRQ_TYPE_MSI;
	m.pirq = -1;
	m.index = 30;
	ROW("map_pirq MSI naming IRQ 30", PHYS(PHYSDEVOP_map_pirq, &m), -EPERM);
	m.index = 5;
	ROW("map_pirq MSI naming IRQ 5 (a GSI)", PHYS(PHYSDEVOP_map_pirq, &m), -EINVAL);
	m.index = 100000;
	ROW("map_pirq MSI naming IRQ 100000", PHYS(PHYSDEVOP_map_pirq, &m), -EINVAL);
	m.type = MAP_PIRQ_TYPE_MULTI_MSI;
	m.index = 30;
	m.entry_nr = 1;
	ROW("map_pirq MULTI_MSI of 1 naming IRQ 30, a function not there",
	    PHYS(PHYSDEVOP_map_pirq, &m), -ENODEV);
	/* a PIRQ named past dom0's: -EINVAL before the function is looked for */
	m.type = MAP_PIRQ_TYPE_MSI;
	m.index = -1;
	m.pirq = 1024;
	ROW("map_pirq MSI of a function not there, PIRQ 1024", PHYS(PHYSDEVOP_map_pirq, &m),
	    -EINVAL);
	m.pirq = -1;
	m.entry_nr = 0;

	m.type = MAP_PIRQ_TYPE_MULTI_MSI;
	m.domid = 0x7000;
	m.table_base = 0x1000;
	ROW("map_pirq MULTI_MSI with a table base, no such domain", PHYS(PHYSDEVOP_map_pirq, &m),
	    -EINVAL);
	m.table_base = 0;
	m.entry_nr = 2;
	ROW("map_pirq MULTI_MSI, no such domain", PHYS(PHYSDEVOP_map_pirq, &m), -ESRCH);

	m.domid = DOMID_SELF;
	m.type = 7;
	pm = straddle(&m, sizeof(m), 0, false);
	ROW("map_pirq of type 7, struct read-only", PHYS(PHYSDEVOP_map_pirq, pm), -EFAULT);
	unstraddle();
	m.domid = 0x7000;
	pm = straddle(&m, sizeof(m), 0, false);
	ROW("map_pirq, no such domain, struct read-only", PHYS(PHYSDEVOP_map_pirq, pm), -EFAULT);
	unstraddle();
	m.type = MAP_PIRQ_TYPE_MULTI_MSI;
	m.table_base = 0x1000;
	pm = straddle(&m, sizeof(m), 0, false);
	ROW("map_pirq MULTI_MSI with a table base, struct read-only", PHYS(PHYSDEVOP_map_pirq, pm),
	    -EINVAL);
	unstraddle();
}

static void memory_rows(void)
{
	struct xen_memory_reservation r;
	struct xen_add_to_physmap x;
	uint64_t f = 0;
	char name[80];
	unsigned int bit;

	for (bit = 19; bit < 32; bit += 4) {
		memset(&r, 0, sizeof(r));
		r.extent_start = (uint64_t)&f;
		r.nr_extents = 1;
		r.mem_flags = 1U << bit;
		r.domid = DOMID_SELF;
		r.pad0[0] = r.pad0[1] = r.pad0[2] = 0x5a5a;
		snprintf(name, sizeof(name), "increase_reservation, mem_flags bit %u, pad0 set", bit);
		ROW(name, MEM(XENMEM_increase_reservation, &r), 1);
		r.mem_flags = 0;
		snprintf(name, sizeof(name), "decrease_reservation of it, pad0 set");
		ROW(name, MEM(XENMEM_decrease_reservation, &r), 1);
	}

	memset(&x, 0, sizeof(x));
	x.domid = DOMID_SELF;
	x.size = 0xffff;
	x.space = 7;
	ROW("add_to_physmap, space 7, size 0xffff", MEM(XENMEM_add_to_physmap, &x), -EACCES);
	x.space = 0xffffffffU;
	ROW("add_to_physmap, space 0xffffffff", MEM(XENMEM_add_to_physmap, &x), -EACCES);
	x.space = XENMAPSPACE_gmfn_foreign;
	x.domid = 0x7000;
	ROW("add_to_physmap, gmfn_foreign, no such domain", MEM(XENMEM_add_to_physmap, &x), -ENOSYS);
	x.space = 0;
	ROW("add_to_physmap, no such domain", MEM(XENMEM_add_to_physmap, &x), -ESRCH);
}

static void evtchn_rows(void)
{
	struct evtchn_init_control ic;
	struct evtchn_bind_virq bv;

	memset(&ic, 0x5a, sizeof(ic));
	ic.control_gfn = 0;
	ic.offset = 0;
	ic.vcpu = 999;
	ic.link_bits = 0x77;
	ROW("init_control on vCPU 999", EVT(EVTCHNOP_init_control, &ic), -ENOENT);
	ROW("init_control on vCPU 999: link_bits and _pad as given",
	    ic.link_bits == 0x77 && ic._pad[0] == 0x5a && ic._pad[6] == 0x5a, 1);
	ic.vcpu = 0;
	ic.offset = 4;
	ROW("init_control, offset 4", EVT(EVTCHNOP_init_control, &ic), -EINVAL);
	ROW("init_control, offset 4: link_bits as given", ic.link_bits, 0x77);

	bv.virq = VIRQ_TIMER;
	bv.vcpu = 99;
	bv.port = 0x5a5a5a5a;
	ROW("bind_virq on vCPU 99", EVT(EVTCHNOP_bind_virq, &bv), -ENOENT);
	ROW("bind_virq on vCPU 99: port as given", bv.port, 0x5a5a5a5a);
}

int test_main(struct start_info *start)
{
	si = start;
	mm_init(si);
	conform_begin();
	pa = scratch_page();
	pb = scratch_page();
	if (pb != pa + 4096)
		return fail("scratch pages not adjacent");
	grant_rows();
	status_frames_rows();
	physdev_rows();
	memory_rows();
	evtchn_rows();
	return conform_end("field");
}
