// SPDX-License-Identifier: GPL-2.0-only
/* A polled 16550 UART: the hypervisor console (COM1 by default). */
#include <hv/console.h>
#include <asm/x86.h>

#define UART_CLOCK_HZ	115200

static uint16_t uart_port;

void serial_init(uint16_t port, uint32_t baud)
{
	uint16_t div = (uint16_t)(UART_CLOCK_HZ / (baud ? baud : UART_CLOCK_HZ));

	if (!div)
		div = 1;
	outb(port + 1, 0x00);		/* no interrupts (yet) */
	outb(port + 3, 0x80);		/* DLAB */
	outb(port + 0, div & 0xff);
	outb(port + 1, div >> 8);
	outb(port + 3, 0x03);		/* 8n1 */
	outb(port + 2, 0xC7);		/* FIFO on, cleared, 14-byte trigger level */
	outb(port + 4, 0x03);		/* DTR, RTS */
	/* No UART answers 0xff from its line status register. */
	uart_port = inb(port + 5) == 0xff ? 0 : port;
}

static void put_raw(char c)
{
	unsigned int spins = 100000;

	while (!(inb(uart_port + 5) & 0x20) && --spins)
		;
	outb(uart_port, (uint8_t)c);
}

void serial_putc(char c)
{
	if (!uart_port)
		return;
	if (c == '\n')
		put_raw('\r');
	put_raw(c);
}

int serial_getc(void)
{
	if (!uart_port || !(inb(uart_port + 5) & 0x01))
		return -1;
	return inb(uart_port);
}
