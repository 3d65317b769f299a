// SPDX-License-Identifier: GPL-2.0-only
/*
 * printk and the console. Output goes to the serial port when the console
 * is enabled; a message above the log threshold is dropped.
 */
#include <hv/lib.h>
#include <hv/console.h>
#include <hv/cmdline.h>
#include <hv/smp.h>

int log_threshold = CONFIG_LOG_LEVEL;
static bool console_serial = true;

void console_init(const struct hv_options *o)
{
	console_serial = o->console_serial;
	serial_init(o->com1_port, o->com1_baud);
	if (o->loglvl >= 0)
		log_threshold = o->loglvl;
}

/*
 * One CPU writes at a time, so a message is not cut by another CPU's
 * (with guests on two CPUs a domain's teardown line landed inside
 * dom0's "PASS", issue 21). The lock names its owner (CPU id + 1): a
 * message from a fault taken while this CPU writes goes through. Not
 * taken while one CPU is up (early boot, before GS). A spinner answers
 * other CPUs' calls, and after a long wait (a CPU stopped by a panic
 * while it held the lock) writes anyway, as Xen's console_force_unlock.
 */
static uint32_t console_owner;

static bool console_lock(void)
{
	uint32_t me, free = 0;
	unsigned long spins;

	if (smp_nr_online() < 2)
		return false;
	me = smp_processor_id() + 1;
	if (__atomic_load_n(&console_owner, __ATOMIC_RELAXED) == me)
		return false;
	for (spins = 0; spins < 100000000UL; spins++, free = 0) {
		if (__atomic_compare_exchange_n(&console_owner, &free, me, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
		asm volatile("pause");
		smp_poll_calls();
	}
	return false;
}

static void console_unlock(bool locked)
{
	if (locked)
		__atomic_store_n(&console_owner, 0, __ATOMIC_RELEASE);
}

void console_write(const char *s, size_t len)
{
	bool locked = console_lock();

	conring_puts(s, len);
	if (console_serial)
		while (len--)
			serial_putc(*s++);
	console_unlock(locked);
}

/*
 * sysctl readconsole: the ring read under the lock its writers take, as
 * Xen 4.17 reads it under its console lock: another CPU printing (a
 * domU's console_io, say) neither moves the indexes nor rewrites the
 * bytes meanwhile, nor does a clearing read move the oldest index back
 * behind a write.
 */
long console_ring_read(struct sysctl_readconsole *op)
{
	bool locked = console_lock();
	long rc = conring_read(op);

	console_unlock(locked);
	return rc;
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
