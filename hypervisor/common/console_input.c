// SPDX-License-Identifier: GPL-2.0-only
/*
 * Console input. The serial port is polled every POLL_NS (no interrupt
 * routing yet); characters go to a ring for dom0, which reads them with
 * console_io(CONSOLEIO_read) when VIRQ_CONSOLE fires. With the debug keys
 * built in (CONFIG_DEBUG_KEYS, keyhandler.c) each character is offered to
 * them first: three Ctrl-A in a row switch input to them and back.
 */
#include <hv/lib.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/time.h>
#include <lamina/event_channel.h>

#define POLL_NS		20000000ULL
#define RING		1024

static char ring[RING];
static unsigned int prod, cons;		/* free-running indices */
static struct timer poll_timer;

static void input_char(char c)
{
	if (keyhandler_take(c))
		return;
	if (prod - cons < RING)
		ring[prod++ % RING] = c;
}

static void poll_serial(void *data)
{
	bool got = false;
	int c;

	(void)data;
	while ((c = serial_getc()) >= 0) {
		input_char((char)c);
		got = true;
	}
	if (got && prod != cons && dom0)
		send_global_virq(VIRQ_CONSOLE);
	set_timer(&poll_timer, now_ns() + POLL_NS);
}

void console_input_init(void)
{
	timer_init(&poll_timer, poll_serial, NULL);
	set_timer(&poll_timer, now_ns() + POLL_NS);
}

/* console_io read: up to len pending bytes into buf (hypervisor memory). */
size_t console_read(char *buf, size_t len)
{
	size_t n = 0;

	while (n < len && cons != prod)
		buf[n++] = ring[cons++ % RING];
	return n;
}
