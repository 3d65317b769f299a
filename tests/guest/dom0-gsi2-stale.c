// SPDX-License-Identifier: GPL-2.0-only
/*
 * dom0-gsi2-stale: GSI 2 (the PIT's pin under QEMU's override) given a
 * PIRQ whose event channel is still bound from an earlier GSI. The PIRQ's
 * bind_pirq of GSI 2 is -EBUSY (dom0-gsi-timer), and this way round the
 * bind too must not make the pin live: after setup_gsi and an EOI no timer
 * interrupt may reach the old port. Until 5 Dec Lamina's setup_gsi
 * programmed the pin unmasked for the stale port and dom0 took the PIT's
 * ticks.
 */
#include "conform.h"
#include "lib/events.h"
#include "lib/pirq.h"

#define OLD_GSI		5
#define PIRQ		5

/* Whether the port went pending within ms milliseconds of pvclock time. */
static bool fired_within(evtchn_port_t port, unsigned int ms)
{
	uint64_t end = pvclock_ns() + ms * 1000000ULL;

	while (pvclock_ns() < end)
		if (port_test_and_clear(port))
			return true;
	return false;
}

int test_main(struct start_info *si)
{
	struct evtchn_bind_pirq bp = { .pirq = PIRQ, .flags = 0 };
	struct physdev_unmap_pirq um = { .domid = DOMID_SELF, .pirq = PIRQ };
	struct physdev_setup_gsi sg = { .gsi = 2, .triggering = 0, .polarity = 0 };
	struct physdev_eoi eoi = { .irq = PIRQ };
	int32_t got = -1;
	long rc;

	CHECK(si->flags & SIF_INITDOMAIN, "not dom0");
	CHECK(events_init(si) == 0, "events_init");
	conform_begin();
	rc = map_gsi(OLD_GSI, PIRQ, &got);
	printf("map GSI %d PIRQ %d: %ld (PIRQ %d)\n", OLD_GSI, PIRQ, rc, got);
	ROW("map_pirq GSI 5 as PIRQ 5", rc, 0);
	rc = evtchn_op(EVTCHNOP_bind_pirq, &bp);
	printf("bind PIRQ %d: %ld (port %u)\n", PIRQ, rc, bp.port);
	ROW("bind_pirq PIRQ 5", rc, 0);
	CHECK(rc == 0, "no port to watch");
	port_mask(bp.port, true);
	rc = physdev(PHYSDEVOP_unmap_pirq, &um);
	printf("unmap PIRQ %d, its port kept: %ld\n", PIRQ, rc);
	ROW("unmap_pirq PIRQ 5 (port still bound)", rc, 0);
	rc = map_gsi(2, PIRQ, &got);
	printf("map GSI 2 as PIRQ %d: %ld (PIRQ %d)\n", PIRQ, rc, got);
	ROW("map_pirq GSI 2 as the stale PIRQ 5", rc, 0);
	ROW("map_pirq GSI 2: the PIRQ", got, PIRQ);
	port_test_and_clear(bp.port);
	rc = physdev(PHYSDEVOP_setup_gsi, &sg);
	printf("setup_gsi 2 edge high: %ld\n", rc);
	ROW("setup_gsi GSI 2", rc, 0);
	ROW("no timer interrupt on the old port (300 ms)", fired_within(bp.port, 300), false);
	rc = physdev(PHYSDEVOP_eoi, &eoi);
	printf("eoi PIRQ %d: %ld\n", PIRQ, rc);
	ROW("no timer interrupt after an eoi (300 ms)", fired_within(bp.port, 300), false);
	return conform_end("dom0-gsi2-stale");
}
