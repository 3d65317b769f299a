// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-pirq-race: a PIRQ bound, EOIed and closed on one vCPU while the
 * other maps and unmaps it (XSA-458 and XSA-83's class: the error paths of
 * a PIRQ bind, a lock let go twice or a binding freed under its user).
 * dom0 (two vCPUs, one a CPU) reports q35's AHCI (00:1f.2) and maps its
 * plain MSI (a GSI cannot be mapped again once unmapped on Xen 4.17: the
 * unmap takes dom0's access to the IRQ); then, ROUNDS times, vCPU 1 binds
 * the PIRQ (EVTCHNOP_bind_pirq), sends PHYSDEVOP_eoi and irq_status_query,
 * and closes the port a bind gave, while vCPU 0 unmaps the PIRQ and maps
 * the MSI again. The answers allowed are Xen 4.17's (each call sees the
 * PIRQ mapped or not, bound or not: a bind 0, -EPERM for a PIRQ not
 * mapped, -EEXIST for one bound, -EINVAL; an unmap 0; the map again -EBUSY
 * on Xen while a port bound before the unmap is still open, retried).
 * Xen serialises a bind and an unmap (the domain's event lock), so a
 * bind that fails leaves no port: afterwards no port of dom0 may be left
 * in the PIRQ state but the ones a bind answered with (each closed), so
 * EVTCHNOP_status of every port below 1024 finds none. Then the PIRQ maps,
 * binds, reads back as a PIRQ port, closes and unmaps as before. Before
 * the race, on one vCPU, the rows of an unmap with a port bound
 * (unmapped_bound): the map again -EBUSY until the port is closed.
 * @hvargs: dom0_max_vcpus=2
 * @timeout-smp: 180
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/smp.h"
#include "lib/wait.h"
#include "lib/physinfo.h"
#include <lamina/physdev.h>
#include <lamina/event_channel.h>

#define STACK_SIZE	8192
#define ROUNDS		100000
#define AHCI_DEVFN	((31 << 3) | 2)

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile bool started, stop, done1;
static volatile int32_t the_pirq;
static volatile unsigned long binds_ok, binds_perm, binds_exist, binds_inval, closes_bad;
static volatile unsigned long other_calls;
static volatile long other_rc;
static bool one_cpu;

static long physdev(unsigned int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_physdev_op, cmd, (uint64_t)arg);
}

/* The AHCI's plain MSI, its PIRQ in *pirq: 0 or the error. */
static long map_msi(int32_t *pirq)
{
	struct physdev_map_pirq m;
	long rc;

	memset(&m, 0, sizeof(m));
	m.domid = DOMID_SELF;
	m.type = MAP_PIRQ_TYPE_MSI_SEG;
	m.index = -1;
	m.pirq = -1;
	m.devfn = AHCI_DEVFN;
	rc = physdev(PHYSDEVOP_map_pirq, &m);
	*pirq = m.pirq;
	return rc;
}

static long unmap(int32_t pirq)
{
	struct physdev_unmap_pirq u = { DOMID_SELF, 0, pirq };

	return physdev(PHYSDEVOP_unmap_pirq, &u);
}

static void odd(long rc)
{
	other_calls++;
	other_rc = rc;
}

/* vCPU 1: bind, EOI, query and close, until told to stop. */
static void vcpu1(unsigned long id)
{
	(void)id;
	started = true;
	while (!stop) {
		struct evtchn_bind_pirq bp = { .pirq = (uint32_t)the_pirq };
		struct physdev_eoi eoi = { (uint32_t)the_pirq };
		struct physdev_irq_status_query q = { (uint32_t)the_pirq, 0 };
		long rc = evtchn_op(EVTCHNOP_bind_pirq, &bp);

		if (rc == 0) {
			struct evtchn_close c = { bp.port };

			binds_ok++;
			if ((rc = physdev(PHYSDEVOP_eoi, &eoi)) && rc != -EINVAL)
				odd(rc);
			if (evtchn_op(EVTCHNOP_close, &c))
				closes_bad++;
		} else if (rc == -EPERM) {
			binds_perm++;
		} else if (rc == -EEXIST) {
			binds_exist++;
		} else if (rc == -EINVAL) {
			binds_inval++;
		} else {
			odd(rc);
		}
		if ((rc = physdev(PHYSDEVOP_irq_status_query, &q)))
			odd(rc);
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	done1 = true;
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/* Ports below 1024 in the PIRQ state. */
static unsigned int pirq_ports(void)
{
	unsigned int p, n = 0;

	for (p = 1; p < 1024; p++) {
		struct evtchn_status st;

		memset(&st, 0, sizeof(st));
		st.dom = DOMID_SELF;
		st.port = p;
		if (evtchn_op(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_pirq &&
		    n++ < 4)
			printf("port %u left in the PIRQ state (PIRQ %u)\n", p, st.u.pirq);
	}
	return n;
}

/*
 * The MSI's PIRQ unmapped while a port is bound to it, one vCPU (Xen 4.17's
 * unmap_domain_pirq with its forced unbind): the port stays in the PIRQ
 * state, the PIRQ is neither mapped nor free, and the MSI's IRQ, freed,
 * still names it (negated) in the domain's table until the port is
 * closed: mapping the MSI again, handed that IRQ again, is -EBUSY for any
 * PIRQ and -EEXIST for one named. Closed, it maps. The new PIRQ.
 */
static int32_t unmapped_bound(int32_t pirq)
{
	struct evtchn_bind_pirq bp = { .pirq = (uint32_t)pirq };
	struct physdev_map_pirq m;
	struct evtchn_status st;
	struct evtchn_close c;
	int32_t again = -1;
	long rc;

	CHECK((rc = evtchn_op(EVTCHNOP_bind_pirq, &bp)) == 0, "bind_pirq: %ld", rc);
	CHECK((rc = unmap(pirq)) == 0, "unmap with a port bound: %ld", rc);
	memset(&st, 0, sizeof(st));
	st.dom = DOMID_SELF;
	st.port = bp.port;
	CHECK(evtchn_op(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_pirq &&
	      st.u.pirq == (uint32_t)pirq, "the port after the unmap: status %u PIRQ %u",
	      st.status, st.u.pirq);
	CHECK((rc = map_msi(&again)) == -EBUSY, "map_pirq again, the port open: %ld (PIRQ %d)",
	      rc, again);
	memset(&m, 0, sizeof(m));
	m.domid = DOMID_SELF;
	m.type = MAP_PIRQ_TYPE_MSI_SEG;
	m.index = -1;
	m.pirq = pirq - 1;
	m.devfn = AHCI_DEVFN;
	CHECK((rc = physdev(PHYSDEVOP_map_pirq, &m)) == -EEXIST,
	      "map_pirq again as PIRQ %d, the port open: %ld", pirq - 1, rc);
	CHECK((rc = unmap(pirq)) == -EINVAL, "unmap again, the port open: %ld", rc);
	bp.port = 0;
	CHECK((rc = evtchn_op(EVTCHNOP_bind_pirq, &bp)) == -EPERM,
	      "bind_pirq again, the port open: %ld", rc);
	c.port = st.port;
	CHECK((rc = evtchn_op(EVTCHNOP_close, &c)) == 0, "close: %ld", rc);
	CHECK((rc = map_msi(&again)) == 0 && again >= 16, "map_pirq after the close: %ld, PIRQ %d",
	      rc, again);
	return again;
}

int test_main(struct start_info *si)
{
	struct evtchn_bind_pirq bp;
	struct evtchn_status st;
	struct evtchn_close c;
	unsigned int r, unmaps_ok = 0, unmaps_inval = 0;
	unsigned long busy = 0;
	uint64_t start;
	int32_t pirq = -1;
	long rc;

	CHECK(two_vcpu_start(si, &one_cpu) == 0, "events_init or physinfo failed");
	struct physdev_pci_device_add add = { .bus = 0, .devfn = AHCI_DEVFN };

	CHECK((rc = physdev(PHYSDEVOP_pci_device_add, &add)) == 0, "pci_device_add: %ld", rc);
	CHECK((rc = map_msi(&pirq)) == 0 && pirq >= 16, "map_pirq of the MSI: %ld, PIRQ %d", rc,
	      pirq);
	pirq = unmapped_bound(pirq);
	the_pirq = pirq;
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	for (r = 0; r < ROUNDS; r++) {
		rc = unmap(pirq);
		if (rc == 0)
			unmaps_ok++;
		else if (rc == -EINVAL)
			unmaps_inval++;
		else
			CHECK(0, "round %u: unmap_pirq gave %ld", r, rc);
		/* Xen: -EBUSY while a port bound before the unmap is open. */
		start = wait_tsc();
		while ((rc = map_msi(&pirq)) == -EBUSY && wait_time_left(start))
			busy++;
		CHECK(rc == 0 && pirq >= 16, "round %u: map_pirq again: %ld, PIRQ %d", r, rc, pirq);
		the_pirq = pirq;
		if (one_cpu)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	stop = true;
	while (!done1)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	printf("%u rounds: unmap 0 %u, -EINVAL %u; map -EBUSY %lu; binds 0 %lu, -EPERM %lu, "
	       "-EEXIST %lu, -EINVAL %lu\n", ROUNDS, unmaps_ok, unmaps_inval, busy, binds_ok,
	       binds_perm, binds_exist, binds_inval);
	CHECK(other_calls == 0, "%lu answers out of the allowed ones (last %ld)", other_calls,
	      other_rc);
	CHECK(closes_bad == 0, "%lu closes of a bound PIRQ port failed", closes_bad);
	CHECK(binds_ok > 0, "no bind went through");
	CHECK((r = pirq_ports()) == 0, "%u ports left in the PIRQ state after the race", r);

	/* The PIRQ as before the race. */
	bp.pirq = (uint32_t)pirq;
	bp.flags = 0;
	CHECK((rc = evtchn_op(EVTCHNOP_bind_pirq, &bp)) == 0, "bind_pirq after: %ld", rc);
	memset(&st, 0, sizeof(st));
	st.dom = DOMID_SELF;
	st.port = bp.port;
	CHECK(evtchn_op(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_pirq &&
	      st.u.pirq == (uint32_t)pirq, "status of the port: %u", st.status);
	c.port = bp.port;
	CHECK((rc = evtchn_op(EVTCHNOP_close, &c)) == 0, "close after: %ld", rc);
	CHECK((rc = unmap(pirq)) == 0, "unmap after: %ld", rc);
	return TEST_PASS;
}
