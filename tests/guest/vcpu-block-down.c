// SPDX-License-Identifier: GPL-2.0-only
/*
 * vcpu-block-down: a vCPU taken down while it sleeps, its runstate read
 * from another vCPU, and the upcall masks a vCPU and a new domain start
 * with; on Lamina and Xen 4.17 with the same answers (dom0, two vCPUs).
 *
 *   - vCPU 1, brought up by VCPUOP_initialise/up, finds its upcalls
 *     masked: dom0's builder masks every legacy slot (Xen's dom0 builder
 *     does; VCPUOP_initialise leaves the mask alone);
 *   - vCPU 1 in SCHEDOP_block (no event pending), taken down by vCPU 0:
 *     its runstate stays blocked; brought up again it sleeps on (20 ms)
 *     until an event on its IPI port wakes it (Xen's _VPF_blocked
 *     outlives _VPF_down);
 *   - the same, with the event sent while it is down: runstate offline,
 *     it stays down, and up again its block returns;
 *   - vCPU 1 in SCHEDOP_poll of a port, no timeout: down and up, it polls
 *     on until that port is sent to; with a 50 ms timeout that passes
 *     while it is down: offline then, and up again the poll returns 0;
 *   - VCPUOP_get_runstate_info of vCPU 1 (pinned to CPU 1 when there are
 *     two) 20000 times at least, and until 100 changes of its state were
 *     seen (or WAIT_CYCLES went by), while it polls its port, which vCPU 0
 *     sends to every 64 reads: each copy is consistent: the sum of time[], the current
 *     state's share counted up to the call, is pvclock time less a
 *     constant, state_entry_time does not go back nor lie in the future
 *     (each within 5 ms: the two CPUs' clocks, which on Xen under QEMU
 *     were seen 2 ms apart; so a torn copy is seen only when the state
 *     it tore across lasted longer: the old unlocked read was not). A
 *     time[] may go back from one copy to the next, on Xen too (seen by
 *     20 ms under a loaded host): the scheduler stamps a switch with a
 *     time read before the copy that still shows the old state;
 *   - a domain just made by createdomain, mapped by dom0 before any
 *     builder wrote it: its vCPU slots' upcall masks are 0 (Xen 4.17's
 *     domain_create zeroes shared_info; libxenguest masks them later).
 * @hvargs: dom0_max_vcpus=2
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/domctl.h"
#include "lib/physinfo.h"
#include "lib/smp.h"
#include "lib/traps.h"
#include "lib/wait.h"

#define STACK_SIZE	8192
#define RS_READS	20000
/* The two CPUs' clocks (Xen's under QEMU were seen 2 ms apart), a stamp taken before the lock. */
#define BACK_NS		5000000ULL

enum { OP_BLOCK, OP_POLL, OP_SPIN_POLL };

static uint8_t stack1[STACK_SIZE] __attribute__((aligned(16)));
static struct vcpu_guest_context ctx;
static evtchn_port_t p_block, p_poll;		/* IPI ports to vCPU 1 */

static volatile unsigned int v1_op, v1_cmd, v1_in, v1_out;
static volatile uint64_t v1_timeout;		/* SCHEDOP_poll's, absolute; 0 none */
static volatile long v1_rc;
static volatile bool v1_started, v1_stop;
static volatile unsigned long v1_polls;
static volatile uint8_t v1_mask_seen = 0xff;
volatile unsigned long v1_upcalls;

/* vCPU 1's event callback: counts, clears its own vcpu_info's pending. */
asm(".pushsection .text\n"
    ".globl v1_event\n"
    "v1_event:\n"		/* rcx, r11, rip, cs, rflags, rsp, ss */
    "	lock incq v1_upcalls(%rip)\n"
    "	push %rax\n"
    "	mov shared(%rip), %rax\n"
    "	movb $0, 64(%rax)\n"		/* vcpu_info[1].evtchn_upcall_pending */
    "	movq $0, 72(%rax)\n"		/* its evtchn_pending_sel */
    "	pop %rax\n"
    "	pop %rcx\n"
    "	pop %r11\n"
    "	jmp guest_iret\n"
    ".popsection\n");
void v1_event(void);

static long v1_poll(evtchn_port_t p, uint64_t timeout)
{
	struct sched_poll poll = { (uint64_t)&p, 1, 0, timeout };

	return HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
}

static void __attribute__((noreturn, used)) v1_main(unsigned long id)
{
	volatile struct vcpu_info *vi = &shared->vcpu_info[1];
	unsigned int seen = 0;

	(void)id;
	v1_mask_seen = vi->evtchn_upcall_mask;
	vi->evtchn_upcall_mask = 1;
	v1_started = true;
	for (;;) {
		if (v1_cmd == seen) {
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			continue;
		}
		seen = v1_cmd;
		switch (v1_op) {
		case OP_BLOCK:
			v1_in = seen;
			v1_rc = HYPERVISOR_sched_op(SCHEDOP_block, NULL);	/* unmasks */
			vi->evtchn_upcall_mask = 1;
			break;
		case OP_POLL:
			v1_in = seen;
			v1_rc = v1_poll(p_poll, v1_timeout);
			break;
		case OP_SPIN_POLL:
			v1_in = seen;
			while (!v1_stop) {
				v1_poll(p_poll, 0);
				port_test_and_clear(p_poll);
				vi->evtchn_upcall_pending = 0;
				v1_polls++;
			}
			break;
		}
		/* The poll port's event (masked: no upcall), if one came. */
		port_test_and_clear(p_poll);
		vi->evtchn_upcall_pending = 0;
		vi->evtchn_pending_sel = 0;
		v1_out = seen;
	}
}

static void yield(void)
{
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

static void wait_ns(uint64_t ns)
{
	uint64_t end = pvclock_ns() + ns;

	while (pvclock_ns() < end)
		yield();
}

static int state_of(unsigned int id)
{
	struct vcpu_runstate_info rs;

	if (vcpu_op(VCPUOP_get_runstate_info, id, &rs))
		return -1;
	return rs.state;
}

static int start_v1(struct start_info *si)
{
	struct evtchn_bind_ipi bi = { 1, 0 };
	long rc;

	CHECK(evtchn_op(EVTCHNOP_bind_ipi, &bi) == 0, "bind_ipi to vCPU 1");
	p_block = bi.port;
	bi.port = 0;
	CHECK(evtchn_op(EVTCHNOP_bind_ipi, &bi) == 0, "a second bind_ipi to vCPU 1");
	p_poll = bi.port;
	memset(&ctx, 0, sizeof(ctx));
	ctx.flags = VGCF_in_kernel;
	ctx.user_regs.rip = (uint64_t)v1_main;
	ctx.user_regs.rdi = 1;
	ctx.user_regs.rsp = (uint64_t)&stack1[STACK_SIZE] - 8;
	ctx.user_regs.cs = FLAT_KERNEL_CS;
	ctx.user_regs.ss = FLAT_KERNEL_SS;
	ctx.kernel_ss = FLAT_KERNEL_SS;
	ctx.kernel_sp = (uint64_t)&stack1[STACK_SIZE];
	ctx.event_callback_eip = (uint64_t)v1_event;
	ctx.failsafe_callback_eip = (uint64_t)v1_event;
	ctx.ctrlreg[3] = va_to_mfn(si->pt_base) << 12;
	rc = vcpu_op(VCPUOP_initialise, 1, &ctx);
	CHECK(rc == 0, "initialise of vCPU 1 gave %ld", rc);
	rc = vcpu_op(VCPUOP_up, 1, NULL);
	CHECK(rc == 0, "up of vCPU 1 gave %ld", rc);
	CHECK(WAIT_UNTIL(v1_started), "vCPU 1 never ran");
	CHECK(v1_mask_seen == 1, "vCPU 1 started with its upcall mask %u, not 1", v1_mask_seen);
	return TEST_PASS;
}

/* vCPU 1 told to do op; back once it is in it and blocked. */
static int v1_sleeps(unsigned int op, uint64_t timeout, unsigned int *cmd)
{
	v1_op = op;
	v1_timeout = timeout;
	*cmd = v1_cmd + 1;
	v1_cmd = *cmd;
	CHECK(WAIT_UNTIL(v1_in == *cmd && state_of(1) == RUNSTATE_blocked),
	      "vCPU 1 did not block (op %u, in %u, runstate %d)", op, v1_in, state_of(1));
	return TEST_PASS;
}

static int block_down_up(void)
{
	unsigned long upcalls = v1_upcalls;
	unsigned int cmd;
	long rc;

	CHECK(v1_sleeps(OP_BLOCK, 0, &cmd) == TEST_PASS, "block");
	rc = vcpu_op(VCPUOP_down, 1, NULL);
	CHECK(rc == 0, "down of blocked vCPU 1 gave %ld", rc);
	CHECK(vcpu_op(VCPUOP_is_up, 1, NULL) == 0, "vCPU 1 up after its down");
	CHECK(state_of(1) == RUNSTATE_blocked, "blocked vCPU 1 taken down: runstate %d, not blocked",
	      state_of(1));
	rc = vcpu_op(VCPUOP_up, 1, NULL);
	CHECK(rc == 0, "up of vCPU 1 gave %ld", rc);
	CHECK(vcpu_op(VCPUOP_is_up, 1, NULL) == 1, "vCPU 1 not up");
	wait_ns(20000000);
	CHECK(v1_out != cmd, "blocked vCPU 1 down and up: its block returned with no event");
	CHECK(state_of(1) == RUNSTATE_blocked, "blocked vCPU 1 down and up: runstate %d",
	      state_of(1));
	CHECK(upcalls == v1_upcalls, "an upcall on vCPU 1 with no event");
	CHECK(evtchn_send(p_block) == 0, "send to vCPU 1");
	CHECK(WAIT_UNTIL(v1_out == cmd), "vCPU 1 not woken by the event after down and up");
	CHECK(v1_upcalls == upcalls + 1 && v1_rc == 0, "vCPU 1 woken: %lu upcalls, block gave %ld",
	      v1_upcalls - upcalls, v1_rc);
	port_test_and_clear(p_block);

	/* The event comes while it is down: no longer blocked, still down. */
	upcalls = v1_upcalls;
	CHECK(v1_sleeps(OP_BLOCK, 0, &cmd) == TEST_PASS, "block again");
	CHECK(vcpu_op(VCPUOP_down, 1, NULL) == 0, "down of blocked vCPU 1, again");
	CHECK(evtchn_send(p_block) == 0, "send to vCPU 1 while down");
	CHECK(WAIT_UNTIL(state_of(1) == RUNSTATE_offline),
	      "blocked vCPU 1 down, an event: runstate %d, not offline", state_of(1));
	wait_ns(10000000);
	CHECK(v1_out != cmd && v1_upcalls == upcalls, "vCPU 1 ran while down");
	CHECK(vcpu_op(VCPUOP_up, 1, NULL) == 0, "up of vCPU 1, again");
	CHECK(WAIT_UNTIL(v1_out == cmd), "vCPU 1 woken while down does not run once up");
	CHECK(v1_upcalls == upcalls + 1, "%lu upcalls on vCPU 1, not 1", v1_upcalls - upcalls);
	port_test_and_clear(p_block);
	return TEST_PASS;
}

static int poll_down_up(void)
{
	unsigned int cmd;

	CHECK(v1_sleeps(OP_POLL, 0, &cmd) == TEST_PASS, "poll");
	CHECK(vcpu_op(VCPUOP_down, 1, NULL) == 0, "down of polling vCPU 1");
	CHECK(state_of(1) == RUNSTATE_blocked, "polling vCPU 1 taken down: runstate %d",
	      state_of(1));
	CHECK(vcpu_op(VCPUOP_up, 1, NULL) == 0, "up of polling vCPU 1");
	wait_ns(20000000);
	CHECK(v1_out != cmd, "polling vCPU 1 down and up: its poll returned with no event");
	CHECK(state_of(1) == RUNSTATE_blocked, "polling vCPU 1 down and up: runstate %d",
	      state_of(1));
	CHECK(evtchn_send(p_poll) == 0, "send to the polled port");
	CHECK(WAIT_UNTIL(v1_out == cmd), "polling vCPU 1 not woken by its port");
	CHECK(v1_rc == 0, "the poll gave %ld", v1_rc);

	/* Its timeout passes while it is down. */
	CHECK(v1_sleeps(OP_POLL, pvclock_ns() + 50000000, &cmd) == TEST_PASS, "poll, timeout");
	CHECK(vcpu_op(VCPUOP_down, 1, NULL) == 0, "down of polling vCPU 1, timeout");
	wait_ns(100000000);
	CHECK(WAIT_UNTIL(state_of(1) == RUNSTATE_offline), "poll timed out while down: runstate %d",
	      state_of(1));
	CHECK(v1_out != cmd, "vCPU 1 ran while down");
	CHECK(vcpu_op(VCPUOP_up, 1, NULL) == 0, "up of vCPU 1 after the timeout");
	CHECK(WAIT_UNTIL(v1_out == cmd), "vCPU 1 whose poll timed out while down does not run");
	CHECK(v1_rc == 0, "the timed-out poll gave %ld", v1_rc);
	return TEST_PASS;
}

static int runstate_reads(bool two_cpus)
{
	struct vcpu_runstate_info rs, last;
	uint64_t before, after, sum;
	int64_t lo = INT64_MIN, hi = INT64_MAX;	/* where t0 can be */
	unsigned int cmd, i, j, changes = 0;
	uint64_t start, waited;
	long rc;

	if (two_cpus) {
		CHECK(smp_pin_vcpu(0, 0) == 0 && smp_pin_vcpu(1, 1) == 0, "pinning");
	}
	v1_stop = false;
	v1_op = OP_SPIN_POLL;
	cmd = v1_cmd + 1;
	v1_cmd = cmd;
	CHECK(WAIT_UNTIL(v1_in == cmd), "vCPU 1 not polling");
	memset(&last, 0, sizeof(last));
	start = pvclock_ns();
	waited = wait_tsc();
	for (i = 0; i < RS_READS || (changes < 100 && wait_time_left(waited)); i++) {
		if (!(i & 63)) {
			evtchn_send(p_poll);	/* vCPU 1 wakes, and polls again */
			yield();		/* its turn, when the two share a CPU */
		}
		before = pvclock_ns();
		rc = vcpu_op(VCPUOP_get_runstate_info, 1, &rs);
		after = pvclock_ns();
		CHECK(rc == 0, "get_runstate_info gave %ld", rc);
		CHECK(rs.state <= RUNSTATE_offline, "read %u: state %d", i, rs.state);
		CHECK(!(rs.state_entry_time >> 62) && rs.state_entry_time <= after + BACK_NS,
		      "read %u: state_entry_time %llu, now %llu", i,
		      (unsigned long long)rs.state_entry_time, (unsigned long long)after);
		CHECK(rs.state_entry_time + BACK_NS >= last.state_entry_time,
		      "read %u: state_entry_time went back %llu", i,
		      (unsigned long long)(last.state_entry_time - rs.state_entry_time));
		for (j = 0, sum = 0; j < 4; j++)
			sum += rs.time[j];
		/* sum = the hypervisor's now - t0, its now within [before, after]. */
		if ((int64_t)(before - sum) > lo)
			lo = (int64_t)(before - sum);
		if ((int64_t)(after - sum) < hi)
			hi = (int64_t)(after - sum);
		CHECK(lo <= hi + (int64_t)BACK_NS,
		      "read %u: the sum of time[] is off by %llu ns (state %d, entry %llu)", i,
		      (unsigned long long)(lo - hi), rs.state,
		      (unsigned long long)rs.state_entry_time);
		changes += rs.state_entry_time != last.state_entry_time;
		last = rs;
	}
	v1_stop = true;
	evtchn_send(p_poll);
	CHECK(WAIT_UNTIL(v1_out == cmd), "vCPU 1 did not stop polling");
	if (two_cpus)
		CHECK(smp_pin_vcpu(1, 0) == 0, "unpinning");
	printf("%u runstate reads in %llu ms, %u state changes seen, %lu polls\n", i,
	       (unsigned long long)((pvclock_ns() - start) / 1000000), changes, v1_polls);
	CHECK(changes >= 100, "vCPU 1's runstate changed %u times only", changes);
	return TEST_PASS;
}

static int new_domain_masks(void)
{
	struct domctl_getdomaininfo info;
	struct shared_info *s;
	uint64_t va = scratch_page(), own = va_to_mfn(va);
	domid_t dom;
	uint8_t m0, m1, m31;
	long rc;

	rc = domctl_create(&dom, "vcpu-block-down.");
	CHECK(rc == 0, "createdomain gave %ld", rc);
	rc = domctl_info_of(dom, &info);
	CHECK(rc == 0, "getdomaininfo gave %ld", rc);
	rc = mmu_update_fd(l1e_maddr(va), pte_rw(info.shared_info_frame), dom);
	if (!rc)
		rc = mmuext1(MMUEXT_INVLPG_LOCAL, va);
	CHECK(rc == 0, "mapping d%u's shared_info gave %ld", dom, rc);
	s = (struct shared_info *)va;
	m0 = s->vcpu_info[0].evtchn_upcall_mask;
	m1 = s->vcpu_info[1].evtchn_upcall_mask;
	m31 = s->vcpu_info[31].evtchn_upcall_mask;
	rc = mmu_update1(l1e_maddr(va), pte_rw(own));
	if (!rc)
		rc = mmuext1(MMUEXT_INVLPG_LOCAL, va);
	CHECK(rc == 0, "unmapping gave %ld", rc);
	CHECK(domctl_destroy(dom) == 0, "destroy of d%u", dom);
	CHECK(m0 == 0 && m1 == 0 && m31 == 0,
	      "a new domain's upcall masks before its builder: %u %u %u, not 0", m0, m1, m31);
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	struct sysctl pi;

	if (events_init(si) || physinfo(&pi))
		return fail("events_init or physinfo failed");
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	if (vcpu_op(VCPUOP_is_up, 1, NULL) == -ENOENT)
		return skip("one vCPU (dom0_max_vcpus=2 not honoured)");
	CHECK(start_v1(si) == TEST_PASS, "vCPU 1's start");
	CHECK(block_down_up() == TEST_PASS, "down and up of a blocked vCPU");
	CHECK(poll_down_up() == TEST_PASS, "down and up of a polling vCPU");
	CHECK(runstate_reads(pi.u.physinfo.nr_cpus >= 2) == TEST_PASS, "runstate reads");
	CHECK(vcpu_op(VCPUOP_down, 1, NULL) == 0, "down of vCPU 1 at the end");
	CHECK(new_domain_masks() == TEST_PASS, "a new domain's upcall masks");
	return TEST_PASS;
}
