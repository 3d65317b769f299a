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
 * The domU makes the sweep and prints its "D <index> ..." lines to that
 * page (Xen's release build drops a domU's console_io); dom0 copies them
 * to its own console, each prefixed "(d<N>) ", until the domU has shut
 * down, then destroys it. The domU waits for room in the page as long as
 * dom0 takes (its own CPU at --smp 2 fills the page faster than dom0's
 * console empties it). tests/run/conform-diff --guest conform-diff-domu
 * compares the lines with Xen 4.17's (conform-diff-domu.golden).
 *
 * dom0 passes once the domU has powered off; the comparison is the
 * runner's.
 * @initrd: self
 * @timeout: 400
 */
#define test_main conform_diff_sweep
#include "conform-diff.c"
#undef test_main
#include "lib/peer.h"
#include <lamina/domctl.h>

#define PEER_MIB	16
/* getdomaininfo flags: the shutdown reason (Xen's XEN_DOMINF_shutdownshift and mask) */
#define SHUTDOWN_REASON(flags)	(((flags) >> 16) & 0xff)

static long peer_domctl(struct domctl *op, uint32_t cmd, domid_t dom)
{
	memset(op, 0, sizeof(*op));
	op->cmd = cmd;
	op->interface_version = DOMCTL_INTERFACE_VERSION;
	op->domain = dom;
	return hypercall1(__HYPERVISOR_domctl, op);
}

int test_main(struct start_info *si)
{
	struct domctl op;
	unsigned int reason;
	long rc;
	int id;

	if (!(si->flags & SIF_INITDOMAIN)) {
		console_page_waits = ~0U;	/* no line may be dropped: dom0 copies them all */
		return conform_diff_sweep(si);
	}

	mm_init(si);
	id = peer_build(si, 4096, "role=peer", PEER_MIB);
	CHECK(id > 0, "the domU could not be built (%d)", id);
	/* Copy its lines out until it has shut down (yielding: it may wait for room). */
	for (;;) {
		peer_console_flush();
		rc = peer_domctl(&op, DOMCTL_getdomaininfo, (domid_t)id);
		if (rc || op.domain != (domid_t)id || (op.u.getdomaininfo.flags & DOMINF_shutdown))
			break;
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	}
	peer_console_flush();
	CHECK(rc == 0 && op.domain == (domid_t)id, "the domU went away: %ld", rc);
	reason = SHUTDOWN_REASON(op.u.getdomaininfo.flags);
	CHECK(reason == SHUTDOWN_poweroff, "the domU shut down with reason %u, not poweroff",
	      reason);
	CHECK((rc = peer_domctl(&op, DOMCTL_destroydomain, (domid_t)id)) == 0,
	      "destroying the domU: %ld", rc);
	peer_unmap_console();
	printf("conform-diff-domu: the domU made its calls\n");
	return TEST_PASS;
}
