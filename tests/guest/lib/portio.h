/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel-mode port I/O of 1, 2 or 4 bytes (the guest needs a virtual IOPL
 * or an I/O bitmap allowing it). A read's unused bytes come back 0.
 */
#ifndef GUEST_PORTIO_H
#define GUEST_PORTIO_H

#include <stdint.h>
#include "guest.h"
#include <lamina/physdev.h>

/* PHYSDEVOP_set_iopl: the virtual IOPL (0-3) for port I/O and cli/sti. */
static inline long physdev_set_iopl(unsigned int iopl)
{
	struct physdev_set_iopl op = { iopl };

	return hypercall2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &op);
}

static inline uint32_t io_in(uint16_t port, unsigned int size)
{
	uint32_t v = 0x5a5a5a5a;

	if (size == 1)
		asm volatile("inb %%dx, %%al" : "+a"(v) : "d"(port));
	else if (size == 2)
		asm volatile("inw %%dx, %%ax" : "+a"(v) : "d"(port));
	else
		asm volatile("inl %%dx, %%eax" : "=a"(v) : "d"(port));
	return size == 4 ? v : v & ((1U << (8 * size)) - 1);
}

static inline void io_out(uint16_t port, unsigned int size, uint32_t v)
{
	if (size == 1)
		asm volatile("outb %%al, %%dx" : : "a"(v), "d"(port));
	else if (size == 2)
		asm volatile("outw %%ax, %%dx" : : "a"(v), "d"(port));
	else
		asm volatile("outl %%eax, %%dx" : : "a"(v), "d"(port));
}

#endif
