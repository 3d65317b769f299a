// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-trap-diff-domu: conform-trap-diff's CPU-side sweep (tests/guest/
 * conform-trap-diff.c, every case and line of it) made by an unprivileged
 * domU, for what a domU's instructions meet where dom0's differ: no I/O
 * ports of its own (in and out under each IOPL, the I/O bitmap and
 * architectural IOPL), a domU's MSRs and CPUID leaves, its debug
 * registers, its trap frames and events.
 *
 * dom0 builds the domU at run time from its own initrd (this ELF, "@initrd:
 * self"), with lib/peer.c, the same way on Lamina and on Xen 4.17: 16 MiB,
 * one vCPU, a console page. The domU makes the sweep and prints its
 * "D <index> ..." lines to that page (Xen's release build drops a domU's
 * console_io); dom0 copies them to its own console, each prefixed
 * "(d<N>) ", until the domU has shut down, then destroys it. The domU waits
 * for room in the page as long as dom0 takes. tests/run/conform-diff
 * --guest conform-trap-diff-domu compares the lines with Xen 4.17's
 * (conform-trap-diff-domu.golden).
 *
 * dom0 passes once the domU has powered off (a domU whose sweep could not
 * start crashes); the comparison is the runner's.
 * @initrd: self
 * @timeout: 400
 */
#define test_main conform_trap_sweep
#include "conform-trap-diff.c"
#undef test_main
#include "lib/peer.h"
#include "lib/domctl.h"

#define PEER_MIB	16
/* getdomaininfo flags: the shutdown reason (Xen's XEN_DOMINF_shutdownshift and mask) */
#define SHUTDOWN_REASON(flags)	(((flags) >> 16) & 0xff)

int test_main(struct start_info *si)
{
	struct domctl_getdomaininfo info;
	unsigned int reason;
	long rc;
	int id;

	if (!(si->flags & SIF_INITDOMAIN)) {
		console_page_waits = ~0U;	/* no line may be dropped: dom0 copies them all */
		rc = conform_trap_sweep(si);
		if (rc != TEST_PASS) {
			printf("conform-trap-diff-domu: the domU's sweep could not start\n");
			shutdown(SHUTDOWN_crash);	/* dom0's result says so */
		}
		return (int)rc;
	}

	mm_init(si);
	id = peer_build(si, 4096, "role=peer", PEER_MIB);
	CHECK(id > 0, "the domU could not be built (%d)", id);
	/* Copy its lines out until it has shut down (yielding: it may wait for room). */
	for (;;) {
		peer_console_flush();
		rc = domctl_info_of((domid_t)id, &info);
		if (rc || (info.flags & DOMINF_shutdown))
			break;
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	}
	peer_console_flush();
	CHECK(rc == 0, "the domU went away: %ld", rc);
	reason = SHUTDOWN_REASON(info.flags);
	CHECK(reason == SHUTDOWN_poweroff, "the domU shut down with reason %u, not poweroff",
	      reason);
	CHECK((rc = domctl_destroy((domid_t)id)) == 0, "destroying the domU: %ld", rc);
	peer_unmap_console();
	printf("conform-trap-diff-domu: the domU made its sweep\n");
	return TEST_PASS;
}
