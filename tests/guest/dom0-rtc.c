// SPDX-License-Identifier: GPL-2.0-only
/*
 * dom0-rtc: dom0's ports 0x70-0x71 (the RTC's index and data), against
 * Xen 4.17 (rtc_guest_read/write in arch/x86/time.c, reached from
 * guest_io_read/write a byte at a time: admin_io_okay never lets an
 * access touching 0x70-0x71 through as it is). The index written to 0x70
 * is latched in the domain, the whole byte, NMI-mask bit 7 too, and reads
 * back from there; a 0x71 access writes the latched index with bit 7
 * clear to the real 0x70, then reaches 0x71. At virtual IOPL 1 dom0:
 * - writes 0x8a (register A, bit 7 set) to 0x70: reads 0x8a back (Lamina
 *   passed the access through, and QEMU's 0x70 reads 0xff), and register
 *   A from 0x71 (QEMU's divider value 0x26, the update flag masked off);
 * - writes 0x80 (the seconds, bit 7 set): reads valid BCD seconds;
 * - writes a CMOS RAM byte (0x41) through index 0xc1 and reads it back
 *   through index 0x41: the index reached the RTC without bit 7;
 * - outw 0x5bc1 to 0x70: the low byte the index, the high byte to 0x71
 *   under it; inw 0x70 then gives 0x5bc1 (0x5bff on Lamina before), inl
 *   0x70 0xffff5bc1 (0x72-0x73 all ones here), inw 0x6f the index in its high byte;
 * and puts the CMOS byte back. Whether the host's NMIs stay unmasked
 * cannot be seen here: QEMU's RTC drops bit 7 of the index itself.
 * Port 0x61 (NMI status and control), which Xen 4.17 lets dom0 write in
 * its two speaker bits only (hwdom_pit_access): timer 2's gate written
 * on and off reads back so; bits 2-3 (the NMI sources' disables) read 0
 * here whatever is written, as QEMU keeps no such bits, so the mask is
 * not seen either.
 */
#include "conform.h"
#include "lib/portio.h"
#include <lamina/physdev.h>

static bool bcd_seconds(uint32_t s)
{
	return (s & 0xf) <= 9 && (s >> 4) <= 5;
}

int test_main(struct start_info *si)
{
	struct physdev_set_iopl iopl = { 1 };
	uint32_t saved, secs;

	CHECK(si->flags & SIF_INITDOMAIN, "not dom0");
	CHECK(hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl) == 0, "set_iopl");
	conform_begin();

	io_out(0x70, 1, 0x8a);
	ROW("rtc.index_8a_reads_back", io_in(0x70, 1), 0x8a);
	ROW("rtc.reg_a_under_8a", io_in(0x71, 1) & 0x7f, 0x26);
	ROW("rtc.index_still_8a", io_in(0x70, 1), 0x8a);

	io_out(0x70, 1, 0x80);
	secs = io_in(0x71, 1);
	printf("seconds %#x\n", secs);
	ROW("rtc.seconds_under_80_bcd", bcd_seconds(secs), 1);
	ROW("rtc.index_80_reads_back", io_in(0x70, 1), 0x80);

	io_out(0x70, 1, 0x41);
	saved = io_in(0x71, 1);
	io_out(0x70, 1, 0xc1);
	io_out(0x71, 1, 0xa5);
	io_out(0x70, 1, 0x41);
	ROW("rtc.cmos_41_written_under_c1", io_in(0x71, 1), 0xa5);
	ROW("rtc.index_41_reads_back", io_in(0x70, 1), 0x41);

	io_out(0x70, 2, 0x5bc1);
	ROW("rtc.outw_index_byte", io_in(0x70, 1), 0xc1);
	ROW("rtc.inw_70", io_in(0x70, 2), 0x5bc1);
	ROW("rtc.inl_70", io_in(0x70, 4), 0xffff5bc1);
	ROW("rtc.inw_6f_high_byte", io_in(0x6f, 2) >> 8, 0xc1);
	io_out(0x70, 1, 0x41);
	ROW("rtc.cmos_41_written_by_outw", io_in(0x71, 1), 0x5b);

	io_out(0x70, 1, 0x41);
	io_out(0x71, 1, saved);
	ROW("rtc.cmos_41_restored", io_in(0x71, 1), (long)saved);
	printf("inl 0x70 %#x, inw 0x6f %#x\n", io_in(0x70, 4), io_in(0x6f, 2));
	io_out(0x70, 1, 0x0d);	/* register D, as a BIOS leaves the index */

	saved = io_in(0x61, 1);
	io_out(0x61, 1, (saved & ~3U) | 0x0d);	/* gate on, speaker off, bits 2-3 set */
	ROW("port61.gate_on_nmi_bits", io_in(0x61, 1) & 0x0f, 0x01);
	io_out(0x61, 1, (saved & ~3U) & ~0x0cU);
	ROW("port61.gate_off", io_in(0x61, 1) & 0x0f, 0);
	io_out(0x61, 1, saved);
	return conform_end("dom0-rtc");
}
