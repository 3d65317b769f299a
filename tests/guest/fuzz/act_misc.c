// SPDX-License-Identifier: GPL-2.0-only
/*
 * Part of fuzz-state: the actions on event channels (ports bound, sent
 * and closed) and the rest (mmuext page operations and flushes,
 * multicalls).
 */
#include "fuzz.h"

void act_event(void)
{
	union {
		struct evtchn_alloc_unbound au;
		struct evtchn_bind_interdomain bi;
		struct evtchn_bind_virq bv;
		struct evtchn_bind_ipi ipi;
		struct evtchn_close cl;
		struct evtchn_send s;
		struct evtchn_unmask um;
		struct evtchn_status st;
		struct evtchn_bind_vcpu bc;
	} u;
	static const unsigned int cmds[] = {
		EVTCHNOP_alloc_unbound, EVTCHNOP_bind_interdomain, EVTCHNOP_bind_virq,
		EVTCHNOP_bind_ipi, EVTCHNOP_close, EVTCHNOP_send, EVTCHNOP_unmask,
		EVTCHNOP_status, EVTCHNOP_bind_vcpu,
	};
	unsigned int cmd = cmds[pick(ARRAY_SIZE(cmds))];
	evtchn_port_t port = chance(80) ? pick(64) : (evtchn_port_t)rnd();

	action = "event_channel_op";
	memset(&u, 0, sizeof(u));
	switch (cmd) {
	case EVTCHNOP_alloc_unbound:
		u.au = (struct evtchn_alloc_unbound){ chance(90) ? DOMID_SELF : pick_dom(), pick_dom(), 0 };
		break;
	case EVTCHNOP_bind_interdomain:
		u.bi = (struct evtchn_bind_interdomain){ pick_dom(), 0,
			chance(60) ? box->port[!me] : port, 0 };
		break;
	case EVTCHNOP_bind_virq:
		u.bv = (struct evtchn_bind_virq){ pick(25), chance(80) ? 0 : pick(3), 0 };
		break;
	case EVTCHNOP_bind_ipi:
		u.ipi.vcpu = chance(80) ? 0 : pick(3);
		break;
	case EVTCHNOP_status:
		u.st.dom = chance(80) ? DOMID_SELF : pick_dom();
		u.st.port = port;
		break;
	case EVTCHNOP_bind_vcpu:
		u.bc = (struct evtchn_bind_vcpu){ port, pick(3) };
		break;
	default:	/* close, send, unmask: one port */
		u.s.port = port;
		if (cmd == EVTCHNOP_close && port == box->port[me])
			return;		/* the port we offered stays for the other */
	}
	hc(__HYPERVISOR_event_channel_op, cmd, (uint64_t)&u, 0, 0);
}

/* ------------------------------------------------------------ misc */

/* A page copy succeeded: the source must be ours, by our count or the hypervisor's. */
static void check_copied_page(uint64_t src)
{
	if (!still_ours(src) && !hypervisor_says_ours(src))
		violation("MMUEXT_COPY_PAGE copied from frame %#lx, which is not ours",
			  (unsigned long)src);
}

void act_mmuext_misc(void)
{
	struct mmuext_op op[2];
	unsigned int n = 1, i, done = 0;
	long rc;

	action = "mmuext_op";
	memset(op, 0, sizeof(op));
	switch (pick(5)) {
	case 0:		/* clear a frame: of ours, only pool ones */
		op[0].cmd = MMUEXT_CLEAR_PAGE;
		op[0].arg1.mfn = pick_frame();
		if (chance(70) || is_own(op[0].arg1.mfn) || is_special(op[0].arg1.mfn))
			op[0].arg1.mfn = any_pool()->mfn;
		break;
	case 1:
		op[0].cmd = MMUEXT_COPY_PAGE;
		op[0].arg1.mfn = any_pool()->mfn;
		op[0].arg2.src_mfn = pick_frame();
		break;
	case 2:
		op[0].cmd = MMUEXT_INVLPG_LOCAL;
		op[0].arg1.linear_addr = win[pick(NWIN)].va;
		break;
	case 3:
		op[0].cmd = MMUEXT_TLB_FLUSH_LOCAL;
		break;
	default:	/* pin then unpin in one batch, the same frame twice */
		op[0].cmd = MMUEXT_PIN_L1_TABLE + pick(4);
		op[0].arg1.mfn = pick_frame();
		op[1].cmd = MMUEXT_UNPIN_TABLE;
		op[1].arg1.mfn = chance(50) ? op[0].arg1.mfn : pick_frame();
		n = 2;
	}
	for (i = 0; i < n; i++)
		if (op[i].cmd == MMUEXT_COPY_PAGE && op[i].arg1.mfn == NO_MFN)
			return;
	if (op[0].cmd == MMUEXT_CLEAR_PAGE || op[0].cmd == MMUEXT_COPY_PAGE)
		freed_written(op[0].arg1.mfn);
	rc = hc(__HYPERVISOR_mmuext_op, (uint64_t)op, n, (uint64_t)&done, DOMID_SELF);
	for (i = 0; i < done && i < n; i++)
		note_mmuext(&op[i]);
	if (!rc && op[0].cmd == MMUEXT_COPY_PAGE)
		check_copied_page(op[0].arg2.src_mfn);
}

/* A batch of the simple calls above, some sharing one argument buffer. */
void act_multicall(void)
{
	static struct multicall_entry mc[4];
	static struct mmuext_op op;
	static struct mmu_update u;
	static struct gnttab_map_grant_ref map;
	unsigned int n = 2 + pick(3), i;
	struct win *w = &win[pick(NWIN)];
	uint64_t frame = pick_frame();

	action = "multicall";
	op = (struct mmuext_op){ MMUEXT_PIN_L1_TABLE + pick(4), 0, { pick_frame() }, { 0 } };
	u = (struct mmu_update){ (any_pool()->mfn << 12) + pick(512) * 8, (frame << 12) | pick_flags() };
	map = (struct gnttab_map_grant_ref){ w->va, GNTMAP_host_map, pick_ref(), pick_dom(), 0, 0, 0 };
	if (u.ptr >> 12 == NO_MFN >> 12)
		u.ptr = pte_maddr(w->va);
	for (i = 0; i < n; i++) {
		memset(&mc[i], 0, sizeof(mc[i]));
		switch (pick(5)) {
		case 0:
			mc[i].op = __HYPERVISOR_update_va_mapping;
			mc[i].args[0] = w->va;
			mc[i].args[1] = (frame << 12) | pick_flags();
			mc[i].args[2] = pick_flush();
			break;
		case 1:
			mc[i].op = __HYPERVISOR_mmuext_op;
			mc[i].args[0] = (uint64_t)&op;
			mc[i].args[1] = 1;
			mc[i].args[3] = DOMID_SELF;
			op.cmd = chance(50) ? MMUEXT_UNPIN_TABLE : op.cmd;
			break;
		case 2:
			mc[i].op = __HYPERVISOR_mmu_update;
			mc[i].args[0] = (uint64_t)&u;
			mc[i].args[1] = 1;
			mc[i].args[3] = DOMID_SELF;
			break;
		case 3:
			mc[i].op = __HYPERVISOR_grant_table_op;
			mc[i].args[0] = GNTTABOP_map_grant_ref;
			mc[i].args[1] = (uint64_t)&map;
			mc[i].args[2] = 1;
			break;
		default:
			mc[i].op = __HYPERVISOR_event_channel_op;
			mc[i].args[0] = EVTCHNOP_send;
			mc[i].args[1] = (uint64_t)&box->port[pick(2)];
		}
	}
	freed_written(u.ptr >> 12);
	if (hc(__HYPERVISOR_multicall, (uint64_t)mc, n, 0, 0))
		return;
	for (i = 0; i < n; i++) {
		if (mc[i].op == __HYPERVISOR_update_va_mapping && !mc[i].result &&
		    (mc[i].args[1] & PTE_P))
			w->last_mfn = frame;
		if (mc[i].op == __HYPERVISOR_mmuext_op && !mc[i].result)
			note_mmuext(&op);
	}
	/* A mapping made in the batch stays (its handle unknown to us), as a leak would. */
}
