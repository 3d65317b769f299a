// SPDX-License-Identifier: GPL-2.0-only
/*
 * console-smp-flood: the console lock under writers on two CPUs. dom0's
 * vCPU 1 (pinned to CPU 1) writes V1_LINES lines to console_io as fast as
 * it can, one line a call; meanwhile dom0's vCPU 0 (CPU 0) writes a line
 * and sleeps to its next 10 ms tick (a one-shot timer), and an
 * unprivileged peer writes PEER_LINES lines of its own. Each line is
 * "cfl <who> <6-digit number> <40 letters>".
 *   - progress: no tick of vCPU 0 may come more than LATE_MAX_MS late
 *     while the other CPU floods (a writer holds the console lock for
 *     one chunk of 128 bytes at most, and a long write continues);
 *   - output: every line of the three writers comes out whole, dom0's as
 *     written and the peer's with its "(d1) " prefix (the log may hold no
 *     line with "cfl v" or "cfl p" in it that is not one whole line of
 *     that form; Lamina's console only, Xen's log is not looked at);
 *   - the peer's writes return 0 on Lamina (its 200 lines stay within a
 *     domU's burst of 32 KiB); Xen 4.17's release build refuses a domU's
 *     write (-EPERM), which the peer accepts there.
 * Guest time is counted in instructions (@qemu: 8 ns an instruction), so
 * a loaded host cannot make a tick late. At --smp 1 the three writers
 * take turns on the one CPU: the ticks then wait for the scheduler too.
 * @hvargs: dom0_max_vcpus=2
 * @domus: self:peer:role=peer
 * @qemu: -icount shift=3,sleep=off
 * @timeout-smp: 300
 * @expect-log: (?m)\A(?![\s\S]*^(?!(?:cfl v[01]|\(d1\) cfl p ) \d{6} [a-z]{40}\r?$).*cfl [vp])[\s\S]*cfl: all written
 */
#include "lib/guest.h"
#include "lib/mm.h"
#include "lib/events.h"
#include "lib/smp.h"
#include "lib/physinfo.h"
#include "lib/peer.h"
#include "lib/peer_verdict.h"

#define V1_LINES	3000
#define PEER_LINES	200
#define TICK_NS		10000000ULL
#define LATE_MAX_MS	20
#define MAX_TICKS	3000
#define STACK_SIZE	8192

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static volatile bool started1;
static volatile unsigned int v1_done;
static volatile long v1_rc;

/* Writes line n of `who` in one console_io call: its result. */
static long write_line(const char *who, unsigned int n)
{
	char line[64];
	unsigned int i, len = (unsigned int)snprintf(line, sizeof(line), "cfl %s %06u ", who, n);

	for (i = 0; i < 40; i++)
		line[len++] = 'a' + (n + i) % 26;
	line[len++] = '\n';
	return hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, len, line);
}

static void vcpu1_flood(unsigned long id)
{
	unsigned int n;
	long rc = 0;

	(void)id;
	started1 = true;
	for (n = 0; n < V1_LINES && !rc; n++)
		rc = write_line("v1", n);
	v1_rc = rc;
	__atomic_store_n(&v1_done, 1, __ATOMIC_RELEASE);
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/* Sleeps to the next tick; how late (ns) the wake-up came. */
static uint64_t tick(evtchn_port_t tp)
{
	struct vcpu_set_singleshot_timer t = { 0, 0, 0 };
	uint64_t now;

	t.timeout_abs_ns = (pvclock_ns() / TICK_NS + 1) * TICK_NS;
	if (hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, &t))
		return ~0ULL;
	wait_for_port(tp);
	now = pvclock_ns();
	return now > t.timeout_abs_ns ? now - t.timeout_abs_ns : 0;
}

static int dom0_side(struct start_info *si)
{
	uint64_t late, worst = 0;
	unsigned int ticks;
	evtchn_port_t tp;
	struct sysctl pi;
	bool one_cpu;
	int peer_id;

	CHECK(physinfo(&pi) == 0, "physinfo failed");
	one_cpu = pi.u.physinfo.nr_cpus < 2;
	tp = oneshot_timer_port();
	CHECK(tp, "binding VIRQ_TIMER failed");
	peer_id = peer_start(si, "role=peer", 16);
	CHECK(peer_id > 0, "the peer domain could not be started (%d)", peer_id);
	CHECK(smp_start_pinned(si, vcpu1_flood, stack1, sizeof(stack1), &started1, one_cpu) == 0,
	      "starting and pinning vCPU 1 failed");
	for (ticks = 0; ticks < MAX_TICKS && !__atomic_load_n(&v1_done, __ATOMIC_ACQUIRE);
	     ticks++) {
		CHECK(write_line("v0", ticks) == 0, "vCPU 0's write failed");
		late = tick(tp);
		worst = late > worst ? late : worst;
	}
	CHECK(v1_done, "vCPU 1's %u lines were not written in %u ticks", V1_LINES, ticks);
	CHECK(v1_rc == 0, "a write of vCPU 1 gave %ld", v1_rc);
	printf("dom0: vCPU 1 wrote %u lines while vCPU 0 wrote %u, its ticks at most %llu us late\n",
	       V1_LINES, ticks, (unsigned long long)worst / 1000);
	CHECK(worst <= LATE_MAX_MS * 1000000ULL, "a tick of vCPU 0 came %llu us late (bound %u ms)",
	      (unsigned long long)worst / 1000, LATE_MAX_MS);
	if (verdict_result((domid_t)peer_id))
		return TEST_FAIL;
	printf("cfl: all written\n");
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	struct verdict v = { 0, NULL };
	unsigned int n;
	long rc = 0;

	mm_init(si);
	CHECK(events_init(si) == 0, "events_init failed");
	if (si->flags & SIF_INITDOMAIN)
		return dom0_side(si);
	for (n = 0; n < PEER_LINES && !rc; n++)
		rc = write_line("p ", n);
	verdict_offer_frame0(&v);
	verdict_send(&v, rc == 0 || (rc == -EPERM && !on_lamina()) ? NULL :
		     "a write of the peer failed");
	return TEST_PASS;
}
