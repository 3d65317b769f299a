/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <hv/types.h>

struct hv_options;

void console_init(const struct hv_options *o);
void serial_init(uint16_t port, uint32_t baud);
void serial_putc(char c);
int serial_getc(void);			/* -1 when nothing is waiting */
void console_input_init(void);
size_t console_read(char *buf, size_t len);

/* The debug keys (keyhandler.c): true when they took the character. */
#ifdef CONFIG_DEBUG_KEYS
bool keyhandler_take(char c);
/* sysctl debug_keys: runs key c's handler; a key without one does nothing. */
void keyhandler_run(char c);
#else
static inline bool keyhandler_take(char c)
{
	return false;
}
#endif

/* The console ring (conring.c): every byte written to the console. */
void conring_puts(const char *s, size_t len);
struct sysctl_readconsole;
long conring_read(struct sysctl_readconsole *op);	/* the ring alone, no lock */
long console_ring_read(struct sysctl_readconsole *op);	/* it under the console lock (printk.c) */

#endif
