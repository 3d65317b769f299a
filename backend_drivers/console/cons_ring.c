// SPDX-License-Identifier: GPL-2.0-only
/* Console ring byte moves (see cons_ring.h); host-tested in tests/unit. */
#include <errno.h>
#include <stdint.h>
#include "cons_ring.h"

int cons_take_output(struct xencons_interface *intf, char *buf, size_t cap)
{
	/* Our own index, but in the guest's page: one load (no re-read the compiler may make). */
	uint32_t cons = __atomic_load_n(&intf->out_cons, __ATOMIC_RELAXED);
	uint32_t prod = __atomic_load_n(&intf->out_prod, __ATOMIC_ACQUIRE);
	size_t n = 0;

	if (prod - cons > XENCONS_OUT_SIZE)
		return -EPROTO;
	while (cons != prod && n < cap)
		buf[n++] = intf->out[MASK_XENCONS_OUT(cons++)];
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* bytes read before the room is given */
	__atomic_store_n(&intf->out_cons, cons, __ATOMIC_RELEASE);
	return (int)n;
}

int cons_put_input(struct xencons_interface *intf, const char *data, size_t len)
{
	uint32_t cons = __atomic_load_n(&intf->in_cons, __ATOMIC_ACQUIRE);
	uint32_t prod = __atomic_load_n(&intf->in_prod, __ATOMIC_RELAXED);	/* ours, their page */
	size_t n = 0;

	if (prod - cons > XENCONS_IN_SIZE)
		return -EPROTO;
	while (n < len && prod - cons < XENCONS_IN_SIZE)
		intf->in[MASK_XENCONS_IN(prod++)] = data[n++];
	__atomic_store_n(&intf->in_prod, prod, __ATOMIC_RELEASE);	/* after the bytes */
	return (int)n;
}

size_t cons_strip_cr(char *dst, const char *src, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (src[i] != '\r')
			dst[n++] = src[i];
	return n;
}

void cons_rate_init(struct cons_rate *r, long long now)
{
	r->next_period = now + CONS_RATE_PERIOD_MS;
	r->count = 0;
}

bool cons_rate_tick(struct cons_rate *r, long long now)
{
	bool masked = r->count >= CONS_RATE_ALLOWANCE;

	if (now < r->next_period)
		return false;
	cons_rate_init(r, now);
	return masked;
}

bool cons_rate_event(struct cons_rate *r, long long now)
{
	cons_rate_tick(r, now);	/* a new period: the port is unmasked below */
	return ++r->count < CONS_RATE_ALLOWANCE;
}

long long cons_rate_wait(const struct cons_rate *r, long long now)
{
	if (r->count < CONS_RATE_ALLOWANCE)
		return -1;
	return r->next_period > now ? r->next_period - now : 0;
}
