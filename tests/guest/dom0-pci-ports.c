// SPDX-License-Identifier: GPL-2.0-only
/*
 * dom0-pci-ports: dom0's port I/O at 0xcf8-0xcff other than the 32-bit
 * CONFIG_ADDRESS latch and the data ports' own accesses, against Xen
 * 4.17: its dom0 is denied only 0xcfc-0xcff (dom0_setup_permissions), so
 * a byte or word at 0xcf8-0xcfb reaches the machine (0xcf9: the chipset's
 * reset control register, 0 under QEMU), and an access running from the
 * data ports past 0xcff is split (guest_io_read): the data ports' part
 * from the function the latch names, the rest from the ports after it.
 */
#include "conform.h"
#include "lib/portio.h"
#include <lamina/physdev.h>

int test_main(struct start_info *si)
{
	struct physdev_set_iopl iopl = { 1 };
	uint32_t id;

	CHECK(si->flags & SIF_INITDOMAIN, "not dom0");
	CHECK(hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl) == 0, "set_iopl");
	conform_begin();

	io_out(0xcf8, 4, 0x80000000);		/* bus 0, device 0, function 0, register 0 */
	id = io_in(0xcfc, 4);
	printf("host bridge: %#x; inb 0xcf9 %#x, inw 0xcfa %#x, inl 0xcfe %#x, inl 0xcf9 %#x\n",
	       id, io_in(0xcf9, 1), io_in(0xcfa, 2), io_in(0xcfe, 4), io_in(0xcf9, 4));
	ROW("cf8.latched", io_in(0xcf8, 4), 0x80000000);
	ROW("cfe.word_device_id", io_in(0xcfe, 2), (long)(id >> 16));
	ROW("cf9.reset_control", io_in(0xcf9, 1), 0);
	ROW("cfe.long_device_id_then_d00", io_in(0xcfe, 4), (long)(0xffff0000U | (id >> 16)));
	return conform_end("dom0-pci-ports");
}
