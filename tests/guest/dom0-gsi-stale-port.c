// SPDX-License-Identifier: GPL-2.0-only
/*
 * dom0-gsi-stale-port: a PIRQ bound to a port, unmapped (the port stays
 * bound to the PIRQ until dom0 closes it) and mapped again to another GSI,
 * one that ticks on demand: the RTC's (GSI 8) periodic interrupt, which
 * dom0 turns on through ports 0x70-0x71. The new mapping has no guest
 * binding (Xen 4.17's unmap forced the old one off), so nothing may reach
 * the old port, whatever setup_gsi and an EOI do, while the RTC's own
 * register C shows it raising its line (the control that it ticks at
 * all). Until 5 Dec Lamina delivered the ticks to the old port. On Lamina
 * only: dom0 then closes the old port and binds the PIRQ again, and the
 * ticks come. Xen 4.17 stops at that close (a BUG in its
 * __pirq_guest_unbind: the PIRQ's new IRQ has no guest binding), so the
 * guest does not make it there (docs/conformance.md, dom0-gsi-stale-port).
 */
#include "conform.h"
#include "lib/events.h"
#include "lib/portio.h"
#include "lib/pirq.h"

#define OLD_GSI		5
#define RTC_GSI		8
#define PIRQ		6

static uint8_t rtc_read(uint8_t reg)
{
	io_out(0x70, 1, reg);
	return (uint8_t)io_in(0x71, 1);
}

static void rtc_write(uint8_t reg, uint8_t v)
{
	io_out(0x70, 1, reg);
	io_out(0x71, 1, v);
}

static unsigned int rtc_raised;	/* register C reads with IRQF set */

/*
 * Whether the port went pending in the next ms milliseconds. Register C is read
 * all along (the RTC raises its line again only once its flags are read),
 * and each read that shows IRQF (bit 7: the line raised) is counted.
 */
static bool fired_within(evtchn_port_t port, unsigned int ms)
{
	uint64_t end = pvclock_ns() + ms * 1000000ULL;
	bool fired = false;

	rtc_raised = 0;
	while (pvclock_ns() < end) {
		if (rtc_read(0x0c) & 0x80)
			rtc_raised++;
		if (port_test_and_clear(port))
			fired = true;
	}
	return fired;
}

int test_main(struct start_info *si)
{
	struct evtchn_bind_pirq bp = { .pirq = PIRQ, .flags = 0 };
	struct physdev_unmap_pirq um = { .domid = DOMID_SELF, .pirq = PIRQ };
	struct physdev_setup_gsi sg = { .gsi = RTC_GSI, .triggering = 0, .polarity = 0 };
	struct physdev_eoi eoi = { .irq = PIRQ };
	struct evtchn_close cl = { 0 };
	uint8_t reg_b;
	int32_t got = -1;
	long rc;

	CHECK(si->flags & SIF_INITDOMAIN, "not dom0");
	CHECK(events_init(si) == 0, "events_init");
	CHECK(physdev_set_iopl(1) == 0, "set_iopl");
	conform_begin();
	rc = map_gsi(OLD_GSI, PIRQ, &got);
	ROW("map_pirq GSI 5 as PIRQ 6", rc, 0);
	rc = evtchn_op(EVTCHNOP_bind_pirq, &bp);
	printf("bind PIRQ %d: %ld (port %u)\n", PIRQ, rc, bp.port);
	ROW("bind_pirq PIRQ 6", rc, 0);
	CHECK(rc == 0, "no port to watch");
	port_mask(bp.port, true);
	ROW("unmap_pirq PIRQ 6 (port still bound)", physdev(PHYSDEVOP_unmap_pirq, &um), 0);
	rc = map_gsi(RTC_GSI, PIRQ, &got);
	ROW("map_pirq GSI 8 as the stale PIRQ 6", rc, 0);
	ROW("map_pirq GSI 8: the PIRQ", got, PIRQ);
	ROW("setup_gsi GSI 8", physdev(PHYSDEVOP_setup_gsi, &sg), 0);

	/* The RTC's periodic interrupt at 1024 Hz (rate 6), flags cleared. */
	rtc_write(0x0a, (rtc_read(0x0a) & 0xf0) | 0x06);
	rtc_read(0x0c);
	reg_b = rtc_read(0x0b);
	rtc_write(0x0b, reg_b | 0x40);
	port_test_and_clear(bp.port);
	ROW("no RTC interrupt on the old port (300 ms)", fired_within(bp.port, 300), false);
	printf("RTC raised its line %u times meanwhile\n", rtc_raised);
	ROW("the RTC raised its line meanwhile", rtc_raised > 10, true);
	ROW("eoi PIRQ 6", physdev(PHYSDEVOP_eoi, &eoi), 0);
	ROW("no RTC interrupt after an eoi (300 ms)", fired_within(bp.port, 300), false);
	ROW("the RTC raised its line after the eoi", rtc_raised > 10, true);
	ROW("bind_pirq PIRQ 6 again while the old port is bound",
	    evtchn_op(EVTCHNOP_bind_pirq, &bp), -EEXIST);
	if (!on_lamina()) {
		printf("not closing the old port: Xen 4.17 stops there (a BUG)\n");
		rtc_write(0x0b, reg_b & ~0x40);
		rtc_read(0x0c);
		return conform_end("dom0-gsi-stale-port");
	}

	/* Closed and bound again, the PIRQ takes the RTC's ticks. */
	cl.port = bp.port;
	ROW("close the old port", evtchn_op(EVTCHNOP_close, &cl), 0);
	bp.port = 0;
	rc = evtchn_op(EVTCHNOP_bind_pirq, &bp);
	printf("bind PIRQ %d after the close: %ld (port %u)\n", PIRQ, rc, bp.port);
	ROW("bind_pirq PIRQ 6 after the close", rc, 0);
	if (rc == 0) {
		port_mask(bp.port, true);
		ROW("RTC interrupts on the new port (1 s)", fired_within(bp.port, 1000), true);
		physdev(PHYSDEVOP_eoi, &eoi);
		cl.port = bp.port;
		evtchn_op(EVTCHNOP_close, &cl);
	}
	rtc_write(0x0b, reg_b & ~0x40);
	rtc_read(0x0c);
	physdev(PHYSDEVOP_unmap_pirq, &um);
	return conform_end("dom0-gsi-stale-port");
}
