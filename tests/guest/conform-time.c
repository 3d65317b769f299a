// SPDX-License-Identifier: GPL-2.0-only
/*
 * conform-time: the time record (vcpu_time_info) as Xen 4.17 keeps it.
 * Xen rewrites the record of the vCPU each CPU runs about once a second
 * (its time calibration) besides at each switch-in, so a vCPU that only
 * spins sees it change, and a record the guest scribbled over (as a
 * hypercall page written on its shared_info would) is made whole again
 * within a second or so even if the vCPU never blocks nor is switched.
 * Checked here, with spins bounded by a clock kept from a copy of the
 * record (never the live one, which may be garbage meanwhile):
 *   - while vCPU 0 spins alone 3.5 s, its record is rewritten at least
 *     twice, each time even, with the same multiplier, and the time it
 *     gives never goes back nor jumps from the copy's;
 *   - a record overwritten with 0xcc bytes (an even version), and one
 *     zeroed but for an odd version, are rewritten within 3 s while the
 *     vCPU spins, and at once when it comes back from a block;
 *   - the flags (PVCLOCK_TSC_STABLE_BIT: Xen sets it only when its clock
 *     source is the TSC; Lamina's always is, docs/conformance.md);
 *   - SCHEDOP_poll and set_timer_op with a deadline already past: 0, and
 *     the timer event at once;
 *   - with vCPU 1 up (on the other CPU at --smp 2), its record is
 *     rewritten while it spins too, and with PVCLOCK_TSC_STABLE_BIT set
 *     a time vCPU 1 read and published is never later than the time
 *     vCPU 0 reads after seeing it (without it, as on Xen, it may be);
 *   - vCPU 1 sets a single-shot 100 ms ahead and goes down: the timer
 *     still falls due (VIRQ_TIMER pending while it is down), and it is
 *     there when the vCPU is brought up again;
 *   - dom0's settimeoffset on itself moves its wall clock at once;
 *   - get_runstate_info of vCPU 1 while it is blocked: its times grow
 *     with the time between two reads, as Xen adds the current state's
 *     time so far whatever the state.
 * The vCPU 0 checks and the wall clock's fields run first in a domU
 * (booted beside dom0, its verdict sent to dom0), then in dom0.
 * @hvargs: dom0_max_vcpus=2
 * @domus: self:peer:role=peer
 * @timeout-smp: 150
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/smp.h"
#include "lib/physinfo.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"
#include "conform.h"
#include <lamina/vcpu.h>

#define NS_PER_SEC	1000000000ULL

static uint8_t stack1[8192] __attribute__((aligned(16)));
static volatile bool started, stop, stopped;
static volatile uint64_t published;		/* vCPU 1's last clock read */
static volatile unsigned long v1_changes, v1_reads;
static evtchn_port_t timer_port, v1_port;	/* VIRQ_TIMER of vCPUs 0 and 1 */
static volatile long v1_sshot_rc = 1, v1_down_rc = 1;
static volatile uint64_t v1_down_at;
static volatile bool v1_back, v1_pending_up;

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* The time a record gives at TSC value tsc (the pvclock formula). */
static uint64_t record_ns(const struct vcpu_time_info *t, uint64_t tsc)
{
	uint64_t delta = tsc - t->tsc_timestamp;

	delta = t->tsc_shift >= 0 ? delta << t->tsc_shift : delta >> -t->tsc_shift;
	return t->system_time + (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
}

/*
 * A consistent copy of a live record (the version protocol), or false
 * when none came in `tries` attempts (a record left odd).
 */
static bool record_copy(volatile struct vcpu_time_info *live, struct vcpu_time_info *copy,
			unsigned int tries)
{
	uint32_t v;

	while (tries--) {
		v = __atomic_load_n(&live->version, __ATOMIC_ACQUIRE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		copy->version = v;
		copy->tsc_timestamp = live->tsc_timestamp;
		copy->system_time = live->system_time;
		copy->tsc_to_system_mul = live->tsc_to_system_mul;
		copy->tsc_shift = live->tsc_shift;
		copy->flags = live->flags;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (!(v & 1) && v == __atomic_load_n(&live->version, __ATOMIC_ACQUIRE))
			return true;
	}
	return false;
}

/* The guest's own clock: a copy of vCPU 0's record taken while it was whole. */
static struct vcpu_time_info ref;

static uint64_t ref_ns(void)
{
	return record_ns(&ref, rdtsc());
}

static uint64_t max_skew;	/* the largest |live - ref| record_whole saw */

/*
 * Whether the live record is whole and agrees with ref's clock within
 * 10 ms. Xen recalibrates the multiplier each second where the TSC is
 * not known constant (QEMU's CPU models), so the two clocks drift apart a
 * little; a scribbled record is off by far more.
 */
static bool record_whole(volatile struct vcpu_time_info *live)
{
	struct vcpu_time_info c;
	uint64_t now, mine, skew;

	if (!record_copy(live, &c, 1) || !c.tsc_to_system_mul)
		return false;
	now = rdtsc();
	mine = record_ns(&c, now);
	now = record_ns(&ref, now);
	skew = mine > now ? mine - now : now - mine;
	if (skew >= 10000000)
		return false;
	if (skew > max_skew)
		max_skew = skew;
	return true;
}

/*
 * vCPU 0 spins alone for 3.5 s of ref's clock: the record changes (its
 * version moves) at least twice, and at each change it is whole and the
 * time never went back.
 */
static int spin_rewrites(void)
{
	volatile struct vcpu_time_info *live = &shared->vcpu_info[0].time;
	uint64_t end = ref_ns() + 3500000000ULL, last = 0, t, first_ns = 0;
	uint32_t ver = live->version;
	unsigned int changes = 0, mul_changes = 0;
	struct vcpu_time_info c;

	while (ref_ns() < end) {
		if (!record_copy(live, &c, 1000))
			return fail("the time record stayed odd (%#x)", live->version);
		t = record_ns(&c, rdtsc());
		CHECK(t >= last, "time went back %llu ns at a rewrite",
		      (unsigned long long)(last - t));
		last = t;
		if (c.version != ver) {
			if (!changes++)
				first_ns = t;
			ver = c.version;
			CHECK(record_whole(live), "a rewritten record gives another time (mul %u shift %d"
			      " system_time %llu, was mul %u shift %d)", c.tsc_to_system_mul,
			      c.tsc_shift, (unsigned long long)c.system_time, ref.tsc_to_system_mul,
			      ref.tsc_shift);
			if (c.tsc_to_system_mul != ref.tsc_to_system_mul)
				mul_changes++;
		}
	}
	printf("vCPU 0 spinning 3.5 s: the record was rewritten %u times (first after %llu ms)"
	       ", version now %u, %u times with another multiplier, at most %llu ns from the"
	       " first record's clock\n", changes,
	       (unsigned long long)(changes ? (first_ns - (end - 3500000000ULL)) / 1000000 : 0),
	       ver, mul_changes, (unsigned long long)max_skew);
	CHECK(changes >= 2, "the record of a spinning vCPU was rewritten %u times in 3.5 s",
	      changes);
	return TEST_PASS;
}

/* Overwrites vCPU 0's record as a stray write would. */
static void scribble(bool odd)
{
	volatile uint8_t *p = (volatile uint8_t *)&shared->vcpu_info[0].time;
	unsigned int i;

	for (i = 0; i < sizeof(struct vcpu_time_info); i++)
		p[i] = odd ? 0 : 0xcc;
	if (odd)
		shared->vcpu_info[0].time.version = 0x11;
}

/* Spins up to `limit` ns of ref's clock for the record to be whole: ns taken, or ~0. */
static uint64_t wait_whole(uint64_t limit)
{
	uint64_t start = ref_ns(), now;

	do {
		if (record_whole(&shared->vcpu_info[0].time))
			return ref_ns() - start;
		now = ref_ns();
	} while (now - start < limit);
	return ~0ULL;
}

static int recover(void)
{
	struct vcpu_set_singleshot_timer st = { 0, 0, 0 };
	static const char *const kind[2] = { "0xcc bytes", "zeroes, version odd" };
	unsigned int odd;
	uint64_t took;

	for (odd = 0; odd < 2; odd++) {
		scribble(odd);
		took = wait_whole(3 * NS_PER_SEC);
		CHECK(took != ~0ULL, "a record overwritten with %s stayed so 3 s while spinning",
		      kind[odd]);
		printf("a record overwritten with %s was rewritten after %llu ms of spinning\n",
		       kind[odd], (unsigned long long)took / 1000000);
	}
	for (odd = 0; odd < 2; odd++) {
		scribble(odd);
		st.timeout_abs_ns = ref_ns() + 20000000;
		CHECK(vcpu_op(VCPUOP_set_singleshot_timer, 0, &st) == 0, "set_singleshot_timer failed");
		wait_for_port(timer_port);
		CHECK(record_whole(&shared->vcpu_info[0].time),
		      "a record overwritten with %s not rewritten when the vCPU came back from a block",
		      kind[odd]);
	}
	return TEST_PASS;
}

/* The past-deadline rows: 0, and VIRQ_TIMER at once (within 10 ms). */
static bool timer_now(void)
{
	uint64_t end = ref_ns() + 10000000;

	while (!port_test_and_clear(timer_port))
		if (ref_ns() > end)
			return false;
	return true;
}

/*
 * The rows time the calls by the guest's clock, which a loaded host
 * stretches (QEMU's thread descheduled; no -icount here: the test needs
 * two CPUs). So each is tried up to five times and the best kept: an
 * answer that waits for a later tick (the 1 s rewrite, the slice) fails
 * every try; a host stall does not hit five in a row.
 */
#define PAST_TRIES	5

static void past_rows(void)
{
	evtchn_port_t port = timer_port;
	struct sched_poll poll = { (uint64_t)&port, 1, 0, 0 };
	uint64_t start, took = ~0ULL;
	long poll_rc = 0, timer_rc = 0;
	bool at_once = false;

	for (int i = 0; i < PAST_TRIES && took >= 100000000; i++) {
		port_test_and_clear(timer_port);
		poll.timeout = ref_ns() - 1000000;
		start = ref_ns();
		poll_rc = HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
		if (ref_ns() - start < took)
			took = ref_ns() - start;
		if (poll_rc)
			break;
	}
	ROW("SCHEDOP_poll, a timeout 1 ms past", poll_rc, 0);
	ROW("SCHEDOP_poll, a timeout 1 ms past: back within 100 ms", took < 100000000, 1);
	for (int i = 0; i < PAST_TRIES && !at_once && !timer_rc; i++) {
		port_test_and_clear(timer_port);
		timer_rc = hypercall1(__HYPERVISOR_set_timer_op, ref_ns() - 1000000);
		at_once = !timer_rc && timer_now();
	}
	ROW("set_timer_op 1 ms past", timer_rc, 0);
	ROW("set_timer_op 1 ms past: VIRQ_TIMER at once", at_once, 1);
}

static void vcpu1(unsigned long id)
{
	volatile struct vcpu_time_info *live = &shared->vcpu_info[1].time;
	struct vcpu_time_info c;
	struct vcpu_set_singleshot_timer st = { 0, 0, 0 };
	uint32_t ver = live->version;

	(void)id;
	started = true;
	while (!stop) {
		if (!record_copy(live, &c, 1000))
			continue;
		__atomic_store_n(&published, record_ns(&c, rdtsc()), __ATOMIC_RELEASE);
		v1_reads++;
		if (c.version != ver) {
			v1_changes++;
			ver = c.version;
		}
	}
	/* A single-shot 100 ms ahead, then down: does it fire while the vCPU is down? */
	vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL);
	port_test_and_clear(v1_port);
	st.timeout_abs_ns = ref_ns() + 100000000;
	v1_sshot_rc = vcpu_op(VCPUOP_set_singleshot_timer, 1, &st);
	v1_down_at = ref_ns();
	stopped = true;
	v1_down_rc = vcpu_op(VCPUOP_down, 1, NULL);
	v1_pending_up = port_test_and_clear(v1_port);
	/* vCPU 1 has no event callback: no upcall from the block below. */
	shared->vcpu_info[1].evtchn_pending_sel = 0;
	shared->vcpu_info[1].evtchn_upcall_pending = 0;
	__atomic_store_n(&v1_back, true, __ATOMIC_RELEASE);
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

static uint64_t runstate_sum(const struct vcpu_runstate_info *r)
{
	return r->time[0] + r->time[1] + r->time[2] + r->time[3];
}

static int two_vcpus(struct start_info *si, bool one_cpu)
{
	volatile struct vcpu_time_info *live = &shared->vcpu_info[0].time;
	uint64_t end, p, mine, back = 0, checks = 0, t1, t2, t3, t4, grew;
	struct vcpu_runstate_info r1, r2;
	struct vcpu_time_info c;
	long rc;

	struct evtchn_bind_virq bv = { VIRQ_TIMER, 1, 0 };

	CHECK(evtchn_op(EVTCHNOP_bind_virq, &bv) == 0, "bind_virq(VIRQ_TIMER, vCPU 1) failed");
	v1_port = bv.port;
	rc = smp_start_pinned(si, vcpu1, stack1, sizeof(stack1), &started, one_cpu);
	CHECK(rc == 0, "starting and pinning vCPU 1 gave %ld", rc);
	end = ref_ns() + 2500000000ULL;
	while (ref_ns() < end) {
		p = __atomic_load_n(&published, __ATOMIC_ACQUIRE);
		if (!record_copy(live, &c, 1000))
			return fail("vCPU 0's record stayed odd");
		mine = record_ns(&c, rdtsc());
		if (p > mine && p - mine > back)
			back = p - mine;
		checks++;
		if (one_cpu && !(checks & 0xfff))
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	stop = true;
	while (!stopped)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	printf("vCPU 1 read its clock %lu times in 2.5 s, its record rewritten %lu times; "
	       "vCPU 0 read after vCPU 1 %llu times, at most %llu ns earlier\n", v1_reads,
	       v1_changes, (unsigned long long)checks, (unsigned long long)back);
	CHECK(v1_changes >= 1, "vCPU 1's record never rewritten while it spun 2.5 s");
	/* vCPU 1 set a single-shot 100 ms ahead and went down: 200 ms later... */
	while (ref_ns() < v1_down_at + 200000000)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	ROW("set_singleshot_timer, then VCPUOP_down of itself", v1_sshot_rc, 0);
	ROW("VCPUOP_is_up of the vCPU gone down", vcpu_op(VCPUOP_is_up, 1, NULL), 0);
	ROW("its single-shot fell due while down: VIRQ_TIMER pending", port_pending(v1_port), 1);
	ROW("VCPUOP_up", vcpu_op(VCPUOP_up, 1, NULL), 0);
	end = ref_ns() + 5 * NS_PER_SEC;
	while (!__atomic_load_n(&v1_back, __ATOMIC_ACQUIRE) && ref_ns() < end)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	ROW("the vCPU back up: VCPUOP_down returned", v1_back, 1);
	ROW("the vCPU back up: VCPUOP_down's answer", v1_down_rc, 0);
	ROW("the vCPU back up: its VIRQ_TIMER pending", v1_pending_up, 1);
	/*
	 * PVCLOCK_TSC_STABLE_BIT promises one clock on every CPU; without it
	 * (Xen's records on QEMU: 0.1 to 15 ms back at --smp 2) a guest
	 * keeps its own clock monotonic (Linux's last-value clamp).
	 */
	CHECK(back == 0 || !(ref.flags & 1),
	      "vCPU 0's clock read %llu ns before a time vCPU 1 read earlier (flags %#x)",
	      (unsigned long long)back, ref.flags);
	/*
	 * vCPU 1 blocks now. As Xen's vcpu_runstate_get, get_runstate_info
	 * adds the current state's time so far whatever the state, so the
	 * four times add up to the time of the read less a constant (the
	 * vCPU's creation): between two reads 50 ms apart they grow by the
	 * time between the reads, as far as ref's clock tells it (Xen's own,
	 * recalibrated on a loaded QEMU host, ran 9 % slower over 54 ms at
	 * --smp 2), so within a factor of two; Lamina's did not grow.
	 */
	t1 = ref_ns();
	CHECK(vcpu_op(VCPUOP_get_runstate_info, 1, &r1) == 0, "get_runstate_info(1) failed");
	t2 = ref_ns();
	while (ref_ns() < t2 + 50000000)
		;
	t3 = ref_ns();
	CHECK(vcpu_op(VCPUOP_get_runstate_info, 1, &r2) == 0, "get_runstate_info(1) failed");
	t4 = ref_ns();
	grew = runstate_sum(&r2) - runstate_sum(&r1);
	printf("vCPU 1's runstate: state %d then %d, entry %llu then %llu, the times grew %llu ns"
	       " between reads %llu-%llu ns apart\n", r1.state, r2.state,
	       (unsigned long long)r1.state_entry_time, (unsigned long long)r2.state_entry_time,
	       (unsigned long long)grew, (unsigned long long)(t3 - t2),
	       (unsigned long long)(t4 - t1));
	ROW("get_runstate_info of a blocked vCPU: blocked", r2.state, RUNSTATE_blocked);
	ROW("get_runstate_info of a blocked vCPU: times grow with the time between reads",
	    grew >= (t3 - t2) / 2 && grew <= 2 * (t4 - t1), 1);
	ROW("get_runstate_info of a blocked vCPU: the entry time stays",
	    r1.state_entry_time == r2.state_entry_time, 1);
	CHECK(r2.time[RUNSTATE_running] >= 2500000000ULL / (one_cpu ? 2 : 1) / 4,
	      "vCPU 1 ran only %llu ns of 2.5 s", (unsigned long long)r2.time[RUNSTATE_running]);
	return TEST_PASS;
}

/* What dom0 and the domU both check, on vCPU 0 alone. */
static int one_vcpu(void)
{
	volatile struct shared_info *s = shared;
	int rc;

	CHECK((timer_port = oneshot_timer_port()), "no timer port");
	conform_begin();
	CHECK(record_copy(&shared->vcpu_info[0].time, &ref, 1000), "no whole time record at start");
	printf("record: version %u, mul %u, shift %d, flags %#x; wall clock %u.%09u s (hi %u)"
	       " at system time 0, wc_version %u\n", ref.version, ref.tsc_to_system_mul,
	       ref.tsc_shift, ref.flags, s->wc_sec, s->wc_nsec, s->wc_sec_hi, s->wc_version);
	ROWL("time flags: PVCLOCK_TSC_STABLE_BIT", ref.flags & 1, 0, 1);
	ROW("time flags: other bits", ref.flags & ~1, 0);
	ROW("the record's version even", ref.version & 1, 0);
	ROW("wc_version even", s->wc_version & 1, 0);
	ROW("wc_nsec below 10^9", s->wc_nsec < NS_PER_SEC, 1);
	ROW("wc_sec_hi", s->wc_sec_hi, 0);
	ROW("the wall clock after 2020 (wc_sec + system time)",
	    s->wc_sec + ref_ns() / NS_PER_SEC > 1577836800ULL, 1);
	if ((rc = spin_rewrites()) != TEST_PASS)
		return rc;
	if ((rc = recover()) != TEST_PASS)
		return rc;
	past_rows();
	return TEST_PASS;
}

/*
 * dom0's settimeoffset on itself: its wall clock moves by the offset at
 * once, with the version protocol; then back to 0.
 */
static void offset_rows(void)
{
	volatile struct shared_info *s = shared;
	uint32_t ver = s->wc_version, sec = s->wc_sec;
	struct domctl dc;

	memset(&dc, 0, sizeof(dc));
	dc.cmd = DOMCTL_settimeoffset;
	dc.interface_version = DOMCTL_INTERFACE_VERSION;
	dc.domain = 0;
	dc.u.settimeoffset.time_offset_seconds = 3600;
	ROW("settimeoffset +3600 s on ourselves", hypercall1(__HYPERVISOR_domctl, &dc), 0);
	ROW("settimeoffset +3600 s: wc_sec 3600 more", s->wc_sec - sec, 3600);
	ROW("settimeoffset +3600 s: wc_version moved, even",
	    s->wc_version != ver && !(s->wc_version & 1), 1);
	dc.u.settimeoffset.time_offset_seconds = 0;
	ROW("settimeoffset 0 on ourselves", hypercall1(__HYPERVISOR_domctl, &dc), 0);
	ROW("settimeoffset 0: wc_sec as before", s->wc_sec == sec, 1);
}

/* The domU: the vCPU 0 checks; its verdict goes to dom0 (Xen prints no domU console). */
static const char *domu_body(struct start_info *si)
{
	(void)si;
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	if (one_vcpu() != TEST_PASS || conform_end("domU time") != TEST_PASS)
		return "the domU's time checks failed (its console says which)";
	return NULL;
}

int test_main(struct start_info *si)
{
	struct sysctl op;
	bool one_cpu;
	int rc;

	if (!(si->flags & SIF_INITDOMAIN))
		return verdict_test(si, domu_body);
	/* The domU first, alone: dom0 blocks meanwhile and never switches it out. */
	CHECK(verdict_test(si, domu_body) == TEST_PASS, "the domU's verdict");
	/* As two_vcpu_start, but for events_init, which verdict_test made. */
	CHECK(physinfo(&op) == 0, "physinfo failed");
	one_cpu = op.u.physinfo.nr_cpus < 2;
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	shared->vcpu_info[1].evtchn_upcall_mask = 1;
	if ((rc = one_vcpu()) != TEST_PASS)
		return rc;
	offset_rows();
	if ((rc = two_vcpus(si, one_cpu)) != TEST_PASS)
		return rc;
	return conform_end("time");
}
