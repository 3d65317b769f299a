// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of backend_drivers/console/cons_ring.c: the console ring moves. */
#include <errno.h>
#include <stdint.h>
#include "../../unit.h"
#include "../../../../backend_drivers/console/cons_ring.h"

static struct xencons_interface ring;

/* The guest's side: put output bytes, as hvc_xen does. */
static void guest_write(const char *s, size_t n)
{
	while (n--)
		ring.out[MASK_XENCONS_OUT(ring.out_prod++)] = *s++;
}

static void take_in_order(void)
{
	char buf[16];

	memset(&ring, 0, sizeof(ring));
	guest_write("hello", 5);
	EXPECT_EQ(cons_take_output(&ring, buf, sizeof(buf)), 5);
	EXPECT(!memcmp(buf, "hello", 5));
	EXPECT_EQ(ring.out_cons, 5);
	EXPECT_EQ(cons_take_output(&ring, buf, sizeof(buf)), 0);
}

/* Indices wrap past 2^32 and the byte ring wraps past its end. */
static void take_across_wraps(void)
{
	char buf[XENCONS_OUT_SIZE];
	size_t i;
	int n;

	memset(&ring, 0, sizeof(ring));
	ring.out_prod = ring.out_cons = UINT32_MAX - 9;
	for (i = 0; i < XENCONS_OUT_SIZE; i++)
		ring.out[MASK_XENCONS_OUT(ring.out_prod++)] = (char)('a' + i % 26);
	n = cons_take_output(&ring, buf, 100);	/* a short buffer takes part */
	EXPECT_EQ(n, 100);
	n = cons_take_output(&ring, buf + 100, sizeof(buf) - 100);
	EXPECT_EQ(n, XENCONS_OUT_SIZE - 100);
	for (i = 0; i < XENCONS_OUT_SIZE; i++)
		EXPECT_EQ(buf[i], 'a' + i % 26);
	EXPECT_EQ(ring.out_cons, ring.out_prod);
}

/* A guest claiming more than the ring holds is refused, nothing moves. */
static void insane_output_indices(void)
{
	char buf[16];

	memset(&ring, 0, sizeof(ring));
	ring.out_cons = 10;
	ring.out_prod = 10 + XENCONS_OUT_SIZE + 1;
	EXPECT_EQ(cons_take_output(&ring, buf, sizeof(buf)), -EPROTO);
	EXPECT_EQ(ring.out_cons, 10);
	ring.out_prod = 9;		/* behind the consumer */
	EXPECT_EQ(cons_take_output(&ring, buf, sizeof(buf)), -EPROTO);
}

static void input_until_full(void)
{
	char data[XENCONS_IN_SIZE + 10];

	memset(&ring, 0, sizeof(ring));
	memset(data, 'x', sizeof(data));
	ring.in_cons = ring.in_prod = UINT32_MAX - 3;
	EXPECT_EQ(cons_put_input(&ring, "ab", 2), 2);
	EXPECT_EQ(ring.in[MASK_XENCONS_IN(UINT32_MAX - 3)], 'a');
	EXPECT_EQ(cons_put_input(&ring, data, sizeof(data)), XENCONS_IN_SIZE - 2);
	EXPECT_EQ(ring.in_prod - ring.in_cons, XENCONS_IN_SIZE);
	EXPECT_EQ(cons_put_input(&ring, "c", 1), 0);
	ring.in_cons += 3;		/* the guest read three */
	EXPECT_EQ(cons_put_input(&ring, data, sizeof(data)), 3);
}

static void insane_input_indices(void)
{
	memset(&ring, 0, sizeof(ring));
	ring.in_cons = 100;		/* the guest consumed what was never put */
	EXPECT_EQ(cons_put_input(&ring, "a", 1), -EPROTO);
	EXPECT_EQ(ring.in_prod, 0);
}

static void strip_carriage_returns(void)
{
	char out[16];

	EXPECT_EQ(cons_strip_cr(out, "a\r\nb\r\n\r", 7), 4);
	EXPECT(!memcmp(out, "a\nb\n", 4));
}

/* A guest moving out_cons itself, anywhere: at most a ring is taken, or none. */
static void output_cons_moved_by_guest(void)
{
	static const uint32_t moves[] = { 1, XENCONS_OUT_SIZE, XENCONS_OUT_SIZE + 1,
					  0x80000000u, UINT32_MAX };
	char buf[XENCONS_OUT_SIZE * 2];
	unsigned int k;

	for (k = 0; k < sizeof(moves) / sizeof(moves[0]); k++) {
		int n;

		memset(&ring, 0, sizeof(ring));
		ring.out_prod = 0xfffffff0u;
		ring.out_cons = ring.out_prod - moves[k];
		n = cons_take_output(&ring, buf, sizeof(buf));
		if (moves[k] <= XENCONS_OUT_SIZE) {
			EXPECT_EQ(n, (int)moves[k]);
			EXPECT_EQ(ring.out_cons, ring.out_prod);
		} else {
			EXPECT_EQ(n, -EPROTO);
			EXPECT_EQ(ring.out_cons, ring.out_prod - moves[k]);
		}
	}
}

/*
 * Xen 4.17 xenconsoled's event budget: 29 events are answered at once, the
 * 30th leaves the port masked until its period ends, then the count starts
 * again; an idle period unmasks nothing.
 */
static void event_storm_rate(void)
{
	struct cons_rate r;
	long long t = 1000;
	unsigned int i;

	cons_rate_init(&r, t);
	EXPECT_EQ(cons_rate_wait(&r, t), -1);
	for (i = 1; i < CONS_RATE_ALLOWANCE; i++)
		EXPECT(cons_rate_event(&r, t + i));
	EXPECT(!cons_rate_event(&r, t + 50));
	EXPECT_EQ(cons_rate_wait(&r, t + 50), CONS_RATE_PERIOD_MS - 50);
	EXPECT(!cons_rate_tick(&r, t + 199));
	EXPECT_EQ(cons_rate_wait(&r, t + 250), 0);
	EXPECT(cons_rate_tick(&r, t + 250));
	EXPECT_EQ(cons_rate_wait(&r, t + 250), -1);
	EXPECT(!cons_rate_tick(&r, t + 250));
	EXPECT(cons_rate_event(&r, t + 251));
	EXPECT(!cons_rate_tick(&r, t + 1000));		/* a new period, not masked */
	/* a storm of a million events in 10 s is answered 29 times a period */
	{
		unsigned int answered = 0, masked = 0;

		cons_rate_init(&r, 0);
		for (i = 0; i < 1000000; i++) {
			long long now = i / 100;	/* 100 events a millisecond */

			if (masked && !cons_rate_tick(&r, now))
				continue;		/* masked: nothing delivered */
			masked = !cons_rate_event(&r, now);
			answered++;
		}
		EXPECT(answered <= (10000 / CONS_RATE_PERIOD_MS + 1) * CONS_RATE_ALLOWANCE);
		EXPECT(answered >= (10000 / CONS_RATE_PERIOD_MS - 1) * CONS_RATE_ALLOWANCE);
	}
}

int main(void)
{
	unit_suite = "backend_drivers/console/cons_ring";
	RUN(take_in_order);
	RUN(take_across_wraps);
	RUN(insane_output_indices);
	RUN(input_until_full);
	RUN(insane_input_indices);
	RUN(strip_carriage_returns);
	RUN(output_cons_moved_by_guest);
	RUN(event_storm_rate);
	return 0;
}
