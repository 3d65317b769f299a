// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-shutdown: the reasons a domain may shut down with, against Xen
 * 4.17's answers (conform.h). Xen takes the reason of SCHEDOP_shutdown,
 * SCHEDOP_remote_shutdown and SCHEDOP_shutdown_code as a u8, any value:
 * a reason no shutdown has is reported as it is (the toolstack destroys
 * such a domain), one above 255 is cut to its low byte, and the first
 * shutdown_code set wins over every later one and over the reason the
 * shutdown itself gives. dom0 builds a peer (this guest again) at run
 * time for each case (lib/peer.c, "@initrd: self"), waits for it to shut
 * down, reads the reason getdomaininfo reports and destroys it:
 *   1. shutdown_code 99, shutdown_code 1, shutdown poweroff: 99;
 *   2. shutdown 99 (and, were it refused, crash): 99;
 *   3. shutdown 0x101 (the same): 1, reboot;
 *   4. shutdown_code reboot, shutdown_code crash, shutdown poweroff: 1;
 *   5. the peer blocks, dom0's remote_shutdown 99 answers 0 and gives 99;
 *   6. shutdown_code 255, shutdown poweroff: 255.
 * @initrd: self
 * @timeout: 240
 */
#include "conform.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/domctl.h"

#define PEER_MIB	16
#define CASES		6

static long sched(unsigned int cmd, unsigned int reason)
{
	struct sched_shutdown s = { reason };

	return hypercall2(__HYPERVISOR_sched_op, cmd, (uint64_t)&s);
}

static unsigned int peer_case(const char *cmdline)
{
	for (; *cmdline; cmdline++)
		if (!strncmp(cmdline, "case=", 5))
			return (unsigned int)(cmdline[5] - '0');
	return 0;
}

static void __attribute__((noreturn)) peer(struct start_info *si)
{
	switch (peer_case((const char *)si->cmd_line)) {
	case 1:
		sched(SCHEDOP_shutdown_code, 99);
		sched(SCHEDOP_shutdown_code, SHUTDOWN_reboot);
		sched(SCHEDOP_shutdown, SHUTDOWN_poweroff);
		break;
	case 2:
		sched(SCHEDOP_shutdown, 99);
		break;
	case 3:
		sched(SCHEDOP_shutdown, 0x100 | SHUTDOWN_reboot);
		break;
	case 4:
		sched(SCHEDOP_shutdown_code, SHUTDOWN_reboot);
		sched(SCHEDOP_shutdown_code, SHUTDOWN_crash);
		sched(SCHEDOP_shutdown, SHUTDOWN_poweroff);
		break;
	case 5:
		for (;;)
			hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
	case 6:
		sched(SCHEDOP_shutdown_code, 255);
		sched(SCHEDOP_shutdown, SHUTDOWN_poweroff);
		break;
	}
	sched(SCHEDOP_shutdown, SHUTDOWN_crash);	/* a shutdown refused */
	for (;;)
		;
}

int test_main(struct start_info *si)
{
	static const long want[CASES + 1] = { 0, 99, 99, SHUTDOWN_reboot, SHUTDOWN_reboot, 99, 255 };
	struct sched_remote_shutdown rs;
	char cmdline[16], name[64];
	unsigned int c;
	long reason;
	int id;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer(si);
	conform_begin();
	for (c = 1; c <= CASES; c++) {
		snprintf(cmdline, sizeof(cmdline), "case=%u", c);
		id = peer_build(si, 4096, cmdline, PEER_MIB);
		CHECK(id > 0, "peer %u could not be built (%d)", c, id);
		if (c == 5) {
			rs.domain_id = (domid_t)id;
			rs.reason = 99;
			snprintf(name, sizeof(name), "case %u: remote_shutdown 99", c);
			ROW(name, hypercall2(__HYPERVISOR_sched_op, SCHEDOP_remote_shutdown,
					     (uint64_t)&rs), 0);
			rs.reason = SHUTDOWN_poweroff;	/* ends it if that was refused */
			hypercall2(__HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, (uint64_t)&rs);
		}
		reason = peer_shutdown_code((domid_t)id);
		snprintf(name, sizeof(name), "case %u: the reason reported", c);
		ROW(name, reason, want[c]);
		CHECK(peer_destroy_gone((domid_t)id), "peer %u's end", c);
	}
	return conform_end("shutdown-reason");
}
