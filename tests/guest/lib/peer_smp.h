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
 * "cpus=N" on its command line (N the CPUs there are; "cpus=1": one),
 * then peer_smp_args if a guest set it (fuzz-race's seed). dom0 pins
 * the peer's vCPU i to CPU i modulo N.
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
#ifndef PEER_SMP_VCPUS
#define PEER_SMP_VCPUS	2	/* the domU's vCPUs; a guest may want more (defined before) */
#endif

static const char *peer_smp_args = "";	/* more of the peer's command line */

/* dom0: the peer id's vCPUs pinned one to a CPU, round the nr_cpus there are. */
static inline bool peer_smp_pin(domid_t id, unsigned int nr_cpus)
{
	unsigned int i;

	for (i = 0; i < PEER_SMP_VCPUS && nr_cpus > 1; i++)
		if (smp_pin_dom_vcpu(id, i, i % nr_cpus))
			return false;
	return true;
}

/*
 * Set by a guest whose peer body leaves ports unbound for dom0 (as
 * fuzz-evtchn-race's does): its port 1 so left is no offer, so dom0 also
 * waits for the verdict page granted (a copy of it going through:
 * verdict_offer grants the page before it takes the port). Not for a
 * peer that may end in grant table v2 (fuzz-grant-race writes its v2
 * entry only once dom0 has bound).
 */
static bool peer_smp_offer_granted;

/*
 * dom0: waits, yielding, until the peer id offers its verdict port (its
 * port 1 unbound for dom0, EVTCHNOP_status, and with
 * peer_smp_offer_granted its verdict page granted); -1 once the peer has
 * shut down without.
 */
static inline int peer_smp_await_offer(domid_t id)
{
	char *buf = peer_smp_offer_granted ? (char *)scratch_page() : NULL;
	struct evtchn_status st;
	long flags;

	for (;;) {
		memset(&st, 0, sizeof(st));
		st.dom = id;
		st.port = 1;
		if (evtchn_op(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_unbound &&
		    st.u.unbound.dom == 0 && (!buf || verdict_copy(id, VERDICT_REF, buf) == 0))
			return 0;
		flags = domain_info_flags(id);
		if (flags < 0 || (flags & DOMINF_shutdown))
			return -1;
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	}
}

/* verdict_test_smp, the peer's verdict port offered before its body or after it. */
static inline int verdict_smp_run(struct start_info *si,
				  const char *(*body)(struct start_info *si, bool one_cpu),
				  bool offer_after)
{
	struct verdict v;
	struct sysctl pi;
	char cmdline[120];
	const char *why;
	bool one_cpu;
	int id;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN)) {
		one_cpu = strstr_simple((const char *)si->cmd_line, "cpus=1 ");	/* not cpus=12 */
		if (!offer_after)
			verdict_offer_frame0(&v);
		why = body(si, one_cpu);
		if (offer_after)
			verdict_offer_frame0(&v);
		verdict_send(&v, why);
	}
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	one_cpu = pi.u.physinfo.nr_cpus < 2;
	why = body(si, one_cpu);
	CHECK(!why, "%s", why);
	/* Again from a domU of two vCPUs of its own, built now. */
	peer_max_vcpus = PEER_SMP_VCPUS;
	snprintf(cmdline, sizeof(cmdline), "role=peer cpus=%u %s", pi.u.physinfo.nr_cpus,
		 peer_smp_args);
	id = peer_build(si, 4096, cmdline, PEER_SMP_MIB);
	CHECK(id > 0, "the peer could not be built (%d)", id);
	CHECK(peer_smp_pin((domid_t)id, pi.u.physinfo.nr_cpus), "pinning the peer's vCPUs failed");
	if (offer_after && peer_smp_await_offer((domid_t)id)) {
		peer_console_flush();
		CHECK(0, "the peer ended before it offered its verdict");
	}
	CHECK(verdict_result((domid_t)id) == TEST_PASS, "the peer's rounds failed");
	return peer_wait_destroy((domid_t)id);
}

/*
 * body(si, one_cpu) runs the rounds in whichever domain calls it (one_cpu:
 * the two vCPUs share one CPU and must yield to each other) and returns
 * NULL, or why it failed.
 */
static inline int verdict_test_smp(struct start_info *si,
				   const char *(*body)(struct start_info *si, bool one_cpu))
{
	return verdict_smp_run(si, body, false);
}

/*
 * As verdict_test_smp, for a body that closes every port of the domain
 * (EVTCHNOP_reset) and so would close the verdict's: the peer offers its
 * verdict port once the body is done, and dom0 waits for that offer
 * (peer_smp_await_offer: the peer's body may take minutes under TCG,
 * longer than verdict_receive waits for a port to bind) before it binds.
 */
static inline int verdict_test_smp_after(struct start_info *si,
					 const char *(*body)(struct start_info *si, bool one_cpu))
{
	return verdict_smp_run(si, body, true);
}

#endif
