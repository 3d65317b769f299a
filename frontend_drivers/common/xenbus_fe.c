// SPDX-License-Identifier: GPL-2.0-only
/* The guest side of XenStore and XenBus: see xenbus_fe.h. */
#include "guest.h"
#include "events.h"
#include "mm.h"
#include <lamina/io/xs_wire.h>
#include <lamina/vcpu.h>
#include "xenbus_fe.h"

#define WAIT_MS		300000	/* how long dom0 may take to answer */
#define NAP_NS		10000000ULL	/* a nap's one-shot timer */

static volatile struct xenstore_domain_interface *ring;
static evtchn_port_t store_port, timer_port;
static uint32_t next_req = 1;
static uint64_t t0;

/*
 * The pending bits are cleared before blocking, not after: a port whose
 * bit is still set from a tick that came while we were busy raises no new
 * upcall, and SCHEDOP_block would then sleep through every later tick.
 * Events are masked from the clearing to the block (which unmasks them
 * and returns at once if one came meanwhile): a tick delivered as an
 * upcall in between would have its bit set again, its upcall taken
 * (upcall_pending cleared by the handler), and the block would then sleep
 * for ever, each later tick finding the timer's bit still set. Seen as
 * test domUs that stopped polling the store after a few thousand naps.
 *
 * Each nap arms the one-shot timer (set_timer_op), as Linux does before
 * it blocks: Xen runs a vCPU's periodic timer only while the vCPU runs
 * (it stops it when switching the vCPU out), so a blocked guest that
 * counted on the periodic tick slept until some other event came, for
 * ever if none did (seen on Xen 4.17 as our netfront's domU blocked in its
 * first store request, 0.0 s of CPU used).
 */
void xbf_nap(void)
{
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	port_test_and_clear(timer_port);
	port_test_and_clear(store_port);
	hypercall1(__HYPERVISOR_set_timer_op, pvclock_ns() + NAP_NS);
	hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
}

uint64_t xbf_ms(void)
{
	return (pvclock_ns() - t0) / 1000000;
}

int xbf_init(struct start_info *si)
{
	struct evtchn_bind_virq bv = { VIRQ_TIMER, 0, 0 };

	if (events_init(si) || evtchn_op(EVTCHNOP_bind_virq, &bv))
		return -EIO;
	timer_port = bv.port;
	/* only xbf_nap's one-shot ticks: the same on Lamina and on Xen */
	if (hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0))
		return -EIO;
	if (!si->store_mfn || !si->store_evtchn)
		return -ENOENT;
	ring = (volatile struct xenstore_domain_interface *)mfn_to_va(si->store_mfn);
	store_port = si->store_evtchn;
	t0 = pvclock_ns();
	return 0;
}

volatile struct xenstore_domain_interface *xbf_ring(void)
{
	return ring;
}

void xbf_kick(void)
{
	evtchn_send(store_port);
}

int xbf_put(const void *src, uint32_t len, unsigned int ms)
{
	const char *s = src;
	unsigned int naps = 0;

	while (len) {
		uint32_t prod = ring->req_prod;

		if (prod - ring->req_cons >= XENSTORE_RING_SIZE) {
			if (naps++ > ms / 10)
				return -ETIMEDOUT;
			evtchn_send(store_port);
			xbf_nap();
			continue;
		}
		ring->req[MASK_XENSTORE_IDX(prod)] = *s++;
		__atomic_store_n(&ring->req_prod, prod + 1, __ATOMIC_RELEASE);
		len--;
	}
	return 0;
}

int xbf_get(void *dst, uint32_t n, unsigned int ms)
{
	char *d = dst;
	unsigned int naps = 0;

	while (n) {
		uint32_t cons = ring->rsp_cons;

		if (__atomic_load_n(&ring->rsp_prod, __ATOMIC_ACQUIRE) == cons) {
			if (naps > ms / 10)
				return -ETIMEDOUT;
			if (!(++naps % 10))
				evtchn_send(store_port);	/* the daemon may be new */
			xbf_nap();
			continue;
		}
		*d++ = ring->rsp[MASK_XENSTORE_IDX(cons)];
		__atomic_store_n(&ring->rsp_cons, cons + 1, __ATOMIC_RELEASE);
		n--;
	}
	evtchn_send(store_port);
	return 0;
}

int xbf_recv(struct xsd_sockmsg *m, char *out, uint32_t size, unsigned int ms)
{
	char skip;
	int rc = xbf_get(m, sizeof(*m), ms);

	if (rc)
		return rc;
	if (m->len >= size) {
		uint32_t left = m->len;

		while (left--)
			if (xbf_get(&skip, 1, ms))
				return -ETIMEDOUT;
		return -E2BIG;
	}
	rc = xbf_get(out, m->len, ms);
	if (rc)
		return rc;
	out[m->len] = '\0';
	return 0;
}

/* One request with payload "a\0" or "a\0b"; the reply type or -EIO. */
static int request(uint32_t type, const char *a, const char *b, char *out, uint32_t size)
{
	struct xsd_sockmsg m = { type, next_req++, 0, (uint32_t)strlen(a) + 1 };
	int rc;

	if (b)
		m.len += strlen(b);
	xbf_put(&m, sizeof(m), WAIT_MS);
	xbf_put(a, strlen(a) + 1, WAIT_MS);
	if (b)
		xbf_put(b, strlen(b), WAIT_MS);
	evtchn_send(store_port);
	do {		/* watch events are not ours: dropped */
		rc = xbf_recv(&m, out, size, WAIT_MS);
		if (rc == -ETIMEDOUT)
			return -EIO;
	} while (m.type == XS_WATCH_EVENT);
	return rc ? rc : (int)m.type;
}

static int error_of(const char *name)
{
	if (!strcmp(name, "ENOENT"))
		return -ENOENT;
	if (!strcmp(name, "EACCES"))
		return -EACCES;
	if (!strcmp(name, "EAGAIN"))
		return -EAGAIN;
	return -EINVAL;
}

int xbf_read(const char *path, char *val, unsigned int size)
{
	int t = request(XS_READ, path, NULL, val, size);

	if (t == XS_READ)
		return 0;
	return t == XS_ERROR ? error_of(val) : (t < 0 ? t : -EIO);
}

int xbf_write(const char *path, const char *val)
{
	char out[64];
	int t = request(XS_WRITE, path, val, out, sizeof(out));

	if (t == XS_WRITE)
		return 0;
	return t == XS_ERROR ? error_of(out) : (t < 0 ? t : -EIO);
}

int xbf_rm(const char *path)
{
	char out[64];
	int t = request(XS_RM, path, NULL, out, sizeof(out));

	if (t == XS_RM)
		return 0;
	return t == XS_ERROR ? error_of(out) : (t < 0 ? t : -EIO);
}

long long xbf_read_num(const char *path)
{
	char val[32];
	long long v = 0;
	unsigned int i;
	int rc = xbf_read(path, val, sizeof(val));

	if (rc)
		return rc;
	if (!val[0])
		return -EINVAL;
	for (i = 0; val[i]; i++) {
		if (val[i] < '0' || val[i] > '9' || v > (1LL << 50))
			return -EINVAL;
		v = v * 10 + (val[i] - '0');
	}
	return v;
}

int xbf_wait_state(const char *path, unsigned int mask, unsigned int ms)
{
	uint64_t end = xbf_ms() + ms;

	for (;;) {
		long long s = xbf_read_num(path);

		if (s >= 0 && s < 32 && (mask & (1U << s)))
			return (int)s;
		if (xbf_ms() >= end)
			return -ETIMEDOUT;
		xbf_nap();
	}
}

int xbf_switch(const char *dir, int state)
{
	char path[128], val[4];

	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(val, sizeof(val), "%d", state);
	return xbf_write(path, val);
}

int xbf_close(const char *fe, const char *be, unsigned int ms)
{
	char path[200];
	int s;

	xbf_switch(fe, 5);
	snprintf(path, sizeof(path), "%s/state", be);
	s = xbf_wait_state(path, (1U << 5) | (1U << 6), ms);
	xbf_switch(fe, 6);
	/* The backend lets our rings go when it sees our Closed, then says Closed. */
	if (s >= 0)
		s = xbf_wait_state(path, 1U << 6, ms);
	return s < 0 ? s : 0;
}

void xbf_verdict(const char *node, const char *fmt, ...)
{
	static char text[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	xbf_write(node, text);
	for (;;)
		xbf_nap();
}
