// SPDX-License-Identifier: GPL-2.0-only
/*
 * twodom: two domains. The peer (this guest again, as an unprivileged
 * domain: a boot-time domain on Lamina, built by dom0 through lib/peer.c
 * on Xen 4.17) allocates an unbound port for dom0, dom0 binds
 * to it, and they ping-pong ROUNDS events, each side blocking until the
 * other's event wakes it. Then both sleep TIMER_ROUNDS times on one-shot
 * timers set to the same instants, so the scheduler wakes both in one pass
 * while the CPU idles (a vCPU lost from the run queue there would never run
 * again: the peer answers dom0 after its last round). Then the peer spins
 * forever; dom0 still gets the CPU back (yields and a timer), so a spinning
 * domain cannot starve another, and its pvclock stays monotonic across the
 * switches. Last, dom0 tries to starve the spinning peer by the boost a
 * woken vCPU gets (common/sched.c): for BOOST_WINDOW_NS it works in 1 ms
 * stretches, each followed by a 50 us sleep, so that it is woken again
 * and again ahead of the peer; it must still leave the peer a quarter of
 * that time or more: dom0 running three quarters at most (a fair share is
 * about half). Before 23a1243 it failed: each wake preempted the spinner,
 * which went behind the woken one, and dom0 ran 286 ms of 300 (as much as
 * a boost that renewed the slice at every wake gives). Guest time is
 * counted in instructions (@qemu: -icount, 1 ns an instruction), so a
 * loaded host cannot tilt the shares. The shares are those of one CPU:
 * with several (--smp 2, Lamina's sched_spread=1, Xen's credit
 * scheduler) the peer may spin on another CPU and dom0 then runs all the
 * time, so for this last part dom0 pins both vCPUs to CPU 0
 * (setvcpuaffinity, vmctl vcpu-pin's domctl).
 * The peer's module string names it and sizes it ("name=peer mem=16M --").
 * @domus: self:peer:role=peer
 * @qemu: -icount shift=0,sleep=off
 * @expect-log: d1 \(peer\): 16 MiB
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/peer.h"
#include "lib/domctl.h"
#include <lamina/vcpu.h>
#include <lamina/domctl.h>

#define ROUNDS		200
#define TIMER_ROUNDS	100
#define TICK_NS		2000000ULL	/* both sleep until the next multiple */
#define BOOST_WINDOW_NS	300000000ULL

/* Sleeps until the next multiple of TICK_NS of system time. */
static void sleep_to_tick(evtchn_port_t port)
{
	struct vcpu_set_singleshot_timer t = { 0, 0, 0 };

	t.timeout_abs_ns = (pvclock_ns() / TICK_NS + 1) * TICK_NS;
	if (hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, &t) == 0)
		wait_for_port(port);
}

static int peer(void)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };
	struct evtchn_alloc_unbound mine = { DOMID_SELF, DOMID_SELF, 0 };
	evtchn_port_t tp;
	unsigned int i;

	CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0, "alloc_unbound failed");
	/* Port 2: offered to ourselves only, so dom0 may not bind it. */
	CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &mine) == 0 && mine.port == 2,
	      "second alloc_unbound gave port %u", mine.port);
	printf("peer: port %u waits for dom0\n", au.port);
	tp = oneshot_timer_port();
	CHECK(tp, "no timer port");
	for (i = 0; i < ROUNDS; i++) {
		wait_for_port(au.port);
		evtchn_send(au.port);
	}
	for (i = 0; i < TIMER_ROUNDS; i++)
		sleep_to_tick(tp);
	evtchn_send(au.port);
	printf("peer: %u rounds and %u timer rounds done, now spinning forever\n",
	       ROUNDS, TIMER_ROUNDS);
	for (;;)
		asm volatile("" ::: "memory");	/* not pause: QEMU leaves its loop at each one */
}

/* The last part of the comment at the top; the peer spins. */
static int boost_abuse(evtchn_port_t tp, domid_t peer_id)
{
	struct vcpu_runstate_info r0, r1;
	struct vcpu_set_singleshot_timer t = { 0, 0, 0 };
	uint64_t start, end, work, running, span;
	unsigned int sleeps = 0;
	long rc;

	CHECK((rc = domctl_pin_vcpu0(0, 0)) == 0, "pinning dom0's vCPU 0 to CPU 0: %ld", rc);
	CHECK((rc = domctl_pin_vcpu0(peer_id, 0)) == 0, "pinning d%u's vCPU 0 to CPU 0: %ld", peer_id, rc);
	hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);	/* the peer comes over */
	CHECK(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, &r0) == 0,
	      "get_runstate_info failed");
	start = pvclock_ns();
	end = start + BOOST_WINDOW_NS;
	while (pvclock_ns() < end) {
		for (work = pvclock_ns() + 1000000; pvclock_ns() < work; )
			asm volatile("" ::: "memory");	/* not pause: QEMU leaves its loop at each one */
		t.timeout_abs_ns = pvclock_ns() + 50000;
		CHECK(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, &t) == 0,
		      "timer failed");
		wait_for_port(tp);
		sleeps++;
	}
	CHECK(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, &r1) == 0,
	      "get_runstate_info failed");
	span = pvclock_ns() - start;
	running = r1.time[RUNSTATE_running] - r0.time[RUNSTATE_running];
	printf("dom0: %u sleeps in %llu ms beside the spinning peer, running %llu ms, "
	       "runnable %llu ms\n", sleeps, (unsigned long long)span / 1000000,
	       (unsigned long long)running / 1000000,
	       (unsigned long long)(r1.time[RUNSTATE_runnable] - r0.time[RUNSTATE_runnable]) / 1000000);
	CHECK(running <= span / 4 * 3, "the peer was starved: dom0 ran %llu of %llu us",
	      (unsigned long long)running / 1000, (unsigned long long)span / 1000);
	return TEST_PASS;
}

static int dom0_side(struct start_info *si)
{
	int peer_id = peer_start(si, "role=peer", 16);
	struct evtchn_bind_interdomain bi = { (domid_t)peer_id, 0, 1, 0 };
	struct vcpu_set_singleshot_timer t = { 0, 0, 0 };
	evtchn_port_t tp;
	uint64_t prev, now;
	unsigned int i, tries = 0;
	long rc;

	CHECK(peer_id > 0, "the peer domain could not be started (%d)", peer_id);
	/* The peer has not run yet: yield until its port exists. */
	while ((rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi)) == -EINVAL &&
	       peer_wait_more(&tries, 1000))
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
	CHECK(rc == 0, "bind_interdomain to d%d port 1 gave %ld", peer_id, rc);
	{
		struct evtchn_bind_interdomain other = { (domid_t)peer_id, 0, 2, 0 };

		rc = evtchn_op(EVTCHNOP_bind_interdomain, &other);
		CHECK(rc == -EINVAL, "binding d1's port offered to d1 itself gave %ld", rc);
		other.remote_port = 3;
		rc = evtchn_op(EVTCHNOP_bind_interdomain, &other);
		CHECK(rc == -EINVAL, "binding a free port of d1 gave %ld", rc);
		other.remote_port = 1;
		rc = evtchn_op(EVTCHNOP_bind_interdomain, &other);
		CHECK(rc == -EINVAL, "binding d1's port 1 a second time gave %ld", rc);
	}
	port_test_and_clear(bi.local_port);	/* the bind raises it once (§7.1) */
	for (i = 0; i < ROUNDS; i++) {
		CHECK(evtchn_send(bi.local_port) == 0, "send failed in round %u", i);
		wait_for_port(bi.local_port);
	}
	printf("dom0: %u interdomain round trips\n", ROUNDS);

	tp = oneshot_timer_port();
	CHECK(tp, "no timer port");
	for (i = 0; i < TIMER_ROUNDS; i++)
		sleep_to_tick(tp);
	wait_for_port(bi.local_port);	/* the peer's last timer round */
	printf("dom0: %u timer rounds beside the peer's, both woken together\n", TIMER_ROUNDS);

	/* The peer spins now; yields and a timer must still bring us back. */
	prev = pvclock_ns();
	for (i = 0; i < 20; i++) {
		hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
		now = pvclock_ns();
		CHECK(now >= prev, "pvclock went back across a switch");
		prev = now;
	}
	t.timeout_abs_ns = pvclock_ns() + 30000000;
	CHECK(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, &t) == 0,
	      "timer failed");
	wait_for_port(tp);
	CHECK(pvclock_ns() >= t.timeout_abs_ns, "woke before the deadline");
	printf("dom0: ran again beside a spinning domain\n");
	return boost_abuse(tp, (domid_t)peer_id);
}

int test_main(struct start_info *si)
{
	return peer_or_dom0(si, peer, dom0_side);
}
