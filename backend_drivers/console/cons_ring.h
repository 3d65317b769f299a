/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The backend's side of a console ring (lamina/io/console.h): take the
 * guest's output, give it input. The guest writes the page at any time,
 * so every index is read once and checked before use.
 */
#ifndef CONS_RING_H
#define CONS_RING_H

#include <stdbool.h>
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

/*
 * A guest's event budget, kept as Xen 4.17's xenconsoled keeps it: at
 * most CONS_RATE_ALLOWANCE events a CONS_RATE_PERIOD_MS period are
 * answered at once; past that its port stays masked until the period
 * ends, so an event storm costs dom0 a bounded amount of work. Times are
 * in milliseconds. xenconsoled answers 30, and so do we: on Lamina an
 * event wakes dom0 at once (the scheduler's wake boost), and while
 * consoled took a booting guest's output at each event, about a line an
 * event, 30 held a Linux domU's boot (its hvc driver spins while the ring
 * is full) for 0.4-0.6 x 10^9 more instructions and the budget was 200;
 * now that consoled takes the output a moment after the event (consoled.c,
 * BATCH_US), a boot costs the same with 30 as with 200 (docs/benchmarks.md,
 * "consoled's event budget").
 */
#define CONS_RATE_ALLOWANCE	30
#define CONS_RATE_PERIOD_MS	200

struct cons_rate {
	long long next_period;	/* when the count starts again */
	unsigned int count;	/* events in this period */
};

/* Starts the first period at @now. */
void cons_rate_init(struct cons_rate *r, long long now);

/* An event came at @now: true if the port may be unmasked at once. */
bool cons_rate_event(struct cons_rate *r, long long now);

/*
 * Time passes (@now): true if a port left masked by cons_rate_event() is
 * to be unmasked now, its period being over.
 */
bool cons_rate_tick(struct cons_rate *r, long long now);

/* Milliseconds until cons_rate_tick() may unmask, or -1 if nothing waits. */
long long cons_rate_wait(const struct cons_rate *r, long long now);

/* Copies src to dst without carriage returns (for the log file); dst's length. */
size_t cons_strip_cr(char *dst, const char *src, size_t len);

#endif
