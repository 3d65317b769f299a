// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-diff-domu: conform-diff's sweep (tests/guest/conform-diff.c,
 * every call and line of it) made by an unprivileged domU, for the order
 * of checks a domU sees: the privileged families (domctl, sysctl,
 * platform_op, physdev's dom0-only ops, console_io), memory, grant and
 * event-channel ops naming dom0 or other domains, and the ordinary ones.
 *
 * dom0 builds the domU at run time from its own initrd (this ELF, "@initrd:
 * self"), with lib/peer.c, the same way on Lamina and on Xen 4.17: 16 MiB,
 * one vCPU, 1024 ports, grant table version 1 at most, a console page.
 * The domU makes the sweep, then calls of its own (domu_orders: each
 * naming dom0, a domain that does not exist, DOMID_IO or itself beside a
 * good and a bad list), and prints its "D <index> ..." lines to that
 * page (Xen's release build drops a domU's console_io); dom0 copies them
 * to its own console, each prefixed "(d<N>) ", until the domU has shut
 * down, then destroys it. The domU waits for room in the page as long as
 * dom0 takes (its own CPU at --smp 2 fills the page faster than dom0's
 * console empties it). tests/run/conform-diff --guest conform-diff-domu
 * compares the lines with Xen 4.17's (conform-diff-domu.golden).
 *
 * dom0 passes once the domU has powered off (a domU whose sweep could
 * not start crashes); the comparison is the runner's.
 * @initrd: self
 * @timeout: 400
 */
#define test_main conform_diff_sweep
#include "conform-diff.c"
#undef test_main
#include "lib/peer_sweep.h"

/*
 * ---- the domU's own lines, after the sweep's ----------------------------
 * Calls naming another domain (dom0, one that does not exist, DOMID_IO)
 * or the caller, each with a good and a bad pointer or list beside it,
 * for the order of the checks a domU sees: is the domain looked up, its
 * rights checked, or the pointer read first? Every call that names dom0
 * is one Xen refuses a domU.
 */
static const unsigned int odoms[] = { 0, 1, 2, 3 };	/* 0 self 999 io */
static const struct { const char *name; uint64_t va; } lists[] = {
	{ "good", 0 }, { "null", 1 }, { "hyp", HYPADDR }, { "noncanon", NONCANON },
};
static uint64_t list_of(unsigned int l)
{
	if (l == 0) {
		memset(scratch[0], 0, 4096);
		return (uint64_t)scratch[0];
	}
	return l == 1 ? 0 : lists[l].va;
}

static void domu_mmu(void)
{
	unsigned int d, l;
	struct mmu_update u = { 0, 0 };
	struct mmuext_op x;
	uint32_t done;

	for (d = 0; d < ARRAY_SIZE(odoms); d++)
		for (l = 0; l < ARRAY_SIZE(lists); l++) {
			uint64_t p = l ? list_of(l) : (uint64_t)&u;
			uint16_t dom = domids[odoms[d]].id;

			/* a zeroed request: machine address 0, a frame no guest has */
			u = (struct mmu_update){ 0, 0 };
			say(hypercall5(__HYPERVISOR_mmu_update, p, 1, (uint64_t)&done, dom, 0),
			    "domu mmu_update foreigndom %s list %s", domids[odoms[d]].name,
			    lists[l].name);
			say(hypercall5(__HYPERVISOR_mmu_update, p, 0, 0, dom, 0),
			    "domu mmu_update foreigndom %s count 0 list %s", domids[odoms[d]].name,
			    lists[l].name);
			memset(&x, 0, sizeof(x));
			x.cmd = MMUEXT_PIN_L1_TABLE;
			p = l ? list_of(l) : (uint64_t)&x;
			say(hypercall5(__HYPERVISOR_mmuext_op, p, 1, 0, dom, 0),
			    "domu mmuext_op pin_l1 frame 0 foreigndom %s list %s",
			    domids[odoms[d]].name, lists[l].name);
		}
	for (d = 0; d < ARRAY_SIZE(odoms); d++) {
		uint16_t dom = domids[odoms[d]].id;

		say(hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, (uint64_t)pg[3], 0,
			       UVMF_INVLPG, dom, 0),
		    "domu update_va_mapping_otherdomain %s not present", domids[odoms[d]].name);
		say(hypercall5(__HYPERVISOR_update_va_mapping_otherdomain, HYPADDR, 0,
			       UVMF_INVLPG, dom, 0),
		    "domu update_va_mapping_otherdomain %s va hyp", domids[odoms[d]].name);
	}
}

static void domu_memory(void)
{
	unsigned int d, l;
	long rc;	/* each call's, before its output fields are read */

	for (d = 0; d < ARRAY_SIZE(odoms); d++) {
		uint16_t dom = domids[odoms[d]].id;
		const char *dn = domids[odoms[d]].name;

		for (l = 0; l < ARRAY_SIZE(lists); l++) {
			uint64_t lp = list_of(l);
			struct xen_mem_acquire_resource ar;
			struct xen_add_to_physmap_batch b;
			struct xen_foreign_memory_map fm;
			struct xen_vnuma_topology_info vi;
			struct gnttab_setup_table st;
			struct gnttab_get_status_frames gs;
			struct xen_memory_exchange ex;

			memset(&ar, 0, sizeof(ar));
			ar.domid = dom;
			ar.type = XENMEM_resource_grant_table;
			ar.nr_frames = 1;
			ar.frame_list = lp;
			rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_acquire_resource, &ar);
			say_field(rc, "nr_frames", ar.nr_frames, false,
				  "domu memory acquire_resource grant dom %s 1 frame list %s", dn,
				  lists[l].name);
			memset(&b, 0, sizeof(b));
			b.domid = DOMID_SELF;
			b.space = XENMAPSPACE_gmfn_foreign;
			b.size = 1;
			b.foreign_domid = dom;
			b.idxs = b.gpfns = b.errs = lp;
			say(hypercall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, &b),
			    "domu memory add_to_physmap_batch gmfn_foreign from %s lists %s", dn,
			    lists[l].name);
			b.domid = dom;
			b.space = 0;
			say(hypercall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, &b),
			    "domu memory add_to_physmap_batch gmfn dom %s lists %s", dn,
			    lists[l].name);
			memset(&fm, 0, sizeof(fm));
			fm.domid = dom;
			fm.map.nr_entries = 1;
			fm.map.buffer = lp;
			say(hypercall2(__HYPERVISOR_memory_op, XENMEM_set_memory_map, &fm),
			    "domu memory set_memory_map dom %s 1 entry %s", dn, lists[l].name);
			memset(&vi, 0, sizeof(vi));
			vi.domid = dom;
			vi.nr_vnodes = vi.nr_vcpus = vi.nr_vmemranges = 1;
			vi.vdistance = vi.vcpu_to_vnode = vi.vmemrange = lp;
			say(hypercall2(__HYPERVISOR_memory_op, XENMEM_get_vnumainfo, &vi),
			    "domu memory get_vnumainfo dom %s buffers %s", dn, lists[l].name);
			memset(&ex, 0, sizeof(ex));
			ex.in.nr_extents = ex.out.nr_extents = 1;
			ex.in.extent_start = ex.out.extent_start = lp;
			ex.in.domid = ex.out.domid = dom;
			rc = hypercall2(__HYPERVISOR_memory_op, XENMEM_exchange, &ex);
			say_field(rc, "nr_exchanged", (long)ex.nr_exchanged, true,
				  "domu memory exchange dom %s lists %s", dn, lists[l].name);
			memset(&st, 0, sizeof(st));
			st.dom = dom;
			st.nr_frames = 1;
			st.frame_list = lp;
			rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &st, 1);
			say_status(rc, st.status, "domu gnttab setup_table dom %s 1 frame list %s", dn,
				   lists[l].name);
			memset(&gs, 0, sizeof(gs));
			gs.dom = dom;
			gs.nr_frames = 1;
			gs.frame_list = lp;
			rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_get_status_frames, &gs, 1);
			say_status(rc, gs.status, "domu gnttab get_status_frames dom %s 1 frame list %s",
				   dn, lists[l].name);
		}
		{
			static const unsigned int rd[] = {
				XENMEM_current_reservation, XENMEM_maximum_reservation,
				XENMEM_maximum_gpfn,
			};
			uint16_t id = dom;
			unsigned int i;

			for (i = 0; i < ARRAY_SIZE(rd); i++) {
				long v = hypercall2(__HYPERVISOR_memory_op, rd[i], &id);

				say(v < 0 ? v : 0, "domu memory op %u dom %s (>= 0 as 0)", rd[i], dn);
			}
		}
		{
			struct xen_memory_reservation r;

			memset(&r, 0, sizeof(r));
			r.nr_extents = 1;
			r.domid = dom;
			say(hypercall2(__HYPERVISOR_memory_op, XENMEM_claim_pages, &r),
			    "domu memory claim_pages dom %s 1 page", dn);
		}
	}
}

/* An 8-byte GNTTABOP_copy from src of domain sdom to dst of ddom, and its line. */
static void copy_between(uint64_t src, uint16_t sdom, uint64_t dst, uint16_t ddom,
			 uint16_t flags, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void copy_between(uint64_t src, uint16_t sdom, uint64_t dst, uint16_t ddom,
			 uint16_t flags, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcopy(src, sdom, 0, dst, ddom, 0, 8, flags, fmt, ap);
	va_end(ap);
}

static void domu_grants(void)
{
	static const uint32_t refs[] = { 0, 3, 8, 0xffffffff };
	static const uint32_t mflags[] = { GNTMAP_host_map, GNTMAP_host_map | GNTMAP_readonly,
					   GNTMAP_device_map, 0 };
	unsigned int d, r, f;
	long rc;

	for (d = 0; d < ARRAY_SIZE(odoms); d++) {
		uint16_t dom = domids[odoms[d]].id;
		const char *dn = domids[odoms[d]].name;

		for (r = 0; r < ARRAY_SIZE(refs); r++) {
			for (f = 0; f < ARRAY_SIZE(mflags); f++) {
				struct gnttab_map_grant_ref m;

				memset(&m, 0, sizeof(m));
				m.host_addr = (uint64_t)pg[3];
				m.flags = mflags[f];
				m.ref = refs[r];
				m.dom = dom;
				rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref,
						&m, 1);
				say_status(rc, m.status, "domu gnttab map dom %s ref %#x flags %#x", dn,
					   refs[r], mflags[f]);
			}
			copy_between(refs[r], dom, own_mfn2, DOMID_SELF, GNTCOPY_source_gref,
				     "domu gnttab copy from dom %s ref %#x", dn, refs[r]);
			copy_between(own_mfn, DOMID_SELF, refs[r], dom, GNTCOPY_dest_gref,
				     "domu gnttab copy to dom %s ref %#x", dn, refs[r]);
			copy_between(own_mfn, dom, own_mfn2, DOMID_SELF, 0,
				     "domu gnttab copy gmfn from dom %s (ref %#x)", dn, refs[r]);
		}
		copy_between(own_mfn, DOMID_SELF, own_mfn2, dom, 0, "domu gnttab copy gmfn to dom %s",
			     dn);
		copy_between(own_mfn, dom, own_mfn2, dom, 0, "domu gnttab copy gmfn within dom %s",
			     dn);
		{
			struct gnttab_transfer t;

			memset(&t, 0, sizeof(t));
			t.mfn = ~0ULL;
			t.domid = dom;
			rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_transfer, &t, 1);
			say_status(rc, t.status, "domu gnttab transfer frame ~0 to dom %s", dn);
		}
	}
}

static void domu_evtchn_physdev(void)
{
	static const uint32_t ports[] = { 0, 1, 2, 1023, 4096 };
	unsigned int d, i;
	long rc;

	for (d = 0; d < ARRAY_SIZE(odoms); d++) {
		uint16_t dom = domids[odoms[d]].id;
		const char *dn = domids[odoms[d]].name;

		for (i = 0; i < ARRAY_SIZE(ports); i++) {
			struct evtchn_bind_interdomain bi = { .remote_dom = dom,
							      .remote_port = ports[i] };
			struct evtchn_status st;

			say(EVTOP(EVTCHNOP_bind_interdomain, &bi),
			    "domu evtchn bind_interdomain remote %s port %u", dn, ports[i]);
			ports_undo();
			memset(&st, 0, sizeof(st));
			st.dom = dom;
			st.port = ports[i];
			rc = EVTOP(EVTCHNOP_status, &st);
			say_status(rc, st.status,
				   "domu evtchn status dom %s port %u", dn, ports[i]);
		}
		{
			struct physdev_map_pirq mp;
			struct physdev_unmap_pirq up = { .domid = dom };

			memset(&mp, 0, sizeof(mp));
			mp.domid = dom;
			mp.type = MAP_PIRQ_TYPE_GSI;
			mp.index = 9;
			mp.pirq = -1;
			say(hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_map_pirq, &mp),
			    "domu physdev map_pirq dom %s gsi 9", dn);
			mp.type = 99;
			say(hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_map_pirq, &mp),
			    "domu physdev map_pirq dom %s type 99", dn);
			up.pirq = 9;
			say(hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_unmap_pirq, &up),
			    "domu physdev unmap_pirq dom %s pirq 9", dn);
			up.pirq = -1;
			say(hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_unmap_pirq, &up),
			    "domu physdev unmap_pirq dom %s pirq -1", dn);
		}
		{
			struct sched_remote_shutdown rs = { .domain_id = dom, .reason = 99 };

			if (dom != DOMID_SELF)
				say(hypercall2(__HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, &rs),
				    "domu sched remote_shutdown dom %s reason 99", dn);
			rs.reason = SHUTDOWN_poweroff;
			if (dom == 0)
				say(hypercall2(__HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, &rs),
				    "domu sched remote_shutdown dom 0 poweroff");
		}
	}
	for (i = 0; i < 4; i++) {
		struct physdev_set_iopl io = { i };

		say(hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &io),
		    "domu physdev set_iopl %u", i);
	}
	hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl,
		   &(struct physdev_set_iopl){ 1 });
}

/* The domU's own lines: conform-diff's index goes on. */
static void domu_orders(void)
{
	domu_mmu();
	domu_memory();
	domu_grants();
	domu_evtchn_physdev();
	ports_undo();
	printf("conform-diff-domu made %u calls\n", idx);
}

int test_main(struct start_info *si)
{
	return peer_sweep_main(si, "conform-diff-domu", conform_diff_sweep, domu_orders);
}
