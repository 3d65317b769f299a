/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A race guest run twice: by dom0 on itself, then by an unprivileged domU
 * of two vCPUs that dom0 builds at run time (the guest's "@initrd: self"
 * copy) and pins to CPUs 0 and 1, which runs the same body on its own
 * grant table, ports and frames and reports through peer_verdict.h. The
 * test passes when both bodies did; dom0 destroys the peer at the end, so
 * Lamina audits the peer's frames as well as dom0's.
 *
 * The peer cannot ask for the CPU count (physinfo is dom0's): dom0 puts
 * "cpus=1" or "cpus=2" on its command line.
 */
#ifndef GUEST_PEER_SMP_H
#define GUEST_PEER_SMP_H

#include "guest.h"
#include "events.h"
#include "physinfo.h"
#include "peer.h"
#include "peer_verdict.h"
#include "smp.h"

#define PEER_SMP_MIB	16

/*
 * body(si, one_cpu) runs the rounds in whichever domain calls it (one_cpu:
 * the two vCPUs share one CPU and must yield to each other) and returns
 * NULL, or why it failed.
 */
static inline int verdict_test_smp(struct start_info *si,
				   const char *(*body)(struct start_info *si, bool one_cpu))
{
	struct verdict v;
	struct sysctl pi;
	const char *why;
	bool one_cpu;
	int id;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN)) {
		one_cpu = strstr_simple((const char *)si->cmd_line, "cpus=1");
		verdict_offer_frame0(&v);
		verdict_send(&v, body(si, one_cpu));
	}
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	one_cpu = pi.u.physinfo.nr_cpus < 2;
	why = body(si, one_cpu);
	CHECK(!why, "%s", why);
	/* Again from a domU of two vCPUs of its own, built now. */
	peer_max_vcpus = 2;
	id = peer_build(si, 4096, one_cpu ? "role=peer cpus=1" : "role=peer cpus=2", PEER_SMP_MIB);
	CHECK(id > 0, "the peer could not be built (%d)", id);
	CHECK(one_cpu || (smp_pin_dom_vcpu((domid_t)id, 0, 0) == 0 &&
			  smp_pin_dom_vcpu((domid_t)id, 1, 1) == 0),
	      "pinning the peer's vCPUs failed");
	CHECK(verdict_result((domid_t)id) == TEST_PASS, "the peer's rounds failed");
	return peer_wait_destroy((domid_t)id);
}

#endif
