// SPDX-License-Identifier: GPL-2.0-only
/*
 * dom0-gsi-timer: GSIs 0 and 2, the timer's, as Linux's dom0 asks for
 * them at boot (pci_xen_initial_domain maps each legacy IRQ's GSI to the
 * same PIRQ: under QEMU's MADT, whose override sends ISA IRQ 0 to GSI 2,
 * GSI 1 to 15 but 0).
 */
#include "conform.h"
#include <lamina/physdev.h>
#include <lamina/event_channel.h>

static long physdev(unsigned int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_physdev_op, cmd, (uint64_t)arg);
}

static long evtchn(unsigned int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_event_channel_op, cmd, (uint64_t)arg);
}

static int32_t got;

static long map_gsi(int gsi, int32_t pirq)
{
	struct physdev_map_pirq m = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_GSI,
				      .index = gsi, .pirq = pirq };
	long rc = physdev(PHYSDEVOP_map_pirq, &m);

	got = m.pirq;
	return rc;
}

static uint32_t port;

static long bind(int32_t pirq)
{
	struct evtchn_bind_pirq bp = { .pirq = pirq, .flags = 0 };
	long rc = evtchn(EVTCHNOP_bind_pirq, &bp);

	port = bp.port;
	return rc;
}

static long unmap(int32_t pirq)
{
	struct physdev_unmap_pirq um = { .domid = DOMID_SELF, .pirq = pirq };

	return physdev(PHYSDEVOP_unmap_pirq, &um);
}

int test_main(struct start_info *si)
{
	long rc;

	CHECK(si->flags & SIF_INITDOMAIN, "not dom0");
	conform_begin();
	rc = map_gsi(0, 0);
	printf("map GSI 0 PIRQ 0: %ld (PIRQ %d)\n", rc, got);
	ROW("map_pirq GSI 0 as PIRQ 0", rc, -EPERM);
	rc = map_gsi(2, 2);
	printf("map GSI 2 PIRQ 2: %ld (PIRQ %d)\n", rc, got);
	ROW("map_pirq GSI 2 as PIRQ 2", rc, 0);
	ROW("map_pirq GSI 2: the PIRQ", got, 2);
	rc = map_gsi(2, -1);
	printf("map GSI 2 again, any PIRQ: %ld (PIRQ %d)\n", rc, got);
	ROW("map_pirq GSI 2 again", rc, 0);
	ROW("map_pirq GSI 2 again: the PIRQ", got, 2);
	rc = bind(2);
	printf("bind PIRQ 2: %ld (port %u)\n", rc, port);
	ROW("bind_pirq PIRQ 2", rc, -EBUSY);
	if (rc == 0) {
		struct evtchn_close cl = { .port = port };

		evtchn(EVTCHNOP_close, &cl);
	}
	rc = unmap(2);
	printf("unmap PIRQ 2: %ld\n", rc);
	ROW("unmap_pirq PIRQ 2", rc, 0);
	rc = map_gsi(2, 2);
	printf("map GSI 2 after the unmap: %ld\n", rc);
	ROW("map_pirq GSI 2 after the unmap", rc, -EPERM);
	return conform_end("dom0-gsi-timer");
}
