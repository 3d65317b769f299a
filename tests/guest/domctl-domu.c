// SPDX-License-Identifier: GPL-2.0-only
/*
 * domctl-domu: the toolstack's calls from both sides of a running domU.
 * The peer (a boot-time domain on Lamina, built at run time by dom0
 * through lib/peer.c on Xen 4.17) is refused every domctl and sysctl
 * (-EPERM), and a port of dom0's
 * (alloc_unbound for dom0: -EPERM; for a domain that does not exist:
 * -ESRCH); it reports through lib/peer_verdict.h. dom0 meanwhile treats
 * the running peer as the toolstack treats any domain: pauses it (the
 * paused flag, its vCPU online and its context readable), unpauses it
 * (a second unpause -EINVAL), and once the peer has powered off sees it
 * shut down with code 0 or already destroyed by the hypervisor (Lamina
 * destroys a boot-time domU itself); on Xen it destroys it and sees it
 * listed as dying while dom0 still maps its console page, or gone.
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include <lamina/domctl.h>
#include <lamina/sysctl.h>

static char why[VERDICT_LEN];
static struct vcpu_guest_context ctx;

static long domctl(struct domctl *op, uint32_t cmd, domid_t dom)
{
	op->cmd = cmd;
	op->interface_version = DOMCTL_INTERFACE_VERSION;
	op->domain = dom;
	return hypercall1(__HYPERVISOR_domctl, op);
}

/* One refused call: its name and what it gave, into why[] if wrong. */
static bool expect(const char *what, long rc, long want)
{
	if (rc == want)
		return true;
	if (!why[0])
		snprintf(why, sizeof(why), "%s gave %ld, not %ld", what, rc, want);
	printf("peer: %s gave %ld, not %ld\n", what, rc, want);
	return false;
}

/* Each call names dom0: Xen looks the domain up before it checks privilege. */
static void domu_calls(void)
{
	static const struct { uint32_t cmd; const char *name; } cmds[] = {
		{ DOMCTL_createdomain, "createdomain" }, { DOMCTL_destroydomain, "destroydomain" },
		{ DOMCTL_pausedomain, "pausedomain" }, { DOMCTL_unpausedomain, "unpausedomain" },
		{ DOMCTL_getdomaininfo, "getdomaininfo" }, { DOMCTL_max_mem, "max_mem" },
		{ DOMCTL_setvcpucontext, "setvcpucontext" }, { DOMCTL_getvcpuinfo, "getvcpuinfo" },
		{ DOMCTL_max_vcpus, "max_vcpus" }, { DOMCTL_set_address_size, "set_address_size" },
		{ DOMCTL_hypercall_init, "hypercall_init" }, { DOMCTL_settimeoffset, "settimeoffset" },
	};
	struct evtchn_alloc_unbound au = { 0, 0, 0 };
	struct domctl op;
	struct sysctl sop;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		memset(&op, 0, sizeof(op));
		op.u.createdomain.max_vcpus = 1;
		op.u.createdomain.grant_opts = 1;
		op.u.vcpucontext.ctxt = (uint64_t)&ctx;
		expect(cmds[i].name, domctl(&op, cmds[i].cmd, 0), -EPERM);
	}
	memset(&sop, 0, sizeof(sop));
	sop.cmd = SYSCTL_physinfo;
	sop.interface_version = SYSCTL_INTERFACE_VERSION;
	expect("sysctl physinfo", hypercall1(__HYPERVISOR_sysctl, &sop), -EPERM);
	sop.cmd = SYSCTL_getdomaininfolist;
	expect("sysctl getdomaininfolist", hypercall1(__HYPERVISOR_sysctl, &sop), -EPERM);
	expect("alloc_unbound for dom0", evtchn_op(EVTCHNOP_alloc_unbound, &au), -EPERM);
	au.dom = 0x7001;
	expect("alloc_unbound for a missing domain", evtchn_op(EVTCHNOP_alloc_unbound, &au),
	       -ESRCH);
}

static void __attribute__((noreturn)) peer(void)
{
	struct verdict v;

	verdict_offer_frame0(&v);
	domu_calls();
	verdict_send(&v, why[0] ? why : NULL);
}

static long info_of(domid_t dom, struct domctl_getdomaininfo *info)
{
	struct domctl op;
	long rc = domctl(&op, DOMCTL_getdomaininfo, dom);

	*info = op.u.getdomaininfo;
	return rc ? rc : op.domain != dom ? -ESRCH : 0;
}

/* dom0 pauses the running peer, looks at it, and lets it go again. */
static int pause_peer(domid_t peer_id)
{
	struct domctl op;
	struct domctl_getdomaininfo i;
	long rc;

	CHECK((rc = domctl(&op, DOMCTL_pausedomain, peer_id)) == 0, "pausing the peer: %ld", rc);
	CHECK(info_of(peer_id, &i) == 0 && (i.flags & DOMINF_paused) && i.nr_online_vcpus == 1 &&
	      i.max_vcpu_id == 0 && (i.flags & 0xffff0000U) == 0xffff0000U &&
	      !(i.flags & (DOMINF_dying | DOMINF_shutdown | DOMINF_running)) &&
	      i.tot_pages == 16 * 256 && i.shared_info_frame,
	      "the paused peer: flags %#x, %u online, %lu pages", i.flags, i.nr_online_vcpus,
	      (unsigned long)i.tot_pages);
	op.u.getvcpuinfo.vcpu = 0;
	CHECK(domctl(&op, DOMCTL_getvcpuinfo, peer_id) == 0 && op.u.getvcpuinfo.online &&
	      !op.u.getvcpuinfo.running, "the paused peer's vCPU: online %u running %u",
	      op.u.getvcpuinfo.online, op.u.getvcpuinfo.running);
	op.u.vcpucontext.vcpu = 0;
	op.u.vcpucontext.ctxt = (uint64_t)&ctx;
	CHECK((rc = domctl(&op, DOMCTL_getvcpucontext, peer_id)) == 0 &&
	      (ctx.flags & VGCF_online) && ctx.ctrlreg[3] && (ctx.user_regs.cs & 3) == 3 &&
	      ctx.user_regs.rip >= 0xffff800000000000ULL,
	      "the peer's context: %ld, flags %#lx cr3 %#lx rip %#lx", rc, (unsigned long)ctx.flags,
	      (unsigned long)ctx.ctrlreg[3], (unsigned long)ctx.user_regs.rip);
	CHECK((rc = domctl(&op, DOMCTL_unpausedomain, peer_id)) == 0, "unpausing the peer: %ld", rc);
	rc = domctl(&op, DOMCTL_unpausedomain, peer_id);
	CHECK(rc == -EINVAL, "unpausing the running peer again gave %ld", rc);
	return TEST_PASS;
}

/* After its verdict the peer powers off; then it goes (Xen: once destroyed). */
static int peer_end(domid_t peer_id)
{
	struct domctl_getdomaininfo i;
	struct domctl op;
	unsigned int tries;
	long rc = 0;

	for (tries = 0; peer_wait_more(&tries, 100000);) {
		rc = info_of(peer_id, &i);
		if (rc || (i.flags & DOMINF_shutdown))
			break;
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	}
	CHECK(rc == -ESRCH || (i.flags & 0xffff0004U) == DOMINF_shutdown,
	      "the powered-off peer: %ld, flags %#x", rc, i.flags);
	if (on_lamina())
		return TEST_PASS;	/* the hypervisor destroys it */
	CHECK((rc = domctl(&op, DOMCTL_destroydomain, peer_id)) == 0, "destroying it: %ld", rc);
	rc = info_of(peer_id, &i);
	CHECK(rc == -ESRCH || (i.flags & DOMINF_dying), "the destroyed peer: %ld, flags %#x", rc,
	      i.flags);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	int peer_id;
	char *buf;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer();
	peer_id = peer_start(si, "role=peer", 16);
	buf = (char *)scratch_page();
	CHECK(peer_id > 0, "the peer domain could not be started (%d)", peer_id);
	CHECK(pause_peer((domid_t)peer_id) == TEST_PASS, "pausing the peer");
	CHECK(verdict_receive((domid_t)peer_id, buf) == 0, "%s", buf);
	peer_console_flush();
	CHECK(!strcmp(buf, "ok"), "peer: %s", buf);
	return peer_end((domid_t)peer_id);
}
