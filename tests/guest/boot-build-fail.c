// SPDX-License-Identifier: GPL-2.0-only
/*
 * boot-build-fail: a boot-time domU asks for more memory (1 GiB) than the
 * machine has, so the hypervisor's builder runs out part-way. The
 * half-built domain must go as a destroyed one does: no domain but dom0
 * is listed (its slot and id are free again), and the frames it had taken
 * are free (before: the slot, the id and every frame taken were lost,
 * here all the free memory). dom0 checks both, then creates a domain to
 * see the id come round.
 * @domus: self:big:role=big:mem=1024M+rings=off
 * @xen: skip Xen 4.17 builds no domains from boot modules on x86
 */
#include "lib/guest.h"
#include <lamina/domctl.h>
#include <lamina/sysctl.h>

static long domctl(struct domctl *op, uint32_t cmd, domid_t dom)
{
	op->cmd = cmd;
	op->interface_version = DOMCTL_INTERFACE_VERSION;
	op->domain = dom;
	return hypercall1(__HYPERVISOR_domctl, op);
}

int test_main(struct start_info *si)
{
	struct domctl op;
	struct sysctl sc;
	long rc;

	if (!(si->flags & SIF_INITDOMAIN))
		return fail("the 1 GiB domU was built and ran");
	rc = domctl(&op, DOMCTL_getdomaininfo, 1);
	CHECK(rc == -ESRCH, "a domain after dom0 is listed: %ld, d%u, %lu pages", rc, op.domain,
	      (unsigned long)op.u.getdomaininfo.tot_pages);
	memset(&sc, 0, sizeof(sc));
	sc.cmd = SYSCTL_physinfo;
	sc.interface_version = SYSCTL_INTERFACE_VERSION;
	CHECK(hypercall1(__HYPERVISOR_sysctl, &sc) == 0, "physinfo failed");
	printf("%lu of %lu pages free\n", (unsigned long)sc.u.physinfo.free_pages,
	       (unsigned long)sc.u.physinfo.total_pages);
	/* 512 MiB machine, dom0 32 MiB: well over half must be free. */
	CHECK(sc.u.physinfo.free_pages > sc.u.physinfo.total_pages / 2,
	      "only %lu of %lu pages free: the failed build kept its frames",
	      (unsigned long)sc.u.physinfo.free_pages, (unsigned long)sc.u.physinfo.total_pages);
	memset(&op, 0, sizeof(op));
	op.u.createdomain.max_vcpus = 1;
	op.u.createdomain.max_grant_frames = -1;
	op.u.createdomain.max_maptrack_frames = -1;
	op.u.createdomain.grant_opts = 1;
	CHECK((rc = domctl(&op, DOMCTL_createdomain, 1)) == 0 && op.domain == 1,
	      "taking id 1 gave %ld", rc);
	CHECK(domctl(&op, DOMCTL_destroydomain, 1) == 0, "destroying d1 failed");
	return TEST_PASS;
}
