// SPDX-License-Identifier: GPL-2.0-only
/*
 * dom0-pit-ports: dom0's PIT ports, against Xen 4.17. Its dom0 is denied
 * 0x40-0x43 and 0x61 but reaches timer 2 through pv_pit_handler's
 * hwdom_pit_access (Xen's platform timer is not the PIT under QEMU): port
 * 0x42 as it is, 0x43's commands for counter 2 (a mode write selecting
 * it, a read-back naming it), 0x61's gate and speaker bits. dom0 at IOPL 1
 * sets timer 2 to mode 0 with a count of 0x1000, gate on, then latches
 * and reads it (at most 0x1000, counting down), waits for it to run out
 * (0x61 bit 5, timer 2's output, low until then) and reads 0x40 and
 * 0x41 (all ones, not dom0's) and 0x43 (0, Xen's emulated PIT's answer).
 * Lamina gave all ones for 0x42-0x43 and dropped the writes: the latched
 * count read 0xffff, and timer 2's output stayed as boot left it.
 */
#include "conform.h"
#include "lib/portio.h"
#include <lamina/physdev.h>

static uint32_t latch2(void)
{
	io_out(0x43, 1, 0x80);			/* counter 2 latched */
	return io_in(0x42, 1) | io_in(0x42, 1) << 8;
}

int test_main(struct start_info *si)
{
	struct physdev_set_iopl iopl = { 1 };
	uint32_t p61, count, out2 = 0;
	unsigned int i;

	CHECK(si->flags & SIF_INITDOMAIN, "not dom0");
	CHECK(hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl) == 0, "set_iopl");
	conform_begin();

	p61 = io_in(0x61, 1);
	io_out(0x61, 1, (p61 & ~3U) | 1);	/* gate on, speaker off */
	io_out(0x43, 1, 0xb0);			/* counter 2, lo/hi, mode 0 */
	io_out(0x42, 1, 0x00);
	io_out(0x42, 1, 0x10);
	count = latch2();
	ROW("pit.out2_low_while_counting", io_in(0x61, 1) & 0x20, 0);
	for (i = 0; i < 1000000 && !out2; i++)
		out2 = io_in(0x61, 1) & 0x20;
	printf("timer 2: latched %#x, out2 %#x after %u reads; 0x40 %#x 0x41 %#x 0x43 %#x\n",
	       count, out2, i, io_in(0x40, 1), io_in(0x41, 1), io_in(0x43, 1));
	ROW("pit.counter2_counts_down", count <= 0x1000, 1);
	ROW("pit.out2_when_done", out2, 0x20);
	ROW("pit.port40", io_in(0x40, 1), 0xff);
	ROW("pit.port41", io_in(0x41, 1), 0xff);
	ROW("pit.port43_reads_0", io_in(0x43, 1), 0);
	io_out(0x61, 1, p61);
	return conform_end("dom0-pit-ports");
}
