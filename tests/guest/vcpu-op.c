// SPDX-License-Identifier: GPL-2.0-only
/*
 * vcpu-op: the vCPU operations a PV kernel uses besides the single-shot
 * timer of events.c. is_up; the runstate, read and through a registered
 * area that follows a block; the default 100 Hz ticker, a periodic
 * VIRQ_TIMER (never waking a blocked vCPU) and its stop; stopping
 * a single-shot, the older set_timer_op; VCPU_SSHOTTMR_future; moving
 * vcpu_info. And their errors: a second vCPU, a period under 1 ms, bad
 * pointers, a past deadline with the future flag, a bad vcpu_info offset
 * or frame, a second vcpu_info move.
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include <lamina/domctl.h>

static bool lamina;
static evtchn_port_t timer_port;

static long vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
}

/* Spins (events masked) until system time `until`. */
static void spin_until(uint64_t until)
{
	while (pvclock_ns() < until)
		;
}

/* Spins until the timer port is pending, for up to a second; clears it. */
static bool spin_for_tick(void)
{
	uint64_t end = pvclock_ns() + 1000000000;

	while (!port_test_and_clear(timer_port))
		if (pvclock_ns() > end)
			return false;
	return true;
}

static int runstate(void)
{
	static struct vcpu_runstate_info area;
	struct vcpu_register_runstate_memory_area reg = { (uint64_t)&area };
	struct vcpu_runstate_info info;
	struct vcpu_set_singleshot_timer t = { 0, 0, 0 };
	uint64_t blocked;
	unsigned int tries;

	CHECK(vcpu_op(VCPUOP_is_up, 0, NULL) == 1, "vCPU 0 not up");
	CHECK(vcpu_op(VCPUOP_is_up, 1, NULL) < 0, "a second vCPU reported");
	CHECK(vcpu_op(VCPUOP_get_runstate_info, 0, &info) == 0, "get_runstate_info failed");
	CHECK(info.state == RUNSTATE_running, "runstate %d while running", info.state);
	CHECK(info.time[RUNSTATE_running] > 0, "no running time");
	CHECK((info.state_entry_time & ~XEN_RUNSTATE_UPDATE) <= pvclock_ns(),
	      "the state began in the future");
	CHECK(vcpu_op(VCPUOP_get_runstate_info, 0, (void *)8) == -EFAULT,
	      "get_runstate_info to a bad pointer did not fault");
	CHECK(vcpu_op(VCPUOP_get_runstate_info, 0, (void *)0xffff800000000000ULL) == -EFAULT,
	      "get_runstate_info into the hypervisor did not fault");

	CHECK(vcpu_op(VCPUOP_register_runstate_memory_area, 0, &reg) == 0,
	      "register_runstate_memory_area failed");
	CHECK(area.state == RUNSTATE_running && area.state_entry_time,
	      "the area was not written when registered");
	/*
	 * Block ~5 ms. On a loaded host TCG can spend the 5 ms before the
	 * guest reaches its block (QEMU's thread descheduled, before or after
	 * the check below); then the event is already there, nothing
	 * blocks, and the measurement says nothing: try again, up to 8 times.
	 */
	for (tries = 0;; tries++) {
		bool late;

		blocked = area.time[RUNSTATE_blocked];
		t.timeout_abs_ns = pvclock_ns() + 5000000;
		CHECK(vcpu_op(VCPUOP_set_singleshot_timer, 0, &t) == 0,
		      "set_singleshot_timer failed");
		late = pvclock_ns() + 2000000 > t.timeout_abs_ns;
		wait_for_port(timer_port);
		if ((!late && area.time[RUNSTATE_blocked] >= blocked + 1000000) || tries == 7)
			break;
	}
	CHECK(area.state == RUNSTATE_running, "area state %d after the block", area.state);
	CHECK(area.time[RUNSTATE_blocked] >= blocked + 1000000,
	      "the area shows %lu ns blocked, was %lu before a 5 ms block",
	      (unsigned long)area.time[RUNSTATE_blocked], (unsigned long)blocked);
	reg.addr = 0;				/* stop the updates */
	CHECK(vcpu_op(VCPUOP_register_runstate_memory_area, 0, &reg) == 0,
	      "unregistering the runstate area failed");
	return TEST_PASS;
}

static int timers(void)
{
	struct vcpu_set_periodic_timer per = { 500000 };
	struct vcpu_set_singleshot_timer t = { 0, 0, 0 };
	uint64_t start, first;
	long rc;

	/*
	 * Periodic: under 1 ms refused; 5 ms fires again and again (while the
	 * vCPU runs: Xen stops it while the vCPU is blocked, so spin; its first
	 * tick may come at once); stop stops.
	 */
	CHECK(vcpu_op(VCPUOP_set_periodic_timer, 0, &per) == -EINVAL, "a 0.5 ms period accepted");
	CHECK(vcpu_op(VCPUOP_set_periodic_timer, 0, (void *)8) == -EFAULT,
	      "a bad period pointer did not fault");
	per.period_ns = (1ULL << 62) + 1;	/* over Xen's STIME_DELTA_MAX, 2^62 - 1 */
	CHECK(vcpu_op(VCPUOP_set_periodic_timer, 0, &per) == -EINVAL, "a period over 2^62 ns accepted");
	per.period_ns = 5000000;
	start = pvclock_ns();
	CHECK(vcpu_op(VCPUOP_set_periodic_timer, 0, &per) == 0, "set_periodic_timer failed");
	CHECK(spin_for_tick(), "no first periodic tick in a second");
	first = pvclock_ns();
	CHECK(spin_for_tick(), "no second periodic tick in a second");
	CHECK(pvclock_ns() >= start + per.period_ns,
	      "periodic ticks at +%lu and +%lu us, period 5000 us",
	      (unsigned long)(first - start) / 1000, (unsigned long)(pvclock_ns() - start) / 1000);
	CHECK(vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL) == 0, "stop_periodic_timer failed");
	port_test_and_clear(timer_port);
	spin_until(pvclock_ns() + 20000000);
	CHECK(!port_pending(timer_port), "VIRQ_TIMER after stop_periodic_timer");

	/* A stopped single-shot never fires. */
	t.timeout_abs_ns = pvclock_ns() + 5000000;
	CHECK(vcpu_op(VCPUOP_set_singleshot_timer, 0, &t) == 0, "set_singleshot_timer failed");
	CHECK(vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL) == 0, "stop_singleshot_timer failed");
	spin_until(t.timeout_abs_ns + 10000000);
	CHECK(!port_pending(timer_port), "a stopped single-shot fired");

	/*
	 * The future flag is ignored (Debian's Xen 4.17 and Lamina; Xen 4.17.0
	 * refused a past deadline with -ETIME): a past deadline fires at once.
	 */
	t.timeout_abs_ns = pvclock_ns() - 1000;
	t.flags = VCPU_SSHOTTMR_future;
	rc = vcpu_op(VCPUOP_set_singleshot_timer, 0, &t);
	CHECK(rc == 0, "a past deadline with VCPU_SSHOTTMR_future gave %ld, not 0", rc);
	CHECK(port_test_and_clear(timer_port), "a past single-shot did not fire at once");
	CHECK(vcpu_op(VCPUOP_set_singleshot_timer, 0, (void *)8) == -EFAULT,
	      "a bad single-shot pointer did not fault");

	/* set_timer_op: the same timer by absolute time; 0 cancels it. */
	t.timeout_abs_ns = pvclock_ns() + 5000000;
	CHECK(hypercall1(__HYPERVISOR_set_timer_op, t.timeout_abs_ns) == 0, "set_timer_op failed");
	CHECK(hypercall1(__HYPERVISOR_set_timer_op, 0) == 0, "set_timer_op(0) failed");
	spin_until(t.timeout_abs_ns + 10000000);
	CHECK(!port_pending(timer_port), "a cancelled set_timer_op fired");
	start = pvclock_ns();
	CHECK(hypercall1(__HYPERVISOR_set_timer_op, start + 5000000) == 0, "set_timer_op failed");
	wait_for_port(timer_port);
	CHECK(pvclock_ns() >= start + 5000000, "set_timer_op fired %lu us early",
	      (unsigned long)(start + 5000000 - pvclock_ns()) / 1000);
	return TEST_PASS;
}

/* Last: the library's event callback keeps using shared_info's vcpu_info. */
/*
 * A time record whose version the guest itself left odd: the next update
 * (register_vcpu_time_memory_area makes one at once, on Xen too) must end
 * even, as Xen's does ((version + 1) | 1 while writing), or a reader
 * waiting for an even version spins for ever. Then the wall clock's, by
 * settimeoffset on ourselves (dom0; the offset stays 0).
 */
static int odd_version(void)
{
	volatile struct vcpu_time_info *t = &shared->vcpu_info[0].time;
	struct vcpu_register_runstate_memory_area area = { 0 };	/* the time area's layout too */
	struct domctl dc;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		t->version = i ? 0xFFFFFFFF : 7;	/* odd, and odd at the wrap */
		CHECK(vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &area) == 0,
		      "register_vcpu_time_memory_area(0) failed");
		CHECK(!(t->version & 1), "the time record's version left odd (%#x) stays odd "
		      "after an update: %#x", i ? 0xFFFFFFFFU : 7U, t->version);
	}
	CHECK(pvclock_ns() > 0, "no system time");
	shared->wc_version = 9;
	memset(&dc, 0, sizeof(dc));
	dc.cmd = DOMCTL_settimeoffset;
	dc.interface_version = DOMCTL_INTERFACE_VERSION;
	dc.domain = 0;		/* we are dom0 */
	CHECK(hypercall1(__HYPERVISOR_domctl, &dc) == 0, "settimeoffset(0) on ourselves failed");
	CHECK(!(shared->wc_version & 1), "the wall clock's version left odd (9) stays odd "
	      "after an update: %#x", shared->wc_version);
	return 0;
}

static int move_vcpu_info(void)
{
	struct vcpu_register_vcpu_info r = { 0, 0, 0 };
	uint64_t va = scratch_page();
	struct vcpu_info *vi;
	long rc;

	r.mfn = va_to_mfn(va);
	r.offset = 4;				/* misaligned */
	rc = vcpu_op(VCPUOP_register_vcpu_info, 0, &r);
	CHECK(lamina ? rc == -ENXIO : rc < 0, "offset 4 gave %ld", rc);
	r.offset = 4096 - 8;			/* runs off the page */
	rc = vcpu_op(VCPUOP_register_vcpu_info, 0, &r);
	CHECK(lamina ? rc == -ENXIO : rc < 0, "offset 4088 gave %ld", rc);
	r.offset = 64;
	r.mfn = 0;				/* not ours */
	CHECK(vcpu_op(VCPUOP_register_vcpu_info, 0, &r) < 0, "someone else's frame accepted");
	CHECK(vcpu_op(VCPUOP_register_vcpu_info, 0, (void *)8) == -EFAULT,
	      "a bad vcpu_info pointer did not fault");
	CHECK(vcpu_op(VCPUOP_register_vcpu_info, 1, &r) < 0, "vcpu_info for a second vCPU accepted");

	r.mfn = va_to_mfn(va);
	CHECK(vcpu_op(VCPUOP_register_vcpu_info, 0, &r) == 0, "register_vcpu_info failed");
	vi = (struct vcpu_info *)(va + 64);
	CHECK(vi->evtchn_upcall_pending == 1 && vi->evtchn_pending_sel == ~0ULL,
	      "the moved vcpu_info does not ask for a scan (pending %u, sel %lx)",
	      vi->evtchn_upcall_pending, (unsigned long)vi->evtchn_pending_sel);
	CHECK(vi->evtchn_upcall_mask == 1, "the event mask was not carried over");
	CHECK(!(vi->time.version & 1) && vi->time.system_time > 0 && vi->time.tsc_to_system_mul,
	      "no pvclock in the moved vcpu_info");
	CHECK(vcpu_op(VCPUOP_register_vcpu_info, 0, &r) == -EINVAL, "a second move accepted");
	return TEST_PASS;
}

/*
 * Every vCPU starts with a 10 ms periodic timer (Xen's default for PV):
 * spinning with events masked, VIRQ_TIMER comes. Called before anything
 * stops it. Up to 300 ms: QEMU raises the APIC timer from its main-loop
 * thread, which a loaded host can leave unscheduled for tens of ms while
 * the vCPU thread spins (seen at -smp 2 with a 30 ms limit).
 */
static int default_ticker(void)
{
	uint64_t end;
	bool ticked = false;

	port_test_and_clear(timer_port);
	end = pvclock_ns() + 300000000;
	while (!ticked && pvclock_ns() < end)
		ticked = port_test_and_clear(timer_port);
	CHECK(ticked || port_test_and_clear(timer_port),
	      "no VIRQ_TIMER in 300 ms from the default 100 Hz ticker");
	return TEST_PASS;
}

/*
 * The periodic timer runs only while its vCPU runs: polling the timer's
 * own port for 50 ms with a 10 ms period, the vCPU is not woken by it
 * (Xen stops it while the vCPU is switched out), and the tick it missed
 * is raised at once when the poll's timeout wakes it.
 */
static int periodic_while_blocked(void)
{
	struct vcpu_set_periodic_timer per = { 10000000 };
	evtchn_port_t port = timer_port;
	struct sched_poll p = { (uint64_t)&port, 1, 0, 0 };
	uint64_t start;

	CHECK(vcpu_op(VCPUOP_set_periodic_timer, 0, &per) == 0, "set_periodic_timer failed");
	CHECK(spin_for_tick(), "no periodic tick in a second");
	start = pvclock_ns();
	p.timeout = start + 50000000;
	CHECK(hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, &p) == 0, "SCHEDOP_poll failed");
	CHECK(pvclock_ns() >= p.timeout, "the periodic timer woke a blocked vCPU after %lu us",
	      (unsigned long)(pvclock_ns() - start) / 1000);
	CHECK(port_test_and_clear(timer_port), "no overdue tick when the vCPU ran again");
	CHECK(vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL) == 0, "stop_periodic_timer failed");
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	struct evtchn_bind_virq bv = { VIRQ_TIMER, 0, 0 };

	lamina = on_lamina();
	CHECK(events_init(si) == 0, "events_init failed");
	CHECK(evtchn_op(EVTCHNOP_bind_virq, &bv) == 0, "bind_virq(TIMER) failed");
	timer_port = bv.port;
	if (default_ticker() || periodic_while_blocked())
		return TEST_FAIL;
	CHECK(vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL) == 0, "stop_periodic_timer failed");
	port_test_and_clear(timer_port);
	if (runstate() || timers() || odd_version() || move_vcpu_info())
		return TEST_FAIL;
	printf("vcpu-op: runstate, timers and vcpu_info behave, bad input refused\n");
	return TEST_PASS;
}
