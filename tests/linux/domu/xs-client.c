// SPDX-License-Identifier: GPL-2.0-only
/*
 * xs-client: a boot-time domU that talks to xenstored in Linux dom0 over
 * its own store ring (start_info store_mfn/store_evtchn), the way a PV
 * kernel's xenbus does, for the linux/domu-xenstore check of make
 * test-linux (tests/linux/dom0/run).
 *
 * It waits until dom0 introduces it (its first request sits in the ring;
 * xenstored finds it when it binds the port, whose first event the
 * hypervisor raises then; at every tenth wake-up without a reply it
 * notifies the port again), then writes
 * data/hello = world under its own /local/domain/<id> (a relative path),
 * reads it back, reads the name the toolstack gave it, is refused a read
 * of a dom0 node, and writes what it saw to data/result, which dom0 reads.
 * It prints nothing (its console would mix with dom0's shell on the
 * serial line) unless something fails, and then waits for ever.
 */
#include "../../guest/lib/guest.h"
#include "../../guest/lib/events.h"
#include "../../guest/lib/mm.h"
#include "../../guest/lib/peer.h"
#include <lamina/io/xs_wire.h>

#define WAIT_NAPS	30000	/* wake-ups without a reply before giving up */

static volatile struct xenstore_domain_interface *ring;
static evtchn_port_t store_port, timer_port;
static uint32_t next_req = 1;

/*
 * Clears both ports' pending bits; the caller then looks at the ring again
 * before it naps. Under the 2-level ABI (Xen's and ours) an event raises an
 * upcall and wakes a blocked vCPU only when it sets its port's bit from 0
 * to 1, and our upcall handler clears upcall_pending and the selector but
 * not the ports. A bit left set across a block is deaf: the next
 * notification on that port wakes nothing. It was left set when dom0's
 * reply came after the ring was looked at and the bits were cleared (the
 * reply was read, but its bit stayed set), so the next request's reply
 * never woke the domU (seen under host load: store port pending, selector
 * and upcall_pending 0, blocked for ever).
 */
static void clear_events(void)
{
	port_test_and_clear(timer_port);
	port_test_and_clear(store_port);
}

/*
 * Sleeps until an event: a reply, dom0 binding the port, or a tick of the
 * 10 ms periodic timer (which ticks only while the vCPU runs, as on Xen:
 * it wakes no blocked vCPU). Callers clear_events() and look at the ring
 * first.
 */
static void nap(void)
{
	hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
}

static void put_bytes(const void *src, uint32_t len)
{
	const char *s = src;

	while (len) {
		uint32_t prod = ring->req_prod;

		if (prod - ring->req_cons >= XENSTORE_RING_SIZE) {
			clear_events();
			evtchn_send(store_port);
			if (prod - ring->req_cons >= XENSTORE_RING_SIZE)
				nap();
			continue;
		}
		ring->req[MASK_XENSTORE_IDX(prod)] = *s++;
		__atomic_store_n(&ring->req_prod, prod + 1, __ATOMIC_RELEASE);
		len--;
	}
}

/* Waits for n reply bytes; false after WAIT_NAPS naps without them. */
static bool get_bytes(void *dst, uint32_t n)
{
	char *d = dst;
	unsigned int naps = 0;

	while (n) {
		uint32_t cons = ring->rsp_cons;

		if (__atomic_load_n(&ring->rsp_prod, __ATOMIC_ACQUIRE) == cons) {
			if (naps > WAIT_NAPS)
				return false;
			clear_events();
			if (!(++naps % 10))
				evtchn_send(store_port);	/* the daemon may be new */
			if (__atomic_load_n(&ring->rsp_prod, __ATOMIC_ACQUIRE) == cons)
				nap();
			continue;
		}
		*d++ = ring->rsp[MASK_XENSTORE_IDX(cons)];
		__atomic_store_n(&ring->rsp_cons, cons + 1, __ATOMIC_RELEASE);
		n--;
	}
	evtchn_send(store_port);	/* room again */
	return true;
}

/*
 * One request: "a\0" or "a\0b" payloads. Returns the reply type (XS_ERROR
 * for an error, its name in out) or -1 when no reply came.
 */
static int request(uint32_t type, const char *a, const char *b, char *out, uint32_t size)
{
	struct xsd_sockmsg m = { type, next_req++, 0, (uint32_t)strlen(a) + 1 };

	if (b)
		m.len += strlen(b);
	put_bytes(&m, sizeof(m));
	put_bytes(a, strlen(a) + 1);
	if (b)
		put_bytes(b, strlen(b));
	evtchn_send(store_port);
	if (!get_bytes(&m, sizeof(m)) || m.len >= size)
		return -1;
	if (!get_bytes(out, m.len))
		return -1;
	out[m.len] = '\0';
	return (int)m.type;
}

int test_main(struct start_info *si)
{
	struct evtchn_bind_virq bv = { VIRQ_TIMER, 0, 0 };
	struct vcpu_set_periodic_timer period = { 10000000ULL };
	char val[256], name[64], result[400];
	int t;

	mm_init(si);
	console_page = NULL;	/* print with console_io: dom0 reads no console ring here */
	if (events_init(si) || evtchn_op(EVTCHNOP_bind_virq, &bv))
		return fail("no events");
	timer_port = bv.port;
	if (hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, &period))
		return fail("no periodic timer");
	if (!si->store_mfn || !si->store_evtchn)
		return fail("no xenstore ring in start_info (built with rings=off?)");
	ring = (volatile struct xenstore_domain_interface *)mfn_to_va(si->store_mfn);
	store_port = si->store_evtchn;

	t = request(XS_WRITE, "data/hello", "world", val, sizeof(val));
	if (t != XS_WRITE)
		return fail("write data/hello: reply %d %s", t, t == XS_ERROR ? val : "");
	t = request(XS_READ, "data/hello", NULL, val, sizeof(val));
	if (t != XS_READ || strcmp(val, "world"))
		return fail("read data/hello: reply %d '%s'", t, val);
	t = request(XS_READ, "name", NULL, name, sizeof(name));
	if (t != XS_READ)
		return fail("read name: reply %d %s", t, name);
	t = request(XS_READ, "/local/domain/0/control/feature-poweroff", NULL, val, sizeof(val));
	if (t != XS_ERROR)
		return fail("a dom0 node was readable: reply %d '%s'", t, val);
	snprintf(result, sizeof(result), "hello=world name=%s dom0-node=%s", name, val);
	t = request(XS_WRITE, "data/result", result, val, sizeof(val));
	if (t != XS_WRITE)
		return fail("write data/result: reply %d %s", t, val);
	for (;;)
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
}
