// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-evtchn: event_channel_op (every EVTCHNOP_),
 * event_channel_op_compat, physdev_op (every PHYSDEVOP_),
 * physdev_op_compat and grant_table_op (every GNTTABOP_) from dom0, with
 * valid and invalid arguments, against the results Xen 4.17 gives
 * (conform.h; docs/conformance.md). The device-facing physdev_op
 * commands are made only with arguments refused before they act (no
 * such device, IRQ or domain). Ports are closed again at the end.
 */
#include "conform.h"
#include "lib/mm.h"
#include "lib/events.h"
#include <lamina/event_channel.h>
#include <lamina/grant_table.h>
#include <lamina/physdev.h>

#define NCALL(nr, a, b, c)	hypercall3(nr, (uint64_t)(a), (uint64_t)(b), (uint64_t)(c))
#define EVT(cmd, arg)		NCALL(__HYPERVISOR_event_channel_op, cmd, arg, 0)
#define PHYS(cmd, arg)		NCALL(__HYPERVISOR_physdev_op, cmd, arg, 0)
#define GNT(cmd, arg, n)	NCALL(__HYPERVISOR_grant_table_op, cmd, arg, n)

/* The old single-argument forms: the command, then its argument. */
struct compat_op {
	uint32_t cmd;
	uint32_t u[8];
};

static uint8_t page[4096] __attribute__((aligned(4096)));
static uint8_t arg[256] __attribute__((aligned(8)));
static uint64_t frames[4];

static void *zeroed(void)
{
	memset(arg, 0, sizeof(arg));
	return arg;
}

static struct shared_info *sinfo;
static unsigned int unused_bits;

/*
 * Sets the mask and pending bits of port p, makes EVTCHNOP_unmask on it,
 * leaves in unused_bits which of the two are set after (1 mask, 2
 * pending), puts the bits back as they were; the hypercall's result.
 */
static long unmask_unused(struct start_info *si, evtchn_port_t p)
{
	volatile uint64_t *mask, *pend;
	uint64_t bit = 1ULL << (p % 64), old_mask, old_pend;
	long rc;

	if (!sinfo) {
		uint64_t va = scratch_page();

		if (update_va_mapping(va, si->shared_info | PTE_DATA, UVMF_INVLPG))
			return -9999;
		sinfo = (struct shared_info *)va;
	}
	mask = (volatile uint64_t *)&sinfo->evtchn_mask[p / 64];
	pend = (volatile uint64_t *)&sinfo->evtchn_pending[p / 64];
	old_mask = __atomic_fetch_or(mask, bit, __ATOMIC_SEQ_CST) & bit;
	old_pend = __atomic_fetch_or(pend, bit, __ATOMIC_SEQ_CST) & bit;
	rc = EVT(EVTCHNOP_unmask, &p);
	unused_bits = (*mask & bit ? 1 : 0) | (*pend & bit ? 2 : 0);
	if (!old_pend)
		__atomic_fetch_and(pend, ~bit, __ATOMIC_SEQ_CST);
	if (old_mask)
		__atomic_fetch_or(mask, bit, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(mask, ~bit, __ATOMIC_SEQ_CST);
	return rc;
}

int test_main(struct start_info *si)
{
	struct evtchn_alloc_unbound au;
	struct evtchn_bind_interdomain bi;
	struct evtchn_bind_virq bv;
	struct evtchn_bind_ipi bp;
	struct evtchn_status st;
	struct evtchn_bind_vcpu bc;
	struct evtchn_init_control ic;
	struct evtchn_set_priority sp;
	struct compat_op co;
	struct physdev_set_iopl io;
	struct gnttab_setup_table gs;
	struct gnttab_query_size qs;
	struct gnttab_set_version sv;
	struct gnttab_get_version gv;
	struct gnttab_get_status_frames sf;
	struct gnttab_dump_table dt;
	struct gnttab_swap_grant_ref sw;
	struct gnttab_map_grant_ref mp;
	struct gnttab_unmap_grant_ref um;
	struct gnttab_unmap_and_replace ur;
	struct gnttab_copy cp;
	uint32_t *u32 = (uint32_t *)arg;
	evtchn_port_t unbound, loop, virq, ipi;
	unsigned int cmd;
	char name[64];

	mm_init(si);
	conform_begin();

	/* event_channel_op */
	au.dom = DOMID_SELF;
	au.remote_dom = DOMID_SELF;
	ROW("evtchn alloc_unbound", EVT(EVTCHNOP_alloc_unbound, &au), 0);
	unbound = au.port;
	ROW("evtchn alloc_unbound port", unbound, 1);
	au.remote_dom = 999;
	ROW("evtchn alloc_unbound remote no such domain", EVT(EVTCHNOP_alloc_unbound, &au), 0);
	au.dom = 999;
	au.remote_dom = DOMID_SELF;
	ROW("evtchn alloc_unbound no such domain", EVT(EVTCHNOP_alloc_unbound, &au), -ESRCH);
	ROW("evtchn alloc_unbound bad pointer", EVT(EVTCHNOP_alloc_unbound, BADPTR), -EFAULT);
	bi.remote_dom = DOMID_SELF;
	bi.pad0 = 0;
	bi.remote_port = unbound;
	ROW("evtchn bind_interdomain loopback", EVT(EVTCHNOP_bind_interdomain, &bi), 0);
	loop = bi.local_port;
	ROW("evtchn bind_interdomain again", EVT(EVTCHNOP_bind_interdomain, &bi), -EINVAL);
	bi.remote_port = 4000;
	ROW("evtchn bind_interdomain free port", EVT(EVTCHNOP_bind_interdomain, &bi), -EINVAL);
	bi.remote_port = 1 << 20;
	ROW("evtchn bind_interdomain port out of range", EVT(EVTCHNOP_bind_interdomain, &bi), -EINVAL);
	bi.remote_dom = 999;
	ROW("evtchn bind_interdomain no such domain", EVT(EVTCHNOP_bind_interdomain, &bi), -ESRCH);
	bv.virq = VIRQ_TIMER;
	bv.vcpu = 0;
	ROW("evtchn bind_virq timer", EVT(EVTCHNOP_bind_virq, &bv), 0);
	virq = bv.port;
	ROW("evtchn bind_virq timer again", EVT(EVTCHNOP_bind_virq, &bv), -EEXIST);
	bv.vcpu = 5;
	ROW("evtchn bind_virq timer vcpu 5", EVT(EVTCHNOP_bind_virq, &bv), -ENOENT);
	bv.virq = VIRQ_DEBUG;
	ROW("evtchn bind_virq global on vcpu 5", EVT(EVTCHNOP_bind_virq, &bv), -ENOENT);
	bv.virq = 99;
	bv.vcpu = 0;
	ROW("evtchn bind_virq 99", EVT(EVTCHNOP_bind_virq, &bv), -EINVAL);
	bv.virq = 24;
	ROW("evtchn bind_virq 24", EVT(EVTCHNOP_bind_virq, &bv), -EINVAL);
	u32[0] = 9999;
	ROW("evtchn bind_pirq 9999", EVT(EVTCHNOP_bind_pirq, arg), -EINVAL);
	u32[0] = 1;
	ROW("evtchn bind_pirq unmapped 1", EVT(EVTCHNOP_bind_pirq, arg), -EPERM);
	bp.vcpu = 0;
	ROW("evtchn bind_ipi", EVT(EVTCHNOP_bind_ipi, &bp), 0);
	ipi = bp.port;
	bp.vcpu = 5;
	ROW("evtchn bind_ipi vcpu 5", EVT(EVTCHNOP_bind_ipi, &bp), -ENOENT);
	ROW("evtchn send unbound", EVT(EVTCHNOP_send, &unbound), 0);
	ROW("evtchn send loopback", EVT(EVTCHNOP_send, &loop), 0);
	ROW("evtchn send ipi", EVT(EVTCHNOP_send, &ipi), 0);
	ROW("evtchn send virq", EVT(EVTCHNOP_send, &virq), -EINVAL);
	u32[0] = 4000;
	ROW("evtchn send free port", EVT(EVTCHNOP_send, arg), -EINVAL);
	u32[0] = 1 << 20;
	ROW("evtchn send out of range", EVT(EVTCHNOP_send, arg), -EINVAL);
	u32[0] = 0;
	ROW("evtchn send port 0", EVT(EVTCHNOP_send, arg), -EINVAL);
	memset(&st, 0, sizeof(st));
	st.dom = DOMID_SELF;
	st.port = loop;
	ROW("evtchn status loopback", EVT(EVTCHNOP_status, &st), 0);
	ROW("evtchn status loopback: status", st.status, EVTCHNSTAT_interdomain);
	st.port = 0;
	ROW("evtchn status port 0", EVT(EVTCHNOP_status, &st), 0);
	ROW("evtchn status port 0: status", st.status, 0);
	st.port = 1 << 20;
	ROW("evtchn status out of range", EVT(EVTCHNOP_status, &st), -EINVAL);
	st.dom = 999;
	st.port = 1;
	ROW("evtchn status no such domain", EVT(EVTCHNOP_status, &st), -ESRCH);
	bc.port = ipi;
	bc.vcpu = 0;
	ROW("evtchn bind_vcpu ipi", EVT(EVTCHNOP_bind_vcpu, &bc), -EINVAL);
	bc.port = virq;
	ROW("evtchn bind_vcpu virq timer", EVT(EVTCHNOP_bind_vcpu, &bc), -EINVAL);
	bc.port = loop;
	ROW("evtchn bind_vcpu interdomain", EVT(EVTCHNOP_bind_vcpu, &bc), 0);
	bc.vcpu = 5;
	ROW("evtchn bind_vcpu vcpu 5", EVT(EVTCHNOP_bind_vcpu, &bc), -ENOENT);
	bc.port = 4000;
	bc.vcpu = 0;
	ROW("evtchn bind_vcpu free port", EVT(EVTCHNOP_bind_vcpu, &bc), -EINVAL);
	ROW("evtchn unmask", EVT(EVTCHNOP_unmask, &loop), 0);
	u32[0] = 1 << 20;
	ROW("evtchn unmask out of range", EVT(EVTCHNOP_unmask, arg), -EINVAL);
	memset(&ic, 0, sizeof(ic));
	ic.control_gfn = va_to_mfn((uint64_t)page);
	ic.offset = 4092;
	ROW("evtchn init_control offset 4092", EVT(EVTCHNOP_init_control, &ic), -EINVAL);
	ic.offset = 4;
	ROW("evtchn init_control offset 4", EVT(EVTCHNOP_init_control, &ic), -EINVAL);
	ic.offset = 0;
	ic.vcpu = 5;
	ROW("evtchn init_control vcpu 5", EVT(EVTCHNOP_init_control, &ic), -ENOENT);
	ic.vcpu = 0;
	ic.control_gfn = ~0ULL >> 12;
	ROW("evtchn init_control bad frame", EVT(EVTCHNOP_init_control, &ic), -EINVAL);
	ROW("evtchn init_control bad pointer", EVT(EVTCHNOP_init_control, BADPTR), -EFAULT);
	ROW("evtchn expand_array 2-level", EVT(EVTCHNOP_expand_array, zeroed()), -EOPNOTSUPP);
	sp.port = loop;
	sp.priority = 3;
	ROW("evtchn set_priority 2-level", EVT(EVTCHNOP_set_priority, &sp), -ENOSYS);
	u32[0] = loop;
	ROW("evtchn close loopback", EVT(EVTCHNOP_close, &loop), 0);
	ROW("evtchn close loopback again", EVT(EVTCHNOP_close, &loop), -EINVAL);
	ROW("evtchn status closed", (st.dom = DOMID_SELF, st.port = loop,
				     EVT(EVTCHNOP_status, &st)), 0);
	ROW("evtchn status closed: status", st.status, EVTCHNSTAT_closed);
	/*
	 * Unmask of a port not in use (the closed loopback port, below the
	 * valid bound; port 0, reserved): 0 and nothing done, the mask bit
	 * left set even with the pending bit set (Xen 4.17 acts only on a
	 * port in use). The two bits are put back as they were after.
	 */
	ROW("evtchn unmask closed port", unmask_unused(si, loop), 0);
	ROW("evtchn unmask closed port: mask and pending bits", unused_bits, 3);
	ROW("evtchn unmask port 0", unmask_unused(si, 0), 0);
	ROW("evtchn unmask port 0: mask and pending bits", unused_bits, 3);
	ROW("evtchn close ipi", EVT(EVTCHNOP_close, &ipi), 0);
	ROW("evtchn close virq", EVT(EVTCHNOP_close, &virq), 0);
	u32[0] = 0;
	ROW("evtchn close port 0", EVT(EVTCHNOP_close, arg), -EINVAL);
	u32[0] = 1 << 20;
	ROW("evtchn close out of range", EVT(EVTCHNOP_close, arg), -EINVAL);
	ROW("evtchn close bad pointer", EVT(EVTCHNOP_close, BADPTR), -EFAULT);
	u32[0] = 999;
	ROW("evtchn reset no such domain", EVT(EVTCHNOP_reset, arg), -ESRCH);
	ROW("evtchn reset_cont no such domain", EVT(14, arg), -ESRCH);
	u32[0] = DOMID_SELF;
	ROW("evtchn reset self", EVT(EVTCHNOP_reset, arg), 0);
	/* No reset under way: reset_cont has nothing to go on with. */
	ROW("evtchn reset_cont self", EVT(14, arg), -EBUSY);
	for (cmd = 15; cmd <= 17; cmd++) {
		snprintf(name, sizeof(name), "evtchn sub-op %u", cmd);
		ROW(name, EVT(cmd, zeroed()), -ENOSYS);
	}
	ROW("evtchn sub-op 0x7fffffff", EVT(0x7fffffff, zeroed()), -ENOSYS);

	/* event_channel_op_compat */
	memset(&co, 0, sizeof(co));
	co.cmd = EVTCHNOP_alloc_unbound;
	co.u[0] = DOMID_SELF | (DOMID_SELF << 16);
	ROW("event_channel_op_compat alloc_unbound",
	    NCALL(__HYPERVISOR_event_channel_op_compat, &co, 0, 0), 0);
	ROW("event_channel_op_compat alloc_unbound port", co.u[1], 1);
	co.cmd = EVTCHNOP_close;
	co.u[0] = co.u[1];
	ROW("event_channel_op_compat close",
	    NCALL(__HYPERVISOR_event_channel_op_compat, &co, 0, 0), 0);
	ROW("event_channel_op_compat close again",
	    NCALL(__HYPERVISOR_event_channel_op_compat, &co, 0, 0), -EINVAL);
	co.cmd = EVTCHNOP_reset;	/* 10 and up: not offered in the old form */
	co.u[0] = DOMID_SELF;
	ROW("event_channel_op_compat reset",
	    NCALL(__HYPERVISOR_event_channel_op_compat, &co, 0, 0), -ENOSYS);
	co.cmd = 99;
	ROW("event_channel_op_compat sub-op 99",
	    NCALL(__HYPERVISOR_event_channel_op_compat, &co, 0, 0), -ENOSYS);
	ROW("event_channel_op_compat bad pointer",
	    NCALL(__HYPERVISOR_event_channel_op_compat, BADPTR, 0, 0), -EFAULT);

	/* physdev_op */
	io.iopl = 0;
	ROW("physdev set_iopl 0", PHYS(PHYSDEVOP_set_iopl, &io), 0);
	io.iopl = 4;
	ROW("physdev set_iopl 4", PHYS(PHYSDEVOP_set_iopl, &io), -EINVAL);
	ROW("physdev set_iopl bad pointer", PHYS(PHYSDEVOP_set_iopl, BADPTR), -EFAULT);
	ROW("physdev set_iobitmap none", PHYS(7, zeroed()), 0);
	u32[2] = 70000;
	ROW("physdev set_iobitmap 70000 ports", PHYS(7, arg), -EINVAL);
	u32[0] = 9999;
	ROW("physdev irq_status_query 9999", PHYS(5, arg), -EINVAL);
	ROW("physdev irq_status_query 0", PHYS(5, zeroed()), 0);
	u32[0] = 9999;
	ROW("physdev eoi 9999", PHYS(12, arg), -EINVAL);
	ROW("physdev apic_read zeroed", PHYS(8, zeroed()), -EINVAL);
	ROW("physdev apic_write zeroed", PHYS(9, zeroed()), -EINVAL);
	ROW("physdev alloc_irq_vector zeroed", PHYS(10, zeroed()), 0);
	ROW("physdev free_irq_vector zeroed", PHYS(11, zeroed()), -ENOSYS);
	u32[1] = 99;		/* map_pirq: domid 0, type 99 */
	ROW("physdev map_pirq type 99", PHYS(13, arg), -EINVAL);
	u32[0] = 0x7ff0 | (0 << 16);
	u32[1] = 9999;
	ROW("physdev unmap_pirq 9999", PHYS(14, arg), -EINVAL);
	ROW("physdev manage_pci_add bad pointer", PHYS(15, BADPTR), -EFAULT);
	u32[0] = 0xff | (0xff << 8);
	ROW("physdev manage_pci_remove no device", PHYS(16, arg), -ENODEV);
	u32[0] = ~0u >> 12;
	u32[1] = 0xfffff;
	ROW("physdev pirq_eoi_gmfn_v1 bad frame", PHYS(17, arg), -EINVAL);
	ROW("physdev pirq_eoi_gmfn_v2 bad frame", PHYS(28, arg), -EINVAL);
	u32[0] = 0xff | (0xff << 8);
	ROW("physdev restore_msi no device", PHYS(19, arg), -ENODEV);
	ROW("physdev manage_pci_add_ext bad pointer", PHYS(20, BADPTR), -EFAULT);
	u32[0] = 9999;
	ROW("physdev setup_gsi 9999", PHYS(21, arg), -EINVAL);
	ROW("physdev get_free_pirq bad pointer", PHYS(23, BADPTR), -EFAULT);
	u32[3] = 0xff;		/* flags */
	ROW("physdev pci_mmcfg_reserved unknown flags", PHYS(24, arg), -EINVAL);
	ROW("physdev pci_device_add bad pointer", PHYS(25, BADPTR), -EFAULT);
	u32[0] = 0xffff;
	u32[1] = 0xff | (0xff << 8);
	ROW("physdev pci_device_remove no device", PHYS(26, arg), -ENODEV);
	ROW("physdev restore_msi_ext no device", PHYS(27, arg), -ENODEV);
	ROW("physdev prepare_msix no device", PHYS(30, arg), -ENODEV);
	ROW("physdev release_msix no device", PHYS(31, arg), -ENODEV);
	u32[0] = 99;
	ROW("physdev dbgp_op unknown op", PHYS(29, arg), 0);
	ROW("physdev irq_unmask_notify", PHYS(4, zeroed()), 0);
	{
		static const unsigned int unknown[] = { 0, 1, 2, 3, 18, 22, 32, 99 };
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(unknown); i++) {
			snprintf(name, sizeof(name), "physdev sub-op %u", unknown[i]);
			ROW(name, PHYS(unknown[i], zeroed()), -ENOSYS);
		}
	}

	/* physdev_op_compat */
	memset(&co, 0, sizeof(co));
	co.cmd = PHYSDEVOP_set_iopl;
	ROW("physdev_op_compat set_iopl 0", NCALL(__HYPERVISOR_physdev_op_compat, &co, 0, 0), 0);
	co.cmd = 99;
	ROW("physdev_op_compat sub-op 99", NCALL(__HYPERVISOR_physdev_op_compat, &co, 0, 0), -ENOSYS);
	ROW("physdev_op_compat bad pointer",
	    NCALL(__HYPERVISOR_physdev_op_compat, BADPTR, 0, 0), -EFAULT);

	/* grant_table_op */
	memset(&qs, 0, sizeof(qs));
	qs.dom = DOMID_SELF;
	ROW("gnttab query_size before setup_table", GNT(GNTTABOP_query_size, &qs, 1), 0);
	ROW("gnttab query_size before setup_table: nr_frames", qs.nr_frames, 1);
	ROW("gnttab query_size, continuation bits in cmd",
	    GNT((1 << 12) | GNTTABOP_query_size, &qs, 1), -EINVAL);
	memset(&gs, 0, sizeof(gs));
	gs.dom = DOMID_SELF;
	gs.nr_frames = 1;
	gs.frame_list = (uint64_t)frames;
	ROW("gnttab setup_table 1 frame", GNT(GNTTABOP_setup_table, &gs, 1), 0);
	ROW("gnttab setup_table 1 frame: status", gs.status, 0);
	gs.nr_frames = 1000;
	ROW("gnttab setup_table 1000 frames", GNT(GNTTABOP_setup_table, &gs, 1), 0);
	ROW("gnttab setup_table 1000 frames: status", gs.status, GNTST_general_error);
	gs.nr_frames = 1;
	gs.dom = 999;
	ROW("gnttab setup_table no such domain", GNT(GNTTABOP_setup_table, &gs, 1), 0);
	ROW("gnttab setup_table no such domain: status", gs.status, GNTST_bad_domain);
	gs.dom = DOMID_SELF;
	gs.frame_list = (uint64_t)BADPTR;
	ROW("gnttab setup_table bad frame list", GNT(GNTTABOP_setup_table, &gs, 1), -EFAULT);
	ROW("gnttab setup_table bad pointer", GNT(GNTTABOP_setup_table, BADPTR, 1), -EFAULT);
	ROW("gnttab setup_table count 2", GNT(GNTTABOP_setup_table, &gs, 2), -EINVAL);
	memset(&qs, 0, sizeof(qs));
	qs.dom = DOMID_SELF;
	ROW("gnttab query_size", GNT(GNTTABOP_query_size, &qs, 1), 0);
	ROW("gnttab query_size: status", qs.status, 0);
	ROW("gnttab query_size: nr_frames", qs.nr_frames, 1);
	ROW("gnttab query_size: max_nr_frames", qs.max_nr_frames, 64);
	qs.dom = 999;
	ROW("gnttab query_size no such domain", GNT(GNTTABOP_query_size, &qs, 1), 0);
	ROW("gnttab query_size no such domain: status", qs.status, GNTST_bad_domain);
	dt.dom = DOMID_SELF;
	dt.status = 0;
	ROW("gnttab dump_table", GNT(GNTTABOP_dump_table, &dt, 1), -ENOSYS);
	ROW("gnttab dump_table: status", dt.status, 0);
	memset(&gv, 0, sizeof(gv));
	gv.dom = DOMID_SELF;
	ROW("gnttab get_version", GNT(GNTTABOP_get_version, &gv, 1), 0);
	ROW("gnttab get_version: version", gv.version, 1);
	ROW("gnttab get_version count 2", GNT(GNTTABOP_get_version, &gv, 2), 0);
	gv.dom = 999;
	ROW("gnttab get_version no such domain", GNT(GNTTABOP_get_version, &gv, 1), -ESRCH);
	memset(&sf, 0, sizeof(sf));
	sf.nr_frames = 1;
	sf.dom = DOMID_SELF;
	sf.frame_list = (uint64_t)frames;
	ROW("gnttab get_status_frames v1", GNT(GNTTABOP_get_status_frames, &sf, 1), 0);
	ROW("gnttab get_status_frames v1: status", sf.status, GNTST_general_error);
	sv.version = 3;
	ROW("gnttab set_version 3", GNT(GNTTABOP_set_version, &sv, 1), -EINVAL);
	sv.version = 0;
	ROW("gnttab set_version 0", GNT(GNTTABOP_set_version, &sv, 1), -EINVAL);
	ROW("gnttab set_version 0: version", sv.version, 1);
	sv.version = 2;
	ROW("gnttab set_version 2", GNT(GNTTABOP_set_version, &sv, 1), 0);
	ROW("gnttab get_status_frames v2", GNT(GNTTABOP_get_status_frames, &sf, 1), 0);
	ROW("gnttab get_status_frames v2: status", sf.status, 0);
	sf.nr_frames = 100;
	ROW("gnttab get_status_frames v2 100 frames", GNT(GNTTABOP_get_status_frames, &sf, 1), 0);
	ROW("gnttab get_status_frames v2 100 frames: status", sf.status, GNTST_general_error);
	sv.version = 1;
	ROW("gnttab set_version 1", GNT(GNTTABOP_set_version, &sv, 1), 0);
	ROW("gnttab set_version count 2", GNT(GNTTABOP_set_version, &sv, 2), 0);
	memset(&sw, 0, sizeof(sw));
	sw.ref_a = 10;
	sw.ref_b = 11;
	ROW("gnttab swap_grant_ref", GNT(GNTTABOP_swap_grant_ref, &sw, 1), 0);
	ROW("gnttab swap_grant_ref: status", sw.status, 0);
	sw.ref_b = 1 << 20;
	ROW("gnttab swap_grant_ref out of range", GNT(GNTTABOP_swap_grant_ref, &sw, 1), 0);
	ROW("gnttab swap_grant_ref out of range: status", sw.status, GNTST_bad_gntref);
	memset(&mp, 0, sizeof(mp));
	mp.host_addr = (uint64_t)page;
	mp.flags = GNTMAP_host_map;
	mp.ref = 1 << 20;
	mp.dom = 0;
	ROW("gnttab map_grant_ref bad ref", GNT(GNTTABOP_map_grant_ref, &mp, 1), 0);
	ROW("gnttab map_grant_ref bad ref: status", mp.status, GNTST_bad_gntref);
	mp.ref = 12;
	ROW("gnttab map_grant_ref unused ref", GNT(GNTTABOP_map_grant_ref, &mp, 1), 0);
	ROW("gnttab map_grant_ref unused ref: status", mp.status, GNTST_general_error);
	mp.dom = 999;
	ROW("gnttab map_grant_ref no such domain", GNT(GNTTABOP_map_grant_ref, &mp, 1), 0);
	ROW("gnttab map_grant_ref no such domain: status", mp.status, GNTST_bad_domain);
	mp.flags = 0;
	mp.dom = 0;
	ROW("gnttab map_grant_ref no flags", GNT(GNTTABOP_map_grant_ref, &mp, 1), 0);
	ROW("gnttab map_grant_ref no flags: status", mp.status, GNTST_bad_gntref);
	ROW("gnttab map_grant_ref bad pointer", GNT(GNTTABOP_map_grant_ref, BADPTR, 1), -EFAULT);
	memset(&um, 0, sizeof(um));
	um.host_addr = (uint64_t)page;
	um.handle = 999;
	ROW("gnttab unmap_grant_ref bad handle", GNT(GNTTABOP_unmap_grant_ref, &um, 1), 0);
	ROW("gnttab unmap_grant_ref bad handle: status", um.status, GNTST_bad_handle);
	memset(&ur, 0, sizeof(ur));
	ur.host_addr = (uint64_t)page;
	ur.handle = 999;
	ROW("gnttab unmap_and_replace bad handle", GNT(GNTTABOP_unmap_and_replace, &ur, 1), 0);
	ROW("gnttab unmap_and_replace bad handle: status", ur.status, GNTST_bad_handle);
	memset(&cp, 0, sizeof(cp));
	cp.source.u.gmfn = va_to_mfn((uint64_t)page);
	cp.dest.u.gmfn = va_to_mfn((uint64_t)page);
	cp.source.domid = cp.dest.domid = DOMID_SELF;
	cp.dest.offset = 2048;
	cp.len = 16;
	ROW("gnttab copy own frames", GNT(GNTTABOP_copy, &cp, 1), 0);
	ROW("gnttab copy own frames: status", cp.status, 0);
	cp.source.domid = 0;	/* our own id: only DOMID_SELF names a frame (Xen 4.17) */
	ROW("gnttab copy own frame by number", GNT(GNTTABOP_copy, &cp, 1), 0);
	ROW("gnttab copy own frame by number: status", cp.status, GNTST_permission_denied);
	cp.source.domid = DOMID_SELF;
	cp.len = 4000;
	ROW("gnttab copy across the page end", GNT(GNTTABOP_copy, &cp, 1), 0);
	ROW("gnttab copy across the page end: status", cp.status, GNTST_bad_copy_arg);
	cp.len = 16;
	cp.flags = GNTCOPY_source_gref;
	cp.source.u.ref = 1 << 20;
	ROW("gnttab copy bad ref", GNT(GNTTABOP_copy, &cp, 1), 0);
	ROW("gnttab copy bad ref: status", cp.status, GNTST_bad_gntref);
	zeroed();
	*(uint64_t *)arg = ~0ULL >> 12;		/* transfer: a frame that is not ours */
	ROW("gnttab transfer bad frame", GNT(GNTTABOP_transfer, arg, 1), 0);
	ROW("gnttab transfer bad frame: status", ((int16_t *)arg)[8], GNTST_bad_page);
	zeroed();
	*(uint64_t *)arg = va_to_mfn((uint64_t)page);	/* ours, but mapped */
	ROW("gnttab transfer mapped frame", GNT(GNTTABOP_transfer, arg, 1), 0);
	ROW("gnttab transfer mapped frame: status", ((int16_t *)arg)[8], GNTST_bad_page);
	ROW("gnttab transfer bad pointer", GNT(GNTTABOP_transfer, BADPTR, 1), -EFAULT);
	ROW("gnttab cache_flush zeroed", GNT(GNTTABOP_cache_flush, zeroed(), 1), 0);
	ROW("gnttab cache_flush 0", GNT(GNTTABOP_cache_flush, zeroed(), 0), 0);
	{
		struct gnttab_cache_flush cf = { { va_to_mfn((uint64_t)page) << 12 }, 0, 64,
						 GNTTAB_CACHE_CLEAN };

		ROW("gnttab cache_flush own frame", GNT(GNTTABOP_cache_flush, &cf, 1), 0);
		cf.op = GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL;
		ROW("gnttab cache_flush own frame, clean and invalidate",
		    GNT(GNTTABOP_cache_flush, &cf, 1), 0);
		cf.offset = 4090;
		ROW("gnttab cache_flush past the page", GNT(GNTTABOP_cache_flush, &cf, 1), -EINVAL);
		cf.offset = 0;
		cf.op = GNTTAB_CACHE_SOURCE_GREF | GNTTAB_CACHE_CLEAN;
		ROW("gnttab cache_flush source_gref", GNT(GNTTABOP_cache_flush, &cf, 1), -EINVAL);
		cf.op = GNTTAB_CACHE_CLEAN;
		cf.a.dev_bus_addr = (~0ULL >> 12) << 12;
		ROW("gnttab cache_flush not RAM", GNT(GNTTABOP_cache_flush, &cf, 1), -EINVAL);
		ROW("gnttab cache_flush bad pointer", GNT(GNTTABOP_cache_flush, BADPTR, 1), -EFAULT);
	}
	ROW("gnttab map_grant_ref count 0", GNT(GNTTABOP_map_grant_ref, &mp, 0), 0);
	ROW("gnttab copy count 0x80000000", GNT(GNTTABOP_copy, &cp, 0x80000000u), -EINVAL);
	for (cmd = 13; cmd <= 15; cmd++) {
		snprintf(name, sizeof(name), "gnttab sub-op %u", cmd);
		ROW(name, GNT(cmd, zeroed(), 1), -ENOSYS);
	}
	ROW("gnttab sub-op 99", GNT(99, zeroed(), 1), -ENOSYS);

	return conform_end("event channel/physdev/grant table");
}
