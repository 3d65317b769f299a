/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dom0's part of a sweep made by an unprivileged domU (conform-diff-domu,
 * conform-trap-diff-domu): builds the domU at run time from dom0's own
 * initrd, the test's ELF ("@initrd: self"), with lib/peer.c (16 MiB, one
 * vCPU), copies the lines it writes to its console page to dom0's console
 * (each prefixed "(d<N>) ") until it has shut down, yielding meanwhile
 * (the domU may be waiting for room), then checks it powered off and
 * destroys it. The comparison of the lines is the runner's.
 */
#ifndef GUEST_PEER_SWEEP_H
#define GUEST_PEER_SWEEP_H

#include "peer.h"
#include "domctl.h"
#include "mm.h"

#define PEER_SWEEP_MIB	16
/* getdomaininfo flags: the shutdown reason (Xen's XEN_DOMINF_shutdownshift and mask) */
#define PEER_SWEEP_REASON(flags)	(((flags) >> 16) & 0xff)

static inline int peer_sweep_dom0(struct start_info *si, const char *name)
{
	struct domctl_getdomaininfo info;
	unsigned int reason;
	long rc;
	int id;

	mm_init(si);
	id = peer_build(si, 4096, "role=peer", PEER_SWEEP_MIB);
	CHECK(id > 0, "the domU could not be built (%d)", id);
	for (;;) {
		peer_console_flush();
		rc = domctl_info_of((domid_t)id, &info);
		if (rc || (info.flags & DOMINF_shutdown))
			break;
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	}
	peer_console_flush();
	CHECK(rc == 0, "the domU went away: %ld", rc);
	reason = PEER_SWEEP_REASON(info.flags);
	CHECK(reason == SHUTDOWN_poweroff, "the domU shut down with reason %u, not poweroff",
	      reason);
	CHECK((rc = domctl_destroy((domid_t)id)) == 0, "destroying the domU: %ld", rc);
	peer_unmap_console();
	printf("%s: the domU made its calls\n", name);
	return TEST_PASS;
}

/*
 * The test_main of such a test: in the domU (a start_info without
 * SIF_INITDOMAIN) the sweep, every line kept (console_page_waits: dom0
 * copies them all), then the domU's own lines (after); a sweep that
 * could not start crashes the domU, which dom0's result reports. In dom0
 * peer_sweep_dom0.
 */
static inline int peer_sweep_main(struct start_info *si, const char *name,
				  int (*sweep)(struct start_info *si), void (*after)(void))
{
	int rc;

	if (si->flags & SIF_INITDOMAIN)
		return peer_sweep_dom0(si, name);
	console_page_waits = ~0U;
	rc = sweep(si);
	if (rc != TEST_PASS) {
		printf("%s: the domU's sweep could not start\n", name);
		shutdown(SHUTDOWN_crash);
	}
	after();
	return rc;
}

#endif
