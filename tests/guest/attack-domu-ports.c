// SPDX-License-Identifier: GPL-2.0-only
/*
 * attack-domu-ports: an unprivileged domain at virtual IOPL 1, given no
 * ports, goes for the machine's: it writes the keyboard controller's
 * reset (0xfe to 0x64), the reset control register (6 to 0xcf9), QEMU's
 * ACPI power-off (0x2000 to 0x604), the isa-debug-exit port the test runs
 * under (0xf4), the CMOS shutdown byte (0x8f to 0x70, 0 to 0x71), the
 * PICs' masks (0xff to 0x21 and 0xa1), the PIT's mode (0x30 to 0x43) and
 * PCI configuration (0x80000000 to 0xcf8, then 0xcfc, byte and word
 * forms too), and reads each of these ports and more (port 0x61, the
 * console's 0x3f8-0x3fd, 0x80) in byte, word and long forms. Every read
 * must be all ones and every write must vanish, as on Xen 4.17 (its
 * guest_io_read/write: a domain without the port in its ioport_caps
 * reads ~0 and writes nothing), but for the RTC's index port 0x70, which
 * Xen latches for every PV domain (rtc_guest_read/write): its byte reads
 * back what was last written there, and a 32-bit 0xcf8, also latched
 * for every PV domain (Lamina gave all ones for both); the machine
 * keeps running, dom0 gets the peer's verdict. Any write that reached the hardware would reset or
 * stop the machine, or mask the interrupts the host needs.
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/portio.h"
#include <lamina/physdev.h>

static char why[VERDICT_LEN];

static const uint16_t ports[] = {
	0x20, 0x21, 0x40, 0x43, 0x61, 0x64, 0x70, 0x71, 0x80, 0xa0, 0xa1, 0xf4,
	0x3f8, 0x3fd, 0x604, 0xcf8, 0xcf9, 0xcfc, 0xcfe,
};

static int peer_body(void)
{
	struct physdev_set_iopl iopl = { 1 };
	unsigned int i, s;
	long rc;

	rc = hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl);
	PEER_CHECK(rc == 0, "set_iopl(1) gave %ld", rc);
	io_out(0x64, 1, 0xfe);
	io_out(0xcf9, 1, 0x06);
	io_out(0x604, 2, 0x2000);
	io_out(0xf4, 4, 0x10);
	io_out(0xf4, 1, 0x10);
	io_out(0x70, 1, 0x8f);
	io_out(0x71, 1, 0x00);
	io_out(0x21, 1, 0xff);
	io_out(0xa1, 1, 0xff);
	io_out(0x43, 1, 0x30);
	io_out(0xcf8, 4, 0x80000000);
	io_out(0xcfc, 4, 0xffffffff);
	io_out(0xcfc, 1, 0xff);
	io_out(0xcfe, 2, 0xffff);
	io_out(0x3f8, 1, 'X');
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		for (s = 1; s <= 4; s *= 2) {
			uint32_t want = s == 4 ? 0xffffffff : (1U << (8 * s)) - 1;
			uint32_t got = io_in(ports[i], s);

			if (ports[i] == 0x70)	/* the RTC index the peer wrote, latched */
				want = (want & ~0xffU) | 0x8f;
			if (ports[i] == 0xcf8 && s == 4)	/* CONFIG_ADDRESS, latched */
				want = 0x80000000;

			PEER_CHECK(got == want, "in%c %#x read %#x, not all ones",
				   s == 1 ? 'b' : s == 2 ? 'w' : 'l', ports[i], got);
		}
	io_out(0x70, 2, 0x3412);
	PEER_CHECK(io_in(0x70, 1) == 0x12 && io_in(0x71, 1) == 0xff,
		   "after outw 0x3412 to 0x70: inb 0x70 %#x, inb 0x71 %#x", io_in(0x70, 1),
		   io_in(0x71, 1));
	printf("peer: every write vanished, every read of %u ports in three sizes all ones "
	       "(port 0x70 but its latched byte)\n",
	       (unsigned int)(sizeof(ports) / sizeof(ports[0])));
	return 0;
}

static void __attribute__((noreturn)) peer(void)
{
	struct verdict v;

	verdict_offer_frame0(&v);
	verdict_send(&v, peer_body() ? why : NULL);
}

int test_main(struct start_info *si)
{
	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer();
	CHECK(verdict_await_peer(si) == TEST_PASS, "the peer's verdict");
	printf("attack-domu-ports: a domU's I/O to the machine's ports vanished as on Xen 4.17\n");
	return TEST_PASS;
}
