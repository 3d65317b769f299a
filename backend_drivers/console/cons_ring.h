/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The backend's side of a console ring (lamina/io/console.h): take the
 * guest's output, give it input. The guest writes the page at any time,
 * so every index is read once and checked before use.
 */
#ifndef CONS_RING_H
#define CONS_RING_H

#include <stddef.h>
#include <lamina/io/console.h>

/*
 * Moves up to cap bytes of guest output into buf and frees their room.
 * Returns the count, or -EPROTO when the guest's indices are insane
 * (out_prod - out_cons > XENCONS_OUT_SIZE); the ring is left alone then.
 */
int cons_take_output(struct xencons_interface *intf, char *buf, size_t cap);

/* Puts up to len bytes of input while there is room; the count, or -EPROTO. */
int cons_put_input(struct xencons_interface *intf, const char *data, size_t len);

/* Copies src to dst without carriage returns (for the log file); dst's length. */
size_t cons_strip_cr(char *dst, const char *src, size_t len);

#endif
