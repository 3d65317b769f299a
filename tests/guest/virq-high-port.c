// SPDX-License-Identifier: GPL-2.0-only
/*
 * virq-high-port: a VIRQ bound to a port past 65535 is raised on that
 * port. On the FIFO ABI with its array grown to 65 pages, dom0 takes
 * ports 1-65536 with alloc_unbound (the allocator gives the lowest free
 * port, on Xen as here), so bind_virq of VIRQ_TIMER gets 65537; a
 * one-shot timer then raises 65537 itself, and port 1 (65537 in 16
 * bits: where a 16-bit copy of the port sent it before the 5 Dec review,
 * security.md) and 65536 stay quiet. The host test
 * unit/event_channel/virq_port_past_16_bits checks the same in the
 * hypervisor's tables; this is the guest's view, on both hypervisors.
 * The 65536 binds take 0.1-0.4 s on Lamina, 2-5 minutes on Xen 4.17 under
 * TCG (its allocator walks every port below the one it gives).
 * @timeout: 400
 * @timeout-smp: 600
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/fifo.h"

#define HIGH_PORT	65537U

static struct fifo fifo;

/*
 * Arms a one-shot timer 1 ms ahead and polls port HIGH_PORT for it (up
 * to 5 s, so an event sent elsewhere fails rather than hangs); true when
 * the consumer then takes the event from that port.
 */
static bool timer_on_high_port(void)
{
	evtchn_port_t want = HIGH_PORT, got[16];
	struct sched_poll poll = { (uint64_t)&want, 1, 0, 0 };
	unsigned int i, n;

	if (hypercall1(__HYPERVISOR_set_timer_op, pvclock_ns() + 1000000))
		return false;
	for (i = 0; i < 5 && !(fifo_peek(&fifo, HIGH_PORT) & FIFO_PENDING); i++) {
		poll.timeout = pvclock_ns() + 1000000000ULL;
		HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
	}
	n = fifo_consume(&fifo, got, ARRAY_SIZE(got));
	for (i = 0; i < n; i++)
		if (got[i] == HIGH_PORT)
			return true;
	return false;
}

int test_main(struct start_info *si)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
	struct evtchn_bind_virq bv = { VIRQ_TIMER, 0, 0 };
	struct evtchn_status st;
	uint64_t t0, t1;
	unsigned int pages;
	long rc;

	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(fifo_init(&fifo, 0, NULL) == 0, "init_control failed");
	for (pages = 0; pages <= HIGH_PORT / EVTCHN_FIFO_WORDS_PER_PAGE; pages++)
		CHECK((rc = fifo_expand(&fifo)) == 0, "expand_array to page %u: %ld", pages, rc);
	CHECK(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0) == 0,
	      "stop_periodic_timer failed");
	t0 = pvclock_ns();
	do
		rc = evtchn_op(EVTCHNOP_alloc_unbound, &au);
	while (rc == 0 && au.port < HIGH_PORT - 1);
	t1 = pvclock_ns();
	CHECK(rc == 0 && au.port == HIGH_PORT - 1, "alloc_unbound stopped at port %u: %ld",
	      au.port, rc);
	CHECK((rc = evtchn_op(EVTCHNOP_bind_virq, &bv)) == 0 && bv.port == HIGH_PORT,
	      "bind_virq VIRQ_TIMER: %ld, port %u", rc, bv.port);
	memset(&st, 0, sizeof(st));
	st.dom = DOMID_SELF;
	st.port = HIGH_PORT;
	CHECK(evtchn_op(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_virq &&
	      st.u.virq == VIRQ_TIMER, "status of port %u: %u", HIGH_PORT, st.status);
	CHECK(fifo_unmask(&fifo, HIGH_PORT) == 0, "unmask of port %u failed", HIGH_PORT);
	CHECK(fifo_unmask(&fifo, 1) == 0 && fifo_unmask(&fifo, HIGH_PORT - 1) == 0,
	      "unmask of ports 1 and %u failed", HIGH_PORT - 1);
	CHECK(timer_on_high_port(), "the timer's event never came on port %u (port 1 %#x)",
	      HIGH_PORT, fifo_peek(&fifo, 1));
	CHECK(!(fifo_peek(&fifo, 1) & FIFO_PENDING), "port 1 raised (%#x)", fifo_peek(&fifo, 1));
	CHECK(!(fifo_peek(&fifo, HIGH_PORT - 1) & FIFO_PENDING), "port %u raised (%#x)",
	      HIGH_PORT - 1, fifo_peek(&fifo, HIGH_PORT - 1));
	/* Once more, the word consumed: the VIRQ stays on its port. */
	CHECK(timer_on_high_port(), "a second timer event never came on port %u", HIGH_PORT);
	CHECK(!(fifo_peek(&fifo, 1) & FIFO_PENDING), "port 1 raised (%#x)", fifo_peek(&fifo, 1));
	printf("VIRQ_TIMER on port %u raised it twice (ports 1-%u taken in %llu ms)\n", HIGH_PORT,
	       HIGH_PORT - 1, (unsigned long long)((t1 - t0) / 1000000));
	return TEST_PASS;
}
