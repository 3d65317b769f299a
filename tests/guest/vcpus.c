// SPDX-License-Identifier: GPL-2.0-only
/*
 * vcpus: a guest with four vCPUs on one pCPU (dom0_max_vcpus=4), on
 * Lamina and on Xen 4.17 with the same answers.
 *
 * vCPUs 1-3 exist, down and uninitialised; vCPU 0 gives each a context
 * of its own (VCPUOP_initialise: its own stack, the flat selectors, this
 * L4, events masked) and brings it up (VCPUOP_up); each then runs
 * ap_main() on its stack. Then:
 *   - event ping-pong: an IPI port bound to each vCPU (EVTCHNOP_bind_ipi),
 *     a token passed round 0 -> 1 -> 2 -> 3 -> 0 ROUNDS times, each vCPU
 *     waiting in SCHEDOP_poll on its own port (50 ms at most, then it looks
 *     again: on Xen 4.17 with two pCPUs a poller was seen not woken); an event for vCPU 1 marks
 *     vCPU 1's vcpu_info, not vCPU 0's;
 *   - vCPU 1 takes itself down (VCPUOP_down) and vCPU 0 brings it up
 *     again, DOWN_UP times; its runstate while down is offline;
 *   - vCPU 0 takes vCPU 2 down (it stops running) and up again (it goes on);
 *   - the per-vCPU calls for another vCPU: runstate, periodic timer
 *     (allowed), single-shot timer (only the caller's: -EINVAL),
 *     vcpu_info of a running vCPU (-EINVAL); bind_virq of VIRQ_TIMER on
 *     vCPU 2, of a global VIRQ on vCPU 1 (-EINVAL); bind_vcpu of an
 *     unbound port to vCPU 2, to vCPU 3 while it is down (allowed: it
 *     exists), of an IPI port (-EINVAL); getvcpuinfo and getdomaininfo
 *     count what is online; set/getvcpuaffinity (vmctl vcpu-pin's domctls)
 *     pin vCPU 1 to CPU 0 and refuse an empty map, no map, a bad id;
 *     with two pCPUs vCPU 1 pinned to CPU 1 is seen running there
 *     (getvcpuinfo's cpu and running) and pinned back to CPU 0, and
 *     SCHEDOP_pin_override moves vCPU 0 to CPU 1 and back (pin_override);
 *     VCPUOP_get_physid of a pinned vCPU is the pCPU numbered as the
 *     vCPU (its APIC and ACPI ids, as platform_op get_cpuinfo gives them),
 *     all ones for a vCPU numbered past the pCPUs.
 * The attacker's rows: ids that do not exist (4, 0xffffffff: -ENOENT for
 * vcpu_op, bind_ipi, bind_virq, bind_vcpu; bind_vcpu checks the vCPU
 * before the port), up of an uninitialised vCPU (-EINVAL), a context at a
 * bad address (-EFAULT), with a non-canonical RIP, a CR3 that is not its
 * own or not a page table (a frame it maps writable), user mode without
 * a user L4 (-EINVAL each), and a second initialise (-EEXIST). A context
 * with RPL-0 code and stack selectors is taken with RPL 3, as
 * getvcpucontext shows, and that vCPU runs in ring 3 (its CS read back).
 * @hvargs: dom0_max_vcpus=4
 */
#include "lib/guest.h"
#include "lib/events.h"
#include "lib/mm.h"
#include "lib/physinfo.h"
#include "lib/wait.h"
#include <lamina/domctl.h>
#include <lamina/vcpu.h>
#include <lamina/platform.h>

#define NR_VCPUS	4
#define ROUNDS		300
#define DOWN_UP		1000
#define STACK_SIZE	8192

enum { M_IDLE, M_PING, M_DOWN };

static uint8_t stacks[NR_VCPUS][STACK_SIZE] __attribute__((aligned(16)));
static struct vcpu_guest_context ctx;
static struct start_info *start;

static volatile unsigned int mode[NR_VCPUS];
static volatile unsigned long alive[NR_VCPUS];	/* bumped by each AP's loop */
static volatile unsigned long passes[NR_VCPUS];	/* tokens passed on */
static volatile unsigned long ups[NR_VCPUS];	/* times back from VCPUOP_down */
static volatile uint16_t seen_cs[NR_VCPUS];
static evtchn_port_t ipi[NR_VCPUS];		/* the port notifying vCPU i */

static long vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
}

static void yield(void)
{
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

/* Sleeps until p is pending or 50 ms have passed (never for good). */
static void poll_port(evtchn_port_t p)
{
	struct sched_poll poll = { (uint64_t)&p, 1, 0, pvclock_ns() + 50000000 };

	HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
}

static long domctl(struct domctl *op, uint32_t cmd)
{
	op->cmd = cmd;
	op->interface_version = DOMCTL_INTERFACE_VERSION;
	op->domain = 0;
	return hypercall1(__HYPERVISOR_domctl, op);
}

static void __attribute__((noreturn, used)) ap_main(unsigned long id)
{
	uint16_t cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	seen_cs[id] = cs;
	for (;;) {
		alive[id]++;
		switch (mode[id]) {
		case M_PING:
			poll_port(ipi[id]);
			if (mode[id] == M_PING && port_test_and_clear(ipi[id])) {
				passes[id]++;
				evtchn_send(ipi[(id + 1) % NR_VCPUS]);
			}
			break;
		case M_DOWN:
			ups[id]++;
			vcpu_op(VCPUOP_down, id, NULL);	/* back here once up again */
			break;
		default:
			yield();
		}
	}
}

/* A context that runs ap_main(id) on its own stack, in kernel mode. */
static void good_context(unsigned int id)
{
	memset(&ctx, 0, sizeof(ctx));
	ctx.flags = VGCF_in_kernel;
	ctx.user_regs.rip = (uint64_t)ap_main;
	ctx.user_regs.rdi = id;
	ctx.user_regs.rsp = (uint64_t)&stacks[id][STACK_SIZE] - 8;	/* as after a call */
	ctx.user_regs.cs = FLAT_KERNEL_CS;
	ctx.user_regs.ss = FLAT_KERNEL_SS;
	ctx.kernel_ss = FLAT_KERNEL_SS;
	ctx.kernel_sp = (uint64_t)&stacks[id][STACK_SIZE];
	ctx.ctrlreg[3] = va_to_mfn(start->pt_base) << 12;
}

static int bad_contexts(void)
{
	uint64_t table;
	unsigned int level;
	long rc;

	rc = vcpu_op(VCPUOP_up, 3, NULL);
	CHECK(rc == -EINVAL, "up of an uninitialised vCPU gave %ld", rc);
	rc = vcpu_op(VCPUOP_initialise, 3, (void *)8);
	CHECK(rc == -EFAULT, "initialise from a bad address gave %ld", rc);
	good_context(3);
	ctx.user_regs.rip = 0x0000800000000000ULL;
	rc = vcpu_op(VCPUOP_initialise, 3, &ctx);
	CHECK(rc == -EINVAL, "a non-canonical RIP gave %ld", rc);
	good_context(3);
	ctx.event_callback_eip = 0xfff0000000000000ULL;
	rc = vcpu_op(VCPUOP_initialise, 3, &ctx);
	CHECK(rc == -EINVAL, "a non-canonical event callback gave %ld", rc);
	good_context(3);
	ctx.ctrlreg[3] = 0;			/* frame 0: not ours */
	rc = vcpu_op(VCPUOP_initialise, 3, &ctx);
	CHECK(rc == -EINVAL, "CR3 at frame 0 gave %ld", rc);
	good_context(3);
	ctx.ctrlreg[3] = va_to_mfn((uint64_t)stacks[0]) << 12;	/* ours, mapped writable */
	rc = vcpu_op(VCPUOP_initialise, 3, &ctx);
	CHECK(rc == -EINVAL, "CR3 at a writable data frame gave %ld", rc);
	/*
	 * An L4 whose L1 maps our L4 writable: the L1 entry's own -EBUSY,
	 * passed up the tree as Xen 4.17's arch_set_info_guest does (Lamina
	 * answered -EINVAL until 7 Dec).
	 */
	good_context(3);
	table = table_page(pte_rw(va_to_mfn(start->pt_base)));	/* the L1 */
	for (level = 2; level <= 4; level++)
		table = table_page(pte_ro(table));
	ctx.ctrlreg[3] = table << 12;
	rc = vcpu_op(VCPUOP_initialise, 3, &ctx);
	CHECK(rc == -EBUSY, "CR3 over an L1 mapping a page table writable gave %ld", rc);
	good_context(3);
	ctx.flags = 0;				/* user mode, no user L4 */
	rc = vcpu_op(VCPUOP_initialise, 3, &ctx);
	CHECK(rc == -EINVAL, "user mode without a user L4 gave %ld", rc);
	rc = vcpu_op(VCPUOP_is_up, 3, NULL);
	CHECK(rc == 0, "vCPU 3 is_up %ld after refused contexts", rc);
	rc = vcpu_op(VCPUOP_up, 3, NULL);
	CHECK(rc == -EINVAL, "up after refused contexts gave %ld", rc);
	return TEST_PASS;
}

static int bad_ids(void)
{
	static const unsigned int ids[] = { NR_VCPUS, 0xffffffffU, 8192 };
	struct evtchn_bind_ipi bi;
	struct evtchn_bind_virq bv;
	struct evtchn_bind_vcpu bc;
	unsigned int i;
	long rc;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		rc = vcpu_op(VCPUOP_is_up, ids[i], NULL);
		CHECK(rc == -ENOENT, "is_up of vCPU %#x gave %ld", ids[i], rc);
		rc = vcpu_op(VCPUOP_initialise, ids[i], &ctx);
		CHECK(rc == -ENOENT, "initialise of vCPU %#x gave %ld", ids[i], rc);
		rc = vcpu_op(VCPUOP_up, ids[i], NULL);
		CHECK(rc == -ENOENT, "up of vCPU %#x gave %ld", ids[i], rc);
		rc = vcpu_op(VCPUOP_down, ids[i], NULL);
		CHECK(rc == -ENOENT, "down of vCPU %#x gave %ld", ids[i], rc);
		bi = (struct evtchn_bind_ipi){ ids[i], 0 };
		rc = evtchn_op(EVTCHNOP_bind_ipi, &bi);
		CHECK(rc == -ENOENT, "bind_ipi to vCPU %#x gave %ld", ids[i], rc);
		bv = (struct evtchn_bind_virq){ VIRQ_TIMER, ids[i], 0 };
		rc = evtchn_op(EVTCHNOP_bind_virq, &bv);
		CHECK(rc == -ENOENT, "bind_virq TIMER to vCPU %#x gave %ld", ids[i], rc);
		bc = (struct evtchn_bind_vcpu){ 1, ids[i] };
		rc = evtchn_op(EVTCHNOP_bind_vcpu, &bc);
		CHECK(rc == -ENOENT, "bind_vcpu to vCPU %#x gave %ld", ids[i], rc);
		bc = (struct evtchn_bind_vcpu){ 0xffffff, ids[i] };	/* vCPU checked first */
		rc = evtchn_op(EVTCHNOP_bind_vcpu, &bc);
		CHECK(rc == -ENOENT, "bind_vcpu of a bad port to vCPU %#x gave %ld", ids[i], rc);
	}
	return TEST_PASS;
}

static int bring_up(void)
{
	struct domctl op;
	unsigned int id;
	long rc;

	for (id = 1; id < NR_VCPUS; id++) {
		good_context(id);
		if (id == 3) {			/* RPL 0 asked: RPL 3 given */
			ctx.user_regs.cs = FLAT_KERNEL_CS & ~3;
			ctx.user_regs.ss = FLAT_KERNEL_SS & ~3;
			ctx.kernel_ss = FLAT_KERNEL_SS & ~3;
		}
		rc = vcpu_op(VCPUOP_initialise, id, &ctx);
		CHECK(rc == 0, "initialise of vCPU %u gave %ld", id, rc);
		rc = vcpu_op(VCPUOP_initialise, id, &ctx);
		CHECK(rc == -EEXIST, "a second initialise of vCPU %u gave %ld", id, rc);
		CHECK(vcpu_op(VCPUOP_is_up, id, NULL) == 0, "vCPU %u up before VCPUOP_up", id);
	}
	op.u.vcpucontext.vcpu = 3;
	op.u.vcpucontext.ctxt = (uint64_t)&ctx;
	rc = domctl(&op, DOMCTL_getvcpucontext);
	CHECK(rc == 0, "getvcpucontext of vCPU 3 gave %ld", rc);
	CHECK(ctx.user_regs.cs == FLAT_KERNEL_CS && ctx.user_regs.ss == FLAT_KERNEL_SS &&
	      ctx.kernel_ss == FLAT_KERNEL_SS,
	      "RPL-0 selectors kept: cs %#x ss %#x kernel_ss %#lx", ctx.user_regs.cs,
	      ctx.user_regs.ss, (unsigned long)ctx.kernel_ss);
	for (id = 1; id < NR_VCPUS; id++) {
		CHECK(vcpu_op(VCPUOP_up, id, NULL) == 0, "up of vCPU %u failed", id);
		CHECK(vcpu_op(VCPUOP_up, id, NULL) == 0, "a second up of vCPU %u failed", id);
		CHECK(vcpu_op(VCPUOP_is_up, id, NULL) == 1, "vCPU %u not up", id);
		CHECK(WAIT_UNTIL(alive[id] > 0), "vCPU %u never ran", id);
		CHECK((seen_cs[id] & 3) == 3, "vCPU %u runs with CS %#x", id, seen_cs[id]);
	}
	return TEST_PASS;
}

static int ping_pong(void)
{
	struct evtchn_bind_ipi bi;
	unsigned int id, round;
	evtchn_port_t p;

	for (id = 0; id < NR_VCPUS; id++) {
		bi = (struct evtchn_bind_ipi){ id, 0 };
		CHECK(evtchn_op(EVTCHNOP_bind_ipi, &bi) == 0, "bind_ipi to vCPU %u failed", id);
		ipi[id] = bi.port;
	}
	/* An event for vCPU 1 (idle, events masked) marks vCPU 1's vcpu_info. */
	p = ipi[1];
	shared->vcpu_info[1].evtchn_pending_sel = 0;
	shared->vcpu_info[1].evtchn_upcall_pending = 0;
	CHECK(evtchn_send(p) == 0, "send to vCPU 1 failed");
	CHECK(port_pending(p), "the port for vCPU 1 not pending");
	CHECK(shared->vcpu_info[1].evtchn_upcall_pending &&
	      (shared->vcpu_info[1].evtchn_pending_sel & (1ULL << (p / 64))),
	      "vCPU 1's vcpu_info not marked: pending %u sel %#lx",
	      shared->vcpu_info[1].evtchn_upcall_pending,
	      (unsigned long)shared->vcpu_info[1].evtchn_pending_sel);
	port_test_and_clear(p);
	for (id = 1; id < NR_VCPUS; id++)
		mode[id] = M_PING;
	for (round = 0; round < ROUNDS; round++) {
		CHECK(evtchn_send(ipi[1]) == 0, "send failed");
		poll_port(ipi[0]);
		CHECK(WAIT_UNTIL(port_test_and_clear(ipi[0])),
		      "round %u: the token never came back (passed on %lu %lu %lu times)",
		      round, passes[1], passes[2], passes[3]);
	}
	for (id = 1; id < NR_VCPUS; id++) {
		CHECK(passes[id] == ROUNDS, "vCPU %u passed the token %lu times of %u", id,
		      passes[id], ROUNDS);
		mode[id] = M_IDLE;
	}
	for (id = 1; id < NR_VCPUS; id++)
		evtchn_send(ipi[id]);		/* out of its poll; nobody passes it on */
	return TEST_PASS;
}

static int down_up(void)
{
	struct vcpu_runstate_info rs;
	unsigned long before;
	unsigned int i;
	long rc;

	ups[1] = 0;
	mode[1] = M_DOWN;
	for (i = 1; i <= DOWN_UP; i++) {
		CHECK(WAIT_UNTIL(ups[1] == i && vcpu_op(VCPUOP_is_up, 1, NULL) == 0),
		      "cycle %u: vCPU 1 did not go down (%lu downs)", i, ups[1]);
		/*
		 * is_up says 0 as soon as vCPU 1's own VCPUOP_down has run; its
		 * runstate turns offline when its CPU switches away from it,
		 * which at --smp 2 may be a moment later (Xen 4.17 alike: the
		 * runstate changes at the context switch). So it must get there.
		 */
		if (i == 1) {
			CHECK(WAIT_UNTIL((rc = vcpu_op(VCPUOP_get_runstate_info, 1, &rs)) != 0 ||
					 rs.state == RUNSTATE_offline) &&
			      rc == 0 && rs.state == RUNSTATE_offline,
			      "vCPU 1 down: runstate %ld, state %d", rc, rs.state);
		}
		if (i == DOWN_UP)
			mode[1] = M_IDLE;
		CHECK(vcpu_op(VCPUOP_up, 1, NULL) == 0, "cycle %u: up failed", i);
	}
	CHECK(WAIT_UNTIL(ups[1] == DOWN_UP && alive[1] > 0 && vcpu_op(VCPUOP_is_up, 1, NULL) == 1),
	      "vCPU 1 not back after %u cycles", DOWN_UP);

	/* Another vCPU taken down stops; brought up, it goes on. */
	CHECK(vcpu_op(VCPUOP_down, 2, NULL) == 0, "down of vCPU 2 failed");
	CHECK(vcpu_op(VCPUOP_is_up, 2, NULL) == 0, "vCPU 2 still up");
	/*
	 * A down of another vCPU does not wait for it to stop (Xen 4.17's
	 * vcpu_sleep_nosync): on a CPU of its own it runs until its CPU takes
	 * the kick, so it is counted from when its runstate reads offline
	 * (at --smp 3 it once ran 1 time more after the down returned), or
	 * blocked: one taken down inside a poll stays blocked (as Xen; see
	 * vcpu_set_online), and then needs an event once up again, which
	 * the send below gives it (a --smp 2 run on 7 Dec met that case).
	 */
	CHECK(WAIT_UNTIL(vcpu_op(VCPUOP_get_runstate_info, 2, &rs) == 0 &&
			 (rs.state == RUNSTATE_offline || rs.state == RUNSTATE_blocked)),
	      "vCPU 2 never stopped after its down (runstate %d)", rs.state);
	before = alive[2];
	for (i = 0; i < 50; i++)
		yield();
	CHECK(alive[2] == before, "vCPU 2 ran %lu times while down", alive[2] - before);
	CHECK(vcpu_op(VCPUOP_up, 2, NULL) == 0, "up of vCPU 2 failed");
	evtchn_send(ipi[2]);
	CHECK(WAIT_UNTIL(alive[2] > before), "vCPU 2 did not go on");
	return TEST_PASS;
}

/* The host's pCPUs (sysctl physinfo; this guest is dom0). */
static unsigned int nr_pcpus(void)
{
	struct sysctl op;

	return physinfo(&op) ? 1 : op.u.physinfo.nr_cpus;
}

static int other_vcpus(void)
{
	struct vcpu_runstate_info rs;
	struct vcpu_set_periodic_timer per = { 10000000 };
	struct vcpu_set_singleshot_timer ss = { 0, 0, 0 };
	struct vcpu_register_vcpu_info vi = { va_to_mfn(scratch_page()), 0, 0 };
	struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
	struct evtchn_bind_virq bv = { VIRQ_TIMER, 2, 0 };
	struct evtchn_bind_vcpu bc;
	struct evtchn_status st;
	struct domctl op;
	long rc;

	/*
	 * vCPU 2 is up: runnable or blocked while this vCPU holds the only
	 * pCPU; with more pCPUs it may be running on another one.
	 */
	rc = vcpu_op(VCPUOP_get_runstate_info, 2, &rs);
	CHECK(rc == 0 && rs.state != RUNSTATE_offline &&
	      (rs.state != RUNSTATE_running || nr_pcpus() > 1),
	      "runstate of vCPU 2: %ld, state %d on %u pCPUs", rc, rs.state, nr_pcpus());
	CHECK(vcpu_op(VCPUOP_set_periodic_timer, 2, &per) == 0, "periodic timer of vCPU 2");
	CHECK(vcpu_op(VCPUOP_stop_periodic_timer, 2, NULL) == 0, "stop periodic of vCPU 2");
	ss.timeout_abs_ns = pvclock_ns() + 1000000000;
	rc = vcpu_op(VCPUOP_set_singleshot_timer, 2, &ss);
	CHECK(rc == -EINVAL, "single-shot timer of vCPU 2 gave %ld", rc);
	rc = vcpu_op(VCPUOP_stop_singleshot_timer, 2, NULL);
	CHECK(rc == -EINVAL, "stop single-shot of vCPU 2 gave %ld", rc);
	rc = vcpu_op(VCPUOP_register_vcpu_info, 2, &vi);
	CHECK(rc == -EINVAL, "vcpu_info of running vCPU 2 gave %ld", rc);

	rc = evtchn_op(EVTCHNOP_bind_virq, &bv);
	CHECK(rc == 0, "bind_virq TIMER on vCPU 2 gave %ld", rc);
	st = (struct evtchn_status){ .dom = DOMID_SELF, .port = bv.port };
	CHECK(evtchn_op(EVTCHNOP_status, &st) == 0 && st.vcpu == 2,
	      "the VIRQ port is on vCPU %u", st.vcpu);
	bv = (struct evtchn_bind_virq){ VIRQ_DOM_EXC, 1, 0 };
	rc = evtchn_op(EVTCHNOP_bind_virq, &bv);
	CHECK(rc == -EINVAL, "a global VIRQ on vCPU 1 gave %ld", rc);
	CHECK(evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0, "alloc_unbound");
	bc = (struct evtchn_bind_vcpu){ au.port, 2 };
	CHECK(evtchn_op(EVTCHNOP_bind_vcpu, &bc) == 0, "bind_vcpu to vCPU 2");
	bc = (struct evtchn_bind_vcpu){ ipi[1], 2 };
	rc = evtchn_op(EVTCHNOP_bind_vcpu, &bc);
	CHECK(rc == -EINVAL, "bind_vcpu of an IPI port gave %ld", rc);

	/* vCPU 3 down: it still exists, so a port may name it. */
	CHECK(vcpu_op(VCPUOP_down, 3, NULL) == 0, "down of vCPU 3");
	bc = (struct evtchn_bind_vcpu){ au.port, 3 };
	rc = evtchn_op(EVTCHNOP_bind_vcpu, &bc);
	CHECK(rc == 0, "bind_vcpu to vCPU 3 (down) gave %ld", rc);
	st = (struct evtchn_status){ .dom = DOMID_SELF, .port = au.port };
	CHECK(evtchn_op(EVTCHNOP_status, &st) == 0 && st.vcpu == 3,
	      "the unbound port is on vCPU %u", st.vcpu);
	op.u.getvcpuinfo.vcpu = 3;
	rc = domctl(&op, DOMCTL_getvcpuinfo);
	CHECK(rc == 0 && !op.u.getvcpuinfo.online, "getvcpuinfo of vCPU 3: %ld, online %u", rc,
	      op.u.getvcpuinfo.online);
	op.u.getvcpuinfo.vcpu = 1;
	rc = domctl(&op, DOMCTL_getvcpuinfo);
	CHECK(rc == 0 && op.u.getvcpuinfo.online, "getvcpuinfo of vCPU 1: %ld, online %u", rc,
	      op.u.getvcpuinfo.online);
	op.u.getdomaininfo.domain = 0;
	rc = domctl(&op, DOMCTL_getdomaininfo);
	CHECK(rc == 0 && op.u.getdomaininfo.max_vcpu_id == NR_VCPUS - 1 &&
	      op.u.getdomaininfo.nr_online_vcpus == NR_VCPUS - 1,
	      "getdomaininfo: %ld, max id %u, %u online", rc, op.u.getdomaininfo.max_vcpu_id,
	      op.u.getdomaininfo.nr_online_vcpus);
	return TEST_PASS;
}

static long affinity_op(uint32_t cmd, unsigned int vcpu, uint32_t flags, uint8_t *hard,
			uint32_t hard_bits, uint8_t *soft)
{
	struct domctl op;

	memset(&op, 0, sizeof(op));
	op.u.vcpuaffinity.vcpu = vcpu;
	op.u.vcpuaffinity.flags = flags;
	op.u.vcpuaffinity.cpumap_hard.bitmap = (uint64_t)hard;
	op.u.vcpuaffinity.cpumap_hard.nr_bits = hard_bits;
	op.u.vcpuaffinity.cpumap_soft.bitmap = (uint64_t)soft;
	op.u.vcpuaffinity.cpumap_soft.nr_bits = 8;
	return domctl(&op, cmd);
}

/*
 * With two pCPUs: vCPU 0 pinned to CPU 0 and vCPU 1 to CPU 1, vCPU 1 is
 * seen running there while vCPU 0 runs here (getvcpuinfo: cpu 1,
 * running, and its loop goes on); pinned back to CPU 0 it is found
 * there and goes on; vCPU 0 is unpinned.
 */
/* Yields until getvcpuinfo finds vCPU `id` on `cpu` (and running, if asked); false if never. */
static bool vcpu_seen_on(unsigned int id, unsigned int cpu, bool running, struct domctl *op)
{
	uint64_t start = wait_tsc();

	do {
		memset(op, 0, sizeof(*op));
		op->u.getvcpuinfo.vcpu = id;
		if (domctl(op, DOMCTL_getvcpuinfo) == 0 && op->u.getvcpuinfo.cpu == cpu &&
		    (!running || op->u.getvcpuinfo.running))
			return true;
		yield();
	} while (wait_time_left(start));
	return false;
}

static long pin_override_to(int32_t pcpu)
{
	struct {
		int32_t pcpu;
	} po = { pcpu };

	return HYPERVISOR_sched_op(SCHEDOP_pin_override, &po);
}

/*
 * SCHEDOP_pin_override, Xen 4.17's answers (vcpu_temporary_affinity):
 * vCPU 0, pinned to CPU 0 by setvcpuaffinity, is pinned to CPU 1 by the
 * call and runs there (getvcpuinfo); its hard map reads CPU 1; a second
 * pin (to either CPU) is -EBUSY, as is setvcpuaffinity meanwhile; a pCPU
 * past the machine's is -EINVAL; the end gives back CPU 0's map and the
 * vCPU goes back there; a second end is -EINVAL.
 */
static int pin_override(void)
{
	uint8_t hard[8] = { 0 }, soft[8] = { 0 };
	struct domctl op;
	long rc;

	rc = pin_override_to((int32_t)nr_pcpus());
	CHECK(rc == -EINVAL, "pin_override to CPU %u (none): %ld", nr_pcpus(), rc);
	rc = pin_override_to(1);
	CHECK(rc == 0, "pin_override to CPU 1: %ld", rc);
	CHECK(vcpu_seen_on(0, 1, true, &op), "vCPU 0 not running on CPU 1 after pin_override: "
	      "cpu %u running %u", op.u.getvcpuinfo.cpu, op.u.getvcpuinfo.running);
	rc = affinity_op(DOMCTL_getvcpuaffinity, 0, VCPUAFFINITY_HARD, hard, 8, soft);
	CHECK(rc == 0 && hard[0] == 2, "vCPU 0's hard map under pin_override: %ld, %#x", rc,
	      hard[0]);
	CHECK((rc = pin_override_to(1)) == -EBUSY, "a second pin_override (CPU 1): %ld", rc);
	CHECK((rc = pin_override_to(0)) == -EBUSY, "a second pin_override (CPU 0): %ld", rc);
	CHECK((rc = pin_override_to(100000)) == -EINVAL, "pin_override to CPU 100000: %ld", rc);
	hard[0] = 1;
	rc = affinity_op(DOMCTL_setvcpuaffinity, 0, VCPUAFFINITY_HARD, hard, 8, soft);
	CHECK(rc == -EBUSY, "setvcpuaffinity under pin_override: %ld", rc);
	CHECK((rc = pin_override_to(-1)) == 0, "the end of pin_override: %ld", rc);
	CHECK((rc = pin_override_to(-1)) == -EINVAL, "a second end of pin_override: %ld", rc);
	hard[0] = 0;
	rc = affinity_op(DOMCTL_getvcpuaffinity, 0, VCPUAFFINITY_HARD, hard, 8, soft);
	CHECK(rc == 0 && hard[0] == 1, "vCPU 0's hard map after pin_override: %ld, %#x", rc,
	      hard[0]);
	CHECK(vcpu_seen_on(0, 0, true, &op), "vCPU 0 not back on CPU 0: cpu %u",
	      op.u.getvcpuinfo.cpu);
	printf("pin_override: vCPU 0 ran on CPU 1 and came back to CPU 0\n");
	return TEST_PASS;
}

/*
 * VCPUOP_get_physid of a vCPU pinned to one pCPU, as Xen 4.17 answers it:
 * the APIC ID (bits 0-31) and ACPI processor ID (bits 32-63) of the pCPU
 * whose number is the vCPU's id, whichever CPU it or the caller runs on;
 * the reference is platform_op get_cpuinfo of that pCPU.
 */
static int physid_is_cpu(unsigned int vcpu)
{
	struct xen_platform_op pop;
	uint64_t phys = ~0ULL, want;
	long rc;

	memset(&pop, 0, sizeof(pop));
	pop.cmd = XENPF_get_cpuinfo;
	pop.interface_version = XENPF_INTERFACE_VERSION;
	pop.u.pcpu_info.xen_cpuid = vcpu;
	rc = hypercall1(__HYPERVISOR_platform_op, &pop);
	CHECK(rc == 0, "platform_op get_cpuinfo %u: %ld", vcpu, rc);
	want = pop.u.pcpu_info.apic_id | (uint64_t)pop.u.pcpu_info.acpi_id << 32;
	rc = vcpu_op(VCPUOP_get_physid, vcpu, &phys);
	CHECK(rc == 0 && phys == want, "get_physid of pinned vCPU %u: %ld, %#lx (pCPU %u's %#lx)",
	      vcpu, rc, (unsigned long)phys, vcpu, (unsigned long)want);
	return TEST_PASS;
}

/*
 * The same for a vCPU pinned to CPU 0 for the call: numbered past the
 * machine's CPUs (vCPU 3 of 4 on two or three; cpus is the map of every
 * CPU), no pCPU has its number, so all ones in both halves (Xen's
 * BAD_APICID and INVALID_ACPIID); on four CPUs or more, pCPU 3's ids as
 * above. Its map is every CPU again afterwards.
 */
static int physid_pinned_to_0(unsigned int vcpu, uint8_t cpus)
{
	uint8_t hard[8] = { 1 }, soft[8] = { 0 };
	uint64_t phys = 0;
	long rc;

	rc = affinity_op(DOMCTL_setvcpuaffinity, vcpu, VCPUAFFINITY_HARD, hard, 8, soft);
	CHECK(rc == 0 && hard[0] == 1, "pin vCPU %u to CPU 0: %ld, map %#x", vcpu, rc, hard[0]);
	if (cpus & (1U << vcpu)) {
		CHECK(physid_is_cpu(vcpu) == TEST_PASS, "get_physid of vCPU %u on CPU 0", vcpu);
	} else {
		rc = vcpu_op(VCPUOP_get_physid, vcpu, &phys);
		CHECK(rc == 0 && phys == ~0ULL, "get_physid of pinned vCPU %u (no pCPU %u): "
		      "%ld, %#lx", vcpu, vcpu, rc, (unsigned long)phys);
	}
	hard[0] = 0xff;
	rc = affinity_op(DOMCTL_setvcpuaffinity, vcpu, VCPUAFFINITY_HARD, hard, 8, soft);
	CHECK(rc == 0 && hard[0] == cpus, "vCPU %u unpinned: %ld, map %#x (every CPU: %#x)",
	      vcpu, rc, hard[0], cpus);
	return TEST_PASS;
}

/* cpus: the map of every CPU. */
static int runs_on_cpu1(uint8_t cpus)
{
	uint8_t hard[8] = { 1 }, soft[8] = { 0 };
	struct domctl op;
	unsigned long from;
	long rc;

	/* vCPU 0 (this one) to CPU 0, which it leaves at once if it is elsewhere. */
	rc = affinity_op(DOMCTL_setvcpuaffinity, 0, VCPUAFFINITY_HARD, hard, 8, soft);
	CHECK(rc == 0 && hard[0] == 1, "pin vCPU 0 to CPU 0: %ld, map %#x", rc, hard[0]);
	hard[0] = 2;
	rc = affinity_op(DOMCTL_setvcpuaffinity, 1, VCPUAFFINITY_HARD, hard, 8, soft);
	CHECK(rc == 0 && hard[0] == 2, "pin vCPU 1 to CPU 1: %ld, map %#x", rc, hard[0]);
	CHECK(vcpu_seen_on(1, 1, true, &op), "vCPU 1 never running on CPU 1: cpu %u running %u",
	      op.u.getvcpuinfo.cpu, op.u.getvcpuinfo.running);
	from = alive[1];
	CHECK(WAIT_UNTIL(alive[1] > from + 10), "vCPU 1 on CPU 1 does not run");
	printf("vCPU 1 ran on CPU 1 (getvcpuinfo cpu %u, running %u)\n", op.u.getvcpuinfo.cpu,
	       op.u.getvcpuinfo.running);
	CHECK(physid_is_cpu(1) == TEST_PASS, "get_physid of vCPU 1 on CPU 1");
	CHECK(physid_is_cpu(0) == TEST_PASS, "get_physid of vCPU 0 on CPU 0");
	CHECK(physid_pinned_to_0(3, cpus) == TEST_PASS, "get_physid of vCPU 3");
	hard[0] = 1;
	rc = affinity_op(DOMCTL_setvcpuaffinity, 1, VCPUAFFINITY_HARD, hard, 8, soft);
	CHECK(rc == 0 && hard[0] == 1, "pin vCPU 1 back to CPU 0: %ld, map %#x", rc, hard[0]);
	CHECK(vcpu_seen_on(1, 0, false, &op), "vCPU 1 still on CPU %u", op.u.getvcpuinfo.cpu);
	from = alive[1];
	CHECK(WAIT_UNTIL(alive[1] > from + 10), "vCPU 1 back on CPU 0 does not run");
	CHECK(pin_override() == TEST_PASS, "SCHEDOP_pin_override");
	hard[0] = 0xff;
	rc = affinity_op(DOMCTL_setvcpuaffinity, 0, VCPUAFFINITY_HARD, hard, 8, soft);
	CHECK(rc == 0 && hard[0] == cpus, "vCPU 0 unpinned: %ld, map %#x (every CPU: %#x)", rc,
	      hard[0], cpus);
	return TEST_PASS;
}

/*
 * vcpu-pin's domctls, Xen 4.17's answers: hard and soft maps start with
 * every CPU (the machine's: bit 0 on one pCPU, 0x3 on two); pinning to CPU 0 is
 * taken and answered with the effective map; an empty hard map, no map
 * asked, an id past max_vcpus are -EINVAL; a bad map pointer -EFAULT.
 */
static int affinity(void)
{
	uint8_t hard[8], soft[8], cpus;
	long rc;

	memset(hard, 0xee, sizeof(hard));
	memset(soft, 0xee, sizeof(soft));
	rc = affinity_op(DOMCTL_getvcpuaffinity, 1, VCPUAFFINITY_HARD | VCPUAFFINITY_SOFT,
			 hard, 64, soft);
	CHECK(rc == 0 && (hard[0] & 1) && (soft[0] & 1) && !hard[7] && hard[1] == 0,
	      "getvcpuaffinity: %ld, hard %#x %#x, soft %#x", rc, hard[0], hard[1], soft[0]);
	CHECK(hard[0] == soft[0] && !(hard[0] & (hard[0] + 1)),
	      "not every pCPU: hard %#x soft %#x", hard[0], soft[0]);
	cpus = hard[0];
	hard[0] = 1;
	rc = affinity_op(DOMCTL_setvcpuaffinity, 1, VCPUAFFINITY_HARD, hard, 8, soft);
	CHECK(rc == 0 && hard[0] == 1, "pin vCPU 1 to CPU 0: %ld, map %#x", rc, hard[0]);
	soft[0] = 1;
	rc = affinity_op(DOMCTL_setvcpuaffinity, 1, VCPUAFFINITY_SOFT, hard, 8, soft);
	CHECK(rc == 0 && soft[0] == 1, "soft CPU 0 for vCPU 1: %ld, map %#x", rc, soft[0]);
	hard[0] = 0xff;
	rc = affinity_op(DOMCTL_getvcpuaffinity, 1, VCPUAFFINITY_HARD, hard, 8, soft);
	CHECK(rc == 0 && hard[0] == 1, "pinned vCPU 1: %ld, map %#x", rc, hard[0]);
	hard[0] = 0;
	rc = affinity_op(DOMCTL_setvcpuaffinity, 1, VCPUAFFINITY_HARD, hard, 8, soft);
	CHECK(rc == -EINVAL, "an empty hard map gave %ld", rc);
	rc = affinity_op(DOMCTL_setvcpuaffinity, 1, VCPUAFFINITY_HARD, hard, 0, soft);
	CHECK(rc == -EINVAL, "a hard map of no bits gave %ld", rc);
	hard[0] = 1;
	rc = affinity_op(DOMCTL_setvcpuaffinity, 1, 0, hard, 8, soft);
	CHECK(rc == -EINVAL, "no map asked gave %ld", rc);
	rc = affinity_op(DOMCTL_setvcpuaffinity, NR_VCPUS, VCPUAFFINITY_HARD, hard, 8, soft);
	CHECK(rc == -EINVAL, "vCPU %u gave %ld", NR_VCPUS, rc);
	rc = affinity_op(DOMCTL_setvcpuaffinity, 1, VCPUAFFINITY_HARD, (uint8_t *)8, 8, soft);
	CHECK(rc == -EFAULT, "a bad map pointer gave %ld", rc);
	rc = affinity_op(DOMCTL_getvcpuaffinity, 1, VCPUAFFINITY_HARD, (uint8_t *)8, 8, soft);
	CHECK(rc == -EFAULT, "get into a bad pointer gave %ld", rc);
	if (cpus & 2)
		CHECK(runs_on_cpu1(cpus) == TEST_PASS, "vCPU 1 on CPU 1");
	return TEST_PASS;
}

int test_main(struct start_info *si)
{
	unsigned int id;
	long rc;

	start = si;
	if (events_init(si))
		return fail("events_init failed");
	rc = vcpu_op(VCPUOP_is_up, NR_VCPUS - 1, NULL);
	if (rc == -ENOENT)
		return skip("fewer than 4 vCPUs (dom0_max_vcpus=4 not honoured)");
	CHECK(vcpu_op(VCPUOP_is_up, 0, NULL) == 1, "vCPU 0 not up");
	for (id = 1; id < NR_VCPUS; id++)
		CHECK(vcpu_op(VCPUOP_is_up, id, NULL) == 0, "vCPU %u up at boot", id);
	CHECK(bad_ids() == TEST_PASS, "ids that do not exist");
	CHECK(bad_contexts() == TEST_PASS, "bad contexts");
	CHECK(bring_up() == TEST_PASS, "bring-up");
	CHECK(ping_pong() == TEST_PASS, "ping-pong");
	CHECK(down_up() == TEST_PASS, "down and up");
	CHECK(other_vcpus() == TEST_PASS, "other vCPUs");
	CHECK(affinity() == TEST_PASS, "affinity");
	for (id = 1; id < NR_VCPUS; id++)
		CHECK(vcpu_op(VCPUOP_down, id, NULL) == 0, "down of vCPU %u at the end", id);
	printf("4 vCPUs: %u token rounds, %u down/up cycles\n", ROUNDS, DOWN_UP);
	return TEST_PASS;
}
