// SPDX-License-Identifier: GPL-2.0-only
/*
 * The console ring: the last CONRING_SIZE bytes written to the console
 * (the hypervisor's messages and the domUs' console_io output, as they
 * went to the serial port), which dom0 reads with sysctl readconsole
 * (`xl dmesg` on Xen). Indexes are free-running 32-bit counters, as in
 * Xen's console.c: prod is where the next byte goes, cons the oldest
 * byte kept (or the end of what a clearing reader took); the byte of
 * counter i is at ring[i % CONRING_SIZE], and prod - cons never exceeds
 * CONRING_SIZE. Both sides run under printk.c's console lock
 * (console_write, console_ring_read).
 */
#include <hv/lib.h>
#include <hv/console.h>
#include <hv/guest_access.h>
#include <lamina/sysctl.h>

#define CONRING_SIZE	16384U		/* Xen's default; a power of two */

static char ring[CONRING_SIZE];
static uint32_t cons, prod;

void conring_puts(const char *s, size_t len)
{
	while (len--)
		ring[prod++ % CONRING_SIZE] = *s++;
	if (prod - cons > CONRING_SIZE)
		cons = prod - CONRING_SIZE;
}

/* sysctl readconsole (sysctl.h), with Xen 4.17's index rules. */
long conring_read(struct sysctl_readconsole *op)
{
	uint32_t c = cons, p = prod, done = 0;

	/* An incremental index counts only if it still lies in (c, p]. */
	if (op->incremental && (c <= p ? c < op->index && op->index <= p :
					 c < op->index || op->index <= p))
		c = op->index;
	while (c != p && done < op->count) {
		uint32_t at = c % CONRING_SIZE;
		uint32_t len = MIN(p - c, CONRING_SIZE - at);

		len = MIN(len, op->count - done);
		if (copy_to_guest(op->buffer + done, &ring[at], len))
			return -EFAULT;
		done += len;
		c += len;
	}
	if (op->clear)
		cons = p - c > CONRING_SIZE ? p - CONRING_SIZE : c;
	op->count = done;
	op->index = c;
	return 0;
}
