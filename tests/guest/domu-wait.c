// SPDX-License-Identifier: GPL-2.0-only
/*
 * domu-wait: dom0 yields until every boot-time domain has gone (Lamina
 * destroys a boot-time domain that shuts down), then powers off: the
 * machine lives as long as its domUs. tests/run/xtf --domu boots an XTF
 * test as such a domain beside it; here the domU is hello.
 * @domus: hello:d1
 * @xen: skip Xen 4.17 builds no domain but dom0 from boot modules
 */
#include "lib/guest.h"
#include <lamina/domctl.h>

/* Is there a domain other than dom0? (getdomaininfo answers for the first id >= 1.) */
static bool domu_left(void)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.cmd = DOMCTL_getdomaininfo;
	op.interface_version = DOMCTL_INTERFACE_VERSION;
	op.domain = 1;
	return hypercall1(__HYPERVISOR_domctl, &op) == 0 && op.domain != 0;
}

int test_main(struct start_info *si)
{
	unsigned long yields = 0;

	CHECK(domu_left(), "no boot-time domain beside dom0");
	while (domu_left()) {
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		yields++;
	}
	printf("domu-wait: the boot-time domains are gone (%lu yields)\n", yields);
	return TEST_PASS;
}
