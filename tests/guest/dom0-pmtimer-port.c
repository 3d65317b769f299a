// SPDX-License-Identifier: GPL-2.0-only
/*
 * dom0-pmtimer-port: the ACPI PM timer is not dom0's. Xen 4.17 takes the
 * FADT's PM timer block (4 ports) out of dom0's I/O permissions
 * (dom0_setup_permissions), so dom0 at IOPL 1 reads all ones there and
 * Linux's dom0 finds no PM timer clocksource ("PM-Timer failed
 * consistency check (0xffffff)"). QEMU's chipsets (PIIX4 and ICH9) put
 * the timer at 0x608, the PM1 event and control ports at 0x600-0x605,
 * which dom0 keeps: their status word reads as the chipset has it.
 * Lamina let dom0 read the timer (a counting value, and Linux used it as
 * its acpi_pm clocksource).
 */
#include "conform.h"
#include "lib/portio.h"

#define PM_TIMER	0x608
#define PM1_CNT		0x604

int test_main(struct start_info *si)
{
	uint32_t t0, t1;

	CHECK(si->flags & SIF_INITDOMAIN, "not dom0");
	CHECK(physdev_set_iopl(1) == 0, "set_iopl");
	conform_begin();
	t0 = io_in(PM_TIMER, 4);
	t1 = io_in(PM_TIMER, 4);
	printf("PM timer %#x then %#x; PM1 control %#x\n", t0, t1, io_in(PM1_CNT, 2));
	ROW("pmtimer.dword", t0, 0xffffffffL);
	ROW("pmtimer.dword_again", t1, 0xffffffffL);
	ROW("pmtimer.byte_3", io_in(PM_TIMER + 3, 1), 0xff);
	ROW("pmtimer.word_across_its_start", io_in(PM_TIMER - 1, 2), 0xffff);
	ROW("pm1_control.reachable", io_in(PM1_CNT, 2) != 0xffff, 1);
	return conform_end("dom0-pmtimer-port");
}
