// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioport-grant: dom0's DOMCTL_ioport_permission for a PV domU, and the
 * domU's port I/O with it, against Xen 4.17 (its arch.ioport_caps, and
 * guest_io_okay / admin_io_okay in pv/emul-priv-op.c: the virtual IOPL
 * decides whether in/out is a #GP, the domain's ports whether it reaches
 * the port or reads all ones).
 *   dom0 starts the peer, gives it ports 0x90-0x93, takes back 0x90-0x91
 *   and 0x93 (0x92 stays: a cut from the front, one from the back), and
 *   is refused the PIT's 0x40-0x43 (not dom0's to give: -EPERM), all
 *   before it binds the peer's verdict port, which the peer waits for.
 *   The peer, at IOPL 1 (PHYSDEVOP_set_iopl, kernel mode): inb 0x92
 *   (system control port A, only read) reaches the port, so not all
 *   ones; inw 0x92 (0x93 not given) goes a byte at a time, as Xen's: the
 *   port's byte and all ones; inb 0x80 (never given) reads all ones. Then dom0 takes 0x92 back too, and gives a second domain it
 *   makes 17 ranges apart (the 17th: Lamina's list holds 16, -ENOMEM;
 *   Xen 0), one range over those 16 (merged: 15 more apart fit), takes
 *   them all back, gives one range and cuts a hole in it.
 * @domus: self:peer:role=peer
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/domctl.h"
#include <lamina/physdev.h>

static char why[VERDICT_LEN];

static long ioport(domid_t dom, uint32_t first, uint32_t nr, uint8_t allow)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.u.ioport_permission.first_port = first;
	op.u.ioport_permission.nr_ports = nr;
	op.u.ioport_permission.allow_access = allow;
	return domctl_call(&op, DOMCTL_ioport_permission, dom);
}

static int peer_body(void)
{
	struct physdev_set_iopl iopl = { 1 };
	uint8_t b, given;
	uint16_t w;
	long rc;

	rc = hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl);
	PEER_CHECK(rc == 0, "set_iopl(1) gave %ld", rc);
	asm volatile("inb %%dx, %%al" : "=a"(given) : "d"(0x92));
	PEER_CHECK(given != 0xff, "inb 0x92 (given) read %#x: not the port", given);
	asm volatile("inw %%dx, %%ax" : "=a"(w) : "d"(0x92));
	PEER_CHECK(w == (0xff00 | given), "inw 0x92 (0x93 not given) read %#x, not %#x", w,
		   0xff00 | given);
	asm volatile("inb %%dx, %%al" : "=a"(b) : "d"(0x80));
	PEER_CHECK(b == 0xff, "inb 0x80 (not given) read %#x, not all ones", b);
	printf("peer: inb 0x92 (given) %#x, inw 0x92 %#x (0x93 not given), inb 0x80 (not given) "
	       "all ones\n", given, w);
	return 0;
}

static void __attribute__((noreturn)) peer(void)
{
	struct verdict v;

	verdict_offer_frame0(&v);
	verdict_send(&v, peer_body() ? why : NULL);
}

/* A second domain of dom0's: 16 ranges apart fit, the 17th is Lamina's -ENOMEM. */
static int ranges_limit(void)
{
	unsigned int i;
	domid_t id;
	long rc = 0;

	CHECK(domctl_create(&id, "lamina-ioport-16") == 0, "createdomain failed");
	for (i = 0; i < 17 && !rc; i++)
		rc = ioport(id, 0x100 + 4 * i, 2, 1);
	printf("17 ranges apart: the %uth answered %ld\n", i, rc);
	CHECK(on_lamina() ? (i == 17 && rc == -ENOMEM) : rc == 0,
	      "17 ranges apart: the %uth answered %ld", i, rc);
	/* One range over all 16 takes them in: room for 15 more apart. */
	CHECK((rc = ioport(id, 0x100, 0x40, 1)) == 0, "a range over the 16 gave %ld", rc);
	for (i = 0, rc = 0; i < 15 && !rc; i++)
		rc = ioport(id, 0x200 + 4 * i, 2, 1);
	CHECK(rc == 0, "15 more ranges apart after the merge: the %uth answered %ld", i, rc);
	CHECK((rc = ioport(id, 0x100, 0x200, 0)) == 0, "taking all back gave %ld", rc);
	CHECK((rc = ioport(id, 0x100, 0x40, 1)) == 0, "one range after that gave %ld", rc);
	CHECK((rc = ioport(id, 0x110, 0x10, 0)) == 0, "a hole in it gave %ld", rc);
	CHECK(domctl_destroy(id) == 0, "destroying it failed");
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	int peer_id;
	long rc;

	CHECK(events_init(si) == 0, "events_init failed");
	if (!(si->flags & SIF_INITDOMAIN))
		peer();
	peer_id = peer_start(si, "role=peer", 16);
	CHECK(peer_id > 0, "the peer domain could not be started (%d)", peer_id);
	CHECK((rc = ioport(peer_id, 0x90, 4, 1)) == 0, "giving 0x90-0x93 gave %ld", rc);
	CHECK((rc = ioport(peer_id, 0x90, 2, 0)) == 0, "taking 0x90-0x91 back gave %ld", rc);
	CHECK((rc = ioport(peer_id, 0x93, 1, 0)) == 0, "taking 0x93 back gave %ld", rc);
	CHECK((rc = ioport(peer_id, 0x40, 4, 1)) == -EPERM, "giving the PIT gave %ld", rc);
	CHECK(verdict_result((domid_t)peer_id) == TEST_PASS, "the peer's verdict");
	CHECK((rc = ioport(peer_id, 0x92, 1, 0)) == 0 || rc == -ESRCH,
	      "taking 0x92 back gave %ld", rc);
	CHECK(ranges_limit() == TEST_PASS, "the list's bound");
	return TEST_PASS;
}
