// SPDX-License-Identifier: GPL-2.0-only
/*
 * runstate-pause: the runstates of a paused domain's vCPUs, as Xen 4.17
 * writes them (sched/core.c's vcpu_sleep_nosync_locked and vcpu_wake,
 * common/domain.c's domain pause): a pause makes a vCPU that is runnable
 * and not running offline at once, a running one offline when it is
 * switched out, and leaves a blocked one blocked; an event waking a
 * blocked vCPU while it is paused makes it offline; the last unpause
 * makes an offline vCPU runnable.
 *
 * dom0 builds a peer of two vCPUs (this guest again: lib/peer.c,
 * "@initrd: self") and pins both to its last CPU, so that one waits
 * queued while the other runs (with one CPU dom0 shares it too).
 * VCPUOP_get_runstate_info is the domain's own: the peer reads its
 * vCPUs' runstates before and after each pause and checks them.
 *   0. At its start, the times of each vCPU (vCPU 0 running, vCPU 1 not
 *      yet up) add up to no more than the time since dom0 began to
 *      build it (`t0=` on its command line, at least 1 s after boot):
 *      Xen 4.17 stamps a vCPU offline when it is created. On Lamina
 *      until 7 Dec they counted from the hypervisor's boot (a vCPU's
 *      first state began at time 0), so a domU created later started
 *      with all the host's uptime in time[offline], which Linux's steal
 *      clock (runnable + offline) then took for stolen time.
 *   1. Both spin. dom0 pauses the peer (pausedomain) for PAUSE_NS and
 *      unpauses it, then sends it an event. Each vCPU's time[offline]
 *      grew by the pause at least, its time[runnable] not; vCPU 1,
 *      read by vCPU 0 as soon as it sees the event, is runnable (or
 *      running), not offline. On Lamina until 7 Dec a queued vCPU
 *      read runnable through the pause, and one paused while running
 *      read offline after the unpause until it ran again.
 *   2. vCPU 1 polls a port of its own, vCPU 0 another. dom0 pauses the
 *      peer, sends vCPU 1 its event after HALF_NS, unpauses after
 *      another HALF_NS, then sends vCPU 0 its event. vCPU 1's
 *      time[blocked] grew by the first half (paused, it stayed
 *      blocked), its time[offline] by the second (woken while paused,
 *      it went offline, not runnable), and right after the unpause it
 *      is runnable (or running); vCPU 0, blocked all along, has no
 *      offline time. On Lamina until 7 Dec the wake made it runnable.
 * @initrd: self
 * @timeout: 240
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "lib/domctl.h"
#include "lib/physinfo.h"
#include "lib/smp.h"
#include "lib/wait.h"

#define PEER_MIB	16
#define STACK_SIZE	8192
#define PAUSE_NS	100000000UL	/* phase 1's pause */
#define HALF_NS		50000000UL	/* each half of phase 2's */
/*
 * What a time may fall short of the pause dom0 timed: its clock against
 * the CPU that stamps a change (Xen's CPUs under QEMU were seen 2 ms
 * apart, vcpu-block-down).
 */
#define SLACK_NS	5000000UL

static struct start_info *start;
static char why[VERDICT_LEN];
static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static evtchn_port_t port_v1;			/* the peer's port for vCPU 1 */
static volatile unsigned int v1_phase, v1_in, v1_out;
static volatile bool v1_started;

static const char *const state_names[] = { "running", "runnable", "blocked", "offline" };

static const char *state_name(int s)
{
	return s >= 0 && s < 4 ? state_names[s] : "unreadable";
}

static long runstate(unsigned int id, struct vcpu_runstate_info *rs)
{
	return vcpu_op(VCPUOP_get_runstate_info, id, rs);
}

static int state_of(unsigned int id)
{
	struct vcpu_runstate_info rs;

	return runstate(id, &rs) ? -1 : rs.state;
}

static uint64_t total(const struct vcpu_runstate_info *rs)
{
	return rs->time[0] + rs->time[1] + rs->time[2] + rs->time[3];
}

static long poll_one(evtchn_port_t p)
{
	struct sched_poll poll = { (uint64_t)&p, 1, 0, 0 };

	return HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
}

/* The peer's vCPU 1: spins in phase 1, polls its port in phase 2, then spins. */
static void __attribute__((noreturn)) v1_main(unsigned long id)
{
	volatile struct vcpu_info *vi = &shared->vcpu_info[1];

	(void)id;
	vi->evtchn_upcall_mask = 1;
	v1_started = true;
	while (v1_phase < 2)
		asm volatile("pause");
	port_test_and_clear(port_v1);
	v1_in = 2;
	while (!port_pending(port_v1))
		poll_one(port_v1);
	port_test_and_clear(port_v1);
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	v1_out = 2;
	for (;;)
		asm volatile("pause");
}

/* The peer: until dom0's event on port p, spinning (false after WAIT_CYCLES). */
static bool spin_for(evtchn_port_t p)
{
	uint64_t t = wait_tsc();

	while (!port_pending(p))
		if (!wait_time_left(t))
			return false;
	return true;
}

/* The deltas of one vCPU's times from a to b, checked against a pause at least `paused` long. */
static const char *check_paused(const char *what, unsigned int id, const struct vcpu_runstate_info *a,
				const struct vcpu_runstate_info *b, uint64_t paused)
{
	uint64_t off = b->time[RUNSTATE_offline] - a->time[RUNSTATE_offline];
	uint64_t rbl = b->time[RUNSTATE_runnable] - a->time[RUNSTATE_runnable];
	uint64_t all = total(b) - total(a);

	printf("peer: %s: vCPU %u over %lu us: offline +%lu us, runnable +%lu us, "
	       "running +%lu us, blocked +%lu us\n", what, id, all / 1000, off / 1000, rbl / 1000,
	       (b->time[RUNSTATE_running] - a->time[RUNSTATE_running]) / 1000,
	       (b->time[RUNSTATE_blocked] - a->time[RUNSTATE_blocked]) / 1000);
	BODY_CHECK(off + SLACK_NS >= paused, "%s: vCPU %u's time[offline] grew by %lu us, "
		   "less than the %lu us pause (runnable +%lu us)", what, id, off / 1000,
		   paused / 1000, rbl / 1000);
	BODY_CHECK(rbl + paused <= all + SLACK_NS, "%s: vCPU %u's time[runnable] grew by %lu us "
		   "of %lu us, the %lu us pause in it", what, id, rbl / 1000, all / 1000,
		   paused / 1000);
	return NULL;
}

/* Right after an unpause: vCPU 1 may run (runnable, or running elsewhere). */
static bool may_run(int s)
{
	return s == RUNSTATE_runnable || s == RUNSTATE_running;
}

/* Phase 1: both spin while paused. s: the verdict port, dom0's events. */
static const char *both_spin(evtchn_port_t s)
{
	struct vcpu_runstate_info a[2], b[2];
	const char *bad;
	int st;

	if (runstate(0, &a[0]) || runstate(1, &a[1]))
		return "get_runstate_info failed";
	evtchn_send(s);				/* ready: dom0 pauses us */
	BODY_CHECK(spin_for(s), "phase 1: no event from dom0 after the pause");
	st = state_of(1);			/* first, right after the unpause */
	if (runstate(0, &b[0]) || runstate(1, &b[1]))
		return "get_runstate_info failed";
	port_test_and_clear(s);
	printf("peer: phase 1: vCPU 1 %s after the unpause\n", state_name(st));
	BODY_CHECK(may_run(st), "phase 1: vCPU 1 is %s right after the unpause, not runnable",
		   state_name(st));
	if ((bad = check_paused("phase 1", 0, &a[0], &b[0], PAUSE_NS)) ||
	    (bad = check_paused("phase 1", 1, &a[1], &b[1], PAUSE_NS)))
		return bad;
	return NULL;
}

/* Phase 2: both blocked while paused, vCPU 1 woken in the middle. */
static const char *both_blocked(evtchn_port_t s)
{
	struct vcpu_runstate_info a[2], b[2];
	uint64_t blk, off;
	int st;

	v1_phase = 2;
	BODY_CHECK(WAIT_UNTIL(v1_in == 2 && state_of(1) == RUNSTATE_blocked),
		   "phase 2: vCPU 1 did not block (runstate %s)", state_name(state_of(1)));
	if (runstate(0, &a[0]) || runstate(1, &a[1]))
		return "get_runstate_info failed";
	evtchn_send(s);				/* ready: dom0 pauses us once we block */
	while (!port_pending(s))
		poll_one(s);
	st = state_of(1);
	if (runstate(0, &b[0]) || runstate(1, &b[1]))
		return "get_runstate_info failed";
	port_test_and_clear(s);
	printf("peer: phase 2: vCPU 1 %s after the unpause\n", state_name(st));
	BODY_CHECK(WAIT_UNTIL(v1_out == 2), "phase 2: vCPU 1's poll never returned");
	blk = b[1].time[RUNSTATE_blocked] - a[1].time[RUNSTATE_blocked];
	off = b[1].time[RUNSTATE_offline] - a[1].time[RUNSTATE_offline];
	printf("peer: phase 2: vCPU 1 over %lu us: blocked +%lu us, offline +%lu us, "
	       "runnable +%lu us; vCPU 0 offline +%lu us\n", (total(&b[1]) - total(&a[1])) / 1000,
	       blk / 1000, off / 1000,
	       (b[1].time[RUNSTATE_runnable] - a[1].time[RUNSTATE_runnable]) / 1000,
	       (b[0].time[RUNSTATE_offline] - a[0].time[RUNSTATE_offline]) / 1000);
	BODY_CHECK(may_run(st), "phase 2: vCPU 1 is %s right after the unpause, not runnable",
		   state_name(st));
	BODY_CHECK(blk + SLACK_NS >= HALF_NS, "phase 2: vCPU 1, blocked and paused, was blocked "
		   "%lu us of the %lu us before its event", blk / 1000, HALF_NS / 1000);
	BODY_CHECK(off + SLACK_NS >= HALF_NS, "phase 2: vCPU 1, woken while paused, was offline "
		   "%lu us of the %lu us to the unpause", off / 1000, HALF_NS / 1000);
	BODY_CHECK(b[0].time[RUNSTATE_offline] == a[0].time[RUNSTATE_offline],
		   "phase 2: vCPU 0, blocked through the pause, was offline %lu us",
		   (b[0].time[RUNSTATE_offline] - a[0].time[RUNSTATE_offline]) / 1000);
	return NULL;
}

/* Phase 0: no vCPU's times go back past its creation, after dom0's t0. */
static const char *since_creation(void)
{
	uint64_t t0 = cmdline_number((const char *)start->cmd_line, "t0=", 0), now;
	struct vcpu_runstate_info rs[2];
	unsigned int i;

	BODY_CHECK(t0, "no t0= on the command line: %s", (const char *)start->cmd_line);
	if (runstate(0, &rs[0]) || runstate(1, &rs[1]))
		return "get_runstate_info failed";
	now = pvclock_ns();
	for (i = 0; i < 2; i++) {
		printf("peer: phase 0: vCPU %u %s, times add up to %lu us, %lu us since dom0 "
		       "began to build us\n", i, state_name((int)rs[i].state), total(&rs[i]) / 1000,
		       (now - t0) / 1000);
		BODY_CHECK(total(&rs[i]) <= now - t0 + SLACK_NS, "phase 0: vCPU %u's times add up "
			   "to %lu us, more than the %lu us since dom0 began to build us", i,
			   total(&rs[i]) / 1000, (now - t0) / 1000);
	}
	BODY_CHECK(rs[1].state == RUNSTATE_offline && rs[1].time[RUNSTATE_offline] == total(&rs[1]),
		   "phase 0: vCPU 1, never up, is %s, offline %lu us of %lu", state_name((int)rs[1].state),
		   rs[1].time[RUNSTATE_offline] / 1000, total(&rs[1]) / 1000);
	return NULL;
}

static const char *peer_body(evtchn_port_t s)
{
	struct evtchn_alloc_unbound au = { DOMID_SELF, 0, 0 };
	struct evtchn_bind_vcpu bv = { 0, 1 };
	const char *bad;
	long rc;

	if ((bad = since_creation()))
		return bad;
	if (evtchn_op(EVTCHNOP_alloc_unbound, &au))
		return "no port for vCPU 1";
	port_v1 = bv.port = au.port;
	if ((rc = evtchn_op(EVTCHNOP_bind_vcpu, &bv))) {
		snprintf(why, sizeof(why), "bind_vcpu of port %u to vCPU 1 gave %ld", bv.port, rc);
		return why;
	}
	if ((rc = smp_start_vcpu(start, 1, v1_main, stack1, STACK_SIZE))) {
		snprintf(why, sizeof(why), "starting vCPU 1 gave %ld", rc);
		return why;
	}
	BODY_CHECK(WAIT_UNTIL(v1_started), "vCPU 1 never ran");
	if ((bad = both_spin(s)))
		return bad;
	return both_blocked(s);
}

static int __attribute__((noreturn)) peer(void)
{
	struct verdict v;

	verdict_offer_frame0(&v);		/* port 1, bound by dom0 */
	verdict_send(&v, peer_body(v.port));
}

static char *verdict_buf;		/* dom0: a page of ours for the peer's verdict */

/* dom0: waits for the peer's event on our port p (or its end); 0 or -1. */
static int await_peer(domid_t id, evtchn_port_t p)
{
	uint64_t t = wait_tsc();

	while (!port_test_and_clear(p)) {
		if (verdict_peer_done(id) || !wait_time_left(t))
			return -1;
		verdict_nap();
	}
	return 0;
}

/*
 * dom0: the peer's verdict page, copied into verdict_buf: empty while it
 * runs its checks, its verdict once one failed or all are done (its
 * event on port 1 then was that, not the next step's). 0 or the error.
 */
static long peer_verdict(domid_t id)
{
	long rc = verdict_copy(id, VERDICT_REF, verdict_buf);

	verdict_buf[VERDICT_LEN - 1] = 0;
	return rc;
}

/* dom0: the peer's event on s came; the peer is at its next step, or failed (its verdict). */
static int peer_step(domid_t id, evtchn_port_t s, const char *step)
{
	long rc;

	CHECK(await_peer(id, s) == 0, "the peer never said %s", step);
	CHECK((rc = peer_verdict(id)) == 0, "copying the peer's verdict gave %ld", rc);
	if (verdict_buf[0]) {
		peer_console_flush();
		CHECK(!strcmp(verdict_buf, "ok"), "peer: %s", verdict_buf);
		CHECK(0, "the peer gave its verdict before it said %s", step);
	}
	return TEST_PASS;
}

static long pause_op(domid_t id, uint32_t cmd)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	return domctl_call(&op, cmd, id);
}

/* Until pvclock time `until`, napping 1 ms at a time. */
static void sleep_until(uint64_t until)
{
	while (pvclock_ns() < until)
		verdict_nap();
}

static bool vcpu_blocked(domid_t id, unsigned int vcpu)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.u.getvcpuinfo.vcpu = vcpu;
	return !domctl_call(&op, DOMCTL_getvcpuinfo, id) && op.u.getvcpuinfo.blocked;
}

/* dom0's side of both phases; s: our end of the peer's port 1. */
static int dom0_phases(domid_t id, evtchn_port_t s)
{
	evtchn_port_t q;
	uint64_t t;
	long rc;

	if (peer_step(id, s, "its vCPUs spin") != TEST_PASS)
		return TEST_FAIL;
	CHECK((rc = peer_bind(id, 2, &q)) == 0, "binding the peer's port 2 gave %ld", rc);
	CHECK((rc = pause_op(id, DOMCTL_pausedomain)) == 0, "pausedomain gave %ld", rc);
	t = pvclock_ns();
	sleep_until(t + PAUSE_NS);
	CHECK((rc = pause_op(id, DOMCTL_unpausedomain)) == 0, "unpausedomain gave %ld", rc);
	evtchn_send(s);
	if (peer_step(id, s, "its vCPU 1 blocks") != TEST_PASS)
		return TEST_FAIL;
	CHECK(WAIT_UNTIL(vcpu_blocked(id, 0) && vcpu_blocked(id, 1)),
	      "the peer's vCPUs did not both block");
	CHECK((rc = pause_op(id, DOMCTL_pausedomain)) == 0, "pausedomain gave %ld", rc);
	t = pvclock_ns();
	sleep_until(t + HALF_NS);
	evtchn_send(q);
	t = pvclock_ns();
	sleep_until(t + HALF_NS);
	CHECK((rc = pause_op(id, DOMCTL_unpausedomain)) == 0, "unpausedomain gave %ld", rc);
	evtchn_send(s);
	return TEST_PASS;
}

static int dom0_side(struct start_info *si)
{
	struct sysctl pi;
	unsigned int last;
	evtchn_port_t s;
	char cmdline[48];
	long rc;
	int id;

	verdict_buf = (char *)scratch_page();
	CHECK(physinfo(&pi) == 0, "physinfo failed");
	last = pi.u.physinfo.nr_cpus - 1;
	CHECK(!last || smp_pin_vcpu(0, 0) == 0, "pinning dom0's vCPU 0 failed");
	peer_max_vcpus = 2;
	sleep_until(1000000000UL);	/* phase 0's t0 well past the boot */
	snprintf(cmdline, sizeof(cmdline), "role=peer t0=%lu", pvclock_ns());
	id = peer_build(si, 4096, cmdline, PEER_MIB);
	CHECK(id > 0, "the peer could not be built (%d)", id);
	CHECK(smp_pin_dom_vcpu((domid_t)id, 0, last) == 0 &&
	      smp_pin_dom_vcpu((domid_t)id, 1, last) == 0, "pinning the peer's vCPUs failed");
	CHECK((rc = peer_bind((domid_t)id, 1, &s)) == 0, "binding the peer's port 1 gave %ld", rc);
	evtchn_send(s);				/* the peer's verdict_offer returns */
	if (dom0_phases((domid_t)id, s) != TEST_PASS)
		return TEST_FAIL;
	CHECK(await_peer((domid_t)id, s) == 0, "the peer sent no verdict");
	rc = peer_verdict((domid_t)id);
	evtchn_send(s);				/* the peer powers off */
	CHECK(rc == 0, "copying the peer's verdict gave %ld", rc);
	peer_console_flush();
	CHECK(!strcmp(verdict_buf, "ok"), "peer: %s", verdict_buf);
	return peer_wait_destroy((domid_t)id);
}

int test_main(struct start_info *si)
{
	start = si;
	return peer_or_dom0(si, peer, dom0_side);
}
