// SPDX-License-Identifier: GPL-2.0-only
/*
 * printk and the console. Output goes to the serial port when the console
 * is enabled; a message above the log threshold is dropped.
 */
#include <hv/lib.h>
#include <hv/console.h>
#include <hv/cmdline.h>

int log_threshold = CONFIG_LOG_LEVEL;
static bool console_serial = true;

void console_init(const struct hv_options *o)
{
	console_serial = o->console_serial;
	serial_init(o->com1_port, o->com1_baud);
	if (o->loglvl >= 0)
		log_threshold = o->loglvl;
}

void console_write(const char *s, size_t len)
{
	conring_puts(s, len);
	if (!console_serial)
		return;
	while (len--)
		serial_putc(*s++);
}

void vprintk(enum log_level level, const char *fmt, va_list ap)
{
	char buf[512];
	int n;

	if ((int)level > log_threshold)
		return;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	console_write(buf, n);
}

void printk(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}
